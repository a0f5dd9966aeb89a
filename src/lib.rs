//! Atrama core: the encrypted case store of a help centre for victims of domestic and
//! gender-based violence, and everything the desktop app and the `atrama` command-line
//! tool do with it.
//!
//! The core knows nothing of Tauri, IPC or JSON transport: the shells (`src-tauri`, the
//! CLI in `cli/`) call the plain Rust functions exported here. See
//! `ARCHITECTURE.md` for the map.

pub mod admin;
pub mod analysis;
pub mod atomic_file;
pub mod audit;
pub mod bundle;
pub mod calendar;
pub mod cases;
pub mod centre;
pub mod codes;
pub mod crypto;
pub mod csv;
pub mod demo;
pub mod directory;
pub mod drafts;
pub mod error;
pub mod hlc;
pub mod ids;
pub mod peers;
pub mod phase;
pub mod printout;
pub mod queues;
pub mod risk;
pub mod sheets;
pub mod staff;
pub mod stats;
pub mod store;
pub mod sync;
pub mod warehouse;

pub use admin::permissions::Role;
pub use centre::{CentreProfile, Country, Language, Mode, NewCentre};
pub use crypto::{KdfParams, Passphrase, RecoveryKey};
pub use error::{Error, ErrorCode, Result};
pub use store::{RecordCount, Store, StoreStatus};
