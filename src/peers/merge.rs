//! The field-by-field merge of mutable records (client, case, child, protection order,
//! appointment) and of people (staff, by user name, with the key slot as a field).
//!
//! Every change of a field is a *version* `(hlc, install)` with the versions its writer had
//! in front of her (`bases`) and the value; versions are a grow-only set (`peer_field`), so
//! two computers that hold the same versions hold the same state, whatever order they came
//! in. A field's current value is the newest *head* (a version no other version names as a
//! base); two heads with different values are a "changed on two computers" [`Review`], kept
//! until a person chooses (a new version over all heads). Local changes are found by
//! comparing the records with their current versions ([`capture`]) before every export and
//! every apply, in the same transaction, so the write path of the records stays as it is.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action};
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::store::Store;
use crate::store::keyslots::KeySlotFile;

/// The tables merged field by field, with their key column.
pub(crate) const MERGED: &[(&str, &str)] = &[
    ("client", "id"),
    ("case_file", "id"),
    ("child", "id"),
    ("protection_order", "id"),
    ("appointment", "id"),
    ("staff", "username"),
];
/// The case team, a field of the case.
pub(crate) const TEAM: &str = "team";
/// A person's key slot, a field of her staff row.
pub(crate) const SLOT: &str = "slot";
/// Fields that always go to review when two computers changed them concurrently, and that
/// the Computers screen marks as safety-critical.
const SAFETY: &[(&str, &str)] = &[
    ("client", "address"),
    ("client", "phone"),
    ("client", "safe_to_call"),
    ("client", "safe_to_text"),
    ("client", "safe_to_visit"),
    ("client", "if_someone_else_answers"),
    ("client", "safety_notes"),
    ("case_file", "lead_worker"),
    ("case_file", "status"),
];
/// Fields whose concurrent values are not put to a person: the newest wins (the time of
/// the last change, a person's newest passphrase slot).
const QUIET: &[(&str, &str)] = &[("case_file", "updated_at"), ("staff", SLOT)];

/// A row's cells by column.
pub(crate) type Cells = BTreeMap<String, Cell>;

/// A cell of a row as it travels in a sync file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(String),
}

impl Cell {
    pub(crate) fn from_value(v: Value) -> Cell {
        match v {
            Value::Null => Cell::Null,
            Value::Integer(i) => Cell::Int(i),
            Value::Real(f) => Cell::Real(f),
            Value::Text(t) => Cell::Text(t),
            Value::Blob(b) => Cell::Blob(B64.encode(b)),
        }
    }

    pub(crate) fn to_value(&self) -> Result<Value> {
        Ok(match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::Integer(*i),
            Cell::Real(f) => Value::Real(*f),
            Cell::Text(t) => Value::Text(t.clone()),
            Cell::Blob(b) => Value::Blob(B64.decode(b).map_err(|_| Error::BundleDamaged)?),
        })
    }

    fn show(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Int(i) => Some(i.to_string()),
            Cell::Real(f) => Some(f.to_string()),
            Cell::Text(t) => Some(t.clone()),
            Cell::Blob(_) => Some("(binary)".into()),
        }
    }
}

/// One version of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FieldVersion {
    pub(crate) tbl: String,
    pub(crate) record_id: String,
    pub(crate) field: String,
    pub(crate) hlc: i64,
    pub(crate) install: String,
    pub(crate) bases: Vec<(i64, String)>,
    pub(crate) value: Cell,
}

impl FieldVersion {
    fn id(&self) -> (i64, &str) {
        (self.hlc, self.install.as_str())
    }
}

/// A field changed concurrently on two (or more) computers: every value kept, the one in
/// force marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Review {
    /// `client`, `case_file`, `child`, `protection_order` or `appointment`.
    pub table: String,
    /// The record's id.
    pub record_id: String,
    /// The field.
    pub field: String,
    /// Whether the field is safety-critical (contact safety, address, lead worker, status).
    pub safety_critical: bool,
    /// The values, the one in force first.
    pub values: Vec<ReviewValue>,
}

/// One of the values of a field in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewValue {
    /// The value (none: empty).
    pub value: Option<String>,
    /// Its version.
    pub hlc: Hlc,
    /// The computer it was written on.
    pub install: String,
    /// Whether it is the value in force now.
    pub current: bool,
}

