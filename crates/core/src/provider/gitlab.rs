//! GitLab CI/CD: the registry matches `project_path` and the file of `ci_config_ref_uri` (the
//! top-level pipeline definition), and `environment` when configured.

use super::checks;
use super::{CiFile, Claim, Entity, Field, Issuer, Provider};
use crate::repository::Host;

pub static GITLAB: Provider = Provider {
    kind: "gitlab",
    name: "GitLab CI/CD",
    file_label: "GitLab CI/CD Pipeline",
    file_noun: "GitLab CI/CD pipeline file",
    entity: Some(Entity {
        option: "project",
        label: "GitLab project",
        host: Host::GitLab,
    }),
    // gitlab.com or a self-managed instance, each its own issuer: GitLab's claims say it.
    repository: "project",
    issuer: Issuer::Claims(&["project_path", "ci_config_ref_uri"]),
    ci_file: Some(CiFile::GitLabPipeline),
    identity: &["file"],
    fields: &[
        Field {
            option: "project",
            flag: "project",
            claim: Claim::Top("project_path"),
            required: true,
            list: false,
            check: Some(checks::group_project),
            help: "Project as group/project or group/subgroup/project",
            // Not npm's: a project is GitLab's repository, so trust-native takes both words.
            aliases: &["repo", "repository"],
            example: "acme/widgets",
        },
        Field::workflow_file(
            "ci_config_ref_uri",
            "Top-level pipeline file, e.g. .gitlab-ci.yml",
            ".gitlab-ci.yml",
        ),
        Field::environment("GitLab environment the job must deploy to"),
    ],
};
