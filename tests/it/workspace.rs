//! A counsellor's workspace on a busy day (issue 21): search that never opens the wrong
//! case, client details corrected with their history, the duplicate check at intake, and
//! errors that name what a person knows (a case number, a centre), never an internal id.

use atrama::cases::{
    CaseFilter, ClientFields, ContactSafety, DuplicateReason, Intake, MatchReason, NewCase,
    NoteFields, SearchHit, Tri,
};
use atrama::demo::{self, DemoOptions};
use atrama::ids::{CaseId, ClientId};
use atrama::{Country, Store};
use chrono::NaiveDate;

use crate::case_record::{case_fields, client_fields, store};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn demo_store(clients: u32) -> crate::case_record::Fixture {
    let mut f = store(Country::Lt);
    demo::generate(
        &mut f.store,
        &DemoOptions {
            clients,
            months: 12,
            seed: 21,
            today: day("2026-11-30"),
        },
    )
    .unwrap();
    f
}

fn new_client(store: &mut Store, fields: ClientFields, opened: &str) -> (ClientId, CaseId) {
    store
        .batch(|b| {
            let client = b.create_client(&fields)?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: day(opened),
                fields: case_fields("self", None),
            })?;
            Ok((client, case))
        })
        .unwrap()
}

fn person(given: &str, family: &str, phone: Option<&str>, born: Option<i32>) -> ClientFields {
    ClientFields {
        given_name: Some(given.into()),
        family_name: Some(family.into()),
        phone: phone.map(Into::into),
        sex: "female".into(),
        birth_year: born,
        ..ClientFields::default()
    }
}

/// Every 37th case of the demo store: several seeds for the exact-match checks.
fn sample(store: &Store) -> Vec<atrama::cases::CaseSummary> {
    let all = store
        .case_list(&CaseFilter {
            limit: Some(5000),
            ..CaseFilter::default()
        })
        .unwrap();
    assert!(all.len() > 300, "{} cases", all.len());
    all.into_iter().step_by(37).collect()
}

#[test]
fn an_exact_case_number_is_the_first_result_alone_at_the_top() {
    let f = demo_store(600);
    for case in sample(&f.store) {
        let hits = f.store.search(&case.case_number, Some(30)).unwrap();
        assert_eq!(
            hits.first().map(|h| h.case_id),
            Some(case.id),
            "{}: first was {:?}",
            case.case_number,
            hits.first().map(|h| &h.case_number)
        );
        assert!(hits[0].exact);
        assert_eq!(hits[0].matched, MatchReason::CaseNumber);
        assert_eq!(
            hits.iter().filter(|h| h.exact).count(),
            1,
            "{}",
            case.case_number
        );
        // Typed in lower case it is the same case number.
        let lower = f
            .store
            .search(&case.case_number.to_lowercase(), Some(30))
            .unwrap();
        assert_eq!(lower[0].case_id, case.id);
    }
}

#[test]
fn an_exact_pseudonym_is_first_with_only_that_clients_cases_above_the_rest() {
    let f = demo_store(600);
    for case in sample(&f.store) {
        let hits = f.store.search(&case.pseudonym, Some(30)).unwrap();
        assert_eq!(hits[0].pseudonym, case.pseudonym, "{}", case.pseudonym);
        assert!(hits[0].exact);
        assert_eq!(hits[0].matched, MatchReason::Pseudonym);
        let exact: Vec<&SearchHit> = hits.iter().take_while(|h| h.exact).collect();
        assert!(exact.iter().all(|h| h.pseudonym == case.pseudonym));
        assert!(exact.iter().any(|h| h.case_id == case.id));
        // Nothing after the exact ones is hers, and nothing exact comes later.
        assert!(hits[exact.len()..].iter().all(|h| !h.exact));
    }
}

