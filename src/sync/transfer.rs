//! Case transfer: a full case record for one client who moves to another centre, only with
//! that client's explicit consent (a current `case_transfer` consent), sealed for the
//! receiving centre as a bundle of kind `transfer`.
//!
//! What moves, and as what:
//! - the client's details with names, phone, address and contact safety; the case's
//!   current incidents, children and protection orders; its notes and documents. At the
//!   receiving centre these become a **new case of that centre** (its own ids, case number,
//!   pseudonym and lead worker; a follow-up due today), because from now on that centre owns
//!   and serves it;
//! - the history of the sending centre — service contacts, referrals, risk assessments,
//!   closures and reopenings, consents — travels as a read-only record of the transfer
//!   (`case_transfer.history`), shown with the new case but never counted as the receiving
//!   centre's work, so the coordinator's monthly tables count each centre's own services once.
//!
//! The sending centre closes its case with the reason `transferred` and keeps a record of
//! the transfer (to whom, which consent, which bundle) in the same transaction that puts the
//! bundle file in place. Staff user names never travel.

use std::path::Path;

use base64::Engine as _;
use chrono::{NaiveDate, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::export::{next_sequence, write_line};
use super::identity::{self, peer_by};
use super::payload::{Line, Manifest, PAYLOAD_FORMAT, Totals};
use crate::bundle::format::{BundleKind, Routing};
use crate::cases::consents;
use crate::cases::{
    CaseFields, ChildFields, ClientFields, ConsentFields, IncidentFields, NewCase, NoteFields,
    PoliceReport, ProtectionOrderFields, ReferralFields, ServiceContactFields,
};
use crate::centre::Mode;
use crate::error::{Error, Result};
use crate::ids::CaseId;
use crate::store::Store;

/// Raw bytes of a document per `transfer_document` line (base64 makes the line 4/3 of it,
/// well under the reader's line limit).
const CHUNK: usize = 3 * 1024 * 1024;

/// The consent purpose a transfer needs.
pub const CONSENT_PURPOSE: &str = "case_transfer";

/// A note of the sending centre, with when it was written there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferNote {
    /// When it was written (RFC 3339).
    pub written_at: String,
    /// Its text and restriction.
    pub fields: NoteFields,
}

/// A closure or reopening at the sending centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TransferStatusEvent {
    /// `close` or `reopen`.
    pub kind: String,
    /// Date.
    pub on_date: NaiveDate,
    /// Reason code.
    pub reason: Option<String>,
}

/// A risk assessment at the sending centre: instrument, date and the band decided (the
/// answers and the assessor stay there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TransferRisk {
    /// Instrument id.
    pub instrument_id: String,
    /// Instrument version.
    pub instrument_version: u32,
    /// Date.
    pub assessed_on: NaiveDate,
    /// The final band (after any override).
    pub final_band: String,
}

/// The sending centre's work on the case: shown with the new case, never counted as the
/// receiving centre's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TransferHistory {
    /// When the case was opened there.
    pub opened_on: Option<NaiveDate>,
    /// How it came to that centre (`referral_source` code).
    pub referral_source: Option<String>,
    /// When the police notified that centre.
    pub police_notified_on: Option<NaiveDate>,
    /// Service contacts (staff names removed), newest first.
    pub service_contacts: Vec<ServiceContactFields>,
    /// Referrals to other agencies, newest first.
    pub referrals: Vec<ReferralFields>,
    /// Risk assessments, oldest first.
    pub risk_assessments: Vec<TransferRisk>,
    /// Closures and reopenings, oldest first.
    pub status_events: Vec<TransferStatusEvent>,
    /// Consents recorded there, oldest first.
    pub consents: Vec<ConsentFields>,
}

