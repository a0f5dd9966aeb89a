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
//! `crate::store::recovery::recover` runs at every unlock, passphrase change and reset: with the marker present it
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
//! it is, with everything else, and the person is told (`crate::store::recovery::Recovery::Refused`); the store
//! opens as it was.

use std::path::Path;
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
use crate::store::recovery::{
    MARKER, NEW_DB, NEW_SLOTS, discard_all, marker_bytes, path, remove_if_present,
    remove_stale_scratch, roll_forward,
};
use crate::store::{self, DB_FILE, Store, load_slots};

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
        remove_stale_scratch(&dir)?;
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
        self.refresh_list_names()?;
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
