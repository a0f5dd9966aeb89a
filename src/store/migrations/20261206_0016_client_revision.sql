-- Corrections of a client's details (issue 21.3, `src/cases/client_history.rs`): every change
-- of a client row keeps a revision with who, when, the version it made and every field
-- before and after as JSON — protected fields too, so the table is inside the encrypted
-- database like the client row, is never exported, and goes with the client when the client
-- row is removed (purge).
CREATE TABLE client_revision (
    seq        INTEGER PRIMARY KEY,
    client_id  TEXT NOT NULL,
    hlc        INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    before     TEXT NOT NULL,
    after      TEXT NOT NULL
) STRICT;
CREATE INDEX client_revision_client ON client_revision (client_id, seq);

CREATE TRIGGER client_revision_goes_with_client AFTER DELETE ON client
BEGIN
    DELETE FROM client_revision WHERE client_id = OLD.id;
END;
