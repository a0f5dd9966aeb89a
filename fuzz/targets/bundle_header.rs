//! Fuzzes the unauthenticated routing header of a bundle (`format::read_header`): magic,
//! version, length and JSON header, read before anything is verified.

/// One input.
pub fn run(data: &[u8]) {
    let _ = atrama::bundle::format::read_header(&mut std::io::Cursor::new(data));
}
