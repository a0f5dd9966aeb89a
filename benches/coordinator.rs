//! The coordinator's screens at scale (issue 26 item 10): every core call the Tauri commands
//! make when a coordinator opens, filters or sorts a screen of the coordination centre
//! (board, centres, comparison and trends, targets, data quality, statistics T1–T10 and the
//! published report, sync history), timed on the replicas of 20 centres. Target: each
//! interaction under 100 ms.
//!
//! `cargo bench --bench coordinator -- coordinator` (100,000 cases, ~2,000,000 service
//! contacts over ten years, spread over 20 enrolled centres in four cities, each with ten
//! years of monthly bundles received, dates cut to months as in a coordinator's replicas), or
//! `-- smoke` (a tiny run that proves the bench works). `ATRAMA_BENCH_STORE=DIR` keeps the
//! generated store in `DIR/coord-<size>` and reuses it on later runs.

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
use atrama::stats::measures::{Grouping, Measure, TrendQuery};
use atrama::stats::targets::TargetInput;
use atrama::{Country, Language, Passphrase, Store};
use chrono::NaiveDate;

#[path = "common/mod.rs"]
mod common;

struct Size {
    name: &'static str,
    clients: u32,
    shape: DemoShape,
    centres: u32,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f` once cold, then `n` times warm; prints first, median and worst, and whether
/// the worst warm run met 100 ms.
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
    let worst = warm[warm.len() - 1];
    println!(
        "| {what} | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
        ms(cold),
        ms(warm[warm.len() / 2]),
        ms(worst),
        if ms(worst) < 100.0 {
            "met"
        } else {
            "**not met**"
        }
    );
}

/// Enrols `n` centres `C00`… as a coordinator's peers (as `enrol` records them), gives them a
/// registry entry in one of four cities and ten years of monthly bundles received (one
/// sequence and one month missing per centre, so the board has something to show).
fn enrol_centres(store: &Store, n: u32, today: NaiveDate) {
    let conn = store.dangerously_raw_connection();
    let tx = conn.unchecked_transaction().unwrap();
    let cities = ["Vilnius", "Kaunas", "Klaipėda", "Šiauliai"];
    for (i, city) in (0..n).zip(cities.iter().cycle()) {
        let code = format!("C{i:02}");
        let fp = format!("{:064x}", u64::from(i) + 1);
        tx.execute(
            "INSERT INTO sync_peer (fingerprint, centre_code, name, country, mode, x25519_public,
                 ed25519_public, enrolled_at, enrolled_by)
             VALUES (?1, ?2, ?3, 'LT', 'centre', zeroblob(32), zeroblob(32),
                 '2016-11-01T09:00:00Z', 'ona')",
            rusqlite::params![fp, code, format!("Centre {code}")],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO centre_registry (centre_code, region, city, cadence_days, updated_at,
                 updated_by) VALUES (?1, 'Region', ?2, 30, '2016-11-01T09:00:00Z', 'ona')",
            rusqlite::params![code, city],
        )
        .unwrap();
        let mut seq: i64 = 0;
        for m in 0..120u32 {
            seq += 1;
            if m == 60 {
                continue; // a month never received
            }
            if m == 90 {
                seq += 1; // a sequence missing
            }
            let month = today - chrono::Months::new(120 - m);
            let code_m = month.format("%Y-%m").to_string();
            tx.execute(
                "INSERT INTO bundle_in (bundle_id, sender, sequence, kind, period_from, period_to,
                     file_hash, prev_hash, sealed_at, imported_at, imported_by)
                 VALUES (?1, ?2, ?3, 'delta', ?4, ?4, ?5, NULL, ?6, ?6, 'ona')",
                rusqlite::params![
                    format!("{code}-{seq:04}"),
                    fp,
                    seq,
                    code_m,
                    format!("{:064x}", i64::from(i) * 1000 + seq),
                    format!("{}T10:00:00Z", month.format("%Y-%m-%d")),
                ],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// Times one of the statistics engine's queries alone over the year (cold, median, worst)
/// and prints its query plan: where the time of T1–T10 goes.
fn raw(conn: &rusqlite::Connection, what: &str, sql: &str, from: &str, to: &str) {
    time(&format!("raw: {what}"), 3, || {
        let mut stmt = conn.prepare_cached(sql).unwrap();
        let mut rows = stmt.query([from, to]).unwrap();
        let mut n = 0u64;
        while rows.next().unwrap().is_some() {
            n += 1;
        }
        n
    });
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let plan: Vec<String> = stmt
        .query_map([from, to], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    println!("|   plan: {} | | | | |", plan.join(" · "));
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
        |d| d.join(format!("coord-{}", size.name)),
    );
    let passphrase = Passphrase::new(common::PASSPHRASE);
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let store = if Store::exists(&store_dir) {
        println!("(reusing the store in {})", store_dir.display());
        Store::unlock(&store_dir, "ona", &passphrase).unwrap()
    } else {
        let (mut store, summary, secs) =
            common::demo_store(&store_dir, Language::En, size.clients, size.shape, today);
        println!("generated in {secs:.0} s: {summary}");
        let start = Instant::now();
        common::as_coordinator_replicas(&store, size.centres);
        enrol_centres(&store, size.centres, today);
        for i in 0..size.centres {
            for (measure, target) in [
                (Measure::CasesOpened, 600),
                (Measure::ServiceContacts, 12_000),
                (Measure::Closures, 500),
            ] {
                store
                    .set_target(&TargetInput {
                        centre: format!("C{i:02}"),
                        year: 2026,
                        measure,
                        target: Some(target),
                    })
                    .unwrap();
            }
        }
        println!(
            "rewritten as replicas of {} enrolled centres in {:.0} s",
            size.centres,
            start.elapsed().as_secs_f64()
        );
        store
    };
    let conn = store.dangerously_raw_connection();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    // The kept monthly counts (migration 0025): a store written before them, or by hand as
    // here (the rewrite ran before the store was a coordinator's, so no trigger listed
    // anything), lists every month with records with the migration's own statement; the
    // first read counts them all, once. A kept store is listed again, so that every run
    // times the full count.
    let listed = common::list_every_month(&store);
    let start = Instant::now();
    store
        .monthly_tables(&StatsQuery::months("2026-10", None))
        .unwrap();
    println!(
        "kept counts: {listed} months listed, counted in {:.1} s by the first read",
        start.elapsed().as_secs_f64()
    );
    let bytes: Option<i64> = conn
        .query_row(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN ('stat_count', 'stat_count_part')",
            [],
            |r| r.get(0),
        )
        .ok()
        .flatten();
    assert!(
        listed > 0 && count("SELECT count(*) FROM stat_count") > 0,
        "the screens would be timed on no counts"
    );
    println!(
        "kept counts: {} rows of stat_count; {}",
        count("SELECT count(*) FROM stat_count"),
        bytes.map_or_else(
            || "size: dbstat not available".to_owned(),
            |b| format!("{:.1} MiB with its index", b as f64 / 1048576.0)
        )
    );
    println!(
        "## {} size: {} cases, {} service contacts, {} referrals, {} centres enrolled, {} bundles received",
        size.name,
        count("SELECT count(*) FROM case_file"),
        count("SELECT count(*) FROM service_contact"),
        count("SELECT count(*) FROM referral"),
        count("SELECT count(*) FROM sync_peer"),
        count("SELECT count(*) FROM bundle_in"),
    );
    println!();
    let n = 7;
    println!("| screen: interaction | first (cold) | median of {n} | worst of {n} | < 100 ms |");
    println!("|---|---|---|---|---|");
    // The screens show the twelve months up to this month (the UI's default period).
    let (from, to) = ("2025-12", "2026-11");
    let year = |by_centre: bool, by_month: bool| StatsQuery {
        from: from.into(),
        to: Some(to.into()),
        centres: Vec::new(),
        country: None,
        by_centre,
        by_month,
        consented_only: false,
        language: Some(Language::En),
    };
    let trend =
        |measures: Vec<Measure>, centres: Vec<String>, cities: Vec<String>, by| TrendQuery {
            from: from.into(),
            to: Some(to.into()),
            measures,
            centres,
            cities,
            by,
        };

    // Coordination › board (opening the tab: the board and the inbox folder).
    time("board: open (sync board + inbox folder)", n, || {
        (
            store.sync_board(today).unwrap(),
            store.inbox_folder().unwrap(),
        )
    });
    // Coordination › centres.
    time("centres: open (registry)", n, || store.centres().unwrap());
    // Coordination › trends: opening loads the measures and centres; "show" the trend.
    time("trends: open (measures + centres)", n, || {
        (
            atrama::stats::measures::measures(),
            store.centres().unwrap(),
        )
    });
    time("trends: cases opened, every centre, 12 months", n, || {
        store
            .trends(&trend(
                vec![Measure::CasesOpened],
                Vec::new(),
                Vec::new(),
                Grouping::Centre,
            ))
            .unwrap()
    });
    time("trends: 3 measures, 3 centres chosen", n, || {
        store
            .trends(&trend(
                vec![
                    Measure::CasesOpened,
                    Measure::ServiceContacts,
                    Measure::Referrals,
                ],
                vec!["C01".into(), "C02".into(), "C03".into()],
                Vec::new(),
                Grouping::Centre,
            ))
            .unwrap()
    });
    time("trends: all 10 measures, by city (2 cities)", n, || {
        store
            .trends(&trend(
                Measure::ALL.to_vec(),
                Vec::new(),
                vec!["Vilnius".into(), "Kaunas".into()],
                Grouping::City,
            ))
            .unwrap()
    });
    // Coordination › targets.
    time("targets: open (progress 2026 + centres)", n, || {
        (
            store.target_progress(2026, today).unwrap(),
            store.centres().unwrap(),
        )
    });
    // Coordination › data quality.
    time("quality: open (12 months, per centre)", n, || {
        store.data_quality(&year(true, false)).unwrap()
    });
    // Statistics: opening shows 12 months with a row per centre; the other choices.
    time(
        "statistics: open (T1–T10, 12 months, row per centre)",
        n,
        || store.monthly_tables(&year(true, false)).unwrap(),
    );
    time("statistics: rows by month", n, || {
        store.monthly_tables(&year(false, true)).unwrap()
    });
    time("statistics: filter one centre", n, || {
        store
            .monthly_tables(&StatsQuery {
                centres: vec!["C03".into()],
                ..year(true, false)
            })
            .unwrap()
    });
    time("statistics: filter country LT", n, || {
        store
            .monthly_tables(&StatsQuery {
                country: Some(Country::Lt),
                ..year(true, false)
            })
            .unwrap()
    });
    time("statistics: one month (the latest complete)", n, || {
        store
            .monthly_tables(&StatsQuery {
                from: "2026-10".into(),
                to: None,
                ..year(true, false)
            })
            .unwrap()
    });
    // Publishing: the audit runs ahead on a worker thread while the screen shows the exact
    // counts (`prepare_publication`, without the store's lock; timed here with the memo
    // emptied first, so every run audits), then the print view finds it done.
    time(
        "statistics: publication audited ahead (worker thread, not an interaction)",
        n,
        || {
            let (finest, memo) = store.publication_inputs(&year(true, false)).unwrap();
            memo.clear();
            atrama::stats::prepare_publication(&finest, atrama::stats::THRESHOLD, &memo).unwrap()
        },
    );
    time(
        "statistics: published (print view), audit done ahead",
        n,
        || store.published_tables(&year(true, false), true).unwrap(),
    );
    time(
        "statistics: published, the other view (all centres by month)",
        n,
        || store.published_tables(&year(false, true), true).unwrap(),
    );
    // What an import adds: its months counted again (here one month of every centre, as
    // a monthly bundle from each would list), inside the import's transaction.
    time(
        "import: recount one month, all centres (kept counts)",
        n,
        || {
            conn.execute(
                "INSERT OR IGNORE INTO stat_count_dirty VALUES ('2026-10')",
                [],
            )
            .unwrap();
            store
                .monthly_tables(&StatsQuery::months("2026-10", None))
                .unwrap()
        },
    );
    // Sync: partners and the import history.
    time("sync: open (status + import history 50)", n, || {
        (
            store.sync_status().unwrap(),
            store.import_history(50).unwrap(),
        )
    });

    // Where the statistics engine's time goes: its main queries (as in
    // `stats/tables/queries.rs`, without the consent filter) over the same year, alone.
    let conn = store.dangerously_raw_connection();
    let (a, b) = ("2025-12-01", "2026-12-01");
    raw(
        conn,
        "T1/T5 cases opened (with new/returning)",
        "SELECT substr(c.opened_on, 1, 7), c.owner_centre, cl.sex, cl.age_band,
                c.referral_source, c.intake_outcome,
                CASE WHEN EXISTS (SELECT 1 FROM case_file p
                  WHERE p.client_id = c.client_id AND p.owner_centre = c.owner_centre
                    AND p.deleted_at IS NULL AND p.id <> c.id
                    AND (substr(p.opened_on, 1, 7) < substr(c.opened_on, 1, 7)
                         OR (substr(p.opened_on, 1, 7) = substr(c.opened_on, 1, 7) AND p.id < c.id)))
                THEN 'returning' ELSE 'new' END, count(*)
         FROM case_file c JOIN client cl ON cl.id = c.client_id
         WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL
         GROUP BY 1, 2, 3, 4, 5, 6, 7",
        a,
        b,
    );
    raw(
        conn,
        "T2 incidents",
        "SELECT substr(c.opened_on, 1, 7), c.owner_centre, i.violence_forms, count(*)
         FROM case_file c JOIN incident i ON i.case_id = c.id
         WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL
           AND i.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id)
         GROUP BY 1, 2, 3",
        a,
        b,
    );
    raw(
        conn,
        "T3 perpetrators",
        "SELECT substr(c.opened_on, 1, 7), c.owner_centre,
                coalesce(json_extract(p.value, '$.relationship'), 'unknown'), count(*)
         FROM case_file c JOIN incident i ON i.case_id = c.id, json_each(i.perpetrators) p
         WHERE c.opened_on >= ?1 AND c.opened_on < ?2 AND c.deleted_at IS NULL
           AND i.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM incident n WHERE n.supersedes = i.id)
         GROUP BY 1, 2, 3",
        a,
        b,
    );
    raw(
        conn,
        "T6 service contacts (covering index)",
        "SELECT substr(s.on_date, 1, 7), s.owner_centre, s.discipline, count(*), sum(s.minutes)
         FROM service_contact s INDEXED BY service_contact_stats
         WHERE s.on_date >= ?1 AND s.on_date < ?2 AND s.deleted_at IS NULL
         GROUP BY 1, 2, 3",
        a,
        b,
    );
    raw(
        conn,
        "T6 minus superseded contacts",
        "SELECT substr(s.on_date, 1, 7), s.owner_centre, s.discipline, count(*), sum(s.minutes)
         FROM service_contact s
         WHERE s.id IN (SELECT supersedes FROM service_contact WHERE supersedes IS NOT NULL)
           AND s.on_date >= ?1 AND s.on_date < ?2 AND s.deleted_at IS NULL
         GROUP BY 1, 2, 3",
        a,
        b,
    );
    raw(
        conn,
        "T7 referrals",
        "SELECT substr(r.on_date, 1, 7), r.owner_centre, r.agency_type, r.status, count(*)
         FROM referral r JOIN case_file c ON c.id = r.case_id
         WHERE r.on_date >= ?1 AND r.on_date < ?2 AND r.deleted_at IS NULL
           AND c.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM referral n WHERE n.supersedes = r.id)
         GROUP BY 1, 2, 3, 4",
        a,
        b,
    );
    raw(
        conn,
        "T10b caseload",
        "SELECT c.owner_centre, substr(c.opened_on, 1, 7), substr(c.closed_on, 1, 7), count(*)
         FROM case_file c INDEXED BY case_stats_caseload
         WHERE c.deleted_at IS NULL AND c.opened_on < ?2
           AND (c.closed_on IS NULL OR c.closed_on >= ?1)
         GROUP BY 1, 2, 3",
        "2025-11-01",
        b,
    );
}
