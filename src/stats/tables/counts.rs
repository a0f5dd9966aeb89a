//! The coordinator's monthly counts kept in the store (`stat_count`, migration 0025), so
//! that a counting screen reads at most centres × months of counts instead of a period's
//! rows (issue 26 item 10; `docs/performance.md`, "The coordinator's screens at scale").
//!
//! # What is kept
//! Everything the engine counts from the live records is already a count of one centre in
//! one month, never a count over a period (`docs/statistics.md`): T1–T5 by the opening
//! month of the case (new or returning is decided per case, at its opening), T6–T9 by the
//! month of the event, T10a by the closing month. So those parts are kept as they are, by
//! (month, centre, part, code), and a period is their sum; T2 is kept by list of violence
//! forms (`T2forms`) and T2a and T2b derived when read, because the GBVIMS primary type
//! comes from the crosswalk of the code lists in force then (they can change). The caseload (T10b) is a stock,
//! not a flow: it is kept as its monthly change (`open_delta`: cases opened in the month
//! minus cases that stop being open in it, at the later of their opening and closing
//! month), and the caseload at the end of a month is the running sum up to that month.
//! Data quality is a count of the cases opened in the month failing each check, kept the
//! same way (`quality`). Archived counts of purged cases (`stat_archive`) and counts
//! received from statistics-level centres (`stat_received`) are read as before: they are
//! already counts.
//!
//! # Always exact
//! `stat_count` plus the months listed in `stat_count_dirty` are exact at every commit:
//! triggers on every table the counts are made from list, in the same transaction as the
//! write (whoever makes it), every month it may change, and [`refresh`] recomputes those
//! months from the rows with the same queries as [`super::compute`] would. A bundle import
//! at a coordinator (which is also how the owner's corrections, tombstones, purges and
//! withdrawals arrive) refreshes before it commits; a read that finds months listed
//! refreshes first (in its own transaction), so a write by any other path is counted too. A centre's own store computes its tables from the rows (it is small, and its
//! statistics-consent view is not kept); only a coordinator reads the counts.

use rusqlite::{Connection, OptionalExtension, params};

use super::PARTS;
use super::queries::{Acc, Bounds, T2_FORMS, add_t2, live_flows, month_of};
use crate::centre::{CentreProfile, Mode};
use crate::codes::CodeLists;
use crate::error::Result;
use crate::stats::{Month, StatsQuery};

/// The part that holds the caseload's monthly change.
pub(crate) const OPEN_DELTA: &str = "open_delta";
/// The part that holds data quality (code `cases`, or a check's code).
pub(crate) const QUALITY: &str = "quality";

/// Whether the tables of `query` on this store are read from the kept counts.
pub(crate) fn in_use(profile: &CentreProfile, query: &StatsQuery) -> bool {
    profile.mode == Mode::Coordinator && !query.consented_only
}

/// Recomputes the listed months if any are listed: in a transaction of its own when none
/// is open, else inside the caller's.
pub(crate) fn ensure_fresh(conn: &Connection) -> Result<()> {
    let listed: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM stat_count_dirty LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if listed.is_none() {
        return Ok(());
    }
    if conn.is_autocommit() {
        let tx = conn.unchecked_transaction()?;
        refresh(&tx)?;
        tx.commit()?;
    } else {
        refresh(conn)?;
    }
    Ok(())
}

/// Recomputes from the rows every month listed in `stat_count_dirty` and empties the list,
/// in the caller's transaction. Returns how many months were recomputed.
pub(crate) fn refresh(conn: &Connection) -> Result<usize> {
    let listed: Vec<String> = conn
        .prepare_cached("SELECT month FROM stat_count_dirty ORDER BY month")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if listed.is_empty() {
        return Ok(0);
    }
    let mut months: Vec<Month> = listed.iter().filter_map(|m| month_of(m)).collect();
    months.sort();
    months.dedup();
    // Consecutive months are recomputed together.
    let mut ranges: Vec<(Month, Month)> = Vec::new();
    for m in &months {
        match ranges.last_mut() {
            Some((_, to)) if to.next() == *m => *to = *m,
            _ => ranges.push((*m, *m)),
        }
    }
    for (from, to) in ranges {
        put_range(conn, from, to)?;
    }
    conn.execute("DELETE FROM stat_count_dirty", [])?;
    Ok(months.len())
}

