-- Schema 11: the coordination centre's registry of its centres (region, city, expected
-- cadence of bundles) and their yearly targets. Enrolment (sync_peer) stays the source of a
-- centre's code, name and country; this only adds what the coordinator edits.
-- Append-only: never edit a migration that has shipped; add a new file.

CREATE TABLE centre_registry (
    centre_code  TEXT PRIMARY KEY,
    region       TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    -- A bundle is expected every this many days; overdue after this plus a grace period.
    cadence_days INTEGER NOT NULL DEFAULT 30 CHECK (cadence_days BETWEEN 1 AND 366),
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL
) STRICT;

-- Yearly targets per centre: `measure` is one of the codes of `stats::measures::Measure`.
CREATE TABLE centre_target (
    centre_code TEXT NOT NULL,
    year        INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    measure     TEXT NOT NULL,
    target      INTEGER NOT NULL CHECK (target >= 0),
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (centre_code, year, measure)
) STRICT;
