//! Drafts: work in progress kept inside the encrypted store, so nothing typed is lost when
//! the app locks. An intake saved part-way is a draft with its own id; every other form
//! that takes typing (a note, a service contact, a referral, a protection order, a risk
//! assessment, a safety plan, a case analysis, a correction ...) keeps at most one draft per
//! person, form, case and record: its [`DraftKey`]. Each person sees only their own drafts;
//! drafts never leave the installation (no bundle, backup aside, carries them).

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::CaseId;
use crate::store::Store;

/// The largest draft accepted, in bytes of JSON.
pub const MAX_DRAFT_BYTES: usize = 1024 * 1024;

/// The longest form kind or record id accepted in a [`DraftKey`].
const MAX_KEY_PART: usize = 64;

/// A draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Draft {
    /// Id.
    pub id: String,
    /// What it is a draft of, e.g. `intake`, `note`, `risk_assessment`.
    pub kind: String,
    /// A short title for the list (no names: e.g. "Intake — police referral").
    pub title: String,
    /// The form's content as JSON, as the UI wrote it.
    pub body: String,
    /// Last saved (RFC 3339, UTC).
    pub updated_at: String,
    /// The case the form belongs to (none for an intake).
    pub case_id: Option<CaseId>,
    /// The record the form changes (a correction), if any.
    pub record_id: Option<String>,
}

/// Which form a draft belongs to: the form's kind, its case and the record it changes. With
/// the signed-in person, it names at most one draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DraftKey {
    /// The form, e.g. `note` or `risk_assessment` (lowercase letters, digits and `_`).
    pub kind: String,
    /// The case, if the form belongs to one.
    pub case_id: Option<CaseId>,
    /// The record the form changes, if any.
    pub record_id: Option<String>,
}

impl DraftKey {
    fn check(&self) -> Result<()> {
        let kind_ok = !self.kind.is_empty()
            && self.kind.len() <= MAX_KEY_PART
            && self
                .kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !kind_ok || self.kind == "intake" {
            return Err(Error::invalid(format!(
                "'{}' is not a form that keeps drafts; use lowercase letters, digits and _",
                self.kind
            )));
        }
        if let Some(r) = &self.record_id
            && (r.is_empty() || r.len() > MAX_KEY_PART)
        {
            return Err(Error::invalid(
                "a draft's record id must be 1 to 64 characters; reopen the form",
            ));
        }
        Ok(())
    }
}

fn check_body(body: &str) -> Result<()> {
    if body.len() > MAX_DRAFT_BYTES {
        return Err(Error::invalid(
            "the draft is too large to keep; finish or shorten it",
        ));
    }
    Ok(())
}

const COLUMNS: &str = "id, kind, title, body, updated_at, case_id, record_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    Ok(Draft {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        updated_at: r.get(4)?,
        case_id: r.get(5)?,
        record_id: r.get(6)?,
    })
}

impl Store {
    /// Saves an intake draft (a new one when `id` is `None`) and returns its id. An `id`
    /// that is another person's draft (a page kept from the last person signed in) is not
    /// written into: the typing is kept as a new draft of the signed-in person, whose id is
    /// returned.
    pub fn save_draft(
        &self,
        id: Option<&str>,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Result<String> {
        check_body(body)?;
        let write = |id: &str| -> Result<usize> {
            Ok(self.conn.execute(
                "INSERT INTO draft (id, username, kind, title, body, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
                     body = excluded.body, updated_at = excluded.updated_at
                 WHERE draft.username = excluded.username",
                params![
                    id,
                    self.ctx.user,
                    kind,
                    title,
                    body,
                    Utc::now().to_rfc3339()
                ],
            )?)
        };
        let id = id.map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
        if write(&id)? > 0 {
            return Ok(id);
        }
        let new = Uuid::now_v7().to_string();
        write(&new)?;
        Ok(new)
    }

    /// The signed-in person's drafts, newest first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let rows = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM draft WHERE username = ?1 ORDER BY updated_at DESC"
            ))?
            .query_map([&self.ctx.user], row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One of the signed-in person's drafts.
    pub fn draft(&self, id: &str) -> Result<Draft> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM draft WHERE id = ?1 AND username = ?2"
            ))?
            .query_row(params![id, self.ctx.user], row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "draft",
                id: id.to_owned(),
            })
    }

    /// Deletes a draft (when the intake is finished or abandoned).
    pub fn delete_draft(&self, id: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM draft WHERE id = ?1 AND username = ?2",
            params![id, self.ctx.user],
        )?;
        Ok(())
    }

    /// Keeps the signed-in person's draft of the form `key` names: replaces the one kept
    /// before (one transaction), and returns the draft as kept. Refused, keeping nothing,
    /// for a case that is not in the store (purged).
    pub fn save_form_draft(&self, key: &DraftKey, title: &str, body: &str) -> Result<Draft> {
        key.check()?;
        check_body(body)?;
        let case = key.case_id.map(|c| c.to_string());
        let tx = self.conn.unchecked_transaction()?;
        // A case that is not in the store (purged, here or on another computer, while its
        // form was open) keeps nothing typed about it.
        if let Some(case) = &case {
            let exists: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM case_file WHERE id = ?1)")?
                .query_row([case], |r| r.get(0))?;
            if !exists {
                return Err(Error::NotFound {
                    what: "case",
                    id: case.clone(),
                });
            }
        }
        let existing: Option<String> = tx
            .prepare_cached(
                "SELECT id FROM draft WHERE username = ?1 AND kind = ?2
                 AND case_id IS ?3 AND record_id IS ?4",
            )?
            .query_row(params![self.ctx.user, key.kind, case, key.record_id], |r| {
                r.get(0)
            })
            .optional()?;
        let id = existing.unwrap_or_else(|| Uuid::now_v7().to_string());
        let now = Utc::now().to_rfc3339();
        tx.prepare_cached(
            "INSERT INTO draft (id, username, kind, title, body, updated_at, case_id, record_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body,
                 updated_at = excluded.updated_at",
        )?
        .execute(params![
            id,
            self.ctx.user,
            key.kind,
            title,
            body,
            now,
            case,
            key.record_id
        ])?;
        tx.commit()?;
        Ok(Draft {
            id,
            kind: key.kind.clone(),
            title: title.to_owned(),
            body: body.to_owned(),
            updated_at: now,
            case_id: key.case_id,
            record_id: key.record_id.clone(),
        })
    }

    /// The signed-in person's draft of the form `key` names, if one is kept.
    pub fn form_draft(&self, key: &DraftKey) -> Result<Option<Draft>> {
        key.check()?;
        let case = key.case_id.map(|c| c.to_string());
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM draft WHERE username = ?1 AND kind = ?2
                 AND case_id IS ?3 AND record_id IS ?4"
            ))?
            .query_row(params![self.ctx.user, key.kind, case, key.record_id], row)
            .optional()?)
    }

    /// Removes the signed-in person's draft of the form `key` names (the form was saved or
    /// its input thrown away); nothing happens when there is none.
    pub fn discard_form_draft(&self, key: &DraftKey) -> Result<()> {
        key.check()?;
        let case = key.case_id.map(|c| c.to_string());
        self.conn
            .prepare_cached(
                "DELETE FROM draft WHERE username = ?1 AND kind = ?2
                 AND case_id IS ?3 AND record_id IS ?4",
            )?
            .execute(params![self.ctx.user, key.kind, case, key.record_id])?;
        Ok(())
    }
}
