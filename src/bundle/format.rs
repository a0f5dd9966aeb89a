//! Bundle format v1: the exact bytes of a bundle file, sealing and opening.
//! `docs/bundle-format.md` is the specification; this module is its reference
//! implementation and must agree with it byte for byte.
//!
//! ```text
//! magic "ATRAMA\x1aB" (8) | version u16 BE (=1) | header length u32 BE | header (JSON)
//! | chunk 0 | chunk 1 | … | last chunk | Ed25519 signature (64)
//! ```
//!
//! - The header is a UTF-8 JSON object ([`Header`]) with routing facts only, the
//!   HPKE-encapsulated key and the wrapped content key.
//! - The content key (32 random bytes, one per bundle) is sealed for the recipient's X25519
//!   key with RFC 9180 HPKE, base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//!   AES-256-GCM; `info` = [`HPKE_INFO`], `aad` = the bundle id's 16 bytes.
//! - The payload is a zstd frame, split into chunks of `chunk_size` bytes, each encrypted
//!   with AES-256-GCM under the content key (STREAM, big-endian 32-bit counter + last-chunk
//!   flag: nonce = 7 zero bytes ‖ counter u32 BE ‖ flag byte) with SHA-256(prefix) as
//!   additional data, where "prefix" is every byte from the magic to the end of the header.
//! - The signature is Ed25519 (RFC 8032, pure) over [`SIGNATURE_CONTEXT`] ‖
//!   SHA-256(every byte before the signature).
//! - The bundle's hash, which chains bundles and acknowledgements name, is SHA-256 of the
//!   whole file.
//!
//! # Frozen
//! The header's field names and meanings, the byte layout and the constants here never
//! change within format version 1; a change is a new version, and readers keep reading
//! every version ever shipped (`tests/fixtures/bundle-v1/`).

use std::io::{self, Read, Seek, SeekFrom, Write};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::aead::{KeyInit, generic_array::GenericArray};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use hpke::{Deserializable, Kem as _, Serializable};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::crypto::hex;
use crate::error::{Error, Result};

/// The first eight bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"ATRAMA\x1aB";
/// The format version this build writes and the newest it reads. Version 2 keeps version
/// 1's layout and constants; its payload is payload format 2 (`docs/bundle-format.md` §9).
/// Version 1 is still read.
pub const FORMAT_VERSION: u16 = 2;
/// Plaintext bytes per chunk.
pub const CHUNK_SIZE: u32 = 64 * 1024;
/// The AES-GCM tag on each chunk.
pub const TAG_LEN: usize = 16;
/// An Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// HPKE `info` for the content key.
pub const HPKE_INFO: &[u8] = b"atrama bundle v1 content key";
/// Prefix of the signed message.
pub const SIGNATURE_CONTEXT: &[u8] = b"atrama bundle v1 signature\0";
/// The largest header a reader accepts.
pub const MAX_HEADER_LEN: u32 = 64 * 1024;
/// Bytes before the header: magic, version, header length.
pub const PREFIX_LEN: usize = 8 + 2 + 4;
/// The highest sequence number a reader accepts (2^53 − 1: exact in every consumer, far
/// beyond a bundle a day for ever). Sequence numbers start at 1.
pub const MAX_SEQUENCE: u64 = (1 << 53) - 1;
/// The zstd level payloads are compressed with.
pub const ZSTD_LEVEL: i32 = 3;

type Kem = hpke::kem::X25519HkdfSha256;
type HpkeAead = hpke::aead::AesGcm256;
type Kdf = hpke::kdf::HkdfSha256;

/// The 32-byte SHA-256 of an identity's public keys, written as 64 lowercase hex digits.
pub type FingerprintHex = String;

/// What a bundle is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum BundleKind {
    /// A centre's records or statistics for its coordination centre.
    CentreExport,
    /// The coordination centre's answer: acknowledgements and reference data.
    Return,
    /// One case moving to another centre, with the client's consent.
    Transfer,
    /// Changes between the installations (computers) of one centre (`docs/peers.md`).
    PeerSync,
}

impl BundleKind {
    /// `centre_export`, `return` or `transfer`, as stored and serialised.
    pub fn code(self) -> &'static str {
        match self {
            BundleKind::CentreExport => "centre_export",
            BundleKind::Return => "return",
            BundleKind::Transfer => "transfer",
            BundleKind::PeerSync => "peer_sync",
        }
    }
}

/// A month range, `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Period {
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
}

