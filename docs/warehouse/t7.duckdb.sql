-- T7a: outgoing referrals made in the month by agency type; T7b: by status. Current
-- versions of cases that are not deleted. DuckDB dialect of t7.sql, the same counts (NOT IN
-- of the few deleted cases and the few corrections: see t6.duckdb.sql).
WITH r AS (
  SELECT r.* FROM referral r
  WHERE r.deleted_at IS NULL
    AND r.on_date >= (SELECT from_day FROM period) AND r.on_date < (SELECT to_day FROM period)
    AND r.case_id NOT IN (SELECT id FROM case_file WHERE deleted_at IS NOT NULL)
    AND r.id NOT IN (SELECT supersedes FROM referral WHERE supersedes IS NOT NULL))
SELECT 'T7a' AS part, owner_centre AS centre, substr(on_date, 1, 7) AS month, agency_type AS code, count(*) AS value
FROM r GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T7b', owner_centre, substr(on_date, 1, 7), status, count(*) FROM r GROUP BY 1, 2, 3, 4
