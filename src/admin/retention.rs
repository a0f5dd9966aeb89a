//! Retention: a policy (closed cases purged N years after closure, documents M years after
//! they were attached), a preview of what a purge removes, and the purge itself.
//!
//! "Closed" means every case that is no longer open and has a closure date: closed,
//! transferred to another centre (the sender keeps the names, notes and documents until the
//! policy removes them) and closed as a duplicate. [`CASE_TABLES`] names every table that
//! refers to a case (a test checks it against the schema), so a received transfer's
//! `case_transfer` row goes with its case instead of making the purge fail.
//!
//! A purge runs in one transaction: the case's contribution to the monthly tables is first
//! added to `stat_archive` (counts by month and code, nothing identifying: see
//! [`archive_case`]), then every row of the case is deleted (client too, if they have no
//! other case), with its search entries; a tombstone in the change log tells the
//! coordination centre to purge its replica too (a `purge` line in the next bundle) if the
//! case ever went there. On a centre of several computers what was archived is kept for
//! the others (`peer_purge_count`) until each has confirmed it, and a purge applied from
//! another computer archives the counts that computer carried instead of the copy here
//! (`docs/peers.md`, "Retention purges"). After the commit the full-text index is merged
//! (so no deleted word survives in an old index segment), `secure_delete` has zeroed freed
//! pages, and a `VACUUM` plus a WAL checkpoint rewrite the file without them.

use chrono::{Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::Permission;
use crate::audit::{self, Action};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::meta::set_meta;

/// The retention policy. `None`: never purge that kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RetentionPolicy {
    /// Closed cases are purged this many years after their closure.
    pub closed_case_years: Option<u32>,
    /// Documents are purged this many years after they were attached.
    pub document_years: Option<u32>,
}

/// A case a purge would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurgeCase {
    /// The case id.
    pub case_id: String,
    /// Its number.
    pub case_number: String,
    /// When it was closed.
    pub closed_on: NaiveDate,
}

/// What a purge on a given day would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurgePreview {
    /// The policy applied.
    pub policy: RetentionPolicy,
    /// Cases closed on or before this day are purged.
    pub case_cutoff: Option<NaiveDate>,
    /// Documents attached before this day are purged.
    pub document_cutoff: Option<NaiveDate>,
    /// The cases, oldest closure first.
    pub cases: Vec<PurgeCase>,
    /// Documents purged from cases that stay.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub documents: u64,
}

/// What a purge removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurgeReport {
    /// Cases purged.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cases: u64,
    /// Documents purged from cases that stay.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub documents: u64,
    /// Cases the coordination centre will be told to purge (they had been shared).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tombstones: u64,
}

/// One archived monthly count of purged cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ArchivedCount {
    /// The owner centre's code.
    pub centre: String,
    /// `YYYY-MM`.
    pub month: String,
    /// e.g. `t6_minutes` (see `docs/retention.md`).
    pub measure: String,
    /// A code, or codes joined with `|`.
    pub dimension: String,
    /// The count (or minutes).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub value: i64,
}

/// The tables of a case, children first (referrals before the consents they name): every
/// table with a foreign key to `case_file` except `open_case_member`, which its triggers
/// empty (`tests::every_table_that_refers_to_a_case_is_purged_with_it`).
const CASE_TABLES: &[&str] = &[
    "appointment",
    "case_analysis",
    "referral_letter",
    "conference_outcome",
    "conference_action",
    "case_conference",
    "safety_plan",
    "risk_assessment",
    "referral",
    "consent_event",
    "note",
    "document",
    "protection_order",
    "service_contact",
    "child",
    "incident",
    "case_status_event",
    "case_team",
    "case_transfer",
];

fn years_before(day: NaiveDate, years: u32) -> NaiveDate {
    let y = day.year() - i32::try_from(years).unwrap_or(i32::MAX / 2);
    day.with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, day.month(), 28))
        .unwrap_or(NaiveDate::MIN)
}

