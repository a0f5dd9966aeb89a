//! Risk assessments of a case. Each is an append-only event that names the pack (id and
//! version) it used and stores the raw answers, the score and band the core computed, and
//! the practitioner's override with its reason. A newer pack version never rescores an
//! older assessment: the stored score and band are what was seen on the day.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::pack::{InstrumentPack, Judgement, Texts};
use super::score::{Answers, score};
use super::{keep_builtin, load_pack};
use crate::audit::Action;
use crate::cases::{Batch, RecordMeta};
use crate::error::{Error, Result};
use crate::ids::{CaseId, RiskAssessmentId};
use crate::store::Store;

/// The longest override reason, in characters.
pub const MAX_REASON: usize = 2000;

/// An assessment as the practitioner records it. The score and band are computed by the
/// core from the answers, never taken from the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RiskAssessmentFields {
    /// Pack id.
    pub instrument_id: String,
    /// Pack version.
    pub instrument_version: u32,
    /// Date of the assessment.
    pub assessed_on: NaiveDate,
    /// Answers by item id.
    pub answers: Answers,
    /// The band the practitioner's judgement sets, if it differs from the computed one.
    pub override_band: Option<String>,
    /// Why (required with an override).
    pub override_reason: Option<String>,
}

/// A recorded assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RiskAssessment {
    /// Id.
    pub id: RiskAssessmentId,
    /// The case.
    pub case_id: CaseId,
    /// The version this one corrects.
    pub supersedes: Option<RiskAssessmentId>,
    /// Pack id.
    pub instrument_id: String,
    /// Pack version used (and kept).
    pub instrument_version: u32,
    /// Date.
    pub assessed_on: NaiveDate,
    /// Who assessed.
    pub assessor: String,
    /// The answers that counted.
    pub answers: Answers,
    /// Score as computed on the day.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub score: i64,
    /// Band of the score.
    pub band: String,
    /// The practitioner's band, if judgement changed it.
    pub override_band: Option<String>,
    /// Why.
    pub override_reason: Option<String>,
    /// The band that stands: the override, else the computed band.
    pub final_band: String,
    /// Name of the final band per language (when the pack is here).
    pub final_band_label: Option<Texts>,
    /// Position of the final band in its pack, 0 = lowest (when the pack is here).
    pub level: Option<u32>,
    /// Number of bands of the pack.
    pub levels: Option<u32>,
    /// Version.
    pub meta: RecordMeta,
}

/// Whether risk went up, down or stayed between the last two assessments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Higher band (relative to its instrument's bands) than the assessment before.
    Up,
    /// Lower.
    Down,
    /// The same.
    Same,
}

/// The assessments of a case, oldest first, with the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RiskHistory {
    /// Current assessments, oldest first.
    pub assessments: Vec<RiskAssessment>,
    /// Between the last two (none with fewer than two).
    pub trend: Option<Trend>,
}

/// The band the case header shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LatestRisk {
    /// Date of the latest assessment.
    pub assessed_on: NaiveDate,
    /// Pack id.
    pub instrument_id: String,
    /// Pack version.
    pub instrument_version: u32,
    /// The band that stands.
    pub final_band: String,
    /// Its name per language.
    pub final_band_label: Option<Texts>,
    /// Position of the band, 0 = lowest.
    pub level: Option<u32>,
    /// Number of bands.
    pub levels: Option<u32>,
    /// Judgement changed the computed band.
    pub overridden: bool,
}

