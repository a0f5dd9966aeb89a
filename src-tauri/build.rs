//! Build script: generates the Tauri context and a permission for each of the app's own
//! commands, so that the capability file can grant exactly those and nothing else.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_phase",
        "begin_setup",
        "finish_setup",
        "cancel_setup",
        "unlock",
        "lock",
        "work_queues",
        "search",
        "case_list",
        "case_detail",
        "client_identity",
        "staff",
        "code_lists",
        "intake",
        "record_incident",
        "add_child",
        "log_service_contact",
        "record_referral",
        "add_protection_order",
        "record_consent",
        "add_note",
        "attach_document",
        "document_content",
        "close_case",
        "reopen_case",
        "save_draft",
        "drafts",
        "draft",
        "delete_draft",
        "sync_identity",
        "save_enrolment_file",
        "inspect_enrolment",
        "enrol",
        "sync_status",
        "export_preview",
        "export_bundle",
        "import_bundles",
        "import_history",
        "choose_files",
        "choose_save_file",
    ]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build script failed: {e:#}");
    }
}