fn put_range(conn: &Connection, from: Month, to: Month) -> Result<()> {
    let (a, b) = (from.code(), to.code());
    conn.execute(
        "DELETE FROM stat_count WHERE month >= ?1 AND month <= ?2",
        params![a, b],
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO stat_count (month, centre, part, code, value) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let bounds = Bounds {
        from,
        to,
        consented_only: false,
    };
    let mut acc = Acc::default();
    live_flows(conn, None, &mut acc, &bounds)?;
    for ((part, centre, m, code), v) in &acc.flows {
        if *v != 0 && *m >= from && *m <= to {
            insert.execute(params![m.code(), centre, part, code, v])?;
        }
    }

    // The caseload's change: +1 in the opening month, −1 in the later of the opening and
    // closing months (a case is open at the end of M when opened in M or before and not
    // closed in M or before; one closed in or before its opening month is never open).
    let mut delta: std::collections::HashMap<(String, Month), i64> = Default::default();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT owner_centre, opened_on, closed_on FROM case_file
             WHERE deleted_at IS NULL
               AND ((opened_on >= ?1 AND opened_on < ?2) OR (closed_on >= ?1 AND closed_on < ?2))",
        )?;
        let mut rows = stmt.query(params![from.first_day(), to.next().first_day()])?;
        while let Some(r) = rows.next()? {
            let centre: String = r.get(0)?;
            let Some(opened) = r.get::<_, Option<String>>(1)?.as_deref().and_then(month_of) else {
                continue;
            };
            if opened >= from && opened <= to {
                *delta.entry((centre.clone(), opened)).or_insert(0) += 1;
            }
            if let Some(closed) = r.get::<_, Option<String>>(2)?.as_deref().and_then(month_of) {
                let stops = closed.max(opened);
                if stops >= from && stops <= to {
                    *delta.entry((centre, stops)).or_insert(0) -= 1;
                }
            }
        }
    }
    for ((centre, m), v) in delta {
        if v != 0 {
            insert.execute(params![m.code(), centre, OPEN_DELTA, "", v])?;
        }
    }

    for (centre, m, values) in crate::stats::quality::by_month(conn, from, to)? {
        for (code, v) in values {
            if v != 0 {
                insert.execute(params![m.code(), centre, QUALITY, code, v])?;
            }
        }
    }
    Ok(())
}

/// Adds the kept counts of the period to `acc`, as `live` would from the rows.
pub(super) fn read(conn: &Connection, codes: &CodeLists, acc: &mut Acc, q: &Bounds) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT month, centre, part, code, value FROM stat_count
         WHERE month >= ?1 AND month <= ?2",
    )?;
    let mut rows = stmt.query(params![q.from.code(), q.to.code()])?;
    while let Some(r) = rows.next()? {
        let part = r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
        let Some(m) = month_of(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?) else {
            continue;
        };
        if part == T2_FORMS {
            let text = r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?;
            let forms: Vec<String> = serde_json::from_str(text).unwrap_or_default();
            let centre = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            add_t2(acc, codes, centre, m, &forms, r.get(4)?);
            continue;
        }
        let Some(&part) = PARTS.iter().find(|p| **p == part) else {
            continue; // the caseload's change and data quality are read below
        };
        acc.add(
            part,
            r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?,
            m,
            r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?,
            r.get(4)?,
        );
    }

    // The caseload at the end of each month from the one before the period: the running
    // sum of the monthly changes.
    let before = q.from.prev();
    let months = before.through(q.to);
    let mut open: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    let mut stmt = conn.prepare_cached(
        "SELECT centre, month, sum(value) FROM stat_count INDEXED BY stat_count_part
         WHERE part = ?1 AND month <= ?2 GROUP BY 1, 2",
    )?;
    let mut rows = stmt.query(params![OPEN_DELTA, q.to.code()])?;
    while let Some(r) = rows.next()? {
        let Some(m) = month_of(r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?) else {
            continue;
        };
        let v: i64 = r.get(2)?;
        let centre: String = r.get(0)?;
        let sums = open.entry(centre).or_insert_with(|| vec![0; months.len()]);
        // A change in month k counts at the end of every month from k on.
        let first = months.iter().position(|x| *x >= m).unwrap_or(months.len());
        for s in &mut sums[first..] {
            *s += v;
        }
    }
    for (centre, sums) in open {
        for (m, v) in months.iter().zip(sums) {
            if v != 0 {
                acc.add_open(&centre, *m, v);
            }
        }
    }
    Ok(())
}

/// Data quality of the period by centre from the kept counts: `centre → code → count`.
pub(crate) fn quality(
    conn: &Connection,
    from: Month,
    to: Month,
) -> Result<std::collections::HashMap<String, std::collections::HashMap<String, i64>>> {
    let mut out: std::collections::HashMap<String, std::collections::HashMap<String, i64>> =
        Default::default();
    let mut stmt = conn.prepare_cached(
        "SELECT centre, code, sum(value) FROM stat_count INDEXED BY stat_count_part
         WHERE part = ?1 AND month >= ?2 AND month <= ?3 GROUP BY 1, 2",
    )?;
    let mut rows = stmt.query(params![QUALITY, from.code(), to.code()])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?)
            .or_default()
            .insert(r.get(1)?, r.get(2)?);
    }
    Ok(out)
}
