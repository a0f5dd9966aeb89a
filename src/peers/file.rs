//! Peer sync files: what one computer of a centre writes for each other current computer
//! (sealed to that computer's key, signed with its own, in the bundle format with the kind
//! `peer_sync`) into a folder they all reach, and applying such files.
//!
//! A file holds everything this computer changed or applied since the last change the
//! recipient confirmed (so a lost or deleted file loses nothing: the next one carries it
//! again), the versions of every merged field of those records, its people, its new access
//! log entries, the centre's registry of computers, and what it has applied from the
//! recipient (the confirmation), and the purges it knows with the counts each archived
//! until the recipient confirmed them. Files are named by sender, recipient and sequence and
//! written through a temporary name, so many computers can share one folder or stick.
//! Applying is one transaction per file; a file applied before is skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Utc;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::merge::{self, Cell, FieldVersion};
use super::registry::{self, PeerKeys, SelfKeys};
use super::tables;
use crate::admin::retention::CaseArchive;
use crate::atomic_file::{self, AtomicFile};
use crate::bundle::format::{self, BundleKind, Routing};
use crate::cases::model::NoteFields;
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::ids::CaseId;
use crate::store::keyslots;
use crate::store::meta::{meta, set_meta};
use crate::store::{Store, load_slots, search_index};
use crate::sync::refdata::{self, ReferenceData, ReferenceVersion};

/// The payload format of a peer sync file (4: with the counts purges archived,
/// `purge_counts`; 3: with reference data). Files of formats 2 and 3, which have neither or
/// no counts, are still read; a reader before format 4 refuses a format 4 file with the
/// message to update both computers.
const PAYLOAD_FORMAT: u32 = 4;
/// The payload formats this version reads.
const PAYLOAD_FORMATS_READ: [u32; 3] = [2, 3, PAYLOAD_FORMAT];
/// The end of a peer sync file's name.
pub const FILE_SUFFIX: &str = ".atrsync";

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncReport {
    /// Files from other computers applied now.
    pub applied: Vec<String>,
    /// Files for this computer seen again (already applied) and skipped.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
    /// Files that could not be applied, each with the reason (nothing of them was applied).
    pub refused: Vec<(String, String)>,
    /// Files written for the other computers.
    pub written: Vec<String>,
    /// Fields now waiting in "changed on two computers".
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reviews: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryRow {
    install_id: String,
    fingerprint: String,
    name: String,
    x25519: String,
    ed25519: String,
    added_at: String,
    added_by: String,
    removed_at: Option<String>,
    removed_by: Option<String>,
    /// What its copy held, when it was joined from one (`registry::Copied`, JSON).
    #[serde(default)]
    copied: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    tbl: String,
    cells: BTreeMap<String, Cell>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    format: u32,
    centre: String,
    sender: String,
    recipient: String,
    /// The sender's change log up to here is in this file (or confirmed before).
    change_seq_to: i64,
    /// The sender's access log up to here is in this file (or confirmed before).
    log_seq_to: i64,
    /// What the sender has applied of the recipient's change log and access log.
    ack_change_seq: i64,
    ack_log_seq: i64,
    /// What the sender holds as confirmed by the recipient (the recipient's last
    /// confirmation that arrived): when it is behind, that confirmation was lost and is
    /// sent again.
    confirmed_change_seq: i64,
    confirmed_log_seq: i64,
    registry: Vec<RegistryRow>,
    /// Whole rows of append-only records, and the fixed columns of merged ones.
    rows: Vec<Row>,
    fields: Vec<FieldVersion>,
    /// The corrections history of the clients in `rows` (`client_revision`), a union.
    revisions: Vec<BTreeMap<String, Cell>>,
    access_log: Vec<BTreeMap<String, Cell>>,
    /// Every record the sender removed for good (`peer_purged`: table, id).
    purged: Vec<(String, String)>,
    /// What the purges of `purged` archived, for the purges the recipient has not confirmed
    /// yet (`peer_purge_count`): the recipient archives these counts instead of its own copy
    /// of the case (format 4; absent before).
    #[serde(default)]
    purge_counts: Vec<CaseArchive>,
    /// Who sends the centre's bundles to the coordination centre, and what was sent.
    role: Role,
    /// The reference data in force on the sender (code lists, instrument packs, the
    /// referral directory): what it has, so that the recipient sends only what it lacks.
    #[serde(default)]
    reference_state: Vec<ReferenceVersion>,
    /// The reference data in force on the sender that the recipient had not reported in
    /// force, applied through the same checks as a return bundle's (`sync::refdata`).
    #[serde(default)]
    reference: Vec<ReferenceData>,
}

/// The role of sending the centre's bundles (`peer_role`): the holder with the version of
/// its last handover, and — when they changed since the last file to this recipient — the
/// bundles sent (`bundle_out`: numbers and chain) and the versions shared (`sync_version`),
/// so that the computer the role goes to numbers on without a gap.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Role {
    holder: Option<String>,
    hlc: i64,
    /// The holder epoch (one more at every handover or takeover), which the bundles to the
    /// coordination centre carry (`sync::payload::Exporter`).
    #[serde(default)]
    epoch: i64,
    bundles: Vec<BTreeMap<String, Cell>>,
    versions: Vec<(String, String, i64, i64)>,
    /// The key of the ids the coordination centre sees (`store_meta.pseudonym_key`), so
    /// that the same case keeps its id whichever computer exports it.
    pseudonym_key: Option<String>,
}

/// A mark of what this computer knows of the bundles sent (it changes with every bundle,
/// acknowledgement and shared version).
fn export_mark(conn: &Connection) -> Result<String> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) || ':' || coalesce(max(sequence), 0) || ':' || count(acked_at) FROM bundle_out)
             || '/' || (SELECT count(*) || ':' || coalesce(max(version), 0) FROM sync_version)
             || '/' || coalesce((SELECT holder || ':' || hlc || ':' || epoch FROM peer_role WHERE role = 'coordinator_export'), '')",
        [],
        |r| r.get(0),
    )?)
}

