//! The store lock: one window or process at a time has a store open for writing. Beside it
//! a command that only reads opens the store read-only; anything that would write is refused
//! with a clear message while the store is held, and works again once it is released.

use std::path::Path;

use atrama::{Country, Error, ErrorCode, KdfParams, Language, Mode, NewCentre, Passphrase, Store};

use crate::cli::{PASS, atrama, stderr, stdout};

const IN_USE: &str = "this store is open in another Atrama window or process";

fn create(dir: &Path) -> Store {
    let centre = NewCentre {
        code: "LCK-01".into(),
        name: "Lock test centre".into(),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (store, _) = Store::create(
        dir,
        &centre,
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("created");
    store
}

fn assert_in_use(e: Error, dir: &Path) {
    assert_eq!(e.code(), ErrorCode::StoreInUse, "{e}");
    let message = e.to_string();
    assert!(message.contains(IN_USE), "{message}");
    assert!(message.contains(&dir.display().to_string()), "{message}");
}

#[test]
fn a_second_open_is_refused_until_the_first_is_dropped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("store");
    let pass = Passphrase::new(PASS);

    // A new store is held from the moment it is created.
    let created = create(&dir);
    assert_in_use(Store::unlock(&dir, "ona", &pass).unwrap_err(), &dir);
    drop(created);

    let first = Store::unlock(&dir, "ona", &pass).expect("unlocks");
    assert_in_use(Store::unlock(&dir, "ona", &pass).unwrap_err(), &dir);
    // A passphrase change writes the key slots: refused too, and nothing changes.
    let slots_before = std::fs::read(dir.join("keyslots.json")).expect("slots");
    let changed = Store::change_passphrase(
        &dir,
        "ona",
        &pass,
        &Passphrase::new("another passphrase 2"),
        KdfParams::INSECURE_FOR_TESTS,
    );
    assert_in_use(changed.unwrap_err(), &dir);
    assert_eq!(
        std::fs::read(dir.join("keyslots.json")).expect("slots"),
        slots_before
    );
    drop(first);

    let again = Store::unlock(&dir, "ona", &pass).expect("unlocks after the first is dropped");
    assert_eq!(again.profile().expect("profile").code, "LCK-01");
    drop(again);

    // The lock file is empty and private; nothing else appeared in the store folder.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["atrama.db", "atrama.lock", "keyslots.json"]);
    assert_eq!(
        std::fs::read(dir.join("atrama.lock")).expect("lock file"),
        b""
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("atrama.lock"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn beside_the_holder_a_reader_reads_and_cannot_write() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("store");
    let pass = Passphrase::new(PASS);
    let mut holder = create(&dir);
    holder.set_backup_reminder(45).expect("the holder writes");

    // No other window or process: reading takes the lock like an unlock.
    drop(holder);
    let alone = Store::unlock_for_reading(&dir, "ona", &pass).expect("opens");
    assert!(!alone.is_read_only());
    drop(alone);

    let holder = Store::unlock(&dir, "ona", &pass).expect("unlocks");
    let mut reader = Store::unlock_for_reading(&dir, "ona", &pass).expect("opens to read");
    assert!(reader.is_read_only());
    assert_eq!(reader.profile().expect("reads").code, "LCK-01");
    assert_eq!(reader.backup_status().expect("reads").reminder_days, 45);
    let refused = reader.set_backup_reminder(10).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::StoreInUse, "{refused}");
    assert!(refused.to_string().contains(IN_USE), "{refused}");
    // The wrong passphrase is still the wrong passphrase.
    let wrong = Store::unlock_for_reading(&dir, "ona", &Passphrase::new("not it at all"));
    assert_eq!(wrong.unwrap_err().code(), ErrorCode::WrongPassphrase);
    drop(reader);
    assert_eq!(holder.backup_status().expect("reads").reminder_days, 45);
}

#[test]
fn a_folder_without_a_store_gets_no_lock_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let e = Store::unlock(tmp.path(), "ona", &Passphrase::new(PASS)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::StoreNotFound, "{e}");
    assert_eq!(std::fs::read_dir(tmp.path()).expect("lists").count(), 0);
}

#[test]
fn while_the_store_is_held_the_cli_reads_but_never_writes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("store");
    let held = create(&dir);
    let env = [
        ("ATRAMA_PASSPHRASE", PASS),
        ("ATRAMA_NEW_PASSPHRASE", "new passphrase 123"),
    ];

    // Commands that only read work beside the holder.
    let out = atrama(&dir, &["--user", "ona", "status"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Lock test centre"),
        "{}",
        stdout(&out)
    );
    let out = atrama(&dir, &["--user", "ona", "case", "list"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Commands that write are refused with one clear line, and write nothing.
    let slots_before = std::fs::read(dir.join("keyslots.json")).expect("slots");
    for args in [
        &["--user", "ona", "demo", "--clients", "2"][..],
        &["--user", "ona", "passwd"][..],
        &["--user", "ona", "retention", "set", "--closed-cases", "7"][..],
    ] {
        let out = atrama(&dir, args, &env);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains(IN_USE), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    assert_eq!(
        std::fs::read(dir.join("keyslots.json")).expect("slots"),
        slots_before
    );
    let counts = held.status().expect("status").counts;
    assert!(
        counts.iter().all(|c| c.kind == "staff" || c.count == 0),
        "{counts:?}"
    );
    drop(held);

    // Released: the same command writes.
    let out = atrama(&dir, &["--user", "ona", "demo", "--clients", "2"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = atrama(&dir, &["--user", "ona", "status"], &env);
    assert!(stdout(&out).contains("cases:    2"), "{}", stdout(&out));
}
