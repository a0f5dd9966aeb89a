//! The fixture of `scripts/test-warehouse.sh`: three demo centres in two countries (with
//! risk assessments, deleted cases, and corrected service contacts, referrals, risk assessments and
//! incidents — some moved to a date in another year — which the demo does not write) send
//! their pseudonymised bundles to a coordination centre, which exports its replicas as
//! Parquet into `OUT/warehouse` and writes its own monthly tables T1–T10 for `YEAR`, by
//! centre and month with exact counts, to `OUT/atrama-tables.json`: what DuckDB and
//! PostgreSQL must reproduce from the files.
//!
//! `cargo run --example warehouse_fixture -- OUT YEAR` (fictitious data only).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a test fixture stops at the first failure and prints what it wrote"
)]

use std::path::Path;

use atrama::cases::CaseFilter;
use atrama::risk::RiskAssessmentFields;
use atrama::stats::StatsQuery;
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};
use chrono::{Duration, NaiveDate};

fn store(dir: &Path, code: &str, country: Country, mode: Mode) -> Store {
    let centre = NewCentre {
        code: code.into(),
        name: format!("{code} warehouse fixture"),
        country,
        language: Language::En,
        mode,
        admin_user: "ona".into(),
    };
    Store::create(
        &dir.join(code),
        &centre,
        &Passphrase::new("a passphrase for the fixture"),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap()
    .0
}

fn centre(dir: &Path, code: &str, country: Country, clients: u32, seed: u64) -> Store {
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let mut s = store(dir, code, country, Mode::Centre);
    atrama::demo::generate(
        &mut s,
        &atrama::demo::DemoOptions {
            clients,
            months: 30,
            seed,
            today,
        },
    )
    .unwrap();
    let pack = s.instrument("atrama-spj", 1).unwrap();
    let cases: Vec<_> = s
        .case_list(&CaseFilter {
            limit: Some(100_000),
            ..CaseFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    for (k, c) in cases.iter().enumerate() {
        let detail = s.case_detail(*c).unwrap();
        let mut assessment = None;
        if k % 3 == 0 {
            let yes = [0usize, 4, 9][k % 9 / 3];
            let answers = pack
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| (item.id.clone(), if i < yes { "yes" } else { "no" }.into()))
                .collect();
            let f = RiskAssessmentFields {
                instrument_id: "atrama-spj".into(),
                instrument_version: 1,
                assessed_on: (detail.case.opened_on + Duration::days(2)).min(today),
                answers,
                override_band: (k % 6 == 0).then(|| "high".into()),
                override_reason: (k % 6 == 0).then(|| "fixture override".into()),
            };
            assessment = Some((s.record_risk_assessment(*c, &f).unwrap(), f));
        }
        // Every fifth case: its first contact corrected (the old version must not count).
        if k % 5 == 0
            && let Some(first) = detail.service_contacts.first()
        {
            let mut f = first.fields.clone();
            f.minutes += 15;
            f.discipline = "legal".into();
            s.batch(|b| b.correct_service_contact(first.id, &f))
                .unwrap();
        }
        // Every seventh case: a contact, a referral and a risk assessment corrected to a date
        // about a year away (before or after, so across a year's boundary either way) — the
        // current version counts in its own year, the old one nowhere — and an incident
        // corrected to other forms of violence.
        if k % 7 == 0 {
            let days = if k % 2 == 0 { -400 } else { 400 };
            let moved = |d: NaiveDate| (d + Duration::days(days)).min(today);
            if let [_, .., last] = detail.service_contacts.as_slice() {
                let mut f = last.fields.clone();
                f.on_date = moved(f.on_date);
                s.batch(|b| b.correct_service_contact(last.id, &f)).unwrap();
            }
            if let Some(r) = detail.referrals.first() {
                let mut f = r.fields.clone();
                f.on_date = moved(f.on_date);
                s.batch(|b| b.correct_referral(r.id, &f)).unwrap();
            }
            if let Some((id, mut f)) = assessment {
                f.assessed_on = moved(f.assessed_on);
                s.batch(|b| b.correct_risk_assessment(id, &f)).unwrap();
            }
            if let Some(i) = detail.incidents.first() {
                let mut f = i.fields.clone();
                f.violence_forms = vec!["economic".into()];
                s.batch(|b| b.correct_incident(i.id, &f)).unwrap();
            }
        }
        // Every eleventh case: deleted (a tombstone) with its contacts, referrals,
        // assessments and incidents left live — none of them counts any more.
        if k % 11 == 4 {
            s.batch(|b| b.delete(*c)).unwrap();
        }
    }
    s
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().expect("usage: warehouse_fixture OUT YEAR"));
    let year: i32 = args
        .next()
        .expect("usage: warehouse_fixture OUT YEAR")
        .parse()
        .unwrap();
    let stores = out.join("stores");
    std::fs::create_dir_all(&stores).unwrap();
    let mut coord = store(&stores, "KOORD", Country::Lt, Mode::Coordinator);
    for (code, country, clients, seed) in [
        ("KLP-01", Country::Lt, 45, 3),
        ("VLN-01", Country::Lt, 30, 7),
        ("RIX-01", Country::Lv, 35, 5),
    ] {
        let mut c = centre(&stores, code, country, clients, seed);
        let (fa, fb) = (c.enrolment_file().unwrap(), coord.enrolment_file().unwrap());
        let (pa, pb) = (
            c.fingerprint().unwrap().short,
            coord.fingerprint().unwrap().short,
        );
        c.enrol(&fb, &pb).unwrap();
        coord.enrol(&fa, &pa).unwrap();
        let file = stores.join(format!("{code}.atrama"));
        c.export_bundle("KOORD", &file, None).unwrap();
        let summary = coord.import_bundle(&file, false).unwrap();
        assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    }
    let summary = coord.export_parquet(&out.join("warehouse"), None).unwrap();
    let mut q = StatsQuery::months(&format!("{year}-01"), Some(&format!("{year}-12")));
    q.language = Some(Language::En);
    let report = coord.monthly_tables(&q).unwrap();
    std::fs::write(
        out.join("atrama-tables.json"),
        serde_json::to_vec_pretty(&report).unwrap(),
    )
    .unwrap();
    println!(
        "{} rows in {} Parquet files; tables of {year} in {}",
        summary.rows,
        summary.written,
        out.join("atrama-tables.json").display()
    );
}
