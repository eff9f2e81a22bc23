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
            aliases: &[],
            example: "9c7e5a6e-0a4b-4a5e-9a55-2f0e1c1d2b3a",
        },
        Field {
            option: "projectId",
            flag: "project-id",
            claim: Claim::Top("oidc.circleci.com/project-id"),
            required: true,
            list: false,
            check: Some(checks::uuid),
            help: "CircleCI project UUID",
            aliases: &[],
            example: "0f3f4b4e-8d0a-4d5e-b1f2-3c4d5e6f7a8b",
        },
        Field {
            option: "pipelineDefinitionId",
            flag: "pipeline-definition-id",
            claim: Claim::Top("oidc.circleci.com/pipeline-definition-id"),
            required: true,
            list: false,
            check: Some(checks::uuid),
            help: "CircleCI pipeline definition UUID",
            aliases: &[],
            example: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
        },
        Field {
            option: "vcsOrigin",
            flag: "vcs-origin",
            claim: Claim::Top("oidc.circleci.com/vcs-origin"),
            required: true,
            list: false,
            check: Some(checks::vcs_origin),
            help: "Repository origin as host/owner/repo, e.g. github.com/owner/repo",
            aliases: &[],
            example: "github.com/acme/widgets",
        },
        Field {
            option: "contextIds",
            flag: "context-id",
            claim: Claim::Top("oidc.circleci.com/context-ids"),
            required: false,
            list: true,
            check: Some(checks::uuid),
            help: "CircleCI context UUIDs the job must use",
            aliases: &[],
            example: "3d2c1b0a-9f8e-4d7c-a6b5-4c3d2e1f0a9b",
        },
    ],
};
