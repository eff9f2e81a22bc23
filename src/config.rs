//! JS export for inspecting npm configuration resolution.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::TrustClient;
use crate::engine::{spawn, Budget, Engine};
use crate::operation::operation;
use crate::options::Options;
use crate::to_js::{to_js, Js};
use trust_core::session;

/// A resolved value and where it came from.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct SourcedValue {
    pub value: String,
    /// `the registry option`, `registry in /home/me/.npmrc`, `the HTTPS_PROXY environment
    /// variable`, ...
    pub source: String,
}

/// An npmrc file that was looked at.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ConfigFile {
    #[napi(ts_type = "'project' | 'user' | 'global' | 'builtin'")]
    pub layer: String,
    pub path: String,
    pub found: bool,
}

/// What npm's configuration resolves to for a call, and where each value came from.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ResolvedConfig {
    /// The package the registry was chosen for (its scope may select the registry).
    pub package: Option<String>,
    pub registry: String,
    pub registry_source: String,
    /// `'***'` when a token was found; the token itself is never returned.
    pub token: Option<String>,
    pub token_source: Option<String>,
    /// A token bound to no registry (`NPM_TOKEN`, the `token` option, or a checkout's
    /// `_authToken=${VAR}` line) that is not sent to this one, because the checkout chose it,
    /// not you: where it came from. Bind it to the registry with an `_authToken` line in your
    /// user .npmrc, or name the registry (`registry`).
    pub token_withheld: Option<String>,
    pub proxy: Option<SourcedValue>,
    pub no_proxy: Option<SourcedValue>,
    /// Certificates that replace the default roots (`ca`, `cafile`).
    pub ca: Option<SourcedValue>,
    /// Certificates added to the default roots (`NODE_EXTRA_CA_CERTS`).
    pub extra_ca: Option<SourcedValue>,
    pub strict_ssl: bool,
    /// Settings of the checkout's files that were not applied, and why: `strict-ssl`, `ca` and
    /// `cafile` are taken only from your user or global .npmrc and the environment.
    pub ignored: Vec<String>,
    /// The npmrc files looked at, highest precedence first.
    pub files: Vec<ConfigFile>,
}

fn resolve<'env>(
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
        |call| async move { session::resolve_config(&call) },
        |env, report| to_js(env, &report),
    )
}

operation! {
    #[doc = " Resolves npm's configuration the way a call with these options would: registry (option,"]
    #[doc = " `npm_config_registry`, `@scope:registry`, project/user/global .npmrc), token (longest-path"]
    #[doc = " `_authToken` match, `${VAR}` expansion, `NPM_TOKEN`), proxy and certificates, each with its"]
    #[doc = " source. Answers why a call went where it went. Reads the files off the main thread."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { resolveConfig } from 'trust-native'"]
    #[doc = " const { registry, registrySource, tokenSource, proxy } = await resolveConfig({ package: '@acme/widgets' })"]
    #[doc = " console.log(`${registry} (from ${registrySource}), token from ${tokenSource}`)"]
    #[doc = " ```"]
    fn resolve_config(options): "options?: CommonOptions" -> "Promise<ResolvedConfig>" = |engine, env| resolve(engine, env, options)
}
