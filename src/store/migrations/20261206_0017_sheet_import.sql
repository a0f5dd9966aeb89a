-- Spreadsheet import (issue 24, `src/sheets/`): each import is a batch; every record it
-- created is listed with the sheet row it came from and the version it was created with,
-- so that the batch can be undone (as tombstones) while nothing else has touched them.
-- Saved mappings hold header names and code-list words only, never case data.
CREATE TABLE import_batch (
    id            TEXT PRIMARY KEY,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    source_name   TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    mapping_name  TEXT NOT NULL,
    rows_imported INTEGER NOT NULL,
    undone_at     TEXT,
    undone_by     TEXT
) STRICT;

CREATE TABLE import_record (
    batch_id   TEXT NOT NULL REFERENCES import_batch (id),
    kind       TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    source_row INTEGER NOT NULL,
    hlc        INTEGER NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT;
CREATE INDEX import_record_batch ON import_record (batch_id, source_row);

CREATE TABLE import_mapping (
    name     TEXT PRIMARY KEY,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    mapping  TEXT NOT NULL
) STRICT;
