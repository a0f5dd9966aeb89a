//! The encrypted case store: one SQLCipher database (`atrama.db`) opened with a random
//! 256-bit raw key, and the key slots (`keyslots.json`) that wrap that key for each person
//! and for the printed recovery key.
//!
//! A store folder holds nothing else but the empty lock file (`atrama.lock`, see [`lock`]):
//! no plaintext case data, no centre name, no temp files (`temp_store = MEMORY`). The WAL is
//! encrypted by SQLCipher; the `-shm` index holds no row data.

pub mod access_log;
pub mod context;
pub mod extensions;
pub mod keyslots;
pub mod location;
pub mod lock;
pub(crate) mod meta;
pub mod migrations;
pub mod recovery;
pub mod search_index;

use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::atomic_file;
use crate::centre::{self, CentreProfile, Country, Language, Mode, NewCentre};
use crate::crypto::{KdfParams, Passphrase, RecoveryKey, SecretKey};
use crate::error::{Error, Result};
pub use context::WriteContext;
use keyslots::{KeySlotFile, SlotKind};
pub use location::default_dir;
use lock::StoreLock;
use recovery::{Opener, Recovery};

/// The database file name inside a store folder.
pub const DB_FILE: &str = "atrama.db";
/// The application identifier; the default store lives in the platform's data folder under it.
pub const APP_IDENTIFIER: &str = "org.atrama.desktop";
/// Page cache per connection, in KiB. SQLCipher decrypts every page it reads, so a page
/// cache large enough for the working set makes it nearly as fast as plain SQLite
/// (docs/toolchain.md: a generous cache makes FTS queries about as fast as unencrypted).
const CACHE_KIB: i64 = 64 * 1024;

/// An unlocked store. Dropping it closes the database; SQLCipher wipes its copy of the key;
/// then the store lock is released.
pub struct Store {
    dir: PathBuf,
    pub(crate) conn: Connection,
    pub(crate) ctx: WriteContext,
    /// Kept while unlocked to wrap it for new staff; zeroed when the store is dropped.
    pub(crate) db_key: SecretKey,
    /// Held while the store is open, so that no other window or process writes it; last, so
    /// that it is released after the database has closed. `None` for a store opened only
    /// to read beside the one that holds it ([`Store::unlock_for_reading`]).
    lock: Option<StoreLock>,
    /// What recovery at unlock refused to do (an unauthenticated key-rotation marker).
    recovery_notice: Option<String>,
    /// What higher floors keep with the unlocked store (the statistics' remembered
    /// audits), dropped with it.
    pub(crate) extensions: extensions::Extensions,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("user", &self.ctx.user)
            .finish_non_exhaustive()
    }
}

/// How many records of one kind a store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecordCount {
    /// The kind of record, e.g. `staff`.
    pub kind: String,
    /// How many.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
}

/// What `atrama status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StoreStatus {
    /// The centre profile.
    pub centre: CentreProfile,
    /// The schema version of the database.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub schema_version: i64,
    /// The store folder.
    pub store_dir: String,
    /// The unlocked user.
    pub user: String,
    /// Record counts by kind.
    pub counts: Vec<RecordCount>,
}

/// Tables counted by `status`, with the name shown for each.
const COUNTED: &[(&str, &str)] = &[
    ("staff", "staff"),
    ("client", "clients"),
    ("case_file", "cases"),
    ("incident", "incidents"),
    ("service_contact", "service contacts"),
    ("note", "notes"),
    ("document", "documents"),
    ("risk_assessment", "risk assessments"),
    ("safety_plan", "safety plans"),
];

impl Store {
    /// Whether `dir` holds a store (its key-slot file exists).
    pub fn exists(dir: &Path) -> bool {
        keyslots::path_in(dir).is_file()
    }

