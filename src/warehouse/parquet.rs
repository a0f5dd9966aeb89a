//! Record-level Parquet export of a coordination centre's replicas (`docs/warehouse.md`).
//!
//! # What is written
//! One dataset per record type that travels in a pseudonymised bundle
//! ([`crate::sync::payload::TABLES`]), with exactly the columns such a bundle carries
//! ([`crate::sync::payload::pseudonymised_columns`], under their wire names: the record's
//! version counter is `version`), read from the replicas the coordinator applied. Nothing
//! else of the coordinator's tables is ever selected, so a column the bundle does not carry
//! cannot reach a file, and adding a column to the bundle adds it here.
//!
//! # Layout
//! `<out>/<dataset>/country=<CC>/year=<YYYY>/centre=<CODE>/part-0.parquet`, Hive-style, so
//! DuckDB, Spark and Trino read the partition keys from the path. A case and everything
//! recorded in it (incidents, contacts, …) live in the partition of the **year the case was
//! opened**; a client in that of her first case (by opening month, then id). The country is
//! the centre's, from the registry of enrolled centres. `<out>/manifest.json` lists every
//! file with its rows, size, SHA-256 and the partition's content hash.
//!
//! # Incremental, atomic, constant memory
//! A partition's **content hash** is an order-independent digest of its rows (the sum,
//! modulo 2^256, of each row's SHA-256, with the row count and the column list). When the
//! previous manifest holds the same hash for a partition and its file is there with the
//! size it lists, the file is left alone; otherwise it is written to a temporary sibling.
//! Once every partition is written, the temporary files are made durable together (on Linux
//! one `syncfs`, elsewhere an fsync each), renamed into place and the folders flushed; then
//! the manifest is written, atomically. Partitions that no longer have rows are removed.
//! Temporary files an interrupted export left are removed when the next one starts.
//!
//! Each dataset is read in **one ordered scan** (two for clients: those with cases, those
//! without), by owner centre and opening date through the `case_partition` index, so the
//! rows of a partition arrive in one run and go to one file, switching files at each
//! partition boundary; into row groups of at most [`ROW_GROUP_ROWS`] rows: memory does not
//! grow with the store. When a previous manifest lists files of a dataset, a first scan
//! hashes those partitions and a second writes only the new and changed ones (none: no
//! second scan).
//!
//! The manifest also lists the centre-months the coordinator holds only as counts
//! ([`Manifest::counts_only`]), whose records no file can hold.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType, ZstdLevel};
use ::parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use ::parquet::file::properties::{WriterProperties, WriterVersion};
use ::parquet::file::writer::SerializedFileWriter;
use ::parquet::schema::types::Type;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::atomic_file;
use crate::centre::Mode;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::payload::{PAYLOAD_FORMAT, TABLES, pseudonymised_columns, wire_name};

/// The version of the datasets' columns and layout (`docs/warehouse.md`); a change to
/// either takes the next number.
pub const SCHEMA_VERSION: u32 = 1;

/// The most rows in one row group (the unit a reader skips or reads; the bound of what is
/// held in memory per file being written).
pub const ROW_GROUP_ROWS: usize = 32_768;

/// The manifest's file name, in the output folder.
pub const MANIFEST: &str = "manifest.json";

/// The file name of a partition's data.
pub const PART_FILE: &str = "part-0.parquet";

/// The manifest's `format`.
const FORMAT: &str = "atrama-warehouse-parquet";

/// A column's Parquet type: `INT64` or `BYTE_ARRAY` annotated `STRING` (UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 64-bit signed integer.
    Int64,
    /// UTF-8 text.
    String,
}

/// One column of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Its name in the files (the bundle's wire name).
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: Kind,
}

/// One dataset: a record type and the columns its files hold.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The record type (the table), which is also the dataset's folder.
    pub name: &'static str,
    /// The columns, in file order.
    pub columns: Vec<Column>,
    /// The stored column each file column is read from.
    sources: Vec<&'static str>,
}

impl Dataset {
    /// The stored column each file column is read from, in file order.
    pub fn sources(&self) -> &[&'static str] {
        &self.sources
    }
}

/// The datasets and their columns: every table a pseudonymised bundle carries, with the
/// columns it carries (the bundle's own list), typed from the store's schema.
pub fn datasets(conn: &Connection) -> Result<Vec<Dataset>> {
    let mut out = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let declared: BTreeMap<String, String> = conn
            .prepare(&format!(
                "SELECT name, type FROM pragma_table_info('{table}')"
            ))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut columns = Vec::new();
        let mut sources = Vec::new();
        for (source, _) in pseudonymised_columns(table) {
            let Some(ty) = declared.get(source) else {
                return Err(Error::invalid(format!(
                    "the store has no column {table}.{source}; upgrade Atrama and open the store again"
                )));
            };
            let kind = if ty.eq_ignore_ascii_case("INTEGER") {
                Kind::Int64
            } else {
                Kind::String
            };
            columns.push(Column {
                name: wire_name(source).to_owned(),
                kind,
            });
            sources.push(source);
        }
        out.push(Dataset {
            name: table,
            columns,
            sources,
        });
    }
    Ok(out)
}

