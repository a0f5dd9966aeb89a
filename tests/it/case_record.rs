//! The case record end to end through the core: every record type created, read, corrected
//! and deleted; tombstones; the change log; crosswalks; search; work queues.

use atrama::cases::{
    CaseFields, CaseFilter, ChildFields, ClientFields, ConsentFields, ContactSafety,
    IncidentFields, NewCase, NoteFields, PerpetratorLink, ProtectionOrderFields, RecordHistory,
    RecordRef, ReferralFields, ServiceContactFields, Tri,
};
use atrama::codes::CodeLists;
use atrama::ids::{CaseId, ClientId};
use atrama::{Country, ErrorCode, KdfParams, Language, Mode, NewCentre, Passphrase, Role, Store};
use chrono::NaiveDate;

pub(crate) struct Fixture {
    _tmp: tempfile::TempDir,
    pub(crate) store: Store,
}

pub(crate) fn store(country: Country) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let centre = NewCentre {
        code: "KLP-01".into(),
        name: "Test centre".into(),
        country,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (store, _) = Store::create(
        &tmp.path().join("store"),
        &centre,
        &Passphrase::new("a passphrase for tests"),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    Fixture { _tmp: tmp, store }
}

/// Every string in a JSON value, keys included.
fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        serde_json::Value::Object(map) => {
            for (k, i) in map {
                out.push(k.clone());
                collect_strings(i, out);
            }
        }
        _ => {}
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub(crate) fn client_fields(given: &str, family: &str, phone: &str) -> ClientFields {
    ClientFields {
        given_name: Some(given.into()),
        family_name: Some(family.into()),
        phone: Some(phone.into()),
        address: Some("Pavyzdžio g. 1, Klaipėda".into()),
        sex: "female".into(),
        birth_year: Some(1988),
        contact_safety: ContactSafety {
            safe_to_call: Tri::No,
            safe_to_text: Tri::Yes,
            safe_to_visit: Tri::No,
            if_someone_else_answers: Some("say it is the pharmacy".into()),
            notes: None,
        },
        ..ClientFields::default()
    }
}

pub(crate) fn case_fields(source: &str, police: Option<NaiveDate>) -> CaseFields {
    CaseFields {
        referral_source: source.into(),
        police_notified_on: police,
        intake_outcome: "accepted".into(),
        lead_worker: None,
        team: vec![],
        follow_up_on: None,
    }
}

fn open(store: &mut Store, given: &str, family: &str, opened: &str) -> (ClientId, CaseId) {
    store
        .batch(|b| {
            let client = b.create_client(&client_fields(given, family, "+370 612 34567"))?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: day(opened),
                fields: case_fields("self", None),
            })?;
            Ok((client, case))
        })
        .unwrap()
}

fn incident(forms: &[&str], relationship: &str) -> IncidentFields {
    IncidentFields {
        occurred_on: Some(day("2026-03-01")),
        description: None,
        police: Default::default(),
        ongoing_since: None,
        violence_forms: forms.iter().map(|s| s.to_string()).collect(),
        place_type: "home".into(),
        reported_to_police: Tri::Yes,
        perpetrators: vec![PerpetratorLink {
            sex: "male".into(),
            age_band: "35_44".into(),
            relationship: relationship.into(),
            cohabiting_now: Tri::No,
            cohabited_before: Tri::Yes,
            substance_use: Tri::Unknown,
            weapon_access: Tri::No,
        }],
    }
}

#[test]
fn client_and_case_round_trip_with_protected_fields_apart() {
    let mut f = store(Country::Lt);
    let (client, case) = open(&mut f.store, "Jūratė", "Žemaitė", "2026-03-02");
    let c = f.store.case(case).unwrap();
    assert_eq!(c.case_number, "KLP-01-2026-0001");
    assert_eq!(c.status, "open");
    assert_eq!(c.lead_worker, "ona");
    let cl = f.store.client(client).unwrap();
    assert_eq!(cl.age_band, "35_44", "1988 is 38 years ago in 2026");
    assert_eq!(cl.contact_safety.safe_to_call, Tri::No);
    assert!(
        cl.pseudonym.len() >= 7,
        "generated pseudonym {}",
        cl.pseudonym
    );
    // The client as the team sees it carries no names; the identity is read apart.
    // (Compared value by value: the random pseudonym and ids may hold "612" by chance.)
    let shown = serde_json::to_value(&cl).unwrap();
    let mut texts = Vec::new();
    collect_strings(&shown, &mut texts);
    for secret in [
        "Žemaitė",
        "Jūratė",
        "+370 612 34567",
        "Pavyzdžio g. 1, Klaipėda",
    ] {
        assert!(
            !texts.iter().any(|t| t.contains(secret)),
            "{secret} in {shown}"
        );
    }
    let id = f.store.client_identity(client).unwrap();
    assert_eq!(id.family_name.as_deref(), Some("Žemaitė"));
    // The second case of the year gets the next number.
    let (_, second) = open(&mut f.store, "Rasa", "Kazlauskienė", "2026-04-01");
    assert_eq!(
        f.store.case(second).unwrap().case_number,
        "KLP-01-2026-0002"
    );
    // Updating the client keeps the pseudonym and changes the version.
    let before = f.store.client(client).unwrap().meta.version;
    f.store
        .batch(|b| {
            b.update_client(
                client,
                &client_fields("Jūratė", "Petrauskienė", "+370 699 00000"),
            )
        })
        .unwrap();
    let after = f.store.client(client).unwrap();
    assert!(after.meta.version > before);
    assert_eq!(after.pseudonym, cl.pseudonym);
    assert_eq!(
        f.store
            .client_identity(client)
            .unwrap()
            .family_name
            .as_deref(),
        Some("Petrauskienė")
    );
}

