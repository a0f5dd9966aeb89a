//! Risk assessment and safety planning.
//!
//! - `pack` — the instrument-pack file format (`docs/instrument-pack.md`) and its
//!   validation; the built-in checklist (`assets/instruments/atrama-spj.json`);
//! - `score` — skip logic, scoring (count of "yes" or weighted sum) and bands;
//! - `assess` — risk assessments of a case: recorded with the pack version they used, never
//!   rescored; history and trend;
//! - `safety_plan` — safety plans in versions, their review dates in the work queue.
//!
//! Packs live in the encrypted database side by side by (id, version). The built-in pack
//! is compiled in and copied into the database the first time an assessment uses it, so
//! an assessment keeps its pack even after an update of Atrama ships a newer version.

pub mod assess;
pub mod pack;
pub mod safety_plan;
pub mod score;

pub use assess::{LatestRisk, RiskAssessment, RiskAssessmentFields, RiskHistory, Trend};
pub use pack::{InstrumentPack, Licence};
pub use safety_plan::{SafetyPlan, SafetyPlanFields, SafetyPlanHistory, SafetyPlanReview};
pub use score::{Answers, ScoreResult};

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::Action;
use crate::codes::CodeLists;
use crate::crypto::hex;
use crate::error::{Error, Result};
use crate::store::Store;

/// An instrument as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InstrumentInfo {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: u32,
    /// Name per language.
    pub title: pack::Texts,
    /// `any` or a country code.
    pub jurisdiction: String,
    /// Languages.
    pub languages: Vec<String>,
    /// Licence status.
    pub licence: Licence,
    /// Compiled into Atrama (not imported).
    pub builtin: bool,
    /// When it was loaded into this store (none for a built-in pack not used yet).
    pub imported_at: Option<String>,
    /// Who loaded it.
    pub imported_by: Option<String>,
    /// Number of items.
    pub items: u32,
    /// Assessments recorded with it.
    pub assessments: u32,
    /// The newest version of this id here (older versions stay for old assessments).
    pub latest: bool,
}

/// What importing a pack did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InstrumentImport {
    /// `imported`, or `already_loaded` (the same file was imported before).
    pub outcome: String,
    /// The pack.
    pub instrument: InstrumentInfo,
}

fn info(pack: &InstrumentPack, builtin: bool) -> InstrumentInfo {
    InstrumentInfo {
        id: pack.id.clone(),
        version: pack.version,
        title: pack.title.clone(),
        jurisdiction: pack.jurisdiction.clone(),
        languages: pack.languages.clone(),
        licence: pack.licence,
        builtin,
        imported_at: None,
        imported_by: None,
        items: u32::try_from(pack.items.len()).unwrap_or(u32::MAX),
        assessments: 0,
        latest: false,
    }
}

fn sha256(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The pack (id, version): from the database, else from the packs compiled in.
pub(crate) fn load_pack(
    conn: &Connection,
    codes: &CodeLists,
    id: &str,
    version: u32,
) -> Result<InstrumentPack> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM instrument_pack WHERE id = ?1 AND version = ?2")?
        .query_row(params![id, version], |r| r.get(0))
        .optional()?;
    if let Some(body) = body {
        return InstrumentPack::parse(&body, codes);
    }
    pack::builtin_packs(codes)?
        .into_iter()
        .find(|p| p.id == id && p.version == version)
        .ok_or_else(|| Error::NotFound {
            what: "instrument",
            id: format!("{id} version {version}"),
        })
}

