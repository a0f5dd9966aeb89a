//! Full-text search over names, pseudonyms, phone numbers, case numbers and note text.
//!
//! The index is an FTS5 table (`unicode61 remove_diacritics 2`, so "ieskinys" finds
//! "ieškinys" and "Ļena" finds "Lena") inside the encrypted database: protected fields are
//! searchable, but never from a plaintext index. One index document per case (case number,
//! pseudonym, names, phone numbers in several spellings) and one per note; restricted notes
//! carry their discipline, and a search shows them only to those who may read them.

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::fold;
use crate::error::Result;
use crate::ids::CaseId;
use crate::store::search_index::fold as fold_word;
pub use crate::store::search_index::phone_terms;

/// Results a search returns at most, unless asked for fewer.
pub const DEFAULT_LIMIT: u32 = 50;
/// How many of the newest matches are ranked (see `search`).
pub const CANDIDATES: u32 = 500;

/// Why a result was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// The case number.
    CaseNumber,
    /// The client's pseudonym.
    Pseudonym,
    /// The client's phone number.
    Phone,
    /// The client's name.
    Name,
    /// A note's text.
    Note,
}

/// One search result, with the case it belongs to and what tells it apart from others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    /// The case.
    pub case_id: CaseId,
    /// Its number.
    pub case_number: String,
    /// The client's pseudonym.
    pub pseudonym: String,
    /// `case_status` code.
    pub status: String,
    /// What matched: `case` (number, pseudonym, names, phone) or `note`.
    pub kind: String,
    /// The matching note's id, for a note.
    pub note_id: Option<String>,
    /// A short extract with the matched words between `[` and `]` (notes only: a case hit
    /// shows no names in the list).
    pub snippet: Option<String>,
    /// Why it was found.
    pub matched: MatchReason,
    /// The whole case number, pseudonym or phone number typed: such a result comes first,
    /// before every partial match.
    pub exact: bool,
    /// Date the case was opened.
    pub opened_on: NaiveDate,
    /// Its lead worker.
    pub lead_worker: String,
    /// The client's year of birth, if known.
    pub birth_year: Option<i32>,
    /// The client's `age_band` code.
    pub age_band: String,
    /// The centre that owns the case (another centre's for a coordinator's replica).
    pub owner_centre: String,
    /// The client's name, only when the search was by name (the person typed it already).
    pub name: Option<String>,
}

/// The words a person typed (at most 12), as the index spells them.
fn query_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .collect()
}

/// Turns what a person typed into an FTS5 query: every word must match, each as a prefix
/// of the word as written or of its skeleton (`fold::skeleton`: other spellings of a
/// name). A whole case number, pseudonym or phone number is found before this query
/// (`exact_hits`). FTS5 syntax in the input has no effect (each word is quoted).
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = query_words(text)
        .into_iter()
        .map(|w| {
            let w = fold_word(w);
            let skeleton = fold::skeleton(&w);
            // A word with a digit is a number (case, phone, pseudonym part), not a name:
            // its skeleton would drop doubled digits ("0002" → "02") and find others.
            if skeleton.is_empty()
                || skeleton == w.to_lowercase()
                || w.chars().any(|c| c.is_ascii_digit())
            {
                format!("\"{w}\"*")
            } else {
                format!("(\"{w}\"* OR \"{skeleton}\"*)")
            }
        })
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" AND "))
    }
}

/// What every result shows of its case and client.
const CASE_COLUMNS: &str = "c.id, c.case_number, cl.pseudonym, c.status, c.opened_on, \
     c.lead_worker, cl.birth_year, cl.age_band, c.owner_centre, cl.given_name, \
     cl.family_name, cl.phone";

/// A case row as read with `CASE_COLUMNS` starting at column `at`.
struct CaseRow {
    hit: SearchHit,
    given: Option<String>,
    family: Option<String>,
    phone: Option<String>,
}

fn case_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<CaseRow> {
    Ok(CaseRow {
        hit: SearchHit {
            case_id: r.get(at)?,
            case_number: r.get(at + 1)?,
            pseudonym: r.get(at + 2)?,
            status: r.get(at + 3)?,
            kind: "case".into(),
            note_id: None,
            snippet: None,
            matched: MatchReason::CaseNumber,
            exact: false,
            opened_on: super::read::day(r, at + 4)?,
            lead_worker: r.get(at + 5)?,
            birth_year: r.get(at + 6)?,
            age_band: r.get(at + 7)?,
            owner_centre: r.get(at + 8)?,
            name: None,
        },
        given: r.get(at + 9)?,
        family: r.get(at + 10)?,
        phone: r.get(at + 11)?,
    })
}

