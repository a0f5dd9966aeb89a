//! `atrama report`: the monthly tables T1–T10 (shown with exact counts, or written for
//! publication with small counts suppressed), trends of chosen measures, and data quality.

use std::path::PathBuf;

use atrama::stats::StatsQuery;
use atrama::stats::measures::{Grouping, Measure, TrendQuery};
use atrama::{Country, Error, Language};

use crate::output::Output;
use crate::session::{Access, Session};

/// Which tables: period, centres, breakdown.
#[derive(clap::Args)]
pub(crate) struct ReportScope {
    /// First month (YYYY-MM).
    #[arg(long)]
    period: String,
    /// Last month (YYYY-MM); default: the first.
    #[arg(long)]
    to: Option<String>,
    /// Only these centres (codes, comma-separated); default: every centre.
    #[arg(long, value_delimiter = ',')]
    centres: Vec<String>,
    /// Only centres of this country (LT, LV, AZ, other).
    #[arg(long)]
    country: Option<String>,
    /// All centres in one row per month instead of one row per centre.
    #[arg(long)]
    consolidated: bool,
    /// The whole period in one row instead of one row per month.
    #[arg(long)]
    whole_period: bool,
    /// Only cases of clients who consent to non-identifiable statistics (what a bundle
    /// carries).
    #[arg(long)]
    consented_only: bool,
    /// Language of the category labels (en, lt, lv, az, ru); default: the centre's.
    #[arg(long)]
    language: Option<String>,
}

impl ReportScope {
    fn query(&self) -> Result<StatsQuery, Error> {
        Ok(StatsQuery {
            from: self.period.clone(),
            to: self.to.clone(),
            centres: self.centres.clone(),
            country: self.country.as_deref().map(Country::parse).transpose()?,
            by_centre: !self.consolidated,
            by_month: !self.whole_period,
            consented_only: self.consented_only,
            language: self.language.as_deref().map(Language::parse).transpose()?,
        })
    }
}

#[derive(clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// Write the monthly tables for publication (CSV or XLSX), small counts suppressed.
    Monthly {
        #[command(flatten)]
        scope: ReportScope,
        /// csv or xlsx.
        #[arg(long)]
        format: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Show centres by their codes only.
        #[arg(long)]
        codes_only: bool,
    },
    /// Print the monthly tables with exact counts (for the screen only; never publish them).
    Show {
        #[command(flatten)]
        scope: ReportScope,
    },
    /// Month-by-month trends of chosen measures per centre or city (exact counts).
    Trends {
        /// First month (YYYY-MM).
        #[arg(long)]
        period: String,
        /// Last month (YYYY-MM); default: the first.
        #[arg(long)]
        to: Option<String>,
        /// Measures, comma-separated (see `atrama targets measures`).
        #[arg(long, value_delimiter = ',', required = true)]
        measures: Vec<String>,
        /// Only these centres (codes, comma-separated).
        #[arg(long, value_delimiter = ',')]
        centres: Vec<String>,
        /// Only the centres of these cities (comma-separated, from the centres registry).
        #[arg(long, value_delimiter = ',')]
        cities: Vec<String>,
        /// One series per centre or per city.
        #[arg(long, default_value = "centre")]
        by: String,
    },
    /// Data quality per centre: key fields unknown or missing, contradictory dates.
    Quality {
        #[command(flatten)]
        scope: ReportScope,
    },
}

