//! Issue 19 — hostile folders and partners (items 2, 3, 10 and 11): a shared inbox folder
//! with links in it, a key-rotation marker nobody in the store wrote, a sibling centre
//! acting as the coordination centre, the order of enrolments, and records that hang from
//! another centre's records. Each attack is reproduced as an attacker would make it, shown
//! refused with nothing changed, and the honest path shown to work afterwards.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use atrama::admin::RotationPhase;
use atrama::bundle::format::BundleKind;
use atrama::{
    Country, ErrorCode, KdfParams, Language, Mode, NewCentre, Passphrase, RecoveryKey, Store,
};
use serde_json::{Value, json};

use crate::site::{PASS, Site, enrol, enrol_stores, forge, site};

// ---------------------------------------------------------------------------------------
// Helpers

/// A store of its own, keeping its recovery key.
fn store_with_recovery(parent: &Path, code: &str, pass: &str) -> (PathBuf, RecoveryKey, Store) {
    let dir = parent.join(code);
    let centre = NewCentre {
        code: code.into(),
        name: format!("{code} test site"),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (store, recovery) = Store::create(
        &dir,
        &centre,
        &Passphrase::new(pass),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    (dir, recovery, store)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn manifest(centre: &str, sharing: &str) -> Value {
    json!({
        "type": "manifest", "payload_format": 1, "centre": centre, "sharing": sharing,
        "change_seq_from": 0, "change_seq_to": 1, "counts": {}, "withdrawn": 0, "fields": {}
    })
}

fn count(store: &Store, sql: &str) -> i64 {
    store
        .dangerously_raw_connection()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// 19.2 — the inbox never follows a link; recovery acts only on an authenticated marker

/// The attack as reported: `rejected/` (or `processed/`) in a shared inbox is a link to the
/// store folder, and the files dropped in the inbox are a commit marker and a key-slot file
/// of the attacker's own store. Before the fix the inbox moved them into the store folder
/// and the next unlock replaced `keyslots.json`: nobody could open the store again.
#[test]
fn a_linked_processed_or_rejected_folder_cannot_move_files_into_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, recovery, mut store) = store_with_recovery(tmp.path(), "KLP-01", PASS);
    // The attacker's own store, with the same user name and a passphrase they know.
    let (evil, _, evil_store) = store_with_recovery(tmp.path(), "EVIL", "the attacker's own words");
    drop(evil_store);
    let slots_before = std::fs::read(dir.join("keyslots.json")).unwrap();
    let store_files = names_in(&dir);

    for sub in ["rejected", "processed"] {
        let inbox = tmp.path().join(format!("inbox-{sub}"));
        std::fs::create_dir(&inbox).unwrap();
        symlink(&dir, inbox.join(sub)).unwrap();
        std::fs::write(inbox.join("rotation.commit"), b"atrama key rotation\n").unwrap();
        std::fs::copy(
            evil.join("keyslots.json"),
            inbox.join("keyslots.json.rotating"),
        )
        .unwrap();
        let err = store.run_inbox(Some(&inbox)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        assert!(
            err.to_string().contains("symbolic link") && err.to_string().contains(sub),
            "{err}"
        );
        // Nothing was imported or moved: the files are where the attacker put them.
        let mut expected = vec!["keyslots.json.rotating", "rotation.commit", sub];
        expected.sort_unstable();
        assert_eq!(names_in(&inbox), expected);
        assert_eq!(names_in(&dir), store_files, "the store folder changed");
    }
    drop(store);

    // The store still opens with the passphrase and with the recovery key.
    let store = Store::unlock(&dir, "ona", &Passphrase::new(PASS)).unwrap();
    assert!(store.recovery_notice().is_none());
    drop(store);
    assert_eq!(
        std::fs::read(dir.join("keyslots.json")).unwrap(),
        slots_before
    );
    let renewed = Passphrase::new("a new passphrase after the attack");
    Store::reset_passphrase(
        &dir,
        &recovery,
        "ona",
        &renewed,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    Store::unlock(&dir, "ona", &renewed).unwrap();
}

/// Links and pipes in the inbox are refused without being followed or opened; a linked
/// inbox folder is refused; the honest bundle beside them is imported.
#[test]
fn links_and_pipes_in_the_inbox_are_refused_and_never_followed() {
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut c = site("KLP-01", Country::Lt, Mode::Centre);
    enrol(&mut k, &mut c);
    let inbox = c.tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    k.store
        .export_bundle("KLP-01", &inbox.join("b-good.atrama"), None)
        .unwrap();
    // A link to a file the attacker wants read, moved or overwritten: here the store's own
    // key slots.
    let slots = c.dir.join("keyslots.json");
    let slots_before = std::fs::read(&slots).unwrap();
    symlink(&slots, inbox.join("a-link.atrama")).unwrap();
    // A pipe nobody writes to: opening it to read would wait for ever.
    let made = std::process::Command::new("mkfifo")
        .arg(inbox.join("c-pipe.atrama"))
        .status()
        .unwrap();
    assert!(made.success());

    let report = c.store.run_inbox(Some(&inbox)).unwrap().unwrap();
    let outcomes: Vec<(String, atrama::sync::inbox::InboxOutcome)> = report
        .items
        .iter()
        .map(|i| (i.file_name.clone(), i.outcome))
        .collect();
    use atrama::sync::inbox::InboxOutcome::{Imported, Rejected};
    assert_eq!(
        outcomes,
        vec![
            ("a-link.atrama".into(), Rejected),
            ("b-good.atrama".into(), Imported),
            ("c-pipe.atrama".into(), Rejected),
        ],
        "{report:#?}"
    );
    // The link itself was moved, not what it points to, which is untouched.
    let moved = inbox.join("rejected/a-link.atrama");
    assert!(
        std::fs::symlink_metadata(&moved)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&slots).unwrap(), slots_before);
    let reason = std::fs::read_to_string(inbox.join("rejected/a-link.atrama.reason.txt")).unwrap();
    assert!(reason.contains("not_a_file"), "{reason}");
    assert!(inbox.join("processed/b-good.atrama").is_file());

    // A link as the inbox folder itself is refused, and cannot be set as the inbox.
    let linked = c.tmp.path().join("linked-inbox");
    symlink(&inbox, &linked).unwrap();
    let err = c.store.run_inbox(Some(&linked)).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    let err = c.store.set_inbox_folder(Some(&linked)).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    // A file where `processed/` should be is refused before anything is imported.
    let other = c.tmp.path().join("inbox2");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("processed"), b"not a folder").unwrap();
    k.store
        .export_bundle("KLP-01", &other.join("r2.atrama"), None)
        .unwrap();
    let err = c.store.run_inbox(Some(&other)).unwrap_err();
    assert!(err.to_string().contains("not a folder"), "{err}");
    assert!(other.join("r2.atrama").is_file());
}

/// The second line of defence: the marker and files are in the store folder already (by
/// whatever way). Unlock acts only on a marker it can authenticate with the keys of the
/// person opening the store; this one is left alone and reported, and the store opens.
#[test]
fn a_rotation_marker_the_store_did_not_write_is_left_alone_and_the_store_still_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, recovery, store) = store_with_recovery(tmp.path(), "KLP-01", PASS);
    drop(store);
    let evil_pass = "the attacker's own words";
    let (evil, _, evil_store) = store_with_recovery(tmp.path(), "EVIL", evil_pass);
    drop(evil_store);
    let slots_before = std::fs::read(dir.join("keyslots.json")).unwrap();
    let evil_slots = std::fs::read(evil.join("keyslots.json")).unwrap();
    std::fs::copy(
        evil.join("keyslots.json"),
        dir.join("keyslots.json.rotating"),
    )
    .unwrap();
    std::fs::copy(evil.join("atrama.db"), dir.join("atrama.db.rotating")).unwrap();
    let planted = [
        "atrama.db.rotating",
        "keyslots.json.rotating",
        "rotation.commit",
    ];

    // The marker of old versions, and one that looks like a new one (right slot hash,
    // made-up tags).
    use sha2::Digest as _;
    let slots_sha = atrama_hex(&sha2::Sha256::digest(&evil_slots));
    let store_id: String = serde_json::from_slice::<Value>(&slots_before).unwrap()["store_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let markers = [
        b"atrama key rotation\n".to_vec(),
        json!({"format": 1, "store_id": store_id, "slots_sha256": slots_sha,
               "mac_old": "00".repeat(32), "mac_new": "11".repeat(32)})
        .to_string()
        .into_bytes(),
    ];
    for marker in markers {
        std::fs::write(dir.join("rotation.commit"), marker).unwrap();
        // The attacker's passphrase opens nothing.
        let err = Store::unlock(&dir, "ona", &Passphrase::new(evil_pass)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::WrongPassphrase, "{err}");
        // The right one opens the store as it was, and says what it found.
        let store = Store::unlock(&dir, "ona", &Passphrase::new(PASS)).unwrap();
        let notice = store.recovery_notice().unwrap().to_owned();
        assert!(
            notice.contains("rotation.commit") && notice.contains("nothing was changed"),
            "{notice}"
        );
        assert_eq!(store.profile().unwrap().code, "KLP-01");
        let logged = store.access_log(10).unwrap();
        assert!(
            logged.iter().any(|e| e
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("could not be authenticated"))),
            "{logged:?}"
        );
        drop(store);
        for name in planted {
            assert!(dir.join(name).is_file(), "{name} was touched");
        }
        assert_eq!(
            std::fs::read(dir.join("keyslots.json")).unwrap(),
            slots_before
        );
    }
    // The recovery key also opens it (a new passphrase for ona), and the planted files stay
    // where they are.
    let renewed = Passphrase::new("a new passphrase after the attack");
    Store::reset_passphrase(
        &dir,
        &recovery,
        "ona",
        &renewed,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    for name in planted {
        assert!(dir.join(name).is_file(), "{name} was touched");
    }
    // A key rotation (which holds the store's key) clears what was planted.
    let mut store = Store::unlock(&dir, "ona", &renewed).unwrap();
    store.rotate_key(|_| {}).unwrap();
    drop(store);
    let left = names_in(&dir);
    assert!(left.iter().all(|n| !n.contains("rotat")), "{left:?}");
    let store = Store::unlock(&dir, "ona", &renewed).unwrap();
    assert!(store.recovery_notice().is_none());
    drop(store);
    let again = Passphrase::new("a new passphrase after the rotation");
    Store::reset_passphrase(
        &dir,
        &recovery,
        "ona",
        &again,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    Store::unlock(&dir, "ona", &again).unwrap();
}

fn atrama_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A genuine rotation stopped right after its commit (before any file was switched), and
/// one stopped after the database was switched, are finished by the next unlock — with a
/// passphrase or with the recovery key — and a wrong passphrase changes nothing.
#[test]
fn a_rotation_stopped_after_its_commit_is_finished_at_the_next_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, recovery, mut store) = store_with_recovery(tmp.path(), "KLP-01", PASS);
    let old_key = *store.dangerously_db_key().dangerously_expose();
    let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.rotate_key(|p| {
            if p.phase == RotationPhase::Switching {
                panic!("the power fails right after the commit");
            }
        })
    }));
    assert!(stopped.is_err());
    drop(store);
    for name in [
        "atrama.db.rotating",
        "keyslots.json.rotating",
        "rotation.commit",
    ] {
        assert!(dir.join(name).is_file(), "{name}");
    }
    let copy = |to: &str| {
        let d = tmp.path().join(to);
        std::fs::create_dir(&d).unwrap();
        for name in names_in(&dir) {
            std::fs::copy(dir.join(&name), d.join(&name)).unwrap();
        }
        d
    };
    // The database already switched, the slots not yet.
    let half = copy("half");
    std::fs::rename(half.join("atrama.db.rotating"), half.join("atrama.db")).unwrap();
    let by_recovery = copy("by-recovery");

    let err = Store::unlock(&dir, "ona", &Passphrase::new("not the passphrase")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassphrase);
    assert!(dir.join("rotation.commit").is_file());

    for d in [&dir, &half] {
        let store = Store::unlock(d, "ona", &Passphrase::new(PASS)).unwrap();
        assert!(store.recovery_notice().is_none());
        assert_ne!(*store.dangerously_db_key().dangerously_expose(), old_key);
        drop(store);
        let left = names_in(d);
        assert!(left.iter().all(|n| !n.contains("rotat")), "{left:?}");
    }
    let renewed = Passphrase::new("a new passphrase after the rotation");
    Store::reset_passphrase(
        &by_recovery,
        &recovery,
        "ona",
        &renewed,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let left = names_in(&by_recovery);
    assert!(left.iter().all(|n| !n.contains("rotat")), "{left:?}");
    let store = Store::unlock(&by_recovery, "ona", &renewed).unwrap();
    assert_ne!(*store.dangerously_db_key().dangerously_expose(), old_key);
}

