-- Schema 26: a record's version in a pseudonymised bundle follows what leaves, not only its
-- HLC (docs/peers.md, "The coordinator's copy of a merged record").
-- Append-only: never edit a migration that has shipped; add a new file.

-- On a centre of several computers, a change that arrives from another computer can be
-- older than the record's newest change: the record's content changes and its HLC does
-- not. A version given per HLC alone left such a change out of every later bundle (the
-- coordinator already held that number). `digest` is the SHA-256 of the columns the
-- record left with; the same HLC with other content gets the next number. Rows written
-- before this migration have none, and get a new number the next time they leave.
ALTER TABLE sync_version ADD COLUMN digest BLOB;
