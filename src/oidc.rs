//! JS exports for OIDC in CI: id_tokens, the npm exchange, PyPI minting, and diagnosis.

use std::collections::HashMap;
use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi::ValueType;
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

use crate::client::TrustClient;
use crate::engine::{guarded, spawn, Budget, Defaults, Engine};
use crate::errors::js_error;
use crate::operation::operation;
use crate::options::{string_argument, to_json, Options};
use crate::to_js::{to_js, Js};
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::oidc::diagnose::{self, AnyPublisher, Expectation, Failure, PypiPublisher};
use trust_core::oidc::exchange::{self, ExchangeOptions, NpmrcTarget};
use trust_core::oidc::pypi::{self, PypiOptions};
use trust_core::oidc::{self as core_oidc, jwt, IdTokenOptions};
use trust_core::trust::Publisher;

/// Which id_token to get.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct IdTokenRequest {
    /// The audience the token is for. Default `'npm:registry.npmjs.org'`; PyPI's is `'pypi'`.
    pub audience: Option<String>,
    /// Read the token from this environment variable (a GitLab `id_tokens:` name).
    pub variable: Option<String>,
    /// Time to wait for the CI provider, in milliseconds. Default: 30000.
    pub timeout_ms: Option<u32>,
    /// Aborts the call: it rejects with `EABORTED`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<()>,
}

/// An id_token and what it says.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct IdToken {
    /// The JWT. A secret: pass it on, never log it.
    pub token: String,
    /// The CI provider that issued it: `github`, `gitlab`, `circleci`, `google`, ...
    pub provider: Option<String>,
    /// Where it came from: `$NPM_ID_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_URL`, ...
    pub source: String,
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Value,
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Value,
    /// Expiry, Unix seconds.
    pub expires_at: Option<i64>,
}

/// A JWT's header and claims, unverified.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct DecodedIdToken {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Value,
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Value,
}

/// Options of `exchangeToken`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct ExchangeTokenOptions {
    /// The package to publish. Default: `name` from the package.json of `cwd`'s project.
    pub package: Option<String>,
    /// Registry URL. Default: npm's configuration for the package, else the public registry.
    pub registry: Option<String>,
    /// An id_token to exchange. Default: one from the CI provider, for `npm:<registry host>`.
    pub id_token: Option<String>,
    /// Directory for package.json and .npmrc. Default: `process.cwd()`.
    pub cwd: Option<String>,
    /// Write the token into an .npmrc for other package managers: `true` for your user .npmrc
    /// (`npm_config_userconfig`, else `~/.npmrc`), where `npm login` writes tokens, outside the
    /// checkout; or a path. An existing `_authToken` line for the registry is replaced; every
    /// other line and byte is kept (CRLF line ends too), and the line goes before the first
    /// `[section]`. The file is replaced atomically under a lock, so concurrent calls keep each
    /// other's lines, and ends up readable by its owner only (`0600`), whatever its mode was. A
    /// link is followed to an existing file; a link to nothing is refused. The file is checked
    /// before the exchange, so a token is never minted for a file it cannot be written to.
    #[napi(ts_type = "boolean | string")]
    pub write_npmrc: Option<Value>,
    /// Total time for the call (id_token request and exchange), in milliseconds. Default 30000.
    pub timeout_ms: Option<u32>,
    /// Aborts the call: it rejects with `EABORTED`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<()>,
}

/// An .npmrc that was written.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct WrittenNpmrc {
    pub path: String,
    /// The key written, e.g. `//registry.npmjs.org/:_authToken`.
    pub key: String,
    /// How many lines for the same registry were replaced.
    pub replaced: u32,
}

/// A short-lived npm token for one package.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ExchangedToken {
    /// The npm token (a secret), valid for publishing `package` for about an hour.
    pub token: String,
    pub token_type: Option<String>,
    pub created: Option<String>,
    pub expires: Option<String>,
    pub package: String,
    pub registry: String,
    /// Where the id_token came from.
    pub id_token_source: String,
    /// The .npmrc written, when `writeNpmrc` asked for it.
    pub npmrc: Option<WrittenNpmrc>,
    /// Variables that hand the token to package managers reading the environment:
    /// `NODE_AUTH_TOKEN`, `NPM_TOKEN`, `YARN_NPM_AUTH_TOKEN`, `npm_config_//host/:_authToken`.
    pub env: HashMap<String, String>,
    pub warnings: Vec<String>,
}

