//! What the package's own JavaScript (the CLI in `bin/`, the semantic-release plugin) needs of
//! the core besides the operations, so that none of it is written a second time in JavaScript:
//! a declared spec as the registry would store it, a package.json `repository` read as npm reads it, and npm's UUID rule. Each reads its
//! arguments and calls the core.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{json, Map, Value};

use crate::engine::guarded;
use crate::errors::js_error;
use crate::options::{string_argument, to_json};
use crate::to_js::{to_js, Js};
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::trust;

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
        let provider = crate::trust::provider_named(kind)?;
        let options: Map<String, Value> = spec
            .iter()
            .filter(|(key, _)| provider.field(key).is_some())
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let values = provider.values_from_json(&options)?;
        let flag = |name: &str| spec.get(name).and_then(Value::as_bool);
        // A spec that grants nothing is refused where it is applied; here it grants nothing.
        let permissions =
            trust::provider::permissions(flag("allowPublish"), flag("allowStagePublish"))
                .unwrap_or_default();
        Ok(json!({
            "id": id,
            "type": provider.kind,
            "permissions": permissions,
            "claims": provider.claims(&values),
        }))
    };
    to_js(env, &guarded(run, Err).map_err(|e| js_error(env, e))?)
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
    to_js(env, &guarded(run, Err).map_err(|e| js_error(env, e))?)
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
    trust_core::provider::checks::is_uuid(&text)
}
