//! The commands of the `atrama` CLI, one file per group. Each file holds its clap arguments
//! and a `run` that calls the core as the desktop app does, and prints through
//! [`crate::output::Output`]. The list below is the order `atrama --help` shows.

use atrama::Error;
use clap::Subcommand;

use crate::output::Output;
use crate::session::Session;

mod analysis;
mod audit;
mod backup;
mod bundle;
mod case;
mod computers;
mod coord;
mod demo;
mod import;
mod instrument;
mod peers;
mod reference;
mod report;
mod retention;
mod staff;
mod store;
mod warehouse;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Create a new store and print its recovery key once.
    Init(store::InitArgs),
    /// Unlock and show centre, mode, schema version and record counts.
    Status,
    /// Change a passphrase, or reset a forgotten one with --recovery.
    Passwd(store::PasswdArgs),
    /// List and show cases.
    #[command(subcommand)]
    Case(case::CaseCommand),
    /// Search names, pseudonyms, phone numbers, case numbers and notes.
    Search(case::SearchArgs),
    /// This store's keys for sync: show the fingerprint, or export the enrolment file.
    #[command(subcommand)]
    Keys(peers::KeysCommand),
    /// Pin the other side (coordination centre or centre) from its enrolment file, only if
    /// the fingerprint read to you over the phone matches.
    Enrol(peers::EnrolArgs),
    /// The enrolled centres or coordination centre, with the sync state of each; with a
    /// command, the computers of this centre (list, add, remove, join, sync, review).
    Peers {
        #[command(subcommand)]
        command: Option<computers::ComputersCommand>,
    },
    /// Set the data-sharing level agreed with the coordination centre (at a centre):
    /// `pseudonymised` (case-level records without names; the default) or `statistics`
    /// (the monthly tables only).
    Sharing(peers::SharingArgs),
    /// Export and import bundles.
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// Staff accounts and the database key (administrators).
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// The access log: check its chain, show it (administrators).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Backups: write, check, restore.
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// The retention policy and the purge (administrators).
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Risk-assessment instruments: list them, or load an instrument pack (administrators).
    #[command(subcommand)]
    Instrument(instrument::InstrumentCommand),
    /// Records from a spreadsheet (administrators): dry run, import, list, undo.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Monthly tables T1–T10: show them (exact counts, on screen) or write a published
    /// report (always with small counts suppressed).
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// The joint case analysis: templates (coordination centre) and the comparative
    /// analysis of the centres' completed analyses.
    #[command(subcommand)]
    Analysis(analysis::AnalysisCommand),
    /// The inbox folder of bundle files (coordination centre): run it, set it, show it.
    #[command(subcommand)]
    Inbox(coord::InboxCommand),
    /// The coordination centre's registry of its centres, and the sync board.
    #[command(subcommand)]
    Centres(coord::CentresCommand),
    /// Yearly targets per centre and their progress.
    #[command(subcommand)]
    Targets(coord::TargetsCommand),
    /// The referral directory (agencies per region with contacts): list it, or — in a
    /// coordination centre — replace it from a CSV file; return bundles carry it to centres.
    #[command(subcommand)]
    Directory(reference::DirectoryCommand),
    /// Reference data (code lists, instrument packs, referral directory): the versions in
    /// force and what became of each item received; load newer code lists.
    #[command(subcommand)]
    Reference(reference::ReferenceCommand),
    /// Files for a ministry's engines: record-level Parquet; T1–T10 as DHIS2 dataValueSets
    /// (JSON, CSV), ADX or SDMX-CSV, exact or published, and the mapping template they need.
    #[command(subcommand)]
    Warehouse(warehouse::WarehouseCommand),
    /// Fill the store with realistic, clearly fictitious demo data.
    Demo(demo::DemoArgs),
}

/// Runs one command on the store of `session`, printing its results as `out` says.
pub(crate) fn run(session: &Session, out: Output, command: Command) -> Result<(), Error> {
    match command {
        Command::Init(args) => store::init(session, out, args),
        Command::Status => store::status(session, out),
        Command::Passwd(args) => store::passwd(session, args),
        Command::Case(cmd) => case::run(session, out, cmd),
        Command::Search(args) => case::search(session, out, args),
        Command::Keys(cmd) => peers::keys(session, out, cmd),
        Command::Enrol(args) => peers::enrol(session, out, args),
        Command::Peers { command: None } => peers::peers(session, out),
        Command::Peers { command: Some(cmd) } => computers::run(session, out, cmd),
        Command::Sharing(args) => peers::sharing(session, out, args),
        Command::Bundle(cmd) => bundle::run(session, out, cmd),
        Command::Staff(cmd) => staff::run(session, out, cmd),
        Command::Audit(cmd) => audit::run(session, out, cmd),
        Command::Backup(cmd) => backup::run(session, out, cmd),
        Command::Retention(cmd) => retention::run(session, out, cmd),
        Command::Instrument(cmd) => instrument::run(session, out, cmd),
        Command::Import(cmd) => import::run(session, out, cmd),
        Command::Report(cmd) => report::run(session, out, cmd),
        Command::Analysis(cmd) => analysis::run(session, out, cmd),
        Command::Inbox(cmd) => coord::inbox(session, out, cmd),
        Command::Centres(cmd) => coord::centres(session, out, cmd),
        Command::Targets(cmd) => coord::targets(session, out, cmd),
        Command::Directory(cmd) => reference::directory(session, out, cmd),
        Command::Reference(cmd) => reference::reference(session, out, cmd),
        Command::Warehouse(cmd) => warehouse::run(session, out, cmd),
        Command::Demo(args) => demo::run(session, out, args),
    }
}

/// Reads a text file named on the command line.
fn read_text(file: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(file)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", file.display())))
}
