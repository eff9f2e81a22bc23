//! Conversions between JS values and the core: option decoding, results, and core errors as JS
//! `Error`s.
//!
//! Every export returns a Promise, and every failure rejects it with an `Error` that carries the
//! core error's fields (`code`, `statusCode`, `field`, ...). Option decoding problems reject the
//! same way (`EINVALIDINPUT`), never throw synchronously.

use std::future::Future;

use napi::bindgen_prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use trust_core::error::{Code, Error as CoreError, Result as CoreResult};

/// Reads a JS options object into `T` (serde): missing optional fields are `None`, keys `T`
/// does not declare are left for the other decoders of the same object, and functions (such as
/// `onOtp`, read separately) are skipped.
pub(crate) fn decode<T: DeserializeOwned>(env: &Env, options: Option<&Object>) -> CoreResult<T> {
    let invalid =
        |reason: &str| CoreError::new(Code::InvalidInput, format!("Invalid options: {reason}"));
    let mut map = serde_json::Map::new();
    if let Some(object) = options {
        for key in Object::keys(object).map_err(|e| invalid(&e.reason))? {
            // `get` answers `None` for undefined values: an option set to undefined is unset.
            let Some(value) = object
                .get::<Unknown>(&key)
                .map_err(|e| invalid(&e.reason))?
            else {
                continue;
            };
            if matches!(value.get_type(), Ok(ValueType::Function)) {
                continue;
            }
            let json = env
                .from_js_value::<serde_json::Value, _>(value)
                .map_err(|e| {
                    CoreError::invalid_input(
                        key.as_str(),
                        format!("Invalid option {key}: {}", e.reason),
                    )
                })?;
            map.insert(key, json);
        }
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| invalid(&e.to_string()))
}

/// Converts between a core type and its JS-facing twin through serde. The JS-facing types deny
/// unknown fields, so a core field missing from the TypeScript declarations fails every test
/// that reaches it instead of silently vanishing.
pub(crate) fn convert<A: Serialize, B: DeserializeOwned>(value: &A) -> napi::Result<B> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// Builds the JS `Error` for a core error. Only fields of the core error are copied; the core
/// never stores a secret in one.
pub(crate) fn js_error(env: &Env, error: CoreError) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut object = env.create_error(napi::Error::from_reason(error.full_message()))?;
        object.set("code", error.code.as_str())?;
        if let Some(field) = &error.field {
            object.set("field", field.as_str())?;
        }
        if let Some(http) = &error.http {
            if let Some(status) = http.status {
                object.set("statusCode", status as u32)?;
            }
            object.set("method", http.method.as_str())?;
            object.set("url", http.url.as_str())?;
            if let Some(message) = &http.registry_message {
                object.set("registryMessage", message.as_str())?;
            }
        }
        if let Some(web) = &error.web_auth {
            object.set("authUrl", web.auth_url.as_str())?;
            object.set("doneUrl", web.done_url.as_str())?;
        }
        if let Some(oidc) = &error.oidc {
            if let Some(claims) = &oidc.claims {
                object.set("claims", claims.clone())?;
            }
            if let Some(package) = &oidc.package {
                object.set("package", package.as_str())?;
            }
            if !oidc.errors.is_empty() {
                object.set(
                    "errors",
                    serde_json::to_value(&oidc.errors).unwrap_or_default(),
                )?;
            }
        }
        Ok(napi::Error::from(object.to_unknown()))
    };
    build().unwrap_or_else(|e| e)
}

/// Runs a core future on napi's runtime; settles a Promise with `finish(value)` or rejects it
/// with the core error as a JS `Error`.
pub(crate) fn promise_with<'env, T, J, F, C>(
    env: &'env Env,
    future: F,
    finish: C,
) -> napi::Result<PromiseRaw<'env, J>>
where
    T: Send + 'static,
    J: ToNapiValue + 'static,
    F: Future<Output = CoreResult<T>> + Send + 'static,
    C: FnOnce(T) -> napi::Result<J> + 'static,
{
    env.spawn_future_with_callback(
        async move { Ok(future.await) },
        move |env, result| match result {
            Ok(value) => finish(value),
            Err(error) => Err(js_error(env, error)),
        },
    )
}

#[cfg(test)]
mod tests {
    use trust_core::error::Code;

    /// The TypeScript union of codes (the index.d.ts header) names every code the core has.
    #[test]
    fn declared_error_codes_are_the_core_codes() {
        let declared = include_str!("errors.d.ts");
        for name in Code::names() {
            assert!(
                declared.contains(&format!("'{name}'")),
                "{name} is not in errors.d.ts"
            );
        }
    }
}
