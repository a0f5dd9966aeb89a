//! Locks the store before the computer sleeps (Linux). A thread listens on the system bus
//! for logind's `PrepareForSleep(true)`, holding a "delay" sleep inhibitor so that the system
//! waits for it: the window is told first (`system-sleep`: it blanks at once and gives open
//! forms their moment to save a draft, then locks, as quick hide does); whatever the window
//! managed, the store is locked here within `FORCE_AFTER`, the window is told
//! (`store-locked`), and the inhibitor is let go so that the computer sleeps. After the
//! wake-up (`PrepareForSleep(false)`) a new inhibitor is taken.
//!
//! Without logind (no system bus, a minimal desktop, a test machine) the listener ends
//! quietly and the window's own check stays: it locks when the clock jumped, i.e. after the
//! computer woke. `ATRAMA_SLEEP_BUS=session` listens on the session bus instead (for the
//! end-to-end test, which sends the signal itself). Only the local D-Bus socket is used.

use std::time::{Duration, Instant};

use tauri::{AppHandle, Emitter as _, Manager as _};
use zbus::blocking::{Connection, MessageIterator};

use crate::session::{AppState, Session};

/// How long the window may take to lock by itself before the store is locked here.
const FORCE_AFTER: Duration = Duration::from_millis(1500);

/// Starts the listener thread; it ends by itself when there is no bus to listen on.
pub(crate) fn watch(app: AppHandle) {
    let _ = std::thread::Builder::new()
        .name("atrama-sleep".into())
        .spawn(move || {
            // No bus or no logind: nothing to listen to (see the module's note).
            let _ = listen(&app);
        });
}

fn listen(app: &AppHandle) -> zbus::Result<()> {
    let conn = match std::env::var("ATRAMA_SLEEP_BUS").as_deref() {
        Ok("session") => Connection::session()?,
        _ => Connection::system()?,
    };
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.freedesktop.login1.Manager")?
        .member("PrepareForSleep")?
        .build();
    let signals = MessageIterator::for_match_rule(rule, &conn, Some(8))?;
    let mut inhibitor = inhibit(&conn);
    for message in signals {
        let Ok(going) = message?.body().deserialize::<bool>() else {
            continue;
        };
        if going {
            lock_before_sleep(app);
            // Let the computer sleep now.
            drop(inhibitor.take());
        } else if inhibitor.is_none() {
            inhibitor = inhibit(&conn);
        }
    }
    Ok(())
}

/// A logind "delay" inhibitor for sleep: sleep waits until it is closed (or logind's
/// `InhibitDelayMaxSec`, 5 s by default, has passed). None when logind does not answer.
fn inhibit(conn: &Connection) -> Option<zbus::zvariant::OwnedFd> {
    let reply = conn
        .call_method(
            Some("org.freedesktop.login1"),
            "/org/freedesktop/login1",
            Some("org.freedesktop.login1.Manager"),
            "Inhibit",
            &(
                "sleep",
                "Atrama",
                "Lock the case store before the computer sleeps",
                "delay",
            ),
        )
        .ok()?;
    reply.body().deserialize().ok()
}

fn lock_before_sleep(app: &AppHandle) {
    let state = app.state::<AppState>();
    let _ = app.emit("system-sleep", ());
    let deadline = Instant::now() + FORCE_AFTER;
    while Instant::now() < deadline && unlocked(&state) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let forced = {
        let mut session = state.session();
        let open = matches!(*session, Session::Unlocked(_));
        if open {
            *session = Session::Locked;
        }
        open
    };
    if forced {
        let _ = app.emit("store-locked", ());
    }
}

fn unlocked(state: &AppState) -> bool {
    matches!(*state.session(), Session::Unlocked(_))
}
