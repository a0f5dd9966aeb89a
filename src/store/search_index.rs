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
    let (rowid, body) = put_doc_row(conn, ref_id, kind, case, restricted_to, author, body)?;
    conn.prepare_cached("INSERT INTO search_fts (rowid, body) VALUES (?1, ?2)")?
        .execute(params![rowid, body])?;
    Ok(())
}

/// The document's row in `search_doc` (there must be none for `ref_id`: the caller has
/// removed it, or the record is new), and the text its full-text row is to hold.
fn put_doc_row(
    conn: &Connection,
    ref_id: &str,
    kind: &str,
    case: CaseId,
    restricted_to: Option<&str>,
    author: Option<&str>,
    body: &str,
) -> Result<(i64, String)> {
    let body = with_folded_variants(body).into_owned();
    let rowid: i64 = conn
        .prepare_cached(
            "INSERT INTO search_doc (ref_id, kind, case_id, restricted_to, author)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING rowid",
        )?
        .query_row(params![ref_id, kind, case, restricted_to, author], |r| {
            r.get(0)
        })?;
    Ok((rowid, body))
}

/// Full-text rows not yet written: a batch that indexes many new cases (a spreadsheet
/// import) writes them in one statement per chunk ([`PendingFts::flush`]). FTS5 writes its
/// pending terms to disk at every savepoint, and every later statement of the transaction
/// that may abort opens one; one full-text insert per case therefore wrote one tiny index
/// segment per case (and merged them), where one insert per chunk writes one segment per
/// chunk. The `search_doc` rows are written at once; the full-text rows before the
/// transaction commits.
#[derive(Debug, Default)]
pub(crate) struct PendingFts {
    rows: Vec<(i64, String)>,
}

impl PendingFts {
    /// How many documents are held before they are written.
    pub(crate) const CHUNK: usize = 500;

    pub(crate) fn is_full(&self) -> bool {
        self.rows.len() >= Self::CHUNK
    }

    /// Writes the held full-text rows in one statement.
    pub(crate) fn flush(&mut self, conn: &Connection) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let json = serde_json::to_string(&self.rows).map_err(|e| {
            crate::error::Error::invalid(format!("the search index could not be written: {e}"))
        })?;
        conn.prepare_cached(
            "INSERT INTO search_fts (rowid, body)
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)",
        )?
        .execute([json])?;
        self.rows.clear();
        Ok(())
    }
}

/// [`index_case`] for a case just opened, with the full-text row held in `pending`.
pub(crate) fn index_case_pending(
    conn: &Connection,
    case: CaseId,
    pending: &mut PendingFts,
) -> Result<()> {
    // A case just opened has no document to replace (its id is new): no `unindex`.
    let body = case_body(conn, case)?;
    let row = put_doc_row(conn, &case.to_string(), "case", case, None, None, &body)?;
    pending.rows.push(row);
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
    let body = case_body(conn, case)?;
    put_doc(conn, &case.to_string(), "case", case, None, None, &body)
}

/// The text a case's document indexes.
fn case_body(conn: &Connection, case: CaseId) -> Result<String> {
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
    Ok(body)
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
