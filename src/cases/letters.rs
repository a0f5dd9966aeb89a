//! Referral letters: from a referral in a case, the letter for the receiving agency, holding
//! **only** the details the client consented to share with that type of agency.
//!
//! A consent to a referral (`consent_event`, purpose `referral`) names the agency type and
//! the fields the client agreed to share (`shared_fields`, codes of [`LETTER_FIELDS`]). The
//! letter relies on the consent **in force** for the referral's agency type (the newest
//! current referral consent for that type): if it was withdrawn, or names no fields, no
//! letter is made. The core builds the whole letter — addressee from the referral directory,
//! texts in the agency's language (`assets/letters/referral.json`), the included fields and
//! their values — and records it (`referral_letter`: case, referral, consent event, fields,
//! language, who, when; the letter itself), logged in the access log as a print. A value of
//! a field that was not consented to is never read into the letter.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::model::{CaseDetail, ConsentFields, Tri};
use crate::audit::Action;
use crate::centre::Language;
use crate::directory::DirectoryAgency;
use crate::error::{Error, Result};
use crate::ids::{CaseId, ConsentEventId, ReferralId, ReferralLetterId};
use crate::store::Store;

/// The details a referral consent may name, in the order a letter lists them.
pub const LETTER_FIELDS: &[&str] = &[
    "name",
    "birth_year",
    "phone",
    "address",
    "language",
    "contact_safety",
    "children",
    "violence_forms",
    "risk_level",
    "protection_orders",
];

const TEMPLATE: &str = include_str!("../../assets/letters/referral.json");

/// Checks the fields a consent names: only a referral consent names fields, each a known
/// letter field. Returns them as stored (a JSON array, in letter order), or `None`.
pub(crate) fn check_shared_fields(f: &ConsentFields) -> Result<Option<String>> {
    if f.shared_fields.is_empty() {
        return Ok(None);
    }
    if f.purpose != "referral" {
        return Err(Error::invalid(
            "only a consent to a referral names the details to share",
        ));
    }
    if let Some(bad) = f
        .shared_fields
        .iter()
        .find(|x| !LETTER_FIELDS.contains(&x.as_str()))
    {
        return Err(Error::invalid(format!(
            "'{bad}' is not a detail a referral letter can share; use {}",
            LETTER_FIELDS.join(", ")
        )));
    }
    let ordered: Vec<&str> = LETTER_FIELDS
        .iter()
        .copied()
        .filter(|x| f.shared_fields.iter().any(|s| s == x))
        .collect();
    Ok(Some(serde_json::to_string(&ordered).map_err(|e| {
        Error::invalid(format!("cannot encode the consent: {e}"))
    })?))
}

/// The fixed texts of a letter in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LetterText {
    /// Heading.
    pub title: String,
    /// "To".
    pub to: String,
    /// "From".
    pub from: String,
    /// "Date".
    pub date: String,
    /// "Our reference".
    pub our_reference: String,
    /// "Type of agency".
    pub agency_type: String,
    /// "Referral date".
    pub referred_on: String,
    /// The opening paragraph.
    pub intro: String,
    /// "Consent relied on".
    pub consent_heading: String,
    /// The consent sentence, filled in.
    pub consent_line: String,
    /// "Consent record".
    pub consent_record: String,
    /// "Details shared with consent".
    pub details_heading: String,
    /// When no detail is shared.
    pub none_shared: String,
    /// "Only the details … are included."
    pub only_consented: String,
    /// "Prepared by".
    pub prepared_by: String,
    /// The confidentiality line.
    pub confidential: String,
}

/// One detail in the letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LetterLine {
    /// The field code (one of [`LETTER_FIELDS`]).
    pub field: String,
    /// Its label in the letter's language.
    pub label: String,
    /// The value.
    pub value: String,
}

/// The consent a letter relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LetterConsent {
    /// The consent event.
    pub id: ConsentEventId,
    /// When it was given.
    pub on_date: NaiveDate,
    /// By whom (label in the letter's language).
    pub given_by: String,
    /// The fields it names.
    pub shared_fields: Vec<String>,
}

