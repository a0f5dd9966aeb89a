//! The coordination centre's registry of its centres and the sync board.
//!
//! The **registry** adds to each enrolled centre (code, name and country come from its
//! pinned enrolment, `sync_peer`) what the coordinator edits: region, city and the expected
//! cadence of bundles (`centre_registry`, migration 0009). The **board** says, per centre,
//! what arrived (`bundle_in`): the last bundle (when imported, sequence), the months its
//! bundles cover, the months since the first one that none covers, the sequence numbers that
//! never arrived, and whether the centre is **overdue**: no bundle for more than its cadence
//! plus [`GRACE_DAYS`] days (35 with the default monthly cadence of 30 days), counted from
//! its enrolment while nothing has arrived. Dates are computed for a `today` the caller
//! gives, so tests can control them.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::centre::{Country, Mode};
use crate::error::{Error, Result};
use crate::stats::Month;
use crate::store::Store;

/// The default expected cadence: a bundle a month.
pub const DEFAULT_CADENCE_DAYS: u32 = 30;
/// Days after the expected cadence before a centre is overdue.
pub const GRACE_DAYS: u32 = 5;

/// A centre in the coordinator's registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CentreEntry {
    /// Centre code (from its enrolment).
    pub code: String,
    /// Name (from its enrolment).
    pub name: String,
    /// Country (from its enrolment).
    pub country: Country,
    /// Region, as the coordinator records it (may be empty).
    pub region: String,
    /// City, as the coordinator records it (may be empty).
    pub city: String,
    /// A bundle is expected every this many days.
    pub cadence_days: u32,
    /// When the centre was enrolled here.
    pub enrolled_at: String,
}

/// What the coordinator may change about a centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CentreUpdate {
    /// Which centre (code).
    pub code: String,
    /// New region; `None`: unchanged.
    pub region: Option<String>,
    /// New city; `None`: unchanged.
    pub city: Option<String>,
    /// New cadence in days (1–366); `None`: unchanged.
    pub cadence_days: Option<u32>,
}

/// One centre on the sync board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BoardRow {
    /// The centre.
    pub centre: CentreEntry,
    /// Bundles received from it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bundles_received: i64,
    /// The highest sequence number received.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_sequence: Option<i64>,
    /// When the newest bundle was imported here (RFC 3339).
    pub last_received_at: Option<String>,
    /// When the centre sealed that bundle (RFC 3339).
    pub last_sealed_at: Option<String>,
    /// The months its bundles cover, as ranges (`2026-01 – 2026-03`, or one month).
    pub periods: Vec<String>,
    /// Months from the first covered one to the last complete month that no bundle covers.
    pub months_missing: Vec<String>,
    /// Sequence numbers that never arrived (at most 100 listed).
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub missing_sequences: Vec<i64>,
    /// Days since the last bundle was imported (since enrolment when none was).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days_since: i64,
    /// The day from which it is (or will be) overdue.
    pub overdue_from: String,
    /// No bundle for more than its cadence plus the grace days.
    pub overdue: bool,
}

/// The sync board: every enrolled centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncBoard {
    /// The day the board was computed for (`YYYY-MM-DD`).
    pub today: String,
    /// Grace days after the cadence.
    pub grace_days: u32,
    /// One row per centre, by code.
    pub rows: Vec<BoardRow>,
}

/// Today on this computer's calendar (what "overdue" and "progress to date" are counted
/// against when no day is given).
pub fn local_today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn date_of(stamp: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(stamp.get(..10)?, "%Y-%m-%d").ok()
}

/// Merges months into ranges of consecutive months.
fn ranges(months: &BTreeSet<Month>) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Option<(Month, Month)> = None;
    for &m in months {
        run = match run {
            Some((a, b)) if b.next() == m => Some((a, m)),
            Some((a, b)) => {
                out.push(range_text(a, b));
                Some((m, m))
            }
            None => Some((m, m)),
        };
    }
    if let Some((a, b)) = run {
        out.push(range_text(a, b));
    }
    out
}

fn range_text(a: Month, b: Month) -> String {
    if a == b {
        a.code()
    } else {
        format!("{a} – {b}")
    }
}

fn month_of_date(d: NaiveDate) -> Month {
    // A valid date always makes a valid month.
    Month::parse(&d.format("%Y-%m").to_string()).unwrap_or_else(|_| unreachable!())
}

impl Store {
    fn require_coordinator_mode(&self) -> Result<()> {
        if self.profile()?.mode != Mode::Coordinator {
            return Err(Error::invalid(
                "the centres registry belongs to a coordination centre; this store is a centre's",
            ));
        }
        Ok(())
    }

    /// The enrolled centres with what the coordinator recorded about them, by code.
    pub fn centres(&self) -> Result<Vec<CentreEntry>> {
        self.require(crate::admin::Permission::Statistics)?;
        let mut stmt = self.conn.prepare(
            "SELECT p.centre_code, p.name, p.country, coalesce(r.region, ''),
                    coalesce(r.city, ''), coalesce(r.cadence_days, ?1), p.enrolled_at
             FROM sync_peer p LEFT JOIN centre_registry r ON r.centre_code = p.centre_code
             WHERE p.mode = 'centre' ORDER BY p.centre_code",
        )?;
        let rows = stmt.query_map([DEFAULT_CADENCE_DAYS], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (code, name, country, region, city, cadence_days, enrolled_at) = row?;
            out.push(CentreEntry {
                code,
                name,
                country: Country::parse(&country)?,
                region,
                city,
                cadence_days,
                enrolled_at,
            });
        }
        Ok(out)
    }

