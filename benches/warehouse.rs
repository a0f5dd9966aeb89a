//! The Parquet warehouse export at national scale (issue 25): a coordinator's replicas of 60
//! centres over ten years, exported by Atrama, beside a baseline that writes the same rows
//! with the `parquet` crate directly (one plain `SELECT` per dataset streamed into one file,
//! same columns, compression and row-group size: none of Atrama's partitioning, content
//! hashes, temporary files or manifest); the peak memory of each; an incremental export with
//! nothing changed; the files' size against the SQLite store; and DuckDB computing a year's
//! T1–T10 over the files with `docs/warehouse/*.sql` (checked cell by cell against Atrama's
//! own tables by `scripts/warehouse-check.py`, whose venv `scripts/install-deps.sh` makes),
//! then where DuckDB's time goes (`scripts/warehouse-profile.py`: listing, footers, opening
//! and scanning the partition files, against the baseline's one file per dataset).
//!
//! `cargo bench --bench warehouse -- national` (60,000 cases and ~1,200,000 service contacts
//! over ten years, spread over 60 centres: 6 % of the national size of ~1,000,000
//! cases), or `-- smoke` (a tiny run that proves the bench works). `ATRAMA_BENCH_COPIES=N`
//! multiplies the national store's replicas N+1 times in bulk ([`multiply`]; N = 16 is the
//! national size, if the disk holds it: the bench stops copying short of 8 GiB free);
//! `ATRAMA_BENCH_ONLY=export` runs only the export (for `/usr/bin/time -v`);
//! `ATRAMA_BENCH_ORDER=bundles` first rewrites the dated records in the order a coordinator
//! receives them, month by month ([`in_bundle_order`]). Each run prints
//! its wall-clock and CPU seconds. `ATRAMA_BENCH_STORE=DIR` keeps the generated
//! store in `DIR/warehouse-<size>` and reuses it.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use atrama::demo::DemoShape;
use atrama::stats::StatsQuery;
use atrama::warehouse::parquet::{self as wh, Kind, ROW_GROUP_ROWS};
use atrama::{Language, Passphrase, Store};
use chrono::NaiveDate;
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rusqlite::types::ValueRef;

#[path = "common/mod.rs"]
mod common;

/// Resets the peak resident set of this process (Linux: `clear_refs` 5), so that the next
/// reading of `VmHWM` is the peak of what ran since.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set since the last reset, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds (user + system) this process has used: on a machine other builds keep busy,
/// the fair measure of work next to the wall-clock time.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (in parentheses): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        total += if m.is_dir() {
            dir_bytes(&e.path())
        } else {
            m.len()
        };
    }
    total
}

/// The baseline: each dataset's rows, one plain query each, into one Parquet file.
fn baseline(conn: &rusqlite::Connection, out: &Path) -> u64 {
    std::fs::create_dir_all(out).unwrap();
    let props = Arc::new(
        WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build(),
    );
    let mut rows_written = 0u64;
    for ds in wh::datasets(conn).unwrap() {
        let fields = ds
            .columns
            .iter()
            .map(|c| {
                let b = match c.kind {
                    Kind::Int64 => Type::primitive_type_builder(&c.name, PhysicalType::INT64),
                    Kind::String => Type::primitive_type_builder(&c.name, PhysicalType::BYTE_ARRAY)
                        .with_logical_type(Some(LogicalType::String)),
                };
                Arc::new(b.with_repetition(Repetition::OPTIONAL).build().unwrap())
            })
            .collect();
        let schema = Arc::new(
            Type::group_type_builder("schema")
                .with_fields(fields)
                .build()
                .unwrap(),
        );
        let file = BufWriter::with_capacity(
            1 << 20,
            File::create(out.join(format!("{}.parquet", ds.name))).unwrap(),
        );
        let mut w = SerializedFileWriter::new(file, schema, props.clone()).unwrap();
        // The same stored columns the export reads, every row of the table (a bench store
        // holds replicas only).
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM {}",
                ds.sources().join(", "),
                ds.name
            ))
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        let n = ds.columns.len();
        let mut ints: Vec<Vec<i64>> = vec![Vec::new(); n];
        let mut texts: Vec<Vec<ByteArray>> = vec![Vec::new(); n];
        let mut defs: Vec<Vec<i16>> = vec![Vec::new(); n];
        let mut in_group = 0;
        let flush = |w: &mut SerializedFileWriter<_>,
                     ints: &mut Vec<Vec<i64>>,
                     texts: &mut Vec<Vec<ByteArray>>,
                     defs: &mut Vec<Vec<i16>>| {
            let mut rg = w.next_row_group().unwrap();
            for i in 0..n {
                let mut col = rg.next_column().unwrap().unwrap();
                match ds.columns[i].kind {
                    Kind::Int64 => {
                        col.typed::<Int64Type>()
                            .write_batch(&ints[i], Some(&defs[i]), None)
                            .unwrap();
                    }
                    Kind::String => {
                        col.typed::<ByteArrayType>()
                            .write_batch(&texts[i], Some(&defs[i]), None)
                            .unwrap();
                    }
                }
                col.close().unwrap();
                ints[i].clear();
                texts[i].clear();
                defs[i].clear();
            }
            rg.close().unwrap();
        };
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                match r.get_ref(i).unwrap() {
                    ValueRef::Null => defs[i].push(0),
                    ValueRef::Integer(v) => {
                        if ds.columns[i].kind == Kind::Int64 {
                            ints[i].push(v);
                        } else {
                            texts[i].push(ByteArray::from(v.to_string().into_bytes()));
                        }
                        defs[i].push(1);
                    }
                    ValueRef::Text(t) => {
                        texts[i].push(ByteArray::from(t.to_vec()));
                        defs[i].push(1);
                    }
                    _ => panic!("unexpected value"),
                }
            }
            in_group += 1;
            rows_written += 1;
            if in_group == ROW_GROUP_ROWS {
                flush(&mut w, &mut ints, &mut texts, &mut defs);
                in_group = 0;
            }
        }
        if in_group > 0 {
            flush(&mut w, &mut ints, &mut texts, &mut defs);
        }
        w.close().unwrap();
    }
    rows_written
}

