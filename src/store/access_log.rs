//! The access log's chain, written in the store's transactions (the reading API with its
//! permission check is `crate::audit`). The access log: who looked at or did what, when — every view of a case and of a real
//! name, every change, export, print and purge — append-only and hash-chained inside the
//! encrypted store, so that a removed or edited entry is detected.
//!
//! Entry hash = SHA-256 over the previous entry's hash and the entry's fields, each
//! length-prefixed (`u32` big-endian byte length, then UTF-8), in this frozen order:
//! `seq, at, username, action, case_id ("" if none), detail ("" if none)`. The first
//! entry's previous hash is 64 zeros.
//!
//! The newest entry's number and hash are also kept in `store_meta` (`access_log_head`),
//! written in the same transaction as the entry, so that removing the newest entries is
//! detected too. The chain detects removed and edited entries; it does not stop someone who
//! holds the database key from rewriting the whole chain (that needs a key they lack; the
//! backups keep older copies of the chain to compare with).

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::hex;
use crate::error::{Error, Result};
use crate::ids::CaseId;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Opened a case.
    ViewCase,
    /// Revealed a client's names, phone and address.
    ViewIdentity,
    /// Opened a document.
    ViewDocument,
    /// Changed a case or something in it.
    Change,
    /// Exported data (bundle, report).
    Export,
    /// Printed.
    Print,
    /// Purged data under the retention policy.
    Purge,
    /// Enrolled a centre or coordination centre (pinned its keys).
    Enrol,
    /// Imported a bundle.
    Import,
    /// Added a person (or gave an existing staff row an account).
    StaffAdd,
    /// Disabled a person's account (their key slot removed).
    StaffDisable,
    /// Re-enabled a person's account with a new passphrase.
    StaffEnable,
    /// Re-encrypted the store with a new database key.
    RotateKey,
    /// Wrote a backup.
    Backup,
    /// Checked a backup.
    BackupVerify,
    /// Changed the retention policy or the backup reminder.
    Settings,
    /// Opened the risk assessments of a case.
    ViewRisk,
    /// Opened the safety plan of a case.
    ViewSafetyPlan,
    /// Loaded a risk-assessment instrument pack.
    ImportInstrument,
    /// Searched: one entry per case the search showed, or one without a case when it found
    /// nothing. The words searched for are not kept (see [`log_search`]).
    Search,
    /// Set a person's passphrase with the recovery key (a forgotten passphrase).
    PassphraseReset,
    /// Read the decrypted content of a bundle without applying it.
    ViewBundle,
}

impl Action {
    /// The stored name.
    pub fn code(self) -> &'static str {
        match self {
            Action::ViewCase => "view_case",
            Action::ViewIdentity => "view_identity",
            Action::ViewDocument => "view_document",
            Action::Change => "change",
            Action::Export => "export",
            Action::Print => "print",
            Action::Purge => "purge",
            Action::Enrol => "enrol",
            Action::Import => "import",
            Action::StaffAdd => "staff_add",
            Action::StaffDisable => "staff_disable",
            Action::StaffEnable => "staff_enable",
            Action::RotateKey => "rotate_key",
            Action::Backup => "backup",
            Action::BackupVerify => "backup_verify",
            Action::Settings => "settings",
            Action::ViewRisk => "view_risk",
            Action::ViewSafetyPlan => "view_safety_plan",
            Action::ImportInstrument => "import_instrument",
            Action::Search => "search",
            Action::PassphraseReset => "passphrase_reset",
            Action::ViewBundle => "view_bundle",
        }
    }
}

/// One entry of the access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccessEntry {
    /// Position in the log.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub username: String,
    /// What (an [`Action`] code).
    pub action: String,
    /// Which case, if any.
    pub case_id: Option<String>,
    /// More about it (e.g. which document).
    pub detail: Option<String>,
    /// The case's number when the log is listed and the case is still in the store (not
    /// part of the hashed entry: case numbers are looked up when listing).
    #[serde(default)]
    pub case_number: Option<String>,
}

fn entry_hash(prev: &str, e: &AccessEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    let seq = e.seq.to_string();
    for field in [
        seq.as_str(),
        &e.at,
        &e.username,
        &e.action,
        e.case_id.as_deref().unwrap_or(""),
        e.detail.as_deref().unwrap_or(""),
    ] {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        h.update(len.to_be_bytes());
        h.update(field.as_bytes());
    }
    hex(&h.finalize())
}

/// Appends an entry (in the caller's transaction, if any).
pub(crate) fn append(
    conn: &Connection,
    user: &str,
    action: Action,
    case: Option<CaseId>,
    detail: Option<&str>,
) -> Result<()> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let entry = AccessEntry {
        seq,
        at: Utc::now().to_rfc3339(),
        username: user.to_owned(),
        action: action.code().to_owned(),
        case_id: case.map(|c| c.to_string()),
        detail: detail.map(str::to_owned),
        case_number: None,
    };
    let hash = entry_hash(&prev, &entry);
    conn.prepare_cached(
        "INSERT INTO access_log (seq, at, username, action, case_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        entry.seq,
        entry.at,
        entry.username,
        entry.action,
        entry.case_id,
        entry.detail,
        prev,
        hash
    ])?;
    conn.prepare_cached(
        "INSERT INTO store_meta (key, value) VALUES ('access_log_head', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([format!("{seq}:{hash}")])?;
    Ok(())
}

