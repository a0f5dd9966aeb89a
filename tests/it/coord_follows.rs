//! The coordination centre follows a centre through any history and any order of bundles
//! (a property test): a centre with demo data logs and corrects service contacts, changes
//! cases, closes and reopens them, withdraws and gives again the clients' consent to
//! statistics, and exports bundles between any of these; the coordination centre imports
//! every bundle in a random order. Its monthly tables T1–T10 must then equal, cell for cell,
//! the centre's own tables of its consenting clients — which the centre computes from its
//! records, not from what it sent.

use std::collections::BTreeMap;

use atrama::cases::{CaseFields, ConsentFields, ServiceContactFields};
use atrama::ids::{CaseId, ServiceContactId};
use atrama::stats::{StatsQuery, StatsReport};
use atrama::{Country, Mode, Store};
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use crate::site::{Site, demo_centre, enrol, site, today};
use crate::stats::all_cases;

#[derive(Debug, Clone, Copy)]
enum Op {
    /// A contact in case `k` (of the list, modulo), on day `d` of the window.
    Contact(usize, u8),
    /// The case's newest contact corrected to another discipline and day.
    Correct(usize, u8),
    /// The case's referral source changed.
    Source(usize, u8),
    /// The client's consent to statistics withdrawn, or given again.
    Consent(usize, bool),
    /// The case closed (when open) or reopened (when closed).
    CloseOrReopen(usize),
    /// The centre exports a bundle (kept, imported later in a random order).
    Export,
    /// The centre purges every closed case under a one-year retention policy, as if years
    /// had passed (their monthly counts archived).
    Purge,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..40usize, 0..60u8).prop_map(|(k, d)| Op::Contact(k, d)),
        2 => (0..40usize, 0..60u8).prop_map(|(k, d)| Op::Correct(k, d)),
        2 => (0..40usize, 0..4u8).prop_map(|(k, v)| Op::Source(k, v)),
        2 => (0..40usize, any::<bool>()).prop_map(|(k, g)| Op::Consent(k, g)),
        2 => (0..40usize).prop_map(Op::CloseOrReopen),
        3 => Just(Op::Export),
        1 => Just(Op::Purge),
    ]
}

fn query() -> StatsQuery {
    StatsQuery::months("2025-12", Some("2026-11"))
}

/// Every cell of every table, by (table, month, column), of one centre's rows.
fn cells(report: &StatsReport, centre: &str) -> Cells {
    let mut out = BTreeMap::new();
    for t in &report.tables {
        for (row, values) in t.rows.iter().zip(&t.cells) {
            if row.centre.as_deref().is_some_and(|c| c != centre) {
                continue;
            }
            for (column, cell) in t.columns.iter().zip(values) {
                let v = cell.value.expect("exact counts");
                if v != 0 {
                    out.insert(
                        (
                            t.id.clone(),
                            row.month.clone().unwrap_or_default(),
                            column.code.clone(),
                        ),
                        v,
                    );
                }
            }
        }
    }
    out
}

/// A day of the tables' window, from `d` (the last months, up to the demo's today).
fn day(d: u8) -> NaiveDate {
    today() - Duration::days(i64::from(d) * 3)
}

/// Purges every closed case under a one-year retention policy, as on 1 January 2030; how
/// many.
fn purge_closed_cases(store: &mut Store) -> u64 {
    store
        .set_retention_policy(atrama::admin::RetentionPolicy {
            closed_case_years: Some(1),
            document_years: None,
        })
        .unwrap();
    store
        .purge(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap())
        .unwrap()
        .cases
}

/// Cells by (table, month, column).
type Cells = BTreeMap<Cell, i64>;
type Cell = (String, String, String);

/// The cells that differ (cell, one side, the other), the first twelve.
fn differences(a: &Cells, b: &Cells) -> Vec<(Cell, Option<i64>, Option<i64>)> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| (k.clone(), a.get(k).copied(), b.get(k).copied()))
        .take(12)
        .collect()
}

/// A service contact on day `d` of the window, its discipline by the day.
fn contact(d: u8, mode: &str) -> ServiceContactFields {
    ServiceContactFields {
        on_date: day(d),
        discipline: ["social_work", "legal", "psychological"][usize::from(d) % 3].into(),
        mode: mode.into(),
        minutes: 45,
        is_group: false,
        staff: None,
    }
}

