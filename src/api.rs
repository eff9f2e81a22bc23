//! JS exports for the registry API beyond trust: package access, orgs, teams, tokens, staged
//! publishing, search and audit. Every one runs a row of the core's endpoint table (`trust_core::api`) through
//! [`call`]: the row's options are read by its input table, the common options over the
//! client's defaults, and the answer comes back as the row decoded it.

use std::collections::{BTreeMap, HashMap};

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::TrustClient;
use crate::engine::{spawn, Budget, Defaults, Engine};
use crate::operation::operation;
use crate::options::Options;
use crate::to_js::{to_js, Js};
use trust_core::api::{
    self, access, audit, org, search, stage, team, tokens, Endpoint, Given, Kind,
};
use trust_core::error::Result as CoreResult;

/// Runs `endpoint` on `engine` with the caller's options: its inputs, the common options (with
/// `package` only when it takes one, `dryRun` only when it changes something), nothing else.
pub fn call<'env>(
    engine: &Engine,
    env: &'env Env,
    endpoint: &'static Endpoint,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut given = BTreeMap::new();
    let call = Options::new(options, "options").and_then(|mut o| {
        given = inputs(&mut o, endpoint)?;
        let defaults = Defaults::read(&mut o)?;
        let package = match endpoint.takes_package() {
            true => o.string("package")?,
            false => None,
        };
        let dry_run = match endpoint.changes {
            true => o.boolean("dryRun")?.unwrap_or(false),
            false => false,
        };
        let mut call = engine.bare_call(env, &mut o, defaults, Budget::Whole)?;
        call.options.package = package;
        call.options.dry_run = dry_run;
        o.finish()?;
        Ok(call)
    });
    spawn(
        env,
        call,
        move |call| async move { api::execute(endpoint, given, &call).await },
        |env, result| to_js(env, &result),
    )
}

/// The row's options, read by kind (`package` is a common option).
fn inputs(o: &mut Options, endpoint: &Endpoint) -> CoreResult<BTreeMap<&'static str, Given>> {
    let mut given = BTreeMap::new();
    for input in endpoint.inputs {
        let name = input.option;
        let value = match input.kind {
            Kind::Package => continue,
            Kind::Org | Kind::Team | Kind::Text | Kind::Uuid | Kind::Choice { .. } => {
                o.string(name)?.map(Given::Text)
            }
            Kind::Flag => o.boolean(name)?.map(Given::Flag),
            Kind::Number { .. } => o.number(name)?.map(Given::Number),
            Kind::List => o.list(name)?.map(Given::List),
            Kind::Json => o.json(name)?.map(Given::Json),
        };
        if let Some(value) = value {
            given.insert(name, value);
        }
    }
    Ok(given)
}

/// What to change of a package's access: any of these, sent in one request (`package`, else the
/// name in the package.json of `cwd`'s project).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct PackageAccessSettings {
    /// `public`, or `private` (`restricted` on the wire; scoped packages only).
    #[napi(ts_type = "'public' | 'private'")]
    pub visibility: Option<String>,
    /// Publishing needs two-factor authentication (`npm access set mfa=publish`); `false` is
    /// `mfa=none`.
    pub publish_requires_tfa: Option<bool>,
    /// With `publishRequiresTfa`, automation and granular tokens may still publish without 2FA
    /// (`mfa=automation`).
    pub automation_token_overrides_tfa: Option<bool>,
}

/// A package's visibility, as `npm access get status` shows it.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct PackageAccess {
    pub package: String,
    #[napi(ts_type = "'public' | 'private'")]
    pub visibility: String,
}

/// What a call that changes something sent (or, in a dry run, would send).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ChangeResult {
    pub dry_run: bool,
    pub request: crate::trust::PlannedRequest,
}

/// Whose packages to list.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct ListPackagesOptions {
    /// A user, an org (`acme`) or a team (`acme:developers`), as `npm access list packages`
    /// takes it. Default: the user the token belongs to.
    pub owner: Option<String>,
}

/// A team's grant on a package.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct GrantAccessOptions {
    /// The team, as `org:team` (`@acme:developers`).
    pub team: String,
    #[napi(ts_type = "'read-only' | 'read-write'")]
    pub permissions: String,
}

