//! JS exports for `publishHistory`: how each version of a package was published, a row of the
//! core's endpoint table (`trust_core::api::history`) run through [`crate::api::call`].

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::api::call;
use crate::client::TrustClient;
use crate::engine::Engine;
use crate::operation::operation;
use crate::to_js::Js;
use trust_core::api::history;

/// Which package's history, from when, and whether to check its trust configurations.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct PublishHistoryOptions {
    /// Only versions published on or after this date (`2026-09-01`, or an ISO 8601
    /// date-time).
    pub since: Option<String>,
    /// Also read the package's trust configurations (a read that needs 2FA: `otp` or `onOtp`),
    /// to say whether each version's trusted publisher is still configured.
    pub check_trust: Option<bool>,
}

/// The trusted publisher a version was published through, as the registry recorded it.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct VersionTrustedPublisher {
    /// `github`, `gitlab`, `circleci`...
    pub provider: Option<String>,
    /// The configuration's id as recorded, `oidc:<id>`: `<id>` is what `listPublishers` shows.
    pub config_id: Option<String>,
}

/// How one version was published.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct PublishedVersion {
    pub version: String,
    /// When it was published (ISO 8601), when the document says.
    pub time: Option<String>,
    /// `trustedPublishing` (an OIDC exchange), `token` (a user's token or login), or `unknown`
    /// (the registry recorded no publisher).
    #[napi(ts_type = "'trustedPublishing' | 'token' | 'unknown'")]
    pub how: String,
    /// The publisher the registry recorded: a user name, or the CI (`GitHub Actions`).
    pub user: Option<String>,
    pub trusted_publisher: Option<VersionTrustedPublisher>,
    /// Whether that configuration is still one of the package's: `null` when unknown (without
    /// `checkTrust`, or not published through trusted publishing).
    pub still_configured: Option<bool>,
    /// That configuration, as `listPublishers` shows it, when it is still configured
    /// (`checkTrust`): which publisher published the version.
    pub publisher: Option<crate::trust::Publisher>,
    /// It has a provenance statement (`dist.attestations.provenance`).
    pub provenance: bool,
    /// Who approved it, for a staged version.
    pub approver: Option<String>,
    /// The placeholder `claimPackage` published to create the package (its first version,
    /// `0.0.0-placeholder.0`): published with a token, as it must be, and not counted in
    /// `withoutTrustedPublishing`.
    pub placeholder: bool,
}

/// The result of `publishHistory`.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct PublishHistory {
    pub package: String,
    pub since: Option<String>,
    /// The trust configurations were read (`checkTrust`).
    pub trust_checked: bool,
    /// The versions (of those listed) not published through trusted publishing, but a claim's
    /// placeholder.
    pub without_trusted_publishing: Vec<String>,
    /// Oldest first.
    pub versions: Vec<PublishedVersion>,
}

operation! {
    #[doc = " How each version of a package was published: through trusted publishing (which"]
    #[doc = " configuration, and with `checkTrust` whether it is still configured) or with a token, with"]
    #[doc = " or without provenance, from the public package document (no 2FA). It answers \"did anything"]
    #[doc = " publish without OIDC since we locked down?\"."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { publishHistory } from 'trust-native'"]
    #[doc = " const { withoutTrustedPublishing } = await publishHistory({ package: '@acme/widgets', since: '2026-09-01' })"]
    #[doc = " if (withoutTrustedPublishing.length) throw new Error(`published with a token: ${withoutTrustedPublishing}`)"]
    #[doc = " ```"]
    fn publish_history(options): "options?: PublishHistoryOptions & Omit<CommonOptions, 'dryRun'>" -> "Promise<PublishHistory>" = |engine, env| call(engine, env, &history::PUBLISH_HISTORY, options)
}
