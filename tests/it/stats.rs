//! Monthly tables T1–T10 end to end: three demo centres export pseudonymised bundles to a
//! coordinator, whose tables are checked cell by cell against counts computed here,
//! independently, from the centres' own records (read through the case API, counted in
//! plain Rust); the centres' own tables equal the coordinator's; consolidation adds up; a
//! purge changes no figure; published tables hide small counts with secondary suppression
//! (also a property test on random tables); the XLSX is read back by Python's openpyxl.

use std::collections::BTreeMap;

use crate::site::{PASS, Site, demo_centre, enrol, site, today};
use atrama::cases::CaseFilter;
use atrama::risk::RiskAssessmentFields;
use atrama::stats::suppress::{self, Grid, Pattern, Suppressed};
use atrama::stats::{StatsQuery, StatsReport, StatsTable, output::ReportFormat};
use atrama::{Country, KdfParams, Mode, Passphrase, Store};
use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;

/// A centre with demo data and a few risk assessments (the demo writes none).
fn centre(code: &str, country: Country, clients: u32, seed: u64) -> Site {
    let mut s = demo_centre(code, country, clients, seed);
    let pack = s.store.instrument("atrama-spj", 1).unwrap();
    let cases = all_cases(&s.store);
    for (k, c) in cases.iter().enumerate().filter(|(k, _)| k % 3 == 0) {
        let case = s.store.case_detail(*c).unwrap().case;
        let yes = [0usize, 4, 9][k % 9 / 3];
        let answers = pack
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                (
                    item.id.clone(),
                    if i < yes { "yes" } else { "no" }.to_owned(),
                )
            })
            .collect();
        s.store
            .record_risk_assessment(
                c.to_owned(),
                &RiskAssessmentFields {
                    instrument_id: "atrama-spj".into(),
                    instrument_version: 1,
                    assessed_on: (case.opened_on + Duration::days(2)).min(today()),
                    answers,
                    override_band: None,
                    override_reason: None,
                },
            )
            .unwrap();
    }
    s
}