/// A team, as npm names it.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct TeamOption {
    /// `org:team`, with or without the org's `@`: `@acme:developers`.
    pub team: String,
}

/// Who you are logged in as.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Whoami {
    pub username: String,
}

/// An org.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct OrgOption {
    /// The org's name, with or without `@`: `acme`.
    pub org: String,
}

/// A user's membership in an org.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct OrgMemberOptions {
    /// The org's name, with or without `@`.
    pub org: String,
    /// The user name (a leading `@` is dropped, as npm does).
    pub user: String,
    /// Default: `developer`, as `npm org set`.
    #[napi(ts_type = "'developer' | 'admin' | 'owner'")]
    pub role: Option<String>,
}

/// A user in an org.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct OrgUserOptions {
    pub org: String,
    pub user: String,
}

/// The org of a membership.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct OrgSummary {
    pub name: Option<String>,
    /// How many members the org has now.
    pub size: Option<f64>,
}

/// A membership, as the registry answers `setOrgMember`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct OrgMembership {
    pub org: Option<OrgSummary>,
    pub user: Option<String>,
    pub role: Option<String>,
}

/// The result of `setOrgMember`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SetOrgMemberResult {
    pub dry_run: bool,
    pub request: crate::trust::PlannedRequest,
    /// What the registry stored; absent in a dry run.
    pub membership: Option<OrgMembership>,
}

/// A team to create.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct CreateTeamOptions {
    /// `org:team`: `@acme:developers`.
    pub team: String,
    pub description: Option<String>,
}

/// A team as the registry answers its creation.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct CreatedTeam {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The result of `createTeam`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct CreateTeamResult {
    pub dry_run: bool,
    pub request: crate::trust::PlannedRequest,
    /// Absent in a dry run.
    pub team: Option<CreatedTeam>,
}

/// A user in a team.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct TeamMemberOptions {
    /// `org:team`: `@acme:developers`.
    pub team: String,
    /// The user name; they must already be a member of the org.
    pub user: String,
}

/// An access token as `listTokens` shows it: never the whole token.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct AccessToken {
    /// The token's key: what `revokeToken` takes.
    pub key: String,
    /// The shortest start of `key` no other token shares (at least 6 characters), as `npm token
    /// list` shows it; `revokeToken` takes it too.
    pub id: String,
    /// The token redacted: `npm_aBcD…7890`.
    pub token: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub accessed: Option<String>,
    pub expires: Option<String>,
    pub readonly: Option<bool>,
    #[napi(js_name = "bypass2fa")]
    pub bypass2fa: Option<bool>,
    /// IPv4 ranges the token may be used from.
    pub cidr_whitelist: Option<Vec<String>>,
    /// Its permission on packages and scopes, when the registry says it.
    #[napi(ts_type = "'read-only' | 'read-write' | 'read-write-stage-only' | 'no-access'")]
    pub packages_and_scopes_permission: Option<String>,
    #[napi(ts_type = "'read-only' | 'read-write' | 'no-access'")]
    pub orgs_permission: Option<String>,
    /// What it can publish under the registry's rules on `asOf`: `direct` (publish), `stage`
    /// (only stage, for a maintainer to approve with 2FA: a stage-only token, or one that
    /// bypasses 2FA from January 2027), or `none` (read only).
    #[napi(ts_type = "'direct' | 'stage' | 'none'")]
    pub publish: String,
    /// Whether it can change trust, access, tokens and orgs (with 2FA): not a read-only token,
    /// nor one that bypasses 2FA since August 2026.
    pub manage: bool,
    /// For a token that bypasses 2FA and publishes directly: the day that stops
    /// (`2027-01-01`).
    pub direct_publish_ends: Option<String>,
    /// It publishes directly and bypasses 2FA, so publishing with it stops (or has stopped) in
    /// January 2027: move its job to trusted publishing or a stage-only token.
    pub at_risk: bool,
    /// The above in words.
    pub notes: Vec<String>,
}

/// Which day the token rules are applied on.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct ListTokensOptions {
    /// A date (`2027-01-15`, or an ISO 8601 date-time): what each token can do on that day.
    /// Default: today.
    pub as_of: Option<String>,
}

