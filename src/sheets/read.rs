//! Reading a spreadsheet as a header and a stream of rows of text.
//!
//! XLSX, XLS and ODS are read with `calamine`, one sheet: the one named in [`ReadOptions`],
//! else the first visible sheet with a filled cell (a hidden sheet of dropdown lists in front
//! of the register is passed over), else the first. Every sheet of the workbook is listed
//! with its count of non-empty rows ([`Sheet::sheets`]), and [`Sheet::unread_sheets`] names
//! the non-empty ones not read: a register kept one sheet per year is never read as its
//! first sheet without a word about the others. calamine holds the sheet read in memory, as
//! any reader of those zipped formats must; the other sheets of an XLSX or XLSB file are
//! counted from a stream of their cells.
//!
//! CSV is read with `csv` from a streaming `encoding_rs` decoder, so a CSV of any length is
//! read in constant memory. The encoding (UTF-8 with or without BOM, Windows-1257,
//! Windows-1251) and the delimiter (`,` `;` TAB) are sniffed from the start of the file
//! unless given. A CSV file that ends inside a quoted cell (one stray `"`) is refused naming
//! the line the quote is on: the reader would take every line after it as that one cell
//! (`QuoteWatch`).
//!
//! The header is the row with the most filled cells among the first ten (a merged title
//! cell above the real header fills one cell only); every cell is trimmed. Excel dates
//! arrive as ISO dates, other numbers as their shortest text (`12`, not `12.0`), error
//! values as Excel shows them (`#N/A`).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{Data, Reader};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How many rows from the top may hold titles above the header.
const HEADER_SEARCH_ROWS: usize = 10;
/// How much of a CSV file is looked at to guess its encoding and delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// Guessed from the file: a BOM, valid UTF-8, else Windows-1251 when most letters are
    /// outside ASCII (Cyrillic), else Windows-1257.
    #[default]
    Auto,
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// Windows-1257 (Baltic).
    Windows1257,
    /// Windows-1251 (Cyrillic).
    Windows1251,
}

/// How to read a file (every field is guessed when left as it is).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReadOptions {
    /// The encoding of a CSV file.
    #[serde(default)]
    pub encoding: TextEncoding,
    /// The delimiter of a CSV file (`,`, `;` or a tab); guessed when empty.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// The sheet of a workbook to read, by its name; when empty, the first visible sheet
    /// with a filled cell. A name the workbook does not have is an error listing its sheets;
    /// a CSV file has no sheets, so any name is an error.
    #[serde(default)]
    pub sheet: Option<String>,
}

/// A sheet of a workbook, as the preview and the dry run list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SheetSummary {
    /// Its name, as on its tab.
    pub name: String,
    /// Its rows with at least one filled cell (titles and the header counted).
    pub rows: usize,
    /// Hidden in the spreadsheet program (a sheet of dropdown lists often is).
    pub hidden: bool,
}

/// One data row: its number as the spreadsheet shows it (1-based) and its cells, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    /// The row number in the sheet (for CSV: the line the record starts on).
    pub number: usize,
    /// The cells, trimmed; a row may be shorter than the header.
    pub cells: Vec<String>,
}

enum Rows {
    Grid(std::vec::IntoIter<SourceRow>),
    /// The reader and the number of records read so far.
    Csv(
        Box<csv::Reader<QuoteWatch<DecodingReader<BufReader<File>>>>>,
        usize,
    ),
}

/// An open sheet: its header and the rows below it.
pub struct Sheet {
    /// The header cells, trimmed (an empty header cell is `""`).
    pub headers: Vec<String>,
    /// The row number of the header.
    pub header_row: usize,
    /// What the CSV reader settled on (for the preview), e.g. `windows-1257, ';'`.
    pub format: String,
    /// The name of the sheet read (`None` for a CSV file).
    pub sheet: Option<String>,
    /// Every sheet of the workbook, in its order, the one read among them (none for CSV).
    pub sheets: Vec<SheetSummary>,
    pending: VecDeque<SourceRow>,
    rows: Rows,
}

impl std::fmt::Debug for Sheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sheet")
            .field("columns", &self.headers.len())
            .field("header_row", &self.header_row)
            .field("format", &self.format)
            .field("sheets", &self.sheets.len())
            .finish_non_exhaustive()
    }
}

