//! JS exports for trusted-publisher configurations.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{decode, node_version, promise, prompt};
use crate::error::{Code, Error as CoreError, Result as CoreResult};
use crate::registry::Policy;
use crate::session::CallOptions;
use crate::trust::{
    self, circleci::CIRCLECI, github::GITHUB, gitlab::GITLAB, Provider, PublisherInput,
};

/// Options every registry call accepts.
#[napi(object)]
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommonOptions {
    /// The package. Default: `name` from the package.json of `cwd`'s project.
    pub package: Option<String>,
    /// Registry URL. Default: npm's configuration (`@scope:registry`, then `registry`, from
    /// `npm_config_*` variables and .npmrc files), else `https://registry.npmjs.org/`.
    pub registry: Option<String>,
    /// npm token. Default: the registry's `_authToken` in .npmrc (project, user, global; `${VAR}`
    /// expanded), else the `NPM_TOKEN` environment variable.
    pub token: Option<String>,
    /// One-time password, for accounts with 2FA (the trust endpoints require it).
    pub otp: Option<String>,
    /// Directory whose package.json and .npmrc are used. Default: `process.cwd()`.
    pub cwd: Option<String>,
    /// Validate everything and return the exact request that would be sent, without sending it.
    /// Reads (`listPublishers`) are performed anyway.
    pub dry_run: Option<bool>,
    /// Total time for the call, retries included, in milliseconds. Default: 30000.
    pub timeout_ms: Option<u32>,
    /// How many times a failed request may be retried (connection errors, 5xx, 429; creates
    /// only when the registry cannot have acted on them). Default: 3.
    pub retries: Option<u32>,
    /// Send credentials over plain http to a host other than this machine. Default: false
    /// (`EINSECURE`).
    pub allow_insecure: Option<bool>,
    /// Asked when the registry wants a one-time password and `otp` is not given (or no longer
    /// accepted). Answer the code for `{ type: 'otp' }`; for `{ type: 'web', authUrl }` show the
    /// URL and trust-native waits for the approval. An OTP obtained this way is reused by later
    /// calls to the same registry with the same token while the registry accepts it.
    // Declared here for TypeScript; the function itself is read by `prompt::from_options`.
    #[serde(skip)]
    #[napi(
        ts_type = "(challenge: OtpChallenge) => Promise<string | undefined | void> | string | undefined | void"
    )]
    pub on_otp: Option<()>,
    /// How long to wait for a web 2FA approval, in milliseconds. Default: 300000.
    pub web_auth_timeout_ms: Option<u32>,
}

/// Which operations a trusted publisher may perform. When neither is given, publishing is
/// allowed (`createPackage`), which is what `npm publish` from CI needs.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishPermissions {
    /// Allow `npm publish` (permission `createPackage`).
    pub allow_publish: Option<bool>,
    /// Allow `npm stage publish` (permission `createStagedPackage`).
    pub allow_stage_publish: Option<bool>,
}

/// A GitHub Actions trusted publisher.
#[napi(object)]
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GithubPublisherOptions {
    /// Repository as `owner/repo`. Default: package.json `repository`, when it is on GitHub.
    pub repository: Option<String>,
    /// Workflow file name in `.github/workflows`, e.g. `publish.yml` (not a path).
    #[serde(default)]
    pub file: String,
    /// GitHub Actions environment the publishing job must use.
    pub environment: Option<String>,
}

/// A GitLab CI/CD trusted publisher.
#[napi(object)]
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitlabPublisherOptions {
    /// Project as `group/project` or `group/subgroup/project`. Default: package.json
    /// `repository`, when it is on GitLab.
    pub project: Option<String>,
    /// Top-level pipeline file, e.g. `.gitlab-ci.yml` (not a path).
    #[serde(default)]
    pub file: String,
    /// GitLab environment the publishing job must deploy to.
    pub environment: Option<String>,
}

