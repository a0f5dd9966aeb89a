//! `atrama peers list|enrolment|add|remove|hand-over|take-over|join-file|join|sync|review|`
//! `resolve`: the computers of this centre (`docs/peers.md`). `atrama peers` alone still
//! shows the enrolled centres or coordination centre.

use std::path::PathBuf;

use atrama::Error;

use crate::output::{Output, day_of, one_line};
use crate::session::{self, Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum ComputersCommand {
    /// The computers of this centre, with the last sync with each and pending changes.
    List,
    /// Write this computer's enrolment file (public keys only) and print its fingerprint.
    Enrolment {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// This computer's name in the centre's list, e.g. "lawyer's laptop".
        #[arg(long)]
        name: String,
    },
    /// Add a computer of this centre from its enrolment file, if the fingerprint read
    /// from its screen matches.
    Add {
        /// The other computer's enrolment file.
        file: PathBuf,
        /// The fingerprint as read from the other computer's screen.
        #[arg(long)]
        fingerprint: String,
    },
    /// Remove a computer (a lost laptop): nothing written afterwards is sealed to it.
    Remove {
        /// Its installation id or fingerprint (see `atrama peers list`).
        computer: String,
    },
    /// Hand the sending of the centre's bundles to the coordination centre over to another
    /// computer of the centre (on the computer that sends them).
    HandOver {
        /// Its installation id or fingerprint (see `atrama peers list`).
        computer: String,
    },
    /// Take the sending of the centre's bundles over on this computer, when the computer
    /// that sent them was removed (a lost laptop).
    TakeOver,
    /// Write a join file for a new computer: a full copy of the store (a backup).
    JoinFile {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// This computer's name in the centre's list, if it has none yet.
        #[arg(long, default_value = "first computer")]
        name: String,
    },
    /// Make the store (--store, a new folder) a new computer of the centre from a join
    /// file, with the recovery key (ATRAMA_RECOVERY_KEY or a prompt).
    Join {
        /// The join file.
        file: PathBuf,
        /// This computer's name in the centre's list.
        #[arg(long)]
        name: String,
    },
    /// Apply the other computers' files in the folder, then write this computer's.
    Sync {
        /// The folder every computer of the centre reaches (a share or a stick).
        #[arg(long)]
        folder: PathBuf,
    },
    /// The fields changed on two computers that wait for a person's choice.
    Review {
        /// Only those of this case (its id).
        #[arg(long)]
        case: Option<String>,
    },
    /// Keep one of the values of a field in review (its version, as `review` lists it).
    Resolve {
        /// `client`, `case_file`, `child` or `protection_order`.
        table: String,
        /// The record's id.
        record: String,
        /// The field.
        field: String,
        /// The version of the value to keep.
        #[arg(long)]
        keep: String,
    },
}

/// Runs `atrama peers <command>`.
pub(crate) fn run(session: &Session, out: Output, cmd: ComputersCommand) -> Result<(), Error> {
    match cmd {
        ComputersCommand::List => {
            let store = session.unlock(Access::Read)?;
            out.show(&store.peers_list()?, |list| {
                for i in list {
                    println!(
                        "{} {}  {}{}{}",
                        if i.this_computer { "*" } else { " " },
                        i.fingerprint,
                        one_line(&i.name),
                        if i.exports_to_coordinator {
                            "  (exports to the coordination centre)"
                        } else {
                            ""
                        },
                        i.removed_at
                            .as_deref()
                            .map(|d| format!("  removed on {}", day_of(d)))
                            .unwrap_or_default()
                    );
                    if !i.this_computer && i.removed_at.is_none() {
                        println!(
                            "    last sent: {}  last received: {}  pending changes: {}",
                            i.last_sent_at.as_deref().map_or("never", day_of),
                            i.last_received_at.as_deref().map_or("never", day_of),
                            i.pending_changes
                        );
                    }
                }
                if list.is_empty() {
                    println!(
                        "This centre has one computer. Add one with `atrama peers join-file` and `atrama peers add`."
                    );
                }
            })
        }
        ComputersCommand::Enrolment { out: file, name } => {
            let mut store = session.unlock(Access::Write)?;
            let text = store.peers_enrolment(&name)?;
            atrama::atomic_file::write(&file, text.as_bytes())?;
            println!(
                "Wrote {}. Add it on a computer of the centre and read this fingerprint from this screen: {}",
                file.display(),
                store.peers_fingerprint(&name)?
            );
            Ok(())
        }
        ComputersCommand::Add { file, fingerprint } => {
            let mut store = session.unlock(Access::Write)?;
            let text = super::read_text(&file)?;
            out.show(&store.peers_add(&text, &fingerprint)?, |i| {
                println!("Added {} ({}).", one_line(&i.name), i.fingerprint);
            })
        }
        ComputersCommand::Remove { computer } => {
            let mut store = session.unlock(Access::Write)?;
            store.peers_remove(&computer)?;
            println!("Removed. Nothing written from now on is sealed to that computer.");
            Ok(())
        }
        ComputersCommand::HandOver { computer } => {
            let mut store = session.unlock(Access::Write)?;
            store.peers_hand_over(&computer)?;
            println!(
                "Handed over. That computer sends the centre's bundles after its next sync; this one no longer does."
            );
            Ok(())
        }
        ComputersCommand::TakeOver => {
            let mut store = session.unlock(Access::Write)?;
            store.peers_take_over()?;
            println!(
                "This computer now sends the centre's bundles to the coordination centre, numbered on from the last one it knows of."
            );
            Ok(())
        }
        ComputersCommand::JoinFile { out: file, name } => {
            let mut store = session.unlock(Access::Write)?;
            let report = store.peers_join_file(&file, &name)?;
            println!(
                "Wrote the join file {} ({} bytes). Carry it to the new computer and run `atrama peers join` there with the recovery key; delete it afterwards.",
                file.display(),
                report.size
            );
            Ok(())
        }
        ComputersCommand::Join { file, name } => {
            let recovery = session::recovery_key()?;
            let fingerprint = atrama::peers::join::join(&file, &recovery, session.dir(), &name)?;
            println!(
                "This computer joined the centre. Write its enrolment file (`atrama peers enrolment`), add it on a computer of the centre and read this fingerprint there: {fingerprint}"
            );
            Ok(())
        }
        ComputersCommand::Sync { folder } => {
            let mut store = session.unlock(Access::Write)?;
            let report = store.peers_sync(&folder)?;
            out.show(&report, |r| {
                println!(
                    "Applied {} file(s), {} seen before; wrote {}; {} field(s) in review.",
                    r.applied.len(),
                    r.skipped,
                    r.written.len(),
                    r.reviews
                );
                for (name, why) in &r.refused {
                    println!("  not applied: {}: {}", one_line(name), one_line(why));
                }
            })
        }
        ComputersCommand::Review { case } => {
            let store = session.unlock(Access::Read)?;
            out.show(&store.peer_reviews(case.as_deref())?, |reviews| {
                for r in reviews {
                    println!(
                        "{} {} {}{}",
                        r.table,
                        r.record_id,
                        r.field,
                        if r.safety_critical {
                            "  (safety-critical)"
                        } else {
                            ""
                        }
                    );
                    for v in &r.values {
                        println!(
                            "    {} {}  {}",
                            if v.current { "*" } else { " " },
                            v.hlc,
                            one_line(v.value.as_deref().unwrap_or("(empty)"))
                        );
                    }
                }
                if reviews.is_empty() {
                    println!("Nothing was changed on two computers at once.");
                }
            })
        }
        ComputersCommand::Resolve {
            table,
            record,
            field,
            keep,
        } => {
            let mut store = session.unlock(Access::Write)?;
            let version = parse_version(&keep)?;
            store.resolve_peer_review(&table, &record, &field, version)?;
            println!("Kept that value; it reaches the other computers with the next sync.");
            Ok(())
        }
    }
}

/// A version as `review` prints it (`millis.counter` in hex) or as a plain number.
fn parse_version(text: &str) -> Result<atrama::hlc::Hlc, Error> {
    let bad = || {
        Error::InvalidInput(format!(
            "'{}' is not a version as `atrama peers review` lists it",
            one_line(text)
        ))
    };
    match text.trim().split_once('.') {
        Some((ms, counter)) => Ok(atrama::hlc::Hlc::from_parts(
            ms.parse().map_err(|_| bad())?,
            u16::from_str_radix(counter, 16).map_err(|_| bad())?,
        )),
        None => Err(bad()),
    }
}
