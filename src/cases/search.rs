//! Full-text search over names, pseudonyms, phone numbers, case numbers and note text.
//!
//! The index is an FTS5 table (`unicode61 remove_diacritics 2`, so "ieskinys" finds
//! "ieškinys" and "Ļena" finds "Lena") inside the encrypted database: protected fields are
//! searchable, but never from a plaintext index. One index document per case (case number,
//! pseudonym, names, phone numbers in several spellings) and one per note; restricted notes
//! carry their discipline, and a search shows them only to those who may read them.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::fold;
use super::model::NoteFields;
use crate::error::Result;
use crate::ids::CaseId;

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
        body.push_str(&name_variants(&part));
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

/// The spellings of a name's words that the index adds beside the name as written: the
/// plain form (no diacritics, Cyrillic in Latin letters) and the skeleton
/// (`fold::skeleton`), where they differ from the word, so that "Zilinskiene" and
/// "Жилинскене" find "Žilinskienė".
fn name_variants(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let lower = word.to_lowercase();
        let plain = fold::plain(word);
        let skeleton = fold::skeleton(word);
        for variant in [plain, skeleton] {
            if !variant.is_empty() && variant != lower && !out.split(' ').any(|w| w == variant) {
                out.push(' ');
                out.push_str(&variant);
            }
        }
    }
    out
}

/// The version of what a case's index document holds; older documents are rebuilt at
/// unlock (`upgrade_index`).
const INDEX_VERSION: &str = "2";

/// Rebuilds the case documents written by an older version of `index_case` (before names
/// were indexed in their folded spellings too), once, in one transaction.
pub(crate) fn upgrade_index(conn: &mut Connection) -> Result<()> {
    let current: Option<String> = conn
        .query_row(
            "SELECT value FROM store_meta WHERE key = 'search_index_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if current.as_deref() == Some(INDEX_VERSION) {
        return Ok(());
    }
    // Immediate: another connection unlocking the same store at the same moment (tests that
    // play several people in one process) waits for the write lock instead of failing, and
    // then finds the work done.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let done: Option<String> = tx
        .query_row(
            "SELECT value FROM store_meta WHERE key = 'search_index_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if done.as_deref() == Some(INDEX_VERSION) {
        return Ok(());
    }
    let cases: Vec<CaseId> = tx
        .prepare("SELECT case_id FROM search_doc WHERE kind = 'case'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for case in cases {
        index_case(&tx, case)?;
    }
    tx.execute(
        "INSERT INTO store_meta (key, value) VALUES ('search_index_version', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [INDEX_VERSION],
    )?;
    tx.commit()?;
    Ok(())
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
            let w = fold(w);
            let skeleton = fold::skeleton(&w);
            if skeleton.is_empty() || skeleton == w.to_lowercase() {
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
/// phone number is exactly the text typed, then the best of the index's matches.
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
         WHERE (d.restricted_to IS NULL OR d.author = ?2
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
