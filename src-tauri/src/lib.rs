//! The Atrama desktop shell: Tauri commands that deserialize, call the `atrama` core, and
//! serialize. No domain logic lives here.
//!
//! The session state machine: `Setup` (no store yet) → `PendingSetup` (recovery key shown,
//! waiting for the person to type part of it back) → `Unlocked`; `Locked` ↔ `Unlocked`.
//! Locking drops the [`atrama::Store`], which closes the database, wipes the key and
//! releases the store lock (so the CLI may then use the store).
//!
//! Desktop integration: a second launch focuses the running window
//! (`tauri-plugin-single-instance`); the window's size and position are remembered
//! (`tauri-plugin-window-state`, in the app's config folder, nothing else); on first run the
//! Setup screen may point the app at an existing store folder instead of creating one; the
//! discreet-mode window icon is chosen in Settings.

mod agency;
mod analysis;
mod ipc;
#[cfg(target_os = "linux")]
mod sheets;
mod sleep;

use std::path::PathBuf;
use std::sync::Mutex;

use atrama::admin::{
    BackupCheck, BackupReport, BackupStatus, Permission, PurgePreview, PurgeReport,
    RetentionPolicy, RotationReport,
};
use atrama::audit::AccessEntry;
use atrama::cases::{
    CaseDetail, CaseFields, CaseFilter, CaseSummary, ChildFields, ClientDetails, ClientFields,
    ClientIdentity, ClientRevision, ConsentFields, IncidentFields, Intake, NoteFields,
    PossibleDuplicate, ProtectionOrderFields, RecordHistory, RecordRef, ReferralFields, SearchHit,
    ServiceContactFields, WorkQueues,
};
use atrama::drafts::{Draft, DraftKey};
use atrama::ids::{
    CaseId, ChildId, ClientId, ConsentEventId, DocumentId, IncidentId, NoteId, ProtectionOrderId,
    ReferralId, ServiceContactId, StatusEventId,
};
use atrama::ids::{RiskAssessmentId, SafetyPlanId};
use atrama::risk::{
    Answers, InstrumentPack, LatestRisk, RiskAssessmentFields, RiskHistory, SafetyPlanFields,
    SafetyPlanHistory, ScoreResult,
};
use atrama::risk::{InstrumentImport, InstrumentInfo};
use atrama::staff::StaffMember;
use atrama::stats::measures::{MeasureInfo, TrendQuery, TrendReport};
use atrama::stats::output::ReportFormat;
use atrama::stats::quality::QualityReport;
use atrama::stats::targets::{TargetInput, TargetProgress};
use atrama::stats::{StatsQuery, StatsReport};
use atrama::sync::{
    CentreEntry, CentreUpdate, EnrolmentInfo, ExportPreview, ExportReport, Fingerprint,
    ImportEvent, ImportFileResult, ImportLogEntry, InboxReport, Peer, PeerSync, SyncBoard,
};
use atrama::{KdfParams, Language, NewCentre, Passphrase, RecoveryKey, Role, Store};
use chrono::NaiveDate;
use ipc::{AppPhase, CodeCatalogue, FileKind, GroupAnswer, IpcError, RecoveryKeyShown, SavedFile};
use tauri_plugin_dialog::DialogExt as _;

/// The groups of the recovery key a person types back at setup (1-based).
const CHECK_GROUPS: [usize; 2] = [3, 6];

/// A setup whose recovery key has been shown but not yet confirmed; nothing is on disk yet.
struct PendingSetup {
    centre: NewCentre,
    passphrase: Passphrase,
    recovery: RecoveryKey,
}

enum Session {
    Locked,
    PendingSetup(PendingSetup),
    Unlocked(Store),
}

struct AppState {
    /// The store folder: `atrama::store::default_dir()` at start, or the existing folder
    /// chosen on the Setup screen.
    dir: Mutex<PathBuf>,
    session: Mutex<Session>,
}

impl AppState {
    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the state as it was; keep serving.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn dir(&self) -> PathBuf {
        self.dir.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs `call` on the unlocked store, or answers `locked`.
    fn with_store<T>(
        &self,
        call: impl FnOnce(&mut Store) -> atrama::Result<T>,
    ) -> Result<T, IpcError> {
        match &mut *self.session() {
            Session::Unlocked(store) => Ok(call(store)?),
            _ => Err(IpcError::locked()),
        }
    }

    fn phase(&self, session: &Session) -> Result<AppPhase, IpcError> {
        Ok(match session {
            Session::Unlocked(store) => AppPhase::Unlocked {
                centre: store.profile()?,
                user: store.user().to_owned(),
            },
            Session::PendingSetup(_) => AppPhase::Setup,
            Session::Locked if Store::exists(&self.dir()) => AppPhase::Locked,
            Session::Locked => AppPhase::Setup,
        })
    }
}

type State<'a> = tauri::State<'a, AppState>;

/// Where the app is: setup, locked or unlocked (with the centre profile).
#[tauri::command]
fn app_phase(state: State<'_>) -> Result<AppPhase, IpcError> {
    let session = state.session();
    state.phase(&session)
}

/// Checks the setup form and shows a new recovery key; writes nothing yet.
#[tauri::command]
fn begin_setup(
    state: State<'_>,
    centre: NewCentre,
    passphrase: String,
) -> Result<RecoveryKeyShown, IpcError> {
    let passphrase = Passphrase::new(passphrase);
    let mut session = state.session();
    let dir = state.dir();
    if Store::exists(&dir) || matches!(*session, Session::Unlocked(_)) {
        return Err(IpcError::from(atrama::Error::StoreExists { path: dir }));
    }
    let centre = centre.normalised()?;
    passphrase.check_new()?;
    let recovery = RecoveryKey::generate()?;
    let shown = RecoveryKeyShown {
        recovery_key: recovery.to_display().to_string(),
        check_groups: CHECK_GROUPS.iter().map(|&g| g as u8).collect(),
    };
    *session = Session::PendingSetup(PendingSetup {
        centre,
        passphrase,
        recovery,
    });
    Ok(shown)
}

/// Checks the typed-back groups of the recovery key, then creates the store and unlocks it.
#[tauri::command]
fn finish_setup(state: State<'_>, answers: Vec<GroupAnswer>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    let Session::PendingSetup(pending) = &*session else {
        return Err(IpcError::invalid(
            "setup has not started; fill in the setup form first",
        ));
    };
    let answers: Vec<(usize, String)> = answers
        .into_iter()
        .map(|a| (usize::from(a.group), a.text))
        .collect();
    pending.recovery.confirm_groups(&answers)?;
    let store = Store::create_with_recovery(
        &state.dir(),
        &pending.centre,
        &pending.passphrase,
        &pending.recovery,
        KdfParams::DEFAULT,
    )?;
    *session = Session::Unlocked(store);
    state.phase(&session)
}

