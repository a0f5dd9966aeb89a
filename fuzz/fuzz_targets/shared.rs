//! What more than one fuzz target needs (included by `#[path]`, not a target itself).

use std::path::Path;

use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, RecoveryKey, Store};

/// A new centre store in `dir` (removed first), with cheap key derivation.
pub fn new_store(dir: &Path) -> (Store, RecoveryKey) {
    let _ = std::fs::remove_dir_all(dir);
    let centre = NewCentre {
        code: "FUZ-01".into(),
        name: "Fuzz centre".into(),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    Store::create(
        dir,
        &centre,
        &Passphrase::new("fuzz passphrase"),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("a store for the fuzz target")
}