#[test]
fn an_exact_phone_number_in_any_spelling_is_first() {
    let mut f = demo_store(600);
    let mut checked = 0;
    for case in sample(&f.store) {
        let client = f.store.case(case.id).unwrap().client_id;
        let Some(phone) = f.store.client_identity(client).unwrap().phone else {
            continue;
        };
        // "+370 600 0xxxx" typed as a counsellor would from a caller ID: "86000xxxx".
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let national = format!("8{}", &digits[3..]);
        for typed in [phone.clone(), national.clone(), format!("+{digits}")] {
            let hits = f.store.search(&typed, Some(30)).unwrap();
            assert!(hits[0].exact, "{typed}");
            assert_eq!(hits[0].matched, MatchReason::Phone, "{typed}");
            let exact: Vec<&SearchHit> = hits.iter().take_while(|h| h.exact).collect();
            assert!(exact.iter().any(|h| h.case_id == case.id), "{typed}");
            // A phone search shows no names.
            assert!(hits.iter().all(|h| h.name.is_none()), "{typed}");
            for h in &exact {
                let c = f.store.case(h.case_id).unwrap();
                let other = f.store.client_identity(c.client_id).unwrap().phone.unwrap();
                assert!(atrama::cases::fold::same_phone(&other, &typed));
            }
        }
        checked += 1;
    }
    assert!(checked >= 5);
    // A number nobody has finds no exact result.
    let (_, _) = new_client(
        &mut f.store,
        person("Ona", "Test", Some("+370 612 34567"), None),
        "2026-03-02",
    );
    let hits = f.store.search("861234567", None).unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].exact);
    assert!(
        f.store
            .search("861234568", None)
            .unwrap()
            .iter()
            .all(|h| !h.exact)
    );
}

#[test]
fn names_are_found_across_diacritics_and_lt_lv_ru_az_spellings() {
    let mut f = store(Country::Lt);
    let (_, zil_a) = new_client(
        &mut f.store,
        person("Ona", "Žilinskienė", None, Some(1971)),
        "2026-03-02",
    );
    let (_, zil_b) = new_client(
        &mut f.store,
        person("Rūta", "Žilinskienė", None, Some(1990)),
        "2026-04-02",
    );
    let (_, zil_ru) = new_client(
        &mut f.store,
        person("Ирина", "Жилинскене", None, Some(1984)),
        "2026-05-02",
    );
    let (_, other) = new_client(
        &mut f.store,
        person("Asta", "Žilinskaitė", None, Some(1990)),
        "2026-05-03",
    );
    let (_, berzina) = new_client(
        &mut f.store,
        person("Līga", "Bērziņa", None, Some(1985)),
        "2026-05-04",
    );
    let (_, aliyeva) = new_client(
        &mut f.store,
        person("Leyla", "Əliyeva", None, Some(1979)),
        "2026-05-05",
    );
    let (_, shevchenko) = new_client(
        &mut f.store,
        person("Оксана", "Шевченко", None, None),
        "2026-05-06",
    );
    let cases = |text: &str| -> Vec<CaseId> {
        let mut v: Vec<CaseId> = f
            .store
            .search(text, None)
            .unwrap()
            .into_iter()
            .map(|h| h.case_id)
            .collect();
        v.sort();
        v
    };
    let mut zil = vec![zil_a, zil_b, zil_ru];
    zil.sort();
    for typed in [
        "Zilinskiene",
        "Žilinskienė",
        "ZILINSKIENE",
        "Жилинскене",
        "zilinskie",
    ] {
        assert_eq!(cases(typed), zil, "{typed}");
    }
    assert_eq!(cases("Žilinskaitė"), [other]);
    for typed in ["Berzina", "Берзиня", "Bērziņa"] {
        assert_eq!(cases(typed), [berzina], "{typed}");
    }
    for typed in ["Aliyeva", "Алиева", "Əliyeva", "Əli"] {
        assert_eq!(cases(typed), [aliyeva], "{typed}");
    }
    for typed in ["Shevchenko", "Ševčenko", "шевченко"] {
        assert_eq!(cases(typed), [shevchenko], "{typed}");
    }
    // Given and family name together tell the two Lithuanian clients apart.
    assert_eq!(cases("Ruta Zilinskiene"), [zil_b]);
    // A name search says why, shows the name (she typed it) and what tells people apart.
    let hits = f.store.search("Zilinskiene", None).unwrap();
    for h in &hits {
        assert_eq!(h.matched, MatchReason::Name);
        assert!(!h.exact);
        assert!(h.name.as_deref().is_some_and(|n| !n.is_empty()));
        assert_eq!(h.lead_worker, "ona");
    }
    let years: Vec<Option<i32>> = {
        let mut y: Vec<Option<i32>> = hits.iter().map(|h| h.birth_year).collect();
        y.sort();
        y
    };
    assert_eq!(years, [Some(1971), Some(1984), Some(1990)]);
}

