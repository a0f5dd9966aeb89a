//! Key slots: the database key wrapped once per person (and once for the recovery key),
//! kept in `keyslots.json` beside the database, as LUKS keeps its key slots.
//!
//! Each slot: Argon2id(secret, salt, params) → key-encryption key → AES-256-GCM of the
//! 32-byte database key. The additional data binds the slot to its store, its id, its kind
//! and its user, so a slot copied to another user or another store does not open.
//!
//! Format 2 (written since key rotation): each slot holds an X25519 key pair. The
//! Argon2id-derived key wraps the slot's X25519 *secret* key, and the database key is sealed
//! to the slot's *public* key with RFC 9180 HPKE (DHKEM-X25519, HKDF-SHA256, AES-256-GCM).
//! Re-encrypting the store with a new database key (`Store::rotate_key`) therefore reseals
//! the new key to every remaining slot without anyone's passphrase, and a removed person's
//! old slot opens only the old key. Slots of format 1 (the passphrase wraps the database key
//! directly) are still read; a person's slot is upgraded the next time they unlock.
//!
//! # Frozen layout
//! The additional data of format 1 is, byte for byte:
//! `"atrama-keyslot-v1" 0x00 store_id(16 bytes) slot_id(16 bytes) kind(1 byte: 1 user,
//! 2 recovery) user(UTF-8)`. Field order and contents never change; a new layout is a new
//! `format`. Format 2 uses the same layout with the prefix `"atrama-keyslot-v2" 0x00`, both
//! as the AES-GCM additional data of the wrapped secret key and as the HPKE `aad` of the
//! sealed database key (HPKE `info`: `"atrama-keyslot-v2 seal"`).
//!
//! # Binding of the public key
//! A format-2 slot's `public_key` is not covered by any additional data: anyone who can
//! write the file could replace it, and a key rotation would then seal the new database key
//! to the replaced key. Each slot therefore carries a `binding`: HMAC-SHA256 under the key
//! HKDF-SHA256(ikm = database key, salt = none, info = `"atrama-keyslot-v2 binding"`) over
//! the slot's additional data (as above) followed by its 32-byte public key. Only someone
//! who holds the database key can make one. It is written with every slot, checked whenever
//! a slot is unwrapped (a wrong binding refuses the slot), added to a slot of an older file
//! when that slot is unwrapped (which proves its public key: the unwrapped secret key must
//! match it), and [`KeySlotFile::reseal_all`] refuses to rotate while a slot has no valid
//! binding, naming it. After a rotation every binding is remade under the new key.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use hpke::{Deserializable, Kem as _, Serializable};

use crate::atomic_file;
use crate::crypto::{self, KEY_LEN, KdfParams, NONCE_LEN, SALT_LEN, SecretKey, TAG_LEN};
use crate::error::{Error, Result};

/// The key-slot file format this build writes (it reads 1 and 2).
pub const FORMAT: u32 = 2;
const AAD_PREFIX_V1: &[u8] = b"atrama-keyslot-v1\0";
const AAD_PREFIX_V2: &[u8] = b"atrama-keyslot-v2\0";
const SEAL_INFO: &[u8] = b"atrama-keyslot-v2 seal";
const BINDING_INFO: &[u8] = b"atrama-keyslot-v2 binding";

type Kem = hpke::kem::X25519HkdfSha256;
type HpkeAead = hpke::aead::AesGcm256;
type HpkeKdf = hpke::kdf::HkdfSha256;

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

