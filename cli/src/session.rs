//! Who runs a command and with which secrets: the `--user`, passphrases and the recovery
//! key (from the environment for scripts, else a no-echo prompt), and unlocking the store
//! with them — the one place every command asks and unlocks.

use std::path::{Path, PathBuf};

use atrama::{Error, Passphrase, RecoveryKey, Store};

/// How a command opens the store.
#[derive(Clone, Copy)]
pub(crate) enum Access {
    /// To change it.
    Write,
    /// Only to read it: beside the app (read-only) when the app has it open.
    Read,
}

/// The store folder and the user a command runs as.
pub(crate) struct Session {
    dir: PathBuf,
    user: Option<String>,
}

impl Session {
    pub(crate) fn new(dir: PathBuf, user: Option<String>) -> Self {
        Self { dir, user }
    }

    /// The store folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `--user` (or ATRAMA_USER), which every command that unlocks needs.
    pub(crate) fn user(&self) -> Result<&str, Error> {
        self.user.as_deref().ok_or_else(|| {
            Error::InvalidInput(
                "say which user to unlock as with --user NAME (or ATRAMA_USER)".into(),
            )
        })
    }

    /// Unlocks the store as the `--user`, with the passphrase from ATRAMA_PASSPHRASE or a
    /// prompt, and says on stderr what recovery at unlock refused to do.
    pub(crate) fn unlock(&self, access: Access) -> Result<Store, Error> {
        let user = self.user()?;
        let passphrase = secret("ATRAMA_PASSPHRASE", &format!("passphrase for {user}: "))?;
        let store = match access {
            Access::Write => Store::unlock(&self.dir, user, &passphrase),
            Access::Read => Store::unlock_for_reading(&self.dir, user, &passphrase),
        };
        warn_recovery(store)
    }
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

/// The recovery key, from ATRAMA_RECOVERY_KEY or a prompt.
pub(crate) fn recovery_key() -> Result<RecoveryKey, Error> {
    let text = secret("ATRAMA_RECOVERY_KEY", "recovery key: ")?;
    RecoveryKey::parse(std::str::from_utf8(text.dangerously_expose()).unwrap_or_default())
}

/// A secret from an environment variable (for scripts) or a no-echo prompt.
pub(crate) fn secret(var: &str, prompt: &str) -> Result<Passphrase, Error> {
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
pub(crate) fn new_passphrase(var: &str, what: &str) -> Result<Passphrase, Error> {
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

/// A typed confirmation (no echo, as the passphrase prompts): true only for `word`.
pub(crate) fn confirm(prompt: &str, word: &str) -> bool {
    rpassword::prompt_password(prompt)
        .unwrap_or_default()
        .trim()
        == word
}
