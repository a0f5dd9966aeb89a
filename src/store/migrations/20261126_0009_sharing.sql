-- Schema 9: the data-sharing agreement with the coordination centre, and the monthly
-- counts a coordinator receives from centres that share statistics only.
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
