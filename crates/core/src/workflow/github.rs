//! GitHub Actions workflows: which jobs publish (through `run:` steps, known publish actions,
//! or local reusable workflows they call), whether each may get an id_token (`permissions:` of
//! the job, else of the workflow, else of the caller; `write-all` counts), its environment, and
//! whether the workflow only runs when called (then the id_token names the caller).

use std::path::Path;

use super::commands::{self, Publish, Reach};
use super::{unusable, Analysis, Checked, Checker, Finding, Loaded, PublishingJob};
use crate::provider::CiFile;
use crate::yaml::{Entry, Node};

pub const FOLDER: &str = ".github/workflows";
/// GitHub nests reusable workflows at most four levels deep.
const MAX_CALL_DEPTH: usize = 4;
/// Reusable workflows followed for one file, however many jobs call them.
const MAX_CALLS: usize = 64;
/// What a job needs, as a fix writes it.
const GRANT: &str = "permissions: { contents: read, id-token: write }";

/// The workflow files of the checkout, sorted.
pub fn workflow_files(root: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root.join(FOLDER))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .collect();
    files.sort();
    files
}

/// What `permissions:` says about `id-token`, at one level.
#[derive(Debug, Clone)]
enum Permission {
    /// Not set at this level.
    Unset,
    Granted,
    /// Set without `id-token: write`: where, and the scalar it is when not a mapping.
    Denied {
        path: String,
        line: usize,
        scalar: Option<String>,
    },
}

fn permission(entry: Option<&Entry>, path: &str) -> Permission {
    let Some(entry) = entry else {
        return Permission::Unset;
    };
    let denied = |scalar: Option<&str>| Permission::Denied {
        path: path.to_string(),
        line: entry.line,
        scalar: scalar.map(str::to_string),
    };
    match entry.value.text() {
        Some("write-all") => Permission::Granted,
        Some(other) => denied(Some(other)),
        None if entry.value.get("id-token").and_then(Node::text) == Some("write") => {
            Permission::Granted
        }
        None => denied(None),
    }
}

/// The first level that sets permissions decides.
fn first_set(levels: [Permission; 2]) -> Permission {
    let [job, workflow] = levels;
    match job {
        Permission::Unset => workflow,
        set => set,
    }
}

/// Why a job with this permission gets no id_token, and the fix; `None` when it gets one.
fn credential(permission: &Permission, job: &str, path: &str, line: usize) -> Option<Finding> {
    let (reason, fix, at, at_line) = match permission {
        Permission::Granted => return None,
        Permission::Unset => (
            "neither it nor its workflow sets `permissions:`, and the default permissions never include `id-token: write`".to_string(),
            format!("Add `{GRANT}` to job `{job}` ({path}, line {line})."),
            path.to_string(),
            line,
        ),
        Permission::Denied { path: at, line: at_line, scalar: Some(scalar) } => (
            format!("`permissions: {scalar}` ({at}, line {at_line}) does not grant `id-token: write`"),
            format!("Replace `permissions: {scalar}` ({at}, line {at_line}) with `{GRANT}`."),
            at.clone(),
            *at_line,
        ),
        Permission::Denied { path: at, line: at_line, scalar: None } => (
            format!("`permissions:` ({at}, line {at_line}) does not include `id-token: write`"),
            format!("Add `id-token: write` under `permissions:` ({at}, line {at_line})."),
            at.clone(),
            *at_line,
        ),
    };
    Some(
        Finding::new(
            "permission",
            format!("Job `{job}` publishes but cannot get an id_token: {reason}."),
            fix,
        )
        .at(&at, Some(at_line), Some(job)),
    )
}

/// The workflow's triggers: `on: push`, `on: [push, workflow_call]`, `on: { push: ... }`.
fn triggers(doc: &Node) -> Vec<&str> {
    match doc.get("on") {
        Some(on) if !on.entries().is_empty() => {
            on.entries().iter().map(|e| e.key.as_str()).collect()
        }
        Some(on) => on.texts(),
        None => vec![],
    }
}

/// The line of the job's `runs-on:` when it names a self-hosted runner: `self-hosted` alone, in
/// a list of labels, or in `labels:` (GitHub's labels ignore case).
fn self_hosted(job: &Node) -> Option<usize> {
    let runs_on = job.entry("runs-on")?;
    let labels = runs_on.value.get("labels").unwrap_or(&runs_on.value);
    labels
        .texts()
        .iter()
        .any(|label| label.trim().eq_ignore_ascii_case("self-hosted"))
        .then_some(runs_on.line)
}

