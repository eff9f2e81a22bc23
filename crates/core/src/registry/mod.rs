//! Talking to an npm registry: the same requests npm-registry-fetch sends (path joining,
//! headers, bearer auth, `npm-otp`), made resilient (retries within a time budget, 2FA prompts,
//! redirects, size caps), and answers turned into typed results or [`Error`]s.

pub(crate) mod answer;
mod context;
pub mod otp;
pub mod pacer;
pub mod retry;
mod transport;
pub(crate) mod wire;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde::Serialize;
use serde_json::Value;

use crate::config::transport::TransportConfig;
use crate::error::{Code, Error, Hint, HttpContext, Result, Secrets};
use otp::{Otp, OtpPrompt};
use retry::Budget;
use wire::{Attempt, Received, WireError};

/// A future boxed as a trait object: one compiled copy whoever awaits it.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub use context::Context;
pub use transport::{HttpPool, DEFAULT_MAX_SOCKETS};

/// Default time for one call, retries included.
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
    /// The body or the answer is a credential (a password; a new token): it is exchanged with
    /// the origin asked only, never in clear text, and a redirect to another origin (whatever
    /// its status) is refused, not followed.
    pub credential: bool,
}

impl ApiRequest {
    /// `GET /{package}`: the package's document (its versions and dist-tags), as npm reads it.
    pub fn packument(package: &crate::package::PackageName) -> ApiRequest {
        ApiRequest {
            method: Method::GET,
            path: package.escaped(),
            body: None,
            credential: false,
        }
    }
}

/// Whether `package` exists on `registry`: its document reads, or the registry answers 404
/// (read with the registry's credentials, if any: a private package exists for those who may
/// see it). Any other failure is the caller's to judge.
pub async fn package_exists(
    registry: &Registry,
    package: &crate::package::PackageName,
) -> Result<bool> {
    match registry.send(&ApiRequest::packument(package)).await {
        Ok(_) => Ok(true),
        Err(error) if error.code == Code::Http(404) => Ok(false),
        Err(error) => Err(error),
    }
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

/// How a call may behave on the network.
#[derive(Clone, Default)]
pub struct Policy {
    pub transport: TransportConfig,
    /// Time for one call, retries included.
    pub timeout: Option<Duration>,
    /// When the whole operation must be over: every request, retry, prompt and wait of it ends
    /// by then. Set once per operation; `timeout` from now when absent.
    pub deadline: Option<Instant>,
    /// The client's connections, OTPs and prompt locks.
    pub context: Arc<Context>,
    pub retries: Option<u32>,
    /// Allow credentials over plain http to a host that is not this machine.
    pub allow_insecure: bool,
    pub otp_prompt: Option<Arc<dyn OtpPrompt>>,
    pub web_auth_timeout: Option<Duration>,
    /// A pace shared with other calls of the same run (see [`pacer::Pacer`]).
    pub pacer: Option<Arc<pacer::Pacer>>,
    /// The run the call belongs to: once asking for an OTP failed, the run stops asking.
    pub run: otp::Run,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retries", &self.retries)
            .field("allow_insecure", &self.allow_insecure)
            .field("otp_prompt", &self.otp_prompt.is_some())
            .finish()
    }
}

/// How a success is read: as JSON (every API answer), or as the bytes of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Json,
    Bytes,
}

enum Answer {
    Json(Value),
    Bytes(Vec<u8>),
}

/// A failed send, with what the caller needs to decide whether it is safe to try again.
#[derive(Debug)]
pub struct Failure {
    /// Boxed: a failure travels through several layers of `Result`.
    pub error: Box<Error>,
    /// The registry may have acted on the request before the failure (a timeout or a 5xx after
    /// the body was sent). A create must then be checked, not repeated.
    pub maybe_processed: bool,
    /// An earlier attempt of the same call failed after the registry may have acted on it: a
    /// 404 on a retried DELETE then means the first one worked.
    pub after_ambiguous_attempt: bool,
    transient: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn fatal(error: Error) -> Failure {
        Failure {
            error: Box::new(error),
            maybe_processed: false,
            after_ambiguous_attempt: false,
            transient: false,
            retry_after: None,
        }
    }
}

