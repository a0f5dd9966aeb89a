//! cargo-fuzz binary; the target's code and description: `fuzz/targets/bundle_header.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/bundle_header.rs"]
mod bundle_header;
#[path = "checks.rs"]
mod checks;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: checks::assert_overflow_checks(), |data: &[u8]| {
    bundle_header::run(data);
});
