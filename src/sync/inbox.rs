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
fn looks_like_bundle(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(Error::io(path))?;
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

/// A free path for `name` in `dir`: `name`, else `stem (2).ext`, `stem (3).ext` …
fn free_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() && !dir.join(format!("{name}.reason.txt")).exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.to_owned(), String::new()),
    };
    (2..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|n| !dir.join(n).exists() && !dir.join(format!("{n}.reason.txt")).exists())
        .map(|n| dir.join(n))
        .unwrap_or(first)
}

/// Moves `file` into `dir` (created if missing) under a name not taken; writes the reason
/// file first when given. Returns the new path and the reason file's.
fn move_into(file: &Path, dir: &Path, reason: Option<&str>) -> Result<(PathBuf, Option<PathBuf>)> {
    if !dir.is_dir() {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = free_path(dir, &name);
    let reason_file = match reason {
        Some(text) => {
            let mut p = target.clone().into_os_string();
            p.push(".reason.txt");
            let p = PathBuf::from(p);
            crate::atomic_file::write(&p, text.as_bytes())?;
            Some(p)
        }
        None => None,
    };
    std::fs::rename(file, &target).map_err(Error::io(file))?;
    crate::atomic_file::sync_dir(dir)?;
    if let Some(parent) = file.parent() {
        crate::atomic_file::sync_dir(parent)?;
    }
    Ok((target, reason_file))
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
        }
        let value = folder.map(|f| f.display().to_string()).unwrap_or_default();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO store_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SETTING, value.as_str()],
        )?;
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
    /// set.
    pub fn run_inbox(&mut self, folder: Option<&Path>) -> Result<Option<InboxReport>> {
        self.require(crate::admin::Permission::ImportBundles)?;
        let folder = match folder {
            Some(f) => f.to_path_buf(),
            None => match self.inbox_folder()? {
                Some(f) => f,
                None => return Ok(None),
            },
        };
        if !folder.is_dir() {
            return Err(Error::invalid(format!(
                "the inbox folder {} is not there (a drive not connected?); connect it or set another folder",
                folder.display()
            )));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(Error::io(&folder))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        files.sort();
        let processed = folder.join(PROCESSED);
        let rejected = folder.join(REJECTED);
        let mut items = Vec::new();
        for path in files {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut item = InboxItem {
                file_name: file_name.clone(),
                outcome: InboxOutcome::Left,
                moved_to: None,
                reason_file: None,
                reason: None,
                summary: None,
            };
            let refuse = |item: &mut InboxItem, outcome, code: &str, message: String| {
                let text = reason_text(&file_name, code, &message);
                match move_into(&path, &rejected, Some(&text)) {
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
            match looks_like_bundle(&path) {
                Err(e) => item.reason = Some(e.to_string()),
                Ok(false) => refuse(
                    &mut item,
                    InboxOutcome::Rejected,
                    "not_a_bundle",
                    "this is not an Atrama bundle file (it does not start like one); only .atrama files sealed by an enrolled centre belong in the inbox".into(),
                ),
                Ok(true) => match self.import_bundle(&path, false) {
                    Ok(summary) if summary.outcome == "already_applied" => {
                        let why = summary.notes.first().cloned().unwrap_or_else(|| {
                            "this bundle was already imported; nothing was changed".into()
                        });
                        item.summary = Some(summary);
                        refuse(&mut item, InboxOutcome::Duplicate, "already_imported", why);
                    }
                    Ok(summary) => {
                        item.summary = Some(summary);
                        match move_into(&path, &processed, None) {
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
            items.push(item);
        }
        Ok(Some(InboxReport {
            folder: folder.display().to_string(),
            ran_at: Utc::now().to_rfc3339(),
            items,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_gets_a_number() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            free_path(dir.path(), "a.atrama"),
            dir.path().join("a.atrama")
        );
        std::fs::write(dir.path().join("a.atrama"), b"x").unwrap();
        assert_eq!(
            free_path(dir.path(), "a.atrama"),
            dir.path().join("a (2).atrama")
        );
        std::fs::write(dir.path().join("a (2).atrama.reason.txt"), b"x").unwrap();
        assert_eq!(
            free_path(dir.path(), "a.atrama"),
            dir.path().join("a (3).atrama")
        );
    }
}
