//! Fuzzes the compressed stream of a bundle past its authentication: the input (after a
//! first byte that picks the chunk size) is taken as the zstd stream itself, split into
//! chunks and encrypted as `format::seal` does (AES-256-GCM STREAM bound to the header, the
//! content key sealed with HPKE to the recipient), signed with the sender's test key, then
//! read as the app reads a bundle: `verify_signature` (which must pass), `open_payload`,
//! and up to 4 MiB of the decompressed payload. This reaches the chunk reader's framing
//! with every chunk size and the zstd decoder with any frame a hostile pinned peer could
//! send (window sizes, skippable frames, several frames, truncation).

use std::io::{Cursor, Read};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::stream::EncryptorBE32;
use aes_gcm::aead::{KeyInit, generic_array::GenericArray};
use atrama::bundle::format::{self, OpeningKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use hpke::{Deserializable, Serializable};
use rand_chacha_09::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

type Kem = hpke::kem::X25519HkdfSha256;

const CHUNK_SIZES: [u32; 8] = [1, 2, 7, 16, 64, 1000, 4096, 64 * 1024];

fn seal_stream(stream: &[u8], chunk: u32) -> Vec<u8> {
    let recipient = OpeningKey::from_bytes(&[0x11; 32]).expect("a key").public();
    let signer = ed25519_dalek::SigningKey::from_bytes(&[0x22; 32]);
    let bundle_id = uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
    let mut rng = rand_chacha_09::ChaCha20Rng::seed_from_u64(1);
    let content_key = [0x44u8; 32];
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&recipient.to_bytes()).expect("a key");
    let (enc, wrapped) =
        hpke::single_shot_seal::<hpke::aead::AesGcm256, hpke::kdf::HkdfSha256, Kem, _>(
            &hpke::OpModeS::Base,
            &pk,
            format::HPKE_INFO,
            &content_key,
            bundle_id.as_bytes(),
            &mut rng,
        )
        .expect("sealing the content key");
    let header = serde_json::json!({
        "bundle_id": bundle_id,
        "kind": "centre_export",
        "sender": "aa".repeat(32),
        "recipient": "bb".repeat(32),
        "sequence": 1,
        "period": {"from": "2026-10", "to": "2026-10"},
        "created_at": "2026-11-01T08:00:00Z",
        "app_version": "0.1.0",
        "schema_version": 3,
        "codes_version": "2026.11.1",
        "prev_hash": null,
        "hpke_enc": B64.encode(enc.to_bytes()),
        "wrapped_key": B64.encode(&wrapped),
        "chunk_size": chunk,
        "compression": "zstd",
    });
    let json = serde_json::to_vec(&header).expect("a header");
    let mut out = format::MAGIC.to_vec();
    out.extend_from_slice(&format::FORMAT_VERSION.to_be_bytes());
    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
    out.extend_from_slice(&json);
    let aad: [u8; 32] = Sha256::digest(&out).into();
    let cipher = Aes256Gcm::new(GenericArray::from_slice(&content_key));
    let mut enc = EncryptorBE32::from_aead(cipher, GenericArray::from_slice(&[0u8; 7]));
    let chunk = chunk as usize;
    let mut rest = stream;
    // Every chunk but the last is full; the last may be empty.
    while rest.len() > chunk {
        let mut block = rest[..chunk].to_vec();
        enc.encrypt_next_in_place(&aad, &mut block)
            .expect("encrypt");
        out.extend_from_slice(&block);
        rest = &rest[chunk..];
    }
    let mut block = rest.to_vec();
    enc.encrypt_last_in_place(&aad, &mut block)
        .expect("encrypt");
    out.extend_from_slice(&block);
    let digest: [u8; 32] = Sha256::digest(&out).into();
    let mut message = format::SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(&digest);
    out.extend_from_slice(&signer.sign(&message).to_bytes());
    out
}

/// One input.
pub fn run(data: &[u8]) {
    let [choice, stream @ ..] = data else {
        return;
    };
    let chunk = CHUNK_SIZES[usize::from(*choice) % CHUNK_SIZES.len()];
    let bundle = seal_stream(stream, chunk);
    let sender = ed25519_dalek::SigningKey::from_bytes(&[0x22; 32]).verifying_key();
    let mut cursor = Cursor::new(&bundle[..]);
    let (_, len) = format::verify_signature(&mut cursor, &sender)
        .expect("a bundle signed with the sender's key verifies");
    let recipient = OpeningKey::from_bytes(&[0x11; 32]).expect("a key");
    let (_, reader) =
        format::open_payload(cursor, len, &recipient).expect("the content key unwraps");
    let mut out = Vec::new();
    let _ = reader.take(4 << 20).read_to_end(&mut out);
}