/// A token to create, with `npm token create`'s options.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct CreateTokenOptions {
    /// Your npm password: the registry asks for it to create a token.
    pub password: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Days until it expires.
    pub expires: Option<u32>,
    /// Packages it may access.
    pub packages: Option<Vec<String>>,
    /// It may access all your packages.
    pub packages_all: Option<bool>,
    /// Scopes whose packages it may access.
    pub scopes: Option<Vec<String>>,
    /// Orgs it may manage.
    pub orgs: Option<Vec<String>>,
    /// `read-write-stage-only`: it may stage versions, which a maintainer approves with 2FA
    /// (npm 12 suggests it over `read-write`, which publishes directly).
    #[napi(ts_type = "'read-only' | 'read-write' | 'read-write-stage-only' | 'no-access'")]
    pub packages_and_scopes_permission: Option<String>,
    #[napi(ts_type = "'read-only' | 'read-write' | 'no-access'")]
    pub orgs_permission: Option<String>,
    /// IPv4 ranges it may be used from: `['192.168.0.0/24']`.
    pub cidr: Option<Vec<String>>,
    /// It may publish without 2FA.
    #[napi(js_name = "bypass2fa")]
    pub bypass2fa: Option<bool>,
}

/// A token just created: the one time the whole token is there. Keep it secret.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct NewToken {
    /// The whole token.
    pub token: String,
    pub key: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub accessed: Option<String>,
    pub expires: Option<String>,
    pub readonly: Option<bool>,
    #[napi(js_name = "bypass2fa")]
    pub bypass2fa: Option<bool>,
    pub cidr_whitelist: Option<Vec<String>>,
    pub packages_and_scopes_permission: Option<String>,
    pub orgs_permission: Option<String>,
}

/// The result of `createToken`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct CreateTokenResult {
    pub dry_run: bool,
    /// The request sent; the password in its body shows `***`.
    pub request: crate::trust::PlannedRequest,
    /// The new token; absent in a dry run.
    pub new_token: Option<NewToken>,
    /// What `npm token create` warns (npm 12): a `read-write` token publishes directly, and
    /// those that bypass 2FA stop publishing in January 2027.
    pub warnings: Vec<String>,
}

/// Which token to revoke.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct RevokeTokenOptions {
    /// A token's `key`, its short `id` from `listTokens`, or the whole token.
    pub id: String,
}

/// The result of `revokeToken`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct RevokeTokenResult {
    pub dry_run: bool,
    pub request: crate::trust::PlannedRequest,
    /// The key revoked; absent when a whole token was given.
    pub key: Option<String>,
}

/// A package version waiting on the registry for a maintainer's review (`npm stage list`,
/// `npm stage view`).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct StagedPackage {
    /// The stage id, a UUID: what `viewStaged`, `approveStaged`, `rejectStaged` and
    /// `downloadStaged` take.
    pub id: String,
    pub package_name: String,
    pub version: String,
    /// The dist-tag the version gets once approved: `latest`, `next`...
    pub tag: Option<String>,
    /// When it was staged (ISO 8601).
    pub created_at: Option<String>,
    /// Who staged it: a user name, or what stands for a CI job's OIDC token.
    pub actor: Option<String>,
    /// What `actor` is: `user`, ...
    pub actor_type: Option<String>,
    /// `public` or `private`.
    pub access: Option<String>,
    /// The sha1 of its tarball, in hex.
    pub shasum: Option<String>,
}

/// Which staged versions to list.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct ListStagedOptions {
    /// Only this package's staged versions (a name, without a version). Default: every package
    /// you can see.
    pub package: Option<String>,
}

/// A staged version.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct StagedIdOption {
    /// Its stage id, a UUID (`listStaged` shows them). Anything else is refused before a
    /// request is made.
    pub id: String,
}

/// A staged version to download, and where to.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct DownloadStagedOptions {
    /// Its stage id, a UUID.
    pub id: String,
    /// The file to write, relative to `cwd`; a folder gets npm's file name in it. Default:
    /// npm's file name in `cwd`, `<name without @, / as ->-<version>-<id>.tgz`.
    pub file: Option<String>,
}

