//! The Parquet warehouse export (`docs/warehouse.md`), read back as the ministry reads it:
//!
//! - no marker string planted at a centre (names, phone, address, contact-safety notes, a
//!   typed pseudonym, notes, a reopen reason, a risk override reason, free-text analysis
//!   answers), nor any planted straight into the coordinator's replica rows (every stored
//!   column a bundle does not carry), appears in any value of any file (read with the
//!   `parquet` crate's reader) nor in any raw byte; each file's columns are exactly the
//!   pseudonymised fields of its record type;
//! - incremental: after one centre changes one record, a second export rewrites only that
//!   partition's file (new inode, new SHA-256), every other file is untouched, and the
//!   manifest lists the new file; an export with nothing changed writes nothing;
//! - a period export never leaves a record in two partitions (a client moved to an earlier
//!   year): refused, or the folder equals a fresh export, dataset by dataset.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::minimisation::{MARKERS, plant};
use crate::site::{Site, demo_centre, enrol, site};
use atrama::cases::ServiceContactFields;
use atrama::sync::payload::{TABLES, pseudonymised_columns, wire_name};
use atrama::warehouse::parquet::{MANIFEST, Manifest, read_manifest};
use atrama::{Country, Mode};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

fn sync(centre: &mut Site, coord: &mut Site, name: &str) {
    let file = centre.dir.parent().unwrap().join(name);
    centre.store.export_bundle("KOORD", &file, None).unwrap();
    let summary = coord.store.import_bundle(&file, false).unwrap();
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
}

fn manifest(out: &Path) -> Manifest {
    read_manifest(&out.join(MANIFEST)).unwrap().unwrap()
}

fn files(m: &Manifest) -> BTreeMap<String, atrama::warehouse::parquet::FileEntry> {
    m.datasets
        .values()
        .flat_map(|d| d.files.iter().map(|f| (f.path.clone(), f.clone())))
        .collect()
}

/// Every value of every row of a Parquet file, as text, and its column names.
fn read_back(path: &Path) -> (Vec<String>, Vec<String>, u64) {
    let reader = SerializedFileReader::try_from(File::open(path).unwrap()).unwrap();
    let columns: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let mut values = Vec::new();
    let mut rows = 0;
    for row in reader.get_row_iter(None).unwrap() {
        let row = row.unwrap();
        rows += 1;
        for (_, field) in row.get_column_iter() {
            values.push(match field {
                Field::Str(s) => s.clone(),
                Field::Null => String::new(),
                other => other.to_string(),
            });
        }
    }
    (columns, values, rows)
}

