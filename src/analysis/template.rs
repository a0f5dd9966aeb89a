//! The joint case-analysis template: its file format (`docs/multi-agency.md`, "Joint case
//! analysis"), the checks that name every problem at once, and the versioned store of
//! templates.
//!
//! A template is JSON: sections of questions, each question one of five types (text,
//! number, yes/no, choice, date interval), texts in one or more of the app's languages, and
//! optionally a `prefill` naming a fact the core computes from the case
//! ([`Prefill`]). A coordination centre defines templates (from its screen or with
//! `atrama analysis template import FILE.json`); each change is a new version, kept beside
//! the older ones by (id, version), and a version is never edited. Centres receive them in
//! return bundles and record each version once; a stale version never replaces a newer one
//! (the newest version of an id is the one offered for new analyses).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::centre::Mode;
use crate::error::{Error, Result};
use crate::store::Store;

/// The template format this build reads and writes.
pub const TEMPLATE_FORMAT: u32 = 1;
/// The largest template file accepted, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 512 * 1024;
/// The languages a template's texts may be in (the app's languages).
pub const LANGUAGES: [&str; 5] = ["en", "lt", "lv", "az", "ru"];
/// The longest question text, title or option label, in characters.
const MAX_LABEL: usize = 600;

/// Text in each of the template's languages (language code → text).
pub type Texts = BTreeMap<String, String>;

/// The kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// The counsellor's own words (never names, phones or addresses).
    Text,
    /// A whole number (days, counts).
    Number,
    /// Yes or no.
    YesNo,
    /// One of the question's options.
    Choice,
    /// Two dates; what travels is their distance in days from the case's opening.
    DateInterval,
}

/// A fact the core computes from the case, offered as the answer before the counsellor
/// reviews it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// Days from the first police notification to the first contact (number).
    DaysPoliceToFirstContact,
    /// Days from opening to closure (number).
    SupportDays,
    /// Number of current service contacts (number).
    ServiceContacts,
    /// Number of current referrals (number).
    Referrals,
    /// Number of protection orders (number).
    ProtectionOrders,
    /// Whether the police notified the centre (yes/no).
    PoliceNotified,
    /// Whether a protection order was applied for (yes/no).
    ProtectionOrderApplied,
    /// Whether a protection order was granted (yes/no).
    ProtectionOrderGranted,
    /// Whether a protection order was breached (yes/no).
    ProtectionOrderBreached,
    /// Police notification → first contact (date interval).
    PoliceToFirstContact,
    /// Opening → closure (date interval).
    SupportPeriod,
}

impl Prefill {
    /// The question type this fact fills.
    pub fn question_type(self) -> QuestionType {
        match self {
            Prefill::DaysPoliceToFirstContact
            | Prefill::SupportDays
            | Prefill::ServiceContacts
            | Prefill::Referrals
            | Prefill::ProtectionOrders => QuestionType::Number,
            Prefill::PoliceNotified
            | Prefill::ProtectionOrderApplied
            | Prefill::ProtectionOrderGranted
            | Prefill::ProtectionOrderBreached => QuestionType::YesNo,
            Prefill::PoliceToFirstContact | Prefill::SupportPeriod => QuestionType::DateInterval,
        }
    }
}

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(export, rename = "AnalysisOption")
)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Id, unique within the question.
    pub id: String,
    /// Label per language.
    pub label: Texts,
}

/// A question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(export, rename = "AnalysisQuestion")
)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Id, unique within the template (answers are keyed by it, across versions).
    pub id: String,
    /// The kind of answer.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question per language.
    pub text: Texts,
    /// Options of a choice question (none for other types).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// A fact from the case that fills the answer before review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
    /// Whether an analysis cannot be completed without an answer.
    #[serde(default)]
    pub required: bool,
}

/// A section (a part of the analysis: what happened, agencies, protection, barriers,
/// outcome, lessons, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(export, rename = "AnalysisSection")
)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Id, unique within the template.
    pub id: String,
    /// Title per language.
    pub title: Texts,
    /// Its questions, in order.
    pub questions: Vec<Question>,
}

