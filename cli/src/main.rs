//! The `atrama` command-line tool: the same core as the desktop app, for scripting on an
//! administrator's or coordinator's machine. No webview, no network.
//!
//! Exit codes: 0 success, 1 failure (one line on stderr saying what to do), 2 usage.
//!
//! Where things are: [`commands`] holds one file per command group, each with its clap
//! arguments and its `run`; [`output`] prints every result (text for a person, `--json` for a
//! script) and keeps the terminal safe from what a file said; [`session`] asks for the user,
//! passphrases and recovery key and unlocks the store.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a CLI prints its results and errors"
)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// `println!` for output that may be piped into a reader which stops early (`atrama status |
/// head -1`): the standard macro panics when the reader has gone. This one stops the command
/// quietly instead, with the status a shell shows for a program stopped by a closed pipe
/// (141). Anything the command was writing to the store is one transaction or a temporary
/// file renamed into place, so stopping part-way leaves it as it was before.
macro_rules! println {
    () => {
        $crate::output::print_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::print_line(format_args!($($arg)*))
    };
}

/// `eprintln!` through [`output::terminal_safe`], as `println!` above: an error message may
/// repeat what a file said.
macro_rules! eprintln {
    ($($arg:tt)*) => {
        $crate::output::eprint_line(format_args!($($arg)*))
    };
}

mod commands;
mod output;
mod session;
mod warehouse_parquet;

/// Atrama: the encrypted case store of a help centre.
#[derive(Parser)]
#[command(name = "atrama", version, about)]
struct Cli {
    /// The store folder (default: ATRAMA_STORE, else the platform's app-data folder).
    #[arg(long, global = true, value_name = "DIR")]
    store: Option<PathBuf>,
    /// The user to unlock as (default: ATRAMA_USER).
    #[arg(long, global = true, env = "ATRAMA_USER")]
    user: Option<String>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atrama: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<(), atrama::Error> {
    let dir = match cli.store {
        Some(dir) => dir,
        None => atrama::store::default_dir()?,
    };
    let session = session::Session::new(dir, cli.user);
    commands::run(&session, output::Output::new(cli.json), cli.command)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// clap's own check of the whole command tree: no two arguments with one name or short
    /// flag, every `required_unless_present` and `conflicts_with` naming an argument that
    /// exists (a rename in one file of `commands/` that breaks another's reference fails here
    /// rather than when someone types the command).
    #[test]
    fn the_command_tree_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