/// Everything of the case but its documents: the `transfer_case` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferCase {
    /// The sending centre's case number.
    pub from_case_number: String,
    /// The date of the transfer.
    pub transferred_on: NaiveDate,
    /// The client's consent to the transfer.
    pub consent: ConsentFields,
    /// The client, with names, phone, address and contact safety (no pseudonym: the
    /// receiving centre gives its own).
    pub client: ClientFields,
    /// Current incidents.
    pub incidents: Vec<IncidentFields>,
    /// Children.
    pub children: Vec<ChildFields>,
    /// Protection orders.
    pub protection_orders: Vec<ProtectionOrderFields>,
    /// Notes, oldest first.
    pub notes: Vec<TransferNote>,
    /// Number of documents that follow.
    pub documents: u32,
    /// The sending centre's work.
    pub history: TransferHistory,
}

/// A transfer as the case view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseTransfer {
    /// `out` (this centre sent the case) or `in` (it received it).
    pub direction: String,
    /// The other centre's code.
    pub peer_centre: String,
    /// The other centre's name.
    pub peer_name: String,
    /// The case number at the sending centre.
    pub from_case_number: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who sent or received it.
    pub by: String,
    /// The bundle.
    pub bundle_id: String,
    /// The sending centre's work (`in` only).
    pub history: Option<TransferHistory>,
}

/// What a transfer wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TransferReport {
    /// The receiving centre.
    pub to: String,
    /// The bundle's id.
    pub bundle_id: String,
    /// SHA-256 of the file.
    pub file_hash: String,
    /// Size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// Where it was written.
    pub path: String,
    /// Documents included.
    pub documents: u32,
}

/// What importing a transfer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Received {
    pub case: CaseId,
    pub case_number: String,
}

/// The current `case_transfer` consent of a case, if given.
fn transfer_consent(detail: &crate::cases::CaseDetail) -> Option<(String, ConsentFields)> {
    detail
        .consents
        .iter()
        .filter(|c| c.fields.purpose == CONSENT_PURPOSE)
        .max_by_key(|c| (c.fields.on_date, c.meta.version))
        .filter(|c| c.fields.given)
        .map(|c| (c.id.to_string(), c.fields.clone()))
}

