//! Fuzzes a backup's header past the whole-file checksum: at start a store is made with
//! cheap key derivation and backed up (its recovery key kept). An input that is a JSON
//! object is a merge patch (RFC 7386) over the backup's JSON header (store id, sizes,
//! versions, the embedded key-slot file with its genuine wraps); any other input replaces
//! the header bytes. The file is then rebuilt as the format prescribes — magic, version,
//! header length, header, the database bytes (cut or zero-padded to a patched `db_size`
//! up to 1 MiB more, so the length check passes), the SHA-256 — and read by
//! `verify_with_recovery` as a restore reads it: header, sizes and offsets, key slots, the
//! recovery slot's unwrapping, extraction, SQLCipher, integrity check, access-log chain,
//! store id. The empty patch `{}` must verify: that shows the target gets past the
//! checksum and the key derivation.

use std::sync::OnceLock;

use atrama::RecoveryKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::shared;

struct Reference {
    prefix: Vec<u8>,
    header: Value,
    db: Vec<u8>,
    recovery: RecoveryKey,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let dir = shared::scratch("backup-fields");
        let (mut store, recovery) = shared::new_store(&dir.join("store"));
        let file = dir.join("reference.atrbak");
        store.create_backup(&file).expect("a backup of it");
        drop(store);
        let bytes = std::fs::read(&file).expect("the backup reads");
        let _ = std::fs::remove_dir_all(dir.join("store"));
        let _ = std::fs::remove_file(&file);
        let len = u32::from_be_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
        Reference {
            prefix: bytes[..12].to_vec(),
            header: serde_json::from_slice(&bytes[16..16 + len]).expect("the header"),
            db: bytes[16 + len..bytes.len() - 32].to_vec(),
            recovery,
        }
    })
}

/// Makes the reference at start (the fuzzer's `init`), not in the first input's time.
pub fn init() {
    reference();
}

/// One input.
pub fn run(data: &[u8]) {
    let reference = reference();
    let mut db: &[u8] = &reference.db;
    let mut padded: Vec<u8>;
    let header = match serde_json::from_slice::<Value>(data) {
        Ok(patch @ Value::Object(_)) => {
            let mut header = reference.header.clone();
            shared::merge_patch(&mut header, &patch);
            if let Some(size) = header.get("db_size").and_then(Value::as_u64) {
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                if size <= db.len() {
                    db = &db[..size];
                } else if size - db.len() <= 1 << 20 {
                    padded = db.to_vec();
                    padded.resize(size, 0);
                    db = &padded;
                }
            }
            serde_json::to_vec(&header).expect("JSON")
        }
        _ => data.to_vec(),
    };
    let mut file = reference.prefix.clone();
    file.extend_from_slice(
        &u32::try_from(header.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    file.extend_from_slice(&header);
    file.extend_from_slice(db);
    let sum = Sha256::digest(&file);
    file.extend_from_slice(&sum);
    let path = shared::scratch("backup-fields").join("fuzzed.atrbak");
    if std::fs::write(&path, &file).is_ok() {
        let checked = atrama::admin::backup::verify_with_recovery(&path, &reference.recovery);
        if data == b"{}" {
            assert!(
                checked.is_ok(),
                "the unchanged backup must verify: {checked:?}"
            );
        }
    }
}