/// A case-analysis template, one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct AnalysisTemplate {
    /// [`TEMPLATE_FORMAT`].
    pub format: u32,
    /// Id, e.g. `joint-case-analysis`.
    pub id: String,
    /// Version (1, 2, …); 0 in a file or from the editor means "the next version".
    #[serde(default)]
    pub version: u32,
    /// The languages every text is given in.
    pub languages: Vec<String>,
    /// Title per language.
    pub title: Texts,
    /// Its sections, in order.
    pub sections: Vec<Section>,
}

impl AnalysisTemplate {
    /// Every question, in order, with its section.
    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.id == id)
    }

    /// The text in `language`, else in the template's first language.
    pub fn pick<'a>(&self, texts: &'a Texts, language: &str) -> &'a str {
        texts
            .get(language)
            .or_else(|| self.languages.first().and_then(|l| texts.get(l)))
            .or_else(|| texts.values().next())
            .map_or("", String::as_str)
    }
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Reads a template file: JSON, then every check at once.
pub fn parse(text: &str) -> Result<AnalysisTemplate> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(Error::invalid(format!(
            "the template is larger than {} KiB; a template holds questions, not data",
            MAX_TEMPLATE_BYTES / 1024
        )));
    }
    let t: AnalysisTemplate = serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("the template is not valid: {e}")))?;
    check(&t)?;
    Ok(t)
}

/// Checks a template and reports every problem found, each naming its section, question or
/// option.
pub fn check(t: &AnalysisTemplate) -> Result<()> {
    let mut problems: Vec<String> = Vec::new();
    if t.format != TEMPLATE_FORMAT {
        problems.push(format!(
            "format {} is not supported (this app reads format {TEMPLATE_FORMAT})",
            t.format
        ));
    }
    if !valid_id(&t.id) {
        problems.push(format!(
            "id '{}' must be 1 to 64 characters of a-z, 0-9, '_' or '-'",
            t.id
        ));
    }
    if t.languages.is_empty() {
        problems.push("name at least one language (en, lt, lv, az, ru)".into());
    }
    let mut langs = BTreeSet::new();
    for l in &t.languages {
        if !LANGUAGES.contains(&l.as_str()) {
            problems.push(format!("language '{l}' is not one of en, lt, lv, az, ru"));
        }
        if !langs.insert(l.as_str()) {
            problems.push(format!("language '{l}' is listed twice"));
        }
    }
    let texts = |problems: &mut Vec<String>, what: &str, texts: &Texts| {
        for l in &t.languages {
            match texts.get(l).map(|s| s.trim()) {
                None | Some("") => problems.push(format!("{what}: no text in '{l}'")),
                Some(s) if s.chars().count() > MAX_LABEL => {
                    problems.push(format!(
                        "{what}: the '{l}' text is longer than {MAX_LABEL} characters"
                    ));
                }
                Some(_) => {}
            }
        }
        for l in texts.keys() {
            if !langs.contains(l.as_str()) {
                problems.push(format!(
                    "{what}: text in '{l}', which is not among the template's languages"
                ));
            }
        }
    };
    texts(&mut problems, "title", &t.title);
    if t.sections.is_empty() {
        problems.push("the template has no sections".into());
    }
    if t.sections.len() > 30 {
        problems.push("a template has at most 30 sections".into());
    }
    let mut section_ids = BTreeSet::new();
    let mut question_ids = BTreeSet::new();
    for s in &t.sections {
        let what = format!("section '{}'", s.id);
        if !valid_id(&s.id) {
            problems.push(format!(
                "{what}: the id must be 1 to 64 characters of a-z, 0-9, '_' or '-'"
            ));
        }
        if !section_ids.insert(s.id.as_str()) {
            problems.push(format!("{what}: the id is used twice"));
        }
        texts(&mut problems, &what, &s.title);
        if s.questions.is_empty() {
            problems.push(format!("{what}: no questions"));
        }
        if s.questions.len() > 60 {
            problems.push(format!("{what}: at most 60 questions"));
        }
        for q in &s.questions {
            let what = format!("question '{}'", q.id);
            if !valid_id(&q.id) {
                problems.push(format!(
                    "{what}: the id must be 1 to 64 characters of a-z, 0-9, '_' or '-'"
                ));
            }
            if !question_ids.insert(q.id.as_str()) {
                problems.push(format!("{what}: the id is used twice"));
            }
            texts(&mut problems, &what, &q.text);
            match q.kind {
                QuestionType::Choice => {
                    if q.options.len() < 2 || q.options.len() > 30 {
                        problems.push(format!("{what}: a choice needs 2 to 30 options"));
                    }
                    let mut ids = BTreeSet::new();
                    for o in &q.options {
                        if !valid_id(&o.id) {
                            problems.push(format!(
                                "{what}, option '{}': the id must be 1 to 64 characters of a-z, 0-9, '_' or '-'",
                                o.id
                            ));
                        }
                        if !ids.insert(o.id.as_str()) {
                            problems.push(format!("{what}: option '{}' is used twice", o.id));
                        }
                        texts(
                            &mut problems,
                            &format!("{what}, option '{}'", o.id),
                            &o.label,
                        );
                    }
                }
                _ if !q.options.is_empty() => {
                    problems.push(format!("{what}: only a choice question has options"));
                }
                _ => {}
            }
            if let Some(p) = q.prefill
                && p.question_type() != q.kind
            {
                problems.push(format!(
                    "{what}: the fact '{}' fills a {} question, not a {} one",
                    serde_json::to_value(p)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    type_name(p.question_type()),
                    type_name(q.kind)
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the template cannot be used: {}",
            problems.join("; ")
        )))
    }
}

fn type_name(t: QuestionType) -> &'static str {
    match t {
        QuestionType::Text => "text",
        QuestionType::Number => "number",
        QuestionType::YesNo => "yes/no",
        QuestionType::Choice => "choice",
        QuestionType::DateInterval => "date-interval",
    }
}

