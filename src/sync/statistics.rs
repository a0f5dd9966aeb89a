//! The `statistics` sharing level: a centre whose agreement with its coordination centre
//! says "aggregate monthly tables only" sends the counts of its own T1–T10 by month, part and
//! category, and no case-level record at all.
//!
//! - At the centre, the level is set on the coordinator's row (`sync_peer.sharing`, default
//!   `pseudonymised`) by someone who may enrol peers; the export then carries every month
//!   from the centre's first case to the current month in full (later corrections to an old
//!   month reach the coordinator with the next bundle), computed by the same engine that shows
//!   the centre its own tables (`stats::tables::monthly_counts`).
//! - At the coordinator, a statistics bundle replaces, month by month, what it holds for that
//!   centre (`stat_received`), unless a bundle with a higher sequence number already set that
//!   month; the engine then uses those counts instead of anything computed from replicas.
//!   Being the sender's newest bundle, it also removes any case-level replicas left from an
//!   earlier `pseudonymised` agreement: the coordinator keeps only what the agreement allows.

use std::collections::HashSet;

use chrono::{Datelike, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::identity::peer_by;
use super::payload::StatMonths;
use crate::centre::Mode;
use crate::error::{Error, Result};
use crate::stats::Month;
use crate::stats::tables::{self, MonthlyCount};
use crate::store::Store;

/// The largest monthly count a bundle may state (10^12: more than any centre will ever
/// count, and 9 million of them still add up without overflow).
pub const MAX_COUNT: i64 = 1_000_000_000_000;

/// Case-level records without direct identifiers (the default agreement).
pub const PSEUDONYMISED: &str = "pseudonymised";
/// Aggregate monthly tables only.
pub const STATISTICS: &str = "statistics";

/// The pseudo-table under which an import summary counts a statistics bundle's months
/// (new, replaced, left because a newer bundle set them), and an export preview its counts.
pub use super::summary::MONTHLY_COUNTS;

/// The sharing level agreed with the peer of this fingerprint.
pub(crate) fn sharing_with(conn: &Connection, fingerprint: &str) -> Result<String> {
    Ok(conn
        .query_row(
            "SELECT sharing FROM sync_peer WHERE fingerprint = ?1",
            [fingerprint],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_else(|| PSEUDONYMISED.to_owned()))
}

/// The months a statistics export covers: from the month of the centre's first case (or
/// first archived count) to the current month.
pub(crate) fn export_months(conn: &Connection) -> Result<(Month, Month)> {
    let now = Utc::now();
    let current = Month::parse(&format!("{:04}-{:02}", now.year(), now.month()))?;
    let first: Option<String> = conn.query_row(
        "SELECT min(m) FROM (
             SELECT substr(min(opened_on), 1, 7) AS m FROM case_file
             UNION ALL SELECT min(month) FROM stat_archive)",
        [],
        |r| r.get(0),
    )?;
    let from = first
        .as_deref()
        .and_then(|m| Month::parse(m).ok())
        .filter(|m| *m <= current)
        .unwrap_or(current);
    Ok((from, current))
}

/// The counts a statistics export carries.
pub(crate) fn export_counts(store: &Store, from: Month, to: Month) -> Result<Vec<MonthlyCount>> {
    let code = store.profile()?.code;
    tables::monthly_counts(&store.conn, store.ctx.codes, &code, from, to)
}

/// What applying a statistics bundle's month range did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Months this bundle now sets (their earlier counts removed).
    pub fresh: HashSet<String>,
    /// Months never received before.
    pub new: u64,
    /// Months replaced.
    pub updated: u64,
    /// Months a newer bundle already set (left as they are).
    pub stale: u64,
}

