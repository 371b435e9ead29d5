//! The shape of the house, checked from the source (docs/ARCHITECTURE.md):
//! no import cycles between files, no non-test source file above the line
//! budget, and a library that never ends the process.
//!
//! The module tree is read from the crate roots (`src/lib.rs`, `src/main.rs`)
//! by following `mod name;` declarations. A file imports another when one of
//! its paths (`use` trees, `crate::`/`super::`/`self::` paths in code, paths
//! through its own submodules) names a module of that file. An import of an
//! enclosing module (`super::X` from a child) is how a child belongs to its
//! parent, not a dependency between peers, so it is not an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lines a non-test source file may have before its unit tests.
const LINE_BUDGET: usize = 600;

struct Module {
    /// Module path from its crate root, e.g. `["world", "cache"]`.
    path: Vec<String>,
    /// The crate root it belongs to (`lib.rs` or `main.rs`).
    krate: &'static str,
    file: PathBuf,
    /// Source with inline `#[cfg(test)]` modules removed.
    code: String,
    /// Lines before the unit tests.
    lines: usize,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without comments and unit tests (an inline
/// `#[cfg(test)] mod … {` closes a file: tests come last; a test-only
/// declaration line is skipped), and its line count before the tests.
fn without_tests(text: &str) -> (String, usize) {
    let mut code = String::new();
    let mut lines = 0;
    let mut test_only = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            test_only = true;
            continue;
        }
        if test_only && !t.starts_with("#[") {
            test_only = false;
            if t.contains("mod ") && t.ends_with('{') {
                break;
            }
            continue;
        }
        lines += 1;
        // Comments (doc links included) name paths without importing them.
        if !t.starts_with("//") {
            code.push_str(line);
        }
        code.push('\n');
    }
    (code, lines)
}

/// `mod name;` declarations of a file, skipping test-only ones.
fn declared_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut test_only = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("#[cfg(test)]") {
            test_only = true;
            continue;
        }
        let rest = t
            .strip_prefix("pub(crate) ")
            .or_else(|| t.strip_prefix("pub(super) "))
            .or_else(|| t.strip_prefix("pub "))
            .unwrap_or(t);
        if let Some(name) = rest.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            if !test_only {
                out.push(name.trim().to_string());
            }
        }
        if !t.starts_with("#[") {
            test_only = false;
        }
    }
    out
}

fn load(krate: &'static str) -> Vec<Module> {
    let mut out = Vec::new();
    let mut todo = vec![(Vec::<String>::new(), src().join(krate))];
    while let Some((path, file)) = todo.pop() {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let name = file.file_name().unwrap().to_str().unwrap();
        let dir = if matches!(name, "lib.rs" | "main.rs" | "mod.rs") {
            file.parent().unwrap().to_path_buf()
        } else {
            file.with_extension("")
        };
        for child in declared_modules(&text) {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(&child).join("mod.rs");
            let child_file = if flat.exists() { flat } else { nested };
            let mut child_path = path.clone();
            child_path.push(child);
            todo.push((child_path, child_file));
        }
        let (code, lines) = without_tests(&text);
        out.push(Module {
            path,
            krate,
            file,
            code,
            lines,
        });
    }
    out
}

/// Every path a file names: `use` trees expanded, plus `crate::`,
/// `super::` and `self::` paths written in code.
fn named_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    // `use` declarations (possibly multi-line, with nested groups).
    while let Some(at) = find_use(rest) {
        let after = &rest[at..];
        let end = after.find(';').unwrap_or(after.len());
        expand_use(&after[4..end], &mut Vec::new(), &mut out);
        rest = &after[end..];
    }
    // Qualified paths anywhere in code.
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(root) {
            let start = from + i;
            from = start + root.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let tail: String = code[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(
                tail.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
        }
    }
    out
}

