//! What the screens show of the centre's computers (`docs/peers.md`): this computer's name
//! and fingerprint, the shared sync folder remembered on this computer, a sync that never
//! fails loudly when the folder is missing (the automatic sync at unlock), the result of the
//! last sync in words the screens can say, and the "changed on two computers" reviews with
//! the name of the computer and the time of each value, the safety-critical fields first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{TimeZone as _, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::merge::Review;
use super::registry::{self, Installation};
use crate::admin::Permission;
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::store::Store;

/// The `store_meta` key of the sync folder remembered on this computer.
const FOLDER_SETTING: &str = "peer_sync_folder";
/// The `store_meta` key (followed by the installation id) of the last sync's result.
const LAST_SETTING: &str = "peer_last_sync:";

/// This computer as the centre's other computers know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ThisComputer {
    /// Its name in the centre's list.
    pub name: String,
    /// Its fingerprint, short form (read aloud to the administrator adding it).
    pub fingerprint: String,
}

/// How a sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    /// The files were applied and written.
    Done,
    /// This computer is not one of several computers of the centre: nothing to do.
    NotSetUp,
    /// No sync folder is chosen on this computer: nothing to do.
    NoFolder,
    /// The folder cannot be reached now (the stick is not plugged in, the share is away).
    FolderMissing,
    /// The sync failed; nothing of the file being applied was kept (`error` says why).
    Failed,
}

/// The result of one sync, in what the screens say of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncResult {
    /// When it ran (RFC 3339).
    pub at: String,
    /// Whether it ran by itself at unlock (not by "Sync now").
    pub automatic: bool,
    /// How it ended.
    pub outcome: SyncOutcome,
    /// The folder it used (if any).
    pub folder: Option<String>,
    /// Files from other computers applied.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub applied: u64,
    /// Files for this computer seen before and skipped.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
    /// Files that could not be applied, each with the reason.
    pub refused: Vec<(String, String)>,
    /// Files written for the other computers.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub written: u64,
    /// Fields waiting in "changed on two computers" afterwards.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reviews: u64,
    /// What went wrong, when it failed.
    pub error: Option<String>,
}

/// One computer of the centre with when it was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Computer {
    /// The computer as the registry lists it.
    pub installation: Installation,
    /// When it was added to the centre (RFC 3339).
    pub added_at: String,
}

/// Everything the Computers and Sync screens show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PeersOverview {
    /// This computer, once it is one of several computers of the centre.
    pub this_computer: Option<ThisComputer>,
    /// The centre's computers, this one first (removed ones too, marked).
    pub computers: Vec<Computer>,
    /// The sync folder remembered on this computer.
    pub folder: Option<String>,
    /// Whether that folder can be reached now.
    pub folder_reachable: bool,
    /// The last sync on this computer.
    pub last_sync: Option<SyncResult>,
    /// Fields waiting in "changed on two computers", in the whole centre.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reviews: u64,
}

/// One value of a field in review, with the computer's name and the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewChoice {
    /// The value (none: empty).
    pub value: Option<String>,
    /// Its version (given back to choose it).
    pub version: Hlc,
    /// The name of the computer it was written on (its id if unknown here).
    pub computer: String,
    /// The person who wrote it, where the record keeps who changed it (a client's
    /// corrections history); none otherwise.
    pub by: Option<String>,
    /// When it was written (RFC 3339).
    pub at: String,
    /// Whether it is the value in force now.
    pub current: bool,
}

/// A field changed on two computers, as the case page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseReview {
    /// `client`, `case_file`, `child` or `protection_order`.
    pub table: String,
    /// The record's id.
    pub record_id: String,
    /// The field.
    pub field: String,
    /// Whether the field is safety-critical (contact safety, address, lead worker, status).
    pub safety_critical: bool,
    /// The values, the one in force first.
    pub values: Vec<ReviewChoice>,
}

