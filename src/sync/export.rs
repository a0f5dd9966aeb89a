//! Export: a centre's bundle for its coordination centre (everything changed since the last
//! acknowledged bundle, pseudonymised, only for clients who consented to non-identifiable
//! statistics), and a coordination centre's return bundle for a centre (the
//! acknowledgement of what was applied). A preview shows what would leave before anything
//! is written; the file is written atomically.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::identity::{self, PeerKeys, peer_by};
use super::payload::{
    self, Ack, AckedBundle, Line, Manifest, PAYLOAD_FORMAT, StatMonths, TABLES, Totals,
    pseudonymised_columns,
};
use super::pseudonymise::{self, PseudonymKey};
use super::statistics;
use crate::atomic_file::AtomicFile;
use crate::bundle::format::{self, BundleKind, Period, Routing};
use crate::cases::consents;
use crate::centre::Mode;
use crate::error::{Error, Result};
use crate::stats::tables::MonthlyCount;
use crate::store::Store;

/// What an export would write (shown before anything leaves the centre).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportPreview {
    /// The recipient's centre code.
    pub recipient: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// `centre_export` or `return`.
    pub kind: BundleKind,
    /// `pseudonymised`, `statistics` (monthly counts only), or `none` for a return bundle.
    pub sharing: String,
    /// The sequence number the bundle will have.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sequence: u64,
    /// Change-log range covered, `(from, to]`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub change_seq_from: i64,
    /// End of the range.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub change_seq_to: i64,
    /// Records per table.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub counts: BTreeMap<String, u64>,
    /// The columns that leave, per table.
    pub fields: BTreeMap<String, Vec<String>>,
    /// The columns that never leave, per table (names, phone, address, contact safety, …).
    /// Notes, documents and drafts never leave at all.
    pub withheld: BTreeMap<String, Vec<String>>,
    /// Cases with changes that stay at the centre because the client has not consented to
    /// non-identifiable statistics.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cases_without_consent: u64,
    /// Cases whose consent was withdrawn: the coordinator is told to remove its copy.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub withdrawn: u64,
    /// Cases purged under the retention policy: the coordinator purges its copy too.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub purged: u64,
    /// Bundles acknowledged in a return bundle.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub acks: u64,
    /// Reference data a return bundle attaches (what the centre lacks: code lists,
    /// instrument packs, the referral directory); empty for a centre's export.
    #[serde(default)]
    pub reference: Vec<super::refdata::ReferenceVersion>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportReport {
    /// What was in it.
    pub preview: ExportPreview,
    /// The bundle's id.
    pub bundle_id: String,
    /// SHA-256 of the file.
    pub file_hash: String,
    /// Its size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// Where it was written.
    pub path: String,
}

/// The plan of a centre export: which records of which tables, which cases withdrawn.
struct Plan {
    preview: ExportPreview,
    /// Hash of the previous bundle to this recipient (the chain).
    prev_hash: Option<String>,
    records: BTreeMap<&'static str, BTreeSet<String>>,
    withdrawn: BTreeSet<String>,
    purged: BTreeSet<String>,
    acks: Vec<Ack>,
    /// A statistics-level export: the months covered and the counts.
    stats: Option<(StatMonths, Vec<MonthlyCount>)>,
    /// Case-analysis templates (return bundles).
    templates: Vec<crate::analysis::exchange::TemplateLine>,
    /// Reference items a return bundle attaches.
    reference: Vec<super::refdata::ReferenceData>,
}

/// The highest change-log sequence the recipient has confirmed in a bundle of the current
/// payload format. Bundles of an older format do not count: the first bundle of a new
/// format restates everything (in format 2 every id and version the recipient sees
/// changed, and the recipient replaces what it holds from format 1).
pub(crate) fn acked_watermark(conn: &Connection, recipient: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(change_seq_to), 0) FROM bundle_out
         WHERE recipient = ?1 AND acked_at IS NOT NULL AND payload_format >= ?2",
        params![recipient, PAYLOAD_FORMAT],
        |r| r.get(0),
    )?)
}