/// The cases whose number, client pseudonym or client phone number is exactly what was
/// typed (case number first, then pseudonym, then phone), newest case first within each.
fn exact_hits(conn: &Connection, text: &str) -> Result<Vec<SearchHit>> {
    let upper = text.to_uppercase();
    let mut hits: Vec<SearchHit> = Vec::new();
    let push = |row: CaseRow, why: MatchReason, hits: &mut Vec<SearchHit>| {
        if !hits.iter().any(|h| h.case_id == row.hit.case_id) {
            let mut hit = row.hit;
            hit.matched = why;
            hit.exact = true;
            hits.push(hit);
        }
    };
    let by_number = conn
        .prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM case_file c JOIN client cl ON cl.id = c.client_id
             WHERE c.case_number = ?1 AND c.deleted_at IS NULL"
        ))?
        .query_map([&upper], |r| case_row(r, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for row in by_number {
        push(row, MatchReason::CaseNumber, &mut hits);
    }
    let by_pseudonym = conn
        .prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM client cl JOIN case_file c ON c.client_id = cl.id
             WHERE cl.pseudonym IN (?1, ?2) AND cl.deleted_at IS NULL AND c.deleted_at IS NULL
             ORDER BY c.opened_on DESC, c.case_number DESC"
        ))?
        .query_map([text, &upper], |r| case_row(r, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for row in by_pseudonym {
        push(row, MatchReason::Pseudonym, &mut hits);
    }
    if fold::looks_like_phone(text)
        && let Some(key) = fold::phone_key(text)
    {
        // Every case document holds the last 7, 8 and 9 digits of its client's phone
        // (`phone_terms`): the key finds the candidates, `same_phone` decides.
        let rows = conn
            .prepare_cached(&format!(
                "SELECT {CASE_COLUMNS}
                     FROM search_fts f
                     CROSS JOIN search_doc d ON d.rowid = f.rowid
                     CROSS JOIN case_file c ON c.id = d.case_id
                     CROSS JOIN client cl ON cl.id = c.client_id
                     WHERE search_fts MATCH ?1 AND d.kind = 'case' AND c.deleted_at IS NULL
                     ORDER BY c.opened_on DESC, c.case_number DESC
                     LIMIT 200"
            ))?
            .query_map([format!("\"{key}\"")], |r| case_row(r, 0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for row in rows {
            if row
                .phone
                .as_deref()
                .is_some_and(|p| fold::same_phone(p, text))
            {
                push(row, MatchReason::Phone, &mut hits);
            }
        }
    }
    Ok(hits)
}

/// Why a case document matched the typed words, and the client's name when it was by name.
fn case_reason(row: &CaseRow, words: &[&str]) -> (MatchReason, Option<String>) {
    let tokens = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(fold::plain)
            .collect()
    };
    let names: Vec<&str> = [row.given.as_deref(), row.family.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let name_plain: Vec<String> = names.iter().flat_map(|n| tokens(n)).collect();
    let name_skeleton: Vec<String> = names.iter().flat_map(|n| fold::skeleton_words(n)).collect();
    let number = tokens(&row.hit.case_number);
    let pseudonym = tokens(&row.hit.pseudonym);
    let phone: Vec<String> = row
        .phone
        .as_deref()
        .map(|p| phone_terms(p).split(' ').map(fold::plain).collect())
        .unwrap_or_default();
    let (mut by_name, mut by_phone, mut by_pseudonym) = (false, false, false);
    for word in words {
        let plain = fold::plain(word);
        let skeleton = fold::skeleton(word);
        let starts =
            |list: &[String], w: &str| !w.is_empty() && list.iter().any(|t| t.starts_with(w));
        if starts(&name_plain, &plain) || starts(&name_skeleton, &skeleton) {
            by_name = true;
        } else if starts(&phone, &plain) && !starts(&number, &plain) {
            by_phone = true;
        } else if starts(&pseudonym, &plain) {
            by_pseudonym = true;
        }
    }
    if by_name {
        let name = names.join(" ");
        (MatchReason::Name, (!name.is_empty()).then_some(name))
    } else if by_phone {
        (MatchReason::Phone, None)
    } else if by_pseudonym {
        (MatchReason::Pseudonym, None)
    } else {
        (MatchReason::CaseNumber, None)
    }
}

/// Searches as `user` (with `disciplines`): first the cases whose number, pseudonym or
/// phone number is exactly the text typed, then the best of the index's matches. A deleted
/// case is never a result, whatever of it is still indexed (its notes stay in the index
/// when the case itself is deleted, here or on another computer).
pub(crate) fn search(
    conn: &Connection,
    user: &str,
    disciplines: &[String],
    text: &str,
    limit: u32,
) -> Result<Vec<SearchHit>> {
    let text = text.trim();
    if text.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let limit_n = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut hits = exact_hits(conn, text)?;
    if hits.len() >= limit_n {
        hits.truncate(limit_n);
        return Ok(hits);
    }
    let Some(query) = fts_query(text) else {
        return Ok(hits);
    };
    let words = query_words(text);
    let disciplines = format!(",{},", disciplines.join(","));
    // # Why the ranking is bounded
    // Ranking every match by bm25 costs as much as there are matches: a common word in
    // 100,000 notes took ~90 ms, in 1,000,000 over a second. The index is walked newest
    // first (rowids grow with every write), the newest CANDIDATES matches are ranked, and the
    // best of those are shown: recent work first, which is what a counsellor looks for, and
    // every rare word (a name, a phone number, a case number) is still found wherever it is.
    let mut stmt = conn.prepare_cached(&format!(
        "WITH hit AS (
             SELECT rowid, rank, snippet(search_fts, 0, '[', ']', '…', 10) AS extract
             FROM search_fts WHERE search_fts MATCH ?1
             ORDER BY rowid DESC LIMIT ?5)
         SELECT d.kind, d.ref_id, CASE d.kind WHEN 'note' THEN hit.extract END, {CASE_COLUMNS}
         FROM hit
         CROSS JOIN search_doc d ON d.rowid = hit.rowid
         CROSS JOIN case_file c ON c.id = d.case_id
         CROSS JOIN client cl ON cl.id = c.client_id
         WHERE c.deleted_at IS NULL
           AND (d.restricted_to IS NULL OR d.author = ?2
                OR instr(?3, ',' || d.restricted_to || ',') > 0)
         ORDER BY hit.rank
         LIMIT ?4"
    ))?;
    let rows = stmt
        .query_map(
            params![query, user, disciplines, limit + 8, CANDIDATES],
            |r| {
                let kind: String = r.get(0)?;
                let ref_id: String = r.get(1)?;
                let snippet: Option<String> = r.get(2)?;
                Ok((kind, ref_id, snippet, case_row(r, 3)?))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (kind, ref_id, snippet, row) in rows {
        if hits.len() >= limit_n {
            break;
        }
        if kind == "note" {
            let mut hit = row.hit;
            hit.kind = kind;
            hit.note_id = Some(ref_id);
            hit.snippet = snippet;
            hit.matched = MatchReason::Note;
            hits.push(hit);
        } else if !hits.iter().any(|h| h.exact && h.case_id == row.hit.case_id) {
            let (why, name) = case_reason(&row, &words);
            let mut hit = row.hit;
            hit.matched = why;
            hit.name = name;
            hits.push(hit);
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_a_safe_prefix_query() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(
            fts_query("Žemaitė 612"),
            Some("(\"Žemaitė\"* OR \"zemaite\"*) AND \"612\"*".into())
        );
        // Numbers are looked for as typed: doubled digits are not one.
        assert_eq!(
            fts_query("KLP-01-2026-0002"),
            Some("\"KLP\"* AND \"01\"* AND \"2026\"* AND \"0002\"*".into())
        );
        // FTS5 operators and quotes typed by a person are just separators.
        assert_eq!(
            fts_query("a\" OR b* NEAR(c)"),
            Some("\"a\"* AND \"OR\"* AND \"b\"* AND \"NEAR\"* AND \"c\"*".into())
        );
    }

    #[test]
    fn phone_numbers_are_indexed_in_several_spellings() {
        let terms = phone_terms("+370 612 34567");
        for t in ["37061234567", "1234567", "61234567", "061234567"] {
            assert!(terms.split(' ').any(|x| x == t), "{t} missing from {terms}");
        }
    }
}
