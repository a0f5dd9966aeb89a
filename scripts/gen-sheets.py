#!/usr/bin/env python3
"""Generates the spreadsheet-import fixtures in tests/fixtures/sheets/ (issue 24).

Realistic, entirely fictitious client registers in the five languages (en, lt, lv, ru, az),
with the messes real sheets have: a merged title cell and merged group headers above the
real header, blank rows, trailing spaces and odd capitalisation, mixed date formats (ISO,
05.03.2024, 5/3/2024, real Excel dates, bare Excel serial numbers), a total row at the
bottom, a client repeated under her client number, the same client typed again without
it (diacritics dropped), a client already recorded in the store (spelled in the sheet's
script), a value in no code list and an impossible date.

Writes for each language an XLSX (openpyxl) and, beside them, CSV files in Windows-1257
(lt, ';'), Windows-1251 (ru, ';'), UTF-8 with BOM (en, ',') and UTF-8 with tabs (az), plus
an `<name>.expected.json` per file with what an import must find: computed here from the
generated model, never from Atrama's own reading.

The LibreOffice-saved workbooks (lv.ods, az-libreoffice.xlsx) are converted from the XLSX
files with `soffice --headless --convert-to` when `--libreoffice` is given; they are
committed, so CI needs neither this script nor LibreOffice.

Usage: scripts/gen-sheets.py [--libreoffice]
"""

import csv
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

from openpyxl import Workbook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "sheets")
CODES = json.load(open(os.path.join(ROOT, "assets", "codelists", "codelists.json"), encoding="utf-8"))["lists"]

TITLE_ROW, GROUP_ROW, HEADER_ROW = 1, 2, 3

HEADERS = {
    "en": ["Client No", "First name", "Surname", "Year of birth", "Phone", "Sex", "Date of contact",
           "Referral source", "Incident date", "Form of violence", "Relationship", "Children", "Notes"],
    "lt": ["Kliento Nr.", "Vardas", "Pavardė ", "Gimimo metai", "Telefonas", "Lytis", "Kreipimosi data",
           "Kreipimosi šaltinis", "Įvykio data", "Smurto forma", "Ryšys su smurtautoju", "Vaikų skaičius", "Pastabos"],
    "lv": ["Klienta Nr.", "Vārds", "Uzvārds", "Dzimšanas gads", "Tālrunis", "Dzimums", "Reģistrācijas datums",
           "Avots", "Notikuma datums", "Vardarbības veids", "Attiecības", "Bērnu skaits", "Piezīmes"],
    "ru": ["Номер клиента", "Имя", "Фамилия ", "Год рождения", "Телефон", "Пол", "Дата обращения",
           "Кто направил", "Дата инцидента", "Форма насилия", "Кем приходится", "Количество детей", "Примечания"],
    "az": ["Müştəri nömrəsi", "Adı", "Soyadı", "Doğum ili", "Telefon", "Cinsi", "Müraciət tarixi",
           "Müraciət mənbəyi", "Hadisə tarixi", "Zorakılıq forması", "Münasibət", "Uşaq sayı", "Qeydlər"],
}
TITLE = {"en": "Client register 2024", "lt": "Klientų registras 2024", "lv": "Klientu reģistrs 2024",
         "ru": "Реестр клиентов 2024", "az": "Müştəri reyestri 2024"}
GROUPS = {"en": ("Client", "Case and incident"), "lt": ("Klientas", "Byla ir įvykis"),
          "lv": ("Klients", "Lieta un notikums"), "ru": ("Клиент", "Дело и инцидент"),
          "az": ("Müştəri", "İş və hadisə")}
