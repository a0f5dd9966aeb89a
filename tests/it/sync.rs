//! Sync end to end through the core: enrolment, export, import, acknowledgement, order
//! independence, refusals with their own messages, and what a pseudonymised bundle leaves out.

use std::path::{Path, PathBuf};

use crate::site::{Site, enrol, site};
use atrama::cases::{CaseFields, CaseFilter, ServiceContactFields};
use atrama::{Country, ErrorCode, Mode, Passphrase, Store};
use chrono::NaiveDate;

fn demo(site: &mut Site, clients: u32) {
    atrama::demo::generate(
        &mut site.store,
        &atrama::demo::DemoOptions {
            clients,
            months: 24,
            seed: 3,
            today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        },
    )
    .unwrap();
}

/// Each side enrols the other, as after a phone call comparing fingerprints.
fn out(site: &Site, name: &str) -> PathBuf {
    site.dir.parent().unwrap().join(name)
}

/// A case the centre's bundles share (its client's newest statistics consent is given). The
/// coordinator's copy has another id: payload format 2 derives ids for each recipient.
fn shared_case(centre: &Store) -> atrama::ids::CaseId {
    let id: String = centre
        .dangerously_raw_connection()
        .query_row(
            "SELECT c.id FROM case_file c WHERE
               (SELECT e.given FROM consent_event e
                WHERE e.case_id = c.id AND e.purpose = 'statistics' AND e.deleted_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM consent_event n WHERE n.supersedes = e.id)
                ORDER BY e.on_date DESC, e.hlc DESC LIMIT 1) = 1
             ORDER BY c.id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    atrama::ids::CaseId::parse(&id).unwrap()
}

/// The replicated state: every record's table, id and version.
fn state(store: &Store) -> Vec<(String, String, i64, bool)> {
    let conn = store.dangerously_raw_connection();
    let mut all = Vec::new();
    for table in atrama::sync::payload::TABLES {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT id, hlc, deleted_at IS NOT NULL FROM {table} ORDER BY id"
            ))
            .unwrap();
        for row in stmt
            .query_map([], |r| {
                Ok((
                    (*table).to_owned(),
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })
            .unwrap()
        {
            all.push(row.unwrap());
        }
    }
    all
}

#[test]
fn a_wrong_fingerprint_pins_nothing() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let file = coord.store.enrolment_file().unwrap();
    let info = centre.store.inspect_enrolment(&file).unwrap();
    assert_eq!(info.centre_code, "KOORD");
    let err = centre
        .store
        .enrol(&file, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
        .unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
    assert!(centre.store.peers().unwrap().is_empty());
    // Typed in lower case with spaces, the right one is accepted.
    let typed = info.fingerprint.short.to_lowercase().replace('-', " ");
    centre.store.enrol(&file, &typed).unwrap();
    assert_eq!(centre.store.peers().unwrap().len(), 1);
    // A changed file (another name under the same signature) is refused.
    let forged = file.replace("KOORD test site", "Someone else");
    let err = centre.store.inspect_enrolment(&forged).unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");
}

