-- Records removed for good on this computer (a retention purge, a purge received from the
-- coordination centre's partner, or one applied from another computer of the centre): the
-- case, its client when she had no other case, and documents purged by age. Ids only.
-- Carried in every peer sync file, so that a purge on one computer purges on all, and a
-- late file from a computer that had not purged yet does not bring the records back
-- (docs/peers.md).
CREATE TABLE peer_purged (
    tbl       TEXT NOT NULL CHECK (tbl IN ('case_file', 'client', 'document')),
    record_id TEXT NOT NULL,
    purged_at TEXT NOT NULL,
    PRIMARY KEY (tbl, record_id)
) STRICT, WITHOUT ROWID;