#[test]
fn each_result_says_why_it_matched_and_a_note_hit_is_a_note() {
    let mut f = store(Country::Lt);
    let (_, case) = new_client(
        &mut f.store,
        person("Ona", "Petrauskienė", Some("+370 612 34567"), Some(1980)),
        "2026-03-02",
    );
    f.store
        .batch(|b| {
            b.add_note(
                case,
                &NoteFields {
                    body: "Aptarta apsaugos orderio eiga".into(),
                    restricted_to: None,
                },
            )
        })
        .unwrap();
    let number = f.store.case(case).unwrap().case_number;
    let first = |text: &str| f.store.search(text, None).unwrap().remove(0);
    let h = first("orderio");
    assert_eq!(
        (h.matched, h.kind.as_str(), h.name.as_deref()),
        (MatchReason::Note, "note", None)
    );
    let h = first("petrausk");
    assert_eq!(h.matched, MatchReason::Name);
    assert_eq!(h.name.as_deref(), Some("Ona Petrauskienė"));
    let h = first("612345");
    assert_eq!(
        (h.matched, h.exact, h.name.as_deref()),
        (MatchReason::Phone, false, None)
    );
    let h = first(&number);
    assert_eq!(
        (h.matched, h.exact, h.name.as_deref()),
        (MatchReason::CaseNumber, true, None)
    );
    assert_eq!(h.opened_on, day("2026-03-02"));
    assert_eq!(h.birth_year, Some(1980));
}

#[test]
fn client_details_are_corrected_with_a_history_of_who_when_before_and_after() {
    let mut f = store(Country::Lt);
    let (client, case) = new_client(
        &mut f.store,
        client_fields("Jūratė", "Žemaitė", "+370 612 34567"),
        "2026-03-02",
    );
    let details = f.store.client_details(client).unwrap();
    assert_eq!(details.fields.phone.as_deref(), Some("+370 612 34567"));
    let mut fields = details.fields.clone();
    fields.phone = Some("+370 699 11111".into());
    fields.contact_safety = ContactSafety {
        safe_to_call: Tri::Yes,
        safe_to_text: Tri::No,
        safe_to_visit: Tri::No,
        if_someone_else_answers: Some("ask for Jūra from the library".into()),
        notes: Some("he reads her messages since November".into()),
    };
    fields.language = Some("ru".into());
    let after = f
        .store
        .correct_client(client, &fields, details.version)
        .unwrap();
    assert!(after.version > details.version);
    assert_eq!(after.fields.phone.as_deref(), Some("+370 699 11111"));
    assert_eq!(
        f.store.client(client).unwrap().contact_safety.safe_to_call,
        Tri::Yes
    );

    let history = f.store.client_history(client).unwrap();
    assert_eq!(history.len(), 1);
    let rev = &history[0];
    assert_eq!(rev.changed_by, "ona");
    assert_eq!(rev.version, after.version);
    assert_eq!(
        rev.changed,
        [
            "phone",
            "language",
            "contact_safety.safe_to_call",
            "contact_safety.safe_to_text",
            "contact_safety.if_someone_else_answers",
            "contact_safety.notes"
        ]
    );
    assert_eq!(rev.before.phone.as_deref(), Some("+370 612 34567"));
    assert_eq!(rev.after.phone.as_deref(), Some("+370 699 11111"));
    assert_eq!(rev.before.contact_safety.safe_to_call, Tri::No);

    // A correction from an older version is refused and changes nothing.
    let mut stale = details.fields.clone();
    stale.phone = Some("+370 600 00000".into());
    let err = f
        .store
        .correct_client(client, &stale, details.version)
        .unwrap_err();
    assert!(err.to_string().contains("after you opened them"), "{err}");
    assert_eq!(
        f.store
            .client_details(client)
            .unwrap()
            .fields
            .phone
            .as_deref(),
        Some("+370 699 11111")
    );
    assert_eq!(f.store.client_history(client).unwrap().len(), 1);

    // Search follows the correction: the new number finds her, the old one no longer does.
    assert_eq!(f.store.search("869911111", None).unwrap()[0].case_id, case);
    assert!(f.store.search("861234567", None).unwrap().is_empty());

    // The change, the view for editing and the history view are in the access log.
    let log = f.store.access_log_for_case(case).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"change"), "{actions:?}");
    assert!(
        log.iter()
            .any(|e| e.detail.as_deref() == Some("history of the client's details")),
        "{actions:?}"
    );
}

