//! Risk assessment and safety plans through the core: instrument packs (golden scoring at
//! every band edge, skip logic, weighted and count scoring, invalid packs refused with the
//! problem named), assessments kept with their pack version, overrides, safety-plan
//! versions and reviews, the access log, and what of an assessment leaves in a bundle.

use std::collections::BTreeMap;
use std::path::PathBuf;

use atrama::cases::{ConsentFields, NewCase};
use atrama::ids::CaseId;
use atrama::risk::{RiskAssessmentFields, SafetyPlanFields, Trend};
use atrama::{Country, ErrorCode, KdfParams, Passphrase, Role, Store};
use chrono::NaiveDate;

use crate::case_record::{case_fields, client_fields, store};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/instruments")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn open_case(store: &mut Store) -> CaseId {
    store
        .batch(|b| {
            let client = b.create_client(&client_fields("Rūta", "Jonaitė", "+370 600 00000"))?;
            b.open_case(&NewCase {
                client_id: client,
                opened_on: day("2026-10-01"),
                fields: case_fields("police", None),
            })
        })
        .unwrap()
}

fn assessment(id: &str, version: u32, a: &[(&str, &str)]) -> RiskAssessmentFields {
    RiskAssessmentFields {
        instrument_id: id.into(),
        instrument_version: version,
        assessed_on: day("2026-11-02"),
        answers: answers(a),
        override_band: None,
        override_reason: None,
    }
}

/// `n` "yes" answers to the count fixture's questions.
fn yes(n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| (format!("q{i}"), "yes".to_owned()))
        .collect()
}

#[test]
fn count_scoring_golden_at_every_band_edge() {
    let mut f = store(Country::Lt);
    f.store
        .import_instrument(&fixture("count-v1.json"))
        .unwrap();
    // Bands: standard 0–2, medium 3–4, high 5–6.
    let golden = [
        (0, "standard"),
        (2, "standard"),
        (3, "medium"),
        (4, "medium"),
        (5, "high"),
        (6, "high"),
    ];
    for (n, band) in golden {
        let a: BTreeMap<String, String> = yes(n).into_iter().collect();
        let r = f.store.score_answers("test-count", 1, &a).unwrap();
        assert_eq!((r.score, r.band.as_str()), (n as i64, band), "{n} yes");
    }
    // "No" and "don't know" count nothing.
    let r = f
        .store
        .score_answers(
            "test-count",
            1,
            &answers(&[("q1", "yes"), ("q2", "no"), ("q3", "dont_know")]),
        )
        .unwrap();
    assert_eq!((r.score, r.dont_know, r.answered), (1, 1, 3));
}

/// Answers, expected score, expected band.
type Golden<'a> = (&'a [(&'a str, &'a str)], i64, &'a str);

#[test]
fn weighted_scoring_golden_at_every_band_edge_with_skip_logic() {
    let mut f = store(Country::Lt);
    f.store
        .import_instrument(&fixture("weighted-v1.json"))
        .unwrap();
    // Bands: low 0–4, mid 5–9, high 10–26.
    let golden: &[Golden] = &[
        (&[], 0, "low"),
        (&[("w4", "yes")], 4, "low"),
        (&[("w4", "yes"), ("w1", "yes")], 5, "mid"),
        (&[("w1", "yes"), ("kids", "yes"), ("w8", "yes")], 9, "mid"),
        (&[("w2", "yes"), ("kids", "yes"), ("w8", "yes")], 10, "high"),
        (
            &[("level", "severe"), ("callouts", "3"), ("w1", "yes")],
            10,
            "high",
        ),
        (&[("level", "some"), ("callouts", "1")], 4, "low"),
        (&[("level", "some"), ("callouts", "2")], 5, "mid"),
        // Skip logic: "w8" is asked only when there are children; otherwise it counts
        // nothing even if answered.
        (&[("kids", "no"), ("w8", "yes"), ("w1", "yes")], 1, "low"),
        (&[("w8", "yes")], 0, "low"),
        // Free text never scores.
        (&[("words", "he said he would find me")], 0, "low"),
        (
            &[
                ("w1", "yes"),
                ("w2", "yes"),
                ("w4", "yes"),
                ("kids", "yes"),
                ("w8", "yes"),
                ("level", "severe"),
                ("callouts", "5"),
            ],
            26,
            "high",
        ),
    ];
    for (a, score, band) in golden {
        let r = f
            .store
            .score_answers("test-weighted", 1, &answers(a))
            .unwrap();
        assert_eq!((r.score, r.band.as_str()), (*score, *band), "{a:?}");
    }
    let r = f
        .store
        .score_answers("test-weighted", 1, &answers(&[("kids", "no")]))
        .unwrap();
    assert!(!r.visible.contains(&"w8".to_owned()));
    let r = f
        .store
        .score_answers("test-weighted", 1, &answers(&[("kids", "yes")]))
        .unwrap();
    assert!(r.visible.contains(&"w8".to_owned()));
}