/// One key slot as stored. Unknown fields are refused: a misspelt `binding` must not read
/// as a slot without one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySlot {
    id: Uuid,
    kind: SlotKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    created_at: DateTime<Utc>,
    kdf: KdfRecord,
    nonce: String,
    wrapped_key: String,
    /// Format 2: the slot's X25519 public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
    /// Format 2: the HPKE encapsulated key of the sealed database key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_enc: Option<String>,
    /// Format 2: the database key sealed to `public_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_key: Option<String>,
    /// Format 2: HMAC-SHA256 binding `public_key` to the slot under a key derived from the
    /// database key (see the module documentation). Absent in files written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binding: Option<String>,
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
    /// Format 2: public key, encapsulated key, sealed database key.
    sealed: Option<([u8; 32], [u8; 32], Vec<u8>)>,
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
        Self::from_bytes(&bytes, path)
    }

    /// Reads and checks a key-slot file's contents (`path` names it in errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let corrupt = |detail: String| Error::CorruptKeySlots {
            path: path.to_owned(),
            detail,
        };
        #[derive(Deserialize)]
        struct Probe {
            format: u32,
        }
        let probe: Probe =
            serde_json::from_slice(bytes).map_err(|e| corrupt(format!("not readable: {e}")))?;
        if probe.format > FORMAT {
            return Err(Error::NewerVersion {
                what: "key-slot format",
                found: i64::from(probe.format),
                supported: i64::from(FORMAT),
            });
        }
        let file: KeySlotFile =
            serde_json::from_slice(bytes).map_err(|e| corrupt(format!("not readable: {e}")))?;
        if file.format != 1 && file.format != FORMAT {
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
        atomic_file::write(path, &self.to_bytes()?)
    }

    /// The file's contents as written (format [`FORMAT`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut this = self.clone();
        this.format = FORMAT;
        serde_json::to_vec_pretty(&this)
            .map_err(|e| Error::invalid(format!("cannot encode key slots: {e}")))
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
        let aad = aad(AAD_PREFIX_V2, self.store_id, id, kind, user);
        let mut rng = rand_core_09::UnwrapErr(rand_core_09::OsRng);
        let (sk, pk) = Kem::gen_keypair(&mut rng);
        let sk_bytes = zeroize::Zeroizing::new(sk.to_bytes().to_vec());
        let wrapped = crypto::seal(&kek, &nonce, &aad, &sk_bytes);
        let (enc, sealed) = seal_key(&pk, &aad, db_key)?;
        let pk_bytes: [u8; 32] = pk
            .to_bytes()
            .as_slice()
            .try_into()
            .map_err(|_| Error::invalid("an X25519 public key is not 32 bytes"))?;
        let binding = binding(db_key, &aad, &pk_bytes)?;
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
            public_key: Some(B64.encode(pk.to_bytes())),
            sealed_enc: Some(B64.encode(enc)),
            sealed_key: Some(B64.encode(sealed)),
            binding: Some(B64.encode(binding)),
        });
        Ok(())
    }

    /// Adds the binding of `kind`/`user`'s slot if it has none, after that slot was unwrapped
    /// to `db_key` (which proved its public key); whether the file changed and must be saved.
    /// Slots of format 1 have no public key and are upgraded by [`KeySlotFile::put`] instead.
    pub fn bind_unwrapped(
        &mut self,
        kind: SlotKind,
        user: Option<&str>,
        db_key: &SecretKey,
    ) -> Result<bool> {
        let store_id = self.store_id;
        let Some(slot) = self
            .slots
            .iter_mut()
            .find(|s| s.kind == kind && s.user.as_deref() == user)
        else {
            return Ok(false);
        };
        if slot.binding.is_some() {
            return Ok(false);
        }
        let Some((pk, _, _)) = slot.decode().map_err(Error::invalid)?.sealed else {
            return Ok(false);
        };
        let aad = aad(AAD_PREFIX_V2, store_id, slot.id, slot.kind, user);
        slot.binding = Some(B64.encode(binding(db_key, &aad, &pk)?));
        Ok(true)
    }

    /// `user`'s slot as JSON text (wrapped keys only), to carry it to the other computers of
    /// the centre (`peers`).
    pub fn user_slot_json(&self, user: &str) -> Result<Option<String>> {
        self.slots
            .iter()
            .find(|s| s.kind == SlotKind::User && s.user.as_deref() == Some(user))
            .map(|s| {
                serde_json::to_string(s)
                    .map_err(|e| Error::invalid(format!("cannot encode a key slot: {e}")))
            })
            .transpose()
    }

    /// Puts a person's slot carried from another computer of the centre (JSON text from
    /// [`KeySlotFile::user_slot_json`]) in place of `user`'s, if it is her slot and its public
    /// key is bound under `db_key` (the computers share the database key); `Ok(false)`, and
    /// nothing changed, when it is not — after a key rotation on one computer, say.
    pub fn put_user_slot_json(
        &mut self,
        user: &str,
        json: &str,
        db_key: &SecretKey,
    ) -> Result<bool> {
        let Ok(slot) = serde_json::from_str::<KeySlot>(json) else {
            return Ok(false);
        };
        if slot.kind != SlotKind::User || slot.user.as_deref() != Some(user) {
            return Ok(false);
        }
        if self.binding_ok(&slot, db_key) != Some(true) {
            return Ok(false);
        }
        self.slots
            .retain(|s| !(s.kind == SlotKind::User && s.user.as_deref() == Some(user)));
        self.slots.push(slot);
        Ok(true)
    }

    /// Checks, before a rotation, that every slot can be resealed: none is of format 1 and
    /// every slot's public key is bound to it under `current` (the database key now).
    /// Changes nothing.
    pub fn check_resealable(&self, current: &SecretKey) -> Result<()> {
        let legacy = self.legacy_slots();
        if !legacy.is_empty() {
            return Err(Error::invalid(format!(
                "the key slots of {} are of the old format and cannot be resealed; have each of them unlock once (the recovery key: reset any passphrase with it once), then rotate the key",
                legacy.join(", ")
            )));
        }
        let (mut unbound, mut wrong) = (Vec::new(), Vec::new());
        for slot in &self.slots {
            let name = slot
                .user
                .clone()
                .unwrap_or_else(|| "the recovery key".into());
            match self.binding_ok(slot, current) {
                Some(true) => {}
                Some(false) => wrong.push(name),
                None => unbound.push(name),
            }
        }
        if !wrong.is_empty() {
            return Err(Error::invalid(format!(
                "the key slots of {} were changed outside Atrama (their public key is not the one this store wrote), so the new key would be sealed to someone else; nothing was rotated. Restore keyslots.json from a backup, or disable and re-add those people, then rotate the key",
                wrong.join(", ")
            )));
        }
        if !unbound.is_empty() {
            return Err(Error::invalid(format!(
                "the key slots of {} were written by an older version and cannot be checked before resealing; have each of them unlock once (the recovery key: reset any passphrase with it once), then rotate the key",
                unbound.join(", ")
            )));
        }
        Ok(())
    }

    /// `Some(true)` when `slot`'s binding is valid under `db_key`, `Some(false)` when it is
    /// present and wrong (or the slot cannot be read), `None` when the slot has none.
    fn binding_ok(&self, slot: &KeySlot, db_key: &SecretKey) -> Option<bool> {
        let stored = slot.binding.as_ref()?;
        let Ok(decoded) = slot.decode() else {
            return Some(false);
        };
        let (Some((pk, _, _)), Ok(tag)) = (decoded.sealed, decode_fixed::<32>(stored, "binding"))
        else {
            return Some(false);
        };
        let aad = aad(
            AAD_PREFIX_V2,
            self.store_id,
            slot.id,
            slot.kind,
            slot.user.as_deref(),
        );
        Some(verify_binding(db_key, &aad, &pk, &tag))
    }

    /// Removes `user`'s slot; whether there was one.
    pub fn remove_user(&mut self, user: &str) -> bool {
        let before = self.slots.len();
        self.slots
            .retain(|s| !(s.kind == SlotKind::User && s.user.as_deref() == Some(user)));
        self.slots.len() != before
    }

    /// Whether `user`'s slot is of format 1 (the passphrase wraps the database key itself;
    /// it cannot be resealed when the key is rotated).
    pub fn is_legacy_user(&self, user: &str) -> bool {
        self.slots.iter().any(|s| {
            s.kind == SlotKind::User && s.user.as_deref() == Some(user) && s.public_key.is_none()
        })
    }

    /// The slots (user names, or "the recovery key") that are still of format 1.
    pub fn legacy_slots(&self) -> Vec<String> {
        self.slots
            .iter()
            .filter(|s| s.public_key.is_none())
            .map(|s| s.user.clone().unwrap_or_else(|| "the recovery key".into()))
            .collect()
    }

    /// The Argon2id parameters of a slot (`user` `None`: the recovery slot).
    pub fn kdf_of(&self, kind: SlotKind, user: Option<&str>) -> Option<KdfParams> {
        self.slots
            .iter()
            .find(|s| s.kind == kind && s.user.as_deref() == user)
            .map(|s| s.kdf.params)
    }

    /// Whether the recovery slot is still of format 1.
    pub fn is_legacy_recovery(&self) -> bool {
        self.slots
            .iter()
            .any(|s| s.kind == SlotKind::Recovery && s.public_key.is_none())
    }

    /// How many slots the file holds (people and the recovery key).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the file holds no slot at all.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Seals `new_key` to every slot's public key, so that every remaining person (and the
    /// recovery key) opens the new key with the same secret as before, and binds every
    /// public key anew under `new_key`. Refuses (changing nothing) if a slot is still of
    /// format 1 or its public key is not bound to it under `current`
    /// ([`KeySlotFile::check_resealable`]).
    pub fn reseal_all(&mut self, current: &SecretKey, new_key: &SecretKey) -> Result<()> {
        self.check_resealable(current)?;
        let store_id = self.store_id;
        for slot in &mut self.slots {
            let decoded = slot.decode().map_err(Error::invalid)?;
            let Some((pk, _, _)) = decoded.sealed else {
                return Err(Error::invalid("a key slot has no public key"));
            };
            let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&pk)
                .map_err(|_| Error::invalid("a key slot's public key is not an X25519 key"))?;
            let aad = aad(
                AAD_PREFIX_V2,
                store_id,
                slot.id,
                slot.kind,
                slot.user.as_deref(),
            );
            let (enc, sealed) = seal_key(&pk, &aad, new_key)?;
            let pk_bytes: [u8; 32] = pk
                .to_bytes()
                .as_slice()
                .try_into()
                .map_err(|_| Error::invalid("an X25519 public key is not 32 bytes"))?;
            slot.sealed_enc = Some(B64.encode(enc));
            slot.sealed_key = Some(B64.encode(sealed));
            slot.binding = Some(B64.encode(binding(new_key, &aad, &pk_bytes)?));
        }
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
        let user = slot.user.as_deref();
        match decoded.sealed {
            None => {
                let aad = aad(AAD_PREFIX_V1, self.store_id, slot.id, slot.kind, user);
                let plain = crypto::open(&kek, &decoded.nonce, &aad, &decoded.wrapped)?;
                let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().ok()?;
                Some(SecretKey::from_bytes(bytes))
            }
            Some((pk, enc, sealed)) => {
                let aad = aad(AAD_PREFIX_V2, self.store_id, slot.id, slot.kind, user);
                let sk = crypto::open(&kek, &decoded.nonce, &aad, &decoded.wrapped)?;
                let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(&sk).ok()?;
                // The public key is not covered by the additional data; a slot whose
                // public key is not its own secret key's was changed (and a rotation
                // would seal the new database key to someone else), so it is refused.
                if <Kem as hpke::Kem>::sk_to_pk(&sk).to_bytes().as_slice() != pk {
                    return None;
                }
                let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc).ok()?;
                let plain = zeroize::Zeroizing::new(
                    hpke::single_shot_open::<HpkeAead, HpkeKdf, Kem>(
                        &hpke::OpModeR::Base,
                        &sk,
                        &enc,
                        SEAL_INFO,
                        &sealed,
                        &aad,
                    )
                    .ok()?,
                );
                let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().ok()?;
                let key = SecretKey::from_bytes(bytes);
                // A binding that is there must be right (an absent one is added by the
                // caller, now that the public key is proven).
                if self.binding_ok(slot, &key) == Some(false) {
                    return None;
                }
                Some(key)
            }
        }
    }
}

