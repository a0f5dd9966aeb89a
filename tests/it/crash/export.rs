//! Kill during bundle export: the real `atrama` CLI seals a large bundle for the
//! coordinator and is killed (SIGKILL) at random moments. After every kill the centre's
//! store must pass `PRAGMA integrity_check` and unlock; a bundle recorded as sent
//! (`bundle_out`) must be in place under its final name, with the recorded hash, and read
//! completely at the coordinator; without a record the final name must be absent — or hold a
//! complete, valid bundle (a kill between the rename and the commit, the last instant of the
//! export: harmless, the next export carries the same changes again and imports are
//! idempotent). Exporting again must then complete. The store's full content (every table,
//! a checksum of its rows) is the one before the export, plus — once the export is recorded
//! — its `bundle_out` row and access-log entry. The operation's phase markers
//! (`atrama::phase`) tell where each kill landed; one in ten at least must land inside the
//! write (temporary file created, not yet committed).

use std::path::Path;

use atrama::Mode;
use chrono::NaiveDate;
use sha2::Digest as _;

use super::{
    Content, Landed, assert_integrity, cli, content, copy_dir, create, differing, kill_loop,
    names_in, phases, with_phases, without,
};

const CLIENTS: u32 = 250;

fn export_command(store: &Path, out: &Path) -> std::process::Command {
    let mut cmd = cli(
        store,
        "ona",
        &["bundle", "export", "--to", "KOORD", "--out"],
    );
    cmd.arg(out);
    cmd
}

