//! The warehouse: what a ministry's own engines read. Part 2 here — the **aggregate
//! exchange files** of T1–T10 for statistical systems (`docs/warehouse.md`):
//!
//! - `mapping.rs` — the versioned mapping file (cell → DHIS2 data element and category
//!   option combo, centre → organisation unit, period type) with its checks and template;
//! - `dhis2.rs` — DHIS2 `dataValueSets`, JSON and CSV;
//! - `adx.rs` — IHE ADX XML (`assets/schemas/adx.xsd`);
//! - `sdmx.rs` — SDMX-CSV 1.0.
//!
//! Part 1 — `parquet.rs`: the **record-level** export of the coordinator's pseudonymised
//! replicas as Parquet, one dataset per record type, Hive-partitioned by
//! `country=/year=/centre=`, with a manifest; incremental by a content hash per partition.
//!
//! Every file is made from one [`Dataset`]: the tables of each period (a month, or a year)
//! with one row per centre, either with **exact** counts (for the ministry's own
//! warehouse) or **published** (through [`crate::stats::publish_view`]: suppressed and
//! audited, hidden figures carry no value). Each file says which.

pub mod adx;
pub mod dhis2;
pub mod mapping;
pub mod parquet;
pub mod sdmx;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::admin::Permission;
use crate::error::{Error, Result};
use crate::stats::{Month, StatsQuery, StatsReport, Suppressed, Unit};
use crate::store::Store;
use mapping::{CellMapping, CentreMapping, Mapping, TOTAL};

/// An exchange file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "kebab-case")]
pub enum ExchangeFormat {
    /// DHIS2 `dataValueSets` JSON.
    Dhis2Json,
    /// DHIS2 `dataValueSets` CSV.
    Dhis2Csv,
    /// IHE ADX XML.
    Adx,
    /// SDMX-CSV 1.0.
    SdmxCsv,
}

impl ExchangeFormat {
    /// Reads `dhis2-json`, `dhis2-csv`, `adx`, `sdmx-csv`.
    pub fn parse(text: &str) -> Result<ExchangeFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dhis2-json" => Ok(ExchangeFormat::Dhis2Json),
            "dhis2-csv" => Ok(ExchangeFormat::Dhis2Csv),
            "adx" => Ok(ExchangeFormat::Adx),
            "sdmx-csv" => Ok(ExchangeFormat::SdmxCsv),
            other => Err(Error::invalid(format!(
                "unknown format '{}'; use dhis2-json, dhis2-csv, adx or sdmx-csv",
                other.chars().take(30).collect::<String>()
            ))),
        }
    }

    /// Its name on the command line.
    pub fn code(self) -> &'static str {
        match self {
            ExchangeFormat::Dhis2Json => "dhis2-json",
            ExchangeFormat::Dhis2Csv => "dhis2-csv",
            ExchangeFormat::Adx => "adx",
            ExchangeFormat::SdmxCsv => "sdmx-csv",
        }
    }

    /// The end of its file name.
    pub fn extension(self) -> &'static str {
        match self {
            ExchangeFormat::Dhis2Json => "dhis2.json",
            ExchangeFormat::Dhis2Csv => "dhis2.csv",
            ExchangeFormat::Adx => "adx.xml",
            ExchangeFormat::SdmxCsv => "sdmx.csv",
        }
    }

    /// Whether it needs a mapping file (SDMX-CSV uses Atrama's own codes).
    pub fn needs_mapping(self) -> bool {
        self != ExchangeFormat::SdmxCsv
    }
}

/// Exact counts or the published tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Exact counts, for the ministry's own warehouse; not for publication.
    Exact,
    /// Small counts suppressed with secondary suppression, audited (`publish_view`);
    /// hidden figures carry no value.
    Published,
}

impl Variant {
    /// Reads `exact` or `published`.
    pub fn parse(text: &str) -> Result<Variant> {
        match text.trim().to_ascii_lowercase().as_str() {
            "exact" => Ok(Variant::Exact),
            "published" => Ok(Variant::Published),
            _ => Err(Error::invalid("the variant is exact or published")),
        }
    }

