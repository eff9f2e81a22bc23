//! What the emulated registry knows: users, packages with their trust configurations and
//! versions, exchanged tokens, CI jobs that may ask for id_tokens, PyPI projects. In memory.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::faults::FaultRule;

/// A user of the emulated registry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserSeed {
    pub name: String,
    /// The bearer token that authenticates this user.
    pub token: String,
    /// Two-factor authentication enabled (the trust endpoints require it). Default true.
    #[serde(default = "yes")]
    pub tfa: bool,
    /// The one-time password the emulator accepts for this user. Default "123456".
    #[serde(default = "default_otp")]
    pub otp: String,
    /// A granular token with "bypass 2FA": the trust endpoints refuse it.
    #[serde(default)]
    pub bypass2fa: bool,
}

/// A package that exists on the emulated registry.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PackageSeed {
    pub name: String,
    /// Names of the users with write access.
    #[serde(default)]
    pub maintainers: Vec<String>,
    /// Existing trusted-publisher configurations (`{ type, claims, permissions }`; ids are
    /// assigned when missing).
    #[serde(default)]
    pub publishers: Vec<Value>,
    /// Versions already published.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// A project on the emulated PyPI, with its trusted publishers (`{ type: 'github', repository,
/// workflow, environment? }` and the other kinds of `PypiPublisher`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PypiProjectSeed {
    pub name: String,
    #[serde(default)]
    pub publishers: Vec<Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EmulatorConfig {
    #[serde(default)]
    pub users: Vec<UserSeed>,
    #[serde(default)]
    pub packages: Vec<PackageSeed>,
    #[serde(default)]
    pub pypi_projects: Vec<PypiProjectSeed>,
    /// Serve HTTPS with a certificate from a throwaway certificate authority.
    #[serde(default)]
    pub tls: bool,
    /// `Retry-After` of the web 2FA flow's `doneUrl` while approval is pending, in seconds.
    /// Default 1.
    pub web_auth_retry_after: Option<f64>,
    /// A rate limit on the trust endpoints.
    pub rate_limit: Option<RateLimit>,
}

/// A token bucket: `burst` requests at once, refilled at `per_second`; an empty bucket answers
/// 429 with `Retry-After` in whole seconds (as registries send it).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub per_second: f64,
    #[serde(default = "one")]
    pub burst: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug)]
pub struct Bucket {
    limit: RateLimit,
    tokens: f64,
    refilled: std::time::Instant,
}

impl Bucket {
    pub fn new(limit: RateLimit) -> Bucket {
        Bucket {
            limit,
            tokens: limit.burst,
            refilled: std::time::Instant::now(),
        }
    }

    /// Takes a token, or answers the seconds until one is there.
    pub fn take(&mut self) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.limit.per_second).min(self.limit.burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / self.limit.per_second.max(f64::MIN_POSITIVE);
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

fn yes() -> bool {
    true
}

fn default_otp() -> String {
    "123456".into()
}

/// One request as received, for tests to compare clients.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names lowercased; a repeated header keeps its last value.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

#[derive(Debug, Default)]
pub struct Package {
    pub maintainers: Vec<String>,
    pub publishers: Vec<Value>,
    /// Published versions: their manifests, as the packument lists them.
    pub versions: Map<String, Value>,
    pub dist_tags: Map<String, Value>,
}

/// A token minted by the OIDC exchange: one package, the matched configuration's permissions.
#[derive(Debug, Clone)]
pub struct Grant {
    pub package: String,
    pub permissions: Vec<String>,
    pub expires: i64,
}

#[derive(Debug, Default)]
pub struct State {
    pub users: Vec<UserSeed>,
    pub packages: BTreeMap<String, Package>,
    pub requests: Vec<RecordedRequest>,
    pub faults: Vec<FaultRule>,
    /// Exchanged npm tokens.
    pub grants: HashMap<String, Grant>,
    /// GitHub Actions jobs by their `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: the claims of their tokens.
    pub github_jobs: HashMap<String, Value>,
    /// The claims the Google metadata server's identity tokens carry.
    pub google_identity: Value,
    pub pypi_projects: Vec<PypiProjectSeed>,
    /// PyPI's single-use rule: the `jti` of every id_token already exchanged.
    pub pypi_used_jti: HashSet<String>,
    /// Web 2FA requests by id: the user, and the OTP once approved.
    pub web_auths: HashMap<String, WebAuthRequest>,
    /// OTPs handed out by approved web flows: user, OTP, expiry (Unix seconds).
    pub web_otps: Vec<(String, String, i64)>,
    /// "Skip two-factor authentication for the next 5 minutes": user and until when.
    pub skip_2fa_until: HashMap<String, i64>,
    /// `Retry-After` seconds of a pending `doneUrl`.
    pub web_auth_retry_after: f64,
    pub rate_limit: Option<Bucket>,
}

impl State {
    pub fn new() -> State {
        State {
            web_auth_retry_after: 1.0,
            ..State::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct WebAuthRequest {
    pub user: String,
    pub otp: Option<String>,
}

impl State {
    pub fn seed(&mut self, config: EmulatorConfig) {
        for user in config.users {
            self.users.retain(|u| u.name != user.name);
            self.users.push(user);
        }
        for seed in config.packages {
            let publishers = seed
                .publishers
                .into_iter()
                .map(|mut p| {
                    if p.get("id").is_none() {
                        p["id"] = Value::String(uuid::Uuid::new_v4().to_string());
                    }
                    p
                })
                .collect();
            let versions: Map<String, Value> = seed
                .versions
                .iter()
                .map(|v| {
                    (
                        v.clone(),
                        serde_json::json!({ "name": seed.name, "version": v }),
                    )
                })
                .collect();
            let dist_tags = seed
                .versions
                .last()
                .map(|v| Map::from_iter([("latest".to_string(), Value::String(v.clone()))]))
                .unwrap_or_default();
            self.packages.insert(
                seed.name,
                Package {
                    maintainers: seed.maintainers,
                    publishers,
                    versions,
                    dist_tags,
                },
            );
        }
        if let Some(limit) = config.rate_limit {
            self.rate_limit = Some(Bucket::new(limit));
        }
        if let Some(seconds) = config.web_auth_retry_after {
            self.web_auth_retry_after = seconds;
        }
        for project in config.pypi_projects {
            self.pypi_projects.retain(|p| p.name != project.name);
            self.pypi_projects.push(project);
        }
    }

    pub fn user_by_token(&self, token: &str) -> Option<&UserSeed> {
        self.users.iter().find(|u| u.token == token)
    }
}
