//! Bundle benchmark (issue 6): the three figures the sync issue asks for, each beside the
//! engine or primitive it is measured against.
//!
//! - **Export of ten years of a centre** (5,000 clients, 120 months: the first export carries
//!   everything): seconds to write the bundle.
//! - **Import rate**: records per second when a coordinator imports that bundle, against the
//!   raw SQLCipher engine inserting the same rows into the same tables in one transaction,
//!   as the import does, with every statement prepared before the clock starts.
//! - **1 GiB through the bundle format**: seal then open a 1 GiB payload of realistic JSON
//!   lines and 1 GiB of random bytes (incompressible, as documents are), streaming;
//!   throughput against AES-256-GCM alone over the same bytes in the same 64 KiB chunks, and
//!   the peak resident memory before and after (constant memory: the peak must not grow with
//!   the payload).
//!
//! `cargo bench --bench bundle` (full sizes), `-- stream` (a small centre, the full 1 GiB
//! stream), or `cargo bench --bench bundle -- smoke` (tiny
//! sizes, proves the bench works). Figures go to `docs/performance.md`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::io::{BufWriter, Read, Write};
use std::time::Instant;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use atrama::bundle::format::{self, BundleKind, OpeningKey, Routing};
use atrama::demo::{DemoOptions, generate};
use atrama::{Language, Mode, Store};
use chrono::NaiveDate;
use rand_chacha_09::rand_core::{RngCore, SeedableRng};
use rusqlite::Connection;

#[path = "common/mod.rs"]
mod common;

