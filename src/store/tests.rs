//! Unit tests of the store and its key slots, against temporary folders.

use super::*;
use crate::ErrorCode;

const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;

fn centre() -> NewCentre {
    NewCentre {
        code: "klp-01".into(),
        name: "Klaipėdos specializuotos pagalbos centras".into(),
        country: Country::Lt,
        language: Language::Lt,
        mode: Mode::Centre,
        admin_user: "Ona".into(),
    }
}

fn pass(text: &str) -> Passphrase {
    Passphrase::new(text)
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    recovery: RecoveryKey,
}

fn fixture() -> Result<Fixture> {
    let tmp = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let dir = tmp.path().join("store");
    let (store, recovery) = Store::create(&dir, &centre(), &pass("first passphrase"), KDF)?;
    drop(store);
    Ok(Fixture {
        _tmp: tmp,
        dir,
        recovery,
    })
}

fn code_of<T: std::fmt::Debug>(result: Result<T>) -> ErrorCode {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code(),
    }
}

#[test]
fn create_then_unlock_shows_the_profile() -> Result<()> {
    let f = fixture()?;
    let store = Store::unlock(&f.dir, "ona", &pass("first passphrase"))?;
    let profile = store.profile()?;
    assert_eq!(profile.code, "KLP-01");
    assert_eq!(profile.name, "Klaipėdos specializuotos pagalbos centras");
    assert_eq!(profile.mode, Mode::Centre);
    let status = store.status()?;
    assert_eq!(status.schema_version, migrations::LATEST);
    assert_eq!(
        status.counts[0],
        RecordCount {
            kind: "staff".into(),
            count: 1
        }
    );
    assert!(
        status.counts[1..].iter().all(|c| c.count == 0),
        "{:?}",
        status.counts
    );
    assert_eq!(status.user, "ona");
    Ok(())
}

#[test]
fn wrong_passphrase_and_unknown_user_are_refused() -> Result<()> {
    let f = fixture()?;
    let err = Store::unlock(&f.dir, "ona", &pass("second passphrase")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassphrase);
    assert_eq!(err.to_string(), "wrong passphrase for user 'ona'");
    assert_eq!(
        code_of(Store::unlock(&f.dir, "rasa", &pass("first passphrase"))),
        ErrorCode::UnknownUser
    );
    Ok(())
}

#[test]
fn create_refuses_an_existing_store() -> Result<()> {
    let f = fixture()?;
    let again = Store::create(&f.dir, &centre(), &pass("first passphrase"), KDF);
    assert_eq!(code_of(again), ErrorCode::StoreExists);
    // The existing store is untouched.
    Store::unlock(&f.dir, "ona", &pass("first passphrase"))?;
    Ok(())
}

#[test]
fn create_into_an_existing_empty_folder_works_and_leaves_no_temp_folder() -> Result<()> {
    let tmp = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let dir = tmp.path().join("store");
    std::fs::create_dir(&dir).map_err(Error::io(&dir))?;
    Store::create(&dir, &centre(), &pass("first passphrase"), KDF)?;
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .map_err(Error::io(tmp.path()))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("store")]);
    Ok(())
}

#[test]
fn invalid_setup_input_writes_nothing() -> Result<()> {
    let tmp = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let dir = tmp.path().join("store");
    let short = Store::create(&dir, &centre(), &pass("short"), KDF);
    assert_eq!(code_of(short), ErrorCode::InvalidInput);
    let bad_code = NewCentre {
        code: "K L P".into(),
        ..centre()
    };
    assert_eq!(
        code_of(Store::create(
            &dir,
            &bad_code,
            &pass("long enough pass"),
            KDF
        )),
        ErrorCode::InvalidInput
    );
    assert!(!dir.exists());
    Ok(())
}

