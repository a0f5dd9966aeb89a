//! Administration: permissions per role in the core, discipline-restricted notes through
//! every read path, staff disable and re-enable, key rotation (in process and killed at
//! random moments), the access log's chain, backups, retention and purge.

use std::path::{Path, PathBuf};

use atrama::admin::Permission;
use atrama::cases::{NewCase, NoteFields};
use atrama::ids::CaseId;
use atrama::{Country, ErrorCode, KdfParams, Language, Mode, NewCentre, Passphrase, Role, Store};

use crate::case_record::{case_fields, client_fields};
use crate::cli::command as cli;

pub(crate) const ADMIN_PASS: &str = "admin passphrase for tests";
pub(crate) const PASS: &str = "colleague passphrase";

pub(crate) struct Centre {
    pub(crate) tmp: tempfile::TempDir,
    pub(crate) dir: PathBuf,
    pub(crate) recovery: atrama::RecoveryKey,
}

/// A centre store with an administrator `ona`, counsellors `tomas` (legal) and `ieva`
/// (psychological), a coordinator `rasa`, and one case with a psychological-only note.
pub(crate) fn centre() -> (Centre, CaseId) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let centre = NewCentre {
        code: "KLP-01".into(),
        name: "Test centre".into(),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (mut store, recovery) = Store::create(
        &dir,
        &centre,
        &Passphrase::new(ADMIN_PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let pass = Passphrase::new(PASS);
    for (user, role, disciplines) in [
        ("tomas", Role::Counsellor, vec!["legal".to_owned()]),
        ("ieva", Role::Counsellor, vec!["psychological".to_owned()]),
        ("rasa", Role::Coordinator, vec![]),
    ] {
        store
            .add_staff(
                user,
                role,
                &disciplines,
                &pass,
                KdfParams::INSECURE_FOR_TESTS,
            )
            .unwrap();
    }
    drop(store);
    // The psychologist writes the restricted note, so that its author is not the reader.
    let mut ieva = Store::dangerously_unlock_without_lock(&dir, "ieva", &pass).unwrap();
    let case = ieva
        .batch(|b| {
            let client = b.create_client(&client_fields("Jūratė", "Žemaitė", "+370 612 34567"))?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: "2026-03-02".parse().unwrap(),
                fields: case_fields("self", None),
            })?;
            b.add_note(
                case,
                &NoteFields {
                    body: "psychological session secretword trauma".into(),
                    restricted_to: Some("psychological".into()),
                },
            )?;
            b.add_note(
                case,
                &NoteFields {
                    body: "team note visible secretword".into(),
                    restricted_to: None,
                },
            )?;
            Ok(case)
        })
        .unwrap();
    drop(ieva);
    (Centre { tmp, dir, recovery }, case)
}

/// Unlocks as `user`. These tests play several people on one store at the same moment in
/// one process, so they open it beside the store lock (`tests/it/lock.rs` tests the lock).
pub(crate) fn unlock(dir: &Path, user: &str) -> Store {
    let pass = if user == "ona" { ADMIN_PASS } else { PASS };
    Store::dangerously_unlock_without_lock(dir, user, &Passphrase::new(pass)).unwrap()
}

fn code<T: std::fmt::Debug>(r: atrama::Result<T>) -> Option<ErrorCode> {
    r.err().map(|e| e.code())
}

/// Calls the core entry point guarded by `p` as `store`'s user; `true` if it was refused
/// for want of permission (any other outcome, success or another error, means the
/// permission check let it through).
fn refused(store: &mut Store, p: Permission, scratch: &Path) -> bool {
    let kdf = KdfParams::INSECURE_FOR_TESTS;
    let pass = Passphrase::new("newcomer passphrase");
    let c = match p {
        Permission::ManageStaff => {
            code(store.add_staff("newcomer", Role::Counsellor, &[], &pass, kdf))
        }
        Permission::ExportBundles => code(store.export_preview("XXX-01")),
        Permission::ImportBundles => code(store.import_bundle(&scratch.join("none.atrb"), true)),
        Permission::EnrolPeers => code(store.enrol("{}", "AAAA")),
        Permission::ImportInstrumentPack => code(store.require(p)),
        Permission::Purge => code(store.retention_preview(chrono::Local::now().date_naive())),
        Permission::Backup => code(store.create_backup(&scratch.join("b.atrbak"))),
        Permission::RotateKey => code(store.rotate_key(|_| {})),
        Permission::ReadAccessLog => code(store.access_log(10)),
        Permission::Statistics => {
            code(store.monthly_tables(&atrama::stats::StatsQuery::months("2026-03", None)))
        }
        Permission::ManageAnalysisTemplates => {
            code(store.save_analysis_template(&atrama::analysis::template::example()))
        }
        Permission::CompareCaseAnalyses => {
            code(store.compare_analyses(&atrama::analysis::CompareQuery {
                year: 2026,
                group_by: atrama::analysis::GroupBy::Centre,
                groups: vec![],
                template_id: None,
                language: None,
            }))
        }
        Permission::ManageReferenceData => {
            code(store.import_directory_csv("region,type,name,address,phone,email,language\n"))
        }
        Permission::ClientNamesInLists => {
            // Not an error: the person's own choice is honoured only for a role that holds
            // the permission; otherwise the list rows carry no names.
            store.set_client_names_in_lists(true).unwrap();
            let rows = store
                .case_list(&atrama::cases::CaseFilter::default())
                .unwrap();
            assert!(!rows.is_empty());
            return rows.iter().all(|r| r.client_name.is_none());
        }
        _ => panic!("a permission without a test: {p:?}"),
    };
    c == Some(ErrorCode::NotAllowed)
}

