-- Schema 25: the coordinator's monthly counts (issue 26 item 10, docs/performance.md
-- "The coordinator's screens at scale"). `stat_count` holds what `stats::tables` counts from
-- the live records (T1–T10a by month, centre, part and code; the caseload as the net number
-- of cases opened minus closed in the month; the data-quality counts of the cases opened in
-- the month), so a counting screen reads a year of counts instead of a year of rows.
--
-- Exactness: `stat_count` plus the months listed in `stat_count_dirty` are always exact. The
-- triggers below list, in the same transaction as any write to a table the counts are made
-- from (whoever writes: bundle import, corrections, tombstones, purge, transfers, the case
-- record), every month whose counts that write may change; `stats::tables::counts::refresh`
-- recomputes those months from the rows and empties the list (at the end of a coordinator's
-- bundle import, and before any read that finds the list not empty).
-- Append-only: never edit a migration that has shipped; add a new file. A migration that
-- rebuilds one of these tables must create its triggers again.

CREATE TABLE stat_count (
    month  TEXT NOT NULL,
    centre TEXT NOT NULL,
    part   TEXT NOT NULL,
    code   TEXT NOT NULL,
    value  INTEGER NOT NULL,
    PRIMARY KEY (month, centre, part, code)
) STRICT, WITHOUT ROWID;

CREATE TABLE stat_count_dirty (
    month TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- service_contact: its own month, the month of the record it supersedes, and its case's opening month (data quality).
CREATE TRIGGER stat_count_service_contact_insert AFTER INSERT ON service_contact
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(NEW.on_date, 1, 7) AS m
      UNION SELECT substr(on_date, 1, 7) FROM service_contact WHERE id = NEW.supersedes
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = NEW.case_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_service_contact_update AFTER UPDATE ON service_contact
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.on_date, 1, 7) AS m
      UNION SELECT substr(on_date, 1, 7) FROM service_contact WHERE id = OLD.supersedes
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = OLD.case_id
      UNION SELECT substr(NEW.on_date, 1, 7)
      UNION SELECT substr(on_date, 1, 7) FROM service_contact WHERE id = NEW.supersedes
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = NEW.case_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_service_contact_delete AFTER DELETE ON service_contact
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.on_date, 1, 7) AS m
      UNION SELECT substr(on_date, 1, 7) FROM service_contact WHERE id = OLD.supersedes
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = OLD.case_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

-- referral: its own month, the month of the record it supersedes.
CREATE TRIGGER stat_count_referral_insert AFTER INSERT ON referral
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(NEW.on_date, 1, 7) AS m
      UNION SELECT substr(on_date, 1, 7) FROM referral WHERE id = NEW.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_referral_update AFTER UPDATE ON referral
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.on_date, 1, 7) AS m
      UNION SELECT substr(on_date, 1, 7) FROM referral WHERE id = OLD.supersedes
      UNION SELECT substr(NEW.on_date, 1, 7)
      UNION SELECT substr(on_date, 1, 7) FROM referral WHERE id = NEW.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_referral_delete AFTER DELETE ON referral
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.on_date, 1, 7) AS m
      UNION SELECT substr(on_date, 1, 7) FROM referral WHERE id = OLD.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

-- risk_assessment: its own month, the month of the record it supersedes.
CREATE TRIGGER stat_count_risk_assessment_insert AFTER INSERT ON risk_assessment
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(NEW.assessed_on, 1, 7) AS m
      UNION SELECT substr(assessed_on, 1, 7) FROM risk_assessment WHERE id = NEW.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_risk_assessment_update AFTER UPDATE ON risk_assessment
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.assessed_on, 1, 7) AS m
      UNION SELECT substr(assessed_on, 1, 7) FROM risk_assessment WHERE id = OLD.supersedes
      UNION SELECT substr(NEW.assessed_on, 1, 7)
      UNION SELECT substr(assessed_on, 1, 7) FROM risk_assessment WHERE id = NEW.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_risk_assessment_delete AFTER DELETE ON risk_assessment
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.assessed_on, 1, 7) AS m
      UNION SELECT substr(assessed_on, 1, 7) FROM risk_assessment WHERE id = OLD.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

