//! The module graph, checked: every `crate::` path under `src/` is an edge
//! from the top-level module it is written in to the one it names, and every
//! edge must be in [`ALLOWED`]. The graph must have no cycle.
//!
//! The layers, each using only those below it (and, within a layer, only
//! what the table says):
//!
//! ```text
//! face           cli, commands          parse, call, pick the exit code
//! orchestration  serve, shard, merge,   start the target, split runs, join
//!                schema, demo           shard records, schemas, demo target
//! render         report                 one exporter per format
//! judge          judge                  Summary + objectives + baseline → verdict
//! engine         engine                 schedules, users, arrivals, transports
//! compile        plan                   load, validate, compile the languages
//! languages      data, template,        each knows its grammar and how to
//!                checks, slo, regress   evaluate it
//! measure        metrics                recorders
//! core           core                   the run record, verdict, scopes, values,
//!                                       formatting: imports nothing
//! ```
//!
//! Paths in comments and string literals are not dependencies. A type that
//! two layers share goes down a layer, never an import upwards.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may import.
const ALLOWED: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("metrics", &["core"]),
    ("data", &["core"]),
    ("template", &["core", "data"]),
    ("checks", &["core"]),
    ("slo", &["core", "metrics"]),
    ("regress", &["core", "slo"]),
    (
        "plan",
        &["core", "data", "template", "checks", "slo", "regress"],
    ),
    (
        "engine",
        &[
            "core", "metrics", "data", "template", "checks", "slo", "plan",
        ],
    ),
    ("judge", &["core", "slo", "regress"]),
    ("report", &["core", "slo", "judge"]),
    ("serve", &["core", "plan", "engine"]),
    ("shard", &["core", "plan"]),
    ("merge", &["core"]),
    ("schema", &["core", "plan"]),
    ("demo", &[]),
    ("cli", &["core", "regress", "demo"]),
    (
        "commands",
        &[
            "core", "metrics", "slo", "regress", "plan", "engine", "judge", "report", "serve",
            "shard", "merge", "schema", "demo", "cli",
        ],
    ),
];

/// The source with comments, string literals and character literals blanked
/// out, so that only code is left.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !is_ident(prev(&chars, i)) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('a', '\n', '\u{1F600}'); a lifetime has no closing quote.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev(chars: &[char], i: usize) -> char {
    if i == 0 { ' ' } else { chars[i - 1] }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The top-level modules that `code` names through `crate::`: `crate::a::b`
/// and every first segment of a group, `crate::{a, b::c}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back().unwrap_or(' ');
        rest = &rest[at + "crate::".len()..];
        if is_ident(before) {
            continue; // `mycrate::`, `$crate::` is not ours either way
        }
        let after = rest.trim_start();
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = 0;
            let mut items = Vec::new();
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        items.push(&group[start..k]);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&group[start..k]);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            for item in items {
                let name: String = item.trim().chars().take_while(|c| is_ident(*c)).collect();
                if !name.is_empty() && name != "self" {
                    found.insert(name);
                }
            }
        } else {
            let name: String = after.chars().take_while(|c| is_ident(*c)).collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder can be listed") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to; `None` for the crate
/// root files.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The module graph of the crate: module → (module it names → a file that does).
fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut edges: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for file in files {
        let Some(from) = top_module(src, &file) else {
            continue;
        };
        let source = std::fs::read_to_string(&file).expect("a source file reads");
        let targets = edges.entry(from.clone()).or_default();
        for to in named_modules(&code_only(&source)) {
            if to != from {
                let shown = file
                    .strip_prefix(src.parent().unwrap_or(src))
                    .unwrap_or(&file);
                targets.entry(to).or_insert_with(|| shown.to_path_buf());
            }
        }
    }
    edges
}

/// The edges of `graph` that [`ALLOWED`] does not list, as sentences.
fn forbidden(graph: &BTreeMap<String, BTreeMap<String, PathBuf>>) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut out = Vec::new();
    for (from, targets) in graph {
        for (to, file) in targets {
            let ok = allowed
                .get(from.as_str())
                .is_some_and(|list| list.contains(&to.as_str()));
            if !ok {
                out.push(format!(
                    "`{from}` imports `{to}` (in {}), which the table does not allow",
                    file.display()
                ));
            }
        }
    }
    out
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn cycle<'a>(graph: &'a BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut found = path[at..].to_vec();
            found.push(node);
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_import_follows_the_table() {
    let graph = graph(&src());
    assert!(
        graph.contains_key("engine") && graph.contains_key("core"),
        "{graph:?}"
    );
    let bad = forbidden(&graph);
    assert!(
        bad.is_empty(),
        "imports against the layers:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = graph(&src());
    let simple: BTreeMap<&str, Vec<&str>> = graph
        .iter()
        .map(|(from, to)| (from.as_str(), to.keys().map(String::as_str).collect()))
        .collect();
    assert_eq!(cycle(&simple), None);
    let table: BTreeMap<&str, Vec<&str>> = ALLOWED
        .iter()
        .map(|(from, to)| (*from, to.to_vec()))
        .collect();
    assert_eq!(cycle(&table), None, "the table itself has a cycle");
}

#[test]
fn lib_rs_describes_every_module_in_the_order_of_the_table() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs reads");
    let mut declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let described: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! - [`"))
        .filter_map(|l| l.split_once("`]: ").map(|(name, _)| name))
        .collect();
    let listed: Vec<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    assert_eq!(
        described, listed,
        "lib.rs describes the modules in another order"
    );
    declared.sort_unstable();
    let mut listed = listed;
    listed.sort_unstable();
    assert_eq!(
        declared, listed,
        "lib.rs and the table name different modules"
    );
}

#[test]
fn the_checker_sees_an_upward_import_and_ignores_comments_and_strings() {
    let code = code_only(
        "// crate::report in a comment\n\
         /* crate::judge /* nested */ crate::judge */\n\
         let s = \"crate::engine\"; let r = r#\"crate::serve\"#; let c = '\"';\n\
         fn f<'a>(x: &'a str) {}\n\
         use crate::{core::summary::Summary, report::{self, json}};\n\
         let v = crate::slo::expr::parse(x);\n",
    );
    assert_eq!(
        named_modules(&code),
        ["core", "report", "slo"].map(String::from).into()
    );
    let mut graph = BTreeMap::new();
    graph.insert(
        "metrics".to_string(),
        BTreeMap::from([(
            "report".to_string(),
            PathBuf::from("src/metrics/recorder.rs"),
        )]),
    );
    let bad = forbidden(&graph);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("`metrics` imports `report`"), "{bad:?}");
    let looped = BTreeMap::from([("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])]);
    assert_eq!(cycle(&looped), Some(vec!["a", "b", "c", "a"]));
}