/// Options of `mintPypiToken`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct MintPypiTokenOptions {
    /// Upload URL. Default `'https://upload.pypi.org/legacy/'`; TestPyPI is
    /// `'https://test.pypi.org/legacy/'`.
    pub repository_url: Option<String>,
    /// An id_token for the index's audience. Default: one from the CI provider.
    pub id_token: Option<String>,
    /// The audience of the index's id_tokens, when it uses one of its own (a private
    /// Warehouse's). Default: `'pypi'` for pypi.org, `'testpypi'` for test.pypi.org, and the
    /// host name for any other index (e.g. `'pypi.corp.example'`). The index must ask for
    /// exactly this one, else `EOIDCAUDIENCE`: an id_token for another audience (an npm
    /// publish, a cloud role, pypi.org's own) could be used elsewhere. pypi.org's and
    /// test.pypi.org's audiences are never sent to another index.
    pub audience: Option<String>,
    pub timeout_ms: Option<u32>,
    /// Aborts the call: it rejects with `EABORTED`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<()>,
}

/// A short-lived PyPI upload token.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct PypiToken {
    /// The upload token (a secret): twine's password, with user `__token__`.
    pub token: String,
    /// Expiry, Unix seconds.
    pub expires: Option<i64>,
    pub audience: String,
    /// The index, e.g. `https://pypi.org/`.
    pub index: String,
}

/// A PyPI trusted publisher, as configured on the project's Publishing page.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `PypiPublisher` reads the value.
pub struct PypiPublisherSpec {
    /// `github` (`repository` owner/repo, `workflow` file name, `environment?`), `gitlab`
    /// (`project` namespace/project, `workflow` pipeline path, `environment?`), `google`
    /// (`email`, `subject?`), `activestate` (`organization`, `project`, `actor`).
    #[napi(ts_type = "'github' | 'gitlab' | 'google' | 'activestate'")]
    pub r#type: String,
    pub repository: Option<String>,
    pub project: Option<String>,
    pub workflow: Option<String>,
    pub environment: Option<String>,
    pub email: Option<String>,
    pub subject: Option<String>,
    pub organization: Option<String>,
    pub actor: Option<String>,
}

/// What to compare.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct DiagnoseInput {
    /// The id_token's claims (`getIdToken().claims`, `decodeIdToken(jwt).claims`, or an
    /// exchange error's `claims`).
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Value,
    /// npm configurations (as `listPublishers` returns them) or PyPI publishers.
    #[napi(ts_type = "Array<Publisher | PypiPublisherSpec>")]
    pub publishers: Vec<Value>,
    /// The audience the registry expects, e.g. `'npm:registry.npmjs.org'`; unchecked if absent.
    pub audience: Option<String>,
    /// The permission the publish needs. Default `'createPackage'`.
    pub permission: Option<String>,
}

/// One difference between a token and a configuration, or a problem with the token itself.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Finding {
    /// The configuration's id (npm) or index (PyPI); absent for the token's own problems.
    pub publisher: Option<String>,
    /// `provider`, `repository`, `file`, `environment`, `project`, `orgId`, ..., `audience`,
    /// `expired`, `permission`, `runner`, `issuer`, `none` (the package has no publisher), or
    /// `publishers` (none of several matches: which ones exist, and which is the closest).
    pub kind: String,
    #[napi(ts_type = "'error' | 'warning'")]
    pub severity: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// What is wrong and what to do, in words.
    pub message: String,
}

/// The result of comparing a token with trusted publishers.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Diagnosis {
    /// A configuration matches and nothing about the token stops the exchange.
    pub ok: bool,
    /// The matching configuration's id (npm) or index (PyPI).
    pub matched: Option<String>,
    /// When none matches: the closest configuration's id (npm) or index (PyPI), the one whose
    /// differences `findings` names (of the token's provider, then of the job's workflow, then
    /// with the fewest differences); a `publishers` finding names the others.
    pub closest: Option<String>,
    /// The CI provider the token is from.
    pub provider: Option<String>,
    pub findings: Vec<Finding>,
    /// The npm configuration this token would match (`type` plus `add*Publisher` options).
    #[napi(ts_type = "Record<string, unknown>")]
    pub suggestion: Option<Value>,
}

/// An exchange failure explained.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Explanation {
    /// What went wrong and what to do.
    pub summary: String,
    /// The comparison, when `publishers` were given.
    pub diagnosis: Option<Diagnosis>,
}

/// Options of `explainExchangeFailure`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct ExplainOptions {
    /// The package's configurations, from `listPublishers` (or PyPI publishers).
    #[napi(ts_type = "Array<Publisher | PypiPublisherSpec>")]
    pub publishers: Option<Vec<Value>>,
}