    /// `exact` or `published`.
    pub fn code(self) -> &'static str {
        match self {
            Variant::Exact => "exact",
            Variant::Published => "published",
        }
    }
}

/// The period type of the exchange (the DHIS2 data set's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    /// One value per month.
    Monthly,
    /// One value per calendar year.
    Yearly,
}

/// One period of the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// A month.
    Month(Month),
    /// A calendar year.
    Year(i32),
}

impl Period {
    /// DHIS2's ISO period: `202401`, `2024`.
    pub fn dhis2(self) -> String {
        match self {
            Period::Month(m) => m.code().replace('-', ""),
            Period::Year(y) => format!("{y:04}"),
        }
    }

    /// ADX (ISO 8601 start and duration): `2024-01-01/P1M`, `2024-01-01/P1Y`.
    pub fn adx(self) -> String {
        match self {
            Period::Month(m) => format!("{}/P1M", m.first_day()),
            Period::Year(y) => format!("{y:04}-01-01/P1Y"),
        }
    }

    /// SDMX `TIME_PERIOD`: `2024-01`, `2024`.
    pub fn sdmx(self) -> String {
        match self {
            Period::Month(m) => m.code(),
            Period::Year(y) => format!("{y:04}"),
        }
    }

    /// First and last month.
    fn months(self) -> Result<(Month, Month)> {
        match self {
            Period::Month(m) => Ok((m, m)),
            Period::Year(y) => Ok((
                Month::parse(&format!("{y:04}-01"))?,
                Month::parse(&format!("{y:04}-12"))?,
            )),
        }
    }
}

/// Now, as the `exported` time of a file (RFC 3339, UTC, seconds).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads a period as the shells take it: `2024-03` (a month), `2024` (a year), or a range
/// `2024-01..2024-06` (`2023..2024`: whole years); gives the first and last month.
pub fn parse_period(text: &str) -> Result<(Month, Month)> {
    let bound = |t: &str, end: bool| -> Result<Month> {
        let t = t.trim();
        if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            Month::parse(&format!("{t}-{}", if end { "12" } else { "01" }))
        } else {
            Month::parse(t)
        }
    };
    let (from, to) = match text.split_once("..") {
        Some((a, b)) => (bound(a, false)?, bound(b, true)?),
        None => (bound(text, false)?, bound(text, true)?),
    };
    if to < from {
        return Err(Error::invalid(format!(
            "the period ends ({to}) before it starts ({from}); swap them"
        )));
    }
    if from.through(to).len() > 240 {
        return Err(Error::invalid("a period is at most 240 months"));
    }
    Ok((from, to))
}

/// The periods of an exchange from `from` to `to`.
pub fn periods(kind: PeriodType, from: Month, to: Month) -> Result<Vec<Period>> {
    match kind {
        PeriodType::Monthly => Ok(from.through(to).into_iter().map(Period::Month).collect()),
        PeriodType::Yearly => {
            let (fy, fm) = split(from);
            let (ty, tm) = split(to);
            if fm != 1 || tm != 12 {
                return Err(Error::invalid(format!(
                    "the mapping is yearly, so the export covers whole years: give a period such as {fy} or {fy}..{ty}"
                )));
            }
            Ok((fy..=ty).map(Period::Year).collect())
        }
    }
}

fn split(m: Month) -> (i32, u32) {
    let code = m.code();
    (
        code[..4].parse().unwrap_or_default(),
        code[5..].parse().unwrap_or_default(),
    )
}

/// One figure of one cell for one centre and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Its period.
    pub period: Period,
    /// The centre's code.
    pub centre: String,
    /// `T1`, `T2a`, …
    pub table: String,
    /// The category code, or [`mapping::TOTAL`].
    pub column: String,
    /// What it measures.
    pub unit: Unit,
    /// The figure; `None` when hidden (published variant only).
    pub value: Option<i64>,
    /// Why it is hidden.
    pub suppressed: Option<Suppressed>,
}

