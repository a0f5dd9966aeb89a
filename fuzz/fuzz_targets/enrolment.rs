//! Fuzzes the enrolment file reader (`Store::inspect_enrolment`: JSON, keys, self-signature,
//! centre code), as the app reads a file a peer sent, against one store created at start.
#![no_main]

use std::cell::RefCell;

use atrama::Store;
use libfuzzer_sys::fuzz_target;

#[path = "shared.rs"]
mod shared;

thread_local! {
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

fn store() -> Store {
    let dir = std::env::temp_dir().join(format!("atrama-fuzz-enrolment-{}", std::process::id()));
    shared::new_store(&dir).0
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