/// Abandons a setup whose recovery key was shown; the key is forgotten.
#[tauri::command]
fn cancel_setup(state: State<'_>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    if matches!(*session, Session::PendingSetup(_)) {
        *session = Session::Locked;
    }
    state.phase(&session)
}

/// First run: uses an existing store folder (e.g. one restored from a backup) instead of
/// creating a store. The folder must hold an Atrama store; it is remembered for the app and
/// the CLI (`store-location.json` in the app's config folder). Only while no store is set up.
#[tauri::command]
fn use_existing_store(state: State<'_>, path: String) -> Result<AppPhase, IpcError> {
    let folder = PathBuf::from(path.trim());
    if !folder.is_absolute() {
        return Err(IpcError::invalid(
            "type the store folder's full path (e.g. /home/…) or choose it with the button",
        ));
    }
    let session = state.session();
    if !matches!(*session, Session::Locked) || Store::exists(&state.dir()) {
        return Err(IpcError::invalid(
            "a store is already set up on this computer; an existing folder can be chosen only at first run",
        ));
    }
    let file = atrama::store::location::config_file().ok_or_else(|| {
        IpcError::invalid("this system has no configuration folder for applications")
    })?;
    let chosen = atrama::store::location::remember(&file, &folder)?;
    *state.dir.lock().unwrap_or_else(|p| p.into_inner()) = chosen;
    state.phase(&session)
}

/// Unlocks the store with a person's passphrase.
#[tauri::command]
fn unlock(state: State<'_>, user: String, passphrase: String) -> Result<AppPhase, IpcError> {
    let passphrase = Passphrase::new(passphrase);
    let store = Store::unlock(&state.dir(), &user, &passphrase)?;
    let mut session = state.session();
    *session = Session::Unlocked(store);
    state.phase(&session)
}

/// Quick hide: takes the window off the screen (minimised) at once; the UI has already
/// blanked it and locks the store next.
#[tauri::command]
fn hide_window(window: tauri::WebviewWindow) -> Result<(), IpcError> {
    window
        .minimize()
        .map_err(|e| IpcError::internal(format!("could not minimise the window: {e}")))
}

/// The longest window title the discreet-name setting accepts.
const MAX_TITLE_CHARS: usize = 60;

/// Sets the window title (the discreet-name setting; "Atrama" when empty). The title never
/// carries case content: it is a setting of this computer, chosen in Settings.
#[tauri::command]
fn set_window_title(window: tauri::WebviewWindow, title: String) -> Result<String, IpcError> {
    let title = window_title(&title)?;
    window
        .set_title(&title)
        .map_err(|e| IpcError::internal(format!("could not set the window title: {e}")))?;
    Ok(title)
}

/// The title to show for a discreet-name setting.
fn window_title(setting: &str) -> Result<String, IpcError> {
    let title = setting.trim();
    if title.is_empty() {
        return Ok("Atrama".to_owned());
    }
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(IpcError::invalid(&format!(
            "a window title has at most {MAX_TITLE_CHARS} characters and no line breaks; choose a shorter name"
        )));
    }
    Ok(title.to_owned())
}

/// The neutral icon of discreet mode (a plain sheet of paper).
const NEUTRAL_ICON: &[u8] = include_bytes!("../../assets/icons/neutral.png");
/// Atrama's own icon.
const APP_ICON: &[u8] = include_bytes!("../icons/128x128.png");

/// Sets the window icon: the neutral one (discreet mode) or Atrama's. What the task bar and
/// window switcher show for the running window; the installed menu entry keeps its icon.
#[tauri::command]
fn set_window_icon(window: tauri::WebviewWindow, neutral: bool) -> Result<(), IpcError> {
    let bytes = if neutral { NEUTRAL_ICON } else { APP_ICON };
    let icon = tauri::image::Image::from_bytes(bytes)
        .map_err(|e| IpcError::internal(format!("could not read the window icon: {e}")))?;
    window
        .set_icon(icon)
        .map_err(|e| IpcError::internal(format!("could not set the window icon: {e}")))
}

/// Locks: drops the store and its key from memory.
#[tauri::command]
fn lock(state: State<'_>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    *session = Session::Locked;
    state.phase(&session)
}

// The case record. Each command is one core call on the unlocked store; commands marked
// `async` run off the main thread so that the window stays responsive while they work.

/// The signed-in person's work queues on `today` (the UI's local date).
#[tauri::command(async)]
fn work_queues(state: State<'_>, today: NaiveDate) -> Result<WorkQueues, IpcError> {
    state.with_store(|s| s.work_queues(today))
}

/// Full-text search over names, pseudonyms, phones, case numbers and notes.
#[tauri::command(async)]
fn search(state: State<'_>, text: String, limit: Option<u32>) -> Result<Vec<SearchHit>, IpcError> {
    state.with_store(|s| s.search(&text, limit))
}

/// Cases matching a filter, newest first.
#[tauri::command(async)]
fn case_list(state: State<'_>, filter: CaseFilter) -> Result<Vec<CaseSummary>, IpcError> {
    state.with_store(|s| s.case_list(&filter))
}

/// A case with everything the signed-in person may see (the view is logged).
#[tauri::command(async)]
fn case_detail(state: State<'_>, case_id: CaseId) -> Result<CaseDetail, IpcError> {
    state.with_store(|s| s.case_detail(case_id))
}

