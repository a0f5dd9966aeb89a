//! Newtype record ids: UUIDv7 (time-ordered, so new rows land at the end of the index),
//! one type per kind of record so that a note id cannot be passed where a case id is meant.

use uuid::Uuid;

/// A typed record id that knows the table its records live in.
pub trait RecordKey: Copy + std::fmt::Display {
    /// The table (and change-log kind) of this kind of record.
    const TABLE: &'static str;
    /// The id as a UUID.
    fn uuid(&self) -> Uuid;
}

macro_rules! record_id {
    ($($(#[$doc:meta])* $name:ident => $table:literal),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                $name(Uuid::now_v7())
            }

            /// Reads an id as text (with or without dashes).
            pub fn parse(text: &str) -> crate::Result<Self> {
                Uuid::parse_str(text.trim()).map($name).map_err(|_| {
                    crate::Error::InvalidInput(format!(
                        "'{}' is not a valid id; copy the id as shown by `atrama case list`",
                        text.trim()
                    ))
                })
            }
        }

        // Written by hand rather than `#[serde(transparent)]`, which ts-rs cannot read: the
        // id crosses as its UUID string.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.0, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Uuid::deserialize(d).map($name)
            }
        }

        impl RecordKey for $name {
            const TABLE: &'static str = $table;
            fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.0.to_string()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                Uuid::parse_str(text)
                    .map($name)
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    )*};
}

record_id! {
    /// A client (the person supported).
    ClientId => "client",
    /// A case.
    CaseId => "case_file",
    /// An incident of violence.
    IncidentId => "incident",
    /// A child affected by the case.
    ChildId => "child",
    /// A service contact.
    ServiceContactId => "service_contact",
    /// A referral to another agency.
    ReferralId => "referral",
    /// A protection order.
    ProtectionOrderId => "protection_order",
    /// A consent event.
    ConsentEventId => "consent_event",
    /// A note.
    NoteId => "note",
    /// A document.
    DocumentId => "document",
    /// A case closure or reopening.
    StatusEventId => "case_status_event",
    /// A risk assessment.
    RiskAssessmentId => "risk_assessment",
    /// A version of a safety plan.
    SafetyPlanId => "safety_plan",
    /// A completed joint case analysis.
    CaseAnalysisId => "case_analysis",
    /// A case conference (multi-agency risk meeting).
    ConferenceId => "case_conference",
    /// An action agreed at a case conference.
    ConferenceActionId => "conference_action",
    /// The outcome of a conference action.
    ConferenceOutcomeId => "conference_outcome",
    /// A referral letter.
    ReferralLetterId => "referral_letter",
    /// An appointment with a client.
    AppointmentId => "appointment",
}
