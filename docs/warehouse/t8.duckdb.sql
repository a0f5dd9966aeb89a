-- T8: risk assessments made in the month by instrument and final band (after the
-- practitioner's judgement), code `instrument|band`. DuckDB dialect of t8.sql, the same
-- counts (NOT IN of the few deleted cases and the few corrections: see t6.duckdb.sql).
SELECT 'T8' AS part, a.owner_centre AS centre, substr(a.assessed_on, 1, 7) AS month,
       a.instrument_id || '|' || a.final_band AS code, count(*) AS value
FROM risk_assessment a
WHERE a.deleted_at IS NULL
  AND a.assessed_on >= (SELECT from_day FROM period) AND a.assessed_on < (SELECT to_day FROM period)
  AND a.case_id NOT IN (SELECT id FROM case_file WHERE deleted_at IS NOT NULL)
  AND a.id NOT IN (SELECT supersedes FROM risk_assessment WHERE supersedes IS NOT NULL)
GROUP BY 1, 2, 3, 4
