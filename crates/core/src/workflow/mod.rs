//! The CI file a trusted publisher names, checked in the repository's checkout before it is
//! trusted, and found when it was not named.
//!
//! A publisher that points at a workflow which does not exist, cannot get an id_token, runs in
//! another environment or no longer publishes fails silently: the registry answers every
//! mismatch with the same 404 at publish time. Each check here is a [`Finding`] with its fix
//! (what to add, in which file, at which line). Callers make findings warnings, or errors when
//! strict. Which packages a publish command reaches is the monorepo rule of [`commands`].

mod checkout;
pub mod commands;
mod findings;
mod github;
mod gitlab;

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Code, Error, Hint, Result};
use crate::package::{project_root, Manifest};
use crate::provider::{CiFile, Provider, Values};
use crate::workspace;
use crate::yaml::{self, Node, YamlError};
use checkout::Checkout;
use commands::Publish;
use findings::{
    describe, job_findings, no_publish, noun, permission_finding, plural, unusable,
    PUBLISH_COMMANDS,
};

/// One problem with a CI file, and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// `missing`, `unreadable`, `no-publish`, `ambiguous`, `permission`, `id-token`,
    /// `environment`, `reusable`, `runner`, `npmrc`.
    pub kind: &'static str,
    pub message: String,
    /// What to change, and where.
    pub fix: String,
    /// The file the fix is in, relative to the checkout.
    pub path: Option<String>,
    /// The line the fix is at (1-based).
    pub line: Option<usize>,
    /// The job it is about.
    pub job: Option<String>,
}

impl Finding {
    fn new(kind: &'static str, message: String, fix: String) -> Finding {
        Finding {
            kind,
            message,
            fix,
            path: None,
            line: None,
            job: None,
        }
    }

    fn at(mut self, path: &str, line: Option<usize>, job: Option<&str>) -> Finding {
        self.path = Some(path.to_string());
        self.line = line;
        self.job = job.map(str::to_string);
        self
    }

    /// The message and its fix, as one warning.
    pub fn text(&self) -> String {
        format!("{} {}", self.message, self.fix)
    }
}

/// A job that publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishingJob {
    /// `publish`, or `release → publish` for a job of a reusable workflow a job calls.
    pub name: String,
    /// The file that defines the job, relative to the checkout, and the job's line.
    pub path: String,
    pub line: usize,
    /// Its environment, as written (an expression stays one), and the line that says it.
    pub environment: Option<String>,
    pub environment_line: Option<usize>,
    pub publishes: Vec<Publish>,
    /// Why it cannot get an id_token the registry accepts, with the fix; `None` when it can.
    pub credential: Option<Finding>,
    /// The line of a `runs-on:` that names a self-hosted runner, whose id_tokens the npm
    /// registry refuses.
    pub self_hosted: Option<usize>,
    /// The line of an actions/setup-node step given `registry-url`: it writes a token line to
    /// the .npmrc, which npm falls back to when the exchange fails.
    pub token_line: Option<usize>,
}

impl PublishingJob {
    fn reaches(&self, package: Option<&PackageAt>) -> bool {
        package.is_none_or(|p| self.publishes.iter().any(|x| x.reaches(&p.dir, &p.name)))
    }

    /// A literal environment; an expression (`${{ ... }}`, `$ENV`) is known only at run time.
    fn literal_environment(&self) -> Option<&str> {
        self.environment
            .as_deref()
            .filter(|e| !e.contains("${{") && !e.starts_with('$'))
    }
}

/// What a CI file says about publishing.
#[derive(Debug, Clone, Default)]
struct Analysis {
    jobs: Vec<PublishingJob>,
    /// Findings about the file as a whole (reusable-only workflows).
    findings: Vec<Finding>,
    /// The workflow runs only when another calls it: it is never the file to trust.
    only_called: bool,
    /// Things the analysis could not look into (another repository's reusable workflow).
    unseen: Vec<String>,
}

/// A package and its folder, relative to the checkout.
#[derive(Debug, Clone)]
struct PackageAt {
    name: String,
    dir: String,
}

