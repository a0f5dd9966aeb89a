//! The `atrama` command-line tool: the same core as the desktop app, for scripting on an
//! administrator's or coordinator's machine. No webview, no network.
//!
//! Exit codes: 0 success, 1 failure (one line on stderr saying what to do), 2 usage.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a CLI prints its results and errors"
)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `println!` for output that may be piped into a reader which stops early (`atrama status |
/// head -1`): the standard macro panics when the reader has gone. This one stops the command
/// quietly instead, with the status a shell shows for a program stopped by a closed pipe
/// (141). Anything the command was writing to the store is one transaction or a temporary
/// file renamed into place, so stopping part-way leaves it as it was before.
macro_rules! println {
    () => {
        $crate::print_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::print_line(format_args!($($arg)*))
    };
}

/// `eprintln!` through [`terminal_safe`], as `println!` above: an error message may repeat
/// what a file said.
macro_rules! eprintln {
    ($($arg:tt)*) => {
        $crate::eprint_line(format_args!($($arg)*))
    };
}

mod cli_coord;

/// Text for the terminal: every control character except the line breaks and tabs of the
/// CLI's own layout, and every invisible character that reorders or hides text, is written
/// as a visible `\uXXXX` escape — so nothing printed (a peer's centre name, a code from a
/// bundle, a backup header) can move the cursor, recolour, retitle or rewrite the terminal.
/// The escape is also JSON's, so `--json` output stays valid JSON with the same meaning.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |c| c == '\n' || c == '\t')
}

/// A value from outside (a peer's name, a code or reason from a bundle) on one line: line
/// breaks and tabs escaped too, so it cannot forge a line of its own.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |_| false)
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    use std::fmt::Write as _;
    let hide = |c: char| atrama::centre::is_hidden_or_control(c) && !keep(c);
    if !text.chars().any(hide) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hide(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes one line to the standard error, through [`terminal_safe`].
fn eprint_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let text = args.to_string();
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal_safe(&text));
}

/// The exit status after the reader of the standard output has gone (128 + SIGPIPE).
const CLOSED_PIPE_STATUS: i32 = 141;

/// Writes one line to the standard output, through [`terminal_safe`]; see `println!` above.
fn print_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let text = args.to_string();
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(terminal_safe(&text).as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(CLOSED_PIPE_STATUS)
        }
        Err(e) => {
            eprintln!("atrama: could not write to the standard output: {e}");
            std::process::exit(1)
        }
    }
}