/// The manifest (`<out>/manifest.json`), written last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `atrama-warehouse-parquet`.
    pub format: String,
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The bundle payload format whose pseudonymised fields the datasets hold.
    pub payload_format: u32,
    /// The coordination centre that wrote the files.
    pub coordinator: String,
    /// The code lists in force at the coordinator (`docs/warehouse.md`, code lists).
    pub code_lists_version: String,
    /// Dataset name → its columns and files.
    pub datasets: BTreeMap<String, DatasetEntry>,
    /// The centre-months whose counts the coordinator holds **only as counts**, not as
    /// records (a centre that shares statistics only, or cases purged under the retention
    /// rules with their counts archived): their records are in no file, so T1–T10 computed
    /// from the files miss them where Atrama's own tables include them.
    #[serde(default)]
    pub counts_only: Vec<CountsOnly>,
}

/// A centre's months held only as counts ([`Manifest::counts_only`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountsOnly {
    /// The centre's code.
    pub centre: String,
    /// `statistics bundle` (the centre shares monthly tables only) or `archive of purged
    /// cases` (counts kept when records were purged).
    pub source: String,
    /// The months, `YYYY-MM`, in order.
    pub months: Vec<String>,
}

/// The counts-only centre-months of the store (every centre but the coordinator).
fn counts_only(conn: &Connection, coordinator: &str) -> Result<Vec<CountsOnly>> {
    let mut stmt = conn.prepare(
        "SELECT centre, 'statistics bundle', month FROM stat_received_month WHERE centre <> ?1
         UNION
         SELECT centre, 'archive of purged cases', month FROM stat_archive WHERE centre <> ?1
         ORDER BY 1, 2, 3",
    )?;
    let mut rows = stmt.query([coordinator])?;
    let mut out: Vec<CountsOnly> = Vec::new();
    while let Some(r) = rows.next()? {
        let (centre, source, month): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        match out.last_mut() {
            Some(last) if last.centre == centre && last.source == source => last.months.push(month),
            _ => out.push(CountsOnly {
                centre,
                source,
                months: vec![month],
            }),
        }
    }
    Ok(out)
}

/// A dataset in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetEntry {
    /// The columns of every file of the dataset, in order.
    pub columns: Vec<Column>,
    /// Its files, by path.
    pub files: Vec<FileEntry>,
}

/// One file (one partition) in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its path, relative to the output folder, with `/`.
    pub path: String,
    /// Partition key: the centre's country code.
    pub country: String,
    /// Partition key: the year the cases were opened.
    pub year: i32,
    /// Partition key: the owner centre's code.
    pub centre: String,
    /// Rows in the file.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// The partition's content hash (hex): equal hashes, equal rows.
    pub content_hash: String,
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ParquetSummary {
    /// The output folder.
    pub out_dir: String,
    /// Files written (new or changed partitions).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub written: u64,
    /// Files left as they were (unchanged partitions).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: u64,
    /// Files removed (partitions that no longer have rows).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub removed: u64,
    /// Rows in all the files listed by the manifest.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rows: u64,
    /// Bytes of all the files listed by the manifest.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// Paths of the files written, relative to the output folder.
    pub written_paths: Vec<String>,
}

/// Which years to (re)write; partitions of other years keep their files and manifest entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearRange {
    /// First year, inclusive.
    pub from: i32,
    /// Last year, inclusive.
    pub to: i32,
}

impl YearRange {
    /// `YYYY` or `YYYY..YYYY` (also `YYYY-MM` months, taken as their years).
    pub fn parse(text: &str) -> Result<YearRange> {
        let bad = || {
            Error::invalid(format!(
                "'{text}' is not a period of years; write YYYY or YYYY..YYYY"
            ))
        };
        let year = |s: &str| -> Result<i32> {
            let y = s.trim().get(..4).ok_or_else(bad)?;
            let rest = &s.trim()[4..];
            if !(rest.is_empty() || rest.len() == 3 && rest.starts_with('-')) {
                return Err(bad());
            }
            y.parse::<i32>().map_err(|_| bad())
        };
        let (a, b) = text.split_once("..").unwrap_or((text, text));
        let r = YearRange {
            from: year(a)?,
            to: year(b)?,
        };
        if r.from > r.to || r.from < 1900 {
            return Err(bad());
        }
        Ok(r)
    }

    fn contains(self, year: i32) -> bool {
        (self.from..=self.to).contains(&year)
    }
}

type PartitionKey = (String, i32, String);

impl Store {
    /// Writes the coordinator's replicas as Parquet under `out_dir` (created if missing),
    /// rewriting only the partitions whose rows changed since the manifest there was
    /// written; `years` limits the export to partitions of those years. Coordination
    /// centres only, with the `statistics` permission.
    pub fn export_parquet(
        &self,
        out_dir: &Path,
        years: Option<YearRange>,
    ) -> Result<ParquetSummary> {
        self.require(crate::admin::Permission::Statistics)?;
        let profile = self.profile()?;
        if profile.mode != Mode::Coordinator {
            return Err(Error::invalid(
                "the warehouse export is made by a coordination centre from its centres' records; this store is a centre's",
            ));
        }
        let tx = self.conn.unchecked_transaction()?;
        let summary = export(&tx, &profile.code, self.ctx.codes.version(), out_dir, years)?;
        tx.finish()?;
        Ok(summary)
    }
}

