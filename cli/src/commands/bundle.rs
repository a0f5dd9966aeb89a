//! `atrama bundle export|import`: sealing a bundle for an enrolled peer, and applying the
//! bundles received (each in one transaction, or not at all).

use std::path::PathBuf;

use atrama::Error;

use crate::output::{Output, one_line};
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum BundleCommand {
    /// Seal a bundle for an enrolled centre or coordination centre.
    Export {
        /// The recipient's centre code.
        #[arg(long)]
        to: String,
        /// Where to write the bundle.
        #[arg(long, required_unless_present = "preview")]
        out: Option<PathBuf>,
        /// The month the bundle reports on (YYYY-MM); default: this month.
        #[arg(long)]
        period: Option<String>,
        /// Only show what would be exported; write nothing.
        #[arg(long)]
        preview: bool,
    },
    /// Import bundle files (each applied in one transaction, or not at all).
    Import {
        /// Bundle files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check and count everything, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print a line per file to stderr as it starts and ends (the default when stderr
        /// is a terminal).
        #[arg(long)]
        progress: bool,
    },
}

pub(crate) fn run(session: &Session, out: Output, cmd: BundleCommand) -> Result<(), Error> {
    match cmd {
        BundleCommand::Export {
            to,
            out: file,
            period,
            preview,
        } => {
            // A preview only reads.
            let mut store = session.unlock(if preview { Access::Read } else { Access::Write })?;
            let period = period
                .map(|p| atrama::bundle::Period::months(&p, &p))
                .transpose()?;
            if preview {
                return out.show(&store.export_preview(&to)?, print_preview);
            }
            let Some(file) = file else {
                return Err(Error::InvalidInput("give --out FILE".into()));
            };
            out.show(&store.export_bundle(&to, &file, period)?, |report| {
                print_preview(&report.preview);
                println!(
                    "Wrote bundle #{} ({} bytes) to {}.",
                    report.preview.sequence, report.size, report.path
                );
            })
        }
        BundleCommand::Import {
            files,
            dry_run,
            progress,
        } => {
            use std::io::IsTerminal as _;
            let mut store = session.unlock(Access::Write)?;
            let progress = progress || std::io::stderr().is_terminal();
            let results = store.import_bundles(&files, dry_run, |event| {
                if progress {
                    eprintln!("{}", progress_line(event));
                }
            });
            // Text: a summary per file as it is read, refusals on stderr (unless the progress
            // lines said so already). JSON: one array of summaries and refusals at the end.
            let mut failed = 0;
            for r in &results {
                match (&r.summary, &r.refused) {
                    (Some(s), _) if !out.is_json() => print_summary(s),
                    (_, Some(refused)) => {
                        failed += 1;
                        if !out.is_json() && !progress {
                            eprintln!("atrama: {}: {}", r.path, refused.message);
                        }
                    }
                    _ => {}
                }
            }
            if out.is_json() {
                let summaries: Vec<serde_json::Value> = results
                    .iter()
                    .map(|r| match (&r.summary, &r.refused) {
                        (Some(s), _) => serde_json::to_value(s).unwrap_or_default(),
                        (None, refused) => serde_json::json!({
                            "file_name": r.path,
                            "error": refused,
                        }),
                    })
                    .collect();
                out.show(&summaries, |_| {})?;
            }
            if failed > 0 {
                return Err(Error::InvalidInput(format!(
                    "{failed} of {} bundle(s) were refused; nothing of those was applied",
                    files.len()
                )));
            }
            Ok(())
        }
    }
}

