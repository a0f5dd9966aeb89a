//! Rotating the database key (e.g. when someone leaves): the store is re-encrypted with a
//! new random key and the new key is sealed to every remaining key slot (people and the
//! recovery key), with progress, atomically.
//!
//! # Crash atomicity
//! The database file and the key-slot file must change together. Both new files are
//! written beside the old ones, fsynced, and then a *commit marker* (`rotation.commit`) is
//! written atomically; that single rename is the commit point:
//!
//! 1. checkpoint the WAL into `atrama.db` (so the old file alone holds everything);
//! 2. `sqlcipher_export` into `atrama.db.rotating` under the new key; check it, record the
//!    rotation in its access log, close it (no WAL left), fsync;
//! 3. reseal the new key to every slot into `keyslots.json.rotating` (fsynced);
//! 4. write `rotation.commit` (temporary file, fsync, rename, fsync of the folder);
//! 5. roll forward: close the old database, remove its (empty) WAL and index, rename the
//!    new database, then the new slots into place, remove the marker.
//!
//! [`recover`] runs at every unlock, passphrase change and reset: with the marker present it
//! finishes step 5 (each rename is idempotent); without it, it removes the leftovers of
//! steps 2–3, so a crash before the commit leaves the old, working store.
//!
//! # Only an authenticated marker is acted on
//! Finishing step 5 replaces `atrama.db` and `keyslots.json`, so a marker (and new files)
//! dropped into the store folder by someone else would destroy the store. The marker
//! therefore carries two HMAC-SHA256 tags over the store id and the SHA-256 of the new
//! key-slot file, one under a key derived from the **old** database key and one under a key
//! derived from the **new** one. Recovery unwraps both keys with the credential of the
//! person opening the store (their passphrase, or the recovery key) — the old from
//! `keyslots.json`, the new from `keyslots.json.rotating` — checks both tags and that the
//! database that will be in place opens under the new key, and only then rolls forward.
//! Nobody without the store's current key can write such a marker, and nobody without a
//! slot's secret can make recovery use one. A marker that does not check out is left where
//! it is, with everything else, and the person is told ([`Recovery::Refused`]); the store
//! opens as it was.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::Permission;
use crate::atomic_file;
use crate::audit::{self, Action};
use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use crate::store::{self, DB_FILE, Store, keyslots, load_slots};

/// The re-encrypted database while it is written.
pub const NEW_DB: &str = "atrama.db.rotating";
/// The resealed key slots while they are written.
pub const NEW_SLOTS: &str = "keyslots.json.rotating";
/// The commit marker: once it exists, the rotation is finished on the next open.
pub const MARKER: &str = "rotation.commit";

/// What a rotation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum RotationPhase {
    /// Re-encrypting the pages.
    Copying,
    /// Checking the new file.
    Checking,
    /// Sealing the new key for every key slot.
    Resealing,
    /// Switching to the new files.
    Switching,
    /// Finished.
    Done,
}

/// Progress of a key rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RotationProgress {
    /// The phase.
    pub phase: RotationPhase,
    /// Pages re-encrypted so far.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pages_done: u64,
    /// Pages in the database.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pages_total: u64,
}

/// What a finished rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RotationReport {
    /// Pages re-encrypted.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pages: u64,
    /// Key slots resealed (people and the recovery key).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub slots: u64,
}

fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

fn remove_if_present(p: &Path) -> Result<()> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(p)(e)),
    }
}

fn rename_if_present(from: &Path, to: &Path) -> Result<bool> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(to)(e)),
    }
}

/// The credential of the person opening the store, which recovery uses to authenticate a
/// rotation marker.
#[derive(Clone, Copy)]
pub(crate) enum Opener<'a> {
    /// A person with their passphrase.
    User {
        /// The normalised user name.
        user: &'a str,
        /// The passphrase.
        passphrase: &'a [u8],
    },
    /// The printed recovery key.
    Recovery(&'a [u8]),
}

