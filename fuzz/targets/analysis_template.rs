//! Fuzzes the case-analysis template reader (`analysis::template::parse`: size, JSON and
//! every check), as `Store::import_analysis_template` reads a file and a return bundle's
//! `analysis_template` line carries one; a template that reads is written out canonically
//! and must read again.

use atrama::analysis::template;

/// One input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = template::parse(text) {
        let _ = t.questions().count();
        let again = serde_json::to_string(&t).expect("a template serialises");
        template::parse(&again).expect("a template that read reads again");
    }
}