/// Score, band and override checked against the pack: the columns to store.
fn assessment_cols(
    pack: &InstrumentPack,
    f: &RiskAssessmentFields,
    assessor: &str,
) -> Result<Vec<(&'static str, Value)>> {
    let result = score(pack, &f.answers)?;
    let computed = result.band.clone();
    let wanted = f
        .override_band
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty() && *b != computed);
    let reason = f
        .override_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let (override_band, override_reason) = match wanted {
        None => (None, None),
        Some(band) => {
            let Some(to) = pack.band_index(band) else {
                return Err(Error::invalid(format!(
                    "'{band}' is not a band of {} version {}",
                    pack.id, pack.version
                )));
            };
            let from = pack.band_index(&computed).unwrap_or(0);
            match pack.judgement {
                Judgement::None => {
                    return Err(Error::invalid(format!(
                        "{} does not let judgement change the band; record the computed band '{computed}' and write your concerns in a note",
                        pack.id
                    )));
                }
                Judgement::Raise if to < from => {
                    return Err(Error::invalid(format!(
                        "{} lets judgement raise the band, not lower it ('{computed}' to '{band}')",
                        pack.id
                    )));
                }
                _ => {}
            }
            let Some(reason) = reason else {
                return Err(Error::invalid(format!(
                    "give the reason for changing the band from '{computed}' to '{band}'"
                )));
            };
            if reason.chars().count() > MAX_REASON {
                return Err(Error::invalid(format!(
                    "the reason is longer than {MAX_REASON} characters; keep the details in a note"
                )));
            }
            (Some(band.to_owned()), Some(reason.to_owned()))
        }
    };
    let answers = serde_json::to_string(&result.answers)
        .map_err(|e| Error::invalid(format!("cannot encode the answers: {e}")))?;
    let final_band = override_band.clone().unwrap_or_else(|| computed.clone());
    let text = |s: Option<String>| s.map_or(Value::Null, Value::Text);
    Ok(vec![
        ("instrument_id", Value::Text(pack.id.clone())),
        ("instrument_version", Value::Integer(pack.version.into())),
        ("assessed_on", Value::Text(f.assessed_on.to_string())),
        ("assessor", Value::Text(assessor.to_owned())),
        ("answers", Value::Text(answers)),
        ("score", Value::Integer(result.score)),
        ("band", Value::Text(computed)),
        ("override_band", text(override_band)),
        ("override_reason", text(override_reason)),
        ("final_band", Value::Text(final_band)),
    ])
}

impl Batch<'_> {
    fn assessment_pack(&self, f: &RiskAssessmentFields) -> Result<InstrumentPack> {
        let codes = self.ctx.codes;
        let pack = load_pack(&self.tx, codes, &f.instrument_id, f.instrument_version)?;
        keep_builtin(
            &self.tx,
            codes,
            &f.instrument_id,
            f.instrument_version,
            &self.ctx.user,
        )?;
        Ok(pack)
    }

    /// Records a risk assessment: scored here, with the pack version it names.
    pub fn record_risk_assessment(
        &mut self,
        case: CaseId,
        f: &RiskAssessmentFields,
    ) -> Result<RiskAssessmentId> {
        self.live_case(case)?;
        let pack = self.assessment_pack(f)?;
        let cols = assessment_cols(&pack, f, &self.ctx.user.clone())?;
        let id = RiskAssessmentId::new();
        self.append_event("risk_assessment", &id.to_string(), case, None, cols)?;
        Ok(id)
    }

    /// Corrects an assessment recorded in error: a new version that supersedes `old`.
    pub fn correct_risk_assessment(
        &mut self,
        old: RiskAssessmentId,
        f: &RiskAssessmentFields,
    ) -> Result<RiskAssessmentId> {
        let (id, _) = self.supersede(old, |b, _| {
            let pack = b.assessment_pack(f)?;
            assessment_cols(&pack, f, &b.ctx.user.clone())
        })?;
        Ok(id)
    }
}

fn row(r: &Row<'_>) -> rusqlite::Result<RiskAssessment> {
    let answers: String = r.get("answers")?;
    let day: String = r.get("assessed_on")?;
    Ok(RiskAssessment {
        id: r.get("id")?,
        case_id: r.get("case_id")?,
        supersedes: r.get("supersedes")?,
        instrument_id: r.get("instrument_id")?,
        instrument_version: r.get("instrument_version")?,
        assessed_on: day.parse().unwrap_or_default(),
        assessor: r.get("assessor")?,
        answers: serde_json::from_str(&answers).unwrap_or_default(),
        score: r.get("score")?,
        band: r.get("band")?,
        override_band: r.get("override_band")?,
        override_reason: r.get("override_reason")?,
        final_band: r.get("final_band")?,
        final_band_label: None,
        level: None,
        levels: None,
        meta: crate::cases::read::meta(r)?,
    })
}

