//! Unlock benchmark: Argon2id key derivation + opening the SQLCipher database + the first
//! query, with the KDF parameters real stores get (`KdfParams::DEFAULT`).
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
}
