-- Schema 5: administration — what the monthly statistics keep of purged cases.
-- Append-only: never edit a migration that has shipped; add a new file.

-- When a case is purged under the retention policy (at the centre, or its replica at the
-- coordinator), its contribution to the monthly tables is added here first: counts by
-- centre × month × measure × dimension (codes only: no ids, no dates finer than a month,
-- no names, no text), so that the monthly statistics stay as they were.
CREATE TABLE stat_archive (
    centre    TEXT NOT NULL,
    month     TEXT NOT NULL, -- YYYY-MM
    measure   TEXT NOT NULL,
    dimension TEXT NOT NULL, -- code, or codes joined with '|'
    value     INTEGER NOT NULL,
    PRIMARY KEY (centre, month, measure, dimension)
) STRICT, WITHOUT ROWID;