const CHUNK: usize = 64 * 1024;

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn create(dir: &std::path::Path, code: &str, mode: Mode, admin: &str) -> Store {
    common::new_store(dir, code, mode, Language::Lt, admin)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "stream-child") {
        // A fresh process that only streams, so its peak memory is the stream's own.
        let sample = std::fs::read(&args[i + 1]).unwrap();
        let total: u64 = args[i + 2].parse().unwrap();
        let (mib_s, _, peak, size) = stream(std::path::Path::new(&args[i + 3]), &sample, total);
        println!("{mib_s} {peak} {size}");
        return;
    }
    let smoke = args.iter().skip(1).any(|a| a == "smoke");
    // `stream`: a small centre, but the full 1 GiB stream (its figures only matter).
    let stream_only = args.iter().skip(1).any(|a| a == "stream");
    let (clients, stream_bytes) = if smoke {
        (100u32, 8u64 << 20)
    } else if stream_only {
        (100, 1u64 << 30)
    } else {
        (5_000, 1u64 << 30)
    };
    let tmp = tempfile::tempdir().unwrap();

    // ---- ten years of a centre, exported at once ---------------------------------------
    let mut centre = create(&tmp.path().join("centre"), "BEN-01", Mode::Centre, "ona");
    let mut coord = create(
        &tmp.path().join("coord"),
        "KOORD",
        Mode::Coordinator,
        "vida",
    );
    let summary = generate(
        &mut centre,
        &DemoOptions {
            clients,
            months: 120,
            seed: 42,
            today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        },
    )
    .unwrap();
    let (centre_file, coord_file) = (
        centre.enrolment_file().unwrap(),
        coord.enrolment_file().unwrap(),
    );
    let (centre_fp, coord_fp) = (
        centre.fingerprint().unwrap().short,
        coord.fingerprint().unwrap().short,
    );
    centre.enrol(&coord_file, &coord_fp).unwrap();
    coord.enrol(&centre_file, &centre_fp).unwrap();
    let bundle = tmp.path().join("ten-years.atrama");
    let started = Instant::now();
    let report = centre.export_bundle("KOORD", &bundle, None).unwrap();
    let export_secs = started.elapsed().as_secs_f64();
    let records: u64 = report.preview.counts.values().sum();
    println!("## {summary}");
    println!();
    println!("| figure | Atrama | against | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| export of 120 months ({records} records, {:.1} MiB bundle) | {export_secs:.2} s | target ≤ 5 s | |",
        report.size as f64 / f64::from(1 << 20)
    );

    // ---- import rate against the raw engine ---------------------------------------------
    let lines: Vec<String> = coord
        .read_bundle_payload(&bundle)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let started = Instant::now();
    let imported = coord.import_bundle(&bundle, false).unwrap();
    let import_secs = started.elapsed().as_secs_f64();
    assert_eq!(imported.outcome, "applied", "{imported:?}");
    let ours = records as f64 / import_secs;
    // Issue 27.3: the headline baseline does the same work as the import's INSERTs — the same
    // rows into the same tables of a new coordinator store, in one transaction as the import
    // applies a bundle, statements prepared and values parsed before the clock starts.
    let one = same_schema_rate(&tmp.path().join("one"), &lines, usize::MAX);
    println!(
        "| **import rate, same rows and schema, one transaction** ({records} records) | {ours:.0} records/s | raw SQLCipher INSERTs of the same rows into the same tables (indexes, triggers), one transaction, statements prepared before the clock: {one:.0} rows/s | **{:.2}×** (target ≥ 0.5×) |",
        ours / one
    );
    let raw = raw_insert_rate(&tmp.path().join("raw.db"), &lines, records);
    println!(
        "| import rate ({records} records) | {ours:.0} records/s | raw SQLCipher INSERT of as many rows into one two-column table, one transaction (less work than the import: one table, no other index): {raw:.0} rows/s | {:.2}× |",
        ours / raw
    );

    // ---- 1 GiB through the bundle format, streaming -------------------------------------
    // Two payloads: the real bundle's lines repeated (zstd compresses them ~20:1, so the
    // encryption stage sees a twentieth of the bytes), and random bytes, which do not
    // compress (as documents' contents do not): there the bundle encrypts as many bytes as
    // the AES-GCM baseline. The random sample (64 MiB) is longer than zstd's window, so its
    // repetition is not found either.
    let sample_path = tmp.path().join("sample.jsonl");
    std::fs::write(&sample_path, lines.join("\n")).unwrap();
    let random_path = tmp.path().join("random.bin");
    let mut random = vec![0u8; 64 << 20];
    rand_chacha_09::ChaCha20Rng::seed_from_u64(11).fill_bytes(&mut random);
    std::fs::write(&random_path, &random).unwrap();
    drop(random);
    let child = |sample: &std::path::Path, total: u64| -> (f64, f64, u64) {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("stream-child")
            .arg(sample)
            .arg(total.to_string())
            .arg(tmp.path().join("big.atrama"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let v: Vec<&str> = text.split_whitespace().collect();
        (
            v[0].parse().unwrap(),
            v[1].parse().unwrap(),
            v[2].parse().unwrap(),
        )
    };
    let (_, before, _) = child(&sample_path, 8 << 20);
    let (ours_mib_s, after, size) = child(&sample_path, stream_bytes);
    let (random_mib_s, random_peak, random_size) = child(&random_path, stream_bytes);
    let aes_mib_s = aes_gcm_rate(stream_bytes);
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    println!(
        "| seal + open {} MiB of random bytes (incompressible; {:.0} MiB file: the same bytes encrypted as the baseline) | {random_mib_s:.0} MiB/s | AES-256-GCM alone over the same {} MiB, 64 KiB chunks: {aes_mib_s:.0} MiB/s | {:.2}× (target ≥ 0.5×) |",
        stream_bytes >> 20,
        mib(random_size),
        stream_bytes >> 20,
        random_mib_s / aes_mib_s
    );
    println!(
        "| seal + open {} MiB of JSON lines ({:.0} MiB file: zstd leaves {:.1}% of the bytes to encrypt) | {ours_mib_s:.0} MiB/s | AES-256-GCM alone over all {} MiB: {aes_mib_s:.0} MiB/s | {:.2}× (not equal bytes: the baseline encrypts {:.0}× more) |",
        stream_bytes >> 20,
        mib(size),
        100.0 * size as f64 / stream_bytes as f64,
        stream_bytes >> 20,
        ours_mib_s / aes_mib_s,
        stream_bytes as f64 / size as f64
    );
    println!(
        "| peak resident memory of a process streaming 8 MiB / {} MiB of JSON lines; {} MiB of random bytes | {before:.0} / {after:.0} MiB; {random_peak:.0} MiB | target < 150 MB | |",
        stream_bytes >> 20,
        stream_bytes >> 20
    );
}

/// Rows per second of the raw engine inserting `records` rows of bundle lines into one
/// two-column table, in one transaction; the ids are made before the clock starts.
fn raw_insert_rate(path: &std::path::Path, lines: &[String], records: u64) -> f64 {
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32)))
        .unwrap();
    conn.execute_batch(
        "PRAGMA cipher_log_level = NONE; PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY; PRAGMA synchronous = NORMAL;
         CREATE TABLE record (id TEXT PRIMARY KEY, body TEXT NOT NULL);",
    )
    .unwrap();
    let ids: Vec<String> = (0..records)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let started = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO record (id, body) VALUES (?1, ?2)")
            .unwrap();
        for (i, id) in ids.iter().enumerate() {
            insert
                .execute(rusqlite::params![id, &lines[i % lines.len()]])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    records as f64 / started.elapsed().as_secs_f64()
}

