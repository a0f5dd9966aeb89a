#!/usr/bin/env python3
"""Where DuckDB spends its time over the Parquet warehouse export: for each dataset that the
monthly tables T1-T10 read (docs/warehouse/*.sql), the cost of listing its partition files,
of reading their footers, of opening them (count(*)), and of scanning the columns the tables
read -- beside the same scan over the same rows in one file, when a folder of one file per
dataset is given (the warehouse bench's baseline). Wall-clock and CPU seconds of this process
(the machine is shared: CPU is the fairer measure), best of three, each in a fresh connection
after one warm-up (the files in the page cache, DuckDB's caches empty).

  warehouse-profile.py EXPORT_DIR [ONE_FILE_DIR]

Run by benches/warehouse.rs after scripts/warehouse-check.py (docs/performance.md,
"Warehouse").
"""

import os
import resource
import sys
import time

import duckdb

# The columns T1-T10 read of each dataset (docs/warehouse/t*.sql, duckdb-tables.sql).
COLUMNS = {
    "client": ["id", "sex", "age_band"],
    "case_file": ["id", "owner_centre", "client_id", "opened_on", "referral_source",
                  "intake_outcome", "closed_on", "closure_reason", "deleted_at"],
    "incident": ["id", "case_id", "supersedes", "deleted_at", "violence_forms", "perpetrators"],
    "child": ["case_id", "deleted_at", "witnessed", "directly_harmed"],
    "service_contact": ["id", "supersedes", "case_id", "owner_centre", "on_date", "discipline",
                        "minutes", "deleted_at"],
    "referral": ["id", "supersedes", "case_id", "owner_centre", "on_date", "agency_type",
                 "status", "deleted_at"],
    "protection_order": ["owner_centre", "case_id", "decided_on", "applied_on", "starts_on",
                         "issuer", "status", "deleted_at"],
    "risk_assessment": ["id", "supersedes", "case_id", "owner_centre", "assessed_on",
                        "instrument_id", "final_band", "deleted_at"],
}


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best(sql, n=3):
    duckdb.connect().execute(sql).fetchall()  # warm-up: the page cache
    out = (1e9, 1e9)
    for _ in range(n):
        con = duckdb.connect()
        t, c = time.monotonic(), cpu()
        con.execute(sql).fetchall()
        out = min(out, (time.monotonic() - t, cpu() - c))
        con.close()
    return out


def main():
    export = os.path.abspath(sys.argv[1])
    one = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    os.chdir(export)
    print("| dataset | files | list (glob) | footers | open (count(*)) | scan of the tables' columns |"
          + (" same scan, one file |" if one else ""))
    print("|---|---|---|---|---|---|" + ("---|" if one else ""))
    total = [0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    for name, cols in COLUMNS.items():
        files = f"'{name}/*/*/*/*.parquet'"
        n = duckdb.connect().execute(f"SELECT count(*) FROM glob({files})").fetchone()[0]
        hashed = f"sum(hash({', '.join(cols)}))"
        runs = [
            best(f"SELECT count(*) FROM glob({files})"),
            best(f"SELECT count(*) FROM parquet_file_metadata({files})"),
            best(f"SELECT count(*) FROM read_parquet({files}, hive_partitioning = true)"),
            best(f"SELECT {hashed} FROM read_parquet({files}, hive_partitioning = true)"),
        ]
        if one:
            runs.append(best(f"SELECT {hashed} FROM read_parquet('{one}/{name}.parquet')"))
        total[0] += n
        for i, (w, c) in enumerate(runs):
            total[1 + 2 * i] += w
            total[2 + 2 * i] += c
        cells = " | ".join(f"{w:.3f} s ({c:.3f} CPU)" for w, c in runs)
        print(f"| {name} | {n} | {cells} |")
    k = 4 + (1 if one else 0)
    cells = " | ".join(f"{total[1 + 2 * i]:.3f} s ({total[2 + 2 * i]:.3f} CPU)" for i in range(k))
    print(f"| **all eight** | {total[0]} | {cells} |")
    print(f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")


if __name__ == "__main__":
    main()
