//! Administration: who may do what ([`Permission`]), rotating the database key, backups,
//! and the retention policy with its purge.
//!
//! - `permissions` — [`Permission`] and [`crate::store::Store::require`], used by every guarded entry point;
//! - `rotation` — re-encrypting the store under a new key, crash-atomically;
//! - `backup` — consistent encrypted snapshots, their check and their restore;
//! - `retention` — the policy, the preview, the purge, the statistics kept.
//!
//! Staff accounts themselves live in [`crate::staff`]; the access log in [`crate::audit`].

pub mod backup;
pub mod permissions;
pub mod retention;
pub mod rotation;

pub use backup::{BackupCheck, BackupReport, BackupStatus};
pub use permissions::Permission;
pub use retention::{PurgeCase, PurgePreview, PurgeReport, RetentionPolicy};
pub use rotation::{RotationPhase, RotationProgress, RotationReport};
