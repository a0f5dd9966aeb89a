//! Reading the case record: a case with all its current sub-records, case lists with
//! filters, a client's protected identity, a document's content.
//!
//! "Current" events are the live rows that no other row supersedes. Notes restricted to a
//! discipline are left out for readers who lack it (and counted, so the UI can say so).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row};

use super::model::{
    Case, CaseDetail, CaseFields, CaseFilter, CaseSummary, Child, ChildFields, Client,
    ClientIdentity, ConsentEvent, ConsentFields, ContactSafety, Document, Incident, IncidentFields,
    Note, NoteFields, PoliceReport, ProtectionOrder, ProtectionOrderFields, RecordHistory,
    RecordMeta, RecordRef, Referral, ReferralFields, ServiceContact, ServiceContactFields,
    StatusEvent, Tri,
};
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::ids::{CaseId, ClientId, DocumentId};

pub(crate) fn meta(r: &Row<'_>) -> rusqlite::Result<RecordMeta> {
    let created: String = r.get("created_at")?;
    Ok(RecordMeta {
        owner_centre: r.get("owner_centre")?,
        version: Hlc::from_sql(r.get("hlc")?),
        created_at: DateTime::parse_from_rfc3339(&created)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default(),
        created_by: r.get("created_by")?,
    })
}

fn tri(r: &Row<'_>, col: &str) -> rusqlite::Result<Tri> {
    Ok(Tri::from_code(&r.get::<_, String>(col)?))
}

pub(crate) fn day(r: &Row<'_>, col: impl rusqlite::RowIndex) -> rusqlite::Result<NaiveDate> {
    let text: String = r.get(col)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn opt_day(r: &Row<'_>, col: &str) -> rusqlite::Result<Option<NaiveDate>> {
    let text: Option<String> = r.get(col)?;
    text.map(|t| {
        t.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

fn json<T: serde::de::DeserializeOwned>(r: &Row<'_>, col: &str) -> rusqlite::Result<T> {
    let text: String = r.get(col)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A client, without protected fields.
pub(crate) fn client(conn: &Connection, id: ClientId) -> Result<Client> {
    conn.prepare_cached("SELECT * FROM client WHERE id = ?1 AND deleted_at IS NULL")?
        .query_row([id], |r| {
            Ok(Client {
                id: r.get("id")?,
                pseudonym: r.get("pseudonym")?,
                sex: r.get("sex")?,
                birth_year: r.get("birth_year")?,
                age_band: r.get("age_band")?,
                municipality: r.get("municipality")?,
                disability: tri(r, "disability")?,
                migrant: tri(r, "migrant")?,
                language: r.get("language")?,
                contact_safety: ContactSafety {
                    safe_to_call: tri(r, "safe_to_call")?,
                    safe_to_text: tri(r, "safe_to_text")?,
                    safe_to_visit: tri(r, "safe_to_visit")?,
                    if_someone_else_answers: r.get("if_someone_else_answers")?,
                    notes: r.get("safety_notes")?,
                },
                meta: meta(r)?,
            })
        })
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "client",
            id: id.to_string(),
        })
}

/// A client's names, phone and address.
pub(crate) fn client_identity(conn: &Connection, id: ClientId) -> Result<ClientIdentity> {
    conn.prepare_cached(
        "SELECT given_name, family_name, phone, address FROM client
         WHERE id = ?1 AND deleted_at IS NULL",
    )?
    .query_row([id], |r| {
        Ok(ClientIdentity {
            given_name: r.get(0)?,
            family_name: r.get(1)?,
            phone: r.get(2)?,
            address: r.get(3)?,
        })
    })
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "client",
        id: id.to_string(),
    })
}

fn case_row(r: &Row<'_>, team: Vec<String>) -> rusqlite::Result<Case> {
    Ok(Case {
        id: r.get("id")?,
        case_number: r.get("case_number")?,
        client_id: r.get("client_id")?,
        opened_on: day(r, "opened_on")?,
        referral_source: r.get("referral_source")?,
        police_notified_on: opt_day(r, "police_notified_on")?,
        first_contact_on: opt_day(r, "first_contact_on")?,
        intake_outcome: r.get("intake_outcome")?,
        status: r.get("status")?,
        closed_on: opt_day(r, "closed_on")?,
        closure_reason: r.get("closure_reason")?,
        lead_worker: r.get("lead_worker")?,
        team,
        follow_up_on: opt_day(r, "follow_up_on")?,
        meta: meta(r)?,
    })
}

/// A case.
pub(crate) fn case(conn: &Connection, id: CaseId) -> Result<Case> {
    let team: Vec<String> = conn
        .prepare_cached("SELECT username FROM case_team WHERE case_id = ?1 ORDER BY username")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached("SELECT * FROM case_file WHERE id = ?1 AND deleted_at IS NULL")?
        .query_row([id], |r| case_row(r, team))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "case",
            id: id.to_string(),
        })
}

