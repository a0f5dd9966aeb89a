#!/usr/bin/env python3
"""Times DuckDB computing the year 2025's T1-T10 over a warehouse export with the SQL shipped
in docs/warehouse/, with scripts/warehouse-check.py's own functions (the manifest, the views,
the cases loaded once, the period, t1 ... t10 with the .duckdb.sql variant where there is
one), without comparing with Atrama's tables (that is warehouse-check.py's job). Each run is
a fresh connection over the files as the page cache holds them; prints wall-clock and CPU
seconds of this process and the number of non-zero cells. THREADS=N sets DuckDB's threads (default: one per core).

  warehouse-time.py EXPORT_DIR [RUNS]

Used for the national-size figures of docs/performance.md ("Warehouse"), run with the venv
scripts/install-deps.sh makes: target/warehouse-venv/bin/python scripts/warehouse-time.py DIR 3
"""

import importlib.util
import os
import resource
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "docs", "warehouse")
# The setup and the SQL files exactly as warehouse-check.py reads them.
_spec = importlib.util.spec_from_file_location("warehouse_check", os.path.join(HERE, "warehouse-check.py"))
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    export = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    threads = os.environ.get("THREADS")
    os.chdir(export)
    for run in range(1, runs + 1):
        cpu, start = cpu_seconds(), time.time()
        con = duckdb.connect()
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        manifest = check.duckdb_views(con, export, 2025)
        check.duckdb_setup(con, DOCS, manifest, 2025)
        cells = 0
        for part in check.PARTS:
            cells += sum(1 for row in con.execute(check.sql_file(DOCS, part, "duckdb")).fetchall() if row[-1])
        wall = time.time() - start
        con.close()
        print(f"run {run}: {wall:.2f} s wall, {cpu_seconds() - cpu:.2f} CPU s, "
              f"{cells} non-zero cells", flush=True)


if __name__ == "__main__":
    main()
