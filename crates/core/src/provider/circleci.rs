//! CircleCI: the registry matches the `oidc.circleci.com/*` claims of the pipeline's token;
//! `context-ids` only when configured.

use super::checks;
use super::{Claim, Field, Issuer, Provider};

pub static CIRCLECI: Provider = Provider {
    kind: "circleci",
    name: "CircleCI",
    file_label: "CircleCI pipeline",
    file_noun: "CircleCI pipeline",
    entity: None,
    repository: "vcsOrigin",
    issuer: Issuer::Prefix("https://oidc.circleci.com/"),
    // The pipeline is configured in CircleCI, not checked in a file trust-native reads.
    ci_file: None,
    identity: &["projectId", "pipelineDefinitionId"],
    fields: &[
        Field {
            option: "orgId",
            flag: "org-id",
            claim: Claim::Top("oidc.circleci.com/org-id"),
            required: true,
            list: false,
            check: Some(checks::uuid),
            help: "CircleCI organization UUID",
        },
        Field {
            option: "projectId",
            flag: "project-id",
            claim: Claim::Top("oidc.circleci.com/project-id"),
            required: true,
            list: false,
            check: Some(checks::uuid),
            help: "CircleCI project UUID",
        },
        Field {
            option: "pipelineDefinitionId",
            flag: "pipeline-definition-id",
            claim: Claim::Top("oidc.circleci.com/pipeline-definition-id"),
            required: true,
            list: false,
            check: Some(checks::uuid),
            help: "CircleCI pipeline definition UUID",
        },
        Field {
            option: "vcsOrigin",
            flag: "vcs-origin",
            claim: Claim::Top("oidc.circleci.com/vcs-origin"),
            required: true,
            list: false,
            check: Some(checks::vcs_origin),
            help: "Repository origin as host/owner/repo, e.g. github.com/owner/repo",
        },
        Field {
            option: "contextIds",
            flag: "context-id",
            claim: Claim::Top("oidc.circleci.com/context-ids"),
            required: false,
            list: true,
            check: Some(checks::uuid),
            help: "CircleCI context UUIDs the job must use",
        },
    ],
};