// ---------------------------------------------------------------------------------------
// 19.3 — each bundle kind only from the role allowed to send it

const DIRECTORY: &str = "id,region,type,name,address,phone,email,language
klp-pol,Klaipėda,police,Klaipėdos apskrities policija,Bangų g. 1,+370 46 100000,klp@policija.lt,lt
";

const FAKE_DIRECTORY: &str = "id,region,type,name,address,phone,email,language
klp-pol,Klaipėda,police,Klaipėdos apskrities policija,Sandėlio g. 13,+370 600 00000,policija@example.com,lt
";

/// The built-in risk instrument as version 99 with its bands moved, so that "standard"
/// covers 0–15 points.
fn moved_bands_pack() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/instruments/atrama-spj.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["version"] = json!(99);
    v["bands"][0]["max"] = json!(15);
    v["bands"][1]["min"] = json!(16);
    v["bands"][1]["max"] = json!(20);
    v["bands"][2]["min"] = json!(21);
    v.to_string()
}

/// What a centre holds of reference data, all of it.
fn reference_state(store: &Store) -> (String, u64, Vec<(String, String)>) {
    let status = store.reference_status().unwrap();
    let in_force = format!("{:?}", status.in_force);
    let dir: Vec<(String, String)> = store
        .directory(None)
        .unwrap()
        .into_iter()
        .map(|a| (a.name, a.address))
        .collect();
    (in_force, status.agencies, dir)
}

