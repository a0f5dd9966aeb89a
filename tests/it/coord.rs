//! The coordination centre's tools: the inbox folder (good, refused, duplicate and
//! non-bundle files, each moved by one rename with a reason file beside the refused), the
//! centres registry and the sync board (sequence gaps, months not covered, overdue with
//! controlled dates), trends and comparison by centre and city (against the T1–T10 tables
//! and against counts made here from the centres' records), yearly targets and their
//! progress, and data quality (checked against the centres' records counted here, with
//! contradictory dates planted through the case API).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::site::{PASS, Site, demo_centre as centre, enrol, site, today};
use atrama::bundle::Period;
use atrama::cases::{CaseFilter, IncidentFields, ServiceContactFields};
use atrama::stats::StatsQuery;
use atrama::stats::measures::{Grouping, Measure, TrendQuery};
use atrama::stats::quality::Check;
use atrama::stats::targets::TargetInput;
use atrama::sync::{CentreUpdate, InboxOutcome};
use atrama::{Country, ErrorCode, KdfParams, Mode, Passphrase, Store};
use chrono::{Duration, NaiveDate, Utc};

fn export(c: &mut Site, name: &str, period: Option<(&str, &str)>) -> PathBuf {
    let file = c.tmp.path().join(name);
    let period = period.map(|(a, b)| Period::months(a, b).unwrap());
    c.store.export_bundle("KOORD", &file, period).unwrap();
    file
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_inbox_imports_good_files_and_moves_every_file_aside_with_a_reason() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = centre("KLP-01", Country::Lt, 8, 3);
    let mut lie = centre("LIE-01", Country::Lv, 8, 5);
    enrol(&mut klp, &mut coord);
    enrol(&mut lie, &mut coord);
    // A stranger's bundle: sealed for another coordinator.
    let mut other = site("KOORD2", Country::Lt, Mode::Coordinator);
    let mut vln = centre("VLN-01", Country::Lt, 4, 7);
    enrol(&mut vln, &mut other);
    let stranger = vln.tmp.path().join("vln.atrama");
    vln.store.export_bundle("KOORD2", &stranger, None).unwrap();

    let inbox = coord.tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let good_klp = export(&mut klp, "klp.atrama", None);
    let good_lie = export(&mut lie, "lie.atrama", None);
    std::fs::copy(&good_klp, inbox.join("a-klp.atrama")).unwrap();
    std::fs::copy(&good_klp, inbox.join("b-klp-copy.atrama")).unwrap(); // duplicate
    std::fs::copy(&good_lie, inbox.join("c-lie.atrama")).unwrap();
    std::fs::copy(&stranger, inbox.join("d-stranger.atrama")).unwrap();
    let mut damaged = std::fs::read(&good_lie).unwrap();
    let n = damaged.len();
    damaged[n / 2] ^= 0x55;
    std::fs::write(inbox.join("e-damaged.atrama"), &damaged).unwrap();
    std::fs::write(inbox.join("notes.txt"), "not a bundle").unwrap();
    std::fs::write(inbox.join(".partial-copy"), "a file still being copied").unwrap();
    let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
    let inode_klp = ino(&inbox.join("a-klp.atrama"));
    let inode_notes = ino(&inbox.join("notes.txt"));
    let bytes_klp = std::fs::read(inbox.join("a-klp.atrama")).unwrap();

    coord.store.set_inbox_folder(Some(&inbox)).unwrap();
    assert_eq!(
        coord.store.inbox_folder().unwrap().as_deref(),
        Some(&*inbox)
    );
    let report = coord.store.run_inbox(None).unwrap().unwrap();
    let outcome = |name: &str| {
        report
            .items
            .iter()
            .find(|i| i.file_name == name)
            .unwrap_or_else(|| panic!("{name} not in {report:#?}"))
    };
    assert_eq!(report.items.len(), 6, "the hidden file is skipped");
    assert_eq!(outcome("a-klp.atrama").outcome, InboxOutcome::Imported);
    assert_eq!(outcome("c-lie.atrama").outcome, InboxOutcome::Imported);
    assert_eq!(
        outcome("b-klp-copy.atrama").outcome,
        InboxOutcome::Duplicate
    );
    assert_eq!(outcome("d-stranger.atrama").outcome, InboxOutcome::Rejected);
    assert_eq!(outcome("e-damaged.atrama").outcome, InboxOutcome::Rejected);
    assert_eq!(outcome("notes.txt").outcome, InboxOutcome::Rejected);

    // Only the hidden file and the two folders are left in the inbox.
    assert_eq!(
        names_in(&inbox),
        vec![".partial-copy", "processed", "rejected"]
    );
    assert_eq!(
        names_in(&inbox.join("processed")),
        vec!["a-klp.atrama", "c-lie.atrama"]
    );
    assert_eq!(
        names_in(&inbox.join("rejected")),
        vec![
            "b-klp-copy.atrama",
            "b-klp-copy.atrama.reason.txt",
            "d-stranger.atrama",
            "d-stranger.atrama.reason.txt",
            "e-damaged.atrama",
            "e-damaged.atrama.reason.txt",
            "notes.txt",
            "notes.txt.reason.txt",
        ]
    );
    // Moved by rename: the same file (inode), whole.
    let moved = inbox.join("processed/a-klp.atrama");
    assert_eq!(ino(&moved), inode_klp);
    assert_eq!(std::fs::read(&moved).unwrap(), bytes_klp);
    assert_eq!(ino(&inbox.join("rejected/notes.txt")), inode_notes);
    // Reasons say why, with the refusal code, and hold nothing from inside the bundle.
    let reason = |name: &str| std::fs::read_to_string(inbox.join("rejected").join(name)).unwrap();
    assert!(reason("d-stranger.atrama.reason.txt").contains("wrong_recipient"));
    assert!(reason("e-damaged.atrama.reason.txt").contains("bundle_damaged"));
    assert!(reason("notes.txt.reason.txt").contains("not an Atrama bundle"));
    assert!(reason("b-klp-copy.atrama.reason.txt").contains("already"));
    for name in names_in(&inbox.join("rejected")) {
        if name.ends_with(".reason.txt") {
            let text = reason(&name);
            assert!(text.len() < 1000, "{name}: {text}");
            assert!(!text.contains("given_name") && !text.contains("KLP-01-20"));
        }
    }
    // The good ones were applied: the board sees them.
    let board = coord.store.sync_board(Utc::now().date_naive()).unwrap();
    let klp_row = board
        .rows
        .iter()
        .find(|r| r.centre.code == "KLP-01")
        .unwrap();
    assert_eq!(klp_row.bundles_received, 1);
    assert_eq!(klp_row.last_sequence, Some(1));

    // A second run finds nothing new; a file dropped again under a taken name is kept apart.
    assert!(
        coord
            .store
            .run_inbox(None)
            .unwrap()
            .unwrap()
            .items
            .is_empty()
    );
    std::fs::write(inbox.join("notes.txt"), "again").unwrap();
    let again = coord.store.run_inbox(Some(&inbox)).unwrap().unwrap();
    assert_eq!(again.items[0].outcome, InboxOutcome::Rejected);
    assert!(inbox.join("rejected/notes (2).txt").is_file());
    assert!(inbox.join("rejected/notes (2).txt.reason.txt").is_file());
    assert_eq!(
        std::fs::read_to_string(inbox.join("rejected/notes.txt")).unwrap(),
        "not a bundle"
    );

    // No folder set: nothing to do; a folder that is not there: a clear error.
    coord.store.set_inbox_folder(None).unwrap();
    assert!(coord.store.run_inbox(None).unwrap().is_none());
    let err = coord
        .store
        .run_inbox(Some(&inbox.join("missing")))
        .unwrap_err();
    assert!(err.to_string().contains("not there"), "{err}");
    let err = coord
        .store
        .set_inbox_folder(Some(Path::new("relative/inbox")))
        .unwrap_err();
    assert!(err.to_string().contains("full path"), "{err}");
}

