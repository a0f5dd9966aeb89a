//! The Atrama desktop shell: Tauri commands that deserialize, call the `atrama` core, and
//! serialize. No domain logic lives here.
//!
//! This file only starts the app: the plugins, the state and the command handler.
//! `session.rs` holds the session state machine (setup, unlock, lock), `window.rs` the
//! window (quick hide, discreet title and icon, drawing mode, single instance),
//! `dialogs.rs` the native file dialogs and typed paths, `print.rs` saving a page as a PDF,
//! `commands/` the commands by domain,
//! and `commands/list.rs` the one list of command names everything else is made from.
//!
//! Desktop integration: a second launch focuses the running window
//! (`tauri-plugin-single-instance`); the window's size and position are remembered
//! (`tauri-plugin-window-state`, in the app's config folder, nothing else); on first run the
//! Setup screen may point the app at an existing store folder instead of creating one; the
//! discreet-mode window icon is chosen in Settings.

mod commands;
mod dialogs;
mod ipc;
mod print;
mod session;
#[cfg(target_os = "linux")]
mod sleep;
mod window;

// The command modules at the crate root, so that `commands::list` names every command as
// `module::function`.
use commands::{
    admin, agency, analysis, cases, coord, drafts, peers, risk, sheets, stats, sync, warehouse,
};

/// The `invoke_handler` of every command in `commands::list`.
macro_rules! handler {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri::generate_handler![$($module::$command),*]
    };
}

/// Starts the desktop app.
pub fn run() {
    let dir = match atrama::store::default_dir() {
        Ok(dir) => dir,
        Err(e) => fail(&e.to_string()),
    };
    let result = tauri::Builder::default()
        // First: a second launch hands over to the running app (which shows its window) and
        // exits before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(window::single_instance_id(
                    std::env::var_os("ATRAMA_STORE").as_deref(),
                ))
                .callback(|app, _args, _cwd| window::show_main_window(app))
                .build(),
        )
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(window::window_state_flags())
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            window::draw_without_gl_compositing(app);
            #[cfg(target_os = "linux")]
            sleep::watch(app.handle().clone());
            Ok(())
        })
        .manage(session::AppState::new(dir))
        .invoke_handler(commands::list::with_commands!(handler))
        .run(tauri::generate_context!());
    if let Err(e) = result {
        fail(&format!("the window could not start: {e}"));
    }
}

#[allow(
    clippy::print_stderr,
    reason = "the last word of a desktop app that cannot start"
)]
fn fail(message: &str) -> ! {
    eprintln!("atrama: {message}");
    std::process::exit(1);
}
