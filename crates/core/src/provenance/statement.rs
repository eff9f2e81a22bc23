//! The in-toto statement npm signs (libnpmpublish's `provenance.js`): SLSA provenance v1 for
//! GitHub Actions, v0.2 for GitLab CI/CD, built from the job's variables. Built as libnpmpublish
//! builds it, key for key and in its order, so the signed bytes are the ones npm would sign: a
//! variable that is not set leaves its key out where npm copies it as is, and reads `undefined`
//! where npm puts it in a template string.

use serde_json::{json, Map, Value};

use crate::config::EnvVars;
use crate::oidc::ci::Ci;

pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
const INTOTO_STATEMENT_V01_TYPE: &str = "https://in-toto.io/Statement/v0.1";
const INTOTO_STATEMENT_V1_TYPE: &str = "https://in-toto.io/Statement/v1";
const SLSA_PREDICATE_V02_TYPE: &str = "https://slsa.dev/provenance/v0.2";
const SLSA_PREDICATE_V1_TYPE: &str = "https://slsa.dev/provenance/v1";
const GITHUB_BUILDER_ID_PREFIX: &str = "https://github.com/actions/runner";
const GITHUB_BUILD_TYPE: &str =
    "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1";
const GITLAB_BUILD_TYPE: &str = "https://github.com/npm/cli/gitlab/v0alpha1";

/// The variables of a GitLab job that npm records as the build's parameters, in its order.
const GITLAB_PARAMETERS: [&str; 71] = [
    "CI",
    "CI_API_GRAPHQL_URL",
    "CI_API_V4_URL",
    "CI_BUILD_BEFORE_SHA",
    "CI_BUILD_ID",
    "CI_BUILD_NAME",
    "CI_BUILD_REF",
    "CI_BUILD_REF_NAME",
    "CI_BUILD_REF_SLUG",
    "CI_BUILD_STAGE",
    "CI_COMMIT_BEFORE_SHA",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_REF_PROTECTED",
    "CI_COMMIT_REF_SLUG",
    "CI_COMMIT_SHA",
    "CI_COMMIT_SHORT_SHA",
    "CI_COMMIT_TIMESTAMP",
    "CI_COMMIT_TITLE",
    "CI_CONFIG_PATH",
    "CI_DEFAULT_BRANCH",
    "CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX",
    "CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX",
    "CI_DEPENDENCY_PROXY_SERVER",
    "CI_DEPENDENCY_PROXY_USER",
    "CI_JOB_ID",
    "CI_JOB_NAME",
    "CI_JOB_NAME_SLUG",
    "CI_JOB_STAGE",
    "CI_JOB_STARTED_AT",
    "CI_JOB_URL",
    "CI_NODE_TOTAL",
    "CI_PAGES_DOMAIN",
    "CI_PAGES_URL",
    "CI_PIPELINE_CREATED_AT",
    "CI_PIPELINE_ID",
    "CI_PIPELINE_IID",
    "CI_PIPELINE_SOURCE",
    "CI_PIPELINE_URL",
    "CI_PROJECT_CLASSIFICATION_LABEL",
    "CI_PROJECT_DESCRIPTION",
    "CI_PROJECT_ID",
    "CI_PROJECT_NAME",
    "CI_PROJECT_NAMESPACE",
    "CI_PROJECT_NAMESPACE_ID",
    "CI_PROJECT_PATH",
    "CI_PROJECT_PATH_SLUG",
    "CI_PROJECT_REPOSITORY_LANGUAGES",
    "CI_PROJECT_ROOT_NAMESPACE",
    "CI_PROJECT_TITLE",
    "CI_PROJECT_URL",
    "CI_PROJECT_VISIBILITY",
    "CI_REGISTRY",
    "CI_REGISTRY_IMAGE",
    "CI_REGISTRY_USER",
    "CI_RUNNER_DESCRIPTION",
    "CI_RUNNER_ID",
    "CI_RUNNER_TAGS",
    "CI_SERVER_HOST",
    "CI_SERVER_NAME",
    "CI_SERVER_PORT",
    "CI_SERVER_PROTOCOL",
    "CI_SERVER_REVISION",
    "CI_SERVER_SHELL_SSH_HOST",
    "CI_SERVER_SHELL_SSH_PORT",
    "CI_SERVER_URL",
    "CI_SERVER_VERSION",
    "CI_SERVER_VERSION_MAJOR",
    "CI_SERVER_VERSION_MINOR",
    "CI_SERVER_VERSION_PATCH",
    "CI_TEMPLATE_REGISTRY_HOST",
];
const GITLAB_TRAILING_PARAMETERS: [&str; 5] = [
    "GITLAB_CI",
    "GITLAB_FEATURES",
    "GITLAB_USER_ID",
    "GITLAB_USER_LOGIN",
    "RUNNER_GENERATE_ARTIFACTS_METADATA",
];

/// The package the statement is about: npm's purl of `name@version` and the tarball's sha512.
pub struct Subject<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// Hex.
    pub sha512: &'a str,
}

impl Subject<'_> {
    /// npm-package-arg's `toPurl` for the public registry: a scope's `@` escaped.
    pub fn purl(&self) -> String {
        let name = match self.name.strip_prefix('@') {
            Some(rest) => format!("%40{rest}"),
            None => self.name.to_string(),
        };
        format!("pkg:npm/{name}@{}", self.version)
    }
}

