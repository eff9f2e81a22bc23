//! One-time passwords: the one the caller gave, or one obtained by asking (a code typed by the
//! user, or the registry's web flow), remembered per registry and account so that a long run
//! asks once and reuses it while the registry accepts it (its "skip 2FA for 5 minutes" window).
//! A run that failed to get one (a web approval that failed or timed out, a prompt that gave
//! nothing, three wrong codes in a row) stops asking: its other calls end with `EOTP` at once.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;
use ring::digest;
use serde::Serialize;
use serde_json::Value;

use super::{innermost, retry, wire, Registry};
use crate::error::{Code, Error, Hint, Result, WebAuth};

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

/// Wrong codes in a row after which a run stops asking.
pub const MAX_WRONG_CODES: u32 = 3;

/// When a run (a call, or a bulk run with all its packages) began, in a process-wide order:
/// when asking for an OTP fails, the runs begun before then stop asking; later ones may ask
/// anew. Each `Policy` takes the next one.
#[derive(Debug, Clone, Copy)]
pub struct Run(u64);

static RUNS: AtomicU64 = AtomicU64::new(0);

impl Default for Run {
    fn default() -> Run {
        Run(RUNS.fetch_add(1, Ordering::Relaxed))
    }
}

/// The OTPs a client obtained and how asking went, per registry and account, and one prompt
/// lock per account: concurrent calls that meet the same 2FA challenge wait for the first one's
/// answer instead of asking again, and share its failure.
#[derive(Default)]
pub struct OtpStore {
    accounts: Mutex<HashMap<String, Account>>,
    prompt_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Account {
    /// The OTP obtained by asking, while the registry accepts it.
    obtained: Option<String>,
    /// Obtained OTPs the registry refused since it last accepted one.
    wrong_codes: u32,
    /// The last OTP a caller gave that the registry refused (expired, or wrong): later calls
    /// given the same one (a bulk run's `--otp`) do not send it again.
    refused_given: Option<String>,
    stopped: Option<Stopped>,
}

/// Asking failed: runs begun before `before` do not ask again.
struct Stopped {
    before: u64,
    why: String,
}

#[derive(Clone)]
pub struct Otp {
    store: Arc<OtpStore>,
    /// The caller's OTP, until the registry refuses it and the prompt supplies another.
    given: Arc<Mutex<Option<String>>>,
    prompt: Option<Arc<dyn OtpPrompt>>,
    /// Registry origin and a digest of the token: whose OTP this is, without keeping the token.
    key: String,
    run: Run,
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
        run: Run,
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
            run,
        }
    }

    fn account<T>(&self, f: impl FnOnce(&mut Account) -> T) -> T {
        f(lock(&self.store.accounts)
            .entry(self.key.clone())
            .or_default())
    }

    /// The OTP to send now: the caller's, else one obtained earlier for this registry and
    /// account. An obtained one goes first when the registry already refused the caller's
    /// (every call of a bulk run is given the same `--otp`; once it expired, the code asked for
    /// in its place serves the rest).
    pub fn current(&self) -> Option<String> {
        let (obtained, refused) = self.account(|a| (a.obtained.clone(), a.refused_given.clone()));
        match self.given() {
            Some(given) if obtained.is_some() && refused.as_ref() == Some(&given) => obtained,
            Some(given) => Some(given),
            None => obtained,
        }
    }

    pub fn store(&self) -> Arc<OtpStore> {
        self.store.clone()
    }

    pub fn run(&self) -> Run {
        self.run
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
        self.account(|a| a.obtained = Some(otp.to_string()));
    }

    /// The registry accepted `otp`: wrong codes before it no longer count.
    pub fn accepted(&self) {
        self.account(|a| a.wrong_codes = 0);
    }

    /// The registry refused `otp`: it is not sent again. An obtained code counts as a wrong
    /// one (once, whichever call saw it refused first); after [`MAX_WRONG_CODES`] in a row,
    /// asking stops.
    pub fn refused(&self, otp: &str) {
        let was_given = {
            let mut given = lock(&self.given);
            let was_given = given.as_deref() == Some(otp);
            if was_given {
                *given = None;
            }
            was_given
        };
        if was_given {
            self.account(|a| a.refused_given = Some(otp.to_string()));
        }
        let too_many = self.account(|a| {
            if a.obtained.as_deref() != Some(otp) {
                return false;
            }
            a.obtained = None;
            a.wrong_codes += 1;
            a.wrong_codes >= MAX_WRONG_CODES
        });
        if too_many {
            self.stop(format!(
                "{MAX_WRONG_CODES} one-time passwords in a row were refused."
            ));
        }
    }

    /// Asking failed (`why`): the runs begun so far do not ask again.
    pub fn stop(&self, why: String) {
        let before = RUNS.load(Ordering::Relaxed);
        self.account(|a| {
            a.wrong_codes = 0;
            a.stopped = Some(Stopped { before, why });
        });
    }

    /// Why this call's run no longer asks, if it does not.
    pub fn stopped(&self) -> Option<String> {
        self.account(|a| {
            a.stopped
                .as_ref()
                .filter(|s| self.run.0 < s.before)
                .map(|s| s.why.clone())
        })
    }
}

