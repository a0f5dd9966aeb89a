//! cargo-fuzz binary; the target's code and description: `fuzz/targets/backup_fields.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/backup_fields.rs"]
mod backup_fields;
#[path = "checks.rs"]
mod checks;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: {
    checks::assert_overflow_checks();
    backup_fields::init();
}, |data: &[u8]| {
    backup_fields::run(data);
});