/// A staged tarball, downloaded and checked.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct DownloadedTarball {
    /// The file written.
    pub file: String,
    pub package: String,
    pub version: String,
    /// Its sha1 in hex, which matched the staged version's `shasum`.
    pub shasum: String,
    /// Its sha512 as a Subresource Integrity string (`sha512-...`).
    pub integrity: String,
}

/// A search, with the registry's paging and ranking weights.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct SearchOptions {
    /// Words to look for; qualifiers such as `keywords:cli` or `author:alice` work too.
    pub text: String,
    /// Results per page, 1 to 250. Default 20.
    pub size: Option<u32>,
    /// How many results to skip. Default 0.
    pub from: Option<u32>,
    /// Weight of quality in the ranking, 0 to 1. Default 0.65.
    pub quality: Option<f64>,
    /// Weight of popularity, 0 to 1. Default 0.98.
    pub popularity: Option<f64>,
    /// Weight of maintenance, 0 to 1. Default 0.5.
    pub maintenance: Option<f64>,
}

/// A person in search results.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SearchPerson {
    pub username: String,
    pub email: Option<String>,
}

/// A package in search results.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SearchPackage {
    pub name: String,
    pub scope: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub keywords: Option<Vec<String>>,
    pub date: Option<String>,
    pub license: Option<String>,
    /// `npm`, `homepage`, `repository`, `bugs`.
    pub links: Option<HashMap<String, String>>,
    pub publisher: Option<SearchPerson>,
    pub maintainers: Option<Vec<SearchPerson>>,
}

/// The scores of the three criteria, 0 to 1.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SearchScoreDetail {
    pub quality: Option<f64>,
    pub popularity: Option<f64>,
    pub maintenance: Option<f64>,
}

/// A result's ranking score.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SearchScore {
    pub r#final: Option<f64>,
    pub detail: Option<SearchScoreDetail>,
}

/// One search result.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SearchResult {
    pub package: SearchPackage,
    pub score: Option<SearchScore>,
    pub search_score: Option<f64>,
}

/// A page of search results.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SearchResults {
    pub objects: Vec<SearchResult>,
    /// How many results there are in all: page on with `from`.
    pub total: f64,
    pub time: Option<String>,
}

/// Which packages and versions to look up.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct AuditOptions {
    /// Package names and their versions: `{ lodash: ['4.17.20'], minimist: ['1.2.0'] }`.
    pub packages: HashMap<String, Vec<String>>,
}

/// A CVSS score.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Cvss {
    pub score: Option<f64>,
    pub vector_string: Option<String>,
}

/// A security advisory that affects a package.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Advisory {
    pub id: f64,
    pub url: Option<String>,
    pub title: Option<String>,
    /// `low`, `moderate`, `high`, `critical`.
    pub severity: Option<String>,
    /// The semver range affected: `<4.17.21`.
    pub vulnerable_versions: Option<String>,
    pub cwe: Option<Vec<String>>,
    pub cvss: Option<Cvss>,
}

/// One option of an endpoint, as `apiEndpoints()` lists it.
#[napi(object)]
pub struct ApiInput {
    pub option: String,
    /// `package`, `org`, `team`, `text`, `uuid`, `choice`, `flag`, `number`, `list` or `json`.
    pub r#type: String,
    pub required: bool,
    /// The words a `choice` takes.
    pub choices: Option<Vec<String>>,
}

/// A request an endpoint's call sends.
#[napi(object)]
pub struct ApiRoute {
    pub method: String,
    /// Relative to the registry URL, with placeholders: `-/team/{org}/{team}/package`.
    pub path: String,
}

/// A registry endpoint of the API table: the method of `TrustClient` that calls it, and how.
#[napi(object)]
pub struct ApiEndpoint {
    /// The `TrustClient` method (and free function, where there is one).
    pub name: String,
    /// The npm command whose requests it makes (`npm-command`).
    pub command: String,
    pub method: String,
    pub path: String,
    pub inputs: Vec<ApiInput>,
    /// npm asks for a one-time password around it, and so does `onOtp`.
    pub otp: bool,
    /// It needs a token (`ENEEDAUTH` without one); otherwise a configured token is sent.
    pub auth_required: bool,
    /// It changes something: it takes `dryRun` and answers `{ dryRun, request }`.
    pub changes: bool,
    /// The other requests its call may send (a listing before a delete, a fallback).
    pub steps: Vec<ApiRoute>,
}

