//! Tests of the join's bookkeeping that read sync files from the inside: after a join the
//! first files carry only what changed after the copy (issue 23), and a record's first
//! field versions are packed without changing what the versions are (migration 0023).

use std::path::Path;

use super::file::carried;
use super::registry;
use crate::cases::{CaseFields, ClientFields, NewCase, NoteFields};
use crate::crypto::RecoveryKey;
use crate::error::Result;
use crate::ids::CaseId;
use crate::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};

const PASS: &str = "a passphrase for tests";

fn note(body: &str) -> NoteFields {
    NoteFields {
        body: body.into(),
        restricted_to: None,
    }
}

/// Joins a computer at `tmp/name` from `from`: its store, enrolment file and fingerprint.
fn join_only(
    from: &mut Store,
    recovery: &RecoveryKey,
    tmp: &Path,
    name: &str,
) -> Result<(Store, String, String)> {
    let file = tmp.join(format!("{name}.join"));
    from.peers_join_file(&file, "desk A")?;
    let short = super::join::join(&file, recovery, &tmp.join(name), name)?;
    let mut joined = Store::unlock(&tmp.join(name), "ona", &Passphrase::new(PASS))?;
    let enrolment = joined.peers_enrolment(name)?;
    Ok((joined, enrolment, short))
}

/// Joins a computer at `tmp/name` from `from` and adds it there.
fn join(from: &mut Store, recovery: &RecoveryKey, tmp: &Path, name: &str) -> Result<Store> {
    let (joined, enrolment, short) = join_only(from, recovery, tmp, name)?;
    from.peers_add(&enrolment, &short)?;
    Ok(joined)
}

