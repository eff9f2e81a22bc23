//! The trust endpoints (`/-/package/{name}/trust[/{id}]`): the registry's checks in its order,
//! one configuration per package, and its error answers.

use serde_json::{json, Value};

use super::registry::{authenticate, require_otp};
use super::server::{Reply, Request};
use super::state::{Package, State};
use crate::trust::{self, checks::is_uuid, CREATE_PACKAGE, CREATE_STAGED_PACKAGE};

pub fn handle(
    state: &mut State,
    request: &Request,
    method: &str,
    package: &str,
    id: Option<&str>,
) -> Reply {
    let user = match authenticate(state, request) {
        Ok(user) => user,
        Err(reply) => return reply,
    };
    if user.bypass2fa {
        return Reply::message(
            401,
            "Unauthorized: tokens that bypass two-factor authentication cannot manage trusted publishers",
        );
    }
    if !user.tfa {
        return Reply::message(
            403,
            "Two-factor authentication must be enabled on your account to manage trusted publishers",
        );
    }
    let Some(maintainers) = state.packages.get(package).map(|p| &p.maintainers) else {
        return Reply::message(404, "Package not found");
    };
    if !maintainers.contains(&user.name) {
        return Reply::message(403, &format!("You do not have write access to {package}"));
    }
    if let Some(reply) = require_otp(state, &user, request) {
        return reply;
    }
    let Some(pkg) = state.packages.get_mut(package) else {
        return Reply::message(404, "Package not found");
    };
    match (method, id) {
        ("GET", None) => Reply::json(200, Value::Array(pkg.publishers.clone())),
        ("POST", None) => create(pkg, request),
        ("DELETE", Some(id)) => revoke(pkg, id),
        _ => Reply::message(405, "Method not allowed"),
    }
}

fn create(pkg: &mut Package, request: &Request) -> Reply {
    let config = match validate_create_body(request.json()) {
        Ok(config) => config,
        Err(message) => return Reply::message(400, &message),
    };
    if !pkg.publishers.is_empty() {
        return Reply::message(
            409,
            "A trusted publisher configuration already exists for this package",
        );
    }
    let mut stored = json!({ "id": uuid::Uuid::new_v4().to_string() });
    for key in ["type", "claims", "permissions"] {
        stored[key] = config[key].clone();
    }
    pkg.publishers.push(stored.clone());
    Reply::json(201, Value::Array(vec![stored]))
}

/// The registry's schema for a create: an array with one `{ type, claims, permissions }` whose
/// claims are the provider's, complete and well-formed.
fn validate_create_body(body: Option<Value>) -> Result<Value, String> {
    let Some(Value::Array(mut items)) = body else {
        return Err("Request body must be a JSON array of trusted publisher configurations".into());
    };
    if items.len() != 1 {
        return Err("Exactly one trusted publisher configuration is supported per package".into());
    }
    let config = items.remove(0);
    let kind = config
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let provider = trust::provider(kind)
        .ok_or_else(|| format!("Unsupported trusted publisher type \"{kind}\""))?;
    let claims = config
        .get("claims")
        .filter(|c| c.is_object())
        .ok_or("claims must be an object")?;
    provider
        .validate(&provider.values_from_claims(claims))
        .map_err(|e| format!("Invalid claims: {}", e.message))?;
    let permissions = config
        .get("permissions")
        .and_then(Value::as_array)
        .filter(|ps| !ps.is_empty())
        .ok_or("permissions must be a non-empty array")?;
    if let Some(bad) = permissions.iter().find(|p| {
        ![CREATE_PACKAGE, CREATE_STAGED_PACKAGE].contains(&p.as_str().unwrap_or_default())
    }) {
        return Err(format!("Unknown permission {bad}"));
    }
    Ok(config)
}

fn revoke(pkg: &mut Package, id: &str) -> Reply {
    if !is_uuid(id) {
        return Reply::message(400, "Invalid trusted publisher config id format");
    }
    let before = pkg.publishers.len();
    pkg.publishers
        .retain(|p| p.get("id").and_then(Value::as_str) != Some(id));
    if pkg.publishers.len() == before {
        return Reply::message(404, "Trusted publisher configuration not found");
    }
    Reply::empty(204)
}
