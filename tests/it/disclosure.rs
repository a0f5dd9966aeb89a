//! The reader's attack on published tables (issue 20), written from the published files
//! alone: every CSV a store publishes for a period is read back as a reader would, every
//! additive relation the reader knows is written down (rows and subtotals, column totals,
//! the same figure in several files, T1/T5 and T7a/T7b sharing their row totals, the
//! caseload carried from one month to the next, centres adding up to countries and
//! countries to all centres), and linear programming finds, for every hidden figure, the
//! smallest and largest value consistent with all of it. Nothing here uses the audit's own
//! code: the relations come from the files.
//!
//! Checked against the exact counts: every small count (1–4) can still be any of 1–4, every
//! other hidden non-zero figure spans at least 5, and `<5` is only ever on a count of 1–4.
//! A positive control runs the same attack on the same files made with the earlier
//! one-line method, and recovers figures from them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::site::{Site, demo_centre, enrol, site};
use atrama::stats::{StatsQuery, StatsReport, output};
use atrama::{Country, Language, Mode};
use microlp::{ComparisonOp, OptimizationDirection, Problem};

const FROM: &str = "2025-12";
const TO: &str = "2026-11";

/// A figure as a reader names it: table, row (a centre code or a group), month (or the
/// whole period), column header.
type Key = (String, String, String, String);

/// What a published cell says.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shown {
    Value(f64),
    Small,
    Hidden,
}

/// One published file as read back: its figures, and the relations inside it.
#[derive(Default)]
struct Read {
    figures: BTreeMap<Key, Shown>,
    relations: Vec<(Vec<Key>, Key)>,
}

fn is_table_id(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('T') && s[1..].chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Reads a published (or exact) CSV in English. Rows labelled "All centres" and the
/// "Total" row are the file's `group`.
fn read(text: &str, group: &str) -> Read {
    // Read with the `csv` crate (as the spreadsheet import does), not by hand; blank lines
    // between tables are skipped.
    let lines: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let mut out = Read::default();
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        if !(l.len() == 2 && is_table_id(&l[0]) && lines.get(i + 1).is_some_and(|n| n[0] == "Note"))
        {
            i += 1;
            continue;
        }
        let table = l[0].clone();
        if table == "T6b" {
            // Hours are printed rounded to a tenth: their sums do not add up exactly.
            i += 1;
            continue;
        }
        let header = &lines[i + 2];
        let first = header.iter().position(|h| h.starts_with("Month")).unwrap() + 1;
        let has_total = header.last().map(String::as_str) == Some("Total");
        let cols: Vec<String> = header[first..].to_vec();
        let ordinary: Vec<usize> = (0..cols.len())
            .filter(|&j| !(cols[j].ends_with(" (subtotal)") || has_total && j == cols.len() - 1))
            .collect();
        let subtotals: Vec<(usize, Vec<usize>)> = (0..cols.len())
            .filter_map(|j| {
                let label = cols[j].strip_suffix(" (subtotal)")?;
                let prefix = format!("{label}: ");
                Some((
                    j,
                    ordinary
                        .iter()
                        .copied()
                        .filter(|&o| cols[o].starts_with(&prefix))
                        .collect(),
                ))
            })
            .collect();
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut total_row: Option<(String, String)> = None;
        let mut r = i + 3;
        while r < lines.len() && lines[r].len() > first {
            let line = &lines[r];
            let label = match line[0].as_str() {
                "All centres" | "Total" => group.to_owned(),
                code => code.to_owned(),
            };
            let row = (label, line[first - 1].clone());
            for (j, col) in cols.iter().enumerate() {
                let v = match line[first + j].as_str() {
                    "<5" => Shown::Small,
                    "x" => Shown::Hidden,
                    n => Shown::Value(n.parse().unwrap_or_else(|_| panic!("{table}: '{n}'"))),
                };
                out.figures.insert(
                    (table.clone(), row.0.clone(), row.1.clone(), col.clone()),
                    v,
                );
            }
            if line[0] == "Total" {
                total_row = Some(row);
            } else {
                rows.push(row);
            }
            r += 1;
        }
        let key = |row: &(String, String), j: usize| -> Key {
            (table.clone(), row.0.clone(), row.1.clone(), cols[j].clone())
        };
        for row in rows.iter().chain(total_row.iter()) {
            if has_total {
                out.relations.push((
                    ordinary.iter().map(|&j| key(row, j)).collect(),
                    key(row, cols.len() - 1),
                ));
            }
            for (s, members) in &subtotals {
                out.relations
                    .push((members.iter().map(|&j| key(row, j)).collect(), key(row, *s)));
            }
        }
        if let Some(t) = &total_row {
            for j in 0..cols.len() {
                out.relations
                    .push((rows.iter().map(|row| key(row, j)).collect(), key(t, j)));
            }
        }
        i = r;
    }
    assert!(!out.figures.is_empty(), "nothing read");
    out
}

