//! Fuzzes a bundle's bytes past its signature: the input is a bundle without its last 64
//! bytes, and the target signs it with the golden bundle's sender key
//! (tests/it/bundle_fixture.rs), so `verify_signature` passes and `open_payload` reads the
//! fuzzed header, HPKE encapsulation and wrapped key, chunk size and chunk framing with the
//! golden recipient key, then up to 4 MiB of payload. (Behind the chunks' AES-GCM tags the
//! stream itself is `bundle_stream`'s, the payload lines `bundle_payload`'s.)
//! The seed is the golden bundle without its signature.

use std::io::{Cursor, Read};

use atrama::bundle::format::{self, OpeningKey};
use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

/// One input.
pub fn run(data: &[u8]) {
    let signer = ed25519_dalek::SigningKey::from_bytes(&[0x22; 32]);
    let digest: [u8; 32] = Sha256::digest(data).into();
    let mut message = format::SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(&digest);
    let mut bundle = data.to_vec();
    bundle.extend_from_slice(&signer.sign(&message).to_bytes());
    let mut cursor = Cursor::new(&bundle[..]);
    let Ok((_, len)) = format::verify_signature(&mut cursor, &signer.verifying_key()) else {
        // The one-pass verification also checks the header (issue 19: sequence, time, period):
        // a header it refuses, or a file too short to hold a signature, stops here; every
        // other input is signed with the sender's key and verifies.
        return;
    };
    let Ok(recipient) = OpeningKey::from_bytes(&[0x11; 32]) else {
        return;
    };
    if let Ok((_, reader)) = format::open_payload(cursor, len, &recipient) {
        let mut out = Vec::new();
        let _ = reader.take(4 << 20).read_to_end(&mut out);
    }
}
