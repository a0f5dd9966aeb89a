//! The Atrama desktop shell: Tauri commands that deserialize, call the `atrama` core, and
//! serialize. No domain logic lives here.
//!
//! The session state machine: `Setup` (no store yet) → `PendingSetup` (recovery key shown,
//! waiting for the person to type part of it back) → `Unlocked`; `Locked` ↔ `Unlocked`.
//! Locking drops the [`atrama::Store`], which closes the database and wipes the key.

mod ipc;

use std::path::PathBuf;
use std::sync::Mutex;

use atrama::cases::{
    CaseDetail, CaseFilter, CaseSummary, ChildFields, ClientIdentity, ConsentFields,
    IncidentFields, Intake, NoteFields, ProtectionOrderFields, ReferralFields, SearchHit,
    ServiceContactFields, WorkQueues,
};
use atrama::codes::CodeLists;
use atrama::drafts::Draft;
use atrama::ids::{
    CaseId, ChildId, ClientId, ConsentEventId, DocumentId, IncidentId, NoteId, ProtectionOrderId,
    ReferralId, ServiceContactId, StatusEventId,
};
use atrama::staff::StaffMember;
use atrama::sync::{
    EnrolmentInfo, ExportPreview, ExportReport, Fingerprint, ImportEvent, ImportFileResult,
    ImportLogEntry, Peer, PeerSync,
};
use atrama::{KdfParams, Language, NewCentre, Passphrase, RecoveryKey, Store};
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
    dir: PathBuf,
    session: Mutex<Session>,
}

impl AppState {
    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the state as it was; keep serving.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
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
            Session::Locked if Store::exists(&self.dir) => AppPhase::Locked,
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
    if Store::exists(&state.dir) || matches!(*session, Session::Unlocked(_)) {
        return Err(IpcError::from(atrama::Error::StoreExists {
            path: state.dir.clone(),
        }));
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
        &state.dir,
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

/// Unlocks the store with a person's passphrase.
#[tauri::command]
fn unlock(state: State<'_>, user: String, passphrase: String) -> Result<AppPhase, IpcError> {
    let passphrase = Passphrase::new(passphrase);
    let store = Store::unlock(&state.dir, &user, &passphrase)?;
    let mut session = state.session();
    *session = Session::Unlocked(store);
    state.phase(&session)
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

/// Every code list's options with labels in `language`, for the centre's country.
#[tauri::command(async)]
fn code_lists(state: State<'_>, language: Language) -> Result<CodeCatalogue, IpcError> {
    let country = state.with_store(|s| s.profile())?.country;
    let codes = CodeLists::builtin()?;
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

// Sync with the coordination centre (or, in a coordination centre, with its centres). Files
// are named by full paths: the screens offer a native dialog that fills in a path field the
// person may also type into, so every step can be done (and tested) without the dialog.

/// A path typed or chosen in the app: it must be a full path.
fn file_path(text: &str) -> Result<PathBuf, IpcError> {
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

/// What an export to `to` (a centre code) would write; writes nothing.
#[tauri::command(async)]
fn export_preview(state: State<'_>, to: String) -> Result<ExportPreview, IpcError> {
    state.with_store(|s| s.export_preview(&to))
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

fn file_dialog(
    window: &tauri::WebviewWindow,
    kind: FileKind,
) -> tauri_plugin_dialog::FileDialogBuilder<tauri::Wry> {
    let dialog = window.dialog().file().set_parent(window);
    match kind {
        FileKind::Enrolment => dialog.add_filter("Atrama enrolment file (.enrol)", &["enrol"]),
        FileKind::Bundle => dialog.add_filter("Atrama bundle (.atrama)", &["atrama"]),
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

/// Starts the desktop app.
pub fn run() {
    let dir = match atrama::store::default_dir() {
        Ok(dir) => dir,
        Err(e) => fail(&e.to_string()),
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState {
            dir,
            session: Mutex::new(Session::Locked),
        })
        .invoke_handler(tauri::generate_handler![
            app_phase,
            begin_setup,
            finish_setup,
            cancel_setup,
            unlock,
            lock,
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
            close_case,
            reopen_case,
            save_draft,
            drafts,
            draft,
            delete_draft,
            sync_identity,
            save_enrolment_file,
            inspect_enrolment,
            enrol,
            sync_status,
            export_preview,
            export_bundle,
            import_bundles,
            import_history,
            choose_files,
            choose_save_file
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        fail(&format!("the window could not start: {e}"));
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