#[test]
fn a_duplicate_is_found_at_intake_by_folded_name_phone_and_birth_year() {
    let mut f = store(Country::Lt);
    let (client, first_case) = new_client(
        &mut f.store,
        person("Ona", "Žilinskienė", Some("+370 612 34567"), Some(1971)),
        "2026-03-02",
    );
    new_client(
        &mut f.store,
        person("Asta", "Žilinskaitė", Some("+370 612 99999"), Some(1971)),
        "2026-03-03",
    );
    let found = |typed: ClientFields| f.store.possible_duplicates(&typed).unwrap();

    let same_name = found(person("Ona", "Zilinskiene", None, Some(1971)));
    assert_eq!(same_name.len(), 1);
    assert_eq!(same_name[0].client_id, client);
    assert_eq!(
        same_name[0].reasons,
        [DuplicateReason::Name, DuplicateReason::BirthYear]
    );
    assert_eq!(same_name[0].cases[0].case_id, first_case);
    assert_eq!(same_name[0].name.as_deref(), Some("Ona Žilinskienė"));

    let cyrillic = found(person("Она", "Жилинскене", None, None));
    assert_eq!(
        cyrillic.iter().map(|d| d.client_id).collect::<Vec<_>>(),
        [client]
    );

    let by_phone = found(ClientFields {
        phone: Some("8 612 34567".into()),
        sex: "female".into(),
        ..ClientFields::default()
    });
    assert_eq!(by_phone.len(), 1);
    assert_eq!(by_phone[0].reasons, [DuplicateReason::Phone]);

    // Showing them is logged, with their pseudonyms.
    let log = f.store.access_log(20).unwrap();
    let pseudonym = &same_name[0].pseudonym;
    assert!(log.iter().any(|e| e.detail.as_deref().is_some_and(|d| {
        d.starts_with("possible duplicates at intake") && d.contains(pseudonym.as_str())
    })));
    // A family name alone is too common to warn about; another name is no duplicate.
    assert!(found(person("", "Žilinskienė", None, None)).is_empty());
    assert!(
        found(person(
            "Rasa",
            "Petraitienė",
            Some("+370 655 00000"),
            Some(1971)
        ))
        .is_empty()
    );
}