/// What to check: the publisher a package trusts (or will), as options.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub package: Option<&'a str>,
    /// `repository` (GitHub) or `project` (GitLab): the checkout must be of it.
    pub entity: Option<&'a str>,
    /// The file; inferred when absent.
    pub file: Option<&'a str>,
    pub environment: Option<&'a str>,
    /// The registry's audience (`npm:registry.npmjs.org`), which GitLab's `id_tokens` must ask for.
    pub audience: &'a str,
    /// What the trusted publisher allows (`createPackage`, `createStagedPackage`), when known:
    /// a job that only stages needs staging allowed, one that only publishes needs publishing.
    pub permissions: Option<&'a [&'a str]>,
}

/// The result of checking a CI file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowCheck {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub package: Option<String>,
    /// The file checked: the one given, else the one inferred.
    pub file: Option<String>,
    /// `file` was inferred: the only CI file that publishes the package.
    pub inferred: bool,
    /// The environment given, else (with an inferred file) the publishing job's.
    pub environment: Option<String>,
    /// The checkout's folder, when one was found.
    pub root: Option<String>,
    /// Why nothing was checked (no checkout here, or a checkout of another repository).
    pub unchecked: Option<String>,
    /// The jobs that publish the package.
    pub jobs: Vec<JobSummary>,
    pub findings: Vec<Finding>,
    /// Checked, and nothing found.
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub name: String,
    pub path: String,
    pub line: usize,
    pub environment: Option<String>,
}

impl WorkflowCheck {
    /// The findings as warnings, for results that carry strings.
    pub fn warnings(&self) -> Vec<String> {
        self.findings.iter().map(Finding::text).collect()
    }

    /// `EWORKFLOW` when strict and the check failed or could not be made.
    pub fn strict_error(&self) -> Option<Error> {
        let what = self.file.as_deref().unwrap_or("the CI file");
        if let Some(why) = &self.unchecked {
            return Some(Error::new(
                Code::Workflow,
                format!("{what} was not checked ({why}), and strict asks for a checked one: run from the repository's checkout."),
            ));
        }
        let first = self.findings.first()?;
        let more = match self.findings.len() - 1 {
            0 => String::new(),
            n => format!(" ({n} more finding{})", if n == 1 { "" } else { "s" }),
        };
        Some(Error::new(
            Code::Workflow,
            format!("{}{more}", first.text()),
        ))
    }
}

/// The file and environment a package's publisher can be inferred to need.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub file: String,
    pub environment: Option<String>,
}

/// An analysis, or the finding that stopped it (a file missing or not YAML).
type Checked<T> = std::result::Result<T, Box<Finding>>;

/// What a file read gave.
#[derive(Debug, Clone)]
enum Loaded {
    Missing,
    Unreadable(YamlError),
    Parsed(Arc<Vec<Node>>),
}

/// Checks and inferences for the calls of one run: files are read and parsed once, whatever
/// the number of packages.
#[derive(Debug, Default)]
pub struct Checker {
    cwd: PathBuf,
    checkouts: HashMap<CiFile, Option<Checkout>>,
    files: HashMap<PathBuf, Loaded>,
    /// package.json `scripts` by file; behind a cell because command analysis asks for them
    /// through a shared closure.
    scripts: RefCell<HashMap<PathBuf, Option<serde_json::Map<String, serde_json::Value>>>>,
    /// The workspace's packages and their folders, once discovered.
    packages: Option<Vec<(String, PathBuf)>>,
    /// Nodes of the files kept in `files`.
    nodes: usize,
}

/// Nodes of CI files a run keeps: ten files at the loader's bound, hundreds of times what a
/// repository's workflows hold.
const MAX_NODES_KEPT: usize = 10 * yaml::MAX_NODES;

/// Where a provider's files are, below the checkout.
fn marker(kind: CiFile) -> &'static str {
    match kind {
        CiFile::GitHubWorkflow => github::FOLDER,
        CiFile::GitLabPipeline => gitlab::DEFAULT_FILE,
    }
}

impl Checker {
    pub fn new(cwd: &Path) -> Checker {
        Checker {
            cwd: cwd.to_path_buf(),
            ..Checker::default()
        }
    }

    /// Whether this provider's CI files can be checked at all (GitHub, GitLab).
    pub fn applies(provider: &Provider) -> bool {
        provider.ci_file.is_some()
    }

    fn checkout(&mut self, kind: CiFile) -> Option<Checkout> {
        let cwd = self.cwd.clone();
        self.checkouts
            .entry(kind)
            .or_insert_with(|| checkout::find(&cwd, marker(kind)))
            .clone()
    }