/// A registry endpoint with its credentials. Cheap to create: its HTTP client is shared by every
/// call of the process for the same registry and transport settings.
#[derive(Debug, Clone)]
pub struct Registry {
    http: transport::Pooled,
    base: Url,
    token: Option<String>,
    /// The bearer is an OIDC id_token: it must reach the exchange endpoint and nothing else.
    id_token_bearer: bool,
    otp: Otp,
    user_agent: UserAgent,
    /// `npm-command` header: the registry uses it to tailor 2FA answers.
    command: &'static str,
    /// `npm-scope` header, which npm sends for team and org calls.
    scope: Option<String>,
    /// Bodies go gzipped (`content-encoding: gzip`), as npm sends its audit.
    gzip: bool,
    /// Largest answer read ([`wire::MAX_BODY`] unless a call downloads a tarball).
    max_body: usize,
    /// The operation's budget, for messages.
    timeout: Duration,
    deadline: Instant,
    retries: u32,
    allow_insecure: bool,
    web_auth_timeout: Duration,
    pacer: Option<Arc<pacer::Pacer>>,
    /// Microseconds this operation waited for the pace of its run (shared by its clones).
    waited_for_pace: Arc<AtomicU64>,
    /// What the caller gave: token, OTP, id_token.
    secrets: Secrets,
    /// What the call learned: OTPs typed or approved on the web (shared by its clones).
    learned: Arc<Mutex<Secrets>>,
}

impl Registry {
    pub fn new(
        base: Url,
        user_agent: UserAgent,
        command: &'static str,
        policy: &Policy,
    ) -> Result<Self> {
        let timeout = policy.timeout.unwrap_or(DEFAULT_TIMEOUT);
        Ok(Registry {
            http: policy.context.http.client(&base, &policy.transport)?,
            otp: Otp::new(
                policy.context.otp.clone(),
                None,
                policy.otp_prompt.clone(),
                &base.origin().ascii_serialization(),
                None,
                policy.run,
            ),
            base,
            token: None,
            id_token_bearer: false,
            user_agent,
            command,
            scope: None,
            gzip: false,
            max_body: wire::MAX_BODY,
            timeout,
            deadline: policy.deadline.unwrap_or_else(|| Instant::now() + timeout),
            retries: policy.retries.unwrap_or(retry::DEFAULT_RETRIES),
            waited_for_pace: Arc::default(),
            allow_insecure: policy.allow_insecure,
            web_auth_timeout: policy.web_auth_timeout.unwrap_or(otp::DEFAULT_WEB_TIMEOUT),
            pacer: policy.pacer.clone(),
            secrets: Secrets::default(),
            learned: Arc::default(),
        })
    }

    /// Every secret this call holds: what the caller gave, the OTPs it learned, and an OTP
    /// obtained by an earlier call of the same client and reused here.
    fn scrubbing(&self) -> Secrets {
        let mut secrets = self.secrets.clone();
        secrets.extend(&self.learned.lock().unwrap_or_else(|e| e.into_inner()));
        for otp in self.otp.current().iter().chain(self.otp.given().iter()) {
            secrets.add(otp);
        }
        secrets
    }

    /// The account's token, and the OTP given for it (if any).
    pub fn with_credentials(mut self, token: Option<String>, otp: Option<String>) -> Self {
        for secret in token.iter().chain(otp.iter()) {
            self.secrets.add(secret);
        }
        self.otp = Otp::new(
            self.otp.store(),
            otp,
            self.otp.prompt().cloned(),
            &self.base.origin().ascii_serialization(),
            token.as_deref(),
            self.otp.run(),
        );
        self.token = token;
        self
    }

    /// An id_token as the bearer: sent to the requested URL only, never along a redirect.
    pub fn with_id_token(mut self, id_token: String) -> Self {
        self.secrets.add(&id_token);
        self.token = Some(id_token);
        self.id_token_bearer = true;
        self
    }

    /// Sends `npm-scope: <scope>` with every request, as npm does for a call about a scope.
    pub fn with_scope(mut self, scope: &str) -> Self {
        self.scope = Some(scope.to_string());
        self
    }

    /// Sends request bodies gzipped, as npm does where it passes `gzip: true`.
    pub fn gzipped(mut self) -> Self {
        self.gzip = true;
        self
    }

