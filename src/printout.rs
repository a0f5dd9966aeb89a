//! The printable case summary and the client's own copy (GDPR Art. 15, right of access).
//!
//! A printout holds the sections the person chose, read through the same reader the case
//! page uses, so restricted notes appear only for their discipline. The client's copy
//! leaves out, unless asked for, the data of third parties (the perpetrators named in the
//! incidents, the children) and the centre's internal records (notes, risk assessments);
//! what was left out is listed on the copy. Every printout is recorded in the access log
//! with its kind and sections (never its content). The text is laid out and printed by the
//! shells (the app saves it as a PDF through the print engine); nothing is written here.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::cases::model::{
    Case, Child, Client, ClientIdentity, ConsentEvent, Incident, Note, ProtectionOrder, Referral,
    ServiceContact, StatusEvent,
};
use crate::error::{Error, Result};
use crate::ids::CaseId;
use crate::risk::{RiskAssessment, SafetyPlan};
use crate::store::Store;
use crate::store::access_log::Action;

/// The sections of a printout, in the order they are printed.
pub const SECTIONS: [&str; 10] = [
    "client",
    "incidents",
    "children",
    "services",
    "referrals",
    "orders",
    "consents",
    "risk",
    "safety_plan",
    "notes",
];

/// Sections that hold other people's data: in a client's copy only when asked for.
const THIRD_PARTY: [&str; 1] = ["children"];
/// Sections that are the centre's internal records: in a client's copy only when asked for.
const INTERNAL: [&str; 2] = ["notes", "risk"];

/// Which printout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum PrintoutKind {
    /// The case summary for the centre's work (a file, a case conference).
    Summary,
    /// The client's own copy of her data (right of access).
    ClientCopy,
}

impl PrintoutKind {
    fn code(self) -> &'static str {
        match self {
            PrintoutKind::Summary => "case summary",
            PrintoutKind::ClientCopy => "client copy",
        }
    }
}

/// What to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PrintoutRequest {
    /// Summary or client's copy.
    pub kind: PrintoutKind,
    /// The sections chosen (names from [`SECTIONS`]).
    pub sections: Vec<String>,
    /// Client's copy: include third parties' data (perpetrators, children).
    #[serde(default)]
    pub third_parties: bool,
    /// Client's copy: include the centre's internal records (notes, risk assessments).
    #[serde(default)]
    pub internal: bool,
}

/// A case laid out for print: only the sections chosen and allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CasePrintout {
    /// Summary or client's copy.
    pub kind: PrintoutKind,
    /// The sections printed, in print order.
    pub sections: Vec<String>,
    /// What a client's copy left out: section names, and `perpetrators` when the
    /// incidents are printed without them.
    pub withheld: Vec<String>,
    /// The centre's name.
    pub centre_name: String,
    /// The centre's code.
    pub centre_code: String,
    /// Who printed it.
    pub printed_by: String,
    /// The day it was printed.
    pub printed_on: NaiveDate,
    /// The case.
    pub case: Case,
    /// Its client (no protected fields).
    pub client: Client,
    /// Names, phone and address (with the `client` section).
    pub identity: Option<ClientIdentity>,
    /// Closures and reopenings.
    pub status_events: Vec<StatusEvent>,
    /// Incidents (a client's copy without the perpetrators unless asked for).
    pub incidents: Vec<Incident>,
    /// Children.
    pub children: Vec<Child>,
    /// Service contacts, oldest first.
    pub service_contacts: Vec<ServiceContact>,
    /// Referrals, oldest first.
    pub referrals: Vec<Referral>,
    /// Protection orders.
    pub protection_orders: Vec<ProtectionOrder>,
    /// Consent events.
    pub consents: Vec<ConsentEvent>,
    /// Risk assessments (date, instrument and band; the answers are not printed).
    pub risk: Vec<RiskAssessment>,
    /// The current safety plan.
    pub safety_plan: Option<SafetyPlan>,
    /// Notes the printing person may read, oldest first.
    pub notes: Vec<Note>,
    /// Restricted notes left out because the printing person lacks their discipline.
    pub restricted_notes_hidden: u32,
}