#[test]
fn invalid_packs_are_refused_naming_the_problem() {
    let mut f = store(Country::Lt);
    for (file, needles) in [
        (
            "invalid-duplicate-item.json",
            &["item 'q2'", "duplicate item id"][..],
        ),
        (
            "invalid-band-gap.json",
            &[
                "band gap",
                "'standard' ends at 2",
                "'medium' starts at 4",
                "scores 3 to 3",
            ][..],
        ),
        (
            "invalid-answer-type.json",
            &["item 'q3'", "unknown answer type 'slider'"][..],
        ),
        (
            "invalid-missing-translation.json",
            &[
                "item 'q5'",
                "missing translation for declared language 'lt'",
            ][..],
        ),
    ] {
        let err = f.store.import_instrument(&fixture(file)).expect_err(file);
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{file}");
        let message = err.to_string();
        for needle in needles {
            assert!(message.contains(needle), "{file}: {message}");
        }
    }
    assert!(
        f.store
            .instruments()
            .unwrap()
            .iter()
            .all(|i| !i.id.starts_with("bad-")),
        "no invalid pack was stored"
    );
    let err = f.store.import_instrument("{ not json").unwrap_err();
    assert!(err.to_string().contains("not valid"), "{err}");
}

#[test]
fn an_assessment_keeps_its_score_and_band_after_a_newer_version_is_imported() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    f.store
        .import_instrument(&fixture("count-v1.json"))
        .unwrap();
    let a = assessment("test-count", 1, &[("q1", "yes"), ("q2", "yes")]);
    let id = f.store.record_risk_assessment(case, &a).unwrap();
    let before = f.store.risk_history(case).unwrap().assessments;
    assert_eq!((before[0].score, before[0].band.as_str()), (2, "standard"));

    // Version 2 moves 2 into "medium"; version 1 stays beside it.
    let imported = f
        .store
        .import_instrument(&fixture("count-v2.json"))
        .unwrap();
    assert_eq!(imported.outcome, "imported");
    let list = f.store.instruments().unwrap();
    let versions: Vec<(u32, bool, u32)> = list
        .iter()
        .filter(|i| i.id == "test-count")
        .map(|i| (i.version, i.latest, i.assessments))
        .collect();
    assert_eq!(versions, [(2, true, 0), (1, false, 1)]);
    assert_eq!(
        f.store
            .score_answers("test-count", 2, &a.answers)
            .unwrap()
            .band,
        "medium"
    );

    let after = f.store.risk_history(case).unwrap().assessments;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, id);
    assert_eq!(after[0].instrument_version, 1);
    assert_eq!((after[0].score, after[0].band.as_str()), (2, "standard"));
    assert_eq!(after[0].final_band, "standard");
    assert_eq!(
        f.store.latest_risk(case).unwrap().unwrap().final_band,
        "standard"
    );
    // The old version is still there to show the assessment with.
    assert_eq!(
        f.store.instrument("test-count", 1).unwrap().bands[0].max,
        Some(2)
    );
}

