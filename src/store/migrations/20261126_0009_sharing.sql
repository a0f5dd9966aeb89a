-- Schema 9: the data-sharing agreement with the coordination centre, the monthly counts a
-- coordinator receives from centres that share statistics only, and case transfers.
-- Append-only: never edit a migration that has shipped; add a new file.

-- The sharing level agreed with a peer (set at a centre, on its coordinator's row):
-- `pseudonymised` case-level records (the default), or `statistics`, the monthly tables only.
ALTER TABLE sync_peer ADD COLUMN sharing TEXT NOT NULL DEFAULT 'pseudonymised'
    CHECK (sharing IN ('pseudonymised', 'statistics'));

-- A statistics-level centre's monthly counts (T1–T10 parts by category code), as its latest
-- bundle for that month stated them. Codes and counts only: no ids, no dates finer than a
-- month, no names, no text.
CREATE TABLE stat_received (
    centre TEXT NOT NULL,
    month  TEXT NOT NULL, -- YYYY-MM
    part   TEXT NOT NULL, -- T1, T2a, …, T10a, or `open_at_month_end`
    code   TEXT NOT NULL, -- category code, or codes joined with '|'
    value  INTEGER NOT NULL,
    PRIMARY KEY (centre, month, part, code)
) STRICT, WITHOUT ROWID;

-- Which bundle set each centre × month of `stat_received`: a month is replaced only by a
-- bundle with a higher sequence number, so a late, older bundle never overwrites a newer one.
-- For these centre-months the received counts replace anything computed from replicas.
CREATE TABLE stat_received_month (
    centre    TEXT NOT NULL,
    month     TEXT NOT NULL,
    sequence  INTEGER NOT NULL,
    bundle_id TEXT NOT NULL,
    PRIMARY KEY (centre, month)
) STRICT, WITHOUT ROWID;

-- Cases transferred to or from another centre (with the client's consent). `out`: this
-- centre sent the case (closed here as transferred); `in`: it arrived as a new case of
-- this centre, with the sending centre's work kept as read-only `history` (JSON: service
-- contacts, referrals, risk bands, closures, consents — never counted as this centre's).
CREATE TABLE case_transfer (
    case_id          TEXT NOT NULL REFERENCES case_file (id),
    direction        TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    peer_centre      TEXT NOT NULL,
    from_case_number TEXT NOT NULL,
    bundle_id        TEXT NOT NULL,
    consent_event_id TEXT,
    history          TEXT,
    at               TEXT NOT NULL,
    by               TEXT NOT NULL,
    PRIMARY KEY (case_id, direction)
) STRICT;
