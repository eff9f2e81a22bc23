//! YAML read as hostile input (CI files, pnpm-workspace.yaml: every YAML the library reads goes
//! through here): into a small tree that knows each node's line, within bounds. yaml-rust2's parser is pulled event by event (never its loader, which clones every
//! alias unbounded and drops deep trees by recursion), so a file too large, too deep, or an
//! alias bomb stops the read with an error instead of exhausting memory, stack or time.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// Larger YAML files than this are not CI or workspace files anyone wrote by hand.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Workflows nest a handful of levels; this leaves room and keeps recursion over trees shallow.
const MAX_DEPTH: usize = 64;
/// Nodes in the tree, aliases counted as what they expand to.
pub const MAX_NODES: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Every scalar, as written: CI files are compared as text (`write`, `write-all`, `true`).
    Text(String),
    List(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    /// The key's line: where a fix says to add something.
    pub line: usize,
    pub value: Node,
}

impl Node {
    /// The value of `key` in a mapping, following YAML merge keys (`<<: *defaults`), which
    /// GitLab pipelines use a lot; a key of its own wins over a merged one.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entry_within(key, MAX_DEPTH)
    }

    fn entry_within(&self, key: &str, depth: usize) -> Option<&Entry> {
        let Value::Map(entries) = &self.value else {
            return None;
        };
        if let Some(own) = entries.iter().find(|e| e.key == key) {
            return Some(own);
        }
        let merged = entries.iter().find(|e| e.key == "<<")?;
        let sources: Vec<&Node> = match &merged.value.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![&merged.value],
        };
        sources
            .into_iter()
            .filter(|_| depth > 0)
            .find_map(|source| source.entry_within(key, depth - 1))
    }

    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::List(items) => items,
            _ => &[],
        }
    }

    /// Every text in the node: a scalar, or the scalars of a (nested) list.
    pub fn texts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_texts(&mut out);
        out
    }

    fn collect_texts<'a>(&'a self, out: &mut Vec<&'a str>) {
        match &self.value {
            Value::Text(text) => out.push(text),
            Value::List(items) => items.iter().for_each(|i| i.collect_texts(out)),
            _ => {}
        }
    }

    /// Nodes in this tree, for the budget.
    pub fn size(&self) -> usize {
        1 + self.children().map(Node::size).sum::<usize>()
    }

    /// Levels of this tree, for the depth bound: an alias puts a whole tree where it stands.
    fn depth(&self) -> usize {
        1 + self.children().map(Node::depth).max().unwrap_or(0)
    }

    fn children(&self) -> Box<dyn Iterator<Item = &Node> + '_> {
        match &self.value {
            Value::List(items) => Box::new(items.iter()),
            Value::Map(entries) => Box::new(entries.iter().map(|e| &e.value)),
            _ => Box::new(std::iter::empty()),
        }
    }
}

/// Why a file could not be read, with the line when the parser knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: Option<usize>,
    pub message: String,
}

fn error(line: Option<usize>, message: impl Into<String>) -> YamlError {
    YamlError {
        line,
        message: message.into(),
    }
}

/// A collection being read: its node, and for a mapping the key waiting for its value.
struct Open {
    node: Node,
    anchor: usize,
    key: Option<(String, usize)>,
}

