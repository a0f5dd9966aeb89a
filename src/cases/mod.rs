//! The case record: clients, cases and everything recorded in them, versioned for sync,
//! searchable, and the work queues built on them.
//!
//! - `model` — the types the shells send and receive;
//! - `write` — [`Batch`], the one way to write (one transaction, versions, change log);
//! - `intake` — a new case recorded whole in one transaction ([`Intake`]);
//! - `read` — a case with its sub-records, case lists, protected identity, documents;
//! - `search` — FTS5 over names, pseudonyms, phones, case numbers and notes, exact
//!   matches first;
//! - `fold` — the one folding of names (diacritics, transliteration) and phone numbers
//!   that search and the duplicate check share;
//! - `duplicates` — possible existing clients while a new one is typed at intake;
//! - `client_history` — corrections of a client's details with before/after history;
//! - `queues` — my work, follow-ups, police notifications with their deadline;
//! - `changes` — the change log a bundle export reads;
//! - `letters` — referral letters holding only the consented details;
//! - `conference` — case conferences (multi-agency risk meetings), actions, outcomes;
//! - `appointments` — appointments with a client (day, time, place, who); stay at the centre.

pub mod appointments;
pub mod changes;
pub mod client_history;
pub mod conference;
pub mod consents;
pub mod duplicates;
pub mod fold;
pub mod intake;
pub mod letters;
pub mod model;
pub mod read;
pub mod search;
pub mod write;

pub use crate::store::WriteContext;
pub use appointments::{Appointment, AppointmentFields, AppointmentKind};
pub use changes::Change;
pub use client_history::{ClientDetails, ClientRevision};
pub use conference::{
    ActionOutcome, ActionOutcomeFields, Conference, ConferenceAction, ConferenceActionFields,
    ConferenceFields, ConferenceFollowUp,
};
pub use duplicates::{DuplicateCase, DuplicateReason, PossibleDuplicate};
pub use intake::Intake;
pub use letters::{LetterLine, ReferralLetter, ReferralLetterSummary};
pub use model::*;
pub use search::{MatchReason, SearchHit};
pub use write::Batch;

use chrono::Utc;
use rusqlite::OptionalExtension;

use crate::audit::Action;

use crate::error::Result;
use crate::ids::{CaseId, ClientId, DocumentId};
use crate::store::Store;

impl Store {
    /// Runs `write` in one transaction: everything it does is committed together, or —
    /// if it returns an error — nothing is.
    pub fn batch<T>(&mut self, write: impl FnOnce(&mut Batch<'_>) -> Result<T>) -> Result<T> {
        self.batch_or_roll_back(true, write)
    }

    /// [`Store::batch`], but with `commit` false everything is checked and done, then rolled
    /// back (a dry run).
    pub(crate) fn batch_or_roll_back<T>(
        &mut self,
        commit: bool,
        write: impl FnOnce(&mut Batch<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self.conn.transaction()?;
        let mut batch = Batch {
            tx,
            ctx: &mut self.ctx,
            now: Utc::now().to_rfc3339(),
            touched: Vec::new(),
            touched_set: std::collections::HashSet::new(),
            live: Vec::new(),
            search_pending: None,
            log_pending: Vec::new(),
            case_series: None,
        };
        let value = write(&mut batch)?;
        batch.flush_search_index()?;
        batch.flush_change_log()?;
        crate::store::access_log::append_for_cases(
            &batch.tx,
            &batch.ctx.user,
            Action::Change,
            &batch.touched,
        )?;
        if commit {
            batch.tx.commit()?;
        }
        Ok(value)
    }

    /// Who writes, for which centre, with which code lists.
    pub fn context(&self) -> &WriteContext {
        &self.ctx
    }

    /// A client, without names, phone or address.
    pub fn client(&self, id: ClientId) -> Result<Client> {
        read::client(&self.conn, id)
    }

    /// A client's names, phone and address; the view is recorded in the access log.
    pub fn client_identity(&self, id: ClientId) -> Result<ClientIdentity> {
        let identity = read::client_identity(&self.conn, id)?;
        let case: Option<CaseId> = self
            .conn
            .prepare_cached(
                "SELECT id FROM case_file WHERE client_id = ?1 ORDER BY opened_on DESC LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?;
        self.log_access(Action::ViewIdentity, case, Some(&format!("client {id}")))?;
        Ok(identity)
    }

    /// A case.
    pub fn case(&self, id: CaseId) -> Result<Case> {
        read::case(&self.conn, id)
    }

    /// The case with this number (e.g. `KLP-01-2026-0042`).
    pub fn case_by_number(&self, number: &str) -> Result<CaseId> {
        read::case_by_number(&self.conn, number)
    }

    /// A case with all the current sub-records the signed-in person may see; the view is
    /// recorded in the access log.
    pub fn case_detail(&self, id: CaseId) -> Result<CaseDetail> {
        let detail = read::case_detail(&self.conn, &self.ctx.user, &self.ctx.disciplines, id)?;
        self.log_access(Action::ViewCase, Some(id), None)?;
        Ok(detail)
    }

    /// The versions of an append-only record, the asked-for one first, then each version it
    /// corrected; the view is recorded in the access log.
    pub fn record_history(&self, record: RecordRef) -> Result<RecordHistory> {
        let (case, history) =
            read::record_history(&self.conn, &self.ctx.user, &self.ctx.disciplines, record)?;
        self.log_access(Action::ViewCase, Some(case), Some("history of a record"))?;
        Ok(history)
    }

    /// Cases matching a filter, newest first.
    pub fn case_list(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>> {
        read::case_list(&self.conn, filter)
    }

    /// A document's media type and content; the view is recorded in the access log.
    pub fn document_content(&self, id: DocumentId) -> Result<(String, Vec<u8>)> {
        let (case, media_type, content) = read::document_content(&self.conn, id)?;
        self.log_access(
            Action::ViewDocument,
            Some(case),
            Some(&format!("document {id}")),
        )?;
        Ok((media_type, content))
    }

    /// Full-text search, best matches first (at most `limit`, default 50). Every search
    /// that looks something up is recorded in the access log: each case it showed (not the
    /// words searched for), or that it found nothing.
    pub fn search(&self, text: &str, limit: Option<u32>) -> Result<Vec<SearchHit>> {
        let hits = search::search(
            &self.conn,
            &self.ctx.user,
            &self.ctx.disciplines,
            text,
            limit.unwrap_or(search::DEFAULT_LIMIT),
        )?;
        if search::fts_query(text).is_some() {
            crate::audit::log_search(
                &self.conn,
                &self.ctx.user,
                hits.iter().map(|h| (h.case_id, h.note_id.as_deref())),
            )?;
        }
        Ok(hits)
    }

    /// Changes after sequence `since`, oldest first.
    pub fn changes_since(&self, since: i64, limit: u32) -> Result<Vec<Change>> {
        changes::changes_since(&self.conn, since, limit)
    }

    /// The database connection itself, for benchmarks and tests that measure the raw engine
    /// beside Atrama. It bypasses versions, the change log and permissions: the shells never
    /// use it.
    #[doc(hidden)]
    pub fn dangerously_raw_connection(&self) -> &rusqlite::Connection {
        &self.conn
    }

    /// The newest change-log sequence number.
    pub fn last_change_seq(&self) -> Result<i64> {
        changes::last_seq(&self.conn)
    }
}
