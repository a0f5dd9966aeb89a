//! Data quality per centre: of the cases opened in a period, how many have a key field
//! unknown or missing, and how many have dates that contradict each other — so the
//! coordinator can ask the right centre the right question.
//!
//! Computed in SQLite over the same records the tables count (current versions, cases not
//! tombstoned), on a centre's store and a coordinator's alike. A coordinator's replicas
//! carry months, not days (`sync/payload.rs`), so there a date check only sees
//! contradictions across months; a centre's own store sees them to the day. The checks are
//! listed in [`Check`] and `docs/statistics.md` ("Data quality").

use serde::{Deserialize, Serialize};

use super::StatsQuery;
use crate::error::Result;
use crate::store::Store;

/// An incident more than this many days after its case was opened is suspicious (the first
/// incident is what brought the client).
pub const INCIDENT_GRACE_DAYS: u32 = 31;

/// One check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// No perpetrator link with a known relationship: none recorded, or one `unknown`.
    RelationshipUnknown,
    /// No current incident with a date (occurred on, or ongoing since).
    IncidentDateMissing,
    /// The client's age band is `unknown`.
    AgeBandUnknown,
    /// The referral source is empty or `unknown`.
    ReferralSourceMissing,
    /// The earliest incident is more than `INCIDENT_GRACE_DAYS` after the case was opened.
    IncidentAfterOpening,
    /// Closed before it was opened.
    ClosedBeforeOpened,
    /// A service contact dated before the case was opened.
    ContactBeforeOpened,
}

impl Check {
    /// Every check, in the order shown.
    pub const ALL: [Check; 7] = [
        Check::RelationshipUnknown,
        Check::IncidentDateMissing,
        Check::AgeBandUnknown,
        Check::ReferralSourceMissing,
        Check::IncidentAfterOpening,
        Check::ClosedBeforeOpened,
        Check::ContactBeforeOpened,
    ];

    /// Its code (as serialised).
    pub fn code(self) -> &'static str {
        match self {
            Check::RelationshipUnknown => "relationship_unknown",
            Check::IncidentDateMissing => "incident_date_missing",
            Check::AgeBandUnknown => "age_band_unknown",
            Check::ReferralSourceMissing => "referral_source_missing",
            Check::IncidentAfterOpening => "incident_after_opening",
            Check::ClosedBeforeOpened => "closed_before_opened",
            Check::ContactBeforeOpened => "contact_before_opened",
        }
    }

    /// What it finds, in English (the UI uses `coord.quality.<code>`).
    pub fn label(self) -> &'static str {
        match self {
            Check::RelationshipUnknown => "Relationship to perpetrator unknown or missing",
            Check::IncidentDateMissing => "Incident date missing",
            Check::AgeBandUnknown => "Age band unknown",
            Check::ReferralSourceMissing => "Referral source missing",
            Check::IncidentAfterOpening => "First incident more than 31 days after opening",
            Check::ClosedBeforeOpened => "Closed before opened",
            Check::ContactBeforeOpened => "Service contact before opening",
        }
    }

    /// The condition on a case `c` (with its client `cl`), in SQL.
    fn sql(self) -> String {
        const INCIDENT: &str = "FROM incident i WHERE i.case_id = c.id AND i.deleted_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id)";
        match self {
            Check::RelationshipUnknown => format!(
                "NOT EXISTS (SELECT 1 {INCIDENT} AND EXISTS (SELECT 1 FROM json_each(i.perpetrators) p
                     WHERE coalesce(json_extract(p.value, '$.relationship'), 'unknown')
                           NOT IN ('', 'unknown')))
                 OR EXISTS (SELECT 1 {INCIDENT} AND EXISTS (SELECT 1 FROM json_each(i.perpetrators) p
                     WHERE coalesce(json_extract(p.value, '$.relationship'), 'unknown')
                           IN ('', 'unknown')))"
            ),
            Check::IncidentDateMissing => format!(
                "NOT EXISTS (SELECT 1 {INCIDENT}
                     AND coalesce(i.occurred_on, i.ongoing_since) IS NOT NULL)"
            ),
            Check::AgeBandUnknown => "coalesce(cl.age_band, '') IN ('', 'unknown')".to_owned(),
            Check::ReferralSourceMissing => {
                "coalesce(c.referral_source, '') IN ('', 'unknown')".to_owned()
            }
            Check::IncidentAfterOpening => format!(
                "(SELECT min(coalesce(i.occurred_on, i.ongoing_since)) {INCIDENT})
                   > date(c.opened_on, '+{INCIDENT_GRACE_DAYS} days')"
            ),
            Check::ClosedBeforeOpened => {
                "c.closed_on IS NOT NULL AND c.closed_on < c.opened_on".to_owned()
            }
            Check::ContactBeforeOpened => "EXISTS (SELECT 1 FROM service_contact s
                 WHERE s.case_id = c.id AND s.deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id)
                   AND s.on_date < c.opened_on)"
                .to_owned(),
        }
    }
}

/// A check with its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CheckInfo {
    /// The check.
    pub check: Check,
    /// What it finds, in English.
    pub label: String,
}

/// One centre (or all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QualityRow {
    /// Centre code (`None`: all centres).
    pub centre: Option<String>,
    /// Centre name.
    pub name: String,
    /// Cases opened in the period.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cases: i64,
    /// Cases failing each check, in the order of `QualityReport::checks`.
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub counts: Vec<i64>,
    /// The same as a percentage of `cases`, one decimal.
    pub percent: Vec<f64>,
    /// The check with the highest share (none when nothing fails).
    pub worst: Option<Check>,
}