/// The 2FA flow of a call the registry challenged: the OTP another call obtained, or asking for
/// one (a code, or the web approval polled until it is done), one call at a time.
impl Registry {
    /// Gets an OTP for a 2FA challenge the registry answered (`sent` is the OTP the request
    /// carried, now refused): the one another call obtained while this one waited its turn, or
    /// by asking, one call at a time. When asking fails, the run stops asking: its other calls
    /// end with `EOTP` instead of asking again.
    pub(super) async fn answer_challenge(
        &self,
        challenge: &Error,
        sent: Option<&str>,
    ) -> Result<()> {
        if let Some(sent) = sent {
            self.otp.refused(sent);
        }
        let lock = self.otp.prompt_lock();
        let waiting = "another call's 2FA prompt to be answered";
        crate::activity::set(waiting);
        let _asking = tokio::time::timeout_at(self.deadline.into(), lock.lock())
            .await
            .map_err(|_| self.out_of_time(waiting))?;
        if self.otp.current().is_some() {
            return Ok(());
        }
        if let Some(why) = self.otp.stopped() {
            return Err(Error::new(
                Code::Otp,
                format!(
                    "Two-factor authentication failed earlier in this run; not asking again. {why}"
                ),
            )
            .with_hint(Hint::Otp));
        }
        match self.obtain_otp(challenge.web_auth.as_deref()).await {
            Ok(otp) => {
                self.learned
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .add(&otp);
                self.otp.remember(&otp);
                Ok(())
            }
            Err(error) => {
                self.otp.stop(error.message.clone());
                Err(match sent {
                    Some(_) => refused_then(error),
                    None => error,
                })
            }
        }
    }

    /// Asks for an OTP: the code itself, or the web flow, polling `doneUrl` while the user
    /// approves (the prompt may also answer a code typed instead).
    async fn obtain_otp(&self, web: Option<&WebAuth>) -> Result<String> {
        let prompt = self
            .otp
            .prompt()
            .cloned()
            .ok_or_else(|| Error::new(Code::Otp, "No way to ask for a one-time password"))?;
        // What the user can do when asking fails: give a code, or approve in the browser.
        let asking_failed = |mut error: Error| {
            error.hint.get_or_insert(Hint::Otp);
            if error.web_auth.is_none() {
                error.web_auth = web.cloned().map(Box::new);
            }
            error
        };
        let Some(web) = web else {
            let waiting = "an answer to the one-time password prompt";
            crate::activity::set(waiting);
            let answer = tokio::time::timeout_at(self.deadline.into(), prompt.ask(Challenge::Otp))
                .await
                .map_err(|_| self.out_of_time(waiting))?;
            return answer
                .map_err(asking_failed)?
                .filter(|o| !o.is_empty())
                .ok_or_else(|| {
                    Error::new(Code::Otp, "No one-time password was given when asked.")
                        .with_hint(Hint::Otp)
                });
        };
        let challenge = Challenge::Web {
            auth_url: web.auth_url.clone(),
            done_url: web.done_url.clone(),
        };
        crate::activity::set(format!("the web 2FA approval at {}", web.auth_url));
        let asked = prompt.ask(challenge);
        let polled = self.poll_done(&web.done_url);
        tokio::pin!(asked, polled);
        let mut asking = true;
        loop {
            tokio::select! {
                answer = &mut asked, if asking => match answer.map_err(asking_failed)? {
                    Some(otp) if !otp.is_empty() => return Ok(otp),
                    _ => asking = false,
                },
                done = &mut polled => return done,
            }
        }
    }

