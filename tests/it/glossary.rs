//! The terminology glossary (`assets/i18n/glossary.json`, issue 28): one term per concept per
//! language. Every text a person reads — the UI catalogues, the code lists, the built-in risk
//! instrument, the referral letter and the case-analysis template — is checked against the
//! banned variants; a variant may appear only inside an allowed phrase or under an allowed key.

use std::path::Path;

use regex::Regex;
use serde_json::Value;

const LANGUAGES: [&str; 5] = ["en", "lt", "lv", "ru", "az"];

/// One text: where it is (file and key path), its language and the words.
struct Text {
    place: String,
    lang: String,
    text: String,
}

struct Rule {
    concept: String,
    lang: String,
    pattern: Regex,
    why: String,
    allow: Vec<Regex>,
    allow_keys: Vec<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn word_regex(pattern: &str) -> Regex {
    Regex::new(&format!("(?iu){pattern}"))
        .unwrap_or_else(|e| panic!("glossary pattern {pattern:?}: {e}"))
}

/// Walks a JSON document; a string under an object key that is a language code (at any depth
/// below it) is a text in that language.
fn walk(
    file: &str,
    value: &Value,
    path: &mut Vec<String>,
    lang: Option<&str>,
    out: &mut Vec<Text>,
) {
    match value {
        Value::String(s) => {
            if let Some(lang) = lang {
                out.push(Text {
                    place: format!("{file}:{}", path.join(".")),
                    lang: lang.to_owned(),
                    text: s.clone(),
                });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                // Name array items by their id or code where they have one, so allow_keys can
                // name them ("items.stalking", "lists.violence_form…").
                let label = item
                    .get("id")
                    .or_else(|| item.get("code"))
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_owned);
                path.push(label);
                walk(file, item, path, lang, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let lang = if LANGUAGES.contains(&key.as_str()) {
                    Some(key.as_str())
                } else {
                    lang
                };
                path.push(key.clone());
                walk(file, item, path, lang, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Every text of the app in every language.
fn all_texts() -> Vec<Text> {
    let mut out = Vec::new();
    for lang in LANGUAGES {
        let rel = format!("assets/i18n/{lang}.json");
        let Value::Object(map) = read_json(&rel) else {
            panic!("{rel} is not an object")
        };
        for (key, value) in map {
            let text = value
                .as_str()
                .unwrap_or_else(|| panic!("{rel}: {key} is not a string"))
                .to_owned();
            out.push(Text {
                place: format!("{rel}:{key}"),
                lang: lang.to_owned(),
                text,
            });
        }
    }
    for rel in [
        "assets/codelists/codelists.json",
        "assets/instruments/atrama-spj.json",
        "assets/letters/referral.json",
        "assets/analysis/joint-case-analysis.json",
    ] {
        walk(rel, &read_json(rel), &mut Vec::new(), None, &mut out);
    }
    out
}

fn rules(glossary: &Value) -> Vec<Rule> {
    let mut out = Vec::new();
    for concept in glossary["concepts"].as_array().unwrap() {
        let name = concept["concept"].as_str().unwrap().to_owned();
        let Some(banned) = concept.get("banned").and_then(Value::as_object) else {
            continue;
        };
        for (lang, list) in banned {
            assert!(
                LANGUAGES.contains(&lang.as_str()),
                "{name}: unknown language {lang}"
            );
            for rule in list.as_array().unwrap() {
                let strings = |field: &str| -> Vec<String> {
                    rule.get(field)
                        .and_then(Value::as_array)
                        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                        .unwrap_or_default()
                };
                out.push(Rule {
                    concept: name.clone(),
                    lang: lang.clone(),
                    pattern: word_regex(rule["pattern"].as_str().unwrap()),
                    why: rule["why"]
                        .as_str()
                        .expect("every banned variant says why")
                        .to_owned(),
                    allow: strings("allow").iter().map(|p| word_regex(p)).collect(),
                    allow_keys: strings("allow_keys"),
                });
            }
        }
    }
    out
}

/// The uses of banned variants in `texts`, one line each.
fn violations(rules: &[Rule], texts: &[Text]) -> Vec<String> {
    let mut out = Vec::new();
    for text in texts {
        for rule in rules.iter().filter(|r| r.lang == text.lang) {
            if rule
                .allow_keys
                .iter()
                .any(|k| text.place.contains(k.as_str()))
            {
                continue;
            }
            for found in rule.pattern.find_iter(&text.text) {
                let inside_allowed = rule.allow.iter().any(|allow| {
                    allow
                        .find_iter(&text.text)
                        .any(|a| a.start() <= found.start() && found.end() <= a.end())
                });
                if !inside_allowed {
                    out.push(format!(
                        "{} [{}] uses {:?} ({}: {}): {}",
                        text.place,
                        text.lang,
                        found.as_str(),
                        rule.concept,
                        rule.why,
                        text.text
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn no_text_uses_a_banned_variant() {
    let glossary = read_json("assets/i18n/glossary.json");
    let rules = rules(&glossary);
    assert!(
        rules.len() >= 20,
        "the glossary bans {} variants",
        rules.len()
    );
    let texts = all_texts();
    assert!(
        texts.len() > 5 * 1000,
        "only {} texts were read",
        texts.len()
    );
    let found = violations(&rules, &texts);
    assert!(
        found.is_empty(),
        "{} banned variants in use:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_check_catches_a_planted_variant_and_spares_allowed_phrases() {
    let rules = rules(&read_json("assets/i18n/glossary.json"));
    let planted = |place: &str, lang: &str, text: &str| Text {
        place: place.into(),
        lang: lang.into(),
        text: text.into(),
    };
    let texts = [
        planted("x:a", "lt", "Uždaryti atvejai"),
        planted("x:b", "lt", "Atvejo aptarimas įrašytas."),
        planted("x:c", "az", "Təqib tarixi"),
        planted("x:lists.violence_form.stalking.labels", "az", "Təqib"),
        planted("x:d", "ru", "В случае опасности звоните 112."),
        planted("x:e", "ru", "Закрытые случаи"),
        planted("x:f", "lv", "Nosūtījums saglabāts."),
        planted("x:g", "lv", "Pēdējais sūtījums"),
    ];
    let found = violations(&rules, &texts);
    let places: Vec<&str> = found
        .iter()
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    assert_eq!(places, ["x:a", "x:c", "x:e", "x:g"], "{found:#?}");
}

#[test]
fn every_concept_has_a_term_in_every_language_and_the_term_is_in_use() {
    let glossary = read_json("assets/i18n/glossary.json");
    let texts = all_texts();
    for concept in glossary["concepts"].as_array().unwrap() {
        let name = concept["concept"].as_str().unwrap();
        for lang in LANGUAGES {
            let term = concept["terms"][lang].as_str().unwrap_or("");
            assert!(!term.trim().is_empty(), "{name}: no {lang} term");
        }
        // Where the glossary says how its term is spelt in running text, that term is used.
        if let Some(present) = concept.get("present").and_then(Value::as_object) {
            for (lang, pattern) in present {
                let re = word_regex(pattern.as_str().unwrap());
                let uses = texts
                    .iter()
                    .filter(|t| t.lang == *lang && re.is_match(&t.text))
                    .count();
                assert!(
                    uses >= 3,
                    "{name}: the {lang} term ({pattern}) is used {uses} times"
                );
            }
        }
    }
}
