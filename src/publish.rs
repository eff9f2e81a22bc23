//! JS exports for publishing: `publish`, `stagePublish` and `claimPackage`.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::TrustClient;
use crate::engine::{spawn, Budget, Defaults, Engine};
use crate::operation::operation;
use crate::options::Options;
use crate::to_js::{to_js, Js};
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::provenance::{Choice, Services};
use trust_core::publish::{self, claim, Oidc, PublishOptions, Source};
use trust_core::session::{CallOptions, Session};

/// What to publish and how.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct PublishPackageOptions {
    /// A tarball made by `npm pack`. Give this or `folder`.
    pub tarball: Option<String>,
    /// A package folder, packed as `npm pack` packs it (`files`, `.npmignore`; no lifecycle
    /// scripts are run: build first). Default: `cwd`.
    pub folder: Option<String>,
    /// The dist-tag. Default: package.json's `publishConfig.tag`, else `latest`.
    pub tag: Option<String>,
    /// Default: `publishConfig.access`, else the registry's default (public for unscoped,
    /// restricted for scoped packages).
    #[napi(ts_type = "'public' | 'restricted'")]
    pub access: Option<String>,
    /// Trusted publishing: exchange the CI's id_token for a token for this package. Default:
    /// as npm, when the CI offers one and no `token` is given, falling back to the configured
    /// token (with a warning saying why) when the exchange is refused. `true`: the exchange
    /// must work (and `token` may not be given); `false`: never.
    pub oidc: Option<bool>,
    /// Provenance (a signed SLSA statement of the CI job, npm's `--provenance`). Default: as
    /// npm, attached to a trusted publish from a public repository of a public package (GitHub
    /// Actions; GitLab CI/CD with a `SIGSTORE_ID_TOKEN`). `true`: sign one in GitHub Actions or
    /// GitLab CI/CD, or fail (`EPROVENANCE`) saying why not; `false`: never.
    pub provenance: Option<bool>,
    /// A Sigstore bundle made elsewhere to attach (npm's `--provenance-file`), checked as npm
    /// checks it: its one subject is this name, version and sha512, and it verifies
    /// (`EINVALIDINPUT` otherwise).
    pub provenance_file: Option<String>,
    /// The Fulcio to get the signing certificate from. Default `https://fulcio.sigstore.dev`.
    pub fulcio_url: Option<String>,
    /// The Rekor to log the signature in. Default `https://rekor.sigstore.dev`.
    pub rekor_url: Option<String>,
    /// The Sigstore TrustedRoot (JSON) a `provenanceFile` is verified against. Default:
    /// Sigstore's public one, as npm.
    #[napi(ts_type = "Record<string, unknown>")]
    pub trusted_root: Option<serde_json::Value>,
}

/// A version published (or staged).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct PublishResult {
    pub package: String,
    pub version: String,
    pub tag: String,
    pub access: Option<String>,
    /// `dist.integrity` (sha512, SRI) and `dist.shasum` (sha1, hex) of the tarball.
    pub integrity: String,
    pub shasum: String,
    /// The tarball's size, in bytes.
    pub size: u32,
    /// The files in the tarball.
    pub files: Vec<String>,
    pub staged: bool,
    /// The staged version's id (`stagePublish`; not in a dry run): approve it with
    /// `approveStaged({ id })`.
    pub stage_id: Option<String>,
    /// Where the token came from: `oidc` (exchanged for this package), `option` (`token`), or
    /// `config` (npm's configuration). A dry run makes no exchange: it shows the request with
    /// the configured token, if any.
    #[napi(ts_type = "'oidc' | 'option' | 'config'")]
    pub token_source: String,
    /// Whether `npm publish` would have attached a provenance statement here (npm's check
    /// after the exchange), and the one this publish carries.
    pub provenance: ProvenanceCheck,
    pub dry_run: bool,
    /// The request sent (in a dry run: that would be sent), the tarball's data elided.
    pub request: crate::trust::PlannedRequest,
    pub warnings: Vec<String>,
}

/// npm's provenance rule, applied.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ProvenanceCheck {
    pub would_attach: bool,
    pub reason: String,
    /// The provenance attached (none in a dry run, as npm signs none then).
    pub attached: Option<ProvenanceAttached>,
}

/// The `.sigstore` attachment of a publish.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ProvenanceAttached {
    /// `<name>-<version>.sigstore`.
    pub file: String,
    /// `signed` (in this job) or `file` (`provenanceFile`).
    #[napi(ts_type = "'signed' | 'file'")]
    pub source: String,
    /// Where the signature is in the transparency log: `url` is Sigstore's search page for
    /// the public log (what npm prints), the log's entry otherwise.
    pub transparency_log: Option<TransparencyLogEntry>,
}

/// An entry of a transparency log (Rekor).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct TransparencyLogEntry {
    pub log_index: i64,
    pub uuid: String,
    pub url: String,
}

/// A claim's outcome.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ClaimResult {
    pub package: String,
    /// `claimed`: the placeholder was published (in a dry run: would be); `exists`: the package
    /// exists, nothing was done.
    #[napi(ts_type = "'claimed' | 'exists'")]
    pub status: String,
    /// The placeholder's publish, for a claim.
    pub published: Option<PublishResult>,
}

/// Which name to claim.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct ClaimOptions {
    /// Default `public` (a restricted scoped package needs a paid organization).
    #[napi(ts_type = "'public' | 'restricted'")]
    pub access: Option<String>,
}

