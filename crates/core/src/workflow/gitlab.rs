//! GitLab CI/CD pipelines: which jobs publish (their `script`), whether each has an `id_tokens`
//! entry for the registry's audience named as npm reads it (`NPM_ID_TOKEN`), and its
//! environment. Hidden jobs (`.name`), `extends`, YAML merge keys, `default:` and local
//! `include:` files are followed; remote includes cannot be.

use std::collections::HashMap;
use std::path::Path;

use super::commands;
use super::{unusable, Analysis, Checked, Checker, Finding, Loaded, PublishingJob};
use crate::provider::CiFile;
use crate::yaml::{Entry, Node};

pub const DEFAULT_FILE: &str = ".gitlab-ci.yml";
/// The variable npm reads the id_token from.
const VARIABLE: &str = "NPM_ID_TOKEN";
/// Top-level keys that are not jobs.
const KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "spec",
];
/// Local includes of includes deeper than this are not followed; GitLab's own limit on files.
const MAX_DEPTH: usize = 8;
const MAX_FILES: usize = 150;
/// Jobs an `extends` lookup visits, however the parents fan out.
const MAX_PARENTS: usize = 64;

/// The pipeline's top-level mappings: the file's, and its local includes' (each file once).
fn documents(
    checker: &mut Checker,
    root: &Path,
    path: &str,
    depth: usize,
    out: &mut Vec<(String, Node)>,
    unseen: &mut Vec<String>,
) -> Checked<()> {
    if out.iter().any(|(seen, _)| seen == path) {
        return Ok(());
    }
    let loaded = checker.load(root, path);
    if let Some(finding) = unusable(CiFile::GitLabPipeline, path, &loaded) {
        return Err(Box::new(finding));
    }
    let Loaded::Parsed(docs) = loaded else {
        return Ok(());
    };
    // A `spec:` header document comes before the pipeline.
    let Some(doc) = docs
        .iter()
        .find(|d| d.get("spec").is_none() || docs.len() == 1)
    else {
        return Ok(());
    };
    let includes = doc.get("include").map(|i| match i.items() {
        [] => vec![i.clone()],
        items => items.to_vec(),
    });
    out.push((path.to_string(), doc.clone()));
    for include in includes.unwrap_or_default() {
        let local = include
            .text()
            .filter(|t| !t.contains("://"))
            .or_else(|| include.get("local").and_then(Node::text));
        match local.filter(|_| depth < MAX_DEPTH && out.len() < MAX_FILES) {
            Some(local) if !local.contains('*') => {
                let local = local.trim_start_matches('/');
                if documents(checker, root, local, depth + 1, out, unseen).is_err() {
                    unseen.push(local.to_string());
                }
            }
            _ => unseen.push(describe_include(&include)),
        }
    }
    Ok(())
}

fn describe_include(include: &Node) -> String {
    include
        .text()
        .map(str::to_string)
        .or_else(|| {
            include
                .entries()
                .first()
                .map(|e| format!("include {}: {}", e.key, e.value.text().unwrap_or("...")))
        })
        .unwrap_or_else(|| "an include".into())
}

/// The pipeline's top-level entries by name (a later file's win), for `extends`.
type Jobs<'a> = HashMap<&'a str, &'a Node>;

/// A job's `key`: its own, else from what it `extends` (the last one listed wins), visiting
/// at most [`MAX_PARENTS`] jobs.
fn value<'a>(jobs: &Jobs<'a>, job: &'a Node, key: &str) -> Option<&'a Node> {
    let mut budget = MAX_PARENTS;
    inherited(jobs, job, key, &mut budget)
}

fn inherited<'a>(
    jobs: &Jobs<'a>,
    job: &'a Node,
    key: &str,
    budget: &mut usize,
) -> Option<&'a Node> {
    if let Some(own) = job.get(key) {
        return Some(own);
    }
    let extends = job.get("extends")?.texts();
    extends.iter().rev().find_map(|parent| {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let parent = jobs.get(parent).copied()?;
        inherited(jobs, parent, key, budget)
    })
}

