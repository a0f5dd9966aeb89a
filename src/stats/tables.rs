//! The tables engine: T1–T10 by centre × month and consolidated.
//!
//! # One engine for both kinds of store
//! A centre's store holds its own records with full dates; a coordinator's holds
//! pseudonymised replicas of many centres' records whose dates are cut to the first day of
//! their month, with the owner centre on every row. The engine only ever looks at what
//! both have: the owner centre, the month (`substr(date, 1, 7)`, and month ranges compared
//! as `date >= 'YYYY-MM-01' AND date < 'next-month-01'`), and codes. So a centre sees
//! exactly the tables its coordinator will compute from its bundle (with
//! [`StatsQuery::consented_only`]), and the coordinator sees all of its centres side by side.
//!
//! # How it counts
//! Each table is one or two aggregate queries grouped by (month, centre, codes) in SQLite;
//! categories are then derived in Rust through the code-list crosswalks (GBVIMS primary
//! type from the violence forms, EIGE category from the relationship), never from stored
//! labels. Only current versions of events count (not superseded, not tombstoned), and only
//! records of cases that are not tombstoned. Counts of purged cases kept in `stat_archive`
//! are added under the same keys, so purging never changes a published figure.
//!
//! The definitions are in `docs/statistics.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rusqlite::{Connection, params};

use super::{
    Month, StatsCell, StatsCentre, StatsColumn, StatsQuery, StatsReport, StatsRow, StatsTable, Unit,
};
use crate::centre::{CentreProfile, Language, Mode};
use crate::codes::CodeLists;
use crate::error::{Error, Result};
use crate::risk::pack::{self, InstrumentPack};

/// The parts of T1–T10, in the order they are published.
pub const PARTS: &[&str] = &[
    "T1", "T2a", "T2b", "T3", "T4", "T5a", "T5b", "T5c", "T6a", "T6b", "T7a", "T7b", "T8", "T9",
    "T10a", "T10b",
];

/// `new` or `returning` for the case `c`: returning when the same client has another live
/// case at the same centre opened in an earlier month, or in the same month and recorded
/// before it (ids are UUIDv7, ordered by creation). Months, not days, so that a centre and
/// its coordinator (whose replicas carry months) classify every case alike. `{consent}` is
/// the statistics-consent filter applied to that earlier case too (what a bundle carries).
pub(crate) const CLIENT_KIND: &str = "CASE WHEN EXISTS (SELECT 1 FROM case_file p
      WHERE p.client_id = c.client_id AND p.owner_centre = c.owner_centre
        AND p.deleted_at IS NULL AND p.id <> c.id
        AND (substr(p.opened_on, 1, 7) < substr(c.opened_on, 1, 7)
             OR (substr(p.opened_on, 1, 7) = substr(c.opened_on, 1, 7) AND p.id < c.id)){consent})
    THEN 'returning' ELSE 'new' END";

/// Counts by (part, centre, month, category code), and caseload at the end of each month
/// by (centre, month).
#[derive(Debug, Default)]
struct Acc {
    flows: HashMap<(&'static str, String, Month, String), i64>,
    open_at_end: HashMap<(String, Month), i64>,
    centres_seen: BTreeSet<String>,
}

impl Acc {
    fn add(&mut self, part: &'static str, centre: &str, month: Month, code: &str, v: i64) {
        if v == 0 {
            return;
        }
        if !self.centres_seen.contains(centre) {
            self.centres_seen.insert(centre.to_owned());
        }
        *self
            .flows
            .entry((part, centre.to_owned(), month, code.to_owned()))
            .or_insert(0) += v;
    }

    fn add_open(&mut self, centre: &str, month: Month, v: i64) {
        if !self.centres_seen.contains(centre) {
            self.centres_seen.insert(centre.to_owned());
        }
        *self
            .open_at_end
            .entry((centre.to_owned(), month))
            .or_insert(0) += v;
    }
}

/// The current statistics consent of the case `c` says given (the same test a bundle
/// export applies).
const CONSENTED: &str = " AND (SELECT e.given FROM consent_event e
      WHERE e.case_id = c.id AND e.purpose = 'statistics' AND e.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM consent_event n WHERE n.supersedes = e.id)
      ORDER BY e.on_date DESC, e.hlc DESC LIMIT 1) = 1";

fn month_of(text: &str) -> Option<Month> {
    Month::parse(text.get(..7)?).ok()
}