    /// `ETIMEDOUT`: the call's time ran out while it waited for `what`.
    fn out_of_time(&self, what: &str) -> Error {
        Error::new(
            Code::Timeout,
            format!(
                "The call did not finish within {} ms while waiting for {what}.",
                self.timeout.as_millis()
            ),
        )
        .with_hint(Hint::Timeout)
    }

    /// npm-profile's `webAuthCheckLogin`: 202 (with `Retry-After`) while pending, 200 with
    /// `{ token }` once approved; bounded by the web-auth timeout.
    async fn poll_done(&self, done_url: &str) -> Result<String> {
        let url = Url::parse(done_url).map_err(|e| {
            Error::new(
                Code::Otp,
                format!("The registry's doneUrl is not a URL: {e}"),
            )
        })?;
        let same_origin = url.origin() == self.base.origin();
        let call_deadline = self.budget().deadline;
        let deadline = (Instant::now() + self.web_auth_timeout).min(call_deadline);
        loop {
            let mut request = self
                .http
                .client
                .get(url.clone())
                .header("user-agent", &self.user_agent.0)
                .timeout(Duration::from_secs(30));
            if let (true, Some(token)) = (same_origin && !self.id_token_bearer, &self.token) {
                wire::check_secure(&url, true, self.allow_insecure, &self.http.transport)?;
                request = request.bearer_auth(token);
            }
            let unreachable = |e: reqwest::Error| {
                Error::new(
                    Code::Network,
                    format!(
                        "Could not check the web approval at {}: {}",
                        url.origin().ascii_serialization(),
                        self.scrubbing().scrub(&innermost(&e))
                    ),
                )
            };
            let response = request.send().await.map_err(unreachable)?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(retry::parse_retry_after);
            // Any origin the registry names answers here: read within the cap, as every answer.
            let body = wire::capped_body(response).await.map_err(|e| match e {
                wire::BodyError::TooLarge => Error::new(
                    Code::Response,
                    format!(
                        "The web approval at {} answered more than {} MiB; trust-native reads no more.",
                        url.origin().ascii_serialization(),
                        wire::MAX_BODY >> 20
                    ),
                ),
                wire::BodyError::Transport(e) => unreachable(e),
            })?;
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            match status {
                200 => {
                    return body
                        .get("token")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| {
                            Error::new(
                                Code::Otp,
                                "The web approval answered without a one-time password.",
                            )
                            .with_hint(Hint::Otp)
                        })
                }
                202 => {
                    let wait = retry_after
                        .unwrap_or(Duration::from_secs(1))
                        .max(Duration::from_millis(100));
                    if Instant::now() + wait > deadline {
                        return Err(if deadline == self.deadline {
                            self.out_of_time("the web 2FA approval")
                        } else {
                            Error::new(
                                Code::Otp,
                                format!(
                                    "The web approval was not completed within {}.",
                                    shown(self.web_auth_timeout)
                                ),
                            )
                            .with_hint(Hint::WebAuthTimeout)
                        });
                    }
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    return Err(Error::new(
                        Code::Otp,
                        format!("The web approval failed ({status})."),
                    )
                    .with_hint(Hint::Otp))
                }
            }
        }
    }
}