/// Appends one entry per case, all with `action` and no detail (the `change` entries of a
/// batch that touched many cases, e.g. a spreadsheet import): the same entries and chain as
/// [`append`] called once per case, with the head read once and written once.
pub(crate) fn append_for_cases(
    conn: &Connection,
    user: &str,
    action: Action,
    cases: &[CaseId],
) -> Result<()> {
    if cases.is_empty() {
        return Ok(());
    }
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (mut seq, mut prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let at = Utc::now().to_rfc3339();
    let mut insert = conn.prepare_cached(
        "INSERT INTO access_log (seq, at, username, action, case_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
    )?;
    let mut entry = AccessEntry {
        seq,
        at,
        username: user.to_owned(),
        action: action.code().to_owned(),
        case_id: None,
        detail: None,
        case_number: None,
    };
    for case in cases {
        entry.seq = seq;
        entry.case_id = Some(case.to_string());
        let hash = entry_hash(&prev, &entry);
        insert.execute(params![
            entry.seq,
            entry.at,
            entry.username,
            entry.action,
            entry.case_id,
            prev,
            hash
        ])?;
        prev = hash;
        seq += 1;
    }
    conn.prepare_cached(
        "INSERT INTO store_meta (key, value) VALUES ('access_log_head', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([format!("{}:{prev}", seq - 1)])?;
    Ok(())
}

/// Logs a search by `user` in one transaction: an entry for every case it showed (so the
/// case's own log says who found it, and through what: its number, pseudonym, names or
/// phone — `case` — or which notes), or one entry without a case when it found nothing.
///
/// The words searched for are not kept: the log outlives a purged case and cannot lose
/// entries, so a name or phone number typed into the search would outlive the case with it.
pub(crate) fn log_search<'a>(
    conn: &Connection,
    user: &str,
    hits: impl IntoIterator<Item = (CaseId, Option<&'a str>)>,
) -> Result<()> {
    // Cases in the order shown, each with what matched in it.
    let mut cases: Vec<(CaseId, Vec<String>)> = Vec::new();
    for (case, note) in hits {
        let what = note.map_or_else(|| "case".to_owned(), |id| format!("note {id}"));
        match cases.iter_mut().find(|(c, _)| *c == case) {
            Some((_, found)) => found.push(what),
            None => cases.push((case, vec![what])),
        }
    }
    let tx = conn.unchecked_transaction()?;
    if cases.is_empty() {
        append(&tx, user, Action::Search, None, Some("found nothing"))?;
    }
    let shown = cases.len();
    for (i, (case, found)) in cases.into_iter().enumerate() {
        let detail = format!("result {} of {shown}; matched {}", i + 1, found.join(", "));
        append(&tx, user, Action::Search, Some(case), Some(&detail))?;
    }
    tx.commit()?;
    Ok(())
}

/// Checks the chain on `conn`; returns how many entries it holds.
pub(crate) fn verify(conn: &Connection) -> Result<u64> {
    let mut stmt = conn.prepare("SELECT *, prev_hash, hash FROM access_log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut count = 0u64;
    let altered = |seq: i64, what: &'static str| Error::AccessLogAltered { seq, what };
    while let Some(r) = rows.next()? {
        let entry = row(r)?;
        let stored_prev: String = r.get("prev_hash")?;
        let stored: String = r.get("hash")?;
        if entry.seq > expected_seq {
            return Err(altered(expected_seq, "was removed"));
        }
        if entry.seq != expected_seq {
            return Err(altered(entry.seq, "is out of order"));
        }
        if entry_hash(&stored_prev, &entry) != stored {
            return Err(altered(entry.seq, "was edited"));
        }
        if stored_prev != prev {
            return Err(altered(entry.seq, "does not follow the entry before it"));
        }
        prev = stored;
        expected_seq += 1;
        count += 1;
    }
    let head: Option<String> = conn
        .query_row(
            "SELECT value FROM store_meta WHERE key = 'access_log_head'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(head) = head {
        let (seq, hash) = head.split_once(':').unwrap_or(("0", ""));
        let seq: i64 = seq.parse().unwrap_or(0);
        if seq >= expected_seq {
            return Err(altered(
                expected_seq,
                "and the entries after it were removed",
            ));
        }
        if seq == expected_seq - 1 && hash != prev {
            return Err(altered(seq, "was edited"));
        }
    }
    Ok(count)
}

pub(crate) fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccessEntry> {
    Ok(AccessEntry {
        seq: r.get("seq")?,
        at: r.get("at")?,
        username: r.get("username")?,
        action: r.get("action")?,
        case_id: r.get("case_id")?,
        detail: r.get("detail")?,
        case_number: None,
    })
}
