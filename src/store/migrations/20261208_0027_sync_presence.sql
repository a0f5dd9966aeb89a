-- Schema 27: a case a centre withdrew or purged stays gone when an older bundle arrives
-- late, and a late withdrawal does not remove a case a newer bundle shares again
-- (docs/bundle-format.md, "Applying a payload"; src/sync/import.rs).
-- Append-only: never edit a migration that has shipped; add a new file.

-- At a coordination centre, per case and per client received (its id as received): the
-- sequence number of the newest bundle of its sender that sent it (`present` 1) or
-- withdrew or purged it (`present` 0). A record of a case (or a client) that a newer
-- bundle removed is not applied; a withdrawal or purge older than the newest bundle that
-- sent the case is not applied either. Ids only: nothing about a person.
CREATE TABLE sync_presence (
    record_id TEXT PRIMARY KEY,
    sender    TEXT NOT NULL,
    sequence  INTEGER NOT NULL,
    present   INTEGER NOT NULL CHECK (present IN (0, 1))
) STRICT;