pub(crate) fn key_of(tbl: &str) -> Option<&'static str> {
    MERGED.iter().find(|(t, _)| *t == tbl).map(|(_, k)| *k)
}

/// Columns that are not merged field by field: identity and sync columns.
pub(crate) fn fixed_of(tbl: &str) -> &'static [&'static str] {
    if tbl == "staff" {
        &["username", "id", "created_at"]
    } else {
        &[
            "id",
            "owner_centre",
            "owner_install",
            "hlc",
            "created_at",
            "created_by",
        ]
    }
}

/// Every column of a table, in order.
pub(crate) fn columns(conn: &Connection, tbl: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let names = stmt
        .query_map([tbl], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names)
}

/// A row of `tbl` keyed by `key = id`, every column, or `None`.
pub(crate) fn read_row(
    conn: &Connection,
    tbl: &str,
    key: &str,
    id: &str,
) -> Result<Option<BTreeMap<String, Cell>>> {
    let cols = columns(conn, tbl)?;
    let sql = format!(
        "SELECT {} FROM {tbl} WHERE {key} = ?1",
        cols.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let row = conn
        .prepare_cached(&sql)?
        .query_row([id], |r| {
            let mut m = BTreeMap::new();
            for (i, c) in cols.iter().enumerate() {
                m.insert(c.clone(), Cell::from_value(r.get::<_, Value>(i)?));
            }
            Ok(m)
        })
        .optional()?;
    Ok(row)
}

fn team_of(conn: &Connection, case: &str) -> Result<Cell> {
    let mut stmt =
        conn.prepare_cached("SELECT username FROM case_team WHERE case_id = ?1 ORDER BY username")?;
    let names = stmt
        .query_map([case], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Cell::Text(names.join(",")))
}

/// The current field values of a record (virtual fields included), or `None`.
fn read_fields(
    conn: &Connection,
    tbl: &str,
    id: &str,
    slots: &KeySlotFile,
) -> Result<Option<(Cells, Cells)>> {
    let Some(key) = key_of(tbl) else {
        return Ok(None);
    };
    let Some(mut row) = read_row(conn, tbl, key, id)? else {
        return Ok(None);
    };
    let fixed_names = fixed_of(tbl);
    let mut fixed = BTreeMap::new();
    for f in fixed_names {
        if let Some(v) = row.remove(*f) {
            fixed.insert((*f).to_owned(), v);
        }
    }
    match tbl {
        "case_file" => {
            row.insert(TEAM.into(), team_of(conn, id)?);
        }
        "staff" => {
            let slot = slots.user_slot_json(id)?.map_or(Cell::Null, Cell::Text);
            row.insert(SLOT.into(), slot);
        }
        _ => {}
    }
    Ok(Some((fixed, row)))
}

/// Every version of a record's fields, by field: its first versions (packed, one row per
/// record and version in `peer_genesis`) and every later one (`peer_version`); together
/// they are the view `peer_field` (migration 0023).
fn versions(conn: &Connection, tbl: &str, id: &str) -> Result<BTreeMap<String, Vec<FieldVersion>>> {
    let mut out: BTreeMap<String, Vec<FieldVersion>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT hlc, install, vals FROM peer_genesis WHERE tbl = ?1 AND record_id = ?2",
    )?;
    let rows = stmt.query_map([tbl, id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (hlc, install, vals) = row?;
        let vals: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&vals).map_err(|_| Error::DatabaseDamaged)?;
        for (field, value) in vals {
            out.entry(field.clone()).or_default().push(FieldVersion {
                tbl: tbl.into(),
                record_id: id.into(),
                field,
                hlc,
                install: install.clone(),
                bases: vec![],
                value: cell_of_json(value)?,
            });
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT field, hlc, install, bases, value FROM peer_version WHERE tbl = ?1 AND record_id = ?2",
    )?;
    let rows = stmt.query_map([tbl, id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Value>(4)?,
        ))
    })?;
    for row in rows {
        let (field, hlc, install, bases, value) = row?;
        let bases: Vec<(i64, String)> =
            serde_json::from_str(&bases).map_err(|_| Error::DatabaseDamaged)?;
        out.entry(field.clone()).or_default().push(FieldVersion {
            tbl: tbl.into(),
            record_id: id.into(),
            field,
            hlc,
            install,
            bases,
            value: Cell::from_value(value),
        });
    }
    Ok(out)
}