/// Before an export limited to `range` writes anything: every partition outside it that the
/// manifest lists (and that the export keeps) must still hold exactly the rows the store
/// has for it. A record that moved between years (a client whose first case is now an
/// earlier one, recorded late) or changed in a kept year would otherwise be in the folder
/// twice or stale — a period export wrote the client into her new year and kept the old
/// year's file, which still held her, and DuckDB counted her twice
/// (`tests/it/warehouse.rs::a_period_export_never_leaves_a_record_in_two_partitions`).
/// Partitions the manifest does not list are not the folder's: not checked.
fn check_kept_partitions(
    conn: &Connection,
    coordinator: &str,
    datasets: &[Dataset],
    old: &Manifest,
    range: YearRange,
    out_dir: &Path,
    countries: &mut Countries,
) -> Result<()> {
    if old.schema_version != SCHEMA_VERSION {
        return Ok(());
    }
    for ds in datasets {
        let kept: BTreeMap<String, FileEntry> = old
            .datasets
            .get(ds.name)
            .filter(|d| d.columns == ds.columns)
            .map(|d| {
                d.files
                    .iter()
                    .filter(|f| !range.contains(f.year))
                    .map(|f| (f.path.clone(), f.clone()))
                    .collect()
            })
            .unwrap_or_default();
        if kept.is_empty() {
            continue;
        }
        let mut hashed = HashPass {
            ds,
            old: &kept,
            out_dir,
            current: None,
            seen: BTreeMap::new(),
        };
        stream(conn, ds, coordinator, None, countries, &mut hashed)?;
        if let Some(stale) = kept
            .keys()
            .find(|rel| !hashed.seen.get(*rel).copied().unwrap_or(false))
        {
            return Err(Error::invalid(format!(
                "'{stale}', outside the years asked for, no longer holds what the store has \
                 for it (a record moved to another year — a client's first case is now an \
                 earlier one — or records of that year changed): kept as it is, the folder \
                 would hold records twice or out of date; export without --period (or with a \
                 period that includes its year); nothing was written"
            )));
        }
    }
    Ok(())
}

/// The export itself, over a connection to a coordinator's store (benches call it on a
/// store made coordinator-like).
pub fn export(
    conn: &Connection,
    coordinator: &str,
    code_lists_version: &str,
    out_dir: &Path,
    years: Option<YearRange>,
) -> Result<ParquetSummary> {
    fs::create_dir_all(out_dir).map_err(Error::io(out_dir))?;
    remove_stale_temporaries(out_dir)?;
    let manifest_path = out_dir.join(MANIFEST);
    let old = read_manifest(&manifest_path)?;
    let datasets = datasets(conn)?;
    let mut countries = Countries::load(conn)?;
    let props = Arc::new(
        WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(pq)?))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("atrama warehouse export {SCHEMA_VERSION}"))
            .build(),
    );

    if let (Some(range), Some(old)) = (years, &old) {
        check_kept_partitions(
            conn,
            coordinator,
            &datasets,
            old,
            range,
            out_dir,
            &mut countries,
        )?;
    }

    let mut staged: Vec<Staged> = Vec::new();
    let mut summary = ParquetSummary {
        out_dir: out_dir.display().to_string(),
        ..ParquetSummary::default()
    };
    let mut manifest = Manifest {
        format: FORMAT.to_owned(),
        schema_version: SCHEMA_VERSION,
        payload_format: PAYLOAD_FORMAT,
        coordinator: coordinator.to_owned(),
        code_lists_version: code_lists_version.to_owned(),
        datasets: BTreeMap::new(),
        counts_only: counts_only(conn, coordinator)?,
    };
    for ds in &datasets {
        let schema = Arc::new(schema_of(ds)?);
        let old_files: BTreeMap<String, FileEntry> = old
            .as_ref()
            .filter(|m| m.schema_version == SCHEMA_VERSION)
            .and_then(|m| m.datasets.get(ds.name))
            .filter(|d| d.columns == ds.columns)
            .map(|d| {
                d.files
                    .iter()
                    .map(|f| (f.path.clone(), f.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut files = Vec::new();
        // Pass 1, when the previous manifest lists files of the dataset: hash every listed
        // partition (one ordered scan) to find those whose rows are unchanged.
        let mut hashed = HashPass {
            ds,
            old: &old_files,
            out_dir,
            current: None,
            seen: BTreeMap::new(),
        };
        let prehashed = !old_files.is_empty();
        if prehashed {
            stream(conn, ds, coordinator, years, &mut countries, &mut hashed)?;
        }
        let seen = hashed.seen;
        // Pass 2: write the partitions that are new or changed (skipped when none is).
        if !prehashed || seen.values().any(|unchanged| !unchanged) {
            let mut writing = WritePass {
                ds,
                schema: &schema,
                props: &props,
                out_dir,
                skip: &seen,
                current: None,
                done: Vec::new(),
            };
            stream(conn, ds, coordinator, years, &mut countries, &mut writing)?;
            for (entry, file) in writing.done {
                staged.push(file);
                summary.written += 1;
                summary.written_paths.push(entry.path.clone());
                files.push(entry);
            }
        }
        for (rel, unchanged) in &seen {
            if *unchanged && let Some(prev) = old_files.get(rel) {
                summary.unchanged += 1;
                files.push(prev.clone());
            }
        }
        let seen: BTreeSet<String> = if prehashed {
            seen.into_keys().collect()
        } else {
            files.iter().map(|f| f.path.clone()).collect()
        };
        // Partitions listed before: kept when outside the years asked for, removed when
        // they no longer have rows.
        for (rel, f) in &old_files {
            if seen.contains(rel) && files.iter().any(|x| &x.path == rel) {
                continue;
            }
            if years.is_some_and(|r| !r.contains(f.year)) && !seen.contains(rel) {
                files.push(f.clone());
                continue;
            }
            remove_part(out_dir, rel)?;
            summary.removed += 1;
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        manifest.datasets.insert(
            ds.name.to_owned(),
            DatasetEntry {
                columns: ds.columns.clone(),
                files,
            },
        );
    }
    // Datasets of an older schema or column list: their files no longer listed are removed.
    if let Some(old) = &old {
        for (name, d) in &old.datasets {
            let now = manifest.datasets.get(name);
            for f in &d.files {
                if !now.is_some_and(|n| n.files.iter().any(|x| x.path == f.path)) {
                    remove_part(out_dir, &f.path)?;
                }
            }
        }
    }
    commit_all(out_dir, &mut staged)?;
    for d in manifest.datasets.values() {
        for f in &d.files {
            summary.rows += f.rows;
            summary.bytes += f.bytes;
        }
    }
    let text = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::invalid(format!("cannot write the manifest: {e}")))?;
    atomic_file::write(&manifest_path, &text)?;
    Ok(summary)
}

/// Removes the hidden temporary files an interrupted export left (a partition file's
/// `.part-0.parquet.tmp-…`, the manifest's `.manifest.json.tmp-…`): only those names, only
/// in the export's own folders (symbolic links are not followed). One export at a time
/// writes a folder.
fn remove_stale_temporaries(out_dir: &Path) -> Result<()> {
    fn walk(dir: &Path, depth: u32) -> Result<()> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(Error::io(dir))?;
            let kind = entry.file_type().map_err(Error::io(dir))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if kind.is_dir() && depth < 4 && !name.starts_with('.') {
                walk(&entry.path(), depth + 1)?;
            } else if kind.is_file()
                && (name.starts_with(&format!(".{PART_FILE}.tmp-"))
                    || depth == 0 && name.starts_with(&format!(".{MANIFEST}.tmp-")))
            {
                let path = entry.path();
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(&path)(e)),
                }
            }
        }
        Ok(())
    }
    walk(out_dir, 0)
}

