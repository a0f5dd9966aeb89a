//! Commands of the spreadsheet import (Administration → Import records, `docs/import.md`):
//! preview, dry run, import (both with progress events), undo, import batches, saved
//! mappings, and the overwrite-and-delete of the source file. Each deserializes, calls one
//! core function, serializes; the core checks the administrator role.

use std::path::Path;

use atrama::sheets::{
    self, DryRun, ImportBatch, ImportOptions, ImportReport, Mapping, Progress, ReadOptions,
    RowDecision, SheetPreview, UndoReport,
};
use tauri::ipc::Channel;

use crate::dialogs::file_path;

use crate::ipc::IpcError;
use crate::session::State;

/// The header, the suggested field of each column and the first rows of a sheet.
#[tauri::command(async)]
pub(crate) fn sheet_preview(
    state: State<'_>,
    path: String,
    read: ReadOptions,
) -> Result<SheetPreview, IpcError> {
    state.with_store(|_| sheets::preview(Path::new(&path), &read))
}

/// Sends a progress event; a closed window no longer listens, and the work goes on.
fn tell(progress: &Channel<Progress>) -> impl FnMut(Progress) + '_ {
    move |p| {
        let _ = progress.send(p);
    }
}

/// Every row checked against the mapping; nothing written. `progress` hears how far it got.
#[tauri::command(async)]
pub(crate) fn sheet_dry_run(
    state: State<'_>,
    path: String,
    read: ReadOptions,
    mapping: Mapping,
    decisions: Vec<RowDecision>,
    progress: Channel<Progress>,
) -> Result<DryRun, IpcError> {
    state.with_store(|s| {
        s.sheet_dry_run_with_progress(
            Path::new(&path),
            &read,
            &mapping,
            &decisions,
            &mut tell(&progress),
        )
    })
}

/// Imports the sheet in one transaction. `progress` hears how far each pass got.
#[tauri::command(async)]
pub(crate) fn sheet_import(
    state: State<'_>,
    path: String,
    mapping: Mapping,
    options: ImportOptions,
    progress: Channel<Progress>,
) -> Result<ImportReport, IpcError> {
    state.with_store(|s| {
        s.sheet_import_with_progress(Path::new(&path), &mapping, &options, &mut tell(&progress))
    })
}

/// Overwrites the source sheet with zeros and deletes it (what this can and cannot
/// guarantee: `docs/import.md`).
#[tauri::command(async)]
pub(crate) fn sheet_shred(state: State<'_>, path: String) -> Result<(), IpcError> {
    let path = file_path(&path)?;
    state.with_store(|_| sheets::shred(&path))
}

/// Undoes an import batch (tombstones), refused once anything touched it.
#[tauri::command(async)]
pub(crate) fn sheet_undo(state: State<'_>, batch_id: String) -> Result<UndoReport, IpcError> {
    state.with_store(|s| s.sheet_undo(&batch_id))
}

/// The import batches, newest first.
#[tauri::command(async)]
pub(crate) fn sheet_batches(state: State<'_>) -> Result<Vec<ImportBatch>, IpcError> {
    state.with_store(|s| s.sheet_batches())
}

/// The saved mappings.
#[tauri::command(async)]
pub(crate) fn sheet_mappings(state: State<'_>) -> Result<Vec<Mapping>, IpcError> {
    state.with_store(|s| s.sheet_mappings())
}

/// Saves a mapping under its name.
#[tauri::command(async)]
pub(crate) fn save_sheet_mapping(state: State<'_>, mapping: Mapping) -> Result<(), IpcError> {
    state.with_store(|s| s.save_sheet_mapping(&mapping))
}

/// Writes a saved mapping to a file.
#[tauri::command(async)]
pub(crate) fn export_sheet_mapping(
    state: State<'_>,
    name: String,
    path: String,
) -> Result<(), IpcError> {
    let path = file_path(&path)?;
    state.with_store(|s| s.export_sheet_mapping(&name, &path))
}

/// Reads a mapping file and saves the mapping.
#[tauri::command(async)]
pub(crate) fn import_sheet_mapping(state: State<'_>, path: String) -> Result<Mapping, IpcError> {
    let path = file_path(&path)?;
    state.with_store(|s| s.import_sheet_mapping(&path))
}
