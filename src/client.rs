//! `TrustClient`: the class a release script creates once and calls many times. Its methods are
//! made by `operation!` in each API group's file, with the free function of the same name: the
//! same call, with the client's options as defaults.

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::engine::{guarded, Defaults, Engine};
use crate::errors::js_error;
use crate::options::Options;
use trust_core::config::EnvVars;
use trust_core::error::{Error as CoreError, Result as CoreResult};

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
        let engine = guarded(|| client_engine(env, options), Err).map_err(|e| js_error(env, e))?;
        Ok(TrustClient { engine })
    }
}