    /// The checkout to read for a publisher that trusts `entity`, or why there is none.
    fn checkout_for(
        &mut self,
        provider: &Provider,
        kind: CiFile,
        entity: Option<&str>,
    ) -> std::result::Result<Checkout, String> {
        let Some(checkout) = self.checkout(kind) else {
            return Err(format!(
                "{} is not in a checkout of the repository",
                self.cwd.display()
            ));
        };
        let host = provider.entity.as_ref().map(|e| e.host);
        match (&checkout.identity, entity) {
            (Some(identity), Some(entity))
                if Some(identity.host) != host || !identity.path.eq_ignore_ascii_case(entity) =>
            {
                Err(format!(
                    "the checkout at {} is of {}, not {entity}",
                    checkout.root.display(),
                    identity.path
                ))
            }
            _ => Ok(checkout),
        }
    }

    /// Reads (once) a CI file of the checkout. The files are kept for the run, so they are
    /// bounded together as each is alone: past [`MAX_NODES_KEPT`] nodes, a file is not read.
    fn load(&mut self, root: &Path, relative: &str) -> Loaded {
        let path = root.join(relative);
        if let Some(loaded) = self.files.get(&path) {
            return loaded.clone();
        }
        let loaded = if self.nodes > MAX_NODES_KEPT {
            Loaded::Unreadable(YamlError {
                line: None,
                message: format!(
                    "not read: the checkout's CI files read before it hold more than {} nodes",
                    MAX_NODES_KEPT
                ),
            })
        } else if !spelled_as_listed(root, relative) {
            Loaded::Missing
        } else {
            read(&path)
        };
        if let Loaded::Parsed(documents) = &loaded {
            self.nodes += documents.iter().map(Node::size).sum::<usize>();
        }
        self.files.insert(path, loaded.clone());
        loaded
    }

    /// `scripts[name]` of the package.json in `dir` of the checkout.
    fn script(&self, root: &Path, dir: &str, name: &str) -> Option<String> {
        let path = root.join(dir).join("package.json");
        let mut cache = self.scripts.borrow_mut();
        let scripts = cache.entry(path.clone()).or_insert_with(|| {
            let text = crate::read::config(&path).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            json.get("scripts")?.as_object().cloned()
        });
        scripts.as_ref()?.get(name)?.as_str().map(str::to_string)
    }

    /// The package's folder relative to the checkout: a workspace package's, or the project's
    /// when it is the package; unknown otherwise (then any publish counts).
    fn package_at(&mut self, root: &Path, package: Option<&str>) -> Option<PackageAt> {
        let name = package?;
        let cwd = self.cwd.clone();
        let packages = self.packages.get_or_insert_with(|| {
            let mut found: Vec<(String, PathBuf)> = workspace::discover(&cwd)
                .map(|w| w.packages.into_iter().map(|p| (p.name, p.path)).collect())
                .unwrap_or_default();
            if let Some(project) = project_root(&cwd) {
                if let Some(own) = Manifest::read(&project.join("package.json")).name {
                    found.push((own, project));
                }
            }
            found
        });
        let (_, folder) = packages.iter().find(|(n, _)| n == name)?;
        let dir = folder.strip_prefix(root).ok()?;
        Some(PackageAt {
            name: name.to_string(),
            dir: workspace::slashed(dir),
        })
    }

    fn analyse(
        &mut self,
        kind: CiFile,
        root: &Path,
        file: &str,
        audience: &str,
    ) -> Checked<Analysis> {
        match kind {
            CiFile::GitHubWorkflow => github::analyse(self, root, file),
            CiFile::GitLabPipeline => gitlab::analyse(self, root, file, audience),
        }
    }

