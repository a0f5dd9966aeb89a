//! Commands of risk assessment and safety plans: instruments (packs), live scoring,
//! assessments with their trend, the safety plan's versions, review date and printing.

use atrama::ids::CaseId;
use atrama::ids::{RiskAssessmentId, SafetyPlanId};
use atrama::risk::{
    Answers, InstrumentPack, LatestRisk, RiskAssessmentFields, RiskHistory, SafetyPlanFields,
    SafetyPlanHistory, ScoreResult,
};
use atrama::risk::{InstrumentImport, InstrumentInfo};
use chrono::NaiveDate;

use crate::ipc::IpcError;
use crate::session::State;

/// The risk-assessment instruments available here.
#[tauri::command(async)]
pub(crate) fn instruments(state: State<'_>) -> Result<Vec<InstrumentInfo>, IpcError> {
    state.with_store(|s| s.instruments())
}

/// One instrument pack (id, version) with its items and bands.
#[tauri::command(async)]
pub(crate) fn instrument(
    state: State<'_>,
    id: String,
    version: u32,
) -> Result<InstrumentPack, IpcError> {
    state.with_store(|s| s.instrument(&id, version))
}

/// Loads an instrument pack (administrators only; the pack is checked first).
#[tauri::command(async)]
pub(crate) fn import_instrument(
    state: State<'_>,
    text: String,
) -> Result<InstrumentImport, IpcError> {
    state.with_store(|s| s.import_instrument(&text))
}

/// The live score and band of answers under an instrument; writes nothing.
#[tauri::command(async)]
pub(crate) fn score_answers(
    state: State<'_>,
    id: String,
    version: u32,
    answers: Answers,
) -> Result<ScoreResult, IpcError> {
    state.with_store(|s| s.score_answers(&id, version, &answers))
}

/// Records a risk assessment (scored by the core).
#[tauri::command(async)]
pub(crate) fn record_risk_assessment(
    state: State<'_>,
    case_id: CaseId,
    fields: RiskAssessmentFields,
) -> Result<RiskAssessmentId, IpcError> {
    state.with_store(|s| s.record_risk_assessment(case_id, &fields))
}

/// A case's risk assessments with the trend (the view is logged).
#[tauri::command(async)]
pub(crate) fn risk_history(state: State<'_>, case_id: CaseId) -> Result<RiskHistory, IpcError> {
    state.with_store(|s| s.risk_history(case_id))
}

/// The band of a case's latest assessment, for the case header.
#[tauri::command(async)]
pub(crate) fn latest_risk(
    state: State<'_>,
    case_id: CaseId,
) -> Result<Option<LatestRisk>, IpcError> {
    state.with_store(|s| s.latest_risk(case_id))
}

/// A case's safety plan with its versions (the view is logged).
#[tauri::command(async)]
pub(crate) fn safety_plan(
    state: State<'_>,
    case_id: CaseId,
) -> Result<SafetyPlanHistory, IpcError> {
    state.with_store(|s| s.safety_plan(case_id))
}

/// Saves a new version of a safety plan, from the version `base` the writer started with.
#[tauri::command(async)]
pub(crate) fn save_safety_plan(
    state: State<'_>,
    case_id: CaseId,
    base: Option<SafetyPlanId>,
    fields: SafetyPlanFields,
) -> Result<SafetyPlanId, IpcError> {
    state.with_store(|s| s.save_safety_plan(case_id, base, &fields))
}

/// Sets the safety plan's review date.
#[tauri::command(async)]
pub(crate) fn set_safety_plan_review(
    state: State<'_>,
    case_id: CaseId,
    on: NaiveDate,
) -> Result<SafetyPlanId, IpcError> {
    state.with_store(|s| s.set_safety_plan_review(case_id, on))
}

/// Records that a safety plan is being printed, with the sections the client chose.
#[tauri::command(async)]
pub(crate) fn log_safety_plan_print(
    state: State<'_>,
    case_id: CaseId,
    plan_id: SafetyPlanId,
    sections: Vec<String>,
) -> Result<(), IpcError> {
    state.with_store(|s| s.log_safety_plan_print(case_id, plan_id, &sections))
}
