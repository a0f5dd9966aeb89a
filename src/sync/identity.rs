//! This store's identity (an X25519 key pair to receive bundles, an Ed25519 key pair to sign
//! them), its fingerprint, enrolment files, and the peers pinned at enrolment.
//!
//! Enrolment works like Signal's safety numbers: each side sends the other an enrolment file
//! (public keys only — safe to e-mail), then both read the short fingerprint to each other
//! over the phone. [`Store::enrol`] pins the other side only if the fingerprint typed in
//! matches the file. After that, bundles are checked against the pinned keys.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Utc;
use ed25519_dalek::Signer;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::bundle::format::{OpeningKey, RecipientKey};
use crate::centre::{Country, Mode};
use crate::error::{Error, Result};
use crate::store::Store;

/// Prefix of the fingerprint hash.
const FINGERPRINT_CONTEXT: &[u8] = b"atrama identity v1\0";
/// Prefix of an enrolment file's self-signature.
const ENROLMENT_CONTEXT: &[u8] = b"atrama enrolment v1\0";
/// The `format` field of an enrolment file.
pub const ENROLMENT_FORMAT: &str = "atrama-enrolment";
/// Bytes of the fingerprint shown to people (120 bits: 6 groups of 4 characters).
const SHORT_BYTES: usize = 15;

/// An identity's fingerprint: the full SHA-256 (in bundle headers) and the short form people
/// read aloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Fingerprint {
    /// 64 lowercase hex digits.
    pub hex: String,
    /// Six groups of four Crockford base32 characters, e.g. `7QK2-M9TD-…`.
    pub short: String,
}

impl Fingerprint {
    /// The fingerprint of a pair of public keys.
    pub fn of(x25519: &[u8; 32], ed25519: &[u8; 32]) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(FINGERPRINT_CONTEXT);
        h.update(x25519);
        h.update(ed25519);
        let digest: [u8; 32] = h.finalize().into();
        Fingerprint {
            hex: crate::crypto::hex(&digest),
            short: short_form(&digest[..SHORT_BYTES]),
        }
    }

    /// The short form of a full hex fingerprint (for messages about unknown senders).
    pub fn short_of_hex(hex: &str) -> String {
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        if bytes.len() < SHORT_BYTES {
            return "unknown".into();
        }
        short_form(&bytes[..SHORT_BYTES])
    }
}

fn short_form(bytes: &[u8]) -> String {
    crate::crypto::recovery::crockford_groups(bytes).to_string()
}

/// What a person typed as a fingerprint, normalised: case, spaces and dashes ignored, O/I/L
/// read as 0/1/1.
fn normalise_typed(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(crate::crypto::recovery::read_typed)
        .collect()
}

/// This store's key pairs, loaded from the encrypted database.
pub(crate) struct Identity {
    pub(crate) opening: OpeningKey,
    pub(crate) signing: ed25519_dalek::SigningKey,
}

impl Identity {
    pub(crate) fn public_keys(&self) -> ([u8; 32], [u8; 32]) {
        (
            self.opening.public().to_bytes(),
            self.signing.verifying_key().to_bytes(),
        )
    }

    pub(crate) fn fingerprint(&self) -> Fingerprint {
        let (x, e) = self.public_keys();
        Fingerprint::of(&x, &e)
    }
}

/// Loads this store's identity, creating it the first time.
pub(crate) fn identity(conn: &Connection) -> Result<Identity> {
    let row: Option<(Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT x25519_secret, ed25519_secret FROM sync_identity WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((x, e)) = row {
        let x = Zeroizing::new(x);
        let e = Zeroizing::new(e);
        let opening = OpeningKey::from_bytes(&x).map_err(|_| Error::DatabaseDamaged)?;
        let seed: [u8; 32] = e
            .as_slice()
            .try_into()
            .map_err(|_| Error::DatabaseDamaged)?;
        let seed = Zeroizing::new(seed);
        return Ok(Identity {
            opening,
            signing: ed25519_dalek::SigningKey::from_bytes(&seed),
        });
    }
    let opening = OpeningKey::generate();
    let signing = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    conn.execute(
        "INSERT INTO sync_identity (id, x25519_secret, ed25519_secret, created_at)
         VALUES (1, ?1, ?2, ?3)",
        params![
            opening.dangerously_expose().as_slice(),
            signing.to_bytes().as_slice(),
            Utc::now().to_rfc3339()
        ],
    )?;
    Ok(Identity { opening, signing })
}

/// An enrolment file: one side's public keys and who it is, self-signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentFile {
    /// Always [`ENROLMENT_FORMAT`].
    pub format: String,
    /// Always 1.
    pub version: u32,
    /// The centre's code.
    pub centre_code: String,
    /// The centre's name.
    pub name: String,
    /// `LT`, `LV`, `AZ` or `other`.
    pub country: Country,
    /// `centre` or `coordinator`.
    pub mode: Mode,
    /// X25519 public key, base64.
    pub x25519_public: String,
    /// Ed25519 public key, base64.
    pub ed25519_public: String,
    /// The short fingerprint, for reading aloud (informational: it is recomputed).
    pub fingerprint: String,
    /// When the file was written.
    pub created_at: String,
    /// Ed25519 signature by the file's own key, base64.
    pub signature: String,
}

