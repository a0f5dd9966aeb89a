//! Atomic file replacement: write a temporary file beside the target, fsync it, rename it
//! over the target, then fsync the folder, so a crash leaves either the old or the new
//! file and never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Replaces `path` with `bytes` atomically. The file is created readable by its owner only
/// on Unix.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::invalid(format!("{} has no parent folder", path.display())))?;
    // A bare file name ("x.enrol") is in the current folder: its parent is "", which
    // cannot be opened to fsync it.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} is not a file path", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = owner_only(OpenOptions::new().write(true).create_new(true))
            .open(&tmp)
            .map_err(Error::io(&tmp))?;
        file.write_all(bytes).map_err(Error::io(&tmp))?;
        file.sync_all().map_err(Error::io(&tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(Error::io(path))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A file being written beside its final path, for output too large to hold in memory
/// (a bundle, a backup). [`AtomicFile::commit`] fsyncs it and renames it into place;
/// dropping it without commit removes the temporary file, so a failed export leaves nothing
/// half-written where the user looks.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl AtomicFile {
    /// Starts writing `path` (through a temporary sibling, owner-only on Unix).
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = path
            .file_name()
            .ok_or_else(|| Error::invalid(format!("{} is not a file path", path.display())))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(file_name);
        tmp_name.push(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
        let tmp = dir.join(tmp_name);
        let file = owner_only(OpenOptions::new().write(true).create_new(true))
            .open(&tmp)
            .map_err(Error::io(&tmp))?;
        crate::phase::mark("file:created");
        Ok(AtomicFile {
            file: Some(file),
            tmp,
            path: path.to_owned(),
        })
    }

    /// Flushes the data to disk and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let Some(file) = self.file.take() else {
            return Err(Error::invalid("the file was already committed"));
        };
        file.sync_all().map_err(Error::io(&self.tmp))?;
        drop(file);
        fs::rename(&self.tmp, &self.path).map_err(Error::io(&self.path))?;
        crate::phase::mark("file:renamed");
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        sync_dir(dir)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Flushes a folder's entries (renames, new files) to disk. A no-op where the platform
/// cannot open folders (Windows), where rename is already durable enough with NTFS's journal.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(Error::io(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates a folder (and its parents) readable by its owner only on Unix.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(Error::io(dir))
}

fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_file() -> Result<()> {
        let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
        let path = dir.path().join("slots.json");
        write(&path, b"one")?;
        write(&path, b"two")?;
        assert_eq!(fs::read(&path).map_err(Error::io(&path))?, b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .map_err(Error::io(dir.path()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("slots.json")]);
        Ok(())
    }
}
