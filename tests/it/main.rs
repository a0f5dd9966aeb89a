//! Integration tests of the `atrama` core and CLI, in one binary (modules per area).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should stop at the first surprise"
)]

mod admin;
mod analysis;
mod bundle_fixture;
mod case_record;
mod cli;
mod coord;
mod coord_counts;
mod coord_follows;
mod crash;
mod disclosure;
mod drafts;
mod fuzz_seeds;
mod glossary;
mod hostile_files;
#[cfg(unix)]
mod hostile_partners;
mod hostile_records;
mod layers;
mod lock;
mod minimisation;
mod multi_agency;
mod on_disk;
mod peers;
mod peers_hostile;
mod peers_status;
mod risk;
mod sheets;
mod sheets_hostile;
mod site;
mod stats;
mod sync;
mod tamper;
mod today;
mod warehouse;
mod warehouse_exchange;
mod workspace;
