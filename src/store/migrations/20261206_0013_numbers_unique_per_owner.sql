-- Case numbers and client pseudonyms are unique per owner centre, not across the store
-- (issue 19). At a coordination centre the replicas of every centre share `case_file` and
-- `client`; with store-wide uniqueness a centre could send records holding another centre's
-- next case numbers (they are predictable: CODE-YEAR-NNNN) or pseudonyms, and that centre's
-- own records were then refused. Now one centre's records can never block another's.
--
-- SQLite cannot drop a column's UNIQUE constraint, so both tables are rebuilt (the
-- migration runner turns foreign keys off for the transaction and checks them all before it
-- commits), with every index and trigger that was on them.

DROP TRIGGER open_case_member_case_insert;
DROP TRIGGER open_case_member_case_update;
DROP TRIGGER open_case_member_team_insert;
DROP TRIGGER open_case_member_team_delete;
DROP TRIGGER open_case_member_case_delete;

CREATE TABLE client_rebuilt (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    pseudonym     TEXT NOT NULL,
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
    safety_notes  TEXT,
    UNIQUE (owner_centre, pseudonym)
) STRICT;
INSERT INTO client_rebuilt
    SELECT id, owner_centre, owner_install, hlc, created_at, created_by, deleted_at,
           pseudonym, given_name, family_name, phone, address, sex, birth_year, age_band,
           municipality, disability, migrant, language, safe_to_call, safe_to_text,
           safe_to_visit, if_someone_else_answers, safety_notes
    FROM client;
DROP TABLE client;
ALTER TABLE client_rebuilt RENAME TO client;
-- Lookups by pseudonym alone (a new pseudonym is checked against every client here).
CREATE INDEX client_pseudonym ON client (pseudonym);

CREATE TABLE case_file_rebuilt (
    id                 TEXT PRIMARY KEY,
    owner_centre       TEXT NOT NULL,
    owner_install      TEXT NOT NULL,
    hlc                INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    deleted_at         TEXT,
    client_id          TEXT NOT NULL REFERENCES client (id),
    case_number        TEXT NOT NULL,
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
    updated_at         TEXT NOT NULL,
    UNIQUE (owner_centre, case_number)
) STRICT;
INSERT INTO case_file_rebuilt
    SELECT id, owner_centre, owner_install, hlc, created_at, created_by, deleted_at,
           client_id, case_number, opened_on, referral_source, police_notified_on,
           first_contact_on, intake_outcome, status, closed_on, closure_reason, lead_worker,
           follow_up_on, updated_at
    FROM case_file;
DROP TABLE case_file;
ALTER TABLE case_file_rebuilt RENAME TO case_file;

-- Lookups by number alone (`case show NUMBER`, search).
CREATE INDEX case_by_number ON case_file (case_number);
-- The indexes of migrations 0002 and 0008, as they were.
CREATE INDEX case_client ON case_file (client_id);
CREATE INDEX case_status_worker ON case_file (status, lead_worker);
CREATE INDEX case_opened ON case_file (opened_on);
CREATE INDEX case_follow_up ON case_file (follow_up_on) WHERE follow_up_on IS NOT NULL AND status = 'open';
CREATE INDEX case_police_uncontacted ON case_file (police_notified_on)
    WHERE police_notified_on IS NOT NULL AND first_contact_on IS NULL AND status = 'open';
CREATE INDEX case_closed_on ON case_file (closed_on) WHERE closed_on IS NOT NULL;
CREATE INDEX case_stats_caseload
    ON case_file (opened_on, owner_centre, closed_on)
    WHERE deleted_at IS NULL;
CREATE INDEX case_deleted ON case_file (id) WHERE deleted_at IS NOT NULL;

-- The triggers of migration 0006, as they were.
CREATE TRIGGER open_case_member_case_insert AFTER INSERT ON case_file BEGIN
    INSERT OR IGNORE INTO open_case_member (username, case_id, opened_on, case_number, follow_up_on)
        SELECT NEW.lead_worker, NEW.id, NEW.opened_on, NEW.case_number, NEW.follow_up_on
        WHERE NEW.status = 'open' AND NEW.deleted_at IS NULL;
END;

CREATE TRIGGER open_case_member_case_update
AFTER UPDATE OF status, deleted_at, lead_worker, opened_on, case_number, follow_up_on ON case_file
BEGIN
    DELETE FROM open_case_member WHERE case_id = NEW.id;
    INSERT OR IGNORE INTO open_case_member (username, case_id, opened_on, case_number, follow_up_on)
        SELECT m.username, NEW.id, NEW.opened_on, NEW.case_number, NEW.follow_up_on
        FROM (SELECT NEW.lead_worker AS username
              UNION SELECT username FROM case_team WHERE case_id = NEW.id) m
        WHERE NEW.status = 'open' AND NEW.deleted_at IS NULL;
END;

CREATE TRIGGER open_case_member_team_insert AFTER INSERT ON case_team BEGIN
    INSERT OR IGNORE INTO open_case_member (username, case_id, opened_on, case_number, follow_up_on)
        SELECT NEW.username, c.id, c.opened_on, c.case_number, c.follow_up_on
        FROM case_file c
        WHERE c.id = NEW.case_id AND c.status = 'open' AND c.deleted_at IS NULL;
END;

CREATE TRIGGER open_case_member_team_delete AFTER DELETE ON case_team BEGIN
    DELETE FROM open_case_member
    WHERE case_id = OLD.case_id AND username = OLD.username
      AND NOT EXISTS (SELECT 1 FROM case_file c
                      WHERE c.id = OLD.case_id AND c.lead_worker = OLD.username);
END;

CREATE TRIGGER open_case_member_case_delete BEFORE DELETE ON case_file BEGIN
    DELETE FROM open_case_member WHERE case_id = OLD.id;
END;

-- A bundle whose records were refused (any of them) is not acknowledged: the centre's
-- watermark stays below them and its next bundle sends them again (`export::plan_return`).
ALTER TABLE bundle_in ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
-- Bundles imported before this migration: their refused records are counted from the import
-- log, so a return bundle made from now on does not acknowledge them either (one already
-- acknowledged stays so: the centre has moved its watermark).
UPDATE bundle_in SET rejected = (
    SELECT coalesce(sum(json_extract(t.value, '$.rejected')), 0)
    FROM import_log l,
         json_each(CASE WHEN json_valid(l.summary) THEN l.summary ELSE '{}' END, '$.tables') t
    WHERE l.bundle_id = bundle_in.bundle_id AND l.outcome = 'applied'
      AND t.key <> 'monthly_counts'
);
