//! Which table of the store travels between the computers of a centre, and how: every
//! table of the schema is listed here as merged field by field, carried row by row, carried
//! by another part of the sync file, or deliberately local (with the reason). A table added
//! to the schema without being listed fails
//! `peers::every_table_of_the_schema_is_synced_or_deliberately_local` (`docs/peers.md`).

use rusqlite::Connection;

use super::merge;
use crate::error::Result;

/// How a table travels between the computers of one centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried {
    /// Merged field by field with review (`merge::MERGED`).
    Merged,
    /// Carried row by row: append-only records (a correction is a new record), a row on
    /// both sides takes the higher version.
    Rows,
    /// Carried by another part of the sync file (named).
    Otherwise(&'static str),
    /// Kept on each computer, with the reason.
    Local(&'static str),
}

/// Every table of the schema (FTS5's own tables, `search_fts_*`, go with `search_fts`).
pub const TABLES: &[(&str, Carried)] = &[
    ("client", Carried::Merged),
    ("case_file", Carried::Merged),
    ("child", Carried::Merged),
    ("protection_order", Carried::Merged),
    ("appointment", Carried::Merged),
    ("staff", Carried::Merged),
    ("case_analysis", Carried::Rows),
    ("case_conference", Carried::Rows),
    ("case_status_event", Carried::Rows),
    ("conference_action", Carried::Rows),
    ("conference_outcome", Carried::Rows),
    ("consent_event", Carried::Rows),
    ("document", Carried::Rows),
    ("incident", Carried::Rows),
    ("note", Carried::Rows),
    ("referral", Carried::Rows),
    ("risk_assessment", Carried::Rows),
    ("safety_plan", Carried::Rows),
    ("service_contact", Carried::Rows),
    (
        "case_team",
        Carried::Otherwise("a field of the case (`team`)"),
    ),
    (
        "client_revision",
        Carried::Otherwise("a union, with the client"),
    ),
    (
        "access_log",
        Carried::Otherwise("its new entries, into the others' `peer_access_log`"),
    ),
    (
        "peer_access_log",
        Carried::Otherwise("filled from the others' access logs"),
    ),
    (
        "peer_version",
        Carried::Otherwise("the field versions of the merged records"),
    ),
    (
        "peer_genesis",
        Carried::Otherwise("the first field versions of the merged records, packed"),
    ),
    (
        "peer_install",
        Carried::Otherwise("the registry of computers"),
    ),
    (
        "peer_purged",
        Carried::Otherwise("the purged records, so that a late file does not bring them back"),
    ),
    (
        "peer_purge_count",
        Carried::Otherwise(
            "the counts a purge archived, with the purged ids (`purge_counts`), until every current computer confirmed them",
        ),
    ),
    (
        "change_log",
        Carried::Local("this computer's positions: what it has to send"),
    ),
    (
        "peer_file_in",
        Carried::Local("the files this computer has applied"),
    ),
    (
        "peer_state",
        Carried::Local("this computer's sync state with each other computer"),
    ),
    (
        "peer_self",
        Carried::Local("this computer's own secret keys"),
    ),
    (
        "peer_role",
        Carried::Local(
            "copied at the join; who exports to the coordinator, carried by the sync file's role",
        ),
    ),
    (
        "exporter_epoch",
        Carried::Local(
            "a coordination centre's record of which computer of each centre exports to it",
        ),
    ),
    (
        "store_meta",
        Carried::Local("this computer's settings (installation id, series letter, sync marks)"),
    ),
    (
        "counter",
        Carried::Local("this computer's case-number series"),
    ),
    ("sqlite_sequence", Carried::Local("SQLite's own")),
    (
        "search_doc",
        Carried::Local("the search index, rebuilt from applied records"),
    ),
    (
        "search_fts",
        Carried::Local("the search index, rebuilt from applied records"),
    ),
    (
        "open_case_member",
        Carried::Local("derived from cases and teams by triggers"),
    ),
    (
        "draft",
        Carried::Local("a person's unfinished form on the computer where she typed it"),
    ),
    (
        "centre_profile",
        Carried::Local("copied at the join; not carried afterwards (a limit)"),
    ),
    (
        "sync_identity",
        Carried::Local("copied at the join; the centre's identity does not change"),
    ),
    (
        "sync_peer",
        Carried::Local(
            "enrolled coordinator and partners: copied at the join; later enrolments are not carried (a limit)",
        ),
    ),
    (
        "directory_agency",
        Carried::Otherwise(
            "the directory in force travels as reference data (`reference`) and is rebuilt from it",
        ),
    ),
    (
        "sync_version",
        Carried::Local("what the exporting computer has sent to the coordinator and partners"),
    ),
    (
        "bundle_in",
        Carried::Local("the bundles imported on this computer"),
    ),
    (
        "purge_count",
        Carried::Local(
            "the counts of the purged cases, for the purge lines of this computer's bundles (made from the counts the purging computer archived: `peer_purge_count`)",
        ),
    ),
    (
        "sync_presence",
        Carried::Local(
            "at a coordination centre: which cases each centre's bundles imported here sent or removed (ids only)",
        ),
    ),
    (
        "bundle_out",
        Carried::Local("the bundles exported by this computer (the exporting one)"),
    ),
    (
        "case_transfer",
        Carried::Local("transfers between centres, done on the exporting computer (a limit)"),
    ),
    (
        "import_log",
        Carried::Local("this computer's log of bundle imports"),
    ),
    (
        "referral_letter",
        Carried::Local("letters are printed where they are made; not carried (a limit)"),
    ),
    (
        "import_batch",
        Carried::Local(
            "a spreadsheet import's undo, on the computer that imported (the records travel)",
        ),
    ),
    (
        "import_mapping",
        Carried::Local("saved spreadsheet mappings of this computer"),
    ),
    (
        "import_record",
        Carried::Local("a spreadsheet import's undo, on the computer that imported"),
    ),
    (
        "instrument_pack",
        Carried::Otherwise(
            "the newest version of each loaded pack travels as reference data (`reference`), this centre's own packs too",
        ),
    ),
    (
        "analysis_template",
        Carried::Local(
            "reference content from the coordinator, received where bundles are imported (a limit)",
        ),
    ),
    (
        "reference_item",
        Carried::Otherwise(
            "the items in force travel as reference data (`reference`), applied through the return bundle's checks",
        ),
    ),
    (
        "reference_log",
        Carried::Local("this computer's log of reference content"),
    ),
    (
        "reference_peer",
        Carried::Local(
            "what each centre (at a coordinator) or each other computer reported in force",
        ),
    ),
    (
        "stat_archive",
        Carried::Local(
            "the monthly counts of purged cases: each computer archives its purges and the applied ones, those with the counts the purging computer carried (`peer_purge_count`)",
        ),
    ),
    ("stat_received", Carried::Local("coordination centre only")),
    (
        "stat_received_month",
        Carried::Local("coordination centre only"),
    ),
    (
        "centre_registry",
        Carried::Local("coordination centre only"),
    ),
    ("centre_target", Carried::Local("coordination centre only")),
    (
        "stat_count",
        Carried::Local("the monthly counts, made by each computer from its own rows"),
    ),
    (
        "stat_count_dirty",
        Carried::Local("the months each computer's own writes left to count again"),
    ),
];

/// How `tbl` travels, if it is listed.
pub fn carried(tbl: &str) -> Option<Carried> {
    TABLES.iter().find(|(t, _)| *t == tbl).map(|(_, c)| *c)
}

/// The tables of the store not listed in [`TABLES`] (or listed wrongly: merged but not in
/// `merge::MERGED`, carried as rows without the sync columns).
pub fn unclassified(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_fts_%' ORDER BY name",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for name in names {
        let ok = match carried(&name) {
            None => false,
            Some(Carried::Merged) => merge::key_of(&name).is_some(),
            Some(Carried::Rows) => {
                let cols = merge::columns(conn, &name)?;
                ["id", "owner_centre", "owner_install", "hlc"]
                    .iter()
                    .all(|c| cols.iter().any(|x| x == c))
            }
            Some(_) => true,
        };
        if !ok {
            out.push(name);
        }
    }
    Ok(out)
}
