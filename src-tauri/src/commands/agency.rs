//! Commands of multi-agency work: reference data (versions in force, the referral
//! directory), referral letters, case conferences. Each deserializes, calls one core
//! function, serializes.

use atrama::Language;
use atrama::cases::{
    ActionOutcomeFields, Conference, ConferenceActionFields, ConferenceFields, ReferralLetter,
    ReferralLetterSummary,
};
use atrama::ids::{
    CaseId, ConferenceActionId, ConferenceId, ConferenceOutcomeId, ReferralId, ReferralLetterId,
};
use atrama::sync::{DirectoryAgency, DirectoryImport, ReferenceStatus};

use crate::ipc::IpcError;
use crate::session::State;

/// The reference data in force here (code lists, instrument packs, referral directory),
/// with the latest items received.
#[tauri::command(async)]
pub(crate) fn reference_status(state: State<'_>) -> Result<ReferenceStatus, IpcError> {
    state.with_store(|s| s.reference_status())
}

/// The agencies of the referral directory, of one type when given.
#[tauri::command(async)]
pub(crate) fn directory(
    state: State<'_>,
    agency_type: Option<String>,
) -> Result<Vec<DirectoryAgency>, IpcError> {
    state.with_store(|s| s.directory(agency_type.as_deref()))
}

/// Replaces the referral directory from a CSV file (coordination centre).
#[tauri::command(async)]
pub(crate) fn import_directory(
    state: State<'_>,
    path: String,
) -> Result<DirectoryImport, IpcError> {
    let text = std::fs::read_to_string(&path)
        .map_err(|e| IpcError::invalid(&format!("cannot read {path}: {e}")))?;
    state.with_store(|s| s.import_directory_csv(&text))
}

/// Makes and records the letter for a referral.
#[tauri::command(async)]
pub(crate) fn create_referral_letter(
    state: State<'_>,
    referral_id: ReferralId,
    agency_id: Option<String>,
    language: Option<Language>,
) -> Result<ReferralLetter, IpcError> {
    state.with_store(|s| s.create_referral_letter(referral_id, agency_id.as_deref(), language))
}

/// The letters made in a case.
#[tauri::command(async)]
pub(crate) fn referral_letters(
    state: State<'_>,
    case_id: CaseId,
) -> Result<Vec<ReferralLetterSummary>, IpcError> {
    state.with_store(|s| s.referral_letters(case_id))
}

/// A letter made earlier, to print again.
#[tauri::command(async)]
pub(crate) fn referral_letter(
    state: State<'_>,
    letter_id: ReferralLetterId,
) -> Result<ReferralLetter, IpcError> {
    state.with_store(|s| s.referral_letter(letter_id))
}

/// The conferences of a case.
#[tauri::command(async)]
pub(crate) fn conferences(state: State<'_>, case_id: CaseId) -> Result<Vec<Conference>, IpcError> {
    state.with_store(|s| s.conferences(case_id))
}

/// Records a conference with its actions.
#[tauri::command(async)]
pub(crate) fn record_conference(
    state: State<'_>,
    case_id: CaseId,
    fields: ConferenceFields,
    actions: Vec<ConferenceActionFields>,
) -> Result<ConferenceId, IpcError> {
    state.with_store(|s| s.record_conference(case_id, &fields, &actions))
}

/// Records (or corrects) what became of an action.
#[tauri::command(async)]
pub(crate) fn record_action_outcome(
    state: State<'_>,
    action_id: ConferenceActionId,
    supersedes: Option<ConferenceOutcomeId>,
    fields: ActionOutcomeFields,
) -> Result<ConferenceOutcomeId, IpcError> {
    state.with_store(|s| s.record_action_outcome(action_id, supersedes, &fields))
}
