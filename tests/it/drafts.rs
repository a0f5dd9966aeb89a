//! Drafts of the forms that take typing: one per person, form, case and record; kept only
//! inside the encrypted database; replaced in place and removed when discarded; bad keys
//! refused with nothing kept.

use std::path::Path;

use atrama::cases::NewCase;
use atrama::drafts::DraftKey;
use atrama::ids::CaseId;
use atrama::{Country, ErrorCode, KdfParams, Passphrase, Role, Store};

use crate::case_record::{case_fields, client_fields, store};

/// A note typed and not yet saved; its tail must never be found in clear on disk.
const MARKER: &str = "Nepabaigta pastaba Žemaitė 9c41e7b2";

fn open_case(store: &mut Store) -> CaseId {
    store
        .batch(|b| {
            let client = b.create_client(&client_fields("Ona", "Test", "+370 600 00009"))?;
            b.open_case(&NewCase {
                client_id: client,
                opened_on: "2026-11-02".parse().unwrap(),
                fields: case_fields("self", None),
            })
        })
        .unwrap()
}

fn key(kind: &str, case: Option<CaseId>, record: Option<&str>) -> DraftKey {
    DraftKey {
        kind: kind.into(),
        case_id: case,
        record_id: record.map(str::to_owned),
    }
}

#[test]
fn a_form_keeps_one_draft_per_person_form_case_and_record() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    let other_case = open_case(&mut f.store);
    let note = key("note", Some(case), None);

    assert_eq!(f.store.form_draft(&note).unwrap(), None);
    let first = f
        .store
        .save_form_draft(&note, "Note", "{\"body\":\"Sh\"}")
        .unwrap();
    let second = f
        .store
        .save_form_draft(&note, "Note", "{\"body\":\"She called\"}")
        .unwrap();
    assert_eq!(
        first.id, second.id,
        "the same form's draft is replaced in place"
    );
    let kept = f.store.form_draft(&note).unwrap().unwrap();
    assert_eq!(kept.body, "{\"body\":\"She called\"}");
    assert_eq!(kept.case_id, Some(case));
    assert_eq!(kept.record_id, None);

    // Another case, another form and a correction of a record are other drafts.
    f.store
        .save_form_draft(&key("note", Some(other_case), None), "Note", "{\"o\":1}")
        .unwrap();
    f.store
        .save_form_draft(
            &key("risk_assessment", Some(case), None),
            "Risk",
            "{\"r\":1}",
        )
        .unwrap();
    let correction = key(
        "note",
        Some(case),
        Some("0193a0c4-0000-7000-8000-000000000001"),
    );
    f.store
        .save_form_draft(&correction, "Correction", "{\"c\":1}")
        .unwrap();
    assert_eq!(f.store.drafts().unwrap().len(), 4);
    assert_eq!(
        f.store.form_draft(&note).unwrap().unwrap().body,
        "{\"body\":\"She called\"}",
        "the others did not overwrite it"
    );

    // Discarding removes that form's draft and no other.
    f.store.discard_form_draft(&note).unwrap();
    assert_eq!(f.store.form_draft(&note).unwrap(), None);
    assert_eq!(f.store.drafts().unwrap().len(), 3);
    assert!(f.store.form_draft(&correction).unwrap().is_some());
    // Discarding again is no error.
    f.store.discard_form_draft(&note).unwrap();
}

