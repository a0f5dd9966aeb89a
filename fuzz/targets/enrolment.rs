//! Fuzzes the enrolment file reader (`Store::inspect_enrolment`: JSON, keys, self-signature,
//! centre code and name), as the app reads a file a peer sent, past the self-signature: an
//! input that is a JSON object is a merge patch (RFC 7386) over a valid enrolment file made
//! with test keys, and unless the patch sets `signature` the target signs the result's
//! code, name, country and mode with the test key as the format prescribes, so every check
//! after the signature is reached with fuzzed fields. Any other input is read as a whole
//! file. The empty patch `{}` must be accepted: that shows the target gets past the
//! signature. One store is created at start.

use std::cell::RefCell;

use atrama::Store;
use atrama::bundle::format::OpeningKey;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use serde_json::{Value, json};

use super::shared;

/// `identity.rs`'s `ENROLMENT_CONTEXT` (docs/bundle-format.md, enrolment files).
const CONTEXT: &[u8] = b"atrama enrolment v1\0";

thread_local! {
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

fn store() -> Store {
    shared::new_store(&shared::scratch("enrolment").join("store")).0
}

fn keys() -> ([u8; 32], ed25519_dalek::SigningKey) {
    let x = OpeningKey::from_bytes(&[0x55; 32])
        .expect("a key")
        .public()
        .to_bytes();
    (x, ed25519_dalek::SigningKey::from_bytes(&[0x66; 32]))
}

fn reference() -> Value {
    let (x, e) = keys();
    json!({
        "format": "atrama-enrolment",
        "version": 1,
        "centre_code": "FUZ-02",
        "name": "Fuzz partner centre",
        "country": "LV",
        "mode": "centre",
        "x25519_public": B64.encode(x),
        "ed25519_public": B64.encode(e.verifying_key().to_bytes()),
        "fingerprint": "",
        "created_at": "2026-11-20T10:00:00Z",
        "signature": "",
    })
}

/// Signs `file` as `identity.rs` checks it (the keys as they stand in the file are the
/// test keys unless the patch changed them; then the signature does not verify).
fn sign(file: &mut Value) {
    let (x, e) = keys();
    let mut m = CONTEXT.to_vec();
    m.extend_from_slice(&x);
    m.extend_from_slice(&e.verifying_key().to_bytes());
    for field in ["centre_code", "name", "country", "mode"] {
        let part = file.get(field).and_then(Value::as_str).unwrap_or_default();
        let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
        m.extend_from_slice(&len.to_be_bytes());
        m.extend_from_slice(part.as_bytes());
    }
    file["signature"] = Value::String(B64.encode(e.sign(&m).to_bytes()));
}

/// One input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = match serde_json::from_str::<Value>(text) {
        Ok(patch @ Value::Object(_)) => {
            let mut file = reference();
            shared::merge_patch(&mut file, &patch);
            if patch.get("signature").is_none() && file.is_object() {
                sign(&mut file);
            }
            serde_json::to_string(&file).expect("JSON")
        }
        _ => text.to_owned(),
    };
    STORE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let store = cell.get_or_insert_with(store);
        let read = store.inspect_enrolment(&text);
        if data == b"{}" {
            assert!(read.is_ok(), "the reference enrolment file reads: {read:?}");
        }
    });
}
