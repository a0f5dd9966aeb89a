//! The inbox folder: bundle files dropped into one folder (a shared drive, a USB stick's
//! copy) are imported when the app is unlocked or on demand, then moved out of the way.
//!
//! Each regular file directly in the folder (names starting with `.` are skipped: other
//! programs' temporary files) is handled on its own, oldest name first:
//! - not a bundle (wrong magic bytes) → `rejected/`, with `<name>.reason.txt` beside it;
//! - imported (one transaction, as `Store::import_bundle`) → `processed/`;
//! - already imported (same bundle id) → `rejected/`, reason "already imported";
//! - refused by the checks (damaged, wrong recipient, unknown sender, newer version …) →
//!   `rejected/` with the core's message as the reason;
//! - a failure that is not the file's fault (cannot read it, the database is busy) → left
//!   where it is, to be tried again.
//!
//! A move is one `rename` inside the inbox's own file system (atomic: the file is whole in
//! the inbox or whole in its new folder); an existing file of the same name is never
//! replaced (` (2)`, ` (3)` … are added). The reason file is written atomically before the
//! move; it holds the file's name, the time, the refusal code and the core's message —
//! never anything from inside the bundle beyond the sender's code.
//!
//! # Links are never followed
//! Others may write to a shared inbox folder, so nothing in it is trusted to be what its
//! name says. The inbox folder, `processed/` and `rejected/` must be real folders, not
//! symbolic links (else the run is refused and nothing is moved). On Unix every step works
//! through handles of those folders opened with `O_NOFOLLOW` ([`folder`]): files are
//! listed, opened (`O_NOFOLLOW | O_NONBLOCK`, and only a regular file is read — the import
//! reads that very open file), written and renamed (`renameat2` with `RENAME_NOREPLACE`
//! where the file system has it) relative to those handles, so a folder swapped for a link
//! after the check still cannot send a file out of the inbox. A link, pipe or device in
//! the inbox is refused (moved, as a link, to `rejected/`), never opened.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::store::Store;
use crate::sync::ImportSummary;

/// Sub-folder for imported files.
pub const PROCESSED: &str = "processed";
/// Sub-folder for refused files and their reasons.
pub const REJECTED: &str = "rejected";
const SETTING: &str = "inbox_folder";

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum InboxOutcome {
    /// Imported and moved to `processed/`.
    Imported,
    /// Already imported before; moved to `rejected/` with the reason.
    Duplicate,
    /// Refused; moved to `rejected/` with the reason.
    Rejected,
    /// Not handled (a problem that is not the file's); left in the inbox.
    Left,
}

/// One file of an inbox run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InboxItem {
    /// The file's name.
    pub file_name: String,
    /// What happened.
    pub outcome: InboxOutcome,
    /// Where it is now (full path).
    pub moved_to: Option<String>,
    /// The reason file written beside it.
    pub reason_file: Option<String>,
    /// Why it was refused or left.
    pub reason: Option<String>,
    /// What the import did.
    pub summary: Option<ImportSummary>,
}

/// One inbox run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InboxReport {
    /// The folder read.
    pub folder: String,
    /// When (RFC 3339).
    pub ran_at: String,
    /// Each file found, in the order handled.
    pub items: Vec<InboxItem>,
}

/// Whether the file starts with the bundle magic bytes.
fn looks_like_bundle(mut f: &std::fs::File, path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut magic = [0u8; 8];
    let mut got = 0;
    while got < magic.len() {
        let n = f.read(&mut magic[got..]).map_err(Error::io(path))?;
        if n == 0 {
            return Ok(false);
        }
        got += n;
    }
    Ok(magic == crate::bundle::format::MAGIC)
}

/// Candidate names for `name` in a folder: `name`, then `stem (2).ext`, `stem (3).ext` …
fn candidates(name: &str) -> impl Iterator<Item = String> + '_ {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.to_owned(), String::new()),
    };
    std::iter::once(name.to_owned()).chain((2..10_000).map(move |n| format!("{stem} ({n}){ext}")))
}