/// A first version's value as it is packed in `peer_genesis` (what `json_each` reads back
/// as the same SQL value), or `None` when it is kept as a row of its own (a blob, a real
/// that JSON cannot hold).
fn json_of_cell(c: &Cell) -> Option<serde_json::Value> {
    match c {
        Cell::Null => Some(serde_json::Value::Null),
        Cell::Int(i) => Some(serde_json::Value::from(*i)),
        Cell::Real(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number),
        Cell::Text(t) => Some(serde_json::Value::String(t.clone())),
        Cell::Blob(_) => None,
    }
}

fn cell_of_json(v: serde_json::Value) -> Result<Cell> {
    Ok(match v {
        serde_json::Value::Null => Cell::Null,
        serde_json::Value::String(t) => Cell::Text(t),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => Cell::Int(i),
            _ => Cell::Real(n.as_f64().ok_or(Error::DatabaseDamaged)?),
        },
        _ => return Err(Error::DatabaseDamaged),
    })
}

/// Whether a version is stored packed with its record's other first versions: a first
/// version (no bases) of a record's field (people's versions stay rows of their own).
fn packed(v: &FieldVersion) -> Option<serde_json::Value> {
    if v.bases.is_empty() && v.tbl != "staff" {
        json_of_cell(&v.value)
    } else {
        None
    }
}

/// The heads of a field's versions (no other version names them as a base), newest first.
fn heads(vs: &[FieldVersion]) -> Vec<&FieldVersion> {
    let superseded: BTreeSet<(i64, &str)> = vs
        .iter()
        .flat_map(|v| v.bases.iter().map(|(h, i)| (*h, i.as_str())))
        .collect();
    let mut h: Vec<&FieldVersion> = vs
        .iter()
        .filter(|v| !superseded.contains(&v.id()))
        .collect();
    h.sort_by(|a, b| b.id().cmp(&a.id()));
    h
}

/// Stores versions (a version held already is left as it is); for each, whether it is new.
/// A record's first versions are packed into one row per record and version.
fn store_versions(conn: &Connection, vs: &[FieldVersion]) -> Result<Vec<bool>> {
    let mut out = vec![false; vs.len()];
    // First versions by record and version: (index in `vs`, packed value).
    type Packed = Vec<(usize, serde_json::Value)>;
    let mut groups: BTreeMap<(&str, &str, i64, &str), Packed> = BTreeMap::new();
    for (i, v) in vs.iter().enumerate() {
        if let Some(json) = packed(v) {
            groups
                .entry((&v.tbl, &v.record_id, v.hlc, &v.install))
                .or_default()
                .push((i, json));
            continue;
        }
        let bases = serde_json::to_string(&v.bases)
            .map_err(|e| Error::invalid(format!("cannot encode a version: {e}")))?;
        let n = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO peer_version (tbl, record_id, field, hlc, install, bases, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                v.tbl,
                v.record_id,
                v.field,
                v.hlc,
                v.install,
                bases,
                v.value.to_value()?
            ])?;
        out[i] = n > 0;
    }
    for ((tbl, id, hlc, install), fields) in groups {
        let held: Option<String> = conn
            .prepare_cached(
                "SELECT vals FROM peer_genesis WHERE tbl = ?1 AND record_id = ?2 AND hlc = ?3 AND install = ?4",
            )?
            .query_row(params![tbl, id, hlc, install], |r| r.get(0))
            .optional()?;
        let mut vals: serde_json::Map<String, serde_json::Value> = match &held {
            Some(text) => serde_json::from_str(text).map_err(|_| Error::DatabaseDamaged)?,
            None => serde_json::Map::new(),
        };
        let mut added = false;
        for (i, json) in fields {
            let field = &vs[i].field;
            if !vals.contains_key(field) {
                vals.insert(field.clone(), json);
                out[i] = true;
                added = true;
            }
        }
        if added {
            let text = serde_json::to_string(&vals)
                .map_err(|e| Error::invalid(format!("cannot encode a version: {e}")))?;
            conn.prepare_cached(
                "INSERT INTO peer_genesis (tbl, record_id, hlc, install, vals) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tbl, record_id, hlc, install) DO UPDATE SET vals = excluded.vals",
            )?
            .execute(params![tbl, id, hlc, install, text])?;
        }
    }
    Ok(out)
}