impl Sheet {
    /// Opens `path` (by its extension: `.csv`/`.txt`/`.tsv` as CSV, else as a workbook).
    pub fn open(path: &Path, options: &ReadOptions) -> Result<Sheet> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "csv" | "txt" | "tsv" => open_csv(path, options),
            "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => open_workbook(path, options),
            _ => Err(Error::invalid(format!(
                "'{}' is not a spreadsheet this app reads; save it as XLSX, XLS, ODS or CSV",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ))),
        }
    }

    /// What says that sheets holding rows were not read, naming each with its count of
    /// non-empty rows: "sheets '2023' (412 non-empty rows) and '2022' (380 non-empty rows)
    /// were not read; …". `None` when every other sheet is empty (and for CSV).
    pub fn unread_sheets(&self) -> Option<String> {
        let unread: Vec<String> = self
            .sheets
            .iter()
            .filter(|s| s.rows > 0 && self.sheet.as_deref() != Some(s.name.as_str()))
            .map(|s| {
                format!(
                    "'{}' ({}{} non-empty row{})",
                    s.name,
                    if s.hidden { "hidden, " } else { "" },
                    s.rows,
                    if s.rows == 1 { "" } else { "s" }
                )
            })
            .collect();
        let read = self.sheet.as_deref().unwrap_or_default();
        match unread.as_slice() {
            [] => None,
            [one] => Some(format!(
                "sheet {one} was not read, only '{read}'; import it on its own (choose it as \
                 the sheet to read)"
            )),
            [first @ .., last] => Some(format!(
                "sheets {} and {last} were not read, only '{read}'; import each on its own \
                 (choose it as the sheet to read)",
                first.join(", ")
            )),
        }
    }

    /// The next data row, or `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<SourceRow>> {
        if let Some(row) = self.pending.pop_front() {
            return Some(Ok(row));
        }
        match &mut self.rows {
            Rows::Grid(rows) => rows.next().map(Ok),
            Rows::Csv(reader, count) => next_csv(reader, count).transpose(),
        }
    }
}

impl Sheet {
    /// How many rows [`Sheet::next_row`] yields in all, read before any (for a progress
    /// bar): a workbook is in memory already; a CSV at `path` is read through once more.
    pub fn row_count(&self, path: &Path, options: &ReadOptions) -> Result<usize> {
        match &self.rows {
            Rows::Grid(rows) => Ok(self.pending.len() + rows.len()),
            Rows::Csv(..) => {
                let mut again = open_csv(path, options)?;
                let mut n = 0;
                while let Some(row) = again.next_row() {
                    row?;
                    n += 1;
                }
                Ok(n)
            }
        }
    }
}

impl Iterator for Sheet {
    type Item = Result<SourceRow>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

/// The header among the first rows: the one with the most filled cells (the first of
/// equals). Returns its index in `top`.
fn header_index(top: &[SourceRow]) -> Option<usize> {
    let filled = |r: &SourceRow| r.cells.iter().filter(|c| !c.is_empty()).count();
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in top.iter().enumerate() {
        let n = filled(row);
        if n > 0 && best.is_none_or(|(_, b)| n > b) {
            best = Some((i, n));
        }
    }
    best.map(|(i, _)| i)
}

fn finish(mut top: Vec<SourceRow>, format: String, rows: Rows) -> Result<Sheet> {
    let Some(at) = header_index(&top) else {
        return Err(Error::invalid(
            "the sheet is empty: no header row found in its first ten rows",
        ));
    };
    let header = top.remove(at);
    let pending: VecDeque<SourceRow> = top.into_iter().skip(at).collect();
    let mut headers = header.cells;
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    Ok(Sheet {
        headers,
        header_row: header.number,
        format,
        sheet: None,
        sheets: Vec::new(),
        pending,
        rows,
    })
}

// ---- workbooks ---------------------------------------------------------------------------

/// An Excel serial day number as a date (the 1900 date system, as Excel and LibreOffice
/// write it: day 60 is the non-existent 1900-02-29, so days count from 1899-12-30).
pub fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    // The range check above keeps the cast exact.
    #[allow(clippy::cast_possible_truncation)]
    let days = serial.floor() as i64;
    base.checked_add_signed(Duration::days(days))
}

