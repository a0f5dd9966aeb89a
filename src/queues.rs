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

// ---- Today: every list counted in full, sorted and paged ------------------------------

/// A protection order ending within this many days is shown and warned about.
pub const ORDER_WARN_DAYS: i64 = 7;
/// The most rows one page of a Today list holds.
pub const TODAY_PAGE_MAX: u32 = 100;
/// The longest stretch the calendar reads at once, in days (a month view with the weeks
/// around it).
pub const CALENDAR_MAX_DAYS: i64 = 62;

/// The lists of the Today view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum TodayQueue {
    /// The centre's police notifications whose client is not contacted yet.
    Police,
    /// My appointments (and those in my open cases) from today for a week.
    Appointments,
    /// Follow-ups of my open cases due within a week or overdue.
    FollowUps,
    /// Safety-plan reviews of my open cases due within a week or overdue.
    PlanReviews,
    /// Granted protection orders of my open cases ending within [`ORDER_WARN_DAYS`].
    OrderExpiries,
    /// Case-conference follow-ups of my open cases due within a week or overdue.
    Conferences,
    /// My open cases (lead worker or team), by the day they were opened.
    MyCases,
}

/// How a Today list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum TodaySort {
    /// By the day it is due (then the time, then the case number).
    Due,
    /// By case number.
    CaseNumber,
    /// By the client's pseudonym.
    Pseudonym,
}

/// How many items each Today list holds: true counts, not a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TodayCounts {
    /// The day counted for.
    pub today: NaiveDate,
    /// Police notifications to contact.
    pub police: u32,
    /// Appointments from today for a week.
    pub appointments: u32,
    /// Of those, today's.
    pub appointments_today: u32,
    /// Follow-ups due.
    pub follow_ups: u32,
    /// Safety-plan reviews due.
    pub plan_reviews: u32,
    /// Protection orders ending soon.
    pub order_expiries: u32,
    /// Conference follow-ups due.
    pub conferences: u32,
    /// My open cases.
    pub my_open_cases: u32,
}

/// One row of a Today list or of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TodayItem {
    /// The case.
    pub case: CaseSummary,
    /// The day it is due (a police notification: the contact deadline; an appointment: its
    /// day; an order: the day it ends).
    pub due_on: NaiveDate,
    /// An appointment's time (`HH:MM`).
    pub at_time: Option<String>,
    /// The day has passed.
    pub overdue: bool,
    /// Needs attention before the day (a protection order ending within
    /// [`ORDER_WARN_DAYS`]).
    pub warn: bool,
    /// A code saying more: the appointment kind, the order type, the acting agency.
    pub detail: Option<String>,
    /// The record it is about (appointment, order, plan, conference, action), if not the case.
    pub record_id: Option<String>,
}

/// One page of a Today list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TodayPage {
    /// The list.
    pub queue: TodayQueue,
    /// How many items the whole list holds.
    pub total: u32,
    /// The first item's position in it (0-based).
    pub offset: u32,
    /// The items of this page.
    pub items: Vec<TodayItem>,
}

/// What the calendar shows on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum CalendarKind {
    /// An appointment (the detail is its kind: meeting, court, police, other).
    Appointment,
    /// A granted protection order ends.
    OrderEnds,
    /// A case follow-up.
    FollowUp,
    /// A safety-plan review.
    PlanReview,
    /// A case-conference follow-up.
    ConferenceFollowUp,
    /// A conference action without an outcome is due.
    ConferenceAction,
}

/// One entry of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CalendarEntry {
    /// What it is.
    pub kind: CalendarKind,
    /// The day, case, time and detail.
    pub item: TodayItem,
}

/// A list's rows: `FROM … WHERE …` over `c` (case_file) and `cl` (client), and the
/// expressions of its due day, time, detail and record. Named parameters: `:user`, `:own`,
/// `:from`, `:to` (the days it covers).
struct Source {
    from_where: &'static str,
    due: &'static str,
    time: &'static str,
    detail: &'static str,
    record: &'static str,
}

