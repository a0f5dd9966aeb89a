//! Commands of the case record: work queues, search, the case and client, intake, the
//! records of a case and their corrections, closing and reopening. Each is one core call on
//! the unlocked store; commands marked `async` run off the main thread so that the window
//! stays responsive while they work.

use atrama::Language;
use atrama::cases::{Appointment, AppointmentFields};
use atrama::cases::{
    CaseDetail, CaseFields, CaseFilter, CaseSummary, ChildFields, ClientDetails, ClientFields,
    ClientIdentity, ClientRevision, ConsentFields, IncidentFields, Intake, NoteFields,
    PossibleDuplicate, ProtectionOrderFields, RecordHistory, RecordRef, ReferralFields, SearchHit,
    ServiceContactFields,
};
use atrama::ids::AppointmentId;
use atrama::ids::{
    CaseId, ChildId, ClientId, ConsentEventId, DocumentId, IncidentId, NoteId, ProtectionOrderId,
    ReferralId, ServiceContactId, StatusEventId,
};
use atrama::queues::{CalendarEntry, TodayCounts, TodayPage, TodayQueue, TodaySort, WorkQueues};
use atrama::staff::StaffMember;
use chrono::NaiveDate;

use crate::ipc::{CodeCatalogue, IpcError};
use crate::session::State;

/// The signed-in person's work queues on `today` (the UI's local date).
#[tauri::command(async)]
pub(crate) fn work_queues(state: State<'_>, today: NaiveDate) -> Result<WorkQueues, IpcError> {
    state.with_store(|s| s.work_queues(today))
}

/// Full-text search over names, pseudonyms, phones, case numbers and notes.
#[tauri::command(async)]
pub(crate) fn search(
    state: State<'_>,
    text: String,
    limit: Option<u32>,
) -> Result<Vec<SearchHit>, IpcError> {
    state.with_store(|s| s.search(&text, limit))
}

/// Cases matching a filter, newest first.
#[tauri::command(async)]
pub(crate) fn case_list(
    state: State<'_>,
    filter: CaseFilter,
) -> Result<Vec<CaseSummary>, IpcError> {
    state.with_store(|s| s.case_list(&filter))
}

/// A case with everything the signed-in person may see (the view is logged).
#[tauri::command(async)]
pub(crate) fn case_detail(state: State<'_>, case_id: CaseId) -> Result<CaseDetail, IpcError> {
    state.with_store(|s| s.case_detail(case_id))
}

/// A case laid out for print, as a summary or the client's own copy (the print is logged).
#[tauri::command(async)]
pub(crate) fn case_printout(
    state: State<'_>,
    case_id: CaseId,
    request: atrama::printout::PrintoutRequest,
) -> Result<atrama::printout::CasePrintout, IpcError> {
    state.with_store(|s| s.case_printout(case_id, &request))
}

/// A client's names, phone and address, on demand (the view is logged).
#[tauri::command(async)]
pub(crate) fn client_identity(
    state: State<'_>,
    client_id: ClientId,
) -> Result<ClientIdentity, IpcError> {
    state.with_store(|s| s.client_identity(client_id))
}

/// Everyone with an account, for team pickers.
#[tauri::command(async)]
pub(crate) fn staff(state: State<'_>) -> Result<Vec<StaffMember>, IpcError> {
    state.with_store(|s| s.staff())
}

/// Every code list's options with labels in `language`, for the centre's country.
#[tauri::command(async)]
pub(crate) fn code_lists(state: State<'_>, language: Language) -> Result<CodeCatalogue, IpcError> {
    let country = state.with_store(|s| s.profile())?.country;
    let codes = state.with_store(|s| Ok(s.codes()))?;
    Ok(CodeCatalogue {
        language,
        lists: codes
            .list_names()
            .map(|name| {
                (
                    name.to_owned(),
                    codes.options(name, language, Some(country)),
                )
            })
            .collect(),
    })
}

/// Records a whole intake in one transaction; returns the new case.
#[tauri::command(async)]
pub(crate) fn intake(state: State<'_>, intake: Intake) -> Result<CaseId, IpcError> {
    state.with_store(|s| s.intake(&intake))
}

/// Records an incident.
#[tauri::command(async)]
pub(crate) fn record_incident(
    state: State<'_>,
    case_id: CaseId,
    fields: IncidentFields,
) -> Result<IncidentId, IpcError> {
    state.with_store(|s| s.batch(|b| b.record_incident(case_id, &fields)))
}