/// A CircleCI trusted publisher.
#[napi(object)]
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CircleciPublisherOptions {
    /// Organization UUID.
    #[serde(default)]
    pub org_id: String,
    /// Project UUID.
    #[serde(default)]
    pub project_id: String,
    /// Pipeline definition UUID.
    #[serde(default)]
    pub pipeline_definition_id: String,
    /// Repository origin as `host/owner/repo`, e.g. `github.com/owner/repo` (no scheme).
    #[serde(default)]
    pub vcs_origin: String,
    /// Context UUIDs the publishing job must use.
    pub context_ids: Option<Vec<String>>,
}

/// Which configuration to revoke.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct RevokeOptions {
    /// The configuration's id (a UUID), as `listPublishers` returns it.
    #[serde(default)]
    pub id: String,
}

/// A trusted publisher configuration as the registry stores it.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Publisher {
    /// The configuration's id (UUID), for `revokePublisher`.
    pub id: String,
    /// `github`, `gitlab`, `circleci`, or a provider this version does not know.
    pub r#type: String,
    /// `createPackage` (publish) and/or `createStagedPackage` (stage publish).
    pub permissions: Vec<String>,
    /// GitHub: `owner/repo`.
    pub repository: Option<String>,
    /// GitLab: `group/project`.
    pub project: Option<String>,
    /// GitHub workflow or GitLab pipeline file.
    pub file: Option<String>,
    /// GitHub or GitLab environment.
    pub environment: Option<String>,
    /// CircleCI organization UUID.
    pub org_id: Option<String>,
    /// CircleCI project UUID.
    pub project_id: Option<String>,
    /// CircleCI pipeline definition UUID.
    pub pipeline_definition_id: Option<String>,
    /// CircleCI `host/owner/repo`.
    pub vcs_origin: Option<String>,
    /// CircleCI context UUIDs.
    pub context_ids: Option<Vec<String>>,
    /// The claims exactly as the registry returned them.
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: serde_json::Value,
}

/// An HTTP request as sent (or, in a dry run, as it would be sent). Credentials are masked.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedRequest {
    pub method: String,
    pub url: String,
    /// Header values; `authorization` and `npm-otp` show `***`.
    pub headers: HashMap<String, String>,
    /// The JSON body, if any.
    #[napi(ts_type = "unknown")]
    pub body: Option<serde_json::Value>,
}

/// The result of adding a trusted publisher.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddPublisherResult {
    /// The package configured.
    pub package: String,
    /// The provider options the configuration is built from, after inference from package.json
    /// (`repository`, `file`, `environment`, ...).
    #[napi(ts_type = "Record<string, string | Array<string>>")]
    pub options: serde_json::Value,
    /// The configuration the registry created; absent in a dry run.
    pub publisher: Option<Publisher>,
    pub dry_run: bool,
    /// The request sent, or in a dry run the request that would be sent.
    pub request: PlannedRequest,
    /// What npm would print as warnings, e.g. package.json's repository differs from the one given.
    pub warnings: Vec<String>,
    /// Options taken from package.json: `package`, `repository` or `project`.
    pub from_package_json: Vec<String>,
}

/// The result of revoking a trusted publisher.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevokePublisherResult {
    pub package: String,
    pub id: String,
    pub dry_run: bool,
    pub request: PlannedRequest,
}

fn millis(ms: Option<u32>) -> Option<Duration> {
    ms.map(|ms| Duration::from_millis(ms.into()))
}