/// A number as the shortest text: `12`, `12.5`.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Data::DateTime(dt) => excel_serial_date(dt.as_f64())
            .map(|d| d.to_string())
            .unwrap_or_else(|| number_text(dt.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        // Kept as the spreadsheet shows it (`#N/A`): the mapping makes it a problem of the
        // row (`mapping::spreadsheet_error`), never an empty cell.
        Data::Error(e) => e.to_string(),
    }
}

/// The most cells the first sheet of a workbook may span: rows × columns from its first to
/// its last filled cell. calamine holds a sheet as one dense grid of that size (and this
/// reader a row of text per grid row), so a file with one cell at A1 and one at XFD1048576
/// asked for 17 billion cells (about 550 GB) and aborted the app ("memory allocation of
/// 549755813888 bytes failed"; found while writing the fuzz target `sheets_read`, whose seed
/// `xlsx-far-cell` is that sheet). A register of 100,000 rows × 100 columns is far below it.
pub const MAX_GRID_CELLS: u64 = 10_000_000;

/// Whether a cell holds anything (a text of spaces is read as an empty cell).
fn filled(cell: &calamine::DataRef<'_>) -> bool {
    match cell {
        calamine::DataRef::Empty => false,
        calamine::DataRef::String(t) => !t.trim().is_empty(),
        calamine::DataRef::SharedString(t) => !t.trim().is_empty(),
        _ => true,
    }
}

/// Whether a cell of a sheet read whole holds anything, as [`filled`].
fn filled_data(cell: &Data) -> bool {
    match cell {
        Data::Empty => false,
        Data::String(t) => !t.trim().is_empty(),
        _ => true,
    }
}

/// One sheet's count of non-empty rows and, for XLSX and XLSB, the extent of its filled
/// cells (XLS and ODS files, which calamine reads whole when it opens them, are checked
/// before that by `extent`). The cells of an XLSX or XLSB sheet are streamed: no grid is
/// held, so a sheet that would need a huge one is counted, and refused only if it is the
/// sheet to read ([`Extent::check`]).
fn survey<RS: std::io::Read + std::io::Seek>(
    book: &mut calamine::Sheets<RS>,
    sheet: &str,
) -> std::result::Result<(usize, Extent), calamine::Error> {
    let mut rows = std::collections::HashSet::new();
    let mut extent = Extent::default();
    match book {
        calamine::Sheets::Xlsx(xlsx) => {
            let mut cells = xlsx
                .worksheet_cells_reader(sheet)
                .map_err(calamine::Error::Xlsx)?;
            while let Some(cell) = cells.next_cell().map_err(calamine::Error::Xlsx)? {
                if filled(cell.get_value()) {
                    extent.add(cell.get_position());
                    rows.insert(cell.get_position().0);
                }
            }
        }
        calamine::Sheets::Xlsb(xlsb) => {
            let mut cells = xlsb
                .worksheet_cells_reader(sheet)
                .map_err(calamine::Error::Xlsb)?;
            while let Some(cell) = cells.next_cell().map_err(calamine::Error::Xlsb)? {
                if filled(cell.get_value()) {
                    extent.add(cell.get_position());
                    rows.insert(cell.get_position().0);
                }
            }
        }
        calamine::Sheets::Xls(_) | calamine::Sheets::Ods(_) => {
            let range = book.worksheet_range(sheet)?;
            let count = range.rows().filter(|r| r.iter().any(filled_data)).count();
            return Ok((count, extent));
        }
    }
    Ok((rows.len(), extent))
}

/// The rows and columns from the first to the last filled cell of a sheet.
#[derive(Default)]
struct Extent(Option<((u32, u32), (u32, u32))>);

impl Extent {
    fn add(&mut self, (row, col): (u32, u32)) {
        let ((r0, c0), (r1, c1)) = self.0.unwrap_or(((row, col), (row, col)));
        self.0 = Some(((r0.min(row), c0.min(col)), (r1.max(row), c1.max(col))));
    }

