//! Sync files from a computer of the centre that is hostile (stolen and not yet removed, or
//! running altered software): they pass the signature check, so everything after it must
//! hold on its own. A file is re-sealed here with the sending computer's real keys after its
//! payload was altered, exactly as such a computer could.

use std::path::{Path, PathBuf};

use atrama::Store;
use atrama::bundle::format::{self, BundleKind, OpeningKey, Routing};
use rand_chacha_09::rand_core::SeedableRng;
use serde_json::Value;

/// A computer's own keys and fingerprint, read from its store.
struct Keys {
    fingerprint: String,
    signing: ed25519_dalek::SigningKey,
    opening: [u8; 32],
}

fn keys(store: &Store) -> Keys {
    let conn = store.dangerously_raw_connection();
    let (install_id, x, e): (String, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT install_id, x25519_secret, ed25519_secret FROM peer_self WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let fingerprint: String = conn
        .query_row(
            "SELECT fingerprint FROM peer_install WHERE install_id = ?1",
            [&install_id],
            |r| r.get(0),
        )
        .unwrap();
    Keys {
        fingerprint,
        signing: ed25519_dalek::SigningKey::from_bytes(&e.try_into().unwrap()),
        opening: x.try_into().unwrap(),
    }
}

/// Computer A with a client and a case, and computer B joined from it; the shared folder.
fn two_computers(tmp: &Path) -> (Store, Store, PathBuf) {
    let (a, b, _, _, _) = super::peers_status::two(tmp);
    let folder = tmp.join("shared");
    std::fs::create_dir_all(&folder).unwrap();
    (a, b, folder)
}

/// The payload of the one file from `from` for `to` in `folder`, verified and opened with
/// their keys; the file is removed.
fn take_payload(folder: &Path, from: &Keys, to: &Keys) -> Value {
    let path = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.to_string_lossy()
                .contains(&format!("-to-{}", &to.fingerprint[..16]))
        })
        .expect("a sync file for the recipient");
    let mut input = std::fs::File::open(&path).unwrap();
    let verified = format::verify(&mut input, |h| {
        assert_eq!(h.kind, BundleKind::PeerSync);
        Ok(from.signing.verifying_key())
    })
    .unwrap();
    let opening = OpeningKey::from_bytes(&to.opening).unwrap();
    let mut reader = format::open_verified(&mut input, &verified, &opening).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut bytes).unwrap();
    reader.finish().unwrap();
    std::fs::remove_file(&path).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Seals `payload` as a peer sync file from `from` to `to` into `folder`, as the app names it.
fn seal(folder: &Path, from: &Keys, to: &Keys, sequence: u64, payload: &Value) {
    let routing = Routing {
        bundle_id: uuid::Uuid::now_v7(),
        kind: BundleKind::PeerSync,
        sender: from.fingerprint.clone(),
        recipient: to.fingerprint.clone(),
        sequence,
        period: None,
        created_at: "2026-12-07T10:00:00Z".into(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: atrama::store::migrations::LATEST,
        codes_version: atrama::codes::CodeLists::builtin()
            .unwrap()
            .version()
            .to_owned(),
        prev_hash: None,
    };
    let recipient = OpeningKey::from_bytes(&to.opening).unwrap().public();
    let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(sequence);
    let mut w = format::seal(Vec::new(), routing, &recipient, &from.signing, &mut rng).unwrap();
    std::io::Write::write_all(&mut w, &serde_json::to_vec(payload).unwrap()).unwrap();
    let bytes = w.finish().unwrap().0;
    let name = format!(
        "atrama-peer-{}-to-{}-{sequence:010}.atrsync",
        &from.fingerprint[..16],
        &to.fingerprint[..16]
    );
    std::fs::write(folder.join(name), bytes).unwrap();
}

/// A row of the recipient's copy of other computers' access logs whose user name is `like`.
fn foreign_log_rows(store: &Store, like: &str) -> i64 {
    store
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM peer_access_log WHERE username LIKE ?1",
            [like],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn an_access_log_entry_naming_its_own_columns_is_refused_and_runs_no_sql() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, folder) = two_computers(tmp.path());
    let (ka, kb) = (keys(&a), keys(&b));
    a.peers_sync(&folder).unwrap();
    let genuine = take_payload(&folder, &ka, &kb);
    let mut payload = genuine.clone();
    let log = payload["access_log"].as_array_mut().unwrap();
    assert!(!log.is_empty(), "computer A's access log travels");
    // The entry's cell names become column names: this one closes the column list and
    // selects the recipient's own client count into the user name.
    let entry = log[0].as_object_mut().unwrap();
    let user = entry.remove("username").unwrap();
    entry.insert(
        r#"username") SELECT ?,?,?,?,?,?,?,?, ? || '|' || (SELECT count(*) FROM client) --"#.into(),
        user,
    );
    seal(&folder, &ka, &kb, 90, &payload);
    let report = b.peers_sync(&folder).unwrap();
    assert_eq!(
        foreign_log_rows(&b, "%|%"),
        0,
        "a column name from the file ran as SQL"
    );
    assert_eq!(report.applied.len(), 0, "{report:?}");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(
        foreign_log_rows(&b, "%"),
        0,
        "nothing of the file was applied"
    );
    // The genuine file, sealed again unaltered, is applied (so the refusal above is the
    // altered entry's).
    seal(&folder, &ka, &kb, 91, &genuine);
    let report = b.peers_sync(&folder).unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    assert!(foreign_log_rows(&b, "ona") > 0);
    assert_eq!(foreign_log_rows(&b, "%|%"), 0);
}

