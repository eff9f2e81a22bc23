//! JS exports for dist-tags (`npm dist-tag ls|add|rm`): rows of the core's endpoint table
//! (`trust_core::api::disttag`) run through [`crate::api::call`]. In CI the package's token is
//! exchanged through trusted publishing first, as npm 12 does.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::api::call;
use crate::client::TrustClient;
use crate::engine::Engine;
use crate::operation::operation;
use crate::to_js::Js;
use trust_core::api::disttag;

/// A dist-tag to point at a version.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct AddDistTagOptions {
    /// The version the tag points at: `1.2.3`. It must be published.
    pub version: String,
    /// The dist-tag: `next`, `beta`... (not a version or range). Default `latest`.
    pub tag: Option<String>,
}

/// A dist-tag to remove.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct RemoveDistTagOptions {
    pub tag: String,
}

/// What `addDistTag` and `removeDistTag` did (or, in a dry run, would do).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct DistTagResult {
    pub dry_run: bool,
    pub package: String,
    pub tag: String,
    /// The version the tag now points at (`addDistTag`), or pointed at (`removeDistTag`).
    pub version: String,
    /// `addDistTag`: false when the tag already pointed at the version (nothing was sent, as
    /// npm sends nothing).
    pub changed: Option<bool>,
    /// The request sent (or that would be sent); absent when nothing was to be sent.
    pub request: Option<crate::trust::PlannedRequest>,
    /// `oidc` (a token exchanged for this package in CI), `option` (`token`) or `config`.
    #[napi(ts_type = "'oidc' | 'option' | 'config'")]
    pub token_source: String,
    /// A refused exchange (the configured token was used instead, as npm does silently), a tag
    /// already set, a static token line that shadows trusted publishing...
    pub warnings: Vec<String>,
}

operation! {
    #[doc = " A package's dist-tags (`npm dist-tag ls`): `{ latest: '1.2.3', next: '2.0.0-rc.1' }`. In CI,"]
    #[doc = " read with a token exchanged for the package (npm 12 does so too)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { listDistTags } from 'trust-native'"]
    #[doc = " const { latest, next } = await listDistTags({ package: '@acme/widgets' })"]
    #[doc = " ```"]
    fn list_dist_tags(options): "options?: Omit<CommonOptions, 'dryRun'>" -> "Promise<Record<string, string>>" = |engine, env| call(engine, env, &disttag::LIST_DIST_TAGS, options)
}

operation! {
    #[doc = " Points a dist-tag at a published version (`npm dist-tag add <package>@<version> [<tag>]`):"]
    #[doc = " reads the package's dist-tags, then sets the tag unless it already points there. In CI the"]
    #[doc = " token is exchanged for the package through trusted publishing first, as npm 12 does, so a"]
    #[doc = " release job can promote a version without a token; a refused exchange falls back to the"]
    #[doc = " configured token with a warning saying why, or, without one, fails with the diagnosis"]
    #[doc = " (`EOIDCEXCHANGE`). Accounts with 2FA need `otp` (or `onOtp`) for a token of their own."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { addDistTag } from 'trust-native'"]
    #[doc = " await addDistTag({ package: '@acme/widgets', version: '2.0.0', tag: 'latest' })"]
    #[doc = " ```"]
    fn add_dist_tag(options): "options: AddDistTagOptions & CommonOptions" -> "Promise<DistTagResult>" = |engine, env| call(engine, env, &disttag::ADD_DIST_TAG, options)
}

operation! {
    #[doc = " Removes a dist-tag (`npm dist-tag rm <package> <tag>`): reads the package's dist-tags, then"]
    #[doc = " deletes the tag; in CI through trusted publishing as `addDistTag`."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { removeDistTag } from 'trust-native'"]
    #[doc = " await removeDistTag({ package: '@acme/widgets', tag: 'beta', otp })"]
    #[doc = " ```"]
    fn remove_dist_tag(options): "options: RemoveDistTagOptions & CommonOptions" -> "Promise<DistTagResult>" = |engine, env| call(engine, env, &disttag::REMOVE_DIST_TAG, options)
}