/// The attack as reported: a sibling centre enrolled only for case transfers sends a return
/// bundle (it switched its own store to coordinator mode to make one) with a rewritten
/// police address and the built-in risk instrument's bands moved, as version 99.
#[test]
fn a_sibling_centre_cannot_send_reference_data_and_the_coordinators_later_directory_applies() {
    let mut v = site("KLP-01", Country::Lt, Mode::Centre);
    let mut s = site("KLP-02", Country::Lt, Mode::Centre);
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    // The transfer partner first (the order that worked before the enrolment fix).
    enrol(&mut v, &mut s);
    enrol(&mut v, &mut k);

    s.store
        .dangerously_raw_connection()
        .execute("UPDATE centre_profile SET mode = 'coordinator'", [])
        .unwrap();
    s.store.import_directory_csv(DIRECTORY).unwrap();
    s.store
        .dangerously_raw_connection()
        .execute(
            "UPDATE reference_item SET version = '98' WHERE kind = 'directory'",
            [],
        )
        .unwrap();
    assert_eq!(
        s.store
            .import_directory_csv(FAKE_DIRECTORY)
            .unwrap()
            .version,
        "99"
    );
    s.store.import_instrument(&moved_bands_pack()).unwrap();
    let forged = s.tmp.path().join("from-sibling.atrama");
    s.store.export_bundle("KLP-01", &forged, None).unwrap();

    let before = reference_state(&v.store);
    let applied_before = count(&v.store, "SELECT count(*) FROM bundle_in");
    let err = v.store.import_bundle(&forged, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("KLP-02")
            && msg.contains("enrolled here as a centre")
            && msg.contains("nothing of it was applied"),
        "{msg}"
    );
    assert_eq!(reference_state(&v.store), before, "reference data changed");
    assert_eq!(
        count(&v.store, "SELECT count(*) FROM bundle_in"),
        applied_before
    );
    assert_eq!(
        count(
            &v.store,
            "SELECT count(*) FROM instrument_pack WHERE version = 99"
        ),
        0
    );
    // Refused again, not "already applied".
    assert_eq!(
        v.store.import_bundle(&forged, false).unwrap_err().code(),
        ErrorCode::InvalidInput
    );

    // The real coordination centre's directory (version 1) applies, not "stale".
    k.store.import_directory_csv(DIRECTORY).unwrap();
    let real = k.tmp.path().join("return.atrama");
    k.store.export_bundle("KLP-01", &real, None).unwrap();
    let summary = v.store.import_bundle(&real, false).unwrap();
    let outcomes: Vec<(String, String)> = summary
        .reference
        .iter()
        .map(|r| (r.kind.clone(), r.outcome.clone()))
        .collect();
    assert_eq!(outcomes, vec![("directory".into(), "applied".into())]);
    let police = v.store.directory(Some("police")).unwrap();
    assert_eq!(police.len(), 1);
    assert_eq!(police[0].address, "Bangų g. 1");
}

