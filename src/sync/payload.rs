//! What travels inside a bundle: JSON Lines (one JSON object per line, UTF-8), and which
//! columns of each record leave a centre at the `pseudonymised` sharing level.
//!
//! Line types (`type`): `manifest` (first line), `record`, `withdraw`, `purge`, `stat`,
//! `transfer_case`, `transfer_document`, `ack`, `analysis_template`, `reference` and
//! `reference_state` (see `refdata`), `end` (last line). See
//! `docs/bundle-format.md` for each field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The payload format this build writes (inside bundle format 2): keyed ids, versions
/// without a clock, no free text (`docs/bundle-format.md` §7.2).
pub const PAYLOAD_FORMAT: u32 = 2;

/// The oldest payload format this build still reads (bundle format 1's).
pub const OLDEST_PAYLOAD_FORMAT: u32 = 1;

/// Tables whose records travel, parents before children (the order a bundle lists them in,
/// so that an importer can insert each record after what it refers to).
pub const TABLES: &[&str] = &[
    "client",
    "case_file",
    "consent_event",
    "incident",
    "child",
    "service_contact",
    "referral",
    "protection_order",
    "case_status_event",
    "risk_assessment",
    "case_analysis",
];

/// How one column leaves the centre at the pseudonymised level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// As stored (codes, counts, yes/no).
    Keep,
    /// A date (`YYYY-MM-DD`) or timestamp reduced to the first day of its month.
    Month,
    /// Replaced by this constant (a required column whose content stays at the centre).
    Const(&'static str),
    /// Replaced by the integer 0 (a required number whose value stays at the centre).
    Zero,
    /// An id: replaced by the id derived for the recipient (`pseudonymise`).
    Id,
    /// The record's HLC: replaced by its `version`, a counter without a clock
    /// (`pseudonymise::version`); sent under the name `version`.
    Version,
    /// The client's pseudonym: replaced by one derived for the recipient.
    Pseudonym,
    /// The case number: replaced by a case reference derived for the recipient.
    CaseReference,
    /// A case analysis's facts, day counts coarsened to month starts
    /// (`analysis::exchange::outgoing`).
    AnalysisFacts,
    /// A case analysis's answers: free text left out, day counts coarsened.
    AnalysisResponses,
}

use Projection::{
    AnalysisFacts, AnalysisResponses, CaseReference, Const, Id, Keep, Month, Pseudonym, Version,
    Zero,
};

/// The sync columns every record has.
const META: &[(&str, Projection)] = &[
    ("id", Id),
    ("owner_centre", Keep),
    ("owner_install", Id),
    ("hlc", Version),
    ("created_at", Month),
    ("created_by", Const("")),
    ("deleted_at", Month),
];

/// The name a column travels under: the HLC leaves as `version` (payload format 2).
pub fn wire_name(column: &str) -> &str {
    if column == "hlc" { "version" } else { column }
}

