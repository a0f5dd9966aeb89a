//! The attacker's audit of a publication, and the suppression that passes it.
//!
//! A reader of published tables knows every figure shown and every additive relation
//! between figures: cells → subtotals → row totals, rows → column totals, totals shared
//! by tables, and the other views of the same data ([`super::views`]). [`System`] holds
//! all of it: one position per distinct figure, the relations between positions, and
//! which positions must be hidden together (hours of service with their number of
//! contacts).
//!
//! For a hidden figure, the smallest and largest value consistent with everything a
//! reader knows is found by linear programming (`microlp`, pure Rust) over the relations,
//! with every hidden small count between 1 and `threshold - 1` (what `<5` says) and every
//! other hidden figure at least 0. A publication passes the audit when:
//! - every hidden **small count** can still be any value from 1 to `threshold - 1` (the
//!   relations narrow nothing beyond what `<5` already says), and
//! - every other hidden figure (**secondary**) that is not zero spans at least `threshold`
//!   (hours: at least 60 minutes), so it cannot be pinned down either. A hidden zero may be
//!   narrowed to zero (zeros are shown anyway; beside a small total it cannot be otherwise).
//!
//! [`protect`] marks the small counts, closes every relation left with one hidden figure,
//! audits, and hides one more figure beside each one found too narrow, until the audit
//! passes. Hiding more never narrows an interval, so this ends; when nothing is left to
//! hide around a failing figure, its whole table is withheld. The audit's numbers are in
//! [`AuditSummary`] and printed in the report's About sheet.
//!
//! The audit is over real numbers (as τ-ARGUS and sdcTable audit): a reader who also uses
//! that counts are whole numbers, and that a secondary figure is never 1–4, may narrow an
//! interval further by rounding; the widths required leave room for that.

use std::collections::BTreeSet;

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::Suppressed;
use crate::error::{Error, Result};

/// Every published figure of a period and the relations between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct System {
    /// The exact value of each position.
    pub values: Vec<i64>,
    /// Whether a position is minutes (hours of service) rather than a count.
    pub minutes: Vec<bool>,
    /// Preference when choosing a figure to hide: 0 cell, 1 subtotal, 2 total.
    pub rank: Vec<u8>,
    /// The table (part) a position belongs to, for withholding a whole table.
    pub part: Vec<usize>,
    /// `members` add up to `total`.
    pub relations: Vec<(Vec<usize>, usize)>,
    /// Positions hidden together (a count and its minutes).
    pub twins: Vec<(usize, usize)>,
}

/// What the audit found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSummary {
    /// Hidden figures (a figure printed in several views counts once).
    pub suppressed: usize,
    /// Of them, small counts shown as `<5`.
    pub primary: usize,
    /// Small counts shown as `x`: the audit found that the `<5` of figures beside them
    /// would narrow them (e.g. a small total of small cells), so they read like any other
    /// hidden figure.
    pub small_shown_as_x: usize,
    /// Rounds of audit and repair (1: the first pattern passed).
    pub rounds: usize,
    /// Figures hidden because the audit found an interval too narrow.
    pub added_by_audit: usize,
    /// Tables withheld whole because nothing else could protect them.
    pub withheld_parts: usize,
    /// Linear programs solved, all rounds together.
    pub solves: usize,
}

/// The protected pattern and its audit.
#[derive(Debug, Clone)]
pub struct Protection {
    /// Per position: hidden and why, or shown.
    pub marks: Vec<Option<Suppressed>>,
    /// The audit.
    pub summary: AuditSummary,
}

/// The interval a reader can narrow one hidden figure to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The position.
    pub position: usize,
    /// Smallest value consistent with the publication.
    pub min: f64,
    /// Largest (capped at what the requirement needs: `f64::INFINITY` is never reported).
    pub max: f64,
}

const EPS: f64 = 1e-6;

impl System {
    /// Adds a position and returns it.
    pub fn push(&mut self, value: i64, minutes: bool, rank: u8, part: usize) -> usize {
        self.values.push(value);
        self.minutes.push(minutes);
        self.rank.push(rank);
        self.part.push(part);
        self.values.len() - 1
    }

