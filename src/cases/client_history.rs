//! Corrections of a client's details, versioned with their history.
//!
//! A client is a mutable record (updated in place with a new version, like a case); every
//! change of it through [`Batch::update_client`] also keeps a revision in `client_revision`
//! (migration 0013): who, when, the new version, and every field before and after —
//! protected ones too, which is why the table lives inside the encrypted database, is never
//! exported, and goes with the client when the client row is purged (a trigger). The change
//! itself is in the access log as a `change` of each of the client's cases; reading the
//! details for editing and reading the history are logged as views of the identity.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::model::{ClientFields, ContactSafety, Tri};
use super::write::Batch;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::ids::{CaseId, ClientId};
use crate::store::Store;

/// A client's details as they are now, everything a counsellor records (protected fields
/// included), with the version they were read at: the edit form starts from these and
/// sends the version back, so that a change made meanwhile is never overwritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ClientDetails {
    /// The client.
    pub client_id: ClientId,
    /// The details.
    pub fields: ClientFields,
    /// The version read.
    pub version: Hlc,
    /// The centre that owns the client; only it changes the details.
    pub owner_centre: String,
}

/// One correction of a client's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ClientRevision {
    /// When.
    pub changed_at: DateTime<Utc>,
    /// Who.
    pub changed_by: String,
    /// The version it made.
    pub version: Hlc,
    /// The names of the fields that changed (`given_name`, `phone`,
    /// `contact_safety.safe_to_call`, …).
    pub changed: Vec<String>,
    /// Every field before.
    pub before: ClientFields,
    /// Every field after.
    pub after: ClientFields,
}

/// A client's whole details and version, if the client exists and is not deleted.
pub(crate) fn current(
    conn: &Connection,
    id: ClientId,
) -> Result<Option<(ClientFields, Hlc, String)>> {
    let tri = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<Tri> {
        Ok(Tri::from_code(&r.get::<_, String>(i)?))
    };
    Ok(conn
        .prepare_cached(
            "SELECT pseudonym, given_name, family_name, phone, address, sex, birth_year,
                    age_band, municipality, disability, migrant, language, safe_to_call,
                    safe_to_text, safe_to_visit, if_someone_else_answers, safety_notes, hlc,
                    owner_centre
             FROM client WHERE id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([id], |r| {
            Ok((
                ClientFields {
                    pseudonym: r.get(0)?,
                    given_name: r.get(1)?,
                    family_name: r.get(2)?,
                    phone: r.get(3)?,
                    address: r.get(4)?,
                    sex: r.get(5)?,
                    birth_year: r.get(6)?,
                    age_band: r.get(7)?,
                    municipality: r.get(8)?,
                    disability: tri(r, 9)?,
                    migrant: tri(r, 10)?,
                    language: r.get(11)?,
                    contact_safety: ContactSafety {
                        safe_to_call: tri(r, 12)?,
                        safe_to_text: tri(r, 13)?,
                        safe_to_visit: tri(r, 14)?,
                        if_someone_else_answers: r.get(15)?,
                        notes: r.get(16)?,
                    },
                },
                Hlc::from_sql(r.get(17)?),
                r.get(18)?,
            ))
        })
        .optional()?)
}

/// The names of the fields that differ.
pub fn changed_fields(before: &ClientFields, after: &ClientFields) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, differs: bool| {
        if differs {
            out.push(name.to_owned());
        }
    };
    check("pseudonym", before.pseudonym != after.pseudonym);
    check("given_name", before.given_name != after.given_name);
    check("family_name", before.family_name != after.family_name);
    check("phone", before.phone != after.phone);
    check("address", before.address != after.address);
    check("sex", before.sex != after.sex);
    check("birth_year", before.birth_year != after.birth_year);
    check("age_band", before.age_band != after.age_band);
    check("municipality", before.municipality != after.municipality);
    check("disability", before.disability != after.disability);
    check("migrant", before.migrant != after.migrant);
    check("language", before.language != after.language);
    let (b, a) = (&before.contact_safety, &after.contact_safety);
    check(
        "contact_safety.safe_to_call",
        b.safe_to_call != a.safe_to_call,
    );
    check(
        "contact_safety.safe_to_text",
        b.safe_to_text != a.safe_to_text,
    );
    check(
        "contact_safety.safe_to_visit",
        b.safe_to_visit != a.safe_to_visit,
    );
    check(
        "contact_safety.if_someone_else_answers",
        b.if_someone_else_answers != a.if_someone_else_answers,
    );
    check("contact_safety.notes", b.notes != a.notes);
    out
}

