//! cargo-fuzz binary; the target's code and description: `fuzz/targets/code_lists.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;
#[path = "../targets/code_lists.rs"]
mod code_lists;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: checks::assert_overflow_checks(), |data: &[u8]| {
    code_lists::run(data);
});
