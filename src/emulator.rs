//! JS exports for the registry emulator (tests, demos, and users' own release-script tests).

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::js::{convert, decode, js_error, promise_with};
use trust_core::emulator::proxy::Proxy;
use trust_core::emulator::{Emulator, EmulatorConfig, ID_TOKEN_LIFETIME};
use trust_core::error::{Code, Error as CoreError, Result as CoreResult};

/// A user of the emulated registry.
#[napi(object)]
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmulatorUser {
    pub name: String,
    /// The bearer token that authenticates this user.
    pub token: String,
    /// Two-factor authentication enabled; the trust endpoints require it. Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tfa: Option<bool>,
    /// The one-time password the emulator accepts. Default `'123456'`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
    /// A token with "bypass 2FA", which the trust endpoints refuse. Default false.
    #[napi(js_name = "bypass2fa")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass2fa: Option<bool>,
}

/// A package that exists on the emulated registry.
#[napi(object)]
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmulatorPackage {
    pub name: String,
    /// Names of users with write access.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintainers: Option<Vec<String>>,
    /// Existing configurations, `{ type, claims, permissions }` as the registry stores them.
    #[napi(ts_type = "Array<Record<string, unknown>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publishers: Option<Vec<serde_json::Value>>,
    /// Versions already published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<String>>,
}

/// A project on the emulated PyPI and its trusted publishers.
#[napi(object)]
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmulatorPypiProject {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[napi(ts_type = "Array<PypiPublisherSpec>")]
    pub publishers: Option<Vec<serde_json::Value>>,
}

/// Users and packages to start the emulator with.
#[napi(object)]
#[derive(Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmulatorSeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<EmulatorUser>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<EmulatorPackage>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pypi_projects: Option<Vec<EmulatorPypiProject>>,
    /// Serve HTTPS with a certificate signed by a throwaway authority (see `caPem`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
    /// `Retry-After` (seconds) of the web 2FA flow's `doneUrl` while pending. Default 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_auth_retry_after: Option<f64>,
    /// Rate-limit the trust endpoints: a token bucket of `burst` refilled at `perSecond`; an
    /// empty bucket answers 429 with `Retry-After` in whole seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<EmulatorRateLimit>,
}

/// A token-bucket rate limit.
#[napi(object)]
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmulatorRateLimit {
    pub per_second: f64,
    /// Requests allowed at once. Default 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burst: Option<f64>,
}

/// A way for the emulator to misbehave, and which requests it applies to.
#[napi(object)]
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// `status` (answer `status`, with `retryAfter` seconds), `latency` (wait `ms`), `drop`
    /// (close the connection), `malformedJson`, `oversized` (an 8 MiB body), `redirect` (307 to
    /// `location`, another origin), `slowBody` (trickle the body over `ms`), `echo` (answer
    /// `status` with the request's headers in the message).
    #[napi(
        ts_type = "'status' | 'latency' | 'drop' | 'malformedJson' | 'oversized' | 'redirect' | 'slowBody' | 'echo'"
    )]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Apply after the registry acted on the request (the answer to a done change is lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<bool>,
    /// How many matching requests it applies to; forever when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Only requests with this method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path contains this text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// An id_token to sign.
#[napi(object)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdTokenSpec {
    #[napi(ts_type = "'github' | 'gitlab' | 'circleci' | 'google'")]
    pub provider: String,
    pub audience: Option<String>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Option<serde_json::Value>,
    /// Seconds until expiry; negative for an already expired token. Default 300.
    pub expires_in: Option<i32>,
}

/// A request the emulator received.
#[napi(object)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as received, with its query string, e.g. `/-/package/@scope%2fname/trust`.
    pub path: String,
    /// Header names lowercased; a repeated header keeps its last value.
    pub headers: HashMap<String, String>,
    /// The raw body text.
    pub body: String,
}

/// Decodes a JS object as its declared type `J`, then into the core type `T`.
fn decode_as<J: DeserializeOwned + Serialize, T: DeserializeOwned>(
    env: &Env,
    object: Option<&Object>,
) -> CoreResult<T> {
    let declared: J = decode(env, object)?;
    convert(&declared)
        .map_err(|e| CoreError::new(Code::InvalidInput, format!("Invalid options: {}", e.reason)))
}