/// Reads a previous manifest; none is `None`. A damaged one is refused (so that files are
/// not silently orphaned or overwritten).
pub fn read_manifest(path: &Path) -> Result<Option<Manifest>> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path)(e)),
    };
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        Error::invalid(format!(
            "{} is not a warehouse manifest ({e}); choose an empty folder or the folder of an earlier export",
            path.display()
        ))
    })?;
    if m.format != FORMAT {
        return Err(Error::invalid(format!(
            "{} is not a warehouse manifest; choose an empty folder or the folder of an earlier export",
            path.display()
        )));
    }
    // Paths come from a file: each must be a partition file under its dataset.
    for d in m.datasets.values() {
        for f in &d.files {
            if !safe_rel(&f.path) {
                return Err(Error::invalid(format!(
                    "{} lists a file outside the export ('{}'); choose another folder",
                    path.display(),
                    f.path
                )));
            }
        }
    }
    Ok(Some(m))
}

fn safe_rel(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    parts.len() == 5
        && parts[4] == PART_FILE
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-=.".contains(c))
        })
}

fn remove_part(out_dir: &Path, rel: &str) -> Result<()> {
    if !safe_rel(rel) {
        return Ok(());
    }
    let path = out_dir.join(rel);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&path)(e)),
    }
    // Empty partition folders go too (a folder still holding something stays).
    let mut dir = path.parent().map(Path::to_path_buf);
    for _ in 0..3 {
        let Some(d) = dir else { break };
        if fs::remove_dir(&d).is_err() {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Ok(())
}

/// A partition key value as it appears in a folder name: letters, digits, `_`, `-`, `.`.
fn path_safe(what: &str, value: &str) -> Result<String> {
    if value.is_empty()
        || value.starts_with('.')
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        return Err(Error::invalid(format!(
            "the {what} '{value}' cannot name a partition folder; correct it in the registry of centres"
        )));
    }
    Ok(value.to_owned())
}

/// The country of each centre (the registry of enrolled centres), as folder names.
struct Countries(BTreeMap<String, String>);

impl Countries {
    fn load(conn: &Connection) -> Result<Countries> {
        let map = conn
            .prepare("SELECT centre_code, country FROM sync_peer")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Countries(map))
    }

    /// The partition key of a centre's year, its parts checked to name folders.
    fn key(&self, centre: &str, year: i32) -> Result<PartitionKey> {
        let country = self.0.get(centre).map_or("unknown", String::as_str);
        Ok((
            path_safe("country", country)?,
            year,
            path_safe("centre code", centre)?,
        ))
    }
}

/// One stored value, as read.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a [u8]),
}