pub(crate) fn run(session: &Session, out: Output, cmd: ReportCommand) -> Result<(), Error> {
    match cmd {
        ReportCommand::Monthly {
            scope,
            format,
            out: file,
            codes_only,
        } => {
            let format = atrama::stats::output::ReportFormat::parse(&format)?;
            let query = scope.query()?;
            let mut store = session.unlock(Access::Write)?;
            let report = store.write_monthly_report(&query, format, &file, codes_only)?;
            let written = serde_json::json!({
                "file": file.display().to_string(),
                "format": format.code(),
                "from": report.from,
                "to": report.to,
                "centres": report.centres.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
                "tables": report.tables.len(),
            });
            out.show(&written, |_| {
                println!(
                    "Wrote {} ({}): tables T1–T10 for {}..{}, {} centre(s), small counts suppressed.",
                    file.display(),
                    format.code(),
                    report.from,
                    report.to,
                    report.centres.len()
                );
            })
        }
        ReportCommand::Show { scope } => {
            let query = scope.query()?;
            let store = session.unlock(Access::Read)?;
            out.show(&store.monthly_tables(&query)?, print_report)
        }
        ReportCommand::Trends {
            period,
            to,
            measures,
            centres,
            cities,
            by,
        } => {
            let query = TrendQuery {
                from: period,
                to,
                measures: measures
                    .iter()
                    .map(|m| Measure::parse(m))
                    .collect::<Result<_, _>>()?,
                centres,
                cities,
                by: grouping(&by)?,
            };
            let store = session.unlock(Access::Read)?;
            out.show(&store.trends(&query)?, |trend| {
                println!(
                    "Trends {}..{} (exact counts: do not publish)",
                    trend.from, trend.to
                );
                println!("{:<32} {}", "", trend.months.join("\t"));
                for s in &trend.series {
                    let values: Vec<String> = s.values.iter().map(i64::to_string).collect();
                    println!(
                        "{:<32} {}\ttotal {}",
                        format!("{} {}", s.key, s.measure.code()),
                        values.join("\t"),
                        s.total
                    );
                }
            })
        }
        ReportCommand::Quality { scope } => {
            let query = scope.query()?;
            let store = session.unlock(Access::Read)?;
            out.show(&store.data_quality(&query)?, |q| {
                println!("Data quality of the cases opened {}..{}", q.from, q.to);
                for (i, c) in q.checks.iter().enumerate() {
                    println!("  [{}] {}", i + 1, c.label);
                }
                for r in q.rows.iter().chain(std::iter::once(&q.total)) {
                    let cells: Vec<String> = r
                        .counts
                        .iter()
                        .zip(&r.percent)
                        .enumerate()
                        .map(|(i, (n, p))| format!("[{}] {n} ({p:.1}%)", i + 1))
                        .collect();
                    println!(
                        "{:<12} {:>5} cases  {}",
                        r.centre.as_deref().unwrap_or("all"),
                        r.cases,
                        cells.join("  ")
                    );
                }
            })
        }
    }
}

/// Reads `--by` of `report trends`.
fn grouping(text: &str) -> Result<Grouping, Error> {
    match text.trim() {
        "centre" => Ok(Grouping::Centre),
        "city" => Ok(Grouping::City),
        other => Err(Error::InvalidInput(format!(
            "'{other}' is not a grouping; use centre or city"
        ))),
    }
}

/// Prints the tables as plain text, one block per table.
fn print_report(report: &atrama::stats::StatsReport) {
    use atrama::stats::Unit;
    println!(
        "Monthly tables {}..{} — {} centre(s) — EXACT COUNTS: do not publish (use `report monthly`)",
        report.from,
        report.to,
        report.centres.len()
    );
    let fmt = |c: &atrama::stats::StatsCell, unit: Unit| match (c.value, unit) {
        (None, _) => "<5".to_owned(),
        (Some(v), Unit::Count) => v.to_string(),
        (Some(v), Unit::Minutes) => format!("{:.1}", v as f64 / 60.0),
    };
    for t in &report.tables {
        println!();
        println!("{} {}", t.id, t.title);
        let mut header = vec!["centre".to_owned(), "month".to_owned()];
        for c in &t.columns {
            header.push(match (&c.group, c.subtotal) {
                (_, true) => format!("{} (subtotal)", c.label),
                (Some(g), false) => format!("{g}: {}", c.label),
                (None, false) => c.label.clone(),
            });
        }
        if t.row_totals.is_some() {
            header.push("total".to_owned());
        }
        let mut lines = vec![header];
        for (i, r) in t.rows.iter().enumerate() {
            let mut line = vec![
                r.centre.clone().unwrap_or_else(|| "all".to_owned()),
                r.month.clone().unwrap_or_else(|| "period".to_owned()),
            ];
            line.extend(t.cells[i].iter().map(|c| fmt(c, t.unit)));
            if let Some(rt) = &t.row_totals {
                line.push(fmt(&rt[i], t.unit));
            }
            lines.push(line);
        }
        if let Some(ct) = &t.column_totals {
            let mut line = vec!["total".to_owned(), String::new()];
            line.extend(ct.iter().map(|c| fmt(c, t.unit)));
            if let Some(total) = &t.total {
                line.push(fmt(total, t.unit));
            }
            lines.push(line);
        }
        // Columns as lines (tables are wide): one line per category.
        let width = lines[0].len();
        for j in 0..width {
            let cells: Vec<&str> = lines.iter().map(|l| l[j].as_str()).collect();
            println!("  {:<40} {}", cells[0], cells[1..].join("\t"));
        }
    }
}
