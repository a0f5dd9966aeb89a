//! Who may send what: the one table ([`ROUTES`]) that says which bundle kind a store accepts
//! from which role of sender, and which kinds of line ([`LineKind`], one per
//! [`Line`] variant) each bundle kind may carry. Import asks [`admit`] before anything of a
//! bundle is decrypted or applied, and [`check_line`] for every line it reads, so that a
//! partner can never act in a role it was not enrolled for:
//!
//! - return bundles (acknowledgements and reference data: the referral directory, code
//!   lists, instrument packs, case-analysis templates) only from the **one** enrolled
//!   coordination centre;
//! - transfer bundles only from a centre enrolled here for transfers (a peer of mode
//!   `centre`, at a centre);
//! - a centre's records and monthly counts only at a coordination centre, from one of its
//!   enrolled centres.
//!
//! The role of a sender is the mode pinned at its enrolment (the fingerprint confirmed by
//! phone), never what a bundle says about itself. `docs/bundle-format.md` ("Who may send
//! what") prints the same table.

use super::identity::Peer;
use super::payload::Line;
use crate::bundle::format::BundleKind;
use crate::centre::Mode;
use crate::error::{Error, Result};

/// The kinds of line a payload holds (one per [`Line`] variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// `manifest`.
    Manifest,
    /// `record`.
    Record,
    /// `withdraw`.
    Withdraw,
    /// `purge`.
    Purge,
    /// `stat`.
    Stat,
    /// `transfer_case`.
    TransferCase,
    /// `transfer_document`.
    TransferDocument,
    /// `ack`.
    Ack,
    /// `analysis_template`.
    AnalysisTemplate,
    /// `reference`.
    Reference,
    /// `reference_state`.
    ReferenceState,
    /// `end`.
    End,
}

impl LineKind {
    /// The kind of a line.
    pub(crate) fn of(line: &Line) -> LineKind {
        match line {
            Line::Manifest(_) => LineKind::Manifest,
            Line::Record { .. } => LineKind::Record,
            Line::Withdraw { .. } => LineKind::Withdraw,
            Line::Purge { .. } => LineKind::Purge,
            Line::Stat { .. } => LineKind::Stat,
            Line::TransferCase(_) => LineKind::TransferCase,
            Line::TransferDocument { .. } => LineKind::TransferDocument,
            Line::Ack(_) => LineKind::Ack,
            Line::AnalysisTemplate(_) => LineKind::AnalysisTemplate,
            Line::Reference(_) => LineKind::Reference,
            Line::ReferenceState { .. } => LineKind::ReferenceState,
            Line::End(_) => LineKind::End,
        }
    }

    /// The line's `type` as written in a payload.
    pub(crate) fn name(self) -> &'static str {
        match self {
            LineKind::Manifest => "manifest",
            LineKind::Record => "record",
            LineKind::Withdraw => "withdraw",
            LineKind::Purge => "purge",
            LineKind::Stat => "stat",
            LineKind::TransferCase => "transfer_case",
            LineKind::TransferDocument => "transfer_document",
            LineKind::Ack => "ack",
            LineKind::AnalysisTemplate => "analysis_template",
            LineKind::Reference => "reference",
            LineKind::ReferenceState => "reference_state",
            LineKind::End => "end",
        }
    }
}

/// One allowed way for a bundle to travel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    /// The bundle kind.
    pub(crate) kind: BundleKind,
    /// The pinned mode of the sender.
    pub(crate) from: Mode,
    /// The mode of the importing store.
    pub(crate) to: Mode,
    /// The lines such a bundle may carry.
    pub(crate) lines: &'static [LineKind],
}

use LineKind as L;