    /// Refuses a sheet whose filled cells span more than [`MAX_GRID_CELLS`], before
    /// calamine allocates its grid.
    fn check(&self, name: &str, sheet: &str) -> Result<()> {
        let Some(((r0, c0), (r1, c1))) = self.0 else {
            return Ok(());
        };
        let rows = u64::from(r1 - r0) + 1;
        let cols = u64::from(c1 - c0) + 1;
        if rows.saturating_mul(cols) > MAX_GRID_CELLS {
            return Err(Error::invalid(format!(
                "sheet '{sheet}' of '{name}' spans {rows} rows by {cols} columns from its first \
                 to its last filled cell, more than this app reads ({MAX_GRID_CELLS} cells); \
                 delete what lies far outside the table (a stray cell far below or to the \
                 right) or save the sheet as CSV"
            )));
        }
        Ok(())
    }
}

/// The sheet to read of `book` (see [`ReadOptions::sheet`]), its cells and every sheet's
/// summary. Chart sheets hold no cells and are not listed.
fn read_book<RS: std::io::Read + std::io::Seek>(
    mut book: calamine::Sheets<RS>,
    name: &str,
    options: &ReadOptions,
    unreadable: &dyn Fn(calamine::Error) -> Error,
) -> Result<(calamine::Range<Data>, String, Vec<SheetSummary>)> {
    let listed: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ != calamine::SheetType::ChartSheet)
        .map(|s| (s.name.clone(), s.visible != calamine::SheetVisible::Visible))
        .collect();
    let mut sheets = Vec::with_capacity(listed.len());
    let mut extents = Vec::with_capacity(listed.len());
    for (sheet, hidden) in listed {
        let (rows, extent) = survey(&mut book, &sheet).map_err(unreadable)?;
        sheets.push(SheetSummary {
            name: sheet,
            rows,
            hidden,
        });
        extents.push(extent);
    }
    let at = match options.sheet.as_deref() {
        Some(wanted) => sheets
            .iter()
            .position(|s| s.name == wanted)
            .ok_or_else(|| {
                let names: Vec<String> = sheets.iter().map(|s| format!("'{}'", s.name)).collect();
                Error::invalid(format!(
                    "'{name}' has no sheet named '{wanted}'; its sheets are {}",
                    names.join(", ")
                ))
            })?,
        None => sheets
            .iter()
            .position(|s| s.rows > 0 && !s.hidden)
            .or_else(|| sheets.iter().position(|s| s.rows > 0))
            .unwrap_or(0),
    };
    let (Some(chosen), Some(extent)) = (sheets.get(at), extents.get(at)) else {
        return Err(Error::invalid(format!("'{name}' has no sheet")));
    };
    extent.check(name, &chosen.name)?;
    let range = book.worksheet_range(&chosen.name).map_err(unreadable)?;
    let chosen = chosen.name.clone();
    Ok((range, chosen, sheets))
}

/// Opens a workbook with the reader its (lower-cased) extension names (XLS is opened from
/// the checked stream instead, in `open_workbook`). Not
/// `calamine::open_workbook_auto`: it matches extensions case-sensitively and tries every
/// reader, XLS first, on any other, so `BOOK.XLSX` holding an XLS file would reach the XLS
/// reader without the size check.
fn open_by_extension(
    path: &Path,
    extension: &str,
) -> std::result::Result<calamine::Sheets<BufReader<File>>, calamine::Error> {
    use calamine::{Sheets, open_workbook};
    Ok(match extension {
        "xlsb" => Sheets::Xlsb(open_workbook(path).map_err(calamine::Error::Xlsb)?),
        "ods" => Sheets::Ods(open_workbook(path).map_err(calamine::Error::Ods)?),
        _ => Sheets::Xlsx(open_workbook(path).map_err(calamine::Error::Xlsx)?),
    })
}

