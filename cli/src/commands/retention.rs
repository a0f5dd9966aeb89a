//! `atrama retention`: the retention policy, what a purge would remove, and the purge
//! (administrators).

use atrama::Error;
use atrama::admin::RetentionPolicy;

use crate::output::Output;
use crate::session::{self, Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum RetentionCommand {
    /// Show the policy.
    Show,
    /// Set the policy ("never" or a number of years for each).
    Set {
        /// Purge closed cases this many years after closure ("never" to keep them).
        #[arg(long)]
        closed_cases: Option<String>,
        /// Purge documents this many years after they were attached ("never" to keep them).
        #[arg(long)]
        documents: Option<String>,
    },
    /// What a purge would remove today.
    Preview,
    /// Purge what the preview shows (asks for confirmation unless --yes).
    Purge {
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

pub(crate) fn run(session: &Session, out: Output, cmd: RetentionCommand) -> Result<(), Error> {
    let mut store = session.unlock(match cmd {
        RetentionCommand::Show | RetentionCommand::Preview => Access::Read,
        _ => Access::Write,
    })?;
    let today = chrono::Local::now().date_naive();
    match cmd {
        RetentionCommand::Show => out.show(&store.retention_policy()?, show),
        RetentionCommand::Set {
            closed_cases,
            documents,
        } => {
            let old = store.retention_policy()?;
            let p = RetentionPolicy {
                closed_case_years: years(closed_cases, old.closed_case_years)?,
                document_years: years(documents, old.document_years)?,
            };
            store.set_retention_policy(p)?;
            out.show(&p, show)
        }
        RetentionCommand::Preview => out.show(&store.retention_preview(today)?, |p| {
            for c in &p.cases {
                println!("{:<20} closed {}", c.case_number, c.closed_on);
            }
            println!(
                "A purge today removes {} case(s) and {} document(s).",
                p.cases.len(),
                p.documents
            );
        }),
        RetentionCommand::Purge { yes } => {
            let p = store.retention_preview(today)?;
            if !yes
                && !session::confirm(
                    &format!(
                        "Purge {} case(s) and {} document(s) for good? Type purge to confirm: ",
                        p.cases.len(),
                        p.documents
                    ),
                    "purge",
                )
            {
                return Err(Error::InvalidInput("nothing was purged".into()));
            }
            out.show(&store.purge(today)?, |r| {
                println!(
                    "Purged {} case(s) and {} document(s); {} will be purged at the coordination centre with the next bundle.",
                    r.cases, r.documents, r.tombstones
                );
            })
        }
    }
}

/// The policy as text.
fn show(p: &RetentionPolicy) {
    let y = |v: Option<u32>| v.map_or("never".to_owned(), |n| format!("{n} years"));
    println!("closed cases purged after: {}", y(p.closed_case_years));
    println!("documents purged after:    {}", y(p.document_years));
}

/// `--closed-cases` or `--documents`: a number of years, `never`, or (not given) as before.
fn years(text: Option<String>, current: Option<u32>) -> Result<Option<u32>, Error> {
    match text.as_deref().map(str::trim) {
        None => Ok(current),
        Some("never") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            Error::InvalidInput(format!(
                "'{t}' is not a number of years; give e.g. 5, or never"
            ))
        }),
    }
}
