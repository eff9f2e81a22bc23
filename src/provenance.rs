//! JS export `verifyProvenance`: whether a version was built by the workflow you trust.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::TrustClient;
use crate::engine::{spawn, Budget, Engine};
use crate::operation::operation;
use crate::options::Options;
use crate::to_js::{to_js, Js};
use trust_core::error::Error as CoreError;
use trust_core::provenance::verify::{self, Expectation, VerifyOptions};

/// Which version to verify, and against what.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct VerifyProvenanceOptions {
    /// The version to verify (`package` names the package).
    pub version: String,
    /// What the signer must be, for a reader who cannot list the package's trusted publishers
    /// (that needs a maintainer's token and 2FA): any of `repository` (`owner/repo`),
    /// `workflow` (the CI file's name, `release.yml`) and `ref` (`refs/heads/main`).
    pub expect: Option<ProvenanceExpectation>,
    /// The Sigstore TrustedRoot (JSON) to verify with. Default: Sigstore's public one, as npm.
    #[napi(ts_type = "Record<string, unknown>")]
    pub trusted_root: Option<serde_json::Value>,
}

/// What the signer of a version must be.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct ProvenanceExpectation {
    pub repository: Option<String>,
    pub workflow: Option<String>,
    #[napi(js_name = "ref")]
    pub git_ref: Option<String>,
}

/// Who signed a version's provenance: its certificate's identity and Fulcio's CI extensions.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ProvenanceSigner {
    /// The id_token's issuer (`https://token.actions.githubusercontent.com`).
    pub issuer: Option<String>,
    /// The certificate's identity: the workflow at its ref, as a URL.
    pub identity: Option<String>,
    /// `owner/repo` (`group/project` on GitLab).
    pub repository: Option<String>,
    /// The CI file's name: `release.yml`.
    pub workflow: Option<String>,
    #[napi(js_name = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    /// What started the run: `push`, `release`, `workflow_dispatch`...
    pub trigger: Option<String>,
    /// `github-hosted` or `self-hosted`.
    pub runner_environment: Option<String>,
    /// The run's URL.
    pub run: Option<String>,
}

/// A verified provenance and whether its signer is trusted.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ProvenanceVerification {
    pub package: String,
    pub version: String,
    /// `https://slsa.dev/provenance/v1` (GitHub Actions) or `.../v0.2` (GitLab).
    pub predicate_type: String,
    pub signer: ProvenanceSigner,
    pub transparency_log: Option<crate::publish::TransparencyLogEntry>,
    /// What the signer was compared with: the package's trusted publishers, or `expect`.
    #[napi(ts_type = "'publishers' | 'expect'")]
    pub checked_against: String,
    /// The signer is one of the package's trusted publishers (or what `expect` says).
    pub trusted: bool,
    /// The trusted publisher whose workflow signed it.
    pub publisher: Option<crate::trust::Publisher>,
    /// In words: who built it, and whether that is trusted or what differs.
    pub reason: String,
}

/// `verifyProvenance` on `engine`.
fn verify<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut request = None;
    let call = Options::new(options, "options").and_then(|mut o| {
        let version = o.string("version")?;
        let expect = o
            .json("expect")?
            .map(|e| Expectation::from_json(&e))
            .transpose()?;
        let trusted_root = o.json("trustedRoot")?;
        let call = engine.call(env, &mut o, Budget::Whole)?;
        o.finish()?;
        // Required, but checked after the unknown options, which say more of a mistyped call.
        let version = version
            .ok_or_else(|| CoreError::invalid_input("version", "Give the `version` to verify."))?;
        request = Some((version, expect, trusted_root));
        Ok(call)
    });
    spawn(
        env,
        call,
        move |call| async move {
            let (version, expect, trusted_root) = request.expect("read with the call");
            let secrets = call.secrets();
            verify::verify(VerifyOptions {
                call,
                version,
                expect,
                trusted_root,
            })
            .await
            .map_err(|e| e.scrubbed(&secrets))
        },
        |env, result| to_js(env, &result),
    )
}

operation! {
    #[doc = " Verifies a version's provenance, as npm's `audit signatures` does, and says whether the"]
    #[doc = " workflow that signed it is one of the package's trusted publishers (\"was this version"]
    #[doc = " built by the workflow we trust?\"). Downloads the registry's attestations of the version"]
    #[doc = " and checks the Sigstore bundle: certificate chain to Fulcio, transparency-log inclusion,"]
    #[doc = " signature, and that its statement is about the published tarball. A bundle that does not"]
    #[doc = " verify, or a version without provenance, rejects with `EPROVENANCE`. Listing the trusted"]
    #[doc = " publishers needs a maintainer's token and 2FA; without them, say what to `expect`."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { verifyProvenance } from 'trust-native'"]
    #[doc = " const { trusted, reason } = await verifyProvenance({ package: 'widgets', version: '1.2.0', expect: { repository: 'acme/widgets', workflow: 'release.yml' } })"]
    #[doc = " if (!trusted) throw new Error(reason)"]
    #[doc = " ```"]
    fn verify_provenance(options): "options: VerifyProvenanceOptions & CommonOptions" -> "Promise<ProvenanceVerification>" = |engine, env| verify(engine, env, options)
}
