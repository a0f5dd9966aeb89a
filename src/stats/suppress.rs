//! Disclosure control for published tables: primary suppression of small counts and
//! secondary suppression so that no suppressed count can be recovered by subtraction from
//! the row, column or group totals printed beside it.
//!
//! # The rule
//! A table is a grid of counts with, optionally, a total per row, a total per column, a
//! grand total, and subtotal columns (a subtotal column is the sum of the columns of its
//! group in the same row). Every such sum is a *constraint*: a set of published positions
//! whose values add up (the members and their total).
//!
//! 1. **Primary**: every position (cell, subtotal or total) whose count is at least 1 and
//!    below the threshold (5: counts 1–4) is suppressed and shown as `<5`. Zeros are shown.
//! 2. **Secondary**: for every constraint with exactly one suppressed position, one more
//!    position of that constraint is suppressed: the smallest non-zero published cell of
//!    the constraint (ordinary cells before subtotals, subtotals before totals); when there
//!    is none, the smallest non-zero total, then a published zero. This is repeated until no
//!    constraint changes (a fixed point: suppression only ever grows, so it ends).
//!
//! After it, every constraint has no suppressed position or at least two, so no single
//! subtraction along a row, a column or a group gives a suppressed count away.
//!
//! # Limits
//! The rule protects against subtraction along one line at a time. It does not guarantee
//! that a suppressed count cannot be bounded or, in rare patterns, solved from several
//! lines combined (a linear system over the whole table, e.g. a suppressed cell that is
//! the only link between two blocks of suppressed cells), and it says nothing about
//! differences between two publications of overlapping periods. Tables published side by
//! side that share totals (T1 and T5, T7a and T7b) are suppressed together: a total
//! suppressed in one is suppressed in the others ([`suppress_linked`]).

use std::collections::BTreeSet;

/// Why a position is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Suppressed {
    /// A small count (1 up to the threshold).
    Primary,
    /// Suppressed so that a small count cannot be recovered from totals.
    Secondary,
}

/// The shape of a table as disclosure control sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// Counts, row by row; every row has one value per column.
    pub cells: Vec<Vec<i64>>,
    /// For each column: `None` for an ordinary column, or the columns it is the subtotal of.
    pub subtotals: Vec<Option<Vec<usize>>>,
    /// Whether a total per row (the sum of the ordinary columns) is published.
    pub row_totals: bool,
    /// Whether a total per column is published.
    pub column_totals: bool,
}

/// Which positions of a [`Grid`] are suppressed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Per cell.
    pub cells: Vec<Vec<Option<Suppressed>>>,
    /// Per row total (empty without row totals).
    pub row_totals: Vec<Option<Suppressed>>,
    /// Per column total (empty without column totals).
    pub column_totals: Vec<Option<Suppressed>>,
    /// The grand total (published only with both row and column totals).
    pub total: Option<Suppressed>,
}

/// Kind of a position, in the order secondary suppression prefers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Cell,
    Subtotal,
    Total,
}

/// A grid flattened into positions and the constraints between them.
#[derive(Debug)]
pub(crate) struct Flat {
    pub(crate) values: Vec<i64>,
    ranks: Vec<Rank>,
    pub(crate) constraints: Vec<Vec<usize>>,
    rows: usize,
    cols: usize,
}

impl Grid {
    fn rows(&self) -> usize {
        self.cells.len()
    }

    fn cols(&self) -> usize {
        self.subtotals.len()
    }

    fn ordinary(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.cols()).filter(|&j| self.subtotals[j].is_none())
    }

    /// The row totals (sum of the ordinary columns).
    pub fn row_sums(&self) -> Vec<i64> {
        self.cells
            .iter()
            .map(|row| self.ordinary().map(|j| row[j]).sum())
            .collect()
    }

    /// The column totals.
    pub fn column_sums(&self) -> Vec<i64> {
        (0..self.cols())
            .map(|j| self.cells.iter().map(|row| row[j]).sum())
            .collect()
    }

    /// Flattens: cells row by row, then row totals, column totals, grand total.
    pub(crate) fn flatten(&self) -> Flat {
        let (rows, cols) = (self.rows(), self.cols());
        let mut values: Vec<i64> = self.cells.iter().flatten().copied().collect();
        let mut ranks: Vec<Rank> = (0..rows * cols)
            .map(|k| {
                if self.subtotals[k % cols.max(1)].is_some() {
                    Rank::Subtotal
                } else {
                    Rank::Cell
                }
            })
            .collect();
        let cell = |i: usize, j: usize| i * cols + j;
        let row_total_at = values.len();
        if self.row_totals {
            values.extend(self.row_sums());
            ranks.extend(std::iter::repeat_n(Rank::Total, rows));
        }
        let col_total_at = values.len();
        if self.column_totals {
            values.extend(self.column_sums());
            ranks.extend((0..cols).map(|j| {
                if self.subtotals[j].is_some() {
                    Rank::Subtotal
                } else {
                    Rank::Total
                }
            }));
        }
        let grand_at = values.len();
        let grand = self.row_totals && self.column_totals;
        if grand {
            values.push(self.row_sums().iter().sum());
            ranks.push(Rank::Total);
        }
        let mut constraints = Vec::new();
        for i in 0..rows {
            if self.row_totals {
                let mut c: Vec<usize> = self.ordinary().map(|j| cell(i, j)).collect();
                c.push(row_total_at + i);
                constraints.push(c);
            }
            for (s, members) in self.subtotals.iter().enumerate() {
                if let Some(members) = members {
                    let mut c: Vec<usize> = members.iter().map(|&j| cell(i, j)).collect();
                    c.push(cell(i, s));
                    constraints.push(c);
                }
            }
        }
        if self.column_totals {
            for j in 0..cols {
                let mut c: Vec<usize> = (0..rows).map(|i| cell(i, j)).collect();
                c.push(col_total_at + j);
                constraints.push(c);
            }
            for (s, members) in self.subtotals.iter().enumerate() {
                if let Some(members) = members {
                    let mut c: Vec<usize> = members.iter().map(|&j| col_total_at + j).collect();
                    c.push(col_total_at + s);
                    constraints.push(c);
                }
            }
        }
        if grand {
            let mut c: Vec<usize> = self.ordinary().map(|j| col_total_at + j).collect();
            c.push(grand_at);
            constraints.push(c);
            let mut c: Vec<usize> = (0..rows).map(|i| row_total_at + i).collect();
            c.push(grand_at);
            constraints.push(c);
        }
        Flat {
            values,
            ranks,
            constraints,
            rows,
            cols,
        }
    }
}

