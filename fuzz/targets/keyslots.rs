//! Fuzzes the key-slot file reader (`KeySlotFile::from_bytes`, formats 1 and 2), its writer,
//! and the unwrapping of every slot — past the Argon2id and AES-GCM steps: at start a store
//! is made with cheap test key-derivation parameters (`KdfParams::INSECURE_FOR_TESTS`) and
//! its `keyslots.json` and recovery key are kept. An input that is a JSON object is a merge
//! patch (RFC 7386) over that file, so a fuzzed field sits in a file whose other slots and
//! wraps are genuine and unwrap with the known passphrase and recovery key (HPKE opening of
//! the database key, the public-key and binding checks); any other input is read as a whole
//! file. Slots are unwrapped only when their Argon2 parameters are cheap (≤ 256 KiB,
//! ≤ 2 passes). The empty patch `{}` must unwrap every slot: that shows the target gets past
//! the key derivation.

use std::path::Path;
use std::sync::OnceLock;

use atrama::store::keyslots::{KeySlotFile, SlotKind};
use serde_json::Value;

use super::shared;

struct Reference {
    file: Value,
    recovery: Vec<u8>,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let dir = shared::scratch("keyslots").join("store");
        let (store, recovery) = shared::new_store(&dir);
        drop(store);
        let bytes = std::fs::read(dir.join("keyslots.json")).expect("the key-slot file");
        let _ = std::fs::remove_dir_all(&dir);
        Reference {
            file: serde_json::from_slice(&bytes).expect("JSON"),
            recovery: recovery.dangerously_expose().to_vec(),
        }
    })
}

fn cheap(file: &KeySlotFile, kind: SlotKind, user: Option<&str>) -> bool {
    file.kdf_of(kind, user)
        .is_some_and(|k| k.m_kib <= 256 && k.t <= 2 && k.p <= 2)
}

/// Makes the reference at start (the fuzzer's `init`), not in the first input's time.
pub fn init() {
    reference();
}

/// One input.
pub fn run(data: &[u8]) {
    let reference = reference();
    let patched = match serde_json::from_slice::<Value>(data) {
        Ok(patch @ Value::Object(_)) => {
            let mut file = reference.file.clone();
            shared::merge_patch(&mut file, &patch);
            Some(serde_json::to_vec(&file).expect("JSON"))
        }
        _ => None,
    };
    let bytes = patched.as_deref().unwrap_or(data);
    let file = KeySlotFile::from_bytes(bytes, Path::new("keyslots.json"));
    let unchanged = data == b"{}";
    if unchanged {
        assert!(file.is_ok(), "the reference file reads: {file:?}");
    }
    let Ok(file) = file else {
        return;
    };
    let _ = file.to_bytes();
    for user in file.users() {
        if cheap(&file, SlotKind::User, Some(&user)) {
            let key = file.unwrap_user(&user, shared::PASSPHRASE.as_bytes());
            assert!(!unchanged || key.is_ok(), "the reference slot unwraps");
        }
    }
    if cheap(&file, SlotKind::Recovery, None) {
        let key = file.unwrap_recovery(&reference.recovery);
        assert!(
            !unchanged || key.is_ok(),
            "the reference recovery slot unwraps"
        );
    }
}