/// What receives a dataset's rows, partition by partition, in the order of [`stream`]:
/// `begin`, the partition's rows, `end`; each partition once.
trait PartitionSink {
    fn begin(&mut self, rel: String, key: PartitionKey) -> Result<()>;
    fn row(&mut self, row: &[Cell<'_>]) -> Result<()>;
    fn end(&mut self) -> Result<()>;
}

/// The queries of a dataset, each yielding the owner centre, the date whose year places the
/// row, then the dataset's columns, **ordered by centre and that date through an index**
/// (`case_partition`, migration 0022), so that a partition's rows arrive together without
/// a sort (the store keeps temporary tables in memory: a sort would hold the table).
/// Parameters: `?1` the coordinator (its own records are not replicas), `?2`/`?3` the first
/// day of the years asked for and the first day after them.
fn sources(ds: &Dataset, years: bool) -> Vec<String> {
    let alias = match ds.name {
        "case_file" => "c",
        "client" => "cl",
        _ => "t",
    };
    let cols = ds
        .sources
        .iter()
        .map(|s| format!("{alias}.{s}"))
        .collect::<Vec<_>>()
        .join(", ");
    let join = match ds.name {
        "case_file" => String::new(),
        "client" => " CROSS JOIN client cl ON cl.id = c.client_id".to_owned(),
        t => format!(" CROSS JOIN {t} t ON t.case_id = c.id"),
    };
    // A client is in the partition of her first case (any case, tombstoned or not).
    let first_case = if ds.name == "client" {
        " AND NOT EXISTS (SELECT 1 FROM case_file f WHERE f.client_id = c.client_id
             AND (f.opened_on < c.opened_on OR (f.opened_on = c.opened_on AND f.id < c.id)))"
    } else {
        ""
    };
    let range = |col: &str| {
        if years {
            format!(" AND {col} >= ?2 AND {col} < ?3")
        } else {
            String::new()
        }
    };
    let mut out = vec![format!(
        "SELECT c.owner_centre, c.opened_on, {cols}
         FROM case_file c INDEXED BY case_partition{join}
         WHERE c.owner_centre <> ?1{}{first_case}
         ORDER BY c.owner_centre, c.opened_on",
        range("c.opened_on")
    )];
    // Clients without any case, by the year of their record (few: sorted by the centre's
    // index, then their dates).
    if ds.name == "client" {
        out.push(format!(
            "SELECT cl.owner_centre, cl.created_at, {cols}
             FROM client cl
             WHERE cl.owner_centre <> ?1{}
               AND NOT EXISTS (SELECT 1 FROM case_file c WHERE c.client_id = cl.id)
             ORDER BY cl.owner_centre, cl.created_at",
            range("cl.created_at")
        ));
    }
    out
}

/// The year a row's date places it in.
fn year_of(centre: &[u8], date: Option<&[u8]>) -> Result<i32> {
    date.and_then(|d| d.get(..4))
        .and_then(|y| std::str::from_utf8(y).ok())
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| {
            Error::invalid(format!(
                "a record of {} has no usable date; import the centre's next bundle and try again",
                String::from_utf8_lossy(centre)
            ))
        })
}

/// A row's owner centre and year (the first two columns of [`sources`]).
fn row_place<'r>(row: &'r rusqlite::Row<'_>) -> Result<(&'r [u8], i32)> {
    let centre = match row.get_ref(0)? {
        ValueRef::Text(t) => t,
        _ => {
            return Err(Error::invalid(
                "a replica has no owner centre; import the centre's bundles again",
            ));
        }
    };
    let date = match row.get_ref(1)? {
        ValueRef::Text(t) => Some(t),
        _ => None,
    };
    Ok((centre, year_of(centre, date)?))
}

/// Streams one dataset's rows (of the years asked for) to `sink`, partition after
/// partition: one ordered scan per query of [`sources`], merged by (centre, year). Memory
/// does not grow with the store: a row is handed on as it is read.
fn stream(
    conn: &Connection,
    ds: &Dataset,
    coordinator: &str,
    years: Option<YearRange>,
    countries: &mut Countries,
    sink: &mut dyn PartitionSink,
) -> Result<()> {
    use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
    let (from, to) = years.map_or((String::new(), String::new()), |r| {
        (
            format!("{:04}-01-01", r.from),
            format!("{:04}-01-01", r.to + 1),
        )
    });
    let sqls = sources(ds, years.is_some());
    let mut stmts = Vec::with_capacity(sqls.len());
    for sql in &sqls {
        stmts.push(conn.prepare_cached(sql)?);
    }
    let mut heads = Vec::with_capacity(stmts.len());
    for stmt in &mut stmts {
        let mut rows = if years.is_some() {
            stmt.query(rusqlite::params![coordinator, from, to])?
        } else {
            stmt.query([coordinator])?
        };
        rows.advance()?;
        heads.push(rows);
    }
    let mut current: Option<(String, i32)> = None;
    let mut done: BTreeSet<(String, i32)> = BTreeSet::new();
    loop {
        // The query whose next row comes first in (centre, year) order.
        let mut best: Option<(usize, &[u8], i32)> = None;
        for (i, rows) in heads.iter().enumerate() {
            if let Some(row) = rows.get() {
                let (centre, year) = row_place(row)?;
                if best.is_none_or(|(_, c, y)| (centre, year) < (c, y)) {
                    best = Some((i, centre, year));
                }
            }
        }
        let Some((i, centre, year)) = best else { break };
        if current
            .as_ref()
            .is_none_or(|(c, y)| c.as_bytes() != centre || *y != year)
        {
            if current.is_some() {
                sink.end()?;
            }
            let centre = std::str::from_utf8(centre)
                .map_err(|_| {
                    Error::invalid(
                        "a centre code is not UTF-8; correct it in the registry of centres",
                    )
                })?
                .to_owned();
            // Each partition must come in one run, or its file would be cut in two.
            if !done.insert((centre.clone(), year)) {
                return Err(Error::invalid(format!(
                    "the replicas of {centre} in {year} did not come in one run; report this to the Atrama developers"
                )));
            }
            let key = countries.key(&centre, year)?;
            let rel = format!(
                "{}/country={}/year={year}/centre={centre}/{PART_FILE}",
                ds.name, key.0
            );
            sink.begin(rel, key)?;
            current = Some((centre, year));
        }
        let row = heads[i]
            .get()
            .ok_or_else(|| Error::invalid("a row went missing while being read"))?;
        let mut buf: Vec<Cell<'_>> = Vec::with_capacity(ds.columns.len());
        for (j, c) in ds.columns.iter().enumerate() {
            let cell = match row.get_ref(j + 2)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(n) => Cell::Int(n),
                ValueRef::Text(t) => Cell::Text(t),
                ValueRef::Real(_) | ValueRef::Blob(_) => {
                    return Err(Error::invalid(format!(
                        "{}.{} holds a value of an unexpected type; import the centre's bundles again",
                        ds.name, c.name
                    )));
                }
            };
            if c.kind == Kind::Int64 && matches!(cell, Cell::Text(_)) {
                return Err(Error::invalid(format!(
                    "{}.{} holds text where a number belongs; import the centre's bundles again",
                    ds.name, c.name
                )));
            }
            buf.push(cell);
        }
        sink.row(&buf)?;
        heads[i].advance()?;
    }
    if current.is_some() {
        sink.end()?;
    }
    Ok(())
}

