//! Administration: permissions per role in the core, discipline-restricted notes through
//! every read path, staff disable and re-enable, key rotation (in process and killed at
//! random moments), the access log's chain, backups, retention and purge.

use std::path::{Path, PathBuf};

use atrama::admin::Permission;
use atrama::cases::{NewCase, NoteFields};
use atrama::ids::CaseId;
use atrama::{Country, ErrorCode, KdfParams, Language, Mode, NewCentre, Passphrase, Role, Store};

use crate::case_record::{case_fields, client_fields};

pub(crate) const ADMIN_PASS: &str = "admin passphrase for tests";
pub(crate) const PASS: &str = "colleague passphrase";

pub(crate) struct Centre {
    pub(crate) tmp: tempfile::TempDir,
    pub(crate) dir: PathBuf,
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
    let (mut store, _) = Store::create(
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
    let mut ieva = Store::unlock(&dir, "ieva", &pass).unwrap();
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
    (Centre { tmp, dir }, case)
}

pub(crate) fn unlock(dir: &Path, user: &str) -> Store {
    let pass = if user == "ona" { ADMIN_PASS } else { PASS };
    Store::unlock(dir, user, &Passphrase::new(pass)).unwrap()
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
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_atrama"))
            .arg("--store")
            .arg(&c.dir)
            .args(["--user", "tomas"])
            .args(&args)
            .env("ATRAMA_PASSPHRASE", PASS)
            .output()
            .unwrap();
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
    // The recovery slot was resealed too: no leftovers in the folder.
    let names: Vec<String> = std::fs::read_dir(&c.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("rotat")), "{names:?}");
}
