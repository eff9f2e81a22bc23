//! The emulator's request handling: record, apply injected faults, route to the endpoint, and
//! the authentication every npm endpoint shares (bearer tokens, 2FA).

use std::sync::Arc;

use serde_json::json;

use super::faults::{self, Fault};
use super::server::{Handler, Reply, Request};
use super::state::{RecordedRequest, State, UserSeed};
use super::{oidc, packages, pypi, trust, Shared};

pub(crate) struct Registry {
    pub shared: Arc<Shared>,
}

impl Handler for Registry {
    async fn handle(&self, request: Request) -> Reply {
        match self.record(&request) {
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
        route(&self.shared, &mut self.shared.state(), &request)
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

fn route(shared: &Shared, state: &mut State, request: &Request) -> Reply {
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    match (request.method.as_str(), segments.as_slice()) {
        (method, ["-", "package", package, "trust", rest @ ..]) if rest.len() <= 1 => {
            trust::handle(state, request, method, package, rest.first().copied())
        }
        ("POST", ["-", "npm", "v1", "oidc", "token", "exchange", "package", package]) => {
            oidc::exchange(shared, state, request, package)
        }
        ("GET", ["-", "oidc", provider, rest @ ..]) => {
            oidc::issuer_endpoint(shared, state, request, provider, rest)
        }
        (
            "GET",
            ["computeMetadata", "v1", "instance", "service-accounts", "default", "identity"],
        ) => oidc::google_metadata(shared, state, request),
        ("GET", ["_", "oidc", "audience"]) => pypi::audience(),
        ("POST", ["_", "oidc", "mint-token"]) => pypi::mint_token(shared, state, request),
        ("GET", [package]) => packages::packument(state, package),
        ("PUT", [package]) => packages::publish(state, request, package),
        _ => Reply::message(404, "Not found"),
    }
}

/// The user a request's bearer token belongs to; 401 otherwise.
pub fn authenticate(state: &State, request: &Request) -> Result<UserSeed, Reply> {
    request
        .bearer()
        .and_then(|token| state.user_by_token(token))
        .cloned()
        .ok_or_else(|| Reply::message(401, "Unauthorized"))
}

/// 2FA for writes, as the registry does it: without `npm-otp`, a 401 with
/// `www-authenticate: OTP`, and the web flow's URLs when the client asked for it.
pub fn require_otp(user: &UserSeed, request: &Request) -> Option<Reply> {
    if !user.tfa {
        return None;
    }
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

/// The host name the client addressed, without port: npm's audience is `npm:<hostname>`.
pub fn hostname(request: &Request) -> String {
    let host = request.header("host").unwrap_or("127.0.0.1");
    host.rsplit_once(':').map_or(host, |(h, _)| h).to_string()
}
