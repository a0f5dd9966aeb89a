//! What more than one bench needs (included with `#[path]`; not a bench of its own): new
//! stores with cheap key derivation, and a store filled with ten years of demo data.

#![allow(dead_code, reason = "each bench uses the part it needs")]

use std::path::Path;
use std::time::Instant;

use atrama::demo::{DemoOptions, DemoShape, DemoSummary, generate_shaped};
use atrama::{Country, KdfParams, Language, Mode, NewCentre, Passphrase, Store};
use chrono::NaiveDate;

/// The passphrase of every bench store's administrator.
pub(crate) const PASSPHRASE: &str = "benchmark passphrase";

/// A new store for the centre `code` (named "Bench `code`"), administered by `admin`.
pub(crate) fn new_store(
    dir: &Path,
    code: &str,
    mode: Mode,
    language: Language,
    admin: &str,
) -> Store {
    let centre = NewCentre {
        code: code.into(),
        name: format!("Bench {code}"),
        country: Country::Lt,
        language,
        mode,
        admin_user: admin.into(),
    };
    Store::create(
        dir,
        &centre,
        &Passphrase::new(PASSPHRASE),
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap()
    .0
}

/// A new centre store `BEN-01` (administrator `ona`) with ten years of demo data for
/// `clients` clients up to `today`, and how long the generation took in seconds.
pub(crate) fn demo_store(
    dir: &Path,
    language: Language,
    clients: u32,
    shape: DemoShape,
    today: NaiveDate,
) -> (Store, DemoSummary, f64) {
    let mut store = new_store(dir, "BEN-01", Mode::Centre, language, "ona");
    let start = Instant::now();
    let summary = generate_shaped(
        &mut store,
        &DemoOptions {
            clients,
            months: 120,
            seed: 42,
            today,
        },
        shape,
    )
    .unwrap();
    (store, summary, start.elapsed().as_secs_f64())
}

/// Rewrites a centre's store as a coordinator holds replicas: every case and its records
/// owned by one of `n` centres, every date cut to the first day of its month.
pub(crate) fn as_coordinator_replicas(store: &Store, n: u32) {
    let conn = store.dangerously_raw_connection();
    let owner = format!(
        "'C' || printf('%02d', (unicode(substr(id, 35, 1)) * 7 + unicode(substr(id, 36, 1))) % {n})"
    );
    let month = |col: &str| format!("{col} = substr({col}, 1, 8) || '01'");
    let mut sql = String::from("BEGIN;\n");
    sql.push_str(&format!(
        "UPDATE case_file SET owner_centre = {owner}, {}, {}, {}, {};\n",
        month("opened_on"),
        month("police_notified_on"),
        month("first_contact_on"),
        month("closed_on")
    ));
    sql.push_str(
        "UPDATE client SET owner_centre = (SELECT c.owner_centre FROM case_file c
             WHERE c.client_id = client.id LIMIT 1);\n",
    );
    for (table, dates) in [
        ("incident", &["occurred_on", "ongoing_since"][..]),
        ("child", &[][..]),
        ("service_contact", &["on_date"][..]),
        ("referral", &["on_date"][..]),
        (
            "protection_order",
            &["applied_on", "decided_on", "starts_on", "ends_on"][..],
        ),
        ("consent_event", &["on_date"][..]),
        ("case_status_event", &["on_date"][..]),
        ("risk_assessment", &["assessed_on"][..]),
    ] {
        let mut sets = vec![
            "owner_centre = (SELECT c.owner_centre FROM case_file c WHERE c.id = case_id)"
                .to_owned(),
        ];
        sets.extend(dates.iter().map(|d| month(d)));
        sql.push_str(&format!("UPDATE {table} SET {};\n", sets.join(", ")));
    }
    sql.push_str("UPDATE centre_profile SET mode = 'coordinator';\nCOMMIT; ANALYZE;");
    conn.execute_batch(&sql).unwrap();
}

/// Lists every month with records for the kept monthly counts (migration 0025), with the
/// migration's own statement, so that the next read of a coordinator's tables counts them
/// all: a store rewritten by hand ([`as_coordinator_replicas`] runs before the store is a
/// coordinator's, so no trigger listed anything) or kept from an earlier run. Returns how
/// many months are listed.
#[allow(dead_code, reason = "not every bench reads a coordinator's tables")]
pub(crate) fn list_every_month(store: &Store) -> i64 {
    let conn = store.dangerously_raw_connection();
    let migration = include_str!("../../src/store/migrations/20261207_0025_stat_count.sql");
    let listing = &migration[migration
        .find("INSERT OR IGNORE INTO stat_count_dirty (month)\nSELECT m FROM (\n")
        .expect("the migration lists the months with records")..];
    let listing = &listing[..listing.find(";\n").unwrap() + 1];
    conn.execute_batch(listing).unwrap();
    conn.query_row("SELECT count(*) FROM stat_count_dirty", [], |r| r.get(0))
        .unwrap()
}