impl Period {
    /// The months `from` to `to` (each `YYYY-MM`, as a person types them), checked: both
    /// real months, `from` not after `to`.
    pub fn months(from: &str, to: &str) -> Result<Period> {
        let month = |text: &str| -> Result<String> {
            let text = text.trim();
            let ok = text.len() == 7
                && chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").is_ok();
            if ok {
                Ok(text.to_owned())
            } else {
                Err(Error::invalid(format!(
                    "'{text}' is not a month; write it as YYYY-MM, e.g. 2026-10"
                )))
            }
        };
        let (from, to) = (month(from)?, month(to)?);
        if from > to {
            return Err(Error::invalid(format!(
                "the period starts ({from}) after it ends ({to}); swap the two months"
            )));
        }
        Ok(Period { from, to })
    }
}

/// The plaintext header: routing facts only. Frozen for format version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// UUIDv7 of this bundle.
    pub bundle_id: Uuid,
    /// What the bundle is for.
    pub kind: BundleKind,
    /// Fingerprint of the sender's identity.
    pub sender: FingerprintHex,
    /// Fingerprint of the recipient's identity.
    pub recipient: FingerprintHex,
    /// The sender's sequence number towards this recipient (1, 2, …).
    pub sequence: u64,
    /// The months the bundle reports on.
    pub period: Option<Period>,
    /// When it was sealed (RFC 3339, UTC).
    pub created_at: String,
    /// The version of Atrama that wrote it.
    pub app_version: String,
    /// The sender's schema version.
    pub schema_version: i64,
    /// The sender's code-list version.
    pub codes_version: String,
    /// SHA-256 (hex) of the sender's previous bundle to this recipient, if any.
    pub prev_hash: Option<String>,
    /// HPKE encapsulated key (base64, 32 bytes).
    pub hpke_enc: String,
    /// The content key sealed with HPKE (base64, 48 bytes).
    pub wrapped_key: String,
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    /// Always `zstd` in version 1.
    pub compression: String,
}

/// The routing facts a sender chooses; the cryptographic fields are filled in by
/// [`seal`].
#[derive(Debug, Clone)]
pub struct Routing {
    /// UUIDv7 of the bundle.
    pub bundle_id: Uuid,
    /// What the bundle is for.
    pub kind: BundleKind,
    /// Sender's fingerprint.
    pub sender: FingerprintHex,
    /// Recipient's fingerprint.
    pub recipient: FingerprintHex,
    /// Sequence number.
    pub sequence: u64,
    /// Months covered.
    pub period: Option<Period>,
    /// Sealing time (RFC 3339).
    pub created_at: String,
    /// Writer's app version.
    pub app_version: String,
    /// Writer's schema version.
    pub schema_version: i64,
    /// Writer's code-list version.
    pub codes_version: String,
    /// Hash of the previous bundle to this recipient.
    pub prev_hash: Option<String>,
}

/// An X25519 public key to seal for.
#[derive(Clone)]
pub struct RecipientKey(<Kem as hpke::Kem>::PublicKey);

impl RecipientKey {
    /// From its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        <Kem as hpke::Kem>::PublicKey::from_bytes(bytes)
            .map(RecipientKey)
            .map_err(|_| Error::invalid("not an X25519 public key"))
    }

    /// Its 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.0.to_bytes());
        out
    }
}

/// An X25519 private key to open bundles with. Zeroized on drop by the HPKE crate; no
/// `Debug`, no `Serialize`.
pub struct OpeningKey(<Kem as hpke::Kem>::PrivateKey);

impl OpeningKey {
    /// A new random key.
    pub fn generate() -> Self {
        let (sk, _) = Kem::gen_keypair(&mut rand_core_09::UnwrapErr(rand_core_09::OsRng));
        OpeningKey(sk)
    }

    /// From its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map(OpeningKey)
            .map_err(|_| Error::invalid("not an X25519 private key"))
    }

    /// Its 32 secret bytes, for storing inside the encrypted database only.
    pub fn dangerously_expose(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.to_bytes().to_vec())
    }

    /// The matching public key.
    pub fn public(&self) -> RecipientKey {
        RecipientKey(Kem::sk_to_pk(&self.0))
    }
}

impl std::fmt::Debug for OpeningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpeningKey(<redacted>)")
    }
}

/// The prefix (magic, version, header length, header) as written.
fn prefix_bytes(version: u16, header: &Header) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(header)
        .map_err(|e| Error::invalid(format!("cannot write the bundle header: {e}")))?;
    let len = u32::try_from(json.len())
        .ok()
        .filter(|&l| l <= MAX_HEADER_LEN)
        .ok_or_else(|| Error::invalid("the bundle header is too large"))?;
    let mut out = Vec::with_capacity(PREFIX_LEN + json.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&json);
    Ok(out)
}

