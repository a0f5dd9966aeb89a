//! Spreadsheet import against messy and hostile sheets (adversarial review of issue 24):
//! each test is a sheet a counsellor could really have, and requires that the import never
//! writes a wrong record silently — the row is refused with what is wrong and what to do, or
//! the whole sheet is refused with nothing written.

use std::path::{Path, PathBuf};

use atrama::sheets::{ColumnMapping, Field, ImportOptions, Mapping, ReadOptions};

use super::case_record::store;
use super::crash::content;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn mapping(columns: &[(&str, Field)]) -> Mapping {
    Mapping {
        name: "hostile".into(),
        columns: columns
            .iter()
            .map(|(column, field)| ColumnMapping {
                column: (*column).into(),
                field: *field,
            })
            .collect(),
        ..Mapping::default()
    }
}

fn live(store: &atrama::Store, sql: &str) -> Vec<String> {
    let conn = store.dangerously_raw_connection();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// What a dry run says: its error, or — when it accepted the sheet — what it saw, so that a
/// test requiring a refusal prints what happened instead.
fn dry_run_says(
    store: &atrama::Store,
    sheet: &Path,
    read: &ReadOptions,
    m: &Mapping,
    decisions: &[atrama::sheets::RowDecision],
) -> String {
    store
        .sheet_dry_run(sheet, read, m, decisions)
        .map(|d| {
            format!(
                "dry run accepted: {} rows, would create {:?}, problems {:?}",
                d.rows, d.will_create, d.problems
            )
        })
        .unwrap_or_else(|e| e.to_string())
}

/// What an import says: its error, or what it created.
fn import_says(
    store: &mut atrama::Store,
    sheet: &Path,
    m: &Mapping,
    options: &ImportOptions,
) -> String {
    store
        .sheet_import(sheet, m, options)
        .map(|r| format!("imported {} rows: {:?}", r.rows_imported, r.created))
        .unwrap_or_else(|e| e.to_string())
}

/// The row and column of each problem a dry run lists.
fn problems_at(dry: &atrama::sheets::DryRun) -> Vec<(usize, Option<String>)> {
    dry.problems
        .iter()
        .map(|p| (p.row, p.column.clone()))
        .collect()
}

/// Two columns with the same header ("Data" for the opening and for the incident, as a
/// register with merged group cells above them has): a mapping names columns by header, so
/// it cannot say which one it meant. Before the fix both fields were read from the first
/// column, and every incident was recorded on the case's opening date.
#[test]
fn a_header_shared_by_two_columns_is_refused_not_guessed() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = write(
        tmp.path(),
        "register.csv",
        "Kliento Nr.;Vardas;Pavardė;Data;Data;Smurto forma\n\
         K-1;Rūta;Petraitienė;05.03.2024;01.02.2024;Fizinis\n",
    );
    let mut fx = store(atrama::Country::Lt);
    let m = mapping(&[
        ("Kliento Nr.", Field::ClientKey),
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("Data", Field::OpenedOn),
        ("Data", Field::IncidentDate),
        ("Smurto forma", Field::ViolenceForms),
    ]);
    let err = dry_run_says(&fx.store, &sheet, &ReadOptions::default(), &m, &[]);
    assert!(
        err.contains("2 columns named 'Data'") && err.contains("rename"),
        "{err}"
    );
    let before = content(&fx.store);
    let err = import_says(&mut fx.store, &sheet, &m, &ImportOptions::default());
    assert!(err.contains("2 columns named 'Data'"), "{err}");
    assert_eq!(content(&fx.store), before, "nothing written");
    // Headers that differ only in case and punctuation fold to one ("Tel." and "tel").
    let sheet = write(
        tmp.path(),
        "phones.csv",
        "Vardas;Pavardė;Tel.;tel;Kreipimosi data\nRūta;Petraitienė;+37061234567;;05.03.2024\n",
    );
    let m = mapping(&[
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("tel", Field::Phone),
        ("Kreipimosi data", Field::OpenedOn),
    ]);
    let err = dry_run_says(&fx.store, &sheet, &ReadOptions::default(), &m, &[]);
    assert!(err.contains("2 columns named 'tel'"), "{err}");
}