impl Flat {
    fn unflatten(&self, marks: &[Option<Suppressed>], grid: &Grid) -> Pattern {
        let (rows, cols) = (self.rows, self.cols);
        let cells = (0..rows)
            .map(|i| marks[i * cols..(i + 1) * cols].to_vec())
            .collect();
        let mut at = rows * cols;
        let row_totals = if grid.row_totals {
            let v = marks[at..at + rows].to_vec();
            at += rows;
            v
        } else {
            Vec::new()
        };
        let column_totals = if grid.column_totals {
            let v = marks[at..at + cols].to_vec();
            at += cols;
            v
        } else {
            Vec::new()
        };
        let total = if grid.row_totals && grid.column_totals {
            marks[at]
        } else {
            None
        };
        Pattern {
            cells,
            row_totals,
            column_totals,
            total,
        }
    }

    fn pattern_marks(&self, p: &Pattern) -> Vec<Option<Suppressed>> {
        let mut marks: Vec<Option<Suppressed>> = p.cells.iter().flatten().copied().collect();
        marks.extend(p.row_totals.iter().copied());
        marks.extend(p.column_totals.iter().copied());
        if marks.len() < self.values.len() {
            marks.push(p.total);
        }
        marks
    }
}

/// Primary suppression only: positions with a count from 1 to `threshold - 1`.
fn primary(flat: &Flat, threshold: i64) -> Vec<Option<Suppressed>> {
    flat.values
        .iter()
        .map(|&v| (v >= 1 && v < threshold).then_some(Suppressed::Primary))
        .collect()
}

