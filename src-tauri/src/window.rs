//! The window: quick hide, the discreet-mode title and icon, how the web view draws (Linux),
//! what the window-state plugin remembers, and the single-instance name under which a second
//! launch finds the running window.

use crate::ipc::IpcError;

/// Quick hide: takes the window off the screen (minimised) at once; the UI has already
/// blanked it and locks the store next.
#[tauri::command]
pub(crate) fn hide_window(window: tauri::WebviewWindow) -> Result<(), IpcError> {
    window
        .minimize()
        .map_err(|e| IpcError::internal(format!("could not minimise the window: {e}")))
}

/// The longest window title the discreet-name setting accepts.
const MAX_TITLE_CHARS: usize = 60;

/// Sets the window title (the discreet-name setting; "Atrama" when empty). The title never
/// carries case content: it is a setting of this computer, chosen in Settings.
#[tauri::command]
pub(crate) fn set_window_title(
    window: tauri::WebviewWindow,
    title: String,
) -> Result<String, IpcError> {
    let title = window_title(&title)?;
    window
        .set_title(&title)
        .map_err(|e| IpcError::internal(format!("could not set the window title: {e}")))?;
    Ok(title)
}

/// The title to show for a discreet-name setting.
fn window_title(setting: &str) -> Result<String, IpcError> {
    let title = setting.trim();
    if title.is_empty() {
        return Ok("Atrama".to_owned());
    }
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(IpcError::invalid(&format!(
            "a window title has at most {MAX_TITLE_CHARS} characters and no line breaks; choose a shorter name"
        )));
    }
    Ok(title.to_owned())
}

/// The neutral icon of discreet mode (a plain sheet of paper).
const NEUTRAL_ICON: &[u8] = include_bytes!("../../assets/icons/neutral.png");

/// Atrama's own icon.
const APP_ICON: &[u8] = include_bytes!("../icons/128x128.png");

/// Sets the window icon: the neutral one (discreet mode) or Atrama's. What the task bar and
/// window switcher show for the running window; the installed menu entry keeps its icon.
#[tauri::command]
pub(crate) fn set_window_icon(window: tauri::WebviewWindow, neutral: bool) -> Result<(), IpcError> {
    let bytes = if neutral { NEUTRAL_ICON } else { APP_ICON };
    let icon = tauri::image::Image::from_bytes(bytes)
        .map_err(|e| IpcError::internal(format!("could not read the window icon: {e}")))?;
    window
        .set_icon(icon)
        .map_err(|e| IpcError::internal(format!("could not set the window icon: {e}")))
}

/// Whether the webview should draw without GL compositing, given the value of
/// `WEBKIT_DISABLE_COMPOSITING_MODE` in the app's environment: yes unless it is set, in which
/// case WebKit follows it (`=0` keeps compositing on, anything else turns it off).
fn compositing_off_by_default(variable: Option<&std::ffi::OsStr>) -> bool {
    variable.is_none()
}

/// WebKitGTK's accelerated compositing draws every frame through OpenGL; where that is
/// software (llvmpipe: virtual machines, office laptops without a usable GPU, Xvfb), the frame
/// after opening a case or showing search results took 100–800 ms, against 20–80 ms without
/// it (docs/performance.md). Atrama's pages are plain documents and forms with no 3D, video or
/// heavy animation, so the webview draws them without compositing on every machine, which
/// keeps the timings the same on a laptop with or without a GPU.
#[cfg(target_os = "linux")]
pub(crate) fn draw_without_gl_compositing(app: &tauri::App) {
    use tauri::Manager as _;
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
    if !compositing_off_by_default(std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").as_deref()) {
        return;
    }
    if let Some(window) = app.get_webview_window("main") {
        // A window that cannot take the setting keeps WebKit's default: nothing else changes.
        let _ = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn draw_without_gl_compositing(_app: &tauri::App) {}

/// What the window-state plugin remembers: size, position and whether maximised; never
/// whether the window was visible, so a quick-hidden window comes back on the next start.
pub(crate) fn window_state_flags() -> tauri_plugin_window_state::StateFlags {
    use tauri_plugin_window_state::StateFlags;
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// The D-Bus name (Linux) under which the one running app is found: the app's identifier,
/// or, when `ATRAMA_STORE` names a store folder explicitly, `org.atrama.desktop.s<hash of
/// it>`, so that apps started on different explicit stores (several stores side by side,
/// end-to-end tests) run apart. The store lock guards each store in every case.
pub(crate) fn single_instance_id(atrama_store: Option<&std::ffi::OsStr>) -> String {
    use std::hash::{Hash as _, Hasher as _};
    match atrama_store.filter(|s| !s.is_empty()) {
        None => atrama::store::APP_IDENTIFIER.to_owned(),
        Some(store) => {
            // SipHash with fixed keys: the same folder gives the same name in every process.
            let mut hasher = std::hash::DefaultHasher::new();
            store.hash(&mut hasher);
            format!(
                "{}.s{:016x}",
                atrama::store::APP_IDENTIFIER,
                hasher.finish()
            )
        }
    }
}

/// A second launch: bring the running window back (un-minimised, shown, focused).
pub(crate) fn show_main_window(app: &tauri::AppHandle) {
    use tauri::Manager as _;
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::{compositing_off_by_default, single_instance_id, window_title};

    #[test]
    fn compositing_is_off_unless_the_webkit_variable_says_otherwise() {
        use std::ffi::OsStr;
        assert!(compositing_off_by_default(None));
        // Set to anything, the variable is WebKit's to read: the app leaves the policy alone.
        assert!(!compositing_off_by_default(Some(OsStr::new("0"))));
        assert!(!compositing_off_by_default(Some(OsStr::new("1"))));
    }

    #[test]
    fn one_instance_per_session_or_per_explicit_store() {
        use std::ffi::OsStr;
        assert_eq!(single_instance_id(None), "org.atrama.desktop");
        assert_eq!(
            single_instance_id(Some(OsStr::new(""))),
            "org.atrama.desktop"
        );
        let a = single_instance_id(Some(OsStr::new("/tmp/e2e-1/store")));
        let b = single_instance_id(Some(OsStr::new("/tmp/e2e-2/store")));
        assert_eq!(a, single_instance_id(Some(OsStr::new("/tmp/e2e-1/store"))));
        assert_ne!(a, b);
        // A valid D-Bus name element: starts with a letter, then letters and digits.
        let last = a.rsplit('.').next().unwrap();
        assert!(last.starts_with('s') && last.len() == 17, "{a}");
        assert!(last[1..].chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert!(a.starts_with("org.atrama.desktop."), "{a}");
    }

    #[test]
    fn the_window_title_is_the_discreet_name_or_atrama() {
        assert_eq!(window_title("").unwrap(), "Atrama");
        assert_eq!(window_title("   ").unwrap(), "Atrama");
        assert_eq!(window_title("  Notes ").unwrap(), "Notes");
        assert_eq!(window_title("Užrašai").unwrap(), "Užrašai");
        assert!(window_title(&"x".repeat(61)).is_err());
        assert!(window_title("two\nlines").is_err());
    }
}
