//! The tamper matrix: every single-byte change and every truncation of a reference bundle,
//! enrolment file, key-slot file, backup file and instrument pack, each fed to the parser
//! that reads such files from outside. Each must be refused with an error, never a panic
//! (a panic fails this test). For the JSON formats, a change that still reads is counted
//! apart: as *identical* when the value read is the same, or — only for the fields the
//! format does not authenticate by design — as *unauthenticated*; anything else fails.
//! The counts are printed (`cargo test --test it tamper -- --nocapture`) and recorded in
//! `docs/reliability.md`.
//!
//! Mutations: at every byte position, XOR 0x01; at the first 64 positions (the magic,
//! version and length fields of the binary formats, the opening of the JSON ones), also XOR
//! 0x02, 0x04, 0x10, 0x20, 0x40, 0x80 and 0xFF. Truncations: every length from 0 to the
//! file's length minus one. The backup is the one large file: its prefix, JSON header and
//! trailer get the full treatment, its database bytes a sample (see [`backup`]).

#![allow(
    clippy::print_stdout,
    reason = "the counts are the harness's output, recorded in docs/reliability.md"
)]

use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use std::path::Path;

use atrama::bundle::format::{self, OpeningKey};
use atrama::risk::InstrumentPack;
use atrama::store::keyslots::KeySlotFile;
use atrama::sync::identity::EnrolmentFile;
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Role, Store};
use serde_json::Value;

const HEADER_POSITIONS: usize = 64;
const HEADER_XORS: [u8; 7] = [0x02, 0x04, 0x10, 0x20, 0x40, 0x80, 0xFF];
const PASS: &str = "tamper matrix passphrase";

/// What a mutated file gave.
enum Outcome {
    /// Refused with an error.
    Rejected,
    /// Read, and the value read is the original one.
    Identical,
    /// Read with the same authenticated content; only the named unauthenticated fields differ.
    Unauthenticated(Vec<String>),
    /// Read as a different, fully valid file (instrument packs: they are not signed).
    ValidDifferent,
}

/// Where a mutated file came from: a byte changed at a position, or a cut at a length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Change {
    At(usize),
    Cut(usize),
}

/// The kind of outcome, without its details (the key of [`Counts::accepted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Accepted {
    Identical,
    Unauthenticated,
    ValidDifferent,
}

#[derive(Default)]
struct Counts {
    tried: usize,
    rejected: usize,
    identical: usize,
    unauthenticated: usize,
    valid_different: usize,
    fields: BTreeSet<String>,
    /// Every change that was not rejected, with what it gave.
    accepted: Vec<(Change, Accepted)>,
}

impl Counts {
    fn record(&mut self, change: Change, outcome: Outcome) {
        self.tried += 1;
        let accepted = match outcome {
            Outcome::Rejected => {
                self.rejected += 1;
                return;
            }
            Outcome::Identical => {
                self.identical += 1;
                Accepted::Identical
            }
            Outcome::Unauthenticated(fields) => {
                self.unauthenticated += 1;
                self.fields.extend(fields);
                Accepted::Unauthenticated
            }
            Outcome::ValidDifferent => {
                self.valid_different += 1;
                Accepted::ValidDifferent
            }
        };
        self.accepted.push((change, accepted));
    }

    /// Fails unless every accepted change of `original` is a byte changed inside one of
    /// `spans` and gave one of `kinds`, or a cut of trailing white space that read the same:
    /// a change anywhere else (a signed field, a member name, the structure, a cut into the
    /// content) that is not refused is a regression.
    fn assert_accepted_only_within(
        &self,
        what: &str,
        original: &[u8],
        spans: &[Span],
        kinds: &[Accepted],
    ) {
        for (change, kind) in &self.accepted {
            let allowed = match change {
                Change::At(pos) => {
                    spans.iter().any(|s| s.range.contains(pos)) && kinds.contains(kind)
                }
                Change::Cut(len) => {
                    *kind == Accepted::Identical
                        && original[*len..].iter().all(u8::is_ascii_whitespace)
                }
            };
            assert!(
                allowed,
                "{what}: {change:?} was accepted ({kind:?}) outside the allowed places {:?}",
                spans.iter().map(|s| &s.key).collect::<BTreeSet<_>>()
            );
        }
    }