#[test]
fn every_permission_is_enforced_in_the_core_for_each_role() {
    let (c, _) = centre();
    let scratch = c.tmp.path();
    for (user, role) in [
        ("tomas", Role::Counsellor),
        ("rasa", Role::Coordinator),
        ("ona", Role::Administrator),
    ] {
        for &p in atrama::admin::permissions::ALL {
            let mut store = unlock(&c.dir, user);
            let expected = !p.roles().contains(&role);
            assert_eq!(
                refused(&mut store, p, scratch),
                expected,
                "{user} ({role:?}) and {p:?}"
            );
            assert_eq!(store.permissions().unwrap().contains(&p), !expected);
        }
    }
}

#[test]
fn a_counsellor_without_the_discipline_cannot_read_a_restricted_note_through_any_command() {
    let (c, case) = centre();
    let tomas = unlock(&c.dir, "tomas");
    // Case view.
    let d = tomas.case_detail(case).unwrap();
    assert_eq!(d.restricted_notes_hidden, 1);
    assert!(d.notes.iter().all(|n| !n.fields.body.contains("trauma")));
    // The restricted note's id, as its author sees it.
    let ieva = unlock(&c.dir, "ieva");
    let restricted = ieva
        .case_detail(case)
        .unwrap()
        .notes
        .into_iter()
        .find(|n| n.fields.restricted_to.is_some())
        .unwrap();
    assert!(
        restricted.fields.body.contains("trauma"),
        "the psychologist reads it"
    );
    assert_eq!(
        ieva.search("trauma", None).unwrap().len(),
        1,
        "and finds it"
    );
    drop(ieva);
    // Search: neither a hit nor a snippet.
    for word in ["trauma", "secretword", "psychological", "session"] {
        for hit in tomas.search(word, None).unwrap() {
            assert_ne!(hit.note_id, Some(restricted.id.to_string()), "{word}");
            assert!(!hit.snippet.unwrap_or_default().contains("trauma"));
        }
    }
    assert!(tomas.search("trauma", None).unwrap().is_empty());
    // Correcting it (which would show and replace its text) is refused.
    let mut tomas = tomas;
    let err = tomas
        .batch(|b| {
            b.correct_note(
                restricted.id,
                &NoteFields {
                    body: "overwritten".into(),
                    restricted_to: None,
                },
            )
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotAllowed);
    // An administrator without the discipline does not read it either.
    let ona = unlock(&c.dir, "ona");
    assert_eq!(ona.case_detail(case).unwrap().restricted_notes_hidden, 1);
    drop(ona);
    drop(tomas);
    // The CLI: case show (text and JSON) and search.
    for args in [
        vec!["case", "show", &case.to_string()],
        vec!["--json", "case", "show", &case.to_string()],
        vec!["search", "trauma"],
        vec!["--json", "search", "secretword"],
    ] {
        let mut all = vec!["--user", "tomas"];
        all.extend_from_slice(&args);
        let out = crate::cli::atrama(&c.dir, &all, &[("ATRAMA_PASSPHRASE", PASS)]);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("trauma"), "{args:?}: {text}");
    }
}

#[test]
fn disabling_removes_the_slot_and_re_enabling_needs_a_new_passphrase() {
    let (c, _) = centre();
    let mut ona = unlock(&c.dir, "ona");
    assert_eq!(
        code(ona.disable_staff("ona")),
        Some(ErrorCode::InvalidInput),
        "not oneself"
    );
    ona.disable_staff("tomas").unwrap();
    let listed = ona.staff().unwrap();
    let t = listed.iter().find(|m| m.username == "tomas").unwrap();
    assert!(t.disabled && !t.has_key_slot);
    drop(ona);
    assert_eq!(
        code(Store::unlock(&c.dir, "tomas", &Passphrase::new(PASS))),
        Some(ErrorCode::UnknownUser)
    );
    // Only an administrator re-enables; the old passphrase is gone for good.
    let mut rasa = unlock(&c.dir, "rasa");
    let fresh = Passphrase::new("a fresh passphrase");
    assert_eq!(
        code(rasa.enable_staff("tomas", &fresh, KdfParams::INSECURE_FOR_TESTS)),
        Some(ErrorCode::NotAllowed)
    );
    drop(rasa);
    let mut ona = unlock(&c.dir, "ona");
    ona.enable_staff("tomas", &fresh, KdfParams::INSECURE_FOR_TESTS)
        .unwrap();
    let log: Vec<String> = ona
        .access_log(50)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(log.contains(&"staff_disable".to_owned()) && log.contains(&"staff_enable".to_owned()));
    drop(ona);
    assert_eq!(
        code(Store::unlock(&c.dir, "tomas", &Passphrase::new(PASS))),
        Some(ErrorCode::WrongPassphrase)
    );
    Store::unlock(&c.dir, "tomas", &fresh).unwrap();
}