/// One client number on rows of two different people (a number typed twice, a register
/// merged from two): before the fix the second person's case was opened for the first
/// person — her incident in someone else's file — and the dry run said nothing.
#[test]
fn a_client_number_on_two_different_people_is_a_row_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = write(
        tmp.path(),
        "register.csv",
        "Kliento Nr.;Bylos Nr.;Vardas;Pavardė;Gimimo metai;Kreipimosi data;Smurto forma\n\
         K-1;B-1;Rūta;Petraitienė;1980;05.03.2024;Fizinis\n\
         K-1;B-2;Ona;Kazlauskienė;1975;06.03.2024;Fizinis\n\
         K-1;B-3;Ruta;Petraitiene;1980;07.03.2024;Fizinis\n\
         K-1;B-4;;;;08.03.2024;Fizinis\n\
         K-2;B-1;Eglė;Jonaitienė;1990;09.03.2024;Fizinis\n",
    );
    let mut fx = store(atrama::Country::Lt);
    let m = mapping(&[
        ("Kliento Nr.", Field::ClientKey),
        ("Bylos Nr.", Field::CaseKey),
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("Gimimo metai", Field::BirthYear),
        ("Kreipimosi data", Field::OpenedOn),
        ("Smurto forma", Field::ViolenceForms),
    ]);
    let dry = fx
        .store
        .sheet_dry_run(&sheet, &ReadOptions::default(), &m, &[])
        .unwrap();
    let rows: Vec<(usize, Option<String>)> = problems_at(&dry);
    // Row 3: K-1 is Rūta's number (row 2). Row 6: case B-1 is Rūta's case (row 2).
    // Row 4 is Rūta spelt without diacritics, row 5 names nobody: both hers.
    assert_eq!(
        rows,
        vec![
            (3, Some("Kliento Nr.".to_owned())),
            (6, Some("Bylos Nr.".to_owned()))
        ],
        "{:?}",
        dry.problems
    );
    for p in &dry.problems {
        assert!(p.message.contains("row 2"), "{}", p.message);
        assert!(!p.message.contains("Ona") && !p.message.contains("Rūta"));
    }
    assert_eq!(dry.rows_with_problems, 2);
    let before = content(&fx.store);
    let err = fx
        .store
        .sheet_import(&sheet, &m, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("row 3") && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(content(&fx.store), before);
    // Left out, the two rows are listed, and the others go to the right people.
    let report = fx
        .store
        .sheet_import(
            &sheet,
            &m,
            &ImportOptions {
                skip_rows_with_problems: true,
                ..ImportOptions::default()
            },
        )
        .unwrap();
    let skipped: Vec<usize> = report.rows_skipped.iter().map(|p| p.row).collect();
    assert_eq!(skipped, vec![3, 6]);
    assert_eq!((report.created.clients, report.created.cases), (1, 3));
    assert_eq!(
        live(
            &fx.store,
            "SELECT family_name FROM client WHERE deleted_at IS NULL"
        ),
        vec!["Petraitienė".to_owned()]
    );
}