TOTAL = {"en": "Total", "lt": "Iš viso", "lv": "Kopā", "ru": "Итого", "az": "Cəmi"}
UNKNOWN_FORM = {"en": "witchcraft", "lt": "raganavimas", "lv": "burvība", "ru": "колдовство", "az": "cadugərlik"}
NOTES = {"en": "called back", "lt": "perskambinti", "lv": "atzvanīt", "ru": "перезвонить", "az": "geri zəng"}
GIVEN = {
    "en": ["Mary", "Anna", "Laura", "Emma", "Julia", "Sarah", "Kate", "Helen", "Alice", "Grace",
           "Olivia", "Ruth", "Diana", "Irene", "Nora", "Paula", "Rita", "Sofia", "Tina", "Vera"],
    "lt": ["Rūta", "Aušra", "Jūratė", "Eglė", "Dalia", "Giedrė", "Laima", "Nijolė", "Asta", "Vaida",
           "Inga", "Jolanta", "Kristina", "Lina", "Milda", "Neringa", "Rasa", "Sigita", "Toma", "Vilma"],
    "lv": ["Ilze", "Dace", "Līga", "Inese", "Sandra", "Kristīne", "Anita", "Baiba", "Dzintra", "Evija",
           "Gunta", "Ieva", "Jana", "Karina", "Laila", "Marta", "Santa", "Una", "Vija", "Zane"],
    "ru": ["Ольга", "Наталья", "Елена", "Татьяна", "Ирина", "Светлана", "Марина", "Людмила", "Галина", "Анна",
           "Вера", "Дарья", "Ксения", "Лариса", "Нина", "Полина", "Раиса", "Софья", "Юлия", "Яна"],
    "az": ["Aygün", "Günel", "Leyla", "Nərgiz", "Səbinə", "Türkan", "Ülviyyə", "Xədicə", "Zəhra", "Aynur",
           "Fidan", "Gülnar", "İlahə", "Kəmalə", "Lalə", "Mehriban", "Nigar", "Röya", "Sevinc", "Vüsalə"],
}
FAMILY = {
    "en": ["Smith", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker", "Wright",
           "Hughes", "Green", "Hall", "Wood", "Clarke", "Jackson", "White", "Harris", "Martin", "Cooper"],
    "lt": ["Kazlauskienė", "Jankauskaitė", "Petrauskienė", "Stankevičiūtė", "Vasiliauskienė", "Žukauskaitė",
           "Butkienė", "Paulauskaitė", "Urbonienė", "Kavaliauskaitė", "Šimkienė", "Balčiūnaitė", "Navickienė",
           "Ramanauskaitė", "Sakalauskienė", "Vaitkutė", "Baranauskienė", "Pocevičiūtė", "Žilinskienė", "Mockutė"],
    "lv": ["Bērziņa", "Kalniņa", "Ozoliņa", "Jansone", "Liepiņa", "Krūmiņa", "Balode", "Zariņa", "Pētersone",
           "Kļaviņa", "Vītola", "Eglīte", "Siliņa", "Lāce", "Šmite", "Ābele", "Grīnberga", "Riekstiņa", "Zvaigzne", "Upīte"],
    "ru": ["Иванова", "Смирнова", "Кузнецова", "Попова", "Васильева", "Петрова", "Соколова", "Михайлова",
           "Новикова", "Фёдорова", "Морозова", "Волкова", "Алексеева", "Лебедева", "Семёнова", "Егорова",
           "Павлова", "Козлова", "Степанова", "Николаева"],
    "az": ["Məmmədova", "Əliyeva", "Həsənova", "Hüseynova", "Quliyeva", "İsmayılova", "Abdullayeva",
           "Cəfərova", "Rzayeva", "Süleymanova", "Babayeva", "Kərimova", "Musayeva", "Nəsirova", "Orucova",
           "Paşayeva", "Rəhimova", "Səfərova", "Vəliyeva", "Zeynalova"],
}
# The client already recorded in the test store (given "Ona", family "Žemaitė", born 1980),
# as each sheet spells her.
ONA = {"en": ("Ona", "Zemaite"), "lt": ("Ona", "Žemaitė"), "lv": ("Ona", "Žemaite"),
       "ru": ("Она", "Жемайте"), "az": ("Ona", "Zemaite")}

N_CLIENTS = 20
SECOND_CASE = (3, 7)      # clients with a second row under the same client number
SHEET_DUP_OF = 5          # a later row types this client again, without number or diacritics
UNKNOWN_AT = 10           # this client's violence form is in no code list
BAD_DATE_AT = 12          # this client's opening date is impossible
NO_INCIDENT = (2, 15)     # clients whose rows record no incident

FORMS = ["physical", "psychological", "threats", "economic", "sexual_other", "stalking"]
RELS = ["current_spouse", "former_spouse", "current_partner_cohabiting", "former_partner", "sibling", "parent"]
REFS = ["police", "self", "social_services", "health", "ngo"]


def label(lst, code, lang):
    for c in CODES[lst]["codes"]:
        if c["code"] == code:
            return c["labels"][lang]
    raise KeyError((lst, code))


def form_word(code, lang):
    """A violence form as a centre writes it: the label's first part."""
    return label("violence_form", code, lang).split(" / ")[0].split(" — ")[0] if code != "sexual_other" else \
        label("violence_form", code, lang).split(" — ")[0]


def ascii_fold(s):
    import unicodedata
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


class Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def model(lang):
    rnd = random.Random("atrama-sheets-" + lang)
    clients = []
    for i in range(1, N_CLIENTS + 1):
        clients.append(dict(key=f"K-{i:03}", given=GIVEN[lang][i - 1], family=FAMILY[lang][i - 1],
                            birth=1960 + (i * 7) % 40, phone=f"+370 6{i:02}{(i * 37) % 100:02} {1000 + i * 13}",
                            sex="female" if i % 6 else "male"))
    day0 = dt.date(2024, 1, 8)
    rows = []

    def case_row(c, n, key=True, given=None, family=None):
        i = int(c["key"][2:])
        forms = [] if i in NO_INCIDENT else rnd.sample(FORMS, 1 + (n % 2))
        return Row(client=c, key=c["key"] if key else "", given=given or c["given"], family=family or c["family"],
                   opened=day0 + dt.timedelta(days=7 * n + i), incident=None if i in NO_INCIDENT else
                   day0 + dt.timedelta(days=7 * n + i - 2), forms=forms,
                   rel=None if i in NO_INCIDENT else RELS[(i + n) % len(RELS)],
                   ref=REFS[(i + n) % len(REFS)], children=(i + n) % 4 if i % 3 else None,
                   unknown=(i == UNKNOWN_AT), bad_date=(i == BAD_DATE_AT))

    n = 0
    for c in clients:
        rows.append(case_row(c, n)); n += 1
        if int(c["key"][2:]) in SECOND_CASE:
            rows.append(case_row(c, n)); n += 1
    dup_of = clients[SHEET_DUP_OF - 1]
    rows.append(case_row(dup_of, n, key=False, given=ascii_fold(dup_of["given"]),
                         family=ascii_fold(dup_of["family"]))); n += 1
    ona = dict(key="K-900", given=ONA[lang][0], family=ONA[lang][1], birth=1980, phone="", sex="female")
    rows.append(case_row(ona, n)); n += 1
    return rows


DATE_STYLES = ["excel", "iso", "dotted", "slashed", "serial"]


def date_cell(d, k, for_csv):
    style = DATE_STYLES[k % len(DATE_STYLES)]
    if style == "excel":
        return d.isoformat() if for_csv else d
    if style == "iso":
        return d.isoformat()
    if style == "dotted":
        return d.strftime("%d.%m.%Y")
    if style == "slashed":
        return f"{d.day}/{d.month}/{d.year}"
    return (d - dt.date(1899, 12, 30)).days


def cells(lang, r, k, for_csv):
    c = r.client
    sex = label("sex", c["sex"], lang)
    sex = sex.upper() if k % 4 == 0 else sex.lower() + "  " if k % 4 == 1 else sex
    forms = [form_word(f, lang) for f in r.forms]
    if r.unknown:
        forms = [UNKNOWN_FORM[lang]]
    form_text = ", ".join(forms)
    if k % 3 == 0:
        form_text = form_text.lower() + " "
    opened = "31.02.2024" if r.bad_date else date_cell(r.opened, k, for_csv)
    return [
        r.key, r.given + (" " if k % 5 == 0 else ""), r.family, c["birth"], c["phone"], sex, opened,
        label("referral_source", r.ref, lang), "" if r.incident is None else date_cell(r.incident, k + 1, for_csv),
        form_text, "" if r.rel is None else label("relationship", r.rel, lang),
        "" if r.children is None else r.children, NOTES[lang] if k % 4 == 2 else "",
    ]