#[test]
fn the_last_administrator_cannot_be_disabled() {
    let (c, _) = centre();
    let mut ona = unlock(&c.dir, "ona");
    ona.add_staff(
        "jonas",
        Role::Administrator,
        &[],
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    drop(ona);
    let mut jonas = unlock(&c.dir, "jonas");
    jonas.disable_staff("ona").unwrap();
    drop(jonas);
    let mut rasa = unlock(&c.dir, "rasa");
    assert_eq!(
        code(rasa.disable_staff("jonas")),
        Some(ErrorCode::NotAllowed)
    );
}

#[test]
fn after_rotation_every_remaining_person_unlocks_and_the_removed_one_cannot() {
    let (c, case) = centre();
    // Tomas keeps a copy of the key-slot file before he leaves.
    let kept = c.tmp.path().join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::copy(c.dir.join("keyslots.json"), kept.join("keyslots.json")).unwrap();
    let mut ona = unlock(&c.dir, "ona");
    ona.disable_staff("tomas").unwrap();
    let mut phases = Vec::new();
    let report = ona.rotate_key(|p| phases.push(p)).unwrap();
    assert_eq!(report.slots, 4, "ona, ieva, rasa and the recovery key");
    assert!(report.pages > 0);
    assert_eq!(
        phases.last().map(|p| p.phase),
        Some(atrama::admin::RotationPhase::Done)
    );
    assert!(
        phases
            .windows(2)
            .all(|w| w[0].pages_done <= w[1].pages_done)
    );
    // The store goes on working in the same session.
    assert_eq!(ona.case_detail(case).unwrap().notes.len(), 1);
    assert!(
        ona.access_log(5)
            .unwrap()
            .iter()
            .any(|e| e.action == "rotate_key")
    );
    ona.verify_access_log().unwrap();
    drop(ona);
    for user in ["ona", "ieva", "rasa"] {
        let s = unlock(&c.dir, user);
        assert_eq!(s.case(case).unwrap().id, case);
    }
    // The removed person's kept slot opens the old key only: the database refuses it.
    std::fs::copy(c.dir.join("keyslots.json"), kept.join("current.json")).unwrap();
    std::fs::copy(kept.join("keyslots.json"), c.dir.join("keyslots.json")).unwrap();
    assert_eq!(
        code(Store::unlock(&c.dir, "tomas", &Passphrase::new(PASS))),
        Some(ErrorCode::DatabaseDamaged)
    );
    std::fs::copy(kept.join("current.json"), c.dir.join("keyslots.json")).unwrap();
    // The recovery slot was resealed too.
    let renewed = Passphrase::new("reset after rotation");
    Store::reset_passphrase(
        &c.dir,
        &c.recovery,
        "ieva",
        &renewed,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    Store::unlock(&c.dir, "ieva", &renewed).unwrap();
    // No leftovers in the folder.
    let names: Vec<String> = std::fs::read_dir(&c.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("rotat")), "{names:?}");
}

fn integrity(store: &Store) -> String {
    store
        .dangerously_raw_connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_rotation_killed_at_any_moment_leaves_a_store_that_opens_with_the_old_or_the_new_key() {
    let (c, _) = centre();
    {
        let mut ona = unlock(&c.dir, "ona");
        atrama::demo::generate(
            &mut ona,
            &atrama::demo::DemoOptions {
                clients: 1500,
                months: 36,
                seed: 7,
                today: "2026-11-20".parse().unwrap(),
            },
        )
        .unwrap();
    }
    let rotate = || {
        cli(
            &c.dir,
            &["--user", "ona", "staff", "rotate-key"],
            &[("ATRAMA_PASSPHRASE", ADMIN_PASS)],
        )
    };
    // One whole rotation, to know how long it takes.
    let started = std::time::Instant::now();
    let out = rotate().output().unwrap();
    let full = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kept = c.tmp.path().join("old-key");
    // The full content (every table, a checksum of each): the same after every kill, but
    // for the access log, which a completed rotation extends by its own entry.
    let mut before = crate::crash::content(&unlock(&c.dir, "ona"));
    let access_log = |c: &crate::crash::Content| {
        c.get("access_log")
            .map_or(0, |e| i64::try_from(e.0).unwrap())
    };
    let phase_file = c.tmp.path().join("rotation.phases");
    let mut landed = crate::crash::Landed::default();
    let (mut old_key, mut new_key, mut interrupted) = (0, 0, 0);
    let summary = crate::crash::kill_loop(
        "rotation",
        13,
        full,
        |_| {
            // The slots as they are before this attempt: they open the database only while
            // it is still under the old key.
            std::fs::create_dir_all(&kept).unwrap();
            std::fs::copy(c.dir.join("keyslots.json"), kept.join("keyslots.json")).unwrap();
            crate::crash::with_phases(rotate(), &phase_file)
        },
        |kill| {
            let reached = crate::crash::phases(&phase_file);
            landed.record(&reached, "rotation:begin", "rotation:switched");
            if c.dir.join("atrama.db.rotating").exists() || c.dir.join("rotation.commit").exists() {
                interrupted += 1;
            }
            // Unlocking finishes or undoes what was left.
            let store = unlock(&c.dir, "ona");
            assert_eq!(integrity(&store), "ok", "{kill:?}");
            let now = crate::crash::content(&store);
            drop(store);
            assert_eq!(
                crate::crash::differing(
                    &crate::crash::without(now.clone(), &crate::crash::ACCESS_LOG),
                    &crate::crash::without(before.clone(), &crate::crash::ACCESS_LOG)
                ),
                Vec::<String>::new(),
                "{kill:?}: the data changed"
            );
            let added = access_log(&now) - access_log(&before);
            assert!(added <= 1, "{kill:?}: {added} access-log entries added");
            let names: Vec<String> = std::fs::read_dir(&c.dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                names
                    .iter()
                    .all(|n| !n.contains("rotat") && !n.contains(".tmp-")),
                "leftovers after {kill:?}: {names:?}"
            );
            std::fs::copy(c.dir.join("atrama.db"), kept.join("atrama.db")).unwrap();
            match Store::unlock(&kept, "ona", &Passphrase::new(ADMIN_PASS)) {
                Ok(_) => {
                    assert_eq!(added, 0, "{kill:?}: the old key with the rotation's entry");
                    assert!(
                        !reached.iter().any(|p| p == "rotation:committed"),
                        "{kill:?}: under the old key after the commit: {reached:?}"
                    );
                    old_key += 1;
                }
                Err(e) => {
                    assert_eq!(e.code(), ErrorCode::DatabaseDamaged, "{kill:?}");
                    assert_eq!(
                        added, 1,
                        "{kill:?}: the new key without the rotation's entry"
                    );
                    new_key += 1;
                }
            }
            before = crate::crash::content(&unlock(&c.dir, "ona"));
            std::fs::remove_dir_all(&kept).unwrap();
        },
    );
    eprintln!(
        "rotation: {old_key} under the old key, {new_key} under the new key, {interrupted} left part-way"
    );
    assert!(
        interrupted > 0,
        "no attempt was killed part-way ({old_key} old, {new_key} new, rotation {full:?})"
    );
    assert!(
        summary.killed_running >= summary.trials / 4,
        "only {} of {} rotations were still going when killed (rotation took {full:?})",
        summary.killed_running,
        summary.trials
    );
    assert!(old_key > 0, "no attempt was killed before its commit");
    // Kills inside the rotation (begun, not switched to the new files): a quarter at least.
    landed.assert_inside("rotation", summary.trials / 4);
    // Everyone still unlocks, and the recovery key still works.
    for user in ["ona", "ieva", "rasa", "tomas"] {
        unlock(&c.dir, user);
    }
    let renewed = Passphrase::new("reset after rotation");
    Store::reset_passphrase(
        &c.dir,
        &c.recovery,
        "rasa",
        &renewed,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
}

/// Regression (tamper-matrix finding 1, the part left open): a rotation sealed the new
/// database key to every slot's stored public key, also for slots nobody had unlocked since
/// the file was changed. Each slot's public key is now bound to it by an HMAC under a key
/// derived from the database key, and a rotation refuses a slot whose binding is wrong or
/// missing, changing nothing.
#[test]
fn a_rotation_refuses_a_slot_whose_public_key_is_not_bound_to_it() {
    let (c, _) = centre();
    let slots_path = c.dir.join("keyslots.json");
    let original = std::fs::read(&slots_path).unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut value: serde_json::Value = serde_json::from_slice(&original).unwrap();
        for slot in value["slots"].as_array_mut().unwrap() {
            if slot["user"] == "tomas" {
                f(slot);
            }
        }
        std::fs::write(&slots_path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    };
    let stranger = atrama::bundle::format::OpeningKey::generate()
        .public()
        .to_bytes();
    let stranger = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(stranger)
    };
    let rotate = || {
        let mut ona = unlock(&c.dir, "ona");
        ona.rotate_key(|_| {})
    };

    // tomas's public key replaced by someone else's (the binding left as it was).
    edit(&|slot| slot["public_key"] = serde_json::Value::String(stranger.clone()));
    let replaced = std::fs::read(&slots_path).unwrap();
    let err = rotate().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("tomas") && text.contains("changed outside Atrama"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(&slots_path).unwrap(),
        replaced,
        "nothing rewritten"
    );
    // Both the binding and the key replaced, the binding removed: refused as unproven.
    edit(&|slot| {
        slot["public_key"] = serde_json::Value::String(stranger.clone());
        slot.as_object_mut().unwrap().remove("binding");
    });
    let text = rotate().unwrap_err().to_string();
    assert!(
        text.contains("tomas") && text.contains("cannot be checked"),
        "{text}"
    );
    // tomas cannot prove that key (his secret key is not its pair), so it stays refused.
    assert!(Store::unlock(&c.dir, "tomas", &Passphrase::new(PASS)).is_err());
    assert!(rotate().is_err());
    // A forged binding (made with a key other than the database key) is refused too.
    edit(&|slot| {
        slot["public_key"] = serde_json::Value::String(stranger.clone());
        slot["binding"] = serde_json::Value::String(stranger.clone());
    });
    assert!(
        rotate()
            .unwrap_err()
            .to_string()
            .contains("changed outside Atrama")
    );

    // A slot of a file written before bindings (public key genuine, no binding): refused
    // until its owner unlocks once, which proves and binds it; then the rotation works and
    // every slot carries a binding under the new key.
    edit(&|slot| {
        slot.as_object_mut().unwrap().remove("binding");
    });
    let text = rotate().unwrap_err().to_string();
    assert!(
        text.contains("tomas") && text.contains("unlock once"),
        "{text}"
    );
    unlock(&c.dir, "tomas");
    let report = rotate().unwrap();
    assert_eq!(report.slots, 5);
    let after: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&slots_path).unwrap()).unwrap();
    assert!(
        after["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["binding"].is_string())
    );
    for user in ["ona", "ieva", "rasa", "tomas"] {
        unlock(&c.dir, user);
    }
    // And a second rotation checks the bindings made by the first.
    rotate().unwrap();
}

#[test]
fn the_access_log_chain_names_a_deleted_and_an_edited_entry() {
    let (c, case) = centre();
    let ona = unlock(&c.dir, "ona");
    for _ in 0..3 {
        ona.case_detail(case).unwrap();
    }
    let n = ona.verify_access_log().unwrap();
    assert!(n >= 6, "{n}");
    let conn = ona.dangerously_raw_connection();
    conn.execute("DELETE FROM access_log WHERE seq = 4", [])
        .unwrap();
    let err = ona.verify_access_log().unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessLogAltered);
    assert!(err.to_string().contains("entry 4 was removed"), "{err}");
    // Put it back as it was? It is gone; check an edit on a copy of the chain instead.
    drop(ona);
    let (c2, case2) = centre();
    let ona = unlock(&c2.dir, "ona");
    ona.case_detail(case2).unwrap();
    let conn = ona.dangerously_raw_connection();
    conn.execute(
        "UPDATE access_log SET detail = 'nothing to see' WHERE seq = 3",
        [],
    )
    .unwrap();
    let err = ona.verify_access_log().unwrap_err();
    assert!(err.to_string().contains("entry 3 was edited"), "{err}");
    // Removing the newest entry is noticed too.
    let (c3, _) = centre();
    let ona3 = unlock(&c3.dir, "ona");
    let last: i64 = ona3
        .dangerously_raw_connection()
        .query_row("SELECT max(seq) FROM access_log", [], |r| r.get(0))
        .unwrap();
    ona3.dangerously_raw_connection()
        .execute("DELETE FROM access_log WHERE seq = ?1", [last])
        .unwrap();
    let err = ona3.verify_access_log().unwrap_err();
    assert!(err.to_string().contains(&format!("entry {last}")), "{err}");
    // And the CLI says so, with exit code 1.
    let out = cli(
        &c.dir,
        &["--user", "ona", "audit", "verify"],
        &[("ATRAMA_PASSPHRASE", ADMIN_PASS)],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("entry 4 was removed"));
}

