//! Fuzzes the key-slot file reader (`KeySlotFile::from_bytes`, formats 1 and 2) and, for
//! files that read and ask for cheap Argon2 parameters, the unwrapping of a user slot and of
//! the recovery slot with fixed secrets.
#![no_main]

use std::path::Path;

use atrama::store::keyslots::{KeySlotFile, SlotKind};
use libfuzzer_sys::fuzz_target;

fn cheap(file: &KeySlotFile, kind: SlotKind, user: Option<&str>) -> bool {
    file.kdf_of(kind, user)
        .is_some_and(|k| k.m_kib <= 256 && k.t <= 2 && k.p <= 2)
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = KeySlotFile::from_bytes(data, Path::new("keyslots.json")) else {
        return;
    };
    let _ = file.to_bytes();
    for user in file.users() {
        if cheap(&file, SlotKind::User, Some(&user)) {
            let _ = file.unwrap_user(&user, b"fuzz passphrase");
        }
    }
    if cheap(&file, SlotKind::Recovery, None) {
        let _ = file.unwrap_recovery(&[0x33; 32]);
    }
});
