//! Who may do what: the staff [`Role`]s, one [`Permission`] per guarded action and
//! [`Store::require`], called by every core entry point that needs it (not only hidden in the
//! UI). `Role` lives here, below `staff` and `audit`, so that both can name it without a
//! circle (ARCHITECTURE.md, floors).
//!
//! Reading discipline-restricted notes is not a role permission: it depends on the reader's
//! disciplines and is enforced in every read path through
//! [`crate::cases::read::may_read_note`] (case view, search, note corrections). Notes and
//! documents never leave the centre in bundles.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Store;

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Social worker, lawyer or psychologist working on cases.
    Counsellor,
    /// Centre administrator: staff, backups, bundles, retention.
    Administrator,
    /// Coordinator at a coordination centre.
    Coordinator,
}

impl Role {
    /// From its stored name.
    pub fn parse(text: &str) -> Result<Role> {
        match text.trim().to_lowercase().as_str() {
            "counsellor" => Ok(Role::Counsellor),
            "administrator" | "admin" => Ok(Role::Administrator),
            "coordinator" => Ok(Role::Coordinator),
            other => Err(Error::invalid(format!(
                "'{other}' is not a role; use counsellor, administrator or coordinator"
            ))),
        }
    }

    /// The stored name.
    pub fn code(self) -> &'static str {
        match self {
            Role::Counsellor => "counsellor",
            Role::Administrator => "administrator",
            Role::Coordinator => "coordinator",
        }
    }
}

/// A guarded action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Permission {
    /// Add, disable and re-enable staff.
    ManageStaff,
    /// Seal bundles for the coordination centre (or return bundles for centres).
    ExportBundles,
    /// Import bundles and read their payload.
    ImportBundles,
    /// Pin another centre's keys.
    EnrolPeers,
    /// Import a risk-assessment instrument pack.
    ImportInstrumentPack,
    /// Set the retention policy and purge.
    Purge,
    /// Make, verify and schedule backups.
    Backup,
    /// Re-encrypt the store with a new database key.
    RotateKey,
    /// Read the access log (per case and overall) and check its chain.
    ReadAccessLog,
    /// See the monthly tables with exact counts and publish them (suppressed).
    Statistics,
    /// Define and import case-analysis templates (coordination centre).
    ManageAnalysisTemplates,
    /// Compare the completed case analyses of centres and export the comparison.
    CompareCaseAnalyses,
    /// Load reference data to pass on to centres: the referral directory, code lists.
    ManageReferenceData,
    /// See clients' names next to the pseudonyms in lists (Cases, Today, follow-ups,
    /// calendar), when the person also chose to: the people who work on cases.
    ClientNamesInLists,
}

impl Permission {
    /// The roles that hold this permission.
    pub fn roles(self) -> &'static [Role] {
        use Role::{Administrator, Coordinator, Counsellor};
        match self {
            Permission::ClientNamesInLists => &[Counsellor],
            Permission::ManageStaff
            | Permission::Purge
            | Permission::RotateKey
            | Permission::ReadAccessLog => &[Administrator],
            Permission::ExportBundles
            | Permission::ImportBundles
            | Permission::EnrolPeers
            | Permission::ImportInstrumentPack
            | Permission::Backup
            | Permission::Statistics
            | Permission::ManageAnalysisTemplates
            | Permission::CompareCaseAnalyses
            | Permission::ManageReferenceData => &[Administrator, Coordinator],
        }
    }

    /// What the permission lets one do, for messages ("only … may {what}").
    pub fn describe(self) -> &'static str {
        match self {
            Permission::ManageStaff => "manage staff accounts",
            Permission::ExportBundles => "export bundles",
            Permission::ImportBundles => "import bundles",
            Permission::EnrolPeers => "enrol a centre",
            Permission::ImportInstrumentPack => "import instrument packs",
            Permission::Purge => "apply the retention policy and purge",
            Permission::Backup => "make and verify backups",
            Permission::RotateKey => "rotate the database key",
            Permission::ReadAccessLog => "read the access log",
            Permission::Statistics => "see and publish the monthly statistics",
            Permission::ManageAnalysisTemplates => "define case-analysis templates",
            Permission::CompareCaseAnalyses => "compare and export case analyses",
            Permission::ManageReferenceData => {
                "manage reference data (referral directory, code lists)"
            }
            Permission::ClientNamesInLists => "see clients' names in lists",
        }
    }

    /// Whether `role` (a stored role code) holds this permission.
    pub fn allows(self, role: &str) -> bool {
        self.roles().iter().any(|r| r.code() == role)
    }
}

impl Store {
    /// Fails with [`Error::NotAllowed`] unless the signed-in person's role holds
    /// `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        let role = self.role()?;
        if permission.allows(&role) {
            return Ok(());
        }
        let names: Vec<&str> = permission
            .roles()
            .iter()
            .map(|r| match r {
                Role::Administrator => "a centre administrator",
                Role::Coordinator => "a coordinator",
                Role::Counsellor => "a counsellor",
            })
            .collect();
        Err(Error::NotAllowed(format!(
            "only {} may {}; ask the centre administrator",
            names.join(" or "),
            permission.describe()
        )))
    }

    /// The permissions the signed-in person holds (the UI shows what they allow; the core
    /// checks again on every call).
    pub fn permissions(&self) -> Result<Vec<Permission>> {
        let role = self.role()?;
        Ok(ALL.iter().copied().filter(|p| p.allows(&role)).collect())
    }
}

/// Every permission, in a stable order.
pub const ALL: &[Permission] = &[
    Permission::ManageStaff,
    Permission::ExportBundles,
    Permission::ImportBundles,
    Permission::EnrolPeers,
    Permission::ImportInstrumentPack,
    Permission::Purge,
    Permission::Backup,
    Permission::RotateKey,
    Permission::ReadAccessLog,
    Permission::Statistics,
    Permission::ManageAnalysisTemplates,
    Permission::CompareCaseAnalyses,
    Permission::ManageReferenceData,
    Permission::ClientNamesInLists,
];
