-- Schema 8: indexes for the monthly tables (src/stats), at a coordinator's size
-- (100,000 cases, 2,000,000 service contacts). Dates are compared as text, which works on a
-- centre's full dates and a coordinator's month-level ones alike.
-- Append-only: never edit a migration that has shipped; add a new file.

-- T6: service contacts of a month range read from this index alone (no table rows):
-- month, centre, discipline and minutes of every live contact.
CREATE INDEX service_contact_stats
    ON service_contact (on_date, owner_centre, discipline, minutes)
    WHERE deleted_at IS NULL;

-- T7, T8: events of a month range.
CREATE INDEX referral_on_date ON referral (on_date) WHERE deleted_at IS NULL;
CREATE INDEX risk_assessment_assessed_on ON risk_assessment (assessed_on) WHERE deleted_at IS NULL;

-- T10: closures of a month range, and the caseload (opening and closing month of every
-- live case) read from the index alone.
CREATE INDEX case_closed_on ON case_file (closed_on) WHERE closed_on IS NOT NULL;
CREATE INDEX case_stats_caseload
    ON case_file (opened_on, owner_centre, closed_on)
    WHERE deleted_at IS NULL;

-- T6: the few contacts of tombstoned cases, subtracted.
CREATE INDEX case_deleted ON case_file (id) WHERE deleted_at IS NOT NULL;
