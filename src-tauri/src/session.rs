//! The session state machine: `Setup` (no store yet) → `PendingSetup` (recovery key shown,
//! waiting for the person to type part of it back) → `Unlocked`; `Locked` ↔ `Unlocked`.
//! Locking drops the [`atrama::Store`], which closes the database, wipes the key and
//! releases the store lock (so the CLI may then use the store). On first run the Setup
//! screen may point the app at an existing store folder instead of creating one, or join
//! this computer to a centre from a join file (`Joined`: the store is made, its enrolment
//! file can be saved, then `Locked`: people unlock with their own passphrases).

use std::path::PathBuf;
use std::sync::Mutex;

use atrama::{KdfParams, NewCentre, Passphrase, RecoveryKey, Store};

use crate::ipc::{AppPhase, GroupAnswer, IpcError, RecoveryKeyShown, SavedFile};

/// The groups of the recovery key a person types back at setup (1-based).
const CHECK_GROUPS: [usize; 2] = [3, 6];

/// A setup whose recovery key has been shown but not yet confirmed; nothing is on disk yet.
pub(crate) struct PendingSetup {
    centre: NewCentre,
    passphrase: Passphrase,
    recovery: RecoveryKey,
}

/// Where the app is; held in [`AppState`].
pub(crate) enum Session {
    Locked,
    PendingSetup(PendingSetup),
    /// Joined from the first screen: the store is made; this computer's enrolment file
    /// (public keys only) is kept until the person has saved it and finished.
    Joined(String),
    Unlocked(Store),
}

/// The app's one state, managed by Tauri: the store folder and the session.
pub(crate) struct AppState {
    /// The store folder: `atrama::store::default_dir()` at start, or the existing folder
    /// chosen on the Setup screen.
    dir: Mutex<PathBuf>,
    session: Mutex<Session>,
}

impl AppState {
    /// A locked app over the store folder `dir`.
    pub(crate) fn new(dir: PathBuf) -> Self {
        AppState {
            dir: Mutex::new(dir),
            session: Mutex::new(Session::Locked),
        }
    }