/// Copies a built-in pack into the database (once), so that assessments made with it keep
/// it after Atrama ships a newer version.
pub(crate) fn keep_builtin(
    conn: &Connection,
    codes: &CodeLists,
    id: &str,
    version: u32,
    user: &str,
) -> Result<()> {
    for text in pack::BUILTIN {
        let p = InstrumentPack::parse(text, codes)?;
        if p.id == id && p.version == version {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO instrument_pack
                 (id, version, body, sha256, licence, builtin, imported_at, imported_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7)",
            )?
            .execute(params![
                p.id,
                p.version,
                text,
                sha256(text),
                p.licence.code(),
                Utc::now().to_rfc3339(),
                user
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// Every instrument available here: imported packs and the built-in ones, by id, newest
    /// version first.
    pub fn instruments(&self) -> Result<Vec<InstrumentInfo>> {
        let codes = self.ctx.codes;
        let mut out: Vec<InstrumentInfo> = Vec::new();
        let rows: Vec<(String, bool, String, String)> = self
            .conn
            .prepare("SELECT body, builtin, imported_at, imported_by FROM instrument_pack")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (body, builtin, at, by) in rows {
            let pack = InstrumentPack::parse(&body, codes)?;
            let mut i = info(&pack, builtin);
            i.imported_at = Some(at);
            i.imported_by = Some(by);
            out.push(i);
        }
        for pack in pack::builtin_packs(codes)? {
            if !out
                .iter()
                .any(|i| i.id == pack.id && i.version == pack.version)
            {
                out.push(info(&pack, true));
            }
        }
        let mut count = self.conn.prepare_cached(
            "SELECT count(*) FROM risk_assessment a
             WHERE instrument_id = ?1 AND instrument_version = ?2 AND deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM risk_assessment n WHERE n.supersedes = a.id)",
        )?;
        for i in &mut out {
            i.assessments = count.query_row(params![i.id, i.version], |r| r.get(0))?;
        }
        out.sort_by(|a, b| a.id.cmp(&b.id).then(b.version.cmp(&a.version)));
        let mut last_id = None;
        for i in &mut out {
            i.latest = last_id.as_deref() != Some(i.id.as_str());
            last_id = Some(i.id.clone());
        }
        Ok(out)
    }

    /// The pack (id, version), with its items and bands.
    pub fn instrument(&self, id: &str, version: u32) -> Result<InstrumentPack> {
        load_pack(&self.conn, self.ctx.codes, id, version)
    }

    /// Loads an instrument pack file (administrators only). The pack is validated first;
    /// each problem names the item, band or field. A new version is kept beside the older
    /// ones, which stay for the assessments made with them. Importing the same file twice
    /// changes nothing; a different file under an existing (id, version) is refused.
    pub fn import_instrument(&mut self, text: &str) -> Result<InstrumentImport> {
        self.require(crate::admin::permissions::Permission::ImportInstrumentPack)?;
        let pack = InstrumentPack::parse(text, self.ctx.codes)?;
        let hash = sha256(text);
        let tx = self.conn.transaction()?;
        let existing: Option<(String, bool)> = tx
            .query_row(
                "SELECT sha256, builtin FROM instrument_pack WHERE id = ?1 AND version = ?2",
                params![pack.id, pack.version],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let builtin_clash = pack::builtin_packs(self.ctx.codes)?
            .iter()
            .any(|b| b.id == pack.id && b.version == pack.version && *b != pack);
        let outcome = match existing {
            Some((sha, _)) if sha == hash => "already_loaded",
            Some(_) => {
                return Err(Error::invalid(format!(
                    "version {} of instrument '{}' is already loaded with different content; give the changed pack a higher version number",
                    pack.version, pack.id
                )));
            }
            None if builtin_clash => {
                return Err(Error::invalid(format!(
                    "'{}' version {} is built into Atrama; give your pack another id",
                    pack.id, pack.version
                )));
            }
            None => {
                tx.execute(
                    "INSERT INTO instrument_pack
                     (id, version, body, sha256, licence, builtin, imported_at, imported_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)",
                    params![
                        pack.id,
                        pack.version,
                        text,
                        hash,
                        pack.licence.code(),
                        Utc::now().to_rfc3339(),
                        self.ctx.user
                    ],
                )?;
                crate::audit::append(
                    &tx,
                    &self.ctx.user,
                    Action::ImportInstrument,
                    None,
                    Some(&format!(
                        "instrument {} version {} ({}, sha256 {})",
                        pack.id,
                        pack.version,
                        pack.licence.code(),
                        &hash[..16]
                    )),
                )?;
                "imported"
            }
        };
        tx.commit()?;
        let instrument = self
            .instruments()?
            .into_iter()
            .find(|i| i.id == pack.id && i.version == pack.version)
            .ok_or_else(|| Error::NotFound {
                what: "instrument",
                id: pack.id.clone(),
            })?;
        Ok(InstrumentImport {
            outcome: outcome.to_owned(),
            instrument,
        })
    }

    /// The score and band `answers` come to under pack (id, version): the live score while
    /// an assessment is being filled in. Writes nothing.
    pub fn score_answers(&self, id: &str, version: u32, answers: &Answers) -> Result<ScoreResult> {
        score::score(&self.instrument(id, version)?, answers)
    }
}
