//! Typed errors of the core, with a small stable [`ErrorCode`] the shells pass on.
//!
//! Messages are lowercase, say what happened and what to do next. Authentication
//! failures stay deliberately opaque about *why* decryption failed.

use std::path::PathBuf;

/// The result type of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The passphrase did not unwrap the user's key slot.
    #[error("wrong passphrase for user '{user}'")]
    WrongPassphrase {
        /// The user name that was tried.
        user: String,
    },
    /// The recovery key did not unwrap the recovery slot.
    #[error("wrong recovery key; check each group of characters and try again")]
    WrongRecoveryKey,
    /// No key slot exists for this user.
    #[error("no user '{user}' in this store; check the spelling or ask the centre administrator")]
    UnknownUser {
        /// The user name that was tried.
        user: String,
    },
    /// The folder holds no store.
    #[error("no Atrama store in {}; create one with `atrama init` or the setup screen", path.display())]
    StoreNotFound {
        /// The store folder.
        path: PathBuf,
    },
    /// A store (or other files) already exist where a new store was to be created.
    #[error("{} is not empty; choose another folder or unlock the store that is there", path.display())]
    StoreExists {
        /// The store folder.
        path: PathBuf,
    },
    /// Another Atrama window or process has this store open (it holds the store lock).
    #[error(
        "this store is open in another Atrama window or process ({}); lock or close Atrama there (or wait for the command to finish) and try again",
        path.display()
    )]
    StoreInUse {
        /// The store folder.
        path: PathBuf,
    },
    /// A write was attempted on a store opened only to read beside the window or process
    /// that has it open ([`crate::Store::unlock_for_reading`]); nothing was written.
    #[error(
        "the store could not be written: this store is open in another Atrama window or process (or its files are read-only), so it was opened here only to read; lock or close Atrama there and try again"
    )]
    StoreReadOnly,
    /// The key-slot file cannot be read as a key-slot file.
    #[error("the key-slot file {} is damaged ({detail}); restore it from a backup of this store", path.display())]
    CorruptKeySlots {
        /// The key-slot file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The store or a file in it was written by a newer version of Atrama.
    #[error(
        "this was written by a newer version of Atrama ({what} {found}; this app reads up to {supported}); update the app"
    )]
    NewerVersion {
        /// What carries the version ("schema", "key-slot format").
        what: &'static str,
        /// The version found.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },
    /// The database key was unwrapped but does not open the database.
    #[error(
        "the database file does not open with this store's key; it is damaged or was replaced — restore the store from a backup"
    )]
    DatabaseDamaged,
    /// A bundle whose signature, encryption or structure does not check out. Deliberately
    /// says nothing about which check failed.
    #[error(
        "the bundle is damaged or was changed on the way; ask the sender to export it again and send a fresh copy"
    )]
    BundleDamaged,
    /// A bundle sealed for another recipient.
    #[error("{0}")]
    WrongRecipient(String),
    /// A bundle (or a sender) that is not enrolled here.
    #[error("{0}")]
    UnknownSender(String),
    /// A record that does not exist (or not in this store).
    #[error(
        "no such {what} in this store (it may have been deleted or removed); search for the case again"
    )]
    NotFound {
        /// What kind of record.
        what: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// The signed-in person may not do this.
    #[error("{0}")]
    NotAllowed(String),
    /// Input that the core refuses, with a message naming the field.
    #[error("{0}")]
    InvalidInput(String),
    /// The access log's hash chain is broken at an entry.
    #[error(
        "the access log was altered: entry {seq} {what}; keep this store as evidence and compare it with a backup"
    )]
    AccessLogAltered {
        /// The entry (its position in the log).
        seq: i64,
        /// What happened to it.
        what: &'static str,
    },
    /// A database error not covered above.
    #[error("database error: {0}")]
    Database(#[source] rusqlite::Error),
    /// A file could not be read or written.
    #[error("could not access {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The operating system's random number generator failed.
    #[error(
        "the operating system could not provide random numbers ({0}); restart the computer and try again"
    )]
    Random(String),
}

