-- T6a: service contacts in the month by discipline; T6b: their minutes. Current versions
-- only (not corrected by a later one, not deleted), of cases that are not deleted. DuckDB
-- dialect of t6.sql, the same counts: the two questions "is its case deleted?" and "is it
-- corrected?" are asked with NOT IN of the few deleted cases and the few corrections, which
-- DuckDB answers from a small hash table, where t6.sql's join with every case and its
-- NOT EXISTS hash every contact of the year against a million cases (docs/warehouse.md,
-- "Speed over many files"). Neither list can hold a NULL (ids; `supersedes IS NOT NULL`),
-- so NOT IN means what NOT EXISTS means; and every contact's case is in the export (a
-- coordinator applies no record whose case it does not hold).
WITH s AS (
  SELECT s.owner_centre AS centre, substr(s.on_date, 1, 7) AS month, s.discipline AS code,
         count(*) AS contacts, sum(s.minutes) AS minutes
  FROM service_contact s
  WHERE s.deleted_at IS NULL
    AND s.on_date >= (SELECT from_day FROM period) AND s.on_date < (SELECT to_day FROM period)
    AND s.case_id NOT IN (SELECT id FROM case_file WHERE deleted_at IS NOT NULL)
    AND s.id NOT IN (SELECT supersedes FROM service_contact WHERE supersedes IS NOT NULL)
  GROUP BY 1, 2, 3)
SELECT 'T6a' AS part, centre, month, code, contacts AS value FROM s
UNION ALL
SELECT 'T6b', centre, month, code, minutes FROM s