/// The month (`YYYY-MM`) after `month`.
fn next_month(month: &str) -> Option<String> {
    let d = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let n = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)?
    };
    Some(n.format("%Y-%m").to_string())
}

/// The monthly-table measures: (measure, SELECT of (month, dimension, value) for the case
/// `?1`). Dates are cut to their month with `substr(…, 1, 7)`, which works on the centre's
/// full dates and on the coordinator's month-level ones alike.
const MEASURES: &[(&str, &str)] = &[
    (
        "t1_new_clients",
        "SELECT substr(c.opened_on, 1, 7), cl.sex || '|' || cl.age_band, 1
         FROM case_file c JOIN client cl ON cl.id = c.client_id WHERE c.id = ?1",
    ),
    (
        "t5_client_kind",
        // The same test as the tables' T5c (`stats::tables::CLIENT_KIND`, no consent filter).
        "SELECT substr(c.opened_on, 1, 7),
                CASE WHEN EXISTS (SELECT 1 FROM case_file p
                    WHERE p.client_id = c.client_id AND p.owner_centre = c.owner_centre
                      AND p.deleted_at IS NULL AND p.id <> c.id
                      AND (substr(p.opened_on, 1, 7) < substr(c.opened_on, 1, 7)
                           OR (substr(p.opened_on, 1, 7) = substr(c.opened_on, 1, 7)
                               AND p.id < c.id)))
                THEN 'returning' ELSE 'new' END, 1
         FROM case_file c WHERE c.id = ?1",
    ),
    (
        "t2_violence_form",
        "SELECT substr(c.opened_on, 1, 7), f.value, count(*)
         FROM case_file c JOIN incident i ON i.case_id = c.id, json_each(i.violence_forms) f
         WHERE c.id = ?1 AND i.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id)
         GROUP BY 1, 2",
    ),
    (
        "t2_gbvims_type",
        "SELECT substr(c.opened_on, 1, 7), i.gbvims_type, count(*)
         FROM case_file c JOIN incident i ON i.case_id = c.id
         WHERE c.id = ?1 AND i.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id)
         GROUP BY 1, 2",
    ),
    (
        "t3_relationship",
        "SELECT substr(c.opened_on, 1, 7), json_extract(p.value, '$.relationship'), count(*)
         FROM case_file c JOIN incident i ON i.case_id = c.id, json_each(i.perpetrators) p
         WHERE c.id = ?1 AND i.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id)
         GROUP BY 1, 2",
    ),
    (
        "t4_children_witness",
        "SELECT substr(c.opened_on, 1, 7), '', count(*)
         FROM case_file c JOIN child ch ON ch.case_id = c.id
         WHERE c.id = ?1 AND ch.deleted_at IS NULL AND ch.witnessed = 'yes' GROUP BY 1",
    ),
    (
        "t4_children_victim",
        "SELECT substr(c.opened_on, 1, 7), '', count(*)
         FROM case_file c JOIN child ch ON ch.case_id = c.id
         WHERE c.id = ?1 AND ch.deleted_at IS NULL AND ch.directly_harmed = 'yes' GROUP BY 1",
    ),
    (
        "t5_referral_source",
        "SELECT substr(opened_on, 1, 7), referral_source, 1 FROM case_file WHERE id = ?1",
    ),
    (
        "t5_intake_outcome",
        "SELECT substr(opened_on, 1, 7), intake_outcome, 1 FROM case_file WHERE id = ?1",
    ),
    (
        "t6_contacts",
        "SELECT substr(s.on_date, 1, 7), s.discipline, count(*) FROM service_contact s
         WHERE s.case_id = ?1 AND s.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id)
         GROUP BY 1, 2",
    ),
    (
        "t6_minutes",
        "SELECT substr(s.on_date, 1, 7), s.discipline, sum(s.minutes) FROM service_contact s
         WHERE s.case_id = ?1 AND s.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id)
         GROUP BY 1, 2",
    ),
    (
        "t7_referrals",
        "SELECT substr(r.on_date, 1, 7), r.agency_type || '|' || r.status, count(*)
         FROM referral r
         WHERE r.case_id = ?1 AND r.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM referral n WHERE n.supersedes = r.id)
         GROUP BY 1, 2",
    ),
    (
        "t8_risk_assessments",
        "SELECT substr(a.assessed_on, 1, 7), a.instrument_id || '|' || a.final_band, count(*)
         FROM risk_assessment a
         WHERE a.case_id = ?1 AND a.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM risk_assessment n WHERE n.supersedes = a.id)
         GROUP BY 1, 2",
    ),
    (
        "t9_protection_orders",
        "SELECT substr(coalesce(o.decided_on, o.applied_on, o.starts_on, c.opened_on), 1, 7),
                o.issuer || '|' || o.status, count(*)
         FROM protection_order o JOIN case_file c ON c.id = o.case_id
         WHERE o.case_id = ?1 AND o.deleted_at IS NULL GROUP BY 1, 2",
    ),
    (
        "t10_closures",
        "SELECT substr(closed_on, 1, 7), coalesce(closure_reason, ''), 1 FROM case_file
         WHERE id = ?1 AND closed_on IS NOT NULL",
    ),
];

