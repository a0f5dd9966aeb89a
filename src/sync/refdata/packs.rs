//! Instrument packs received as reference data: parsed, checked (id, version, licence, the
//! same version with other content) and loaded beside the built-in packs.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::{Origin, ReferenceData, ReferenceOutcome, outcome, store_item};
use crate::codes::CodeLists;
use crate::error::Result;
use crate::risk::InstrumentPack;

/// The highest version of each instrument pack loaded here.
pub(super) fn pack_versions(conn: &Connection, builtin: bool) -> Result<BTreeMap<String, u32>> {
    let sql = if builtin {
        "SELECT id, max(version) FROM instrument_pack GROUP BY id"
    } else {
        "SELECT id, max(version) FROM instrument_pack WHERE builtin = 0 GROUP BY id"
    };
    Ok(conn
        .prepare(sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Applies an instrument pack inside the caller's transaction (see [`super::apply`]).
pub(super) fn apply(
    conn: &Connection,
    codes: &'static CodeLists,
    d: &ReferenceData,
    origin: &Origin<'_>,
    now: &str,
) -> Result<ReferenceOutcome> {
    let pack = match InstrumentPack::parse(&d.body, codes) {
        Ok(p) => p,
        Err(e) => {
            return Ok(outcome(
                d,
                "rejected",
                Some(format!("the instrument pack cannot be used: {e}")),
            ));
        }
    };
    if pack.id != d.item_id || pack.version.to_string() != d.version {
        return Ok(outcome(
            d,
            "rejected",
            Some(format!(
                "the pack is '{}' version {} but was sent as '{}' version {}",
                pack.id, pack.version, d.item_id, d.version
            )),
        ));
    }
    if pack.licence == crate::risk::pack::Licence::LocalOnly && !origin.within_centre {
        return Ok(outcome(
            d,
            "rejected",
            Some("the pack's licence is local only: it may not be passed on".into()),
        ));
    }
    let same: Option<String> = conn
        .query_row(
            "SELECT sha256 FROM instrument_pack WHERE id = ?1 AND version = ?2",
            params![pack.id, pack.version],
            |r| r.get(0),
        )
        .optional()?;
    let newest = pack_versions(conn, true)?.get(&pack.id).copied();
    if let Some(sha) = same {
        return Ok(if sha == d.sha256 {
            outcome(d, "unchanged", None)
        } else {
            outcome(
                d,
                "rejected",
                Some(format!(
                    "version {} of '{}' is already loaded here with different content; the coordination centre must give the changed pack a higher version",
                    pack.version, pack.id
                )),
            )
        });
    }
    if let Some(newest) = newest
        && newest > pack.version
    {
        return Ok(outcome(
            d,
            "stale",
            Some(format!(
                "version {newest} of '{}' is in force here; the older version {} was not applied",
                pack.id, pack.version
            )),
        ));
    }
    conn.execute(
        "INSERT INTO instrument_pack (id, version, body, sha256, licence, builtin, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)",
        params![pack.id, pack.version, d.body, d.sha256, pack.licence.code(), now, origin.user],
    )?;
    store_item(conn, d, origin, now)?;
    Ok(outcome(d, "applied", None))
}