/// The core's call options from a JS options object.
pub fn call_options(env: &Env, options: Option<&Object>) -> CoreResult<CallOptions> {
    let common: CommonOptions = decode(env, options)?;
    let otp_prompt = match options {
        Some(object) => prompt::from_options(object).map_err(|e| {
            CoreError::invalid_input("onOtp", format!("onOtp must be a function: {}", e.reason))
        })?,
        None => None,
    };
    Ok(CallOptions {
        package: common.package,
        registry: common.registry,
        token: common.token,
        otp: common.otp,
        cwd: common.cwd.map(PathBuf::from),
        dry_run: common.dry_run.unwrap_or(false),
        node_version: node_version(env),
        env: None,
        policy: Policy {
            timeout: millis(common.timeout_ms),
            retries: common.retries,
            allow_insecure: common.allow_insecure.unwrap_or(false),
            otp_prompt,
            web_auth_timeout: millis(common.web_auth_timeout_ms),
            ..Policy::default()
        },
    })
}

/// Decodes the provider's options, the permissions and the common options of one JS object.
fn add_input<P: DeserializeOwned + Serialize>(
    env: &Env,
    provider: &Provider,
    options: &Object,
) -> CoreResult<(PublisherInput, CallOptions)> {
    let specific: P = decode(env, Some(options))?;
    let permissions: PublishPermissions = decode(env, Some(options))?;
    let map = match serde_json::to_value(&specific) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => return Err(CoreError::new(Code::InvalidInput, "Invalid options")),
    };
    let input = PublisherInput {
        values: provider.values_from_json(&map)?,
        allow_publish: permissions.allow_publish,
        allow_stage_publish: permissions.allow_stage_publish,
    };
    Ok((input, call_options(env, Some(options))?))
}

fn add<'env, P: DeserializeOwned + Serialize>(
    env: &'env Env,
    provider: &'static Provider,
    options: Object<'env>,
) -> napi::Result<PromiseRaw<'env, AddPublisherResult>> {
    let input = add_input::<P>(env, provider, &options);
    promise(env, async move {
        let (input, call) = input?;
        trust::add_publisher(provider, input, &call).await
    })
}

/// Lets a GitHub Actions workflow publish the package through OIDC (`npm trust github`).
///
/// The registry keeps one configuration per package: adding a second rejects with `E409`.
///
/// @example
/// ```js
/// const { addGithubPublisher } = require('trust-native')
/// const { publisher, warnings } = await addGithubPublisher({
///   package: '@acme/widgets',   // default: package.json name
///   repository: 'acme/widgets', // default: package.json repository
///   file: 'release.yml',
///   environment: 'npm',
///   otp: '123456',
/// })
/// console.log(publisher.id, warnings)
/// ```
#[napi(
    ts_args_type = "options: GithubPublisherOptions & PublishPermissions & CommonOptions",
    ts_return_type = "Promise<AddPublisherResult>"
)]
pub fn add_github_publisher<'env>(
    env: &'env Env,
    options: Object<'env>,
) -> napi::Result<PromiseRaw<'env, AddPublisherResult>> {
    add::<GithubPublisherOptions>(env, &GITHUB, options)
}

/// Lets a GitLab CI/CD pipeline publish the package through OIDC (`npm trust gitlab`).
///
/// @example
/// ```js
/// const { addGitlabPublisher } = require('trust-native')
/// await addGitlabPublisher({
///   package: 'widgets',
///   project: 'acme/tools/widgets', // default: package.json repository
///   file: '.gitlab-ci.yml',
///   otp: '123456',
/// })
/// ```
#[napi(
    ts_args_type = "options: GitlabPublisherOptions & PublishPermissions & CommonOptions",
    ts_return_type = "Promise<AddPublisherResult>"
)]
pub fn add_gitlab_publisher<'env>(
    env: &'env Env,
    options: Object<'env>,
) -> napi::Result<PromiseRaw<'env, AddPublisherResult>> {
    add::<GitlabPublisherOptions>(env, &GITLAB, options)
}