/// Pass 1: the content hash of each partition the previous manifest lists; `seen` maps
/// every partition met to whether its file can stay as it is.
struct HashPass<'a> {
    ds: &'a Dataset,
    old: &'a BTreeMap<String, FileEntry>,
    out_dir: &'a Path,
    current: Option<(String, Option<ContentHash>)>,
    seen: BTreeMap<String, bool>,
}

impl PartitionSink for HashPass<'_> {
    fn begin(&mut self, rel: String, _key: PartitionKey) -> Result<()> {
        let hash = self
            .old
            .contains_key(&rel)
            .then(|| ContentHash::new(self.ds));
        self.current = Some((rel, hash));
        Ok(())
    }
    fn row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        if let Some((_, Some(h))) = &mut self.current {
            h.add(row);
        }
        Ok(())
    }
    fn end(&mut self) -> Result<()> {
        let Some((rel, hash)) = self.current.take() else {
            return Ok(());
        };
        let unchanged = match (hash, self.old.get(&rel)) {
            (Some(h), Some(prev)) => {
                let (hash, rows) = h.finish();
                hash == prev.content_hash
                    && rows == prev.rows
                    && fs::metadata(self.out_dir.join(&rel)).is_ok_and(|m| m.len() == prev.bytes)
            }
            _ => false,
        };
        self.seen.insert(rel, unchanged);
        Ok(())
    }
}

/// Pass 2: writes each partition not known to be unchanged to a temporary file.
struct WritePass<'a> {
    ds: &'a Dataset,
    schema: &'a Arc<Type>,
    props: &'a Arc<WriterProperties>,
    out_dir: &'a Path,
    skip: &'a BTreeMap<String, bool>,
    current: Option<PartitionWriter>,
    done: Vec<(FileEntry, Staged)>,
}

impl PartitionSink for WritePass<'_> {
    fn begin(&mut self, rel: String, key: PartitionKey) -> Result<()> {
        self.current = if self.skip.get(&rel).copied().unwrap_or(false) {
            None
        } else {
            Some(PartitionWriter::new(
                self.ds,
                self.schema,
                self.props,
                self.out_dir,
                rel,
                key,
            )?)
        };
        Ok(())
    }
    fn row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        match &mut self.current {
            Some(w) => w.push(row),
            None => Ok(()),
        }
    }
    fn end(&mut self) -> Result<()> {
        if let Some(w) = self.current.take() {
            self.done.push(w.finish()?);
        }
        Ok(())
    }
}

/// The order-independent digest of a partition's rows.
struct ContentHash {
    acc: [u64; 4],
    rows: u64,
    prefix: Sha256,
}

impl ContentHash {
    fn new(ds: &Dataset) -> ContentHash {
        let mut prefix = Sha256::new();
        prefix.update(format!("atrama warehouse v{SCHEMA_VERSION}\0{}\0", ds.name));
        for c in &ds.columns {
            prefix.update(format!("{}:{:?}\0", c.name, c.kind));
        }
        ContentHash {
            acc: [0; 4],
            rows: 0,
            prefix,
        }
    }