fn open_workbook(path: &Path, options: &ReadOptions) -> Result<Sheet> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unreadable = |e: calamine::Error| {
        Error::invalid(format!(
            "'{name}' could not be read as a workbook ({e}); open it in a spreadsheet program \
             and save it again as XLSX or CSV"
        ))
    };
    // calamine can panic on a hostile file: its cell-reference parser multiplies without a
    // check, so a column name of 100 letters overflows (a panic where overflow checks are on,
    // as in debug builds; found by the fuzz target `sheets_read`). Everything calamine does
    // runs inside `catch_unwind`, and a panic is the same error as an unreadable file;
    // nothing of the app's state is inside the closure.
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // calamine reads every sheet of an XLS or ODS file when it opens it: a file that
        // would need a huge grid is refused before (`extent`).
        match extension.as_str() {
            "xls" => {
                // calamine reads the stream the check read, re-written (`extent::check_xls`).
                let checked = super::extent::check_xls(path, &name)?;
                let book = calamine::Xls::new(std::io::Cursor::new(checked))
                    .map_err(|e| unreadable(calamine::Error::Xls(e)))?;
                return read_book(calamine::Sheets::Xls(book), &name, options, &unreadable);
            }
            "ods" => super::extent::check_ods(path, &name)?,
            _ => {}
        }
        let book = open_by_extension(path, &extension).map_err(unreadable)?;
        read_book(book, &name, options, &unreadable)
    }));
    let (range, sheet, sheets) = read.unwrap_or_else(|_| {
        Err(Error::invalid(format!(
            "'{name}' could not be read as a workbook (the reader failed on its contents); \
             open it in a spreadsheet program and save it again as XLSX or CSV"
        )))
    })?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut all: Vec<SourceRow> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut out: Vec<String> = vec![String::new(); first_col];
            out.extend(cells.iter().map(cell_text));
            SourceRow {
                number: first_row + i + 1,
                cells: out,
            }
        })
        .collect();
    let rest = all.split_off(all.len().min(HEADER_SEARCH_ROWS));
    let kind = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_uppercase())
        .unwrap_or_default();
    let mut read = finish(all, kind, Rows::Grid(rest.into_iter())).map_err(|e| match e {
        Error::InvalidInput(m) => Error::invalid(format!("sheet '{sheet}': {m}")),
        other => other,
    })?;
    read.sheet = Some(sheet);
    read.sheets = sheets;
    Ok(read)
}

// ---- CSV ---------------------------------------------------------------------------------

/// A `Read` that turns bytes of one encoding into UTF-8 as they are read (through
/// `encoding_rs`'s streaming decoder; a UTF-8 BOM is removed).
pub(crate) struct DecodingReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> DecodingReader<R> {
    pub(crate) fn new(inner: R, encoding: &'static encoding_rs::Encoding) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.new_decoder(),
            input: vec![0; 16 * 1024],
            output: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.output.len() {
            if self.done {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.input)?;
            let last = n == 0;
            let cap = self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 3 + 16);
            self.output.clear();
            self.output.resize(cap, 0);
            self.at = 0;
            let (_, read, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[..n], &mut self.output, last);
            debug_assert_eq!(read, n);
            self.output.truncate(written);
            self.done = last;
        }
        let n = buf.len().min(self.output.len() - self.at);
        buf[..n].copy_from_slice(&self.output[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The encoding of a CSV file from its first bytes.
pub fn sniff_encoding(sample: &[u8], complete: bool) -> &'static encoding_rs::Encoding {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(sample) {
        return enc;
    }
    let valid = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // Cut in the middle of a character at the end of the sample.
        Err(e) => !complete && e.error_len().is_none(),
    };
    if valid {
        return encoding_rs::UTF_8;
    }
    // Russian text is nearly all letters above 0x7F; Lithuanian and Latvian text is mostly
    // ASCII letters with a few accented ones.
    let high = sample.iter().filter(|b| **b >= 0xC0).count();
    let ascii_letters = sample.iter().filter(|b| b.is_ascii_alphabetic()).count();
    if high > ascii_letters {
        encoding_rs::WINDOWS_1251
    } else {
        encoding_rs::WINDOWS_1257
    }
}

