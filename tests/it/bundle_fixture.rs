//! The golden bundle of format version 1 (`tests/fixtures/bundle-v1/`): every later version
//! of Atrama must still read it, and sealing the same input with the same randomness must
//! still give the same bytes (so an accidental change of the format is caught here).
//!
//! To write the fixture the first time (never again for version 1):
//! `ATRAMA_WRITE_FIXTURES=1 cargo test --test it bundle_fixture`.

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;

use atrama::bundle::format::{self, BundleKind, OpeningKey, Period, Routing};
use rand_chacha_09::ChaCha20Rng;
use rand_chacha_09::rand_core::SeedableRng;

const RECIPIENT_SECRET: [u8; 32] = [0x11; 32];
const SENDER_SEED: [u8; 32] = [0x22; 32];
const CONTENT_SEED: u64 = 2026;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundle-v1")
}

fn payload() -> String {
    let lines = [
        r#"{"type":"manifest","payload_format":1,"centre":"KLP-01","sharing":"pseudonymised","change_seq_from":0,"change_seq_to":2,"counts":{"case_file":1,"client":1},"withdrawn":0,"fields":{"client":["id"]}}"#,
        r#"{"type":"record","table":"client","row":{"id":"01930000-0000-7000-8000-000000000001","owner_centre":"KLP-01","hlc":1,"pseudonym":"KLP-01:K7Q-2MD","sex":"female"}}"#,
        r#"{"type":"record","table":"case_file","row":{"id":"01930000-0000-7000-8000-000000000002","owner_centre":"KLP-01","hlc":2,"opened_on":"2026-10-01","referral_source":"police"}}"#,
        r#"{"type":"end","records":2,"withdrawn":0,"acks":0}"#,
    ];
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn seal_reference() -> Vec<u8> {
    let recipient = OpeningKey::from_bytes(&RECIPIENT_SECRET).unwrap().public();
    let signer = ed25519_dalek::SigningKey::from_bytes(&SENDER_SEED);
    let sender_fp = atrama::sync::Fingerprint::of(
        &[0u8; 32], // the sender's X25519 key plays no part in sealing
        &signer.verifying_key().to_bytes(),
    );
    let recipient_fp = atrama::sync::Fingerprint::of(&recipient.to_bytes(), &[0u8; 32]);
    let routing = Routing {
        bundle_id: uuid::Uuid::parse_str("01930000-0000-7000-8000-00000000b001").unwrap(),
        kind: BundleKind::CentreExport,
        sender: sender_fp.hex,
        recipient: recipient_fp.hex,
        sequence: 1,
        period: Some(Period {
            from: "2026-10".into(),
            to: "2026-10".into(),
        }),
        created_at: "2026-11-01T08:00:00+00:00".into(),
        app_version: "0.1.0".into(),
        schema_version: 3,
        codes_version: "2026.11.1".into(),
        prev_hash: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(CONTENT_SEED);
    // Format 1 in the prefix: this build writes format 2 with the same layout.
    let mut w = format::seal_format(Vec::new(), 1, routing, &recipient, &signer, &mut rng).unwrap();
    w.write_all(payload().as_bytes()).unwrap();
    w.finish().unwrap().0
}

#[test]
fn the_golden_v1_bundle_still_reads_and_seals_identically() {
    let path = dir().join("bundle.atrama");
    if std::env::var_os("ATRAMA_WRITE_FIXTURES").is_some() && !path.exists() {
        std::fs::create_dir_all(dir()).unwrap();
        std::fs::write(&path, seal_reference()).unwrap();
        std::fs::write(dir().join("payload.jsonl"), payload()).unwrap();
    }
    let golden = std::fs::read(&path).expect("the golden v1 bundle is committed");
    // Read with the documented keys.
    let signer = ed25519_dalek::SigningKey::from_bytes(&SENDER_SEED);
    let mut cur = Cursor::new(&golden[..]);
    let (hash, len) = format::verify_signature(&mut cur, &signer.verifying_key()).unwrap();
    let (header, mut reader) = format::open_payload(
        cur,
        len,
        &OpeningKey::from_bytes(&RECIPIENT_SECRET).unwrap(),
    )
    .unwrap();
    let mut text = String::new();
    reader.read_to_string(&mut text).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(dir().join("payload.jsonl")).unwrap()
    );
    assert_eq!(header.sequence, 1);
    assert_eq!(header.chunk_size, 65536);
    // The documented file hash (docs/bundle-format.md, "Test vectors").
    let documented = std::fs::read_to_string(dir().join("bundle.sha256")).unwrap_or_default();
    if std::env::var_os("ATRAMA_WRITE_FIXTURES").is_some() && documented.is_empty() {
        std::fs::write(dir().join("bundle.sha256"), format!("{hash}\n")).unwrap();
    } else {
        assert_eq!(documented.trim(), hash);
    }
    // Sealing the same input with the same randomness still gives the same bytes.
    assert_eq!(seal_reference(), golden, "the v1 byte layout changed");
}

// ---------------------------------------------------------------------------------------
// Format 2 (`tests/fixtures/bundle-v2/`): the same layout and constants, payload format 2.

/// The sender's pseudonym key (`store_meta.pseudonym_key`), for the derived ids.
const PSEUDONYM_KEY: [u8; 32] = [0x33; 32];

fn dir_v2() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundle-v2")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn keys_v2() -> (OpeningKey, ed25519_dalek::SigningKey, String, String) {
    let recipient = OpeningKey::from_bytes(&RECIPIENT_SECRET).unwrap();
    let signer = ed25519_dalek::SigningKey::from_bytes(&SENDER_SEED);
    let sender_fp = atrama::sync::Fingerprint::of(&[0u8; 32], &signer.verifying_key().to_bytes());
    let recipient_fp = atrama::sync::Fingerprint::of(&recipient.public().to_bytes(), &[0u8; 32]);
    (recipient, signer, sender_fp.hex, recipient_fp.hex)
}