/// Runs one grouped query; each row's first column is the month, the second the centre.
fn each_row<F>(conn: &Connection, sql: &str, p: &[&dyn rusqlite::ToSql], mut f: F) -> Result<()>
where
    F: FnMut(Month, &str, &rusqlite::Row<'_>) -> rusqlite::Result<()>,
{
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(p)?;
    while let Some(row) = rows.next()? {
        let month: Option<String> = row.get(0)?;
        let centre: String = row.get(1)?;
        if let Some(m) = month.as_deref().and_then(month_of) {
            f(m, &centre, row)?;
        }
    }
    Ok(())
}

/// Aggregates the live records of the period.
fn live(conn: &Connection, codes: &CodeLists, acc: &mut Acc, q: &Bounds) -> Result<()> {
    let consent = if q.consented_only { CONSENTED } else { "" };
    let from = q.from.first_day();
    let to = q.to.next().first_day();
    let range: [&dyn rusqlite::ToSql; 2] = [&from, &to];

    // T1, T5: cases opened in the month (T5c: of a new or a returning client).
    let earlier_consent = consent.replace("e.case_id = c.id", "e.case_id = p.id");
    let kind = CLIENT_KIND.replace("{consent}", &earlier_consent);
    each_row(
        conn,
        &format!(
            "SELECT substr(c.opened_on, 1, 7), c.owner_centre, cl.sex, cl.age_band,
                    c.referral_source, c.intake_outcome, {kind}, count(*)
             FROM case_file c JOIN client cl ON cl.id = c.client_id
             WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL{consent}
             GROUP BY 1, 2, 3, 4, 5, 6, 7"
        ),
        &range,
        |m, centre, r| {
            let n: i64 = r.get(7)?;
            let sex: String = r.get(2)?;
            let band: String = r.get(3)?;
            acc.add("T1", centre, m, &format!("{sex}|{band}"), n);
            acc.add("T5a", centre, m, &r.get::<_, String>(4)?, n);
            acc.add("T5b", centre, m, &r.get::<_, String>(5)?, n);
            acc.add("T5c", centre, m, &r.get::<_, String>(6)?, n);
            Ok(())
        },
    )?;

    // T2: current incidents of the cases opened in the month, grouped by their list of
    // violence forms; forms (multi-count) and the GBVIMS primary type come from the
    // crosswalk.
    each_row(
        conn,
        &format!(
            "SELECT substr(c.opened_on, 1, 7), c.owner_centre, i.violence_forms, count(*)
             FROM case_file c JOIN incident i ON i.case_id = c.id
             WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL
               AND i.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id){consent}
             GROUP BY 1, 2, 3"
        ),
        &range,
        |m, centre, r| {
            let n: i64 = r.get(3)?;
            let text: String = r.get(2)?;
            let mut forms: Vec<String> = serde_json::from_str(&text).unwrap_or_default();
            forms.sort();
            forms.dedup();
            for f in &forms {
                acc.add("T2a", centre, m, f, n);
            }
            let refs: Vec<&str> = forms.iter().map(String::as_str).collect();
            acc.add("T2b", centre, m, codes.gbvims_primary(&refs), n);
            Ok(())
        },
    )?;

    // T3: each perpetrator link of those incidents, by detailed relationship (the EIGE
    // categories are subtotal columns, through the crosswalk).
    each_row(
        conn,
        &format!(
            "SELECT substr(c.opened_on, 1, 7), c.owner_centre,
                    coalesce(json_extract(p.value, '$.relationship'), 'unknown'), count(*)
             FROM case_file c JOIN incident i ON i.case_id = c.id, json_each(i.perpetrators) p
             WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL
               AND i.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id){consent}
             GROUP BY 1, 2, 3"
        ),
        &range,
        |m, centre, r| {
            acc.add("T3", centre, m, &r.get::<_, String>(2)?, r.get(3)?);
            Ok(())
        },
    )?;

    // T4: children of the cases opened in the month who witnessed / were harmed.
    each_row(
        conn,
        &format!(
            "SELECT substr(c.opened_on, 1, 7), c.owner_centre,
                    sum(ch.witnessed = 'yes'), sum(ch.directly_harmed = 'yes')
             FROM case_file c JOIN child ch ON ch.case_id = c.id
             WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL
               AND ch.deleted_at IS NULL{consent}
             GROUP BY 1, 2"
        ),
        &range,
        |m, centre, r| {
            acc.add("T4", centre, m, "witnessed", r.get(2)?);
            acc.add("T4", centre, m, "directly_harmed", r.get(3)?);
            Ok(())
        },
    )?;

    // T6: service contacts in the month.
    contacts(conn, acc, q, &range)?;

    // T7: outgoing referrals made in the month.
    each_row(
        conn,
        &format!(
            "SELECT substr(r.on_date, 1, 7), r.owner_centre, r.agency_type, r.status, count(*)
             FROM referral r JOIN case_file c ON c.id = r.case_id
             WHERE r.on_date >= ?1 AND r.on_date < ?2 AND r.deleted_at IS NULL
               AND c.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM referral n WHERE n.supersedes = r.id){consent}
             GROUP BY 1, 2, 3, 4"
        ),
        &range,
        |m, centre, r| {
            let n: i64 = r.get(4)?;
            acc.add("T7a", centre, m, &r.get::<_, String>(2)?, n);
            acc.add("T7b", centre, m, &r.get::<_, String>(3)?, n);
            Ok(())
        },
    )?;

    // T8: risk assessments made in the month, by instrument and final band (after the
    // practitioner's judgement).
    each_row(
        conn,
        &format!(
            "SELECT substr(a.assessed_on, 1, 7), a.owner_centre, a.instrument_id, a.final_band,
                    count(*)
             FROM risk_assessment a JOIN case_file c ON c.id = a.case_id
             WHERE a.assessed_on >= ?1 AND a.assessed_on < ?2 AND a.deleted_at IS NULL
               AND c.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM risk_assessment n WHERE n.supersedes = a.id){consent}
             GROUP BY 1, 2, 3, 4"
        ),
        &range,
        |m, centre, r| {
            let code = format!("{}|{}", r.get::<_, String>(2)?, r.get::<_, String>(3)?);
            acc.add("T8", centre, m, &code, r.get(4)?);
            Ok(())
        },
    )?;

    // T9: protection orders by the month of their decision (else application, else start,
    // else the case's opening), by issuer and outcome.
    let (from_m, to_m) = (q.from.code(), q.to.code());
    each_row(
        conn,
        &format!(
            "SELECT substr(coalesce(o.decided_on, o.applied_on, o.starts_on, c.opened_on), 1, 7) AS m,
                    o.owner_centre, o.issuer, o.status, count(*)
             FROM protection_order o JOIN case_file c ON c.id = o.case_id
             WHERE o.deleted_at IS NULL AND c.deleted_at IS NULL{consent}
               AND m >= ?1 AND m <= ?2
             GROUP BY 1, 2, 3, 4"
        ),
        &[&from_m, &to_m],
        |m, centre, r| {
            let code = format!("{}|{}", r.get::<_, String>(2)?, r.get::<_, String>(3)?);
            acc.add("T9", centre, m, &code, r.get(4)?);
            Ok(())
        },
    )?;

    // T10a: closures in the month, by reason.
    each_row(
        conn,
        &format!(
            "SELECT substr(c.closed_on, 1, 7), c.owner_centre, coalesce(c.closure_reason, ''),
                    count(*)
             FROM case_file c
             WHERE c.closed_on >= ?1 AND c.closed_on < ?2 AND c.deleted_at IS NULL{consent}
             GROUP BY 1, 2, 3"
        ),
        &range,
        |m, centre, r| {
            acc.add("T10a", centre, m, &r.get::<_, String>(2)?, r.get(3)?);
            Ok(())
        },
    )?;

    // T10b: caseload. A case is open at the end of month M when it was opened in M or
    // before and not closed in M or before. Grouped by (opening month, closing month), a
    // few thousand pairs at most, then spread over the months in Rust.
    let before = q.from.prev();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.owner_centre, substr(c.opened_on, 1, 7), substr(c.closed_on, 1, 7), count(*)
         FROM case_file c INDEXED BY case_stats_caseload
         WHERE c.deleted_at IS NULL AND c.opened_on < ?2
           AND (c.closed_on IS NULL OR c.closed_on >= ?1){consent}
         GROUP BY 1, 2, 3"
    ))?;
    let mut rows = stmt.query(params![before.first_day(), to])?;
    let months = before.through(q.to);
    while let Some(r) = rows.next()? {
        let centre: String = r.get(0)?;
        let Some(opened) = r.get::<_, Option<String>>(1)?.as_deref().and_then(month_of) else {
            continue;
        };
        let closed = r.get::<_, Option<String>>(2)?.as_deref().and_then(month_of);
        let n: i64 = r.get(3)?;
        for &m in &months {
            if opened <= m && closed.is_none_or(|c| c > m) {
                acc.add_open(&centre, m, n);
            }
        }
    }
    Ok(())
}

