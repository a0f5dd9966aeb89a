//! What leaves a centre in a pseudonymised bundle, read as an outsider reads it: real bundles
//! of every kind a centre sends its coordination centre (records, withdrawals and purges,
//! statistics) and the return bundle that answers them, decrypted with the recipient's key,
//! every line decoded and every field of every line checked by a reader written from
//! `docs/bundle-format.md` §7 (payload format 2), not from the writer's code:
//!
//! - no value encodes a time finer than a month: no time-based UUID (v1, v6, v7), no date
//!   other than the first of a month, no time of day, no integer large enough to be a clock
//!   reading (an HLC, Unix milliseconds or seconds);
//! - no free text: every string is a code, a month, an opaque id, the centre's code or a
//!   derived pseudonym or case reference; JSON inside a column is decoded and held to the
//!   same rules, and a case analysis's answers carry no `text`;
//! - no value equal to (or containing) a case number, or any id the centre uses itself;
//! - none of the marker strings planted in names, phone, address, contact-safety notes,
//!   notes, a reopen reason, a typed pseudonym, a risk override reason, the analysis's
//!   free-text answers, an incident's description and police report, and an appointment's
//!   place and people (issue 26; appointments never travel at all);
//! - a case analysis's day counts carry nothing finer than months: each is the distance
//!   between the first days of two months.
//!
//! The transfer bundle is not pseudonymised by design (a case moving to another centre with
//! the client's consent, `docs/bundle-format.md` "A transfer payload") and is not scanned.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::site::{Site, demo_centre, enrol, site};
use atrama::analysis::{AnswerInput, CompleteAnalysis, template};
use atrama::cases::{
    AppointmentFields, AppointmentKind, CaseFields, ClientFields, ConsentFields, ContactSafety,
    IncidentFields, NewCase, NoteFields, PerpetratorLink, PoliceReport, ServiceContactFields, Tri,
};
use atrama::risk::RiskAssessmentFields;
use atrama::{Country, Mode, Store};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::Value;

/// Planted where a person types free text; none may leave the centre.
pub(crate) const MARKERS: &[&str] = &[
    "Zelmira",       // given name
    "Kvakseviciute", // family name
    "+370 699 41357",
    "Marker gatve 17",
    "Rimvydas answers",      // if someone else answers
    "dog barks at the door", // contact-safety notes
    "MRK-PSEUDO-Zelmira",    // a pseudonym typed by hand
    "note about Rimvydas",
    "reopened because Zelmira called from +370 699 41357",
    "override because of Rimvydas",
    "Rimvydas Petrauskas, officer Jonaitis, Liepu street at 23:40",
    "lesson learned about Darbutas",
    "Marker-desc: he came back at night", // the incident's description
    "MRK-POL-7731",                       // police report number
    "Marker-station Klaipeda 2",          // police station
    "Officer Markeraitis",                // police officer
    "Marker-room at the district court",  // an appointment's place
    "interpreter Markeriene and lawyer Rimas", // who takes part
];

fn file(s: &Site, name: &str) -> PathBuf {
    s.dir.parent().unwrap().join(name)
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// What a field must not equal or contain.
struct Forbidden {
    case_numbers: Vec<String>,
    /// Every id of the centre's own records (and its installation).
    own_ids: BTreeSet<String>,
}

fn forbidden(centre: &Store) -> Forbidden {
    let conn = centre.dangerously_raw_connection();
    let case_numbers = conn
        .prepare("SELECT case_number FROM case_file")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let mut own_ids = BTreeSet::new();
    for table in atrama::sync::payload::TABLES {
        let mut stmt = conn
            .prepare(&format!("SELECT id, owner_install FROM {table}"))
            .unwrap();
        for row in stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
        {
            let (id, install) = row.unwrap();
            own_ids.insert(id);
            own_ids.insert(install);
        }
    }
    assert!(case_numbers.len() > 10 && own_ids.len() > 100);
    Forbidden {
        case_numbers,
        own_ids,
    }
}

/// Whether `days` is the distance between the first days of two months (so that, added to
/// a month, it says nothing finer than a month).
fn month_start_distance(days: i64) -> bool {
    let mut start = day("2015-01-01");
    while start.year() < 2035 {
        let end = start + Duration::days(days);
        if end.day() == 1 {
            return true;
        }
        start = start.checked_add_months(chrono::Months::new(1)).unwrap();
    }
    false
}

/// Reads every field of one payload and names each breach (path: what).
struct Scan<'a> {
    forbidden: &'a Forbidden,
    centre: &'a str,
    breaches: Vec<String>,
    /// Breaches per kind (the first words of the message), so that every kind shows.
    kinds: std::collections::BTreeMap<String, usize>,
    strings: usize,
}