#[test]
fn a_returning_client_gets_a_new_case_linked_to_her_record() {
    let mut f = store(Country::Lt);
    let (client, first_case) = new_client(
        &mut f.store,
        person("Ona", "Žilinskienė", Some("+370 612 34567"), Some(1971)),
        "2026-03-02",
    );
    let typed = person("Ona", "Zilinskiene", Some("861234567"), Some(1971));
    let case = f
        .store
        .intake(&Intake {
            client: typed,
            opened_on: day("2026-10-01"),
            case: case_fields("self", None),
            incident: None,
            children: vec![],
            consents: vec![],
            existing_client: Some(client),
            appointment: None,
        })
        .unwrap();
    let detail = f.store.case_detail(case).unwrap();
    assert_eq!(detail.case.client_id, client);
    assert_ne!(case, first_case);
    // No second client was recorded: her details are as they were.
    let clients: i64 = f
        .store
        .dangerously_raw_connection()
        .query_row("SELECT count(*) FROM client", [], |r| r.get(0))
        .unwrap();
    assert_eq!(clients, 1);
    assert_eq!(
        f.store.client_identity(client).unwrap().phone.as_deref(),
        Some("+370 612 34567")
    );
    // The monthly tables count her as a returning client in October, new in March (T5c,
    // beside the cases opened of T1 and T5).
    let report = f
        .store
        .monthly_tables(&atrama::stats::StatsQuery::months(
            "2026-03",
            Some("2026-10"),
        ))
        .unwrap();
    let t5c = report.tables.iter().find(|t| t.id == "T5c").unwrap();
    let cell = |month: &str, code: &str| -> i64 {
        let row = t5c
            .rows
            .iter()
            .position(|r| r.month.as_deref() == Some(month))
            .unwrap();
        let col = t5c.columns.iter().position(|c| c.code == code).unwrap();
        t5c.cells[row][col].value.unwrap()
    };
    assert_eq!(
        (cell("2026-03", "new"), cell("2026-03", "returning")),
        (1, 0)
    );
    assert_eq!(
        (cell("2026-10", "new"), cell("2026-10", "returning")),
        (0, 1)
    );
    // Her pseudonym now finds both her cases, the newest first.
    let pseudonym = detail.client.pseudonym;
    let hits = f.store.search(&pseudonym, None).unwrap();
    assert_eq!(
        hits.iter()
            .take_while(|h| h.exact)
            .map(|h| h.case_id)
            .collect::<Vec<_>>(),
        [case, first_case]
    );
}

#[test]
fn errors_name_the_case_and_centre_never_an_internal_id() {
    let mut f = store(Country::Lt);
    let (client, case) = new_client(
        &mut f.store,
        person("Ona", "Test", None, None),
        "2026-03-02",
    );
    let number = f.store.case(case).unwrap().case_number;
    // As a coordinator's replica is: another centre's record.
    f.store
        .dangerously_raw_connection()
        .execute_batch("UPDATE case_file SET owner_centre = 'LIE-01'; UPDATE client SET owner_centre = 'LIE-01';")
        .unwrap();
    let err = f
        .store
        .batch(|b| b.close_case(case, day("2026-04-01"), "needs_met"))
        .unwrap_err();
    let text = err.to_string();
    assert!(!text.contains(&case.to_string()), "{text}");
    assert!(text.contains(&number) && text.contains("LIE-01"), "{text}");
    let details = f.store.client_details(client).unwrap();
    let err = f
        .store
        .correct_client(client, &details.fields, details.version)
        .unwrap_err();
    assert!(!err.to_string().contains(&client.to_string()), "{err}");
    assert!(err.to_string().contains("LIE-01"), "{err}");
    let missing = CaseId::new();
    let err = f.store.case_detail(missing).unwrap_err();
    assert!(!err.to_string().contains(&missing.to_string()), "{err}");
}

#[test]
fn my_work_lists_only_this_centres_own_cases() {
    let mut f = store(Country::Lt);
    let police = |store: &mut Store, family: &str| -> CaseId {
        store
            .batch(|b| {
                let client = b.create_client(&person("Ona", family, None, None))?;
                b.open_case(&NewCase {
                    client_id: client,
                    opened_on: day("2026-03-02"),
                    fields: case_fields("police", Some(day("2026-03-02"))),
                })
            })
            .unwrap()
    };
    let ours = police(&mut f.store, "Mine");
    let theirs = police(&mut f.store, "Theirs");
    // As a coordination centre holds another centre's case: a replica owned by LIE-01.
    f.store
        .dangerously_raw_connection()
        .execute(
            "UPDATE case_file SET owner_centre = 'LIE-01' WHERE id = ?1",
            [theirs.to_string()],
        )
        .unwrap();
    let q = f.store.work_queues(day("2026-03-10")).unwrap();
    let ids = |v: &[atrama::cases::CaseSummary]| v.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        q.police_to_contact
            .iter()
            .map(|p| p.case.id)
            .collect::<Vec<_>>(),
        [ours]
    );
    assert_eq!(ids(&q.my_open_cases), [ours]);
    assert_eq!(ids(&q.recently_opened), [ours]);
}

