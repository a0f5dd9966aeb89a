//! Joining a computer to the centre: the administrator writes a join file on a computer
//! of the centre — a backup of the whole store (`docs/backup-format.md`: the database
//! still encrypted with its key, the key slots beside it) made right after every record's
//! fields were given their first versions — and the new computer restores it with the
//! recovery key, then becomes an installation of its own: a new installation id, new key
//! pairs, its own case-number series. Until it is added on a computer of the centre (its
//! enrolment file and fingerprint), nobody syncs with it.

use std::path::Path;

use chrono::Utc;
use rusqlite::params;
use uuid::Uuid;

use super::file::capture_all;
use super::registry::{self, ensure_self};
use crate::admin::Permission;
use crate::admin::backup::{self, BackupReport};
use crate::atomic_file;
use crate::crypto::RecoveryKey;
use crate::error::{Error, Result};
use crate::store::{self, DB_FILE, Store, keyslots, load_slots};

impl Store {
    /// Writes the join file for a new computer of the centre (administrators): a backup of
    /// the whole store, restored on the new computer with the recovery key
    /// ([`join`]). `name` names this computer in the centre's list if it has no name yet.
    pub fn peers_join_file(&mut self, out: &Path, name: &str) -> Result<BackupReport> {
        self.require(Permission::EnrolPeers)?;
        self.require(Permission::Backup)?;
        let name = crate::centre::normalise_centre_name(name)?;
        let slots = load_slots(self.dir())?;
        let mut clock = self.ctx.hlc;
        let tx = self.conn.unchecked_transaction()?;
        ensure_self(&tx, &self.ctx.install, &name, &self.ctx.user)?;
        // The centre's identity towards the coordination centre is made now if it was not,
        // so that every computer of the centre holds the same one.
        crate::sync::identity::identity(&tx)?;
        // The joined computer's case-number series, its own even when several join files
        // are made here before any of them is added.
        let series = registry::next_series(&tx)?;
        crate::store::meta::set_meta(&tx, "peer_join_series", &series)?;
        capture_all(&tx, &self.ctx.install, &mut clock, &slots)?;
        tx.commit()?;
        self.ctx.hlc = clock;
        let report = self.create_backup(out);
        // Only the join file carries it (the letter stays given here: `peer_series_given`).
        self.conn
            .execute("DELETE FROM store_meta WHERE key = 'peer_join_series'", [])?;
        report
    }
}

/// What a join made: this computer's fingerprint (read aloud to the administrator who adds
/// it) and its enrolment file (public keys only, carried to that administrator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// The fingerprint, short form.
    pub fingerprint: String,
    /// The enrolment file's text, as `atrama peers enrolment` writes it.
    pub enrolment: String,
}

/// Makes the store in `target` (a new or empty folder) from a join file, with the recovery
/// key: restored into a temporary sibling folder, made a computer of its own there (`name`),
/// then renamed into place — an interrupted join leaves nothing half made. Returns this
/// computer's fingerprint, to be read aloud to the administrator who adds it.
pub fn join(file: &Path, recovery: &RecoveryKey, target: &Path, name: &str) -> Result<String> {
    Ok(join_with_enrolment(file, recovery, target, name)?.fingerprint)
}

/// [`join`], also returning this computer's enrolment file: the app's first screen joins
/// with it and saves the enrolment file before anyone can unlock the new store.
pub fn join_with_enrolment(
    file: &Path,
    recovery: &RecoveryKey,
    target: &Path,
    name: &str,
) -> Result<Joined> {
    let name = crate::centre::normalise_centre_name(name)?;
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
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir_name = target
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} cannot be a store folder", target.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(dir_name);
    tmp_name.push(format!(".joining-{}", Uuid::now_v7().simple()));
    let tmp = parent.join(tmp_name);
    let built = (|| {
        backup::restore(file, recovery, &tmp)?;
        let slots = keyslots::KeySlotFile::load(&keyslots::path_in(&tmp))?;
        let key = slots.unwrap_recovery(recovery.dangerously_expose())?;
        let mut conn = store::open_keyed(&tmp.join(DB_FILE), &key, false)?;
        store::migrations::migrate(&mut conn)?;
        let joined = make_own(&conn, &name)?;
        drop(conn);
        if target.exists() {
            std::fs::remove_dir(target).map_err(Error::io(target))?;
        }
        std::fs::rename(&tmp, target).map_err(Error::io(target))?;
        atomic_file::sync_dir(parent)?;
        Ok(joined)
    })();
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    built
}