/// Exports the centre's next bundle for the coordination centre as `b<n>.atrama` in its
/// folder; its path.
fn bundle(centre: &mut Site, n: u32) -> std::path::PathBuf {
    let path = centre.tmp.path().join(format!("b{n}.atrama"));
    centre.store.export_bundle("KOORD", &path, None).unwrap();
    path
}

/// Plays `ops` on a new demo centre; imports the bundles in the order `keys` gives them
/// (sorted by key); compares the tables.
fn play(ops: &[Op], keys: &[u32]) -> std::result::Result<(), TestCaseError> {
    let (mut centre, mut coord) = centre_and_coordinator();
    // Consents get days one after the other, so that the newest is never a tie.
    let mut consent_day = today() - Duration::days(40);
    let sources = ["self", "police", "ngo", "health"];
    let mut files = Vec::new();
    let export = |centre: &mut Site, files: &mut Vec<std::path::PathBuf>| {
        let n = u32::try_from(files.len()).unwrap();
        files.push(bundle(centre, n));
    };
    export(&mut centre, &mut files);
    for o in ops {
        let list = all_cases(&centre.store);
        if list.is_empty() {
            break;
        }
        let case = |k: usize| list[k % list.len()];
        match *o {
            Op::Contact(k, d) => {
                centre
                    .store
                    .batch(|b| b.log_service_contact(case(k), &contact(d, "in_person")))
                    .unwrap();
            }
            Op::Correct(k, d) => {
                let newest: Option<String> = centre
                    .store
                    .dangerously_raw_connection()
                    .query_row(
                        "SELECT s.id FROM service_contact s WHERE s.case_id = ?1
                           AND s.deleted_at IS NULL
                           AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id)
                         ORDER BY s.hlc DESC LIMIT 1",
                        [case(k).to_string()],
                        |r| r.get(0),
                    )
                    .ok();
                if let Some(id) = newest {
                    let id = ServiceContactId::parse(&id).unwrap();
                    centre
                        .store
                        .batch(|b| b.correct_service_contact(id, &contact(d, "phone")))
                        .unwrap();
                }
            }
            Op::Source(k, v) => {
                let c = centre.store.case_detail(case(k)).unwrap().case;
                centre
                    .store
                    .batch(|b| {
                        b.update_case(
                            c.id,
                            &CaseFields {
                                referral_source: sources[usize::from(v)].into(),
                                police_notified_on: c.police_notified_on,
                                intake_outcome: c.intake_outcome.clone(),
                                lead_worker: None,
                                team: vec![],
                                follow_up_on: None,
                            },
                        )
                    })
                    .unwrap();
            }
            Op::Consent(k, given) => {
                consent_day += Duration::days(1);
                let on = consent_day;
                centre
                    .store
                    .batch(|b| b.record_consent(case(k), &statistics_consent(given, on)))
                    .unwrap();
            }
            Op::CloseOrReopen(k) => {
                let status = centre.store.case_detail(case(k)).unwrap().case.status;
                centre
                    .store
                    .batch(|b| {
                        if status == "open" {
                            b.close_case(case(k), today(), "needs_met").map(|_| ())
                        } else {
                            b.reopen_case(case(k), today(), None).map(|_| ())
                        }
                    })
                    .unwrap();
            }
            Op::Export => export(&mut centre, &mut files),
            Op::Purge => {
                purge_closed_cases(&mut centre.store);
            }
        }
    }
    export(&mut centre, &mut files);
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|i| (keys[i % keys.len()], *i));
    for &i in &order {
        let summary = coord.store.import_bundle(&files[i], false).unwrap();
        prop_assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    }
    let (own, theirs) = both_tables(&centre.store, &coord.store);
    prop_assert!(!own.is_empty());
    prop_assert!(
        own == theirs,
        "order {order:?}: cells differ (cell, centre, coordinator): {:?}",
        differences(&own, &theirs)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    #[test]
    fn the_coordinator_counts_what_the_centre_holds_after_any_history_and_any_order_of_bundles(
        ops in proptest::collection::vec(op(), 1..24),
        keys in proptest::collection::vec(any::<u32>(), 8),
    ) {
        play(&ops, &keys)?;
    }
}

