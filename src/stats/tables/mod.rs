//! The tables engine: T1–T10 by centre × month and consolidated. `queries` reads the
//! counts, `columns` lays out each part, and this module puts them together (`compute`).
//!
//! # One engine for both kinds of store
//! A centre's store holds its own records with full dates; a coordinator's holds
//! pseudonymised replicas of many centres' records whose dates are cut to the first day of
//! their month, with the owner centre on every row. The engine only ever looks at what
//! both have: the owner centre, the month (`substr(date, 1, 7)`, and month ranges compared
//! as `date >= 'YYYY-MM-01' AND date < 'next-month-01'`), and codes. So a centre sees
//! exactly the tables its coordinator will compute from its bundle (with
//! [`StatsQuery::consented_only`]), and the coordinator sees all of its centres side by side.
//!
//! # How it counts
//! Each table is one or two aggregate queries grouped by (month, centre, codes) in SQLite;
//! categories are then derived in Rust through the code-list crosswalks (GBVIMS primary
//! type from the violence forms, EIGE category from the relationship), never from stored
//! labels. Only current versions of events count (not superseded, not tombstoned), and only
//! records of cases that are not tombstoned. Counts of purged cases kept in `stat_archive`
//! are added under the same keys, so purging never changes a published figure.
//!
//! The definitions are in `docs/statistics.md`.

mod columns;
pub(crate) mod counts;
mod queries;

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;

use super::{
    Month, StatsCell, StatsCentre, StatsColumn, StatsQuery, StatsReport, StatsRow, StatsTable,
};
use crate::centre::{CentreProfile, Language};
use crate::codes::CodeLists;
use crate::error::{Error, Result};
pub(crate) use columns::subtotal_members;
use columns::*;
use queries::*;
pub use queries::{MonthlyCount, OPEN_AT_MONTH_END};
pub(crate) use queries::{known_centres, monthly_counts};

/// The parts of T1–T10, in the order they are published.
pub const PARTS: &[&str] = &[
    "T1", "T2a", "T2b", "T3", "T4", "T5a", "T5b", "T5c", "T6a", "T6b", "T7a", "T7b", "T8", "T9",
    "T10a", "T10b",
];

/// Computes T1–T10 with exact counts: at a coordinator from the kept monthly counts
/// (`counts`), else from the rows.
pub(crate) fn compute(
    conn: &Connection,
    codes: &CodeLists,
    profile: &CentreProfile,
    query: &StatsQuery,
) -> Result<StatsReport> {
    compute_with(conn, codes, profile, query, counts::in_use(profile, query))
}

/// Computes T1–T10 from the rows whatever the store: the reference the kept counts are
/// tested against.
pub(crate) fn compute_from_rows(
    conn: &Connection,
    codes: &CodeLists,
    profile: &CentreProfile,
    query: &StatsQuery,
) -> Result<StatsReport> {
    compute_with(conn, codes, profile, query, false)
}

