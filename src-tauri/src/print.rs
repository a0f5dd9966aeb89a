//! Saving what the window prints as a PDF file, without the system print dialog: the
//! webview's own print engine (WebKitGTK's print operation with GTK's print-to-file
//! backend) lays out the page with the screen's print styles (`@media print`) and writes
//! the PDF to a temporary sibling of the chosen path, which is renamed into place once the
//! engine reports it finished. The file is one the person chose to write (a case summary, a
//! client's copy, a report); nothing else is written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::dialogs;
use crate::ipc::{IpcError, SavedFile};

/// How long the print engine may take for one document.
const PRINT_TIMEOUT: Duration = Duration::from_secs(120);

/// Prints the window's page (as its print styles lay it out) to a PDF at `path`, A4, in
/// landscape when asked; returns where and how big.
#[tauri::command(async)]
pub(crate) fn save_pdf(
    window: tauri::WebviewWindow,
    path: String,
    landscape: bool,
) -> Result<SavedFile, IpcError> {
    let path = dialogs::file_path(&path)?;
    let part = part_path(&path);
    let _ = std::fs::remove_file(&part);
    print_to_file(&window, &part, landscape)?;
    let size = finish(&part, &path).map_err(|e| {
        let _ = std::fs::remove_file(&part);
        IpcError::invalid(&format!(
            "the PDF could not be saved in {} ({e}); choose another folder and save again",
            path.parent()
                .map(Path::display)
                .map(|d| d.to_string())
                .unwrap_or_default()
        ))
    })?;
    Ok(SavedFile {
        path: path.display().to_string(),
        size,
    })
}

/// The temporary sibling the engine writes to.
fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// fsync the written PDF and rename it into place; its size.
fn finish(part: &Path, path: &Path) -> std::io::Result<u64> {
    let file = std::fs::File::open(part)?;
    file.sync_all()?;
    let size = file.metadata()?.len();
    if size == 0 {
        return Err(std::io::Error::other("the print engine wrote nothing"));
    }
    std::fs::rename(part, path)?;
    if let Some(Ok(d)) = path.parent().map(std::fs::File::open) {
        let _ = d.sync_all();
    }
    Ok(size)
}

#[cfg(target_os = "linux")]
fn print_to_file(
    window: &tauri::WebviewWindow,
    part: &Path,
    landscape: bool,
) -> Result<(), IpcError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    use webkit2gtk::PrintOperationExt as _;

    let uri = webkit2gtk::glib::filename_to_uri(part, None)
        .map_err(|_| IpcError::invalid("the chosen file's name cannot be used; choose another"))?
        .to_string();
    let (tx, rx) = std::sync::mpsc::channel::<Result<(), String>>();
    window
        .with_webview(move |webview| {
            let op = webkit2gtk::PrintOperation::new(&webview.inner());
            let orientation = if landscape {
                gtk::PageOrientation::Landscape
            } else {
                gtk::PageOrientation::Portrait
            };
            let settings = gtk::PrintSettings::new();
            settings.set_printer("Print to File");
            settings.set(gtk::PRINT_SETTINGS_OUTPUT_FILE_FORMAT, Some("pdf"));
            settings.set(gtk::PRINT_SETTINGS_OUTPUT_URI, Some(&uri));
            settings.set_orientation(orientation);
            let setup = gtk::PageSetup::new();
            setup.set_paper_size(&gtk::PaperSize::new(Some(gtk::PAPER_NAME_A4)));
            setup.set_orientation(orientation);
            op.set_page_setup(&setup);
            op.set_print_settings(&settings);
            // The operation is kept until it reports back, then let go.
            let keep = Rc::new(RefCell::new(Some(op.clone())));
            let (failed_tx, failed_keep) = (tx.clone(), keep.clone());
            op.connect_failed(move |_, e| {
                let _ = failed_tx.send(Err(e.to_string()));
                failed_keep.borrow_mut().take();
            });
            op.connect_finished(move |_| {
                let _ = tx.send(Ok(()));
                keep.borrow_mut().take();
            });
            op.print();
        })
        .map_err(|_| IpcError::invalid("the window cannot print now; try again"))?;
    // `finished` follows `failed` when printing fails: the first answer counts.
    match rx.recv_timeout(PRINT_TIMEOUT) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(IpcError::invalid(&format!(
            "printing to PDF failed ({e}); try again"
        ))),
        Err(_) => Err(IpcError::invalid(
            "printing to PDF did not finish; try again",
        )),
    }
}

#[cfg(not(target_os = "linux"))]
fn print_to_file(
    _window: &tauri::WebviewWindow,
    _part: &Path,
    _landscape: bool,
) -> Result<(), IpcError> {
    Err(IpcError::invalid(
        "saving as PDF here is not available on this system; use Print and choose PDF",
    ))
}
