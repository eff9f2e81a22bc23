//! PyPI's trusted publishers and its matching rules: the workflow that runs the job
//! (`job_workflow_ref`), case-insensitive repositories and environments, and the issuers only
//! PyPI trusts.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::token::ref_file;
use super::{finding, token_provider, Finding, Severity};

/// A PyPI trusted publisher (the four kinds PyPI offers).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum PypiPublisher {
    /// `repository` is `owner/repo`; `workflow` the file name in .github/workflows.
    Github {
        repository: String,
        workflow: String,
        environment: Option<String>,
    },
    /// `project` is `namespace/project`; `workflow` the top-level pipeline path.
    Gitlab {
        project: String,
        workflow: String,
        environment: Option<String>,
    },
    /// A service account; `subject` pins its numeric id.
    Google {
        email: String,
        subject: Option<String>,
    },
    Activestate {
        organization: String,
        project: String,
        actor: String,
    },
}

/// Google's and ActiveState's tokens, which PyPI trusts and npm does not.
pub(super) fn pypi_only_issuer(claims: &Value) -> Option<&'static str> {
    let iss = claims.get("iss").and_then(Value::as_str)?;
    if iss == "https://accounts.google.com" {
        Some("google")
    } else if iss.contains("activestate.com") {
        Some("activestate")
    } else {
        None
    }
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// One PyPI comparison: `None` when `actual` satisfies `expected`.
fn pypi_compare(
    id: &str,
    kind: &str,
    expected: &str,
    actual: Option<String>,
    same: fn(&str, &str) -> bool,
    what: &str,
) -> Option<Finding> {
    if actual.as_deref().is_some_and(|a| same(expected, a)) {
        return None;
    }
    let message = match &actual {
        Some(a) => format!("The token's {what} is {a} but the PyPI publisher expects {expected}."),
        None => format!("The token has no {what}; the PyPI publisher expects {expected}."),
    };
    Some(finding(
        Some(id),
        kind,
        Severity::Error,
        Some(expected.into()),
        actual,
        message,
    ))
}

fn exact(a: &str, b: &str) -> bool {
    a == b
}

/// Differences between one PyPI publisher and the token, by PyPI's rules.
/// `owner/repo`, file and ref of a `job_workflow_ref` (`o/r/.github/workflows/f.yml@refs/...`).
fn job_workflow(claims: &Value) -> Option<(&str, &str)> {
    let reference = claims.get("job_workflow_ref")?.as_str()?;
    let (path, at) = reference.rsplit_once('@')?;
    let (repository, _) = path.split_once("/.github/workflows/")?;
    Some((repository, at))
}

/// PyPI matches the workflow that runs the job: a reusable workflow from another repository is
/// not the publisher's repository, whatever the caller is.
fn pypi_job_repository(id: &str, repository: &str, claims: &Value) -> Option<Finding> {
    let (from, _) = job_workflow(claims)?;
    (!eq_ci(from, repository)).then(|| {
        finding(Some(id), "repository", Severity::Error, Some(repository.into()), Some(from.into()), format!(
            "The job runs a reusable workflow from {from}, and PyPI matches the workflow that runs the job (job_workflow_ref), which must be in {repository}: publish from a workflow of {repository}, or configure the publisher for {from}."))
    })
}

/// PyPI checks that the workflow running the job is at the run's own ref (or commit).
fn pypi_job_ref(id: &str, claims: &Value) -> Option<Finding> {
    let (_, at) = job_workflow(claims)?;
    let run_ref = claims.get("ref").and_then(Value::as_str)?;
    let sha = claims.get("sha").and_then(Value::as_str);
    (at != run_ref && Some(at) != sha).then(|| {
        finding(Some(id), "ref", Severity::Error, Some(run_ref.into()), Some(at.into()), format!(
            "The workflow that runs the job is pinned to {at}, but the run is for {run_ref}: PyPI requires the workflow at the run's own ref. Call the reusable workflow at the same ref, or from the same repository with a relative path."))
    })
}

pub(super) fn pypi_mismatches(
    index: usize,
    publisher: &PypiPublisher,
    claims: &Value,
) -> Vec<Finding> {
    let id = index.to_string();
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let kind = match publisher {
        PypiPublisher::Github { .. } => "github",
        PypiPublisher::Gitlab { .. } => "gitlab",
        PypiPublisher::Google { .. } => "google",
        PypiPublisher::Activestate { .. } => "activestate",
    };
    let from = token_provider(claims);
    if from != Some(kind) {
        return vec![finding(
            Some(&id),
            "provider",
            Severity::Error,
            Some(kind.into()),
            from.map(str::to_string),
            format!(
                "PyPI publisher {index} trusts {kind}, but the token is from {}.",
                from.unwrap_or("another issuer")
            ),
        )];
    }
    let optional = |expected: &Option<String>, field: &str| {
        expected
            .as_ref()
            .and_then(|e| pypi_compare(&id, field, e, claim(field), eq_ci, field))
    };
    let mut findings: Vec<Option<Finding>> = match publisher {
        PypiPublisher::Github {
            repository,
            workflow,
            environment,
        } => vec![
            pypi_compare(
                &id,
                "repository",
                repository,
                claim("repository"),
                eq_ci,
                "repository",
            ),
            // PyPI matches job_workflow_ref: the workflow that runs the job, reusable or not.
            pypi_compare(
                &id,
                "file",
                workflow,
                claim("job_workflow_ref").map(|r| ref_file(&r).to_string()),
                exact,
                "workflow file (from job_workflow_ref)",
            ),
            optional(environment, "environment"),
            pypi_job_repository(&id, repository, claims),
            pypi_job_ref(&id, claims),
        ],
        PypiPublisher::Gitlab {
            project,
            workflow,
            environment,
        } => {
            let path = claim("ci_config_ref_uri").and_then(|r| {
                let (_, path) = r.split_once("//")?;
                Some(path.rsplit_once('@').map_or(path, |(p, _)| p).to_string())
            });
            vec![
                pypi_compare(
                    &id,
                    "project",
                    project,
                    claim("project_path"),
                    eq_ci,
                    "project",
                ),
                pypi_compare(
                    &id,
                    "file",
                    workflow,
                    path,
                    exact,
                    "pipeline file (from ci_config_ref_uri)",
                ),
                optional(environment, "environment"),
            ]
        }
        PypiPublisher::Google { email, subject } => vec![
            pypi_compare(
                &id,
                "email",
                email,
                claim("email"),
                eq_ci,
                "service account email",
            ),
            (claims.get("email_verified") != Some(&Value::Bool(true))).then(|| {
                finding(
                    Some(&id),
                    "email",
                    Severity::Error,
                    Some("verified".into()),
                    None,
                    "The token's email is not verified (email_verified is not true).".into(),
                )
            }),
            subject
                .as_ref()
                .and_then(|s| pypi_compare(&id, "subject", s, claim("sub"), exact, "subject")),
        ],
        PypiPublisher::Activestate {
            organization,
            project,
            actor,
        } => vec![
            pypi_compare(
                &id,
                "organization",
                organization,
                claim("organization"),
                exact,
                "organization",
            ),
            pypi_compare(&id, "project", project, claim("project"), exact, "project"),
            pypi_compare(&id, "actor", actor, claim("actor"), exact, "actor"),
        ],
    };
    findings.drain(..).flatten().collect()
}
