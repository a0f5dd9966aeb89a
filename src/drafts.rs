//! Drafts: work in progress (an intake saved part-way) kept inside the encrypted store, so
//! nothing typed is lost when the app locks. Each person sees only their own drafts; drafts
//! never leave the installation.

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::Store;

/// The largest draft accepted, in bytes of JSON.
pub const MAX_DRAFT_BYTES: usize = 1024 * 1024;

/// A draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Draft {
    /// Id.
    pub id: String,
    /// What it is a draft of, e.g. `intake`.
    pub kind: String,
    /// A short title for the list (no names: e.g. "Intake — police referral").
    pub title: String,
    /// The form's content as JSON, as the UI wrote it.
    pub body: String,
    /// Last saved (RFC 3339, UTC).
    pub updated_at: String,
}

impl Store {
    /// Saves a draft (a new one when `id` is `None`) and returns its id.
    pub fn save_draft(
        &self,
        id: Option<&str>,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Result<String> {
        if body.len() > MAX_DRAFT_BYTES {
            return Err(Error::invalid(
                "the draft is too large to keep; finish or shorten it",
            ));
        }
        let id = id.map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
        self.conn.execute(
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
        )?;
        Ok(id)
    }

    /// The signed-in person's drafts, newest first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT id, kind, title, body, updated_at FROM draft WHERE username = ?1 ORDER BY updated_at DESC",
            )?
            .query_map([&self.ctx.user], |r| {
                Ok(Draft {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    title: r.get(2)?,
                    body: r.get(3)?,
                    updated_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One of the signed-in person's drafts.
    pub fn draft(&self, id: &str) -> Result<Draft> {
        self.conn
            .prepare_cached(
                "SELECT id, kind, title, body, updated_at FROM draft WHERE id = ?1 AND username = ?2",
            )?
            .query_row(params![id, self.ctx.user], |r| {
                Ok(Draft {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    title: r.get(2)?,
                    body: r.get(3)?,
                    updated_at: r.get(4)?,
                })
            })
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "draft", id: id.to_owned() })
    }

    /// Deletes a draft (when the intake is finished or abandoned).
    pub fn delete_draft(&self, id: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM draft WHERE id = ?1 AND username = ?2",
            params![id, self.ctx.user],
        )?;
        Ok(())
    }
}
