//! Backups: a consistent snapshot of the store taken while it is in use (SQLite's online
//! backup API, all pages in one step under one read transaction), packaged with the store's
//! key slots into one file that the recovery key opens. `docs/backup-format.md` specifies
//! the file byte for byte.
//!
//! The snapshot stays encrypted with the store's database key the whole time (it is never
//! decrypted to write it); the file carries the key slots (wrapped keys only), so that
//! `restore` needs the recovery key and everyone's passphrase works again afterwards.

use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Permission;
use crate::atomic_file::{self, AtomicFile};
use crate::audit::{self, Action};
use crate::crypto::{RecoveryKey, SecretKey, hex};
use crate::error::{Error, Result};
use crate::store::keyslots::{self, KeySlotFile};
use crate::store::meta::{meta, set_meta};
pub use crate::store::recovery::{SCRATCH_LOCK, remove_stale_scratch};
use crate::store::recovery::{SCRATCH_SUFFIX, open_scratch_lock};
use crate::store::{self, DB_FILE, Store, load_slots};

/// The first bytes of a backup file.
pub const MAGIC: &[u8; 8] = b"ATRAMABK";
/// The backup format this build writes and reads.
pub const FORMAT: u32 = 1;
/// Days after which the app reminds the administrator, unless set otherwise.
pub const DEFAULT_REMINDER_DAYS: u32 = 7;
/// The largest header accepted (a header is a few kilobytes).
const MAX_HEADER: u32 = 1 << 20;

/// The JSON header of a backup file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    store_id: Uuid,
    created_at: String,
    created_by: String,
    app_version: String,
    schema_version: i64,
    /// Bytes of the database that follow the header.
    db_size: u64,
    /// The store's key-slot file, as it was.
    keyslots: serde_json::Value,
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BackupReport {
    /// Where it was written.
    pub path: String,
    /// Its size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// When (RFC 3339).
    pub created_at: String,
}

/// What checking a backup found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BackupCheck {
    /// When the backup was made.
    pub created_at: String,
    /// By whom.
    pub created_by: String,
    /// Its schema version.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub schema_version: i64,
    /// Entries in its access log (the chain checked).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub access_log_entries: u64,
    /// Cases in it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cases: u64,
}

/// When the last backups were made and checked, and whether a reminder is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BackupStatus {
    /// The last backup written (RFC 3339).
    pub last_backup_at: Option<String>,
    /// The last backup checked with `verify` (RFC 3339).
    pub last_verified_at: Option<String>,
    /// Remind when the last checked backup is older than this many days.
    pub reminder_days: u32,
    /// The reminder is due: no checked backup, or it is too old.
    pub due: bool,
}

/// Reads from `inner` and hashes every byte it reads.
struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// A backup file read up to the database bytes, in the one pass that reads it whole: the
/// header is used only once [`extract_db`] has checked the checksum over the very bytes it
/// was parsed from.
struct Opened<R> {
    header: Header,
    reader: HashingReader<R>,
}

fn damaged(path: &Path, why: &str) -> Error {
    Error::invalid(format!(
        "{} is not a usable Atrama backup ({why}); use another copy",
        path.display()
    ))
}

/// Opens a backup file: magic, version, header, and the sizes checked against the file's
/// length (with checked arithmetic: every size is the file's word).
fn open_file<R: Read + Seek>(path: &Path, mut file: R) -> Result<Opened<R>> {
    let len = file.seek(SeekFrom::End(0)).map_err(Error::io(path))?;
    file.seek(SeekFrom::Start(0)).map_err(Error::io(path))?;
    let mut reader = HashingReader {
        inner: file,
        hash: Sha256::new(),
    };
    let mut prefix = [0u8; 16];
    reader
        .read_exact(&mut prefix)
        .map_err(|_| damaged(path, "too short"))?;
    if &prefix[..8] != MAGIC {
        return Err(damaged(path, "not a backup file"));
    }
    let version = u32::from_be_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]);
    if version > FORMAT {
        return Err(Error::NewerVersion {
            what: "backup format",
            found: i64::from(version),
            supported: i64::from(FORMAT),
        });
    }
    if version != FORMAT {
        return Err(damaged(path, "unknown format"));
    }
    let header_len = u32::from_be_bytes([prefix[12], prefix[13], prefix[14], prefix[15]]);
    if header_len > MAX_HEADER || u64::from(header_len) > len {
        return Err(damaged(path, "header too large"));
    }
    let mut header_bytes = vec![0u8; header_len as usize];
    reader
        .read_exact(&mut header_bytes)
        .map_err(|_| damaged(path, "cut short"))?;
    let header: Header =
        serde_json::from_slice(&header_bytes).map_err(|_| damaged(path, "header unreadable"))?;
    let expected = 16u64
        .checked_add(u64::from(header_len))
        .and_then(|n| n.checked_add(header.db_size))
        .and_then(|n| n.checked_add(32));
    if expected != Some(len) {
        return Err(damaged(path, "cut short or padded"));
    }
    Ok(Opened { header, reader })
}