/// T6 in the month. Without the consent filter this reads only the covering index
/// `service_contact_stats` (migration 0008): every live contact in the range, minus those
/// superseded by a correction, minus those of tombstoned cases (both rare).
fn contacts(
    conn: &Connection,
    acc: &mut Acc,
    q: &Bounds,
    range: &[&dyn rusqlite::ToSql; 2],
) -> Result<()> {
    let put = |sign: i64| {
        move |acc: &mut Acc, m: Month, centre: &str, r: &rusqlite::Row<'_>| {
            let d: String = r.get(2)?;
            acc.add("T6a", centre, m, &d, sign * r.get::<_, i64>(3)?);
            acc.add("T6b", centre, m, &d, sign * r.get::<_, i64>(4)?);
            Ok::<(), rusqlite::Error>(())
        }
    };
    if q.consented_only {
        let f = put(1);
        return each_row(
            conn,
            &format!(
                "SELECT substr(s.on_date, 1, 7), s.owner_centre, s.discipline, count(*),
                        sum(s.minutes)
                 FROM service_contact s JOIN case_file c ON c.id = s.case_id
                 WHERE s.on_date >= ?1 AND s.on_date < ?2 AND s.deleted_at IS NULL
                   AND c.deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id)
                   {CONSENTED}
                 GROUP BY 1, 2, 3"
            ),
            range,
            |m, c, r| f(acc, m, c, r),
        );
    }
    let all = put(1);
    each_row(
        conn,
        "SELECT substr(s.on_date, 1, 7), s.owner_centre, s.discipline, count(*), sum(s.minutes)
         FROM service_contact s INDEXED BY service_contact_stats
         WHERE s.on_date >= ?1 AND s.on_date < ?2 AND s.deleted_at IS NULL
         GROUP BY 1, 2, 3",
        range,
        |m, c, r| all(acc, m, c, r),
    )?;
    let minus = put(-1);
    each_row(
        conn,
        "SELECT substr(s.on_date, 1, 7), s.owner_centre, s.discipline, count(*), sum(s.minutes)
         FROM service_contact s
         WHERE s.id IN (SELECT supersedes FROM service_contact WHERE supersedes IS NOT NULL)
           AND s.on_date >= ?1 AND s.on_date < ?2 AND s.deleted_at IS NULL
         GROUP BY 1, 2, 3",
        range,
        |m, c, r| minus(acc, m, c, r),
    )?;
    each_row(
        conn,
        "SELECT substr(s.on_date, 1, 7), s.owner_centre, s.discipline, count(*), sum(s.minutes)
         FROM case_file c JOIN service_contact s ON s.case_id = c.id
         WHERE c.deleted_at IS NOT NULL
           AND s.on_date >= ?1 AND s.on_date < ?2 AND s.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id)
         GROUP BY 1, 2, 3",
        range,
        |m, c, r| minus(acc, m, c, r),
    )
}

