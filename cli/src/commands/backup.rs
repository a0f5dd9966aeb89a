//! `atrama backup`: writing, checking and restoring backups, and the backup reminder.

use std::path::PathBuf;

use atrama::Error;
use atrama::admin::backup;

use crate::output::Output;
use crate::session::{self, Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum BackupCommand {
    /// Write a backup (a consistent snapshot, even while the app is in use).
    Create {
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check that a backup opens and is intact (with --recovery: any backup, no login).
    Verify {
        /// The backup file.
        file: PathBuf,
        /// Use the recovery key (ATRAMA_RECOVERY_KEY or a prompt) instead of signing in.
        #[arg(long)]
        recovery: bool,
    },
    /// Restore a backup into a new store folder with the recovery key.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// When the last backups were made and checked; set the reminder with --reminder-days.
    Status {
        /// Remind when the last checked backup is older than this many days.
        #[arg(long)]
        reminder_days: Option<u32>,
    },
}

pub(crate) fn run(session: &Session, out: Output, cmd: BackupCommand) -> Result<(), Error> {
    match cmd {
        BackupCommand::Create { out: file } => {
            let mut store = session.unlock(Access::Write)?;
            out.show(&store.create_backup(&file)?, |r| {
                println!("Wrote the backup {} ({} bytes).", r.path, r.size);
            })
        }
        BackupCommand::Verify { file, recovery } => {
            let check = if recovery {
                backup::verify_with_recovery(&file, &session::recovery_key()?)?
            } else {
                session.unlock(Access::Write)?.verify_backup(&file)?
            };
            out.show(&check, |check| {
                println!(
                    "The backup of {} by {} opens and is intact: {} cases, access log of {} entries checked.",
                    check.created_at, check.created_by, check.cases, check.access_log_entries
                );
            })
        }
        BackupCommand::Restore { file } => {
            let check = backup::restore(&file, &session::recovery_key()?, session.dir())?;
            out.show(&check, |check| {
                println!(
                    "Restored the backup of {} into {} ({} cases). Everyone signs in with the passphrase they had then.",
                    check.created_at,
                    session.dir().display(),
                    check.cases
                );
            })
        }
        BackupCommand::Status { reminder_days } => {
            let mut store = session.unlock(Access::Write)?;
            if let Some(days) = reminder_days {
                store.set_backup_reminder(days)?;
            }
            out.show(&store.backup_status()?, |s| {
                println!(
                    "last backup: {}",
                    s.last_backup_at.as_deref().unwrap_or("never")
                );
                println!(
                    "last checked backup: {}",
                    s.last_verified_at.as_deref().unwrap_or("never")
                );
                println!(
                    "reminder after {} days{}",
                    s.reminder_days,
                    if s.due {
                        " — a checked backup is due"
                    } else {
                        ""
                    }
                );
            })
        }
    }
}
