//! Commands of sync with the coordination centre (or, in a coordination centre, with its
//! centres): identity and enrolment, sharing levels, export, case transfer, import of
//! bundles with progress, the import history. Files are full paths (see `dialogs`).

use atrama::ids::CaseId;
use atrama::sync::{
    EnrolmentInfo, ExportPreview, ExportReport, Fingerprint, ImportEvent, ImportFileResult,
    ImportLogEntry, Peer, PeerSync,
};

use crate::dialogs::file_path;
use crate::ipc::{IpcError, SavedFile};
use crate::session::State;

/// This store's fingerprint, to read to the other side over the phone.
#[tauri::command(async)]
pub(crate) fn sync_identity(state: State<'_>) -> Result<Fingerprint, IpcError> {
    state.with_store(|s| s.fingerprint())
}

/// Writes this store's enrolment file (public keys only) to `path`.
#[tauri::command(async)]
pub(crate) fn save_enrolment_file(state: State<'_>, path: String) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    let size = state.with_store(|s| s.write_enrolment_file(&path))?;
    Ok(SavedFile {
        path: path.display().to_string(),
        size,
    })
}

/// Reads another side's enrolment file and checks its signature; pins nothing.
#[tauri::command(async)]
pub(crate) fn inspect_enrolment(state: State<'_>, path: String) -> Result<EnrolmentInfo, IpcError> {
    let text = atrama::sync::identity::read_enrolment_file(&file_path(&path)?)?;
    state.with_store(|s| s.inspect_enrolment(&text))
}

/// Pins the other side of an enrolment file, only if the typed fingerprint matches it.
#[tauri::command(async)]
pub(crate) fn enrol(state: State<'_>, path: String, fingerprint: String) -> Result<Peer, IpcError> {
    let text = atrama::sync::identity::read_enrolment_file(&file_path(&path)?)?;
    state.with_store(|s| s.enrol(&text, &fingerprint))
}

/// The sync state with every enrolled peer.
#[tauri::command(async)]
pub(crate) fn sync_status(state: State<'_>) -> Result<Vec<PeerSync>, IpcError> {
    state.with_store(|s| s.sync_status())
}

/// Sets the sharing level agreed with the coordination centre `to`.
#[tauri::command(async)]
pub(crate) fn set_sharing(state: State<'_>, to: String, level: String) -> Result<(), IpcError> {
    state.with_store(|s| s.set_sharing(&to, &level))
}

/// What an export to `to` (a centre code) would write; writes nothing.
#[tauri::command(async)]
pub(crate) fn export_preview(state: State<'_>, to: String) -> Result<ExportPreview, IpcError> {
    state.with_store(|s| s.export_preview(&to))
}

/// Seals a case for the centre `to` into `path` (needs the client's transfer consent) and
/// closes it here as transferred.
#[tauri::command(async)]
pub(crate) fn transfer_case(
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
pub(crate) fn case_transfers(
    state: State<'_>,
    case_id: CaseId,
) -> Result<Vec<atrama::sync::transfer::CaseTransfer>, IpcError> {
    state.with_store(|s| s.case_transfers(case_id))
}

/// Seals a bundle for `to` into `path`, for the months `from_month`–`to_month` (both
/// empty: this month).
#[tauri::command(async)]
pub(crate) fn export_bundle(
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
pub(crate) fn import_bundles(
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
pub(crate) fn import_history(
    state: State<'_>,
    limit: u32,
) -> Result<Vec<ImportLogEntry>, IpcError> {
    state.with_store(|s| s.import_history(limit))
}