/// Writes hashed bytes to the file.
struct Hashing<W: Write> {
    out: W,
    hash: Sha256,
    written: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hash.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Splits the compressed stream into chunks and encrypts each. A full chunk is held back
/// until more data arrives, because only at [`ChunkWriter::finish`] is it known which
/// chunk is the last.
struct ChunkWriter<W: Write> {
    out: Hashing<W>,
    enc: Option<EncryptorBE32<Aes256Gcm>>,
    aad: [u8; 32],
    buf: Vec<u8>,
    chunk: usize,
}

impl<W: Write> ChunkWriter<W> {
    fn emit_full(&mut self) -> io::Result<()> {
        let enc = self
            .enc
            .as_mut()
            .ok_or_else(|| io::Error::other("bundle already finished"))?;
        let mut block: Vec<u8> = self.buf.drain(..self.chunk).collect();
        enc.encrypt_next_in_place(&self.aad, &mut block)
            .map_err(|_| io::Error::other("chunk encryption failed"))?;
        self.out.write_all(&block)
    }

    fn finish(mut self) -> io::Result<Hashing<W>> {
        let enc = self
            .enc
            .take()
            .ok_or_else(|| io::Error::other("bundle already finished"))?;
        let mut block = std::mem::take(&mut self.buf);
        enc.encrypt_last_in_place(&self.aad, &mut block)
            .map_err(|_| io::Error::other("chunk encryption failed"))?;
        self.out.write_all(&block)?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ChunkWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        // Keep at least one full chunk back: it may turn out to be the last one.
        while self.buf.len() > self.chunk {
            self.emit_full()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A bundle being written: write the payload (plaintext) into it, then [`BundleWriter::finish`].
pub struct BundleWriter<W: Write> {
    zstd: zstd::stream::write::Encoder<'static, ChunkWriter<W>>,
    signer: ed25519_dalek::SigningKey,
    header: Header,
}

impl<W: Write> std::fmt::Debug for BundleWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleWriter")
            .field("bundle_id", &self.header.bundle_id)
            .finish_non_exhaustive()
    }
}

/// What sealing produced.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The header as written.
    pub header: Header,
    /// SHA-256 of the whole file, hex.
    pub file_hash: String,
    /// Size of the file in bytes.
    pub size: u64,
}

/// Starts a bundle for `recipient`, signed with `signer`. `rng` draws the content key
/// and the HPKE ephemeral key (a seeded generator only in tests, for the golden fixture).
pub fn seal<W: Write, R: rand_core_09::CryptoRng + rand_core_09::RngCore>(
    out: W,
    routing: Routing,
    recipient: &RecipientKey,
    signer: &ed25519_dalek::SigningKey,
    rng: &mut R,
) -> Result<BundleWriter<W>> {
    seal_format(out, FORMAT_VERSION, routing, recipient, signer, rng)
}

/// [`seal`] with the format version written in the prefix given: only to reproduce the
/// golden files of earlier versions (the layout and constants are the same).
pub fn seal_format<W: Write, R: rand_core_09::CryptoRng + rand_core_09::RngCore>(
    out: W,
    version: u16,
    routing: Routing,
    recipient: &RecipientKey,
    signer: &ed25519_dalek::SigningKey,
    rng: &mut R,
) -> Result<BundleWriter<W>> {
    let mut content_key = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(content_key.as_mut());
    let (enc, wrapped) = hpke::single_shot_seal::<HpkeAead, Kdf, Kem, _>(
        &hpke::OpModeS::Base,
        &recipient.0,
        HPKE_INFO,
        content_key.as_ref(),
        routing.bundle_id.as_bytes(),
        rng,
    )
    .map_err(|e| Error::invalid(format!("cannot seal the content key: {e}")))?;
    let header = Header {
        bundle_id: routing.bundle_id,
        kind: routing.kind,
        sender: routing.sender,
        recipient: routing.recipient,
        sequence: routing.sequence,
        period: routing.period,
        created_at: routing.created_at,
        app_version: routing.app_version,
        schema_version: routing.schema_version,
        codes_version: routing.codes_version,
        prev_hash: routing.prev_hash,
        hpke_enc: B64.encode(enc.to_bytes()),
        wrapped_key: B64.encode(&wrapped),
        chunk_size: CHUNK_SIZE,
        compression: "zstd".into(),
    };
    let prefix = prefix_bytes(version, &header)?;
    let mut out = Hashing {
        out,
        hash: Sha256::new(),
        written: 0,
    };
    out.write_all(&prefix).map_err(write_error)?;
    let aad: [u8; 32] = Sha256::digest(&prefix).into();
    let cipher = Aes256Gcm::new(GenericArray::from_slice(content_key.as_ref()));
    let enc = EncryptorBE32::from_aead(cipher, GenericArray::from_slice(&[0u8; 7]));
    let chunks = ChunkWriter {
        out,
        enc: Some(enc),
        aad,
        buf: Vec::with_capacity(CHUNK_SIZE as usize * 2),
        chunk: CHUNK_SIZE as usize,
    };
    let zstd = zstd::stream::write::Encoder::new(chunks, ZSTD_LEVEL).map_err(write_error)?;
    Ok(BundleWriter {
        zstd,
        signer: signer.clone(),
        header,
    })
}

fn write_error(e: io::Error) -> Error {
    Error::invalid(format!("cannot write the bundle: {e}"))
}

impl<W: Write> Write for BundleWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.zstd.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> BundleWriter<W> {
    /// Ends the payload, writes the last chunk and the signature; returns the output and
    /// what was sealed.
    pub fn finish(self) -> Result<(W, Sealed)> {
        let chunks = self.zstd.finish().map_err(write_error)?;
        let mut hashed = chunks.finish().map_err(write_error)?;
        let digest: [u8; 32] = hashed.hash.clone().finalize().into();
        let mut message = SIGNATURE_CONTEXT.to_vec();
        message.extend_from_slice(&digest);
        let signature = self.signer.sign(&message).to_bytes();
        hashed.write_all(&signature).map_err(write_error)?;
        hashed.flush().map_err(write_error)?;
        let file_hash: [u8; 32] = hashed.hash.finalize().into();
        Ok((
            hashed.out,
            Sealed {
                header: self.header,
                file_hash: hex(&file_hash),
                size: hashed.written,
            },
        ))
    }
}

/// Reads and checks the prefix of a bundle: magic, version, header. Nothing here is
/// authenticated yet: use it only to route (who sent it, for whom).
pub fn read_header<R: Read>(input: &mut R) -> Result<(Header, Vec<u8>)> {
    let mut fixed = [0u8; PREFIX_LEN];
    input.read_exact(&mut fixed).map_err(|_| not_a_bundle())?;
    if fixed[..8] != MAGIC {
        return Err(not_a_bundle());
    }
    let version = u16::from_be_bytes([fixed[8], fixed[9]]);
    if version > FORMAT_VERSION {
        return Err(Error::NewerVersion {
            what: "bundle format",
            found: i64::from(version),
            supported: i64::from(FORMAT_VERSION),
        });
    }
    if version == 0 {
        return Err(not_a_bundle());
    }
    let len = u32::from_be_bytes([fixed[10], fixed[11], fixed[12], fixed[13]]);
    if len == 0 || len > MAX_HEADER_LEN {
        return Err(Error::BundleDamaged);
    }
    let mut json = vec![0u8; len as usize];
    input
        .read_exact(&mut json)
        .map_err(|_| Error::BundleDamaged)?;
    let header: Header = serde_json::from_slice(&json).map_err(|_| Error::BundleDamaged)?;
    if header.chunk_size == 0
        || header.chunk_size > 16 * 1024 * 1024
        || header.compression != "zstd"
        || !(1..=MAX_SEQUENCE).contains(&header.sequence)
        || chrono::DateTime::parse_from_rfc3339(&header.created_at).is_err()
        || header
            .period
            .as_ref()
            .is_some_and(|p| Period::months(&p.from, &p.to).ok().as_ref() != Some(p))
    {
        return Err(Error::BundleDamaged);
    }
    let mut prefix = fixed.to_vec();
    prefix.extend_from_slice(&json);
    Ok((header, prefix))
}

fn not_a_bundle() -> Error {
    Error::invalid(
        "this file is not an Atrama bundle; choose a .atrama file that a centre or coordinator sent",
    )
}

/// Reads from `inner` and hashes every byte it reads.
struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// A bundle whose signature checked out: its header and the hash and length of exactly the
/// bytes that were checked. [`open_verified`] opens only those bytes.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The header, as read in the pass that checked the signature.
    pub header: Header,
    /// The prefix (magic to end of header) as read in that pass.
    prefix: Vec<u8>,
    /// SHA-256 of the whole file as read in that pass.
    file_hash: [u8; 32],
    /// The length of the file that was checked.
    pub len: u64,
}