#[test]
fn the_listed_access_log_names_each_case_by_its_number() {
    let (c, case) = centre();
    let mut ona = unlock(&c.dir, "ona");
    let number = ona.case_detail(case).unwrap().case.case_number;
    ona.disable_staff("rasa").unwrap();
    let log = ona.access_log(50).unwrap();
    let viewed = log.iter().find(|e| e.action == "view_case").unwrap();
    assert_eq!(viewed.case_id.as_deref(), Some(case.to_string().as_str()));
    assert_eq!(viewed.case_number.as_deref(), Some(number.as_str()));
    let disabled = log.iter().find(|e| e.action == "staff_disable").unwrap();
    assert_eq!(
        (disabled.case_id.as_deref(), disabled.case_number.as_deref()),
        (None, None)
    );
    let for_case = ona.access_log_for_case(case).unwrap();
    assert!(!for_case.is_empty());
    assert!(
        for_case
            .iter()
            .all(|e| e.case_number.as_deref() == Some(number.as_str()))
    );
    // The number is looked up when listing, never hashed: the chain still checks.
    ona.verify_access_log().unwrap();
}

/// SHA-256 of every row of every table (in rowid or key order), by table.
fn table_checksums(store: &Store) -> Vec<(String, String)> {
    use sha2::{Digest, Sha256};
    let conn = store.dangerously_raw_connection();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let cols = stmt.column_count();
        let order: Vec<String> = (1..=cols).map(|i| i.to_string()).collect();
        drop(stmt);
        let mut stmt = conn
            .prepare(&format!(
                "SELECT * FROM \"{t}\" ORDER BY {}",
                order.join(", ")
            ))
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut h = Sha256::new();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..cols {
                h.update(format!("{:?}|", r.get_ref(i).unwrap()).as_bytes());
            }
            h.update(b"\n");
        }
        out.push((t, format!("{:x}", h.finalize())));
    }
    out
}