/// The `bundle_out` rows of a centre's store: (file hash, records), oldest first.
fn sent(dir: &Path) -> Vec<(String, i64)> {
    let store = super::unlock_when_free(dir, "ona")
        .unwrap_or_else(|e| panic!("the store no longer unlocks after a kill: {e}"));
    assert_integrity(&store, "after a kill during export");
    let conn = store.dangerously_raw_connection();
    let mut stmt = conn
        .prepare("SELECT file_hash, records FROM bundle_out ORDER BY sequence")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The full content of a centre's store, and the rows of `bundle_out` and `access_log`.
/// The store's content without what an export records in its own transaction (its
/// `bundle_out` row, the access-log entry, and in payload format 2 the versions given to the
/// records it carried and the pseudonym key made for its first recipient), with the number of
/// `bundle_out` and `access_log` rows, and the export record's own part (`sync_version` and the
/// pseudonym key), which must change exactly when a `bundle_out` row is added.
fn content_in(dir: &Path) -> (Content, usize, usize, Content) {
    let store = super::unlock_when_free(dir, "ona").unwrap();
    let c = content(&store);
    let rows = |t: &str| c.get(t).map_or(0, |e| e.0);
    let (out, log) = (rows("bundle_out"), rows("access_log"));
    let record: Content = c
        .iter()
        .filter(|(t, _)| matches!(t.as_str(), "sync_version" | "store_meta.pseudonym_key"))
        .map(|(t, v)| (t.clone(), v.clone()))
        .collect();
    (
        without(
            c,
            &[
                "bundle_out",
                "access_log",
                "store_meta.access_log_head",
                "sync_version",
                "store_meta.pseudonym_key",
            ],
        ),
        out,
        log,
        record,
    )
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_kill_during_export_leaves_no_partial_bundle_and_a_consistent_outbox() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("centre");
    let coord = {
        let (mut centre, _) = create(&pristine, "KLP-01", Mode::Centre, "ona");
        let (mut coord, _) = create(
            &tmp.path().join("coord"),
            "KOORD",
            Mode::Coordinator,
            "vida",
        );
        atrama::demo::generate(
            &mut centre,
            &atrama::demo::DemoOptions {
                clients: CLIENTS,
                months: 12,
                seed: 12,
                today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        )
        .unwrap();
        crate::site::enrol_stores(&mut centre, &mut coord);
        coord
    };
    // A bundle that reads to its end at the coordinator: signature, every chunk, the end.
    let reads_completely = |path: &Path| -> Result<usize, String> {
        let text = coord.read_bundle_payload(path).map_err(|e| e.to_string())?;
        let last = text.lines().last().unwrap_or_default().to_owned();
        if last.contains("\"end\"") {
            Ok(text.lines().count())
        } else {
            Err(format!(
                "the payload does not end with its end line: {last}"
            ))
        }
    };

    // An undisturbed export, to know how long it takes and what it writes.
    let reference = tmp.path().join("reference");
    copy_dir(&pristine, &reference);
    let out = tmp.path().join("reference-out.atrama");
    let started = std::time::Instant::now();
    let status = export_command(&reference, &out).status().unwrap();
    let duration = started.elapsed();
    assert!(status.success());
    let rows = sent(&reference);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, sha256_hex(&out));
    let lines = reads_completely(&out).unwrap();
    assert!(lines > 5_000, "a large bundle: {lines} lines");

    let (before, out_before, log_before, record_before) = content_in(&pristine);
    let (after_reference, _, _, record_reference) = content_in(&reference);
    assert_ne!(
        record_reference, record_before,
        "an export gives versions to what it sends"
    );
    assert_eq!(
        differing(&after_reference, &before),
        Vec::<String>::new(),
        "an export changes only its record and the access log"
    );
    let (mut nothing, mut recorded, mut unrecorded_file, mut temp_left) = (0, 0, 0, 0);
    let mut landed = Landed::default();
    let phase_file = |trial: u32| tmp.path().join(format!("trial-{trial}.phases"));
    let summary = kill_loop(
        "export",
        20,
        duration,
        |trial| {
            let dir = tmp.path().join(format!("trial-{trial}"));
            copy_dir(&pristine, &dir.join("store"));
            std::fs::create_dir_all(dir.join("out")).unwrap();
            with_phases(
                export_command(&dir.join("store"), &dir.join("out").join("klp.atrama")),
                &phase_file(trial),
            )
        },
        |kill| {
            let dir = tmp.path().join(format!("trial-{}", kill.trial));
            let store = dir.join("store");
            let out = dir.join("out").join("klp.atrama");
            let reached = phases(&phase_file(kill.trial));
            landed.record(&reached, "file:created", "export:committed");
            let rows = sent(&store);
            let (now, out_rows, log_rows, record_now) = content_in(&store);
            assert_eq!(differing(&now, &before), Vec::<String>::new(), "{kill:?}");
            let added = usize::from(!rows.is_empty());
            // The versions and the key commit with the bundle's row, or not at all.
            assert_eq!(
                record_now != record_before,
                added == 1,
                "{kill:?}: versions given without the bundle recorded, or the reverse"
            );
            assert_eq!(
                (out_rows, log_rows),
                (out_before + added, log_before + added),
                "{kill:?}"
            );
            match (rows.as_slice(), out.exists()) {
                ([], false) => {
                    assert!(
                        !reached.iter().any(|p| p == "export:renamed"),
                        "{kill:?}: renamed, yet no file: {reached:?}"
                    );
                    nothing += 1;
                }
                ([(hash, _)], true) => {
                    assert_eq!(*hash, sha256_hex(&out), "{kill:?}: recorded hash");
                    reads_completely(&out).unwrap_or_else(|e| panic!("{kill:?}: {e}"));
                    recorded += 1;
                }
                ([], true) => {
                    reads_completely(&out).unwrap_or_else(|e| {
                        panic!("{kill:?}: a partial bundle under the final name: {e}")
                    });
                    unrecorded_file += 1;
                }
                (rows, exists) => {
                    panic!(
                        "{kill:?}: {} outbox rows, file present: {exists}",
                        rows.len()
                    )
                }
            }
            // Anything else in the output folder is a temporary file of the export.
            temp_left += names_in(&dir.join("out"))
                .iter()
                .filter(|n| n.as_str() != "klp.atrama")
                .inspect(|n| assert!(n.starts_with(".klp.atrama.tmp-"), "{kill:?}: {n}"))
                .count();
            // Exporting again completes, and is recorded.
            std::fs::remove_file(&out).ok();
            let again = export_command(&store, &out).status().unwrap();
            assert!(again.success(), "{kill:?}: export again failed");
            let after = sent(&store);
            assert_eq!(after.len(), rows.len() + 1, "{kill:?}");
            assert_eq!(after.last().unwrap().0, sha256_hex(&out), "{kill:?}");
            reads_completely(&out).unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
        },
    );
    eprintln!(
        "export: {nothing} nothing written, {recorded} complete and recorded, \
         {unrecorded_file} complete but unrecorded, {temp_left} temporary files left"
    );
    assert!(
        summary.killed_running >= summary.trials / 4,
        "only {} of {} runs were still going when killed (export took {duration:?})",
        summary.killed_running,
        summary.trials
    );
    assert!(nothing > 0, "no kill landed before the file was in place");
    // Kills inside the write (temporary file created, not yet committed): one in ten at
    // least (about a third of the kills landed there in the first runs; most of the rest
    // before, while the changes are read).
    landed.assert_inside("export", (summary.trials / 10).max(1));
}
