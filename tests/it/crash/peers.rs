//! Kill during a peer sync (`docs/peers.md`): a joined computer applies a large sync file
//! from the first computer through the real `atrama peers sync` and is killed (SIGKILL) at
//! random moments. After every kill its store must pass `integrity_check`, unlock, and hold
//! the file's records all or not at all (every table's content compared with the store
//! before and with one that synced undisturbed, except the tables that record when and how
//! far it synced), and a sync run again must then complete. The short form of the harness.

use std::path::Path;
use std::time::Instant;

use atrama::Mode;
use chrono::NaiveDate;

use super::{
    ACCESS_LOG, Content, Landed, PASS, assert_integrity, cli, content, copy_dir, create, differing,
    kill_loop, phases, with_phases, without,
};
use atrama::Passphrase;

/// Demo clients made on the first computer after the second joined: what the file carries.
const CLIENTS: u32 = 30;

/// Tables that record when and how far a sync went (times, sequence numbers), and the
/// access log: compared through [`applied`] instead.
const VOLATILE: [&str; 3] = ["peer_state", "peer_file_in", "store_meta"];

fn sync_command(store: &Path, folder: &Path) -> std::process::Command {
    let mut cmd = cli(store, "ona", &["peers", "sync", "--folder"]);
    cmd.arg(folder);
    cmd
}

fn stable(c: Content) -> Content {
    let mut except: Vec<&str> = VOLATILE.to_vec();
    except.extend(ACCESS_LOG);
    without(c, &except)
}

/// Unlocks (it must), checks integrity, and says how many files it has applied.
fn inspect(dir: &Path) -> (Content, i64) {
    let store = super::unlock_when_free(dir, "ona")
        .unwrap_or_else(|e| panic!("the store no longer unlocks after a kill: {e}"));
    assert_integrity(&store, "after a kill during peer sync");
    let applied = store
        .dangerously_raw_connection()
        .query_row("SELECT count(*) FROM peer_file_in", [], |r| r.get(0))
        .unwrap();
    (stable(content(&store)), applied)
}

#[test]
fn a_kill_during_peer_sync_leaves_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let a_dir = tmp.path().join("a");
    let pristine = tmp.path().join("b");
    let folder = tmp.path().join("folder");
    std::fs::create_dir_all(&folder).unwrap();
    {
        let (mut a, recovery) = create(&a_dir, "KLP-01", Mode::Centre, "ona");
        let join = tmp.path().join("b.join");
        a.peers_join_file(&join, "desk A").unwrap();
        let short = atrama::peers::join::join(&join, &recovery, &pristine, "laptop B").unwrap();
        let mut b = atrama::Store::unlock(&pristine, "ona", &Passphrase::new(PASS)).unwrap();
        let enrolment = b.peers_enrolment("laptop B").unwrap();
        drop(b);
        a.peers_add(&enrolment, &short).unwrap();
        atrama::demo::generate(
            &mut a,
            &atrama::demo::DemoOptions {
                clients: CLIENTS,
                months: 12,
                seed: 5,
                today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        )
        .unwrap();
        let written = a.peers_sync(&folder).unwrap().written;
        assert_eq!(written.len(), 1);
    }
    let files = super::names_in(&folder);

    // An undisturbed sync, twice (the comparison is sound), and the state before.
    let reference = tmp.path().join("reference");
    copy_dir(&pristine, &reference);
    let reference_folder = tmp.path().join("reference-folder");
    copy_dir(&folder, &reference_folder);
    let started = Instant::now();
    assert!(
        sync_command(&reference, &reference_folder)
            .status()
            .unwrap()
            .success()
    );
    let duration = started.elapsed();
    let (content_full, applied_full) = inspect(&reference);
    assert_eq!(applied_full, 1);
    let (content_none, applied_none) = inspect(&pristine);
    assert_eq!(applied_none, 0);
    assert_ne!(content_none, content_full);
    let clients = |c: &Content| c.get("client").map_or(0, |(n, _)| *n);
    assert!(
        clients(&content_full) >= CLIENTS as usize,
        "{content_full:?}"
    );

    let (mut rolled_back, mut applied, mut rolled_back_inside) = (0, 0, 0);
    let mut landed = Landed::default();
    let phase_file = |trial: u32| tmp.path().join(format!("trial-{trial}.phases"));
    let summary = kill_loop(
        "peer sync",
        13,
        duration,
        |trial| {
            let dir = tmp.path().join(format!("trial-{trial}"));
            let f = tmp.path().join(format!("trial-{trial}-folder"));
            copy_dir(&pristine, &dir);
            copy_dir(&folder, &f);
            with_phases(sync_command(&dir, &f), &phase_file(trial))
        },
        |kill| {
            let trial = kill.trial;
            let dir = tmp.path().join(format!("trial-{trial}"));
            let f = tmp.path().join(format!("trial-{trial}-folder"));
            let reached = phases(&phase_file(trial));
            let inside = landed.record(&reached, "peers:apply:begin", "peers:apply:committed");
            let (held, files_applied) = inspect(&dir);
            if files_applied == 1 {
                assert!(
                    reached.iter().any(|p| p == "peers:apply:commit"),
                    "{kill:?}: applied before the commit began: {reached:?}"
                );
                assert_eq!(
                    differing(&held, &content_full),
                    Vec::<String>::new(),
                    "{kill:?}"
                );
                applied += 1;
            } else {
                assert_eq!(files_applied, 0);
                assert_eq!(
                    differing(&held, &content_none),
                    Vec::<String>::new(),
                    "{kill:?}: partly applied"
                );
                rolled_back += 1;
                if inside {
                    rolled_back_inside += 1;
                }
            }
            // The first computer's file is still whole in the folder, and syncing again
            // completes with everything applied once.
            for name in &files {
                assert!(f.join(name).is_file());
            }
            assert!(
                sync_command(&dir, &f).status().unwrap().success(),
                "trial {trial}"
            );
            let (after, n) = inspect(&dir);
            assert_eq!(n, 1, "trial {trial}");
            assert_eq!(
                differing(&after, &content_full),
                Vec::<String>::new(),
                "trial {trial}"
            );
            std::fs::remove_dir_all(&dir).unwrap();
            std::fs::remove_dir_all(&f).unwrap();
        },
    );
    eprintln!(
        "peer sync: {rolled_back} rolled back ({rolled_back_inside} of them killed inside the transaction), {applied} applied"
    );
    assert!(
        summary.killed_running >= summary.trials / 4,
        "only {} of {} runs were still going when killed (sync took {duration:?})",
        summary.killed_running,
        summary.trials
    );
    landed.assert_inside("peer sync", summary.trials / 4);
    assert!(
        rolled_back_inside > 0,
        "no kill landed inside the transaction"
    );
}