/// A running registry emulator on a loopback port. Keep a reference while you use it, and call
/// `stop()` when done.
///
/// @example
/// ```js
/// const { startEmulator } = require('trust-native')
/// const emulator = await startEmulator({ users: [{ name: 'ci', token: 't' }], packages: [{ name: 'p', maintainers: ['ci'] }] })
/// emulator.injectFault({ kind: 'status', status: 503, times: 1 })
/// // ... run your release script with registry: emulator.url ...
/// console.log(emulator.requests().map((r) => `${r.method} ${r.path}`), emulator.publishers('p'))
/// emulator.stop()
/// ```
#[napi]
pub struct RegistryEmulator {
    inner: Emulator,
}

#[napi]
impl RegistryEmulator {
    /// The registry URL to pass as `registry`, e.g. `http://127.0.0.1:41234/`.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url()
    }

    /// The certificate authority of an HTTPS emulator, PEM (write it to a file for `cafile`).
    #[napi(getter)]
    pub fn ca_pem(&self) -> Option<String> {
        self.inner.ca_pem().map(str::to_string)
    }

    /// Replaces a user's authenticator code: the old one is refused from now on, as an expired
    /// TOTP code is.
    ///
    /// @example
    /// ```js
    /// emulator.setOtp('alice', '654321') // '123456' is refused from now on
    /// ```
    #[napi]
    pub fn set_otp(&self, user: String, otp: String) {
        self.inner.set_otp(&user, &otp)
    }

    /// The audience npm requests id_tokens for when publishing here: `npm:127.0.0.1`.
    #[napi(getter)]
    pub fn npm_audience(&self) -> String {
        self.inner.npm_audience()
    }

    /// Signs an id_token as a CI provider would: `claims` over realistic defaults (GitHub's
    /// `workflow_ref` follows `repository`, GitLab's `ci_config_ref_uri` follows
    /// `project_path`), for `audience` (default: `npmAudience`), valid `expiresIn` seconds
    /// (default 300; negative for an expired token).
    ///
    /// @example
    /// ```js
    /// const { exchangeToken } = require('trust-native')
    /// const idToken = emulator.issueIdToken({ provider: 'gitlab', claims: { project_path: 'acme/widgets' } })
    /// const { token } = await exchangeToken({ registry: emulator.url, package: 'widgets', idToken })
    /// ```
    #[napi(ts_args_type = "options: IdTokenSpec")]
    pub fn issue_id_token(&self, env: &Env, options: Object) -> napi::Result<String> {
        let spec: IdTokenSpec = decode(env, Some(&options)).map_err(|e| js_error(env, e))?;
        let audience = spec.audience.unwrap_or_else(|| self.inner.npm_audience());
        let claims = spec.claims.unwrap_or_else(|| serde_json::json!({}));
        let lifetime = spec.expires_in.map_or(ID_TOKEN_LIFETIME, i64::from);
        self.inner
            .issue_id_token(&spec.provider, &audience, &claims, lifetime)
            .ok_or_else(|| {
                js_error(
                    env,
                    CoreError::invalid_input(
                        "provider",
                        format!(
                            "Unknown provider {}: expected github, gitlab, circleci or google",
                            spec.provider
                        ),
                    ),
                )
            })
    }

    /// Registers a GitHub Actions job whose id_tokens carry `claims`, and returns the variables
    /// GitHub sets for a job with `permissions: id-token: write` (merge them into the
    /// environment).
    ///
    /// @example
    /// ```js
    /// const { exchangeToken } = require('trust-native')
    /// Object.assign(process.env, emulator.githubActionsJob({ repository: 'acme/widgets', environment: 'npm' }))
    /// const { token } = await exchangeToken({ registry: emulator.url, package: 'widgets' })
    /// ```
    #[napi(ts_args_type = "claims?: Record<string, unknown>")]
    pub fn github_actions_job(&self, claims: Option<serde_json::Value>) -> HashMap<String, String> {
        self.inner
            .github_actions_job(claims.unwrap_or_else(|| serde_json::json!({})))
            .into_iter()
            .collect()
    }

    /// Sets the identity the emulated Google Cloud metadata server hands out, and returns the
    /// variable (`GCE_METADATA_HOST`) that points clients at it.
    ///
    /// @example
    /// ```js
    /// const { getIdToken } = require('trust-native')
    /// Object.assign(process.env, emulator.googleCloudIdentity({ email: 'release@acme.iam.gserviceaccount.com' }))
    /// const { provider, claims } = await getIdToken({ audience: 'pypi' }) // 'google', claims.email
    /// ```
    #[napi(ts_args_type = "claims?: Record<string, unknown>")]
    pub fn google_cloud_identity(
        &self,
        claims: Option<serde_json::Value>,
    ) -> HashMap<String, String> {
        self.inner
            .google_cloud_identity(claims.unwrap_or_else(|| serde_json::json!({})))
            .into_iter()
            .collect()
    }

    /// The versions published of a package, or `null` if it does not exist.
    ///
    /// @example
    /// ```js
    /// console.log(emulator.versions('widgets')) // [ '1.0.0' ] once `npm publish` succeeded
    /// ```
    #[napi]
    pub fn versions(&self, package: String) -> Option<Vec<String>> {
        self.inner.versions(&package)
    }

    /// Every request received so far, oldest first.
    ///
    /// @example
    /// ```js
    /// for (const { method, path, headers } of emulator.requests()) console.log(method, path, headers['npm-otp'])
    /// ```
    #[napi]
    pub fn requests(&self) -> napi::Result<Vec<RecordedRequest>> {
        self.inner.requests().iter().map(convert).collect()
    }

    /// Forgets the recorded requests.
    ///
    /// @example
    /// ```js
    /// const { listPublishers } = require('trust-native')
    /// emulator.clearRequests()
    /// await listPublishers({ registry: emulator.url, token: 'alice-token', otp: '123456', package: 'widgets' })
    /// console.log(emulator.requests().length) // 1
    /// ```
    #[napi]
    pub fn clear_requests(&self) {
        self.inner.clear_requests()
    }

    /// Adds users and packages; a package named again is replaced.
    ///
    /// @example
    /// ```js
    /// emulator.seed({ users: [{ name: 'bob', token: 'bob-token' }], packages: [{ name: 'gadgets', maintainers: ['bob'] }] })
    /// ```
    #[napi(ts_args_type = "seed: EmulatorSeed")]
    pub fn seed(&self, env: &Env, seed: Object) -> napi::Result<()> {
        let config = decode_as::<EmulatorSeed, EmulatorConfig>(env, Some(&seed))
            .map_err(|e| js_error(env, e))?;
        self.inner.seed(config);
        Ok(())
    }

    /// The configurations stored for a package, or `null` if the package does not exist.
    ///
    /// @example
    /// ```js
    /// console.log(emulator.publishers('widgets')) // [ { id, type: 'github', claims: { repository: 'acme/widgets', ... }, permissions } ]
    /// ```
    #[napi(ts_return_type = "Array<Record<string, unknown>> | null")]
    pub fn publishers(&self, package: String) -> Option<Vec<serde_json::Value>> {
        self.inner.publishers(&package)
    }

    /// Makes the emulator misbehave for matching requests, e.g.
    /// `{ kind: 'status', status: 503, times: 2 }` or `{ kind: 'latency', ms: 500, method: 'GET' }`.
    ///
    /// @example
    /// ```js
    /// emulator.injectFault({ kind: 'status', status: 429, retryAfter: 1, times: 2 }) // rate-limit the next two requests
    /// emulator.injectFault({ kind: 'drop', after: true, method: 'POST', times: 1 }) // a create whose answer is lost
    /// ```
    #[napi(ts_args_type = "rule: FaultRule")]
    pub fn inject_fault(&self, env: &Env, rule: Object) -> napi::Result<()> {
        let rule = decode_as::<FaultRule, _>(env, Some(&rule)).map_err(|e| js_error(env, e))?;
        self.inner.inject_fault(rule);
        Ok(())
    }

    /// Removes every injected fault.
    ///
    /// @example
    /// ```js
    /// emulator.clearFaults()
    /// ```
    #[napi]
    pub fn clear_faults(&self) {
        self.inner.clear_faults()
    }

    /// Stops the server and closes its connections.
    ///
    /// @example
    /// ```js
    /// const { startEmulator } = require('trust-native')
    /// const emulator = await startEmulator()
    /// try {
    ///   // ... tests against emulator.url ...
    /// } finally {
    ///   emulator.stop()
    /// }
    /// ```
    #[napi]
    pub fn stop(&self) {
        self.inner.stop()
    }
}