/// Writes the database bytes of `opened` to `target`, then checks the checksum over every
/// byte read — prefix, header and database, all read once — and returns the header. On an
/// error, whatever was written to `target` is the caller's to remove.
fn extract_db<R: Read>(opened: Opened<R>, path: &Path, target: &Path) -> Result<Header> {
    let Opened { header, mut reader } = opened;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
        .map_err(Error::io(target))?;
    store::restrict_to_owner(target)?;
    let copied = std::io::copy(
        &mut BufReader::with_capacity(256 * 1024, (&mut reader).take(header.db_size)),
        &mut out,
    )
    .map_err(Error::io(target))?;
    if copied != header.db_size {
        return Err(damaged(path, "cut short"));
    }
    let mut trailer = [0u8; 32];
    reader
        .inner
        .read_exact(&mut trailer)
        .map_err(|_| damaged(path, "cut short"))?;
    if reader.hash.finalize().as_slice() != trailer {
        return Err(damaged(
            path,
            "its checksum does not match: the file was damaged",
        ));
    }
    out.sync_all().map_err(Error::io(target))?;
    Ok(header)
}

/// Opens an extracted snapshot with `key` and checks it: `PRAGMA integrity_check`, the
/// access log's chain, and counts.
fn check_db(db: &Path, key: &SecretKey, header: &Header) -> Result<BackupCheck> {
    let conn = store::open_keyed(db, key, false)?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Error::invalid(format!(
            "the backup's database failed its integrity check ({ok}); use another copy"
        )));
    }
    let access_log_entries = audit::verify(&conn)?;
    let cases: i64 = conn.query_row("SELECT count(*) FROM case_file", [], |r| r.get(0))?;
    let store_id: String = conn.query_row(
        "SELECT value FROM store_meta WHERE key = 'store_id'",
        [],
        |r| r.get(0),
    )?;
    if store_id != header.store_id.to_string() {
        return Err(Error::invalid(
            "the backup's header and database belong to different stores; use another copy",
        ));
    }
    Ok(BackupCheck {
        created_at: header.created_at.clone(),
        created_by: header.created_by.clone(),
        schema_version: header.schema_version,
        access_log_entries,
        cases: u64::try_from(cases).unwrap_or(0),
    })
}

/// A scratch file name beside `dir`'s contents, removed with its WAL when dropped.
struct Scratch(PathBuf, Option<std::fs::File>);

impl Scratch {
    /// A scratch file in the store folder `dir`, under the shared lock of [`SCRATCH_LOCK`].
    fn in_store(dir: &Path, what: &str) -> Result<Scratch> {
        let lock = open_scratch_lock(dir)?;
        lock.lock_shared()
            .map_err(Error::io(dir.join(SCRATCH_LOCK)))?;
        let mut scratch = Scratch::new(dir, what);
        scratch.1 = Some(lock);
        Ok(scratch)
    }

