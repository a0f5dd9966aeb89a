//! Issue 19, records, retention and the log: a centre squatting another centre's case numbers
//! at the coordination centre, refused records never acknowledged (so they come again),
//! retention of transferred cases (sent and received), and the access log's gaps (searches,
//! case conferences, transfer history, a passphrase reset with the recovery key, import
//! history and archived counts behind their permissions).

use atrama::cases::{
    CaseFilter, ConferenceFields, ConsentFields, NewCase, NoteFields, ServiceContactFields,
};
use atrama::ids::CaseId;
use atrama::{Country, ErrorCode, KdfParams, Mode, Passphrase, Store};
use chrono::{Datelike, NaiveDate};

use crate::admin::{centre, unlock};
use crate::case_record::{case_fields, client_fields};
use crate::site::{Site, enrol, site};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn consent(purpose: &str, on: NaiveDate) -> ConsentFields {
    ConsentFields {
        purpose: purpose.into(),
        agency_type: None,
        given: true,
        given_by: "self".into(),
        on_date: on,
        shared_fields: Vec::new(),
    }
}

/// A case opened on `opened` whose client consented to statistics (so it travels to the
/// coordination centre), with one service contact of `minutes`.
fn shared_case(store: &mut Store, given: &str, opened: &str, minutes: u32) -> CaseId {
    store
        .batch(|b| {
            let client = b.create_client(&client_fields(given, "Testienė", "+370 600 11111"))?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: day(opened),
                fields: case_fields("self", None),
            })?;
            b.record_consent(case, &consent("statistics", day(opened)))?;
            b.log_service_contact(
                case,
                &ServiceContactFields {
                    on_date: day(opened),
                    discipline: "legal".into(),
                    mode: "phone".into(),
                    minutes,
                    is_group: false,
                    staff: None,
                },
            )?;
            Ok(case)
        })
        .unwrap()
}

fn bundle(from: &mut Site, to: &str, name: &str) -> std::path::PathBuf {
    let path = from.dir.parent().unwrap().join(name);
    from.store.export_bundle(to, &path, None).unwrap();
    path
}