impl Scan<'_> {
    fn breach(&mut self, path: &str, what: String) {
        let kind: String = what
            .split_whitespace()
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        let seen = self.kinds.entry(kind).or_default();
        *seen += 1;
        if *seen <= 3 {
            self.breaches.push(format!("{path}: {what}"));
        }
    }

    /// A string anywhere in a payload (a record's column, a line's field, or a value inside
    /// a JSON column).
    fn string(&mut self, path: &str, s: &str) {
        self.strings += 1;
        let lower = s.to_lowercase();
        for m in MARKERS {
            if lower.contains(&m.to_lowercase()) {
                self.breach(path, format!("the planted marker '{m}' left the centre"));
            }
        }
        for n in &self.forbidden.case_numbers {
            if s.contains(n.as_str()) {
                self.breach(path, format!("the case number {n} left the centre"));
            }
        }
        if self.forbidden.own_ids.contains(s) {
            self.breach(path, format!("the centre's own id {s} left the centre"));
        }
        if let Ok(u) = uuid::Uuid::parse_str(s) {
            let v = u.get_version_num();
            if v != 4 {
                self.breach(path, format!("{s} is a UUID of version {v} (a timestamp)"));
            }
            return;
        }
        // Dates: only the first of a month, and no time of day.
        let re_date = regex_date(s);
        for (y, m, d, time) in re_date {
            if d != 1 {
                self.breach(path, format!("'{s}' names day {d} of {y}-{m:02}"));
            }
            if let Some(t) = time
                && t != "00:00:00"
            {
                self.breach(path, format!("'{s}' names a time of day"));
            }
        }
        // A month, a code, an opaque id or a derived reference: one token, no spaces.
        let ok = s.is_empty()
            || s == self.centre
            || is_month(s)
            || is_code(s)
            || s.strip_prefix(self.centre)
                .and_then(|r| r.strip_prefix(':'))
                .is_some_and(is_derived_reference);
        if !ok {
            self.breach(path, format!("'{s}' is free text, not a code"));
        }
    }

    fn number(&mut self, path: &str, n: &serde_json::Number) {
        // An HLC (~1.8e17), Unix milliseconds (~1.8e12) or seconds (~1.8e9) of this century.
        if let Some(i) = n.as_i64()
            && i.unsigned_abs() >= 1_000_000_000
        {
            self.breach(path, format!("{i} is large enough to be a clock reading"));
        }
        if n.is_f64() {
            self.breach(path, format!("{n} is not an integer"));
        }
    }

    fn value(&mut self, path: &str, v: &Value) {
        match v {
            Value::Null | Value::Bool(_) => {}
            Value::Number(n) => self.number(path, n),
            Value::String(s) => {
                // JSON inside a column is read too.
                if (s.starts_with('{') || s.starts_with('['))
                    && let Ok(inner) = serde_json::from_str::<Value>(s)
                {
                    self.value(&format!("{path}(json)"), &inner);
                } else {
                    self.string(path, s);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.value(&format!("{path}[{i}]"), item);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    self.string(&format!("{path}.<key>"), k);
                    self.value(&format!("{path}.{k}"), item);
                }
            }
        }
    }

    /// A case analysis: its answers hold no free text, and every day count is a distance
    /// between month starts.
    fn analysis(&mut self, path: &str, row: &serde_json::Map<String, Value>) {
        for (col, key) in [("facts", "facts"), ("responses", "responses")] {
            let Some(Value::String(text)) = row.get(col) else {
                self.breach(path, format!("case_analysis without {key}"));
                continue;
            };
            let v: Value = serde_json::from_str(text).unwrap();
            self.day_counts(&format!("{path}.{col}"), &v);
            if col == "responses"
                && let Value::Object(answers) = &v
            {
                for (q, a) in answers {
                    if a.get("text").is_some() {
                        self.breach(path, format!("the free-text answer to '{q}' left"));
                    }
                }
            }
        }
    }

    fn day_counts(&mut self, path: &str, v: &Value) {
        match v {
            Value::Object(map) => {
                for (k, item) in map {
                    let is_days = [
                        "day",
                        "from_day",
                        "to_day",
                        "support_days",
                        "days_police_to_first_contact",
                    ]
                    .contains(&k.as_str());
                    if is_days
                        && let Some(d) = item.as_i64()
                        && !month_start_distance(d)
                    {
                        self.breach(
                            &format!("{path}.{k}"),
                            format!("{d} days is not a distance between month starts"),
                        );
                    }
                    self.day_counts(&format!("{path}.{k}"), item);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.day_counts(&format!("{path}[{i}]"), item);
                }
            }
            _ => {}
        }
    }
}