    /// Checks the CI file `request` names (inferring it when it names none).
    pub fn check(&mut self, provider: &Provider, request: &Request) -> WorkflowCheck {
        let mut check = WorkflowCheck {
            kind: provider.ci_file.map_or("none", |_| provider.kind),
            package: request.package.map(str::to_string),
            file: request.file.map(str::to_string),
            inferred: false,
            environment: request.environment.map(str::to_string),
            root: None,
            unchecked: None,
            jobs: Vec::new(),
            findings: Vec::new(),
            ok: false,
        };
        let Some(kind) = provider.ci_file else {
            check.unchecked = Some(format!(
                "{} has no CI file in the repository",
                provider.name
            ));
            return check;
        };
        let checkout = match self.checkout_for(provider, kind, request.entity) {
            Ok(checkout) => checkout,
            Err(why) => {
                check.unchecked = Some(why);
                return check;
            }
        };
        let root = checkout.root;
        check.root = Some(root.display().to_string());
        let package = self.package_at(&root, request.package);
        let file = match request.file {
            Some(file) => file.to_string(),
            None => match self.infer_in(kind, &root, package.as_ref(), request.audience) {
                Ok(inferred) => {
                    check.inferred = true;
                    if check.environment.is_none() {
                        check.environment = inferred.environment;
                    }
                    inferred.file
                }
                Err(finding) => {
                    check.findings.push(*finding);
                    return check;
                }
            },
        };
        check.file = Some(file.clone());
        let analysis = match self.analyse(kind, &root, &file, request.audience) {
            Ok(analysis) => analysis,
            Err(finding) => {
                let finding = self.with_alternatives(
                    kind,
                    &root,
                    &file,
                    package.as_ref(),
                    request.audience,
                    *finding,
                );
                check.findings.push(finding);
                return check;
            }
        };
        check.findings.extend(analysis.findings.iter().cloned());
        let reaching: Vec<&PublishingJob> = analysis
            .jobs
            .iter()
            .filter(|j| j.reaches(package.as_ref()))
            .collect();
        check.jobs = reaching
            .iter()
            .map(|j| JobSummary {
                name: j.name.clone(),
                path: j.path.clone(),
                line: j.line,
                environment: j.environment.clone(),
            })
            .collect();
        if reaching.is_empty() {
            let finding = no_publish(kind, &file, package.as_ref(), &analysis);
            let finding = self.with_alternatives(
                kind,
                &root,
                &file,
                package.as_ref(),
                request.audience,
                finding,
            );
            check.findings.push(finding);
        } else {
            let per_job: Vec<Vec<Finding>> = reaching
                .iter()
                .map(|job| job_findings(job, check.environment.as_deref()))
                .collect();
            // One job that would work is enough; otherwise every job's problems.
            if per_job.iter().all(|f| !f.is_empty()) {
                check.findings.extend(per_job.into_iter().flatten());
            }
            if let Some(permissions) = request.permissions {
                check
                    .findings
                    .extend(permission_finding(&reaching, package.as_ref(), permissions));
            }
        }
        check.ok = check.findings.is_empty();
        check
    }

    /// Checks the CI file of a configuration (its options, as a provider table reads them, and
    /// the permissions it grants) for `package` on `registry`; `None` for a provider without
    /// CI files in the repository.
    pub fn check_configuration(
        &mut self,
        provider: &Provider,
        package: &str,
        values: &Values,
        permissions: &[&str],
        registry: &reqwest::Url,
    ) -> Option<WorkflowCheck> {
        // registry.npmjs.org lets every trusted publisher stage (since September 2026); a
        // registry that keeps the original rules stages only for those that allow it.
        let mut allowed = permissions.to_vec();
        if registry.as_str() == crate::config::DEFAULT_REGISTRY
            && !allowed.contains(&crate::provider::CREATE_STAGED_PACKAGE)
        {
            allowed.push(crate::provider::CREATE_STAGED_PACKAGE);
        }
        let request = Request {
            package: Some(package),
            entity: provider.entity.as_ref().and_then(|e| values.text(e.option)),
            file: values.text("file"),
            environment: values.text("environment"),
            audience: &audience(registry),
            permissions: Some(&allowed),
        };
        Checker::applies(provider).then(|| self.check(provider, &request))
    }

    /// The file and environment of the only CI file that publishes `package`, for a publisher
    /// that names none. `Ok(None)` when there is no checkout to look in.
    pub fn infer(
        &mut self,
        provider: &Provider,
        package: Option<&str>,
        entity: Option<&str>,
    ) -> Result<Option<Inferred>> {
        let Some(kind) = provider.ci_file else {
            return Ok(None);
        };
        let Ok(checkout) = self.checkout_for(provider, kind, entity) else {
            return Ok(None);
        };
        let at = self.package_at(&checkout.root, package);
        self.infer_in(kind, &checkout.root, at.as_ref(), "")
            .map(Some)
            .map_err(|finding| Error::invalid_input("file", finding.text()).with_hint(Hint::File))
    }