/// Adds the archived counts of purged cases (`stat_archive`, see `docs/retention.md`).
fn archived(conn: &Connection, acc: &mut Acc, q: &Bounds) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT centre, month, measure, dimension, value FROM stat_archive
         WHERE month >= ?1 AND month <= ?2",
    )?;
    let mut rows = stmt.query(params![q.from.prev().code(), q.to.code()])?;
    while let Some(r) = rows.next()? {
        let centre: String = r.get(0)?;
        let Ok(m) = Month::parse(&r.get::<_, String>(1)?) else {
            continue;
        };
        let measure: String = r.get(2)?;
        let dim: String = r.get(3)?;
        let v: i64 = r.get(4)?;
        if measure == "t10_open_at_month_end" {
            acc.add_open(&centre, m, v);
            continue;
        }
        if m < q.from {
            continue;
        }
        let (first, second) = dim.split_once('|').unwrap_or((dim.as_str(), ""));
        match measure.as_str() {
            "t1_new_clients" => acc.add("T1", &centre, m, &dim, v),
            "t2_violence_form" => acc.add("T2a", &centre, m, &dim, v),
            "t2_gbvims_type" => acc.add("T2b", &centre, m, &dim, v),
            "t3_relationship" => acc.add("T3", &centre, m, &dim, v),
            "t4_children_witness" => acc.add("T4", &centre, m, "witnessed", v),
            "t4_children_victim" => acc.add("T4", &centre, m, "directly_harmed", v),
            "t5_referral_source" => acc.add("T5a", &centre, m, &dim, v),
            "t5_intake_outcome" => acc.add("T5b", &centre, m, &dim, v),
            "t5_client_kind" => acc.add("T5c", &centre, m, &dim, v),
            "t6_contacts" => acc.add("T6a", &centre, m, &dim, v),
            "t6_minutes" => acc.add("T6b", &centre, m, &dim, v),
            "t7_referrals" => {
                acc.add("T7a", &centre, m, first, v);
                acc.add("T7b", &centre, m, second, v);
            }
            "t8_risk_assessments" => acc.add("T8", &centre, m, &dim, v),
            "t9_protection_orders" => acc.add("T9", &centre, m, &dim, v),
            "t10_closures" => acc.add("T10a", &centre, m, &dim, v),
            _ => {} // a measure from a newer version: kept in the archive, not shown here
        }
    }
    Ok(())
}

/// The part name under which a statistics-level bundle carries the caseload at the end of
/// a month (T10b is derived from it).
pub const OPEN_AT_MONTH_END: &str = "open_at_month_end";

/// One count of a centre's own monthly tables, as a statistics-level bundle carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyCount {
    /// `YYYY-MM`.
    pub month: String,
    /// `T1`, `T2a`, …, `T10a`, or [`OPEN_AT_MONTH_END`].
    pub part: String,
    /// The category code (codes joined with `|` for crossed parts).
    pub code: String,
    /// The count (non-zero).
    pub value: i64,
}

/// A centre's own counts by month, part and category from `from` to `to`: live records of
/// every case (aggregates leave the centre whatever the case-level consent, like any
/// published table) plus the archived counts of purged cases. What a statistics-level
/// bundle carries; the coordinator's engine adds them back with [`received`].
pub(crate) fn monthly_counts(
    conn: &Connection,
    codes: &CodeLists,
    centre: &str,
    from: Month,
    to: Month,
) -> Result<Vec<MonthlyCount>> {
    let bounds = Bounds {
        from,
        to,
        consented_only: false,
    };
    let mut acc = Acc::default();
    live(conn, codes, &mut acc, &bounds)?;
    archived(conn, &mut acc, &bounds)?;
    let mut out: Vec<MonthlyCount> = acc
        .flows
        .into_iter()
        .filter(|((_, c, m, _), v)| c == centre && *m >= from && *m <= to && *v != 0)
        .map(|((part, _, m, code), value)| MonthlyCount {
            month: m.code(),
            part: part.to_owned(),
            code,
            value,
        })
        .chain(
            acc.open_at_end
                .into_iter()
                .filter(|((c, m), v)| c == centre && *m >= from && *m <= to && *v != 0)
                .map(|((_, m), value)| MonthlyCount {
                    month: m.code(),
                    part: OPEN_AT_MONTH_END.to_owned(),
                    code: String::new(),
                    value,
                }),
        )
        .collect();
    out.sort_by(|a, b| (&a.month, &a.part, &a.code).cmp(&(&b.month, &b.part, &b.code)));
    Ok(out)
}

