//! The Atrama desktop shell: Tauri commands that deserialize, call the `atrama` core, and
//! serialize. No domain logic lives here.
//!
//! The session state machine: `Setup` (no store yet) → `PendingSetup` (recovery key shown,
//! waiting for the person to type part of it back) → `Unlocked`; `Locked` ↔ `Unlocked`.
//! Locking drops the [`atrama::Store`], which closes the database and wipes the key.

mod ipc;

use std::path::PathBuf;
use std::sync::Mutex;

use atrama::{KdfParams, NewCentre, Passphrase, RecoveryKey, Store};
use ipc::{AppPhase, GroupAnswer, IpcError, RecoveryKeyShown};

/// The groups of the recovery key a person types back at setup (1-based).
const CHECK_GROUPS: [usize; 2] = [3, 6];

/// A setup whose recovery key has been shown but not yet confirmed; nothing is on disk yet.
struct PendingSetup {
    centre: NewCentre,
    passphrase: Passphrase,
    recovery: RecoveryKey,
}

enum Session {
    Locked,
    PendingSetup(PendingSetup),
    Unlocked(Store),
}

struct AppState {
    dir: PathBuf,
    session: Mutex<Session>,
}

impl AppState {
    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the state as it was; keep serving.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn phase(&self, session: &Session) -> Result<AppPhase, IpcError> {
        Ok(match session {
            Session::Unlocked(store) => AppPhase::Unlocked {
                centre: store.profile()?,
                user: store.user().to_owned(),
            },
            Session::PendingSetup(_) => AppPhase::Setup,
            Session::Locked if Store::exists(&self.dir) => AppPhase::Locked,
            Session::Locked => AppPhase::Setup,
        })
    }
}

type State<'a> = tauri::State<'a, AppState>;

/// Where the app is: setup, locked or unlocked (with the centre profile).
#[tauri::command]
fn app_phase(state: State<'_>) -> Result<AppPhase, IpcError> {
    let session = state.session();
    state.phase(&session)
}

/// Checks the setup form and shows a new recovery key; writes nothing yet.
#[tauri::command]
fn begin_setup(
    state: State<'_>,
    centre: NewCentre,
    passphrase: String,
) -> Result<RecoveryKeyShown, IpcError> {
    let passphrase = Passphrase::new(passphrase);
    let mut session = state.session();
    if Store::exists(&state.dir) || matches!(*session, Session::Unlocked(_)) {
        return Err(IpcError::from(atrama::Error::StoreExists {
            path: state.dir.clone(),
        }));
    }
    let centre = centre.normalised()?;
    passphrase.check_new()?;
    let recovery = RecoveryKey::generate()?;
    let shown = RecoveryKeyShown {
        recovery_key: recovery.to_display().to_string(),
        check_groups: CHECK_GROUPS.iter().map(|&g| g as u8).collect(),
    };
    *session = Session::PendingSetup(PendingSetup {
        centre,
        passphrase,
        recovery,
    });
    Ok(shown)
}

/// Checks the typed-back groups of the recovery key, then creates the store and unlocks it.
#[tauri::command]
fn finish_setup(state: State<'_>, answers: Vec<GroupAnswer>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    let Session::PendingSetup(pending) = &*session else {
        return Err(IpcError::invalid(
            "setup has not started; fill in the setup form first",
        ));
    };
    let answers: Vec<(usize, String)> = answers
        .into_iter()
        .map(|a| (usize::from(a.group), a.text))
        .collect();
    pending.recovery.confirm_groups(&answers)?;
    let store = Store::create_with_recovery(
        &state.dir,
        &pending.centre,
        &pending.passphrase,
        &pending.recovery,
        KdfParams::DEFAULT,
    )?;
    *session = Session::Unlocked(store);
    state.phase(&session)
}

/// Abandons a setup whose recovery key was shown; the key is forgotten.
#[tauri::command]
fn cancel_setup(state: State<'_>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    if matches!(*session, Session::PendingSetup(_)) {
        *session = Session::Locked;
    }
    state.phase(&session)
}

/// Unlocks the store with a person's passphrase.
#[tauri::command]
fn unlock(state: State<'_>, user: String, passphrase: String) -> Result<AppPhase, IpcError> {
    let passphrase = Passphrase::new(passphrase);
    let store = Store::unlock(&state.dir, &user, &passphrase)?;
    let mut session = state.session();
    *session = Session::Unlocked(store);
    state.phase(&session)
}

/// Locks: drops the store and its key from memory.
#[tauri::command]
fn lock(state: State<'_>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    *session = Session::Locked;
    state.phase(&session)
}

/// Starts the desktop app.
pub fn run() {
    let dir = match atrama::store::default_dir() {
        Ok(dir) => dir,
        Err(e) => fail(&e.to_string()),
    };
    let result = tauri::Builder::default()
        .manage(AppState {
            dir,
            session: Mutex::new(Session::Locked),
        })
        .invoke_handler(tauri::generate_handler![
            app_phase,
            begin_setup,
            finish_setup,
            cancel_setup,
            unlock,
            lock
        ])
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
