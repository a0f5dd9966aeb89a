//! `atrama import`: records from a spreadsheet (administrators, `docs/import.md`) — the dry
//! run, the import in one transaction, the list of imports and the undo of one.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use atrama::Error;
use atrama::sheets::{self, ImportOptions, Mapping, Progress, ProgressStage, RowDecision};

use crate::output::{Output, day_of, one_line};
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum ImportCommand {
    /// Import the records of a spreadsheet (XLSX, XLS, ODS, CSV) through a mapping, in one
    /// transaction; with --dry-run, only check every row and say what would be created.
    Records(RecordsArgs),
    /// Undo a whole import (its records are deleted as tombstones), refused once anything
    /// else has touched them.
    Undo {
        /// The import's batch id (printed by the import; `atrama import list`).
        batch: String,
    },
    /// The imports, newest first.
    List,
    /// Overwrite a spreadsheet with zeros and delete it (after an import: the plaintext
    /// copy of the records). Cannot reach copies on SSDs, in snapshots, backups or cloud
    /// folders; see docs/import.md.
    Shred {
        /// The spreadsheet to overwrite and delete.
        file: PathBuf,
    },
}

#[derive(clap::Args)]
pub(crate) struct RecordsArgs {
    /// The spreadsheet.
    file: PathBuf,
    /// A mapping saved in the app (by name), or a mapping file exported from it.
    #[arg(long, value_name = "M")]
    mapping: String,
    /// The sheet of a workbook to read, by its name (by default the first visible sheet
    /// holding anything). The other sheets holding rows are named in the output: each is
    /// imported on its own.
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// Check every row and print what is wrong and what would be created; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Leave out rows with problems (they are listed) instead of refusing the import.
    #[arg(long)]
    skip_problems: bool,
    /// Decisions on possible duplicates: a JSON file of `[{"row": 12, "decision":
    /// {"decision": "new"}}, …]` (as the app sends them).
    #[arg(long, value_name = "FILE")]
    decisions: Option<PathBuf>,
    /// After a successful import, overwrite the spreadsheet with zeros and delete it
    /// (`atrama import shred`; what that cannot reach is printed).
    #[arg(long, conflicts_with = "dry_run")]
    shred: bool,
}

pub(crate) fn run(session: &Session, out: Output, cmd: ImportCommand) -> Result<(), Error> {
    match cmd {
        ImportCommand::Records(args) => records(session, out, &args),
        ImportCommand::Undo { batch } => {
            let mut store = session.unlock(Access::Write)?;
            out.show(&store.sheet_undo(batch.trim())?, |u| {
                println!(
                    "Import {} undone: {} record(s) deleted.",
                    u.batch_id, u.records
                );
            })
        }
        ImportCommand::Shred { file } => shred(&file),
        ImportCommand::List => {
            let store = session.unlock(Access::Read)?;
            out.show(&store.sheet_batches()?, |list| {
                for b in list {
                    println!(
                        "{}  {}  {:>7} rows  {:<12} {}{}",
                        b.id,
                        day_of(&b.created_at),
                        b.rows_imported,
                        b.created_by,
                        one_line(&b.source_name),
                        if b.undone_at.is_some() {
                            "  [undone]"
                        } else {
                            ""
                        }
                    );
                }
                println!("{} import(s)", list.len());
            })
        }
    }
}

/// The mapping named `m`: a saved one, else a mapping file at that path.
fn mapping(store: &atrama::Store, m: &str) -> Result<Mapping, Error> {
    match store.sheet_mapping(m) {
        Ok(found) => Ok(found),
        Err(Error::NotFound { .. }) if Path::new(m).is_file() => {
            sheets::read_mapping_file(Path::new(m))
        }
        Err(Error::NotFound { .. }) => Err(Error::InvalidInput(format!(
            "no saved mapping is named '{}' and there is no mapping file there; save the \
             mapping in the app (Administration → Import records) or export it to a file",
            one_line(m)
        ))),
        Err(e) => Err(e),
    }
}

/// Progress on stderr, one rewritten line, only when a person watches it.
fn progress_line(out: Output) -> impl FnMut(Progress) {
    let show = !out.is_json() && std::io::stderr().is_terminal();
    move |p: Progress| {
        if show {
            let what = match p.stage {
                ProgressStage::Check => "checked",
                ProgressStage::Write => "imported",
            };
            if p.done == p.total {
                eprintln!("\r{what} {} of {} rows", p.done, p.total);
            } else {
                eprint!("\r{what} {} of {} rows", p.done, p.total);
            }
        }
    }
}