/// Lets a CircleCI pipeline publish the package through OIDC (`npm trust circleci`).
///
/// @example
/// ```js
/// const { addCircleciPublisher } = require('trust-native')
/// await addCircleciPublisher({
///   package: 'widgets',
///   orgId: '9c7e5a6e-0a4b-4a5e-9a55-2f0e1c1d2b3a',
///   projectId: '0f3f4b4e-8d0a-4d5e-b1f2-3c4d5e6f7a8b',
///   pipelineDefinitionId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
///   vcsOrigin: 'github.com/acme/widgets',
///   allowStagePublish: true,
///   otp: '123456',
/// })
/// ```
#[napi(
    ts_args_type = "options: CircleciPublisherOptions & PublishPermissions & CommonOptions",
    ts_return_type = "Promise<AddPublisherResult>"
)]
pub fn add_circleci_publisher<'env>(
    env: &'env Env,
    options: Object<'env>,
) -> napi::Result<PromiseRaw<'env, AddPublisherResult>> {
    add::<CircleciPublisherOptions>(env, &CIRCLECI, options)
}

/// The package's trusted publisher configurations (`npm trust list`). Providers this version
/// does not know are returned with their raw `claims`.
///
/// @example
/// ```js
/// const { listPublishers } = require('trust-native')
/// for (const p of await listPublishers({ package: 'widgets', otp: '123456' })) {
///   console.log(p.id, p.type, p.repository ?? p.project ?? p.vcsOrigin, p.permissions)
/// }
/// ```
#[napi(
    ts_args_type = "options?: CommonOptions",
    ts_return_type = "Promise<Array<Publisher>>"
)]
pub fn list_publishers<'env>(
    env: &'env Env,
    options: Option<Object<'env>>,
) -> napi::Result<PromiseRaw<'env, Vec<Publisher>>> {
    let call = call_options(env, options.as_ref());
    promise(env, async move { trust::list_publishers(&call?).await })
}

/// Removes a trusted publisher configuration by id (`npm trust revoke`).
///
/// @example
/// ```js
/// const { listPublishers, revokePublisher } = require('trust-native')
/// const [current] = await listPublishers({ package: 'widgets', otp })
/// await revokePublisher({ package: 'widgets', id: current.id, otp })
/// ```
#[napi(
    ts_args_type = "options: RevokeOptions & CommonOptions",
    ts_return_type = "Promise<RevokePublisherResult>"
)]
pub fn revoke_publisher<'env>(
    env: &'env Env,
    options: Object<'env>,
) -> napi::Result<PromiseRaw<'env, RevokePublisherResult>> {
    let input = decode::<RevokeOptions>(env, Some(&options))
        .and_then(|r| Ok((r.id, call_options(env, Some(&options))?)));
    promise(env, async move {
        let (id, call) = input?;
        trust::revoke_publisher(&id, &call).await
    })
}

/// The JS names of the common options, so an object mixing a spec with common options can be
/// split without listing them twice.
pub fn common_option_names() -> Vec<String> {
    match serde_json::to_value(CommonOptions::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TypeScript option declarations and the provider tables must name the same options.
    #[test]
    fn declared_options_match_provider_tables() {
        let declared = |v: serde_json::Value| -> Vec<String> {
            let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let table = |p: &Provider| -> Vec<String> {
            let mut keys: Vec<String> = p.fields.iter().map(|f| f.option.to_string()).collect();
            keys.sort();
            keys
        };
        let github = GithubPublisherOptions {
            repository: None,
            file: String::new(),
            environment: None,
        };
        let gitlab = GitlabPublisherOptions {
            project: None,
            file: String::new(),
            environment: None,
        };
        let circleci = CircleciPublisherOptions {
            org_id: String::new(),
            project_id: String::new(),
            pipeline_definition_id: String::new(),
            vcs_origin: String::new(),
            context_ids: None,
        };
        assert_eq!(
            declared(serde_json::to_value(github).unwrap()),
            table(&GITHUB)
        );
        assert_eq!(
            declared(serde_json::to_value(gitlab).unwrap()),
            table(&GITLAB)
        );
        assert_eq!(
            declared(serde_json::to_value(circleci).unwrap()),
            table(&CIRCLECI)
        );
    }
}
