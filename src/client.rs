//! `TrustClient`: the class a release script creates once and calls many times. Each method is
//! the free function of the same name with the client's options as defaults.

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::engine::{Defaults, Engine};
use crate::errors::js_error;
use crate::options::Options;
use crate::to_js::Js;
use crate::{api, bulk, config, oidc, publish, trust, workflow};
use trust_core::api::{access, audit, disttag, history, org, search, stage, team, tokens};
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
    /// npm token. Default: npm's configuration (`_authToken` in .npmrc, `NPM_TOKEN`). A token
    /// given here, or `NPM_TOKEN`, is bound to no registry: it goes only to
    /// `https://registry.npmjs.org/`, to the `registry` option's, or to the one your user or
    /// global .npmrc names, never to a registry the checkout chooses (a project .npmrc,
    /// `publishConfig.registry`): that is `ENEEDAUTH`.
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
/// import { TrustClient } from 'trust-native'
/// const client = new TrustClient({ token: process.env.NPM_TOKEN, onOtp: async () => '123456' })
/// const before = await client.listPublishers({ package: 'widgets' })
/// if (before.length === 0) {
///   await client.addGithubPublisher({ package: 'widgets', repository: 'acme/widgets', file: 'release.yml' })
/// }
/// ```
#[napi]
pub struct TrustClient {
    pub(crate) engine: Engine,
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
        ts_args_type = "options: GithubPublisherOptions & PublishPermissions & StrictOption & CommonOptions",
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
        ts_args_type = "options: GitlabPublisherOptions & PublishPermissions & StrictOption & CommonOptions",
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
        ts_args_type = "spec: TrustSpec & StrictOption & CommonOptions",
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
        ts_args_type = "specs: Array<TrustSpec>, options?: RunOptions & StrictOption & CommonOptions",
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

