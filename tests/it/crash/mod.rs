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
mod peers;

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
    let mut all = vec!["--user", user];
    all.extend_from_slice(args);
    let mut cmd = crate::cli::command(dir, &all, &[("ATRAMA_PASSPHRASE", PASS)]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
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

/// The content of every table of an unlocked store: see [`content_of`].
pub(crate) fn content(store: &Store) -> Content {
    content_of(store.dangerously_raw_connection())
}

/// Table name → (rows, SHA-256 of every row of the table): the full content, to compare
/// a store before and after a kill (not only counts).
pub(crate) type Content = std::collections::BTreeMap<String, (usize, String)>;

/// [`content`] of an open database connection: every table of the schema (the search
/// index's own tables included), every column, rows in a canonical order (sorted by their
/// rendering, so that a table's physical order does not matter).
pub(crate) fn content_of(conn: &rusqlite::Connection) -> Content {
    content_shaped(conn, &shape_of(conn))
}

/// The tables of a database (not virtual ones: their rows are in their shadow tables) with
/// their columns.
pub(crate) fn shape_of(conn: &rusqlite::Connection) -> Vec<(String, Vec<String>)> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let cols = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            (t, cols)
        })
        .collect()
}

/// The content of the tables and columns of `shape` (e.g. an older schema's, to compare a
/// store before and after a migration on what both have).
pub(crate) fn content_shaped(
    conn: &rusqlite::Connection,
    shape: &[(String, Vec<String>)],
) -> Content {
    use sha2::Digest as _;
    let mut out = Content::new();
    for (table, cols) in shape {
        // Each row rendered by SQLite itself (`quote` keeps types apart: 1, '1', X'01',
        // NULL), in the order of the rendering.
        let row: Vec<String> = cols.iter().map(|c| format!("quote(\"{c}\")")).collect();
        let select = format!("SELECT {} AS r FROM \"{table}\"", row.join(" || ',' || "));
        // The access log's chain head and the pseudonym key live in `store_meta`: each is its
        // own entry, so that a harness that allows one more access-log entry (or an export's
        // record) allows that row of `store_meta` to move, and only that row.
        let parts: Vec<(String, String)> = if table == "store_meta" {
            let own: Vec<String> = OWN_ENTRIES.iter().map(|k| format!("'{k}'")).collect();
            let mut parts = vec![(
                table.clone(),
                format!("{select} WHERE key NOT IN ({}) ORDER BY r", own.join(", ")),
            )];
            for key in OWN_ENTRIES {
                parts.push((
                    format!("store_meta.{key}"),
                    format!("{select} WHERE key = '{key}' ORDER BY r"),
                ));
            }
            parts
        } else {
            vec![(table.clone(), format!("{select} ORDER BY r"))]
        };
        for (name, sql) in parts {
            let mut stmt = conn.prepare(&sql).unwrap();
            let mut rows = stmt.query([]).unwrap();
            let mut hash = sha2::Sha256::new();
            let mut n = 0;
            while let Some(r) = rows.next().unwrap() {
                hash.update(r.get_ref(0).unwrap().as_bytes().unwrap());
                hash.update(b"\n");
                n += 1;
            }
            out.insert(name, (n, format!("{:x}", hash.finalize())));
        }
    }
    out
}

/// The `store_meta` key of the access log's hash-chain head (`audit.rs`).
const ACCESS_LOG_HEAD: &str = "access_log_head";

/// The `store_meta` rows that are entries of [`Content`] of their own: the access log's head,
/// and the pseudonym key payload format 2 makes at a store's first export (`pseudonymise.rs`).
const OWN_ENTRIES: [&str; 2] = [ACCESS_LOG_HEAD, "pseudonym_key"];

/// The entries of [`Content`] that move with every access-log entry.
pub(crate) const ACCESS_LOG: [&str; 2] = ["access_log", "store_meta.access_log_head"];

/// `content` without the tables named in `except` (each harness says why those may differ).
pub(crate) fn without(mut content: Content, except: &[&str]) -> Content {
    for table in except {
        content.remove(*table);
    }
    content
}

/// The tables whose content differs between two [`Content`]s.
pub(crate) fn differing(a: &Content, b: &Content) -> Vec<String> {
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .cloned()
        .collect()
}

/// Sets the phase-marker file of a command (`atrama::phase`): the operation appends a line
/// for each phase it reaches.
pub(crate) fn with_phases(mut cmd: Command, file: &Path) -> Command {
    let _ = std::fs::remove_file(file);
    cmd.env(atrama::phase::ENV, file);
    cmd
}

/// The phases a killed run had reached, in order (none if it never reached one).
pub(crate) fn phases(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Where kills landed, by the last phase each run had reached (`-` for none: start-up,
/// unlock and reading before the write began).
#[derive(Debug, Default)]
pub(crate) struct Landed {
    by_phase: std::collections::BTreeMap<String, u32>,
    /// Kills inside the write: after its first phase, before its last.
    pub inside: u32,
}

impl Landed {
    /// Records a kill after `reached`; it was inside the write when `begin` was reached and
    /// `end` was not.
    pub(crate) fn record(&mut self, reached: &[String], begin: &str, end: &str) -> bool {
        let last = reached.last().map_or("-", String::as_str).to_owned();
        *self.by_phase.entry(last).or_default() += 1;
        let inside = reached.iter().any(|p| p == begin) && !reached.iter().any(|p| p == end);
        if inside {
            self.inside += 1;
        }
        inside
    }

    /// Prints the tally and fails unless at least `min` kills were inside the write.
    pub(crate) fn assert_inside(&self, name: &str, min: u32) {
        eprintln!(
            "crash harness {name}: kills by last phase reached {:?}; inside the write: {}",
            self.by_phase, self.inside
        );
        assert!(
            self.inside >= min,
            "{name}: only {} kills landed inside the write (at least {min} wanted): {:?}",
            self.inside,
            self.by_phase
        );
    }
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

/// Unlocks `dir` as `user` once the store's lock is free. The lock is an `flock` held through
/// an open file: when this test process drops a store while another test thread of the same
/// process is starting a child process, the child holds a copy of that descriptor for the
/// moment between its fork and its exec (close-on-exec), and an unlock in that moment finds
/// the store in use. Waits for the lock (up to a minute, which only catches a real hang);
/// any other error is returned at once.
pub(crate) fn unlock_when_free(dir: &Path, user: &str) -> atrama::Result<Store> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match Store::unlock(dir, user, &Passphrase::new(PASS)) {
            Err(atrama::Error::StoreInUse { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
