//! Today's work and the calendar (issue 26, items 1, 3, 4): true counts beside sorted,
//! paged lists; appointments written like every record and kept at the centre; protection
//! orders ending soon warned about; the incident's description and police report never in a
//! transfer; a referral's status changes as dated status events.

use atrama::cases::{
    AppointmentFields, AppointmentKind, CaseFields, ClientFields, ConsentFields, IncidentFields,
    NewCase, PerpetratorLink, PoliceReport, ProtectionOrderFields, RecordHistory, RecordRef,
    ReferralFields, Tri,
};
use atrama::ids::CaseId;
use atrama::queues::{CalendarKind, TodayQueue, TodaySort};
use atrama::{Country, Mode, Store};
use chrono::{Duration, NaiveDate};

use crate::site::{enrol, site};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-12-07";

/// Opens `n` cases led by the signed-in person, each with a follow-up `i` days from today
/// (some overdue), pseudonyms in an order unlike the case numbers.
fn cases(store: &mut Store, n: usize) -> Vec<CaseId> {
    let today = day(TODAY);
    store
        .batch(|b| {
            let mut out = Vec::new();
            for i in 0..n {
                let client = b.create_client(&ClientFields {
                    pseudonym: Some(format!("P-{:02}", (i * 7) % n)),
                    sex: "female".into(),
                    ..ClientFields::default()
                })?;
                let case = b.open_case(&NewCase {
                    client_id: client,
                    opened_on: day("2026-11-01"),
                    fields: CaseFields {
                        referral_source: "self".into(),
                        police_notified_on: None,
                        intake_outcome: "accepted".into(),
                        lead_worker: None,
                        team: vec![],
                        follow_up_on: Some(today + Duration::days(i as i64 % 12 - 2)),
                    },
                })?;
                out.push(case);
            }
            Ok(out)
        })
        .unwrap()
}

fn meeting(on: &str, at: Option<&str>) -> AppointmentFields {
    AppointmentFields {
        kind: AppointmentKind::Meeting,
        on_date: day(on),
        at_time: at.map(str::to_owned),
        minutes: 60,
        place: Some("Room 2".into()),
        with_whom: Some("interpreter".into()),
        staff: None,
    }
}

fn order(ends: NaiveDate) -> ProtectionOrderFields {
    ProtectionOrderFields {
        issuer: "court".into(),
        order_type: "lt_court_protection_measures".into(),
        status: "granted".into(),
        applied_on: Some(day("2026-10-01")),
        decided_on: Some(day("2026-10-05")),
        starts_on: Some(day("2026-10-05")),
        ends_on: Some(ends),
        breaches: 0,
    }
}