fn compute_with(
    conn: &Connection,
    codes: &CodeLists,
    profile: &CentreProfile,
    query: &StatsQuery,
    kept: bool,
) -> Result<StatsReport> {
    let (from, to) = query.period()?;
    let lang = query.language.unwrap_or(profile.language);
    let bounds = Bounds {
        from,
        to,
        consented_only: query.consented_only,
    };
    let mut acc = Acc::default();
    if kept {
        counts::ensure_fresh(conn)?;
        counts::read(conn, codes, &mut acc, &bounds)?;
    } else {
        live(conn, codes, &mut acc, &bounds)?;
    }
    archived(conn, &mut acc, &bounds)?;
    received(conn, &mut acc, &bounds)?;

    // The centres: those asked for (each must be known), else every known centre and any
    // other owner found in the data.
    let known = known_centres(conn, profile)?;
    let mut centres: Vec<StatsCentre> = if query.centres.is_empty() {
        let mut all = known.clone();
        for code in &acc.centres_seen {
            if !all.iter().any(|c| &c.code == code) && *code != profile.code {
                all.push(StatsCentre {
                    code: code.clone(),
                    name: String::new(),
                    country: String::new(),
                });
            }
        }
        all
    } else {
        let mut chosen = Vec::new();
        for want in &query.centres {
            let want = want.trim();
            let found = known
                .iter()
                .find(|c| c.code.eq_ignore_ascii_case(want))
                .cloned()
                .or_else(|| {
                    acc.centres_seen
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(want))
                        .map(|c| StatsCentre {
                            code: c.clone(),
                            name: String::new(),
                            country: String::new(),
                        })
                });
            match found {
                Some(c) if !chosen.iter().any(|x: &StatsCentre| x.code == c.code) => {
                    chosen.push(c);
                }
                Some(_) => {}
                None => {
                    return Err(Error::invalid(format!(
                        "no centre '{want}' here; use one of: {}",
                        known
                            .iter()
                            .map(|c| c.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
        chosen
    };
    if let Some(country) = query.country {
        centres.retain(|c| c.country.eq_ignore_ascii_case(country.code()));
    }
    centres.sort_by(|a, b| a.code.cmp(&b.code));
    let selected: BTreeSet<&str> = centres.iter().map(|c| c.code.as_str()).collect();

    // Rows.
    let months = from.through(to);
    let mut rows: Vec<StatsRow> = Vec::new();
    let centre_keys: Vec<Option<&str>> = if query.by_centre {
        centres.iter().map(|c| Some(c.code.as_str())).collect()
    } else {
        vec![None]
    };
    let month_keys: Vec<Option<Month>> = if query.by_month {
        months.iter().copied().map(Some).collect()
    } else {
        vec![None]
    };
    for c in &centre_keys {
        for m in &month_keys {
            rows.push(StatsRow {
                centre: c.map(str::to_owned),
                month: m.map(Month::code),
            });
        }
    }
    let row_index: HashMap<(Option<&str>, Option<Month>), usize> = centre_keys
        .iter()
        .flat_map(|c| month_keys.iter().map(move |m| (*c, *m)))
        .enumerate()
        .map(|(i, k)| (k, i))
        .collect();
    let row_of = |centre: &str, m: Month| -> Option<usize> {
        if !selected.contains(centre) || m < from || m > to {
            return None;
        }
        let c = query.by_centre.then_some(centre);
        let mm = query.by_month.then_some(m);
        row_index.get(&(c, mm)).copied()
    };

    // Flows into (part → row → code → value).
    let mut grid: HashMap<&'static str, Vec<HashMap<String, i64>>> = HashMap::new();
    for ((part, centre, m, code), v) in &acc.flows {
        if let Some(i) = row_of(centre, *m) {
            let rows_of_part = grid
                .entry(part)
                .or_insert_with(|| vec![HashMap::new(); rows.len()]);
            *rows_of_part[i].entry(code.clone()).or_insert(0) += v;
        }
    }
    // Caseload: start of a row's first month = end of the month before; end of its last.
    let mut stock = vec![HashMap::new(); rows.len()];
    for (i, row) in rows.iter().enumerate() {
        let (first, last) = match row.month.as_deref() {
            Some(m) => {
                let m = Month::parse(m)?;
                (m, m)
            }
            None => (from, to),
        };
        let in_row = |c: &str| match &row.centre {
            Some(rc) => rc == c,
            None => selected.contains(c),
        };
        let sum_at = |m: Month| -> i64 {
            acc.open_at_end
                .iter()
                .filter(|((c, mm), _)| *mm == m && in_row(c))
                .map(|(_, v)| *v)
                .sum()
        };
        stock[i].insert("open_at_start".to_owned(), sum_at(first.prev()));
        stock[i].insert("open_at_end".to_owned(), sum_at(last));
    }

    let packs = packs(conn, codes)?;
    let mut tables = Vec::with_capacity(PARTS.len());
    for id in PARTS {
        let Some(d) = def(id) else { continue };
        let values: &Vec<HashMap<String, i64>> = if d.stock {
            &stock
        } else {
            &*grid
                .entry(d.id)
                .or_insert_with(|| vec![HashMap::new(); rows.len()])
        };
        let mut columns = base_columns(d.id, codes, lang, &packs);
        let mut extra: BTreeSet<&str> = BTreeSet::new();
        for r in values {
            for code in r.keys() {
                if !columns.iter().any(|c| &c.code == code) {
                    extra.insert(code.as_str());
                }
            }
        }
        for code in extra {
            add_unknown(&mut columns, d.id, code, codes);
        }
        let subtotals = subtotal_members(&columns);
        let cells: Vec<Vec<i64>> = values
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(j, c)| match &subtotals[j] {
                        Some(members) => members
                            .iter()
                            .map(|&k| r.get(&columns[k].code).copied().unwrap_or(0))
                            .sum(),
                        None => r.get(&c.code).copied().unwrap_or(0),
                    })
                    .collect()
            })
            .collect();
        let column_totals = !d.stock || !query.by_month || months.len() == 1;
        tables.push(exact_table(d, columns, rows.clone(), cells, column_totals));
    }

    for t in &mut tables {
        if let Some(title) = table_title(lang, &t.id) {
            t.title = title;
        }
        let note = format!("report.note.{}", t.id);
        if super::words::has(lang, &note) {
            t.note = super::words::text(lang, &note);
        }
    }
    Ok(StatsReport {
        from: from.code(),
        to: to.code(),
        centres,
        by_centre: query.by_centre,
        by_month: query.by_month,
        consented_only: query.consented_only,
        language: lang,
        code_lists_version: codes.version().to_owned(),
        made_by: format!("{} ({})", profile.code, profile.mode.code()),
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        disclosure: None,
        tables,
    })
}

/// A table's title in `lang`, from the same catalogues the UI uses (`assets/i18n/*.json`,
/// key `stats.table.<id>`), so a published file and the screen name a table alike; `None`
/// when the catalogue has no such key (the English title of `DEFS` stays).
pub fn table_title(lang: Language, id: &str) -> Option<String> {
    use std::sync::OnceLock;
    static TITLES: OnceLock<HashMap<(&'static str, String), String>> = OnceLock::new();
    let titles = TITLES.get_or_init(|| {
        let mut out = HashMap::new();
        for (code, text) in [
            ("en", include_str!("../../../assets/i18n/en.json")),
            ("lt", include_str!("../../../assets/i18n/lt.json")),
            ("lv", include_str!("../../../assets/i18n/lv.json")),
            ("az", include_str!("../../../assets/i18n/az.json")),
            ("ru", include_str!("../../../assets/i18n/ru.json")),
        ] {
            let map: HashMap<String, String> = serde_json::from_str(text).unwrap_or_default();
            for (k, v) in map {
                if let Some(id) = k.strip_prefix("stats.table.") {
                    out.insert((code, id.to_owned()), v);
                }
            }
        }
        out
    });
    titles
        .get(&(lang.code(), id.to_owned()))
        .filter(|t| !t.trim().is_empty())
        .cloned()
}

fn exact_table(
    d: &PartDef,
    columns: Vec<StatsColumn>,
    rows: Vec<StatsRow>,
    cells: Vec<Vec<i64>>,
    column_totals: bool,
) -> StatsTable {
    let g = super::suppress::Grid {
        subtotals: subtotal_members(&columns),
        cells,
        row_totals: d.row_totals,
        column_totals,
    };
    let row_sums = g.row_sums();
    let col_sums = g.column_sums();
    let to_cells = |v: &[i64]| v.iter().map(|&x| StatsCell::exact(x)).collect::<Vec<_>>();
    StatsTable {
        id: d.id.to_owned(),
        number: d.number,
        title: d.title.to_owned(),
        note: d.note.to_owned(),
        unit: d.unit,
        columns,
        rows,
        cells: g.cells.iter().map(|r| to_cells(r)).collect(),
        row_totals: d.row_totals.then(|| to_cells(&row_sums)),
        column_totals: column_totals.then(|| to_cells(&col_sums)),
        total: (d.row_totals && column_totals).then(|| StatsCell::exact(row_sums.iter().sum())),
    }
}

/// The grid of an exact table, for disclosure control.
pub(crate) fn grid_of(t: &StatsTable) -> super::suppress::Grid {
    super::suppress::Grid {
        cells: t
            .cells
            .iter()
            .map(|r| r.iter().map(|c| c.value.unwrap_or(0)).collect())
            .collect(),
        subtotals: subtotal_members(&t.columns),
        row_totals: t.row_totals.is_some(),
        column_totals: t.column_totals.is_some(),
    }
}
