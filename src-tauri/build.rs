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
    ]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build script failed: {e:#}");
    }
}
