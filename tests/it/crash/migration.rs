//! Kill during a schema migration: a store of the previous schema version, with enough data
//! that migrating it takes a measurable time, is opened by the real `atrama` CLI (which
//! migrates it first) and the CLI is killed (SIGKILL) at random moments. After every kill
//! the database must pass `PRAGMA integrity_check` and be at the old version with the old
//! schema or at the latest with the latest schema (never in between), unlock (migrating if
//! needed), and hold the same content.
//!
//! The old store is made from a current one by rebuilding its database at an older version
//! (`OLD_VERSION`): a fresh database with the same key, made by the migrations up to that
//! version (`migrations::migrate_to`, a test hook), into which every row of the tables it
//! has is copied; its schema is checked to be exactly what those migrations make and its
//! content to be the same.

use std::path::Path;

use atrama::Mode;
use atrama::store::migrations::{self, LATEST};
use chrono::NaiveDate;

use super::{
    Landed, cli, content, content_of, content_shaped, copy_dir, create, differing, kill_loop,
    phases, shape_of, with_phases,
};

const CLIENTS: u32 = 1500;

/// The schema objects (type, name, SQL) of a database, sorted.
fn schema(conn: &rusqlite::Connection) -> Vec<(String, String, Option<String>)> {
    let mut stmt = conn
        .prepare(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'
             ORDER BY type, name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The schema the migrations up to `version` make, on an empty database.
fn schema_at(version: i64) -> Vec<(String, String, Option<String>)> {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    migrations::migrate_to(&mut conn, version).unwrap();
    assert_eq!(migrations::version(&conn).unwrap(), version);
    schema(&conn)
}

/// Opens a store's database with its raw key, without migrating it.
fn open_raw(dir: &Path, key_hex: &str) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("atrama.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{key_hex}'\";"))
        .unwrap();
    conn
}

/// The version the fixture store is taken back to: the migrations after it build the
/// statistics indexes over every service contact (slow enough on 50,000 rows to kill during)
/// and add the tables and columns of later issues.
const OLD_VERSION: i64 = 7;

