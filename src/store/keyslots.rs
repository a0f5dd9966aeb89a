//! Key slots: the database key wrapped once per person (and once for the recovery key),
//! kept in `keyslots.json` beside the database, as LUKS keeps its key slots.
//!
//! Each slot: Argon2id(secret, salt, params) → key-encryption key → AES-256-GCM of the
//! 32-byte database key. The additional data binds the slot to its store, its id, its kind
//! and its user, so a slot copied to another user or another store does not open.
//!
//! # Frozen layout
//! The additional data of format 1 is, byte for byte:
//! `"atrama-keyslot-v1" 0x00 store_id(16 bytes) slot_id(16 bytes) kind(1 byte: 1 user,
//! 2 recovery) user(UTF-8)`. Field order and contents never change; a new layout is a new
//! `format`.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::atomic_file;
use crate::crypto::{self, KEY_LEN, KdfParams, NONCE_LEN, SALT_LEN, SecretKey, TAG_LEN};
use crate::error::{Error, Result};

/// The key-slot file format this build writes and reads.
pub const FORMAT: u32 = 1;
const AAD_PREFIX: &[u8] = b"atrama-keyslot-v1\0";

/// What unlocks a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotKind {
    /// A person's passphrase.
    User,
    /// The printed recovery key.
    Recovery,
}

/// The KDF record of one slot.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct KdfRecord {
    algorithm: String,
    version: u32,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

/// One key slot as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeySlot {
    id: Uuid,
    kind: SlotKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    created_at: DateTime<Utc>,
    kdf: KdfRecord,
    nonce: String,
    wrapped_key: String,
}

/// The key-slot file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeySlotFile {
    format: u32,
    store_id: Uuid,
    slots: Vec<KeySlot>,
}

/// A slot with its binary fields decoded and checked.
struct DecodedSlot {
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    wrapped: Vec<u8>,
    params: KdfParams,
}

impl KeySlotFile {
    /// A file with no slots yet for a new store.
    pub fn new(store_id: Uuid) -> Self {
        KeySlotFile {
            format: FORMAT,
            store_id,
            slots: Vec::new(),
        }
    }

    /// The id of the store these slots belong to.
    pub fn store_id(&self) -> Uuid {
        self.store_id
    }

    /// The user names that have a slot, in file order.
    pub fn users(&self) -> Vec<String> {
        self.slots.iter().filter_map(|s| s.user.clone()).collect()
    }

