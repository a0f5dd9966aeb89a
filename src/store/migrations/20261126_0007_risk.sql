-- Schema 4: risk-assessment instruments (versioned packs), risk assessments and safety plans.
-- Append-only: never edit a migration that has shipped; add a new file.

-- Instrument packs, side by side by (id, version): a newer version never replaces an older
-- one, so an assessment can always be shown with the pack it was made with. `body` is the
-- pack file as imported; it is validated again whenever it is read. Local configuration of
-- this installation: not a case record, not in the change log, never in a bundle.
CREATE TABLE instrument_pack (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    body        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    licence     TEXT NOT NULL,
    builtin     INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

-- A risk assessment: an append-only event of the case (a correction supersedes). The score
-- and band are computed by the core from the pack version named here when the assessment is
-- recorded, and are never recomputed. No foreign key to instrument_pack: a coordination
-- centre holds assessments without the packs.
CREATE TABLE risk_assessment (
    id                 TEXT PRIMARY KEY,
    owner_centre       TEXT NOT NULL,
    owner_install      TEXT NOT NULL,
    hlc                INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    deleted_at         TEXT,
    supersedes         TEXT REFERENCES risk_assessment (id),
    case_id            TEXT NOT NULL REFERENCES case_file (id),
    instrument_id      TEXT NOT NULL,
    instrument_version INTEGER NOT NULL,
    assessed_on        TEXT NOT NULL,
    assessor           TEXT NOT NULL,
    answers            TEXT NOT NULL, -- JSON object: item id → answer (never leaves the centre)
    score              INTEGER NOT NULL,
    band               TEXT NOT NULL, -- the band the score falls in
    override_band      TEXT,          -- the practitioner's band, when judgement changed it
    override_reason    TEXT,          -- why (never leaves the centre)
    final_band         TEXT NOT NULL  -- override_band, else band
) STRICT;
CREATE INDEX risk_assessment_case ON risk_assessment (case_id, assessed_on);
CREATE INDEX risk_assessment_supersedes ON risk_assessment (supersedes) WHERE supersedes IS NOT NULL;

-- A safety plan: each save is a new version superseding the previous one, so every version
-- is kept. Never leaves the centre.
CREATE TABLE safety_plan (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES safety_plan (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    sections      TEXT NOT NULL, -- JSON object of the plan's sections
    review_on     TEXT
) STRICT;
CREATE INDEX safety_plan_case ON safety_plan (case_id);
CREATE INDEX safety_plan_supersedes ON safety_plan (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX safety_plan_review ON safety_plan (review_on) WHERE review_on IS NOT NULL;
