//! The recovery key: 160 random bits shown once as eight groups of four characters a person
//! can write down and type back (Crockford base32: no I, L, O or U, case-insensitive).

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::random_bytes;
use crate::error::{Error, Result};

/// Crockford's base32 alphabet: no I, L, O or U, so nothing reads as something else.
pub(crate) const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A character as a person typed it, read as Crockford base32 does: case does not matter,
/// and the look-alikes O, I and L are 0, 1 and 1.
pub(crate) fn read_typed(c: char) -> char {
    match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    }
}

/// Bytes in Crockford base32, most significant bit first, in groups of four joined by `-`
/// (trailing bits that do not fill a character are dropped: callers pass multiples of 5
/// bytes). Zeroed on drop, as it may spell a key.
pub(crate) fn crockford_groups(bytes: &[u8]) -> Zeroizing<String> {
    let chars = bytes.len() * 8 / 5;
    let mut out = Zeroizing::new(String::with_capacity(chars + chars / 4));
    let mut acc: u64 = 0;
    let mut bits = 0;
    let mut written = 0;
    for &b in bytes {
        acc = (acc << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if written > 0 && written % 4 == 0 {
                out.push('-');
            }
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
            written += 1;
        }
    }
    acc.zeroize();
    out
}
/// Bytes of entropy in a recovery key.
pub const RECOVERY_KEY_BYTES: usize = 20;
/// Number of four-character groups in a written recovery key.
pub const RECOVERY_KEY_GROUPS: usize = 8;
const CHARS: usize = RECOVERY_KEY_BYTES * 8 / 5;

/// A recovery key, zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; RECOVERY_KEY_BYTES]);

impl RecoveryKey {
    /// A new random recovery key.
    pub fn generate() -> Result<Self> {
        Ok(RecoveryKey(random_bytes()?))
    }

    /// Reads a recovery key as typed: case, spaces and dashes do not matter, and the
    /// look-alikes O, I and L are read as 0, 1 and 1.
    pub fn parse(text: &str) -> Result<Self> {
        let mut symbols = Zeroizing::new(Vec::with_capacity(CHARS));
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = read_typed(c);
            let value = ALPHABET
                .iter()
                .position(|&a| a as char == c)
                .ok_or_else(|| Error::invalid(format!("'{c}' cannot appear in a recovery key; it uses digits and the letters A-Z without U")))?;
            symbols.push(value as u8);
        }
        if symbols.len() != CHARS {
            return Err(Error::invalid(format!(
                "a recovery key has {CHARS} characters in {RECOVERY_KEY_GROUPS} groups; {} were given",
                symbols.len()
            )));
        }
        let mut bytes = [0u8; RECOVERY_KEY_BYTES];
        let mut acc: u64 = 0;
        let mut bits = 0;
        let mut out = 0;
        for &s in symbols.iter() {
            acc = (acc << 5) | u64::from(s);
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes[out] = (acc >> bits) as u8;
                out += 1;
            }
        }
        acc.zeroize();
        Ok(RecoveryKey(bytes))
    }

    /// The key as written down: `XXXX-XXXX-…`, eight groups.
    pub fn to_display(&self) -> Zeroizing<String> {
        crockford_groups(&self.0)
    }

    /// Checks groups typed back by a person (1-based group numbers), as the setup screen
    /// asks, so that nobody finishes setup without having written the key down.
    pub fn confirm_groups(&self, answers: &[(usize, String)]) -> Result<()> {
        if answers.is_empty() {
            return Err(Error::invalid(
                "type back the requested groups of the recovery key",
            ));
        }
        let shown = self.to_display();
        let groups: Vec<&str> = shown.split('-').collect();
        for (number, typed) in answers {
            let expected = number
                .checked_sub(1)
                .and_then(|i| groups.get(i))
                .ok_or_else(|| {
                    Error::invalid(format!("there is no group {number} in a recovery key"))
                })?;
            let normalised: String = typed
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(read_typed)
                .collect();
            if normalised != *expected {
                return Err(Error::invalid(format!(
                    "group {number} does not match the recovery key; check what you wrote down"
                )));
            }
        }
        Ok(())
    }

    /// The raw key bytes. Never log, print or serialize them.
    pub fn dangerously_expose(&self) -> &[u8; RECOVERY_KEY_BYTES] {
        &self.0
    }
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_parse_round_trip() -> Result<()> {
        for _ in 0..50 {
            let key = RecoveryKey::generate()?;
            let shown = key.to_display();
            assert_eq!(shown.len(), 39);
            assert_eq!(shown.split('-').count(), 8);
            let back = RecoveryKey::parse(&shown.to_lowercase())?;
            assert_eq!(back.dangerously_expose(), key.dangerously_expose());
        }
        Ok(())
    }

    #[test]
    fn known_vector() -> Result<()> {
        let key = RecoveryKey([0u8; RECOVERY_KEY_BYTES]);
        assert_eq!(
            key.to_display().as_str(),
            "0000-0000-0000-0000-0000-0000-0000-0000"
        );
        let key = RecoveryKey([0xff; RECOVERY_KEY_BYTES]);
        assert_eq!(
            key.to_display().as_str(),
            "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
        );
        let parsed = RecoveryKey::parse("oooo oooo iiii llll 0000 0000 0000 0000")?;
        assert_eq!(
            parsed.to_display().as_str(),
            "0000-0000-1111-1111-0000-0000-0000-0000"
        );
        Ok(())
    }

    #[test]
    fn typos_are_explained() {
        let err = RecoveryKey::parse("ABCD-EFGH")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("32 characters"), "{err}");
        let err = RecoveryKey::parse("UUUU")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("'U'"), "{err}");
    }

    #[test]
    fn confirm_groups_checks_the_typed_groups() -> Result<()> {
        let key = RecoveryKey::generate()?;
        let shown = key.to_display();
        let groups: Vec<String> = shown.split('-').map(str::to_owned).collect();
        key.confirm_groups(&[(3, groups[2].to_lowercase()), (6, groups[5].clone())])?;
        let wrong = if groups[2] == "AAAA" { "BBBB" } else { "AAAA" };
        assert!(key.confirm_groups(&[(3, wrong.into())]).is_err());
        assert!(key.confirm_groups(&[(9, "AAAA".into())]).is_err());
        assert!(key.confirm_groups(&[]).is_err());
        Ok(())
    }
}