impl Store {
    /// Seals `case` for the centre `to` into `out`, with the client's details, notes and
    /// documents, and closes it here as transferred. Needs a current `case_transfer`
    /// consent; the file is put in place in the same step that records the transfer.
    pub fn transfer_case(&mut self, case: CaseId, to: &str, out: &Path) -> Result<TransferReport> {
        self.require(crate::admin::Permission::ExportBundles)?;
        if self.profile()?.mode != Mode::Centre {
            return Err(Error::invalid(
                "cases are transferred between centres; a coordination centre holds no full case records",
            ));
        }
        let code = crate::centre::normalise_centre_code(to)?;
        let peer = peer_by(&self.conn, "centre_code", &code)?.ok_or_else(|| {
            Error::UnknownSender(format!(
                "{code} is not enrolled here; exchange enrolment files with that centre and enrol it first (`atrama enrol`)"
            ))
        })?;
        if peer.peer.mode != Mode::Centre {
            return Err(Error::invalid(format!(
                "{code} is a coordination centre; a case is transferred to another centre"
            )));
        }
        if let Some(to) = consents::sent_to(&self.conn, case)? {
            return Err(Error::invalid(format!(
                "this case was already transferred to {to}; it is closed here"
            )));
        }
        let all = self.context().disciplines.clone();
        let detail = crate::cases::read::case_detail(&self.conn, &self.ctx.user, &all, case)?;
        let Some((consent_id, consent)) = transfer_consent(&detail) else {
            return Err(Error::invalid(
                "the client has not consented to the transfer: record their consent (purpose “case transfer”) in the case first",
            ));
        };
        let identity = crate::cases::read::client_identity(&self.conn, detail.client.id)?;
        let risk = self.risk_history(case)?;
        let today = Utc::now().date_naive();
        let c = &detail.client;
        let package = TransferCase {
            from_case_number: detail.case.case_number.clone(),
            transferred_on: today,
            consent,
            client: ClientFields {
                pseudonym: None,
                given_name: identity.given_name,
                family_name: identity.family_name,
                phone: identity.phone,
                address: identity.address,
                sex: c.sex.clone(),
                birth_year: c.birth_year,
                age_band: Some(c.age_band.clone()),
                municipality: c.municipality.clone(),
                disability: c.disability,
                migrant: c.migrant,
                language: c.language.clone(),
                contact_safety: c.contact_safety.clone(),
            },
            // The description and the police report stay at the centre (issue 26): the
            // incident moves as its codes and dates.
            incidents: detail
                .incidents
                .iter()
                .map(|i| IncidentFields {
                    description: None,
                    police: PoliceReport::default(),
                    ..i.fields.clone()
                })
                .collect(),
            children: detail.children.iter().map(|i| i.fields.clone()).collect(),
            protection_orders: detail
                .protection_orders
                .iter()
                .map(|i| i.fields.clone())
                .collect(),
            notes: detail
                .notes
                .iter()
                .rev()
                .map(|n| TransferNote {
                    written_at: n.meta.created_at.to_rfc3339(),
                    fields: n.fields.clone(),
                })
                .collect(),
            documents: u32::try_from(detail.documents.len()).unwrap_or(u32::MAX),
            history: TransferHistory {
                opened_on: Some(detail.case.opened_on),
                referral_source: Some(detail.case.referral_source.clone()),
                police_notified_on: detail.case.police_notified_on,
                service_contacts: detail
                    .service_contacts
                    .iter()
                    .map(|s| ServiceContactFields {
                        staff: None,
                        ..s.fields.clone()
                    })
                    .collect(),
                referrals: detail
                    .referrals
                    .iter()
                    .map(|r| ReferralFields {
                        consent_event_id: None,
                        ..r.fields.clone()
                    })
                    .collect(),
                risk_assessments: risk
                    .assessments
                    .iter()
                    .map(|a| TransferRisk {
                        instrument_id: a.instrument_id.clone(),
                        instrument_version: a.instrument_version,
                        assessed_on: a.assessed_on,
                        final_band: a.final_band.clone(),
                    })
                    .collect(),
                status_events: detail
                    .status_events
                    .iter()
                    .map(|e| TransferStatusEvent {
                        kind: e.kind.clone(),
                        on_date: e.on_date,
                        reason: e.reason.clone(),
                    })
                    .collect(),
                consents: detail.consents.iter().map(|c| c.fields.clone()).collect(),
            },
        };

        let me = identity::identity(&self.conn)?;
        let profile = self.profile()?;
        let (sequence, prev_hash) = next_sequence(&self.conn, &peer.peer.fingerprint.hex)?;
        let bundle_id = uuid::Uuid::now_v7();
        let now = Utc::now();
        let routing = Routing {
            bundle_id,
            kind: BundleKind::Transfer,
            sender: me.fingerprint().hex,
            recipient: peer.peer.fingerprint.hex.clone(),
            sequence,
            period: None,
            created_at: now.to_rfc3339(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: crate::store::migrations::LATEST,
            codes_version: self.ctx.codes.version().to_owned(),
            prev_hash,
        };
        let mut w = super::export::seal_to_file(out, routing, &peer, &me)?;
        write_line(
            &mut w,
            &Line::Manifest(Manifest {
                payload_format: PAYLOAD_FORMAT,
                centre: profile.code.clone(),
                sharing: "transfer".into(),
                change_seq_from: 0,
                change_seq_to: 0,
                counts: Default::default(),
                withdrawn: 0,
                purged: 0,
                fields: Default::default(),
                statistics: None,
                exporter: None,
            }),
        )?;
        write_line(&mut w, &Line::TransferCase(Box::new(package)))?;
        let mut lines = 1u64;
        for d in &detail.documents {
            let (media_type, content) =
                crate::cases::read::document_content(&self.conn, d.id).map(|(_, m, c)| (m, c))?;
            let parts = content.len().div_ceil(CHUNK).max(1);
            for part in 0..parts {
                let chunk = &content
                    [(part * CHUNK).min(content.len())..((part + 1) * CHUNK).min(content.len())];
                write_line(
                    &mut w,
                    &Line::TransferDocument {
                        file_name: d.file_name.clone(),
                        media_type: media_type.clone(),
                        part: u32::try_from(part).unwrap_or(u32::MAX),
                        parts: u32::try_from(parts).unwrap_or(u32::MAX),
                        data: base64::engine::general_purpose::STANDARD.encode(chunk),
                    },
                )?;
                lines += 1;
            }
        }
        write_line(
            &mut w,
            &Line::End(Totals {
                records: lines,
                ..Totals::default()
            }),
        )?;
        let (file, sealed) = super::export::finish_sealed(w)?;
        let documents = u32::try_from(detail.documents.len()).unwrap_or(u32::MAX);
        let case_open = detail.case.closed_on.is_none();
        let fingerprint = peer.peer.fingerprint.hex.clone();
        let at = now.to_rfc3339();
        let bid = bundle_id.to_string();
        self.batch(|b| {
            if case_open {
                b.close_case(case, today, "transferred")?;
            }
            b.tx.execute(
                "INSERT INTO case_transfer (case_id, direction, peer_centre, from_case_number,
                                            bundle_id, consent_event_id, history, at, by)
                 VALUES (?1, 'out', ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
                params![
                    case,
                    code,
                    detail.case.case_number,
                    bid,
                    consent_id,
                    at,
                    b.ctx.user
                ],
            )?;
            b.tx.execute(
                "INSERT INTO bundle_out (bundle_id, recipient, sequence, kind, sharing,
                                         change_seq_from, change_seq_to, records, file_hash,
                                         prev_hash, created_at, created_by)
                 VALUES (?1, ?2, ?3, 'transfer', 'transfer', 0, 0, ?4, ?5, ?6, ?7, ?8)",
                params![
                    bid,
                    fingerprint,
                    i64::try_from(sequence).unwrap_or(i64::MAX),
                    i64::try_from(lines).unwrap_or(i64::MAX),
                    sealed.file_hash,
                    sealed.header.prev_hash,
                    at,
                    b.ctx.user
                ],
            )?;
            crate::audit::append(
                &b.tx,
                &b.ctx.user,
                crate::audit::Action::Export,
                Some(case),
                Some(&format!("case transferred to {code} (bundle {bid})")),
            )?;
            file.commit()?;
            Ok(())
        })?;
        Ok(TransferReport {
            to: code,
            bundle_id: bid,
            file_hash: sealed.file_hash,
            size: sealed.size,
            path: out.display().to_string(),
            documents,
        })
    }