/// A referral letter, built by the core; the UI only lays it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReferralLetter {
    /// Its id (recorded).
    pub id: ReferralLetterId,
    /// The case.
    pub case_id: CaseId,
    /// The referral.
    pub referral_id: ReferralId,
    /// The letter's language (`en`, `lt`, `lv`, `az`, `ru`).
    pub language: Language,
    /// The fixed texts in that language.
    pub text: LetterText,
    /// The addressee from the referral directory (none chosen: the agency type only).
    pub addressee: Option<DirectoryAgency>,
    /// The agency type's label.
    pub agency_type: String,
    /// The sending centre's name.
    pub centre_name: String,
    /// Its code.
    pub centre_code: String,
    /// The case number (the centre's reference).
    pub case_number: String,
    /// The referral's date.
    pub referred_on: NaiveDate,
    /// The day the letter was made.
    pub created_on: NaiveDate,
    /// Who made it.
    pub created_by: String,
    /// The consent relied on.
    pub consent: LetterConsent,
    /// The details included, in letter order: exactly the consented ones that have a value.
    pub lines: Vec<LetterLine>,
}

/// A letter as listed in the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReferralLetterSummary {
    /// Id.
    pub id: ReferralLetterId,
    /// The referral.
    pub referral_id: ReferralId,
    /// The consent relied on.
    pub consent_event_id: ConsentEventId,
    /// The addressee's name (or the agency type).
    pub addressee: String,
    /// Language.
    pub language: String,
    /// Fields included.
    pub fields: Vec<String>,
    /// When.
    pub created_at: String,
    /// Who.
    pub created_by: String,
}

type Template = BTreeMap<String, serde_json::Value>;

fn template(lang: Language) -> Result<&'static serde_json::Value> {
    static PARSED: OnceLock<std::result::Result<Template, String>> = OnceLock::new();
    let all = PARSED
        .get_or_init(|| serde_json::from_str(TEMPLATE).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::invalid(format!("the letter template is broken: {e}")))?;
    all.get(lang.code())
        .or_else(|| all.get("en"))
        .ok_or_else(|| Error::invalid("the letter template has no English texts"))
}

fn s(t: &serde_json::Value, key: &str) -> String {
    t.get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or(key)
        .to_owned()
}

fn field_label(t: &serde_json::Value, field: &str) -> String {
    t.get("fields")
        .and_then(|f| f.get(field))
        .and_then(serde_json::Value::as_str)
        .unwrap_or(field)
        .to_owned()
}

fn tri(t: &serde_json::Value, v: Tri) -> String {
    s(t, v.code())
}