#[test]
fn round_trip_centre_to_coordinator_and_back() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    demo(&mut centre, 40);
    enrol(&mut centre, &mut coord);

    let preview = centre.store.export_preview("KOORD").unwrap();
    let sent_cases = preview.counts["case_file"];
    assert!(
        sent_cases > 0 && sent_cases < 40,
        "only consenting clients: {preview:?}"
    );
    assert!(preview.cases_without_consent > 0);
    assert!(!preview.fields["client"].contains(&"family_name".to_owned()));
    let first = out(&centre, "klp-1.atrama");
    let report = centre.store.export_bundle("KOORD", &first, None).unwrap();
    assert_eq!(report.preview, preview);
    assert_eq!(report.preview.sequence, 1);

    let summary = coord.store.import_bundle(&first, false).unwrap();
    assert_eq!(summary.outcome, "applied");
    assert_eq!(summary.sender, "KLP-01");
    for (table, n) in &preview.counts {
        assert_eq!(
            summary.tables.get(table).map_or(0, |c| c.new),
            *n,
            "{table}: {summary:?}"
        );
    }
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    assert_eq!(
        coord
            .store
            .case_list(&CaseFilter {
                limit: Some(1000),
                ..CaseFilter::default()
            })
            .unwrap()
            .len() as u64,
        sent_cases
    );
    // The coordinator cannot change a centre's record.
    let case = coord.store.case_list(&CaseFilter::default()).unwrap()[0].id;
    let err = coord
        .store
        .batch(|b| {
            b.update_case(
                case,
                &CaseFields {
                    referral_source: "self".into(),
                    police_notified_on: None,
                    intake_outcome: "accepted".into(),
                    lead_worker: None,
                    team: vec![],
                    follow_up_on: None,
                },
            )
        })
        .unwrap_err();
    assert!(err.to_string().contains("KLP-01"), "{err}");

    // Importing the same file again changes nothing and says so.
    let before = state(&coord.store);
    let again = coord.store.import_bundle(&first, false).unwrap();
    assert_eq!(again.outcome, "already_applied");
    assert_eq!(state(&coord.store), before);

    // Until the coordinator confirms, the centre re-sends everything.
    assert_eq!(
        centre.store.export_preview("KOORD").unwrap().counts,
        preview.counts
    );
    let ret = out(&coord, "ack-1.atrama");
    let r = coord.store.export_bundle("KLP-01", &ret, None).unwrap();
    assert_eq!(r.preview.acks, 1);
    let ack = centre.store.import_bundle(&ret, false).unwrap();
    assert_eq!(ack.acknowledged, 1);
    let status = centre.store.sync_status().unwrap();
    assert_eq!(status[0].pending_changes, 0);
    assert_eq!(status[0].unconfirmed_bundles, 0);
    assert!(status[0].last_confirmed_at.is_some());
    assert_eq!(status[0].last_confirmed_sequence, Some(1));
    assert_eq!(
        centre
            .store
            .export_preview("KOORD")
            .unwrap()
            .counts
            .values()
            .sum::<u64>(),
        0
    );

    // One new service contact in a shared case → a bundle with exactly that.
    let shared = shared_case(&centre.store);
    centre
        .store
        .batch(|b| {
            b.log_service_contact(
                shared,
                &ServiceContactFields {
                    on_date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
                    discipline: "legal".into(),
                    mode: "phone".into(),
                    minutes: 25,
                    is_group: false,
                    staff: None,
                },
            )
        })
        .unwrap();
    let second = out(&centre, "klp-2.atrama");
    let report = centre.store.export_bundle("KOORD", &second, None).unwrap();
    assert_eq!(report.preview.counts.values().sum::<u64>(), 1);
    let s = coord.store.import_bundle(&second, false).unwrap();
    assert_eq!(s.tables["service_contact"].new, 1);
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    assert_eq!(
        coord.store.sync_status().unwrap()[0].last_received_sequence,
        Some(2)
    );
}