    /// The transfers of a case (to or from another centre), with the sending centre's work
    /// for a received one; the view is recorded in the access log.
    pub fn case_transfers(&self, case: CaseId) -> Result<Vec<CaseTransfer>> {
        let mut stmt = self.conn.prepare(
            "SELECT t.direction, t.peer_centre, coalesce(p.name, ''), t.from_case_number, t.at,
                    t.by, t.bundle_id, t.history
             FROM case_transfer t LEFT JOIN sync_peer p ON p.centre_code = t.peer_centre
             WHERE t.case_id = ?1 ORDER BY t.at",
        )?;
        let rows = stmt.query_map([case], |r| {
            Ok(CaseTransfer {
                direction: r.get(0)?,
                peer_centre: r.get(1)?,
                peer_name: r.get(2)?,
                from_case_number: r.get(3)?,
                at: r.get(4)?,
                by: r.get(5)?,
                bundle_id: r.get(6)?,
                history: r
                    .get::<_, Option<String>>(7)?
                    .and_then(|h| serde_json::from_str(&h).ok()),
            })
        })?;
        let transfers: Vec<CaseTransfer> = rows.collect::<rusqlite::Result<_>>()?;
        if !transfers.is_empty() {
            self.log_access(
                crate::audit::Action::ViewCase,
                Some(case),
                Some("transfer history"),
            )?;
        }
        Ok(transfers)
    }
}

/// A document being reassembled from its parts.
struct PendingDocument {
    file_name: String,
    media_type: String,
    parts: u32,
    content: Vec<u8>,
}