#[test]
fn the_board_shows_gaps_months_not_covered_and_overdue_centres_by_date() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = centre("KLP-01", Country::Lt, 6, 3);
    let mut lie = centre("LIE-01", Country::Lv, 6, 5);
    enrol(&mut klp, &mut coord);
    enrol(&mut lie, &mut coord);
    // KLP sends #1 (Jan–Feb 2025), #2 (Mar 2025: lost on the way), #3 (Apr 2025).
    let b1 = export(&mut klp, "1.atrama", Some(("2025-01", "2025-02")));
    let _lost = export(&mut klp, "2.atrama", Some(("2025-03", "2025-03")));
    let b3 = export(&mut klp, "3.atrama", Some(("2025-04", "2025-04")));
    coord.store.import_bundle(&b1, false).unwrap();
    coord.store.import_bundle(&b3, false).unwrap();
    // LIE has sent nothing.
    let now = Utc::now().date_naive();
    let board = coord.store.sync_board(now).unwrap();
    assert_eq!(board.rows.len(), 2);
    let row = |b: &atrama::sync::SyncBoard, code: &str| {
        b.rows
            .iter()
            .find(|r| r.centre.code == code)
            .unwrap()
            .clone()
    };
    let k = row(&board, "KLP-01");
    assert_eq!(k.bundles_received, 2);
    assert_eq!(k.last_sequence, Some(3));
    assert_eq!(k.missing_sequences, vec![2]);
    assert_eq!(k.periods, vec!["2025-01 – 2025-02", "2025-04"]);
    let last_complete = {
        let m = atrama::stats::Month::parse(&now.format("%Y-%m").to_string()).unwrap();
        m.prev().code()
    };
    assert_eq!(
        k.months_missing.first().map(String::as_str),
        Some("2025-03")
    );
    assert_eq!(k.months_missing.get(1).map(String::as_str), Some("2025-05"));
    assert_eq!(k.months_missing.last(), Some(&last_complete));
    assert!(!k.months_missing.contains(&"2025-04".to_owned()));
    assert_eq!(k.days_since, 0);
    assert!(!k.overdue);
    let l = row(&board, "LIE-01");
    assert_eq!(l.bundles_received, 0);
    assert!(l.periods.is_empty() && l.months_missing.is_empty());
    assert!(!l.overdue);

    // 35 days on: not yet overdue; 36: overdue (monthly cadence 30 + 5 days' grace).
    let b35 = coord.store.sync_board(now + Duration::days(35)).unwrap();
    assert!(!row(&b35, "KLP-01").overdue);
    assert_eq!(row(&b35, "KLP-01").days_since, 35);
    let b36 = coord.store.sync_board(now + Duration::days(36)).unwrap();
    assert!(row(&b36, "KLP-01").overdue);
    assert!(row(&b36, "LIE-01").overdue, "counted from enrolment");
    assert_eq!(
        row(&b36, "KLP-01").overdue_from,
        (now + Duration::days(36)).to_string()
    );
    // A quarterly cadence for LIE: not overdue at 36 days, overdue after 95.
    let entry = coord
        .store
        .update_centre(&CentreUpdate {
            code: "lie-01".into(),
            region: Some("Kurzeme".into()),
            city: Some("Liepāja".into()),
            cadence_days: Some(90),
        })
        .unwrap();
    assert_eq!(entry.city, "Liepāja");
    assert_eq!(entry.country, Country::Lv);
    let b36 = coord.store.sync_board(now + Duration::days(36)).unwrap();
    assert!(!row(&b36, "LIE-01").overdue);
    assert!(
        row(
            &coord.store.sync_board(now + Duration::days(96)).unwrap(),
            "LIE-01"
        )
        .overdue
    );
    // A newer bundle resets the clock; the gap stays until #2 arrives.
    let b4 = export(&mut klp, "4.atrama", Some(("2025-05", "2025-05")));
    coord.store.import_bundle(&b4, false).unwrap();
    let k = row(&coord.store.sync_board(now).unwrap(), "KLP-01");
    assert_eq!(k.missing_sequences, vec![2]);
    assert_eq!(k.periods, vec!["2025-01 – 2025-02", "2025-04 – 2025-05"]);
}