/// Free bytes on the file system holding `dir` (`df`).
fn free_bytes(dir: &Path) -> u64 {
    let out = std::process::Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0)
}

/// The free space the disk must keep while the bench writes (it is shared).
const KEEP_FREE: u64 = 8 << 30;

/// Bulk-multiplies the replicas: copy `k` of every record of the base store, same owner
/// centres and dates, each id (and each id it refers to) given the prefix `printf('%02x',
/// 128 + k)` in place of its first two hex digits (the base's ids are UUIDv7s of this era,
/// `01…`), case numbers and pseudonyms the suffix `-k`: one `INSERT … SELECT` per table,
/// one transaction per copy, the WAL checkpointed after each. Deterministic (the base
/// store's seed). Stops early, and says so, when a copy would leave less than
/// [`KEEP_FREE`] on the disk. Returns the copies the store holds.
fn multiply(store: &Store, dir: &Path, copies: u32) -> u32 {
    let conn = store.dangerously_raw_connection();
    let done: u32 = conn
        .query_row(
            "SELECT count(DISTINCT substr(id, 1, 2)) FROM case_file WHERE substr(id, 1, 1) IN ('8', '9')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for k in done + 1..=copies {
        let db = std::fs::metadata(dir.join("atrama.db")).unwrap().len();
        let per_copy = db / u64::from(k);
        // The copy itself, its WAL until the checkpoint, and the export's files after it.
        if free_bytes(dir) < KEEP_FREE + per_copy * 2 + per_copy / 4 {
            println!(
                "(stopped at {} copies: one more would leave less than {} GiB free)",
                k - 1,
                KEEP_FREE >> 30
            );
            return k - 1;
        }
        let start = Instant::now();
        let id = |c: &str| {
            format!(
                "CASE WHEN {c} IS NULL THEN NULL ELSE printf('%02x', {}) || substr({c}, 3) END",
                128 + k
            )
        };
        let mut sql = String::from("PRAGMA foreign_keys = OFF; BEGIN;\n");
        for table in atrama::sync::payload::TABLES {
            let cols: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let exprs: Vec<String> = cols
                .iter()
                .map(|c| match c.as_str() {
                    "id" | "client_id" | "case_id" | "supersedes" => id(c),
                    "case_number" | "pseudonym" => format!("{c} || '-{k}'"),
                    _ => c.clone(),
                })
                .collect();
            let base = if cols.iter().any(|c| c == "id") {
                "id"
            } else {
                "case_id"
            };
            sql.push_str(&format!(
                "INSERT INTO {table} ({}) SELECT {} FROM {table} WHERE substr({base}, 1, 1) NOT IN ('8', '9');\n",
                cols.join(", "),
                exprs.join(", ")
            ));
        }
        sql.push_str("COMMIT; PRAGMA foreign_keys = ON;");
        conn.execute_batch(&sql).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        println!(
            "copy {k} of the replicas in {:.0} s ({:.0} MiB store, {:.1} GiB free)",
            start.elapsed().as_secs_f64(),
            std::fs::metadata(dir.join("atrama.db")).unwrap().len() as f64 / 1048576.0,
            free_bytes(dir) as f64 / 1073741824.0
        );
    }
    if copies > done {
        conn.execute_batch("ANALYZE;").unwrap();
    }
    copies
}

