//! Pairing with the other side for sync: `atrama keys` (fingerprint, enrolment file),
//! `enrol`, `peers` (the sync state of each) and `sharing` (the data-sharing level).

use std::path::PathBuf;

use atrama::Error;

use crate::output::{Output, day_of, one_line};
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum KeysCommand {
    /// Print this store's fingerprint, to read to the other side over the phone.
    Show,
    /// Write this store's enrolment file (public keys only: safe to e-mail).
    Export {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
pub(crate) struct EnrolArgs {
    /// The other side's enrolment file.
    file: PathBuf,
    /// The fingerprint as the other side read it to you (groups of four characters).
    #[arg(long)]
    fingerprint: String,
}

#[derive(clap::Args)]
pub(crate) struct SharingArgs {
    /// The coordination centre's code.
    #[arg(long)]
    to: String,
    /// `pseudonymised` or `statistics`.
    level: String,
}

/// `atrama keys show|export`.
pub(crate) fn keys(session: &Session, out: Output, cmd: KeysCommand) -> Result<(), Error> {
    match cmd {
        KeysCommand::Show => {
            let store = session.unlock(Access::Read)?;
            out.show_or(&store.fingerprint()?, |fp| {
                let p = store.profile()?;
                println!("{} ({}) fingerprint:", p.code, p.name);
                println!();
                println!("    {}", fp.short);
                Ok(())
            })
        }
        KeysCommand::Export { out: file } => {
            let store = session.unlock(Access::Write)?;
            store.write_enrolment_file(&file)?;
            println!(
                "Wrote the enrolment file {}. Send it to the other side, then read them this fingerprint over the phone: {}",
                file.display(),
                store.fingerprint()?.short
            );
            Ok(())
        }
    }
}

/// `atrama enrol`.
pub(crate) fn enrol(session: &Session, out: Output, args: EnrolArgs) -> Result<(), Error> {
    let mut store = session.unlock(Access::Write)?;
    let text = atrama::sync::identity::read_enrolment_file(&args.file)?;
    out.show(&store.enrol(&text, &args.fingerprint)?, |peer| {
        println!(
            "Enrolled {} ({}, {}), fingerprint {}.",
            one_line(&peer.centre_code),
            one_line(&peer.name),
            peer.mode.code(),
            peer.fingerprint.short
        );
    })
}

/// `atrama peers`.
pub(crate) fn peers(session: &Session, out: Output) -> Result<(), Error> {
    let store = session.unlock(Access::Read)?;
    out.show(&store.sync_status()?, |status| {
        for s in status {
            println!(
                "{:<12} {:<11} {}  {}",
                one_line(&s.peer.centre_code),
                s.peer.mode.code(),
                s.peer.fingerprint.short,
                one_line(&s.peer.name)
            );
            if s.peer.mode == atrama::centre::Mode::Coordinator {
                println!("    sharing level: {}", s.sharing);
            }
            println!(
                "    sent: {}  last confirmed: {}  unconfirmed bundles: {}  pending changes: {}",
                s.last_sent_sequence
                    .map_or("none".to_owned(), |n| format!("#{n}")),
                match (s.last_confirmed_sequence, s.last_confirmed_at.as_deref()) {
                    (Some(n), Some(d)) => format!("#{n} on {}", day_of(d)),
                    _ => "never".to_owned(),
                },
                s.unconfirmed_bundles,
                s.pending_changes
            );
            println!(
                "    received: {}{}",
                s.last_received_sequence
                    .map_or("none".to_owned(), |n| format!("#{n}")),
                if s.missing_sequences.is_empty() {
                    String::new()
                } else {
                    format!("  missing: {:?}", s.missing_sequences)
                }
            );
        }
        if status.is_empty() {
            println!(
                "Nothing enrolled yet: exchange enrolment files with `atrama keys export` and `atrama enrol`."
            );
        }
    })
}

/// `atrama sharing`: sets the level, then shows what the next bundle would carry.
pub(crate) fn sharing(session: &Session, out: Output, args: SharingArgs) -> Result<(), Error> {
    let mut store = session.unlock(Access::Write)?;
    store.set_sharing(&args.to, &args.level)?;
    out.show(&store.export_preview(&args.to)?, |preview| {
        println!(
            "Sharing level with {} is now {}. The next bundle would carry:",
            preview.recipient, preview.sharing
        );
        super::bundle::print_preview(preview);
    })
}
