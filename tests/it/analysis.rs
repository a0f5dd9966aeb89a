//! The joint case analysis end to end, through real stores and real bundles: the
//! coordinator's template goes to the centres in return bundles (a stale version never
//! replaces a newer one), the centres fill it for closed cases from forms pre-filled by the
//! core, the completed analyses travel back only for consenting clients, and the
//! coordinator's comparative table is checked against medians worked out by hand on the
//! seed below; the XLSX is read back by openpyxl and the CLI writes it too.

use std::path::PathBuf;

use crate::site::{PASS, Site, enrol, site};
use atrama::analysis::{
    AnswerInput, CompareQuery, CompleteAnalysis, GroupBy, IdentifierKind, template,
};
use atrama::cases::{
    CaseFields, ClientFields, ConsentFields, NewCase, ProtectionOrderFields, ServiceContactFields,
};
use atrama::ids::CaseId;
use atrama::{Country, Mode, Store};
use chrono::{Datelike, Duration, NaiveDate};

fn file(s: &Site, name: &str) -> PathBuf {
    s.dir.parent().unwrap().join(name)
}

/// One seeded case: days are counted from the opening day (the police notification, when
/// there is one, arrives that day).
struct Seed {
    police: bool,
    /// Days from opening to the first service contact.
    first_contact: i64,
    /// Days from opening to closure.
    closed: i64,
    /// Protection order status, if any.
    order: Option<&'static str>,
    /// Extra service contacts (discipline) after the first (social work).
    extra: &'static [&'static str],
    consent: bool,
}

const fn seed(
    police: bool,
    first_contact: i64,
    closed: i64,
    order: Option<&'static str>,
    extra: &'static [&'static str],
    consent: bool,
) -> Seed {
    Seed {
        police,
        first_contact,
        closed,
        order,
        extra,
        consent,
    }
}

/// KLP-01: the consenting cases give police → first contact 1, 3, 2 (median 2), support
/// 30, 60, 90 (median 60), orders granted in 2 of 3. Case 4 has no consent: if it leaked,
/// the support median would be 52.5 and the order share 2/4.
const KLP: [Seed; 4] = [
    seed(true, 1, 30, Some("granted"), &["legal"], true),
    seed(true, 3, 60, None, &[], true),
    seed(true, 2, 90, Some("granted"), &["legal"], true),
    seed(false, 0, 45, None, &[], false),
];
/// LIE-01: police → first contact 5, 1, 7 (median 5); support 20, 100, 40, 200 (median
/// (40 + 100) / 2 = 70); an order granted in 1 of 4 and applied for in 2 of 4.
const LIE: [Seed; 4] = [
    seed(true, 5, 20, Some("applied"), &[], true),
    seed(true, 1, 100, Some("granted"), &[], true),
    seed(false, 0, 40, None, &[], true),
    seed(
        true,
        7,
        200,
        None,
        &["psychological", "psychological"],
        true,
    ),
];

fn opened(i: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1).unwrap() + Duration::days(i64::try_from(i).unwrap() * 7)
}

