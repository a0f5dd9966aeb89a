//! Case-analysis templates in return bundles: the coordination centre sends the newest
//! version of each template it defined (its own `analysis_template` line type, see
//! `docs/bundle-format.md`), and a centre records each version once. A version already here
//! with the same content is unchanged; with other content it is refused (a version is never
//! edited); an older version arriving late is recorded beside the newer one, which stays
//! current. Completed analyses travel the other way as ordinary records of the
//! `case_analysis` table (`crate::sync::payload::TABLES`).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::template::{self, Recorded};
use crate::error::Result;
use crate::sync::ImportSummary;
use crate::sync::import::Rejected;

/// One template version in a return bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateLine {
    /// The coordination centre that defined it (must be the bundle's sender).
    pub origin: String,
    /// Template id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// The template (JSON text, `docs/multi-agency.md`).
    pub body: String,
    /// SHA-256 of `body`, hex.
    pub sha256: String,
}

/// The template lines a coordination centre puts in its return bundles.
pub(crate) fn lines_to_send(conn: &Connection, own_code: &str) -> Result<Vec<TemplateLine>> {
    Ok(template::to_send(conn, own_code)?
        .into_iter()
        .map(|(id, version, body, sha256)| TemplateLine {
            origin: own_code.to_owned(),
            id,
            version,
            body,
            sha256,
        })
        .collect())
}

const TABLE: &str = "analysis_template";

fn reject(summary: &mut ImportSummary, line: &TemplateLine, reason: String) {
    summary.tables.entry(TABLE.into()).or_default().rejected += 1;
    summary.rejected.push(Rejected {
        table: TABLE.into(),
        id: format!("{} v{}", line.id, line.version),
        reason,
    });
}

/// Records a template version from a return bundle (inside the import's transaction).
pub(crate) fn apply(
    conn: &Connection,
    sender: &str,
    bundle_id: &str,
    user: &str,
    line: &TemplateLine,
    summary: &mut ImportSummary,
) -> Result<()> {
    if line.origin != sender {
        reject(
            summary,
            line,
            format!(
                "the template was defined by {}, not by the sender {sender}",
                line.origin
            ),
        );
        return Ok(());
    }
    if crate::crypto::hex(&Sha256::digest(line.body.as_bytes())) != line.sha256 {
        reject(
            summary,
            line,
            "the template's text does not match its hash".into(),
        );
        return Ok(());
    }
    let t = match template::parse(&line.body) {
        Ok(t) if t.id == line.id && t.version == line.version => t,
        Ok(_) => {
            reject(
                summary,
                line,
                "the template's id or version differs from the line's".into(),
            );
            return Ok(());
        }
        Err(e) => {
            reject(
                summary,
                line,
                format!("{e} (this app may be older than the coordinator's; update it)"),
            );
            return Ok(());
        }
    };
    let newer = template::latest_version(conn, &t.id)?.filter(|v| *v > t.version);
    match template::record(conn, &t, sender, Some(bundle_id), user) {
        Ok(Recorded::New) => {
            summary.tables.entry(TABLE.into()).or_default().new += 1;
            if let Some(newer) = newer {
                summary.notes.push(format!(
                    "case-analysis template '{}' version {} arrived after version {newer}; it was recorded, and version {newer} stays the one in use",
                    t.id, t.version
                ));
            }
        }
        Ok(Recorded::Unchanged) => {
            summary.tables.entry(TABLE.into()).or_default().unchanged += 1;
        }
        Err(e) => reject(summary, line, e.to_string()),
    }
    Ok(())
}