fn is_month(s: &str) -> bool {
    (s.len() == 7 && NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok())
        || (s.len() >= 10 && NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").is_ok())
}

fn is_code(s: &str) -> bool {
    s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-|.:+<>".contains(c))
}

/// A reference derived at the centre: Crockford base32 in groups joined by `-`.
fn is_derived_reference(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|g| {
            (4..=8).contains(&g.len())
                && g.chars()
                    .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c))
        })
}

/// Every `YYYY-MM-DD` in a string with the time that follows it (`THH:MM:SS`), if any.
fn regex_date(s: &str) -> Vec<(i32, u32, u32, Option<&str>)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
    let mut i = 0;
    while i + 10 <= b.len() {
        if digits(i..i + 4)
            && b[i + 4] == b'-'
            && digits(i + 5..i + 7)
            && b[i + 7] == b'-'
            && digits(i + 8..i + 10)
        {
            let y = s[i..i + 4].parse().unwrap();
            let m = s[i + 5..i + 7].parse().unwrap();
            let d = s[i + 8..i + 10].parse().unwrap();
            let time = (i + 19 <= b.len() && b[i + 10] == b'T').then(|| &s[i + 11..i + 19]);
            out.push((y, m, d, time));
            i += 10;
        } else {
            i += 1;
        }
    }
    out
}

/// Scans a whole payload: every line decoded, every field read. Returns the breaches and
/// the line types seen.
fn scan_payload(payload: &str, centre: &str, forbidden: &Forbidden) -> (Vec<String>, Vec<String>) {
    let mut scan = Scan {
        forbidden,
        centre,
        breaches: Vec::new(),
        kinds: std::collections::BTreeMap::new(),
        strings: 0,
    };
    let mut kinds = Vec::new();
    for (n, line) in payload.lines().enumerate() {
        let v: Value = serde_json::from_str(line).expect("every line is JSON");
        let kind = v["type"].as_str().unwrap().to_owned();
        let path = format!("line {} ({kind})", n + 1);
        if kind == "record" {
            let table = v["table"].as_str().unwrap();
            let row = v["row"].as_object().unwrap();
            let path = format!("{path} {table}");
            for free in ["reason", "body", "notes", "hlc"] {
                if row.contains_key(free) {
                    scan.breach(&path, format!("the column '{free}' travels"));
                }
            }
            if table == "case_analysis" {
                scan.analysis(&path, row);
            }
        }
        scan.value(&path, &v);
        kinds.push(kind);
    }
    assert!(scan.strings > 0);
    (scan.breaches, kinds)
}

