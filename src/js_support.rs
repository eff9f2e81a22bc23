//! What the package's own JavaScript (the CLI in `bin/`, the semantic-release plugin) needs of
//! the core besides the operations, so that none of it is written a second time in JavaScript:
//! a publisher added by its provider's `type`, a declared spec as the registry would store it,
//! a package.json `repository` read as npm reads it, and npm's UUID rule. Each reads its
//! arguments and calls the core.

use napi::bindgen_prelude::*;
use napi::{JsValue, KeyCollectionMode, KeyConversion, KeyFilter};
use napi_derive::napi;
use serde_json::{json, Map, Value};

use crate::client::TrustClient;
use crate::engine::{rejected, Engine};
use crate::errors::js_error;
use crate::options::{clear_exception, string_argument, to_json, Options};
use crate::to_js::{to_js, Js};
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::trust::{self, Provider, PROVIDERS};

/// The provider a `type` names, or the error that lists the ones there are.
fn provider(kind: &str) -> CoreResult<&'static Provider> {
    trust::provider(kind).ok_or_else(|| {
        let known: Vec<&str> = PROVIDERS.iter().map(|p| p.kind).collect();
        CoreError::invalid_input(
            "type",
            format!(
                "Unknown publisher type \"{kind}\": expected {}",
                known.join(", ")
            ),
        )
    })
}

/// Adds a trusted publisher of the provider `type` names (a row of `trustProviders()`): the
/// other options are those of that provider's `add*Publisher` (`addGithubPublisher`, ...), which
/// this calls.
///
/// @example
/// ```js
/// import { addPublisher } from 'trust-native'
/// const { publisher } = await addPublisher({ type: 'github', package: 'widgets', file: 'release.yml', otp: '123456' })
/// console.log(publisher?.id)
/// ```
#[napi(
    ts_args_type = "options: { type: TrustSpec['type'] } & Partial<GithubPublisherOptions & GitlabPublisherOptions & CircleciPublisherOptions> & PublishPermissions & StrictOption & CommonOptions",
    ts_return_type = "Promise<AddPublisherResult>"
)]
pub fn add_publisher<'env>(
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    add_with(&Engine::free(env)?, env, options)
}

#[napi]
impl TrustClient {
    /// `addPublisher` with the client's defaults.
    ///
    /// @example
    /// ```js
    /// await client.addPublisher({ type: 'gitlab', package: 'widgets', project: 'acme/widgets', file: '.gitlab-ci.yml' })
    /// ```
    #[napi(
        ts_args_type = "options: { type: TrustSpec['type'] } & Partial<GithubPublisherOptions & GitlabPublisherOptions & CircleciPublisherOptions> & PublishPermissions & StrictOption & CommonOptions",
        ts_return_type = "Promise<AddPublisherResult>"
    )]
    pub fn add_publisher<'env>(
        &self,
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Js>> {
        add_with(&self.engine, env, options)
    }
}

/// The provider's `add*Publisher` on `engine`, the options but `type` passed on.
fn add_with<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let split = (|| {
        let mut o = Options::new(options, "options")?;
        let kind = o.string("type")?.unwrap_or_default();
        let provider = provider(&kind)?;
        Ok((provider, without_type(env, options)?))
    })();
    match split {
        Ok((provider, rest)) => crate::trust::add(engine, env, provider, rest),
        Err(error) => rejected(env, error),
    }
}

/// A copy of the options object with its own enumerable properties but `type`: the options of
/// the provider's `add*Publisher`, which refuses keys it does not read.
fn without_type<'env>(
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> CoreResult<Option<Unknown<'env>>> {
    let Some(options) = options else {
        return Ok(None);
    };
    let failed = |_| {
        clear_exception(env.raw());
        CoreError::invalid_input("options", "The options cannot be read.")
    };
    // SAFETY: Options::new has checked that `options` is an object.
    let source = unsafe { options.cast::<Object>() }.map_err(failed)?;
    let mut copy = Object::new(env).map_err(failed)?;
    let names = source
        .get_all_property_names(
            KeyCollectionMode::OwnOnly,
            KeyFilter::Enumerable,
            KeyConversion::NumbersToStrings,
        )
        .map_err(failed)?;
    for i in 0..names.get_array_length().map_err(failed)? {
        let name: String = names.get_element(i).map_err(failed)?;
        if name != "type" {
            let value: Unknown = source.get_named_property(&name).map_err(failed)?;
            copy.set_named_property(&name, value).map_err(failed)?;
        }
    }
    Ok(Some(copy.to_unknown()))
}