fn seed_cases(s: &mut Site, seeds: &[Seed], family: &str) -> Vec<CaseId> {
    let mut ids = Vec::new();
    for (i, c) in seeds.iter().enumerate() {
        let open = opened(i);
        let id = s
            .store
            .batch(|b| {
                let client = b.create_client(&ClientFields {
                    given_name: Some("Rasa".into()),
                    family_name: Some(family.into()),
                    phone: Some("+370 612 34567".into()),
                    address: Some("Liepų g. 5, Klaipėda".into()),
                    sex: "female".into(),
                    birth_year: Some(1985),
                    ..ClientFields::default()
                })?;
                let case = b.open_case(&NewCase {
                    client_id: client,
                    opened_on: open,
                    fields: CaseFields {
                        referral_source: if c.police { "police" } else { "self" }.into(),
                        police_notified_on: c.police.then_some(open),
                        intake_outcome: "accepted".into(),
                        lead_worker: None,
                        team: vec![],
                        follow_up_on: None,
                    },
                })?;
                b.record_consent(
                    case,
                    &ConsentFields {
                        purpose: "statistics".into(),
                        agency_type: None,
                        given: c.consent,
                        given_by: "self".into(),
                        on_date: open,
                        shared_fields: Vec::new(),
                    },
                )?;
                let contact = |on: NaiveDate, discipline: &str| ServiceContactFields {
                    on_date: on,
                    discipline: discipline.into(),
                    mode: "in_person".into(),
                    minutes: 60,
                    is_group: false,
                    staff: None,
                };
                b.log_service_contact(
                    case,
                    &contact(open + Duration::days(c.first_contact), "social_work"),
                )?;
                for (k, d) in c.extra.iter().enumerate() {
                    let k = i64::try_from(k).unwrap();
                    b.log_service_contact(
                        case,
                        &contact(open + Duration::days(c.first_contact + 1 + k), d),
                    )?;
                }
                if let Some(status) = c.order {
                    b.add_protection_order(
                        case,
                        &ProtectionOrderFields {
                            issuer: "court".into(),
                            order_type: "other".into(),
                            status: status.into(),
                            applied_on: Some(open + Duration::days(2)),
                            decided_on: None,
                            starts_on: None,
                            ends_on: None,
                            breaches: 0,
                        },
                    )?;
                }
                b.close_case(case, open + Duration::days(c.closed), "needs_met")?;
                Ok(case)
            })
            .unwrap();
        ids.push(id);
    }
    ids
}

/// Coordinator KOORD, centres KLP-01 (LT) and LIE-01 (LV), the example template sent in
/// return bundles and imported at both centres.
struct Network {
    coord: Site,
    klp: Site,
    lie: Site,
    klp_cases: Vec<CaseId>,
    lie_cases: Vec<CaseId>,
}

fn send_templates(coord: &mut Site, to: &mut Site, name: &str) -> atrama::sync::ImportSummary {
    let path = file(coord, name);
    let code = to.store.profile().unwrap().code;
    coord.store.export_bundle(&code, &path, None).unwrap();
    to.store.import_bundle(&path, false).unwrap()
}

fn network() -> Network {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = site("KLP-01", Country::Lt, Mode::Centre);
    let mut lie = site("LIE-01", Country::Lv, Mode::Centre);
    enrol(&mut klp, &mut coord);
    enrol(&mut lie, &mut coord);
    let saved = coord
        .store
        .save_analysis_template(&template::example())
        .unwrap();
    assert_eq!(
        (saved.version, saved.outcome.as_str()),
        (template::example().version, "recorded")
    );
    let klp_cases = seed_cases(&mut klp, &KLP, "Petraitienė");
    let lie_cases = seed_cases(&mut lie, &LIE, "Bērziņa");
    for (s, name) in [(&mut klp, "ret-klp.atrama"), (&mut lie, "ret-lie.atrama")] {
        let summary = send_templates(&mut coord, s, name);
        assert_eq!(summary.tables["analysis_template"].new, 1, "{summary:?}");
        assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    }
    Network {
        coord,
        klp,
        lie,
        klp_cases,
        lie_cases,
    }
}

/// Fills the form of a case as a counsellor would: the pre-filled answers kept, the
/// required ones written.
fn complete(s: &mut Site, case: CaseId, lesson: &str) -> atrama::ids::CaseAnalysisId {
    let form = s.store.analysis_form(case, None).unwrap();
    let mut answers = form.answers.clone();
    answers.insert(
        "situation".into(),
        AnswerInput::Text("Violence by a former partner; police came the same day.".into()),
    );
    answers.insert("outcome".into(), AnswerInput::Choice("safe".into()));
    answers.insert("lessons".into(), AnswerInput::Text(lesson.into()));
    s.store
        .complete_analysis(
            case,
            &CompleteAnalysis {
                template_id: form.template.id.clone(),
                template_version: form.template.version,
                answers,
                supersedes: None,
            },
        )
        .unwrap()
}