/// Moves the entry `name` of `from` into `to` under a name not taken (neither it nor its
/// reason file); writes the reason file first when given. Never replaces anything. Returns
/// the new path and the reason file's.
fn move_into(
    from: &folder::Folder,
    name: &std::ffi::OsStr,
    to: &folder::Folder,
    reason: Option<&str>,
) -> Result<(PathBuf, Option<PathBuf>)> {
    let shown = name.to_string_lossy().into_owned();
    for candidate in candidates(&shown) {
        let reason_name = format!("{candidate}.reason.txt");
        if to.exists(candidate.as_ref()) || to.exists(reason_name.as_ref()) {
            continue;
        }
        if let Some(text) = reason {
            match to.write_new(reason_name.as_ref(), text.as_bytes()) {
                Ok(true) => {}
                Ok(false) => continue, // taken meanwhile
                Err(e) => return Err(e),
            }
        }
        match from.move_to(name, to, candidate.as_ref()) {
            Ok(true) => {
                to.sync()?;
                from.sync()?;
                let reason_file = reason.map(|_| to.path().join(&reason_name));
                return Ok((to.path().join(&candidate), reason_file));
            }
            Ok(false) => {
                if reason.is_some() {
                    to.remove(reason_name.as_ref());
                }
            }
            Err(e) => {
                if reason.is_some() {
                    to.remove(reason_name.as_ref());
                }
                return Err(e);
            }
        }
    }
    Err(Error::invalid(format!(
        "no free name for {shown} in {}; empty that folder",
        to.path().display()
    )))
}

fn reason_text(file_name: &str, code: &str, message: &str) -> String {
    format!(
        "Atrama inbox: {file_name} was not imported.\r\nWhen: {}\r\nWhy ({code}): {message}\r\n\
         \r\nTo try again, fix the cause and move the file back into the inbox folder.\r\n",
        Utc::now().to_rfc3339()
    )
}

/// Whether an error is the file's own (refuse it) rather than the machine's (try later).
fn is_refusal(e: &Error) -> bool {
    !matches!(
        e.code(),
        ErrorCode::Internal
            | ErrorCode::NotAllowed
            | ErrorCode::Locked
            | ErrorCode::DatabaseDamaged
            | ErrorCode::AccessLogAltered
    )
}

