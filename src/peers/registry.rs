//! The centre's installations: this computer's own key pairs, the list of the centre's
//! computers, adding one by its enrolment file and the fingerprint read aloud, removing one.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::admin::Permission;
use crate::audit::{self, Action};
use crate::bundle::format::{OpeningKey, RecipientKey};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::identity::Fingerprint;

/// The `format` of a computer's enrolment file.
pub const PEER_ENROLMENT_FORMAT: &str = "atrama-peer-enrolment";

/// One computer of the centre as the Computers screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Installation {
    /// The installation's id.
    pub install_id: String,
    /// The name it was given (e.g. "lawyer's laptop").
    pub name: String,
    /// Its fingerprint, short form (read aloud when it was added).
    pub fingerprint: String,
    /// Whether this is the computer the store is open on.
    pub this_computer: bool,
    /// When it was removed, if it was.
    pub removed_at: Option<String>,
    /// When this computer last wrote a sync file for it.
    pub last_sent_at: Option<String>,
    /// When this computer last applied a sync file from it.
    pub last_received_at: Option<String>,
    /// Changes made or applied here that it has not yet confirmed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending_changes: i64,
    /// Whether it is the one computer that exports to the coordination centre.
    pub exports_to_coordinator: bool,
}

/// A computer's enrolment file: its id, name and public keys (safe to carry on a stick).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeerEnrolment {
    pub(crate) format: String,
    pub(crate) centre: String,
    pub(crate) install_id: String,
    pub(crate) name: String,
    pub(crate) x25519: String,
    pub(crate) ed25519: String,
    /// What this computer's copy holds ([`Copied`], JSON) when it was joined from a copy,
    /// signed with its Ed25519 key (`copied_sig`, base64), whose fingerprint is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) copied: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) copied_sig: Option<String>,
}

/// What a computer joined from a copy holds (`peer_install.copied`): the change-log and
/// access-log positions of the computer it was copied from at the copy, and what that
/// computer had applied of the others' logs (`recv`: installation, change log, access
/// log). A computer that learns of it sends it only what comes after ([`copy_start`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Copied {
    pub(crate) from: String,
    pub(crate) change: i64,
    pub(crate) log: i64,
    pub(crate) recv: Vec<(String, i64, i64)>,
    /// The letter of its case numbers (`KLP-01-2026-B0001`), given by the join file
    /// ([`next_series`]); absent for a computer joined before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) series: Option<String>,
}

impl Copied {
    /// How far the copy holds `install`'s change log and access log.
    fn holds(&self, install: &str) -> (i64, i64) {
        if self.from == install {
            return (self.change, self.log);
        }
        self.recv
            .iter()
            .find(|(i, _, _)| i == install)
            .map_or((0, 0), |(_, c, l)| (*c, *l))
    }

    pub(crate) fn parse(text: &str) -> Option<Copied> {
        serde_json::from_str::<Copied>(text)
            .ok()
            .filter(|c| c.change >= 0 && c.log >= 0)
    }
}

/// The case-number series letters this computer knows to be in use, with who uses it (`None`:
/// this computer; else the computer's name and id, joined by U+001F): its own and each
/// known computer's (from what its copy holds; removed ones too, whose cases keep their
/// numbers).
fn series_used(conn: &Connection) -> Result<Vec<(String, Option<String>)>> {
    let mut taken = Vec::new();
    if let Some(own) = crate::store::meta::meta(conn, "case_number_series")? {
        taken.push((own, None));
    }
    let mut stmt = conn.prepare("SELECT install_id, name, copied FROM peer_install")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (install, name, copied) in rows {
        if let Some(series) = copied
            .as_deref()
            .and_then(Copied::parse)
            .and_then(|c| c.series)
        {
            taken.push((series, Some(format!("{name}\u{1f}{install}"))));
        }
    }
    Ok(taken)
}

