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

use std::collections::BTreeSet;
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

/// For each target (its module above): a test `replay_seeds::<target>` replaying its seeds,
/// with the scratch folders it makes, and its name in [`REPLAYED`].
macro_rules! replayed {
    ($($target:ident: [$($scratch:literal),*]),* $(,)?) => {
        /// Every target whose seeds a test here replays.
        const REPLAYED: &[&str] = &[$(stringify!($target)),*];
        mod replay_seeds {
            $(
                #[test]
                fn $target() {
                    super::replay(stringify!($target), super::$target::run, &[$($scratch),*]);
                }
            )*
        }
    };
}

replayed! {
    analysis_template: [],
    backup_body: ["backup-body"],
    backup_fields: ["backup-fields"],
    backup_header: ["backup-header"],
    bundle_header: [],
    bundle_open: [],
    bundle_payload: ["world"],
    bundle_stream: [],
    code_lists: [],
    directory: [],
    enrolment: ["enrolment"],
    instrument_pack: [],
    keyslots: ["keyslots"],
    peer_sync: ["peer-sync"],
    sheets_read: ["sheets"],
}

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

/// The names in `dir` with the extension `ext` (without it), or of its subfolders (`None`).
fn names_in(dir: &Path, ext: Option<&str>) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| match ext {
            Some(ext) => p.extension().is_some_and(|x| x == ext),
            None => p.is_dir(),
        })
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// "Every committed seed of every target is replayed" holds only while each target has a
/// test above: a target's code, seed folder, cargo-fuzz binary and `scripts/fuzz.sh` entry
/// without one (or a test without them) fails here.
#[test]
fn every_fuzz_target_has_its_seeds_replayed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let replayed: BTreeSet<String> = REPLAYED.iter().map(|t| (*t).to_owned()).collect();
    let mut code = names_in(&root.join("fuzz/targets"), Some("rs"));
    assert!(code.remove("shared"), "fuzz/targets/shared.rs");
    assert_eq!(
        code, replayed,
        "fuzz/targets/*.rs against the replayed targets"
    );
    let corpus = names_in(&root.join("fuzz/corpus"), None);
    assert_eq!(
        corpus, replayed,
        "fuzz/corpus/* against the replayed targets"
    );
    let mut bins = names_in(&root.join("fuzz/fuzz_targets"), Some("rs"));
    assert!(bins.remove("checks"), "fuzz/fuzz_targets/checks.rs");
    assert_eq!(
        bins, replayed,
        "fuzz/fuzz_targets/*.rs against the replayed targets"
    );
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    let declared: BTreeSet<String> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("path = \"fuzz_targets/"))
        .filter_map(|l| l.strip_suffix(".rs\""))
        .map(str::to_owned)
        .collect();
    assert_eq!(declared, replayed, "the binaries of fuzz/Cargo.toml");
    // scripts/fuzz.sh's default list: `  targets=(a b …)`, over several lines.
    let script = std::fs::read_to_string(root.join("scripts/fuzz.sh")).unwrap();
    let list = script
        .split_once("\n  targets=(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .expect("scripts/fuzz.sh's default list of targets")
        .0;
    let default: BTreeSet<String> = list.split_whitespace().map(str::to_owned).collect();
    assert_eq!(default, replayed, "the default targets of scripts/fuzz.sh");
}
