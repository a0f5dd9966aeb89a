//! Kill during import: the real `atrama` binary imports a large bundle and is killed
//! (SIGKILL) at random moments of the import. After every kill the store must pass
//! `PRAGMA integrity_check`, unlock, and hold either all of the bundle or none of it (with the
//! import log and the received-bundle record agreeing), and a re-import must then complete.
//! "None of it" and "all of it" are full contents: every table's rows are compared (a
//! checksum of each table) with the store before the import and with a store that imported
//! the bundle without a kill, except the columns that hold the time of the import. The
//! operation's phase markers (`atrama::phase`) tell where each kill landed; a minimum share
//! must land inside the import's transaction.

use std::path::{Path, PathBuf};
use std::time::Instant;

use atrama::Mode;
use chrono::NaiveDate;

use super::{
    Content, Landed, assert_integrity, cli, content, copy_dir, create, differing, kill_loop,
    phases, with_phases,
};

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

/// The store's full content, except what records the moment of the import (`bundle_in`
/// and `import_log` rows carry the time and summary of the run, `access_log` its time and
/// hash chain): those are compared by [`Held`]'s counts.
fn full_content(dir: &Path) -> Content {
    let store = super::unlock_when_free(dir, "vida").unwrap();
    let mut c = content(&store);
    for table in [
        "bundle_in",
        "import_log",
        "access_log",
        "store_meta.access_log_head",
    ] {
        c.remove(table);
    }
    c
}

/// Unlocks the store (it must), checks its integrity (it must be ok) and counts what it
/// holds from the centre.
fn inspect(dir: &Path) -> Held {
    let store = super::unlock_when_free(dir, "vida")
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
    let (content_none, content_full) = (full_content(&pristine), full_content(&reference));
    // A second undisturbed import gives the same content (the comparison is sound).
    let again = tmp.path().join("again");
    copy_dir(&pristine, &again);
    assert!(import_command(&again, &bundle).status().unwrap().success());
    assert_eq!(
        differing(&full_content(&again), &content_full),
        Vec::<String>::new()
    );
    assert_ne!(content_none, content_full);

    let (mut rolled_back, mut applied, mut rolled_back_inside) = (0, 0, 0);
    let mut landed = Landed::default();
    let phase_file = |trial: u32| tmp.path().join(format!("trial-{trial}.phases"));
    let summary = kill_loop(
        "import",
        20,
        duration,
        |trial| {
            let dir = tmp.path().join(format!("trial-{trial}"));
            copy_dir(&pristine, &dir);
            with_phases(import_command(&dir, &bundle), &phase_file(trial))
        },
        |kill| {
            let trial = kill.trial;
            let dir = tmp.path().join(format!("trial-{trial}"));
            let reached = phases(&phase_file(trial));
            let inside = landed.record(&reached, "import:transaction", "import:committed");
            let held = inspect(&dir);
            if held == full {
                assert!(
                    reached.iter().any(|p| p == "import:commit"),
                    "{kill:?}: applied before the commit began: {reached:?}"
                );
                assert_eq!(
                    differing(&full_content(&dir), &content_full),
                    Vec::<String>::new(),
                    "{kill:?}"
                );
                applied += 1;
            } else {
                assert_eq!(held, none, "{kill:?}: partly applied");
                assert_eq!(
                    differing(&full_content(&dir), &content_none),
                    Vec::<String>::new(),
                    "{kill:?}"
                );
                rolled_back += 1;
                if inside {
                    rolled_back_inside += 1;
                }
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
    eprintln!(
        "import: {rolled_back} rolled back ({rolled_back_inside} of them killed inside the transaction), {applied} applied"
    );
    // The kills really landed while the import ran, and some before it had committed.
    assert!(
        summary.killed_running >= summary.trials / 4,
        "only {} of {} runs were still going when killed (import took {duration:?})",
        summary.killed_running,
        summary.trials
    );
    // Kills inside the import's transaction (begun, not committed): a quarter of the
    // trials at least, and some of them rolled back (a kill between the commit and its
    // marker counts as inside and has applied everything).
    landed.assert_inside("import", summary.trials / 4);
    assert!(
        rolled_back_inside > 0,
        "no kill landed inside the transaction"
    );
}