impl Store {
    /// The inbox folder set for this store, if any.
    pub fn inbox_folder(&self) -> Result<Option<PathBuf>> {
        use rusqlite::OptionalExtension;
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM store_meta WHERE key = ?1",
                [SETTING],
                |r| r.get(0),
            )
            .optional()?;
        Ok(value.filter(|s| !s.is_empty()).map(PathBuf::from))
    }

    /// Sets (or, with `None` or an empty path, clears) the inbox folder. It must exist.
    pub fn set_inbox_folder(&mut self, folder: Option<&Path>) -> Result<Option<PathBuf>> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let folder = folder.filter(|f| !f.as_os_str().is_empty());
        if let Some(f) = folder {
            if !f.is_absolute() {
                return Err(Error::invalid(format!(
                    "give the inbox folder as a full path ({} is relative)",
                    f.display()
                )));
            }
            if !f.is_dir() {
                return Err(Error::invalid(format!(
                    "{} is not a folder; create it first, or choose another",
                    f.display()
                )));
            }
            if std::fs::symlink_metadata(f).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(Error::invalid(format!(
                    "{} is a symbolic link; the inbox never follows links — set the folder it points to instead",
                    f.display()
                )));
            }
        }
        let value = folder.map(|f| f.display().to_string()).unwrap_or_default();
        let tx = self.conn.transaction()?;
        crate::store::meta::set_meta(&tx, SETTING, &value)?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Settings,
            None,
            Some(if value.is_empty() {
                "inbox folder cleared"
            } else {
                "inbox folder set"
            }),
        )?;
        tx.commit()?;
        Ok(folder.map(Path::to_path_buf))
    }

    /// Imports every new file in `folder` (default: the inbox folder set for this store)
    /// and moves each to `processed/` or `rejected/`. `Ok(None)` when no folder is given or
    /// set. Refused, with nothing imported or moved, when the folder, `processed/` or
    /// `rejected/` is a symbolic link or not a folder.
    pub fn run_inbox(&mut self, folder: Option<&Path>) -> Result<Option<InboxReport>> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let folder = match folder {
            Some(f) => f.to_path_buf(),
            None => match self.inbox_folder()? {
                Some(f) => f,
                None => return Ok(None),
            },
        };
        let inbox = folder::Folder::open(&folder)?;
        // Both sub-folders are checked before anything is imported; each is made when first
        // needed.
        let mut processed = inbox.sub(PROCESSED, false)?;
        let mut rejected = inbox.sub(REJECTED, false)?;
        let mut entries: Vec<(std::ffi::OsString, folder::Kind)> = inbox
            .entries()?
            .into_iter()
            .filter(|(name, kind)| {
                *kind != folder::Kind::Folder && !name.to_string_lossy().starts_with('.')
            })
            .collect();
        entries.sort();
        let mut items = Vec::new();
        for (name, kind) in entries {
            let path = folder.join(&name);
            let file_name = name.to_string_lossy().into_owned();
            let mut item = InboxItem {
                file_name: file_name.clone(),
                outcome: InboxOutcome::Left,
                moved_to: None,
                reason_file: None,
                reason: None,
                summary: None,
            };
            let mut refuse = |item: &mut InboxItem, outcome, code: &str, message: String| {
                let text = reason_text(&file_name, code, &message);
                let moved = (|| {
                    if rejected.is_none() {
                        rejected = inbox.sub(REJECTED, true)?;
                    }
                    let to = rejected
                        .as_ref()
                        .ok_or_else(|| Error::invalid("the rejected folder could not be made"))?;
                    move_into(&inbox, &name, to, Some(&text))
                })();
                match moved {
                    Ok((to, reason)) => {
                        item.outcome = outcome;
                        item.moved_to = Some(to.display().to_string());
                        item.reason_file = reason.map(|r| r.display().to_string());
                    }
                    Err(e) => {
                        item.outcome = InboxOutcome::Left;
                        item.reason = Some(format!("{message}; and it could not be moved: {e}"));
                        return;
                    }
                }
                item.reason = Some(message);
            };
            let not_a_file = "this is a link, a pipe or a device, not a file; only .atrama files sealed by an enrolled centre belong in the inbox (a link is never followed)".to_owned();
            let file = if kind == folder::Kind::File {
                inbox.open_file(&name)
            } else {
                Ok(None)
            };
            let file = match file {
                Err(e) => {
                    item.reason = Some(e.to_string());
                    items.push(item);
                    continue;
                }
                Ok(None) => {
                    refuse(&mut item, InboxOutcome::Rejected, "not_a_file", not_a_file);
                    items.push(item);
                    continue;
                }
                Ok(Some(file)) => file,
            };
            match looks_like_bundle(&file, &path) {
                Err(e) => item.reason = Some(e.to_string()),
                Ok(false) => refuse(
                    &mut item,
                    InboxOutcome::Rejected,
                    "not_a_bundle",
                    "this is not an Atrama bundle file (it does not start like one); only .atrama files sealed by an enrolled centre belong in the inbox".into(),
                ),
                // The import reads the file that was checked, whatever the name points to
                // by now.
                Ok(true) => match self.import_bundle_named(
                    &folder::reopenable(&file, &path),
                    &file_name,
                    false,
                ) {
                    Ok(summary) if summary.outcome == "already_applied" => {
                        let why = summary.notes.first().cloned().unwrap_or_else(|| {
                            "this bundle was already imported; nothing was changed".into()
                        });
                        item.summary = Some(summary);
                        refuse(&mut item, InboxOutcome::Duplicate, "already_imported", why);
                    }
                    Ok(summary) => {
                        item.summary = Some(summary);
                        let moved = (|| {
                            if processed.is_none() {
                                processed = inbox.sub(PROCESSED, true)?;
                            }
                            let to = processed.as_ref().ok_or_else(|| {
                                Error::invalid("the processed folder could not be made")
                            })?;
                            move_into(&inbox, &name, to, None)
                        })();
                        match moved {
                            Ok((to, _)) => {
                                item.outcome = InboxOutcome::Imported;
                                item.moved_to = Some(to.display().to_string());
                            }
                            Err(e) => {
                                // Imported, but still in the inbox: the next run finds it
                                // already imported and moves it then.
                                item.outcome = InboxOutcome::Imported;
                                item.reason = Some(format!("imported, but not moved: {e}"));
                            }
                        }
                    }
                    Err(e) if is_refusal(&e) => {
                        let code = serde_json::to_value(e.code())
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_else(|| "refused".into());
                        refuse(&mut item, InboxOutcome::Rejected, &code, e.to_string());
                    }
                    Err(e) => item.reason = Some(e.to_string()),
                },
            }
            drop(file);
            items.push(item);
        }
        Ok(Some(InboxReport {
            folder: folder.display().to_string(),
            ran_at: Utc::now().to_rfc3339(),
            items,
        }))
    }
}

