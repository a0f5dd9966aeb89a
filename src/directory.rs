//! The referral directory: the agencies (police, courts, social services, …) per region with
//! their contacts, as a coordination centre loads it from a CSV file and sends it to its
//! centres (`crate::sync::refdata` carries and applies it), and as the referral letters and
//! the Directory screen read it.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::centre::Language;
use crate::codes::CodeLists;
use crate::error::{Error, Result};
use crate::store::Store;

/// The referral-directory file format this build reads.
pub const DIRECTORY_FORMAT: u32 = 1;
/// The id of the one directory item.
pub const DIRECTORY_ID: &str = "directory";

/// One agency of the referral directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct DirectoryAgency {
    /// Stable id (given by the coordination centre, or derived from region, type and name).
    pub id: String,
    /// Region or city (free text, e.g. `Klaipėda`).
    pub region: String,
    /// `referral_agency` code (police, court, social_services, …).
    pub agency_type: String,
    /// Name.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// The language its letters are written in (`en`, `lt`, `lv`, `az`, `ru`).
    pub language: String,
}

/// The directory as it travels (the body of a `directory` item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryFile {
    /// [`DIRECTORY_FORMAT`].
    pub format: u32,
    /// Version: a whole number, higher is newer.
    pub version: String,
    /// The agencies.
    pub agencies: Vec<DirectoryAgency>,
}

/// What importing a directory file did (coordination centre).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DirectoryImport {
    /// The new version.
    pub version: String,
    /// Agencies in it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub agencies: u64,
    /// Agencies in the previous version.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub previous: u64,
}

pub(crate) fn directory_in_force(conn: &Connection) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT version, body FROM reference_item WHERE kind = 'directory' AND item_id = ?1",
            [DIRECTORY_ID],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Reads and checks a directory file: every agency with an id, a known type and language,