fn role_out(conn: &Connection, with_state: bool) -> Result<Role> {
    let (holder, hlc, epoch): (Option<String>, i64, i64) = conn
        .query_row(
            "SELECT holder, hlc, epoch FROM peer_role WHERE role = 'coordinator_export'",
            [],
            |r| Ok((Some(r.get(0)?), r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .unwrap_or((None, 0, 0));
    let mut role = Role {
        holder,
        hlc,
        epoch,
        ..Role::default()
    };
    if with_state {
        let mut stmt =
            conn.prepare("SELECT bundle_id FROM bundle_out ORDER BY recipient, sequence")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for id in ids {
            if let Some(row) = merge::read_row(conn, "bundle_out", "bundle_id", &id)? {
                role.bundles.push(row);
            }
        }
        let mut stmt = conn.prepare("SELECT record_id, scope, hlc, version FROM sync_version")?;
        role.versions = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        role.pseudonym_key = meta(conn, "pseudonym_key")?;
    }
    Ok(role)
}

/// Applies the role: the later handover (epoch, then HLC, then holder) wins; bundles sent are added
/// (their change-log positions are the sender's, so they count as none here: a computer
/// that takes the role sends its whole change log once), shared versions only grow.
fn apply_role(conn: &Connection, role: &Role, sender: &str) -> Result<()> {
    if let Some(key) = &role.pseudonym_key {
        // The holder's key is the centre's: it replaces one drawn here (only the holder
        // exports to the coordination centre).
        let here = meta(conn, "pseudonym_key")?;
        if here.is_none() || (role.holder.as_deref() == Some(sender) && here.as_ref() != Some(key))
        {
            set_meta(conn, "pseudonym_key", key)?;
        }
    }
    if let Some(holder) = &role.holder {
        if role.epoch < 0 {
            return Err(Error::BundleDamaged);
        }
        conn.execute(
            "INSERT INTO peer_role (role, holder, hlc, epoch) VALUES ('coordinator_export', ?1, ?2, ?3)
             ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, hlc = excluded.hlc,
               epoch = excluded.epoch
             WHERE (excluded.epoch, excluded.hlc, excluded.holder)
                 > (peer_role.epoch, peer_role.hlc, peer_role.holder)",
            params![holder, role.hlc, role.epoch],
        )?;
    }
    let cols = merge::columns(conn, "bundle_out")?;
    for row in &role.bundles {
        if row.keys().any(|c| !cols.contains(c)) || cols.iter().any(|c| !row.contains_key(c)) {
            return Err(Error::BundleDamaged);
        }
        let mut cells = row.clone();
        let id = match cells.get("bundle_id") {
            Some(Cell::Text(t)) => t.clone(),
            _ => return Err(Error::BundleDamaged),
        };
        let here: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM bundle_out WHERE bundle_id = ?1)",
            [&id],
            |r| r.get(0),
        )?;
        if here {
            if let Some(Cell::Text(acked)) = cells.get("acked_at") {
                conn.execute(
                    "UPDATE bundle_out SET acked_at = ?2 WHERE bundle_id = ?1 AND acked_at IS NULL",
                    params![id, acked],
                )?;
            }
            continue;
        }
        // Two computers that took the role over at once each sent a bundle under the same
        // number: each keeps its own record of it (the coordination centre kept one of the
        // two, `sync::import::check_exporter`), and the numbering goes on above both.
        let (Some(Cell::Text(recipient)), Some(Cell::Int(sequence))) =
            (cells.get("recipient"), cells.get("sequence"))
        else {
            return Err(Error::BundleDamaged);
        };
        let taken: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM bundle_out WHERE recipient = ?1 AND sequence = ?2)",
            params![recipient, sequence],
            |r| r.get(0),
        )?;
        if taken {
            continue;
        }
        cells.insert("change_seq_from".into(), Cell::Int(0));
        cells.insert("change_seq_to".into(), Cell::Int(0));
        insert_row(conn, "bundle_out", &cells, false).map_err(|_| Error::BundleDamaged)?;
    }
    // The holder's numbers come without the digest of what left with them (migration
    // 0026): a number taken over here has none, so the record leaves with a new number the
    // next time it is exported from here, whatever its content.
    for (record, scope, hlc, version) in &role.versions {
        conn.execute(
            "INSERT INTO sync_version (record_id, scope, hlc, version) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (record_id) DO UPDATE SET scope = excluded.scope, hlc = excluded.hlc,
               version = excluded.version, digest = NULL
             WHERE excluded.version > sync_version.version",
            params![record, scope, hlc, version],
        )?;
    }
    Ok(())
}

