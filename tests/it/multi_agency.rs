//! Multi-agency work through the core: reference data (referral directory, instrument packs,
//! code lists) from a coordination centre to a centre through real return bundles, with the
//! versions in force, stale versions refused and bad items rejected without losing the rest
//! of the bundle; referral letters holding only the consented fields; case conferences with
//! actions, outcomes and the follow-up in the work queue.

use std::path::PathBuf;

use atrama::cases::{
    ActionOutcomeFields, ConferenceActionFields, ConferenceFields, ConsentFields, NewCase,
    ReferralFields,
};
use atrama::ids::{CaseId, ReferralId};
use atrama::{Country, ErrorCode, Language, Mode, Passphrase, Store};
use chrono::NaiveDate;

use crate::case_record::{case_fields, client_fields};
use crate::site::{Site, enrol, site};

fn path(site: &Site, name: &str) -> PathBuf {
    site.tmp.path().join(name)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn pack(name: &str, licence: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/instruments")
        .join(name);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["licence"] = licence.into();
    v.to_string()
}

const DIRECTORY_V1: &str = "id,region,type,name,address,phone,email,language
klp-pol,Klaipėda,police,Klaipėdos apskrities policija,Bangų g. 1,+370 46 100000,klp@policija.lt,lt
klp-soc,Klaipėda,social_services,Klaipėdos socialinės paslaugos,Taikos pr. 2,+370 46 200000,soc@klaipeda.lt,lt
lie-pol,Liepāja,police,Liepājas policija,Ganību iela 3,+371 63 000000,liepaja@vp.gov.lv,lv
";

const DIRECTORY_V2: &str = "region,type,name,address,phone,email,language
Klaipėda,police,Klaipėdos apskrities policija (naujas adresas),Bangų g. 9,+370 46 100009,klp@policija.lt,lt
Baku,court,Baku City Court,Nizami st. 1,+994 12 000000,court@baku.az,az
";

/// The coordination centre seals a return bundle for the centre and returns its path.
fn return_bundle(k: &mut Site, to: &str, name: &str) -> PathBuf {
    let out = path(k, name);
    k.store.export_bundle(to, &out, None).unwrap();
    out
}

fn version_in_force(store: &Store, kind: &str, id: &str) -> Option<(String, String)> {
    store
        .reference_status()
        .unwrap()
        .in_force
        .into_iter()
        .find(|r| r.kind == kind && r.item_id == id)
        .map(|r| (r.version, r.source))
}

#[test]
fn reference_data_reaches_a_centre_through_return_bundles_and_stale_versions_change_nothing() {
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut c = site("KLP-01", Country::Lt, Mode::Centre);
    enrol(&mut k, &mut c);

    // A centre may not keep its own directory: it comes from the coordination centre.
    let e = c.store.import_directory_csv(DIRECTORY_V1).unwrap_err();
    assert!(e.to_string().contains("coordination centre"), "{e}");

    let first = k.store.import_directory_csv(DIRECTORY_V1).unwrap();
    assert_eq!((first.version.as_str(), first.agencies), ("1", 3));
    k.store
        .import_instrument(&pack("count-v1.json", "shippable"))
        .unwrap();
    k.store
        .import_instrument(&pack("count-v2.json", "shippable"))
        .unwrap();
    k.store
        .import_instrument(&pack("weighted-v1.json", "local_only"))
        .unwrap();

    // What the return bundle will attach: the directory and the newest shippable pack; not
    // the local-only pack, not the built-in code lists (the centre never reported older ones).
    let preview = k.store.export_preview("KLP-01").unwrap();
    let attached: Vec<(String, String, String)> = preview
        .reference
        .iter()
        .map(|r| (r.kind.clone(), r.item_id.clone(), r.version.clone()))
        .collect();
    assert_eq!(
        attached,
        vec![
            ("instrument_pack".into(), "test-count".into(), "2".into()),
            ("directory".into(), "directory".into(), "1".into()),
        ]
    );
    let r1 = return_bundle(&mut k, "KLP-01", "r1.atrama");
    assert!(version_in_force(&c.store, "directory", "directory").is_none());

    // The directory changes: version 2.
    let second = k.store.import_directory_csv(DIRECTORY_V2).unwrap();
    assert_eq!((second.version.as_str(), second.previous), ("2", 3));
    let r2 = return_bundle(&mut k, "KLP-01", "r2.atrama");

    // The newer bundle arrives first.
    let s2 = c.store.import_bundle(&r2, false).unwrap();
    let outcomes: Vec<(String, String)> = s2
        .reference
        .iter()
        .map(|r| (r.kind.clone(), r.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("instrument_pack".into(), "applied".into()),
            ("directory".into(), "applied".into())
        ]
    );
    assert_eq!(
        version_in_force(&c.store, "directory", "directory"),
        Some(("2".into(), "KOORD".into()))
    );
    let status = c.store.reference_status().unwrap();
    let dir = status
        .in_force
        .iter()
        .find(|r| r.kind == "directory")
        .unwrap();
    assert_eq!(dir.bundle_id.as_deref(), Some(s2.bundle_id.as_str()));
    assert!(!dir.applied_at.is_empty());
    assert_eq!(status.agencies, 2);
    let courts = c.store.directory(Some("court")).unwrap();
    assert_eq!(courts.len(), 1);
    assert_eq!(courts[0].name, "Baku City Court");
    assert_eq!(courts[0].language, "az");
    assert!(
        c.store
            .instruments()
            .unwrap()
            .iter()
            .any(|i| i.id == "test-count" && i.version == 2)
    );

    // The older bundle arrives late: its directory is stale and changes nothing.
    let s1 = c.store.import_bundle(&r1, false).unwrap();
    assert_eq!(s1.outcome, "applied");
    let dir1 = s1.reference.iter().find(|r| r.kind == "directory").unwrap();
    assert_eq!(dir1.outcome, "stale");
    assert!(
        dir1.reason
            .as_deref()
            .unwrap()
            .contains("version 2 is in force")
    );
    let pack1 = s1
        .reference
        .iter()
        .find(|r| r.kind == "instrument_pack")
        .unwrap();
    assert_eq!(pack1.outcome, "unchanged");
    assert_eq!(
        version_in_force(&c.store, "directory", "directory"),
        Some(("2".into(), "KOORD".into()))
    );
    assert_eq!(c.store.directory(None).unwrap().len(), 2);
    // Replaying a bundle is a no-op, as always.
    assert_eq!(
        c.store.import_bundle(&r2, false).unwrap().outcome,
        "already_applied"
    );
    // The log keeps what became of each item.
    let log = c.store.reference_status().unwrap().log;
    assert!(log.iter().any(|l| l.outcome.outcome == "stale"));

    // The centre's next bundle reports what it has in force: the coordination centre then
    // attaches nothing more.
    let up = path(&c, "c1.atrama");
    c.store.export_bundle("KOORD", &up, None).unwrap();
    k.store.import_bundle(&up, false).unwrap();
    assert!(
        k.store
            .export_preview("KLP-01")
            .unwrap()
            .reference
            .is_empty()
    );
}

#[test]
fn bad_reference_data_is_rejected_with_its_reason_and_the_rest_of_the_bundle_applies() {
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut c = site("KLP-01", Country::Lt, Mode::Centre);
    enrol(&mut k, &mut c);
    // The centre sends a bundle, so that the return bundle has something to acknowledge.
    let up = path(&c, "c1.atrama");
    c.store.export_bundle("KOORD", &up, None).unwrap();
    k.store.import_bundle(&up, false).unwrap();

    k.store.import_directory_csv(DIRECTORY_V1).unwrap();
    // A directory whose content no longer checks (as if made by a newer coordinator with a
    // type this build does not know), with a matching hash.
    let body = r#"{"format":1,"version":"7","agencies":[{"id":"x","region":"Rīga","agency_type":"ombudsman","name":"Tiesībsargs","address":"Baznīcas 25","phone":"+371 6","email":"x@x.lv","language":"lv"}]}"#;
    let sha = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(body.as_bytes()))
    };
    k.store
        .dangerously_raw_connection()
        .execute(
            "UPDATE reference_item SET version = '7', body = ?1, sha256 = ?2 WHERE kind = 'directory'",
            [body, sha.as_str()],
        )
        .unwrap();
    let r = return_bundle(&mut k, "KLP-01", "r.atrama");
    let s = c.store.import_bundle(&r, false).unwrap();
    assert_eq!(s.outcome, "applied");
    assert_eq!(s.acknowledged, 1, "the acknowledgement still applies");
    let dir = s.reference.iter().find(|r| r.kind == "directory").unwrap();
    assert_eq!(dir.outcome, "rejected");
    assert!(
        dir.reason.as_deref().unwrap().contains("'ombudsman'"),
        "{:?}",
        dir.reason
    );
    assert!(version_in_force(&c.store, "directory", "directory").is_none());
    assert!(c.store.directory(None).unwrap().is_empty());
    assert_eq!(c.store.sync_status().unwrap()[0].unconfirmed_bundles, 0);
}

