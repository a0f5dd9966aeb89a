//! Commands of administration: staff and permissions, key rotation, the access log,
//! backups, retention and purge. Every one of these is checked again in the core
//! (`Store::require`); the UI only hides what the person may not do.

use std::path::PathBuf;

use atrama::admin::{
    BackupCheck, BackupReport, BackupStatus, Permission, PurgePreview, PurgeReport,
    RetentionPolicy, RotationReport,
};
use atrama::audit::AccessEntry;
use atrama::ids::CaseId;
use atrama::{KdfParams, Passphrase, Role};
use chrono::NaiveDate;

use crate::ipc::IpcError;
use crate::session::State;

/// What the signed-in person may do.
#[tauri::command]
pub(crate) fn permissions(state: State<'_>) -> Result<Vec<Permission>, IpcError> {
    state.with_store(|s| s.permissions())
}

/// Whether the signed-in person chose to see clients' names in lists.
#[tauri::command]
pub(crate) fn client_names_in_lists(state: State<'_>) -> Result<bool, IpcError> {
    state.with_store(|s| s.client_names_in_lists())
}

/// Sets the signed-in person's own choice to see clients' names in lists.
#[tauri::command]
pub(crate) fn set_client_names_in_lists(state: State<'_>, on: bool) -> Result<(), IpcError> {
    state.with_store(|s| s.set_client_names_in_lists(on))
}

/// Adds a person with the passphrase the administrator typed for them.
#[tauri::command]
pub(crate) fn add_staff(
    state: State<'_>,
    user: String,
    role: Role,
    disciplines: Vec<String>,
    passphrase: String,
) -> Result<(), IpcError> {
    let passphrase = Passphrase::new(passphrase);
    state.with_store(|s| s.add_staff(&user, role, &disciplines, &passphrase, KdfParams::DEFAULT))
}

/// Disables an account (its key slot is removed).
#[tauri::command]
pub(crate) fn disable_staff(state: State<'_>, user: String) -> Result<(), IpcError> {
    state.with_store(|s| s.disable_staff(&user))
}

/// Re-enables an account with a new passphrase.
#[tauri::command]
pub(crate) fn enable_staff(
    state: State<'_>,
    user: String,
    passphrase: String,
) -> Result<(), IpcError> {
    let passphrase = Passphrase::new(passphrase);
    state.with_store(|s| s.enable_staff(&user, &passphrase, KdfParams::DEFAULT))
}

/// Re-encrypts the store under a new key; progress goes out as `rotation-progress` events.
/// Async, so that it runs off the main thread and the window keeps drawing the progress.
#[tauri::command]
pub(crate) async fn rotate_key(
    app: tauri::AppHandle,
    state: State<'_>,
) -> Result<RotationReport, IpcError> {
    use tauri::Emitter as _;
    state.with_store(|s| {
        s.rotate_key(|p| {
            let _ = app.emit("rotation-progress", p);
        })
    })
}

/// The newest entries of the whole access log.
#[tauri::command]
pub(crate) fn access_log(state: State<'_>, limit: u32) -> Result<Vec<AccessEntry>, IpcError> {
    state.with_store(|s| s.access_log(limit))
}

/// The access log of one case.
#[tauri::command]
pub(crate) fn access_log_for_case(
    state: State<'_>,
    case_id: CaseId,
) -> Result<Vec<AccessEntry>, IpcError> {
    state.with_store(|s| s.access_log_for_case(case_id))
}

/// Checks the access log's chain; the number of entries.
#[tauri::command]
pub(crate) fn verify_access_log(state: State<'_>) -> Result<u64, IpcError> {
    state.with_store(|s| s.verify_access_log())
}

/// Writes a backup into `folder` under a dated name.
#[tauri::command]
pub(crate) async fn create_backup(
    state: State<'_>,
    folder: String,
) -> Result<BackupReport, IpcError> {
    let name = format!(
        "atrama-backup-{}.atrbak",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    );
    let path = PathBuf::from(folder).join(name);
    state.with_store(|s| s.create_backup(&path))
}

/// Checks a backup file with the store's key.
#[tauri::command]
pub(crate) async fn verify_backup(state: State<'_>, path: String) -> Result<BackupCheck, IpcError> {
    state.with_store(|s| s.verify_backup(std::path::Path::new(&path)))
}

/// Last backups and whether a reminder is due.
#[tauri::command]
pub(crate) fn backup_status(state: State<'_>) -> Result<BackupStatus, IpcError> {
    state.with_store(|s| s.backup_status())
}

/// Sets the backup reminder in days.
#[tauri::command]
pub(crate) fn set_backup_reminder(state: State<'_>, days: u32) -> Result<BackupStatus, IpcError> {
    state.with_store(|s| {
        s.set_backup_reminder(days)?;
        s.backup_status()
    })
}

/// The retention policy.
#[tauri::command]
pub(crate) fn retention_policy(state: State<'_>) -> Result<RetentionPolicy, IpcError> {
    state.with_store(|s| s.retention_policy())
}

/// Sets the retention policy.
#[tauri::command]
pub(crate) fn set_retention_policy(
    state: State<'_>,
    policy: RetentionPolicy,
) -> Result<(), IpcError> {
    state.with_store(|s| s.set_retention_policy(policy))
}

/// What a purge today would remove.
#[tauri::command]
pub(crate) fn retention_preview(
    state: State<'_>,
    today: NaiveDate,
) -> Result<PurgePreview, IpcError> {
    state.with_store(|s| s.retention_preview(today))
}

/// Purges what the preview showed.
#[tauri::command]
pub(crate) async fn purge(state: State<'_>, today: NaiveDate) -> Result<PurgeReport, IpcError> {
    state.with_store(|s| s.purge(today))
}
