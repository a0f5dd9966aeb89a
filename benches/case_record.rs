//! Case-record benchmark at a centre's and a coordinator's size, each figure beside the raw
//! SQLCipher engine doing the same work, so that every figure is also a ratio.
//!
//! `cargo bench --bench case_record -- centre` (5,000 clients, ~200,000 service contacts,
//! ~100,000 notes), `-- coordinator` (100,000 cases, ~2,000,000 service contacts,
//! ~1,000,000 notes), or `-- smoke` (a tiny run that proves the bench works). Figures go to
//! `docs/performance.md`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::time::{Duration, Instant};

use atrama::cases::CaseFilter;
use atrama::demo::DemoShape;
use atrama::ids::CaseId;
use atrama::{Country, Language, Passphrase, Store};
use chrono::NaiveDate;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;

#[path = "common/mod.rs"]
mod common;

struct Size {
    name: &'static str,
    clients: u32,
    shape: DemoShape,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1e3
}

struct Stats {
    p50: f64,
    p95: f64,
}

fn measure(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats {
        p50: percentile(&samples, 0.5),
        p95: percentile(&samples, 0.95),
    }
}

fn line(what: &str, ours: &Stats, raw: &Stats) {
    println!(
        "| {what} | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.2}× |",
        ours.p50,
        ours.p95,
        raw.p50,
        raw.p95,
        ours.p95 / raw.p95.max(1e-6)
    );
}

/// The raw engine: a SQLCipher database with a raw key and the same page cache, plain
/// tables, one prepared INSERT per table, the same batch size.
fn raw_db(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32)))
        .unwrap();
    conn.execute_batch(
        "PRAGMA cipher_log_level = NONE; PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY; PRAGMA synchronous = NORMAL;
         CREATE TABLE contact (id TEXT PRIMARY KEY, case_id TEXT, on_date TEXT, discipline TEXT,
                               mode TEXT, minutes INTEGER, staff TEXT);
         CREATE TABLE note (id TEXT PRIMARY KEY, case_id TEXT, body TEXT);",
    )
    .unwrap();
    conn
}

/// The raw engine with Atrama's own schema: every migration as shipped (Atrama's own
/// `migrate`, so no index, trigger or table is left out), so that the same rows land in the
/// same tables with the same indexes.
fn raw_db_same_schema(path: &std::path::Path) -> Connection {
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "cd".repeat(32)))
        .unwrap();
    conn.execute_batch(
        "PRAGMA cipher_log_level = NONE; PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;",
    )
    .unwrap();
    atrama::store::migrations::migrate(&mut conn).unwrap();
    assert_eq!(
        atrama::store::migrations::version(&conn).unwrap(),
        atrama::store::migrations::LATEST
    );
    conn
}

fn main() {
    let which = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "smoke".into());
    let size = match which.as_str() {
        "centre" => Size {
            name: "centre",
            clients: 5_000,
            shape: DemoShape {
                contacts_per_case: 40.0,
                notes_per_case: 20.0,
                clients_per_batch: 250,
            },
        },
        "coordinator" => Size {
            name: "coordinator",
            clients: 100_000,
            shape: DemoShape {
                contacts_per_case: 20.0,
                notes_per_case: 10.0,
                clients_per_batch: 500,
            },
        },
        _ => Size {
            name: "smoke",
            clients: 200,
            shape: DemoShape::default(),
        },
    };
    let tmp = tempfile::tempdir().unwrap();
    // ATRAMA_BENCH_STORE=DIR keeps the generated store in DIR and, on later runs, reuses it
    // and skips the bulk-create figures: for iterating on read paths at the coordinator's
    // size without regenerating 100,000 cases each time.
    let kept = std::env::var_os("ATRAMA_BENCH_STORE").map(std::path::PathBuf::from);
    let store_dir = kept
        .as_ref()
        .map_or_else(|| tmp.path().join("store"), |d| d.join(size.name));
    let passphrase = Passphrase::new(common::PASSPHRASE);
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let reused = Store::exists(&store_dir);
    let (mut store, summary, ours_secs) = if reused {
        println!(
            "(reusing the store in {}: bulk create not measured)",
            store_dir.display()
        );
        (
            Store::unlock(&store_dir, "ona", &passphrase).unwrap(),
            None,
            0.0,
        )
    } else {
        let (store, summary, secs) =
            common::demo_store(&store_dir, Language::Lt, size.clients, size.shape, today);
        (store, Some(summary), secs)
    };
    if let Some(summary) = summary {
        bulk_figures(&mut store, &size, &summary, ours_secs, tmp.path());
    }
    reads(&mut store, today);
}