/// The fields of a case as a form would send them back (for editing).
pub fn case_fields(case: &Case) -> CaseFields {
    CaseFields {
        referral_source: case.referral_source.clone(),
        police_notified_on: case.police_notified_on,
        intake_outcome: case.intake_outcome.clone(),
        lead_worker: Some(case.lead_worker.clone()),
        team: case.team.clone(),
        follow_up_on: case.follow_up_on,
    }
}

/// The case with this number. Numbers are unique per owner centre (migration 0013): should
/// a centre have sent a number of another's form, this centre's own case comes first, then
/// the one whose owner's code the number starts with.
pub(crate) fn case_by_number(conn: &Connection, number: &str) -> Result<CaseId> {
    conn.prepare_cached(
        "SELECT id FROM case_file WHERE case_number = ?1 COLLATE NOCASE AND deleted_at IS NULL
         ORDER BY owner_centre = (SELECT code FROM centre_profile WHERE id = 1) DESC,
                  substr(case_number, 1, length(owner_centre) + 1)
                      IN (owner_centre || '-', owner_centre || ':') DESC
         LIMIT 1",
    )?
    .query_row([number.trim()], |r| r.get(0))
    .optional()?
    .ok_or_else(|| {
        Error::invalid(format!(
            "no case numbered {}; check the number or search for the client",
            number.trim()
        ))
    })
}

/// Rows of `table` for `case` that are live and not superseded, in `order`.
fn current<T>(
    conn: &Connection,
    table: &str,
    case: CaseId,
    order: &str,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT * FROM {table} o WHERE case_id = ?1 AND deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM {table} n WHERE n.supersedes = o.id)
         ORDER BY {order}"
    ))?;
    let rows = stmt
        .query_map([case], |r| map(r))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Live rows of a mutable sub-record table for `case`.
fn live<T>(
    conn: &Connection,
    table: &str,
    case: CaseId,
    order: &str,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    // A document's content is read only when it is opened, never with the case.
    let columns = if table == "document" {
        "id, owner_centre, owner_install, hlc, created_at, created_by, deleted_at, case_id,
         file_name, media_type, size, sha256"
    } else {
        "*"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {columns} FROM {table} WHERE case_id = ?1 AND deleted_at IS NULL ORDER BY {order}"
    ))?;
    let rows = stmt
        .query_map([case], |r| map(r))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Whether a reader with `disciplines` may read a note by `author` restricted to
/// `restricted_to`.
pub fn may_read_note(
    user: &str,
    disciplines: &[String],
    author: &str,
    restricted_to: Option<&str>,
) -> bool {
    match restricted_to {
        None => true,
        Some(d) => author == user || disciplines.iter().any(|x| x == d),
    }
}