    fn infer_in(
        &mut self,
        kind: CiFile,
        root: &Path,
        package: Option<&PackageAt>,
        audience: &str,
    ) -> Checked<Inferred> {
        let candidates = self.publishing_files(kind, root, package, audience);
        let what = describe(package);
        match candidates.as_slice() {
            [(file, jobs)] => {
                let mut environments: Vec<&str> = jobs
                    .iter()
                    .filter_map(|j| j.literal_environment())
                    .collect();
                environments.dedup();
                Ok(Inferred {
                    file: file.clone(),
                    environment: match environments.as_slice() {
                        [only] if jobs.iter().all(|j| j.environment.is_some()) => {
                            Some(only.to_string())
                        }
                        _ => None,
                    },
                })
            }
            [] => Err(Box::new(Finding::new(
                "no-publish",
                format!(
                    "No {} publishes {what}, so the file to trust cannot be inferred.",
                    noun(kind)
                ),
                format!("A job publishes when it runs one of: {PUBLISH_COMMANDS}."),
            ))),
            several => Err(Box::new(Finding::new(
                "ambiguous",
                format!(
                    "Several {} publish {what}: {}.",
                    plural(kind),
                    several
                        .iter()
                        .map(|(f, _)| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "Name the one the registry should trust.".into(),
            ))),
        }
    }

    /// The CI files that publish `package`, each with its jobs that do; reusable-only
    /// workflows are left out (the registry sees their callers).
    fn publishing_files(
        &mut self,
        kind: CiFile,
        root: &Path,
        package: Option<&PackageAt>,
        audience: &str,
    ) -> Vec<(String, Vec<PublishingJob>)> {
        let files = match kind {
            CiFile::GitHubWorkflow => github::workflow_files(root),
            CiFile::GitLabPipeline => vec![gitlab::DEFAULT_FILE.to_string()],
        };
        files
            .into_iter()
            .filter_map(|file| {
                let analysis = self.analyse(kind, root, &file, audience).ok()?;
                let jobs: Vec<PublishingJob> = analysis
                    .jobs
                    .into_iter()
                    .filter(|j| j.reaches(package))
                    .collect();
                (!analysis.only_called && !jobs.is_empty()).then_some((file, jobs))
            })
            .collect()
    }

    /// A finding about the wrong file, with the files that do publish the package.
    fn with_alternatives(
        &mut self,
        kind: CiFile,
        root: &Path,
        file: &str,
        package: Option<&PackageAt>,
        audience: &str,
        mut finding: Finding,
    ) -> Finding {
        let others: Vec<String> = self
            .publishing_files(kind, root, package, audience)
            .into_iter()
            .map(|(f, _)| f)
            .filter(|f| f != file)
            .collect();
        if !others.is_empty() {
            finding.fix = format!(
                "Trust the {} that publishes{}: {}. Or: {}",
                noun(kind),
                package.map(|p| format!(" {}", p.name)).unwrap_or_default(),
                others.join(", "),
                finding.fix
            );
        }
        finding
    }
}

/// Whether each part of `relative` is spelled as its folder lists it: on a case-insensitive
/// disk (macOS, Windows) `Release.yml` opens `release.yml`, but the registry compares the
/// workflow's name exactly.
fn spelled_as_listed(root: &Path, relative: &str) -> bool {
    let mut dir = root.to_path_buf();
    for part in Path::new(relative).components() {
        if let std::path::Component::Normal(name) = part {
            let listing = std::fs::read_dir(&dir).into_iter().flatten().flatten();
            if !listing.map(|e| e.file_name()).any(|n| n == name) {
                return false;
            }
        }
        dir.push(part);
    }
    true
}

fn read(path: &Path) -> Loaded {
    // The YAML loader refuses a larger file itself, saying so.
    let text = match crate::read::text(path, yaml::MAX_BYTES as u64 + 1) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
        Err(e) => {
            return Loaded::Unreadable(YamlError {
                line: None,
                message: e.to_string(),
            })
        }
    };
    match yaml::documents(&text) {
        Ok(documents) => Loaded::Parsed(Arc::new(documents)),
        Err(e) => Loaded::Unreadable(e),
    }
}

/// The audience a registry's id_tokens are for: `npm:registry.npmjs.org`.
pub fn audience(registry: &reqwest::Url) -> String {
    format!("npm:{}", registry.host_str().unwrap_or_default())
}