/// The centre's own ids (UUIDv7, never sent) of the fixture's records.
const CLIENT: &str = "01930000-0000-7000-8000-000000000001";
const CASE: &str = "01930000-0000-7000-8000-000000000002";
const INSTALL: &str = "01930000-0000-7000-8000-0000000000aa";
const CLOSED: &str = "01930000-0000-7000-8000-000000000003";
const WITHDRAWN: &str = "01930000-0000-7000-8000-000000000004";

fn payload_v2(recipient_fp: &str) -> String {
    use atrama::sync::pseudonymise::PseudonymKey;
    let k = PseudonymKey::from_bytes(&PSEUDONYM_KEY, recipient_fp);
    let (client, case, install, closed, withdrawn) = (
        k.id(CLIENT),
        k.id(CASE),
        k.id(INSTALL),
        k.id(CLOSED),
        k.id(WITHDRAWN),
    );
    let pseudonym = k.reference("pseudonym", "KLP-01", CLIENT);
    let case_ref = k.reference("case", "KLP-01", CASE);
    let lines = [
        r#"{"type":"manifest","payload_format":2,"centre":"KLP-01","sharing":"pseudonymised","change_seq_from":0,"change_seq_to":4,"counts":{"case_file":1,"case_status_event":1,"client":1},"withdrawn":1,"fields":{"case_file":["id","owner_centre","owner_install","version","created_at","created_by","deleted_at","client_id","case_number","opened_on","referral_source","status","closed_on","closure_reason"],"case_status_event":["id","owner_centre","owner_install","version","created_at","created_by","deleted_at","supersedes","case_id","kind","on_date"],"client":["id","owner_centre","owner_install","version","created_at","created_by","deleted_at","pseudonym","sex","age_band"]}}"#.to_owned(),
        format!(r#"{{"type":"record","table":"client","row":{{"age_band":"25-34","created_at":"2026-10-01T00:00:00+00:00","created_by":"","deleted_at":null,"id":"{client}","owner_centre":"KLP-01","owner_install":"{install}","pseudonym":"{pseudonym}","sex":"female","version":1}}}}"#),
        format!(r#"{{"type":"record","table":"case_file","row":{{"case_number":"{case_ref}","client_id":"{client}","closed_on":"2026-11-01","closure_reason":"needs_met","created_at":"2026-10-01T00:00:00+00:00","created_by":"","deleted_at":null,"id":"{case}","opened_on":"2026-10-01","owner_centre":"KLP-01","owner_install":"{install}","referral_source":"police","status":"closed","version":2}}}}"#),
        format!(r#"{{"type":"record","table":"case_status_event","row":{{"case_id":"{case}","created_at":"2026-11-01T00:00:00+00:00","created_by":"","deleted_at":null,"id":"{closed}","kind":"close","on_date":"2026-11-01","owner_centre":"KLP-01","owner_install":"{install}","supersedes":null,"version":3}}}}"#),
        format!(r#"{{"type":"withdraw","case_id":"{withdrawn}"}}"#),
        r#"{"type":"reference_state","items":[{"kind":"code_lists","item_id":"codelists","version":"2026.11.1"}]}"#.to_owned(),
        r#"{"type":"end","records":3,"withdrawn":1,"acks":0}"#.to_owned(),
    ];
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn seal_reference_v2() -> Vec<u8> {
    let (recipient, signer, sender_fp, recipient_fp) = keys_v2();
    let routing = Routing {
        bundle_id: uuid::Uuid::parse_str("01930000-0000-7000-8000-00000000b002").unwrap(),
        kind: BundleKind::CentreExport,
        sender: sender_fp,
        recipient: recipient_fp.clone(),
        sequence: 1,
        period: Some(Period {
            from: "2026-11".into(),
            to: "2026-11".into(),
        }),
        created_at: "2026-12-01T08:00:00+00:00".into(),
        app_version: "0.2.0".into(),
        schema_version: 12,
        codes_version: "2026.11.1".into(),
        prev_hash: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(CONTENT_SEED);
    let mut w = format::seal(Vec::new(), routing, &recipient.public(), &signer, &mut rng).unwrap();
    w.write_all(payload_v2(&recipient_fp).as_bytes()).unwrap();
    w.finish().unwrap().0
}

/// The values `docs/bundle-format.md` §8 lists for the format-2 golden file, every one
/// checked here against the file.
const V2_CONTENT_KEY: &str = "22ec148010e5aa80fea2d5d3892674a040cb6b70cf63978d36a2ea9bfd4cef3e";
const V2_EPHEMERAL_IKM: &str = "332fa28eca69111b4e09c76d77ac068574364632cd2728f60b6cbbf2a1ed388c";
const V2_EPHEMERAL_SECRET: &str =
    "38709c0474d496bdee90509f3cd6a24e854ea170f856cb878644d52e1e949202";

#[test]
fn the_golden_v2_bundle_decodes_and_seals_identically() {
    use rand_chacha_09::rand_core::RngCore;
    let path = dir_v2().join("bundle.atrama");
    let (recipient, signer, _, recipient_fp) = keys_v2();
    if std::env::var_os("ATRAMA_WRITE_FIXTURES").is_some() && !path.exists() {
        std::fs::create_dir_all(dir_v2()).unwrap();
        let bytes = seal_reference_v2();
        std::fs::write(&path, &bytes).unwrap();
        std::fs::write(dir_v2().join("payload.jsonl"), payload_v2(&recipient_fp)).unwrap();
        let hash = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&bytes));
        std::fs::write(dir_v2().join("bundle.sha256"), format!("{}\n", hex(&hash))).unwrap();
    }
    let golden = std::fs::read(&path).expect("the golden v2 bundle is committed");
    assert_eq!(&golden[8..10], &[0, 2], "format version 2");
    let mut cur = Cursor::new(&golden[..]);
    let (hash, len) = format::verify_signature(&mut cur, &signer.verifying_key()).unwrap();
    let (header, mut reader) = format::open_payload(cur, len, &recipient).unwrap();
    let mut text = String::new();
    reader.read_to_string(&mut text).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(dir_v2().join("payload.jsonl")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(dir_v2().join("bundle.sha256"))
            .unwrap()
            .trim(),
        hash
    );
    // Every line decodes as this build reads it.
    let lines: Vec<atrama::sync::payload::Line> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    // The derived ids are the documented HMAC of the documented key (docs §7.2, §8).
    use atrama::sync::pseudonymise::PseudonymKey;
    let k = PseudonymKey::from_bytes(&PSEUDONYM_KEY, &recipient_fp);
    for raw in [CLIENT, CASE, INSTALL, CLOSED, WITHDRAWN] {
        let id = k.id(raw);
        assert!(text.contains(&id), "{raw} → {id}");
        assert!(!text.contains(raw), "{raw} is the centre's own id");
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    }
    // The randomness, as bytes: the content key, then the HPKE ephemeral key's input keying
    // material (DeriveKeyPair, RFC 9180 §7.1.3), whose public key is the header's hpke_enc.
    let mut rng = ChaCha20Rng::seed_from_u64(CONTENT_SEED);
    let mut content_key = [0u8; 32];
    rng.fill_bytes(&mut content_key);
    let mut ikm = [0u8; 32];
    rng.fill_bytes(&mut ikm);
    use hpke::{Kem as _, Serializable as _};
    let (sk_e, pk_e) = hpke::kem::X25519HkdfSha256::derive_keypair(&ikm);
    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::STANDARD.encode(pk_e.to_bytes()),
        header.hpke_enc
    );
    let documented = [
        (V2_CONTENT_KEY, hex(&content_key)),
        (V2_EPHEMERAL_IKM, hex(&ikm)),
        (V2_EPHEMERAL_SECRET, hex(&sk_e.to_bytes())),
    ];
    let wrong: Vec<&String> = documented
        .iter()
        .filter(|(doc, actual)| doc != actual)
        .map(|(_, actual)| actual)
        .collect();
    assert!(
        wrong.is_empty(),
        "docs/bundle-format.md §8 must list {wrong:?}"
    );
    // Sealing the same input with the same randomness gives the same bytes.
    assert_eq!(seal_reference_v2(), golden, "the v2 byte layout changed");
}
