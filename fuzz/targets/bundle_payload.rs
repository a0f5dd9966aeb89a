//! Fuzzes what a pinned peer's bundle says, past every authentication step: the payload
//! (JSON Lines) is sealed with the sending store's real identity keys (HPKE to the
//! recipient, AES-256-GCM chunks, Ed25519 signature, `format::seal`) and imported by the
//! recipient store through `Store::import_bundle` (dry run: everything is parsed, checked
//! and applied in the import's transaction, which is then rolled back). This reaches the
//! payload line parser (`sync/import.rs`, `sync/payload.rs`), every line kind's applier:
//! records, withdrawals, purges, statistics, acknowledgements, reference data (code lists,
//! instrument packs, the referral directory: `sync/refdata.rs`), case-analysis templates
//! (`analysis/exchange.rs`) and transferred cases with their documents (`sync/transfer.rs`).
//!
//! Input: byte 0 picks the bundle kind (centre export FUZ-01 → KOORD, return KOORD →
//! FUZ-01, transfer FUZ-02 → FUZ-01); byte 1 holds flags — bit 0: put a valid manifest
//! line first, bit 1: drop `end` lines and append one with the true totals (so that mutated
//! lines still reach the end of the import); the rest is the payload.
//!
//! `ATRAMA_FUZZ_SEEDS=<dir>`: at start, the real payloads of a centre export, a return bundle
//! (with a referral directory and a case-analysis template) and a case transfer are
//! written there as seeds, each also as a structure-aware variant (flags 3, without its
//! manifest and end lines).

use atrama::bundle::format::BundleKind;
use serde_json::Value;

use super::shared;

const KINDS: [BundleKind; 3] = [
    BundleKind::CentreExport,
    BundleKind::Return,
    BundleKind::Transfer,
];

fn manifest(kind: BundleKind) -> &'static str {
    match kind {
        BundleKind::CentreExport => {
            r#"{"type":"manifest","payload_format":1,"centre":"FUZ-01","sharing":"pseudonymised","change_seq_from":0,"change_seq_to":1,"counts":{},"withdrawn":0,"fields":{}}"#
        }
        BundleKind::Return => {
            r#"{"type":"manifest","payload_format":1,"centre":"KOORD","sharing":"none","change_seq_from":0,"change_seq_to":0,"counts":{},"withdrawn":0,"fields":{}}"#
        }
        BundleKind::Transfer => {
            r#"{"type":"manifest","payload_format":1,"centre":"FUZ-02","sharing":"transfer","change_seq_from":0,"change_seq_to":0,"counts":{},"withdrawn":0,"fields":{}}"#
        }
        // Not JSON Lines: peer sync files are fuzzed by `peer_sync`.
        BundleKind::PeerSync => "",
    }
}

/// Drops `end` lines and appends one with the counts of the lines present.
fn with_true_end(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 128);
    let mut n = [0u64; 7];
    for line in payload.split(|&b| b == b'\n') {
        let kind = serde_json::from_slice::<Value>(line)
            .ok()
            .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned));
        match kind.as_deref() {
            Some("end") => continue,
            Some("record") => n[0] += 1,
            Some("withdraw") => n[1] += 1,
            Some("ack") => n[2] += 1,
            Some("purge") => n[3] += 1,
            Some("stat") => n[4] += 1,
            Some("analysis_template") => n[5] += 1,
            Some("reference") => n[6] += 1,
            _ => {}
        }
        if !line.is_empty() {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out.extend_from_slice(
        format!(
            r#"{{"type":"end","records":{},"withdrawn":{},"acks":{},"purged":{},"stats":{},"templates":{},"reference":{}}}"#,
            n[0], n[1], n[2], n[3], n[4], n[5], n[6]
        )
        .as_bytes(),
    );
    out.push(b'\n');
    out
}

