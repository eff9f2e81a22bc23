//! JS exports for trusted-publisher configurations.

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::TrustClient;
use crate::engine::{spawn, Budget, Engine};
use crate::operation::operation;
use crate::options::Options;
use crate::to_js::{to_js, Js};
use crate::workflow::keeps_ci_file;
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::trust::{self, OptionValue, Provider, PublisherInput, Values};

/// Options every registry call accepts.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct CommonOptions {
    /// The package. Default: `name` from the package.json of `cwd`'s project.
    pub package: Option<String>,
    /// Registry URL. Default: npm's configuration (`@scope:registry`, then `registry`, from
    /// `npm_config_*` variables and .npmrc files), else `https://registry.npmjs.org/`.
    pub registry: Option<String>,
    /// npm token. Default: the registry's `_authToken` in .npmrc (project, user, global; `${VAR}`
    /// expanded), else the `NPM_TOKEN` environment variable. A token given here, or
    /// `NPM_TOKEN`, is bound to no registry: it goes only to `https://registry.npmjs.org/`, to the
    /// `registry` option's, or to the one your user or global .npmrc names, never to a registry
    /// the checkout chooses (a project .npmrc, `publishConfig.registry`): that is `ENEEDAUTH`
    /// (hint `bindToken`).
    pub token: Option<String>,
    /// One-time password, for accounts with 2FA (the trust endpoints require it).
    pub otp: Option<String>,
    /// Directory whose package.json and .npmrc are used. Default: `process.cwd()`.
    pub cwd: Option<String>,
    /// Validate everything and return the exact request that would be sent, without sending it.
    /// Reads (`listPublishers`) are performed anyway.
    pub dry_run: Option<bool>,
    /// Total time for the call, in milliseconds: every request, retry, 2FA prompt and wait of
    /// it ends by then (`ETIMEDOUT`, saying what it was waiting for). Default: 30000. In
    /// `planTrust`/`applyTrust` it bounds each package's work (not its wait for the run's
    /// pace); bound the run with `signal`.
    pub timeout_ms: Option<u32>,
    /// How many times a failed request may be retried (connection errors, timeouts, 5xx;
    /// creates only when the registry cannot have acted on them). Default: 3, at most 100.
    /// Rate limiting (429) is not a failure: it is waited out, after `Retry-After`, for as long
    /// as `timeoutMs` allows. `0` turns retrying off, 429s included.
    pub retries: Option<u32>,
    /// Send credentials over plain http to a host other than this machine. Default: false
    /// (`EINSECURE`).
    pub allow_insecure: Option<bool>,
    /// Asked when the registry wants a one-time password and `otp` is not given (or no longer
    /// accepted). Answer the code for `{ type: 'otp' }`; for `{ type: 'web', authUrl }` show the
    /// URL and trust-native waits for the approval. An OTP obtained this way is reused by later
    /// calls to the same registry with the same token while the registry accepts it.
    #[napi(
        ts_type = "(challenge: OtpChallenge) => Promise<string | undefined | void> | string | undefined | void"
    )]
    pub on_otp: Option<()>,
    /// How long to wait for a web 2FA approval, in milliseconds (within `timeoutMs`).
    /// Default: 300000.
    pub web_auth_timeout_ms: Option<u32>,
    /// Aborts the call: it rejects with `EABORTED` (a create or revoke already sent may or may
    /// not have reached the registry; the message says so).
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<()>,
}

/// Which operations a trusted publisher may perform. When neither is given, publishing is
/// allowed (`createPackage`), which is what `npm publish` from CI needs.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct PublishPermissions {
    /// Allow `npm publish` (permission `createPackage`).
    pub allow_publish: Option<bool>,
    /// Allow `npm stage publish` (permission `createStagedPackage`).
    pub allow_stage_publish: Option<bool>,
}

/// Which configuration to revoke.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct RevokeOptions {
    /// The configuration's id (a UUID), as `listPublishers` returns it.
    pub id: String,
}

/// A trusted publisher configuration as the registry stores it. Its provider's options are
/// declared from the provider table (scripts/provider-types.mjs), in index.d.ts's head.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Publisher {
    /// The configuration's id (UUID), for `revokePublisher`.
    pub id: String,
    /// One of `trustProviders()`' types, or a provider this version does not know.
    pub r#type: String,
    /// `createPackage` (publish) and/or `createStagedPackage` (stage publish).
    pub permissions: Vec<String>,
    /// The claims exactly as the registry returned them.
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: serde_json::Value,
}