/// Attack 4: centre AAA-01 sends a case numbered as centre BBB-01's next one. In payload
/// format 2 a centre's cases travel under references derived with its own key, so an honest
/// export can no longer collide; a hostile partner forges the collision instead — its own
/// genuine bundle with the case number and pseudonym of BBB-01's next case written in, signed
/// with its own pinned key. At the coordination centre numbers are unique per owner, so
/// BBB-01's own case with that number still arrives whole, is acknowledged, and is the one its
/// number finds.
#[test]
fn a_centre_cannot_take_another_centres_case_numbers_at_the_coordinator() {
    let mut a = site("AAA-01", Country::Lt, Mode::Centre);
    let mut b = site("BBB-01", Country::Lt, Mode::Centre);
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut a, &mut k);
    enrol(&mut b, &mut k);
    for n in 0..3 {
        shared_case(&mut b.store, &format!("Bclient{n}"), "2026-03-02", 30);
    }
    let b1 = bundle(&mut b, "KOORD", "b-1.atrama");
    assert_eq!(
        k.store.import_bundle(&b1, false).unwrap().tables["case_file"].new,
        3
    );
    // BBB-01's fourth case, exported but not yet arrived: what it will be called there.
    shared_case(&mut b.store, "Bclient3", "2026-03-02", 30);
    let from_b = bundle(&mut b, "KOORD", "b-2.atrama");
    let b_lines = k.store.read_bundle_payload(&from_b).unwrap();
    let b_records: Vec<serde_json::Value> = b_lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["type"] == "record")
        .collect();
    let field = |table: &str, column: &str| -> String {
        b_records
            .iter()
            .find(|l| l["table"] == table)
            .and_then(|l| l["row"][column].as_str())
            .unwrap_or_else(|| panic!("no {table}.{column} in {b_lines}"))
            .to_owned()
    };
    let (number, pseudonym) = (
        field("case_file", "case_number"),
        field("client", "pseudonym"),
    );

    // The squatter: AAA-01's own genuine bundle, its case renamed as BBB-01's next one
    // (number, and the client's pseudonym too), signed again with AAA-01's own key.
    shared_case(&mut a.store, "Squatter", "2026-03-02", 30);
    let genuine = bundle(&mut a, "KOORD", "a-genuine.atrama");
    let mut lines: Vec<serde_json::Value> = k
        .store
        .read_bundle_payload(&genuine)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut renamed = 0;
    for l in &mut lines {
        if l["type"] == "record" && l["table"] == "case_file" {
            l["row"]["case_number"] = number.clone().into();
            renamed += 1;
        }
        if l["type"] == "record" && l["table"] == "client" {
            l["row"]["pseudonym"] = pseudonym.clone().into();
        }
    }
    assert_eq!(renamed, 1);
    let from_a = a.dir.parent().unwrap().join("a-1.atrama");
    crate::site::forge(
        &a.store,
        &k.store,
        atrama::bundle::format::BundleKind::CentreExport,
        &lines,
        &from_a,
    );
    let s = k.store.import_bundle(&from_a, false).unwrap();
    assert!(s.rejected.is_empty(), "{s:?}");
    assert_eq!(s.tables["case_file"].new, 1, "{s:?}");

    // BBB-01's bundle with its fourth case, numbered as the squatter's.
    let s = k.store.import_bundle(&from_b, false).unwrap();
    assert!(s.rejected.is_empty(), "nothing of BBB-01 refused: {s:?}");
    assert_eq!(s.tables["case_file"].new, 1, "{s:?}");
    assert_eq!(s.tables["service_contact"].new, 1, "{s:?}");
    // Its number finds BBB-01's case, not the squatter's.
    let found = k.store.case_by_number(&number).unwrap();
    let owner: String = k
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT owner_centre FROM case_file WHERE id = ?1",
            [found.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(owner, "BBB-01");
    assert_eq!(found.to_string(), field("case_file", "id"));
    assert_eq!(k.store.case(found).unwrap().case_number, number);
    // Acknowledged whole: nothing left to send.
    let back = bundle(&mut k, "BBB-01", "k-1.atrama");
    assert_eq!(b.store.import_bundle(&back, false).unwrap().acknowledged, 2);
    let status = b.store.sync_status().unwrap();
    assert_eq!(status[0].pending_changes, 0, "{status:?}");
    assert_eq!(status[0].unconfirmed_bundles, 0, "{status:?}");
}

