//! Key material and the few cryptographic operations the store needs, all from
//! RustCrypto crates: Argon2id to stretch a passphrase into a key-encryption key, and
//! AES-256-GCM to wrap the database key.
//!
//! Secret types have no `Serialize`, a redacted `Debug`, and are zeroed on drop; the raw
//! bytes are reached only through methods named `dangerously_*`.

pub(crate) mod recovery;

pub use recovery::{RECOVERY_KEY_BYTES, RECOVERY_KEY_GROUPS, RecoveryKey};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};

/// Length of every symmetric key, in bytes (256 bits).
pub const KEY_LEN: usize = 32;
/// Length of an AES-GCM nonce, in bytes.
pub const NONCE_LEN: usize = 12;
/// Length of an Argon2 salt, in bytes.
pub const SALT_LEN: usize = 16;
/// Length of an AES-GCM authentication tag, in bytes.
pub const TAG_LEN: usize = 16;

/// A 256-bit symmetric key, zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; KEY_LEN]);

impl SecretKey {
    /// A new key from the operating system's random number generator.
    pub fn random() -> Result<Self> {
        Ok(SecretKey(random_bytes()?))
    }

    /// Takes ownership of raw key bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        SecretKey(bytes)
    }

    /// The raw key bytes. Never log, print or serialize them.
    pub fn dangerously_expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The key as 64 lowercase hex characters, in a buffer zeroed on drop.
    pub fn dangerously_expose_hex(&self) -> Zeroizing<String> {
        // `hex` allocates its exact size once, so no copy of the key is left behind.
        Zeroizing::new(hex(&self.0))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A person's passphrase, zeroed on drop.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

/// The shortest passphrase accepted for a new key slot, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

impl Passphrase {
    /// Wraps a passphrase as typed.
    pub fn new(text: impl Into<String>) -> Self {
        Passphrase(Zeroizing::new(text.into()))
    }

    /// Checks that a passphrase is acceptable for a new key slot.
    pub fn check_new(&self) -> Result<()> {
        let chars = self.0.chars().count();
        if chars < MIN_PASSPHRASE_CHARS {
            return Err(Error::invalid(format!(
                "the passphrase is too short ({chars} characters); use at least {MIN_PASSPHRASE_CHARS}, for example a few words only you know"
            )));
        }
        if self.0.trim().is_empty() {
            return Err(Error::invalid(
                "the passphrase is only spaces; use words only you know",
            ));
        }
        Ok(())
    }

    /// The passphrase bytes (UTF-8). Never log, print or serialize them.
    pub fn dangerously_expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// Argon2id cost parameters, stored with every key slot so they can be raised later
/// without breaking old slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The parameters new key slots get.
    ///
    /// # Why these
    /// RFC 9106's second recommended option (64 MiB, 3 passes) is what OWASP also lists;
    /// it takes about 0.1 s on the project's 2-core machines (see `docs/performance.md`),
    /// which leaves a 3-4x margin under the 0.5 s an unlock may take on an old office
    /// laptop, and makes every guess at a stolen key-slot file cost 64 MiB of memory.
    /// One lane, because the `argon2` crate computes lanes sequentially anyway.
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };

    /// Cheap parameters for tests and fixtures only: never for real stores.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    /// Rejects parameters a damaged or hostile key-slot file could use to exhaust memory
    /// or time.
    pub fn check_bounds(&self) -> std::result::Result<(), String> {
        if !(8..=4 * 1024 * 1024).contains(&self.m_kib) {
            return Err(format!("Argon2 memory {} KiB is out of range", self.m_kib));
        }
        if !(1..=64).contains(&self.t) {
            return Err(format!("Argon2 passes {} out of range", self.t));
        }
        if !(1..=16).contains(&self.p) {
            return Err(format!("Argon2 lanes {} out of range", self.p));
        }
        Ok(())
    }
}

/// Derives a key-encryption key from a secret (passphrase or recovery key) with Argon2id.
pub fn derive_kek(secret: &[u8], salt: &[u8; SALT_LEN], params: KdfParams) -> Result<SecretKey> {
    let argon_params = argon2::Params::new(params.m_kib, params.t, params.p, Some(KEY_LEN))
        .map_err(|e| Error::invalid(format!("unusable key-derivation parameters: {e}")))?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut out = [0u8; KEY_LEN];
    argon
        .hash_password_into(secret, salt, &mut out)
        .map_err(|e| Error::invalid(format!("key derivation failed: {e}")))?;
    Ok(SecretKey(out))
}

