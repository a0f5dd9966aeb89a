-- Schema 30: a purge's counts travel with it between the computers of a centre
-- (docs/peers.md, "Retention purges"), so that every computer archives what the computer
-- that purged archived — the case's last changes included, even those it had not synced —
-- and so does the purge line of whichever computer sends the centre's bundles.
-- Append-only: never edit a migration that has shipped; add a new file.

-- The counts a purge on this computer (or one applied here from another computer) added to
-- `stat_archive` for one case: the centre they were archived under, whether the client's
-- consent to statistics was in force, whether the case was ever shareable (a purge line is
-- due), and the counts (a JSON array of {month, measure, dimension, value}: codes and
-- months only, never case data). `seq` is the row this purge added to this computer's
-- change log: the row is carried in every sync file to a computer that has not confirmed
-- that position yet (`peer_state.acked_change_seq`), and deleted once every current
-- computer of the centre has.
CREATE TABLE peer_purge_count (
    case_id   TEXT PRIMARY KEY,
    centre    TEXT NOT NULL,
    consented INTEGER NOT NULL CHECK (consented IN (0, 1)),
    shared    INTEGER NOT NULL CHECK (shared IN (0, 1)),
    counts    TEXT NOT NULL,
    seq       INTEGER NOT NULL
) STRICT;
