//! The emulator's request handling: record, apply injected faults, route to the endpoint, and
//! the authentication every npm endpoint shares (bearer tokens, 2FA).

use std::sync::Arc;

use serde_json::json;

use super::faults::{self, Fault, FaultRule};
use super::server::{Handler, Reply, Request};
use super::state::{RecordedRequest, State, UserSeed, WebAuthRequest};
use super::{oidc, packages, pypi, trust, Shared};

pub(crate) struct Registry {
    pub shared: Arc<Shared>,
}

impl Handler for Registry {
    async fn handle(&self, request: Request) -> Reply {
        let rule = self.record(&request);
        let (before, after) = match &rule {
            Some(rule) if rule.after => (None, Some(&rule.fault)),
            Some(rule) => (Some(&rule.fault), None),
            None => (None, None),
        };
        match before {
            // Delays and slow bodies still answer for real; the rest answer instead of acting.
            Some(Fault::Latency { ms }) => {
                tokio::time::sleep(std::time::Duration::from_millis(*ms)).await
            }
            Some(fault @ Fault::SlowBody { .. }) => {
                return faults::apply(fault, &request, self.act(&request)).await
            }
            Some(fault) => return faults::apply(fault, &request, Reply::empty(200)).await,
            None => {}
        }
        let reply = self.act(&request);
        match after {
            Some(fault) => faults::apply(fault, &request, reply).await,
            None => reply,
        }
    }
}

impl Registry {
    fn act(&self, request: &Request) -> Reply {
        route(&self.shared, &mut self.shared.state(), request)
    }

    /// Records the request and picks the fault to apply to it, if any.
    fn record(&self, request: &Request) -> Option<FaultRule> {
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
            if let Some(Err(wait)) = state.rate_limit.as_mut().map(|bucket| bucket.take()) {
                return Reply::message(429, "Too many requests, slow down")
                    .with_header("retry-after", &wait.to_string());
            }
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
        ("GET", ["auth", "cli", id]) => web_auth_page(state, request, id),
        ("GET", ["-", "v1", "done"]) => web_auth_done(state, request),
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

/// How long web-flow OTPs and the skip window last.
const WEB_OTP_LIFETIME: i64 = 300;

/// 2FA for writes, as the registry does it: an OTP in `npm-otp` (the user's authenticator code,
/// or one from an approved web flow), or a "skip 2FA for 5 minutes" window. Without one, a 401
/// with `www-authenticate: OTP`, and the web flow's URLs when the client asked for it.
pub fn require_otp(state: &mut State, user: &UserSeed, request: &Request) -> Option<Reply> {
    let now = crate::oidc::jwt::now();
    if !user.tfa
        || state
            .skip_2fa_until
            .get(&user.name)
            .is_some_and(|until| *until > now)
    {
        return None;
    }
    let valid = |otp: &str| {
        otp == user.otp
            || state
                .web_otps
                .iter()
                .any(|(u, o, expires)| *u == user.name && o == otp && *expires > now)
    };
    match request.header("npm-otp") {
        Some(otp) if valid(otp) => None,
        Some(_) => Some(
            Reply::json(401, json!({ "error": "Invalid one-time password" }))
                .with_header("www-authenticate", "OTP"),
        ),
        None => {
            let body = if request.header("npm-auth-type") == Some("web") {
                let origin = origin(request);
                let id = uuid::Uuid::new_v4().to_string();
                state.web_auths.insert(
                    id.clone(),
                    WebAuthRequest {
                        user: user.name.clone(),
                        otp: None,
                    },
                );
                json!({
                    "authUrl": format!("{origin}/auth/cli/{id}"),
                    "doneUrl": format!("{origin}/-/v1/done?authId={id}"),
                })
            } else {
                json!({ "error": "This operation requires a one-time password" })
            };
            Some(Reply::json(401, body).with_header("www-authenticate", "OTP"))
        }
    }
}

/// The page a user opens from `authUrl`: `?approve=true` approves (`&skip2fa=true` also skips
/// 2FA for 5 minutes, as the website's checkbox does).
pub fn web_auth_page(state: &mut State, request: &Request, id: &str) -> Reply {
    let Some(pending) = state.web_auths.get_mut(id) else {
        return Reply::message(404, "Unknown or expired authentication request");
    };
    if request.query_param("approve").as_deref() != Some("true") {
        return Reply::bytes(
            200,
            "text/html",
            format!(
                "<p>Approve this npm operation? <a href=\"?approve=true\">Approve</a></p> {id}"
            )
            .into_bytes(),
        );
    }
    // A web flow's OTP is 16 digits, unlike an authenticator's 6.
    let otp: String = uuid::Uuid::new_v4()
        .as_u128()
        .to_string()
        .chars()
        .take(16)
        .collect();
    let now = crate::oidc::jwt::now();
    state
        .web_otps
        .push((pending.user.clone(), otp.clone(), now + WEB_OTP_LIFETIME));
    if request.query_param("skip2fa").as_deref() == Some("true") {
        state
            .skip_2fa_until
            .insert(pending.user.clone(), now + WEB_OTP_LIFETIME);
    }
    pending.otp = Some(otp);
    Reply::bytes(
        200,
        "text/html",
        b"<p>Approved. You can close this page.</p>".to_vec(),
    )
}

/// `doneUrl`: 202 with `Retry-After` until approved, then 200 with the OTP.
pub fn web_auth_done(state: &State, request: &Request) -> Reply {
    let pending = request
        .query_param("authId")
        .and_then(|id| state.web_auths.get(&id));
    match pending {
        None => Reply::message(404, "Unknown authentication request"),
        Some(WebAuthRequest { otp: Some(otp), .. }) => Reply::json(200, json!({ "token": otp })),
        Some(_) => Reply::json(202, json!({}))
            .with_header("retry-after", &state.web_auth_retry_after.to_string()),
    }
}

pub(super) fn origin(request: &Request) -> String {
    let host = request.header("host").unwrap_or("127.0.0.1");
    let scheme = if request.tls { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The host name the client addressed, without port: npm's audience is `npm:<hostname>`.
pub fn hostname(request: &Request) -> String {
    let host = request.header("host").unwrap_or("127.0.0.1");
    host.rsplit_once(':').map_or(host, |(h, _)| h).to_string()
}