/// The delimiter of a CSV text: of `,` `;` TAB, the one that splits the first lines into
/// the same number (> 1) of fields most often, then the most fields.
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for delim in [b',', b';', b'\t'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delim)
            .from_reader(text.as_bytes());
        let mut counts: Vec<usize> = Vec::new();
        for record in reader.records().take(20) {
            match record {
                Ok(r) => counts.push(r.len()),
                Err(_) => break,
            }
        }
        // The last line of a sample may be cut.
        if counts.len() > 1 {
            counts.pop();
        }
        let Some(&widest) = counts.iter().max() else {
            continue;
        };
        if widest < 2 {
            continue;
        }
        let agree = counts.iter().filter(|&&c| c == widest).count();
        if (agree, widest) > (best.1, best.2) {
            best = (delim, agree, widest);
        }
    }
    best.0
}

/// Where a CSV reader is in a record, as `csv-core`'s reader walks it with the settings
/// `open_csv` gives it (quoting on, `"` doubled inside a quoted cell for a quote, no escape
/// character, no comments, any of CR, LF, CRLF ending a record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    /// At the start of a cell: a quote here opens a quoted cell.
    CellStart,
    /// In a cell not opened by a quote: a quote is a character like any other.
    InCell,
    /// In a quoted cell: delimiters and line breaks are part of the cell.
    InQuoted,
    /// Just after a quote in a quoted cell: another quote is a quote in the cell; anything
    /// else means the cell was closed.
    QuoteInQuoted,
}

/// A `Read` that watches the bytes the CSV reader reads, to tell whether the file ends
/// inside a quoted cell: the `csv` crate then ends the cell at the end of the file without
/// an error, so one stray quote (`"Ona`) turned every line after it into one cell of one
/// row, and the rows on those lines were lost without a word. The state machine is
/// `csv-core`'s (`transition_nfa`), reduced to the settings `open_csv` uses.
pub(crate) struct QuoteWatch<R> {
    inner: R,
    delimiter: u8,
    state: QuoteState,
    /// The line being read (1-based; LF, CRLF or a lone CR ends a line).
    line: usize,
    after_cr: bool,
    /// The line the quoted cell being read opened on.
    opened_on: usize,
}

impl<R> QuoteWatch<R> {
    pub(crate) fn new(inner: R, delimiter: u8) -> Self {
        QuoteWatch {
            inner,
            delimiter,
            state: QuoteState::CellStart,
            line: 1,
            after_cr: false,
            opened_on: 0,
        }
    }

    fn watch(&mut self, bytes: &[u8]) {
        for &c in bytes {
            let line_break = c == b'\r' || c == b'\n';
            self.state = match self.state {
                QuoteState::CellStart if c == b'"' => {
                    self.opened_on = self.line;
                    QuoteState::InQuoted
                }
                QuoteState::InQuoted if c == b'"' => QuoteState::QuoteInQuoted,
                QuoteState::InQuoted => QuoteState::InQuoted,
                QuoteState::QuoteInQuoted if c == b'"' => QuoteState::InQuoted,
                _ if c == self.delimiter || line_break => QuoteState::CellStart,
                _ => QuoteState::InCell,
            };
            // A line of the file, as an editor counts it.
            if c == b'\n' {
                if !self.after_cr {
                    self.line += 1;
                }
            } else if c == b'\r' {
                self.line += 1;
            }
            self.after_cr = c == b'\r';
        }
    }

    /// The line of the quoted cell the bytes read so far end in, if they end in one.
    fn unclosed_quote(&self) -> Option<usize> {
        (self.state == QuoteState::InQuoted).then_some(self.opened_on)
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.watch(&buf[..n]);
        Ok(n)
    }
}

/// The error of a CSV file that ends inside the quoted cell opened on `line`.
fn unclosed_quote(line: usize) -> Error {
    Error::invalid(format!(
        "line {line}: a quote (\") opens a cell that is never closed, so every line after it \
         would be read as that one cell; correct the quote in the file (or save it again from \
         the spreadsheet program)"
    ))
}