/// A bundle with a refused record is not acknowledged: the centre's watermark stays below
/// the record, its next bundle carries it again, and once the cause is gone it arrives and
/// that bundle is acknowledged. (The refusal is made here by a temporary trigger at the
/// coordination centre: any constraint that refuses one record does the same.)
#[test]
fn a_bundle_with_refused_records_is_not_acknowledged_so_they_come_again() {
    let mut b = site("BBB-01", Country::Lt, Mode::Centre);
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut b, &mut k);
    shared_case(&mut b.store, "Kept", "2026-04-01", 30);
    shared_case(&mut b.store, "Refused", "2026-04-02", 77);
    let refuse = "CREATE TEMP TRIGGER refuse_77 BEFORE INSERT ON main.service_contact
                  WHEN NEW.minutes = 77 BEGIN SELECT RAISE(ABORT, 'refused for the test'); END";
    k.store
        .dangerously_raw_connection()
        .execute_batch(refuse)
        .unwrap();
    let first = bundle(&mut b, "KOORD", "b-1.atrama");
    let s = k.store.import_bundle(&first, false).unwrap();
    assert_eq!(s.rejected.len(), 1, "{s:?}");
    assert_eq!(s.rejected[0].table, "service_contact");

    let back = bundle(&mut k, "BBB-01", "k-1.atrama");
    let ack = b.store.import_bundle(&back, false).unwrap();
    assert_eq!(
        ack.acknowledged, 0,
        "a bundle with a refused record is not confirmed"
    );
    let status = b.store.sync_status().unwrap();
    assert_eq!(status[0].unconfirmed_bundles, 1, "{status:?}");
    assert!(status[0].pending_changes > 0, "{status:?}");
    let again = b.store.export_preview("KOORD").unwrap();
    assert_eq!(again.counts["service_contact"], 2, "{again:?}");

    // The cause is gone: the next bundle brings the record, and it is confirmed.
    k.store
        .dangerously_raw_connection()
        .execute_batch("DROP TRIGGER temp.refuse_77")
        .unwrap();
    let second = bundle(&mut b, "KOORD", "b-2.atrama");
    let s = k.store.import_bundle(&second, false).unwrap();
    assert!(s.rejected.is_empty(), "{s:?}");
    assert_eq!(s.tables["service_contact"].new, 1, "{s:?}");
    let minutes: i64 = k
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM service_contact WHERE minutes = 77",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(minutes, 1);
    let back = bundle(&mut k, "BBB-01", "k-2.atrama");
    assert_eq!(b.store.import_bundle(&back, false).unwrap().acknowledged, 1);
    let status = b.store.sync_status().unwrap();
    assert_eq!(status[0].pending_changes, 0, "{status:?}");
    assert_eq!(status[0].last_confirmed_sequence, Some(2), "{status:?}");
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Transfers an open case with a marker name and note from `a` (KLP-01) to `b` (LIE-01);
/// returns the sender's case.
fn transfer(a: &mut Site, b: &mut Site, marker: &str) -> CaseId {
    let case = a
        .store
        .batch(|w| {
            let client = w.create_client(&client_fields(marker, "Moved", "+370 600 22222"))?;
            let case = w.open_case(&NewCase {
                client_id: client,
                opened_on: today(),
                fields: case_fields("self", None),
            })?;
            w.add_note(
                case,
                &NoteFields {
                    body: format!("note about {marker}"),
                    restricted_to: None,
                },
            )?;
            w.attach_document(case, "letter.txt", "text/plain", marker.as_bytes())?;
            w.record_consent(case, &consent("case_transfer", today()))?;
            Ok(case)
        })
        .unwrap();
    let file = a.dir.parent().unwrap().join("transfer.atrama");
    a.store.transfer_case(case, "LIE-01", &file).unwrap();
    let s = b.store.import_bundle(&file, false).unwrap();
    assert_eq!(s.outcome, "applied", "{s:?}");
    case
}

fn policy(store: &mut Store) {
    store
        .set_retention_policy(atrama::admin::RetentionPolicy {
            closed_case_years: Some(1),
            document_years: None,
        })
        .unwrap();
}

fn years_later(n: i32) -> NaiveDate {
    let t = today();
    NaiveDate::from_ymd_opt(t.year() + n, t.month(), 1).unwrap()
}

/// Attack 5a: the sending centre keeps a transferred case (names, notes, documents) only as
/// long as the policy allows, like any closed case.
#[test]
fn a_transferred_out_case_is_purged_by_the_policy() {
    let mut a = site("KLP-01", Country::Lt, Mode::Centre);
    let mut b = site("LIE-01", Country::Lt, Mode::Centre);
    enrol(&mut a, &mut b);
    let sent = transfer(&mut a, &mut b, "Transferredmarkqq4");
    assert_eq!(a.store.case(sent).unwrap().status, "transferred");
    policy(&mut a.store);
    let preview = a.store.retention_preview(years_later(2)).unwrap();
    assert!(
        preview.cases.iter().any(|c| c.case_id == sent.to_string()),
        "{preview:?}"
    );
    let report = a.store.purge(years_later(2)).unwrap();
    assert_eq!(report.cases, 1);
    assert!(a.store.case(sent).is_err(), "the case is gone");
    assert!(
        a.store
            .search("Transferredmarkqq4", None)
            .unwrap()
            .is_empty()
    );
    let left: i64 = a
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT (SELECT count(*) FROM client) + (SELECT count(*) FROM note)
                  + (SELECT count(*) FROM document) + (SELECT count(*) FROM case_transfer)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        left, 0,
        "names, notes, documents and the transfer record are gone"
    );
    a.store.verify_access_log().unwrap();
}