-- incident, child: the opening month of their case (and of the superseded incident's case).
CREATE TRIGGER stat_count_incident_insert AFTER INSERT ON incident
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr((SELECT opened_on FROM case_file WHERE id = NEW.case_id), 1, 7) AS m
      UNION SELECT substr(c.opened_on, 1, 7) FROM incident i JOIN case_file c ON c.id = i.case_id WHERE i.id = NEW.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_incident_update AFTER UPDATE ON incident
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr((SELECT opened_on FROM case_file WHERE id = OLD.case_id), 1, 7) AS m
      UNION SELECT substr(c.opened_on, 1, 7) FROM incident i JOIN case_file c ON c.id = i.case_id WHERE i.id = OLD.supersedes
      UNION SELECT substr((SELECT opened_on FROM case_file WHERE id = NEW.case_id), 1, 7)
      UNION SELECT substr(c.opened_on, 1, 7) FROM incident i JOIN case_file c ON c.id = i.case_id WHERE i.id = NEW.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_incident_delete AFTER DELETE ON incident
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr((SELECT opened_on FROM case_file WHERE id = OLD.case_id), 1, 7) AS m
      UNION SELECT substr(c.opened_on, 1, 7) FROM incident i JOIN case_file c ON c.id = i.case_id WHERE i.id = OLD.supersedes)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_child_insert AFTER INSERT ON child
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr((SELECT opened_on FROM case_file WHERE id = NEW.case_id), 1, 7) AS m)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_child_update AFTER UPDATE ON child
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr((SELECT opened_on FROM case_file WHERE id = OLD.case_id), 1, 7) AS m
      UNION SELECT substr((SELECT opened_on FROM case_file WHERE id = NEW.case_id), 1, 7))
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_child_delete AFTER DELETE ON child
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr((SELECT opened_on FROM case_file WHERE id = OLD.case_id), 1, 7) AS m)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