    fn add(&mut self, row: &[Cell<'_>]) {
        let mut h = Sha256::new();
        for cell in row {
            match cell {
                Cell::Null => h.update([0u8]),
                Cell::Int(n) => {
                    h.update([1u8]);
                    h.update(n.to_le_bytes());
                }
                Cell::Text(t) => {
                    h.update([2u8]);
                    h.update((t.len() as u64).to_le_bytes());
                    h.update(t);
                }
            }
        }
        let d = h.finalize();
        // acc += digest (mod 2^256), little-endian limbs.
        let mut carry = 0u128;
        for (i, limb) in self.acc.iter_mut().enumerate() {
            let mut part = [0u8; 8];
            part.copy_from_slice(&d[i * 8..i * 8 + 8]);
            let sum = u128::from(*limb) + u128::from(u64::from_le_bytes(part)) + carry;
            *limb = sum as u64;
            carry = sum >> 64;
        }
        self.rows += 1;
    }

    fn finish(self) -> (String, u64) {
        let mut h = self.prefix;
        h.update(self.rows.to_le_bytes());
        for limb in self.acc {
            h.update(limb.to_le_bytes());
        }
        (crate::crypto::hex(&h.finalize()), self.rows)
    }
}

fn schema_of(ds: &Dataset) -> Result<Type> {
    let mut fields = Vec::with_capacity(ds.columns.len());
    for c in &ds.columns {
        let t = match c.kind {
            Kind::Int64 => Type::primitive_type_builder(&c.name, PhysicalType::INT64)
                .with_repetition(Repetition::OPTIONAL)
                .build()
                .map_err(pq)?,
            Kind::String => Type::primitive_type_builder(&c.name, PhysicalType::BYTE_ARRAY)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(Some(LogicalType::String))
                .build()
                .map_err(pq)?,
        };
        fields.push(Arc::new(t));
    }
    Type::group_type_builder("schema")
        .with_fields(fields)
        .build()
        .map_err(pq)
}

/// A column's values of the row group being filled.
enum ColBuf {
    Int(Vec<i64>, Vec<i16>),
    Text(Vec<ByteArray>, Vec<i16>),
}

/// Counts and hashes the bytes on their way to the file.
struct Tee<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

type PartWriter = SerializedFileWriter<Tee<BufWriter<File>>>;

/// One partition being written to its temporary file: a row group of at most
/// [`ROW_GROUP_ROWS`] rows in memory, its content hash, the file's hash on the way out.
struct PartitionWriter {
    writer: PartWriter,
    bufs: Vec<ColBuf>,
    in_group: usize,
    hash: ContentHash,
    staged: Staged,
    rel: String,
    key: PartitionKey,
}

impl PartitionWriter {
    fn new(
        ds: &Dataset,
        schema: &Arc<Type>,
        props: &Arc<WriterProperties>,
        out_dir: &Path,
        rel: String,
        key: PartitionKey,
    ) -> Result<PartitionWriter> {
        let path = out_dir.join(&rel);
        let dir = path
            .parent()
            .ok_or_else(|| Error::invalid("a partition file has no folder"))?;
        fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let mut staged = Staged::create(&path)?;
        let file = staged
            .file
            .take()
            .ok_or_else(|| Error::invalid("no file"))?;
        let tee = Tee {
            inner: BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            bytes: 0,
        };
        let writer = SerializedFileWriter::new(tee, schema.clone(), props.clone()).map_err(pq)?;
        let bufs = ds
            .columns
            .iter()
            .map(|c| match c.kind {
                Kind::Int64 => ColBuf::Int(Vec::new(), Vec::new()),
                Kind::String => ColBuf::Text(Vec::new(), Vec::new()),
            })
            .collect();
        Ok(PartitionWriter {
            writer,
            bufs,
            in_group: 0,
            hash: ContentHash::new(ds),
            staged,
            rel,
            key,
        })
    }

