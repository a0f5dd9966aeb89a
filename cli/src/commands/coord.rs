//! The coordination centre's commands: `atrama inbox` (the inbox folder of bundle files),
//! `centres` (the registry of its centres and the sync board) and `targets` (yearly targets
//! and their progress). Each calls one core function, as the desktop app does.

use std::path::PathBuf;

use atrama::Error;
use atrama::stats::measures::Measure;
use atrama::stats::targets::TargetInput;
use atrama::sync::{CentreUpdate, InboxOutcome};
use chrono::NaiveDate;

use crate::output::{Output, day_of, one_line};
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
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

#[derive(clap::Subcommand)]
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

#[derive(clap::Subcommand)]
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

/// A day given as YYYY-MM-DD, or today.
fn day(text: Option<&str>) -> Result<NaiveDate, Error> {
    match text {
        None => Ok(chrono::Local::now().date_naive()),
        Some(t) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
            Error::InvalidInput(format!("'{t}' is not a day; write it as YYYY-MM-DD"))
        }),
    }
}

/// `atrama inbox run|set|show`.
pub(crate) fn inbox(session: &Session, out: Output, cmd: InboxCommand) -> Result<(), Error> {
    // Showing the folder only reads: beside the app (read-only) when it is open.
    let mut store = session.unlock(match cmd {
        InboxCommand::Show => Access::Read,
        _ => Access::Write,
    })?;
    match cmd {
        InboxCommand::Run { folder } => {
            let Some(report) = store.run_inbox(folder.as_deref())? else {
                return Err(Error::InvalidInput(
                    "no inbox folder is set; give one with --folder DIR or `atrama inbox set DIR`"
                        .into(),
                ));
            };
            out.show(&report, |report| {
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
            })
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
            out.show(
                &serde_json::json!({ "folder": folder }),
                |_| match &folder {
                    Some(f) => println!("{}", f.display()),
                    None => println!("No inbox folder."),
                },
            )
        }
    }
}

/// `atrama centres list|set|board`.
pub(crate) fn centres(session: &Session, out: Output, cmd: CentresCommand) -> Result<(), Error> {
    let mut store = session.unlock(match cmd {
        CentresCommand::Set { .. } => Access::Write,
        _ => Access::Read,
    })?;
    match cmd {
        CentresCommand::List => out.show(&store.centres()?, |list| {
            for c in list {
                println!(
                    "{:<12} {:<6} {:<20} {:<20} every {} days  {}",
                    c.code,
                    c.country.code(),
                    if c.region.is_empty() { "-" } else { &c.region },
                    if c.city.is_empty() { "-" } else { &c.city },
                    c.cadence_days,
                    one_line(&c.name)
                );
            }
        }),
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
            out.show(&c, |c| {
                println!(
                    "{}: region '{}', city '{}', a bundle every {} days.",
                    c.code, c.region, c.city, c.cadence_days
                );
            })
        }
        CentresCommand::Board { today } => {
            let board = store.sync_board(day(today.as_deref())?)?;
            out.show(&board, |board| {
                println!("Sync board as of {}", board.today);
                for r in &board.rows {
                    println!(
                        "{:<12} {}  last: {}  bundles: {}  {} day(s) ago",
                        r.centre.code,
                        if r.overdue { "OVERDUE" } else { "ok     " },
                        match (r.last_sequence, r.last_received_at.as_deref()) {
                            (Some(n), Some(at)) => format!("#{n} on {}", day_of(at)),
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
            })
        }
    }
}

/// `atrama targets list|set|measures`.
pub(crate) fn targets(session: &Session, out: Output, cmd: TargetsCommand) -> Result<(), Error> {
    let mut store = session.unlock(match cmd {
        TargetsCommand::Set { .. } => Access::Write,
        _ => Access::Read,
    })?;
    match cmd {
        TargetsCommand::List { year, today } => {
            let today = day(today.as_deref())?;
            let year = year.unwrap_or_else(|| chrono::Datelike::year(&today));
            out.show(&store.target_progress(year, today)?, |list| {
                for t in list {
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
            })
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
        TargetsCommand::Measures => out.show(&atrama::stats::measures::measures(), |list| {
            for m in list {
                println!("{:<20} {}: {}", m.measure_code(), m.label, m.source);
            }
        }),
    }
}
