//! Several computers of one centre (`docs/peers.md`): three installations joined from one
//! store sync through a shared folder; concurrent edits converge on every computer in any
//! interleaving (a property test), the same field changed on two computers ends in review
//! with both values kept, a removed computer opens nothing written afterwards, people and
//! their disabling travel, and the coordination centre counts each case once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use atrama::cases::{CaseFields, ClientFields, ContactSafety, NewCase, NoteFields, Tri};
use atrama::ids::{CaseId, ClientId};
use atrama::{
    Country, ErrorCode, KdfParams, Language, Mode, NewCentre, Passphrase, RecoveryKey, Role, Store,
};
use chrono::NaiveDate;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const PASS: &str = "a passphrase for tests";

/// A centre of three computers (A the first, B and C joined), their folders kept in `tmp`.
struct Centre {
    tmp: tempfile::TempDir,
    dirs: [PathBuf; 3],
    stores: Vec<Store>,
    client: ClientId,
    case: CaseId,
    recovery: RecoveryKey,
}

pub(crate) fn client_fields(phone: &str, address: &str) -> ClientFields {
    ClientFields {
        given_name: Some("Rasa".into()),
        family_name: Some("Petrauskienė".into()),
        phone: Some(phone.into()),
        address: Some(address.into()),
        sex: "female".into(),
        birth_year: Some(1988),
        contact_safety: ContactSafety {
            safe_to_call: Tri::No,
            safe_to_text: Tri::Yes,
            safe_to_visit: Tri::No,
            if_someone_else_answers: None,
            notes: None,
        },
        ..ClientFields::default()
    }
}

fn case_fields(source: &str) -> CaseFields {
    CaseFields {
        referral_source: source.into(),
        police_notified_on: None,
        intake_outcome: "accepted".into(),
        lead_worker: None,
        team: vec![],
        follow_up_on: None,
    }
}

