//! The trust endpoints of the registry API, with the npm CLI's paths and bodies, and errors
//! rewritten to say what the user should do about them.

use reqwest::Method;
use serde_json::Value;

use super::Publisher;
use crate::error::{Code, Error, Result};
use crate::package::PackageName;
use crate::registry::{unexpected_answer, ApiRequest, Registry};

pub struct TrustClient {
    registry: Registry,
}

#[derive(Clone, Copy)]
enum Operation<'a> {
    Create,
    List,
    Revoke(&'a str),
}

impl TrustClient {
    pub fn new(registry: Registry) -> Self {
        TrustClient { registry }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn path(package: &PackageName) -> String {
        format!("-/package/{}/trust", package.escaped())
    }

    /// `POST /-/package/{escaped}/trust` with `[config]`, as `npm trust <provider>` sends it.
    pub fn create_request(&self, package: &PackageName, body: &Value) -> ApiRequest {
        ApiRequest {
            method: Method::POST,
            path: Self::path(package),
            body: Some(Value::Array(vec![body.clone()])),
        }
    }

    pub fn revoke_request(&self, package: &PackageName, id: &str) -> ApiRequest {
        ApiRequest {
            method: Method::DELETE,
            // `id` is a validated UUID, which encodeURIComponent (npm) leaves as is.
            path: format!("{}/{id}", Self::path(package)),
            body: None,
        }
    }

    /// Sends a create request; answers the configuration the registry stored.
    pub async fn create(&self, package: &PackageName, request: &ApiRequest) -> Result<Publisher> {
        let answer = self.call(package, request, Operation::Create).await?;
        // The registry answers with the stored configurations (an array, as npm displays it).
        let first = match &answer {
            Value::Array(items) => items.first(),
            other => Some(other),
        };
        first
            .and_then(Publisher::from_registry)
            .ok_or_else(|| self.unexpected("a trusted publisher configuration", request))
    }

    pub async fn list(&self, package: &PackageName) -> Result<Vec<Publisher>> {
        let request = ApiRequest {
            method: Method::GET,
            path: Self::path(package),
            body: None,
        };
        match self.call(package, &request, Operation::List).await? {
            Value::Array(items) => Ok(items.iter().filter_map(Publisher::from_registry).collect()),
            Value::Null => Ok(Vec::new()),
            _ => Err(self.unexpected("a list of configurations", &request)),
        }
    }

    pub async fn revoke(
        &self,
        package: &PackageName,
        id: &str,
        request: &ApiRequest,
    ) -> Result<()> {
        self.call(package, request, Operation::Revoke(id))
            .await
            .map(|_| ())
    }

    fn unexpected(&self, what: &str, request: &ApiRequest) -> Error {
        let plan = self.registry.plan(request);
        let context = crate::error::HttpContext {
            method: request.method.to_string(),
            url: plan.map(|p| p.url).unwrap_or_default(),
            ..Default::default()
        };
        unexpected_answer(what, &context)
    }

    async fn call(
        &self,
        package: &PackageName,
        request: &ApiRequest,
        op: Operation<'_>,
    ) -> Result<Value> {
        if !self.registry.has_token() {
            // The caller checks this first; here it guards against sending an anonymous write.
            return Err(Error::new(
                Code::NeedAuth,
                "No npm token for the trust endpoints",
            ));
        }
        self.registry
            .send(request)
            .await
            .map_err(|e| explain(e, package, self.registry.base().as_str(), op))
    }
}

/// Rewrites the generic HTTP message into one that says what to do, keeping code, status and the
/// registry's own words.
fn explain(mut error: Error, package: &PackageName, registry: &str, op: Operation<'_>) -> Error {
    let said = error
        .http
        .as_ref()
        .and_then(|h| h.registry_message.as_deref())
        .map(|m| format!(" The registry said: \"{m}\"."))
        .unwrap_or_default();
    let advice = match (error.code, op) {
        (Code::Http(401), _) => format!(
            "The registry rejected the token for {registry}. Trust endpoints need the token of an \
             account with 2FA enabled, from `npm login` or a granular access token without \
             \"bypass 2FA\"; tokens that bypass 2FA and legacy basic auth are refused."
        ),
        (Code::Http(403), _) => format!(
            "You are not allowed to manage trusted publishers of {package}: this needs write \
             access to the package and two-factor authentication enabled on your account."
        ),
        (Code::Http(404), Operation::Revoke(id)) => format!(
            "{package} has no trusted publisher configuration {id} on {registry} (or the package \
             does not exist). listPublishers shows the current ids."
        ),
        (Code::Http(404), _) => format!(
            "Package {package} was not found on {registry}, or you cannot see it. Trusted \
             publishing can only be configured for a package that already exists: publish its \
             first version with a token, then configure trust."
        ),
        (Code::Http(409), Operation::Create) => format!(
            "{package} already has a trusted publisher configuration, and the registry keeps one \
             per package. Revoke it first (listPublishers shows its id, revokePublisher removes it), \
             then add the new one."
        ),
        (Code::Http(429), _) => "The registry is rate limiting requests. Wait a minute and \
                                 retry, or configure packages in smaller batches."
            .to_string(),
        (Code::Http(status), _) if status >= 500 => format!(
            "The registry failed to handle the request ({status}). This is usually temporary: retry later."
        ),
        (Code::Http(status), _) => format!("The registry refused the request ({status})."),
        _ => return error,
    };
    error.message = format!("{advice}{said}");
    error
}