/// The columns of `table` that a pseudonymised bundle carries, with how each is reduced.
/// Columns not listed (names, phone, address, contact safety, birth year, municipality,
/// staff names, follow-up dates, notes, documents, the reason of a reopening or closing,
/// the risk score) never leave the centre.
pub fn pseudonymised_columns(table: &str) -> Vec<(&'static str, Projection)> {
    let own: &[(&str, Projection)] = match table {
        "client" => &[
            ("pseudonym", Pseudonym),
            ("sex", Keep),
            ("age_band", Keep),
            ("disability", Keep),
            ("migrant", Keep),
            ("safe_to_call", Const("unknown")),
            ("safe_to_text", Const("unknown")),
            ("safe_to_visit", Const("unknown")),
        ],
        "case_file" => &[
            ("client_id", Id),
            ("case_number", CaseReference),
            ("opened_on", Month),
            ("referral_source", Keep),
            ("police_notified_on", Month),
            ("first_contact_on", Month),
            ("intake_outcome", Keep),
            ("status", Keep),
            ("closed_on", Month),
            ("closure_reason", Keep),
            ("lead_worker", Const("")),
            ("updated_at", Month),
        ],
        "consent_event" => &[
            ("supersedes", Id),
            ("case_id", Id),
            ("purpose", Keep),
            ("agency_type", Keep),
            ("given", Keep),
            ("given_by", Keep),
            ("on_date", Month),
        ],
        "incident" => &[
            ("supersedes", Id),
            ("case_id", Id),
            ("occurred_on", Month),
            ("ongoing_since", Month),
            ("violence_forms", Keep),
            ("gbvims_type", Keep),
            ("place_type", Keep),
            ("reported_to_police", Keep),
            ("perpetrators", Keep),
        ],
        "child" => &[
            ("case_id", Id),
            ("sex", Keep),
            ("age_band", Keep),
            ("lives_with_client", Keep),
            ("witnessed", Keep),
            ("directly_harmed", Keep),
            ("child_protection_referral", Keep),
        ],
        "service_contact" => &[
            ("supersedes", Id),
            ("case_id", Id),
            ("on_date", Month),
            ("discipline", Keep),
            ("mode", Keep),
            ("minutes", Keep),
            ("is_group", Keep),
            ("staff", Const("")),
        ],
        "referral" => &[
            ("supersedes", Id),
            ("case_id", Id),
            ("on_date", Month),
            ("agency_type", Keep),
            ("status", Keep),
            ("consent_event_id", Id),
        ],
        "protection_order" => &[
            ("case_id", Id),
            ("issuer", Keep),
            ("order_type", Keep),
            ("status", Keep),
            ("applied_on", Month),
            ("decided_on", Month),
            ("starts_on", Month),
            ("ends_on", Month),
            ("breaches", Keep),
        ],
        "case_status_event" => &[
            ("supersedes", Id),
            ("case_id", Id),
            ("kind", Keep),
            ("on_date", Month),
        ],
        // Table T8 counts assessments by instrument and band. The answers (which may hold
        // the client's words), the assessor, the reason for an override and the score
        // (which hints at the items answered yes) stay here: the band travels.
        "risk_assessment" => &[
            ("supersedes", Id),
            ("case_id", Id),
            ("instrument_id", Keep),
            ("instrument_version", Keep),
            ("assessed_on", Month),
            ("assessor", Const("")),
            ("answers", Const("{}")),
            ("score", Zero),
            ("band", Keep),
            ("override_band", Keep),
            ("final_band", Keep),
        ],
        // The joint case analysis (`crate::analysis`): facts are day counts (coarsened to
        // month starts) and codes; of the responses, choices, numbers, yes/no and date
        // intervals (coarsened) travel, free text stays at the centre.
        "case_analysis" => &[
            ("supersedes", Id),
            ("case_id", Id),
            ("template_id", Keep),
            ("template_version", Keep),
            ("completed_on", Month),
            ("facts", AnalysisFacts),
            ("responses", AnalysisResponses),
        ],
        _ => &[],
    };
    META.iter().chain(own.iter()).copied().collect()
}

/// Applies a projection to one stored value: the ones that need nothing but the value
/// (`Keep`, `Month`, `Const`, `Zero`). The keyed ones (`Id`, `Pseudonym`, `CaseReference`),
/// `Version` and the analysis columns are made by the export (`sync::export`), which has the
/// key, the store and the row; given here, they give null.
pub fn project(p: Projection, value: Value) -> Value {
    match (p, value) {
        (Keep, v) => v,
        (Const(c), _) => Value::String(c.to_owned()),
        (Zero, _) => Value::from(0),
        (_, Value::Null) => Value::Null,
        (Month, Value::String(s)) => {
            // `YYYY-MM-DD…` → `YYYY-MM-01` (timestamps keep their form: `…-01T00:00:00+00:00`).
            if s.len() >= 10 && s.is_char_boundary(7) {
                let rest = if s.len() > 10 { "T00:00:00+00:00" } else { "" };
                Value::String(format!("{}-01{rest}", &s[..7]))
            } else {
                Value::Null
            }
        }
        (_, _) => Value::Null,
    }
}

