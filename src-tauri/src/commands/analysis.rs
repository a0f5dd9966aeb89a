//! Commands of the joint case analysis (issue 11): templates at the coordination centre,
//! the form at a centre, the comparison. Each deserializes, calls one core function,
//! serializes.

use std::collections::BTreeMap;

use atrama::analysis::{
    AnalysisCandidate, AnalysisForm, AnalysisTemplate, AnswerInput, CompareQuery, Comparison,
    CompleteAnalysis, IdentifierWarning, TemplateInfo, TemplateSaved,
};
use atrama::ids::{CaseAnalysisId, CaseId};

use crate::dialogs::file_path;
use crate::ipc::{IpcError, SavedFile};
use crate::session::State;

/// Every template version here.
#[tauri::command(async)]
pub(crate) fn analysis_templates(state: State<'_>) -> Result<Vec<TemplateInfo>, IpcError> {
    state.with_store(|s| s.analysis_templates())
}

/// One template version (the newest when `version` is null).
#[tauri::command(async)]
pub(crate) fn analysis_template(
    state: State<'_>,
    id: String,
    version: Option<u32>,
) -> Result<AnalysisTemplate, IpcError> {
    state.with_store(|s| s.analysis_template(&id, version))
}

/// The example template shipped with the app, as a start for the editor.
#[tauri::command(async)]
pub(crate) fn analysis_example_template() -> AnalysisTemplate {
    atrama::analysis::template::example()
}

/// Records a template defined in the editor (a new version).
#[tauri::command(async)]
pub(crate) fn save_analysis_template(
    state: State<'_>,
    template: AnalysisTemplate,
) -> Result<TemplateSaved, IpcError> {
    state.with_store(|s| s.save_analysis_template(&template))
}

/// Records a template from a JSON file.
#[tauri::command(async)]
pub(crate) fn import_analysis_template(
    state: State<'_>,
    path: String,
) -> Result<TemplateSaved, IpcError> {
    let path = file_path(&path)?;
    state.with_store(|s| s.import_analysis_template(&path))
}

/// Closed cases that can be analysed.
#[tauri::command(async)]
pub(crate) fn analysis_candidates(state: State<'_>) -> Result<Vec<AnalysisCandidate>, IpcError> {
    state.with_store(|s| s.analysis_candidates())
}

/// The analysis form of a case, pre-filled by the core.
#[tauri::command(async)]
pub(crate) fn analysis_form(
    state: State<'_>,
    case_id: CaseId,
    template_id: Option<String>,
) -> Result<AnalysisForm, IpcError> {
    state.with_store(|s| s.analysis_form(case_id, template_id.as_deref()))
}

/// Direct identifiers found in the free-text answers.
#[tauri::command(async)]
pub(crate) fn screen_analysis(
    state: State<'_>,
    case_id: CaseId,
    answers: BTreeMap<String, AnswerInput>,
) -> Result<Vec<IdentifierWarning>, IpcError> {
    state.with_store(|s| s.screen_analysis(case_id, &answers))
}

/// Completes (or corrects) the analysis of a closed case.
#[tauri::command(async)]
pub(crate) fn complete_analysis(
    state: State<'_>,
    case_id: CaseId,
    input: CompleteAnalysis,
) -> Result<CaseAnalysisId, IpcError> {
    state.with_store(|s| s.complete_analysis(case_id, &input))
}

/// The comparative analysis of a year.
#[tauri::command(async)]
pub(crate) fn compare_analyses(
    state: State<'_>,
    query: CompareQuery,
) -> Result<Comparison, IpcError> {
    state.with_store(|s| s.compare_analyses(&query))
}

/// Writes the comparative analysis to an XLSX workbook; the core logs the export.
#[tauri::command(async)]
pub(crate) fn export_analysis_comparison(
    state: State<'_>,
    query: CompareQuery,
    path: String,
) -> Result<SavedFile, IpcError> {
    let path = file_path(&path)?;
    state.with_store(|s| s.write_analysis_comparison(&query, &path))?;
    SavedFile::written(&path)
}
