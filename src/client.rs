//! `TrustClient`: the class a release script creates once and calls many times. Each method is
//! the free function of the same name with the client's options as defaults.

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::engine::{Defaults, Engine};
use crate::errors::js_error;
use crate::options::Options;
use crate::to_js::Js;
use crate::{bulk, config, oidc, trust};
use trust_core::config::EnvVars;
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::trust::{circleci::CIRCLECI, github::GITHUB, gitlab::GITLAB};

/// Options of `new TrustClient(...)`: defaults for every call of the client (a call's own
/// options win), and what the client owns.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct TrustClientOptions {
    /// Registry URL. Default: npm's configuration, else `https://registry.npmjs.org/`.
    pub registry: Option<String>,
    /// npm token. Default: npm's configuration (`_authToken` in .npmrc, `NPM_TOKEN`).
    pub token: Option<String>,
    /// One-time password for accounts with 2FA.
    pub otp: Option<String>,
    /// Directory whose package.json and .npmrc are used. Default: `process.cwd()`. The client
    /// reads a directory's npm config once; create a new client to see later edits.
    pub cwd: Option<String>,
    /// The environment to read npm config, tokens and CI variables from. Default: a copy of
    /// `process.env` taken when the client is created.
    pub env: Option<HashMap<String, String>>,
    /// Asked when the registry wants a one-time password (see `CommonOptions.onOtp`). An OTP
    /// obtained this way is reused by the client's later calls while the registry accepts it.
    #[napi(
        ts_type = "(challenge: OtpChallenge) => Promise<string | undefined | void> | string | undefined | void"
    )]
    pub on_otp: Option<()>,
    /// Time for each call, in milliseconds. Default: 30000.
    pub timeout_ms: Option<u32>,
    /// Retries of a failed request (429s are waited out within the time). Default: 3.
    pub retries: Option<u32>,
    /// Send credentials over plain http to a host other than this machine. Default: false.
    pub allow_insecure: Option<bool>,
    /// Time to wait for a web 2FA approval, in milliseconds. Default: 300000.
    pub web_auth_timeout_ms: Option<u32>,
    /// Connections per registry origin (npm's `maxsockets`). Default: 15.
    pub max_sockets: Option<u32>,
}

/// A trust-native client: create it once with your defaults, then call its methods. It owns its
/// connections (kept alive between calls), the OTPs it obtained and its 2FA prompt lock, the
/// npm config it read, and a copy of the environment; nothing is shared with other clients.
/// Every method returns a Promise, accepts the same options as the free function of the same
/// name (they override the client's), and accepts `signal` to abort it.
///
/// @example
/// ```js
/// const { TrustClient } = require('trust-native')
/// const client = new TrustClient({ token: process.env.NPM_TOKEN, onOtp: async () => '123456' })
/// const before = await client.listPublishers({ package: 'widgets' })
/// if (before.length === 0) {
///   await client.addGithubPublisher({ package: 'widgets', repository: 'acme/widgets', file: 'release.yml' })
/// }
/// ```
#[napi]
pub struct TrustClient {
    engine: Engine,
}

/// The client's own options: the defaults of its calls, `env` and `maxSockets`.
fn client_engine(env: &Env, options: Option<Unknown>) -> CoreResult<Engine> {
    let mut o = Options::new(options, "TrustClient options")?;
    let defaults = Defaults::read(&mut o)?;
    let vars = o.object("env")?.map(|vars| env_vars(&vars)).transpose()?;
    let max_sockets = o.count("maxSockets")?;
    o.finish()?;
    Engine::client(env, defaults, vars, max_sockets)
}

/// An `env` option: every own property must be a string.
fn env_vars(vars: &Object) -> CoreResult<EnvVars> {
    let not_strings = || CoreError::invalid_input("env", "Option `env` must map names to strings.");
    let json = crate::options::to_json(vars.to_unknown()).map_err(|_| not_strings())?;
    let mut snapshot = EnvVars::default();
    for (name, value) in json.as_object().into_iter().flatten() {
        snapshot.set(name, value.as_str().ok_or_else(not_strings)?);
    }
    Ok(snapshot)
}

#[napi]
impl TrustClient {
    /// Creates a client. Throws `EINVALIDINPUT` for an unknown or mistyped option.
    #[napi(constructor, ts_args_type = "options?: TrustClientOptions")]
    pub fn new(env: &Env, options: Option<Unknown>) -> napi::Result<Self> {
        let engine = client_engine(env, options).map_err(|e| js_error(env, e))?;
        Ok(TrustClient { engine })
    }