/// A declared spec (a trust.json entry, `readTrustConfig`'s) as the registry would store it,
/// for `diagnoseTrust`: its `type`, the `permissions` it grants and its `claims`, by its
/// provider's table; `id` names it in the diagnosis. Keys that are not the provider's options
/// (`package`, `replace`, ...) are ignored.
///
/// @example
/// ```js
/// import { diagnoseTrust, publisherOfSpec, readTrustConfig } from 'trust-native'
/// const specs = await readTrustConfig('trust.json')
/// const publishers = specs.map((spec, i) => publisherOfSpec(spec, `trust.json #${i + 1}`))
/// console.log(diagnoseTrust({ claims: { repository: 'acme/widgets' }, publishers }).closest)
/// ```
#[napi(
    ts_args_type = "spec: TrustSpec, id: string",
    ts_return_type = "Publisher"
)]
pub fn publisher_of_spec(env: &Env, spec: Unknown, id: Unknown) -> napi::Result<Js> {
    let run = || -> CoreResult<Value> {
        let id = string_argument(Some(id), "id")?.unwrap_or_default();
        let spec = to_json(spec).map_err(|_| {
            CoreError::invalid_input("spec", "The spec must be an object of JSON data.")
        })?;
        let Some(spec) = spec.as_object() else {
            return Err(CoreError::invalid_input(
                "spec",
                "The spec must be an object.",
            ));
        };
        let kind = spec.get("type").and_then(Value::as_str).unwrap_or_default();
        let provider = provider(kind)?;
        let options: Map<String, Value> = spec
            .iter()
            .filter(|(key, _)| provider.field(key).is_some())
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let values = provider.values_from_json(&options)?;
        let flag = |name: &str| spec.get(name).and_then(Value::as_bool);
        // A spec that grants nothing is refused where it is applied; here it grants nothing.
        let permissions =
            trust::permissions(flag("allowPublish"), flag("allowStagePublish")).unwrap_or_default();
        Ok(json!({
            "id": id,
            "type": provider.kind,
            "permissions": permissions,
            "claims": provider.claims(&values),
        }))
    };
    to_js(env, &run().map_err(|e| js_error(env, e))?)
}

/// Where a package.json `repository` (its string, or its `url`) points, read as npm reads it
/// (hosted-git-info): `github:owner/repo`, `git+https://...`, `git@host:...`, `owner/repo`, with
/// or without `.git` or a `#ref`. `host` is `github`, `gitlab` or `bitbucket`; `path` is
/// `owner/repo` (`group/subgroup/project` on GitLab), case as written. `null` for other hosts
/// and what is not a repository.
///
/// @example
/// ```js
/// import { parseRepository } from 'trust-native'
/// parseRepository('git+https://github.com/acme/widgets.git') // { host: 'github', path: 'acme/widgets' }
/// ```
#[napi(
    ts_args_type = "repository: string",
    ts_return_type = "{ host: 'github' | 'gitlab' | 'bitbucket'; path: string } | null"
)]
pub fn parse_repository(env: &Env, repository: Unknown) -> napi::Result<Js> {
    let run = || -> CoreResult<Value> {
        let spec = string_argument(Some(repository), "repository")?.unwrap_or_default();
        Ok(trust_core::repository::parse(&spec).map_or(
            Value::Null,
            |found| json!({ "host": found.host.type_name(), "path": found.path }),
        ))
    };
    to_js(env, &run().map_err(|e| js_error(env, e))?)
}

/// Whether `text` is a UUID as npm checks one (`validateUUID`: hyphenated hex 8-4-4-4-12, any
/// case): a stage id, a CircleCI organization, project or context.
///
/// @example
/// ```js
/// import { isUuid } from 'trust-native'
/// isUuid('3e4b2f1a-1111-4222-8333-444455556666') // true
/// ```
#[napi]
pub fn is_uuid(text: String) -> bool {
    trust_core::api::is_uuid(&text)
}
