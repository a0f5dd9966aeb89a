//! Appointments with a client (issue 26): a day, an optional time, how long, where, with
//! whom and which staff member. A mutable record of this centre written through [`Batch`]
//! (a new version on each change, a tombstone on deletion, the change log and the access
//! log in step) that stays at the centre: `appointment` is not a table a bundle carries
//! (`sync::payload::TABLES`) nor part of a transfer, because its place and the people named
//! are free text (`tests/it/today.rs`). Appointments are not in the search index: they are
//! found through the calendar and the case.

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

use super::model::RecordMeta;
use super::read::{day, meta};
use super::write::Batch;
use crate::error::{Error, Result};
use crate::ids::{AppointmentId, CaseId};
use crate::store::Store;

/// The longest place or list of people an appointment holds, in characters.
pub const MAX_APPOINTMENT_TEXT: usize = 200;

/// What an appointment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentKind {
    /// A meeting with the client (at the centre, at home, by phone).
    Meeting,
    /// A court hearing.
    Court,
    /// At the police (a statement, an interview).
    Police,
    /// Anything else.
    Other,
}

impl AppointmentKind {
    /// The code stored.
    pub fn code(self) -> &'static str {
        match self {
            AppointmentKind::Meeting => "meeting",
            AppointmentKind::Court => "court",
            AppointmentKind::Police => "police",
            AppointmentKind::Other => "other",
        }
    }

    /// The kind of a stored code (an unknown one reads as `Other`).
    pub fn from_code(code: &str) -> Self {
        match code {
            "meeting" => AppointmentKind::Meeting,
            "court" => AppointmentKind::Court,
            "police" => AppointmentKind::Police,
            _ => AppointmentKind::Other,
        }
    }
}

/// An appointment as entered or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AppointmentFields {
    /// What it is.
    pub kind: AppointmentKind,
    /// The day.
    pub on_date: NaiveDate,
    /// The time, `HH:MM` (24 hours), or none for the whole day.
    pub at_time: Option<String>,
    /// How long, in minutes (0 when not known).
    pub minutes: u32,
    /// Where.
    pub place: Option<String>,
    /// Who else takes part (an interpreter, a lawyer, the police officer).
    pub with_whom: Option<String>,
    /// The staff member who goes (the signed-in person when empty).
    pub staff: Option<String>,
}

/// An appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Appointment {
    /// Id.
    pub id: AppointmentId,
    /// The case.
    pub case_id: CaseId,
    /// What was recorded (`staff` always filled).
    pub fields: AppointmentFields,
    /// Version.
    pub meta: RecordMeta,
}

/// `HH:MM` with hours 00–23 and minutes 00–59, or an error saying so.
fn check_time(t: &str) -> Result<String> {
    let t = t.trim();
    let ok = t.len() == 5
        && t.as_bytes()[2] == b':'
        && t[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && t[3..].parse::<u8>().is_ok_and(|m| m < 60)
        && t[..2]
            .bytes()
            .chain(t[3..].bytes())
            .all(|b| b.is_ascii_digit());
    if ok {
        Ok(t.to_owned())
    } else {
        Err(Error::invalid(format!(
            "'{t}' is not a time; give hours and minutes like 09:30"
        )))
    }
}

fn check_text(what: &str, text: Option<&str>) -> Result<Value> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Value::Null),
        Some(s) if s.chars().count() > MAX_APPOINTMENT_TEXT || s.chars().any(char::is_control) => {
            Err(Error::invalid(format!(
                "the {what} is at most {MAX_APPOINTMENT_TEXT} characters on one line"
            )))
        }
        Some(s) => Ok(Value::Text(s.to_owned())),
    }
}

impl Batch<'_> {
    fn appointment_cols(&self, f: &AppointmentFields) -> Result<Vec<(&'static str, Value)>> {
        if f.minutes > 24 * 60 {
            return Err(Error::invalid(format!(
                "{} minutes is more than a day; record each day as its own appointment",
                f.minutes
            )));
        }
        let at_time = match f
            .at_time
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(t) => Value::Text(check_time(t)?),
            None => Value::Null,
        };
        let staff = match f.staff.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => self.staff_member(s)?,
            None => self.ctx.user.clone(),
        };
        Ok(vec![
            ("kind", Value::Text(f.kind.code().to_owned())),
            ("on_date", Value::Text(f.on_date.to_string())),
            ("at_time", at_time),
            ("minutes", Value::Integer(f.minutes.into())),
            ("place", check_text("place", f.place.as_deref())?),
            (
                "with_whom",
                check_text("list of people", f.with_whom.as_deref())?,
            ),
            ("staff", Value::Text(staff)),
        ])
    }

    /// Records an appointment in a case.
    pub fn add_appointment(
        &mut self,
        case: CaseId,
        f: &AppointmentFields,
    ) -> Result<AppointmentId> {
        self.live_case(case)?;
        let mut cols = self.appointment_cols(f)?;
        cols.push(("case_id", Value::Text(case.to_string())));
        let id = AppointmentId::new();
        self.insert("appointment", &id.to_string(), cols)?;
        Ok(id)
    }

    /// Changes an appointment (moved, place, people): a new version of the same record.
    pub fn update_appointment(&mut self, id: AppointmentId, f: &AppointmentFields) -> Result<()> {
        let cols = self.appointment_cols(f)?;
        let case: Option<CaseId> = self
            .tx
            .prepare_cached("SELECT case_id FROM appointment WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        if let Some(case) = case {
            self.live_case(case)?;
        }
        self.update("appointment", &id.to_string(), cols)
    }
}

/// An appointment row.
pub(crate) fn appointment_row(r: &Row<'_>) -> rusqlite::Result<Appointment> {
    Ok(Appointment {
        id: r.get("id")?,
        case_id: r.get("case_id")?,
        fields: AppointmentFields {
            kind: AppointmentKind::from_code(&r.get::<_, String>("kind")?),
            on_date: day(r, "on_date")?,
            at_time: r.get("at_time")?,
            minutes: r.get("minutes")?,
            place: r.get("place")?,
            with_whom: r.get("with_whom")?,
            staff: Some(r.get("staff")?),
        },
        meta: meta(r)?,
    })
}

/// The live appointments of a case, soonest first.
pub(crate) fn case_appointments(conn: &Connection, case: CaseId) -> Result<Vec<Appointment>> {
    let rows = conn
        .prepare_cached(
            "SELECT * FROM appointment WHERE case_id = ?1 AND deleted_at IS NULL
             ORDER BY on_date, coalesce(at_time, ''), id",
        )?
        .query_map(params![case], appointment_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

impl Store {
    /// The appointments of a case, soonest first; the view is recorded in the access log.
    pub fn appointments(&self, case: CaseId) -> Result<Vec<Appointment>> {
        super::read::case(&self.conn, case)?;
        let list = case_appointments(&self.conn, case)?;
        self.log_access(
            crate::audit::Action::ViewCase,
            Some(case),
            Some("appointments"),
        )?;
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::check_time;

    #[test]
    fn a_time_is_hours_and_minutes_of_one_day() {
        for ok in ["00:00", "09:30", "23:59"] {
            assert_eq!(check_time(ok).unwrap(), ok);
        }
        for bad in ["24:00", "9:30", "09:60", "0930", "ab:cd", "+9:30", "09:3x"] {
            let e = check_time(bad).unwrap_err().to_string();
            assert!(e.contains("like 09:30"), "{bad}: {e}");
        }
    }
}