/// What a bundle carries (or would carry), as text.
pub(crate) fn print_preview(p: &atrama::sync::ExportPreview) {
    println!(
        "Bundle #{} for {} ({}), sharing level: {}",
        p.sequence, p.recipient, p.recipient_name, p.sharing
    );
    for (table, n) in p.counts.iter().filter(|(_, n)| **n > 0) {
        println!(
            "  {n:>8} {table}: {}",
            p.fields
                .get(table)
                .map(|f| f.join(", "))
                .unwrap_or_default()
        );
    }
    if p.cases_without_consent > 0 {
        println!(
            "  {} changed case(s) stay here: no consent to non-identifiable statistics",
            p.cases_without_consent
        );
    }
    if p.withdrawn > 0 {
        println!("  {} case(s) withdrawn (consent withdrawn)", p.withdrawn);
    }
    if p.purged > 0 {
        println!("  {} case(s) purged under the retention policy", p.purged);
    }
    if p.sharing == "statistics" {
        println!("  no case-level record leaves: the monthly tables only");
    }
    if p.acks > 0 {
        println!("  acknowledges {} bundle(s)", p.acks);
    }
    for r in &p.reference {
        println!("  attaches {} {} version {}", r.kind, r.item_id, r.version);
    }
}

/// One progress line of a multi-file import (stderr): `[2/5] name: what happened`.
fn progress_line(event: &atrama::sync::ImportEvent) -> String {
    use atrama::sync::ImportEvent;
    match event {
        ImportEvent::Started {
            index,
            total,
            file_name,
        } => format!("[{}/{total}] {file_name}: checking…", index + 1),
        ImportEvent::Records { index, done, total } => {
            const WIDTH: u64 = 30;
            let filled = (done * WIDTH)
                .checked_div(*total)
                .unwrap_or(WIDTH)
                .min(WIDTH);
            format!(
                "[{}] [{}{}] {done}/{total} records",
                index + 1,
                "#".repeat(usize::try_from(filled).unwrap_or(0)),
                "-".repeat(usize::try_from(WIDTH - filled).unwrap_or(0)),
            )
        }
        ImportEvent::Finished {
            index,
            total,
            result,
        } => {
            let what = match (&result.summary, &result.refused) {
                (Some(s), _) => {
                    let t = s.totals();
                    format!(
                        "{} — {} new, {} updated, {} unchanged, {} rejected",
                        s.outcome.replace('_', " "),
                        t.new,
                        t.updated,
                        t.unchanged,
                        t.rejected
                    )
                }
                (None, Some(r)) => format!("refused — {}", r.message),
                (None, None) => "done".to_owned(),
            };
            format!("[{}/{total}] {}: {what}", index + 1, result.file_name)
        }
    }
}

/// What an import did with one file, as text.
fn print_summary(s: &atrama::sync::ImportSummary) {
    let t = s.totals();
    println!(
        "{}: bundle #{} from {} ({}) — {}: {} new, {} updated, {} unchanged, {} rejected{}{}",
        one_line(&s.file_name),
        s.sequence,
        one_line(&s.sender),
        one_line(&s.sender_name),
        s.outcome.replace('_', " "),
        t.new,
        t.updated,
        t.unchanged,
        t.rejected,
        if s.withdrawn > 0 {
            format!(", {} withdrawn", s.withdrawn)
        } else {
            String::new()
        },
        if s.acknowledged > 0 {
            format!(", {} of our bundles confirmed", s.acknowledged)
        } else {
            String::new()
        }
    );
    for n in &s.notes {
        println!("  note: {}", one_line(n));
    }
    for r in &s.rejected {
        println!(
            "  rejected {} {}: {}",
            one_line(&r.table),
            one_line(&r.id),
            one_line(&r.reason)
        );
    }
    for u in &s.unknown_codes {
        println!(
            "  unknown code kept: {} '{}' ({} record(s)) — update Atrama's code lists",
            one_line(&u.list),
            one_line(&u.code),
            u.count
        );
    }
    for r in &s.reference {
        println!(
            "  reference data {} {} version {}: {}{}",
            one_line(&r.kind),
            one_line(&r.item_id),
            one_line(&r.version),
            one_line(&r.outcome),
            r.reason
                .as_ref()
                .map_or_else(String::new, |why| format!(" — {}", one_line(why)))
        );
    }
}