/// Whether the newest consent to statistics of a case is given.
fn consents(store: &Store, case: CaseId) -> bool {
    store
        .case_detail(case)
        .unwrap()
        .consents
        .iter()
        .filter(|c| c.fields.purpose == "statistics")
        .max_by_key(|c| c.fields.on_date)
        .is_some_and(|c| c.fields.given)
}

/// The number of the centre's cases whose newest consent to statistics is given.
fn consenting(store: &Store) -> usize {
    all_cases(store)
        .into_iter()
        .filter(|id| consents(store, *id))
        .count()
}

fn coordinator_cases(coord: &Store) -> usize {
    usize::try_from(crate::peers::centre_cases(coord)).unwrap()
}

fn statistics_consent(given: bool, on: NaiveDate) -> ConsentFields {
    ConsentFields {
        purpose: "statistics".into(),
        agency_type: None,
        given,
        given_by: "self".into(),
        on_date: on,
        shared_fields: vec![],
    }
}

/// A demo centre of twelve clients and a coordination centre, enrolled with each other.
fn centre_and_coordinator() -> (Site, Site) {
    let mut centre = demo_centre("KLP-01", Country::Lt, 12, 11);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    (centre, coord)
}

/// A case of the centre whose client consents to statistics (a closed one when `closed`).
fn a_consenting_case(store: &Store, closed: bool) -> CaseId {
    all_cases(store)
        .into_iter()
        .find(|id| {
            consents(store, *id)
                && (!closed || store.case_detail(*id).unwrap().case.status != "open")
        })
        .unwrap()
}

#[test]
fn a_late_older_bundle_does_not_bring_back_a_case_the_client_withdrew() {
    let (mut centre, mut coord) = centre_and_coordinator();
    let b0 = bundle(&mut centre, 0);
    let b1 = bundle(&mut centre, 1);
    let case = a_consenting_case(&centre.store, false);
    let before = consenting(&centre.store);
    centre
        .store
        .batch(|b| b.record_consent(case, &statistics_consent(false, today())))
        .unwrap();
    assert_eq!(consenting(&centre.store), before - 1);
    let b2 = bundle(&mut centre, 2);
    // The withdrawal arrives before the older bundle that still carries the case.
    coord.store.import_bundle(&b0, false).unwrap();
    coord.store.import_bundle(&b2, false).unwrap();
    assert_eq!(coordinator_cases(&coord.store), before - 1);
    let late = coord.store.import_bundle(&b1, false).unwrap();
    assert_eq!(
        coordinator_cases(&coord.store),
        before - 1,
        "the late bundle brought the withdrawn case back"
    );
    assert!(
        late.notes.iter().any(|n| n.contains("arrived late")),
        "{:?}",
        late.notes
    );
    assert!(late.rejected.is_empty(), "{:?}", late.rejected);
}

#[test]
fn a_late_withdrawal_does_not_remove_a_case_shared_again() {
    let (mut centre, mut coord) = centre_and_coordinator();
    let all = consenting(&centre.store);
    let b0 = bundle(&mut centre, 0);
    let case = a_consenting_case(&centre.store, false);
    centre
        .store
        .batch(|b| {
            b.record_consent(
                case,
                &statistics_consent(false, today() - Duration::days(1)),
            )
        })
        .unwrap();
    let b1 = bundle(&mut centre, 1);
    centre
        .store
        .batch(|b| b.record_consent(case, &statistics_consent(true, today())))
        .unwrap();
    assert_eq!(consenting(&centre.store), all);
    let b2 = bundle(&mut centre, 2);
    // The consent given again arrives before the withdrawal it follows.
    for f in [&b0, &b2, &b1] {
        let s = coord.store.import_bundle(f, false).unwrap();
        assert!(s.rejected.is_empty(), "{:?}", s.rejected);
    }
    assert_eq!(
        coordinator_cases(&coord.store),
        all,
        "the late withdrawal removed a case shared again"
    );
}

