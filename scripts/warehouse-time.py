#!/usr/bin/env python3
"""Times DuckDB computing the year 2025's T1-T10 over a warehouse export with the SQL shipped
in docs/warehouse/, as scripts/warehouse-check.py runs it (the views, the cases loaded once,
the period, t1 ... t10 with the .duckdb.sql variant where there is one), without comparing
with Atrama's tables (that is warehouse-check.py's job). Each run is a fresh connection over
the files as the page cache holds them; prints wall-clock and CPU seconds of this process and
the number of non-zero cells. THREADS=N sets DuckDB's threads (default: one per core).

  warehouse-time.py EXPORT_DIR [RUNS]

Used for the national-size figures of docs/performance.md ("Warehouse"), run with the venv
scripts/install-deps.sh makes: target/warehouse-venv/bin/python scripts/warehouse-time.py DIR 3
"""

import os
import resource
import sys
import time

import duckdb

PARTS = ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10"]
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "warehouse")


def sql_file(name):
    path = os.path.join(DOCS, name + ".duckdb.sql")
    if not os.path.exists(path):
        path = os.path.join(DOCS, name + ".sql")
    with open(path, encoding="utf-8") as f:
        return f.read()


def run_all(con, text):
    """Runs each statement of `text` (split at semicolons; comments only are skipped)."""
    for stmt in text.split(";"):
        code = [line for line in stmt.splitlines() if line.strip() and not line.strip().startswith("--")]
        if code:
            con.execute(stmt)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    export = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    threads = os.environ.get("THREADS")
    os.chdir(export)
    for run in range(1, runs + 1):
        cpu, start = cpu_seconds(), time.time()
        con = duckdb.connect()
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        for name in ["duckdb-views", "duckdb-tables", "period"]:
            run_all(con, sql_file(name))
        cells = 0
        for part in PARTS:
            cells += sum(1 for row in con.execute(sql_file(part)).fetchall() if row[-1])
        wall = time.time() - start
        con.close()
        print(f"run {run}: {wall:.2f} s wall, {cpu_seconds() - cpu:.2f} CPU s, "
              f"{cells} non-zero cells", flush=True)


if __name__ == "__main__":
    main()