#[test]
fn the_registry_keeps_region_city_and_cadence_and_refuses_what_is_wrong() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = centre("KLP-01", Country::Lt, 2, 3);
    enrol(&mut klp, &mut coord);
    let list = coord.store.centres().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].cadence_days, 30);
    assert_eq!(list[0].city, "");
    coord
        .store
        .update_centre(&CentreUpdate {
            code: "KLP-01".into(),
            region: Some(" Klaipėdos apskritis ".into()),
            city: Some("Klaipėda".into()),
            cadence_days: None,
        })
        .unwrap();
    // Only what is given changes.
    let e = coord
        .store
        .update_centre(&CentreUpdate {
            code: "KLP-01".into(),
            region: None,
            city: None,
            cadence_days: Some(14),
        })
        .unwrap();
    assert_eq!(
        (e.region.as_str(), e.city.as_str(), e.cadence_days),
        ("Klaipėdos apskritis", "Klaipėda", 14)
    );
    assert_eq!(coord.store.centres().unwrap()[0], e);
    for (update, words) in [
        (
            CentreUpdate {
                code: "KLP-01".into(),
                region: None,
                city: None,
                cadence_days: Some(0),
            },
            "1 to 366",
        ),
        (
            CentreUpdate {
                code: "NOPE-01".into(),
                region: None,
                city: Some("x".into()),
                cadence_days: None,
            },
            "no enrolled centre",
        ),
        (
            CentreUpdate {
                code: "KLP-01".into(),
                region: None,
                city: Some("two\nlines".into()),
                cadence_days: None,
            },
            "one line",
        ),
    ] {
        let err = coord.store.update_centre(&update).unwrap_err();
        assert!(err.to_string().contains(words), "{err}");
    }
    // A centre's store has no registry to edit.
    let err = klp
        .store
        .update_centre(&CentreUpdate {
            code: "KOORD".into(),
            region: None,
            city: Some("Vilnius".into()),
            cadence_days: None,
        })
        .unwrap_err();
    assert!(err.to_string().contains("coordination centre"), "{err}");
    // A counsellor sees none of it.
    coord
        .store
        .add_staff(
            "rasa",
            atrama::Role::Counsellor,
            &[],
            &Passphrase::new("another passphrase for tests"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    // Two people's sessions in one test process: the store lock is per process.
    let rasa = Store::dangerously_unlock_without_lock(
        &coord.dir,
        "rasa",
        &Passphrase::new("another passphrase for tests"),
    )
    .unwrap();
    assert_eq!(rasa.centres().unwrap_err().code(), ErrorCode::NotAllowed);
    assert_eq!(
        rasa.sync_board(today()).unwrap_err().code(),
        ErrorCode::NotAllowed
    );
}

/// Three centres through bundles to a coordinator; KLP and VLN in one city.
fn network() -> (Vec<Site>, Site) {
    let mut centres = vec![
        centre("KLP-01", Country::Lt, 30, 3),
        centre("LIE-01", Country::Lv, 30, 5),
        centre("VLN-01", Country::Lt, 20, 7),
    ];
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    for c in &mut centres {
        enrol(c, &mut coord);
        let file = export(c, "out.atrama", None);
        assert_eq!(
            coord.store.import_bundle(&file, false).unwrap().outcome,
            "applied"
        );
    }
    for (code, city) in [
        ("KLP-01", "Klaipėda"),
        ("LIE-01", "Liepāja"),
        ("VLN-01", "Klaipėda"),
    ] {
        coord
            .store
            .update_centre(&CentreUpdate {
                code: code.into(),
                region: None,
                city: Some(city.into()),
                cadence_days: None,
            })
            .unwrap();
    }
    (centres, coord)
}

/// Women (female clients not aged 0–17) and cases opened per month, counted here from a
/// centre's own records, consenting clients only (what the coordinator holds).
type PerMonth = Vec<(String, i64)>;

fn counted(site: &Site, from: &str, to: &str) -> (PerMonth, PerMonth) {
    let mut women = std::collections::BTreeMap::new();
    let mut cases = std::collections::BTreeMap::new();
    let ids: Vec<_> = site
        .store
        .case_list(&CaseFilter {
            limit: Some(100_000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    for id in ids {
        let d = site.store.case_detail(id).unwrap();
        let consent = d
            .consents
            .iter()
            .filter(|c| c.fields.purpose == "statistics")
            .max_by_key(|c| c.fields.on_date)
            .is_some_and(|c| c.fields.given);
        let m = d.case.opened_on.format("%Y-%m").to_string();
        if !consent || m.as_str() < from || m.as_str() > to {
            continue;
        }
        *cases.entry(m.clone()).or_insert(0) += 1;
        if d.client.sex == "female" && d.client.age_band != "0_17" {
            *women.entry(m).or_insert(0) += 1;
        }
    }
    (women.into_iter().collect(), cases.into_iter().collect())
}

#[test]
fn trends_compare_centres_and_cities_month_by_month_from_the_same_tables() {
    let (centres, coord) = network();
    let (from, to) = ("2026-01", "2026-11");
    let trend = coord
        .store
        .trends(&TrendQuery {
            from: from.into(),
            to: Some(to.into()),
            measures: vec![Measure::Women, Measure::CasesOpened],
            centres: vec!["KLP-01".into(), "LIE-01".into()],
            cities: Vec::new(),
            by: Grouping::Centre,
        })
        .unwrap();
    assert_eq!(trend.months.len(), 11);
    assert_eq!(trend.series.len(), 4);
    for c in &centres[..2] {
        let code = c.store.profile().unwrap().code;
        let (women, cases) = counted(c, from, to);
        for (measure, expected) in [(Measure::Women, women), (Measure::CasesOpened, cases)] {
            let s = trend
                .series
                .iter()
                .find(|s| s.key == code && s.measure == measure)
                .unwrap();
            let mut want = vec![0; 11];
            for (m, n) in &expected {
                want[trend.months.iter().position(|x| x == m).unwrap()] = *n;
            }
            assert_eq!(s.values, want, "{code} {measure:?}");
            assert_eq!(s.total, want.iter().sum::<i64>());
        }
    }
    assert!(trend.series.iter().any(|s| s.total > 0));
    // The same figures as the T1 table.
    let t = coord
        .store
        .monthly_tables(&StatsQuery::months(from, Some(to)))
        .unwrap();
    let t1 = t.tables.iter().find(|t| t.id == "T1").unwrap();
    for (i, r) in t1.rows.iter().enumerate() {
        if r.centre.as_deref() != Some("KLP-01") {
            continue;
        }
        let s = trend
            .series
            .iter()
            .find(|s| s.key == "KLP-01" && s.measure == Measure::CasesOpened)
            .unwrap();
        let k = trend
            .months
            .iter()
            .position(|m| Some(m) == r.month.as_ref())
            .unwrap();
        assert_eq!(Some(s.values[k]), t1.row_totals.as_ref().unwrap()[i].value);
    }

    // Klaipėda (KLP + VLN) vs Liepāja.
    let by_city = coord
        .store
        .trends(&TrendQuery {
            from: from.into(),
            to: Some(to.into()),
            measures: vec![Measure::CasesOpened],
            centres: Vec::new(),
            cities: vec!["Klaipėda".into(), "liepāja".into()],
            by: Grouping::City,
        })
        .unwrap();
    let keys: Vec<&str> = by_city.series.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, vec!["Klaipėda", "Liepāja"]);
    let klaipeda = &by_city.series[0];
    assert_eq!(klaipeda.centres, vec!["KLP-01", "VLN-01"]);
    let per_centre = coord
        .store
        .trends(&TrendQuery {
            from: from.into(),
            to: Some(to.into()),
            measures: vec![Measure::CasesOpened],
            centres: vec!["KLP-01".into(), "VLN-01".into()],
            cities: Vec::new(),
            by: Grouping::Centre,
        })
        .unwrap();
    let summed: Vec<i64> = (0..11)
        .map(|k| per_centre.series.iter().map(|s| s.values[k]).sum())
        .collect();
    assert_eq!(klaipeda.values, summed);
    let err = coord
        .store
        .trends(&TrendQuery {
            from: from.into(),
            to: None,
            measures: vec![Measure::CasesOpened],
            centres: Vec::new(),
            cities: vec!["Rīga".into()],
            by: Grouping::City,
        })
        .unwrap_err();
    assert!(err.to_string().contains("Rīga"), "{err}");
}

#[test]
fn targets_show_progress_to_date_from_the_tables() {
    let (centres, mut coord) = network();
    for (measure, target) in [(Measure::Women, 120), (Measure::ChildrenWitnessed, 40)] {
        coord
            .store
            .set_target(&TargetInput {
                centre: "KLP-01".into(),
                year: 2026,
                measure,
                target: Some(target),
            })
            .unwrap();
    }
    let progress = coord.store.target_progress(2026, today()).unwrap();
    assert_eq!(progress.len(), 2);
    let women = progress
        .iter()
        .find(|p| p.measure == Measure::Women)
        .unwrap();
    let (counted_women, _) = counted(&centres[0], "2026-01", "2026-11");
    let want: i64 = counted_women.iter().map(|(_, n)| n).sum();
    assert!(want > 0);
    assert_eq!(women.actual, want);
    assert_eq!(women.target, 120);
    assert_eq!(women.months_elapsed, 11);
    assert_eq!(women.through.as_deref(), Some("2026-11"));
    assert_eq!(women.expected_to_date, 110);
    assert_eq!(women.percent, u32::try_from(want * 100 / 120).unwrap());
    assert_eq!(women.on_track, want >= 110);
    assert_eq!(women.table, "T1");
    // Children: T4 "witnessed" of the same period.
    let t = coord
        .store
        .monthly_tables(&StatsQuery {
            centres: vec!["KLP-01".into()],
            by_month: false,
            ..StatsQuery::months("2026-01", Some("2026-11"))
        })
        .unwrap();
    let t4 = t.tables.iter().find(|t| t.id == "T4").unwrap();
    let col = t4
        .columns
        .iter()
        .position(|c| c.code == "witnessed")
        .unwrap();
    let children = progress
        .iter()
        .find(|p| p.measure == Measure::ChildrenWitnessed)
        .unwrap();
    assert_eq!(Some(children.actual), t4.cells[0][col].value);
    // A year not started counts nothing; a past year counts all twelve months.
    let future = coord
        .store
        .target_progress(2026, NaiveDate::from_ymd_opt(2025, 6, 1).unwrap())
        .unwrap();
    assert!(
        future
            .iter()
            .all(|p| p.actual == 0 && p.months_elapsed == 0)
    );
    let later = coord
        .store
        .target_progress(2026, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap())
        .unwrap();
    assert!(
        later
            .iter()
            .all(|p| p.months_elapsed == 12 && p.expected_to_date == p.target)
    );
    // Removing one; refusing an unknown centre and a negative target.
    coord
        .store
        .set_target(&TargetInput {
            centre: "KLP-01".into(),
            year: 2026,
            measure: Measure::ChildrenWitnessed,
            target: None,
        })
        .unwrap();
    assert_eq!(coord.store.target_progress(2026, today()).unwrap().len(), 1);
    for (centre, target) in [("NOPE-01", Some(3)), ("KLP-01", Some(-1))] {
        assert!(
            coord
                .store
                .set_target(&TargetInput {
                    centre: centre.into(),
                    year: 2026,
                    measure: Measure::Women,
                    target,
                })
                .is_err()
        );
    }
}

/// The quality checks counted here, case by case, from a store's own records.
fn quality_counted(site: &Site, consented_only: bool) -> (i64, Vec<i64>) {
    let ids: Vec<_> = site
        .store
        .case_list(&CaseFilter {
            limit: Some(100_000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut cases = 0;
    let mut counts = vec![0i64; Check::ALL.len()];
    for id in ids {
        let d = site.store.case_detail(id).unwrap();
        let consent = d
            .consents
            .iter()
            .filter(|c| c.fields.purpose == "statistics")
            .max_by_key(|c| c.fields.on_date)
            .is_some_and(|c| c.fields.given);
        if consented_only && !consent {
            continue;
        }
        cases += 1;
        let c = &d.case;
        let links: Vec<&str> = d
            .incidents
            .iter()
            .flat_map(|i| {
                i.fields
                    .perpetrators
                    .iter()
                    .map(|p| p.relationship.as_str())
            })
            .collect();
        let first = d
            .incidents
            .iter()
            .filter_map(|i| i.fields.occurred_on.or(i.fields.ongoing_since))
            .min();
        let flags = [
            links.is_empty() || links.iter().any(|r| r.is_empty() || *r == "unknown"),
            first.is_none(),
            d.client.age_band == "unknown",
            c.referral_source.is_empty() || c.referral_source == "unknown",
            first.is_some_and(|f| f > c.opened_on + Duration::days(31)),
            c.closed_on.is_some_and(|cl| cl < c.opened_on),
            d.service_contacts
                .iter()
                .any(|s| s.fields.on_date < c.opened_on),
        ];
        for (n, f) in counts.iter_mut().zip(flags) {
            *n += i64::from(f);
        }
    }
    (cases, counts)
}

#[test]
fn data_quality_counts_unknown_fields_and_contradictory_dates_per_centre() {
    let mut klp = centre("KLP-01", Country::Lt, 30, 3);
    // Plant contradictions in three consenting, open cases.
    let ids: Vec<_> = klp
        .store
        .case_list(&CaseFilter {
            limit: Some(1000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut chosen = Vec::new();
    for id in ids {
        let d = klp.store.case_detail(id).unwrap();
        let consent = d
            .consents
            .iter()
            .filter(|c| c.fields.purpose == "statistics")
            .max_by_key(|c| c.fields.on_date)
            .is_some_and(|c| c.fields.given);
        if consent && d.case.status == "open" && !d.incidents.is_empty() {
            chosen.push(d);
        }
        if chosen.len() == 3 {
            break;
        }
    }
    assert_eq!(chosen.len(), 3, "the demo has open consenting cases");
    let (a, b, c) = (&chosen[0], &chosen[1], &chosen[2]);
    klp.store
        .batch(|w| {
            w.log_service_contact(
                a.case.id,
                &ServiceContactFields {
                    on_date: a.case.opened_on - Duration::days(40),
                    discipline: "social_work".into(),
                    mode: "phone".into(),
                    minutes: 20,
                    is_group: false,
                    staff: None,
                },
            )?;
            w.close_case(
                b.case.id,
                b.case.opened_on - Duration::days(40),
                "needs_met",
            )?;
            for i in &c.incidents {
                w.correct_incident(
                    i.id,
                    &IncidentFields {
                        occurred_on: Some(c.case.opened_on + Duration::days(70)),
                        ongoing_since: None,
                        ..i.fields.clone()
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    let q = StatsQuery::months("2025-01", Some("2026-12"));
    // The centre's own store, to the day, against the records counted here.
    let own = klp.store.data_quality(&q).unwrap();
    assert_eq!(own.rows.len(), 1);
    let (cases, counts) = quality_counted(&klp, false);
    assert_eq!(own.rows[0].cases, cases);
    assert_eq!(own.rows[0].counts, counts);
    for check in [
        Check::IncidentAfterOpening,
        Check::ClosedBeforeOpened,
        Check::ContactBeforeOpened,
    ] {
        let k = Check::ALL.iter().position(|x| *x == check).unwrap();
        assert!(counts[k] >= 1, "{check:?} planted");
    }
    assert_eq!(own.total.counts, counts);
    let k = 0;
    let want = (counts[k] as f64 * 1000.0 / cases as f64).round() / 10.0;
    assert!((own.rows[0].percent[k] - want).abs() < 1e-9);

    // At the coordinator (months only, consenting cases only): the field checks agree
    // exactly; the planted date contradictions (40+ days: another month) are all seen.
    let mut lie = centre("LIE-01", Country::Lv, 10, 5);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    for c in [&mut klp, &mut lie] {
        enrol(c, &mut coord);
        let f = export(c, "q.atrama", None);
        coord.store.import_bundle(&f, false).unwrap();
    }
    let at = coord.store.data_quality(&q).unwrap();
    let codes: Vec<_> = at.rows.iter().map(|r| r.centre.clone().unwrap()).collect();
    assert_eq!(codes, vec!["KLP-01", "LIE-01"]);
    let (cases, counts) = quality_counted(&klp, true);
    let row = &at.rows[0];
    assert_eq!(row.cases, cases);
    assert_eq!(row.counts[..4], counts[..4]);
    for (k, (&got, &max)) in row.counts.iter().zip(&counts).enumerate().skip(4) {
        assert!(got >= 1 && got <= max, "{k}: {row:?}");
    }
    assert_eq!(at.total.cases, at.rows.iter().map(|r| r.cases).sum::<i64>());
    // One centre asked for.
    let only = coord
        .store
        .data_quality(&StatsQuery {
            centres: vec!["lie-01".into()],
            ..q.clone()
        })
        .unwrap();
    assert_eq!(only.rows.len(), 1);
    assert_eq!(only.rows[0], at.rows[1]);
}

#[test]
fn the_cli_runs_the_inbox_edits_a_centre_and_shows_the_board() {
    use crate::cli::atrama;
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = centre("KLP-01", Country::Lt, 4, 3);
    enrol(&mut klp, &mut coord);
    let inbox = coord.tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let bundle = export(&mut klp, "klp.atrama", Some(("2026-10", "2026-10")));
    std::fs::copy(&bundle, inbox.join("klp.atrama")).unwrap();
    std::fs::write(inbox.join("note.txt"), "hello").unwrap();
    let dir = coord.dir.clone();
    drop(coord.store);
    let env = [("ATRAMA_PASSPHRASE", PASS)];
    let run = |args: &[&str]| {
        let mut all = vec!["--user", "ona"];
        all.extend_from_slice(args);
        let out = atrama(&dir, &all, &env);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // No folder set and none given: a clear failure (exit 1).
    let out = atrama(&dir, &["--user", "ona", "inbox", "run"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no inbox folder is set"));
    let folder = inbox.display().to_string();
    let text = run(&["inbox", "run", "--folder", &folder]);
    assert!(
        text.contains("klp.atrama: imported from KLP-01 #1"),
        "{text}"
    );
    assert!(text.contains("note.txt: rejected"), "{text}");
    assert!(inbox.join("processed/klp.atrama").is_file());
    assert!(inbox.join("rejected/note.txt.reason.txt").is_file());
    run(&["inbox", "set", &folder]);
    assert_eq!(run(&["inbox", "show"]).trim(), folder);
    run(&[
        "centres",
        "set",
        "KLP-01",
        "--city",
        "Klaipėda",
        "--cadence-days",
        "14",
    ]);
    let list: serde_json::Value =
        serde_json::from_str(&run(&["--json", "centres", "list"])).unwrap();
    assert_eq!(list[0]["city"], "Klaipėda");
    assert_eq!(list[0]["cadence_days"], 14);
    // 14 + 5 days after today: overdue, said in capitals.
    let later = (Utc::now().date_naive() + Duration::days(20)).to_string();
    let board = run(&["centres", "board", "--today", &later]);
    assert!(board.contains("KLP-01       OVERDUE"), "{board}");
    assert!(board.contains("covers: 2026-10"), "{board}");
    run(&[
        "targets",
        "set",
        "--centre",
        "KLP-01",
        "--year",
        "2026",
        "--measure",
        "women",
        "--target",
        "120",
    ]);
    let targets: serde_json::Value =
        serde_json::from_str(&run(&["--json", "targets", "list", "--year", "2026"])).unwrap();
    assert_eq!(targets[0]["target"], 120);
    assert_eq!(targets[0]["measure"], "women");
}