/// A client's names, phone and address, on demand (the view is logged).
#[tauri::command(async)]
fn client_identity(state: State<'_>, client_id: ClientId) -> Result<ClientIdentity, IpcError> {
    state.with_store(|s| s.client_identity(client_id))
}

/// Everyone with an account, for team pickers.
#[tauri::command(async)]
fn staff(state: State<'_>) -> Result<Vec<StaffMember>, IpcError> {
    state.with_store(|s| s.staff())
}

// ---- administration ----------------------------------------------------------------------
// Every one of these is checked again in the core (`Store::require`); the UI only hides what
// the person may not do.

/// What the signed-in person may do.
#[tauri::command]
fn permissions(state: State<'_>) -> Result<Vec<Permission>, IpcError> {
    state.with_store(|s| s.permissions())
}

/// Adds a person with the passphrase the administrator typed for them.
#[tauri::command]
fn add_staff(
    state: State<'_>,
    user: String,
    role: Role,
    disciplines: Vec<String>,
    passphrase: String,
) -> Result<(), IpcError> {
    let passphrase = Passphrase::new(passphrase);
    state.with_store(|s| s.add_staff(&user, role, &disciplines, &passphrase, KdfParams::DEFAULT))
}

/// Disables an account (its key slot is removed).
#[tauri::command]
fn disable_staff(state: State<'_>, user: String) -> Result<(), IpcError> {
    state.with_store(|s| s.disable_staff(&user))
}

/// Re-enables an account with a new passphrase.
#[tauri::command]
fn enable_staff(state: State<'_>, user: String, passphrase: String) -> Result<(), IpcError> {
    let passphrase = Passphrase::new(passphrase);
    state.with_store(|s| s.enable_staff(&user, &passphrase, KdfParams::DEFAULT))
}

/// Re-encrypts the store under a new key; progress goes out as `rotation-progress` events.
/// Async, so that it runs off the main thread and the window keeps drawing the progress.
#[tauri::command]
async fn rotate_key(app: tauri::AppHandle, state: State<'_>) -> Result<RotationReport, IpcError> {
    use tauri::Emitter as _;
    state.with_store(|s| {
        s.rotate_key(|p| {
            let _ = app.emit("rotation-progress", p);
        })
    })
}

/// The newest entries of the whole access log.
#[tauri::command]
fn access_log(state: State<'_>, limit: u32) -> Result<Vec<AccessEntry>, IpcError> {
    state.with_store(|s| s.access_log(limit))
}

/// The access log of one case.
#[tauri::command]
fn access_log_for_case(state: State<'_>, case_id: CaseId) -> Result<Vec<AccessEntry>, IpcError> {
    state.with_store(|s| s.access_log_for_case(case_id))
}

/// Checks the access log's chain; the number of entries.
#[tauri::command]
fn verify_access_log(state: State<'_>) -> Result<u64, IpcError> {
    state.with_store(|s| s.verify_access_log())
}

/// Writes a backup into `folder` under a dated name.
#[tauri::command]
async fn create_backup(state: State<'_>, folder: String) -> Result<BackupReport, IpcError> {
    let name = format!(
        "atrama-backup-{}.atrbak",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    );
    let path = PathBuf::from(folder).join(name);
    state.with_store(|s| s.create_backup(&path))
}

/// Checks a backup file with the store's key.
#[tauri::command]
async fn verify_backup(state: State<'_>, path: String) -> Result<BackupCheck, IpcError> {
    state.with_store(|s| s.verify_backup(std::path::Path::new(&path)))
}

/// Last backups and whether a reminder is due.
#[tauri::command]
fn backup_status(state: State<'_>) -> Result<BackupStatus, IpcError> {
    state.with_store(|s| s.backup_status())
}

/// Sets the backup reminder in days.
#[tauri::command]
fn set_backup_reminder(state: State<'_>, days: u32) -> Result<BackupStatus, IpcError> {
    state.with_store(|s| {
        s.set_backup_reminder(days)?;
        s.backup_status()
    })
}

/// The retention policy.
#[tauri::command]
fn retention_policy(state: State<'_>) -> Result<RetentionPolicy, IpcError> {
    state.with_store(|s| s.retention_policy())
}

/// Sets the retention policy.
#[tauri::command]
fn set_retention_policy(state: State<'_>, policy: RetentionPolicy) -> Result<(), IpcError> {
    state.with_store(|s| s.set_retention_policy(policy))
}

/// What a purge today would remove.
#[tauri::command]
fn retention_preview(state: State<'_>, today: NaiveDate) -> Result<PurgePreview, IpcError> {
    state.with_store(|s| s.retention_preview(today))
}

/// Purges what the preview showed.
#[tauri::command]
async fn purge(state: State<'_>, today: NaiveDate) -> Result<PurgeReport, IpcError> {
    state.with_store(|s| s.purge(today))
}

/// Every code list's options with labels in `language`, for the centre's country.
#[tauri::command(async)]
fn code_lists(state: State<'_>, language: Language) -> Result<CodeCatalogue, IpcError> {
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
fn intake(state: State<'_>, intake: Intake) -> Result<CaseId, IpcError> {
    state.with_store(|s| s.intake(&intake))
}

/// Records an incident.
#[tauri::command(async)]
fn record_incident(
    state: State<'_>,
    case_id: CaseId,
    fields: IncidentFields,
) -> Result<IncidentId, IpcError> {
    state.with_store(|s| s.batch(|b| b.record_incident(case_id, &fields)))
}

/// Adds a child affected by the case.
#[tauri::command(async)]
fn add_child(state: State<'_>, case_id: CaseId, fields: ChildFields) -> Result<ChildId, IpcError> {
    state.with_store(|s| s.batch(|b| b.add_child(case_id, &fields)))
}

/// Logs a service contact.
#[tauri::command(async)]
fn log_service_contact(
    state: State<'_>,
    case_id: CaseId,
    fields: ServiceContactFields,
) -> Result<ServiceContactId, IpcError> {
    state.with_store(|s| s.batch(|b| b.log_service_contact(case_id, &fields)))
}

/// Records a referral to another agency.
#[tauri::command(async)]
fn record_referral(
    state: State<'_>,
    case_id: CaseId,
    fields: ReferralFields,
) -> Result<ReferralId, IpcError> {
    state.with_store(|s| s.batch(|b| b.record_referral(case_id, &fields)))
}

/// Records a protection order.
#[tauri::command(async)]
fn add_protection_order(
    state: State<'_>,
    case_id: CaseId,
    fields: ProtectionOrderFields,
) -> Result<ProtectionOrderId, IpcError> {
    state.with_store(|s| s.batch(|b| b.add_protection_order(case_id, &fields)))
}

/// Records a consent given or withdrawn.
#[tauri::command(async)]
fn record_consent(
    state: State<'_>,
    case_id: CaseId,
    fields: ConsentFields,
) -> Result<ConsentEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.record_consent(case_id, &fields)))
}

