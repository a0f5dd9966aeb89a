//! The core's floors (ARCHITECTURE.md, "Codemap"): every module of `src/` sits on one
//! floor, and a module imports only from its own floor or the floors below it, so the
//! modules of different domains never import each other in a circle.
//!
//! The test reads the source tree: every `crate::…` and `super::…` path in a module (its
//! `use` lines and the paths written inline, test code left out) is an import, resolved to
//! the module that defines the name (through a parent's `pub use` re-exports). It fails
//! when a module has no floor, when a floor names a module that does not exist, when an
//! import goes up a floor, and when modules of two different domains (top-level modules)
//! import each other in a circle. Methods called on a value (`store.require(…)`) are not
//! paths and are not seen; the floors are about which module names which.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The floors, bottom up. A module belongs to the entry with the longest matching prefix
/// (`cases` covers `cases::write` unless `cases::write` has its own entry).
const FLOORS: &[(&str, &[&str])] = &[
    (
        "ground",
        &[
            "error",
            "ids",
            "hlc",
            "phase",
            "csv",
            "atomic_file",
            "crypto",
        ],
    ),
    (
        "vocabulary",
        &[
            "centre",
            "calendar",
            "codes",
            "bundle",
            "risk::pack",
            "risk::score",
            "cases::fold",
            "cases::model",
        ],
    ),
    ("store", &["store"]),
    ("access", &["admin::permissions", "audit", "staff"]),
    ("administration", &["admin"]),
    (
        "records",
        &[
            "cases",
            "directory",
            "drafts",
            "analysis::template",
            "analysis::facts",
            "analysis::form",
        ],
    ),
    ("risk", &["risk"]),
    ("work", &["queues", "printout"]),
    ("import", &["sheets"]),
    ("statistics", &["stats"]),
    ("sync", &["sync", "analysis::exchange"]),
    ("peers", &["peers"]),
    ("analysis", &["analysis"]),
    // The national warehouse: files written from the coordinator's replicas, with the
    // bundle's column lists (sync) and beside the monthly tables (stats).
    ("warehouse", &["warehouse"]),
    ("demo", &["demo"]),
];

/// Files of `src/` that are not the library's modules: the crate root (the CLI is its own
/// crate, `cli/`).
const NOT_MODULES: &[&str] = &["lib.rs"];

struct Module {
    file: String,
    is_dir: bool,
    /// The source without comments and without the `#[cfg(test)] mod tests` block.
    code: String,
}

fn modules(src: &Path) -> BTreeMap<String, Module> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if NOT_MODULES.contains(&rel.as_str()) {
                continue;
            }
            let mut parts: Vec<&str> = rel.trim_end_matches(".rs").split('/').collect();
            let is_dir = parts.last() == Some(&"mod");
            if is_dir {
                parts.pop();
            }
            // `store/tests.rs` is the store's `#[cfg(test)] mod tests;`.
            if parts.last() == Some(&"tests") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.insert(
                parts.join("::"),
                Module {
                    file: rel,
                    is_dir,
                    code: strip(&text),
                },
            );
        }
    }
    out
}

/// Removes line comments (doc comments included) and the test module at the end.
fn strip(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut cut = line.len();
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' if i == 0 || b[i - 1] != b'\\' => in_str = !in_str,
                b'/' if !in_str && b.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Reads the path (or `{…}` group of paths) at `b[i..]`, appending each full path to
/// `out`; returns where it stopped.
fn paths(b: &[u8], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix.to_vec();
    loop {
        i = skip_ws(b, i);
        if i < b.len() && b[i] == b'{' {
            i += 1;
            loop {
                i = skip_ws(b, i);
                if i < b.len() && b[i] == b'}' {
                    return i + 1;
                }
                i = paths(b, i, &path, out);
                i = skip_ws(b, i);
                if i < b.len() && b[i] == b',' {
                    i += 1;
                } else {
                    if i < b.len() && b[i] == b'}' {
                        i += 1;
                    }
                    return i;
                }
            }
        }
        let start = i;
        while i < b.len() && (is_ident(b[i]) || b[i] == b'*') {
            i += 1;
        }
        if i > start {
            path.push(String::from_utf8_lossy(&b[start..i]).into_owned());
        }
        let j = skip_ws(b, i);
        if i > start && b[j..].starts_with(b"::") {
            i = j + 2;
            continue;
        }
        out.push(path);
        return i;
    }
}

struct Graph {
    modules: BTreeMap<String, Module>,
}

impl Graph {
    /// The module a path names: the longest module prefix, followed through the `pub use`
    /// re-exports of a parent module (`crate::admin::Permission` is `admin::permissions`).
    fn resolve(&self, path: &[String], follow: bool) -> Option<String> {
        for k in (1..=path.len()).rev() {
            let name = path[..k].join("::");
            let Some(module) = self.modules.get(&name) else {
                continue;
            };
            if follow
                && module.is_dir
                && k < path.len()
                && let Some(target) = self.reexport(&name, module, &path[k])
            {
                return Some(target);
            }
            return Some(name);
        }
        None
    }

    fn reexport(&self, name: &str, module: &Module, item: &str) -> Option<String> {
        let b = module.code.as_bytes();
        let mut glob = Vec::new();
        for (at, _) in module.code.match_indices("pub use ") {
            let mut found = Vec::new();
            paths(b, at + "pub use ".len(), &[], &mut found);
            for p in found {
                if p.is_empty() || ["crate", "super", "self"].contains(&p[0].as_str()) {
                    continue;
                }
                let mut full: Vec<String> = name.split("::").map(str::to_owned).collect();
                full.push(p[0].clone());
                let Some(sub) = self.resolve(&full, false) else {
                    continue;
                };
                if p.last().map(String::as_str) == Some(item) && p.len() > 1 {
                    return Some(sub);
                }
                if p.last().map(String::as_str) == Some("*") {
                    glob.push(sub);
                }
            }
        }
        let defined = [
            "struct", "enum", "fn", "type", "trait", "const", "static", "mod",
        ]
        .iter()
        .any(|kw| module.code.contains(&format!("{kw} {item}")));
        if !defined && glob.len() == 1 {
            return glob.pop();
        }
        None
    }

    /// Every module each module imports.
    fn edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut edges = BTreeMap::new();
        for (name, module) in &self.modules {
            let me: Vec<String> = name.split("::").map(str::to_owned).collect();
            let b = module.code.as_bytes();
            let mut found = Vec::new();
            for kw in ["crate::", "super::"] {
                for (at, _) in module.code.match_indices(kw) {
                    if at > 0 && is_ident(b[at - 1]) {
                        continue;
                    }
                    let base: Vec<String> = if kw == "crate::" {
                        Vec::new()
                    } else {
                        me[..me.len() - 1].to_vec()
                    };
                    paths(b, at + kw.len(), &base, &mut found);
                }
            }
            // A parent module's own `use child::…` (its `pub use` only names its children).
            if module.is_dir {
                for (at, _) in module.code.match_indices("use ") {
                    let pub_use = module.code[..at].ends_with("pub ");
                    if pub_use || (at > 0 && is_ident(b[at - 1])) {
                        continue;
                    }
                    paths(b, at + 4, &me, &mut found);
                }
            }
            let targets: BTreeSet<String> = found
                .iter()
                .filter_map(|p| self.resolve(p, true))
                .filter(|t| t != name)
                .collect();
            edges.insert(name.clone(), targets);
        }
        edges
    }
}

