//! The keyed derivations of payload format 2 (`docs/bundle-format.md` §7.2): what a
//! recipient sees in place of the centre's own ids, pseudonyms and case numbers, and the
//! record versions that order updates without a clock.
//!
//! - **Ids.** Every id in a pseudonymised row (`id`, `client_id`, `case_id`, `supersedes`,
//!   `consent_event_id`, `owner_install`, and the `case_id` of `withdraw` and `purge` lines) is
//!   HMAC-SHA256 under the store's **pseudonym key** (32 random bytes drawn once, kept in the
//!   encrypted database, `store_meta.pseudonym_key`) of the recipient's fingerprint and the
//!   id, cut to 16 bytes and shaped as a UUIDv4. The same record keeps its id from bundle to
//!   bundle (so updates and withdrawals find it), two recipients see unrelated ids, and
//!   without the key nothing links a derived id to the centre's UUIDv7 (which holds its
//!   creation time to the millisecond).
//! - **Pseudonym and case reference.** The client's pseudonym and the case's number are
//!   replaced by `CENTRE:XXXXX-XXXXX`, ten Crockford base32 characters of the same HMAC
//!   (other labels): nothing typed by a person, nothing printed on a letter.
//! - **Versions.** A record's `version` is a counter per case (per client for a client
//!   row): each exported change of any record of the case takes the next number, in the
//!   order of the changes. It orders the updates of a record, and the events of a case,
//!   without saying when anything happened (`sync_version`, migration 14).

use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

const KEY_NAME: &str = "pseudonym_key";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The store's pseudonym key, drawn (from the operating system's generator) the first time a
/// pseudonymised bundle is written. Never leaves the encrypted database.
pub struct PseudonymKey {
    key: Zeroizing<Vec<u8>>,
    recipient: String,
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(<redacted>)")
    }
}

/// The store's key (made if it has none yet), bound to one recipient's fingerprint (hex).
pub(crate) fn key_for(conn: &Connection, recipient: &str) -> Result<PseudonymKey> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM store_meta WHERE key = ?1",
            [KEY_NAME],
            |r| r.get(0),
        )
        .optional()?;
    let hex_key = match stored {
        Some(k) => Zeroizing::new(k),
        None => {
            let mut bytes = Zeroizing::new([0u8; 32]);
            rand_core_09::TryRngCore::try_fill_bytes(&mut rand_core_09::OsRng, bytes.as_mut())
                .map_err(|e| Error::invalid(format!("cannot draw a random key: {e}")))?;
            let hex = Zeroizing::new(crate::crypto::hex(bytes.as_ref()));
            conn.execute(
                "INSERT INTO store_meta (key, value) VALUES (?1, ?2)",
                params![KEY_NAME, hex.as_str()],
            )?;
            hex
        }
    };
    let key = decode_hex(&hex_key).ok_or_else(|| {
        Error::invalid("the store's pseudonym key is damaged; restore the store from a backup")
    })?;
    Ok(PseudonymKey {
        key,
        recipient: recipient.to_owned(),
    })
}

fn decode_hex(s: &str) -> Option<Zeroizing<Vec<u8>>> {
    if s.len() != 64 {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(32));
    for pair in s.as_bytes().chunks(2) {
        let text = std::str::from_utf8(pair).ok()?;
        out.push(u8::from_str_radix(text, 16).ok()?);
    }
    Some(out)
}

impl PseudonymKey {
    /// A key from its 32 bytes (tests and the golden fixture).
    pub fn from_bytes(key: &[u8; 32], recipient: &str) -> Self {
        PseudonymKey {
            key: Zeroizing::new(key.to_vec()),
            recipient: recipient.to_owned(),
        }
    }

