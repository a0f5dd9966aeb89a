-- T4: children of the cases opened in the month who witnessed the violence / were directly
-- harmed.
SELECT 'T4' AS part, c.owner_centre AS centre, substr(c.opened_on, 1, 7) AS month, k.code,
       sum(CASE WHEN (k.code = 'witnessed' AND ch.witnessed = 'yes')
                  OR (k.code = 'directly_harmed' AND ch.directly_harmed = 'yes') THEN 1 ELSE 0 END) AS value
FROM case_file c JOIN child ch ON ch.case_id = c.id,
     (VALUES ('witnessed'), ('directly_harmed')) AS k(code)
WHERE c.deleted_at IS NULL AND ch.deleted_at IS NULL
  AND c.opened_on >= (SELECT from_day FROM period) AND c.opened_on < (SELECT to_day FROM period)
  AND c.year = (SELECT year FROM period) AND ch.year = c.year
GROUP BY 1, 2, 3, 4