/// The role table also holds for the other kinds: a coordination centre cannot send a
/// transfer (cases are created at a centre only by a centre enrolled for transfers), and a
/// return bundle may not carry records.
#[test]
fn transfers_come_only_from_centres_and_return_bundles_carry_no_records() {
    let mut v = site("KLP-01", Country::Lt, Mode::Centre);
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut v, &mut k);
    let cases = count(&v.store, "SELECT count(*) FROM case_file");

    let transfer = k.tmp.path().join("transfer.atrama");
    forge(
        &k.store,
        &v.store,
        BundleKind::Transfer,
        &[
            manifest("KOORD", "transfer"),
            json!({"type": "end", "records": 0, "withdrawn": 0, "acks": 0}),
        ],
        &transfer,
    );
    let err = v.store.import_bundle(&transfer, false).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("enrolled here as the coordination centre")
            && msg.contains("a centre enrolled for transfers"),
        "{msg}"
    );
    assert_eq!(count(&v.store, "SELECT count(*) FROM case_file"), cases);

    let with_record = k.tmp.path().join("return-with-record.atrama");
    forge(
        &k.store,
        &v.store,
        BundleKind::Return,
        &[
            manifest("KOORD", "none"),
            json!({"type": "record", "table": "client", "row": {
                "id": uuid::Uuid::now_v7().to_string(), "owner_centre": "KOORD", "hlc": 1}}),
            json!({"type": "end", "records": 1, "withdrawn": 0, "acks": 0}),
        ],
        &with_record,
    );
    let err = v.store.import_bundle(&with_record, false).unwrap_err();
    assert!(
        err.to_string().contains("may not carry 'record' lines"),
        "{err}"
    );
    assert_eq!(count(&v.store, "SELECT count(*) FROM client"), 0);
}