/// npm configurations have `claims`; PyPI publishers are `{ type, ... }` without.
fn publishers(listed: Option<&Value>) -> CoreResult<Vec<AnyPublisher>> {
    let values = match listed {
        None => &[][..],
        Some(Value::Array(values)) => values.as_slice(),
        Some(_) => {
            return Err(CoreError::invalid_input(
                "publishers",
                "`publishers` must be an array.",
            ))
        }
    };
    values
        .iter()
        .map(|value| {
            if value.get("claims").is_some() {
                Publisher::from_registry(value)
                    .map(AnyPublisher::Npm)
                    .ok_or_else(|| {
                        CoreError::invalid_input(
                            "publishers",
                            "An npm publisher needs `type` and `claims`",
                        )
                    })
            } else {
                let invalid = |e: String| {
                    CoreError::invalid_input("publishers", format!("Invalid PyPI publisher: {e}"))
                };
                PypiPublisher::deserialize(value)
                    .map(AnyPublisher::Pypi)
                    .map_err(|e| invalid(e.to_string()))
            }
        })
        .collect()
}

/// Reads `timeoutMs` (and nothing else of the client's options) as the defaults of a call.
fn timeout_only(o: &mut Options) -> CoreResult<Defaults> {
    Ok(Defaults {
        timeout_ms: o.count("timeoutMs")?,
        ..Defaults::default()
    })
}

fn get_id_token_with<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut request = IdTokenOptions::default();
    let call = Options::new(options, "options").and_then(|mut o| {
        request.audience = o.string("audience")?;
        request.variable = o.string("variable")?;
        let given = timeout_only(&mut o)?;
        let call = engine.bare_call(env, &mut o, given, Budget::Whole)?;
        o.finish()?;
        request.env = call.options.env.clone();
        request.context = engine.context();
        Ok(call)
    });
    spawn(
        env,
        call,
        |_| async move { core_oidc::get_id_token(request).await },
        |env, token| to_js(env, &token),
    )
}

fn exchange_token_with<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut id_token = None;
    let mut write_npmrc = None;
    let call = Options::new(options, "options").and_then(|mut o| {
        let package = o.string("package")?;
        id_token = o.string("idToken")?;
        write_npmrc = match o.raw("writeNpmrc")? {
            None => None,
            Some(value) => Some(npmrc_target(value)?),
        }
        .flatten();
        let given = Defaults {
            registry: o.string("registry")?,
            cwd: o.string("cwd")?.map(PathBuf::from),
            ..timeout_only(&mut o)?
        };
        let mut call = engine.bare_call(env, &mut o, given, Budget::Whole)?;
        o.finish()?;
        call.options.package = package;
        call.options.token = None;
        call.options.otp = None;
        Ok(call)
    });
    spawn(
        env,
        call,
        |call| async move {
            exchange::exchange_token(ExchangeOptions {
                call,
                id_token,
                write_npmrc,
                command: None,
            })
            .await
        },
        |env, token| to_js(env, &token),
    )
}

/// `writeNpmrc`: `true` for the user's .npmrc, a path, or `false`.
fn npmrc_target(value: Unknown) -> CoreResult<Option<NpmrcTarget>> {
    let wrong =
        || CoreError::invalid_input("writeNpmrc", "Option `writeNpmrc` must be true or a path.");
    match value.get_type() {
        // SAFETY: each cast follows its type check.
        Ok(ValueType::Boolean) => Ok(unsafe { value.cast::<bool>() }
            .map_err(|_| wrong())?
            .then_some(NpmrcTarget::User)),
        Ok(ValueType::String) => Ok(Some(NpmrcTarget::Path(PathBuf::from(
            unsafe { value.cast::<String>() }.map_err(|_| wrong())?,
        )))),
        _ => Err(wrong()),
    }
}

fn mint_pypi_token_with<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut pypi = PypiOptions::default();
    let call = Options::new(options, "options").and_then(|mut o| {
        pypi.repository_url = o.string("repositoryUrl")?;
        pypi.id_token = o.string("idToken")?;
        pypi.audience = o.string("audience")?;
        let given = timeout_only(&mut o)?;
        let call = engine.bare_call(env, &mut o, given, Budget::Whole)?;
        o.finish()?;
        pypi.env = call.options.env.clone();
        pypi.timeout = call.options.policy.timeout;
        pypi.context = engine.context();
        Ok(call)
    });
    spawn(
        env,
        call,
        |_| async move { pypi::mint_pypi_token(pypi).await },
        |env, token| to_js(env, &token),
    )
}