#[test]
fn a_late_older_bundle_does_not_count_a_purged_case_twice() {
    let (mut centre, mut coord) = centre_and_coordinator();
    let b0 = bundle(&mut centre, 0);
    let b1 = bundle(&mut centre, 1);
    assert!(purge_closed_cases(&mut centre.store) > 0);
    let b2 = bundle(&mut centre, 2);
    coord.store.import_bundle(&b0, false).unwrap();
    let s = coord.store.import_bundle(&b2, false).unwrap();
    assert!(s.purged > 0, "{s:?}");
    let cases = coordinator_cases(&coord.store);
    let tables = cells(&coord.store.monthly_tables(&query()).unwrap(), "KLP-01");
    // The older bundle, still carrying the purged cases, arrives last.
    let late = coord.store.import_bundle(&b1, false).unwrap();
    assert!(late.rejected.is_empty(), "{:?}", late.rejected);
    assert_eq!(
        coordinator_cases(&coord.store),
        cases,
        "a purged case came back"
    );
    assert_eq!(
        cells(&coord.store.monthly_tables(&query()).unwrap(), "KLP-01"),
        tables,
        "the late bundle changed the monthly figures"
    );
}

#[test]
fn after_a_purge_the_centre_still_sees_exactly_what_the_coordinator_counts() {
    let mut centre = demo_centre("KLP-01", Country::Lt, 40, 5);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    // Some closed cases without the client's consent to statistics, some with.
    let all = all_cases(&centre.store);
    assert!(all.iter().any(|c| !consents(&centre.store, *c)));
    let b0 = bundle(&mut centre, 0);
    coord.store.import_bundle(&b0, false).unwrap();
    assert!(purge_closed_cases(&mut centre.store) > 0);
    let b1 = bundle(&mut centre, 1);
    coord.store.import_bundle(&b1, false).unwrap();
    assert_same_tables(&centre.store, &coord.store);
}

/// The centre's own tables of its consenting clients and the coordinator's, for KLP-01.
fn both_tables(centre: &Store, coord: &Store) -> (Cells, Cells) {
    let own = centre
        .monthly_tables(&StatsQuery {
            consented_only: true,
            ..query()
        })
        .unwrap();
    let theirs = coord.monthly_tables(&query()).unwrap();
    (cells(&own, "KLP-01"), cells(&theirs, "KLP-01"))
}

/// The coordinator counts for KLP-01 what the centre counts of its consenting clients.
fn assert_same_tables(centre: &Store, coord: &Store) {
    let (own, theirs) = both_tables(centre, coord);
    assert!(
        own == theirs,
        "cells differ (cell, centre, coordinator): {:?}",
        differences(&own, &theirs)
    );
}

#[test]
fn a_change_made_just_before_a_purge_is_in_the_coordinators_archived_counts() {
    let (mut centre, mut coord) = centre_and_coordinator();
    let b0 = bundle(&mut centre, 0);
    coord.store.import_bundle(&b0, false).unwrap();
    // A last contact in a closed case, then the purge, before any bundle carried it.
    let case = a_consenting_case(&centre.store, true);
    centre
        .store
        .batch(|b| b.log_service_contact(case, &contact(20, "in_person")))
        .unwrap();
    assert!(purge_closed_cases(&mut centre.store) > 0);
    let b1 = bundle(&mut centre, 1);
    coord.store.import_bundle(&b1, false).unwrap();
    assert_same_tables(&centre.store, &coord.store);
}

#[test]
fn a_purge_arriving_before_the_cases_records_still_counts_the_case_once() {
    let (mut centre, mut coord) = centre_and_coordinator();
    let b0 = bundle(&mut centre, 0);
    assert!(purge_closed_cases(&mut centre.store) > 0);
    // Nothing acknowledged: both bundles after the purge carry its lines.
    let b1 = bundle(&mut centre, 1);
    let b2 = bundle(&mut centre, 2);
    // The purge first: the coordination centre never had the cases it purges; then the
    // records, late; then the purge again.
    for f in [&b1, &b0, &b2] {
        let s = coord.store.import_bundle(f, false).unwrap();
        assert!(s.rejected.is_empty(), "{:?}", s.rejected);
    }
    assert_same_tables(&centre.store, &coord.store);
}

