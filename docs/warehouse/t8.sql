-- T8: risk assessments made in the month by instrument and final band (after the
-- practitioner's judgement), code `instrument|band`. "Is it corrected?" reads only the
-- corrections (`supersedes` set, of any date).
WITH corrected AS (
  SELECT supersedes AS id FROM risk_assessment WHERE supersedes IS NOT NULL)
SELECT 'T8' AS part, a.owner_centre AS centre, substr(a.assessed_on, 1, 7) AS month,
       a.instrument_id || '|' || a.final_band AS code, count(*) AS value
FROM risk_assessment a JOIN case_file c ON c.id = a.case_id
WHERE a.deleted_at IS NULL AND c.deleted_at IS NULL
  AND a.assessed_on >= (SELECT from_day FROM period) AND a.assessed_on < (SELECT to_day FROM period)
  AND NOT EXISTS (SELECT 1 FROM corrected k WHERE k.id = a.id)
GROUP BY 1, 2, 3, 4