/// The inbox's folders, handled without following links.
mod folder {
    use std::ffi::{OsStr, OsString};
    use std::fs::File;
    use std::path::{Path, PathBuf};

    use crate::error::{Error, Result};

    /// What an entry of the inbox is (as the folder says, links not followed).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub(super) enum Kind {
        /// A regular file.
        File,
        /// A folder.
        Folder,
        /// A symbolic link, pipe, socket or device.
        Other,
    }

    fn symlinked(path: &Path) -> Error {
        Error::invalid(format!(
            "{} is a symbolic link; the inbox never follows links — use a real folder (for the inbox itself, set the folder the link points to)",
            path.display()
        ))
    }

    fn not_a_folder(path: &Path) -> Error {
        Error::invalid(format!(
            "{} is not a folder; move it away so that the inbox can use this name, then run the inbox again",
            path.display()
        ))
    }

    /// A path the import can open to read exactly `file` (already open): on Linux the
    /// file's handle in `/proc/self/fd`, which names the open file itself; elsewhere (no
    /// such folder) `path`, which was checked to be a regular file just before.
    pub(super) fn reopenable(file: &File, path: &Path) -> PathBuf {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let by_handle = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
            if by_handle.exists() {
                return by_handle;
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = file;
        path.to_path_buf()
    }

    #[cfg(unix)]
    pub(super) use unix::Folder;

    #[cfg(unix)]
    mod unix {
        use std::os::unix::ffi::OsStrExt;

        use rustix::fs::{AtFlags, FileType, Mode, OFlags};
        use rustix::io::Errno;

        use super::*;

        /// A folder opened without following a link; everything inside is reached through
        /// this handle.
        pub(in super::super) struct Folder {
            fd: rustix::fd::OwnedFd,
            path: PathBuf,
        }

        const DIR_FLAGS: OFlags = OFlags::RDONLY
            .union(OFlags::DIRECTORY)
            .union(OFlags::NOFOLLOW)
            .union(OFlags::CLOEXEC);

        fn io(path: &Path, e: Errno) -> Error {
            Error::io(path)(std::io::Error::from(e))
        }

        impl Folder {
            /// Opens the inbox folder itself; a link or a file there is refused.
            pub(in super::super) fn open(path: &Path) -> Result<Folder> {
                match rustix::fs::open(path, DIR_FLAGS, Mode::empty()) {
                    Ok(fd) => Ok(Folder {
                        fd,
                        path: path.to_owned(),
                    }),
                    Err(Errno::NOENT) => Err(Error::invalid(format!(
                        "the inbox folder {} is not there (a drive not connected?); connect it or set another folder",
                        path.display()
                    ))),
                    Err(Errno::LOOP) => Err(symlinked(path)),
                    Err(Errno::NOTDIR) => match std::fs::symlink_metadata(path) {
                        Ok(m) if m.file_type().is_symlink() => Err(symlinked(path)),
                        _ => Err(not_a_folder(path)),
                    },
                    Err(e) => Err(io(path, e)),
                }
            }

            /// The folder's path.
            pub(in super::super) fn path(&self) -> &Path {
                &self.path
            }

            /// The sub-folder `name`, made (owner only) when `create` and missing; `None`
            /// when missing and not to be made. A link or a file of that name is refused.
            pub(in super::super) fn sub(&self, name: &str, create: bool) -> Result<Option<Folder>> {
                let path = self.path.join(name);
                match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) => match FileType::from_raw_mode(st.st_mode) {
                        FileType::Directory => {}
                        FileType::Symlink => return Err(symlinked(&path)),
                        _ => return Err(not_a_folder(&path)),
                    },
                    Err(Errno::NOENT) if !create => return Ok(None),
                    Err(Errno::NOENT) => match rustix::fs::mkdirat(&self.fd, name, Mode::RWXU) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(io(&path, e)),
                    },
                    Err(e) => return Err(io(&path, e)),
                }
                // Opened relative to the inbox's handle and without following a link, so a
                // folder swapped for a link since the check is refused here.
                match rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty()) {
                    Ok(fd) => Ok(Some(Folder { fd, path })),
                    Err(Errno::LOOP) => Err(symlinked(&path)),
                    Err(Errno::NOTDIR) => Err(not_a_folder(&path)),
                    Err(e) => Err(io(&path, e)),
                }
            }

            /// The entries (not `.` and `..`), with their kind as the folder says.
            pub(in super::super) fn entries(&self) -> Result<Vec<(OsString, Kind)>> {
                let dir = rustix::fs::Dir::read_from(&self.fd).map_err(|e| io(&self.path, e))?;
                let mut out = Vec::new();
                for entry in dir {
                    let entry = entry.map_err(|e| io(&self.path, e))?;
                    let name = OsStr::from_bytes(entry.file_name().to_bytes()).to_owned();
                    if name == "." || name == ".." {
                        continue;
                    }
                    let ty = match entry.file_type() {
                        FileType::Unknown => {
                            match rustix::fs::statat(&self.fd, &*name, AtFlags::SYMLINK_NOFOLLOW) {
                                Ok(st) => FileType::from_raw_mode(st.st_mode),
                                Err(Errno::NOENT) => continue,
                                Err(e) => return Err(io(&self.path, e)),
                            }
                        }
                        t => t,
                    };
                    let kind = match ty {
                        FileType::RegularFile => Kind::File,
                        FileType::Directory => Kind::Folder,
                        _ => Kind::Other,
                    };
                    out.push((name, kind));
                }
                Ok(out)
            }

            /// Opens the entry `name` to read, only if it is a regular file: `None` for a
            /// link (never followed), pipe, device or anything else.
            pub(in super::super) fn open_file(&self, name: &OsStr) -> Result<Option<File>> {
                let path = self.path.join(name);
                let flags = OFlags::RDONLY
                    | OFlags::NOFOLLOW
                    | OFlags::NONBLOCK
                    | OFlags::NOCTTY
                    | OFlags::CLOEXEC;
                let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
                    Ok(fd) => fd,
                    Err(Errno::LOOP | Errno::NXIO | Errno::NODEV) => return Ok(None),
                    Err(e) => return Err(io(&path, e)),
                };
                let st = rustix::fs::fstat(&fd).map_err(|e| io(&path, e))?;
                if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
                    return Ok(None);
                }
                Ok(Some(File::from(fd)))
            }

            /// Whether anything (a link included) is at `name`.
            pub(in super::super) fn exists(&self, name: &OsStr) -> bool {
                !matches!(
                    rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW),
                    Err(Errno::NOENT)
                )
            }

            /// Writes a new file `name` (owner only) atomically: temporary file, fsync,
            /// rename without replacing. `false` when `name` is taken.
            pub(in super::super) fn write_new(&self, name: &OsStr, bytes: &[u8]) -> Result<bool> {
                use std::io::Write as _;
                let mut tmp = OsString::from(".");
                tmp.push(name);
                tmp.push(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
                let tmp_path = self.path.join(&tmp);
                let flags = OFlags::WRONLY
                    | OFlags::CREATE
                    | OFlags::EXCL
                    | OFlags::NOFOLLOW
                    | OFlags::CLOEXEC;
                let fd = rustix::fs::openat(&self.fd, &*tmp, flags, Mode::RUSR | Mode::WUSR)
                    .map_err(|e| io(&tmp_path, e))?;
                let mut file = File::from(fd);
                let written = file
                    .write_all(bytes)
                    .and_then(|()| file.sync_all())
                    .map_err(Error::io(&tmp_path));
                drop(file);
                let renamed = written.and_then(|()| self.rename_new(&tmp, self, name));
                if !matches!(renamed, Ok(true)) {
                    self.remove(&tmp);
                }
                renamed
            }

            /// Renames `name` here to `new` in `to` without replacing anything: `false` when
            /// `new` is taken.
            pub(in super::super) fn move_to(
                &self,
                name: &OsStr,
                to: &Folder,
                new: &OsStr,
            ) -> Result<bool> {
                self.rename_new(name, to, new)
            }

            fn rename_new(&self, name: &OsStr, to: &Folder, new: &OsStr) -> Result<bool> {
                let path = to.path.join(new);
                #[cfg(any(target_os = "linux", target_os = "android"))]
                match rustix::fs::renameat_with(
                    &self.fd,
                    name,
                    &to.fd,
                    new,
                    rustix::fs::RenameFlags::NOREPLACE,
                ) {
                    Ok(()) => return Ok(true),
                    Err(Errno::EXIST) => return Ok(false),
                    // The file system cannot refuse to replace (some network and FAT
                    // drivers): checked just before instead.
                    Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {}
                    Err(e) => return Err(io(&path, e)),
                }
                if to.exists(new) {
                    return Ok(false);
                }
                rustix::fs::renameat(&self.fd, name, &to.fd, new)
                    .map(|()| true)
                    .map_err(|e| io(&path, e))
            }

            /// Removes the entry `name` (best effort: a leftover is only a stray file).
            pub(in super::super) fn remove(&self, name: &OsStr) {
                let _ = rustix::fs::unlinkat(&self.fd, name, AtFlags::empty());
            }

            /// Flushes the folder's entries to disk.
            pub(in super::super) fn sync(&self) -> Result<()> {
                rustix::fs::fsync(&self.fd).map_err(|e| io(&self.path, e))
            }
        }
    }

    #[cfg(not(unix))]
    pub(super) use other::Folder;

    /// Where folders cannot be opened as handles (Windows): the same checks by path, with
    /// links detected without following them.
    #[cfg(not(unix))]
    mod other {
        use super::*;

        pub(in super::super) struct Folder {
            path: PathBuf,
        }

        fn check(path: &Path) -> Result<bool> {
            match std::fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => Err(symlinked(path)),
                Ok(m) if m.is_dir() => Ok(true),
                Ok(_) => Err(not_a_folder(path)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(Error::io(path)(e)),
            }
        }

        impl Folder {
            pub(in super::super) fn open(path: &Path) -> Result<Folder> {
                if !check(path)? {
                    return Err(Error::invalid(format!(
                        "the inbox folder {} is not there (a drive not connected?); connect it or set another folder",
                        path.display()
                    )));
                }
                Ok(Folder {
                    path: path.to_owned(),
                })
            }

            pub(in super::super) fn path(&self) -> &Path {
                &self.path
            }

            pub(in super::super) fn sub(&self, name: &str, create: bool) -> Result<Option<Folder>> {
                let path = self.path.join(name);
                if !check(&path)? {
                    if !create {
                        return Ok(None);
                    }
                    std::fs::create_dir(&path).map_err(Error::io(&path))?;
                    check(&path)?;
                }
                Ok(Some(Folder { path }))
            }

            pub(in super::super) fn entries(&self) -> Result<Vec<(OsString, Kind)>> {
                let mut out = Vec::new();
                for entry in std::fs::read_dir(&self.path).map_err(Error::io(&self.path))? {
                    let entry = entry.map_err(Error::io(&self.path))?;
                    let kind = match entry.file_type() {
                        Ok(t) if t.is_file() => Kind::File,
                        Ok(t) if t.is_dir() => Kind::Folder,
                        _ => Kind::Other,
                    };
                    out.push((entry.file_name(), kind));
                }
                Ok(out)
            }

            pub(in super::super) fn open_file(&self, name: &OsStr) -> Result<Option<File>> {
                let path = self.path.join(name);
                match std::fs::symlink_metadata(&path) {
                    Ok(m) if m.file_type().is_file() => {}
                    _ => return Ok(None),
                }
                File::open(&path).map(Some).map_err(Error::io(&path))
            }

            pub(in super::super) fn exists(&self, name: &OsStr) -> bool {
                std::fs::symlink_metadata(self.path.join(name)).is_ok()
            }

            pub(in super::super) fn write_new(&self, name: &OsStr, bytes: &[u8]) -> Result<bool> {
                if self.exists(name) {
                    return Ok(false);
                }
                crate::atomic_file::write(&self.path.join(name), bytes)?;
                Ok(true)
            }

            pub(in super::super) fn move_to(
                &self,
                name: &OsStr,
                to: &Folder,
                new: &OsStr,
            ) -> Result<bool> {
                if to.exists(new) {
                    return Ok(false);
                }
                let target = to.path.join(new);
                std::fs::rename(self.path.join(name), &target).map_err(Error::io(&target))?;
                Ok(true)
            }

            pub(in super::super) fn remove(&self, name: &OsStr) {
                let _ = std::fs::remove_file(self.path.join(name));
            }

            pub(in super::super) fn sync(&self) -> Result<()> {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tried_with_a_number_added() {
        let names: Vec<String> = candidates("a.atrama").take(3).collect();
        assert_eq!(names, ["a.atrama", "a (2).atrama", "a (3).atrama"]);
        let names: Vec<String> = candidates("noext").take(2).collect();
        assert_eq!(names, ["noext", "noext (2)"]);
    }

    #[test]
    fn a_taken_name_or_reason_file_gets_a_number() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("in")).unwrap();
        let inbox = folder::Folder::open(&dir.path().join("in")).unwrap();
        let out = inbox.sub("out", true).unwrap().unwrap();
        for (i, want) in ["a.atrama", "a (2).atrama", "a (3).atrama"]
            .iter()
            .enumerate()
        {
            std::fs::write(dir.path().join("in/a.atrama"), [i as u8]).unwrap();
            let (to, reason) = move_into(&inbox, "a.atrama".as_ref(), &out, Some("why")).unwrap();
            assert_eq!(to, dir.path().join("in/out").join(want));
            assert_eq!(std::fs::read(&to).unwrap(), [i as u8]);
            assert_eq!(std::fs::read_to_string(reason.unwrap()).unwrap(), "why");
        }
        std::fs::write(dir.path().join("in/out/b.atrama.reason.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("in/b.atrama"), b"b").unwrap();
        let (to, reason) = move_into(&inbox, "b.atrama".as_ref(), &out, None).unwrap();
        assert_eq!(to, dir.path().join("in/out/b (2).atrama"));
        assert!(reason.is_none());
    }

    /// The race: `rejected/` is checked and opened, then swapped for a link to another
    /// folder (the store's) before the move. The move goes through the handle, so the file
    /// lands in the folder that was checked, wherever it is now — never behind the link.
    #[cfg(unix)]
    #[test]
    fn a_folder_swapped_for_a_link_after_the_check_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let inbox_path = dir.path().join("in");
        let store = dir.path().join("store");
        std::fs::create_dir(&inbox_path).unwrap();
        std::fs::create_dir(&store).unwrap();
        let inbox = folder::Folder::open(&inbox_path).unwrap();
        let rejected = inbox.sub(REJECTED, true).unwrap().unwrap();
        std::fs::rename(inbox_path.join(REJECTED), inbox_path.join("moved-away")).unwrap();
        std::os::unix::fs::symlink(&store, inbox_path.join(REJECTED)).unwrap();
        std::fs::write(inbox_path.join("rotation.commit"), b"x").unwrap();
        move_into(&inbox, "rotation.commit".as_ref(), &rejected, Some("why")).unwrap();
        assert_eq!(std::fs::read_dir(&store).unwrap().count(), 0);
        assert!(inbox_path.join("moved-away/rotation.commit").is_file());
        assert!(
            inbox_path
                .join("moved-away/rotation.commit.reason.txt")
                .is_file()
        );
        // A fresh run now refuses the linked folder before anything is moved.
        let again = folder::Folder::open(&inbox_path).unwrap();
        let err = again.sub(REJECTED, true).err().unwrap();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}
