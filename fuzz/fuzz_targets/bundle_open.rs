//! Fuzzes the whole reading path of a bundle with the golden bundle's documented keys
//! (tests/it/bundle_fixture.rs): the signature check, then — as if the signature had
//! verified — the HPKE unwrap, the chunked AES-GCM decryption and the zstd decompression,
//! reading at most 4 MiB of payload.
#![no_main]

use std::io::{Cursor, Read};

use atrama::bundle::format::{self, OpeningKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sender = ed25519_dalek::SigningKey::from_bytes(&[0x22; 32]).verifying_key();
    let _ = format::verify_signature(&mut Cursor::new(data), &sender);
    let Ok(recipient) = OpeningKey::from_bytes(&[0x11; 32]) else {
        return;
    };
    if let Ok((_, reader)) = format::open_payload(Cursor::new(data), data.len() as u64, &recipient)
    {
        let mut out = Vec::new();
        let _ = reader.take(4 << 20).read_to_end(&mut out);
    }
});
