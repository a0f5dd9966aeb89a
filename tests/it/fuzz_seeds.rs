//! Every committed seed of the fuzz targets (`fuzz/corpus/<target>/`) replayed through the
//! targets' own code (`fuzz/targets/<target>.rs`, which the cargo-fuzz binaries call too), in
//! this debug build with overflow checks and debug assertions on: an input that once made a
//! target fail stays a failing test here if the fault comes back, without the nightly fuzz
//! build. The exploring runs are `bash scripts/fuzz.sh N` (docs/reliability.md, Fuzzing).
//!
//! The targets run on parallel test threads of this one process: each has scratch folders of
//! its own under the temporary folder (`shared::scratch`), removed after its replay, and its
//! state (stores, the world of `shared.rs`) lives in its replay's thread or its own statics.
//! Only `run` is called, never `init`, which with `ATRAMA_FUZZ_SEEDS` writes seeds.

// The targets' modules, as the fuzz binaries include them (`super::shared` is this module's).
#![allow(
    dead_code,
    unreachable_pub,
    clippy::print_stderr,
    reason = "the fuzz targets' code, written for the fuzz binaries: public, partly unused, prints"
)]

use std::path::{Path, PathBuf};

#[path = "../../fuzz/targets/shared.rs"]
mod shared;

#[path = "../../fuzz/targets/analysis_template.rs"]
mod analysis_template;
#[path = "../../fuzz/targets/backup_body.rs"]
mod backup_body;
#[path = "../../fuzz/targets/backup_fields.rs"]
mod backup_fields;
#[path = "../../fuzz/targets/backup_header.rs"]
mod backup_header;
#[path = "../../fuzz/targets/bundle_header.rs"]
mod bundle_header;
#[path = "../../fuzz/targets/bundle_open.rs"]
mod bundle_open;
#[path = "../../fuzz/targets/bundle_payload.rs"]
mod bundle_payload;
#[path = "../../fuzz/targets/bundle_stream.rs"]
mod bundle_stream;
#[path = "../../fuzz/targets/code_lists.rs"]
mod code_lists;
#[path = "../../fuzz/targets/directory.rs"]
mod directory;
#[path = "../../fuzz/targets/enrolment.rs"]
mod enrolment;
#[path = "../../fuzz/targets/instrument_pack.rs"]
mod instrument_pack;
#[path = "../../fuzz/targets/keyslots.rs"]
mod keyslots;
#[path = "../../fuzz/targets/peer_sync.rs"]
mod peer_sync;
#[path = "../../fuzz/targets/sheets_read.rs"]
mod sheets_read;

/// The committed seeds of `target`, sorted by name.
fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the seed folder {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Runs every seed of `target` through `run` on a thread of its own (with the fuzzer's
/// 8 MiB stack), then removes the target's `scratch` folders once the thread, and with it
/// any store the target keeps in a thread-local, has ended. Fails naming the first seed
/// that panics (the target's own message is printed above it).
fn replay(target: &str, run: fn(&[u8]), scratch: &[&str]) {
    // Overflow checks follow debug assertions in Cargo's profiles (Cargo.toml sets neither;
    // `cfg!(overflow_checks)`, what the fuzz binaries check, is nightly-only). At run time, so
    // that a release build of the other tests still compiles.
    if !cfg!(debug_assertions) {
        panic!("the seed replay needs a debug build (overflow checks and debug assertions on)");
    }
    let seeds = seeds(target);
    let failed = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name(format!("fuzz seeds {target}"))
            .stack_size(8 << 20)
            .spawn_scoped(s, || {
                seeds.iter().find(|seed| {
                    let data = std::fs::read(seed).unwrap();
                    std::panic::catch_unwind(|| run(&data)).is_err()
                })
            })
            .unwrap()
            .join()
            .unwrap()
    });
    for name in scratch {
        let _ = std::fs::remove_dir_all(shared::scratch(name));
    }
    if let Some(seed) = failed {
        // A panic inside sheets_read's reader leaves the hook it sets for that time; the
        // default hook again, so that this failure and later ones print their messages.
        drop(std::panic::take_hook());
        panic!("fuzz target {target} fails on its seed {}", seed.display());
    }
}

#[test]
fn analysis_template_seeds_pass() {
    replay("analysis_template", analysis_template::run, &[]);
}

#[test]
fn backup_body_seeds_pass() {
    replay("backup_body", backup_body::run, &["backup-body"]);
}

#[test]
fn backup_fields_seeds_pass() {
    replay("backup_fields", backup_fields::run, &["backup-fields"]);
}

#[test]
fn backup_header_seeds_pass() {
    replay("backup_header", backup_header::run, &["backup-header"]);
}

#[test]
fn bundle_header_seeds_pass() {
    replay("bundle_header", bundle_header::run, &[]);
}

#[test]
fn bundle_open_seeds_pass() {
    replay("bundle_open", bundle_open::run, &[]);
}

#[test]
fn bundle_payload_seeds_pass() {
    replay("bundle_payload", bundle_payload::run, &["world"]);
}

#[test]
fn bundle_stream_seeds_pass() {
    replay("bundle_stream", bundle_stream::run, &[]);
}

#[test]
fn code_lists_seeds_pass() {
    replay("code_lists", code_lists::run, &[]);
}

#[test]
fn directory_seeds_pass() {
    replay("directory", directory::run, &[]);
}

#[test]
fn enrolment_seeds_pass() {
    replay("enrolment", enrolment::run, &["enrolment"]);
}

#[test]
fn instrument_pack_seeds_pass() {
    replay("instrument_pack", instrument_pack::run, &[]);
}

#[test]
fn keyslots_seeds_pass() {
    replay("keyslots", keyslots::run, &["keyslots"]);
}

#[test]
fn peer_sync_seeds_pass() {
    replay("peer_sync", peer_sync::run, &["peer-sync"]);
}

#[test]
fn sheets_read_seeds_pass() {
    replay("sheets_read", sheets_read::run, &["sheets"]);
}
