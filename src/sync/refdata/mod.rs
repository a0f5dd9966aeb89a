//! Reference data a coordination centre sends to its centres in return bundles: the code
//! lists, instrument packs and the referral directory (agencies per region with their
//! contacts). See `docs/bundle-format.md` ("Reference data") and `docs/multi-agency.md`.
//!
//! - Every item has a kind, an id and a version; the version **in force** of each item is
//!   one row of `reference_item` (with its body, SHA-256, source and the bundle it came in).
//! - A centre applies items inside the import's one transaction. A version older than the
//!   one in force is **stale** and changes nothing, the same version is **unchanged**, and
//!   an item that cannot be read or checked is **rejected** with its reason — the rest of the
//!   bundle still applies (an acknowledgement is never lost to a bad directory row).
//! - A centre's own bundles carry the versions it has in force (`reference_state`); the
//!   coordination centre remembers them per centre (`reference_peer`) and attaches to each
//!   return bundle exactly the items that centre lacks (newer than what it reported, or
//!   everything it never reported). Until the centre reports the new version, every return
//!   bundle attaches it again, which is harmless (unchanged).
//! - The code lists in use are the newest of the built-in lists and the list in force here;
//!   lists are parsed once per version and kept for the life of the process.
//!
//! The kinds apply in `codes.rs` (code lists), `packs.rs` (instrument packs) and
//! `directory.rs` (the referral directory); this file holds what every kind shares: the
//! versions in force, what a return bundle attaches, the checks before and the log after.

mod codes;
mod directory;
mod packs;

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::centre::Mode;
use crate::codes::CodeLists;
use crate::crypto::hex;
use crate::directory::directory_in_force;
pub use crate::directory::{
    DIRECTORY_FORMAT, DIRECTORY_ID, DirectoryAgency, DirectoryFile, DirectoryImport,
    directory_from_csv, parse_directory,
};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::context::codes_in_force;
pub use crate::store::context::{CODE_LISTS_ID, compare_versions};

/// Kinds of reference data this build knows.
pub const KINDS: &[&str] = &["code_lists", "instrument_pack", "directory"];

/// One reference item inside a return bundle (a `reference` payload line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceData {
    /// `code_lists`, `instrument_pack` or `directory` (an unknown kind is rejected, not
    /// fatal).
    pub kind: String,
    /// `codelists`, the pack's id, or `directory`.
    pub item_id: String,
    /// Its version.
    pub version: String,
    /// SHA-256 (hex) of `body`.
    pub sha256: String,
    /// The item as a JSON text: the code-list file, the instrument pack, the directory file.
    pub body: String,
}

/// A version of an item (what a centre reports in force; what a return bundle attaches).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ReferenceVersion {
    /// Kind.
    pub kind: String,
    /// Item id.
    pub item_id: String,
    /// Version.
    pub version: String,
}

/// What became of one reference item in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReferenceOutcome {
    /// Kind.
    pub kind: String,
    /// Item id.
    pub item_id: String,
    /// Version offered.
    pub version: String,
    /// `applied`, `unchanged`, `stale` (older than the one in force) or `rejected`.
    pub outcome: String,
    /// Why (stale: the version in force; rejected: what is wrong and what to do).
    pub reason: Option<String>,
}

/// An item in force here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReferenceInForce {
    /// Kind.
    pub kind: String,
    /// Item id.
    pub item_id: String,
    /// Version.
    pub version: String,
    /// `builtin` (shipped with this build), `local` (loaded here) or the sender's centre code.
    pub source: String,
    /// The bundle it came in.
    pub bundle_id: Option<String>,
    /// When it was applied (empty for built-in data).
    pub applied_at: String,
}

/// One line of the reference-data log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReferenceLogEntry {
    /// When.
    pub at: String,
    /// Where it came from (`local` or a centre code).
    pub source: String,
    /// The bundle.
    pub bundle_id: Option<String>,
    /// What happened.
    pub outcome: ReferenceOutcome,
}

/// The reference data of this store: what is in force and what happened lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReferenceStatus {
    /// Every item in force (the code lists always; packs and directory when there are).
    pub in_force: Vec<ReferenceInForce>,
    /// Agencies in the directory in force.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub agencies: u64,
    /// The newest 50 log lines.
    pub log: Vec<ReferenceLogEntry>,
}