/// What this computer has removed for good (`peer_purged`).
fn purged_rows(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare("SELECT tbl, record_id FROM peer_purged ORDER BY tbl, record_id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The ids this computer has removed for good, by table.
#[derive(Default)]
struct Purged {
    cases: BTreeSet<String>,
    clients: BTreeSet<String>,
    documents: BTreeSet<String>,
}

impl Purged {
    fn load(conn: &Connection) -> Result<Purged> {
        let mut p = Purged::default();
        for (tbl, id) in purged_rows(conn)? {
            match tbl.as_str() {
                "case_file" => p.cases.insert(id),
                "client" => p.clients.insert(id),
                _ => p.documents.insert(id),
            };
        }
        Ok(p)
    }

    /// Whether a carried row is of a record removed here for good.
    fn holds_row(&self, tbl: &str, cells: &BTreeMap<String, Cell>) -> bool {
        let text = |c: &str| match cells.get(c) {
            Some(Cell::Text(t)) => Some(t.as_str()),
            _ => None,
        };
        match tbl {
            "client" => text("id").is_some_and(|i| self.clients.contains(i)),
            "case_file" => text("id").is_some_and(|i| self.cases.contains(i)),
            "document" if text("id").is_some_and(|i| self.documents.contains(i)) => true,
            _ => text("case_id").is_some_and(|c| self.cases.contains(c)),
        }
    }
}

/// The counts this computer's purges (and the purges it applied) archived that `peer` has
/// not confirmed yet: those whose change-log position is after what it confirmed.
fn purge_counts_for(conn: &Connection, acked_change: i64) -> Result<Vec<CaseArchive>> {
    let mut stmt = conn.prepare(
        "SELECT case_id, centre, consented, shared, counts FROM peer_purge_count
         WHERE seq > ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([acked_change], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(case_id, centre, consented, shared, counts)| {
            Ok(CaseArchive {
                case_id,
                centre,
                consented,
                shared,
                counts: serde_json::from_str(&counts).map_err(|_| Error::DatabaseDamaged)?,
            })
        })
        .collect()
}

/// Deletes the counts of purges every current computer of the centre has confirmed (the
/// change-log position each was kept at): per-case counts are not kept longer than it
/// takes to carry them (`docs/peers.md`). With no other current computer, all go.
pub(crate) fn forget_confirmed_purge_counts(conn: &Connection) -> Result<()> {
    let mut floor = i64::MAX;
    for peer in registry::active_peers(conn)? {
        let (_, acked_change, _, _, _) = state(conn, &peer.install_id)?;
        floor = floor.min(acked_change);
    }
    conn.execute("DELETE FROM peer_purge_count WHERE seq <= ?1", [floor])?;
    Ok(())
}

/// Checks the counts a file carries with its purges: each names a case the file purges,
/// once, with months and non-negative values (the sender is a current computer of the
/// centre, but a file is checked on its own). By case.
fn carried_counts<'a>(
    purged: &[(String, String)],
    counts: &'a [CaseArchive],
) -> Result<BTreeMap<&'a str, &'a CaseArchive>> {
    let cases: BTreeSet<&str> = purged
        .iter()
        .filter(|(t, _)| t == "case_file")
        .map(|(_, id)| id.as_str())
        .collect();
    let mut out = BTreeMap::new();
    for a in counts {
        let month_ok = |m: &str| {
            m.len() == 7
                && chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_ok()
        };
        if !cases.contains(a.case_id.as_str())
            || a.centre.is_empty()
            || a.counts.iter().any(|c| c.value < 0 || !month_ok(&c.month))
            || out.insert(a.case_id.as_str(), a).is_some()
        {
            return Err(Error::BundleDamaged);
        }
    }
    Ok(out)
}

/// Applies another computer's purges: records them, and removes here what they name (as a
/// purge does: the monthly counts archived — those the file carries for the case when it
/// carries them, else this computer's own copy's —, the coordinator's tombstone logged when
/// the case was shared). A purge known here already changes nothing. Whether anything was
/// removed.
fn apply_purged(
    conn: &Connection,
    purged: &[(String, String)],
    counts: &[CaseArchive],
    user: &str,
    clock: &mut Hlc,
) -> Result<bool> {
    use crate::admin::retention;
    let carried = carried_counts(purged, counts)?;
    let mut removed = false;
    for (tbl, id) in purged {
        let known: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM peer_purged WHERE tbl = ?1 AND record_id = ?2)",
            [tbl, id],
            |r| r.get(0),
        )?;
        if known {
            continue;
        }
        match tbl.as_str() {
            "case_file" => {
                let here: bool = conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM case_file WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )?;
                let counts = carried.get(id.as_str()).copied();
                if here || counts.is_some() {
                    let mut next_hlc = || {
                        *clock = clock.tick(Hlc::wall_clock_millis());
                        clock.to_sql()
                    };
                    retention::purge_own_case(conn, id, &mut next_hlc, counts)?;
                }
                if here {
                    crate::audit::append(
                        conn,
                        user,
                        crate::audit::Action::Purge,
                        CaseId::parse(id).ok(),
                        Some("purged under the retention policy on another computer of the centre"),
                    )?;
                    removed = true;
                }
            }
            "client" => {
                let gone = conn.execute(
                    "DELETE FROM client WHERE id = ?1
                     AND NOT EXISTS (SELECT 1 FROM case_file WHERE client_id = ?1)",
                    [id],
                )?;
                let still: bool = conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM client WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )?;
                if still {
                    // She has a case here the purging computer did not know of: she stays.
                    continue;
                }
                merge::forget_versions(conn, "tbl = 'client' AND record_id = ?1", [id])?;
                removed |= gone > 0;
            }
            "document" => {
                removed |= conn.execute("DELETE FROM document WHERE id = ?1", [id])? > 0;
            }
            _ => return Err(Error::BundleDamaged),
        }
        retention::record_purged(conn, tbl, id)?;
    }
    Ok(removed)
}

/// What a sync file for this computer carries (tests): the records of its rows (table, id)
/// and the number of its field versions, people's left out.
#[cfg(test)]
pub(crate) fn carried(store: &Store, path: &Path) -> Result<(Vec<(String, String)>, usize)> {
    let me = registry::self_keys(&store.conn)?.ok_or(Error::BundleDamaged)?;
    let mut input = std::fs::File::open(path).map_err(Error::io(path))?;
    let verified = format::verify(&mut input, |h| {
        registry::active_peer(&store.conn, &h.sender)?
            .map(|p| p.verifying)
            .ok_or(Error::BundleDamaged)
    })?;
    let mut reader = format::open_verified(&mut input, &verified, &me.opening)?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| format::payload_error(&e))?;
    reader.finish()?;
    let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| Error::BundleDamaged)?;
    let rows = payload
        .rows
        .into_iter()
        .filter(|r| r.tbl != "staff")
        .map(|r| {
            let key = merge::key_of(&r.tbl).unwrap_or("id");
            let id = match r.cells.get(key) {
                Some(Cell::Text(t)) => t.clone(),
                _ => String::new(),
            };
            (r.tbl, id)
        })
        .collect();
    let fields = payload.fields.iter().filter(|f| f.tbl != "staff").count();
    Ok((rows, fields))
}

const REVISION_COLUMNS: [&str; 6] = [
    "client_id",
    "hlc",
    "changed_at",
    "changed_by",
    "before",
    "after",
];

fn revisions_of(conn: &Connection, client: &str) -> Result<Vec<BTreeMap<String, Cell>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id, hlc, changed_at, changed_by, before, after FROM client_revision
         WHERE client_id = ?1 ORDER BY seq",
    )?;
    let mut q = stmt.query([client])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        let mut m = BTreeMap::new();
        for (i, n) in REVISION_COLUMNS.iter().enumerate() {
            m.insert((*n).to_owned(), Cell::from_value(r.get::<_, Value>(i)?));
        }
        out.push(m);
    }
    Ok(out)
}

fn apply_revision(conn: &Connection, row: &BTreeMap<String, Cell>) -> Result<()> {
    let values = REVISION_COLUMNS
        .iter()
        .map(|c| row.get(*c).ok_or(Error::BundleDamaged)?.to_value())
        .collect::<Result<Vec<Value>>>()?;
    conn.prepare_cached(
        "INSERT INTO client_revision (client_id, hlc, changed_at, changed_by, before, after)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (
           SELECT 1 FROM client_revision WHERE client_id = ?1 AND hlc = ?2 AND changed_by = ?4
             AND before = ?5 AND after = ?6)",
    )?
    .execute(rusqlite::params_from_iter(values))
    .map_err(|_| Error::BundleDamaged)?;
    Ok(())
}

