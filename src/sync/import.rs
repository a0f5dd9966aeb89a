//! Import: verify → route → idempotency → gaps and chain → decrypt → validate → apply in
//! one transaction → summary. A dry run does everything but commit.
//!
//! Merging follows ownership: a record is only ever written by its owner centre, so a
//! bundle may only carry its sender's records; a record replaces the copy here only if its
//! version (HLC) is newer, so bundles can arrive in any order, twice, or late, and the
//! result is the same.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;

use chrono::Utc;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::identity::{self, Fingerprint, PeerKeys, peer_by};
use super::payload::{Line, Manifest, StatMonths, TABLES, Totals};
use super::statistics;
pub use super::summary::{ImportSummary, Rejected, TableCounts, UnknownCode};
use crate::admin::retention::CaseCount;
use crate::bundle::format::{self, BundleKind, Header};
use crate::centre::{CentreProfile, Mode};
use crate::codes::CodeLists;
use crate::error::{Error, Result};
use crate::stats::tables::MonthlyCount;
use crate::store::Store;

/// The longest payload line accepted (a record is far smaller).
const MAX_LINE: usize = 8 * 1024 * 1024;

/// How often (in records) an import tells its progress.
pub const PROGRESS_EVERY: u64 = 2_000;
/// Rejected records listed one by one in a summary (the rest are counted).
const MAX_LISTED: usize = 200;

/// Code columns checked against the code lists on import (unknown codes are kept, flagged).
fn code_columns(table: &str) -> &'static [(&'static str, &'static str)] {
    match table {
        "client" => &[("sex", "sex"), ("age_band", "age_band")],
        "case_file" => &[
            ("referral_source", "referral_source"),
            ("intake_outcome", "intake_outcome"),
            ("status", "case_status"),
            ("closure_reason", "closure_reason"),
        ],
        "consent_event" => &[
            ("purpose", "consent_purpose"),
            ("given_by", "consent_by"),
            ("agency_type", "referral_agency"),
        ],
        "incident" => &[("place_type", "place_type"), ("gbvims_type", "gbvims_type")],
        "child" => &[("sex", "sex"), ("age_band", "age_band")],
        "service_contact" => &[
            ("discipline", "service_discipline"),
            ("mode", "service_mode"),
        ],
        "referral" => &[
            ("agency_type", "referral_agency"),
            ("status", "referral_status"),
        ],
        "protection_order" => &[
            ("issuer", "protection_order_issuer"),
            ("order_type", "protection_order_type"),
            ("status", "protection_order_status"),
        ],
        _ => &[],
    }
}

/// Applies records to the store inside one transaction.
struct Applier<'a> {
    tx: &'a Transaction<'a>,
    sender_centre: String,
    /// The payload's format: 1 sends a record's version as `hlc`, 2 as `version`.
    payload_format: u32,
    codes: &'static CodeLists,
    columns: HashMap<&'static str, HashSet<String>>,
    /// Per table, its links to other records: (column, parent table), from the schema's
    /// foreign keys.
    links: HashMap<&'static str, Vec<(String, String)>>,
    summary: &'a mut ImportSummary,
    unknown: BTreeMap<(String, String), u64>,
    /// The bundle's sequence number (its place in the sender's line of bundles).
    sequence: i64,
    /// Records not applied because a newer bundle of the sender removed their case.
    gone: u64,
    /// Whether a newer bundle of the sender removed any case or client (known before the
    /// first record: this bundle removes only under its own number), so that a bundle in
    /// order looks nothing up per record.
    removed_by_newer: bool,
}

