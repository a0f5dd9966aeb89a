-- T9: protection orders by the month of their decision (else application, else start,
-- else the case's opening), by issuer and status, code `issuer|status`.
SELECT 'T9' AS part, centre, month, code, count(*) AS value
FROM (
  SELECT o.owner_centre AS centre,
         substr(coalesce(o.decided_on, o.applied_on, o.starts_on, c.opened_on), 1, 7) AS month,
         o.issuer || '|' || o.status AS code
  FROM protection_order o JOIN case_file c ON c.id = o.case_id
  WHERE o.deleted_at IS NULL AND c.deleted_at IS NULL) AS o
WHERE month >= (SELECT first_month FROM period) AND month <= (SELECT last_month FROM period)
GROUP BY 1, 2, 3, 4