#[test]
fn bundles_in_any_order_give_the_same_state() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    demo(&mut centre, 12);
    enrol(&mut centre, &mut coord);
    // The coordinator's store, closed, is the template every order starts from.
    let template = coord.dir.clone();
    let coordtmp = coord.tmp;
    drop(coord.store);
    let cases = centre.store.case_list(&CaseFilter::default()).unwrap();
    // Three bundles, none acknowledged, with changes to the same cases in between.
    let mut files = Vec::new();
    for (i, day) in [5u32, 6, 7].into_iter().enumerate() {
        if i > 0 {
            centre
                .store
                .batch(|b| {
                    for c in cases.iter().filter(|c| c.status == "open") {
                        b.update_case(
                            c.id,
                            &CaseFields {
                                referral_source: "self".into(),
                                police_notified_on: None,
                                intake_outcome: "accepted".into(),
                                lead_worker: None,
                                team: vec![],
                                follow_up_on: NaiveDate::from_ymd_opt(2026, 12, day),
                            },
                        )?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        let f = out(&centre, &format!("b{i}.atrama"));
        centre.store.export_bundle("KOORD", &f, None).unwrap();
        files.push(f);
    }
    let orders: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut states = Vec::new();
    for order in orders {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        copy_dir(&template, &dir);
        let mut c = Store::dangerously_unlock_without_lock(
            &dir,
            "ona",
            &Passphrase::new("a passphrase for tests"),
        )
        .unwrap();
        for &i in &order {
            let s = c.import_bundle(&files[i], false).unwrap();
            assert!(s.rejected.is_empty(), "{:?}", s.rejected);
        }
        let settled = state(&c);
        // Replaying the oldest bundle afterwards changes nothing.
        let replay = c.import_bundle(&files[0], false).unwrap();
        assert_eq!(replay.outcome, "already_applied");
        assert_eq!(state(&c), settled);
        states.push(settled);
    }
    assert!(!states[0].is_empty());
    for s in &states[1..] {
        assert_eq!(s, &states[0]);
    }
    // The newest version of each changed case won, whatever the order.
    drop(coordtmp);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn refusals_say_what_happened_and_change_nothing() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut other = site("RIGA", Country::Lt, Mode::Coordinator);
    demo(&mut centre, 6);
    enrol(&mut centre, &mut coord);
    let file = out(&centre, "k.atrama");
    centre.store.export_bundle("KOORD", &file, None).unwrap();
    let bytes = std::fs::read(&file).unwrap();

    // Sealed for KOORD; RIGA has not even enrolled the centre.
    let err = other.store.import_bundle(&file, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongRecipient, "{err}");
    assert!(err.to_string().contains("RIGA"), "{err}");
    // A centre's bundle from a sender nobody enrolled: a second centre's bundle to KOORD.
    let mut stranger = site("LIE-01", Country::Lt, Mode::Centre);
    demo(&mut stranger, 3);
    let coord_file = coord.store.enrolment_file().unwrap();
    let coord_fp = coord.store.fingerprint().unwrap().short;
    stranger.store.enrol(&coord_file, &coord_fp).unwrap();
    let strange = out(&stranger, "s.atrama");
    stranger
        .store
        .export_bundle("KOORD", &strange, None)
        .unwrap();
    let err = coord.store.import_bundle(&strange, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownSender, "{err}");
    assert!(err.to_string().contains("enrol"), "{err}");

    let before = state(&coord.store);
    // Every single-byte change and every truncation is refused, and nothing is applied.
    let bad = out(&coord, "bad.atrama");
    let mut refused = 0;
    // (Every byte and every truncation of a small bundle is covered at the format level in
    // `bundle::format`; here a spread of positions goes through the whole import.)
    for i in (0..bytes.len()).step_by(97) {
        let mut b = bytes.clone();
        b[i] ^= 0x20;
        std::fs::write(&bad, &b).unwrap();
        assert!(
            coord.store.import_bundle(&bad, false).is_err(),
            "flip at {i}"
        );
        refused += 1;
    }
    for cut in (0..bytes.len()).step_by(211) {
        std::fs::write(&bad, &bytes[..cut]).unwrap();
        assert!(
            coord.store.import_bundle(&bad, false).is_err(),
            "cut at {cut}"
        );
        refused += 1;
    }
    assert!(refused > 10);
    assert_eq!(state(&coord.store), before);
    // A newer format version has its own message.
    let mut newer = bytes.clone();
    newer[9] = 9;
    std::fs::write(&bad, &newer).unwrap();
    let err = coord.store.import_bundle(&bad, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NewerVersion, "{err}");
    // The untouched file still imports, and every refusal was logged.
    assert_eq!(
        coord.store.import_bundle(&file, false).unwrap().outcome,
        "applied"
    );
    let history = coord.store.import_history(10_000).unwrap();
    assert!(history.iter().filter(|h| h.outcome == "refused").count() >= refused);
    // A dry run of a new bundle counts but changes nothing.
    let mut centre2 = centre;
    let file2 = out(&centre2, "k2.atrama");
    let shared = shared_case(&centre2.store);
    centre2
        .store
        .batch(|b| {
            b.log_service_contact(
                shared,
                &ServiceContactFields {
                    on_date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
                    discipline: "social_work".into(),
                    mode: "in_person".into(),
                    minutes: 50,
                    is_group: false,
                    staff: None,
                },
            )
        })
        .unwrap();
    centre2.store.export_bundle("KOORD", &file2, None).unwrap();
    let before = state(&coord.store);
    let dry = coord.store.import_bundle(&file2, true).unwrap();
    assert_eq!(dry.outcome, "dry_run");
    assert_eq!(state(&coord.store), before);
    assert_eq!(
        coord.store.import_bundle(&file2, false).unwrap().outcome,
        "applied"
    );
}

#[test]
fn a_pseudonymised_bundle_carries_no_protected_value() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    demo(&mut centre, 60);
    enrol(&mut centre, &mut coord);
    let file = out(&centre, "k.atrama");
    let report = centre.store.export_bundle("KOORD", &file, None).unwrap();
    assert!(report.preview.counts["client"] > 0);
    // The preview names what stays at the centre, and no column both leaves and stays.
    for col in ["given_name", "family_name", "phone", "address"] {
        assert!(
            report.preview.withheld["client"].contains(&col.to_owned()),
            "{col}: {:?}",
            report.preview.withheld["client"]
        );
    }
    for (table, staying) in &report.preview.withheld {
        for col in staying {
            assert!(!report.preview.fields[table].contains(col), "{table}.{col}");
        }
    }
    let payload = coord.store.read_bundle_payload(&file).unwrap();
    let mut checked = 0;
    for c in centre
        .store
        .case_list(&CaseFilter {
            limit: Some(1000),
            ..CaseFilter::default()
        })
        .unwrap()
    {
        let d = centre.store.case_detail(c.id).unwrap();
        let id = centre.store.client_identity(d.client.id).unwrap();
        for value in [id.given_name, id.family_name, id.phone, id.address]
            .into_iter()
            .flatten()
            .chain(d.client.contact_safety.if_someone_else_answers.clone())
        {
            assert!(!payload.contains(&value), "'{value}' left the centre");
            checked += 1;
        }
        for n in &d.notes {
            assert!(!payload.contains(&n.fields.body), "a note left the centre");
        }
        for s in &d.service_contacts {
            if let Some(staff) = &s.fields.staff {
                assert!(
                    !payload.contains(&format!("\"{staff}\"")),
                    "staff name left"
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} values checked");
    // Dates travel as months.
    assert!(
        !payload.contains("-15\""),
        "a day of the month left the centre"
    );
}

#[test]
fn several_files_import_one_by_one_and_report_each() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    demo(&mut centre, 20);
    enrol(&mut centre, &mut coord);
    let good = out(&centre, "klp-1.atrama");
    centre.store.export_bundle("KOORD", &good, None).unwrap();
    // A damaged copy: one byte flipped in the middle.
    let mut bytes = std::fs::read(&good).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    let damaged = out(&centre, "klp-1-damaged.atrama");
    std::fs::write(&damaged, &bytes).unwrap();
    // A return bundle meant for the centre, given to the coordinator by mistake: sealed for
    // another store.
    let elsewhere = out(&coord, "ack.atrama");
    coord
        .store
        .export_bundle("KLP-01", &elsewhere, None)
        .unwrap();

    let files = vec![
        damaged.clone(),
        good.clone(),
        good.clone(),
        elsewhere.clone(),
    ];
    let mut events = Vec::new();
    let results = coord
        .store
        .import_bundles(&files, false, |e| events.push(e.clone()));
    assert_eq!(results.len(), 4);
    assert_eq!(
        results[0].refused.as_ref().map(|r| r.code),
        Some(ErrorCode::BundleDamaged),
        "{:?}",
        results[0]
    );
    assert!(results[0].summary.is_none());
    assert_eq!(results[0].file_name, "klp-1-damaged.atrama");
    assert_eq!(results[1].summary.as_ref().unwrap().outcome, "applied");
    assert_eq!(
        results[2].summary.as_ref().unwrap().outcome,
        "already_applied"
    );
    let wrong = results[3].refused.as_ref().unwrap();
    assert_eq!(wrong.code, ErrorCode::WrongRecipient, "{}", wrong.message);
    assert!(wrong.message.contains("KLP-01"), "{}", wrong.message);

    // The records of the applied file are reported as they go, and at the end.
    let records: Vec<(u32, u64, u64)> = events
        .iter()
        .filter_map(|e| match e {
            atrama::sync::ImportEvent::Records { index, done, total } => {
                Some((*index, *done, *total))
            }
            _ => None,
        })
        .collect();
    let n = {
        let t = results[1].summary.as_ref().unwrap().totals();
        t.new + t.updated + t.unchanged + t.rejected
    };
    assert!(n > 0);
    assert_eq!(records.last(), Some(&(1, n, n)));
    assert_eq!(
        records.len() as u64,
        n / atrama::sync::import::PROGRESS_EVERY + 1
    );
    assert!(records.windows(2).all(|w| w[0].1 < w[1].1));
    events.retain(|e| !matches!(e, atrama::sync::ImportEvent::Records { .. }));
    // Each file is announced, then reported, in order.
    assert_eq!(events.len(), 8);
    for (i, pair) in events.chunks(2).enumerate() {
        match (&pair[0], &pair[1]) {
            (
                atrama::sync::ImportEvent::Started {
                    index,
                    total,
                    file_name,
                },
                atrama::sync::ImportEvent::Finished {
                    index: done,
                    result,
                    ..
                },
            ) => {
                assert_eq!((*index as usize, *total, *done as usize), (i, 4, i));
                assert_eq!(file_name, &results[i].file_name);
                assert_eq!(**result, results[i]);
            }
            other => panic!("unexpected events {other:?}"),
        }
    }
    // Every attempt is in the import history, refusals with their reason.
    let history = coord.store.import_history(10).unwrap();
    let outcomes: Vec<&str> = history.iter().map(|h| h.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["refused", "already_applied", "applied", "refused"]
    );
    assert!(
        history[3].summary.contains("damaged"),
        "{}",
        history[3].summary
    );
}

#[test]
fn a_period_is_two_real_months_in_order() {
    use atrama::bundle::Period;
    let p = Period::months("2026-09", " 2026-11 ").unwrap();
    assert_eq!((p.from.as_str(), p.to.as_str()), ("2026-09", "2026-11"));
    for (from, to) in [
        ("2026-13", "2026-13"),
        ("2026-9", "2026-10"),
        ("oct", "2026-10"),
    ] {
        let err = Period::months(from, to).unwrap_err();
        assert!(err.to_string().contains("YYYY-MM"), "{err}");
    }
    let err = Period::months("2026-11", "2026-10").unwrap_err();
    assert!(err.to_string().contains("swap"), "{err}");
}

/// A case moves to another centre only with the client's consent: the receiving centre gets
/// a new case of its own with the client's details, incidents, children, orders, notes and
/// documents, and the sending centre's work as read-only history; the sender's case is
/// closed as transferred, once.
#[test]
fn a_case_moves_to_another_centre_with_the_clients_consent() {
    use atrama::cases::{ConsentFields, NoteFields};
    let mut a = site("KLP-01", Country::Lt, Mode::Centre);
    let mut b = site("LIE-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    demo(&mut a, 30);
    enrol(&mut a, &mut b);
    enrol(&mut a, &mut coord);

    // An open demo case with service contacts and incidents.
    let case = a
        .store
        .case_list(&CaseFilter {
            status: Some("open".into()),
            limit: Some(1000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| a.store.case_detail(c.id).unwrap())
        .find(|d| !d.service_contacts.is_empty() && !d.incidents.is_empty())
        .expect("a demo case with contacts");
    let id = case.case.id;
    // ~7 MB that do not compress: more than two parts of a document line.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let document: Vec<u8> = (0..7_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    a.store
        .batch(|w| {
            w.add_note(
                id,
                &NoteFields {
                    body: "Marker-note-7Q2 about the move".into(),
                    restricted_to: None,
                },
            )?;
            w.attach_document(id, "court order.pdf", "application/pdf", &document)?;
            Ok(())
        })
        .unwrap();
    let file = out(&a, "transfer.atrama");

    // No consent, no transfer; never to a coordination centre.
    let err = a.store.transfer_case(id, "LIE-01", &file).unwrap_err();
    assert!(err.to_string().contains("consent"), "{err}");
    assert!(!file.exists());
    let consent = ConsentFields {
        purpose: "case_transfer".into(),
        agency_type: None,
        given: true,
        given_by: "self".into(),
        on_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        shared_fields: Vec::new(),
    };
    a.store.batch(|w| w.record_consent(id, &consent)).unwrap();
    let err = a.store.transfer_case(id, "KOORD", &file).unwrap_err();
    assert!(err.to_string().contains("coordination centre"), "{err}");

    let report = a.store.transfer_case(id, "LIE-01", &file).unwrap();
    assert_eq!(report.documents, 1);
    assert!(report.size > 7_000_000, "{report:?}");
    let closed = a.store.case(id).unwrap();
    assert_eq!(closed.closure_reason.as_deref(), Some("transferred"));
    let err = a.store.transfer_case(id, "LIE-01", &file).unwrap_err();
    assert!(err.to_string().contains("already transferred"), "{err}");
    let out_record = a.store.case_transfers(id).unwrap();
    assert_eq!(out_record[0].direction, "out");
    assert_eq!(out_record[0].peer_centre, "LIE-01");
    // It is LIE-01's case now: it cannot be reopened here (a case closed as transferred by
    // hand, with no transfer bundle, still can: `case_record` tests).
    let on = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let err = a
        .store
        .batch(|w| w.reopen_case(id, on, Some("came back")))
        .unwrap_err();
    assert!(err.to_string().contains("transferred to LIE-01"), "{err}");
    assert_eq!(a.store.case(id).unwrap().status, "transferred");

    // Sealed for LIE-01: the coordination centre cannot even open it.
    let err = coord.store.import_bundle(&file, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongRecipient, "{err}");

    // A dry run creates nothing.
    let before = b.store.case_list(&CaseFilter::default()).unwrap().len();
    let dry = b.store.import_bundle(&file, true).unwrap();
    assert_eq!(dry.outcome, "dry_run");
    assert_eq!(
        b.store.case_list(&CaseFilter::default()).unwrap().len(),
        before
    );

    let summary = b.store.import_bundle(&file, false).unwrap();
    assert_eq!(summary.outcome, "applied", "{summary:?}");
    assert_eq!(summary.kind, atrama::bundle::BundleKind::Transfer);
    let cases = b.store.case_list(&CaseFilter::default()).unwrap();
    assert_eq!(cases.len(), before + 1);
    let new = b.store.case_detail(cases[0].id).unwrap();
    assert!(
        new.case.case_number.starts_with("LIE-01-"),
        "{}",
        new.case.case_number
    );
    assert!(
        summary
            .notes
            .iter()
            .any(|n| n.contains(&new.case.case_number))
    );
    assert_eq!(new.case.status, "open");
    assert_eq!(new.case.follow_up_on, Some(chrono::Utc::now().date_naive()));
    // The client as the sending centre knew her, under the receiving centre's pseudonym.
    let them = a.store.client_identity(case.client.id).unwrap();
    let here = b.store.client_identity(new.client.id).unwrap();
    assert_eq!(here, them);
    assert_ne!(new.client.pseudonym, case.client.pseudonym);
    assert_eq!(new.client.contact_safety, case.client.contact_safety);
    assert_eq!(new.incidents.len(), case.incidents.len());
    assert_eq!(new.children.len(), case.children.len());
    assert_eq!(new.protection_orders.len(), case.protection_orders.len());
    assert!(new.notes.iter().any(
        |n| n.fields.body.contains("Marker-note-7Q2") && n.fields.body.starts_with("[KLP-01 ")
    ));
    let (media, content) = b.store.document_content(new.documents[0].id).unwrap();
    assert_eq!(media, "application/pdf");
    assert_eq!(content, document);
    // The consent it relied on is on record here too.
    assert!(
        new.consents
            .iter()
            .any(|c| c.fields.purpose == "case_transfer")
    );
    // The sending centre's work is history, not this centre's services.
    assert!(new.service_contacts.is_empty());
    assert!(new.referrals.is_empty());
    let transfers = b.store.case_transfers(new.case.id).unwrap();
    assert_eq!(transfers.len(), 1);
    let history = transfers[0].history.as_ref().unwrap();
    assert_eq!(transfers[0].direction, "in");
    assert_eq!(transfers[0].from_case_number, case.case.case_number);
    assert_eq!(history.service_contacts.len(), case.service_contacts.len());
    assert!(history.service_contacts.iter().all(|s| s.staff.is_none()));
    assert_eq!(history.opened_on, Some(case.case.opened_on));

    // Again: already applied, nothing new.
    let again = b.store.import_bundle(&file, false).unwrap();
    assert_eq!(again.outcome, "already_applied");
    assert_eq!(
        b.store.case_list(&CaseFilter::default()).unwrap().len(),
        before + 1
    );
}

/// A bundle of format 1 as an Atrama before payload format 2 wrote it (UUIDv7 ids, HLC
/// versions), sealed with the centre's own keys for the coordinator: one client and its case.
fn format_1_bundle(
    centre: &Store,
    coord: &Store,
    path: &Path,
    sequence: u64,
    client: &str,
    case: &str,
) {
    sealed_by_hand(centre, coord, path, sequence, client, case, (1, 11, 1));
}

/// A bundle sealed by hand with the centre's keys: `(format version, schema_version,
/// payload_format)`, one client and its case in the rows of payload format 1.
fn sealed_by_hand(
    centre: &Store,
    coord: &Store,
    path: &Path,
    sequence: u64,
    client: &str,
    case: &str,
    (format_version, schema_version, payload_format): (u16, i64, u32),
) {
    use atrama::bundle::format::{self, BundleKind, OpeningKey, Routing};
    let keys = |s: &Store| -> (Vec<u8>, Vec<u8>) {
        s.dangerously_raw_connection()
            .query_row(
                "SELECT x25519_secret, ed25519_secret FROM sync_identity",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let (cx, ce) = keys(centre);
    let (kx, _) = keys(coord);
    let signer = ed25519_dalek::SigningKey::from_bytes(&ce.try_into().unwrap());
    let sender = atrama::sync::Fingerprint::of(
        &OpeningKey::from_bytes(&cx).unwrap().public().to_bytes(),
        &signer.verifying_key().to_bytes(),
    );
    let recipient_key = OpeningKey::from_bytes(&kx).unwrap().public();
    let recipient = coord.fingerprint().unwrap();
    let routing = Routing {
        bundle_id: uuid::Uuid::now_v7(),
        kind: BundleKind::CentreExport,
        sender: sender.hex,
        recipient: recipient.hex,
        sequence,
        period: None,
        created_at: "2026-11-01T08:00:00+00:00".into(),
        app_version: "0.1.0".into(),
        schema_version,
        codes_version: "2026.11.1".into(),
        prev_hash: None,
    };
    let hlc = 117_740_238_952_595_467_i64;
    let payload = [
        format!(r#"{{"type":"manifest","payload_format":{payload_format},"centre":"KLP-01","sharing":"pseudonymised","change_seq_from":0,"change_seq_to":2,"counts":{{"case_file":1,"client":1}},"withdrawn":0,"fields":{{}}}}"#),
        format!(r#"{{"type":"record","table":"client","row":{{"id":"{client}","owner_centre":"KLP-01","owner_install":"{client}","hlc":{hlc},"created_at":"2026-10-01T00:00:00+00:00","created_by":"","deleted_at":null,"pseudonym":"KLP-01:{client}","sex":"female","age_band":"25-34","disability":"no","migrant":"no","safe_to_call":"unknown","safe_to_text":"unknown","safe_to_visit":"unknown"}}}}"#),
        format!(r#"{{"type":"record","table":"case_file","row":{{"id":"{case}","owner_centre":"KLP-01","owner_install":"{client}","hlc":{hlc},"created_at":"2026-10-01T00:00:00+00:00","created_by":"","deleted_at":null,"client_id":"{client}","case_number":"KLP-01-2026-9{sequence}","opened_on":"2026-10-01","referral_source":"police","police_notified_on":null,"first_contact_on":null,"intake_outcome":"accepted","status":"open","closed_on":null,"closure_reason":null,"lead_worker":"","updated_at":"2026-10-01T00:00:00+00:00"}}}}"#),
        r#"{"type":"end","records":2,"withdrawn":0,"acks":0}"#.to_owned(),
    ]
    .join("\n")
        + "\n";
    let mut w = format::seal_format(
        Vec::new(),
        format_version,
        routing,
        &recipient_key,
        &signer,
        &mut rand_core_09::UnwrapErr(rand_core_09::OsRng),
    )
    .unwrap();
    std::io::Write::write_all(&mut w, payload.as_bytes()).unwrap();
    std::fs::write(path, w.finish().unwrap().0).unwrap();
}

#[test]
fn a_centre_moving_to_format_2_restates_and_its_format_1_copies_are_replaced() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    demo(&mut centre, 30);
    enrol(&mut centre, &mut coord);
    let cases_at = |s: &Store, v7: bool| -> i64 {
        s.dangerously_raw_connection()
            .query_row(
                "SELECT count(*) FROM case_file WHERE (substr(id, 15, 1) = '7') = ?1",
                [v7],
                |r| r.get(0),
            )
            .unwrap()
    };
    // What an older Atrama at the centre sent and the coordinator confirmed: format 1
    // still imports.
    let old = out(&centre, "old.atrama");
    let (client, case) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    format_1_bundle(&centre.store, &coord.store, &old, 1, &client, &case);
    let s = coord.store.import_bundle(&old, false).unwrap();
    assert_eq!(s.outcome, "applied");
    assert!(s.rejected.is_empty(), "{:?}", s.rejected);
    assert_eq!(
        (cases_at(&coord.store, true), cases_at(&coord.store, false)),
        (1, 0)
    );
    let last: i64 = centre
        .store
        .dangerously_raw_connection()
        .query_row("SELECT max(seq) FROM change_log", [], |r| r.get(0))
        .unwrap();
    centre
        .store
        .dangerously_raw_connection()
        .execute(
            "INSERT INTO bundle_out (bundle_id, recipient, sequence, kind, sharing,
                 change_seq_from, change_seq_to, records, file_hash, created_at, created_by,
                 acked_at, payload_format)
             SELECT 'old', fingerprint, 1, 'centre_export', 'pseudonymised', 0, ?1, 2, 'x',
                    '2026-11-01', 'ona', '2026-11-02', 1 FROM sync_peer",
            [last],
        )
        .unwrap();

    // The first bundle of format 2 restates everything the centre shares, and the
    // coordinator replaces its format-1 copies with it.
    let new = out(&centre, "new.atrama");
    let report = centre.store.export_bundle("KOORD", &new, None).unwrap();
    assert_eq!(report.preview.change_seq_from, 0, "a full restatement");
    assert_eq!(report.preview.sequence, 2);
    let shared = report.preview.counts["case_file"];
    assert!(shared > 5);
    let s = coord.store.import_bundle(&new, false).unwrap();
    assert!(s.rejected.is_empty(), "{:?}", s.rejected);
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("older version of Atrama")),
        "{:?}",
        s.notes
    );
    assert_eq!(cases_at(&coord.store, true), 0);
    assert_eq!(
        cases_at(&coord.store, false),
        i64::try_from(shared).unwrap()
    );

    // A format-1 bundle arriving late applies none of its records.
    let late = out(&centre, "late.atrama");
    format_1_bundle(
        &centre.store,
        &coord.store,
        &late,
        1,
        &uuid::Uuid::now_v7().to_string(),
        &uuid::Uuid::now_v7().to_string(),
    );
    let s = coord.store.import_bundle(&late, false).unwrap();
    assert!(
        s.notes.iter().any(|n| n.contains("not applied")),
        "{:?}",
        s.notes
    );
    assert_eq!(cases_at(&coord.store, true), 0);
    assert_eq!(
        cases_at(&coord.store, false),
        i64::try_from(shared).unwrap()
    );
}

#[test]
fn a_newer_schema_or_payload_format_is_refused_and_changes_nothing() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    let latest = atrama::store::migrations::LATEST;
    let path = out(&centre, "newer.atrama");
    for (versions, what) in [((2, latest + 1, 2), "schema"), ((2, latest, 3), "payload")] {
        let (client, case) = (
            uuid::Uuid::now_v7().to_string(),
            uuid::Uuid::now_v7().to_string(),
        );
        sealed_by_hand(
            &centre.store,
            &coord.store,
            &path,
            1,
            &client,
            &case,
            versions,
        );
        let before = state(&coord.store);
        let err = coord.store.import_bundle(&path, false).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NewerVersion, "{what}: {err}");
        assert!(err.to_string().contains(what), "{err}");
        assert_eq!(state(&coord.store), before);
    }
    // The same bundle at the versions this build knows is applied.
    let (client, case) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    sealed_by_hand(
        &centre.store,
        &coord.store,
        &path,
        1,
        &client,
        &case,
        (2, latest, 1),
    );
    assert_eq!(
        coord.store.import_bundle(&path, false).unwrap().outcome,
        "applied"
    );
}