#[test]
fn overrides_need_a_reason_and_follow_the_pack_rule() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    f.store
        .import_instrument(&fixture("count-v1.json"))
        .unwrap();
    let mut a = assessment("test-count", 1, &[("q1", "yes")]);
    a.override_band = Some("high".into());
    let err = f.store.record_risk_assessment(case, &a).unwrap_err();
    assert!(err.to_string().contains("give the reason"), "{err}");
    a.override_reason = Some("   ".into());
    assert!(f.store.record_risk_assessment(case, &a).is_err());
    // test-count lets judgement raise, not lower.
    let mut lower = assessment(
        "test-count",
        1,
        &yes(5)
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    );
    lower.override_band = Some("standard".into());
    lower.override_reason = Some("she has moved away".into());
    let err = f.store.record_risk_assessment(case, &lower).unwrap_err();
    assert!(
        err.to_string().contains("raise the band, not lower"),
        "{err}"
    );
    a.override_band = Some("extreme".into());
    a.override_reason = Some("x".into());
    assert!(
        f.store
            .record_risk_assessment(case, &a)
            .unwrap_err()
            .to_string()
            .contains("'extreme' is not a band")
    );

    a.override_band = Some("high".into());
    a.override_reason = Some("recent threats with a knife, not covered by the items".into());
    f.store.record_risk_assessment(case, &a).unwrap();
    let h = f.store.risk_history(case).unwrap();
    let last = h.assessments.last().unwrap();
    assert_eq!(
        (last.score, last.band.as_str(), last.final_band.as_str()),
        (1, "standard", "high")
    );
    assert_eq!(last.override_band.as_deref(), Some("high"));
    assert_eq!(last.assessor, "ona");
    assert!(f.store.latest_risk(case).unwrap().unwrap().overridden);
    // The built-in checklist lets judgement lower the band too.
    let mut spj = assessment(
        "atrama-spj",
        1,
        &[
            ("strangulation", "yes"),
            ("threats_to_kill", "yes"),
            ("weapons", "yes"),
            ("escalation", "yes"),
            ("stalking", "yes"),
            ("client_fear", "yes"),
            ("separation", "yes"),
            ("police_callouts", "yes"),
            ("substance_misuse", "yes"),
        ],
    );
    spj.assessed_on = day("2026-11-20");
    spj.override_band = Some("medium".into());
    spj.override_reason = Some("the abuser is in custody for two years".into());
    f.store.record_risk_assessment(case, &spj).unwrap();
    let h = f.store.risk_history(case).unwrap();
    let last = h.assessments.last().unwrap();
    assert_eq!((last.score, last.band.as_str()), (12, "high"));
    assert_eq!(last.final_band, "medium");
    assert_eq!((last.level, last.levels), (Some(1), Some(3)));
    // high (2 of 2 in test-count) → medium (1 of 2 in the checklist): down.
    assert_eq!(h.trend, Some(Trend::Down));
}

#[test]
fn the_builtin_checklist_is_kept_in_the_store_once_used() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    let list = f.store.instruments().unwrap();
    let spj = list.iter().find(|i| i.id == "atrama-spj").unwrap();
    assert!(spj.builtin && spj.imported_at.is_none());
    f.store
        .record_risk_assessment(
            case,
            &assessment(
                "atrama-spj",
                1,
                &[("children", "yes"), ("threats_to_children", "yes")],
            ),
        )
        .unwrap();
    let stored: i64 = f
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM instrument_pack WHERE id = 'atrama-spj' AND builtin = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 1);
    let list = f.store.instruments().unwrap();
    let spj = list
        .iter()
        .find(|i| i.id == "atrama-spj" && i.version == 1)
        .unwrap();
    assert_eq!(spj.assessments, 1);
    // Someone else's pack under the built-in id and version is refused.
    let fake = fixture("count-v1.json").replace("\"test-count\"", "\"atrama-spj\"");
    let err = f.store.import_instrument(&fake).unwrap_err();
    assert!(
        err.to_string()
            .contains("already loaded with different content"),
        "{err}"
    );
}