#[test]
fn events_are_corrected_by_new_versions_and_deleted_by_tombstones() {
    let mut f = store(Country::Lt);
    let (_, case) = open(&mut f.store, "Ona", "Test", "2026-03-02");
    let (inc, contact, note, referral, consent, child, order, doc) = f
        .store
        .batch(|b| {
            let inc = b.record_incident(case, &incident(&["physical"], "current_spouse"))?;
            let contact = b.log_service_contact(
                case,
                &ServiceContactFields {
                    on_date: day("2026-03-03"),
                    discipline: "social_work".into(),
                    mode: "phone".into(),
                    minutes: 30,
                    is_group: false,
                    staff: None,
                },
            )?;
            let note = b.add_note(
                case,
                &NoteFields {
                    body: "first note".into(),
                    restricted_to: None,
                },
            )?;
            let consent = b.record_consent(
                case,
                &ConsentFields {
                    purpose: "referral".into(),
                    agency_type: Some("state_legal_aid".into()),
                    given: true,
                    given_by: "self".into(),
                    on_date: day("2026-03-03"),
                    shared_fields: Vec::new(),
                },
            )?;
            let referral = b.record_referral(
                case,
                &ReferralFields {
                    on_date: day("2026-03-04"),
                    agency_type: "state_legal_aid".into(),
                    status: "referred".into(),
                    consent_event_id: Some(consent),
                },
            )?;
            let child = b.add_child(
                case,
                &ChildFields {
                    sex: "male".into(),
                    age_band: "0_17".into(),
                    lives_with_client: Tri::Yes,
                    witnessed: Tri::Yes,
                    directly_harmed: Tri::No,
                    child_protection_referral: Tri::Unknown,
                },
            )?;
            let order = b.add_protection_order(
                case,
                &ProtectionOrderFields {
                    issuer: "police".into(),
                    order_type: "other".into(),
                    status: "granted".into(),
                    applied_on: Some(day("2026-03-02")),
                    decided_on: Some(day("2026-03-02")),
                    starts_on: Some(day("2026-03-02")),
                    ends_on: Some(day("2026-03-17")),
                    breaches: 0,
                },
            )?;
            let doc =
                b.attach_document(case, "statement.pdf", "application/pdf", b"%PDF-1.4 demo")?;
            Ok((inc, contact, note, referral, consent, child, order, doc))
        })
        .unwrap();

    let d = f.store.case_detail(case).unwrap();
    assert_eq!(d.incidents.len(), 1);
    assert_eq!(d.incidents[0].gbvims_type, "physical_assault");
    assert_eq!(d.service_contacts.len(), 1);
    assert_eq!(d.case.first_contact_on, Some(day("2026-03-03")));
    assert_eq!(d.notes.len(), 1);
    assert_eq!(d.referrals[0].fields.consent_event_id, Some(consent));
    assert_eq!(d.children.len(), 1);
    assert_eq!(d.protection_orders.len(), 1);
    assert_eq!(d.documents[0].size, 13);
    assert_eq!(
        f.store.document_content(doc).unwrap(),
        ("application/pdf".to_owned(), b"%PDF-1.4 demo".to_vec())
    );

    // Corrections: a new version that supersedes the old; the old stays in the store.
    let (inc2, contact2, note2, referral2) = f
        .store
        .batch(|b| {
            let inc2 = b.correct_incident(
                inc,
                &incident(&["physical", "sexual_rape"], "current_spouse"),
            )?;
            let contact2 = b.correct_service_contact(
                contact,
                &ServiceContactFields {
                    on_date: day("2026-03-05"),
                    discipline: "legal".into(),
                    mode: "in_person".into(),
                    minutes: 60,
                    is_group: false,
                    staff: None,
                },
            )?;
            let note2 = b.correct_note(
                note,
                &NoteFields {
                    body: "corrected note".into(),
                    restricted_to: None,
                },
            )?;
            let referral2 = b.correct_referral(
                referral,
                &ReferralFields {
                    on_date: day("2026-03-04"),
                    agency_type: "state_legal_aid".into(),
                    status: "already_receiving".into(),
                    consent_event_id: Some(consent),
                },
            )?;
            Ok((inc2, contact2, note2, referral2))
        })
        .unwrap();
    let d = f.store.case_detail(case).unwrap();
    assert_eq!(d.incidents.len(), 1);
    assert_eq!(d.incidents[0].id, inc2);
    assert_eq!(d.incidents[0].supersedes, Some(inc));
    assert_eq!(d.incidents[0].gbvims_type, "rape");
    assert_eq!(d.service_contacts[0].id, contact2);
    assert_eq!(d.case.first_contact_on, Some(day("2026-03-05")));
    assert_eq!(d.notes[0].id, note2);
    assert_eq!(d.notes[0].fields.body, "corrected note");
    assert_eq!(d.referrals[0].id, referral2);
    assert_eq!(d.referrals[0].fields.status, "already_receiving");
    // An old version cannot be corrected again.
    let err = f
        .store
        .batch(|b| b.correct_incident(inc, &incident(&["physical"], "current_spouse")))
        .unwrap_err();
    assert!(err.to_string().contains("already corrected"), "{err}");
    // Search finds the new text and not the old.
    assert_eq!(f.store.search("corrected", None).unwrap().len(), 1);
    assert!(f.store.search("first", None).unwrap().is_empty());

    // Changing mutable records.
    f.store
        .batch(|b| {
            b.update_child(
                child,
                &ChildFields {
                    sex: "male".into(),
                    age_band: "0_17".into(),
                    lives_with_client: Tri::Yes,
                    witnessed: Tri::Yes,
                    directly_harmed: Tri::Yes,
                    child_protection_referral: Tri::Yes,
                },
            )?;
            b.update_protection_order(
                order,
                &ProtectionOrderFields {
                    issuer: "police".into(),
                    order_type: "other".into(),
                    status: "granted".into(),
                    applied_on: Some(day("2026-03-02")),
                    decided_on: Some(day("2026-03-02")),
                    starts_on: Some(day("2026-03-02")),
                    ends_on: Some(day("2026-03-17")),
                    breaches: 2,
                },
            )
        })
        .unwrap();
    let d = f.store.case_detail(case).unwrap();
    assert_eq!(d.children[0].fields.directly_harmed, Tri::Yes);
    assert_eq!(d.protection_orders[0].fields.breaches, 2);

    // Tombstones: gone from the case, kept in the store, logged as deletions.
    let before = f.store.last_change_seq().unwrap();
    f.store
        .batch(|b| {
            b.delete(inc2)?;
            b.delete(contact2)?;
            b.delete(note2)?;
            b.delete(child)?;
            b.delete(doc)
        })
        .unwrap();
    let d = f.store.case_detail(case).unwrap();
    assert!(d.incidents.is_empty() && d.service_contacts.is_empty() && d.notes.is_empty());
    assert!(d.children.is_empty() && d.documents.is_empty());
    assert_eq!(d.case.first_contact_on, None);
    assert!(f.store.search("corrected", None).unwrap().is_empty());
    assert_eq!(
        f.store.document_content(doc).unwrap_err().code(),
        ErrorCode::NotFound
    );
    let changes = f.store.changes_since(before, 100).unwrap();
    assert_eq!(changes.len(), 5);
    assert!(changes.iter().all(|c| c.op == "delete"));
    assert_eq!(
        changes.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(),
        ["incident", "service_contact", "note", "child", "document"]
    );
    // A deleted record cannot be changed or deleted again.
    let err = f.store.batch(|b| b.delete(note2)).unwrap_err();
    assert!(err.to_string().contains("deleted"), "{err}");
}

