//! Saved mappings: kept in the store by name (`import_mapping`), so the next monthly sheet
//! from the same source imports with the same choices, and written to or read from a file
//! to share between centres. A mapping file holds header names, code-list words and codes
//! — never a row of the sheet.

use std::path::Path;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::mapping::{Mapping, ValueChoice};
use crate::error::{Error, Result};
use crate::store::Store;

/// The `format` of a mapping file.
pub const FILE_FORMAT: &str = "atrama-sheet-mapping";
/// The newest mapping-file version this build reads and writes.
pub const FILE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct MappingFile {
    format: String,
    version: u32,
    mapping: Mapping,
}

/// Checks a mapping's name and codes (against the code lists in use).
fn check(store: &Store, m: &Mapping) -> Result<()> {
    let name = m.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "a mapping needs a name of one line, at most 100 characters",
        ));
    }
    let codes = store.context().codes();
    for (list, values) in &m.values {
        for choice in values.values() {
            if let ValueChoice::Code(code) = choice {
                codes.check(list, code)?;
            }
        }
    }
    for (code, list) in [
        (&m.defaults.sex, "sex"),
        (&m.defaults.referral_source, "referral_source"),
        (&m.defaults.intake_outcome, "intake_outcome"),
    ] {
        codes.check(list, code)?;
    }
    Ok(())
}

impl Store {
    /// Saves a mapping under its name (replacing one of the same name).
    pub fn save_sheet_mapping(&mut self, mapping: &Mapping) -> Result<()> {
        check(self, mapping)?;
        let json = serde_json::to_string(mapping)
            .map_err(|e| Error::invalid(format!("the mapping could not be saved: {e}")))?;
        self.conn.execute(
            "INSERT INTO import_mapping (name, saved_at, saved_by, mapping) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET saved_at = excluded.saved_at,
                 saved_by = excluded.saved_by, mapping = excluded.mapping",
            params![
                mapping.name.trim(),
                super::apply::now(),
                self.ctx.user(),
                json
            ],
        )?;
        Ok(())
    }

    /// The saved mappings, by name.
    pub fn sheet_mappings(&self) -> Result<Vec<Mapping>> {
        let texts: Vec<String> = self
            .conn
            .prepare("SELECT mapping FROM import_mapping ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        texts
            .iter()
            .map(|t| {
                serde_json::from_str(t)
                    .map_err(|e| Error::invalid(format!("a saved mapping is damaged: {e}")))
            })
            .collect()
    }

    /// A saved mapping by name.
    pub fn sheet_mapping(&self, name: &str) -> Result<Mapping> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT mapping FROM import_mapping WHERE name = ?1",
                [name.trim()],
                |r| r.get(0),
            )
            .optional()?;
        let text = text.ok_or_else(|| Error::NotFound {
            what: "mapping",
            id: name.to_owned(),
        })?;
        serde_json::from_str(&text)
            .map_err(|e| Error::invalid(format!("the saved mapping is damaged: {e}")))
    }

    /// Removes a saved mapping.
    pub fn delete_sheet_mapping(&mut self, name: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM import_mapping WHERE name = ?1", [name.trim()])?;
        Ok(())
    }

    /// Writes a saved mapping to a file (atomically).
    pub fn export_sheet_mapping(&self, name: &str, path: &Path) -> Result<()> {
        let mapping = self.sheet_mapping(name)?;
        let file = MappingFile {
            format: FILE_FORMAT.into(),
            version: FILE_VERSION,
            mapping,
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| Error::invalid(format!("the mapping could not be written: {e}")))?;
        crate::atomic_file::write(path, &json)
    }

    /// Reads a mapping file, checks it and saves the mapping; returns it.
    pub fn import_sheet_mapping(&mut self, path: &Path) -> Result<Mapping> {
        let mapping = read_mapping_file(path)?;
        self.save_sheet_mapping(&mapping)?;
        Ok(mapping)
    }
}

/// Reads a mapping file (as [`Store::export_sheet_mapping`] writes it) without saving it;
/// its codes are checked when a dry run or an import uses it.
pub fn read_mapping_file(path: &Path) -> Result<Mapping> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let file: MappingFile = serde_json::from_str(&text).map_err(|e| {
        Error::invalid(format!(
            "this is not an Atrama mapping file ({e}); export the mapping again"
        ))
    })?;
    if file.format != FILE_FORMAT {
        return Err(Error::invalid(
            "this is not an Atrama mapping file; export the mapping again",
        ));
    }
    if file.version > FILE_VERSION {
        return Err(Error::NewerVersion {
            what: "mapping file",
            found: i64::from(file.version),
            supported: i64::from(FILE_VERSION),
        });
    }
    Ok(file.mapping)
}
