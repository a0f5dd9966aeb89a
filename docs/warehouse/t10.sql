-- T10a: cases closed in the month by closure reason. T10b: caseload — cases open at the
-- start of the month (at the end of the month before) and at its end: opened in that month
-- or before and not closed in it or before. Counted as running sums over one scan: each
-- case adds 1 in its opening month and takes it back in its closing month (never earlier
-- than its opening month); the count open at the end of a month is the sum of what was
-- added and taken back in it and before. The cases are read once, for both parts.
WITH cf AS (
  SELECT owner_centre AS centre, opened_on, closed_on, closure_reason
  FROM case_file
  WHERE deleted_at IS NULL),
ev AS (
  SELECT centre, substr(opened_on, 1, 7) AS open_m,
         CASE WHEN closed_on IS NOT NULL
              THEN greatest(substr(closed_on, 1, 7), substr(opened_on, 1, 7)) END AS close_m
  FROM cf
  WHERE opened_on < (SELECT to_day FROM period)),
flow AS (
  SELECT centre, open_m AS m, count(*) AS n FROM ev GROUP BY 1, 2
  UNION ALL
  SELECT centre, close_m, -count(*) FROM ev WHERE close_m IS NOT NULL GROUP BY 1, 2),
flow_m AS (SELECT centre, m, sum(n) AS n FROM flow GROUP BY 1, 2)
SELECT 'T10a' AS part, centre, substr(closed_on, 1, 7) AS month,
       coalesce(closure_reason, '') AS code, count(*) AS value
FROM cf
WHERE closed_on >= (SELECT from_day FROM period) AND closed_on < (SELECT to_day FROM period)
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T10b', f.centre, pm.month, 'open_at_end', sum(f.n)
FROM period_month pm JOIN flow_m f ON f.m <= pm.month
GROUP BY 1, 2, 3, 4
HAVING sum(f.n) <> 0
UNION ALL
SELECT 'T10b', f.centre, pm.month, 'open_at_start', sum(f.n)
FROM period_month pm JOIN flow_m f ON f.m <= pm.prev
GROUP BY 1, 2, 3, 4
HAVING sum(f.n) <> 0
