//! Intake: a new case opened in one go — the client with their protected contact details and
//! contact safety, the case, the first incident, the children, the consents and the first
//! appointment — so that an intake is either recorded whole or not at all.

use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::appointments::AppointmentFields;
use super::model::{CaseFields, ChildFields, ClientFields, ConsentFields, IncidentFields, NewCase};
use super::write::Batch;
use crate::error::{Error, Result};
use crate::ids::{CaseId, ClientId};
use crate::store::Store;

/// Everything an intake records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Intake {
    /// The client, with protected fields and contact safety.
    pub client: ClientFields,
    /// Date the case is opened.
    pub opened_on: NaiveDate,
    /// Referral source, police notification date, outcome, lead worker and team.
    pub case: CaseFields,
    /// The first incident, if one was recorded at intake.
    pub incident: Option<IncidentFields>,
    /// Children affected.
    pub children: Vec<ChildFields>,
    /// Consents given (or refused) at intake.
    pub consents: Vec<ConsentFields>,
    /// A client already recorded (found by the duplicate check): the case is opened for
    /// her, and `client` is not recorded — her details stay as they are (a correction is
    /// made on her record, with its history). Empty: a new client.
    #[serde(default)]
    pub existing_client: Option<ClientId>,
    /// The first appointment, booked at intake (day, time, place, who): written with the
    /// rest or not at all, and shown in Today and the calendar like any other.
    #[serde(default)]
    pub appointment: Option<AppointmentFields>,
}

impl Batch<'_> {
    /// Records an intake: creates the client, opens the case and records the rest in it.
    pub fn intake(&mut self, intake: &Intake) -> Result<CaseId> {
        let client_id = match intake.existing_client {
            Some(id) => {
                let owner: Option<String> = self
                    .tx
                    .query_row(
                        "SELECT owner_centre FROM client WHERE id = ?1 AND deleted_at IS NULL",
                        [id],
                        |r| r.get(0),
                    )
                    .optional()?;
                match owner {
                    Some(owner) if owner == self.ctx.centre => id,
                    Some(owner) => {
                        return Err(Error::invalid(format!(
                            "this client is recorded by centre {owner}; a new case for her is \
                             opened there"
                        )));
                    }
                    None => {
                        return Err(Error::invalid(
                            "the client chosen as the same person is no longer in this store; \
                             check the duplicates again or record her as a new client",
                        ));
                    }
                }
            }
            None => self.create_client(&intake.client)?,
        };
        let case = self.open_case(&NewCase {
            client_id,
            opened_on: intake.opened_on,
            fields: intake.case.clone(),
        })?;
        if let Some(incident) = &intake.incident {
            self.record_incident(case, incident)?;
        }
        for child in &intake.children {
            self.add_child(case, child)?;
        }
        for consent in &intake.consents {
            self.record_consent(case, consent)?;
        }
        if let Some(appointment) = &intake.appointment {
            self.add_appointment(case, appointment)?;
        }
        Ok(case)
    }
}

