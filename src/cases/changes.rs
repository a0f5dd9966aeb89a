//! The change log (outbox): every write appends one row, in order. A bundle export asks
//! for "everything changed since sequence N" and sends the current state of each record
//! named; acknowledged sequences are what the coordinator has confirmed.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::hlc::Hlc;

/// One row of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Change {
    /// Position in the log; strictly increasing, never reused.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    /// The table of the record (`client`, `case_file`, `note`, …).
    pub kind: String,
    /// The record's id.
    pub record_id: String,
    /// The record's version after this write.
    pub version: Hlc,
    /// `put` (created or changed) or `delete` (tombstoned).
    pub op: String,
}

/// Changes after `since`, oldest first, at most `limit`.
pub(crate) fn changes_since(conn: &Connection, since: i64, limit: u32) -> Result<Vec<Change>> {
    let rows = conn
        .prepare_cached(
            "SELECT seq, kind, record_id, hlc, op FROM change_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?
        .query_map(params![since, limit], |r| {
            Ok(Change {
                seq: r.get(0)?,
                kind: r.get(1)?,
                record_id: r.get(2)?,
                version: Hlc::from_sql(r.get(3)?),
                op: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The newest sequence number (0 for an empty log).
pub(crate) fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| {
            r.get(0)
        })?,
    )
}