    /// Creates a new store in `dir` (which must not exist or be empty), with the first
    /// administrator's key slot and a new recovery key, and returns it unlocked together
    /// with the recovery key to show once.
    pub fn create(
        dir: &Path,
        centre: &NewCentre,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<(Store, RecoveryKey)> {
        let recovery = RecoveryKey::generate()?;
        let store = Store::create_with_recovery(dir, centre, passphrase, &recovery, kdf)?;
        Ok((store, recovery))
    }

    /// Like [`Store::create`] with a recovery key chosen by the caller (the setup screen
    /// shows the key before the store is written).
    ///
    /// The store is built in a temporary sibling folder and renamed into place, so an
    /// interrupted setup leaves no half-made store behind. The store lock is taken right
    /// after the rename (Windows cannot rename a folder with an open file in it), before
    /// the database is opened; until then only this call knows the new store's passphrase.
    pub fn create_with_recovery(
        dir: &Path,
        centre: &NewCentre,
        passphrase: &Passphrase,
        recovery: &RecoveryKey,
        kdf: KdfParams,
    ) -> Result<Store> {
        let centre = centre.normalised()?;
        passphrase.check_new()?;
        let dir_is_empty = match std::fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(Error::io(dir)(e)),
        };
        if !dir_is_empty {
            return Err(Error::StoreExists { path: dir.into() });
        }
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dir
            .file_name()
            .ok_or_else(|| Error::invalid(format!("{} cannot be a store folder", dir.display())))?;
        atomic_file::create_private_dir(parent)?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".creating-{}", Uuid::now_v7().simple()));
        let tmp = parent.join(tmp_name);
        atomic_file::create_private_dir(&tmp)?;

        let db_key = SecretKey::random()?;
        let built = (|| {
            let store_id = Uuid::now_v7();
            let mut conn = open_db(&tmp.join(DB_FILE), &db_key, true)?;
            restrict_to_owner(&tmp.join(DB_FILE))?;
            migrations::migrate(&mut conn)?;
            write_initial_rows(&mut conn, store_id, &centre)?;
            // A new store's index is written by this version from the start: nothing to
            // rebuild at its first unlock.
            search_index::upgrade_index(&mut conn)?;
            // Closing checkpoints the WAL into the database file before the rename.
            conn.close().map_err(|(_, e)| Error::from(e))?;
            let mut slots = KeySlotFile::new(store_id);
            slots.put(
                SlotKind::User,
                Some(&centre.admin_user),
                passphrase.dangerously_expose(),
                &db_key,
                kdf,
            )?;
            slots.put(
                SlotKind::Recovery,
                None,
                recovery.dangerously_expose(),
                &db_key,
                kdf,
            )?;
            slots.save(&keyslots::path_in(&tmp))?;
            if dir.exists() {
                std::fs::remove_dir(dir).map_err(Error::io(dir))?;
            }
            std::fs::rename(&tmp, dir).map_err(Error::io(dir))?;
            atomic_file::sync_dir(parent)
        })();
        if let Err(e) = built {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        let lock = StoreLock::acquire(dir)?;
        let conn = open_db(&dir.join(DB_FILE), &db_key, false)?;
        Store::with_context(dir, conn, db_key, &centre.admin_user, Some(lock))
    }

    /// Unlocks the store with a person's passphrase.
    ///
    /// Takes the store lock first ([`Error::StoreInUse`] when another window or process
    /// has the store open). A key rotation that was interrupted is finished (if it had
    /// committed) or its leftovers removed; a key slot of the old format is upgraded.
    pub fn unlock(dir: &Path, user: &str, passphrase: &Passphrase) -> Result<Store> {
        let user = centre::normalise_user_name(user)?;
        let lock = lock_existing(dir)?;
        Store::unlock_holding(dir, &user, passphrase, Some(lock))
    }

    /// Unlocks without taking the store lock: only for tests that play several people on
    /// one store at the same moment in one process. The shells never call it — one window
    /// or process writes a store at a time.
    #[doc(hidden)]
    pub fn dangerously_unlock_without_lock(
        dir: &Path,
        user: &str,
        passphrase: &Passphrase,
    ) -> Result<Store> {
        let user = centre::normalise_user_name(user)?;
        Store::unlock_holding(dir, &user, passphrase, None)
    }

    fn unlock_holding(
        dir: &Path,
        user: &str,
        passphrase: &Passphrase,
        lock: Option<StoreLock>,
    ) -> Result<Store> {
        let user = user.to_owned();
        let recovered = recovery::recover(
            dir,
            &Opener::User {
                user: &user,
                passphrase: passphrase.dangerously_expose(),
            },
        )?;
        let mut slots = load_slots(dir)?;
        let db_key = slots.unwrap_user(&user, passphrase.dangerously_expose())?;
        let mut conn = open_db(&dir.join(DB_FILE), &db_key, false)?;
        migrations::migrate(&mut conn)?;
        search_index::upgrade_index(&mut conn)?;
        check_active_staff(&conn, &user)?;
        let notice = match recovered {
            Recovery::Done => None,
            Recovery::Refused(why) => {
                access_log::append(
                    &conn,
                    &user,
                    access_log::Action::RotateKey,
                    None,
                    Some(
                        "a key-rotation marker in the store folder could not be authenticated; nothing was changed",
                    ),
                )?;
                Some(why)
            }
        };
        if slots.is_legacy_user(&user) {
            let kdf = slots
                .kdf_of(SlotKind::User, Some(&user))
                .unwrap_or(KdfParams::DEFAULT);
            slots.put(
                SlotKind::User,
                Some(&user),
                passphrase.dangerously_expose(),
                &db_key,
                kdf,
            )?;
            slots.save(&keyslots::path_in(dir))?;
        } else if slots.bind_unwrapped(SlotKind::User, Some(&user), &db_key)? {
            slots.save(&keyslots::path_in(dir))?;
        }
        let mut store = Store::with_context(dir, conn, db_key, &user, lock)?;
        store.recovery_notice = notice;
        Ok(store)
    }

    /// Set when unlocking found a key-rotation marker in the store folder that it could not
    /// authenticate and left alone (the store opened as it was): what was found and what to
    /// do. The shells show it as a warning; it is also in the access log.
    pub fn recovery_notice(&self) -> Option<&str> {
        self.recovery_notice.as_deref()
    }

    /// Opens the store for a command that only reads: like [`Store::unlock`] when no other
    /// window or process has the store open; otherwise beside that one with a read-only
    /// database connection and without the lock. Nothing is recovered, migrated or upgraded
    /// then, and any write fails with [`Error::StoreReadOnly`] before changing anything.
    pub fn unlock_for_reading(dir: &Path, user: &str, passphrase: &Passphrase) -> Result<Store> {
        match Store::unlock(dir, user, passphrase) {
            Err(Error::StoreInUse { .. }) => Store::open_read_only(dir, user, passphrase),
            opened => opened,
        }
    }

    fn open_read_only(dir: &Path, user: &str, passphrase: &Passphrase) -> Result<Store> {
        let user = centre::normalise_user_name(user)?;
        let slots = load_slots(dir)?;
        let db_key = slots.unwrap_user(&user, passphrase.dangerously_expose())?;
        let conn = open_db_read_only(&dir.join(DB_FILE), &db_key)?;
        // The window or process that holds the store migrates it; an older schema here
        // cannot be read until it has.
        if migrations::version(&conn)? != migrations::LATEST {
            return Err(Error::StoreReadOnly);
        }
        check_active_staff(&conn, &user)?;
        Store::with_context(dir, conn, db_key, &user, None)
    }

    /// Whether this store was opened only to read ([`Store::unlock_for_reading`] while
    /// another window or process had it open).
    pub fn is_read_only(&self) -> bool {
        self.lock.is_none()
    }

    /// Changes a person's passphrase; the old one must be right.
    pub fn change_passphrase(
        dir: &Path,
        user: &str,
        old: &Passphrase,
        new: &Passphrase,
        kdf: KdfParams,
    ) -> Result<()> {
        let (user, _lock, mut slots, db_key) =
            begin_passphrase_write(dir, user, new, Credential::Passphrase(old))?;
        // Proves the key still opens this database before anything is rewritten.
        open_db(&dir.join(DB_FILE), &db_key, false)?;
        slots.put(
            SlotKind::User,
            Some(&user),
            new.dangerously_expose(),
            &db_key,
            kdf,
        )?;
        slots.save(&keyslots::path_in(dir))
    }

    /// Sets a new passphrase for an existing person with the recovery key (a forgotten
    /// passphrase).
    pub fn reset_passphrase(
        dir: &Path,
        recovery: &RecoveryKey,
        user: &str,
        new: &Passphrase,
        kdf: KdfParams,
    ) -> Result<()> {
        let (user, _lock, mut slots, db_key) =
            begin_passphrase_write(dir, user, new, Credential::Recovery(recovery))?;
        let mut conn = open_db(&dir.join(DB_FILE), &db_key, false)?;
        migrations::migrate(&mut conn)?;
        check_active_staff(&conn, &user)?;
        // Logged before the new slot is written, so no reset happens unrecorded (nobody is
        // signed in: the entry names the account whose passphrase was set).
        access_log::append(
            &conn,
            &user,
            access_log::Action::PassphraseReset,
            None,
            Some(&format!("passphrase of {user} set with the recovery key")),
        )?;
        drop(conn);
        if slots.is_legacy_recovery() {
            let kdf = slots.kdf_of(SlotKind::Recovery, None).unwrap_or(kdf);
            slots.put(
                SlotKind::Recovery,
                None,
                recovery.dangerously_expose(),
                &db_key,
                kdf,
            )?;
        } else {
            slots.bind_unwrapped(SlotKind::Recovery, None, &db_key)?;
        }
        slots.put(
            SlotKind::User,
            Some(&user),
            new.dangerously_expose(),
            &db_key,
            kdf,
        )?;
        slots.save(&keyslots::path_in(dir))
    }

    /// The database key itself, for tests that inspect the encrypted file page by page.
    /// The shells never use it.
    #[doc(hidden)]
    pub fn dangerously_db_key(&self) -> &SecretKey {
        &self.db_key
    }

    /// The store folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The unlocked user.
    pub fn user(&self) -> &str {
        &self.ctx.user
    }

    /// Sets up what every write needs: the owner (centre code and installation id), the
    /// user and their disciplines, the country, the clock after the newest version.
    pub(crate) fn with_context(
        dir: &Path,
        conn: Connection,
        db_key: SecretKey,
        user: &str,
        lock: Option<StoreLock>,
    ) -> Result<Store> {
        let ctx = WriteContext::load(&conn, user)?;
        let store = Store {
            dir: dir.to_owned(),
            conn,
            ctx,
            db_key,
            lock,
            recovery_notice: None,
            extensions: Default::default(),
        };
        store.refresh_list_names()?;
        Ok(store)
    }

    /// The centre profile.
    pub fn profile(&self) -> Result<CentreProfile> {
        let row = self.conn.query_row(
            "SELECT code, name, country, default_language, mode FROM centre_profile WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )?;
        Ok(CentreProfile {
            code: row.0,
            name: row.1,
            country: Country::parse(&row.2)?,
            language: Language::parse(&row.3)?,
            mode: Mode::parse(&row.4)?,
        })
    }

    /// Centre, mode, schema version and record counts.
    pub fn status(&self) -> Result<StoreStatus> {
        let mut counts = Vec::with_capacity(COUNTED.len());
        for (table, kind) in COUNTED {
            let count = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            counts.push(RecordCount {
                kind: (*kind).to_owned(),
                count,
            });
        }
        Ok(StoreStatus {
            centre: self.profile()?,
            schema_version: migrations::version(&self.conn)?,
            store_dir: self.dir.display().to_string(),
            user: self.ctx.user.clone(),
            counts,
        })
    }
}

