//! Commands of a coordination centre's own screen: the centres registry, the sync board and
//! the inbox folder. Each is one core call.

use std::path::PathBuf;

use atrama::sync::{CentreEntry, CentreUpdate, InboxReport, SyncBoard};

use crate::ipc::IpcError;
use crate::session::State;

/// The enrolled centres with region, city and expected cadence.
#[tauri::command(async)]
pub(crate) fn centres(state: State<'_>) -> Result<Vec<CentreEntry>, IpcError> {
    state.with_store(|s| s.centres())
}

/// Changes a centre's region, city or cadence.
#[tauri::command(async)]
pub(crate) fn update_centre(
    state: State<'_>,
    update: CentreUpdate,
) -> Result<CentreEntry, IpcError> {
    state.with_store(|s| s.update_centre(&update))
}

/// The sync board as of today.
#[tauri::command(async)]
pub(crate) fn sync_board(state: State<'_>) -> Result<SyncBoard, IpcError> {
    state.with_store(|s| s.sync_board(atrama::sync::board::local_today()))
}

/// The inbox folder set for this store (empty: none).
#[tauri::command(async)]
pub(crate) fn inbox_folder(state: State<'_>) -> Result<String, IpcError> {
    state.with_store(|s| {
        Ok(s.inbox_folder()?
            .map(|p| p.display().to_string())
            .unwrap_or_default())
    })
}

/// Sets the inbox folder (a full path), or clears it (empty).
#[tauri::command(async)]
pub(crate) fn set_inbox_folder(state: State<'_>, folder: String) -> Result<String, IpcError> {
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
pub(crate) fn run_inbox(state: State<'_>) -> Result<Option<InboxReport>, IpcError> {
    state.with_store(|s| s.run_inbox(None))
}