/// Rebuilds the database of the store in `dir` (closed, checkpointed) at `version`: a fresh
/// database with the same key made by the migrations up to `version`, holding every row of
/// every table it has (the columns it has) copied from the current one.
fn rebuild_at(dir: &Path, key_hex: &str, version: i64) {
    let db = dir.join("atrama.db");
    let old = dir.join("old.db");
    {
        let mut conn = open_raw_file(&old, key_hex);
        migrations::migrate_to(&mut conn, version).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        conn.execute(
            &format!("ATTACH DATABASE ?1 AS cur KEY \"x'{key_hex}'\""),
            [db.to_str().unwrap()],
        )
        .unwrap();
        let objects: Vec<(String, String)> = conn
            .prepare(
                "SELECT name, sql FROM main.sqlite_master
                 WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let virtuals: Vec<&str> = objects
            .iter()
            .filter(|(_, sql)| sql.starts_with("CREATE VIRTUAL TABLE"))
            .map(|(n, _)| n.as_str())
            .collect();
        conn.execute_batch("BEGIN").unwrap();
        for (table, _) in &objects {
            // FTS5 keeps its index in shadow tables; the rows go in through the table itself.
            if virtuals.iter().any(|v| table.starts_with(&format!("{v}_"))) {
                continue;
            }
            let mut cols: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            if virtuals.contains(&table.as_str()) {
                cols.insert(0, "rowid".into());
            }
            let cols = cols.join(", ");
            conn.execute_batch(&format!(
                "INSERT OR IGNORE INTO main.{table} ({cols}) SELECT {cols} FROM cur.{table}"
            ))
            .unwrap();
        }
        conn.execute_batch("COMMIT; DETACH DATABASE cur; PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    for f in ["atrama.db-wal", "atrama.db-shm", "old.db-wal", "old.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    std::fs::rename(&old, &db).unwrap();
}

/// Opens a database file with its raw key, without migrating it.
fn open_raw_file(path: &Path, key_hex: &str) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{key_hex}'\";"))
        .unwrap();
    conn
}

#[test]
fn a_kill_during_a_migration_leaves_the_old_or_the_new_schema_with_the_same_content() {
    let old_version = OLD_VERSION;
    let (old_schema, new_schema) = (schema_at(old_version), schema_at(LATEST));
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("store");
    // The tables and columns of the old schema.
    let old_shape = {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        migrations::migrate_to(&mut conn, old_version).unwrap();
        shape_of(&conn)
    };
    let (original, key_hex) = {
        let (mut store, _) = create(&pristine, "KLP-01", Mode::Centre, "ona");
        atrama::demo::generate(
            &mut store,
            &atrama::demo::DemoOptions {
                clients: CLIENTS,
                months: 36,
                seed: 14,
                today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        )
        .unwrap();
        let conn = store.dangerously_raw_connection();
        assert_eq!(schema(conn), new_schema);
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        (
            content_shaped(conn, &old_shape),
            store
                .dangerously_db_key()
                .dangerously_expose_hex()
                .to_string(),
        )
    };
    // The store closed, its database is rebuilt at the old version.
    rebuild_at(&pristine, &key_hex, old_version);
    // The full content of the old store: every table, every column.
    let expected = {
        let conn = open_raw(&pristine, &key_hex);
        assert_eq!(migrations::version(&conn).unwrap(), old_version);
        assert_eq!(schema(&conn), old_schema);
        let expected = content_of(&conn);
        // The rows of every table are those of the store it was made from (the search
        // index's shadow tables are rebuilt, so only they may be laid out differently).
        let fts = |t: &str| t.starts_with("search_");
        let rows = |c: &super::Content| -> super::Content {
            c.iter()
                .filter(|(t, _)| !fts(t))
                .map(|(t, v)| (t.clone(), v.clone()))
                .collect()
        };
        assert_eq!(
            differing(&rows(&expected), &rows(&original)),
            Vec::<String>::new(),
            "the old store holds the same rows"
        );
        expected
    };
    let rows: usize = expected.values().map(|(n, _)| n).sum();
    assert!(rows > 50_000, "{rows} rows");

    // An undisturbed migration (`atrama status` unlocks, which migrates), to time it.
    let reference = tmp.path().join("reference");
    copy_dir(&pristine, &reference);
    let started = std::time::Instant::now();
    let status = cli(&reference, "ona", &["status"]).output().unwrap();
    let duration = started.elapsed();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(
        migrations::version(&open_raw(&reference, &key_hex)).unwrap(),
        LATEST
    );
    // The full content of a store migrated without a kill: what every kill after the
    // migration's commit must give.
    let migrated = content_of(&open_raw(&reference, &key_hex));
    // The same command on the migrated store: the rest is the migration's share.
    let started = std::time::Instant::now();
    assert!(
        cli(&reference, "ona", &["status"])
            .output()
            .unwrap()
            .status
            .success()
    );
    eprintln!(
        "migration: {duration:?} with the migration, {:?} without",
        started.elapsed()
    );

    let (mut old, mut new) = (0, 0);
    let mut landed = Landed::default();
    let phase_file = |trial: u32| tmp.path().join(format!("trial-{trial}.phases"));
    let summary = kill_loop(
        "migration",
        20,
        duration,
        |trial| {
            let dir = tmp.path().join(format!("trial-{trial}"));
            copy_dir(&pristine, &dir);
            with_phases(cli(&dir, "ona", &["status"]), &phase_file(trial))
        },
        |kill| {
            let dir = tmp.path().join(format!("trial-{}", kill.trial));
            let reached = phases(&phase_file(kill.trial));
            let inside = landed.record(&reached, "migration:transaction", "migration:committed");
            {
                let conn = open_raw(&dir, &key_hex);
                let check: String = conn
                    .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(check, "ok", "{kill:?}");
                let version = migrations::version(&conn).unwrap();
                let now = content_of(&conn);
                if version == old_version {
                    assert_eq!(schema(&conn), old_schema, "{kill:?}");
                    assert_eq!(
                        differing(&now, &expected),
                        Vec::<String>::new(),
                        "{kill:?} {reached:?}"
                    );
                    old += 1;
                } else {
                    assert_eq!(version, LATEST, "{kill:?}");
                    assert_eq!(schema(&conn), new_schema, "{kill:?}");
                    assert!(
                        !inside,
                        "{kill:?}: at the latest version before the commit: {reached:?}"
                    );
                    // Migrated, but killed before the unlock that follows rebuilt the search
                    // index (`store::search_index::upgrade_index`, its own transaction, marked in
                    // `store_meta`): the index is derived data, and the unlock below must
                    // bring it to the content of an undisturbed run.
                    let derived = |c: &super::Content| {
                        let mut c = c.clone();
                        c.retain(|t, _| !t.starts_with("search_") && t != "store_meta");
                        c
                    };
                    assert_eq!(
                        differing(&derived(&now), &derived(&migrated)),
                        Vec::<String>::new(),
                        "{kill:?} {reached:?}"
                    );
                    new += 1;
                }
            }
            // Unlocking (migrating when needed) works and gives the content of an
            // undisturbed migration.
            let store = super::unlock_when_free(&dir, "ona")
                .unwrap_or_else(|e| panic!("{kill:?}: the store no longer unlocks: {e}"));
            assert_eq!(
                differing(&content(&store), &migrated),
                Vec::<String>::new(),
                "{kill:?}"
            );
            assert_eq!(
                migrations::version(store.dangerously_raw_connection()).unwrap(),
                LATEST
            );
            drop(store);
            std::fs::remove_dir_all(&dir).unwrap();
        },
    );
    eprintln!("migration: {old} at the old version, {new} at the latest");
    assert!(
        summary.killed_running >= summary.trials / 4,
        "only {} of {} runs were still going when killed (run took {duration:?})",
        summary.killed_running,
        summary.trials
    );
    assert!(old > 0, "no kill landed before the migration committed");
    // Kills inside the migration's transaction: at least one in the short form, and one in
    // twenty of a long run.
    landed.assert_inside("migration", (summary.trials / 20).max(1));
}