const CURRENT: &str = "FROM risk_assessment a
     WHERE a.case_id = ?1 AND a.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM risk_assessment n WHERE n.supersedes = a.id)";

/// Fills in band names and positions from the packs (each read once).
fn label(
    conn: &Connection,
    codes: &crate::codes::CodeLists,
    packs: &mut HashMap<(String, u32), Option<InstrumentPack>>,
    a: &mut RiskAssessment,
) {
    let pack = packs
        .entry((a.instrument_id.clone(), a.instrument_version))
        .or_insert_with(|| load_pack(conn, codes, &a.instrument_id, a.instrument_version).ok());
    if let Some(pack) = pack
        && let Some(i) = pack.band_index(&a.final_band)
    {
        a.final_band_label = Some(pack.bands[i].label.clone());
        a.level = u32::try_from(i).ok();
        a.levels = u32::try_from(pack.bands.len()).ok();
    }
}

/// Position of a band on a 0..=1 scale, to compare bands of different instruments.
fn position(a: &RiskAssessment) -> Option<(u32, u32)> {
    let (level, levels) = (a.level?, a.levels?);
    Some((level, levels.saturating_sub(1).max(1)))
}

/// The trend between two assessments.
pub fn trend(before: &RiskAssessment, after: &RiskAssessment) -> Option<Trend> {
    let (l1, d1) = position(before)?;
    let (l2, d2) = position(after)?;
    let (x1, x2) = (u64::from(l1) * u64::from(d2), u64::from(l2) * u64::from(d1));
    Some(match x2.cmp(&x1) {
        std::cmp::Ordering::Greater => Trend::Up,
        std::cmp::Ordering::Less => Trend::Down,
        std::cmp::Ordering::Equal => Trend::Same,
    })
}

impl Store {
    /// The current risk assessments of a case, oldest first, with the trend; the view is
    /// recorded in the access log.
    pub fn risk_history(&self, case: CaseId) -> Result<RiskHistory> {
        crate::cases::read::case(&self.conn, case)?;
        let mut assessments = self
            .conn
            .prepare_cached(&format!(
                "SELECT a.* {CURRENT} ORDER BY a.assessed_on, a.created_at"
            ))?
            .query_map([case], row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut packs = HashMap::new();
        for a in &mut assessments {
            label(&self.conn, self.ctx.codes, &mut packs, a);
        }
        let trend = match assessments.as_slice() {
            [.., before, after] => trend(before, after),
            _ => None,
        };
        self.log_access(Action::ViewRisk, Some(case), None)?;
        Ok(RiskHistory { assessments, trend })
    }

    /// The band of the latest assessment, for the case header (band only: no answers).
    pub fn latest_risk(&self, case: CaseId) -> Result<Option<LatestRisk>> {
        let latest = self
            .conn
            .prepare_cached(&format!(
                "SELECT a.* {CURRENT} ORDER BY a.assessed_on DESC, a.created_at DESC LIMIT 1"
            ))?
            .query_row([case], row)
            .optional()?;
        Ok(latest.map(|mut a| {
            label(&self.conn, self.ctx.codes, &mut HashMap::new(), &mut a);
            LatestRisk {
                assessed_on: a.assessed_on,
                overridden: a.override_band.is_some(),
                instrument_id: a.instrument_id,
                instrument_version: a.instrument_version,
                final_band: a.final_band,
                final_band_label: a.final_band_label,
                level: a.level,
                levels: a.levels,
            }
        }))
    }

    /// Records a risk assessment in one transaction.
    pub fn record_risk_assessment(
        &mut self,
        case: CaseId,
        f: &RiskAssessmentFields,
    ) -> Result<RiskAssessmentId> {
        self.batch(|b| b.record_risk_assessment(case, f))
    }
}
