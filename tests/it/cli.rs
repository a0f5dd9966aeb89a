//! The `atrama` binary end to end: exit codes, messages, passphrases from the environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub(crate) const PASS: &str = "integration passphrase";

/// The `atrama` binary, built once per test run. It is the binary of the `atrama-cli`
/// package (`cli/`), and Cargo only builds (and names in `CARGO_BIN_EXE_*`) the binaries of
/// the package under test, so the core's tests build it themselves: with the same cargo, into
/// the same target folder and profile, where it lands next to this test binary
/// (`target/<profile>/atrama`, the path the packaging and the end-to-end tests use too).
/// Building every time, not only when the file is missing, means a test never runs an older
/// CLI than the code it tests; when it is up to date the build only checks that.
pub(crate) fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // target/<profile>/deps/it-<hash> → target/<profile>
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary is in target/<profile>/deps");
        let target_dir = profile_dir.parent().expect("target/<profile> has a parent");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") => "dev",
            Some(name) => name,
            None => panic!("no profile folder above {}", exe.display()),
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let built = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "--offline",
                "-p",
                "atrama-cli",
                "--bin",
                "atrama",
            ])
            .args(["--profile", profile])
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .status()
            .expect("cargo runs to build the atrama CLI");
        assert!(built.success(), "building the atrama CLI failed: {built}");
        let bin = profile_dir.join(format!("atrama{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "no CLI at {} after the build", bin.display());
        bin
    })
}

