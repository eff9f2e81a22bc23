//! JS exports for OIDC in CI: id_tokens, the npm exchange, PyPI minting, and diagnosis.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{convert, decode, js_error, node_version, promise};
use crate::error::{Error as CoreError, Result as CoreResult};
use crate::oidc::diagnose::{self, AnyPublisher, Expectation, Failure, PypiPublisher};
use crate::oidc::exchange::{self, ExchangeOptions, NpmrcTarget};
use crate::oidc::pypi::{self, PypiOptions};
use crate::oidc::{self as core_oidc, jwt, IdTokenOptions};
use crate::registry::Policy;
use crate::session::CallOptions;
use crate::trust::Publisher;

/// Which id_token to get.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdTokenRequest {
    /// The audience the token is for. Default `'npm:registry.npmjs.org'`; PyPI's is `'pypi'`.
    pub audience: Option<String>,
    /// Read the token from this environment variable (a GitLab `id_tokens:` name).
    pub variable: Option<String>,
}

/// An id_token and what it says.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodedIdToken {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Value,
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Value,
}

/// Options of `exchangeToken`.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeTokenOptions {
    /// The package to publish. Default: `name` from the package.json of `cwd`'s project.
    pub package: Option<String>,
    /// Registry URL. Default: npm's configuration for the package, else the public registry.
    pub registry: Option<String>,
    /// An id_token to exchange. Default: one from the CI provider, for `npm:<registry host>`.
    pub id_token: Option<String>,
    /// Directory for package.json and .npmrc. Default: `process.cwd()`.
    pub cwd: Option<String>,
    /// Write the token into an .npmrc for other package managers: `true` for the project's
    /// .npmrc (the workspace root's inside a workspace package, where npm reads it), or a path.
    /// An existing `_authToken` line for the registry is replaced.
    #[napi(ts_type = "boolean | string")]
    pub write_npmrc: Option<Value>,
    /// Total time for the exchange request, in milliseconds. Default 30000.
    pub timeout_ms: Option<u32>,
}

/// An .npmrc that was written.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WrittenNpmrc {
    pub path: String,
    /// The key written, e.g. `//registry.npmjs.org/:_authToken`.
    pub key: String,
    /// How many lines for the same registry were replaced.
    pub replaced: u32,
}

/// A short-lived npm token for one package.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MintPypiTokenOptions {
    /// Upload URL. Default `'https://upload.pypi.org/legacy/'`; TestPyPI is
    /// `'https://test.pypi.org/legacy/'`.
    pub repository_url: Option<String>,
    /// An id_token for the index's audience. Default: one from the CI provider.
    pub id_token: Option<String>,
    pub timeout_ms: Option<u32>,
}

/// A short-lived PyPI upload token.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PypiPublisherSpec {
    /// `github` (`repository` owner/repo, `workflow` file name, `environment?`), `gitlab`
    /// (`project` namespace/project, `workflow` pipeline path, `environment?`), `google`
    /// (`email`, `subject?`), `activestate` (`organization`, `project`, `actor`).
    #[napi(ts_type = "'github' | 'gitlab' | 'google' | 'activestate'")]
    pub r#type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// What to compare.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
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
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Finding {
    /// The configuration's id (npm) or index (PyPI); absent for the token's own problems.
    pub publisher: Option<String>,
    /// `provider`, `repository`, `file`, `environment`, `project`, `orgId`, ..., `audience`,
    /// `expired`, `permission`, `runner`, `issuer`, `none`.
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
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Diagnosis {
    /// A configuration matches and nothing about the token stops the exchange.
    pub ok: bool,
    /// The matching configuration's id (npm) or index (PyPI).
    pub matched: Option<String>,
    /// The CI provider the token is from.
    pub provider: Option<String>,
    pub findings: Vec<Finding>,
    /// The npm configuration this token would match (`type` plus `add*Publisher` options).
    #[napi(ts_type = "Record<string, unknown>")]
    pub suggestion: Option<Value>,
}

/// An exchange failure explained.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// What went wrong and what to do.
    pub summary: String,
    /// The comparison, when `publishers` were given.
    pub diagnosis: Option<Diagnosis>,
}

/// Options of `explainExchangeFailure`.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
pub struct ExplainOptions {
    /// The package's configurations, from `listPublishers` (or PyPI publishers).
    #[napi(ts_type = "Array<Publisher | PypiPublisherSpec>")]
    pub publishers: Option<Vec<Value>>,
}