// ---------------------------------------------------------------------------------------
// 19.10 — enrolment order

#[test]
fn a_centre_enrols_its_coordinator_and_transfer_partners_in_either_order() {
    // Coordinator first, then a partner for transfers (refused before the fix).
    let mut a = site("KLP-01", Country::Lt, Mode::Centre);
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut p = site("KLP-02", Country::Lt, Mode::Centre);
    enrol(&mut a, &mut k);
    enrol(&mut a, &mut p);
    // Partner first, then the coordinator.
    let mut b = site("KLP-03", Country::Lt, Mode::Centre);
    enrol(&mut b, &mut p);
    enrol(&mut b, &mut k);
    for s in [&a, &b] {
        let modes: Vec<Mode> = s.store.peers().unwrap().iter().map(|p| p.mode).collect();
        assert_eq!(modes.iter().filter(|m| **m == Mode::Coordinator).count(), 1);
        assert_eq!(modes.len(), 2);
    }
    // A second coordination centre is still refused, in either position.
    let k2 = site("KOORD2", Country::Lt, Mode::Coordinator);
    let file = k2.store.enrolment_file().unwrap();
    let typed = k2.store.fingerprint().unwrap().short;
    let err = a.store.enrol(&file, &typed).unwrap_err();
    assert!(
        err.to_string()
            .contains("already has a coordination centre"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// 19.11 — parent links belong to the record's owner

/// One row of `table` as the coordination centre holds it, as a bundle row.
fn row_of(store: &Store, table: &str, id: &str) -> serde_json::Map<String, Value> {
    let conn = store.dangerously_raw_connection();
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} WHERE id = ?1"))
        .unwrap();
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    stmt.query_row([id], |r| {
        let mut row = serde_json::Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => json!(n),
                rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                other => panic!("{name}: {other:?}"),
            };
            row.insert(name.clone(), v);
        }
        Ok(row)
    })
    .unwrap()
}

/// Every record of `owner`: table, id, version, and the row as stored.
fn owned_state(store: &Store, owner: &str) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for table in atrama::sync::payload::TABLES {
        let ids: Vec<String> = store
            .dangerously_raw_connection()
            .prepare(&format!(
                "SELECT id FROM {table} WHERE owner_centre = ?1 ORDER BY id"
            ))
            .unwrap()
            .query_map([owner], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for id in ids {
            let row = Value::Object(row_of(store, table, &id)).to_string();
            all.push(((*table).to_owned(), id, row));
        }
    }
    all
}

fn demo(s: &mut Site) {
    atrama::demo::generate(
        &mut s.store,
        &atrama::demo::DemoOptions {
            clients: 4,
            months: 6,
            seed: 11,
            today: crate::site::today(),
        },
    )
    .unwrap();
}

