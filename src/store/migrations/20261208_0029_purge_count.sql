-- Schema 29: a purge line carries the purged case's counts (docs/bundle-format.md,
-- "Withdrawals and purges …"), so that the coordination centre archives what the centre
-- archived — the case's last changes included, even those no bundle had carried yet, and
-- even when the purge arrives before the case's records.
-- Append-only: never edit a migration that has shipped; add a new file.

-- At a centre: the counts a purged case added to `stat_archive` (a JSON array of
-- {month, measure, dimension, value}: codes and months only), kept for the purge line
-- until a bundle carrying it is acknowledged; empty when its client had not consented to
-- statistics when it was purged.
CREATE TABLE purge_count (
    case_id TEXT PRIMARY KEY,
    counts  TEXT NOT NULL
) STRICT;

-- At a coordination centre: whether a purge line's counts (or its replica's) were
-- archived for the case already, so that a purge restated in a later bundle, or arriving
-- twice, adds nothing.
ALTER TABLE sync_presence ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));

-- An import first asks whether a newer bundle of its sender removed anything at all, so
-- that a bundle arriving in order looks nothing up per record.
CREATE INDEX sync_presence_removed ON sync_presence (sender, sequence) WHERE present = 0;