fn publish_with<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
    stage: bool,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut request = None;
    let call = Options::new(options, "options").and_then(|mut o| {
        let tarball = o.string("tarball")?;
        let folder = o.string("folder")?;
        let tag = o.string("tag")?;
        let access = o.string("access")?;
        let oidc = match o.boolean("oidc")? {
            None => Oidc::Auto,
            Some(true) => Oidc::Required,
            Some(false) => Oidc::Never,
        };
        let provenance = match (o.boolean("provenance")?, o.string("provenanceFile")?) {
            (Some(_), Some(_)) => {
                return Err(CoreError::invalid_input(
                    "provenanceFile",
                    "Give `provenance` or `provenanceFile`, not both.",
                ))
            }
            (None, None) => Choice::Auto,
            (Some(true), None) => Choice::Always,
            (Some(false), None) => Choice::Never,
            (None, Some(file)) => Choice::File(file.into()),
        };
        let fulcio = o.string("fulcioUrl")?;
        let rekor = o.string("rekorUrl")?;
        let sigstore = Services {
            trusted_root: o.json("trustedRoot")?,
            ..Services::new(
                fulcio.as_deref().map(|u| ("fulcioUrl", u)),
                rekor.as_deref().map(|u| ("rekorUrl", u)),
            )?
        };
        let given = Defaults::read(&mut o)?;
        let dry_run = o.boolean("dryRun")?.unwrap_or(false);
        let mut call = engine.bare_call(env, &mut o, given, Budget::Whole)?;
        o.finish()?;
        call.options.dry_run = dry_run;
        let source = match (tarball, folder) {
            (Some(_), Some(_)) => {
                return Err(CoreError::invalid_input(
                    "tarball",
                    "Give `tarball` or `folder`, not both.",
                ))
            }
            (Some(tarball), None) => Source::Tarball(tarball.into()),
            (None, Some(folder)) => Source::Folder(folder.into()),
            (None, None) => Source::Folder(".".into()),
        };
        request = Some((source, tag, access, oidc, provenance, sigstore));
        Ok(call)
    });
    spawn(
        env,
        call,
        move |call| async move {
            let (source, tag, access, oidc, provenance, sigstore) =
                request.expect("read with the call");
            publish::publish(PublishOptions {
                call,
                source,
                tag,
                access,
                stage,
                oidc,
                new_package: false,
                provenance,
                sigstore,
            })
            .await
        },
        |env, result| to_js(env, &result),
    )
}

fn claim_with<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut access = None;
    let call = Options::new(options, "options").and_then(|mut o| {
        access = o.string("access")?;
        let call = engine.call(env, &mut o, Budget::Whole)?;
        o.finish()?;
        Ok(call)
    });
    spawn(
        env,
        call,
        move |call| async move { claim_one(call, access).await },
        |env, result| to_js(env, &result),
    )
}

async fn claim_one(call: CallOptions, access: Option<String>) -> CoreResult<claim::Claimed> {
    let secrets = call.secrets();
    let claimed = async {
        let package = Session::open(&call).package(call.package.as_deref())?;
        claim::claim(&call, &package, access).await
    };
    claimed.await.map_err(|e| e.scrubbed(&secrets))
}

operation! {
    #[doc = " Publishes a version, as `npm publish` does: the same request (the manifest npm would send,"]
    #[doc = " `dist.integrity` and `shasum`, the tarball attached), 2FA asked for as npm asks. In CI, the"]
    #[doc = " token is exchanged through trusted publishing first (as npm 11.5.1 and later do), and a"]
    #[doc = " refused exchange says why. Give a `tarball` from `npm pack`, or a `folder` (no lifecycle"]
    #[doc = " scripts are run: build first)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { publish } from 'trust-native'"]
    #[doc = " const { package: name, version, tokenSource, provenance } = await publish({ tarball: 'widgets-1.2.0.tgz', tag: 'latest' })"]
    #[doc = " console.log(`${name}@${version} published with a ${tokenSource} token; provenance: ${provenance.reason}`)"]
    #[doc = " ```"]
    fn publish(options): "options?: PublishPackageOptions & Omit<CommonOptions, 'package'>" -> "Promise<PublishResult>" = |engine, env| publish_with(engine, env, options, false)
}

operation! {
    #[doc = " Stages a version for a maintainer to approve (`npm stage publish`): the same request as"]
    #[doc = " `publish`, to the registry's staging area, with no 2FA (that is asked at the approval)."]
    #[doc = " In CI the token comes from trusted publishing, as for `publish` (the publisher needs"]
    #[doc = " `allowStagePublish`)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { stagePublish } from 'trust-native'"]
    #[doc = " const { stageId } = await stagePublish({ folder: 'packages/widgets', tag: 'next' })"]
    #[doc = " console.log(`approve with: trust-native stage approve ${stageId}`)"]
    #[doc = " ```"]
    fn stage_publish(options): "options?: PublishPackageOptions & Omit<CommonOptions, 'package'>" -> "Promise<PublishResult>" = |engine, env| publish_with(engine, env, options, true)
}

operation! {
    #[doc = " Claims a name that is not on the registry yet, so that trusted publishing can be configured"]
    #[doc = " for it (npm configures trust only for a package that exists): publishes a placeholder"]
    #[doc = " version `0.0.0-placeholder.0` (a README saying what it is, no code) under the dist-tag"]
    #[doc = " `placeholder`, with your token and 2FA. A package that exists is left alone (`exists`)."]
    #[doc = " To claim and configure many packages in one run, use `applyTrust` with `claim: true`."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { claimPackage, addGithubPublisher } from 'trust-native'"]
    #[doc = " const { status } = await claimPackage({ package: '@acme/new-thing' })"]
    #[doc = " if (status === 'claimed') await addGithubPublisher({ package: '@acme/new-thing', repository: 'acme/mono', file: 'release.yml' })"]
    #[doc = " ```"]
    fn claim_package(options): "options?: ClaimOptions & CommonOptions" -> "Promise<ClaimResult>" = |engine, env| claim_with(engine, env, options)
}