    /// `checkWorkflow` with the client's defaults (`cwd`, `registry`) and environment.
    ///
    /// @example
    /// ```js
    /// const { ok, findings } = await client.checkWorkflow({ type: 'github', package: 'widgets', file: 'release.yml' })
    /// ```
    #[napi(
        ts_args_type = "options: CheckWorkflowOptions",
        ts_return_type = "Promise<WorkflowCheck>"
    )]
    pub fn check_workflow<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        workflow::check(&self.engine, env, options)
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

    /// `publish` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { version } = await client.publish({ folder: 'packages/widgets', tag: 'next' })
    /// ```
    #[napi(
        ts_args_type = "options?: PublishPackageOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<PublishResult>"
    )]
    pub fn publish<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        publish::publish_with(&self.engine, env, options, false)
    }

    /// `stagePublish` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { stageId } = await client.stagePublish({ tarball: 'widgets-1.2.0.tgz' })
    /// ```
    #[napi(
        ts_args_type = "options?: PublishPackageOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<PublishResult>"
    )]
    pub fn stage_publish<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        publish::publish_with(&self.engine, env, options, true)
    }

    /// `claimPackage` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { status } = await client.claimPackage({ package: '@acme/new-thing' })
    /// ```
    #[napi(
        ts_args_type = "options?: ClaimOptions & CommonOptions",
        ts_return_type = "Promise<ClaimResult>"
    )]
    pub fn claim_package<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        publish::claim_with(&self.engine, env, options)
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

    /// `getPackageAccess` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { visibility } = await client.getPackageAccess({ package: '@acme/widgets' })
    /// ```
    #[napi(
        ts_args_type = "options?: Omit<CommonOptions, 'dryRun'>",
        ts_return_type = "Promise<PackageAccess>"
    )]
    pub fn get_package_access<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::GET_PACKAGE_ACCESS, options)
    }

    /// `lockDownPackage` with the client's defaults: one 2FA for many packages.
    ///
    /// @example
    /// ```js
    /// for (const name of ['@acme/a', '@acme/b']) await client.lockDownPackage({ package: name })
    /// ```
    #[napi(
        ts_args_type = "options?: CommonOptions",
        ts_return_type = "Promise<LockdownResult>"
    )]
    pub fn lock_down_package<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::LOCK_DOWN, options)
    }

    /// `setPackageAccess` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.setPackageAccess({ package: '@acme/widgets', visibility: 'private' })
    /// ```
    #[napi(
        ts_args_type = "options: PackageAccessSettings & CommonOptions",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn set_package_access<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::SET_PACKAGE_ACCESS, options)
    }

    /// `listCollaborators` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const collaborators = await client.listCollaborators({ package: 'widgets' })
    /// ```
    #[napi(
        ts_args_type = "options?: Omit<CommonOptions, 'dryRun'>",
        ts_return_type = "Promise<Record<string, string>>"
    )]
    pub fn list_collaborators<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::LIST_COLLABORATORS, options)
    }

    /// `listPackages` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const packages = await client.listPackages({ owner: 'acme' })
    /// ```
    #[napi(
        ts_args_type = "options?: ListPackagesOptions & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Record<string, string>>"
    )]
    pub fn list_packages<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::LIST_PACKAGES, options)
    }

    /// `grantAccess` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.grantAccess({ team: 'acme:developers', package: '@acme/widgets', permissions: 'read-only' })
    /// ```
    #[napi(
        ts_args_type = "options: GrantAccessOptions & CommonOptions",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn grant_access<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::GRANT_ACCESS, options)
    }

    /// `revokeAccess` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.revokeAccess({ team: 'acme:developers', package: '@acme/widgets' })
    /// ```
    #[napi(
        ts_args_type = "options: TeamOption & CommonOptions",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn revoke_access<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::REVOKE_ACCESS, options)
    }

    /// The user the token belongs to (`npm whoami`).
    ///
    /// @example
    /// ```js
    /// const { username } = await client.whoami()
    /// ```
    #[napi(
        ts_args_type = "options?: Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Whoami>"
    )]
    pub fn whoami<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &access::WHOAMI, options)
    }

    /// The members of an org and their roles, `owner`, `admin` or `developer` (`npm org ls`).
    ///
    /// @example
    /// ```js
    /// const members = await client.listOrgMembers({ org: 'acme' })
    /// const owners = Object.keys(members).filter((user) => members[user] === 'owner')
    /// ```
    #[napi(
        ts_args_type = "options: OrgOption & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Record<string, string>>"
    )]
    pub fn list_org_members<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &org::LIST_ORG_MEMBERS, options)
    }

    /// Adds a user to an org (the registry invites them) or changes their role (`npm org set`).
    ///
    /// @example
    /// ```js
    /// const { membership } = await client.setOrgMember({ org: 'acme', user: 'bob', role: 'admin' })
    /// console.log(membership?.org?.size)
    /// ```
    #[napi(
        ts_args_type = "options: OrgMemberOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<SetOrgMemberResult>"
    )]
    pub fn set_org_member<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &org::SET_ORG_MEMBER, options)
    }

    /// Removes a user from an org (`npm org rm`).
    ///
    /// @example
    /// ```js
    /// await client.removeOrgMember({ org: 'acme', user: 'bob' })
    /// ```
    #[napi(
        ts_args_type = "options: OrgUserOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn remove_org_member<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &org::REMOVE_ORG_MEMBER, options)
    }

    /// The teams of an org, as `org:team` (`npm team ls <org>`).
    ///
    /// @example
    /// ```js
    /// const teams = await client.listTeams({ org: 'acme' })
    /// ```
    #[napi(
        ts_args_type = "options: OrgOption & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Array<string>>"
    )]
    pub fn list_teams<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &team::LIST_TEAMS, options)
    }

    /// Creates a team in an org (`npm team create`).
    ///
    /// @example
    /// ```js
    /// await client.createTeam({ team: '@acme:release', description: 'Approves staged releases' })
    /// ```
    #[napi(
        ts_args_type = "options: CreateTeamOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<CreateTeamResult>"
    )]
    pub fn create_team<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &team::CREATE_TEAM, options)
    }

    /// Deletes a team (`npm team destroy`).
    ///
    /// @example
    /// ```js
    /// await client.destroyTeam({ team: '@acme:contractors' })
    /// ```
    #[napi(
        ts_args_type = "options: TeamOption & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn destroy_team<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &team::DESTROY_TEAM, options)
    }

    /// The members of a team (`npm team ls <org:team>`).
    ///
    /// @example
    /// ```js
    /// const members = await client.listTeamMembers({ team: '@acme:release' })
    /// ```
    #[napi(
        ts_args_type = "options: TeamOption & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Array<string>>"
    )]
    pub fn list_team_members<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &team::LIST_TEAM_MEMBERS, options)
    }

    /// Adds a member of the org to a team (`npm team add`).
    ///
    /// @example
    /// ```js
    /// await client.addTeamMember({ team: '@acme:release', user: 'bob' })
    /// ```
    #[napi(
        ts_args_type = "options: TeamMemberOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn add_team_member<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &team::ADD_TEAM_MEMBER, options)
    }

    /// Removes a user from a team (`npm team rm`).
    ///
    /// @example
    /// ```js
    /// await client.removeTeamMember({ team: '@acme:release', user: 'bob' })
    /// ```
    #[napi(
        ts_args_type = "options: TeamMemberOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn remove_team_member<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &team::REMOVE_TEAM_MEMBER, options)
    }

    /// `listTokens` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const tokens = await client.listTokens()
    /// ```
    #[napi(
        ts_args_type = "options?: ListTokensOptions & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Array<AccessToken>>"
    )]
    pub fn list_tokens<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &tokens::LIST_TOKENS, options)
    }

    /// `createToken` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { newToken } = await client.createToken({ password: process.env.NPM_PASSWORD ?? '', name: 'ci', expires: 7 })
    /// ```
    #[napi(
        ts_args_type = "options: CreateTokenOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<CreateTokenResult>"
    )]
    pub fn create_token<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &tokens::CREATE_TOKEN, options)
    }

    /// `revokeToken` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.revokeToken({ id: 'a1b2c3' })
    /// ```
    #[napi(
        ts_args_type = "options: RevokeTokenOptions & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<RevokeTokenResult>"
    )]
    pub fn revoke_token<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &tokens::REVOKE_TOKEN, options)
    }

    /// `listStaged` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const staged = await client.listStaged({ package: '@acme/widgets' })
    /// ```
    #[napi(
        ts_args_type = "options?: ListStagedOptions & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Array<StagedPackage>>"
    )]
    pub fn list_staged<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &stage::LIST_STAGED, options)
    }

    /// `viewStaged` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { packageName, version, shasum } = await client.viewStaged({ id: '1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f' })
    /// ```
    #[napi(
        ts_args_type = "options: StagedIdOption & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<StagedPackage>"
    )]
    pub fn view_staged<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &stage::VIEW_STAGED, options)
    }

    /// `approveStaged` with the client's defaults. The OTP the first approval obtains through
    /// `onOtp` is reused by the next ones while the registry accepts it: a release day's
    /// approvals ask once.
    ///
    /// @example
    /// ```js
    /// for (const s of await client.listStaged()) await client.approveStaged({ id: s.id })
    /// ```
    #[napi(
        ts_args_type = "options: StagedIdOption & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn approve_staged<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &stage::APPROVE_STAGED, options)
    }

    /// `rejectStaged` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.rejectStaged({ id: '1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f' })
    /// ```
    #[napi(
        ts_args_type = "options: StagedIdOption & Omit<CommonOptions, 'package'>",
        ts_return_type = "Promise<ChangeResult>"
    )]
    pub fn reject_staged<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &stage::REJECT_STAGED, options)
    }

    /// `downloadStaged` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { file } = await client.downloadStaged({ id: '1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f' })
    /// ```
    #[napi(
        ts_args_type = "options: DownloadStagedOptions & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<DownloadedTarball>"
    )]
    pub fn download_staged<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &stage::DOWNLOAD_STAGED, options)
    }

    /// `search` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const second = await client.search({ text: 'trusted publishing', size: 20, from: 20 })
    /// ```
    #[napi(
        ts_args_type = "options: SearchOptions & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<SearchResults>"
    )]
    pub fn search<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &search::SEARCH, options)
    }

    /// `audit` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const advisories = await client.audit({ packages: { minimist: ['1.2.0'] } })
    /// ```
    #[napi(
        ts_args_type = "options: AuditOptions & Omit<CommonOptions, 'package' | 'dryRun'>",
        ts_return_type = "Promise<Record<string, Array<Advisory>>>"
    )]
    pub fn audit<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &audit::AUDIT, options)
    }

    /// `listDistTags` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const tags = await client.listDistTags({ package: 'widgets' })
    /// ```
    #[napi(
        ts_args_type = "options?: Omit<CommonOptions, 'dryRun'>",
        ts_return_type = "Promise<Record<string, string>>"
    )]
    pub fn list_dist_tags<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &disttag::LIST_DIST_TAGS, options)
    }

    /// `addDistTag` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.addDistTag({ package: 'widgets', version: '2.0.0', tag: 'next' })
    /// ```
    #[napi(
        ts_args_type = "options: AddDistTagOptions & CommonOptions",
        ts_return_type = "Promise<DistTagResult>"
    )]
    pub fn add_dist_tag<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &disttag::ADD_DIST_TAG, options)
    }

    /// `removeDistTag` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.removeDistTag({ package: 'widgets', tag: 'beta' })
    /// ```
    #[napi(
        ts_args_type = "options: RemoveDistTagOptions & CommonOptions",
        ts_return_type = "Promise<DistTagResult>"
    )]
    pub fn remove_dist_tag<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &disttag::REMOVE_DIST_TAG, options)
    }

    /// `publishHistory` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// const { versions } = await client.publishHistory({ package: 'widgets', checkTrust: true })
    /// ```
    #[napi(
        ts_args_type = "options?: PublishHistoryOptions & Omit<CommonOptions, 'dryRun'>",
        ts_return_type = "Promise<PublishHistory>"
    )]
    pub fn publish_history<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        api::call(&self.engine, env, &history::PUBLISH_HISTORY, options)
    }
}