operation! {
    #[doc = " The CI provider's OIDC id_token: `NPM_ID_TOKEN` (or `variable`), GitHub Actions' request URL,"]
    #[doc = " Google Cloud's metadata server, `buildkite-agent`, or the `circleci` CLI. Rejects with a code"]
    #[doc = " that says why none can be had: `EOIDCNOTCI` outside CI, `EOIDCPERMISSION` when the job is not"]
    #[doc = " set up for it (the message says what to add), `EOIDCAUDIENCE`, `EOIDCEXPIRED`."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { getIdToken } from 'trust-native'"]
    #[doc = " const { provider, claims, expiresAt } = await getIdToken({ audience: 'npm:registry.npmjs.org' })"]
    #[doc = " console.log(provider, claims.repository, claims.workflow_ref, expiresAt) // expiresAt: Unix seconds"]
    #[doc = " ```"]
    fn get_id_token(options): "options?: IdTokenRequest" -> "Promise<IdToken>" = |engine, env| get_id_token_with(engine, env, options)
}

/// A JWT's header and claims, without verifying it: for diagnosis and logs (the claims are not
/// secret; the token is). Throws `EINVALIDINPUT` if it is not a JWT.
///
/// @example
/// ```js
/// import { decodeIdToken } from 'trust-native'
/// const { claims } = decodeIdToken(process.env.NPM_ID_TOKEN ?? '')
/// console.log(claims.aud, claims.project_path, claims.ci_config_ref_uri)
/// ```
#[napi(ts_args_type = "jwt: string", ts_return_type = "DecodedIdToken")]
pub fn decode_id_token(env: &Env, jwt: Option<Unknown>) -> napi::Result<Js> {
    let decode =
        || string_argument(jwt, "jwt").and_then(|jwt| jwt::decode(&jwt.unwrap_or_default()));
    let decoded = guarded(decode, Err).map_err(|e| js_error(env, e))?;
    to_js(env, &decoded)
}

operation! {
    #[doc = " Exchanges the CI's id_token for a short-lived npm token for one package, as `npm publish`"]
    #[doc = " does, but rejects with the reason when it fails (npm stays silent): `EOIDCEXCHANGE` carries"]
    #[doc = " the registry's message, the token's `claims` and what they must match. With `writeNpmrc`, the"]
    #[doc = " token is written where npm, pnpm, yarn 1 and bun read it; `env` has it for the others."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { exchangeToken } from 'trust-native'"]
    #[doc = " const { expires, npmrc } = await exchangeToken({ writeNpmrc: true })"]
    #[doc = " // now `pnpm publish` / `npm publish` / `yarn npm publish` use the short-lived token"]
    #[doc = " ```"]
    fn exchange_token(options): "options?: ExchangeTokenOptions" -> "Promise<ExchangedToken>" = |engine, env| exchange_token_with(engine, env, options)
}

operation! {
    #[doc = " Mints a short-lived PyPI upload token through trusted publishing: asks the index for its"]
    #[doc = " audience, gets an id_token for it, and exchanges it. The audience must be the index's own"]
    #[doc = " (`audience`): anything else the index asks for rejects with `EOIDCAUDIENCE` before any"]
    #[doc = " id_token is sought. PyPI's refusals reject with"]
    #[doc = " `EOIDCEXCHANGE` and PyPI's own `errors: [{ code, description }]` (`invalid-publisher`,"]
    #[doc = " `invalid-reuse-token`, ...)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { mintPypiToken } from 'trust-native'"]
    #[doc = " const { token } = await mintPypiToken({ repositoryUrl: 'https://test.pypi.org/legacy/' })"]
    #[doc = " // twine upload --repository-url https://test.pypi.org/legacy/ -u __token__ -p \"$token\" dist/*"]
    #[doc = " ```"]
    fn mint_pypi_token(options): "options?: MintPypiTokenOptions" -> "Promise<PypiToken>" = |engine, env| mint_pypi_token_with(engine, env, options)
}