impl Applier<'_> {
    /// A statistics-level bundle: claims the months it covers (unless a newer bundle set
    /// them) and, as the sender's newest bundle, drops any case-level replicas an earlier
    /// agreement left here. `None` for a bundle of records.
    fn claim_statistics(
        &mut self,
        manifest: &Manifest,
        header: &Header,
        peer: &PeerKeys,
        bundle_id: &str,
    ) -> Result<Option<(StatMonths, statistics::Applied)>> {
        Ok(match (manifest.sharing.as_str(), &manifest.statistics) {
            (statistics::STATISTICS, Some(range)) if header.kind == BundleKind::CentreExport => {
                let claimed = statistics::claim_months(
                    self.tx,
                    &peer.peer.centre_code,
                    range,
                    header.sequence,
                    bundle_id,
                )?;
                let t = self
                    .summary
                    .tables
                    .entry(statistics::MONTHLY_COUNTS.to_owned())
                    .or_default();
                t.new += claimed.new;
                t.updated += claimed.updated;
                t.unchanged += claimed.stale;
                if statistics::is_newest(self.tx, &peer.peer.fingerprint.hex, header.sequence)? {
                    let cases: Vec<String> = self
                        .tx
                        .prepare("SELECT id FROM case_file WHERE owner_centre = ?1")?
                        .query_map([&peer.peer.centre_code], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    for case in cases {
                        self.withdraw(&case)?;
                    }
                }
                Some((range.clone(), claimed))
            }
            (statistics::STATISTICS, _) | (_, Some(_)) => return Err(Error::BundleDamaged),
            _ => None,
        })
    }

    /// Payload format 2 restates: whether this bundle's records are to be skipped (a format-1
    /// bundle arriving after format 2 is in use); a first format-2 bundle withdraws the
    /// sender's format-1 copies.
    fn restate(
        &mut self,
        manifest: &Manifest,
        header: &Header,
        peer: &PeerKeys,
        statistics: bool,
    ) -> Result<bool> {
        let mut skip_records = false;
        if header.kind == BundleKind::CentreExport && !statistics {
            let old: Vec<String> = self
                .tx
                .prepare(
                    "SELECT id FROM case_file WHERE owner_centre = ?1
                       AND (substr(id, 15, 1) = '7') = (?2 >= 2)",
                )?
                .query_map(
                    params![&peer.peer.centre_code, manifest.payload_format],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            if manifest.payload_format >= 2 && !old.is_empty() {
                for case in &old {
                    self.withdraw(case)?;
                }
                self.summary.notes.push(format!(
                    "{} case(s) {} sent from an older version of Atrama were replaced by this bundle's restatement of what it shares",
                    old.len(),
                    peer.peer.centre_code
                ));
            } else if manifest.payload_format < 2 && !old.is_empty() {
                skip_records = true;
                self.summary.notes.push(format!(
                    "this bundle was made by an older version of Atrama at {} before its newer bundles already here; its records were not applied",
                    peer.peer.centre_code
                ));
            }
        }
        Ok(skip_records)
    }

    fn columns_of(&mut self, table: &'static str) -> Result<&HashSet<String>> {
        if !self.columns.contains_key(table) {
            let cols: HashSet<String> = self
                .tx
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            self.columns.insert(table, cols);
        }
        Ok(&self.columns[table])
    }

    /// The first link of `row` (`case_id`, `client_id`, `supersedes`, any foreign key) to a
    /// record here that belongs to another centre than the sender: a record may only hang
    /// from its own owner's records.
    fn foreign_link(
        &mut self,
        table: &'static str,
        row: &BTreeMap<String, Value>,
    ) -> Result<Option<String>> {
        if !self.links.contains_key(table) {
            let links: Vec<(String, String)> = self
                .tx
                .prepare(&format!(
                    "SELECT f.\"from\", f.\"table\" FROM pragma_foreign_key_list('{table}') f
                     WHERE EXISTS (SELECT 1 FROM pragma_table_info(f.\"table\") c
                                   WHERE c.name = 'owner_centre')"
                ))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            self.links.insert(table, links);
        }
        for (column, parent) in &self.links[table] {
            let Some(Value::String(target)) = row.get(column) else {
                continue;
            };
            let owner: Option<Option<String>> = self
                .tx
                .prepare_cached(&format!(
                    "SELECT owner_centre FROM \"{parent}\" WHERE id = ?1"
                ))?
                .query_row([target], |r| r.get(0))
                .optional()?;
            if let Some(owner) = owner
                && owner.as_deref() != Some(self.sender_centre.as_str())
            {
                return Ok(Some(format!(
                    "its {column} points to a record of {}, not of the sender {}; a record may only refer to its own centre's records",
                    owner.as_deref().unwrap_or("another store"),
                    self.sender_centre
                )));
            }
        }
        Ok(None)
    }

    fn reject(&mut self, table: &str, id: &str, reason: String) {
        self.summary
            .tables
            .entry(table.to_owned())
            .or_default()
            .rejected += 1;
        if self.summary.rejected.len() < MAX_LISTED {
            self.summary.rejected.push(Rejected {
                table: table.to_owned(),
                id: id.to_owned(),
                reason,
            });
        }
    }

    fn flag_codes(&mut self, table: &str, row: &BTreeMap<String, Value>) {
        for (col, list) in code_columns(table) {
            if let Some(Value::String(code)) = row.get(*col)
                && !self.codes.contains(list, code)
            {
                *self
                    .unknown
                    .entry(((*list).to_owned(), code.clone()))
                    .or_default() += 1;
            }
        }
        if table == "incident"
            && let Some(Value::String(forms)) = row.get("violence_forms")
            && let Ok(forms) = serde_json::from_str::<Vec<String>>(forms)
        {
            for f in forms {
                if !self.codes.contains("violence_form", &f) {
                    *self
                        .unknown
                        .entry(("violence_form".to_owned(), f))
                        .or_default() += 1;
                }
            }
        }
    }

    fn record(&mut self, table: &str, mut row: BTreeMap<String, Value>) -> Result<()> {
        // Format 2 sends the version (a counter without a clock) as `version`; it is kept
        // in the `hlc` column, which orders versions of a record the same way.
        if self.payload_format >= 2 {
            match row.remove("version") {
                Some(v) if !row.contains_key("hlc") => {
                    row.insert("hlc".to_owned(), v);
                }
                _ => {
                    row.insert("hlc".to_owned(), Value::Null);
                }
            }
        }
        let id = match row.get("id") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let Some(&table) = TABLES.iter().find(|t| **t == table) else {
            self.reject(
                table,
                &id,
                format!("'{table}' is not a table that travels in bundles"),
            );
            return Ok(());
        };
        if uuid::Uuid::parse_str(&id).is_err() {
            self.reject(table, &id, "the record has no valid id".into());
            return Ok(());
        }
        match row.get("owner_centre") {
            Some(Value::String(owner)) if *owner == self.sender_centre => {}
            other => {
                let owner = other.and_then(Value::as_str).unwrap_or("nobody");
                self.reject(
                    table,
                    &id,
                    format!(
                        "the record belongs to {owner}, not to the sender {}; only the owner centre sends its records",
                        self.sender_centre
                    ),
                );
                return Ok(());
            }
        }
        // The case (or client) the record belongs to, removed by a newer bundle of the
        // sender: this bundle arrived late, and its copy of the record is not applied.
        let scope = match table {
            "client" | "case_file" => Some(id.clone()),
            _ => row
                .get("case_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        if let Some(scope) = &scope {
            if self.removed_later(scope)? {
                self.gone += 1;
                self.summary
                    .tables
                    .entry(table.to_owned())
                    .or_default()
                    .unchanged += 1;
                return Ok(());
            }
            if matches!(table, "client" | "case_file") {
                self.set_presence(scope, true)?;
            }
        }
        let Some(hlc) = row.get("hlc").and_then(Value::as_i64) else {
            self.reject(table, &id, "the record has no version".into());
            return Ok(());
        };
        let known = self.columns_of(table)?;
        if let Some(name) = row.keys().find(|name| !known.contains(name.as_str())) {
            let reason = format!("unknown column '{name}'");
            self.reject(table, &id, reason);
            return Ok(());
        }
        if let Some(reason) = self.foreign_link(table, &row)? {
            self.reject(table, &id, reason);
            return Ok(());
        }
        let mut names = Vec::with_capacity(row.len());
        let mut values: Vec<ToSqlOutput<'_>> = Vec::with_capacity(row.len());
        for (name, value) in &row {
            let v = match value {
                Value::Null => ToSqlOutput::Owned(SqlValue::Null),
                Value::String(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
                Value::Number(n) if n.is_i64() => {
                    ToSqlOutput::Owned(SqlValue::Integer(n.as_i64().unwrap_or(0)))
                }
                Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
                _ => {
                    self.reject(
                        table,
                        &id,
                        format!("column '{name}' holds an unusable value"),
                    );
                    return Ok(());
                }
            };
            names.push(name.as_str());
            values.push(v);
        }
        let existing: Option<(String, i64)> = self
            .tx
            .prepare_cached(&format!(
                "SELECT owner_centre, hlc FROM {table} WHERE id = ?1"
            ))?
            .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let counts_key = table.to_owned();
        let result = match existing {
            Some((owner, _)) if owner != self.sender_centre => {
                self.reject(
                    table,
                    &id,
                    format!("a record with this id already belongs to {owner}"),
                );
                return Ok(());
            }
            Some((_, have)) if have >= hlc => {
                self.summary.tables.entry(counts_key).or_default().unchanged += 1;
                return Ok(());
            }
            Some(_) => {
                let sets: Vec<String> = names.iter().map(|n| format!("{n} = ?")).collect();
                let mut vals = values;
                vals.push(ToSqlOutput::Borrowed(ValueRef::Text(id.as_bytes())));
                self.tx
                    .prepare_cached(&format!(
                        "UPDATE {table} SET {} WHERE id = ?",
                        sets.join(", ")
                    ))?
                    .execute(rusqlite::params_from_iter(vals))
                    .map(|_| false)
            }
            None => {
                let marks = vec!["?"; names.len()].join(", ");
                self.tx
                    .prepare_cached(&format!(
                        "INSERT INTO {table} ({}) VALUES ({marks})",
                        names.join(", ")
                    ))?
                    .execute(rusqlite::params_from_iter(values))
                    .map(|_| true)
            }
        };
        match result {
            Ok(new) => {
                self.flag_codes(table, &row);
                let c = self.summary.tables.entry(counts_key).or_default();
                if new {
                    c.new += 1;
                } else {
                    c.updated += 1;
                }
            }
            // A constraint refuses this record only; the rest of the bundle still applies.
            Err(rusqlite::Error::SqliteFailure(e, msg))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                let why = msg.unwrap_or_else(|| e.to_string());
                let why = if why.contains("FOREIGN KEY") {
                    "it refers to a record that has not arrived (an earlier bundle may be missing)"
                        .to_owned()
                } else {
                    format!("it does not fit this store ({why})")
                };
                self.reject(table, &id, why);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Purges this store's copy of a case the sender purged under its retention policy: its
    /// contribution to the monthly tables is archived first, so the statistics stay — the
    /// counts the purge line carries (what the centre archived, the case's last changes
    /// included), or, from a centre before schema 29, those of the copy here. Once per case.
    fn purge(&mut self, case: &str, counts: Option<&[CaseCount]>) -> Result<()> {
        if self.sent_later(case)? {
            return Ok(());
        }
        let owner: Option<String> = self
            .tx
            .query_row(
                "SELECT owner_centre FROM case_file WHERE id = ?1",
                [case],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(owner) = &owner
            && *owner != self.sender_centre
        {
            self.reject(
                "case_file",
                case,
                format!("the case belongs to {owner}; the sender cannot purge it"),
            );
            return Ok(());
        }
        let archived: bool = self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sync_presence WHERE record_id = ?1 AND sender = ?2
                   AND archived = 1)",
            )?
            .query_row(params![case, self.sender_centre], |r| r.get(0))?;
        self.set_presence(case, false)?;
        if !archived {
            match counts {
                Some(counts) => crate::admin::retention::add_archived(
                    self.tx,
                    &self.sender_centre,
                    true,
                    counts,
                )?,
                None => {
                    crate::admin::retention::archive_case(self.tx, case)?;
                }
            }
            if counts.is_some() || owner.is_some() {
                self.tx.execute(
                    "UPDATE sync_presence SET archived = 1 WHERE record_id = ?1 AND sender = ?2",
                    params![case, self.sender_centre],
                )?;
            }
        }
        if owner.is_some() {
            crate::admin::retention::delete_case_rows(self.tx, case)?;
            self.summary.purged += 1;
        }
        Ok(())
    }

    /// Removes this store's copy of a case the sender no longer shares.
    fn withdraw(&mut self, case: &str) -> Result<()> {
        // A newer bundle of the sender shares the case again (the client gave her consent
        // again): this late withdrawal is older than that.
        if self.sent_later(case)? {
            return Ok(());
        }
        self.set_presence(case, false)?;
        let owner: Option<(String, String)> = self
            .tx
            .query_row(
                "SELECT owner_centre, client_id FROM case_file WHERE id = ?1",
                [case],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((owner, client)) = owner else {
            return Ok(()); // never had it
        };
        if owner != self.sender_centre {
            self.reject(
                "case_file",
                case,
                format!("the case belongs to {owner}; the sender cannot withdraw it"),
            );
            return Ok(());
        }
        // Children of the case first; referrals before the consents they name.
        for table in TABLES[2..].iter().rev() {
            self.tx
                .execute(&format!("DELETE FROM {table} WHERE case_id = ?1"), [case])?;
        }
        self.tx
            .execute("DELETE FROM case_file WHERE id = ?1", [case])?;
        let client_gone = self.tx.execute(
            "DELETE FROM client WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM case_file WHERE client_id = ?1)",
            [&client],
        )? > 0;
        if client_gone {
            self.set_presence(&client, false)?;
        }
        self.summary.withdrawn += 1;
        Ok(())
    }

    /// Whether a newer bundle of the sender than this one withdrew or purged `id` (a case
    /// or a client).
    fn removed_later(&self, id: &str) -> Result<bool> {
        if !self.removed_by_newer {
            return Ok(false);
        }
        self.newer_bundle(id, false)
    }

    /// Whether a newer bundle of the sender than this one sent the case.
    fn sent_later(&self, id: &str) -> Result<bool> {
        self.newer_bundle(id, true)
    }

    /// Whether the newest bundle of the sender that sent (`present`) or removed `id` is newer
    /// than this one and did that.
    fn newer_bundle(&self, id: &str, present: bool) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sync_presence WHERE record_id = ?1 AND sender = ?2
                   AND present = ?4 AND sequence > ?3)",
            )?
            .query_row(
                params![id, self.sender_centre, self.sequence, present],
                |r| r.get(0),
            )?)
    }

    /// Records that this bundle sent (`present`) or removed `id`, unless a newer bundle of
    /// the sender did something with it already. Within one bundle a removal wins.
    fn set_presence(&self, id: &str, present: bool) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO sync_presence (record_id, sender, sequence, present) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (record_id) DO UPDATE SET sender = excluded.sender,
                   sequence = excluded.sequence, present = excluded.present
                 WHERE excluded.sender = sync_presence.sender
                   AND (excluded.sequence > sync_presence.sequence
                        OR (excluded.sequence = sync_presence.sequence AND excluded.present = 0))",
            )?
            .execute(params![id, self.sender_centre, self.sequence, present])?;
        Ok(())
    }
}