    /// Reads and checks a key-slot file. Damage gives [`Error::CorruptKeySlots`], never a
    /// panic.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        let corrupt = |detail: String| Error::CorruptKeySlots {
            path: path.to_owned(),
            detail,
        };
        #[derive(Deserialize)]
        struct Probe {
            format: u32,
        }
        let probe: Probe =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(format!("not readable: {e}")))?;
        if probe.format > FORMAT {
            return Err(Error::NewerVersion {
                what: "key-slot format",
                found: i64::from(probe.format),
                supported: i64::from(FORMAT),
            });
        }
        let file: KeySlotFile =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(format!("not readable: {e}")))?;
        if file.format != FORMAT {
            return Err(corrupt(format!("unknown format {}", file.format)));
        }
        for slot in &file.slots {
            slot.decode()
                .map_err(|detail| corrupt(format!("{}: {detail}", slot.label())))?;
            match (slot.kind, &slot.user) {
                (SlotKind::User, None) => {
                    return Err(corrupt(format!(
                        "{}: user slot without a user name",
                        slot.label()
                    )));
                }
                (SlotKind::Recovery, Some(_)) => {
                    return Err(corrupt(format!(
                        "{}: recovery slot with a user name",
                        slot.label()
                    )));
                }
                _ => {}
            }
        }
        if !file.slots.iter().any(|s| s.kind == SlotKind::Recovery) {
            return Err(corrupt("the recovery slot is missing".into()));
        }
        Ok(file)
    }

    /// Writes the file atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::invalid(format!("cannot encode key slots: {e}")))?;
        atomic_file::write(path, &json)
    }

    /// Adds a slot for `user` (or the recovery slot when `user` is `None`), replacing any
    /// slot of the same user (or the old recovery slot).
    pub fn put(
        &mut self,
        kind: SlotKind,
        user: Option<&str>,
        secret: &[u8],
        db_key: &SecretKey,
        params: KdfParams,
    ) -> Result<()> {
        let id = Uuid::now_v7();
        let salt = crypto::random_bytes::<SALT_LEN>()?;
        let nonce = crypto::random_bytes::<NONCE_LEN>()?;
        let kek = crypto::derive_kek(secret, &salt, params)?;
        let aad = aad(self.store_id, id, kind, user);
        let wrapped = crypto::seal(&kek, &nonce, &aad, db_key.dangerously_expose());
        self.slots
            .retain(|s| !(s.kind == kind && s.user.as_deref() == user));
        self.slots.push(KeySlot {
            id,
            kind,
            user: user.map(str::to_owned),
            created_at: Utc::now(),
            kdf: KdfRecord {
                algorithm: "argon2id".into(),
                version: 0x13,
                params,
                salt: B64.encode(salt),
            },
            nonce: B64.encode(nonce),
            wrapped_key: B64.encode(wrapped),
        });
        Ok(())
    }

    /// Unwraps the database key with a user's passphrase.
    pub fn unwrap_user(&self, user: &str, passphrase: &[u8]) -> Result<SecretKey> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.kind == SlotKind::User && s.user.as_deref() == Some(user))
            .ok_or_else(|| Error::UnknownUser { user: user.into() })?;
        self.unwrap(slot, passphrase)
            .ok_or_else(|| Error::WrongPassphrase { user: user.into() })
    }

    /// Unwraps the database key with the recovery key.
    pub fn unwrap_recovery(&self, recovery: &[u8]) -> Result<SecretKey> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.kind == SlotKind::Recovery)
            .ok_or(Error::WrongRecoveryKey)?;
        self.unwrap(slot, recovery).ok_or(Error::WrongRecoveryKey)
    }

    /// `None` when the secret (or the slot) is wrong; deliberately not saying which.
    fn unwrap(&self, slot: &KeySlot, secret: &[u8]) -> Option<SecretKey> {
        let decoded = slot.decode().ok()?;
        let kek = crypto::derive_kek(secret, &decoded.salt, decoded.params).ok()?;
        let aad = aad(self.store_id, slot.id, slot.kind, slot.user.as_deref());
        let plain = crypto::open(&kek, &decoded.nonce, &aad, &decoded.wrapped)?;
        let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().ok()?;
        Some(SecretKey::from_bytes(bytes))
    }
}

impl KeySlot {
    fn label(&self) -> String {
        match &self.user {
            Some(user) => format!("slot of user '{user}'"),
            None => "recovery slot".into(),
        }
    }

    fn decode(&self) -> std::result::Result<DecodedSlot, String> {
        if self.kdf.algorithm != "argon2id" || self.kdf.version != 0x13 {
            return Err(format!(
                "unknown key derivation {} v{}",
                self.kdf.algorithm, self.kdf.version
            ));
        }
        self.kdf.params.check_bounds()?;
        let salt = decode_fixed::<SALT_LEN>(&self.kdf.salt, "salt")?;
        let nonce = decode_fixed::<NONCE_LEN>(&self.nonce, "nonce")?;
        let wrapped = B64
            .decode(&self.wrapped_key)
            .map_err(|_| "wrapped key is not base64".to_string())?;
        if wrapped.len() != KEY_LEN + TAG_LEN {
            return Err(format!(
                "wrapped key has {} bytes, not {}",
                wrapped.len(),
                KEY_LEN + TAG_LEN
            ));
        }
        Ok(DecodedSlot {
            salt,
            nonce,
            wrapped,
            params: self.kdf.params,
        })
    }
}

fn decode_fixed<const N: usize>(text: &str, what: &str) -> std::result::Result<[u8; N], String> {
    let bytes = B64
        .decode(text)
        .map_err(|_| format!("{what} is not base64"))?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("{what} has {} bytes, not {N}", bytes.len()))
}

fn aad(store_id: Uuid, slot_id: Uuid, kind: SlotKind, user: Option<&str>) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + 33 + user.map_or(0, str::len));
    aad.extend_from_slice(AAD_PREFIX);
    aad.extend_from_slice(store_id.as_bytes());
    aad.extend_from_slice(slot_id.as_bytes());
    aad.push(match kind {
        SlotKind::User => 1,
        SlotKind::Recovery => 2,
    });
    if let Some(user) = user {
        aad.extend_from_slice(user.as_bytes());
    }
    aad
}

/// The key-slot file of a store folder.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join("keyslots.json")
}
