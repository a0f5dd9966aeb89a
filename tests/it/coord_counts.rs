//! The coordinator's kept monthly counts (`stats::tables::counts`, migration 0025) against
//! the rows: small replicas of three centres, then every kind of write that changes a
//! coordinator's replicas (bundle import, corrections, tombstones, a case closed, a new
//! case of a returning client, a consent withdrawn, a centre's purge (the bundle purges the
//! coordinator's copies: a coordinator's own retention purge only ever removes its own
//! cases, `admin::retention`), and writes by hand to the replica tables) in an order drawn from a seed; after
//! each, for several periods and filters, the tables and the data quality read from the
//! kept counts equal those computed from the rows. An import (a purge included) leaves no month
//! to recompute (their counts are written in their own transaction); a write by hand lists
//! the months it changed (the triggers), and the next read recomputes them.

use std::path::PathBuf;

use crate::site::{Site, demo_centre as centre, enrol, site, today};
use atrama::admin::RetentionPolicy;
use atrama::cases::{CaseFields, CaseFilter, ConsentFields, NewCase, ServiceContactFields};
use atrama::stats::StatsQuery;
use atrama::{Country, Mode};
use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// A centre sends what changed since its last bundle (new contacts logged first).
    Import,
    /// A service contact corrected: another month, another discipline.
    CorrectContact,
    /// A service contact tombstoned.
    TombstoneContact,
    /// A case tombstoned (its records stop counting).
    TombstoneCase,
    /// A case closed (T10a, the caseload).
    CloseCase,
    /// An earlier case of an existing client (the later one becomes returning, T5c).
    EarlierCase,
    /// The statistics consent withdrawn (the coordinator removes its copy).
    WithdrawConsent,
    /// The centre purges its closed cases; the bundle purges the coordinator's copies.
    CentrePurge,
    /// Writes to the replica tables by hand (any other writer).
    ByHand,
}

fn export(c: &mut Site) -> PathBuf {
    let file = c.tmp.path().join("out.atrama");
    let _ = std::fs::remove_file(&file);
    c.store.export_bundle("KOORD", &file, None).unwrap();
    file
}

fn import(c: &mut Site, coord: &mut Site) {
    let file = export(c);
    let s = coord.store.import_bundle(&file, false).unwrap();
    assert_eq!(s.outcome, "applied", "{s:?}");
}

