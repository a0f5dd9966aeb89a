//! Fuzzes what one computer of a centre tells another in a sync file, past every
//! authentication step: the payload is sealed with the sending computer's own keys (HPKE to
//! the recipient computer, AES-256-GCM chunks, Ed25519 signature, `format::seal`, kind
//! `peer_sync`) and applied by the recipient through `Store::peers_sync`, as a stolen or
//! altered computer not yet removed could write it. This reaches the payload parser
//! (`peers/file.rs`), the registry of computers, rows of append-only records, field versions
//! and the field-by-field merge (`peers/merge.rs`), client revisions, people and key slots,
//! and other computers' access-log entries.
//!
//! Every run applies to a fresh copy of the recipient's store (a sync commits), so runs are
//! independent.
//!
//! Input: byte 0 — bit 0 set: the rest is a JSON merge patch (RFC 7386) applied to the real
//! payload computer A wrote for computer B (structure-aware); clear: the rest is the
//! payload as it is.
//!
//! `ATRAMA_FUZZ_SEEDS=<dir>`: at start, the real payload (raw) and a few patches are written
//! there as seeds.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use atrama::bundle::format::{self, BundleKind, OpeningKey, Routing};
use atrama::{Passphrase, Store};
use rand_chacha_09::rand_core::SeedableRng;
use serde_json::Value;

use super::shared;

/// A computer's own keys, read from its store.
struct Keys {
    fingerprint: String,
    signing: ed25519_dalek::SigningKey,
    opening: [u8; 32],
}

fn keys(store: &Store) -> Keys {
    let conn = store.dangerously_raw_connection();
    let (install_id, x, e): (String, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT install_id, x25519_secret, ed25519_secret FROM peer_self WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the computer's keys");
    let fingerprint: String = conn
        .query_row(
            "SELECT fingerprint FROM peer_install WHERE install_id = ?1",
            [&install_id],
            |r| r.get(0),
        )
        .expect("the computer's fingerprint");
    Keys {
        fingerprint,
        signing: ed25519_dalek::SigningKey::from_bytes(&e.try_into().expect("32 bytes")),
        opening: x.try_into().expect("32 bytes"),
    }
}

/// Computer A of centre FUZ-01 (demo data) and computer B joined from it: B's store as
/// joined, kept as the template every run copies.
struct Pair {
    a: Keys,
    b: Keys,
    template: PathBuf,
    scratch: PathBuf,
    /// The payload A wrote for B (JSON).
    genuine: Value,
    runs: u64,
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("a folder");
    for e in std::fs::read_dir(from).expect("the template") {
        let e = e.expect("an entry");
        if e.file_type().expect("a type").is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("a copy");
        }
    }
}