/// Turns a copy of the centre's store into a computer of its own, in one transaction.
fn make_own(conn: &rusqlite::Connection, name: &str) -> Result<Joined> {
    let tx = conn.unchecked_transaction()?;
    let from = registry::self_keys(&tx)?.ok_or_else(|| {
        Error::invalid("this file is a backup, not a join file; write a join file on a computer of the centre (atrama peers join-file)")
    })?;
    let install = Uuid::now_v7().to_string();
    let change_seq: i64 =
        tx.query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| {
            r.get(0)
        })?;
    let log_seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM access_log", [], |r| {
        r.get(0)
    })?;
    // B, C, … after the first computer's plain numbers: the letter the join file gave
    // (`registry::next_series`; docs/peers.md: case numbers), or for a join file written
    // before it did, the next one known to the copy.
    let series = match crate::store::meta::meta(&tx, "peer_join_series")? {
        Some(s) if s.len() == 1 && s.bytes().all(|b| b.is_ascii_uppercase()) => s,
        _ => registry::next_series(&tx)?,
    };
    tx.execute("DELETE FROM store_meta WHERE key = 'peer_join_series'", [])?;
    // What the copy holds: the first computer's logs up to here, and what it had applied
    // of the others' (`registry::Copied`), told to the others with this computer's
    // enrolment and the registry, so that they do not send the copy again.
    let mut stmt = tx.prepare(
        "SELECT install_id, recv_change_seq, recv_log_seq FROM peer_state
         WHERE install_id <> ?1 ORDER BY install_id",
    )?;
    let recv = stmt
        .query_map([&from.install_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<(String, i64, i64)>>>()?;
    drop(stmt);
    let copied = serde_json::to_string(&registry::Copied {
        from: from.install_id.clone(),
        change: change_seq,
        log: log_seq,
        recv,
        series: Some(series.clone()),
    })
    .map_err(|e| Error::invalid(format!("cannot record the join: {e}")))?;
    tx.execute("DELETE FROM peer_self", [])?;
    tx.execute(
        "INSERT INTO store_meta (key, value) VALUES ('install_id', ?1), ('case_number_series', ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![install, series],
    )?;
    // What this copy holds was sent by nobody here: it has all of the first computer's
    // changes (confirmed to it below) and sends only what is made here from now on.
    tx.execute(
        "UPDATE peer_state SET sent_sequence = 0, acked_change_seq = ?1, acked_log_seq = ?2,
                               last_sent_at = NULL",
        params![change_seq, log_seq],
    )?;
    tx.execute(
        "INSERT INTO peer_state (install_id, acked_change_seq, acked_log_seq, recv_change_seq, recv_log_seq)
         VALUES (?1, ?2, ?3, ?2, ?3)
         ON CONFLICT (install_id) DO UPDATE SET recv_change_seq = excluded.recv_change_seq,
                                                recv_log_seq = excluded.recv_log_seq",
        params![from.install_id, change_seq, log_seq],
    )?;
    tx.execute("DELETE FROM store_meta WHERE key LIKE 'peer_acks_sent:%' OR key LIKE 'peer_registry_sent:%'", [])?;
    // The counts of purges the first computer was carrying are its to carry: the copy holds
    // those purges applied already, and its change-log positions are not this computer's.
    tx.execute("DELETE FROM peer_purge_count", [])?;
    tx.execute(
        "INSERT INTO store_meta (key, value) VALUES ('peer_log_from', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [log_seq.to_string()],
    )?;
    let keys = ensure_self(&tx, &install, name, "join")?;
    let fingerprint = keys.fingerprint().short;
    let centre: String = tx.query_row("SELECT code FROM centre_profile WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    tx.execute(
        "UPDATE peer_install SET added_at = ?1, copied = ?3 WHERE install_id = ?2",
        params![Utc::now().to_rfc3339(), install, copied],
    )?;
    // After what the copy holds is recorded: the enrolment file carries it, signed.
    let enrolment = registry::enrolment_text(&tx, &keys, &centre)?;
    tx.commit()?;
    Ok(Joined {
        fingerprint,
        enrolment,
    })
}