/// Attack 5b: a received transfer, closed, is purged with its `case_transfer` row, and it
/// does not stop the purge of the other cases (it used to fail every purge on a foreign key).
#[test]
fn a_received_closed_transferred_case_does_not_stop_the_purge() {
    let mut a = site("KLP-01", Country::Lt, Mode::Centre);
    let mut b = site("LIE-01", Country::Lt, Mode::Centre);
    enrol(&mut a, &mut b);
    transfer(&mut a, &mut b, "Receivedmarkqq5");
    let received = b.store.case_list(&CaseFilter::default()).unwrap()[0].id;
    let other = shared_case(&mut b.store, "Otherclient", "2026-01-05", 30);
    b.store
        .batch(|w| {
            w.close_case(received, today(), "needs_met")?;
            w.close_case(other, today(), "needs_met")
        })
        .unwrap();
    policy(&mut b.store);
    let report = b.store.purge(years_later(2)).unwrap();
    assert_eq!(report.cases, 2, "{report:?}");
    assert!(b.store.case(received).is_err());
    assert!(b.store.case(other).is_err());
    let transfers: i64 = b
        .store
        .dangerously_raw_connection()
        .query_row("SELECT count(*) FROM case_transfer", [], |r| r.get(0))
        .unwrap();
    assert_eq!(transfers, 0);
    assert!(b.store.search("Receivedmarkqq5", None).unwrap().is_empty());
}

/// Attack 6: every search is logged — each case it showed (and through which note), or
/// that it found nothing — and never the words searched for; the chain still verifies.
#[test]
fn every_search_is_in_the_access_log_without_its_words() {
    let (c, case) = centre();
    let tomas = unlock(&c.dir, "tomas");
    let by_name = tomas.search("Žemaitė", None).unwrap();
    assert_eq!(by_name.len(), 1);
    let by_note = tomas.search("visible secretword", None).unwrap();
    assert_eq!(by_note.len(), 1);
    let note = by_note[0].note_id.clone().unwrap();
    assert!(tomas.search("Nobodyzz", None).unwrap().is_empty());
    drop(tomas);

    let ona = unlock(&c.dir, "ona");
    let log = ona.access_log(50).unwrap();
    let searches: Vec<_> = log
        .iter()
        .filter(|e| e.action == "search" && e.username == "tomas")
        .collect();
    assert_eq!(searches.len(), 3, "{searches:?}");
    // Newest first: nothing found, the note, the name.
    assert_eq!(searches[0].case_id, None);
    assert_eq!(searches[0].detail.as_deref(), Some("found nothing"));
    assert_eq!(searches[1].case_id, Some(case.to_string()));
    assert!(
        searches[1].detail.as_deref().unwrap().contains(&note),
        "{searches:?}"
    );
    assert_eq!(searches[2].case_id, Some(case.to_string()));
    for e in &log {
        let text = format!("{e:?}");
        for word in ["Žemaitė", "Zemaite", "secretword", "visible", "Nobodyzz"] {
            assert!(!text.contains(word), "the log keeps '{word}': {text}");
        }
    }
    // The case's own log says who found it.
    let of_case = ona.access_log_for_case(case).unwrap();
    assert_eq!(
        of_case
            .iter()
            .filter(|e| e.action == "search" && e.username == "tomas")
            .count(),
        2
    );
    ona.verify_access_log().unwrap();
}

