//! Talking to an npm registry: the same requests npm-registry-fetch sends (path joining,
//! headers, bearer auth, `npm-otp`), and answers turned into typed results or [`Error`]s.

mod answer;
mod transport;

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{Method, Url};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Code, Error, HttpContext, Result, Secrets};

pub use answer::registry_message;
pub use transport::shared as shared_client;

/// Default total time for one request, as npm's (`timeout` 30 s in npm-registry-fetch).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One registry API call, before it is sent: what a dry run shows and what `send` sends.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    /// Already escaped. Relative to the registry URL (`-/package/@scope%2fname/trust`, joined as
    /// npm-registry-fetch joins), or from the host's root when it starts with `/` (npm's OIDC
    /// exchange uses `new URL('/-/npm/v1/oidc/...', registry)`).
    pub path: String,
    pub body: Option<Value>,
}

/// A request as it would go on the wire, with credentials masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRequest {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

/// Who is calling, for the `user-agent` (npm's shape: `name/version node/vX platform arch`).
#[derive(Debug, Clone)]
pub struct UserAgent(pub String);

impl UserAgent {
    pub fn new(node_version: Option<&str>) -> Self {
        let platform = match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            os => os,
        };
        let arch = match std::env::consts::ARCH {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            "x86" => "ia32",
            arch => arch,
        };
        let runtime = node_version
            .map(|v| format!("node/{v}"))
            .unwrap_or_else(|| "rust".into());
        UserAgent(format!(
            "trust-native/{} {runtime} {platform} {arch}",
            env!("CARGO_PKG_VERSION")
        ))
    }
}

/// A registry endpoint with its credentials. Cheap to create: the HTTP connection pool behind it
/// is shared by every client of the process.
#[derive(Debug, Clone)]
pub struct Registry {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    otp: Option<String>,
    user_agent: UserAgent,
    /// `npm-command` header: the registry uses it to tailor 2FA answers.
    command: &'static str,
    timeout: Duration,
    secrets: Secrets,
}

impl Registry {
    pub fn new(base: Url, user_agent: UserAgent, command: &'static str) -> Result<Self> {
        Ok(Registry {
            http: transport::shared()?,
            base,
            token: None,
            otp: None,
            user_agent,
            command,
            timeout: DEFAULT_TIMEOUT,
            secrets: Secrets::default(),
        })
    }

    pub fn with_token(mut self, token: Option<String>) -> Self {
        if let Some(t) = &token {
            self.secrets.add(t);
        }
        self.token = token;
        self
    }

    pub fn with_otp(mut self, otp: Option<String>) -> Self {
        if let Some(o) = &otp {
            self.secrets.add(o);
        }
        self.otp = otp;
        self
    }

    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    fn url(&self, path: &str) -> Result<Url> {
        let url = if path.starts_with('/') {
            self.base.join(path)
        } else {
            // npm-registry-fetch joins `registry` and `uri` as strings, keeping the registry's path.
            Url::parse(&format!("{}{path}", self.base))
        };
        url.map_err(|e| {
            Error::invalid_input("registry", format!("Cannot build a URL for {path}: {e}"))
        })
    }