/// Secondary suppression to a fixed point (see the module documentation).
fn secondary(flat: &Flat, marks: &mut [Option<Suppressed>]) {
    loop {
        let mut changed = false;
        for c in &flat.constraints {
            let suppressed = c.iter().filter(|&&k| marks[k].is_some()).count();
            if suppressed != 1 {
                continue;
            }
            let published = c.iter().copied().filter(|&k| marks[k].is_none());
            // Smallest non-zero ordinary cell, then subtotal, then total; else a zero.
            let pick = published
                .clone()
                .filter(|&k| flat.values[k] > 0)
                .min_by_key(|&k| (flat.ranks[k], flat.values[k], k))
                .or_else(|| published.min_by_key(|&k| (flat.ranks[k], k)));
            if let Some(k) = pick {
                marks[k] = Some(Suppressed::Secondary);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Suppresses one table: primary, then secondary to a fixed point.
pub fn suppress(grid: &Grid, threshold: i64) -> Pattern {
    let flat = grid.flatten();
    let mut marks = primary(&flat, threshold);
    secondary(&flat, &mut marks);
    flat.unflatten(&marks, grid)
}

/// Suppresses tables that are published side by side and share their row totals (and so
/// their grand total): each is suppressed on its own, then a row total suppressed in one
/// is suppressed in all, and secondary suppression runs again, until nothing changes.
/// All grids must have the same number of rows and row totals.
pub fn suppress_linked(grids: &[&Grid], threshold: i64) -> Vec<Pattern> {
    let flats: Vec<Flat> = grids.iter().map(|g| g.flatten()).collect();
    let mut marks: Vec<Vec<Option<Suppressed>>> = flats
        .iter()
        .map(|f| {
            let mut m = primary(f, threshold);
            secondary(f, &mut m);
            m
        })
        .collect();
    loop {
        let patterns: Vec<Pattern> = flats
            .iter()
            .zip(&marks)
            .zip(grids)
            .map(|((f, m), g)| f.unflatten(m, g))
            .collect();
        let mut shared_rows: BTreeSet<usize> = BTreeSet::new();
        let mut shared_total = false;
        for p in &patterns {
            shared_rows.extend(
                p.row_totals
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.is_some())
                    .map(|(i, _)| i),
            );
            shared_total |= p.total.is_some();
        }
        let mut changed = false;
        let mut next = Vec::with_capacity(patterns.len());
        for ((mut p, f), g) in patterns.into_iter().zip(&flats).zip(grids) {
            if g.row_totals {
                for &i in &shared_rows {
                    if p.row_totals[i].is_none() {
                        p.row_totals[i] = Some(Suppressed::Secondary);
                        changed = true;
                    }
                }
                if g.column_totals && shared_total && p.total.is_none() {
                    p.total = Some(Suppressed::Secondary);
                    changed = true;
                }
            }
            let mut m = f.pattern_marks(&p);
            secondary(f, &mut m);
            next.push(m);
        }
        if next != marks {
            changed = true;
        }
        marks = next;
        if !changed {
            return flats
                .iter()
                .zip(&marks)
                .zip(grids)
                .map(|((f, m), g)| f.unflatten(m, g))
                .collect();
        }
    }
}

/// Checks a pattern against its grid: no published count from 1 to `threshold - 1`, and
/// every constraint with a suppressed position has at least two. Returns what is wrong.
pub fn check(grid: &Grid, pattern: &Pattern, threshold: i64) -> Result<(), String> {
    let flat = grid.flatten();
    let marks = flat.pattern_marks(pattern);
    for (k, (&v, m)) in flat.values.iter().zip(&marks).enumerate() {
        if m.is_none() && v >= 1 && v < threshold {
            return Err(format!("position {k} publishes the small count {v}"));
        }
    }
    for c in &flat.constraints {
        let n = c.iter().filter(|&&k| marks[k].is_some()).count();
        if n == 1 {
            return Err(format!(
                "constraint {c:?} has one suppressed position: it can be recovered by subtraction"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cells: Vec<Vec<i64>>) -> Grid {
        let cols = cells.first().map_or(0, Vec::len);
        Grid {
            cells,
            subtotals: vec![None; cols],
            row_totals: true,
            column_totals: true,
        }
    }

    #[test]
    fn a_lone_small_count_takes_the_next_smallest_cell_of_its_row_and_column() {
        let g = grid(vec![vec![3, 10, 20], vec![7, 8, 30], vec![9, 11, 40]]);
        let p = suppress(&g, 5);
        assert_eq!(p.cells[0][0], Some(Suppressed::Primary));
        // Row 0: next smallest non-zero is 10; column 0: 7.
        assert_eq!(p.cells[0][1], Some(Suppressed::Secondary));
        assert_eq!(p.cells[1][0], Some(Suppressed::Secondary));
        // Row 1 and column 1 now have one each: 8 closes both.
        assert_eq!(p.cells[1][1], Some(Suppressed::Secondary));
        assert!(p.row_totals.iter().all(Option::is_none));
        assert!(p.total.is_none());
        check(&g, &p, 5).unwrap();
    }

    #[test]
    fn zeros_are_published_and_a_row_of_one_small_count_suppresses_its_total() {
        let g = grid(vec![vec![2, 0], vec![6, 9]]);
        let p = suppress(&g, 5);
        assert_eq!(p.cells[0][1], None, "a zero is shown");
        assert_eq!(p.row_totals[0], Some(Suppressed::Primary), "the total is 2");
        check(&g, &p, 5).unwrap();
    }

    #[test]
    fn a_table_without_small_counts_is_published_whole() {
        let g = grid(vec![vec![5, 0], vec![6, 9]]);
        let p = suppress(&g, 5);
        assert!(p.cells.iter().flatten().all(Option::is_none));
        check(&g, &p, 5).unwrap();
    }

    #[test]
    fn subtotals_are_constraints_too() {
        // Columns 0 and 1 are group A, column 2 is their subtotal.
        let g = Grid {
            cells: vec![vec![3, 9, 12, 20], vec![8, 9, 17, 25]],
            subtotals: vec![None, None, Some(vec![0, 1]), None],
            row_totals: true,
            column_totals: true,
        };
        let p = suppress(&g, 5);
        check(&g, &p, 5).unwrap();
        assert_eq!(p.cells[0][0], Some(Suppressed::Primary));
        assert!(
            p.cells[0][1].is_some(),
            "9 would give 3 away through the subtotal 12"
        );
    }

    #[test]
    fn linked_tables_share_suppressed_row_totals() {
        let a = grid(vec![vec![1, 2], vec![10, 10]]);
        let b = grid(vec![vec![3, 0], vec![15, 5]]);
        let ps = suppress_linked(&[&a, &b], 5);
        assert!(ps[0].row_totals[0].is_some() && ps[1].row_totals[0].is_some());
        check(&a, &ps[0], 5).unwrap();
        check(&b, &ps[1], 5).unwrap();
    }
}
