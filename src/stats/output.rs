//! Published outputs of the monthly tables: CSV (UTF-8 with a byte-order mark, so that
//! Excel opens it as UTF-8) and XLSX (a real workbook: an "About" sheet with the period,
//! centres, suppression rule, symbols, audit and generation time, then one sheet per table
//! T1–T10), each written atomically (temporary file, fsync, rename). Every fixed word is in
//! the report's language ([`super::words`]); a small count reads `<5`, any other
//! suppressed figure `x` ([`super::SECONDARY_SYMBOL`]).
//!
//! Only aggregate counts are written, never ids, dates finer than a month or text from
//! case records. The files are meant to be published, so callers pass a report that went
//! through [`super::publish_view`]; the exact counts stay on screen.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};

use super::words::{fill, text};
use super::{StatsCell, StatsReport, StatsRow, StatsTable, Suppressed, Unit};
use crate::error::{Error, Result};

/// A file format for published tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// Comma-separated values, UTF-8 with BOM.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl ReportFormat {
    /// `csv` or `xlsx`.
    pub fn code(self) -> &'static str {
        match self {
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
        }
    }

    /// Reads `csv` or `xlsx`.
    pub fn parse(text: &str) -> Result<ReportFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ReportFormat::Csv),
            "xlsx" => Ok(ReportFormat::Xlsx),
            _ => Err(Error::invalid(format!(
                "unknown report format '{text}'; use csv or xlsx"
            ))),
        }
    }
}

/// Writes the report to `path` in `format`, atomically.
pub fn write(report: &StatsReport, format: ReportFormat, path: &Path) -> Result<()> {
    let bytes = match format {
        ReportFormat::Csv => csv(report).into_bytes(),
        ReportFormat::Xlsx => xlsx(report)?,
    };
    crate::atomic_file::write(path, &bytes)
}

/// The symbol of a suppressed cell: `<5` for a small count only, else `x` (hours are
/// never a small count, whatever the reason they are hidden).
fn symbol(cell: &StatsCell, unit: Unit, threshold: i64) -> String {
    match (cell.suppressed, unit) {
        (Some(Suppressed::Primary), Unit::Count) => super::primary_symbol(threshold),
        _ => super::SECONDARY_SYMBOL.to_owned(),
    }
}

/// How a cell reads: a count, hours with one decimal, `<5` or `x`.
fn shown(cell: &StatsCell, unit: Unit, threshold: i64) -> String {
    match (cell.value, unit) {
        (None, _) => symbol(cell, unit, threshold),
        (Some(v), Unit::Count) => v.to_string(),
        (Some(v), Unit::Minutes) => format!("{:.1}", v as f64 / 60.0),
    }
}

fn centre_label(report: &StatsReport, row: &StatsRow) -> (String, String) {
    match &row.centre {
        None => (text(report.language, "report.allCentres"), String::new()),
        Some(code) => {
            let name = report
                .centres
                .iter()
                .find(|c| &c.code == code)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            (code.clone(), name)
        }
    }
}

fn month_label(report: &StatsReport, row: &StatsRow) -> String {
    row.month
        .clone()
        .unwrap_or_else(|| format!("{}..{}", report.from, report.to))
}

fn names_shown(report: &StatsReport) -> bool {
    report.centres.iter().any(|c| !c.name.is_empty())
}

/// A fixed word of the report in its language.
fn word(report: &StatsReport, key: &str) -> String {
    text(report.language, key)
}

fn column_header(report: &StatsReport, t: &StatsTable, j: usize) -> String {
    let c = &t.columns[j];
    let lang = report.language;
    let mut h = match (&c.group, c.subtotal) {
        (Some(g), false) => format!("{g}: {}", c.label),
        (_, true) => fill(
            &text(lang, "report.header.subtotal"),
            &[("label", c.label.clone())],
        ),
        (None, false) => c.label.clone(),
    };
    if !c.known {
        h = fill(&text(lang, "report.header.unknownCode"), &[("label", h)]);
    }
    h
}