impl Opener<'_> {
    fn unwrap(&self, slots: &keyslots::KeySlotFile) -> Option<SecretKey> {
        match self {
            Opener::User { user, passphrase } => slots.unwrap_user(user, passphrase).ok(),
            Opener::Recovery(secret) => slots.unwrap_recovery(secret).ok(),
        }
    }
}

/// What recovery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// Nothing was left over, or the leftovers of an uncommitted rotation were removed, or a
    /// committed rotation was finished.
    Done,
    /// A commit marker was found that could not be authenticated with the credential given:
    /// nothing was changed. The message says what was found and what to do.
    Refused(String),
}

/// The most a genuine commit marker holds.
const MARKER_MAX: u64 = 4096;
/// Domain separation of the marker's tags.
const MARKER_INFO: &[u8] = b"atrama rotation commit v1";

/// The commit marker: which key-slot file the rotation committed to, under both keys.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Marker {
    format: u32,
    store_id: String,
    /// SHA-256 of `keyslots.json.rotating` as written.
    slots_sha256: String,
    /// HMAC under the old database key.
    mac_old: String,
    /// HMAC under the new database key.
    mac_new: String,
}

fn marker_mac(
    key: &SecretKey,
    store_id: &str,
    slots_sha256: &str,
) -> Result<hmac::Hmac<sha2::Sha256>> {
    use hmac::Mac as _;
    let mut okm = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<sha2::Sha256>::new(None, key.dangerously_expose())
        .expand(MARKER_INFO, okm.as_mut())
        .map_err(|_| Error::invalid("cannot derive the rotation marker key"))?;
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(okm.as_ref())
        .map_err(|_| Error::invalid("cannot key the rotation marker"))?;
    mac.update(MARKER_INFO);
    mac.update(&[0]);
    mac.update(store_id.as_bytes());
    mac.update(&[0]);
    mac.update(slots_sha256.as_bytes());
    Ok(mac)
}

fn marker_tag(key: &SecretKey, store_id: &str, slots_sha256: &str) -> Result<[u8; 32]> {
    use hmac::Mac as _;
    Ok(marker_mac(key, store_id, slots_sha256)?
        .finalize()
        .into_bytes()
        .into())
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    crate::crypto::hex(&sha2::Sha256::digest(bytes))
}

/// The marker's contents for a rotation from `old` to `new` committing to `slots` (the new
/// key-slot file's bytes).
fn marker_bytes(store_id: &str, slots: &[u8], old: &SecretKey, new: &SecretKey) -> Result<Vec<u8>> {
    let slots_sha256 = sha256_hex(slots);
    let marker = Marker {
        format: 1,
        store_id: store_id.to_owned(),
        mac_old: crate::crypto::hex(&marker_tag(old, store_id, &slots_sha256)?),
        mac_new: crate::crypto::hex(&marker_tag(new, store_id, &slots_sha256)?),
        slots_sha256,
    };
    serde_json::to_vec(&marker).map_err(|e| Error::invalid(format!("cannot write the marker: {e}")))
}