/// The HMAC-SHA256 key that binds public keys to their slots, derived from the database key.
fn binding_key(db_key: &SecretKey) -> Result<zeroize::Zeroizing<[u8; 32]>> {
    let mut okm = zeroize::Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<sha2::Sha256>::new(None, db_key.dangerously_expose())
        .expand(BINDING_INFO, okm.as_mut())
        .map_err(|_| Error::invalid("cannot derive the key-slot binding key"))?;
    Ok(okm)
}

fn binding_mac(db_key: &SecretKey, aad: &[u8], pk: &[u8; 32]) -> Result<hmac::Hmac<sha2::Sha256>> {
    use hmac::Mac as _;
    let key = binding_key(db_key)?;
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key.as_ref())
        .map_err(|_| Error::invalid("cannot key the key-slot binding"))?;
    mac.update(aad);
    mac.update(pk);
    Ok(mac)
}

/// The binding of a slot's public key: HMAC-SHA256(binding key, additional data ‖ public key).
fn binding(db_key: &SecretKey, aad: &[u8], pk: &[u8; 32]) -> Result<[u8; 32]> {
    use hmac::Mac as _;
    Ok(binding_mac(db_key, aad, pk)?.finalize().into_bytes().into())
}

/// Whether `tag` is the binding of `pk` to the slot (compared in constant time).
fn verify_binding(db_key: &SecretKey, aad: &[u8], pk: &[u8; 32], tag: &[u8; 32]) -> bool {
    use hmac::Mac as _;
    binding_mac(db_key, aad, pk).is_ok_and(|mac| mac.verify_slice(tag).is_ok())
}

