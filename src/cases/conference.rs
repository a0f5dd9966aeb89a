//! Case conferences: multi-agency risk meetings about a case. A conference records the date,
//! the agencies present (by type), the risk level agreed, the actions agreed (each with the
//! agency that owns it and a due date) and a follow-up date, which puts the case in the work
//! queue of everyone on it. What became of each action is recorded later as an outcome.
//!
//! Conferences, actions and outcomes are append-only events like the rest of the case: a
//! correction is a new row that supersedes the old one. They stay at the centre (they are
//! not among the tables a bundle carries).

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::model::{CaseSummary, RecordMeta};
use super::read::{SUMMARY_COLUMNS, summary_row};
use super::write::Batch;
use crate::error::{Error, Result};
use crate::ids::{CaseId, ConferenceActionId, ConferenceId, ConferenceOutcomeId};
use crate::store::Store;

/// The risk levels a conference agrees on.
pub const RISK_LEVELS: &[&str] = &["standard", "medium", "high"];
/// What became of an action.
pub const OUTCOMES: &[&str] = &["done", "partly_done", "not_done", "no_longer_needed"];
/// The owner of an action that the centre itself takes on (besides `referral_agency` codes).
pub const OWN_CENTRE: &str = "own_centre";
/// The longest action description or outcome note.
pub const MAX_TEXT: usize = 2_000;

/// An action agreed at a conference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConferenceActionFields {
    /// What is to be done.
    pub description: String,
    /// The agency that owns it: a `referral_agency` code, or `own_centre`.
    pub owner_agency: String,
    /// By when.
    pub due_on: Option<NaiveDate>,
}

/// A conference as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConferenceFields {
    /// When it was held.
    pub held_on: NaiveDate,
    /// The agencies present (`referral_agency` codes).
    pub agencies: Vec<String>,
    /// The risk level agreed: `standard`, `medium` or `high`.
    pub risk_level: String,
    /// When to follow up (the case then shows in the work queue).
    pub follow_up_on: Option<NaiveDate>,
}

/// What became of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ActionOutcomeFields {
    /// `done`, `partly_done`, `not_done` or `no_longer_needed`.
    pub outcome: String,
    /// A short note.
    pub note: Option<String>,
    /// When it was known.
    pub recorded_on: NaiveDate,
}

/// An outcome as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ActionOutcome {
    /// Id.
    pub id: ConferenceOutcomeId,
    /// The outcome it corrects.
    pub supersedes: Option<ConferenceOutcomeId>,
    /// What was recorded.
    pub fields: ActionOutcomeFields,
    /// Version.
    pub meta: RecordMeta,
}

/// An action with its current outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConferenceAction {
    /// Id.
    pub id: ConferenceActionId,
    /// What was agreed.
    pub fields: ConferenceActionFields,
    /// Its outcome, once recorded (the current version).
    pub outcome: Option<ActionOutcome>,
    /// Due date passed with no outcome.
    pub overdue: bool,
    /// Version.
    pub meta: RecordMeta,
}

/// A conference with its actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Conference {
    /// Id.
    pub id: ConferenceId,
    /// The conference it corrects.
    pub supersedes: Option<ConferenceId>,
    /// What was recorded.
    pub fields: ConferenceFields,
    /// The actions agreed, in the order recorded.
    pub actions: Vec<ConferenceAction>,
    /// Version.
    pub meta: RecordMeta,
}

/// A conference follow-up due, for the work queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConferenceFollowUp {
    /// The case.
    pub case: CaseSummary,
    /// The conference.
    pub conference_id: ConferenceId,
    /// The follow-up date.
    pub follow_up_on: NaiveDate,
    /// It has passed.
    pub overdue: bool,
}