/// The next record; rows are numbered by record, as a spreadsheet program shows the file
/// (a quoted cell over several lines is still one row). At the end of the file, a quoted
/// cell never closed is an error (see [`QuoteWatch`]).
fn next_csv(
    reader: &mut csv::Reader<QuoteWatch<DecodingReader<BufReader<File>>>>,
    count: &mut usize,
) -> Result<Option<SourceRow>> {
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {
            *count += 1;
            Ok(Some(SourceRow {
                number: *count,
                cells: record.iter().map(|c| c.trim().to_owned()).collect(),
            }))
        }
        // The end of the file: the watch has seen every byte the reader parsed.
        Ok(false) => match reader.get_ref().unclosed_quote() {
            Some(line) => Err(unclosed_quote(line)),
            None => Ok(None),
        },
        Err(e) => Err(Error::invalid(format!(
            "the CSV file could not be read past line {}: {e}; check that it is a CSV file",
            e.position().map_or(0, |p| p.line())
        ))),
    }
}

fn open_csv(path: &Path, options: &ReadOptions) -> Result<Sheet> {
    if let Some(sheet) = &options.sheet {
        return Err(Error::invalid(format!(
            "a CSV file has no sheets, so sheet '{sheet}' cannot be read from it; leave the \
             sheet empty"
        )));
    }
    let mut sample = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)
        .map_err(Error::io(path))?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(Error::io(path))?;
    let complete = sample.len() < SNIFF_BYTES;
    let encoding = match options.encoding {
        TextEncoding::Auto => sniff_encoding(&sample, complete),
        TextEncoding::Utf8 => encoding_rs::UTF_8,
        TextEncoding::Windows1257 => encoding_rs::WINDOWS_1257,
        TextEncoding::Windows1251 => encoding_rs::WINDOWS_1251,
    };
    let delimiter = match options.delimiter {
        Some(c @ (',' | ';' | '\t' | '|')) => c as u8,
        Some(other) => {
            return Err(Error::invalid(format!(
                "'{other}' is not a CSV delimiter this app reads; use , ; or a tab"
            )));
        }
        None => {
            let (text, _) = encoding.decode_with_bom_removal(&sample);
            sniff_delimiter(&text)
        }
    };
    let file = File::open(path).map_err(Error::io(path))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(QuoteWatch::new(
            DecodingReader::new(BufReader::new(file), encoding),
            delimiter,
        ));
    let mut top = Vec::new();
    let mut count = 0;
    while top.len() < HEADER_SEARCH_ROWS {
        match next_csv(&mut reader, &mut count)? {
            Some(row) => top.push(row),
            None => break,
        }
    }
    let shown = match delimiter {
        b'\t' => "tab".to_owned(),
        d => format!("'{}'", d as char),
    };
    finish(
        top,
        format!("CSV, {}, {shown}", encoding.name().to_ascii_lowercase()),
        Rows::Csv(Box::new(reader), count),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_one_that_splits_lines_alike() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), b';');
        assert_eq!(sniff_delimiter("a,b,c\n1,\"2;5\",3\n4,5,6\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n4\t5\t6\n"), b'\t');
    }

    #[test]
    fn legacy_encodings_are_told_apart() {
        let (lt, _, _) = encoding_rs::WINDOWS_1257.encode("Vardas;Pavardė\nŽemaitė;Ona\n");
        assert_eq!(sniff_encoding(&lt, true), encoding_rs::WINDOWS_1257);
        let (ru, _, _) = encoding_rs::WINDOWS_1251.encode("Имя;Фамилия\nОльга;Жемайте\n");
        assert_eq!(sniff_encoding(&ru, true), encoding_rs::WINDOWS_1251);
        assert_eq!(
            sniff_encoding("Žemaitė".as_bytes(), true),
            encoding_rs::UTF_8
        );
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFa,b", true), encoding_rs::UTF_8);
    }

    #[test]
    fn excel_serials_count_from_the_excel_epoch() {
        assert_eq!(
            excel_serial_date(45356.0).map(|d| d.to_string()),
            Some("2024-03-05".into())
        );
        assert_eq!(excel_serial_date(-1.0), None);
    }

    #[test]
    fn decoding_reader_streams_small_reads() {
        let text = "Žemaitė ".repeat(5000);
        let (bytes, _, _) = encoding_rs::WINDOWS_1257.encode(&text);
        let mut r = DecodingReader::new(&bytes[..], encoding_rs::WINDOWS_1257);
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = r.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(String::from_utf8(out).ok(), Some(text));
    }
}

#[cfg(test)]
mod hostile_workbooks {
    use super::*;