/// Rows of the archived monthly counts of purged cases on a computer.
fn archived_rows(store: &Store) -> i64 {
    store
        .dangerously_raw_connection()
        .query_row("SELECT count(*) FROM stat_archive", [], |r| r.get(0))
        .unwrap()
}

/// A purge received without the counts its computer archived — from an Atrama before
/// payload format 4 — archives the recipient's own copy of the case, as before (without
/// the change the purging computer had not synced: `docs/peers.md`, "Limits"); the same
/// purge arriving afterwards with its counts archives nothing more.
#[test]
fn a_purge_received_without_counts_archives_the_recipients_own_copy_once() {
    use super::peers::{archived_contact, last_contact_then_purge, old_consenting_case, shown};
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, folder) = two_computers(tmp.path());
    let (ka, kb) = (keys(&a), keys(&b));
    let case = old_consenting_case(&mut a);
    a.peers_sync(&folder).unwrap();
    assert_eq!(b.peers_sync(&folder).unwrap().applied.len(), 1);
    let on_a = last_contact_then_purge(&mut a, case);
    let second = tmp.path().join("second");
    std::fs::create_dir_all(&second).unwrap();
    a.peers_sync(&second).unwrap();
    let genuine = take_payload(&second, &ka, &kb);
    assert_eq!(genuine["format"], 4);
    let carried = genuine["purge_counts"].as_array().unwrap();
    assert_eq!(carried.len(), 1, "the purge's counts travel: {carried:?}");
    assert_eq!(carried[0]["case_id"], case.to_string());
    // The file as an Atrama of payload format 3 wrote it: no counts.
    let mut old = genuine.clone();
    old["format"] = 3.into();
    old.as_object_mut().unwrap().remove("purge_counts");
    seal(&second, &ka, &kb, 90, &old);
    let report = b.peers_sync(&second).unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    assert!(b.case(case).is_err(), "B purged the case");
    assert!(archived_rows(&b) > 0, "B archived its own copy");
    assert_eq!(
        archived_contact(&b),
        0,
        "B's copy never had the last contact"
    );
    let on_b = shown(&b);
    assert_ne!(on_b, on_a, "the documented limit of files without counts");
    // The genuine file, with the counts, comes afterwards: the purge is known, nothing
    // is archived twice.
    seal(&second, &ka, &kb, 91, &genuine);
    let report = b.peers_sync(&second).unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    assert_eq!(shown(&b), on_b, "the purge was archived twice");
}

/// Counts carried for a case the file does not purge (a computer running altered
/// software adding to the recipient's archived statistics) are refused with the whole
/// file; the genuine file is applied.
#[test]
fn counts_carried_for_a_case_the_file_does_not_purge_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, folder) = two_computers(tmp.path());
    let (ka, kb) = (keys(&a), keys(&b));
    a.peers_sync(&folder).unwrap();
    let genuine = take_payload(&folder, &ka, &kb);
    let case: String = b
        .dangerously_raw_connection()
        .query_row("SELECT id FROM case_file", [], |r| r.get(0))
        .unwrap();
    let mut forged = genuine.clone();
    forged["purge_counts"] = serde_json::json!([{
        "case_id": case,
        "centre": "KLP-01",
        "consented": true,
        "shared": true,
        "counts": [{"month": "2026-11", "measure": "t6_contacts", "dimension": "legal", "value": 1000}],
    }]);
    seal(&folder, &ka, &kb, 90, &forged);
    let report = b.peers_sync(&folder).unwrap();
    assert_eq!(report.applied.len(), 0, "{report:?}");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(archived_rows(&b), 0, "forged counts were archived");
    assert!(
        b.case(atrama::ids::CaseId::parse(&case).unwrap()).is_ok(),
        "the case was purged"
    );
    seal(&folder, &ka, &kb, 91, &genuine);
    let report = b.peers_sync(&folder).unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    assert_eq!(archived_rows(&b), 0);
}
