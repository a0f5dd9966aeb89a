//! Commands of statistics (administrators and coordinators): the monthly tables with exact
//! counts for the screen, the published (suppressed) report and its print view, trends,
//! targets and data quality, and the publication's audit done ahead. What leaves the store is published through the core, with
//! disclosure control, and logged there.

use atrama::stats::measures::{MeasureInfo, TrendQuery, TrendReport};
use atrama::stats::output::ReportFormat;
use atrama::stats::quality::QualityReport;
use atrama::stats::targets::{TargetInput, TargetProgress};
use atrama::stats::{StatsQuery, StatsReport};

use crate::dialogs::file_path;
use crate::ipc::{IpcError, SavedFile};
use crate::session::State;

/// T1–T10 with exact counts for a period, centres and country, for the screen only.
#[tauri::command(async)]
pub(crate) fn stats_tables(state: State<'_>, query: StatsQuery) -> Result<StatsReport, IpcError> {
    state.with_store(|s| s.monthly_tables(&query))
}

/// Writes the published (suppressed) tables to `path` as `csv` or `xlsx`; the core records
/// the export in the access log.
#[tauri::command(async)]
pub(crate) fn publish_stats(
    state: State<'_>,
    query: StatsQuery,
    format: String,
    path: String,
    codes_only: bool,
) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    let format = ReportFormat::parse(&format)?;
    state.with_store(|s| s.write_monthly_report(&query, format, &path, codes_only))?;
    SavedFile::written(&path)
}

/// The measures trends and targets can count.
#[tauri::command]
pub(crate) fn stats_measures() -> Vec<MeasureInfo> {
    atrama::stats::measures::measures()
}

/// Month-by-month trends per centre or city (exact counts, for the screen).
#[tauri::command(async)]
pub(crate) fn stats_trends(state: State<'_>, query: TrendQuery) -> Result<TrendReport, IpcError> {
    state.with_store(|s| s.trends(&query))
}

/// Sets or removes a yearly target.
#[tauri::command(async)]
pub(crate) fn set_target(state: State<'_>, input: TargetInput) -> Result<(), IpcError> {
    state.with_store(|s| s.set_target(&input))
}

/// The targets of `year` with progress to date.
#[tauri::command(async)]
pub(crate) fn target_progress(
    state: State<'_>,
    year: i32,
) -> Result<Vec<TargetProgress>, IpcError> {
    state.with_store(|s| s.target_progress(year, atrama::sync::board::local_today()))
}

/// Data quality per centre for a period.
#[tauri::command(async)]
pub(crate) fn data_quality(state: State<'_>, query: StatsQuery) -> Result<QualityReport, IpcError> {
    state.with_store(|s| s.data_quality(&query))
}

/// The published tables (small counts suppressed), for the print view.
#[tauri::command(async)]
pub(crate) fn published_stats(
    state: State<'_>,
    query: StatsQuery,
    codes_only: bool,
) -> Result<StatsReport, IpcError> {
    state.with_store(|s| s.published_tables(&query, codes_only))
}

/// Audits the publication of `query`'s period ahead, while the screen shows its exact
/// counts, so that the print view or file that follows finds the audit done
/// (`atrama::stats::memo`). The store is held only to read the counts; the audit runs on
/// this worker thread without it, so other screens are not kept waiting.
#[tauri::command(async)]
pub(crate) fn prepare_publication(state: State<'_>, query: StatsQuery) -> Result<(), IpcError> {
    let (finest, memo) = state.with_store(|s| s.publication_inputs(&query))?;
    atrama::stats::prepare_publication(&finest, atrama::stats::THRESHOLD, &memo)?;
    Ok(())
}
