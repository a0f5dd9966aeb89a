//! Fuzzes the code-list reader (`CodeLists::parse`: JSON and every check), as a return
//! bundle's `reference` line or `Store::load_code_lists` gives it, and the lookups the app
//! makes on a parsed file.

use atrama::Language;
use atrama::codes::CodeLists;

/// One input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(codes) = CodeLists::parse(text) {
        let _ = codes.version();
        let names: Vec<String> = codes.list_names().map(str::to_owned).collect();
        for list in &names {
            for option in codes.options(list, Language::Lt, None) {
                let _ = codes.label(list, &option.code, Language::Ru);
                let _ = codes.check(list, &option.code);
            }
        }
    }
}