    /// The headers npm-registry-fetch sends for the same call, secrets included.
    fn headers(&self, has_body: bool) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("user-agent", self.user_agent.0.clone()),
            // npm forces `legacy` when an OTP is given, `web` otherwise (the registry then offers
            // the web 2FA flow in its 401 answer).
            (
                "npm-auth-type",
                if self.otp.is_some() { "legacy" } else { "web" }.into(),
            ),
            ("npm-command", self.command.into()),
        ];
        if let Some(token) = &self.token {
            headers.push(("authorization", format!("Bearer {token}")));
        }
        if let Some(otp) = &self.otp {
            headers.push(("npm-otp", otp.clone()));
        }
        if has_body {
            headers.push(("content-type", "application/json".into()));
        }
        headers.push(("accept", "application/json".into()));
        headers
    }

    /// The exact request `send` would make, with the token and OTP masked.
    pub fn plan(&self, request: &ApiRequest) -> Result<PlannedRequest> {
        let headers = self
            .headers(request.body.is_some())
            .into_iter()
            .map(|(name, value)| {
                let value = match name {
                    "authorization" => "Bearer ***".to_string(),
                    "npm-otp" => "***".to_string(),
                    _ => value,
                };
                (name.to_string(), value)
            })
            .collect();
        Ok(PlannedRequest {
            method: request.method.to_string(),
            url: self.url(&request.path)?.to_string(),
            headers,
            body: request.body.clone(),
        })
    }

    /// Sends the request and returns the JSON answer (`Value::Null` for an empty body).
    pub async fn send(&self, request: &ApiRequest) -> Result<Value> {
        let url = self.url(&request.path)?;
        let context = HttpContext {
            method: request.method.to_string(),
            url: url.to_string(),
            status: None,
            registry_message: None,
        };
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .timeout(self.timeout);
        for (name, value) in self.headers(request.body.is_some()) {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.to_string());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| answer::transport_error(e, context.clone(), self.timeout))?;
        answer::read(response, context, &self.secrets, self.otp.is_some()).await
    }
}

/// The shape of a registry success body we expected but did not get.
pub fn unexpected_answer(what: &str, context: &HttpContext) -> Error {
    Error::new(
        Code::Response,
        format!(
            "The registry's answer to {} {} is not {what}.",
            context.method, context.url
        ),
    )
    .with_http(context.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(base: &str) -> Registry {
        Registry::new(
            Url::parse(base).unwrap(),
            UserAgent::new(Some("v20.0.0")),
            "trust",
        )
        .unwrap()
    }

    #[test]
    fn joins_paths_like_npm_registry_fetch() {
        let r = registry("https://r.example/api/npm/");
        assert_eq!(
            r.url("-/package/@a%2fb/trust").unwrap().as_str(),
            "https://r.example/api/npm/-/package/@a%2fb/trust"
        );
        assert_eq!(
            r.url("/-/npm/v1/oidc/token/exchange/package/@a%2fb")
                .unwrap()
                .as_str(),
            "https://r.example/-/npm/v1/oidc/token/exchange/package/@a%2fb"
        );
    }

    #[test]
    fn plan_masks_credentials_and_mirrors_npm_headers() {
        let r = registry("https://r.example/")
            .with_token(Some("tok-SECRET".into()))
            .with_otp(Some("654321".into()));
        let req = ApiRequest {
            method: Method::POST,
            path: "-/package/x/trust".into(),
            body: Some(serde_json::json!([{"type": "github"}])),
        };
        let plan = r.plan(&req).unwrap();
        let text = serde_json::to_string(&plan).unwrap();
        assert!(
            !text.contains("tok-SECRET") && !text.contains("654321"),
            "{text}"
        );
        let header = |n: &str| plan.headers.get(n).map(String::as_str);
        assert_eq!(header("authorization"), Some("Bearer ***"));
        assert_eq!(header("npm-otp"), Some("***"));
        assert_eq!(header("npm-command"), Some("trust"));
        assert_eq!(header("npm-auth-type"), Some("legacy"));
        assert_eq!(header("content-type"), Some("application/json"));
        assert!(header("user-agent").unwrap().starts_with("trust-native/"));
        assert!(header("user-agent").unwrap().contains("node/v20.0.0"));
    }

    #[test]
    fn web_auth_type_without_otp_and_no_content_type_without_body() {
        let r = registry("https://r.example/");
        let plan = r
            .plan(&ApiRequest {
                method: Method::GET,
                path: "-/package/x/trust".into(),
                body: None,
            })
            .unwrap();
        assert_eq!(plan.headers["npm-auth-type"], "web");
        assert!(!plan.headers.contains_key("content-type"));
        assert!(!plan.headers.contains_key("authorization"));
    }
}
