//! cargo-fuzz binary; the target's code and description: `fuzz/targets/directory.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;
#[path = "../targets/directory.rs"]
mod directory;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: checks::assert_overflow_checks(), |data: &[u8]| {
    directory::run(data);
});