const POLICE: Source = Source {
    from_where: "FROM case_file c INDEXED BY case_police_uncontacted
         JOIN client cl ON cl.id = c.client_id
         WHERE c.police_notified_on IS NOT NULL AND c.first_contact_on IS NULL
           AND c.status = 'open' AND c.deleted_at IS NULL AND c.owner_centre = :own",
    due: "c.police_notified_on",
    time: "NULL",
    detail: "NULL",
    record: "NULL",
};

const APPOINTMENTS: Source = Source {
    from_where: "FROM appointment a INDEXED BY appointment_day
         CROSS JOIN case_file c ON c.id = a.case_id
         CROSS JOIN client cl ON cl.id = c.client_id
         WHERE a.deleted_at IS NULL AND a.on_date >= :from AND a.on_date <= :to
           AND c.deleted_at IS NULL AND c.owner_centre = :own
           AND (a.staff = :user OR EXISTS (SELECT 1 FROM open_case_member m
                                          WHERE m.username = :user AND m.case_id = a.case_id))",
    due: "a.on_date",
    time: "a.at_time",
    detail: "a.kind",
    record: "a.id",
};

const FOLLOW_UPS: Source = Source {
    from_where: "FROM open_case_member m
         CROSS JOIN case_file c ON c.id = m.case_id CROSS JOIN client cl ON cl.id = c.client_id
         WHERE m.username = :user AND c.owner_centre = :own
           AND m.follow_up_on >= :from AND m.follow_up_on <= :to",
    due: "m.follow_up_on",
    time: "NULL",
    detail: "NULL",
    record: "NULL",
};

const PLAN_REVIEWS: Source = Source {
    from_where: "FROM safety_plan p INDEXED BY safety_plan_review
         CROSS JOIN open_case_member m ON m.username = :user AND m.case_id = p.case_id
         CROSS JOIN case_file c ON c.id = p.case_id
         CROSS JOIN client cl ON cl.id = c.client_id
         WHERE p.review_on IS NOT NULL AND p.review_on >= :from AND p.review_on <= :to
           AND p.deleted_at IS NULL AND c.owner_centre = :own
           AND NOT EXISTS (SELECT 1 FROM safety_plan n WHERE n.supersedes = p.id)",
    due: "p.review_on",
    time: "NULL",
    detail: "NULL",
    record: "p.id",
};

const ORDERS: Source = Source {
    from_where: "FROM protection_order o INDEXED BY protection_order_ends
         CROSS JOIN open_case_member m ON m.username = :user AND m.case_id = o.case_id
         CROSS JOIN case_file c ON c.id = o.case_id
         CROSS JOIN client cl ON cl.id = c.client_id
         WHERE o.ends_on IS NOT NULL AND o.deleted_at IS NULL AND o.status = 'granted'
           AND o.ends_on >= :from AND o.ends_on <= :to AND c.owner_centre = :own",
    due: "o.ends_on",
    time: "NULL",
    detail: "o.order_type",
    record: "o.id",
};

const CONFERENCES: Source = Source {
    from_where: "FROM case_conference k INDEXED BY case_conference_follow_up
         CROSS JOIN open_case_member m ON m.username = :user AND m.case_id = k.case_id
         CROSS JOIN case_file c ON c.id = k.case_id
         CROSS JOIN client cl ON cl.id = c.client_id
         WHERE k.follow_up_on IS NOT NULL AND k.follow_up_on >= :from AND k.follow_up_on <= :to
           AND k.deleted_at IS NULL AND c.owner_centre = :own
           AND NOT EXISTS (SELECT 1 FROM case_conference n WHERE n.supersedes = k.id)",
    due: "k.follow_up_on",
    time: "NULL",
    detail: "NULL",
    record: "k.id",
};

