//! The store lock: one process at a time opens a store for writing.
//!
//! Every way of opening a store that can write to it (create, unlock, passphrase change and
//! reset) first takes an exclusive advisory lock on `atrama.lock` in the store folder
//! (`File::try_lock`: `flock` on Linux and macOS, `LockFileEx` on Windows). An unlocked
//! [`Store`](super::Store) holds the lock until it is dropped, so a second Atrama window or
//! an `atrama` command on the same store is refused at once with
//! [`Error::StoreInUse`] instead of writing beside it. The operating system releases the
//! lock when the process ends, even by a crash, so a stale lock file never blocks anyone.
//!
//! The lock file is empty: it holds nothing but the lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file's name inside a store folder.
pub const LOCK_FILE: &str = "atrama.lock";

/// An exclusive lock on a store folder, released when dropped.
#[derive(Debug)]
pub struct StoreLock {
    /// Held open: closing the file releases the lock.
    _file: File,
}

impl StoreLock {
    /// Takes the lock of the store in `dir` (creating the empty lock file if needed), or
    /// answers [`Error::StoreInUse`] at once when another window or process holds it.
    pub fn acquire(dir: &Path) -> Result<StoreLock> {
        let path = dir.join(LOCK_FILE);
        let file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(StoreLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::StoreInUse { path: dir.into() }),
            Err(TryLockError::Error(e)) => Err(Error::io(&path)(e)),
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
}