/// Issue 26 item 9: the demo is alive — risk assessments (scored with the built-in
/// checklist), safety plans and demo staff beside the cases, the same from the same seed.
#[test]
fn demo_data_holds_assessments_plans_and_staff_and_repeats_from_its_seed() {
    let every_case = |s: &Store| {
        s.case_list(&CaseFilter {
            limit: Some(1000),
            ..CaseFilter::default()
        })
        .unwrap()
    };
    let f = demo_store(60);
    let status = f.store.status().unwrap();
    let count = |kind: &str| {
        status
            .counts
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("no count of {kind}"))
            .count
    };
    assert_eq!(count("clients"), 60);
    assert_eq!(
        count("staff"),
        6,
        "the administrator and five demo counsellors"
    );
    let assessed = count("risk assessments");
    let plans = count("safety plans");
    assert!(
        assessed >= 15,
        "about half the cases are assessed: {assessed}"
    );
    assert!(plans >= 5 && plans <= assessed, "plans: {plans}");
    // Every assessment is a real one: read back through the core with its band.
    let mut with_band = 0;
    for case in every_case(&f.store) {
        for a in f.store.risk_history(case.id).unwrap().assessments {
            assert_eq!(
                (a.instrument_id.as_str(), a.instrument_version),
                ("atrama-spj", 2)
            );
            assert!(["standard", "medium", "high"].contains(&a.final_band.as_str()));
            with_band += 1;
        }
    }
    assert!(with_band > 0, "the sampled cases include assessed ones");

    let again = demo_store(60);
    let bands = |s: &Store| -> Vec<String> {
        every_case(s)
            .iter()
            .flat_map(|c| s.risk_history(c.id).unwrap().assessments)
            .map(|a| format!("{}:{}", a.score, a.final_band))
            .collect()
    };
    assert_eq!(
        bands(&f.store),
        bands(&again.store),
        "the same seed, the same data"
    );
}