fn year() -> i32 {
    chrono::Utc::now().year()
}

#[test]
fn the_form_is_prefilled_from_the_case_and_holds_no_identifiers() {
    let mut n = network();
    let case = n.klp_cases[0];
    let form = n.klp.store.analysis_form(case, None).unwrap();
    assert_eq!(form.template.id, "joint-case-analysis");
    assert!(form.shared);
    assert_eq!(form.facts.days_police_to_first_contact, Some(1));
    assert_eq!(form.facts.support_days, Some(30));
    assert_eq!(form.facts.service_contacts, 2);
    assert_eq!(form.facts.contacts_by_discipline["legal"], 1);
    assert!(form.facts.protection_order_granted);
    let kinds: Vec<(i64, &str)> = form
        .facts
        .timeline
        .iter()
        .map(|e| (e.day, e.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (0, "police_notified"),
            (0, "opened"),
            (1, "first_contact"),
            (1, "service_contact"),
            (2, "service_contact"),
            (2, "protection_order"),
            (30, "closed"),
        ]
    );
    assert_eq!(
        form.answers["days_to_first_contact"],
        AnswerInput::Number(1)
    );
    assert_eq!(form.answers["order_granted"], AnswerInput::YesNo(true));
    assert_eq!(
        form.answers["support_period"],
        AnswerInput::Interval {
            from: opened(0),
            to: opened(0) + Duration::days(30)
        }
    );
    assert!(form.prefilled.contains(&"police_notified".to_owned()));
    // No fact carries a date or a name.
    let facts = serde_json::to_string(&form.facts).unwrap();
    assert!(!facts.contains("2025"), "{facts}");
    assert!(!facts.contains("Petraitien"), "{facts}");

    // The client's name, phone or an e-mail in a free-text answer is refused.
    let mut answers = form.answers.clone();
    answers.insert("outcome".into(), AnswerInput::Choice("safe".into()));
    answers.insert(
        "situation".into(),
        AnswerInput::Text("petraitienė was hit; call 612 34567".into()),
    );
    answers.insert(
        "lessons".into(),
        AnswerInput::Text("write to a@b.lt".into()),
    );
    let warnings = n.klp.store.screen_analysis(case, &answers).unwrap();
    let kinds: Vec<(&str, IdentifierKind)> = warnings
        .iter()
        .map(|w| (w.question_id.as_str(), w.kind))
        .collect();
    assert!(kinds.contains(&("situation", IdentifierKind::ClientName)));
    assert!(kinds.contains(&("situation", IdentifierKind::ClientPhone)));
    assert!(kinds.contains(&("lessons", IdentifierKind::Email)));
    let input = CompleteAnalysis {
        template_id: form.template.id.clone(),
        template_version: form.template.version,
        answers,
        supersedes: None,
    };
    let err = n.klp.store.complete_analysis(case, &input).unwrap_err();
    assert!(
        err.to_string().contains("must not identify anyone"),
        "{err}"
    );
    assert!(n.klp.store.case_analyses(case).unwrap().is_empty());

    // A required answer missing is named.
    let mut partial = form.answers.clone();
    partial.insert("situation".into(), AnswerInput::Text("general".into()));
    let err = n
        .klp
        .store
        .complete_analysis(
            case,
            &CompleteAnalysis {
                answers: partial,
                ..input.clone()
            },
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("'outcome' needs an answer"),
        "{err}"
    );

    // An open case cannot be analysed.
    n.klp
        .store
        .batch(|b| b.reopen_case(case, opened(0) + Duration::days(40), None))
        .unwrap();
    let err = n.klp.store.complete_analysis(case, &input).unwrap_err();
    assert!(err.to_string().contains("only a closed case"), "{err}");
}

