//! cargo-fuzz binary; the target's code and description: `fuzz/targets/backup_body.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/backup_body.rs"]
mod backup_body;
#[path = "checks.rs"]
mod checks;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: checks::assert_overflow_checks(), |data: &[u8]| {
    backup_body::run(data);
});
