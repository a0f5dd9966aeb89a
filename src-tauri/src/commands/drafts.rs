//! Commands of drafts: the free drafts a person keeps, and the draft of each open form (kept
//! as it is typed, so that a quick hide or sleep loses nothing).

use atrama::drafts::{Draft, DraftKey};

use crate::ipc::IpcError;
use crate::session::State;

/// Saves a draft (a new one when `id` is null); returns its id.
#[tauri::command(async)]
pub(crate) fn save_draft(
    state: State<'_>,
    id: Option<String>,
    kind: String,
    title: String,
    body: String,
) -> Result<String, IpcError> {
    state.with_store(|s| s.save_draft(id.as_deref(), &kind, &title, &body))
}

/// The signed-in person's drafts, newest first.
#[tauri::command(async)]
pub(crate) fn drafts(state: State<'_>) -> Result<Vec<Draft>, IpcError> {
    state.with_store(|s| s.drafts())
}

/// One of the signed-in person's drafts.
#[tauri::command(async)]
pub(crate) fn draft(state: State<'_>, id: String) -> Result<Draft, IpcError> {
    state.with_store(|s| s.draft(&id))
}

/// Deletes a draft.
#[tauri::command(async)]
pub(crate) fn delete_draft(state: State<'_>, id: String) -> Result<(), IpcError> {
    state.with_store(|s| s.delete_draft(&id))
}

/// Keeps the signed-in person's draft of one form (replacing the one kept before).
#[tauri::command(async)]
pub(crate) fn save_form_draft(
    state: State<'_>,
    key: DraftKey,
    title: String,
    body: String,
) -> Result<Draft, IpcError> {
    state.with_store(|s| s.save_form_draft(&key, &title, &body))
}

/// The signed-in person's draft of one form, if one is kept.
#[tauri::command(async)]
pub(crate) fn form_draft(state: State<'_>, key: DraftKey) -> Result<Option<Draft>, IpcError> {
    state.with_store(|s| s.form_draft(&key))
}

/// Removes the signed-in person's draft of one form (saved, or its input thrown away).
#[tauri::command(async)]
pub(crate) fn discard_form_draft(state: State<'_>, key: DraftKey) -> Result<(), IpcError> {
    state.with_store(|s| s.discard_form_draft(&key))
}