/// The lines of a bundle's payload, read one by one. [`Lines::finish`] then checks that every
/// byte read was a byte whose signature was verified: nothing read may be committed before.
struct Lines<B: BufRead> {
    reader: B,
    buf: Vec<u8>,
}

impl<B: BufRead> Iterator for Lines<B> {
    type Item = Result<Line>;

    fn next(&mut self) -> Option<Result<Line>> {
        self.buf.clear();
        let mut limited = (&mut self.reader).take(MAX_LINE as u64 + 1);
        match limited.read_until(b'\n', &mut self.buf) {
            Ok(0) => None,
            Ok(n) if n > MAX_LINE => Some(Err(Error::BundleDamaged)),
            // Every line ends with LF, and a payload holds no CR at all (a JSON string
            // cannot hold a raw one): CRLF line ends are refused, as is a last line cut
            // short of its LF.
            Ok(_) if self.buf.last() != Some(&b'\n') || self.buf.contains(&b'\r') => {
                Some(Err(Error::BundleDamaged))
            }
            Ok(_) => {
                Some(serde_json::from_slice::<Line>(&self.buf).map_err(|_| Error::BundleDamaged))
            }
            Err(e) => Some(Err(format::payload_error(&e))),
        }
    }
}

impl<R: Read> Lines<BufReader<format::PayloadReader<R>>> {
    /// Reads what is left of the file and checks it is the file that was verified.
    fn finish(self) -> Result<()> {
        self.reader.into_inner().finish()
    }
}