/// Issue 26 item 6: a case printed as a summary holds the sections chosen and restricted
/// notes only for their discipline; the client's own copy leaves out third parties' data
/// and internal notes unless asked for, says what it left out, and every print is logged.
#[test]
fn a_case_summary_and_the_clients_copy_print_only_what_each_may_hold_and_are_logged() {
    use atrama::cases::{ChildFields, IncidentFields, PerpetratorLink};
    use atrama::printout::{PrintoutKind, PrintoutRequest, SECTIONS};
    use atrama::{KdfParams, Passphrase, Role};

    let mut f = store(Country::Lt);
    let (_, case) = new_client(
        &mut f.store,
        person("Ona", "Petraitienė", Some("+370 600 00042"), Some(1985)),
        "2026-10-01",
    );
    f.store
        .batch(|b| {
            b.record_incident(
                case,
                &IncidentFields {
                    occurred_on: Some(day("2026-09-30")),
                    ongoing_since: None,
                    violence_forms: vec!["physical".into()],
                    place_type: "home".into(),
                    reported_to_police: Tri::Yes,
                    perpetrators: vec![PerpetratorLink {
                        sex: "male".into(),
                        age_band: "35_44".into(),
                        relationship: "current_spouse".into(),
                        cohabiting_now: Tri::Yes,
                        cohabited_before: Tri::Yes,
                        substance_use: Tri::Yes,
                        weapon_access: Tri::No,
                    }],
                    description: None,
                    police: Default::default(),
                },
            )?;
            b.add_child(
                case,
                &ChildFields {
                    sex: "female".into(),
                    age_band: "0_17".into(),
                    lives_with_client: Tri::Yes,
                    witnessed: Tri::Yes,
                    directly_harmed: Tri::No,
                    child_protection_referral: Tri::No,
                },
            )?;
            b.add_note(
                case,
                &NoteFields {
                    body: "psychologist only: sleep and anxiety".into(),
                    restricted_to: Some("psychological".into()),
                },
            )?;
            b.add_note(
                case,
                &NoteFields {
                    body: "team note: called back".into(),
                    restricted_to: None,
                },
            )
        })
        .unwrap();
    let dir = f.store.dir().to_owned();
    let pass = Passphrase::new("colleague passphrase");
    for (user, discipline) in [("tomas", "legal"), ("ieva", "psychological")] {
        f.store
            .add_staff(
                user,
                Role::Counsellor,
                &[discipline.into()],
                &pass,
                KdfParams::INSECURE_FOR_TESTS,
            )
            .unwrap();
    }
    drop(f.store);
    let all: Vec<String> = SECTIONS.iter().map(|s| (*s).to_owned()).collect();
    let summary = |sections: Vec<String>| PrintoutRequest {
        kind: PrintoutKind::Summary,
        sections,
        third_parties: false,
        internal: false,
    };
    let bodies = |p: &atrama::printout::CasePrintout| -> Vec<String> {
        p.notes.iter().map(|n| n.fields.body.clone()).collect()
    };

    let tomas = Store::dangerously_unlock_without_lock(&dir, "tomas", &pass).unwrap();
    let p = tomas.case_printout(case, &summary(all.clone())).unwrap();
    assert_eq!(bodies(&p), ["team note: called back"]);
    assert_eq!(p.restricted_notes_hidden, 1);
    assert_eq!(
        p.incidents[0].fields.perpetrators.len(),
        1,
        "a summary keeps them"
    );
    assert_eq!(p.children.len(), 1);
    assert_eq!(
        p.identity.as_ref().unwrap().family_name.as_deref(),
        Some("Petraitienė")
    );
    // Only the sections chosen.
    let p = tomas
        .case_printout(case, &summary(vec!["referrals".into(), "incidents".into()]))
        .unwrap();
    assert_eq!(p.sections, ["incidents", "referrals"]);
    assert!(p.identity.is_none() && p.notes.is_empty() && p.children.is_empty());

    // The client's copy, by default: no third parties, no internal notes, said so.
    let copy = tomas
        .case_printout(
            case,
            &PrintoutRequest {
                kind: PrintoutKind::ClientCopy,
                ..summary(all.clone())
            },
        )
        .unwrap();
    assert!(copy.notes.is_empty() && copy.children.is_empty() && copy.risk.is_empty());
    assert!(copy.incidents[0].fields.perpetrators.is_empty());
    assert_eq!(copy.withheld, ["children", "risk", "notes", "perpetrators"]);
    assert!(copy.identity.is_some(), "her own details are hers");

    // A bad section is refused and nothing is logged for it.
    let err = tomas
        .case_printout(case, &summary(vec!["everything".into()]))
        .unwrap_err();
    assert!(
        err.to_string().contains("'everything' is not a section"),
        "{err}"
    );
    drop(tomas);

    let ieva = Store::dangerously_unlock_without_lock(&dir, "ieva", &pass).unwrap();
    let p = ieva.case_printout(case, &summary(all.clone())).unwrap();
    assert_eq!(p.notes.len(), 2, "her discipline's note is hers to print");
    let asked = ieva
        .case_printout(
            case,
            &PrintoutRequest {
                kind: PrintoutKind::ClientCopy,
                sections: all,
                third_parties: true,
                internal: true,
            },
        )
        .unwrap();
    assert!(asked.withheld.is_empty());
    assert_eq!(asked.children.len(), 1);
    drop(ieva);

    let ona = Store::dangerously_unlock_without_lock(
        &dir,
        "ona",
        &Passphrase::new("a passphrase for tests"),
    )
    .unwrap();
    let prints: Vec<(String, String)> = ona
        .access_log_for_case(case)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "print")
        .map(|e| (e.username, e.detail.unwrap_or_default()))
        .collect();
    assert_eq!(prints.len(), 5, "{prints:?}");
    assert!(prints.iter().any(|(u, d)| u == "tomas"
        && d == "client copy: client, incidents, services, referrals, orders, consents, safety_plan; left out: children, risk, notes, perpetrators"));
    assert!(
        prints
            .iter()
            .any(|(u, d)| u == "tomas" && d == "case summary: incidents, referrals")
    );
}

