//! Filling the joint case analysis at a centre: the form (template + facts computed from
//! the case + answers pre-filled from those facts), the identifier screen, and completing
//! an analysis as an append-only event of a **closed** case (a correction is a new version
//! that supersedes the old).
//!
//! No direct identifiers: the facts are day counts and codes; date-interval answers are
//! stored as days since the case was opened; free-text answers are screened before they
//! are stored, and an answer that holds the client's name, phone or address, or anything
//! that looks like a phone number, an e-mail address or a personal code, is refused. The
//! screen cannot recognise every identifying detail (other people's names, places, rare
//! events): the form says so, and `docs/multi-agency.md` documents the residual risk.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::facts::{self, Anchors, CaseFacts};
use super::template::{self, AnalysisTemplate, QuestionType};
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::ids::{CaseAnalysisId, CaseId};
use crate::store::Store;

/// The longest free-text answer, in characters.
pub const MAX_TEXT_ANSWER: usize = 4000;
/// The largest number answer.
const MAX_NUMBER: i32 = 100_000;

/// An answer as it is stored and travels: a date interval is days since the case opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Text.
    Text(String),
    /// A whole number.
    Number(i32),
    /// Yes (true) or no.
    YesNo(bool),
    /// An option id.
    Choice(String),
    /// Days since the case opened, from and to.
    Interval {
        /// First day.
        from_day: i32,
        /// Last day.
        to_day: i32,
    },
}

impl Answer {
    /// The number of days a date interval spans.
    pub fn interval_days(&self) -> Option<i32> {
        match self {
            Answer::Interval { from_day, to_day } => Some(to_day - from_day),
            _ => None,
        }
    }
}

/// An answer as the form shows it and takes it at the centre (dates, not day counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum AnswerInput {
    /// Text.
    Text(String),
    /// A whole number.
    Number(i32),
    /// Yes (true) or no.
    YesNo(bool),
    /// An option id.
    Choice(String),
    /// Two dates.
    Interval {
        /// From.
        from: NaiveDate,
        /// To.
        to: NaiveDate,
    },
}

/// A completed analysis, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseAnalysis {
    /// Id.
    pub id: CaseAnalysisId,
    /// The case.
    pub case_id: CaseId,
    /// The version it corrects.
    pub supersedes: Option<CaseAnalysisId>,
    /// Template id.
    pub template_id: String,
    /// Template version.
    pub template_version: u32,
    /// When it was completed.
    pub completed_on: NaiveDate,
    /// Who completed it (user name; stays at the centre, blank in a coordinator's copy).
    pub completed_by: String,
    /// The centre that owns it.
    pub centre: String,
    /// The facts frozen at completion.
    pub facts: CaseFacts,
    /// The answers.
    pub responses: BTreeMap<String, Answer>,
}

/// The form for one case and template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AnalysisForm {
    /// The case.
    pub case_id: CaseId,
    /// Its number.
    pub case_number: String,
    /// Its status: only a closed case can be analysed.
    pub status: String,
    /// Opened on.
    pub opened_on: NaiveDate,
    /// Closed on.
    pub closed_on: Option<NaiveDate>,
    /// Whether the client consents to non-identifiable use, so that the completed analysis
    /// travels to the coordination centre (otherwise it stays here).
    pub shared: bool,
    /// The template (newest version unless asked otherwise).
    pub template: AnalysisTemplate,
    /// The facts of the case, computed now.
    pub facts: CaseFacts,
    /// The answers to start from: the current analysis's, else the facts'.
    pub answers: BTreeMap<String, AnswerInput>,
    /// Questions whose answer came from the facts.
    pub prefilled: Vec<String>,
    /// The current analysis with this template, which completing would correct.
    pub current: Option<CaseAnalysis>,
}

