-- The warehouse export (src/warehouse/parquet.rs) reads each record type once, ordered by
-- owner centre and opening date, so that a partition (country, year, centre) arrives in one
-- run without a sort; `id` and `client_id` let it reach the records of each case and the
-- client from the index alone.
CREATE INDEX case_partition ON case_file (owner_centre, opened_on, id, client_id);
