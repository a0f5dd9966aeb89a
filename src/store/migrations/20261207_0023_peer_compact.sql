-- Schema 23: the field versions of several computers of one centre stored compactly
-- (issue 23: a joined store within 10 % of a one-computer store), and what a joined
-- computer's copy holds (so that the first syncs after a join do not send the copy again).
-- Append-only: never edit a migration that has shipped; add a new file.

-- A record's first versions (no bases: the values its fields had when the record was first
-- recorded, at the join or when it was made) are one row per record and version, the
-- values packed as a JSON object by field; every other version is a row of `peer_version`.
-- `peer_field` is the view of both, version by version as before (`src/peers/merge.rs`).
-- A person's versions (staff, with her key slot) stay rows of `peer_version`.
CREATE TABLE peer_version (
    tbl       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    install   TEXT NOT NULL,
    bases     TEXT NOT NULL,
    value     ANY,
    PRIMARY KEY (tbl, record_id, field, hlc, install)
) STRICT, WITHOUT ROWID;

CREATE TABLE peer_genesis (
    tbl       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    install   TEXT NOT NULL,
    vals      TEXT NOT NULL,
    PRIMARY KEY (tbl, record_id, hlc, install)
) STRICT;

INSERT INTO peer_genesis (tbl, record_id, hlc, install, vals)
SELECT tbl, record_id, hlc, install, json_group_object(field, value)
  FROM peer_field
 WHERE bases = '[]' AND tbl <> 'staff' AND typeof(value) <> 'blob'
 GROUP BY tbl, record_id, hlc, install;

INSERT INTO peer_version (tbl, record_id, field, hlc, install, bases, value)
SELECT tbl, record_id, field, hlc, install, bases, value
  FROM peer_field
 WHERE NOT (bases = '[]' AND tbl <> 'staff' AND typeof(value) <> 'blob');

DROP TABLE peer_field;

CREATE VIEW peer_field (tbl, record_id, field, hlc, install, bases, value) AS
SELECT tbl, record_id, field, hlc, install, bases, value FROM peer_version
UNION ALL
SELECT g.tbl, g.record_id, j.key, g.hlc, g.install, '[]', j.value
  FROM peer_genesis g, json_each(g.vals) j;

-- What a computer joined from a copy holds (JSON, set on its own row at the join and
-- carried with the registry): the computer it was copied from with that computer's
-- change-log and access-log positions at the copy, and what the copy had applied of the
-- other computers' logs. A computer that learns of it starts sending after those.
ALTER TABLE peer_install ADD COLUMN copied TEXT;