fn read_lines<R: Read>(
    payload: format::PayloadReader<R>,
) -> Lines<BufReader<format::PayloadReader<R>>> {
    Lines {
        reader: BufReader::with_capacity(256 * 1024, payload),
        buf: Vec::new(),
    }
}

/// Finds the sender and checks that the bundle is for this store.
fn route(conn: &Connection, header: &Header, me: &Fingerprint, own_code: &str) -> Result<PeerKeys> {
    if header.recipient != me.hex {
        let who = peer_by(conn, "fingerprint", &header.recipient)?
            .map(|p| format!("centre {} ({})", p.peer.centre_code, p.peer.name));
        return Err(Error::WrongRecipient(match who {
            Some(who) => format!(
                "this bundle was sealed for {who}, not for this store ({own_code}); pass it on to them, or ask the sender to export it again for {own_code}"
            ),
            None => format!(
                "this bundle was sealed for another store (fingerprint {}), not for this one ({own_code}); ask the sender to export it again for {own_code}",
                Fingerprint::short_of_hex(&header.recipient)
            ),
        }));
    }
    peer_by(conn, "fingerprint", &header.sender)?.ok_or_else(|| {
        Error::UnknownSender(format!(
            "this bundle comes from a sender that is not enrolled here (fingerprint {}); enrol them with their enrolment file first, confirming the fingerprint by phone",
            Fingerprint::short_of_hex(&header.sender)
        ))
    })
}

impl Store {
    /// Imports one bundle file. With `dry_run`, everything is checked and counted but nothing
    /// is changed (the attempt is still logged).
    pub fn import_bundle(&mut self, path: &Path, dry_run: bool) -> Result<ImportSummary> {
        self.import_bundle_with_progress(path, dry_run, &mut |_, _| {})
    }

    /// [`Store::import_bundle`], telling `records(done, total)` as the records of a centre's
    /// bundle are applied (every [`PROGRESS_EVERY`] records, and at the end).
    pub fn import_bundle_with_progress(
        &mut self,
        path: &Path,
        dry_run: bool,
        records: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportSummary> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let file_name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let result = std::fs::File::open(path)
            .map_err(Error::io(path))
            .and_then(|file| self.import_inner(file, &file_name, dry_run, records));
        self.log_refusal(&file_name, &result);
        result
    }

