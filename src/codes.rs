//! Code lists: the versioned vocabularies of the case record (violence forms, relationships,
//! agencies, statuses, …) with labels in the five UI languages and the crosswalks that turn
//! fine-grained facts into GBVIMS, EIGE and national categories.
//!
//! The lists are data, not code: `assets/codelists/codelists.json`, compiled into the
//! binary so that every installation of one version agrees on them. The format is
//! documented in that file's lists themselves and in `ARCHITECTURE.md`:
//!
//! - every code has `labels` in `en`, `lt`, `lv`, `az`, `ru`;
//! - `violence_form` codes carry `gbvims` (a `gbvims_type` code), `eige_form` and `national`
//!   (per country, a `national_violence_form` code);
//! - `relationship` codes carry `eige` (an `eige_category` code);
//! - country-specific codes (`protection_order_type`, `national_violence_form`) carry
//!   `countries`.
//!
//! # Why categories are computed here
//! Records keep facts at the finest grain (several violence forms per incident, detailed
//! relationships); every statistical category is derived through these crosswalks, never
//! typed by hand and never in the UI, so that a corrected crosswalk recomputes every table.
//!
//! Codes written by the app are checked against the lists ([`CodeLists::check`]). Codes
//! that arrive from a newer list (in a bundle from a newer installation) are kept as they
//! are and shown flagged ([`CodeRef::known`] is false), never dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::centre::{Country, Language};
use crate::error::{Error, Result};

/// The code lists shipped with this build.
const BUILTIN: &str = include_str!("../assets/codelists/codelists.json");

/// The text of the code lists shipped with this build (a coordination centre sends it to a
/// centre whose lists are older).
pub fn builtin_text() -> &'static str {
    BUILTIN
}

/// The code-list file format this build reads.
pub const FORMAT: u32 = 1;

/// One code as it is shown: the code, its label in the asked language, whether this build
/// knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CodeRef {
    /// The stored code.
    pub code: String,
    /// Its label, if the code is known.
    pub label: Option<String>,
    /// False for a code from a newer (or foreign) list: kept, shown flagged.
    pub known: bool,
}

/// A code offered for choice in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CodeOption {
    /// The code stored when chosen.
    pub code: String,
    /// Its label in the asked language.
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: u32,
    version: String,
    languages: Vec<String>,
    lists: BTreeMap<String, ListFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    description: String,
    codes: Vec<Code>,
}

/// One code of a list, with its labels and crosswalk fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Code {
    code: String,
    labels: BTreeMap<String, String>,
    #[serde(default)]
    gbvims: Option<String>,
    #[serde(default)]
    eige_form: Option<String>,
    #[serde(default)]
    eige: Option<String>,
    #[serde(default)]
    national: Option<BTreeMap<String, String>>,
    #[serde(default)]
    countries: Option<Vec<String>>,
    #[serde(default)]
    issuer: Option<String>,
}

impl Code {
    fn label(&self, lang: Language) -> Option<&str> {
        self.labels
            .get(lang.code())
            .or_else(|| self.labels.get("en"))
            .map(String::as_str)
    }

    fn in_country(&self, country: Country) -> bool {
        match &self.countries {
            None => true,
            Some(list) => list.iter().any(|c| c.eq_ignore_ascii_case(country.code())),
        }
    }
}

/// One list: its codes in display order, and an index by code.
#[derive(Debug)]
struct List {
    description: String,
    codes: Vec<Code>,
    index: HashMap<String, usize>,
}

/// The code lists of one version, with their crosswalks.
#[derive(Debug)]
pub struct CodeLists {
    version: String,
    lists: BTreeMap<String, List>,
}