fn records(session: &Session, out: Output, args: &RecordsArgs) -> Result<(), Error> {
    let mut store = session.unlock(if args.dry_run {
        Access::Read
    } else {
        Access::Write
    })?;
    let mapping = mapping(&store, &args.mapping)?;
    let decisions: Vec<RowDecision> = match &args.decisions {
        None => Vec::new(),
        Some(file) => serde_json::from_str(&super::read_text(file)?).map_err(|e| {
            Error::InvalidInput(format!(
                "{} is not a list of decisions ({e}); see `atrama import records --help`",
                file.display()
            ))
        })?,
    };
    let read = sheets::ReadOptions {
        sheet: args.sheet.clone(),
        ..sheets::ReadOptions::default()
    };
    let mut progress = progress_line(out);
    if args.dry_run {
        let dry = store.sheet_dry_run_with_progress(
            &args.file,
            &read,
            &mapping,
            &decisions,
            &mut progress,
        )?;
        return out.show(&dry, |d| {
            sheet_lines(d.sheet.as_deref(), d.unread_sheets.as_deref());
            for p in &d.problems {
                println!(
                    "row {}{}: {}",
                    p.row,
                    p.column
                        .as_deref()
                        .map(|c| format!(", column '{}'", one_line(c)))
                        .unwrap_or_default(),
                    one_line(&p.message)
                );
            }
            if d.problems.len() < d.rows_with_problems {
                println!("(only the first {} problems are listed)", d.problems.len());
            }
            for u in &d.unknown_values {
                println!(
                    "value '{}' in column '{}' ({} row(s)) is in no {} code; map it in the mapping",
                    one_line(&u.value),
                    one_line(&u.column),
                    u.count,
                    u.list
                );
            }
            for dup in &d.duplicates {
                let mut why = Vec::new();
                if let Some(row) = dup.earlier_row {
                    why.push(format!("the client of row {row}"));
                }
                for e in &dup.existing {
                    why.push(format!("already recorded as {}", e.pseudonym));
                }
                println!("row {}: may be {}; decide with --decisions", dup.row, why.join(" or "));
            }
            println!(
                "{} rows: {} ready, {} with problems, {} blank, {} total row(s) left out. Would \
                 create {} client(s), {} case(s), {} incident(s), {} child(ren). Nothing was written.",
                d.rows,
                d.rows_ready,
                d.rows_with_problems,
                d.blank_rows,
                d.total_rows.len(),
                d.will_create.clients,
                d.will_create.cases,
                d.will_create.incidents,
                d.will_create.children
            );
        });
    }
    let options = ImportOptions {
        read,
        decisions,
        skip_rows_with_problems: args.skip_problems,
        expected_sha256: None,
    };
    let report = store.sheet_import_with_progress(&args.file, &mapping, &options, &mut progress)?;
    out.show(&report, |r| {
        sheet_lines(r.sheet.as_deref(), r.unread_sheets.as_deref());
        for p in &r.rows_skipped {
            println!("left out row {}: {}", p.row, one_line(&p.message));
        }
        let c = r.created;
        println!(
            "Imported {} rows: {} client(s), {} case(s), {} incident(s), {} child(ren).",
            r.rows_imported, c.clients, c.cases, c.incidents, c.children
        );
        println!(
            "Batch {} (undo it with: atrama import undo {}).",
            r.batch_id, r.batch_id
        );
    })?;
    if args.shred {
        return shred(&args.file);
    }
    if !out.is_json() {
        eprintln!(
            "note: {} is still on this computer unencrypted; delete it and every copy of it \
             (`atrama import shred FILE`; docs/import.md says what deleting can and cannot \
             guarantee)",
            args.file.display()
        );
    }
    Ok(())
}

/// The sheet read of a workbook, and the note naming the sheets holding rows that were not
/// read (`Sheet::unread_sheets`).
fn sheet_lines(sheet: Option<&str>, unread: Option<&str>) {
    if let Some(sheet) = sheet {
        println!("Sheet read: '{}'.", one_line(sheet));
    }
    if let Some(note) = unread {
        println!("note: {} (--sheet NAME)", one_line(note));
    }
}

/// Overwrites and deletes `file`, then says what that cannot reach (on stderr, so that
/// `--json` output stays JSON).
fn shred(file: &Path) -> Result<(), Error> {
    sheets::shred(file)?;
    eprintln!(
        "{} was overwritten with zeros and deleted. {}",
        file.display(),
        sheets::shred::LIMITS
    );
    Ok(())
}