fn centre_with_recovery() -> (tempfile::TempDir, PathBuf, atrama::RecoveryKey) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let centre = NewCentre {
        code: "BKP-01".into(),
        name: "Backup centre".into(),
        country: Country::Lv,
        language: Language::Lv,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (mut store, recovery) = Store::create(
        &dir,
        &centre,
        &Passphrase::new(ADMIN_PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    atrama::demo::generate(
        &mut store,
        &atrama::demo::DemoOptions {
            clients: 200,
            months: 24,
            seed: 5,
            today: "2026-11-20".parse().unwrap(),
        },
    )
    .unwrap();
    (tmp, dir, recovery)
}

#[test]
fn backup_then_restore_gives_identical_tables_and_opens_with_the_recovery_key() {
    let (tmp, dir, recovery) = centre_with_recovery();
    let mut store = unlock(&dir, "ona");
    let file = tmp.path().join("backups").join("centre.atrbak");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    assert!(store.backup_status().unwrap().due, "no checked backup yet");
    store.create_backup(&file).unwrap();
    // What the snapshot holds is the store as it was, minus the entry that records it.
    let check = store.verify_backup(&file).unwrap();
    assert!(check.cases >= 200);
    assert!(!store.backup_status().unwrap().due);
    let conn = store.dangerously_raw_connection();
    let backup_seq: i64 = conn
        .query_row(
            "SELECT max(seq) FROM access_log WHERE action = 'backup'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(store);
    // The backup file holds no plaintext.
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.windows(15).any(|w| w == b"SQLite format 3"));
    let restored = tmp.path().join("restored");
    let wrong = atrama::RecoveryKey::generate().unwrap();
    assert_eq!(
        atrama::admin::backup::restore(&file, &wrong, &restored)
            .unwrap_err()
            .code(),
        ErrorCode::WrongRecoveryKey
    );
    assert!(!restored.exists());
    atrama::admin::backup::restore(&file, &recovery, &restored).unwrap();
    let a = unlock(&dir, "ona");
    let b = unlock(&restored, "ona");
    // Undo, on the original, what happened after the snapshot (the backup, its check and
    // the two unlocks' own entries), so both hold the same moment.
    a.dangerously_raw_connection()
        .execute_batch(&format!(
            "DELETE FROM access_log WHERE seq >= {backup_seq};
             DELETE FROM store_meta WHERE key IN ('last_backup_at', 'last_verified_backup_at', 'access_log_head');
             UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM access_log) WHERE name = 'access_log';"
        ))
        .unwrap();
    b.dangerously_raw_connection()
        .execute_batch(
            "DELETE FROM store_meta WHERE key IN ('last_backup_at', 'last_verified_backup_at', 'access_log_head');",
        )
        .unwrap();
    let (ca, cb) = (table_checksums(&a), table_checksums(&b));
    assert!(ca.len() > 20, "{ca:?}");
    assert_eq!(ca, cb);
    // A damaged copy is refused with a clear message.
    let damaged = tmp.path().join("damaged.atrbak");
    let mut bytes = bytes;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&damaged, &bytes).unwrap();
    let err = atrama::admin::backup::verify_with_recovery(&damaged, &recovery).unwrap_err();
    assert!(err.to_string().contains("damaged"), "{err}");
}