#[test]
fn only_an_administrator_imports_and_each_import_is_logged_once() {
    let mut f = store(Country::Lt);
    let dir = f.store.dir().to_owned();
    let text = fixture("weighted-v1.json");
    assert_eq!(
        f.store.import_instrument(&text).unwrap().outcome,
        "imported"
    );
    assert_eq!(
        f.store.import_instrument(&text).unwrap().outcome,
        "already_loaded"
    );
    let changed = text.replace("\"One point?\"", "\"One point, reworded?\"");
    let err = f.store.import_instrument(&changed).unwrap_err();
    assert!(err.to_string().contains("higher version number"), "{err}");
    let imports: Vec<_> = f
        .store
        .access_log(100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "import_instrument")
        .collect();
    assert_eq!(imports.len(), 1);
    assert!(
        imports[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("test-weighted version 1")
    );

    let pass = Passphrase::new("another passphrase for tests");
    f.store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &[],
            &pass,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    drop(f.store);
    let mut tomas = Store::dangerously_unlock_without_lock(&dir, "tomas", &pass).unwrap();
    let err = tomas
        .import_instrument(&fixture("count-v1.json"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotAllowed);
    assert!(err.to_string().contains("administrator"), "{err}");
    // A counsellor can use what is loaded.
    assert!(
        tomas
            .instruments()
            .unwrap()
            .iter()
            .any(|i| i.id == "test-weighted")
    );
}

#[test]
fn safety_plan_versions_reviews_and_the_access_log() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    assert!(f.store.safety_plan(case).unwrap().current.is_none());
    let mut plan = SafetyPlanFields::default();
    plan.sections.concerns = "He said he will come back when I am alone".into();
    plan.sections.safe_places = "My sister's flat".into();
    plan.review_on = Some(day("2026-11-25"));
    let v1 = f.store.save_safety_plan(case, None, &plan).unwrap();
    // A second writer that started from nothing is refused, not silently overwriting.
    let err = f.store.save_safety_plan(case, None, &plan).unwrap_err();
    assert!(err.to_string().contains("changed by someone else"), "{err}");
    plan.sections.bag = "At the neighbour's".into();
    let v2 = f.store.save_safety_plan(case, Some(v1), &plan).unwrap();
    let h = f.store.safety_plan(case).unwrap();
    assert_eq!(h.current.as_ref().unwrap().id, v2);
    assert_eq!(h.current.as_ref().unwrap().number, 2);
    assert_eq!(h.versions.len(), 2);
    assert_eq!(h.versions[1].id, v1);
    assert_eq!(h.versions[1].fields.sections.bag, "");
    assert_eq!(h.current.as_ref().unwrap().supersedes, Some(v1));

    // The review date lands in the work queue within a week, overdue after it.
    let q = f.store.work_queues(day("2026-11-20")).unwrap();
    assert_eq!(q.safety_plan_reviews.len(), 1);
    assert_eq!(q.safety_plan_reviews[0].review_on, day("2026-11-25"));
    assert!(!q.safety_plan_reviews[0].overdue);
    assert!(
        f.store
            .work_queues(day("2026-11-10"))
            .unwrap()
            .safety_plan_reviews
            .is_empty()
    );
    assert!(
        f.store
            .work_queues(day("2026-11-30"))
            .unwrap()
            .safety_plan_reviews[0]
            .overdue
    );

    // Setting a review from a recommended action keeps the sections.
    let v3 = f
        .store
        .set_safety_plan_review(case, day("2026-11-21"))
        .unwrap();
    let h = f.store.safety_plan(case).unwrap();
    let current = h.current.unwrap();
    assert_eq!(current.id, v3);
    assert_eq!(current.fields.review_on, Some(day("2026-11-21")));
    assert_eq!(current.fields.sections.bag, "At the neighbour's");
    assert_eq!(
        f.store
            .work_queues(day("2026-11-20"))
            .unwrap()
            .safety_plan_reviews
            .len(),
        1
    );

    // Views and prints are logged; a print names the sections, never their content.
    f.store
        .log_safety_plan_print(case, v3, &["safe_places".into(), "bag".into()])
        .unwrap();
    assert!(
        f.store
            .log_safety_plan_print(case, v3, &["address".into()])
            .is_err()
    );
    f.store.risk_history(case).unwrap();
    let log = f.store.access_log_for_case(case).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"view_safety_plan"), "{actions:?}");
    assert!(actions.contains(&"view_risk"), "{actions:?}");
    let print = log.iter().find(|e| e.action == "print").unwrap();
    let detail = print.detail.as_deref().unwrap();
    assert!(detail.contains("safe_places, bag"), "{detail}");
    assert!(!detail.contains("sister"), "{detail}");
    assert!(f.store.verify_access_log().unwrap() > 0);
}

