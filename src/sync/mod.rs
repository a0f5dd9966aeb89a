//! Sync with the coordination centre: identities and enrolment, export, import,
//! acknowledgements, and the sync status both sides show. The bytes of a bundle are
//! `crate::bundle`'s business; this module decides what goes in and what comes out.
//!
//! - `identity` — key pairs inside the encrypted database, fingerprints, enrolment files,
//!   pinned peers;
//! - `payload` — the JSON Lines inside a bundle and the pseudonymised projection;
//! - `export` — preview and export (centre → coordinator; coordinator → centre: return);
//! - `import` — verify, route, apply in one transaction, summarise;
//! - `statistics` — the `statistics` sharing level (monthly counts only);
//! - `transfer` — a case moving to another centre with the client's consent;
//! - `board` — a coordination centre's registry of its centres and the sync board;
//! - `inbox` — the inbox folder: import what is dropped there, move it aside;
//! - `refdata` — reference data in return bundles (code lists, instrument packs, the
//!   referral directory) and the versions in force.

pub mod board;
pub mod export;
pub mod identity;
pub mod import;
pub mod inbox;
pub mod payload;
pub mod pseudonymise;
pub mod refdata;
pub(crate) mod routing;
pub mod statistics;
pub mod summary;
pub mod transfer;

pub use board::{BoardRow, CentreEntry, CentreUpdate, SyncBoard};
pub use export::{ExportPreview, ExportReport};
pub use identity::{EnrolmentInfo, Fingerprint, Peer};
pub use import::{ImportEvent, ImportFileResult, ImportLogEntry, ImportRefusal};
pub use inbox::{InboxItem, InboxOutcome, InboxReport};
pub use refdata::{
    DirectoryAgency, DirectoryImport, ReferenceInForce, ReferenceLogEntry, ReferenceOutcome,
    ReferenceStatus, ReferenceVersion,
};
pub use summary::{ImportSummary, TableCounts};

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::Store;

/// The sync state with one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PeerSync {
    /// Who.
    pub peer: Peer,
    /// The sharing level agreed with it: `pseudonymised` or `statistics` (what this
    /// centre's bundles to a coordinator carry).
    pub sharing: String,
    /// Changes recorded here that the peer has not confirmed (re-sent by the next export).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending_changes: i64,
    /// The last bundle sent to it: sequence and when.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_sent_sequence: Option<i64>,
    /// When the last bundle was sent.
    pub last_sent_at: Option<String>,
    /// "Last confirmed by the coordinator on …": when the newest confirmed bundle was sealed.
    pub last_confirmed_at: Option<String>,
    /// The highest sequence of the bundles sent to it that it has confirmed (the
    /// acknowledged watermark, as people see it).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_confirmed_sequence: Option<i64>,
    /// Bundles sent and not yet confirmed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unconfirmed_bundles: i64,
    /// The last bundle received from it.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_received_sequence: Option<i64>,
    /// When the last bundle received was imported.
    pub last_received_at: Option<String>,
    /// Sequence numbers from the peer that never arrived.
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub missing_sequences: Vec<i64>,
}

impl Store {
    /// The sync state with every enrolled peer.
    pub fn sync_status(&self) -> Result<Vec<PeerSync>> {
        let last_seq = crate::cases::changes::last_seq(&self.conn)?;
        let mut out = Vec::new();
        for peer in self.peers()? {
            let fp = peer.fingerprint.hex.clone();
            let sent: Option<(i64, String)> = self
                .conn
                .query_row(
                    "SELECT sequence, created_at FROM bundle_out WHERE recipient = ?1
                     ORDER BY sequence DESC LIMIT 1",
                    [&fp],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (confirmed, confirmed_seq): (Option<String>, Option<i64>) = self.conn.query_row(
                "SELECT max(acked_at), max(CASE WHEN acked_at IS NOT NULL THEN sequence END)
                 FROM bundle_out WHERE recipient = ?1",
                [&fp],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let unconfirmed: i64 = self.conn.query_row(
                "SELECT count(*) FROM bundle_out WHERE recipient = ?1 AND acked_at IS NULL",
                [&fp],
                |r| r.get(0),
            )?;
            let received: Vec<(i64, String)> = self
                .conn
                .prepare(
                    "SELECT sequence, imported_at FROM bundle_in WHERE sender = ?1 ORDER BY sequence",
                )?
                .query_map([&fp], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut missing = Vec::new();
            let mut expect = 1;
            for (seq, _) in &received {
                while expect < *seq && missing.len() < 100 {
                    missing.push(expect);
                    expect = expect.saturating_add(1);
                }
                expect = expect.max(seq.saturating_add(1));
            }
            let last_received = received.iter().max_by_key(|r| r.0);
            let pending = if peer.mode == crate::centre::Mode::Coordinator {
                last_seq - export::acked_watermark(&self.conn, &fp)?
            } else {
                0
            };
            out.push(PeerSync {
                sharing: statistics::sharing_with(&self.conn, &fp)?,
                pending_changes: pending,
                last_sent_sequence: sent.as_ref().map(|s| s.0),
                last_sent_at: sent.map(|s| s.1),
                last_confirmed_at: confirmed,
                last_confirmed_sequence: confirmed_seq,
                unconfirmed_bundles: unconfirmed,
                last_received_sequence: last_received.map(|r| r.0),
                last_received_at: last_received.map(|r| r.1.clone()),
                missing_sequences: missing,
                peer,
            });
        }
        Ok(out)
    }
}