/// Starts a registry emulator: a loopback stand-in for the npm registry's trust endpoints, with
/// bearer-token users, 2FA (OTP and web flow answers), write access and one configuration per
/// package. State is in memory; every request is recorded.
///
/// @example
/// ```js
/// const { startEmulator, addGithubPublisher } = require('trust-native')
/// const emulator = await startEmulator({
///   users: [{ name: 'alice', token: 'alice-token' }],
///   packages: [{ name: 'widgets', maintainers: ['alice'] }],
/// })
/// await addGithubPublisher({
///   registry: emulator.url, token: 'alice-token', otp: '123456',
///   package: 'widgets', repository: 'acme/widgets', file: 'release.yml',
/// })
/// console.log(emulator.publishers('widgets'))
/// emulator.stop()
/// ```
#[napi(
    ts_args_type = "seed?: EmulatorSeed",
    ts_return_type = "Promise<RegistryEmulator>"
)]
pub fn start_emulator<'env>(
    env: &'env Env,
    seed: Option<Object<'env>>,
) -> napi::Result<PromiseRaw<'env, RegistryEmulator>> {
    let config = decode_as::<EmulatorSeed, EmulatorConfig>(env, seed.as_ref());
    promise_with(
        env,
        async move {
            Emulator::start(config?).await.map_err(|e| {
                CoreError::new(Code::Network, format!("Cannot start the emulator: {e}"))
            })
        },
        |inner| Ok(RegistryEmulator { inner }),
    )
}