    /// Reads answers up to `max` bytes instead of [`wire::MAX_BODY`]: for a download (a
    /// package tarball), whose size is not a JSON answer's.
    pub fn with_max_body(mut self, max: usize) -> Self {
        self.max_body = max;
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Retries allowed after failures (see [`retry::Budget`]).
    pub fn retries(&self) -> u32 {
        self.retries.min(retry::MAX_RETRIES)
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
    fn headers(&self, has_body: bool, otp: Option<&str>) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("user-agent", self.user_agent.0.clone()),
            // npm forces `legacy` when an OTP is given, `web` otherwise (the registry then offers
            // the web 2FA flow in its 401 answer).
            (
                "npm-auth-type",
                if otp.is_some() { "legacy" } else { "web" }.into(),
            ),
            ("npm-command", self.command.into()),
        ];
        if let Some(scope) = &self.scope {
            headers.push(("npm-scope", scope.clone()));
        }
        if let Some(token) = &self.token {
            headers.push(("authorization", format!("Bearer {token}")));
        }
        if let Some(otp) = otp {
            headers.push(("npm-otp", otp.to_string()));
        }
        if has_body {
            headers.push(("content-type", "application/json".into()));
            if self.gzip {
                headers.push(("content-encoding", "gzip".into()));
            }
        }
        headers.push(("accept", "application/json".into()));
        headers
    }

