-- Schema 2: the case record, the change log (outbox) and the search index.
-- Append-only: never edit a migration that has shipped; add a new file.
--
-- Every record row carries the same sync columns:
--   id            UUIDv7, text
--   owner_centre  centre code of the owner; only the owner changes a record
--   owner_install installation (store id) inside the owner centre that created it
--   hlc           hybrid-logical-clock version of the last write
--   created_at / created_by
--   deleted_at    tombstone: the record stays so that the deletion propagates
-- Event tables (incident, service_contact, referral, consent_event, note,
-- case_status_event) are append-only: a correction is a new row whose `supersedes` names
-- the row it replaces; the current version of an event is the row nobody supersedes.
-- Code columns hold codes from assets/codelists; no CHECK constraints on them, so that codes
-- from a newer list are kept, never dropped.

ALTER TABLE staff ADD COLUMN disciplines TEXT NOT NULL DEFAULT '';

CREATE TABLE counter (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

CREATE TABLE client (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    pseudonym     TEXT NOT NULL UNIQUE,
    given_name    TEXT,
    family_name   TEXT,
    phone         TEXT,
    address       TEXT,
    sex           TEXT NOT NULL,
    birth_year    INTEGER,
    age_band      TEXT NOT NULL,
    municipality  TEXT,
    disability    TEXT NOT NULL,
    migrant       TEXT NOT NULL,
    language      TEXT,
    safe_to_call  TEXT NOT NULL,
    safe_to_text  TEXT NOT NULL,
    safe_to_visit TEXT NOT NULL,
    if_someone_else_answers TEXT,
    safety_notes  TEXT
) STRICT;

CREATE TABLE case_file (
    id                 TEXT PRIMARY KEY,
    owner_centre       TEXT NOT NULL,
    owner_install      TEXT NOT NULL,
    hlc                INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    deleted_at         TEXT,
    client_id          TEXT NOT NULL REFERENCES client (id),
    case_number        TEXT NOT NULL UNIQUE,
    opened_on          TEXT NOT NULL,
    referral_source    TEXT NOT NULL,
    police_notified_on TEXT,
    first_contact_on   TEXT,
    intake_outcome     TEXT NOT NULL,
    status             TEXT NOT NULL,
    closed_on          TEXT,
    closure_reason     TEXT,
    lead_worker        TEXT NOT NULL,
    follow_up_on       TEXT,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX case_client ON case_file (client_id);
CREATE INDEX case_status_worker ON case_file (status, lead_worker);
CREATE INDEX case_opened ON case_file (opened_on);
CREATE INDEX case_follow_up ON case_file (follow_up_on) WHERE follow_up_on IS NOT NULL AND status = 'open';
CREATE INDEX case_police_uncontacted ON case_file (police_notified_on)
    WHERE police_notified_on IS NOT NULL AND first_contact_on IS NULL AND status = 'open';

-- The team of a case: part of the case record (written with it, versioned by its hlc).
CREATE TABLE case_team (
    case_id  TEXT NOT NULL REFERENCES case_file (id),
    username TEXT NOT NULL,
    PRIMARY KEY (case_id, username)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_team_user ON case_team (username, case_id);

CREATE TABLE case_status_event (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES case_status_event (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    kind          TEXT NOT NULL CHECK (kind IN ('close', 'reopen')),
    on_date       TEXT NOT NULL,
    reason        TEXT
) STRICT;
CREATE INDEX case_status_event_case ON case_status_event (case_id);

CREATE TABLE incident (
    id                 TEXT PRIMARY KEY,
    owner_centre       TEXT NOT NULL,
    owner_install      TEXT NOT NULL,
    hlc                INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    deleted_at         TEXT,
    supersedes         TEXT REFERENCES incident (id),
    case_id            TEXT NOT NULL REFERENCES case_file (id),
    occurred_on        TEXT,
    ongoing_since      TEXT,
    violence_forms     TEXT NOT NULL, -- JSON array of violence_form codes
    gbvims_type        TEXT NOT NULL, -- computed through the crosswalk when written
    place_type         TEXT NOT NULL,
    reported_to_police TEXT NOT NULL,
    perpetrators       TEXT NOT NULL  -- JSON array of perpetrator links
) STRICT;
CREATE INDEX incident_case ON incident (case_id);
CREATE INDEX incident_supersedes ON incident (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE child (
    id                TEXT PRIMARY KEY,
    owner_centre      TEXT NOT NULL,
    owner_install     TEXT NOT NULL,
    hlc               INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    deleted_at        TEXT,
    case_id           TEXT NOT NULL REFERENCES case_file (id),
    sex               TEXT NOT NULL,
    age_band          TEXT NOT NULL,
    lives_with_client TEXT NOT NULL,
    witnessed         TEXT NOT NULL,
    directly_harmed   TEXT NOT NULL,
    child_protection_referral TEXT NOT NULL
) STRICT;
CREATE INDEX child_case ON child (case_id);

CREATE TABLE service_contact (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES service_contact (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    on_date       TEXT NOT NULL,
    discipline    TEXT NOT NULL,
    mode          TEXT NOT NULL,
    minutes       INTEGER NOT NULL CHECK (minutes >= 0),
    is_group      INTEGER NOT NULL CHECK (is_group IN (0, 1)),
    staff         TEXT NOT NULL
) STRICT;
CREATE INDEX service_contact_case ON service_contact (case_id, on_date);
CREATE INDEX service_contact_supersedes ON service_contact (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE consent_event (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES consent_event (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    purpose       TEXT NOT NULL,
    agency_type   TEXT,
    given         INTEGER NOT NULL CHECK (given IN (0, 1)),
    given_by      TEXT NOT NULL,
    on_date       TEXT NOT NULL
) STRICT;
CREATE INDEX consent_event_case ON consent_event (case_id);
CREATE INDEX consent_event_supersedes ON consent_event (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE referral (
    id               TEXT PRIMARY KEY,
    owner_centre     TEXT NOT NULL,
    owner_install    TEXT NOT NULL,
    hlc              INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    deleted_at       TEXT,
    supersedes       TEXT REFERENCES referral (id),
    case_id          TEXT NOT NULL REFERENCES case_file (id),
    on_date          TEXT NOT NULL,
    agency_type      TEXT NOT NULL,
    status           TEXT NOT NULL,
    consent_event_id TEXT REFERENCES consent_event (id)
) STRICT;
CREATE INDEX referral_case ON referral (case_id);
CREATE INDEX referral_supersedes ON referral (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE protection_order (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    issuer        TEXT NOT NULL,
    order_type    TEXT NOT NULL,
    status        TEXT NOT NULL,
    applied_on    TEXT,
    decided_on    TEXT,
    starts_on     TEXT,
    ends_on       TEXT,
    breaches      INTEGER NOT NULL CHECK (breaches >= 0)
) STRICT;
CREATE INDEX protection_order_case ON protection_order (case_id);

CREATE TABLE note (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES note (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    body          TEXT NOT NULL,
    restricted_to TEXT -- a service_discipline code, or NULL for the whole team
) STRICT;
CREATE INDEX note_case ON note (case_id);
CREATE INDEX note_supersedes ON note (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE document (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    file_name     TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content       BLOB -- NULL once the document is deleted (tombstone) or purged
) STRICT;
CREATE INDEX document_case ON document (case_id);

-- The outbox: one row per write, in order. A bundle export reads "everything changed since
-- sequence N" and sends the current state of each record named here.
CREATE TABLE change_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('put', 'delete'))
) STRICT;

-- Full-text search inside the encrypted database only. One document per case (case number,
-- pseudonym, names, phone numbers) and one per note.
CREATE TABLE search_doc (
    rowid         INTEGER PRIMARY KEY,
    ref_id        TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('case', 'note')),
    case_id       TEXT NOT NULL,
    restricted_to TEXT,
    author        TEXT
) STRICT;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Work in progress (e.g. an intake saved part-way), so nothing typed is lost when the app
-- locks. Local to this installation and this person; never exported.
CREATE TABLE draft (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL, -- JSON as the UI wrote it
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX draft_user ON draft (username, updated_at);

-- The access log: every view of a case or of a client's identity, every change, export,
-- print and purge. Append-only and hash-chained: each entry's hash covers the previous
-- entry's hash, so a removed or edited entry breaks the chain (`atrama audit verify`).
CREATE TABLE access_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    username  TEXT NOT NULL,
    action    TEXT NOT NULL,
    case_id   TEXT,
    detail    TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX access_log_case ON access_log (case_id) WHERE case_id IS NOT NULL;