/// A batch of many writes (a spreadsheet import's size in small): the batch holds its
/// change-log rows and writes them 50 to a statement, the rest one by one; every record is
/// logged once, in the order written, with growing versions equal to the records'.
#[test]
fn a_batch_of_many_writes_logs_each_once_in_the_order_written() {
    let mut f = store(Country::Lt);
    let written: Vec<(&str, String)> = f
        .store
        .batch(|b| {
            let mut written = Vec::new();
            for i in 0..61 {
                let client =
                    b.create_client(&client_fields("Ona", &format!("Test{i}"), "+370 612 34567"))?;
                written.push(("client", client.to_string()));
                let case = b.open_case(&NewCase {
                    client_id: client,
                    opened_on: day("2026-03-02"),
                    fields: case_fields("self", None),
                })?;
                written.push(("case_file", case.to_string()));
            }
            Ok(written)
        })
        .unwrap();
    assert_eq!(
        written.len(),
        122,
        "two full statements of 50 and 22 single rows"
    );
    let log = f.store.changes_since(0, 1_000).unwrap();
    assert_eq!(
        log.iter()
            .map(|c| (c.kind.as_str(), c.record_id.clone()))
            .collect::<Vec<_>>(),
        written
            .iter()
            .map(|(k, id)| (*k, id.clone()))
            .collect::<Vec<_>>()
    );
    assert!(
        log.windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].version < w[1].version)
    );
    for c in &log {
        let table = if c.kind == "client" {
            "client"
        } else {
            "case_file"
        };
        let hlc: i64 = f
            .store
            .dangerously_raw_connection()
            .query_row(
                &format!("SELECT hlc FROM {table} WHERE id = ?1"),
                [&c.record_id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(c.version.to_sql(), hlc, "{} {}", c.kind, c.record_id);
    }
}

#[test]
fn the_change_log_orders_every_write_and_versions_only_grow() {
    let mut f = store(Country::Lt);
    assert_eq!(f.store.last_change_seq().unwrap(), 0);
    let (client, case) = open(&mut f.store, "Ona", "Test", "2026-03-02");
    let log = f.store.changes_since(0, 100).unwrap();
    assert_eq!(
        log.iter()
            .map(|c| (c.kind.as_str(), c.op.as_str()))
            .collect::<Vec<_>>(),
        [("client", "put"), ("case_file", "put")]
    );
    assert_eq!(log[0].record_id, client.to_string());
    assert_eq!(log[1].record_id, case.to_string());
    assert!(log[0].seq < log[1].seq && log[0].version < log[1].version);

    f.store
        .batch(|b| b.close_case(case, day("2026-05-01"), "needs_met"))
        .unwrap();
    let since = f.store.changes_since(log[1].seq, 100).unwrap();
    assert_eq!(
        since.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(),
        ["case_status_event", "case_file"]
    );
    let c = f.store.case(case).unwrap();
    assert_eq!(
        (c.status.as_str(), c.closure_reason.as_deref()),
        ("closed", Some("needs_met"))
    );
    // Reopen, and the history shows both.
    f.store
        .batch(|b| b.reopen_case(case, day("2026-06-01"), Some("client came back")))
        .unwrap();
    let d = f.store.case_detail(case).unwrap();
    assert_eq!(d.case.status, "open");
    assert_eq!(
        d.status_events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        ["close", "reopen"]
    );
    // Closed as transferred by hand (handed over on paper, no transfer bundle): it can be
    // reopened like any closed case.
    f.store
        .batch(|b| b.close_case(case, day("2026-06-10"), "transferred"))
        .unwrap();
    assert_eq!(f.store.case(case).unwrap().status, "transferred");
    f.store
        .batch(|b| b.reopen_case(case, day("2026-06-20"), Some("handed back")))
        .unwrap();
    assert_eq!(f.store.case(case).unwrap().status, "open");
    // A failed batch writes nothing, not even to the log.
    let last = f.store.last_change_seq().unwrap();
    let err = f.store.batch(|b| {
        b.add_note(
            case,
            &NoteFields {
                body: "kept?".into(),
                restricted_to: None,
            },
        )?;
        b.record_incident(case, &incident(&["not_a_form"], "current_spouse"))
    });
    assert!(err.is_err());
    assert_eq!(f.store.last_change_seq().unwrap(), last);
    assert!(f.store.search("kept", None).unwrap().is_empty());
    // The clock survives a re-open of the store: later writes get later versions.
    let newest = f
        .store
        .changes_since(0, 1000)
        .unwrap()
        .last()
        .unwrap()
        .version;
    let dir = f.store.dir().to_owned();
    drop(f.store);
    let mut again = Store::unlock(&dir, "ona", &Passphrase::new("a passphrase for tests")).unwrap();
    again
        .batch(|b| {
            b.add_note(
                case,
                &NoteFields {
                    body: "after reopening".into(),
                    restricted_to: None,
                },
            )
        })
        .unwrap();
    let after = again.changes_since(last, 10).unwrap();
    assert!(after.last().unwrap().version > newest);
}

#[test]
fn codes_are_checked_and_crosswalked() {
    let mut f = store(Country::Lt);
    let (_, case) = open(&mut f.store, "Ona", "Test", "2026-03-02");
    let inc = f
        .store
        .batch(|b| {
            b.record_incident(
                case,
                &incident(&["sexual_rape", "physical"], "former_partner"),
            )
        })
        .unwrap();
    let d = f.store.case_detail(case).unwrap();
    let i = d.incidents.iter().find(|i| i.id == inc).unwrap();
    assert_eq!(i.gbvims_type, "rape");
    let codes = CodeLists::builtin().unwrap();
    assert_eq!(
        codes.eige_category(&i.fields.perpetrators[0].relationship),
        Some("ipv")
    );
    assert_eq!(codes.eige_category("sibling"), Some("family"));
    assert_eq!(
        codes.label("gbvims_type", "rape", Language::En),
        Some("Rape")
    );
    // An unknown code is refused on entry with the list of valid ones.
    let err = f
        .store
        .batch(|b| b.record_incident(case, &incident(&["bad_code"], "former_partner")))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("violence_form"), "{err}");
    // A code from a newer list (already in the store) is kept and flagged, not dropped.
    let r = codes.code_ref("violence_form", "future_form", Language::En);
    assert!(!r.known && r.label.is_none() && r.code == "future_form");
}

