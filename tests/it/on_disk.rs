//! What the store folder holds on disk: no SQLite header, no plaintext of what was written.

use std::path::Path;

use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};

const MARKER: &str = "Marker-centre-Žemaitė-7f3a9c";

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("store folder lists") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            let bytes = std::fs::read(entry.path()).expect("file reads");
            out.push((entry.file_name().to_string_lossy().into_owned(), bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `text` as UTF-8, UTF-16LE and UTF-16BE bytes: what a scan looks for.
fn encodings(text: &str) -> [Vec<u8>; 3] {
    [
        text.as_bytes().to_vec(),
        text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    ]
}

/// Whether `bytes` hold `text` in any of its [`encodings`].
fn holds(bytes: &[u8], text: &str) -> bool {
    encodings(text).iter().any(|e| contains(bytes, e))
}

#[test]
fn the_scan_finds_text_in_utf8_and_utf16() {
    for text in [MARKER, "7f3a9c", "MRK-01"] {
        for encoded in encodings(&format!("..{text}..")) {
            assert!(holds(&encoded, text), "{text} not found in {encoded:?}");
        }
        assert!(!holds(b"nothing here at all, not even close", text));
    }
}

fn assert_no_plaintext(dir: &Path, expect_files: &[&str]) {
    let files = files_in(dir);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in expect_files {
        assert!(
            names.contains(expected),
            "{expected} missing from {names:?}"
        );
    }
    for (name, bytes) in &files {
        assert!(
            !contains(bytes, b"SQLite format 3"),
            "{name} has a plaintext SQLite header"
        );
        // In UTF-8, UTF-16LE or UTF-16BE: the marker, its ASCII tail alone (the marker
        // split), the centre code.
        assert!(!holds(bytes, MARKER), "{name} holds the marker in clear");
        assert!(!holds(bytes, "7f3a9c"), "{name} holds part of the marker");
        assert!(
            !holds(bytes, "MRK-01"),
            "{name} holds the centre code in clear"
        );
    }
}

#[test]
fn store_folder_holds_no_plaintext_while_open_and_after_close() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("store");
    let centre = NewCentre {
        code: "MRK-01".into(),
        name: MARKER.into(),
        country: Country::Lv,
        language: Language::Lv,
        mode: Mode::Coordinator,
        admin_user: "admin".into(),
    };
    let pass = Passphrase::new("marker test passphrase");
    let (store, _recovery) =
        Store::create(&dir, &centre, &pass, KdfParams::INSECURE_FOR_TESTS).expect("created");
    drop(store);
    // Open: the WAL and shared-memory files exist now and hold the pages read and written.
    let store = Store::unlock(&dir, "admin", &pass).expect("unlocks");
    assert_eq!(store.profile().expect("profile").name, MARKER);
    assert_no_plaintext(&dir, &["atrama.db", "keyslots.json", "atrama.db-wal"]);
    drop(store);
    assert_no_plaintext(&dir, &["atrama.db", "keyslots.json"]);
}

#[cfg(unix)]
#[test]
fn store_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("store");
    let centre = NewCentre {
        code: "PRV-01".into(),
        name: "Private".into(),
        country: Country::Lt,
        language: Language::Lt,
        mode: Mode::Centre,
        admin_user: "admin".into(),
    };
    let pass = Passphrase::new("private test passphrase");
    let store = Store::create(&dir, &centre, &pass, KdfParams::INSECURE_FOR_TESTS)
        .expect("created")
        .0;
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for name in ["atrama.db", "atrama.db-wal", "keyslots.json"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    drop(store);
}