/// The columns of an access-log entry in a sync file, in the order of `access_log`.
const ACCESS_LOG_COLUMNS: [&str; 8] = [
    "seq",
    "at",
    "username",
    "action",
    "case_id",
    "detail",
    "prev_hash",
    "hash",
];

/// Keeps another computer's access-log entry. The entry must have exactly the columns of
/// an access log: the names in a file are the sender's word, never SQL.
fn insert_foreign_log_entry(
    conn: &Connection,
    install: &str,
    entry: &BTreeMap<String, Cell>,
) -> Result<()> {
    if entry.len() != ACCESS_LOG_COLUMNS.len() {
        return Err(Error::BundleDamaged);
    }
    let mut values = vec![Value::Text(install.to_owned())];
    for c in ACCESS_LOG_COLUMNS {
        values.push(entry.get(c).ok_or(Error::BundleDamaged)?.to_value()?);
    }
    conn.prepare_cached(
        "INSERT OR IGNORE INTO peer_access_log
           (install_id, seq, at, username, action, case_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(rusqlite::params_from_iter(values))
    .map_err(|_| Error::BundleDamaged)?;
    Ok(())
}

/// Whether a table is carried row by row (`tables::TABLES`).
fn row_table(_conn: &Connection, tbl: &str) -> Result<bool> {
    Ok(tables::carried(tbl) == Some(tables::Carried::Rows))
}

/// Records changed in the change log after `seq`, as (table, id).
fn changed_since(conn: &Connection, seq: i64) -> Result<BTreeSet<(String, String)>> {
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT kind, record_id FROM change_log WHERE seq > ?1")?;
    let rows = stmt
        .query_map([seq], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<BTreeSet<_>>>()?;
    Ok(rows)
}

fn max_change_seq(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| {
            r.get(0)
        })?,
    )
}

fn max_log_seq(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) FROM access_log", [], |r| {
            r.get(0)
        })?,
    )
}

/// Records local changes as versions: the merged records changed since the last capture
/// and every person.
fn capture_local(
    conn: &Connection,
    install: &str,
    clock: &mut Hlc,
    slots: &keyslots::KeySlotFile,
) -> Result<()> {
    let from: i64 = meta(conn, "peer_capture_seq")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut records: BTreeSet<(String, String)> = changed_since(conn, from)?
        .into_iter()
        .filter(|(t, _)| merge::key_of(t).is_some())
        .collect();
    let mut stmt = conn.prepare_cached("SELECT username FROM staff")?;
    for u in stmt.query_map([], |r| r.get::<_, String>(0))? {
        records.insert(("staff".into(), u?));
    }
    let written = merge::capture(conn, install, clock, &records, slots)?;
    // A person's changes (a new passphrase, made with the store closed) are not in the
    // change log: they are logged now, so that a file is written for them and they travel.
    for ((tbl, user), hlc) in written {
        if tbl == "staff" {
            conn.execute(
                "INSERT INTO change_log (kind, record_id, hlc, op) VALUES ('staff', ?1, ?2, 'put')",
                params![user, hlc],
            )?;
        }
    }
    set_meta(conn, "peer_capture_seq", &max_change_seq(conn)?.to_string())?;
    Ok(())
}

/// Records every merged record's current values as versions (before a join copy is made).
pub(crate) fn capture_all(
    conn: &Connection,
    install: &str,
    clock: &mut Hlc,
    slots: &keyslots::KeySlotFile,
) -> Result<()> {
    let mut records = BTreeSet::new();
    for (tbl, key) in merge::MERGED {
        let mut stmt = conn.prepare(&format!("SELECT {key} FROM {tbl}"))?;
        for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
            records.insert(((*tbl).to_owned(), id?));
        }
    }
    merge::capture(conn, install, clock, &records, slots)?;
    set_meta(conn, "peer_capture_seq", &max_change_seq(conn)?.to_string())?;
    Ok(())
}

/// Re-indexes what search shows of records applied from another computer.
pub(crate) fn reindex(conn: &Connection, records: &[(String, String)]) -> Result<()> {
    let mut cases = BTreeSet::new();
    for (tbl, id) in records {
        match tbl.as_str() {
            "case_file" => {
                cases.insert(id.clone());
            }
            "client" => {
                let mut stmt =
                    conn.prepare_cached("SELECT id FROM case_file WHERE client_id = ?1")?;
                for c in stmt.query_map([id], |r| r.get::<_, String>(0))? {
                    cases.insert(c?);
                }
            }
            "note" => {
                type NoteRow = (String, String, Option<String>, String, Option<String>);
                let row: Option<NoteRow> = conn
                    .query_row(
                        "SELECT case_id, body, restricted_to, created_by, deleted_at FROM note WHERE id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?;
                let superseded: bool = conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM note WHERE supersedes = ?1)",
                    [id],
                    |r| r.get(0),
                )?;
                search_index::unindex(conn, id)?;
                if let Some((case, body, restricted_to, author, None)) = row
                    && !superseded
                {
                    let case = CaseId::parse(&case)?;
                    search_index::index_note(
                        conn,
                        id,
                        case,
                        &NoteFields {
                            body,
                            restricted_to,
                        },
                        &author,
                    )?;
                }
                let old: Option<String> = conn
                    .query_row("SELECT supersedes FROM note WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .flatten();
                if let Some(old) = old {
                    search_index::unindex(conn, &old)?;
                }
            }
            _ => {}
        }
    }
    for case in cases {
        let deleted: Option<Option<String>> = conn
            .query_row(
                "SELECT deleted_at FROM case_file WHERE id = ?1",
                [&case],
                |r| r.get(0),
            )
            .optional()?;
        match deleted {
            Some(None) => {
                let id = CaseId::parse(&case)?;
                search_index::index_case(conn, id)?;
            }
            _ => search_index::unindex(conn, &case)?,
        }
    }
    Ok(())
}

