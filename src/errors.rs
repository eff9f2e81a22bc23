//! Core errors as JS `Error`s: every failure of every call rejects (or throws) with an `Error`
//! carrying the core error's fields (`code`, `statusCode`, `field`, ...), the `TrustError` that
//! `head.d.ts` declares.

use napi::bindgen_prelude::*;

use crate::to_js::to_js;
use trust_core::error::Error as CoreError;

/// Builds the JS `Error` for a core error. Only fields of the core error are copied; the core
/// never stores a secret in one.
pub(crate) fn js_error(env: &Env, error: CoreError) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut object = env.create_error(napi::Error::from_reason(error.full_message()))?;
        object.set("code", error.code.as_str())?;
        if let Some(field) = &error.field {
            object.set("field", field.as_str())?;
        }
        if let Some(hint) = error.hint {
            object.set("hint", hint.as_str())?;
            object.set("summary", error.summary())?;
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
                object.set("claims", to_js(env, claims)?)?;
            }
            if let Some(package) = &oidc.package {
                object.set("package", package.as_str())?;
            }
            if !oidc.errors.is_empty() {
                object.set("errors", to_js(env, &oidc.errors)?)?;
            }
        }
        Ok(napi::Error::from(object.to_unknown()))
    };
    build().unwrap_or_else(|e| e)
}

#[cfg(test)]
mod tests {
    use trust_core::error::{Code, Hint};

    /// The TypeScript union of codes (the index.d.ts header) names every code the core has.
    #[test]
    fn declared_error_codes_are_the_core_codes() {
        let declared = include_str!("head.d.ts");
        for name in Code::names() {
            assert!(
                declared.contains(&format!("'{name}'")),
                "{name} is not in head.d.ts"
            );
        }
    }

    /// The TypeScript union of hints names every hint the core has, and no other.
    #[test]
    fn declared_hints_are_the_core_hints() {
        let names = union_members(include_str!("head.d.ts"), "TrustHint");
        assert_eq!(names, Hint::names().collect::<Vec<_>>());
        // A checkout with CRLF line ends (Windows) declares the same.
        let crlf = include_str!("head.d.ts").replace('\n', "\r\n");
        assert_eq!(union_members(&crlf, "TrustHint"), names);
    }

    /// The members of `export type <name> = 'a' | 'b' ...`, which ends at a blank line.
    fn union_members<'a>(declared: &'a str, name: &str) -> Vec<&'a str> {
        let rest = declared
            .split(&format!("export type {name} ="))
            .nth(1)
            .unwrap_or_else(|| panic!("head.d.ts declares {name}"));
        // The first line is the rest of the declaration's own, maybe empty.
        rest.lines()
            .enumerate()
            .take_while(|(i, line)| *i == 0 || !line.trim().is_empty())
            .flat_map(|(_, line)| line.split('|'))
            .map(|n| n.trim().trim_matches('\''))
            .filter(|n| !n.is_empty())
            .collect()
    }
}