/// Adds a note.
#[tauri::command(async)]
fn add_note(state: State<'_>, case_id: CaseId, fields: NoteFields) -> Result<NoteId, IpcError> {
    state.with_store(|s| s.batch(|b| b.add_note(case_id, &fields)))
}

/// Attaches a document; its content goes into the encrypted database only.
#[tauri::command(async)]
fn attach_document(
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
fn document_content(
    state: State<'_>,
    document_id: DocumentId,
) -> Result<tauri::ipc::Response, IpcError> {
    let (_media_type, content) = state.with_store(|s| s.document_content(document_id))?;
    Ok(tauri::ipc::Response::new(content))
}

/// A client's whole details (protected fields too) and version, to correct them (logged).
#[tauri::command(async)]
fn client_details(state: State<'_>, client_id: ClientId) -> Result<ClientDetails, IpcError> {
    state.with_store(|s| s.client_details(client_id))
}

/// Corrects a client's details from the version the person started from; keeps a revision.
#[tauri::command(async)]
fn correct_client(
    state: State<'_>,
    client_id: ClientId,
    fields: ClientFields,
    based_on: atrama::hlc::Hlc,
) -> Result<ClientDetails, IpcError> {
    state.with_store(|s| s.correct_client(client_id, &fields, based_on))
}

/// The corrections of a client's details, newest first (logged).
#[tauri::command(async)]
fn client_history(state: State<'_>, client_id: ClientId) -> Result<Vec<ClientRevision>, IpcError> {
    state.with_store(|s| s.client_history(client_id))
}

/// Clients already recorded who may be the one typed at intake.
#[tauri::command(async)]
fn possible_duplicates(
    state: State<'_>,
    client: ClientFields,
) -> Result<Vec<PossibleDuplicate>, IpcError> {
    state.with_store(|s| s.possible_duplicates(&client))
}

/// Changes a case's fields (referral source, lead worker, team, follow-up, …).
#[tauri::command(async)]
fn update_case(state: State<'_>, case_id: CaseId, fields: CaseFields) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.update_case(case_id, &fields)))
}

/// Corrects an incident: a new version superseding `old`.
#[tauri::command(async)]
fn correct_incident(
    state: State<'_>,
    old: IncidentId,
    fields: IncidentFields,
) -> Result<IncidentId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_incident(old, &fields)))
}

/// Corrects a service contact: a new version superseding `old`.
#[tauri::command(async)]
fn correct_service_contact(
    state: State<'_>,
    old: ServiceContactId,
    fields: ServiceContactFields,
) -> Result<ServiceContactId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_service_contact(old, &fields)))
}

/// Corrects a referral or records its new status: a new version superseding `old`.
#[tauri::command(async)]
fn correct_referral(
    state: State<'_>,
    old: ReferralId,
    fields: ReferralFields,
) -> Result<ReferralId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_referral(old, &fields)))
}

/// Corrects a consent recorded in error: a new version superseding `old`.
#[tauri::command(async)]
fn correct_consent(
    state: State<'_>,
    old: ConsentEventId,
    fields: ConsentFields,
) -> Result<ConsentEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_consent(old, &fields)))
}

/// Corrects a note: a new version superseding `old`.
#[tauri::command(async)]
fn correct_note(state: State<'_>, old: NoteId, fields: NoteFields) -> Result<NoteId, IpcError> {
    state.with_store(|s| s.batch(|b| b.correct_note(old, &fields)))
}

/// Changes what is recorded about a child.
#[tauri::command(async)]
fn update_child(state: State<'_>, child_id: ChildId, fields: ChildFields) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.update_child(child_id, &fields)))
}

/// Changes a protection order (decision, dates, breaches).
#[tauri::command(async)]
fn update_protection_order(
    state: State<'_>,
    order_id: ProtectionOrderId,
    fields: ProtectionOrderFields,
) -> Result<(), IpcError> {
    state.with_store(|s| s.batch(|b| b.update_protection_order(order_id, &fields)))
}

/// The versions of an append-only record, newest first (the view is logged).
#[tauri::command(async)]
fn record_history(state: State<'_>, record: RecordRef) -> Result<RecordHistory, IpcError> {
    state.with_store(|s| s.record_history(record))
}

/// Closes a case with a `closure_reason` code.
#[tauri::command(async)]
fn close_case(
    state: State<'_>,
    case_id: CaseId,
    on: NaiveDate,
    reason: String,
) -> Result<StatusEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.close_case(case_id, on, &reason)))
}

/// Reopens a closed case.
#[tauri::command(async)]
fn reopen_case(
    state: State<'_>,
    case_id: CaseId,
    on: NaiveDate,
    reason: Option<String>,
) -> Result<StatusEventId, IpcError> {
    state.with_store(|s| s.batch(|b| b.reopen_case(case_id, on, reason.as_deref())))
}

/// Saves a draft (a new one when `id` is null); returns its id.
#[tauri::command(async)]
fn save_draft(
    state: State<'_>,
    id: Option<String>,
    kind: String,
    title: String,
    body: String,
) -> Result<String, IpcError> {
    state.with_store(|s| s.save_draft(id.as_deref(), &kind, &title, &body))
}

/// The signed-in person's drafts, newest first.
#[tauri::command(async)]
fn drafts(state: State<'_>) -> Result<Vec<Draft>, IpcError> {
    state.with_store(|s| s.drafts())
}