fn registry_rows(conn: &Connection) -> Result<Vec<RegistryRow>> {
    let mut stmt = conn.prepare(
        "SELECT install_id, fingerprint, name, x25519_public, ed25519_public, added_at, added_by, removed_at, removed_by, copied
         FROM peer_install ORDER BY install_id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(RegistryRow {
                install_id: r.get(0)?,
                fingerprint: r.get(1)?,
                name: r.get(2)?,
                x25519: B64.encode(r.get::<_, Vec<u8>>(3)?),
                ed25519: B64.encode(r.get::<_, Vec<u8>>(4)?),
                added_at: r.get(5)?,
                added_by: r.get(6)?,
                removed_at: r.get(7)?,
                removed_by: r.get(8)?,
                copied: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn apply_registry(conn: &Connection, rows: &[RegistryRow]) -> Result<()> {
    let me = registry::self_keys(conn)?.map(|k| k.install_id);
    for r in rows {
        let decode = |b: &str| -> Result<[u8; 32]> {
            B64.decode(b)
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
                .ok_or(Error::BundleDamaged)
        };
        let (x, e) = (decode(&r.x25519)?, decode(&r.ed25519)?);
        if crate::sync::identity::Fingerprint::of(&x, &e).hex != r.fingerprint {
            return Err(Error::BundleDamaged);
        }
        let name =
            crate::centre::normalise_centre_name(&r.name).map_err(|_| Error::BundleDamaged)?;
        if r.copied
            .as_deref()
            .is_some_and(|c| registry::Copied::parse(c).is_none())
        {
            return Err(Error::BundleDamaged);
        }
        conn.execute(
            "INSERT INTO peer_install (install_id, fingerprint, name, x25519_public, ed25519_public, added_at, added_by, removed_at, removed_by, copied)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (install_id) DO UPDATE SET
               removed_at = coalesce(peer_install.removed_at, excluded.removed_at),
               removed_by = coalesce(peer_install.removed_by, excluded.removed_by),
               copied = coalesce(peer_install.copied, excluded.copied)",
            params![r.install_id, r.fingerprint, name, x.as_slice(), e.as_slice(), r.added_at, r.added_by, r.removed_at, r.removed_by, r.copied],
        )?;
        // A computer learnt of now starts from what its copy holds.
        if me.as_deref() != Some(r.install_id.as_str()) {
            state(conn, &r.install_id)?;
        }
    }
    Ok(())
}

/// This computer's sync state with `install` (sent sequence, what it confirmed of this
/// computer's change log and access log, what this computer applied of its logs); made the
/// first time from what its copy holds (`registry::copy_start`).
pub(crate) fn state(conn: &Connection, install: &str) -> Result<(i64, i64, i64, i64, i64)> {
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM peer_state WHERE install_id = ?1)",
        [install],
        |r| r.get(0),
    )?;
    if !known {
        let (change, log) = registry::copy_start(conn, install)?;
        conn.execute(
            "INSERT INTO peer_state (install_id, acked_change_seq, acked_log_seq) VALUES (?1, ?2, ?3)",
            params![install, change, log],
        )?;
    }
    Ok(conn.query_row(
        "SELECT sent_sequence, acked_change_seq, acked_log_seq, recv_change_seq, recv_log_seq
         FROM peer_state WHERE install_id = ?1",
        [install],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?)
}

fn insert_row(
    conn: &Connection,
    tbl: &str,
    cells: &BTreeMap<String, Cell>,
    replace: bool,
) -> Result<()> {
    let names: Vec<String> = cells.keys().map(|c| format!("\"{c}\"")).collect();
    let values = cells
        .values()
        .map(Cell::to_value)
        .collect::<Result<Vec<Value>>>()?;
    let verb = if replace { "REPLACE" } else { "INSERT" };
    conn.execute(
        &format!(
            "{verb} INTO {tbl} ({}) VALUES ({})",
            names.join(", "),
            vec!["?"; names.len()].join(", ")
        ),
        rusqlite::params_from_iter(values),
    )?;
    Ok(())
}

/// Applies a row of an append-only record: new → inserted; present → the newer version
/// (HLC, then content) wins, so every order of files gives the same row. Whether it changed.
fn apply_row(conn: &Connection, tbl: &str, cells: &BTreeMap<String, Cell>) -> Result<bool> {
    let cols = merge::columns(conn, tbl)?;
    if cells.keys().any(|c| !cols.contains(c)) || cols.iter().any(|c| !cells.contains_key(c)) {
        return Err(Error::invalid(
            "a sync file holds records of another schema; nothing of it was applied — update the app on both computers to the same version",
        ));
    }
    let id = match cells.get("id") {
        Some(Cell::Text(t)) => t.clone(),
        _ => return Err(Error::BundleDamaged),
    };
    let local = merge::read_row(conn, tbl, "id", &id)?;
    let rank = |row: &BTreeMap<String, Cell>| -> (i64, String) {
        let h = match row.get("hlc") {
            Some(Cell::Int(h)) => *h,
            _ => 0,
        };
        (h, serde_json::to_string(row).unwrap_or_default())
    };
    match local {
        None => {
            insert_row(conn, tbl, cells, false)?;
            Ok(true)
        }
        Some(local) if rank(cells) > rank(&local) => {
            let sets: Vec<String> = cells
                .keys()
                .filter(|c| *c != "id")
                .map(|c| format!("\"{c}\" = ?"))
                .collect();
            let mut values = cells
                .iter()
                .filter(|(c, _)| *c != "id")
                .map(|(_, v)| v.to_value())
                .collect::<Result<Vec<Value>>>()?;
            values.push(Value::Text(id));
            conn.execute(
                &format!("UPDATE {tbl} SET {} WHERE id = ?", sets.join(", ")),
                rusqlite::params_from_iter(values),
            )?;
            Ok(true)
        }
        Some(_) => Ok(false),
    }
}

impl Store {
    /// Syncs with the centre's other computers through `folder`: applies every file there
    /// for this computer (each in its own transaction; one refused file does not stop the
    /// others), then writes one file for each other current computer.
    pub fn peers_sync(&mut self, folder: &Path) -> Result<SyncReport> {
        // Any person signed in may sync (the app syncs at every unlock): a sync file carries
        // only what every computer of the centre already may hold.
        let me = registry::self_keys(&self.conn)?.ok_or_else(|| {
            Error::invalid("this computer is not one of several computers of the centre yet; add it first (Administration → Computers)")
        })?;
        if !folder.is_dir() {
            return Err(Error::invalid(format!(
                "the sync folder {} does not exist; choose the shared folder or the stick's folder",
                folder.display()
            )));
        }
        let mut report = SyncReport::default();
        let my_fp = me.fingerprint().hex;
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(Error::io(folder))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("atrama-peer-")
                        && n.ends_with(FILE_SUFFIX)
                        && n.contains(&format!("-to-{}", &my_fp[..16]))
                })
            })
            .collect();
        files.sort();
        // A file from a computer this one does not know yet is refused; another file of
        // this sync may introduce that computer (a computer joined and added elsewhere), so
        // the refused files are tried again while a pass applies anything: the outcome does
        // not depend on the order the folder lists the files in. A refused file writes
        // nothing, so trying it again is safe.
        let mut pending = files;
        loop {
            let mut refused = Vec::new();
            let mut applied_any = false;
            for path in pending {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .to_owned();
                match self.apply_peer_file(&me, &path) {
                    Ok(true) => {
                        applied_any = true;
                        report.applied.push(name);
                    }
                    Ok(false) => report.skipped += 1,
                    Err(e) => refused.push((path, name, e.to_string())),
                }
            }
            if !applied_any || refused.is_empty() {
                report.refused = refused.into_iter().map(|(_, n, e)| (n, e)).collect();
                break;
            }
            pending = refused.into_iter().map(|(p, _, _)| p).collect();
        }
        self.reconcile_slots()?;
        for peer in registry::active_peers(&self.conn)? {
            if let Some(written) = self.write_peer_file(&me, &peer, folder)? {
                report.written.push(written);
            }
        }
        // A computer removed since: what only it had not confirmed goes.
        forget_confirmed_purge_counts(&self.conn)?;
        report.reviews = merge::reviews(&self.conn, None)?.len() as u64;
        Ok(report)
    }

    /// Writes the key-slot file from the people's current slots (after an apply; again at
    /// every sync, so a kill between the commit and the file is mended).
    fn reconcile_slots(&mut self) -> Result<()> {
        let path = keyslots::path_in(self.dir());
        let mut slots = load_slots(self.dir())?;
        let mut changed = false;
        for (user, slot) in merge::current_slots(&self.conn)? {
            if user == self.ctx.user {
                // The person signed in here keeps the slot she just unlocked with until
                // her next passphrase change travels; her newer slot arrives with it.
                if slot.is_none() {
                    continue;
                }
            }
            let now = slots.user_slot_json(&user)?;
            match slot {
                // A slot here that no version holds is a change made here (a new
                // passphrase) not yet recorded: it is kept, and travels with the next file.
                Some(_)
                    if now.as_deref().is_some_and(|n| {
                        !merge::slot_known(&self.conn, &user, n).unwrap_or(true)
                    }) => {}
                Some(json) if now.as_deref() != Some(json.as_str()) => {
                    changed |= slots.put_user_slot_json(&user, &json, &self.db_key)?;
                }
                None if now.is_some() => {
                    changed |= slots.remove_user(&user);
                }
                _ => {}
            }
        }
        if changed {
            slots.save(&path)?;
        }
        Ok(())
    }

    /// Applies one file (`Ok(false)`: applied before, skipped).
    fn apply_peer_file(&mut self, me: &SelfKeys, path: &Path) -> Result<bool> {
        let mut input = std::fs::File::open(path).map_err(Error::io(path))?;
        let my_fp = me.fingerprint().hex;
        let mut sender: Option<PeerKeys> = None;
        let verified = format::verify(&mut input, |h| {
            if h.kind != BundleKind::PeerSync {
                return Err(Error::invalid(
                    "this is not a sync file between the computers of this centre",
                ));
            }
            if h.recipient != my_fp {
                return Err(Error::invalid(
                    "this sync file was written for another computer",
                ));
            }
            let peer = registry::active_peer(&self.conn, &h.sender)?.ok_or_else(|| {
                Error::invalid("this sync file comes from a computer that is not (or no longer) one of this centre's computers; nothing of it was applied")
            })?;
            let key = peer.verifying;
            sender = Some(peer);
            Ok(key)
        })?;
        let sender = sender.ok_or(Error::BundleDamaged)?;
        let file_id = verified.header.bundle_id.to_string();
        let seen: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM peer_file_in WHERE file_id = ?1)",
            [&file_id],
            |r| r.get(0),
        )?;
        if seen {
            return Ok(false);
        }
        let mut reader = format::open_verified(&mut input, &verified, &me.opening)?;
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| format::payload_error(&e))?;
        reader.finish()?;
        let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| Error::BundleDamaged)?;
        if !PAYLOAD_FORMATS_READ.contains(&payload.format) {
            return Err(Error::invalid(
                "this sync file was written by another version of Atrama; update the app on both computers",
            ));
        }
        if payload.centre != self.ctx.centre
            || payload.sender != sender.install_id
            || payload.recipient != me.install_id
        {
            return Err(Error::BundleDamaged);
        }
        let slots = load_slots(self.dir())?;
        let mut clock = self.ctx.hlc;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        crate::phase::mark("peers:apply:begin");
        capture_local(&tx, &me.install_id, &mut clock, &slots)?;
        let before = max_change_seq(&tx)?;
        apply_registry(&tx, &payload.registry)?;
        apply_role(&tx, &payload.role, &sender.install_id)?;
        // Reference data before the records that may use it (a code, a pack, an agency).
        let reference_peer = format!("computer:{}", sender.install_id);
        refdata::record_peer_state(
            &tx,
            &reference_peer,
            &payload.reference_state,
            // The file's own time, so that applying the same file gives the same store.
            &verified.header.created_at,
        )?;
        let mut new_codes = false;
        for item in &payload.reference {
            let outcome = refdata::apply(
                &tx,
                self.ctx.codes,
                item,
                &refdata::Origin {
                    source: &format!("computer {}", &sender.install_id),
                    bundle_id: None,
                    user: &self.ctx.user,
                    within_centre: true,
                },
            )?;
            new_codes |= item.kind == "code_lists" && outcome.outcome == "applied";
        }
        let removed = apply_purged(
            &tx,
            &payload.purged,
            &payload.purge_counts,
            &self.ctx.user,
            &mut clock,
        )?;
        let purged = Purged::load(&tx)?;
        // The records of a purged case carried by a file written before the purge reached
        // its writer are not applied: a late file brings nothing back.
        let dead: BTreeSet<(String, String)> = payload
            .fields
            .iter()
            .filter(|v| {
                (v.field == "case_id"
                    && matches!(&v.value, Cell::Text(c) if purged.cases.contains(c)))
                    || (v.tbl == "client" && purged.clients.contains(&v.record_id))
                    || (v.tbl == "case_file" && purged.cases.contains(&v.record_id))
            })
            .map(|v| (v.tbl.clone(), v.record_id.clone()))
            .collect();
        // Rows first (append-only records, and the fixed columns of merged records).
        let mut fixed: BTreeMap<(String, String), BTreeMap<String, Cell>> = BTreeMap::new();
        let mut changed: Vec<(String, String, i64)> = Vec::new();
        for row in &payload.rows {
            if purged.holds_row(&row.tbl, &row.cells) {
                continue;
            }
            if let Some(key) = merge::key_of(&row.tbl) {
                let id = match row.cells.get(key) {
                    Some(Cell::Text(t)) => t.clone(),
                    _ => return Err(Error::BundleDamaged),
                };
                if dead.contains(&(row.tbl.clone(), id.clone())) {
                    continue;
                }
                fixed.insert((row.tbl.clone(), id), row.cells.clone());
                continue;
            }
            if !row_table(&tx, &row.tbl)? {
                return Err(Error::invalid(
                    "a sync file holds a kind of record this app does not sync; nothing of it was applied — update the app on both computers",
                ));
            }
            if apply_row(&tx, &row.tbl, &row.cells)? {
                let id = match row.cells.get("id") {
                    Some(Cell::Text(t)) => t.clone(),
                    _ => return Err(Error::BundleDamaged),
                };
                let h = match row.cells.get("hlc") {
                    Some(Cell::Int(h)) => *h,
                    _ => 0,
                };
                changed.push((row.tbl.clone(), id, h));
            }
        }
        let live: Vec<merge::FieldVersion> = payload
            .fields
            .iter()
            .filter(|v| !dead.contains(&(v.tbl.clone(), v.record_id.clone())))
            .cloned()
            .collect();
        let versioned = merge::insert_versions(&tx, &live)?;
        let mut touched = versioned.clone();
        touched.extend(fixed.keys().cloned());
        // Parents before children: clients, cases, then the rest.
        let order = |t: &str| {
            merge::MERGED
                .iter()
                .position(|(m, _)| *m == t)
                .unwrap_or(99)
        };
        let mut touched: Vec<(String, String)> = touched.into_iter().collect();
        touched.sort_by_key(|(t, id)| (order(t), id.clone()));
        for (tbl, id) in &touched {
            let wrote = merge::write_record(&tx, tbl, id, fixed.get(&(tbl.clone(), id.clone())))?;
            if tbl == "staff" && versioned.contains(&(tbl.clone(), id.clone())) {
                // A person's new versions (a passphrase change is no column) are logged, so
                // they are relayed to computers that sync only with this one.
                let h: i64 = tx.query_row(
                    "SELECT coalesce(max(hlc), 0) FROM peer_version WHERE tbl = 'staff' AND record_id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                changed.push((tbl.clone(), id.clone(), h));
            } else if wrote && tbl != "staff" {
                let h: i64 =
                    tx.query_row(&format!("SELECT hlc FROM {tbl} WHERE id = ?1"), [id], |r| {
                        r.get(0)
                    })?;
                changed.push((tbl.clone(), id.clone(), h));
            }
        }
        for (tbl, id, h) in &changed {
            tx.execute(
                "INSERT INTO change_log (kind, record_id, hlc, op) VALUES (?1, ?2, ?3, 'put')",
                params![tbl, id, h],
            )?;
            clock = clock.observe(Hlc::from_sql(*h), Hlc::wall_clock_millis());
        }
        for v in &payload.fields {
            clock = clock.observe(Hlc::from_sql(v.hlc), Hlc::wall_clock_millis());
        }
        for row in &payload.revisions {
            if matches!(row.get("client_id"), Some(Cell::Text(c)) if purged.clients.contains(c)) {
                continue;
            }
            apply_revision(&tx, row)?;
        }
        let records: Vec<(String, String)> = changed
            .iter()
            .map(|(t, i, _)| (t.clone(), i.clone()))
            .collect();
        reindex(&tx, &records)?;
        for entry in &payload.access_log {
            insert_foreign_log_entry(&tx, &sender.install_id, entry)?;
        }
        state(&tx, &sender.install_id)?;
        tx.execute(
            "UPDATE peer_state SET
               recv_change_seq = max(recv_change_seq, ?2), recv_log_seq = max(recv_log_seq, ?3),
               acked_change_seq = max(acked_change_seq, ?4), acked_log_seq = max(acked_log_seq, ?5),
               last_received_at = ?6
             WHERE install_id = ?1",
            params![
                sender.install_id,
                payload.change_seq_to,
                payload.log_seq_to,
                payload.ack_change_seq,
                payload.ack_log_seq,
                Utc::now().to_rfc3339()
            ],
        )?;
        // The sender has not got this computer's last confirmation (a lost or deleted
        // file): it is sent again with the next file, or the sender would resend for ever.
        let (_, _, _, recv_change, recv_log) = state(&tx, &sender.install_id)?;
        if payload.confirmed_change_seq < recv_change || payload.confirmed_log_seq < recv_log {
            tx.execute(
                "DELETE FROM store_meta WHERE key = ?1",
                [format!("peer_acks_sent:{}", sender.install_id)],
            )?;
        }
        // What this file added to the change log came from the sender: when the sender had
        // confirmed everything before it, it need not get those records back.
        tx.execute(
            "UPDATE peer_state SET acked_change_seq = ?2 WHERE install_id = ?1 AND acked_change_seq >= ?3",
            params![sender.install_id, max_change_seq(&tx)?, before],
        )?;
        tx.execute(
            "INSERT INTO peer_file_in (file_id, sender, sequence, file_hash, applied_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![file_id, sender.install_id, i64::try_from(verified.header.sequence).unwrap_or(i64::MAX), verified.file_hash(), Utc::now().to_rfc3339()],
        )?;
        set_meta(&tx, "peer_capture_seq", &max_change_seq(&tx)?.to_string())?;
        // The sender's confirmation may complete what every computer confirmed.
        forget_confirmed_purge_counts(&tx)?;
        crate::phase::mark("peers:apply:commit");
        tx.commit()?;
        crate::phase::mark("peers:apply:committed");
        self.ctx.hlc = clock;
        if new_codes {
            self.ctx.codes = crate::store::context::codes_in_force(&self.conn)?;
        }
        if removed {
            // As after a purge here: deleted words leave the index, freed pages the file.
            crate::admin::retention::compact(&self.conn)?;
        }
        Ok(true)
    }

    /// Writes the file for one other computer, when there is something to send or to
    /// confirm; its name.
    fn write_peer_file(
        &mut self,
        me: &SelfKeys,
        peer: &PeerKeys,
        folder: &Path,
    ) -> Result<Option<String>> {
        let slots = load_slots(self.dir())?;
        let mut clock = self.ctx.hlc;
        let tx = self.conn.unchecked_transaction()?;
        capture_local(&tx, &me.install_id, &mut clock, &slots)?;
        let (sent, acked_change, acked_log, recv_change, recv_log) = state(&tx, &peer.install_id)?;
        let change_to = max_change_seq(&tx)?;
        let log_to = max_log_seq(&tx)?;
        let acks_key = format!("peer_acks_sent:{}", peer.install_id);
        let acks = format!("{recv_change},{recv_log}");
        let registry = registry_rows(&tx)?;
        let registry_hash = crate::crypto::hex(&<sha2::Sha256 as sha2::Digest>::digest(
            serde_json::to_vec(&registry).unwrap_or_default(),
        ));
        let reg_key = format!("peer_registry_sent:{}", peer.install_id);
        let export_key = format!("peer_export_sent:{}", peer.install_id);
        let export = export_mark(&tx)?;
        let export_changed = meta(&tx, &export_key)?.as_deref() != Some(export.as_str());
        let nothing = change_to <= acked_change
            && log_to <= acked_log
            && !export_changed
            && meta(&tx, &acks_key)?.as_deref() == Some(acks.as_str())
            && meta(&tx, &reg_key)?.as_deref() == Some(registry_hash.as_str());
        if nothing && sent > 0 {
            tx.commit()?;
            self.ctx.hlc = clock;
            return Ok(None);
        }
        let mut rows = Vec::new();
        let mut fields = Vec::new();
        let mut revisions = Vec::new();
        let mut records = changed_since(&tx, acked_change)?;
        let mut stmt = tx.prepare("SELECT username FROM staff")?;
        for u in stmt.query_map([], |r| r.get::<_, String>(0))? {
            records.insert(("staff".into(), u?));
        }
        drop(stmt);
        for (tbl, id) in &records {
            if let Some(key) = merge::key_of(tbl) {
                let Some(row) = merge::read_row(&tx, tbl, key, id)? else {
                    continue;
                };
                let fixed_cols = merge::fixed_of(tbl);
                let cells: BTreeMap<String, Cell> = row
                    .into_iter()
                    .filter(|(c, _)| fixed_cols.contains(&c.as_str()))
                    .collect();
                rows.push(Row {
                    tbl: tbl.clone(),
                    cells,
                });
                fields.extend(merge::record_versions(&tx, tbl, id)?);
                if tbl == "client" {
                    revisions.extend(revisions_of(&tx, id)?);
                }
            } else if row_table(&tx, tbl)?
                && let Some(cells) = merge::read_row(&tx, tbl, "id", id)?
            {
                rows.push(Row {
                    tbl: tbl.clone(),
                    cells,
                });
            }
        }
        let mut access_log = Vec::new();
        let mut stmt = tx.prepare(
            "SELECT seq, at, username, action, case_id, detail, prev_hash, hash FROM access_log WHERE seq > ?1 ORDER BY seq",
        )?;
        let mut q = stmt.query([acked_log])?;
        while let Some(r) = q.next()? {
            let mut m = BTreeMap::new();
            for (i, n) in ACCESS_LOG_COLUMNS.iter().enumerate() {
                m.insert((*n).to_owned(), Cell::from_value(r.get::<_, Value>(i)?));
            }
            access_log.push(m);
        }
        drop(q);
        drop(stmt);
        let payload = Payload {
            format: PAYLOAD_FORMAT,
            centre: self.ctx.centre.clone(),
            sender: me.install_id.clone(),
            recipient: peer.install_id.clone(),
            change_seq_to: change_to,
            log_seq_to: log_to,
            ack_change_seq: recv_change,
            ack_log_seq: recv_log,
            confirmed_change_seq: acked_change,
            confirmed_log_seq: acked_log,
            registry,
            rows,
            fields,
            revisions,
            access_log,
            purged: purged_rows(&tx)?,
            purge_counts: purge_counts_for(&tx, acked_change)?,
            role: role_out(&tx, export_changed)?,
            reference_state: refdata::state(&tx, self.ctx.codes)?,
            reference: refdata::outgoing_within_centre(
                &tx,
                &format!("computer:{}", peer.install_id),
                self.ctx.codes,
            )?,
        };
        let sequence = u64::try_from(sent + 1).unwrap_or(1);
        let name = format!(
            "atrama-peer-{}-to-{}-{sequence:010}{FILE_SUFFIX}",
            &me.fingerprint().hex[..16],
            &peer.fingerprint[..16]
        );
        let out = folder.join(&name);
        let routing = Routing {
            bundle_id: uuid::Uuid::now_v7(),
            kind: BundleKind::PeerSync,
            sender: me.fingerprint().hex,
            recipient: peer.fingerprint.clone(),
            sequence,
            period: None,
            created_at: Utc::now().to_rfc3339(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: crate::store::migrations::LATEST,
            codes_version: self.ctx.codes.version().to_owned(),
            prev_hash: None,
        };
        let file = AtomicFile::create(&out)?;
        let buffered = std::io::BufWriter::with_capacity(256 * 1024, file);
        let mut w = format::seal(
            buffered,
            routing,
            &peer.recipient,
            &me.signing,
            &mut rand_core_09::UnwrapErr(rand_core_09::OsRng),
        )?;
        serde_json::to_writer(&mut w, &payload)
            .map_err(|e| Error::invalid(format!("cannot write the sync file: {e}")))?;
        w.flush().map_err(Error::io(&out))?;
        let (buffered, _sealed) = w.finish()?;
        let file = buffered
            .into_inner()
            .map_err(|e| Error::invalid(format!("cannot write the sync file: {}", e.error())))?;
        tx.execute(
            "UPDATE peer_state SET sent_sequence = ?2, last_sent_at = ?3 WHERE install_id = ?1",
            params![peer.install_id, sent + 1, Utc::now().to_rfc3339()],
        )?;
        set_meta(&tx, &acks_key, &acks)?;
        set_meta(&tx, &reg_key, &registry_hash)?;
        set_meta(&tx, &export_key, &export)?;
        file.commit()?;
        atomic_file::sync_dir(folder)?;
        tx.commit()?;
        self.ctx.hlc = clock;
        Ok(Some(name))
    }
}
