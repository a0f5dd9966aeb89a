-- Schema 10: the joint case-analysis template and completed case analyses.
-- Append-only: never edit a migration that has shipped; add a new file.

-- Case-analysis templates, side by side by (id, version): a version is never edited (a
-- change is a new version) and a stale version never replaces a newer one. A coordination
-- centre defines them (`origin` is its centre code, `received_in` NULL); a centre records
-- the versions its coordinator sent in return bundles (`received_in` names the bundle).
-- `body` is the template as defined (JSON, docs/multi-agency.md), checked again whenever it
-- is read. Configuration, not a case record: not in the change log.
CREATE TABLE analysis_template (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    body        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    origin      TEXT NOT NULL,
    received_in TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

-- A completed case analysis: an append-only event of a closed case (a correction is a new
-- row that supersedes the old). `facts` are computed by the core from the case when the
-- analysis is completed (day counts and codes, never dates or names); `responses` are the
-- answers to the template's questions (question id -> answer). It travels to the
-- coordination centre only for clients who consent to non-identifiable statistics.
CREATE TABLE case_analysis (
    id               TEXT PRIMARY KEY,
    owner_centre     TEXT NOT NULL,
    owner_install    TEXT NOT NULL,
    hlc              INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    deleted_at       TEXT,
    supersedes       TEXT REFERENCES case_analysis (id),
    case_id          TEXT NOT NULL REFERENCES case_file (id),
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    completed_on     TEXT NOT NULL,
    facts            TEXT NOT NULL,
    responses        TEXT NOT NULL
) STRICT;
CREATE INDEX case_analysis_case ON case_analysis (case_id);
CREATE INDEX case_analysis_completed ON case_analysis (completed_on);
CREATE INDEX case_analysis_supersedes ON case_analysis (supersedes) WHERE supersedes IS NOT NULL;
