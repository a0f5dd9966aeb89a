//! The `atrama` command-line tool: the same core as the desktop app, for scripting on an
//! administrator's or coordinator's machine. No webview, no network.
//!
//! Exit codes: 0 success, 1 failure (one line on stderr saying what to do), 2 usage.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a CLI prints its results and errors"
)]

use std::path::PathBuf;
use std::process::ExitCode;

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
            let store = Store::unlock(&dir, &user, &passphrase)?;
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
    }
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