/// The stored columns of `table` that a bundle does not carry: the marker is written into
/// each at the coordinator, where a replica should never hold it.
fn plant_in_replicas(coord: &Site) -> Vec<String> {
    let conn = coord.store.dangerously_raw_connection();
    let mut planted = Vec::new();
    for table in TABLES {
        let carried: BTreeSet<&str> = pseudonymised_columns(table)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let cols: Vec<(String, String)> = conn
            .prepare(&format!(
                "SELECT name, type FROM pragma_table_info('{table}')"
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (col, ty) in cols {
            if carried.contains(col.as_str()) {
                continue;
            }
            let marker = format!("REPLICA-ONLY-{table}-{col}");
            let value: rusqlite::types::Value = if ty.eq_ignore_ascii_case("INTEGER") {
                rusqlite::types::Value::Integer(987_654_321_123)
            } else {
                rusqlite::types::Value::Text(marker.clone())
            };
            // Constraints refuse some values (a CHECK on a code); the others hold it.
            if conn
                .execute(&format!("UPDATE {table} SET {col} = ?1"), [value])
                .is_ok_and(|n| n > 0)
            {
                planted.push(marker);
            }
        }
    }
    planted
}

#[test]
fn no_marker_and_no_column_outside_the_pseudonymised_set_reaches_a_parquet_file() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = demo_centre("KLP-01", Country::Lt, 8, 7);
    let mut lie = demo_centre("LIE-01", Country::Lv, 6, 5);
    enrol(&mut klp, &mut coord);
    enrol(&mut lie, &mut coord);
    coord
        .store
        .save_analysis_template(&atrama::analysis::template::example())
        .unwrap();
    let ret = klp.dir.parent().unwrap().join("r1.atrama");
    coord.store.export_bundle("KLP-01", &ret, None).unwrap();
    klp.store.import_bundle(&ret, false).unwrap();
    plant(&mut klp);
    sync(&mut klp, &mut coord, "k1.atrama");
    sync(&mut lie, &mut coord, "l1.atrama");
    let replica_markers = plant_in_replicas(&coord);
    assert!(
        replica_markers
            .iter()
            .any(|m| m.ends_with("client-given_name"))
            && replica_markers
                .iter()
                .any(|m| m.ends_with("note") || m.contains("reason")),
        "the replica plant must reach names and free text: {replica_markers:?}"
    );
    // Integers a bundle never carries (birth year, the risk score's stored value…) too.
    let replica_int = "987654321123";

    let out = coord.tmp.path().join("warehouse");
    let summary = coord.store.export_parquet(&out, None).unwrap();
    assert!(summary.written > 0 && summary.rows > 0);
    let m = manifest(&out);
    let mut seen_tables = BTreeSet::new();
    let mut values_read = 0usize;
    for (name, d) in &m.datasets {
        let expected: Vec<String> = pseudonymised_columns(name)
            .into_iter()
            .map(|(c, _)| wire_name(c).to_owned())
            .collect();
        let listed: Vec<String> = d.columns.iter().map(|c| c.name.clone()).collect();
        assert_eq!(listed, expected, "{name}: the manifest's columns");
        for f in &d.files {
            let path = out.join(&f.path);
            let (columns, values, rows) = read_back(&path);
            assert_eq!(columns, expected, "{}: the file's columns", f.path);
            assert_eq!(rows, f.rows, "{}: rows", f.path);
            let raw = std::fs::read(&path).unwrap();
            assert_eq!(raw.len() as u64, f.bytes);
            assert_eq!(
                atrama::warehouse::parquet::file_sha256(&path).unwrap(),
                f.sha256
            );
            for v in &values {
                for mk in MARKERS
                    .iter()
                    .copied()
                    .chain(replica_markers.iter().map(String::as_str))
                {
                    assert!(!v.contains(mk), "{}: '{mk}' in a value", f.path);
                }
                assert_ne!(v, replica_int, "{}: a replica-only number", f.path);
            }
            for mk in MARKERS
                .iter()
                .copied()
                .chain(replica_markers.iter().map(String::as_str))
            {
                assert!(
                    !raw.windows(mk.len()).any(|w| w == mk.as_bytes()),
                    "{}: '{mk}' in the raw bytes",
                    f.path
                );
            }
            values_read += values.len();
            if rows > 0 {
                seen_tables.insert(name.clone());
            }
        }
    }
    // Every record type was exported and read (so the scan saw every column).
    let all: BTreeSet<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(seen_tables, all);
    assert!(values_read > 1000);
    // Both countries and both centres are partitions.
    let paths: Vec<String> = files(&m).into_keys().collect();
    assert!(
        paths
            .iter()
            .any(|p| p.contains("country=LV/") && p.contains("centre=LIE-01/"))
    );
    assert!(
        paths
            .iter()
            .any(|p| p.contains("country=LT/") && p.contains("centre=KLP-01/"))
    );
}

fn inodes(out: &Path, m: &Manifest) -> BTreeMap<String, u64> {
    files(m)
        .into_keys()
        .map(|p| {
            let ino = std::fs::metadata(out.join(&p)).unwrap().ino();
            (p, ino)
        })
        .collect()
}

#[test]
fn a_later_export_rewrites_only_the_partition_that_changed() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = demo_centre("KLP-01", Country::Lt, 10, 3);
    let mut lie = demo_centre("LIE-01", Country::Lv, 8, 5);
    enrol(&mut klp, &mut coord);
    enrol(&mut lie, &mut coord);
    sync(&mut klp, &mut coord, "k1.atrama");
    sync(&mut lie, &mut coord, "l1.atrama");
    let out: PathBuf = coord.tmp.path().join("warehouse");
    let first = coord.store.export_parquet(&out, None).unwrap();
    assert_eq!(first.unchanged, 0);
    let m1 = manifest(&out);
    let ino1 = inodes(&out, &m1);
    assert!(ino1.len() > 8, "{ino1:?}");

    // An export interrupted before its renames left hidden temporary files (a partition's,
    // the manifest's): the next export removes them.
    let some_part = out.join(files(&m1).into_keys().next().unwrap());
    let stale = [
        some_part
            .parent()
            .unwrap()
            .join(".part-0.parquet.tmp-0193aaaabbbbccccddddeeeeffff0000"),
        out.join(".manifest.json.tmp-0193aaaabbbbccccddddeeeeffff0001"),
    ];
    for f in &stale {
        std::fs::write(f, b"half a file").unwrap();
    }
    // Nothing changed: nothing is written, the manifest is the same.
    let again = coord.store.export_parquet(&out, None).unwrap();
    for f in &stale {
        assert!(!f.exists(), "{} was left", f.display());
    }
    assert_eq!((again.written, again.removed), (0, 0), "{again:?}");
    assert_eq!(again.unchanged, first.written);
    assert_eq!(manifest(&out), m1);
    assert_eq!(inodes(&out, &m1), ino1);

    // One service contact more in one case of KLP-01.
    let case = klp
        .store
        .case_list(&atrama::cases::CaseFilter::default())
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let detail = klp.store.case_detail(case.id).unwrap();
    let opened = detail.case.opened_on;
    klp.store
        .batch(|b| {
            b.log_service_contact(
                case.id,
                &ServiceContactFields {
                    on_date: opened,
                    discipline: "legal".into(),
                    mode: "phone".into(),
                    minutes: 20,
                    is_group: false,
                    staff: None,
                },
            )
        })
        .unwrap();
    sync(&mut klp, &mut coord, "k2.atrama");
    let second = coord.store.export_parquet(&out, None).unwrap();
    let year = chrono::Datelike::year(&opened);
    let changed = format!("service_contact/country=LT/year={year}/centre=KLP-01/part-0.parquet");
    assert_eq!(second.written_paths, vec![changed.clone()], "{second:?}");
    assert_eq!(second.removed, 0);
    let m2 = manifest(&out);
    let (f1, f2) = (files(&m1), files(&m2));
    assert_eq!(f1.keys().collect::<Vec<_>>(), f2.keys().collect::<Vec<_>>());
    let ino2 = inodes(&out, &m2);
    for (path, before) in &f1 {
        let after = &f2[path];
        if *path == changed {
            assert_eq!(after.rows, before.rows + 1);
            assert_ne!(after.sha256, before.sha256);
            assert_ne!(after.content_hash, before.content_hash);
            assert_ne!(ino2[path], ino1[path], "{path} was not rewritten");
            assert_eq!(
                atrama::warehouse::parquet::file_sha256(&out.join(path)).unwrap(),
                after.sha256
            );
        } else {
            assert_eq!(after, before, "{path} changed in the manifest");
            assert_eq!(ino2[path], ino1[path], "{path} was rewritten");
        }
    }
}