pub(super) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The versions in force here, as a centre reports them in its bundles.
pub(crate) fn state(conn: &Connection, codes: &CodeLists) -> Result<Vec<ReferenceVersion>> {
    let mut out = vec![ReferenceVersion {
        kind: "code_lists".into(),
        item_id: CODE_LISTS_ID.into(),
        version: codes.version().to_owned(),
    }];
    for (id, version) in packs::pack_versions(conn, true)? {
        out.push(ReferenceVersion {
            kind: "instrument_pack".into(),
            item_id: id,
            version: version.to_string(),
        });
    }
    if let Some((version, _)) = directory_in_force(conn)? {
        out.push(ReferenceVersion {
            kind: "directory".into(),
            item_id: DIRECTORY_ID.into(),
            version,
        });
    }
    Ok(out)
}

/// Remembers the versions a centre reported in force (coordination centre, on import).
pub(crate) fn record_peer_state(
    conn: &Connection,
    peer: &str,
    items: &[ReferenceVersion],
    at: &str,
) -> Result<()> {
    for item in items {
        conn.execute(
            "INSERT INTO reference_peer (peer, kind, item_id, version, reported_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (peer, kind, item_id) DO UPDATE
             SET version = excluded.version, reported_at = excluded.reported_at",
            params![peer, item.kind, item.item_id, item.version, at],
        )?;
    }
    Ok(())
}

/// The reference items a return bundle to `peer` attaches: each item in force here that is
/// newer than the version the centre last reported (or that it never reported). Built-in
/// code lists are sent only to a centre that reported an older list.
pub(crate) fn outgoing(
    conn: &Connection,
    peer: &str,
    codes: &CodeLists,
) -> Result<Vec<ReferenceData>> {
    attached(conn, peer, codes, false)
}

/// The reference items a sync file to another computer of this centre attaches (`peer`:
/// `computer:<installation>`), as [`outgoing`] does for a centre; packs licensed for this
/// centre only are included, since they stay within it.
pub(crate) fn outgoing_within_centre(
    conn: &Connection,
    peer: &str,
    codes: &CodeLists,
) -> Result<Vec<ReferenceData>> {
    attached(conn, peer, codes, true)
}