fn enrolment_message(f: &EnrolmentFile, x: &[u8; 32], e: &[u8; 32]) -> Result<Vec<u8>> {
    let mut m = ENROLMENT_CONTEXT.to_vec();
    m.extend_from_slice(x);
    m.extend_from_slice(e);
    for part in [
        f.centre_code.as_str(),
        f.name.as_str(),
        f.country.code(),
        f.mode.code(),
    ] {
        // A length that does not fit its two bytes would make two files sign alike.
        let len = u16::try_from(part.len())
            .map_err(|_| Error::invalid("a field of the enrolment file is too long"))?;
        m.extend_from_slice(&len.to_be_bytes());
        m.extend_from_slice(part.as_bytes());
    }
    Ok(m)
}

/// An enrolment file read and checked (signature valid), before it is pinned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct EnrolmentInfo {
    /// The other side's centre code.
    pub centre_code: String,
    /// Its name.
    pub name: String,
    /// Its country.
    pub country: Country,
    /// Whether it is a centre or a coordination centre.
    pub mode: Mode,
    /// The fingerprint computed from the keys in the file: the one to compare aloud.
    pub fingerprint: Fingerprint,
}

/// An enrolled peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Peer {
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// Centre code.
    pub centre_code: String,
    /// Name.
    pub name: String,
    /// Country.
    pub country: Country,
    /// Mode.
    pub mode: Mode,
    /// When it was enrolled.
    pub enrolled_at: String,
}

/// A peer with its keys, for sealing and verifying.
pub(crate) struct PeerKeys {
    pub(crate) peer: Peer,
    pub(crate) recipient: RecipientKey,
    pub(crate) verifying: ed25519_dalek::VerifyingKey,
}

fn parse_enrolment(text: &str) -> Result<(EnrolmentFile, [u8; 32], [u8; 32], EnrolmentInfo)> {
    let bad = || {
        Error::invalid(
            "this is not a valid Atrama enrolment file; ask the other side to export it again with `atrama keys export`",
        )
    };
    let f: EnrolmentFile = serde_json::from_str(text).map_err(|_| bad())?;
    if f.format != ENROLMENT_FORMAT {
        return Err(bad());
    }
    if f.version == 0 {
        return Err(bad());
    }
    if f.version > 1 {
        return Err(Error::NewerVersion {
            what: "enrolment file",
            found: i64::from(f.version),
            supported: 1,
        });
    }
    let x: [u8; 32] = B64
        .decode(&f.x25519_public)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    let e: [u8; 32] = B64
        .decode(&f.ed25519_public)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    let sig: [u8; 64] = B64
        .decode(&f.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&e).map_err(|_| bad())?;
    RecipientKey::from_bytes(&x).map_err(|_| bad())?;
    // Everything read from the file that is kept or shown follows the rules a centre's own
    // profile follows; the message never repeats the name (it may hold terminal controls).
    if crate::centre::normalise_centre_name(&f.name)
        .ok()
        .as_deref()
        != Some(f.name.as_str())
    {
        return Err(Error::invalid(format!(
            "the enrolment file's centre name is not valid (it must be 1 to {} characters on one line, without control or invisible characters, and without spaces around it); nothing was enrolled — ask the other side to correct their centre name and send a new enrolment file",
            crate::centre::MAX_CENTRE_NAME
        )));
    }
    if crate::centre::normalise_centre_code(&f.centre_code)
        .ok()
        .as_deref()
        != Some(f.centre_code.as_str())
    {
        return Err(bad());
    }
    vk.verify_strict(
        &enrolment_message(&f, &x, &e)?,
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .map_err(|_| {
        Error::invalid(
            "the enrolment file was changed after it was written (its signature does not match); ask for a fresh copy",
        )
    })?;
    let info = EnrolmentInfo {
        centre_code: f.centre_code.clone(),
        name: f.name.clone(),
        country: f.country,
        mode: f.mode,
        fingerprint: Fingerprint::of(&x, &e),
    };
    Ok((f, x, e, info))
}

/// The largest enrolment file read (a real one is under 1 KiB).
const MAX_ENROLMENT_FILE: u64 = 64 * 1024;

/// Reads an enrolment file from disk, refusing anything too large to be one.
pub fn read_enrolment_file(path: &Path) -> Result<String> {
    let not_one = || {
        Error::invalid(format!(
            "{} is not an Atrama enrolment file; choose the .enrol file the other side sent",
            path.display()
        ))
    };
    // Read once, and never more than the limit (the file may grow after a size check).
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_ENROLMENT_FILE + 1),
        &mut bytes,
    )
    .map_err(Error::io(path))?;
    if bytes.len() as u64 > MAX_ENROLMENT_FILE {
        return Err(not_one());
    }
    String::from_utf8(bytes).map_err(|_| not_one())
}

