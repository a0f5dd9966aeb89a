//! Kill during import: the real `atrama` binary imports a large bundle and is killed
//! (SIGKILL) at random moments of the import. After every kill the store must pass
//! `PRAGMA integrity_check`, unlock, and hold either all of the bundle or none of it (with the
//! import log and the received-bundle record agreeing), and a re-import must then complete.

use std::path::{Path, PathBuf};
use std::time::Instant;

use atrama::{Mode, Passphrase, Store};
use chrono::NaiveDate;

use super::{PASS, assert_integrity, cli, copy_dir, create, kill_loop};

/// Demo clients in the centre's store (with ~40 records each, the bundle holds ~25,000).
/// Sized so that the whole test stays under a minute in a debug build.
const CLIENTS: u32 = 600;

fn import_command(store: &Path, bundle: &Path) -> std::process::Command {
    let mut cmd = cli(store, "vida", &["bundle", "import"]);
    cmd.arg(bundle);
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
    assert_integrity(&store, "after a kill during import");
    let conn = store.dangerously_raw_connection();
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
        let (mut centre, _) = create(&centre_dir, "KLP-01", Mode::Centre, "ona");
        let (mut coord, _) = create(&pristine, "KOORD", Mode::Coordinator, "vida");
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
        crate::site::enrol_stores(&mut centre, &mut coord);
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
    let duration = started.elapsed();
    assert!(status.success());
    assert_eq!(inspect(&reference), full);

    let (mut rolled_back, mut applied) = (0, 0);
    let summary = kill_loop(
        "import",
        20,
        duration,
        |trial| {
            let dir = tmp.path().join(format!("trial-{trial}"));
            copy_dir(&pristine, &dir);
            import_command(&dir, &bundle)
        },
        |kill| {
            let trial = kill.trial;
            let dir = tmp.path().join(format!("trial-{trial}"));
            let held = inspect(&dir);
            if held == full {
                applied += 1;
            } else {
                assert_eq!(held, none, "{kill:?}: partly applied");
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
        },
    );
    eprintln!("import: {rolled_back} rolled back, {applied} applied");
    // The kills really landed while the import ran, and some before it had committed.
    assert!(
        summary.killed_running >= summary.trials / 4,
        "only {} of {} runs were still going when killed (import took {duration:?})",
        summary.killed_running,
        summary.trials
    );
    assert!(
        rolled_back > 0,
        "no kill landed before the commit ({applied} applied)"
    );
}
