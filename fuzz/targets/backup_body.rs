//! Fuzzes a backup past its whole-file checksum: `backup_header` stops there, because a
//! fuzzer cannot forge a SHA-256. At start, a store with a few records is made and backed up
//! (its recovery key kept); each input is a list of edits to that backup — 5 bytes each: a
//! big-endian offset (modulo the file's length) and a byte to XOR in, and a last 1–4 bytes
//! that cut the file to that fraction — after which the checksum is recomputed, so that the
//! edits reach what follows it: the key slots, the recovery slot's unwrapping, the
//! extraction, SQLCipher's page authentication, the integrity check and the access-log
//! chain (`verify_with_recovery`, as a restore reads a file).
//!
//! The empty input (the unchanged backup) must verify: that shows the target gets past the
//! checksum. Any other input may be refused, never panic.

use std::sync::OnceLock;

use atrama::RecoveryKey;
use sha2::{Digest, Sha256};

use super::shared;

struct Reference {
    backup: Vec<u8>,
    recovery: RecoveryKey,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let dir = shared::scratch("backup-body");
        let (mut store, recovery) = shared::new_store(&dir.join("store"));
        let file = dir.join("reference.atrbak");
        store.create_backup(&file).expect("a backup of it");
        drop(store);
        let backup = std::fs::read(&file).expect("the backup reads");
        let _ = std::fs::remove_dir_all(dir.join("store"));
        let _ = std::fs::remove_file(&file);
        Reference { backup, recovery }
    })
}

/// One input.
pub fn run(data: &[u8]) {
    let reference = reference();
    let mut file = reference.backup.clone();
    let body = file.len() - 32;
    let mut edits = data.chunks_exact(5);
    for edit in &mut edits {
        let offset = u32::from_be_bytes([edit[0], edit[1], edit[2], edit[3]]) as usize % body;
        file[offset] ^= edit[4];
    }
    let rest = edits.remainder();
    if !rest.is_empty() {
        // A cut: keep that fraction of the body (the checksum is appended after it).
        let mut fraction = [0u8; 4];
        fraction[..rest.len()].copy_from_slice(rest);
        let keep = ((u64::from(u32::from_be_bytes(fraction)) * body as u64) >> 32) as usize;
        file.truncate(keep);
    } else {
        file.truncate(body);
    }
    let sum = Sha256::digest(&file);
    file.extend_from_slice(&sum);
    let path = shared::scratch("backup-body").join("fuzzed.atrbak");
    if std::fs::write(&path, &file).is_ok() {
        let checked = atrama::admin::backup::verify_with_recovery(&path, &reference.recovery);
        if data.is_empty() {
            assert!(
                checked.is_ok(),
                "the unchanged backup must verify: {checked:?}"
            );
        }
    }
}
