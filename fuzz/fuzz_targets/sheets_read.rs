//! cargo-fuzz binary; the target's code and description: `fuzz/targets/sheets_read.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;
#[path = "../targets/sheets_read.rs"]
mod sheets_read;

fuzz_target!(init: checks::assert_overflow_checks(), |data: &[u8]| {
    sheets_read::run(data);
});