#[test]
fn a_purged_cases_counts_are_kept_only_until_a_bundle_carrying_them_is_acknowledged() {
    let (mut centre, mut coord) = centre_and_coordinator();
    let kept = |s: &Store| -> i64 {
        s.dangerously_raw_connection()
            .query_row("SELECT count(*) FROM purge_count", [], |r| r.get(0))
            .unwrap()
    };
    assert!(purge_closed_cases(&mut centre.store) > 0);
    assert!(
        kept(&centre.store) > 0,
        "the purge keeps the counts for its lines"
    );
    bundle(&mut centre, 1);
    // Not acknowledged yet: a next bundle carries the lines again, with their counts.
    let b2 = bundle(&mut centre, 2);
    assert!(kept(&centre.store) > 0);
    coord.store.import_bundle(&b2, false).unwrap();
    let ack = coord.tmp.path().join("ack.atrama");
    coord.store.export_bundle("KLP-01", &ack, None).unwrap();
    centre.store.import_bundle(&ack, false).unwrap();
    let b3 = centre.tmp.path().join("b3.atrama");
    let report = centre.store.export_bundle("KOORD", &b3, None).unwrap();
    assert_eq!(
        report.preview.purged, 0,
        "the acknowledged purges are not sent again"
    );
    assert_eq!(
        kept(&centre.store),
        0,
        "the counts outlived the acknowledgement"
    );
}

#[test]
fn a_purge_line_without_counts_archives_the_coordinators_own_copy() {
    use atrama::bundle::format::BundleKind;
    let (mut centre, mut coord) = centre_and_coordinator();
    let b0 = bundle(&mut centre, 0);
    coord.store.import_bundle(&b0, false).unwrap();
    assert!(purge_closed_cases(&mut centre.store) > 0);
    let b1 = bundle(&mut centre, 1);
    // The same bundle as an Atrama before schema 29 wrote it: purge lines without counts.
    let lines: Vec<serde_json::Value> = coord
        .store
        .read_bundle_payload(&b1)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if v["type"] == "purge" {
                assert!(v["counts"].is_array(), "{v}");
                v.as_object_mut().unwrap().remove("counts");
            }
            v
        })
        .collect();
    let old = centre.tmp.path().join("old.atrama");
    crate::site::forge_numbered(
        &centre.store,
        &coord.store,
        BundleKind::CentreExport,
        &lines,
        &old,
        2,
    );
    let s = coord.store.import_bundle(&old, false).unwrap();
    assert!(s.purged > 0 && s.rejected.is_empty(), "{s:?}");
    assert_same_tables(&centre.store, &coord.store);
}

/// `docs/warehouse.md` ("Speed over many files") relies on it: no record a coordinator holds,
/// and so none its Parquet export writes, points to a case it does not hold. An enrolled
/// centre that sends — from its own key, as an attacker controlling its store could — a
/// contact of a case it never sent gets that contact refused while the rest of the bundle
/// applies, and the coordinator holds no record whose case is missing.
#[test]
fn a_record_of_a_case_the_coordinator_does_not_hold_is_never_applied() {
    use atrama::bundle::format::BundleKind;
    let (mut centre, mut coord) = centre_and_coordinator();
    let b0 = bundle(&mut centre, 0);
    let stray = uuid::Uuid::now_v7().to_string();
    let mut moved = None;
    let lines: Vec<serde_json::Value> = coord
        .store
        .read_bundle_payload(&b0)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if moved.is_none() && v["type"] == "record" && v["table"] == "service_contact" {
                moved = Some(v["row"]["id"].as_str().unwrap().to_owned());
                v["row"]["case_id"] = serde_json::Value::String(stray.clone());
            }
            v
        })
        .collect();
    let moved = moved.expect("the bundle carries service contacts");
    let forged = centre.tmp.path().join("forged.atrama");
    crate::site::forge(
        &centre.store,
        &coord.store,
        BundleKind::CentreExport,
        &lines,
        &forged,
    );
    // The bundle is applied, the stray contact refused with its reason.
    let s = coord.store.import_bundle(&forged, false).unwrap();
    assert!(
        s.rejected.iter().any(|r| r.id == moved),
        "the stray contact was not refused: {:?}",
        s.rejected
    );
    assert!(
        coordinator_cases(&coord.store) > 0,
        "the rest was not applied"
    );
    let conn = coord.store.dangerously_raw_connection();
    let held = |id: &str| -> bool {
        conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM service_contact WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(
        !held(&moved),
        "a contact of a case the coordinator does not hold was applied"
    );
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM service_contact s
             WHERE NOT EXISTS (SELECT 1 FROM case_file c WHERE c.id = s.case_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}