/// Encrypts `plaintext` with AES-256-GCM, binding `aad`. Returns ciphertext with its tag.
pub fn seal(key: &SecretKey, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.dangerously_expose().into());
    let payload = Payload {
        msg: plaintext,
        aad,
    };
    // Encryption fails only for messages over 64 GiB, which a key slot never is.
    cipher
        .encrypt(Nonce::from_slice(nonce), payload)
        .unwrap_or_default()
}

/// Decrypts and authenticates; `None` if the key, nonce, data or `aad` do not match.
/// Deliberately says nothing about which.
pub fn open(
    key: &SecretKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = Aes256Gcm::new(key.dangerously_expose().into());
    let payload = Payload {
        msg: ciphertext,
        aad,
    };
    cipher
        .decrypt(Nonce::from_slice(nonce), payload)
        .ok()
        .map(Zeroizing::new)
}

/// Bytes as lowercase hex, in one allocation of the exact size.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
    out
}

/// `N` bytes from the operating system's random number generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out).map_err(|e| Error::Random(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper_detection() -> Result<()> {
        let key = SecretKey::random()?;
        let nonce = random_bytes::<NONCE_LEN>()?;
        let sealed = seal(&key, &nonce, b"aad", b"database key");
        assert_eq!(sealed.len(), 12 + TAG_LEN);
        let opened = open(&key, &nonce, b"aad", &sealed).expect("opens");
        assert_eq!(opened.as_slice(), b"database key");
        assert!(open(&key, &nonce, b"other aad", &sealed).is_none());
        let mut flipped = sealed.clone();
        flipped[0] ^= 1;
        assert!(open(&key, &nonce, b"aad", &flipped).is_none());
        assert!(open(&SecretKey::random()?, &nonce, b"aad", &sealed).is_none());
        Ok(())
    }

    #[test]
    fn kdf_depends_on_every_input() -> Result<()> {
        let p = KdfParams::INSECURE_FOR_TESTS;
        let salt = [7u8; SALT_LEN];
        let a = derive_kek(b"correct horse", &salt, p)?;
        assert_eq!(
            a.dangerously_expose(),
            derive_kek(b"correct horse", &salt, p)?.dangerously_expose()
        );
        assert_ne!(
            a.dangerously_expose(),
            derive_kek(b"correct horsf", &salt, p)?.dangerously_expose()
        );
        assert_ne!(
            a.dangerously_expose(),
            derive_kek(b"correct horse", &[8u8; SALT_LEN], p)?.dangerously_expose()
        );
        let p2 = KdfParams { t: 2, ..p };
        assert_ne!(
            a.dangerously_expose(),
            derive_kek(b"correct horse", &salt, p2)?.dangerously_expose()
        );
        Ok(())
    }

    #[test]
    fn secrets_do_not_leak_through_debug() -> Result<()> {
        let key = SecretKey::from_bytes([0xab; KEY_LEN]);
        let shown = format!("{key:?} {:?}", Passphrase::new("hunter2hunter2"));
        assert!(
            !shown.contains("ab") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(shown.contains("redacted"));
        assert_eq!(key.dangerously_expose_hex().as_str(), "ab".repeat(32));
        Ok(())
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(Passphrase::new("short").check_new().is_err());
        assert!(Passphrase::new("           ").check_new().is_err());
        assert!(Passphrase::new("three words here").check_new().is_ok());
    }

    #[test]
    fn absurd_kdf_parameters_are_refused() {
        assert!(KdfParams::DEFAULT.check_bounds().is_ok());
        assert!(
            KdfParams {
                m_kib: u32::MAX,
                ..KdfParams::DEFAULT
            }
            .check_bounds()
            .is_err()
        );
        assert!(
            KdfParams {
                t: 0,
                ..KdfParams::DEFAULT
            }
            .check_bounds()
            .is_err()
        );
        assert!(
            KdfParams {
                p: 1000,
                ..KdfParams::DEFAULT
            }
            .check_bounds()
            .is_err()
        );
    }
}