fn environment(job: &Node) -> Option<String> {
    let env = job.get("environment")?;
    env.text()
        .or_else(|| env.get("name").and_then(Node::text))
        .map(str::to_string)
}

fn working_directory(node: Option<&Node>) -> Option<&str> {
    node?
        .get("defaults")?
        .get("run")?
        .get("working-directory")?
        .text()
}

/// Actions that publish to npm, by `owner/repo` (lowercase).
enum Action {
    /// Publishes the package in the folder an input names (default: where the step runs).
    Folder(&'static str),
    /// Runs the command an input holds, when given (changesets/action's `publish`).
    Command(&'static str),
}

const ACTIONS: &[(&str, Action)] = &[
    ("js-devtools/npm-publish", Action::Folder("package")),
    ("changesets/action", Action::Command("publish")),
    (
        "cycjimmy/semantic-release-action",
        Action::Folder("working_directory"),
    ),
    (
        "codfish/semantic-release-action",
        Action::Folder("working-directory"),
    ),
];

/// The publishes of one step running in `dir` (`None`: a folder only known at run time).
fn step_publishes(step: &Node, dir: Option<&str>, scripts: commands::Scripts) -> Vec<Publish> {
    let base = dir.unwrap_or_default();
    let mut found = if let Some(run) = step.get("run").and_then(Node::text) {
        commands::publishes(run, base, scripts)
    } else if let Some(uses) = step.get("uses").and_then(Node::text) {
        let name = uses
            .split('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let input = |key: &str| {
            step.get("with")
                .and_then(|w| w.get(key))
                .and_then(Node::text)
        };
        match ACTIONS.iter().find(|(n, _)| *n == name).map(|(_, a)| a) {
            Some(Action::Folder(key)) => {
                let folder = input(key).map(|f| f.trim_end_matches("package.json"));
                vec![Publish {
                    tool: name.clone(),
                    dir: folder
                        .map_or(Some(base.to_string()), |f| commands::join(base, f))
                        .unwrap_or_default(),
                    reach: Reach::Here,
                }]
            }
            Some(Action::Command(key)) => match input(key) {
                Some(command) => {
                    let run = commands::publishes(command, base, scripts);
                    if run.is_empty() {
                        // A command trust-native cannot follow: the action is there to publish.
                        vec![Publish {
                            tool: name.clone(),
                            dir: base.to_string(),
                            reach: Reach::Below,
                        }]
                    } else {
                        run
                    }
                }
                None => vec![],
            },
            None => vec![],
        }
    } else {
        vec![]
    };
    if dir.is_none() {
        for publish in &mut found {
            publish.reach = Reach::Any;
        }
    }
    found
}

/// Analyses `file` of .github/workflows as the workflow the registry would trust.
pub fn analyse(checker: &mut Checker, root: &Path, file: &str) -> Checked<Analysis> {
    let path = format!("{FOLDER}/{file}");
    let mut calls = MAX_CALLS;
    let mut analysis = analyse_at(checker, root, &path, None, 0, &mut calls)?;
    if analysis.only_called {
        // Its callers decide what its jobs may do.
        for job in &mut analysis.jobs {
            job.credential = None;
        }
    }
    analysis.findings.extend(reusable_finding(
        checker,
        root,
        file,
        &path,
        analysis.only_called,
    ));
    Ok(analysis)
}

/// The caller's grant a called workflow inherits, and the calling job.
struct Caller<'a> {
    permission: Permission,
    job: &'a str,
    path: &'a str,
    line: usize,
}

fn analyse_at(
    checker: &mut Checker,
    root: &Path,
    path: &str,
    caller: Option<&Caller>,
    depth: usize,
    calls: &mut usize,
) -> Checked<Analysis> {
    let loaded = checker.load(root, path);
    if let Some(finding) = unusable(CiFile::GitHubWorkflow, path, &loaded) {
        return Err(Box::new(finding));
    }
    let Loaded::Parsed(documents) = loaded else {
        return Ok(Analysis::default());
    };
    let null = Node {
        line: 1,
        value: crate::yaml::Value::Null,
    };
    let doc = documents.first().unwrap_or(&null);
    let on = triggers(doc);
    let mut analysis = Analysis {
        only_called: !on.is_empty() && on.iter().all(|t| *t == "workflow_call"),
        ..Analysis::default()
    };
    let workflow_permission = doc.entry("permissions");
    let workflow_dir = working_directory(Some(doc));
    for Entry {
        key: name,
        line,
        value: job,
    } in doc.get("jobs").map(Node::entries).unwrap_or_default()
    {
        let own = first_set([
            permission(job.entry("permissions"), path),
            permission(workflow_permission, path),
        ]);
        if let Some(uses) = job.get("uses").and_then(Node::text) {
            let followed = depth < MAX_CALL_DEPTH && *calls > 0;
            let Some(called) = uses.strip_prefix("./").filter(|_| followed) else {
                analysis.unseen.push(uses.to_string());
                continue;
            };
            *calls -= 1;
            let calling = Caller {
                permission: own,
                job: name,
                path,
                line: *line,
            };
            match analyse_at(checker, root, called, Some(&calling), depth + 1, calls) {
                Ok(inner) => analysis
                    .jobs
                    .extend(inner.jobs.into_iter().map(|j| PublishingJob {
                        name: format!("{name} → {}", j.name),
                        ..j
                    })),
                Err(_) => analysis.unseen.push(uses.to_string()),
            }
            continue;
        }
        let job_dir = working_directory(Some(job)).or(workflow_dir);
        let scripts = |dir: &str, script: &str| checker.script(root, dir, script);
        let publishes: Vec<Publish> = job
            .get("steps")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .flat_map(|step| {
                let dir = step
                    .get("working-directory")
                    .and_then(Node::text)
                    .or(job_dir);
                let dir = match dir {
                    Some(dir) => commands::join("", dir),
                    None => Some(String::new()),
                };
                step_publishes(step, dir.as_deref(), &scripts)
            })
            .collect();
        if publishes.is_empty() {
            continue;
        }
        let credential = match caller {
            // A called workflow gets at most what its caller grants.
            Some(caller) if !matches!(caller.permission, Permission::Granted) => {
                credential(&caller.permission, caller.job, caller.path, caller.line)
            }
            Some(_) if matches!(own, Permission::Unset) => None,
            _ => credential(&own, name, path, *line),
        };
        analysis.jobs.push(PublishingJob {
            name: name.clone(),
            path: path.to_string(),
            line: *line,
            environment: environment(job),
            environment_line: job.get("environment").map(|n| n.line),
            publishes,
            credential,
            self_hosted: self_hosted(job),
            token_line: setup_node_registry_url(job),
        });
    }
    Ok(analysis)
}

/// The line of the job's actions/setup-node step that is given `registry-url`.
fn setup_node_registry_url(job: &Node) -> Option<usize> {
    job.get("steps")?.items().iter().find_map(|step| {
        let uses = step.get("uses").and_then(Node::text)?;
        let action = uses.split('@').next().unwrap_or(uses);
        step.get("with")?.get("registry-url")?;
        (action == "actions/setup-node").then_some(step.line)
    })
}

/// A workflow that runs through `on: workflow_call`: the registry matches the caller.
fn reusable_finding(
    checker: &mut Checker,
    root: &Path,
    file: &str,
    path: &str,
    only_called: bool,
) -> Option<Finding> {
    let loaded = checker.load(root, path);
    let Loaded::Parsed(documents) = loaded else {
        return None;
    };
    if !triggers(documents.first()?).contains(&"workflow_call") {
        return None;
    }
    let target = format!("./{path}");
    let callers: Vec<String> = workflow_files(root)
        .into_iter()
        .filter(|other| other != file)
        .filter(|other| {
            let Loaded::Parsed(docs) = checker.load(root, &format!("{FOLDER}/{other}")) else {
                return false;
            };
            docs.first()
                .and_then(|d| d.get("jobs"))
                .is_some_and(|jobs| {
                    jobs.entries()
                        .iter()
                        .any(|j| j.value.get("uses").and_then(Node::text) == Some(target.as_str()))
                })
        })
        .collect();
    let when = if only_called {
        "It runs only when another workflow calls it (`on: workflow_call`)"
    } else {
        "When another workflow calls it (`on: workflow_call`)"
    };
    let fix = match callers.as_slice() {
        [] => "Trust the workflow that calls it, not this one.".to_string(),
        callers => format!("Trust the workflow that calls it: {}.", callers.join(", ")),
    };
    Some(
        Finding::new(
            "reusable",
            format!("{when}: the id_token then names the calling workflow (workflow_ref), and the registry matches that file, not {file}."),
            fix,
        )
        .at(path, None, None),
    )
}
