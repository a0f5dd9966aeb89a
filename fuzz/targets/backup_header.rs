//! Fuzzes the backup file reader up to its checksum (`verify_with_recovery`: magic, format,
//! header length, JSON header, sizes, whole-file SHA-256), as a restore reads a file. The
//! input is written to one scratch file per process.

use std::sync::OnceLock;

use atrama::RecoveryKey;

use super::shared;

fn recovery() -> &'static RecoveryKey {
    static KEY: OnceLock<RecoveryKey> = OnceLock::new();
    KEY.get_or_init(|| RecoveryKey::generate().expect("a recovery key"))
}

/// One input.
pub fn run(data: &[u8]) {
    let path = shared::scratch("backup-header").join("input.atrbak");
    if std::fs::write(&path, data).is_ok() {
        let _ = atrama::admin::backup::verify_with_recovery(&path, recovery());
    }
}