pub(super) fn next_sequence(conn: &Connection, recipient: &str) -> Result<(u64, Option<String>)> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT sequence, file_hash FROM bundle_out WHERE recipient = ?1
             ORDER BY sequence DESC LIMIT 1",
            [recipient],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        Some((seq, hash)) => (u64::try_from(seq).unwrap_or(0) + 1, Some(hash)),
        None => (1, None),
    })
}

/// A bundle file being written: sealed for its recipient, into a temporary file beside
/// where it goes.
pub(crate) type SealedFile = format::BundleWriter<std::io::BufWriter<AtomicFile>>;

/// Opens a bundle sealed for `peer` and signed by `me`, written to a temporary file that
/// becomes `out` only when the caller commits it: the one way an export and a transfer
/// start their file.
pub(crate) fn seal_to_file(
    out: &Path,
    routing: Routing,
    peer: &PeerKeys,
    me: &identity::Identity,
) -> Result<SealedFile> {
    let file = AtomicFile::create(out)?;
    let buffered = std::io::BufWriter::with_capacity(256 * 1024, file);
    format::seal(
        buffered,
        routing,
        &peer.recipient,
        &me.signing,
        &mut rand_core_09::UnwrapErr(rand_core_09::OsRng),
    )
}

/// Ends a bundle begun by [`seal_to_file`]: the last chunk and the signature written and
/// flushed; the file, still temporary, and what was sealed.
pub(crate) fn finish_sealed(w: SealedFile) -> Result<(AtomicFile, format::Sealed)> {
    let (buffered, sealed) = w.finish()?;
    let file = buffered
        .into_inner()
        .map_err(|e| Error::invalid(format!("cannot write the bundle: {}", e.error())))?;
    Ok((file, sealed))
}

