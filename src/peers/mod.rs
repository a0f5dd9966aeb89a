//! Several computers (installations) of one centre (`docs/peers.md`): the registry of the
//! centre's installations ([`registry`]), joining a computer by a full copy of the store
//! ([`join`]), the field-by-field merge of mutable records and people with its "changed on
//! two computers" review ([`merge`]), and the sealed, signed sync files written to and read
//! from a folder every computer reaches ([`file`]); [`tables`] says how each table of the
//! store travels.
//!
//! Installations of one centre share the centre's identity towards the coordination centre
//! and its database key (the copy is the centre's store); each has its own key pairs
//! (`peer_self`) to which peer sync files are sealed and with which it signs them.

pub mod file;
pub mod join;
pub mod merge;
pub mod registry;
pub mod status;
pub mod tables;
#[cfg(test)]
mod tests;

pub use file::SyncReport;
pub use merge::{Review, ReviewValue};
pub use registry::Installation;