fn centre(dir: &Path) -> Result<(Store, RecoveryKey)> {
    Store::create(
        dir,
        &NewCentre {
            code: "KLP-01".into(),
            name: "Test centre".into(),
            country: Country::Lt,
            language: Language::En,
            mode: Mode::Centre,
            admin_user: "ona".into(),
        },
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
}

/// The file `report` names for `to`, as `to` reads it.
fn file_for(
    folder: &Path,
    report: &super::SyncReport,
    to: &Store,
) -> Result<(Vec<(String, String)>, usize)> {
    let fp = registry::self_keys(&to.conn)?
        .map(|k| k.fingerprint().hex)
        .unwrap_or_default();
    let name = report
        .written
        .iter()
        .find(|n| n.contains(&format!("-to-{}", &fp[..16])))
        .cloned()
        .unwrap_or_default();
    carried(to, &folder.join(name))
}

fn notes(store: &Store) -> Result<Vec<String>> {
    let mut stmt = store.conn.prepare("SELECT body FROM note ORDER BY body")?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[test]
fn the_first_sync_files_after_a_join_carry_only_what_changed_after_the_copy() -> Result<()> {
    let tmp = tempfile::tempdir().map_err(crate::error::Error::io(Path::new("tmp")))?;
    let (mut a, recovery) = centre(&tmp.path().join("a"))?;
    // Before the joins: three clients, each with a case and a note.
    let cases: Vec<CaseId> = a.batch(|w| {
        let mut cases = Vec::new();
        for i in 0..3 {
            let client = w.create_client(&ClientFields {
                given_name: Some(format!("Rasa {i}")),
                sex: "female".into(),
                ..ClientFields::default()
            })?;
            let case = w.open_case(&NewCase {
                client_id: client,
                opened_on: "2026-11-02".parse().unwrap_or_default(),
                fields: CaseFields {
                    referral_source: "self".into(),
                    police_notified_on: None,
                    intake_outcome: "accepted".into(),
                    lead_worker: None,
                    team: vec![],
                    follow_up_on: None,
                },
            })?;
            w.add_note(case, &note(&format!("before the joins {i}")))?;
            cases.push(case);
        }
        Ok(cases)
    })?;
    let mut b = join(&mut a, &recovery, tmp.path(), "b")?;
    // After B's copy, before C's: one note on A.
    let after = a.batch(|w| w.add_note(cases[0], &note("after B joined")))?;
    let mut c = join(&mut a, &recovery, tmp.path(), "c")?;
    let folder = tmp.path().join("shared");
    std::fs::create_dir_all(&folder).map_err(crate::error::Error::io(&folder))?;

    // A's first files: B gets only the note made after its copy, C (copied later) nothing.
    let at_a = a.peers_sync(&folder)?;
    let (rows, fields) = file_for(&folder, &at_a, &b)?;
    assert_eq!(rows, vec![("note".to_owned(), after.to_string())]);
    assert_eq!(fields, 0, "no field versions of the copied records");
    let (rows, fields) = file_for(&folder, &at_a, &c)?;
    assert_eq!(rows, vec![], "C's copy holds everything A has");
    assert_eq!(fields, 0);

    // B learns of C from A's registry; its first file for C carries none of the records
    // B's own copy held (only the note B applied since, relayed).
    let at_b = b.peers_sync(&folder)?;
    assert_eq!(at_b.applied.len(), 1);
    let (rows, _) = file_for(&folder, &at_b, &c)?;
    assert_eq!(rows, vec![("note".to_owned(), after.to_string())]);

    // Everything still converges: a note on each of B and C reaches every computer.
    b.batch(|w| w.add_note(cases[1], &note("from B")))?;
    c.batch(|w| w.add_note(cases[2], &note("from C")))?;
    for _ in 0..3 {
        for s in [&mut a, &mut b, &mut c] {
            let r = s.peers_sync(&folder)?;
            assert!(r.refused.is_empty(), "{:?}", r.refused);
        }
    }
    let want = notes(&a)?;
    assert_eq!(want.len(), 6);
    assert_eq!(notes(&b)?, want);
    assert_eq!(notes(&c)?, want);
    Ok(())
}

/// Every version as the view `peer_field` shows it, in order.
fn view(conn: &rusqlite::Connection) -> Result<Vec<Vec<rusqlite::types::Value>>> {
    let mut stmt = conn.prepare(
        "SELECT tbl, record_id, field, hlc, install, bases, value, typeof(value) FROM peer_field
         ORDER BY tbl, record_id, field, hlc, install",
    )?;
    let rows = stmt
        .query_map([], |r| (0..8).map(|i| r.get(i)).collect())?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[test]
fn the_field_versions_read_the_same_after_the_first_ones_are_packed() -> Result<()> {
    use crate::store::migrations::{LATEST, migrate_to, number_of};
    // Just before the migration that packs first versions (later ones follow it).
    let packing = number_of("20261207_0023_peer_compact").expect("the migration is listed");
    let mut conn = rusqlite::Connection::open_in_memory()?;
    migrate_to(&mut conn, packing - 1)?;
    // First versions of a client (text, integer, empty), a later version over one of them,
    // a second record's first version, a person's (kept as a row), a first version that is
    // not of the record's first moment (another hlc).
    conn.execute_batch(
        r#"INSERT INTO peer_field VALUES
          ('client', 'c1', 'given_name', 10, 'i1', '[]', 'Rasa'),
          ('client', 'c1', 'birth_year', 10, 'i1', '[]', 1988),
          ('client', 'c1', 'phone', 10, 'i1', '[]', NULL),
          ('client', 'c1', 'phone', 20, 'i2', '[[10,"i1"]]', '+370 600 00001'),
          ('client', 'c1', 'address', 15, 'i1', '[]', '{"not": "json"}'),
          ('case_file', 'k1', 'status', 11, 'i1', '[]', 'open'),
          ('staff', 'ona', 'slot', 12, 'i1', '[]', '{"slot": 1}');"#,
    )?;
    let before = view(&conn)?;
    migrate_to(&mut conn, LATEST)?;
    assert_eq!(
        view(&conn)?,
        before,
        "the view shows every version as before"
    );
    let packed: i64 = conn.query_row("SELECT count(*) FROM peer_genesis", [], |r| r.get(0))?;
    let rows: i64 = conn.query_row("SELECT count(*) FROM peer_version", [], |r| r.get(0))?;
    assert_eq!(
        (packed, rows),
        (3, 2),
        "first versions packed by record and version"
    );
    // Read back in Rust as the view shows them, and stored again without a change.
    let mut read = Vec::new();
    for (tbl, id) in [("case_file", "k1"), ("client", "c1"), ("staff", "ona")] {
        let mut vs = super::merge::record_versions(&conn, tbl, id)?;
        vs.sort_by(|a, b| (&a.field, a.hlc, &a.install).cmp(&(&b.field, b.hlc, &b.install)));
        for v in &vs {
            read.push(vec![
                rusqlite::types::Value::Text(v.tbl.clone()),
                rusqlite::types::Value::Text(v.record_id.clone()),
                rusqlite::types::Value::Text(v.field.clone()),
                rusqlite::types::Value::Integer(v.hlc),
                rusqlite::types::Value::Text(v.install.clone()),
                rusqlite::types::Value::Text(serde_json::to_string(&v.bases).unwrap_or_default()),
                v.value.to_value()?,
            ]);
        }
        assert!(super::merge::insert_versions(&conn, &vs)?.is_empty());
    }
    let shown: Vec<Vec<rusqlite::types::Value>> = before.iter().map(|r| r[..7].to_vec()).collect();
    assert_eq!(read, shown);
    assert_eq!(view(&conn)?, before);
    Ok(())
}

#[test]
fn an_enrolment_file_whose_copy_positions_were_changed_is_refused() -> Result<()> {
    let tmp = tempfile::tempdir().map_err(crate::error::Error::io(Path::new("tmp")))?;
    let (mut a, recovery) = centre(&tmp.path().join("a"))?;
    let (_b, enrolment, short) = join_only(&mut a, &recovery, tmp.path(), "b")?;
    let mut file: serde_json::Value = serde_json::from_str(&enrolment)
        .map_err(|e| crate::error::Error::invalid(e.to_string()))?;
    let copied = file["copied"].as_str().unwrap_or_default().to_owned();
    let mut positions: registry::Copied =
        serde_json::from_str(&copied).map_err(|e| crate::error::Error::invalid(e.to_string()))?;
    // Claiming a copy that holds more than it does would make A send too little.
    positions.change += 1000;
    file["copied"] = serde_json::Value::String(
        serde_json::to_string(&positions)
            .map_err(|e| crate::error::Error::invalid(e.to_string()))?,
    );
    let changed = file.to_string();
    let err = a.peers_add(&changed, &short).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "the enrolment file was changed after it was written; write it again on that computer"
        )
    );
    // Without its signature, likewise; and nothing was added.
    file["copied_sig"] = serde_json::Value::Null;
    assert!(a.peers_add(&file.to_string(), &short).is_err());
    assert_eq!(a.peers_list()?.len(), 1);
    // The file as written is added.
    a.peers_add(&enrolment, &short)?;
    assert_eq!(a.peers_list()?.len(), 2);
    Ok(())
}
