//! Safety plans, written with the client. Every save is a new version that supersedes the
//! previous one, so each version is kept. The review date feeds the work queue. A safety
//! plan never leaves the centre: it is not among the tables a bundle carries.

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::audit::Action;
use crate::cases::read::{SUMMARY_COLUMNS, summary_row};
use crate::cases::{Batch, CaseSummary, RecordMeta};
use crate::error::{Error, Result};
use crate::ids::{CaseId, SafetyPlanId};
use crate::store::Store;

/// The longest section, in characters.
pub const MAX_SECTION: usize = 20_000;

/// The sections of a safety plan, in the client's words where possible.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct SafetyPlanSections {
    /// What worries the client, in their own words.
    pub concerns: String,
    /// People and services the client can turn to.
    pub support: String,
    /// Preparedness: documents to keep ready (identity papers, birth certificates, …).
    pub documents: String,
    /// Preparedness: money, cards, savings.
    pub money: String,
    /// Preparedness: a bag kept ready, and where.
    pub bag: String,
    /// Preparedness: safe places to go.
    pub safe_places: String,
    /// What to do when there is danger (signals, exits, calls).
    pub strategies: String,
    /// Steps after leaving (locks, routes, school, work).
    pub after_leaving: String,
    /// The children's safety.
    pub children: String,
}

impl SafetyPlanSections {
    /// The section names, in the order the plan shows and prints them.
    pub const NAMES: [&'static str; 9] = [
        "concerns",
        "support",
        "documents",
        "money",
        "bag",
        "safe_places",
        "strategies",
        "after_leaving",
        "children",
    ];

    fn all(&self) -> [&str; 9] {
        [
            &self.concerns,
            &self.support,
            &self.documents,
            &self.money,
            &self.bag,
            &self.safe_places,
            &self.strategies,
            &self.after_leaving,
            &self.children,
        ]
    }
}

/// A safety plan as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SafetyPlanFields {
    /// The sections.
    pub sections: SafetyPlanSections,
    /// When to review it with the client.
    pub review_on: Option<NaiveDate>,
}

/// One version of a safety plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SafetyPlan {
    /// Id of this version.
    pub id: SafetyPlanId,
    /// The case.
    pub case_id: CaseId,
    /// The version it replaced.
    pub supersedes: Option<SafetyPlanId>,
    /// 1 for the first version, counting up.
    pub number: u32,
    /// What it says.
    pub fields: SafetyPlanFields,
    /// Who wrote this version, when.
    pub meta: RecordMeta,
}

/// A case's safety plan: the current version and all versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SafetyPlanHistory {
    /// The current version (none before the first save).
    pub current: Option<SafetyPlan>,
    /// Every version, newest first (the current one included).
    pub versions: Vec<SafetyPlan>,
}

/// A safety plan due for review, in the work queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SafetyPlanReview {
    /// The case.
    pub case: CaseSummary,
    /// The review date.
    pub review_on: NaiveDate,
    /// The date has passed.
    pub overdue: bool,
}

/// The current (live, not superseded) version of the case's plan.
fn current_id(conn: &Connection, case: CaseId) -> Result<Option<SafetyPlanId>> {
    let ids: Vec<SafetyPlanId> = conn
        .prepare_cached(
            "SELECT p.id FROM safety_plan p
             WHERE p.case_id = ?1 AND p.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM safety_plan n WHERE n.supersedes = p.id)",
        )?
        .query_map([case], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids.into_iter().next())
}

fn plan_cols(f: &SafetyPlanFields) -> Result<Vec<(&'static str, Value)>> {
    if f.sections.all().iter().all(|s| s.trim().is_empty()) {
        return Err(Error::invalid(
            "nothing is written in the safety plan; write at least one section before saving",
        ));
    }
    for (name, text) in SafetyPlanSections::NAMES.iter().zip(f.sections.all()) {
        if text.chars().count() > MAX_SECTION {
            return Err(Error::invalid(format!(
                "the safety plan section '{name}' is longer than {MAX_SECTION} characters"
            )));
        }
    }
    let sections = serde_json::to_string(&f.sections)
        .map_err(|e| Error::invalid(format!("cannot encode the safety plan: {e}")))?;
    Ok(vec![
        ("sections", Value::Text(sections)),
        (
            "review_on",
            f.review_on
                .map_or(Value::Null, |d| Value::Text(d.to_string())),
        ),
    ])
}