#[test]
fn search_ignores_diacritics_in_lithuanian_latvian_and_russian() {
    let mut f = store(Country::Lt);
    let (_, a) = open(&mut f.store, "Jūratė", "Žemaitė", "2026-03-02");
    let (_, b) = open(&mut f.store, "Līga", "Bērziņa", "2026-03-03");
    let (_, c) = open(&mut f.store, "Алёна", "Фёдорова", "2026-03-04");
    f.store
        .batch(|w| {
            w.add_note(
                a,
                &NoteFields {
                    body: "Parengtas ieškinys dėl skyrybų".into(),
                    restricted_to: None,
                },
            )?;
            w.add_note(
                b,
                &NoteFields {
                    body: "Sagatavots prasības pieteikums tiesai".into(),
                    restricted_to: None,
                },
            )?;
            w.add_note(
                c,
                &NoteFields {
                    body: "Подготовлен иск, клиентка ещё боится".into(),
                    restricted_to: None,
                },
            )
        })
        .unwrap();
    let cases_of = |hits: Vec<atrama::cases::SearchHit>| -> Vec<CaseId> {
        let mut v: Vec<CaseId> = hits.into_iter().map(|h| h.case_id).collect();
        v.dedup();
        v
    };
    assert_eq!(cases_of(f.store.search("zemaite", None).unwrap()), [a]);
    assert_eq!(cases_of(f.store.search("ieskinys", None).unwrap()), [a]);
    assert_eq!(cases_of(f.store.search("ŽEMAITĖ", None).unwrap()), [a]);
    assert_eq!(cases_of(f.store.search("berzina", None).unwrap()), [b]);
    assert_eq!(cases_of(f.store.search("prasibas", None).unwrap()), [b]);
    // Russian ё and е are one letter to the index.
    assert_eq!(cases_of(f.store.search("федорова", None).unwrap()), [c]);
    assert_eq!(cases_of(f.store.search("еще", None).unwrap()), [c]);
    // Prefixes, case numbers and phone numbers in several spellings.
    assert_eq!(cases_of(f.store.search("Žema", None).unwrap()), [a]);
    assert_eq!(
        cases_of(f.store.search("KLP-01-2026-0002", None).unwrap()),
        [b]
    );
    // A number is looked for as typed, never by its "skeleton": "0002" is not "02", so a
    // pseudonym with a "02…" part (one client in 256 when generated) is no hit for it.
    let d = f
        .store
        .batch(|w| {
            let client = w.create_client(&ClientFields {
                pseudonym: Some("020-021".into()),
                phone: None,
                ..client_fields("Rasa", "Kazlauskienė", "")
            })?;
            w.open_case(&NewCase {
                client_id: client,
                opened_on: day("2026-03-05"),
                fields: case_fields("self", None),
            })
        })
        .unwrap();
    assert_eq!(
        cases_of(f.store.search("KLP-01-2026-0002", None).unwrap()),
        [b]
    );
    assert_eq!(cases_of(f.store.search("020-021", None).unwrap()), [d]);
    // The national spelling (trunk prefix 8) is the same number (issue 21: phone numbers
    // normalised): all three clients have it.
    assert_eq!(
        cases_of(f.store.search("861234567", None).unwrap()).len(),
        3
    );
    assert_eq!(cases_of(f.store.search("61234567", None).unwrap()).len(), 3);
    // Note hits show an extract; case hits show no names.
    let hits = f.store.search("ieskinys", None).unwrap();
    assert_eq!(hits[0].kind, "note");
    assert!(hits[0].snippet.as_deref().unwrap().contains("[ieškinys]"));
    let hits = f.store.search("zemaite", None).unwrap();
    assert_eq!(
        (hits[0].kind.as_str(), hits[0].snippet.as_deref()),
        ("case", None)
    );
    // Text that is only punctuation finds nothing and is no error.
    assert!(f.store.search("\"*()", None).unwrap().is_empty());
}