    fn relations_of(&self) -> Vec<Vec<usize>> {
        let mut of = vec![Vec::new(); self.values.len()];
        for (r, (members, total)) in self.relations.iter().enumerate() {
            for &k in members.iter().chain(std::iter::once(total)) {
                of[k].push(r);
            }
        }
        of
    }

    fn twins_of(&self) -> Vec<Vec<usize>> {
        let mut of = vec![Vec::new(); self.values.len()];
        for &(a, b) in &self.twins {
            of[a].push(b);
            of[b].push(a);
        }
        of
    }

    fn positions(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
        let (members, total) = &self.relations[r];
        members.iter().copied().chain(std::iter::once(*total))
    }

    /// Whether a position holds a small count (1 to `threshold - 1`).
    pub fn small(&self, k: usize, threshold: i64) -> bool {
        !self.minutes[k] && self.values[k] >= 1 && self.values[k] < threshold
    }

    /// The width a hidden secondary figure's interval must reach.
    fn width(&self, k: usize, threshold: i64) -> f64 {
        if self.minutes[k] {
            60.0
        } else {
            threshold as f64
        }
    }
}

/// Marks `k` and the figures printed with it (its twins) secondary where they are marked
/// `from`: `None` hides published figures, `Some(Primary)` shows small counts as `x` rather
/// than `<5`. Returns how many changed.
fn to_secondary(
    marks: &mut [Option<Suppressed>],
    twins: &[Vec<usize>],
    k: usize,
    from: Option<Suppressed>,
) -> usize {
    let mut changed = 0;
    let mut stack = vec![k];
    while let Some(p) = stack.pop() {
        if marks[p] == from {
            marks[p] = Some(Suppressed::Secondary);
            changed += 1;
            stack.extend(twins[p].iter().copied());
        }
    }
    changed
}

fn hide(marks: &mut [Option<Suppressed>], twins: &[Vec<usize>], k: usize) -> usize {
    to_secondary(marks, twins, k, None)
}

fn demote(marks: &mut [Option<Suppressed>], twins: &[Vec<usize>], k: usize) -> usize {
    to_secondary(marks, twins, k, Some(Suppressed::Primary))
}

/// The published figure of relation `r` best hidden next to others: the smallest non-zero
/// cell (before subtotals, before totals), else a zero.
fn pick(sys: &System, marks: &[Option<Suppressed>], r: usize) -> Option<usize> {
    let open = || sys.positions(r).filter(|&k| marks[k].is_none());
    open()
        .filter(|&k| sys.values[k] > 0)
        .min_by_key(|&k| (sys.rank[k], sys.minutes[k], sys.values[k], k))
        .or_else(|| open().min_by_key(|&k| (sys.rank[k], k)))
}