#[test]
fn template_round_trip_and_comparative_table_on_the_seed() {
    let mut n = network();
    for (i, c) in n.klp_cases.clone().into_iter().enumerate() {
        complete(&mut n.klp, c, &format!("KLP lesson {}", i + 1));
    }
    for (i, c) in n.lie_cases.clone().into_iter().enumerate() {
        complete(&mut n.lie, c, &format!("LIE lesson {}", i + 1));
    }
    // The centres' next bundles.
    let klp_bundle = file(&n.klp, "klp.atrama");
    let preview = n.klp.store.export_preview("KOORD").unwrap();
    assert_eq!(preview.counts["case_analysis"], 3, "{preview:?}");
    assert_eq!(preview.cases_without_consent, 1);
    n.klp
        .store
        .export_bundle("KOORD", &klp_bundle, None)
        .unwrap();
    let lie_bundle = file(&n.lie, "lie.atrama");
    n.lie
        .store
        .export_bundle("KOORD", &lie_bundle, None)
        .unwrap();
    // The case without consent never travels: not its analysis, not its lesson.
    let payload = n.coord.store.read_bundle_payload(&klp_bundle).unwrap();
    // Free-text answers stay at the centre (payload format 2), consent or not.
    assert!(!payload.contains("KLP lesson"), "free text left the centre");
    assert!(!payload.contains(&n.klp_cases[3].to_string()));
    assert!(!payload.contains("Petraitien") && !payload.contains("612 34567"));
    for b in [&klp_bundle, &lie_bundle] {
        let s = n.coord.store.import_bundle(b, false).unwrap();
        assert!(s.rejected.is_empty(), "{:?}", s.rejected);
    }
    let q = CompareQuery {
        year: year(),
        group_by: GroupBy::Centre,
        groups: vec![],
        template_id: None,
        language: Some("en".into()),
    };
    let c = n.coord.store.compare_analyses(&q).unwrap();
    let keys: Vec<&str> = c.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["KLP-01", "LIE-01"]);
    assert_eq!(
        c.groups.iter().map(|g| g.analyses).collect::<Vec<_>>(),
        [3, 4]
    );
    let fig = |key: &str| {
        c.key_figures
            .iter()
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("{key} in {:?}", c.key_figures))
    };
    // Worked out by hand from KLP and LIE above. Day counts leave the centre as distances
    // between the first days of their months (payload format 2): every first contact is in
    // the month of its police notification (0); support KLP: Mar→Mar 0, Mar→May 61,
    // Mar→Jun 92 (median 61); LIE: Mar→Mar 0, Mar→Jun 92, Mar→Apr 31, Mar→Oct 214 (median
    // (31 + 92) / 2 = 61.5).
    assert_eq!(
        fig("median_days_police_to_first_contact").values,
        [Some(0.0), Some(0.0)]
    );
    assert_eq!(fig("median_days_police_to_first_contact").n, [3, 3]);
    assert_eq!(fig("median_support_days").values, [Some(61.0), Some(61.5)]);
    assert_eq!(
        fig("protection_order_share").values,
        [Some(2.0 / 3.0), Some(0.25)]
    );
    assert_eq!(
        fig("protection_order_applied_share").values,
        [Some(2.0 / 3.0), Some(0.5)]
    );
    assert_eq!(
        fig("first_contact_within_one_day_share").values,
        [Some(1.0), Some(1.0)]
    );
    assert_eq!(
        fig("contacts_by_discipline:psychological").values,
        [Some(0.0), Some(2.0)]
    );
    assert_eq!(
        fig("contacts_by_discipline:legal").values,
        [Some(2.0), Some(0.0)]
    );
    // Per question: the pre-filled numbers agree with the (coarsened) facts; free text stays
    // at each centre.
    let q_fig = |key: &str| {
        c.sections
            .iter()
            .flat_map(|s| &s.figures)
            .find(|f| f.key == key)
            .unwrap()
    };
    assert_eq!(
        q_fig("question:days_to_first_contact").values,
        [Some(0.0), Some(0.0)]
    );
    assert_eq!(
        q_fig("question:support_period").values,
        [Some(61.0), Some(61.5)]
    );
    assert_eq!(
        q_fig("question:outcome:safe").values,
        [Some(3.0), Some(4.0)]
    );
    let lessons = c
        .sections
        .iter()
        .flat_map(|s| &s.texts)
        .find(|t| t.question_id == "lessons")
        .unwrap();
    assert!(
        lessons.answers.iter().all(Vec::is_empty),
        "{:?}",
        lessons.answers
    );

    // By country: LT and LV hold the same analyses here.
    let by_country = n
        .coord
        .store
        .compare_analyses(&CompareQuery {
            group_by: GroupBy::Country,
            ..q.clone()
        })
        .unwrap();
    let keys: Vec<&str> = by_country.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["LT", "LV"]);

    // A correction supersedes; the coordinator counts the case once, with the new answer.
    let old = n.lie.store.case_analyses(n.lie_cases[0]).unwrap().remove(0);
    let form = n.lie.store.analysis_form(n.lie_cases[0], None).unwrap();
    assert_eq!(form.current.as_ref().map(|c| c.id), Some(old.id));
    let mut answers = form.answers.clone();
    answers.insert("outcome".into(), AnswerInput::Choice("partly".into()));
    let input = CompleteAnalysis {
        template_id: form.template.id.clone(),
        template_version: form.template.version,
        answers,
        supersedes: None,
    };
    let err = n
        .lie
        .store
        .complete_analysis(n.lie_cases[0], &input)
        .unwrap_err();
    assert!(err.to_string().contains("correct that one"), "{err}");
    n.lie
        .store
        .complete_analysis(
            n.lie_cases[0],
            &CompleteAnalysis {
                supersedes: Some(old.id),
                ..input
            },
        )
        .unwrap();
    let again = file(&n.lie, "lie-2.atrama");
    n.lie.store.export_bundle("KOORD", &again, None).unwrap();
    n.coord.store.import_bundle(&again, false).unwrap();
    let c = n.coord.store.compare_analyses(&q).unwrap();
    assert_eq!(c.groups[1].analyses, 4);
    let outcome = |o: &str| {
        c.sections
            .iter()
            .flat_map(|s| &s.figures)
            .find(|f| f.key == format!("question:outcome:{o}"))
            .unwrap()
            .values[1]
    };
    assert_eq!((outcome("safe"), outcome("partly")), (Some(3.0), Some(1.0)));
}

