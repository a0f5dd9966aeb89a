-- T1: new cases opened in the month, by the client's sex and age band (code `sex|age_band`).
-- A client is in the partition of her first case: of the year or an earlier one.
SELECT 'T1' AS part, c.owner_centre AS centre, substr(c.opened_on, 1, 7) AS month,
       cl.sex || '|' || cl.age_band AS code, count(*) AS value
FROM case_file c JOIN client cl ON cl.id = c.client_id
WHERE c.deleted_at IS NULL
  AND c.opened_on >= (SELECT from_day FROM period) AND c.opened_on < (SELECT to_day FROM period)
  AND c.year = (SELECT year FROM period)
  AND cl.year <= (SELECT year FROM period)
GROUP BY 1, 2, 3, 4
