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
    let err = fx
        .store
        .sheet_dry_run(&sheet, &ReadOptions::default(), &m, &[])
        .map(|d| format!("{:?}", d.will_create))
        .unwrap_or_else(|e| e.to_string());
    assert!(
        err.contains("2 columns named 'Data'") && err.contains("rename"),
        "{err}"
    );
    let before = content(&fx.store);
    let err = fx
        .store
        .sheet_import(&sheet, &m, &ImportOptions::default())
        .map(|r| format!("imported {:?}", r.created))
        .unwrap_or_else(|e| e.to_string());
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
    let err = fx
        .store
        .sheet_dry_run(&sheet, &ReadOptions::default(), &m, &[])
        .map(|d| format!("{:?}", d.will_create))
        .unwrap_or_else(|e| e.to_string());
    assert!(err.contains("2 columns named 'tel'"), "{err}");
}