/// Every column of a travelling table, in order.
fn table_columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        ))?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn plan_centre_export(store: &Store, peer: &PeerKeys) -> Result<Plan> {
    let conn = &store.conn;
    let from = acked_watermark(conn, &peer.peer.fingerprint.hex)?;
    let to = crate::cases::changes::last_seq(conn)?;
    let (sequence, prev_hash) = next_sequence(conn, &peer.peer.fingerprint.hex)?;
    // Every record changed in (from, to], and the case it belongs to.
    let mut changed: HashMap<String, BTreeSet<String>> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT DISTINCT kind, record_id FROM change_log WHERE seq > ?1 AND seq <= ?2",
        )?;
        let rows = stmt.query_map(params![from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (kind, id) = row?;
            changed.entry(kind).or_default().insert(id);
        }
    }
    let mut cases: BTreeSet<String> = BTreeSet::new();
    let mut whole_cases: BTreeSet<String> = BTreeSet::new();
    let purged: BTreeSet<String> = changed.get("purge").cloned().unwrap_or_default();
    for (kind, ids) in &changed {
        for id in ids {
            match kind.as_str() {
                "purge" => {}
                "case_file" => {
                    cases.insert(id.clone());
                }
                "client" => {
                    let mut stmt =
                        conn.prepare_cached("SELECT id FROM case_file WHERE client_id = ?1")?;
                    for c in stmt.query_map([id], |r| r.get::<_, String>(0))? {
                        cases.insert(c?);
                    }
                }
                k if TABLES.contains(&k) => {
                    let case: Option<String> = conn
                        .prepare_cached(&format!("SELECT case_id FROM {k} WHERE id = ?1"))?
                        .query_row([id], |r| r.get(0))
                        .optional()?;
                    if let Some(case) = case {
                        // A consent change may make a case shareable (or not) as a whole.
                        if k == "consent_event" {
                            whole_cases.insert(case.clone());
                        }
                        cases.insert(case);
                    }
                }
                _ => {} // notes, documents, drafts: never leave the centre
            }
        }
    }
    let mut records: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let mut withdrawn = BTreeSet::new();
    let mut without_consent = 0u64;
    for case in &cases {
        let exists: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM case_file WHERE id = ?1)")?
            .query_row([case], |r| r.get(0))?;
        if !exists {
            continue; // purged since: a `purge` line says so
        }
        if !consents::statistics_given(conn, case)? {
            if whole_cases.contains(case) && consents::statistics_ever_given(conn, case)? {
                withdrawn.insert(case.clone());
            } else {
                without_consent += 1;
            }
            continue;
        }
        let whole = whole_cases.contains(case);
        let client: String = conn
            .prepare_cached("SELECT client_id FROM case_file WHERE id = ?1")?
            .query_row([case], |r| r.get(0))?;
        if whole || changed.get("client").is_some_and(|s| s.contains(&client)) {
            records.entry("client").or_default().insert(client);
        }
        if whole || changed.get("case_file").is_some_and(|s| s.contains(case)) {
            records.entry("case_file").or_default().insert(case.clone());
        }
        for &table in &TABLES[2..] {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT id FROM {table} WHERE case_id = ?1"))?;
            for id in stmt.query_map([case], |r| r.get::<_, String>(0))? {
                let id = id?;
                if whole || changed.get(table).is_some_and(|s| s.contains(&id)) {
                    records.entry(table).or_default().insert(id);
                }
            }
        }
    }
    let counts = TABLES
        .iter()
        .map(|t| {
            (
                (*t).to_owned(),
                records.get(t).map_or(0, |s| s.len() as u64),
            )
        })
        .collect();
    let fields = TABLES
        .iter()
        .map(|t| {
            (
                (*t).to_owned(),
                pseudonymised_columns(t)
                    .into_iter()
                    .map(|(c, _)| payload::wire_name(c).to_owned())
                    .collect(),
            )
        })
        .collect();
    let mut withheld = BTreeMap::new();
    for table in TABLES {
        let leaving: BTreeSet<&str> = pseudonymised_columns(table)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let mut staying = table_columns(conn, table)?;
        staying.retain(|c| !leaving.contains(c.as_str()));
        if *table == "case_analysis" {
            // Inside `responses`: the answers to free-text questions stay at the centre.
            staying.push("free_text_answers".to_owned());
        }
        withheld.insert((*table).to_owned(), staying);
    }
    Ok(Plan {
        preview: ExportPreview {
            recipient: peer.peer.centre_code.clone(),
            recipient_name: peer.peer.name.clone(),
            kind: BundleKind::CentreExport,
            sharing: "pseudonymised".into(),
            sequence,
            change_seq_from: from,
            change_seq_to: to,
            counts,
            fields,
            withheld,
            cases_without_consent: without_consent,
            withdrawn: withdrawn.len() as u64,
            purged: purged.len() as u64,
            acks: 0,
            reference: Vec::new(),
        },
        prev_hash,
        records,
        withdrawn,
        purged,
        acks: Vec::new(),
        stats: None,
        templates: Vec::new(),
        reference: Vec::new(),
    })
}