/// The relations a reader knows from the tables' definitions, across files.
fn definitional(
    figures: &BTreeMap<Key, Shown>,
    groups: &[(String, Vec<String>)],
) -> Vec<(Vec<Key>, Key)> {
    let mut out = Vec::new();
    let whole = format!("{FROM}..{TO}");
    // The same cases and referrals, counted in several parts.
    for (t, row, month, col) in figures.keys() {
        if col != "Total" {
            continue;
        }
        let with = match t.as_str() {
            "T5a" | "T5b" | "T5c" => "T1",
            "T7b" => "T7a",
            _ => continue,
        };
        let other: Key = (with.into(), row.clone(), month.clone(), "Total".into());
        if figures.contains_key(&other) {
            out.push((
                vec![(t.clone(), row.clone(), month.clone(), col.clone())],
                other,
            ));
        }
    }
    // The caseload: the start of a month is the end of the month before; the whole
    // period starts at its first month's start and ends at its last month's end.
    let start = "Open at the start".to_owned();
    let end = "Open at the end".to_owned();
    for (t, row, month, col) in figures.keys() {
        if t != "T10b" || *col != start || *month == whole {
            continue;
        }
        let (y, m): (i32, u32) = (month[..4].parse().unwrap(), month[5..].parse().unwrap());
        let prev = if m == 1 {
            format!("{:04}-12", y - 1)
        } else {
            format!("{y:04}-{:02}", m - 1)
        };
        let before: Key = (t.clone(), row.clone(), prev, end.clone());
        if figures.contains_key(&before) {
            out.push((
                vec![(t.clone(), row.clone(), month.clone(), col.clone())],
                before,
            ));
        }
    }
    for (t, row, month, col) in figures.keys() {
        if t != "T10b" || *month != whole {
            continue;
        }
        let at = if *col == start { FROM } else { TO };
        let m: Key = (t.clone(), row.clone(), at.into(), col.clone());
        if figures.contains_key(&m) {
            out.push((
                vec![(t.clone(), row.clone(), month.clone(), col.clone())],
                m,
            ));
        }
    }
    // Centres add up to their groups; groups that split a bigger one add up to it.
    let tables_cols: BTreeSet<(String, String)> = figures
        .keys()
        .map(|(t, _, _, c)| (t.clone(), c.clone()))
        .collect();
    let months: BTreeSet<String> = figures.keys().map(|(_, _, m, _)| m.clone()).collect();
    for (g, members) in groups {
        for (t, c) in &tables_cols {
            for m in &months {
                let keys: Vec<Key> = members
                    .iter()
                    .map(|r| (t.clone(), r.clone(), m.clone(), c.clone()))
                    .collect();
                let total: Key = (t.clone(), g.clone(), m.clone(), c.clone());
                if keys.iter().all(|k| figures.contains_key(k)) && figures.contains_key(&total) {
                    out.push((keys, total));
                }
            }
        }
    }
    out
}