fn environment(env: Option<&Node>) -> Option<String> {
    let env = env?;
    env.text()
        .or_else(|| env.get("name").and_then(Node::text))
        .map(str::to_string)
}

/// Why the job gets no id_token for `audience` that npm reads, with the fix.
fn credential(
    id_tokens: Option<&Node>,
    audience: &str,
    job: &str,
    path: &str,
    line: usize,
) -> Option<Finding> {
    let entries = id_tokens.map(Node::entries).unwrap_or_default();
    let for_audience: Vec<&Entry> = entries
        .iter()
        .filter(|e| {
            e.value
                .get("aud")
                .is_some_and(|aud| aud.texts().contains(&audience))
        })
        .collect();
    let snippet = format!("id_tokens: {{ {VARIABLE}: {{ aud: \"{audience}\" }} }}");
    let (finding, at) = match (for_audience.as_slice(), entries.iter().find(|e| e.key == VARIABLE)) {
        (found, _) if found.iter().any(|e| e.key == VARIABLE) => return None,
        ([other, ..], _) => (
            Finding::new(
                "id-token",
                format!("Job `{job}` asks for an id_token for {audience} as {}, but npm reads it only from {VARIABLE}.", other.key),
                format!("Rename `{}` under `id_tokens:` ({path}, line {}) to `{VARIABLE}`.", other.key, other.line),
            ),
            other.line,
        ),
        ([], Some(npm)) => (
            Finding::new(
                "id-token",
                format!(
                    "Job `{job}` asks for its {VARIABLE} with audience {}, but the registry accepts only {audience}.",
                    npm.value.get("aud").map(|a| a.texts().join(", ")).unwrap_or_else(|| "(none)".into())
                ),
                format!("Set `aud: \"{audience}\"` under `{VARIABLE}:` ({path}, line {}).", npm.line),
            ),
            npm.line,
        ),
        ([], None) => (
            Finding::new(
                "id-token",
                format!("Job `{job}` publishes but has no id_token: no `id_tokens:` entry asks for {audience}."),
                format!("Add `{snippet}` to job `{job}` ({path}, line {line})."),
            ),
            line,
        ),
    };
    Some(finding.at(path, Some(at), Some(job)))
}

/// Analyses the pipeline `file` at the checkout's root.
pub fn analyse(
    checker: &mut Checker,
    root: &Path,
    file: &str,
    audience: &str,
) -> Checked<Analysis> {
    let mut docs = Vec::new();
    let mut analysis = Analysis::default();
    documents(checker, root, file, 0, &mut docs, &mut analysis.unseen)?;
    let defaults = docs
        .iter()
        .find_map(|(_, d)| d.get("default"))
        .and_then(|d| d.get("id_tokens"));
    let jobs: Jobs = docs
        .iter()
        .flat_map(|(_, doc)| doc.entries())
        .map(|e| (e.key.as_str(), &e.value))
        .collect();
    for (path, doc) in &docs {
        for Entry {
            key: name,
            line,
            value: job,
        } in doc.entries()
        {
            if name.starts_with('.')
                || KEYWORDS.contains(&name.as_str())
                || job.entries().is_empty()
            {
                continue;
            }
            let script = value(&jobs, job, "script")
                .map(|s| s.texts().join("\n"))
                .unwrap_or_default();
            let scripts = |dir: &str, name: &str| checker.script(root, dir, name);
            let publishes = commands::publishes(&script, "", &scripts);
            if publishes.is_empty() {
                continue;
            }
            let id_tokens = value(&jobs, job, "id_tokens").or(defaults);
            analysis.jobs.push(PublishingJob {
                name: name.clone(),
                path: path.clone(),
                line: *line,
                environment: environment(value(&jobs, job, "environment")),
                environment_line: value(&jobs, job, "environment").map(|n| n.line),
                publishes,
                credential: credential(id_tokens, audience, name, path, *line),
                // GitLab's runners are not told apart: the registry trusts gitlab.com's.
                self_hosted: None,
                // actions/setup-node is GitHub's.
                token_line: None,
            });
        }
    }
    Ok(analysis)
}