/// One of the signed-in person's drafts.
#[tauri::command(async)]
fn draft(state: State<'_>, id: String) -> Result<Draft, IpcError> {
    state.with_store(|s| s.draft(&id))
}

/// Deletes a draft.
#[tauri::command(async)]
fn delete_draft(state: State<'_>, id: String) -> Result<(), IpcError> {
    state.with_store(|s| s.delete_draft(&id))
}

/// Keeps the signed-in person's draft of one form (replacing the one kept before).
#[tauri::command(async)]
fn save_form_draft(
    state: State<'_>,
    key: DraftKey,
    title: String,
    body: String,
) -> Result<Draft, IpcError> {
    state.with_store(|s| s.save_form_draft(&key, &title, &body))
}

/// The signed-in person's draft of one form, if one is kept.
#[tauri::command(async)]
fn form_draft(state: State<'_>, key: DraftKey) -> Result<Option<Draft>, IpcError> {
    state.with_store(|s| s.form_draft(&key))
}

/// Removes the signed-in person's draft of one form (saved, or its input thrown away).
#[tauri::command(async)]
fn discard_form_draft(state: State<'_>, key: DraftKey) -> Result<(), IpcError> {
    state.with_store(|s| s.discard_form_draft(&key))
}

// ---- risk assessment and safety plans ---------------------------------------------------

/// The risk-assessment instruments available here.
#[tauri::command(async)]
fn instruments(state: State<'_>) -> Result<Vec<InstrumentInfo>, IpcError> {
    state.with_store(|s| s.instruments())
}

/// One instrument pack (id, version) with its items and bands.
#[tauri::command(async)]
fn instrument(state: State<'_>, id: String, version: u32) -> Result<InstrumentPack, IpcError> {
    state.with_store(|s| s.instrument(&id, version))
}

/// Loads an instrument pack (administrators only; the pack is checked first).
#[tauri::command(async)]
fn import_instrument(state: State<'_>, text: String) -> Result<InstrumentImport, IpcError> {
    state.with_store(|s| s.import_instrument(&text))
}

/// The live score and band of answers under an instrument; writes nothing.
#[tauri::command(async)]
fn score_answers(
    state: State<'_>,
    id: String,
    version: u32,
    answers: Answers,
) -> Result<ScoreResult, IpcError> {
    state.with_store(|s| s.score_answers(&id, version, &answers))
}

/// Records a risk assessment (scored by the core).
#[tauri::command(async)]
fn record_risk_assessment(
    state: State<'_>,
    case_id: CaseId,
    fields: RiskAssessmentFields,
) -> Result<RiskAssessmentId, IpcError> {
    state.with_store(|s| s.record_risk_assessment(case_id, &fields))
}

/// A case's risk assessments with the trend (the view is logged).
#[tauri::command(async)]
fn risk_history(state: State<'_>, case_id: CaseId) -> Result<RiskHistory, IpcError> {
    state.with_store(|s| s.risk_history(case_id))
}

/// The band of a case's latest assessment, for the case header.
#[tauri::command(async)]
fn latest_risk(state: State<'_>, case_id: CaseId) -> Result<Option<LatestRisk>, IpcError> {
    state.with_store(|s| s.latest_risk(case_id))
}

/// A case's safety plan with its versions (the view is logged).
#[tauri::command(async)]
fn safety_plan(state: State<'_>, case_id: CaseId) -> Result<SafetyPlanHistory, IpcError> {
    state.with_store(|s| s.safety_plan(case_id))
}

/// Saves a new version of a safety plan, from the version `base` the writer started with.
#[tauri::command(async)]
fn save_safety_plan(
    state: State<'_>,
    case_id: CaseId,
    base: Option<SafetyPlanId>,
    fields: SafetyPlanFields,
) -> Result<SafetyPlanId, IpcError> {
    state.with_store(|s| s.save_safety_plan(case_id, base, &fields))
}

/// Sets the safety plan's review date.
#[tauri::command(async)]
fn set_safety_plan_review(
    state: State<'_>,
    case_id: CaseId,
    on: NaiveDate,
) -> Result<SafetyPlanId, IpcError> {
    state.with_store(|s| s.set_safety_plan_review(case_id, on))
}

/// Records that a safety plan is being printed, with the sections the client chose.
#[tauri::command(async)]
fn log_safety_plan_print(
    state: State<'_>,
    case_id: CaseId,
    plan_id: SafetyPlanId,
    sections: Vec<String>,
) -> Result<(), IpcError> {
    state.with_store(|s| s.log_safety_plan_print(case_id, plan_id, &sections))
}

// Sync with the coordination centre (or, in a coordination centre, with its centres). Files
// are named by full paths: the screens offer a native dialog that fills in a path field the
// person may also type into, so every step can be done (and tested) without the dialog.

/// A path typed or chosen in the app: it must be a full path.
pub(crate) fn file_path(text: &str) -> Result<PathBuf, IpcError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(IpcError::invalid(
            "no file chosen; choose one with the button or type its full path",
        ));
    }
    let path = PathBuf::from(text);
    if !path.is_absolute() {
        return Err(IpcError::invalid(&format!(
            "'{text}' is not a full path; choose the file with the button or type the path from the start, e.g. /home/…"
        )));
    }
    Ok(path)
}

/// This store's fingerprint, to read to the other side over the phone.
#[tauri::command(async)]
fn sync_identity(state: State<'_>) -> Result<Fingerprint, IpcError> {
    state.with_store(|s| s.fingerprint())
}

/// Writes this store's enrolment file (public keys only) to `path`.
#[tauri::command(async)]
fn save_enrolment_file(state: State<'_>, path: String) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    let size = state.with_store(|s| s.write_enrolment_file(&path))?;
    Ok(SavedFile {
        path: path.display().to_string(),
        size,
    })
}

/// Reads another side's enrolment file and checks its signature; pins nothing.
#[tauri::command(async)]
fn inspect_enrolment(state: State<'_>, path: String) -> Result<EnrolmentInfo, IpcError> {
    let text = atrama::sync::identity::read_enrolment_file(&file_path(&path)?)?;
    state.with_store(|s| s.inspect_enrolment(&text))
}

