//! Disclosure control of published reports (issue 20): how much each method suppresses and
//! how long the audit takes. For a year (12 months) at centre size (400 and 5,000 clients)
//! and coordinator size (20 centres), it publishes each view the store may publish with the
//! earlier one-line method ([`atrama::stats::publish_by_lines`], the table alone) and with
//! the current one ([`atrama::stats::publish_view`]: every view of the year together, LP
//! audit), and prints the share of non-zero counts suppressed by each, and the time of the
//! current method (views, suppression and audit).
//!
//! `cargo bench --bench disclosure -- centre400 | centre5000 | coordinator | smoke`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary prints its figures and stops at the first failure"
)]

use std::time::Instant;

use atrama::demo::{DemoOptions, DemoShape, generate_shaped};
use atrama::stats::{StatsQuery, StatsReport, Unit};
use atrama::{Language, Mode};
use chrono::NaiveDate;

#[path = "common/mod.rs"]
mod common;

/// Non-zero counts of a report (cells and totals) and how many of them are suppressed.
fn share(exact: &StatsReport, published: &StatsReport) -> (usize, usize) {
    let (mut nonzero, mut suppressed) = (0, 0);
    for (e, p) in exact.tables.iter().zip(&published.tables) {
        if e.unit != Unit::Count {
            continue;
        }
        let all = |t: &atrama::stats::StatsTable| -> Vec<atrama::stats::StatsCell> {
            t.cells
                .iter()
                .flatten()
                .chain(t.row_totals.iter().flatten())
                .chain(t.column_totals.iter().flatten())
                .chain(t.total.iter())
                .copied()
                .collect()
        };
        for (ec, pc) in all(e).iter().zip(all(p)) {
            if ec.value.unwrap_or(0) != 0 {
                nonzero += 1;
                if pc.suppressed.is_some() {
                    suppressed += 1;
                }
            }
        }
    }
    (nonzero, suppressed)
}

fn pct(a: usize, b: usize) -> f64 {
    100.0 * a as f64 / b.max(1) as f64
}

fn main() {
    let which = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "smoke".into());
    let (clients, centres) = match which.as_str() {
        "centre400" => (400, 0),
        "centre5000" => (5_000, 0),
        "coordinator" => (8_000, 20),
        "coordinator-small" => (2_000, 20),
        _ => (60, 0),
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut store = common::new_store(
        &tmp.path().join("store"),
        "BEN-01",
        Mode::Centre,
        Language::En,
        "ona",
    );
    let start = Instant::now();
    generate_shaped(
        &mut store,
        &DemoOptions {
            clients,
            months: 12,
            seed: 42,
            today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        },
        DemoShape {
            contacts_per_case: 10.0,
            notes_per_case: 0.0,
            clients_per_batch: 250,
        },
    )
    .unwrap();
    if centres > 0 {
        common::as_coordinator_replicas(&store, centres);
    }
    println!(
        "## {which}: {clients} clients over 12 months, {} centre(s) (generated in {:.0} s)",
        centres.max(1),
        start.elapsed().as_secs_f64()
    );
    let year = StatsQuery::months("2025-12", Some("2026-11"));
    let finest = store
        .monthly_tables(&atrama::stats::finest_query(&year))
        .unwrap();
    // The views a store publishes: a centre its months; a coordinator each centre's
    // whole period and all centres by month.
    let views: Vec<(&str, StatsQuery)> = if centres == 0 {
        vec![("by month", year.clone())]
    } else {
        vec![
            (
                "each centre, whole period",
                StatsQuery {
                    by_month: false,
                    ..year.clone()
                },
            ),
            (
                "all centres, by month",
                StatsQuery {
                    by_centre: false,
                    ..year.clone()
                },
            ),
        ]
    };
    let t = Instant::now();
    let cube = atrama::stats::views::Cube::new(&finest).unwrap();
    let built = t.elapsed();
    let t = Instant::now();
    let p = atrama::stats::audit::protect(&cube.system, 5).unwrap();
    let protected = t.elapsed();
    println!();
    println!(
        "| view | non-zero counts | one-line rule, table alone (earlier) | all views, LP audit (current) |"
    );
    println!("|---|---|---|---|");
    for (name, q) in &views {
        let exact = store.monthly_tables(q).unwrap();
        let old = atrama::stats::publish_by_lines(&exact, 5);
        let t = Instant::now();
        let new = atrama::stats::publish_view(&exact, &finest, 5, true).unwrap();
        let whole = t.elapsed();
        let (n_old, s_old) = share(&exact, &old);
        let (n_new, s_new) = share(&exact, &new);
        assert_eq!(n_old, n_new);
        println!(
            "| {name} | {n_old} | {s_old} ({:.1} %) | {s_new} ({:.1} %) — publish in {:.0} ms |",
            pct(s_old, n_old),
            pct(s_new, n_new),
            whole.as_secs_f64() * 1e3
        );
    }
    println!();
    println!(
        "views of the year: {} figures, {} relations, built in {:.0} ms; suppression and \
         audit {:.0} ms: {} hidden ({} shown <5, {} small counts shown x), {} added by the \
         audit in {} round(s), {} linear programs, {} table(s) withheld",
        cube.system.values.len(),
        cube.system.relations.len(),
        built.as_secs_f64() * 1e3,
        protected.as_secs_f64() * 1e3,
        p.summary.suppressed,
        p.summary.primary,
        p.summary.small_shown_as_x,
        p.summary.added_by_audit,
        p.summary.rounds,
        p.summary.solves,
        p.summary.withheld_parts
    );
}