#[test]
fn notes_restricted_to_a_discipline_are_hidden_from_others_in_the_case_and_in_search() {
    let mut f = store(Country::Lt);
    let (_, case) = open(&mut f.store, "Ona", "Test", "2026-03-02");
    // Written by ona (the author always reads her own notes).
    f.store
        .batch(|b| {
            b.add_note(
                case,
                &NoteFields {
                    body: "psychological assessment confidential".into(),
                    restricted_to: Some("psychological".into()),
                },
            )?;
            b.add_note(
                case,
                &NoteFields {
                    body: "team note confidential".into(),
                    restricted_to: None,
                },
            )
        })
        .unwrap();
    assert_eq!(f.store.case_detail(case).unwrap().notes.len(), 2);
    assert_eq!(f.store.search("confidential", None).unwrap().len(), 2);
    // Another counsellor without that discipline.
    let dir = f.store.dir().to_owned();
    let pass = Passphrase::new("colleague passphrase");
    f.store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &["legal".into()],
            &pass,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    f.store
        .add_staff(
            "ieva",
            Role::Counsellor,
            &["psychological".into()],
            &pass,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    drop(f.store);
    let tomas = Store::dangerously_unlock_without_lock(&dir, "tomas", &pass).unwrap();
    let d = tomas.case_detail(case).unwrap();
    assert_eq!(d.notes.len(), 1);
    assert_eq!(d.restricted_notes_hidden, 1);
    let hits = tomas.search("confidential", None).unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet.as_deref().unwrap().contains("team"));
    // A psychologist reads it.
    let ieva = Store::dangerously_unlock_without_lock(&dir, "ieva", &pass).unwrap();
    assert_eq!(ieva.case_detail(case).unwrap().notes.len(), 2);
}

#[test]
fn police_notifications_are_due_the_next_working_day_across_weekends_and_holidays() {
    let mut f = store(Country::Lt);
    // Friday 13 February 2026; Monday 16 February is a public holiday in Lithuania.
    let case = f
        .store
        .batch(|b| {
            let client = b.create_client(&client_fields("Ona", "Test", "+370 600 00001"))?;
            b.open_case(&NewCase {
                client_id: client,
                opened_on: day("2026-02-13"),
                fields: case_fields("police", Some(day("2026-02-13"))),
            })
        })
        .unwrap();
    let q = f.store.work_queues(day("2026-02-16")).unwrap();
    assert_eq!(q.police_to_contact.len(), 1);
    let p = &q.police_to_contact[0];
    assert_eq!(p.case.id, case);
    assert_eq!(p.deadline, day("2026-02-17"));
    assert!(!p.overdue);
    assert!(
        f.store
            .work_queues(day("2026-02-18"))
            .unwrap()
            .police_to_contact[0]
            .overdue
    );
    // My open cases include it (ona is the lead worker).
    assert_eq!(q.my_open_cases.len(), 1);
    // The first service contact takes it off the queue.
    f.store
        .batch(|b| {
            b.log_service_contact(
                case,
                &ServiceContactFields {
                    on_date: day("2026-02-17"),
                    discipline: "social_work".into(),
                    mode: "phone".into(),
                    minutes: 20,
                    is_group: false,
                    staff: None,
                },
            )
        })
        .unwrap();
    assert!(
        f.store
            .work_queues(day("2026-02-17"))
            .unwrap()
            .police_to_contact
            .is_empty()
    );
}