const PEER_COLUMNS: &str = "fingerprint, centre_code, name, country, mode, enrolled_at,
                            x25519_public, ed25519_public";

/// A `sync_peer` row as read (columns in [`PEER_COLUMNS`] order).
type PeerRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
    Vec<u8>,
);

fn peer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PeerRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

pub(crate) fn peer_by(conn: &Connection, column: &str, value: &str) -> Result<Option<PeerKeys>> {
    let sql = format!("SELECT {PEER_COLUMNS} FROM sync_peer WHERE {column} = ?1");
    conn.query_row(&sql, [value], peer_row)
        .optional()?
        .map(peer_keys)
        .transpose()
}

fn peer_keys((hex, code, name, country, mode, at, x, e): PeerRow) -> Result<PeerKeys> {
    let e: [u8; 32] = e.try_into().map_err(|_| Error::DatabaseDamaged)?;
    Ok(PeerKeys {
        peer: Peer {
            fingerprint: Fingerprint {
                short: Fingerprint::short_of_hex(&hex),
                hex,
            },
            centre_code: code,
            name,
            country: Country::parse(&country)?,
            mode: Mode::parse(&mode)?,
            enrolled_at: at,
        },
        recipient: RecipientKey::from_bytes(&x).map_err(|_| Error::DatabaseDamaged)?,
        verifying: ed25519_dalek::VerifyingKey::from_bytes(&e)
            .map_err(|_| Error::DatabaseDamaged)?,
    })
}

impl Store {
    /// This store's fingerprint (its identity is created the first time it is asked for).
    pub fn fingerprint(&self) -> Result<Fingerprint> {
        Ok(identity(&self.conn)?.fingerprint())
    }

    /// This store's enrolment file (JSON): public keys, centre code, name, mode. Safe to
    /// e-mail.
    pub fn enrolment_file(&self) -> Result<String> {
        let id = identity(&self.conn)?;
        let profile = self.profile()?;
        let (x, e) = id.public_keys();
        let mut f = EnrolmentFile {
            format: ENROLMENT_FORMAT.into(),
            version: 1,
            centre_code: profile.code,
            name: profile.name,
            country: profile.country,
            mode: profile.mode,
            x25519_public: B64.encode(x),
            ed25519_public: B64.encode(e),
            fingerprint: id.fingerprint().short,
            created_at: Utc::now().to_rfc3339(),
            signature: String::new(),
        };
        f.signature = B64.encode(id.signing.sign(&enrolment_message(&f, &x, &e)?).to_bytes());
        serde_json::to_string_pretty(&f)
            .map_err(|e| Error::invalid(format!("cannot write the enrolment file: {e}")))
    }

    /// Writes this store's enrolment file to `out` (atomically); returns its size in bytes.
    pub fn write_enrolment_file(&self, out: &Path) -> Result<u64> {
        let text = self.enrolment_file()?;
        crate::atomic_file::write(out, text.as_bytes())?;
        Ok(text.len() as u64)
    }

    /// Reads an enrolment file and checks its signature, without pinning anything: the app
    /// shows the fingerprint large so that it can be compared over the phone.
    pub fn inspect_enrolment(&self, text: &str) -> Result<EnrolmentInfo> {
        Ok(parse_enrolment(text)?.3)
    }

