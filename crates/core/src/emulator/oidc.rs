//! OIDC: the fake issuers' endpoints (JWKS, GitHub's request-URL protocol, Google's metadata
//! server) and the registry's exchange of an id_token for a package-scoped npm token.

use serde_json::{json, Value};

use super::issuers::ID_TOKEN_LIFETIME;
use super::registry::{hostname, origin};
use super::server::{Reply, Request};
use super::state::{Grant, State};
use super::Shared;
use crate::oidc::diagnose::ref_file;
use crate::oidc::jwt;
use crate::trust::Publisher;

/// How long an exchanged npm token lives, as on the registry.
const GRANT_LIFETIME: i64 = 3600;

/// `/-/oidc/{provider}/.well-known/openid-configuration`, `/-/oidc/{provider}/jwks`, and for
/// GitHub `/-/oidc/github/token?audience=…` (the `ACTIONS_ID_TOKEN_REQUEST_URL` protocol).
pub fn issuer_endpoint(
    shared: &Shared,
    state: &State,
    request: &Request,
    provider: &str,
    rest: &[&str],
) -> Reply {
    let Some(issuer) = shared.issuers.get(provider) else {
        return Reply::message(404, "Unknown issuer");
    };
    let base = format!("{}/-/oidc/{provider}", origin(request));
    match rest {
        [".well-known", "openid-configuration"] => Reply::json(
            200,
            json!({
                "issuer": base,
                "jwks_uri": format!("{base}/jwks"),
                "id_token_signing_alg_values_supported": ["RS256"],
            }),
        ),
        ["jwks"] => Reply::json(200, json!({ "keys": [issuer.jwk()] })),
        ["token"] if provider == "github" => {
            let job = request.bearer().and_then(|t| state.github_jobs.get(t));
            let Some(claims) = job else {
                return Reply::message(
                    401,
                    "Bad credentials: unknown ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                );
            };
            let owner = claims
                .get("repository_owner")
                .and_then(Value::as_str)
                .unwrap_or("acme");
            let audience = request
                .query_param("audience")
                .unwrap_or_else(|| format!("https://github.com/{owner}"));
            let token = issuer.issue(&audience, claims, ID_TOKEN_LIFETIME);
            Reply::json(200, json!({ "count": 1, "value": token }))
        }
        _ => Reply::message(404, "Not found"),
    }
}

/// Google's metadata server: the instance identity, for the audience asked.
pub fn google_metadata(shared: &Shared, state: &State, request: &Request) -> Reply {
    if request.header("metadata-flavor") != Some("Google") {
        return Reply::message(403, "Missing Metadata-Flavor: Google header");
    }
    let Some(audience) = request.query_param("audience") else {
        return Reply::message(400, "audience parameter required");
    };
    let issuer = shared
        .issuers
        .get("google")
        .expect("the Google issuer exists");
    let mut reply = Reply::empty(200);
    reply
        .headers
        .push(("content-type".into(), "application/text".into()));
    reply.body = issuer
        .issue(&audience, &state.google_identity, 3600)
        .into_bytes();
    reply
}

/// `POST /-/npm/v1/oidc/token/exchange/package/{name}`: verifies the bearer id_token (issuer,
/// signature, `aud` = `npm:<registry host>`, expiry), finds a trust configuration of the package
/// whose claims the token satisfies, and mints a one-hour token for that package.
pub fn exchange(shared: &Shared, state: &mut State, request: &Request, package: &str) -> Reply {
    let Some(id_token) = request.bearer() else {
        return Reply::message(401, "OIDC token exchange error - missing id_token");
    };
    let audience = format!("npm:{}", hostname(request));
    let (provider, claims) = match shared.issuers.verify(id_token, &audience) {
        Ok(verified) => verified,
        Err(why) => {
            return Reply::message(
                401,
                &format!("OIDC token exchange error - invalid token: {why}"),
            )
        }
    };
    // The registry answers the same 404 whether the package is missing or nothing matches.
    let not_found = || Reply::message(404, "OIDC token exchange error - package not found");
    let Some(pkg) = state.packages.get(package) else {
        return not_found();
    };
    let Some(config) = pkg
        .publishers
        .iter()
        .find(|c| matches(c, provider, &claims))
    else {
        return not_found();
    };
    let permissions = Publisher::from_registry(config)
        .map(|p| p.permissions)
        .unwrap_or_default();
    let now = jwt::now();
    let token = format!("oidc-emulated-{}", uuid::Uuid::new_v4().simple());
    state.grants.insert(
        token.clone(),
        Grant {
            package: package.to_string(),
            permissions,
            expires: now + GRANT_LIFETIME,
        },
    );
    Reply::json(
        201,
        json!({
            "token_type": "oidc",
            "token": token,
            "created": rfc3339(now),
            "expires": rfc3339(now + GRANT_LIFETIME),
        }),
    )
}

/// The registry's matching, from its API description: every claim of the configuration must be
/// satisfied by the token. A string matches exactly, `{ "file": f }` matches the file of the
/// token's ref claim, and a list needs each of its values among the token's.
fn matches(config: &Value, provider: &str, claims: &Value) -> bool {
    if config.get("type").and_then(Value::as_str) != Some(provider) {
        return false;
    }
    let Some(wanted) = config.get("claims").and_then(Value::as_object) else {
        return false;
    };
    wanted.iter().all(|(key, expected)| {
        let actual = claims.get(key);
        match expected {
            Value::String(s) => actual.and_then(Value::as_str) == Some(s),
            Value::Object(rule) => match (
                rule.get("file").and_then(Value::as_str),
                actual.and_then(Value::as_str),
            ) {
                (Some(file), Some(reference)) => ref_file(reference) == file,
                _ => false,
            },
            Value::Array(items) => {
                let have = actual
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                items.iter().all(|i| have.contains(i))
            }
            _ => false,
        }
    })
}

/// `2025-07-18T10:30:00.000Z` for Unix seconds (the civil-from-days algorithm).
pub fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_752_834_600), "2025-07-18T10:30:00.000Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn matching_follows_the_claims_rules() {
        let config = json!({"type": "github", "claims": {"repository": "a/b", "workflow_ref": {"file": "r.yml"}}});
        let claims = json!({"repository": "a/b", "workflow_ref": "a/b/.github/workflows/r.yml@refs/heads/main"});
        assert!(matches(&config, "github", &claims));
        assert!(!matches(&config, "gitlab", &claims));
        assert!(!matches(
            &config,
            "github",
            &json!({"repository": "a/B", "workflow_ref": claims["workflow_ref"]})
        ));
        let with_env = json!({"type": "github", "claims": {"repository": "a/b", "workflow_ref": {"file": "r.yml"}, "environment": "npm"}});
        assert!(!matches(&with_env, "github", &claims));
        let contexts =
            json!({"type": "circleci", "claims": {"oidc.circleci.com/context-ids": ["c1"]}});
        assert!(matches(
            &contexts,
            "circleci",
            &json!({"oidc.circleci.com/context-ids": ["c0", "c1"]})
        ));
        assert!(!matches(
            &contexts,
            "circleci",
            &json!({"oidc.circleci.com/context-ids": []})
        ));
    }
}