#[test]
fn a_draft_is_seen_only_by_the_person_who_typed_it() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    let note = key("note", Some(case), None);
    f.store
        .save_form_draft(&note, "Note", "{\"body\":\"ona's\"}")
        .unwrap();
    let pass = Passphrase::new("colleague passphrase");
    f.store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &[],
            &pass,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    let dir = f.store.dir().to_owned();
    drop(f.store);

    let tomas = Store::dangerously_unlock_without_lock(&dir, "tomas", &pass).unwrap();
    assert_eq!(
        tomas.form_draft(&note).unwrap(),
        None,
        "not another person's"
    );
    assert!(tomas.drafts().unwrap().is_empty());
    // His own draft of the same form is his, beside hers; his discard leaves hers.
    tomas
        .save_form_draft(&note, "Note", "{\"body\":\"tomas's\"}")
        .unwrap();
    assert_eq!(
        tomas.form_draft(&note).unwrap().unwrap().body,
        "{\"body\":\"tomas's\"}"
    );
    tomas.discard_form_draft(&note).unwrap();
    drop(tomas);

    let ona = Store::dangerously_unlock_without_lock(
        &dir,
        "ona",
        &Passphrase::new("a passphrase for tests"),
    )
    .unwrap();
    assert_eq!(
        ona.form_draft(&note).unwrap().unwrap().body,
        "{\"body\":\"ona's\"}"
    );
}

fn files_holding(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn a_draft_is_never_in_clear_on_disk() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    let dir = f.store.dir().to_owned();
    let body = format!("{{\"body\":\"{MARKER}\"}}");
    // Typed, kept again and again as the person types (each a write to the WAL).
    for n in 1..=5 {
        f.store
            .save_form_draft(
                &key("note", Some(case), None),
                "Note",
                &format!("{body}{n}"),
            )
            .unwrap();
    }
    // Control: the store itself reads it back, so the marker did reach the database.
    let kept = f
        .store
        .form_draft(&key("note", Some(case), None))
        .unwrap()
        .unwrap();
    assert!(kept.body.contains(MARKER));
    for needle in [
        MARKER.as_bytes().to_vec(),
        b"9c41e7b2".to_vec(),
        utf16le("9c41e7b2"),
    ] {
        assert_eq!(
            files_holding(&dir, &needle),
            Vec::<String>::new(),
            "while open"
        );
    }
    drop(f);
}

#[test]
fn a_bad_draft_is_refused_and_nothing_is_kept() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    for bad in ["", "Note", "note; drop", "intake", &"x".repeat(65)] {
        let err = f
            .store
            .save_form_draft(&key(bad, Some(case), None), "t", "{}")
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad:?}");
    }
    let err = f
        .store
        .save_form_draft(&key("note", Some(case), Some("")), "t", "{}")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let huge = "x".repeat(atrama::drafts::MAX_DRAFT_BYTES + 1);
    let err = f
        .store
        .save_form_draft(&key("note", Some(case), None), "t", &huge)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("too large"), "{err}");
    assert!(f.store.drafts().unwrap().is_empty());
}

#[test]
fn intake_drafts_and_form_drafts_list_together() {
    let mut f = store(Country::Lt);
    let case = open_case(&mut f.store);
    let intake = f
        .store
        .save_draft(None, "intake", "Intake — self", "{}")
        .unwrap();
    f.store
        .save_form_draft(&key("safety_plan", Some(case), None), "Safety plan", "{}")
        .unwrap();
    let all = f.store.drafts().unwrap();
    assert_eq!(all.len(), 2);
    let i = all.iter().find(|d| d.id == intake).unwrap();
    assert_eq!((i.case_id, i.record_id.as_deref()), (None, None));
    let p = all.iter().find(|d| d.kind == "safety_plan").unwrap();
    assert_eq!(p.case_id, Some(case));
}