/// Whether `tag_hex` is the marker's tag under `key` (compared in constant time).
fn tag_ok(key: &SecretKey, marker: &Marker, tag_hex: &str) -> bool {
    use hmac::Mac as _;
    let Some(tag) = unhex(tag_hex) else {
        return false;
    };
    marker_mac(key, &marker.store_id, &marker.slots_sha256)
        .is_ok_and(|mac| mac.verify_slice(&tag).is_ok())
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `p` is a regular file (a symbolic link is not, whatever it points to).
fn is_plain_file(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

/// Whether something (a file, a link, a folder) is at `p`.
fn is_there(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

/// Checks a commit marker against the credential. `Ok(())` when it is this store's own
/// marker for the rotation whose files are here; otherwise why not.
fn authenticate(dir: &Path, opener: &Opener<'_>) -> std::result::Result<(), String> {
    let marker_path = path(dir, MARKER);
    let new_slots_path = path(dir, NEW_SLOTS);
    let new_db = path(dir, NEW_DB);
    if !is_plain_file(&marker_path) || !is_plain_file(&new_slots_path) {
        return Err("the marker or the new key-slot file is missing or not a plain file".into());
    }
    if is_there(&new_db) && !is_plain_file(&new_db) {
        return Err("the new database is not a plain file".into());
    }
    let marker: Marker = {
        use std::io::Read as _;
        let mut text = Vec::new();
        std::fs::File::open(&marker_path)
            .and_then(|f| f.take(MARKER_MAX + 1).read_to_end(&mut text))
            .map_err(|e| format!("the marker cannot be read ({e})"))?;
        if text.len() as u64 > MARKER_MAX {
            return Err("the marker is too large".into());
        }
        serde_json::from_slice(&text)
            .map_err(|_| "the marker is not one this version wrote".to_owned())?
    };
    if marker.format != 1 {
        return Err("the marker is not one this version wrote".into());
    }
    let new_bytes = std::fs::read(&new_slots_path)
        .map_err(|e| format!("the new key slots cannot be read ({e})"))?;
    if sha256_hex(&new_bytes) != marker.slots_sha256 {
        return Err("the new key-slot file is not the one the marker names".into());
    }
    let new_slots = keyslots::KeySlotFile::from_bytes(&new_bytes, &new_slots_path)
        .map_err(|e| format!("the new key-slot file is not readable ({e})"))?;
    let old_slots = load_slots(dir).map_err(|e| e.to_string())?;
    let store_id = old_slots.store_id().to_string();
    if new_slots.store_id() != old_slots.store_id() || marker.store_id != store_id {
        return Err("the marker or the new key slots belong to another store".into());
    }
    let old_key = opener
        .unwrap(&old_slots)
        .ok_or("the credential given does not open the current key slots")?;
    let new_key = opener
        .unwrap(&new_slots)
        .ok_or("the credential given does not open the new key slots")?;
    if !tag_ok(&old_key, &marker, &marker.mac_old) || !tag_ok(&new_key, &marker, &marker.mac_new) {
        return Err("the marker was not made with this store's keys".into());
    }
    // The database that will be in place must open under the new key.
    let db = if is_there(&new_db) {
        new_db
    } else {
        path(dir, DB_FILE)
    };
    store::open_keyed(&db, &new_key, false)
        .map(drop)
        .map_err(|_| "the new database does not open under the new key".to_owned())
}

/// Finishes a committed rotation or removes the leftovers of an interrupted one, and the
/// scratch copies of a killed backup ([`crate::admin::backup::remove_stale_scratch`]).
/// Called before the store is opened, with the credential of the person opening it; does
/// nothing when there was nothing left over. A commit marker is acted on only when it is
/// authenticated (see the module documentation); otherwise nothing is changed and
/// [`Recovery::Refused`] says so.
pub(crate) fn recover(dir: &Path, opener: &Opener<'_>) -> Result<Recovery> {
    // Scratch copies of a backup or backup check that was killed part-way.
    crate::admin::backup::remove_stale_scratch(dir)?;
    let marker = path(dir, MARKER);
    if !is_there(&marker) {
        discard_uncommitted(dir)?;
        return Ok(Recovery::Done);
    }
    let pending = is_there(&path(dir, NEW_SLOTS)) || is_there(&path(dir, NEW_DB));
    let why = if !pending {
        // Both new files are in place: only the marker is left, and removing it changes
        // nothing else.
        if is_plain_file(&marker) {
            remove_if_present(&marker)?;
            atomic_file::sync_dir(dir)?;
            return Ok(Recovery::Done);
        }
        "the marker is not a plain file".to_owned()
    } else {
        match authenticate(dir, opener) {
            Ok(()) => {
                roll_forward(dir)?;
                return Ok(Recovery::Done);
            }
            Err(why) => why,
        }
    };
    Ok(Recovery::Refused(format!(
        "the store folder holds a key-rotation marker ({MARKER}) that this store cannot confirm as its own ({why}); nothing was changed and the store opened as it was. If no key rotation was interrupted here, someone else put these files in the store folder: remove {MARKER}, {NEW_SLOTS} and {NEW_DB} from {} and find out how they got there",
        dir.display()
    )))
}

/// Removes what an uncommitted rotation (no marker) left: the new database and slots, and
/// temporary files of atomic writes that never reached their rename.
fn discard_uncommitted(dir: &Path) -> Result<()> {
    let mut removed = false;
    for name in [
        NEW_DB.to_owned(),
        format!("{NEW_DB}-wal"),
        format!("{NEW_DB}-shm"),
        format!("{NEW_DB}-journal"),
        NEW_SLOTS.to_owned(),
    ] {
        let p = path(dir, &name);
        if is_there(&p) {
            remove_if_present(&p)?;
            removed = true;
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") {
                remove_if_present(&entry.path())?;
                removed = true;
            }
        }
    }
    if removed {
        atomic_file::sync_dir(dir)?;
    }
    Ok(())
}

/// Before a rotation, and when one fails before its switch: everything a rotation may have
/// left, marker included. The store is open under its current key and locked, so a marker
/// here was not committed by a rotation that is still to be finished (recovery ran when
/// it was opened); the old files are untouched until the switch.
fn discard_all(dir: &Path) -> Result<()> {
    let marker = path(dir, MARKER);
    if is_there(&marker) {
        remove_if_present(&marker)?;
    }
    discard_uncommitted(dir)
}

/// Step 5: the new files into place. Every step may be repeated after a crash.
fn roll_forward(dir: &Path) -> Result<()> {
    let new_db = path(dir, NEW_DB);
    if new_db.exists() {
        // The old WAL was checkpointed before the copy began and nothing wrote after it;
        // it must not be replayed onto the new file.
        remove_if_present(&path(dir, &format!("{DB_FILE}-wal")))?;
        remove_if_present(&path(dir, &format!("{DB_FILE}-shm")))?;
        std::fs::rename(&new_db, path(dir, DB_FILE)).map_err(Error::io(dir))?;
        atomic_file::sync_dir(dir)?;
    }
    if rename_if_present(&path(dir, NEW_SLOTS), &keyslots::path_in(dir))? {
        atomic_file::sync_dir(dir)?;
    }
    remove_if_present(&path(dir, MARKER))?;
    atomic_file::sync_dir(dir)
}

/// SQLCipher's default page size.
const PAGE_SIZE: u64 = 4096;

impl Store {
    /// Re-encrypts the store with a new random database key and seals the new key to every
    /// remaining key slot (administrators only). `progress` is called from a helper thread
    /// while pages are copied, then for each later phase. A disabled person's slot was
    /// removed when they were disabled, so after the rotation nothing they kept opens the
    /// store.
    pub fn rotate_key(
        &mut self,
        mut progress: impl FnMut(RotationProgress) + Send,
    ) -> Result<RotationReport> {
        self.require(Permission::RotateKey)?;
        // Opened to read beside the window or process that holds the store (which may be
        // rotating it): nothing here may touch the store folder.
        if self.conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(Error::StoreReadOnly);
        }
        let dir = self.dir().to_owned();
        let mut slots = load_slots(&dir)?;
        // Same refusal as `reseal_all` (old-format slots, public keys not bound to their
        // slots under the current key), before any work is done.
        slots.check_resealable(&self.db_key)?;
        crate::admin::backup::remove_stale_scratch(&dir)?;
        discard_all(&dir)?;

        // 1. Everything into the main file.
        crate::phase::mark("rotation:begin");
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            return Err(Error::invalid(
                "the store is in use by another program (another Atrama window or command); close it and rotate the key again",
            ));
        }
        let pages_total: u64 = self
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))?
            .try_into()
            .unwrap_or(0);
        let schema: i64 = crate::store::migrations::version(&self.conn)?;

        // 2. The copy under the new key.
        let new_key = SecretKey::random()?;
        let new_db = path(&dir, NEW_DB);
        let copied = self.export_to(&new_db, &new_key, pages_total, &mut progress);
        if let Err(e) = copied {
            let _ = self.conn.execute_batch("DETACH DATABASE rotated");
            let _ = discard_all(&dir);
            return Err(e);
        }
        progress(RotationProgress {
            phase: RotationPhase::Checking,
            pages_done: pages_total,
            pages_total,
        });
        let checked = (|| -> Result<()> {
            let conn = store::open_db(&new_db, &new_key, false)?;
            conn.pragma_update(None, "user_version", schema)?;
            let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if ok != "ok" {
                return Err(Error::invalid(format!(
                    "the re-encrypted copy failed its check ({ok}); nothing was changed"
                )));
            }
            audit::append(
                &conn,
                &self.ctx.user,
                Action::RotateKey,
                None,
                Some(&format!(
                    "database key rotated; {} key slot(s) resealed",
                    slots.len()
                )),
            )?;
            conn.close().map_err(|(_, e)| Error::from(e))?;
            std::fs::File::open(&new_db)
                .and_then(|f| f.sync_all())
                .map_err(Error::io(&new_db))?;
            // 3. The slots.
            progress(RotationProgress {
                phase: RotationPhase::Resealing,
                pages_done: pages_total,
                pages_total,
            });
            slots.reseal_all(&self.db_key, &new_key)?;
            let new_slots = slots.to_bytes()?;
            atomic_file::write(&path(&dir, NEW_SLOTS), &new_slots)?;
            // 4. The commit point: a marker only this store's keys can make.
            let marker = marker_bytes(
                &slots.store_id().to_string(),
                &new_slots,
                &self.db_key,
                &new_key,
            )?;
            atomic_file::write(&path(&dir, MARKER), &marker)?;
            crate::phase::mark("rotation:committed");
            Ok(())
        })();
        if let Err(e) = checked {
            let _ = discard_all(&dir);
            return Err(e);
        }

        // 5. Switch.
        progress(RotationProgress {
            phase: RotationPhase::Switching,
            pages_done: pages_total,
            pages_total,
        });
        let old = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        old.close().map_err(|(_, e)| Error::from(e))?;
        roll_forward(&dir)?;
        crate::phase::mark("rotation:switched");
        self.conn = store::open_db(&dir.join(DB_FILE), &new_key, false)?;
        self.db_key = new_key;
        progress(RotationProgress {
            phase: RotationPhase::Done,
            pages_done: pages_total,
            pages_total,
        });
        Ok(RotationReport {
            pages: pages_total,
            slots: slots.len() as u64,
        })
    }

    /// `sqlcipher_export` of the open database into `target` under `key`, reporting the
    /// pages written (the target's size) from a helper thread.
    fn export_to(
        &self,
        target: &Path,
        key: &SecretKey,
        pages_total: u64,
        progress: &mut (impl FnMut(RotationProgress) + Send),
    ) -> Result<()> {
        remove_if_present(target)?;
        // The store's connection may not create files: the empty file is made here (an
        // empty file is a new database to SQLite).
        std::fs::File::create(target).map_err(Error::io(target))?;
        store::restrict_to_owner(target)?;
        let mut raw = Zeroizing::new(String::with_capacity(70));
        raw.push_str("x'");
        raw.push_str(&key.dangerously_expose_hex());
        raw.push('\'');
        self.conn.execute(
            "ATTACH DATABASE ?1 AS rotated KEY ?2",
            rusqlite::params![target.to_string_lossy(), raw.as_str()],
        )?;
        drop(raw);
        // The copy is thrown away if anything fails, so it needs no journal; a small cache
        // makes its pages reach the file as they are written (the progress is its size).
        self.conn.execute_batch(
            "PRAGMA rotated.journal_mode = OFF; PRAGMA rotated.cache_size = -2048;",
        )?;
        let done = AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(Ordering::Acquire) {
                    let size = std::fs::metadata(target).map_or(0, |m| m.len());
                    progress(RotationProgress {
                        phase: RotationPhase::Copying,
                        pages_done: (size / PAGE_SIZE).min(pages_total),
                        pages_total,
                    });
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
            let r = self
                .conn
                .query_row("SELECT sqlcipher_export('rotated')", [], |_| Ok(()));
            done.store(true, Ordering::Release);
            r
        });
        result?;
        self.conn.execute_batch("DETACH DATABASE rotated")?;
        Ok(())
    }
}
