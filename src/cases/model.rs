//! The case record's types: what the UI and the CLI send (`*Fields`) and what they get back.
//!
//! Codes (violence forms, relationships, disciplines…) are plain strings from the code lists
//! in `assets/codelists/`; they are checked when written here, and codes that arrive from a
//! newer list are kept as they are.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::hlc::Hlc;
use crate::ids::{
    CaseId, ChildId, ClientId, ConsentEventId, DocumentId, IncidentId, NoteId, ProtectionOrderId,
    ReferralId, ServiceContactId, StatusEventId,
};

/// Yes, no, or not known (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Not known.
    #[default]
    Unknown,
}

impl Tri {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Tri::Yes => "yes",
            Tri::No => "no",
            Tri::Unknown => "unknown",
        }
    }

    /// Reads a stored code; anything else is `Unknown`.
    pub fn from_code(code: &str) -> Tri {
        match code {
            "yes" => Tri::Yes,
            "no" => Tri::No,
            _ => Tri::Unknown,
        }
    }
}

/// Who wrote a record and which version it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecordMeta {
    /// Centre code of the owner; only the owner changes the record.
    pub owner_centre: String,
    /// Hybrid-logical-clock version of the last write.
    pub version: Hlc,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
}

/// Whether it is safe to reach the client, and how.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ContactSafety {
    /// Safe to phone.
    pub safe_to_call: Tri,
    /// Safe to send a text message.
    pub safe_to_text: Tri,
    /// Safe to visit at home.
    pub safe_to_visit: Tri,
    /// What to say if someone else answers.
    pub if_someone_else_answers: Option<String>,
    /// Anything else about reaching the client safely.
    pub notes: Option<String>,
}

/// A client as entered or changed. Names, phone and address are protected fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ClientFields {
    /// The code the team uses instead of the name; generated when empty.
    pub pseudonym: Option<String>,
    /// Given name (protected).
    pub given_name: Option<String>,
    /// Family name (protected).
    pub family_name: Option<String>,
    /// Phone number (protected).
    pub phone: Option<String>,
    /// Address (protected).
    pub address: Option<String>,
    /// `sex` code.
    pub sex: String,
    /// Year of birth, if known.
    pub birth_year: Option<i32>,
    /// `age_band` code; derived from the birth year when that is given.
    pub age_band: Option<String>,
    /// Municipality or county code.
    pub municipality: Option<String>,
    /// Has a disability.
    pub disability: Tri,
    /// Has a migrant background.
    pub migrant: Tri,
    /// Preferred language (ISO 639-1).
    pub language: Option<String>,
    /// How to reach the client safely.
    pub contact_safety: ContactSafety,
}

/// A client as the team sees it: no names, phone or address (see [`ClientIdentity`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Client {
    /// Id.
    pub id: ClientId,
    /// Pseudonym.
    pub pseudonym: String,
    /// `sex` code.
    pub sex: String,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// `age_band` code.
    pub age_band: String,
    /// Municipality or county code.
    pub municipality: Option<String>,
    /// Has a disability.
    pub disability: Tri,
    /// Has a migrant background.
    pub migrant: Tri,
    /// Preferred language.
    pub language: Option<String>,
    /// How to reach the client safely.
    pub contact_safety: ContactSafety,
    /// Version.
    pub meta: RecordMeta,
}

/// The protected fields of a client, read only on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ClientIdentity {
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// A new case for a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewCase {
    /// The client.
    pub client_id: ClientId,
    /// Date opened.
    pub opened_on: NaiveDate,
    /// The case's changeable fields.
    pub fields: CaseFields,
}

/// The changeable fields of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseFields {
    /// `referral_source` code.
    pub referral_source: String,
    /// When the police notification arrived (police referrals).
    pub police_notified_on: Option<NaiveDate>,
    /// `intake_outcome` code.
    pub intake_outcome: String,
    /// User name of the lead worker; the current user when empty.
    pub lead_worker: Option<String>,
    /// User names of the other team members.
    pub team: Vec<String>,
    /// Next follow-up date.
    pub follow_up_on: Option<NaiveDate>,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Case {
    /// Id.
    pub id: CaseId,
    /// Case number, e.g. `KLP-01-2026-0042`.
    pub case_number: String,
    /// The client.
    pub client_id: ClientId,
    /// Date opened.
    pub opened_on: NaiveDate,
    /// `referral_source` code.
    pub referral_source: String,
    /// When the police notification arrived.
    pub police_notified_on: Option<NaiveDate>,
    /// Date of the first service contact (derived from the contacts).
    pub first_contact_on: Option<NaiveDate>,
    /// `intake_outcome` code.
    pub intake_outcome: String,
    /// `case_status` code.
    pub status: String,
    /// Date closed, while closed.
    pub closed_on: Option<NaiveDate>,
    /// `closure_reason` code, while closed.
    pub closure_reason: Option<String>,
    /// Lead worker.
    pub lead_worker: String,
    /// Other team members.
    pub team: Vec<String>,
    /// Next follow-up date.
    pub follow_up_on: Option<NaiveDate>,
    /// Version.
    pub meta: RecordMeta,
}