impl VerifiedBundle {
    /// The bundle's hash (SHA-256 of the whole file, hex), which chains bundles and
    /// acknowledgements name.
    pub fn file_hash(&self) -> String {
        hex(&self.file_hash)
    }
}

/// The error when the bytes read to apply a bundle are not the bytes whose signature was
/// checked: the file was rewritten while it was being read.
#[derive(Debug)]
struct ChangedWhileRead;

impl std::fmt::Display for ChangedWhileRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the bundle changed while it was being read")
    }
}

impl std::error::Error for ChangedWhileRead {}

/// The clear error for a bundle file that changed between the pass that checked its
/// signature and the pass that read its content.
pub fn changed_while_read() -> Error {
    Error::invalid(
        "the bundle file changed while it was being read, so nothing of it was applied; make sure no other program is writing it (a copy or sync still running), copy it to a folder of this computer and import it again",
    )
}

/// The error to report for a failed read of a bundle's payload: the file changed while it
/// was read ([`changed_while_read`]), or else the one opaque [`Error::BundleDamaged`].
pub fn payload_error(e: &io::Error) -> Error {
    if e.get_ref()
        .is_some_and(|inner| inner.is::<ChangedWhileRead>())
    {
        changed_while_read()
    } else {
        Error::BundleDamaged
    }
}

