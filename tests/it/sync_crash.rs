//! Kill during import: the real `atrama` binary imports a large bundle and is killed
//! (SIGKILL) at delays spread over the import's measured duration. After every kill the
//! store must pass `PRAGMA integrity_check`, unlock, and hold either all of the bundle or none
//! of it (with the import log and the received-bundle record agreeing), and a re-import must
//! then complete.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};
use chrono::NaiveDate;

const PASS: &str = "a passphrase for crash tests";
/// Demo clients in the centre's store (with ~40 records each, the bundle holds ~25,000).
/// Sized so that the whole test stays under a minute in a debug build.
const CLIENTS: u32 = 600;
/// Kills, spread evenly over the import's duration.
const TRIALS: u32 = 20;

fn create(dir: &Path, code: &str, mode: Mode, admin: &str) -> Store {
    let centre = NewCentre {
        code: code.into(),
        name: format!("{code} crash test"),
        country: Country::Lt,
        language: Language::En,
        mode,
        admin_user: admin.into(),
    };
    Store::create(
        dir,
        &centre,
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap()
    .0
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn import_command(store: &Path, bundle: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atrama"));
    cmd.arg("--store")
        .arg(store)
        .args(["--user", "vida", "bundle", "import"])
        .arg(bundle)
        .env("ATRAMA_PASSPHRASE", PASS)
        .env_remove("ATRAMA_USER")
        .env_remove("ATRAMA_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// What a coordinator store holds of the centre's bundle.
#[derive(Debug, PartialEq, Eq)]
struct Held {
    records: i64,
    bundles_in: i64,
    applied_logged: i64,
}

/// Unlocks the store (it must), checks its integrity (it must be ok) and counts what it
/// holds from the centre.
fn inspect(dir: &Path) -> Held {
    let store = Store::unlock(dir, "vida", &Passphrase::new(PASS))
        .unwrap_or_else(|e| panic!("the store no longer unlocks after a kill: {e}"));
    let conn = store.dangerously_raw_connection();
    let check: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(check, ["ok"], "integrity check after a kill");
    let mut records = 0;
    for table in atrama::sync::payload::TABLES {
        records += conn
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE owner_centre = 'KLP-01'"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap();
    }
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    Held {
        records,
        bundles_in: count("SELECT count(*) FROM bundle_in"),
        applied_logged: count("SELECT count(*) FROM import_log WHERE outcome = 'applied'"),
    }
}

#[test]
fn a_kill_during_import_leaves_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let centre_dir = tmp.path().join("centre");
    let pristine = tmp.path().join("coord");
    let bundle: PathBuf = tmp.path().join("klp-1.atrama");

    // A centre with demo data, its coordinator, enrolled both ways, and the big bundle.
    let expected = {
        let mut centre = create(&centre_dir, "KLP-01", Mode::Centre, "ona");
        let mut coord = create(&pristine, "KOORD", Mode::Coordinator, "vida");
        atrama::demo::generate(
            &mut centre,
            &atrama::demo::DemoOptions {
                clients: CLIENTS,
                months: 12,
                seed: 11,
                today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        )
        .unwrap();
        let (fc, fk) = (
            centre.enrolment_file().unwrap(),
            coord.enrolment_file().unwrap(),
        );
        let (pc, pk) = (
            centre.fingerprint().unwrap().short,
            coord.fingerprint().unwrap().short,
        );
        centre.enrol(&fk, &pk).unwrap();
        coord.enrol(&fc, &pc).unwrap();
        let report = centre.export_bundle("KOORD", &bundle, None).unwrap();
        i64::try_from(report.preview.counts.values().sum::<u64>()).unwrap()
    };
    assert!(expected > 5_000, "a large bundle: {expected} records");
    let full = Held {
        records: expected,
        bundles_in: 1,
        applied_logged: 1,
    };
    let none = Held {
        records: 0,
        bundles_in: 0,
        applied_logged: 0,
    };

    // How long an undisturbed import takes (process start to exit).
    let reference = tmp.path().join("reference");
    copy_dir(&pristine, &reference);
    let started = Instant::now();
    let status = import_command(&reference, &bundle).status().unwrap();
    let mut duration = started.elapsed();
    assert!(status.success());
    assert_eq!(inspect(&reference), full);

    let (mut killed, mut rolled_back, mut applied) = (0, 0, 0);
    for trial in 0..TRIALS {
        let dir = tmp.path().join(format!("trial-{trial}"));
        copy_dir(&pristine, &dir);
        // Delays at the middle of each of TRIALS equal slices of the import.
        let delay = duration.mul_f64((f64::from(trial) + 0.5) / f64::from(TRIALS));
        let mut child = import_command(&dir, &bundle).spawn().unwrap();
        std::thread::sleep(delay);
        let finished_alone = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL on Unix; an error only means it had already exited.
        let status = child.wait().unwrap();
        if !finished_alone && !status.success() {
            killed += 1;
        } else {
            // The reference run was slower than this one (a busy machine): aim the remaining
            // kills at the shorter import actually seen.
            duration = delay;
        }

        let held = inspect(&dir);
        if held == full {
            applied += 1;
        } else {
            assert_eq!(
                held, none,
                "trial {trial} (killed after {delay:?} of {duration:?}): partly applied"
            );
            rolled_back += 1;
        }

        // Importing again completes, and then everything is there exactly once.
        let again = import_command(&dir, &bundle).status().unwrap();
        assert!(again.success(), "trial {trial}: re-import failed");
        let after = inspect(&dir);
        assert_eq!(after.records, full.records, "trial {trial}");
        assert_eq!(after.bundles_in, 1, "trial {trial}");
        assert_eq!(after.applied_logged, 1, "trial {trial}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // The kills really landed while the import ran, and some before it had committed.
    assert!(
        killed >= TRIALS / 4,
        "only {killed} of {TRIALS} runs were still going when killed (import took {duration:?})"
    );
    assert!(
        rolled_back > 0,
        "no kill landed before the commit ({applied} applied)"
    );
}
