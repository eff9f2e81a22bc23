//! A registry emulator: a loopback stand-in for the npm registry's trust endpoints, faithful
//! enough that the real npm CLI accepts its answers (the test suite checks this).
//!
//! Users authenticate with bearer tokens and may have 2FA; packages have maintainers and at most
//! one trusted-publisher configuration, as on the real registry. State is in memory, and every
//! request is recorded so tests can compare what different clients sent.

mod faults;
mod registry;
mod server;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use faults::{Fault, FaultRule};

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
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EmulatorConfig {
    #[serde(default)]
    pub users: Vec<UserSeed>,
    #[serde(default)]
    pub packages: Vec<PackageSeed>,
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
struct Package {
    maintainers: Vec<String>,
    publishers: Vec<Value>,
}

#[derive(Debug, Default)]
struct State {
    users: Vec<UserSeed>,
    packages: BTreeMap<String, Package>,
    requests: Vec<RecordedRequest>,
    faults: Vec<FaultRule>,
}

impl State {
    fn seed(&mut self, config: EmulatorConfig) {
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
            self.packages.insert(
                seed.name,
                Package {
                    maintainers: seed.maintainers,
                    publishers,
                },
            );
        }
    }
}

/// Shared by the server task and the handle.
pub(crate) struct Shared {
    state: Mutex<State>,
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
}

impl Emulator {
    /// Starts on a free loopback port.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
        });
        shared.state().seed(config);
        let running = server::serve(Arc::new(registry::Registry {
            shared: shared.clone(),
        }))
        .await?;
        Ok(Emulator { shared, running })
    }

    /// The registry URL, with a trailing slash: `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.running.addr)
    }

    /// Adds users and packages (a package named again is replaced).
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