/// The bulk-create figures: Atrama's demo generator against the raw engine inserting as
/// many rows.
fn bulk_figures(
    store: &mut Store,
    size: &Size,
    summary: &atrama::demo::DemoSummary,
    ours_secs: f64,
    tmp: &std::path::Path,
) {
    let rows = u64::from(
        summary.clients
            + summary.cases
            + summary.incidents
            + summary.children
            + summary.service_contacts
            + summary.referrals
            + summary.protection_orders
            + summary.consents
            + summary.notes
            + summary.closed,
    );
    println!("## {} size: {summary}", size.name);
    println!();

    // The raw engine inserting as many rows (contacts and notes, the bulk of the data),
    // with the same note texts, once without and once with the full-text index.
    let notes = note_texts(store);
    // `same_schema`: the raw engine writes the same rows into Atrama's own tables (same
    // columns, same indexes, the same full-text index of notes), one prepared INSERT per
    // row — everything but Atrama's checks, versions and change log.
    let raw_rate = |same_schema: bool| -> f64 {
        let path = tmp.join(format!("raw-{same_schema}.db"));
        let mut conn = if same_schema {
            raw_db_same_schema(&path)
        } else {
            raw_db(&path)
        };
        let per_batch =
            (rows / u64::from(size.clients).max(1)) * u64::from(size.shape.clients_per_batch);
        let start = Instant::now();
        let mut written = 0u64;
        let mut i = 0usize;
        while written < rows {
            let tx = conn.transaction().unwrap();
            {
                let (contact_sql, note_sql) = if same_schema {
                    (
                        "INSERT INTO service_contact (id, owner_centre, owner_install, hlc,
                            created_at, created_by, case_id, on_date, discipline, mode, minutes,
                            is_group, staff)
                         VALUES (?1, 'BEN-01', 'install', 1, '2026-01-01T00:00:00Z', 'ona', ?2,
                                 ?3, ?4, ?5, ?6, 0, ?7)",
                        "INSERT INTO note (id, owner_centre, owner_install, hlc, created_at,
                            created_by, case_id, body)
                         VALUES (?1, 'BEN-01', 'install', 1, '2026-01-01T00:00:00Z', 'ona', ?2, ?3)",
                    )
                } else {
                    (
                        "INSERT INTO contact VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        "INSERT INTO note VALUES (?1, ?2, ?3)",
                    )
                };
                let mut contact = tx.prepare_cached(contact_sql).unwrap();
                let mut note = tx.prepare_cached(note_sql).unwrap();
                let mut doc = tx
                    .prepare_cached(
                        "INSERT INTO search_doc (ref_id, kind, case_id) VALUES (?1, 'note', ?2)
                         RETURNING rowid",
                    )
                    .ok();
                let mut fts = tx
                    .prepare_cached("INSERT INTO search_fts (rowid, body) VALUES (?1, ?2)")
                    .ok();
                let case = uuid::Uuid::now_v7().to_string();
                for _ in 0..per_batch.min(rows - written) {
                    i += 1;
                    if i.is_multiple_of(3) {
                        let body = &notes[i % notes.len()];
                        let id = uuid::Uuid::now_v7().to_string();
                        note.execute(rusqlite::params![id, case, body]).unwrap();
                        if let (Some(doc), Some(fts)) = (doc.as_mut(), fts.as_mut()) {
                            let rowid: i64 = doc
                                .query_row(rusqlite::params![id, case], |r| r.get(0))
                                .unwrap();
                            fts.execute(rusqlite::params![rowid, body]).unwrap();
                        }
                    } else {
                        contact
                            .execute(rusqlite::params![
                                uuid::Uuid::now_v7().to_string(),
                                case,
                                "2026-01-01",
                                "social_work",
                                "phone",
                                30,
                                "ona"
                            ])
                            .unwrap();
                    }
                    written += 1;
                }
            }
            tx.commit().unwrap();
        }
        rows as f64 / start.elapsed().as_secs_f64()
    };
    let raw_plain = raw_rate(false);
    let raw_same = raw_rate(true);
    let ours_rate = rows as f64 / ours_secs;
    println!("| bulk create | rows/s | Atrama ÷ raw |");
    println!("|---|---|---|");
    println!(
        "| Atrama (`demo` through `Batch`: checks, versions, change log, search index) | {ours_rate:.0} | |"
    );
    println!(
        "| raw SQLCipher batched INSERT, same rows into Atrama's tables, indexes and FTS5 | {raw_same:.0} | {:.2}× |",
        ours_rate / raw_same
    );
    println!(
        "| raw SQLCipher batched INSERT, bare tables (primary key only, no FTS5) | {raw_plain:.0} | {:.2}× |",
        ours_rate / raw_plain
    );
    println!();
}

