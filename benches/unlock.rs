//! Unlock benchmark: Argon2id key derivation + opening the SQLCipher database + the first
//! query, with the KDF parameters real stores get (`KdfParams::DEFAULT`); and what is left
//! without Argon2id's cost (issue 27.3: "opening with the raw key costs about 2 ms" is
//! measured here): SQLCipher opened with a raw 256-bit key and queried, and a whole unlock
//! of a store whose key slot uses the cheapest test parameters.
//!
//! Run with `cargo bench --bench unlock`; figures go to `docs/performance.md`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::time::{Duration, Instant};

use atrama::crypto::{SALT_LEN, derive_kek};
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};

const RUNS: usize = 20;
/// The cheap measurements take more samples, so that p95 is a 95th percentile.
const RUNS_CHEAP: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{what:<44} p50 {:>7.1} ms   p95 {:>7.1} ms   ({} runs)",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.95).as_secs_f64() * 1e3,
        samples.len()
    );
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let centre = NewCentre {
        code: "BEN-01".into(),
        name: "Benchmark centre".into(),
        country: Country::Lt,
        language: Language::Lt,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let pass = Passphrase::new("benchmark passphrase one");
    drop(Store::create(&dir, &centre, &pass, KdfParams::DEFAULT).unwrap());

    let p = KdfParams::DEFAULT;
    println!("KDF: Argon2id m={} KiB, t={}, p={}", p.m_kib, p.t, p.p);
    let kdf: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            derive_kek(b"benchmark passphrase one", &[7u8; SALT_LEN], p).unwrap();
            start.elapsed()
        })
        .collect();
    report("Argon2id alone", kdf);

    let unlock: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let store = Store::unlock(&dir, "ona", &pass).unwrap();
            let status = store.status().unwrap();
            let elapsed = start.elapsed();
            assert_eq!(status.centre.code, "BEN-01");
            elapsed
        })
        .collect();
    report("unlock (Argon2id + open + first query)", unlock);

    // SQLCipher alone with a raw key (no KDF of its own): open, key, first query, close.
    let raw = tmp.path().join("raw.db");
    let raw_key = format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32));
    {
        let conn = rusqlite::Connection::open(&raw).unwrap();
        conn.execute_batch(&raw_key).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
             INSERT INTO t (v) VALUES ('x');",
        )
        .unwrap();
    }
    let raw_open: Vec<Duration> = (0..RUNS_CHEAP)
        .map(|_| {
            let start = Instant::now();
            let conn = rusqlite::Connection::open(&raw).unwrap();
            conn.execute_batch(&raw_key).unwrap();
            let n: i64 = conn
                .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .unwrap();
            drop(conn);
            let elapsed = start.elapsed();
            assert_eq!(n, 1);
            elapsed
        })
        .collect();
    report("SQLCipher open with a raw key + first query", raw_open);

    // A whole unlock of a store whose key slot uses the cheapest parameters: key slot read,
    // KDF (m = 64 KiB, t = 1), key unwrapped, database opened and checked, first query.
    let cheap_dir = tmp.path().join("cheap");
    drop(Store::create(&cheap_dir, &centre, &pass, KdfParams::INSECURE_FOR_TESTS).unwrap());
    let cheap: Vec<Duration> = (0..RUNS_CHEAP)
        .map(|_| {
            let start = Instant::now();
            let store = Store::unlock(&cheap_dir, "ona", &pass).unwrap();
            let status = store.status().unwrap();
            drop(store);
            let elapsed = start.elapsed();
            assert_eq!(status.centre.code, "BEN-01");
            elapsed
        })
        .collect();
    report(
        "unlock with test KDF parameters (all but Argon2id's cost)",
        cheap,
    );
}