/// Smallest and largest value of every hidden figure; `INFINITY` when unbounded. The
/// hidden figures are split into blocks that no relation links (each block's programs are
/// independent); every figure gets its own two programs over its block.
fn attack(
    figures: &BTreeMap<Key, Shown>,
    relations: &[(Vec<Key>, Key)],
) -> HashMap<Key, (f64, f64)> {
    let hidden: Vec<&Key> = figures
        .iter()
        .filter(|(_, v)| !matches!(v, Shown::Value(_)))
        .map(|(k, _)| k)
        .collect();
    let index: HashMap<&Key, usize> = hidden.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    // Each relation as (hidden variable, coefficient) terms and a right-hand side.
    let rows: Vec<(Vec<(usize, f64)>, f64)> = relations
        .iter()
        .map(|(members, total)| {
            let mut terms = Vec::new();
            let mut rhs = 0.0;
            for (k, c) in members.iter().map(|k| (k, 1.0)).chain([(total, -1.0)]) {
                match figures.get(k) {
                    Some(Shown::Value(v)) => rhs -= c * v,
                    Some(_) => terms.push((index[k], c)),
                    None => panic!("relation names an unknown figure {k:?}"),
                }
            }
            // A figure named twice (a file's only row and its total row) counts once.
            let mut merged: BTreeMap<usize, f64> = BTreeMap::new();
            for (i, c) in terms {
                *merged.entry(i).or_default() += c;
            }
            let terms: Vec<(usize, i64)> = merged
                .into_iter()
                .filter(|(_, c)| *c != 0.0)
                .map(|(i, c)| (i, c as i64))
                .collect();
            (terms, rhs as i64)
        })
        .filter(|(terms, _)| !terms.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|(terms, rhs)| {
            let terms: Vec<(usize, f64)> = terms.into_iter().map(|(i, c)| (i, c as f64)).collect();
            (terms, rhs as f64)
        })
        .collect();
    let mut block: Vec<usize> = (0..hidden.len()).collect();
    fn root(b: &mut [usize], mut x: usize) -> usize {
        while b[x] != x {
            b[x] = b[b[x]];
            x = b[x];
        }
        x
    }
    for (terms, _) in &rows {
        for w in terms.windows(2) {
            let (a, b) = (root(&mut block, w[0].0), root(&mut block, w[1].0));
            block[a] = b;
        }
    }
    let mut out = HashMap::new();
    let roots: BTreeSet<usize> = (0..hidden.len()).map(|i| root(&mut block, i)).collect();
    for r in roots {
        let vars: Vec<usize> = (0..hidden.len())
            .filter(|&i| root(&mut block, i) == r)
            .collect();
        let local: HashMap<usize, usize> = vars.iter().enumerate().map(|(j, &i)| (i, j)).collect();
        let mine: Vec<&(Vec<(usize, f64)>, f64)> = rows
            .iter()
            .filter(|(terms, _)| local.contains_key(&terms[0].0))
            .collect();
        let solve = |target: usize, dir: OptimizationDirection| -> f64 {
            let mut p = Problem::new(dir);
            let v: Vec<_> = vars
                .iter()
                .enumerate()
                .map(|(j, &i)| {
                    let obj = if j == target { 1.0 } else { 0.0 };
                    match figures[hidden[i]] {
                        Shown::Small => p.add_var(obj, (1.0, 4.0)),
                        _ => p.add_var(obj, (0.0, f64::INFINITY)),
                    }
                })
                .collect();
            for (terms, rhs) in &mine {
                let t: Vec<_> = terms.iter().map(|&(i, c)| (v[local[&i]], c)).collect();
                p.add_constraint(t.as_slice(), ComparisonOp::Eq, *rhs);
            }
            match p.solve() {
                Ok(outcome) => outcome.into_solution().unwrap().objective(),
                Err(microlp::Error::Unbounded) => f64::INFINITY,
                Err(e) => panic!("the published figures are inconsistent: {e:?}"),
            }
        };
        for (j, &i) in vars.iter().enumerate() {
            let lo = solve(j, OptimizationDirection::Minimize);
            let hi = solve(j, OptimizationDirection::Maximize);
            out.insert(hidden[i].clone(), (lo, hi));
        }
    }
    out
}

/// One view a store publishes, the group its consolidated rows stand for.
struct View {
    query: StatsQuery,
    group: String,
}

fn year() -> StatsQuery {
    StatsQuery {
        language: Some(Language::En),
        ..StatsQuery::months(FROM, Some(TO))
    }
}

/// Publishes every view (current method, or the earlier one when `earlier`), reads the
/// files back, and returns what the reader knows and the exact value of every figure.
fn publish_and_read(
    site: &mut Site,
    views: &[View],
    groups: &[(String, Vec<String>)],
    earlier: bool,
) -> Published {
    let mut figures = BTreeMap::new();
    let mut relations = Vec::new();
    let mut exact = BTreeMap::new();
    let mut given_away = Vec::new();
    for (n, v) in views.iter().enumerate() {
        let e: StatsReport = site.store.monthly_tables(&v.query).unwrap();
        let text = if earlier {
            output::csv(&atrama::stats::publish_by_lines(&e, 5))
        } else {
            let path = site.dir.parent().unwrap().join(format!("view{n}.csv"));
            site.store
                .write_monthly_report(&v.query, output::ReportFormat::Csv, &path, true)
                .unwrap();
            std::fs::read_to_string(&path).unwrap()
        };
        let published = read(&text, &v.group);
        for (k, val) in read(&output::csv(&e), &v.group).figures {
            let Shown::Value(x) = val else { panic!() };
            if let Some(old) = exact.insert(k.clone(), x) {
                assert_eq!(old, x, "{k:?} differs between views");
            }
        }
        for (k, s) in published.figures {
            match figures.insert(k.clone(), s) {
                Some(old) if old != s => {
                    // Hidden in one file, shown in another: the reader has it.
                    assert!(earlier, "{k:?} is shown two ways: {old:?} and {s:?}");
                    if let Shown::Value(_) = old {
                        figures.insert(k.clone(), old);
                    }
                    given_away.push(k);
                }
                _ => {}
            }
        }
        relations.extend(published.relations);
    }
    relations.extend(definitional(&figures, groups));
    // The reader's relations hold on the exact figures: the reading is right.
    for (members, total) in &relations {
        let sum: f64 = members.iter().map(|k| exact[k]).sum();
        assert_eq!(sum, exact[total], "{members:?} = {total:?}");
    }
    Published {
        figures,
        relations,
        exact,
        given_away,
    }
}

