#!/usr/bin/env python3
"""Recomputes the monthly tables T1-T10 of one year from the Parquet warehouse export with
the SQL shipped in docs/warehouse/ and compares every cell with Atrama's own tables.

Called by scripts/test-warehouse.sh:
  warehouse-check.py EXPORT_DIR ATRAMA_TABLES_JSON YEAR DOCS_SQL_DIR [PG_SOCKET_DIR PG_BIN]

1. DuckDB (the `duckdb` package) reads the Parquet files through docs/warehouse/duckdb-views.sql
   and duckdb-tables.sql (the cases loaded once), runs docs/warehouse/period.sql (the year
   replaced) and t1.sql ... t10.sql (the .duckdb.sql variant where there is one): every
   (table, centre, month, category) must equal Atrama's cell (zero cells are absent on both
   sides; subtotal columns are sums of the others).
2. With a PostgreSQL socket: a load script generated from manifest.json (CREATE TABLE per
   dataset with its columns and the partition keys, then psql's \\copy of the CSV DuckDB
   writes from each dataset's Parquet files) loads a real PostgreSQL, which runs the same
   SQL (the .postgresql.sql variant where there is one): the same counts.
"""

import json
import os
import subprocess
import sys
import time

import duckdb

PARTS = ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10"]
NEEDED = ["client", "case_file", "incident", "child", "service_contact", "referral",
          "protection_order", "risk_assessment"]


def sql_file(docs, name, engine):
    for candidate in (f"{name}.{engine}.sql", f"{name}.sql"):
        path = os.path.join(docs, candidate)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    sys.exit(f"error: no {name}.sql in {docs}")


def period_sql(docs, year):
    text = sql_file(docs, "period", "any")
    # The shipped file computes 2025; the same text with the years moved.
    return (text.replace("2026", "@NEXT@").replace("2024", "@PREV@").replace("2025", str(year))
            .replace("@NEXT@", str(year + 1)).replace("@PREV@", str(year - 1)))