    fn print(&self, what: &str, secs: f64) {
        println!(
            "tamper {what}: tried {} rejected {} identical {} unauthenticated {} {:?} valid-different {} ({secs:.1} s)",
            self.tried,
            self.rejected,
            self.identical,
            self.unauthenticated,
            self.fields,
            self.valid_different,
        );
    }
}

/// Every mutation of `original` at `positions` (XOR 0x01, plus [`HEADER_XORS`] below
/// [`HEADER_POSITIONS`]) and every truncation to a length in `lengths`, each given to `check`.
fn matrix(
    what: &str,
    original: &[u8],
    positions: impl IntoIterator<Item = usize>,
    lengths: impl IntoIterator<Item = usize>,
    mut check: impl FnMut(&[u8]) -> Outcome,
) -> Counts {
    let started = std::time::Instant::now();
    let mut counts = Counts::default();
    let mut buf = original.to_vec();
    for pos in positions {
        let extra: &[u8] = if pos < HEADER_POSITIONS {
            &HEADER_XORS
        } else {
            &[]
        };
        for &x in std::iter::once(&0x01).chain(extra) {
            buf[pos] ^= x;
            counts.record(Change::At(pos), check(&buf));
            buf[pos] ^= x;
        }
    }
    for len in lengths {
        counts.record(Change::Cut(len), check(&original[..len]));
    }
    assert_eq!(buf, original);
    counts.print(what, started.elapsed().as_secs_f64());
    counts
}

/// The paths (`a.b[2].c`) where two JSON values differ.
fn diff(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => diff(u, v, &format!("{path}.{k}"), out),
                    _ => out.push(format!("{path}.{k}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                diff(u, v, &format!("{path}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(path.to_owned()),
    }
}

/// The last name in each path, with array indexes dropped (`slots[1].created_at` → `created_at`).
fn field_names(paths: &[String]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.rsplit('.').next().unwrap_or(p).to_owned())
        .collect()
}

/// A scalar value in a JSON text: its bytes (quotes included for a string) and the name of
/// the object member it is the value of (or an element of).
#[derive(Debug, Clone)]
struct Span {
    range: std::ops::Range<usize>,
    key: String,
}

/// The byte spans of every scalar value (string, number, `true`, `false`, `null`) of a JSON
/// text — not of member names or of the structure between them.
fn value_spans(text: &[u8]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut key = String::new();
    let mut i = 0;
    while i < text.len() {
        let start = i;
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(text.len());
                let mut j = i;
                while j < text.len() && text[j].is_ascii_whitespace() {
                    j += 1;
                }
                if text.get(j) == Some(&b':') {
                    key = String::from_utf8_lossy(&text[start + 1..i - 1]).into_owned();
                } else {
                    out.push(Span {
                        range: start..i,
                        key: key.clone(),
                    });
                }
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                while i < text.len()
                    && (text[i].is_ascii_alphanumeric() || b"+-.".contains(&text[i]))
                {
                    i += 1;
                }
                out.push(Span {
                    range: start..i,
                    key: key.clone(),
                });
            }
            _ => i += 1,
        }
    }
    out
}

/// The value spans of `text` that belong to the members named in `keys`.
fn spans_of(text: &[u8], keys: &[&str]) -> Vec<Span> {
    let spans: Vec<Span> = value_spans(text)
        .into_iter()
        .filter(|s| keys.contains(&s.key.as_str()))
        .collect();
    for key in keys {
        assert!(
            spans.iter().any(|s| s.key == *key),
            "the reference file has no {key}"
        );
    }
    spans
}

