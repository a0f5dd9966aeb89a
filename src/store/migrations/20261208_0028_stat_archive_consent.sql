-- Schema 28: the archived counts of a purged case say whether its client consented to
-- statistics when it was purged (docs/retention.md), so that a centre's tables of its
-- consenting clients — what it shows as "what the coordination centre counts for you" —
-- leave out the counts of purged cases that were never shared.
-- Append-only: never edit a migration that has shipped; add a new file.

-- Counts archived before this migration are kept as consented (as they were counted).
CREATE TABLE stat_archive_consent (
    centre    TEXT NOT NULL,
    month     TEXT NOT NULL, -- YYYY-MM
    measure   TEXT NOT NULL,
    dimension TEXT NOT NULL, -- code, or codes joined with '|'
    consented INTEGER NOT NULL CHECK (consented IN (0, 1)),
    value     INTEGER NOT NULL,
    PRIMARY KEY (centre, month, measure, dimension, consented)
) STRICT, WITHOUT ROWID;
INSERT INTO stat_archive_consent (centre, month, measure, dimension, consented, value)
    SELECT centre, month, measure, dimension, 1, value FROM stat_archive;
DROP TABLE stat_archive;
ALTER TABLE stat_archive_consent RENAME TO stat_archive;