fn write_seeds(world: &mut shared::World, dir: &std::path::Path) {
    use atrama::cases::CaseFilter;
    std::fs::create_dir_all(dir).expect("the seed folder");
    let out = world.scratch.join("seed.atrama");
    // A centre export with records.
    world
        .a
        .store
        .export_bundle("KOORD", &out, None)
        .expect("an export");
    let export = world.coord.store.read_bundle_payload(&out).expect("read");
    world
        .coord
        .store
        .import_bundle(&out, false)
        .expect("import");
    // A return bundle with acknowledgements, a referral directory and a template.
    world
        .coord
        .store
        .import_directory_csv(
            "id,region,type,name,address,phone,email,language\n\
             klp-pol,Klaipėda,police,Klaipėdos policija,Bangų g. 1,+370 46 100000,klp@policija.lt,lt\n",
        )
        .expect("a directory");
    world
        .coord
        .store
        .save_analysis_template(&atrama::analysis::template::example())
        .expect("a template");
    let _ = std::fs::remove_file(&out);
    world
        .coord
        .store
        .export_bundle("FUZ-01", &out, None)
        .expect("a return bundle");
    let ret = world.a.store.read_bundle_payload(&out).expect("read");
    // A transfer of an open case of FUZ-02, with the client's consent.
    let case = world
        .b
        .store
        .case_list(&CaseFilter {
            status: Some("open".into()),
            limit: Some(100),
            ..CaseFilter::default()
        })
        .expect("cases")
        .into_iter()
        .next()
        .expect("an open case")
        .id;
    world
        .b
        .store
        .batch(|w| {
            w.add_note(
                case,
                &atrama::cases::NoteFields {
                    body: "a note".into(),
                    restricted_to: None,
                },
            )?;
            w.attach_document(case, "a.txt", "text/plain", b"a document")?;
            w.record_consent(
                case,
                &atrama::cases::ConsentFields {
                    purpose: "case_transfer".into(),
                    agency_type: None,
                    given: true,
                    given_by: "self".into(),
                    on_date: shared::chrono_today(),
                    shared_fields: Vec::new(),
                },
            )
        })
        .expect("a consent");
    let _ = std::fs::remove_file(&out);
    world
        .b
        .store
        .transfer_case(case, "FUZ-01", &out)
        .expect("a transfer");
    let transfer = world.a.store.read_bundle_payload(&out).expect("read");
    for (name, kind, text) in [
        ("centre-export", 0u8, export),
        ("return", 1, ret),
        ("transfer", 2, transfer),
    ] {
        let mut seed = vec![kind, 0];
        seed.extend_from_slice(text.as_bytes());
        std::fs::write(dir.join(name), &seed).expect("a seed");
        // The same lines without manifest and end: the target adds them (flags 3).
        let mut bare = vec![kind, 3];
        for line in text.lines().skip(1) {
            if !line.starts_with(r#"{"type":"end""#) {
                bare.extend_from_slice(line.as_bytes());
                bare.push(b'\n');
            }
        }
        std::fs::write(dir.join(format!("{name}-bare")), &bare).expect("a seed");
    }
}

/// At start (the fuzzer's `init`): makes the world, or with `ATRAMA_FUZZ_SEEDS` writes the
/// seeds and exits (writing them changes the world's stores).
pub fn init() {
    if let Some(dir) = std::env::var_os("ATRAMA_FUZZ_SEEDS") {
        shared::with_world(|w| write_seeds(w, std::path::Path::new(&dir)));
        eprintln!("seeds written");
        std::process::exit(0);
    }
    shared::with_world(|_| ());
}

/// One input.
pub fn run(data: &[u8]) {
    let [kind, flags, payload @ ..] = data else {
        return;
    };
    let kind = KINDS[usize::from(*kind) % KINDS.len()];
    let mut text = Vec::with_capacity(payload.len() + 512);
    if flags & 1 != 0 {
        text.extend_from_slice(manifest(kind).as_bytes());
        text.push(b'\n');
    }
    text.extend_from_slice(payload);
    let text = if flags & 2 != 0 {
        with_true_end(&text)
    } else {
        text
    };
    shared::with_world(|world| {
        let path = world.scratch.join("fuzzed.atrama");
        let (from, to) = world.parties(kind);
        let bundle = shared::seal(from, to, kind, 7, &text);
        if std::fs::write(&path, &bundle).is_ok() {
            let _ = to.store.import_bundle(&path, true);
        }
    });
}