/// What every exchange file is written from.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Exact or published.
    pub variant: Variant,
    /// Monthly or yearly.
    pub period_type: PeriodType,
    /// First and last month covered.
    pub from: Month,
    /// Last month.
    pub to: Month,
    /// The store that made it: its centre code.
    pub made_by: String,
    /// Version of the code lists.
    pub code_lists_version: String,
    /// When it was exported (RFC 3339, UTC).
    pub exported_at: String,
    /// Counts from 1 to `threshold - 1` are hidden, with what would reveal them
    /// (published variant).
    pub threshold: i64,
    /// Centre codes, in order.
    pub centres: Vec<String>,
    /// Every cell (table, column), in table order, with its label (English).
    pub cells: Vec<(String, String)>,
    /// Labels of `cells`.
    pub labels: Vec<String>,
    /// Period → centre → table → column.
    pub observations: Vec<Observation>,
}

impl Dataset {
    /// The words every file carries about its variant (each format adds how it shows a
    /// hidden figure).
    pub fn statement(&self) -> String {
        match self.variant {
            Variant::Exact => format!(
                "Atrama T1-T10 {}..{}: EXACT counts for the ministry's own warehouse, not for publication",
                self.from, self.to
            ),
            Variant::Published => format!(
                "Atrama T1-T10 {}..{}: PUBLISHED variant, counts from 1 to {} and every figure that would reveal one are hidden (audited)",
                self.from,
                self.to,
                self.threshold - 1
            ),
        }
    }

    /// How many figures are hidden.
    pub fn hidden(&self) -> usize {
        self.observations
            .iter()
            .filter(|o| o.value.is_none())
            .count()
    }
}

