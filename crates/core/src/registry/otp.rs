//! One-time passwords: the one the caller gave, or one obtained by asking (a code typed by the
//! user, or the registry's web flow), remembered per registry and account so that a long run
//! asks once and reuses it while the registry accepts it (its "skip 2FA for 5 minutes" window).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ring::digest;
use serde::Serialize;

use crate::error::Result;

/// Default bound on waiting for a web approval.
pub const DEFAULT_WEB_TIMEOUT: Duration = Duration::from_secs(300);

/// What the registry asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Challenge {
    /// A code from the user's authenticator.
    Otp,
    /// Approval in a browser at `auth_url`; the library polls `done_url` for the result.
    #[serde(rename_all = "camelCase")]
    Web { auth_url: String, done_url: String },
}

pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<Option<String>>> + Send + 'a>>;

/// Something that can ask the user: for `Otp`, answers the code; for `Web`, shows the URL (and
/// may answer a code typed instead, or nothing and let the poll finish).
pub trait OtpPrompt: Send + Sync {
    fn ask(&self, challenge: Challenge) -> Answer<'_>;
}

/// The OTPs a client obtained, per registry and account, and one prompt lock per account:
/// concurrent calls that meet the same 2FA challenge wait for the first one's answer instead of
/// asking again.
#[derive(Default)]
pub struct OtpStore {
    obtained: Mutex<HashMap<String, String>>,
    prompt_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Clone)]
pub struct Otp {
    store: Arc<OtpStore>,
    /// The caller's OTP, until the registry refuses it and the prompt supplies another.
    given: Arc<Mutex<Option<String>>>,
    prompt: Option<Arc<dyn OtpPrompt>>,
    /// Registry origin and a digest of the token: whose OTP this is, without keeping the token.
    key: String,
}

impl std::fmt::Debug for Otp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Otp(given: {}, prompt: {})",
            self.given().is_some(),
            self.prompt.is_some()
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Otp {
    pub fn new(
        store: Arc<OtpStore>,
        given: Option<String>,
        prompt: Option<Arc<dyn OtpPrompt>>,
        origin: &str,
        token: Option<&str>,
    ) -> Otp {
        let account = token
            .map(|t| digest::digest(&digest::SHA256, t.as_bytes()))
            .map(|d| {
                d.as_ref()
                    .iter()
                    .take(12)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            });
        Otp {
            store,
            given: Arc::new(Mutex::new(given)),
            prompt,
            key: format!("{origin} {}", account.unwrap_or_default()),
        }
    }

    /// The OTP to send now: the caller's, else one obtained earlier for this registry and account.
    pub fn current(&self) -> Option<String> {
        self.given()
            .or_else(|| lock(&self.store.obtained).get(&self.key).cloned())
    }

    pub fn store(&self) -> Arc<OtpStore> {
        self.store.clone()
    }

    pub fn given(&self) -> Option<String> {
        lock(&self.given).clone()
    }

    pub fn prompt(&self) -> Option<&Arc<dyn OtpPrompt>> {
        self.prompt.as_ref()
    }

    /// The lock to hold while asking, shared by every call for this registry and account.
    pub fn prompt_lock(&self) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.store.prompt_locks)
            .entry(self.key.clone())
            .or_default()
            .clone()
    }

    pub fn remember(&self, otp: &str) {
        lock(&self.store.obtained).insert(self.key.clone(), otp.to_string());
    }

    /// The registry stopped accepting the OTP: the caller's, or the remembered one.
    pub fn forget(&self) {
        *lock(&self.given) = None;
        lock(&self.store.obtained).remove(&self.key);
    }
}
