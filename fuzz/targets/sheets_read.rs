//! Fuzzes the spreadsheet reader of the import (`src/sheets/`): `Sheet::open` and every row
//! after it (calamine for XLSX/XLS/ODS/XLSB; the CSV reader with encoding and delimiter
//! sniffing and the streaming decoder), then the column suggestions, the suggested mapping
//! checked against the header (`mapping::Plan::new`) and every row through `Plan::row`
//! (value suggestions, `parse_date`). The input is written to a scratch file under `TMPDIR`
//! with the extension byte 0 picks (the reader chooses by extension, as the app does):
//!
//! - 0: `.csv`, encoding and delimiter sniffed;
//! - 1: `.csv` with the encoding (bits 3–4) and delimiter (bits 5–6) given;
//! - 2, 3, 4, 5: the raw bytes as `.xlsx`, `.xls`, `.ods`, `.xlsb`;
//! - 6: `.xlsx` whose `xl/worksheets/sheet1.xml` (bit 3 clear) or `[Content_Types].xml`
//!   (bit 3 set) is the input, zipped into `tests/fixtures/sheets/en.xlsx` with a correct
//!   CRC, so the XML reader is reached past the zip container's checksums;
//! - 7: `.ods` whose `content.xml` is the input, zipped into `tests/fixtures/sheets/lv.ods`.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use atrama::sheets::mapping::{Plan, RowOutcome};
use atrama::sheets::{ReadOptions, Sheet, SheetPreview, TextEncoding, suggested_mapping};

use super::shared;

const XLSX: &[u8] = include_bytes!("../../tests/fixtures/sheets/en.xlsx");
const ODS: &[u8] = include_bytes!("../../tests/fixtures/sheets/lv.ods");
/// Rows read after the header: enough for every code path, bounded so that one input
/// cannot make one execution slow.
const MAX_ROWS: usize = 2_000;

/// `template` with the entry `name` replaced by `content` (stored, CRC computed by zip).
fn rezip(template: &[u8], name: &str, content: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(template)).ok()?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).ok()?;
        if file.name().is_ok_and(|n| n == name) {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            drop(file);
            out.start_file(name, options).ok()?;
            out.write_all(content).ok()?;
        } else {
            out.raw_copy_file(file).ok()?;
        }
    }
    Some(out.finish().ok()?.into_inner())
}

/// One input.
pub fn run(data: &[u8]) {
    let [mode, body @ ..] = data else {
        return;
    };
    let mut options = ReadOptions::default();
    let (ext, bytes) = match mode & 7 {
        0 => ("csv", body.to_vec()),
        1 => {
            options.encoding = match (mode >> 3) & 3 {
                0 => TextEncoding::Auto,
                1 => TextEncoding::Utf8,
                2 => TextEncoding::Windows1257,
                _ => TextEncoding::Windows1251,
            };
            options.delimiter =
                [None, Some(','), Some(';'), Some('\t')][usize::from((mode >> 5) & 3)];
            ("csv", body.to_vec())
        }
        2 => ("xlsx", body.to_vec()),
        3 => ("xls", body.to_vec()),
        4 => ("ods", body.to_vec()),
        5 => ("xlsb", body.to_vec()),
        6 => {
            let entry = if mode & 8 == 0 {
                "xl/worksheets/sheet1.xml"
            } else {
                "[Content_Types].xml"
            };
            let Some(bytes) = rezip(XLSX, entry, body) else {
                return;
            };
            ("xlsx", bytes)
        }
        _ => {
            let Some(bytes) = rezip(ODS, "content.xml", body) else {
                return;
            };
            ("ods", bytes)
        }
    };
    let dir = shared::scratch("sheets");
    let path = dir.join(format!("input.{ext}"));
    if std::fs::write(&path, &bytes).is_err() {
        return;
    }
    // The app catches a panic inside calamine (`catch_unwind` in `open_workbook`) and reports
    // an unreadable workbook; libfuzzer-sys's panic hook aborts on every panic, caught or
    // not. While the reader runs, a hook that only prints stands in for it, as in the app: a
    // panic the reader catches is its error, and one that escapes still reaches
    // libfuzzer-sys's own `catch_unwind` around this function, which reports it.
    let fuzzer_hook = std::panic::take_hook();
    // (Not the word scripts/fuzz.sh looks for in the log: a caught panic is no finding.)
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("sheets_read: a panic in the reader at {at}, which the reader must catch");
    }));
    let opened = Sheet::open(&path, &options);
    std::panic::set_hook(fuzzer_hook);
    let Ok(sheet) = opened else {
        return;
    };
    let headers = sheet.headers.clone();
    let suggestions = atrama::sheets::suggest_columns(&headers);
    assert_eq!(
        suggestions.len(),
        headers.len(),
        "one suggestion per column"
    );
    // The mapping the import screen starts from (its preview's suggestions).
    let preview = SheetPreview {
        format: String::new(),
        sheet: None,
        sheets: Vec::new(),
        unread_sheets: None,
        header_row: 0,
        headers,
        suggestions,
        sample: Vec::new(),
    };
    let mapping = suggested_mapping("fuzz", &preview);
    let headers = preview.headers;
    let Ok(codes) = atrama::codes::CodeLists::builtin() else {
        return;
    };
    let plan = Plan::new(&mapping, &headers, codes).ok();
    let mut unknown = BTreeMap::new();
    for row in sheet.take(MAX_ROWS) {
        let Ok(row) = row else {
            break;
        };
        for cell in &row.cells {
            let _ = atrama::sheets::parse_date(cell);
        }
        if let Some(plan) = &plan
            && let RowOutcome::Problems(problems) = plan.row(row.number, &row.cells, &mut unknown)
        {
            assert!(!problems.is_empty(), "a row with problems names one");
        }
    }
}