/// Attack 6: reading a case's conferences and its transfer history is logged.
#[test]
fn reading_conferences_and_transfer_history_is_logged() {
    let (c, case) = centre();
    let mut tomas = unlock(&c.dir, "tomas");
    tomas
        .record_conference(
            case,
            &ConferenceFields {
                held_on: day("2026-11-02"),
                agencies: vec!["police".into()],
                risk_level: "high".into(),
                follow_up_on: None,
            },
            &[],
        )
        .unwrap();
    let count = |store: &Store, detail: &str| {
        store
            .access_log_for_case(case)
            .unwrap()
            .iter()
            .filter(|e| {
                e.action == "view_case"
                    && e.username == "tomas"
                    && e.detail.as_deref() == Some(detail)
            })
            .count()
    };
    let ona = unlock(&c.dir, "ona");
    assert_eq!(count(&ona, "case conferences"), 0);
    assert_eq!(tomas.conferences(case).unwrap().len(), 1);
    assert_eq!(count(&ona, "case conferences"), 1);
    tomas.conferences(case).unwrap();
    assert_eq!(count(&ona, "case conferences"), 2, "every reading");
    ona.verify_access_log().unwrap();

    // A received case's transfer history (the sending centre's work).
    let mut a = site("KLP-01", Country::Lt, Mode::Centre);
    let mut b = site("LIE-01", Country::Lt, Mode::Centre);
    enrol(&mut a, &mut b);
    transfer(&mut a, &mut b, "Historymarkqq6");
    let received = b.store.case_list(&CaseFilter::default()).unwrap()[0].id;
    assert_eq!(b.store.case_transfers(received).unwrap().len(), 1);
    let logged = b
        .store
        .access_log_for_case(received)
        .unwrap()
        .iter()
        .filter(|e| e.action == "view_case" && e.detail.as_deref() == Some("transfer history"))
        .count();
    assert_eq!(logged, 1);
    b.store.verify_access_log().unwrap();
}

/// Attack 6: a passphrase set with the recovery key is in the log, naming the account.
#[test]
fn a_passphrase_reset_with_the_recovery_key_is_logged() {
    let (c, _) = centre();
    let new = Passphrase::new("a new passphrase after forgetting");
    Store::reset_passphrase(
        &c.dir,
        &c.recovery,
        "tomas",
        &new,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    drop(Store::dangerously_unlock_without_lock(&c.dir, "tomas", &new).unwrap());
    let ona = unlock(&c.dir, "ona");
    let log = ona.access_log(10).unwrap();
    let reset: Vec<_> = log
        .iter()
        .filter(|e| e.action == "passphrase_reset")
        .collect();
    assert_eq!(reset.len(), 1, "{log:?}");
    assert_eq!(reset[0].username, "tomas");
    assert!(reset[0].detail.as_deref().unwrap().contains("recovery key"));
    ona.verify_access_log().unwrap();
}

/// Attack 6 (and more of its kind): the import history and the archived counts of purged
/// cases are refused to a counsellor, who holds neither permission.
#[test]
fn import_history_and_archived_counts_need_their_permissions() {
    let (c, _) = centre();
    let tomas = unlock(&c.dir, "tomas");
    let err = tomas.import_history(10).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotAllowed, "{err}");
    assert!(err.to_string().contains("import bundles"), "{err}");
    let err = tomas.archived_statistics().unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotAllowed, "{err}");
    let ona = unlock(&c.dir, "ona");
    ona.import_history(10).unwrap();
    ona.archived_statistics().unwrap();
}

/// More of the kind: reading a bundle's decrypted content without applying it (what a
/// centre sent, pseudonymised records) is logged with the bundle and its sender.
#[test]
fn reading_a_bundles_content_is_logged() {
    let mut b = site("BBB-01", Country::Lt, Mode::Centre);
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut b, &mut k);
    shared_case(&mut b.store, "Readclient", "2026-04-01", 30);
    let file = bundle(&mut b, "KOORD", "b-1.atrama");
    let payload = k.store.read_bundle_payload(&file).unwrap();
    assert!(payload.contains("service_contact"));
    let log = k.store.access_log(5).unwrap();
    let read: Vec<_> = log.iter().filter(|e| e.action == "view_bundle").collect();
    assert_eq!(read.len(), 1, "{log:?}");
    let detail = read[0].detail.as_deref().unwrap();
    assert!(
        detail.contains("BBB-01") && detail.contains("nothing applied"),
        "{detail}"
    );
    k.store.verify_access_log().unwrap();
}
