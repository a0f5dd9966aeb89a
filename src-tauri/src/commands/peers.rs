//! Commands of the centre's several computers (`docs/peers.md`): the list and this
//! computer's fingerprint, adding a computer by its enrolment file and the fingerprint read
//! aloud, the join file, removing a computer, handing over or taking over the export to the
//! coordination centre, the shared sync folder and "Sync now" (also run
//! by itself at unlock), and the "changed on two computers" review of a case. Each is one
//! core call; files are full paths (see `dialogs`).

use std::path::PathBuf;

use atrama::hlc::Hlc;
use atrama::ids::CaseId;
use atrama::peers::Installation;
use atrama::peers::status::{CaseReview, PeersOverview, SyncResult};

use crate::dialogs::file_path;
use crate::ipc::{IpcError, SavedFile};
use crate::session::State;

/// The centre's computers, this computer, the sync folder and the last sync.
#[tauri::command(async)]
pub(crate) fn peers_overview(state: State<'_>) -> Result<PeersOverview, IpcError> {
    state.with_store(|s| s.peers_overview())
}

/// This computer's fingerprint, giving it `name` (and its key pairs) the first time.
#[tauri::command(async)]
pub(crate) fn peers_fingerprint(state: State<'_>, name: String) -> Result<String, IpcError> {
    state.with_store(|s| s.peers_fingerprint(&name))
}

/// Writes this computer's enrolment file (public keys only) to `path`.
#[tauri::command(async)]
pub(crate) fn save_peers_enrolment(
    state: State<'_>,
    name: String,
    path: String,
) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    let text = state.with_store(|s| s.peers_enrolment(&name))?;
    atrama::atomic_file::write(&path, text.as_bytes())?;
    SavedFile::written(&path)
}

/// Adds a computer of this centre from its enrolment file, if the fingerprint typed in (as
/// read from that computer's screen) matches.
#[tauri::command(async)]
pub(crate) fn peers_add(
    state: State<'_>,
    path: String,
    fingerprint: String,
) -> Result<Installation, IpcError> {
    let text = atrama::sync::identity::read_enrolment_file(&file_path(&path)?)?;
    state.with_store(|s| s.peers_add(&text, &fingerprint))
}

/// Writes a join file for a new computer (a full copy of the store) to `path`; `name` names
/// this computer if it has no name yet.
#[tauri::command(async)]
pub(crate) fn peers_join_file(
    state: State<'_>,
    path: String,
    name: String,
) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    state.with_store(|s| s.peers_join_file(&path, &name))?;
    SavedFile::written(&path)
}

/// Removes a computer (a lost laptop), by its installation id.
#[tauri::command(async)]
pub(crate) fn peers_remove(state: State<'_>, computer: String) -> Result<(), IpcError> {
    state.with_store(|s| s.peers_remove(&computer))
}

/// Hands the sending of the centre's bundles to the coordination centre over to another
/// current computer (by installation id); only the computer that holds the role may.
#[tauri::command(async)]
pub(crate) fn peers_hand_over(state: State<'_>, computer: String) -> Result<(), IpcError> {
    state.with_store(|s| s.peers_hand_over(&computer))
}

/// Takes the sending of the centre's bundles over on this computer, when the computer that
/// held it was removed (a lost laptop).
#[tauri::command(async)]
pub(crate) fn peers_take_over(state: State<'_>) -> Result<(), IpcError> {
    state.with_store(|s| s.peers_take_over())
}

/// Remembers the sync folder of this computer (a full path), or forgets it (empty).
#[tauri::command(async)]
pub(crate) fn set_peers_folder(state: State<'_>, folder: String) -> Result<String, IpcError> {
    let folder = folder.trim();
    let path = (!folder.is_empty()).then(|| PathBuf::from(folder));
    state.with_store(|s| {
        Ok(s.set_peers_folder(path.as_deref())?
            .map(|p| p.display().to_string())
            .unwrap_or_default())
    })
}

/// Syncs through the remembered folder ("Sync now", or by itself at unlock); a missing
/// folder is a result, not an error.
#[tauri::command(async)]
pub(crate) fn peers_sync(state: State<'_>, automatic: bool) -> Result<SyncResult, IpcError> {
    state.with_store(|s| s.peers_sync_saved(automatic))
}

/// The fields of a case changed on two computers, safety-critical ones first.
#[tauri::command(async)]
pub(crate) fn peer_case_reviews(
    state: State<'_>,
    case_id: CaseId,
) -> Result<Vec<CaseReview>, IpcError> {
    state.with_store(|s| s.peer_case_reviews(&case_id.to_string()))
}

/// Keeps the value a person chose (its version) of a field changed on two computers.
#[tauri::command(async)]
pub(crate) fn resolve_peer_review(
    state: State<'_>,
    table: String,
    record_id: String,
    field: String,
    version: Hlc,
) -> Result<(), IpcError> {
    state.with_store(|s| s.resolve_peer_review(&table, &record_id, &field, version))
}

/// The cases with a field changed on two computers (for the Cases list's marker).
#[tauri::command(async)]
pub(crate) fn peer_review_cases(state: State<'_>) -> Result<Vec<String>, IpcError> {
    state.with_store(|s| s.peer_review_cases())
}