/// A case closure or reopening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatusEvent {
    /// Id.
    pub id: StatusEventId,
    /// `close` or `reopen`.
    pub kind: String,
    /// Date.
    pub on_date: NaiveDate,
    /// `closure_reason` code for a closure; free text for a reopening.
    pub reason: Option<String>,
    /// Version.
    pub meta: RecordMeta,
}

/// The person who used violence, as linked to one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PerpetratorLink {
    /// `sex` code.
    pub sex: String,
    /// `age_band` code.
    pub age_band: String,
    /// `relationship` code (to the client).
    pub relationship: String,
    /// Lives with the client now.
    pub cohabiting_now: Tri,
    /// Lived with the client before.
    pub cohabited_before: Tri,
    /// Alcohol or drug misuse.
    pub substance_use: Tri,
    /// Has access to weapons.
    pub weapon_access: Tri,
}

/// An incident as entered or corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IncidentFields {
    /// Date it happened, if one date.
    pub occurred_on: Option<NaiveDate>,
    /// Or: ongoing since.
    pub ongoing_since: Option<NaiveDate>,
    /// `violence_form` codes (one or more).
    pub violence_forms: Vec<String>,
    /// `place_type` code.
    pub place_type: String,
    /// Reported to the police.
    pub reported_to_police: Tri,
    /// Who used violence.
    pub perpetrators: Vec<PerpetratorLink>,
    /// What happened, in the counsellor's words. Stays at the centre: never in a bundle
    /// nor in a transfer.
    #[serde(default)]
    pub description: Option<String>,
    /// The police report, when there is one. Stays at the centre like the description.
    #[serde(default)]
    pub police: PoliceReport,
}

/// The details of a police report that counsellors look for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PoliceReport {
    /// The report (registration) number.
    pub report_number: Option<String>,
    /// The police station.
    pub station: Option<String>,
    /// The officer who took it.
    pub officer: Option<String>,
    /// When it was reported.
    pub reported_on: Option<NaiveDate>,
}

/// An incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Incident {
    /// Id.
    pub id: IncidentId,
    /// The version this one corrects.
    pub supersedes: Option<IncidentId>,
    /// What was recorded.
    pub fields: IncidentFields,
    /// GBVIMS primary type, computed through the crosswalk.
    pub gbvims_type: String,
    /// Version.
    pub meta: RecordMeta,
}

/// A child affected by the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ChildFields {
    /// `sex` code.
    pub sex: String,
    /// `age_band` code.
    pub age_band: String,
    /// Lives with the client.
    pub lives_with_client: Tri,
    /// Witnessed violence.
    pub witnessed: Tri,
    /// Was directly harmed.
    pub directly_harmed: Tri,
    /// Referred to child protection.
    pub child_protection_referral: Tri,
}

/// A child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Child {
    /// Id.
    pub id: ChildId,
    /// What was recorded.
    pub fields: ChildFields,
    /// Version.
    pub meta: RecordMeta,
}

/// A service contact as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ServiceContactFields {
    /// Date.
    pub on_date: NaiveDate,
    /// `service_discipline` code.
    pub discipline: String,
    /// `service_mode` code.
    pub mode: String,
    /// Minutes spent.
    pub minutes: u32,
    /// A group session.
    pub is_group: bool,
    /// Who provided it; the current user when empty.
    pub staff: Option<String>,
}

/// A service contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ServiceContact {
    /// Id.
    pub id: ServiceContactId,
    /// The version this one corrects.
    pub supersedes: Option<ServiceContactId>,
    /// What was logged (`staff` always filled).
    pub fields: ServiceContactFields,
    /// Version.
    pub meta: RecordMeta,
}

/// A referral to another agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReferralFields {
    /// Date.
    pub on_date: NaiveDate,
    /// `referral_agency` code.
    pub agency_type: String,
    /// `referral_status` code.
    pub status: String,
    /// The consent it relies on.
    pub consent_event_id: Option<ConsentEventId>,
}

/// A referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Referral {
    /// Id.
    pub id: ReferralId,
    /// The version this one corrects or whose status it changes.
    pub supersedes: Option<ReferralId>,
    /// What was recorded.
    pub fields: ReferralFields,
    /// When this version is a status change: the day the status changed (a correction has
    /// none).
    #[serde(default)]
    pub status_on: Option<NaiveDate>,
    /// Version.
    pub meta: RecordMeta,
}

/// A protection order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ProtectionOrderFields {
    /// `protection_order_issuer` code.
    pub issuer: String,
    /// `protection_order_type` code (per country).
    pub order_type: String,
    /// `protection_order_status` code.
    pub status: String,
    /// Applied for on.
    pub applied_on: Option<NaiveDate>,
    /// Decided on.
    pub decided_on: Option<NaiveDate>,
    /// In force from.
    pub starts_on: Option<NaiveDate>,
    /// In force until (dates, never duration codes: durations change with the law).
    pub ends_on: Option<NaiveDate>,
    /// Breaches known.
    pub breaches: u32,
}

