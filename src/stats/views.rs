//! Every view of a period that this store can publish, as one [`System`] of figures and
//! relations, so that suppression is decided once for all of them.
//!
//! A reader who holds several published files of the same period can combine them: a
//! month's consolidated figure is the sum of the countries' figures of that month, the
//! whole period is the sum of its months, all centres are the sum of the centres. So the
//! views a store may publish for a period are fixed, and suppression is decided on all of
//! them together:
//!
//! - each **group** of centres — all the centres this store knows, and the centres of each
//!   country — by **month** and for the **whole period**;
//! - each **centre** for the **whole period**.
//!
//! A centre's own store has one centre: it publishes its months and its whole period. A
//! coordinator publishes each centre's whole period and consolidated months, never one
//! centre's months (unless that centre is alone in its country), and consolidates only
//! whole groups: a view that needs another row is refused with what to publish instead
//! ([`Cube::apply`]). A by-centre view of some of the centres publishes no column totals
//! (their sum is a new figure, and a reader could subtract it from another selection's).
//!
//! Figures printed in several places are one position: the row totals shared by T1, T5a,
//! T5b and T5c (cases opened) and by T7a and T7b (referrals) when they agree; the
//! caseload at the end of a month and at the start of the next (T10b); the start and end of
//! the whole period with the first and last month's; a one-month period with its month.
//! Hours of service (T6b) are hidden wherever the number of contacts (T6a) is.
//!
//! Not covered (said in `docs/statistics.md`): publications of different or overlapping
//! periods, publications made on another basis (all cases and consenting clients' cases),
//! and the publications of other stores (a centre's own and its coordinator's).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::audit::System;
use super::{StatsReport, StatsTable, Suppressed, Unit};
use crate::error::{Error, Result};

/// The centres of a row: one centre or a group.
type Centres = BTreeSet<usize>;

/// A month of the period (index), or the whole period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum When {
    Month(usize),
    Whole,
}

/// A column by code, or the row total.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Col {
    Code(String),
    Total,
}

/// The parts whose row totals count the same things as another part's.
fn shares_row_total_with(id: &str) -> Option<&'static str> {
    match id {
        "T5a" | "T5b" | "T5c" => Some("T1"),
        "T7b" => Some("T7a"),
        _ => None,
    }
}

/// All the publishable views of one period, and their system.
pub struct Cube {
    centres: Vec<String>,
    groups: Vec<Centres>,
    months: Vec<String>,
    /// Ordered, so that the same data always gives the same system and so the same
    /// pattern: two publications of one period must hide the same figures.
    index: BTreeMap<(usize, Centres, When, Col), usize>,
    parts: Vec<String>,
    /// The figures and relations.
    pub system: System,
}

/// One part's exact counts per (centre, month, column).
struct PartData<'a> {
    table: &'a StatsTable,
    stock: bool,
    /// Ordinary column codes and, per subtotal column, its code and members' codes.
    ordinary: Vec<String>,
    subtotals: Vec<(String, Vec<String>)>,
    /// values[centre][month][code]
    values: Vec<Vec<HashMap<String, i64>>>,
}

impl<'a> PartData<'a> {
    fn base(&self, c: usize, m: usize, code: &str) -> i64 {
        self.values[c][m].get(code).copied().unwrap_or(0)
    }

    /// A figure of a row (a set of centres, a month or the whole period).
    fn figure(&self, who: &Centres, when: When, col: &Col, months: usize) -> i64 {
        let cell = |c: usize, m: usize| -> i64 {
            match col {
                Col::Code(code) => match self.subtotals.iter().find(|(s, _)| s == code) {
                    Some((_, members)) => members.iter().map(|o| self.base(c, m, o)).sum(),
                    None => self.base(c, m, code),
                },
                Col::Total => self.ordinary.iter().map(|o| self.base(c, m, o)).sum(),
            }
        };
        let at = |m: usize| -> i64 { who.iter().map(|&c| cell(c, m)).sum() };
        match when {
            When::Month(m) => at(m),
            When::Whole if self.stock => match col {
                Col::Code(code) if code == "open_at_start" => at(0),
                Col::Code(code) if code == "open_at_end" => at(months - 1),
                _ => 0,
            },
            When::Whole => (0..months).map(at).sum(),
        }
    }
}