/// a name, no id twice.
pub fn parse_directory(text: &str, codes: &CodeLists) -> Result<DirectoryFile> {
    let file: DirectoryFile = serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("the referral directory is not valid: {e}")))?;
    if file.format > DIRECTORY_FORMAT {
        return Err(Error::NewerVersion {
            what: "referral-directory format",
            found: i64::from(file.format),
            supported: i64::from(DIRECTORY_FORMAT),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for (i, a) in file.agencies.iter().enumerate() {
        let at = format!("agency {} ('{}')", i + 1, a.name);
        if a.id.trim().is_empty() || !seen.insert(a.id.clone()) {
            return Err(Error::invalid(format!(
                "{at} has an empty or repeated id '{}'",
                a.id
            )));
        }
        if a.name.trim().is_empty() {
            return Err(Error::invalid(format!("{at} has no name")));
        }
        if !codes.contains("referral_agency", &a.agency_type) {
            return Err(Error::invalid(format!(
                "{at} has type '{}', which is not a referral agency code",
                a.agency_type
            )));
        }
        Language::parse(&a.language).map_err(|_| {
            Error::invalid(format!(
                "{at} has language '{}'; use en, lt, lv, az or ru",
                a.language
            ))
        })?;
    }
    Ok(file)
}

pub(crate) fn write_directory(conn: &Connection, file: &DirectoryFile) -> Result<()> {
    conn.execute("DELETE FROM directory_agency", [])?;
    let mut stmt = conn.prepare(
        "INSERT INTO directory_agency (id, region, agency_type, name, address, phone, email, language)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for a in &file.agencies {
        stmt.execute(params![
            a.id,
            a.region,
            a.agency_type,
            a.name,
            a.address,
            a.phone,
            a.email,
            a.language.to_ascii_lowercase()
        ])?;
    }
    Ok(())
}

/// Splits CSV text (RFC 4180: commas, double-quoted fields with `""` inside, CRLF or LF)
/// into rows of fields.
fn csv_rows(text: &str) -> Result<Vec<Vec<String>>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                line += 1;
                row.push(std::mem::take(&mut field));
                if row.iter().any(|f| !f.trim().is_empty()) {
                    rows.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(Error::invalid(format!(
            "the CSV file ends inside a quoted field (opened before line {line})"
        )));
    }
    row.push(field);
    if row.iter().any(|f| !f.trim().is_empty()) {
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a directory CSV: a header row naming the columns `region`, `type`, `name`,
/// `address`, `phone`, `email`, `language` and optionally `id` (any order); one agency per
/// row. Agencies without an id get one derived from region, type and name.
pub fn directory_from_csv(text: &str, codes: &CodeLists, version: &str) -> Result<DirectoryFile> {
    let rows = csv_rows(text)?;
    let Some((header, body)) = rows.split_first() else {
        return Err(Error::invalid(
            "the CSV file is empty; it needs a header row and one row per agency",
        ));
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut idx = BTreeMap::new();
    for name in [
        "region", "type", "name", "address", "phone", "email", "language",
    ] {
        let i = col(name).ok_or_else(|| {
            Error::invalid(format!(
                "the CSV header has no column '{name}'; it needs id (optional), region, type, name, address, phone, email, language"
            ))
        })?;
        idx.insert(name, i);
    }
    let id_col = col("id");
    let mut agencies = Vec::with_capacity(body.len());
    for (n, row) in body.iter().enumerate() {
        let get = |name: &str| -> String {
            row.get(idx[name])
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let agency_type = get("type").to_ascii_lowercase();
        let id = id_col
            .and_then(|i| row.get(i))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                let seed = format!(
                    "{}\u{1f}{}\u{1f}{}",
                    get("region"),
                    agency_type,
                    get("name")
                );
                format!(
                    "a-{}",
                    &crate::crypto::hex(&sha2::Sha256::digest(seed.as_bytes()))[..12]
                )
            });
        let agency = DirectoryAgency {
            id,
            region: get("region"),
            agency_type,
            name: get("name"),
            address: get("address"),
            phone: get("phone"),
            email: get("email"),
            language: get("language").to_ascii_lowercase(),
        };
        if !codes.contains("referral_agency", &agency.agency_type) {
            return Err(Error::invalid(format!(
                "row {} of the CSV: type '{}' is not a referral agency code (police, prosecutor, court, state_legal_aid, social_services, child_protection, health, mental_health, shelter, probation, employment_housing, other_ngo)",
                n + 2,
                agency.agency_type
            )));
        }
        agencies.push(agency);
    }
    let file = DirectoryFile {
        format: DIRECTORY_FORMAT,
        version: version.to_owned(),
        agencies,
    };
    // The same checks a centre makes on receipt (ids, names, languages).
    let text = serde_json::to_string(&file).map_err(|e| Error::invalid(e.to_string()))?;
    parse_directory(&text, codes).map_err(|e| Error::invalid(format!("the CSV file: {e}")))
}

impl Store {
    /// The agencies of the referral directory in force, by region and name; only those of
    /// `agency_type` when given.
    pub fn directory(&self, agency_type: Option<&str>) -> Result<Vec<DirectoryAgency>> {
        Ok(self
            .conn
            .prepare(
                "SELECT id, region, agency_type, name, address, phone, email, language
                 FROM directory_agency WHERE ?1 IS NULL OR agency_type = ?1
                 ORDER BY region, agency_type, name",
            )?
            .query_map([agency_type], |r| {
                Ok(DirectoryAgency {
                    id: r.get(0)?,
                    region: r.get(1)?,
                    agency_type: r.get(2)?,
                    name: r.get(3)?,
                    address: r.get(4)?,
                    phone: r.get(5)?,
                    email: r.get(6)?,
                    language: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_read_quotes_commas_and_newlines() {
        let rows = csv_rows("\u{feff}a,b\r\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n\n").unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["a".to_owned(), "b".to_owned()],
                vec!["x, y".to_owned(), "say \"hi\"\nthere".to_owned()]
            ]
        );
        assert!(csv_rows("a,\"open").is_err());
    }

    #[test]
    fn a_directory_csv_is_checked_row_by_row() {
        let codes = CodeLists::builtin().unwrap();
        let ok = "region,type,name,address,phone,email,language\nKlaipėda,police,Klaipėdos policija,Liepų g. 1,+370 46 000000,klp@policija.lt,lt\n";
        let file = directory_from_csv(ok, codes, "1").unwrap();
        assert_eq!(file.agencies.len(), 1);
        assert!(file.agencies[0].id.starts_with("a-"));
        let again = directory_from_csv(ok, codes, "2").unwrap();
        assert_eq!(
            file.agencies[0].id, again.agencies[0].id,
            "derived ids are stable"
        );
        let bad_type = ok.replace(",police,", ",sheriff,");
        let e = directory_from_csv(&bad_type, codes, "1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2") && e.contains("sheriff"), "{e}");
        let bad_lang = ok.replace(",lt\n", ",de\n");
        let e = directory_from_csv(&bad_lang, codes, "1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("language 'de'"), "{e}");
        let e = directory_from_csv("region,name\n", codes, "1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column 'type'"), "{e}");
    }
}