    /// [`Store::import_bundle`] from an open source that reads and seeks (a file, or bytes
    /// in memory); `file_name` names it in the import log.
    pub fn import_bundle_from<R: Read + Seek>(
        &mut self,
        file_name: &str,
        input: R,
        dry_run: bool,
    ) -> Result<ImportSummary> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let result = self.import_inner(input, file_name, dry_run, &mut |_, _| {});
        self.log_refusal(file_name, &result);
        result
    }

    /// [`Store::import_bundle`] of a file reached through another path than its name (the
    /// inbox reads the very file it checked, through its open handle), reported and logged
    /// as `file_name`.
    pub(crate) fn import_bundle_named(
        &mut self,
        path: &Path,
        file_name: &str,
        dry_run: bool,
    ) -> Result<ImportSummary> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let result = std::fs::File::open(path)
            .map_err(Error::io(path))
            .and_then(|file| self.import_inner(file, file_name, dry_run, &mut |_, _| {}));
        self.log_refusal(file_name, &result);
        result
    }

    /// Logs a refused file with its reason (no content: nothing was decrypted into the log).
    fn log_refusal(&self, file_name: &str, result: &Result<ImportSummary>) {
        if let Err(e) = result {
            let _ = self.conn.execute(
                "INSERT INTO import_log (at, username, file_name, outcome, summary)
                 VALUES (?1, ?2, ?3, 'refused', ?4)",
                params![
                    Utc::now().to_rfc3339(),
                    self.ctx.user,
                    file_name,
                    serde_json::json!({ "error": e.to_string(), "code": e.code() }).to_string()
                ],
            );
        }
    }

    fn import_inner<R: Read + Seek>(
        &mut self,
        input: R,
        file_name: &str,
        dry_run: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportSummary> {
        let profile = self.profile()?;
        // Verify: the header, this store as the recipient, a pinned sender, the signature,
        // in one pass over the file (`verify_bundle`).
        let Verified {
            file,
            bundle,
            me,
            peer,
        } = self.verify_bundle(input)?;
        let header = bundle.header.clone();
        let file_hash = bundle.file_hash();
        // Route: who may send this kind of bundle, before anything of it is read.
        self.route(profile.mode, &header, &peer)?;
        let bundle_id = header.bundle_id.to_string();
        let mut summary = new_summary(file_name, &header, &peer, dry_run);
        // Idempotency: a bundle applied before changes nothing.
        if self.already_applied(&bundle_id, &peer, &mut summary)? {
            return Ok(summary);
        }
        self.note_sequence(&header, &peer, &mut summary)?;
        // The same bytes again, or nothing: `finish` checks the whole file.
        let payload = format::open_verified(file, &bundle, &me.opening)?;
        let arrival = Arrival {
            header: &header,
            bundle_id: &bundle_id,
            file_hash: &file_hash,
            peer: &peer,
            dry_run,
        };
        // Apply, in one transaction.
        if header.kind == BundleKind::Transfer {
            return self.apply_transfer(payload, &arrival, summary);
        }
        self.apply_payload(payload, &arrival, &profile, summary, progress)
    }

    /// Route: a bundle of a newer schema is refused, and only a sender whose mode
    /// `routing::ROUTES` allows for the bundle's kind may send it.
    fn route(&self, mode: Mode, header: &Header, peer: &PeerKeys) -> Result<()> {
        if header.schema_version > crate::store::migrations::LATEST {
            return Err(Error::NewerVersion {
                what: "bundle schema",
                found: header.schema_version,
                supported: crate::store::migrations::LATEST,
            });
        }
        // Who may send this kind of bundle (`routing::ROUTES`), before anything of it is read.
        let coordinators: i64 = self.conn.query_row(
            "SELECT count(*) FROM sync_peer WHERE mode = 'coordinator'",
            [],
            |r| r.get(0),
        )?;
        super::routing::admit(mode, &peer.peer, header.kind, coordinators)
    }

    /// Idempotency: whether the bundle was applied here before (then `summary` says so and
    /// the attempt is logged).
    fn already_applied(
        &self,
        bundle_id: &str,
        peer: &PeerKeys,
        summary: &mut ImportSummary,
    ) -> Result<bool> {
        let already: Option<String> = self
            .conn
            .query_row(
                "SELECT imported_at FROM bundle_in WHERE bundle_id = ?1",
                [bundle_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(at) = already {
            summary.outcome = "already_applied".into();
            summary.notes.push(format!(
                "this bundle was already applied on {}; nothing was changed",
                &at[..at.len().min(10)]
            ));
            self.log_import(summary, peer)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Applies a `transfer` bundle: the case it carries becomes a new case here.
    fn apply_transfer<R: Read>(
        &mut self,
        payload: format::PayloadReader<R>,
        arrival: &Arrival<'_>,
        mut summary: ImportSummary,
    ) -> Result<ImportSummary> {
        let Arrival {
            header,
            bundle_id,
            file_hash,
            peer,
            dry_run,
        } = *arrival;
        let from = peer.peer.centre_code.clone();
        let kind = header.kind;
        let mut lines = read_lines(payload);
        let checked = |line: Result<Line>| {
            line.and_then(|l| super::routing::check_line(kind, &l).map(|()| l))
        };
        match lines.next().map(checked) {
            Some(Ok(Line::Manifest(m))) if m.centre == from && m.sharing == "transfer" => {}
            Some(Ok(Line::Manifest(_))) => {
                return Err(Error::invalid(
                    "the bundle's content names another centre than its signature; it was not applied — tell the sender",
                ));
            }
            _ => return Err(Error::BundleDamaged),
        }
        let user = self.ctx.user.clone();
        self.batch_or_roll_back(!dry_run, |b| {
            let received =
                super::transfer::apply(b, &from, bundle_id, lines.by_ref().map(checked))?;
            lines.finish()?;
            summary.tables.insert(
                "case_file".into(),
                TableCounts {
                    new: 1,
                    ..TableCounts::default()
                },
            );
            summary.notes.push(format!(
                "case {} of {from} arrived with the client's consent; it is case {} here",
                summary.sequence, received.case_number
            ));
            insert_bundle_in(&b.tx, header, bundle_id, peer, file_hash, &user, 0)?;
            if !dry_run {
                insert_import_log(&b.tx, &user, &summary, peer)?;
                crate::audit::append(
                    &b.tx,
                    &user,
                    crate::audit::Action::Import,
                    Some(received.case),
                    Some(&format!(
                        "case transferred from {from} (bundle {})",
                        summary.bundle_id
                    )),
                )?;
            }
            Ok(())
        })?;
        if dry_run {
            self.log_import(&summary, peer)?;
        }
        Ok(summary)
    }

    /// Applies the lines of a centre export or a return bundle by owner and version, in one
    /// transaction, then records the bundle as applied (or rolls back a dry run).
    fn apply_payload<R: Read>(
        &mut self,
        payload: format::PayloadReader<R>,
        arrival: &Arrival<'_>,
        profile: &CentreProfile,
        mut summary: ImportSummary,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportSummary> {
        let Arrival {
            header,
            bundle_id,
            file_hash,
            peer,
            dry_run,
        } = *arrival;
        let codes = self.ctx.codes;
        let user = self.ctx.user.clone();
        let tx = self.conn.transaction()?;
        crate::phase::mark("import:transaction");
        {
            let sequence = i64::try_from(header.sequence).map_err(|_| Error::BundleDamaged)?;
            let mut applier = Applier {
                tx: &tx,
                sender_centre: peer.peer.centre_code.clone(),
                payload_format: super::payload::PAYLOAD_FORMAT,
                codes,
                columns: HashMap::new(),
                links: HashMap::new(),
                summary: &mut summary,
                unknown: BTreeMap::new(),
                sequence,
                gone: 0,
                removed_by_newer: tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM sync_presence
                       WHERE sender = ?1 AND present = 0 AND sequence > ?2)",
                    params![peer.peer.centre_code, sequence],
                    |r| r.get(0),
                )?,
            };
            let kind = header.kind;
            let checked = |line: Result<Line>| {
                line.and_then(|l| super::routing::check_line(kind, &l).map(|()| l))
            };
            let mut lines = read_lines(payload);
            let manifest = read_manifest(lines.next().map(checked), &peer.peer.centre_code)?;
            applier.payload_format = manifest.payload_format;
            // Of a centre's several computers only the holder of the role exports; a
            // bundle from one that lost it (a lost laptop after a takeover) is refused.
            if header.kind == BundleKind::CentreExport {
                check_exporter(&tx, header, peer, manifest.exporter.as_ref())?;
            }
            // A statistics-level bundle: claim the months it covers (unless a newer bundle
            // set them), and, as the sender's newest bundle, drop any case-level replicas
            // an earlier agreement left here.
            let stat_months = applier.claim_statistics(&manifest, header, peer, bundle_id)?;
            // Payload format 2 changed every id and version a recipient sees: a centre's first
            // bundle of format 2 restates all it shares, and replaces what format 1 left
            // here (format-1 ids are UUIDv7, format-2 ids never are). A format-1 bundle that
            // arrives after format 2 is in use applies none of its records.
            let skip_records = applier.restate(&manifest, header, peer, stat_months.is_some())?;
            // Counts come from the file: added with a check, a sum that overflows is no count.
            let expected = manifest
                .counts
                .values()
                .try_fold(0u64, |sum, n| sum.checked_add(*n))
                .ok_or(Error::BundleDamaged)?;
            let mut counted = Totals::default();
            let mut ended = false;
            for line in lines.by_ref().map(checked) {
                if ended {
                    return Err(Error::BundleDamaged);
                }
                match line? {
                    Line::Record { table, row } => {
                        counted.records += 1;
                        if counted.records.is_multiple_of(PROGRESS_EVERY) {
                            progress(counted.records, expected.max(counted.records));
                        }
                        if header.kind != BundleKind::CentreExport || stat_months.is_some() {
                            return Err(Error::BundleDamaged);
                        }
                        if !skip_records {
                            applier.record(&table, row)?;
                        }
                    }
                    Line::Withdraw { case_id } => {
                        counted.withdrawn += 1;
                        if header.kind != BundleKind::CentreExport {
                            return Err(Error::BundleDamaged);
                        }
                        applier.withdraw(&case_id)?;
                    }
                    Line::Purge { case_id, counts } => {
                        counted.purged += 1;
                        applier.purge(&case_id, counts.as_deref())?;
                    }
                    Line::Stat {
                        month,
                        part,
                        code,
                        value,
                    } => {
                        counted.stats += 1;
                        let Some((range, claimed)) = &stat_months else {
                            return Err(Error::BundleDamaged);
                        };
                        statistics::put_count(
                            applier.tx,
                            &peer.peer.centre_code,
                            range,
                            claimed,
                            &MonthlyCount {
                                month,
                                part,
                                code,
                                value,
                            },
                        )?;
                    }
                    Line::Ack(ack) => {
                        counted.acks += 1;
                        if ack.centre == profile.code {
                            for b in &ack.applied {
                                applier.summary.acknowledged += applier.tx.execute(
                                    "UPDATE bundle_out SET acked_at = ?1
                                     WHERE bundle_id = ?2 AND file_hash = ?3 AND recipient = ?4
                                       AND acked_at IS NULL",
                                    params![
                                        header.created_at,
                                        b.bundle_id,
                                        b.file_hash,
                                        peer.peer.fingerprint.hex
                                    ],
                                )?
                                    as u64;
                            }
                        }
                    }
                    Line::AnalysisTemplate(t) => {
                        counted.templates += 1;
                        crate::analysis::exchange::apply(
                            applier.tx,
                            &applier.sender_centre,
                            bundle_id,
                            &user,
                            &t,
                            applier.summary,
                        )?;
                    }
                    Line::Reference(item) => {
                        counted.reference += 1;
                        let outcome = super::refdata::apply(
                            applier.tx,
                            codes,
                            &item,
                            &super::refdata::Origin {
                                source: &peer.peer.centre_code,
                                bundle_id: Some(bundle_id),
                                user: &user,
                                within_centre: false,
                            },
                        )?;
                        applier.summary.reference.push(outcome);
                    }
                    Line::ReferenceState { items } => {
                        super::refdata::record_peer_state(
                            applier.tx,
                            &peer.peer.fingerprint.hex,
                            &items,
                            &header.created_at,
                        )?;
                    }
                    Line::End(totals) => {
                        if totals != counted {
                            return Err(Error::BundleDamaged);
                        }
                        if counted.records > 0 {
                            progress(counted.records, counted.records);
                        }
                        ended = true;
                    }
                    Line::Manifest(_) | Line::TransferCase(_) | Line::TransferDocument { .. } => {
                        return Err(Error::BundleDamaged);
                    }
                }
            }
            if !ended {
                return Err(Error::BundleDamaged);
            }
            lines.finish()?;
            if applier.gone > 0 {
                let note = format!(
                    "{} record(s) of cases {} withdrew or purged in a newer bundle already here were not applied (this bundle arrived late)",
                    applier.gone, applier.sender_centre
                );
                applier.summary.notes.push(note);
            }
            let unknown = std::mem::take(&mut applier.unknown);
            applier.summary.unknown_codes = unknown
                .into_iter()
                .map(|((list, code), count)| UnknownCode { list, code, count })
                .collect();
        }
        // Refused records keep the bundle from being acknowledged (`export::plan_return`),
        // so the sender's watermark stays below them and they come again.
        let rejected = summary.totals().rejected;
        insert_bundle_in(&tx, header, bundle_id, peer, file_hash, &user, rejected)?;
        if dry_run {
            drop(tx); // rolls back
        } else {
            insert_import_log(&tx, &user, &summary, peer)?;
            crate::audit::append(
                &tx,
                &user,
                crate::audit::Action::Import,
                None,
                Some(&format!(
                    "bundle {} from {} (sequence {})",
                    summary.bundle_id, summary.sender, summary.sequence
                )),
            )?;
            // The coordinator's kept monthly counts of the months this bundle changed,
            // in the same transaction (`stats::tables::counts`).
            if profile.mode == Mode::Coordinator {
                crate::stats::tables::counts::refresh(&tx)?;
            }
            crate::phase::mark("import:commit");
            tx.commit()?;
            crate::phase::mark("import:committed");
            if summary
                .reference
                .iter()
                .any(|r| r.kind == "code_lists" && r.outcome == "applied")
            {
                self.ctx.codes = crate::store::context::codes_in_force(&self.conn)?;
            }
            return Ok(summary);
        }
        self.log_import(&summary, peer)?;
        Ok(summary)
    }

    /// Notes gaps, late arrivals and chain breaks (never a reason to refuse: ownership makes
    /// the order of bundles irrelevant).
    fn note_sequence(
        &self,
        header: &Header,
        peer: &PeerKeys,
        summary: &mut ImportSummary,
    ) -> Result<()> {
        let last: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT sequence, file_hash FROM bundle_in WHERE sender = ?1
                 ORDER BY sequence DESC LIMIT 1",
                [&peer.peer.fingerprint.hex],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // Sequence numbers come from files (a store may hold one from before they were
        // bounded): worked out in i128, where no sum of two of them overflows.
        let seq = i128::from(header.sequence);
        let last_seq = i128::from(last.as_ref().map_or(0, |l| l.0));
        if seq > last_seq + 1 {
            summary.notes.push(format!(
                "bundle {} of {} arrived but {} before it did not (yet); it was applied anyway — ask {} to check that every bundle was sent",
                seq,
                peer.peer.centre_code,
                if seq == last_seq + 2 {
                    format!("number {}", last_seq + 1)
                } else {
                    format!("numbers {}–{}", last_seq + 1, seq - 1)
                },
                peer.peer.centre_code
            ));
        } else if seq <= last_seq {
            summary.notes.push(format!(
                "bundle {seq} arrived after bundle {last_seq}; applied (newer versions already here are kept)"
            ));
        }
        let before: Option<String> = self
            .conn
            .query_row(
                "SELECT file_hash FROM bundle_in WHERE sender = ?1 AND sequence = ?2",
                params![
                    peer.peer.fingerprint.hex,
                    i64::try_from(seq - 1).unwrap_or(i64::MAX)
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(before) = before
            && header.prev_hash.as_deref() != Some(before.as_str())
        {
            summary.notes.push(format!(
                "bundle {seq} does not follow the bundle {} imported here as number {}: the chain is broken (was a bundle re-made or restored from a backup?); applied anyway",
                peer.peer.centre_code,
                seq - 1
            ));
        }
        Ok(())
    }

    fn log_import(&self, summary: &ImportSummary, peer: &PeerKeys) -> Result<()> {
        insert_import_log(&self.conn, &self.ctx.user, summary, peer)
    }

    /// The decrypted payload (JSON Lines) of a bundle sealed for this store, after checking
    /// its signature: what exactly a centre sent. Nothing is applied; the reading is
    /// recorded in the access log (`view_bundle`, the bundle and its sender).
    pub fn read_bundle_payload(&self, path: &Path) -> Result<String> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let file = std::fs::File::open(path).map_err(Error::io(path))?;
        self.read_bundle_payload_from(file)
    }

    /// [`Store::read_bundle_payload`] from an open source that reads and seeks.
    pub fn read_bundle_payload_from<R: Read + Seek>(&self, input: R) -> Result<String> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let v = self.verify_bundle(input)?;
        let bundle = format!(
            "bundle {} from {} (sequence {}); nothing applied",
            v.bundle.header.bundle_id, v.peer.peer.centre_code, v.bundle.header.sequence
        );
        let mut payload = format::open_verified(v.file, &v.bundle, &v.me.opening)?;
        let mut text = String::new();
        payload
            .read_to_string(&mut text)
            .map_err(|e| format::payload_error(&e))?;
        payload.finish()?;
        self.log_access(crate::audit::Action::ViewBundle, None, Some(&bundle))?;
        Ok(text)
    }

    /// The import history, newest first (those who may import bundles only: it names the
    /// files, senders and refused records).
    pub fn import_history(&self, limit: u32) -> Result<Vec<ImportLogEntry>> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let rows = self
            .conn
            .prepare(
                "SELECT at, username, file_name, outcome, summary FROM import_log
                 ORDER BY seq DESC LIMIT ?1",
            )?
            .query_map([limit], |r| {
                Ok(ImportLogEntry {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    file_name: r.get(2)?,
                    outcome: r.get(3)?,
                    summary: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// A centre of several computers exports from one of them at a time (`docs/peers.md`), and
/// says in every bundle which one and under which holder epoch (the manifest's `exporter`;
/// none: a centre of one computer, epoch 0). Per sending centre this store keeps the newest
/// epoch imported, the computer of that epoch and the lowest number imported under it
/// (`exporter_epoch`). Refused, nothing applied: a bundle of an older epoch numbered from
/// there on — the computer that held the role exported after another took it over — and a
/// bundle of the same epoch from another computer (two takeovers at once: the first to
/// arrive here is kept). A bundle of an older epoch numbered below is one the former holder
/// sent before the handover, arriving late, and is applied. A newer epoch is recorded.
fn check_exporter(
    tx: &Connection,
    header: &Header,
    peer: &PeerKeys,
    exporter: Option<&super::payload::Exporter>,
) -> Result<()> {
    let (epoch, id) = match exporter {
        // The id is a derived installation id (a UUID); anything else is no writer's.
        Some(e) if uuid::Uuid::parse_str(&e.id).is_err() => return Err(Error::BundleDamaged),
        Some(e) => (
            i64::try_from(e.epoch).map_err(|_| Error::BundleDamaged)?,
            Some(e.id.as_str()),
        ),
        None => (0, None),
    };
    let sequence = i64::try_from(header.sequence).map_err(|_| Error::BundleDamaged)?;
    let sender = &peer.peer.fingerprint.hex;
    let held: Option<(i64, Option<String>, i64)> = tx
        .query_row(
            "SELECT epoch, exporter, from_sequence FROM exporter_epoch WHERE sender = ?1",
            [sender],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let centre = &peer.peer.centre_code;
    match held {
        Some((held_epoch, _, from)) if epoch < held_epoch => {
            if sequence >= from {
                return Err(Error::invalid(format!(
                    "bundle {sequence} of {centre} was exported by a computer of the centre that no longer sends its bundles: another computer of the centre took over the sending, and its bundles from number {from} on were imported here; it was not applied — tell {centre} that its bundles now come only from the computer shown under Administration → Computers"
                )));
            }
        }
        Some((held_epoch, Some(held_id), _))
            if epoch == held_epoch && id.is_some_and(|id| id != held_id) =>
        {
            return Err(Error::invalid(format!(
                "bundle {sequence} of {centre} was exported by another computer of the centre than the one whose bundles are imported here under the same handover (two computers took the sending over at once); it was not applied — tell {centre} to hand the sending over once more (Administration → Computers) on the computer that should send"
            )));
        }
        Some((held_epoch, held_id, from)) if epoch == held_epoch => {
            tx.execute(
                "UPDATE exporter_epoch SET from_sequence = ?2, exporter = ?3 WHERE sender = ?1",
                params![sender, from.min(sequence), held_id.as_deref().or(id)],
            )?;
        }
        _ => {
            tx.execute(
                "INSERT INTO exporter_epoch (sender, epoch, exporter, from_sequence)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sender) DO UPDATE SET epoch = excluded.epoch,
                   exporter = excluded.exporter, from_sequence = excluded.from_sequence",
                params![sender, epoch, id, sequence],
            )?;
        }
    }
    Ok(())
}

/// The first line of a payload: the manifest, of a payload format this build reads, naming
/// the centre that signed the bundle.
fn read_manifest(first: Option<Result<Line>>, sender: &str) -> Result<Manifest> {
    match first {
        Some(Ok(Line::Manifest(m))) if m.payload_format > super::payload::PAYLOAD_FORMAT => {
            Err(Error::NewerVersion {
                what: "bundle payload",
                found: i64::from(m.payload_format),
                supported: i64::from(super::payload::PAYLOAD_FORMAT),
            })
        }
        Some(Ok(Line::Manifest(m))) if m.payload_format < super::payload::OLDEST_PAYLOAD_FORMAT => {
            Err(Error::BundleDamaged)
        }
        Some(Ok(Line::Manifest(m))) if m.centre == sender => Ok(m),
        Some(Ok(Line::Manifest(_))) => Err(Error::invalid(
            "the bundle's content names another centre than its signature; it was not applied — tell the sender",
        )),
        _ => Err(Error::BundleDamaged),
    }
}

/// What arrived: the verified header and who sent it, and whether this is a dry run.
#[derive(Clone, Copy)]
struct Arrival<'a> {
    header: &'a Header,
    bundle_id: &'a str,
    file_hash: &'a str,
    peer: &'a PeerKeys,
    dry_run: bool,
}

/// The summary an import starts from: the bundle and its sender, nothing applied yet.
fn new_summary(file_name: &str, header: &Header, peer: &PeerKeys, dry_run: bool) -> ImportSummary {
    let bundle_id = header.bundle_id.to_string();
    ImportSummary {
        file_name: file_name.to_owned(),
        bundle_id,
        sender: peer.peer.centre_code.clone(),
        sender_name: peer.peer.name.clone(),
        kind: header.kind,
        sequence: header.sequence,
        period: header
            .period
            .as_ref()
            .map(|p| format!("{} – {}", p.from, p.to)),
        outcome: if dry_run { "dry_run" } else { "applied" }.into(),
        notes: Vec::new(),
        tables: BTreeMap::new(),
        withdrawn: 0,
        purged: 0,
        acknowledged: 0,
        rejected: Vec::new(),
        unknown_codes: Vec::new(),
        reference: Vec::new(),
    }
}

/// A bundle file that is addressed to this store and signed by its pinned sender; nothing
/// decrypted yet.
struct Verified<R> {
    file: R,
    bundle: format::VerifiedBundle,
    me: identity::Identity,
    peer: PeerKeys,
}

impl Store {
    /// In one pass: reads the header, checks that the bundle is for this store and from an
    /// enrolled sender, and verifies the signature over the whole file.
    fn verify_bundle<R: Read + Seek>(&self, mut file: R) -> Result<Verified<R>> {
        let mut routed = None;
        let bundle = format::verify(&mut file, |header| {
            let me = identity::identity(&self.conn)?;
            let peer = route(&self.conn, header, &me.fingerprint(), &self.profile()?.code)?;
            let key = peer.verifying;
            routed = Some((me, peer));
            Ok(key)
        })?;
        let (me, peer) = routed.ok_or(Error::BundleDamaged)?;
        Ok(Verified {
            file,
            bundle,
            me,
            peer,
        })
    }
}

/// Why a file was refused, as the shells show it: the stable code and the core's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportRefusal {
    /// What kind of refusal (`bundle_damaged`, `wrong_recipient`, `unknown_sender`,
    /// `newer_version`, …).
    pub code: crate::error::ErrorCode,
    /// What happened and what to do.
    pub message: String,
}

/// The result of importing one file of several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportFileResult {
    /// The file as given.
    pub path: String,
    /// Its name (no folder).
    pub file_name: String,
    /// What was done, when the file was accepted (applied, already applied, dry run).
    pub summary: Option<ImportSummary>,
    /// Why it was refused (nothing of it was applied).
    pub refused: Option<ImportRefusal>,
}

/// Progress of a multi-file import, reported as each file starts and ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ImportEvent {
    /// A file is being checked and applied.
    Started {
        /// 0-based position in the list.
        index: u32,
        /// How many files in all.
        total: u32,
        /// The file's name.
        file_name: String,
    },
    /// Records of the file applied so far (large bundles: every few thousand records).
    Records {
        /// 0-based position in the list.
        index: u32,
        /// Records applied.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        done: u64,
        /// Records in the bundle (its manifest's counts).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        total: u64,
    },
    /// A file is done (applied or refused).
    Finished {
        /// 0-based position in the list.
        index: u32,
        /// How many files in all.
        total: u32,
        /// What happened.
        result: Box<ImportFileResult>,
    },
}

impl Store {
    /// Imports several bundle files, one after the other, each in its own transaction: a
    /// refused file does not stop the others. `progress` hears when each file starts and
    /// ends, and how far the records of a large one are.
    pub fn import_bundles(
        &mut self,
        files: &[std::path::PathBuf],
        dry_run: bool,
        mut progress: impl FnMut(&ImportEvent),
    ) -> Vec<ImportFileResult> {
        let total = u32::try_from(files.len()).unwrap_or(u32::MAX);
        let mut results = Vec::with_capacity(files.len());
        for (i, path) in files.iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let file_name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            progress(&ImportEvent::Started {
                index,
                total,
                file_name: file_name.clone(),
            });
            let (summary, refused) =
                match self.import_bundle_with_progress(path, dry_run, &mut |done, all| {
                    progress(&ImportEvent::Records {
                        index,
                        done,
                        total: all,
                    });
                }) {
                    Ok(s) => (Some(s), None),
                    Err(e) => (
                        None,
                        Some(ImportRefusal {
                            code: e.code(),
                            message: e.to_string(),
                        }),
                    ),
                };
            let result = ImportFileResult {
                path: path.display().to_string(),
                file_name,
                summary,
                refused,
            };
            progress(&ImportEvent::Finished {
                index,
                total,
                result: Box::new(result.clone()),
            });
            results.push(result);
        }
        results
    }
}

/// One import attempt, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportLogEntry {
    /// When.
    pub at: String,
    /// Who.
    pub user: String,
    /// Which file.
    pub file_name: String,
    /// `applied`, `already_applied`, `dry_run` or `refused`.
    pub outcome: String,
    /// The summary (JSON), or the error of a refused file.
    pub summary: String,
}

/// Records a bundle as applied (the import is idempotent on its id), with how many of its
/// records were refused (such a bundle is never acknowledged).
fn insert_bundle_in(
    conn: &Connection,
    header: &Header,
    bundle_id: &str,
    peer: &PeerKeys,
    file_hash: &str,
    user: &str,
    rejected: u64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO bundle_in (bundle_id, sender, sequence, kind, period_from, period_to,
                                file_hash, prev_hash, sealed_at, imported_at, imported_by,
                                rejected)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            bundle_id,
            peer.peer.fingerprint.hex,
            i64::try_from(header.sequence).unwrap_or(i64::MAX),
            header.kind.code(),
            header.period.as_ref().map(|p| p.from.clone()),
            header.period.as_ref().map(|p| p.to.clone()),
            file_hash,
            header.prev_hash,
            header.created_at,
            Utc::now().to_rfc3339(),
            user,
            i64::try_from(rejected).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

fn insert_import_log(
    conn: &Connection,
    user: &str,
    summary: &ImportSummary,
    peer: &PeerKeys,
) -> Result<()> {
    conn.execute(
        "INSERT INTO import_log (at, username, file_name, bundle_id, sender, outcome, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            Utc::now().to_rfc3339(),
            user,
            summary.file_name,
            summary.bundle_id,
            peer.peer.fingerprint.hex,
            summary.outcome,
            serde_json::to_string(summary).unwrap_or_default()
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line reader over plain bytes (the payload's decryption is not under test here).
    fn read_lines(bytes: &[u8]) -> Lines<&[u8]> {
        Lines {
            reader: bytes,
            buf: Vec::new(),
        }
    }

    #[test]
    fn lines_end_with_lf_and_hold_no_cr() {
        let end = r#"{"type":"end","records":0,"withdrawn":0,"acks":0}"#;
        let ok = format!("{end}\n{end}\n");
        assert_eq!(read_lines(ok.as_bytes()).filter(Result::is_ok).count(), 2);
        for bad in [
            format!("{end}\r\n"),
            end.to_owned(),
            format!("{end}\n\n"),
            format!("{end}\n{end}"),
        ] {
            assert!(read_lines(bad.as_bytes()).any(|l| l.is_err()), "{bad:?}");
        }
    }
}