/// Checks a bundle in one pass over `input`: reads its header, asks `sender_of` for the key
/// that must have signed it (routing: is it for this store, is its sender enrolled), and
/// verifies the signature over every byte before it. The header returned is the one that
/// was read in this pass, and the hash and length are those of exactly the bytes checked:
/// [`open_verified`] refuses to read anything else. Leaves the reader at an unspecified
/// position.
pub fn verify<R: Read + Seek>(
    input: &mut R,
    sender_of: impl FnOnce(&Header) -> Result<ed25519_dalek::VerifyingKey>,
) -> Result<VerifiedBundle> {
    let len = input
        .seek(SeekFrom::End(0))
        .map_err(|_| Error::BundleDamaged)?;
    input
        .seek(SeekFrom::Start(0))
        .map_err(|_| Error::BundleDamaged)?;
    let mut hashing = HashingReader {
        inner: &mut *input,
        hash: Sha256::new(),
    };
    let (header, prefix) = read_header(&mut hashing)?;
    let sender = sender_of(&header)?;
    // Every length below is checked: `len` is whatever the file says.
    let body = len
        .checked_sub(prefix.len() as u64)
        .and_then(|l| l.checked_sub(SIGNATURE_LEN as u64))
        .filter(|&b| b >= TAG_LEN as u64)
        .ok_or(Error::BundleDamaged)?;
    let copied = io::copy(&mut (&mut hashing).take(body), &mut io::sink())
        .map_err(|_| Error::BundleDamaged)?;
    if copied != body {
        return Err(Error::BundleDamaged);
    }
    let mut signature = [0u8; SIGNATURE_LEN];
    hashing
        .inner
        .read_exact(&mut signature)
        .map_err(|_| Error::BundleDamaged)?;
    let mut hash = hashing.hash;
    let digest: [u8; 32] = hash.clone().finalize().into();
    let mut message = SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(&digest);
    // RFC 8032 strict verification (§5.1.7 with the checks ZIP-215 leaves out): small-order
    // keys and R, and non-canonical encodings, are refused, so exactly one signature per
    // message and key is accepted — the bundle hash covers the signature.
    sender
        .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature))
        .map_err(|_| Error::BundleDamaged)?;
    hash.update(signature);
    Ok(VerifiedBundle {
        header,
        prefix,
        file_hash: hash.finalize().into(),
        len,
    })
}

/// Checks the signature of a whole bundle file against the sender's key, reading it once
/// ([`verify`] with a known key). Returns the file's SHA-256 (hex) and its length.
pub fn verify_signature<R: Read + Seek>(
    input: &mut R,
    sender: &ed25519_dalek::VerifyingKey,
) -> Result<(String, u64)> {
    let v = verify(input, |_| Ok(*sender))?;
    Ok((v.file_hash(), v.len))
}

/// Decrypts the chunks of a bundle in order, yielding the compressed payload.
struct ChunkReader<R: Read> {
    input: HashingReader<R>,
    /// The hash of the whole file that was verified; after the last chunk the signature is
    /// read too and the hash of everything read must equal it.
    expected: Option<[u8; 32]>,
    /// Whether the bytes read were found to be the verified ones.
    matched: bool,
    dec: Option<DecryptorBE32<Aes256Gcm>>,
    aad: [u8; 32],
    /// Ciphertext bytes (chunks with tags) not yet read.
    remaining: u64,
    chunk: usize,
    plain: Vec<u8>,
    pos: usize,
}

