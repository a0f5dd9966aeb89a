//! The mapping file a ministry fills once: each cell of T1–T10 (table, column) → a DHIS2
//! data element and category option combo (and optionally an attribute option combo), each
//! centre → a DHIS2 organisation unit, and the period type (monthly or yearly). Versioned
//! JSON (`docs/warehouse.md`, "The mapping file"): a file of another format or version is
//! refused, so is one with a malformed UID, a cell or centre listed twice, two cells sent to
//! the same data value, or — when an export is made — a cell or centre of the export that the
//! file does not map. A cell the ministry does not want is marked `"skip": true`, never left
//! out: nothing is dropped silently.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Dataset, PeriodType};
use crate::error::{Error, Result};

/// What the `format` field of a mapping file says.
pub const FORMAT: &str = "atrama-warehouse-mapping";

/// The version of the mapping file this build reads and writes.
pub const VERSION: u32 = 1;

/// The column code of a row total in the mapping and in the files (category codes are
/// lowercase, so it cannot be a category).
pub const TOTAL: &str = "TOTAL";

/// A mapping file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// The DHIS2 period type of the data set: `monthly` (`202401`) or `yearly` (`2024`).
    pub period_type: PeriodType,
    /// The DHIS2 data set UID (empty: not written; DHIS2 then finds the data elements' sets).
    #[serde(default)]
    pub data_set: String,
    /// The attribute option combo of every value whose cell names none (empty: DHIS2's
    /// default).
    #[serde(default)]
    pub attribute_option_combo: String,
    /// Centre → organisation unit.
    pub centres: Vec<CentreMapping>,
    /// Cell → data element and category option combo.
    pub cells: Vec<CellMapping>,
}

/// One centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentreMapping {
    /// The centre's code in Atrama.
    pub centre: String,
    /// Its name, for the person filling the file (not read).
    #[serde(default)]
    pub name: String,
    /// The DHIS2 organisation unit UID.
    pub org_unit: String,
}

/// One cell of a table: a column of one table (each row of a table is a centre × a period,
/// which become the organisation unit and the period of the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellMapping {
    /// `T1`, `T2a`, …
    pub table: String,
    /// The category code, or [`TOTAL`] for the row total.
    pub column: String,
    /// What it counts, for the person filling the file (not read).
    #[serde(default)]
    pub label: String,
    /// The DHIS2 data element UID.
    #[serde(default)]
    pub data_element: String,
    /// The DHIS2 category option combo UID.
    #[serde(default)]
    pub category_option_combo: String,
    /// The attribute option combo UID (empty: the file's).
    #[serde(default)]
    pub attribute_option_combo: String,
    /// Not sent (the UIDs may then be empty).
    #[serde(default)]
    pub skip: bool,
}

/// Where one cell goes in DHIS2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Data element UID.
    pub data_element: String,
    /// Category option combo UID.
    pub category_option_combo: String,
    /// Attribute option combo UID, or empty.
    pub attribute_option_combo: String,
}