    /// Changes a centre's region, city or cadence (coordinators and administrators of a
    /// coordination centre).
    pub fn update_centre(&mut self, update: &CentreUpdate) -> Result<CentreEntry> {
        self.require(crate::admin::Permission::EnrolPeers)?;
        self.require_coordinator_mode()?;
        let code = crate::centre::normalise_centre_code(&update.code)?;
        let current = self
            .centres()?
            .into_iter()
            .find(|c| c.code == code)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "no enrolled centre has the code {code}; enrol it first (Sync → Partners)"
                ))
            })?;
        let clean = |text: &Option<String>, old: &str, what: &str| -> Result<String> {
            let Some(t) = text else {
                return Ok(old.to_owned());
            };
            let t = t.trim();
            if t.chars().count() > 80 || t.chars().any(char::is_control) {
                return Err(Error::invalid(format!(
                    "the {what} is at most 80 characters on one line"
                )));
            }
            Ok(t.to_owned())
        };
        let region = clean(&update.region, &current.region, "region")?;
        let city = clean(&update.city, &current.city, "city")?;
        let cadence = update.cadence_days.unwrap_or(current.cadence_days);
        if !(1..=366).contains(&cadence) {
            return Err(Error::invalid(
                "the expected cadence is a number of days from 1 to 366 (30: monthly)",
            ));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO centre_registry (centre_code, region, city, cadence_days, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (centre_code) DO UPDATE SET region = ?2, city = ?3, cadence_days = ?4,
                 updated_at = ?5, updated_by = ?6",
            params![code, region, city, cadence, Utc::now().to_rfc3339(), self.ctx.user],
        )?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Settings,
            None,
            Some(&format!(
                "centre {code}: region, city, cadence {cadence} days"
            )),
        )?;
        tx.commit()?;
        Ok(CentreEntry {
            region,
            city,
            cadence_days: cadence,
            ..current
        })
    }

    /// The sync board as of `today`.
    pub fn sync_board(&self, today: NaiveDate) -> Result<SyncBoard> {
        self.require(crate::admin::Permission::Statistics)?;
        let last_complete = month_of_date(today).prev();
        let mut rows = Vec::new();
        for centre in self.centres()? {
            let fp: String = self.conn.query_row(
                "SELECT fingerprint FROM sync_peer WHERE centre_code = ?1",
                [&centre.code],
                |r| r.get(0),
            )?;
            let mut stmt = self.conn.prepare(
                "SELECT sequence, period_from, period_to, imported_at, sealed_at
                 FROM bundle_in WHERE sender = ?1 ORDER BY sequence",
            )?;
            #[allow(clippy::type_complexity)]
            let received: Vec<(i64, Option<String>, Option<String>, String, String)> = stmt
                .query_map([&fp], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut covered = BTreeSet::new();
            let mut missing_sequences = Vec::new();
            let mut expect = 1;
            for (seq, from, to, _, _) in &received {
                while expect < *seq && missing_sequences.len() < 100 {
                    missing_sequences.push(expect);
                    expect = expect.saturating_add(1);
                }
                expect = expect.max(seq.saturating_add(1));
                if let (Some(from), Some(to)) = (from, to)
                    && let (Ok(a), Ok(b)) = (Month::parse(from), Month::parse(to))
                    && a <= b
                    && a.through(b).len() <= 240
                {
                    covered.extend(a.through(b));
                }
            }
            let months_missing = match covered.first() {
                Some(&first) if first <= last_complete => first
                    .through(last_complete)
                    .into_iter()
                    .filter(|m| !covered.contains(m))
                    .map(Month::code)
                    .collect(),
                _ => Vec::new(),
            };
            let last = received
                .iter()
                .max_by(|a, b| a.3.cmp(&b.3).then(a.0.cmp(&b.0)));
            let since = last
                .and_then(|l| date_of(&l.3))
                .or_else(|| date_of(&centre.enrolled_at))
                .unwrap_or(today);
            let days_since = (today - since).num_days();
            let allowed = i64::from(centre.cadence_days + GRACE_DAYS);
            let overdue_from = since + chrono::Duration::days(allowed + 1);
            rows.push(BoardRow {
                bundles_received: i64::try_from(received.len()).unwrap_or(i64::MAX),
                last_sequence: received.iter().map(|r| r.0).max(),
                last_received_at: last.map(|l| l.3.clone()),
                last_sealed_at: last.map(|l| l.4.clone()),
                periods: ranges(&covered),
                months_missing,
                missing_sequences,
                days_since,
                overdue_from: overdue_from.to_string(),
                overdue: days_since > allowed,
                centre,
            });
        }
        Ok(SyncBoard {
            today: today.to_string(),
            grace_days: GRACE_DAYS,
            rows,
        })
    }

    /// The registry entry of one centre, if it is enrolled.
    pub fn centre_entry(&self, code: &str) -> Result<Option<CentreEntry>> {
        Ok(self.centres()?.into_iter().find(|c| c.code == code))
    }

    /// The city recorded for a centre (empty when none).
    pub(crate) fn centre_city(&self, code: &str) -> Result<String> {
        Ok(self
            .conn
            .query_row(
                "SELECT city FROM centre_registry WHERE centre_code = ?1",
                [code],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_merge_into_ranges() {
        let m = |s: &str| Month::parse(s).unwrap();
        let set: BTreeSet<Month> = [m("2026-01"), m("2026-02"), m("2026-03"), m("2026-05")]
            .into_iter()
            .collect();
        assert_eq!(ranges(&set), vec!["2026-01 – 2026-03", "2026-05"]);
        assert!(ranges(&BTreeSet::new()).is_empty());
    }
}