use atrama::cases::{CaseDetail, CaseFilter};
use atrama::ids::CaseId;
use atrama::{
    Country, Error, KdfParams, Language, Mode, NewCentre, Passphrase, RecoveryKey, Store,
};
use clap::{Parser, Subcommand};

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
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new store and print its recovery key once.
    Init {
        /// Centre code, e.g. KLP-01.
        #[arg(long)]
        centre_code: String,
        /// Centre name.
        #[arg(long)]
        centre_name: String,
        /// Country: LT, LV, AZ or other.
        #[arg(long)]
        country: String,
        /// User name of the first administrator.
        #[arg(long)]
        admin: String,
        /// centre or coordinator.
        #[arg(long, default_value = "centre")]
        mode: String,
        /// Default language (en, lt, lv, az, ru); default: the country's.
        #[arg(long)]
        language: Option<String>,
    },
    /// Unlock and show centre, mode, schema version and record counts.
    Status,
    /// Change a passphrase, or reset a forgotten one with --recovery.
    Passwd {
        /// Use the recovery key instead of the current passphrase.
        #[arg(long)]
        recovery: bool,
    },
    /// List and show cases.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Search names, pseudonyms, phone numbers, case numbers and notes.
    Search {
        /// Words to look for (each as a prefix; diacritics do not matter).
        text: String,
        /// At most this many results.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// This store's keys for sync: show the fingerprint, or export the enrolment file.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Pin the other side (coordination centre or centre) from its enrolment file, only if
    /// the fingerprint read to you over the phone matches.
    Enrol {
        /// The other side's enrolment file.
        file: PathBuf,
        /// The fingerprint as the other side read it to you (groups of four characters).
        #[arg(long)]
        fingerprint: String,
    },
    /// The enrolled centres or coordination centre, with the sync state of each.
    Peers,
    /// Set the data-sharing level agreed with the coordination centre (at a centre):
    /// `pseudonymised` (case-level records without names; the default) or `statistics`
    /// (the monthly tables only).
    Sharing {
        /// The coordination centre's code.
        #[arg(long)]
        to: String,
        /// `pseudonymised` or `statistics`.
        level: String,
    },
    /// Export and import bundles.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Staff accounts and the database key (administrators).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// The access log: check its chain, show it (administrators).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Backups: write, check, restore.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// The retention policy and the purge (administrators).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Risk-assessment instruments: list them, or load an instrument pack (administrators).
    #[command(subcommand)]
    Instrument(InstrumentCommand),
    /// Monthly tables T1–T10: show them (exact counts, on screen) or write a published
    /// report (always with small counts suppressed).
    #[command(subcommand)]
    Report(ReportCommand),
    /// The joint case analysis: templates (coordination centre) and the comparative
    /// analysis of the centres' completed analyses.
    #[command(subcommand)]
    Analysis(AnalysisCommand),
    /// The inbox folder of bundle files (coordination centre): run it, set it, show it.
    #[command(subcommand)]
    Inbox(cli_coord::InboxCommand),
    /// The coordination centre's registry of its centres, and the sync board.
    #[command(subcommand)]
    Centres(cli_coord::CentresCommand),
    /// Yearly targets per centre and their progress.
    #[command(subcommand)]
    Targets(cli_coord::TargetsCommand),
    /// The referral directory (agencies per region with contacts): list it, or — in a
    /// coordination centre — replace it from a CSV file; return bundles carry it to centres.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Reference data (code lists, instrument packs, referral directory): the versions in
    /// force and what became of each item received; load newer code lists.
    #[command(subcommand)]
    Reference(ReferenceCommand),
    /// Fill the store with realistic, clearly fictitious demo data.
    Demo {
        /// How many clients.
        #[arg(long)]
        clients: u32,
        /// Over how many months before today.
        #[arg(long, default_value_t = 36)]
        months: u32,
        /// Seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
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

#[derive(Subcommand)]
enum AuditCommand {
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

#[derive(Subcommand)]
enum BackupCommand {
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

#[derive(Subcommand)]
enum RetentionCommand {
    /// Show the policy.
    Show,
    /// Set the policy ("never" or a number of years for each).
    Set {
        /// Purge closed cases this many years after closure ("never" to keep them).
        #[arg(long)]
        closed_cases: Option<String>,
        /// Purge documents this many years after they were attached ("never" to keep them).
        #[arg(long)]
        documents: Option<String>,
    },
    /// What a purge would remove today.
    Preview,
    /// Purge what the preview shows (asks for confirmation unless --yes).
    Purge {
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

/// Which tables: period, centres, breakdown.
#[derive(clap::Args)]
struct ReportScope {
    /// First month (YYYY-MM).
    #[arg(long)]
    period: String,
    /// Last month (YYYY-MM); default: the first.
    #[arg(long)]
    to: Option<String>,
    /// Only these centres (codes, comma-separated); default: every centre.
    #[arg(long, value_delimiter = ',')]
    centres: Vec<String>,
    /// Only centres of this country (LT, LV, AZ, other).
    #[arg(long)]
    country: Option<String>,
    /// All centres in one row per month instead of one row per centre.
    #[arg(long)]
    consolidated: bool,
    /// The whole period in one row instead of one row per month.
    #[arg(long)]
    whole_period: bool,
    /// Only cases of clients who consent to non-identifiable statistics (what a bundle
    /// carries).
    #[arg(long)]
    consented_only: bool,
    /// Language of the category labels (en, lt, lv, az, ru); default: the centre's.
    #[arg(long)]
    language: Option<String>,
}

impl ReportScope {
    fn query(&self) -> Result<atrama::stats::StatsQuery, Error> {
        Ok(atrama::stats::StatsQuery {
            from: self.period.clone(),
            to: self.to.clone(),
            centres: self.centres.clone(),
            country: self.country.as_deref().map(Country::parse).transpose()?,
            by_centre: !self.consolidated,
            by_month: !self.whole_period,
            consented_only: self.consented_only,
            language: self.language.as_deref().map(Language::parse).transpose()?,
        })
    }
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Write the monthly tables for publication (CSV or XLSX), small counts suppressed.
    Monthly {
        #[command(flatten)]
        scope: ReportScope,
        /// csv or xlsx.
        #[arg(long)]
        format: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Show centres by their codes only.
        #[arg(long)]
        codes_only: bool,
    },
    /// Print the monthly tables with exact counts (for the screen only; never publish them).
    Show {
        #[command(flatten)]
        scope: ReportScope,
    },
    /// Month-by-month trends of chosen measures per centre or city (exact counts).
    Trends {
        /// First month (YYYY-MM).
        #[arg(long)]
        period: String,
        /// Last month (YYYY-MM); default: the first.
        #[arg(long)]
        to: Option<String>,
        /// Measures, comma-separated (see `atrama targets measures`).
        #[arg(long, value_delimiter = ',', required = true)]
        measures: Vec<String>,
        /// Only these centres (codes, comma-separated).
        #[arg(long, value_delimiter = ',')]
        centres: Vec<String>,
        /// Only the centres of these cities (comma-separated, from the centres registry).
        #[arg(long, value_delimiter = ',')]
        cities: Vec<String>,
        /// One series per centre or per city.
        #[arg(long, default_value = "centre")]
        by: String,
    },
    /// Data quality per centre: key fields unknown or missing, contradictory dates.
    Quality {
        #[command(flatten)]
        scope: ReportScope,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print this store's fingerprint, to read to the other side over the phone.
    Show,
    /// Write this store's enrolment file (public keys only: safe to e-mail).
    Export {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Seal a bundle for an enrolled centre or coordination centre.
    Export {
        /// The recipient's centre code.
        #[arg(long)]
        to: String,
        /// Where to write the bundle.
        #[arg(long, required_unless_present = "preview")]
        out: Option<PathBuf>,
        /// The month the bundle reports on (YYYY-MM); default: this month.
        #[arg(long)]
        period: Option<String>,
        /// Only show what would be exported; write nothing.
        #[arg(long)]
        preview: bool,
    },
    /// Import bundle files (each applied in one transaction, or not at all).
    Import {
        /// Bundle files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check and count everything, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print a line per file to stderr as it starts and ends (the default when stderr
        /// is a terminal).
        #[arg(long)]
        progress: bool,
    },
}

#[derive(Subcommand)]
enum AnalysisCommand {
    /// Case-analysis templates: list them, or import one from a JSON file.
    #[command(subcommand)]
    Template(AnalysisTemplateCommand),
    /// Write the comparative analysis of a year's completed case analyses.
    Export {
        /// The year the analyses were completed in (YYYY).
        #[arg(long)]
        period: String,
        /// xlsx (a workbook: About, Key figures, a sheet per section) or json.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// Columns by centre or by country.
        #[arg(long, default_value = "centre")]
        by: String,
        /// Only these centres (or countries), comma-separated; default: all.
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        /// The template id; default: the one with the most analyses that year.
        #[arg(long)]
        template: Option<String>,
        /// Language of the template's texts (en, lt, lv, az, ru).
        #[arg(long, default_value = "en")]
        language: String,
    },
}

#[derive(Subcommand)]
enum AnalysisTemplateCommand {
    /// List the template versions here, newest version first.
    List,
    /// Import a template file (JSON, docs/multi-agency.md); a version is never changed.
    Import {
        /// The template file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum DirectoryCommand {
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

#[derive(Subcommand)]
enum ReferenceCommand {
    /// The versions in force and the latest reference items received.
    Show,
    /// Load a newer code-list file (it then goes to the centres in return bundles).
    LoadCodes {
        /// The code-list file (JSON, the format of assets/codelists/codelists.json).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum InstrumentCommand {
    /// List the instruments here (built in and loaded), each id's newest version first.
    List,
    /// Load an instrument pack file (docs/instrument-pack.md); it is checked first and kept
    /// beside older versions of the same instrument.
    Import {
        /// The pack file (JSON).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CaseCommand {
    /// List cases, newest first.
    List {
        /// Only open cases.
        #[arg(long)]
        open: bool,
        /// Only cases where I am the lead worker or on the team.
        #[arg(long)]
        mine: bool,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// Show a case with everything recorded in it.
    Show {
        /// The case number (e.g. KLP-01-2026-0042) or id.
        case: String,
        /// Also show the client's names, phone and address.
        #[arg(long)]
        identity: bool,
    },
    /// Transfer a case to another (enrolled) centre, with the client's recorded consent:
    /// writes a sealed bundle for that centre and closes the case here as transferred.
    Transfer {
        /// The case number (e.g. KLP-01-2026-0042) or id.
        case: String,
        /// The receiving centre's code.
        #[arg(long)]
        to: String,
        /// Where to write the bundle.
        #[arg(long)]
        out: PathBuf,
    },
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

fn run(cli: Cli) -> Result<(), Error> {
    let dir = match cli.store {
        Some(dir) => dir,
        None => atrama::store::default_dir()?,
    };
    match cli.command {
        Command::Init {
            centre_code,
            centre_name,
            country,
            admin,
            mode,
            language,
        } => {
            let country = Country::parse(&country)?;
            let language = match language {
                Some(l) => Language::parse(&l)?,
                None => Language::default_for(country),
            };
            let centre = NewCentre {
                code: centre_code,
                name: centre_name,
                country,
                language,
                mode: Mode::parse(&mode)?,
                admin_user: admin,
            }
            .normalised()?;
            let passphrase = new_passphrase(
                "ATRAMA_PASSPHRASE",
                &format!("passphrase for {}", centre.admin_user),
            )?;
            let (store, recovery) = Store::create(&dir, &centre, &passphrase, KdfParams::DEFAULT)?;
            if cli.json {
                let out = serde_json::json!({
                    "store_dir": store.dir().display().to_string(),
                    "admin_user": store.user(),
                    "recovery_key": recovery.to_display().as_str(),
                });
                println!("{out}");
            } else {
                println!("Created the store in {}.", store.dir().display());
                println!();
                println!("Recovery key (shown only now; write it down and keep it locked away):");
                println!();
                println!("    {}", recovery.to_display().as_str());
                println!();
                println!(
                    "With it an administrator can reset any passphrase. Without it, a forgotten"
                );
                println!("passphrase cannot be recovered.");
            }
            Ok(())
        }
        Command::Status => {
            let user = need_user(cli.user)?;
            let passphrase = secret("ATRAMA_PASSPHRASE", &format!("passphrase for {user}: "))?;
            let store = warn_recovery(Store::unlock_for_reading(&dir, &user, &passphrase))?;
            let status = store.status()?;
            if cli.json {
                let json = serde_json::to_string_pretty(&status)
                    .map_err(|e| Error::InvalidInput(e.to_string()))?;
                println!("{json}");
            } else {
                let c = &status.centre;
                println!("centre:   {} {} ({})", c.code, c.name, c.country.code());
                println!("mode:     {}", c.mode.code());
                println!("language: {}", c.language.code());
                println!("schema:   {}", status.schema_version);
                println!("store:    {}", status.store_dir);
                println!("user:     {}", status.user);
                for count in &status.counts {
                    println!("{:<9} {}", format!("{}:", count.kind), count.count);
                }
            }
            Ok(())
        }
        Command::Passwd { recovery } => {
            let user = need_user(cli.user)?;
            if recovery {
                let text = secret("ATRAMA_RECOVERY_KEY", "recovery key: ")?;
                let key = RecoveryKey::parse(
                    std::str::from_utf8(text.dangerously_expose()).unwrap_or_default(),
                )?;
                let new = new_passphrase(
                    "ATRAMA_NEW_PASSPHRASE",
                    &format!("new passphrase for {user}"),
                )?;
                Store::reset_passphrase(&dir, &key, &user, &new, KdfParams::DEFAULT)?;
            } else {
                let old = secret(
                    "ATRAMA_PASSPHRASE",
                    &format!("current passphrase for {user}: "),
                )?;
                let new = new_passphrase(
                    "ATRAMA_NEW_PASSPHRASE",
                    &format!("new passphrase for {user}"),
                )?;
                Store::change_passphrase(&dir, &user, &old, &new, KdfParams::DEFAULT)?;
            }
            println!("The passphrase of {user} was changed.");
            Ok(())
        }
        Command::Case(CaseCommand::List { open, mine, limit }) => {
            let store = unlock_to_read(&dir, cli.user)?;
            let filter = CaseFilter {
                status: open.then(|| "open".to_owned()),
                worker: mine.then(|| store.user().to_owned()),
                limit: Some(limit),
                ..CaseFilter::default()
            };
            let cases = store.case_list(&filter)?;
            if cli.json {
                return print_json(&cases);
            }
            for c in &cases {
                println!(
                    "{:<20} {:<10} {:<12} {} {:<10} {}",
                    c.case_number, c.pseudonym, c.status, c.opened_on, c.lead_worker, c.id
                );
            }
            println!("{} case(s)", cases.len());
            Ok(())
        }
        Command::Case(CaseCommand::Show { case, identity }) => {
            let store = unlock_to_read(&dir, cli.user)?;
            let id = case_id(&store, &case)?;
            let detail = store.case_detail(id)?;
            if cli.json {
                if identity {
                    let identity = store.client_identity(detail.client.id)?;
                    return print_json(
                        &serde_json::json!({ "detail": detail, "identity": identity }),
                    );
                }
                return print_json(&detail);
            }
            show_case(&store, &detail, identity)
        }
        Command::Case(CaseCommand::Transfer { case, to, out }) => {
            let mut store = unlock(&dir, cli.user)?;
            let id = case_id(&store, &case)?;
            let report = store.transfer_case(id, &to, &out)?;
            if cli.json {
                return print_json(&report);
            }
            println!(
                "Case {case} sealed for {} in {} ({} bytes, {} document(s)); it is closed here as transferred.",
                report.to, report.path, report.size, report.documents
            );
            println!("SHA-256 {}", report.file_hash);
            Ok(())
        }
        Command::Search { text, limit } => {
            let store = unlock_to_read(&dir, cli.user)?;
            let hits = store.search(&text, Some(limit))?;
            if cli.json {
                return print_json(&hits);
            }
            for h in &hits {
                println!(
                    "{:<20} {:<10} {:<8} {:<5} {}",
                    h.case_number,
                    h.pseudonym,
                    h.status,
                    h.kind,
                    h.snippet.as_deref().unwrap_or("")
                );
            }
            println!("{} result(s)", hits.len());
            Ok(())
        }
        Command::Keys(KeysCommand::Show) => {
            let store = unlock_to_read(&dir, cli.user)?;
            let fp = store.fingerprint()?;
            if cli.json {
                return print_json(&fp);
            }
            let p = store.profile()?;
            println!("{} ({}) fingerprint:", p.code, p.name);
            println!();
            println!("    {}", fp.short);
            Ok(())
        }
        Command::Keys(KeysCommand::Export { out }) => {
            let store = unlock(&dir, cli.user)?;
            store.write_enrolment_file(&out)?;
            println!(
                "Wrote the enrolment file {}. Send it to the other side, then read them this fingerprint over the phone: {}",
                out.display(),
                store.fingerprint()?.short
            );
            Ok(())
        }
        Command::Enrol { file, fingerprint } => {
            let mut store = unlock(&dir, cli.user)?;
            let text = atrama::sync::identity::read_enrolment_file(&file)?;
            let peer = store.enrol(&text, &fingerprint)?;
            if cli.json {
                return print_json(&peer);
            }
            println!(
                "Enrolled {} ({}, {}), fingerprint {}.",
                one_line(&peer.centre_code),
                one_line(&peer.name),
                peer.mode.code(),
                peer.fingerprint.short
            );
            Ok(())
        }
        Command::Peers => {
            let store = unlock_to_read(&dir, cli.user)?;
            let status = store.sync_status()?;
            if cli.json {
                return print_json(&status);
            }
            for s in &status {
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
            Ok(())
        }
        Command::Sharing { to, level } => {
            let mut store = unlock(&dir, cli.user)?;
            store.set_sharing(&to, &level)?;
            let preview = store.export_preview(&to)?;
            if cli.json {
                return print_json(&preview);
            }
            println!(
                "Sharing level with {} is now {}. The next bundle would carry:",
                preview.recipient, preview.sharing
            );
            print_preview(&preview);
            Ok(())
        }
        Command::Bundle(BundleCommand::Export {
            to,
            out,
            period,
            preview,
        }) => {
            // A preview only reads.
            let mut store = if preview {
                unlock_to_read(&dir, cli.user)?
            } else {
                unlock(&dir, cli.user)?
            };
            let period = period
                .map(|p| atrama::bundle::Period::months(&p, &p))
                .transpose()?;
            if preview {
                let p = store.export_preview(&to)?;
                if cli.json {
                    return print_json(&p);
                }
                print_preview(&p);
                return Ok(());
            }
            let Some(out) = out else {
                return Err(Error::InvalidInput("give --out FILE".into()));
            };
            let report = store.export_bundle(&to, &out, period)?;
            if cli.json {
                return print_json(&report);
            }
            print_preview(&report.preview);
            println!(
                "Wrote bundle #{} ({} bytes) to {}.",
                report.preview.sequence, report.size, report.path
            );
            Ok(())
        }
        Command::Bundle(BundleCommand::Import {
            files,
            dry_run,
            progress,
        }) => {
            use std::io::IsTerminal as _;
            let mut store = unlock(&dir, cli.user)?;
            let progress = progress || std::io::stderr().is_terminal();
            let results = store.import_bundles(&files, dry_run, |event| {
                if progress {
                    eprintln!("{}", progress_line(event));
                }
            });
            let mut failed = 0;
            for r in &results {
                match (&r.summary, &r.refused) {
                    (Some(s), _) if !cli.json => print_summary(s),
                    (_, Some(refused)) => {
                        failed += 1;
                        if !cli.json && !progress {
                            eprintln!("atrama: {}: {}", r.path, refused.message);
                        }
                    }
                    _ => {}
                }
            }
            if cli.json {
                let summaries: Vec<serde_json::Value> = results
                    .iter()
                    .map(|r| match (&r.summary, &r.refused) {
                        (Some(s), _) => serde_json::to_value(s).unwrap_or_default(),
                        (None, refused) => serde_json::json!({
                            "file_name": r.path,
                            "error": refused,
                        }),
                    })
                    .collect();
                print_json(&summaries)?;
            }
            if failed > 0 {
                return Err(Error::InvalidInput(format!(
                    "{failed} of {} bundle(s) were refused; nothing of those was applied",
                    files.len()
                )));
            }
            Ok(())
        }
        Command::Staff(cmd) => staff(&dir, cli.user, cli.json, cmd),
        Command::Audit(cmd) => audit(&dir, cli.user, cli.json, cmd),
        Command::Backup(cmd) => backup(&dir, cli.user, cli.json, cmd),
        Command::Retention(cmd) => retention(&dir, cli.user, cli.json, cmd),
        Command::Analysis(cmd) => analysis(&dir, cli.user, cli.json, cmd),
        Command::Directory(cmd) => directory(&dir, cli.user, cli.json, cmd),
        Command::Reference(cmd) => reference(&dir, cli.user, cli.json, cmd),
        Command::Instrument(InstrumentCommand::List) => {
            let store = unlock_to_read(&dir, cli.user)?;
            let list = store.instruments()?;
            if cli.json {
                return print_json(&list);
            }
            let lang = store.profile()?.language.code();
            for i in &list {
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
        }
        Command::Instrument(InstrumentCommand::Import { file }) => {
            let mut store = unlock(&dir, cli.user)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", file.display())))?;
            match store.import_instrument(&text) {
                Ok(done) => {
                    if cli.json {
                        return print_json(&done);
                    }
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
                    Ok(())
                }
                Err(e) => {
                    if cli.json {
                        print_json(&serde_json::json!({
                            "file_name": file.display().to_string(),
                            "error": { "code": e.code(), "message": e.to_string() },
                        }))?;
                    }
                    Err(e)
                }
            }
        }
        Command::Report(ReportCommand::Monthly {
            scope,
            format,
            out,
            codes_only,
        }) => {
            let format = atrama::stats::output::ReportFormat::parse(&format)?;
            let query = scope.query()?;
            let mut store = unlock(&dir, cli.user)?;
            let report = store.write_monthly_report(&query, format, &out, codes_only)?;
            if cli.json {
                return print_json(&serde_json::json!({
                    "file": out.display().to_string(),
                    "format": format.code(),
                    "from": report.from,
                    "to": report.to,
                    "centres": report.centres.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
                    "tables": report.tables.len(),
                }));
            }
            println!(
                "Wrote {} ({}): tables T1–T10 for {}..{}, {} centre(s), small counts suppressed.",
                out.display(),
                format.code(),
                report.from,
                report.to,
                report.centres.len()
            );
            Ok(())
        }
        Command::Report(ReportCommand::Trends {
            period,
            to,
            measures,
            centres,
            cities,
            by,
        }) => {
            let query = atrama::stats::measures::TrendQuery {
                from: period,
                to,
                measures: measures
                    .iter()
                    .map(|m| atrama::stats::measures::Measure::parse(m))
                    .collect::<Result<_, _>>()?,
                centres,
                cities,
                by: cli_coord::grouping(&by)?,
            };
            let store = unlock_to_read(&dir, cli.user)?;
            cli_coord::trends(&store, cli.json, query)
        }
        Command::Report(ReportCommand::Quality { scope }) => {
            let query = scope.query()?;
            let store = unlock_to_read(&dir, cli.user)?;
            cli_coord::quality(&store, cli.json, &query)
        }
        Command::Inbox(cmd) => {
            // Showing the folder only reads: beside the app (read-only) when it is open.
            let mut store = if matches!(cmd, cli_coord::InboxCommand::Show) {
                unlock_to_read(&dir, cli.user)?
            } else {
                unlock(&dir, cli.user)?
            };
            cli_coord::inbox(&mut store, cli.json, cmd)
        }
        Command::Centres(cmd) => {
            let mut store = if matches!(cmd, cli_coord::CentresCommand::Set { .. }) {
                unlock(&dir, cli.user)?
            } else {
                unlock_to_read(&dir, cli.user)?
            };
            cli_coord::centres(&mut store, cli.json, cmd)
        }
        Command::Targets(cmd) => {
            let mut store = if matches!(cmd, cli_coord::TargetsCommand::Set { .. }) {
                unlock(&dir, cli.user)?
            } else {
                unlock_to_read(&dir, cli.user)?
            };
            cli_coord::targets(&mut store, cli.json, cmd)
        }
        Command::Report(ReportCommand::Show { scope }) => {
            let query = scope.query()?;
            let store = unlock_to_read(&dir, cli.user)?;
            let report = store.monthly_tables(&query)?;
            if cli.json {
                return print_json(&report);
            }
            print_report(&report);
            Ok(())
        }
        Command::Demo {
            clients,
            months,
            seed,
        } => {
            let mut store = unlock(&dir, cli.user)?;
            let today = chrono::Local::now().date_naive();
            let summary = atrama::demo::generate(
                &mut store,
                &atrama::demo::DemoOptions {
                    clients,
                    months,
                    seed,
                    today,
                },
            )?;
            if cli.json {
                return print_json(&summary);
            }
            println!("{summary}");
            Ok(())
        }
    }
}

fn staff(
    dir: &std::path::Path,
    user: Option<String>,
    json: bool,
    cmd: StaffCommand,
) -> Result<(), Error> {
    let mut store = match cmd {
        StaffCommand::List => unlock_to_read(dir, user)?,
        _ => unlock(dir, user)?,
    };
    match cmd {
        StaffCommand::Add {
            name,
            role,
            disciplines,
        } => {
            let role = atrama::Role::parse(&role)?;
            let pass = new_passphrase("ATRAMA_NEW_PASSPHRASE", &format!("passphrase for {name}"))?;
            store.add_staff(&name, role, &disciplines, &pass, KdfParams::DEFAULT)?;
            println!("Added {name} ({}).", role.code());
        }
        StaffCommand::List => {
            let staff = store.staff()?;
            if json {
                return print_json(&staff);
            }
            for m in &staff {
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
        }
        StaffCommand::Disable { name } => {
            store.disable_staff(&name)?;
            println!(
                "Disabled {name}: their passphrase no longer opens the store. Rotate the key now (`atrama staff rotate-key`) so that nothing they kept opens it either."
            );
        }
        StaffCommand::Enable { name } => {
            let pass = new_passphrase(
                "ATRAMA_NEW_PASSPHRASE",
                &format!("new passphrase for {name}"),
            )?;
            store.enable_staff(&name, &pass, KdfParams::DEFAULT)?;
            println!("Re-enabled {name} with the new passphrase; ask them to change it.");
        }
        StaffCommand::RotateKey => {
            let last = std::sync::atomic::AtomicU64::new(u64::MAX);
            let report = store.rotate_key(|p| {
                let pct = (p.pages_done * 100)
                    .checked_div(p.pages_total)
                    .unwrap_or(100);
                if !json && last.swap(pct, std::sync::atomic::Ordering::Relaxed) != pct {
                    eprintln!(
                        "{:?}: {pct}% ({} of {} pages)",
                        p.phase, p.pages_done, p.pages_total
                    );
                }
            })?;
            if json {
                return print_json(&report);
            }
            println!(
                "Rotated the database key: {} pages re-encrypted, {} key slots resealed.",
                report.pages, report.slots
            );
        }
    }
    Ok(())
}

fn audit(
    dir: &std::path::Path,
    user: Option<String>,
    json: bool,
    cmd: AuditCommand,
) -> Result<(), Error> {
    let store = unlock_to_read(dir, user)?;
    match cmd {
        AuditCommand::Verify => {
            let n = store.verify_access_log()?;
            if json {
                return print_json(&serde_json::json!({ "entries": n, "intact": true }));
            }
            println!("The access log is intact: {n} entries, chain checked.");
        }
        AuditCommand::Show { case, limit } => {
            let entries = match case {
                Some(c) => {
                    let id = case_id(&store, &c)?;
                    let mut e = store.access_log_for_case(id)?;
                    e.truncate(limit as usize);
                    e
                }
                None => store.access_log(limit)?,
            };
            if json {
                return print_json(&entries);
            }
            for e in &entries {
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
        }
    }
    Ok(())
}

fn recovery_key() -> Result<RecoveryKey, Error> {
    let text = secret("ATRAMA_RECOVERY_KEY", "recovery key: ")?;
    RecoveryKey::parse(std::str::from_utf8(text.dangerously_expose()).unwrap_or_default())
}

fn backup(
    dir: &std::path::Path,
    user: Option<String>,
    json: bool,
    cmd: BackupCommand,
) -> Result<(), Error> {
    use atrama::admin::backup;
    match cmd {
        BackupCommand::Create { out } => {
            let mut store = unlock(dir, user)?;
            let r = store.create_backup(&out)?;
            if json {
                return print_json(&r);
            }
            println!("Wrote the backup {} ({} bytes).", r.path, r.size);
        }
        BackupCommand::Verify { file, recovery } => {
            let check = if recovery {
                backup::verify_with_recovery(&file, &recovery_key()?)?
            } else {
                unlock(dir, user)?.verify_backup(&file)?
            };
            if json {
                return print_json(&check);
            }
            println!(
                "The backup of {} by {} opens and is intact: {} cases, access log of {} entries checked.",
                check.created_at, check.created_by, check.cases, check.access_log_entries
            );
        }
        BackupCommand::Restore { file } => {
            let check = backup::restore(&file, &recovery_key()?, dir)?;
            if json {
                return print_json(&check);
            }
            println!(
                "Restored the backup of {} into {} ({} cases). Everyone signs in with the passphrase they had then.",
                check.created_at,
                dir.display(),
                check.cases
            );
        }
        BackupCommand::Status { reminder_days } => {
            let mut store = unlock(dir, user)?;
            if let Some(days) = reminder_days {
                store.set_backup_reminder(days)?;
            }
            let s = store.backup_status()?;
            if json {
                return print_json(&s);
            }
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
        }
    }
    Ok(())
}

fn years(text: Option<String>, current: Option<u32>) -> Result<Option<u32>, Error> {
    match text.as_deref().map(str::trim) {
        None => Ok(current),
        Some("never") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            Error::InvalidInput(format!(
                "'{t}' is not a number of years; give e.g. 5, or never"
            ))
        }),
    }
}

fn retention(
    dir: &std::path::Path,
    user: Option<String>,
    json: bool,
    cmd: RetentionCommand,
) -> Result<(), Error> {
    let mut store = match cmd {
        RetentionCommand::Show | RetentionCommand::Preview => unlock_to_read(dir, user)?,
        _ => unlock(dir, user)?,
    };
    let today = chrono::Local::now().date_naive();
    let show = |p: &atrama::admin::RetentionPolicy| {
        let y = |v: Option<u32>| v.map_or("never".to_owned(), |n| format!("{n} years"));
        println!("closed cases purged after: {}", y(p.closed_case_years));
        println!("documents purged after:    {}", y(p.document_years));
    };
    match cmd {
        RetentionCommand::Show => {
            let p = store.retention_policy()?;
            if json {
                return print_json(&p);
            }
            show(&p);
        }
        RetentionCommand::Set {
            closed_cases,
            documents,
        } => {
            let old = store.retention_policy()?;
            let p = atrama::admin::RetentionPolicy {
                closed_case_years: years(closed_cases, old.closed_case_years)?,
                document_years: years(documents, old.document_years)?,
            };
            store.set_retention_policy(p)?;
            if json {
                return print_json(&p);
            }
            show(&p);
        }
        RetentionCommand::Preview => {
            let p = store.retention_preview(today)?;
            if json {
                return print_json(&p);
            }
            for c in &p.cases {
                println!("{:<20} closed {}", c.case_number, c.closed_on);
            }
            println!(
                "A purge today removes {} case(s) and {} document(s).",
                p.cases.len(),
                p.documents
            );
        }
        RetentionCommand::Purge { yes } => {
            let p = store.retention_preview(today)?;
            if !yes {
                let answer = rpassword::prompt_password(format!(
                    "Purge {} case(s) and {} document(s) for good? Type purge to confirm: ",
                    p.cases.len(),
                    p.documents
                ))
                .unwrap_or_default();
                if answer.trim() != "purge" {
                    return Err(Error::InvalidInput("nothing was purged".into()));
                }
            }
            let r = store.purge(today)?;
            if json {
                return print_json(&r);
            }
            println!(
                "Purged {} case(s) and {} document(s); {} will be purged at the coordination centre with the next bundle.",
                r.cases, r.documents, r.tombstones
            );
        }
    }
    Ok(())
}

fn print_preview(p: &atrama::sync::ExportPreview) {
    println!(
        "Bundle #{} for {} ({}), sharing level: {}",
        p.sequence, p.recipient, p.recipient_name, p.sharing
    );
    for (table, n) in p.counts.iter().filter(|(_, n)| **n > 0) {
        println!(
            "  {n:>8} {table}: {}",
            p.fields
                .get(table)
                .map(|f| f.join(", "))
                .unwrap_or_default()
        );
    }
    if p.cases_without_consent > 0 {
        println!(
            "  {} changed case(s) stay here: no consent to non-identifiable statistics",
            p.cases_without_consent
        );
    }
    if p.withdrawn > 0 {
        println!("  {} case(s) withdrawn (consent withdrawn)", p.withdrawn);
    }
    if p.purged > 0 {
        println!("  {} case(s) purged under the retention policy", p.purged);
    }
    if p.sharing == "statistics" {
        println!("  no case-level record leaves: the monthly tables only");
    }
    if p.acks > 0 {
        println!("  acknowledges {} bundle(s)", p.acks);
    }
    for r in &p.reference {
        println!("  attaches {} {} version {}", r.kind, r.item_id, r.version);
    }
}

fn read_text(file: &Path) -> Result<String, Error> {
    std::fs::read_to_string(file)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", file.display())))
}

fn directory(
    dir: &Path,
    user: Option<String>,
    json: bool,
    cmd: DirectoryCommand,
) -> Result<(), Error> {
    match cmd {
        DirectoryCommand::List { agency_type } => {
            let store = unlock(dir, user)?;
            let list = store.directory(agency_type.as_deref())?;
            if json {
                return print_json(&list);
            }
            for a in &list {
                println!(
                    "{:<16} {:<18} {:<20} {}  {}  {}  {}  [{}]",
                    a.id, a.region, a.agency_type, a.name, a.address, a.phone, a.email, a.language
                );
            }
            println!("{} agenc(ies)", list.len());
            Ok(())
        }
        DirectoryCommand::Import { file } => {
            let mut store = unlock(dir, user)?;
            let done = store.import_directory_csv(&read_text(&file)?)?;
            if json {
                return print_json(&done);
            }
            println!(
                "Referral directory version {}: {} agenc(ies) (was {}). The next return bundle to each centre carries it.",
                done.version, done.agencies, done.previous
            );
            Ok(())
        }
    }
}

fn reference(
    dir: &Path,
    user: Option<String>,
    json: bool,
    cmd: ReferenceCommand,
) -> Result<(), Error> {
    match cmd {
        ReferenceCommand::Show => {
            let store = unlock(dir, user)?;
            let status = store.reference_status()?;
            if json {
                return print_json(&status);
            }
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
            Ok(())
        }
        ReferenceCommand::LoadCodes { file } => {
            let mut store = unlock(dir, user)?;
            let done = store.load_code_lists(&read_text(&file)?)?;
            if json {
                return print_json(&done);
            }
            println!("Code lists version {} loaded and in use.", done.version);
            Ok(())
        }
    }
}

/// One progress line of a multi-file import (stderr): `[2/5] name: what happened`.
fn progress_line(event: &atrama::sync::ImportEvent) -> String {
    use atrama::sync::ImportEvent;
    match event {
        ImportEvent::Started {
            index,
            total,
            file_name,
        } => format!("[{}/{total}] {file_name}: checking…", index + 1),
        ImportEvent::Records { index, done, total } => {
            const WIDTH: u64 = 30;
            let filled = (done * WIDTH)
                .checked_div(*total)
                .unwrap_or(WIDTH)
                .min(WIDTH);
            format!(
                "[{}] [{}{}] {done}/{total} records",
                index + 1,
                "#".repeat(usize::try_from(filled).unwrap_or(0)),
                "-".repeat(usize::try_from(WIDTH - filled).unwrap_or(0)),
            )
        }
        ImportEvent::Finished {
            index,
            total,
            result,
        } => {
            let what = match (&result.summary, &result.refused) {
                (Some(s), _) => {
                    let t = s.totals();
                    format!(
                        "{} — {} new, {} updated, {} unchanged, {} rejected",
                        s.outcome.replace('_', " "),
                        t.new,
                        t.updated,
                        t.unchanged,
                        t.rejected
                    )
                }
                (None, Some(r)) => format!("refused — {}", r.message),
                (None, None) => "done".to_owned(),
            };
            format!("[{}/{total}] {}: {what}", index + 1, result.file_name)
        }
    }
}

fn print_summary(s: &atrama::sync::ImportSummary) {
    let t = s.totals();
    println!(
        "{}: bundle #{} from {} ({}) — {}: {} new, {} updated, {} unchanged, {} rejected{}{}",
        one_line(&s.file_name),
        s.sequence,
        one_line(&s.sender),
        one_line(&s.sender_name),
        s.outcome.replace('_', " "),
        t.new,
        t.updated,
        t.unchanged,
        t.rejected,
        if s.withdrawn > 0 {
            format!(", {} withdrawn", s.withdrawn)
        } else {
            String::new()
        },
        if s.acknowledged > 0 {
            format!(", {} of our bundles confirmed", s.acknowledged)
        } else {
            String::new()
        }
    );
    for n in &s.notes {
        println!("  note: {}", one_line(n));
    }
    for r in &s.rejected {
        println!(
            "  rejected {} {}: {}",
            one_line(&r.table),
            one_line(&r.id),
            one_line(&r.reason)
        );
    }
    for u in &s.unknown_codes {
        println!(
            "  unknown code kept: {} '{}' ({} record(s)) — update Atrama's code lists",
            one_line(&u.list),
            one_line(&u.code),
            u.count
        );
    }
    for r in &s.reference {
        println!(
            "  reference data {} {} version {}: {}{}",
            one_line(&r.kind),
            one_line(&r.item_id),
            one_line(&r.version),
            one_line(&r.outcome),
            r.reason
                .as_ref()
                .map_or_else(String::new, |why| format!(" — {}", one_line(why)))
        );
    }
}

/// Prints the tables as plain text, one block per table.
fn print_report(report: &atrama::stats::StatsReport) {
    use atrama::stats::Unit;
    println!(
        "Monthly tables {}..{} — {} centre(s) — EXACT COUNTS: do not publish (use `report monthly`)",
        report.from,
        report.to,
        report.centres.len()
    );
    let fmt = |c: &atrama::stats::StatsCell, unit: Unit| match (c.value, unit) {
        (None, _) => "<5".to_owned(),
        (Some(v), Unit::Count) => v.to_string(),
        (Some(v), Unit::Minutes) => format!("{:.1}", v as f64 / 60.0),
    };
    for t in &report.tables {
        println!();
        println!("{} {}", t.id, t.title);
        let mut header = vec!["centre".to_owned(), "month".to_owned()];
        for c in &t.columns {
            header.push(match (&c.group, c.subtotal) {
                (_, true) => format!("{} (subtotal)", c.label),
                (Some(g), false) => format!("{g}: {}", c.label),
                (None, false) => c.label.clone(),
            });
        }
        if t.row_totals.is_some() {
            header.push("total".to_owned());
        }
        let mut lines = vec![header];
        for (i, r) in t.rows.iter().enumerate() {
            let mut line = vec![
                r.centre.clone().unwrap_or_else(|| "all".to_owned()),
                r.month.clone().unwrap_or_else(|| "period".to_owned()),
            ];
            line.extend(t.cells[i].iter().map(|c| fmt(c, t.unit)));
            if let Some(rt) = &t.row_totals {
                line.push(fmt(&rt[i], t.unit));
            }
            lines.push(line);
        }
        if let Some(ct) = &t.column_totals {
            let mut line = vec!["total".to_owned(), String::new()];
            line.extend(ct.iter().map(|c| fmt(c, t.unit)));
            if let Some(total) = &t.total {
                line.push(fmt(total, t.unit));
            }
            lines.push(line);
        }
        // Columns as lines (tables are wide): one line per category.
        let width = lines[0].len();
        for j in 0..width {
            let cells: Vec<&str> = lines.iter().map(|l| l[j].as_str()).collect();
            println!("  {:<40} {}", cells[0], cells[1..].join("\t"));
        }
    }
}

/// Unlocks the store as the `--user`, with the passphrase from the environment or a prompt.
fn unlock(dir: &std::path::Path, user: Option<String>) -> Result<Store, Error> {
    let user = need_user(user)?;
    let passphrase = secret("ATRAMA_PASSPHRASE", &format!("passphrase for {user}: "))?;
    warn_recovery(Store::unlock(dir, &user, &passphrase))
}

/// Prints on stderr what recovery at unlock refused to do (a key-rotation marker it could
/// not authenticate), so that the person learns that someone put files in the store folder.
fn warn_recovery(store: Result<Store, Error>) -> Result<Store, Error> {
    if let Ok(s) = &store
        && let Some(notice) = s.recovery_notice()
    {
        eprintln!("warning: {notice}");
    }
    store
}

fn analysis(
    dir: &std::path::Path,
    user: Option<String>,
    json: bool,
    cmd: AnalysisCommand,
) -> Result<(), Error> {
    use atrama::analysis::{CompareQuery, GroupBy};
    match cmd {
        AnalysisCommand::Template(AnalysisTemplateCommand::List) => {
            let store = unlock(dir, user)?;
            let list = store.analysis_templates()?;
            if json {
                return print_json(&list);
            }
            let lang = store.profile()?.language.code();
            for t in &list {
                let title = t
                    .title
                    .get(lang)
                    .or_else(|| t.languages.first().and_then(|l| t.title.get(l)))
                    .map_or("", String::as_str);
                println!(
                    "{:<28} v{:<4} {:>3} questions  from {:<10} {}{}",
                    t.id,
                    t.version,
                    t.questions,
                    t.origin,
                    title,
                    if t.current { "" } else { "  [older version]" }
                );
            }
            println!("{} template version(s)", list.len());
            Ok(())
        }
        AnalysisCommand::Template(AnalysisTemplateCommand::Import { file }) => {
            let mut store = unlock(dir, user)?;
            let saved = store.import_analysis_template(&file)?;
            if json {
                return print_json(&saved);
            }
            match saved.outcome.as_str() {
                "unchanged" => println!(
                    "Template {} version {} was already here; nothing changed.",
                    saved.id, saved.version
                ),
                _ => println!(
                    "Recorded template {} version {}; it goes to the centres in their next return bundles.",
                    saved.id, saved.version
                ),
            }
            Ok(())
        }
        AnalysisCommand::Export {
            period,
            format,
            out,
            by,
            groups,
            template,
            language,
        } => {
            let year: i32 = period
                .trim()
                .parse()
                .ok()
                .filter(|_| period.trim().len() == 4)
                .ok_or_else(|| {
                    Error::InvalidInput(format!("--period '{period}' is not a year (YYYY)"))
                })?;
            let group_by = match by.trim().to_ascii_lowercase().as_str() {
                "centre" | "center" => GroupBy::Centre,
                "country" => GroupBy::Country,
                other => {
                    return Err(Error::InvalidInput(format!(
                        "--by '{other}': use centre or country"
                    )));
                }
            };
            let q = CompareQuery {
                year,
                group_by,
                groups,
                template_id: template,
                language: Some(language),
            };
            let store = unlock(dir, user)?;
            let c = match format.trim().to_ascii_lowercase().as_str() {
                "xlsx" => store.write_analysis_comparison(&q, &out)?,
                "json" => {
                    let c = store.compare_analyses(&q)?;
                    let text = serde_json::to_string_pretty(&c)
                        .map_err(|e| Error::InvalidInput(e.to_string()))?;
                    atrama::atomic_file::write(&out, text.as_bytes())?;
                    c
                }
                other => {
                    return Err(Error::InvalidInput(format!(
                        "--format '{other}': use xlsx or json"
                    )));
                }
            };
            if json {
                return print_json(&serde_json::json!({
                    "path": out.display().to_string(),
                    "year": c.year,
                    "template": c.template_id,
                    "groups": c.groups,
                }));
            }
            let groups: Vec<String> = c
                .groups
                .iter()
                .map(|g| format!("{} ({})", g.key, g.analyses))
                .collect();
            println!(
                "Wrote the comparative case analysis {} ({}) to {}: {}",
                c.year,
                c.template_id,
                out.display(),
                groups.join(", ")
            );
            Ok(())
        }
    }
}

/// Opens the store for a command that only reads: beside the app (read-only) when the app
/// has it open.
fn unlock_to_read(dir: &std::path::Path, user: Option<String>) -> Result<Store, Error> {
    let user = need_user(user)?;
    let passphrase = secret("ATRAMA_PASSPHRASE", &format!("passphrase for {user}: "))?;
    warn_recovery(Store::unlock_for_reading(dir, &user, &passphrase))
}

/// The first `n` bytes of a time stamp read from the store, cut at a character boundary
/// (a time stamp from a file is not trusted to be ASCII).
fn prefix_of(text: &str, n: usize) -> &str {
    let mut end = n.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The `YYYY-MM-DD` of a time stamp (see [`prefix_of`]).
pub(crate) fn day_of(text: &str) -> &str {
    prefix_of(text, 10)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| Error::InvalidInput(format!("cannot print as JSON: {e}")))?;
    println!("{json}");
    Ok(())
}

fn case_id(store: &Store, text: &str) -> Result<CaseId, Error> {
    match CaseId::parse(text) {
        Ok(id) => Ok(id),
        Err(_) => store.case_by_number(text),
    }
}

fn show_case(store: &Store, detail: &CaseDetail, identity: bool) -> Result<(), Error> {
    let codes = store.context().codes();
    let lang = store.profile()?.language;
    let label = |list: &str, code: &str| -> String {
        match codes.label(list, code, lang) {
            Some(l) => l.to_owned(),
            None => format!("{code} (unknown code)"),
        }
    };
    let c = &detail.case;
    let cl = &detail.client;
    println!(
        "{}  {}  [{}]",
        c.case_number,
        cl.pseudonym,
        label("case_status", &c.status)
    );
    println!(
        "  opened {}  source {}  lead {}  team {}",
        c.opened_on,
        label("referral_source", &c.referral_source),
        c.lead_worker,
        if c.team.is_empty() {
            "-".to_owned()
        } else {
            c.team.join(", ")
        }
    );
    if let Some(d) = c.police_notified_on {
        println!(
            "  police notification {d}, first contact {}",
            c.first_contact_on
                .map_or("not yet".to_owned(), |d| d.to_string())
        );
    }
    if let Some(d) = c.follow_up_on {
        println!("  follow-up {d}");
    }
    if let (Some(d), Some(r)) = (c.closed_on, &c.closure_reason) {
        println!("  closed {d}: {}", label("closure_reason", r));
    }
    println!(
        "client: {} {}  born {}",
        label("sex", &cl.sex),
        label("age_band", &cl.age_band),
        cl.birth_year.map_or("?".to_owned(), |y| y.to_string())
    );
    let cs = &cl.contact_safety;
    println!(
        "  safe to call {:?}, text {:?}, visit {:?}",
        cs.safe_to_call, cs.safe_to_text, cs.safe_to_visit
    );
    if let Some(say) = &cs.if_someone_else_answers {
        println!("  if someone else answers: {say}");
    }
    if identity {
        let id = store.client_identity(cl.id)?;
        println!(
            "  name: {} {}",
            id.given_name.unwrap_or_default(),
            id.family_name.unwrap_or_default()
        );
        println!("  phone: {}", id.phone.unwrap_or_default());
        println!("  address: {}", id.address.unwrap_or_default());
    }
    println!("incidents ({}):", detail.incidents.len());
    for i in &detail.incidents {
        let forms: Vec<String> = i
            .fields
            .violence_forms
            .iter()
            .map(|f| label("violence_form", f))
            .collect();
        let by: Vec<String> = i
            .fields
            .perpetrators
            .iter()
            .map(|p| label("relationship", &p.relationship))
            .collect();
        println!(
            "  {}  {}  GBVIMS {}  by {}",
            i.fields
                .occurred_on
                .or(i.fields.ongoing_since)
                .map_or("?".to_owned(), |d| d.to_string()),
            forms.join(", "),
            label("gbvims_type", &i.gbvims_type),
            by.join(", ")
        );
    }
    println!("children ({}):", detail.children.len());
    for ch in &detail.children {
        println!(
            "  {} {}  witnessed {:?}  harmed {:?}",
            label("sex", &ch.fields.sex),
            label("age_band", &ch.fields.age_band),
            ch.fields.witnessed,
            ch.fields.directly_harmed
        );
    }
    println!("service contacts ({}):", detail.service_contacts.len());
    for s in detail.service_contacts.iter().take(20) {
        println!(
            "  {}  {}  {}  {} min  {}",
            s.fields.on_date,
            label("service_discipline", &s.fields.discipline),
            label("service_mode", &s.fields.mode),
            s.fields.minutes,
            s.fields.staff.as_deref().unwrap_or("")
        );
    }
    println!("referrals ({}):", detail.referrals.len());
    for r in &detail.referrals {
        println!(
            "  {}  {}  {}",
            r.fields.on_date,
            label("referral_agency", &r.fields.agency_type),
            label("referral_status", &r.fields.status)
        );
    }
    println!("protection orders ({}):", detail.protection_orders.len());
    for o in &detail.protection_orders {
        println!(
            "  {}  {}  {}  {} – {}",
            label("protection_order_issuer", &o.fields.issuer),
            label("protection_order_type", &o.fields.order_type),
            label("protection_order_status", &o.fields.status),
            o.fields.starts_on.map_or("?".to_owned(), |d| d.to_string()),
            o.fields.ends_on.map_or("?".to_owned(), |d| d.to_string())
        );
    }
    println!("consents ({}):", detail.consents.len());
    for e in &detail.consents {
        println!(
            "  {}  {}{}  {}",
            e.fields.on_date,
            label("consent_purpose", &e.fields.purpose),
            e.fields
                .agency_type
                .as_deref()
                .map_or(String::new(), |a| format!(
                    " ({})",
                    label("referral_agency", a)
                )),
            if e.fields.given { "given" } else { "withdrawn" }
        );
    }
    println!(
        "notes ({}{}):",
        detail.notes.len(),
        if detail.restricted_notes_hidden > 0 {
            format!(
                ", {} restricted to another discipline",
                detail.restricted_notes_hidden
            )
        } else {
            String::new()
        }
    );
    for n in &detail.notes {
        println!(
            "  {} {}: {}",
            n.meta.created_at.format("%Y-%m-%d"),
            n.meta.created_by,
            n.fields.body
        );
    }
    println!("documents ({}):", detail.documents.len());
    for d in &detail.documents {
        println!("  {}  {}  {} bytes", d.file_name, d.media_type, d.size);
    }
    Ok(())
}

fn need_user(user: Option<String>) -> Result<String, Error> {
    user.ok_or_else(|| {
        Error::InvalidInput("say which user to unlock as with --user NAME (or ATRAMA_USER)".into())
    })
}

/// A secret from an environment variable (for scripts) or a no-echo prompt.
fn secret(var: &str, prompt: &str) -> Result<Passphrase, Error> {
    if let Ok(value) = std::env::var(var) {
        return Ok(Passphrase::new(value));
    }
    rpassword::prompt_password(prompt)
        .map(Passphrase::new)
        .map_err(|e| {
            Error::InvalidInput(format!(
                "could not read from the terminal ({e}); set {var} to pass it from a script"
            ))
        })
}

/// A new passphrase: from the environment, or typed twice.
fn new_passphrase(var: &str, what: &str) -> Result<Passphrase, Error> {
    if let Ok(value) = std::env::var(var) {
        let p = Passphrase::new(value);
        p.check_new()?;
        return Ok(p);
    }
    let first = secret(var, &format!("{what}: "))?;
    first.check_new()?;
    let second = secret(var, &format!("{what} (again): "))?;
    if first.dangerously_expose() != second.dangerously_expose() {
        return Err(Error::InvalidInput(
            "the two passphrases differ; nothing was changed, try again".into(),
        ));
    }
    Ok(first)
}