/// What an export asks for (from the shells).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExchangeRequest {
    /// The format.
    pub format: ExchangeFormat,
    /// Exact or published.
    pub variant: Variant,
    /// The period: `2024-03`, `2024`, `2024-01..2024-06`.
    pub period: String,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExchangeSummary {
    /// The file written.
    pub file: String,
    /// Its format.
    pub format: ExchangeFormat,
    /// Exact or published.
    pub variant: Variant,
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
    /// Monthly or yearly.
    pub period_type: PeriodType,
    /// Centres covered.
    pub centres: u32,
    /// Data values (DHIS2, ADX) or observations (SDMX) written with a value.
    pub values: u32,
    /// Figures hidden by suppression (published variant): omitted, or flagged in SDMX.
    pub hidden: u32,
    /// Cells the mapping marks `skip`, times centres and periods.
    pub skipped: u32,
    /// Size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}

/// What a format writer made.
pub struct Written {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Values written.
    pub values: usize,
    /// Values skipped by the mapping.
    pub skipped: usize,
}

/// Builds the dataset of `report`s (one per period, one row per centre, whole period).
fn observations(period: Period, report: &StatsReport, out: &mut Vec<Observation>) {
    for t in &report.tables {
        for (r, row) in t.rows.iter().enumerate() {
            let Some(centre) = &row.centre else { continue };
            let mut push = |column: &str, cell: &crate::stats::StatsCell| {
                out.push(Observation {
                    period,
                    centre: centre.clone(),
                    table: t.id.clone(),
                    column: column.to_owned(),
                    unit: t.unit,
                    value: cell.value,
                    suppressed: cell.suppressed,
                });
            };
            for (c, col) in t.columns.iter().enumerate() {
                push(&col.code, &t.cells[r][c]);
            }
            if let Some(totals) = &t.row_totals {
                push(TOTAL, &totals[r]);
            }
        }
    }
}

/// Every cell of a report's tables, with an English label.
fn cells_of(report: &StatsReport, cells: &mut Vec<(String, String)>, labels: &mut Vec<String>) {
    for t in &report.tables {
        let columns = t
            .columns
            .iter()
            .map(|c| {
                let label = match &c.group {
                    Some(g) if !c.subtotal => format!("{}: {g} / {}", t.title, c.label),
                    _ => format!("{}: {}", t.title, c.label),
                };
                (c.code.clone(), label)
            })
            .chain(
                t.row_totals
                    .is_some()
                    .then(|| (TOTAL.to_owned(), format!("{}: total", t.title))),
            );
        for (code, label) in columns {
            let key = (t.id.clone(), code);
            if !cells.contains(&key) {
                cells.push(key);
                labels.push(label);
            }
        }
    }
}

impl Store {
    /// The dataset of an exchange: for each period, every centre's tables (exact, or as
    /// published by [`crate::stats::publish_view`], each period suppressed on its own).
    pub fn exchange_dataset(
        &self,
        variant: Variant,
        period_type: PeriodType,
        period: &str,
        exported_at: &str,
    ) -> Result<Dataset> {
        self.require(Permission::Statistics)?;
        let (from, to) = parse_period(period)?;
        let periods = periods(period_type, from, to)?;
        let profile = self.profile()?;
        let mut data = Dataset {
            variant,
            period_type,
            from,
            to,
            made_by: profile.code.clone(),
            code_lists_version: self.ctx.codes.version().to_owned(),
            exported_at: exported_at.to_owned(),
            threshold: crate::stats::THRESHOLD,
            centres: Vec::new(),
            cells: Vec::new(),
            labels: Vec::new(),
            observations: Vec::new(),
        };
        let mut centres = BTreeSet::new();
        for p in periods {
            let (first, last) = p.months()?;
            let query = StatsQuery {
                from: first.code(),
                to: Some(last.code()),
                centres: Vec::new(),
                country: None,
                by_centre: true,
                by_month: false,
                consented_only: false,
                language: Some(crate::centre::Language::En),
            };
            let view = self.monthly_tables(&query)?;
            let report = match variant {
                Variant::Exact => view,
                Variant::Published => {
                    let finest = self.monthly_tables(&crate::stats::finest_query(&query))?;
                    crate::stats::publish_view(&view, &finest, crate::stats::THRESHOLD, true)?
                }
            };
            for c in &report.centres {
                centres.insert(c.code.clone());
            }
            cells_of(&report, &mut data.cells, &mut data.labels);
            observations(p, &report, &mut data.observations);
        }
        data.centres = centres.into_iter().collect();
        Ok(data)
    }

    /// A mapping template listing every cell of the tables of `period` and every centre
    /// with empty UIDs, for the ministry to fill in.
    pub fn exchange_mapping_template(
        &self,
        period_type: PeriodType,
        period: &str,
    ) -> Result<Mapping> {
        let data = self.exchange_dataset(Variant::Exact, period_type, period, "")?;
        let names: std::collections::HashMap<String, String> =
            crate::stats::tables::known_centres(&self.conn, &self.profile()?)?
                .into_iter()
                .map(|c| (c.code, c.name))
                .collect();
        Ok(Mapping {
            format: mapping::FORMAT.to_owned(),
            version: mapping::VERSION,
            period_type,
            data_set: String::new(),
            attribute_option_combo: String::new(),
            centres: data
                .centres
                .iter()
                .map(|c| CentreMapping {
                    centre: c.clone(),
                    name: names.get(c).cloned().unwrap_or_default(),
                    org_unit: String::new(),
                })
                .collect(),
            cells: data
                .cells
                .iter()
                .zip(&data.labels)
                .map(|((table, column), label)| CellMapping {
                    table: table.clone(),
                    column: column.clone(),
                    label: label.clone(),
                    data_element: String::new(),
                    category_option_combo: String::new(),
                    attribute_option_combo: String::new(),
                    skip: false,
                })
                .collect(),
        })
    }

    /// Writes a mapping template to `path` (atomically).
    pub fn write_mapping_template(
        &self,
        period_type: PeriodType,
        period: &str,
        path: &Path,
    ) -> Result<Mapping> {
        let template = self.exchange_mapping_template(period_type, period)?;
        let mut text = serde_json::to_string_pretty(&template)
            .map_err(|e| Error::invalid(format!("internal: {e}")))?;
        text.push('\n');
        crate::atomic_file::write(path, text.as_bytes())?;
        Ok(template)
    }

    /// Writes one exchange file into the folder `dir` (created if missing; the file is
    /// written atomically) and records the export in the access log. DHIS2 and ADX need
    /// `mapping`, which must cover every cell and centre of the export.
    pub fn export_exchange(
        &mut self,
        request: &ExchangeRequest,
        mapping: Option<&Mapping>,
        dir: &Path,
        exported_at: &str,
    ) -> Result<ExchangeSummary> {
        let period_type = mapping.map_or(PeriodType::Monthly, |m| m.period_type);
        if request.format.needs_mapping() && mapping.is_none() {
            return Err(Error::invalid(format!(
                "the {} format needs a mapping file; write a template with `atrama warehouse \
                 mapping-template`, fill in the UIDs and give it with --mapping",
                request.format.code()
            )));
        }
        if request.format == ExchangeFormat::Adx && mapping.is_some_and(|m| m.data_set.is_empty()) {
            return Err(Error::invalid(
                "an ADX file names its DHIS2 data set; fill in data_set in the mapping file",
            ));
        }
        let data =
            self.exchange_dataset(request.variant, period_type, &request.period, exported_at)?;
        let written = match (request.format, mapping) {
            (ExchangeFormat::SdmxCsv, _) => sdmx::write(&data),
            (f, Some(m)) => {
                let resolved = m.resolve(&data)?;
                match f {
                    ExchangeFormat::Dhis2Json => dhis2::write_json(&data, m, &resolved)?,
                    ExchangeFormat::Dhis2Csv => dhis2::write_csv(&data, &resolved),
                    _ => adx::write(&data, m, &resolved)?,
                }
            }
            (_, None) => return Err(Error::invalid("internal: no mapping")),
        };
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let file: PathBuf = dir.join(format!(
            "atrama-{}-{}-{}-{}.{}",
            data.made_by.to_ascii_lowercase(),
            data.from,
            data.to,
            request.variant.code(),
            request.format.extension()
        ));
        crate::atomic_file::write(&file, &written.bytes)?;
        let summary = ExchangeSummary {
            file: file.display().to_string(),
            format: request.format,
            variant: request.variant,
            from: data.from.code(),
            to: data.to.code(),
            period_type,
            centres: u32::try_from(data.centres.len()).unwrap_or(u32::MAX),
            values: u32::try_from(written.values).unwrap_or(u32::MAX),
            hidden: u32::try_from(data.hidden()).unwrap_or(u32::MAX),
            skipped: u32::try_from(written.skipped).unwrap_or(u32::MAX),
            bytes: written.bytes.len() as u64,
        };
        let tx = self.conn.transaction()?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Export,
            None,
            Some(&format!(
                "warehouse {} {} {}..{} ({} centre(s), {} value(s))",
                request.format.code(),
                request.variant.code(),
                summary.from,
                summary.to,
                summary.centres,
                summary.values
            )),
        )?;
        tx.commit()?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_months_years_and_ranges() {
        let m = |t: &str| Month::parse(t).unwrap();
        assert_eq!(
            parse_period("2024-03").unwrap(),
            (m("2024-03"), m("2024-03"))
        );
        assert_eq!(parse_period("2024").unwrap(), (m("2024-01"), m("2024-12")));
        assert_eq!(
            parse_period("2023..2024-02").unwrap(),
            (m("2023-01"), m("2024-02"))
        );
        assert!(parse_period("2024-05..2024-01").is_err());
        assert!(parse_period("24").is_err());
        let p = periods(PeriodType::Yearly, m("2023-01"), m("2024-12")).unwrap();
        assert_eq!(
            p.iter().map(|p| p.dhis2()).collect::<Vec<_>>(),
            ["2023", "2024"]
        );
        assert_eq!(p[0].adx(), "2023-01-01/P1Y");
        let e = periods(PeriodType::Yearly, m("2024-01"), m("2024-06")).unwrap_err();
        assert!(e.to_string().contains("whole years"), "{e}");
        let p = periods(PeriodType::Monthly, m("2024-12"), m("2025-01")).unwrap();
        assert_eq!(
            p.iter().map(|p| p.dhis2()).collect::<Vec<_>>(),
            ["202412", "202501"]
        );
        assert_eq!(p[0].adx(), "2024-12-01/P1M");
        assert_eq!(p[1].sdmx(), "2025-01");
    }
}
