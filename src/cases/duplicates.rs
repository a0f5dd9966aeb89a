//! The duplicate check at intake: while a counsellor types a new client, the clients
//! already recorded who may be the same person — by name (folded with `fold::skeleton`, so
//! "Zilinskiene" and "Жилинскене" are "Žilinskienė"), by phone number in any spelling
//! (`fold::same_phone`) and by birth year — each with her cases, so that "this is her"
//! opens a new case for the existing client instead of a second client
//! ([`crate::cases::Intake::existing_client`]).
//!
//! Candidates come from the case documents of the search index (which hold every name in
//! its folded spellings and the phone's last digits), then each is scored here.

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::fold;
use super::model::ClientFields;
use crate::audit::Action;
use crate::error::Result;
use crate::ids::{CaseId, ClientId};
use crate::store::Store;

/// What matched between the client being typed and an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The family name and the given name.
    Name,
    /// The family name only (no given name typed or recorded, or it differs).
    FamilyName,
    /// The phone number.
    Phone,
    /// The year of birth.
    BirthYear,
}

/// One case of a possible duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DuplicateCase {
    /// The case.
    pub case_id: CaseId,
    /// Its number.
    pub case_number: String,
    /// `case_status` code.
    pub status: String,
    /// Opened on.
    pub opened_on: NaiveDate,
    /// Lead worker.
    pub lead_worker: String,
}

/// A client already recorded who may be the one being typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PossibleDuplicate {
    /// The client.
    pub client_id: ClientId,
    /// Pseudonym.
    pub pseudonym: String,
    /// The recorded name (the counsellor typed a name; she needs to see whose this is).
    pub name: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// `age_band` code.
    pub age_band: String,
    /// What matched, strongest first.
    pub reasons: Vec<DuplicateReason>,
    /// Her cases, newest first.
    pub cases: Vec<DuplicateCase>,
}

/// At most this many candidates are shown.
pub const MAX_DUPLICATES: usize = 5;

struct Candidate {
    client_id: ClientId,
    pseudonym: String,
    given: Option<String>,
    family: Option<String>,
    phone: Option<String>,
    birth_year: Option<i32>,
    age_band: String,
}

fn same_word(a: &str, b: &str) -> bool {
    let (a, b) = (fold::skeleton_words(a), fold::skeleton_words(b));
    !a.is_empty() && a.iter().any(|w| b.contains(w))
}

/// What matched, and a score (higher is likelier).
fn score(typed: &ClientFields, c: &Candidate) -> (Vec<DuplicateReason>, u32) {
    let mut reasons = Vec::new();
    let mut score = 0;
    let family = match (typed.family_name.as_deref(), c.family.as_deref()) {
        (Some(a), Some(b)) => same_word(a, b),
        _ => false,
    };
    let given = match (typed.given_name.as_deref(), c.given.as_deref()) {
        (Some(a), Some(b)) => same_word(a, b),
        _ => false,
    };
    if family && given {
        reasons.push(DuplicateReason::Name);
        score += 3;
    } else if family {
        reasons.push(DuplicateReason::FamilyName);
        score += 1;
    }
    if let (Some(a), Some(b)) = (typed.phone.as_deref(), c.phone.as_deref())
        && fold::same_phone(a, b)
    {
        reasons.push(DuplicateReason::Phone);
        score += 3;
    }
    if typed.birth_year.is_some() && typed.birth_year == c.birth_year {
        reasons.push(DuplicateReason::BirthYear);
        score += 1;
    }
    (reasons, score)
}

/// The FTS5 query for candidates: the skeleton of each typed family name word, or the
/// phone's key.
fn candidate_query(typed: &ClientFields) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    if let Some(family) = typed.family_name.as_deref() {
        for w in fold::skeleton_words(family) {
            if w.chars().count() >= 2 {
                terms.push(format!("\"{w}\""));
            }
        }
    }
    if let Some(key) = typed.phone.as_deref().and_then(fold::phone_key) {
        terms.push(format!("\"{key}\""));
    }
    (!terms.is_empty()).then(|| terms.join(" OR "))
}

pub(crate) fn possible_duplicates(
    conn: &Connection,
    typed: &ClientFields,
) -> Result<Vec<PossibleDuplicate>> {
    let Some(query) = candidate_query(typed) else {
        return Ok(Vec::new());
    };
    let candidates = conn
        .prepare_cached(
            "SELECT DISTINCT cl.id, cl.pseudonym, cl.given_name, cl.family_name, cl.phone,
                    cl.birth_year, cl.age_band
             FROM search_fts f
             CROSS JOIN search_doc d ON d.rowid = f.rowid
             CROSS JOIN case_file c ON c.id = d.case_id
             CROSS JOIN client cl ON cl.id = c.client_id
             WHERE search_fts MATCH ?1 AND d.kind = 'case'
               AND c.deleted_at IS NULL AND cl.deleted_at IS NULL
             LIMIT 500",
        )?
        .query_map([&query], |r| {
            Ok(Candidate {
                client_id: r.get(0)?,
                pseudonym: r.get(1)?,
                given: r.get(2)?,
                family: r.get(3)?,
                phone: r.get(4)?,
                birth_year: r.get(5)?,
                age_band: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut scored: Vec<(u32, Candidate, Vec<DuplicateReason>)> = candidates
        .into_iter()
        .filter_map(|c| {
            let (reasons, score) = score(typed, &c);
            // A family name alone is too common to mean anything; with a given name, a
            // birth year or the phone it does.
            (score >= 2).then_some((score, c, reasons))
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.pseudonym.cmp(&b.1.pseudonym))
    });
    scored.truncate(MAX_DUPLICATES);
    let mut cases = conn.prepare_cached(
        "SELECT id, case_number, status, opened_on, lead_worker FROM case_file
         WHERE client_id = ?1 AND deleted_at IS NULL
         ORDER BY opened_on DESC, case_number DESC",
    )?;
    let mut out = Vec::with_capacity(scored.len());
    for (_, c, reasons) in scored {
        let list = cases
            .query_map(params![c.client_id], |r| {
                Ok(DuplicateCase {
                    case_id: r.get(0)?,
                    case_number: r.get(1)?,
                    status: r.get(2)?,
                    opened_on: super::read::day(r, 3)?,
                    lead_worker: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let name = [c.given.as_deref(), c.family.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        out.push(PossibleDuplicate {
            client_id: c.client_id,
            pseudonym: c.pseudonym,
            name: (!name.is_empty()).then_some(name),
            birth_year: c.birth_year,
            age_band: c.age_band,
            reasons,
            cases: list,
        });
    }
    Ok(out)
}

impl Store {
    /// Clients already recorded who may be the one being typed at intake (name folded,
    /// phone in any spelling, birth year), likeliest first, at most [`MAX_DUPLICATES`].
    /// When any are shown, their pseudonyms are recorded in the access log (the list shows
    /// their names).
    pub fn possible_duplicates(&self, typed: &ClientFields) -> Result<Vec<PossibleDuplicate>> {
        let found = possible_duplicates(&self.conn, typed)?;
        if !found.is_empty() {
            let who: Vec<&str> = found.iter().map(|d| d.pseudonym.as_str()).collect();
            self.log_access(
                Action::ViewIdentity,
                found
                    .first()
                    .and_then(|d| d.cases.first())
                    .map(|c| c.case_id),
                Some(&format!(
                    "possible duplicates at intake: {}",
                    who.join(", ")
                )),
            )?;
        }
        Ok(found)
    }
}
