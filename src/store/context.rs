//! What every write stamps on its records — the owner (centre code and installation id),
//! the user and their disciplines, the country, the clock after the newest version and the
//! code lists in force — assembled once when the store is opened ([`WriteContext::load`]).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::centre::Country;
use crate::codes::CodeLists;
use crate::crypto::hex;
use crate::error::Result;
use crate::hlc::Hlc;

/// The id of the one code-list item (the whole file of lists) in `reference_item`.
pub const CODE_LISTS_ID: &str = "codelists";

/// Who is writing, for whom, and the clock: what every write stamps on its records.
pub struct WriteContext {
    pub(crate) centre: String,
    pub(crate) install: String,
    pub(crate) user: String,
    pub(crate) country: Country,
    pub(crate) disciplines: Vec<String>,
    pub(crate) hlc: Hlc,
    pub(crate) codes: &'static CodeLists,
}

impl std::fmt::Debug for WriteContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteContext")
            .field("centre", &self.centre)
            .field("user", &self.user)
            .field("hlc", &self.hlc)
            .finish_non_exhaustive()
    }
}

impl WriteContext {
    /// The unlocked user.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The disciplines of the unlocked user.
    pub fn disciplines(&self) -> &[String] {
        &self.disciplines
    }

    /// The code lists in use.
    pub fn codes(&self) -> &'static CodeLists {
        self.codes
    }
}

impl WriteContext {
    /// Reads the context of `user` from the store open on `conn`.
    pub(crate) fn load(conn: &Connection, user: &str) -> Result<WriteContext> {
        let (centre, country): (String, String) = conn.query_row(
            "SELECT code, country FROM centre_profile WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // An installation joined to a centre has its own id (docs/peers.md); the store id
        // (which the key slots and backups are bound to) is the centre store's.
        let install: String = conn.query_row(
            "SELECT value FROM store_meta WHERE key IN ('install_id', 'store_id')
             ORDER BY key = 'install_id' DESC LIMIT 1",
            [],
            |r| r.get(0),
        )?;
        let disciplines: String = conn.query_row(
            "SELECT disciplines FROM staff WHERE username = ?1",
            [user],
            |r| r.get(0),
        )?;
        Ok(WriteContext {
            centre,
            install,
            user: user.to_owned(),
            country: Country::parse(&country)?,
            disciplines: disciplines
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect(),
            hlc: last_hlc(conn)?,
            codes: codes_in_force(conn)?,
        })
    }
}

/// The newest version written in this store, to restart the clock after it. The clock
/// only moves forward, so the last row of the log holds the newest version.
pub(crate) fn last_hlc(conn: &Connection) -> Result<Hlc> {
    let v: Option<i64> = conn
        .query_row(
            "SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(Hlc::from_sql(v.unwrap_or(0)))
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Compares two versions: dot-separated parts, numbers as numbers (`2026.11.10` is newer
/// than `2026.11.9`, `12` newer than `3`), other parts as text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let mut left = a.trim().split('.');
    let mut right = b.trim().split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Parses a code-list file once per content and keeps it for the life of the process (the
/// write context holds `&'static` lists; a handful of versions is all a store ever sees).
pub(crate) fn intern_codes(text: &str) -> Result<&'static CodeLists> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static CodeLists>>> = OnceLock::new();
    let key = sha256_hex(text);
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(found);
    }
    let lists: &'static CodeLists = Box::leak(Box::new(CodeLists::parse(text)?));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, lists);
    Ok(lists)
}

/// The code lists in use: the list in force here when it is newer than the built-in one,
/// else the built-in one (a store from before reference data, or a broken row, gives the
/// built-in lists).
pub(crate) fn codes_in_force(conn: &Connection) -> Result<&'static CodeLists> {
    let builtin = CodeLists::builtin()?;
    let stored: Option<(String, String)> = conn
        .query_row(
            "SELECT version, body FROM reference_item WHERE kind = 'code_lists' AND item_id = ?1",
            [CODE_LISTS_ID],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .unwrap_or(None);
    match stored {
        Some((version, body))
            if compare_versions(&version, builtin.version()) == Ordering::Greater =>
        {
            Ok(intern_codes(&body).unwrap_or(builtin))
        }
        _ => Ok(builtin),
    }
}
