//! Code lists received as reference data: read, checked against the lists in use (a newer
//! list may add codes and labels, never drop one) and put in force.

use rusqlite::Connection;

use super::{
    ItemWords, Origin, ReferenceData, ReferenceOutcome, against, in_force_row, outcome, read_item,
    sha256_hex, store_item,
};
use crate::centre::Language;
use crate::codes::CodeLists;
use crate::error::Result;
use crate::store::context::CODE_LISTS_ID;

const CODE_LISTS_WORDS: ItemWords = ItemWords {
    id: CODE_LISTS_ID,
    travels: "code lists travel",
    says: "the code lists say",
    was: "were",
};

/// Every code of every list, as (list, code).
fn all_codes(codes: &CodeLists) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for list in codes.list_names() {
        for o in codes.options(list, Language::En, None) {
            out.push((list.to_owned(), o.code));
        }
    }
    out
}

/// Applies code lists inside the caller's transaction (see [`super::apply`]).
pub(super) fn apply(
    conn: &Connection,
    codes: &'static CodeLists,
    d: &ReferenceData,
    origin: &Origin<'_>,
    now: &str,
) -> Result<ReferenceOutcome> {
    let read = read_item(
        d,
        &CODE_LISTS_WORDS,
        |body| CodeLists::parse(body).map_err(|e| format!("the code lists cannot be used: {e}")),
        |lists| lists.version(),
    );
    let lists = match read {
        Ok(lists) => lists,
        Err(rejected) => return Ok(rejected),
    };
    // The lists in use (built-in or in force) are the baseline: same hash → unchanged.
    let have = in_force_row(conn, "code_lists", CODE_LISTS_ID)?;
    let current = codes.version().to_owned();
    let current_sha = match &have {
        Some((v, sha)) if *v == current => sha.clone(),
        _ => sha256_hex(crate::codes::builtin_text()),
    };
    if let Some(o) = against(d, Some((&current, &current_sha))) {
        return Ok(o);
    }
    // Records carry codes: a newer list may add codes and labels, never drop one.
    let new: std::collections::HashSet<(String, String)> = all_codes(&lists).into_iter().collect();
    if let Some((list, code)) = all_codes(codes).into_iter().find(|c| !new.contains(c)) {
        return Ok(outcome(
            d,
            "rejected",
            Some(format!(
                "version {} drops code '{code}' of list '{list}', which records here may carry; a newer list may add codes, never remove them",
                d.version
            )),
        ));
    }
    store_item(conn, d, origin, now)?;
    Ok(outcome(d, "applied", None))
}