/// Keeps a revision of a client (in the batch's transaction).
pub(crate) fn record(
    b: &Batch<'_>,
    id: ClientId,
    version: Hlc,
    before: &ClientFields,
    after: &ClientFields,
) -> Result<()> {
    let json = |f: &ClientFields| {
        serde_json::to_string(f).map_err(|e| Error::invalid(format!("client details: {e}")))
    };
    b.tx.prepare_cached(
        "INSERT INTO client_revision (client_id, hlc, changed_at, changed_by, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id,
        version.to_sql(),
        b.now,
        b.ctx.user,
        json(before)?,
        json(after)?
    ])?;
    Ok(())
}

fn history(conn: &Connection, id: ClientId) -> Result<Vec<ClientRevision>> {
    let rows = conn
        .prepare_cached(
            "SELECT changed_at, changed_by, hlc, before, after FROM client_revision
             WHERE client_id = ?1 ORDER BY seq DESC",
        )?
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(at, by, hlc, before, after)| {
            let parse = |s: &str| -> Result<ClientFields> {
                serde_json::from_str(s)
                    .map_err(|_| Error::invalid("a stored revision of the client cannot be read"))
            };
            let (before, after) = (parse(&before)?, parse(&after)?);
            Ok(ClientRevision {
                changed_at: DateTime::parse_from_rfc3339(&at)
                    .map(|d| d.with_timezone(&Utc))
                    .unwrap_or_default(),
                changed_by: by,
                version: Hlc::from_sql(hlc),
                changed: changed_fields(&before, &after),
                before,
                after,
            })
        })
        .collect()
}

/// The newest case of a client, for the access log.
fn newest_case(conn: &Connection, id: ClientId) -> Result<Option<CaseId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM case_file WHERE client_id = ?1 AND deleted_at IS NULL
             ORDER BY opened_on DESC LIMIT 1",
        )?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

impl Store {
    /// A client's whole details (protected fields too) and their version, to correct them;
    /// the view is recorded in the access log.
    pub fn client_details(&self, id: ClientId) -> Result<ClientDetails> {
        let (fields, version, owner_centre) = current(&self.conn, id)?.ok_or(Error::NotFound {
            what: "client",
            id: id.to_string(),
        })?;
        let case = newest_case(&self.conn, id)?;
        self.log_access(
            Action::ViewIdentity,
            case,
            Some("client details to correct"),
        )?;
        Ok(ClientDetails {
            client_id: id,
            fields,
            version,
            owner_centre,
        })
    }

    /// Corrects a client's details: every field as given, a new version, a revision with
    /// the fields before and after, in one transaction. `based_on` is the version the
    /// person started from: if the details changed since, nothing is written.
    pub fn correct_client(
        &mut self,
        id: ClientId,
        fields: &ClientFields,
        based_on: Hlc,
    ) -> Result<ClientDetails> {
        self.batch(|b| {
            let (_, version, _) = current(&b.tx, id)?.ok_or(Error::NotFound {
                what: "client",
                id: id.to_string(),
            })?;
            if version != based_on {
                return Err(Error::invalid(
                    "someone changed this client's details after you opened them; close the \
                     form, open it again and make your correction there",
                ));
            }
            b.update_client(id, fields)
        })?;
        let (fields, version, owner_centre) = current(&self.conn, id)?.ok_or(Error::NotFound {
            what: "client",
            id: id.to_string(),
        })?;
        Ok(ClientDetails {
            client_id: id,
            fields,
            version,
            owner_centre,
        })
    }

    /// The corrections of a client's details, newest first; the view is recorded in the
    /// access log (the history holds names and phone numbers).
    pub fn client_history(&self, id: ClientId) -> Result<Vec<ClientRevision>> {
        if current(&self.conn, id)?.is_none() {
            return Err(Error::NotFound {
                what: "client",
                id: id.to_string(),
            });
        }
        let history = history(&self.conn, id)?;
        let case = newest_case(&self.conn, id)?;
        self.log_access(
            Action::ViewIdentity,
            case,
            Some("history of the client's details"),
        )?;
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_names_exactly_what_differs() {
        let before = ClientFields {
            phone: Some("+370 612 34567".into()),
            sex: "female".into(),
            ..ClientFields::default()
        };
        let mut after = before.clone();
        assert!(changed_fields(&before, &after).is_empty());
        after.phone = Some("+370 699 00000".into());
        after.contact_safety.safe_to_call = Tri::No;
        after.contact_safety.if_someone_else_answers = Some("say it is the library".into());
        assert_eq!(
            changed_fields(&before, &after),
            [
                "phone",
                "contact_safety.safe_to_call",
                "contact_safety.if_someone_else_answers"
            ]
        );
    }
}
