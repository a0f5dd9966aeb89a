//! The referral directory received as reference data: read through `crate::directory`,
//! checked against the version in force, and written.

use rusqlite::Connection;

use super::{
    ItemWords, Origin, ReferenceData, ReferenceOutcome, against, in_force_row, outcome, read_item,
    store_item,
};
use crate::codes::CodeLists;
use crate::directory::{DIRECTORY_ID, parse_directory, write_directory};
use crate::error::Result;

const DIRECTORY_WORDS: ItemWords = ItemWords {
    id: DIRECTORY_ID,
    travels: "the directory travels",
    says: "the directory says",
    was: "was",
};

/// Applies the directory inside the caller's transaction (see [`super::apply`]).
pub(super) fn apply(
    conn: &Connection,
    codes: &'static CodeLists,
    d: &ReferenceData,
    origin: &Origin<'_>,
    now: &str,
) -> Result<ReferenceOutcome> {
    let read = read_item(
        d,
        &DIRECTORY_WORDS,
        |body| parse_directory(body, codes).map_err(|e| e.to_string()),
        |file| &file.version,
    );
    let file = match read {
        Ok(file) => file,
        Err(rejected) => return Ok(rejected),
    };
    let have = in_force_row(conn, "directory", DIRECTORY_ID)?;
    if let Some(o) = against(d, have.as_ref().map(|(v, s)| (v.as_str(), s.as_str()))) {
        return Ok(o);
    }
    write_directory(conn, &file)?;
    store_item(conn, d, origin, now)?;
    Ok(outcome(d, "applied", None))
}
