//! `atrama init`, `status` and `passwd`: creating a store, looking at it, and changing or
//! resetting a passphrase.

use atrama::{Country, Error, KdfParams, Language, Mode, NewCentre, Store};

use crate::output::Output;
use crate::session::{self, Access, Session};

#[derive(clap::Args)]
pub(crate) struct InitArgs {
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
}

#[derive(clap::Args)]
pub(crate) struct PasswdArgs {
    /// Use the recovery key instead of the current passphrase.
    #[arg(long)]
    recovery: bool,
}

/// `atrama init`: creates the store and prints its recovery key once.
pub(crate) fn init(session: &Session, out: Output, args: InitArgs) -> Result<(), Error> {
    let country = Country::parse(&args.country)?;
    let language = match args.language {
        Some(l) => Language::parse(&l)?,
        None => Language::default_for(country),
    };
    let centre = NewCentre {
        code: args.centre_code,
        name: args.centre_name,
        country,
        language,
        mode: Mode::parse(&args.mode)?,
        admin_user: args.admin,
    }
    .normalised()?;
    let passphrase = session::new_passphrase(
        "ATRAMA_PASSPHRASE",
        &format!("passphrase for {}", centre.admin_user),
    )?;
    let (store, recovery) = Store::create(session.dir(), &centre, &passphrase, KdfParams::DEFAULT)?;
    let created = serde_json::json!({
        "store_dir": store.dir().display().to_string(),
        "admin_user": store.user(),
        "recovery_key": recovery.to_display().as_str(),
    });
    out.show_line(&created, |_| {
        println!("Created the store in {}.", store.dir().display());
        println!();
        println!("Recovery key (shown only now; write it down and keep it locked away):");
        println!();
        println!("    {}", recovery.to_display().as_str());
        println!();
        println!("With it an administrator can reset any passphrase. Without it, a forgotten");
        println!("passphrase cannot be recovered.");
    })
}

/// `atrama status`: centre, mode, schema version and record counts.
pub(crate) fn status(session: &Session, out: Output) -> Result<(), Error> {
    let store = session.unlock(Access::Read)?;
    out.show(&store.status()?, |status| {
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
    })
}

/// `atrama passwd`: changes the passphrase of the `--user`, or resets it with the recovery
/// key.
pub(crate) fn passwd(session: &Session, args: PasswdArgs) -> Result<(), Error> {
    let user = session.user()?;
    if args.recovery {
        let key = session::recovery_key()?;
        let new = session::new_passphrase(
            "ATRAMA_NEW_PASSPHRASE",
            &format!("new passphrase for {user}"),
        )?;
        Store::reset_passphrase(session.dir(), &key, user, &new, KdfParams::DEFAULT)?;
    } else {
        let old = session::secret(
            "ATRAMA_PASSPHRASE",
            &format!("current passphrase for {user}: "),
        )?;
        let new = session::new_passphrase(
            "ATRAMA_NEW_PASSPHRASE",
            &format!("new passphrase for {user}"),
        )?;
        Store::change_passphrase(session.dir(), user, &old, &new, KdfParams::DEFAULT)?;
    }
    println!("The passphrase of {user} was changed.");
    Ok(())
}