/// Unlocks once the store's lock is free: a child process another test thread is starting
/// holds a copy of the lock's descriptor between its fork and its exec (see
/// `crash::unlock_when_free`).
fn try_unlock(dir: &Path, user: &str, pass: &str) -> atrama::Result<Store> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match Store::unlock(dir, user, &Passphrase::new(pass)) {
            Err(atrama::Error::StoreInUse { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn unlock(dir: &Path, user: &str, pass: &str) -> Store {
    try_unlock(dir, user, pass).unwrap()
}

/// Joins a new computer `name` to the centre from `from`, adds it there; its store.
fn join(from: &mut Store, recovery: &RecoveryKey, tmp: &Path, dir: &Path, name: &str) -> Store {
    let file = tmp.join(format!("{name}.join"));
    from.peers_join_file(&file, "desk A").unwrap();
    // The enrolment file the join hands back (the app's first screen saves it before anyone
    // unlocks) is the one the joined computer writes once unlocked.
    let made = atrama::peers::join::join_with_enrolment(&file, recovery, dir, name).unwrap();
    let short = made.fingerprint;
    let mut joined = unlock(dir, "ona", PASS);
    assert_eq!(joined.peers_enrolment(name).unwrap(), made.enrolment);
    assert_eq!(joined.peers_fingerprint(name).unwrap(), short);
    from.peers_add(&made.enrolment, &short).unwrap();
    joined
}

fn centre() -> Centre {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = [
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    ];
    let new = NewCentre {
        code: "KLP-01".into(),
        name: "Klaipėda centre".into(),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (mut a, recovery) = Store::create(
        &dirs[0],
        &new,
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let (client, case) = a
        .batch(|w| {
            let client = w.create_client(&client_fields("+370 612 34567", "Liepų g. 1"))?;
            let case = w.open_case(&NewCase {
                client_id: client,
                opened_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
                fields: case_fields("self"),
            })?;
            Ok((client, case))
        })
        .unwrap();
    let b = join(&mut a, &recovery, tmp.path(), &dirs[1], "laptop B");
    let c = join(&mut a, &recovery, tmp.path(), &dirs[2], "laptop C");
    Centre {
        tmp,
        dirs,
        stores: vec![a, b, c],
        client,
        case,
        recovery,
    }
}

impl Centre {
    fn folder(&self) -> PathBuf {
        let f = self.tmp.path().join("shared");
        std::fs::create_dir_all(&f).unwrap();
        f
    }

    fn sync(&mut self, i: usize) -> atrama::peers::SyncReport {
        let folder = self.folder();
        let report = self.stores[i].peers_sync(&folder).unwrap();
        assert!(report.refused.is_empty(), "{:?}", report.refused);
        report
    }

    /// Syncs every computer until no one writes anything new.
    fn settle(&mut self) {
        for _ in 0..6 {
            let mut quiet = true;
            for i in 0..3 {
                let r = self.sync(i);
                quiet &= r.applied.is_empty() && r.written.is_empty();
            }
            if quiet {
                return;
            }
        }
        panic!("the computers did not settle");
    }

    fn edit_client(&mut self, i: usize, phone: Option<&str>, address: Option<&str>) {
        self.write_client(i, phone, address, None);
    }

    /// Sets the client's disability on computer `i`, her other details as they are there.
    fn edit_disability(&mut self, i: usize, d: Tri) {
        self.write_client(i, None, None, Some(d));
    }

    /// Changes the client on computer `i`: what is given, the rest as it is there.
    fn write_client(
        &mut self,
        i: usize,
        phone: Option<&str>,
        address: Option<&str>,
        disability: Option<Tri>,
    ) {
        let id = self.client;
        let store = &mut self.stores[i];
        let now = store.client_identity(id).unwrap();
        let mut f = client_fields(
            phone.or(now.phone.as_deref()).unwrap_or(""),
            address.or(now.address.as_deref()).unwrap_or(""),
        );
        f.disability = disability.unwrap_or_else(|| disability_of(store));
        store.batch(|w| w.update_client(id, &f)).unwrap();
    }

    /// Sets the case's referral source or intake outcome on computer `i`, the rest as it is
    /// there.
    fn edit_case(&mut self, i: usize, source: Option<&str>, intake: Option<&str>) {
        let id = self.case;
        let store = &mut self.stores[i];
        let (now_source, now_intake): (String, String) = store
            .dangerously_raw_connection()
            .query_row(
                "SELECT referral_source, intake_outcome FROM case_file WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let mut f = case_fields(source.unwrap_or(&now_source));
        f.intake_outcome = intake.unwrap_or(&now_intake).into();
        store.batch(|w| w.update_case(id, &f)).unwrap();
    }
}

/// The client's disability as stored on a computer.
fn disability_of(store: &Store) -> Tri {
    let code: String = store
        .dangerously_raw_connection()
        .query_row("SELECT disability FROM client", [], |r| r.get(0))
        .unwrap();
    [Tri::Yes, Tri::No, Tri::Unknown]
        .into_iter()
        .find(|t| t.code() == code)
        .unwrap()
}

/// A content checksum of every synced table (and of the field versions), per table.
fn checksum(store: &Store) -> BTreeMap<String, String> {
    let conn = store.dangerously_raw_connection();
    let mut out = BTreeMap::new();
    for (table, order) in [
        ("client", "id"),
        ("case_file", "id"),
        ("case_team", "case_id, username"),
        ("child", "id"),
        ("note", "id"),
        ("service_contact", "id"),
        ("appointment", "id"),
        (
            "client_revision",
            "client_id, hlc, changed_by, before, after",
        ),
        ("staff", "username"),
        ("peer_field", "tbl, record_id, field, hlc, install"),
    ] {
        // A revision's `seq` is its place on one computer; everything else must agree.
        let columns = if table == "client_revision" {
            "client_id, hlc, changed_at, changed_by, before, after"
        } else {
            "*"
        };
        let mut stmt = conn
            .prepare(&format!("SELECT {columns} FROM {table} ORDER BY {order}"))
            .unwrap();
        let n = stmt.column_count();
        let mut h = Sha256::new();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i).unwrap();
                h.update(format!("{v:?}|").as_bytes());
            }
            h.update(b"\n");
        }
        out.insert(table.to_owned(), format!("{:x}", h.finalize()));
    }
    out
}

fn assert_converged(c: &Centre) {
    let a = checksum(&c.stores[0]);
    assert_eq!(a, checksum(&c.stores[1]), "A and B differ");
    assert_eq!(a, checksum(&c.stores[2]), "A and C differ");
}

#[test]
fn the_same_field_changed_on_two_computers_ends_in_review_with_both_values_kept() {
    let mut c = centre();
    c.settle();
    // Different fields on A and B, and the same field (the address) on both.
    c.edit_client(0, Some("+370 600 00001"), Some("Address from A"));
    c.edit_client(1, None, Some("Address from B"));
    c.settle();
    assert_converged(&c);
    let id = c.stores[2].client_identity(c.client).unwrap();
    // The other field merged without review.
    assert_eq!(id.phone.as_deref(), Some("+370 600 00001"));
    for store in &c.stores {
        let reviews = store.peer_reviews(Some(&c.case.to_string())).unwrap();
        assert_eq!(reviews.len(), 1, "{reviews:?}");
        let r = &reviews[0];
        assert_eq!((r.table.as_str(), r.field.as_str()), ("client", "address"));
        assert!(r.safety_critical);
        let mut values: Vec<_> = r.values.iter().map(|v| v.value.clone().unwrap()).collect();
        values.sort();
        assert_eq!(values, ["Address from A", "Address from B"]);
        // The value in force is the later one, and it is what the record shows.
        assert_eq!(r.values[0].value.as_deref(), id.address.as_deref());
    }
    // A person chooses the earlier value on C; the choice travels and the review closes.
    let loser = c.stores[2].peer_reviews(None).unwrap()[0].values[1].clone();
    c.stores[2]
        .resolve_peer_review("client", &c.client.to_string(), "address", loser.hlc)
        .unwrap();
    c.settle();
    assert_converged(&c);
    for store in &c.stores {
        assert!(store.peer_reviews(None).unwrap().is_empty());
        let addr = store.client_identity(c.client).unwrap().address;
        assert_eq!(addr, loser.value);
    }
}

#[test]
fn records_made_on_any_computer_reach_the_others_with_their_own_case_numbers() {
    let mut c = centre();
    let case_b = c.stores[1]
        .batch(|w| {
            let client = w.create_client(&client_fields("+370 611 11111", "Jūros g. 2"))?;
            w.open_case(&NewCase {
                client_id: client,
                opened_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
                fields: case_fields("police"),
            })
        })
        .unwrap();
    let case_a = c.stores[0]
        .batch(|w| {
            let client = w.create_client(&client_fields("+370 622 22222", "Tilžės g. 3"))?;
            w.open_case(&NewCase {
                client_id: client,
                opened_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
                fields: case_fields("self"),
            })
        })
        .unwrap();
    c.stores[1]
        .batch(|w| {
            w.add_note(
                case_a,
                &NoteFields {
                    body: "seen on B".into(),
                    restricted_to: None,
                },
            )
        })
        .err();
    c.settle();
    c.stores[1]
        .batch(|w| {
            w.add_note(
                case_a,
                &NoteFields {
                    body: "written on B".into(),
                    restricted_to: None,
                },
            )
        })
        .unwrap();
    c.settle();
    assert_converged(&c);
    let na = c.stores[0].case(case_a).unwrap().case_number;
    let nb = c.stores[0].case(case_b).unwrap().case_number;
    assert_ne!(na, nb);
    assert!(nb.contains("-B"), "{nb}");
    // Search on C finds the note written on B and the client registered on B.
    let hits = c.stores[2].search("written", Some(10)).unwrap();
    assert!(!hits.is_empty());
}

#[test]
fn a_removed_computer_cannot_open_sync_files_written_afterwards() {
    let mut c = centre();
    c.settle();
    let c_id = c.stores[2].peers_list().unwrap()[0].install_id.clone();
    c.stores[0].peers_remove(&c_id).unwrap();
    // Everything written from now on: A tells B of the removal, B writes after it.
    c.edit_client(0, Some("+370 699 99999"), None);
    let folder = c.folder();
    let written = c.stores[0].peers_sync(&folder).unwrap().written;
    assert_eq!(written.len(), 1, "A writes only for B now: {written:?}");
    c.stores[1].peers_sync(&folder).unwrap();
    c.edit_client(1, None, Some("New address after removal"));
    let written = c.stores[1].peers_sync(&folder).unwrap().written;
    assert_eq!(written.len(), 1, "B writes only for A now: {written:?}");
    c.stores[0].peers_sync(&folder).unwrap();
    // C applies nothing new and still shows the old values.
    let report = c.stores[2].peers_sync(&folder).unwrap();
    assert!(report.applied.is_empty(), "{report:?}");
    let id = c.stores[2].client_identity(c.client).unwrap();
    assert_ne!(id.phone.as_deref(), Some("+370 699 99999"));
    // Nothing C writes is applied any more.
    let c_files = c.stores[2].peers_sync(&folder).unwrap().written;
    assert!(!c_files.is_empty());
    let from_c = c_files[0].split("-to-").next().unwrap().to_owned();
    for s in 0..2 {
        let r = c.stores[s].peers_sync(&folder).unwrap();
        assert!(r.applied.iter().all(|n| !n.starts_with(&from_c)), "{r:?}");
        assert!(!r.refused.is_empty());
        assert!(
            r.refused.iter().all(|(n, _)| n.starts_with(&from_c)),
            "{r:?}"
        );
    }
    // A and B list C as removed.
    for s in 0..2 {
        let list = c.stores[s].peers_list().unwrap();
        let listed = list.iter().find(|i| i.install_id == c_id).unwrap();
        assert!(listed.removed_at.is_some());
    }
}

#[test]
fn people_added_or_disabled_on_one_computer_are_so_on_every_computer() {
    let mut c = centre();
    c.stores[1]
        .add_staff(
            "vita",
            Role::Counsellor,
            &[],
            &Passphrase::new("vita's own passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    c.stores[0]
        .add_staff(
            "lina",
            Role::Counsellor,
            &[],
            &Passphrase::new("lina's own passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    c.settle();
    assert_converged(&c);
    // Vita, added on B, unlocks A and C with her own passphrase (no store open there).
    let dirs = c.dirs.clone();
    let Centre { stores, .. } = &mut c;
    let mut stores: Vec<Option<Store>> = std::mem::take(stores).into_iter().map(Some).collect();
    for i in [0, 2] {
        let s = stores[i].take();
        drop(s);
        let vita = unlock(&dirs[i], "vita", "vita's own passphrase");
        drop(vita);
        stores[i] = Some(unlock(&dirs[i], "ona", PASS));
    }
    // Lina, added on A, unlocks B before she is disabled (the control for below).
    drop(stores[1].take());
    drop(unlock(&dirs[1], "lina", "lina's own passphrase"));
    stores[1] = Some(unlock(&dirs[1], "ona", PASS));
    // Lina, disabled on C, cannot unlock A or B after the sync.
    let mut stores: Vec<Store> = stores.into_iter().map(Option::unwrap).collect();
    stores[2].disable_staff("lina").unwrap();
    let folder = c.tmp.path().join("shared");
    for _ in 0..3 {
        for s in stores.iter_mut() {
            s.peers_sync(&folder).unwrap();
        }
    }
    drop(stores);
    for dir in &dirs {
        let e = try_unlock(dir, "lina", "lina's own passphrase").unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnknownUser, "{e}");
    }
}

/// Closes every store of the centre, runs `f` with them closed, and unlocks them again as ona.
fn with_closed(c: &mut Centre, f: impl FnOnce(&[PathBuf; 3])) {
    drop(std::mem::take(&mut c.stores));
    f(&c.dirs);
    c.stores = c.dirs.iter().map(|d| unlock(d, "ona", PASS)).collect();
}

#[test]
fn a_passphrase_change_or_reset_reaches_every_computer_and_the_old_one_stops_working() {
    let mut c = centre();
    c.stores[1]
        .add_staff(
            "vita",
            Role::Counsellor,
            &[],
            &Passphrase::new("vita's first passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    c.settle();
    // Vita changes her passphrase on A.
    with_closed(&mut c, |dirs| {
        Store::change_passphrase(
            &dirs[0],
            "vita",
            &Passphrase::new("vita's first passphrase"),
            &Passphrase::new("vita's second passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    });
    c.settle();
    with_closed(&mut c, |dirs| {
        for dir in dirs {
            drop(unlock(dir, "vita", "vita's second passphrase"));
            let e = try_unlock(dir, "vita", "vita's first passphrase").unwrap_err();
            assert_eq!(e.code(), ErrorCode::WrongPassphrase, "{e}");
        }
    });
    // Two computers change it before they sync: the later change is in force everywhere.
    let recovery = c.recovery.clone();
    with_closed(&mut c, |dirs| {
        Store::change_passphrase(
            &dirs[2],
            "vita",
            &Passphrase::new("vita's second passphrase"),
            &Passphrase::new("vita's passphrase set on C"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    });
    // C records its change (a sync with nothing to read) before B's reset is made.
    c.sync(2);
    with_closed(&mut c, |dirs| {
        Store::reset_passphrase(
            &dirs[1],
            &recovery,
            "vita",
            &Passphrase::new("vita's passphrase reset on B"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    });
    c.settle();
    assert_converged(&c);
    with_closed(&mut c, |dirs| {
        for dir in dirs {
            drop(unlock(dir, "vita", "vita's passphrase reset on B"));
            for old in ["vita's passphrase set on C", "vita's second passphrase"] {
                let e = try_unlock(dir, "vita", old).unwrap_err();
                assert_eq!(e.code(), ErrorCode::WrongPassphrase, "{e}");
            }
        }
    });
}

#[test]
fn the_coordinator_counts_each_case_once_and_one_computer_exports() {
    let mut c = centre();
    let first = c.case;
    c.stores[0]
        .batch(|w| w.record_consent(first, &statistics_consent()))
        .unwrap();
    // B opens a case; after a sync A holds it and A alone sends the centre's bundles.
    c.stores[1]
        .batch(|w| {
            let client = w.create_client(&client_fields("+370 611 11111", "Jūros g. 2"))?;
            w.open_case(&NewCase {
                client_id: client,
                opened_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
                fields: case_fields("police"),
            })
            .and_then(|case| w.record_consent(case, &statistics_consent()))
        })
        .unwrap();
    c.settle();
    let list = c.stores[1].peers_list().unwrap();
    assert!(
        list.iter()
            .any(|i| i.exports_to_coordinator && !i.this_computer)
    );
    let a_cases: i64 = c.stores[0]
        .dangerously_raw_connection()
        .query_row("SELECT count(*) FROM case_file", [], |r| r.get(0))
        .unwrap();
    assert_eq!(a_cases, 2);
    // The centre identity is the same on every computer (the join copies it).
    let fa = c.stores[0].fingerprint().unwrap();
    assert_eq!(fa, c.stores[1].fingerprint().unwrap());
    let mut coord = coordinator(&mut c);
    let out = c.tmp.path().join("b1.atrb");
    let refused = c.stores[1].export_bundle("KOORD", &out, None).unwrap_err();
    assert!(
        refused.to_string().contains("another computer"),
        "{refused}"
    );
    c.stores[0].export_bundle("KOORD", &out, None).unwrap();
    coord.import_bundle(&out, false).unwrap();
    assert_eq!(centre_cases(&coord), 2);
    let seqs: Vec<i64> = coord
        .dangerously_raw_connection()
        .prepare("SELECT sequence FROM bundle_in ORDER BY sequence")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(seqs, [1]);
}

/// The cases of the centre KLP-01 a coordination centre holds.
pub(crate) fn centre_cases(coord: &Store) -> i64 {
    coord
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM case_file WHERE owner_centre = 'KLP-01'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// The coordinator's copy of the centre's one case: (referral source, intake outcome).
fn coordinator_case(coord: &Store) -> (String, String) {
    coord
        .dangerously_raw_connection()
        .query_row(
            "SELECT referral_source, intake_outcome FROM case_file WHERE owner_centre = 'KLP-01'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn a_change_merged_from_another_computer_reaches_the_coordinator() {
    let mut c = centre();
    let case = c.case;
    c.stores[0]
        .batch(|w| w.record_consent(case, &statistics_consent()))
        .unwrap();
    c.settle();
    let mut coord = coordinator(&mut c);
    // B changes one field of the case, then A (which exports) another, later: A's change
    // is the newest of the case when A exports first.
    let mut declined = case_fields("self");
    declined.intake_outcome = "declined".into();
    c.stores[1]
        .batch(|w| w.update_case(case, &declined))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    c.stores[0]
        .batch(|w| w.update_case(case, &case_fields("police")))
        .unwrap();
    let out = c.tmp.path().join("1.atrb");
    c.stores[0].export_bundle("KOORD", &out, None).unwrap();
    coord.import_bundle(&out, false).unwrap();
    assert_eq!(
        coordinator_case(&coord),
        ("police".into(), "accepted".into())
    );
    // B's older change reaches A: the case on A now holds both, and so must the
    // coordinator's copy after A's next bundle.
    c.settle();
    assert_converged(&c);
    let out = c.tmp.path().join("2.atrb");
    c.stores[0].export_bundle("KOORD", &out, None).unwrap();
    coord.import_bundle(&out, false).unwrap();
    assert_eq!(
        coordinator_case(&coord),
        ("police".into(), "declined".into())
    );
}

#[test]
fn an_edit_undone_before_a_sync_converges_and_the_coordinator_follows_every_step() {
    let mut c = centre();
    let (case, client) = (c.case, c.client);
    c.stores[0]
        .batch(|w| w.record_consent(case, &statistics_consent()))
        .unwrap();
    c.settle();
    let mut coord = coordinator(&mut c);
    let disability = |s: &Store| -> String {
        s.dangerously_raw_connection()
            .query_row("SELECT disability FROM client", [], |r| r.get(0))
            .unwrap()
    };
    let set = |s: &mut Store, d: Tri| {
        let mut f = client_fields("+370 612 34567", "Liepų g. 1");
        f.disability = d;
        s.batch(|w| w.update_client(client, &f)).unwrap();
    };
    let export = |c: &mut Centre, coord: &mut Store, n: u32| {
        let out = c.tmp.path().join(format!("{n}.atrb"));
        c.stores[0].export_bundle("KOORD", &out, None).unwrap();
        coord.import_bundle(&out, false).unwrap();
    };
    let before = disability(&c.stores[0]);
    // On A (which exports) the client's disability is changed, leaves for the
    // coordinator, and is changed back before any sync: the other computers never see it.
    set(&mut c.stores[0], Tri::Yes);
    export(&mut c, &mut coord, 1);
    assert_eq!(disability(&coord), "yes");
    set(&mut c.stores[0], Tri::Unknown);
    assert_eq!(disability(&c.stores[0]), before);
    c.settle();
    assert_converged(&c);
    export(&mut c, &mut coord, 2);
    assert_eq!(disability(&coord), before);
    // A change made afterwards on B reaches the coordinator through A.
    set(&mut c.stores[1], Tri::No);
    c.settle();
    assert_converged(&c);
    export(&mut c, &mut coord, 3);
    assert_eq!(disability(&coord), "no");
}

fn statistics_consent() -> atrama::cases::ConsentFields {
    atrama::cases::ConsentFields {
        purpose: "statistics".into(),
        agency_type: None,
        given: true,
        given_by: "self".into(),
        on_date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
        shared_fields: vec![],
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Phone(usize, u8),
    Address(usize, u8),
    Source(usize, u8),
    Intake(usize, u8),
    Disability(usize, u8),
    Sync(usize),
    /// The computer that sends the centre's bundles (as it sees itself) exports to the
    /// coordination centre, which imports; nothing when none does (a handover on its way).
    Export,
    /// The computer that sends the centre's bundles hands the role over to computer `i`.
    HandOver(usize),
    /// Whether the case's child witnessed the violence, set on computer `i`.
    Child(usize, u8),
    /// Computer `i` resolves the first field in review (if any) with a value not in force.
    Resolve(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..4u8).prop_map(|(i, v)| Op::Phone(i, v)),
        (0..3usize, 0..4u8).prop_map(|(i, v)| Op::Address(i, v)),
        (0..3usize, 0..4u8).prop_map(|(i, v)| Op::Source(i, v)),
        (0..3usize, 0..2u8).prop_map(|(i, v)| Op::Intake(i, v)),
        (0..3usize, 0..3u8).prop_map(|(i, v)| Op::Disability(i, v)),
        (0..3usize).prop_map(Op::Sync),
        Just(Op::Export),
        (0..3usize).prop_map(Op::HandOver),
        (0..3usize, 0..3u8).prop_map(|(i, v)| Op::Child(i, v)),
        (0..3usize).prop_map(Op::Resolve),
    ]
}

/// The template centre (its case shared for statistics, a coordination centre enrolled),
/// made once; each case works on a copy of its folders.
fn template() -> &'static (tempfile::TempDir, ClientId, CaseId) {
    static T: std::sync::OnceLock<(tempfile::TempDir, ClientId, CaseId)> =
        std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut c = centre();
        let case = c.case;
        c.stores[0]
            .batch(|w| {
                w.record_consent(case, &statistics_consent())?;
                w.add_child(case, &child_fields(Tri::Unknown)).map(|_| ())
            })
            .unwrap();
        c.settle();
        drop(coordinator(&mut c));
        let client = c.client;
        let Centre { tmp, stores, .. } = c;
        drop(stores);
        (tmp, client, case)
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The columns of the client, the case and its child that reach the coordination centre as
/// they are.
fn shared_values(store: &Store, owner: &str) -> (Vec<String>, Vec<String>) {
    let conn = store.dangerously_raw_connection();
    let client = conn
        .query_row(
            "SELECT sex, age_band, disability, migrant FROM client WHERE owner_centre = ?1",
            [owner],
            |r| (0..4).map(|i| r.get(i)).collect(),
        )
        .unwrap();
    let mut case: Vec<String> = conn
        .query_row(
            "SELECT referral_source, intake_outcome, status FROM case_file WHERE owner_centre = ?1",
            [owner],
            |r| (0..3).map(|i| r.get(i)).collect(),
        )
        .unwrap();
    let child: Vec<String> = conn
        .query_row(
            "SELECT sex, age_band, lives_with_client, witnessed, directly_harmed,
                    child_protection_referral FROM child WHERE owner_centre = ?1",
            [owner],
            |r| (0..6).map(|i| r.get(i)).collect(),
        )
        .unwrap();
    case.extend(child);
    (client, case)
}

/// A child of the case, `witnessed` as given.
fn child_fields(witnessed: Tri) -> atrama::cases::ChildFields {
    atrama::cases::ChildFields {
        sex: "female".into(),
        age_band: "0_17".into(),
        lives_with_client: Tri::Yes,
        witnessed,
        directly_harmed: Tri::No,
        child_protection_referral: Tri::Unknown,
    }
}

/// The computer that sends the centre's bundles, as it sees itself (none while a handover
/// is on its way).
fn holder(c: &Centre) -> Option<usize> {
    c.stores.iter().position(|s| {
        s.peers_list()
            .unwrap()
            .iter()
            .any(|i| i.this_computer && i.exports_to_coordinator)
    })
}

/// Plays `ops` on a copy of the template: edits and syncs on three computers, exports to
/// the coordination centre and handovers of that role; then every computer settles and the
/// holder exports once more. The three must hold the same records and versions, the same
/// reviews, and the coordination centre what they hold of what leaves.
fn play(ops: &[Op]) -> std::result::Result<(), TestCaseError> {
    let (t, client, case) = template();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(t.path(), tmp.path());
    let dirs = [
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    ];
    let stores: Vec<Store> = dirs.iter().map(|d| unlock(d, "ona", PASS)).collect();
    let mut coord = unlock(&tmp.path().join("coord"), "ona", PASS);
    let recovery = RecoveryKey::generate().unwrap();
    let mut c = Centre {
        tmp,
        dirs,
        stores,
        client: *client,
        case: *case,
        recovery,
    };
    let sources = ["self", "police", "ngo", "health"];
    let intakes = ["accepted", "declined"];
    let tris = [Tri::Yes, Tri::No, Tri::Unknown];
    let mut exports = 0;
    let mut export = |c: &mut Centre, coord: &mut Store| {
        let Some(h) = holder(c) else { return };
        exports += 1;
        let out = c.tmp.path().join(format!("export-{exports}.atrb"));
        c.stores[h].export_bundle("KOORD", &out, None).unwrap();
        let report = coord.import_bundle(&out, false).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    };
    for o in ops {
        match *o {
            Op::Phone(i, v) => c.edit_client(i, Some(&format!("+370 600 0000{v}{i}")), None),
            Op::Address(i, v) => c.edit_client(i, None, Some(&format!("Gatvė {v}{i}"))),
            Op::Source(i, v) => c.edit_case(i, Some(sources[usize::from(v)]), None),
            Op::Intake(i, v) => c.edit_case(i, None, Some(intakes[usize::from(v)])),
            Op::Disability(i, v) => c.edit_disability(i, tris[usize::from(v)]),
            Op::Sync(i) => {
                c.sync(i);
            }
            Op::Export => export(&mut c, &mut coord),
            Op::HandOver(i) => {
                if let Some(h) = holder(&c).filter(|h| *h != i) {
                    let to = install_id(&c.stores[i]);
                    c.stores[h].peers_hand_over(&to).unwrap();
                }
            }
            Op::Child(i, v) => {
                let id: String = c.stores[i]
                    .dangerously_raw_connection()
                    .query_row("SELECT id FROM child", [], |r| r.get(0))
                    .unwrap();
                let id = atrama::ids::ChildId::parse(&id).unwrap();
                let f = child_fields(tris[usize::from(v)]);
                c.stores[i].batch(|w| w.update_child(id, &f)).unwrap();
            }
            Op::Resolve(i) => {
                let reviews = c.stores[i].peer_reviews(None).unwrap();
                if let Some(r) = reviews.first() {
                    let pick = r.values.iter().find(|v| !v.current).unwrap_or(&r.values[0]);
                    c.stores[i]
                        .resolve_peer_review(&r.table, &r.record_id, &r.field, pick.hlc)
                        .unwrap();
                }
            }
        }
    }
    c.settle();
    let a = checksum(&c.stores[0]);
    prop_assert_eq!(&a, &checksum(&c.stores[1]));
    prop_assert_eq!(&a, &checksum(&c.stores[2]));
    // Every value still in dispute is in review on all three, the same way.
    let r0 = c.stores[0].peer_reviews(None).unwrap();
    prop_assert_eq!(&r0, &c.stores[1].peer_reviews(None).unwrap());
    prop_assert_eq!(&r0, &c.stores[2].peer_reviews(None).unwrap());
    prop_assert!(
        holder(&c).is_some(),
        "after a sync one computer sends the bundles"
    );
    export(&mut c, &mut coord);
    prop_assert_eq!(
        shared_values(&coord, "KLP-01"),
        shared_values(&c.stores[0], "KLP-01")
    );
    prop_assert_eq!(
        centre_cases(&coord),
        1,
        "the coordination centre counts the case once"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    #[test]
    fn any_interleaving_of_edits_syncs_and_exports_converges_on_every_computer_and_the_coordinator(
        ops in proptest::collection::vec(op(), 1..12)
    ) {
        play(&ops)?;
    }
}

/// The interleavings the property test once failed on, played as they were (the saved
/// seeds of `tests/proptest-regressions/peers.txt` drew them from the operations of that
/// time, which no longer draw the same).
#[test]
fn the_interleavings_that_once_failed_converge() {
    use Op::*;
    for ops in [
        vec![Phone(0, 0)],
        vec![Phone(2, 0), Sync(2), Phone(2, 0)],
        vec![Phone(2, 3), Sync(2), Phone(2, 0), Phone(2, 3)],
        // The same shapes through fields that reach the coordination centre.
        vec![
            Disability(2, 0),
            Sync(2),
            Disability(2, 1),
            Disability(2, 0),
        ],
        vec![Disability(0, 0), Export, Disability(0, 2), Sync(0)],
        vec![Intake(1, 1), Source(0, 1), Export, Sync(1), Sync(0)],
        // Shrunk from a run with the digest of migration 0026 left out: A's later edit
        // (the same source, a new time) leaves first, B's older intake never did.
        vec![Intake(1, 1), Source(0, 0), Export],
        // The role handed over between exports, the new holder learning it at a sync.
        vec![
            Disability(0, 0),
            Export,
            HandOver(1),
            Sync(0),
            Sync(1),
            Intake(2, 1),
            Sync(2),
            Sync(1),
            Export,
        ],
        vec![
            Export,
            HandOver(2),
            Source(0, 2),
            Sync(0),
            Sync(2),
            Export,
            HandOver(0),
            Export,
        ],
    ] {
        play(&ops).unwrap_or_else(|e| panic!("{ops:?}: {e}"));
    }
}

#[test]
fn the_cli_joins_adds_and_syncs_a_second_computer() {
    use crate::cli::{atrama, ok, stderr, stdout};
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let folder = tmp.path().join("shared");
    std::fs::create_dir_all(&folder).unwrap();
    let recovery = crate::cli::init(&a);
    let join = tmp.path().join("b.join");
    ok(&a, &["peers", "join-file", "--out", join.to_str().unwrap()]);
    let joined = atrama(
        &b,
        &[
            "peers",
            "join",
            join.to_str().unwrap(),
            "--name",
            "laptop B",
        ],
        &[("ATRAMA_RECOVERY_KEY", recovery.as_str())],
    );
    assert_eq!(joined.status.code(), Some(0), "{}", stderr(&joined));
    let fingerprint = stdout(&joined)
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    let enrolment = tmp.path().join("b.enrol");
    let shown = ok(
        &b,
        &[
            "peers",
            "enrolment",
            "--out",
            enrolment.to_str().unwrap(),
            "--name",
            "laptop B",
        ],
    );
    assert!(shown.contains(&fingerprint), "{shown}");
    // A wrong fingerprint adds nothing.
    let wrong = atrama(
        &a,
        &[
            "--user",
            "ona",
            "peers",
            "add",
            enrolment.to_str().unwrap(),
            "--fingerprint",
            "AAAA-BBBB",
        ],
        &[("ATRAMA_PASSPHRASE", crate::cli::PASS)],
    );
    assert_ne!(wrong.status.code(), Some(0));
    ok(
        &a,
        &[
            "peers",
            "add",
            enrolment.to_str().unwrap(),
            "--fingerprint",
            &fingerprint,
        ],
    );
    let sync = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&ok(
            dir,
            &[
                "--json",
                "peers",
                "sync",
                "--folder",
                folder.to_str().unwrap(),
            ],
        ))
        .unwrap()
    };
    assert_eq!(sync(&a)["written"].as_array().unwrap().len(), 1);
    let at_b = sync(&b);
    assert_eq!(at_b["applied"].as_array().unwrap().len(), 1, "{at_b}");
    assert_eq!(sync(&a)["applied"].as_array().unwrap().len(), 1);
    let list: serde_json::Value =
        serde_json::from_str(&ok(&b, &["--json", "peers", "list"])).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[0]["this_computer"].as_bool().unwrap());
    assert!(list[1]["exports_to_coordinator"].as_bool().unwrap());
    assert!(ok(&a, &["peers", "review"]).contains("Nothing was changed"));
}

#[test]
fn an_appointment_changed_on_two_computers_merges_field_by_field_with_review() {
    use atrama::cases::{AppointmentFields, AppointmentKind};
    let mut c = centre();
    let case = c.case;
    let fields = AppointmentFields {
        kind: AppointmentKind::Court,
        on_date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
        at_time: Some("10:00".into()),
        minutes: 60,
        place: Some("Klaipėda district court".into()),
        with_whom: None,
        staff: Some("ona".into()),
    };
    let id = c.stores[0]
        .batch(|w| w.add_appointment(case, &fields))
        .unwrap();
    c.settle();
    // B moves it to 11:00 and names the lawyer; C moves it to 09:30: the time is in review,
    // the other field merges.
    let mut at_b = fields.clone();
    at_b.at_time = Some("11:00".into());
    at_b.with_whom = Some("the lawyer".into());
    c.stores[1]
        .batch(|w| w.update_appointment(id, &at_b))
        .unwrap();
    let mut at_c = fields.clone();
    at_c.at_time = Some("09:30".into());
    c.stores[2]
        .batch(|w| w.update_appointment(id, &at_c))
        .unwrap();
    c.settle();
    assert_converged(&c);
    for s in &c.stores {
        let now = s.appointments(case).unwrap();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].fields.with_whom.as_deref(), Some("the lawyer"));
        assert_eq!(now[0].fields.at_time.as_deref(), Some("09:30"));
        let reviews = s.peer_reviews(Some(&case.to_string())).unwrap();
        let review = reviews
            .iter()
            .find(|r| r.table == "appointment" && r.field == "at_time")
            .expect("the time changed on two computers is in review");
        let values: Vec<_> = review.values.iter().map(|v| v.value.clone()).collect();
        assert_eq!(
            values,
            vec![Some("09:30".to_owned()), Some("11:00".to_owned())]
        );
        assert!(reviews.iter().all(|r| r.field != "with_whom"));
    }
}

#[test]
fn every_table_of_the_schema_is_synced_or_deliberately_local() {
    let c = centre();
    let unclassified =
        atrama::peers::tables::unclassified(c.stores[0].dangerously_raw_connection()).unwrap();
    assert!(
        unclassified.is_empty(),
        "tables neither synced nor listed as local in src/peers/tables.rs: {unclassified:?}"
    );
}

/// A case opened in 2018 and closed in 2019 on `store` (with a note, a document and an
/// appointment), that a five-year retention policy purges in 2026.
pub(crate) fn old_closed_case(store: &mut Store) -> (ClientId, CaseId) {
    use atrama::cases::{AppointmentFields, AppointmentKind};
    store
        .batch(|b| {
            let client = b.create_client(&client_fields("+370 600 00001", "Senoji g. 9"))?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: NaiveDate::from_ymd_opt(2018, 5, 14).unwrap(),
                fields: case_fields("police"),
            })?;
            b.add_note(
                case,
                &NoteFields {
                    body: "purgeable session notes zebrafinch".into(),
                    restricted_to: None,
                },
            )?;
            b.attach_document(case, "old.txt", "text/plain", b"an old letter")?;
            b.add_appointment(
                case,
                &AppointmentFields {
                    kind: AppointmentKind::Meeting,
                    on_date: NaiveDate::from_ymd_opt(2018, 6, 1).unwrap(),
                    at_time: None,
                    minutes: 30,
                    place: None,
                    with_whom: None,
                    staff: None,
                },
            )?;
            b.close_case(
                case,
                NaiveDate::from_ymd_opt(2019, 1, 10).unwrap(),
                "needs_met",
            )?;
            Ok((client, case))
        })
        .unwrap()
}

/// Rows of a purged case (or its client) anywhere in the store: records, field versions,
/// search hits.
fn traces(store: &Store, client: ClientId, case: CaseId) -> i64 {
    let conn = store.dangerously_raw_connection();
    let (client, case) = (client.to_string(), case.to_string());
    let mut n: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM case_file WHERE id = ?2)
                  + (SELECT count(*) FROM client WHERE id = ?1)
                  + (SELECT count(*) FROM note WHERE case_id = ?2)
                  + (SELECT count(*) FROM document WHERE case_id = ?2)
                  + (SELECT count(*) FROM appointment WHERE case_id = ?2)
                  + (SELECT count(*) FROM peer_field WHERE record_id IN (?1, ?2)
                       OR record_id IN (SELECT id FROM appointment WHERE case_id = ?2))",
            [&client, &case],
            |r| r.get(0),
        )
        .unwrap();
    n += store.search("zebrafinch", None).unwrap().len() as i64;
    n
}

#[test]
fn a_purge_on_one_computer_purges_on_all_and_a_late_file_does_not_bring_it_back() {
    let mut c = centre();
    let (client, case) = old_closed_case(&mut c.stores[0]);
    let folder = c.folder();
    let stash = c.tmp.path().join("stash");
    std::fs::create_dir_all(&stash).unwrap();
    // A writes the case for B and C; B applies it and writes it on for C: that file of B's
    // is kept aside, to come late.
    c.sync(0);
    let at_b = c.sync(1);
    assert!(!at_b.written.is_empty());
    for name in &at_b.written {
        std::fs::rename(folder.join(name), stash.join(name)).unwrap();
    }
    c.settle();
    for s in &c.stores {
        assert!(
            traces(s, client, case) > 0,
            "the control: the case is everywhere"
        );
    }
    // A purges it under the retention policy.
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    c.stores[0]
        .set_retention_policy(atrama::admin::RetentionPolicy {
            closed_case_years: Some(5),
            document_years: None,
        })
        .unwrap();
    assert_eq!(c.stores[0].purge(today).unwrap().cases, 1);
    c.settle();
    for (i, s) in c.stores.iter().enumerate() {
        assert_eq!(
            traces(s, client, case),
            0,
            "computer {i} still holds the case"
        );
        assert!(s.case(c.case).is_ok(), "other cases stay");
    }
    // B's old file, written before the purge, comes late: nothing comes back anywhere.
    for entry in std::fs::read_dir(&stash).unwrap() {
        let entry = entry.unwrap();
        std::fs::rename(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    let late = c.sync(2);
    assert!(!late.applied.is_empty(), "the late file is applied");
    c.settle();
    for (i, s) in c.stores.iter().enumerate() {
        assert_eq!(
            traces(s, client, case),
            0,
            "computer {i} holds the case again"
        );
    }
    assert_converged(&c);
}

/// What a computer shows of the months of `old_closed_case` (2018–2019): every cell of the
/// monthly tables, of all clients and of consenting clients only, and its archived counts of
/// purged cases (`stat_archive`, row by row).
pub(crate) type Shown = (
    BTreeMap<(bool, String, String, String), Option<i64>>,
    Vec<String>,
);

pub(crate) fn shown(store: &Store) -> Shown {
    use atrama::stats::StatsQuery;
    let mut cells = BTreeMap::new();
    for consented_only in [false, true] {
        let report = store
            .monthly_tables(&StatsQuery {
                consented_only,
                ..StatsQuery::months("2018-01", Some("2019-12"))
            })
            .unwrap();
        for t in &report.tables {
            for (row, values) in t.rows.iter().zip(&t.cells) {
                for (column, cell) in t.columns.iter().zip(values) {
                    if cell.value != Some(0) {
                        cells.insert(
                            (
                                consented_only,
                                t.id.clone(),
                                row.month.clone().unwrap_or_default(),
                                column.code.clone(),
                            ),
                            cell.value,
                        );
                    }
                }
            }
        }
    }
    let archive = store
        .dangerously_raw_connection()
        .prepare(
            "SELECT centre || '|' || month || '|' || measure || '|' || dimension || '|'
                    || consented || '|' || value FROM stat_archive ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap();
    (cells, archive)
}

/// The counts a computer keeps for the purge line of `case` (`purge_count`).
fn purge_line_counts(store: &Store, case: CaseId) -> Option<String> {
    use rusqlite::OptionalExtension;
    store
        .dangerously_raw_connection()
        .query_row(
            "SELECT counts FROM purge_count WHERE case_id = ?1",
            [case.to_string()],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
}

/// The contact of 3 December 2018 (legal, 45 minutes) in `stat_archive`, consenting.
pub(crate) fn archived_contact(store: &Store) -> i64 {
    store
        .dangerously_raw_connection()
        .query_row(
            "SELECT coalesce(sum(value), 0) FROM stat_archive WHERE measure = 't6_contacts'
               AND month = '2018-12' AND dimension = 'legal' AND consented = 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// An old closed case (`old_closed_case`) on `store` whose client consented to statistics
/// when it was opened.
pub(crate) fn old_consenting_case(store: &mut Store) -> CaseId {
    let (_, case) = old_closed_case(store);
    store
        .batch(|b| {
            b.record_consent(
                case,
                &atrama::cases::ConsentFields {
                    on_date: NaiveDate::from_ymd_opt(2018, 5, 14).unwrap(),
                    ..statistics_consent()
                },
            )
        })
        .unwrap();
    case
}

/// On `store`: a last service contact in `case` (3 December 2018, legal), then a purge
/// under a five-year policy that removes the case, with no sync in between. What the
/// computer shows right after.
pub(crate) fn last_contact_then_purge(store: &mut Store, case: CaseId) -> Shown {
    use atrama::cases::ServiceContactFields;
    let before = shown(store);
    store
        .batch(|b| {
            b.log_service_contact(
                case,
                &ServiceContactFields {
                    on_date: NaiveDate::from_ymd_opt(2018, 12, 3).unwrap(),
                    discipline: "legal".into(),
                    mode: "in_person".into(),
                    minutes: 45,
                    is_group: false,
                    staff: None,
                },
            )
        })
        .unwrap();
    store
        .set_retention_policy(atrama::admin::RetentionPolicy {
            closed_case_years: Some(5),
            document_years: None,
        })
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    assert_eq!(store.purge(today).unwrap().cases, 1);
    let after = shown(store);
    assert_eq!(
        archived_contact(store),
        1,
        "the purge archived the last contact"
    );
    assert_ne!(after.0, before.0, "the last contact is in the tables");
    after
}

/// The scenario of `docs/peers.md` ("Retention purges"): an old closed case whose client
/// consented to statistics, everywhere; on A a last service contact is logged and the case
/// purged before any sync; A syncs, B applies A's file, and C hears of the purge only from
/// B (each step through a folder of its own). A's two files are left in `late` (A's file for
/// C unread). What A showed right after its purge is returned with the case.
fn purge_heard_through_b(c: &mut Centre) -> (CaseId, Shown) {
    let case = old_consenting_case(&mut c.stores[0]);
    c.settle();
    let before = shown(&c.stores[0]);
    for s in &c.stores[1..] {
        assert_eq!(shown(s), before, "the control: the same tables everywhere");
    }
    let on_a = last_contact_then_purge(&mut c.stores[0], case);
    let dir = |n: &str| {
        let d = c.tmp.path().join(n);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let (x, y, late) = (dir("a-to-b"), dir("b-to-c"), dir("late"));
    let from_a = c.stores[0].peers_sync(&x).unwrap();
    assert_eq!(from_a.written.len(), 2);
    let at_b = c.stores[1].peers_sync(&x).unwrap();
    assert_eq!(at_b.applied.len(), 1, "{at_b:?}");
    for name in &at_b.written {
        std::fs::rename(x.join(name), y.join(name)).unwrap();
    }
    let at_c = c.stores[2].peers_sync(&y).unwrap();
    assert_eq!(at_c.applied.len(), 1, "{at_c:?}");
    assert!(at_c.refused.is_empty(), "{:?}", at_c.refused);
    for name in &from_a.written {
        std::fs::rename(x.join(name), late.join(name)).unwrap();
    }
    // Every other file goes to the shared folder, for the next syncs.
    let shared = c.folder();
    for d in [&x, &y] {
        for entry in std::fs::read_dir(d).unwrap() {
            let entry = entry.unwrap();
            std::fs::rename(entry.path(), shared.join(entry.file_name())).unwrap();
        }
    }
    (case, on_a)
}

/// The purge's last change reaches every computer's monthly tables, and the purge line of
/// the computer that sends the centre's bundles, even through a third computer
/// (`docs/peers.md`, "Retention purges"). Failed before the purge carried its counts: B and
/// C archived the case from their own copies, without the last contact.
#[test]
fn a_purge_carries_its_counts_so_every_computer_archives_what_the_purging_one_did() {
    let mut c = centre();
    let (case, on_a) = purge_heard_through_b(&mut c);
    for (i, s) in c.stores.iter().enumerate() {
        assert_eq!(
            archived_contact(s),
            1,
            "computer {i} lacks the last contact"
        );
        assert_eq!(
            shown(s),
            on_a,
            "computer {i} shows other monthly tables than A"
        );
    }
    let line = purge_line_counts(&c.stores[0], case);
    assert!(
        line.as_deref().is_some_and(|l| l.contains("t6_contacts")),
        "{line:?}"
    );
    assert_eq!(
        purge_line_counts(&c.stores[1], case),
        line,
        "B's purge line"
    );
    assert_eq!(
        purge_line_counts(&c.stores[2], case),
        line,
        "C's purge line"
    );
}

/// The counts a purge carries are kept only until every current computer confirmed a file
/// that carried them (data minimisation), and a purge received again — carried by a second
/// computer, or in a late file — archives nothing twice.
#[test]
fn the_counts_a_purge_carries_are_forgotten_once_confirmed_and_archived_once() {
    let carried = |s: &Store| -> i64 {
        s.dangerously_raw_connection()
            .query_row("SELECT count(*) FROM peer_purge_count", [], |r| r.get(0))
            .unwrap()
    };
    let mut c = centre();
    let (_, on_a) = purge_heard_through_b(&mut c);
    assert_eq!(
        carried(&c.stores[0]),
        1,
        "A keeps them until B and C confirm"
    );
    assert_eq!(
        carried(&c.stores[1]),
        1,
        "B relays them until A and C confirm"
    );
    assert_eq!(
        carried(&c.stores[2]),
        1,
        "C relays them until A and B confirm"
    );
    // A's next files carry the purge to C again, B's file to A carries it back: each
    // computer hears of it twice or more, and archives it once.
    c.settle();
    for (i, s) in c.stores.iter().enumerate() {
        assert_eq!(carried(s), 0, "computer {i} keeps a purged case's counts");
        assert_eq!(shown(s), on_a, "computer {i}");
    }
    // A's first file for C, never read, arrives late: applied, and it archives nothing.
    let late = c.tmp.path().join("late");
    let shared = c.folder();
    for entry in std::fs::read_dir(&late).unwrap() {
        let entry = entry.unwrap();
        std::fs::rename(entry.path(), shared.join(entry.file_name())).unwrap();
    }
    let at_c = c.sync(2);
    assert_eq!(at_c.applied.len(), 1, "{at_c:?}");
    c.settle();
    for (i, s) in c.stores.iter().enumerate() {
        assert_eq!(shown(s), on_a, "computer {i} archived the purge twice");
        assert_eq!(carried(s), 0, "computer {i} keeps a purged case's counts");
    }
}

/// A coordination centre enrolled with the centre (on every computer) and the centre with it.
fn coordinator(c: &mut Centre) -> Store {
    let (mut coord, _) = Store::create(
        &c.tmp.path().join("coord"),
        &NewCentre {
            code: "KOORD".into(),
            name: "Coordination".into(),
            country: Country::Lt,
            language: Language::En,
            mode: Mode::Coordinator,
            admin_user: "ona".into(),
        },
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let fa = c.stores[0].fingerprint().unwrap();
    let centre_file = c.stores[0].enrolment_file().unwrap();
    let coord_file = coord.enrolment_file().unwrap();
    let coord_fp = coord.fingerprint().unwrap().short;
    for s in c.stores.iter_mut() {
        s.enrol(&coord_file, &coord_fp).unwrap();
    }
    coord.enrol(&centre_file, &fa.short).unwrap();
    coord
}

fn install_id(store: &Store) -> String {
    store
        .peers_list()
        .unwrap()
        .into_iter()
        .find(|i| i.this_computer)
        .unwrap()
        .install_id
}

#[test]
fn the_coordinator_role_is_handed_over_or_taken_over_and_the_sequence_stays_gap_free() {
    let mut c = centre();
    let first = c.case;
    c.stores[0]
        .batch(|w| w.record_consent(first, &statistics_consent()))
        .unwrap();
    let mut coord = coordinator(&mut c);
    let mut n = 0;
    let mut export = |c: &mut Centre, i: usize, coord: &mut Store| {
        n += 1;
        let out = c.tmp.path().join(format!("bundle-{n}.atrb"));
        c.stores[i].export_bundle("KOORD", &out, None).unwrap();
        let summary = coord.import_bundle(&out, false).unwrap();
        assert!(summary.notes.is_empty(), "{:?}", summary.notes);
        summary.sequence
    };
    assert_eq!(export(&mut c, 0, &mut coord), 1);
    // A hands the role over to B; A refuses to export from now on.
    let (b, cc) = (install_id(&c.stores[1]), install_id(&c.stores[2]));
    let refused = c.stores[1].peers_hand_over(&cc).unwrap_err();
    assert!(refused.to_string().contains("does not send"), "{refused}");
    c.stores[0].peers_hand_over(&b).unwrap();
    let out = c.tmp.path().join("stale.atrb");
    let refused = c.stores[0].export_bundle("KOORD", &out, None).unwrap_err();
    assert!(
        refused.to_string().contains("another computer"),
        "{refused}"
    );
    assert!(!out.exists());
    c.settle();
    // B goes on with number 2, chained to A's number 1.
    c.stores[1]
        .batch(|w| {
            let client = w.create_client(&client_fields("+370 611 11111", "Jūros g. 2"))?;
            w.open_case(&NewCase {
                client_id: client,
                opened_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
                fields: case_fields("police"),
            })
            .and_then(|case| w.record_consent(case, &statistics_consent()))
        })
        .unwrap();
    assert_eq!(export(&mut c, 1, &mut coord), 2);
    c.settle();
    // C cannot take the role while B is one of the centre's computers; once B is removed
    // (a lost laptop) it can, and goes on with number 3.
    let refused = c.stores[2].peers_take_over().unwrap_err();
    assert!(refused.to_string().contains("still one of"), "{refused}");
    c.stores[2].peers_remove(&b).unwrap();
    c.stores[2].peers_take_over().unwrap();
    assert_eq!(export(&mut c, 2, &mut coord), 3);
    let seqs: Vec<i64> = coord
        .dangerously_raw_connection()
        .prepare("SELECT sequence FROM bundle_in ORDER BY imported_at, sequence")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(centre_cases(&coord), 2, "each case once");
    // A, after the next sync, knows C holds the role and refuses (B's files, written after
    // its removal, are refused there).
    let folder = c.folder();
    for _ in 0..2 {
        for i in [2, 0] {
            c.stores[i].peers_sync(&folder).unwrap();
        }
    }
    let refused = c.stores[0].export_bundle("KOORD", &out, None).unwrap_err();
    assert!(
        refused.to_string().contains("another computer"),
        "{refused}"
    );
}

/// docs/peers.md, "A lost laptop that exported after its last sync": after a takeover the
/// coordination centre refuses a bundle the removed holder exports from its old role (an
/// older holder epoch, signed inside the bundle), once it has imported one of the new
/// holder's — refused by the import with its reason, moved aside by the inbox with that
/// reason beside it, never acknowledged — and goes on accepting the new holder's bundles in
/// order.
#[test]
fn a_removed_holder_exporting_after_a_takeover_is_refused_by_the_coordinator() {
    let mut c = centre();
    let first = c.case;
    c.stores[0]
        .batch(|w| w.record_consent(first, &statistics_consent()))
        .unwrap();
    let mut coord = coordinator(&mut c);
    let new_case = |store: &mut Store, phone: &str| {
        store
            .batch(|w| {
                let client = w.create_client(&client_fields(phone, "Jūros g. 2"))?;
                let case = w.open_case(&NewCase {
                    client_id: client,
                    opened_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
                    fields: case_fields("police"),
                })?;
                w.record_consent(case, &statistics_consent())?;
                Ok(case)
            })
            .unwrap()
    };
    let dir = c.tmp.path().to_path_buf();
    let bundle = |name: &str| dir.join(format!("{name}.atrama"));
    // A, the holder, exports number 1; everyone syncs.
    c.stores[0]
        .export_bundle("KOORD", &bundle("a1"), None)
        .unwrap();
    coord.import_bundle(&bundle("a1"), false).unwrap();
    c.settle();
    // A is lost: C removes it and takes the role over. A never syncs again.
    let a = install_id(&c.stores[0]);
    c.stores[2].peers_remove(&a).unwrap();
    c.stores[2].peers_take_over().unwrap();
    // The lost laptop exports from its old role (its number 2), twice.
    new_case(&mut c.stores[0], "+370 600 00001");
    c.stores[0]
        .export_bundle("KOORD", &bundle("a2"), None)
        .unwrap();
    new_case(&mut c.stores[0], "+370 600 00002");
    c.stores[0]
        .export_bundle("KOORD", &bundle("a3"), None)
        .unwrap();
    // C's number 2 reaches the coordination centre first and is applied.
    new_case(&mut c.stores[2], "+370 600 00003");
    c.stores[2]
        .export_bundle("KOORD", &bundle("c2"), None)
        .unwrap();
    assert_eq!(
        coord.import_bundle(&bundle("c2"), false).unwrap().sequence,
        2
    );
    let applied = |coord: &Store| -> Vec<(i64, String)> {
        coord
            .dangerously_raw_connection()
            .prepare("SELECT sequence, bundle_id FROM bundle_in ORDER BY imported_at, sequence")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let before = (applied(&coord), centre_cases(&coord));
    assert_eq!(before.1, 2);
    // The lost laptop's bundles are refused with a reason that says what happened.
    let refused = coord.import_bundle(&bundle("a2"), false).unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("another computer of the centre took over"),
        "{text}"
    );
    assert_eq!(
        (applied(&coord), centre_cases(&coord)),
        before,
        "nothing applied"
    );
    // Through the inbox: moved aside with the reason beside it, not acknowledged.
    let inbox = c.tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::copy(bundle("a3"), inbox.join("a3.atrama")).unwrap();
    let report = coord.run_inbox(Some(&inbox)).unwrap().unwrap();
    let item = &report.items[0];
    assert_eq!(item.outcome, atrama::sync::inbox::InboxOutcome::Rejected);
    assert!(inbox.join("rejected").join("a3.atrama").exists());
    let reason = std::fs::read_to_string(item.reason_file.as_ref().unwrap()).unwrap();
    assert!(
        reason.contains("another computer of the centre took over"),
        "{reason}"
    );
    assert_eq!(
        (applied(&coord), centre_cases(&coord)),
        before,
        "nothing applied"
    );
    // The return bundle acknowledges 1 and 2 only; C's next number is applied in order.
    let ret = c.tmp.path().join("return.atrama");
    coord.export_bundle("KLP-01", &ret, None).unwrap();
    c.stores[2].import_bundle(&ret, false).unwrap();
    let acked: Vec<i64> = c.stores[2]
        .dangerously_raw_connection()
        .prepare("SELECT sequence FROM bundle_out WHERE acked_at IS NOT NULL ORDER BY sequence")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(acked, [1, 2]);
    new_case(&mut c.stores[2], "+370 600 00004");
    c.stores[2]
        .export_bundle("KOORD", &bundle("c3"), None)
        .unwrap();
    let summary = coord.import_bundle(&bundle("c3"), false).unwrap();
    assert_eq!(summary.sequence, 3);
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
    let seqs: Vec<i64> = applied(&coord).into_iter().map(|(s, _)| s).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(
        centre_cases(&coord),
        3,
        "the lost laptop's two cases are not there"
    );
}

/// Two computers take the role over at once (the holder was lost): the coordination centre
/// keeps the computer whose bundle reached it first under that handover and refuses the
/// other's; a bundle the former holder sent before the takeover, arriving late, is applied;
/// the computers still sync with each other, and a new handover settles who sends.
#[test]
fn two_takeovers_at_once_the_coordinator_keeps_one_and_a_new_handover_settles_it() {
    let mut c = centre();
    let first = c.case;
    c.stores[0]
        .batch(|w| w.record_consent(first, &statistics_consent()))
        .unwrap();
    let mut coord = coordinator(&mut c);
    let dir = c.tmp.path().to_path_buf();
    let bundle = |name: &str| dir.join(format!("{name}.atrama"));
    c.stores[0]
        .export_bundle("KOORD", &bundle("a1"), None)
        .unwrap();
    coord.import_bundle(&bundle("a1"), false).unwrap();
    // A's number 2 is on its way (a stick in a drawer) when A is lost.
    c.stores[0]
        .export_bundle("KOORD", &bundle("a2"), None)
        .unwrap();
    c.settle();
    // A is lost; B and C both remove it and take over before they sync.
    let (a, b) = (install_id(&c.stores[0]), install_id(&c.stores[1]));
    for i in [1, 2] {
        c.stores[i].peers_remove(&a).unwrap();
        c.stores[i].peers_take_over().unwrap();
    }
    c.stores[1]
        .export_bundle("KOORD", &bundle("b3"), None)
        .unwrap();
    c.stores[2]
        .export_bundle("KOORD", &bundle("c3"), None)
        .unwrap();
    assert_eq!(
        coord.import_bundle(&bundle("b3"), false).unwrap().sequence,
        3
    );
    let refused = coord.import_bundle(&bundle("c3"), false).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("two computers took the sending over at once"),
        "{refused}"
    );
    // A's number 2, sent before the takeover, arrives late: applied.
    assert_eq!(
        coord.import_bundle(&bundle("a2"), false).unwrap().sequence,
        2
    );
    // B and C still sync; whichever holds the role afterwards hands it to B, which goes on.
    let folder = c.folder();
    for _ in 0..3 {
        for i in [1, 2] {
            let r = c.stores[i].peers_sync(&folder).unwrap();
            // Only the removed A's old files are refused.
            assert!(
                r.refused
                    .iter()
                    .all(|(_, why)| why.contains("no longer) one of this centre's computers")),
                "{:?}",
                r.refused
            );
        }
    }
    let holder = |s: &Store| -> String {
        s.dangerously_raw_connection()
            .query_row("SELECT holder FROM peer_role", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(holder(&c.stores[1]), holder(&c.stores[2]));
    if holder(&c.stores[1]) != b {
        c.stores[2].peers_hand_over(&b).unwrap();
        for i in [2, 1] {
            c.stores[i].peers_sync(&folder).unwrap();
        }
    }
    c.stores[1]
        .export_bundle("KOORD", &bundle("b4"), None)
        .unwrap();
    let summary = coord.import_bundle(&bundle("b4"), false).unwrap();
    assert_eq!(summary.sequence, 4);
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
}

/// Opens a case for a new client on `store`; its case number.
fn open_new_case(store: &mut Store, phone: &str) -> String {
    let case = store
        .batch(|w| {
            let client = w.create_client(&client_fields(phone, "Naujoji g. 9"))?;
            w.open_case(&NewCase {
                client_id: client,
                opened_on: NaiveDate::from_ymd_opt(2026, 11, 4).unwrap(),
                fields: case_fields("self"),
            })
        })
        .unwrap();
    store.case(case).unwrap().case_number
}

#[test]
fn computers_joined_from_join_files_made_together_never_give_one_case_number_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = centre();
    let mut a = c.stores.remove(0);
    let recovery = &c.recovery;
    // The administrator prepares two more laptops at once: both join files are made before
    // either laptop is added.
    let (f1, f2) = (tmp.path().join("d.join"), tmp.path().join("e.join"));
    a.peers_join_file(&f1, "desk A").unwrap();
    a.peers_join_file(&f2, "desk A").unwrap();
    let (dd, de, dx) = (
        tmp.path().join("d"),
        tmp.path().join("e"),
        tmp.path().join("x"),
    );
    let d = atrama::peers::join::join_with_enrolment(&f1, recovery, &dd, "laptop D").unwrap();
    let e = atrama::peers::join::join_with_enrolment(&f2, recovery, &de, "laptop E").unwrap();
    // The same join file used a second time.
    let x = atrama::peers::join::join_with_enrolment(&f1, recovery, &dx, "laptop X").unwrap();
    a.peers_add(&d.enrolment, &d.fingerprint).unwrap();
    a.peers_add(&e.enrolment, &e.fingerprint).unwrap();
    // A computer that would number its cases as D does is refused, with the reason, and
    // nothing is added.
    let before = a.peers_list().unwrap().len();
    let err = a.peers_add(&x.enrolment, &x.fingerprint).unwrap_err();
    assert!(err.to_string().contains("join it anew"), "{err}");
    assert_eq!(a.peers_list().unwrap().len(), before);
    let (mut d, mut e) = (unlock(&dd, "ona", PASS), unlock(&de, "ona", PASS));
    let (nd, ne) = (
        open_new_case(&mut d, "+370 633 33333"),
        open_new_case(&mut e, "+370 644 44444"),
    );
    assert_ne!(nd, ne, "two computers gave out one case number");
    // Both cases reach every computer, each with its own number.
    let folder = tmp.path().join("shared");
    std::fs::create_dir_all(&folder).unwrap();
    for _ in 0..3 {
        for store in [&mut a, &mut d, &mut e] {
            let report = store.peers_sync(&folder).unwrap();
            assert!(report.refused.is_empty(), "{:?}", report.refused);
        }
    }
    for store in [&a, &d, &e] {
        let numbers: Vec<String> = store
            .dangerously_raw_connection()
            .prepare("SELECT case_number FROM case_file")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for number in [&nd, &ne] {
            assert!(numbers.contains(number), "{number} {numbers:?}");
        }
    }
}

#[test]
fn a_record_deleted_on_one_computer_and_changed_on_another_goes_to_review() {
    use atrama::cases::{AppointmentFields, AppointmentKind};
    let mut c = centre();
    let case = c.case;
    let fields = AppointmentFields {
        kind: AppointmentKind::Court,
        on_date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
        at_time: Some("10:00".into()),
        minutes: 60,
        place: Some("Klaipėda district court".into()),
        with_whom: None,
        staff: Some("ona".into()),
    };
    let id = c.stores[0]
        .batch(|w| w.add_appointment(case, &fields))
        .unwrap();
    c.settle();
    // Before any sync: B moves the hearing to 11:00; C, later, cancels it.
    let mut at_b = fields.clone();
    at_b.at_time = Some("11:00".into());
    c.stores[1]
        .batch(|w| w.update_appointment(id, &at_b))
        .unwrap();
    c.stores[2].batch(|w| w.delete(id)).unwrap();
    c.settle();
    assert_converged(&c);
    // The later change (the cancellation) is in force, and B's move is not lost silently:
    // the case lists the appointment as changed on two computers, with both outcomes.
    for s in &c.stores {
        assert!(s.appointments(case).unwrap().is_empty());
        let reviews = s.peer_reviews(Some(&case.to_string())).unwrap();
        let review = reviews
            .iter()
            .find(|r| r.table == "appointment" && r.record_id == id.to_string())
            .unwrap_or_else(|| panic!("a deletion and a change on two computers: {reviews:?}"));
        assert_eq!(review.field, "deleted_at");
        assert_eq!(review.values.len(), 2, "{review:?}");
        assert!(review.values[0].value.is_some() && review.values[0].current);
        assert_eq!(review.values[1].value, None);
    }
    // A person keeps the appointment on A: it is back, as B moved it, on every computer.
    let kept = c.stores[0].peer_reviews(None).unwrap()[0].values[1].clone();
    c.stores[0]
        .resolve_peer_review("appointment", &id.to_string(), "deleted_at", kept.hlc)
        .unwrap();
    c.settle();
    assert_converged(&c);
    for s in &c.stores {
        assert!(s.peer_reviews(None).unwrap().is_empty());
        let now = s.appointments(case).unwrap();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].fields.at_time.as_deref(), Some("11:00"));
    }
}

/// A sync's outcome does not depend on the order the folder lists its files in: D knows only
/// A; E's file to D is read before A's, which introduces E. The files are renamed (the name
/// only routes: sender and recipient are checked in the signed header) so that E's sorts
/// first. Before the retry, E's file was refused at that sync ("not … one of this centre's
/// computers").
#[test]
fn a_file_from_a_computer_another_file_of_the_same_sync_introduces_is_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = centre();
    let mut a = c.stores.remove(0);
    let recovery = &c.recovery;
    let (fd, fe) = (tmp.path().join("d.join"), tmp.path().join("e.join"));
    a.peers_join_file(&fd, "desk A").unwrap();
    a.peers_join_file(&fe, "desk A").unwrap();
    let (dd, de) = (tmp.path().join("d"), tmp.path().join("e"));
    let d = atrama::peers::join::join_with_enrolment(&fd, recovery, &dd, "laptop D").unwrap();
    let e = atrama::peers::join::join_with_enrolment(&fe, recovery, &de, "laptop E").unwrap();
    a.peers_add(&d.enrolment, &d.fingerprint).unwrap();
    a.peers_add(&e.enrolment, &e.fingerprint).unwrap();
    let (mut d, mut e) = (unlock(&dd, "ona", PASS), unlock(&de, "ona", PASS));
    let ne = open_new_case(&mut e, "+370 644 44444");
    let shared = tmp.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    // A writes for D and E (the registry with both); E learns of D from it and writes for D.
    let from_a = a.peers_sync(&shared).unwrap().written;
    let from_e = e.peers_sync(&shared).unwrap().written;
    // D's folder: E's files first by name, A's last.
    let folder = tmp.path().join("d-folder");
    std::fs::create_dir_all(&folder).unwrap();
    let mut copied = 0;
    for (names, prefix) in [(&from_e, "0"), (&from_a, "z")] {
        for name in names.iter() {
            let rest = name.strip_prefix("atrama-peer-").unwrap();
            std::fs::copy(
                shared.join(name),
                folder.join(format!("atrama-peer-{prefix}{rest}")),
            )
            .unwrap();
            copied += 1;
        }
    }
    assert!(copied >= 3, "{from_a:?} {from_e:?}");
    let report = d.peers_sync(&folder).unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let numbers: Vec<String> = d
        .dangerously_raw_connection()
        .prepare("SELECT case_number FROM case_file")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(numbers.contains(&ne), "{ne} {numbers:?}");
}
