-- T3: each perpetrator link of those incidents (current incidents of the cases opened in
-- the month), by relationship (`unknown` when not given). The EIGE categories are sums of
-- relationships (docs/statistics.md). DuckDB dialect.
-- The incidents of cases opened in the year are in that year's partitions, and so is any
-- correction of one (a correction is recorded in the case of the row it corrects): they
-- are read once, for both the incidents and their corrections.
WITH iy AS (SELECT id, case_id, supersedes, deleted_at, perpetrators FROM incident WHERE year = (SELECT year FROM period)),
links AS (
  SELECT c.owner_centre AS centre, substr(c.opened_on, 1, 7) AS month,
         unnest(from_json(i.perpetrators, '["JSON"]')) AS p
  FROM case_file c JOIN iy i ON i.case_id = c.id
  WHERE c.deleted_at IS NULL AND i.deleted_at IS NULL
    AND c.opened_on >= (SELECT from_day FROM period) AND c.opened_on < (SELECT to_day FROM period)
    AND c.year = (SELECT year FROM period)
    AND i.id NOT IN (SELECT supersedes FROM iy WHERE supersedes IS NOT NULL))
SELECT 'T3' AS part, centre, month, coalesce(json_extract_string(p, '$.relationship'), 'unknown') AS code,
       count(*) AS value
FROM links GROUP BY 1, 2, 3, 4