impl Store {
    /// Records an intake in one transaction and returns the new case.
    pub fn intake(&mut self, intake: &Intake) -> Result<CaseId> {
        self.batch(|b| b.intake(intake))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{AppointmentKind, CaseFilter, ContactSafety, PerpetratorLink, Tri};
    use crate::{Country, KdfParams, Language, Mode, NewCentre, Passphrase};

    fn store(dir: &std::path::Path) -> Result<Store> {
        let centre = NewCentre {
            code: "KLP-01".into(),
            name: "Test centre".into(),
            country: Country::Lt,
            language: Language::En,
            mode: Mode::Centre,
            admin_user: "ona".into(),
        };
        let (store, _) = Store::create(
            &dir.join("store"),
            &centre,
            &Passphrase::new("a passphrase for tests"),
            KdfParams::INSECURE_FOR_TESTS,
        )?;
        Ok(store)
    }

    fn intake() -> Intake {
        Intake {
            client: ClientFields {
                given_name: Some("Žydrūnė".into()),
                family_name: Some("Šimkutė".into()),
                phone: Some("+370 612 00000".into()),
                sex: "female".into(),
                contact_safety: ContactSafety {
                    safe_to_call: Tri::No,
                    safe_to_text: Tri::Yes,
                    ..ContactSafety::default()
                },
                ..ClientFields::default()
            },
            opened_on: "2026-11-20".parse().unwrap_or_default(),
            case: CaseFields {
                referral_source: "police".into(),
                police_notified_on: "2026-11-20".parse().ok(),
                intake_outcome: "accepted".into(),
                lead_worker: None,
                team: vec![],
                follow_up_on: None,
            },
            incident: Some(IncidentFields {
                occurred_on: "2026-11-19".parse().ok(),
                description: None,
                police: Default::default(),
                ongoing_since: None,
                violence_forms: vec!["physical".into(), "threats".into()],
                place_type: "home".into(),
                reported_to_police: Tri::Yes,
                perpetrators: vec![PerpetratorLink {
                    sex: "male".into(),
                    age_band: "35_44".into(),
                    relationship: "current_spouse".into(),
                    cohabiting_now: Tri::Yes,
                    cohabited_before: Tri::Unknown,
                    substance_use: Tri::Unknown,
                    weapon_access: Tri::No,
                }],
            }),
            children: vec![ChildFields {
                sex: "male".into(),
                age_band: "0_17".into(),
                lives_with_client: Tri::Yes,
                witnessed: Tri::Yes,
                directly_harmed: Tri::No,
                child_protection_referral: Tri::Unknown,
            }],
            consents: vec![ConsentFields {
                purpose: "statistics".into(),
                agency_type: None,
                given: true,
                given_by: "self".into(),
                on_date: "2026-11-20".parse().unwrap_or_default(),
                shared_fields: Vec::new(),
            }],
            existing_client: None,
            appointment: None,
        }
    }

    fn first_meeting(on_date: &str, at_time: &str) -> AppointmentFields {
        AppointmentFields {
            kind: AppointmentKind::Meeting,
            on_date: on_date.parse().unwrap_or_default(),
            at_time: Some(at_time.into()),
            minutes: 60,
            place: Some("Counselling room 2".into()),
            with_whom: Some("interpreter".into()),
            staff: None,
        }
    }

    #[test]
    fn an_intake_books_the_first_appointment_shown_in_today_and_the_calendar() -> Result<()> {
        let tmp = tempfile::tempdir().map_err(crate::Error::io("tempdir"))?;
        let mut store = store(tmp.path())?;
        let mut with = intake();
        with.appointment = Some(first_meeting("2026-11-23", "14:30"));
        let case = store.intake(&with)?;
        let booked = store.appointments(case)?;
        assert_eq!(booked.len(), 1);
        let fields = &booked[0].fields;
        assert_eq!(fields.on_date.to_string(), "2026-11-23");
        assert_eq!(fields.at_time.as_deref(), Some("14:30"));
        assert_eq!(fields.place.as_deref(), Some("Counselling room 2"));
        assert_eq!(fields.with_whom.as_deref(), Some("interpreter"));
        // The person who records the intake goes, unless someone else is named.
        assert_eq!(fields.staff.as_deref(), Some("ona"));
        let today: NaiveDate = "2026-11-20".parse().unwrap_or_default();
        assert_eq!(store.today_counts(today)?.appointments, 1);
        let calendar = store.calendar(today, today, today + chrono::Duration::days(6))?;
        assert!(
            calendar
                .iter()
                .any(|e| e.kind == crate::queues::CalendarKind::Appointment
                    && e.item.at_time.as_deref() == Some("14:30")),
            "{calendar:?}"
        );
        Ok(())
    }

    #[test]
    fn a_wrong_appointment_leaves_no_intake_behind() -> Result<()> {
        let tmp = tempfile::tempdir().map_err(crate::Error::io("tempdir"))?;
        let mut store = store(tmp.path())?;
        let mut bad = intake();
        bad.appointment = Some(first_meeting("2026-11-23", "25:00"));
        let e = store.intake(&bad).unwrap_err().to_string();
        assert!(e.contains("like 09:30"), "{e}");
        // Written in the intake's transaction: no client, no case, nothing to find.
        assert!(store.case_list(&CaseFilter::default())?.is_empty());
        assert!(store.search("simkute", None)?.is_empty());
        let mut someone_else = intake();
        someone_else.appointment = Some(AppointmentFields {
            staff: Some("nobody-here".into()),
            ..first_meeting("2026-11-23", "14:30")
        });
        assert!(store.intake(&someone_else).is_err());
        assert!(store.case_list(&CaseFilter::default())?.is_empty());
        Ok(())
    }

    #[test]
    fn an_intake_records_the_client_case_incident_children_and_consents() -> Result<()> {
        let tmp = tempfile::tempdir().map_err(crate::Error::io("tempdir"))?;
        let mut store = store(tmp.path())?;
        let case = store.intake(&intake())?;
        let detail = store.case_detail(case)?;
        assert_eq!(detail.case.referral_source, "police");
        assert_eq!(detail.case.lead_worker, "ona");
        assert_eq!(detail.incidents.len(), 1);
        assert_eq!(detail.children.len(), 1);
        assert_eq!(detail.consents.len(), 1);
        assert_eq!(detail.client.contact_safety.safe_to_call, Tri::No);
        let identity = store.client_identity(detail.client.id)?;
        assert_eq!(identity.family_name.as_deref(), Some("Šimkutė"));
        // Found by the name typed without diacritics.
        let hits = store.search("simkute", None)?;
        assert_eq!(hits.first().map(|h| h.case_id), Some(case));
        Ok(())
    }

    #[test]
    fn an_invalid_part_leaves_nothing_written() -> Result<()> {
        let tmp = tempfile::tempdir().map_err(crate::Error::io("tempdir"))?;
        let mut store = store(tmp.path())?;
        let mut bad = intake();
        bad.consents[0].purpose = "no_such_purpose".into();
        assert!(store.intake(&bad).is_err());
        assert!(store.case_list(&CaseFilter::default())?.is_empty());
        assert!(store.search("simkute", None)?.is_empty());
        Ok(())
    }
}