#[test]
fn newer_code_lists_travel_and_a_list_that_drops_a_code_is_refused() {
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut c = site("KLP-01", Country::Lt, Mode::Centre);
    enrol(&mut k, &mut c);
    let builtin = atrama::codes::builtin_text();
    let old_version = atrama::codes::CodeLists::builtin()
        .unwrap()
        .version()
        .to_owned();
    // Dropping a code is refused.
    let mut v: serde_json::Value = serde_json::from_str(builtin).unwrap();
    v["version"] = "2099.1.1".into();
    v["lists"]["referral_agency"]["codes"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["code"] != "probation");
    let e = k.store.load_code_lists(&v.to_string()).unwrap_err();
    assert!(e.to_string().contains("drops code 'probation'"), "{e}");
    // Adding one is fine.
    let mut v: serde_json::Value = serde_json::from_str(builtin).unwrap();
    v["version"] = "2099.1.1".into();
    v["lists"]["referral_agency"]["codes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"code": "victim_support", "labels": {
            "en": "Victim support service", "lt": "Pagalbos aukoms tarnyba",
            "lv": "Cietušo atbalsta dienests", "az": "Zərərçəkənlərə dəstək xidməti",
            "ru": "Служба помощи пострадавшим"}}));
    let text = v.to_string();
    k.store.load_code_lists(&text).unwrap();
    // The centre reports its (older) lists in its bundle; the return bundle then carries the
    // newer ones.
    let up = path(&c, "c1.atrama");
    c.store.export_bundle("KOORD", &up, None).unwrap();
    k.store.import_bundle(&up, false).unwrap();
    let preview = k.store.export_preview("KLP-01").unwrap();
    assert!(
        preview
            .reference
            .iter()
            .any(|r| r.kind == "code_lists" && r.version == "2099.1.1")
    );
    let r = return_bundle(&mut k, "KLP-01", "r.atrama");
    // A dry run applies nothing.
    c.store.import_bundle(&r, true).unwrap();
    assert_eq!(
        version_in_force(&c.store, "code_lists", "codelists"),
        Some((old_version.clone(), "builtin".into()))
    );
    let s = c.store.import_bundle(&r, false).unwrap();
    assert_eq!(s.reference[0].outcome, "applied");
    assert_eq!(
        version_in_force(&c.store, "code_lists", "codelists"),
        Some(("2099.1.1".into(), "KOORD".into()))
    );
    // The new code is usable at once, and still after the store is opened again.
    assert_eq!(c.store.codes().version(), "2099.1.1");
    assert!(
        c.store
            .codes()
            .contains("referral_agency", "victim_support")
    );
    let dir = c.tmp.path().join("store");
    drop(c.store);
    let again = Store::unlock(&dir, "ona", &Passphrase::new("a passphrase for tests")).unwrap();
    assert_eq!(again.codes().version(), "2099.1.1");
}