/// Replaces, for every centre × month a statistics-level bundle covered
/// (`stat_received_month`), whatever was computed from replicas and archives with the counts
/// the centre sent (`stat_received`).
fn received(conn: &Connection, acc: &mut Acc, q: &Bounds) -> Result<()> {
    let (from, to) = (q.from.prev().code(), q.to.code());
    let covered: HashSet<(String, Month)> = conn
        .prepare_cached(
            "SELECT centre, month FROM stat_received_month WHERE month >= ?1 AND month <= ?2",
        )?
        .query_map(params![from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .filter_map(|row| match row {
            Ok((c, m)) => Month::parse(&m).ok().map(|m| Ok((c, m))),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<_>>()?;
    if covered.is_empty() {
        return Ok(());
    }
    acc.flows
        .retain(|(_, c, m, _), _| !covered.contains(&(c.clone(), *m)));
    acc.open_at_end.retain(|k, _| !covered.contains(k));
    let mut stmt = conn.prepare_cached(
        "SELECT centre, month, part, code, value FROM stat_received
         WHERE month >= ?1 AND month <= ?2",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        let centre: String = r.get(0)?;
        let Ok(m) = Month::parse(&r.get::<_, String>(1)?) else {
            continue;
        };
        let part: String = r.get(2)?;
        let code: String = r.get(3)?;
        let v: i64 = r.get(4)?;
        if part == OPEN_AT_MONTH_END {
            acc.add_open(&centre, m, v);
        } else if m >= q.from {
            // A part this build does not know is kept in the store, not shown.
            if let Some(p) = PARTS.iter().find(|p| **p == part) {
                acc.add(p, &centre, m, &code, v);
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct Bounds {
    from: Month,
    to: Month,
    consented_only: bool,
}

/// The centres a store knows: itself (a centre) and its enrolled centres (a coordinator),
/// with their names and countries.
pub(crate) fn known_centres(
    conn: &Connection,
    profile: &CentreProfile,
) -> Result<Vec<StatsCentre>> {
    let mut out = Vec::new();
    if profile.mode == Mode::Centre {
        out.push(StatsCentre {
            code: profile.code.clone(),
            name: profile.name.clone(),
            country: profile.country.code().to_owned(),
        });
    }
    if profile.mode == Mode::Centre {
        // Centres enrolled for case transfers are not this centre's statistics.
        return Ok(out);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT centre_code, name, country FROM sync_peer WHERE mode = 'centre' ORDER BY centre_code",
    )?;
    let peers = stmt.query_map([], |r| {
        Ok(StatsCentre {
            code: r.get(0)?,
            name: r.get(1)?,
            country: r.get(2)?,
        })
    })?;
    for p in peers {
        let p = p?;
        if !out.iter().any(|c| c.code == p.code) {
            out.push(p);
        }
    }
    Ok(out)
}

/// How a part is laid out.
struct PartDef {
    id: &'static str,
    number: u8,
    title: &'static str,
    note: &'static str,
    unit: Unit,
    row_totals: bool,
    /// A stock (caseload): column totals only when every row is one month.
    stock: bool,
}

const DEFS: &[PartDef] = &[
    PartDef {
        id: "T1",
        number: 1,
        title: "New clients by sex and age band",
        note: "Cases opened in the month, by the client's sex and age band.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T2a",
        number: 2,
        title: "Incidents by form of violence",
        note: "Incidents of the cases opened in the month; an incident counts once under each of its forms (multi-count), so there is no row total.",
        unit: Unit::Count,
        row_totals: false,
        stock: false,
    },
    PartDef {
        id: "T2b",
        number: 2,
        title: "Incidents by GBVIMS primary type",
        note: "Incidents of the cases opened in the month, each once, by the first GBVIMS type its forms reach in the GBVIMS decision tree (code-list crosswalk).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T3",
        number: 3,
        title: "Perpetrators by relationship to the client",
        note: "Each perpetrator of each incident of the cases opened in the month, by detailed relationship, with EIGE categories (IPV, family, other, unknown) as subtotals (code-list crosswalk).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T4",
        number: 4,
        title: "Children affected",
        note: "Children of the cases opened in the month who witnessed violence and who were directly harmed; a child may be both, so there is no row total.",
        unit: Unit::Count,
        row_totals: false,
        stock: false,
    },
    PartDef {
        id: "T5a",
        number: 5,
        title: "New cases by referral source",
        note: "Cases opened in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T5b",
        number: 5,
        title: "New cases by intake outcome",
        note: "Cases opened in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T5c",
        number: 5,
        title: "New cases by new or returning client",
        note: "Cases opened in the month: of a client new to the centre, or of a returning client (one who had a case there opened in an earlier month, or earlier in the same month).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T6a",
        number: 6,
        title: "Service contacts by discipline",
        note: "Service contacts in the month (current versions).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T6b",
        number: 6,
        title: "Hours of service by discipline",
        note: "Minutes of the service contacts in the month, shown as hours; suppressed wherever the number of contacts is.",
        unit: Unit::Minutes,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T7a",
        number: 7,
        title: "Outgoing referrals by agency",
        note: "Referrals made in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T7b",
        number: 7,
        title: "Outgoing referrals by status",
        note: "Referrals made in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T8",
        number: 8,
        title: "Risk assessments by instrument and band",
        note: "Assessments made in the month, by instrument and final band (after professional judgement).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T9",
        number: 9,
        title: "Protection orders by issuer and outcome",
        note: "Orders by the month of their decision (else application).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T10a",
        number: 10,
        title: "Closures by reason",
        note: "Cases closed in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T10b",
        number: 10,
        title: "Caseload at the start and end of the month",
        note: "Open cases at the start of the first month and at the end of the last month of each row; no totals over months.",
        unit: Unit::Count,
        row_totals: false,
        stock: true,
    },
];

/// The definition of a part.
fn def(id: &str) -> Option<&'static PartDef> {
    DEFS.iter().find(|d| d.id == id)
}

fn plain(code: &str, label: String, known: bool) -> StatsColumn {
    StatsColumn {
        code: code.to_owned(),
        label,
        group: None,
        group_code: None,
        known,
        subtotal: false,
    }
}

/// The columns of a list, in list order.
fn list_columns(codes: &CodeLists, list: &str, lang: Language) -> Vec<StatsColumn> {
    codes
        .options(list, lang, None)
        .into_iter()
        .map(|o| plain(&o.code, o.label, true))
        .collect()
}

/// Columns of two lists crossed: `a|b`, grouped by `a`.
fn crossed(codes: &CodeLists, a: &str, b: &str, lang: Language) -> Vec<StatsColumn> {
    let mut out = Vec::new();
    for x in codes.options(a, lang, None) {
        for y in codes.options(b, lang, None) {
            out.push(StatsColumn {
                code: format!("{}|{}", x.code, y.code),
                label: y.label.clone(),
                group: Some(x.label.clone()),
                group_code: Some(x.code.clone()),
                known: true,
                subtotal: false,
            });
        }
    }
    out
}

/// The instrument packs this store knows, newest version of each id first in its bands.
fn packs(conn: &Connection, codes: &CodeLists) -> Result<BTreeMap<String, Vec<InstrumentPack>>> {
    let mut by_id: BTreeMap<String, Vec<InstrumentPack>> = BTreeMap::new();
    let bodies: Vec<String> = conn
        .prepare_cached("SELECT body FROM instrument_pack")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for body in bodies {
        if let Ok(p) = InstrumentPack::parse(&body, codes) {
            by_id.entry(p.id.clone()).or_default().push(p);
        }
    }
    for p in pack::builtin_packs(codes)? {
        let list = by_id.entry(p.id.clone()).or_default();
        if !list.iter().any(|q| q.version == p.version) {
            list.push(p);
        }
    }
    for list in by_id.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.version));
    }
    Ok(by_id)
}

fn t8_columns(packs: &BTreeMap<String, Vec<InstrumentPack>>, lang: Language) -> Vec<StatsColumn> {
    let mut out: Vec<StatsColumn> = Vec::new();
    for (id, versions) in packs {
        let Some(newest) = versions.first() else {
            continue;
        };
        let title = newest.text(&newest.title, lang.code()).to_owned();
        for v in versions {
            for b in &v.bands {
                let code = format!("{id}|{}", b.id);
                if out.iter().any(|c| c.code == code) {
                    continue;
                }
                out.push(StatsColumn {
                    code,
                    label: v.text(&b.label, lang.code()).to_owned(),
                    group: Some(title.clone()),
                    group_code: Some(id.clone()),
                    known: true,
                    subtotal: false,
                });
            }
        }
    }
    out
}

/// T3: detailed relationships grouped by EIGE category, each group followed by its
/// subtotal.
fn t3_columns(codes: &CodeLists, lang: Language) -> Vec<StatsColumn> {
    let mut out = Vec::new();
    for cat in codes.options("eige_category", lang, None) {
        let members: Vec<StatsColumn> = codes
            .options("relationship", lang, None)
            .into_iter()
            .filter(|r| codes.eige_category(&r.code) == Some(cat.code.as_str()))
            .map(|r| StatsColumn {
                code: r.code,
                label: r.label,
                group: Some(cat.label.clone()),
                group_code: Some(cat.code.clone()),
                known: true,
                subtotal: false,
            })
            .collect();
        let n = members.len();
        out.extend(members);
        if n > 1 {
            out.push(StatsColumn {
                code: format!("eige:{}", cat.code),
                label: cat.label.clone(),
                group: Some(cat.label.clone()),
                group_code: Some(cat.code.clone()),
                known: true,
                subtotal: true,
            });
        }
    }
    out
}

/// A fixed column, labelled from the catalogues (`report.column.<code>`) in `lang`.
fn fixed(code: &str, lang: Language) -> StatsColumn {
    plain(
        code,
        super::words::text(lang, &format!("report.column.{code}")),
        true,
    )
}

/// The columns of a part, before codes found only in the data are added.
fn base_columns(
    id: &str,
    codes: &CodeLists,
    lang: Language,
    packs: &BTreeMap<String, Vec<InstrumentPack>>,
) -> Vec<StatsColumn> {
    match id {
        "T1" => crossed(codes, "sex", "age_band", lang),
        "T2a" => list_columns(codes, "violence_form", lang),
        "T2b" => list_columns(codes, "gbvims_type", lang),
        "T3" => t3_columns(codes, lang),
        "T4" => vec![fixed("witnessed", lang), fixed("directly_harmed", lang)],
        "T5a" => list_columns(codes, "referral_source", lang),
        "T5b" => list_columns(codes, "intake_outcome", lang),
        "T5c" => vec![fixed("new", lang), fixed("returning", lang)],
        "T6a" | "T6b" => list_columns(codes, "service_discipline", lang),
        "T7a" => list_columns(codes, "referral_agency", lang),
        "T7b" => list_columns(codes, "referral_status", lang),
        "T8" => t8_columns(packs, lang),
        "T9" => crossed(
            codes,
            "protection_order_issuer",
            "protection_order_status",
            lang,
        ),
        "T10a" => list_columns(codes, "closure_reason", lang),
        "T10b" => vec![fixed("open_at_start", lang), fixed("open_at_end", lang)],
        _ => Vec::new(),
    }
}

/// Places a code that is not in the lists: after its group's columns when it has a known
/// group (T3 by the EIGE crosswalk; `a|b` codes by `a`), else at the end; flagged unknown.
fn add_unknown(columns: &mut Vec<StatsColumn>, id: &str, code: &str, codes: &CodeLists) {
    let (group_code, label) = match id {
        "T3" => (
            Some(codes.eige_category(code).unwrap_or("unknown").to_owned()),
            code.to_owned(),
        ),
        _ => match code.split_once('|') {
            Some((a, b)) => (Some(a.to_owned()), b.to_owned()),
            None => (None, code.to_owned()),
        },
    };
    let group = group_code.as_ref().and_then(|g| {
        columns
            .iter()
            .find(|c| c.group_code.as_deref() == Some(g))
            .and_then(|c| c.group.clone())
            .or_else(|| Some(g.clone()))
    });
    let col = StatsColumn {
        code: code.to_owned(),
        label,
        group,
        group_code: group_code.clone(),
        known: false,
        subtotal: false,
    };
    let at = group_code.as_ref().and_then(|g| {
        columns
            .iter()
            .rposition(|c| c.group_code.as_deref() == Some(g) && !c.subtotal)
            .map(|p| p + 1)
    });
    match at {
        Some(p) => columns.insert(p, col),
        None => columns.push(col),
    }
}

/// The sum of ordinary columns of each subtotal's group.
pub(crate) fn subtotal_members(columns: &[StatsColumn]) -> Vec<Option<Vec<usize>>> {
    columns
        .iter()
        .map(|c| {
            c.subtotal.then(|| {
                columns
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| !o.subtotal && o.group_code == c.group_code)
                    .map(|(j, _)| j)
                    .collect()
            })
        })
        .collect()
}

/// Computes T1–T10 with exact counts.
pub(crate) fn compute(
    conn: &Connection,
    codes: &CodeLists,
    profile: &CentreProfile,
    query: &StatsQuery,
) -> Result<StatsReport> {
    let (from, to) = query.period()?;
    let lang = query.language.unwrap_or(profile.language);
    let bounds = Bounds {
        from,
        to,
        consented_only: query.consented_only,
    };
    let mut acc = Acc::default();
    live(conn, codes, &mut acc, &bounds)?;
    archived(conn, &mut acc, &bounds)?;
    received(conn, &mut acc, &bounds)?;

    // The centres: those asked for (each must be known), else every known centre and any
    // other owner found in the data.
    let known = known_centres(conn, profile)?;
    let mut centres: Vec<StatsCentre> = if query.centres.is_empty() {
        let mut all = known.clone();
        for code in &acc.centres_seen {
            if !all.iter().any(|c| &c.code == code) && *code != profile.code {
                all.push(StatsCentre {
                    code: code.clone(),
                    name: String::new(),
                    country: String::new(),
                });
            }
        }
        all
    } else {
        let mut chosen = Vec::new();
        for want in &query.centres {
            let want = want.trim();
            let found = known
                .iter()
                .find(|c| c.code.eq_ignore_ascii_case(want))
                .cloned()
                .or_else(|| {
                    acc.centres_seen
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(want))
                        .map(|c| StatsCentre {
                            code: c.clone(),
                            name: String::new(),
                            country: String::new(),
                        })
                });
            match found {
                Some(c) if !chosen.iter().any(|x: &StatsCentre| x.code == c.code) => {
                    chosen.push(c);
                }
                Some(_) => {}
                None => {
                    return Err(Error::invalid(format!(
                        "no centre '{want}' here; use one of: {}",
                        known
                            .iter()
                            .map(|c| c.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
        chosen
    };
    if let Some(country) = query.country {
        centres.retain(|c| c.country.eq_ignore_ascii_case(country.code()));
    }
    centres.sort_by(|a, b| a.code.cmp(&b.code));
    let selected: BTreeSet<&str> = centres.iter().map(|c| c.code.as_str()).collect();

    // Rows.
    let months = from.through(to);
    let mut rows: Vec<StatsRow> = Vec::new();
    let centre_keys: Vec<Option<&str>> = if query.by_centre {
        centres.iter().map(|c| Some(c.code.as_str())).collect()
    } else {
        vec![None]
    };
    let month_keys: Vec<Option<Month>> = if query.by_month {
        months.iter().copied().map(Some).collect()
    } else {
        vec![None]
    };
    for c in &centre_keys {
        for m in &month_keys {
            rows.push(StatsRow {
                centre: c.map(str::to_owned),
                month: m.map(Month::code),
            });
        }
    }
    let row_index: HashMap<(Option<&str>, Option<Month>), usize> = centre_keys
        .iter()
        .flat_map(|c| month_keys.iter().map(move |m| (*c, *m)))
        .enumerate()
        .map(|(i, k)| (k, i))
        .collect();
    let row_of = |centre: &str, m: Month| -> Option<usize> {
        if !selected.contains(centre) || m < from || m > to {
            return None;
        }
        let c = query.by_centre.then_some(centre);
        let mm = query.by_month.then_some(m);
        row_index.get(&(c, mm)).copied()
    };

    // Flows into (part → row → code → value).
    let mut grid: HashMap<&'static str, Vec<HashMap<String, i64>>> = HashMap::new();
    for ((part, centre, m, code), v) in &acc.flows {
        if let Some(i) = row_of(centre, *m) {
            let rows_of_part = grid
                .entry(part)
                .or_insert_with(|| vec![HashMap::new(); rows.len()]);
            *rows_of_part[i].entry(code.clone()).or_insert(0) += v;
        }
    }
    // Caseload: start of a row's first month = end of the month before; end of its last.
    let mut stock = vec![HashMap::new(); rows.len()];
    for (i, row) in rows.iter().enumerate() {
        let (first, last) = match row.month.as_deref() {
            Some(m) => {
                let m = Month::parse(m)?;
                (m, m)
            }
            None => (from, to),
        };
        let in_row = |c: &str| match &row.centre {
            Some(rc) => rc == c,
            None => selected.contains(c),
        };
        let sum_at = |m: Month| -> i64 {
            acc.open_at_end
                .iter()
                .filter(|((c, mm), _)| *mm == m && in_row(c))
                .map(|(_, v)| *v)
                .sum()
        };
        stock[i].insert("open_at_start".to_owned(), sum_at(first.prev()));
        stock[i].insert("open_at_end".to_owned(), sum_at(last));
    }

    let packs = packs(conn, codes)?;
    let mut tables = Vec::with_capacity(PARTS.len());
    for id in PARTS {
        let Some(d) = def(id) else { continue };
        let values: &Vec<HashMap<String, i64>> = if d.stock {
            &stock
        } else {
            &*grid
                .entry(d.id)
                .or_insert_with(|| vec![HashMap::new(); rows.len()])
        };
        let mut columns = base_columns(d.id, codes, lang, &packs);
        let mut extra: BTreeSet<&str> = BTreeSet::new();
        for r in values {
            for code in r.keys() {
                if !columns.iter().any(|c| &c.code == code) {
                    extra.insert(code.as_str());
                }
            }
        }
        for code in extra {
            add_unknown(&mut columns, d.id, code, codes);
        }
        let subtotals = subtotal_members(&columns);
        let cells: Vec<Vec<i64>> = values
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(j, c)| match &subtotals[j] {
                        Some(members) => members
                            .iter()
                            .map(|&k| r.get(&columns[k].code).copied().unwrap_or(0))
                            .sum(),
                        None => r.get(&c.code).copied().unwrap_or(0),
                    })
                    .collect()
            })
            .collect();
        let column_totals = !d.stock || !query.by_month || months.len() == 1;
        tables.push(exact_table(d, columns, rows.clone(), cells, column_totals));
    }

    for t in &mut tables {
        if let Some(title) = table_title(lang, &t.id) {
            t.title = title;
        }
        let note = format!("report.note.{}", t.id);
        if super::words::has(lang, &note) {
            t.note = super::words::text(lang, &note);
        }
    }
    Ok(StatsReport {
        from: from.code(),
        to: to.code(),
        centres,
        by_centre: query.by_centre,
        by_month: query.by_month,
        consented_only: query.consented_only,
        language: lang,
        code_lists_version: codes.version().to_owned(),
        made_by: format!("{} ({})", profile.code, profile.mode.code()),
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        disclosure: None,
        tables,
    })
}

/// A table's title in `lang`, from the same catalogues the UI uses (`assets/i18n/*.json`,
/// key `stats.table.<id>`), so a published file and the screen name a table alike; `None`
/// when the catalogue has no such key (the English title of `DEFS` stays).
pub fn table_title(lang: Language, id: &str) -> Option<String> {
    use std::sync::OnceLock;
    static TITLES: OnceLock<HashMap<(&'static str, String), String>> = OnceLock::new();
    let titles = TITLES.get_or_init(|| {
        let mut out = HashMap::new();
        for (code, text) in [
            ("en", include_str!("../../assets/i18n/en.json")),
            ("lt", include_str!("../../assets/i18n/lt.json")),
            ("lv", include_str!("../../assets/i18n/lv.json")),
            ("az", include_str!("../../assets/i18n/az.json")),
            ("ru", include_str!("../../assets/i18n/ru.json")),
        ] {
            let map: HashMap<String, String> = serde_json::from_str(text).unwrap_or_default();
            for (k, v) in map {
                if let Some(id) = k.strip_prefix("stats.table.") {
                    out.insert((code, id.to_owned()), v);
                }
            }
        }
        out
    });
    titles
        .get(&(lang.code(), id.to_owned()))
        .filter(|t| !t.trim().is_empty())
        .cloned()
}

fn exact_table(
    d: &PartDef,
    columns: Vec<StatsColumn>,
    rows: Vec<StatsRow>,
    cells: Vec<Vec<i64>>,
    column_totals: bool,
) -> StatsTable {
    let g = super::suppress::Grid {
        subtotals: subtotal_members(&columns),
        cells,
        row_totals: d.row_totals,
        column_totals,
    };
    let row_sums = g.row_sums();
    let col_sums = g.column_sums();
    let to_cells = |v: &[i64]| v.iter().map(|&x| StatsCell::exact(x)).collect::<Vec<_>>();
    StatsTable {
        id: d.id.to_owned(),
        number: d.number,
        title: d.title.to_owned(),
        note: d.note.to_owned(),
        unit: d.unit,
        columns,
        rows,
        cells: g.cells.iter().map(|r| to_cells(r)).collect(),
        row_totals: d.row_totals.then(|| to_cells(&row_sums)),
        column_totals: column_totals.then(|| to_cells(&col_sums)),
        total: (d.row_totals && column_totals).then(|| StatsCell::exact(row_sums.iter().sum())),
    }
}

/// The grid of an exact table, for disclosure control.
pub(crate) fn grid_of(t: &StatsTable) -> super::suppress::Grid {
    super::suppress::Grid {
        cells: t
            .cells
            .iter()
            .map(|r| r.iter().map(|c| c.value.unwrap_or(0)).collect())
            .collect(),
        subtotals: subtotal_members(&t.columns),
        row_totals: t.row_totals.is_some(),
        column_totals: t.column_totals.is_some(),
    }
}