/// A centre that shares statistics only sends counts, never records: the manifest says
/// which centre-months are in no file, so a ministry comparing its SQL with Atrama's tables
/// cannot miss why they differ.
#[test]
fn centre_months_held_only_as_counts_are_listed_in_the_manifest() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut sta = demo_centre("STA-01", Country::Lv, 6, 3);
    enrol(&mut sta, &mut coord);
    sta.store.set_sharing("KOORD", "statistics").unwrap();
    sync(&mut sta, &mut coord, "s1.atrama");
    let out = coord.tmp.path().join("warehouse");
    coord.store.export_parquet(&out, None).unwrap();
    let m = manifest(&out);
    assert!(
        files(&m).keys().all(|p| !p.contains("STA-01")),
        "{:?}",
        files(&m).keys()
    );
    let listed: Vec<_> = m
        .counts_only
        .iter()
        .filter(|c| c.centre == "STA-01")
        .collect();
    assert_eq!(listed.len(), 1, "{:?}", m.counts_only);
    assert_eq!(listed[0].source, "statistics bundle");
    let received: i64 = coord
        .store
        .dangerously_raw_connection()
        .query_row(
            "SELECT count(*) FROM stat_received_month WHERE centre = 'STA-01'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(received > 0);
    assert_eq!(listed[0].months.len() as i64, received);
    assert!(listed[0].months.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_centre_store_and_a_foreign_manifest_are_refused() {
    let klp = demo_centre("KLP-01", Country::Lt, 2, 3);
    let out = klp.tmp.path().join("warehouse");
    let err = klp.store.export_parquet(&out, None).unwrap_err();
    assert!(err.to_string().contains("coordination centre"), "{err}");

    let coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let out = coord.tmp.path().join("elsewhere");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join(MANIFEST),
        r#"{"format":"atrama-warehouse-parquet","schema_version":1,"payload_format":2,"coordinator":"KOORD","code_lists_version":"x","datasets":{"client":{"columns":[],"files":[{"path":"../../victim/country=LT/year=2025/centre=K/part-0.parquet","country":"LT","year":2025,"centre":"K","rows":1,"bytes":1,"sha256":"","content_hash":""}]}}}"#,
    )
    .unwrap();
    let err = coord.store.export_parquet(&out, None).unwrap_err();
    assert!(err.to_string().contains("outside the export"), "{err}");
}

/// Every row of every file the manifest lists, per dataset, as `id|version|deleted_at`
/// (read with the `parquet` crate's reader), sorted: what DuckDB would count.
fn rows_per_dataset(out: &Path) -> BTreeMap<String, Vec<String>> {
    let m = manifest(out);
    let mut all = BTreeMap::new();
    for (name, d) in &m.datasets {
        let mut rows = Vec::new();
        for f in &d.files {
            let reader =
                SerializedFileReader::try_from(File::open(out.join(&f.path)).unwrap()).unwrap();
            for row in reader.get_row_iter(None).unwrap() {
                let row = row.unwrap();
                let mut key = Vec::new();
                for (col, field) in row.get_column_iter() {
                    if ["id", "version", "deleted_at"].contains(&col.as_str()) {
                        key.push(field.to_string());
                    }
                }
                rows.push(key.join("|"));
            }
        }
        rows.sort();
        all.insert(name.clone(), rows);
    }
    all
}

/// A client's first case is now in an earlier year (a case from the paper files, recorded
/// late): she moves to that year's partition. A period export of that year alone wrote her
/// there and kept the later year's file, which still held her: DuckDB counted her twice.
/// Such an export is refused, naming the partition, with nothing written; a full export
/// then gives exactly what a fresh export gives.
#[test]
fn a_period_export_never_leaves_a_record_in_two_partitions() {
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    let mut klp = demo_centre("KLP-01", Country::Lt, 6, 3);
    enrol(&mut klp, &mut coord);
    sync(&mut klp, &mut coord, "k1.atrama");
    let out: PathBuf = coord.tmp.path().join("warehouse");
    coord.store.export_parquet(&out, None).unwrap();

    let case = klp
        .store
        .case_list(&atrama::cases::CaseFilter::default())
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let detail = klp.store.case_detail(case.id).unwrap();
    let first_year = chrono::Datelike::year(&detail.case.opened_on);
    let earlier = chrono::NaiveDate::from_ymd_opt(first_year - 2, 3, 1).unwrap();
    let client_id = detail.case.client_id;
    klp.store
        .batch(|b| {
            let case = b.open_case(&atrama::cases::NewCase {
                client_id,
                opened_on: earlier,
                fields: atrama::cases::CaseFields {
                    referral_source: "self".into(),
                    police_notified_on: None,
                    intake_outcome: "accepted".into(),
                    lead_worker: None,
                    team: vec![],
                    follow_up_on: None,
                },
            })?;
            // Shared with the coordinator only with the client's consent to statistics.
            b.record_consent(
                case,
                &atrama::cases::ConsentFields {
                    purpose: "statistics".into(),
                    agency_type: None,
                    given: true,
                    given_by: "self".into(),
                    on_date: earlier,
                    shared_fields: vec![],
                },
            )
        })
        .unwrap();
    sync(&mut klp, &mut coord, "k2.atrama");

    let fresh = coord.tmp.path().join("fresh");
    coord.store.export_parquet(&fresh, None).unwrap();
    let expected = rows_per_dataset(&fresh);
    for (name, rows) in &expected {
        let unique: BTreeSet<&String> = rows.iter().collect();
        assert_eq!(
            unique.len(),
            rows.len(),
            "{name}: a row twice in a fresh export"
        );
    }

    let before = manifest(&out);
    let period = atrama::warehouse::parquet::YearRange {
        from: first_year - 2,
        to: first_year - 2,
    };
    match coord.store.export_parquet(&out, Some(period)) {
        Ok(summary) => {
            let got = rows_per_dataset(&out);
            assert_eq!(
                got, expected,
                "a period export left the folder unlike a fresh export: {summary:?}"
            );
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(&format!("year={first_year}"))
                    && message.contains("without --period")
                    && message.contains("nothing was written"),
                "{message}"
            );
            assert_eq!(manifest(&out), before, "a refused export writes nothing");
        }
    }
    // The full export brings the folder to exactly what a fresh export holds.
    coord.store.export_parquet(&out, None).unwrap();
    assert_eq!(rows_per_dataset(&out), expected);
}
