#!/usr/bin/env python3
"""Writes the small hostile workbooks of tests/it/sheets_hostile.rs into
tests/fixtures/sheets/ (openpyxl; run from the repository root):

- hostile-error-cells.xlsx: a register whose phone and sex cells hold Excel error values
  (#N/A, #REF!: openpyxl stores them as error cells, data type 'e', as Excel does).
"""
import datetime as dt
import os

import openpyxl

OUT = "tests/fixtures/sheets"
HEADER = ["Vardas", "Pavardė", "Telefonas", "Lytis", "Gimimo metai", "Kreipimosi data"]


def fixed(wb):
    # Same bytes on every run: openpyxl stamps the creation and modification times.
    when = dt.datetime(2026, 1, 1)
    wb.properties.created = when
    wb.properties.modified = when


def error_cells():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Registras"
    ws.append(HEADER)
    ws.append(["Rūta", "Petraitienė", "#N/A", "moteris", 1980, dt.date(2024, 3, 5)])
    ws.append(["Ona", "Kazlauskienė", "+37061234567", "#REF!", 1975, dt.date(2024, 3, 6)])
    ws.append(["Eglė", "Jonaitienė", "+37061234568", "moteris", 1990, dt.date(2024, 3, 7)])
    assert ws["C2"].data_type == "e" and ws["D3"].data_type == "e"
    fixed(wb)
    wb.save(os.path.join(OUT, "hostile-error-cells.xlsx"))


error_cells()
