-- T2a: forms of violence of the current incidents of the cases opened in the month (an
-- incident counts once under each of its forms). T2b: the incident's GBVIMS primary type,
-- the first type of the GBVIMS decision tree any of its forms maps to (crosswalk of the code
-- lists 2026.12.1), `non_gbv` when none does. DuckDB dialect (JSON arrays: from_json).
-- The incidents of cases opened in the year are in that year's partitions, and so is any
-- correction of one (a correction is recorded in the case of the row it corrects): they
-- are read once, for both the incidents and their corrections.
WITH gbvims(form, type, rank) AS (VALUES
  ('sexual_rape', 'rape', 0), ('sexual_other', 'sexual_assault', 1),
  ('physical', 'physical_assault', 2), ('fgm', 'physical_assault', 2),
  ('forced_marriage', 'forced_marriage', 3), ('economic', 'denial_of_resources', 4),
  ('neglect', 'denial_of_resources', 4), ('denial_of_resources', 'denial_of_resources', 4),
  ('psychological', 'psychological_abuse', 5), ('threats', 'psychological_abuse', 5),
  ('stalking', 'psychological_abuse', 5), ('other', 'non_gbv', 6)),
ranks(rank, type) AS (SELECT DISTINCT rank, type FROM gbvims),
iy AS (SELECT id, case_id, supersedes, deleted_at, violence_forms FROM incident WHERE year = (SELECT year FROM period)),
inc AS (
  SELECT c.owner_centre AS centre, substr(c.opened_on, 1, 7) AS month, i.id, i.violence_forms
  FROM case_file c JOIN iy i ON i.case_id = c.id
  WHERE c.deleted_at IS NULL AND i.deleted_at IS NULL
    AND c.opened_on >= (SELECT from_day FROM period) AND c.opened_on < (SELECT to_day FROM period)
    AND c.year = (SELECT year FROM period)
    AND i.id NOT IN (SELECT supersedes FROM iy WHERE supersedes IS NOT NULL)),
forms AS (
  SELECT DISTINCT centre, month, id, form
  FROM (SELECT centre, month, id, unnest(from_json(violence_forms, '["VARCHAR"]')) AS form FROM inc)),
primary_type AS (
  SELECT inc.centre, inc.month, inc.id, min(g.rank) AS rank
  FROM inc LEFT JOIN forms f ON f.id = inc.id LEFT JOIN gbvims g ON g.form = f.form
  GROUP BY 1, 2, 3)
SELECT 'T2a' AS part, centre, month, form AS code, count(*) AS value FROM forms GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T2b', p.centre, p.month, coalesce(r.type, 'non_gbv'), count(*)
FROM primary_type p LEFT JOIN ranks r ON r.rank = p.rank
GROUP BY 1, 2, 3, 4
