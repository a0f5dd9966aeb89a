-- Multi-agency work (docs/multi-agency.md): reference data a coordination centre sends to
-- its centres in return bundles (code lists, instrument packs, the referral directory) with
-- the version of each in force; per-field scopes of referral consents; referral letters;
-- case conferences (multi-agency risk meetings) with actions and their outcomes.

-- The reference data in force here: one row per item (a kind and its id), replaced only by a
-- newer version. `source` is 'local' (loaded here) or the centre code of the sender; the
-- body is kept as received (its SHA-256 beside it).
CREATE TABLE reference_item (
    kind       TEXT NOT NULL CHECK (kind IN ('code_lists', 'instrument_pack', 'directory')),
    item_id    TEXT NOT NULL,
    version    TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    body       TEXT NOT NULL,
    source     TEXT NOT NULL,
    bundle_id  TEXT,
    applied_at TEXT NOT NULL,
    applied_by TEXT NOT NULL,
    PRIMARY KEY (kind, item_id)
) STRICT;

-- Every reference item offered to this store and what became of it (applied, unchanged,
-- stale, rejected with the reason).
CREATE TABLE reference_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    username  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    version   TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('applied', 'unchanged', 'stale', 'rejected')),
    reason    TEXT,
    source    TEXT NOT NULL,
    bundle_id TEXT
) STRICT;

-- A coordination centre: the versions each centre reported in force in its last bundle, so
-- that a return bundle attaches only what that centre lacks.
CREATE TABLE reference_peer (
    peer        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    version     TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (peer, kind, item_id)
) STRICT;

-- The referral directory in force, rebuilt from its reference item whenever a newer version
-- is applied.
CREATE TABLE directory_agency (
    id          TEXT PRIMARY KEY,
    region      TEXT NOT NULL,
    agency_type TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT NOT NULL,
    language    TEXT NOT NULL
) STRICT;
CREATE INDEX directory_agency_type ON directory_agency (agency_type, region, name);

-- A consent to a referral names the details the client agreed to share with that type of
-- agency (a JSON array of letter field codes); NULL for consents recorded before.
ALTER TABLE consent_event ADD COLUMN shared_fields TEXT;

-- A referral letter as generated: the consent it relied on, the fields it includes, its
-- language, the letter itself (JSON). Stays at the centre; never changed.
CREATE TABLE referral_letter (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES case_file (id),
    referral_id      TEXT NOT NULL REFERENCES referral (id),
    consent_event_id TEXT NOT NULL REFERENCES consent_event (id),
    agency_id        TEXT,
    language         TEXT NOT NULL,
    fields           TEXT NOT NULL,
    content          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL
) STRICT;
CREATE INDEX referral_letter_case ON referral_letter (case_id, created_at);

-- A case conference (multi-agency risk meeting); a correction supersedes. Stays at the
-- centre.
CREATE TABLE case_conference (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES case_conference (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    held_on       TEXT NOT NULL,
    agencies      TEXT NOT NULL, -- JSON array of referral_agency codes
    risk_level    TEXT NOT NULL,
    follow_up_on  TEXT
) STRICT;
CREATE INDEX case_conference_case ON case_conference (case_id, held_on);
CREATE INDEX case_conference_supersedes ON case_conference (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX case_conference_follow_up ON case_conference (follow_up_on) WHERE follow_up_on IS NOT NULL;

-- An action agreed at a conference: what, which agency owns it, by when.
CREATE TABLE conference_action (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES conference_action (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    conference_id TEXT NOT NULL REFERENCES case_conference (id),
    description   TEXT NOT NULL,
    owner_agency  TEXT NOT NULL,
    due_on        TEXT
) STRICT;
CREATE INDEX conference_action_conference ON conference_action (conference_id);
CREATE INDEX conference_action_case ON conference_action (case_id);
CREATE INDEX conference_action_supersedes ON conference_action (supersedes) WHERE supersedes IS NOT NULL;

-- What became of an action, recorded later; a correction supersedes.
CREATE TABLE conference_outcome (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    supersedes    TEXT REFERENCES conference_outcome (id),
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    action_id     TEXT NOT NULL REFERENCES conference_action (id),
    outcome       TEXT NOT NULL,
    note          TEXT,
    recorded_on   TEXT NOT NULL
) STRICT;
CREATE INDEX conference_outcome_action ON conference_outcome (action_id);
CREATE INDEX conference_outcome_case ON conference_outcome (case_id);
CREATE INDEX conference_outcome_supersedes ON conference_outcome (supersedes) WHERE supersedes IS NOT NULL;