    /// The exact request `send` would make, with the token and OTP masked.
    pub fn plan(&self, request: &ApiRequest) -> Result<PlannedRequest> {
        let headers = self
            .headers(request.body.is_some(), self.otp.current().as_deref())
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

    /// `ERESPONSE` for a success body that is not the `what` we expected of `request`.
    pub fn unexpected_answer(&self, request: &ApiRequest, what: &str) -> Error {
        let url = self
            .url(&request.path)
            .map(String::from)
            .unwrap_or_default();
        Error::new(
            Code::Response,
            format!(
                "The registry's answer to {} {url} is not {what}.",
                request.method
            ),
        )
        .with_http(HttpContext {
            method: request.method.to_string(),
            url,
            ..Default::default()
        })
    }

    /// Sends the request and returns the JSON answer (`Value::Null` for an empty body).
    pub async fn send(&self, request: &ApiRequest) -> Result<Value> {
        self.try_send(request).await.map_err(|f| *f.error)
    }

    /// Sends with retries: transient failures (connection errors, timeouts, 5xx, 429) are
    /// retried with backoff or after `Retry-After` (429s for as long as the time budget allows,
    /// others `retries` times), unless the request is not idempotent and the registry may
    /// already have acted on it. 2FA challenges are answered through the prompt, once per
    /// challenge.
    pub async fn try_send(&self, request: &ApiRequest) -> std::result::Result<Value, Failure> {
        match self.exchange(request, Read::Json).await? {
            Answer::Json(value) => Ok(value),
            Answer::Bytes(_) => unreachable!("a JSON read answers JSON"),
        }
    }

    /// [`Registry::try_send`] for a download: a success answers its body as it came, not as
    /// JSON (failures are read as any other answer: the registry's message, 2FA challenges).
    pub async fn try_fetch(&self, request: &ApiRequest) -> std::result::Result<Vec<u8>, Failure> {
        match self.exchange(request, Read::Bytes).await? {
            Answer::Bytes(bytes) => Ok(bytes),
            Answer::Json(_) => unreachable!("a byte read answers bytes"),
        }
    }

    /// [`Registry::exchange_once`], boxed by this one function: an `async fn`'s state machine is
    /// compiled again for each crate and each chain of callers that awaits it, and every request
    /// goes through this one (two copies of 16 kB in the release addon before).
    #[inline(never)]
    fn exchange<'a>(
        &'a self,
        request: &'a ApiRequest,
        read: Read,
    ) -> BoxFuture<'a, std::result::Result<Answer, Failure>> {
        Box::pin(self.exchange_once(request, read))
    }

    async fn exchange_once(
        &self,
        request: &ApiRequest,
        read: Read,
    ) -> std::result::Result<Answer, Failure> {
        let idempotent = matches!(request.method, Method::GET | Method::HEAD | Method::DELETE);
        let mut retry = 0;
        let mut failures = 0;
        let mut ambiguous = false;
        loop {
            let otp = self.otp.current();
            let retries_left = self.budget().allows_failures(failures);
            let mut failure = match self
                .attempt(request, otp.as_deref(), retries_left, read)
                .await
            {
                Ok(value) => {
                    if otp.is_some() {
                        self.otp.accepted();
                    }
                    return Ok(value);
                }
                Err(failure) => failure,
            };
            failure.after_ambiguous_attempt = ambiguous;
            ambiguous |= failure.maybe_processed;
            if failure.error.code == Code::Otp && self.otp.prompt().is_some() {
                self.answer_challenge(&failure.error, otp.as_deref())
                    .await
                    .map_err(Failure::fatal)?;
                continue;
            }
            let safe = idempotent || !failure.maybe_processed;
            if !(failure.transient && safe) {
                return Err(failure);
            }
            retry += 1;
            if failure.error.code != Code::Http(429) {
                failures += 1;
            }
            match self
                .budget()
                .wait_before(retry, failures, failure.retry_after)
            {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(self.exhausted(failure, retry - 1)),
            }
        }
    }

    /// The time this call has: its deadline, moved later by the time it waited for the run's
    /// pace (waiting in line is not the call's own work).
    fn budget(&self) -> Budget {
        let paced = Duration::from_micros(self.waited_for_pace.load(Ordering::Relaxed));
        Budget {
            retries: self.retries,
            deadline: self.deadline.checked_add(paced).unwrap_or(self.deadline),
        }
    }

    fn exhausted(&self, mut failure: Failure, retries: u32) -> Failure {
        if retries > 0 {
            failure
                .error
                .notes
                .push(format!("(Gave up after {retries} retries.)"));
        }
        if let Some(wait) = failure
            .retry_after
            .filter(|_| failure.error.code == Code::Http(429))
        {
            failure.error.notes.push(format!(
                "The registry asks to wait {} s before retrying.",
                wait.as_secs()
            ));
        }
        failure
    }

    async fn attempt(
        &self,
        request: &ApiRequest,
        otp: Option<&str>,
        retries_left: bool,
        read: Read,
    ) -> std::result::Result<Answer, Failure> {
        let url = self.url(&request.path).map_err(Failure::fatal)?;
        let context = HttpContext {
            method: request.method.to_string(),
            url: url.to_string(),
            status: None,
            registry_message: None,
        };
        let turn = match &self.pacer {
            Some(pacer) => Some(pacer.turn().await),
            None => None,
        };
        if let Some(turn) = &turn {
            let waited = u64::try_from(turn.waited.as_micros()).unwrap_or(u64::MAX);
            self.waited_for_pace.fetch_add(waited, Ordering::Relaxed);
        }
        let budget = self.budget();
        let remaining = budget.remaining();
        if remaining.is_zero() {
            return Err(Failure::fatal(self.timeout_error(&context)));
        }
        // While a retry is possible, an attempt gets half of what is left, so that a request
        // lost in a stalled connection still leaves time to try again.
        let timeout = if retries_left {
            remaining / 2
        } else {
            remaining
        };
        let headers = self.headers(request.body.is_some(), otp);
        let body = request
            .body
            .as_ref()
            .map(|body| self.encoded(body))
            .transpose()
            .map_err(Failure::fatal)?;
        crate::activity::set(format!("an answer to {} {}", context.method, context.url));
        // Waiting for a socket counts against the budget like any other wait.
        let socket = tokio::time::timeout_at(budget.deadline.into(), self.http.sockets.acquire());
        let Ok(Ok(_socket)) = socket.await else {
            return Err(Failure::fatal(self.timeout_error(&context)));
        };
        let received = wire::perform(Attempt {
            http: &self.http.client,
            transport: &self.http.transport,
            method: request.method.clone(),
            url,
            headers: &headers,
            body: body.as_deref(),
            timeout,
            credentials_follow_redirects: !self.id_token_bearer,
            credential: request.credential,
            allow_insecure: self.allow_insecure,
            max_body: self.max_body,
        })
        .await;
        if let (Some(pacer), Ok(received)) = (&self.pacer, &received) {
            match received.status {
                429 => pacer.throttled(received.retry_after),
                _ => pacer.got_through(),
            }
        }
        drop(turn);
        match received {
            Ok(received) => self.interpret(received, context, otp.is_some(), read),
            Err(WireError::Refused(error)) => Err(Failure::fatal(error.with_http(context))),
            Err(WireError::TooLarge { url }) => Err(Failure::fatal(
                Error::new(
                    Code::Response,
                    format!(
                        "The answer from {url} is larger than {} MiB; refusing to read it.",
                        self.max_body >> 20
                    ),
                )
                .with_http(context),
            )),
            Err(WireError::Transport { error, url, sent }) => Err(Failure {
                error: Box::new(self.transport_error(&error, &url, context)),
                maybe_processed: sent,
                after_ambiguous_attempt: false,
                // A certificate does not become trusted by asking again.
                transient: !is_tls(&error),
                retry_after: None,
            }),
        }
    }

    /// A body as it goes on the wire: JSON, gzipped when asked.
    fn encoded(&self, body: &Value) -> Result<Vec<u8>> {
        let json = body.to_string().into_bytes();
        if !self.gzip {
            return Ok(json);
        }
        use std::io::Write;
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 4), Default::default());
        encoder
            .write_all(&json)
            .and_then(|_| encoder.finish())
            .map_err(|e| Error::new(Code::InvalidInput, format!("Cannot gzip the request: {e}")))
    }

    fn interpret(
        &self,
        received: Received,
        mut context: HttpContext,
        otp_sent: bool,
        read: Read,
    ) -> std::result::Result<Answer, Failure> {
        context.url = received.url.to_string();
        let status = received.status;
        if read == Read::Bytes && (200..300).contains(&status) {
            return Ok(Answer::Bytes(received.body));
        }
        let raw = answer::Raw {
            status,
            www_authenticate: received.www_authenticate,
            body: &received.body,
        };
        answer::interpret(raw, context, &self.scrubbing(), otp_sent)
            .map(Answer::Json)
            .map_err(|mut error| {
            if let (Some(origin), 401 | 403) = (&received.credentials_withheld_from, status) {
                error.notes.push(format!(
                    "The registry redirected to {origin}, which is another origin: credentials are not sent there."
                ));
            }
            Failure {
                error: Box::new(error),
                maybe_processed: status >= 500,
                after_ambiguous_attempt: false,
                transient: status == 429 || status == 408 || status >= 500,
                retry_after: received.retry_after,
            }
        })
    }

    fn timeout_error(&self, context: &HttpContext) -> Error {
        Error::new(
            Code::Timeout,
            format!(
                "{} {} got no answer within {} ms.",
                context.method,
                context.url,
                self.timeout.as_millis()
            ),
        )
        .with_hint(Hint::Timeout)
        .with_http(context.clone())
    }

    fn transport_error(&self, error: &reqwest::Error, url: &Url, context: HttpContext) -> Error {
        if error.is_timeout() {
            return self.timeout_error(&context);
        }
        let cause = self.scrubbing().scrub(&innermost(error));
        let (code, message) = if is_tls(error) {
            (
                Code::Tls,
                format!(
                    "TLS with {} failed: {cause}. If your network uses its own certificate \
                     authority, point npm's `cafile` at it (or NODE_EXTRA_CA_CERTS).",
                    url.origin().ascii_serialization()
                ),
            )
        } else {
            (
                Code::Network,
                format!(
                    "Could not reach the registry for {} {url}: {cause}. Check the registry URL and your network or proxy.",
                    context.method
                ),
            )
        };
        Error::new(code, message).with_http(context)
    }
}