fn floor_of(module: &str) -> Option<(usize, &'static str, &'static str)> {
    let mut best: Option<(usize, &'static str, &'static str)> = None;
    for (level, (floor, prefixes)) in FLOORS.iter().enumerate() {
        for prefix in *prefixes {
            let covers = module == *prefix
                || (module.starts_with(prefix) && module[prefix.len()..].starts_with("::"));
            if covers && best.is_none_or(|(_, _, p)| prefix.len() > p.len()) {
                best = Some((level, floor, prefix));
            }
        }
    }
    best
}

/// Strongly connected components of more than one module (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn graph() -> (Graph, BTreeMap<String, BTreeSet<String>>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = Graph {
        modules: modules(&src),
    };
    let edges = graph.edges();
    (graph, edges)
}

#[test]
fn every_module_has_a_floor_and_every_floor_entry_exists() {
    let (graph, _) = graph();
    let homeless: Vec<&str> = graph
        .modules
        .keys()
        .filter(|m| floor_of(m).is_none())
        .map(String::as_str)
        .collect();
    assert!(
        homeless.is_empty(),
        "modules without a floor in tests/it/layers.rs: {homeless:?}"
    );
    let stale: Vec<&str> = FLOORS
        .iter()
        .flat_map(|(_, prefixes)| prefixes.iter().copied())
        .filter(|p| !graph.modules.contains_key(*p))
        .collect();
    assert!(
        stale.is_empty(),
        "floor entries naming no module: {stale:?}"
    );
}

#[test]
fn no_module_imports_from_a_higher_floor() {
    let (graph, edges) = graph();
    let mut upward = Vec::new();
    for (from, targets) in &edges {
        let Some((level, floor, _)) = floor_of(from) else {
            continue;
        };
        for to in targets {
            let Some((to_level, to_floor, _)) = floor_of(to) else {
                continue;
            };
            if to_level > level {
                upward.push(format!(
                    "{} ({from}, floor {floor}) imports {to} (floor {to_floor})",
                    graph.modules[from].file
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "{} imports go up a floor:\n{}",
        upward.len(),
        upward.join("\n")
    );
}

#[test]
fn no_circle_between_domains() {
    let (_, edges) = graph();
    let domain = |m: &str| m.split("::").next().unwrap_or(m).to_owned();
    let crossing: Vec<Vec<String>> = circles(&edges)
        .into_iter()
        .filter(|c| c.iter().map(|m| domain(m)).collect::<BTreeSet<_>>().len() > 1)
        .collect();
    assert!(
        crossing.is_empty(),
        "modules of different domains import each other in a circle: {crossing:#?}"
    );
}

/// The reader itself: a path written in a comment is not an import, a `{…}` group is read
/// whole, `super::` is the parent, and a re-export is followed to the module behind it.
#[test]
fn the_reader_sees_what_a_module_imports() {
    let code =
        strip("use crate::a::{b::C, d};\n// crate::z::Y in a comment\nfn f() { super::e::g(); }\n");
    let mut found = Vec::new();
    let b = code.as_bytes();
    for (at, _) in code.match_indices("crate::") {
        paths(b, at + 7, &[], &mut found);
    }
    assert_eq!(
        found,
        vec![
            vec!["a".to_owned(), "b".to_owned(), "C".to_owned()],
            vec!["a".to_owned(), "d".to_owned()]
        ]
    );
    assert!(!code.contains("crate::z"));
    let (_, edges) = graph();
    // `staff.rs` names `crate::admin::Permission`, re-exported by `admin/mod.rs`.
    assert!(
        edges["staff"].contains("admin::permissions"),
        "{:?}",
        edges["staff"]
    );
    assert!(edges["cases::write"].contains("cases::model"));
}
