//! Append-only schema migrations recorded in `PRAGMA user_version`.
//!
//! Each migration is a SQL file named by date and number, applied once, in order, all
//! pending ones in one transaction. A database whose `user_version` is newer than the
//! newest migration here is refused: it was written by a newer Atrama.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Every migration ever shipped, oldest first. Never edit or reorder; only append.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261122_0001_initial",
        include_str!("migrations/20261122_0001_initial.sql"),
    ),
    (
        "20261124_0002_case_record",
        include_str!("migrations/20261124_0002_case_record.sql"),
    ),
    (
        "20261125_0003_sync",
        include_str!("migrations/20261125_0003_sync.sql"),
    ),
    (
        "20261126_0005_admin",
        include_str!("migrations/20261126_0005_admin.sql"),
    ),
    (
        "20261126_0006_queues",
        include_str!("migrations/20261126_0006_queues.sql"),
    ),
    (
        "20261126_0007_risk",
        include_str!("migrations/20261126_0007_risk.sql"),
    ),
    (
        "20261126_0008_stats",
        include_str!("migrations/20261126_0008_stats.sql"),
    ),
    (
        "20261126_0009_sharing",
        include_str!("migrations/20261126_0009_sharing.sql"),
    ),
    (
        "20261126_0010_case_analysis",
        include_str!("migrations/20261126_0010_case_analysis.sql"),
    ),
    (
        "20261126_0011_coordinator",
        include_str!("migrations/20261126_0011_coordinator.sql"),
    ),
    (
        "20261126_0012_multi_agency",
        include_str!("migrations/20261126_0012_multi_agency.sql"),
    ),
    (
        "20261206_0013_numbers_unique_per_owner",
        include_str!("migrations/20261206_0013_numbers_unique_per_owner.sql"),
    ),
    (
        "20261206_0014_bundle_v2",
        include_str!("migrations/20261206_0014_bundle_v2.sql"),
    ),
    (
        "20261206_0015_form_drafts",
        include_str!("migrations/20261206_0015_form_drafts.sql"),
    ),
    (
        "20261206_0016_client_revision",
        include_str!("migrations/20261206_0016_client_revision.sql"),
    ),
    (
        "20261206_0017_sheet_import",
        include_str!("migrations/20261206_0017_sheet_import.sql"),
    ),
    (
        "20261207_0018_peers",
        include_str!("migrations/20261207_0018_peers.sql"),
    ),
    (
        "20261207_0019_today",
        include_str!("migrations/20261207_0019_today.sql"),
    ),
    (
        "20261207_0020_peer_purged",
        include_str!("migrations/20261207_0020_peer_purged.sql"),
    ),
    (
        "20261207_0021_names_in_lists",
        include_str!("migrations/20261207_0021_names_in_lists.sql"),
    ),
    (
        "20261207_0022_warehouse_order",
        include_str!("migrations/20261207_0022_warehouse_order.sql"),
    ),
    (
        "20261207_0023_peer_compact",
        include_str!("migrations/20261207_0023_peer_compact.sql"),
    ),
    (
        "20261207_0024_exporter_epoch",
        include_str!("migrations/20261207_0024_exporter_epoch.sql"),
    ),
    (
        "20261207_0025_stat_count",
        include_str!("migrations/20261207_0025_stat_count.sql"),
    ),
    (
        "20261208_0026_sync_version_digest",
        include_str!("migrations/20261208_0026_sync_version_digest.sql"),
    ),
    (
        "20261208_0027_sync_presence",
        include_str!("migrations/20261208_0027_sync_presence.sql"),
    ),
    (
        "20261208_0028_stat_archive_consent",
        include_str!("migrations/20261208_0028_stat_archive_consent.sql"),
    ),
    (
        "20261208_0029_purge_count",
        include_str!("migrations/20261208_0029_purge_count.sql"),
    ),
    (
        "20261208_0030_peer_purge_count",
        include_str!("migrations/20261208_0030_peer_purge_count.sql"),
    ),
];

/// The schema version this build writes: the number of migrations.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The schema version a migration brings a store to (its place in the list, from 1).
#[cfg(test)]
pub(crate) fn number_of(name: &str) -> Option<i64> {
    MIGRATIONS
        .iter()
        .position(|(n, _)| *n == name)
        .and_then(|i| i64::try_from(i + 1).ok())
}

