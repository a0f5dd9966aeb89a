#!/usr/bin/env bash
# The Parquet warehouse export against real engines (docs/warehouse.md), called from
# scripts/test.sh: a coordination centre with three demo centres in two countries
# (examples/warehouse_fixture.rs) exports its replicas as Parquet and writes its own tables
# T1–T10 of 2025; DuckDB (the pinned `duckdb` PyPI package in a venv) recomputes every cell
# over the Parquet files with the SQL of docs/warehouse/*.sql, and a real PostgreSQL (Debian's,
# a temporary cluster listening on a Unix socket only, stopped on exit even after a failure),
# loaded by a script generated from the manifest, runs the same SQL: every count must equal
# Atrama's. Fictitious data only; everything lives in a temporary folder removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

YEAR=2025
VENV="$PWD/target/warehouse-venv"
[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import duckdb' 2>/dev/null \
  || { echo "error: $VENV has no duckdb; run scripts/install-deps.sh" >&2; exit 1; }
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] \
  || { echo "error: PostgreSQL is missing; run scripts/install-deps.sh (Debian: postgresql)" >&2; exit 1; }

W=$(mktemp -d)
PGDATA="$W/pg/data"
AS_PG=()
cleanup() {
  if [ -f "$PGDATA/postmaster.pid" ]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$W"
}
trap cleanup EXIT

echo "==> the fixture: three centres, two countries, their coordinator's Parquet export and tables of $YEAR"
cargo run -q --offline --example warehouse_fixture -- "$W/fixture" "$YEAR"

echo "==> a temporary PostgreSQL cluster (Unix socket only, no TCP)"
mkdir -p "$W/pg"
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses root: the cluster runs as Debian's postgres user.
  chmod 755 "$W"
  chown postgres "$W/pg"
  AS_PG=(runuser -u postgres --)
fi
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDATA" --no-locale -E UTF8 -A trust -U warehouse >/dev/null
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$W/pg/log" -w \
  -o "-c listen_addresses='' -k $W/pg -c fsync=off" start >/dev/null
"$PG_BIN/psql" -X -q -h "$W/pg" -U warehouse -d postgres -c "CREATE DATABASE warehouse"

echo "==> T1–T10 of $YEAR from the Parquet files: DuckDB, then PostgreSQL"
"$VENV/bin/python" scripts/warehouse-check.py "$W/fixture/warehouse" "$W/fixture/atrama-tables.json" \
  "$YEAR" "$PWD/docs/warehouse" "$W/pg" "$PG_BIN"
