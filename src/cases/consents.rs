//! What a client's consents allow, read where the data leaves or is used: whether a case
//! may go to the coordination centre in a statistics bundle (and whether a withdrawal must
//! follow it there), and whether a case went to another centre with her consent to a
//! transfer. The consents themselves are written through [`crate::cases::Batch`].

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::ids::CaseId;

/// Whether the client of `case` currently consents to non-identifiable statistics: the
/// newest current (not superseded, not deleted) `statistics` consent event says given.
pub(crate) fn statistics_given(conn: &Connection, case: &str) -> Result<bool> {
    let given: Option<i64> = conn
        .prepare_cached(
            "SELECT given FROM consent_event e
             WHERE case_id = ?1 AND purpose = 'statistics' AND deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM consent_event n WHERE n.supersedes = e.id)
             ORDER BY on_date DESC, hlc DESC LIMIT 1",
        )?
        .query_row([case], |r| r.get(0))
        .optional()?;
    Ok(given == Some(1))
}

/// Whether the client of `case` ever gave consent to statistics (so the case may be at the
/// coordinator, and a withdrawal must reach it).
pub(crate) fn statistics_ever_given(conn: &Connection, case: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM consent_event
             WHERE case_id = ?1 AND purpose = 'statistics' AND given = 1)",
        )?
        .query_row([case], |r| r.get(0))?)
}

/// The centre `case` was sent to in a transfer bundle, if it was: the case is that centre's
/// now (it is neither transferred again nor reopened here).
pub(crate) fn sent_to(conn: &Connection, case: CaseId) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT peer_centre FROM case_transfer WHERE case_id = ?1 AND direction = 'out'",
            [case],
            |r| r.get(0),
        )
        .optional()?)
}