/// npm configurations have `claims`; PyPI publishers are `{ type, ... }` without.
fn publishers(values: &[Value]) -> CoreResult<Vec<AnyPublisher>> {
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
                let spec: PypiPublisherSpec =
                    serde_json::from_value(value.clone()).map_err(|e| invalid(e.to_string()))?;
                convert::<_, PypiPublisher>(&spec)
                    .map(AnyPublisher::Pypi)
                    .map_err(|e| invalid(e.reason))
            }
        })
        .collect()
}

fn timeout(ms: Option<u32>) -> Option<Duration> {
    ms.map(|ms| Duration::from_millis(ms.into()))
}

/// The CI provider's OIDC id_token: `NPM_ID_TOKEN` (or `variable`), GitHub Actions' request URL,
/// Google Cloud's metadata server, `buildkite-agent`, or the `circleci` CLI. Rejects with a code
/// that says why none can be had: `EOIDCNOTCI` outside CI, `EOIDCPERMISSION` when the job is not
/// set up for it (the message says what to add), `EOIDCAUDIENCE`, `EOIDCEXPIRED`.
///
/// @example
/// ```js
/// const { getIdToken } = require('trust-native')
/// const { provider, claims, expiresAt } = await getIdToken({ audience: 'npm:registry.npmjs.org' })
/// console.log(provider, claims.repository, claims.workflow_ref, new Date(expiresAt * 1000))
/// ```
#[napi(
    ts_args_type = "options?: IdTokenRequest",
    ts_return_type = "Promise<IdToken>"
)]
pub fn get_id_token<'env>(
    env: &'env Env,
    options: Option<Object<'env>>,
) -> napi::Result<PromiseRaw<'env, IdToken>> {
    let request = decode::<IdTokenRequest>(env, options.as_ref());
    promise(env, async move {
        let request = request?;
        core_oidc::get_id_token(IdTokenOptions {
            audience: request.audience,
            variable: request.variable,
            env: None,
        })
        .await
    })
}

/// A JWT's header and claims, without verifying it: for diagnosis and logs (the claims are not
/// secret; the token is). Throws `EINVALIDINPUT` if it is not a JWT.
///
/// @example
/// ```js
/// const { decodeIdToken } = require('trust-native')
/// const { claims } = decodeIdToken(process.env.NPM_ID_TOKEN)
/// console.log(claims.aud, claims.project_path, claims.ci_config_ref_uri)
/// ```
#[napi]
pub fn decode_id_token(env: &Env, jwt: String) -> napi::Result<DecodedIdToken> {
    let decoded = jwt::decode(&jwt).map_err(|e| js_error(env, e))?;
    convert(&decoded)
}

/// Exchanges the CI's id_token for a short-lived npm token for one package, as `npm publish`
/// does, but rejects with the reason when it fails (npm stays silent): `EOIDCEXCHANGE` carries
/// the registry's message, the token's `claims` and what they must match. With `writeNpmrc`, the
/// token is written where npm, pnpm, yarn 1 and bun read it; `env` has it for the others.
///
/// @example
/// ```js
/// const { exchangeToken } = require('trust-native')
/// const { expires, npmrc } = await exchangeToken({ writeNpmrc: true })
/// // now `pnpm publish` / `npm publish` / `yarn npm publish` use the short-lived token
/// ```
#[napi(
    ts_args_type = "options?: ExchangeTokenOptions",
    ts_return_type = "Promise<ExchangedToken>"
)]
pub fn exchange_token<'env>(
    env: &'env Env,
    options: Option<Object<'env>>,
) -> napi::Result<PromiseRaw<'env, ExchangedToken>> {
    let options = decode::<ExchangeTokenOptions>(env, options.as_ref()).and_then(|o| {
        let write_npmrc = match o.write_npmrc {
            None | Some(Value::Bool(false)) | Some(Value::Null) => None,
            Some(Value::Bool(true)) => Some(NpmrcTarget::Project),
            Some(Value::String(path)) => Some(NpmrcTarget::Path(PathBuf::from(path))),
            Some(_) => {
                return Err(CoreError::invalid_input(
                    "writeNpmrc",
                    "writeNpmrc must be true or a path",
                ))
            }
        };
        Ok(ExchangeOptions {
            call: CallOptions {
                package: o.package,
                registry: o.registry,
                cwd: o.cwd.map(PathBuf::from),
                node_version: node_version(env),
                policy: Policy {
                    timeout: timeout(o.timeout_ms),
                    ..Policy::default()
                },
                ..CallOptions::default()
            },
            id_token: o.id_token,
            write_npmrc,
        })
    });
    promise(env, async move { exchange::exchange_token(options?).await })
}