#[test]
fn assessments_travel_pseudonymised_and_safety_plans_stay() {
    use atrama::{Language, Mode, NewCentre};
    let make = |code: &str, mode| {
        let tmp = tempfile::tempdir().unwrap();
        let centre = NewCentre {
            code: code.into(),
            name: format!("{code} site"),
            country: Country::Lt,
            language: Language::En,
            mode,
            admin_user: "ona".into(),
        };
        let (s, _) = Store::create(
            &tmp.path().join("store"),
            &centre,
            &Passphrase::new("a passphrase for tests"),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
        (tmp, s)
    };
    let (tmp, mut centre) = make("KLP-01", Mode::Centre);
    let (_t2, mut coord) = make("KOORD", Mode::Coordinator);
    let case = open_case(&mut centre);
    centre
        .batch(|b| {
            b.record_consent(
                case,
                &ConsentFields {
                    purpose: "statistics".into(),
                    agency_type: None,
                    given: true,
                    given_by: "self".into(),
                    on_date: day("2026-10-01"),
                    shared_fields: Vec::new(),
                },
            )
        })
        .unwrap();
    let mut a = assessment(
        "atrama-spj",
        1,
        &[
            ("stalking", "yes"),
            ("own_words", "that he takes the children abroad"),
        ],
    );
    a.override_band = Some("high".into());
    a.override_reason = Some("a private reason written by the counsellor".into());
    centre.record_risk_assessment(case, &a).unwrap();
    let mut plan = SafetyPlanFields::default();
    plan.sections.concerns = "a concern only the centre may read".into();
    centre.save_safety_plan(case, None, &plan).unwrap();

    crate::site::enrol_stores(&mut centre, &mut coord);
    let file = tmp.path().join("k.atrama");
    let report = centre.export_bundle("KOORD", &file, None).unwrap();
    assert_eq!(report.preview.counts["risk_assessment"], 1);
    assert!(!report.preview.counts.contains_key("safety_plan"));
    let payload = coord.read_bundle_payload(&file).unwrap();
    for secret in [
        "that he takes the children abroad",
        "a private reason written by the counsellor",
        "a concern only the centre may read",
    ] {
        assert!(!payload.contains(secret), "'{secret}' left the centre");
    }
    let summary = coord.import_bundle(&file, false).unwrap();
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    assert_eq!(summary.tables["risk_assessment"].new, 1);
    let row: (String, i64, String, String, String, String) = coord
        .dangerously_raw_connection()
        .query_row(
            "SELECT instrument_id, instrument_version, final_band, assessed_on, answers, assessor
             FROM risk_assessment",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        row,
        (
            "atrama-spj".into(),
            1,
            "high".into(),
            "2026-11-01".into(),
            "{}".into(),
            String::new()
        )
    );
}

#[test]
fn cli_lists_and_imports_instruments() {
    use crate::cli::{PASS, atrama, init, ok, stderr, stdout};
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    init(&store);
    let path = |name: &str| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/instruments")
            .join(name)
            .display()
            .to_string()
    };

    let list = ok(&store, &["instrument", "list"]);
    assert!(list.contains("atrama-spj"), "{list}");
    assert!(list.contains("[built in]"), "{list}");
    assert!(list.contains("2 instrument version(s)"), "{list}");

    let done = ok(&store, &["instrument", "import", &path("count-v1.json")]);
    assert!(done.contains("Loaded test-count version 1"), "{done}");
    let again = ok(&store, &["instrument", "import", &path("count-v1.json")]);
    assert!(again.contains("already loaded"), "{again}");
    let json = ok(
        &store,
        &["--json", "instrument", "import", &path("count-v2.json")],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["outcome"], "imported");
    assert_eq!(v["instrument"]["version"], 2);
    assert_eq!(v["instrument"]["licence"], "local_only");

    let json = ok(&store, &["--json", "instrument", "list"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows: Vec<(String, u64, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["version"].as_u64().unwrap(),
                i["latest"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("atrama-spj".to_owned(), 2, true),
            ("atrama-spj".to_owned(), 1, false),
            ("test-count".to_owned(), 2, true),
            ("test-count".to_owned(), 1, false)
        ]
    );

    // An invalid pack: exit 1, one line naming the problem, and JSON for scripts.
    let bad = atrama(
        &store,
        &[
            "--user",
            "ona",
            "instrument",
            "import",
            &path("invalid-band-gap.json"),
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    assert!(
        err.contains("band gap") && err.contains("scores 3 to 3"),
        "{err}"
    );
    let bad = atrama(
        &store,
        &[
            "--user",
            "ona",
            "--json",
            "instrument",
            "import",
            &path("invalid-duplicate-item.json"),
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(bad.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&bad)).unwrap();
    assert_eq!(v["error"]["code"], "invalid_input");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("item 'q2': duplicate item id")
    );
}

#[test]
fn the_example_in_the_pack_documentation_imports() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/instrument-pack.md"),
    )
    .unwrap();
    let example = doc.split("## A complete example").nth(1).unwrap();
    let json = example
        .split("```json")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let mut f = store(Country::Lt);
    let done = f.store.import_instrument(json).unwrap();
    assert_eq!(done.instrument.id, "licensed-checklist");
    assert_eq!(
        done.instrument.licence,
        atrama::risk::Licence::NeedsPermission
    );
    let pack = f.store.instrument("licensed-checklist", 1).unwrap();
    assert_eq!(pack.band_for(13).id, "medium");
    assert_eq!(pack.band_for(14).id, "high");
}

#[test]
fn a_correction_supersedes_the_assessment_and_keeps_its_own_pack_version() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    f.store
        .import_instrument(&fixture("count-v1.json"))
        .unwrap();
    f.store
        .import_instrument(&fixture("count-v2.json"))
        .unwrap();
    let first = f
        .store
        .record_risk_assessment(case, &assessment("test-count", 1, &[("q1", "yes")]))
        .unwrap();
    let fixed = f
        .store
        .batch(|b| {
            b.correct_risk_assessment(
                first,
                &assessment("test-count", 1, &[("q1", "yes"), ("q2", "yes")]),
            )
        })
        .unwrap();
    let h = f.store.risk_history(case).unwrap();
    assert_eq!(h.assessments.len(), 1);
    let a = &h.assessments[0];
    assert_eq!((a.id, a.supersedes), (fixed, Some(first)));
    assert_eq!(
        (a.instrument_version, a.score, a.band.as_str()),
        (1, 2, "standard")
    );
    // The old version cannot be corrected again.
    let err = f
        .store
        .batch(|b| b.correct_risk_assessment(first, &assessment("test-count", 1, &[])))
        .unwrap_err();
    assert!(err.to_string().contains("already corrected"), "{err}");
}

/// Issue 26: a safety plan is never saved empty — neither a first plan with nothing written
/// nor a review date set on a case without a plan (the recommendation opens the plan to be
/// written instead), nor a version with every section cleared.
#[test]
fn a_safety_plan_is_never_saved_empty() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    let seq = f.store.last_change_seq().unwrap();
    let err = f
        .store
        .set_safety_plan_review(case, day("2026-11-21"))
        .unwrap_err();
    assert!(err.to_string().contains("write the safety plan"), "{err}");
    let mut plan = SafetyPlanFields {
        review_on: Some(day("2026-11-25")),
        ..SafetyPlanFields::default()
    };
    plan.sections.concerns = "   \n ".into();
    let err = f.store.save_safety_plan(case, None, &plan).unwrap_err();
    assert!(err.to_string().contains("nothing is written"), "{err}");
    assert_eq!(f.store.last_change_seq().unwrap(), seq, "nothing written");
    assert!(f.store.safety_plan(case).unwrap().current.is_none());

    plan.sections.concerns = "He knows where I work".into();
    let v1 = f.store.save_safety_plan(case, None, &plan).unwrap();
    plan.sections.concerns = String::new();
    let err = f.store.save_safety_plan(case, Some(v1), &plan).unwrap_err();
    assert!(err.to_string().contains("nothing is written"), "{err}");
    // With a plan, the review date is set on it.
    let v2 = f
        .store
        .set_safety_plan_review(case, day("2026-11-21"))
        .unwrap();
    let current = f.store.safety_plan(case).unwrap().current.unwrap();
    assert_eq!(current.id, v2);
    assert_eq!(current.fields.sections.concerns, "He knows where I work");
}