/// Rows per second of the raw engine inserting the bundle's records, as they are, into the
/// same tables of a new coordinator store (same schema: indexes, triggers, foreign keys):
/// `batch` rows a transaction, none of the import's checks. Before the clock starts: the JSON
/// is parsed, and one INSERT per distinct table and column list is written and prepared, so
/// the timed loop only binds, steps and commits.
fn same_schema_rate(dir: &std::path::Path, lines: &[String], batch: usize) -> f64 {
    let store = create(dir, "KOORD", Mode::Coordinator, "vida");
    let conn = store.dangerously_raw_connection();
    let mut shapes: Vec<(String, Vec<String>)> = Vec::new();
    let mut rows: Vec<(usize, Vec<rusqlite::types::Value>)> = Vec::new();
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "record" {
            continue;
        }
        let table = v["table"].as_str().unwrap().to_owned();
        let mut names = Vec::new();
        let mut values = Vec::new();
        for (k, x) in v["row"].as_object().unwrap() {
            // Payload format 2 sends the `hlc` column as `version` (`sync::payload::wire_name`).
            names.push(if k == "version" {
                "hlc".to_owned()
            } else {
                k.clone()
            });
            values.push(match x {
                serde_json::Value::String(s) => rusqlite::types::Value::Text(s.clone()),
                serde_json::Value::Number(n) => {
                    rusqlite::types::Value::Integer(n.as_i64().unwrap())
                }
                _ => rusqlite::types::Value::Null,
            });
        }
        let shape = (table, names);
        let at = shapes.iter().position(|s| *s == shape).unwrap_or_else(|| {
            shapes.push(shape);
            shapes.len() - 1
        });
        rows.push((at, values));
    }
    let mut statements: Vec<rusqlite::Statement<'_>> = shapes
        .iter()
        .map(|(table, names)| {
            conn.prepare(&format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                vec!["?"; names.len()].join(", ")
            ))
            .unwrap()
        })
        .collect();
    let started = Instant::now();
    for chunk in rows.chunks(batch) {
        conn.execute_batch("BEGIN").unwrap();
        for (at, values) in chunk {
            statements[*at]
                .execute(rusqlite::params_from_iter(values))
                .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    drop(statements);
    rows.len() as f64 / secs
}

/// Seals `total` bytes (the sample repeated) into a bundle file, then opens and reads it all
/// back; returns MiB/s over both, the peak memory before and after, and the file size.
fn stream(path: &std::path::Path, sample: &[u8], total: u64) -> (f64, f64, f64, u64) {
    let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(7);
    let opening = OpeningKey::generate();
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let signer = ed25519_dalek::SigningKey::from_bytes(&seed);
    let routing = Routing {
        bundle_id: uuid::Uuid::now_v7(),
        kind: BundleKind::CentreExport,
        sender: "aa".repeat(32),
        recipient: "bb".repeat(32),
        sequence: 1,
        period: None,
        created_at: "2026-11-25T00:00:00Z".into(),
        app_version: "bench".into(),
        schema_version: 1,
        codes_version: "bench".into(),
        prev_hash: None,
    };
    let before = peak_rss_mib();
    let started = Instant::now();
    let file = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut writer = format::seal(file, routing, &opening.public(), &signer, &mut rng).unwrap();
    let bytes = sample;
    let mut written = 0u64;
    while written < total {
        let n = usize::try_from((total - written).min(bytes.len() as u64)).unwrap();
        writer.write_all(&bytes[..n]).unwrap();
        written += n as u64;
    }
    let (file, sealed) = writer.finish().unwrap();
    file.into_inner().unwrap().sync_all().unwrap();
    let input = std::fs::File::open(path).unwrap();
    let (_, mut payload) = format::open_payload(input, sealed.size, &opening).unwrap();
    let mut buf = vec![0u8; CHUNK];
    let mut read = 0u64;
    loop {
        let n = payload.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        read += n as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(
        read, total,
        "the payload read back is as long as the one written"
    );
    let mib = (total * 2) as f64 / f64::from(1 << 20);
    (mib / secs, before, peak_rss_mib(), sealed.size)
}

/// MiB/s of AES-256-GCM encrypting then decrypting `total` bytes in 64 KiB chunks in place.
fn aes_gcm_rate(total: u64) -> f64 {
    let cipher = Aes256Gcm::new_from_slice(&[7u8; 32]).unwrap();
    let mut chunk = vec![0x5au8; CHUNK];
    let started = Instant::now();
    let mut done = 0u64;
    let mut counter = 0u32;
    while done < total {
        let mut nonce = [0u8; 12];
        nonce[7..11].copy_from_slice(&counter.to_be_bytes());
        let nonce = Nonce::from_slice(&nonce);
        let tag = cipher
            .encrypt_in_place_detached(nonce, b"", &mut chunk)
            .unwrap();
        cipher
            .decrypt_in_place_detached(nonce, b"", &mut chunk, &tag)
            .unwrap();
        done += CHUNK as u64;
        counter += 1;
    }
    let mib = (total * 2) as f64 / f64::from(1 << 20);
    mib / started.elapsed().as_secs_f64()
}
