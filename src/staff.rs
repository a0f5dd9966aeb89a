//! Staff accounts: who may unlock the store, in which role, with which disciplines. Each
//! person has their own key slot (their passphrase wraps the database key).

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::admin::Permission;
pub use crate::admin::permissions::Role;
use crate::audit::Action;
use crate::centre::normalise_user_name;
use crate::crypto::{KdfParams, Passphrase};
use crate::error::{Error, Result};
use crate::store::keyslots::{self, SlotKind};
use crate::store::{Store, load_slots};

impl Store {
    /// The role of the signed-in person.
    pub fn role(&self) -> Result<String> {
        Ok(self.conn.query_row(
            "SELECT role FROM staff WHERE username = ?1",
            [&self.ctx.user],
            |r| r.get(0),
        )?)
    }

    /// Adds a person with their own passphrase (administrators only). A staff row that
    /// exists without a key slot (e.g. demo staff) gets its slot and new details.
    pub fn add_staff(
        &mut self,
        user: &str,
        role: Role,
        disciplines: &[String],
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<()> {
        self.require(Permission::ManageStaff)?;
        let user = normalise_user_name(user)?;
        passphrase.check_new()?;
        for d in disciplines {
            self.ctx.codes.check("service_discipline", d)?;
        }
        let slot_path = keyslots::path_in(self.dir());
        let mut slots = load_slots(self.dir())?;
        if slots.users().contains(&user) {
            return Err(Error::invalid(format!(
                "'{user}' already has an account; choose another user name"
            )));
        }
        let tx = self.conn.transaction()?;
        let existing: Option<String> = tx
            .query_row("SELECT id FROM staff WHERE username = ?1", [&user], |r| {
                r.get(0)
            })
            .optional()?;
        let joined = disciplines.join(",");
        match existing {
            Some(id) => tx.execute(
                "UPDATE staff SET role = ?1, disciplines = ?2, disabled_at = NULL WHERE id = ?3",
                params![role.code(), joined, id],
            )?,
            None => tx.execute(
                "INSERT INTO staff (id, username, role, created_at, disciplines)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    Uuid::now_v7().to_string(),
                    user,
                    role.code(),
                    Utc::now().to_rfc3339(),
                    joined
                ],
            )?,
        };
        // The slot file is written before the commit: if writing it fails, the staff row
        // is rolled back; if the commit fails after, the slot opens a store that does not
        // list the person, and unlocking says so.
        slots.put(
            SlotKind::User,
            Some(&user),
            passphrase.dangerously_expose(),
            &self.db_key,
            kdf,
        )?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            Action::StaffAdd,
            None,
            Some(&format!("{user} ({})", role.code())),
        )?;
        slots.save(&slot_path)?;
        tx.commit()?;
        Ok(())
    }

    /// Disables a person's account (administrators only): their key slot is removed, so
    /// their passphrase no longer opens the store. Rotate the database key afterwards
    /// ([`Store::rotate_key`]) so that nothing they may have kept opens it either.
    pub fn disable_staff(&mut self, user: &str) -> Result<()> {
        self.require(Permission::ManageStaff)?;
        let user = normalise_user_name(user)?;
        if user == self.ctx.user {
            return Err(Error::invalid(
                "you cannot disable your own account; ask another administrator",
            ));
        }
        let (role, disabled) = self.staff_row(&user)?;
        if disabled {
            return Err(Error::invalid(format!(
                "the account of '{user}' is already disabled"
            )));
        }
        if role == Role::Administrator.code() {
            let admins: i64 = self.conn.query_row(
                "SELECT count(*) FROM staff WHERE role = 'administrator' AND disabled_at IS NULL",
                [],
                |r| r.get(0),
            )?;
            if admins <= 1 {
                return Err(Error::invalid(
                    "this is the last active administrator; add another administrator first",
                ));
            }
        }
        let slot_path = keyslots::path_in(self.dir());
        let mut slots = load_slots(self.dir())?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE staff SET disabled_at = ?1 WHERE username = ?2",
            params![Utc::now().to_rfc3339(), user],
        )?;
        crate::audit::append(&tx, &self.ctx.user, Action::StaffDisable, None, Some(&user))?;
        // As in `add_staff`: the slot file first, then the commit. If the commit fails, the
        // person has no slot and an active row: re-enabling gives them a fresh slot.
        slots.remove_user(&user);
        slots.save(&slot_path)?;
        tx.commit()?;
        Ok(())
    }

    /// Re-enables a disabled account with a new passphrase set by the administrator (a
    /// fresh key slot); the person changes it at their next sign-in.
    pub fn enable_staff(
        &mut self,
        user: &str,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<()> {
        self.require(Permission::ManageStaff)?;
        let user = normalise_user_name(user)?;
        passphrase.check_new()?;
        let (_, disabled) = self.staff_row(&user)?;
        if !disabled {
            return Err(Error::invalid(format!(
                "the account of '{user}' is not disabled"
            )));
        }
        let slot_path = keyslots::path_in(self.dir());
        let mut slots = load_slots(self.dir())?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE staff SET disabled_at = NULL WHERE username = ?1",
            [&user],
        )?;
        crate::audit::append(&tx, &self.ctx.user, Action::StaffEnable, None, Some(&user))?;
        slots.put(
            SlotKind::User,
            Some(&user),
            passphrase.dangerously_expose(),
            &self.db_key,
            kdf,
        )?;
        slots.save(&slot_path)?;
        tx.commit()?;
        Ok(())
    }

    /// A person's role code and whether their account is disabled.
    fn staff_row(&self, user: &str) -> Result<(String, bool)> {
        self.conn
            .query_row(
                "SELECT role, disabled_at IS NOT NULL FROM staff WHERE username = ?1",
                [user],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| Error::UnknownUser { user: user.into() })
    }

    /// Whether the signed-in person chose to see clients' names in lists (stored with
    /// them, off until they turn it on). Their role must also hold
    /// [`Permission::ClientNamesInLists`] for lists to carry names.
    pub fn client_names_in_lists(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT show_client_names FROM staff WHERE username = ?1",
            [&self.ctx.user],
            |r| r.get::<_, i64>(0),
        )? == 1)
    }

    /// Sets the signed-in person's own choice to see clients' names in lists; nobody else's
    /// changes. From now on the lists of this store carry names only if `on` and the
    /// person's role may see them.
    pub fn set_client_names_in_lists(&mut self, on: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE staff SET show_client_names = ?1 WHERE username = ?2",
            params![i64::from(on), self.ctx.user],
        )?;
        self.refresh_list_names()
    }

    /// Sets the connection's `temp.list_names` flag that the list queries read
    /// (`cases::read::SUMMARY_COLUMNS`): 1 only when the person chose names in lists and
    /// their role may see them.
    pub(crate) fn refresh_list_names(&self) -> Result<()> {
        let (role, chosen): (String, i64) = self.conn.query_row(
            "SELECT role, show_client_names FROM staff WHERE username = ?1",
            [&self.ctx.user],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let shown = chosen == 1 && Permission::ClientNamesInLists.allows(&role);
        self.conn.execute_batch("DELETE FROM temp.list_names")?;
        self.conn.execute(
            "INSERT INTO temp.list_names (shown) VALUES (?1)",
            [i64::from(shown)],
        )?;
        Ok(())
    }
}

/// A staff member as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StaffMember {
    /// User name.
    pub username: String,
    /// `counsellor`, `administrator` or `coordinator`.
    pub role: String,
    /// `service_discipline` codes.
    pub disciplines: Vec<String>,
    /// The account is disabled.
    pub disabled: bool,
    /// The person has a key slot (can unlock the store).
    pub has_key_slot: bool,
}

impl Store {
    /// Everyone with an account (for team pickers and administration), by user name.
    pub fn staff(&self) -> Result<Vec<StaffMember>> {
        let with_slot = load_slots(self.dir())?.users();
        let rows = self
            .conn
            .prepare_cached(
                "SELECT username, role, disciplines, disabled_at IS NOT NULL FROM staff ORDER BY username",
            )?
            .query_map([], |r| {
                let disciplines: String = r.get(2)?;
                Ok(StaffMember {
                    username: r.get(0)?,
                    role: r.get(1)?,
                    disciplines: disciplines
                        .split(',')
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    disabled: r.get(3)?,
                    has_key_slot: false,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .map(|mut m| {
                m.has_key_slot = with_slot.contains(&m.username);
                m
            })
            .collect())
    }
}