/// The CLI on `store` with `args`, with only the `env` given of the variables it reads
/// (none of the caller's: a developer's ATRAMA_USER must not change a test) and no input.
pub(crate) fn command(store: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("--store").arg(store).args(args);
    for var in [
        "ATRAMA_PASSPHRASE",
        "ATRAMA_NEW_PASSPHRASE",
        "ATRAMA_RECOVERY_KEY",
        "ATRAMA_USER",
        "ATRAMA_STORE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs the CLI (see [`command`]) to the end and returns what it printed.
pub(crate) fn atrama(store: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(store, args, env).output().expect("atrama runs")
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Creates a store and returns its recovery key.
pub(crate) fn init(store: &Path) -> String {
    let out = atrama(
        store,
        &[
            "--json",
            "init",
            "--centre-code",
            "klp-01",
            "--centre-name",
            "Klaipėdos centras",
            "--country",
            "lt",
            "--admin",
            "Ona",
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("init --json prints JSON");
    assert_eq!(json["admin_user"], "ona");
    json["recovery_key"]
        .as_str()
        .expect("recovery key")
        .to_owned()
}

#[test]
fn init_then_status_with_the_right_and_a_wrong_passphrase() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    init(&store);

    let ok = atrama(
        &store,
        &["--user", "ona", "status"],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let text = stdout(&ok);
    assert!(
        text.contains("centre:   KLP-01 Klaipėdos centras (LT)"),
        "{text}"
    );
    assert!(text.contains("mode:     centre"), "{text}");
    assert!(
        text.contains(&format!("schema:   {}", atrama::store::migrations::LATEST)),
        "{text}"
    );
    assert!(text.contains("staff:    1"), "{text}");

    let json = atrama(
        &store,
        &["--user", "ona", "--json", "status"],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("status --json prints JSON");
    assert_eq!(v["centre"]["country"], "LT");
    assert_eq!(v["centre"]["mode"], "centre");
    assert_eq!(v["schema_version"], atrama::store::migrations::LATEST);
    assert_eq!(v["counts"][0]["kind"], "staff");

    let wrong = atrama(
        &store,
        &["--user", "ona", "status"],
        &[("ATRAMA_PASSPHRASE", "not the passphrase")],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(stderr(&wrong), "atrama: wrong passphrase for user 'ona'\n");
    assert!(stdout(&wrong).is_empty());
}

#[test]
fn passwd_changes_and_recovery_resets_a_passphrase() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    let recovery = init(&store);

    let changed = atrama(
        &store,
        &["--user", "ona", "passwd"],
        &[
            ("ATRAMA_PASSPHRASE", PASS),
            ("ATRAMA_NEW_PASSPHRASE", "changed passphrase"),
        ],
    );
    assert_eq!(changed.status.code(), Some(0), "{}", stderr(&changed));
    let old = atrama(
        &store,
        &["--user", "ona", "status"],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(old.status.code(), Some(1));

    let wrong_key = atrama(
        &store,
        &["--user", "ona", "passwd", "--recovery"],
        &[
            (
                "ATRAMA_RECOVERY_KEY",
                "0000-0000-0000-0000-0000-0000-0000-0000",
            ),
            ("ATRAMA_NEW_PASSPHRASE", "recovered passphrase"),
        ],
    );
    assert_eq!(wrong_key.status.code(), Some(1));
    assert!(
        stderr(&wrong_key).contains("wrong recovery key"),
        "{}",
        stderr(&wrong_key)
    );

    // Typed in lower case with spaces, as a person might.
    let typed = recovery.to_lowercase().replace('-', " ");
    let reset = atrama(
        &store,
        &["--user", "ona", "passwd", "--recovery"],
        &[
            ("ATRAMA_RECOVERY_KEY", &typed),
            ("ATRAMA_NEW_PASSPHRASE", "recovered passphrase"),
        ],
    );
    assert_eq!(reset.status.code(), Some(0), "{}", stderr(&reset));
    let now = atrama(
        &store,
        &["--user", "ona", "status"],
        &[("ATRAMA_PASSPHRASE", "recovered passphrase")],
    );
    assert_eq!(now.status.code(), Some(0), "{}", stderr(&now));
}

#[test]
fn a_corrupted_key_slot_file_gives_one_clear_line_and_no_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    init(&store);
    let slots = store.join("keyslots.json");
    let mut bytes = std::fs::read(&slots).expect("reads");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&slots, &bytes).expect("writes");
    let out = atrama(
        &store,
        &["--user", "ona", "status"],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("atrama: the key-slot file ") && err.contains("is damaged"),
        "{err}"
    );
    assert!(err.contains("restore it from a backup"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn usage_errors_exit_2_and_missing_things_exit_1() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    let usage = atrama(&store, &["frobnicate"], &[]);
    assert_eq!(usage.status.code(), Some(2));
    let missing = atrama(
        &store,
        &["--user", "ona", "status"],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no Atrama store in"),
        "{}",
        stderr(&missing)
    );
    let no_user = atrama(&store, &["status"], &[("ATRAMA_PASSPHRASE", PASS)]);
    assert_eq!(no_user.status.code(), Some(1));
    assert!(stderr(&no_user).contains("--user"), "{}", stderr(&no_user));
    init(&store);
    let again = atrama(
        &store,
        &[
            "init",
            "--centre-code",
            "X1",
            "--centre-name",
            "x",
            "--country",
            "LT",
            "--admin",
            "ona",
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("is not empty"),
        "{}",
        stderr(&again)
    );
    let bad_country = atrama(
        &tmp.path().join("other"),
        &[
            "init",
            "--centre-code",
            "X1",
            "--centre-name",
            "x",
            "--country",
            "EE",
            "--admin",
            "ona",
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(bad_country.status.code(), Some(1));
    assert!(
        stderr(&bad_country).contains("use LT, LV, AZ or other"),
        "{}",
        stderr(&bad_country)
    );
}

/// Runs a command as `ona` that must succeed, and returns its standard output.
pub(crate) fn ok(store: &Path, args: &[&str]) -> String {
    let mut all = vec!["--user", "ona"];
    all.extend_from_slice(args);
    let out = atrama(store, &all, &[("ATRAMA_PASSPHRASE", PASS)]);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn demo_then_search_then_a_round_trip_with_the_coordinator() {
    let tmp = tempfile::tempdir().unwrap();
    let centre = tmp.path().join("centre");
    let coord = tmp.path().join("coord");
    init(&centre);
    let out = atrama(
        &coord,
        &[
            "init",
            "--centre-code",
            "KOORD",
            "--centre-name",
            "Regional coordination centre",
            "--country",
            "LT",
            "--admin",
            "ona",
            "--mode",
            "coordinator",
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Demo data, then search for a name without its diacritics.
    let summary: serde_json::Value =
        serde_json::from_str(&ok(&centre, &["--json", "demo", "--clients", "40"])).unwrap();
    assert_eq!(summary["clients"], 40);
    let cases: serde_json::Value =
        serde_json::from_str(&ok(&centre, &["--json", "case", "list"])).unwrap();
    let number = cases[0]["case_number"].as_str().unwrap().to_owned();
    let hits: serde_json::Value =
        serde_json::from_str(&ok(&centre, &["--json", "search", &number])).unwrap();
    assert_eq!(hits[0]["case_number"], number.as_str());
    let shown = ok(&centre, &["case", "show", &number]);
    assert!(
        shown.contains(&number) && shown.contains("incidents"),
        "{shown}"
    );

    // Enrolment both ways, with the fingerprints as read over the phone.
    let fp = |store: &Path| -> String {
        let v: serde_json::Value =
            serde_json::from_str(&ok(store, &["--json", "keys", "show"])).unwrap();
        v["short"].as_str().unwrap().to_owned()
    };
    let (fp_centre, fp_coord) = (fp(&centre), fp(&coord));
    let centre_file = tmp.path().join("klp.enrol");
    let coord_file = tmp.path().join("koord.enrol");
    ok(
        &centre,
        &["keys", "export", "--out", centre_file.to_str().unwrap()],
    );
    ok(
        &coord,
        &["keys", "export", "--out", coord_file.to_str().unwrap()],
    );
    let wrong = atrama(
        &centre,
        &[
            "--user",
            "ona",
            "enrol",
            coord_file.to_str().unwrap(),
            "--fingerprint",
            &fp_centre,
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("does not match"),
        "{}",
        stderr(&wrong)
    );
    ok(
        &centre,
        &[
            "enrol",
            coord_file.to_str().unwrap(),
            "--fingerprint",
            &fp_coord,
        ],
    );
    ok(
        &coord,
        &[
            "enrol",
            centre_file.to_str().unwrap(),
            "--fingerprint",
            &fp_centre,
        ],
    );

    // Centre → coordinator.
    let preview = ok(&centre, &["bundle", "export", "--to", "KOORD", "--preview"]);
    assert!(preview.contains("pseudonymised"), "{preview}");
    let bundle = tmp.path().join("klp-1.atrama");
    ok(
        &centre,
        &[
            "bundle",
            "export",
            "--to",
            "KOORD",
            "--period",
            "2026-10",
            "--out",
            bundle.to_str().unwrap(),
        ],
    );
    let dry: serde_json::Value = serde_json::from_str(&ok(
        &coord,
        &[
            "--json",
            "bundle",
            "import",
            "--dry-run",
            bundle.to_str().unwrap(),
        ],
    ))
    .unwrap();
    assert_eq!(dry[0]["outcome"], "dry_run");
    let applied = ok(&coord, &["bundle", "import", bundle.to_str().unwrap()]);
    assert!(
        applied.contains("applied") && applied.contains("KLP-01"),
        "{applied}"
    );
    let again = ok(&coord, &["bundle", "import", bundle.to_str().unwrap()]);
    assert!(again.contains("already applied"), "{again}");

    // With --progress, a line per file on stderr as it starts and ends (without it, and
    // stderr not a terminal, none); a refused file does not stop the others.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let damaged = tmp.path().join("klp-1-damaged.atrama");
    std::fs::write(&damaged, &bytes).unwrap();
    let import = |progress: bool| {
        let mut args = vec!["--user", "ona", "bundle", "import"];
        if progress {
            args.push("--progress");
        }
        args.extend([damaged.to_str().unwrap(), bundle.to_str().unwrap()]);
        atrama(&coord, &args, &[("ATRAMA_PASSPHRASE", PASS)])
    };
    let quiet = import(false);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(!stderr(&quiet).contains("[1/2]"), "{}", stderr(&quiet));
    assert!(stderr(&quiet).contains("damaged"), "{}", stderr(&quiet));
    let loud = import(true);
    assert_eq!(loud.status.code(), Some(1));
    let lines: Vec<String> = stderr(&loud).lines().map(str::to_owned).collect();
    assert_eq!(
        lines[0], "[1/2] klp-1-damaged.atrama: checking…",
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("[1/2] klp-1-damaged.atrama: refused — the bundle is damaged"),
        "{lines:?}"
    );
    assert_eq!(lines[2], "[2/2] klp-1.atrama: checking…", "{lines:?}");
    assert!(
        lines[3].starts_with("[2/2] klp-1.atrama: already applied — 0 new"),
        "{lines:?}"
    );
    assert!(
        stdout(&loud).contains("already applied"),
        "{}",
        stdout(&loud)
    );

    // Coordinator → centre: the acknowledgement.
    let ret = tmp.path().join("ack.atrama");
    ok(
        &coord,
        &[
            "bundle",
            "export",
            "--to",
            "KLP-01",
            "--out",
            ret.to_str().unwrap(),
        ],
    );
    let acked = ok(&centre, &["bundle", "import", ret.to_str().unwrap()]);
    assert!(acked.contains("1 of our bundles confirmed"), "{acked}");
    let peers: serde_json::Value =
        serde_json::from_str(&ok(&centre, &["--json", "peers"])).unwrap();
    assert_eq!(peers[0]["pending_changes"], 0);
    assert!(peers[0]["last_confirmed_at"].is_string());
    assert_eq!(peers[0]["last_confirmed_sequence"], 1);

    // A bundle given to the wrong store is refused with a message saying so (exit 1).
    let wrong = atrama(
        &centre,
        &[
            "--user",
            "ona",
            "bundle",
            "import",
            bundle.to_str().unwrap(),
        ],
        &[("ATRAMA_PASSPHRASE", PASS)],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("sealed for"), "{}", stderr(&wrong));
}

/// Regression: an output path that is a bare file name (in the current folder) was written
/// and renamed into place, and then the command failed ("could not access : No such file or
/// directory") fsyncing its folder "".
#[test]
fn an_output_file_named_without_a_folder_is_written_in_the_current_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    init(&store);
    let out = command(
        &store,
        &["--user", "ona", "keys", "export", "--out", "klp.enrol"],
        &[("ATRAMA_PASSPHRASE", PASS)],
    )
    .current_dir(tmp.path())
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(tmp.path().join("klp.enrol")).unwrap();
    assert!(text.contains("atrama-enrolment"), "{text}");
}

#[test]
fn output_piped_into_a_reader_that_stops_early_ends_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    init(&store);
    // As `atrama status | head -0`: the reader has gone before the first line is written.
    let mut child = command(
        &store,
        &["--user", "ona", "status"],
        &[("ATRAMA_PASSPHRASE", PASS)],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("atrama runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("atrama ends");
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err, "", "nothing to say on a closed pipe");
    assert_eq!(out.status.code(), Some(141), "the status of a closed pipe");
    // With a reader, the same command prints and succeeds.
    assert!(ok(&store, &["status"]).to_lowercase().contains("klp-01"));
}

/// `atrama import records` and `atrama import undo` (issue 24): the dry run prints each
/// row's problems and writes nothing; `--json` is JSON; an import through a saved mapping
/// and its undo leave every table's logical content as before.
#[test]
fn import_records_dry_run_import_and_undo() {
    use atrama::sheets::{self, ReadOptions};
    use atrama::{Passphrase, Store};
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    init(&store);
    let env = [("ATRAMA_PASSPHRASE", PASS), ("ATRAMA_USER", "ona")];
    let sheet = tmp.path().join("register.csv");
    super::sheets::write_register(&sheet, 30);
    let mapping = sheets::suggested_mapping(
        "register",
        &sheets::preview(&sheet, &ReadOptions::default()).unwrap(),
    );
    Store::unlock(&store, "ona", &Passphrase::new(PASS))
        .unwrap()
        .save_sheet_mapping(&mapping)
        .unwrap();
    let logical = || {
        let s = Store::unlock(&store, "ona", &Passphrase::new(PASS)).unwrap();
        super::sheets::logical(&s)
    };
    let before = logical();

    // A second copy of the sheet with two bad rows: an impossible date on line 5 (data row
    // 3) and a form of violence in no code list on line 9.
    let bad = tmp.path().join("bad.csv");
    let text = std::fs::read_to_string(&sheet).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i + 1 {
            5 => l.replace(".03.2024", ".13.2024"),
            9 => l.replace("Fizinis, Psichologinis", "Raganavimas"),
            _ => l.to_owned(),
        })
        .collect();
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let bad_arg = bad.to_str().unwrap();
    let out = atrama(
        &store,
        &[
            "import",
            "records",
            bad_arg,
            "--mapping",
            "register",
            "--dry-run",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("row 5, column 'Kreipimosi data'"), "{text}");
    assert!(text.contains("row 9, column 'Smurto forma'"), "{text}");
    assert!(
        text.contains("30 rows: 28 ready, 2 with problems"),
        "{text}"
    );
    assert!(text.contains("Nothing was written"), "{text}");
    let json = atrama(
        &store,
        &[
            "--json",
            "import",
            "records",
            bad_arg,
            "--mapping",
            "register",
            "--dry-run",
        ],
        &env,
    );
    let dry: serde_json::Value = serde_json::from_slice(&json.stdout).expect("--json is JSON");
    assert_eq!(dry["rows_with_problems"], 2);
    assert_eq!(dry["problems"][0]["row"], 5);
    // The import of the bad sheet is refused, naming the row; nothing written.
    let out = atrama(
        &store,
        &["import", "records", bad_arg, "--mapping", "register"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("row 5"), "{}", stderr(&out));
    assert_eq!(logical(), before);
    // An unknown mapping is a clear error.
    let out = atrama(
        &store,
        &["import", "records", bad_arg, "--mapping", "no such mapping"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no saved mapping is named"),
        "{}",
        stderr(&out)
    );

    // The clean sheet imports; its undo restores every table.
    let out = atrama(
        &store,
        &[
            "--json",
            "import",
            "records",
            sheet.to_str().unwrap(),
            "--mapping",
            "register",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["rows_imported"], 30);
    let batch = report["batch_id"].as_str().unwrap().to_owned();
    assert_ne!(logical(), before);
    let out = atrama(&store, &["import", "list"], &env);
    assert!(stdout(&out).contains(&batch), "{}", stdout(&out));
    let out = atrama(&store, &["import", "undo", &batch], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("record(s) deleted"),
        "{}",
        stdout(&out)
    );
    assert_eq!(logical(), before, "undo restores every table");
    let out = atrama(&store, &["import", "undo", &batch], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already been undone"),
        "{}",
        stderr(&out)
    );

    // `--shred` with `--dry-run` is refused before anything is read or deleted.
    let sheet_arg = sheet.to_str().unwrap();
    let out = atrama(
        &store,
        &[
            "import",
            "records",
            sheet_arg,
            "--mapping",
            "register",
            "--dry-run",
            "--shred",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
    assert!(sheet.exists(), "a refused command deletes nothing");
    // `--shred` after an import: the sheet's bytes are overwritten in place (a second hard
    // link to the same file reads zeros) and its name is gone; the warning says what that
    // cannot reach.
    let original = std::fs::read(&sheet).unwrap();
    let link = tmp.path().join("register-link.csv");
    std::fs::hard_link(&sheet, &link).unwrap();
    let out = atrama(
        &store,
        &[
            "import",
            "records",
            sheet_arg,
            "--mapping",
            "register",
            "--shred",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Imported 30 rows"),
        "{}",
        stdout(&out)
    );
    assert!(!sheet.exists(), "the sheet's name is removed");
    let left = std::fs::read(&link).unwrap();
    assert_eq!(left.len(), original.len());
    assert!(left.iter().all(|b| *b == 0), "every byte overwritten");
    let warning = stderr(&out);
    for words in [
        "overwritten with zeros",
        "SSD",
        "snapshots",
        "backups",
        "cloud",
    ] {
        assert!(warning.contains(words), "{words}: {warning}");
    }
    // `atrama import shred FILE` on its own: the bad copy goes the same way; a folder is
    // refused and left alone.
    let bad_len = std::fs::metadata(&bad).unwrap().len();
    let bad_link = tmp.path().join("bad-link.csv");
    std::fs::hard_link(&bad, &bad_link).unwrap();
    let out = atrama(&store, &["import", "shred", bad_arg], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!bad.exists());
    let left = std::fs::read(&bad_link).unwrap();
    assert_eq!(left.len() as u64, bad_len);
    assert!(left.iter().all(|b| *b == 0));
    assert!(stderr(&out).contains("backups"), "{}", stderr(&out));
    let out = atrama(
        &store,
        &["import", "shred", tmp.path().to_str().unwrap()],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not a file"), "{}", stderr(&out));
    assert!(link.exists());
}

/// `--sheet NAME` reads that sheet of a workbook; the dry run and the import say which sheet
/// was read and name the other sheets holding rows (before `--sheet` only the first sheet
/// was read, and nothing was said of the others); an unknown name is refused, listing the
/// sheets.
#[test]
fn import_records_reads_the_sheet_named_and_names_the_others() {
    use atrama::sheets::{ColumnMapping, Field, Mapping};
    use atrama::{Passphrase, Store};
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    init(&store);
    let env = [("ATRAMA_PASSPHRASE", PASS), ("ATRAMA_USER", "ona")];
    let book = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets/hostile-several-sheets.xlsx");
    let book = book.to_str().unwrap();
    let columns = [
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("Kreipimosi data", Field::OpenedOn),
    ];
    Store::unlock(&store, "ona", &Passphrase::new(PASS))
        .unwrap()
        .save_sheet_mapping(&Mapping {
            name: "years".into(),
            columns: columns
                .iter()
                .map(|(column, field)| ColumnMapping {
                    column: (*column).into(),
                    field: *field,
                })
                .collect(),
            ..Mapping::default()
        })
        .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["import", "records", book, "--mapping", "years"];
        args.extend_from_slice(extra);
        atrama(&store, &args, &env)
    };
    let out = run(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Sheet read: '2024'."), "{text}");
    assert!(
        text.contains(
            "note: sheets 'Sąrašai' (hidden, 4 non-empty rows) and '2023' (3 non-empty rows) \
             were not read, only '2024'; import each on its own"
        ) && text.contains("--sheet NAME"),
        "{text}"
    );
    assert!(text.contains("3 rows: 3 ready"), "{text}");
    let out = run(&["--dry-run", "--sheet", "2023"]);
    let text = stdout(&out);
    assert!(
        text.contains("Sheet read: '2023'.")
            && text.contains("'2024' (4 non-empty rows)")
            && text.contains("2 rows: 2 ready"),
        "{text}"
    );
    let out = run(&["--dry-run", "--sheet", "2025"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains(
            "has no sheet named '2025'; its sheets are 'Sąrašai', '2024', 'Tuščias', '2023'"
        ),
        "{}",
        stderr(&out)
    );
    let out = run(&["--sheet", "2023"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Sheet read: '2023'.")
            && text.contains("note: sheet")
            && text.contains("Imported 2 rows: 2 client(s)"),
        "{text}"
    );
}