    /// A scratch file in a folder of its own (the temporary folder), without a lock.
    fn new(dir: &Path, what: &str) -> Scratch {
        // Not ".tmp-": a concurrent unlock removes those as leftovers of atomic writes.
        Scratch(
            dir.join(format!(
                ".{what}-{}{SCRATCH_SUFFIX}",
                Uuid::now_v7().simple()
            )),
            None,
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        // The shared lock goes with the file handle (after the files are gone).
        self.1.take();
    }
}

impl Store {
    /// Writes a backup of the store to `out` (any folder), while the store stays in use.
    pub fn create_backup(&mut self, out: &Path) -> Result<BackupReport> {
        self.require(Permission::Backup)?;
        let created_at = Utc::now().to_rfc3339();
        let scratch = Scratch::in_store(self.dir(), "backup")?;
        let schema_version = store::migrations::version(&self.conn)?;
        // The snapshot: all pages in one step, so one read transaction sees one state.
        {
            let mut dst = store::open_keyed(&scratch.0, &self.db_key, true)?;
            store::restrict_to_owner(&scratch.0)?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)?;
            loop {
                match backup.step(-1)? {
                    rusqlite::backup::StepResult::Done => break,
                    _ => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
            drop(backup);
            dst.close().map_err(|(_, e)| Error::from(e))?;
        }
        let db_size = std::fs::metadata(&scratch.0)
            .map_err(Error::io(&scratch.0))?
            .len();
        let slots = load_slots(self.dir())?;
        let header = Header {
            store_id: slots.store_id(),
            created_at: created_at.clone(),
            created_by: self.ctx.user.clone(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            schema_version,
            db_size,
            keyslots: serde_json::from_slice(&slots.to_bytes()?)
                .map_err(|e| Error::invalid(format!("cannot encode key slots: {e}")))?,
        };
        let header_bytes = serde_json::to_vec(&header)
            .map_err(|e| Error::invalid(format!("cannot encode the backup header: {e}")))?;
        let header_len = u32::try_from(header_bytes.len())
            .map_err(|_| Error::invalid("the backup header is too large"))?;
        let file = AtomicFile::create(out)?;
        let mut w = BufWriter::with_capacity(256 * 1024, HashingWriter::new(file));
        let io = Error::io(out);
        let written = (|| -> std::io::Result<()> {
            w.write_all(MAGIC)?;
            w.write_all(&FORMAT.to_be_bytes())?;
            w.write_all(&header_len.to_be_bytes())?;
            w.write_all(&header_bytes)?;
            let mut db = std::fs::File::open(&scratch.0)?;
            std::io::copy(&mut db, &mut w)?;
            w.flush()
        })();
        written.map_err(io)?;
        let hashing = w
            .into_inner()
            .map_err(|e| Error::invalid(format!("cannot write the backup: {}", e.error())))?;
        let (mut file, digest) = hashing.finish();
        file.write_all(&digest).map_err(Error::io(out))?;
        let size = 16 + u64::from(header_len) + db_size + 32;
        let tx = self.conn.transaction()?;
        set_meta(&tx, "last_backup_at", &created_at)?;
        audit::append(
            &tx,
            &self.ctx.user,
            Action::Backup,
            None,
            Some(&format!("{size} bytes")),
        )?;
        file.commit()?;
        tx.commit()?;
        Ok(BackupReport {
            path: out.display().to_string(),
            size,
            created_at,
        })
    }

    /// Checks a backup of this store with its current key: the file's checksum, the
    /// database's integrity and the access log's chain. Records the time of the last
    /// checked backup (for the reminder). A backup made before the key was rotated is
    /// checked with the recovery key instead ([`verify_with_recovery`]).
    pub fn verify_backup(&mut self, path: &Path) -> Result<BackupCheck> {
        self.require(Permission::Backup)?;
        let opened = open_file(path, std::fs::File::open(path).map_err(Error::io(path))?)?;
        let scratch = Scratch::in_store(self.dir(), "verify")?;
        let header = extract_db(opened, path, &scratch.0)?;
        let check = match check_db(&scratch.0, &self.db_key, &header) {
            Err(Error::DatabaseDamaged) => {
                return Err(Error::invalid(
                    "this backup does not open with the store's current key (another store's backup, or one made before the key was rotated); check it with the recovery key",
                ));
            }
            other => other?,
        };
        let tx = self.conn.transaction()?;
        set_meta(&tx, "last_verified_backup_at", &Utc::now().to_rfc3339())?;
        audit::append(
            &tx,
            &self.ctx.user,
            Action::BackupVerify,
            None,
            Some(&format!("backup of {}", check.created_at)),
        )?;
        tx.commit()?;
        Ok(check)
    }

    /// When the last backups were made and checked, and whether to remind.
    pub fn backup_status(&self) -> Result<BackupStatus> {
        let last_backup_at = meta(&self.conn, "last_backup_at")?;
        let last_verified_at = meta(&self.conn, "last_verified_backup_at")?;
        let reminder_days = meta(&self.conn, "backup_reminder_days")?
            .and_then(|d| d.parse().ok())
            .unwrap_or(DEFAULT_REMINDER_DAYS);
        let due = match last_verified_at
            .as_deref()
            .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        {
            None => true,
            Some(at) => {
                Utc::now() - at.with_timezone(&Utc) > chrono::Duration::days(reminder_days.into())
            }
        };
        Ok(BackupStatus {
            last_backup_at,
            last_verified_at,
            reminder_days,
            due,
        })
    }

    /// Sets after how many days without a checked backup the app reminds (1–365).
    pub fn set_backup_reminder(&mut self, days: u32) -> Result<()> {
        self.require(Permission::Backup)?;
        if !(1..=365).contains(&days) {
            return Err(Error::invalid(
                "the backup reminder must be between 1 and 365 days",
            ));
        }
        let tx = self.conn.transaction()?;
        set_meta(&tx, "backup_reminder_days", &days.to_string())?;
        audit::append(
            &tx,
            &self.ctx.user,
            Action::Settings,
            None,
            Some(&format!("backup reminder {days} days")),
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Unwraps the database key of a backup with the recovery key.
fn backup_key(path: &Path, header: &Header, recovery: &RecoveryKey) -> Result<SecretKey> {
    let bytes =
        serde_json::to_vec(&header.keyslots).map_err(|_| damaged(path, "key slots unreadable"))?;
    let slots = KeySlotFile::from_bytes(&bytes, path)?;
    slots.unwrap_recovery(recovery.dangerously_expose())
}

/// Checks any backup with the recovery key (no store needs to be open).
pub fn verify_with_recovery(path: &Path, recovery: &RecoveryKey) -> Result<BackupCheck> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    verify_with_recovery_from(path, file, recovery)
}

/// [`verify_with_recovery`] from an open source that reads and seeks; `path` names it in
/// messages.
pub fn verify_with_recovery_from<R: Read + Seek>(
    path: &Path,
    input: R,
    recovery: &RecoveryKey,
) -> Result<BackupCheck> {
    let opened = open_file(path, input)?;
    let dir = std::env::temp_dir();
    let scratch = Scratch::new(&dir, "atrama-verify");
    let header = extract_db(opened, path, &scratch.0)?;
    let key = backup_key(path, &header, recovery)?;
    check_db(&scratch.0, &key, &header)
}

/// Restores a backup into `target` (a new or empty folder) with the recovery key. The
/// store is built in a temporary sibling folder, checked, and renamed into place.
pub fn restore(path: &Path, recovery: &RecoveryKey, target: &Path) -> Result<BackupCheck> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    restore_from(path, file, recovery, target)
}

/// [`restore`] from an open source that reads and seeks; `path` names it in messages.
pub fn restore_from<R: Read + Seek>(
    path: &Path,
    input: R,
    recovery: &RecoveryKey,
    target: &Path,
) -> Result<BackupCheck> {
    let target_is_empty = match std::fs::read_dir(target) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(Error::io(target)(e)),
    };
    if !target_is_empty {
        return Err(Error::StoreExists {
            path: target.into(),
        });
    }
    let opened = open_file(path, input)?;
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} cannot be a store folder", target.display())))?;
    atomic_file::create_private_dir(parent)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".restoring-{}", Uuid::now_v7().simple()));
    let tmp = parent.join(tmp_name);
    atomic_file::create_private_dir(&tmp)?;
    let built = (|| {
        // The header is used only after the checksum over the bytes it came from matched.
        let header = extract_db(opened, path, &tmp.join(DB_FILE))?;
        let key = backup_key(path, &header, recovery)?;
        let check = check_db(&tmp.join(DB_FILE), &key, &header)?;
        let slots = serde_json::to_vec_pretty(&header.keyslots)
            .map_err(|e| Error::invalid(format!("cannot encode key slots: {e}")))?;
        atomic_file::write(&keyslots::path_in(&tmp), &slots)?;
        if target.exists() {
            std::fs::remove_dir(target).map_err(Error::io(target))?;
        }
        std::fs::rename(&tmp, target).map_err(Error::io(target))?;
        atomic_file::sync_dir(parent)?;
        Ok(check)
    })();
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    built
}

/// A writer that hashes what passes through it.
struct HashingWriter {
    inner: AtomicFile,
    hasher: Sha256,
}

impl HashingWriter {
    fn new(inner: AtomicFile) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> (AtomicFile, [u8; 32]) {
        (self.inner, self.hasher.finalize().into())
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The hex SHA-256 of a file (for reports).
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(Error::io(path))?;
    Ok(hex(&h.finalize()))
}