// ---- referral letters -------------------------------------------------------------------

/// A case of "Rūta Jonaitė" with a police referral whose consent names `fields`.
fn referred_case(store: &mut Store, fields: &[&str]) -> (CaseId, ReferralId) {
    store
        .batch(|b| {
            let client = b.create_client(&client_fields("Rūta", "Jonaitė", "+370 612 34567"))?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: day("2026-10-01"),
                fields: case_fields("police", None),
            })?;
            let consent = b.record_consent(
                case,
                &ConsentFields {
                    purpose: "referral".into(),
                    agency_type: Some("police".into()),
                    given: true,
                    given_by: "self".into(),
                    on_date: day("2026-10-02"),
                    shared_fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                },
            )?;
            let referral = b.record_referral(
                case,
                &ReferralFields {
                    on_date: day("2026-10-03"),
                    agency_type: "police".into(),
                    status: "referred".into(),
                    consent_event_id: Some(consent),
                },
            )?;
            Ok((case, referral))
        })
        .unwrap()
}

#[test]
fn a_referral_letter_holds_exactly_the_consented_fields() {
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut c = site("KLP-01", Country::Lt, Mode::Centre);
    enrol(&mut k, &mut c);
    k.store.import_directory_csv(DIRECTORY_V1).unwrap();
    let r = return_bundle(&mut k, "KLP-01", "r.atrama");
    c.store.import_bundle(&r, false).unwrap();

    let (case, referral) = referred_case(&mut c.store, &["name", "contact_safety"]);
    let letter = c
        .store
        .create_referral_letter(referral, Some("klp-pol"), None)
        .unwrap();
    let fields: Vec<&str> = letter.lines.iter().map(|l| l.field.as_str()).collect();
    assert_eq!(fields, ["name", "contact_safety"]);
    assert_eq!(letter.lines[0].value, "Rūta Jonaitė");
    // The agency's language (Lithuanian) and its address from the directory.
    assert_eq!(letter.language, Language::Lt);
    assert_eq!(letter.text.title, "Nukreipimas");
    assert_eq!(letter.lines[0].label, "Vardas, pavardė");
    let to = letter.addressee.as_ref().unwrap();
    assert_eq!(to.address, "Bangų g. 1");
    // The consent it relies on, shown on the letter.
    let consents = c.store.case_detail(case).unwrap().consents;
    assert_eq!(letter.consent.id, consents[0].id);
    assert!(letter.text.consent_line.contains("2026-10-02"));
    // The excluded values appear nowhere in the letter.
    let all = serde_json::to_string(&letter).unwrap();
    for excluded in ["612 34567", "Pavyzdžio", "1988"] {
        assert!(!all.contains(excluded), "{excluded} leaked into the letter");
    }
    assert!(all.contains("say it is the pharmacy"));
    // Recorded with the letter, and logged.
    let listed = c.store.referral_letters(case).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].consent_event_id, consents[0].id);
    assert_eq!(listed[0].fields, ["name", "contact_safety"]);
    assert_eq!(listed[0].language, "lt");
    assert_eq!(listed[0].addressee, "Klaipėdos apskrities policija");
    assert_eq!(c.store.referral_letter(letter.id).unwrap(), letter);
    let log = c.store.access_log_for_case(case).unwrap();
    assert!(log.iter().any(|e| {
        e.action == "print"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("fields: name, contact_safety"))
    }));

    // Another letter, all fields: the phone and address now appear.
    let (_, all_ref) = referred_case(&mut c.store, &["name", "phone", "address", "birth_year"]);
    let full = c
        .store
        .create_referral_letter(all_ref, None, Some(Language::En))
        .unwrap();
    let text = serde_json::to_string(&full).unwrap();
    assert!(text.contains("612 34567") && text.contains("Pavyzdžio") && text.contains("1988"));
    assert_eq!(full.text.title, "Referral");

    // An agency of another type is refused; so is an unknown one.
    let e = c
        .store
        .create_referral_letter(referral, Some("klp-soc"), None)
        .unwrap_err();
    assert!(e.to_string().contains("not a"), "{e}");
}