/// The registry endpoints of the API table (access, orgs, teams, tokens, staged publishing,
/// search, audit): each
/// one's method name, request, options and 2FA, as the library sends them.
///
/// @example
/// ```js
/// import { apiEndpoints } from 'trust-native'
/// for (const e of apiEndpoints()) console.log(e.name, e.method, e.path, e.otp ? '(2FA)' : '')
/// ```
#[napi]
pub fn api_endpoints() -> Vec<ApiEndpoint> {
    let route = |e: &Endpoint| ApiRoute {
        method: e.method.to_string(),
        path: e.path.to_string(),
    };
    api::ENDPOINTS
        .iter()
        .map(|e| ApiEndpoint {
            name: e.name.into(),
            command: e.command.into(),
            method: e.method.to_string(),
            path: e.path.into(),
            inputs: e
                .inputs
                .iter()
                .map(|i| {
                    let described = serde_json::to_value(i).unwrap_or_default();
                    ApiInput {
                        option: i.option.into(),
                        r#type: described["type"].as_str().unwrap_or_default().into(),
                        required: i.required,
                        choices: match i.kind {
                            Kind::Choice { choices } => {
                                Some(choices.iter().map(|c| c.to_string()).collect())
                            }
                            _ => None,
                        },
                    }
                })
                .collect(),
            otp: e.otp,
            auth_required: e.auth == api::Auth::Required,
            changes: e.changes,
            steps: e.steps.iter().map(|s| route(s)).collect(),
        })
        .collect()
}

operation! {
    #[doc = " A package's visibility (`npm access get status`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { getPackageAccess } from 'trust-native'"]
    #[doc = " const { visibility } = await getPackageAccess({ package: '@acme/widgets' })"]
    #[doc = " ```"]
    fn get_package_access(options): "options?: Omit<CommonOptions, 'dryRun'>" -> "Promise<PackageAccess>" = |engine, env| call(
            engine,
            env,
            &access::GET_PACKAGE_ACCESS,
            options,
        )
}

operation! {
    #[doc = " Sets a package's visibility and its 2FA requirement for publishing: the requests of `npm"]
    #[doc = " access set status=public|private` and `npm access set mfa=none|publish|automation` (one"]
    #[doc = " request with everything given)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { setPackageAccess } from 'trust-native'"]
    #[doc = " // npm access set mfa=publish"]
    #[doc = " await setPackageAccess({ package: '@acme/widgets', publishRequiresTfa: true, automationTokenOverridesTfa: false, otp })"]
    #[doc = " ```"]
    fn set_package_access(options): "options: PackageAccessSettings & CommonOptions" -> "Promise<ChangeResult>" = |engine, env| call(
            engine,
            env,
            &access::SET_PACKAGE_ACCESS,
            options,
        )
}

/// What `lockDownPackage` did.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct LockdownResult {
    pub package: String,
    /// `locked` (publishing now needs 2FA, and tokens may not publish), `planned` (a dry run),
    /// or `skipped`: the package has no trusted publisher, so it was left as it is.
    #[napi(ts_type = "'locked' | 'planned' | 'skipped'")]
    pub status: String,
    /// The package's trusted publishers: how it will be published from now on.
    pub publishers: Vec<crate::trust::Publisher>,
    pub dry_run: Option<bool>,
    /// The `npm access set mfa=publish` request sent (in a dry run: that would be sent).
    pub request: Option<crate::trust::PlannedRequest>,
}

operation! {
    #[doc = " The last step of moving a package to trusted publishing: once it has a trusted publisher,"]
    #[doc = " requires 2FA and disallows tokens for publishing (the request of `npm access set"]
    #[doc = " mfa=publish`). A package without one is left alone (`skipped`): with tokens disallowed,"]
    #[doc = " nothing could publish it."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { lockDownPackage } from 'trust-native'"]
    #[doc = " const { status, publishers } = await lockDownPackage({ package: '@acme/widgets', otp: process.env.NPM_OTP })"]
    #[doc = " console.log(status, publishers.map((p) => p.type))"]
    #[doc = " ```"]
    fn lock_down_package(options): "options?: CommonOptions" -> "Promise<LockdownResult>" = |engine, env| call(engine, env, &access::LOCK_DOWN, options)
}