/// Compares an id_token's claims with trusted publishers (npm's, from `listPublishers`, or
/// PyPI's) and names each difference: workflow file, environment, repository (including
/// letter case), provider, audience, expiry, permission, self-hosted runners. A package may have
/// several publishers: the token passes when one matches; otherwise the closest one is
/// explained claim by claim (`closest`), and a `publishers` finding says which ones exist.
///
/// @example
/// ```js
/// import { diagnoseTrust, decodeIdToken, listPublishers } from 'trust-native'
/// const { claims } = decodeIdToken(idToken)
/// const publishers = await listPublishers({ package: 'widgets', otp })
/// const { ok, findings } = diagnoseTrust({ claims, publishers })
/// for (const f of findings) console.log(`${f.kind}: ${f.message}`)
/// ```
#[napi(ts_args_type = "input: DiagnoseInput", ts_return_type = "Diagnosis")]
pub fn diagnose_trust(env: &Env, input: Option<Unknown>) -> napi::Result<Js> {
    let run = || -> CoreResult<diagnose::Diagnosis> {
        let mut o = Options::new(input, "input")?;
        let claims = o.json("claims")?.unwrap_or(Value::Null);
        let listed = o.json("publishers")?;
        let expectation = Expectation {
            audience: o.string("audience")?,
            permission: Some(
                o.string("permission")?
                    .unwrap_or_else(|| trust_core::trust::CREATE_PACKAGE.into()),
            ),
            now: None,
        };
        o.finish()?;
        if !claims.is_object() {
            return Err(CoreError::invalid_input(
                "claims",
                "`claims` must be the id_token's claims object.",
            ));
        }
        Ok(diagnose::diagnose(
            &claims,
            &publishers(listed.as_ref())?,
            &expectation,
        ))
    };
    to_js(env, &guarded(run, Err).map_err(|e| js_error(env, e))?)
}

/// Explains an exchange failure (`exchangeToken`'s `EOIDCEXCHANGE`, `EOIDCAUDIENCE`,
/// `EOIDCEXPIRED`): with the package's `publishers`, the exact differences (with several, those
/// of the closest, and which ones exist); without them, what the token says and how to compare.
///
/// @example
/// ```ts
/// import { exchangeToken, explainExchangeFailure, listPublishers, type TrustError } from 'trust-native'
/// try { await exchangeToken() } catch (e) {
///   const error = e as TrustError
///   const publishers = await listPublishers({ package: error.package, token: process.env.MAINTAINER_TOKEN, otp })
///   console.error(explainExchangeFailure(error, { publishers }).summary)
/// }
/// ```
#[napi(
    ts_args_type = "error: Error, options?: ExplainOptions",
    ts_return_type = "Explanation"
)]
pub fn explain_exchange_failure(
    env: &Env,
    error: Option<Unknown>,
    options: Option<Unknown>,
) -> napi::Result<Js> {
    let run = || -> CoreResult<diagnose::Explanation> {
        let error = error
            .filter(|e| matches!(e.get_type(), Ok(ValueType::Object)))
            // SAFETY: the type was checked just above.
            .and_then(|e| unsafe { e.cast::<Object>() }.ok())
            .ok_or_else(|| {
                CoreError::invalid_input("error", "`error` must be the Error a call rejected with.")
            })?;
        let mut o = Options::new(options, "options")?;
        let listed = o.json("publishers")?;
        o.finish()?;
        let failure = Failure {
            code: error.get::<String>("code").ok().flatten(),
            message: error.get::<String>("message").ok().flatten(),
            claims: error
                .get::<Unknown>("claims")
                .ok()
                .flatten()
                .and_then(|claims| to_json(claims).ok()),
        };
        let publishers = listed.as_ref().map(|l| publishers(Some(l))).transpose()?;
        Ok(diagnose::explain_exchange_failure(
            &failure,
            publishers.as_deref(),
        ))
    };
    to_js(env, &guarded(run, Err).map_err(|e| js_error(env, e))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_publisher_declaration_covers_every_kind() {
        // Each PyPI kind's fields must be declared on PypiPublisherSpec.
        let declared = [
            "repository",
            "project",
            "workflow",
            "environment",
            "email",
            "subject",
            "organization",
            "actor",
        ];
        for kind in [
            PypiPublisher::Github {
                repository: "r".into(),
                workflow: "w".into(),
                environment: Some("e".into()),
            },
            PypiPublisher::Gitlab {
                project: "p".into(),
                workflow: "w".into(),
                environment: Some("e".into()),
            },
            PypiPublisher::Google {
                email: "e".into(),
                subject: Some("s".into()),
            },
            PypiPublisher::Activestate {
                organization: "o".into(),
                project: "p".into(),
                actor: "a".into(),
            },
        ] {
            let value = serde_json::to_value(&kind).unwrap();
            for key in value.as_object().unwrap().keys().filter(|k| *k != "type") {
                assert!(declared.contains(&key.as_str()), "{key}");
            }
        }
    }
}
