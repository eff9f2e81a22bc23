//! No module circles in the core: among the children of any module, "uses" is acyclic. A file
//! that names `crate::a::x` from inside `crate::b` makes `b` use `a`; a `pub use` is followed to
//! where the item lives (`trust::Provider` is `trust::provider`). A module and its own ancestors
//! are not compared (a `mod.rs` is its children's facade), nor is test code (`#[cfg(test)] mod`).
//! Circles make a module impossible to understand, test or move alone: domain modules stay pure,
//! and the operations that need a session sit above them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type ModPath = Vec<String>;

/// One source file: its module path and its code, comments and test modules removed.
struct Module {
    file: String,
    code: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Colons,
    Punct(char),
}

fn tokens(code: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // Strings name nothing; skip them, escapes included.
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            ':' if chars.peek() == Some(&':') => {
                chars.next();
                out.push(Token::Colons);
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut ident = c.to_string();
                while let Some(&c) = chars.peek() {
                    if !(c.is_alphanumeric() || c == '_') {
                        break;
                    }
                    ident.push(c);
                    chars.next();
                }
                out.push(Token::Ident(ident));
            }
            c if c.is_whitespace() => {}
            c => out.push(Token::Punct(c)),
        }
    }
    out
}

/// The code without `//` comments and without inline test modules.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            let next = lines.peek().map(|l| l.trim_start()).unwrap_or("");
            if next.starts_with("mod ") && next.trim_end().ends_with('{') {
                break; // the tests module ends the file, by the house's layout
            }
        }
        let line = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// Module names declared `#[cfg(test)] mod name;` in a file.
fn test_children(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| w[0] == "#[cfg(test)]")
        .filter_map(|w| {
            w[1].strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect()
}

fn load(
    dir: &Path,
    root: &Path,
    modules: &mut BTreeMap<ModPath, Module>,
    tests: &mut BTreeSet<ModPath>,
) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            load(&path, root, modules, tests);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap();
        let mut module: ModPath = rel
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        let last = module.pop().unwrap();
        match last.as_str() {
            "lib.rs" | "mod.rs" => {}
            file => module.push(file.trim_end_matches(".rs").to_string()),
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for child in test_children(&text) {
            let mut test = module.clone();
            test.push(child);
            tests.insert(test);
        }
        let file = rel.to_string_lossy().replace('\\', "/");
        modules.insert(
            module,
            Module {
                file,
                code: tokens(&code_of(&text)),
            },
        );
    }
}