    /// HMAC-SHA256(key, label ‖ 0x00 ‖ recipient fingerprint (64 hex digits) ‖ 0x00 ‖ value).
    fn mac(&self, label: &str, value: &str) -> [u8; 32] {
        #[allow(
            clippy::expect_used,
            reason = "HMAC takes a key of any length; 32 bytes cannot fail"
        )]
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC accepts any key");
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(self.recipient.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The id the recipient sees for one of the centre's ids: a UUIDv4-shaped value.
    pub fn id(&self, id: &str) -> String {
        let mac = self.mac("atrama pseudonymous id v2", id);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&mac[..16]);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// `CENTRE:XXXXX-XXXXX` for a client (`label` `pseudonym`) or a case (`case`).
    pub fn reference(&self, label: &str, centre: &str, id: &str) -> String {
        let mac = self.mac(&format!("atrama {label} v2"), id);
        // 50 bits: the first 7 bytes, most significant bit first, ten 5-bit groups.
        let mut bits: u64 = 0;
        for b in &mac[..7] {
            bits = (bits << 8) | u64::from(*b);
        }
        bits >>= 6;
        let mut chars = [0u8; 10];
        for (i, c) in chars.iter_mut().enumerate() {
            let shift = 5 * (9 - i);
            *c = CROCKFORD[usize::try_from((bits >> shift) & 31).unwrap_or(0)];
        }
        let text = String::from_utf8_lossy(&chars);
        format!("{centre}:{}-{}", &text[..5], &text[5..])
    }
}

/// The version a record leaves with: the number it was given when this state of it (its
/// HLC and `digest`, a hash of the columns it leaves with) first left, or the next number
/// of its scope (its case, or itself for a client or case row). Call in the order of the
/// changes (by HLC) so that numbers follow them. The digest matters on a centre of several
/// computers: a change merged from another computer may be older than the record's HLC,
/// so the content changes and the HLC does not (migration 0026).
pub(crate) fn version(
    conn: &Connection,
    record: &str,
    scope: &str,
    hlc: i64,
    digest: &[u8],
) -> Result<i64> {
    let known: Option<(i64, Option<Vec<u8>>, i64)> = conn
        .prepare_cached("SELECT hlc, digest, version FROM sync_version WHERE record_id = ?1")?
        .query_row([record], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((h, d, v)) = known
        && h == hlc
        && d.as_deref() == Some(digest)
    {
        return Ok(v);
    }
    let next: i64 = conn
        .prepare_cached("SELECT coalesce(max(version), 0) + 1 FROM sync_version WHERE scope = ?1")?
        .query_row([scope], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO sync_version (record_id, scope, hlc, version, digest) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (record_id) DO UPDATE SET scope = ?2, hlc = ?3, version = ?4, digest = ?5",
    )?
    .execute(params![record, scope, hlc, next, digest])?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuidv4_shaped_stable_and_differ_by_recipient_and_key() {
        let a = PseudonymKey::from_bytes(&[7; 32], &"a".repeat(64));
        let b = PseudonymKey::from_bytes(&[7; 32], &"b".repeat(64));
        let c = PseudonymKey::from_bytes(&[8; 32], &"a".repeat(64));
        let raw = "01930000-0000-7000-8000-000000000001";
        let id = a.id(raw);
        let parsed = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(id, a.id(raw));
        assert_ne!(id, b.id(raw));
        assert_ne!(id, c.id(raw));
        assert_ne!(id, a.id("01930000-0000-7000-8000-000000000002"));
    }

    #[test]
    fn references_are_ten_crockford_characters_after_the_centre() {
        let k = PseudonymKey::from_bytes(&[7; 32], &"a".repeat(64));
        let r = k.reference("pseudonym", "KLP-01", "x");
        let (centre, rest) = r.split_once(':').unwrap();
        assert_eq!(centre, "KLP-01");
        assert_eq!(rest.len(), 11);
        assert!(
            rest.chars()
                .all(|c| c == '-' || CROCKFORD.contains(&(c as u8)))
        );
        assert_ne!(r, k.reference("case", "KLP-01", "x"));
    }
}