/// Removes every version of the records `condition` names (an SQL condition on `tbl` and
/// `record_id`, with `args`): a purge.
pub(crate) fn forget_versions<P: rusqlite::Params + Clone>(
    conn: &Connection,
    condition: &str,
    args: P,
) -> Result<()> {
    for table in ["peer_version", "peer_genesis"] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE {condition}"),
            args.clone(),
        )?;
    }
    Ok(())
}

/// Inserts versions that came in a sync file; the records they touch.
pub(crate) fn insert_versions(
    conn: &Connection,
    vs: &[FieldVersion],
) -> Result<BTreeSet<(String, String)>> {
    let mut touched = BTreeSet::new();
    if vs.iter().any(|v| key_of(&v.tbl).is_none()) {
        return Err(Error::invalid(
            "a sync file changes a kind of record that is not merged field by field; nothing of it was applied — update the app on the computer that wrote it",
        ));
    }
    for (v, new) in vs.iter().zip(store_versions(conn, vs)?) {
        if new {
            touched.insert((v.tbl.clone(), v.record_id.clone()));
        }
    }
    Ok(touched)
}

/// Every version of one record (for a sync file).
pub(crate) fn record_versions(conn: &Connection, tbl: &str, id: &str) -> Result<Vec<FieldVersion>> {
    Ok(versions(conn, tbl, id)?.into_values().flatten().collect())
}

/// Records the local changes of `records` as new versions: a field whose value differs
/// from its current version (or that has no version yet) gets one. `clock` is this
/// computer's clock, moved past every version written. The records that got a version,
/// with the newest version written.
pub(crate) fn capture(
    conn: &Connection,
    install: &str,
    clock: &mut Hlc,
    records: &BTreeSet<(String, String)>,
    slots: &KeySlotFile,
) -> Result<BTreeMap<(String, String), i64>> {
    let mut written: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (tbl, id) in records {
        let Some((fixed, fields)) = read_fields(conn, tbl, id, slots)? else {
            continue;
        };
        let row_hlc = match fixed.get("hlc") {
            Some(Cell::Int(h)) => Some(*h),
            _ => None,
        };
        let genesis_install = match fixed.get("owner_install") {
            Some(Cell::Text(t)) => t.clone(),
            _ => install.to_owned(),
        };
        let known = versions(conn, tbl, id)?;
        let mut new_versions = Vec::new();
        for (field, value) in fields {
            let vs = known.get(&field).map(Vec::as_slice).unwrap_or(&[]);
            let version = match heads(vs).first() {
                None => {
                    let hlc = match row_hlc {
                        Some(h) => h,
                        None => {
                            *clock = clock.tick(Hlc::wall_clock_millis());
                            clock.to_sql()
                        }
                    };
                    FieldVersion {
                        tbl: tbl.clone(),
                        record_id: id.clone(),
                        field,
                        hlc,
                        install: genesis_install.clone(),
                        bases: vec![],
                        value,
                    }
                }
                Some(cur) if cur.value != value => {
                    // A slot written here from another computer's version, not yet in the
                    // key-slot file (a crash between commit and file): not a change.
                    // A missing slot is no change either: a person's slot goes away only
                    // when she is disabled, and that travels as `disabled_at`.
                    if field == SLOT && (value == Cell::Null || vs.iter().any(|v| v.value == value))
                    {
                        continue;
                    }
                    let hlc = match row_hlc {
                        Some(h)
                            if h > cur.hlc
                                && !vs.iter().any(|v| v.hlc == h && v.install == install) =>
                        {
                            h
                        }
                        _ => {
                            *clock =
                                clock.observe(Hlc::from_sql(cur.hlc), Hlc::wall_clock_millis());
                            clock.to_sql()
                        }
                    };
                    FieldVersion {
                        tbl: tbl.clone(),
                        record_id: id.clone(),
                        field,
                        hlc,
                        install: install.to_owned(),
                        bases: vec![(cur.hlc, cur.install.clone())],
                        value,
                    }
                }
                Some(_) => continue,
            };
            new_versions.push(version);
        }
        assert_live(tbl, &known, install, &mut new_versions);
        for (version, new) in new_versions
            .iter()
            .zip(store_versions(conn, &new_versions)?)
        {
            if new {
                let newest = written.entry((tbl.clone(), id.clone())).or_insert(0);
                *newest = (*newest).max(version.hlc);
            }
        }
        // The row's HLC is its newest version's, as on every other computer. A change
        // undone before this capture (a field set and set back) left the row a newer HLC
        // that no version carries and no other computer will hear of.
        if let Some(h) = row_hlc {
            let newest = known
                .values()
                .flatten()
                .chain(&new_versions)
                .map(|v| v.hlc)
                .max()
                .unwrap_or(h);
            if newest != h {
                let key = key_of(tbl).ok_or(Error::DatabaseDamaged)?;
                conn.execute(
                    &format!("UPDATE {tbl} SET hlc = ?1 WHERE {key} = ?2"),
                    params![newest, id],
                )?;
            }
        }
    }
    Ok(written)
}

