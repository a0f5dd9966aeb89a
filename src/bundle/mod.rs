//! Bundles: the signed, encrypted files that carry data between a centre and its
//! coordination centre by any route (USB stick, e-mail, shared folder). `format` is the byte
//! layout (specified in `docs/bundle-format.md`); what goes inside is `crate::sync`'s.

pub mod format;

pub use format::{BundleKind, Header, Period};
