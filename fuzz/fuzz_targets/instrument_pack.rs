//! Fuzzes the instrument pack reader (`InstrumentPack::parse`: JSON and every validation).
#![no_main]
#![feature(cfg_overflow_checks)]

use libfuzzer_sys::fuzz_target;

#[path = "shared.rs"]
#[allow(dead_code)]
mod shared;

fuzz_target!(init: shared::assert_overflow_checks(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(codes) = atrama::codes::CodeLists::builtin() else {
        return;
    };
    if let Ok(pack) = atrama::risk::InstrumentPack::parse(text, codes) {
        let _ = pack.max_score();
        let _ = pack.band_for(0);
    }
});