#[test]
fn no_letter_without_a_consent_in_force_that_names_the_details() {
    let mut f = crate::case_record::store(Country::Lt);
    let (case, referral) = referred_case(&mut f.store, &[]);
    let e = f
        .store
        .create_referral_letter(referral, None, None)
        .unwrap_err();
    assert!(e.to_string().contains("which details"), "{e}");
    // A consent with details, then withdrawn: no letter.
    f.store
        .batch(|b| {
            b.record_consent(
                case,
                &ConsentFields {
                    purpose: "referral".into(),
                    agency_type: Some("police".into()),
                    given: true,
                    given_by: "self".into(),
                    on_date: day("2026-10-05"),
                    shared_fields: vec!["phone".into()],
                },
            )
        })
        .unwrap();
    assert!(f.store.create_referral_letter(referral, None, None).is_ok());
    f.store
        .batch(|b| {
            b.record_consent(
                case,
                &ConsentFields {
                    purpose: "referral".into(),
                    agency_type: Some("police".into()),
                    given: false,
                    given_by: "self".into(),
                    on_date: day("2026-10-06"),
                    shared_fields: Vec::new(),
                },
            )
        })
        .unwrap();
    let e = f
        .store
        .create_referral_letter(referral, None, None)
        .unwrap_err();
    assert!(e.to_string().contains("withdrawn"), "{e}");
    // A statistics consent cannot name details.
    let e = f
        .store
        .batch(|b| {
            b.record_consent(
                case,
                &ConsentFields {
                    purpose: "statistics".into(),
                    agency_type: None,
                    given: true,
                    given_by: "self".into(),
                    on_date: day("2026-10-06"),
                    shared_fields: vec!["name".into()],
                },
            )
        })
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}

