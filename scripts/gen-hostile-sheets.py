#!/usr/bin/env python3
"""Writes the small hostile workbooks of tests/it/sheets_hostile.rs into
tests/fixtures/sheets/ (openpyxl; run from the repository root):

- hostile-error-cells.xlsx: a register whose phone and sex cells hold Excel error values
  (#N/A, #REF!: openpyxl stores them as error cells, data type 'e', as Excel does);
- hostile-several-sheets.xlsx: a register kept one sheet per year, behind a hidden code-list
  sheet as registers with dropdowns have: 'Sąrašai' (hidden: the sex and form-of-violence
  words the dropdowns offer, 4 non-empty rows), '2024' (a header and 3 clients), 'Tuščias'
  (empty) and '2023' (a header and 2 clients).
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


def several_sheets():
    wb = openpyxl.Workbook()
    lists = wb.active
    lists.title = "Sąrašai"
    lists.append(["Lytis", "Smurto forma"])
    lists.append(["moteris", "Fizinis"])
    lists.append(["vyras", "Psichologinis"])
    lists.append([None, "Ekonominis"])
    lists.sheet_state = "hidden"
    y2024 = wb.create_sheet("2024")
    y2024.append(HEADER)
    y2024.append(["Rūta", "Petraitienė", "+37061234567", "moteris", 1980, dt.date(2024, 3, 5)])
    y2024.append(["Ona", "Kazlauskienė", "+37061234568", "moteris", 1975, dt.date(2024, 3, 6)])
    y2024.append(["Eglė", "Jonaitienė", "+37061234569", "moteris", 1990, dt.date(2024, 3, 7)])
    wb.create_sheet("Tuščias")
    y2023 = wb.create_sheet("2023")
    y2023.append(HEADER)
    y2023.append(["Asta", "Vaitkienė", "+37061234570", "moteris", 1985, dt.date(2023, 5, 2)])
    y2023.append(["Daiva", "Mockienė", "+37061234571", "moteris", 1970, dt.date(2023, 6, 9)])
    wb.active = 1
    fixed(wb)
    wb.save(os.path.join(OUT, "hostile-several-sheets.xlsx"))


error_cells()
several_sheets()