/// A template version as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TemplateInfo {
    /// Id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Title per language.
    pub title: Texts,
    /// The template's languages.
    pub languages: Vec<String>,
    /// Number of questions.
    pub questions: u32,
    /// The coordination centre that defined it.
    pub origin: String,
    /// The return bundle it arrived in (none where it was defined).
    pub received_in: Option<String>,
    /// When it was recorded here.
    pub recorded_at: String,
    /// Whether this is the newest version of its id (the one new analyses use).
    pub current: bool,
}

/// What saving a template did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TemplateSaved {
    /// Id.
    pub id: String,
    /// The version stored (or already here).
    pub version: u32,
    /// `recorded`, or `unchanged` when this very version was already here.
    pub outcome: String,
}

/// The stored text of a template: pretty JSON of the checked template, and its SHA-256.
pub(crate) fn canonical(t: &AnalysisTemplate) -> Result<(String, String)> {
    let body = serde_json::to_string_pretty(t)
        .map_err(|e| Error::invalid(format!("cannot encode the template: {e}")))?;
    let sha = crate::crypto::hex(&Sha256::digest(body.as_bytes()));
    Ok((body, sha))
}

/// How recording one version went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// Not here before.
    New,
    /// This very version (same content) was already here.
    Unchanged,
}

/// Records one version; refuses a version that is already here with other content (a
/// version is never edited).
pub(crate) fn record(
    conn: &Connection,
    t: &AnalysisTemplate,
    origin: &str,
    received_in: Option<&str>,
    user: &str,
) -> Result<Recorded> {
    let (body, sha) = canonical(t)?;
    let existing: Option<(String, String)> = conn
        .query_row(
            "SELECT sha256, origin FROM analysis_template WHERE id = ?1 AND version = ?2",
            params![t.id, t.version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match existing {
        Some((have, _)) if have == sha => Ok(Recorded::Unchanged),
        Some((_, by)) => Err(Error::invalid(format!(
            "version {} of template '{}' is already here (from {by}) with other content; a version is never changed — publish the change as version {}",
            t.version,
            t.id,
            latest_version(conn, &t.id)?
                .unwrap_or(t.version)
                .saturating_add(1)
        ))),
        None => {
            conn.execute(
                "INSERT INTO analysis_template (id, version, body, sha256, origin, received_in,
                                                recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    t.id,
                    t.version,
                    body,
                    sha,
                    origin,
                    received_in,
                    Utc::now().to_rfc3339(),
                    user
                ],
            )?;
            Ok(Recorded::New)
        }
    }
}

/// The newest version of `id` here.
pub(crate) fn latest_version(conn: &Connection, id: &str) -> Result<Option<u32>> {
    Ok(conn.query_row(
        "SELECT max(version) FROM analysis_template WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Loads one version (checked again).
pub(crate) fn load(conn: &Connection, id: &str, version: u32) -> Result<AnalysisTemplate> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM analysis_template WHERE id = ?1 AND version = ?2",
            params![id, version],
            |r| r.get(0),
        )
        .optional()?;
    let body = body.ok_or_else(|| {
        Error::invalid(format!(
            "version {version} of the case-analysis template '{id}' is not in this store; the coordination centre sends templates in its return bundles"
        ))
    })?;
    parse(&body)
}

/// The bodies to send in a return bundle: the newest version of each template this
/// coordination centre defined.
pub(crate) fn to_send(conn: &Connection, own: &str) -> Result<Vec<(String, u32, String, String)>> {
    let rows = conn
        .prepare(
            "SELECT t.id, t.version, t.body, t.sha256 FROM analysis_template t
             WHERE t.origin = ?1 AND t.received_in IS NULL
               AND t.version = (SELECT max(version) FROM analysis_template n WHERE n.id = t.id)
             ORDER BY t.id",
        )?
        .query_map([own], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

impl Store {
    /// Every template version here, by id, newest version first.
    pub fn analysis_templates(&self) -> Result<Vec<TemplateInfo>> {
        let rows: Vec<(String, u32, String, String, Option<String>, String)> = self
            .conn
            .prepare(
                "SELECT id, version, body, origin, received_in, recorded_at FROM analysis_template
                 ORDER BY id, version DESC",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(rows.len());
        let mut seen = BTreeSet::new();
        for (id, version, body, origin, received_in, recorded_at) in rows {
            let current = seen.insert(id.clone());
            let Ok(t) = parse(&body) else { continue };
            out.push(TemplateInfo {
                id,
                version,
                title: t.title.clone(),
                languages: t.languages.clone(),
                questions: u32::try_from(t.questions().count()).unwrap_or(u32::MAX),
                origin,
                received_in,
                recorded_at,
                current,
            });
        }
        Ok(out)
    }

    /// One version of a template (the newest when `version` is `None`).
    pub fn analysis_template(&self, id: &str, version: Option<u32>) -> Result<AnalysisTemplate> {
        let version = match version {
            Some(v) => v,
            None => latest_version(&self.conn, id)?.ok_or_else(|| {
                Error::invalid(format!(
                    "there is no case-analysis template '{id}' in this store"
                ))
            })?,
        };
        load(&self.conn, id, version)
    }

    /// Records a template defined here (coordination centre only). Version 0 means the next
    /// version; an existing version is never changed; an older version than the newest is
    /// refused.
    pub fn save_analysis_template(&mut self, template: &AnalysisTemplate) -> Result<TemplateSaved> {
        self.require(crate::admin::Permission::ManageAnalysisTemplates)?;
        let profile = self.profile()?;
        if profile.mode != Mode::Coordinator {
            return Err(Error::invalid(
                "case-analysis templates are defined by the coordination centre; a centre receives them in its return bundles",
            ));
        }
        let mut t = template.clone();
        let latest = latest_version(&self.conn, &t.id)?;
        if t.version == 0 {
            t.version = latest.unwrap_or(0).saturating_add(1);
        }
        check(&t)?;
        if let Some(latest) = latest
            && t.version < latest
        {
            let same = self
                .conn
                .query_row(
                    "SELECT sha256 FROM analysis_template WHERE id = ?1 AND version = ?2",
                    params![t.id, t.version],
                    |r| r.get::<_, String>(0),
                )
                .optional()?;
            if same != Some(canonical(&t)?.1) {
                return Err(Error::invalid(format!(
                    "version {} of template '{}' is older than the newest version here ({latest}); give it version {} (or leave the version out)",
                    t.version,
                    t.id,
                    latest.saturating_add(1)
                )));
            }
        }
        let tx = self.conn.transaction()?;
        let outcome = record(&tx, &t, &profile.code, None, &self.ctx.user)?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Settings,
            None,
            Some(&format!(
                "case-analysis template {} version {}",
                t.id, t.version
            )),
        )?;
        tx.commit()?;
        Ok(TemplateSaved {
            id: t.id,
            version: t.version,
            outcome: match outcome {
                Recorded::New => "recorded",
                Recorded::Unchanged => "unchanged",
            }
            .into(),
        })
    }

    /// Reads a template file (JSON) and records it as [`Store::save_analysis_template`] does.
    pub fn import_analysis_template(&mut self, path: &std::path::Path) -> Result<TemplateSaved> {
        self.require(crate::admin::Permission::ManageAnalysisTemplates)?;
        let meta = std::fs::metadata(path).map_err(Error::io(path))?;
        if meta.len() > MAX_TEMPLATE_BYTES as u64 {
            return Err(Error::invalid(format!(
                "{} is larger than {} KiB; a template holds questions, not data",
                path.display(),
                MAX_TEMPLATE_BYTES / 1024
            )));
        }
        let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
        let t = parse(&text)?;
        self.save_analysis_template(&t)
    }
}

/// The example template shipped with the app (`assets/analysis/joint-case-analysis.json`,
/// five languages), a starting point a coordination centre may import and change.
pub fn example() -> AnalysisTemplate {
    #[allow(
        clippy::expect_used,
        reason = "the shipped example is checked by a unit test; a broken asset is a build bug"
    )]
    parse(include_str!(
        "../../assets/analysis/joint-case-analysis.json"
    ))
    .expect("the shipped example template is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_is_valid_in_five_languages_and_covers_every_type() {
        let t = example();
        assert_eq!(t.languages.len(), 5);
        let types: BTreeSet<QuestionType> = t.questions().map(|(_, q)| q.kind).collect();
        assert_eq!(types.len(), 5, "{types:?}");
        assert!(t.questions().any(|(_, q)| q.prefill.is_some()));
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let mut t = example();
        t.id = "Bad Id".into();
        t.sections[0].questions[0].text.remove("lt");
        let q = t.sections[1].questions[0].clone();
        t.sections[1].questions.push(q);
        let choice = t
            .sections
            .iter_mut()
            .flat_map(|s| s.questions.iter_mut())
            .find(|q| q.kind == QuestionType::Choice)
            .unwrap();
        choice.options.truncate(1);
        let number = t
            .sections
            .iter_mut()
            .flat_map(|s| s.questions.iter_mut())
            .find(|q| q.kind == QuestionType::Number)
            .unwrap();
        number.prefill = Some(Prefill::PoliceNotified);
        let e = check(&t).unwrap_err().to_string();
        assert!(e.contains("id 'Bad Id'"), "{e}");
        assert!(e.contains("no text in 'lt'"), "{e}");
        assert!(e.contains("is used twice"), "{e}");
        assert!(e.contains("a choice needs 2 to 30 options"), "{e}");
        assert!(
            e.contains("fills a yes/no question, not a number one"),
            "{e}"
        );
    }

    #[test]
    fn unknown_fields_and_types_are_refused() {
        let mut v = serde_json::to_value(example()).unwrap();
        v["sections"][0]["questions"][0]["type"] = "slider".into();
        assert!(parse(&v.to_string()).is_err());
        let mut v = serde_json::to_value(example()).unwrap();
        v["colour"] = "red".into();
        assert!(parse(&v.to_string()).is_err());
    }
}
