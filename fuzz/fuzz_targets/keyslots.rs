//! cargo-fuzz binary; the target's code and description: `fuzz/targets/keyslots.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;
#[path = "../targets/keyslots.rs"]
mod keyslots;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: {
    checks::assert_overflow_checks();
    keyslots::init();
}, |data: &[u8]| {
    keyslots::run(data);
});
