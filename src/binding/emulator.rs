//! JS exports for the registry emulator (tests, demos, and users' own release-script tests).

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use super::{convert, decode, js_error, promise_with};
use crate::emulator::{Emulator, EmulatorConfig};
use crate::error::{Code, Error as CoreError, Result as CoreResult};

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
    #[serde(default)]
    pub maintainers: Vec<String>,
    /// Existing configurations, `{ type, claims, permissions }` as the registry stores them.
    #[napi(ts_type = "Array<Record<string, unknown>>")]
    #[serde(default)]
    pub publishers: Vec<serde_json::Value>,
}

/// Users and packages to start the emulator with.
#[napi(object)]
#[derive(Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmulatorSeed {
    #[serde(default)]
    pub users: Vec<EmulatorUser>,
    #[serde(default)]
    pub packages: Vec<EmulatorPackage>,
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

fn seed_config(env: &Env, seed: Option<&Object>) -> CoreResult<EmulatorConfig> {
    let seed: EmulatorSeed = decode(env, seed)?;
    convert(&seed).map_err(|e| CoreError::new(Code::InvalidInput, e.reason))
}

/// A running registry emulator on a loopback port. Keep a reference while you use it, and call
/// `stop()` when done.
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

    /// Every request received so far, oldest first.
    #[napi]
    pub fn requests(&self) -> napi::Result<Vec<RecordedRequest>> {
        self.inner.requests().iter().map(convert).collect()
    }

    /// Forgets the recorded requests.
    #[napi]
    pub fn clear_requests(&self) {
        self.inner.clear_requests()
    }

    /// Adds users and packages; a package named again is replaced.
    #[napi(ts_args_type = "seed: EmulatorSeed")]
    pub fn seed(&self, env: &Env, seed: Object) -> napi::Result<()> {
        let config = seed_config(env, Some(&seed)).map_err(|e| js_error(env, e))?;
        self.inner.seed(config);
        Ok(())
    }

    /// The configurations stored for a package, or `null` if the package does not exist.
    #[napi(ts_return_type = "Array<Record<string, unknown>> | null")]
    pub fn publishers(&self, package: String) -> Option<Vec<serde_json::Value>> {
        self.inner.publishers(&package)
    }

    /// Stops the server and closes its connections.
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
    let config = seed_config(env, seed.as_ref());
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