impl Cube {
    /// Builds the cube from `finest`: the period's exact counts by centre × month for every
    /// centre the store knows.
    pub fn new(finest: &StatsReport) -> Result<Cube> {
        if !(finest.by_centre && finest.by_month) || finest.disclosure.is_some() {
            return Err(Error::invalid(
                "internal: the views are built from exact counts by centre and month",
            ));
        }
        let centres: Vec<String> = finest.centres.iter().map(|c| c.code.clone()).collect();
        let mut months: Vec<String> = Vec::new();
        for t in &finest.tables {
            for r in &t.rows {
                if let Some(m) = &r.month
                    && !months.contains(m)
                {
                    months.push(m.clone());
                }
            }
        }
        months.sort();
        if months.is_empty() || centres.is_empty() {
            return Err(Error::invalid(
                "there is nothing to publish for this period: no centre and no month",
            ));
        }
        // Groups: all centres, and each country's centres.
        let all: Centres = (0..centres.len()).collect();
        let mut groups = vec![all.clone()];
        let mut by_country: std::collections::BTreeMap<&str, Centres> = Default::default();
        for (i, c) in finest.centres.iter().enumerate() {
            by_country.entry(c.country.as_str()).or_default().insert(i);
        }
        let countries: Vec<Centres> = by_country.into_values().collect();
        for g in &countries {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        let mut cube = Cube {
            centres,
            groups,
            months,
            index: BTreeMap::new(),
            parts: Vec::new(),
            system: System::default(),
        };
        let data: Vec<PartData> = finest
            .tables
            .iter()
            .map(|t| cube.part_data(t))
            .collect::<Result<_>>()?;
        for (p, d) in data.iter().enumerate() {
            cube.parts.push(d.table.id.clone());
            cube.add_part(p, d, &countries);
        }
        // Row totals shared between parts, where they agree.
        for (p, d) in data.iter().enumerate() {
            let Some(with) = shares_row_total_with(&d.table.id) else {
                continue;
            };
            let Some(q) = cube.parts.iter().position(|x| x == with) else {
                continue;
            };
            cube.join_row_totals(p, q);
        }
        // Hours with their counts.
        if let (Some(a), Some(b)) = (
            cube.parts.iter().position(|x| x == "T6a"),
            cube.parts.iter().position(|x| x == "T6b"),
        ) {
            let pairs: Vec<(usize, usize)> = cube
                .index
                .iter()
                .filter(|((p, ..), _)| *p == b)
                .filter_map(|((_, who, when, col), &pos)| {
                    cube.index
                        .get(&(a, who.clone(), *when, col.clone()))
                        .map(|&other| (other, pos))
                })
                .collect();
            cube.system.twins.extend(pairs);
        }
        Ok(cube)
    }

    fn part_data<'a>(&self, t: &'a StatsTable) -> Result<PartData<'a>> {
        let mut values = vec![vec![HashMap::new(); self.months.len()]; self.centres.len()];
        for (row, cells) in t.rows.iter().zip(&t.cells) {
            let (Some(c), Some(m)) = (&row.centre, &row.month) else {
                return Err(Error::invalid("internal: a row without centre or month"));
            };
            let ci = self.centres.iter().position(|x| x == c);
            let mi = self.months.iter().position(|x| x == m);
            let (Some(ci), Some(mi)) = (ci, mi) else {
                return Err(Error::invalid(
                    "internal: a row of an unknown centre or month",
                ));
            };
            for (col, cell) in t.columns.iter().zip(cells) {
                if !col.subtotal {
                    values[ci][mi].insert(col.code.clone(), cell.value.unwrap_or(0));
                }
            }
        }
        let members = super::tables::subtotal_members(&t.columns);
        let ordinary = t
            .columns
            .iter()
            .zip(&members)
            .filter(|(_, m)| m.is_none())
            .map(|(c, _)| c.code.clone())
            .collect();
        let subtotals = t
            .columns
            .iter()
            .zip(&members)
            .filter_map(|(c, m)| {
                m.as_ref().map(|m| {
                    (
                        c.code.clone(),
                        m.iter().map(|&j| t.columns[j].code.clone()).collect(),
                    )
                })
            })
            .collect();
        Ok(PartData {
            table: t,
            stock: t.id == "T10b",
            ordinary,
            subtotals,
            values,
        })
    }

    /// The rows this store may publish: each group by month and whole period, each centre
    /// for the whole period.
    fn rows(&self) -> Vec<(Centres, When)> {
        let mut out: Vec<(Centres, When)> = Vec::new();
        for g in &self.groups {
            for m in 0..self.months.len() {
                out.push((g.clone(), When::Month(m)));
            }
            out.push((g.clone(), When::Whole));
        }
        for c in 0..self.centres.len() {
            let single: Centres = [c].into();
            if !self.groups.contains(&single) {
                out.push((single, When::Whole));
            }
        }
        out
    }

    /// The same figure under one name: a one-month period is its month; the caseload at
    /// the start of a month is the end of the month before; the whole period's start and
    /// end are the first month's start and the last month's end.
    fn canonical(&self, stock: bool, when: When, col: &Col) -> (When, Col) {
        let last = self.months.len() - 1;
        let when = match when {
            When::Whole if self.months.len() == 1 => When::Month(0),
            w => w,
        };
        if !stock {
            return (when, col.clone());
        }
        match (when, col) {
            (When::Whole, Col::Code(c)) if c == "open_at_start" => (When::Month(0), col.clone()),
            (When::Whole, Col::Code(c)) if c == "open_at_end" => (When::Month(last), col.clone()),
            (When::Month(m), Col::Code(c)) if c == "open_at_start" && m > 0 => {
                (When::Month(m - 1), Col::Code("open_at_end".into()))
            }
            _ => (when, col.clone()),
        }
    }

    /// The position of a figure, added on first use.
    fn position(&mut self, p: usize, d: &PartData, who: &Centres, when: When, col: &Col) -> usize {
        let (when, col) = self.canonical(d.stock, when, col);
        let key = (p, who.clone(), when, col);
        if let Some(&k) = self.index.get(&key) {
            return k;
        }
        let value = d.figure(who, when, &key.3, self.months.len());
        let rank = match &key.3 {
            Col::Total => 2,
            Col::Code(c) if d.subtotals.iter().any(|(s, _)| s == c) => 1,
            Col::Code(_) => 0,
        };
        let k = self
            .system
            .push(value, d.table.unit == Unit::Minutes, rank, p);
        self.index.insert(key, k);
        k
    }

    fn add_part(&mut self, p: usize, d: &PartData, countries: &[Centres]) {
        let mut cols: Vec<Col> = d.ordinary.iter().cloned().map(Col::Code).collect();
        cols.extend(d.subtotals.iter().map(|(s, _)| Col::Code(s.clone())));
        if d.table.row_totals.is_some() {
            cols.push(Col::Total);
        }
        let rows = self.rows();
        for (who, when) in &rows {
            let at: Vec<usize> = cols
                .iter()
                .map(|c| self.position(p, d, who, *when, c))
                .collect();
            let of = |code: &str| {
                cols.iter()
                    .position(|c| matches!(c, Col::Code(x) if x == code))
                    .map(|j| at[j])
            };
            if d.table.row_totals.is_some() {
                let members: Vec<usize> = d.ordinary.iter().filter_map(|o| of(o)).collect();
                self.system.relations.push((members, at[cols.len() - 1]));
            }
            for (s, members) in &d.subtotals {
                let m: Vec<usize> = members.iter().filter_map(|o| of(o)).collect();
                if let Some(total) = of(s) {
                    self.system.relations.push((m, total));
                }
            }
        }
        // Months add up to the whole period (flows only).
        if !d.stock && self.months.len() > 1 {
            for g in self.groups.clone() {
                for col in &cols {
                    let members: Vec<usize> = (0..self.months.len())
                        .map(|m| self.position(p, d, &g, When::Month(m), col))
                        .collect();
                    let total = self.position(p, d, &g, When::Whole, col);
                    self.system.relations.push((members, total));
                }
            }
        }
        // Centres add up to their groups (whole period); countries add up to all centres.
        for g in self.groups.clone() {
            if g.len() < 2 {
                continue;
            }
            for col in &cols {
                let members: Vec<usize> = g
                    .iter()
                    .map(|&c| self.position(p, d, &[c].into(), When::Whole, col))
                    .collect();
                let total = self.position(p, d, &g, When::Whole, col);
                self.system.relations.push((members, total));
            }
        }
        if countries.len() > 1 {
            let all = self.groups[0].clone();
            let mut whens: Vec<When> = (0..self.months.len()).map(When::Month).collect();
            whens.push(When::Whole);
            for when in whens {
                for col in &cols {
                    let members: Vec<usize> = countries
                        .iter()
                        .map(|k| self.position(p, d, k, when, col))
                        .collect();
                    let total = self.position(p, d, &all, when, col);
                    if !members.contains(&total) {
                        self.system.relations.push((members, total));
                    }
                }
            }
        }
    }

    /// Makes the row totals of part `p` the same positions as part `q`'s where they agree.
    fn join_row_totals(&mut self, p: usize, q: usize) {
        let mut same: Vec<(usize, usize)> = Vec::new();
        for ((part, who, when, col), &k) in &self.index {
            if *part == p
                && *col == Col::Total
                && let Some(&other) = self.index.get(&(q, who.clone(), *when, Col::Total))
                && self.system.values[k] == self.system.values[other]
            {
                same.push((k, other));
            }
        }
        // A figure printed twice: equal and hidden together. As a relation (one member
        // equal to its total) the audit keeps them at one value.
        for (a, b) in same {
            self.system.relations.push((vec![a], b));
            self.system.twins.push((a, b));
        }
    }

    fn group_of(&self, view: &StatsReport) -> Result<Centres> {
        let set: Centres = view
            .centres
            .iter()
            .map(|c| {
                self.centres
                    .iter()
                    .position(|x| *x == c.code)
                    .ok_or_else(|| {
                        Error::invalid(format!("internal: centre {} is not in the views", c.code))
                    })
            })
            .collect::<Result<_>>()?;
        Ok(set)
    }

    /// Hides the figures of `view` (an exact report of the same period) that `marks` hide.
    /// Refuses a view whose rows are not among the ones this store publishes.
    pub fn apply(&self, view: &mut StatsReport, marks: &[Option<Suppressed>]) -> Result<()> {
        let selection = self.group_of(view)?;
        let whole_group = self.groups.contains(&selection);
        if !view.by_centre && !whole_group {
            return Err(Error::invalid(
                "a consolidated report is published for all centres or for one country's \
                 centres only (another selection could be subtracted from them); publish this \
                 selection by centre instead",
            ));
        }
        let month_index = |m: &str| self.months.iter().position(|x| x == m);
        for t in &mut view.tables {
            let Some(p) = self.parts.iter().position(|x| *x == t.id) else {
                return Err(Error::invalid(format!("internal: no part {}", t.id)));
            };
            let stock = t.id == "T10b";
            let find = |who: &Centres, when: When, col: &Col| -> Result<usize> {
                let (when, col) = self.canonical(stock, when, col);
                self.index
                    .get(&(p, who.clone(), when, col))
                    .copied()
                    .ok_or_else(|| {
                        Error::invalid(
                            "a published report shows each centre for the whole period, or \
                             all centres (or one country's) by month — not one centre's \
                             months, whose counts are too small to publish; the exact tables \
                             stay on screen",
                        )
                    })
            };
            let codes: Vec<Col> = t
                .columns
                .iter()
                .map(|c| Col::Code(c.code.clone()))
                .collect();
            for (i, row) in t.rows.iter().enumerate() {
                let who: Centres = match &row.centre {
                    Some(code) => [self
                        .centres
                        .iter()
                        .position(|x| x == code)
                        .ok_or_else(|| Error::invalid("internal: unknown centre"))?]
                    .into(),
                    None => selection.clone(),
                };
                let when = match &row.month {
                    Some(m) => When::Month(
                        month_index(m).ok_or_else(|| Error::invalid("internal: unknown month"))?,
                    ),
                    None => When::Whole,
                };
                for (j, col) in codes.iter().enumerate() {
                    let k = find(&who, when, col)?;
                    check(&mut t.cells[i][j], self.system.values[k], marks[k])
                        .map_err(|e| Error::invalid(format!("{e} {} {:?} {when:?}", t.id, col)))?;
                }
                if let Some(rt) = &mut t.row_totals {
                    let k = find(&who, when, &Col::Total)?;
                    check(&mut rt[i], self.system.values[k], marks[k])?;
                }
            }
            // Column totals: the sum over the rows, i.e. the group's whole period.
            let rows_are_group = t.rows.iter().all(|r| r.centre.is_none()) || whole_group;
            if !rows_are_group {
                t.column_totals = None;
                t.total = None;
            }
            if let Some(ct) = &mut t.column_totals {
                for (j, col) in codes.iter().enumerate() {
                    let k = find(&selection, When::Whole, col)?;
                    check(&mut ct[j], self.system.values[k], marks[k])?;
                }
            }
            if let Some(total) = &mut t.total {
                let k = find(&selection, When::Whole, &Col::Total)?;
                check(total, self.system.values[k], marks[k])?;
            }
        }
        Ok(())
    }
}

/// Hides a cell when its position is hidden, after checking it is the same figure.
fn check(cell: &mut super::StatsCell, value: i64, mark: Option<Suppressed>) -> Result<()> {
    if cell.value != Some(value) {
        return Err(Error::invalid(format!(
            "internal: a figure of the report differs from the same figure in the other views \
             ({:?}, {value})",
            cell.value
        )));
    }
    if let Some(m) = mark {
        *cell = super::StatsCell {
            value: None,
            suppressed: Some(m),
        };
    }
    Ok(())
}