/// Pins the other side of an enrolment file, only if the typed fingerprint matches it.
#[tauri::command(async)]
fn enrol(state: State<'_>, path: String, fingerprint: String) -> Result<Peer, IpcError> {
    let text = atrama::sync::identity::read_enrolment_file(&file_path(&path)?)?;
    state.with_store(|s| s.enrol(&text, &fingerprint))
}

/// The sync state with every enrolled peer.
#[tauri::command(async)]
fn sync_status(state: State<'_>) -> Result<Vec<PeerSync>, IpcError> {
    state.with_store(|s| s.sync_status())
}

/// Sets the sharing level agreed with the coordination centre `to`.
#[tauri::command(async)]
fn set_sharing(state: State<'_>, to: String, level: String) -> Result<(), IpcError> {
    state.with_store(|s| s.set_sharing(&to, &level))
}

/// What an export to `to` (a centre code) would write; writes nothing.
#[tauri::command(async)]
fn export_preview(state: State<'_>, to: String) -> Result<ExportPreview, IpcError> {
    state.with_store(|s| s.export_preview(&to))
}

/// Seals a case for the centre `to` into `path` (needs the client's transfer consent) and
/// closes it here as transferred.
#[tauri::command(async)]
fn transfer_case(
    state: State<'_>,
    case_id: CaseId,
    to: String,
    path: String,
) -> Result<atrama::sync::transfer::TransferReport, IpcError> {
    let path = file_path(&path)?;
    state.with_store(|s| s.transfer_case(case_id, &to, &path))
}

/// The transfers of a case, to or from another centre.
#[tauri::command(async)]
fn case_transfers(
    state: State<'_>,
    case_id: CaseId,
) -> Result<Vec<atrama::sync::transfer::CaseTransfer>, IpcError> {
    state.with_store(|s| s.case_transfers(case_id))
}

/// Seals a bundle for `to` into `path`, for the months `from_month`–`to_month` (both
/// empty: this month).
#[tauri::command(async)]
fn export_bundle(
    state: State<'_>,
    to: String,
    path: String,
    from_month: String,
    to_month: String,
) -> Result<ExportReport, IpcError> {
    let path = file_path(&path)?;
    let period = if from_month.trim().is_empty() && to_month.trim().is_empty() {
        None
    } else {
        Some(atrama::bundle::Period::months(&from_month, &to_month)?)
    };
    state.with_store(|s| s.export_bundle(&to, &path, period))
}

/// Imports bundle files one by one (each all or nothing), telling `progress` as each file
/// starts and ends.
#[tauri::command(async)]
fn import_bundles(
    state: State<'_>,
    paths: Vec<String>,
    dry_run: bool,
    progress: tauri::ipc::Channel<ImportEvent>,
) -> Result<Vec<ImportFileResult>, IpcError> {
    let paths = paths
        .iter()
        .map(|p| file_path(p))
        .collect::<Result<Vec<_>, _>>()?;
    state.with_store(|s| {
        Ok(s.import_bundles(&paths, dry_run, |event| {
            // A closed window no longer listens; the import goes on regardless.
            let _ = progress.send(event.clone());
        }))
    })
}

/// The import history, newest first.
#[tauri::command(async)]
fn import_history(state: State<'_>, limit: u32) -> Result<Vec<ImportLogEntry>, IpcError> {
    state.with_store(|s| s.import_history(limit))
}

// Statistics (administrators and coordinators). The screen shows exact counts; what leaves
// the store is published through the core, with disclosure control, and logged there.

/// T1–T10 with exact counts for a period, centres and country, for the screen only.
#[tauri::command(async)]
fn stats_tables(state: State<'_>, query: StatsQuery) -> Result<StatsReport, IpcError> {
    state.with_store(|s| s.monthly_tables(&query))
}

/// Writes the published (suppressed) tables to `path` as `csv` or `xlsx`; the core records
/// the export in the access log.
#[tauri::command(async)]
fn publish_stats(
    state: State<'_>,
    query: StatsQuery,
    format: String,
    path: String,
    codes_only: bool,
) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    let format = ReportFormat::parse(&format)?;
    state.with_store(|s| s.write_monthly_report(&query, format, &path, codes_only))?;
    let size = std::fs::metadata(&path)
        .map_err(|source| atrama::Error::Io {
            path: path.clone(),
            source,
        })?
        .len();
    Ok(SavedFile {
        path: path.display().to_string(),
        size,
    })
}

// Coordination centre: the centres registry, the sync board, the inbox folder, trends,
// targets, data quality and the print view of the published report. Each is one core call.

/// The enrolled centres with region, city and expected cadence.
#[tauri::command(async)]
fn centres(state: State<'_>) -> Result<Vec<CentreEntry>, IpcError> {
    state.with_store(|s| s.centres())
}

/// Changes a centre's region, city or cadence.
#[tauri::command(async)]
fn update_centre(state: State<'_>, update: CentreUpdate) -> Result<CentreEntry, IpcError> {
    state.with_store(|s| s.update_centre(&update))
}

/// The sync board as of today.
#[tauri::command(async)]
fn sync_board(state: State<'_>) -> Result<SyncBoard, IpcError> {
    state.with_store(|s| s.sync_board(atrama::sync::board::local_today()))
}

/// The inbox folder set for this store (empty: none).
#[tauri::command(async)]
fn inbox_folder(state: State<'_>) -> Result<String, IpcError> {
    state.with_store(|s| {
        Ok(s.inbox_folder()?
            .map(|p| p.display().to_string())
            .unwrap_or_default())
    })
}

/// Sets the inbox folder (a full path), or clears it (empty).
#[tauri::command(async)]
fn set_inbox_folder(state: State<'_>, folder: String) -> Result<String, IpcError> {
    let folder = folder.trim();
    let path = (!folder.is_empty()).then(|| PathBuf::from(folder));
    state.with_store(|s| {
        Ok(s.set_inbox_folder(path.as_deref())?
            .map(|p| p.display().to_string())
            .unwrap_or_default())
    })
}

/// Imports the new files of the inbox folder and moves each aside; `null` when no folder
/// is set.
#[tauri::command(async)]
fn run_inbox(state: State<'_>) -> Result<Option<InboxReport>, IpcError> {
    state.with_store(|s| s.run_inbox(None))
}