/// A protection order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ProtectionOrder {
    /// Id.
    pub id: ProtectionOrderId,
    /// What was recorded.
    pub fields: ProtectionOrderFields,
    /// Version.
    pub meta: RecordMeta,
}

/// A consent given or withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsentFields {
    /// `consent_purpose` code.
    pub purpose: String,
    /// `referral_agency` code, for a referral consent.
    pub agency_type: Option<String>,
    /// Given (true) or withdrawn (false).
    pub given: bool,
    /// `consent_by` code.
    pub given_by: String,
    /// Date.
    pub on_date: NaiveDate,
    /// For a referral consent: the details the client agreed to share with that type of
    /// agency (letter field codes, see `cases::letters::LETTER_FIELDS`). Empty: none named.
    #[serde(default)]
    pub shared_fields: Vec<String>,
}

/// A consent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsentEvent {
    /// Id.
    pub id: ConsentEventId,
    /// The version this one corrects.
    pub supersedes: Option<ConsentEventId>,
    /// What was recorded.
    pub fields: ConsentFields,
    /// Version.
    pub meta: RecordMeta,
}

/// A note as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NoteFields {
    /// Text.
    pub body: String,
    /// `service_discipline` code: only staff of that discipline (and the author) read it.
    pub restricted_to: Option<String>,
}

/// A note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Note {
    /// Id.
    pub id: NoteId,
    /// The version this one corrects.
    pub supersedes: Option<NoteId>,
    /// What was written.
    pub fields: NoteFields,
    /// Version.
    pub meta: RecordMeta,
}

/// A document's description (its content is read separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Document {
    /// Id.
    pub id: DocumentId,
    /// File name as attached.
    pub file_name: String,
    /// Media type, e.g. `application/pdf`.
    pub media_type: String,
    /// Size in bytes (a JSON number: documents are far below 2^53 bytes).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Version.
    pub meta: RecordMeta,
}

/// A case with everything recorded in it that the reader may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseDetail {
    /// The case.
    pub case: Case,
    /// Its client (no protected fields).
    pub client: Client,
    /// Closures and reopenings, oldest first.
    pub status_events: Vec<StatusEvent>,
    /// Current incidents, oldest first.
    pub incidents: Vec<Incident>,
    /// Children.
    pub children: Vec<Child>,
    /// Current service contacts, newest first.
    pub service_contacts: Vec<ServiceContact>,
    /// Current referrals, newest first.
    pub referrals: Vec<Referral>,
    /// Protection orders.
    pub protection_orders: Vec<ProtectionOrder>,
    /// Current consent events, oldest first.
    pub consents: Vec<ConsentEvent>,
    /// Current notes the reader may see, newest first.
    pub notes: Vec<Note>,
    /// How many notes are restricted to a discipline the reader does not have.
    pub restricted_notes_hidden: u32,
    /// Documents, newest first.
    pub documents: Vec<Document>,
}

/// An append-only record (one that is corrected by a new version, never changed in place)
/// whose versions are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum RecordRef {
    /// An incident.
    Incident(IncidentId),
    /// A service contact.
    ServiceContact(ServiceContactId),
    /// A referral.
    Referral(ReferralId),
    /// A consent event.
    Consent(ConsentEventId),
    /// A note.
    Note(NoteId),
}

/// The versions of one append-only record, the asked-for one first, then the version it
/// corrected, and so on down to the one first recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", content = "versions", rename_all = "snake_case")]
pub enum RecordHistory {
    /// An incident's versions.
    Incident(Vec<Incident>),
    /// A service contact's versions.
    ServiceContact(Vec<ServiceContact>),
    /// A referral's versions.
    Referral(Vec<Referral>),
    /// A consent event's versions.
    Consent(Vec<ConsentEvent>),
    /// A note's versions (those the reader may see).
    Note(Vec<Note>),
}

/// One line of a case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseSummary {
    /// Id.
    pub id: CaseId,
    /// Case number.
    pub case_number: String,
    /// Client's pseudonym.
    pub pseudonym: String,
    /// `case_status` code.
    pub status: String,
    /// Opened on.
    pub opened_on: NaiveDate,
    /// `referral_source` code.
    pub referral_source: String,
    /// Lead worker.
    pub lead_worker: String,
    /// Next follow-up.
    pub follow_up_on: Option<NaiveDate>,
    /// The client's given and family name, only when the signed-in person chose to see
    /// names in lists and their role may ([`crate::store::Store::set_client_names_in_lists`]);
    /// otherwise absent from the serialised row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
}

/// Filters of a case list; empty fields do not filter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseFilter {
    /// `case_status` code.
    pub status: Option<String>,
    /// Lead worker or team member.
    pub worker: Option<String>,
    /// `referral_source` code.
    pub referral_source: Option<String>,
    /// Opened on or after.
    pub opened_from: Option<NaiveDate>,
    /// Opened on or before.
    pub opened_to: Option<NaiveDate>,
    /// At most this many (default 200).
    pub limit: Option<u32>,
    /// Skip this many (paging).
    pub offset: Option<u32>,
}