/// The list reversed (the case page lists newest first, a printout oldest first), or
/// nothing when its section is not printed.
fn oldest_first<T>(mut v: Vec<T>, printed: bool) -> Vec<T> {
    if !printed {
        v.clear();
    }
    v.reverse();
    v
}

impl Store {
    /// A case laid out for print (see the module documentation); the printout is recorded
    /// in the access log with its kind and sections.
    pub fn case_printout(&self, case: CaseId, request: &PrintoutRequest) -> Result<CasePrintout> {
        if request.sections.is_empty() {
            return Err(Error::invalid(
                "choose at least one section to print, then print again",
            ));
        }
        if let Some(bad) = request
            .sections
            .iter()
            .find(|s| !SECTIONS.contains(&s.as_str()))
        {
            return Err(Error::invalid(format!(
                "'{bad}' is not a section of a case printout; choose from {}",
                SECTIONS.join(", ")
            )));
        }
        let copy = request.kind == PrintoutKind::ClientCopy;
        let mut withheld = Vec::new();
        let sections: Vec<String> = SECTIONS
            .iter()
            .filter(|s| request.sections.iter().any(|r| r == *s))
            .filter(|s| {
                let left_out = copy
                    && ((THIRD_PARTY.contains(s) && !request.third_parties)
                        || (INTERNAL.contains(s) && !request.internal));
                if left_out {
                    withheld.push((**s).to_owned());
                }
                !left_out
            })
            .map(|s| (*s).to_owned())
            .collect();
        let has = |name: &str| sections.iter().any(|s| s == name);

        let detail = crate::cases::read::case_detail(
            &self.conn,
            &self.ctx.user,
            &self.ctx.disciplines,
            case,
        )?;
        let profile = self.profile()?;
        let identity = if has("client") {
            Some(crate::cases::read::client_identity(
                &self.conn,
                detail.client.id,
            )?)
        } else {
            None
        };
        let mut incidents = if has("incidents") {
            detail.incidents
        } else {
            Vec::new()
        };
        if copy
            && !request.third_parties
            && incidents.iter().any(|i| !i.fields.perpetrators.is_empty())
        {
            for i in &mut incidents {
                i.fields.perpetrators.clear();
            }
            withheld.push("perpetrators".to_owned());
        }
        let risk = if has("risk") {
            let mut all = self.risk_history(case)?.assessments;
            for a in &mut all {
                a.answers.clear();
            }
            all
        } else {
            Vec::new()
        };
        let safety_plan = if has("safety_plan") {
            self.safety_plan(case)?.current
        } else {
            None
        };
        let service_contacts = oldest_first(detail.service_contacts, has("services"));
        let referrals = oldest_first(detail.referrals, has("referrals"));
        let notes = oldest_first(detail.notes, has("notes"));
        let printout = CasePrintout {
            kind: request.kind,
            withheld,
            centre_name: profile.name,
            centre_code: profile.code,
            printed_by: self.ctx.user.clone(),
            printed_on: Utc::now().date_naive(),
            status_events: detail.status_events,
            children: if has("children") {
                detail.children
            } else {
                Vec::new()
            },
            incidents,
            service_contacts,
            referrals,
            protection_orders: if has("orders") {
                detail.protection_orders
            } else {
                Vec::new()
            },
            consents: if has("consents") {
                detail.consents
            } else {
                Vec::new()
            },
            risk,
            safety_plan,
            notes,
            restricted_notes_hidden: if has("notes") {
                detail.restricted_notes_hidden
            } else {
                0
            },
            case: detail.case,
            client: detail.client,
            identity,
            sections,
        };
        let mut what = format!("{}: {}", request.kind.code(), printout.sections.join(", "));
        if !printout.withheld.is_empty() {
            what.push_str(&format!("; left out: {}", printout.withheld.join(", ")));
        }
        self.log_access(Action::Print, Some(case), Some(&what))?;
        Ok(printout)
    }
}