/// The dated record types and the date a bundle of theirs is sent in.
const DATED: [(&str, &str); 5] = [
    ("service_contact", "on_date"),
    ("referral", "on_date"),
    ("risk_assessment", "assessed_on"),
    ("consent_event", "on_date"),
    ("case_status_event", "on_date"),
];

/// Rewrites the dated record types in the order a coordination centre receives them: month
/// by month, each centre's bundle of the month after the one before (the demo generator,
/// and so the bench store, writes them case by case, which puts a case's records side by
/// side in the table; in a coordinator's store a case's records of different months are
/// as far apart as the bundles that brought them). Same rows, same ids, new storage order;
/// one transaction, foreign keys off while the rows are out, and the store a centre's for
/// that transaction so that the kept counts' triggers (which fire only in a coordinator's
/// store) do not list the months of rows that come back unchanged.
fn in_bundle_order(store: &Store) {
    let conn = store.dangerously_raw_connection();
    let start = Instant::now();
    let mut sql = String::from(
        "PRAGMA foreign_keys = OFF; BEGIN;\nUPDATE centre_profile SET mode = 'centre';\n",
    );
    for (table, date) in DATED {
        sql.push_str(&format!(
            "CREATE TEMP TABLE reorder AS SELECT * FROM {table}
               ORDER BY substr({date}, 1, 7), owner_centre, rowid;
             DELETE FROM {table};
             INSERT INTO {table} SELECT * FROM reorder;
             DROP TABLE reorder;\n"
        ));
    }
    sql.push_str(
        "UPDATE centre_profile SET mode = 'coordinator';\nCOMMIT; PRAGMA foreign_keys = ON;",
    );
    conn.execute_batch(&sql).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    println!(
        "the dated records rewritten in the order bundles bring them in {:.0} s",
        start.elapsed().as_secs_f64()
    );
}

