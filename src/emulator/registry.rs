//! The registry's behaviour for the trust endpoints (`/-/package/{name}/trust[/{id}]`): bearer
//! auth, 2FA with the OTP and web flows' 401 answers, write access, one configuration per
//! package, and the registry's error answers.

use std::sync::Arc;

use serde_json::{json, Value};

use super::faults::{self, Fault};
use super::server::{Handler, Reply, Request};
use super::{RecordedRequest, Shared, State, UserSeed};
use crate::trust::{self, checks::is_uuid, CREATE_PACKAGE, CREATE_STAGED_PACKAGE};

pub(crate) struct Registry {
    pub shared: Arc<Shared>,
}

impl Handler for Registry {
    async fn handle(&self, request: Request) -> Reply {
        let fault = self.record(&request);
        match fault {
            Some(Fault::Status {
                status,
                retry_after,
            }) => {
                let reply = Reply::message(status, &format!("Injected fault: status {status}"));
                return match retry_after {
                    Some(secs) => reply.with_header("retry-after", &secs.to_string()),
                    None => reply,
                };
            }
            Some(Fault::Latency { ms }) => {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await
            }
            None => {}
        }
        route(&mut self.shared.state(), &request)
    }
}

impl Registry {
    /// Records the request and picks the fault to apply to it, if any.
    fn record(&self, request: &Request) -> Option<Fault> {
        let mut state = self.shared.state();
        state.requests.push(RecordedRequest {
            method: request.method.clone(),
            path: match &request.query {
                Some(q) => format!("{}?{q}", request.raw_path),
                None => request.raw_path.clone(),
            },
            headers: request.headers.iter().cloned().collect(),
            body: String::from_utf8_lossy(&request.body).into_owned(),
        });
        faults::take(&mut state.faults, request)
    }
}

fn route(state: &mut State, request: &Request) -> Reply {
    let method = request.method.as_str();
    if request.path_is(&["-", "package", "*", "trust"])
        || request.path_is(&["-", "package", "*", "trust", "*"])
    {
        let package = request.segments[2].clone();
        let id = request.segments.get(4).cloned();
        return match (method, id) {
            ("GET", None) => trust_call(state, request, &package, |pkg| {
                Reply::json(200, Value::Array(pkg.publishers.clone()))
            }),
            ("POST", None) => trust_call(state, request, &package, |pkg| create(pkg, request)),
            ("DELETE", Some(id)) => trust_call(state, request, &package, |pkg| revoke(pkg, &id)),
            _ => Reply::message(405, "Method not allowed"),
        };
    }
    Reply::message(404, "Not found")
}

/// The checks every trust endpoint makes, in the registry's order, then the action.
fn trust_call(
    state: &mut State,
    request: &Request,
    package: &str,
    action: impl FnOnce(&mut super::Package) -> Reply,
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
    let Some(pkg) = state.packages.get_mut(package) else {
        return Reply::message(404, "Package not found");
    };
    if !pkg.maintainers.contains(&user.name) {
        return Reply::message(403, &format!("You do not have write access to {package}"));
    }
    if let Some(reply) = require_otp(&user, request) {
        return reply;
    }
    action(pkg)
}

fn authenticate(state: &State, request: &Request) -> Result<UserSeed, Reply> {
    let Some(token) = request.bearer() else {
        return Err(Reply::message(401, "Unauthorized"));
    };
    state
        .users
        .iter()
        .find(|u| u.token == token)
        .cloned()
        .ok_or_else(|| Reply::message(401, "Unauthorized"))
}

/// 2FA for writes and reads of trust configuration, as the registry does: without `npm-otp`, a
/// 401 with `www-authenticate: OTP`, and the web flow's URLs when the client asked for it.
fn require_otp(user: &UserSeed, request: &Request) -> Option<Reply> {
    match request.header("npm-otp") {
        Some(otp) if otp == user.otp => None,
        Some(_) => Some(
            Reply::json(401, json!({ "error": "Invalid one-time password" }))
                .with_header("www-authenticate", "OTP"),
        ),
        None => {
            let body = if request.header("npm-auth-type") == Some("web") {
                let host = request.header("host").unwrap_or("127.0.0.1");
                let id = uuid::Uuid::new_v4();
                json!({
                    "authUrl": format!("http://{host}/auth/cli/{id}"),
                    "doneUrl": format!("http://{host}/-/v1/done?authId={id}"),
                })
            } else {
                json!({ "error": "This operation requires a one-time password" })
            };
            Some(Reply::json(401, body).with_header("www-authenticate", "OTP"))
        }
    }
}

fn create(pkg: &mut super::Package, request: &Request) -> Reply {
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

fn revoke(pkg: &mut super::Package, id: &str) -> Reply {
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
