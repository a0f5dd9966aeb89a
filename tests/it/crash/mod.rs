//! Crash harnesses: the real `atrama` CLI is killed (SIGKILL) at random moments during an
//! operation, and each harness then checks that what is on disk is the state before or the
//! state after the operation, never something in between.
//!
//! [`kill_loop`] is the one loop every harness shares (import, export, backup, migration and
//! the key rotation in `admin.rs`): each trial starts the child process and kills it after a
//! delay drawn at random inside one slice of the operation's measured duration (stratified:
//! each of the n slices once, in a random order, so that the kills cover the whole operation
//! evenly, and so does any first part of a run cut short), and shrinks that duration
//! when a run finished before its kill (a busy machine makes the reference run slow).
//!
//! `ATRAMA_CRASH_TRIALS` sets the number of trials of every harness (default: each harness's
//! short CI form, about 20); `ATRAMA_CRASH_SEED` replays the delays of an earlier run (the
//! seed is printed); `ATRAMA_CRASH_SECONDS` ends a long run early once that many seconds are
//! spent (the trials done are printed and checked as usual).

#![allow(
    clippy::print_stderr,
    reason = "the harnesses print their figures (run with --nocapture), as recorded in docs/reliability.md"
)]

mod backup;
mod export;
mod import;
mod migration;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};

/// The passphrase of every person in the crash harnesses' stores.
pub(crate) const PASS: &str = "a passphrase for crash tests";

/// The number of trials: `ATRAMA_CRASH_TRIALS`, or `default` (the short form run in CI).
pub(crate) fn trials(default: u32) -> u32 {
    match std::env::var("ATRAMA_CRASH_TRIALS") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ATRAMA_CRASH_TRIALS={text:?} is not a number")),
        Err(_) => default,
    }
}

/// One kill, as the check after it sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kill {
    /// The trial number, from 0.
    pub trial: u32,
    /// How long after the start the child was killed (read in assertion messages).
    #[allow(dead_code, reason = "read through Debug in assertion messages")]
    pub delay: Duration,
    /// Whether the child was still running when it was killed (else it had finished).
    #[allow(dead_code, reason = "read through Debug in assertion messages")]
    pub running: bool,
}

/// What a whole loop did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Summary {
    /// Trials run.
    pub trials: u32,
    /// Kills that landed while the child was still running.
    pub killed_running: u32,
}

/// A small deterministic generator (SplitMix64) for the delays: reproducible with a seed,
/// and no cryptographic quality needed.
struct Delays(u64);

impl Delays {
    fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits → [0, 1).
        #[allow(clippy::cast_precision_loss, reason = "53 bits fit an f64 exactly")]
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        unit
    }
}

/// Runs the kill loop of the harness `name`: `trials(default_trials)` times, `start(trial)`
/// prepares a fresh copy of whatever the operation changes and returns the command to run;
/// the child is spawned, killed with SIGKILL after a random delay within the trial's slice of
/// `reference` (the measured duration of an undisturbed run), and `check` is called.
pub(crate) fn kill_loop(
    name: &str,
    default_trials: u32,
    reference: Duration,
    mut start: impl FnMut(u32) -> Command,
    mut check: impl FnMut(Kill),
) -> Summary {
    let trials = trials(default_trials);
    let seed = std::env::var("ATRAMA_CRASH_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    // A time budget for long runs on a busy machine: stop (and say so) once it is spent.
    let budget = std::env::var("ATRAMA_CRASH_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut delays = Delays(seed);
    // The slices in a random order, so that any first part of a long run (one cut short by
    // its time budget) still covers the whole operation.
    let mut slices: Vec<u32> = (0..trials).collect();
    for i in (1..slices.len()).rev() {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index below i + 1"
        )]
        let j = ((delays.next_unit() * (i + 1) as f64) as usize).min(i);
        slices.swap(i, j);
    }
    let mut duration = reference;
    let mut killed_running = 0;
    let mut done = 0;
    let started = Instant::now();
    for trial in 0..trials {
        if budget.is_some_and(|b| started.elapsed() > b) {
            eprintln!("crash harness {name}: time budget spent after {done} of {trials} trials");
            break;
        }
        let slice = slices[trial as usize];
        let delay =
            duration.mul_f64((f64::from(slice) + delays.next_unit()) / f64::from(trials.max(1)));
        let mut cmd = start(trial);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(delay);
        let finished_alone = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL on Unix; an error only means it had already exited.
        let status = child.wait().unwrap();
        let running = !finished_alone && !status.success();
        if running {
            killed_running += 1;
        } else if delay < duration {
            // This run was faster than the reference one: aim the remaining kills at the
            // shorter operation actually seen.
            duration = delay.max(Duration::from_millis(1));
        }
        check(Kill {
            trial,
            delay,
            running,
        });
        done += 1;
        if trials >= 50 && done % 25 == 0 {
            eprintln!(
                "crash harness {name}: {done} of {trials} trials, {killed_running} killed while \
                 running, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "crash harness {name}: {done} trials, {killed_running} killed while running, \
         {:.1} s (reference run {reference:?}, seed {seed})",
        started.elapsed().as_secs_f64()
    );
    Summary {
        trials: done,
        killed_running,
    }
}

/// A new store with one administrator (`admin`) and cheap key derivation.
pub(crate) fn create(
    dir: &Path,
    code: &str,
    mode: Mode,
    admin: &str,
) -> (Store, atrama::RecoveryKey) {
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
}

/// Copies the files of a store folder (flat) to `to`.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The CLI on the store `dir` as `user` with [`PASS`], no environment of the caller's.
pub(crate) fn cli(dir: &Path, user: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atrama"));
    cmd.arg("--store")
        .arg(dir)
        .args(["--user", user])
        .args(args)
        .env("ATRAMA_PASSPHRASE", PASS)
        .env_remove("ATRAMA_USER")
        .env_remove("ATRAMA_STORE")
        .env_remove("ATRAMA_RECOVERY_KEY")
        .env_remove("ATRAMA_NEW_PASSPHRASE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// `PRAGMA integrity_check` of an unlocked store (must be "ok").
pub(crate) fn assert_integrity(store: &Store, what: &str) {
    let check: Vec<String> = store
        .dangerously_raw_connection()
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(check, ["ok"], "integrity check: {what}");
}

/// The number of rows of every case-record table, to compare a store's content.
pub(crate) fn content(store: &Store) -> Vec<(String, i64)> {
    content_of(store.dangerously_raw_connection())
}

/// [`content`] of an open database connection.
pub(crate) fn content_of(conn: &rusqlite::Connection) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for table in atrama::sync::payload::TABLES {
        // A table a later migration adds counts 0 in a store of an older schema.
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        let n: i64 = if exists {
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        } else {
            0
        };
        counts.push(((*table).to_owned(), n));
    }
    counts
}

/// The names of the files in a folder, sorted.
pub(crate) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
