//! Build script: generates the Tauri context and a permission for each of the app's own
//! commands, so that the capability file can grant exactly those and nothing else. The
//! commands are those of `src/commands/list.rs`, the one list the app's handler is made from.

#[path = "src/commands/list.rs"]
mod list;

/// The command names (the function of each `module::function`).
macro_rules! names {
    ($($module:ident :: $command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

fn main() {
    let commands: &[&str] = list::with_commands!(names);
    let manifest = tauri_build::AppManifest::new().commands(commands);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build script failed: {e:#}");
    }
}