/// Every document of `text` (GitLab files may start with a `spec:` header document).
pub fn documents(text: &str) -> Result<Vec<Node>, YamlError> {
    if text.len() > MAX_BYTES {
        return Err(error(
            None,
            format!(
                "larger than {} KiB, more than such a file has",
                MAX_BYTES / 1024
            ),
        ));
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut nodes = 0usize;
    let mut documents = Vec::new();
    // A document started and its root not read yet.
    let mut pending = false;
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| error(Some(e.marker().line()), e.info()))?;
        let line = mark.line();
        let (node, anchor) = match event {
            Event::StreamEnd => return Ok(documents),
            Event::DocumentStart => {
                pending = true;
                continue;
            }
            Event::DocumentEnd if pending => (
                Node {
                    line,
                    value: Value::Null,
                },
                0,
            ),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error(Some(line), "nested too deeply"));
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::List(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                stack.push(Open {
                    node: Node { line, value },
                    anchor,
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = stack.pop().ok_or_else(|| error(Some(line), "unbalanced"))?;
                (open.node, open.anchor)
            }
            Event::Scalar(text, style, anchor, _) => {
                let null = style == TScalarStyle::Plain
                    && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL");
                let value = if null { Value::Null } else { Value::Text(text) };
                (Node { line, value }, anchor)
            }
            Event::Alias(id) => {
                let target = anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, node)| node.clone())
                    .ok_or_else(|| error(Some(line), "an alias to an unknown anchor"))?;
                if stack.len() + target.depth() > MAX_DEPTH {
                    return Err(error(Some(line), "nested too deeply"));
                }
                nodes += target.size();
                (target, 0)
            }
            _ => continue,
        };
        nodes += 1;
        if anchor > 0 {
            // The copy kept for aliases counts too, or anchors nested in anchors would each
            // keep a copy of the same large tree.
            nodes += node.size();
        }
        if nodes > MAX_NODES {
            return Err(error(
                Some(line),
                "too many nodes (aliases that expand without end?)",
            ));
        }
        if anchor > 0 {
            anchors.push((anchor, node.clone()));
        }
        let Some(parent) = stack.last_mut() else {
            documents.push(node);
            pending = false;
            continue;
        };
        match (&mut parent.node.value, parent.key.take()) {
            (Value::List(items), _) => items.push(node),
            (Value::Map(entries), Some((key, line))) => {
                // YAML allows a key once per mapping. GitHub Actions rejects a file that gives
                // one twice, and readers that take the first or the last disagree on what it
                // says (a grant, then `permissions: {}`): refused, where the second one stands.
                // Merge keys are the exception YAML 1.1 tools accept; a key that is not text
                // (`? [a, b]`) is not compared.
                let counted = !key.is_empty() && key != "<<";
                if let Some(first) = entries.iter().find(|e| counted && e.key == key) {
                    return Err(error(
                        Some(line),
                        format!(
                            "`{key}` is given twice in one mapping (lines {} and {line}); keep \
                             one, holding what both should",
                            first.line
                        ),
                    ));
                }
                entries.push(Entry {
                    key,
                    line,
                    value: node,
                })
            }
            (Value::Map(_), None) => {
                // A key: text as written; a collection as a key means nothing to a CI file.
                let key = node.text().unwrap_or_default().to_string();
                parent.key = Some((key, node.line));
            }
            _ => return Err(error(Some(line), "unbalanced")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first document of `text`; an empty one is `Null`.
    fn parse(text: &str) -> Result<Node, YamlError> {
        Ok(documents(text)?.into_iter().next().unwrap_or(Node {
            line: 1,
            value: Value::Null,
        }))
    }

    #[test]
    fn reads_maps_lists_lines_and_merge_keys() {
        let doc = parse(
            "on: [push, workflow_call]\njobs:\n  publish:\n    environment:\n    steps:\n      - run: npm publish\n.base: &base\n  script: [a, b]\njob:\n  <<: *base\n  stage: x\n",
        )
        .unwrap();
        assert_eq!(
            doc.get("on").unwrap().texts(),
            vec!["push", "workflow_call"]
        );
        let publish = doc.get("jobs").unwrap().entry("publish").unwrap();
        assert_eq!(publish.line, 3);
        assert_eq!(publish.value.get("environment").unwrap().value, Value::Null);
        let step = &publish.value.get("steps").unwrap().items()[0];
        assert_eq!(step.get("run").unwrap().text(), Some("npm publish"));
        assert_eq!(step.line, 6);
        let job = doc.get("job").unwrap();
        assert_eq!(job.get("script").unwrap().texts(), vec!["a", "b"]);
        assert_eq!(job.get("stage").unwrap().text(), Some("x"));
        assert_eq!(parse("").unwrap().value, Value::Null);
        let docs = documents("spec:\n  inputs: {}\n---\njob: {script: x}\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[1].get("job").is_some());
        assert_eq!(parse("# only a comment\n").unwrap().value, Value::Null);
    }

    #[test]
    fn hostile_files_stop_with_an_error() {
        // The billion laughs: each level refers nine times to the one before.
        let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let refs = vec![format!("*l{}", level - 1); 9].join(", ");
            bomb.push_str(&format!("l{level}: &l{level} [{refs}]\n"));
        }
        assert!(parse(&bomb).unwrap_err().message.contains("too many nodes"));

        // The scanner has its own, lower bound for flow collections.
        assert!(parse(&"[".repeat(100_000)).is_err());
        let deep_block: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(parse(&deep_block).unwrap_err().message.contains("deeply"));

        // Aliases that stack trees deeper than any file nests them.
        let nest = |inner: &str| format!("{}{inner}{}", "[".repeat(40), "]".repeat(40));
        let stacked = format!("a: &a {}\nb: {}\n", nest("x"), nest("*a"));
        assert!(parse(&stacked).unwrap_err().message.contains("deeply"));
        // Anchors inside anchors, each a copy of the same wide tree.
        let wide = vec!["x"; 20_000].join(", ");
        let nested: String =
            (0..20).map(|i| format!("&n{i} [")).collect::<String>() + &wide + &"]".repeat(20);
        assert!(parse(&format!("k: {nested}\n"))
            .unwrap_err()
            .message
            .contains("too many nodes"));

        let huge = "a".repeat(MAX_BYTES + 1);
        assert!(parse(&huge).unwrap_err().message.contains("larger than"));

        let twice = parse("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert_eq!(twice.line, Some(4));
        assert!(twice.message.contains("`c` is given twice"));
        assert!(parse("a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n").is_ok());

        let broken = parse("jobs:\n  a: [unclosed\n").unwrap_err();
        assert!(broken.line.is_some());
        assert!(parse("*nowhere").is_err());
    }
}
