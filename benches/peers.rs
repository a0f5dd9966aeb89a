//! Several computers of one centre (issue 23, `docs/peers.md`): a second computer joins a
//! 5,000-client centre (200,000 service contacts, 100,000 notes, documents) including the
//! copy (target < 60 s); a day's 200 changes sync between three computers each way
//! (target < 2 s); store size and unlock time of a joined store against the one-computer
//! store (target: within 10 %).
//!
//! Run with `cargo bench --bench peers` (ATRAMA_BENCH_CLIENTS=N for another size); figures
//! go to `docs/performance.md`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use atrama::cases::{NoteFields, ServiceContactFields};
use atrama::demo::{DemoOptions, DemoShape, generate_shaped};
use atrama::ids::CaseId;
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, RecoveryKey, Store};
use chrono::NaiveDate;

#[path = "common/mod.rs"]
mod common;

/// Documents attached to the centre before the join, and their size.
const DOCUMENTS: usize = 500;
const DOCUMENT_BYTES: usize = 64 * 1024;
const UNLOCK_RUNS: usize = 40;

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}

/// The store's size table by table (indexes with their table), in bytes of pages, from
/// SQLite's `dbstat` (row counts if it is not compiled in), with the free pages.
fn table_sizes(dir: &Path) -> BTreeMap<String, (i64, i64)> {
    let store = Store::unlock(dir, "ona", &Passphrase::new(common::PASSPHRASE)).unwrap();
    let conn = store.dangerously_raw_connection();
    let mut out = BTreeMap::new();
    let sized = conn.prepare(
        "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d
         LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1",
    );
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut sizes: BTreeMap<String, i64> = BTreeMap::new();
    match sized {
        Ok(mut stmt) => {
            for row in stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .unwrap()
            {
                let (n, b) = row.unwrap();
                sizes.insert(n, b);
            }
        }
        Err(e) => println!("(dbstat is not compiled in: {e}; row counts only)"),
    }
    for n in names {
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM \"{n}\""), [], |r| r.get(0))
            .unwrap_or(-1);
        out.insert(n.clone(), (sizes.get(&n).copied().unwrap_or(0), rows));
    }
    // SQLCipher answers `PRAGMA page_size` with its own setting: the page size is dbstat's.
    let page: i64 = conn
        .query_row("SELECT max(pgsize) FROM dbstat", [], |r| r.get(0))
        .unwrap_or(4096);
    let free: i64 = conn
        .query_row(
            "SELECT freelist_count FROM pragma_freelist_count()",
            [],
            |r| r.get(0),
        )
        .unwrap_or(-1);
    out.insert("(free pages)".into(), (page * free, free));
    out
}

/// Prints two stores' sizes table by table, the largest differences first.
fn print_table_sizes(one: &BTreeMap<String, (i64, i64)>, joined: &BTreeMap<String, (i64, i64)>) {
    let mib = |b: i64| b as f64 / 1048576.0;
    let mut names: Vec<&String> = one.keys().chain(joined.keys()).collect();
    names.sort();
    names.dedup();
    names.sort_by_key(|n| {
        let a = one.get(*n).map_or(0, |x| x.0);
        let b = joined.get(*n).map_or(0, |x| x.0);
        std::cmp::Reverse((b - a).abs().max(b / 8))
    });
    println!("| table | one computer: MiB (rows) | joined: MiB (rows) | difference |");
    println!("|---|---|---|---|");
    for n in names.iter().take(24) {
        let (a, ar) = one.get(*n).copied().unwrap_or((0, 0));
        let (b, br) = joined.get(*n).copied().unwrap_or((0, 0));
        println!(
            "| {n} | {:.1} ({ar}) | {:.1} ({br}) | {:+.1} MiB |",
            mib(a),
            mib(b),
            mib(b - a)
        );
    }
    let total = |m: &BTreeMap<String, (i64, i64)>| m.values().map(|x| x.0).sum::<i64>();
    println!(
        "| all pages | {:.1} | {:.1} | {:+.1} MiB |",
        mib(total(one)),
        mib(total(joined)),
        mib(total(joined) - total(one))
    );
}

