-- Today's work and the calendar (issue 26): appointments with a client, the incident's
-- description and police-report details, dated referral status events.
--
-- Appointments are a mutable record of this centre (updated in place with a new version,
-- deleted as a tombstone). They stay at the centre: `appointment` is not among the tables a
-- bundle carries (`sync::payload::TABLES`), nor in a transfer. `on_date` and `at_time`
-- are local; `place` and `with_whom` are free text and never leave the centre.
CREATE TABLE appointment (
    id            TEXT PRIMARY KEY,
    owner_centre  TEXT NOT NULL,
    owner_install TEXT NOT NULL,
    hlc           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    deleted_at    TEXT,
    case_id       TEXT NOT NULL REFERENCES case_file (id),
    kind          TEXT NOT NULL CHECK (kind IN ('meeting', 'court', 'police', 'other')),
    on_date       TEXT NOT NULL,
    at_time       TEXT,          -- HH:MM local time, or NULL for the whole day
    minutes       INTEGER NOT NULL CHECK (minutes >= 0),
    place         TEXT,
    with_whom     TEXT,
    staff         TEXT NOT NULL
) STRICT;
CREATE INDEX appointment_case ON appointment (case_id);
CREATE INDEX appointment_day ON appointment (on_date, at_time) WHERE deleted_at IS NULL;

-- The incident in the counsellor's words, and the police report. Stay at the centre: none
-- of these columns is in the pseudonymised projection, nor in a transfer.
ALTER TABLE incident ADD COLUMN description TEXT;
ALTER TABLE incident ADD COLUMN police_report_number TEXT;
ALTER TABLE incident ADD COLUMN police_station TEXT;
ALTER TABLE incident ADD COLUMN police_officer TEXT;
ALTER TABLE incident ADD COLUMN police_reported_on TEXT;

-- A referral's status change is a new version (it supersedes the previous one, like every
-- event) that says when the status changed; a correction leaves this NULL.
ALTER TABLE referral ADD COLUMN status_on TEXT;

-- Protection orders by the day they end (the calendar and "orders ending soon").
CREATE INDEX protection_order_ends ON protection_order (ends_on)
    WHERE ends_on IS NOT NULL AND deleted_at IS NULL;
-- Conference actions by due date (the calendar).
CREATE INDEX conference_action_due ON conference_action (due_on)
    WHERE due_on IS NOT NULL AND deleted_at IS NULL;