fn plan_return(store: &Store, peer: &PeerKeys) -> Result<Plan> {
    let conn = &store.conn;
    let (sequence, prev_hash) = next_sequence(conn, &peer.peer.fingerprint.hex)?;
    // Only bundles applied whole are acknowledged: the centre moves its watermark to the
    // newest acknowledged bundle's end, so acknowledging one with refused records would mean
    // they are never sent again. Its next bundle (which starts from the old watermark)
    // carries them again.
    let mut applied = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT bundle_id, file_hash, sequence FROM bundle_in WHERE sender = ?1 AND rejected = 0
         ORDER BY sequence",
    )?;
    for row in stmt.query_map([&peer.peer.fingerprint.hex], |r| {
        Ok(AckedBundle {
            bundle_id: r.get(0)?,
            file_hash: r.get(1)?,
            sequence: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
        })
    })? {
        applied.push(row?);
    }
    let highest = applied.iter().map(|a| a.sequence).max().unwrap_or(0);
    let acks = vec![Ack {
        centre: peer.peer.centre_code.clone(),
        applied,
        highest_sequence: highest,
    }];
    let templates = crate::analysis::exchange::lines_to_send(conn, &store.profile()?.code)?;
    let mut counts = BTreeMap::new();
    if !templates.is_empty() {
        counts.insert("analysis_template".to_owned(), templates.len() as u64);
    }
    let reference = super::refdata::outgoing(conn, &peer.peer.fingerprint.hex, store.ctx.codes)?;
    Ok(Plan {
        preview: ExportPreview {
            recipient: peer.peer.centre_code.clone(),
            recipient_name: peer.peer.name.clone(),
            kind: BundleKind::Return,
            sharing: "none".into(),
            sequence,
            change_seq_from: 0,
            change_seq_to: 0,
            counts,
            fields: BTreeMap::new(),
            withheld: BTreeMap::new(),
            cases_without_consent: 0,
            withdrawn: 0,
            purged: 0,
            acks: acks.iter().map(|a| a.applied.len() as u64).sum(),
            reference: reference
                .iter()
                .map(|r| super::refdata::ReferenceVersion {
                    kind: r.kind.clone(),
                    item_id: r.item_id.clone(),
                    version: r.version.clone(),
                })
                .collect(),
        },
        prev_hash,
        records: BTreeMap::new(),
        withdrawn: BTreeSet::new(),
        purged: BTreeSet::new(),
        acks,
        stats: None,
        templates,
        reference,
    })
}

/// A centre's export at the `statistics` level: its monthly counts from its first case to
/// this month, and no record.
fn plan_statistics_export(store: &Store, peer: &PeerKeys) -> Result<Plan> {
    let conn = &store.conn;
    let from = acked_watermark(conn, &peer.peer.fingerprint.hex)?;
    let to = crate::cases::changes::last_seq(conn)?;
    let (sequence, prev_hash) = next_sequence(conn, &peer.peer.fingerprint.hex)?;
    let (first, last) = statistics::export_months(conn)?;
    let counts_list = statistics::export_counts(store, first, last)?;
    let months = StatMonths {
        from: first.code(),
        to: last.code(),
    };
    let mut withheld = BTreeMap::new();
    for table in TABLES {
        withheld.insert((*table).to_owned(), table_columns(conn, table)?);
    }
    let mut counts = BTreeMap::new();
    counts.insert(
        statistics::MONTHLY_COUNTS.to_owned(),
        counts_list.len() as u64,
    );
    let mut fields = BTreeMap::new();
    fields.insert(
        statistics::MONTHLY_COUNTS.to_owned(),
        ["month", "part", "code", "value"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    );
    Ok(Plan {
        preview: ExportPreview {
            recipient: peer.peer.centre_code.clone(),
            recipient_name: peer.peer.name.clone(),
            kind: BundleKind::CentreExport,
            sharing: statistics::STATISTICS.into(),
            sequence,
            change_seq_from: from,
            change_seq_to: to,
            counts,
            fields,
            withheld,
            cases_without_consent: 0,
            withdrawn: 0,
            purged: 0,
            acks: 0,
            reference: Vec::new(),
        },
        prev_hash,
        records: BTreeMap::new(),
        withdrawn: BTreeSet::new(),
        purged: BTreeSet::new(),
        acks: Vec::new(),
        stats: Some((months, counts_list)),
        templates: Vec::new(),
        reference: Vec::new(),
    })
}

/// A stored value as JSON (integers, text, null; blobs never travel).
fn to_json(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null | ValueRef::Blob(_) => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
    }
}

