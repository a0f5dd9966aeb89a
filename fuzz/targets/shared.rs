//! What more than one fuzz target needs (included by `#[path]` as the module `shared`
//! beside the targets' modules, in each cargo-fuzz binary and in `tests/it/fuzz_seeds.rs`):
//! cheap test stores, the three-party "world" whose real identity keys seal fuzzed
//! payloads, and a JSON merge patch (so that a fuzzed input changes fields of a valid
//! reference file that the target then re-seals or re-signs).

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use atrama::bundle::format::{self, BundleKind, OpeningKey, Period, Routing};
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, RecoveryKey, Store};
use rand_chacha_09::rand_core::SeedableRng;
use serde_json::Value;

/// The passphrase of every fuzz store's administrator `ona`.
pub const PASSPHRASE: &str = "fuzz passphrase";

/// A scratch folder of this process, under `TMPDIR` (scripts/fuzz.sh points it inside
/// fuzz/target). Every target has names of its own (the seed replay in `cargo test` runs
/// the targets on parallel threads of one process, and removes them after).
pub fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("atrama-fuzz-{what}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A new store for centre `code` in `dir` (removed first), with cheap key derivation.
pub fn store_for(dir: &Path, code: &str, mode: Mode) -> (Store, RecoveryKey) {
    let _ = std::fs::remove_dir_all(dir);
    let centre = NewCentre {
        code: code.into(),
        name: format!("Fuzz {code}"),
        country: Country::Lt,
        language: Language::En,
        mode,
        admin_user: "ona".into(),
    };
    Store::create(
        dir,
        &centre,
        &Passphrase::new(PASSPHRASE),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("a store for the fuzz target")
}

/// A new centre store in `dir` (removed first), with cheap key derivation.
pub fn new_store(dir: &Path) -> (Store, RecoveryKey) {
    store_for(dir, "FUZ-01", Mode::Centre)
}

/// RFC 7386 JSON merge patch: members of `patch` replace those of `target` (objects are
/// merged recursively, `null` removes a member).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// One party of the world: a store and its real identity keys, read from its database.
pub struct Party {
    /// The store.
    pub store: Store,
    /// Its centre code.
    pub code: &'static str,
    /// Its Ed25519 signing key (what signs its bundles).
    pub signing: ed25519_dalek::SigningKey,
    /// Its X25519 secret key (what opens bundles for it).
    pub opening: [u8; 32],
    /// Its fingerprint, hex.
    pub fingerprint: String,
}

fn party(dir: &Path, code: &'static str, mode: Mode) -> Party {
    let (store, _) = store_for(&dir.join(code), code, mode);
    // The identity is made on first use.
    let fingerprint = store.fingerprint().expect("a fingerprint").hex;
    let (x, e): (Vec<u8>, Vec<u8>) = store
        .dangerously_raw_connection()
        .query_row(
            "SELECT x25519_secret, ed25519_secret FROM sync_identity WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the store's identity");
    Party {
        store,
        code,
        signing: ed25519_dalek::SigningKey::from_bytes(&e.try_into().expect("32 bytes")),
        opening: x.try_into().expect("32 bytes"),
        fingerprint,
    }
}

fn enrol_pair(a: &mut Store, b: &mut Store) {
    let fa = a.enrolment_file().expect("enrolment file");
    let fb = b.enrolment_file().expect("enrolment file");
    let pa = a.fingerprint().expect("fingerprint").short;
    let pb = b.fingerprint().expect("fingerprint").short;
    a.enrol(&fb, &pb).expect("enrol");
    b.enrol(&fa, &pa).expect("enrol");
}

/// Three enrolled stores: the coordination centre `KOORD`, the centre `FUZ-01` (reporting
/// to it, with a little demo data) and the centre `FUZ-02` (enrolled with `FUZ-01` for case
/// transfers, with demo data too).
pub struct World {
    /// `KOORD`.
    pub coord: Party,
    /// `FUZ-01`.
    pub a: Party,
    /// `FUZ-02`.
    pub b: Party,
    /// Where bundles are written to be imported.
    pub scratch: PathBuf,
}

impl World {
    /// Makes the world in a scratch folder of this process.
    pub fn new() -> World {
        let dir = scratch("world");
        let mut coord = party(&dir, "KOORD", Mode::Coordinator);
        let mut a = party(&dir, "FUZ-01", Mode::Centre);
        let mut b = party(&dir, "FUZ-02", Mode::Centre);
        let today = chrono_today();
        for (p, seed) in [(&mut a, 1), (&mut b, 2)] {
            atrama::demo::generate(
                &mut p.store,
                &atrama::demo::DemoOptions {
                    clients: 4,
                    months: 3,
                    seed,
                    today,
                },
            )
            .expect("demo data");
        }
        // Transfers first: a centre with its coordinator enrolled refuses another centre.
        enrol_pair(&mut a.store, &mut b.store);
        enrol_pair(&mut coord.store, &mut a.store);
        World {
            coord,
            a,
            b,
            scratch: dir,
        }
    }

    /// (sender, recipient) of a bundle of `kind`: a centre export goes from `FUZ-01` to
    /// the coordinator, a return bundle back, a transfer from `FUZ-02` to `FUZ-01`.
    pub fn parties(&mut self, kind: BundleKind) -> (&Party, &mut Party) {
        match kind {
            BundleKind::CentreExport => (&self.a, &mut self.coord),
            BundleKind::Return => (&self.coord, &mut self.a),
            BundleKind::Transfer => (&self.b, &mut self.a),
            // Files between one centre's own computers are sealed by `peers::file`, not
            // by `format::seal` with these parties; `peer_sync` fuzzes them.
            BundleKind::PeerSync => panic!("peer sync files have their own fuzz target"),
        }
    }
}

/// The day the demo data runs up to (fixed, so that runs are alike).
pub fn chrono_today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("a date")
}

/// Seals `payload` as a bundle of `kind` from `from` to `to`, exactly as the app seals one
/// (format::seal: zstd, AES-256-GCM chunks, HPKE-wrapped content key, Ed25519 signature),
/// with a fixed bundle id and a seeded generator, so a run is reproducible.
pub fn seal(from: &Party, to: &Party, kind: BundleKind, sequence: u64, payload: &[u8]) -> Vec<u8> {
    let routing = Routing {
        bundle_id: uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_f022),
        kind,
        sender: from.fingerprint.clone(),
        recipient: to.fingerprint.clone(),
        sequence,
        period: Some(Period {
            from: "2026-09".into(),
            to: "2026-11".into(),
        }),
        created_at: "2026-11-20T10:00:00Z".into(),
        app_version: "0.1.0".into(),
        schema_version: atrama::store::migrations::LATEST,
        codes_version: atrama::codes::CodeLists::builtin()
            .expect("built-in code lists")
            .version()
            .to_owned(),
        prev_hash: None,
    };
    let recipient = OpeningKey::from_bytes(&to.opening)
        .expect("the recipient's key")
        .public();
    let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(sequence);
    let mut w = format::seal(Vec::new(), routing, &recipient, &from.signing, &mut rng)
        .expect("sealing a bundle");
    w.write_all(payload).expect("writing the payload");
    w.finish().expect("finishing the bundle").0
}

thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's world (made on first use).
pub fn with_world<T>(f: impl FnOnce(&mut World) -> T) -> T {
    WORLD.with(|cell| {
        let mut cell = cell.borrow_mut();
        f(cell.get_or_insert_with(World::new))
    })
}