/// A change of a live record also records, as a version of its `deleted_at` with the value
/// it has (none), that its writer had the record live: a deletion made meanwhile on another
/// computer, which names only the versions of `deleted_at` its writer knew, is then a second
/// head with another value, so a deletion and a change made on two computers go to review
/// (the later in force; keeping the record brings it back with the change) instead of the
/// change vanishing with the deleted record (`docs/peers.md`, "Changed on two computers").
fn assert_live(
    tbl: &str,
    known: &BTreeMap<String, Vec<FieldVersion>>,
    install: &str,
    new_versions: &mut Vec<FieldVersion>,
) {
    const DELETED: &str = "deleted_at";
    let changed = new_versions.iter().filter(|v| {
        !v.bases.is_empty() && v.field != DELETED && !QUIET.contains(&(tbl, v.field.as_str()))
    });
    let Some(hlc) = changed.map(|v| v.hlc).max() else {
        return;
    };
    if new_versions.iter().any(|v| v.field == DELETED) {
        return;
    }
    let Some(vs) = known.get(DELETED) else {
        return;
    };
    let Some(cur) = heads(vs).first().copied() else {
        return;
    };
    if cur.value != Cell::Null || vs.iter().any(|v| v.hlc == hlc && v.install == install) {
        return;
    }
    new_versions.push(FieldVersion {
        tbl: tbl.to_owned(),
        record_id: cur.record_id.clone(),
        field: DELETED.to_owned(),
        hlc,
        install: install.to_owned(),
        bases: vec![(cur.hlc, cur.install.clone())],
        value: Cell::Null,
    });
}