/// The scope whose counter numbers a record's versions: its case (a client or case row
/// is its own scope).
fn scope_column(table: &str) -> &'static str {
    match table {
        "client" | "case_file" => "id",
        _ => "case_id",
    }
}

/// The version each record leaves with, given in the order of the changes (HLC) so that
/// the numbers of a case follow its history; a record whose columns that leave changed
/// with the same HLC (a change merged from another computer) gets a new number too.
fn assign_versions(
    conn: &Connection,
    records: &BTreeMap<&'static str, BTreeSet<String>>,
) -> Result<HashMap<String, i64>> {
    use sha2::Digest as _;
    let mut changes: Vec<(i64, String, String, Vec<u8>)> = Vec::new();
    for (table, ids) in records {
        let leaving: Vec<&str> = pseudonymised_columns(table)
            .iter()
            .map(|(c, _)| *c)
            .collect();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT hlc, {}, {} FROM {table} WHERE id = ?1",
            scope_column(table),
            leaving.join(", ")
        ))?;
        for id in ids {
            let (hlc, scope, digest) = stmt.query_row([id], |r| {
                let mut hash = sha2::Sha256::new();
                for i in 0..leaving.len() {
                    // Each value with its type and length, so that no two rows hash alike.
                    let bytes = match r.get_ref(i + 2)? {
                        rusqlite::types::ValueRef::Null => (0u8, Vec::new()),
                        rusqlite::types::ValueRef::Integer(n) => (1, n.to_be_bytes().to_vec()),
                        rusqlite::types::ValueRef::Real(f) => (2, f.to_be_bytes().to_vec()),
                        rusqlite::types::ValueRef::Text(t) => (3, t.to_vec()),
                        rusqlite::types::ValueRef::Blob(b) => (4, b.to_vec()),
                    };
                    hash.update([bytes.0]);
                    hash.update((bytes.1.len() as u64).to_be_bytes());
                    hash.update(&bytes.1);
                }
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    hash.finalize().to_vec(),
                ))
            })?;
            changes.push((hlc, id.clone(), scope, digest));
        }
    }
    changes.sort();
    let mut versions = HashMap::with_capacity(changes.len());
    for (hlc, id, scope, digest) in changes {
        let v = pseudonymise::version(conn, &id, &scope, hlc, &digest)?;
        versions.insert(id, v);
    }
    Ok(versions)
}

/// One record as it leaves: each column projected (`payload::Projection`), keyed values
/// derived for the recipient, under its wire name.
fn project_row(
    conn: &Connection,
    key: &PseudonymKey,
    centre: &str,
    table: &str,
    columns: &[(&'static str, payload::Projection)],
    stored: Vec<Value>,
    versions: &HashMap<String, i64>,
) -> Result<BTreeMap<String, Value>> {
    use payload::Projection as P;
    let raw = |name: &str| -> Option<&str> {
        columns
            .iter()
            .position(|(c, _)| *c == name)
            .and_then(|i| stored[i].as_str())
    };
    let id = raw("id").unwrap_or_default().to_owned();
    let analysis = if table == "case_analysis" {
        let version = columns
            .iter()
            .position(|(c, _)| *c == "template_version")
            .and_then(|i| stored[i].as_i64())
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0);
        Some(crate::analysis::exchange::outgoing(
            conn,
            raw("case_id").unwrap_or_default(),
            raw("template_id").unwrap_or_default(),
            version,
            raw("facts").unwrap_or("{}"),
            raw("responses").unwrap_or("{}"),
        )?)
    } else {
        None
    };
    let mut row = BTreeMap::new();
    for ((name, p), value) in columns.iter().zip(stored.iter().cloned()) {
        let v = match (p, value) {
            (P::Id, Value::String(s)) => Value::String(key.id(&s)),
            (P::Version, _) => Value::from(versions.get(&id).copied().unwrap_or(1)),
            (P::Pseudonym, _) => Value::String(key.reference("pseudonym", centre, &id)),
            (P::CaseReference, _) => Value::String(key.reference("case", centre, &id)),
            (P::AnalysisFacts, _) => {
                Value::String(analysis.as_ref().map(|a| a.0.clone()).unwrap_or_default())
            }
            (P::AnalysisResponses, _) => {
                Value::String(analysis.as_ref().map(|a| a.1.clone()).unwrap_or_default())
            }
            (p, v) => payload::project(*p, v),
        };
        row.insert(payload::wire_name(name).to_owned(), v);
    }
    Ok(row)
}

/// Which computer of a centre of several exports (its installation id derived for the
/// recipient with `key`) and under which holder epoch (`peer_role.epoch`); `None` for a
/// centre of one computer, whose bundles stay as they were.
fn exporter(
    conn: &Connection,
    key: &pseudonymise::PseudonymKey,
    install: &str,
) -> Result<Option<payload::Exporter>> {
    let several: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM peer_self)", [], |r| r.get(0))?;
    if !several {
        return Ok(None);
    }
    let epoch: i64 = conn
        .query_row(
            "SELECT epoch FROM peer_role WHERE role = 'coordinator_export'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    Ok(Some(payload::Exporter {
        id: key.id(install),
        epoch: u64::try_from(epoch).map_err(|_| Error::DatabaseDamaged)?,
    }))
}

