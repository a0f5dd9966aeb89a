-- T5a: cases opened in the month by referral source; T5b: by intake outcome; T5c: of a new
-- or a returning client (returning: the same client has another live case at the same
-- centre opened in an earlier month, or in the same month with a smaller id). The cases of
-- the year and of the years before (where a returning client's earlier cases are) are read
-- once.
WITH cf AS (
  SELECT id, client_id, owner_centre, opened_on, referral_source, intake_outcome, year
  FROM case_file
  WHERE deleted_at IS NULL AND year <= (SELECT year FROM period)),
c AS (
  SELECT c.*,
         CASE WHEN EXISTS (SELECT 1 FROM cf p
               WHERE p.client_id = c.client_id AND p.owner_centre = c.owner_centre
                 AND p.id <> c.id AND p.year <= c.year
                 AND (substr(p.opened_on, 1, 7) < substr(c.opened_on, 1, 7)
                      OR (substr(p.opened_on, 1, 7) = substr(c.opened_on, 1, 7) AND p.id < c.id)))
              THEN 'returning' ELSE 'new' END AS client_kind
  FROM cf c
  WHERE c.opened_on >= (SELECT from_day FROM period) AND c.opened_on < (SELECT to_day FROM period)
    AND c.year = (SELECT year FROM period))
SELECT 'T5a' AS part, owner_centre AS centre, substr(opened_on, 1, 7) AS month, referral_source AS code, count(*) AS value
FROM c GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T5b', owner_centre, substr(opened_on, 1, 7), intake_outcome, count(*) FROM c GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T5c', owner_centre, substr(opened_on, 1, 7), client_kind, count(*) FROM c GROUP BY 1, 2, 3, 4
