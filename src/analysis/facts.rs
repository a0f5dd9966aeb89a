//! The facts of a case that pre-fill its analysis, computed by the core from the case's
//! current records: a timeline of contacts, referrals and protection orders (as days since
//! the case was opened, with codes — never dates, names or free text), days from the first
//! police notification to the first contact, duration of support, and counts of service
//! contacts by discipline.
//!
//! They are frozen into the analysis when it is completed, because a coordination centre
//! cannot recompute them: its copies of the case carry month-level dates only.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::template::Prefill;
use crate::error::{Error, Result};
use crate::ids::CaseId;

/// One event on a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TimelineEntry {
    /// Days since the case was opened (negative: before, e.g. the police notification).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub day: i64,
    /// `police_notified`, `opened`, `first_contact`, `service_contact`, `referral`,
    /// `protection_order`, `closed`.
    pub kind: String,
    /// The code that says what (discipline, agency type, issuer + status, closure reason).
    pub code: Option<String>,
}

/// The facts of a case, as the core computes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseFacts {
    /// How the client came (`referral_source` code).
    pub referral_source: String,
    /// Whether the police notified the centre.
    pub police_notified: bool,
    /// Days from the police notification to the first contact.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub days_police_to_first_contact: Option<i64>,
    /// Days from opening to closure.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub support_days: Option<i64>,
    /// Current service contacts.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub service_contacts: i64,
    /// Their minutes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub service_minutes: i64,
    /// Service contacts per discipline code.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub contacts_by_discipline: BTreeMap<String, i64>,
    /// Current referrals.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub referrals: i64,
    /// Referrals per agency type code.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub referrals_by_agency: BTreeMap<String, i64>,
    /// Protection orders recorded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub protection_orders: i64,
    /// Whether an order was applied for (whatever became of it).
    pub protection_order_applied: bool,
    /// Whether an order was granted.
    pub protection_order_granted: bool,
    /// Whether an order was breached.
    pub protection_order_breached: bool,
    /// The closure reason code.
    pub closure_reason: Option<String>,
    /// The timeline, in order of days.
    pub timeline: Vec<TimelineEntry>,
}

/// The dates a case's facts are counted from (these stay at the centre).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchors {
    pub opened_on: NaiveDate,
    pub police_notified_on: Option<NaiveDate>,
    pub first_contact_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
}

fn day(text: &str) -> Option<NaiveDate> {
    text.get(..10).and_then(|d| d.parse().ok())
}

/// The case's dates and status.
pub(crate) fn anchors(conn: &Connection, case: CaseId) -> Result<(Anchors, String, String)> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT opened_on, police_notified_on, first_contact_on, closed_on, status,
                    referral_source
             FROM case_file WHERE id = ?1 AND deleted_at IS NULL",
            [case],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let (opened, police, first, closed, status, source) = row.ok_or_else(|| Error::NotFound {
        what: "case",
        id: case.to_string(),
    })?;
    let opened_on = day(&opened).ok_or_else(|| Error::invalid("the case has no opening date"))?;
    Ok((
        Anchors {
            opened_on,
            police_notified_on: police.as_deref().and_then(day),
            first_contact_on: first.as_deref().and_then(day),
            closed_on: closed.as_deref().and_then(day),
        },
        status,
        source,
    ))
}