pub(super) fn write_line<W: Write>(out: &mut W, line: &Line) -> Result<()> {
    serde_json::to_writer(&mut *out, line)
        .map_err(|e| Error::invalid(format!("cannot write the bundle: {e}")))?;
    out.write_all(b"\n")
        .map_err(|e| Error::invalid(format!("cannot write the bundle: {e}")))
}

impl Store {
    fn export_peer(&self, to: &str) -> Result<PeerKeys> {
        let code = crate::centre::normalise_centre_code(to)?;
        peer_by(&self.conn, "centre_code", &code)?.ok_or_else(|| {
            Error::UnknownSender(format!(
                "{code} is not enrolled here; enrol it first with its enrolment file (`atrama enrol`)"
            ))
        })
    }

    fn plan_export(&self, to: &str) -> Result<(PeerKeys, Plan)> {
        self.require(crate::admin::Permission::ExportBundles)?;
        let peer = self.export_peer(to)?;
        let mode = self.profile()?.mode;
        if mode == Mode::Centre && peer.peer.mode == Mode::Centre {
            return Err(Error::invalid(format!(
                "{} is a centre: nothing is exported to another centre; a case moves there only by a transfer with the client's consent (`atrama case transfer`)",
                peer.peer.centre_code
            )));
        }
        let plan = match mode {
            Mode::Centre
                if statistics::sharing_with(&self.conn, &peer.peer.fingerprint.hex)?
                    == statistics::STATISTICS =>
            {
                plan_statistics_export(self, &peer)?
            }
            Mode::Centre => plan_centre_export(self, &peer)?,
            Mode::Coordinator => plan_return(self, &peer)?,
        };
        Ok((peer, plan))
    }

    /// The id one of this centre's records (or cases) has in the bundles it sends to `to`
    /// (a centre code): derived for that recipient with this store's pseudonym key, so that
    /// the centre can say which of the recipient's records is which; the recipient cannot.
    pub fn recipient_id(&self, to: &str, id: &str) -> Result<String> {
        self.require(crate::admin::Permission::ExportBundles)?;
        let peer = self.export_peer(to)?;
        Ok(pseudonymise::key_for(&self.conn, &peer.peer.fingerprint.hex)?.id(id))
    }

    /// What an export to `to` (a centre code) would write: counts, fields, sharing level.
    /// Writes nothing.
    pub fn export_preview(&self, to: &str) -> Result<ExportPreview> {
        Ok(self.plan_export(to)?.1.preview)
    }

