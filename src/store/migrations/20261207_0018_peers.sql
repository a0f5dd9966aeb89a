-- Schema 18: several computers (installations) of one centre (docs/peers.md).
-- Append-only: never edit a migration that has shipped; add a new file.

-- This installation's own key pairs (X25519 to open peer sync files, Ed25519 to sign
-- them). The centre's identity towards its coordination centre stays in `sync_identity`,
-- shared by every installation of the centre; these keys are this computer's alone.
CREATE TABLE peer_self (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    install_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    x25519_secret  BLOB NOT NULL,
    ed25519_secret BLOB NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

-- The centre's installations (this one included). A removed installation stays listed
-- with `removed_at`: nothing written afterwards is sealed to it, nothing from it is applied.
CREATE TABLE peer_install (
    install_id     TEXT PRIMARY KEY,
    fingerprint    TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    x25519_public  BLOB NOT NULL,
    ed25519_public BLOB NOT NULL,
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    removed_at     TEXT,
    removed_by     TEXT
) STRICT;

-- Per other installation: how far this one has sent and received.
--   sent_sequence     the sequence number of the last file written for it
--   acked_change_seq  our change_log position it has confirmed applying (we resend after it)
--   acked_log_seq     our access_log position it has confirmed
--   recv_change_seq   its change_log position we have applied (we confirm it back)
--   recv_log_seq      its access_log position we have applied
CREATE TABLE peer_state (
    install_id       TEXT PRIMARY KEY REFERENCES peer_install (install_id),
    sent_sequence    INTEGER NOT NULL DEFAULT 0,
    acked_change_seq INTEGER NOT NULL DEFAULT 0,
    acked_log_seq    INTEGER NOT NULL DEFAULT 0,
    recv_change_seq  INTEGER NOT NULL DEFAULT 0,
    recv_log_seq     INTEGER NOT NULL DEFAULT 0,
    last_sent_at     TEXT,
    last_received_at TEXT
) STRICT;

-- Peer sync files applied here: a file seen again is skipped.
CREATE TABLE peer_file_in (
    file_id    TEXT PRIMARY KEY,
    sender     TEXT NOT NULL,
    sequence   INTEGER NOT NULL,
    file_hash  TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT;

-- Every version of every field of a mutable record (client, case, child, protection order)
-- and of a person (staff, by user name, with her key slot as the field `slot`). A version
-- is (hlc, install); `bases` (JSON array of [hlc, install]) are the versions its writer had
-- in front of her. The versions of a field are a grow-only set, so merging is a union; the
-- current value is the newest version nobody wrote over, and two or more such versions with
-- different values are a "changed on two computers" review.
CREATE TABLE peer_field (
    tbl       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    install   TEXT NOT NULL,
    bases     TEXT NOT NULL,
    value     ANY,
    PRIMARY KEY (tbl, record_id, field, hlc, install)
) STRICT;

-- The access logs of the other installations, entry for entry as their chains hold them.
CREATE TABLE peer_access_log (
    install_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    username   TEXT NOT NULL,
    action     TEXT NOT NULL,
    case_id    TEXT,
    detail     TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (install_id, seq)
) STRICT;

-- Which installation exports to the coordination centre (one at a time, so that the
-- sequence of the centre's bundles stays gap-free), with the version of the last handover.
CREATE TABLE peer_role (
    role    TEXT PRIMARY KEY CHECK (role IN ('coordinator_export')),
    holder  TEXT NOT NULL,
    hlc     INTEGER NOT NULL
) STRICT;
