-- Schema 3: sync with the coordination centre — this store's identity, enrolled peers,
-- bundles sent and received, and every import attempt.
-- Append-only: never edit a migration that has shipped; add a new file.

-- This store's key pairs: X25519 to receive bundles, Ed25519 to sign them. Secret keys live
-- only here, inside the encrypted database.
CREATE TABLE sync_identity (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    x25519_secret  BLOB NOT NULL,
    ed25519_secret BLOB NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

-- The other side(s), pinned at enrolment after the fingerprint was confirmed.
CREATE TABLE sync_peer (
    fingerprint    TEXT PRIMARY KEY,  -- 64 hex digits: SHA-256 of the public keys
    centre_code    TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    country        TEXT NOT NULL,
    mode           TEXT NOT NULL CHECK (mode IN ('centre', 'coordinator')),
    x25519_public  BLOB NOT NULL,
    ed25519_public BLOB NOT NULL,
    enrolled_at    TEXT NOT NULL,
    enrolled_by    TEXT NOT NULL
) STRICT;

-- Bundles this store sealed. A centre's export covers the change log after the highest
-- acknowledged `change_seq_to`; `acked_at` is set when the coordinator confirms it.
CREATE TABLE bundle_out (
    bundle_id       TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL REFERENCES sync_peer (fingerprint),
    sequence        INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    sharing         TEXT,
    period_from     TEXT,
    period_to       TEXT,
    change_seq_from INTEGER NOT NULL,
    change_seq_to   INTEGER NOT NULL,
    records         INTEGER NOT NULL,
    file_hash       TEXT NOT NULL,
    prev_hash       TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    acked_at        TEXT,
    UNIQUE (recipient, sequence)
) STRICT;

-- Bundles applied here (the import is idempotent on bundle_id).
CREATE TABLE bundle_in (
    bundle_id   TEXT PRIMARY KEY,
    sender      TEXT NOT NULL REFERENCES sync_peer (fingerprint),
    sequence    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    period_from TEXT,
    period_to   TEXT,
    file_hash   TEXT NOT NULL,
    prev_hash   TEXT,
    sealed_at   TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
) STRICT;
CREATE INDEX bundle_in_sender ON bundle_in (sender, sequence);

-- Every import attempt, applied or not, with its summary (JSON), so that the coordinator
-- can see what happened to each file.
CREATE TABLE import_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    username   TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    bundle_id  TEXT,
    sender     TEXT,
    outcome    TEXT NOT NULL CHECK (outcome IN ('applied', 'already_applied', 'dry_run', 'refused')),
    summary    TEXT NOT NULL
) STRICT;