// ---- case conferences ---------------------------------------------------------------------

#[test]
fn a_conference_records_actions_outcomes_and_puts_its_follow_up_in_the_queue() {
    let mut f = crate::case_record::store(Country::Lt);
    let (case, _) = referred_case(&mut f.store, &["name"]);
    let conf = f
        .store
        .record_conference(
            case,
            &ConferenceFields {
                held_on: day("2026-11-02"),
                agencies: vec!["police".into(), "social_services".into(), "police".into()],
                risk_level: "high".into(),
                follow_up_on: Some(day("2026-11-20")),
            },
            &[
                ConferenceActionFields {
                    description: "Apply for a protection order".into(),
                    owner_agency: "police".into(),
                    due_on: Some(day("2026-11-05")),
                },
                ConferenceActionFields {
                    description: "Safety plan review with the client".into(),
                    owner_agency: "own_centre".into(),
                    due_on: Some(day("2026-11-30")),
                },
            ],
        )
        .unwrap();
    let list = f.store.conferences(case).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].fields.agencies, ["police", "social_services"]);
    assert_eq!(list[0].actions.len(), 2);
    assert!(list[0].actions[0].overdue, "due 5 Nov, no outcome");

    // The follow-up shows in the work queue of the case's lead worker within a week.
    let queue = |store: &Store, today: &str| {
        atrama::queues::work_queues(
            store.dangerously_raw_connection(),
            "ona",
            Country::Lt,
            atrama::calendar::Holidays::builtin().unwrap(),
            day(today),
        )
        .unwrap()
        .conference_follow_ups
    };
    assert!(
        queue(&f.store, "2026-11-05").is_empty(),
        "more than a week ahead"
    );
    let due = queue(&f.store, "2026-11-15");
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].case.id, due[0].conference_id), (case, conf));
    assert!(!due[0].overdue);
    assert!(queue(&f.store, "2026-11-25")[0].overdue);
    assert!(
        atrama::queues::work_queues(
            f.store.dangerously_raw_connection(),
            "someone_else",
            Country::Lt,
            atrama::calendar::Holidays::builtin().unwrap(),
            day("2026-11-15"),
        )
        .unwrap()
        .conference_follow_ups
        .is_empty()
    );

    // Outcomes, recorded later; a second one must correct the first.
    let action = list[0].actions[0].id;
    let done = ActionOutcomeFields {
        outcome: "partly_done".into(),
        note: Some("applied; hearing set".into()),
        recorded_on: day("2026-11-06"),
    };
    let first = f.store.record_action_outcome(action, None, &done).unwrap();
    let e = f
        .store
        .record_action_outcome(action, None, &done)
        .unwrap_err();
    assert!(e.to_string().contains("already has an outcome"), "{e}");
    let fixed = ActionOutcomeFields {
        outcome: "done".into(),
        note: None,
        recorded_on: day("2026-11-10"),
    };
    let second = f
        .store
        .record_action_outcome(action, Some(first), &fixed)
        .unwrap();
    let list = f.store.conferences(case).unwrap();
    let a = &list[0].actions[0];
    assert_eq!(a.outcome.as_ref().unwrap().id, second);
    assert_eq!(a.outcome.as_ref().unwrap().fields.outcome, "done");
    assert!(!a.overdue);

    // A corrected conference keeps its actions; the follow-up moves with it.
    let corrected = f
        .store
        .correct_conference(
            conf,
            &ConferenceFields {
                held_on: day("2026-11-02"),
                agencies: vec!["police".into()],
                risk_level: "medium".into(),
                follow_up_on: Some(day("2026-12-01")),
            },
        )
        .unwrap();
    let list = f.store.conferences(case).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, corrected);
    assert_eq!(list[0].supersedes, Some(conf));
    assert_eq!(list[0].actions.len(), 2);
    assert!(queue(&f.store, "2026-11-15").is_empty());
    assert_eq!(queue(&f.store, "2026-11-28")[0].conference_id, corrected);

    // Checks: a known risk level, at least one agency, codes from the lists.
    let bad = |level: &str, agencies: Vec<String>| ConferenceFields {
        held_on: day("2026-11-02"),
        agencies,
        risk_level: level.into(),
        follow_up_on: None,
    };
    assert!(
        f.store
            .record_conference(case, &bad("extreme", vec!["police".into()]), &[])
            .is_err()
    );
    assert!(
        f.store
            .record_conference(case, &bad("high", vec![]), &[])
            .is_err()
    );
    assert!(
        f.store
            .record_conference(case, &bad("high", vec!["spaceship".into()]), &[])
            .is_err()
    );
}