#[test]
fn the_json_value_scanner_finds_values_not_names() {
    let text = br#"{"a": "x\"y", "b": [1, -2.5e3, true], "c": {"d": null}}"#;
    let found: Vec<(String, String)> = value_spans(text)
        .into_iter()
        .map(|s| (s.key, String::from_utf8_lossy(&text[s.range]).into_owned()))
        .collect();
    let want = [
        ("a", r#""x\"y""#),
        ("b", "1"),
        ("b", "-2.5e3"),
        ("b", "true"),
        ("d", "null"),
    ];
    assert_eq!(
        found,
        want.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
    );
}

fn new_store(dir: &Path) -> (Store, atrama::RecoveryKey) {
    let centre = NewCentre {
        code: "TMP-01".into(),
        name: "Tamper centre".into(),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    Store::create(
        dir,
        &centre,
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap()
}

#[test]
fn bundle_every_byte_change_and_truncation_is_refused() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundle-v1");
    let golden = std::fs::read(dir.join("bundle.atrama")).unwrap();
    let payload = std::fs::read(dir.join("payload.jsonl")).unwrap();
    // The documented keys of the golden bundle (tests/it/bundle_fixture.rs).
    let sender = ed25519_dalek::SigningKey::from_bytes(&[0x22; 32]).verifying_key();
    let recipient = OpeningKey::from_bytes(&[0x11; 32]).unwrap();
    // The whole reading path of an import: routing header, signature, decryption, payload.
    let read = |bytes: &[u8]| -> atrama::Result<Vec<u8>> {
        format::read_header(&mut Cursor::new(bytes))?;
        let mut cur = Cursor::new(bytes);
        let verified = format::verify(&mut cur, |_| Ok(sender))?;
        let mut reader = format::open_verified(cur, &verified, &recipient)?;
        let mut out = Vec::new();
        reader
            .read_to_end(&mut out)
            .map_err(|e| format::payload_error(&e))?;
        reader.finish()?;
        Ok(out)
    };
    assert_eq!(read(&golden).unwrap(), payload, "the reference reads");
    let counts = matrix(
        "bundle",
        &golden,
        0..golden.len(),
        0..golden.len(),
        |b| match read(b) {
            Err(_) => Outcome::Rejected,
            Ok(p) => panic!("a changed bundle was accepted ({} payload bytes)", p.len()),
        },
    );
    assert_eq!(counts.rejected, counts.tried);
}

#[test]
fn enrolment_file_every_byte_change_and_truncation_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, _) = new_store(&tmp.path().join("store"));
    let text = store.enrolment_file().unwrap();
    let original_info = store.inspect_enrolment(&text).unwrap();
    let original_file: Value = serde_json::from_str(&text).unwrap();
    let file = tmp.path().join("x.enrol");
    // As the app reads one: from a file (size and UTF-8 checked), then parsed and verified.
    let mut check = |bytes: &[u8]| {
        std::fs::write(&file, bytes).unwrap();
        let read = atrama::sync::identity::read_enrolment_file(&file)
            .and_then(|t| store.inspect_enrolment(&t).map(|info| (t, info)));
        match read {
            Err(_) => Outcome::Rejected,
            Ok((t, info)) => {
                assert_eq!(info, original_info, "a changed enrolment file was accepted");
                let parsed: EnrolmentFile = serde_json::from_str(&t).unwrap();
                let value = serde_json::to_value(&parsed).unwrap();
                let mut paths = Vec::new();
                diff(&original_file, &value, "", &mut paths);
                if paths.is_empty() {
                    Outcome::Identical
                } else {
                    Outcome::Unauthenticated(field_names(&paths))
                }
            }
        }
    };
    let bytes = text.as_bytes();
    let counts = matrix(
        "enrolment",
        bytes,
        0..bytes.len(),
        0..bytes.len(),
        &mut check,
    );
    // The signature covers the keys, centre code, name, country and mode; the written
    // fingerprint is recomputed from the keys and the date is informational.
    for field in &counts.fields {
        assert!(
            ["created_at", "fingerprint"].contains(&field.as_str()),
            "an enrolment file with a changed {field} was accepted"
        );
    }
    // Every change that was not refused lies inside the value of one of those two fields
    // (never in a signed field, a member name, the structure, or a cut), and such changes
    // are met (the harness reaches them and tells them apart).
    counts.assert_accepted_only_within(
        "enrolment file",
        bytes,
        &spans_of(bytes, &["created_at", "fingerprint"]),
        &[Accepted::Unauthenticated],
    );
    assert!(counts.unauthenticated > 0);
}

