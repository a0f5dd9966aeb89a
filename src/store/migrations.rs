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
        "20261206_0013_client_revision",
        include_str!("migrations/20261206_0013_client_revision.sql"),
    ),
];

/// The schema version this build writes: the number of migrations.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

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
    let tx = conn.transaction()?;
    for (_name, sql) in MIGRATIONS
        .iter()
        .take(usize::try_from(target).unwrap_or(0))
        .skip(usize::try_from(current).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
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