/// An incident row.
fn incident_row(r: &Row<'_>) -> rusqlite::Result<Incident> {
    Ok(Incident {
        id: r.get("id")?,
        supersedes: r.get("supersedes")?,
        fields: IncidentFields {
            occurred_on: opt_day(r, "occurred_on")?,
            ongoing_since: opt_day(r, "ongoing_since")?,
            violence_forms: json(r, "violence_forms")?,
            place_type: r.get("place_type")?,
            reported_to_police: tri(r, "reported_to_police")?,
            perpetrators: json(r, "perpetrators")?,
            description: r.get("description")?,
            police: PoliceReport {
                report_number: r.get("police_report_number")?,
                station: r.get("police_station")?,
                officer: r.get("police_officer")?,
                reported_on: opt_day(r, "police_reported_on")?,
            },
        },
        gbvims_type: r.get("gbvims_type")?,
        meta: meta(r)?,
    })
}

/// A service contact row.
fn contact_row(r: &Row<'_>) -> rusqlite::Result<ServiceContact> {
    Ok(ServiceContact {
        id: r.get("id")?,
        supersedes: r.get("supersedes")?,
        fields: ServiceContactFields {
            on_date: day(r, "on_date")?,
            discipline: r.get("discipline")?,
            mode: r.get("mode")?,
            minutes: r.get("minutes")?,
            is_group: r.get("is_group")?,
            staff: Some(r.get("staff")?),
        },
        meta: meta(r)?,
    })
}

/// A referral row.
fn referral_row(r: &Row<'_>) -> rusqlite::Result<Referral> {
    Ok(Referral {
        id: r.get("id")?,
        supersedes: r.get("supersedes")?,
        fields: ReferralFields {
            on_date: day(r, "on_date")?,
            agency_type: r.get("agency_type")?,
            status: r.get("status")?,
            consent_event_id: r.get("consent_event_id")?,
        },
        status_on: opt_day(r, "status_on")?,
        meta: meta(r)?,
    })
}

/// A consent event row.
fn consent_row(r: &Row<'_>) -> rusqlite::Result<ConsentEvent> {
    Ok(ConsentEvent {
        id: r.get("id")?,
        supersedes: r.get("supersedes")?,
        fields: ConsentFields {
            purpose: r.get("purpose")?,
            agency_type: r.get("agency_type")?,
            given: r.get("given")?,
            given_by: r.get("given_by")?,
            on_date: day(r, "on_date")?,
            shared_fields: r
                .get::<_, Option<String>>("shared_fields")?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
        },
        meta: meta(r)?,
    })
}

/// A note row.
fn note_row(r: &Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: r.get("id")?,
        supersedes: r.get("supersedes")?,
        fields: NoteFields {
            body: r.get("body")?,
            restricted_to: r.get("restricted_to")?,
        },
        meta: meta(r)?,
    })
}