def layout(lang, rows, for_csv):
    """Sheet rows (1-based numbers) → cells, with the blank rows and the total row, and
    what an import must find."""
    out = {}
    out[TITLE_ROW] = [TITLE[lang]] + [""] * 12
    out[GROUP_ROW] = [GROUPS[lang][0], "", "", "", "", "", GROUPS[lang][1]] + [""] * 6
    out[HEADER_ROW] = HEADERS[lang]
    number = HEADER_ROW
    row_of = {}
    for k, r in enumerate(rows):
        number += 1
        if k in (4, 13):      # blank rows
            out[number] = [""] * 13
            number += 1
        out[number] = cells(lang, r, k, for_csv)
        row_of[id(r)] = number
    number += 1
    total_row = number
    out[total_row] = [TOTAL[lang], "", "", "", "", "", len(rows)] + [""] * 6

    first_row_of_client = {}
    for r in rows:
        if r.key and r.key not in first_row_of_client:
            first_row_of_client[r.key] = row_of[id(r)]
    imported = [r for r in rows if not r.bad_date]
    dup_row = [r for r in rows if not r.key][0]
    ona_row = [r for r in rows if r.key == "K-900"][0]
    forms = {}
    for r in imported:
        if r.incident is not None:
            for f in (["other"] if r.unknown else r.forms):
                forms[f] = forms.get(f, 0) + 1
    keys = {r.key for r in imported if r.key}
    expected = dict(
        header_row=HEADER_ROW,
        rows=len(rows) + 1,                      # data rows and the total row
        blank_rows=2,
        total_rows=[total_row],
        problem_rows=sorted({row_of[id(r)] for r in rows if r.bad_date or r.unknown}),
        problem_rows_after_value_mapping=[row_of[id(r)] for r in rows if r.bad_date],
        unknown_values=[[UNKNOWN_FORM[lang], 1]],
        sheet_duplicates=[[row_of[id(dup_row)], first_row_of_client[dup_row.client["key"]]]],
        existing_duplicates=[row_of[id(ona_row)]],
        # Imported with the unknown form mapped to 'unknown' (→ 'other'), the bad row left out,
        # the repeated client as the earlier row's and Ona as the client already recorded.
        clients=len(keys) - 1,
        cases=len(imported),
        incidents=sum(1 for r in imported if r.incident is not None),
        children=sum(r.children or 0 for r in imported),
        forms=forms,
    )
    width = 13
    grid = [out.get(i, [""] * width) for i in range(1, number + 1)]
    return grid, expected


def write_xlsx(path, grid):
    wb = Workbook()
    ws = wb.active
    ws.title = "Registras"
    for i, row in enumerate(grid, start=1):
        for j, v in enumerate(row, start=1):
            if v == "" or v is None:
                continue
            cell = ws.cell(row=i, column=j, value=v)
            if isinstance(v, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=13)
    ws.merge_cells(start_row=GROUP_ROW, start_column=1, end_row=GROUP_ROW, end_column=6)
    ws.merge_cells(start_row=GROUP_ROW, start_column=7, end_row=GROUP_ROW, end_column=13)
    wb.save(path)


def write_csv(path, grid, encoding, delimiter, bom=False):
    with open(path, "w", encoding=encoding, newline="") as f:
        if bom:
            f.write("\ufeff")
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        for row in grid:
            w.writerow(["" if v is None else v for v in row])


def main():
    os.makedirs(OUT, exist_ok=True)
    for lang in HEADERS:
        rows = model(lang)
        grid, expected = layout(lang, rows, for_csv=False)
        write_xlsx(os.path.join(OUT, f"{lang}.xlsx"), grid)
        json.dump(expected, open(os.path.join(OUT, f"{lang}.xlsx.expected.json"), "w", encoding="utf-8"),
                  ensure_ascii=False, indent=1)
        grid_csv, expected_csv = layout(lang, rows, for_csv=True)
        assert expected_csv == expected
        variants = {"lt": ("lt-windows-1257.csv", "cp1257", ";", False),
                    "ru": ("ru-windows-1251.csv", "cp1251", ";", False),
                    "en": ("en-utf8-bom.csv", "utf-8", ",", True),
                    "az": ("az-utf8-tab.csv", "utf-8", "\t", False)}
        if lang in variants:
            name, enc, delim, bom = variants[lang]
            write_csv(os.path.join(OUT, name), grid_csv, enc, delim, bom)
            json.dump(expected, open(os.path.join(OUT, f"{name}.expected.json"), "w", encoding="utf-8"),
                      ensure_ascii=False, indent=1)
    if "--libreoffice" in sys.argv:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if not soffice:
            sys.exit("soffice not found: apt-get install -y libreoffice-calc-nogui")
        with tempfile.TemporaryDirectory() as tmp:
            for src, fmt, dest in [("lv.xlsx", "ods", "lv.ods"), ("az.xlsx", "xlsx", "az-libreoffice.xlsx")]:
                shutil.copy(os.path.join(OUT, src), os.path.join(tmp, "in-" + src))
                subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                                "--convert-to", fmt, "--outdir", os.path.join(tmp, "out"),
                                os.path.join(tmp, "in-" + src)], check=True)
                produced = os.path.join(tmp, "out", "in-" + os.path.splitext(src)[0] + "." + fmt)
                shutil.copy(produced, os.path.join(OUT, dest))
                shutil.copy(os.path.join(OUT, src + ".expected.json"), os.path.join(OUT, dest + ".expected.json"))


if __name__ == "__main__":
    main()