#[test]
fn a_backup_taken_while_another_connection_writes_is_consistent() {
    let (tmp, dir, recovery) = centre_with_recovery();
    let writer_dir = dir.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_w = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut w = unlock(&writer_dir, "ona");
        let mut n = 0;
        while !stop_w.load(std::sync::atomic::Ordering::Relaxed) && n < 2000 {
            let r = w.batch(|b| {
                let client = b.create_client(&client_fields("Writer", "Busy", "+371 2000 0000"))?;
                b.open_case(&NewCase {
                    client_id: client,
                    opened_on: "2026-11-01".parse().unwrap(),
                    fields: case_fields("self", None),
                })
            });
            match r {
                Ok(_) => n += 1,
                // Two writers: a transaction that read before the other committed is
                // refused as a whole (and nothing of it was written); try again.
                Err(e) if e.to_string().contains("locked") || e.to_string().contains("busy") => {}
                Err(e) => panic!("{e}"),
            }
        }
        n
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut store = unlock(&dir, "ona");
    let file = tmp.path().join("live.atrbak");
    store.create_backup(&file).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    let restored = tmp.path().join("restored");
    atrama::admin::backup::restore(&file, &recovery, &restored).unwrap();
    let b = unlock(&restored, "ona");
    assert_eq!(integrity(&b), "ok");
    b.verify_access_log().unwrap();
    let conn = b.dangerously_raw_connection();
    // Every case in the snapshot came with its client, its change-log row and its access-log
    // entry: no transaction was cut in half.
    let (cases, logged, changes): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM case_file),
                    (SELECT count(DISTINCT case_id) FROM access_log WHERE action = 'change'),
                    (SELECT count(*) FROM change_log WHERE kind = 'case_file')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(cases >= 200);
    assert_eq!(cases, logged);
    assert!(changes >= cases);
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM case_file c WHERE NOT EXISTS (SELECT 1 FROM client WHERE id = c.client_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}