#[test]
fn follow_ups_and_case_lists_filter_as_asked() {
    let mut f = store(Country::Lv);
    let (_, a) = open(&mut f.store, "Anna", "Bērziņa", "2026-01-10");
    let (_, b) = open(&mut f.store, "Ilze", "Kalniņa", "2026-02-10");
    f.store
        .batch(|w| {
            let mut fields = case_fields("self", None);
            fields.follow_up_on = Some(day("2026-02-20"));
            w.update_case(a, &fields)?;
            fields.follow_up_on = Some(day("2026-04-20"));
            w.update_case(b, &fields)?;
            w.close_case(b, day("2026-03-01"), "moved_away").map(|_| ())
        })
        .unwrap();
    let q = f.store.work_queues(day("2026-02-18")).unwrap();
    assert_eq!(
        q.follow_ups_due.iter().map(|c| c.id).collect::<Vec<_>>(),
        [a]
    );
    let open_only = f
        .store
        .case_list(&CaseFilter {
            status: Some("open".into()),
            ..CaseFilter::default()
        })
        .unwrap();
    assert_eq!(open_only.iter().map(|c| c.id).collect::<Vec<_>>(), [a]);
    let february = f
        .store
        .case_list(&CaseFilter {
            opened_from: Some(day("2026-02-01")),
            opened_to: Some(day("2026-02-28")),
            ..CaseFilter::default()
        })
        .unwrap();
    assert_eq!(february.iter().map(|c| c.id).collect::<Vec<_>>(), [b]);
    let mine = f
        .store
        .case_list(&CaseFilter {
            worker: Some("ona".into()),
            ..CaseFilter::default()
        })
        .unwrap();
    assert_eq!(mine.len(), 2);
    let nobody = f
        .store
        .case_list(&CaseFilter {
            worker: Some("tomas".into()),
            ..CaseFilter::default()
        })
        .unwrap();
    assert!(nobody.is_empty());
}

#[test]
fn demo_data_is_deterministic_for_a_seed() {
    let summary = |seed| {
        let mut f = store(Country::Lt);
        let s = atrama::demo::generate(
            &mut f.store,
            &atrama::demo::DemoOptions {
                clients: 30,
                months: 12,
                seed,
                today: day("2026-11-20"),
            },
        )
        .unwrap();
        let numbers: Vec<(String, String, usize)> = f
            .store
            .case_list(&CaseFilter::default())
            .unwrap()
            .into_iter()
            .map(|c| {
                let d = f.store.case_detail(c.id).unwrap();
                (c.case_number, c.status, d.service_contacts.len())
            })
            .collect();
        (s, numbers)
    };
    let (a, rows_a) = summary(7);
    let (b, rows_b) = summary(7);
    let (c, _) = summary(8);
    assert_eq!(a, b);
    assert_eq!(rows_a, rows_b);
    assert_ne!(a, c);
    assert_eq!(a.clients, 30);
    assert!(a.service_contacts > 30 && a.notes > 0 && a.incidents >= 30);
}

#[test]
fn views_and_changes_go_into_a_hash_chained_access_log() {
    let mut f = store(Country::Lt);
    let (client, case) = open(&mut f.store, "Ona", "Test", "2026-03-02");
    f.store.case_detail(case).unwrap();
    f.store.client_identity(client).unwrap();
    let log = f.store.access_log_for_case(case).unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["change", "view_case", "view_identity"]);
    assert!(log.iter().all(|e| e.username == "ona"));
    assert_eq!(f.store.verify_access_log().unwrap(), 3);
    // Editing or removing an entry breaks the chain.
    let conn = f.store.dangerously_raw_connection();
    conn.execute(
        "UPDATE access_log SET username = 'someone' WHERE seq = 2",
        [],
    )
    .unwrap();
    let err = f.store.verify_access_log().unwrap_err();
    assert!(err.to_string().contains("entry 2 was edited"), "{err}");
    conn.execute("UPDATE access_log SET username = 'ona' WHERE seq = 2", [])
        .unwrap();
    assert_eq!(f.store.verify_access_log().unwrap(), 3);
    conn.execute("DELETE FROM access_log WHERE seq = 2", [])
        .unwrap();
    assert!(f.store.verify_access_log().is_err());
}

#[test]
fn drafts_are_kept_per_person_until_deleted() {
    let f = store(Country::Lt);
    let id = f
        .store
        .save_draft(None, "intake", "Intake — police referral", "{\"step\":2}")
        .unwrap();
    f.store
        .save_draft(
            Some(&id),
            "intake",
            "Intake — police referral",
            "{\"step\":3}",
        )
        .unwrap();
    let drafts = f.store.drafts().unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(f.store.draft(&id).unwrap().body, "{\"step\":3}");
    f.store.delete_draft(&id).unwrap();
    assert!(f.store.drafts().unwrap().is_empty());
    assert_eq!(f.store.draft(&id).unwrap_err().code(), ErrorCode::NotFound);
}

/// The queues of `user` (any staff member) on `today`, from the store's own connection.
fn queues_of(store: &Store, user: &str, today: &str) -> atrama::queues::WorkQueues {
    atrama::queues::work_queues(
        store.dangerously_raw_connection(),
        user,
        Country::Lt,
        atrama::calendar::Holidays::builtin().unwrap(),
        day(today),
    )
    .unwrap()
}

fn ids(cases: &[atrama::cases::CaseSummary]) -> Vec<CaseId> {
    cases.iter().map(|c| c.id).collect()
}

