//! A registry emulator: a loopback stand-in for the npm registry (trust endpoints, OIDC exchange,
//! publishing), the CI providers' OIDC issuers, and PyPI's trusted-publishing endpoints, faithful
//! enough that the real npm CLI accepts its answers (the test suite checks this).
//!
//! State is in memory, and every request is recorded so tests can compare what different
//! clients sent.

mod faults;
mod issuers;
mod oidc;
mod packages;
pub mod proxy;
mod pypi;
mod registry;
mod server;
mod state;
mod tls;
mod trust;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

pub use faults::{Fault, FaultRule};
pub use issuers::ID_TOKEN_LIFETIME;
pub use pypi::AUDIENCE as PYPI_AUDIENCE;
pub use state::{
    EmulatorConfig, PackageSeed, PypiProjectSeed, RateLimit, RecordedRequest, UserSeed,
};

use issuers::Issuers;
use state::State;

/// Shared by the server task and the handle.
pub(crate) struct Shared {
    state: Mutex<State>,
    issuers: Issuers,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not take every later test down with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running emulator. Stops when dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    running: server::Running,
    /// The certificate authority of an HTTPS emulator, PEM.
    ca_pem: Option<String>,
}

impl Emulator {
    /// Starts on a free loopback port.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new()),
            issuers: Issuers::new(),
        });
        let tls = if config.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        shared.state().seed(config);
        let (acceptor, ca_pem) = tls
            .map(|t| (Some(t.acceptor), Some(t.ca_pem)))
            .unwrap_or_default();
        let handler = Arc::new(registry::Registry {
            shared: shared.clone(),
        });
        let running = server::serve(handler, acceptor).await?;
        Ok(Emulator {
            shared,
            running,
            ca_pem,
        })
    }

    /// The registry URL, with a trailing slash: `http://127.0.0.1:PORT/`, or `https://` when
    /// started with TLS.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}/", self.running.addr)
    }

    /// The certificate authority that signed an HTTPS emulator's certificate, PEM.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// `npm:127.0.0.1`: the audience npm asks id_tokens for when publishing here.
    pub fn npm_audience(&self) -> String {
        format!("npm:{}", self.running.addr.ip())
    }

    /// Adds users, packages and PyPI projects (one named again is replaced).
    pub fn seed(&self, config: EmulatorConfig) {
        self.shared.state().seed(config);
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.state().requests.clear();
    }

    /// The configurations stored for a package (`None` if the package does not exist).
    pub fn publishers(&self, package: &str) -> Option<Vec<Value>> {
        self.shared
            .state()
            .packages
            .get(package)
            .map(|p| p.publishers.clone())
    }

    /// The versions published of a package, oldest first.
    pub fn versions(&self, package: &str) -> Option<Vec<String>> {
        self.shared
            .state()
            .packages
            .get(package)
            .map(|p| p.versions.keys().cloned().collect())
    }

    /// An id_token from a fake issuer (`github`, `gitlab`, `circleci`, `google`): `claims` over
    /// realistic defaults, for `audience`, valid `lifetime` seconds (negative: expired).
    pub fn issue_id_token(
        &self,
        provider: &str,
        audience: &str,
        claims: &Value,
        lifetime: i64,
    ) -> Option<String> {
        Some(
            self.shared
                .issuers
                .get(provider)?
                .issue(audience, claims, lifetime),
        )
    }

    /// Registers a GitHub Actions job whose id_tokens carry `claims`; answers the variables
    /// GitHub sets for a job with `permissions: id-token: write`.
    pub fn github_actions_job(&self, claims: Value) -> BTreeMap<String, String> {
        let request_token = format!("gha-request-{}", uuid::Uuid::new_v4().simple());
        let claims = Value::Object(issuers::defaults("github", &claims));
        self.shared
            .state()
            .github_jobs
            .insert(request_token.clone(), claims);
        BTreeMap::from([
            ("GITHUB_ACTIONS".into(), "true".into()),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
                format!("{}-/oidc/github/token?api-version=2.0", self.url()),
            ),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(), request_token),
        ])
    }

    /// Sets the identity the Google metadata server hands out; answers the variables that point
    /// a client at it.
    pub fn google_cloud_identity(&self, claims: Value) -> BTreeMap<String, String> {
        self.shared.state().google_identity = claims;
        BTreeMap::from([("GCE_METADATA_HOST".into(), self.running.addr.to_string())])
    }

    /// Replaces a user's authenticator code: the old one is refused from now on, as a TOTP code
    /// is once its 30 seconds are over.
    pub fn set_otp(&self, user: &str, otp: &str) {
        let mut state = self.shared.state();
        if let Some(u) = state.users.iter_mut().find(|u| u.name == user) {
            u.otp = otp.to_string();
        }
        state.web_otps.retain(|(u, _, _)| u != user);
        state.skip_2fa_until.remove(user);
    }

    /// Makes the emulator misbehave for matching requests (checked in the order added).
    pub fn inject_fault(&self, rule: FaultRule) {
        self.shared.state().faults.push(rule);
    }

    pub fn clear_faults(&self) {
        self.shared.state().faults.clear();
    }

    pub fn stop(&self) {
        self.running.stop();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.running.stop();
    }
}