/// Adds a child affected by the case.
#[tauri::command(async)]
pub(crate) fn add_child(
    state: State<'_>,
    case_id: CaseId,
    fields: ChildFields,
) -> Result<ChildId, IpcError> {
    state.with_store(|s| s.batch(|b| b.add_child(case_id, &fields)))
}

/// Logs a service contact.
#[tauri::command(async)]
pub(crate) fn log_service_contact(
    state: State<'_>,
    case_id: CaseId,
    fields: ServiceContactFields,
) -> Result<ServiceContactId, IpcError> {
    state.with_store(|s| s.batch(|b| b.log_service_contact(case_id, &fields)))
}

/// Records a referral to another agency.
#[tauri::command(async)]
pub(crate) fn record_referral(
    state: State<'_>,
    case_id: CaseId,
    fields: ReferralFields,
) -> Result<ReferralId, IpcError> {
    state.with_store(|s| s.batch(|b| b.record_referral(case_id, &fields)))
}

/// Records a protection order.
#[tauri::command(async)]
pub(crate) fn add_protection_order(
    state: State<'_>,
    case_id: CaseId,
    fields: ProtectionOrderFields,
) -> Result<ProtectionOrderId, IpcError> {
    state.with_store(|s| s.batch(|b| b.add_protection_order(case_id, &fields)))
}

/// Records a consent given or withdrawn.
#[tauri::command(async)]
pub(crate) fn record_consent(
    state: State<'_>,
    case_id: CaseId,
    fields: ConsentFields,
) -> Result<ConsentEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.record_consent(case_id, &fields)))
}

/// Adds a note.
#[tauri::command(async)]
pub(crate) fn add_note(
    state: State<'_>,
    case_id: CaseId,
    fields: NoteFields,
) -> Result<NoteId, IpcError> {
    state.with_store(|s| s.batch(|b| b.add_note(case_id, &fields)))
}

/// Attaches a document; its content goes into the encrypted database only.
#[tauri::command(async)]
pub(crate) fn attach_document(
    state: State<'_>,
    case_id: CaseId,
    file_name: String,
    media_type: String,
    content: Vec<u8>,
) -> Result<DocumentId, IpcError> {
    state.with_store(|s| s.batch(|b| b.attach_document(case_id, &file_name, &media_type, &content)))
}

/// A document's content as raw bytes, to show inside the app (the view is logged).
#[tauri::command(async)]
pub(crate) fn document_content(
    state: State<'_>,
    document_id: DocumentId,
) -> Result<tauri::ipc::Response, IpcError> {
    let (_media_type, content) = state.with_store(|s| s.document_content(document_id))?;
    Ok(tauri::ipc::Response::new(content))
}

/// A client's whole details (protected fields too) and version, to correct them (logged).
#[tauri::command(async)]
pub(crate) fn client_details(
    state: State<'_>,
    client_id: ClientId,
) -> Result<ClientDetails, IpcError> {
    state.with_store(|s| s.client_details(client_id))
}

/// Corrects a client's details from the version the person started from; keeps a revision.
#[tauri::command(async)]
pub(crate) fn correct_client(
    state: State<'_>,
    client_id: ClientId,
    fields: ClientFields,
    based_on: atrama::hlc::Hlc,
) -> Result<ClientDetails, IpcError> {
    state.with_store(|s| s.correct_client(client_id, &fields, based_on))
}

/// The corrections of a client's details, newest first (logged).
#[tauri::command(async)]
pub(crate) fn client_history(
    state: State<'_>,
    client_id: ClientId,
) -> Result<Vec<ClientRevision>, IpcError> {
    state.with_store(|s| s.client_history(client_id))
}

/// Clients already recorded who may be the one typed at intake.
#[tauri::command(async)]
pub(crate) fn possible_duplicates(
    state: State<'_>,
    client: ClientFields,
) -> Result<Vec<PossibleDuplicate>, IpcError> {
    state.with_store(|s| s.possible_duplicates(&client))
}

/// Changes a case's fields (referral source, lead worker, team, follow-up, …).
#[tauri::command(async)]
pub(crate) fn update_case(
    state: State<'_>,
    case_id: CaseId,
    fields: CaseFields,
) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.update_case(case_id, &fields)))
}

/// Corrects an incident: a new version superseding `old`.
#[tauri::command(async)]
pub(crate) fn correct_incident(
    state: State<'_>,
    old: IncidentId,
    fields: IncidentFields,
) -> Result<IncidentId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_incident(old, &fields)))
}

/// Corrects a service contact: a new version superseding `old`.
#[tauri::command(async)]
pub(crate) fn correct_service_contact(
    state: State<'_>,
    old: ServiceContactId,
    fields: ServiceContactFields,
) -> Result<ServiceContactId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_service_contact(old, &fields)))
}