#[test]
fn my_open_cases_follow_lead_worker_team_status_and_deletion() {
    let mut f = store(Country::Lt);
    f.store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &["legal".into()],
            &Passphrase::new("colleague passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    let (_, a) = open(&mut f.store, "Anna", "Bērziņa", "2026-01-10");
    let (_, b) = open(&mut f.store, "Ilze", "Kalniņa", "2026-02-10");
    let today = "2026-02-18";
    assert_eq!(
        ids(&queues_of(&f.store, "ona", today).my_open_cases),
        [b, a]
    );
    assert!(queues_of(&f.store, "tomas", today).my_open_cases.is_empty());

    // Tomas takes the lead of both; Ona stays on the team of the first only.
    f.store
        .batch(|w| {
            let mut fields = case_fields("self", None);
            fields.lead_worker = Some("tomas".into());
            fields.team = vec!["ona".into()];
            fields.follow_up_on = Some(day("2026-02-20"));
            w.update_case(a, &fields)?;
            fields.team = vec![];
            fields.follow_up_on = None;
            w.update_case(b, &fields)
        })
        .unwrap();
    let ona = queues_of(&f.store, "ona", today);
    assert_eq!(ids(&ona.my_open_cases), [a]);
    assert_eq!(ids(&ona.follow_ups_due), [a]);
    assert_eq!(
        ids(&queues_of(&f.store, "tomas", today).my_open_cases),
        [b, a]
    );

    // Off the team: gone from Ona's list, still Tomas's as the lead.
    f.store
        .batch(|w| {
            let mut fields = case_fields("self", None);
            fields.lead_worker = Some("tomas".into());
            fields.follow_up_on = Some(day("2026-02-20"));
            w.update_case(a, &fields)
        })
        .unwrap();
    assert!(queues_of(&f.store, "ona", today).my_open_cases.is_empty());
    assert_eq!(
        ids(&queues_of(&f.store, "tomas", today).follow_ups_due),
        [a]
    );

    // Closed cases leave every queue; reopened ones come back.
    f.store
        .batch(|w| w.close_case(a, day("2026-02-17"), "needs_met").map(|_| ()))
        .unwrap();
    let tomas = queues_of(&f.store, "tomas", today);
    assert_eq!(ids(&tomas.my_open_cases), [b]);
    assert!(tomas.follow_ups_due.is_empty());
    f.store
        .batch(|w| {
            w.reopen_case(a, day("2026-02-18"), Some("came back"))
                .map(|_| ())
        })
        .unwrap();
    assert_eq!(
        ids(&queues_of(&f.store, "tomas", today).my_open_cases),
        [b, a]
    );

    // A deleted case is nobody's.
    f.store.batch(|w| w.delete(b)).unwrap();
    assert_eq!(ids(&queues_of(&f.store, "tomas", today).my_open_cases), [a]);

    // The migration's back-fill of existing stores gives exactly what the triggers keep.
    let conn = f.store.dangerously_raw_connection();
    let members = |conn: &rusqlite::Connection| -> Vec<(String, String, Option<String>)> {
        conn.prepare("SELECT username, case_id, follow_up_on FROM open_case_member ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let kept = members(conn);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let migration = include_str!("../../src/store/migrations/20261126_0006_queues.sql");
    let backfill = &migration[migration.find("-- The cases that exist already.").unwrap()..];
    conn.execute_batch(&format!("DELETE FROM open_case_member; {backfill}"))
        .unwrap();
    assert_eq!(members(conn), kept);
}

fn contact(on: &str, discipline: &str, minutes: u32) -> ServiceContactFields {
    ServiceContactFields {
        on_date: day(on),
        discipline: discipline.into(),
        mode: "phone".into(),
        minutes,
        is_group: false,
        staff: None,
    }
}

#[test]
fn a_corrected_record_shows_every_version_newest_first() {
    let mut f = store(Country::Lt);
    let (_, case) = open(&mut f.store, "Ona", "Test", "2026-03-02");
    let first = f
        .store
        .batch(|b| b.log_service_contact(case, &contact("2026-03-03", "social_work", 30)))
        .unwrap();
    // Never corrected: one version.
    match f
        .store
        .record_history(RecordRef::ServiceContact(first))
        .unwrap()
    {
        RecordHistory::ServiceContact(v) => {
            assert_eq!(v.iter().map(|c| c.id).collect::<Vec<_>>(), [first]);
        }
        other => panic!("a service contact's history came back as {other:?}"),
    }
    let second = f
        .store
        .batch(|b| b.correct_service_contact(first, &contact("2026-03-03", "legal", 45)))
        .unwrap();
    let third = f
        .store
        .batch(|b| b.correct_service_contact(second, &contact("2026-03-04", "legal", 50)))
        .unwrap();
    let RecordHistory::ServiceContact(v) = f
        .store
        .record_history(RecordRef::ServiceContact(third))
        .unwrap()
    else {
        panic!("not a service contact history");
    };
    assert_eq!(
        v.iter().map(|c| c.id).collect::<Vec<_>>(),
        [third, second, first]
    );
    assert_eq!(
        v.iter().map(|c| c.fields.minutes).collect::<Vec<_>>(),
        [50, 45, 30]
    );
    assert_eq!(v[0].supersedes, Some(second));
    assert_eq!(v[2].supersedes, None);
    // The case shows only the newest, marked as a correction.
    let d = f.store.case_detail(case).unwrap();
    assert_eq!(d.service_contacts.len(), 1);
    assert_eq!(d.service_contacts[0].supersedes, Some(second));
    // Asking from a middle version gives it and what it corrected.
    let RecordHistory::ServiceContact(v) = f
        .store
        .record_history(RecordRef::ServiceContact(second))
        .unwrap()
    else {
        panic!("not a service contact history");
    };
    assert_eq!(v.len(), 2);
    // The view is in the access log.
    let log = f.store.access_log_for_case(case).unwrap();
    assert!(
        log.iter()
            .any(|e| e.detail.as_deref() == Some("history of a record")),
        "{log:?}"
    );
    // An unknown record is not found, with its kind named.
    let err = f
        .store
        .record_history(RecordRef::Referral(atrama::ids::ReferralId::new()))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains("referral"), "{err}");
}

#[test]
fn a_restricted_note_history_is_refused_to_other_disciplines() {
    let mut f = store(Country::Lt);
    let (_, case) = open(&mut f.store, "Ona", "Test", "2026-03-02");
    let note = f
        .store
        .batch(|b| {
            let old = b.add_note(
                case,
                &NoteFields {
                    body: "first words".into(),
                    restricted_to: Some("psychological".into()),
                },
            )?;
            b.correct_note(
                old,
                &NoteFields {
                    body: "better words".into(),
                    restricted_to: Some("psychological".into()),
                },
            )
        })
        .unwrap();
    // The author reads both versions.
    let RecordHistory::Note(v) = f.store.record_history(RecordRef::Note(note)).unwrap() else {
        panic!("not a note history");
    };
    assert_eq!(
        v.iter().map(|n| n.fields.body.as_str()).collect::<Vec<_>>(),
        ["better words", "first words"]
    );
    let dir = f.store.dir().to_owned();
    let pass = Passphrase::new("colleague passphrase");
    f.store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &["legal".into()],
            &pass,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    drop(f.store);
    let tomas = Store::unlock(&dir, "tomas", &pass).unwrap();
    let err = tomas.record_history(RecordRef::Note(note)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotAllowed);
}

fn a_child(harmed: Tri) -> ChildFields {
    ChildFields {
        sex: "female".into(),
        age_band: "0_17".into(),
        lives_with_client: Tri::Yes,
        witnessed: Tri::Yes,
        directly_harmed: harmed,
        child_protection_referral: Tri::Unknown,
    }
}

fn an_order(breaches: u32) -> ProtectionOrderFields {
    ProtectionOrderFields {
        issuer: "police".into(),
        order_type: "other".into(),
        status: "granted".into(),
        applied_on: Some(day("2026-03-02")),
        decided_on: None,
        starts_on: None,
        ends_on: None,
        breaches,
    }
}

/// A write tried in a batch.
type Attempt = Box<dyn FnOnce(&mut atrama::cases::Batch<'_>) -> atrama::Result<()>>;

/// A record of a deleted case (a case deleted by a sheet's re-import or on another
/// computer, still open on a counsellor's screen) takes no change: neither an update of a
/// child or an order nor a correction of a note or a contact writes into it; and a change
/// of a child or an order is logged as a change of its case like any other write.
#[test]
fn a_deleted_case_takes_no_change_through_its_records_and_every_change_is_logged() {
    let mut f = store(Country::Lt);
    let (case, child, order, note, contact) = f
        .store
        .batch(|b| {
            let client = b.create_client(&client_fields("Ona", "Test", "+370 600 00019"))?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: day("2026-03-01"),
                fields: case_fields("self", None),
            })?;
            let child = b.add_child(case, &a_child(Tri::No))?;
            let order = b.add_protection_order(case, &an_order(0))?;
            let note = b.add_note(
                case,
                &NoteFields {
                    body: "first".into(),
                    restricted_to: None,
                },
            )?;
            let contact = b.log_service_contact(
                case,
                &ServiceContactFields {
                    on_date: day("2026-03-03"),
                    discipline: "legal".into(),
                    mode: "phone".into(),
                    minutes: 30,
                    is_group: false,
                    staff: None,
                },
            )?;
            Ok((case, child, order, note, contact))
        })
        .unwrap();

    // A change of a child or an order is a change of its case in the access log.
    let changes_logged = |s: &Store| {
        s.access_log_for_case(case)
            .unwrap()
            .iter()
            .filter(|e| e.action == "change")
            .count()
    };
    let before = changes_logged(&f.store);
    f.store
        .batch(|b| b.update_child(child, &a_child(Tri::Yes)))
        .unwrap();
    assert_eq!(changes_logged(&f.store), before + 1, "a child's change");
    f.store
        .batch(|b| b.update_protection_order(order, &an_order(1)))
        .unwrap();
    assert_eq!(changes_logged(&f.store), before + 2, "an order's change");

    f.store.batch(|b| b.delete(case)).unwrap();
    let seq = f.store.last_change_seq().unwrap();
    let attempts: [(&str, Attempt); 4] = [
        (
            "child",
            Box::new(move |b| b.update_child(child, &a_child(Tri::No))),
        ),
        (
            "order",
            Box::new(move |b| b.update_protection_order(order, &an_order(3))),
        ),
        (
            "note",
            Box::new(move |b| {
                b.correct_note(
                    note,
                    &NoteFields {
                        body: "written into a deleted case".into(),
                        restricted_to: None,
                    },
                )
                .map(|_| ())
            }),
        ),
        (
            "contact",
            Box::new(move |b| {
                b.correct_service_contact(
                    contact,
                    &ServiceContactFields {
                        on_date: day("2026-03-03"),
                        discipline: "legal".into(),
                        mode: "phone".into(),
                        minutes: 45,
                        is_group: false,
                        staff: None,
                    },
                )
                .map(|_| ())
            }),
        ),
    ];
    for (what, attempt) in attempts {
        let err = f.store.batch(attempt).unwrap_err();
        assert!(err.to_string().contains("was deleted"), "{what}: {err}");
    }
    assert_eq!(
        f.store.last_change_seq().unwrap(),
        seq,
        "nothing was written into the deleted case"
    );
}
