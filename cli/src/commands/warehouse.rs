//! `atrama warehouse`: files for a ministry's own engines — the aggregate exchange files of
//! T1–T10 (DHIS2 `dataValueSets` JSON and CSV, ADX, SDMX-CSV; exact or published) and the
//! mapping template they need — and the record-level Parquet datasets of the centres'
//! pseudonymised records (`docs/warehouse.md`; the glue is `crate::warehouse_parquet`).

use std::path::PathBuf;

use atrama::Error;
use atrama::warehouse::mapping::Mapping;
use atrama::warehouse::{ExchangeFormat, ExchangeRequest, PeriodType, Variant};
use chrono::Datelike;

use crate::output::Output;
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum WarehouseCommand {
    /// Write T1–T10 for a period as an exchange file into a folder.
    Export {
        /// parquet, dhis2-json, dhis2-csv, adx or sdmx-csv.
        #[arg(long)]
        format: String,
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// A month (2026-10), a year (2026) or a range (2026-01..2026-06); default: last month.
        #[arg(long)]
        period: Option<String>,
        /// The filled mapping file (DHIS2 and ADX formats).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// exact (the ministry's own warehouse) or published (small counts suppressed).
        #[arg(long, default_value = "exact")]
        variant: String,
    },
    /// Write a mapping template: every cell and centre, with empty DHIS2 UIDs to fill in.
    MappingTemplate {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// The period whose cells and centres to list; default: last month.
        #[arg(long)]
        period: Option<String>,
        /// monthly or yearly (the DHIS2 data set's period type).
        #[arg(long, default_value = "monthly")]
        period_type: String,
    },
}

/// Last month, `YYYY-MM`.
fn last_month() -> String {
    let today = chrono::Local::now().date_naive();
    let first = today.with_day0(0).unwrap_or(today);
    (first - chrono::Duration::days(1))
        .format("%Y-%m")
        .to_string()
}

fn period_type(text: &str) -> Result<PeriodType, Error> {
    match text.trim().to_ascii_lowercase().as_str() {
        "monthly" => Ok(PeriodType::Monthly),
        "yearly" => Ok(PeriodType::Yearly),
        _ => Err(Error::InvalidInput(
            "the period type is monthly or yearly".into(),
        )),
    }
}

pub(crate) fn run(session: &Session, out: Output, cmd: WarehouseCommand) -> Result<(), Error> {
    match cmd {
        WarehouseCommand::Export {
            format,
            out: dir,
            period,
            mapping,
            variant,
        } => {
            if format.trim().eq_ignore_ascii_case("parquet") {
                // Record-level files: every year unless --period names years.
                let store = session.unlock(Access::Read)?;
                let summary =
                    crate::warehouse_parquet::export_parquet(&store, &dir, period.as_deref())?;
                let counts_only = crate::warehouse_parquet::counts_only_centres(&dir);
                return out.show(&summary, |s| {
                    println!(
                        "Wrote {} file(s) in {}, {} unchanged, {} removed: {} rows, {} bytes in all.",
                        s.written, s.out_dir, s.unchanged, s.removed, s.rows, s.bytes
                    );
                    if !counts_only.is_empty() {
                        println!(
                            "Note: {} hold(s) months only as counts (statistics-only sharing or purged cases): their records are in no file, so tables computed from the files miss them; manifest.json lists them under counts_only.",
                            counts_only.join(", ")
                        );
                    }
                });
            }
            let request = ExchangeRequest {
                format: ExchangeFormat::parse(&format)?,
                variant: Variant::parse(&variant)?,
                period: period.unwrap_or_else(last_month),
            };
            let mapping = mapping.as_deref().map(Mapping::read).transpose()?;
            let mut store = session.unlock(Access::Write)?;
            let now = atrama::warehouse::now();
            let s = store.export_exchange(&request, mapping.as_ref(), &dir, &now)?;
            out.show(&s, |s| {
                println!(
                    "Wrote {} ({}, {}): {}..{}, {} centre(s), {} value(s){}{}.",
                    s.file,
                    s.format.code(),
                    match s.variant {
                        Variant::Exact => "exact counts, not for publication",
                        Variant::Published => "published, small counts suppressed",
                    },
                    s.from,
                    s.to,
                    s.centres,
                    s.values,
                    if s.hidden > 0 {
                        format!(", {} hidden figure(s)", s.hidden)
                    } else {
                        String::new()
                    },
                    if s.skipped > 0 {
                        format!(", {} skipped by the mapping", s.skipped)
                    } else {
                        String::new()
                    }
                );
            })
        }
        WarehouseCommand::MappingTemplate {
            out: file,
            period,
            period_type: kind,
        } => {
            let kind = period_type(&kind)?;
            let period = period.unwrap_or_else(last_month);
            let store = session.unlock(Access::Read)?;
            let template = store.write_mapping_template(kind, &period, &file)?;
            let written = serde_json::json!({
                "file": file.display().to_string(),
                "cells": template.cells.len(),
                "centres": template.centres.len(),
            });
            out.show(&written, |_| {
                println!(
                    "Wrote {}: {} cell(s) and {} centre(s) with empty UIDs; fill in every \
                     data_element, category_option_combo and org_unit (or set \"skip\": true).",
                    file.display(),
                    template.cells.len(),
                    template.centres.len()
                );
            })
        }
    }
}