fn files(dir: &Path) -> String {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            let size = if e.path().is_dir() {
                dir_size(&e.path())
            } else {
                e.metadata().unwrap().len()
            };
            format!(
                "{} {:.1} MiB",
                e.file_name().to_string_lossy(),
                size as f64 / 1048576.0
            )
        })
        .collect();
    v.sort();
    v.join(", ")
}

fn unlock_once(dir: &Path) -> Duration {
    let pass = Passphrase::new(common::PASSPHRASE);
    let start = Instant::now();
    let store = Store::unlock(dir, "ona", &pass).unwrap();
    store.peers_list().unwrap();
    let took = start.elapsed();
    drop(store);
    took
}

/// The median unlock of each store, the two unlocked in turn (so the machine's load, shared
/// with others, weighs on both alike).
fn median_unlocks(one: &Path, joined: &Path) -> (Duration, Duration) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for _ in 0..UNLOCK_RUNS {
        a.push(unlock_once(one));
        b.push(unlock_once(joined));
    }
    a.sort();
    b.sort();
    (a[a.len() / 2], b[b.len() / 2])
}

/// Joins a new computer at `dir` from `from`, and adds it there.
fn join(from: &mut Store, recovery: &RecoveryKey, tmp: &Path, dir: &Path, name: &str) -> Store {
    let file = tmp.join(format!("{name}.join"));
    from.peers_join_file(&file, "desk A").unwrap();
    let short = atrama::peers::join::join(&file, recovery, dir, name).unwrap();
    std::fs::remove_file(&file).unwrap();
    let mut joined = Store::unlock(dir, "ona", &Passphrase::new(common::PASSPHRASE)).unwrap();
    let enrolment = joined.peers_enrolment(name).unwrap();
    from.peers_add(&enrolment, &short).unwrap();
    joined
}

