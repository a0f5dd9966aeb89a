//! The types that cross IPC. Their TypeScript twins in `ui/src/lib/bindings/` are generated
//! from these by `cargo test` (ts-rs), never written by hand.

use std::collections::BTreeMap;
use std::path::Path;

use atrama::codes::CodeOption;
use atrama::{CentreProfile, ErrorCode, Language};
use serde::{Deserialize, Serialize};

/// An error as the UI sees it: a stable code to branch on and a message to show.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub(crate) struct IpcError {
    code: ErrorCode,
    message: String,
}

impl IpcError {
    pub(crate) fn invalid(message: &str) -> Self {
        IpcError {
            code: ErrorCode::InvalidInput,
            message: message.to_owned(),
        }
    }

    pub(crate) fn internal(message: String) -> Self {
        IpcError {
            code: ErrorCode::Internal,
            message,
        }
    }

    pub(crate) fn locked() -> Self {
        IpcError {
            code: ErrorCode::Locked,
            message: "the store is locked; unlock it first".to_owned(),
        }
    }
}

impl From<atrama::Error> for IpcError {
    fn from(e: atrama::Error) -> Self {
        IpcError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Where the app is.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(tag = "phase", rename_all = "lowercase")]
pub(crate) enum AppPhase {
    /// No store yet: show the setup screen.
    Setup,
    /// A store exists and is locked: show the neutral unlock screen.
    Locked,
    /// Unlocked.
    Unlocked {
        /// The centre profile.
        centre: CentreProfile,
        /// Who is signed in.
        user: String,
    },
}

/// The recovery key to write down, and which groups to type back.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub(crate) struct RecoveryKeyShown {
    pub(crate) recovery_key: String,
    pub(crate) check_groups: Vec<u8>,
}

/// One group of the recovery key typed back.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub(crate) struct GroupAnswer {
    pub(crate) group: u8,
    pub(crate) text: String,
}

/// Every code list's options, labelled in one language, for the centre's country.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub(crate) struct CodeCatalogue {
    /// The language of the labels.
    pub(crate) language: Language,
    /// List name → its codes in display order.
    pub(crate) lists: BTreeMap<String, Vec<CodeOption>>,
}

/// Which kind of file a native open or save dialog is for (it sets the filter and title).
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub(crate) enum FileKind {
    /// An enrolment file (`.enrol`).
    Enrolment,
    /// A bundle (`.atrama`).
    Bundle,
    /// A CSV file (the referral directory).
    Csv,
    /// A PDF document (a printed case summary, report or letter).
    Pdf,
    /// An Excel workbook (`.xlsx`: a published report, a comparison).
    Xlsx,
    /// A JSON file (a case-analysis template, a warehouse mapping).
    Json,
    /// A spreadsheet to import (`.xlsx`, `.xls`, `.ods`, `.csv`).
    Spreadsheet,
    /// Any file (a backup).
    Any,
    /// A spreadsheet-import mapping file (`.json`).
    Mapping,
}

/// A file the app wrote.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub(crate) struct SavedFile {
    /// Where.
    pub(crate) path: String,
    /// Its size in bytes.
    #[cfg_attr(test, ts(type = "number"))]
    pub(crate) size: u64,
}

impl SavedFile {
    /// The file a command has just written at `path`, with its size on disk.
    pub(crate) fn written(path: &Path) -> Result<Self, IpcError> {
        let size = std::fs::metadata(path)
            .map_err(|source| atrama::Error::Io {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        Ok(SavedFile {
            path: path.display().to_string(),
            size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::SavedFile;
    use atrama::ErrorCode;

    #[test]
    fn a_saved_file_is_reported_with_its_size_on_disk() {
        let dir = std::env::temp_dir().join(format!("atrama-saved-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("report.csv");
        std::fs::write(&path, b"12345").unwrap();
        let saved = SavedFile::written(&path).unwrap();
        assert_eq!(saved.size, 5);
        assert_eq!(saved.path, path.display().to_string());

        // A file that is not there (the core wrote nothing): an error, not a size of 0.
        let gone = SavedFile::written(&dir.join("missing.csv")).unwrap_err();
        assert_eq!(gone.code, ErrorCode::Internal);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
