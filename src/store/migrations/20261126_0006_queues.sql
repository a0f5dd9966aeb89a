-- Work queues and case views at a coordinator's size (100,000 cases).
--
-- A correction of a close/reopen event is found through `supersedes`, like every other event
-- table; without this index each case view scanned every status event of the store.
CREATE INDEX case_status_event_supersedes ON case_status_event (supersedes)
    WHERE supersedes IS NOT NULL;

-- Who works on which open case, kept by triggers from case_file (the lead worker) and
-- case_team (the rest of the team), with the columns the home screen sorts and filters by.
-- "My open cases, newest first" and "my follow-ups due" are then one index range each,
-- however many cases the store holds; a closed or deleted case has no rows here.
CREATE TABLE open_case_member (
    username     TEXT NOT NULL,
    case_id      TEXT NOT NULL REFERENCES case_file (id),
    opened_on    TEXT NOT NULL,
    case_number  TEXT NOT NULL,
    follow_up_on TEXT,
    PRIMARY KEY (username, case_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX open_case_member_recent ON open_case_member (username, opened_on, case_number);
CREATE INDEX open_case_member_follow_up ON open_case_member (username, follow_up_on, case_number)
    WHERE follow_up_on IS NOT NULL;
CREATE INDEX open_case_member_case ON open_case_member (case_id);

-- The rows of one case are rebuilt whenever anything they derive from changes.
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

-- A purged case takes its rows along (before the delete: they reference it).
CREATE TRIGGER open_case_member_case_delete BEFORE DELETE ON case_file BEGIN
    DELETE FROM open_case_member WHERE case_id = OLD.id;
END;

-- The cases that exist already.
INSERT OR IGNORE INTO open_case_member (username, case_id, opened_on, case_number, follow_up_on)
    SELECT m.username, c.id, c.opened_on, c.case_number, c.follow_up_on
    FROM case_file c
    JOIN (SELECT id AS case_id, lead_worker AS username FROM case_file
          UNION SELECT case_id, username FROM case_team) m ON m.case_id = c.id
    WHERE c.status = 'open' AND c.deleted_at IS NULL;
