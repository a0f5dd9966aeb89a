-- T7a: outgoing referrals made in the month by agency type; T7b: by status. Current
-- versions of cases that are not deleted. "Is it corrected?" reads only the corrections
-- (`supersedes` set, of any date).
WITH corrected AS (
  SELECT supersedes AS id FROM referral WHERE supersedes IS NOT NULL),
r AS (
  SELECT r.* FROM referral r JOIN case_file c ON c.id = r.case_id
  WHERE r.deleted_at IS NULL AND c.deleted_at IS NULL
    AND r.on_date >= (SELECT from_day FROM period) AND r.on_date < (SELECT to_day FROM period)
    AND NOT EXISTS (SELECT 1 FROM corrected k WHERE k.id = r.id))
SELECT 'T7a' AS part, owner_centre AS centre, substr(on_date, 1, 7) AS month, agency_type AS code, count(*) AS value
FROM r GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T7b', owner_centre, substr(on_date, 1, 7), status, count(*) FROM r GROUP BY 1, 2, 3, 4