    fn push(&mut self, row: &[Cell<'_>]) -> Result<()> {
        self.hash.add(row);
        for (b, cell) in self.bufs.iter_mut().zip(row) {
            match (b, cell) {
                (ColBuf::Int(_, d), Cell::Null) | (ColBuf::Text(_, d), Cell::Null) => d.push(0),
                (ColBuf::Int(v, d), Cell::Int(n)) => {
                    v.push(*n);
                    d.push(1);
                }
                (ColBuf::Text(v, d), Cell::Int(n)) => {
                    v.push(ByteArray::from(n.to_string().into_bytes()));
                    d.push(1);
                }
                (ColBuf::Text(v, d), Cell::Text(t)) => {
                    v.push(ByteArray::from(t.to_vec()));
                    d.push(1);
                }
                (ColBuf::Int(..), Cell::Text(_)) => {
                    return Err(Error::invalid("text where a number belongs"));
                }
            }
        }
        self.in_group += 1;
        if self.in_group == ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> Result<()> {
        let mut rg = self.writer.next_row_group().map_err(pq)?;
        for b in &mut self.bufs {
            let Some(mut col) = rg.next_column().map_err(pq)? else {
                return Err(Error::invalid("the Parquet schema has fewer columns"));
            };
            match b {
                ColBuf::Int(v, d) => {
                    col.typed::<Int64Type>()
                        .write_batch(v, Some(d), None)
                        .map_err(pq)?;
                    v.clear();
                    d.clear();
                }
                ColBuf::Text(v, d) => {
                    col.typed::<ByteArrayType>()
                        .write_batch(v, Some(d), None)
                        .map_err(pq)?;
                    v.clear();
                    d.clear();
                }
            }
            col.close().map_err(pq)?;
        }
        rg.close().map_err(pq)?;
        self.in_group = 0;
        Ok(())
    }

    /// Closes the file (not yet durable nor renamed) and says what it holds.
    fn finish(mut self) -> Result<(FileEntry, Staged)> {
        if self.in_group > 0 {
            self.flush()?;
        }
        let path = self.staged.path.clone();
        let mut tee = self.writer.into_inner().map_err(pq)?;
        tee.flush().map_err(Error::io(&path))?;
        let Tee {
            inner, hash, bytes, ..
        } = tee;
        let file = inner
            .into_inner()
            .map_err(|e| Error::io(&path)(e.into_error()))?;
        // Closed now (thousands may wait for `commit_all`; it needs no handle).
        drop(file);
        let (content_hash, rows) = self.hash.finish();
        let (country, year, centre) = self.key;
        let entry = FileEntry {
            path: self.rel,
            country,
            year,
            centre,
            rows,
            bytes,
            sha256: crate::crypto::hex(&hash.finalize()),
            content_hash,
        };
        Ok((entry, self.staged))
    }
}

/// A partition file written beside its place, not yet durable nor renamed; dropped
/// uncommitted, the temporary file is removed.
struct Staged {
    file: Option<File>,
    tmp: PathBuf,
    path: PathBuf,
    done: bool,
}

impl Staged {
    fn create(path: &Path) -> Result<Staged> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{PART_FILE}.tmp-{}",
            uuid::Uuid::now_v7().simple()
        ));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&tmp).map_err(Error::io(&tmp))?;
        Ok(Staged {
            file: Some(file),
            tmp,
            path: path.to_owned(),
            done: false,
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Makes the staged files durable and renames each over its place: the data of all of them
/// flushed at once, then the renames, then the folders flushed (on Linux one `syncfs` each
/// time instead of an fsync per file and per folder, which for thousands of small partition
/// files on a busy disk cost more than writing them). The manifest is written after this.
fn commit_all(out_dir: &Path, staged: &mut [Staged]) -> Result<()> {
    if staged.is_empty() {
        return Ok(());
    }
    for s in staged.iter_mut() {
        drop(s.file.take());
    }
    #[cfg(target_os = "linux")]
    {
        let root = File::open(out_dir).map_err(Error::io(out_dir))?;
        rustix::fs::syncfs(&root).map_err(|e| Error::io(out_dir)(e.into()))?;
        for s in staged.iter_mut() {
            fs::rename(&s.tmp, &s.path).map_err(Error::io(&s.path))?;
            s.done = true;
        }
        rustix::fs::syncfs(&root).map_err(|e| Error::io(out_dir)(e.into()))?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = out_dir;
        for s in staged.iter_mut() {
            File::open(&s.tmp)
                .and_then(|f| f.sync_all())
                .map_err(Error::io(&s.tmp))?;
            fs::rename(&s.tmp, &s.path).map_err(Error::io(&s.path))?;
            s.done = true;
            if let Some(dir) = s.path.parent() {
                atomic_file::sync_dir(dir)?;
            }
        }
    }
    Ok(())
}

/// A Parquet library error, said as Atrama says errors.
fn pq(e: ::parquet::errors::ParquetError) -> Error {
    Error::invalid(format!(
        "the Parquet file could not be written ({e}); check the output folder and try again"
    ))
}

/// SHA-256 of a file, hex (tests and the manifest check).
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(Error::io(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(Error::io(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::crypto::hex(&h.finalize()))
}

/// The absolute path of a manifest entry.
pub fn file_path(out_dir: &Path, entry: &FileEntry) -> PathBuf {
    out_dir.join(&entry.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_of_years_are_read_and_bad_ones_refused() {
        assert_eq!(
            YearRange::parse("2025").unwrap(),
            YearRange {
                from: 2025,
                to: 2025
            }
        );
        assert_eq!(
            YearRange::parse("2024..2025").unwrap(),
            YearRange {
                from: 2024,
                to: 2025
            }
        );
        assert_eq!(YearRange::parse("2024-03..2025-11").unwrap().to, 2025);
        for bad in ["", "25", "2025..2024", "abcd", "2025x", "2025-1"] {
            assert!(YearRange::parse(bad).is_err(), "{bad}");
        }
    }

    /// Constant memory: every dataset's scan comes in partition order from the
    /// `case_partition` index, never through a sort of the table (temporary B-trees live in
    /// memory in this store); only the clients without a case are sorted, within their centre.
    #[test]
    fn each_dataset_is_read_in_partition_order_without_a_sort() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut conn).unwrap();
        let all = datasets(&conn).unwrap();
        assert_eq!(all.len(), TABLES.len());
        for ds in &all {
            for years in [false, true] {
                let queries = sources(ds, years);
                assert_eq!(queries.len(), if ds.name == "client" { 2 } else { 1 });
                for (i, sql) in queries.iter().enumerate() {
                    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                    let mut rows = if years {
                        stmt.query(["KOORD", "2025-01-01", "2026-01-01"]).unwrap()
                    } else {
                        stmt.query(["KOORD"]).unwrap()
                    };
                    let mut plan: Vec<String> = Vec::new();
                    while let Some(r) = rows.next().unwrap() {
                        plan.push(r.get(3).unwrap());
                    }
                    let text = plan.join(" / ");
                    if i == 0 {
                        assert!(text.contains("case_partition"), "{}: {text}", ds.name);
                        assert!(!text.contains("TEMP B-TREE"), "{}: {text}", ds.name);
                    } else {
                        assert!(
                            !text.contains("TEMP B-TREE FOR ORDER BY"),
                            "{}: {text}",
                            ds.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn manifest_paths_must_stay_inside_the_export() {
        assert!(safe_rel(
            "client/country=LT/year=2025/centre=KLP-01/part-0.parquet"
        ));
        for bad in [
            "../x/country=LT/year=2025/centre=K/part-0.parquet",
            "client/../year=2025/centre=K/part-0.parquet",
            "/etc/passwd",
            "client/country=LT/year=2025/centre=K/other.parquet",
            "client/country=LT/year=2025/centre=K/x/part-0.parquet",
        ] {
            assert!(!safe_rel(bad), "{bad}");
        }
        assert!(path_safe("centre code", "KLP-01").is_ok());
        assert!(path_safe("centre code", "../x").is_err());
        assert!(path_safe("country", "").is_err());
    }
}