/// The plaintext of every page of an SQLCipher 4 database (and of every frame of its WAL),
/// decrypted here with the raw key: AES-256-CBC, 4096-byte pages, 80 reserved bytes at
/// the end of each page (16 of IV, 64 of HMAC), page 1 starting after its 16-byte salt.
/// Free pages and slack space are included, unlike anything SQL can read.
fn decrypted(path: &Path, key: &[u8; 32]) -> Vec<u8> {
    use aes::cipher::{BlockDecrypt, KeyInit, generic_array::GenericArray};
    const PAGE: usize = 4096;
    const RESERVE: usize = 80;
    let cipher = aes::Aes256::new(GenericArray::from_slice(key));
    let decrypt_page = |page_no: u32, page: &[u8], out: &mut Vec<u8>| {
        let start = if page_no == 1 { 16 } else { 0 };
        let iv = &page[PAGE - RESERVE..PAGE - RESERVE + 16];
        let mut prev: [u8; 16] = iv.try_into().unwrap();
        for chunk in page[start..PAGE - RESERVE].chunks(16) {
            let mut block = GenericArray::clone_from_slice(chunk);
            cipher.decrypt_block(&mut block);
            for (b, p) in block.iter_mut().zip(prev.iter()) {
                *b ^= p;
            }
            prev = chunk.try_into().unwrap();
            out.extend_from_slice(&block);
        }
    };
    let bytes = std::fs::read(path).unwrap_or_default();
    let mut out = Vec::new();
    if path.to_string_lossy().ends_with("-wal") {
        let mut off = 32;
        while off + 24 + PAGE <= bytes.len() {
            let page_no = u32::from_be_bytes(bytes[off..off + 4].try_into().unwrap());
            decrypt_page(page_no, &bytes[off + 24..off + 24 + PAGE], &mut out);
            off += 24 + PAGE;
        }
    } else {
        for (i, page) in bytes.chunks(PAGE).enumerate() {
            if page.len() == PAGE {
                decrypt_page(u32::try_from(i + 1).unwrap(), page, &mut out);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let lower: Vec<u8> = haystack.iter().map(u8::to_ascii_lowercase).collect();
    lower
        .windows(needle.len())
        .any(|w| w == needle.to_lowercase().as_bytes())
}

/// Markers written into one case; each is checked by a tail that survives the full-text
/// index's prefix compression.
const MARKERS: &[(&str, &str)] = &[
    ("Xenomarknamezz7q", "marknamezz7q"),
    ("Qoppanotemarkzz9w", "notemarkzz9w"),
    ("Vizdocmarkzz3k", "docmarkzz3k"),
    ("+370 699 77123", "69977123"),
];

fn shared_closed_case(
    store: &mut Store,
    given: &str,
    family: &str,
    phone: &str,
    note: &str,
    doc: &str,
) -> CaseId {
    use atrama::cases::{ConsentFields, ServiceContactFields};
    store
        .batch(|b| {
            let client = b.create_client(&client_fields(given, family, phone))?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: "2018-05-14".parse().unwrap(),
                fields: case_fields("police", None),
            })?;
            b.record_consent(
                case,
                &ConsentFields {
                    purpose: "statistics".into(),
                    agency_type: None,
                    given: true,
                    given_by: "self".into(),
                    on_date: "2018-05-14".parse().unwrap(),
                    shared_fields: Vec::new(),
                },
            )?;
            for (day, minutes) in [("2018-05-20", 60), ("2018-06-03", 45), ("2018-06-17", 30)] {
                b.log_service_contact(
                    case,
                    &ServiceContactFields {
                        on_date: day.parse().unwrap(),
                        discipline: "legal".into(),
                        mode: "in_person".into(),
                        minutes,
                        is_group: false,
                        staff: None,
                    },
                )?;
            }
            b.add_note(
                case,
                &NoteFields {
                    body: format!("session notes {note}"),
                    restricted_to: None,
                },
            )?;
            b.attach_document(case, &format!("{doc}.txt"), "text/plain", doc.as_bytes())?;
            b.close_case(case, "2019-01-10".parse().unwrap(), "needs_met")?;
            Ok(case)
        })
        .unwrap()
}

#[test]
fn after_a_purge_no_marker_of_the_case_is_anywhere_in_the_store_folder() {
    let (c, kept_case) = centre();
    let mut ona = unlock(&c.dir, "ona");
    let purged = shared_closed_case(
        &mut ona,
        MARKERS[0].0,
        "Family",
        MARKERS[3].0,
        MARKERS[1].0,
        MARKERS[2].0,
    );
    let today: chrono::NaiveDate = "2026-11-20".parse().unwrap();
    ona.set_retention_policy(atrama::admin::RetentionPolicy {
        closed_case_years: Some(5),
        document_years: None,
    })
    .unwrap();
    let preview = ona.retention_preview(today).unwrap();
    assert_eq!(preview.cases.len(), 1, "{preview:?}");
    assert_eq!(preview.cases[0].case_id, purged.to_string());
    let key = *ona.dangerously_db_key().dangerously_expose();
    // Control: the scanner finds every marker before the purge.
    ona.dangerously_raw_connection()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let before = decrypted(&c.dir.join("atrama.db"), &key);
    for (_, tail) in MARKERS {
        assert!(contains(&before, tail), "the scanner misses {tail}");
    }
    let report = ona.purge(today).unwrap();
    assert_eq!((report.cases, report.tombstones), (1, 1));
    assert!(ona.search(MARKERS[0].0, None).unwrap().is_empty());
    assert_eq!(
        ona.case(kept_case).unwrap().id,
        kept_case,
        "other cases stay"
    );
    // The statistics keep what the monthly tables need.
    let stats = ona.archived_statistics().unwrap();
    let minutes: i64 = stats
        .iter()
        .filter(|s| s.measure == "t6_minutes")
        .map(|s| s.value)
        .sum();
    assert_eq!(minutes, 135);
    assert!(stats.iter().any(|s| s.month == "2019-01"
        && s.measure == "t10_closures"
        && s.dimension == "needs_met"));
    assert_eq!(
        stats
            .iter()
            .filter(|s| s.measure == "t10_open_at_month_end")
            .count(),
        8,
        "May to December 2018"
    );
    let log = ona.access_log(5).unwrap();
    assert!(log.iter().any(|e| e.action == "purge"));
    ona.verify_access_log().unwrap();
    // While open and after closing: every file, raw and decrypted page by page.
    for open in [true, false] {
        if !open {
            drop(std::mem::replace(&mut ona, unlock(&c.dir, "ieva")));
            drop(ona);
            ona = unlock(&c.dir, "ona");
            drop(std::mem::replace(&mut ona, unlock(&c.dir, "rasa")));
        }
        for entry in std::fs::read_dir(&c.dir).unwrap() {
            let path = entry.unwrap().path();
            let raw = std::fs::read(&path).unwrap();
            let plain = decrypted(&path, &key);
            for (marker, tail) in MARKERS {
                assert!(!contains(&raw, tail), "{} holds {marker}", path.display());
                if path.to_string_lossy().contains("atrama.db") {
                    assert!(
                        !contains(&plain, tail),
                        "{} holds {marker} once decrypted",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn a_purge_reaches_the_coordinator_whose_monthly_counts_stay() {
    let (c, _) = centre();
    let mut centre_store = unlock(&c.dir, "ona");
    let coord_tmp = tempfile::tempdir().unwrap();
    let coord_dir = coord_tmp.path().join("store");
    let (mut coord, _) = Store::create(
        &coord_dir,
        &NewCentre {
            code: "KOORD".into(),
            name: "Coordination".into(),
            country: Country::Lt,
            language: Language::En,
            mode: Mode::Coordinator,
            admin_user: "ona".into(),
        },
        &Passphrase::new(ADMIN_PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    crate::site::enrol_stores(&mut centre_store, &mut coord);
    let case = shared_closed_case(
        &mut centre_store,
        "Anna",
        "Shared",
        "+370 600 11111",
        "plain note",
        "scan",
    );
    let bundles = c.tmp.path();
    let first = bundles.join("1.atrb");
    centre_store.export_bundle("KOORD", &first, None).unwrap();
    coord.import_bundle(&first, false).unwrap();
    // The coordinator knows the case by the id derived for it (payload format 2).
    let derived = centre_store
        .recipient_id("KOORD", &case.to_string())
        .unwrap();
    let at_coord = |coord: &Store| -> i64 {
        coord
            .dangerously_raw_connection()
            .query_row(
                "SELECT count(*) FROM case_file WHERE id = ?1",
                [&derived],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(at_coord(&coord), 1);
    // The coordinator confirms, so that the next export starts after the first.
    let ret = bundles.join("r.atrb");
    coord.export_bundle("KLP-01", &ret, None).unwrap();
    centre_store.import_bundle(&ret, false).unwrap();
    centre_store
        .set_retention_policy(atrama::admin::RetentionPolicy {
            closed_case_years: Some(5),
            document_years: Some(5),
        })
        .unwrap();
    centre_store.purge("2026-11-20".parse().unwrap()).unwrap();
    let second = bundles.join("2.atrb");
    let report = centre_store.export_bundle("KOORD", &second, None).unwrap();
    assert_eq!(report.preview.purged, 1);
    let summary = coord.import_bundle(&second, false).unwrap();
    assert_eq!(summary.purged, 1);
    assert_eq!(at_coord(&coord), 0);
    let kept_here: Vec<_> = centre_store.archived_statistics().unwrap();
    let kept_there: Vec<_> = coord.archived_statistics().unwrap();
    assert!(!kept_there.is_empty());
    assert_eq!(
        kept_here, kept_there,
        "the same monthly counts on both sides"
    );
}

#[test]
fn cli_staff_audit_backup_and_retention_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let run = |dir: &Path, args: &[&str], env: &[(&str, &str)]| {
        let out = cli(dir, args, env).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let admin = [("ATRAMA_PASSPHRASE", ADMIN_PASS)];
    let (code, out, err) = run(
        &dir,
        &[
            "--json",
            "init",
            "--centre-code",
            "cli-01",
            "--centre-name",
            "CLI centre",
            "--country",
            "lv",
            "--admin",
            "ona",
        ],
        &admin,
    );
    assert_eq!(code, Some(0), "{err}");
    let recovery = serde_json::from_str::<serde_json::Value>(&out).unwrap()["recovery_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let as_ona = |args: &[&str]| {
        let mut all = vec!["--user", "ona"];
        all.extend_from_slice(args);
        run(
            &dir,
            &all,
            &[
                ("ATRAMA_PASSPHRASE", ADMIN_PASS),
                ("ATRAMA_NEW_PASSPHRASE", PASS),
            ],
        )
    };
    let (code, out, err) = as_ona(&[
        "staff",
        "add",
        "tomas",
        "--role",
        "counsellor",
        "--disciplines",
        "legal,social_work",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Added tomas"), "{out}");
    let (_, out, _) = as_ona(&["staff", "list"]);
    assert!(
        out.contains("tomas") && out.contains("legal,social_work") && out.contains("active"),
        "{out}"
    );
    // The colleague signs in; a counsellor may not manage staff.
    let tomas = [("ATRAMA_PASSPHRASE", PASS)];
    assert_eq!(run(&dir, &["--user", "tomas", "status"], &tomas).0, Some(0));
    let (code, _, err) = run(&dir, &["--user", "tomas", "staff", "list"], &tomas);
    assert_eq!(code, Some(0), "listing is for pickers: {err}");
    let (code, _, err) = run(
        &dir,
        &["--user", "tomas", "staff", "disable", "ona"],
        &tomas,
    );
    assert_eq!(code, Some(1));
    assert!(
        err.contains("only a centre administrator may manage staff"),
        "{err}"
    );
    // Disable, rotate, and the colleague is out.
    let (code, out, err) = as_ona(&["staff", "disable", "tomas"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Rotate the key"), "{out}");
    let (code, out, err) = as_ona(&["staff", "rotate-key"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("key slots resealed"), "{out}");
    assert!(err.contains("Copying"), "progress on stderr: {err}");
    let (code, _, err) = run(&dir, &["--user", "tomas", "status"], &tomas);
    assert_eq!(code, Some(1));
    assert!(err.contains("no user 'tomas'"), "{err}");
    // The access log.
    let (code, out, err) = as_ona(&["audit", "verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("intact"), "{out}");
    let (_, out, _) = as_ona(&["audit", "show"]);
    for action in ["staff_add", "staff_disable", "rotate_key"] {
        assert!(out.contains(action), "{action}: {out}");
    }
    // Backups.
    let file = tmp.path().join("b.atrbak");
    let file_s = file.to_string_lossy().into_owned();
    let (code, _, err) = as_ona(&["backup", "create", "--out", &file_s]);
    assert_eq!(code, Some(0), "{err}");
    let (_, out, _) = as_ona(&["backup", "status"]);
    assert!(out.contains("a checked backup is due"), "{out}");
    let (code, out, err) = as_ona(&["backup", "verify", &file_s]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("opens and is intact"), "{out}");
    let (_, out, _) = as_ona(&["backup", "status", "--reminder-days", "14"]);
    assert!(
        out.contains("reminder after 14 days") && !out.contains("due"),
        "{out}"
    );
    let restored = tmp.path().join("restored");
    let (code, _, err) = run(
        &restored,
        &["backup", "restore", &file_s],
        &[("ATRAMA_RECOVERY_KEY", &recovery)],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        run(&restored, &["--user", "ona", "audit", "verify"], &admin).0,
        Some(0)
    );
    // Retention.
    let (code, out, err) = as_ona(&["retention", "set", "--closed-cases", "5"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("5 years") && out.contains("never"), "{out}");
    let (code, out, _) = as_ona(&["retention", "preview"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("removes 0 case(s)"), "{out}");
    let (code, _, err) = as_ona(&["retention", "purge"]);
    assert_eq!(code, Some(1), "no confirmation, no purge: {err}");
    let (code, out, err) = as_ona(&["retention", "purge", "--yes"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Purged 0 case(s)"), "{out}");
}
