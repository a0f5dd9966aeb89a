//! The size check of XLS and ODS workbooks before `calamine` opens them.
//!
//! calamine reads every sheet of an XLS or ODS file into memory when it opens the file, so a
//! hostile file is refused here, by a streaming pass over its records, before calamine
//! allocates anything for it:
//!
//! - **XLS**: a sheet's DIMENSIONS record makes calamine reserve rows × columns cells (the
//!   record can claim 4 billion rows), and one cell far away (row and column are 16-bit)
//!   makes it allocate the grid from the first to the last cell: both aborted the process
//!   ("memory allocation of … bytes failed"). The `Workbook` stream is read through the
//!   `cfb` crate and its records are walked the way calamine walks them.
//! - **ODS**: `table:number-columns-repeated` and `table:number-rows-repeated` expand one
//!   cell of `content.xml` into up to 16,384 cells of a row and one row into up to 1,048,576;
//!   a few kilobytes of compressed XML expanded into gigabytes. `content.xml` is streamed
//!   through `quick-xml` and the cells calamine would hold are counted.
//!
//! The limit is [`super::read::MAX_GRID_CELLS`] for all the sheets of the file together
//! (calamine holds them all). An XLS file whose compound-file structure `cfb` cannot read
//! is refused, and calamine reads the checked stream re-written by `cfb` ([`check_xls`]),
//! so the check and calamine read the same records. An ODS file is read with the crates
//! and settings calamine uses (`zip`, `quick-xml`); one this pass cannot make sense of is
//! left to calamine, whose error is then the one reported.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::read::MAX_GRID_CELLS;
use crate::error::{Error, Result};

/// The most columns calamine gives an ODS row.
const ODS_MAX_COLUMNS: u64 = 16_384;

fn too_big(name: &str, cells: u64) -> Error {
    Error::invalid(format!(
        "'{name}' would take {cells} cells or more to read (from the first to the last \
         filled cell of its sheets, repeated rows and columns counted), more than this app \
         reads ({MAX_GRID_CELLS} cells); delete what lies far outside the table (a stray \
         cell far below or to the right, or a value repeated across whole rows or columns) \
         or save the sheet as CSV"
    ))
}

/// Cells counted so far, against the limit.
struct Budget<'n> {
    name: &'n str,
    cells: u64,
}

impl Budget<'_> {
    fn add(&mut self, rows: u64, cols: u64) -> Result<()> {
        self.cells = self.cells.saturating_add(rows.saturating_mul(cols));
        if self.cells > MAX_GRID_CELLS {
            return Err(too_big(self.name, self.cells));
        }
        Ok(())
    }
}

// ---- XLS ----------------------------------------------------------------------------------

/// The records of a BIFF stream from `at`: (type, data). Stops at the end of the stream or
/// at a record that runs past it.
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = at;
    std::iter::from_fn(move || {
        let head = stream.get(at..at.checked_add(4)?)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((typ, data))
    })
}

fn u16_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        d.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// The cells calamine would reserve for a DIMENSIONS record (as `calamine::xls` reads it:
/// rows from the first to the last, columns likewise; a last row before the first wraps
/// around there, counted here as the most rows a record can name).
fn dimensions(d: &[u8]) -> Option<(u64, u64)> {
    let (rf, rl, mut cf, cl) = match d.len() {
        10 => (u16_at(d, 0)?, u16_at(d, 2)?, u16_at(d, 4)?, u16_at(d, 6)?),
        14 | 16 => (u32_at(d, 0)?, u32_at(d, 4)?, u16_at(d, 8)?, u16_at(d, 10)?),
        _ => return None,
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    if rl == 0 || cl == 0 {
        return Some((1, 1));
    }
    let rows = match (rl - 1).checked_sub(rf) {
        Some(n) => u64::from(n) + 1,
        None => u64::from(u32::MAX) + 1,
    };
    let cols = match (cl - 1).checked_sub(cf) {
        Some(n) => u64::from(n) + 1,
        None => u64::from(u32::MAX) + 1,
    };
    Some((rows, cols))
}

/// The (row, first column, last column) a cell record fills, for the records calamine
/// turns into cells.
fn cell_of(typ: u16, d: &[u8]) -> Option<(u32, u32, u32)> {
    match typ {
        // Number, Label, RString, BoolErr, Rk, LabelSst, Formula.
        0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
            let col = u16_at(d, 2)?;
            Some((u16_at(d, 0)?, col, col))
        }
        // MulRk: the row, the first column, …, the last column.
        0x00BD => Some((
            u16_at(d, 0)?,
            u16_at(d, 2)?,
            u16_at(d, d.len().checked_sub(2)?)?,
        )),
        _ => None,
    }
}