/// The current statistics consent of the case `c` says given: the test a bundle export
/// applies, the monthly tables of consenting clients apply (`stats::tables`), and a purge
/// records with the counts it archives.
pub(crate) const CONSENTED: &str = " AND (SELECT e.given FROM consent_event e
      WHERE e.case_id = c.id AND e.purpose = 'statistics' AND e.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM consent_event n WHERE n.supersedes = e.id)
      ORDER BY e.on_date DESC, e.hlc DESC LIMIT 1) = 1";

/// One count a purged case added to the archived monthly counts (`stat_archive`), as a
/// purge line carries it to the coordination centre (`docs/bundle-format.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseCount {
    /// `YYYY-MM`.
    pub month: String,
    /// e.g. `t6_minutes` (see `docs/retention.md`).
    pub measure: String,
    /// A code, or codes joined with `|`.
    pub dimension: String,
    /// The count (or minutes).
    pub value: i64,
}

/// What a purged case added to the archived counts.
pub(crate) struct Archived {
    /// Its client's consent to statistics was in force when it was purged.
    pub(crate) consented: bool,
    /// The counts, as added.
    pub(crate) counts: Vec<CaseCount>,
}

/// Adds counts of `centre` to `stat_archive`, with the consent they were archived under.
pub(crate) fn add_archived(
    conn: &Connection,
    centre: &str,
    consented: bool,
    counts: &[CaseCount],
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO stat_archive (centre, month, measure, dimension, consented, value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (centre, month, measure, dimension, consented)
         DO UPDATE SET value = value + excluded.value",
    )?;
    for c in counts {
        stmt.execute(params![
            centre,
            c.month,
            c.measure,
            c.dimension,
            consented,
            c.value
        ])?;
    }
    Ok(())
}

/// Adds a case's contribution to the monthly tables (T1–T10) to `stat_archive`, under the
/// case's owner centre; what it added (`None`: no such case). Run in the purge's
/// transaction, before the rows go.
pub(crate) fn archive_case(conn: &Connection, case: &str) -> Result<Option<Archived>> {
    let Some((centre, archived)) = case_counts(conn, case)? else {
        return Ok(None);
    };
    add_archived(conn, &centre, archived.consented, &archived.counts)?;
    Ok(Some(archived))
}