/// Writes a record's current values (the newest head of each field) into its row,
/// inserting it with `fixed` columns when it is new; whether anything changed.
pub(crate) fn write_record(
    conn: &Connection,
    tbl: &str,
    id: &str,
    fixed: Option<&BTreeMap<String, Cell>>,
) -> Result<bool> {
    let key = key_of(tbl).ok_or(Error::BundleDamaged)?;
    let vs = versions(conn, tbl, id)?;
    let mut current: BTreeMap<String, Cell> = BTreeMap::new();
    let mut newest = 0i64;
    for (field, fvs) in &vs {
        if let Some(h) = heads(fvs).first() {
            current.insert(field.clone(), h.value.clone());
        }
        newest = newest.max(fvs.iter().map(|v| v.hlc).max().unwrap_or(0));
    }
    let team = current.remove(TEAM);
    current.remove(SLOT);
    let cols = columns(conn, tbl)?;
    for f in current.keys() {
        if !cols.contains(f) {
            return Err(Error::invalid(
                "a sync file holds a field this app does not know; nothing of it was applied — update the app on this computer",
            ));
        }
    }
    let existing = read_row(conn, tbl, key, id)?;
    let mut changed = false;
    match existing {
        Some(row) => {
            let mut sets: Vec<(String, Value)> = current
                .iter()
                .filter(|(f, v)| row.get(*f) != Some(*v))
                .map(|(f, v)| Ok((f.clone(), v.to_value()?)))
                .collect::<Result<_>>()?;
            // The row's HLC is its newest version's, whether or not a value changed (a
            // version with the value held here still moves it), so that computers holding
            // the same versions hold the same row.
            if tbl != "staff"
                && newest > 0
                && let Some(Cell::Int(h)) = row.get("hlc")
                && newest != *h
            {
                sets.push(("hlc".into(), Value::Integer(newest)));
            }
            if !sets.is_empty() {
                let sql = format!(
                    "UPDATE {tbl} SET {} WHERE {key} = ?",
                    sets.iter()
                        .map(|(f, _)| format!("\"{f}\" = ?"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let mut values: Vec<Value> = sets.into_iter().map(|(_, v)| v).collect();
                values.push(Value::Text(id.to_owned()));
                conn.execute(&sql, rusqlite::params_from_iter(values))?;
                changed = true;
            }
        }
        None => {
            let fixed = fixed.ok_or_else(|| {
                Error::invalid("a sync file changes a record this computer does not have and does not carry it; nothing of it was applied — sync the other computer's earlier files first")
            })?;
            let mut names = Vec::new();
            let mut values = Vec::new();
            for (f, v) in fixed.iter().chain(current.iter()) {
                if !cols.contains(f) {
                    return Err(Error::invalid(
                        "a sync file holds a field this app does not know; nothing of it was applied — update the app on this computer",
                    ));
                }
                if f == "hlc" {
                    continue;
                }
                names.push(format!("\"{f}\""));
                values.push(v.to_value()?);
            }
            if tbl != "staff" {
                names.push("hlc".into());
                values.push(Value::Integer(newest));
            }
            let sql = format!(
                "INSERT INTO {tbl} ({}) VALUES ({})",
                names.join(", "),
                vec!["?"; names.len()].join(", ")
            );
            conn.execute(&sql, rusqlite::params_from_iter(values))?;
            changed = true;
        }
    }
    if let (Some(Cell::Text(team)), "case_file") = (team, tbl)
        && team_of(conn, id)? != Cell::Text(team.clone())
    {
        conn.execute("DELETE FROM case_team WHERE case_id = ?1", [id])?;
        for member in team.split(',').filter(|m| !m.is_empty()) {
            conn.execute(
                "INSERT INTO case_team (case_id, username) VALUES (?1, ?2)",
                params![id, member],
            )?;
        }
        changed = true;
    }
    Ok(changed)
}

/// The current key slot of each person (for the key-slot file), `None` for no slot.
pub(crate) fn current_slots(conn: &Connection) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT record_id FROM peer_version WHERE tbl = 'staff' AND field = ?1",
    )?;
    let users = stmt
        .query_map([SLOT], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for user in users {
        let vs = versions(conn, "staff", &user)?;
        let slot = vs
            .get(SLOT)
            .and_then(|v| heads(v).first().map(|h| h.value.clone()));
        let disabled = vs
            .get("disabled_at")
            .and_then(|v| heads(v).first().map(|h| h.value != Cell::Null))
            .unwrap_or(false);
        let slot = match slot {
            Some(Cell::Text(t)) if !disabled => Some(t),
            _ => None,
        };
        out.push((user, slot));
    }
    Ok(out)
}

/// Whether `json` is one of the versions of `user`'s key slot.
pub(crate) fn slot_known(conn: &Connection, user: &str, json: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM peer_version WHERE tbl = 'staff' AND record_id = ?1 AND field = ?2 AND value = ?3)",
        params![user, SLOT, json],
        |r| r.get(0),
    )?)
}

/// Every field in review (optionally only those of `records`).
pub(crate) fn reviews(
    conn: &Connection,
    only: Option<&BTreeSet<(String, String)>>,
) -> Result<Vec<Review>> {
    // A field in review has two versions at least: a later version (`peer_version`), or
    // two first versions of its record (two computers that recorded it independently).
    let mut stmt = conn.prepare(
        "SELECT DISTINCT tbl, record_id FROM peer_version
         UNION SELECT tbl, record_id FROM peer_genesis GROUP BY tbl, record_id HAVING count(*) > 1",
    )?;
    let records = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<BTreeSet<(String, String)>>>()?;
    let mut out = Vec::new();
    for (tbl, id) in records {
        if let Some(only) = only
            && !only.contains(&(tbl.clone(), id.clone()))
        {
            continue;
        }
        for (field, fvs) in versions(conn, &tbl, &id)? {
            if fvs.len() < 2 || QUIET.contains(&(tbl.as_str(), field.as_str())) {
                continue;
            }
            let h = heads(&fvs);
            let distinct: BTreeSet<String> = h.iter().map(|v| format!("{:?}", v.value)).collect();
            if distinct.len() < 2 {
                continue;
            }
            out.push(Review {
                safety_critical: SAFETY.contains(&(tbl.as_str(), field.as_str())),
                values: h
                    .iter()
                    .enumerate()
                    .map(|(i, v)| ReviewValue {
                        value: v.value.show(),
                        hlc: Hlc::from_sql(v.hlc),
                        install: v.install.clone(),
                        current: i == 0,
                    })
                    .collect(),
                table: tbl.clone(),
                record_id: id.clone(),
                field,
            });
        }
    }
    Ok(out)
}