impl CodeLists {
    /// The lists compiled into this build (parsed once).
    pub fn builtin() -> Result<&'static CodeLists> {
        static LISTS: OnceLock<std::result::Result<CodeLists, String>> = OnceLock::new();
        LISTS
            .get_or_init(|| CodeLists::parse(BUILTIN).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::invalid(format!("the built-in code lists are broken: {e}")))
    }

    /// Reads and validates a code-list file: every code labelled in every language, no code
    /// twice, every crosswalk pointing at an existing code.
    pub fn parse(text: &str) -> Result<CodeLists> {
        let file: File = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("code-list file is not valid: {e}")))?;
        if file.format > FORMAT {
            return Err(Error::NewerVersion {
                what: "code-list format",
                found: i64::from(file.format),
                supported: i64::from(FORMAT),
            });
        }
        let mut lists = BTreeMap::new();
        for (name, list) in file.lists {
            let mut index = HashMap::with_capacity(list.codes.len());
            for (i, code) in list.codes.iter().enumerate() {
                if index.insert(code.code.clone(), i).is_some() {
                    return Err(Error::invalid(format!(
                        "code list '{name}' has code '{}' twice",
                        code.code
                    )));
                }
                for lang in &file.languages {
                    if code.labels.get(lang).is_none_or(|l| l.trim().is_empty()) {
                        return Err(Error::invalid(format!(
                            "code '{}' of list '{name}' has no label in '{lang}'",
                            code.code
                        )));
                    }
                }
            }
            lists.insert(
                name,
                List {
                    description: list.description,
                    codes: list.codes,
                    index,
                },
            );
        }
        let lists = CodeLists {
            version: file.version,
            lists,
        };
        lists.check_crosswalks()?;
        Ok(lists)
    }

    fn check_crosswalks(&self) -> Result<()> {
        let must = |list: &str, code: &str, from: &str| -> Result<()> {
            if self.find(list, code).is_some() {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "{from} points at '{code}', which is not in list '{list}'"
                )))
            }
        };
        for required in [
            "violence_form",
            "relationship",
            "gbvims_type",
            "eige_category",
        ] {
            if !self.lists.contains_key(required) {
                return Err(Error::invalid(format!(
                    "the code lists have no list '{required}'"
                )));
            }
        }
        for (name, list) in &self.lists {
            for c in &list.codes {
                let from = format!("{name}/{}", c.code);
                if let Some(g) = &c.gbvims {
                    must("gbvims_type", g, &from)?;
                }
                if let Some(e) = &c.eige_form {
                    must("eige_form", e, &from)?;
                }
                if let Some(e) = &c.eige {
                    must("eige_category", e, &from)?;
                }
                if let Some(national) = &c.national {
                    for code in national.values() {
                        must("national_violence_form", code, &from)?;
                    }
                }
                if let Some(issuer) = &c.issuer {
                    must("protection_order_issuer", issuer, &from)?;
                }
            }
        }
        for form in &self.lists["violence_form"].codes {
            if form.gbvims.is_none() {
                return Err(Error::invalid(format!(
                    "violence form '{}' has no GBVIMS type",
                    form.code
                )));
            }
        }
        for rel in &self.lists["relationship"].codes {
            if rel.eige.is_none() {
                return Err(Error::invalid(format!(
                    "relationship '{}' has no EIGE category",
                    rel.code
                )));
            }
        }
        Ok(())
    }

    fn find(&self, list: &str, code: &str) -> Option<&Code> {
        let l = self.lists.get(list)?;
        l.index.get(code).map(|&i| &l.codes[i])
    }

    /// The version of these lists (e.g. `2026.11.1`); bundles carry it.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The names of the lists.
    pub fn list_names(&self) -> impl Iterator<Item = &str> {
        self.lists.keys().map(String::as_str)
    }

    /// What a list is for, in English.
    pub fn description(&self, list: &str) -> Option<&str> {
        self.lists.get(list).map(|l| l.description.as_str())
    }

    /// Whether `code` is in `list`.
    pub fn contains(&self, list: &str, code: &str) -> bool {
        self.find(list, code).is_some()
    }

    /// Refuses a code that is not in the list, naming the list and the valid codes.
    pub fn check(&self, list: &str, code: &str) -> Result<()> {
        let Some(l) = self.lists.get(list) else {
            return Err(Error::invalid(format!("there is no code list '{list}'")));
        };
        if l.index.contains_key(code) {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "'{code}' is not a code of {list}; use one of: {}",
            l.codes
                .iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    /// Like [`CodeLists::check`], and the code must also apply in `country`.
    pub fn check_for_country(&self, list: &str, code: &str, country: Country) -> Result<()> {
        self.check(list, code)?;
        match self.find(list, code) {
            Some(c) if c.in_country(country) => Ok(()),
            _ => Err(Error::invalid(format!(
                "'{code}' of {list} does not apply in {}; use one of: {}",
                country.code(),
                self.options(list, Language::En, Some(country))
                    .iter()
                    .map(|o| o.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The label of a code, or `None` for a code this build does not know.
    pub fn label(&self, list: &str, code: &str, lang: Language) -> Option<&str> {
        self.find(list, code).and_then(|c| c.label(lang))
    }

    /// A code as shown: with its label, or flagged as unknown.
    pub fn code_ref(&self, list: &str, code: &str, lang: Language) -> CodeRef {
        let label = self.label(list, code, lang).map(str::to_owned);
        CodeRef {
            code: code.to_owned(),
            known: label.is_some(),
            label,
        }
    }

    /// The codes to offer in a form, in list order (only those that apply in `country`,
    /// when one is given).
    pub fn options(&self, list: &str, lang: Language, country: Option<Country>) -> Vec<CodeOption> {
        let Some(l) = self.lists.get(list) else {
            return Vec::new();
        };
        l.codes
            .iter()
            .filter(|c| country.is_none_or(|country| c.in_country(country)))
            .map(|c| CodeOption {
                code: c.code.clone(),
                label: c.label(lang).unwrap_or(&c.code).to_owned(),
            })
            .collect()
    }

    /// The GBVIMS type a single violence form maps to.
    pub fn gbvims_type(&self, form: &str) -> Option<&str> {
        self.find("violence_form", form)?.gbvims.as_deref()
    }

    /// The GBVIMS primary type of an incident with these violence forms: the first type in
    /// the GBVIMS decision tree (the order of the `gbvims_type` list: rape, sexual assault,
    /// physical assault, forced marriage, denial of resources, psychological abuse) that
    /// any of the forms maps to; `non_gbv` when none does.
    pub fn gbvims_primary(&self, forms: &[&str]) -> &str {
        let order = &self.lists["gbvims_type"].index;
        forms
            .iter()
            .filter_map(|f| self.gbvims_type(f))
            .min_by_key(|g| order.get(*g).copied().unwrap_or(usize::MAX))
            .unwrap_or("non_gbv")
    }

    /// The EIGE category (`ipv`, `family`, `other`, `unknown`) of a relationship code.
    pub fn eige_category(&self, relationship: &str) -> Option<&str> {
        self.find("relationship", relationship)?.eige.as_deref()
    }

    /// The EIGE form of violence (`physical`, `sexual`, `psychological`, `economic`,
    /// `other`) of a violence form.
    pub fn eige_form(&self, form: &str) -> Option<&str> {
        self.find("violence_form", form)?.eige_form.as_deref()
    }

    /// The form of violence as `country`'s law counts it (a `national_violence_form` code).
    pub fn national_form(&self, form: &str, country: Country) -> Option<&str> {
        self.find("violence_form", form)?
            .national
            .as_ref()?
            .get(country.code())
            .map(String::as_str)
    }

    /// The issuer (`police` or `court`) a protection-order type implies.
    pub fn order_issuer(&self, order_type: &str) -> Option<&str> {
        self.find("protection_order_type", order_type)?
            .issuer
            .as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_parse_and_cross_check() -> Result<()> {
        let c = CodeLists::builtin()?;
        assert!(!c.version().is_empty());
        for list in [
            "sex",
            "age_band",
            "violence_form",
            "relationship",
            "referral_agency",
            "referral_status",
            "service_discipline",
            "service_mode",
            "closure_reason",
            "protection_order_type",
        ] {
            assert!(
                !c.options(list, Language::Lt, None).is_empty(),
                "list {list} is empty"
            );
        }
        Ok(())
    }

    #[test]
    fn gbvims_primary_follows_the_decision_tree() -> Result<()> {
        let c = CodeLists::builtin()?;
        assert_eq!(
            c.gbvims_primary(&["psychological", "physical"]),
            "physical_assault"
        );
        assert_eq!(
            c.gbvims_primary(&["physical", "sexual_other", "economic"]),
            "sexual_assault"
        );
        assert_eq!(c.gbvims_primary(&["sexual_other", "sexual_rape"]), "rape");
        assert_eq!(
            c.gbvims_primary(&["economic", "threats"]),
            "denial_of_resources"
        );
        assert_eq!(c.gbvims_primary(&["stalking"]), "psychological_abuse");
        assert_eq!(c.gbvims_primary(&["other"]), "non_gbv");
        assert_eq!(c.gbvims_primary(&["from_a_newer_list"]), "non_gbv");
        Ok(())
    }

    #[test]
    fn crosswalks_reach_eige_and_national_categories() -> Result<()> {
        let c = CodeLists::builtin()?;
        assert_eq!(c.eige_category("former_spouse"), Some("ipv"));
        assert_eq!(
            c.eige_category("current_partner_not_cohabiting"),
            Some("ipv")
        );
        assert_eq!(c.eige_category("in_law"), Some("family"));
        assert_eq!(c.eige_category("stranger"), Some("other"));
        assert_eq!(c.eige_form("sexual_rape"), Some("sexual"));
        assert_eq!(
            c.national_form("threats", Country::Lv),
            Some("lv_threats_control")
        );
        assert_eq!(
            c.national_form("threats", Country::Lt),
            Some("lt_psychological")
        );
        assert_eq!(c.national_form("neglect", Country::Lt), Some("lt_neglect"));
        Ok(())
    }

    #[test]
    fn country_specific_codes_apply_only_at_home() -> Result<()> {
        let c = CodeLists::builtin()?;
        c.check_for_country(
            "protection_order_type",
            "lt_police_protection_order",
            Country::Lt,
        )?;
        let err = c
            .check_for_country(
                "protection_order_type",
                "lt_police_protection_order",
                Country::Lv,
            )
            .unwrap_err();
        assert!(err.to_string().contains("lv_police_separation"), "{err}");
        c.check_for_country("protection_order_type", "other", Country::Other)?;
        assert_eq!(
            c.options("protection_order_type", Language::En, Some(Country::Az))
                .len(),
            3
        );
        assert_eq!(c.order_issuer("lt_police_protection_order"), Some("police"));
        Ok(())
    }

    #[test]
    fn unknown_codes_are_refused_on_entry_and_flagged_on_display() -> Result<()> {
        let c = CodeLists::builtin()?;
        let err = c.check("referral_status", "lost").unwrap_err();
        assert!(err.to_string().contains("declined_by_client"), "{err}");
        let shown = c.code_ref("referral_status", "lost", Language::Ru);
        assert!(!shown.known && shown.label.is_none());
        let shown = c.code_ref("referral_status", "referred", Language::Ru);
        assert!(shown.known && shown.label.is_some());
        Ok(())
    }

    #[test]
    fn broken_files_are_refused_with_the_reason() {
        let dup = r#"{"format":1,"version":"x","languages":["en"],"lists":{
            "sex":{"description":"d","codes":[{"code":"a","labels":{"en":"A"}},{"code":"a","labels":{"en":"A"}}]}}}"#;
        assert!(
            CodeLists::parse(dup)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let unlabelled = r#"{"format":1,"version":"x","languages":["en","lt"],"lists":{
            "sex":{"description":"d","codes":[{"code":"a","labels":{"en":"A"}}]}}}"#;
        assert!(
            CodeLists::parse(unlabelled)
                .unwrap_err()
                .to_string()
                .contains("no label in 'lt'")
        );
        let newer = r#"{"format":9,"version":"x","languages":[],"lists":{}}"#;
        assert!(matches!(
            CodeLists::parse(newer),
            Err(Error::NewerVersion { .. })
        ));
        let dangling = r#"{"format":1,"version":"x","languages":["en"],"lists":{
            "violence_form":{"description":"d","codes":[{"code":"a","labels":{"en":"A"},"gbvims":"nope"}]},
            "relationship":{"description":"d","codes":[]},
            "gbvims_type":{"description":"d","codes":[]},
            "eige_category":{"description":"d","codes":[]}}}"#;
        assert!(
            CodeLists::parse(dangling)
                .unwrap_err()
                .to_string()
                .contains("not in list 'gbvims_type'")
        );
    }
}
