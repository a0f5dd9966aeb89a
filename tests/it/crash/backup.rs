//! Kill during backup: the real `atrama` CLI writes a backup over an older one and is killed
//! (SIGKILL) at random moments. The operation's phase markers (`atrama::phase`: the output's
//! temporary file created, renamed into place) tell where each kill landed, and some must
//! land while the file is written. After every kill the file under the final name must be the
//! older backup, byte for byte, or a complete new backup that verifies with the recovery key
//! (checksum, integrity check, access log chain) — never a partial one; the store must pass
//! `PRAGMA integrity_check`, unlock, and hold the same content (every table compared by a
//! checksum of its rows; a completed backup adds only its access-log entry and its time in
//! `store_meta`); no scratch copy of the
//! database may be left in the store folder once it was unlocked again; and a backup made
//! afterwards must complete.

use std::path::Path;

use atrama::Mode;
use chrono::NaiveDate;

use super::{
    Landed, assert_integrity, cli, content, copy_dir, create, differing, kill_loop, names_in,
    phases, with_phases, without,
};

const CLIENTS: u32 = 300;

fn backup_command(store: &Path, out: &Path) -> std::process::Command {
    let mut cmd = cli(store, "ona", &["backup", "create", "--out"]);
    cmd.arg(out);
    cmd
}

#[test]
fn a_kill_during_backup_leaves_the_old_or_a_complete_new_backup_and_the_store_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("store");
    let old_backup = tmp.path().join("old.atrama-backup");
    let (expected, recovery) = {
        let (mut store, recovery) = create(&pristine, "KLP-01", Mode::Centre, "ona");
        // The older backup: of the empty store.
        store.create_backup(&old_backup).unwrap();
        atrama::demo::generate(
            &mut store,
            &atrama::demo::DemoOptions {
                clients: CLIENTS,
                months: 12,
                seed: 13,
                today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        )
        .unwrap();
        (content(&store), recovery)
    };
    let old_bytes = std::fs::read(&old_backup).unwrap();
    let check_store = |dir: &Path, what: &str| {
        let store = super::unlock_when_free(dir, "ona")
            .unwrap_or_else(|e| panic!("{what}: the store no longer unlocks: {e}"));
        assert_integrity(&store, what);
        let now = content(&store);
        drop(store);
        let except = ["access_log", "store_meta.access_log_head", "store_meta"];
        assert_eq!(
            differing(
                &without(now.clone(), &except),
                &without(expected.clone(), &except)
            ),
            Vec::<String>::new(),
            "{what}: content changed"
        );
        let entries = |c: &super::Content| c.get("access_log").map_or(0, |e| e.0);
        assert!(
            entries(&now) <= entries(&expected) + 1,
            "{what}: more than the backup's own access-log entry"
        );
        let names = names_in(dir);
        assert!(
            names.iter().all(|n| !n.starts_with('.')),
            "{what}: leftovers in the store folder after unlocking: {names:?}"
        );
    };

    // An undisturbed backup, to know how long it takes.
    let reference = tmp.path().join("reference");
    copy_dir(&pristine, &reference);
    let out = tmp.path().join("reference.atrama-backup");
    std::fs::copy(&old_backup, &out).unwrap();
    let started = std::time::Instant::now();
    let status = backup_command(&reference, &out).status().unwrap();
    let duration = started.elapsed();
    assert!(status.success());
    assert_ne!(std::fs::read(&out).unwrap(), old_bytes);
    atrama::admin::backup::verify_with_recovery(&out, &recovery).unwrap();

    let (mut old, mut new, mut temp_left) = (0, 0, 0);
    let mut landed = Landed::default();
    let phase_file = |trial: u32| tmp.path().join(format!("trial-{trial}.phases"));
    let summary = kill_loop(
        "backup",
        20,
        duration,
        |trial| {
            let dir = tmp.path().join(format!("trial-{trial}"));
            copy_dir(&pristine, &dir.join("store"));
            std::fs::create_dir_all(dir.join("out")).unwrap();
            let out = dir.join("out").join("centre.atrama-backup");
            std::fs::copy(&old_backup, &out).unwrap();
            with_phases(backup_command(&dir.join("store"), &out), &phase_file(trial))
        },
        |kill| {
            let dir = tmp.path().join(format!("trial-{}", kill.trial));
            let reached = phases(&phase_file(kill.trial));
            landed.record(&reached, "file:created", "file:renamed");
            let out = dir.join("out").join("centre.atrama-backup");
            let bytes =
                std::fs::read(&out).unwrap_or_else(|e| panic!("{kill:?}: the backup is gone: {e}"));
            if bytes == old_bytes {
                assert!(
                    !reached.iter().any(|p| p == "file:renamed"),
                    "{kill:?}: the old backup after the new one was renamed into place"
                );
                old += 1;
            } else {
                atrama::admin::backup::verify_with_recovery(&out, &recovery)
                    .unwrap_or_else(|e| panic!("{kill:?}: a partial backup: {e}"));
                new += 1;
            }
            temp_left += names_in(&dir.join("out"))
                .iter()
                .filter(|n| n.as_str() != "centre.atrama-backup")
                .inspect(|n| {
                    assert!(n.starts_with(".centre.atrama-backup.tmp-"), "{kill:?}: {n}");
                })
                .count();
            check_store(&dir.join("store"), &format!("{kill:?}"));
            // A backup made afterwards completes.
            let again = backup_command(&dir.join("store"), &out).status().unwrap();
            assert!(again.success(), "{kill:?}: backup again failed");
            atrama::admin::backup::verify_with_recovery(&out, &recovery).unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
        },
    );
    eprintln!(
        "backup: {old} old backup kept, {new} new backup complete, {temp_left} temporary files left"
    );
    assert!(
        summary.killed_running >= summary.trials / 4,
        "only {} of {} runs were still going when killed (backup took {duration:?})",
        summary.killed_running,
        summary.trials
    );
    assert!(old > 0, "no kill landed before the new backup was in place");
    // Kills while the backup file is written (created, not yet renamed): at least one in
    // the short form, one in twenty of a long run.
    landed.assert_inside("backup", (summary.trials / 20).max(1));
}