pub(crate) fn check_active_staff(conn: &Connection, user: &str) -> Result<()> {
    let disabled: Option<Option<String>> = conn
        .query_row(
            "SELECT disabled_at FROM staff WHERE username = ?1",
            [user],
            |r| r.get(0),
        )
        .optional()?;
    match disabled {
        Some(None) => Ok(()),
        Some(Some(_)) => Err(Error::invalid(format!(
            "the account of '{user}' is disabled; ask the centre administrator"
        ))),
        None => Err(Error::UnknownUser { user: user.into() }),
    }
}

/// The credential a passphrase change or reset is made with.
#[derive(Clone, Copy)]
enum Credential<'a> {
    /// The person's current passphrase (a change).
    Passphrase(&'a Passphrase),
    /// The printed recovery key (a reset).
    Recovery(&'a RecoveryKey),
}

/// The opening steps a passphrase change and a reset share: the new passphrase checked, the
/// store locked, an interrupted key rotation recovered with the credential given, and the
/// database key unwrapped with it. Returns the normalised user name, the lock (held until
/// the caller is done), the key slots and the database key.
fn begin_passphrase_write(
    dir: &Path,
    user: &str,
    new: &Passphrase,
    credential: Credential<'_>,
) -> Result<(String, StoreLock, KeySlotFile, SecretKey)> {
    new.check_new()?;
    let user = centre::normalise_user_name(user)?;
    let lock = lock_existing(dir)?;
    let opener = match credential {
        Credential::Passphrase(old) => Opener::User {
            user: &user,
            passphrase: old.dangerously_expose(),
        },
        Credential::Recovery(key) => Opener::Recovery(key.dangerously_expose()),
    };
    recovery::recover(dir, &opener)?;
    let slots = load_slots(dir)?;
    let db_key = match credential {
        Credential::Passphrase(old) => slots.unwrap_user(&user, old.dangerously_expose())?,
        Credential::Recovery(key) => slots.unwrap_recovery(key.dangerously_expose())?,
    };
    Ok((user, lock, slots, db_key))
}

/// The lock of an existing store: [`Error::StoreNotFound`] when `dir` holds no store (so
/// that no lock file is left in a folder that is not a store).
fn lock_existing(dir: &Path) -> Result<StoreLock> {
    if !Store::exists(dir) {
        return Err(Error::StoreNotFound { path: dir.into() });
    }
    StoreLock::acquire(dir)
}

pub(crate) fn load_slots(dir: &Path) -> Result<KeySlotFile> {
    let path = keyslots::path_in(dir);
    if !path.is_file() {
        return Err(Error::StoreNotFound { path: dir.into() });
    }
    KeySlotFile::load(&path)
}

/// SQLite creates the database readable by everyone (0644); the WAL and shared-memory files
/// it creates later copy the database file's mode, so restricting it once is enough.
pub(crate) fn restrict_to_owner(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(Error::io(path))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn write_initial_rows(conn: &mut Connection, store_id: Uuid, centre: &NewCentre) -> Result<()> {
    let now = Utc::now().to_rfc3339();
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO store_meta (key, value) VALUES ('store_id', ?1), ('created_at', ?2), ('created_by_version', ?3)",
        params![store_id.to_string(), now, env!("CARGO_PKG_VERSION")],
    )?;
    tx.execute(
        "INSERT INTO centre_profile (id, code, name, country, default_language, mode, created_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            centre.code,
            centre.name,
            centre.country.code(),
            centre.language.code(),
            centre.mode.code(),
            now
        ],
    )?;
    tx.execute(
        "INSERT INTO staff (id, username, role, created_at) VALUES (?1, ?2, 'administrator', ?3)",
        params![Uuid::now_v7().to_string(), centre.admin_user, now],
    )?;
    tx.commit()?;
    Ok(())
}