/// Asking for a fresh code failed after the one sent was refused: the error says the code was
/// refused first, so a wrong code given up front does not read like a missing one.
fn refused_then(error: Error) -> Error {
    if error.code != Code::Otp {
        return error;
    }
    Error {
        message: format!(
            "The one-time password was rejected: it may have expired (codes last 30 seconds). {}",
            error.message
        ),
        hint: Some(Hint::FreshOtp),
        ..error
    }
}

/// A duration as set: whole seconds, else milliseconds.
fn shown(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn otp(store: &Arc<OtpStore>, given: Option<&str>, run: Run) -> Otp {
        Otp::new(
            store.clone(),
            given.map(String::from),
            None,
            "https://r.example",
            Some("token"),
            run,
        )
    }

    #[test]
    fn a_stop_holds_for_the_runs_begun_before_it_only() {
        let store = Arc::new(OtpStore::default());
        let (first, second) = (Run::default(), Run::default());
        otp(&store, None, first).stop("The web approval failed (500).".into());
        assert_eq!(
            otp(&store, None, second).stopped().as_deref(),
            Some("The web approval failed (500).")
        );
        assert_eq!(otp(&store, None, Run::default()).stopped(), None);
        // Another account is not stopped.
        let other = Otp::new(store, None, None, "https://r.example", Some("x"), first);
        assert_eq!(other.stopped(), None);
    }

    #[test]
    fn three_refused_codes_in_a_row_stop_and_an_accepted_one_resets_the_count() {
        let store = Arc::new(OtpStore::default());
        let run = Run::default();
        let call = otp(&store, None, run);
        let wrong = |code: &str| {
            call.remember(code);
            call.refused(code);
        };
        wrong("111111");
        wrong("222222");
        call.accepted();
        wrong("333333");
        wrong("444444");
        assert_eq!(call.stopped(), None);
        wrong("555555");
        assert!(call.stopped().unwrap().contains("3 one-time passwords"));
        assert_eq!(call.current(), None);
    }

    #[test]
    fn a_refused_given_code_is_not_sent_again_nor_counted_and_a_code_counts_once() {
        let store = Arc::new(OtpStore::default());
        let run = Run::default();
        let (one, two) = (otp(&store, Some("000000"), run), otp(&store, None, run));
        one.remember("123456");
        assert_eq!(one.current().as_deref(), Some("000000"));
        one.refused("000000");
        assert_eq!(one.current().as_deref(), Some("123456"));
        // Both calls sent the obtained code and saw it refused: one wrong code.
        one.refused("123456");
        two.refused("123456");
        one.remember("111111");
        one.refused("111111");
        assert_eq!(one.stopped(), None);
        one.remember("222222");
        one.refused("222222");
        assert!(one.stopped().is_some());
    }

    #[test]
    fn a_refused_given_code_is_not_sent_by_later_calls_given_the_same() {
        let store = Arc::new(OtpStore::default());
        let run = Run::default();
        let first = otp(&store, Some("000000"), run);
        first.refused("000000");
        first.remember("123456");
        // The next call of a bulk run is given the same stale code: it sends the obtained one.
        let next = otp(&store, Some("000000"), run);
        assert_eq!(next.current().as_deref(), Some("123456"));
        // Another code given is sent.
        let fresh = otp(&store, Some("654321"), run);
        assert_eq!(fresh.current().as_deref(), Some("654321"));
        // With nothing obtained in its place, the given code is sent (and refused) as before.
        let elsewhere = Arc::new(OtpStore::default());
        otp(&elsewhere, Some("000000"), run).refused("000000");
        assert_eq!(
            otp(&elsewhere, Some("000000"), run).current().as_deref(),
            Some("000000")
        );
    }
}
