//! `atrama staff`: accounts (add, list, disable, enable) and the database key rotation
//! (administrators).

use atrama::{Error, KdfParams};

use crate::output::Output;
use crate::session::{self, Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum StaffCommand {
    /// Add a person with their own passphrase (from ATRAMA_NEW_PASSPHRASE or typed twice).
    Add {
        /// Their user name.
        name: String,
        /// counsellor, administrator or coordinator.
        #[arg(long)]
        role: String,
        /// Disciplines, comma-separated (social_work, legal, psychological, …).
        #[arg(long, value_delimiter = ',')]
        disciplines: Vec<String>,
    },
    /// Everyone with an account.
    List,
    /// Disable an account (its key slot is removed); then rotate the key.
    Disable {
        /// The user name.
        name: String,
    },
    /// Re-enable an account with a new passphrase (ATRAMA_NEW_PASSPHRASE or typed twice).
    Enable {
        /// The user name.
        name: String,
    },
    /// Re-encrypt the store with a new database key, resealed for everyone who remains.
    RotateKey,
}

pub(crate) fn run(session: &Session, out: Output, cmd: StaffCommand) -> Result<(), Error> {
    let mut store = session.unlock(match cmd {
        StaffCommand::List => Access::Read,
        _ => Access::Write,
    })?;
    match cmd {
        StaffCommand::Add {
            name,
            role,
            disciplines,
        } => {
            let role = atrama::Role::parse(&role)?;
            let pass = session::new_passphrase(
                "ATRAMA_NEW_PASSPHRASE",
                &format!("passphrase for {name}"),
            )?;
            store.add_staff(&name, role, &disciplines, &pass, KdfParams::DEFAULT)?;
            println!("Added {name} ({}).", role.code());
            Ok(())
        }
        StaffCommand::List => out.show(&store.staff()?, |staff| {
            for m in staff {
                println!(
                    "{:<16} {:<14} {:<30} {}",
                    m.username,
                    m.role,
                    m.disciplines.join(","),
                    if m.disabled {
                        "disabled"
                    } else if m.has_key_slot {
                        "active"
                    } else {
                        "no account"
                    }
                );
            }
        }),
        StaffCommand::Disable { name } => {
            store.disable_staff(&name)?;
            println!(
                "Disabled {name}: their passphrase no longer opens the store. Rotate the key now (`atrama staff rotate-key`) so that nothing they kept opens it either."
            );
            Ok(())
        }
        StaffCommand::Enable { name } => {
            let pass = session::new_passphrase(
                "ATRAMA_NEW_PASSPHRASE",
                &format!("new passphrase for {name}"),
            )?;
            store.enable_staff(&name, &pass, KdfParams::DEFAULT)?;
            println!("Re-enabled {name} with the new passphrase; ask them to change it.");
            Ok(())
        }
        StaffCommand::RotateKey => {
            // Progress on stderr, a line per percent, for a person watching (not with --json).
            let last = std::sync::atomic::AtomicU64::new(u64::MAX);
            let report = store.rotate_key(|p| {
                let pct = (p.pages_done * 100)
                    .checked_div(p.pages_total)
                    .unwrap_or(100);
                if !out.is_json() && last.swap(pct, std::sync::atomic::Ordering::Relaxed) != pct {
                    eprintln!(
                        "{:?}: {pct}% ({} of {} pages)",
                        p.phase, p.pages_done, p.pages_total
                    );
                }
            })?;
            out.show(&report, |report| {
                println!(
                    "Rotated the database key: {} pages re-encrypted, {} key slots resealed.",
                    report.pages, report.slots
                );
            })
        }
    }
}