fn attached(
    conn: &Connection,
    peer: &str,
    codes: &CodeLists,
    within_centre: bool,
) -> Result<Vec<ReferenceData>> {
    let reported: HashMap<(String, String), String> = conn
        .prepare("SELECT kind, item_id, version FROM reference_peer WHERE peer = ?1")?
        .query_map([peer], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let lacks = |kind: &str, id: &str, version: &str| {
        reported
            .get(&(kind.to_owned(), id.to_owned()))
            .is_none_or(|have| compare_versions(version, have) == Ordering::Greater)
    };
    let mut out = Vec::new();
    // Code lists: the body of the list in use.
    let stored: Option<(String, String)> = conn
        .query_row(
            "SELECT version, body FROM reference_item WHERE kind = 'code_lists' AND item_id = ?1",
            [CODE_LISTS_ID],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let reported_codes =
        reported.contains_key(&("code_lists".to_owned(), CODE_LISTS_ID.to_owned()));
    match stored {
        Some((version, body)) if version == codes.version() => {
            if lacks("code_lists", CODE_LISTS_ID, &version) {
                out.push(item("code_lists", CODE_LISTS_ID, &version, body));
            }
        }
        _ => {
            if reported_codes && lacks("code_lists", CODE_LISTS_ID, codes.version()) {
                out.push(item(
                    "code_lists",
                    CODE_LISTS_ID,
                    codes.version(),
                    crate::codes::builtin_text().to_owned(),
                ));
            }
        }
    }
    // Instrument packs loaded here (not built in) that may be passed on: within the centre,
    // those licensed for it only too.
    let packs: Vec<(String, u32, String)> = conn
        .prepare(
            "SELECT p.id, p.version, p.body FROM instrument_pack p
             WHERE p.builtin = 0 AND (?1 OR p.licence != 'local_only')
               AND p.version = (SELECT max(version) FROM instrument_pack q
                                WHERE q.id = p.id AND q.builtin = 0
                                  AND (?1 OR q.licence != 'local_only'))
             ORDER BY p.id",
        )?
        .query_map([within_centre], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, version, body) in packs {
        let version = version.to_string();
        if lacks("instrument_pack", &id, &version) {
            out.push(item("instrument_pack", &id, &version, body));
        }
    }
    if let Some((version, body)) = directory_in_force(conn)?
        && lacks("directory", DIRECTORY_ID, &version)
    {
        out.push(item("directory", DIRECTORY_ID, &version, body));
    }
    Ok(out)
}

fn item(kind: &str, id: &str, version: &str, body: String) -> ReferenceData {
    ReferenceData {
        kind: kind.to_owned(),
        item_id: id.to_owned(),
        version: version.to_owned(),
        sha256: sha256_hex(&body),
        body,
    }
}

/// Where an item comes from and who applies it.
pub(crate) struct Origin<'a> {
    /// `local`, the sender's centre code, or `computer <name>` (another computer of this
    /// centre).
    pub source: &'a str,
    /// The bundle.
    pub bundle_id: Option<&'a str>,
    /// Who.
    pub user: &'a str,
    /// From another computer of this same centre: a pack licensed for this centre only
    /// travels between its computers.
    pub within_centre: bool,
}

pub(super) fn outcome(d: &ReferenceData, what: &str, reason: Option<String>) -> ReferenceOutcome {
    ReferenceOutcome {
        kind: d.kind.clone(),
        item_id: d.item_id.clone(),
        version: d.version.clone(),
        outcome: what.to_owned(),
        reason,
    }
}

pub(super) fn in_force_row(
    conn: &Connection,
    kind: &str,
    id: &str,
) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT version, sha256 FROM reference_item WHERE kind = ?1 AND item_id = ?2",
            params![kind, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Decides between stale, unchanged, a clash and newer against the version in force.
pub(super) fn against(d: &ReferenceData, have: Option<(&str, &str)>) -> Option<ReferenceOutcome> {
    let (version, sha) = have?;
    match compare_versions(&d.version, version) {
        Ordering::Less => Some(outcome(
            d,
            "stale",
            Some(format!(
                "version {version} is in force here; the older version {} was not applied",
                d.version
            )),
        )),
        Ordering::Equal if sha == d.sha256 => Some(outcome(d, "unchanged", None)),
        Ordering::Equal => Some(outcome(
            d,
            "rejected",
            Some(format!(
                "version {} is already in force here with different content; the coordination centre must give the changed data a higher version",
                d.version
            )),
        )),
        Ordering::Greater => None,
    }
}

pub(super) fn store_item(
    conn: &Connection,
    d: &ReferenceData,
    origin: &Origin<'_>,
    now: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO reference_item (kind, item_id, version, sha256, body, source, bundle_id,
                                     applied_at, applied_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (kind, item_id) DO UPDATE SET
             version = excluded.version, sha256 = excluded.sha256, body = excluded.body,
             source = excluded.source, bundle_id = excluded.bundle_id,
             applied_at = excluded.applied_at, applied_by = excluded.applied_by",
        params![
            d.kind,
            d.item_id,
            d.version,
            d.sha256,
            d.body,
            origin.source,
            origin.bundle_id,
            now,
            origin.user
        ],
    )?;
    Ok(())
}

/// Checks and applies one item inside the caller's transaction; logs what became of it.
/// Only a database failure is an error: anything wrong with the item is a `rejected`
/// outcome with its reason.
pub(crate) fn apply(
    conn: &Connection,
    codes: &'static CodeLists,
    d: &ReferenceData,
    origin: &Origin<'_>,
) -> Result<ReferenceOutcome> {
    let now = Utc::now().to_rfc3339();
    let result = if sha256_hex(&d.body) == d.sha256.to_ascii_lowercase() {
        match d.kind.as_str() {
            "code_lists" => codes::apply(conn, codes, d, origin, &now)?,
            "instrument_pack" => packs::apply(conn, codes, d, origin, &now)?,
            "directory" => directory::apply(conn, codes, d, origin, &now)?,
            other => outcome(
                d,
                "rejected",
                Some(format!(
                    "reference data of kind '{other}' is not known to this version of Atrama; update Atrama to receive it"
                )),
            ),
        }
    } else {
        outcome(
            d,
            "rejected",
            Some("its content does not match its SHA-256; ask the coordination centre to send it again".into()),
        )
    };
    conn.execute(
        "INSERT INTO reference_log (at, username, kind, item_id, version, outcome, reason,
                                    source, bundle_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            now,
            origin.user,
            result.kind,
            result.item_id,
            result.version,
            result.outcome,
            result.reason,
            origin.source,
            origin.bundle_id
        ],
    )?;
    Ok(result)
}

/// How the refusals of [`read_item`] name an item of one kind.
pub(super) struct ItemWords {
    /// The one id the kind travels as.
    pub(super) id: &'static str,
    /// "… as item": the kind and its verb.
    pub(super) travels: &'static str,
    /// "… version": the kind and its verb.
    pub(super) says: &'static str,
    /// "but … sent": the verb's past.
    pub(super) was: &'static str,
}

/// The start applying code lists and the directory share: the item must travel as its
/// kind's one id, its body must read (`parse`, whose error is the reason given), and the
/// version it states must be the one it was sent as. `Err` is the rejected outcome to report.
pub(super) fn read_item<T>(
    d: &ReferenceData,
    words: &ItemWords,
    parse: impl FnOnce(&str) -> std::result::Result<T, String>,
    version_of: impl Fn(&T) -> &str,
) -> std::result::Result<T, ReferenceOutcome> {
    if d.item_id != words.id {
        return Err(outcome(
            d,
            "rejected",
            Some(format!(
                "{} as item '{}', not '{}'",
                words.travels, words.id, d.item_id
            )),
        ));
    }
    let item = parse(&d.body).map_err(|why| outcome(d, "rejected", Some(why)))?;
    if version_of(&item) != d.version {
        return Err(outcome(
            d,
            "rejected",
            Some(format!(
                "{} version {} but {} sent as version {}",
                words.says,
                version_of(&item),
                words.was,
                d.version
            )),
        ));
    }
    Ok(item)
}

impl Store {
    /// The code lists in use (the built-in ones, or newer ones received or loaded).
    pub fn codes(&self) -> &'static CodeLists {
        self.ctx.codes
    }

    /// The reference data in force here, the directory's size and the newest log lines.
    pub fn reference_status(&self) -> Result<ReferenceStatus> {
        let builtin = CodeLists::builtin()?;
        let mut in_force = Vec::new();
        let rows: Vec<(String, String, String, String, Option<String>, String)> = self
            .conn
            .prepare(
                "SELECT kind, item_id, version, source, bundle_id, applied_at FROM reference_item
                 ORDER BY kind, item_id",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let codes_in_use = self.ctx.codes.version().to_owned();
        if !rows
            .iter()
            .any(|r| r.0 == "code_lists" && r.2 == codes_in_use)
        {
            in_force.push(ReferenceInForce {
                kind: "code_lists".into(),
                item_id: CODE_LISTS_ID.into(),
                version: builtin.version().to_owned(),
                source: "builtin".into(),
                bundle_id: None,
                applied_at: String::new(),
            });
        }
        for (kind, item_id, version, source, bundle_id, applied_at) in rows {
            if kind == "code_lists" && version != codes_in_use {
                continue; // an older list than the built-in one: not in use
            }
            in_force.push(ReferenceInForce {
                kind,
                item_id,
                version,
                source,
                bundle_id,
                applied_at,
            });
        }
        let agencies: i64 =
            self.conn
                .query_row("SELECT count(*) FROM directory_agency", [], |r| r.get(0))?;
        let log = self
            .conn
            .prepare(
                "SELECT at, source, bundle_id, kind, item_id, version, outcome, reason
                 FROM reference_log ORDER BY seq DESC LIMIT 50",
            )?
            .query_map([], |r| {
                Ok(ReferenceLogEntry {
                    at: r.get(0)?,
                    source: r.get(1)?,
                    bundle_id: r.get(2)?,
                    outcome: ReferenceOutcome {
                        kind: r.get(3)?,
                        item_id: r.get(4)?,
                        version: r.get(5)?,
                        outcome: r.get(6)?,
                        reason: r.get(7)?,
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ReferenceStatus {
            in_force,
            agencies: u64::try_from(agencies).unwrap_or(0),
            log,
        })
    }

    /// Applies a reference item loaded here (not received in a bundle) in a new transaction,
    /// returned uncommitted with the outcome; when the item is not applied, the error says
    /// what `refused` words.
    fn apply_loaded(
        &mut self,
        d: &ReferenceData,
        user: &str,
        refused: impl FnOnce(&ReferenceOutcome) -> String,
    ) -> Result<(rusqlite::Transaction<'_>, ReferenceOutcome)> {
        let codes = self.ctx.codes;
        let tx = self.conn.transaction()?;
        let result = apply(
            &tx,
            codes,
            d,
            &Origin {
                source: "local",
                bundle_id: None,
                user,
                within_centre: false,
            },
        )?;
        if result.outcome != "applied" {
            return Err(Error::invalid(refused(&result)));
        }
        Ok((tx, result))
    }

    /// Replaces the referral directory with the agencies of a CSV file (coordination centre
    /// only: centres receive the directory in return bundles). The new version is one
    /// higher than the last; the next return bundle to each centre attaches it.
    pub fn import_directory_csv(&mut self, text: &str) -> Result<DirectoryImport> {
        self.require(crate::admin::Permission::ManageReferenceData)?;
        if self.profile()?.mode != Mode::Coordinator {
            return Err(Error::invalid(
                "the referral directory is kept by the coordination centre and arrives in its return bundles; import the CSV file there",
            ));
        }
        let previous = directory_in_force(&self.conn)?;
        let next = previous
            .as_ref()
            .and_then(|(v, _)| v.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let file = directory_from_csv(text, self.ctx.codes, &next.to_string())?;
        let body = serde_json::to_string(&file)
            .map_err(|e| Error::invalid(format!("cannot encode the directory: {e}")))?;
        let d = item("directory", DIRECTORY_ID, &file.version, body);
        let before: i64 =
            self.conn
                .query_row("SELECT count(*) FROM directory_agency", [], |r| r.get(0))?;
        let user = self.ctx.user.clone();
        let (tx, _) = self.apply_loaded(&d, &user, |r| {
            r.reason
                .clone()
                .unwrap_or_else(|| "the directory was not applied".into())
        })?;
        crate::audit::append(
            &tx,
            &user,
            crate::audit::Action::Settings,
            None,
            Some(&format!(
                "referral directory version {} ({} agencies)",
                file.version,
                file.agencies.len()
            )),
        )?;
        tx.commit()?;
        Ok(DirectoryImport {
            version: file.version,
            agencies: file.agencies.len() as u64,
            previous: u64::try_from(before).unwrap_or(0),
        })
    }

    /// Loads a newer code-list file here (coordination centre: it then goes to every centre
    /// in the next return bundles). Refused when not newer than the lists in use, or when it
    /// drops a code.
    pub fn load_code_lists(&mut self, text: &str) -> Result<ReferenceOutcome> {
        self.require(crate::admin::Permission::ManageReferenceData)?;
        let lists = CodeLists::parse(text)?;
        let d = item(
            "code_lists",
            CODE_LISTS_ID,
            lists.version(),
            text.to_owned(),
        );
        let user = self.ctx.user.clone();
        let (tx, result) = self.apply_loaded(&d, &user, |r| {
            format!(
                "code lists version {} were not loaded: {}",
                d.version,
                r.reason.clone().unwrap_or_else(|| r.outcome.clone())
            )
        })?;
        crate::audit::append(
            &tx,
            &user,
            crate::audit::Action::Settings,
            None,
            Some(&format!("code lists version {}", d.version)),
        )?;
        tx.commit()?;
        self.ctx.codes = codes_in_force(&self.conn)?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_part_by_part() {
        assert_eq!(compare_versions("12", "3"), Ordering::Greater);
        assert_eq!(
            compare_versions("2026.11.10", "2026.11.9"),
            Ordering::Greater
        );
        assert_eq!(compare_versions("2026.11", "2026.11.1"), Ordering::Less);
        assert_eq!(compare_versions("2", "2"), Ordering::Equal);
    }
}