/// The schema version recorded in the database.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Applies every pending migration in one transaction; refuses a newer schema.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, LATEST)
}

/// Applies the migrations up to schema `target` (not beyond) in one transaction. For tests
/// that need a store of an older schema (the migration crash harness); the app always
/// migrates to [`LATEST`].
#[doc(hidden)]
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let current = version(conn)?;
    if current > LATEST {
        return Err(Error::NewerVersion {
            what: "schema",
            found: current,
            supported: LATEST,
        });
    }
    let target = target.clamp(0, LATEST);
    if current >= target {
        return Ok(());
    }
    // A migration that rebuilds a table (SQLite cannot drop a column's constraint) drops it
    // while other tables still refer to it: foreign keys are off for the transaction, as
    // SQLite's documented procedure says, and every reference is checked before the commit.
    let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply(conn, current, target);
    if enforced {
        conn.pragma_update(None, "foreign_keys", true)?;
    }
    applied
}

fn apply(conn: &mut Connection, current: i64, target: i64) -> Result<()> {
    let tx = conn.transaction()?;
    crate::phase::mark("migration:transaction");
    for (_name, sql) in MIGRATIONS
        .iter()
        .take(usize::try_from(target).unwrap_or(0))
        .skip(usize::try_from(current).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
    }
    let broken: Option<String> = tx
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .next()
        .transpose()?;
    if let Some(table) = broken {
        return Err(Error::invalid(format!(
            "updating the store's schema would leave a record in {table} pointing at one that does not exist; nothing was changed — restore the newest backup and report this"
        )));
    }
    tx.pragma_update(None, "user_version", target)?;
    crate::phase::mark("migration:commit");
    tx.commit()?;
    crate::phase::mark("migration:committed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_named_in_order() {
        let names: Vec<&str> = MIGRATIONS.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "migrations must be appended in name order");
    }

    /// The schema's indexes and triggers, by name, with their SQL.
    fn objects(conn: &Connection) -> Result<Vec<(String, String)>> {
        Ok(conn
            .prepare(
                "SELECT name, sql FROM sqlite_master
                 WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The rebuild of `case_file` and `client` (per-owner uniqueness) keeps every index and
    /// trigger that was on them, keeps the rows, and leaves foreign keys enforced.
    #[test]
    fn the_per_owner_rebuild_keeps_rows_indexes_and_triggers() -> Result<()> {
        let step = MIGRATIONS
            .iter()
            .position(|(n, _)| n.ends_with("numbers_unique_per_owner"))
            .map(|i| i as i64)
            .unwrap_or(LATEST);
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate_to(&mut conn, step)?;
        conn.execute_batch(
            "INSERT INTO client (id, owner_centre, owner_install, hlc, created_at, created_by,
                 pseudonym, sex, age_band, disability, migrant, safe_to_call, safe_to_text,
                 safe_to_visit)
             VALUES ('c1', 'AAA', 'i', 1, 't', 'u', 'P-1', 'f', 'a', 'no', 'no', 'yes', 'yes',
                 'yes');
             INSERT INTO case_file (id, owner_centre, owner_install, hlc, created_at,
                 created_by, client_id, case_number, opened_on, referral_source,
                 intake_outcome, status, lead_worker, updated_at)
             VALUES ('k1', 'AAA', 'i', 1, 't', 'u', 'c1', 'AAA-2026-0001', '2026-01-01', 'self',
                 'accepted', 'open', 'ona', 't');",
        )?;
        // A bundle imported before, with one record refused (its import log says so), and
        // one applied whole; an unreadable log entry does not stop the migration.
        conn.execute_batch(
            "INSERT INTO sync_peer (fingerprint, centre_code, name, country, mode,
                 x25519_public, ed25519_public, enrolled_at, enrolled_by)
             VALUES ('f', 'AAA', 'A', 'LT', 'centre', x'00', x'00', 't', 'ona');
             INSERT INTO bundle_in (bundle_id, sender, sequence, kind, file_hash, sealed_at,
                 imported_at, imported_by)
             VALUES ('b1', 'f', 1, 'centre_export', 'h1', 't', 't', 'ona'),
                    ('b2', 'f', 2, 'centre_export', 'h2', 't', 't', 'ona'),
                    ('b3', 'f', 3, 'centre_export', 'h3', 't', 't', 'ona');
             INSERT INTO import_log (at, username, file_name, bundle_id, sender, outcome, summary)
             VALUES ('t', 'ona', 'b1', 'b1', 'f', 'applied',
                     '{\"tables\": {\"case_file\": {\"new\": 3, \"rejected\": 1},
                                   \"consent_event\": {\"new\": 2, \"rejected\": 1}}}'),
                    ('t', 'ona', 'b2', 'b2', 'f', 'applied',
                     '{\"tables\": {\"case_file\": {\"new\": 3, \"rejected\": 0}}}'),
                    ('t', 'ona', 'b3', 'b3', 'f', 'applied', 'not json');",
        )?;
        let before = objects(&conn)?;
        migrate(&mut conn)?;
        let rejected: Vec<i64> = conn
            .prepare("SELECT rejected FROM bundle_in ORDER BY sequence")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        assert_eq!(rejected, [2, 0, 0]);
        let after = objects(&conn)?;
        for object in &before {
            assert!(after.contains(object), "{} was lost", object.0);
        }
        let fk: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
        assert_eq!(fk, 1);
        let member: i64 = conn.query_row(
            "SELECT count(*) FROM open_case_member WHERE case_id = 'k1'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(member, 1);
        // Another owner may hold the same number and pseudonym; the same owner may not.
        conn.execute_batch(
            "INSERT INTO client (id, owner_centre, owner_install, hlc, created_at, created_by,
                 pseudonym, sex, age_band, disability, migrant, safe_to_call, safe_to_text,
                 safe_to_visit)
             VALUES ('c2', 'BBB', 'i', 1, 't', 'u', 'P-1', 'f', 'a', 'no', 'no', 'yes', 'yes',
                 'yes');
             INSERT INTO case_file (id, owner_centre, owner_install, hlc, created_at,
                 created_by, client_id, case_number, opened_on, referral_source,
                 intake_outcome, status, lead_worker, updated_at)
             VALUES ('k2', 'BBB', 'i', 1, 't', 'u', 'c2', 'AAA-2026-0001', '2026-01-01', 'self',
                 'accepted', 'open', 'ona', 't');",
        )?;
        let clash = conn.execute(
            "INSERT INTO case_file (id, owner_centre, owner_install, hlc, created_at,
                 created_by, client_id, case_number, opened_on, referral_source,
                 intake_outcome, status, lead_worker, updated_at)
             VALUES ('k3', 'AAA', 'i', 1, 't', 'u', 'c1', 'AAA-2026-0001', '2026-01-01', 'self',
                 'accepted', 'open', 'ona', 't')",
            [],
        );
        assert!(clash.is_err(), "one owner, one number");
        let clash = conn.execute(
            "INSERT INTO client (id, owner_centre, owner_install, hlc, created_at, created_by,
                 pseudonym, sex, age_band, disability, migrant, safe_to_call, safe_to_text,
                 safe_to_visit)
             VALUES ('c3', 'AAA', 'i', 1, 't', 'u', 'P-1', 'f', 'a', 'no', 'no', 'yes', 'yes',
                 'yes')",
            [],
        );
        assert!(clash.is_err(), "one owner, one pseudonym");
        // Foreign keys still hold: a case of a client that does not exist is refused.
        let orphan = conn.execute(
            "INSERT INTO case_file (id, owner_centre, owner_install, hlc, created_at,
                 created_by, client_id, case_number, opened_on, referral_source,
                 intake_outcome, status, lead_worker, updated_at)
             VALUES ('k4', 'AAA', 'i', 1, 't', 'u', 'nobody', 'AAA-2026-0009', '2026-01-01',
                 'self', 'accepted', 'open', 'ona', 't')",
            [],
        );
        assert!(orphan.is_err(), "foreign keys are enforced again");
        Ok(())
    }

    #[test]
    fn migrate_is_idempotent_and_refuses_newer() -> Result<()> {
        let mut conn = Connection::open_in_memory()?;
        migrate(&mut conn)?;
        assert_eq!(version(&conn)?, LATEST);
        migrate(&mut conn)?;
        conn.pragma_update(None, "user_version", LATEST + 1)?;
        let err = migrate(&mut conn)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("newer version of Atrama") && err.contains("update the app"),
            "{err}"
        );
        Ok(())
    }
}
