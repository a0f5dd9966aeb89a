//! What an import did, as the shells show it and the other import steps fill it in: the
//! counts per table, the refused records with their reasons, the unknown codes and the
//! reference data applied. A neutral module, so that the steps that apply one kind of line
//! (`crate::analysis::exchange`, `refdata`) fill a summary without importing the import.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bundle::BundleKind;

/// The pseudo-table under which an import summary counts a statistics bundle's months
/// (new, replaced, left because a newer bundle set them), and an export preview its counts.
pub const MONTHLY_COUNTS: &str = "monthly_counts";

/// Counts for one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TableCounts {
    /// Records not here before.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new: u64,
    /// Records replaced by a newer version.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: u64,
    /// Records already here in this (or a newer) version.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: u64,
    /// Records refused (see the reasons).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rejected: u64,
}

/// A record that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Rejected {
    /// Table.
    pub table: String,
    /// Record id (as sent).
    pub id: String,
    /// Why.
    pub reason: String,
}

/// A code this build does not know, kept as sent and flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UnknownCode {
    /// The code list.
    pub list: String,
    /// The code.
    pub code: String,
    /// How many records carry it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportSummary {
    /// The file's name (no folder).
    pub file_name: String,
    /// The bundle's id.
    pub bundle_id: String,
    /// The sender's centre code.
    pub sender: String,
    /// The sender's name.
    pub sender_name: String,
    /// `centre_export` or `return`.
    pub kind: BundleKind,
    /// The sender's sequence number.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sequence: u64,
    /// Months covered, `YYYY-MM – YYYY-MM`.
    pub period: Option<String>,
    /// `applied`, `already_applied` or `dry_run`.
    pub outcome: String,
    /// Gaps, chain breaks, late arrivals: noted, never a reason to refuse.
    pub notes: Vec<String>,
    /// Counts per table.
    pub tables: BTreeMap<String, TableCounts>,
    /// Cases removed because the centre no longer shares them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub withdrawn: u64,
    /// Cases removed because the centre purged them (their monthly counts archived).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub purged: u64,
    /// Own bundles confirmed by this (return) bundle.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub acknowledged: u64,
    /// Refused records (the first 200).
    pub rejected: Vec<Rejected>,
    /// Codes kept but not known here.
    pub unknown_codes: Vec<UnknownCode>,
    /// Reference data in a return bundle and what became of each item (applied, unchanged,
    /// stale, rejected with the reason).
    #[serde(default)]
    pub reference: Vec<super::refdata::ReferenceOutcome>,
}

impl ImportSummary {
    /// Totals over all tables.
    pub fn totals(&self) -> TableCounts {
        let mut t = TableCounts::default();
        for (table, c) in &self.tables {
            if table == MONTHLY_COUNTS {
                continue; // months of a statistics bundle, not records
            }
            t.new += c.new;
            t.updated += c.updated;
            t.unchanged += c.unchanged;
            t.rejected += c.rejected;
        }
        t
    }
}
