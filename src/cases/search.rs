//! Full-text search over names, pseudonyms, phone numbers, case numbers and note text.
//!
//! The index is an FTS5 table (`unicode61 remove_diacritics 2`, so "ieskinys" finds
//! "ieškinys" and "Ļena" finds "Lena") inside the encrypted database: protected fields are
//! searchable, but never from a plaintext index. One index document per case (case number,
//! pseudonym, names, phone numbers in several spellings) and one per note; restricted notes
//! carry their discipline, and a search shows them only to those who may read them.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::model::NoteFields;
use crate::error::Result;
use crate::ids::CaseId;

/// Results a search returns at most, unless asked for fewer.
pub const DEFAULT_LIMIT: u32 = 50;
/// How many of the newest matches are ranked (see `search`).
pub const CANDIDATES: u32 = 500;

/// One search result, with the case it belongs to.
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
}

fn put_doc(
    conn: &Connection,
    ref_id: &str,
    kind: &str,
    case: CaseId,
    restricted_to: Option<&str>,
    author: Option<&str>,
    body: &str,
) -> Result<()> {
    unindex(conn, ref_id)?;
    let body = with_folded_variants(body);
    let rowid: i64 = conn
        .prepare_cached(
            "INSERT INTO search_doc (ref_id, kind, case_id, restricted_to, author)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING rowid",
        )?
        .query_row(params![ref_id, kind, case, restricted_to, author], |r| {
            r.get(0)
        })?;
    conn.prepare_cached("INSERT INTO search_fts (rowid, body) VALUES (?1, ?2)")?
        .execute(params![rowid, body.as_ref()])?;
    Ok(())
}

/// Removes a document from the index (a deleted or corrected note, a deleted case).
pub(crate) fn unindex(conn: &Connection, ref_id: &str) -> Result<()> {
    let rowid: Option<i64> = conn
        .prepare_cached("DELETE FROM search_doc WHERE ref_id = ?1 RETURNING rowid")?
        .query_row([ref_id], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = rowid {
        conn.prepare_cached("DELETE FROM search_fts WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

/// (Re)indexes a case: its number, its client's pseudonym, names and phone numbers.
pub(crate) fn index_case(conn: &Connection, case: CaseId) -> Result<()> {
    let (number, pseudonym, given, family, phone): (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = conn
        .prepare_cached(
            "SELECT c.case_number, cl.pseudonym, cl.given_name, cl.family_name, cl.phone
             FROM case_file c JOIN client cl ON cl.id = c.client_id WHERE c.id = ?1",
        )?
        .query_row([case], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    let mut body = format!("{number} {pseudonym}");
    for part in [given, family].into_iter().flatten() {
        body.push(' ');
        body.push_str(&part);
    }
    if let Some(phone) = phone {
        body.push(' ');
        body.push_str(&phone_terms(&phone));
    }
    put_doc(conn, &case.to_string(), "case", case, None, None, &body)
}

/// Indexes a note's text.
pub(crate) fn index_note(
    conn: &Connection,
    note_id: &str,
    case: CaseId,
    note: &NoteFields,
    author: &str,
) -> Result<()> {
    put_doc(
        conn,
        note_id,
        "note",
        case,
        note.restricted_to.as_deref(),
        Some(author),
        &note.body,
    )
}

/// The ways a phone number is looked for: as written, all digits, and the last 7, 8 and 9
/// digits (so "+370 612 34567", "861234567" and "61234567" all find it).
pub fn phone_terms(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let mut terms = vec![phone.to_owned()];
    if !digits.is_empty() {
        terms.push(digits.clone());
        for n in [7, 8, 9] {
            if digits.len() > n {
                terms.push(digits[digits.len() - n..].to_owned());
            }
        }
    }
    terms.join(" ")
}

/// Letters FTS5's `remove_diacritics` leaves alone (it folds Latin script only), with the
/// letter people type instead: Russian ё is usually written е.
const FOLDS: &[(char, char)] = &[('ё', 'е'), ('Ё', 'Е')];

fn fold(word: &str) -> String {
    word.chars()
        .map(|c| {
            FOLDS
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to)
        })
        .collect()
}

/// The text to index: as written, then the folded spelling of every word that has a
/// letter to fold, so both spellings find it and extracts still show the original.
fn with_folded_variants(body: &str) -> std::borrow::Cow<'_, str> {
    if !body
        .chars()
        .any(|c| FOLDS.iter().any(|(from, _)| *from == c))
    {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = body.to_owned();
    for word in body.split(|c: char| !c.is_alphanumeric()) {
        if word
            .chars()
            .any(|c| FOLDS.iter().any(|(from, _)| *from == c))
        {
            out.push(' ');
            out.push_str(&fold(word));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Turns what a person typed into an FTS5 query: every word must match, each as a prefix;
/// FTS5 syntax in the input has no effect (each word is quoted).
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{}\"*", fold(w)))
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }
}

/// Searches the index as `user` (with `disciplines`), best matches first.
pub(crate) fn search(
    conn: &Connection,
    user: &str,
    disciplines: &[String],
    text: &str,
    limit: u32,
) -> Result<Vec<SearchHit>> {
    let Some(query) = fts_query(text) else {
        return Ok(Vec::new());
    };
    let disciplines = format!(",{},", disciplines.join(","));
    // # Why the ranking is bounded
    // Ranking every match by bm25 costs as much as there are matches: a common word in
    // 100,000 notes took ~90 ms, in 1,000,000 over a second. The index is walked newest
    // first (rowids grow with every write), the newest CANDIDATES matches are ranked, and the
    // best of those are shown: recent work first, which is what a counsellor looks for, and
    // every rare word (a name, a phone number, a case number) is still found wherever it is.
    let mut stmt = conn.prepare_cached(
        "WITH hit AS (
             SELECT rowid, rank, snippet(search_fts, 0, '[', ']', '…', 10) AS extract
             FROM search_fts WHERE search_fts MATCH ?1
             ORDER BY rowid DESC LIMIT ?5)
         SELECT d.case_id, c.case_number, cl.pseudonym, c.status, d.kind, d.ref_id,
                CASE d.kind WHEN 'note' THEN hit.extract END
         FROM hit
         CROSS JOIN search_doc d ON d.rowid = hit.rowid
         CROSS JOIN case_file c ON c.id = d.case_id
         CROSS JOIN client cl ON cl.id = c.client_id
         WHERE (d.restricted_to IS NULL OR d.author = ?2
                OR instr(?3, ',' || d.restricted_to || ',') > 0)
         ORDER BY hit.rank
         LIMIT ?4",
    )?;
    let hits = stmt
        .query_map(params![query, user, disciplines, limit, CANDIDATES], |r| {
            let kind: String = r.get(4)?;
            let ref_id: String = r.get(5)?;
            Ok(SearchHit {
                case_id: r.get(0)?,
                case_number: r.get(1)?,
                pseudonym: r.get(2)?,
                status: r.get(3)?,
                note_id: (kind == "note").then_some(ref_id),
                kind,
                snippet: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
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
            Some("\"Žemaitė\"* \"612\"*".into())
        );
        // FTS5 operators and quotes typed by a person are just separators.
        assert_eq!(
            fts_query("a\" OR b* NEAR(c)"),
            Some("\"a\"* \"OR\"* \"b\"* \"NEAR\"* \"c\"*".into())
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