    /// `addGithubPublisher` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.addGithubPublisher({ package: 'widgets', repository: 'acme/widgets', file: 'release.yml' })
    /// ```
    #[napi(
        ts_args_type = "options: GithubPublisherOptions & PublishPermissions & CommonOptions",
        ts_return_type = "Promise<AddPublisherResult>"
    )]
    pub fn add_github_publisher<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        trust::add(&self.engine, env, &GITHUB, options)
    }

    /// `addGitlabPublisher` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.addGitlabPublisher({ package: 'widgets', project: 'acme/widgets', file: '.gitlab-ci.yml' })
    /// ```
    #[napi(
        ts_args_type = "options: GitlabPublisherOptions & PublishPermissions & CommonOptions",
        ts_return_type = "Promise<AddPublisherResult>"
    )]
    pub fn add_gitlab_publisher<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        trust::add(&self.engine, env, &GITLAB, options)
    }

    /// `addCircleciPublisher` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.addCircleciPublisher({
    ///   package: 'widgets',
    ///   orgId: '9c7e5a6e-0a4b-4a5e-9a55-2f0e1c1d2b3a',
    ///   projectId: '0f3f4b4e-8d0a-4d5e-b1f2-3c4d5e6f7a8b',
    ///   pipelineDefinitionId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
    ///   vcsOrigin: 'github.com/acme/widgets',
    /// })
    /// ```
    #[napi(
        ts_args_type = "options: CircleciPublisherOptions & PublishPermissions & CommonOptions",
        ts_return_type = "Promise<AddPublisherResult>"
    )]
    pub fn add_circleci_publisher<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        trust::add(&self.engine, env, &CIRCLECI, options)
    }

    /// `listPublishers` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const publishers = await client.listPublishers({ package: 'widgets', signal: AbortSignal.timeout(5000) })
    /// ```
    #[napi(
        ts_args_type = "options?: CommonOptions",
        ts_return_type = "Promise<Array<Publisher>>"
    )]
    pub fn list_publishers<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        trust::list(&self.engine, env, options)
    }

    /// `revokePublisher` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const [current] = await client.listPublishers({ package: 'widgets' })
    /// await client.revokePublisher({ package: 'widgets', id: current.id })
    /// ```
    #[napi(
        ts_args_type = "options: RevokeOptions & CommonOptions",
        ts_return_type = "Promise<RevokePublisherResult>"
    )]
    pub fn revoke_publisher<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        trust::revoke(&self.engine, env, options)
    }

    /// `ensurePublisher` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { action } = await client.ensurePublisher({ type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml' })
    /// ```
    #[napi(
        ts_args_type = "spec: TrustSpec & CommonOptions",
        ts_return_type = "Promise<EnsureResult>"
    )]
    pub fn ensure_publisher<'env>(
        &self,
        env: &'env Env,
        spec: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        bulk::ensure(&self.engine, env, spec)
    }

    /// `planTrust` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const plan = await client.planTrust([{ type: 'github', package: 'widgets', repository: 'acme/widgets', file: 'release.yml' }])
    /// ```
    #[napi(
        ts_args_type = "specs: Array<TrustSpec>, options?: RunOptions & CommonOptions",
        ts_return_type = "Promise<TrustPlan>"
    )]
    pub fn plan_trust<'env>(
        &self,
        env: &'env Env,
        specs: Option<Unknown<'env>>,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        bulk::plan(&self.engine, env, specs, options)
    }

    /// `applyTrust` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const controller = new AbortController()
    /// const results = await client.applyTrust(plan, { concurrency: 4, signal: controller.signal })
    /// ```
    #[napi(
        ts_args_type = "plan: TrustPlan | Array<TrustSpec>, options?: RunOptions & CommonOptions",
        ts_return_type = "Promise<Array<ApplyResult>>"
    )]
    pub fn apply_trust<'env>(
        &self,
        env: &'env Env,
        plan: Option<Unknown<'env>>,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        bulk::apply(&self.engine, env, plan, options)
    }

    /// `resolveConfig` with the client's defaults and environment.
    ///
    /// @example
    /// ```js
    /// const { registry, tokenSource } = await client.resolveConfig({ package: 'widgets' })
    /// ```
    #[napi(
        ts_args_type = "options?: CommonOptions",
        ts_return_type = "Promise<ResolvedConfig>"
    )]
    pub fn resolve_config<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        config::resolve(&self.engine, env, options)
    }

    /// `getIdToken` with the client's environment.
    ///
    /// @example
    /// ```js
    /// const { provider, claims } = await client.getIdToken({ audience: 'npm:registry.npmjs.org' })
    /// ```
    #[napi(
        ts_args_type = "options?: IdTokenRequest",
        ts_return_type = "Promise<IdToken>"
    )]
    pub fn get_id_token<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        oidc::get_id_token_with(&self.engine, env, options)
    }

    /// `exchangeToken` with the client's defaults and environment.
    ///
    /// @example
    /// ```js
    /// const { expires } = await client.exchangeToken({ package: 'widgets', writeNpmrc: true })
    /// ```
    #[napi(
        ts_args_type = "options?: ExchangeTokenOptions",
        ts_return_type = "Promise<ExchangedToken>"
    )]
    pub fn exchange_token<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        oidc::exchange_token_with(&self.engine, env, options)
    }

    /// `mintPypiToken` with the client's environment.
    ///
    /// @example
    /// ```js
    /// const { token } = await client.mintPypiToken({ repositoryUrl: 'https://test.pypi.org/legacy/' })
    /// ```
    #[napi(
        ts_args_type = "options?: MintPypiTokenOptions",
        ts_return_type = "Promise<PypiToken>"
    )]
    pub fn mint_pypi_token<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        oidc::mint_pypi_token_with(&self.engine, env, options)
    }
}