const MY_CASES: Source = Source {
    from_where: "FROM open_case_member m
         CROSS JOIN case_file c ON c.id = m.case_id CROSS JOIN client cl ON cl.id = c.client_id
         WHERE m.username = :user AND c.owner_centre = :own
           AND m.opened_on >= :from AND m.opened_on <= :to",
    due: "m.opened_on",
    time: "NULL",
    detail: "c.status",
    record: "NULL",
};

const ACTIONS: Source = Source {
    from_where: "FROM conference_action x INDEXED BY conference_action_due
         CROSS JOIN open_case_member m ON m.username = :user AND m.case_id = x.case_id
         CROSS JOIN case_file c ON c.id = x.case_id
         CROSS JOIN client cl ON cl.id = c.client_id
         WHERE x.due_on IS NOT NULL AND x.due_on >= :from AND x.due_on <= :to
           AND x.deleted_at IS NULL AND c.owner_centre = :own
           AND NOT EXISTS (SELECT 1 FROM conference_action n WHERE n.supersedes = x.id)
           AND NOT EXISTS (SELECT 1 FROM conference_outcome o
                           WHERE o.action_id = x.id AND o.deleted_at IS NULL)",
    due: "x.due_on",
    time: "NULL",
    detail: "x.owner_agency",
    record: "x.id",
};

/// What a query of the Today view or the calendar binds.
struct Binds<'a> {
    user: &'a str,
    own: String,
    from: String,
    to: String,
}

fn own_centre(conn: &Connection) -> Result<String> {
    Ok(
        conn.query_row("SELECT code FROM centre_profile WHERE id = 1", [], |r| {
            r.get(0)
        })?,
    )
}

/// Binds the named parameters a statement uses (and only those).
fn bind(stmt: &mut rusqlite::Statement<'_>, b: &Binds<'_>, extra: &[(&str, i64)]) -> Result<()> {
    for (name, value) in [
        (":user", b.user),
        (":own", b.own.as_str()),
        (":from", b.from.as_str()),
        (":to", b.to.as_str()),
    ] {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, value)?;
        }
    }
    for (name, value) in extra {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, value)?;
        }
    }
    Ok(())
}

fn count(conn: &Connection, source: &Source, b: &Binds<'_>) -> Result<u32> {
    let mut stmt = conn.prepare_cached(&format!("SELECT count(*) {}", source.from_where))?;
    bind(&mut stmt, b, &[])?;
    let mut rows = stmt.raw_query();
    let n: i64 = match rows.next()? {
        Some(r) => r.get(0)?,
        None => 0,
    };
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// A row as read: the case, its due day, time, detail and record.
type Found = (
    CaseSummary,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The rows of `source` in `order`, `limit` from `offset`.
fn rows(
    conn: &Connection,
    source: &Source,
    b: &Binds<'_>,
    order: &str,
    limit: u32,
    offset: u32,
) -> Result<Vec<Found>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS}, {} AS due_on, {} AS at_time, {} AS detail, {} AS record_id
         {} ORDER BY {order} LIMIT :limit OFFSET :offset",
        source.due, source.time, source.detail, source.record, source.from_where
    ))?;
    bind(
        &mut stmt,
        b,
        &[(":limit", limit.into()), (":offset", offset.into())],
    )?;
    let mut out = Vec::new();
    let mut q = stmt.raw_query();
    while let Some(r) = q.next()? {
        out.push((
            summary_row(r)?,
            r.get("due_on")?,
            r.get("at_time")?,
            r.get("detail")?,
            r.get("record_id")?,
        ));
    }
    Ok(out)
}

/// The first day any overdue item can have.
const EVER: &str = "0000-01-01";

