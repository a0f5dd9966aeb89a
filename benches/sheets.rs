//! Spreadsheet-import benchmark (issue 24): a register of `rows` fictitious rows (each a
//! client, a case and an incident, some with children; one in five a second case of an
//! earlier client) as CSV, dry-run and imported into a new store, beside the raw SQLCipher
//! engine inserting the same rows into the same schema (a store created by Atrama, its
//! connection used directly: one prepared INSERT per row and table, one transaction, no
//! checks, versions, change log or search index) in the same run.
//!
//! `cargo bench --bench sheets -- full` (100,000 rows), `-- smoke` (2,000 rows, proves the
//! bench works) or `-- N` (N rows, e.g. for a profiler). Figures go to `docs/performance.md`;
//! peak memory is read from `/proc/self/status` (VmHWM) and the CPU time of each step from
//! `/proc/self/stat` where there are such files: on a shared machine the CPU time is the
//! steadier figure, since the time elapsed counts waits for a core too.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use atrama::sheets::{self, ImportOptions, ProgressStage, ReadOptions};
use atrama::{Language, Mode};

#[path = "common/mod.rs"]
mod common;

const GIVEN: &[&str] = &[
    "Rūta", "Aušra", "Jūratė", "Eglė", "Dalia", "Giedrė", "Laima", "Nijolė", "Asta", "Vaida",
    "Inga", "Jolanta", "Kristina", "Lina", "Milda", "Neringa", "Rasa", "Sigita", "Toma", "Vilma",
];
/// Consonant + vowel, never `j`, `y`, `h` or `i`: the duplicate check's spelling skeleton
/// keeps every one of these apart, so no two clients look alike.
const SYLLABLES: &[&str] = &[
    "ba", "be", "bo", "bu", "da", "de", "do", "du", "fa", "fe", "fo", "fu", "ga", "ge", "go", "gu",
    "ka", "ke", "ko", "ku", "la", "le", "lo", "lu", "ma", "me", "mo", "mu", "na", "ne", "no", "nu",
    "pa", "pe", "po", "pu", "ra", "re", "ro", "ru", "sa", "se", "so", "su", "ta", "te", "to", "tu",
    "va", "ve",
];
const FORMS: &[&str] = &[
    "Fizinis",
    "Psichologinis",
    "Ekonominis",
    "Grasinimai",
    "Seksualinis",
];
const RELS: &[&str] = &[
    "Buvęs sutuoktinis (-ė)",
    "Dabartinis sutuoktinis (-ė)",
    "Brolis / sesuo",
];
const REFS: &[&str] = &[
    "Policijos pranešimas",
    "Savarankiškas kreipimasis",
    "Sveikatos priežiūra",
];

/// A family name no other client has: three syllables from the index, with a suffix.
fn family(i: usize) -> String {
    let n = SYLLABLES.len();
    let mut s = String::new();
    let mut k = i;
    for _ in 0..3 {
        s.push_str(SYLLABLES[k % n]);
        k /= n;
    }
    let mut c = s.chars();
    let first = c.next().unwrap().to_uppercase().collect::<String>();
    format!("{first}{}{}ienė", c.as_str(), SYLLABLES[(i / 125_000) % n])
}

/// Writes the register and returns (rows, clients).
fn write_sheet(path: &Path, rows: usize) -> (usize, usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        f,
        "Kliento Nr.;Vardas;Pavardė;Gimimo metai;Telefonas;Lytis;Kreipimosi data;\
         Kreipimosi šaltinis;Įvykio data;Smurto forma;Ryšys su smurtautoju;Vaikų skaičius"
    )
    .unwrap();
    let mut clients = 0;
    for r in 0..rows {
        // One row in five is a second case of the client five rows up.
        let client = if r % 5 == 4 { r - 4 } else { r };
        if client == r {
            clients += 1;
        }
        let day = 1 + (r % 28);
        let month = 1 + (r / 28) % 12;
        let year = 2014 + (r * 10 / rows.max(1));
        let date = match r % 3 {
            0 => format!("{year}-{month:02}-{day:02}"),
            1 => format!("{day:02}.{month:02}.{year}"),
            _ => format!("{day}/{month}/{year}"),
        };
        writeln!(
            f,
            "K-{client};{};{};{};+370 6{:07};Moteris;{date};{};{date};{}, {};{};{}",
            GIVEN[client % GIVEN.len()],
            family(client),
            1950 + client % 50,
            client,
            REFS[r % REFS.len()],
            FORMS[r % FORMS.len()],
            FORMS[(r + 2) % FORMS.len()],
            RELS[r % RELS.len()],
            r % 3,
        )
        .unwrap();
    }
    (rows, clients)
}

fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU seconds (user + system) this process has used, where Linux says.
fn cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the
    // 13th; both in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let which = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "smoke".into());
    let rows = match which.as_str() {
        "full" => 100_000,
        n => n.parse().unwrap_or(2_000),
    };
    let tmp = tempfile::tempdir().unwrap();
    let sheet = tmp.path().join("register.csv");
    let (rows, clients) = write_sheet(&sheet, rows);
    println!("\nsheets bench ({which}): {rows} rows, {clients} clients");

    // Atrama: preview, dry run, import.
    let mut store = common::new_store(
        &tmp.path().join("store"),
        "BEN-01",
        Mode::Centre,
        Language::Lt,
        "ona",
    );
    let preview = sheets::preview(&sheet, &ReadOptions::default()).unwrap();
    let mapping = sheets::suggested_mapping("bench", &preview);
    let start = Instant::now();
    let cpu0 = cpu_s();
    let dry = store
        .sheet_dry_run(&sheet, &ReadOptions::default(), &mapping, &[])
        .unwrap();
    let dry_s = start.elapsed().as_secs_f64();
    let dry_cpu = cpu_s().zip(cpu0).map(|(b, a)| b - a);
    assert_eq!(dry.rows_ready, rows, "{:?}", dry.problems.first());
    assert!(dry.duplicates.is_empty(), "{:?}", dry.duplicates.first());
    let after_dry = peak_mib();
    let start = Instant::now();
    let cpu0 = cpu_s();
    // When the write pass starts (its first progress report): the check pass before it.
    let mut write_started: Option<(Instant, Option<f64>)> = None;
    let report = store
        .sheet_import_with_progress(
            &sheet,
            &mapping,
            &ImportOptions {
                expected_sha256: Some(dry.sha256.clone()),
                ..ImportOptions::default()
            },
            &mut |p| {
                if p.stage == ProgressStage::Write && write_started.is_none() {
                    write_started = Some((Instant::now(), cpu_s()));
                }
            },
        )
        .unwrap();
    let apply_s = start.elapsed().as_secs_f64();
    let apply_cpu = cpu_s().zip(cpu0).map(|(b, a)| b - a);
    let (write_at, write_cpu_at) = write_started.unwrap();
    let check_s = (write_at - start).as_secs_f64();
    let check_cpu = write_cpu_at.zip(cpu0).map(|(b, a)| b - a);
    assert_eq!(report.rows_imported, rows);
    assert_eq!(report.created.clients, clients);
    let after_apply = peak_mib();

    // The raw engine: the same rows into the same schema, one transaction.
    let raw = common::new_store(
        &tmp.path().join("raw"),
        "BEN-02",
        Mode::Centre,
        Language::Lt,
        "ona",
    );
    let conn = raw.dangerously_raw_connection();
    let start = Instant::now();
    let cpu0 = cpu_s();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut client = conn
            .prepare(
                "INSERT INTO client (id, owner_centre, owner_install, hlc, created_at, created_by,
                    pseudonym, given_name, family_name, phone, sex, birth_year, age_band,
                    disability, migrant, safe_to_call, safe_to_text, safe_to_visit)
                 VALUES (?1, 'BEN-02', 'i', 1, '2026-01-01', 'ona', ?2, ?3, ?4, ?5, 'female', ?6,
                         '45_54', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown')",
            )
            .unwrap();
        let mut case = conn
            .prepare(
                "INSERT INTO case_file (id, owner_centre, owner_install, hlc, created_at,
                    created_by, client_id, case_number, opened_on, status, referral_source,
                    intake_outcome, lead_worker, updated_at)
                 VALUES (?1, 'BEN-02', 'i', 1, '2026-01-01', 'ona', ?2, ?3, ?4, 'open', 'police',
                         'accepted', 'ona', '2026-01-01')",
            )
            .unwrap();
        let mut incident = conn
            .prepare(
                "INSERT INTO incident (id, owner_centre, owner_install, hlc, created_at,
                    created_by, case_id, occurred_on, violence_forms, gbvims_type, place_type,
                    reported_to_police, perpetrators)
                 VALUES (?1, 'BEN-02', 'i', 1, '2026-01-01', 'ona', ?2, ?3,
                         '[\"physical\",\"economic\"]', 'physical_assault', 'unknown', 'unknown',
                         '[]')",
            )
            .unwrap();
        let mut child = conn
            .prepare(
                "INSERT INTO child (id, owner_centre, owner_install, hlc, created_at, created_by,
                    case_id, sex, age_band, lives_with_client, witnessed, directly_harmed,
                    child_protection_referral)
                 VALUES (?1, 'BEN-02', 'i', 1, '2026-01-01', 'ona', ?2, 'unknown', '0_17',
                         'unknown', 'unknown', 'unknown', 'unknown')",
            )
            .unwrap();
        let mut client_ids: Vec<String> = Vec::with_capacity(clients);
        for r in 0..rows {
            let id = if r % 5 == 4 {
                client_ids[client_ids.len() - 4].clone()
            } else {
                let id = uuid::Uuid::now_v7().to_string();
                client
                    .execute(rusqlite::params![
                        id,
                        format!("P-{r}"),
                        GIVEN[r % GIVEN.len()],
                        family(r),
                        format!("+370 6{r:07}"),
                        (1950 + r % 50) as i64
                    ])
                    .unwrap();
                id
            };
            client_ids.push(id.clone());
            let case_id = uuid::Uuid::now_v7().to_string();
            case.execute(rusqlite::params![
                case_id,
                id,
                format!("2024-{r:06}"),
                "2024-03-05"
            ])
            .unwrap();
            incident
                .execute(rusqlite::params![
                    uuid::Uuid::now_v7().to_string(),
                    case_id,
                    "2024-03-05"
                ])
                .unwrap();
            for _ in 0..r % 3 {
                child
                    .execute(rusqlite::params![uuid::Uuid::now_v7().to_string(), case_id])
                    .unwrap();
            }
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    let raw_s = start.elapsed().as_secs_f64();
    let raw_cpu = cpu_s().zip(cpu0).map(|(b, a)| b - a);

    println!("| step | time | CPU time | rows/s | peak memory |");
    println!("|---|---|---|---|---|");
    let mib = |m: Option<f64>| m.map_or("–".to_owned(), |m| format!("{m:.0} MiB"));
    let cpu = |c: Option<f64>| c.map_or("–".to_owned(), |c| format!("{c:.1} s"));
    println!(
        "| dry run | {dry_s:.1} s | {} | {:.0} | {} |",
        cpu(dry_cpu),
        rows as f64 / dry_s,
        mib(after_dry)
    );
    println!(
        "| import (apply): check pass + write pass | {apply_s:.1} s | {} | {:.0} | {} |",
        cpu(apply_cpu),
        rows as f64 / apply_s,
        mib(after_apply)
    );
    println!(
        "| — of which the check pass | {check_s:.1} s | {} | | |",
        cpu(check_cpu)
    );
    println!(
        "| raw SQLCipher insert, same rows, same schema | {raw_s:.1} s | {} | {:.0} | |",
        cpu(raw_cpu),
        rows as f64 / raw_s
    );
    println!(
        "import rate ÷ raw rate: {:.2}× by time elapsed, {} by CPU time (target ≥ 0.5×)",
        raw_s / apply_s,
        raw_cpu
            .zip(apply_cpu)
            .map_or("–".to_owned(), |(r, a)| format!("{:.2}×", r / a))
    );
}
