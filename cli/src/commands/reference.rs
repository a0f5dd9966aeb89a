//! Reference data: `atrama directory` (the referral directory: list it, replace it from a
//! CSV file) and `atrama reference` (the versions in force and what became of each item
//! received; load newer code lists).

use std::path::PathBuf;

use atrama::Error;

use crate::output::{Output, day_of, prefix_of};
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum DirectoryCommand {
    /// List the agencies of the directory in force.
    List {
        /// Only agencies of this type (`referral_agency` code, e.g. police).
        #[arg(long = "type")]
        agency_type: Option<String>,
    },
    /// Replace the directory from a CSV file with the columns id (optional), region, type,
    /// name, address, phone, email, language (coordination centre).
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum ReferenceCommand {
    /// The versions in force and the latest reference items received.
    Show,
    /// Load a newer code-list file (it then goes to the centres in return bundles).
    LoadCodes {
        /// The code-list file (JSON, the format of assets/codelists/codelists.json).
        file: PathBuf,
    },
}

/// `atrama directory list|import`.
pub(crate) fn directory(
    session: &Session,
    out: Output,
    cmd: DirectoryCommand,
) -> Result<(), Error> {
    match cmd {
        DirectoryCommand::List { agency_type } => {
            let store = session.unlock(Access::Write)?;
            out.show(&store.directory(agency_type.as_deref())?, |list| {
                for a in list {
                    println!(
                        "{:<16} {:<18} {:<20} {}  {}  {}  {}  [{}]",
                        a.id,
                        a.region,
                        a.agency_type,
                        a.name,
                        a.address,
                        a.phone,
                        a.email,
                        a.language
                    );
                }
                println!("{} agenc(ies)", list.len());
            })
        }
        DirectoryCommand::Import { file } => {
            let mut store = session.unlock(Access::Write)?;
            out.show(
                &store.import_directory_csv(&super::read_text(&file)?)?,
                |done| {
                    println!(
                        "Referral directory version {}: {} agenc(ies) (was {}). The next return bundle to each centre carries it.",
                        done.version, done.agencies, done.previous
                    );
                },
            )
        }
    }
}

/// `atrama reference show|load-codes`.
pub(crate) fn reference(
    session: &Session,
    out: Output,
    cmd: ReferenceCommand,
) -> Result<(), Error> {
    match cmd {
        ReferenceCommand::Show => {
            let store = session.unlock(Access::Write)?;
            out.show(&store.reference_status()?, |status| {
                println!("In force:");
                for r in &status.in_force {
                    println!(
                        "  {:<16} {:<20} version {:<12} from {}{}{}",
                        r.kind,
                        r.item_id,
                        r.version,
                        r.source,
                        if r.applied_at.is_empty() {
                            String::new()
                        } else {
                            format!(" on {}", day_of(&r.applied_at))
                        },
                        r.bundle_id
                            .as_ref()
                            .map_or_else(String::new, |b| format!(" (bundle {b})"))
                    );
                }
                println!("Referral directory: {} agenc(ies)", status.agencies);
                for l in &status.log {
                    println!(
                        "  {} {} {} {} version {}: {}{}",
                        prefix_of(&l.at, 19),
                        l.source,
                        l.outcome.kind,
                        l.outcome.item_id,
                        l.outcome.version,
                        l.outcome.outcome,
                        l.outcome
                            .reason
                            .as_ref()
                            .map_or_else(String::new, |r| format!(" — {r}"))
                    );
                }
            })
        }
        ReferenceCommand::LoadCodes { file } => {
            let mut store = session.unlock(Access::Write)?;
            out.show(&store.load_code_lists(&super::read_text(&file)?)?, |done| {
                println!("Code lists version {} loaded and in use.", done.version);
            })
        }
    }
}
