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