#[test]
fn a_stale_template_version_never_replaces_a_newer_one() {
    let mut n = network();
    // The next version adds a question; return bundle R2 carries it. R1 (the example's
    // version) was made before and arrives after R2.
    let base = template::example().version;
    let next = base + 1;
    let r1 = file(&n.coord, "r1.atrama");
    n.coord.store.export_bundle("KLP-01", &r1, None).unwrap();
    let mut v2 = template::example();
    v2.version = 0;
    let mut q = v2.sections[5].questions[0].clone();
    q.id = "next_steps".into();
    q.required = false;
    v2.sections[5].questions.push(q);
    let saved = n.coord.store.save_analysis_template(&v2).unwrap();
    assert_eq!(saved.version, next);
    // Saving the next version again is a no-op; an edited older version is refused.
    v2.version = next;
    assert_eq!(
        n.coord.store.save_analysis_template(&v2).unwrap().outcome,
        "unchanged"
    );
    let mut v1 = template::example();
    v1.title.insert("en".into(), "Changed".into());
    let err = n.coord.store.save_analysis_template(&v1).unwrap_err();
    assert!(err.to_string().contains("older than the newest"), "{err}");
    let r2 = file(&n.coord, "r2.atrama");
    n.coord.store.export_bundle("KLP-01", &r2, None).unwrap();
    let s2 = n.klp.store.import_bundle(&r2, false).unwrap();
    assert_eq!(s2.tables["analysis_template"].new, 1);
    let s1 = n.klp.store.import_bundle(&r1, false).unwrap();
    assert_eq!(s1.tables["analysis_template"].unchanged, 1, "{s1:?}");
    let list = n.klp.store.analysis_templates().unwrap();
    let versions: Vec<(u32, bool)> = list.iter().map(|t| (t.version, t.current)).collect();
    assert_eq!(versions, [(next, true), (base, false)]);
    let form = n.klp.store.analysis_form(n.klp_cases[0], None).unwrap();
    assert_eq!(form.template.version, next);
    assert!(form.template.question("next_steps").is_some());
    // A centre cannot define templates.
    let err = n
        .klp
        .store
        .save_analysis_template(&template::example())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("defined by the coordination centre"),
        "{err}"
    );
}