/// What completing takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CompleteAnalysis {
    /// Template id.
    pub template_id: String,
    /// Template version.
    pub template_version: u32,
    /// Answers by question id (unanswered questions left out).
    pub answers: BTreeMap<String, AnswerInput>,
    /// The current analysis this one corrects (required when there is one).
    pub supersedes: Option<CaseAnalysisId>,
}

/// What kind of identifier the screen found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// The client's given or family name.
    ClientName,
    /// The client's phone number.
    ClientPhone,
    /// Part of the client's address.
    ClientAddress,
    /// Something that looks like a phone number or personal code (7 or more digits).
    LongNumber,
    /// Something that looks like an e-mail address.
    Email,
}

/// An identifier found in an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IdentifierWarning {
    /// The question.
    pub question_id: String,
    /// What was found (the text itself is not repeated).
    pub kind: IdentifierKind,
}

/// A closed case that can be analysed, as the centre's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AnalysisCandidate {
    /// The case.
    pub case_id: CaseId,
    /// Its number.
    pub case_number: String,
    /// The client's pseudonym.
    pub pseudonym: String,
    /// Closed on.
    pub closed_on: Option<NaiveDate>,
    /// Whether a completed analysis would travel (consent to non-identifiable use).
    pub shared: bool,
    /// Templates (ids) it has a current analysis with.
    pub analysed: Vec<String>,
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Whether `needle` occurs in `hay` as a whole word (both already lower case).
fn has_word(hay: &str, needle: &str) -> bool {
    if needle.chars().count() < 2 {
        return false;
    }
    let mut start = 0;
    while let Some(pos) = hay[start..].find(needle) {
        let at = start + pos;
        let end = at + needle.len();
        let before = hay[..at].chars().next_back();
        let after = hay[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        start = at + needle.len().max(1);
        while !hay.is_char_boundary(start) {
            start += 1;
        }
    }
    false
}

/// Digit runs in `text`, reading through the separators people type in phone numbers.
fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    let mut gap = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
            gap = 0;
        } else if !cur.is_empty() && matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '+') && gap < 2
        {
            gap += 1;
        } else {
            if !cur.is_empty() {
                runs.push(std::mem::take(&mut cur));
            }
            gap = 0;
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

fn looks_like_email(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        match w.split_once('@') {
            Some((user, host)) => !user.is_empty() && host.contains('.') && !host.ends_with('.'),
            None => false,
        }
    })
}

/// The client's protected fields, for the screen (read here, never returned).
struct Protected {
    names: Vec<String>,
    phone_digits: Option<String>,
    address_parts: Vec<String>,
}