impl Store {
    /// The sync folder remembered on this computer, if any.
    pub fn peers_folder(&self) -> Result<Option<PathBuf>> {
        Ok(meta(&self.conn, FOLDER_SETTING)?
            .filter(|s| !s.is_empty())
            .map(PathBuf::from))
    }

    /// Remembers (or, with `None` or an empty path, forgets) the sync folder of this
    /// computer (administrators). It must be a full path to a folder that exists now.
    pub fn set_peers_folder(&mut self, folder: Option<&Path>) -> Result<Option<PathBuf>> {
        self.require(Permission::EnrolPeers)?;
        let folder = folder.filter(|f| !f.as_os_str().is_empty());
        if let Some(f) = folder {
            if !f.is_absolute() {
                return Err(Error::invalid(format!(
                    "give the sync folder as a full path ({} is not one); choose it with the button",
                    f.display()
                )));
            }
            if !f.is_dir() {
                return Err(Error::invalid(format!(
                    "{} is not a folder that can be reached now; plug in the stick or connect to the shared folder, or choose another",
                    f.display()
                )));
            }
        }
        let value = folder.map(|f| f.display().to_string()).unwrap_or_default();
        let tx = self.conn.transaction()?;
        crate::store::meta::set_meta(&tx, FOLDER_SETTING, &value)?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Settings,
            None,
            Some(if value.is_empty() {
                "sync folder of this centre's computers cleared"
            } else {
                "sync folder of this centre's computers set"
            }),
        )?;
        tx.commit()?;
        self.peers_folder()
    }

    /// Everything the Computers and Sync screens show.
    pub fn peers_overview(&self) -> Result<PeersOverview> {
        let this_computer = match registry::self_keys(&self.conn)? {
            None => None,
            Some(keys) => {
                let name: String =
                    self.conn
                        .query_row("SELECT name FROM peer_self WHERE id = 1", [], |r| r.get(0))?;
                Some(ThisComputer {
                    name,
                    fingerprint: keys.fingerprint().short,
                })
            }
        };
        let folder = self.peers_folder()?;
        let mut added = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT install_id, added_at FROM peer_install")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (id, at) = row?;
            added.insert(id, at);
        }
        let computers = self
            .peers_list()?
            .into_iter()
            .map(|installation| Computer {
                added_at: added.remove(&installation.install_id).unwrap_or_default(),
                installation,
            })
            .collect();
        Ok(PeersOverview {
            computers,
            folder_reachable: folder.as_deref().is_some_and(Path::is_dir),
            folder: folder.map(|f| f.display().to_string()),
            last_sync: self.last_peers_sync()?,
            reviews: self.peer_reviews(None)?.len() as u64,
            this_computer,
        })
    }

    /// The last sync on this computer (one recorded by another computer before a join
    /// copied the store is not this computer's and is not shown).
    fn last_peers_sync(&self) -> Result<Option<SyncResult>> {
        let Some(keys) = registry::self_keys(&self.conn)? else {
            return Ok(None);
        };
        Ok(
            meta(&self.conn, &format!("{LAST_SETTING}{}", keys.install_id))?
                .and_then(|text| serde_json::from_str(&text).ok()),
        )
    }

    /// Syncs through the folder remembered on this computer. A missing folder (a stick not
    /// plugged in), no folder, or a computer that is not one of several is a quiet result,
    /// not an error; so is a failed sync (its result says why). The result of every sync
    /// that ran or found its folder missing is remembered for the screens.
    pub fn peers_sync_saved(&mut self, automatic: bool) -> Result<SyncResult> {
        let folder = self.peers_folder()?;
        let mut result = SyncResult {
            at: Utc::now().to_rfc3339(),
            automatic,
            outcome: SyncOutcome::Done,
            folder: folder.as_ref().map(|f| f.display().to_string()),
            applied: 0,
            skipped: 0,
            refused: Vec::new(),
            written: 0,
            reviews: 0,
            error: None,
        };
        let Some(keys) = registry::self_keys(&self.conn)? else {
            result.outcome = SyncOutcome::NotSetUp;
            return Ok(result);
        };
        let Some(folder) = folder else {
            result.outcome = SyncOutcome::NoFolder;
            return Ok(result);
        };
        if !folder.is_dir() {
            result.outcome = SyncOutcome::FolderMissing;
        } else {
            match self.peers_sync(&folder) {
                Ok(report) => {
                    result.applied = report.applied.len() as u64;
                    result.skipped = report.skipped;
                    result.refused = report.refused;
                    result.written = report.written.len() as u64;
                    result.reviews = report.reviews;
                }
                Err(e) => {
                    result.outcome = SyncOutcome::Failed;
                    result.error = Some(e.to_string());
                }
            }
        }
        let text = serde_json::to_string(&result)
            .map_err(|e| Error::invalid(format!("cannot record the sync's result: {e}")))?;
        self.conn.execute(
            "INSERT INTO store_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![format!("{LAST_SETTING}{}", keys.install_id), text],
        )?;
        Ok(result)
    }

    /// The fields changed on two computers of one case (its case record, its client, its
    /// children and protection orders), safety-critical fields first, each value with the
    /// name of the computer it was written on and when.
    pub fn peer_case_reviews(&self, case: &str) -> Result<Vec<CaseReview>> {
        let names = self.computer_names()?;
        let mut out: Vec<CaseReview> = self
            .peer_reviews(Some(case))?
            .into_iter()
            .map(|r| shown(r, &names))
            .collect();
        // Who: a client's change keeps a revision with the same version (`client_history`).
        let mut who = self.conn.prepare_cached(
            "SELECT changed_by FROM client_revision WHERE client_id = ?1 AND hlc = ?2 LIMIT 1",
        )?;
        for review in out.iter_mut().filter(|r| r.table == "client") {
            for value in &mut review.values {
                value.by = who
                    .query_row(params![review.record_id, value.version.to_sql()], |r| {
                        r.get(0)
                    })
                    .optional()?;
            }
        }
        drop(who);
        // Stable: within each group the core's order (table, record, field) stays.
        out.sort_by_key(|r| !r.safety_critical);
        Ok(out)
    }

    /// The cases with a field changed on two computers (their ids), for the Cases list's
    /// marker: a case is marked for its own record, its client's, its children's and its
    /// protection orders'.
    pub fn peer_review_cases(&self) -> Result<Vec<String>> {
        let mut cases = BTreeSet::new();
        for review in self.peer_reviews(None)? {
            let sql = match review.table.as_str() {
                "case_file" => "SELECT id FROM case_file WHERE id = ?1",
                "client" => "SELECT id FROM case_file WHERE client_id = ?1",
                "child" => "SELECT case_id FROM child WHERE id = ?1",
                "protection_order" => "SELECT case_id FROM protection_order WHERE id = ?1",
                _ => continue,
            };
            let mut stmt = self.conn.prepare_cached(sql)?;
            for id in stmt.query_map([&review.record_id], |r| r.get::<_, String>(0))? {
                cases.insert(id?);
            }
        }
        Ok(cases.into_iter().collect())
    }

    /// Every computer's name by its installation id (removed ones too).
    fn computer_names(&self) -> Result<BTreeMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT install_id, name FROM peer_install")?;
        let mut names = BTreeMap::new();
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (id, name) = row?;
            names.insert(id, name);
        }
        let me: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT install_id, name FROM peer_self WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, name)) = me {
            names.insert(id, name);
        }
        Ok(names)
    }
}

fn shown(review: Review, names: &BTreeMap<String, String>) -> CaseReview {
    CaseReview {
        values: review
            .values
            .into_iter()
            .map(|v| ReviewChoice {
                computer: names.get(&v.install).cloned().unwrap_or(v.install),
                at: i64::try_from(v.hlc.millis())
                    .ok()
                    .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                by: None,
                value: v.value,
                version: v.hlc,
                current: v.current,
            })
            .collect(),
        table: review.table,
        record_id: review.record_id,
        field: review.field,
        safety_critical: review.safety_critical,
    }
}

fn meta(conn: &rusqlite::Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM store_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}