#[test]
fn key_slot_file_every_byte_change_and_truncation_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let (mut store, recovery) = new_store(&dir);
    store
        .add_staff(
            "tomas",
            Role::Counsellor,
            &["legal".to_owned()],
            &Passphrase::new(PASS),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
    drop(store);
    let path = atrama::store::keyslots::path_in(&dir);
    let original = std::fs::read(&path).unwrap();
    // Compared as read and written again, so that e.g. an upper-case hex digit of a UUID
    // (the same UUID) counts as identical.
    let normalised = |b: &[u8]| -> Value {
        serde_json::from_slice(
            &KeySlotFile::from_bytes(b, &path)
                .unwrap()
                .to_bytes()
                .unwrap(),
        )
        .unwrap()
    };
    let original_value = normalised(&original);
    // As an unlock uses it: parsed and checked, then every slot opened with its secret.
    let keys = |bytes: &[u8]| -> atrama::Result<Vec<[u8; 32]>> {
        let file = KeySlotFile::from_bytes(bytes, &path)?;
        Ok(vec![
            *file
                .unwrap_user("ona", PASS.as_bytes())?
                .dangerously_expose(),
            *file
                .unwrap_user("tomas", PASS.as_bytes())?
                .dangerously_expose(),
            *file
                .unwrap_recovery(recovery.dangerously_expose())?
                .dangerously_expose(),
        ])
    };
    let original_keys = keys(&original).unwrap();
    assert!(original_keys.iter().all(|k| *k == original_keys[0]));
    let counts = matrix(
        "key slots",
        &original,
        0..original.len(),
        0..original.len(),
        |b| match keys(b) {
            Err(_) => Outcome::Rejected,
            Ok(k) => {
                assert_eq!(k, original_keys, "a changed key slot opened another key");
                let value = normalised(b);
                let mut paths = Vec::new();
                diff(&original_value, &value, "", &mut paths);
                if paths.is_empty() {
                    Outcome::Identical
                } else {
                    Outcome::Unauthenticated(field_names(&paths))
                }
            }
        },
    );
    // A slot's creation time is informational; everything else is bound to the slot by
    // the additional data or feeds the key derivation.
    for field in &counts.fields {
        assert_eq!(
            field, "created_at",
            "a key-slot file with a changed {field} was accepted"
        );
    }
    // Not refused: a changed slot creation time (unauthenticated), or a change that reads
    // back to the same file (a UUID hex digit in the other case); nothing else, no cut.
    let mut allowed = spans_of(&original, &["created_at"]);
    allowed.extend(spans_of(&original, &["store_id", "id"]));
    counts.assert_accepted_only_within(
        "key-slot file",
        &original,
        &allowed,
        &[Accepted::Unauthenticated, Accepted::Identical],
    );
    for (change, kind) in &counts.accepted {
        if let Change::At(pos) = change {
            let in_time = spans_of(&original, &["created_at"])
                .iter()
                .any(|s| s.range.contains(pos));
            assert_eq!(
                *kind == Accepted::Unauthenticated,
                in_time,
                "key-slot file: {change:?} gave {kind:?}"
            );
        }
    }
    assert!(counts.unauthenticated > 0);
}