/// Computes the facts of a case from its current records.
pub(crate) fn case_facts(conn: &Connection, case: CaseId) -> Result<CaseFacts> {
    let (a, _status, source) = anchors(conn, case)?;
    let offset = |d: NaiveDate| (d - a.opened_on).num_days();
    let mut f = CaseFacts {
        referral_source: source,
        police_notified: a.police_notified_on.is_some(),
        ..CaseFacts::default()
    };
    let mut timeline = Vec::new();
    if let Some(p) = a.police_notified_on {
        timeline.push(TimelineEntry {
            day: offset(p),
            kind: "police_notified".into(),
            code: None,
        });
    }
    timeline.push(TimelineEntry {
        day: 0,
        kind: "opened".into(),
        code: Some(f.referral_source.clone()),
    });
    if let Some(first) = a.first_contact_on {
        timeline.push(TimelineEntry {
            day: offset(first),
            kind: "first_contact".into(),
            code: None,
        });
        if let Some(p) = a.police_notified_on {
            f.days_police_to_first_contact = Some((first - p).num_days().max(0));
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT on_date, discipline, minutes FROM service_contact s
         WHERE case_id = ?1 AND deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id)
         ORDER BY on_date",
    )?;
    for row in stmt.query_map([case], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (on, discipline, minutes) = row?;
        f.service_contacts += 1;
        f.service_minutes += minutes;
        *f.contacts_by_discipline
            .entry(discipline.clone())
            .or_default() += 1;
        if let Some(d) = day(&on) {
            timeline.push(TimelineEntry {
                day: offset(d),
                kind: "service_contact".into(),
                code: Some(discipline),
            });
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT on_date, agency_type, status FROM referral r
         WHERE case_id = ?1 AND deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM referral n WHERE n.supersedes = r.id)
         ORDER BY on_date",
    )?;
    for row in stmt.query_map([case], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (on, agency, status) = row?;
        f.referrals += 1;
        *f.referrals_by_agency.entry(agency.clone()).or_default() += 1;
        if let Some(d) = day(&on) {
            timeline.push(TimelineEntry {
                day: offset(d),
                kind: "referral".into(),
                code: Some(format!("{agency}:{status}")),
            });
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT issuer, status, applied_on, decided_on, breaches FROM protection_order
         WHERE case_id = ?1 AND deleted_at IS NULL ORDER BY coalesce(applied_on, decided_on)",
    )?;
    for row in stmt.query_map([case], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })? {
        let (issuer, status, applied, decided, breaches) = row?;
        f.protection_orders += 1;
        f.protection_order_applied = true;
        if status == "granted" || status == "revoked" {
            f.protection_order_granted = true;
        }
        if breaches > 0 {
            f.protection_order_breached = true;
        }
        if let Some(d) = applied
            .as_deref()
            .and_then(day)
            .or_else(|| decided.as_deref().and_then(day))
        {
            timeline.push(TimelineEntry {
                day: offset(d),
                kind: "protection_order".into(),
                code: Some(format!("{issuer}:{status}")),
            });
        }
    }
    if let Some(closed) = a.closed_on {
        f.support_days = Some(offset(closed).max(0));
        f.closure_reason = conn
            .query_row(
                "SELECT closure_reason FROM case_file WHERE id = ?1",
                [case],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        timeline.push(TimelineEntry {
            day: offset(closed),
            kind: "closed".into(),
            code: f.closure_reason.clone(),
        });
    }
    timeline.sort_by_key(|e| e.day);
    f.timeline = timeline;
    Ok(f)
}

/// A fact as a number (number questions).
pub(crate) fn number(f: &CaseFacts, p: Prefill) -> Option<i64> {
    match p {
        Prefill::DaysPoliceToFirstContact => f.days_police_to_first_contact,
        Prefill::SupportDays => f.support_days,
        Prefill::ServiceContacts => Some(f.service_contacts),
        Prefill::Referrals => Some(f.referrals),
        Prefill::ProtectionOrders => Some(f.protection_orders),
        _ => None,
    }
}

/// A fact as yes/no (yes/no questions).
pub(crate) fn yes_no(f: &CaseFacts, p: Prefill) -> Option<bool> {
    match p {
        Prefill::PoliceNotified => Some(f.police_notified),
        Prefill::ProtectionOrderApplied => Some(f.protection_order_applied),
        Prefill::ProtectionOrderGranted => Some(f.protection_order_granted),
        Prefill::ProtectionOrderBreached => Some(f.protection_order_breached),
        _ => None,
    }
}

/// A fact as two dates (date-interval questions).
pub(crate) fn interval(a: &Anchors, p: Prefill) -> Option<(NaiveDate, NaiveDate)> {
    match p {
        Prefill::PoliceToFirstContact => Some((a.police_notified_on?, a.first_contact_on?)),
        Prefill::SupportPeriod => Some((a.opened_on, a.closed_on?)),
        _ => None,
    }
}