/// Reads a JSON object into a map, refusing a key that appears twice (`serde_json` alone
/// keeps the last): a row or a manifest map with a repeated key is a damaged payload.
fn unique_keys<'de, D, V>(d: D) -> std::result::Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Unique<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object naming each key once")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, V>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("'{k}' appears twice")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One line of a payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Line {
    /// First line: what the bundle holds.
    Manifest(Manifest),
    /// A record's current state.
    Record {
        /// Its table.
        table: String,
        /// Column → value (strings, integers or null).
        #[serde(deserialize_with = "unique_keys")]
        row: BTreeMap<String, Value>,
    },
    /// The centre no longer shares this case (consent withdrawn): the coordinator removes
    /// its copy of everything in it.
    Withdraw {
        /// The case.
        case_id: String,
    },
    /// The centre purged this case under its retention policy: the coordinator adds the
    /// case's contribution to its archived monthly counts, then removes its copy.
    Purge {
        /// The case.
        case_id: String,
        /// What the case added to the centre's archived counts (codes and months only);
        /// empty when its client had not consented to statistics when it was purged.
        /// Absent from bundles of Atrama before schema 29: the coordinator then archives its
        /// own copy of the case.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counts: Option<Vec<crate::admin::retention::CaseCount>>,
    },
    /// One count of the sender's monthly tables (a `statistics`-level bundle): the month
    /// lies in the manifest's `statistics` range.
    Stat {
        /// `YYYY-MM`.
        month: String,
        /// `T1`, `T2a`, …, `T10a`, or `open_at_month_end`.
        part: String,
        /// Category code (codes joined with `|` for crossed parts).
        code: String,
        /// The count.
        value: i64,
    },
    /// A transferred case (a `transfer` bundle): everything but its documents.
    TransferCase(Box<super::transfer::TransferCase>),
    /// A part of a transferred case's document (a `transfer` bundle), in order.
    TransferDocument {
        /// File name as attached.
        file_name: String,
        /// Media type.
        media_type: String,
        /// This part's number, from 0.
        part: u32,
        /// How many parts the document has.
        parts: u32,
        /// The part's bytes, base64 (standard alphabet, padded).
        data: String,
    },
    /// The coordinator's acknowledgement of a centre's bundles.
    Ack(Ack),
    /// A case-analysis template version, in a return bundle (`crate::analysis::exchange`).
    AnalysisTemplate(crate::analysis::exchange::TemplateLine),
    /// Reference data for the centre (return bundles only): code lists, an instrument pack
    /// or the referral directory.
    Reference(super::refdata::ReferenceData),
    /// The reference data in force at the sending centre (centre exports only), so that the
    /// coordination centre attaches to its return bundles only what the centre lacks.
    ReferenceState {
        /// Kind, id and version of each item in force.
        items: Vec<super::refdata::ReferenceVersion>,
    },
    /// Last line: totals, so that a payload cut short is noticed.
    End(Totals),
}

/// How many lines of each kind a payload holds: written as its `end` line, and counted again
/// by the reader, which refuses a payload whose counts differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Number of `record` lines.
    pub records: u64,
    /// Number of `withdraw` lines.
    pub withdrawn: u64,
    /// Number of `ack` lines.
    pub acks: u64,
    /// Number of `purge` lines (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub purged: u64,
    /// Number of `stat` lines (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stats: u64,
    /// Number of `analysis_template` lines (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub templates: u64,
    /// Number of `reference` lines (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reference: u64,
}

/// The first line of a payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`PAYLOAD_FORMAT`].
    pub payload_format: u32,
    /// The sender's centre code.
    pub centre: String,
    /// `pseudonymised` (records), `statistics` (monthly counts only), or `none` for a
    /// return bundle.
    pub sharing: String,
    /// The change-log sequence range covered: `(from, to]`.
    pub change_seq_from: i64,
    /// End of the range.
    pub change_seq_to: i64,
    /// Records per table.
    #[serde(deserialize_with = "unique_keys")]
    pub counts: BTreeMap<String, u64>,
    /// Cases withdrawn.
    pub withdrawn: u64,
    /// Cases purged under the sender's retention policy (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub purged: u64,
    /// The columns sent per table.
    #[serde(deserialize_with = "unique_keys")]
    pub fields: BTreeMap<String, Vec<String>>,
    /// A `statistics` bundle: the months its counts cover, each in full (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<StatMonths>,
    /// A centre of several computers: which of them exported the bundle, under which holder
    /// epoch (absent from a centre of one computer, and from return and transfer bundles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter: Option<Exporter>,
}

/// The computer of a centre that exported a bundle (`docs/peers.md`, `docs/bundle-format.md`
/// §7): the coordination centre refuses a bundle from a computer that no longer holds the
/// role once it has one from the computer that took it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exporter {
    /// The computer's installation id, derived for the recipient as every id is (§7.2).
    pub id: String,
    /// The holder epoch: 0 for the first computer, one more at every handover or takeover.
    pub epoch: u64,
}

