//! cargo-fuzz binary; the target's code and description: `fuzz/targets/analysis_template.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/analysis_template.rs"]
mod analysis_template;
#[path = "checks.rs"]
mod checks;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: checks::assert_overflow_checks(), |data: &[u8]| {
    analysis_template::run(data);
});