impl Store {
    /// The fields changed on two computers that wait for a person's choice, for one case
    /// (its case record and its client) or, with `None`, for the whole centre.
    pub fn peer_reviews(&self, case: Option<&str>) -> Result<Vec<Review>> {
        let only = match case {
            None => None,
            Some(case) => {
                let client: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT client_id FROM case_file WHERE id = ?1",
                        [case],
                        |r| r.get(0),
                    )
                    .optional()?;
                let mut set = BTreeSet::new();
                set.insert(("case_file".to_owned(), case.to_owned()));
                if let Some(c) = client {
                    set.insert(("client".to_owned(), c));
                }
                let mut stmt = self.conn.prepare(
                    "SELECT 'child', id FROM child WHERE case_id = ?1
                     UNION ALL SELECT 'protection_order', id FROM protection_order WHERE case_id = ?1
                     UNION ALL SELECT 'appointment', id FROM appointment WHERE case_id = ?1",
                )?;
                for row in stmt.query_map([case], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })? {
                    set.insert(row?);
                }
                Some(set)
            }
        };
        reviews(&self.conn, only.as_ref())
    }

    /// Resolves a field in review with the value a person chose (`chosen`: the version's
    /// HLC as listed): a new version over every value in review, applied here and sent to
    /// the other computers with the next sync.
    pub fn resolve_peer_review(
        &mut self,
        table: &str,
        record_id: &str,
        field: &str,
        chosen: Hlc,
    ) -> Result<()> {
        let review = reviews(&self.conn, None)?
            .into_iter()
            .find(|r| r.table == table && r.record_id == record_id && r.field == field)
            .ok_or_else(|| Error::invalid("this field is not in review (someone may have resolved it already); reload the case"))?;
        if table == "staff" {
            return Err(Error::invalid("a person's account is not resolved here"));
        }
        let install = super::registry::self_keys(&self.conn)?
            .map(|k| k.install_id)
            .unwrap_or_else(|| self.ctx.install.clone());
        let tx = self.conn.unchecked_transaction()?;
        let vs = versions(&tx, table, record_id)?;
        let fvs = vs.get(field).ok_or(Error::DatabaseDamaged)?;
        let h = heads(fvs);
        let pick = h.iter().find(|v| v.hlc == chosen.to_sql()).ok_or_else(|| {
            Error::invalid("that value is not one of the values in review; reload the case")
        })?;
        let newest = h.iter().map(|v| v.hlc).max().unwrap_or(0);
        self.ctx.hlc = self
            .ctx
            .hlc
            .observe(Hlc::from_sql(newest), Hlc::wall_clock_millis());
        let version = FieldVersion {
            tbl: table.into(),
            record_id: record_id.into(),
            field: field.into(),
            hlc: self.ctx.hlc.to_sql(),
            install,
            bases: h.iter().map(|v| (v.hlc, v.install.clone())).collect(),
            value: pick.value.clone(),
        };
        store_versions(&tx, std::slice::from_ref(&version))?;
        write_record(&tx, table, record_id, None)?;
        tx.execute(
            "INSERT INTO change_log (kind, record_id, hlc, op) VALUES (?1, ?2, ?3, 'put')",
            params![table, record_id, version.hlc],
        )?;
        let case = match table {
            "case_file" => Some(crate::ids::CaseId::parse(record_id)?),
            _ => None,
        };
        audit::append(
            &tx,
            &self.ctx.user,
            Action::Change,
            case,
            Some(&format!(
                "resolved a field changed on two computers: {table}.{field}"
            )),
        )?;
        super::file::reindex(&tx, &[(table.to_owned(), record_id.to_owned())])?;
        tx.commit()?;
        let _ = review;
        Ok(())
    }
}
