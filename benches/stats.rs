//! Monthly tables T1–T10 at a coordinator's size: one month and a full year, by centre ×
//! month, consolidated, and published (with disclosure control), each beside the raw
//! engine counting the service contacts of the same period (the largest table read).
//!
//! `cargo bench --bench stats -- coordinator` (100,000 cases, ~2,000,000 service contacts
//! over ten years, spread over 20 centres, dates cut to months as in a coordinator's
//! replicas), `-- centre` (5,000 cases, ~200,000 contacts, one centre, full dates), or
//! `-- smoke` (a tiny run that proves the bench works). Targets (issue 7): one month ≤ 1 s,
//! a full year ≤ 3 s. `ATRAMA_BENCH_STORE=DIR` keeps the generated store in
//! `DIR/stats-<size>` and reuses it on later runs.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::time::{Duration, Instant};

use atrama::demo::DemoShape;
use atrama::stats::StatsQuery;
use atrama::{Language, Passphrase, Store};
use chrono::NaiveDate;

#[path = "common/mod.rs"]
mod common;

struct Size {
    name: &'static str,
    clients: u32,
    shape: DemoShape,
    /// Turn the centre's store into a coordinator's replicas of this many centres.
    centres: u32,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f` once cold, then `n` times warm; prints first, median and worst.
fn time<T>(what: &str, n: usize, mut f: impl FnMut() -> T) {
    let s = Instant::now();
    std::hint::black_box(f());
    let cold = s.elapsed();
    let mut warm: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            std::hint::black_box(f());
            s.elapsed()
        })
        .collect();
    warm.sort();
    println!(
        "| {what} | {:.1} ms | {:.1} ms | {:.1} ms |",
        ms(cold),
        ms(warm[warm.len() / 2]),
        ms(warm[warm.len() - 1])
    );
}

fn main() {
    let which = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "smoke".into());
    let size = match which.as_str() {
        "coordinator" => Size {
            name: "coordinator",
            clients: 100_000,
            shape: DemoShape {
                contacts_per_case: 20.0,
                notes_per_case: 0.0,
                clients_per_batch: 500,
            },
            centres: 20,
        },
        "centre" => Size {
            name: "centre",
            clients: 5_000,
            shape: DemoShape {
                contacts_per_case: 40.0,
                notes_per_case: 0.0,
                clients_per_batch: 250,
            },
            centres: 0,
        },
        _ => Size {
            name: "smoke",
            clients: 300,
            shape: DemoShape {
                contacts_per_case: 20.0,
                notes_per_case: 0.0,
                clients_per_batch: 300,
            },
            centres: 4,
        },
    };
    let tmp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("ATRAMA_BENCH_STORE").map(std::path::PathBuf::from);
    let store_dir = kept.as_ref().map_or_else(
        || tmp.path().join("store"),
        |d| d.join(format!("stats-{}", size.name)),
    );
    let passphrase = Passphrase::new(common::PASSPHRASE);
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let store = if Store::exists(&store_dir) {
        println!("(reusing the store in {})", store_dir.display());
        Store::unlock(&store_dir, "ona", &passphrase).unwrap()
    } else {
        let (store, summary, secs) =
            common::demo_store(&store_dir, Language::En, size.clients, size.shape, today);
        println!("generated in {secs:.0} s: {summary}");
        if size.centres > 0 {
            let start = Instant::now();
            common::as_coordinator_replicas(&store, size.centres);
            println!(
                "rewritten as replicas of {} centres with month-level dates in {:.0} s",
                size.centres,
                start.elapsed().as_secs_f64()
            );
        }
        store
    };
    let conn = store.dangerously_raw_connection();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    println!(
        "## {} size: {} cases, {} service contacts, {} centre(s)",
        size.name,
        count("SELECT count(*) FROM case_file"),
        count("SELECT count(*) FROM service_contact"),
        count("SELECT count(DISTINCT owner_centre) FROM case_file"),
    );
    println!();
    println!("| T1–T10 | first (cold) | median of 5 | worst of 5 |");
    println!("|---|---|---|---|");
    let month = StatsQuery::months("2026-10", None);
    let year = StatsQuery::months("2025-11", Some("2026-10"));
    time("one month, centre × month", 5, || {
        store.monthly_tables(&month).unwrap()
    });
    time("full year, centre × month", 5, || {
        store.monthly_tables(&year).unwrap()
    });
    time("full year, consolidated by month", 5, || {
        store
            .monthly_tables(&StatsQuery {
                by_centre: false,
                ..year.clone()
            })
            .unwrap()
    });
    time("full year, published (suppressed)", 5, || {
        store.published_tables(&year, true).unwrap()
    });
    time("full year, XLSX built in memory", 5, || {
        atrama::stats::output::xlsx(&store.published_tables(&year, true).unwrap()).unwrap()
    });
    // The raw engine: the same year's service contacts grouped by month, centre and
    // discipline from the same covering index, nothing else.
    time("raw engine: a year's service contacts grouped", 5, || {
        let mut stmt = conn
            .prepare_cached(
                "SELECT substr(on_date, 1, 7), owner_centre, discipline, count(*), sum(minutes)
                 FROM service_contact WHERE on_date >= '2025-11-01' AND on_date < '2026-11-01'
                   AND deleted_at IS NULL GROUP BY 1, 2, 3",
            )
            .unwrap();
        stmt.query_map([], |r| r.get::<_, i64>(3))
            .unwrap()
            .map(Result::unwrap)
            .sum::<i64>()
    });
    let r = store.monthly_tables(&year).unwrap();
    let contacts: i64 = r
        .tables
        .iter()
        .find(|t| t.id == "T6a")
        .and_then(|t| t.total)
        .and_then(|c| c.value)
        .unwrap_or(0);
    println!();
    println!(
        "(the year: {} rows per table, {contacts} service contacts counted)",
        r.tables[0].rows.len()
    );
}