/// Opens a database with its raw key and checks that the key opens it, nothing more (no
/// journal mode, no cache settings): for backup snapshots and checks.
pub(crate) fn open_keyed(path: &Path, key: &SecretKey, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    open_keyed_with(path, key, create, flags)
}

fn open_keyed_with(
    path: &Path,
    key: &SecretKey,
    create: bool,
    flags: OpenFlags,
) -> Result<Connection> {
    if !create && !path.is_file() {
        return Err(Error::StoreNotFound {
            path: path.parent().unwrap_or(path).into(),
        });
    }
    sqlcipher_ready()?;
    let conn = Connection::open_with_flags(path, flags)?;
    let mut statement = Zeroizing::new(String::with_capacity(80));
    statement.push_str("PRAGMA key = \"x'");
    statement.push_str(&key.dangerously_expose_hex());
    statement.push_str("'\";");
    conn.execute_batch(&statement)?;
    drop(statement);
    // SQLCipher would otherwise print "hmac check failed" and similar to stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE; PRAGMA temp_store = MEMORY;")?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(Error::DatabaseDamaged);
        }
        Err(e) => return Err(e.into()),
    }
    // Whether lists carry clients' names (`cases::read::SUMMARY_COLUMNS`): empty, so none,
    // until the store sets it from the person's preference and role. In memory, this
    // connection only.
    conn.execute_batch("CREATE TEMP TABLE list_names (shown INTEGER NOT NULL);")?;
    Ok(conn)
}