/// A case typed with markers in every free-text place, with a reopen, a risk assessment
/// with an override reason, and a completed analysis with free-text answers.
pub(crate) fn plant(s: &mut Site) -> atrama::ids::CaseId {
    let opened = day("2026-03-17");
    let case = s
        .store
        .batch(|b| {
            let client = b.create_client(&ClientFields {
                pseudonym: Some("MRK-PSEUDO-Zelmira".into()),
                given_name: Some("Zelmira".into()),
                family_name: Some("Kvakseviciute".into()),
                phone: Some("+370 699 41357".into()),
                address: Some("Marker gatve 17".into()),
                sex: "female".into(),
                birth_year: Some(1984),
                contact_safety: ContactSafety {
                    if_someone_else_answers: Some("Rimvydas answers".into()),
                    notes: Some("dog barks at the door".into()),
                    ..ContactSafety::default()
                },
                ..ClientFields::default()
            })?;
            let case = b.open_case(&NewCase {
                client_id: client,
                opened_on: opened,
                fields: CaseFields {
                    referral_source: "police".into(),
                    police_notified_on: Some(day("2026-03-16")),
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
                    given: true,
                    given_by: "self".into(),
                    on_date: opened,
                    shared_fields: Vec::new(),
                },
            )?;
            for (d, discipline) in [("2026-03-18", "social_work"), ("2026-04-09", "legal")] {
                b.log_service_contact(
                    case,
                    &ServiceContactFields {
                        on_date: day(d),
                        discipline: discipline.into(),
                        mode: "in_person".into(),
                        minutes: 45,
                        is_group: false,
                        staff: None,
                    },
                )?;
            }
            b.record_incident(
                case,
                &IncidentFields {
                    occurred_on: Some(day("2026-03-15")),
                    ongoing_since: None,
                    violence_forms: vec!["physical".into()],
                    place_type: "home".into(),
                    reported_to_police: Tri::Yes,
                    perpetrators: vec![PerpetratorLink {
                        sex: "male".into(),
                        age_band: "35_44".into(),
                        relationship: "current_spouse".into(),
                        cohabiting_now: Tri::Yes,
                        cohabited_before: Tri::Unknown,
                        substance_use: Tri::Unknown,
                        weapon_access: Tri::No,
                    }],
                    description: Some("Marker-desc: he came back at night".into()),
                    police: PoliceReport {
                        report_number: Some("MRK-POL-7731".into()),
                        station: Some("Marker-station Klaipeda 2".into()),
                        officer: Some("Officer Markeraitis".into()),
                        reported_on: Some(day("2026-03-16")),
                    },
                },
            )?;
            b.add_appointment(
                case,
                &AppointmentFields {
                    kind: AppointmentKind::Court,
                    on_date: day("2026-03-25"),
                    at_time: Some("10:15".into()),
                    minutes: 90,
                    place: Some("Marker-room at the district court".into()),
                    with_whom: Some("interpreter Markeriene and lawyer Rimas".into()),
                    staff: None,
                },
            )?;
            b.add_note(
                case,
                &NoteFields {
                    body: "note about Rimvydas".into(),
                    restricted_to: None,
                },
            )?;
            b.close_case(case, day("2026-04-02"), "needs_met")?;
            b.reopen_case(
                case,
                day("2026-04-05"),
                Some("reopened because Zelmira called from +370 699 41357"),
            )?;
            b.close_case(case, day("2026-05-13"), "needs_met")?;
            Ok(case)
        })
        .unwrap();
    let mut answers = std::collections::BTreeMap::new();
    answers.insert("stalking".to_owned(), "yes".to_owned());
    s.store
        .record_risk_assessment(
            case,
            &RiskAssessmentFields {
                instrument_id: "atrama-spj".into(),
                instrument_version: 1,
                assessed_on: day("2026-03-19"),
                answers,
                override_band: Some("high".into()),
                override_reason: Some("override because of Rimvydas".into()),
            },
        )
        .unwrap();
    let form = s.store.analysis_form(case, None).unwrap();
    let mut answers = form.answers.clone();
    answers.insert(
        "situation".into(),
        AnswerInput::Text("Rimvydas Petrauskas, officer Jonaitis, Liepu street at 23:40".into()),
    );
    answers.insert("outcome".into(), AnswerInput::Choice("safe".into()));
    answers.insert(
        "lessons".into(),
        AnswerInput::Text("lesson learned about Darbutas".into()),
    );
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
        .unwrap();
    case
}

fn assert_clean(what: &str, breaches: &[String]) {
    assert!(
        breaches.is_empty(),
        "{what}: {} breach(es):\n{}",
        breaches.len(),
        breaches.join("\n")
    );
}

#[test]
fn a_pseudonymised_payload_holds_no_time_no_free_text_no_case_number_no_marker() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = demo_centre("KLP-01", Country::Lt, 40, 7);
    enrol(&mut klp, &mut coord);
    coord
        .store
        .save_analysis_template(&template::example())
        .unwrap();
    // The return bundle that brings the template.
    let ret = file(&coord, "r1.atrama");
    coord.store.export_bundle("KLP-01", &ret, None).unwrap();
    klp.store.import_bundle(&ret, false).unwrap();
    let planted = plant(&mut klp);
    let forbidden = forbidden(&klp.store);

    // 1. Records (every table that travels).
    let first = file(&klp, "b1.atrama");
    let report = klp.store.export_bundle("KOORD", &first, None).unwrap();
    for table in atrama::sync::payload::TABLES {
        assert!(
            report.preview.counts[*table] > 0,
            "the scan must see every table; {table} is empty"
        );
    }
    let payload = coord.store.read_bundle_payload(&first).unwrap();
    let (breaches, kinds) = scan_payload(&payload, "KLP-01", &forbidden);
    assert_clean("records", &breaches);
    assert!(kinds.iter().any(|k| k == "reference_state"));
    let summary = coord.store.import_bundle(&first, false).unwrap();
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);

    // 2. The coordinator's answer (acknowledgements): no record, no marker, no case number.
    let ret = file(&coord, "r2.atrama");
    coord.store.export_bundle("KLP-01", &ret, None).unwrap();
    let back = klp.store.read_bundle_payload(&ret).unwrap();
    for m in MARKERS {
        assert!(!back.contains(m), "'{m}' in the return bundle");
    }
    for n in &forbidden.case_numbers {
        assert!(!back.contains(n.as_str()), "{n} in the return bundle");
    }
    klp.store.import_bundle(&ret, false).unwrap();

    // 3. A withdrawal (an open case that was sent) and purges (every closed case, the
    //    planted one too).
    let open_case: String = klp
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT c.id FROM case_file c WHERE c.status = 'open' AND EXISTS
               (SELECT 1 FROM consent_event e WHERE e.case_id = c.id
                  AND e.purpose = 'statistics' AND e.given = 1)
             ORDER BY c.id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let open_case = atrama::ids::CaseId::parse(&open_case).unwrap();
    klp.store
        .batch(|b| {
            b.record_consent(
                open_case,
                &ConsentFields {
                    purpose: "statistics".into(),
                    agency_type: None,
                    given: false,
                    given_by: "self".into(),
                    on_date: crate::site::today(),
                    shared_fields: Vec::new(),
                },
            )
            .map(|_| ())
        })
        .unwrap();
    klp.store
        .set_retention_policy(atrama::admin::RetentionPolicy {
            closed_case_years: Some(1),
            document_years: None,
        })
        .unwrap();
    let purged = klp.store.purge(day("2030-01-01")).unwrap();
    assert!(purged.cases > 0, "{purged:?}");
    assert!(
        klp.store.case_detail(planted).is_err(),
        "the planted case is purged"
    );
    // The version numbers of purged cases go with them.
    let orphans: i64 = klp
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM sync_version WHERE scope NOT IN (SELECT id FROM case_file)
               AND scope NOT IN (SELECT id FROM client)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    let second = file(&klp, "b2.atrama");
    let report = klp.store.export_bundle("KOORD", &second, None).unwrap();
    assert!(
        report.preview.withdrawn == 1 && report.preview.purged > 0,
        "{:?}",
        report.preview
    );
    let payload = coord.store.read_bundle_payload(&second).unwrap();
    let (breaches, kinds) = scan_payload(&payload, "KLP-01", &forbidden);
    assert_clean("withdrawals and purges", &breaches);
    assert!(kinds.iter().any(|k| k == "withdraw") && kinds.iter().any(|k| k == "purge"));
    // The scan read purge lines that carry counts (schema 29), not only empty ones.
    assert!(
        payload.lines().any(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["type"] == "purge" && v["counts"].as_array().is_some_and(|c| !c.is_empty())
        }),
        "no purge line carried counts"
    );
    let summary = coord.store.import_bundle(&second, false).unwrap();
    assert_eq!(summary.withdrawn, 1, "{summary:?}");
    assert!(summary.purged > 0, "{summary:?}");

    // 4. The statistics level.
    klp.store.set_sharing("KOORD", "statistics").unwrap();
    let third = file(&klp, "b3.atrama");
    klp.store.export_bundle("KOORD", &third, None).unwrap();
    let payload = coord.store.read_bundle_payload(&third).unwrap();
    let (breaches, kinds) = scan_payload(&payload, "KLP-01", &forbidden);
    assert_clean("statistics", &breaches);
    assert!(kinds.iter().any(|k| k == "stat"));
}

