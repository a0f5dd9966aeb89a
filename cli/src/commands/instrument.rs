//! `atrama instrument`: the risk-assessment instruments here, and loading an instrument
//! pack (administrators).

use std::path::PathBuf;

use atrama::Error;

use crate::output::{Output, print_json};
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum InstrumentCommand {
    /// List the instruments here (built in and loaded), each id's newest version first.
    List,
    /// Load an instrument pack file (docs/instrument-pack.md); it is checked first and kept
    /// beside older versions of the same instrument.
    Import {
        /// The pack file (JSON).
        file: PathBuf,
    },
}

pub(crate) fn run(session: &Session, out: Output, cmd: InstrumentCommand) -> Result<(), Error> {
    match cmd {
        InstrumentCommand::List => {
            let store = session.unlock(Access::Read)?;
            out.show_or(&store.instruments()?, |list| {
                let lang = store.profile()?.language.code();
                for i in list {
                    let title = i
                        .title
                        .get(lang)
                        .or_else(|| i.languages.first().and_then(|l| i.title.get(l)))
                        .map_or("", String::as_str);
                    println!(
                        "{:<20} v{:<4} {:<16} {:<4} {:<15} {:>3} items {:>5} assessed  {}{}{}",
                        i.id,
                        i.version,
                        i.licence.code(),
                        i.jurisdiction,
                        i.languages.join(","),
                        i.items,
                        i.assessments,
                        title,
                        if i.builtin { "  [built in]" } else { "" },
                        if i.latest { "" } else { "  [older version]" },
                    );
                }
                println!("{} instrument version(s)", list.len());
                Ok(())
            })
        }
        InstrumentCommand::Import { file } => {
            let mut store = session.unlock(Access::Write)?;
            let text = super::read_text(&file)?;
            match store.import_instrument(&text) {
                Ok(done) => out.show(&done, |done| {
                    let i = &done.instrument;
                    match done.outcome.as_str() {
                        "already_loaded" => println!(
                            "{} version {} was already loaded from the same file; nothing changed.",
                            i.id, i.version
                        ),
                        _ => println!(
                            "Loaded {} version {} ({} items, licence {}).",
                            i.id,
                            i.version,
                            i.items,
                            i.licence.code()
                        ),
                    }
                }),
                Err(e) => {
                    // A script reads the refusal from the output too, then the exit status.
                    if out.is_json() {
                        print_json(&serde_json::json!({
                            "file_name": file.display().to_string(),
                            "error": { "code": e.code(), "message": e.to_string() },
                        }))?;
                    }
                    Err(e)
                }
            }
        }
    }
}