/// An Excel error value (`#N/A` from a failed lookup, `#REF!` after a deleted column) as a
/// CSV saved from Excel carries it, or as a workbook's error cell: before the fix the
/// workbook's error read as an empty cell (the sex default, no phone, no birth year) and
/// the CSV's text became the client's phone number.
#[test]
fn spreadsheet_error_values_are_row_problems_never_data_or_blanks() {
    let mut fx = store(atrama::Country::Lt);
    let m = mapping(&[
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("Telefonas", Field::Phone),
        ("Lytis", Field::Sex),
        ("Gimimo metai", Field::BirthYear),
        ("Kreipimosi data", Field::OpenedOn),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let csv = write(
        tmp.path(),
        "register.csv",
        "Vardas;Pavardė;Telefonas;Lytis;Gimimo metai;Kreipimosi data\n\
         Rūta;Petraitienė;#N/A;moteris;1980;05.03.2024\n\
         Ona;Kazlauskienė;+37061234567;#REF!;1975;06.03.2024\n\
         Eglė;Jonaitienė;+37061234568;moteris;1990;07.03.2024\n",
    );
    // The same register as Excel keeps it: error cells (written by openpyxl, data type 'e').
    let xlsx = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets/hostile-error-cells.xlsx");
    for sheet in [csv, xlsx] {
        let dry = fx
            .store
            .sheet_dry_run(&sheet, &ReadOptions::default(), &m, &[])
            .unwrap();
        let found: Vec<(usize, Option<String>)> = problems_at(&dry);
        assert_eq!(
            found,
            vec![
                (2, Some("Telefonas".to_owned())),
                (3, Some("Lytis".to_owned()))
            ],
            "{sheet:?}: {:?}",
            dry.problems
        );
        assert!(
            dry.problems[0].message.contains("#N/A") && dry.problems[0].message.contains("formula"),
            "{}",
            dry.problems[0].message
        );
        let before = content(&fx.store);
        let err = fx
            .store
            .sheet_import(&sheet, &m, &ImportOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 2"), "{err}");
        assert_eq!(content(&fx.store), before);
    }
    assert!(
        live(
            &fx.store,
            "SELECT phone FROM client WHERE phone IS NOT NULL"
        )
        .is_empty()
    );
    // Left out, the rows are listed; the clean row imports.
    let report = fx
        .store
        .sheet_import(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/sheets/hostile-error-cells.xlsx"),
            &m,
            &ImportOptions {
                skip_rows_with_problems: true,
                ..ImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!(report.rows_skipped.len(), 2);
    assert_eq!(report.created.clients, 1);
}

/// A semicolon CSV of ten clients with a lone quote typed before a name on line 4
/// (`"Ona`): the CSV reader takes the quote to open a cell that runs to the end of the
/// file, so lines 5 to 11 became part of one cell of row 4. Before the fix the dry run saw
/// 3 rows, and its one problem was row 4's "the case's opening date is empty" (the date
/// column was inside the swallowed cell): the 7 rows after it were not mentioned, and an
/// import leaving out rows with problems wrote 2 clients of 10.
#[test]
fn a_lone_unclosed_quote_in_a_csv_is_refused_naming_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("Vardas;Pavardė;Gimimo metai;Kreipimosi data\n");
    for i in 1..=10 {
        let given = if i == 3 {
            "\"Ona".to_owned()
        } else {
            format!("Vardas{i}")
        };
        text.push_str(&format!(
            "{given};Pavardė{i};19{:02};0{}.03.2024\n",
            70 + i,
            i % 9 + 1
        ));
    }
    let sheet = write(tmp.path(), "register.csv", &text);
    let mut fx = store(atrama::Country::Lt);
    let m = mapping(&[
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("Gimimo metai", Field::BirthYear),
        ("Kreipimosi data", Field::OpenedOn),
    ]);
    let err = dry_run_says(&fx.store, &sheet, &ReadOptions::default(), &m, &[]);
    assert!(
        err.contains("line 4: a quote (\") opens a cell that is never closed")
            && err.contains("correct the quote"),
        "{err}"
    );
    let before = content(&fx.store);
    let err = import_says(
        &mut fx.store,
        &sheet,
        &m,
        &ImportOptions {
            skip_rows_with_problems: true,
            ..ImportOptions::default()
        },
    );
    assert!(err.contains("line 4: a quote"), "{err}");
    assert_eq!(content(&fx.store), before, "nothing written");
    // The quote closed (`"Ona"`), and a quoted cell holding a doubled quote and a line
    // break, read as they are: all ten rows.
    let fixed = text
        .replace("\"Ona;", "\"Ona\";")
        .replace("Vardas7;", "\"Vardas \"\"7\"\"\nantra eilutė\";");
    let sheet = write(tmp.path(), "fixed.csv", &fixed);
    let dry = fx
        .store
        .sheet_dry_run(&sheet, &ReadOptions::default(), &m, &[])
        .unwrap();
    assert_eq!((dry.rows, dry.rows_ready), (10, 10), "{:?}", dry.problems);
}

/// A register kept one sheet per year ('2024', then '2023'), behind a hidden sheet of the
/// dropdowns' words and with an empty sheet between (`hostile-several-sheets.xlsx`, written
/// by `scripts/gen-hostile-sheets.py`). Before the fix only the first sheet was read: on the
/// same workbook without the hidden sheet the dry run said `XLSX`, 3 rows, no problem, and
/// nothing of '2023' (2 clients lost without a word); with it, the hidden list was read as
/// the register ("the mapping names column 'Vardas', which this sheet does not have").
#[test]
fn a_workbook_of_several_sheets_names_the_sheets_it_did_not_read() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets/hostile-several-sheets.xlsx");
    let mut fx = store(atrama::Country::Lt);
    let m = mapping(&[
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("Gimimo metai", Field::BirthYear),
        ("Kreipimosi data", Field::OpenedOn),
    ]);
    let of = |sheet: &str| ReadOptions {
        sheet: Some(sheet.to_owned()),
        ..ReadOptions::default()
    };
    // By default: the first visible sheet with a filled cell, and the others named.
    let dry = fx
        .store
        .sheet_dry_run(&book, &ReadOptions::default(), &m, &[])
        .unwrap();
    assert_eq!((dry.sheet.as_deref(), dry.rows), (Some("2024"), 3));
    let listed: Vec<(&str, usize, bool)> = dry
        .sheets
        .iter()
        .map(|s| (s.name.as_str(), s.rows, s.hidden))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("Sąrašai", 4, true),
            ("2024", 4, false),
            ("Tuščias", 0, false),
            ("2023", 3, false)
        ]
    );
    let note = dry.unread_sheets.clone().unwrap_or_default();
    assert_eq!(
        note,
        "sheets 'Sąrašai' (hidden, 4 non-empty rows) and '2023' (3 non-empty rows) were not \
         read, only '2024'; import each on its own (choose it as the sheet to read)"
    );
    let preview = atrama::sheets::preview(&book, &ReadOptions::default()).unwrap();
    assert_eq!(preview.sheet.as_deref(), Some("2024"));
    assert_eq!(preview.sheets, dry.sheets);
    assert_eq!(preview.unread_sheets.as_deref(), Some(note.as_str()));
    // The sheet chosen by name: its rows, and the others named.
    let dry_2023 = fx.store.sheet_dry_run(&book, &of("2023"), &m, &[]).unwrap();
    assert_eq!(
        (
            dry_2023.sheet.as_deref(),
            dry_2023.rows,
            dry_2023.rows_ready
        ),
        (Some("2023"), 2, 2)
    );
    assert!(
        dry_2023
            .unread_sheets
            .as_deref()
            .is_some_and(|n| n.contains("'2024' (4 non-empty rows)") && n.contains("only '2023'")),
        "{:?}",
        dry_2023.unread_sheets
    );
    // The file's hash, whichever sheet is read.
    assert_eq!(dry_2023.sha256, dry.sha256);
    let report = fx
        .store
        .sheet_import(
            &book,
            &m,
            &ImportOptions {
                read: of("2023"),
                expected_sha256: Some(dry_2023.sha256.clone()),
                ..ImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!((report.rows_imported, report.created.clients), (2, 2));
    assert_eq!(report.sheet.as_deref(), Some("2023"));
    assert!(
        report
            .unread_sheets
            .as_deref()
            .is_some_and(|n| n.contains("'2024'")),
        "{:?}",
        report.unread_sheets
    );
    let mut names = live(
        &fx.store,
        "SELECT family_name FROM client WHERE deleted_at IS NULL",
    );
    names.sort();
    assert_eq!(names, vec!["Mockienė".to_owned(), "Vaitkienė".to_owned()]);
    // A name the workbook does not have, an empty sheet, a sheet of a CSV: refused.
    let before = content(&fx.store);
    for (read, expected) in [
        (
            of("2025"),
            "'hostile-several-sheets.xlsx' has no sheet named '2025'; its sheets are \
             'Sąrašai', '2024', 'Tuščias', '2023'",
        ),
        (of("Tuščias"), "sheet 'Tuščias': the sheet is empty"),
    ] {
        let err = dry_run_says(&fx.store, &book, &read, &m, &[]);
        assert!(err.contains(expected), "{err}");
        let err = import_says(
            &mut fx.store,
            &book,
            &m,
            &ImportOptions {
                read,
                ..ImportOptions::default()
            },
        );
        assert!(err.contains(expected), "{err}");
    }
    assert_eq!(content(&fx.store), before, "nothing written");
    let tmp = tempfile::tempdir().unwrap();
    let csv = write(
        tmp.path(),
        "register.csv",
        "Vardas;Pavardė\nRūta;Petraitienė\n",
    );
    let err = atrama::sheets::preview(&csv, &of("2023"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("a CSV file has no sheets"), "{err}");
    // The file changed after the dry run of one of its sheets: refused, nothing written.
    let copy = tmp.path().join("register.xlsx");
    std::fs::copy(&book, &copy).unwrap();
    let dry_2024 = fx.store.sheet_dry_run(&copy, &of("2024"), &m, &[]).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sheets/hostile-error-cells.xlsx"),
        &copy,
    )
    .unwrap();
    let err = fx
        .store
        .sheet_import(
            &copy,
            &m,
            &ImportOptions {
                read: of("2024"),
                expected_sha256: Some(dry_2024.sha256),
                ..ImportOptions::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the file has changed since the dry run"),
        "{err}"
    );
    assert_eq!(content(&fx.store), before);
}

/// A duplicate decision that answers no duplicate the dry run found: the CLI takes
/// decisions from a file (`--decisions`), which may have been made for another file, another
/// sheet of the workbook or another version of the sheet — its row numbers then name other
/// people. Before the fix an "existing client" decision on a row with no such possible
/// duplicate opened that row's case in the named client's file, and "same as row" linked
/// two strangers; now the dry run and the import refuse, naming the row, and nothing is
/// written.
#[test]
fn a_decision_that_answers_no_duplicate_found_is_refused_never_applied() {
    use atrama::sheets::{Decision, RowDecision};
    let tmp = tempfile::tempdir().unwrap();
    let m = mapping(&[
        ("Vardas", Field::GivenName),
        ("Pavardė", Field::FamilyName),
        ("Gimimo metai", Field::BirthYear),
        ("Kreipimosi data", Field::OpenedOn),
    ]);
    let mut fx = store(atrama::Country::Lt);
    // The first register: Ona is recorded.
    let first = write(
        tmp.path(),
        "first.csv",
        "Vardas;Pavardė;Gimimo metai;Kreipimosi data\nOna;Žemaitė;1980;05.03.2024\n",
    );
    fx.store
        .sheet_import(&first, &m, &ImportOptions::default())
        .unwrap();
    let ona = live(&fx.store, "SELECT id FROM client")[0].clone();
    let ona = atrama::ids::ClientId::parse(&ona).unwrap();
    // The next register: row 2 is Ona again (a true duplicate), row 3 a stranger.
    let next = write(
        tmp.path(),
        "next.csv",
        "Vardas;Pavardė;Gimimo metai;Kreipimosi data\n\
         Ona;Žemaitė;1980;01.04.2024\n\
         Daiva;Kazlauskienė;1975;02.04.2024\n\
         Rasa;Jonaitienė;1990;03.04.2024\n",
    );
    let dry = fx
        .store
        .sheet_dry_run(&next, &ReadOptions::default(), &m, &[])
        .unwrap();
    let rows: Vec<usize> = dry.duplicates.iter().map(|d| d.row).collect();
    assert_eq!(
        rows,
        [2],
        "only Ona's row may be a duplicate: {:?}",
        dry.duplicates
    );
    let before = content(&fx.store);
    for (decisions, what) in [
        // Daiva's row said to be Ona (a decisions file of another sheet).
        (
            vec![
                RowDecision {
                    row: 2,
                    decision: Decision::Existing { client_id: ona },
                },
                RowDecision {
                    row: 3,
                    decision: Decision::Existing { client_id: ona },
                },
            ],
            "row 3",
        ),
        // Rasa said to be Daiva, the client of row 3: strangers.
        (
            vec![
                RowDecision {
                    row: 2,
                    decision: Decision::New,
                },
                RowDecision {
                    row: 4,
                    decision: Decision::SameAsRow { row: 3 },
                },
            ],
            "row 4",
        ),
    ] {
        let err = dry_run_says(&fx.store, &next, &ReadOptions::default(), &m, &decisions);
        assert!(
            err.starts_with(what) && err.contains("dry run again"),
            "{err}"
        );
        let err = import_says(
            &mut fx.store,
            &next,
            &m,
            &ImportOptions {
                decisions,
                ..ImportOptions::default()
            },
        );
        assert!(err.starts_with(what), "{err}");
        assert_eq!(content(&fx.store), before, "nothing written");
    }
    // The decision the dry run asked for is taken.
    let report = fx
        .store
        .sheet_import(
            &next,
            &m,
            &ImportOptions {
                decisions: vec![RowDecision {
                    row: 2,
                    decision: Decision::Existing { client_id: ona },
                }],
                ..ImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!((report.created.clients, report.created.cases), (2, 3));
}