#[test]
fn a_late_older_version_is_recorded_beside_the_newer() {
    // A centre that never had the example's version gets the next version first, then a late
    // bundle with the example's.
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = site("KLP-01", Country::Lt, Mode::Centre);
    enrol(&mut klp, &mut coord);
    coord
        .store
        .save_analysis_template(&template::example())
        .unwrap();
    let r1 = file(&coord, "r1.atrama");
    coord.store.export_bundle("KLP-01", &r1, None).unwrap();
    let mut v2 = template::example();
    v2.version += 1;
    v2.title
        .insert("en".into(), "Joint case analysis, next version".into());
    coord.store.save_analysis_template(&v2).unwrap();
    let r2 = file(&coord, "r2.atrama");
    coord.store.export_bundle("KLP-01", &r2, None).unwrap();
    klp.store.import_bundle(&r2, false).unwrap();
    let s = klp.store.import_bundle(&r1, false).unwrap();
    assert_eq!(s.tables["analysis_template"].new, 1);
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains(&format!("version {} stays the one in use", v2.version))),
        "{:?}",
        s.notes
    );
    let current = klp
        .store
        .analysis_template("joint-case-analysis", None)
        .unwrap();
    assert_eq!(current.version, v2.version);
    assert_eq!(current.title["en"], "Joint case analysis, next version");
}