operation! {
    #[doc = " The users with access to a package and their permissions, `read-only` or `read-write`"]
    #[doc = " (`npm access list collaborators`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listCollaborators } from 'trust-native'"]
    #[doc = " const collaborators = await listCollaborators({ package: 'widgets' })"]
    #[doc = " for (const [user, permission] of Object.entries(collaborators)) console.log(user, permission)"]
    #[doc = " ```"]
    fn list_collaborators(options): "options?: Omit<CommonOptions, 'dryRun'>" -> "Promise<Record<string, string>>" = |engine, env| call(
            engine,
            env,
            &access::LIST_COLLABORATORS,
            options,
        )
}

operation! {
    #[doc = " The packages a user, org or team has access to, and with which permission (`npm access list"]
    #[doc = " packages`). An owner without `:` is looked up as an org, then as a user, as npm does."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listPackages } from 'trust-native'"]
    #[doc = " const mine = await listPackages()"]
    #[doc = " const team = await listPackages({ owner: 'acme:developers' })"]
    #[doc = " ```"]
    fn list_packages(options): "options?: ListPackagesOptions & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Record<string, string>>" = |engine, env| call(engine, env, &access::LIST_PACKAGES, options)
}

operation! {
    #[doc = " Gives a team access to a package (`npm access grant`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { grantAccess } from 'trust-native'"]
    #[doc = " await grantAccess({ team: '@acme:developers', package: '@acme/widgets', permissions: 'read-write', otp })"]
    #[doc = " ```"]
    fn grant_access(options): "options: GrantAccessOptions & CommonOptions" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &access::GRANT_ACCESS, options)
}

operation! {
    #[doc = " Takes a team's access to a package away (`npm access revoke`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { revokeAccess } from 'trust-native'"]
    #[doc = " await revokeAccess({ team: '@acme:contractors', package: '@acme/widgets', otp })"]
    #[doc = " ```"]
    fn revoke_access(options): "options: TeamOption & CommonOptions" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &access::REVOKE_ACCESS, options)
}

operation! {
    #[doc = " Your access tokens, redacted (`npm token list`): every page, each with the short `id` npm"]
    #[doc = " shows, and what it can still do under the registry's rules (`publish`, `manage`, `atRisk`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listTokens } from 'trust-native'"]
    #[doc = " for (const t of await listTokens()) console.log(t.id, t.token, t.name, t.publish, t.notes)"]
    #[doc = " const stopping = (await listTokens({ asOf: '2027-01-01' })).filter((t) => t.atRisk)"]
    #[doc = " ```"]
    fn list_tokens(options): "options?: ListTokensOptions & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Array<AccessToken>>" = |engine, env| call(engine, env, &tokens::LIST_TOKENS, options)
}

operation! {
    #[doc = " Creates an access token (`npm token create`). The registry always asks for a one-time"]
    #[doc = " password here. The result holds the whole token: keep it secret."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { createToken } from 'trust-native'"]
    #[doc = " const { newToken } = await createToken({"]
    #[doc = "   password: process.env.NPM_PASSWORD ?? '',"]
    #[doc = "   name: 'ci-read',"]
    #[doc = "   packagesAndScopesPermission: 'read-only',"]
    #[doc = "   scopes: ['@acme'],"]
    #[doc = "   expires: 30,"]
    #[doc = "   otp,"]
    #[doc = " })"]
    #[doc = " ```"]
    fn create_token(options): "options: CreateTokenOptions & Omit<CommonOptions, 'package'>" -> "Promise<CreateTokenResult>" = |engine, env| call(engine, env, &tokens::CREATE_TOKEN, options)
}

operation! {
    #[doc = " Revokes an access token (`npm token revoke`): by key, by the short id `listTokens` shows, or"]
    #[doc = " by the token itself."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listTokens, revokeToken } from 'trust-native'"]
    #[doc = " const stale = (await listTokens()).filter((t) => t.name === 'old-ci')"]
    #[doc = " for (const t of stale) await revokeToken({ id: t.key, otp })"]
    #[doc = " ```"]
    fn revoke_token(options): "options: RevokeTokenOptions & Omit<CommonOptions, 'package'>" -> "Promise<RevokeTokenResult>" = |engine, env| call(engine, env, &tokens::REVOKE_TOKEN, options)
}