/// Search, case views and work queues, each beside the raw engine where there is one.
fn reads(store: &mut Store, today: NaiveDate) {
    let notes = note_texts(store);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // ---- search -----------------------------------------------------------------------
    let vocabulary: Vec<String> = notes
        .iter()
        .flat_map(|n| {
            n.split(|c: char| !c.is_alphanumeric())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().count() >= 4)
        .chain(
            [
                "Kazlauskienė",
                "Jankauskaitė",
                "Ieva",
                "Rūta",
                "kazlausk",
                "ieskin",
                "D-0012",
                "6000",
            ]
            .map(String::from),
        )
        .collect();
    let terms: Vec<String> = (0..200)
        .map(|_| {
            let w = vocabulary.choose(&mut rng).unwrap();
            // Half the queries are prefixes, as typed while the results update.
            if rng.gen_bool(0.5) && w.chars().count() > 5 {
                w.chars().take(w.chars().count() - 2).collect()
            } else {
                w.clone()
            }
        })
        .collect();
    // Warm the cache once, as a running app would be.
    for t in &terms {
        store.search(t, None).unwrap();
    }
    let ours: Vec<Duration> = terms
        .iter()
        .map(|t| {
            let s = Instant::now();
            let hits = store.search(t, None).unwrap();
            let e = s.elapsed();
            std::hint::black_box(hits);
            e
        })
        .collect();
    // The engine's own FTS5 query on the same index, bounded as Atrama's is (issue 27.3):
    // the newest CANDIDATES matches (rowid order), ranked by bm25, top 50 rowids — the same
    // work as Atrama's ranking, without its joins, snippets and access-log entries.
    let conn = store.dangerously_raw_connection();
    let raw_query = |sql: &str| -> Vec<Duration> {
        terms
            .iter()
            .map(|t| {
                let q = atrama::cases::search::fts_query(t).unwrap();
                let s = Instant::now();
                let mut stmt = conn.prepare_cached(sql).unwrap();
                let ids: Vec<i64> = stmt
                    .query_map(
                        rusqlite::params![&q, atrama::cases::search::CANDIDATES],
                        |r| r.get(0),
                    )
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let e = s.elapsed();
                std::hint::black_box(ids);
                e
            })
            .collect()
    };
    let raw = raw_query(
        "WITH hit AS (SELECT rowid, rank FROM search_fts WHERE search_fts MATCH ?1
                      ORDER BY rowid DESC LIMIT ?2)
         SELECT rowid FROM hit ORDER BY rank LIMIT 50",
    );
    // The unbounded ranking (every match by bm25): a different, larger query, shown for
    // what bounding saves, not as a like-for-like ratio.
    let raw_full = raw_query(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ?1 AND ?2 > 0 ORDER BY rank LIMIT 50",
    );
    println!("| operation | Atrama p50 / p95 | raw engine p50 / p95 | ratio (p95) |");
    println!("|---|---|---|---|");
    let ours = measure(ours);
    line(
        "search, 200 terms (top 50 of the newest 500 matches, both sides)",
        &ours,
        &measure(raw),
    );
    line(
        "(search against the unbounded raw ranking: different queries)",
        &ours,
        &measure(raw_full),
    );

    // ---- open a case -------------------------------------------------------------------
    let all: Vec<CaseId> = store
        .case_list(&CaseFilter {
            limit: Some(1_000_000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let sample: Vec<CaseId> = all.choose_multiple(&mut rng, 200).copied().collect();
    // Warm the cache once for both sides, as in a running app; otherwise whichever side
    // runs first pays the cold reads for the other.
    for id in &sample {
        std::hint::black_box(store.case_detail(*id).unwrap());
    }
    let ours: Vec<Duration> = sample
        .iter()
        .map(|id| {
            let s = Instant::now();
            let d = store.case_detail(*id).unwrap();
            let e = s.elapsed();
            std::hint::black_box(d);
            e
        })
        .collect();
    let raw: Vec<Duration> = sample
        .iter()
        .map(|id| {
            let s = Instant::now();
            let mut n = 0usize;
            for table in [
                "case_file",
                "incident",
                "child",
                "service_contact",
                "referral",
                "protection_order",
                "consent_event",
                "note",
                "document",
                "case_status_event",
            ] {
                let col = if table == "case_file" {
                    "id"
                } else {
                    "case_id"
                };
                let mut stmt = conn
                    .prepare_cached(&format!("SELECT * FROM {table} WHERE {col} = ?1"))
                    .unwrap();
                let mut rows = stmt.query([id.to_string()]).unwrap();
                while let Some(r) = rows.next().unwrap() {
                    std::hint::black_box(r.get_ref(0).unwrap());
                    n += 1;
                }
            }
            let e = s.elapsed();
            std::hint::black_box(n);
            e
        })
        .collect();
    line(
        "open a case with all sub-records (200 cases)",
        &measure(ours),
        &measure(raw),
    );

    // ---- work queues -------------------------------------------------------------------
    let users = ["ona", "jurgita", "tomas", "ieva", "aleksandr", "gunel"];
    let mut ours = Vec::new();
    for _ in 0..20 {
        for u in users {
            let t = Instant::now();
            let q = atrama::queues::work_queues(
                conn,
                u,
                Country::Lt,
                atrama::calendar::Holidays::builtin().unwrap(),
                today,
            )
            .unwrap();
            ours.push(t.elapsed());
            std::hint::black_box(q);
        }
    }
    let ours = measure(ours);
    println!(
        "| work queues (6 users × 20) | {:.2} / {:.2} ms | | |",
        ours.p50, ours.p95
    );
}

/// Note texts of the first cases, for realistic raw inserts and search terms.
fn note_texts(store: &Store) -> Vec<String> {
    let mut v = Vec::new();
    for c in store
        .case_list(&CaseFilter {
            limit: Some(50),
            ..CaseFilter::default()
        })
        .unwrap()
    {
        for n in store.case_detail(c.id).unwrap().notes {
            v.push(n.fields.body);
        }
    }
    if v.is_empty() {
        v.push("Klientė atvyko į konsultaciją kartu su dukra.".into());
    }
    v
}