#[test]
fn a_draft_goes_with_its_case_when_the_retention_purge_removes_it() {
    let mut f = store(Country::Lt);
    let purged = open_case(&mut f.store);
    let kept = open_case(&mut f.store);
    let body = format!("{{\"body\":\"{MARKER}\"}}");
    for (kind, record) in [
        ("note", None),
        (
            "service_contact",
            Some("0193a0c4-0000-7000-8000-00000000000a"),
        ),
    ] {
        f.store
            .save_form_draft(&key(kind, Some(purged), record), "Draft", &body)
            .unwrap();
    }
    f.store
        .save_form_draft(
            &key("note", Some(kept), None),
            "Note",
            "{\"body\":\"kept\"}",
        )
        .unwrap();
    // A colleague's draft of the same case: drafts are per person, the purge is not.
    let pass = Passphrase::new("colleague passphrase");
    f.store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &[],
            &pass,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    let dir = f.store.dir().to_owned();
    drop(f.store);
    let tomas = Store::dangerously_unlock_without_lock(&dir, "tomas", &pass).unwrap();
    tomas
        .save_form_draft(&key("safety_plan", Some(purged), None), "Plan", &body)
        .unwrap();
    drop(tomas);

    let mut ona = Store::dangerously_unlock_without_lock(
        &dir,
        "ona",
        &Passphrase::new("a passphrase for tests"),
    )
    .unwrap();
    ona.batch(|b| b.close_case(purged, "2026-11-03".parse().unwrap(), "needs_met"))
        .unwrap();
    ona.set_retention_policy(atrama::admin::RetentionPolicy {
        closed_case_years: Some(5),
        document_years: None,
    })
    .unwrap();
    let report = ona.purge("2032-01-01".parse().unwrap()).unwrap();
    assert_eq!(report.cases, 1, "{report:?}");

    let left: Vec<(String, String)> = ona
        .dangerously_raw_connection()
        .prepare("SELECT username, kind FROM draft WHERE case_id = ?1")
        .unwrap()
        .query_map([purged.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        left,
        Vec::<(String, String)>::new(),
        "drafts of the purged case"
    );
    let marker_rows: i64 = ona
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM draft WHERE instr(body, '9c41e7b2') > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(marker_rows, 0, "the purged case's typed text");
    assert_eq!(
        ona.form_draft(&key("note", Some(kept), None))
            .unwrap()
            .unwrap()
            .body,
        "{\"body\":\"kept\"}",
        "another case's draft stays"
    );
    // A form of the purged case still open (the purge came from another computer) keeps
    // saving: nothing of the case is kept again.
    let err = ona
        .save_form_draft(&key("note", Some(purged), None), "Note", &body)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    assert_eq!(
        ona.form_draft(&key("note", Some(purged), None)).unwrap(),
        None
    );
}

/// An intake draft saved under an id that is another person's draft (a page kept from the
/// last person signed in on a shared computer) is not written into hers, and is not lost
/// either: it is kept as a new draft of the person typing, whose id the save returns.
#[test]
fn an_intake_draft_saved_under_another_persons_id_is_kept_as_a_new_draft() {
    let mut f = store(Country::Lt);
    let hers = f
        .store
        .save_draft(None, "intake", "Intake — police", "{\"n\":\"ona's\"}")
        .unwrap();
    let pass = Passphrase::new("colleague passphrase");
    f.store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &[],
            &pass,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    let dir = f.store.dir().to_owned();
    drop(f.store);
    let tomas = Store::dangerously_unlock_without_lock(&dir, "tomas", &pass).unwrap();
    let his = tomas
        .save_draft(
            Some(&hers),
            "intake",
            "Intake — self",
            "{\"n\":\"tomas's\"}",
        )
        .unwrap();
    assert_ne!(his, hers, "not written into another person's draft");
    let kept = tomas.drafts().unwrap();
    assert_eq!(kept.len(), 1, "his typing is kept: {kept:?}");
    assert_eq!(
        (kept[0].id.as_str(), kept[0].body.as_str()),
        (his.as_str(), "{\"n\":\"tomas's\"}")
    );
    // Saved again under the id returned: the same draft.
    tomas
        .save_draft(Some(&his), "intake", "Intake — self", "{\"n\":\"more\"}")
        .unwrap();
    assert_eq!(tomas.draft(&his).unwrap().body, "{\"n\":\"more\"}");
    drop(tomas);
    let ona = Store::dangerously_unlock_without_lock(
        &dir,
        "ona",
        &Passphrase::new("a passphrase for tests"),
    )
    .unwrap();
    assert_eq!(ona.draft(&hers).unwrap().body, "{\"n\":\"ona's\"}");
    assert_eq!(ona.drafts().unwrap().len(), 1);
}
