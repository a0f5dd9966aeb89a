//! Case-analysis templates in return bundles: the coordination centre sends the newest
//! version of each template it defined (its own `analysis_template` line type, see
//! `docs/bundle-format.md`), and a centre records each version once. A version already here
//! with the same content is unchanged; with other content it is refused (a version is never
//! edited); an older version arriving late is recorded beside the newer one, which stays
//! current. Completed analyses travel the other way as ordinary records of the
//! `case_analysis` table (`crate::sync::payload::TABLES`).

use chrono::Datelike as _;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::template::{self, Recorded};
use crate::error::Result;
use crate::sync::summary::{ImportSummary, Rejected};

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

/// The first day of `d`'s month.
fn month_start(d: chrono::NaiveDate) -> chrono::NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// A day count since the opening, as it leaves the centre (payload format 2): the distance
/// from the first day of the opening month to the first day of the event's month. It is a
/// function of the two months alone, so a recipient who knows the months (it does) learns
/// nothing more, and month + offset cannot pin a day.
fn coarse_offset(opened: chrono::NaiveDate, days: i64) -> i64 {
    let event = opened + chrono::Duration::days(days);
    (month_start(event) - month_start(opened)).num_days()
}

/// The distance between the first days of the months of two dates (`to` on or after
/// `from`; 0 otherwise).
fn coarse_span(from: chrono::NaiveDate, to: chrono::NaiveDate) -> i64 {
    (month_start(to) - month_start(from)).num_days().max(0)
}

/// What a case analysis's `facts` and `responses` become in a pseudonymised bundle (payload
/// format 2): every day count coarsened to a distance between month starts (timeline, days
/// from police notification to first contact, days of support, date-interval answers and the
/// number answers pre-filled with those day counts); free-text answers left out (they stay
/// at the centre, listed in the export preview as withheld). `case` is the centre's own id
/// of the analysed case.
pub(crate) fn outgoing(
    conn: &Connection,
    case: &str,
    template_id: &str,
    template_version: u32,
    facts: &str,
    responses: &str,
) -> Result<(String, String)> {
    use super::facts::CaseFacts;
    use super::form::Answer;
    use super::template::Prefill;
    use std::collections::BTreeMap;

    let bad = || crate::error::Error::invalid("a case analysis cannot be read; it was not sent");
    let opened: String = conn.query_row(
        "SELECT opened_on FROM case_file WHERE id = ?1",
        [case],
        |r| r.get(0),
    )?;
    let opened: chrono::NaiveDate = opened
        .get(..10)
        .and_then(|d| d.parse().ok())
        .ok_or_else(bad)?;
    let mut f: CaseFacts = serde_json::from_str(facts).map_err(|_| bad())?;
    let day_of = |f: &CaseFacts, kind: &str| {
        f.timeline
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| opened + chrono::Duration::days(e.day))
    };
    let police = day_of(&f, "police_notified");
    let first = day_of(&f, "first_contact");
    f.days_police_to_first_contact = match (f.days_police_to_first_contact, police, first) {
        (Some(_), Some(p), Some(c)) => Some(coarse_span(p, c)),
        _ => None,
    };
    f.support_days = f
        .support_days
        .map(|d| coarse_span(opened, opened + chrono::Duration::days(d)));
    for e in &mut f.timeline {
        e.day = coarse_offset(opened, e.day);
    }
    f.timeline.sort_by_key(|e| e.day);
    let answers: BTreeMap<String, Answer> = serde_json::from_str(responses).map_err(|_| bad())?;
    // Which number questions hold day counts (pre-filled from the facts).
    let prefills: BTreeMap<String, Prefill> = template::load(conn, template_id, template_version)
        .map(|t| {
            t.questions()
                .filter_map(|(_, q)| q.prefill.map(|p| (q.id.clone(), p)))
                .collect()
        })
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for (q, a) in answers {
        let a = match a {
            Answer::Text(_) => continue,
            Answer::Interval { from_day, to_day } => Answer::Interval {
                from_day: i32::try_from(coarse_offset(opened, i64::from(from_day))).unwrap_or(0),
                to_day: i32::try_from(coarse_offset(opened, i64::from(to_day))).unwrap_or(0),
            },
            Answer::Number(n) => match prefills.get(&q) {
                Some(Prefill::DaysPoliceToFirstContact) => match police {
                    Some(p) => Answer::Number(
                        i32::try_from(coarse_span(p, p + chrono::Duration::days(n.into())))
                            .unwrap_or(0),
                    ),
                    None => continue,
                },
                Some(Prefill::SupportDays) => Answer::Number(
                    i32::try_from(coarse_span(
                        opened,
                        opened + chrono::Duration::days(n.into()),
                    ))
                    .unwrap_or(0),
                ),
                // A number the template did not say (no longer here): a day count or not,
                // it is not sent.
                None if prefills.is_empty() => continue,
                _ => Answer::Number(n),
            },
            other => other,
        };
        out.insert(q, a);
    }
    Ok((
        serde_json::to_string(&f).map_err(|_| bad())?,
        serde_json::to_string(&out).map_err(|_| bad())?,
    ))
}