#[test]
fn today_counts_are_true_counts_and_every_list_sorts_and_pages() {
    let mut s = site("KLP-01", Country::Lt, Mode::Centre);
    let today = day(TODAY);
    let ids = cases(&mut s.store, 25);
    // Follow-ups due within a week or overdue: of the offsets -2..=9, not 8 and 9.
    let due: usize = (0..25).filter(|i| (*i as i64 % 12 - 2) <= 7).count();
    assert!(due > 10 && due < 25);
    let counts = s.store.today_counts(today).unwrap();
    assert_eq!(counts.follow_ups as usize, due);
    assert_eq!(counts.my_open_cases, 25);
    let mine = s
        .store
        .today_page(
            today,
            TodayQueue::MyCases,
            TodaySort::CaseNumber,
            true,
            20,
            10,
        )
        .unwrap();
    assert_eq!(
        (mine.total, mine.items.len()),
        (25, 5),
        "the last page of 25"
    );

    // Pages of 10 put together are the whole list, in order, each way and each sort.
    for (sort, descending) in [
        (TodaySort::Due, false),
        (TodaySort::Due, true),
        (TodaySort::CaseNumber, false),
        (TodaySort::Pseudonym, true),
    ] {
        let mut all = Vec::new();
        for page in 0..3 {
            let p = s
                .store
                .today_page(
                    today,
                    TodayQueue::FollowUps,
                    sort,
                    descending,
                    page * 10,
                    10,
                )
                .unwrap();
            assert_eq!(p.total as usize, due, "the total is counted, not the page");
            assert!(p.items.len() <= 10);
            all.extend(p.items);
        }
        assert_eq!(all.len(), due, "{sort:?}");
        let keys: Vec<String> = all
            .iter()
            .map(|i| match sort {
                TodaySort::Due => i.due_on.to_string(),
                TodaySort::CaseNumber => i.case.case_number.clone(),
                TodaySort::Pseudonym => i.case.pseudonym.clone(),
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if descending {
            sorted.reverse();
        }
        assert_eq!(keys, sorted, "{sort:?} descending={descending}");
        let overdue = all.iter().filter(|i| i.overdue).count();
        assert_eq!(
            overdue,
            all.iter().filter(|i| i.due_on < today).count(),
            "overdue means before today"
        );
    }

    // Orders: one ending in 3 days (shown, warned), one in 10 days (not yet), one ended.
    s.store
        .batch(|b| {
            b.add_protection_order(ids[0], &order(today + Duration::days(3)))?;
            b.add_protection_order(ids[1], &order(today + Duration::days(10)))?;
            b.add_protection_order(ids[2], &order(today - Duration::days(1)))?;
            b.add_appointment(ids[3], &meeting(TODAY, Some("09:30")))?;
            b.add_appointment(ids[4], &meeting("2026-12-09", None))?;
            b.add_appointment(ids[5], &meeting("2026-12-30", None))?;
            Ok(())
        })
        .unwrap();
    let counts = s.store.today_counts(today).unwrap();
    assert_eq!(counts.order_expiries, 1);
    assert_eq!(
        counts.appointments, 2,
        "today and in two days, not in three weeks"
    );
    assert_eq!(counts.appointments_today, 1);
    let orders = s
        .store
        .today_page(
            today,
            TodayQueue::OrderExpiries,
            TodaySort::Due,
            false,
            0,
            50,
        )
        .unwrap();
    assert_eq!(orders.items.len(), 1);
    assert_eq!(orders.items[0].case.id, ids[0]);
    assert!(orders.items[0].warn);
    assert_eq!(
        orders.items[0].detail.as_deref(),
        Some("lt_court_protection_measures")
    );
    let appts = s
        .store
        .today_page(
            today,
            TodayQueue::Appointments,
            TodaySort::Due,
            false,
            0,
            50,
        )
        .unwrap();
    assert_eq!(appts.items[0].at_time.as_deref(), Some("09:30"));
    assert_eq!(appts.items[0].detail.as_deref(), Some("meeting"));

    // Closing a case takes its items off my lists.
    s.store
        .batch(|b| b.close_case(ids[0], today, "needs_met").map(|_| ()))
        .unwrap();
    assert_eq!(s.store.today_counts(today).unwrap().order_expiries, 0);
}

#[test]
fn the_calendar_shows_appointments_deadlines_and_warns_before_an_order_ends() {
    let mut s = site("KLP-01", Country::Lt, Mode::Centre);
    let today = day(TODAY);
    let ids = cases(&mut s.store, 3);
    s.store
        .batch(|b| {
            b.add_protection_order(ids[0], &order(today + Duration::days(3)))?;
            b.add_protection_order(ids[1], &order(today + Duration::days(20)))?;
            b.add_appointment(
                ids[2],
                &AppointmentFields {
                    kind: AppointmentKind::Court,
                    ..meeting("2026-12-14", Some("10:00"))
                },
            )?;
            b.add_appointment(ids[2], &meeting("2026-12-14", Some("08:15")))?;
            Ok(())
        })
        .unwrap();
    let month = s
        .store
        .calendar(today, day("2026-12-01"), day("2026-12-31"))
        .unwrap();
    let ends: Vec<_> = month
        .iter()
        .filter(|e| e.kind == CalendarKind::OrderEnds)
        .collect();
    assert_eq!(ends.len(), 2);
    let soon = ends.iter().find(|e| e.item.case.id == ids[0]).unwrap();
    assert_eq!(soon.item.due_on, today + Duration::days(3));
    assert!(soon.item.warn, "an order ending in 3 days warns");
    let later = ends.iter().find(|e| e.item.case.id == ids[1]).unwrap();
    assert!(
        !later.item.warn,
        "an order ending in 20 days does not warn yet"
    );
    // The court date and the meeting on the same day, in time order.
    let on14: Vec<_> = month
        .iter()
        .filter(|e| e.kind == CalendarKind::Appointment && e.item.due_on == day("2026-12-14"))
        .map(|e| {
            (
                e.item.at_time.clone().unwrap(),
                e.item.detail.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        on14,
        vec![
            ("08:15".to_owned(), "meeting".to_owned()),
            ("10:00".to_owned(), "court".to_owned())
        ]
    );
    // Follow-ups are there too, and the entries are in day order.
    assert!(month.iter().any(|e| e.kind == CalendarKind::FollowUp));
    assert!(
        month
            .windows(2)
            .all(|w| w[0].item.due_on <= w[1].item.due_on)
    );
    // A week shows only its days.
    let week = s
        .store
        .calendar(today, day("2026-12-07"), day("2026-12-13"))
        .unwrap();
    assert!(
        week.iter()
            .all(|e| e.item.due_on >= day("2026-12-07") && e.item.due_on <= day("2026-12-13"))
    );
    assert!(week.iter().any(|e| e.kind == CalendarKind::OrderEnds));
    // A range too long or upside down is refused with a message.
    let err = s
        .store
        .calendar(today, day("2026-01-01"), day("2026-12-31"))
        .unwrap_err();
    assert!(err.to_string().contains("at most 62 days"), "{err}");
    let err = s
        .store
        .calendar(today, day("2026-12-31"), day("2026-12-01"))
        .unwrap_err();
    assert!(err.to_string().contains("before its first"), "{err}");
}

#[test]
fn appointments_are_versioned_logged_checked_and_deleted_as_tombstones() {
    let mut s = site("KLP-01", Country::Lt, Mode::Centre);
    let ids = cases(&mut s.store, 1);
    let case = ids[0];
    let before = s.store.last_change_seq().unwrap();
    let id = s
        .store
        .batch(|b| b.add_appointment(case, &meeting("2026-12-10", Some("14:00"))))
        .unwrap();
    let list = s.store.appointments(case).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].fields.staff.as_deref(), Some("ona"));
    let v1 = list[0].meta.version;
    s.store
        .batch(|b| {
            b.update_appointment(
                id,
                &AppointmentFields {
                    place: Some("District court, room 4".into()),
                    ..meeting("2026-12-11", Some("15:30"))
                },
            )
        })
        .unwrap();
    let list = s.store.appointments(case).unwrap();
    assert_eq!(list[0].fields.on_date, day("2026-12-11"));
    assert!(list[0].meta.version > v1);
    // Bad input: a clear message, nothing written.
    let seq = s.store.last_change_seq().unwrap();
    for (bad, words) in [
        (meeting("2026-12-10", Some("25:00")), "like 09:30"),
        (
            AppointmentFields {
                minutes: 2000,
                ..meeting("2026-12-10", None)
            },
            "more than a day",
        ),
        (
            AppointmentFields {
                place: Some("x".repeat(201)),
                ..meeting("2026-12-10", None)
            },
            "at most 200",
        ),
        (
            AppointmentFields {
                staff: Some("nobody".into()),
                ..meeting("2026-12-10", None)
            },
            "nobody",
        ),
    ] {
        let err = s
            .store
            .batch(|b| b.add_appointment(case, &bad))
            .unwrap_err();
        assert!(err.to_string().contains(words), "{err}");
    }
    assert_eq!(s.store.last_change_seq().unwrap(), seq);
    s.store.batch(|b| b.delete(id)).unwrap();
    assert!(s.store.appointments(case).unwrap().is_empty());
    let changes = s.store.changes_since(before, 100).unwrap();
    let ops: Vec<&str> = changes
        .iter()
        .filter(|c| c.kind == "appointment")
        .map(|c| c.op.as_str())
        .collect();
    assert_eq!(ops, ["put", "put", "delete"]);
    let log = s.store.access_log_for_case(case).unwrap();
    assert!(log.iter().filter(|e| e.action == "change").count() >= 4);
    assert!(
        log.iter()
            .any(|e| e.action == "view_case" && e.detail.as_deref() == Some("appointments"))
    );
}

const DESCRIPTION: &str = "Marker-desc-Q7: he pushed her down the stairs at 23:40";
const REPORT_NUMBER: &str = "MRK-POL-55821";
const STATION: &str = "Marker-station Liepu";
const OFFICER: &str = "Officer Markeraitis";
const PLACE: &str = "Marker-room Birutes 3";
const WHO: &str = "interpreter Markeriene";

#[test]
fn the_incident_description_police_report_and_appointments_never_travel_in_a_transfer() {
    let mut a = site("KLP-01", Country::Lt, Mode::Centre);
    let mut b = site("LIE-01", Country::Lt, Mode::Centre);
    enrol(&mut a, &mut b);
    let case = cases(&mut a.store, 1)[0];
    let incident = IncidentFields {
        occurred_on: Some(day("2026-10-30")),
        description: Some(DESCRIPTION.into()),
        police: PoliceReport {
            report_number: Some(REPORT_NUMBER.into()),
            station: Some(STATION.into()),
            officer: Some(OFFICER.into()),
            reported_on: Some(day("2026-10-31")),
        },
        ongoing_since: None,
        violence_forms: vec!["physical".into()],
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
    };
    a.store
        .batch(|w| {
            w.record_incident(case, &incident)?;
            w.add_appointment(
                case,
                &AppointmentFields {
                    place: Some(PLACE.into()),
                    with_whom: Some(WHO.into()),
                    ..meeting("2026-12-10", Some("10:00"))
                },
            )?;
            w.record_consent(
                case,
                &ConsentFields {
                    purpose: "case_transfer".into(),
                    agency_type: None,
                    given: true,
                    given_by: "self".into(),
                    on_date: day("2026-11-20"),
                    shared_fields: Vec::new(),
                },
            )?;
            Ok(())
        })
        .unwrap();
    // Kept and read back at the centre.
    let kept = &a.store.case_detail(case).unwrap().incidents[0].fields;
    assert_eq!(kept, &incident);

    let file = a.dir.parent().unwrap().join("transfer.atrama");
    a.store.transfer_case(case, "LIE-01", &file).unwrap();
    let payload = b.store.read_bundle_payload(&file).unwrap();
    for m in [DESCRIPTION, REPORT_NUMBER, STATION, OFFICER, PLACE, WHO] {
        assert!(!payload.contains(m), "'{m}' left the centre in a transfer");
    }
    let summary = b.store.import_bundle(&file, false).unwrap();
    assert_eq!(summary.outcome, "applied", "{summary:?}");
    let moved = b
        .store
        .case_list(&atrama::cases::CaseFilter::default())
        .unwrap();
    let detail = b.store.case_detail(moved[0].id).unwrap();
    // The incident itself moved (codes, dates), its description and report did not.
    assert_eq!(detail.incidents.len(), 1);
    assert_eq!(detail.incidents[0].fields.violence_forms, ["physical"]);
    assert_eq!(detail.incidents[0].fields.description, None);
    assert_eq!(detail.incidents[0].fields.police, PoliceReport::default());
    assert!(b.store.appointments(moved[0].id).unwrap().is_empty());
}

#[test]
fn a_referral_status_change_is_a_dated_status_event_not_a_correction() {
    let mut s = site("KLP-01", Country::Lt, Mode::Centre);
    let case = cases(&mut s.store, 1)[0];
    let first = s
        .store
        .batch(|b| {
            b.record_referral(
                case,
                &ReferralFields {
                    on_date: day("2026-11-05"),
                    agency_type: "state_legal_aid".into(),
                    status: "referred".into(),
                    consent_event_id: None,
                },
            )
        })
        .unwrap();
    let seq = s.store.last_change_seq().unwrap();
    // Refused: the same status, a day before the referral; nothing written.
    let err = s
        .store
        .batch(|b| b.change_referral_status(first, "referred", day("2026-11-10")))
        .unwrap_err();
    assert!(err.to_string().contains("already has this status"), "{err}");
    let err = s
        .store
        .batch(|b| b.change_referral_status(first, "already_receiving", day("2026-11-01")))
        .unwrap_err();
    assert!(
        err.to_string().contains("before the referral was made"),
        "{err}"
    );
    assert_eq!(s.store.last_change_seq().unwrap(), seq);

    let second = s
        .store
        .batch(|b| b.change_referral_status(first, "already_receiving", day("2026-11-12")))
        .unwrap();
    let current = &s.store.case_detail(case).unwrap().referrals;
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, second);
    assert_eq!(current[0].fields.status, "already_receiving");
    assert_eq!(
        current[0].fields.on_date,
        day("2026-11-05"),
        "made on, kept"
    );
    assert_eq!(current[0].status_on, Some(day("2026-11-12")));
    // The history reads as status events with dates; a correction has none.
    let RecordHistory::Referral(versions) =
        s.store.record_history(RecordRef::Referral(second)).unwrap()
    else {
        panic!("a referral's history")
    };
    let events: Vec<(String, Option<NaiveDate>)> = versions
        .iter()
        .map(|v| (v.fields.status.clone(), v.status_on))
        .collect();
    assert_eq!(
        events,
        [
            ("already_receiving".to_owned(), Some(day("2026-11-12"))),
            ("referred".to_owned(), None)
        ]
    );
    let corrected = s
        .store
        .batch(|b| {
            b.correct_referral(
                second,
                &ReferralFields {
                    on_date: day("2026-11-06"),
                    agency_type: "state_legal_aid".into(),
                    status: "already_receiving".into(),
                    consent_event_id: None,
                },
            )
        })
        .unwrap();
    let current = &s.store.case_detail(case).unwrap().referrals;
    assert_eq!(current[0].id, corrected);
    assert_eq!(
        current[0].status_on, None,
        "a correction is not a status event"
    );
}

/// Every case summary a person's lists carry: the Cases list, a Today list, the home queues
/// and the calendar, as the IPC layer serialises them.
fn list_payloads(store: &Store) -> Vec<serde_json::Value> {
    let today = day(TODAY);
    let cases = store
        .case_list(&atrama::cases::CaseFilter::default())
        .unwrap();
    let page = store
        .today_page(today, TodayQueue::MyCases, TodaySort::Due, false, 0, 50)
        .unwrap();
    let queues = store.work_queues(today).unwrap();
    let month = store
        .calendar(today, day("2026-12-01"), day("2026-12-31"))
        .unwrap();
    assert_eq!(cases.len(), 2, "both cases are in the Cases list");
    assert_eq!(month.len(), 2, "both follow-ups are in the calendar");
    vec![
        serde_json::to_value(&cases).unwrap(),
        serde_json::to_value(&page).unwrap(),
        serde_json::to_value(&queues).unwrap(),
        serde_json::to_value(&month).unwrap(),
    ]
}

#[test]
fn names_are_in_list_rows_only_for_a_person_who_chose_them_and_may_see_them() {
    use atrama::{KdfParams, Passphrase, Role};
    let mut s = site("KLP-01", Country::Lt, Mode::Centre);
    let pass = Passphrase::new("colleague passphrase");
    for user in ["rasa", "tomas"] {
        s.store
            .add_staff(
                user,
                Role::Counsellor,
                &[],
                &pass,
                KdfParams::INSECURE_FOR_TESTS,
            )
            .unwrap();
    }
    let today = day(TODAY);
    s.store
        .batch(|b| {
            for (i, family) in ["Kazlauskienė", "Petrauskienė"].into_iter().enumerate() {
                let client = b.create_client(&ClientFields {
                    pseudonym: Some(format!("P-{i}")),
                    given_name: Some("Žydrūnė".into()),
                    family_name: Some(family.into()),
                    sex: "female".into(),
                    ..ClientFields::default()
                })?;
                b.open_case(&NewCase {
                    client_id: client,
                    opened_on: day("2026-11-01"),
                    fields: CaseFields {
                        referral_source: "self".into(),
                        police_notified_on: None,
                        intake_outcome: "accepted".into(),
                        lead_worker: Some("rasa".into()),
                        team: vec!["tomas".into()],
                        follow_up_on: Some(today + Duration::days(i as i64)),
                    },
                })?;
            }
            Ok(())
        })
        .unwrap();
    let names_in = |payloads: &[serde_json::Value]| -> Vec<usize> {
        payloads
            .iter()
            .map(|p| p.to_string().matches("Žydrūnė Kazlauskienė").count())
            .collect()
    };
    let no_name_field = |payloads: &[serde_json::Value]| {
        payloads.iter().all(|p| {
            let text = p.to_string();
            !text.contains("client_name") && !text.contains("Kazlauskien")
        })
    };

    // An administrator who turns the preference on still gets no names: the role may not.
    s.store.set_client_names_in_lists(true).unwrap();
    assert!(s.store.client_names_in_lists().unwrap());
    let cases = s
        .store
        .case_list(&atrama::cases::CaseFilter::default())
        .unwrap();
    assert!(cases.iter().all(|c| c.client_name.is_none()));
    let admin_json = serde_json::to_string(&cases).unwrap();
    assert!(!admin_json.contains("client_name") && !admin_json.contains("Kazlauskien"));
    let dir = s.dir.clone();
    drop(s.store);

    // A counsellor: off by default, so no name anywhere in the payload.
    let mut rasa = Store::dangerously_unlock_without_lock(&dir, "rasa", &pass).unwrap();
    assert!(!rasa.client_names_in_lists().unwrap());
    assert!(no_name_field(&list_payloads(&rasa)));

    // On: each list row carries the name next to the pseudonym.
    rasa.set_client_names_in_lists(true).unwrap();
    let shown = list_payloads(&rasa);
    assert_eq!(names_in(&shown), vec![1, 1, 3, 1], "{shown:?}");
    let cases = rasa
        .case_list(&atrama::cases::CaseFilter::default())
        .unwrap();
    let p0 = cases.iter().find(|c| c.pseudonym == "P-0").unwrap();
    assert_eq!(p0.client_name.as_deref(), Some("Žydrūnė Kazlauskienė"));

    // Stored with the person: another counsellor on the same store is unaffected …
    let tomas = Store::dangerously_unlock_without_lock(&dir, "tomas", &pass).unwrap();
    assert!(!tomas.client_names_in_lists().unwrap());
    let cases = tomas
        .case_list(&atrama::cases::CaseFilter::default())
        .unwrap();
    assert!(cases.iter().all(|c| c.client_name.is_none()));
    drop(tomas);
    // … and the choice is still there at the next unlock, until turned off.
    drop(rasa);
    let mut rasa = Store::dangerously_unlock_without_lock(&dir, "rasa", &pass).unwrap();
    assert!(rasa.client_names_in_lists().unwrap());
    assert_eq!(names_in(&list_payloads(&rasa)), vec![1, 1, 3, 1]);
    rasa.set_client_names_in_lists(false).unwrap();
    assert!(no_name_field(&list_payloads(&rasa)));
}