fn main() {
    let which = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "smoke".into());
    let (name, clients, centres) = match which.as_str() {
        "national" => ("national", 60_000, 60),
        _ => ("smoke", 600, 6),
    };
    let shape = DemoShape {
        contacts_per_case: 20.0,
        notes_per_case: 0.0,
        clients_per_batch: 500,
    };
    let tmp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("ATRAMA_BENCH_STORE").map(std::path::PathBuf::from);
    let base = kept.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let store_dir = base.join(format!("warehouse-{name}"));
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let store = if Store::exists(&store_dir) {
        println!("(reusing the store in {})", store_dir.display());
        Store::unlock(&store_dir, "ona", &Passphrase::new(common::PASSPHRASE)).unwrap()
    } else {
        let (store, summary, secs) =
            common::demo_store(&store_dir, Language::En, clients, shape, today);
        println!("generated in {secs:.0} s: {summary}");
        let start = Instant::now();
        common::as_coordinator_replicas(&store, centres);
        println!(
            "rewritten as replicas of {centres} centres with month-level dates in {:.0} s",
            start.elapsed().as_secs_f64()
        );
        store
    };
    let copies: u32 = std::env::var("ATRAMA_BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if copies > 0 {
        let s = Instant::now();
        let made = multiply(&store, &store_dir, copies);
        println!(
            "the base replicas {} time(s) over in {:.0} s",
            made + 1,
            s.elapsed().as_secs_f64()
        );
    }
    if std::env::var("ATRAMA_BENCH_ORDER").as_deref() == Ok("bundles") {
        in_bundle_order(&store);
    }
    let conn = store.dangerously_raw_connection();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let db_bytes = std::fs::metadata(store_dir.join("atrama.db"))
        .unwrap()
        .len();
    println!(
        "## {name}: {} cases, {} service contacts, {} centres, SQLite store {:.1} MiB",
        count("SELECT count(*) FROM case_file"),
        count("SELECT count(*) FROM service_contact"),
        count("SELECT count(DISTINCT owner_centre) FROM case_file"),
        db_bytes as f64 / 1048576.0
    );
    let out = base.join(format!("warehouse-{name}-parquet"));
    let base_out = base.join(format!("warehouse-{name}-baseline"));
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&base_out);

    if std::env::var("ATRAMA_BENCH_ONLY").as_deref() == Ok("export") {
        // For `/usr/bin/time -v`: this process does the export and nothing else after the
        // store is open.
        let s = Instant::now();
        let summary = wh::export(conn, "KOORD", "bench", &out, None).unwrap();
        println!(
            "export only: {} rows, {} files, {:.1} MiB in {:.1} s",
            summary.rows,
            summary.written,
            summary.bytes as f64 / 1048576.0,
            s.elapsed().as_secs_f64()
        );
        return;
    }
    println!();
    println!("| run | rows | seconds | rows/s | CPU seconds | peak RSS of the run |");
    println!("|---|---|---|---|---|---|");
    // Atrama's export first: it meets the colder page cache, the baseline a warmer one.
    reset_peak();
    let s = Instant::now();
    let c = cpu_secs();
    let summary = wh::export(conn, "KOORD", "bench", &out, None).unwrap();
    let a_secs = s.elapsed().as_secs_f64();
    let a_cpu = cpu_secs() - c;
    println!(
        "| Atrama export (partitions, hashes, temp + rename, manifest) | {} | {a_secs:.1} | {:.0} | {a_cpu:.1} | {:.0} MiB |",
        summary.rows,
        summary.rows as f64 / a_secs,
        peak_mib()
    );
    reset_peak();
    let s = Instant::now();
    let c = cpu_secs();
    let rows = baseline(conn, &base_out);
    let b_secs = s.elapsed().as_secs_f64();
    let b_cpu = cpu_secs() - c;
    println!(
        "| baseline: parquet crate, one SELECT per dataset | {rows} | {b_secs:.1} | {:.0} | {b_cpu:.1} | {:.0} MiB |",
        rows as f64 / b_secs,
        peak_mib()
    );
    assert_eq!(
        summary.rows, rows,
        "the baseline and the export wrote different rows"
    );
    reset_peak();
    let s = Instant::now();
    let c = cpu_secs();
    let again = wh::export(conn, "KOORD", "bench", &out, None).unwrap();
    let i_secs = s.elapsed().as_secs_f64();
    let i_cpu = cpu_secs() - c;
    assert_eq!(again.written, 0);
    println!(
        "| Atrama export again, nothing changed ({} files kept) | {} | {i_secs:.1} | {:.0} | {i_cpu:.1} | {:.0} MiB |",
        again.unchanged,
        again.rows,
        again.rows as f64 / i_secs,
        peak_mib()
    );
    println!();
    let files = dir_bytes(&out);
    println!(
        "ratio Atrama ÷ baseline rate: {:.2}× by wall clock, {:.2}× by CPU time; {} files, {:.1} MiB of Parquet ({:.1} MiB baseline) = {:.3} of the SQLite store",
        (summary.rows as f64 / a_secs) / (rows as f64 / b_secs),
        b_cpu / a_cpu,
        summary.written,
        files as f64 / 1048576.0,
        dir_bytes(&base_out) as f64 / 1048576.0,
        files as f64 / db_bytes as f64
    );

    // DuckDB over the files: a year's T1–T10, every cell checked against Atrama's. A
    // coordinator's tables read its kept monthly counts, which the rewrite into replicas
    // did not list (`common::list_every_month`); the first read counts every month.
    common::list_every_month(&store);
    let mut q = StatsQuery::months("2025-01", Some("2025-12"));
    q.language = Some(Language::En);
    let s = Instant::now();
    let report = store.monthly_tables(&q).unwrap();
    println!(
        "Atrama's own T1–T10 of 2025 (SQLite): {:.2} s",
        s.elapsed().as_secs_f64()
    );
    let tables = base.join(format!("warehouse-{name}-tables.json"));
    std::fs::write(&tables, serde_json::to_vec(&report).unwrap()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/warehouse-venv/bin/python");
    if python.exists() {
        let s = Instant::now();
        let status = std::process::Command::new(&python)
            .arg(root.join("scripts/warehouse-check.py"))
            .arg(&out)
            .arg(&tables)
            .arg("2025")
            .arg(root.join("docs/warehouse"))
            .status()
            .unwrap();
        assert!(status.success(), "DuckDB's tables differ from Atrama's");
        println!(
            "(DuckDB process in all, with Python start and views: {:.2} s)",
            s.elapsed().as_secs_f64()
        );
        // Where DuckDB's time goes: listing, footers, opening and scanning the partition
        // files of each dataset, against the same scan over the baseline's one file.
        let status = std::process::Command::new(&python)
            .arg(root.join("scripts/warehouse-profile.py"))
            .arg(&out)
            .arg(&base_out)
            .status()
            .unwrap();
        assert!(status.success(), "scripts/warehouse-profile.py failed");
    } else {
        println!("(no target/warehouse-venv: run scripts/install-deps.sh for the DuckDB figure)");
    }
    if kept.is_none() {
        drop(store);
    }
}