/// Which bundle kind comes from which role to which, carrying which lines. Nothing else is
/// accepted.
pub(crate) const ROUTES: &[Route] = &[
    // A centre's records (or monthly counts) for its coordination centre.
    Route {
        kind: BundleKind::CentreExport,
        from: Mode::Centre,
        to: Mode::Coordinator,
        lines: &[
            L::Manifest,
            L::Record,
            L::Withdraw,
            L::Purge,
            L::Stat,
            L::ReferenceState,
            L::End,
        ],
    },
    // The coordination centre's answer: acknowledgements and reference data.
    Route {
        kind: BundleKind::Return,
        from: Mode::Coordinator,
        to: Mode::Centre,
        lines: &[
            L::Manifest,
            L::Ack,
            L::AnalysisTemplate,
            L::Reference,
            L::End,
        ],
    },
    // One case moving between two centres enrolled with each other for transfers.
    Route {
        kind: BundleKind::Transfer,
        from: Mode::Centre,
        to: Mode::Centre,
        lines: &[L::Manifest, L::TransferCase, L::TransferDocument, L::End],
    },
];

fn role(mode: Mode) -> &'static str {
    match mode {
        Mode::Centre => "a centre",
        Mode::Coordinator => "the coordination centre",
    }
}

/// Whether this store (of mode `me`) accepts a bundle of `kind` from `sender`, given how
/// many coordination centres are enrolled here. Refuses, with what to do, otherwise.
pub(crate) fn admit(me: Mode, sender: &Peer, kind: BundleKind, coordinators: i64) -> Result<()> {
    let Some(route) = ROUTES.iter().find(|r| r.kind == kind && r.to == me) else {
        return Err(Error::invalid(match kind {
            BundleKind::CentreExport => {
                "this bundle holds a centre's records for a coordination centre; import it in the coordination centre's Atrama"
            }
            BundleKind::Return => {
                "this is a coordination centre's return bundle; import it at the centre it was made for"
            }
            BundleKind::Transfer => {
                "this bundle transfers a case to a centre; import it at the centre it was made for"
            }
            BundleKind::PeerSync => {
                "this is a sync file between the computers of one centre; sync it with Sync → This centre's computers (atrama peers sync), not as a bundle"
            }
        }));
    };
    if sender.mode != route.from {
        return Err(Error::invalid(format!(
            "this {} bundle comes from {} ({}), enrolled here as {}; only {} sends such bundles, so nothing of it was applied — if {} should not send them, tell its administrator",
            kind.code(),
            sender.centre_code,
            sender.name,
            role(sender.mode),
            match route.from {
                Mode::Coordinator => "the coordination centre this centre reports to".to_owned(),
                Mode::Centre if me == Mode::Centre => "a centre enrolled for transfers".to_owned(),
                Mode::Centre => "a centre enrolled here".to_owned(),
            },
            sender.centre_code
        )));
    }
    if route.from == Mode::Coordinator && coordinators != 1 {
        return Err(Error::invalid(format!(
            "{coordinators} coordination centres are enrolled here, and a centre takes reference data from one only; nothing was applied — remove the enrolment that is wrong, then import again"
        )));
    }
    Ok(())
}

/// Whether a bundle of `kind` may carry `line`.
pub(crate) fn check_line(kind: BundleKind, line: &Line) -> Result<()> {
    let lk = LineKind::of(line);
    if ROUTES
        .iter()
        .any(|r| r.kind == kind && r.lines.contains(&lk))
    {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "a {} bundle may not carry '{}' lines; nothing of it was applied — tell the sender",
            kind.code(),
            lk.name()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_route_and_ends_with_manifest_and_end() {
        for kind in [
            BundleKind::CentreExport,
            BundleKind::Return,
            BundleKind::Transfer,
        ] {
            let routes: Vec<_> = ROUTES.iter().filter(|r| r.kind == kind).collect();
            assert_eq!(routes.len(), 1, "{kind:?}");
            assert!(routes[0].lines.contains(&L::Manifest));
            assert!(routes[0].lines.contains(&L::End));
        }
        // Reference data and acknowledgements travel only from the coordination centre.
        for r in ROUTES {
            let carries_reference = r
                .lines
                .iter()
                .any(|l| matches!(l, L::Reference | L::Ack | L::AnalysisTemplate));
            assert_eq!(carries_reference, r.from == Mode::Coordinator, "{r:?}");
        }
    }
}