/// Reads a transfer payload (after the manifest) and creates the new case, in one batch of
/// the importing store. Returns the new case and how many lines were read.
pub(crate) fn apply<I>(
    b: &mut crate::cases::write::Batch<'_>,
    from_centre: &str,
    bundle_id: &str,
    lines: I,
) -> Result<Received>
where
    I: Iterator<Item = Result<Line>>,
{
    let mut case: Option<(CaseId, String, u32)> = None;
    let mut documents_done = 0u32;
    let mut pending: Option<PendingDocument> = None;
    let mut count = 0u64;
    let mut ended = false;
    for line in lines {
        if ended {
            return Err(Error::BundleDamaged);
        }
        match line? {
            Line::TransferCase(t) if case.is_none() => {
                count += 1;
                let t = *t;
                let today = Utc::now().date_naive();
                let client = b.create_client(&t.client)?;
                let id = b.open_case(&NewCase {
                    client_id: client,
                    opened_on: today,
                    fields: CaseFields {
                        referral_source: "other".into(),
                        police_notified_on: None,
                        intake_outcome: "accepted".into(),
                        lead_worker: None,
                        team: Vec::new(),
                        follow_up_on: Some(today),
                    },
                })?;
                b.record_consent(id, &t.consent)?;
                for i in &t.incidents {
                    b.record_incident(id, i)?;
                }
                for c in &t.children {
                    b.add_child(id, c)?;
                }
                for o in &t.protection_orders {
                    b.add_protection_order(id, o)?;
                }
                for n in &t.notes {
                    let day = n.written_at.get(..10).unwrap_or(&n.written_at);
                    b.add_note(
                        id,
                        &NoteFields {
                            body: format!(
                                "[{from_centre} {}, {day}]\n{}",
                                t.from_case_number, n.fields.body
                            ),
                            restricted_to: n.fields.restricted_to.clone(),
                        },
                    )?;
                }
                let number: String = b.tx.query_row(
                    "SELECT case_number FROM case_file WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                let history = serde_json::to_string(&t.history)
                    .map_err(|e| Error::invalid(format!("cannot keep the history: {e}")))?;
                let user = b.ctx.user.clone();
                b.tx.execute(
                    "INSERT INTO case_transfer (case_id, direction, peer_centre, from_case_number,
                                                bundle_id, consent_event_id, history, at, by)
                     VALUES (?1, 'in', ?2, ?3, ?4, NULL, ?5, ?6, ?7)",
                    params![
                        id,
                        from_centre,
                        t.from_case_number,
                        bundle_id,
                        history,
                        Utc::now().to_rfc3339(),
                        user
                    ],
                )?;
                case = Some((id, number, t.documents));
            }
            Line::TransferDocument {
                file_name,
                media_type,
                part,
                parts,
                data,
            } => {
                count += 1;
                let Some((id, _, expected)) = &case else {
                    return Err(Error::BundleDamaged);
                };
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data.as_bytes())
                    .map_err(|_| Error::BundleDamaged)?;
                let doc = match pending.take() {
                    None if part == 0 && parts >= 1 => PendingDocument {
                        file_name,
                        media_type,
                        parts,
                        content: Vec::new(),
                    },
                    Some(d) if d.parts == parts && d.file_name == file_name && part > 0 => d,
                    _ => return Err(Error::BundleDamaged),
                };
                let mut doc = doc;
                if part >= doc.parts
                    || doc.content.len() + bytes.len() > crate::cases::write::MAX_DOCUMENT_BYTES
                {
                    return Err(Error::BundleDamaged);
                }
                doc.content.extend_from_slice(&bytes);
                if part + 1 == doc.parts {
                    if documents_done >= *expected {
                        return Err(Error::BundleDamaged);
                    }
                    b.attach_document(*id, &doc.file_name, &doc.media_type, &doc.content)?;
                    documents_done += 1;
                } else {
                    pending = Some(doc);
                }
            }
            Line::End(totals)
                if totals
                    == Totals {
                        records: count,
                        ..Totals::default()
                    } =>
            {
                ended = true
            }
            _ => return Err(Error::BundleDamaged),
        }
    }
    match case {
        Some((id, number, expected))
            if ended && pending.is_none() && documents_done == expected =>
        {
            Ok(Received {
                case: id,
                case_number: number,
            })
        }
        _ => Err(Error::BundleDamaged),
    }
}
