//! The store lock: one process at a time opens a store for writing.
//!
//! Every way of opening a store that can write to it (create, unlock, passphrase change and
//! reset) first takes an exclusive advisory lock on `atrama.lock` in the store folder
//! (`File::try_lock`: `flock` on Linux and macOS, `LockFileEx` on Windows). An unlocked
//! [`Store`](super::Store) holds the lock until it is dropped, so a second Atrama window or
//! an `atrama` command on the same store is refused within half a second with
//! [`Error::StoreInUse`] instead of writing beside it (the wait covers the moment in which a
//! newly started process still holds a copy of a lock just released; see [`RELEASE_WAIT`]). The operating system releases the
//! lock when the process ends, even by a crash, so a stale lock file never blocks anyone.
//!
//! The lock file is empty: it holds nothing but the lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The lock file's name inside a store folder.
pub const LOCK_FILE: &str = "atrama.lock";

/// How long a lock held by someone else is waited for before the store is reported in use.
///
/// A process started by any thread holds a copy of every open file, and so of every lock,
/// from the moment it is created until it runs its program (the lock file is opened
/// close-on-exec, so only for that moment). A store closed and opened again just then,
/// in a process that starts others (the test runners, a shell starting a helper), would
/// be refused as in use by a lock nobody holds. Half a second covers that moment many
/// times over on a loaded machine, and is all a second window or command waits before it
/// is told the store is in use.
const RELEASE_WAIT: Duration = Duration::from_millis(500);

/// How often the lock is tried again while waiting.
const RETRY_EVERY: Duration = Duration::from_millis(2);

/// An exclusive lock on a store folder, released when dropped.
#[derive(Debug)]
pub struct StoreLock {
    /// Held open: closing the file releases the lock.
    _file: File,
}

impl StoreLock {
    /// Takes the lock of the store in `dir` (creating the empty lock file if needed), or
    /// answers [`Error::StoreInUse`] when another window or process still holds it after
    /// [`RELEASE_WAIT`].
    pub fn acquire(dir: &Path) -> Result<StoreLock> {
        let path = dir.join(LOCK_FILE);
        let file = open_lock_file(&path)?;
        let deadline = Instant::now() + RELEASE_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(StoreLock { _file: file }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(RETRY_EVERY);
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::StoreInUse { path: dir.into() });
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path)(e)),
            }
        }
    }

    /// Whether another window or process holds the lock of the store in `dir` right now.
    /// (Only an answer for this moment; [`StoreLock::acquire`] is what guards a write.)
    pub fn is_held(dir: &Path) -> Result<bool> {
        match StoreLock::acquire(dir) {
            Ok(_) => Ok(false),
            Err(Error::StoreInUse { .. }) => Ok(true),
            Err(e) => Err(e),
        }
    }
}

fn open_lock_file(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path).map_err(Error::io(PathBuf::from(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let first = StoreLock::acquire(tmp.path()).unwrap();
        let second = StoreLock::acquire(tmp.path()).unwrap_err();
        assert!(matches!(second, Error::StoreInUse { .. }), "{second}");
        assert!(StoreLock::is_held(tmp.path()).unwrap());
        drop(first);
        assert!(!StoreLock::is_held(tmp.path()).unwrap());
        let again = StoreLock::acquire(tmp.path()).unwrap();
        drop(again);
        // The lock file stays, empty.
        assert_eq!(std::fs::read(tmp.path().join(LOCK_FILE)).unwrap(), b"");
    }

    #[test]
    fn a_missing_folder_is_an_io_error_that_names_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let e = StoreLock::acquire(&tmp.path().join("absent")).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
        assert!(e.to_string().contains("atrama.lock"), "{e}");
    }

    /// A process started by another thread holds a copy of every open file until it runs
    /// its program, the lock file's too, and with it the lock. A store closed and opened
    /// again at that moment must not be refused as in use (this once failed a CI run: a
    /// test reopened a store while another test started processes).
    #[test]
    fn a_lock_released_while_another_thread_starts_processes_is_taken_again() {
        use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
        let tmp = tempfile::tempdir().unwrap();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let started = std::sync::Arc::new(AtomicU32::new(0));
        let spawner = {
            let (stop, started) = (stop.clone(), started.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::process::Command::new("true").status().unwrap();
                    started.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        // At least 3,000 takes, and as many as it needs for 200 processes to start beside
        // them: on a loaded machine the 3,000 can be over before the first process starts,
        // and then the race is not tried at all. A minute at most.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let (mut takes, mut refused) = (0u32, 0u32);
        while (takes < 3000 || started.load(Ordering::Relaxed) < 200)
            && std::time::Instant::now() < deadline
        {
            match StoreLock::acquire(tmp.path()) {
                Ok(lock) => drop(lock),
                Err(Error::StoreInUse { .. }) => refused += 1,
                Err(e) => panic!("{e}"),
            }
            takes += 1;
        }
        stop.store(true, Ordering::Relaxed);
        spawner.join().unwrap();
        let started = started.load(Ordering::Relaxed);
        assert!(
            started >= 200,
            "only {started} processes started in a minute"
        );
        assert_eq!(
            refused, 0,
            "refused {refused} of {takes} times while {started} processes started"
        );
    }
}