impl TodayQueue {
    fn source(self) -> &'static Source {
        match self {
            TodayQueue::Police => &POLICE,
            TodayQueue::Appointments => &APPOINTMENTS,
            TodayQueue::FollowUps => &FOLLOW_UPS,
            TodayQueue::PlanReviews => &PLAN_REVIEWS,
            TodayQueue::OrderExpiries => &ORDERS,
            TodayQueue::Conferences => &CONFERENCES,
            TodayQueue::MyCases => &MY_CASES,
        }
    }

    /// The days the list covers on `today`: overdue items stay until they are dealt with;
    /// appointments and orders are from today on.
    fn range(self, today: NaiveDate) -> (String, String) {
        let week = (today + chrono::Duration::days(FOLLOW_UP_DAYS)).to_string();
        match self {
            TodayQueue::Police | TodayQueue::MyCases => (EVER.into(), "9999-12-31".into()),
            TodayQueue::Appointments => (today.to_string(), week),
            TodayQueue::OrderExpiries => (
                today.to_string(),
                (today + chrono::Duration::days(ORDER_WARN_DAYS)).to_string(),
            ),
            TodayQueue::FollowUps | TodayQueue::PlanReviews | TodayQueue::Conferences => {
                (EVER.into(), week)
            }
        }
    }
}

/// True counts of every Today list of `user` on `today`.
pub fn today_counts(conn: &Connection, user: &str, today: NaiveDate) -> Result<TodayCounts> {
    let own = own_centre(conn)?;
    let counted = |q: TodayQueue| -> Result<u32> {
        let (from, to) = q.range(today);
        count(
            conn,
            q.source(),
            &Binds {
                user,
                own: own.clone(),
                from,
                to,
            },
        )
    };
    let day = today.to_string();
    let appointments_today = count(
        conn,
        &APPOINTMENTS,
        &Binds {
            user,
            own: own.clone(),
            from: day.clone(),
            to: day,
        },
    )?;
    Ok(TodayCounts {
        today,
        police: counted(TodayQueue::Police)?,
        appointments: counted(TodayQueue::Appointments)?,
        appointments_today,
        follow_ups: counted(TodayQueue::FollowUps)?,
        plan_reviews: counted(TodayQueue::PlanReviews)?,
        order_expiries: counted(TodayQueue::OrderExpiries)?,
        conferences: counted(TodayQueue::Conferences)?,
        my_open_cases: counted(TodayQueue::MyCases)?,
    })
}

fn order_by(sort: TodaySort, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    match sort {
        TodaySort::Due => {
            format!("due_on {dir}, coalesce(at_time, '') {dir}, c.case_number {dir}")
        }
        TodaySort::CaseNumber => format!("c.case_number {dir}, due_on {dir}"),
        TodaySort::Pseudonym => format!("cl.pseudonym {dir}, c.case_number {dir}"),
    }
}

fn item(today: NaiveDate, (case, due, time, detail, record): Found) -> Option<TodayItem> {
    let due_on: NaiveDate = due.parse().ok()?;
    Some(TodayItem {
        case,
        due_on,
        at_time: time,
        overdue: due_on < today,
        warn: false,
        detail,
        record_id: record,
    })
}

/// One page of a Today list of `user` on `today`, sorted.
#[allow(clippy::too_many_arguments)]
pub fn today_page(
    conn: &Connection,
    user: &str,
    country: Country,
    holidays: &Holidays,
    today: NaiveDate,
    queue: TodayQueue,
    sort: TodaySort,
    descending: bool,
    offset: u32,
    limit: u32,
) -> Result<TodayPage> {
    let own = own_centre(conn)?;
    let (from, to) = queue.range(today);
    let b = Binds {
        user,
        own,
        from,
        to,
    };
    let total = count(conn, queue.source(), &b)?;
    let limit = limit.clamp(1, TODAY_PAGE_MAX);
    let found = rows(
        conn,
        queue.source(),
        &b,
        &order_by(sort, descending),
        limit,
        offset,
    )?;
    let mut items: Vec<TodayItem> = found.into_iter().filter_map(|r| item(today, r)).collect();
    match queue {
        // The deadline is the next working day after the notification (a later
        // notification never has an earlier deadline, so the order holds).
        TodayQueue::Police => {
            for i in &mut items {
                i.due_on = next_working_day(holidays, country, i.due_on);
                i.overdue = today > i.due_on;
            }
        }
        TodayQueue::OrderExpiries => {
            for i in &mut items {
                i.warn = true;
            }
        }
        TodayQueue::MyCases => {
            for i in &mut items {
                i.overdue = false; // the day it was opened, nothing due
            }
        }
        _ => {}
    }
    Ok(TodayPage {
        queue,
        total,
        offset,
        items,
    })
}

