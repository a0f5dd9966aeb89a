//! The coordination centre's commands of the `atrama` CLI: the inbox folder, the centres
//! registry and sync board, yearly targets, trends and data quality. Each calls one core
//! function, as the desktop app does.

use std::path::PathBuf;

use atrama::stats::StatsQuery;
use atrama::stats::measures::{Grouping, Measure, TrendQuery};
use atrama::stats::targets::TargetInput;
use atrama::sync::{CentreUpdate, InboxOutcome};
use atrama::{Error, Store};
use chrono::NaiveDate;
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum InboxCommand {
    /// Import every new bundle file in the inbox folder, then move each to processed/ or
    /// rejected/ (with a reason file).
    Run {
        /// The folder to read (default: the one set with `inbox set`).
        #[arg(long)]
        folder: Option<PathBuf>,
    },
    /// Set the inbox folder (a full path; it must exist), or clear it with --clear.
    Set {
        /// The folder.
        #[arg(required_unless_present = "clear")]
        folder: Option<PathBuf>,
        /// No inbox folder.
        #[arg(long, conflicts_with = "folder")]
        clear: bool,
    },
    /// Show the inbox folder.
    Show,
}

#[derive(Subcommand)]
pub(crate) enum CentresCommand {
    /// The enrolled centres with country, region, city and expected cadence.
    List,
    /// Change a centre's region, city or expected cadence.
    Set {
        /// Centre code.
        code: String,
        /// Region.
        #[arg(long)]
        region: Option<String>,
        /// City.
        #[arg(long)]
        city: Option<String>,
        /// A bundle is expected every this many days (30: monthly).
        #[arg(long)]
        cadence_days: Option<u32>,
    },
    /// The sync board: last bundle, periods covered, gaps, overdue centres.
    Board {
        /// Compute it as of this day (YYYY-MM-DD; default: today).
        #[arg(long)]
        today: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum TargetsCommand {
    /// The targets of a year with progress to date.
    List {
        /// Year (default: this year).
        #[arg(long)]
        year: Option<i32>,
        /// Progress as of this day (YYYY-MM-DD; default: today).
        #[arg(long)]
        today: Option<String>,
    },
    /// Set a centre's yearly target for a measure (or remove it with --remove).
    Set {
        /// Centre code.
        #[arg(long)]
        centre: String,
        /// Year.
        #[arg(long)]
        year: i32,
        /// What it counts: cases_opened, women, children_witnessed, children_harmed,
        /// incidents, service_contacts, referrals, risk_assessments, protection_orders,
        /// closures.
        #[arg(long)]
        measure: String,
        /// How many.
        #[arg(long, required_unless_present = "remove")]
        target: Option<i64>,
        /// Remove the target.
        #[arg(long, conflicts_with = "target")]
        remove: bool,
    },
    /// The measures a target or trend can count, and which table each reads.
    Measures,
}

fn day(text: Option<&str>) -> Result<NaiveDate, Error> {
    match text {
        None => Ok(chrono::Local::now().date_naive()),
        Some(t) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
            Error::InvalidInput(format!("'{t}' is not a day; write it as YYYY-MM-DD"))
        }),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::InvalidInput(format!("cannot print as JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

pub(crate) fn inbox(store: &mut Store, as_json: bool, cmd: InboxCommand) -> Result<(), Error> {
    match cmd {
        InboxCommand::Run { folder } => {
            let Some(report) = store.run_inbox(folder.as_deref())? else {
                return Err(Error::InvalidInput(
                    "no inbox folder is set; give one with --folder DIR or `atrama inbox set DIR`"
                        .into(),
                ));
            };
            if as_json {
                return json(&report);
            }
            println!("Inbox {}: {} file(s)", report.folder, report.items.len());
            for item in &report.items {
                let what = match item.outcome {
                    InboxOutcome::Imported => "imported",
                    InboxOutcome::Duplicate => "duplicate",
                    InboxOutcome::Rejected => "rejected",
                    InboxOutcome::Left => "left in the inbox",
                };
                let from = item
                    .summary
                    .as_ref()
                    .map(|s| format!(" from {} #{}", s.sender, s.sequence))
                    .unwrap_or_default();
                println!("  {}: {what}{from}", item.file_name);
                if let Some(r) = &item.reason {
                    println!("    {r}");
                }
            }
            Ok(())
        }
        InboxCommand::Set { folder, clear } => {
            let set = store.set_inbox_folder(if clear { None } else { folder.as_deref() })?;
            match set {
                Some(f) => println!("Inbox folder: {}", f.display()),
                None => println!("No inbox folder."),
            }
            Ok(())
        }
        InboxCommand::Show => {
            let folder = store.inbox_folder()?;
            if as_json {
                return json(&serde_json::json!({ "folder": folder }));
            }
            match folder {
                Some(f) => println!("{}", f.display()),
                None => println!("No inbox folder."),
            }
            Ok(())
        }
    }
}

pub(crate) fn centres(store: &mut Store, as_json: bool, cmd: CentresCommand) -> Result<(), Error> {
    match cmd {
        CentresCommand::List => {
            let list = store.centres()?;
            if as_json {
                return json(&list);
            }
            for c in &list {
                println!(
                    "{:<12} {:<6} {:<20} {:<20} every {} days  {}",
                    c.code,
                    c.country.code(),
                    if c.region.is_empty() { "-" } else { &c.region },
                    if c.city.is_empty() { "-" } else { &c.city },
                    c.cadence_days,
                    crate::one_line(&c.name)
                );
            }
            Ok(())
        }
        CentresCommand::Set {
            code,
            region,
            city,
            cadence_days,
        } => {
            let c = store.update_centre(&CentreUpdate {
                code,
                region,
                city,
                cadence_days,
            })?;
            if as_json {
                return json(&c);
            }
            println!(
                "{}: region '{}', city '{}', a bundle every {} days.",
                c.code, c.region, c.city, c.cadence_days
            );
            Ok(())
        }
        CentresCommand::Board { today } => {
            let board = store.sync_board(day(today.as_deref())?)?;
            if as_json {
                return json(&board);
            }
            println!("Sync board as of {}", board.today);
            for r in &board.rows {
                println!(
                    "{:<12} {}  last: {}  bundles: {}  {} day(s) ago",
                    r.centre.code,
                    if r.overdue { "OVERDUE" } else { "ok     " },
                    match (r.last_sequence, r.last_received_at.as_deref()) {
                        (Some(n), Some(at)) => format!("#{n} on {}", crate::day_of(at)),
                        _ => "none".to_owned(),
                    },
                    r.bundles_received,
                    r.days_since
                );
                println!(
                    "    covers: {}",
                    if r.periods.is_empty() {
                        "nothing yet".to_owned()
                    } else {
                        r.periods.join(", ")
                    }
                );
                if !r.months_missing.is_empty() {
                    println!("    months not covered: {}", r.months_missing.join(", "));
                }
                if !r.missing_sequences.is_empty() {
                    let seqs: Vec<String> = r
                        .missing_sequences
                        .iter()
                        .map(|n| format!("#{n}"))
                        .collect();
                    println!("    bundles never received: {}", seqs.join(", "));
                }
            }
            Ok(())
        }
    }
}

pub(crate) fn targets(store: &mut Store, as_json: bool, cmd: TargetsCommand) -> Result<(), Error> {
    match cmd {
        TargetsCommand::List { year, today } => {
            let today = day(today.as_deref())?;
            let year = year.unwrap_or_else(|| chrono::Datelike::year(&today));
            let list = store.target_progress(year, today)?;
            if as_json {
                return json(&list);
            }
            for t in &list {
                println!(
                    "{:<12} {:<20} {:>6} / {:<6} {:>3}%  expected by now {}  {}",
                    t.centre,
                    t.measure.code(),
                    t.actual,
                    t.target,
                    t.percent,
                    t.expected_to_date,
                    if t.on_track { "on track" } else { "BEHIND" }
                );
            }
            Ok(())
        }
        TargetsCommand::Set {
            centre,
            year,
            measure,
            target,
            remove,
        } => {
            let measure = Measure::parse(&measure)?;
            store.set_target(&TargetInput {
                centre: centre.clone(),
                year,
                measure,
                target: if remove { None } else { target },
            })?;
            match (remove, target) {
                (false, Some(t)) => {
                    println!("Target {centre} {year} {}: {t}.", measure.code());
                }
                _ => println!("Target {centre} {year} {} removed.", measure.code()),
            }
            Ok(())
        }
        TargetsCommand::Measures => {
            let list = atrama::stats::measures::measures();
            if as_json {
                return json(&list);
            }
            for m in &list {
                println!("{:<20} {}: {}", m.measure_code(), m.label, m.source);
            }
            Ok(())
        }
    }
}

/// `report trends`.
pub(crate) fn trends(store: &Store, as_json: bool, query: TrendQuery) -> Result<(), Error> {
    let trend = store.trends(&query)?;
    if as_json {
        return json(&trend);
    }
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
    Ok(())
}

/// Reads `--by`.
pub(crate) fn grouping(text: &str) -> Result<Grouping, Error> {
    match text.trim() {
        "centre" => Ok(Grouping::Centre),
        "city" => Ok(Grouping::City),
        other => Err(Error::InvalidInput(format!(
            "'{other}' is not a grouping; use centre or city"
        ))),
    }
}

/// `report quality`.
pub(crate) fn quality(store: &Store, as_json: bool, query: &StatsQuery) -> Result<(), Error> {
    let q = store.data_quality(query)?;
    if as_json {
        return json(&q);
    }
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
    Ok(())
}
