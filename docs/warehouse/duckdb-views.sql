-- DuckDB: one view per dataset over its Parquet files, read from the export folder (the
-- folder holding manifest.json). The partition keys country, year and centre come from the
-- folder names (hive_partitioning).
CREATE VIEW client AS SELECT * FROM read_parquet('client/*/*/*/*.parquet', hive_partitioning = true);
CREATE VIEW case_file AS SELECT * FROM read_parquet('case_file/*/*/*/*.parquet', hive_partitioning = true);
CREATE VIEW incident AS SELECT * FROM read_parquet('incident/*/*/*/*.parquet', hive_partitioning = true);
CREATE VIEW child AS SELECT * FROM read_parquet('child/*/*/*/*.parquet', hive_partitioning = true);
CREATE VIEW service_contact AS SELECT * FROM read_parquet('service_contact/*/*/*/*.parquet', hive_partitioning = true);
CREATE VIEW referral AS SELECT * FROM read_parquet('referral/*/*/*/*.parquet', hive_partitioning = true);
CREATE VIEW protection_order AS SELECT * FROM read_parquet('protection_order/*/*/*/*.parquet', hive_partitioning = true);
CREATE VIEW risk_assessment AS SELECT * FROM read_parquet('risk_assessment/*/*/*/*.parquet', hive_partitioning = true);
