//! PyPI's trusted-publishing endpoints: `/_/oidc/audience` and `/_/oidc/mint-token`, with
//! PyPI's matching rules (GitHub's `job_workflow_ref`, case-insensitive owners and environments),
//! single-use tokens, and its `422 { message, errors: [{ code, description }] }` refusals.

use serde_json::{json, Value};

use super::server::{Reply, Request};
use super::state::State;
use super::Shared;
use crate::oidc::diagnose::ref_file;
use crate::oidc::jwt;

/// PyPI's audience (TestPyPI's is `testpypi`).
pub const AUDIENCE: &str = "pypi";
/// Minted tokens live 15 minutes.
const TOKEN_LIFETIME: i64 = 900;

pub fn audience() -> Reply {
    Reply::json(200, json!({ "audience": AUDIENCE }))
}

fn refuse(code: &str, description: &str) -> Reply {
    Reply::json(
        422,
        json!({
            "message": "Token request failed",
            "errors": [{ "code": code, "description": description }],
        }),
    )
}

pub fn mint_token(shared: &Shared, state: &mut State, request: &Request) -> Reply {
    let Some(token) = request
        .json()
        .and_then(|b| b.get("token").and_then(Value::as_str).map(str::to_string))
    else {
        return refuse(
            "invalid-payload",
            "malformed request: expected a JSON object with a `token` string",
        );
    };
    let claims = match shared.issuers.verify(&token, AUDIENCE) {
        Ok((_, claims)) => claims,
        Err(why) => {
            return refuse(
                "invalid-token",
                &format!("could not verify the OIDC token: {why}"),
            )
        }
    };
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if state.pypi_used_jti.contains(&jti) {
        return refuse("invalid-reuse-token", "invalid token: already used");
    }
    let project = state.pypi_projects.iter().find(|p| {
        p.publishers
            .iter()
            .any(|publisher| matches(publisher, &claims))
    });
    let Some(project) = project else {
        return refuse(
            "invalid-publisher",
            "valid token, but no corresponding publisher (Publisher with matching claims was not found)",
        );
    };
    let name = project.name.clone();
    state.pypi_used_jti.insert(jti);
    Reply::json(
        200,
        json!({
            "success": true,
            "token": format!("pypi-emulated-{name}-{}", uuid::Uuid::new_v4().simple()),
            "expires": jwt::now() + TOKEN_LIFETIME,
        }),
    )
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn same_ignoring_case(a: &str, b: &str) -> bool {
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

/// An optional environment: unconfigured matches anything; configured, compared ignoring case.
fn environment_ok(publisher: &Value, claims: &Value) -> bool {
    match publisher.get("environment").and_then(Value::as_str) {
        Some(env) => same_ignoring_case(env, text(claims, "environment")),
        None => true,
    }
}

/// PyPI's rule for one publisher.
fn matches(publisher: &Value, claims: &Value) -> bool {
    let iss = text(claims, "iss");
    match text(publisher, "type") {
        "github" => {
            iss == "https://token.actions.githubusercontent.com"
                && same_ignoring_case(text(publisher, "repository"), text(claims, "repository"))
                // The workflow that runs the job: for a reusable workflow, the reusable one.
                && ref_file(text(claims, "job_workflow_ref")) == text(publisher, "workflow")
                && environment_ok(publisher, claims)
        }
        "gitlab" => {
            let expected = format!(
                "gitlab.com/{}//{}@",
                text(publisher, "project"),
                text(publisher, "workflow")
            );
            iss == "https://gitlab.com"
                && same_ignoring_case(text(publisher, "project"), text(claims, "project_path"))
                && text(claims, "ci_config_ref_uri")
                    .to_ascii_lowercase()
                    .starts_with(&expected.to_ascii_lowercase())
                && environment_ok(publisher, claims)
        }
        "google" => {
            iss == "https://accounts.google.com"
                && same_ignoring_case(text(publisher, "email"), text(claims, "email"))
                && claims.get("email_verified") == Some(&Value::Bool(true))
                && publisher
                    .get("subject")
                    .and_then(Value::as_str)
                    .is_none_or(|s| s == text(claims, "sub"))
        }
        "activestate" => ["organization", "project", "actor"]
            .iter()
            .all(|k| !text(publisher, k).is_empty() && text(publisher, k) == text(claims, k)),
        _ => false,
    }
}