/// A case's contribution to the monthly tables (T1–T10), under its owner centre, as
/// [`archive_case`] adds it (`None`: no such case). Writes nothing.
fn case_counts(conn: &Connection, case: &str) -> Result<Option<(String, Archived)>> {
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT owner_centre, substr(opened_on, 1, 7), substr(closed_on, 1, 7)
             FROM case_file WHERE id = ?1",
            [case],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((centre, opened, closed)) = row else {
        return Ok(None);
    };
    let consented: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM case_file c WHERE c.id = ?1{CONSENTED})"),
        [case],
        |r| r.get(0),
    )?;
    let mut counts = Vec::new();
    for (measure, sql) in MEASURES {
        let rows: Vec<(Option<String>, Option<String>, Option<i64>)> = conn
            .prepare_cached(sql)?
            .query_map([case], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (month, dim, value) in rows {
            if let (Some(month), Some(value)) = (month, value) {
                counts.push(CaseCount {
                    month,
                    measure: (*measure).to_owned(),
                    dimension: dim.unwrap_or_default(),
                    value,
                });
            }
        }
    }
    // T10 caseload: open at the end of every month from its opening to the month before
    // its closure.
    if let Some(closed) = closed {
        let mut month = opened;
        let mut guard = 0;
        while month < closed && guard < 1200 {
            counts.push(CaseCount {
                month: month.clone(),
                measure: "t10_open_at_month_end".into(),
                dimension: String::new(),
                value: 1,
            });
            month = match next_month(&month) {
                Some(m) => m,
                None => break,
            };
            guard += 1;
        }
    }
    Ok(Some((centre, Archived { consented, counts })))
}

/// What a purge archived of one case, as it travels with the purge to the centre's other
/// computers (`peer_purge_count`, `docs/peers.md`, "Retention purges"): the centre it was
/// archived under, the consent and shareability it was archived with, and the counts —
/// codes and months only, never case data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseArchive {
    /// The purged case.
    pub(crate) case_id: String,
    /// The centre the counts were archived under (the case's owner).
    pub(crate) centre: String,
    /// Its client's consent to statistics was in force when it was purged.
    pub(crate) consented: bool,
    /// It was ever shareable with the coordination centre: a purge line is due.
    pub(crate) shared: bool,
    /// The counts, as added to `stat_archive`.
    pub(crate) counts: Vec<CaseCount>,
}

/// Keeps what a purge archived, with a row of its own in the change log, for the centre's
/// other computers: every sync file to a computer that has not confirmed that position
/// carries it, and it is deleted once every current computer has
/// (`peers::file::forget_confirmed_purge_counts`). Nothing is kept on a computer that is
/// not one of several (a computer joined later copies the archive itself).
fn keep_for_peers(
    conn: &Connection,
    archive: &CaseArchive,
    next_hlc: &mut dyn FnMut() -> i64,
) -> Result<()> {
    let peers: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM peer_install WHERE removed_at IS NULL
           AND install_id NOT IN (SELECT install_id FROM peer_self))",
        [],
        |r| r.get(0),
    )?;
    if !peers {
        return Ok(());
    }
    let counts = serde_json::to_string(&archive.counts)
        .map_err(|e| Error::invalid(format!("cannot keep a purged case's counts: {e}")))?;
    conn.execute(
        "INSERT INTO change_log (kind, record_id, hlc, op) VALUES ('peer_purge_count', ?1, ?2, 'delete')",
        params![archive.case_id, next_hlc()],
    )?;
    let seq = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO peer_purge_count (case_id, centre, consented, shared, counts, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (case_id) DO UPDATE SET centre = excluded.centre,
           consented = excluded.consented, shared = excluded.shared,
           counts = excluded.counts, seq = excluded.seq",
        params![
            archive.case_id,
            archive.centre,
            archive.consented,
            archive.shared,
            counts,
            seq
        ],
    )?;
    Ok(())
}