/// Data quality of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QualityReport {
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
    /// The checks, in column order.
    pub checks: Vec<CheckInfo>,
    /// One row per centre.
    pub rows: Vec<QualityRow>,
    /// All centres together.
    pub total: QualityRow,
}

fn row(centre: Option<String>, name: String, cases: i64, counts: Vec<i64>) -> QualityRow {
    let percent: Vec<f64> = counts
        .iter()
        .map(|&n| {
            if cases > 0 {
                (n as f64 * 1000.0 / cases as f64).round() / 10.0
            } else {
                0.0
            }
        })
        .collect();
    let worst = percent
        .iter()
        .enumerate()
        .filter(|(_, p)| **p > 0.0)
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| Check::ALL[i]);
    QualityRow {
        centre,
        name,
        cases,
        counts,
        percent,
        worst,
    }
}

/// Data quality of one centre's cases opened in one month: (centre, month, `[(code,
/// count)]`).
pub(crate) type MonthQuality = (String, super::Month, Vec<(&'static str, i64)>);

/// The code under which the kept counts hold the number of cases opened.
const CASES: &str = "cases";

/// The columns of the quality query: the cases, then each check's count.
fn columns() -> String {
    let mut cols = vec!["count(*)".to_owned()];
    cols.extend(
        Check::ALL
            .iter()
            .map(|k| format!("coalesce(sum(CASE WHEN {} THEN 1 ELSE 0 END), 0)", k.sql())),
    );
    cols.join(", ")
}

/// Data quality by centre and opening month from `from` to `to`, from the rows: what the
/// coordinator's kept counts hold (`tables::counts::refresh`), as (centre, month,
/// `[(code, count)]`) with the code `cases` for the cases opened.
pub(crate) fn by_month(
    conn: &rusqlite::Connection,
    from: super::Month,
    to: super::Month,
) -> Result<Vec<MonthQuality>> {
    let sql = format!(
        "SELECT c.owner_centre, substr(c.opened_on, 1, 7), {}
         FROM case_file c JOIN client cl ON cl.id = c.client_id
         WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL
         GROUP BY 1, 2",
        columns()
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params![from.first_day(), to.next().first_day()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let Some(m) = r
            .get::<_, Option<String>>(1)?
            .and_then(|t| super::Month::parse(&t).ok())
        else {
            continue;
        };
        let mut values = vec![(CASES, r.get(2)?)];
        for (i, k) in Check::ALL.iter().enumerate() {
            values.push((k.code(), r.get(3 + i)?));
        }
        out.push((r.get(0)?, m, values));
    }
    Ok(out)
}

impl Store {
    /// Data quality of the cases opened from `query.from` to `query.to`, per centre (of
    /// `query.centres`, or every centre).
    pub fn data_quality(&self, query: &StatsQuery) -> Result<QualityReport> {
        self.data_quality_with(query, false)
    }

    /// [`Store::data_quality`] computed from the rows whatever the store: the reference
    /// the coordinator's kept counts are tested against.
    #[doc(hidden)]
    pub fn data_quality_from_rows(&self, query: &StatsQuery) -> Result<QualityReport> {
        self.data_quality_with(query, true)
    }

    fn data_quality_with(&self, query: &StatsQuery, from_rows: bool) -> Result<QualityReport> {
        self.require(crate::admin::Permission::Statistics)?;
        let (from, to) = query.period()?;
        let profile = self.profile()?;
        let known = super::tables::known_centres(&self.conn, &profile)?;
        let chosen: Vec<_> = known
            .into_iter()
            .filter(|c| {
                query.centres.is_empty()
                    || query
                        .centres
                        .iter()
                        .any(|w| w.trim().eq_ignore_ascii_case(&c.code))
            })
            .filter(|c| query.country.is_none_or(|k| k.code() == c.country))
            .collect();
        // A coordinator reads the kept counts (`tables::counts`); a centre, the rows.
        let kept = if !from_rows && profile.mode == crate::centre::Mode::Coordinator {
            super::tables::counts::ensure_fresh(&self.conn)?;
            Some(super::tables::counts::quality(&self.conn, from, to)?)
        } else {
            None
        };
        let sql = format!(
            "SELECT {} FROM case_file c JOIN client cl ON cl.id = c.client_id
             WHERE c.owner_centre = ?1 AND c.opened_on >= ?2 AND c.opened_on < ?3
               AND c.deleted_at IS NULL",
            columns()
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let (a, b) = (from.first_day(), to.next().first_day());
        let mut rows = Vec::new();
        let mut all_cases = 0;
        let mut all_counts = vec![0i64; Check::ALL.len()];
        for c in chosen {
            let values: Vec<i64> = match &kept {
                Some(kept) => {
                    let of = kept.get(&c.code);
                    let get = |code: &str| of.and_then(|m| m.get(code)).copied().unwrap_or(0);
                    std::iter::once(get(CASES))
                        .chain(Check::ALL.iter().map(|k| get(k.code())))
                        .collect()
                }
                None => stmt.query_row(rusqlite::params![c.code, a, b], |r| {
                    (0..=Check::ALL.len()).map(|i| r.get(i)).collect()
                })?,
            };
            all_cases += values[0];
            for (t, v) in all_counts.iter_mut().zip(&values[1..]) {
                *t += v;
            }
            rows.push(row(Some(c.code), c.name, values[0], values[1..].to_vec()));
        }
        Ok(QualityReport {
            from: from.code(),
            to: to.code(),
            checks: Check::ALL
                .iter()
                .map(|&check| CheckInfo {
                    check,
                    label: check.label().to_owned(),
                })
                .collect(),
            rows,
            total: row(None, String::new(), all_cases, all_counts),
        })
    }
}