fn metadata(report: &StatsReport) -> Vec<(String, String)> {
    let w = |key: &str| word(report, key);
    let centres = report
        .centres
        .iter()
        .map(|c| {
            if c.name.is_empty() {
                c.code.clone()
            } else {
                format!("{} ({})", c.code, c.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows = vec![
        (w("report.about.report"), w("report.about.reportValue")),
        (
            w("report.about.period"),
            fill(
                &w("report.about.periodValue"),
                &[("from", report.from.clone()), ("to", report.to.clone())],
            ),
        ),
        (w("report.about.centres"), centres),
        (
            w("report.about.breakdown"),
            w(match (report.by_centre, report.by_month) {
                (true, true) => "report.breakdown.centreMonth",
                (true, false) => "report.breakdown.centreWhole",
                (false, true) => "report.breakdown.allMonth",
                (false, false) => "report.breakdown.allWhole",
            }),
        ),
        (
            w("report.about.cases"),
            w(if report.consented_only {
                "report.cases.consented"
            } else {
                "report.cases.all"
            }),
        ),
        (
            w("report.about.codeLists"),
            fill(
                &w("report.about.codeListsValue"),
                &[("version", report.code_lists_version.clone())],
            ),
        ),
        (w("report.about.madeBy"), report.made_by.clone()),
        (w("report.about.generated"), report.generated_at.clone()),
    ];
    match &report.disclosure {
        Some(d) => {
            rows.push((w("report.about.suppression"), d.rule.clone()));
            rows.push((
                w("report.about.symbols"),
                fill(
                    &w("report.symbols"),
                    &[
                        ("t", super::primary_symbol(d.threshold)),
                        ("n", (d.threshold - 1).to_string()),
                        ("x", super::SECONDARY_SYMBOL.to_owned()),
                    ],
                ),
            ));
            if !d.audit.is_empty() {
                rows.push((w("report.about.audit"), d.audit.clone()));
            }
            rows.push((
                w("report.about.centresShown"),
                w(if d.codes_only {
                    "report.centresShown.codes"
                } else {
                    "report.centresShown.names"
                }),
            ));
        }
        None => rows.push((w("report.about.suppression"), w("report.suppression.none"))),
    }
    rows
}

fn csv_line(out: &mut String, fields: &[String]) {
    crate::csv::push_line(out, fields);
}

fn threshold(report: &StatsReport) -> i64 {
    report
        .disclosure
        .as_ref()
        .map_or(super::THRESHOLD, |d| d.threshold)
}

/// The whole report as one CSV text: the metadata, then each table under its title, with
/// a header line, one line per row and a totals line.
pub fn csv(report: &StatsReport) -> String {
    let th = threshold(report);
    let names = names_shown(report);
    let mut out = String::from("\u{feff}");
    for (k, v) in metadata(report) {
        csv_line(&mut out, &[k, v]);
    }
    for t in &report.tables {
        out.push_str("\r\n");
        csv_line(&mut out, &[t.id.clone(), t.title.clone()]);
        csv_line(
            &mut out,
            &[word(report, "report.header.note"), t.note.clone()],
        );
        let mut header = vec![word(report, "report.header.centre")];
        if names {
            header.push(word(report, "report.header.centreName"));
        }
        header.push(word(
            report,
            if t.unit == Unit::Minutes {
                "report.header.monthHours"
            } else {
                "report.header.month"
            },
        ));
        header.extend((0..t.columns.len()).map(|j| column_header(report, t, j)));
        if t.row_totals.is_some() {
            header.push(word(report, "report.header.total"));
        }
        csv_line(&mut out, &header);
        for (i, row) in t.rows.iter().enumerate() {
            let (code, name) = centre_label(report, row);
            let mut line = vec![code];
            if names {
                line.push(name);
            }
            line.push(month_label(report, row));
            line.extend(t.cells[i].iter().map(|c| shown(c, t.unit, th)));
            if let Some(rt) = &t.row_totals {
                line.push(shown(&rt[i], t.unit, th));
            }
            csv_line(&mut out, &line);
        }
        if let Some(ct) = &t.column_totals {
            let mut line = vec![word(report, "report.header.total")];
            if names {
                line.push(String::new());
            }
            line.push(format!("{}..{}", report.from, report.to));
            line.extend(ct.iter().map(|c| shown(c, t.unit, th)));
            if let Some(total) = &t.total {
                line.push(shown(total, t.unit, th));
            }
            csv_line(&mut out, &line);
        }
    }
    out
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::invalid(format!("could not build the workbook: {e}"))
}

fn u16_col(j: usize) -> u16 {
    u16::try_from(j).unwrap_or(u16::MAX)
}

fn u32_row(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

struct Formats {
    title: Format,
    bold: Format,
    header: Format,
    hours: Format,
    suppressed: Format,
    note: Format,
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &StatsCell,
    unit: Unit,
    th: i64,
    f: &Formats,
) -> Result<()> {
    match (cell.value, unit) {
        (None, _) => {
            ws.write_string_with_format(row, col, symbol(cell, unit, th), &f.suppressed)
                .map_err(xlsx_err)?;
        }
        (Some(v), Unit::Count) => {
            ws.write_number(row, col, v as f64).map_err(xlsx_err)?;
        }
        (Some(v), Unit::Minutes) => {
            ws.write_number_with_format(row, col, v as f64 / 60.0, &f.hours)
                .map_err(xlsx_err)?;
        }
    }
    Ok(())
}

/// One block: title, note, header, rows, totals; returns the next free row.
fn xlsx_block(
    ws: &mut Worksheet,
    report: &StatsReport,
    t: &StatsTable,
    mut r: u32,
    f: &Formats,
) -> Result<u32> {
    let th = threshold(report);
    let names = names_shown(report);
    ws.write_string_with_format(r, 0, format!("{} {}", t.id, t.title), &f.title)
        .map_err(xlsx_err)?;
    r += 1;
    ws.write_string_with_format(r, 0, &t.note, &f.note)
        .map_err(xlsx_err)?;
    r += 1;
    let mut c: u16 = 0;
    let mut put_header = |ws: &mut Worksheet, text: &str| -> Result<()> {
        ws.write_string_with_format(r, c, text, &f.header)
            .map_err(xlsx_err)?;
        c += 1;
        Ok(())
    };
    put_header(ws, &word(report, "report.header.centre"))?;
    if names {
        put_header(ws, &word(report, "report.header.centreName"))?;
    }
    put_header(
        ws,
        &word(
            report,
            if t.unit == Unit::Minutes {
                "report.header.monthHours"
            } else {
                "report.header.month"
            },
        ),
    )?;
    for j in 0..t.columns.len() {
        put_header(ws, &column_header(report, t, j))?;
    }
    if t.row_totals.is_some() {
        put_header(ws, &word(report, "report.header.total"))?;
    }
    let first_value_col: u16 = if names { 3 } else { 2 };
    r += 1;
    for (i, row) in t.rows.iter().enumerate() {
        let (code, name) = centre_label(report, row);
        ws.write_string(r, 0, code).map_err(xlsx_err)?;
        if names {
            ws.write_string(r, 1, name).map_err(xlsx_err)?;
        }
        ws.write_string(r, first_value_col - 1, month_label(report, row))
            .map_err(xlsx_err)?;
        for (j, cell) in t.cells[i].iter().enumerate() {
            write_cell(ws, r, first_value_col + u16_col(j), cell, t.unit, th, f)?;
        }
        if let Some(rt) = &t.row_totals {
            let col = first_value_col + u16_col(t.columns.len());
            write_cell(ws, r, col, &rt[i], t.unit, th, f)?;
        }
        r += 1;
    }
    if let Some(ct) = &t.column_totals {
        ws.write_string_with_format(r, 0, word(report, "report.header.total"), &f.bold)
            .map_err(xlsx_err)?;
        ws.write_string_with_format(
            r,
            first_value_col - 1,
            format!("{}..{}", report.from, report.to),
            &f.bold,
        )
        .map_err(xlsx_err)?;
        for (j, cell) in ct.iter().enumerate() {
            write_cell(ws, r, first_value_col + u16_col(j), cell, t.unit, th, f)?;
        }
        if let Some(total) = &t.total {
            let col = first_value_col + u16_col(t.columns.len());
            write_cell(ws, r, col, total, t.unit, th, f)?;
        }
        r += 1;
    }
    Ok(r + 1)
}

/// The workbook: "About", then sheets T1 … T10 (the parts of a table stacked on its sheet).
pub fn xlsx(report: &StatsReport) -> Result<Vec<u8>> {
    let f = Formats {
        title: Format::new().set_bold().set_font_size(13),
        bold: Format::new().set_bold(),
        header: Format::new().set_bold().set_text_wrap(),
        hours: Format::new().set_num_format("0.0"),
        suppressed: Format::new().set_align(FormatAlign::Right),
        note: Format::new().set_italic(),
    };
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(word(report, "report.about.sheet"))
            .map_err(xlsx_err)?;
        ws.set_column_width(0, 18).map_err(xlsx_err)?;
        ws.set_column_width(1, 100).map_err(xlsx_err)?;
        for (i, (k, v)) in metadata(report).into_iter().enumerate() {
            ws.write_string_with_format(u32_row(i), 0, k, &f.bold)
                .map_err(xlsx_err)?;
            ws.write_string(u32_row(i), 1, v).map_err(xlsx_err)?;
        }
    }
    let mut numbers: Vec<u8> = report.tables.iter().map(|t| t.number).collect();
    numbers.dedup();
    for n in numbers {
        let ws = wb.add_worksheet();
        ws.set_name(format!("T{n}")).map_err(xlsx_err)?;
        ws.set_column_width(0, 14).map_err(xlsx_err)?;
        let mut r = 0;
        for t in report.tables.iter().filter(|t| t.number == n) {
            r = xlsx_block(ws, report, t, r, &f)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}
