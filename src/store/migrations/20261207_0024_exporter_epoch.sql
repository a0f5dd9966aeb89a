-- The holder epoch of the export to the coordination centre (docs/peers.md): 0 for the
-- first computer, one more at every handover or takeover; carried with the role in peer
-- sync files, and in the manifest of every bundle a centre of several computers exports.
ALTER TABLE peer_role ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0 CHECK (epoch >= 0);

-- At a coordination centre, per sending centre (its fingerprint): the newest holder epoch
-- imported, the computer that exported under it (its id as derived for this recipient) and
-- the lowest sequence number imported under it. A bundle of an older epoch numbered from
-- there on, or of another computer under the same epoch, is refused (src/sync/import.rs).
CREATE TABLE exporter_epoch (
    sender         TEXT PRIMARY KEY,
    epoch          INTEGER NOT NULL CHECK (epoch >= 0),
    exporter       TEXT,
    from_sequence  INTEGER NOT NULL
) STRICT;