fn protected(conn: &Connection, case: CaseId) -> Result<Protected> {
    type Fields = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Fields> = conn
        .query_row(
            "SELECT cl.given_name, cl.family_name, cl.phone, cl.address
             FROM case_file c JOIN client cl ON cl.id = c.client_id WHERE c.id = ?1",
            [case],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (given, family, phone, address) = row.unwrap_or_default();
    let names = [given, family]
        .into_iter()
        .flatten()
        .flat_map(|n| {
            n.split_whitespace()
                .map(|w| lower(w.trim_matches(|c: char| !c.is_alphanumeric())))
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().count() >= 2)
        .collect();
    let phone_digits = phone
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| d.len() >= 5);
    // The street part (the first segment, and any with a house number); the town alone is
    // not taken for an identifier.
    let address_parts = address
        .map(|a| {
            a.split([',', '\n', ';'])
                .enumerate()
                .filter(|(i, p)| *i == 0 || p.chars().any(|c| c.is_ascii_digit()))
                .map(|(_, p)| lower(p.trim()))
                .filter(|p| p.chars().count() >= 4)
                .collect()
        })
        .unwrap_or_default();
    Ok(Protected {
        names,
        phone_digits,
        address_parts,
    })
}

/// Screens free-text answers for direct identifiers.
fn screen_with(p: &Protected, answers: &BTreeMap<String, AnswerInput>) -> Vec<IdentifierWarning> {
    let mut out = Vec::new();
    for (qid, a) in answers {
        let AnswerInput::Text(text) = a else { continue };
        let low = lower(text);
        let mut found = |kind| {
            if !out
                .iter()
                .any(|w: &IdentifierWarning| w.question_id == *qid && w.kind == kind)
            {
                out.push(IdentifierWarning {
                    question_id: qid.clone(),
                    kind,
                });
            }
        };
        if p.names.iter().any(|n| has_word(&low, n)) {
            found(IdentifierKind::ClientName);
        }
        let runs = digit_runs(text);
        if let Some(phone) = &p.phone_digits {
            let tail = &phone[phone.len().saturating_sub(7)..];
            if runs
                .iter()
                .any(|r| r.len() >= 5 && phone.contains(r.as_str()))
                || runs.iter().any(|r| r.contains(tail))
            {
                found(IdentifierKind::ClientPhone);
            }
        }
        if p.address_parts.iter().any(|a| low.contains(a.as_str())) {
            found(IdentifierKind::ClientAddress);
        }
        if runs.iter().any(|r| r.len() >= 7) {
            found(IdentifierKind::LongNumber);
        }
        if looks_like_email(text) {
            found(IdentifierKind::Email);
        }
    }
    out
}

fn analysis_row(r: &Row<'_>) -> rusqlite::Result<CaseAnalysis> {
    let facts: String = r.get("facts")?;
    let responses: String = r.get("responses")?;
    let on: String = r.get("completed_on")?;
    Ok(CaseAnalysis {
        id: r.get("id")?,
        case_id: r.get("case_id")?,
        supersedes: r.get("supersedes")?,
        template_id: r.get("template_id")?,
        template_version: r.get("template_version")?,
        completed_on: on
            .get(..10)
            .and_then(|d| d.parse().ok())
            .unwrap_or_default(),
        completed_by: r.get("created_by")?,
        centre: r.get("owner_centre")?,
        facts: serde_json::from_str(&facts).unwrap_or_default(),
        responses: serde_json::from_str(&responses).unwrap_or_default(),
    })
}

/// The current (not superseded, not deleted) analyses, with a condition on `a`.
pub(crate) const CURRENT: &str = "FROM case_analysis a WHERE a.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM case_analysis n WHERE n.supersedes = a.id)";

pub(crate) fn current_analyses(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<CaseAnalysis>> {
    Ok(conn
        .prepare(&format!(
            "SELECT a.* {CURRENT} AND {condition} ORDER BY a.completed_on, a.id"
        ))?
        .query_map(params, analysis_row)?
        .collect::<rusqlite::Result<_>>()?)
}

fn to_input(a: &Answer, anchors: &Anchors) -> AnswerInput {
    match a {
        Answer::Text(s) => AnswerInput::Text(s.clone()),
        Answer::Number(n) => AnswerInput::Number(*n),
        Answer::YesNo(b) => AnswerInput::YesNo(*b),
        Answer::Choice(c) => AnswerInput::Choice(c.clone()),
        Answer::Interval { from_day, to_day } => AnswerInput::Interval {
            from: anchors.opened_on + chrono::Duration::days((*from_day).into()),
            to: anchors.opened_on + chrono::Duration::days((*to_day).into()),
        },
    }
}

fn prefill(
    t: &AnalysisTemplate,
    f: &CaseFacts,
    a: &Anchors,
) -> (BTreeMap<String, AnswerInput>, Vec<String>) {
    let mut answers = BTreeMap::new();
    let mut filled = Vec::new();
    for (_, q) in t.questions() {
        let Some(p) = q.prefill else { continue };
        let value = match q.kind {
            QuestionType::Number => facts::number(f, p)
                .and_then(|n| i32::try_from(n).ok())
                .map(AnswerInput::Number),
            QuestionType::YesNo => facts::yes_no(f, p).map(AnswerInput::YesNo),
            QuestionType::DateInterval => {
                facts::interval(a, p).map(|(from, to)| AnswerInput::Interval { from, to })
            }
            QuestionType::Text | QuestionType::Choice => None,
        };
        if let Some(v) = value {
            answers.insert(q.id.clone(), v);
            filled.push(q.id.clone());
        }
    }
    (answers, filled)
}

/// Checks the answers against the template and turns them into what is stored.
fn validate(
    t: &AnalysisTemplate,
    anchors: &Anchors,
    answers: &BTreeMap<String, AnswerInput>,
) -> Result<BTreeMap<String, Answer>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (qid, a) in answers {
        let Some(q) = t.question(qid) else {
            problems.push(format!("'{qid}' is not a question of this template"));
            continue;
        };
        let answer = match (q.kind, a) {
            (QuestionType::Text, AnswerInput::Text(s)) => {
                let s = s.trim();
                if s.is_empty() {
                    continue;
                }
                if s.chars().count() > MAX_TEXT_ANSWER {
                    problems.push(format!(
                        "question '{qid}': the answer is longer than {MAX_TEXT_ANSWER} characters"
                    ));
                    continue;
                }
                Answer::Text(s.to_owned())
            }
            (QuestionType::Number, AnswerInput::Number(n)) => {
                if !(0..=MAX_NUMBER).contains(n) {
                    problems.push(format!(
                        "question '{qid}': give a whole number from 0 to {MAX_NUMBER}"
                    ));
                    continue;
                }
                Answer::Number(*n)
            }
            (QuestionType::YesNo, AnswerInput::YesNo(b)) => Answer::YesNo(*b),
            (QuestionType::Choice, AnswerInput::Choice(c)) => {
                if !q.options.iter().any(|o| o.id == *c) {
                    problems.push(format!("question '{qid}': '{c}' is not one of its options"));
                    continue;
                }
                Answer::Choice(c.clone())
            }
            (QuestionType::DateInterval, AnswerInput::Interval { from, to }) => {
                if to < from {
                    problems.push(format!(
                        "question '{qid}': the end date is before the start date"
                    ));
                    continue;
                }
                let day = |d: &NaiveDate| {
                    i32::try_from((*d - anchors.opened_on).num_days()).unwrap_or(i32::MAX)
                };
                Answer::Interval {
                    from_day: day(from),
                    to_day: day(to),
                }
            }
            _ => {
                problems.push(format!(
                    "question '{qid}': the answer is not of the question's type"
                ));
                continue;
            }
        };
        out.insert(qid.clone(), answer);
    }
    for (_, q) in t.questions() {
        if q.required && !out.contains_key(&q.id) {
            problems.push(format!("question '{}' needs an answer", q.id));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::invalid(format!(
            "the analysis cannot be completed: {}",
            problems.join("; ")
        )))
    }
}

fn describe(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::ClientName => "the client's name",
        IdentifierKind::ClientPhone => "the client's phone number",
        IdentifierKind::ClientAddress => "part of the client's address",
        IdentifierKind::LongNumber => "a phone number or personal code",
        IdentifierKind::Email => "an e-mail address",
    }
}