#[test]
fn passphrase_change_replaces_the_old_one() -> Result<()> {
    let f = fixture()?;
    let wrong_old = Store::change_passphrase(
        &f.dir,
        "ona",
        &pass("not the passphrase"),
        &pass("second passphrase"),
        KDF,
    );
    assert_eq!(code_of(wrong_old), ErrorCode::WrongPassphrase);
    Store::change_passphrase(
        &f.dir,
        "ona",
        &pass("first passphrase"),
        &pass("second passphrase"),
        KDF,
    )?;
    assert_eq!(
        code_of(Store::unlock(&f.dir, "ona", &pass("first passphrase"))),
        ErrorCode::WrongPassphrase
    );
    Store::unlock(&f.dir, "ona", &pass("second passphrase"))?;
    Ok(())
}

#[test]
fn recovery_key_resets_a_forgotten_passphrase() -> Result<()> {
    let f = fixture()?;
    let wrong = RecoveryKey::generate()?;
    let err = Store::reset_passphrase(&f.dir, &wrong, "ona", &pass("after recovery"), KDF);
    assert_eq!(code_of(err), ErrorCode::WrongRecoveryKey);
    let typed = RecoveryKey::parse(&f.recovery.to_display().to_lowercase())?;
    let no_such = Store::reset_passphrase(&f.dir, &typed, "rasa", &pass("after recovery"), KDF);
    assert_eq!(code_of(no_such), ErrorCode::UnknownUser);
    Store::reset_passphrase(&f.dir, &typed, "ona", &pass("after recovery"), KDF)?;
    Store::unlock(&f.dir, "ona", &pass("after recovery"))?;
    assert_eq!(
        code_of(Store::unlock(&f.dir, "ona", &pass("first passphrase"))),
        ErrorCode::WrongPassphrase
    );
    Ok(())
}

fn slot_file(dir: &Path) -> Result<serde_json::Value> {
    let path = keyslots::path_in(dir);
    let bytes = std::fs::read(&path).map_err(Error::io(&path))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::invalid(e.to_string()))
}

fn write_slot_file(dir: &Path, value: &serde_json::Value) -> Result<()> {
    let path = keyslots::path_in(dir);
    std::fs::write(
        &path,
        serde_json::to_vec(value).map_err(|e| Error::invalid(e.to_string()))?,
    )
    .map_err(Error::io(&path))
}

#[test]
fn tampered_slot_files_give_clear_errors_never_a_panic() -> Result<()> {
    let f = fixture()?;
    let original = slot_file(&f.dir)?;
    let right = pass("first passphrase");

    // Garbage, truncation and an empty file.
    let path = keyslots::path_in(&f.dir);
    for bytes in [
        &b"\x00\xffnot json"[..],
        &b"{\"format\":1,\"store"[..],
        &b""[..],
    ] {
        std::fs::write(&path, bytes).map_err(Error::io(&path))?;
        let err = Store::unlock(&f.dir, "ona", &right).unwrap_err();
        assert_eq!(err.code(), ErrorCode::CorruptKeySlots);
        assert!(
            err.to_string().contains("restore it from a backup"),
            "{err}"
        );
    }

    // A flipped bit in the wrapped key: refused as a wrong passphrase (authentication
    // failures never say more).
    let mut v = original.clone();
    let wrapped = v["slots"][0]["wrapped_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut chars: Vec<char> = wrapped.chars().collect();
    chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
    v["slots"][0]["wrapped_key"] = chars.into_iter().collect::<String>().into();
    write_slot_file(&f.dir, &v)?;
    assert_eq!(
        code_of(Store::unlock(&f.dir, "ona", &right)),
        ErrorCode::WrongPassphrase
    );

    // A wrong-length nonce, and KDF parameters that would exhaust memory.
    let mut v = original.clone();
    v["slots"][0]["nonce"] = "AAAA".into();
    write_slot_file(&f.dir, &v)?;
    assert_eq!(
        code_of(Store::unlock(&f.dir, "ona", &right)),
        ErrorCode::CorruptKeySlots
    );
    let mut v = original.clone();
    v["slots"][0]["kdf"]["m_kib"] = 4_000_000_000u64.into();
    write_slot_file(&f.dir, &v)?;
    assert_eq!(
        code_of(Store::unlock(&f.dir, "ona", &right)),
        ErrorCode::CorruptKeySlots
    );

    // Renaming a slot to another user does not let that user in.
    let mut v = original.clone();
    v["slots"][0]["user"] = "rasa".into();
    write_slot_file(&f.dir, &v)?;
    assert_eq!(
        code_of(Store::unlock(&f.dir, "rasa", &right)),
        ErrorCode::WrongPassphrase
    );

    // A missing recovery slot.
    let mut v = original.clone();
    if let Some(slots) = v["slots"].as_array_mut() {
        slots.retain(|s| s["kind"] == "user");
    }
    write_slot_file(&f.dir, &v)?;
    assert_eq!(
        code_of(Store::unlock(&f.dir, "ona", &right)),
        ErrorCode::CorruptKeySlots
    );

    // A key-slot file from a newer app.
    let mut v = original.clone();
    v["format"] = 3.into();
    write_slot_file(&f.dir, &v)?;
    let err = Store::unlock(&f.dir, "ona", &right).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NewerVersion);
    assert!(err.to_string().contains("update the app"), "{err}");

    // Restoring the original file restores access.
    write_slot_file(&f.dir, &original)?;
    Store::unlock(&f.dir, "ona", &right)?;
    Ok(())
}

