//! `atrama case` (list, show, transfer) and `atrama search`.

use atrama::cases::{CaseDetail, CaseFilter};
use atrama::ids::CaseId;
use atrama::{Error, Store};

use crate::output::Output;
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum CaseCommand {
    /// List cases, newest first.
    List {
        /// Only open cases.
        #[arg(long)]
        open: bool,
        /// Only cases where I am the lead worker or on the team.
        #[arg(long)]
        mine: bool,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// Show a case with everything recorded in it.
    Show {
        /// The case number (e.g. KLP-01-2026-0042) or id.
        case: String,
        /// Also show the client's names, phone and address.
        #[arg(long)]
        identity: bool,
    },
    /// Transfer a case to another (enrolled) centre, with the client's recorded consent:
    /// writes a sealed bundle for that centre and closes the case here as transferred.
    Transfer {
        /// The case number (e.g. KLP-01-2026-0042) or id.
        case: String,
        /// The receiving centre's code.
        #[arg(long)]
        to: String,
        /// Where to write the bundle.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(clap::Args)]
pub(crate) struct SearchArgs {
    /// Words to look for (each as a prefix; diacritics do not matter).
    text: String,
    /// At most this many results.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

pub(crate) fn run(session: &Session, out: Output, cmd: CaseCommand) -> Result<(), Error> {
    match cmd {
        CaseCommand::List { open, mine, limit } => {
            let store = session.unlock(Access::Read)?;
            let filter = CaseFilter {
                status: open.then(|| "open".to_owned()),
                worker: mine.then(|| store.user().to_owned()),
                limit: Some(limit),
                ..CaseFilter::default()
            };
            out.show(&store.case_list(&filter)?, |cases| {
                for c in cases {
                    println!(
                        "{:<20} {:<10} {:<12} {} {:<10} {}",
                        c.case_number, c.pseudonym, c.status, c.opened_on, c.lead_worker, c.id
                    );
                }
                println!("{} case(s)", cases.len());
            })
        }
        CaseCommand::Show { case, identity } => {
            let store = session.unlock(Access::Read)?;
            let id = case_id(&store, &case)?;
            let detail = store.case_detail(id)?;
            if identity && out.is_json() {
                let identity = store.client_identity(detail.client.id)?;
                let both = serde_json::json!({ "detail": detail, "identity": identity });
                return out.show(&both, |_| {});
            }
            out.show_or(&detail, |detail| show_case(&store, detail, identity))
        }
        CaseCommand::Transfer {
            case,
            to,
            out: file,
        } => {
            let mut store = session.unlock(Access::Write)?;
            let id = case_id(&store, &case)?;
            out.show(&store.transfer_case(id, &to, &file)?, |report| {
                println!(
                    "Case {case} sealed for {} in {} ({} bytes, {} document(s)); it is closed here as transferred.",
                    report.to, report.path, report.size, report.documents
                );
                println!("SHA-256 {}", report.file_hash);
            })
        }
    }
}

/// `atrama search`.
pub(crate) fn search(session: &Session, out: Output, args: SearchArgs) -> Result<(), Error> {
    let store = session.unlock(Access::Read)?;
    out.show(&store.search(&args.text, Some(args.limit))?, |hits| {
        for h in hits {
            println!(
                "{:<20} {:<10} {:<8} {:<5} {}",
                h.case_number,
                h.pseudonym,
                h.status,
                h.kind,
                h.snippet.as_deref().unwrap_or("")
            );
        }
        println!("{} result(s)", hits.len());
    })
}

/// A case named on the command line by its id or its case number.
pub(crate) fn case_id(store: &Store, text: &str) -> Result<CaseId, Error> {
    match CaseId::parse(text) {
        Ok(id) => Ok(id),
        Err(_) => store.case_by_number(text),
    }
}

/// A case as text, everything recorded in it (with `identity`, the client's names too).
fn show_case(store: &Store, detail: &CaseDetail, identity: bool) -> Result<(), Error> {
    let codes = store.context().codes();
    let lang = store.profile()?.language;
    let label = |list: &str, code: &str| -> String {
        match codes.label(list, code, lang) {
            Some(l) => l.to_owned(),
            None => format!("{code} (unknown code)"),
        }
    };
    let c = &detail.case;
    let cl = &detail.client;
    println!(
        "{}  {}  [{}]",
        c.case_number,
        cl.pseudonym,
        label("case_status", &c.status)
    );
    println!(
        "  opened {}  source {}  lead {}  team {}",
        c.opened_on,
        label("referral_source", &c.referral_source),
        c.lead_worker,
        if c.team.is_empty() {
            "-".to_owned()
        } else {
            c.team.join(", ")
        }
    );
    if let Some(d) = c.police_notified_on {
        println!(
            "  police notification {d}, first contact {}",
            c.first_contact_on
                .map_or("not yet".to_owned(), |d| d.to_string())
        );
    }
    if let Some(d) = c.follow_up_on {
        println!("  follow-up {d}");
    }
    if let (Some(d), Some(r)) = (c.closed_on, &c.closure_reason) {
        println!("  closed {d}: {}", label("closure_reason", r));
    }
    println!(
        "client: {} {}  born {}",
        label("sex", &cl.sex),
        label("age_band", &cl.age_band),
        cl.birth_year.map_or("?".to_owned(), |y| y.to_string())
    );
    let cs = &cl.contact_safety;
    println!(
        "  safe to call {:?}, text {:?}, visit {:?}",
        cs.safe_to_call, cs.safe_to_text, cs.safe_to_visit
    );
    if let Some(say) = &cs.if_someone_else_answers {
        println!("  if someone else answers: {say}");
    }
    if identity {
        let id = store.client_identity(cl.id)?;
        println!(
            "  name: {} {}",
            id.given_name.unwrap_or_default(),
            id.family_name.unwrap_or_default()
        );
        println!("  phone: {}", id.phone.unwrap_or_default());
        println!("  address: {}", id.address.unwrap_or_default());
    }
    println!("incidents ({}):", detail.incidents.len());
    for i in &detail.incidents {
        let forms: Vec<String> = i
            .fields
            .violence_forms
            .iter()
            .map(|f| label("violence_form", f))
            .collect();
        let by: Vec<String> = i
            .fields
            .perpetrators
            .iter()
            .map(|p| label("relationship", &p.relationship))
            .collect();
        println!(
            "  {}  {}  GBVIMS {}  by {}",
            i.fields
                .occurred_on
                .or(i.fields.ongoing_since)
                .map_or("?".to_owned(), |d| d.to_string()),
            forms.join(", "),
            label("gbvims_type", &i.gbvims_type),
            by.join(", ")
        );
    }
    println!("children ({}):", detail.children.len());
    for ch in &detail.children {
        println!(
            "  {} {}  witnessed {:?}  harmed {:?}",
            label("sex", &ch.fields.sex),
            label("age_band", &ch.fields.age_band),
            ch.fields.witnessed,
            ch.fields.directly_harmed
        );
    }
    println!("service contacts ({}):", detail.service_contacts.len());
    for s in detail.service_contacts.iter().take(20) {
        println!(
            "  {}  {}  {}  {} min  {}",
            s.fields.on_date,
            label("service_discipline", &s.fields.discipline),
            label("service_mode", &s.fields.mode),
            s.fields.minutes,
            s.fields.staff.as_deref().unwrap_or("")
        );
    }
    println!("referrals ({}):", detail.referrals.len());
    for r in &detail.referrals {
        println!(
            "  {}  {}  {}",
            r.fields.on_date,
            label("referral_agency", &r.fields.agency_type),
            label("referral_status", &r.fields.status)
        );
    }
    println!("protection orders ({}):", detail.protection_orders.len());
    for o in &detail.protection_orders {
        println!(
            "  {}  {}  {}  {} – {}",
            label("protection_order_issuer", &o.fields.issuer),
            label("protection_order_type", &o.fields.order_type),
            label("protection_order_status", &o.fields.status),
            o.fields.starts_on.map_or("?".to_owned(), |d| d.to_string()),
            o.fields.ends_on.map_or("?".to_owned(), |d| d.to_string())
        );
    }
    println!("consents ({}):", detail.consents.len());
    for e in &detail.consents {
        println!(
            "  {}  {}{}  {}",
            e.fields.on_date,
            label("consent_purpose", &e.fields.purpose),
            e.fields
                .agency_type
                .as_deref()
                .map_or(String::new(), |a| format!(
                    " ({})",
                    label("referral_agency", a)
                )),
            if e.fields.given { "given" } else { "withdrawn" }
        );
    }
    println!(
        "notes ({}{}):",
        detail.notes.len(),
        if detail.restricted_notes_hidden > 0 {
            format!(
                ", {} restricted to another discipline",
                detail.restricted_notes_hidden
            )
        } else {
            String::new()
        }
    );
    for n in &detail.notes {
        println!(
            "  {} {}: {}",
            n.meta.created_at.format("%Y-%m-%d"),
            n.meta.created_by,
            n.fields.body
        );
    }
    println!("documents ({}):", detail.documents.len());
    for d in &detail.documents {
        println!("  {}  {}  {} bytes", d.file_name, d.media_type, d.size);
    }
    Ok(())
}