operation! {
    #[doc = " Every package version staged for your review (`npm stage list`), newest first: all pages."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listStaged } from 'trust-native'"]
    #[doc = " for (const s of await listStaged({ package: '@acme/widgets' })) {"]
    #[doc = "   console.log(s.id, `${s.packageName}@${s.version}`, s.tag, s.createdAt)"]
    #[doc = " }"]
    #[doc = " ```"]
    fn list_staged(options): "options?: ListStagedOptions & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Array<StagedPackage>>" = |engine, env| call(engine, env, &stage::LIST_STAGED, options)
}

operation! {
    #[doc = " One staged package version (`npm stage view`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { viewStaged } from 'trust-native'"]
    #[doc = " const staged = await viewStaged({ id: '1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f' })"]
    #[doc = " console.log(`${staged.packageName}@${staged.version} staged by ${staged.actor}`)"]
    #[doc = " ```"]
    fn view_staged(options): "options: StagedIdOption & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<StagedPackage>" = |engine, env| call(engine, env, &stage::VIEW_STAGED, options)
}

operation! {
    #[doc = " Approves a staged package version, which publishes it (`npm stage approve`). Accounts with"]
    #[doc = " 2FA need a one-time password: `otp`, or `onOtp` to be asked. An OTP obtained by asking is"]
    #[doc = " reused by the next calls (of the same client, or of these free functions) while the"]
    #[doc = " registry accepts it, so approving many versions asks once."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listStaged, approveStaged } from 'trust-native'"]
    #[doc = " const onOtp = async () => process.env.NPM_OTP"]
    #[doc = " for (const s of await listStaged({ package: '@acme/widgets' })) await approveStaged({ id: s.id, onOtp })"]
    #[doc = " ```"]
    fn approve_staged(options): "options: StagedIdOption & Omit<CommonOptions, 'package'>" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &stage::APPROVE_STAGED, options)
}

operation! {
    #[doc = " Rejects a staged package version: the registry deletes it and its tarball (`npm stage"]
    #[doc = " reject`). Needs 2FA as `approveStaged` does."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { rejectStaged } from 'trust-native'"]
    #[doc = " await rejectStaged({ id: '1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f', otp })"]
    #[doc = " ```"]
    fn reject_staged(options): "options: StagedIdOption & Omit<CommonOptions, 'package'>" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &stage::REJECT_STAGED, options)
}

operation! {
    #[doc = " Downloads a staged version's tarball for inspection (`npm stage download`): looks up the"]
    #[doc = " staged version, fetches its tarball, checks that its sha1 is the version's `shasum` and that"]
    #[doc = " it is a gzipped tar whose `package/package.json` is that package and version"]
    #[doc = " (`EINTEGRITY` otherwise, and nothing is written), then writes it whole to `file`."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { downloadStaged } from 'trust-native'"]
    #[doc = " const { file, integrity } = await downloadStaged({ id: '1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f', file: 'review.tgz' })"]
    #[doc = " console.log(`${file} ${integrity}`)"]
    #[doc = " ```"]
    fn download_staged(options): "options: DownloadStagedOptions & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<DownloadedTarball>" = |engine, env| call(engine, env, &stage::DOWNLOAD_STAGED, options)
}

operation! {
    #[doc = " Searches the registry (`npm search`): one page of `size` results from `from`, with"]
    #[doc = " `total` to page on."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { search } from 'trust-native'"]
    #[doc = " const page = await search({ text: 'keywords:oidc', size: 50 })"]
    #[doc = " console.log(page.total, page.objects.map((o) => o.package.name))"]
    #[doc = " ```"]
    fn search(options): "options: SearchOptions & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<SearchResults>" = |engine, env| call(engine, env, &search::SEARCH, options)
}