/// A small stable code for each kind of error, mirrored by the UI; the UI never matches on
/// message strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// See [`Error::WrongPassphrase`].
    WrongPassphrase,
    /// See [`Error::WrongRecoveryKey`].
    WrongRecoveryKey,
    /// See [`Error::UnknownUser`].
    UnknownUser,
    /// See [`Error::StoreNotFound`].
    StoreNotFound,
    /// See [`Error::StoreExists`].
    StoreExists,
    /// See [`Error::StoreInUse`].
    StoreInUse,
    /// See [`Error::CorruptKeySlots`].
    CorruptKeySlots,
    /// See [`Error::NewerVersion`].
    NewerVersion,
    /// See [`Error::DatabaseDamaged`].
    DatabaseDamaged,
    /// See [`Error::InvalidInput`].
    InvalidInput,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::BundleDamaged`].
    BundleDamaged,
    /// See [`Error::WrongRecipient`].
    WrongRecipient,
    /// See [`Error::UnknownSender`].
    UnknownSender,
    /// See [`Error::NotAllowed`].
    NotAllowed,
    /// See [`Error::AccessLogAltered`].
    AccessLogAltered,
    /// The store is locked (used by the shells).
    Locked,
    /// Any other failure.
    Internal,
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::WrongPassphrase { .. } => ErrorCode::WrongPassphrase,
            Error::WrongRecoveryKey => ErrorCode::WrongRecoveryKey,
            Error::UnknownUser { .. } => ErrorCode::UnknownUser,
            Error::StoreNotFound { .. } => ErrorCode::StoreNotFound,
            Error::StoreExists { .. } => ErrorCode::StoreExists,
            Error::StoreInUse { .. } | Error::StoreReadOnly => ErrorCode::StoreInUse,
            Error::CorruptKeySlots { .. } => ErrorCode::CorruptKeySlots,
            Error::NewerVersion { .. } => ErrorCode::NewerVersion,
            Error::DatabaseDamaged => ErrorCode::DatabaseDamaged,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::NotAllowed(_) => ErrorCode::NotAllowed,
            Error::BundleDamaged => ErrorCode::BundleDamaged,
            Error::WrongRecipient(_) => ErrorCode::WrongRecipient,
            Error::UnknownSender(_) => ErrorCode::UnknownSender,
            Error::AccessLogAltered { .. } => ErrorCode::AccessLogAltered,
            Error::Database(_) | Error::Io { .. } | Error::Random(_) => ErrorCode::Internal,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidInput(message.into())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        // Only a store opened to read beside another window or process has a read-only
        // connection; a write there means that one holds the store.
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
            return Error::StoreReadOnly;
        }
        Error::Database(e)
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// Every code, each once. The match below has no catch-all arm, so a code added to
    /// [`ErrorCode`] without being added here does not compile.
    const ALL: [ErrorCode; 18] = [
        ErrorCode::WrongPassphrase,
        ErrorCode::WrongRecoveryKey,
        ErrorCode::UnknownUser,
        ErrorCode::StoreNotFound,
        ErrorCode::StoreExists,
        ErrorCode::StoreInUse,
        ErrorCode::CorruptKeySlots,
        ErrorCode::NewerVersion,
        ErrorCode::DatabaseDamaged,
        ErrorCode::InvalidInput,
        ErrorCode::NotFound,
        ErrorCode::BundleDamaged,
        ErrorCode::WrongRecipient,
        ErrorCode::UnknownSender,
        ErrorCode::NotAllowed,
        ErrorCode::AccessLogAltered,
        ErrorCode::Locked,
        ErrorCode::Internal,
    ];

    fn position(code: ErrorCode) -> usize {
        match code {
            ErrorCode::WrongPassphrase => 0,
            ErrorCode::WrongRecoveryKey => 1,
            ErrorCode::UnknownUser => 2,
            ErrorCode::StoreNotFound => 3,
            ErrorCode::StoreExists => 4,
            ErrorCode::StoreInUse => 5,
            ErrorCode::CorruptKeySlots => 6,
            ErrorCode::NewerVersion => 7,
            ErrorCode::DatabaseDamaged => 8,
            ErrorCode::InvalidInput => 9,
            ErrorCode::NotFound => 10,
            ErrorCode::BundleDamaged => 11,
            ErrorCode::WrongRecipient => 12,
            ErrorCode::UnknownSender => 13,
            ErrorCode::NotAllowed => 14,
            ErrorCode::AccessLogAltered => 15,
            ErrorCode::Locked => 16,
            ErrorCode::Internal => 17,
        }
    }

    /// The UI tells every error in the person's language through its code (`error.<code>`,
    /// ui/src/lib/errors.ts): each code the shells can send has a message in each catalogue.
    #[test]
    fn every_error_code_has_a_message_in_every_language() {
        for (i, code) in ALL.iter().enumerate() {
            assert_eq!(position(*code), i, "{code:?} is listed out of place");
        }
        let catalogues = [
            ("en", include_str!("../assets/i18n/en.json")),
            ("lt", include_str!("../assets/i18n/lt.json")),
            ("lv", include_str!("../assets/i18n/lv.json")),
            ("az", include_str!("../assets/i18n/az.json")),
            ("ru", include_str!("../assets/i18n/ru.json")),
        ];
        for (lang, text) in catalogues {
            let catalogue: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(text).unwrap();
            for code in ALL {
                let name = serde_json::to_value(code).unwrap();
                let key = format!("error.{}", name.as_str().unwrap());
                let message = catalogue.get(&key).and_then(|v| v.as_str());
                assert!(
                    message.is_some_and(|m| !m.trim().is_empty()),
                    "{lang} has no message for {key}"
                );
            }
        }
    }
}
