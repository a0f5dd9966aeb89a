-- Schema 1: the store's own facts, the centre profile and staff accounts.
-- Append-only: never edit a migration that has shipped; add a new file.

CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE centre_profile (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    country          TEXT NOT NULL CHECK (country IN ('LT', 'LV', 'AZ', 'other')),
    default_language TEXT NOT NULL CHECK (default_language IN ('en', 'lt', 'lv', 'az', 'ru')),
    mode             TEXT NOT NULL CHECK (mode IN ('centre', 'coordinator')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id          TEXT PRIMARY KEY,
    username    TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('counsellor', 'administrator', 'coordinator')),
    created_at  TEXT NOT NULL,
    disabled_at TEXT
) STRICT;
