-- Schema 14: bundle format 2 (docs/bundle-format.md §7.2).
-- Append-only: never edit a migration that has shipped; add a new file.

-- The version each record left with in a pseudonymised bundle: a counter per scope (the
-- record's case; a client or case row is its own scope), one more for each exported change,
-- so that versions order updates without saying when they happened. `hlc` is the change
-- (the record's HLC here) the number was given for: the same change keeps its number.
CREATE TABLE sync_version (
    record_id TEXT PRIMARY KEY,
    scope     TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    version   INTEGER NOT NULL
) STRICT;
CREATE INDEX sync_version_scope ON sync_version (scope, version);

-- A case or client removed (purged, withdrawn at a recipient) takes its numbers with it.
CREATE TRIGGER sync_version_case_gone AFTER DELETE ON case_file
BEGIN
    DELETE FROM sync_version WHERE scope = OLD.id;
END;
CREATE TRIGGER sync_version_client_gone AFTER DELETE ON client
BEGIN
    DELETE FROM sync_version WHERE scope = OLD.id;
END;

-- The payload format of each bundle sent: a pseudonymised export restates everything when
-- the recipient has confirmed no bundle of the current format (ids and versions changed in
-- format 2, so the recipient replaces what it holds from format 1).
ALTER TABLE bundle_out ADD COLUMN payload_format INTEGER NOT NULL DEFAULT 1;