impl Batch<'_> {
    /// Saves a new version of the case's safety plan. `base` is the version the writer
    /// started from (none for the first plan); if someone saved another version since, the
    /// save is refused rather than silently overwriting it.
    pub fn save_safety_plan(
        &mut self,
        case: CaseId,
        base: Option<SafetyPlanId>,
        f: &SafetyPlanFields,
    ) -> Result<SafetyPlanId> {
        self.live_case(case)?;
        let current = current_id(&self.tx, case)?;
        if current != base {
            return Err(Error::invalid(
                "the safety plan was changed by someone else since you opened it; reload it and make your changes again",
            ));
        }
        let cols = plan_cols(f)?;
        let id = SafetyPlanId::new();
        let old = current.map(|c| c.to_string());
        self.append_event("safety_plan", &id.to_string(), case, old.as_deref(), cols)?;
        Ok(id)
    }

    /// Sets the review date of the case's safety plan: a new version with the same sections.
    /// A case without a plan has none to review: the plan is written first (never saved
    /// empty, issue 26).
    pub fn set_safety_plan_review(&mut self, case: CaseId, on: NaiveDate) -> Result<SafetyPlanId> {
        self.live_case(case)?;
        let current = current_id(&self.tx, case)?;
        let mut fields = match current {
            Some(id) => {
                let text: String = self.tx.query_row(
                    "SELECT sections FROM safety_plan WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                SafetyPlanFields {
                    sections: serde_json::from_str(&text).unwrap_or_default(),
                    review_on: None,
                }
            }
            None => {
                return Err(Error::invalid(
                    "this case has no safety plan yet; write the safety plan with the client \
                     first, then set its review date",
                ));
            }
        };
        fields.review_on = Some(on);
        self.save_safety_plan(case, current, &fields)
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SafetyPlan> {
    let sections: String = r.get("sections")?;
    let review: Option<String> = r.get("review_on")?;
    Ok(SafetyPlan {
        id: r.get("id")?,
        case_id: r.get("case_id")?,
        supersedes: r.get("supersedes")?,
        number: 0,
        fields: SafetyPlanFields {
            sections: serde_json::from_str(&sections).unwrap_or_default(),
            review_on: review.and_then(|d| d.parse().ok()),
        },
        meta: crate::cases::read::meta(r)?,
    })
}

/// Safety plans due for review by `horizon` in `user`'s open cases, soonest first.
pub(crate) fn reviews_due(
    conn: &Connection,
    user: &str,
    today: NaiveDate,
    horizon: NaiveDate,
    limit: u32,
) -> Result<Vec<SafetyPlanReview>> {
    let rows = conn
        .prepare_cached(&format!(
            // From the plans due (an index range), each checked against the person's open
            // cases (`open_case_member`, one key lookup): plans due are few, cases many.
            "SELECT {SUMMARY_COLUMNS}, p.review_on
             FROM safety_plan p INDEXED BY safety_plan_review
             CROSS JOIN open_case_member m ON m.username = ?1 AND m.case_id = p.case_id
             CROSS JOIN case_file c ON c.id = p.case_id
             CROSS JOIN client cl ON cl.id = c.client_id
             WHERE p.review_on IS NOT NULL AND p.review_on <= ?2 AND p.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM safety_plan n WHERE n.supersedes = p.id)
             ORDER BY p.review_on, c.case_number LIMIT ?3"
        ))?
        .query_map(params![user, horizon.to_string(), limit], |r| {
            let on: String = r.get("review_on")?;
            Ok((summary_row(r)?, on))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(case, on)| {
            let review_on: NaiveDate = on.parse().ok()?;
            Some(SafetyPlanReview {
                case,
                review_on,
                overdue: review_on < today,
            })
        })
        .collect())
}

impl Store {
    /// The case's safety plan with all its versions; the view is recorded in the access log.
    pub fn safety_plan(&self, case: CaseId) -> Result<SafetyPlanHistory> {
        crate::cases::read::case(&self.conn, case)?;
        let mut versions = self
            .conn
            .prepare_cached(
                "SELECT * FROM safety_plan WHERE case_id = ?1 AND deleted_at IS NULL
                 ORDER BY hlc",
            )?
            .query_map([case], row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (n, v) in versions.iter_mut().enumerate() {
            v.number = u32::try_from(n + 1).unwrap_or(u32::MAX);
        }
        versions.reverse();
        let current_id = current_id(&self.conn, case)?;
        let current = versions.iter().find(|v| Some(v.id) == current_id).cloned();
        self.log_access(Action::ViewSafetyPlan, Some(case), None)?;
        Ok(SafetyPlanHistory { current, versions })
    }

    /// Saves a new version of the safety plan (see [`Batch::save_safety_plan`]).
    pub fn save_safety_plan(
        &mut self,
        case: CaseId,
        base: Option<SafetyPlanId>,
        f: &SafetyPlanFields,
    ) -> Result<SafetyPlanId> {
        self.batch(|b| b.save_safety_plan(case, base, f))
    }

    /// Sets the safety plan's review date (see [`Batch::set_safety_plan_review`]).
    pub fn set_safety_plan_review(&mut self, case: CaseId, on: NaiveDate) -> Result<SafetyPlanId> {
        self.batch(|b| b.set_safety_plan_review(case, on))
    }

    /// Records in the access log that a safety plan was printed, and which sections the
    /// client chose to print (the sections' content is not logged).
    pub fn log_safety_plan_print(
        &self,
        case: CaseId,
        plan: SafetyPlanId,
        sections: &[String],
    ) -> Result<()> {
        if let Some(bad) = sections
            .iter()
            .find(|s| !SafetyPlanSections::NAMES.contains(&s.as_str()))
        {
            return Err(Error::invalid(format!(
                "'{bad}' is not a section of a safety plan"
            )));
        }
        let owner: Option<CaseId> = self
            .conn
            .query_row(
                "SELECT case_id FROM safety_plan WHERE id = ?1",
                [plan],
                |r| r.get(0),
            )
            .ok();
        if owner != Some(case) {
            return Err(Error::NotFound {
                what: "safety plan",
                id: plan.to_string(),
            });
        }
        self.log_access(
            Action::Print,
            Some(case),
            Some(&format!(
                "safety plan {plan}; sections: {}",
                sections.join(", ")
            )),
        )
    }
}
