//! Files named by full paths: the screens offer a native dialog (GTK on Linux, opened from
//! Rust: the page has no dialog permission) that fills in a path field the person may also
//! type into, so every step can be done (and tested) without the dialog. `file_path` checks
//! what was typed or chosen.
//!
//! End-to-end tests cannot click in a GTK dialog. In debug builds only, when
//! `ATRAMA_TEST_DIALOG_FOLDER` names a folder, every dialog answers at once from it instead
//! of opening (`test_answer`): a save dialog with the suggested name in that folder, a folder
//! dialog with the folder itself, an open dialog with the files in it of the kind asked for.
//! Release builds never read the variable.

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

/// The file name endings a kind of file has (none: any file).
fn extensions(kind: FileKind) -> &'static [&'static str] {
    match kind {
        FileKind::Enrolment => &["enrol"],
        FileKind::Bundle => &["atrama"],
        FileKind::Csv => &["csv"],
        FileKind::Pdf => &["pdf"],
        FileKind::Xlsx => &["xlsx"],
        FileKind::Json => &["json"],
        FileKind::Mapping => &["json"],
        FileKind::Spreadsheet => &["xlsx", "xls", "ods", "csv"],
        FileKind::Any => &[],
    }
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
        FileKind::Pdf => dialog.add_filter("PDF (.pdf)", &["pdf"]),
        FileKind::Xlsx => dialog.add_filter("Excel (.xlsx)", &["xlsx"]),
        FileKind::Json => dialog.add_filter("JSON (.json)", &["json"]),
        FileKind::Spreadsheet => dialog.add_filter(
            "Spreadsheet (.xlsx, .xls, .ods, .csv)",
            extensions(FileKind::Spreadsheet),
        ),
        FileKind::Any => dialog,
        FileKind::Mapping => {
            dialog.add_filter("Import mapping (.json)", extensions(FileKind::Mapping))
        }
    }
    .add_filter("*", &["*"])
}

/// What a dialog answers in a test (debug builds with `ATRAMA_TEST_DIALOG_FOLDER` set).
#[cfg(debug_assertions)]
fn test_answer(kind: Option<FileKind>, save_as: Option<&str>) -> Option<Vec<String>> {
    let folder = PathBuf::from(std::env::var_os("ATRAMA_TEST_DIALOG_FOLDER")?);
    if let Some(name) = save_as {
        return Some(vec![folder.join(name).display().to_string()]);
    }
    let Some(kind) = kind else {
        return Some(vec![folder.display().to_string()]);
    };
    let exts = extensions(kind);
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            exts.is_empty()
                || p.extension()
                    .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
        })
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    Some(files)
}

#[cfg(not(debug_assertions))]
fn test_answer(_kind: Option<FileKind>, _save_as: Option<&str>) -> Option<Vec<String>> {
    None
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
    if let Some(mut files) = test_answer(Some(kind), None) {
        files.truncate(if multiple { usize::MAX } else { 1 });
        return Ok(files);
    }
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
    if let Some(folder) = test_answer(None, None) {
        return Ok(folder.into_iter().next());
    }
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
    if let Some(path) = test_answer(Some(kind), Some(&file_name)) {
        return Ok(path.into_iter().next());
    }
    file_dialog(&window, kind)
        .set_file_name(file_name)
        .blocking_save_file()
        .map(chosen)
        .transpose()
}