/// An HTTP request as sent (or, in a dry run, as it would be sent). Credentials are masked.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
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
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
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
    /// GitHub and GitLab: the check of the CI file in the repository's checkout (see
    /// `checkWorkflow`). Its findings are in `warnings` too; `inferred` says `file` (and
    /// `environment`, when not given) came from it.
    pub workflow: Option<crate::workflow::WorkflowCheck>,
}

/// The result of revoking a trusted publisher.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct RevokePublisherResult {
    pub package: String,
    pub id: String,
    pub dry_run: bool,
    pub request: PlannedRequest,
}

/// Reads the provider's fields (from its table) and the permissions.
fn publisher_input(o: &mut Options, provider: &Provider) -> CoreResult<PublisherInput> {
    let mut values = Values::default();
    for field in provider.fields {
        let value = if field.list {
            o.list(field.option)?.map(OptionValue::List)
        } else {
            o.string(field.option)?.map(OptionValue::Text)
        };
        if let Some(value) = value {
            values.set(field.option, value);
        }
    }
    Ok(PublisherInput {
        values,
        allow_publish: o.boolean("allowPublish")?,
        allow_stage_publish: o.boolean("allowStagePublish")?,
    })
}

/// The provider the `type` option names, one of the table's.
fn provider_option(o: &mut Options) -> CoreResult<&'static Provider> {
    provider_named(&o.string("type")?.unwrap_or_default())
}

/// The provider of `type` `kind`, or the error that lists the table's types.
pub(crate) fn provider_named(kind: &str) -> CoreResult<&'static Provider> {
    trust::provider::by_kind(kind).ok_or_else(|| {
        let kinds: Vec<&str> = trust::PROVIDERS.iter().map(|p| p.kind).collect();
        CoreError::invalid_input(
            "type",
            format!("Option `type` must be one of {}.", kinds.join(", ")),
        )
    })
}

/// `add*Publisher` on `engine`, for the provider of type `kind` or (`addPublisher`) the one the
/// `type` option names: one pass over the options, refused whole if any is unknown.
fn add<'env>(
    engine: &Engine,
    env: &'env Env,
    kind: Option<&'static str>,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let prepared = (|| {
        let mut o = Options::new(options, "options")?;
        let provider = match kind {
            Some(kind) => provider_named(kind)?,
            None => provider_option(&mut o)?,
        };
        let input = publisher_input(&mut o, provider)?;
        let strict = keeps_ci_file(provider) && o.boolean("strict")?.unwrap_or(false);
        let mut call = engine.call(env, &mut o, Budget::Whole)?;
        o.finish()?;
        call.options.strict = strict;
        Ok(((provider, input), call))
    })();
    let (input, call) = match prepared {
        Ok((input, call)) => (Some(input), Ok(call)),
        Err(e) => (None, Err(e)),
    };
    spawn(
        env,
        call,
        move |call| async move {
            let (provider, input) = input.expect("read with the call");
            trust::add_publisher(provider, input, &call).await
        },
        |env, result| to_js(env, &result),
    )
}

fn list<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let call = Options::new(options, "options").and_then(|mut o| {
        let call = engine.call(env, &mut o, Budget::Whole)?;
        o.finish()?;
        Ok(call)
    });
    spawn(
        env,
        call,
        |call| async move { trust::list_publishers(&call).await },
        |env, result| to_js(env, &result),
    )
}

fn revoke<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut id = String::new();
    let call = Options::new(options, "options").and_then(|mut o| {
        id = o.string("id")?.unwrap_or_default();
        let call = engine.call(env, &mut o, Budget::Whole)?;
        o.finish()?;
        Ok(call)
    });
    spawn(
        env,
        call,
        |call| async move { trust::revoke_publisher(&id, &call).await },
        |env, result| to_js(env, &result),
    )
}

