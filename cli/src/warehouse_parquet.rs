//! The `parquet` format of `atrama warehouse export`: the core's record-level Parquet export
//! of a coordination centre's replicas (`docs/warehouse.md`). Kept apart from the command's
//! dispatcher so the other formats' glue sits beside it.

use std::path::Path;

use atrama::warehouse::parquet::{ParquetSummary, YearRange};
use atrama::{Error, Store};

/// Writes (or brings up to date) the Parquet datasets under `out_dir`; `period` (`YYYY` or
/// `YYYY..YYYY`) limits the export to the partitions of those years.
pub(crate) fn export_parquet(
    store: &Store,
    out_dir: &Path,
    period: Option<&str>,
) -> Result<ParquetSummary, Error> {
    let years = period.map(YearRange::parse).transpose()?;
    store.export_parquet(out_dir, years)
}

/// The centres the manifest under `out_dir` lists as holding months only as counts.
pub(crate) fn counts_only_centres(out_dir: &Path) -> Vec<String> {
    let manifest = atrama::warehouse::parquet::read_manifest(
        &out_dir.join(atrama::warehouse::parquet::MANIFEST),
    );
    let mut centres: Vec<String> = manifest
        .ok()
        .flatten()
        .map(|m| m.counts_only.into_iter().map(|c| c.centre).collect())
        .unwrap_or_default();
    centres.dedup();
    centres
}