    /// Pins the other side of an enrolment file, only if `typed_fingerprint` (as read aloud
    /// by the other side) matches the keys in the file.
    pub fn enrol(&mut self, text: &str, typed_fingerprint: &str) -> Result<Peer> {
        self.require(crate::admin::Permission::EnrolPeers)?;
        let (f, x, e, info) = parse_enrolment(text)?;
        if normalise_typed(typed_fingerprint) != normalise_typed(&info.fingerprint.short) {
            return Err(Error::invalid(
                "the fingerprint does not match this enrolment file; do not enrol — call the other side on a number you know and compare it again, group by group",
            ));
        }
        let me = identity(&self.conn)?.fingerprint();
        if me.hex == info.fingerprint.hex {
            return Err(Error::invalid(
                "this is this store's own enrolment file; enrol the other side's file",
            ));
        }
        let profile = self.profile()?;
        match (profile.mode, f.mode) {
            // A centre also enrols another centre to transfer cases to it (and receive them).
            (Mode::Centre | Mode::Coordinator, Mode::Centre)
            | (Mode::Centre, Mode::Coordinator) => {}
            (Mode::Coordinator, Mode::Coordinator) => {
                return Err(Error::invalid(
                    "a coordination centre enrols its centres, not another coordination centre",
                ));
            }
        }
        if f.centre_code == profile.code {
            return Err(Error::invalid(format!(
                "the other side uses this store's own centre code {}; one of the two codes must be changed",
                f.centre_code
            )));
        }
        if let Some(existing) = peer_by(&self.conn, "centre_code", &f.centre_code)? {
            if existing.peer.fingerprint.hex == info.fingerprint.hex {
                return Ok(existing.peer);
            }
            return Err(Error::invalid(format!(
                "centre {} is already enrolled with other keys (fingerprint {}); if it really has new keys, remove the old enrolment first",
                f.centre_code, existing.peer.fingerprint.short
            )));
        }
        // A centre reports to one coordination centre; the count matters only when the new
        // peer is one (a centre enrolled for transfers is not).
        if profile.mode == Mode::Centre && f.mode == Mode::Coordinator {
            let coordinators: i64 = self.conn.query_row(
                "SELECT count(*) FROM sync_peer WHERE mode = 'coordinator'",
                [],
                |r| r.get(0),
            )?;
            if coordinators > 0 {
                return Err(Error::invalid(
                    "this centre already has a coordination centre enrolled; a centre reports to one coordination centre",
                ));
            }
        }
        let at = Utc::now().to_rfc3339();
        self.conn.execute(
            "INSERT INTO sync_peer (fingerprint, centre_code, name, country, mode, x25519_public,
                                    ed25519_public, enrolled_at, enrolled_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                info.fingerprint.hex,
                f.centre_code,
                f.name,
                f.country.code(),
                f.mode.code(),
                x.as_slice(),
                e.as_slice(),
                at,
                self.user()
            ],
        )?;
        self.log_access(
            crate::audit::Action::Enrol,
            None,
            Some(&format!(
                "enrolled {} ({})",
                f.centre_code, info.fingerprint.short
            )),
        )?;
        Ok(Peer {
            fingerprint: info.fingerprint,
            centre_code: f.centre_code,
            name: f.name,
            country: f.country,
            mode: f.mode,
            enrolled_at: at,
        })
    }

    /// The enrolled peers, by centre code.
    pub fn peers(&self) -> Result<Vec<Peer>> {
        let rows: Vec<PeerRow> = self
            .conn
            .prepare(&format!(
                "SELECT {PEER_COLUMNS} FROM sync_peer ORDER BY centre_code"
            ))?
            .query_map([], peer_row)?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|row| peer_keys(row).map(|k| k.peer))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_fingerprints_are_six_groups_and_typing_is_forgiving() {
        let f = Fingerprint::of(&[1; 32], &[2; 32]);
        assert_eq!(f.hex.len(), 64);
        assert_eq!(f.short.len(), 6 * 4 + 5);
        assert_eq!(Fingerprint::short_of_hex(&f.hex), f.short);
        let typed = f.short.to_lowercase().replace('-', " ");
        assert_eq!(normalise_typed(&typed), normalise_typed(&f.short));
        assert_ne!(f, Fingerprint::of(&[1; 32], &[3; 32]));
    }
}