/// Corrects a referral or records its new status: a new version superseding `old`.
#[tauri::command(async)]
pub(crate) fn correct_referral(
    state: State<'_>,
    old: ReferralId,
    fields: ReferralFields,
) -> Result<ReferralId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_referral(old, &fields)))
}

/// Corrects a consent recorded in error: a new version superseding `old`.
#[tauri::command(async)]
pub(crate) fn correct_consent(
    state: State<'_>,
    old: ConsentEventId,
    fields: ConsentFields,
) -> Result<ConsentEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_consent(old, &fields)))
}

/// Corrects a note: a new version superseding `old`.
#[tauri::command(async)]
pub(crate) fn correct_note(
    state: State<'_>,
    old: NoteId,
    fields: NoteFields,
) -> Result<NoteId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_note(old, &fields)))
}

/// Changes what is recorded about a child.
#[tauri::command(async)]
pub(crate) fn update_child(
    state: State<'_>,
    child_id: ChildId,
    fields: ChildFields,
) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.update_child(child_id, &fields)))
}

/// Changes a protection order (decision, dates, breaches).
#[tauri::command(async)]
pub(crate) fn update_protection_order(
    state: State<'_>,
    order_id: ProtectionOrderId,
    fields: ProtectionOrderFields,
) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.update_protection_order(order_id, &fields)))
}

/// The versions of an append-only record, newest first (the view is logged).
#[tauri::command(async)]
pub(crate) fn record_history(
    state: State<'_>,
    record: RecordRef,
) -> Result<RecordHistory, IpcError> {
    state.with_store(|s| s.record_history(record))
}

/// Closes a case with a `closure_reason` code.
#[tauri::command(async)]
pub(crate) fn close_case(
    state: State<'_>,
    case_id: CaseId,
    on: NaiveDate,
    reason: String,
) -> Result<StatusEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.close_case(case_id, on, &reason)))
}

/// Reopens a closed case.
#[tauri::command(async)]
pub(crate) fn reopen_case(
    state: State<'_>,
    case_id: CaseId,
    on: NaiveDate,
    reason: Option<String>,
) -> Result<StatusEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.reopen_case(case_id, on, reason.as_deref())))
}

/// True counts of the signed-in person's Today lists on `today` (the UI's local date).
#[tauri::command(async)]
pub(crate) fn today_counts(state: State<'_>, today: NaiveDate) -> Result<TodayCounts, IpcError> {
    state.with_store(|s| s.today_counts(today))
}

/// One page of a Today list, sorted.
#[allow(clippy::too_many_arguments)]
#[tauri::command(async)]
pub(crate) fn today_page(
    state: State<'_>,
    today: NaiveDate,
    queue: TodayQueue,
    sort: TodaySort,
    descending: bool,
    offset: u32,
    limit: u32,
) -> Result<TodayPage, IpcError> {
    state.with_store(|s| s.today_page(today, queue, sort, descending, offset, limit))
}

/// The signed-in person's calendar from `from` to `to` (both included).
#[tauri::command(async)]
pub(crate) fn calendar(
    state: State<'_>,
    today: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CalendarEntry>, IpcError> {
    state.with_store(|s| s.calendar(today, from, to))
}

/// The appointments of a case, soonest first.
#[tauri::command(async)]
pub(crate) fn appointments(
    state: State<'_>,
    case_id: CaseId,
) -> Result<Vec<Appointment>, IpcError> {
    state.with_store(|s| s.appointments(case_id))
}

/// Records an appointment in a case.
#[tauri::command(async)]
pub(crate) fn add_appointment(
    state: State<'_>,
    case_id: CaseId,
    fields: AppointmentFields,
) -> Result<AppointmentId, IpcError> {
    state.with_store(|s| s.batch(|b| b.add_appointment(case_id, &fields)))
}

/// Changes an appointment (a new version of it).
#[tauri::command(async)]
pub(crate) fn update_appointment(
    state: State<'_>,
    id: AppointmentId,
    fields: AppointmentFields,
) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.update_appointment(id, &fields)))
}

/// Cancels an appointment (a tombstone).
#[tauri::command(async)]
pub(crate) fn cancel_appointment(state: State<'_>, id: AppointmentId) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.delete(id)))
}

/// Records that a referral's status changed on `on` (a dated status event).
#[tauri::command(async)]
pub(crate) fn change_referral_status(
    state: State<'_>,
    old: ReferralId,
    status: String,
    on: NaiveDate,
) -> Result<ReferralId, IpcError> {
    state.with_store(|s| s.batch(|b| b.change_referral_status(old, &status, on)))
}