-- protection_order: each of its dates and its case's opening month (T9 falls back to it).
CREATE TRIGGER stat_count_protection_order_insert AFTER INSERT ON protection_order
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(NEW.decided_on, 1, 7) AS m
      UNION SELECT substr(NEW.applied_on, 1, 7)
      UNION SELECT substr(NEW.starts_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = NEW.case_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_protection_order_update AFTER UPDATE ON protection_order
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.decided_on, 1, 7) AS m
      UNION SELECT substr(OLD.applied_on, 1, 7)
      UNION SELECT substr(OLD.starts_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = OLD.case_id
      UNION SELECT substr(NEW.decided_on, 1, 7)
      UNION SELECT substr(NEW.applied_on, 1, 7)
      UNION SELECT substr(NEW.starts_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = NEW.case_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_protection_order_delete AFTER DELETE ON protection_order
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.decided_on, 1, 7) AS m
      UNION SELECT substr(OLD.applied_on, 1, 7)
      UNION SELECT substr(OLD.starts_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE id = OLD.case_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

-- case_file: its opening and closing months (T1, T2–T5, T10, the caseload, data quality),
-- the opening months of every case of the same client (new or returning, T5c), and, when
-- it is tombstoned, deleted, moved in time or to another client or centre, the months of
-- the records of the case (they count only while the case is live).
CREATE TRIGGER stat_count_case_file_insert AFTER INSERT ON case_file
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(NEW.opened_on, 1, 7) AS m
      UNION SELECT substr(NEW.closed_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE client_id = NEW.client_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_case_file_update AFTER UPDATE ON case_file
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.opened_on, 1, 7) AS m
      UNION SELECT substr(OLD.closed_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE client_id = OLD.client_id
      UNION SELECT substr(NEW.opened_on, 1, 7)
      UNION SELECT substr(NEW.closed_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE client_id = NEW.client_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_case_file_delete AFTER DELETE ON case_file
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(OLD.opened_on, 1, 7) AS m
      UNION SELECT substr(OLD.closed_on, 1, 7)
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE client_id = OLD.client_id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_case_file_records_update AFTER UPDATE ON case_file
    WHEN (OLD.deleted_at IS NOT NEW.deleted_at OR OLD.opened_on IS NOT NEW.opened_on
      OR OLD.client_id IS NOT NEW.client_id OR OLD.owner_centre IS NOT NEW.owner_centre)
      AND (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT m FROM (SELECT DISTINCT substr(on_date, 1, 7) AS m FROM service_contact WHERE case_id = OLD.id)
      UNION SELECT substr(on_date, 1, 7) FROM referral WHERE case_id = OLD.id
      UNION SELECT substr(assessed_on, 1, 7) FROM risk_assessment WHERE case_id = OLD.id
      UNION SELECT substr(decided_on, 1, 7) FROM protection_order WHERE case_id = OLD.id
      UNION SELECT substr(applied_on, 1, 7) FROM protection_order WHERE case_id = OLD.id
      UNION SELECT substr(starts_on, 1, 7) FROM protection_order WHERE case_id = OLD.id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_case_file_records_delete AFTER DELETE ON case_file
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT m FROM (SELECT DISTINCT substr(on_date, 1, 7) AS m FROM service_contact WHERE case_id = OLD.id)
      UNION SELECT substr(on_date, 1, 7) FROM referral WHERE case_id = OLD.id
      UNION SELECT substr(assessed_on, 1, 7) FROM risk_assessment WHERE case_id = OLD.id
      UNION SELECT substr(decided_on, 1, 7) FROM protection_order WHERE case_id = OLD.id
      UNION SELECT substr(applied_on, 1, 7) FROM protection_order WHERE case_id = OLD.id
      UNION SELECT substr(starts_on, 1, 7) FROM protection_order WHERE case_id = OLD.id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

-- client: sex and age band count in T1 and data quality, in the opening months of its cases.
CREATE TRIGGER stat_count_client_update AFTER UPDATE ON client
    WHEN (OLD.sex IS NOT NEW.sex OR OLD.age_band IS NOT NEW.age_band OR OLD.id IS NOT NEW.id)
      AND (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(opened_on, 1, 7) AS m FROM case_file WHERE client_id = NEW.id
      UNION SELECT substr(opened_on, 1, 7) FROM case_file WHERE client_id = OLD.id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_client_delete AFTER DELETE ON client
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(opened_on, 1, 7) AS m FROM case_file WHERE client_id = OLD.id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

CREATE TRIGGER stat_count_client_insert AFTER INSERT ON client
WHEN (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator'
BEGIN
    INSERT OR IGNORE INTO stat_count_dirty (month)
    SELECT m FROM (SELECT substr(opened_on, 1, 7) AS m FROM case_file WHERE client_id = NEW.id)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty);
END;

-- Only a coordination centre lists months (the WHEN of every trigger): a centre counts from
-- its rows, and its writes pay nothing for counts it never reads.

-- Every month that has records is to be counted once (the first statistics read or the
-- next import does it).
INSERT OR IGNORE INTO stat_count_dirty (month)
SELECT m FROM (
    SELECT substr(opened_on, 1, 7) AS m FROM case_file
    UNION SELECT substr(closed_on, 1, 7) FROM case_file
    UNION SELECT substr(on_date, 1, 7) FROM service_contact INDEXED BY service_contact_stats
        WHERE deleted_at IS NULL
    UNION SELECT substr(on_date, 1, 7) FROM service_contact WHERE deleted_at IS NOT NULL
    UNION SELECT substr(on_date, 1, 7) FROM referral
    UNION SELECT substr(assessed_on, 1, 7) FROM risk_assessment
    UNION SELECT substr(decided_on, 1, 7) FROM protection_order
    UNION SELECT substr(applied_on, 1, 7) FROM protection_order
    UNION SELECT substr(starts_on, 1, 7) FROM protection_order
)
    WHERE m IS NOT NULL AND m NOT IN (SELECT month FROM stat_count_dirty)
      AND (SELECT mode FROM centre_profile WHERE id = 1) = 'coordinator';

-- A part over a month range (the caseload's running sum, data quality), from the index alone.
CREATE INDEX stat_count_part ON stat_count (part, month, value);
