//! Spreadsheet import: a centre's XLSX, XLS, ODS or CSV register of clients becomes Atrama
//! clients, cases, incidents and children — mapped, checked in a dry run, applied in one
//! transaction and reversible as a whole (`docs/import.md`).
//!
//! - `read` — the sheet as a header and a stream of trimmed text rows (calamine; csv with
//!   a streaming encoding_rs decoder, encoding and delimiter sniffed);
//! - `mapping` — columns to fields and values to codes, with suggestions in the five
//!   languages; dates; one row turned into its records or its problems;
//! - `apply` — the dry run (every row checked, possible duplicates), the import through
//!   [`crate::cases::Batch`] with every record tagged with its batch and row, and the undo
//!   of a whole batch as tombstones;
//! - `saved` — mappings kept in the store and exported/imported as files;
//! - `shred` — overwrite-and-delete of the plaintext source file after an import.
//!
//! Importing and undoing need the administrator role. Nothing read from the sheet is
//! logged or written anywhere but the encrypted database.

pub mod apply;
mod extent;
pub mod mapping;
pub mod read;
pub mod saved;
pub mod shred;

pub use apply::{
    Counts, Decision, DryRun, ImportBatch, ImportOptions, ImportReport, PROGRESS_EVERY, Progress,
    ProgressStage, RowDecision, RowDuplicate, UndoReport,
};
pub use mapping::{
    ColumnMapping, Defaults, Field, Mapping, RowProblem, UnknownValue, ValueChoice, parse_date,
    suggest_columns, suggest_value,
};
pub use read::{ReadOptions, Sheet, SheetSummary, TextEncoding};
pub use saved::read_mapping_file;
pub use shred::shred;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The first look at a sheet: how it was read, its header, the suggested field of each
/// column and the first rows (shown on screen only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SheetPreview {
    /// How the file was read (`XLSX`, `CSV, windows-1257, ';'`).
    pub format: String,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// Every sheet of a workbook, in its order (empty for CSV): to choose another.
    pub sheets: Vec<SheetSummary>,
    /// Which sheets holding rows are not read ([`Sheet::unread_sheets`]).
    pub unread_sheets: Option<String>,
    /// The row the header was found on.
    pub header_row: usize,
    /// The header cells.
    pub headers: Vec<String>,
    /// The suggested field of each header (`None`: not imported unless mapped).
    pub suggestions: Vec<Option<Field>>,
    /// Up to five rows below the header.
    pub sample: Vec<Vec<String>>,
}

/// Reads the header and the first rows of `path` and suggests a field for each column.
pub fn preview(path: &Path, options: &ReadOptions) -> Result<SheetPreview> {
    let mut sheet = Sheet::open(path, options)?;
    let mut sample = Vec::new();
    while sample.len() < 5 {
        match sheet.next_row() {
            Some(row) => {
                let row = row?;
                if row.cells.iter().any(|c| !c.is_empty()) {
                    sample.push(row.cells);
                }
            }
            None => break,
        }
    }
    Ok(SheetPreview {
        format: sheet.format.clone(),
        unread_sheets: sheet.unread_sheets(),
        sheet: sheet.sheet.clone(),
        sheets: sheet.sheets.clone(),
        header_row: sheet.header_row,
        suggestions: suggest_columns(&sheet.headers),
        headers: sheet.headers,
        sample,
    })
}

/// The suggested mapping of a sheet: every suggested column, no value mappings.
pub fn suggested_mapping(name: &str, preview: &SheetPreview) -> Mapping {
    Mapping {
        name: name.to_owned(),
        columns: preview
            .headers
            .iter()
            .zip(&preview.suggestions)
            .filter_map(|(h, s)| {
                s.map(|field| ColumnMapping {
                    column: h.clone(),
                    field,
                })
            })
            .collect(),
        ..Mapping::default()
    }
}
