//! Where the store folder is.
//!
//! In order: `ATRAMA_STORE` when set; else the folder chosen at first run ("use an existing
//! store folder", e.g. one restored from a backup), remembered in
//! `<config dir>/org.atrama.desktop/store-location.json`; else
//! `<data dir>/org.atrama.desktop/store` (`~/.local/share/…` on Linux, `%APPDATA%\…` on
//! Windows, `~/Library/Application Support/…` on macOS). The desktop app and the CLI read
//! the same file, so both open the same store.
//!
//! The location file holds the folder's path and nothing else (no case data).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{APP_IDENTIFIER, DB_FILE, Store, keyslots};
use crate::atomic_file;
use crate::error::{Error, Result};

/// The location file's name in the app's config folder.
pub const LOCATION_FILE: &str = "store-location.json";

/// The content of the location file.
#[derive(Debug, Serialize, Deserialize)]
struct Location {
    /// Format of this file.
    version: u32,
    /// The store folder.
    store: PathBuf,
}

/// The store folder to use (see the module documentation for the order).
pub fn default_dir() -> Result<PathBuf> {
    resolve(
        std::env::var_os("ATRAMA_STORE").map(PathBuf::from),
        config_file().as_deref(),
        dirs::data_dir(),
    )
}

/// The location file: `<config dir>/org.atrama.desktop/store-location.json`.
pub fn config_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join(APP_IDENTIFIER).join(LOCATION_FILE))
}

fn resolve(env: Option<PathBuf>, config: Option<&Path>, data: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = env.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir);
    }
    if let Some(file) = config.filter(|f| f.is_file()) {
        let bytes = std::fs::read(file).map_err(Error::io(file))?;
        let location: Location = serde_json::from_slice(&bytes).map_err(|e| {
            Error::invalid(format!(
                "{} cannot be read ({e}); delete it to use the default store folder",
                file.display()
            ))
        })?;
        return Ok(location.store);
    }
    data.map(|d| d.join(APP_IDENTIFIER).join("store"))
        .ok_or_else(|| {
            Error::invalid("this system has no data folder for applications; set ATRAMA_STORE to a folder for the store")
        })
}

/// Checks that `dir` holds an Atrama store: its key-slot file reads as one and its database
/// file is there. Nothing is unlocked or written.
pub fn check_existing(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::invalid(format!(
            "{} is not a folder; choose the folder that holds the store (keyslots.json and atrama.db)",
            dir.display()
        )));
    }
    if !Store::exists(dir) || !dir.join(DB_FILE).is_file() {
        return Err(Error::invalid(format!(
            "{} does not hold an Atrama store (keyslots.json and atrama.db); choose the folder a backup was restored into",
            dir.display()
        )));
    }
    keyslots::KeySlotFile::load(&keyslots::path_in(dir))?;
    Ok(())
}

/// Remembers `dir` (which must hold a store, see [`check_existing`]) as the store folder
/// for the app and the CLI, in the location file `file` (normally [`config_file`]). The
/// path is made absolute first.
pub fn remember(file: &Path, dir: &Path) -> Result<PathBuf> {
    check_existing(dir)?;
    let dir = std::path::absolute(dir).map_err(Error::io(dir))?;
    if let Some(parent) = file.parent() {
        atomic_file::create_private_dir(parent)?;
    }
    let json = serde_json::to_vec_pretty(&Location {
        version: 1,
        store: dir.clone(),
    })
    .map_err(|e| Error::invalid(format!("cannot encode the store location: {e}")))?;
    atomic_file::write(file, &json)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Country, KdfParams, Language, Mode, NewCentre, Passphrase};

    fn make_store(dir: &Path) {
        let centre = NewCentre {
            code: "LOC-01".into(),
            name: "Location test".into(),
            country: Country::Lt,
            language: Language::En,
            mode: Mode::Centre,
            admin_user: "ona".into(),
        };
        let pass = Passphrase::new("location test passphrase");
        Store::create(dir, &centre, &pass, KdfParams::INSECURE_FOR_TESTS).unwrap();
    }

    #[test]
    fn the_environment_wins_then_the_remembered_folder_then_the_data_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let config = tmp.path().join("config").join(LOCATION_FILE);
        let chosen = tmp.path().join("restored");

        // Nothing remembered: the platform's data folder.
        assert_eq!(
            resolve(None, Some(&config), Some(data.clone())).unwrap(),
            data.join(APP_IDENTIFIER).join("store")
        );
        // An empty ATRAMA_STORE counts as unset.
        assert_eq!(
            resolve(Some(PathBuf::new()), Some(&config), Some(data.clone())).unwrap(),
            data.join(APP_IDENTIFIER).join("store")
        );

        make_store(&chosen);
        let remembered = remember(&config, &chosen).unwrap();
        assert_eq!(remembered, chosen);
        assert_eq!(
            resolve(None, Some(&config), Some(data.clone())).unwrap(),
            chosen
        );
        let env = tmp.path().join("from-env");
        assert_eq!(
            resolve(Some(env.clone()), Some(&config), Some(data)).unwrap(),
            env
        );
        assert!(resolve(None, None, None).is_err());
    }

    #[test]
    fn only_a_folder_holding_a_store_is_remembered() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config").join(LOCATION_FILE);
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();

        let e = remember(&config, &empty).unwrap_err().to_string();
        assert!(e.contains("does not hold an Atrama store"), "{e}");
        let e = remember(&config, &tmp.path().join("absent"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a folder"), "{e}");
        // A key-slot file that is not one.
        std::fs::write(empty.join("keyslots.json"), b"{ not json").unwrap();
        std::fs::write(empty.join(DB_FILE), b"").unwrap();
        assert!(matches!(
            remember(&config, &empty).unwrap_err(),
            Error::CorruptKeySlots { .. }
        ));
        assert!(!config.exists(), "nothing is remembered after a refusal");

        // A damaged location file is reported with what to do.
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        std::fs::write(&config, b"nonsense").unwrap();
        let e = resolve(None, Some(&config), None).unwrap_err().to_string();
        assert!(
            e.contains("delete it to use the default store folder"),
            "{e}"
        );
    }
}
