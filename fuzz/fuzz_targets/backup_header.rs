//! Fuzzes the backup file reader up to its checksum (`verify_with_recovery`: magic, format,
//! header length, JSON header, sizes, whole-file SHA-256), as a restore reads a file. The
//! input is written to one scratch file per process.
#![no_main]
#![feature(cfg_overflow_checks)]

use std::sync::OnceLock;

use atrama::RecoveryKey;
use libfuzzer_sys::fuzz_target;

#[path = "shared.rs"]
#[allow(dead_code)]
mod shared;

fn recovery() -> &'static RecoveryKey {
    static KEY: OnceLock<RecoveryKey> = OnceLock::new();
    KEY.get_or_init(|| RecoveryKey::generate().expect("a recovery key"))
}

fuzz_target!(init: shared::assert_overflow_checks(), |data: &[u8]| {
    let path =
        std::env::temp_dir().join(format!("atrama-fuzz-backup-{}.atrbak", std::process::id()));
    if std::fs::write(&path, data).is_ok() {
        let _ = atrama::admin::backup::verify_with_recovery(&path, recovery());
    }
});