/// The case-number series letter for the next computer joined from a join file made here:
/// after the first computer's plain numbers, the letter after the computers known here
/// (B, C, …, as before), skipping every letter in use ([`series_used`]) or given by a join
/// file made here before (`peer_series_given`). Recorded as given
/// (`peer_series_given`), so that two join files made here before either computer is added
/// give two letters (`docs/peers.md`, case numbers).
pub(crate) fn next_series(conn: &Connection) -> Result<String> {
    let computers: i64 = conn.query_row("SELECT count(*) FROM peer_install", [], |r| r.get(0))?;
    let mut given = crate::store::meta::meta(conn, "peer_series_given")?.unwrap_or_default();
    let mut taken: Vec<String> = series_used(conn)?.into_iter().map(|(l, _)| l).collect();
    taken.extend(
        given
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
    );
    let first = u8::try_from(computers.max(1))
        .unwrap_or(u8::MAX)
        .saturating_add(b'A');
    let letter = (first..=b'Z')
        .map(|b| char::from(b).to_string())
        .find(|l| !taken.contains(l))
        .ok_or_else(|| Error::invalid("a centre has at most 25 computers joined"))?;
    if !given.is_empty() {
        given.push(',');
    }
    given.push_str(&letter);
    crate::store::meta::set_meta(conn, "peer_series_given", &given)?;
    Ok(letter)
}

/// What `install`'s copy holds, if it was joined from one.
pub(crate) fn copied_of(conn: &Connection, install: &str) -> Result<Option<Copied>> {
    let text: Option<Option<String>> = conn
        .query_row(
            "SELECT copied FROM peer_install WHERE install_id = ?1",
            [install],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.flatten().as_deref().and_then(Copied::parse))
}

/// Where this computer starts sending to `peer`, a computer it has not sent to before: after
/// what `peer` holds of this computer's logs — its copy's, when it was joined from a copy —
/// so that the first syncs after a join do not send the copy again. A computer itself
/// joined from a copy never sends what its own copy held as its own (as at the join): the
/// access log before it is the first computer's, and of the change log the new computer
/// holds what its own copy holds of the same computer's log.
pub(crate) fn copy_start(conn: &Connection, peer: &str) -> Result<(i64, i64)> {
    let Some(me) = self_keys(conn)? else {
        return Ok((0, 0));
    };
    let theirs = copied_of(conn, peer)?;
    let (mut change, mut log) = theirs.as_ref().map_or((0, 0), |t| t.holds(&me.install_id));
    if let Some(mine) = copied_of(conn, &me.install_id)? {
        let of_source = theirs.as_ref().map_or(0, |t| t.holds(&mine.from).0);
        change = change.max(mine.change.min(of_source));
        log = log.max(mine.log);
    }
    Ok((change, log))
}