/// The details of one field, read only when the field is consented to.
fn value_of(
    store: &Store,
    t: &serde_json::Value,
    lang: Language,
    detail: &CaseDetail,
    field: &str,
) -> Result<Option<String>> {
    let codes = store.ctx.codes;
    let label = |list: &str, code: &str| {
        codes
            .label(list, code, lang)
            .map_or_else(|| code.to_owned(), str::to_owned)
    };
    let non_empty = |v: Option<String>| v.filter(|x| !x.trim().is_empty());
    Ok(match field {
        "name" => {
            let id = super::read::client_identity(&store.conn, detail.client.id)?;
            let name = [id.given_name, id.family_name]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            non_empty(Some(name))
        }
        "phone" => non_empty(super::read::client_identity(&store.conn, detail.client.id)?.phone),
        "address" => {
            non_empty(super::read::client_identity(&store.conn, detail.client.id)?.address)
        }
        "birth_year" => Some(match detail.client.birth_year {
            Some(y) => y.to_string(),
            None => label("age_band", &detail.client.age_band),
        }),
        "language" => non_empty(detail.client.language.clone()),
        "contact_safety" => {
            let cs = &detail.client.contact_safety;
            let mut parts = vec![
                format!("{}: {}", s(t, "safe_to_call"), tri(t, cs.safe_to_call)),
                format!("{}: {}", s(t, "safe_to_text"), tri(t, cs.safe_to_text)),
                format!("{}: {}", s(t, "safe_to_visit"), tri(t, cs.safe_to_visit)),
            ];
            if let Some(say) = non_empty(cs.if_someone_else_answers.clone()) {
                parts.push(format!("{}: {say}", s(t, "if_someone_else_answers")));
            }
            Some(parts.join("; "))
        }
        "children" => {
            if detail.children.is_empty() {
                None
            } else {
                let bands: Vec<String> = detail
                    .children
                    .iter()
                    .map(|c| label("age_band", &c.fields.age_band))
                    .collect();
                Some(format!(
                    "{} ({})",
                    s(t, "children_count").replace("{n}", &detail.children.len().to_string()),
                    bands.join(", ")
                ))
            }
        }
        "violence_forms" => {
            let mut forms: Vec<String> = Vec::new();
            for i in &detail.incidents {
                for f in &i.fields.violence_forms {
                    let l = label("violence_form", f);
                    if !forms.contains(&l) {
                        forms.push(l);
                    }
                }
            }
            (!forms.is_empty()).then(|| forms.join(", "))
        }
        "risk_level" => store.latest_risk(detail.case.id)?.map(|r| {
            let band = r
                .final_band_label
                .as_ref()
                .and_then(|l| l.get(lang.code()).or_else(|| l.values().next()).cloned())
                .unwrap_or_else(|| r.final_band.clone());
            format!("{band} ({})", r.assessed_on)
        }),
        "protection_orders" => {
            let orders: Vec<String> = detail
                .protection_orders
                .iter()
                .map(|o| {
                    let f = &o.fields;
                    let mut line = format!(
                        "{} — {}",
                        label("protection_order_type", &f.order_type),
                        label("protection_order_status", &f.status)
                    );
                    if let (Some(a), Some(b)) = (f.starts_on, f.ends_on) {
                        line.push_str(&format!(", {a} – {b}"));
                    }
                    line
                })
                .collect();
            (!orders.is_empty()).then(|| orders.join("; "))
        }
        _ => None,
    })
}