#[test]
fn the_comparison_workbook_reads_back_in_openpyxl_and_the_cli_writes_it() {
    let mut n = network();
    for (i, c) in n.klp_cases.clone().into_iter().enumerate() {
        complete(&mut n.klp, c, &format!("KLP lesson {}", i + 1));
    }
    for (i, c) in n.lie_cases.clone().into_iter().enumerate() {
        complete(&mut n.lie, c, &format!("LIE lesson {}", i + 1));
    }
    for s in [&mut n.klp, &mut n.lie] {
        let b = file(s, "out.atrama");
        s.store.export_bundle("KOORD", &b, None).unwrap();
        n.coord.store.import_bundle(&b, false).unwrap();
    }
    // The CLI, as a coordinator would script it (the store is closed here first: one
    // process at a time writes a store).
    let path = file(&n.coord, "comparison.xlsx");
    let coord_dir = n.coord.dir.clone();
    let Site {
        tmp: _keep, store, ..
    } = n.coord;
    drop(store);
    let period = year().to_string();
    let out = super::cli::atrama(
        &coord_dir,
        &[
            "analysis",
            "export",
            "--period",
            &period,
            "--format",
            "xlsx",
            "--out",
            path.to_str().unwrap(),
        ],
        &[("ATRAMA_PASSPHRASE", PASS), ("ATRAMA_USER", "ona")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", super::cli::stderr(&out));
    assert!(super::cli::stdout(&out).contains("KLP-01 (3), LIE-01 (4)"));
    let v = super::stats::read_workbook(&path);
    let sheets: Vec<&str> = v["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        sheets,
        [
            "About",
            "Key figures",
            "1 What happened",
            "2 Agencies and response time",
            "3 Protection measures",
            "4 Barriers met",
            "5 Outcome",
            "6 Lessons"
        ]
    );
    let rows = |sheet: &str| v["cells"][sheet].as_array().unwrap().clone();
    let row = |sheet: &str, label: &str| {
        rows(sheet)
            .into_iter()
            .find(|r| r[0].as_str() == Some(label))
            .unwrap_or_else(|| panic!("{label} on {sheet}"))
    };
    let about = rows("About");
    assert!(
        about
            .iter()
            .any(|r| r[0] == "Year" && r[1].as_str() == Some(period.as_str()))
    );
    let median = row(
        "Key figures",
        "Median days from police notification to first contact",
    );
    // Month-start distances (see template_round_trip_and_comparative_table_on_the_seed).
    assert_eq!(median[1].as_f64(), Some(0.0));
    assert_eq!(median[2].as_f64(), Some(3.0)); // n
    assert_eq!(median[3].as_f64(), Some(0.0));
    let support = row("Key figures", "Median duration of support (days)");
    assert_eq!(
        (support[1].as_f64(), support[3].as_f64()),
        (Some(61.0), Some(61.5))
    );
    let lessons: Vec<(String, String)> = rows("6 Lessons")
        .into_iter()
        .filter(|r| r[2].as_str().is_some_and(|t| t.contains("lesson")))
        .map(|r| {
            (
                r[1].as_str().unwrap().to_owned(),
                r[2].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Free-text answers stay at the centres (payload format 2).
    assert!(lessons.is_empty(), "{lessons:?}");

    // Template import and list through the CLI.
    let mut v3 = serde_json::to_value(template::example()).unwrap();
    v3["version"] = 3.into();
    let tpl = coord_dir.parent().unwrap().join("tpl.json");
    std::fs::write(&tpl, v3.to_string()).unwrap();
    let env = [("ATRAMA_PASSPHRASE", PASS), ("ATRAMA_USER", "ona")];
    let out = super::cli::atrama(
        &coord_dir,
        &["analysis", "template", "import", tpl.to_str().unwrap()],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", super::cli::stderr(&out));
    let out = super::cli::atrama(&coord_dir, &["analysis", "template", "list"], &env);
    let text = super::cli::stdout(&out);
    assert!(
        text.contains("joint-case-analysis") && text.contains("v3"),
        "{text}"
    );
    assert!(text.contains("[older version]"), "{text}");
    let out = super::cli::atrama(
        &coord_dir,
        &["analysis", "export", "--period", "26", "--out", "x.xlsx"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(super::cli::stderr(&out).contains("is not a year"));
}

#[test]
fn a_withdrawal_of_consent_removes_the_analysis_at_the_coordinator() {
    let mut n = network();
    let case = n.lie_cases[1];
    complete(&mut n.lie, case, "LIE lesson");
    let b = file(&n.lie, "b1.atrama");
    n.lie.store.export_bundle("KOORD", &b, None).unwrap();
    n.coord.store.import_bundle(&b, false).unwrap();
    // The coordinator knows the case by the id derived for it.
    let at_coord = n
        .lie
        .store
        .recipient_id("KOORD", &case.to_string())
        .unwrap();
    let count = |s: &Store, id: &str| -> i64 {
        s.dangerously_raw_connection()
            .query_row(
                "SELECT count(*) FROM case_analysis WHERE case_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(count(&n.coord.store, &at_coord), 1);
    // The client withdraws consent: the coordinator removes its copy of the case, analysis
    // included.
    n.lie
        .store
        .batch(|b| {
            b.record_consent(
                case,
                &ConsentFields {
                    purpose: "statistics".into(),
                    agency_type: None,
                    given: false,
                    given_by: "self".into(),
                    on_date: opened(1) + Duration::days(150),
                    shared_fields: Vec::new(),
                },
            )
        })
        .unwrap();
    let b = file(&n.lie, "b2.atrama");
    let report = n.lie.store.export_bundle("KOORD", &b, None).unwrap();
    assert_eq!(report.preview.withdrawn, 1);
    n.coord.store.import_bundle(&b, false).unwrap();
    assert_eq!(count(&n.coord.store, &at_coord), 0);
    assert_eq!(count(&n.lie.store, &case.to_string()), 1);
}