impl Pair {
    fn new() -> Pair {
        let scratch = shared::scratch("peer-sync");
        let (mut a, recovery) =
            shared::store_for(&scratch.join("a"), "FUZ-01", atrama::Mode::Centre);
        atrama::demo::generate(
            &mut a,
            &atrama::demo::DemoOptions {
                clients: 3,
                months: 2,
                seed: 7,
                today: shared::chrono_today(),
            },
        )
        .expect("demo data");
        let join = scratch.join("b.join");
        a.peers_join_file(&join, "desk A").expect("a join file");
        let template = scratch.join("b");
        let _ = std::fs::remove_dir_all(&template);
        let short =
            atrama::peers::join::join(&join, &recovery, &template, "laptop B").expect("the join");
        let (b_keys, enrolment) = {
            let mut b = Store::unlock(&template, "ona", &Passphrase::new(shared::PASSPHRASE))
                .expect("unlock B");
            (
                keys(&b),
                b.peers_enrolment("laptop B").expect("B's enrolment"),
            )
        };
        a.peers_add(&enrolment, &short).expect("B added on A");
        let a_keys = keys(&a);
        // A's first file for B: everything A holds.
        let folder = scratch.join("from-a");
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).expect("a folder");
        a.peers_sync(&folder).expect("A writes for B");
        let path = std::fs::read_dir(&folder)
            .expect("the folder")
            .map(|e| e.expect("an entry").path())
            .next()
            .expect("A's file for B");
        let mut input = std::fs::File::open(&path).expect("the file");
        let verified = format::verify(&mut input, |_| Ok(a_keys.signing.verifying_key()))
            .expect("A's file verifies");
        let opening = OpeningKey::from_bytes(&b_keys.opening).expect("B's key");
        let mut reader = format::open_verified(&mut input, &verified, &opening).expect("open");
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).expect("the payload");
        reader.finish().expect("the whole file");
        Pair {
            a: a_keys,
            b: b_keys,
            template,
            scratch,
            genuine: serde_json::from_slice(&bytes).expect("JSON"),
            runs: 0,
        }
    }

    /// Seals `payload` from A to B into a fresh folder, applies it on a fresh copy of B.
    fn apply(&mut self, payload: &[u8]) {
        self.runs += 1;
        let folder = self.scratch.join("shared");
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).expect("a folder");
        let routing = Routing {
            bundle_id: uuid::Uuid::from_u128(
                0x0193_0000_0000_7000_8000_0000_0000_0000 | u128::from(self.runs),
            ),
            kind: BundleKind::PeerSync,
            sender: self.a.fingerprint.clone(),
            recipient: self.b.fingerprint.clone(),
            sequence: 1,
            period: None,
            created_at: "2026-12-07T10:00:00Z".into(),
            app_version: "0.1.0".into(),
            schema_version: atrama::store::migrations::LATEST,
            codes_version: atrama::codes::CodeLists::builtin()
                .expect("built-in code lists")
                .version()
                .to_owned(),
            prev_hash: None,
        };
        let recipient = OpeningKey::from_bytes(&self.b.opening)
            .expect("B's key")
            .public();
        let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(self.runs);
        let mut w = format::seal(Vec::new(), routing, &recipient, &self.a.signing, &mut rng)
            .expect("sealing");
        w.write_all(payload).expect("the payload");
        let bytes = w.finish().expect("the file").0;
        let name = format!(
            "atrama-peer-{}-to-{}-0000000001.atrsync",
            &self.a.fingerprint[..16],
            &self.b.fingerprint[..16]
        );
        std::fs::write(folder.join(name), bytes).expect("the file");
        let work = self.scratch.join("b-run");
        copy_dir(&self.template, &work);
        let mut b = Store::unlock(&work, "ona", &Passphrase::new(shared::PASSPHRASE))
            .expect("unlock the copy of B");
        // A refused file is a finding only if it panics or corrupts; the report is the answer.
        if let Ok(report) = b.peers_sync(&folder) {
            // Whatever was applied must leave a store that opens and lists its cases.
            if !report.applied.is_empty() {
                drop(b);
                let b = Store::unlock(&work, "ona", &Passphrase::new(shared::PASSPHRASE))
                    .expect("B opens after an applied file");
                b.case_list(&atrama::cases::CaseFilter::default())
                    .expect("B lists its cases after an applied file");
            }
        }
    }
}

thread_local! {
    static PAIR: RefCell<Option<Pair>> = const { RefCell::new(None) };
}

fn write_seeds(pair: &Pair, dir: &Path) {
    std::fs::create_dir_all(dir).expect("the seed folder");
    // The real payload with every list cut to its first few entries (a small seed).
    let mut small = pair.genuine.clone();
    if let Some(fields) = small.as_object_mut() {
        for v in fields.values_mut() {
            if let Some(list) = v.as_array_mut() {
                list.truncate(6);
            }
        }
    }
    let mut raw = vec![0u8];
    raw.extend(serde_json::to_vec(&small).expect("JSON"));
    std::fs::write(dir.join("genuine-raw"), raw).expect("a seed");
    for (name, patch) in [
        ("genuine-patch", "{}"),
        ("no-log", r#"{"access_log":[]}"#),
        ("no-registry", r#"{"registry":[]}"#),
        ("other-format", r#"{"format":2}"#),
        (
            "ack-far",
            r#"{"ack_change_seq":9223372036854775807,"change_seq_to":-1}"#,
        ),
    ] {
        let mut seed = vec![1u8];
        seed.extend(patch.as_bytes());
        std::fs::write(dir.join(name), seed).expect("a seed");
    }
}

/// At start (the fuzzer's `init`): makes the pair of computers and, with
/// `ATRAMA_FUZZ_SEEDS`, writes the seeds.
pub fn init() {
    PAIR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let pair = cell.get_or_insert_with(Pair::new);
        if let Some(dir) = std::env::var_os("ATRAMA_FUZZ_SEEDS") {
            write_seeds(pair, Path::new(&dir));
        }
    });
}

/// One input.
pub fn run(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    PAIR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let pair = cell.get_or_insert_with(Pair::new);
        if flags & 1 == 1 {
            let Ok(patch) = serde_json::from_slice::<Value>(rest) else {
                return;
            };
            let mut payload = pair.genuine.clone();
            shared::merge_patch(&mut payload, &patch);
            let bytes = serde_json::to_vec(&payload).expect("JSON");
            pair.apply(&bytes);
        } else {
            pair.apply(rest);
        }
    });
}