impl Store {
    /// Makes and records the letter for a referral, addressed to `agency` of the referral
    /// directory (its language), or — with no agency — to the agency type in `language` (the
    /// centre's language when not given). Refused when the client's consent for that agency
    /// type is not in force or names no details, when the referral has a newer version (a
    /// correction or a status change) and when its case was deleted.
    pub fn create_referral_letter(
        &mut self,
        referral: ReferralId,
        agency: Option<&str>,
        language: Option<Language>,
    ) -> Result<ReferralLetter> {
        type Row = (
            CaseId,
            String,
            String,
            Option<String>,
            bool,
            Option<String>,
            String,
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT r.case_id, r.agency_type, r.on_date, r.deleted_at,
                        EXISTS (SELECT 1 FROM referral n WHERE n.supersedes = r.id),
                        c.deleted_at, c.case_number
                 FROM referral r JOIN case_file c ON c.id = r.case_id WHERE r.id = ?1",
                [referral],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((case, agency_type, referred_on, None, replaced, case_deleted, number)) = row
        else {
            return Err(Error::NotFound {
                what: "referral",
                id: referral.to_string(),
            });
        };
        // Only the referral as it stands, in a live case: a version a correction (or a status
        // change) replaced may name another agency than the referral now goes to.
        if case_deleted.is_some() {
            return Err(Error::invalid(format!(
                "case {number} was deleted; no letter can be made from it"
            )));
        }
        if replaced {
            return Err(Error::invalid(
                "this referral was corrected or its status changed since the page was opened; \
                 open the case again and make the letter from the referral as it stands",
            ));
        }
        let detail = self.case_detail_quiet(case)?;
        let profile = self.profile()?;
        let codes = self.ctx.codes;
        // The consent in force for this agency type: the newest current referral consent.
        let consent = detail
            .consents
            .iter()
            .filter(|c| {
                c.fields.purpose == "referral"
                    && c.fields.agency_type.as_deref() == Some(agency_type.as_str())
            })
            .max_by_key(|c| (c.fields.on_date, c.meta.version))
            .cloned();
        let agency_label = |lang: Language| {
            codes
                .label("referral_agency", &agency_type, lang)
                .map_or_else(|| agency_type.clone(), str::to_owned)
        };
        let Some(consent) = consent.filter(|c| c.fields.given) else {
            return Err(Error::invalid(format!(
                "the client has not given (or has withdrawn) consent to share details with {}; record the consent first",
                agency_label(Language::En)
            )));
        };
        if consent.fields.shared_fields.is_empty() {
            return Err(Error::invalid(
                "the consent for this agency type does not say which details may be shared; record the client's consent again, choosing the details",
            ));
        }
        let addressee = match agency {
            None => None,
            Some(id) => {
                let found = self
                    .directory(Some(&agency_type))?
                    .into_iter()
                    .find(|a| a.id == id);
                Some(found.ok_or_else(|| {
                    Error::invalid(format!(
                        "agency '{id}' is not a {} in the referral directory; choose one from the directory",
                        agency_label(Language::En)
                    ))
                })?)
            }
        };
        let lang = match (&addressee, language) {
            (Some(a), _) => Language::parse(&a.language).unwrap_or(profile.language),
            (None, Some(l)) => l,
            (None, None) => profile.language,
        };
        let t = template(lang)?;
        let mut lines = Vec::new();
        for field in LETTER_FIELDS {
            if !consent.fields.shared_fields.iter().any(|f| f == field) {
                continue; // not consented: never read
            }
            if let Some(value) = value_of(self, t, lang, &detail, field)? {
                lines.push(LetterLine {
                    field: (*field).to_owned(),
                    label: field_label(t, field),
                    value,
                });
            }
        }
        let given_by = codes
            .label("consent_by", &consent.fields.given_by, lang)
            .map_or_else(|| consent.fields.given_by.clone(), str::to_owned);
        let agency_name = addressee
            .as_ref()
            .map_or_else(|| agency_label(lang), |a| a.name.clone());
        let text = LetterText {
            title: s(t, "title"),
            to: s(t, "to"),
            from: s(t, "from"),
            date: s(t, "date"),
            our_reference: s(t, "our_reference"),
            agency_type: s(t, "agency_type"),
            referred_on: s(t, "referred_on"),
            intro: s(t, "intro"),
            consent_heading: s(t, "consent_heading"),
            consent_line: s(t, "consent_line")
                .replace("{agency}", &agency_name)
                .replace("{by}", &given_by)
                .replace("{date}", &consent.fields.on_date.to_string()),
            consent_record: s(t, "consent_record"),
            details_heading: s(t, "details_heading"),
            none_shared: s(t, "none_shared"),
            only_consented: s(t, "only_consented"),
            prepared_by: s(t, "prepared_by"),
            confidential: s(t, "confidential"),
        };
        let now = Utc::now();
        let letter = ReferralLetter {
            id: ReferralLetterId::new(),
            case_id: case,
            referral_id: referral,
            language: lang,
            text,
            addressee,
            agency_type: agency_label(lang),
            centre_name: profile.name,
            centre_code: profile.code,
            case_number: detail.case.case_number.clone(),
            referred_on: referred_on.parse().unwrap_or_default(),
            created_on: now.date_naive(),
            created_by: self.ctx.user.clone(),
            consent: LetterConsent {
                id: consent.id,
                on_date: consent.fields.on_date,
                given_by,
                shared_fields: consent.fields.shared_fields.clone(),
            },
            lines,
        };
        let fields: Vec<&str> = letter.lines.iter().map(|l| l.field.as_str()).collect();
        let content = serde_json::to_string(&letter)
            .map_err(|e| Error::invalid(format!("cannot encode the letter: {e}")))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO referral_letter (id, case_id, referral_id, consent_event_id, agency_id,
                                          language, fields, content, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                letter.id,
                case,
                referral,
                consent.id,
                letter.addressee.as_ref().map(|a| a.id.clone()),
                lang.code(),
                serde_json::to_string(&fields).unwrap_or_default(),
                content,
                now.to_rfc3339(),
                self.ctx.user
            ],
        )?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            Action::Print,
            Some(case),
            Some(&format!(
                "referral letter {} for referral {referral} to {agency_name} ({}), consent {}, fields: {}",
                letter.id,
                lang.code(),
                consent.id,
                if fields.is_empty() {
                    "none".to_owned()
                } else {
                    fields.join(", ")
                }
            )),
        )?;
        tx.commit()?;
        Ok(letter)
    }

    /// The letters made in a case, newest first.
    pub fn referral_letters(&self, case: CaseId) -> Result<Vec<ReferralLetterSummary>> {
        super::read::case(&self.conn, case)?;
        let rows: Vec<(ReferralLetterSummary, String)> = self
            .conn
            .prepare(
                "SELECT id, referral_id, consent_event_id, language, fields, created_at,
                        created_by, content
                 FROM referral_letter WHERE case_id = ?1 ORDER BY created_at DESC",
            )?
            .query_map([case], |r| {
                let fields: String = r.get(4)?;
                Ok((
                    ReferralLetterSummary {
                        id: r.get(0)?,
                        referral_id: r.get(1)?,
                        consent_event_id: r.get(2)?,
                        addressee: String::new(),
                        language: r.get(3)?,
                        fields: serde_json::from_str(&fields).unwrap_or_default(),
                        created_at: r.get(5)?,
                        created_by: r.get(6)?,
                    },
                    r.get(7)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .into_iter()
            .map(|(mut summary, content)| {
                if let Ok(letter) = serde_json::from_str::<ReferralLetter>(&content) {
                    summary.addressee = letter.addressee.map_or(letter.agency_type, |a| a.name);
                }
                summary
            })
            .collect())
    }

    /// A letter made earlier, as it was made (to print again; logged as a print).
    pub fn referral_letter(&self, id: ReferralLetterId) -> Result<ReferralLetter> {
        let content: String = self
            .conn
            .query_row(
                "SELECT content FROM referral_letter WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "referral letter",
                id: id.to_string(),
            })?;
        let letter: ReferralLetter = serde_json::from_str(&content)
            .map_err(|e| Error::invalid(format!("the stored letter cannot be read: {e}")))?;
        self.log_access(
            Action::Print,
            Some(letter.case_id),
            Some(&format!("referral letter {id} again")),
        )?;
        Ok(letter)
    }

    /// The case with its sub-records for the letter, without a `view_case` entry (the letter
    /// itself is logged).
    fn case_detail_quiet(&self, case: CaseId) -> Result<CaseDetail> {
        super::read::case_detail(&self.conn, &self.ctx.user, &self.ctx.disciplines, case)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_text_and_field_label() {
        let all: Template = serde_json::from_str(TEMPLATE).unwrap();
        let en = all["en"].as_object().unwrap();
        for lang in ["en", "lt", "lv", "az", "ru"] {
            let t = all[lang].as_object().unwrap();
            for key in en.keys() {
                assert!(t.contains_key(key), "{lang} lacks '{key}'");
            }
            for f in LETTER_FIELDS {
                assert!(t["fields"].get(*f).is_some(), "{lang} lacks field '{f}'");
            }
        }
    }

    #[test]
    fn shared_fields_belong_to_referral_consents_and_are_known() {
        let mut f = ConsentFields {
            purpose: "referral".into(),
            agency_type: Some("police".into()),
            given: true,
            given_by: "self".into(),
            on_date: NaiveDate::default(),
            shared_fields: vec!["phone".into(), "name".into()],
        };
        assert_eq!(
            check_shared_fields(&f).unwrap().as_deref(),
            Some(r#"["name","phone"]"#)
        );
        f.shared_fields.push("diary".into());
        assert!(check_shared_fields(&f).is_err());
        f.shared_fields = vec!["name".into()];
        f.purpose = "statistics".into();
        assert!(check_shared_fields(&f).is_err());
    }
}