pub(crate) fn all_cases(store: &Store) -> Vec<atrama::ids::CaseId> {
    store
        .case_list(&CaseFilter {
            limit: Some(100_000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

/// Three centres (two countries) and their coordinator, every bundle imported.
fn network() -> (Vec<Site>, Site) {
    let mut centres = vec![
        centre("KLP-01", Country::Lt, 40, 3),
        centre("LIE-01", Country::Lv, 40, 5),
        centre("VLN-01", Country::Lt, 25, 7),
    ];
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    for c in &mut centres {
        enrol(c, &mut coord);
        let file = c.dir.parent().unwrap().join("out.atrama");
        c.store.export_bundle("KOORD", &file, None).unwrap();
        let summary = coord.store.import_bundle(&file, false).unwrap();
        assert_eq!(summary.outcome, "applied");
        assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    }
    (centres, coord)
}

const FROM: &str = "2025-12";
const TO: &str = "2026-11";

fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

type Expected = BTreeMap<(String, String, String, String), i64>;

fn bump(e: &mut Expected, part: &str, centre: &str, m: &str, code: &str, v: i64) {
    if (FROM..=TO).contains(&m) && v != 0 {
        *e.entry((part.into(), centre.into(), m.into(), code.into()))
            .or_insert(0) += v;
    }
}

/// T1–T10 counted from a centre's records through the case API, in plain Rust: the
/// independent side of the comparison. Only consenting clients' cases (what a bundle
/// carries) when `consented_only`.
fn expected_of(site: &Site, consented_only: bool, e: &mut Expected) {
    let code = site.store.profile().unwrap().code;
    let months: Vec<String> = {
        let mut v = Vec::new();
        let mut d = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        while d <= today() {
            v.push(month(d));
            d = (d + Duration::days(32)).with_day(1).unwrap();
        }
        v
    };
    let counted: Vec<atrama::cases::CaseDetail> = all_cases(&site.store)
        .into_iter()
        .map(|id| site.store.case_detail(id).unwrap())
        .filter(|d| {
            let consent = d
                .consents
                .iter()
                .filter(|c| c.fields.purpose == "statistics")
                .max_by_key(|c| c.fields.on_date)
                .is_some_and(|c| c.fields.given);
            !consented_only || consent
        })
        .collect();
    for d in &counted {
        let c = &d.case;
        let opened = month(c.opened_on);
        let sex_band = format!("{}|{}", d.client.sex, d.client.age_band);
        bump(e, "T1", &code, &opened, &sex_band, 1);
        bump(e, "T5a", &code, &opened, &c.referral_source, 1);
        bump(e, "T5b", &code, &opened, &c.intake_outcome, 1);
        // Returning: the client has another counted case opened in an earlier month, or in
        // the same month and recorded before (ids are UUIDv7).
        let returning = counted.iter().any(|o| {
            o.case.client_id == c.client_id
                && o.case.id != c.id
                && (month(o.case.opened_on), o.case.id.to_string())
                    < (opened.clone(), c.id.to_string())
        });
        bump(
            e,
            "T5c",
            &code,
            &opened,
            if returning { "returning" } else { "new" },
            1,
        );
        for i in &d.incidents {
            for f in &i.fields.violence_forms {
                bump(e, "T2a", &code, &opened, f, 1);
            }
            bump(e, "T2b", &code, &opened, &i.gbvims_type, 1);
            for p in &i.fields.perpetrators {
                bump(e, "T3", &code, &opened, &p.relationship, 1);
            }
        }
        for ch in &d.children {
            if ch.fields.witnessed == atrama::cases::Tri::Yes {
                bump(e, "T4", &code, &opened, "witnessed", 1);
            }
            if ch.fields.directly_harmed == atrama::cases::Tri::Yes {
                bump(e, "T4", &code, &opened, "directly_harmed", 1);
            }
        }
        for s in &d.service_contacts {
            let m = month(s.fields.on_date);
            bump(e, "T6a", &code, &m, &s.fields.discipline, 1);
            bump(
                e,
                "T6b",
                &code,
                &m,
                &s.fields.discipline,
                i64::from(s.fields.minutes),
            );
        }
        for r in &d.referrals {
            let m = month(r.fields.on_date);
            bump(e, "T7a", &code, &m, &r.fields.agency_type, 1);
            bump(e, "T7b", &code, &m, &r.fields.status, 1);
        }
        for o in &d.protection_orders {
            let f = &o.fields;
            let when = f
                .decided_on
                .or(f.applied_on)
                .or(f.starts_on)
                .unwrap_or(c.opened_on);
            bump(
                e,
                "T9",
                &code,
                &month(when),
                &format!("{}|{}", f.issuer, f.status),
                1,
            );
        }
        if let (Some(closed), Some(reason)) = (c.closed_on, &c.closure_reason) {
            bump(e, "T10a", &code, &month(closed), reason, 1);
        }
        for a in site.store.risk_history(c.id).unwrap().assessments {
            bump(
                e,
                "T8",
                &code,
                &month(a.assessed_on),
                &format!("{}|{}", a.instrument_id, a.final_band),
                1,
            );
        }
        // Open at the end of month M: opened in M or before, not closed in M or before.
        for (k, m) in months.iter().enumerate() {
            let open = opened <= *m && c.closed_on.is_none_or(|cl| month(cl) > *m);
            if open {
                bump(e, "T10b", &code, m, "open_at_end", 1);
                if let Some(next) = months.get(k + 1) {
                    bump(e, "T10b", &code, next, "open_at_start", 1);
                }
            }
        }
    }
}

fn value(t: &StatsTable, row: usize, col: usize) -> i64 {
    t.cells[row][col].value.unwrap()
}

fn table<'a>(r: &'a StatsReport, id: &str) -> &'a StatsTable {
    r.tables.iter().find(|t| t.id == id).unwrap()
}

/// Every ordinary cell equals the expected count; subtotals (EIGE) are the sum of their
/// group through the crosswalk; every expected count has its row and column.
fn compare(report: &StatsReport, expected: &Expected) {
    let codes = atrama::codes::CodeLists::builtin().unwrap();
    let mut seen = 0usize;
    for t in &report.tables {
        for (i, row) in t.rows.iter().enumerate() {
            let (Some(centre), Some(m)) = (&row.centre, &row.month) else {
                panic!("rows are centre × month here")
            };
            for (j, col) in t.columns.iter().enumerate() {
                let want = if col.subtotal {
                    let cat = col.code.trim_start_matches("eige:");
                    expected
                        .iter()
                        .filter(|((p, c, mm, code), _)| {
                            p == "T3"
                                && c == centre
                                && mm == m
                                && codes.eige_category(code) == Some(cat)
                        })
                        .map(|(_, v)| *v)
                        .sum()
                } else {
                    let key = (t.id.clone(), centre.clone(), m.clone(), col.code.clone());
                    if expected.contains_key(&key) {
                        seen += 1;
                    }
                    expected.get(&key).copied().unwrap_or(0)
                };
                assert_eq!(
                    value(t, i, j),
                    want,
                    "{} {centre} {m} {} ({})",
                    t.id,
                    col.code,
                    col.label
                );
            }
        }
    }
    assert_eq!(
        seen,
        expected.len(),
        "every expected count has a row and a column"
    );
}

fn query() -> StatsQuery {
    StatsQuery::months(FROM, Some(TO))
}

#[test]
fn coordinator_tables_equal_the_centres_records_counted_independently() {
    let (centres, coord) = network();
    let report = coord.store.monthly_tables(&query()).unwrap();
    assert_eq!(
        report
            .centres
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["KLP-01", "LIE-01", "VLN-01"]
    );
    assert_eq!(report.tables.len(), 16);
    assert_eq!(
        table(&report, "T1").rows.len(),
        3 * 12,
        "every centre × month"
    );
    let mut expected = Expected::new();
    for c in &centres {
        expected_of(c, true, &mut expected);
    }
    // The data set is not trivial: every table has counts.
    for part in [
        "T1", "T2a", "T2b", "T3", "T4", "T5a", "T5b", "T5c", "T6a", "T6b", "T7a", "T7b", "T8",
        "T9", "T10a", "T10b",
    ] {
        assert!(
            expected.keys().any(|(p, ..)| p == part),
            "the demo data set has nothing for {part}"
        );
    }
    compare(&report, &expected);

    // T8 columns come from the instrument pack (its bands), T3 subtotals from the EIGE
    // crosswalk, T2b from the GBVIMS list.
    let t8 = table(&report, "T8");
    assert!(t8.columns.iter().any(|c| c.code == "atrama-spj|high"));
    let t3 = table(&report, "T3");
    assert!(
        t3.columns
            .iter()
            .any(|c| c.subtotal && c.code == "eige:ipv")
    );
    assert!(
        table(&report, "T2b")
            .columns
            .iter()
            .any(|c| c.code == "rape")
    );

    // Each centre sees, before export, exactly what the coordinator computes for it.
    for c in &centres {
        let own = c
            .store
            .monthly_tables(&StatsQuery {
                consented_only: true,
                ..query()
            })
            .unwrap();
        assert_centre_rows_equal(&own, &report);
        // Without the consent filter a centre counts every case of its own.
        let all = c.store.monthly_tables(&query()).unwrap();
        let mut every = Expected::new();
        expected_of(c, false, &mut every);
        compare(&all, &every);
    }

    // Filters: a subset of centres, a country.
    let two = coord
        .store
        .monthly_tables(&StatsQuery {
            centres: vec!["vln-01".into(), "KLP-01".into()],
            ..query()
        })
        .unwrap();
    assert_eq!(two.centres.len(), 2);
    let lv = coord
        .store
        .monthly_tables(&StatsQuery {
            country: Some(Country::Lv),
            ..query()
        })
        .unwrap();
    assert_eq!(lv.centres.len(), 1);
    assert_eq!(lv.centres[0].code, "LIE-01");
    let err = coord
        .store
        .monthly_tables(&StatsQuery {
            centres: vec!["NOPE".into()],
            ..query()
        })
        .unwrap_err();
    assert!(err.to_string().contains("KLP-01"), "{err}");
}

/// Every row of a centre's own tables is in the coordinator's report with the same cells.
fn assert_centre_rows_equal(own: &StatsReport, coordinator: &StatsReport) {
    assert!(!own.tables.is_empty());
    for (mine, theirs) in own.tables.iter().zip(&coordinator.tables) {
        assert_eq!(mine.id, theirs.id);
        assert_eq!(mine.columns, theirs.columns, "{}", mine.id);
        for (i, row) in mine.rows.iter().enumerate() {
            let k = theirs
                .rows
                .iter()
                .position(|r| r == row)
                .expect("the coordinator has the centre's row");
            assert_eq!(
                mine.cells[i], theirs.cells[k],
                "{} {:?} {:?}",
                mine.id, row.centre, row.month
            );
        }
    }
}

/// A centre whose agreement says "statistics": after one pseudonymised bundle, it switches;
/// its next bundles carry its monthly counts of every case and not one record; the
/// coordinator drops the replicas the earlier agreement left, shows exactly the centre's own
/// tables, and a late older bundle never overwrites a newer one.
#[test]
fn a_statistics_level_centre_sends_its_tables_and_no_record() {
    let mut lie = centre("LIE-01", Country::Lv, 40, 5);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut lie, &mut coord);
    let dir = lie.dir.parent().unwrap().to_owned();
    let replicas = |coord: &Site| -> i64 {
        coord
            .store
            .case_list(&CaseFilter {
                limit: Some(100_000),
                ..CaseFilter::default()
            })
            .unwrap()
            .len() as i64
    };

    let first = dir.join("1.atrama");
    lie.store.export_bundle("KOORD", &first, None).unwrap();
    coord.store.import_bundle(&first, false).unwrap();
    let shared = replicas(&coord);
    assert!(shared > 0, "the pseudonymised bundle carried cases");

    // Only someone who may enrol peers sets the level, only to a known level, only at a
    // centre.
    let err = lie.store.set_sharing("KOORD", "everything").unwrap_err();
    assert!(err.to_string().contains("statistics"), "{err}");
    let err = coord.store.set_sharing("LIE-01", "statistics").unwrap_err();
    assert!(err.to_string().contains("at the centre"), "{err}");
    lie.store.set_sharing("KOORD", "statistics").unwrap();
    let status = lie.store.sync_status().unwrap();
    assert_eq!(status[0].sharing, "statistics");

    let preview = lie.store.export_preview("KOORD").unwrap();
    assert_eq!(preview.sharing, "statistics");
    assert!(preview.counts["monthly_counts"] > 50, "{preview:?}");
    assert!(preview.withheld["client"].contains(&"pseudonym".to_owned()));
    let older = dir.join("2.atrama");
    lie.store.export_bundle("KOORD", &older, None).unwrap();

    // A change at the centre after that bundle: a service contact this month.
    let cases = all_cases(&lie.store);
    let contact = atrama::cases::ServiceContactFields {
        on_date: today(),
        discipline: "social_work".into(),
        mode: "in_person".into(),
        minutes: 45,
        is_group: false,
        staff: None,
    };
    assert!(
        cases.iter().any(|c| lie
            .store
            .batch(|b| b.log_service_contact(*c, &contact))
            .is_ok()),
        "some demo case is open"
    );
    let newer = dir.join("3.atrama");
    lie.store.export_bundle("KOORD", &newer, None).unwrap();

    // The payload holds counts only.
    let payload = coord.store.read_bundle_payload(&newer).unwrap();
    assert!(payload.lines().any(|l| l.contains(r#""type":"stat""#)));
    assert!(!payload.contains(r#""type":"record""#));
    assert!(!payload.contains("LIE-01:"), "no pseudonym leaves");

    // The newer bundle first: the replicas go, the months are set.
    let s = coord.store.import_bundle(&newer, false).unwrap();
    assert_eq!(s.outcome, "applied");
    assert_eq!(s.withdrawn, shared as u64, "{s:?}");
    assert!(s.tables["monthly_counts"].new > 10, "{s:?}");
    assert_eq!(replicas(&coord), 0);
    // The older one afterwards changes nothing.
    let s = coord.store.import_bundle(&older, false).unwrap();
    let months = &s.tables["monthly_counts"];
    assert_eq!((months.new, months.updated), (0, 0), "{s:?}");
    assert!(months.unchanged > 10);

    // The coordinator's tables for the centre are the centre's own, over every case.
    let own = lie.store.monthly_tables(&query()).unwrap();
    let theirs = coord.store.monthly_tables(&query()).unwrap();
    assert_eq!(theirs.centres.len(), 1);
    assert_centre_rows_equal(&own, &theirs);
    let t6 = table(&theirs, "T6a");
    assert!(t6.cells.iter().flatten().any(|c| c.value > Some(0)));
}

#[test]
fn consolidated_rows_add_up_and_caseload_spans_the_period() {
    let (_centres, coord) = network();
    let full = coord.store.monthly_tables(&query()).unwrap();
    let by_month = coord
        .store
        .monthly_tables(&StatsQuery {
            by_centre: false,
            ..query()
        })
        .unwrap();
    let whole = coord
        .store
        .monthly_tables(&StatsQuery {
            by_centre: false,
            by_month: false,
            ..query()
        })
        .unwrap();
    assert_eq!(whole.tables[0].rows.len(), 1);
    for ((f, m), w) in full.tables.iter().zip(&by_month.tables).zip(&whole.tables) {
        assert_eq!(m.rows.len(), 12);
        for (j, _) in f.columns.iter().enumerate() {
            if f.id == "T10b" {
                continue;
            }
            let mut period = 0;
            for (i, row) in m.rows.iter().enumerate() {
                let sum: i64 = f
                    .rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.month == row.month)
                    .map(|(k, _)| value(f, k, j))
                    .sum();
                assert_eq!(value(m, i, j), sum, "{} {:?}", f.id, row.month);
                period += sum;
            }
            assert_eq!(value(w, 0, j), period, "{}", f.id);
            // The consolidated totals row is the same figure.
            assert_eq!(f.column_totals.as_ref().unwrap()[j].value, Some(period));
        }
    }
    // Caseload: the whole period starts where its first month starts and ends where its
    // last month ends; a month starts with what the month before ended with.
    let t = table(&by_month, "T10b");
    let w = table(&whole, "T10b");
    assert_eq!(value(w, 0, 0), value(t, 0, 0));
    assert_eq!(value(w, 0, 1), value(t, 11, 1));
    for i in 1..12 {
        assert_eq!(value(t, i, 0), value(t, i - 1, 1));
    }
    assert!(value(t, 11, 1) > 0);
    assert!(
        t.column_totals.is_none(),
        "caseloads do not add over months"
    );
}

/// The suppression pattern of a published table, read off its cells.
fn pattern_of(t: &StatsTable) -> Pattern {
    let marks = |cells: &[atrama::stats::StatsCell]| -> Vec<Option<Suppressed>> {
        cells.iter().map(|c| c.suppressed).collect()
    };
    Pattern {
        cells: t.cells.iter().map(|r| marks(r)).collect(),
        row_totals: t.row_totals.as_deref().map(marks).unwrap_or_default(),
        column_totals: t.column_totals.as_deref().map(marks).unwrap_or_default(),
        total: t.total.and_then(|c| c.suppressed),
    }
}

fn grid_of(t: &StatsTable) -> Grid {
    let members: Vec<Option<Vec<usize>>> = t
        .columns
        .iter()
        .map(|c| {
            c.subtotal.then(|| {
                t.columns
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| !o.subtotal && o.group_code == c.group_code)
                    .map(|(j, _)| j)
                    .collect()
            })
        })
        .collect();
    Grid {
        cells: t
            .cells
            .iter()
            .map(|r| r.iter().map(|c| c.value.unwrap()).collect())
            .collect(),
        subtotals: members,
        row_totals: t.row_totals.is_some(),
        column_totals: t.column_totals.is_some(),
    }
}

/// The views a coordinator publishes: each centre for the whole period, or all centres by
/// month (issue 20: never one centre's months).
fn by_centre_whole() -> StatsQuery {
    StatsQuery {
        by_month: false,
        ..query()
    }
}

/// A by-centre report of some of the centres prints no column totals: their sum is a figure
/// of no publishable view, and subtracted from all centres' it would give the rest away.
#[test]
fn a_published_selection_of_centres_has_no_column_totals() {
    let (_centres, coord) = network();
    let some = StatsQuery {
        by_month: false,
        centres: vec!["KLP-01".into(), "LIE-01".into()],
        ..query()
    };
    let exact = coord.store.monthly_tables(&some).unwrap();
    assert!(
        table(&exact, "T1").column_totals.is_some(),
        "the screen shows them"
    );
    let published = coord.store.published_tables(&some, true).unwrap();
    assert_eq!(published.tables.len(), exact.tables.len());
    for t in &published.tables {
        assert!(
            t.column_totals.is_none() && t.total.is_none(),
            "{} prints totals",
            t.id
        );
    }
    // Every centre: the totals are all centres' whole period, and are printed.
    let all = coord
        .store
        .published_tables(&by_centre_whole(), true)
        .unwrap();
    assert!(table(&all, "T1").column_totals.is_some());
}

#[test]
fn a_coordinator_does_not_publish_one_centres_months() {
    let (_centres, coord) = network();
    let err = coord.store.published_tables(&query(), true).unwrap_err();
    assert!(err.to_string().contains("not one centre's months"), "{err}");
    // A consolidated view of a selection that is not all centres nor one country's could
    // be subtracted from another selection's: refused.
    let q = StatsQuery {
        by_centre: false,
        centres: vec!["KLP-01".into()],
        ..query()
    };
    let err = coord.store.published_tables(&q, true).unwrap_err();
    assert!(
        err.to_string().contains("publish this selection by centre"),
        "{err}"
    );
}

#[test]
fn published_tables_hide_small_counts_and_none_can_be_recovered_by_subtraction() {
    let (_centres, mut coord) = network();
    let exact = coord.store.monthly_tables(&by_centre_whole()).unwrap();
    let published = coord
        .store
        .published_tables(&by_centre_whole(), true)
        .unwrap();
    assert!(exact.disclosure.is_none());
    let d = published.disclosure.as_ref().unwrap();
    assert!(d.codes_only && d.rule.contains("secondary suppression"));
    assert!(published.centres.iter().all(|c| c.name.is_empty()));
    let mut suppressed = 0;
    for (e, p) in exact.tables.iter().zip(&published.tables) {
        let cells = p
            .cells
            .iter()
            .flatten()
            .chain(p.row_totals.iter().flatten())
            .chain(p.column_totals.iter().flatten())
            .chain(p.total.iter());
        for c in cells {
            match (c.value, c.suppressed) {
                (Some(v), None) => assert!(!(1..=4).contains(&v), "{} publishes {v}", p.id),
                (None, Some(_)) => suppressed += 1,
                other => panic!("{}: a cell is {other:?}", p.id),
            }
        }
        // Published values are the exact ones where shown.
        for (er, pr) in e.cells.iter().zip(&p.cells) {
            for (ec, pc) in er.iter().zip(pr) {
                if pc.value.is_some() {
                    assert_eq!(ec, pc);
                }
            }
        }
        suppress::check(&grid_of(e), &pattern_of(p), 5)
            .unwrap_or_else(|why| panic!("{}: {why}", p.id));
    }
    assert!(suppressed > 0, "the demo months have small counts");
    // T6b (hours) is hidden exactly where T6a (contacts) is.
    assert_eq!(
        pattern_of(table(&published, "T6a")),
        pattern_of(table(&published, "T6b"))
    );
    // Row totals shared by T1 and T5 are suppressed alike.
    let rt = |id: &str| {
        table(&published, id)
            .row_totals
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.suppressed.is_some())
            .collect::<Vec<_>>()
    };
    assert_eq!(rt("T1"), rt("T5a"));
    assert_eq!(rt("T1"), rt("T5b"));
    assert_eq!(rt("T7a"), rt("T7b"));

    // A CSV for publication: BOM, every table, "<5" and no centre names.
    let csv_path = coord.dir.parent().unwrap().join("report.csv");
    coord
        .store
        .write_monthly_report(&by_centre_whole(), ReportFormat::Csv, &csv_path, true)
        .unwrap();
    let bytes = std::fs::read(&csv_path).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes).unwrap();
    for t in &published.tables {
        assert!(
            text.contains(&format!("\r\n{},{}", t.id, t.title)),
            "{}",
            t.id
        );
    }
    assert!(text.contains("<5"));
    assert!(!text.contains("test site"), "codes only");
    // The export is in the access log.
    let log = coord.store.access_log(10).unwrap();
    assert!(
        log.iter().any(|e| e
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("monthly report"))),
        "{log:?}"
    );
}

#[test]
fn the_xlsx_workbook_reads_back_in_openpyxl() {
    let (_centres, mut coord) = network();
    let path = coord.dir.parent().unwrap().join("report.xlsx");
    let q = StatsQuery {
        from: "2026-09".into(),
        to: Some("2026-11".into()),
        by_centre: false,
        ..query()
    };
    let published = coord
        .store
        .write_monthly_report(&q, ReportFormat::Xlsx, &path, false)
        .unwrap();
    let v = read_workbook(&path);
    let sheets: Vec<&str> = v["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        sheets,
        [
            "About", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10"
        ]
    );
    let about = v["cells"]["About"].as_array().unwrap();
    let meta = |k: &str| -> String {
        about
            .iter()
            .find(|r| r[0] == k)
            .map(|r| r[1].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(meta("Period"), "2026-09 to 2026-11");
    assert!(meta("Centres").contains("KLP-01 (KLP-01 test site)"));
    assert!(meta("Suppression").contains("<5"));
    assert!(meta("Generated").starts_with("20"));

    // T6: the contacts block, row by row, as published (numbers or "<5"), and the hours.
    let t6 = v["cells"]["T6"].as_array().unwrap();
    assert_eq!(t6[0][0], "T6a Service contacts by discipline");
    assert_eq!(t6[2][0], "Centre");
    assert_eq!(t6[2][3], "Social work");
    let t6a = table(&published, "T6a");
    for (i, row) in t6a.rows.iter().enumerate() {
        let line = &t6[3 + i];
        assert_eq!(row.centre, None);
        assert_eq!(line[0].as_str(), Some("All centres"));
        assert_eq!(line[2].as_str(), row.month.as_deref());
        for (j, c) in t6a.cells[i].iter().enumerate() {
            match (c.value, c.suppressed) {
                (Some(n), _) => assert_eq!(line[3 + j].as_f64(), Some(n as f64), "T6a {i} {j}"),
                (None, Some(atrama::stats::Suppressed::Primary)) => assert_eq!(line[3 + j], "<5"),
                (None, _) => assert_eq!(line[3 + j], "x"),
            }
        }
    }
    let hours_at = 3 + t6a.rows.len() + 2;
    assert_eq!(t6[hours_at][0], "T6b Hours of service by discipline");
    let t6b = table(&published, "T6b");
    if let Some(m) = t6b.cells[0][0].value {
        let got = t6[hours_at + 3][3].as_f64().unwrap();
        assert!((got - m as f64 / 60.0).abs() < 1e-9);
    }
    // T10 holds both parts.
    let t10 = v["cells"]["T10"].as_array().unwrap();
    assert!(
        t10.iter()
            .any(|r| r[0] == "T10b Caseload at the start and end of the month")
    );
}

#[test]
fn a_purge_changes_no_monthly_figure() {
    let mut c = centre("KLP-01", Country::Lt, 40, 11);
    let q = StatsQuery::months("2025-11", Some("2026-11"));
    let before = c.store.monthly_tables(&q).unwrap();
    c.store
        .set_retention_policy(atrama::admin::RetentionPolicy {
            closed_case_years: Some(1),
            document_years: None,
        })
        .unwrap();
    let report = c
        .store
        .purge(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap())
        .unwrap();
    assert!(report.cases > 5, "{report:?}");
    let archived = c.store.archived_statistics().unwrap();
    assert!(archived.iter().any(|a| a.measure == "t8_risk_assessments"));
    let after = c.store.monthly_tables(&q).unwrap();
    for (b, a) in before.tables.iter().zip(&after.tables) {
        assert_eq!(b.columns, a.columns, "{}", b.id);
        assert_eq!(b.cells, a.cells, "{}", b.id);
        assert_eq!(b.column_totals, a.column_totals, "{}", b.id);
    }
}

#[test]
fn counsellors_do_not_see_statistics() {
    let mut s = site("KLP-01", Country::Lt, Mode::Centre);
    s.store
        .add_staff(
            "rasa",
            atrama::Role::Counsellor,
            &["social_work".to_owned()],
            &Passphrase::new("another passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    let rasa = Store::dangerously_unlock_without_lock(
        &s.dir,
        "rasa",
        &Passphrase::new("another passphrase"),
    )
    .unwrap();
    let err = rasa.monthly_tables(&query()).unwrap_err();
    assert_eq!(err.code(), atrama::ErrorCode::NotAllowed);
    // The administrator may; an empty store gives zeros, not an error.
    let r = s.store.monthly_tables(&query()).unwrap();
    assert!(
        r.tables
            .iter()
            .all(|t| t.cells.iter().flatten().all(|c| c.value == Some(0)))
    );
}

#[test]
fn the_cli_writes_a_published_csv_and_shows_exact_tables() {
    let c = centre("KLP-01", Country::Lt, 20, 13);
    let store = c.dir.clone();
    let out = c.dir.parent().unwrap().join("monthly.csv");
    let env = [("ATRAMA_PASSPHRASE", PASS), ("ATRAMA_USER", "ona")];
    drop(c.store);
    let run = crate::cli::atrama(
        &store,
        &[
            "report",
            "monthly",
            "--period",
            "2026-06",
            "--to",
            "2026-11",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(run.status.code(), Some(0), "{}", crate::cli::stderr(&run));
    assert!(crate::cli::stdout(&run).contains("small counts suppressed"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("T10b,Caseload"));
    let show = crate::cli::atrama(
        &store,
        &["--json", "report", "show", "--period", "2026-11"],
        &env,
    );
    assert_eq!(show.status.code(), Some(0), "{}", crate::cli::stderr(&show));
    let r: StatsReport = serde_json::from_slice(&show.stdout).unwrap();
    assert!(r.disclosure.is_none());
    assert_eq!(r.tables.len(), 16);
    let bad = crate::cli::atrama(
        &store,
        &[
            "report", "monthly", "--period", "2026-13", "--format", "csv", "--out", "x.csv",
        ],
        &env,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(crate::cli::stderr(&bad).contains("YYYY-MM"));
    let _ = c.tmp;
}

/// Random tables with many small counts and zeros: shape, totals and a subtotal group.
fn random_grid() -> impl Strategy<Value = Grid> {
    (
        1usize..7,
        1usize..7,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(|(rows, cols, row_totals, column_totals, with_subtotal)| {
            let cell = prop_oneof![4 => Just(0i64), 5 => 1i64..5, 3 => 5i64..40];
            (
                proptest::collection::vec(proptest::collection::vec(cell, cols), rows),
                Just((row_totals, column_totals, with_subtotal && cols >= 2)),
            )
                .prop_map(move |(mut cells, (row_totals, column_totals, sub))| {
                    let mut subtotals = vec![None; cols];
                    if sub {
                        // The first two columns form a group; its subtotal goes last.
                        for row in &mut cells {
                            let s = row[0] + row[1];
                            row.push(s);
                        }
                        subtotals.push(Some(vec![0, 1]));
                    }
                    Grid {
                        cells,
                        subtotals,
                        row_totals,
                        column_totals,
                    }
                })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// No published count is 1–4, and every row, column and group with a suppressed
    /// position has at least two (so none is recovered by subtracting from a total).
    #[test]
    fn suppression_leaves_no_small_count_and_nothing_recoverable(g in random_grid()) {
        let p = suppress::suppress(&g, 5);
        prop_assert!(suppress::check(&g, &p, 5).is_ok(), "{:?}", suppress::check(&g, &p, 5));
        // Suppression is never wasted on a table with no small count.
        let small = g.cells.iter().flatten().any(|&v| (1..5).contains(&v))
            || (g.row_totals && g.row_sums().iter().any(|&v| (1..5).contains(&v)))
            || (g.column_totals && g.column_sums().iter().any(|&v| (1..5).contains(&v)));
        let any = p.cells.iter().flatten().any(Option::is_some)
            || p.row_totals.iter().any(Option::is_some)
            || p.column_totals.iter().any(Option::is_some)
            || p.total.is_some();
        prop_assert_eq!(small, any);
    }

    /// Two tables sharing their row totals (as T7a and T7b do) are each safe and suppress
    /// the same row totals.
    #[test]
    fn linked_tables_are_safe_together(g in random_grid(), split in proptest::collection::vec(0u32..100, 6)) {
        let a = Grid { row_totals: true, column_totals: true, ..g };
        let sums = a.row_sums();
        let b = Grid {
            cells: sums
                .iter()
                .zip(split.iter().cycle())
                .map(|(&s, &x)| {
                    let left = s * i64::from(x) / 100;
                    vec![left, s - left]
                })
                .collect(),
            subtotals: vec![None, None],
            row_totals: true,
            column_totals: true,
        };
        let ps = suppress::suppress_linked(&[&a, &b], 5);
        prop_assert!(suppress::check(&a, &ps[0], 5).is_ok());
        prop_assert!(suppress::check(&b, &ps[1], 5).is_ok());
        let marks = |p: &Pattern| p.row_totals.iter().map(Option::is_some).collect::<Vec<_>>();
        prop_assert_eq!(marks(&ps[0]), marks(&ps[1]));
        prop_assert_eq!(ps[0].total.is_some(), ps[1].total.is_some());
    }
}

/// A workbook as Python's openpyxl reads it (an independent reader): its sheet names and
/// every sheet's cell values, as JSON (`{"sheets": [...], "cells": {sheet: rows}}`).
pub(crate) fn read_workbook(path: &std::path::Path) -> serde_json::Value {
    let script = r#"
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
out = {"sheets": wb.sheetnames, "cells": {}}
for name in wb.sheetnames:
    out["cells"][name] = [[c for c in row] for row in wb[name].iter_rows(values_only=True)]
print(json.dumps(out, default=str))
"#;
    let run = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 runs (scripts/install-deps.sh installs it with openpyxl)");
    assert!(
        run.status.success(),
        "openpyxl could not read the workbook (is openpyxl installed? scripts/install-deps.sh): {}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).unwrap()
}