/// A case with all its current sub-records the reader may see.
pub(crate) fn case_detail(
    conn: &Connection,
    user: &str,
    disciplines: &[String],
    id: CaseId,
) -> Result<CaseDetail> {
    let case = case(conn, id)?;
    let client = client(conn, case.client_id)?;
    let status_events = current(conn, "case_status_event", id, "on_date, hlc", |r| {
        Ok(StatusEvent {
            id: r.get("id")?,
            kind: r.get("kind")?,
            on_date: day(r, "on_date")?,
            reason: r.get("reason")?,
            meta: meta(r)?,
        })
    })?;
    let incidents = current(
        conn,
        "incident",
        id,
        "coalesce(occurred_on, ongoing_since), hlc",
        incident_row,
    )?;
    let children = live(conn, "child", id, "hlc", |r| {
        Ok(Child {
            id: r.get("id")?,
            fields: ChildFields {
                sex: r.get("sex")?,
                age_band: r.get("age_band")?,
                lives_with_client: tri(r, "lives_with_client")?,
                witnessed: tri(r, "witnessed")?,
                directly_harmed: tri(r, "directly_harmed")?,
                child_protection_referral: tri(r, "child_protection_referral")?,
            },
            meta: meta(r)?,
        })
    })?;
    let service_contacts = current(
        conn,
        "service_contact",
        id,
        "on_date DESC, hlc DESC",
        contact_row,
    )?;
    let referrals = current(conn, "referral", id, "on_date DESC, hlc DESC", referral_row)?;
    let protection_orders = live(conn, "protection_order", id, "hlc", |r| {
        Ok(ProtectionOrder {
            id: r.get("id")?,
            fields: ProtectionOrderFields {
                issuer: r.get("issuer")?,
                order_type: r.get("order_type")?,
                status: r.get("status")?,
                applied_on: opt_day(r, "applied_on")?,
                decided_on: opt_day(r, "decided_on")?,
                starts_on: opt_day(r, "starts_on")?,
                ends_on: opt_day(r, "ends_on")?,
                breaches: r.get("breaches")?,
            },
            meta: meta(r)?,
        })
    })?;
    let consents = current(conn, "consent_event", id, "on_date, hlc", consent_row)?;
    let all_notes = current(conn, "note", id, "hlc DESC", note_row)?;
    let total_notes = all_notes.len();
    let notes: Vec<Note> = all_notes
        .into_iter()
        .filter(|n| {
            may_read_note(
                user,
                disciplines,
                &n.meta.created_by,
                n.fields.restricted_to.as_deref(),
            )
        })
        .collect();
    let restricted_notes_hidden = u32::try_from(total_notes - notes.len()).unwrap_or(u32::MAX);
    let documents = live(conn, "document", id, "hlc DESC", |r| {
        Ok(Document {
            id: r.get("id")?,
            file_name: r.get("file_name")?,
            media_type: r.get("media_type")?,
            size: u64::try_from(r.get::<_, i64>("size")?).unwrap_or(0),
            sha256: r.get("sha256")?,
            meta: meta(r)?,
        })
    })?;
    Ok(CaseDetail {
        case,
        client,
        status_events,
        incidents,
        children,
        service_contacts,
        referrals,
        protection_orders,
        consents,
        notes,
        restricted_notes_hidden,
        documents,
    })
}

/// The versions of `id` in `table`, following `supersedes` down: `id` first, then the
/// version it corrected, and so on.
fn versions<T>(
    conn: &Connection,
    table: &str,
    id: &str,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(&format!(
        "WITH RECURSIVE chain(id, depth) AS (
             SELECT ?1, 0
             UNION ALL
             SELECT t.supersedes, c.depth + 1 FROM {table} t JOIN chain c ON t.id = c.id
             WHERE t.supersedes IS NOT NULL)
         SELECT t.* FROM chain c JOIN {table} t ON t.id = c.id
         WHERE t.deleted_at IS NULL
         ORDER BY c.depth"
    ))?;
    let rows = stmt
        .query_map([id], |r| map(r))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The versions of an append-only record (see [`RecordHistory`]) and its case. A note the
/// reader may not read is refused; its older versions follow the same rule.
pub(crate) fn record_history(
    conn: &Connection,
    user: &str,
    disciplines: &[String],
    record: RecordRef,
) -> Result<(CaseId, RecordHistory)> {
    let (table, id, what) = match record {
        RecordRef::Incident(id) => ("incident", id.to_string(), "incident"),
        RecordRef::ServiceContact(id) => ("service_contact", id.to_string(), "service contact"),
        RecordRef::Referral(id) => ("referral", id.to_string(), "referral"),
        RecordRef::Consent(id) => ("consent_event", id.to_string(), "consent"),
        RecordRef::Note(id) => ("note", id.to_string(), "note"),
    };
    let case: CaseId = conn
        .prepare_cached(&format!(
            "SELECT case_id FROM {table} WHERE id = ?1 AND deleted_at IS NULL"
        ))?
        .query_row([&id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what,
            id: id.clone(),
        })?;
    let history = match record {
        RecordRef::Incident(_) => {
            RecordHistory::Incident(versions(conn, table, &id, incident_row)?)
        }
        RecordRef::ServiceContact(_) => {
            RecordHistory::ServiceContact(versions(conn, table, &id, contact_row)?)
        }
        RecordRef::Referral(_) => {
            RecordHistory::Referral(versions(conn, table, &id, referral_row)?)
        }
        RecordRef::Consent(_) => RecordHistory::Consent(versions(conn, table, &id, consent_row)?),
        RecordRef::Note(_) => {
            let notes = versions(conn, table, &id, note_row)?;
            let readable = |n: &Note| {
                may_read_note(
                    user,
                    disciplines,
                    &n.meta.created_by,
                    n.fields.restricted_to.as_deref(),
                )
            };
            if !notes.first().is_some_and(readable) {
                return Err(Error::NotAllowed(
                    "this note is restricted to a discipline you do not have; ask its author"
                        .into(),
                ));
            }
            RecordHistory::Note(notes.into_iter().filter(readable).collect())
        }
    };
    Ok((case, history))
}