/// What the calendar shows of `user`'s work from `from` to `to` (both included), by day
/// and time: appointments (court dates among them), protection orders ending, follow-ups,
/// plan reviews, conference follow-ups and actions due. `today` decides what is overdue and
/// which orders warn.
pub fn calendar(
    conn: &Connection,
    user: &str,
    today: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CalendarEntry>> {
    if to < from {
        return Err(crate::error::Error::invalid(
            "the calendar's last day is before its first; swap them",
        ));
    }
    if (to - from).num_days() >= CALENDAR_MAX_DAYS {
        return Err(crate::error::Error::invalid(format!(
            "the calendar shows at most {CALENDAR_MAX_DAYS} days at once; choose a shorter range"
        )));
    }
    let b = Binds {
        user,
        own: own_centre(conn)?,
        from: from.to_string(),
        to: to.to_string(),
    };
    let mut out = Vec::new();
    for (kind, source) in [
        (CalendarKind::Appointment, &APPOINTMENTS),
        (CalendarKind::OrderEnds, &ORDERS),
        (CalendarKind::FollowUp, &FOLLOW_UPS),
        (CalendarKind::PlanReview, &PLAN_REVIEWS),
        (CalendarKind::ConferenceFollowUp, &CONFERENCES),
        (CalendarKind::ConferenceAction, &ACTIONS),
    ] {
        let order = order_by(TodaySort::Due, false);
        // A range of at most two months of one person's work: bounded, read whole.
        for r in rows(conn, source, &b, &order, 10_000, 0)? {
            let Some(mut item) = item(today, r) else {
                continue;
            };
            if kind == CalendarKind::OrderEnds {
                item.warn = item.due_on >= today
                    && item.due_on <= today + chrono::Duration::days(ORDER_WARN_DAYS);
            }
            if kind == CalendarKind::Appointment {
                item.overdue = false; // a past appointment is not "overdue"
            }
            out.push(CalendarEntry { kind, item });
        }
    }
    out.sort_by(|a, b| {
        (a.item.due_on, a.item.at_time.as_deref().unwrap_or(""))
            .cmp(&(b.item.due_on, b.item.at_time.as_deref().unwrap_or("")))
            .then_with(|| a.item.case.case_number.cmp(&b.item.case.case_number))
    });
    Ok(out)
}

impl Store {
    /// True counts of the signed-in person's Today lists.
    pub fn today_counts(&self, today: NaiveDate) -> Result<TodayCounts> {
        today_counts(&self.conn, &self.ctx.user, today)
    }

    /// One page of one of the signed-in person's Today lists.
    pub fn today_page(
        &self,
        today: NaiveDate,
        queue: TodayQueue,
        sort: TodaySort,
        descending: bool,
        offset: u32,
        limit: u32,
    ) -> Result<TodayPage> {
        today_page(
            &self.conn,
            &self.ctx.user,
            self.ctx.country,
            Holidays::builtin()?,
            today,
            queue,
            sort,
            descending,
            offset,
            limit,
        )
    }

    /// The signed-in person's calendar from `from` to `to`.
    pub fn calendar(
        &self,
        today: NaiveDate,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CalendarEntry>> {
        calendar(&self.conn, &self.ctx.user, today, from, to)
    }
}
