//! Fuzzes the unauthenticated routing header of a bundle (`format::read_header`): magic,
//! version, length and JSON header, read before anything is verified.
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: shared::assert_overflow_checks(), |data: &[u8]| {
    let _ = atrama::bundle::format::read_header(&mut std::io::Cursor::new(data));
});
