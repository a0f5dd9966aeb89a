//! The access log as people read it: one case's entries, the newest of the whole log, and
//! the check of its hash chain, each for those who may read the log
//! ([`Permission::ReadAccessLog`]). The chain itself — its entries, their hashes and the
//! writer every domain calls in its own transaction — is `crate::store::access_log`'s.

use crate::admin::Permission;
use crate::error::Result;
use crate::ids::CaseId;
use crate::store::Store;
use crate::store::access_log::row;
pub use crate::store::access_log::{AccessEntry, Action};
pub(crate) use crate::store::access_log::{append, log_search, verify};

/// An entry as listed, with the number of its case (from `LISTED`).
fn listed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccessEntry> {
    Ok(AccessEntry {
        case_number: r.get("case_number")?,
        ..row(r)?
    })
}

/// The columns of a listed entry: the entry and its case's number, if the case is here.
const LISTED: &str = "SELECT l.seq, l.at, l.username, l.action, l.case_id, l.detail, c.case_number
     FROM access_log l LEFT JOIN case_file c ON c.id = l.case_id";

impl Store {
    /// Records an action in the access log.
    pub fn log_access(
        &self,
        action: Action,
        case: Option<CaseId>,
        detail: Option<&str>,
    ) -> Result<()> {
        append(&self.conn, &self.ctx.user, action, case, detail)
    }

    /// The access log of one case, newest first.
    pub fn access_log_for_case(&self, case: CaseId) -> Result<Vec<AccessEntry>> {
        self.require(Permission::ReadAccessLog)?;
        let rows = self
            .conn
            .prepare_cached(&format!(
                "{LISTED} WHERE l.case_id = ?1 ORDER BY l.seq DESC"
            ))?
            .query_map([case.to_string()], listed_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The newest entries of the whole access log.
    pub fn access_log(&self, limit: u32) -> Result<Vec<AccessEntry>> {
        self.require(Permission::ReadAccessLog)?;
        let rows = self
            .conn
            .prepare_cached(&format!("{LISTED} ORDER BY l.seq DESC LIMIT ?1"))?
            .query_map([limit], listed_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Checks the hash chain of the whole log; returns how many entries it holds. A
    /// removed or edited entry gives [`Error::AccessLogAltered`] naming it.
    pub fn verify_access_log(&self) -> Result<u64> {
        self.require(Permission::ReadAccessLog)?;
        verify(&self.conn)
    }
}
