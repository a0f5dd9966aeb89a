//! What the screens show of the centre's computers (`src/peers/status.rs`): the sync folder
//! remembered per computer, a missing folder as a quiet result (the automatic sync at
//! unlock), the last sync's result, and the "changed on two computers" review of a case with
//! the computers' names, safety-critical fields first, and the Cases list's marker.

use std::path::Path;

use atrama::cases::{CaseFields, NewCase};
use atrama::peers::status::SyncOutcome;
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};
use chrono::NaiveDate;

const PASS: &str = "a passphrase for tests";

fn case(source: &str) -> CaseFields {
    CaseFields {
        referral_source: source.into(),
        police_notified_on: None,
        intake_outcome: "accepted".into(),
        lead_worker: None,
        team: vec![],
        follow_up_on: None,
    }
}

/// Two computers of one centre (A first, B joined and added on A), with one client and case.
pub(crate) fn two(
    tmp: &Path,
) -> (
    Store,
    Store,
    atrama::ids::ClientId,
    atrama::ids::CaseId,
    atrama::RecoveryKey,
) {
    let new = NewCentre {
        code: "KLP-01".into(),
        name: "Klaipėda centre".into(),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (mut a, recovery) = Store::create(
        &tmp.join("a"),
        &new,
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let (cl, cs) = a
        .batch(|w| {
            let cl =
                w.create_client(&super::peers::client_fields("+370 612 34567", "Liepų g. 1"))?;
            let cs = w.open_case(&NewCase {
                client_id: cl,
                opened_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
                fields: case("self"),
            })?;
            Ok((cl, cs))
        })
        .unwrap();
    // A second person, who works on B in the review test.
    a.add_staff(
        "tomas",
        atrama::Role::Administrator,
        &[],
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let file = tmp.join("b.join");
    a.peers_join_file(&file, "desk A").unwrap();
    let short = atrama::peers::join::join(&file, &recovery, &tmp.join("b"), "laptop B").unwrap();
    let mut b = Store::unlock(&tmp.join("b"), "ona", &Passphrase::new(PASS)).unwrap();
    let enrolment = b.peers_enrolment("laptop B").unwrap();
    a.peers_add(&enrolment, &short).unwrap();
    (a, b, cl, cs, recovery)
}

#[test]
fn a_missing_sync_folder_is_a_quiet_result_and_the_last_sync_is_remembered_per_computer() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, _, _, recovery) = two(tmp.path());
    // No folder chosen: nothing happens, quietly, and nothing is remembered.
    let r = a.peers_sync_saved(true).unwrap();
    assert_eq!(r.outcome, SyncOutcome::NoFolder);
    assert_eq!(a.peers_overview().unwrap().last_sync, None);
    // A folder that is not there is refused when it is chosen, with what to do.
    let stick = tmp.path().join("stick");
    let e = a.set_peers_folder(Some(&stick)).unwrap_err();
    assert!(e.to_string().contains("plug in the stick"), "{e}");
    assert_eq!(a.peers_folder().unwrap(), None);
    std::fs::create_dir(&stick).unwrap();
    a.set_peers_folder(Some(&stick)).unwrap();
    b.set_peers_folder(Some(&stick)).unwrap();
    let r = a.peers_sync_saved(true).unwrap();
    assert_eq!(
        (r.outcome, r.written, r.automatic),
        (SyncOutcome::Done, 1, true)
    );
    let r = b.peers_sync_saved(false).unwrap();
    assert_eq!((r.outcome, r.applied, r.written), (SyncOutcome::Done, 1, 1));
    // The stick is pulled out: a quiet result, not an error, and remembered as such.
    std::fs::rename(&stick, tmp.path().join("elsewhere")).unwrap();
    let r = a.peers_sync_saved(true).unwrap();
    assert_eq!(r.outcome, SyncOutcome::FolderMissing);
    let seen = a.peers_overview().unwrap();
    assert!(!seen.folder_reachable);
    assert_eq!(seen.folder.as_deref(), Some(stick.to_str().unwrap()));
    assert_eq!(seen.last_sync.unwrap().outcome, SyncOutcome::FolderMissing);
    assert_eq!(seen.this_computer.unwrap().name, "desk A");
    let listed: Vec<_> = seen
        .computers
        .iter()
        .map(|c| {
            (
                c.installation.name.as_str(),
                c.installation.this_computer,
                c.added_at.starts_with("20"),
            )
        })
        .collect();
    assert_eq!(listed, [("desk A", true, true), ("laptop B", false, true)]);
    // B remembers its own last sync, not A's.
    let on_b = b.peers_overview().unwrap();
    let last = on_b.last_sync.unwrap();
    assert_eq!(
        (last.outcome, last.applied, last.automatic),
        (SyncOutcome::Done, 1, false)
    );
    // A computer joined after A synced (a copy of A's store) has no last sync of its own.
    let file = tmp.path().join("c.join");
    a.peers_join_file(&file, "desk A").unwrap();
    atrama::peers::join::join(&file, &recovery, &tmp.path().join("c"), "laptop C").unwrap();
    let c = Store::unlock(&tmp.path().join("c"), "ona", &Passphrase::new(PASS)).unwrap();
    assert_eq!(c.peers_overview().unwrap().last_sync, None);
    assert_eq!(
        c.peers_overview().unwrap().this_computer.unwrap().name,
        "laptop C"
    );
}

#[test]
fn the_case_review_names_the_computers_and_lists_safety_critical_fields_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, b, cl, cs, _) = two(tmp.path());
    // Tomas works on B.
    drop(b);
    let mut b = Store::unlock(&tmp.path().join("b"), "tomas", &Passphrase::new(PASS)).unwrap();
    let folder = tmp.path().join("shared");
    std::fs::create_dir(&folder).unwrap();
    a.peers_sync(&folder).unwrap();
    b.peers_sync(&folder).unwrap();
    a.peers_sync(&folder).unwrap();
    // The same fields changed on both computers before they sync: the case's referral
    // source (not safety-critical) and the client's address (safety-critical).
    for (store, tag) in [(&mut a, "A"), (&mut b, "B")] {
        store
            .batch(|w| {
                w.update_client(
                    cl,
                    &super::peers::client_fields("+370 612 34567", &format!("Address from {tag}")),
                )?;
                w.update_case(cs, &case(if tag == "A" { "police" } else { "ngo" }))
            })
            .unwrap();
    }
    assert!(a.peer_review_cases().unwrap().is_empty());
    b.peers_sync(&folder).unwrap();
    a.peers_sync(&folder).unwrap();
    b.peers_sync(&folder).unwrap();
    for store in [&a, &b] {
        let reviews = store.peer_case_reviews(&cs.to_string()).unwrap();
        let fields: Vec<_> = reviews
            .iter()
            .map(|r| (r.field.as_str(), r.safety_critical))
            .collect();
        assert_eq!(fields, [("address", true), ("referral_source", false)]);
        let mut computers: Vec<_> = reviews[0]
            .values
            .iter()
            .map(|v| v.computer.clone())
            .collect();
        computers.sort();
        assert_eq!(computers, ["desk A", "laptop B"]);
        assert!(
            reviews[0].values.iter().all(|v| v.at.starts_with("20")),
            "{reviews:?}"
        );
        assert_eq!(reviews[0].values.iter().filter(|v| v.current).count(), 1);
        // The Cases list marks the case, for its client's field as for its own.
        assert_eq!(store.peer_review_cases().unwrap(), [cs.to_string()]);
    }
    // Choosing a value through the version shown closes the review here at once.
    let pick = b.peer_case_reviews(&cs.to_string()).unwrap()[0].values[1].clone();
    b.resolve_peer_review("client", &cl.to_string(), "address", pick.version)
        .unwrap();
    let left = b.peer_case_reviews(&cs.to_string()).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].field, "referral_source");
    assert_eq!(b.client_identity(cl).unwrap().address, pick.value);
}