/// The innermost cause of a transport error, without the URL reqwest prefixes (we add our own).
pub fn innermost(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(inner) = source.source() {
        source = inner;
    }
    source.to_string()
}

/// A TLS failure somewhere in the chain: rustls reports certificate problems as its own error,
/// wrapped in I/O errors (which hide their payload from `source()`), so those are unwrapped too.
fn is_tls(error: &reqwest::Error) -> bool {
    fn tls(error: &(dyn std::error::Error + 'static)) -> bool {
        if error.is::<rustls::Error>() {
            return true;
        }
        let inner = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        inner.is_some_and(tls) || error.source().is_some_and(tls)
    }
    tls(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(base: &str) -> Registry {
        Registry::new(
            Url::parse(base).unwrap(),
            UserAgent::new(Some("v20.0.0")),
            "trust",
            &Policy::default(),
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
            .with_credentials(Some("tok-SECRET".into()), Some("654321".into()));
        let req = ApiRequest {
            method: Method::POST,
            path: "-/package/x/trust".into(),
            body: Some(serde_json::json!([{"type": "github"}])),
            credential: false,
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
                credential: false,
            })
            .unwrap();
        assert_eq!(plan.headers["npm-auth-type"], "web");
        assert!(!plan.headers.contains_key("content-type"));
        assert!(!plan.headers.contains_key("authorization"));
    }
}