/// The months a statistics-level bundle covers: for each, the `stat` lines are the whole
/// of the sender's counts (a month without lines has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatMonths {
    /// First month, `YYYY-MM`.
    pub from: String,
    /// Last month, `YYYY-MM`.
    pub to: String,
}

/// An acknowledgement, in a return bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    /// The centre acknowledged.
    pub centre: String,
    /// Bundles of that centre applied here.
    pub applied: Vec<AckedBundle>,
    /// The highest sequence number seen from that centre.
    pub highest_sequence: u64,
}

/// One applied bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckedBundle {
    /// Its id.
    pub bundle_id: String,
    /// SHA-256 of its file.
    pub file_hash: String,
    /// Its sequence number.
    pub sequence: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_reduced_to_their_month_and_private_columns_replaced() {
        assert_eq!(
            project(Month, Value::String("2026-03-17".into())),
            Value::String("2026-03-01".into())
        );
        assert_eq!(
            project(Month, Value::String("2026-03-17T09:15:00.123+00:00".into())),
            Value::String("2026-03-01T00:00:00+00:00".into())
        );
        assert_eq!(project(Month, Value::Null), Value::Null);
        assert_eq!(
            project(Const(""), Value::String("ona".into())),
            Value::String(String::new())
        );
        assert_eq!(project(Zero, Value::from(17)), Value::from(0));
    }

    #[test]
    fn no_protected_column_is_ever_projected() {
        for table in TABLES {
            let cols = pseudonymised_columns(table);
            assert!(cols.len() > META.len(), "{table} has no columns");
            for (name, p) in cols {
                for private in [
                    "given_name",
                    "family_name",
                    "phone",
                    "address",
                    "if_someone_else_answers",
                    "safety_notes",
                    "birth_year",
                    "municipality",
                    "body",
                    "content",
                    "file_name",
                    "override_reason",
                    "sections",
                    "reason",
                ] {
                    assert_ne!(name, private, "{table}.{private} would leave the centre");
                }
                if ["created_by", "staff", "lead_worker", "assessor", "answers"].contains(&name) {
                    assert!(matches!(p, Const(_)), "{table}.{name} names staff");
                }
                // Every id is derived for the recipient; the HLC never leaves.
                if name == "id"
                    || name.ends_with("_id") && !["instrument_id", "template_id"].contains(&name)
                    || ["supersedes", "owner_install"].contains(&name)
                {
                    assert_eq!(p, Id, "{table}.{name} would leave as the centre's own id");
                }
                if name == "hlc" {
                    assert_eq!(p, Version, "{table}.hlc would leave as a clock reading");
                }
                assert!(
                    !["case_number", "pseudonym"].contains(&name) || p != Keep,
                    "{table}.{name} would leave as typed"
                );
            }
        }
    }

    #[test]
    fn lines_round_trip_and_unknown_fields_are_refused() {
        let line = Line::End(Totals {
            records: 3,
            ..Totals::default()
        });
        let text = serde_json::to_string(&line).unwrap();
        assert_eq!(text, r#"{"type":"end","records":3,"withdrawn":0,"acks":0}"#);
        assert_eq!(serde_json::from_str::<Line>(&text).unwrap(), line);
        assert!(
            serde_json::from_str::<Line>(
                r#"{"type":"end","records":3,"withdrawn":0,"acks":0,"x":1}"#
            )
            .is_err()
        );
    }

    #[test]
    fn a_key_named_twice_is_refused() {
        let ok = r#"{"type":"record","table":"client","row":{"id":"a","sex":"female"}}"#;
        assert!(serde_json::from_str::<Line>(ok).is_ok());
        for twice in [
            r#"{"type":"record","table":"client","row":{"id":"a","sex":"female","sex":"male"}}"#,
            r#"{"type":"record","table":"client","table":"case_file","row":{"id":"a"}}"#,
            r#"{"type":"end","records":3,"records":4,"withdrawn":0,"acks":0}"#,
            r#"{"type":"manifest","payload_format":2,"centre":"K","sharing":"none","change_seq_from":0,"change_seq_to":0,"counts":{"client":1,"client":2},"withdrawn":0,"fields":{}}"#,
        ] {
            assert!(serde_json::from_str::<Line>(twice).is_err(), "{twice}");
        }
    }
}