/// The measures trends and targets can count.
#[tauri::command]
fn stats_measures() -> Vec<MeasureInfo> {
    atrama::stats::measures::measures()
}

/// Month-by-month trends per centre or city (exact counts, for the screen).
#[tauri::command(async)]
fn stats_trends(state: State<'_>, query: TrendQuery) -> Result<TrendReport, IpcError> {
    state.with_store(|s| s.trends(&query))
}

/// Sets or removes a yearly target.
#[tauri::command(async)]
fn set_target(state: State<'_>, input: TargetInput) -> Result<(), IpcError> {
    state.with_store(|s| s.set_target(&input))
}

/// The targets of `year` with progress to date.
#[tauri::command(async)]
fn target_progress(state: State<'_>, year: i32) -> Result<Vec<TargetProgress>, IpcError> {
    state.with_store(|s| s.target_progress(year, atrama::sync::board::local_today()))
}

/// Data quality per centre for a period.
#[tauri::command(async)]
fn data_quality(state: State<'_>, query: StatsQuery) -> Result<QualityReport, IpcError> {
    state.with_store(|s| s.data_quality(&query))
}

/// The published tables (small counts suppressed), for the print view.
#[tauri::command(async)]
fn published_stats(
    state: State<'_>,
    query: StatsQuery,
    codes_only: bool,
) -> Result<StatsReport, IpcError> {
    state.with_store(|s| s.published_tables(&query, codes_only))
}

fn file_dialog(
    window: &tauri::WebviewWindow,
    kind: FileKind,
) -> tauri_plugin_dialog::FileDialogBuilder<tauri::Wry> {
    let dialog = window.dialog().file().set_parent(window);
    match kind {
        FileKind::Enrolment => dialog.add_filter("Atrama enrolment file (.enrol)", &["enrol"]),
        FileKind::Bundle => dialog.add_filter("Atrama bundle (.atrama)", &["atrama"]),
        FileKind::Csv => dialog.add_filter("CSV (.csv)", &["csv"]),
    }
    .add_filter("*", &["*"])
}

fn chosen(path: tauri_plugin_dialog::FilePath) -> Result<String, IpcError> {
    path.into_path()
        .map(|p| p.display().to_string())
        .map_err(|_| IpcError::invalid("the dialog returned something that is not a file"))
}

/// The native open dialog: the chosen files' full paths (none if cancelled).
#[tauri::command(async)]
fn choose_files(
    window: tauri::WebviewWindow,
    kind: FileKind,
    multiple: bool,
) -> Result<Vec<String>, IpcError> {
    let dialog = file_dialog(&window, kind);
    let picked = if multiple {
        dialog.blocking_pick_files().unwrap_or_default()
    } else {
        dialog.blocking_pick_file().into_iter().collect()
    };
    picked.into_iter().map(chosen).collect()
}

/// The native folder dialog: the chosen folder's full path (none if cancelled).
#[tauri::command(async)]
fn choose_folder(window: tauri::WebviewWindow) -> Result<Option<String>, IpcError> {
    window
        .dialog()
        .file()
        .set_parent(&window)
        .blocking_pick_folder()
        .map(chosen)
        .transpose()
}

/// The native save dialog, starting with `file_name`: the chosen full path (none if
/// cancelled). Nothing is written yet.
#[tauri::command(async)]
fn choose_save_file(
    window: tauri::WebviewWindow,
    kind: FileKind,
    file_name: String,
) -> Result<Option<String>, IpcError> {
    file_dialog(&window, kind)
        .set_file_name(file_name)
        .blocking_save_file()
        .map(chosen)
        .transpose()
}

/// Whether the webview should draw without GL compositing, given the value of
/// `WEBKIT_DISABLE_COMPOSITING_MODE` in the app's environment: yes unless it is set, in which
/// case WebKit follows it (`=0` keeps compositing on, anything else turns it off).
fn compositing_off_by_default(variable: Option<&std::ffi::OsStr>) -> bool {
    variable.is_none()
}