    /// An XLSX with the sheet's first four rows and one more filled cell at XFD1048576:
    /// calamine would allocate a grid of 1,048,576 × 16,384 cells for it, and the failed
    /// allocation aborted the process (the whole test binary, before the check).
    #[test]
    fn a_far_away_cell_is_refused_before_the_grid_is_allocated() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sheets/hostile-far-cell.xlsx");
        let err = Sheet::open(&path, &ReadOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("spans") && err.contains("16384 columns") && err.contains("save"),
            "{err}"
        );
    }

    /// An XLSX whose dimension names a column of 100 letters (the fuzz target
    /// `sheets_read`'s finding, zipped into `en.xlsx`): calamine's cell-reference parser
    /// overflowed and panicked (with overflow checks on, as in this test build).
    #[test]
    fn a_reader_panic_on_a_hostile_workbook_is_an_error() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sheets/hostile-long-column.xlsx");
        let err = Sheet::open(&path, &ReadOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("could not be read as a workbook") && err.contains("save it again"),
            "{err}"
        );
    }

    #[test]
    fn a_sheet_within_the_limit_still_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets/en.xlsx");
        let sheet = Sheet::open(&path, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.headers.first().map(String::as_str), Some("Client No"));
    }
}

#[cfg(test)]
mod csv_lines {
    use super::*;

    #[test]
    fn csv_rows_are_numbered_by_their_line() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("a.csv");
        std::fs::write(
            &path,
            "title\t\t\r\n\t\t\r\nA\tB\tC\r\n\"1\r\nx\"\t2\t3\r\n4\t5\t6\r\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let sheet = Sheet::open(&path, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.header_row, 3);
        let rows: Vec<usize> = sheet.filter_map(|r| r.ok()).map(|r| r.number).collect();
        assert_eq!(rows, vec![4, 5]);
    }

    /// Every row of `text` read as `a.csv`, or the error.
    fn read_all(text: &str) -> std::result::Result<Vec<Vec<String>>, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("a.csv");
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        let options = ReadOptions {
            delimiter: Some(';'),
            ..ReadOptions::default()
        };
        let sheet = Sheet::open(&path, &options).map_err(|e| e.to_string())?;
        let mut rows = vec![sheet.headers.clone()];
        for row in sheet {
            rows.push(row.map_err(|e| e.to_string())?.cells);
        }
        Ok(rows)
    }

    #[test]
    fn a_quote_never_closed_is_an_error_naming_the_line_it_opened_on() {
        // Line 3 opens a quoted cell over two lines (closed on line 4); line 6 opens one
        // that the file never closes.
        let text = "A;B\r\n1;2\r\n\"x\r\ny\";3\r\n4;5\r\n\"Ona;6\r\n7;8\r\n";
        let err = read_all(text).err().unwrap_or_default();
        assert!(
            err.starts_with("line 6: a quote (\") opens a cell that is never closed"),
            "{err}"
        );
        // Lines ended by a lone CR are counted too; a doubled quote inside a quoted cell
        // is a quote, so `"a""` is still open at the end.
        let err = read_all("A;B\r1;2\r\"a\"\";3\r").err().unwrap_or_default();
        assert!(err.starts_with("line 3: "), "{err}");
    }

    #[test]
    fn quotes_the_csv_reader_reads_as_closed_or_as_text_are_not_errors() {
        // A quote inside a cell that did not open with one is a character (csv-core reads
        // it so); `"a"""` is a closed cell holding `a"`; `"a"b` is closed, then text; a
        // quoted delimiter and line break stay in their cell.
        let text = "A;B\nOna \"K;1\n\"a\"\"\";2\n\"a\"b;3\n\"x;\ny\";4\n";
        assert_eq!(
            read_all(text),
            Ok(vec![
                vec!["A".to_owned(), "B".to_owned()],
                vec!["Ona \"K".to_owned(), "1".to_owned()],
                vec!["a\"".to_owned(), "2".to_owned()],
                vec!["ab".to_owned(), "3".to_owned()],
                vec!["x;\ny".to_owned(), "4".to_owned()],
            ])
        );
        // The same quotes with no line break after the last row.
        assert!(read_all(text.trim_end()).is_ok());
    }
}