/// Checks an XLS file and returns the workbook calamine is to read: a new compound file
/// (written by `cfb`) holding only the `Workbook` stream this pass checked. Refuses a file
/// whose sheets would make calamine reserve or allocate more than [`MAX_GRID_CELLS`] cells,
/// and a file whose compound-file structure `cfb` cannot read.
///
/// calamine reads compound files with a reader of its own, more lenient than `cfb`: the
/// fuzzer found a file `cfb` refused ("Malformed FAT") that calamine read, so that a check
/// that left such files to calamine let a far-away cell through (4 billion cells, the
/// process aborted). Handing calamine the very bytes checked, in a compound file `cfb`
/// wrote, means no difference between the two readers can reach calamine's allocations.
pub(crate) fn check_xls(path: &Path, name: &str) -> Result<Vec<u8>> {
    let damaged = |what: String| {
        Error::invalid(format!(
            "'{name}' could not be read as a workbook ({what}); open it in a spreadsheet \
             program and save it again as XLSX or CSV"
        ))
    };
    let mut book = cfb::open(path).map_err(|e| damaged(format!("its compound file: {e}")))?;
    let stream = ["/Workbook", "/Book"]
        .iter()
        .find_map(|s| book.open_stream(s).ok());
    let Some(mut stream) = stream else {
        return Err(damaged("it has no Workbook stream".to_owned()));
    };
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .map_err(|e| damaged(format!("its Workbook stream: {e}")))?;
    drop(stream);
    drop(book);
    check_xls_stream(&bytes, name)?;
    rewrap(bytes).map_err(|e| damaged(format!("rewriting it: {e}")))
}

/// `stream` as the `Workbook` stream of a new compound file (version 3, 512-byte sectors, as
/// Excel writes it). A stream shorter than 4 KiB is padded with zero bytes after its end
/// (records of type 0 and length 0, which are no cells), so that it is kept in regular
/// sectors rather than the mini stream, as in every file Excel writes.
fn rewrap(mut stream: Vec<u8>) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    stream.resize(stream.len().max(4096), 0);
    let mut book =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new()))?;
    let mut s = book.create_stream("/Workbook")?;
    s.write_all(&stream)?;
    drop(s);
    book.flush()?;
    Ok(book.into_inner().into_inner())
}

/// The size check of a `Workbook` stream (see [`check_xls`]).
fn check_xls_stream(bytes: &[u8], name: &str) -> Result<()> {
    // The globals: where each sheet starts.
    let mut sheets = Vec::new();
    for (typ, d) in records(bytes, 0) {
        match typ {
            0x0085 => sheets.extend(u32_at(d, 0)),
            // FilePass: the records after it are encrypted (calamine reads none of them).
            0x002F => {
                return Err(Error::invalid(format!(
                    "'{name}' is protected with a password; open it in a spreadsheet program, \
                     remove the password and save it again as XLSX or CSV"
                )));
            }
            0x000A => break,
            _ => {}
        }
    }
    let mut budget = Budget { name, cells: 0 };
    for at in sheets {
        let mut extent: Option<(u32, u32, u32, u32)> = None;
        // Where calamine puts a String record's value: at the last Formula record's cell,
        // or at A1 before any (a String record with no formula before it is a cell at A1).
        let mut formula_at: (u32, u32) = (0, 0);
        let mut seen_bof = false;
        let mut depth = 0usize;
        for (typ, d) in records(bytes, at as usize) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x0200 => {
                    if let Some((rows, cols)) = dimensions(d) {
                        budget.add(rows, cols)?;
                    }
                }
                _ => {
                    if typ == 0x0006
                        && let (Some(row), Some(col)) = (u16_at(d, 0), u16_at(d, 2))
                    {
                        formula_at = (row, col);
                    }
                    let cell = if typ == 0x0207 {
                        Some((formula_at.0, formula_at.1, formula_at.1))
                    } else {
                        cell_of(typ, d)
                    };
                    if let Some((row, c0, c1)) = cell {
                        let (lo, hi) = (c0.min(c1), c0.max(c1));
                        extent = Some(match extent {
                            None => (row, row, lo, hi),
                            Some((r0, r1, k0, k1)) => {
                                (r0.min(row), r1.max(row), k0.min(lo), k1.max(hi))
                            }
                        });
                    }
                }
            }
        }
        if let Some((r0, r1, c0, c1)) = extent {
            // The grid calamine allocates for the cells, and once more for the formulas.
            let (rows, cols) = (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1);
            budget.add(rows, cols)?;
            budget.add(rows, cols)?;
        }
    }
    Ok(())
}

