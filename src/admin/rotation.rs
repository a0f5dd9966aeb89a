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
//! [`recover`] runs before every unlock: with the marker present it finishes step 5 (each
//! rename is idempotent); without it, it removes the leftovers of steps 2–3, so a crash
//! before the commit leaves the old, working store.

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

/// Finishes a committed rotation or removes the leftovers of an interrupted one, and the
/// scratch copies of a killed backup ([`crate::admin::backup::remove_stale_scratch`]).
/// Called before the store is opened; does nothing when there was nothing left over.
pub fn recover(dir: &Path) -> Result<()> {
    // Scratch copies of a backup or backup check that was killed part-way.
    crate::admin::backup::remove_stale_scratch(dir)?;
    if path(dir, MARKER).is_file() {
        roll_forward(dir)
    } else {
        let mut removed = false;
        for name in [
            NEW_DB.to_owned(),
            format!("{NEW_DB}-wal"),
            format!("{NEW_DB}-shm"),
            format!("{NEW_DB}-journal"),
            NEW_SLOTS.to_owned(),
        ] {
            let p = path(dir, &name);
            if p.exists() {
                remove_if_present(&p)?;
                removed = true;
            }
        }
        // Temporary files of atomic writes that never reached their rename.
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
        let dir = self.dir().to_owned();
        let mut slots = load_slots(&dir)?;
        // Same refusal as `reseal_all` (old-format slots, public keys not bound to their
        // slots under the current key), before any work is done.
        slots.check_resealable(&self.db_key)?;
        recover(&dir)?;

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
            let _ = recover(&dir);
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
            slots.save(&path(&dir, NEW_SLOTS))?;
            // 4. The commit point.
            atomic_file::write(&path(&dir, MARKER), b"atrama key rotation\n")?;
            crate::phase::mark("rotation:committed");
            Ok(())
        })();
        if let Err(e) = checked {
            let _ = recover(&dir);
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
