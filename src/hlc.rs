//! Hybrid logical clock (Kulkarni et al., 2014): a version stamp that follows wall-clock
//! time but never goes backwards, even when the computer's clock does, and that orders the
//! writes of different installations well enough for "the newer version wins, the loser is
//! kept for review".
//!
//! An [`Hlc`] packs milliseconds since the Unix epoch into the upper 48 bits and a counter
//! into the lower 16, so versions compare as plain integers and fit SQLite's `INTEGER`.

use serde::{Deserialize, Serialize};

/// A hybrid-logical-clock version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc(u64);

const COUNTER_BITS: u32 = 16;
const COUNTER_MASK: u64 = (1 << COUNTER_BITS) - 1;

impl Hlc {
    /// The version before every other.
    pub const ZERO: Hlc = Hlc(0);

    /// A version from its parts.
    pub fn from_parts(millis: u64, counter: u16) -> Hlc {
        Hlc((millis << COUNTER_BITS) | u64::from(counter))
    }

    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> u64 {
        self.0 >> COUNTER_BITS
    }

    /// The logical counter within one millisecond.
    pub fn counter(self) -> u16 {
        // The mask keeps 16 bits, so the cast cannot truncate.
        (self.0 & COUNTER_MASK) as u16
    }

    /// The next version for a local write at wall-clock time `now_millis`: later than
    /// `self` and than the wall clock.
    pub fn tick(self, now_millis: u64) -> Hlc {
        if now_millis > self.millis() {
            Hlc::from_parts(now_millis, 0)
        } else if self.counter() == u16::MAX {
            Hlc::from_parts(self.millis() + 1, 0)
        } else {
            Hlc(self.0 + 1)
        }
    }

    /// The next version after seeing a `remote` version (e.g. in an imported bundle).
    pub fn observe(self, remote: Hlc, now_millis: u64) -> Hlc {
        self.max(remote).tick(now_millis)
    }

    /// The version as stored in SQLite.
    pub fn to_sql(self) -> i64 {
        // 48 bits of milliseconds last until the year 10889; the top bit stays clear.
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }

    /// A version read from SQLite.
    pub fn from_sql(value: i64) -> Hlc {
        Hlc(u64::try_from(value).unwrap_or(0))
    }

    /// Wall-clock milliseconds now.
    pub fn wall_clock_millis() -> u64 {
        let now = chrono::Utc::now().timestamp_millis();
        u64::try_from(now).unwrap_or(0)
    }
}

impl std::fmt::Display for Hlc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:04x}", self.millis(), self.counter())
    }
}

/// Serialized as a string: JSON numbers above 2^53 lose precision in JavaScript.
impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<u64>()
            .map(Hlc)
            .map_err(|_| serde::de::Error::custom("an HLC version is a decimal string"))
    }
}

#[cfg(feature = "ts")]
impl ts_rs::TS for Hlc {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".into()
    }
    fn inline(_: &ts_rs::Config) -> String {
        "string".into()
    }
    fn decl(_: &ts_rs::Config) -> String {
        "type Hlc = string;".into()
    }
    fn decl_concrete(_: &ts_rs::Config) -> String {
        "type Hlc = string;".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_follow_the_wall_clock_and_never_go_back() {
        let a = Hlc::ZERO.tick(1_000);
        assert_eq!((a.millis(), a.counter()), (1_000, 0));
        // Same millisecond: the counter moves.
        let b = a.tick(1_000);
        assert_eq!((b.millis(), b.counter()), (1_000, 1));
        // The clock went backwards: still later than before.
        let c = b.tick(500);
        assert!(c > b);
        assert_eq!(c.millis(), 1_000);
        // A full counter carries into the milliseconds.
        let full = Hlc::from_parts(2_000, u16::MAX);
        assert_eq!(full.tick(2_000), Hlc::from_parts(2_001, 0));
    }

    #[test]
    fn observing_a_remote_version_moves_past_it() {
        let local = Hlc::from_parts(1_000, 3);
        let remote = Hlc::from_parts(5_000, 7);
        let next = local.observe(remote, 2_000);
        assert!(next > remote && next > local);
    }

    #[test]
    fn round_trips_through_sql_and_json() -> Result<(), serde_json::Error> {
        let v = Hlc::from_parts(1_763_900_000_000, 42);
        assert_eq!(Hlc::from_sql(v.to_sql()), v);
        let json = serde_json::to_string(&v)?;
        assert!(json.starts_with('"'));
        assert_eq!(serde_json::from_str::<Hlc>(&json)?, v);
        Ok(())
    }
}