/// Purges one of this centre's own cases (under the retention policy here, or on another
/// computer of the centre): archives its counts, deletes its rows and — when it was ever
/// shared with the coordination centre — logs the purge for the next bundle (with the
/// HLC `next_hlc` gives), keeping its counts for the purge line when its client consented
/// (`purge_count`, until a bundle carrying it is acknowledged). What it archived is kept for
/// the centre's other computers (`peer_purge_count`). Whether it logged a purge line.
///
/// `carried`: what the computer that purged the case archived, received with the purge —
/// archived here instead of this computer's own copy of the case (which may lack the
/// case's last changes), even when this computer does not hold the case at all.
pub(crate) fn purge_own_case(
    conn: &Connection,
    case: &str,
    next_hlc: &mut dyn FnMut() -> i64,
    carried: Option<&CaseArchive>,
) -> Result<bool> {
    let shared_here: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM consent_event
         WHERE case_id = ?1 AND purpose = 'statistics' AND given = 1)",
        [case],
        |r| r.get(0),
    )?;
    let archive = match carried {
        Some(c) => Some(CaseArchive {
            shared: c.shared || shared_here,
            ..c.clone()
        }),
        None => case_counts(conn, case)?.map(|(centre, a)| CaseArchive {
            case_id: case.to_owned(),
            centre,
            consented: a.consented,
            shared: shared_here,
            counts: a.counts,
        }),
    };
    if let Some(a) = &archive {
        add_archived(conn, &a.centre, a.consented, &a.counts)?;
    }
    delete_case_rows(conn, case)?;
    if let Some(a) = &archive {
        keep_for_peers(conn, a, next_hlc)?;
    }
    if !archive.as_ref().map_or(shared_here, |a| a.shared) {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO change_log (kind, record_id, hlc, op) VALUES ('purge', ?1, ?2, 'delete')",
        params![case, next_hlc()],
    )?;
    let counts: &[CaseCount] = match &archive {
        Some(a) if a.consented => &a.counts,
        _ => &[],
    };
    let json = serde_json::to_string(counts)
        .map_err(|e| Error::invalid(format!("cannot keep a purged case's counts: {e}")))?;
    conn.execute(
        "INSERT INTO purge_count (case_id, counts) VALUES (?1, ?2)
         ON CONFLICT (case_id) DO UPDATE SET counts = excluded.counts",
        params![case, json],
    )?;
    Ok(true)
}

/// Deletes every row of a case (and its client if they have no other case), with its
/// search entries and every person's drafts of its forms. No tombstone, no statistics: the callers do that.
pub(crate) fn delete_case_rows(conn: &Connection, case: &str) -> Result<()> {
    // The field versions of the case's merged records hold their values: they go too, and
    // the case is recorded as purged for the centre's other computers (`docs/peers.md`).
    // (`peer_field` is the view of the packed first versions and the later ones.)
    for versions in ["peer_version", "peer_genesis"] {
        conn.execute(
            &format!(
                "DELETE FROM {versions} WHERE (tbl = 'case_file' AND record_id = ?1)
                   OR (tbl = 'child' AND record_id IN (SELECT id FROM child WHERE case_id = ?1))
                   OR (tbl = 'protection_order' AND record_id IN (SELECT id FROM protection_order WHERE case_id = ?1))
                   OR (tbl = 'appointment' AND record_id IN (SELECT id FROM appointment WHERE case_id = ?1))"
            ),
            [case],
        )?;
    }
    record_purged(conn, "case_file", case)?;
    conn.execute(
        "DELETE FROM search_fts WHERE rowid IN (SELECT rowid FROM search_doc WHERE case_id = ?1)",
        [case],
    )?;
    conn.execute("DELETE FROM search_doc WHERE case_id = ?1", [case])?;
    // Everyone's drafts of the case's forms hold typed text about it (no foreign key: a
    // draft may name a case the form has not saved into yet).
    conn.execute("DELETE FROM draft WHERE case_id = ?1", [case])?;
    let client: Option<String> = conn
        .query_row(
            "SELECT client_id FROM case_file WHERE id = ?1",
            [case],
            |r| r.get(0),
        )
        .optional()?;
    for table in CASE_TABLES {
        // Corrections point at what they supersede: break those links first.
        if matches!(
            *table,
            "referral"
                | "case_analysis"
                | "consent_event"
                | "safety_plan"
                | "risk_assessment"
                | "note"
                | "service_contact"
                | "incident"
                | "case_status_event"
                | "case_conference"
                | "conference_action"
                | "conference_outcome"
        ) {
            conn.execute(
                &format!("UPDATE {table} SET supersedes = NULL WHERE case_id = ?1"),
                [case],
            )?;
        }
        if *table == "referral" {
            conn.execute(
                "UPDATE referral SET consent_event_id = NULL WHERE case_id = ?1",
                [case],
            )?;
        }
        conn.execute(&format!("DELETE FROM {table} WHERE case_id = ?1"), [case])?;
    }
    conn.execute("DELETE FROM case_file WHERE id = ?1", [case])?;
    if let Some(client) = client {
        let gone = conn.execute(
            "DELETE FROM client WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM case_file WHERE client_id = ?1)",
            [&client],
        )?;
        if gone > 0 {
            for versions in ["peer_version", "peer_genesis"] {
                conn.execute(
                    &format!("DELETE FROM {versions} WHERE tbl = 'client' AND record_id = ?1"),
                    [&client],
                )?;
            }
            record_purged(conn, "client", &client)?;
        }
    }
    Ok(())
}