    /// Seals a bundle for `to` into `out` (atomically: a temporary file renamed into
    /// place). A centre sends what changed since the last acknowledged bundle; a
    /// coordination centre sends its acknowledgement.
    pub fn export_bundle(
        &mut self,
        to: &str,
        out: &Path,
        period: Option<Period>,
    ) -> Result<ExportReport> {
        // A reader refuses a period that is not two real months in order: checked here too.
        let period = period.map(|p| Period::months(&p.from, &p.to)).transpose()?;
        // Of a centre's several computers only one exports to the coordination centre, so
        // that the centre's sequence stays one gap-free line (docs/peers.md).
        let holder: Option<String> = self
            .conn
            .query_row(
                "SELECT holder FROM peer_role WHERE role = 'coordinator_export'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if holder.is_some_and(|h| h != self.ctx.install) {
            return Err(Error::invalid(
                "another computer of this centre sends the centre's bundles to the coordination centre; export there (Administration → Computers shows which)",
            ));
        }
        let (peer, plan) = self.plan_export(to)?;
        let me = identity::identity(&self.conn)?;
        let profile = self.profile()?;
        let bundle_id = uuid::Uuid::now_v7();
        let now = Utc::now();
        let period = period.or_else(|| {
            let month = now.format("%Y-%m").to_string();
            Some(Period {
                from: month.clone(),
                to: month,
            })
        });
        let routing = Routing {
            bundle_id,
            kind: plan.preview.kind,
            sender: me.fingerprint().hex,
            recipient: peer.peer.fingerprint.hex.clone(),
            sequence: plan.preview.sequence,
            period: period.clone(),
            created_at: now.to_rfc3339(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: crate::store::migrations::LATEST,
            codes_version: self.ctx.codes.version().to_owned(),
            prev_hash: plan.prev_hash.clone(),
        };
        // One transaction from here: the versions given to the records and the bundle's
        // row in `bundle_out` commit together, after the file is in place.
        let tx = self.conn.unchecked_transaction()?;
        // A purge line the coordination centre acknowledged is not sent again: the counts
        // kept for it go.
        tx.execute(
            "DELETE FROM purge_count WHERE case_id IN
               (SELECT record_id FROM change_log WHERE kind = 'purge' AND seq <= ?1)",
            [plan.preview.change_seq_from],
        )?;
        let key = &pseudonymise::key_for(&tx, &peer.peer.fingerprint.hex)?;
        let mut w = seal_to_file(out, routing, &peer, &me)?;
        let centre = profile.code.clone();
        write_line(
            &mut w,
            &Line::Manifest(Manifest {
                payload_format: PAYLOAD_FORMAT,
                centre: centre.clone(),
                sharing: plan.preview.sharing.clone(),
                change_seq_from: plan.preview.change_seq_from,
                change_seq_to: plan.preview.change_seq_to,
                counts: if plan.stats.is_some() {
                    BTreeMap::new()
                } else {
                    plan.preview.counts.clone()
                },
                withdrawn: plan.preview.withdrawn,
                purged: plan.preview.purged,
                fields: if plan.stats.is_some() {
                    BTreeMap::new()
                } else {
                    plan.preview.fields.clone()
                },
                statistics: plan.stats.as_ref().map(|(m, _)| m.clone()),
                exporter: if plan.preview.kind == BundleKind::CentreExport {
                    exporter(&tx, key, &self.ctx.install)?
                } else {
                    None
                },
            }),
        )?;
        let mut records = 0u64;
        let versions = assign_versions(&tx, &plan.records)?;
        for table in TABLES {
            let Some(ids) = plan.records.get(table) else {
                continue;
            };
            let columns = pseudonymised_columns(table);
            let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {} FROM {table} WHERE id = ?1",
                names.join(", ")
            ))?;
            for id in ids {
                let stored: Vec<Value> = stmt.query_row([id], |r| {
                    (0..columns.len())
                        .map(|i| Ok(to_json(r.get_ref(i)?)))
                        .collect()
                })?;
                let row = project_row(&tx, key, &centre, table, &columns, stored, &versions)?;
                write_line(
                    &mut w,
                    &Line::Record {
                        table: (*table).to_owned(),
                        row,
                    },
                )?;
                records += 1;
            }
        }
        for case in &plan.withdrawn {
            write_line(
                &mut w,
                &Line::Withdraw {
                    case_id: key.id(case),
                },
            )?;
        }
        for case in &plan.purged {
            // The counts the purge archived here (none kept: a purge made before schema 29,
            // whose counts are no longer known, and the coordinator archives its copy).
            let counts: Option<String> = tx
                .prepare_cached("SELECT counts FROM purge_count WHERE case_id = ?1")?
                .query_row([case], |r| r.get(0))
                .optional()?;
            let counts = counts
                .map(|c| serde_json::from_str(&c).map_err(|_| Error::DatabaseDamaged))
                .transpose()?;
            write_line(
                &mut w,
                &Line::Purge {
                    case_id: key.id(case),
                    counts,
                },
            )?;
        }
        let mut stats = 0u64;
        if let Some((_, counts)) = &plan.stats {
            for c in counts {
                write_line(
                    &mut w,
                    &Line::Stat {
                        month: c.month.clone(),
                        part: c.part.clone(),
                        code: c.code.clone(),
                        value: c.value,
                    },
                )?;
                stats += 1;
            }
        }
        for ack in &plan.acks {
            write_line(&mut w, &Line::Ack(ack.clone()))?;
        }
        for t in &plan.templates {
            write_line(&mut w, &Line::AnalysisTemplate(t.clone()))?;
        }
        for item in &plan.reference {
            write_line(&mut w, &Line::Reference(item.clone()))?;
        }
        if plan.preview.kind == BundleKind::CentreExport {
            write_line(
                &mut w,
                &Line::ReferenceState {
                    items: super::refdata::state(&self.conn, self.ctx.codes)?,
                },
            )?;
        }
        write_line(
            &mut w,
            &Line::End(Totals {
                records,
                withdrawn: plan.withdrawn.len() as u64,
                acks: plan.acks.len() as u64,
                purged: plan.purged.len() as u64,
                stats,
                templates: plan.templates.len() as u64,
                reference: plan.reference.len() as u64,
            }),
        )?;
        let (file, sealed) = finish_sealed(w)?;
        // The bundle is recorded as sent in the same step that puts the file in place: if
        // recording fails, the file is removed with the temporary one (and the versions
        // given to its records are given again, the same, next time).
        tx.execute(
            "INSERT INTO bundle_out (bundle_id, recipient, sequence, kind, sharing, period_from,
                                     period_to, change_seq_from, change_seq_to, records,
                                     file_hash, prev_hash, created_at, created_by,
                                     payload_format)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                bundle_id.to_string(),
                peer.peer.fingerprint.hex,
                i64::try_from(plan.preview.sequence).unwrap_or(i64::MAX),
                plan.preview.kind.code(),
                plan.preview.sharing,
                period.as_ref().map(|p| p.from.clone()),
                period.as_ref().map(|p| p.to.clone()),
                plan.preview.change_seq_from,
                plan.preview.change_seq_to,
                i64::try_from(records).unwrap_or(i64::MAX),
                sealed.file_hash,
                sealed.header.prev_hash,
                now.to_rfc3339(),
                self.ctx.user,
                PAYLOAD_FORMAT,
            ],
        )?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Export,
            None,
            Some(&format!(
                "bundle {} to {} ({records} records)",
                bundle_id, peer.peer.centre_code
            )),
        )?;
        file.commit()?;
        crate::phase::mark("export:renamed");
        tx.commit()?;
        crate::phase::mark("export:committed");
        Ok(ExportReport {
            preview: plan.preview,
            bundle_id: bundle_id.to_string(),
            file_hash: sealed.file_hash,
            size: sealed.size,
            path: out.display().to_string(),
        })
    }
}
