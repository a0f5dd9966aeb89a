//! `atrama audit`: checking the access log's hash chain and showing its entries
//! (administrators).

use atrama::Error;

use crate::output::{Output, prefix_of};
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum AuditCommand {
    /// Check the hash chain of the whole access log.
    Verify,
    /// Show the newest entries, overall or of one case.
    Show {
        /// Only this case (number or id).
        #[arg(long)]
        case: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

pub(crate) fn run(session: &Session, out: Output, cmd: AuditCommand) -> Result<(), Error> {
    let store = session.unlock(Access::Read)?;
    match cmd {
        AuditCommand::Verify => {
            let n = store.verify_access_log()?;
            out.show(&serde_json::json!({ "entries": n, "intact": true }), |_| {
                println!("The access log is intact: {n} entries, chain checked.");
            })
        }
        AuditCommand::Show { case, limit } => {
            let entries = match case {
                Some(c) => {
                    let id = super::case::case_id(&store, &c)?;
                    let mut e = store.access_log_for_case(id)?;
                    e.truncate(limit as usize);
                    e
                }
                None => store.access_log(limit)?,
            };
            out.show(&entries, |entries| {
                for e in entries {
                    println!(
                        "{:>6} {} {:<12} {:<14} {} {}",
                        e.seq,
                        prefix_of(&e.at, 19),
                        e.username,
                        e.action,
                        e.case_id.as_deref().unwrap_or("-"),
                        e.detail.as_deref().unwrap_or("")
                    );
                }
            })
        }
    }
}