/// The statement for `subject` in `ci`'s job, or `None` outside the CIs npm signs in.
pub fn statement(subject: &Subject, ci: Ci, env: &EnvVars) -> Option<Value> {
    let subjects = json!([{ "name": subject.purl(), "digest": { "sha512": subject.sha512 } }]);
    match ci {
        Ci::GithubActions => Some(github(subjects, env)),
        Ci::Gitlab => Some(gitlab(subjects, env)),
        _ => None,
    }
}

/// A variable as a JavaScript template string shows it: `undefined` when it is not set.
fn shown(env: &EnvVars, name: &str) -> String {
    env.get(name).unwrap_or_else(|| "undefined".into())
}

/// A variable as `JSON.stringify` writes `env.NAME`: absent when it is not set.
fn raw(env: &EnvVars, name: &str) -> Value {
    env.get(name).map_or(Value::Null, Value::String)
}

/// An object of `[key, value]`s without the null (unset) ones, as `JSON.stringify` drops
/// `undefined` members.
fn object<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map<_, _>>(),
    )
}

fn github(subjects: Value, env: &EnvVars) -> Value {
    let server = shown(env, "GITHUB_SERVER_URL");
    let repository = shown(env, "GITHUB_REPOSITORY");
    // `owner/repo/.github/workflows/release.yml@refs/heads/main` without `owner/repo/`, then
    // split at the `@`, with JavaScript's `slice` for a ref that has none.
    let workflow_ref = env.get("GITHUB_WORKFLOW_REF").unwrap_or_default();
    let relative = workflow_ref.replacen(&format!("{repository}/"), "", 1);
    let (path, reference) = match relative.find('@') {
        Some(at) => (&relative[..at], &relative[at + 1..]),
        None => (
            &relative[..relative.char_indices().last().map_or(0, |(i, _)| i)],
            relative.as_str(),
        ),
    };
    json!({
        "_type": INTOTO_STATEMENT_V1_TYPE,
        "subject": subjects,
        "predicateType": SLSA_PREDICATE_V1_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": GITHUB_BUILD_TYPE,
                "externalParameters": {
                    "workflow": {
                        "ref": reference,
                        "repository": format!("{server}/{repository}"),
                        "path": path,
                    },
                },
                "internalParameters": {
                    "github": object([
                        ("event_name", raw(env, "GITHUB_EVENT_NAME")),
                        ("repository_id", raw(env, "GITHUB_REPOSITORY_ID")),
                        ("repository_owner_id", raw(env, "GITHUB_REPOSITORY_OWNER_ID")),
                    ]),
                },
                "resolvedDependencies": [{
                    "uri": format!("git+{server}/{repository}@{}", shown(env, "GITHUB_REF")),
                    "digest": object([("gitCommit", raw(env, "GITHUB_SHA"))]),
                }],
            },
            "runDetails": {
                "builder": { "id": format!("{GITHUB_BUILDER_ID_PREFIX}/{}", shown(env, "RUNNER_ENVIRONMENT")) },
                "metadata": {
                    "invocationId": format!(
                        "{server}/{repository}/actions/runs/{}/attempts/{}",
                        shown(env, "GITHUB_RUN_ID"),
                        shown(env, "GITHUB_RUN_ATTEMPT"),
                    ),
                },
            },
        },
    })
}

fn gitlab(subjects: Value, env: &EnvVars) -> Value {
    let project_url = shown(env, "CI_PROJECT_URL");
    let parameters = object(
        GITLAB_PARAMETERS
            .iter()
            .chain(GITLAB_TRAILING_PARAMETERS.iter())
            .map(|name| (*name, raw(env, name))),
    );
    json!({
        "_type": INTOTO_STATEMENT_V01_TYPE,
        "subject": subjects,
        "predicateType": SLSA_PREDICATE_V02_TYPE,
        "predicate": {
            "buildType": GITLAB_BUILD_TYPE,
            "builder": { "id": format!("{project_url}/-/runners/{}", shown(env, "CI_RUNNER_ID")) },
            "invocation": {
                "configSource": object([
                    ("uri", format!("git+{project_url}").into()),
                    ("digest", object([("sha1", raw(env, "CI_COMMIT_SHA"))])),
                    ("entryPoint", raw(env, "CI_JOB_NAME")),
                ]),
                "parameters": parameters,
                "environment": object([
                    ("name", raw(env, "CI_RUNNER_DESCRIPTION")),
                    ("architecture", raw(env, "CI_RUNNER_EXECUTABLE_ARCH")),
                    ("server", raw(env, "CI_SERVER_URL")),
                    ("project", raw(env, "CI_PROJECT_PATH")),
                    ("job", object([("id", raw(env, "CI_JOB_ID"))])),
                    ("pipeline", object([
                        ("id", raw(env, "CI_PIPELINE_ID")),
                        ("ref", raw(env, "CI_CONFIG_PATH")),
                    ])),
                ]),
            },
            "metadata": {
                "buildInvocationId": shown(env, "CI_JOB_URL"),
                "completeness": { "parameters": true, "environment": true, "materials": false },
                "reproducible": false,
            },
            "materials": [{
                "uri": format!("git+{project_url}"),
                "digest": object([("sha1", raw(env, "CI_COMMIT_SHA"))]),
            }],
        },
    })
}
