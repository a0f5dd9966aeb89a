//! Commands of the warehouse (Coordination → Exchange files): T1–T10 as aggregate exchange
//! files (DHIS2 `dataValueSets` JSON and CSV, ADX, SDMX-CSV), exact or published, into a
//! chosen folder, and the mapping template they need. The core checks the permission,
//! the mapping and the period, writes atomically and logs the export. Also the record-level
//! Parquet export of the centres' pseudonymised records (`docs/warehouse.md`).

use atrama::warehouse::mapping::Mapping;
use atrama::warehouse::parquet::{ParquetSummary, YearRange};
use atrama::warehouse::{ExchangeRequest, ExchangeSummary, PeriodType};

use crate::dialogs::file_path;
use crate::ipc::{IpcError, SavedFile};
use crate::session::State;

/// Writes one exchange file into `folder`; `mapping` is the mapping file's full path (empty:
/// none, which only SDMX-CSV accepts).
#[tauri::command(async)]
pub(crate) fn warehouse_export(
    state: State<'_>,
    request: ExchangeRequest,
    mapping: String,
    folder: String,
) -> Result<ExchangeSummary, IpcError> {
    let folder = file_path(&folder)?;
    let mapping = if mapping.trim().is_empty() {
        None
    } else {
        Some(Mapping::read(&file_path(&mapping)?)?)
    };
    let now = atrama::warehouse::now();
    state.with_store(|s| s.export_exchange(&request, mapping.as_ref(), &folder, &now))
}

/// Writes a mapping template (every cell and centre of `period`, empty UIDs) to `path`.
#[tauri::command(async)]
pub(crate) fn warehouse_mapping_template(
    state: State<'_>,
    period_type: PeriodType,
    period: String,
    path: String,
) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    state.with_store(|s| s.write_mapping_template(period_type, &period, &path))?;
    SavedFile::written(&path)
}

/// Writes (or brings up to date) the Parquet datasets in the folder `out_dir`; `period`
/// (`YYYY` or `YYYY..YYYY`) limits the export to those years.
#[tauri::command(async)]
pub(crate) fn warehouse_export_parquet(
    state: State<'_>,
    out_dir: String,
    period: Option<String>,
) -> Result<ParquetSummary, IpcError> {
    let dir = file_path(&out_dir)?;
    let years = period
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(YearRange::parse)
        .transpose()?;
    state.with_store(|s| s.export_parquet(&dir, years))
}