/// A centre sends records of its own that hang from another centre's client and case (a
/// case on the other's client, an incident in the other's case, a correction superseding
/// the other's incident): each is refused, the other's records stay as they were, and the
/// sender's own well-formed records in the same bundle apply.
#[test]
fn records_hanging_from_another_centres_records_are_rejected() {
    let mut k = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut a = site("KLP-01", Country::Lt, Mode::Centre);
    let mut b = site("KLP-02", Country::Lt, Mode::Centre);
    enrol_stores(&mut k.store, &mut a.store);
    enrol_stores(&mut k.store, &mut b.store);
    demo(&mut a);
    let from_a = a.tmp.path().join("a.atrama");
    a.store.export_bundle("KOORD", &from_a, None).unwrap();
    k.store.import_bundle(&from_a, false).unwrap();

    let one = |sql: &str| -> String {
        k.store
            .dangerously_raw_connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    let a_case = one("SELECT id FROM case_file WHERE owner_centre = 'KLP-01' LIMIT 1");
    let a_client = one(&format!(
        "SELECT client_id FROM case_file WHERE id = '{a_case}'"
    ));
    let a_incident = one("SELECT id FROM incident WHERE owner_centre = 'KLP-01' LIMIT 1");
    let a_incident_case = one(&format!(
        "SELECT case_id FROM incident WHERE id = '{a_incident}'"
    ));
    let a_before = owned_state(&k.store, "KLP-01");

    let mine = |mut row: serde_json::Map<String, Value>| {
        row.insert("id".into(), json!(uuid::Uuid::now_v7().to_string()));
        row.insert("owner_centre".into(), json!("KLP-02"));
        row.insert("hlc".into(), json!(9_000_000_000_000_i64));
        row
    };
    // B's own client and case: these apply.
    let mut own_client = mine(row_of(&k.store, "client", &a_client));
    own_client.insert("pseudonym".into(), json!("KLP-02:B7Q-2MD"));
    let mut own_case = mine(row_of(&k.store, "case_file", &a_case));
    own_case.insert("client_id".into(), own_client["id"].clone());
    own_case.insert("case_number".into(), json!("KLP-02-2026-0001"));
    // A case of B on A's client.
    let mut on_a_client = mine(row_of(&k.store, "case_file", &a_case));
    on_a_client.insert("case_number".into(), json!("KLP-02-2026-0002"));
    // An incident of B in A's case.
    let in_a_case = mine(row_of(&k.store, "incident", &a_incident));
    // An incident of B in B's own case that supersedes A's incident.
    let mut supersedes_a = mine(row_of(&k.store, "incident", &a_incident));
    supersedes_a.insert("case_id".into(), own_case["id"].clone());
    supersedes_a.insert("supersedes".into(), json!(a_incident));
    assert_eq!(in_a_case["case_id"], json!(a_incident_case));

    let rows = [
        ("client", &own_client),
        ("case_file", &own_case),
        ("case_file", &on_a_client),
        ("incident", &in_a_case),
        ("incident", &supersedes_a),
    ];
    let mut lines = vec![manifest("KLP-02", "pseudonymised")];
    for (table, row) in rows {
        lines.push(json!({"type": "record", "table": table, "row": row}));
    }
    lines.push(json!({"type": "end", "records": rows.len(), "withdrawn": 0, "acks": 0}));
    let crafted = b.tmp.path().join("crafted.atrama");
    forge(
        &b.store,
        &k.store,
        BundleKind::CentreExport,
        &lines,
        &crafted,
    );

    let summary = k.store.import_bundle(&crafted, false).unwrap();
    let rejected: Vec<(String, String)> = summary
        .rejected
        .iter()
        .map(|r| (r.table.clone(), r.id.clone()))
        .collect();
    let id = |row: &serde_json::Map<String, Value>| row["id"].as_str().unwrap().to_owned();
    assert_eq!(
        rejected,
        vec![
            ("case_file".into(), id(&on_a_client)),
            ("incident".into(), id(&in_a_case)),
            ("incident".into(), id(&supersedes_a)),
        ],
        "{:#?}",
        summary.rejected
    );
    for r in &summary.rejected {
        assert!(
            r.reason.contains("points to a record of KLP-01") && r.reason.contains("KLP-02"),
            "{}",
            r.reason
        );
    }
    // B's own client and case applied; nothing of B hangs from A; A's records unchanged.
    assert_eq!(
        count(
            &k.store,
            "SELECT count(*) FROM client WHERE owner_centre = 'KLP-02'"
        ),
        1
    );
    assert_eq!(
        count(
            &k.store,
            "SELECT count(*) FROM case_file WHERE owner_centre = 'KLP-02'"
        ),
        1
    );
    assert_eq!(
        count(
            &k.store,
            "SELECT count(*) FROM incident WHERE owner_centre = 'KLP-02'"
        ),
        0
    );
    assert_eq!(owned_state(&k.store, "KLP-01"), a_before);
}