/// A document's case, media type and content.
pub(crate) fn document_content(
    conn: &Connection,
    id: DocumentId,
) -> Result<(CaseId, String, Vec<u8>)> {
    conn.prepare_cached(
        "SELECT case_id, media_type, content FROM document WHERE id = ?1 AND deleted_at IS NULL AND content IS NOT NULL",
    )?
    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "document",
        id: id.to_string(),
    })
}

pub(crate) fn summary_row(r: &Row<'_>) -> rusqlite::Result<CaseSummary> {
    Ok(CaseSummary {
        id: r.get("id")?,
        case_number: r.get("case_number")?,
        pseudonym: r.get("pseudonym")?,
        status: r.get("status")?,
        opened_on: day(r, "opened_on")?,
        referral_source: r.get("referral_source")?,
        lead_worker: r.get("lead_worker")?,
        follow_up_on: opt_day(r, "follow_up_on")?,
        client_name: r.get("client_name")?,
    })
}

/// The columns `summary_row` reads, for `SELECT … FROM case_file c JOIN client cl`.
///
/// The client's name comes from the same join, and only while the connection's
/// `temp.list_names` holds 1 (set by [`crate::store::Store`] from the signed-in person's
/// preference and role); an empty or absent flag gives NULL, so a list shows no names
/// unless the store turned them on. The flag is one uncorrelated subquery, evaluated once
/// per statement, so the cost of a list stays one join.
pub(crate) const SUMMARY_COLUMNS: &str = "c.id, c.case_number, cl.pseudonym, c.status, c.opened_on, c.referral_source, c.lead_worker, c.follow_up_on, \
     CASE WHEN (SELECT shown FROM temp.list_names) = 1 \
     THEN nullif(trim(coalesce(cl.given_name, '') || ' ' || coalesce(cl.family_name, '')), '') END AS client_name";

/// Cases matching `filter`, newest first.
pub(crate) fn case_list(conn: &Connection, filter: &CaseFilter) -> Result<Vec<CaseSummary>> {
    let mut sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM case_file c JOIN client cl ON cl.id = c.client_id
         WHERE c.deleted_at IS NULL"
    );
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    let text = |s: &str| rusqlite::types::Value::Text(s.to_owned());
    if let Some(s) = &filter.status {
        sql.push_str(" AND c.status = ?");
        values.push(text(s));
    }
    if let Some(w) = &filter.worker {
        let w = w.trim().to_lowercase();
        sql.push_str(
            " AND (c.lead_worker = ? OR c.id IN (SELECT case_id FROM case_team WHERE username = ?))",
        );
        values.push(text(&w));
        values.push(text(&w));
    }
    if let Some(s) = &filter.referral_source {
        sql.push_str(" AND c.referral_source = ?");
        values.push(text(s));
    }
    if let Some(d) = filter.opened_from {
        sql.push_str(" AND c.opened_on >= ?");
        values.push(text(&d.to_string()));
    }
    if let Some(d) = filter.opened_to {
        sql.push_str(" AND c.opened_on <= ?");
        values.push(text(&d.to_string()));
    }
    sql.push_str(" ORDER BY c.opened_on DESC, c.case_number DESC LIMIT ? OFFSET ?");
    values.push(rusqlite::types::Value::Integer(
        filter.limit.unwrap_or(200).into(),
    ));
    values.push(rusqlite::types::Value::Integer(
        filter.offset.unwrap_or(0).into(),
    ));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(values), summary_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
