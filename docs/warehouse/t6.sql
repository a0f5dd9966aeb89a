-- T6a: service contacts in the month by discipline; T6b: their minutes. Current versions
-- only (not corrected by a later one, not deleted), of cases that are not deleted. "Is it
-- corrected?" reads only the corrections (`supersedes` set, of any date), so the engine
-- skips the rest of the column; one result gives both parts.
WITH corrected AS (
  SELECT supersedes AS id FROM service_contact WHERE supersedes IS NOT NULL),
s AS (
  SELECT s.owner_centre AS centre, substr(s.on_date, 1, 7) AS month, s.discipline AS code,
         count(*) AS contacts, sum(s.minutes) AS minutes
  FROM service_contact s JOIN case_file c ON c.id = s.case_id
  WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL
    AND s.on_date >= (SELECT from_day FROM period) AND s.on_date < (SELECT to_day FROM period)
    AND NOT EXISTS (SELECT 1 FROM corrected k WHERE k.id = s.id)
  GROUP BY 1, 2, 3)
SELECT 'T6a' AS part, centre, month, code, contacts AS value FROM s
UNION ALL
SELECT 'T6b', centre, month, code, minutes FROM s