/// Reference data travels between the computers of a centre (issue 23): an instrument pack
/// loaded on A — one licensed for this centre only too — is in force on B after a sync,
/// through the same checks as a return bundle's items, logged as coming from A; once B has
/// reported it in force, A's next files do not carry it again, and B's files to A change
/// nothing there.
#[test]
fn instrument_packs_loaded_on_one_computer_are_in_force_on_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, _, _, _) = two(tmp.path());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/instruments");
    let read = |f: &str| std::fs::read_to_string(fixtures.join(f)).unwrap();
    a.import_instrument(&read("count-v1.json")).unwrap();
    a.import_instrument(&read("weighted-v1.json")).unwrap();
    let loaded = |s: &Store| -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = s
            .instruments()
            .unwrap()
            .into_iter()
            .filter(|i| !i.builtin)
            .map(|i| (i.id, i.version))
            .collect();
        v.sort();
        v
    };
    assert_eq!(loaded(&b), []);
    let stick = tmp.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    a.peers_sync(&stick).unwrap();
    b.peers_sync(&stick).unwrap();
    assert_eq!(loaded(&b), loaded(&a));
    assert_eq!(loaded(&b).len(), 2);
    let status = b.reference_status().unwrap();
    let packs: Vec<_> = status
        .log
        .iter()
        .filter(|l| l.outcome.kind == "instrument_pack")
        .collect();
    assert_eq!(packs.len(), 2, "{packs:?}");
    for l in &packs {
        assert_eq!(l.outcome.outcome, "applied", "{l:?}");
        assert!(l.source.starts_with("computer "), "{l:?}");
    }
    // A applies B's file (which reports both packs in force); A's next file to B carries
    // neither again, so B logs nothing more.
    a.peers_sync(&stick).unwrap();
    let a_log = a.reference_status().unwrap().log.len();
    b.peers_sync(&stick).unwrap();
    a.peers_sync(&stick).unwrap();
    b.peers_sync(&stick).unwrap();
    assert_eq!(b.reference_status().unwrap().log.len(), status.log.len());
    assert_eq!(a.reference_status().unwrap().log.len(), a_log);
    // A newer version loaded on B reaches A.
    b.import_instrument(&read("count-v2.json")).unwrap();
    b.peers_sync(&stick).unwrap();
    a.peers_sync(&stick).unwrap();
    assert_eq!(loaded(&a), loaded(&b));
    assert_eq!(loaded(&a).len(), 3);
}
