-- The year the tables are computed for (here 2025), its first and next year's first day,
-- and its months with the month before each (for the caseload, T10b). Replace the years
-- to compute another year. The same text runs in DuckDB and PostgreSQL.
CREATE TABLE period (year INTEGER, from_day VARCHAR, to_day VARCHAR, first_month VARCHAR, last_month VARCHAR);
INSERT INTO period VALUES (2025, '2025-01-01', '2026-01-01', '2025-01', '2025-12');
CREATE TABLE period_month (month VARCHAR, prev VARCHAR);
INSERT INTO period_month VALUES
  ('2025-01', '2024-12'), ('2025-02', '2025-01'), ('2025-03', '2025-02'), ('2025-04', '2025-03'),
  ('2025-05', '2025-04'), ('2025-06', '2025-05'), ('2025-07', '2025-06'), ('2025-08', '2025-07'),
  ('2025-09', '2025-08'), ('2025-10', '2025-09'), ('2025-11', '2025-10'), ('2025-12', '2025-11');