def atrama_cells(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    cells = {}
    for t in report["tables"]:
        for i, row in enumerate(t["rows"]):
            for j, col in enumerate(t["columns"]):
                if col["subtotal"]:
                    continue
                v = t["cells"][i][j]["value"]
                if v:
                    cells[(t["id"], row["centre"], row["month"], col["code"])] = v
    return cells


def collect(rows):
    out = {}
    for part, centre, month, code, value in rows:
        value = int(value)
        if value:
            key = (part, centre, month, code)
            out[key] = out.get(key, 0) + value
    return out


def compare(what, got, want):
    missing = {k: v for k, v in want.items() if got.get(k) != v}
    extra = {k: v for k, v in got.items() if k not in want}
    if missing or extra:
        for k in sorted(missing)[:20]:
            print(f"  {what}: {k} is {got.get(k)}, Atrama says {missing[k]}", file=sys.stderr)
        for k in sorted(extra)[:20]:
            print(f"  {what}: {k} is {extra[k]}, Atrama has no such count", file=sys.stderr)
        sys.exit(f"error: {what} differs from Atrama's tables in {len(missing) + len(extra)} cell(s)")
    print(f"{what}: all {len(want)} non-zero cells of T1-T10 equal Atrama's "
          f"({len({k[0] for k in want})} table parts)")


def duckdb_views(con, export, year):
    # A dataset without any file (no records of that type) reads as an empty table.
    with open(os.path.join(export, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    # Months held only as counts have no records in any file: the SQL cannot match there.
    held = [f'{c["centre"]} ({c["source"]})' for c in manifest.get("counts_only", [])
            if any(m.startswith(f"{year}-") or m == f"{year - 1}-12" for m in c["months"])]
    if held:
        sys.exit(f"error: the manifest lists months of {year} held only as counts, in no file: "
                 f"{', '.join(held)}; tables computed from the files cannot equal Atrama's there")
    for name in NEEDED:
        d = manifest["datasets"].get(name)
        if d is None:
            sys.exit(f"error: the manifest has no dataset {name}")
        if not d["files"]:
            cols = ", ".join(f'"{c["name"]}" {"BIGINT" if c["type"] == "int64" else "VARCHAR"}'
                             for c in d["columns"])
            con.execute(f"CREATE TABLE {name} ({cols}, country VARCHAR, year BIGINT, centre VARCHAR)")
    return manifest


def duckdb_setup(con, docs, manifest, year):
    """The views and tables of docs/warehouse/duckdb-*.sql (a dataset without files stays the
    empty table duckdb_views made) and the period of `year`, in DuckDB, from the export folder."""
    for setup in ("duckdb-views", "duckdb-tables"):
        for stmt in sql_file(docs, setup, "any").split(";"):
            if not stmt.strip() or all(l.startswith("--") for l in stmt.strip().splitlines()):
                continue
            words = " ".join(l for l in stmt.splitlines() if not l.startswith("--")).split()
            name = words[2] if words[:2] in (["CREATE", "VIEW"], ["CREATE", "TABLE"], ["DROP", "VIEW"]) else None
            if name and not manifest["datasets"][name]["files"]:
                continue  # made an empty table above
            con.execute(stmt)
    for stmt in period_sql(docs, year).split(";"):
        if stmt.strip():
            con.execute(stmt)


def main():
    export, tables_json, year, docs = sys.argv[1:5]
    pg = sys.argv[5:7]
    year = int(year)
    want = atrama_cells(tables_json)
    if len(want) < 100:
        sys.exit(f"error: Atrama's tables of {year} hold only {len(want)} non-zero cells; the fixture is too small")

    os.chdir(export)
    con = duckdb.connect()
    manifest = duckdb_views(con, export, year)
    # Timed from here: opening the files (views, the tables loaded once) is part of the work.
    start = time.monotonic()
    duckdb_setup(con, docs, manifest, year)
    loaded = time.monotonic()
    rows = []
    for p in PARTS:
        rows += con.execute(sql_file(docs, p, "duckdb")).fetchall()
    end = time.monotonic()
    duck = collect(rows)
    compare("DuckDB over the Parquet files", duck, want)
    print(f"DuckDB computed T1-T10 of {year} in {end - start:.2f} s "
          f"(views and tables {loaded - start:.2f} s, the ten queries {end - loaded:.2f} s)")

    if not pg:
        return
    socket, pg_bin = pg
    psql = [os.path.join(pg_bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socket,
            "-U", "warehouse", "-d", "warehouse"]
    load = ["-- Generated from manifest.json: one table per dataset, then its rows."]
    for name, d in manifest["datasets"].items():
        cols = [c["name"] for c in d["columns"]]
        defs = ", ".join(f'"{c["name"]}" {"bigint" if c["type"] == "int64" else "text"}'
                         for c in d["columns"])
        load.append(f"CREATE TABLE {name} ({defs}, country text, year integer, centre text);")
        if d["files"]:
            csv = os.path.join(os.getcwd(), f".pg-{name}.csv")
            quoted = ", ".join(f'"{c}"' for c in cols)
            con.execute(
                f"COPY (SELECT {quoted}, country, year, centre FROM read_parquet('{name}/*/*/*/*.parquet', "
                f"hive_partitioning = true)) TO '{csv}' (FORMAT CSV, HEADER)")
            load.append(f"\\copy {name} ({quoted}, country, year, centre) FROM '{csv}' WITH (FORMAT csv, HEADER)")
    load_path = os.path.join(os.getcwd(), ".pg-load.sql")
    with open(load_path, "w", encoding="utf-8") as f:
        f.write("\n".join(load) + "\n")
    subprocess.run(psql + ["-f", load_path], check=True)
    subprocess.run(psql + ["-c", period_sql(docs, year)], check=True)
    pg_rows = []
    for p in PARTS:
        out = subprocess.run(psql + ["-A", "-t", "-F", "\t", "-c", sql_file(docs, p, "postgresql")],
                             check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.strip():
                part, centre, month, code, value = line.split("\t")
                pg_rows.append((part, centre, month, code, value))
    for name, d in manifest["datasets"].items():
        if d["files"]:
            os.remove(os.path.join(os.getcwd(), f".pg-{name}.csv"))
    os.remove(load_path)
    compare("PostgreSQL (loaded by the generated script)", collect(pg_rows), want)


if __name__ == "__main__":
    main()
