-- T5a: cases opened in the month by referral source; T5b: by intake outcome; T5c: of a new
-- or a returning client (returning: the same client has another live case at the same
-- centre opened in an earlier month, or in the same month with a smaller id). The cases of
-- the year and of the years before (where a returning client's earlier cases are) are read
-- once, and each case numbered among hers at the centre in that order (a window, not a
-- correlated EXISTS per case: one sort instead of a lookup per case).
WITH cf AS (
  SELECT id, client_id, owner_centre, opened_on, referral_source, intake_outcome, year
  FROM case_file
  WHERE deleted_at IS NULL AND year <= (SELECT year FROM period)),
c AS (
  SELECT *,
         -- Returning: an earlier case of hers at the centre in (month, id) order.
         CASE WHEN row_number() OVER (PARTITION BY client_id, owner_centre
                                      ORDER BY substr(opened_on, 1, 7), id) > 1
              THEN 'returning' ELSE 'new' END AS client_kind
  FROM cf),
y AS (
  SELECT * FROM c
  WHERE opened_on >= (SELECT from_day FROM period) AND opened_on < (SELECT to_day FROM period)
    AND year = (SELECT year FROM period))
SELECT 'T5a' AS part, owner_centre AS centre, substr(opened_on, 1, 7) AS month, referral_source AS code, count(*) AS value
FROM y GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T5b', owner_centre, substr(opened_on, 1, 7), intake_outcome, count(*) FROM y GROUP BY 1, 2, 3, 4
UNION ALL
SELECT 'T5c', owner_centre, substr(opened_on, 1, 7), client_kind, count(*) FROM y GROUP BY 1, 2, 3, 4