/// Seals the database key to a slot's public key: (encapsulated key, ciphertext).
fn seal_key(
    pk: &<Kem as hpke::Kem>::PublicKey,
    aad: &[u8],
    key: &SecretKey,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut rng = rand_core_09::UnwrapErr(rand_core_09::OsRng);
    let (enc, sealed) = hpke::single_shot_seal::<HpkeAead, HpkeKdf, Kem, _>(
        &hpke::OpModeS::Base,
        pk,
        SEAL_INFO,
        key.dangerously_expose(),
        aad,
        &mut rng,
    )
    .map_err(|e| Error::invalid(format!("cannot seal the database key: {e}")))?;
    Ok((enc.to_bytes().to_vec(), sealed))
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
        let sealed = match (&self.public_key, &self.sealed_enc, &self.sealed_key) {
            (None, None, None) => None,
            (Some(pk), Some(enc), Some(sealed)) => {
                let pk = decode_fixed::<32>(pk, "public key")?;
                let enc = decode_fixed::<32>(enc, "encapsulated key")?;
                let sealed = B64
                    .decode(sealed)
                    .map_err(|_| "sealed key is not base64".to_string())?;
                if sealed.len() != KEY_LEN + TAG_LEN {
                    return Err(format!(
                        "sealed key has {} bytes, not {}",
                        sealed.len(),
                        KEY_LEN + TAG_LEN
                    ));
                }
                Some((pk, enc, sealed))
            }
            _ => return Err("public key, encapsulated key and sealed key go together".into()),
        };
        Ok(DecodedSlot {
            salt,
            nonce,
            wrapped,
            params: self.kdf.params,
            sealed,
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

fn aad(
    prefix: &[u8],
    store_id: Uuid,
    slot_id: Uuid,
    kind: SlotKind,
    user: Option<&str>,
) -> Vec<u8> {
    let mut aad = Vec::with_capacity(prefix.len() + 33 + user.map_or(0, str::len));
    aad.extend_from_slice(prefix);
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
