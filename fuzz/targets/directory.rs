//! Fuzzes the referral directory readers: the JSON file (`refdata::parse_directory`, as a
//! return bundle's `reference` line carries it) and the CSV a coordination centre imports
//! (`refdata::directory_from_csv`, with the CSV reader under it), against the built-in code
//! lists. Byte 0 picks the reader; the rest is the text.

use atrama::sync::refdata;

/// One input.
pub fn run(data: &[u8]) {
    let [which, text @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(codes) = atrama::codes::CodeLists::builtin() else {
        return;
    };
    if which & 1 == 0 {
        let _ = refdata::parse_directory(text, codes);
    } else if let Ok(file) = refdata::directory_from_csv(text, codes, "7") {
        // What the CSV made must read back as a directory file.
        let json = serde_json::to_string(&file).expect("a directory serialises");
        refdata::parse_directory(&json, codes).expect("a directory made from CSV reads back");
    }
}