#[test]
fn slots_of_another_store_do_not_open_this_database() -> Result<()> {
    let a = fixture()?;
    let b = fixture()?;
    // Same user and passphrase, but b's slots wrap b's key: a's database refuses it.
    std::fs::copy(keyslots::path_in(&b.dir), keyslots::path_in(&a.dir))
        .map_err(Error::io(&a.dir))?;
    let err = Store::unlock(&a.dir, "ona", &pass("first passphrase")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DatabaseDamaged);
    Ok(())
}

#[test]
fn a_store_with_a_newer_schema_is_refused() -> Result<()> {
    let f = fixture()?;
    {
        let store = Store::unlock(&f.dir, "ona", &pass("first passphrase"))?;
        store
            .conn
            .pragma_update(None, "user_version", migrations::LATEST + 5)?;
    }
    let err = Store::unlock(&f.dir, "ona", &pass("first passphrase")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NewerVersion);
    assert!(
        err.to_string()
            .contains(&format!("schema {}", migrations::LATEST + 5)),
        "{err}"
    );
    Ok(())
}

#[test]
fn missing_store_is_reported() {
    let err = Store::unlock(
        Path::new("/nonexistent/atrama"),
        "ona",
        &pass("first passphrase"),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::StoreNotFound);
    assert!(err.to_string().contains("atrama init"));
}

/// Sixteen threads key their first connections at the same moment. On its own this passes
/// in a process where SQLCipher is already set up; `sqlcipher_is_set_up_once_...` runs it
/// again in fresh processes, where these are the process's first keyed connections.
#[test]
fn the_first_keyed_opens_of_many_threads_all_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let barrier = barrier.clone();
            let path = tmp.path().join(format!("db{i}"));
            std::thread::spawn(move || {
                let key = SecretKey::from_bytes([7; crate::crypto::KEY_LEN]);
                barrier.wait();
                open_keyed(&path, &key, true)
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    let failed: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 16 opens failed: {failed:?}",
        failed.len()
    );
}

/// Before `sqlcipher_ready`, about one fresh process in forty (16 threads each) had
/// failures: 200 fresh processes make a miss all but impossible (0.973^200 < 0.5 %).
#[test]
fn sqlcipher_is_set_up_once_before_threads_key_their_first_connections() {
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for _ in 0..200 {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "store::tests::the_first_keyed_opens_of_many_threads_all_succeed",
                "--test-threads=1",
                "-q",
            ])
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 200 fresh processes failed; the first: {}",
        failures.len(),
        failures[0]
    );
}
