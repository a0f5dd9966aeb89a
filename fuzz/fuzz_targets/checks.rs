//! The check every fuzz binary makes at start (included by `#[path]`, not a target itself).
//! It stays in the binaries because `cfg!(overflow_checks)` needs the nightly feature
//! `cfg_overflow_checks`; the targets' code in `fuzz/targets/` also compiles on stable, for
//! the seed replay in `cargo test` (tests/it/fuzz_seeds.rs).

/// Stops the target at start unless it was built with overflow checks (issue 19.9: an
/// overflowing size, count or offset read from a file must be a finding, not a wrap).
/// `cfg!(overflow_checks)` is evaluated for the target crate; `fuzz/Cargo.toml` sets the
/// release profile's `overflow-checks` for every crate of the build, the core included.
pub fn assert_overflow_checks() {
    assert!(
        cfg!(overflow_checks) && cfg!(debug_assertions),
        "the fuzz targets must be built with overflow checks and debug assertions on"
    );
}