/// A loopback forward proxy that records what passes through it.
///
/// @example
/// ```js
/// const { startProxy, listPublishers } = require('trust-native')
/// const proxy = await startProxy()
/// process.env.npm_config_proxy = proxy.url // or `proxy=` in the project's .npmrc
/// await listPublishers({ registry: emulator.url, token: 'alice-token', otp: '123456', package: 'widgets' })
/// console.log(proxy.requests()) // [ 'GET http://127.0.0.1:41234/-/package/widgets/trust' ]
/// proxy.stop()
/// ```
#[napi]
pub struct LoopbackProxy {
    inner: Proxy,
}

#[napi]
impl LoopbackProxy {
    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY` or npm's `proxy`.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url()
    }

    /// Request lines received: `CONNECT 127.0.0.1:4873`, `GET http://127.0.0.1:4873/path`.
    ///
    /// @example
    /// ```js
    /// console.log(proxy.requests()) // [ 'CONNECT registry.npmjs.org:443' ]
    /// ```
    #[napi]
    pub fn requests(&self) -> Vec<String> {
        self.inner.requests()
    }

    /// Stops the proxy and closes its connections.
    ///
    /// @example
    /// ```js
    /// proxy.stop()
    /// ```
    #[napi]
    pub fn stop(&self) {
        self.inner.stop()
    }
}

/// Starts a loopback forward proxy (CONNECT tunnels and plain-http forwarding), for testing
/// proxy settings.
///
/// @example
/// ```js
/// const { startProxy } = require('trust-native')
/// const proxy = await startProxy()
/// process.env.HTTPS_PROXY = proxy.url
/// // ... calls go through it
/// console.log(proxy.requests())
/// ```
#[napi(ts_return_type = "Promise<LoopbackProxy>")]
pub fn start_proxy(env: &Env) -> napi::Result<PromiseRaw<'_, LoopbackProxy>> {
    promise_with(
        env,
        async move {
            Proxy::start()
                .await
                .map_err(|e| CoreError::new(Code::Network, format!("Cannot start the proxy: {e}")))
        },
        |inner| Ok(LoopbackProxy { inner }),
    )
}
