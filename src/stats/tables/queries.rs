//! The queries of the tables engine: each part's counts read from the records (`live`,
//! `contacts`), from purged cases' archive (`archived`) and from centres' monthly counts
//! received at a coordinator (`received`), into one accumulator.

use std::collections::{BTreeSet, HashMap, HashSet};

use rusqlite::{Connection, params};

use super::super::{Month, StatsCentre};
use super::*;
use crate::centre::{CentreProfile, Mode};
use crate::codes::CodeLists;
use crate::error::Result;

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
#[derive(Debug, Default, PartialEq)]
pub(super) struct Acc {
    pub(super) flows: HashMap<(&'static str, String, Month, String), i64>,
    pub(super) open_at_end: HashMap<(String, Month), i64>,
    pub(super) centres_seen: BTreeSet<String>,
}

impl Acc {
    pub(super) fn add(
        &mut self,
        part: &'static str,
        centre: &str,
        month: Month,
        code: &str,
        v: i64,
    ) {
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

    pub(super) fn add_open(&mut self, centre: &str, month: Month, v: i64) {
        if !self.centres_seen.contains(centre) {
            self.centres_seen.insert(centre.to_owned());
        }
        *self
            .open_at_end
            .entry((centre.to_owned(), month))
            .or_insert(0) += v;
    }
}

pub(super) use crate::admin::retention::CONSENTED;

pub(super) fn month_of(text: &str) -> Option<Month> {
    Month::parse(text.get(..7)?).ok()
}

/// Runs one grouped query; each row's first column is the month, the second the centre.
pub(super) fn each_row<F>(
    conn: &Connection,
    sql: &str,
    p: &[&dyn rusqlite::ToSql],
    mut f: F,
) -> Result<()>
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
pub(super) fn live(conn: &Connection, codes: &CodeLists, acc: &mut Acc, q: &Bounds) -> Result<()> {
    live_flows(conn, Some(codes), acc, q)?;
    caseload(conn, acc, q)
}

/// The part under which `live_flows` without code lists counts incidents by their list
/// of violence forms (JSON, sorted), from which T2a and T2b are derived ([`add_t2`]).
pub(super) const T2_FORMS: &str = "T2forms";

/// Adds `n` incidents with the violence forms `forms` (sorted, unique) to T2a (each form)
/// and T2b (the GBVIMS primary type through the crosswalk of `codes`).
pub(super) fn add_t2(
    acc: &mut Acc,
    codes: &CodeLists,
    centre: &str,
    m: Month,
    forms: &[String],
    n: i64,
) {
    for f in forms {
        acc.add("T2a", centre, m, f, n);
    }
    let refs: Vec<&str> = forms.iter().map(String::as_str).collect();
    acc.add("T2b", centre, m, codes.gbvims_primary(&refs), n);
}

/// T1–T10a of the live records of the period (every part but the caseload); T2 by forms
/// list ([`T2_FORMS`]) when `codes` is `None`. Each count
/// of a month depends only on the records of that month (and, for new or returning, on
/// the client's other cases), so a month range computed alone gives the same counts as
/// within a longer period: what `counts::refresh` relies on.
pub(super) fn live_flows(
    conn: &Connection,
    codes: Option<&CodeLists>,
    acc: &mut Acc,
    q: &Bounds,
) -> Result<()> {
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
            match codes {
                Some(codes) => add_t2(acc, codes, centre, m, &forms, n),
                // Kept as the list itself: the primary type depends on the code lists in
                // force when the tables are read.
                None => acc.add(
                    T2_FORMS,
                    centre,
                    m,
                    &serde_json::to_string(&forms).unwrap_or_default(),
                    n,
                ),
            }
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

    Ok(())
}

/// T10b of the live records: the caseload at the end of the month before the period and
/// of each month of it.
pub(super) fn caseload(conn: &Connection, acc: &mut Acc, q: &Bounds) -> Result<()> {
    let consent = if q.consented_only { CONSENTED } else { "" };
    let to = q.to.next().first_day();
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
pub(super) fn contacts(
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

/// Adds the archived counts of purged cases (`stat_archive`, see `docs/retention.md`); of
/// the tables of consenting clients only, those of cases whose client consented.
pub(super) fn archived(conn: &Connection, acc: &mut Acc, q: &Bounds) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT centre, month, measure, dimension, value FROM stat_archive
         WHERE month >= ?1 AND month <= ?2 AND (consented = 1 OR ?3 = 0)",
    )?;
    let mut rows = stmt.query(params![q.from.prev().code(), q.to.code(), q.consented_only])?;
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
pub(super) fn received(conn: &Connection, acc: &mut Acc, q: &Bounds) -> Result<()> {
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
pub(super) struct Bounds {
    pub(super) from: Month,
    pub(super) to: Month,
    pub(super) consented_only: bool,
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
