//! Files named by full paths: the screens offer a native dialog (GTK on Linux, opened from
//! Rust: the page has no dialog permission) that fills in a path field the person may also
//! type into, so every step can be done (and tested) without the dialog. `file_path` checks
//! what was typed or chosen.

use std::path::PathBuf;

use tauri_plugin_dialog::DialogExt as _;

use crate::ipc::{FileKind, IpcError};

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
pub(crate) fn choose_files(
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
pub(crate) fn choose_folder(window: tauri::WebviewWindow) -> Result<Option<String>, IpcError> {
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
pub(crate) fn choose_save_file(
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