/// The newest template id here (when the form is asked for without one).
fn default_template(conn: &Connection) -> Result<String> {
    conn.query_row(
        "SELECT id FROM analysis_template ORDER BY recorded_at DESC, version DESC LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        Error::invalid(
            "no case-analysis template has arrived yet; the coordination centre sends it in its return bundle",
        )
    })
}

impl Store {
    /// Closed cases that can be analysed (newest closure first, at most 500), with whether
    /// an analysis would travel and which templates they already have an analysis with.
    pub fn analysis_candidates(&self) -> Result<Vec<AnalysisCandidate>> {
        let rows: Vec<(CaseId, String, String, Option<String>)> = self
            .conn
            .prepare(
                "SELECT c.id, c.case_number, cl.pseudonym, c.closed_on
                 FROM case_file c JOIN client cl ON cl.id = c.client_id
                 WHERE c.status = 'closed' AND c.deleted_at IS NULL AND c.owner_centre = ?1
                 ORDER BY c.closed_on DESC, c.case_number LIMIT 500",
            )?
            .query_map([&self.ctx.centre], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (case_id, case_number, pseudonym, closed_on) in rows {
            let analysed = self
                .conn
                .prepare_cached(&format!(
                    "SELECT DISTINCT a.template_id {CURRENT} AND a.case_id = ?1 ORDER BY 1"
                ))?
                .query_map([case_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            out.push(AnalysisCandidate {
                case_id,
                case_number,
                pseudonym,
                closed_on: closed_on.and_then(|d| d.get(..10).and_then(|d| d.parse().ok())),
                shared: crate::cases::consents::statistics_given(&self.conn, &case_id.to_string())?,
                analysed,
            });
        }
        Ok(out)
    }

    /// The analysis form of a case: the template (`template_id`'s newest version, or the
    /// newest template here), the facts computed now, and the answers to start from. The
    /// view is recorded in the access log.
    pub fn analysis_form(&self, case: CaseId, template_id: Option<&str>) -> Result<AnalysisForm> {
        let (anchors, status, _) = facts::anchors(&self.conn, case)?;
        let id = match template_id {
            Some(id) => id.to_owned(),
            None => default_template(&self.conn)?,
        };
        let template = self.analysis_template(&id, None)?;
        let facts = facts::case_facts(&self.conn, case)?;
        let current = current_analyses(
            &self.conn,
            "a.case_id = ?1 AND a.template_id = ?2",
            params![case, id],
        )?
        .pop();
        let (answers, prefilled) = match &current {
            Some(c) => (
                c.responses
                    .iter()
                    .map(|(k, a)| (k.clone(), to_input(a, &anchors)))
                    .collect(),
                Vec::new(),
            ),
            None => prefill(&template, &facts, &anchors),
        };
        let case_number: String = self.conn.query_row(
            "SELECT case_number FROM case_file WHERE id = ?1",
            [case],
            |r| r.get(0),
        )?;
        self.log_access(Action::ViewCase, Some(case), Some("case analysis"))?;
        Ok(AnalysisForm {
            case_id: case,
            case_number,
            status,
            opened_on: anchors.opened_on,
            closed_on: anchors.closed_on,
            shared: crate::cases::consents::statistics_given(&self.conn, &case.to_string())?,
            template,
            facts,
            answers,
            prefilled,
            current,
        })
    }

    /// The direct identifiers found in free-text answers (the form warns while typing; an
    /// analysis with any is refused).
    pub fn screen_analysis(
        &self,
        case: CaseId,
        answers: &BTreeMap<String, AnswerInput>,
    ) -> Result<Vec<IdentifierWarning>> {
        Ok(screen_with(&protected(&self.conn, case)?, answers))
    }

    /// Completes the analysis of a closed case in one transaction: checked against the
    /// template, screened for identifiers, the facts computed and frozen.
    pub fn complete_analysis(
        &mut self,
        case: CaseId,
        input: &CompleteAnalysis,
    ) -> Result<CaseAnalysisId> {
        let (anchors, status, _) = facts::anchors(&self.conn, case)?;
        if status != "closed" {
            return Err(Error::invalid(
                "only a closed case can be analysed; close the case first",
            ));
        }
        let t = template::load(&self.conn, &input.template_id, input.template_version)?;
        let responses = validate(&t, &anchors, &input.answers)?;
        let warnings = screen_with(&protected(&self.conn, case)?, &input.answers);
        if !warnings.is_empty() {
            let list: Vec<String> = warnings
                .iter()
                .map(|w| format!("question '{}' holds {}", w.question_id, describe(w.kind)))
                .collect();
            return Err(Error::invalid(format!(
                "the analysis must not identify anyone: {}; remove it and describe the situation in general terms",
                list.join("; ")
            )));
        }
        let current = current_analyses(
            &self.conn,
            "a.case_id = ?1 AND a.template_id = ?2",
            params![case, input.template_id],
        )?
        .pop();
        match (&current, input.supersedes) {
            (Some(c), None) => {
                return Err(Error::invalid(format!(
                    "this case already has an analysis with this template (completed {}); correct that one instead",
                    c.completed_on
                )));
            }
            (Some(c), Some(s)) if c.id != s => {
                return Err(Error::invalid(
                    "the analysis to correct is not the current one; reload the case and correct its newest analysis",
                ));
            }
            _ => {}
        }
        let facts = facts::case_facts(&self.conn, case)?;
        let facts = serde_json::to_string(&facts)
            .map_err(|e| Error::invalid(format!("cannot encode the facts: {e}")))?;
        let responses = serde_json::to_string(&responses)
            .map_err(|e| Error::invalid(format!("cannot encode the answers: {e}")))?;
        let today = Utc::now().date_naive().to_string();
        let id = CaseAnalysisId::new();
        let supersedes = input.supersedes;
        self.batch(|b| {
            use rusqlite::types::Value;
            let case_of = match supersedes {
                Some(old) => Some(b.current_event_case("case_analysis", &old.to_string())?),
                None => None,
            };
            if case_of.is_some_and(|c| c != case) {
                return Err(Error::invalid(
                    "the analysis to correct belongs to another case",
                ));
            }
            b.live_case(case)?;
            b.append_event(
                "case_analysis",
                &id.to_string(),
                case,
                supersedes.map(|s| s.to_string()).as_deref(),
                vec![
                    ("template_id", Value::Text(t.id.clone())),
                    ("template_version", Value::Integer(t.version.into())),
                    ("completed_on", Value::Text(today.clone())),
                    ("facts", Value::Text(facts.clone())),
                    ("responses", Value::Text(responses.clone())),
                ],
            )
        })?;
        Ok(id)
    }

    /// The current analyses of a case.
    pub fn case_analyses(&self, case: CaseId) -> Result<Vec<CaseAnalysis>> {
        current_analyses(&self.conn, "a.case_id = ?1", [case])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Protected {
        Protected {
            names: vec!["ona".into(), "petraitienė".into()],
            phone_digits: Some("37061234567".into()),
            address_parts: vec!["liepų g. 5".into()],
        }
    }

    fn one(text: &str) -> Vec<IdentifierKind> {
        let answers = BTreeMap::from([("q".to_owned(), AnswerInput::Text(text.into()))]);
        screen_with(&p(), &answers)
            .into_iter()
            .map(|w| w.kind)
            .collect()
    }

    #[test]
    fn the_screen_finds_the_clients_identifiers_and_obvious_ones() {
        assert_eq!(
            one("Ona was seen by the police"),
            [IdentifierKind::ClientName]
        );
        assert_eq!(one("PETRAITIENĖ called us"), [IdentifierKind::ClientName]);
        assert!(one("she called 612 34 567").contains(&IdentifierKind::ClientPhone));
        assert!(one("call +370 612 34567").contains(&IdentifierKind::LongNumber));
        assert_eq!(
            one("lives at Liepų g. 5 with him"),
            [IdentifierKind::ClientAddress]
        );
        assert_eq!(one("wrote to x.y@mail.lt"), [IdentifierKind::Email]);
        assert!(one("personal code 48901011234").contains(&IdentifierKind::LongNumber));
    }

    #[test]
    fn the_screen_lets_general_analysis_through() {
        assert!(one("Police came after 2 days; the court granted an order in 2026.").is_empty());
        assert!(one("Onanism is not relevant; donated clothes").is_empty());
        assert!(one("contacted within 24 hours, 3 referrals").is_empty());
    }
}
