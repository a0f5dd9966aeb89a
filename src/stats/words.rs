//! The fixed words of a published report — column and row headers, the notes under the
//! tables, the About sheet, the suppression rule and the audit's result — in the report's
//! language, from the catalogues the UI uses (`assets/i18n/*.json`, keys `report.*`), so
//! a report is in one language throughout (issue 20). A key missing in a language falls
//! back to English, then to the key itself.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::centre::Language;

fn catalogues() -> &'static HashMap<&'static str, HashMap<String, String>> {
    static ALL: OnceLock<HashMap<&'static str, HashMap<String, String>>> = OnceLock::new();
    ALL.get_or_init(|| {
        [
            ("en", include_str!("../../assets/i18n/en.json")),
            ("lt", include_str!("../../assets/i18n/lt.json")),
            ("lv", include_str!("../../assets/i18n/lv.json")),
            ("az", include_str!("../../assets/i18n/az.json")),
            ("ru", include_str!("../../assets/i18n/ru.json")),
        ]
        .into_iter()
        .map(|(code, text)| {
            let map: HashMap<String, String> = serde_json::from_str(text).unwrap_or_default();
            let report = map
                .into_iter()
                .filter(|(k, _)| k.starts_with("report."))
                .collect();
            (code, report)
        })
        .collect()
    })
}

/// The text of `key` in `lang` (else English, else the key).
pub fn text(lang: Language, key: &str) -> String {
    let all = catalogues();
    all.get(lang.code())
        .and_then(|c| c.get(key))
        .or_else(|| all.get("en").and_then(|c| c.get(key)))
        .filter(|t| !t.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// Whether `lang`'s catalogue has `key` itself (not through the English fallback).
pub fn has(lang: Language, key: &str) -> bool {
    catalogues()
        .get(lang.code())
        .is_some_and(|c| c.get(key).is_some_and(|t| !t.trim().is_empty()))
}

/// Replaces each `{name}` of `text` by its value.
pub fn fill(text: &str, values: &[(&str, String)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The keys of the report's words in the English catalogue.
pub fn keys() -> Vec<String> {
    let mut k: Vec<String> = catalogues()
        .get("en")
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_word_is_in_every_language() {
        let placeholders = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            v.sort();
            v
        };
        let keys = keys();
        assert!(keys.len() > 40, "{}", keys.len());
        for lang in [Language::Lt, Language::Lv, Language::Ru, Language::Az] {
            for k in &keys {
                assert!(has(lang, k), "{lang:?} has no {k}");
                let (t, en) = (text(lang, k), text(Language::En, k));
                assert_ne!(t, en, "{lang:?} {k} is not translated");
                assert_eq!(placeholders(&t), placeholders(&en), "{lang:?} {k}");
            }
        }
        assert_eq!(
            fill("{a} and {b}", &[("a", "1".into()), ("b", "2".into())]),
            "1 and 2"
        );
    }
}