/// Whether `text` is a DHIS2 UID: 11 characters, a letter first, then letters and digits.
pub fn is_uid(text: &str) -> bool {
    text.len() == 11
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// At most this many problems are listed in one error.
const LISTED: usize = 10;

fn refuse(what: &str, problems: &[String]) -> Error {
    let mut text = format!(
        "{what}: {}",
        problems[..problems.len().min(LISTED)].join("; ")
    );
    if problems.len() > LISTED {
        text.push_str(&format!("; and {} more", problems.len() - LISTED));
    }
    Error::invalid(text)
}

impl Mapping {
    /// Reads and checks a mapping file's text.
    pub fn parse(text: &str) -> Result<Mapping> {
        let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| {
                Error::invalid(format!(
                    "the mapping file is not valid JSON ({e}); write a template with \
                     `atrama warehouse mapping-template` and fill it in"
                ))
            })?;
        let format = value.get("format").and_then(|v| v.as_str()).unwrap_or("");
        if format != FORMAT {
            return Err(Error::invalid(format!(
                "this is not an Atrama warehouse mapping file (its format is '{}', not '{FORMAT}')",
                format.chars().take(60).collect::<String>()
            )));
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(VERSION) => {}
            other => {
                return Err(Error::invalid(format!(
                    "the mapping file is version {}, and this build reads version {VERSION}; \
                     write a new template with `atrama warehouse mapping-template` and copy the \
                     UIDs into it",
                    other.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
                )));
            }
        }
        let mapping: Mapping = serde_json::from_value(value).map_err(|e| {
            Error::invalid(format!(
                "the mapping file does not have the expected fields: {e}"
            ))
        })?;
        mapping.check()?;
        Ok(mapping)
    }

    /// Reads and checks a mapping file.
    pub fn read(path: &std::path::Path) -> Result<Mapping> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid(format!(
                "cannot read the mapping file {}: {e}",
                path.display()
            ))
        })?;
        Mapping::parse(&text)
    }

    /// The file's own rules: UIDs well formed, nothing listed twice, no two cells into one
    /// data value.
    fn check(&self) -> Result<()> {
        let mut problems = Vec::new();
        let uid = |problems: &mut Vec<String>, what: String, v: &str, optional: bool| {
            if !(is_uid(v) || optional && v.is_empty()) {
                problems.push(format!(
                    "{what} '{}' is not a DHIS2 UID (11 letters and digits, a letter first)",
                    v.chars().take(40).collect::<String>()
                ));
            }
        };
        uid(&mut problems, "data_set".into(), &self.data_set, true);
        uid(
            &mut problems,
            "attribute_option_combo".into(),
            &self.attribute_option_combo,
            true,
        );
        let mut centres = BTreeSet::new();
        let mut units = BTreeMap::new();
        for c in &self.centres {
            if !centres.insert(c.centre.to_ascii_uppercase()) {
                problems.push(format!("centre {} is listed twice", c.centre));
            }
            uid(
                &mut problems,
                format!("org_unit of centre {}", c.centre),
                &c.org_unit,
                false,
            );
            if let Some(other) = units.insert(c.org_unit.clone(), c.centre.clone()) {
                problems.push(format!(
                    "centres {other} and {} have the same org_unit {}",
                    c.centre, c.org_unit
                ));
            }
        }
        let mut cells = BTreeSet::new();
        let mut targets: BTreeMap<(String, String, String), String> = BTreeMap::new();
        for c in &self.cells {
            let name = format!("{} {}", c.table, c.column);
            if !cells.insert((c.table.clone(), c.column.clone())) {
                problems.push(format!("cell {name} is listed twice"));
            }
            if c.skip {
                continue;
            }
            uid(
                &mut problems,
                format!("data_element of {name}"),
                &c.data_element,
                false,
            );
            uid(
                &mut problems,
                format!("category_option_combo of {name}"),
                &c.category_option_combo,
                false,
            );
            uid(
                &mut problems,
                format!("attribute_option_combo of {name}"),
                &c.attribute_option_combo,
                true,
            );
            let t = self.target_of(c);
            if let Some(other) = targets.insert(
                (
                    t.data_element,
                    t.category_option_combo,
                    t.attribute_option_combo,
                ),
                name.clone(),
            ) {
                problems.push(format!(
                    "cells {other} and {name} go to the same data element and category option combo"
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(refuse("the mapping file cannot be used", &problems))
        }
    }

    fn target_of(&self, c: &CellMapping) -> Target {
        Target {
            data_element: c.data_element.clone(),
            category_option_combo: c.category_option_combo.clone(),
            attribute_option_combo: if c.attribute_option_combo.is_empty() {
                self.attribute_option_combo.clone()
            } else {
                c.attribute_option_combo.clone()
            },
        }
    }

    /// Where each cell of `data` goes (`None`: skipped) and each centre's organisation unit;
    /// refused when a cell or a centre of `data` is not in the file, naming them.
    pub fn resolve(&self, data: &Dataset) -> Result<Resolved> {
        let by_cell: BTreeMap<(&str, &str), &CellMapping> = self
            .cells
            .iter()
            .map(|c| ((c.table.as_str(), c.column.as_str()), c))
            .collect();
        let by_centre: BTreeMap<String, &CentreMapping> = self
            .centres
            .iter()
            .map(|c| (c.centre.to_ascii_uppercase(), c))
            .collect();
        let mut missing_cells = Vec::new();
        let mut missing_centres = Vec::new();
        let mut out = Resolved::default();
        for (table, column) in &data.cells {
            match by_cell.get(&(table.as_str(), column.as_str())) {
                Some(c) => {
                    out.cells.insert(
                        (table.clone(), column.clone()),
                        (!c.skip).then(|| self.target_of(c)),
                    );
                }
                None => missing_cells.push(format!("{table} {column}")),
            }
        }
        for centre in &data.centres {
            match by_centre.get(&centre.to_ascii_uppercase()) {
                Some(c) => {
                    out.org_units.insert(centre.clone(), c.org_unit.clone());
                }
                None => missing_centres.push(centre.clone()),
            }
        }
        let mut problems = Vec::new();
        if !missing_centres.is_empty() {
            problems.push(format!(
                "no org_unit for centre(s) {}",
                missing_centres.join(", ")
            ));
        }
        if !missing_cells.is_empty() {
            let listed = missing_cells.len().min(LISTED);
            let mut text = format!(
                "{} cell(s) not in the file: {}",
                missing_cells.len(),
                missing_cells[..listed].join(", ")
            );
            if missing_cells.len() > listed {
                text.push_str(", …");
            }
            problems.push(text);
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(Error::invalid(format!(
                "the mapping file does not cover this export: {}; add them (or mark a cell \
                 \"skip\": true) — a new template lists every cell",
                problems.join("; ")
            )))
        }
    }
}

/// A mapping resolved for one export.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// (table, column) → target, or `None` when skipped.
    pub cells: BTreeMap<(String, String), Option<Target>>,
    /// Centre code → organisation unit UID.
    pub org_units: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_eleven_alphanumerics_with_a_letter_first() {
        assert!(is_uid("fbfJHSPpUQD"));
        assert!(is_uid("a1234567890"));
        for bad in [
            "",
            "fbfJHSPpUQ",
            "fbfJHSPpUQDx",
            "1bfJHSPpUQD",
            "fbfJHS-pUQD",
            "fbfJHSPpUQé",
        ] {
            assert!(!is_uid(bad), "{bad}");
        }
    }

    fn file(cells: &str) -> String {
        format!(
            r#"{{"format":"atrama-warehouse-mapping","version":1,"period_type":"monthly",
               "centres":[{{"centre":"KLP-01","org_unit":"DiszpKrYNg8"}}],"cells":[{cells}]}}"#
        )
    }

    #[test]
    fn a_mapping_of_another_version_or_format_or_with_bad_uids_is_refused() {
        let ok = file(
            r#"{"table":"T1","column":"TOTAL","data_element":"fbfJHSPpUQD","category_option_combo":"HllvX50cXC0"}"#,
        );
        assert!(Mapping::parse(&ok).is_ok());
        let v2 = ok.replace("\"version\":1", "\"version\":2");
        assert!(
            Mapping::parse(&v2)
                .unwrap_err()
                .to_string()
                .contains("version 2")
        );
        let other = ok.replace("atrama-warehouse-mapping", "something");
        assert!(
            Mapping::parse(&other)
                .unwrap_err()
                .to_string()
                .contains("not an Atrama")
        );
        let bad = ok.replace("fbfJHSPpUQD", "fbfJHSPpUQ");
        let e = Mapping::parse(&bad).unwrap_err().to_string();
        assert!(
            e.contains("data_element of T1 TOTAL") && e.contains("not a DHIS2 UID"),
            "{e}"
        );
        let twice = file(
            r#"{"table":"T1","column":"TOTAL","data_element":"fbfJHSPpUQD","category_option_combo":"HllvX50cXC0"},
               {"table":"T2b","column":"TOTAL","data_element":"fbfJHSPpUQD","category_option_combo":"HllvX50cXC0"}"#,
        );
        assert!(
            Mapping::parse(&twice)
                .unwrap_err()
                .to_string()
                .contains("same data element")
        );
        let typo = ok.replace("\"data_element\"", "\"dataElement\"");
        assert!(
            Mapping::parse(&typo)
                .unwrap_err()
                .to_string()
                .contains("dataElement")
        );
        let one_unit = ok.replace(
            r#"[{"centre":"KLP-01","org_unit":"DiszpKrYNg8"}]"#,
            r#"[{"centre":"KLP-01","org_unit":"DiszpKrYNg8"},{"centre":"RIG-01","org_unit":"DiszpKrYNg8"}]"#,
        );
        assert_ne!(one_unit, ok);
        assert!(
            Mapping::parse(&one_unit)
                .unwrap_err()
                .to_string()
                .contains("same org_unit")
        );
        let skipped = file(r#"{"table":"T1","column":"TOTAL","skip":true}"#);
        assert!(Mapping::parse(&skipped).is_ok());
        let empty = file(r#"{"table":"T1","column":"TOTAL"}"#);
        assert!(
            Mapping::parse(&empty)
                .unwrap_err()
                .to_string()
                .contains("not a DHIS2 UID")
        );
    }
}
