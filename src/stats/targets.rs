//! Yearly targets per centre (e.g. 120 women and 40 children supported in 2026), kept in
//! the coordinator's store (`centre_target`, migration 0009), and the progress to date.
//!
//! A target names a [`Measure`]; its progress is that measure read from the same T1–T10
//! engine over January to the month of `today` (or the whole year once it is over), per
//! centre. "Expected by now" is the target pro rata of the months elapsed, so a centre is
//! "behind" when its count is below that.

use chrono::{Datelike, NaiveDate, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::measures::Measure;
use super::{Month, StatsQuery};
use crate::error::{Error, Result};
use crate::store::Store;

/// A target to set (`target: None` removes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TargetInput {
    /// Centre code.
    pub centre: String,
    /// Year.
    pub year: i32,
    /// What it counts.
    pub measure: Measure,
    /// How many; `None` removes the target.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub target: Option<i64>,
}

/// A target with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TargetProgress {
    /// Centre code.
    pub centre: String,
    /// Centre name.
    pub centre_name: String,
    /// Year.
    pub year: i32,
    /// What it counts.
    pub measure: Measure,
    /// The table it is read from.
    pub table: String,
    /// The target.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub target: i64,
    /// Counted so far.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub actual: i64,
    /// The last month counted (`None`: the year has not started).
    pub through: Option<String>,
    /// Months of the year counted.
    pub months_elapsed: u32,
    /// The target pro rata of the months elapsed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub expected_to_date: i64,
    /// `actual` as a whole percentage of `target` (0 when the target is 0).
    pub percent: u32,
    /// `actual` is at least `expected_to_date`.
    pub on_track: bool,
}

impl Store {
    /// Sets or removes a yearly target.
    pub fn set_target(&mut self, input: &TargetInput) -> Result<()> {
        self.require(crate::admin::Permission::Statistics)?;
        let code = crate::centre::normalise_centre_code(&input.centre)?;
        if self.centre_entry(&code)?.is_none() {
            return Err(Error::invalid(format!(
                "no enrolled centre has the code {code}; enrol it first"
            )));
        }
        if !(2000..=2100).contains(&input.year) {
            return Err(Error::invalid("the year of a target is from 2000 to 2100"));
        }
        let tx = self.conn.transaction()?;
        match input.target {
            Some(t) if !(0..=10_000_000).contains(&t) => {
                return Err(Error::invalid(
                    "a target is a whole number from 0 to 10,000,000",
                ));
            }
            Some(t) => tx.execute(
                "INSERT INTO centre_target (centre_code, year, measure, target, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (centre_code, year, measure) DO UPDATE SET target = ?4,
                     updated_at = ?5, updated_by = ?6",
                params![code, input.year, input.measure.code(), t, Utc::now().to_rfc3339(), self.ctx.user],
            )?,
            None => tx.execute(
                "DELETE FROM centre_target WHERE centre_code = ?1 AND year = ?2 AND measure = ?3",
                params![code, input.year, input.measure.code()],
            )?,
        };
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Settings,
            None,
            Some(&format!(
                "target {code} {} {}: {}",
                input.year,
                input.measure.code(),
                input
                    .target
                    .map_or_else(|| "removed".to_owned(), |t| t.to_string())
            )),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The targets of `year` with their progress as of `today`, by centre then measure.
    pub fn target_progress(&self, year: i32, today: NaiveDate) -> Result<Vec<TargetProgress>> {
        self.require(crate::admin::Permission::Statistics)?;
        let mut stmt = self.conn.prepare(
            "SELECT centre_code, measure, target FROM centre_target WHERE year = ?1
             ORDER BY centre_code, measure",
        )?;
        let targets: Vec<(String, String, i64)> = stmt
            .query_map([year], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let targets: Vec<(String, Measure, i64)> = targets
            .into_iter()
            .filter_map(|(c, m, t)| Measure::parse(&m).ok().map(|m| (c, m, t)))
            .collect();
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let months_elapsed: u32 = if year < today.year() {
            12
        } else if year > today.year() {
            0
        } else {
            today.month()
        };
        let through = (months_elapsed > 0).then(|| format!("{year:04}-{months_elapsed:02}"));
        let mut centres: Vec<String> = targets.iter().map(|t| t.0.clone()).collect();
        centres.dedup();
        let report = match &through {
            Some(to) => {
                // Only enrolled centres: a target of a centre since removed counts nothing.
                let known: Vec<String> = self.centres()?.into_iter().map(|c| c.code).collect();
                let asked: Vec<String> =
                    centres.into_iter().filter(|c| known.contains(c)).collect();
                if asked.is_empty() {
                    None
                } else {
                    Some(self.monthly_tables(&StatsQuery {
                        centres: asked,
                        by_month: false,
                        ..StatsQuery::months(
                            &Month::parse(&format!("{year:04}-01"))?.code(),
                            Some(to),
                        )
                    })?)
                }
            }
            None => None,
        };
        let names = self.centres()?;
        let mut out = Vec::new();
        for (centre, measure, target) in targets {
            let actual = match &report {
                Some(r) => measure
                    .values(r)?
                    .into_iter()
                    .filter(|(c, _, _)| c.as_deref() == Some(centre.as_str()))
                    .map(|(_, _, v)| v)
                    .sum(),
                None => 0,
            };
            let expected = target * i64::from(months_elapsed) / 12;
            out.push(TargetProgress {
                centre_name: names
                    .iter()
                    .find(|c| c.code == centre)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                centre,
                year,
                measure,
                table: measure.table().to_owned(),
                target,
                actual,
                through: through.clone(),
                months_elapsed,
                expected_to_date: expected,
                percent: if target > 0 {
                    u32::try_from(actual * 100 / target).unwrap_or(u32::MAX)
                } else {
                    0
                },
                on_track: actual >= expected,
            });
        }
        Ok(out)
    }
}