impl<R: Read> ChunkReader<R> {
    fn next_chunk(&mut self) -> io::Result<bool> {
        if self.dec.is_none() {
            return Ok(false);
        }
        let full = (self.chunk + TAG_LEN) as u64;
        let take = self.remaining.min(full);
        let last = self.remaining <= full;
        if take < TAG_LEN as u64 {
            return Err(io::Error::other("truncated"));
        }
        // The previous chunk's buffer is reused: one allocation for the whole bundle.
        let mut block = std::mem::take(&mut self.plain);
        block.resize(
            usize::try_from(take).map_err(|_| io::Error::other("chunk too large"))?,
            0,
        );
        self.input.read_exact(&mut block)?;
        self.remaining -= take;
        if last && let Some(expected) = self.expected {
            // The bytes read must be the bytes verified, to the last one: otherwise the
            // file was rewritten between the passes and nothing of it may be used.
            let mut signature = [0u8; SIGNATURE_LEN];
            self.input.read_exact(&mut signature)?;
            let read: [u8; 32] = self.input.hash.clone().finalize().into();
            if read != expected {
                return Err(io::Error::other(ChangedWhileRead));
            }
            self.matched = true;
        }
        if last {
            let dec = self.dec.take().ok_or_else(|| io::Error::other("done"))?;
            dec.decrypt_last_in_place(&self.aad, &mut block)
                .map_err(|_| io::Error::other("chunk authentication failed"))?;
        } else {
            let dec = self.dec.as_mut().ok_or_else(|| io::Error::other("done"))?;
            dec.decrypt_next_in_place(&self.aad, &mut block)
                .map_err(|_| io::Error::other("chunk authentication failed"))?;
        }
        self.plain = block;
        self.pos = 0;
        Ok(true)
    }
}

impl<R: Read> Read for ChunkReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.plain.len() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The decrypted, decompressed payload of a bundle, read as a stream.
pub struct PayloadReader<R: Read> {
    inner: zstd::stream::read::Decoder<'static, io::BufReader<ChunkReader<R>>>,
}

impl<R: Read> std::fmt::Debug for PayloadReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PayloadReader")
    }
}

impl<R: Read> Read for PayloadReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.inner.read(out)
    }
}

impl<R: Read> PayloadReader<R> {
    /// Reads the rest of the file (decrypting, not decompressing, what the payload did not
    /// need) and checks that every byte read was a byte whose signature was verified. Call
    /// it before committing anything read from a bundle opened with [`open_verified`]: an
    /// error means nothing of the payload may be used.
    pub fn finish(self) -> Result<()> {
        let mut chunks = self.inner.finish().into_inner();
        loop {
            match chunks.next_chunk() {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(payload_error(&e)),
            }
        }
        if chunks.expected.is_some() && !chunks.matched {
            return Err(Error::BundleDamaged);
        }
        Ok(())
    }
}

/// Unwraps a bundle's content key with the recipient's private key.
fn content_key(header: &Header, recipient: &OpeningKey) -> Result<Zeroizing<Vec<u8>>> {
    let enc_bytes = B64
        .decode(&header.hpke_enc)
        .map_err(|_| Error::BundleDamaged)?;
    let wrapped = B64
        .decode(&header.wrapped_key)
        .map_err(|_| Error::BundleDamaged)?;
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc_bytes)
        .map_err(|_| Error::BundleDamaged)?;
    let content_key = Zeroizing::new(
        hpke::single_shot_open::<HpkeAead, Kdf, Kem>(
            &hpke::OpModeR::Base,
            &recipient.0,
            &enc,
            HPKE_INFO,
            &wrapped,
            header.bundle_id.as_bytes(),
        )
        .map_err(|_| Error::BundleDamaged)?,
    );
    if content_key.len() != 32 {
        return Err(Error::BundleDamaged);
    }
    Ok(content_key)
}

/// The decrypting, decompressing reader over the chunks that follow `prefix` in `input`
/// (already read up to there), for a file of `total_len` bytes.
fn payload_reader<R: Read>(
    input: HashingReader<R>,
    header: &Header,
    prefix: &[u8],
    total_len: u64,
    recipient: &OpeningKey,
    expected: Option<[u8; 32]>,
) -> Result<PayloadReader<R>> {
    let content_key = content_key(header, recipient)?;
    let aad: [u8; 32] = Sha256::digest(prefix).into();
    let cipher = Aes256Gcm::new(GenericArray::from_slice(&content_key));
    let dec = DecryptorBE32::from_aead(cipher, GenericArray::from_slice(&[0u8; 7]));
    let body = total_len
        .checked_sub(prefix.len() as u64)
        .and_then(|l| l.checked_sub(SIGNATURE_LEN as u64))
        .filter(|&b| b >= TAG_LEN as u64)
        .ok_or(Error::BundleDamaged)?;
    let chunk = usize::try_from(header.chunk_size).map_err(|_| Error::BundleDamaged)?;
    let chunks = ChunkReader {
        input,
        expected,
        matched: false,
        dec: Some(dec),
        aad,
        remaining: body,
        chunk,
        plain: Vec::new(),
        pos: 0,
    };
    let inner = zstd::stream::read::Decoder::new(chunks).map_err(|_| Error::BundleDamaged)?;
    Ok(PayloadReader { inner })
}

