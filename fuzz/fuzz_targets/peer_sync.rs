//! cargo-fuzz binary; the target's code and description: `fuzz/targets/peer_sync.rs`.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;
#[path = "../targets/peer_sync.rs"]
mod peer_sync;
#[path = "../targets/shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: {
    checks::assert_overflow_checks();
    peer_sync::init();
}, |data: &[u8]| {
    peer_sync::run(data);
});
