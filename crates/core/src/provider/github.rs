//! GitHub Actions: the registry matches `repository` and the file of `workflow_ref` (the calling
//! workflow, even for reusable ones), and `environment` when configured.

use super::checks;
use super::{CiFile, Claim, Entity, Field, Issuer, Provider};
use crate::repository::Host;

pub static GITHUB: Provider = Provider {
    kind: "github",
    name: "GitHub Actions",
    file_label: "GitHub Actions Workflow",
    file_noun: "GitHub Actions workflow",
    entity: Some(Entity {
        option: "repository",
        label: "GitHub repository",
        host: Host::GitHub,
    }),
    repository: "repository",
    issuer: Issuer::Prefix("https://token.actions.githubusercontent.com"),
    ci_file: Some(CiFile::GitHubWorkflow),
    identity: &["file"],
    fields: &[
        Field {
            option: "repository",
            flag: "repository",
            claim: Claim::Top("repository"),
            required: true,
            list: false,
            check: Some(checks::owner_repo),
            help: "Repository as owner/repo",
            aliases: &["repo"],
            example: "acme/widgets",
        },
        Field::workflow_file(
            "workflow_ref",
            "Workflow file name in .github/workflows, e.g. publish.yml",
            "release.yml",
        ),
        Field::environment("GitHub Actions environment the job must run in"),
    ],
};