/// Records a record removed for good, for the centre's other computers (`peer_purged`).
pub(crate) fn record_purged(conn: &Connection, tbl: &str, id: &str) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO peer_purged (tbl, record_id, purged_at) VALUES (?1, ?2, ?3)",
        params![tbl, id, Utc::now().to_rfc3339()],
    )?;
    Ok(())
}

/// Merges the full-text index so that deleted words leave its segments, then rewrites the
/// file without freed pages and empties the WAL.
pub(crate) fn compact(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO search_fts (search_fts) VALUES ('optimize')",
        [],
    )?;
    let secure: i64 = conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))?;
    if secure != 1 {
        return Err(Error::invalid(
            "secure delete is off on this connection; the purge was not finished",
        ));
    }
    conn.execute_batch("VACUUM;")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

impl Store {
    /// The retention policy (none set: nothing is ever purged).
    pub fn retention_policy(&self) -> Result<RetentionPolicy> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM store_meta WHERE key = 'retention_policy'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }

    /// Sets the retention policy (administrators only). Years must be 1–100.
    pub fn set_retention_policy(&mut self, policy: RetentionPolicy) -> Result<()> {
        self.require(Permission::Purge)?;
        for years in [policy.closed_case_years, policy.document_years]
            .into_iter()
            .flatten()
        {
            if !(1..=100).contains(&years) {
                return Err(Error::invalid(
                    "a retention period must be between 1 and 100 years",
                ));
            }
        }
        let json = serde_json::to_string(&policy)
            .map_err(|e| Error::invalid(format!("cannot encode the policy: {e}")))?;
        let tx = self.conn.transaction()?;
        set_meta(&tx, "retention_policy", &json)?;
        audit::append(
            &tx,
            &self.ctx.user,
            Action::Settings,
            None,
            Some(&format!("retention policy {json}")),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// What a purge on `today` would remove. Writes nothing.
    pub fn retention_preview(&self, today: NaiveDate) -> Result<PurgePreview> {
        self.require(Permission::Purge)?;
        let policy = self.retention_policy()?;
        let case_cutoff = policy.closed_case_years.map(|y| years_before(today, y));
        let document_cutoff = policy.document_years.map(|y| years_before(today, y));
        let mut cases = Vec::new();
        if let Some(cutoff) = case_cutoff {
            let mut stmt = self.conn.prepare(
                "SELECT id, case_number, closed_on FROM case_file
                 WHERE status <> 'open' AND closed_on IS NOT NULL AND closed_on <= ?1
                   AND owner_centre = ?2
                 ORDER BY closed_on, case_number",
            )?;
            for row in stmt.query_map(params![cutoff.to_string(), self.ctx.centre], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })? {
                let (case_id, case_number, closed) = row?;
                cases.push(PurgeCase {
                    case_id,
                    case_number,
                    closed_on: closed.parse().unwrap_or(today),
                });
            }
        }
        let documents = match document_cutoff {
            None => 0,
            Some(cutoff) => {
                let ids: Vec<&str> = cases.iter().map(|c| c.case_id.as_str()).collect();
                let all: Vec<String> = self
                    .conn
                    .prepare("SELECT case_id FROM document WHERE substr(created_at, 1, 10) < ?1")?
                    .query_map([cutoff.to_string()], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                all.iter().filter(|c| !ids.contains(&c.as_str())).count() as u64
            }
        };
        Ok(PurgePreview {
            policy,
            case_cutoff,
            document_cutoff,
            cases,
            documents,
        })
    }

    /// Purges what [`Store::retention_preview`] shows for `today`, in one transaction, then
    /// compacts the file so that the removed content is gone from it.
    pub fn purge(&mut self, today: NaiveDate) -> Result<PurgeReport> {
        let preview = self.retention_preview(today)?;
        let user = self.ctx.user.clone();
        let now = Utc::now().to_rfc3339();
        let tx = self.conn.transaction()?;
        let mut tombstones = 0u64;
        for case in &preview.cases {
            let clock = &mut self.ctx.hlc;
            let mut next_hlc = || {
                *clock = clock.tick(crate::hlc::Hlc::wall_clock_millis());
                clock.to_sql()
            };
            if purge_own_case(&tx, &case.case_id, &mut next_hlc, None)? {
                tombstones += 1;
            }
            audit::append(
                &tx,
                &user,
                Action::Purge,
                crate::ids::CaseId::parse(&case.case_id).ok(),
                Some(&format!(
                    "closed {}; purged under the retention policy",
                    case.closed_on
                )),
            )?;
        }
        let mut documents = 0u64;
        if let Some(cutoff) = preview.document_cutoff {
            tx.execute(
                "INSERT OR IGNORE INTO peer_purged (tbl, record_id, purged_at)
                 SELECT 'document', id, ?2 FROM document WHERE substr(created_at, 1, 10) < ?1",
                params![cutoff.to_string(), now],
            )?;
            let n = tx.execute(
                "DELETE FROM document WHERE substr(created_at, 1, 10) < ?1",
                [cutoff.to_string()],
            )?;
            documents = n as u64;
            if n > 0 {
                audit::append(
                    &tx,
                    &user,
                    Action::Purge,
                    None,
                    Some(&format!("{n} document(s) attached before {cutoff}")),
                )?;
            }
        }
        set_meta(&tx, "last_purge_at", &now)?;
        tx.commit()?;
        compact(&self.conn)?;
        Ok(PurgeReport {
            cases: preview.cases.len() as u64,
            documents,
            tombstones,
        })
    }

    /// The monthly counts kept of purged cases, by centre, month, measure and dimension:
    /// exact counts, so only for those who may see the monthly tables.
    pub fn archived_statistics(&self) -> Result<Vec<ArchivedCount>> {
        self.require(Permission::Statistics)?;
        let rows = self
            .conn
            .prepare(
                "SELECT centre, month, measure, dimension, sum(value) FROM stat_archive
                 GROUP BY centre, month, measure, dimension
                 ORDER BY centre, month, measure, dimension",
            )?
            .query_map([], |r| {
                Ok(ArchivedCount {
                    centre: r.get(0)?,
                    month: r.get(1)?,
                    measure: r.get(2)?,
                    dimension: r.get(3)?,
                    value: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table added later with a foreign key to `case_file` (or to a row of a case) and
    /// not listed in `CASE_TABLES` would make every purge fail on a case that has such a row.
    #[test]
    fn every_table_that_refers_to_a_case_is_purged_with_it() -> Result<()> {
        let mut conn = Connection::open_in_memory()?;
        crate::store::migrations::migrate(&mut conn)?;
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for table in &tables {
            let parents: Vec<String> = conn
                .prepare(&format!(
                    "SELECT \"table\" FROM pragma_foreign_key_list('{table}')"
                ))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let refers_to_a_case = parents
                .iter()
                .any(|p| p == "case_file" || CASE_TABLES.contains(&p.as_str()));
            if refers_to_a_case && table != "case_file" && table != "open_case_member" {
                assert!(
                    CASE_TABLES.contains(&table.as_str()),
                    "{table} refers to a case but a purge leaves its rows"
                );
            }
        }
        Ok(())
    }
}
