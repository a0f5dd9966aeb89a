//! What more than one bench needs (included with `#[path]`; not a bench of its own): new
//! stores with cheap key derivation, and a store filled with ten years of demo data.

#![allow(dead_code, reason = "each bench uses the part it needs")]

use std::path::Path;
use std::time::Instant;

use atrama::demo::{DemoOptions, DemoShape, DemoSummary, generate_shaped};
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};
use chrono::NaiveDate;

/// The passphrase of every bench store's administrator.
pub(crate) const PASSPHRASE: &str = "benchmark passphrase";

/// A new store for the centre `code` (named "Bench `code`"), administered by `admin`.
pub(crate) fn new_store(
    dir: &Path,
    code: &str,
    mode: Mode,
    language: Language,
    admin: &str,
) -> Store {
    let centre = NewCentre {
        code: code.into(),
        name: format!("Bench {code}"),
        country: Country::Lt,
        language,
        mode,
        admin_user: admin.into(),
    };
    Store::create(
        dir,
        &centre,
        &Passphrase::new(PASSPHRASE),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap()
    .0
}

/// A new centre store `BEN-01` (administrator `ona`) with ten years of demo data for
/// `clients` clients up to `today`, and how long the generation took in seconds.
pub(crate) fn demo_store(
    dir: &Path,
    language: Language,
    clients: u32,
    shape: DemoShape,
    today: NaiveDate,
) -> (Store, DemoSummary, f64) {
    let mut store = new_store(dir, "BEN-01", Mode::Centre, language, "ona");
    let start = Instant::now();
    let summary = generate_shaped(
        &mut store,
        &DemoOptions {
            clients,
            months: 120,
            seed: 42,
            today,
        },
        shape,
    )
    .unwrap();
    (store, summary, start.elapsed().as_secs_f64())
}
