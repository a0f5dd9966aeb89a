//! Test stores ("sites"): a centre or a coordination centre in a temporary folder of its own,
//! and the enrolment of two sites with each other — what the sync, statistics, coordinator,
//! case-analysis and multi-agency tests start from.

use std::path::{Path, PathBuf};

use atrama::bundle::format::{self, BundleKind, OpeningKey, Routing};
use serde_json::Value;

use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};

/// The passphrase of every site's administrator, `ona`.
pub(crate) const PASS: &str = "a passphrase for tests";

/// A store and the temporary folder it lives in (removed when the site is dropped).
pub(crate) struct Site {
    pub(crate) tmp: tempfile::TempDir,
    pub(crate) dir: PathBuf,
    pub(crate) store: Store,
}

/// A new store for the centre `code`, named "`code` test site", in English, administered by
/// `ona`, with cheap key derivation.
pub(crate) fn site(code: &str, country: Country, mode: Mode) -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let centre = NewCentre {
        code: code.into(),
        name: format!("{code} test site"),
        country,
        language: Language::En,
        mode,
        admin_user: "ona".into(),
    };
    let (store, _) = Store::create(
        &dir,
        &centre,
        &Passphrase::new(PASS),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    Site { tmp, dir, store }
}

/// Enrols `a` and `b` with each other (each reads the other's file and fingerprint).
pub(crate) fn enrol(a: &mut Site, b: &mut Site) {
    enrol_stores(&mut a.store, &mut b.store);
}

/// Enrols two stores with each other, as `enrol` does for sites.
pub(crate) fn enrol_stores(a: &mut Store, b: &mut Store) {
    let fa = a.enrolment_file().unwrap();
    let fb = b.enrolment_file().unwrap();
    let pa = a.fingerprint().unwrap().short;
    let pb = b.fingerprint().unwrap().short;
    a.enrol(&fb, &pb).unwrap();
    b.enrol(&fa, &pa).unwrap();
}

/// The day the demo data of `demo_centre` runs up to.
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// A centre with twelve months of demo data for `clients` clients up to `today()`.
pub(crate) fn demo_centre(code: &str, country: Country, clients: u32, seed: u64) -> Site {
    let mut s = site(code, country, Mode::Centre);
    atrama::demo::generate(
        &mut s.store,
        &atrama::demo::DemoOptions {
            clients,
            months: 12,
            seed,
            today: today(),
        },
    )
    .unwrap();
    s
}

/// A bundle signed with `from`'s pinned key and sealed for `to`, holding exactly `lines`:
/// what a partner who controls its own store (and so its keys) can send.
pub(crate) fn forge(from: &Store, to: &Store, kind: BundleKind, lines: &[Value], out: &Path) {
    forge_numbered(from, to, kind, lines, out, 1);
}

/// As [`forge`], numbered `sequence` in the sender's line of bundles.
pub(crate) fn forge_numbered(
    from: &Store,
    to: &Store,
    kind: BundleKind,
    lines: &[Value],
    out: &Path,
    sequence: u64,
) {
    let ed: Vec<u8> = from
        .dangerously_raw_connection()
        .query_row(
            "SELECT ed25519_secret FROM sync_identity WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let x: Vec<u8> = to
        .dangerously_raw_connection()
        .query_row(
            "SELECT x25519_secret FROM sync_identity WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let signer = ed25519_dalek::SigningKey::from_bytes(&ed.try_into().unwrap());
    let recipient = OpeningKey::from_bytes(&x).unwrap().public();
    let routing = Routing {
        bundle_id: uuid::Uuid::now_v7(),
        kind,
        sender: from.fingerprint().unwrap().hex,
        recipient: to.fingerprint().unwrap().hex,
        sequence,
        period: None,
        created_at: chrono::Utc::now().to_rfc3339(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: atrama::store::migrations::LATEST,
        codes_version: from.codes().version().to_owned(),
        prev_hash: None,
    };
    let mut rng =
        <rand_chacha_09::ChaCha20Rng as rand_chacha_09::rand_core::SeedableRng>::seed_from_u64(19);
    let mut w = format::seal(Vec::new(), routing, &recipient, &signer, &mut rng).unwrap();
    for line in lines {
        std::io::Write::write_all(&mut w, line.to_string().as_bytes()).unwrap();
        std::io::Write::write_all(&mut w, b"\n").unwrap();
    }
    std::fs::write(out, w.finish().unwrap().0).unwrap();
}