fn text(s: &str, what: &str) -> Result<Value> {
    let s = s.trim();
    if s.chars().count() > MAX_TEXT {
        return Err(Error::invalid(format!(
            "the {what} is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(Value::Text(s.to_owned()))
}

fn date(d: NaiveDate) -> Value {
    Value::Text(d.to_string())
}

fn opt_date(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, date)
}

impl Batch<'_> {
    fn conference_cols(&self, f: &ConferenceFields) -> Result<Vec<(&'static str, Value)>> {
        if !RISK_LEVELS.contains(&f.risk_level.as_str()) {
            return Err(Error::invalid(format!(
                "risk level '{}' is not known; use standard, medium or high",
                f.risk_level
            )));
        }
        if f.agencies.is_empty() {
            return Err(Error::invalid(
                "a case conference names at least one agency present",
            ));
        }
        for a in &f.agencies {
            self.ctx.codes.check("referral_agency", a)?;
        }
        if let Some(up) = f.follow_up_on
            && up < f.held_on
        {
            return Err(Error::invalid(
                "the follow-up date is before the conference; check the dates",
            ));
        }
        let mut agencies = f.agencies.clone();
        agencies.sort();
        agencies.dedup();
        Ok(vec![
            ("held_on", date(f.held_on)),
            (
                "agencies",
                Value::Text(serde_json::to_string(&agencies).unwrap_or_default()),
            ),
            ("risk_level", Value::Text(f.risk_level.clone())),
            ("follow_up_on", opt_date(f.follow_up_on)),
        ])
    }

    fn action_cols(&self, f: &ConferenceActionFields) -> Result<Vec<(&'static str, Value)>> {
        if f.description.trim().is_empty() {
            return Err(Error::invalid("an action says what is to be done"));
        }
        if f.owner_agency != OWN_CENTRE {
            self.ctx.codes.check("referral_agency", &f.owner_agency)?;
        }
        Ok(vec![
            ("description", text(&f.description, "action")?),
            ("owner_agency", Value::Text(f.owner_agency.clone())),
            ("due_on", opt_date(f.due_on)),
        ])
    }

    /// Records a conference and the actions agreed at it.
    pub fn record_conference(
        &mut self,
        case: CaseId,
        f: &ConferenceFields,
        actions: &[ConferenceActionFields],
    ) -> Result<ConferenceId> {
        self.live_case(case)?;
        let cols = self.conference_cols(f)?;
        let id = ConferenceId::new();
        self.append_event("case_conference", &id.to_string(), case, None, cols)?;
        for a in actions {
            self.add_conference_action(id, a)?;
        }
        Ok(id)
    }

    /// Corrects a conference (date, agencies, level, follow-up); the actions recorded with
    /// any earlier version stay with it.
    pub fn correct_conference(
        &mut self,
        old: ConferenceId,
        f: &ConferenceFields,
    ) -> Result<ConferenceId> {
        Ok(self.supersede(old, |b, _| b.conference_cols(f))?.0)
    }

    /// Adds an action to a conference (its current version).
    pub fn add_conference_action(
        &mut self,
        conference: ConferenceId,
        f: &ConferenceActionFields,
    ) -> Result<ConferenceActionId> {
        let case = self.current_event_case("case_conference", &conference.to_string())?;
        let mut cols = self.action_cols(f)?;
        cols.push(("conference_id", Value::Text(conference.to_string())));
        let id = ConferenceActionId::new();
        self.append_event("conference_action", &id.to_string(), case, None, cols)?;
        Ok(id)
    }

    /// Records what became of an action, or corrects the outcome recorded (`supersedes`).
    pub fn record_action_outcome(
        &mut self,
        action: ConferenceActionId,
        supersedes: Option<ConferenceOutcomeId>,
        f: &ActionOutcomeFields,
    ) -> Result<ConferenceOutcomeId> {
        let case = self.current_event_case("conference_action", &action.to_string())?;
        if !OUTCOMES.contains(&f.outcome.as_str()) {
            return Err(Error::invalid(format!(
                "outcome '{}' is not known; use done, partly_done, not_done or no_longer_needed",
                f.outcome
            )));
        }
        let current: Option<String> = self
            .tx
            .query_row(
                "SELECT id FROM conference_outcome o WHERE action_id = ?1 AND deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM conference_outcome n WHERE n.supersedes = o.id)",
                [action],
                |r| r.get(0),
            )
            .ok();
        if current != supersedes.map(|s| s.to_string()) {
            return Err(Error::invalid(match current {
                Some(_) => "this action already has an outcome; correct that outcome instead",
                None => "the outcome to correct is not the current outcome of this action",
            }));
        }
        if let Some(old) = supersedes {
            self.current_event_case("conference_outcome", &old.to_string())?;
        }
        let id = ConferenceOutcomeId::new();
        let cols = vec![
            ("action_id", Value::Text(action.to_string())),
            ("outcome", Value::Text(f.outcome.clone())),
            (
                "note",
                match f.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    Some(n) => text(n, "note")?,
                    None => Value::Null,
                },
            ),
            ("recorded_on", date(f.recorded_on)),
        ];
        self.append_event(
            "conference_outcome",
            &id.to_string(),
            case,
            supersedes.map(|s| s.to_string()).as_deref(),
            cols,
        )?;
        Ok(id)
    }
}

fn day(r: &rusqlite::Row<'_>, col: &str) -> rusqlite::Result<NaiveDate> {
    let s: String = r.get(col)?;
    s.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn opt_day(r: &rusqlite::Row<'_>, col: &str) -> rusqlite::Result<Option<NaiveDate>> {
    let s: Option<String> = r.get(col)?;
    Ok(s.and_then(|s| s.parse().ok()))
}

/// The current conferences of a case, newest first, with their actions and outcomes.
pub(crate) fn conferences(
    conn: &Connection,
    case: CaseId,
    today: NaiveDate,
) -> Result<Vec<Conference>> {
    let mut out: Vec<Conference> = conn
        .prepare_cached(
            "SELECT * FROM case_conference o WHERE case_id = ?1 AND deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM case_conference n WHERE n.supersedes = o.id)
             ORDER BY held_on DESC, hlc DESC",
        )?
        .query_map([case], |r| {
            let agencies: String = r.get("agencies")?;
            Ok(Conference {
                id: r.get("id")?,
                supersedes: r.get("supersedes")?,
                fields: ConferenceFields {
                    held_on: day(r, "held_on")?,
                    agencies: serde_json::from_str(&agencies).unwrap_or_default(),
                    risk_level: r.get("risk_level")?,
                    follow_up_on: opt_day(r, "follow_up_on")?,
                },
                actions: Vec::new(),
                meta: super::read::meta(r)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for c in &mut out {
        c.actions = conn
            .prepare_cached(
                "WITH RECURSIVE chain (id) AS (
                     SELECT ?1
                     UNION SELECT k.supersedes FROM case_conference k JOIN chain ON k.id = chain.id
                     WHERE k.supersedes IS NOT NULL)
                 SELECT * FROM conference_action o
                 WHERE conference_id IN (SELECT id FROM chain) AND deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM conference_action n WHERE n.supersedes = o.id)
                 ORDER BY hlc",
            )?
            .query_map([c.id], |r| {
                Ok(ConferenceAction {
                    id: r.get("id")?,
                    fields: ConferenceActionFields {
                        description: r.get("description")?,
                        owner_agency: r.get("owner_agency")?,
                        due_on: opt_day(r, "due_on")?,
                    },
                    outcome: None,
                    overdue: false,
                    meta: super::read::meta(r)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for a in &mut c.actions {
            a.outcome = conn
                .prepare_cached(
                    "SELECT * FROM conference_outcome o WHERE action_id = ?1 AND deleted_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM conference_outcome n WHERE n.supersedes = o.id)
                     ORDER BY hlc DESC LIMIT 1",
                )?
                .query_map([a.id], |r| {
                    Ok(ActionOutcome {
                        id: r.get("id")?,
                        supersedes: r.get("supersedes")?,
                        fields: ActionOutcomeFields {
                            outcome: r.get("outcome")?,
                            note: r.get("note")?,
                            recorded_on: day(r, "recorded_on")?,
                        },
                        meta: super::read::meta(r)?,
                    })
                })?
                .next()
                .transpose()?;
            a.overdue = a.outcome.is_none() && a.fields.due_on.is_some_and(|d| d < today);
        }
    }
    Ok(out)
}

/// Conference follow-ups of `user`'s open cases due by `horizon` (or overdue), soonest first.
pub(crate) fn follow_ups_due(
    conn: &Connection,
    user: &str,
    today: NaiveDate,
    horizon: NaiveDate,
    limit: u32,
) -> Result<Vec<ConferenceFollowUp>> {
    let rows = conn
        .prepare_cached(&format!(
            // From the follow-ups due (an index range), each checked against the person's
            // open cases (`open_case_member`, one key lookup), as safety-plan reviews are.
            "SELECT {SUMMARY_COLUMNS}, k.follow_up_on AS conference_follow_up, k.id AS conference_id
             FROM case_conference k INDEXED BY case_conference_follow_up
             CROSS JOIN open_case_member m ON m.username = ?1 AND m.case_id = k.case_id
             CROSS JOIN case_file c ON c.id = k.case_id
             CROSS JOIN client cl ON cl.id = c.client_id
             WHERE k.follow_up_on IS NOT NULL AND k.follow_up_on <= ?2 AND k.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM case_conference n WHERE n.supersedes = k.id)
             ORDER BY k.follow_up_on, c.case_number LIMIT ?3"
        ))?
        .query_map(params![user, horizon.to_string(), limit], |r| {
            Ok((
                summary_row(r)?,
                r.get::<_, ConferenceId>("conference_id")?,
                opt_day(r, "conference_follow_up")?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(case, conference_id, on)| {
            let follow_up_on = on?;
            Some(ConferenceFollowUp {
                case,
                conference_id,
                follow_up_on,
                overdue: follow_up_on < today,
            })
        })
        .collect())
}

impl Store {
    /// The conferences of a case, newest first, with actions and their outcomes; the view is
    /// recorded in the access log (when there is any to see).
    pub fn conferences(&self, case: CaseId) -> Result<Vec<Conference>> {
        super::read::case(&self.conn, case)?;
        let list = conferences(&self.conn, case, chrono::Local::now().date_naive())?;
        if !list.is_empty() {
            self.log_access(
                crate::audit::Action::ViewCase,
                Some(case),
                Some("case conferences"),
            )?;
        }
        Ok(list)
    }

    /// Records a conference and its actions in one transaction.
    pub fn record_conference(
        &mut self,
        case: CaseId,
        f: &ConferenceFields,
        actions: &[ConferenceActionFields],
    ) -> Result<ConferenceId> {
        self.batch(|b| b.record_conference(case, f, actions))
    }

    /// Corrects a conference.
    pub fn correct_conference(
        &mut self,
        old: ConferenceId,
        f: &ConferenceFields,
    ) -> Result<ConferenceId> {
        self.batch(|b| b.correct_conference(old, f))
    }

    /// Adds an action to a conference.
    pub fn add_conference_action(
        &mut self,
        conference: ConferenceId,
        f: &ConferenceActionFields,
    ) -> Result<ConferenceActionId> {
        self.batch(|b| b.add_conference_action(conference, f))
    }

    /// Records (or corrects) the outcome of an action.
    pub fn record_action_outcome(
        &mut self,
        action: ConferenceActionId,
        supersedes: Option<ConferenceOutcomeId>,
        f: &ActionOutcomeFields,
    ) -> Result<ConferenceOutcomeId> {
        self.batch(|b| b.record_action_outcome(action, supersedes, f))
    }
}