/// The backup of a new, empty store. Full treatment for the 16-byte prefix, the JSON header
/// and the 32-byte trailer (every position, every truncation); the database bytes are
/// sampled: the first 64 bytes, then every 2039th byte (a prime, so the sample walks through
/// every offset within the 4 KiB pages), and every 2039th truncation length.
#[test]
fn backup_every_header_byte_change_sampled_database_and_truncation_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, recovery) = new_store(&tmp.path().join("store"));
    let reference = tmp.path().join("reference.atrbak");
    store.create_backup(&reference).unwrap();
    drop(store);
    let original = std::fs::read(&reference).unwrap();
    atrama::admin::backup::verify_with_recovery(&reference, &recovery).unwrap();
    let header_len = u32::from_be_bytes(original[12..16].try_into().unwrap()) as usize;
    let db_start = 16 + header_len;
    let db_end = original.len() - 32;
    let positions: Vec<usize> = (0..db_start)
        .chain(db_start..db_start + 64)
        .chain((db_start + 64..db_end).step_by(2039))
        .chain(db_end..original.len())
        .collect();
    let lengths: Vec<usize> = (0..db_start + 64)
        .chain((db_start + 64..db_end).step_by(2039))
        .chain(db_end..original.len())
        .collect();
    let file = tmp.path().join("mutated.atrbak");
    let counts = matrix("backup", &original, positions, lengths, |b| {
        std::fs::write(&file, b).unwrap();
        match atrama::admin::backup::verify_with_recovery(&file, &recovery) {
            Err(_) => Outcome::Rejected,
            Ok(_) => panic!("a changed backup was accepted"),
        }
    });
    println!(
        "tamper backup: file {} bytes (header {} bytes, database {} bytes)",
        original.len(),
        header_len,
        db_end - db_start
    );
    assert_eq!(counts.rejected, counts.tried);
}

#[test]
fn instrument_pack_every_byte_change_and_truncation_is_refused_or_a_valid_pack() {
    let codes = atrama::codes::CodeLists::builtin().unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/instruments/count-v1.json");
    let original = std::fs::read(&path).unwrap();
    let reference = InstrumentPack::parse(std::str::from_utf8(&original).unwrap(), codes).unwrap();
    // As an import reads one: UTF-8 text, parsed and validated in full.
    let counts = matrix(
        "instrument pack",
        &original,
        0..original.len(),
        0..original.len(),
        |b| {
            let parsed = std::str::from_utf8(b)
                .map_err(|_| ())
                .and_then(|t| InstrumentPack::parse(t, codes).map_err(|_| ()));
            match parsed {
                Err(()) => Outcome::Rejected,
                Ok(p) if p == reference => Outcome::Identical,
                Ok(_) => Outcome::ValidDifferent,
            }
        },
    );
    // A pack is not signed: a change inside a value (a text, a number, a code) may give
    // another valid pack; a change of a member name or of the structure, and every cut, must
    // be refused (the reader refuses unknown members and incomplete files).
    counts.assert_accepted_only_within(
        "instrument pack",
        &original,
        &value_spans(&original),
        &[Accepted::ValidDifferent, Accepted::Identical],
    );
    assert!(counts.valid_different > 0);
    assert!(counts.rejected > counts.tried / 2);
}

/// Regression (found by the tamper matrix): a format-2 slot's public key is not covered by
/// its additional data, and a slot whose public key had been replaced still unlocked — and a
/// key rotation would then have sealed the new database key to the replaced key.
#[test]
fn a_key_slot_with_another_public_key_does_not_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let (store, recovery) = new_store(&dir);
    drop(store);
    let path = atrama::store::keyslots::path_in(&dir);
    let mut value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let stranger = OpeningKey::generate().public().to_bytes();
    for slot in value["slots"].as_array_mut().unwrap() {
        slot["public_key"] = Value::String(base64_encode(&stranger));
    }
    let bytes = serde_json::to_vec(&value).unwrap();
    let file = KeySlotFile::from_bytes(&bytes, &path).unwrap();
    assert_eq!(
        file.unwrap_user("ona", PASS.as_bytes()).unwrap_err().code(),
        atrama::ErrorCode::WrongPassphrase
    );
    assert!(file.unwrap_recovery(recovery.dangerously_expose()).is_err());
    std::fs::write(&path, &bytes).unwrap();
    assert!(Store::unlock(&dir, "ona", &Passphrase::new(PASS)).is_err());
}

/// Regression (found by the tamper matrix): an enrolment file of version 0 was read as if it
/// were version 1.
#[test]
fn an_enrolment_file_of_version_0_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, _) = new_store(&tmp.path().join("store"));
    let text = store.enrolment_file().unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["version"], 1);
    value["version"] = Value::from(0);
    let changed = serde_json::to_string(&value).unwrap();
    assert!(store.inspect_enrolment(&changed).is_err());
    value["version"] = Value::from(1);
    assert!(
        store
            .inspect_enrolment(&serde_json::to_string(&value).unwrap())
            .is_ok()
    );
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
