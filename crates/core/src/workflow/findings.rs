//! The findings of a CI file check, worded: what does not publish, which job lacks a permission,
//! a file missing or not YAML, each with its fix.

use super::commands::Publish;
use super::{github, Analysis, Finding, Loaded, PackageAt, PublishingJob};
use crate::provider::CiFile;

/// What publishes, in messages.
pub(super) const PUBLISH_COMMANDS: &str =
    "npm publish, pnpm publish, yarn npm publish, semantic-release, changeset publish, lerna publish, npm stage publish, trust-native stage publish or a publish action";

pub(super) fn noun(kind: CiFile) -> &'static str {
    match kind {
        CiFile::GitHubWorkflow => "workflow in .github/workflows",
        CiFile::GitLabPipeline => "GitLab pipeline file",
    }
}

pub(super) fn plural(kind: CiFile) -> &'static str {
    match kind {
        CiFile::GitHubWorkflow => "workflows in .github/workflows",
        CiFile::GitLabPipeline => "GitLab pipeline files",
    }
}

pub(super) fn describe(package: Option<&PackageAt>) -> String {
    match package {
        Some(p) if p.dir.is_empty() => p.name.clone(),
        Some(p) => format!("{} ({})", p.name, p.dir),
        None => "the package".into(),
    }
}

pub(super) fn no_publish(
    kind: CiFile,
    file: &str,
    package: Option<&PackageAt>,
    analysis: &Analysis,
) -> Finding {
    let path = match kind {
        CiFile::GitHubWorkflow => format!("{}/{file}", github::FOLDER),
        CiFile::GitLabPipeline => file.to_string(),
    };
    let unseen = if analysis.unseen.is_empty() {
        String::new()
    } else {
        format!(
            " (trust-native cannot look into {})",
            analysis.unseen.join(", ")
        )
    };
    let message = if analysis.jobs.is_empty() {
        format!("No job in {path} publishes: none runs {PUBLISH_COMMANDS}{unseen}. The registry would trust a file that does not publish.")
    } else {
        let dirs: Vec<String> = analysis
            .jobs
            .iter()
            .flat_map(|j| {
                j.publishes.iter().map(|p| {
                    format!(
                        "{} in {}",
                        p.tool,
                        if p.dir.is_empty() { "the root" } else { &p.dir }
                    )
                })
            })
            .collect();
        format!(
            "{path} publishes, but not {}: its publish steps run {}.",
            describe(package),
            dirs.join(", ")
        )
    };
    Finding::new(
        "no-publish",
        message,
        "Add the publish step to the job that should publish, or trust the file that does.".into(),
    )
    .at(&path, None, None)
}

/// What keeps one publishing job from an exchange the publisher would accept.
pub(super) fn job_findings(job: &PublishingJob, environment: Option<&str>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = job.credential.iter().cloned().collect();
    let at = |f: Finding| f.at(&job.path, Some(job.line), Some(&job.name));
    if let Some(line) = job.self_hosted {
        findings.push(Finding::new(
            "runner",
            format!("Job `{}` runs on a self-hosted runner: the npm registry accepts id_tokens from GitHub-hosted runners only, so the exchange would be refused.", job.name),
            format!("Run the publishing job on a GitHub-hosted runner, e.g. `runs-on: ubuntu-latest` ({}, line {line}).", job.path),
        ).at(&job.path, Some(line), Some(&job.name)));
    }
    if let Some(line) = job.token_line {
        findings.push(Finding::new(
            "npmrc",
            format!("Job `{}` gives actions/setup-node `registry-url` ({}, line {line}), which writes a token line (`_authToken=${{NODE_AUTH_TOKEN}}`) to the .npmrc npm reads. npm tries trusted publishing first, but when the exchange fails it falls back to that token: setup-node's placeholder or an empty one fails the publish with E401, E404 or ENEEDAUTH, which hides why the exchange failed, and a real NODE_AUTH_TOKEN publishes with that token instead.", job.name, job.path),
            format!("Remove `registry-url` from the actions/setup-node step ({}, line {line}): trusted publishing needs no token line.", job.path),
        ).at(&job.path, Some(line), Some(&job.name)));
    }
    match (environment, job.environment.as_deref()) {
        (Some(wanted), None) => findings.push(at(Finding::new(
            "environment",
            format!("Job `{}` runs without an environment, but the trusted publisher requires environment `{wanted}`: the exchange would be refused.", job.name),
            format!("Add `environment: {wanted}` to job `{}` ({}, line {}).", job.name, job.path, job.line),
        ))),
        (Some(wanted), Some(has)) if job.literal_environment().is_some() && has != wanted => {
            // The fix is at the `environment:` line, not the job's.
            let line = job.environment_line.unwrap_or(job.line);
            findings.push(Finding::new(
                "environment",
                format!("Job `{}` runs in environment `{has}`, but the trusted publisher requires `{wanted}`: the exchange would be refused.", job.name),
                format!("Trust environment `{has}` in the trusted publisher, or change the job's `environment:` ({}, line {line}) to `{wanted}`.", job.path),
            ).at(&job.path, Some(line), Some(&job.name)))
        }
        _ => {}
    }
    findings
}

/// The finding for a file that is missing or not YAML.
pub(super) fn unusable(kind: CiFile, path: &str, loaded: &Loaded) -> Option<Finding> {
    match loaded {
        Loaded::Parsed(_) => None,
        Loaded::Missing => Some(
            Finding::new(
                "missing",
                format!("{path} does not exist in the checkout."),
                format!(
                    "Create it with a job that publishes, or trust the {} that publishes instead.",
                    noun(kind)
                ),
            )
            .at(path, None, None),
        ),
        Loaded::Unreadable(e) => Some(
            Finding::new(
                "unreadable",
                format!(
                    "{path} cannot be read as YAML{}: {}.",
                    e.line.map(|l| format!(" (line {l})")).unwrap_or_default(),
                    e.message
                ),
                "Fix the file: the CI service cannot run it either.".into(),
            )
            .at(path, e.line, None),
        ),
    }
}

/// What the publishing steps need that the publisher does not allow: staging (`npm stage
/// publish`) needs `createStagedPackage`, publishing `createPackage`. Only when every step is
/// of one kind: a job that does both works with either.
pub(super) fn permission_finding(
    jobs: &[&PublishingJob],
    package: Option<&PackageAt>,
    permissions: &[&str],
) -> Option<Finding> {
    let steps: Vec<(&PublishingJob, &Publish)> = jobs
        .iter()
        .flat_map(|job| job.publishes.iter().map(move |p| (*job, p)))
        .filter(|(_, p)| package.is_none_or(|at| p.reaches(&at.dir, &at.name)))
        .collect();
    let stages = |p: &Publish| p.tool.contains("stage publish");
    let (job, step) = steps.first()?;
    let (kind, what, permission, allow) = if steps.iter().all(|(_, p)| stages(p)) {
        (
            "permission-stage",
            "stages",
            crate::provider::CREATE_STAGED_PACKAGE,
            "stage publish",
        )
    } else if steps.iter().all(|(_, p)| !stages(p)) {
        (
            "permission-publish",
            "publishes",
            crate::provider::CREATE_PACKAGE,
            "publish",
        )
    } else {
        return None;
    };
    (!permissions.contains(&permission)).then(|| {
        Finding::new(
            kind,
            format!(
                "Job `{}` {what} ({}), but the trusted publisher does not allow {allow}: the \
                 registry would refuse it.",
                job.name, step.tool
            ),
            format!("Allow {allow} on the trusted publisher."),
        )
        .at(&job.path, Some(job.line), Some(&job.name))
    })
}