/// A letter is made from the referral as it stands in a live case: not from a version a
/// correction replaced (a stale page: the referral now goes to another agency), and not in
/// a case that was deleted.
#[test]
fn no_letter_from_a_corrected_referral_or_in_a_deleted_case() {
    let mut f = crate::case_record::store(Country::Lt);
    let (_, referral) = referred_case(&mut f.store, &["name"]);
    let corrected = f
        .store
        .batch(|b| {
            b.correct_referral(
                referral,
                &ReferralFields {
                    on_date: day("2026-10-03"),
                    agency_type: "state_legal_aid".into(),
                    status: "referred".into(),
                    consent_event_id: None,
                },
            )
        })
        .unwrap();
    let e = f
        .store
        .create_referral_letter(referral, None, None)
        .unwrap_err();
    assert!(e.to_string().contains("corrected"), "{e}");
    // The corrected referral has no consent for its agency: no letter either.
    assert!(
        f.store
            .create_referral_letter(corrected, None, None)
            .is_err()
    );

    let (case, referral) = referred_case(&mut f.store, &["name"]);
    f.store.batch(|b| b.delete(case)).unwrap();
    let e = f
        .store
        .create_referral_letter(referral, None, None)
        .unwrap_err();
    assert!(e.to_string().contains("deleted"), "{e}");
    let letters: i64 = f
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM referral_letter WHERE case_id = ?1",
            [case.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(letters, 0, "no letter recorded in the deleted case");
}