// ---- ODS ----------------------------------------------------------------------------------

fn attr_count(e: &BytesStart<'_>, name: &str) -> u64 {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.value.trim().parse::<u64>().ok())
        .unwrap_or(1)
}

/// One table's count: the cells calamine pushes while reading its rows, and its grid (the
/// rows, repeats counted, from the first to the last filled row, by the widest row).
#[derive(Default)]
struct OdsTable {
    read_cells: u64,
    rows_seen: u64,
    first_filled: Option<u64>,
    last_filled: u64,
    width: u64,
}

/// The row being read: its repeats, its columns so far, the cells calamine has pushed for
/// it (every cell before the current one, and a filled one's repeats), and the columns up
/// to its last filled cell.
#[derive(Default)]
struct OdsRow {
    repeats: u64,
    cols: u64,
    pushed: u64,
    filled_to: u64,
}

/// Refuses an ODS file whose tables would make calamine hold more than [`MAX_GRID_CELLS`]
/// cells.
pub(crate) fn check_ods(path: &Path, name: &str) -> Result<()> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    // Read as calamine reads it (the same crate and settings), so that this pass sees every
    // row and cell calamine will.
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut budget = Budget { name, cells: 0 };
    let mut table = OdsTable::default();
    let mut row: Option<OdsRow> = None;
    // The cell being read: its repeats and whether it holds anything.
    let mut cell: Option<(u64, bool)> = None;
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                "table:table-row" => {
                    row = Some(OdsRow {
                        repeats: attr_count(&e, "table:number-rows-repeated"),
                        ..OdsRow::default()
                    });
                }
                "table:table-cell" | "table:covered-table-cell" if cell.is_none() => {
                    let valued = e
                        .try_get_attribute("office:value-type")
                        .ok()
                        .flatten()
                        .is_some()
                        || e.try_get_attribute("table:formula")
                            .ok()
                            .flatten()
                            .is_some();
                    cell = Some((attr_count(&e, "table:number-columns-repeated"), valued));
                }
                _ => {
                    // Anything inside a cell (a paragraph of text) fills it.
                    if let Some((_, filled)) = &mut cell {
                        *filled = true;
                    }
                }
            },
            Ok(Event::Text(t)) => {
                if let Some((_, filled)) = &mut cell
                    && t.chars().any(|c| !c.is_whitespace())
                {
                    *filled = true;
                }
            }
            Ok(Event::GeneralRef(_) | Event::CData(_)) => {
                if let Some((_, filled)) = &mut cell {
                    *filled = true;
                }
            }
            Ok(Event::End(e)) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let (Some((repeats, filled)), Some(r)) = (cell.take(), &mut row) {
                        // Every cell before this one is pushed (calamine pushes the empty
                        // ones before the next cell), then this one's repeats if filled.
                        let before = r.cols;
                        r.cols = r.cols.saturating_add(repeats).min(ODS_MAX_COLUMNS);
                        r.pushed = if filled { r.cols } else { before };
                        if filled {
                            r.filled_to = r.cols;
                        }
                    }
                }
                "table:table-row" => {
                    if let Some(r) = row.take() {
                        table.read_cells = table.read_cells.saturating_add(r.pushed);
                        if r.filled_to > 0 {
                            table.first_filled.get_or_insert(table.rows_seen);
                            table.last_filled = table.rows_seen.saturating_add(r.repeats);
                            table.width = table.width.max(r.filled_to);
                        }
                        table.rows_seen = table.rows_seen.saturating_add(r.repeats);
                        if table.read_cells > MAX_GRID_CELLS {
                            return Err(too_big(name, table.read_cells));
                        }
                    }
                }
                "table:table" => {
                    let t = std::mem::take(&mut table);
                    let rows = t.first_filled.map_or(0, |f| t.last_filled - f);
                    budget.add(1, t.read_cells)?;
                    budget.add(rows, t.width)?;
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::PathBuf;

    use crate::sheets::{ReadOptions, Sheet};

    fn open_err(path: &std::path::Path) -> String {
        match Sheet::open(path, &ReadOptions::default()) {
            Ok(_) => "opened".to_owned(),
            Err(e) => e.to_string(),
        }
    }

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend(u16::try_from(data.len()).unwrap_or(0).to_le_bytes());
        r.extend(data);
        r
    }

    fn bof(kind: u16) -> Vec<u8> {
        let mut d = 0x0600u16.to_le_bytes().to_vec();
        d.extend(kind.to_le_bytes());
        d.extend([0u8; 12]);
        record(0x0809, &d)
    }

    /// An XLS workbook (BIFF8 in a compound file, written through `cfb`) of one sheet with
    /// the DIMENSIONS record `dims` (first row, last row + 1, first column, last column +
    /// 1) and a number in each cell of `cells`.
    fn xls(dir: &std::path::Path, dims: (u32, u32, u16, u16), cells: &[(u16, u16)]) -> PathBuf {
        xls_with(dir, dims, cells, &[])
    }

    /// [`xls`] with the records `after` (type, data) written after the numbers.
    fn xls_with(
        dir: &std::path::Path,
        dims: (u32, u32, u16, u16),
        cells: &[(u16, u16)],
        after: &[(u16, Vec<u8>)],
    ) -> PathBuf {
        xls_full(dir, &[], dims, cells, after)
    }

    /// [`xls_with`] with the records `globals` written in the workbook globals, after the
    /// BOF.
    fn xls_full(
        dir: &std::path::Path,
        globals: &[(u16, Vec<u8>)],
        dims: (u32, u32, u16, u16),
        cells: &[(u16, u16)],
        after: &[(u16, Vec<u8>)],
    ) -> PathBuf {
        let mut sheet_entry = vec![0u8; 4];
        sheet_entry.extend([0, 0, 6, 0]);
        sheet_entry.extend(b"Sheet1");
        let mut stream = bof(0x0005);
        for (typ, d) in globals {
            stream.extend(record(*typ, d));
        }
        let position_at = stream.len() + 4;
        stream.extend(record(0x0085, &sheet_entry));
        stream.extend(record(0x000A, &[]));
        let sheet_at = u32::try_from(stream.len()).unwrap_or(0);
        stream[position_at..position_at + 4].copy_from_slice(&sheet_at.to_le_bytes());
        stream.extend(bof(0x0010));
        let mut d = dims.0.to_le_bytes().to_vec();
        d.extend(dims.1.to_le_bytes());
        d.extend(dims.2.to_le_bytes());
        d.extend(dims.3.to_le_bytes());
        d.extend([0u8; 2]);
        stream.extend(record(0x0200, &d));
        for (i, (row, col)) in cells.iter().enumerate() {
            let mut d = row.to_le_bytes().to_vec();
            d.extend(col.to_le_bytes());
            d.extend(0u16.to_le_bytes());
            d.extend((i as f64 + 1.0).to_le_bytes());
            stream.extend(record(0x0203, &d));
        }
        for (typ, d) in after {
            stream.extend(record(*typ, d));
        }
        stream.extend(record(0x000A, &[]));
        // A stream of 4 KiB or more is kept in the compound file's regular sectors.
        stream.resize(stream.len().max(4096), 0);
        let path = dir.join("book.xls");
        // Version 3 (512-byte sectors), as Excel writes it; calamine reads no version 4
        // file without a mini stream.
        let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut book = cfb::CompoundFile::create_with_version(cfb::Version::V3, file)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut s = book
            .create_stream("/Workbook")
            .unwrap_or_else(|e| panic!("{e}"));
        s.write_all(&stream).unwrap_or_else(|e| panic!("{e}"));
        drop(s);
        book.flush().unwrap_or_else(|e| panic!("{e}"));
        path
    }

    /// An ODS workbook whose only table holds `rows` (table-row elements, written as
    /// given).
    fn ods(dir: &std::path::Path, rows: &str) -> PathBuf {
        let path = dir.join("book.ods");
        let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut zip = zip::ZipWriter::new(file);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let mut put = |name: &str, text: &str| {
            zip.start_file(name, stored)
                .unwrap_or_else(|e| panic!("{e}"));
            zip.write_all(text.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        };
        put("mimetype", "application/vnd.oasis.opendocument.spreadsheet");
        put(
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        );
        put(
            "content.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-column/>{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
            ),
        );
        zip.finish().unwrap_or_else(|e| panic!("{e}"));
        path
    }

    const HEADER_ROW: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Vardas</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Pavardė</text:p></table:table-cell></table:table-row>"#;

    /// A number repeated across all 16,384 columns, in a row repeated `times` times.
    fn wide_row(times: u64) -> String {
        format!(
            r#"<table:table-row table:number-rows-repeated="{times}"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"><text:p>1</text:p></table:table-cell></table:table-row>"#
        )
    }

    /// The generated workbooks are real ones: within the limit calamine reads them (so the
    /// refusals below are the size check's, not a broken file's).
    #[test]
    fn generated_xls_and_ods_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let small = xls(dir.path(), (0, 3, 0, 2), &[(0, 0), (0, 1), (2, 1)]);
        let sheet = Sheet::open(&small, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.headers, vec!["1", "2"]);
        let small = ods(
            dir.path(),
            &format!(
                "{HEADER_ROW}{}<table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>",
                r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Rūta</text:p></table:table-cell></table:table-row>"#
            ),
        );
        let sheet = Sheet::open(&small, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.headers, vec!["Vardas", "Pavardė"]);
        assert_eq!(
            sheet.count(),
            1,
            "the empty rows LibreOffice writes at the end are no rows"
        );
    }

    /// A DIMENSIONS record claiming 4 billion rows: calamine reserved rows × columns cells
    /// for it, and the failed allocation aborted the process.
    #[test]
    fn an_xls_whose_dimensions_claim_billions_of_rows_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = xls(dir.path(), (0, u32::MAX, 0, 256), &[(0, 0)]);
        let err = open_err(&path);
        assert!(
            err.contains("more than this app reads") && err.contains("save the sheet as CSV"),
            "{err}"
        );
    }

    /// Two cells, at A1 and at row 65,536, column 65,536: calamine allocated the grid
    /// between them (4 billion cells) and the failed allocation aborted the process.
    #[test]
    fn an_xls_with_a_far_away_cell_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = xls(dir.path(), (0, 1, 0, 1), &[(0, 0), (u16::MAX, u16::MAX)]);
        let err = open_err(&path);
        assert!(err.contains("more than this app reads"), "{err}");
    }

    /// A far cell and a String record (a formula's text value) with no Formula record before
    /// it, which calamine puts at A1: the grid between them is 4 billion cells, and the
    /// failed allocation aborted the process (found by the fuzz target `sheets_read`; the
    /// size check counted the far cell alone). A String record after a formula is counted
    /// at the formula's cell.
    #[test]
    fn an_xls_string_record_without_a_formula_counts_as_a_cell_at_a1() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = (0x0207, vec![1, 0, 0, b'x']);
        let path = xls_with(dir.path(), (0, 1, 0, 1), &[(u16::MAX, u16::MAX)], &[text]);
        let err = open_err(&path);
        assert!(err.contains("more than this app reads"), "{err}");
        // The same String record after a formula at the far cell: one cell, read.
        let mut formula = u16::MAX.to_le_bytes().to_vec();
        formula.extend(u16::MAX.to_le_bytes());
        formula.extend([0u8; 2]);
        formula.extend([0u8, 0, 0, 0, 0, 0, 0xFF, 0xFF]);
        formula.extend([0u8; 6]);
        formula.extend([0u8; 2]);
        let path = xls_with(
            dir.path(),
            (0, 1, 0, 1),
            &[(u16::MAX, u16::MAX)],
            &[(0x0006, formula), (0x0207, vec![1, 0, 0, b'x'])],
        );
        assert_eq!(open_err(&path), "opened");
    }

    /// The input the fuzzer found (`fuzz/corpus/sheets_read/xls-malformed-fat-far-cell`
    /// without its mode byte): a compound file whose FAT claims more sectors than the file
    /// has, holding a sheet with cells at A1 and at row and column 65,536. `cfb` refused it
    /// and the check left it to calamine, whose own reader read it and aborted the process
    /// allocating 4 billion cells. It is now refused as damaged, and calamine never sees it.
    #[test]
    fn an_xls_whose_compound_file_cfb_cannot_read_is_refused() {
        let seed = include_bytes!("../../fuzz/corpus/sheets_read/xls-malformed-fat-far-cell");
        assert_eq!(seed[0] & 7, 3, "mode 3: the bytes as an .xls file");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("damaged.xls");
        std::fs::write(&path, &seed[1..]).unwrap_or_else(|e| panic!("{e}"));
        let err = open_err(&path);
        assert!(
            err.contains("could not be read as a workbook") && err.contains("compound file"),
            "{err}"
        );
    }

    /// A workbook protected with a password (a FilePass record in its globals): its records
    /// are encrypted, so the check cannot count them; it says what to do rather than
    /// reading encrypted bytes as a huge grid. (calamine's own test file `issue_385.xls`
    /// was reported as needing 219 trillion cells before.)
    #[test]
    fn an_xls_protected_with_a_password_says_so() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file_pass = (0x002F, vec![1, 0, 1, 0, 2, 0]);
        let path = xls_full(dir.path(), &[file_pass], (0, 1, 0, 1), &[(0, 0)], &[]);
        let err = open_err(&path);
        assert!(err.contains("protected with a password"), "{err}");
    }

    /// The same file named `FAR.XLSX`: calamine's `open_workbook_auto` matched extensions
    /// case-sensitively and tried its XLS reader first on any other, so the upper-case name
    /// skipped the check and aborted the process the same way. The reader is now chosen by
    /// the lower-cased extension: an XLSX reader, which fails on an XLS file.
    #[test]
    fn an_xls_named_in_capitals_as_xlsx_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let xls = xls(dir.path(), (0, 1, 0, 1), &[(0, 0), (u16::MAX, u16::MAX)]);
        let renamed = dir.path().join("FAR.XLSX");
        std::fs::rename(&xls, &renamed).unwrap_or_else(|e| panic!("{e}"));
        let err = open_err(&renamed);
        assert!(err.contains("could not be read as a workbook"), "{err}");
    }

    /// One value repeated across 16,384 columns in a row repeated 6,000 times: calamine
    /// expanded it into 98 million cells (3 GiB, and 2 GiB more for the formulas), under
    /// its own cap of 100 million.
    #[test]
    fn an_ods_with_a_row_repeated_thousands_of_times_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = ods(dir.path(), &format!("{HEADER_ROW}{}", wide_row(6_000)));
        let err = open_err(&path);
        assert!(
            err.contains("more than this app reads") && err.contains("save the sheet as CSV"),
            "{err}"
        );
    }

    /// 10,000 rows of one value repeated across 16,384 columns: 1.6 MB of XML that calamine
    /// expanded into 164 million cells while reading (no cap there), about 9 GiB.
    #[test]
    fn an_ods_with_values_repeated_across_every_column_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = ods(
            dir.path(),
            &format!("{HEADER_ROW}{}", wide_row(1).repeat(10_000)),
        );
        let err = open_err(&path);
        assert!(err.contains("more than this app reads"), "{err}");
    }
}
