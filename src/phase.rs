//! Phase markers for the crash harnesses (`tests/it/crash/`): when the environment variable
//! `ATRAMA_PHASE_FILE` names a file, each multi-step write appends to it one line naming the
//! step it has reached (`import:transaction`, `file:renamed`, `rotation:committed`, …), so
//! that a harness that kills the process knows which phase the kill hit and can require
//! kills *inside* the write, not only while the process was alive. Off (one environment
//! lookup per marker) unless the variable is set; a line holds only the phase's name — no
//! case data, no path — and a failure to write it is ignored.

use std::io::Write;

/// The environment variable naming the marker file.
pub const ENV: &str = "ATRAMA_PHASE_FILE";

/// Records that the current operation has reached `phase`.
pub fn mark(phase: &str) {
    let Some(path) = std::env::var_os(ENV) else {
        return;
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        // One write(2) of the whole line: a kill leaves a line whole or absent.
        let _ = file.write_all(format!("{phase}\n").as_bytes());
    }
}