/// Claims, for a statistics bundle of `centre` with this sequence number, every month of
/// `range` that no newer bundle has set: their counts are removed (the bundle's `stat` lines
/// then insert the new ones) and the month is recorded as set by this bundle.
pub(crate) fn claim_months(
    conn: &Connection,
    centre: &str,
    range: &StatMonths,
    sequence: u64,
    bundle_id: &str,
) -> Result<Applied> {
    let (from, to) = (Month::parse(&range.from)?, Month::parse(&range.to)?);
    if from > to || from.through(to).len() > 1200 {
        return Err(Error::BundleDamaged);
    }
    let sequence = i64::try_from(sequence).unwrap_or(i64::MAX);
    let mut out = Applied::default();
    for month in from.through(to) {
        let m = month.code();
        let held: Option<i64> = conn
            .prepare_cached(
                "SELECT sequence FROM stat_received_month WHERE centre = ?1 AND month = ?2",
            )?
            .query_row(params![centre, m], |r| r.get(0))
            .optional()?;
        match held {
            Some(s) if s > sequence => {
                out.stale += 1;
                continue;
            }
            Some(_) => out.updated += 1,
            None => out.new += 1,
        }
        conn.prepare_cached("DELETE FROM stat_received WHERE centre = ?1 AND month = ?2")?
            .execute(params![centre, m])?;
        conn.prepare_cached(
            "INSERT INTO stat_received_month (centre, month, sequence, bundle_id)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (centre, month) DO UPDATE
             SET sequence = excluded.sequence, bundle_id = excluded.bundle_id",
        )?
        .execute(params![centre, m, sequence, bundle_id])?;
        out.fresh.insert(m);
    }
    Ok(out)
}

/// Stores one `stat` line of a claimed month. A line for a month outside the bundle's range,
/// or twice for the same cell, means the payload is damaged.
pub(crate) fn put_count(
    conn: &Connection,
    centre: &str,
    range: &StatMonths,
    applied: &Applied,
    count: &MonthlyCount,
) -> Result<()> {
    let month = Month::parse(&count.month).map_err(|_| Error::BundleDamaged)?;
    if count.month < range.from || count.month > range.to || month.code() != count.month {
        return Err(Error::BundleDamaged);
    }
    if count.part.is_empty() || count.part.len() > 40 || count.code.len() > 200 {
        return Err(Error::BundleDamaged);
    }
    // A count (or minutes) is never negative, and never so large that adding the counts of
    // every centre and month could overflow: such a value is no count.
    if !(0..=MAX_COUNT).contains(&count.value) {
        return Err(Error::BundleDamaged);
    }
    if !applied.fresh.contains(&count.month) {
        return Ok(()); // a newer bundle set this month
    }
    let inserted = conn
        .prepare_cached(
            "INSERT INTO stat_received (centre, month, part, code, value)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            centre,
            count.month,
            count.part,
            count.code,
            count.value
        ])?;
    if inserted == 0 {
        return Err(Error::BundleDamaged);
    }
    Ok(())
}

/// Whether a bundle with this sequence number is the newest ever applied from the sender
/// (only then does a statistics bundle remove case-level replicas).
pub(crate) fn is_newest(conn: &Connection, sender: &str, sequence: u64) -> Result<bool> {
    let highest: Option<i64> = conn.query_row(
        "SELECT max(sequence) FROM bundle_in WHERE sender = ?1",
        [sender],
        |r| r.get(0),
    )?;
    Ok(highest.is_none_or(|h| u64::try_from(h).unwrap_or(0) < sequence))
}

impl Store {
    /// Sets the sharing level agreed with the coordination centre `to` (a centre code):
    /// `pseudonymised` or `statistics`. Only at a centre, only for its coordinator, by
    /// someone who may enrol peers; logged.
    pub fn set_sharing(&mut self, to: &str, level: &str) -> Result<()> {
        self.require(crate::admin::Permission::EnrolPeers)?;
        let level = level.trim().to_ascii_lowercase();
        if level != PSEUDONYMISED && level != STATISTICS {
            return Err(Error::invalid(format!(
                "'{level}' is not a sharing level; use `{PSEUDONYMISED}` (case-level records without names) or `{STATISTICS}` (monthly tables only)"
            )));
        }
        if self.profile()?.mode != Mode::Centre {
            return Err(Error::invalid(
                "the sharing level is set at the centre that shares; a coordination centre sends acknowledgements and reference data only",
            ));
        }
        let code = crate::centre::normalise_centre_code(to)?;
        let peer = peer_by(&self.conn, "centre_code", &code)?.ok_or_else(|| {
            Error::invalid(format!(
                "{code} is not enrolled here; enrol the coordination centre first"
            ))
        })?;
        if peer.peer.mode != Mode::Coordinator {
            return Err(Error::invalid(format!(
                "{code} is a centre, not a coordination centre; the sharing level is agreed with the coordinator"
            )));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE sync_peer SET sharing = ?1 WHERE fingerprint = ?2",
            params![level, peer.peer.fingerprint.hex],
        )?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Settings,
            None,
            Some(&format!("sharing level with {code} set to {level}")),
        )?;
        tx.commit()?;
        Ok(())
    }
}
