//! Writing the full-text search index (an FTS5 table inside the encrypted database, see
//! `crate::cases::search` for how it is read): one document per case (case number,
//! pseudonym, names and phone numbers in several spellings) and one per note. The case
//! writes keep it in step in their transaction; an index written by an older version is
//! rebuilt once when the store is opened ([`upgrade_index`]).

use rusqlite::{Connection, OptionalExtension, params};

use crate::cases::fold;
use crate::cases::model::NoteFields;
use crate::error::Result;
use crate::ids::CaseId;

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

pub(crate) fn fold(word: &str) -> String {
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