/// Keys one in-memory database once per process, before any store is opened.
///
/// # Why
/// SQLCipher sets its crypto provider up when the first connection is keyed. Two threads
/// keying their first connections at the same moment can find it half set up: one of them
/// fails with "sqlcipher not initialized" / "An error occurred with PRAGMA key". It was
/// seen in 3 of 300 runs of 16 threads each (`store::tests::
/// the_first_keyed_opens_of_many_threads_all_succeed`), and the app opens stores from
/// several threads (the window, sync at unlock, the CLI's reader beside the holder). After
/// one keyed connection, no run of that test failed.
fn sqlcipher_ready() -> Result<()> {
    static READY: std::sync::OnceLock<std::result::Result<(), String>> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            let conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
            conn.execute_batch(
                "PRAGMA key = \"x'0000000000000000000000000000000000000000000000000000000000000001'\";
                 SELECT count(*) FROM sqlite_master;",
            )
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| Error::invalid(format!("SQLCipher could not be set up: {e}")))
}

/// Opens (or creates) the database with its raw key and sets the connection up.
///
/// # Why this order
/// `PRAGMA key` must be the very first statement: anything before it would read or write
/// a plaintext header. The key is given as a raw 256-bit key (`x'…'`), so SQLCipher runs no
/// KDF of its own; the hex text lives in a buffer that is zeroed on drop.
pub(crate) fn open_db(path: &Path, key: &SecretKey, create: bool) -> Result<Connection> {
    let conn = open_keyed(path, key, create)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::invalid(format!(
            "the store could not switch to WAL journaling (got {mode}); check that the folder is on a local disk"
        )));
    }
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{CACHE_KIB};
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA synchronous = NORMAL;"
    ))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Opens the database read-only beside the window or process that holds the store (which
/// keeps the WAL and its index in place). SQLite refuses every write on this connection.
fn open_db_read_only(path: &Path, key: &SecretKey) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = open_keyed_with(path, key, false, flags)?;
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{CACHE_KIB};
         PRAGMA foreign_keys = ON;"
    ))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

#[cfg(test)]
mod tests;