/// The offset of the next `use ` that starts a declaration.
fn find_use(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find("use ") {
        let at = from + i;
        let before = text[..at].trim_end_matches([' ', '\t']);
        let starts_item = before.is_empty()
            || before.ends_with('\n')
            || before.ends_with(')')
            || before.ends_with("pub")
            || before.ends_with('{')
            || before.ends_with(';');
        if starts_item && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric()) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// Expands a use tree (`a::{b, c::{d, e}}`) into full paths.
fn expand_use(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let depth = prefix.len();
        prefix.extend(head);
        let mut level = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => level += 1,
                '}' => level -= 1,
                ',' if level == 0 => {
                    expand_use(&inner[start..i], prefix, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand_use(&inner[start..], prefix, out);
        prefix.truncate(depth);
    } else if !tree.is_empty() {
        let leaf = tree.split(" as ").next().unwrap_or(tree);
        let mut path = prefix.clone();
        path.extend(
            leaf.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        out.push(path);
    }
}

/// The file-level import graph of one crate: module index → imported
/// module indices (the deepest module each path names).
fn graph(modules: &[Module]) -> BTreeMap<usize, BTreeSet<usize>> {
    let index: BTreeMap<&[String], usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.as_slice(), i))
        .collect();
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (i, m) in modules.iter().enumerate() {
        for path in named_paths(&m.code) {
            let Some(first) = path.first() else { continue };
            let (mut at, rest): (Vec<String>, &[String]) = match first.as_str() {
                "crate" => (Vec::new(), &path[1..]),
                "self" => (m.path.clone(), &path[1..]),
                "super" => {
                    let mut base = m.path.clone();
                    let mut k = 0;
                    while path.get(k).is_some_and(|s| s == "super") {
                        base.pop();
                        k += 1;
                    }
                    (base, &path[k..])
                }
                // A path through a submodule of this file.
                _ => (m.path.clone(), &path[..]),
            };
            let before = at.len();
            for seg in rest {
                at.push(seg.clone());
                if !index.contains_key(at.as_slice()) {
                    at.pop();
                    break;
                }
            }
            if first != "crate" && first != "self" && first != "super" && at.len() == before {
                continue; // an external crate or a local name
            }
            let Some(&j) = index.get(at.as_slice()) else {
                continue;
            };
            // Importing an enclosing module is belonging, not depending.
            let ancestor = modules[j].path.len() <= m.path.len()
                && m.path[..modules[j].path.len()] == modules[j].path[..];
            if j != i && !ancestor {
                edges.entry(i).or_default().insert(j);
            }
        }
    }
    edges
}

/// Strongly connected components of more than one file (Tarjan).
fn cycles(n: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<Vec<usize>> {
    struct Tarjan<'e> {
        edges: &'e BTreeMap<usize, BTreeSet<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            let targets: Vec<usize> = self
                .edges
                .get(&v)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
            for w in targets {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.out.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    t.out
}

fn relative(file: &Path) -> String {
    file.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or(file)
        .display()
        .to_string()
}

#[test]
fn no_import_cycles_between_files() {
    let mut problems = Vec::new();
    for krate in ["lib.rs", "main.rs"] {
        let modules = load(krate);
        let edges = graph(&modules);
        for component in cycles(modules.len(), &edges) {
            let set: BTreeSet<usize> = component.iter().copied().collect();
            let mut ties = Vec::new();
            for &a in &set {
                for &b in edges.get(&a).into_iter().flatten() {
                    if set.contains(&b) {
                        ties.push(format!(
                            "  {} -> {}",
                            relative(&modules[a].file),
                            relative(&modules[b].file)
                        ));
                    }
                }
            }
            problems.push(format!("cycle in {krate}:\n{}", ties.join("\n")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_graph_sees_real_imports() {
    // Guards the parser: known dependencies must be found, or the cycle
    // test above would pass vacuously.
    let modules = load("lib.rs");
    let edges = graph(&modules);
    let find = |p: &str| {
        modules
            .iter()
            .position(|m| m.path.join("::") == p)
            .unwrap_or_else(|| panic!("module {p} not found"))
    };
    let depends = |a: &str, b: &str| edges.get(&find(a)).is_some_and(|s| s.contains(&find(b)));
    assert!(depends("world", "sim"));
    assert!(depends("world::deployment", "strategy"));
    assert!(depends("judge::cloudwatch", "alarm"));
    assert!(depends("montecarlo", "world"));
    assert!(!depends("sim", "world"));
    assert!(modules.iter().all(|m| m.krate == "lib.rs"));
}

#[test]
fn the_kernel_knows_nothing_of_aws() {
    for m in load("lib.rs")
        .iter()
        .filter(|m| m.path.first().is_some_and(|p| p == "sim"))
    {
        for path in named_paths(&m.code) {
            let names_outside = path.first().is_some_and(|p| p == "crate")
                && path.get(1).is_some_and(|p| p != "sim");
            assert!(
                !names_outside,
                "{} imports {} — the kernel must not depend on the world",
                relative(&m.file),
                path.join("::")
            );
        }
    }
}

#[test]
fn no_source_file_over_the_line_budget() {
    let mut over = Vec::new();
    for krate in ["lib.rs", "main.rs"] {
        for m in load(krate) {
            if m.lines > LINE_BUDGET {
                over.push(format!("{}: {} lines", relative(&m.file), m.lines));
            }
        }
    }
    assert!(
        over.is_empty(),
        "files over {LINE_BUDGET} lines (before their unit tests):\n{}",
        over.join("\n")
    );
}

#[test]
fn the_library_never_ends_the_process() {
    for m in load("lib.rs") {
        for needle in ["process::exit", "std::process::abort"] {
            assert!(
                !m.code.contains(needle),
                "{} calls {needle}: the library returns errors, the binary exits",
                relative(&m.file)
            );
        }
    }
}