/// Opens the payload of a bundle that [`verify`] checked, reading `input` again: the bytes
/// read must be exactly the bytes verified. A header that differs is refused at once; a
/// difference further on makes the read of the last chunk, and [`PayloadReader::finish`],
/// fail with [`changed_while_read`] — so whatever was read must be committed only after
/// `finish` succeeds. Any other failure is [`Error::BundleDamaged`]: a reader is not told
/// why decryption failed.
pub fn open_verified<R: Read + Seek>(
    mut input: R,
    verified: &VerifiedBundle,
    recipient: &OpeningKey,
) -> Result<PayloadReader<R>> {
    input
        .seek(SeekFrom::Start(0))
        .map_err(|_| Error::BundleDamaged)?;
    let mut hashing = HashingReader {
        inner: input,
        hash: Sha256::new(),
    };
    let mut prefix = vec![0u8; verified.prefix.len()];
    hashing
        .read_exact(&mut prefix)
        .map_err(|_| changed_while_read())?;
    if prefix != verified.prefix {
        return Err(changed_while_read());
    }
    payload_reader(
        hashing,
        &verified.header,
        &verified.prefix,
        verified.len,
        recipient,
        Some(verified.file_hash),
    )
}

/// Opens the payload of a bundle without tying it to a verification pass: unwraps the
/// content key with the recipient's private key and returns the decrypting, decompressing
/// reader. `total_len` is the file's length. For reading the format on its own (tests,
/// fuzzing, benchmarks); the app opens bundles with [`verify`] and [`open_verified`], so that
/// the bytes it uses are the bytes whose signature it checked.
pub fn open_payload<R: Read + Seek>(
    mut input: R,
    total_len: u64,
    recipient: &OpeningKey,
) -> Result<(Header, PayloadReader<R>)> {
    input
        .seek(SeekFrom::Start(0))
        .map_err(|_| Error::BundleDamaged)?;
    let mut hashing = HashingReader {
        inner: input,
        hash: Sha256::new(),
    };
    let (header, prefix) = read_header(&mut hashing)?;
    let reader = payload_reader(hashing, &header, &prefix, total_len, recipient, None)?;
    Ok((header, reader))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha_09::rand_core::{RngCore, SeedableRng};
    use std::io::Cursor;

    fn routing(recipient: &str) -> Routing {
        Routing {
            bundle_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
            kind: BundleKind::CentreExport,
            sender: "aa".repeat(32),
            recipient: recipient.into(),
            sequence: 1,
            period: Some(Period {
                from: "2026-10".into(),
                to: "2026-10".into(),
            }),
            created_at: "2026-11-01T08:00:00Z".into(),
            app_version: "0.1.0".into(),
            schema_version: 3,
            codes_version: "2026.11.1".into(),
            prev_hash: None,
        }
    }

    fn keys() -> (OpeningKey, ed25519_dalek::SigningKey) {
        let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(9);
        let (sk, _) = Kem::gen_keypair(&mut rng);
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        (OpeningKey(sk), ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    fn make(payload: &[u8]) -> Vec<u8> {
        let (open, sign) = keys();
        let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(1);
        let mut w = seal(
            Vec::new(),
            routing(&"bb".repeat(32)),
            &open.public(),
            &sign,
            &mut rng,
        )
        .unwrap();
        w.write_all(payload).unwrap();
        w.finish().unwrap().0
    }

    fn read_back(bytes: &[u8]) -> Result<Vec<u8>> {
        let (open, sign) = keys();
        let mut cur = Cursor::new(bytes);
        let (_, len) = verify_signature(&mut cur, &sign.verifying_key())?;
        let (_, mut payload) = open_payload(cur, len, &open)?;
        let mut out = Vec::new();
        payload
            .read_to_end(&mut out)
            .map_err(|_| Error::BundleDamaged)?;
        Ok(out)
    }

    #[test]
    fn payloads_of_every_size_round_trip() -> Result<()> {
        for size in [
            0usize,
            1,
            1000,
            CHUNK_SIZE as usize,
            3 * CHUNK_SIZE as usize + 7,
        ] {
            // Incompressible bytes, so that the chunk boundaries are really crossed.
            let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(size as u64);
            let mut payload = vec![0u8; size];
            rng.fill_bytes(&mut payload);
            assert_eq!(read_back(&make(&payload))?, payload, "size {size}");
        }
        Ok(())
    }

    #[test]
    fn sealing_is_deterministic_for_a_seeded_generator() {
        assert_eq!(make(b"hello"), make(b"hello"));
    }

    #[test]
    fn every_flipped_byte_and_every_truncation_is_rejected() {
        let bytes = make(b"{\"type\":\"end\"}\n");
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(read_back(&bad).is_err(), "flip at {i} accepted");
        }
        for cut in 0..bytes.len() {
            assert!(read_back(&bytes[..cut]).is_err(), "cut at {cut} accepted");
        }
    }

    #[test]
    fn another_recipient_cannot_open_it() {
        let bytes = make(b"secret");
        let (_, sign) = keys();
        let other = OpeningKey::generate();
        let mut cur = Cursor::new(&bytes[..]);
        let (_, len) = verify_signature(&mut cur, &sign.verifying_key()).unwrap();
        assert!(matches!(
            open_payload(cur, len, &other),
            Err(Error::BundleDamaged)
        ));
    }

    /// A bundle whose compressed stream has `tail` after the zstd frame (no writer does
    /// this; only a sender could, since the chunks are authenticated and signed).
    fn make_with_tail(payload: &[u8], tail: &[u8]) -> Vec<u8> {
        let (open, sign) = keys();
        let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(1);
        let mut w = seal(
            Vec::new(),
            routing(&"bb".repeat(32)),
            &open.public(),
            &sign,
            &mut rng,
        )
        .unwrap();
        w.write_all(payload).unwrap();
        let mut chunks = w.zstd.finish().unwrap();
        chunks.write_all(tail).unwrap();
        let mut hashed = chunks.finish().unwrap();
        let digest: [u8; 32] = hashed.hash.clone().finalize().into();
        let mut message = SIGNATURE_CONTEXT.to_vec();
        message.extend_from_slice(&digest);
        hashed
            .write_all(&w.signer.sign(&message).to_bytes())
            .unwrap();
        hashed.out
    }

    #[test]
    fn data_after_the_zstd_frame_is_refused_unless_it_is_a_whole_frame() {
        assert_eq!(
            read_back(&make_with_tail(b"payload", b"")).unwrap(),
            b"payload"
        );
        for tail in [&b"x"[..], b"\0\0\0\0", b"trailing bytes that are no frame"] {
            assert!(
                matches!(
                    read_back(&make_with_tail(b"payload", tail)),
                    Err(Error::BundleDamaged)
                ),
                "{tail:?}"
            );
        }
        // A second complete frame is read as more payload (docs/bundle-format.md §4).
        let frame = zstd::encode_all(&b" and more"[..], ZSTD_LEVEL).unwrap();
        assert_eq!(
            read_back(&make_with_tail(b"payload", &frame)).unwrap(),
            b"payload and more"
        );
    }

    #[test]
    fn a_signature_only_lenient_verification_accepts_is_refused() {
        use ed25519_dalek::Verifier as _;
        // A small-order public key (the identity point) with R = identity and s = 0: the
        // cofactorless equation [s]B = R + [k]A holds for every message, so lenient
        // verification accepts it; strict verification (RFC 8032 with small-order checks,
        // `verify_strict`) refuses it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = ed25519_dalek::VerifyingKey::from_bytes(&identity).unwrap();
        let mut sig = [0u8; SIGNATURE_LEN];
        sig[0] = 1;
        let signature = ed25519_dalek::Signature::from_bytes(&sig);
        assert!(weak.verify(b"any message at all", &signature).is_ok());
        let mut bytes = make(b"x");
        let n = bytes.len();
        bytes[n - SIGNATURE_LEN..].copy_from_slice(&sig);
        assert!(matches!(
            verify_signature(&mut Cursor::new(&bytes), &weak),
            Err(Error::BundleDamaged)
        ));
    }

    #[test]
    fn a_newer_format_version_is_refused_with_its_own_error() {
        let mut bytes = make(b"x");
        assert_eq!(bytes[9], 2, "this build writes format 2");
        bytes[9] = 3;
        let err = read_header(&mut Cursor::new(&bytes)).unwrap_err();
        assert!(matches!(err, Error::NewerVersion { found: 3, .. }), "{err}");
        let err = read_header(&mut Cursor::new(b"PK\x03\x04 not a bundle at all")).unwrap_err();
        assert!(err.to_string().contains("not an Atrama bundle"), "{err}");
    }
}