/// The scanner itself: each rule catches what it is for (so that a clean scan means
/// something).
#[test]
fn the_scanner_catches_each_kind_of_leak() {
    let forbidden = Forbidden {
        case_numbers: vec!["KLP-01-2026-0042".into()],
        own_ids: BTreeSet::from(["0f8fad5b-d9cb-469f-a165-70867728950e".to_owned()]),
    };
    let leaks = [
        r#"{"type":"record","table":"client","row":{"id":"01930000-0000-7000-8000-000000000001"}}"#,
        r#"{"type":"record","table":"case_file","row":{"opened_on":"2026-03-17"}}"#,
        r#"{"type":"record","table":"case_file","row":{"created_at":"2026-03-01T09:15:00+00:00"}}"#,
        r#"{"type":"record","table":"case_file","row":{"version":117903258345472001}}"#,
        r#"{"type":"record","table":"case_file","row":{"x":"KLP-01-2026-0042"}}"#,
        r#"{"type":"record","table":"case_file","row":{"x":"0f8fad5b-d9cb-469f-a165-70867728950e"}}"#,
        r#"{"type":"record","table":"case_status_event","row":{"kind":"reopen","reason":"x"}}"#,
        r#"{"type":"record","table":"client","row":{"pseudonym":"Ona Jonaitė"}}"#,
        r#"{"type":"record","table":"client","row":{"x":"zelmira"}}"#,
        r#"{"type":"record","table":"incident","row":{"perpetrators":"[{\"note\":\"he said so\"}]"}}"#,
        r#"{"type":"record","table":"case_analysis","row":{"facts":"{\"timeline\":[{\"day\":3}]}","responses":"{}"}}"#,
        r#"{"type":"record","table":"case_analysis","row":{"facts":"{}","responses":"{\"q\":{\"text\":\"ok\"}}"}}"#,
    ];
    for leak in leaks {
        let (breaches, _) = scan_payload(leak, "KLP-01", &forbidden);
        assert!(!breaches.is_empty(), "not caught: {leak}");
    }
    let clean = r#"{"type":"record","table":"client","row":{"id":"0f8fad5b-d9cb-469f-a165-70867728950f","pseudonym":"KLP-01:K7Q2-MD4X","created_at":"2026-03-01T00:00:00+00:00","version":3,"sex":"female","age_band":"25-34"}}"#;
    let (breaches, _) = scan_payload(clean, "KLP-01", &forbidden);
    assert_clean("a clean line", &breaches);
}
