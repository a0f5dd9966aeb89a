//! Fuzzes the enrolment file reader (`Store::inspect_enrolment`: JSON, keys, self-signature,
//! centre code), as the app reads a file a peer sent, against one store created at start.
#![no_main]

use std::cell::RefCell;

use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

fn store() -> Store {
    let dir = std::env::temp_dir().join(format!("atrama-fuzz-enrolment-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let centre = NewCentre {
        code: "FUZ-01".into(),
        name: "Fuzz centre".into(),
        country: Country::Lt,
        language: Language::En,
        mode: Mode::Centre,
        admin_user: "ona".into(),
    };
    let (store, _) = Store::create(
        &dir,
        &centre,
        &Passphrase::new("fuzz passphrase"),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("a store for the fuzz target");
    store
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    STORE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let store = cell.get_or_insert_with(store);
        let _ = store.inspect_enrolment(text);
    });
});
