//! The work queues of the home screen: my open cases, follow-ups due, police notifications
//! still to be contacted (with the next-working-day deadline the law sets), safety plans due
//! for review, recently opened cases. They sit above the case record and risk (they read
//! both), on the floor of their own.

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::calendar::{Holidays, next_working_day};
use crate::cases::model::CaseSummary;
use crate::cases::read::{SUMMARY_COLUMNS, summary_row};
use crate::centre::Country;
use crate::error::Result;
use crate::store::Store;

/// How many rows each queue shows at most.
pub const QUEUE_LIMIT: u32 = 200;
/// Follow-ups due within this many days are shown.
pub const FOLLOW_UP_DAYS: i64 = 7;

/// A police notification whose client has not been contacted yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PoliceNotification {
    /// The case.
    pub case: CaseSummary,
    /// When the police notification arrived.
    pub notified_on: NaiveDate,
    /// The next working day after it: the client must be contacted by then.
    pub deadline: NaiveDate,
    /// The deadline has passed.
    pub overdue: bool,
}

/// Everything the home screen lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct WorkQueues {
    /// The day the queues were computed for.
    pub today: NaiveDate,
    /// Open cases where I am the lead worker or on the team, newest first.
    pub my_open_cases: Vec<CaseSummary>,
    /// My open cases with a follow-up due within a week (or overdue), soonest first.
    pub follow_ups_due: Vec<CaseSummary>,
    /// The centre's police notifications not yet contacted, earliest deadline first.
    pub police_to_contact: Vec<PoliceNotification>,
    /// Safety plans of my open cases due for review within a week (or overdue), soonest
    /// first.
    pub safety_plan_reviews: Vec<crate::risk::SafetyPlanReview>,
    /// Case-conference follow-ups of my open cases due within a week (or overdue), soonest
    /// first.
    #[serde(default)]
    pub conference_follow_ups: Vec<crate::cases::conference::ConferenceFollowUp>,
    /// Cases opened most recently in the centre.
    pub recently_opened: Vec<CaseSummary>,
}

/// The work queues of `user` on `today`.
pub fn work_queues(
    conn: &Connection,
    user: &str,
    country: Country,
    holidays: &Holidays,
    today: NaiveDate,
) -> Result<WorkQueues> {
    // Work is this centre's own: a coordination centre's replicas of other centres' cases
    // (their police notifications, their teams) are never anyone's work here.
    let own: String = conn.query_row("SELECT code FROM centre_profile WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    // `open_case_member` (kept by triggers, see migration 0006) holds one row per person and
    // open case, indexed by person and date: each of the two personal lists is one index
    // range read in order, whatever the size of the store. CROSS JOIN keeps that order.
    let mine = format!(
        "SELECT {SUMMARY_COLUMNS} FROM open_case_member m
         CROSS JOIN case_file c ON c.id = m.case_id CROSS JOIN client cl ON cl.id = c.client_id
         WHERE m.username = ?1 AND c.owner_centre = ?4"
    );
    let my_open_cases = conn
        .prepare_cached(&format!(
            "{mine} ORDER BY m.opened_on DESC, m.case_number DESC LIMIT ?2"
        ))?
        .query_map(params![user, QUEUE_LIMIT, None::<String>, own], summary_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let horizon = today + chrono::Duration::days(FOLLOW_UP_DAYS);
    let follow_ups_due = conn
        .prepare_cached(&format!(
            "{mine} AND m.follow_up_on <= ?3 ORDER BY m.follow_up_on, m.case_number LIMIT ?2"
        ))?
        .query_map(
            params![user, QUEUE_LIMIT, horizon.to_string(), own],
            summary_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let uncontacted = conn
        .prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS}, c.police_notified_on
             FROM case_file c INDEXED BY case_police_uncontacted
             JOIN client cl ON cl.id = c.client_id
             WHERE c.police_notified_on IS NOT NULL AND c.first_contact_on IS NULL
               AND c.status = 'open' AND c.deleted_at IS NULL AND c.owner_centre = ?2
             ORDER BY c.police_notified_on, c.case_number LIMIT ?1"
        ))?
        .query_map(params![QUEUE_LIMIT, own], |r| {
            let notified: String = r.get("police_notified_on")?;
            Ok((summary_row(r)?, notified))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut police_to_contact = Vec::with_capacity(uncontacted.len());
    for (case, notified) in uncontacted {
        let Ok(notified_on) = notified.parse::<NaiveDate>() else {
            continue;
        };
        let deadline = next_working_day(holidays, country, notified_on);
        police_to_contact.push(PoliceNotification {
            case,
            notified_on,
            deadline,
            overdue: today > deadline,
        });
    }
    let recently_opened = conn
        .prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM case_file c JOIN client cl ON cl.id = c.client_id
             WHERE c.deleted_at IS NULL AND c.owner_centre = ?1
             ORDER BY c.opened_on DESC, c.case_number DESC LIMIT 20"
        ))?
        .query_map([&own], summary_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let safety_plan_reviews =
        crate::risk::safety_plan::reviews_due(conn, user, today, horizon, QUEUE_LIMIT)?;
    let conference_follow_ups =
        crate::cases::conference::follow_ups_due(conn, user, today, horizon, QUEUE_LIMIT)?;
    Ok(WorkQueues {
        today,
        my_open_cases,
        follow_ups_due,
        police_to_contact,
        safety_plan_reviews,
        conference_follow_ups,
        recently_opened,
    })
}

impl Store {
    /// The signed-in person's work queues on `today`.
    pub fn work_queues(&self, today: NaiveDate) -> Result<WorkQueues> {
        work_queues(
            &self.conn,
            &self.ctx.user,
            self.ctx.country,
            Holidays::builtin()?,
            today,
        )
    }
}