/// The enrolment file of this computer (`keys`, the name stored in `peer_self`) for the
/// centre `centre`: what `atrama peers enrolment` writes, and the join on the first screen.
pub(crate) fn enrolment_text(conn: &Connection, keys: &SelfKeys, centre: &str) -> Result<String> {
    let (x, e) = keys.public_keys();
    let stored_name: String =
        conn.query_row("SELECT name FROM peer_self WHERE id = 1", [], |r| r.get(0))?;
    let copied: Option<String> = conn
        .query_row(
            "SELECT copied FROM peer_install WHERE install_id = ?1",
            [&keys.install_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let copied_sig = copied.as_ref().map(|c| {
        use ed25519_dalek::Signer as _;
        B64.encode(keys.signing.sign(&copied_message(c)).to_bytes())
    });
    let file = PeerEnrolment {
        format: PEER_ENROLMENT_FORMAT.into(),
        centre: centre.to_owned(),
        install_id: keys.install_id.clone(),
        name: stored_name,
        x25519: B64.encode(x),
        ed25519: B64.encode(e),
        copied,
        copied_sig,
    };
    serde_json::to_string_pretty(&file)
        .map_err(|e| Error::invalid(format!("cannot encode the enrolment file: {e}")))
}

/// This computer's own key pairs.
pub(crate) struct SelfKeys {
    pub(crate) install_id: String,
    pub(crate) opening: OpeningKey,
    pub(crate) signing: ed25519_dalek::SigningKey,
}

impl SelfKeys {
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

/// A registered installation's public keys.
pub(crate) struct PeerKeys {
    pub(crate) install_id: String,
    pub(crate) fingerprint: String,
    pub(crate) recipient: RecipientKey,
    pub(crate) verifying: ed25519_dalek::VerifyingKey,
}

/// This computer's keys, if it has any yet.
/// The computer that sends the centre's bundles to the coordination centre.
pub(crate) fn role_holder(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT holder FROM peer_role WHERE role = 'coordinator_export'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn self_keys(conn: &Connection) -> Result<Option<SelfKeys>> {
    let row: Option<(String, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT install_id, x25519_secret, ed25519_secret FROM peer_self WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((install_id, x, e)) = row else {
        return Ok(None);
    };
    let x = Zeroizing::new(x);
    let e = Zeroizing::new(e);
    let opening = OpeningKey::from_bytes(&x).map_err(|_| Error::DatabaseDamaged)?;
    let seed: [u8; 32] = e
        .as_slice()
        .try_into()
        .map_err(|_| Error::DatabaseDamaged)?;
    let seed = Zeroizing::new(seed);
    Ok(Some(SelfKeys {
        install_id,
        opening,
        signing: ed25519_dalek::SigningKey::from_bytes(&seed),
    }))
}

/// Creates this computer's keys (and its row in the registry) if it has none; returns them.
pub(crate) fn ensure_self(
    conn: &Connection,
    install_id: &str,
    name: &str,
    user: &str,
) -> Result<SelfKeys> {
    if let Some(keys) = self_keys(conn)? {
        return Ok(keys);
    }
    let opening = OpeningKey::generate();
    let signing = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    let now = Utc::now().to_rfc3339();
    conn.execute(
        "INSERT INTO peer_self (id, install_id, name, x25519_secret, ed25519_secret, created_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
        params![
            install_id,
            name,
            opening.dangerously_expose().as_slice(),
            signing.to_bytes().as_slice(),
            now
        ],
    )?;
    let keys = SelfKeys {
        install_id: install_id.to_owned(),
        opening,
        signing,
    };
    let (x, e) = keys.public_keys();
    conn.execute(
        "INSERT INTO peer_install (install_id, fingerprint, name, x25519_public, ed25519_public, added_at, added_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![install_id, keys.fingerprint().hex, name, x.as_slice(), e.as_slice(), now, user],
    )?;
    // The first computer of a centre is the one that exports to the coordination centre.
    conn.execute(
        "INSERT OR IGNORE INTO peer_role (role, holder, hlc) VALUES ('coordinator_export', ?1, 0)",
        [install_id],
    )?;
    Ok(keys)
}

/// What a computer signs of its copy's positions in its enrolment file.
fn copied_message(copied: &str) -> Vec<u8> {
    let mut m = b"atrama-peer-copied\n".to_vec();
    m.extend_from_slice(copied.as_bytes());
    m
}

/// The public keys of a current (not removed) installation other than this one.
pub(crate) fn active_peer(conn: &Connection, fingerprint: &str) -> Result<Option<PeerKeys>> {
    let row: Option<(String, String, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT install_id, fingerprint, x25519_public, ed25519_public FROM peer_install
             WHERE fingerprint = ?1 AND removed_at IS NULL
               AND install_id NOT IN (SELECT install_id FROM peer_self)",
            [fingerprint],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    row.map(|(install_id, fingerprint, x, e)| keys_of(install_id, fingerprint, &x, &e))
        .transpose()
}

/// Every current installation other than this one.
pub(crate) fn active_peers(conn: &Connection) -> Result<Vec<PeerKeys>> {
    let mut stmt = conn.prepare(
        "SELECT install_id, fingerprint, x25519_public, ed25519_public FROM peer_install
         WHERE removed_at IS NULL AND install_id NOT IN (SELECT install_id FROM peer_self)
         ORDER BY install_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, Vec<u8>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, fp, x, e) = row?;
        out.push(keys_of(id, fp, &x, &e)?);
    }
    Ok(out)
}

fn keys_of(install_id: String, fingerprint: String, x: &[u8], e: &[u8]) -> Result<PeerKeys> {
    let e: [u8; 32] = e.try_into().map_err(|_| Error::DatabaseDamaged)?;
    Ok(PeerKeys {
        install_id,
        fingerprint,
        recipient: RecipientKey::from_bytes(x).map_err(|_| Error::DatabaseDamaged)?,
        verifying: ed25519_dalek::VerifyingKey::from_bytes(&e)
            .map_err(|_| Error::DatabaseDamaged)?,
    })
}

fn normalise_typed(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(crate::crypto::recovery::read_typed)
        .collect()
}

impl Store {
    /// This computer's enrolment file for the centre's other computers (public keys only),
    /// creating its key pairs the first time under `name`.
    pub fn peers_enrolment(&mut self, name: &str) -> Result<String> {
        self.require(Permission::EnrolPeers)?;
        let name = crate::centre::normalise_centre_name(name)?;
        let keys = ensure_self(&self.conn, &self.ctx.install, &name, &self.ctx.user)?;
        enrolment_text(&self.conn, &keys, &self.ctx.centre)
    }

    /// This computer's fingerprint (short form), read aloud to the administrator adding it.
    pub fn peers_fingerprint(&mut self, name: &str) -> Result<String> {
        self.require(Permission::EnrolPeers)?;
        let name = crate::centre::normalise_centre_name(name)?;
        Ok(
            ensure_self(&self.conn, &self.ctx.install, &name, &self.ctx.user)?
                .fingerprint()
                .short,
        )
    }

    /// Adds a computer of this centre from its enrolment file, if the fingerprint typed in
    /// (read aloud from that computer's screen) matches the file.
    pub fn peers_add(&mut self, text: &str, typed_fingerprint: &str) -> Result<Installation> {
        self.require(Permission::EnrolPeers)?;
        let file: PeerEnrolment = serde_json::from_str(text).map_err(|_| {
            Error::invalid("this is not a computer's enrolment file; write it again on that computer (atrama peers enrolment)")
        })?;
        if file.format != PEER_ENROLMENT_FORMAT {
            return Err(Error::invalid(
                "this is not a computer's enrolment file; write it again on that computer (atrama peers enrolment)",
            ));
        }
        if file.centre != self.ctx.centre {
            return Err(Error::invalid(format!(
                "this enrolment file is from a computer of another centre, not of {}; only computers of one centre sync with each other",
                self.ctx.centre
            )));
        }
        let name = crate::centre::normalise_centre_name(&file.name)?;
        let decode = |b: &str| -> Result<[u8; 32]> {
            B64.decode(b)
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
                .ok_or_else(|| {
                    Error::invalid(
                        "the enrolment file's keys are damaged; write it again on that computer",
                    )
                })
        };
        let (x, e) = (decode(&file.x25519)?, decode(&file.ed25519)?);
        RecipientKey::from_bytes(&x)?;
        let verifying = ed25519_dalek::VerifyingKey::from_bytes(&e).map_err(|_| {
            Error::invalid("the enrolment file's keys are damaged; write it again on that computer")
        })?;
        let fp = Fingerprint::of(&x, &e);
        if normalise_typed(typed_fingerprint) != normalise_typed(&fp.short) {
            return Err(Error::invalid(
                "the fingerprint typed does not match this enrolment file; read it again from the other computer's screen — if it still differs, the file is not from that computer and must not be added",
            ));
        }
        if uuid::Uuid::parse_str(&file.install_id).is_err() {
            return Err(Error::invalid(
                "the enrolment file's installation id is damaged; write it again on that computer",
            ));
        }
        // What its copy holds, signed with its key (checked by the fingerprint): a file
        // changed on the way is refused rather than make this computer send too little.
        let copied = match (&file.copied, &file.copied_sig) {
            (None, None) => None,
            (Some(text), Some(sig)) => {
                let sig = B64
                    .decode(sig)
                    .ok()
                    .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok());
                let good = sig.is_some_and(|sig| {
                    verifying.verify_strict(&copied_message(text), &sig).is_ok()
                });
                if !good || Copied::parse(text).is_none() {
                    return Err(Error::invalid(
                        "the enrolment file was changed after it was written; write it again on that computer",
                    ));
                }
                Some(text.clone())
            }
            _ => {
                return Err(Error::invalid(
                    "the enrolment file was changed after it was written; write it again on that computer",
                ));
            }
        };
        let me = ensure_self(
            &self.conn,
            &self.ctx.install,
            "first computer",
            &self.ctx.user,
        )?;
        if me.install_id == file.install_id {
            return Err(Error::invalid(
                "this is this computer's own enrolment file; add it on the other computer",
            ));
        }
        // Two computers numbering cases in one series would give one number twice, and
        // neither could apply the other's cases: the same join file used twice, or join
        // files made on two computers before either learnt of the other's.
        if let Some(series) = copied
            .as_deref()
            .and_then(Copied::parse)
            .and_then(|c| c.series)
        {
            let clash = series_used(&self.conn)?.into_iter().find(|(l, who)| {
                *l == series
                    && who
                        .as_deref()
                        .is_none_or(|w| !w.ends_with(&format!("\u{1f}{}", file.install_id)))
            });
            if let Some((_, who)) = clash {
                let other = who
                    .as_deref()
                    .and_then(|w| w.split('\u{1f}').next())
                    .map_or_else(|| "this computer".to_owned(), |n| format!("\"{n}\""));
                return Err(Error::invalid(format!(
                    "this computer would number its cases in series {series}, as {other} does: it was joined from a join file used twice, or made on another computer at the same time — nothing was added; join it anew from a new join file made on this computer"
                )));
            }
        }
        let tx = self.conn.unchecked_transaction()?;
        let removed: Option<Option<String>> = tx
            .query_row(
                "SELECT removed_at FROM peer_install WHERE install_id = ?1",
                [&file.install_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(Some(_)) = removed {
            return Err(Error::invalid(
                "this computer was removed from the centre; a removed computer cannot be added again — join it anew (atrama peers join-file)",
            ));
        }
        tx.execute(
            "INSERT INTO peer_install (install_id, fingerprint, name, x25519_public, ed25519_public, added_at, added_by, copied)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (install_id) DO UPDATE SET copied = coalesce(peer_install.copied, excluded.copied)",
            params![file.install_id, fp.hex, name, x.as_slice(), e.as_slice(), Utc::now().to_rfc3339(), self.ctx.user, copied],
        )?;
        super::file::state(&tx, &file.install_id)?;
        audit::append(
            &tx,
            &self.ctx.user,
            Action::Enrol,
            None,
            Some(&format!("computer of this centre added: {}", fp.short)),
        )?;
        tx.commit()?;
        self.peers_list()?
            .into_iter()
            .find(|i| i.install_id == file.install_id)
            .ok_or(Error::DatabaseDamaged)
    }

    /// Removes a computer (a lost laptop): nothing written afterwards is sealed to it, and
    /// nothing it writes is applied any more. The removal travels to the other computers.
    pub fn peers_remove(&mut self, install_or_fingerprint: &str) -> Result<()> {
        self.require(Permission::EnrolPeers)?;
        let wanted = install_or_fingerprint.trim();
        let me = self_keys(&self.conn)?.map(|k| k.install_id);
        let list = self.peers_list()?;
        let found = list
            .iter()
            .find(|i| {
                i.install_id == wanted || normalise_typed(&i.fingerprint) == normalise_typed(wanted)
            })
            .ok_or_else(|| {
                Error::invalid(
                    "no computer of this centre has that id or fingerprint; see atrama peers list",
                )
            })?;
        if Some(&found.install_id) == me.as_ref() {
            return Err(Error::invalid(
                "this computer cannot remove itself; remove it from another computer of the centre",
            ));
        }
        if found.removed_at.is_some() {
            return Err(Error::invalid("this computer was already removed"));
        }
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "UPDATE peer_install SET removed_at = ?1, removed_by = ?2 WHERE install_id = ?3",
            params![Utc::now().to_rfc3339(), self.ctx.user, found.install_id],
        )?;
        // The counts of purges kept only for it go (`docs/peers.md`, "Retention purges").
        super::file::forget_confirmed_purge_counts(&tx)?;
        audit::append(
            &tx,
            &self.ctx.user,
            Action::Enrol,
            None,
            Some(&format!(
                "computer of this centre removed: {}",
                found.fingerprint
            )),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Hands the sending of the centre's bundles to the coordination centre over to another
    /// computer of the centre (`to`: its id or fingerprint). Only the computer that holds
    /// the role may; the role and what it has sent (its bundles' numbers and chain, the
    /// versions it shared) reach `to` with the next sync, so the centre's sequence goes on
    /// gap-free from there. From now on this computer refuses to export.
    pub fn peers_hand_over(&mut self, to: &str) -> Result<()> {
        self.require(Permission::EnrolPeers)?;
        let me = self_keys(&self.conn)?.ok_or_else(|| {
            Error::invalid("this computer is not one of several computers of the centre; there is nothing to hand over")
        })?;
        let holder = role_holder(&self.conn)?;
        if holder.as_deref() != Some(me.install_id.as_str()) {
            return Err(Error::invalid(
                "this computer does not send the centre's bundles to the coordination centre; hand the role over on the computer that does (atrama peers list shows which)",
            ));
        }
        let wanted = to.trim();
        let target = self
            .peers_list()?
            .into_iter()
            .find(|i| {
                i.install_id == wanted || normalise_typed(&i.fingerprint) == normalise_typed(wanted)
            })
            .filter(|i| i.removed_at.is_none() && !i.this_computer)
            .ok_or_else(|| {
                Error::invalid(
                    "no other current computer of this centre has that id or fingerprint; see atrama peers list",
                )
            })?;
        self.set_role_holder(&target.install_id, "handed over")
    }

    /// Takes the sending of the centre's bundles over on this computer when the computer
    /// that held it was removed (a lost laptop). The numbering goes on from the last bundle
    /// that computer's syncs brought here.
    pub fn peers_take_over(&mut self) -> Result<()> {
        self.require(Permission::EnrolPeers)?;
        let me = self_keys(&self.conn)?.ok_or_else(|| {
            Error::invalid("this computer is not one of several computers of the centre; it sends the centre's bundles already")
        })?;
        let holder = role_holder(&self.conn)?;
        if holder.as_deref() == Some(me.install_id.as_str()) {
            return Err(Error::invalid(
                "this computer already sends the centre's bundles to the coordination centre",
            ));
        }
        let removed: bool = match &holder {
            None => true,
            Some(h) => self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM peer_install WHERE install_id = ?1 AND removed_at IS NOT NULL)",
                [h],
                |r| r.get(0),
            )?,
        };
        if !removed {
            return Err(Error::invalid(
                "the computer that sends the centre's bundles is still one of the centre's computers; hand the role over there, or remove it first if it is lost",
            ));
        }
        self.set_role_holder(&me.install_id, "taken over")
    }

    fn set_role_holder(&mut self, holder: &str, how: &str) -> Result<()> {
        self.ctx.hlc = self.ctx.hlc.tick(crate::hlc::Hlc::wall_clock_millis());
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO peer_role (role, holder, hlc, epoch) VALUES ('coordinator_export', ?1, ?2, 1)
             ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, hlc = excluded.hlc,
               epoch = peer_role.epoch + 1",
            params![holder, self.ctx.hlc.to_sql()],
        )?;
        audit::append(
            &tx,
            &self.ctx.user,
            Action::Enrol,
            None,
            Some(&format!(
                "sending to the coordination centre {how}: computer {holder}"
            )),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The centre's computers, this one first.
    pub fn peers_list(&self) -> Result<Vec<Installation>> {
        let me = self_keys(&self.conn)?.map(|k| k.install_id);
        let holder: Option<String> = self
            .conn
            .query_row(
                "SELECT holder FROM peer_role WHERE role = 'coordinator_export'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let last_seq: i64 =
            self.conn
                .query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| {
                    r.get(0)
                })?;
        let mut stmt = self.conn.prepare(
            "SELECT i.install_id, i.name, i.fingerprint, i.removed_at, s.last_sent_at,
                    s.last_received_at, coalesce(s.acked_change_seq, 0)
             FROM peer_install i LEFT JOIN peer_state s ON s.install_id = i.install_id
             ORDER BY i.added_at, i.install_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, fp, removed_at, sent, received, acked) = row?;
            let this = Some(&id) == me.as_ref();
            let pending = if this || removed_at.is_some() {
                0
            } else {
                self.conn.query_row(
                    "SELECT count(*) FROM change_log WHERE seq > ?1 AND seq <= ?2",
                    params![acked, last_seq],
                    |r| r.get(0),
                )?
            };
            out.push(Installation {
                exports_to_coordinator: holder.as_deref() == Some(id.as_str()),
                install_id: id,
                name,
                fingerprint: Fingerprint::short_of_hex(&fp),
                this_computer: this,
                removed_at,
                last_sent_at: sent,
                last_received_at: received,
                pending_changes: pending,
            });
        }
        out.sort_by_key(|i| !i.this_computer);
        Ok(out)
    }
}