/// WebKitGTK's accelerated compositing draws every frame through OpenGL; where that is
/// software (llvmpipe: virtual machines, office laptops without a usable GPU, Xvfb), the frame
/// after opening a case or showing search results took 100–800 ms, against 20–80 ms without
/// it (docs/performance.md). Atrama's pages are plain documents and forms with no 3D, video or
/// heavy animation, so the webview draws them without compositing on every machine, which
/// keeps the timings the same on a laptop with or without a GPU.
#[cfg(target_os = "linux")]
fn draw_without_gl_compositing(app: &tauri::App) {
    use tauri::Manager as _;
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
    if !compositing_off_by_default(std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").as_deref()) {
        return;
    }
    if let Some(window) = app.get_webview_window("main") {
        // A window that cannot take the setting keeps WebKit's default: nothing else changes.
        let _ = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn draw_without_gl_compositing(_app: &tauri::App) {}

/// Starts the desktop app.
pub fn run() {
    let dir = match atrama::store::default_dir() {
        Ok(dir) => dir,
        Err(e) => fail(&e.to_string()),
    };
    let result = tauri::Builder::default()
        // First: a second launch hands over to the running app (which shows its window) and
        // exits before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(single_instance_id(
                    std::env::var_os("ATRAMA_STORE").as_deref(),
                ))
                .callback(|app, _args, _cwd| show_main_window(app))
                .build(),
        )
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(window_state_flags())
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            draw_without_gl_compositing(app);
            #[cfg(target_os = "linux")]
            sleep::watch(app.handle().clone());
            Ok(())
        })
        .manage(AppState {
            dir: Mutex::new(dir),
            session: Mutex::new(Session::Locked),
        })
        .invoke_handler(tauri::generate_handler![
            app_phase,
            begin_setup,
            finish_setup,
            cancel_setup,
            unlock,
            lock,
            hide_window,
            set_window_title,
            set_window_icon,
            use_existing_store,
            work_queues,
            search,
            case_list,
            case_detail,
            client_identity,
            staff,
            code_lists,
            intake,
            record_incident,
            add_child,
            log_service_contact,
            record_referral,
            add_protection_order,
            record_consent,
            add_note,
            attach_document,
            document_content,
            update_case,
            client_details,
            correct_client,
            client_history,
            possible_duplicates,
            correct_incident,
            correct_service_contact,
            correct_referral,
            correct_consent,
            correct_note,
            update_child,
            update_protection_order,
            record_history,
            close_case,
            reopen_case,
            save_draft,
            drafts,
            draft,
            delete_draft,
            save_form_draft,
            form_draft,
            discard_form_draft,
            permissions,
            add_staff,
            disable_staff,
            enable_staff,
            rotate_key,
            access_log,
            access_log_for_case,
            verify_access_log,
            create_backup,
            verify_backup,
            backup_status,
            set_backup_reminder,
            retention_policy,
            set_retention_policy,
            retention_preview,
            purge,
            instruments,
            instrument,
            import_instrument,
            score_answers,
            record_risk_assessment,
            risk_history,
            latest_risk,
            safety_plan,
            save_safety_plan,
            set_safety_plan_review,
            log_safety_plan_print,
            sync_identity,
            save_enrolment_file,
            inspect_enrolment,
            enrol,
            sync_status,
            set_sharing,
            transfer_case,
            case_transfers,
            export_preview,
            export_bundle,
            import_bundles,
            import_history,
            stats_tables,
            publish_stats,
            centres,
            update_centre,
            sync_board,
            inbox_folder,
            set_inbox_folder,
            run_inbox,
            stats_measures,
            stats_trends,
            set_target,
            target_progress,
            data_quality,
            published_stats,
            choose_files,
            choose_save_file,
            analysis::analysis_templates,
            analysis::analysis_template,
            analysis::analysis_example_template,
            analysis::save_analysis_template,
            analysis::import_analysis_template,
            analysis::analysis_candidates,
            analysis::analysis_form,
            analysis::screen_analysis,
            analysis::complete_analysis,
            analysis::compare_analyses,
            analysis::export_analysis_comparison,
            sheets::sheet_preview,
            sheets::sheet_dry_run,
            sheets::sheet_import,
            sheets::sheet_undo,
            sheets::sheet_batches,
            sheets::sheet_mappings,
            sheets::save_sheet_mapping,
            sheets::export_sheet_mapping,
            sheets::import_sheet_mapping,
            agency::reference_status,
            agency::directory,
            agency::import_directory,
            agency::create_referral_letter,
            agency::referral_letters,
            agency::referral_letter,
            agency::conferences,
            agency::record_conference,
            agency::record_action_outcome,
            choose_folder
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        fail(&format!("the window could not start: {e}"));
    }
}

/// What the window-state plugin remembers: size, position and whether maximised; never
/// whether the window was visible, so a quick-hidden window comes back on the next start.
fn window_state_flags() -> tauri_plugin_window_state::StateFlags {
    use tauri_plugin_window_state::StateFlags;
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// The D-Bus name (Linux) under which the one running app is found: the app's identifier,
/// or, when `ATRAMA_STORE` names a store folder explicitly, `org.atrama.desktop.s<hash of
/// it>`, so that apps started on different explicit stores (several stores side by side,
/// end-to-end tests) run apart. The store lock guards each store in every case.
fn single_instance_id(atrama_store: Option<&std::ffi::OsStr>) -> String {
    use std::hash::{Hash as _, Hasher as _};
    match atrama_store.filter(|s| !s.is_empty()) {
        None => atrama::store::APP_IDENTIFIER.to_owned(),
        Some(store) => {
            // SipHash with fixed keys: the same folder gives the same name in every process.
            let mut hasher = std::hash::DefaultHasher::new();
            store.hash(&mut hasher);
            format!(
                "{}.s{:016x}",
                atrama::store::APP_IDENTIFIER,
                hasher.finish()
            )
        }
    }
}

/// A second launch: bring the running window back (un-minimised, shown, focused).
fn show_main_window(app: &tauri::AppHandle) {
    use tauri::Manager as _;
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[allow(
    clippy::print_stderr,
    reason = "the last word of a desktop app that cannot start"
)]
fn fail(message: &str) -> ! {
    eprintln!("atrama: {message}");
    std::process::exit(1);
}

#[cfg(test)]
mod tests {
    use super::{compositing_off_by_default, single_instance_id, window_title};

    #[test]
    fn compositing_is_off_unless_the_webkit_variable_says_otherwise() {
        use std::ffi::OsStr;
        assert!(compositing_off_by_default(None));
        // Set to anything, the variable is WebKit's to read: the app leaves the policy alone.
        assert!(!compositing_off_by_default(Some(OsStr::new("0"))));
        assert!(!compositing_off_by_default(Some(OsStr::new("1"))));
    }

    #[test]
    fn one_instance_per_session_or_per_explicit_store() {
        use std::ffi::OsStr;
        assert_eq!(single_instance_id(None), "org.atrama.desktop");
        assert_eq!(
            single_instance_id(Some(OsStr::new(""))),
            "org.atrama.desktop"
        );
        let a = single_instance_id(Some(OsStr::new("/tmp/e2e-1/store")));
        let b = single_instance_id(Some(OsStr::new("/tmp/e2e-2/store")));
        assert_eq!(a, single_instance_id(Some(OsStr::new("/tmp/e2e-1/store"))));
        assert_ne!(a, b);
        // A valid D-Bus name element: starts with a letter, then letters and digits.
        let last = a.rsplit('.').next().unwrap();
        assert!(last.starts_with('s') && last.len() == 17, "{a}");
        assert!(last[1..].chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert!(a.starts_with("org.atrama.desktop."), "{a}");
    }

    #[test]
    fn the_window_title_is_the_discreet_name_or_atrama() {
        assert_eq!(window_title("").unwrap(), "Atrama");
        assert_eq!(window_title("   ").unwrap(), "Atrama");
        assert_eq!(window_title("  Notes ").unwrap(), "Notes");
        assert_eq!(window_title("Užrašai").unwrap(), "Užrašai");
        assert!(window_title(&"x".repeat(61)).is_err());
        assert!(window_title("two\nlines").is_err());
    }
}