    pub(crate) fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the state as it was; keep serving.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn dir(&self) -> PathBuf {
        self.dir.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs `call` on the unlocked store, or answers `locked`.
    pub(crate) fn with_store<T>(
        &self,
        call: impl FnOnce(&mut Store) -> atrama::Result<T>,
    ) -> Result<T, IpcError> {
        match &mut *self.session() {
            Session::Unlocked(store) => Ok(call(store)?),
            _ => Err(IpcError::locked()),
        }
    }

    fn phase(&self, session: &Session) -> Result<AppPhase, IpcError> {
        Ok(match session {
            Session::Unlocked(store) => AppPhase::Unlocked {
                centre: store.profile()?,
                user: store.user().to_owned(),
            },
            Session::PendingSetup(_) | Session::Joined(_) => AppPhase::Setup,
            Session::Locked if Store::exists(&self.dir()) => AppPhase::Locked,
            Session::Locked => AppPhase::Setup,
        })
    }
}

/// How a command receives the app's state.
pub(crate) type State<'a> = tauri::State<'a, AppState>;

/// Where the app is: setup, locked or unlocked (with the centre profile).
#[tauri::command]
pub(crate) fn app_phase(state: State<'_>) -> Result<AppPhase, IpcError> {
    let session = state.session();
    state.phase(&session)
}

/// Checks the setup form and shows a new recovery key; writes nothing yet.
#[tauri::command]
pub(crate) fn begin_setup(
    state: State<'_>,
    centre: NewCentre,
    passphrase: String,
) -> Result<RecoveryKeyShown, IpcError> {
    let passphrase = Passphrase::new(passphrase);
    let mut session = state.session();
    let dir = state.dir();
    if Store::exists(&dir) || matches!(*session, Session::Unlocked(_)) {
        return Err(IpcError::from(atrama::Error::StoreExists { path: dir }));
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
pub(crate) fn finish_setup(
    state: State<'_>,
    answers: Vec<GroupAnswer>,
) -> Result<AppPhase, IpcError> {
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
        &state.dir(),
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
pub(crate) fn cancel_setup(state: State<'_>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    if matches!(*session, Session::PendingSetup(_)) {
        *session = Session::Locked;
    }
    state.phase(&session)
}

/// First run: uses an existing store folder (e.g. one restored from a backup) instead of
/// creating a store. The folder must hold an Atrama store; it is remembered for the app and
/// the CLI (`store-location.json` in the app's config folder). Only while no store is set up.
#[tauri::command]
pub(crate) fn use_existing_store(state: State<'_>, path: String) -> Result<AppPhase, IpcError> {
    let folder = PathBuf::from(path.trim());
    if !folder.is_absolute() {
        return Err(IpcError::invalid(
            "type the store folder's full path (e.g. /home/…) or choose it with the button",
        ));
    }
    let session = state.session();
    if !matches!(*session, Session::Locked) || Store::exists(&state.dir()) {
        return Err(IpcError::invalid(
            "a store is already set up on this computer; an existing folder can be chosen only at first run",
        ));
    }
    let file = atrama::store::location::config_file().ok_or_else(|| {
        IpcError::invalid("this system has no configuration folder for applications")
    })?;
    let chosen = atrama::store::location::remember(&file, &folder)?;
    *state.dir.lock().unwrap_or_else(|p| p.into_inner()) = chosen;
    state.phase(&session)
}

/// First run: makes this computer's store from the centre's join file with the recovery key
/// (`atrama::peers::join`, as `atrama peers join`), under the name `name`. Returns this
/// computer's fingerprint, to be read aloud to the administrator who adds it; its
/// enrolment file is kept for [`save_join_enrolment`]. Only while no store is set up.
#[tauri::command(async)]
pub(crate) fn join_centre(
    state: State<'_>,
    path: String,
    recovery_key: String,
    name: String,
) -> Result<String, IpcError> {
    let file = crate::dialogs::file_path(&path)?;
    let recovery = RecoveryKey::parse(&recovery_key)?;
    let mut session = state.session();
    let dir = state.dir();
    if !matches!(*session, Session::Locked) || Store::exists(&dir) {
        return Err(IpcError::invalid(
            "a store is already set up on this computer; a computer joins the centre only at first run",
        ));
    }
    let joined = atrama::peers::join::join_with_enrolment(&file, &recovery, &dir, &name)?;
    *session = Session::Joined(joined.enrolment);
    Ok(joined.fingerprint)
}

/// Writes the enrolment file of the computer just joined (public keys only) to `path`.
#[tauri::command(async)]
pub(crate) fn save_join_enrolment(state: State<'_>, path: String) -> Result<SavedFile, IpcError> {
    let path = crate::dialogs::file_path(&path)?;
    let session = state.session();
    let Session::Joined(enrolment) = &*session else {
        return Err(IpcError::invalid(
            "this computer has not just joined; write its enrolment file on Administration → Computers",
        ));
    };
    atrama::atomic_file::write(&path, enrolment.as_bytes())?;
    SavedFile::written(&path)
}

/// Ends the join on the first screen: the app goes to the unlock screen.
#[tauri::command]
pub(crate) fn finish_join(state: State<'_>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    if matches!(*session, Session::Joined(_)) {
        *session = Session::Locked;
    }
    state.phase(&session)
}

/// Unlocks the store with a person's passphrase.
#[tauri::command]
pub(crate) fn unlock(
    state: State<'_>,
    user: String,
    passphrase: String,
) -> Result<AppPhase, IpcError> {
    let passphrase = Passphrase::new(passphrase);
    let store = Store::unlock(&state.dir(), &user, &passphrase)?;
    let mut session = state.session();
    *session = Session::Unlocked(store);
    state.phase(&session)
}

/// Locks: drops the store and its key from memory.
#[tauri::command]
pub(crate) fn lock(state: State<'_>) -> Result<AppPhase, IpcError> {
    let mut session = state.session();
    *session = Session::Locked;
    state.phase(&session)
}
