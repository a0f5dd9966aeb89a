//! Fuzzes the instrument pack reader (`InstrumentPack::parse`: JSON and every validation).

/// One input.
pub fn run(data: &[u8]) {
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
}