/// Closes every relation with exactly one hidden figure, to a fixed point.
fn close_singletons(sys: &System, twins: &[Vec<usize>], marks: &mut [Option<Suppressed>]) {
    loop {
        let mut changed = false;
        for r in 0..sys.relations.len() {
            if sys.positions(r).filter(|&k| marks[k].is_some()).count() == 1
                && let Some(k) = pick(sys, marks, r)
            {
                hide(marks, twins, k);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Suppresses a system for publication and audits it (see the module documentation).
pub fn protect(sys: &System, threshold: i64) -> Result<Protection> {
    let twins = sys.twins_of();
    let of = sys.relations_of();
    let mut marks: Vec<Option<Suppressed>> = vec![None; sys.values.len()];
    for (k, mark) in marks.iter_mut().enumerate() {
        if sys.small(k, threshold) {
            *mark = Some(Suppressed::Primary);
        }
    }
    let small: Vec<usize> = (0..sys.values.len())
        .filter(|&k| marks[k].is_some())
        .collect();
    for k in small {
        for &t in &twins[k] {
            hide(&mut marks, &twins, t);
        }
    }
    let mut summary = AuditSummary::default();
    let mut passed: BTreeSet<BlockKey> = BTreeSet::new();
    let mut withheld: Vec<bool> = vec![false; sys.part.iter().max().map_or(0, |m| m + 1)];
    loop {
        summary.rounds += 1;
        close_singletons(sys, &twins, &mut marks);
        let (failing, solves) = audit_unless_passed(sys, &marks, threshold, &mut passed)?;
        summary.solves += solves;
        if failing.is_empty() {
            break;
        }
        let mut added = 0;
        let mut demoted = 0;
        for k in failing {
            // "<5" figures beside `k`: their bounds (1–4) can narrow it however much is hidden.
            let bounding: Vec<usize> = of[k]
                .iter()
                .flat_map(|&r| sys.positions(r))
                .filter(|&q| q != k && marks[q] == Some(Suppressed::Primary))
                .collect();
            let small = sys.small(k, threshold);
            if small && !bounding.is_empty() {
                for q in bounding {
                    demoted += demote(&mut marks, &twins, q);
                }
            } else if let Some(p) = widen(sys, &of, &marks, k) {
                added += hide(&mut marks, &twins, p);
            } else if !bounding.is_empty() {
                for q in bounding {
                    demoted += demote(&mut marks, &twins, q);
                }
            } else {
                let part = sys.part[k];
                if !withheld[part] {
                    withheld[part] = true;
                    summary.withheld_parts += 1;
                    for p in 0..sys.values.len() {
                        if sys.part[p] == part {
                            added += hide(&mut marks, &twins, p);
                            demoted += demote(&mut marks, &twins, p);
                        }
                    }
                }
            }
        }
        if added == 0 && demoted == 0 {
            return Err(Error::invalid(
                "the report cannot be published: a hidden figure can still be worked out from \
                 the others and nothing is left to hide; publish a longer period or fewer \
                 breakdowns",
            ));
        }
        summary.small_shown_as_x += demoted;
        summary.added_by_audit += added;
    }
    summary.suppressed = marks.iter().filter(|m| m.is_some()).count();
    summary.primary = marks
        .iter()
        .filter(|m| **m == Some(Suppressed::Primary))
        .count();
    summary.small_shown_as_x = (0..sys.values.len())
        .filter(|&k| sys.small(k, threshold) && marks[k] == Some(Suppressed::Secondary))
        .count();
    Ok(Protection { marks, summary })
}

/// One more figure to hide so that `k` widens: in `k`'s relation with the fewest hidden
/// figures that still has a published one; else in a relation of a hidden figure linked
/// to `k` (breadth first through the relations).
fn widen(sys: &System, of: &[Vec<usize>], marks: &[Option<Suppressed>], k: usize) -> Option<usize> {
    let mut seen = vec![false; sys.values.len()];
    let mut frontier = vec![k];
    seen[k] = true;
    while !frontier.is_empty() {
        let mut best: Option<(usize, usize)> = None;
        for &p in &frontier {
            for &r in &of[p] {
                let hidden = sys.positions(r).filter(|&q| marks[q].is_some()).count();
                if let Some(q) = pick(sys, marks, r)
                    && best.is_none_or(|(h, _)| hidden < h)
                {
                    best = Some((hidden, q));
                }
            }
        }
        if let Some((_, q)) = best {
            return Some(q);
        }
        let mut next = Vec::new();
        for &p in &frontier {
            for &r in &of[p] {
                for q in sys.positions(r) {
                    if marks[q].is_some() && !seen[q] {
                        seen[q] = true;
                        next.push(q);
                    }
                }
            }
        }
        frontier = next;
    }
    None
}

/// One block of hidden figures linked by relations, as a linear program's parts.
struct Block {
    /// The positions (variables), in order.
    vars: Vec<usize>,
    /// Rows: (variable index, coefficient) = right-hand side.
    rows: Vec<(Vec<(usize, f64)>, f64)>,
}

/// Splits the hidden figures into blocks: two are in one block when a relation links them.
fn blocks(sys: &System, marks: &[Option<Suppressed>]) -> Vec<Block> {
    let n = sys.values.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let hidden_in = |r: usize| -> Vec<usize> {
        sys.positions(r)
            .filter(|&k| marks[k].is_some())
            .collect::<Vec<_>>()
    };
    let mut live = Vec::new();
    for r in 0..sys.relations.len() {
        let h = hidden_in(r);
        if h.is_empty() {
            continue;
        }
        for w in h.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            if a != b {
                parent[a] = b;
            }
        }
        live.push(r);
    }
    let mut index: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut out: Vec<Block> = Vec::new();
    let mut var_of = vec![usize::MAX; n];
    for k in 0..n {
        if marks[k].is_none() {
            continue;
        }
        let root = find(&mut parent, k);
        let b = *index.entry(root).or_insert_with(|| {
            out.push(Block {
                vars: Vec::new(),
                rows: Vec::new(),
            });
            out.len() - 1
        });
        var_of[k] = out[b].vars.len();
        out[b].vars.push(k);
    }
    for r in live {
        let (members, total) = &sys.relations[r];
        let mut terms = Vec::new();
        let mut rhs = 0.0;
        let mut block = None;
        for (&k, coeff) in members
            .iter()
            .map(|k| (k, 1.0))
            .chain(std::iter::once((total, -1.0)))
        {
            if marks[k].is_some() {
                terms.push((var_of[k], coeff));
                block = Some(index[&find(&mut parent, k)]);
            } else {
                rhs -= coeff * sys.values[k] as f64;
            }
        }
        if let Some(b) = block {
            // A position named twice in one relation counts once, with its coefficients
            // added (a program may name a variable only once per row).
            let mut merged: std::collections::BTreeMap<usize, f64> = Default::default();
            for (i, c) in terms {
                *merged.entry(i).or_default() += c;
            }
            let terms: Vec<(usize, f64)> = merged.into_iter().filter(|(_, c)| *c != 0.0).collect();
            if !terms.is_empty() {
                out[b].rows.push((terms, rhs));
            }
        }
    }
    out
}

/// Solves one program over `block`: maximise the weighted sum of some variables (each
/// capped by `caps` to stay bounded). `None` when the solver gives up (never a pass).
fn solve(
    marks: &[Option<Suppressed>],
    block: &Block,
    threshold: i64,
    weights: &[(usize, f64)],
    caps: &[f64],
) -> Option<Vec<f64>> {
    let mut objective = vec![0.0; block.vars.len()];
    for &(i, w) in weights {
        objective[i] += w;
    }
    let mut p = Problem::new(OptimizationDirection::Maximize);
    let vars: Vec<_> = block
        .vars
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let (lo, hi) = if marks[k] == Some(Suppressed::Primary) {
                (1.0, (threshold - 1) as f64)
            } else {
                (0.0, caps[i])
            };
            p.add_var(objective[i], (lo, hi))
        })
        .collect();
    for (terms, rhs) in &block.rows {
        let expr: Vec<_> = terms.iter().map(|&(i, c)| (vars[i], c)).collect();
        p.add_constraint(expr.as_slice(), ComparisonOp::Eq, *rhs);
    }
    let solution = p.solve().ok()?.into_solution().ok()?;
    Some(vars.iter().map(|&v| solution.var_value(v)).collect())
}

/// Audits a pattern: the positions whose interval is too narrow, and the number of linear
/// programs solved.
pub fn audit(
    sys: &System,
    marks: &[Option<Suppressed>],
    threshold: i64,
) -> Result<(Vec<usize>, usize)> {
    audit_unless_passed(sys, marks, threshold, &mut BTreeSet::new())
}

/// A block as the audit sees it: its figures and how each is hidden. The same block
/// audits the same way: one that passed need not be solved again.
type BlockKey = Vec<(usize, bool)>;

/// [`audit`], skipping blocks that are exactly ones that passed before (`passed`, kept
/// across the rounds of [`protect`]: a round changes the blocks around the figures it
/// repaired only).
fn audit_unless_passed(
    sys: &System,
    marks: &[Option<Suppressed>],
    threshold: i64,
    passed: &mut BTreeSet<BlockKey>,
) -> Result<(Vec<usize>, usize)> {
    let mut failing = Vec::new();
    let mut solves = 0;
    for block in blocks(sys, marks) {
        let key: BlockKey = block
            .vars
            .iter()
            .map(|&k| (k, marks[k] == Some(Suppressed::Primary)))
            .collect();
        if passed.contains(&key) {
            continue;
        }
        let (f, s) = audit_block(sys, marks, &block, threshold);
        if f.is_empty() {
            passed.insert(key);
        }
        failing.extend(f);
        solves += s;
    }
    failing.sort_unstable();
    Ok((failing, solves))
}

/// Whether the values seen so far for variable `i` already prove it protected.
fn proven(sys: &System, threshold: i64, k: usize, lo: f64, hi: f64) -> bool {
    if sys.small(k, threshold) {
        lo <= 1.0 + EPS && hi >= (threshold - 1) as f64 - EPS
    } else {
        // A hidden zero may be narrowed to zero: zeros are shown anyway.
        sys.values[k] == 0 || hi - lo >= sys.width(k, threshold) - EPS
    }
}

fn audit_block(
    sys: &System,
    marks: &[Option<Suppressed>],
    block: &Block,
    threshold: i64,
) -> (Vec<usize>, usize) {
    let n = block.vars.len();
    // The exact figures are one point the reader cannot exclude.
    let mut lo: Vec<f64> = block.vars.iter().map(|&k| sys.values[k] as f64).collect();
    let mut hi = lo.clone();
    // Capping a figure at its value + twice its width keeps every program bounded; the
    // points found stay ones the reader cannot exclude.
    let caps: Vec<f64> = block
        .vars
        .iter()
        .map(|&k| sys.values[k] as f64 + 2.0 * sys.width(k, threshold))
        .collect();
    let mut solves = 0;
    let open = |lo: &[f64], hi: &[f64]| -> Vec<usize> {
        (0..n)
            .filter(|&i| !proven(sys, threshold, block.vars[i], lo[i], hi[i]))
            .collect()
    };
    let note = |point: &[f64], lo: &mut [f64], hi: &mut [f64]| {
        for i in 0..n {
            lo[i] = lo[i].min(point[i]);
            hi[i] = hi[i].max(point[i]);
        }
    };
    // Joint pushes: all open figures up, then down, while it keeps proving some.
    for _ in 0..4 {
        let todo = open(&lo, &hi);
        if todo.is_empty() {
            return (Vec::new(), solves);
        }
        let before = todo.len();
        for sign in [1.0, -1.0] {
            let weights: Vec<(usize, f64)> = todo.iter().map(|&i| (i, sign)).collect();
            solves += 1;
            if let Some(p) = solve(marks, block, threshold, &weights, &caps) {
                note(&p, &mut lo, &mut hi);
            }
        }
        if open(&lo, &hi).len() == before {
            break;
        }
    }
    // Each figure still open gets the reader's own two programs.
    let mut failing = Vec::new();
    for i in open(&lo, &hi) {
        for sign in [1.0, -1.0] {
            if proven(sys, threshold, block.vars[i], lo[i], hi[i]) {
                break;
            }
            solves += 1;
            if let Some(p) = solve(marks, block, threshold, &[(i, sign)], &caps) {
                note(&p, &mut lo, &mut hi);
            }
        }
        if !proven(sys, threshold, block.vars[i], lo[i], hi[i]) {
            failing.push(block.vars[i]);
        }
    }
    (failing, solves)
}

/// The interval a reader reaches for every hidden figure of a pattern (each maximum capped
/// at the figure's value + twice its required width). For the unit tests.
pub fn intervals(sys: &System, marks: &[Option<Suppressed>], threshold: i64) -> Vec<Interval> {
    let mut out = Vec::new();
    for block in blocks(sys, marks) {
        let caps: Vec<f64> = block
            .vars
            .iter()
            .map(|&k| sys.values[k] as f64 + 2.0 * sys.width(k, threshold))
            .collect();
        for (i, &k) in block.vars.iter().enumerate() {
            let ends = [1.0, -1.0]
                .map(|s| solve(marks, &block, threshold, &[(i, s)], &caps).map(|p| p[i]));
            out.push(Interval {
                position: k,
                min: ends[1].unwrap_or(f64::NAN),
                max: ends[0].unwrap_or(f64::NAN),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grid with row and column totals as a system.
    fn grid(cells: &[&[i64]]) -> System {
        let mut s = System::default();
        let rows = cells.len();
        let cols = cells[0].len();
        let at: Vec<Vec<usize>> = cells
            .iter()
            .map(|r| r.iter().map(|&v| s.push(v, false, 0, 0)).collect())
            .collect();
        let row_t: Vec<usize> = cells
            .iter()
            .map(|r| s.push(r.iter().sum(), false, 2, 0))
            .collect();
        let col_t: Vec<usize> = (0..cols)
            .map(|j| s.push(cells.iter().map(|r| r[j]).sum(), false, 2, 0))
            .collect();
        let grand = s.push(cells.iter().flat_map(|r| r.iter()).sum(), false, 2, 0);
        for i in 0..rows {
            s.relations.push((at[i].clone(), row_t[i]));
        }
        for j in 0..cols {
            s.relations
                .push(((0..rows).map(|i| at[i][j]).collect(), col_t[j]));
        }
        s.relations.push((row_t.clone(), grand));
        s.relations.push((col_t.clone(), grand));
        s
    }

    fn all_pass(s: &System, p: &Protection) {
        for iv in intervals(s, &p.marks, 5) {
            let k = iv.position;
            if s.small(k, 5) {
                assert!(iv.min <= 1.0 + EPS && iv.max >= 4.0 - EPS, "{iv:?}");
            } else if s.values[k] > 0 {
                assert!(iv.max - iv.min >= 5.0 - EPS, "{iv:?} value {}", s.values[k]);
            }
        }
    }

    #[test]
    fn one_rectangle_of_a_small_count_and_three_secondaries_is_not_enough() {
        // The line rule hides 2, 7, 6 and 10: the rectangle moves by at most -1..+2 (the
        // small count stays within 1–4), so the reader pins 7 to 5–8: too narrow.
        let s = grid(&[&[2, 7, 20], &[6, 10, 30], &[9, 11, 40]]);
        let mut marks = vec![None; s.values.len()];
        for k in [0, 1, 3, 4] {
            marks[k] = Some(if k == 0 {
                Suppressed::Primary
            } else {
                Suppressed::Secondary
            });
        }
        let (failing, _) = audit(&s, &marks, 5).unwrap();
        assert!(failing.contains(&1), "{failing:?}");
        let p = protect(&s, 5).unwrap();
        assert!(p.summary.added_by_audit > 0);
        all_pass(&s, &p);
    }

    #[test]
    fn a_table_without_small_counts_is_published_whole() {
        let s = grid(&[&[5, 9], &[6, 12]]);
        let p = protect(&s, 5).unwrap();
        assert!(p.marks.iter().all(Option::is_none));
        assert_eq!(p.summary.suppressed, 0);
    }

    #[test]
    fn a_tiny_table_is_protected_even_if_everything_goes() {
        let s = grid(&[&[1, 0], &[0, 2]]);
        let p = protect(&s, 5).unwrap();
        all_pass(&s, &p);
        // The grand total 3 is small: with "<5" on it and on the cells, a cell could not be
        // 4 (4 + 1 > 4), so the audit shows some of them as "x".
        assert!(p.marks[0].is_some());
        assert!(p.summary.small_shown_as_x > 0, "{:?}", p.summary);
    }

    #[test]
    fn hours_are_hidden_with_their_counts() {
        let mut s = System::default();
        let c = [s.push(3, false, 0, 0), s.push(8, false, 0, 0)];
        let ct = s.push(11, false, 2, 0);
        let m = [s.push(120, true, 0, 1), s.push(400, true, 0, 1)];
        let mt = s.push(520, true, 2, 1);
        s.relations.push((c.to_vec(), ct));
        s.relations.push((m.to_vec(), mt));
        s.twins.push((c[0], m[0]));
        s.twins.push((c[1], m[1]));
        s.twins.push((ct, mt));
        let p = protect(&s, 5).unwrap();
        assert_eq!(p.marks[m[0]], Some(Suppressed::Secondary));
        all_pass(&s, &p);
    }

    #[test]
    fn random_grids_always_pass_their_own_attack() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
        for _ in 0..30 {
            let rows = rng.gen_range(2..6);
            let cols = rng.gen_range(2..6);
            let cells: Vec<Vec<i64>> = (0..rows)
                .map(|_| (0..cols).map(|_| rng.gen_range(0..12)).collect())
                .collect();
            let refs: Vec<&[i64]> = cells.iter().map(Vec::as_slice).collect();
            let s = grid(&refs);
            let p = protect(&s, 5).unwrap();
            all_pass(&s, &p);
        }
    }
}