/// 200 changes (100 notes, 100 service contacts) on open cases.
fn day_of_changes(store: &mut Store, cases: &[CaseId], day: u32) {
    store
        .batch(|w| {
            for (i, case) in cases.iter().cycle().take(100).enumerate() {
                w.add_note(
                    *case,
                    &NoteFields {
                        body: format!("day {day}, note {i}: the client called about the hearing"),
                        restricted_to: None,
                    },
                )?;
                w.log_service_contact(
                    *case,
                    &ServiceContactFields {
                        on_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                        discipline: "social_work".into(),
                        mode: "phone".into(),
                        minutes: 15,
                        is_group: false,
                        staff: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
}

fn main() {
    let clients: u32 = std::env::var("ATRAMA_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let tmp = tempfile::tempdir().unwrap();
    let dirs = [
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    ];
    let folder = tmp.path().join("shared");
    std::fs::create_dir_all(&folder).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let (mut a, recovery) = Store::create(
        &dirs[0],
        &NewCentre {
            code: "BEN-01".into(),
            name: "Bench BEN-01".into(),
            country: Country::Lt,
            language: Language::Lt,
            mode: Mode::Centre,
            admin_user: "ona".into(),
        },
        &Passphrase::new(common::PASSPHRASE),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let start = Instant::now();
    let summary = generate_shaped(
        &mut a,
        &DemoOptions {
            clients,
            months: 120,
            seed: 42,
            today,
        },
        DemoShape::default(),
    )
    .unwrap();
    let open: Vec<CaseId> = {
        let conn = a.dangerously_raw_connection();
        let mut stmt = conn
            .prepare("SELECT id FROM case_file WHERE status = 'open' ORDER BY id LIMIT 100")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|id| CaseId::parse(&id.unwrap()).unwrap())
            .collect()
    };
    let content = vec![b'x'; DOCUMENT_BYTES];
    a.batch(|w| {
        for (i, case) in open.iter().cycle().take(DOCUMENTS).enumerate() {
            w.attach_document(
                *case,
                &format!("letter-{i}.pdf"),
                "application/pdf",
                &content,
            )?;
        }
        Ok(())
    })
    .unwrap();
    println!(
        "centre: {} clients, {} cases, {} service contacts, {} notes, {DOCUMENTS} documents of {} KiB (generated in {:.1} s)",
        summary.clients,
        summary.cases,
        summary.service_contacts,
        summary.notes,
        DOCUMENT_BYTES / 1024,
        start.elapsed().as_secs_f64()
    );
    drop(a);
    let one_size = dir_size(&dirs[0]);
    // A copy of the one-computer store, unlocked at the end in turn with the joined one.
    let one_dir = tmp.path().join("one");
    std::fs::create_dir_all(&one_dir).unwrap();
    for e in std::fs::read_dir(&dirs[0]).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), one_dir.join(e.file_name())).unwrap();
        }
    }
    let one_files = files(&dirs[0]);
    let one_tables = table_sizes(&dirs[0]);
    let mut a = Store::unlock(&dirs[0], "ona", &Passphrase::new(common::PASSPHRASE)).unwrap();

    // The join of B: the join file (a backup), the restore as a new computer, its
    // enrolment and adding it on A.
    let start = Instant::now();
    let b = join(&mut a, &recovery, tmp.path(), &dirs[1], "laptop B");
    let join_secs = start.elapsed().as_secs_f64();
    println!("join of a second computer, including the copy: {join_secs:.1} s (target < 60 s)");
    let c = join(&mut a, &recovery, tmp.path(), &dirs[2], "laptop C");
    let mut stores = [a, b, c];
    // The first syncs after the joins (each computer confirms what the copy held).
    let start = Instant::now();
    for _ in 0..3 {
        for s in &mut stores {
            s.peers_sync(&folder).unwrap();
        }
    }
    println!(
        "the first three rounds of syncs after the joins: {:.1} s",
        start.elapsed().as_secs_f64()
    );

    // A day's 200 changes on A, then on B: each synced to the other two.
    for (day, from) in [(1u32, 0usize), (2, 1)] {
        day_of_changes(&mut stores[from], &open, day);
        let start = Instant::now();
        let written = stores[from].peers_sync(&folder).unwrap().written.len();
        let mut applied = 0;
        for (i, s) in stores.iter_mut().enumerate() {
            if i != from {
                applied += s.peers_sync(&folder).unwrap().applied.len();
            }
        }
        println!(
            "200 changes from computer {} to the two others (write {written} files, apply {applied}): {:.2} s (target < 2 s)",
            ["A", "B", "C"][from],
            start.elapsed().as_secs_f64()
        );
        // Let the confirmations travel before the next day.
        for s in &mut stores {
            s.peers_sync(&folder).unwrap();
        }
    }
    drop(stores);
    let joined_size = dir_size(&dirs[1]);
    let joined_files = files(&dirs[1]);
    let joined_tables = table_sizes(&dirs[1]);
    let (one_unlock, joined_unlock) = median_unlocks(&one_dir, &dirs[1]);
    println!("files, one computer: {one_files}");
    println!("files, joined: {joined_files}");
    print_table_sizes(&one_tables, &joined_tables);
    let pct = |x: f64, y: f64| (x / y - 1.0) * 100.0;
    println!(
        "store size: one computer {:.1} MiB, joined (after the syncs) {:.1} MiB ({:+.1} %, target within 10 %)",
        one_size as f64 / 1048576.0,
        joined_size as f64 / 1048576.0,
        pct(joined_size as f64, one_size as f64)
    );
    println!(
        "unlock (cheap key derivation, median of {UNLOCK_RUNS}, the two in turn): one computer {:.1} ms, joined {:.1} ms ({:+.1} %, target within 10 %)",
        one_unlock.as_secs_f64() * 1e3,
        joined_unlock.as_secs_f64() * 1e3,
        pct(joined_unlock.as_secs_f64(), one_unlock.as_secs_f64())
    );
}