/// What a reader holds after reading every file of a period.
struct Published {
    figures: BTreeMap<Key, Shown>,
    relations: Vec<(Vec<Key>, Key)>,
    exact: BTreeMap<Key, f64>,
    /// Figures hidden in one file and printed in another.
    given_away: Vec<Key>,
}

/// What the attack recovers: hidden figures narrowed below what their symbol says, and
/// figures hidden in one file but printed in another.
fn recovered(p: &Published) -> Vec<String> {
    let (figures, relations, exact) = (&p.figures, &p.relations, &p.exact);
    let mut out: Vec<String> = p
        .given_away
        .iter()
        .map(|k| format!("{k:?}: printed elsewhere"))
        .collect();
    for (k, (lo, hi)) in attack(figures, relations) {
        let v = exact[&k];
        assert!(
            lo <= v + 1e-6 && v <= hi + 1e-6,
            "{k:?}: {v} outside [{lo}, {hi}]"
        );
        if (1.0..5.0).contains(&v) {
            if lo > 1.0 + 1e-6 || hi < 4.0 - 1e-6 {
                out.push(format!("{k:?}: small count {v} narrowed to [{lo}, {hi}]"));
            }
        } else if v > 0.0 && hi - lo < 5.0 - 1e-6 {
            out.push(format!("{k:?}: {v} narrowed to [{lo}, {hi}]"));
        }
    }
    for (k, s) in figures {
        if *s == Shown::Small {
            assert!(
                (1.0..5.0).contains(&exact[k]),
                "{k:?} is <5 but {}",
                exact[k]
            );
        }
    }
    out
}

fn centre_views() -> Vec<View> {
    vec![
        View {
            query: StatsQuery {
                by_centre: false,
                ..year()
            },
            group: "all".into(),
        },
        View {
            query: StatsQuery {
                by_centre: false,
                by_month: false,
                ..year()
            },
            group: "all".into(),
        },
    ]
}

#[test]
fn a_reader_recovers_nothing_from_a_centres_publications() {
    let mut caught_earlier = 0;
    for (clients, seed) in [(30, 11), (80, 12), (160, 13)] {
        let mut c = demo_centre("KLP-01", Country::Lt, clients, seed);
        let groups = vec![];
        let p = publish_and_read(&mut c, &centre_views(), &groups, false);
        assert!(
            p.figures.values().any(|s| *s == Shown::Small),
            "{clients} clients: some small counts"
        );
        let found = recovered(&p);
        assert!(found.is_empty(), "{clients} clients: {found:#?}");
        // Positive control: the earlier method's files give figures away.
        caught_earlier +=
            recovered(&publish_and_read(&mut c, &centre_views(), &groups, true)).len();
    }
    assert!(
        caught_earlier > 0,
        "the attack recovers figures from the earlier method"
    );
}

#[test]
fn a_reader_recovers_nothing_from_a_coordinators_publications() {
    let mut centres = vec![
        demo_centre("KLP-01", Country::Lt, 40, 3),
        demo_centre("LIE-01", Country::Lv, 40, 5),
        demo_centre("VLN-01", Country::Lt, 25, 7),
    ];
    let mut coord = site("KOORD", Country::Lt, Mode::Coordinator);
    for c in &mut centres {
        enrol(c, &mut coord);
        let file = c.dir.parent().unwrap().join("out.atrama");
        c.store.export_bundle("KOORD", &file, None).unwrap();
        coord.store.import_bundle(&file, false).unwrap();
    }
    let views = vec![
        View {
            query: StatsQuery {
                by_month: false,
                ..year()
            },
            group: "all".into(),
        },
        View {
            query: StatsQuery {
                by_centre: false,
                ..year()
            },
            group: "all".into(),
        },
        View {
            query: StatsQuery {
                by_centre: false,
                country: Some(Country::Lt),
                ..year()
            },
            group: "LT".into(),
        },
        View {
            query: StatsQuery {
                by_centre: false,
                country: Some(Country::Lv),
                ..year()
            },
            group: "LIE-01".into(),
        },
    ];
    let groups = vec![
        (
            "all".to_owned(),
            vec!["KLP-01".into(), "LIE-01".into(), "VLN-01".into()],
        ),
        ("LT".to_owned(), vec!["KLP-01".into(), "VLN-01".into()]),
        ("all".to_owned(), vec!["LT".into(), "LIE-01".into()]),
    ];
    let p = publish_and_read(&mut coord, &views, &groups, false);
    assert!(p.figures.values().any(|s| *s == Shown::Small));
    let found = recovered(&p);
    assert!(found.is_empty(), "{found:#?}");
    let earlier = publish_and_read(&mut coord, &views, &groups, true);
    assert!(
        !recovered(&earlier).is_empty(),
        "the attack recovers figures from the earlier method"
    );
}
