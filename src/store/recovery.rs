//! Crash recovery at open: what a key rotation or a backup that was interrupted left in
//! the store folder is finished or removed before the store is opened
//! ([`recover`], called by every unlock, passphrase change and reset). The rotation itself
//! (`crate::admin::rotation`) writes the files this module reads.
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

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::atomic_file;
use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use crate::store::{self, DB_FILE, keyslots, load_slots};

/// The re-encrypted database while it is written.
pub const NEW_DB: &str = "atrama.db.rotating";
/// The resealed key slots while they are written.
pub const NEW_SLOTS: &str = "keyslots.json.rotating";
/// The commit marker: once it exists, the rotation is finished on the next open.
pub const MARKER: &str = "rotation.commit";

/// The lock file in a store folder that tells the scratch files of a running backup or
/// check from the leftovers of one that was killed: every [`Scratch`] in the store folder
/// holds a shared lock on it for its lifetime, and [`remove_stale_scratch`] removes scratch
/// files only while it holds the exclusive lock (no backup or check running).
pub const SCRATCH_LOCK: &str = "scratch.lock";

/// The ending of every scratch file's name (before SQLite's own `-journal`, `-wal`, `-shm`).
pub(crate) const SCRATCH_SUFFIX: &str = ".scratch-db";

pub(crate) fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

pub(crate) fn remove_if_present(p: &Path) -> Result<()> {
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
pub(crate) fn marker_bytes(
    store_id: &str,
    slots: &[u8],
    old: &SecretKey,
    new: &SecretKey,
) -> Result<Vec<u8>> {
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
/// scratch copies of a killed backup ([`remove_stale_scratch`]).
/// Called before the store is opened, with the credential of the person opening it; does
/// nothing when there was nothing left over. A commit marker is acted on only when it is
/// authenticated (see the module documentation); otherwise nothing is changed and
/// [`Recovery::Refused`] says so.
pub(crate) fn recover(dir: &Path, opener: &Opener<'_>) -> Result<Recovery> {
    // Scratch copies of a backup or backup check that was killed part-way.
    remove_stale_scratch(dir)?;
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
pub(crate) fn discard_all(dir: &Path) -> Result<()> {
    let marker = path(dir, MARKER);
    if is_there(&marker) {
        remove_if_present(&marker)?;
    }
    discard_uncommitted(dir)
}

/// Step 5: the new files into place. Every step may be repeated after a crash.
pub(crate) fn roll_forward(dir: &Path) -> Result<()> {
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

pub(crate) fn open_scratch_lock(dir: &Path) -> Result<std::fs::File> {
    let path = dir.join(SCRATCH_LOCK);
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(Error::io(&path))
}

/// Removes the scratch copies of the database that a backup or a backup check killed
/// part-way left in the store folder (encrypted, but a purge would not reach them), unless a
/// backup or check is running right now. Called before every unlock; whether any were
/// removed.
pub fn remove_stale_scratch(dir: &Path) -> Result<bool> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(false);
    };
    let stale: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with('.') && name.contains(SCRATCH_SUFFIX)
        })
        .map(|e| e.path())
        .collect();
    if stale.is_empty() {
        return Ok(false);
    }
    let lock = open_scratch_lock(dir)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(false),
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(dir.join(SCRATCH_LOCK))(e)),
    }
    for path in &stale {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path)(e)),
        }
    }
    drop(lock);
    crate::atomic_file::sync_dir(dir)?;
    Ok(true)
}