operation! {
    #[doc = " The security advisories that affect these packages and versions: the bulk request `npm"]
    #[doc = " audit` sends. Packages without advisories are left out of the answer."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { audit } from 'trust-native'"]
    #[doc = " const advisories = await audit({ packages: { lodash: ['4.17.20'], minimist: ['1.2.0', '1.2.6'] } })"]
    #[doc = " for (const [name, list] of Object.entries(advisories)) {"]
    #[doc = "   for (const a of list) console.log(name, a.severity, a.title, a.vulnerableVersions)"]
    #[doc = " }"]
    #[doc = " ```"]
    fn audit(options): "options: AuditOptions & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Record<string, Array<Advisory>>>" = |engine, env| call(engine, env, &audit::AUDIT, options)
}
operation! {
    #[doc = " The user the token belongs to (`npm whoami`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " const { username } = await client.whoami()"]
    #[doc = " ```"]
    client fn whoami(options): "options?: Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Whoami>" = |engine, env| call(engine, env, &access::WHOAMI, options)
}

operation! {
    #[doc = " The members of an org and their roles, `owner`, `admin` or `developer` (`npm org ls`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " const members = await client.listOrgMembers({ org: 'acme' })"]
    #[doc = " const owners = Object.keys(members).filter((user) => members[user] === 'owner')"]
    #[doc = " ```"]
    client fn list_org_members(options): "options: OrgOption & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Record<string, string>>" = |engine, env| call(engine, env, &org::LIST_ORG_MEMBERS, options)
}

operation! {
    #[doc = " Adds a user to an org (the registry invites them) or changes their role (`npm org set`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " const { membership } = await client.setOrgMember({ org: 'acme', user: 'bob', role: 'admin' })"]
    #[doc = " console.log(membership?.org?.size)"]
    #[doc = " ```"]
    client fn set_org_member(options): "options: OrgMemberOptions & Omit<CommonOptions, 'package'>" -> "Promise<SetOrgMemberResult>" = |engine, env| call(engine, env, &org::SET_ORG_MEMBER, options)
}

operation! {
    #[doc = " Removes a user from an org (`npm org rm`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " await client.removeOrgMember({ org: 'acme', user: 'bob' })"]
    #[doc = " ```"]
    client fn remove_org_member(options): "options: OrgUserOptions & Omit<CommonOptions, 'package'>" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &org::REMOVE_ORG_MEMBER, options)
}

operation! {
    #[doc = " The teams of an org, as `org:team` (`npm team ls <org>`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " const teams = await client.listTeams({ org: 'acme' })"]
    #[doc = " ```"]
    client fn list_teams(options): "options: OrgOption & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Array<string>>" = |engine, env| call(engine, env, &team::LIST_TEAMS, options)
}

operation! {
    #[doc = " Creates a team in an org (`npm team create`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " await client.createTeam({ team: '@acme:release', description: 'Approves staged releases' })"]
    #[doc = " ```"]
    client fn create_team(options): "options: CreateTeamOptions & Omit<CommonOptions, 'package'>" -> "Promise<CreateTeamResult>" = |engine, env| call(engine, env, &team::CREATE_TEAM, options)
}

operation! {
    #[doc = " Deletes a team (`npm team destroy`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " await client.destroyTeam({ team: '@acme:contractors' })"]
    #[doc = " ```"]
    client fn destroy_team(options): "options: TeamOption & Omit<CommonOptions, 'package'>" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &team::DESTROY_TEAM, options)
}

operation! {
    #[doc = " The members of a team (`npm team ls <org:team>`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " const members = await client.listTeamMembers({ team: '@acme:release' })"]
    #[doc = " ```"]
    client fn list_team_members(options): "options: TeamOption & Omit<CommonOptions, 'package' | 'dryRun'>" -> "Promise<Array<string>>" = |engine, env| call(engine, env, &team::LIST_TEAM_MEMBERS, options)
}

operation! {
    #[doc = " Adds a member of the org to a team (`npm team add`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " await client.addTeamMember({ team: '@acme:release', user: 'bob' })"]
    #[doc = " ```"]
    client fn add_team_member(options): "options: TeamMemberOptions & Omit<CommonOptions, 'package'>" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &team::ADD_TEAM_MEMBER, options)
}

operation! {
    #[doc = " Removes a user from a team (`npm team rm`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " await client.removeTeamMember({ team: '@acme:release', user: 'bob' })"]
    #[doc = " ```"]
    client fn remove_team_member(options): "options: TeamMemberOptions & Omit<CommonOptions, 'package'>" -> "Promise<ChangeResult>" = |engine, env| call(engine, env, &team::REMOVE_TEAM_MEMBER, options)
}