#[test]
fn a_deleted_case_is_not_found_by_the_words_of_its_notes() {
    let mut f = store(Country::Lt);
    let (_, gone) = new_client(
        &mut f.store,
        person("Rūta", "Opened-by-mistake", None, None),
        "2026-10-01",
    );
    let (_, stays) = new_client(
        &mut f.store,
        person("Asta", "Stays", None, None),
        "2026-10-02",
    );
    f.store
        .batch(|b| {
            for case in [gone, stays] {
                b.add_note(
                    case,
                    &NoteFields {
                        body: format!("Skambino dėl apsaugos orderio {case}"),
                        restricted_to: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    // Control: both are found while both exist.
    assert_eq!(f.store.search("apsaugos orderio", None).unwrap().len(), 2);
    f.store.batch(|b| b.delete(gone)).unwrap();
    let hits = f.store.search("apsaugos orderio", None).unwrap();
    let cases: Vec<CaseId> = hits.iter().map(|h| h.case_id).collect();
    assert_eq!(cases, [stays], "{hits:?}");
    assert!(
        f.store
            .search("Opened-by-mistake", None)
            .unwrap()
            .is_empty()
    );
}

/// Two Azerbaijani mobile numbers that differ only in the operator code ("50" and "70")
/// share their last eight digits: they are two people, not one number spelled twice. A
/// search by one finds only her case as exact, in every spelling, and the duplicate check
/// does not call the other the same phone.
#[test]
fn numbers_that_differ_in_the_operator_code_are_not_the_same_phone() {
    let mut f = store(Country::Az);
    let (_, hers) = new_client(
        &mut f.store,
        person("Aynur", "Məmmədova", Some("+994 50 123 45 67"), None),
        "2026-03-02",
    );
    let (_, other) = new_client(
        &mut f.store,
        person("Leyla", "Həsənova", Some("+994 70 123 45 67"), None),
        "2026-03-03",
    );
    for typed in [
        "+994 50 123 45 67",
        "050 123 45 67",
        "994501234567",
        "501234567",
    ] {
        let hits = f.store.search(typed, None).unwrap();
        let exact: Vec<CaseId> = hits.iter().filter(|h| h.exact).map(|h| h.case_id).collect();
        assert_eq!(exact, [hers], "{typed}: {hits:?}");
        assert!(
            !atrama::cases::fold::same_phone(typed, "+994 70 123 45 67"),
            "{typed}"
        );
    }
    let typed = person("Nərmin", "Quliyeva", Some("070 123 45 67"), None);
    let dups = f.store.possible_duplicates(&typed).unwrap();
    assert!(
        dups.iter()
            .all(|d| d.cases.iter().all(|c| c.case_id != hers)),
        "{dups:?}"
    );
    assert!(
        dups.iter()
            .any(|d| d.cases.iter().any(|c| c.case_id == other)),
        "{dups:?}"
    );
    // Lithuanian spellings of one number stay one number.
    for (a, b) in [
        ("+370 612 34567", "861234567"),
        ("+370 612 34567", "0037061234567"),
        ("+370 612 34567", "612 34567"),
    ] {
        assert!(atrama::cases::fold::same_phone(a, b), "{a} {b}");
    }
}
