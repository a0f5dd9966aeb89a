-- DuckDB, for T1–T10, run after duckdb-views.sql: the cases — the columns the tables read —
-- loaded once into a DuckDB table that takes the place of their view. Nine of the ten
-- queries read the cases, and over thousands of small files the cost is per file opened
-- (docs/performance.md, "Warehouse"): loaded, each of their partition files is opened once
-- instead of once per query. The other datasets stay views, each read once by the query
-- (or two) that needs it. For other questions, use the views (every column).
-- Rows in any order: nothing in T1–T10 depends on the order rows are read or stored in
-- (every result is grouped, no LIMIT, no first()), and DuckDB loads the cases in parallel
-- without keeping their files' order (docs/performance.md, "Fifth pass").
SET preserve_insertion_order = false;
DROP VIEW case_file;
CREATE TABLE case_file AS
  SELECT id, owner_centre, client_id, opened_on, referral_source, intake_outcome, closed_on,
         closure_reason, deleted_at, country, year, centre
  FROM read_parquet('case_file/*/*/*/*.parquet', hive_partitioning = true);