fn month(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// Months still to recompute at the coordinator.
fn listed(coord: &Site) -> i64 {
    coord
        .store
        .dangerously_raw_connection()
        .query_row("SELECT count(*) FROM stat_count_dirty", [], |r| r.get(0))
        .unwrap()
}

/// A live case of the centre shared with the coordinator (statistics consent given),
/// chosen by `pick`, with its detail.
fn shared_case(c: &Site, pick: usize, open: bool) -> Option<atrama::cases::CaseDetail> {
    let mut cases: Vec<_> = c
        .store
        .case_list(&CaseFilter {
            limit: Some(10_000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    cases.sort();
    let details: Vec<_> = cases
        .into_iter()
        .map(|id| c.store.case_detail(id).unwrap())
        .filter(|d| {
            d.consents
                .iter()
                .filter(|e| e.fields.purpose == "statistics")
                .max_by_key(|e| e.fields.on_date)
                .is_some_and(|e| e.fields.given)
        })
        .filter(|d| !open || d.case.status == "open")
        .collect();
    if details.is_empty() {
        None
    } else {
        let n = details.len();
        details.into_iter().nth(pick % n)
    }
}

/// Tables and data quality from the kept counts equal those from the rows, for several
/// periods and filters. Returns a fingerprint of the year's tables.
fn same(coord: &Site, step: &str) -> String {
    let to = month(today());
    let q = |from: String, to: &str| StatsQuery {
        from,
        to: Some(to.to_owned()),
        centres: Vec::new(),
        country: None,
        by_centre: true,
        by_month: false,
        consented_only: false,
        language: None,
    };
    let year = month(today() - Duration::days(334));
    let half = month(today() - Duration::days(150));
    let mid = month(today() - Duration::days(120));
    let mut queries = vec![
        q(year.clone(), &to),
        StatsQuery {
            by_month: true,
            ..q(year.clone(), &to)
        },
        q(mid.clone(), &mid),
        StatsQuery {
            centres: vec!["KLP-01".into()],
            by_month: true,
            ..q(half, &to)
        },
        StatsQuery {
            country: Some(Country::Lt),
            ..q(year.clone(), &to)
        },
        // Years back, before any record: only what an earlier caseload leaves.
        q("2020-01".into(), "2021-06"),
    ];
    queries.push(StatsQuery {
        from: "2024-01".into(),
        ..queries[0].clone()
    });
    let mut print = String::new();
    for (i, query) in queries.iter().enumerate() {
        let kept = coord.store.monthly_tables(query).unwrap();
        let rows = coord.store.monthly_tables_from_rows(query).unwrap();
        assert_eq!(kept.centres, rows.centres, "{step}: centres of {query:?}");
        for (a, b) in kept.tables.iter().zip(&rows.tables) {
            assert_eq!(a, b, "{step}: table {} of {query:?}", a.id);
        }
        assert_eq!(kept.tables.len(), rows.tables.len());
        assert_eq!(
            coord.store.data_quality(query).unwrap(),
            coord.store.data_quality_from_rows(query).unwrap(),
            "{step}: data quality of {query:?}"
        );
        if i == 0 {
            print = format!("{:?}", kept.tables);
        }
    }
    assert_eq!(
        listed(coord),
        0,
        "{step}: a read leaves no month to recompute"
    );
    print
}

/// The twelve months up to this one, by centre.
fn last_year() -> StatsQuery {
    StatsQuery {
        to: Some(month(today())),
        by_month: false,
        ..StatsQuery::months(&month(today() - Duration::days(334)), None)
    }
}

/// The store remembers the audits of what it published (`stats::memo`): after any write,
/// both views of the year it publishes are what a fresh audit of the counts as they are
/// now publishes, never a remembered one of the counts as they were.
fn published_as_audited_now(coord: &Site, step: &str) {
    use atrama::stats::{THRESHOLD, finest_query, publish_view};
    for query in [
        last_year(),
        StatsQuery {
            by_centre: false,
            by_month: true,
            ..last_year()
        },
    ] {
        let remembered = coord.store.published_tables(&query, true).unwrap();
        let view = coord.store.monthly_tables(&query).unwrap();
        let finest = coord.store.monthly_tables(&finest_query(&query)).unwrap();
        let mut fresh = publish_view(&view, &finest, THRESHOLD, true).unwrap();
        fresh.generated_at.clone_from(&remembered.generated_at);
        assert_eq!(
            serde_json::to_value(&remembered).unwrap(),
            serde_json::to_value(&fresh).unwrap(),
            "{step}: the published view is the audit of the counts now"
        );
    }
}

fn run(seed: u64) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut centres = vec![
        centre("KLP-01", Country::Lt, 7, seed),
        centre("LIE-01", Country::Lv, 6, seed + 1),
        centre("VLN-01", Country::Lt, 5, seed + 2),
    ];
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    for c in &mut centres {
        enrol(c, &mut coord);
    }
    // Each kind of write once, in an order drawn from the seed, after a first import.
    let mut writes = vec![
        Write::Import,
        Write::CorrectContact,
        Write::TombstoneContact,
        Write::TombstoneCase,
        Write::CloseCase,
        Write::EarlierCase,
        Write::WithdrawConsent,
        Write::CentrePurge,
        Write::ByHand,
    ];
    writes.shuffle(&mut rng);
    writes.insert(0, Write::Import);
    let policy = RetentionPolicy {
        closed_case_years: Some(1),
        document_years: None,
    };
    let mut prints = std::collections::BTreeSet::new();
    let mut imported = [false; 3];
    for (n, write) in writes.into_iter().enumerate() {
        let i = rng.gen_range(0..centres.len());
        let pick: usize = rng.gen_range(0..1000);
        let step = format!(
            "step {n} (seed {seed}): {write:?} at {}",
            ["KLP-01", "LIE-01", "VLN-01"][i]
        );
        let c = &mut centres[i];
        match write {
            Write::Import => {
                if let Some(d) = shared_case(c, pick, true) {
                    c.store
                        .batch(|w| {
                            w.log_service_contact(
                                d.case.id,
                                &ServiceContactFields {
                                    on_date: today() - Duration::days(3),
                                    discipline: "legal".into(),
                                    mode: "phone".into(),
                                    minutes: 25,
                                    is_group: false,
                                    staff: None,
                                },
                            )
                        })
                        .unwrap();
                }
            }
            Write::CorrectContact => {
                if let Some(d) = shared_case(c, pick, false)
                    && let Some(s) = d
                        .service_contacts
                        .get(pick % d.service_contacts.len().max(1))
                {
                    let mut f = s.fields.clone();
                    f.on_date = (f.on_date - Duration::days(31)).max(d.case.opened_on);
                    f.discipline = if f.discipline == "legal" {
                        "psychological".into()
                    } else {
                        "legal".into()
                    };
                    f.minutes += 15;
                    c.store
                        .batch(|w| w.correct_service_contact(s.id, &f))
                        .unwrap();
                }
            }
            Write::TombstoneContact => {
                if let Some(d) = shared_case(c, pick, false)
                    && let Some(s) = d.service_contacts.first()
                {
                    c.store.batch(|w| w.delete(s.id)).unwrap();
                }
            }
            Write::TombstoneCase => {
                if let Some(d) = shared_case(c, pick, false) {
                    c.store.batch(|w| w.delete(d.case.id)).unwrap();
                }
            }
            Write::CloseCase => {
                if let Some(d) = shared_case(c, pick, true) {
                    let on = (today() - Duration::days(40)).max(d.case.opened_on);
                    c.store
                        .batch(|w| w.close_case(d.case.id, on, "needs_met"))
                        .unwrap();
                }
            }
            Write::EarlierCase => {
                if let Some(d) = shared_case(c, pick, false) {
                    let open = d.case.opened_on - Duration::days(62);
                    c.store
                        .batch(|w| {
                            let case = w.open_case(&NewCase {
                                client_id: d.case.client_id,
                                opened_on: open,
                                fields: CaseFields {
                                    referral_source: "police".into(),
                                    police_notified_on: None,
                                    intake_outcome: "accepted".into(),
                                    lead_worker: None,
                                    team: vec![],
                                    follow_up_on: None,
                                },
                            })?;
                            w.record_consent(
                                case,
                                &ConsentFields {
                                    purpose: "statistics".into(),
                                    agency_type: None,
                                    given: true,
                                    given_by: "self".into(),
                                    on_date: open,
                                    shared_fields: Vec::new(),
                                },
                            )?;
                            Ok(())
                        })
                        .unwrap();
                }
            }
            Write::WithdrawConsent => {
                if let Some(d) = shared_case(c, pick, false) {
                    c.store
                        .batch(|w| {
                            w.record_consent(
                                d.case.id,
                                &ConsentFields {
                                    purpose: "statistics".into(),
                                    agency_type: None,
                                    given: false,
                                    given_by: "self".into(),
                                    on_date: today(),
                                    shared_fields: Vec::new(),
                                },
                            )
                        })
                        .unwrap();
                }
            }
            Write::CentrePurge => {
                c.store.set_retention_policy(policy).unwrap();
                c.store.purge(today() + Duration::days(800)).unwrap();
            }
            Write::ByHand => {
                let conn = coord.store.dangerously_raw_connection();
                let before = listed(&coord);
                assert_eq!(before, 0, "{step}");
                let changed = conn
                    .execute_batch(
                        "UPDATE service_contact SET on_date = '2026-02-01'
                           WHERE id = (SELECT min(id) FROM service_contact WHERE on_date > '2026-04');
                         UPDATE client SET age_band = CASE age_band WHEN '18_24' THEN '60_plus' ELSE '18_24' END
                           WHERE id = (SELECT max(client_id) FROM case_file);
                         UPDATE case_file SET closed_on = '2026-09-01', status = 'closed'
                           WHERE id = (SELECT min(id) FROM case_file WHERE closed_on IS NULL);
                         DELETE FROM referral WHERE id = (SELECT max(id) FROM referral);
                         UPDATE incident SET violence_forms = '[\"economic\"]'
                           WHERE id = (SELECT min(id) FROM incident);",
                    )
                    .map(|()| listed(&coord));
                let changed = changed.unwrap();
                let any: i64 = conn
                    .query_row("SELECT count(*) FROM case_file", [], |r| r.get(0))
                    .unwrap();
                if any > 0 {
                    assert!(changed > 0, "{step}: a write by hand lists its months");
                }
            }
        }
        if write != Write::ByHand {
            import(c, &mut coord);
            imported[i] = true;
            assert_eq!(listed(&coord), 0, "{step}: an import writes its counts");
        }
        prints.insert(same(&coord, &step));
        published_as_audited_now(&coord, &step);
    }
    assert!(imported.iter().any(|x| *x));
    // The published view and its audit work on the kept counts.
    let published = coord.store.published_tables(&last_year(), false).unwrap();
    assert!(published.disclosure.is_some());
    // The writes changed the tables (the comparison is not of empty or unchanging tables).
    assert!(
        prints.len() >= 6,
        "only {} different states of the tables",
        prints.len()
    );
}

#[test]
fn kept_counts_equal_the_rows_after_every_kind_of_write() {
    run(11);
}

/// The remembered audits (`stats::memo`, docs/statistics.md) are kept with the unlocked
/// store and go with it at lock: the store lets go of them when dropped, and a store
/// unlocked again has none and audits anew, to the same publication.
#[test]
fn remembered_audits_go_with_the_store_at_lock() {
    let mut c = centre("KLP-01", Country::Lt, 6, 5);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut c, &mut coord);
    import(&mut c, &mut coord);
    let first = coord.store.published_tables(&last_year(), true).unwrap();
    let (_, memo) = coord.store.publication_inputs(&last_year()).unwrap();
    assert_eq!(memo.computed(), 1, "the publication's audit is remembered");
    // Lock, as the shell does: the unlocked store is dropped.
    let Site {
        tmp: _tmp,
        dir,
        store,
    } = coord;
    drop(store);
    assert_eq!(
        std::sync::Arc::strong_count(&memo),
        1,
        "nothing but this test holds the audits after the lock"
    );
    let store =
        atrama::Store::unlock(&dir, "ona", &atrama::Passphrase::new(crate::site::PASS)).unwrap();
    let (_, again) = store.publication_inputs(&last_year()).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&memo, &again));
    assert_eq!(
        again.computed(),
        0,
        "a store unlocked again remembers no audit"
    );
    let mut second = store.published_tables(&last_year(), true).unwrap();
    assert_eq!(again.computed(), 1);
    second.generated_at.clone_from(&first.generated_at);
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        serde_json::to_value(&second).unwrap()
    );
}

/// The migration lists every month that has records; the first read counts them all.
#[test]
fn a_store_migrated_with_records_counts_them_on_first_read() {
    let mut c = centre("KLP-01", Country::Lt, 6, 5);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut c, &mut coord);
    import(&mut c, &mut coord);
    let conn = coord.store.dangerously_raw_connection();
    // As a store before migration 0025 would have it: records, no counts.
    conn.execute_batch("DELETE FROM stat_count; DELETE FROM stat_count_dirty;")
        .unwrap();
    let sql = include_str!("../../src/store/migrations/20261207_0025_stat_count.sql");
    let listing = &sql[sql
        .find("INSERT OR IGNORE INTO stat_count_dirty (month)\nSELECT m FROM (\n")
        .unwrap()..];
    let listing = &listing[..listing.find(";\n").unwrap() + 1];
    conn.execute_batch(listing).unwrap();
    let months_with_records: i64 = conn
        .query_row(
            "SELECT count(DISTINCT substr(opened_on, 1, 7)) FROM case_file",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(months_with_records > 0);
    assert!(
        listed(&coord) >= months_with_records,
        "every month with records is listed"
    );
    same(&coord, "after the migration's listing");
}