/// Mints a short-lived PyPI upload token through trusted publishing: asks the index for its
/// audience, gets an id_token for it, and exchanges it. PyPI's refusals reject with
/// `EOIDCEXCHANGE` and PyPI's own `errors: [{ code, description }]` (`invalid-publisher`,
/// `invalid-reuse-token`, ...).
///
/// @example
/// ```js
/// const { mintPypiToken } = require('trust-native')
/// const { token } = await mintPypiToken({ repositoryUrl: 'https://test.pypi.org/legacy/' })
/// // twine upload --repository-url https://test.pypi.org/legacy/ -u __token__ -p "$token" dist/*
/// ```
#[napi(
    ts_args_type = "options?: MintPypiTokenOptions",
    ts_return_type = "Promise<PypiToken>"
)]
pub fn mint_pypi_token<'env>(
    env: &'env Env,
    options: Option<Object<'env>>,
) -> napi::Result<PromiseRaw<'env, PypiToken>> {
    let options = decode::<MintPypiTokenOptions>(env, options.as_ref());
    promise(env, async move {
        let o = options?;
        pypi::mint_pypi_token(PypiOptions {
            repository_url: o.repository_url,
            id_token: o.id_token,
            timeout: timeout(o.timeout_ms),
            env: None,
        })
        .await
    })
}

/// Compares an id_token's claims with trusted publishers (npm's, from `listPublishers`, or
/// PyPI's) and names each difference: workflow file, environment, repository (including
/// letter case), provider, audience, expiry, permission, self-hosted runners.
///
/// @example
/// ```js
/// const { diagnoseTrust, decodeIdToken, listPublishers } = require('trust-native')
/// const { claims } = decodeIdToken(idToken)
/// const publishers = await listPublishers({ package: 'widgets', otp })
/// const { ok, findings } = diagnoseTrust({ claims, publishers })
/// for (const f of findings) console.log(`${f.kind}: ${f.message}`)
/// ```
#[napi(ts_args_type = "input: DiagnoseInput")]
pub fn diagnose_trust(env: &Env, input: Object) -> napi::Result<Diagnosis> {
    let run = || -> CoreResult<diagnose::Diagnosis> {
        let input: DiagnoseInput = decode(env, Some(&input))?;
        let expectation = Expectation {
            audience: input.audience,
            permission: Some(
                input
                    .permission
                    .unwrap_or_else(|| crate::trust::CREATE_PACKAGE.into()),
            ),
            now: None,
        };
        Ok(diagnose::diagnose(
            &input.claims,
            &publishers(&input.publishers)?,
            &expectation,
        ))
    };
    convert(&run().map_err(|e| js_error(env, e))?)
}

/// Explains an exchange failure (`exchangeToken`'s `EOIDCEXCHANGE`, `EOIDCAUDIENCE`,
/// `EOIDCEXPIRED`): with the package's `publishers`, the exact differences; without them, what
/// the token says and how to compare.
///
/// @example
/// ```js
/// try { await exchangeToken() } catch (error) {
///   const publishers = await listPublishers({ package: error.package, token: maintainerToken, otp })
///   console.error(explainExchangeFailure(error, { publishers }).summary)
/// }
/// ```
#[napi(ts_args_type = "error: Error, options?: ExplainOptions")]
pub fn explain_exchange_failure(
    env: &Env,
    error: Object,
    options: Option<Object>,
) -> napi::Result<Explanation> {
    let run = || -> CoreResult<diagnose::Explanation> {
        let options: ExplainOptions = decode(env, options.as_ref())?;
        let failure = Failure {
            message: error.get::<String>("message").ok().flatten(),
            claims: error.get::<Value>("claims").ok().flatten(),
        };
        let publishers = options.publishers.as_deref().map(publishers).transpose()?;
        Ok(diagnose::explain_exchange_failure(
            &failure,
            publishers.as_deref(),
        ))
    };
    convert(&run().map_err(|e| js_error(env, e))?)
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