/// The paths a `use` tree starting at `at` names (an alias is ignored: the path is what counts),
/// each with the name it brings into scope; answers them and the index after the `;`.
fn use_tree(
    code: &[Token],
    mut at: usize,
    prefix: ModPath,
    out: &mut Vec<(ModPath, String)>,
) -> usize {
    let mut path = prefix;
    loop {
        match code.get(at) {
            Some(Token::Ident(word)) if word == "as" => {
                if let Some(Token::Ident(alias)) = code.get(at + 1) {
                    out.push((path.clone(), alias.clone()));
                    path.clear();
                }
                at += 2;
            }
            Some(Token::Ident(word)) => {
                path.push(word.clone());
                at += 1;
            }
            Some(Token::Colons) => at += 1,
            Some(Token::Punct('{')) => {
                let base = path.clone();
                at += 1;
                loop {
                    at = use_tree(code, at, base.clone(), out);
                    match code.get(at) {
                        Some(Token::Punct(',')) => at += 1,
                        Some(Token::Punct('}')) => {
                            at += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                path.clear();
            }
            Some(Token::Punct('*')) => {
                at += 1; // a glob names no item that can be followed
                path.clear();
            }
            _ => {
                if let Some(last) = path.last() {
                    let name = if last == "self" {
                        path[path.len() - 2].clone()
                    } else {
                        last.clone()
                    };
                    out.push((path, name));
                }
                return at;
            }
        }
    }
}

/// `path` as written inside `module`, made absolute; None for another crate's path.
fn absolute(
    module: &ModPath,
    path: &[String],
    modules: &BTreeMap<ModPath, Module>,
) -> Option<ModPath> {
    let (first, rest) = path.split_first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.clone(),
        "super" => module[..module.len().checked_sub(1)?].to_vec(),
        child => {
            let mut own = module.clone();
            own.push(child.to_string());
            if !modules.contains_key(&own) {
                return None;
            }
            return Some(own.into_iter().chain(rest.iter().cloned()).collect());
        }
    };
    let mut rest = rest;
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(base)
}

struct Uses {
    /// What each module re-exports: name -> absolute path.
    reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    /// The absolute paths each module names.
    named: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

fn uses(modules: &BTreeMap<ModPath, Module>) -> Uses {
    let mut reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>> = BTreeMap::new();
    let mut named: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, Module { code, .. }) in modules {
        let mut at = 0;
        while at < code.len() {
            let is =
                |i: usize, word: &str| matches!(code.get(i), Some(Token::Ident(w)) if w == word);
            if is(at, "use") {
                let public = at > 0
                    && (is(at - 1, "pub")
                        || (at >= 4 && is(at - 4, "pub") && code[at - 1] == Token::Punct(')')));
                let mut tree = Vec::new();
                at = use_tree(code, at + 1, Vec::new(), &mut tree);
                for (path, name) in tree {
                    let Some(path) = absolute(module, &path, modules) else {
                        continue;
                    };
                    if public {
                        reexports
                            .entry(module.clone())
                            .or_default()
                            .insert(name, path.clone());
                    }
                    named.entry(module.clone()).or_default().insert(path);
                }
                continue;
            }
            let starts_path = matches!(&code[at], Token::Ident(w) if w == "crate" || w == "super")
                && code.get(at + 1) == Some(&Token::Colons)
                && !(at > 0 && code[at - 1] == Token::Colons);
            if starts_path {
                let mut path = Vec::new();
                while let Some(Token::Ident(word)) = code.get(at) {
                    path.push(word.clone());
                    at += 1;
                    if code.get(at) != Some(&Token::Colons) {
                        break;
                    }
                    at += 1;
                }
                if let Some(path) = absolute(module, &path, modules) {
                    named.entry(module.clone()).or_default().insert(path);
                }
                continue;
            }
            at += 1;
        }
    }
    Uses { reexports, named }
}

/// The module that holds what `path` names, following re-exports.
fn holder(mut path: ModPath, modules: &BTreeMap<ModPath, Module>, uses: &Uses) -> ModPath {
    for _ in 0..16 {
        let known = (0..=path.len())
            .rev()
            .find(|&k| modules.contains_key(&path[..k]))
            .unwrap_or(0);
        let next = path
            .get(known)
            .and_then(|name| uses.reexports.get(&path[..known])?.get(name));
        match next {
            Some(target) if *target != path => {
                path = target.iter().chain(&path[known + 1..]).cloned().collect();
            }
            _ => {
                path.truncate(known);
                return path;
            }
        }
    }
    path
}

/// Edges between sibling modules: (parent, from child, to child) -> the files that make it.
type Edges = BTreeMap<(ModPath, String, String), BTreeSet<String>>;

fn edges(root: &Path) -> Edges {
    let mut modules = BTreeMap::new();
    let mut tests = BTreeSet::new();
    load(root, root, &mut modules, &mut tests);
    modules.retain(|module, _| !tests.iter().any(|test| module.starts_with(test)));
    let uses = uses(&modules);
    let mut edges = Edges::new();
    for (module, paths) in &uses.named {
        for path in paths {
            let target = holder(path.clone(), &modules, &uses);
            let k = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if k == module.len() || k == target.len() {
                continue; // a module and its ancestor
            }
            let evidence = format!("{} names {}", modules[module].file, path.join("::"));
            edges
                .entry((module[..k].to_vec(), module[k].clone(), target[k].clone()))
                .or_default()
                .insert(evidence);
        }
    }
    edges
}

/// The circles among each module's children (strongly connected components of more than one).
fn circles(edges: &Edges) -> Vec<(ModPath, Vec<String>)> {
    let mut by_parent: BTreeMap<&ModPath, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    for (parent, from, to) in edges.keys() {
        by_parent
            .entry(parent)
            .or_default()
            .entry(from)
            .or_default()
            .insert(to);
    }
    let mut found = Vec::new();
    for (parent, graph) in by_parent {
        let reach = |start: &str| {
            let mut seen = BTreeSet::new();
            let mut todo = vec![start];
            while let Some(node) = todo.pop() {
                for &next in graph.get(node).into_iter().flatten() {
                    if seen.insert(next) {
                        todo.push(next);
                    }
                }
            }
            seen
        };
        let mut done: BTreeSet<String> = BTreeSet::new();
        for &node in graph.keys() {
            if done.contains(node) {
                continue;
            }
            let from_node = reach(node);
            if !from_node.contains(node) {
                continue;
            }
            let component: Vec<String> = from_node
                .iter()
                .filter(|other| reach(other).contains(node))
                .map(|s| s.to_string())
                .collect();
            done.extend(component.iter().cloned());
            found.push((parent.clone(), component));
        }
    }
    found
}

#[test]
fn the_core_has_no_module_circles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&root);
    assert!(
        edges.len() > 20,
        "the scan found too few uses to be reading the code: {}",
        edges.len()
    );
    let found = circles(&edges);
    let report: Vec<String> = found
        .iter()
        .map(|(parent, members)| {
            let inside = if parent.is_empty() {
                "crate".to_string()
            } else {
                parent.join("::")
            };
            let evidence: Vec<String> = edges
                .iter()
                .filter(|((p, from, to), _)| {
                    p == parent && members.contains(from) && members.contains(to)
                })
                .map(|((_, from, to), why)| {
                    format!(
                        "    {from} -> {to}: {}",
                        why.iter().cloned().collect::<Vec<_>>().join("; ")
                    )
                })
                .collect();
            format!(
                "in {inside}: {}\n{}",
                members.join(" <-> "),
                evidence.join("\n")
            )
        })
        .collect();
    assert!(report.is_empty(), "module circles:\n{}", report.join("\n"));
}

#[test]
fn the_scan_sees_a_circle() {
    let dir = std::env::temp_dir().join(format!("module-circles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(dir.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(dir.join("a.rs"), "use crate::b::Thing;\n").unwrap();
    std::fs::write(
        dir.join("b/mod.rs"),
        "mod inner;\npub use inner::Thing;\npub fn f() { crate::a::g() }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b/inner.rs"),
        "pub struct Thing;\n// crate::x::y in a comment names nothing\n",
    )
    .unwrap();
    let edges = edges(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let found = circles(&edges);
    assert_eq!(
        found,
        vec![(vec![], vec!["a".to_string(), "b".to_string()])]
    );
    assert!(edges.keys().all(|(_, from, to)| from != "x" && to != "x"));
}