operation! {
    #[doc = " Lets a GitHub Actions workflow publish the package through OIDC (`npm trust github`)."]
    #[doc = ""]
    #[doc = " Adds the configuration beside any the package has (up to 10 on registry.npmjs.org); it never"]
    #[doc = " revokes one. The same configuration twice, or a second one on a registry that keeps one per"]
    #[doc = " package, rejects with `E409` (`ensurePublisher` replaces a changed one for you)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { addGithubPublisher } from 'trust-native'"]
    #[doc = " const { publisher, warnings } = await addGithubPublisher({"]
    #[doc = "   package: '@acme/widgets',   // default: package.json name"]
    #[doc = "   repository: 'acme/widgets', // default: package.json repository"]
    #[doc = "   file: 'release.yml',"]
    #[doc = "   environment: 'npm',"]
    #[doc = "   otp: '123456',"]
    #[doc = " })"]
    #[doc = " console.log(publisher?.id, warnings) // no publisher in a dry run"]
    #[doc = " ```"]
    fn add_github_publisher(options): "options: AddGithubPublisherOptions" -> "Promise<AddPublisherResult>" = |engine, env| add(engine, env, Some("github"), options)
}

operation! {
    #[doc = " Lets a GitLab CI/CD pipeline publish the package through OIDC (`npm trust gitlab`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { addGitlabPublisher } from 'trust-native'"]
    #[doc = " await addGitlabPublisher({"]
    #[doc = "   package: 'widgets',"]
    #[doc = "   project: 'acme/tools/widgets', // default: package.json repository"]
    #[doc = "   file: '.gitlab-ci.yml',"]
    #[doc = "   otp: '123456',"]
    #[doc = " })"]
    #[doc = " ```"]
    fn add_gitlab_publisher(options): "options: AddGitlabPublisherOptions" -> "Promise<AddPublisherResult>" = |engine, env| add(engine, env, Some("gitlab"), options)
}

operation! {
    #[doc = " Lets a CircleCI pipeline publish the package through OIDC (`npm trust circleci`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { addCircleciPublisher } from 'trust-native'"]
    #[doc = " await addCircleciPublisher({"]
    #[doc = "   package: 'widgets',"]
    #[doc = "   orgId: '9c7e5a6e-0a4b-4a5e-9a55-2f0e1c1d2b3a',"]
    #[doc = "   projectId: '0f3f4b4e-8d0a-4d5e-b1f2-3c4d5e6f7a8b',"]
    #[doc = "   pipelineDefinitionId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',"]
    #[doc = "   vcsOrigin: 'github.com/acme/widgets',"]
    #[doc = "   allowStagePublish: true,"]
    #[doc = "   otp: '123456',"]
    #[doc = " })"]
    #[doc = " ```"]
    fn add_circleci_publisher(options): "options: AddCircleciPublisherOptions" -> "Promise<AddPublisherResult>" = |engine, env| add(engine, env, Some("circleci"), options)
}

operation! {
    #[doc = " Adds a trusted publisher of the provider `type` names (one of `trustProviders()`), with"]
    #[doc = " that provider's options: what its `add<Provider>Publisher` does, for code that takes the"]
    #[doc = " provider as data (a CLI flag, a config file). An unknown `type` rejects with"]
    #[doc = " `EINVALIDINPUT` naming the known ones."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { addPublisher } from 'trust-native'"]
    #[doc = " await addPublisher({ type: 'gitlab', package: 'widgets', project: 'acme/widgets', file: '.gitlab-ci.yml', otp: '123456' })"]
    #[doc = " ```"]
    fn add_publisher(options): "options: AddPublisherOptions" -> "Promise<AddPublisherResult>" = |engine, env| add(engine, env, None, options)
}

operation! {
    #[doc = " The package's trusted publisher configurations (`npm trust list`). Providers this version"]
    #[doc = " does not know are returned with their raw `claims`."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listPublishers } from 'trust-native'"]
    #[doc = " for (const p of await listPublishers({ package: 'widgets', otp: '123456' })) {"]
    #[doc = "   console.log(p.id, p.type, p.repository ?? p.project ?? p.vcsOrigin, p.permissions)"]
    #[doc = " }"]
    #[doc = " ```"]
    fn list_publishers(options): "options?: CommonOptions" -> "Promise<Array<Publisher>>" = |engine, env| list(engine, env, options)
}

operation! {
    #[doc = " Removes a trusted publisher configuration by id (`npm trust revoke`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listPublishers, revokePublisher } from 'trust-native'"]
    #[doc = " const [current] = await listPublishers({ package: 'widgets', otp })"]
    #[doc = " await revokePublisher({ package: 'widgets', id: current.id, otp })"]
    #[doc = " ```"]
    fn revoke_publisher(options): "options: RevokeOptions & CommonOptions" -> "Promise<RevokePublisherResult>" = |engine, env| revoke(engine, env, options)
}
