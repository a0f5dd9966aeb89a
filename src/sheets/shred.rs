//! Overwrite-and-delete of the plaintext source sheet after an import (`docs/import.md`,
//! "The source file").
//!
//! [`shred`] overwrites every byte of the file in place with zeros (same length, the same
//! file: no new file is written), fsyncs it, removes its name and fsyncs the folder. That
//! is all a program can do through the file system; it cannot reach copies the file system
//! or the disk keep on their own (SSD wear levelling and spare blocks, copy-on-write and
//! journaling file systems, snapshots), nor backups, cloud-sync folders, e-mail attachments
//! or other copies of the sheet. The screen and the docs say so.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// What an overwrite-and-delete cannot reach, as the app's screen says it
/// (`import.shred.limits`) and `docs/import.md` explains it; the CLI prints it after
/// `atrama import shred` and `atrama import records --shred`.
pub const LIMITS: &str = "Overwriting cannot reach other copies: on SSDs, memory cards and USB \
    sticks the old blocks may survive (wear levelling); copy-on-write and journaling file \
    systems and snapshots may keep earlier versions; backups, cloud-sync folders, e-mail \
    attachments and copies on other computers are untouched. Delete those too; full-disk \
    encryption of the computer is what protects deleted files on an SSD.";

/// The size of each write of zeros.
const CHUNK: usize = 64 * 1024;

/// Overwrites the file at `path` with zeros, fsyncs it, deletes it and fsyncs its folder.
///
/// Refused (nothing changed) for something that is not a regular file, or a symbolic link
/// (the link's target may be a file the person did not mean). When the overwrite fails the
/// file is left in place and the error says so; when only the removal fails, the error
/// says the content is already overwritten.
pub fn shred(path: &Path) -> Result<()> {
    let meta = std::fs::symlink_metadata(path).map_err(Error::io(path))?;
    if meta.file_type().is_symlink() {
        return Err(Error::invalid(format!(
            "the path {} is a link, not the file itself; choose the file it points to",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(Error::invalid(format!(
            "the path {} is not a file; nothing was deleted",
            path.display()
        )));
    }
    let overwrite = || -> std::io::Result<()> {
        let mut file = OpenOptions::new().write(true).open(path)?;
        // The length when opened: the bytes the sheet had, no more and no fewer.
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(0))?;
        let zeros = vec![0u8; CHUNK];
        let mut left = len;
        while left > 0 {
            let n = usize::try_from(left.min(CHUNK as u64)).unwrap_or(CHUNK);
            file.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        file.flush()?;
        file.sync_all()
    };
    overwrite().map_err(|e| {
        Error::invalid(format!(
            "the file {} could not be overwritten ({e}); it was not deleted — close it in \
             other programs, or delete it yourself",
            path.display()
        ))
    })?;
    std::fs::remove_file(path).map_err(|e| {
        Error::invalid(format!(
            "the file {} was overwritten with zeros but could not be deleted ({e}); delete it \
             yourself",
            path.display()
        ))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::atomic_file::sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_or_a_folder_is_refused_and_left_alone() -> Result<()> {
        let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
        let target = dir.path().join("sheet.csv");
        std::fs::write(&target, b"Vardas;Pavard\xc4\x97\n").map_err(Error::io(&target))?;
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&target, &link).map_err(Error::io(&link))?;
            let e = shred(&link)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("is a link"), "{e}");
            assert!(link.exists());
        }
        let e = shred(dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("is not a file"), "{e}");
        assert_eq!(
            std::fs::read(&target).map_err(Error::io(&target))?,
            b"Vardas;Pavard\xc4\x97\n"
        );
        let gone = dir.path().join("gone.csv");
        assert!(shred(&gone).is_err());
        Ok(())
    }
}
