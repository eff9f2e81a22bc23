//! The JavaScript registry emulator (`testing/cli.js`) in a child process, driven through its
//! control API (`/-/emulator/...`, see testing/README.md), and its loopback proxy
//! (`cli.js --proxy`).
//!
//! The child's stdin is its lifeline: the harness keeps the pipe open, and the emulator exits
//! when it closes. Dropping the harness (a finished or panicking test) closes it and kills the
//! child too, so no process outlives its test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

/// Generous bounds that only catch a hung emulator, never a slow machine.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);
const CONTROL_LIMIT: Duration = Duration::from_secs(60);

/// `testing/cli.js` at the root of the repository.
fn cli() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testing/cli.js");
    assert!(
        path.is_file(),
        "the JavaScript registry emulator is missing: no {}",
        path.display()
    );
    path
}

/// A running `node testing/cli.js ...`: killed when dropped.
struct Process {
    child: Child,
    /// Kept open for as long as the process should run.
    _stdin: ChildStdin,
    /// Kept open so a late write to stdout never meets a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// What the process wrote to stderr so far, for failure messages.
    stderr: Arc<Mutex<String>>,
}

impl Process {
    /// Spawns `node testing/cli.js <arg>`, writes `input` to its stdin (keeping it open), and
    /// answers the process and the JSON line it prints once listening.
    async fn spawn(arg: &str, input: &[u8]) -> (Process, Value) {
        let mut child = Command::new("node")
            .arg(cli())
            .arg(arg)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    panic!(
                        "`node` was not found on PATH: the integration tests run the JavaScript \
                         registry emulator (testing/cli.js), which needs Node.js >= 20"
                    )
                }
                panic!("could not start `node testing/cli.js {arg}`: {e}")
            });
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut stderr = child.stderr.take().expect("stderr is piped");

        let mut line = String::new();
        let started = async {
            stdin.write_all(input).await?;
            stdin.flush().await?;
            stdout.read_line(&mut line).await
        };
        let outcome = tokio::time::timeout(STARTUP_LIMIT, started).await;
        let info = match outcome {
            Ok(Ok(n)) if n > 0 => serde_json::from_str::<Value>(&line).ok(),
            _ => None,
        };
        let Some(info) = info else {
            let _ = child.start_kill();
            let status = child.wait().await;
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text).await;
            panic!(
                "`node testing/cli.js {arg}` did not start ({}; first line {line:?}, exit {status:?}); stderr:\n{text}",
                match outcome {
                    Err(_) => format!("nothing printed in {STARTUP_LIMIT:?}"),
                    Ok(Err(e)) => e.to_string(),
                    Ok(Ok(_)) => "no JSON line".to_string(),
                },
            );
        };
        let log = Arc::new(Mutex::new(String::new()));
        tokio::spawn(drain(stderr, log.clone()));
        let process = Process {
            child,
            _stdin: stdin,
            _stdout: stdout,
            stderr: log,
        };
        (process, info)
    }

    /// Fails the test: `what` went wrong because of `why`, with what the process said on stderr.
    fn fail(&self, what: &str, why: impl std::fmt::Debug) -> ! {
        let text = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let note = if text.is_empty() {
            String::new()
        } else {
            format!("\nemulator stderr:\n{text}")
        };
        panic!("{what}: {why:?}{note}")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Closing stdin (dropped with the fields) would stop it too; this does not wait for it.
        let _ = self.child.start_kill();
    }
}

/// Reads stderr as it comes (a full pipe would block the emulator).
async fn drain(mut stderr: ChildStderr, log: Arc<Mutex<String>>) {
    let mut buffer = [0; 4096];
    while let Ok(n @ 1..) = stderr.read(&mut buffer).await {
        log.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
}

/// A client for the emulator itself: no proxy from the environment, and trusting exactly the
/// emulator's certificate authority when it serves HTTPS.
fn client(ca_pem: Option<&str>) -> reqwest::Client {
    // reqwest is built without a TLS provider of its own; the crate uses ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // A connection per call: Node's server closes a connection idle for 5 s (its keepAliveTimeout),
    // and a call sent on one just as it closes fails with IncompleteMessage, which a test whose
    // operation waited about that long then met at random.
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(CONTROL_LIMIT)
        .pool_max_idle_per_host(0);
    if let Some(pem) = ca_pem {
        let certificates =
            reqwest::Certificate::from_pem_bundle(pem.as_bytes()).expect("caPem is PEM");
        builder = builder.tls_certs_only(certificates);
    }
    builder.build().expect("the control client builds")
}

/// A request the emulator received.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// As received, with the query string.
    pub path: String,
    /// Names lowercased; a repeated header keeps its last value.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// A running JavaScript registry emulator (see testing/index.d.ts for what each method does).
pub struct Emulator {
    process: Process,
    url: String,
    ca_pem: Option<String>,
    npm_audience: String,
    http: reqwest::Client,
}

impl Emulator {
    /// Starts an emulator seeded with `seed` (an `EmulatorSeed`: users, packages, pypiProjects,
    /// tls, webAuthRetryAfter, rateLimit). Panics, with the emulator's words, if it cannot.
    pub async fn start(seed: Value) -> Emulator {
        let (process, info) = Process::spawn("-", seed.to_string().as_bytes()).await;
        let text = |key: &str| info.get(key).and_then(Value::as_str).map(str::to_string);
        let url = text("url").expect("the emulator prints its url");
        let ca_pem = text("caPem");
        let npm_audience = text("npmAudience").expect("the emulator prints npmAudience");
        Emulator {
            http: client(ca_pem.as_deref()),
            process,
            url,
            ca_pem,
            npm_audience,
        }
    }

    /// `http://127.0.0.1:PORT/` (`https://` with TLS), with a trailing slash.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The certificate authority of an HTTPS emulator, PEM.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// `npm:127.0.0.1`: the audience npm asks id_tokens for when publishing here.
    pub fn npm_audience(&self) -> String {
        self.npm_audience.clone()
    }

    /// A control API call: the answer as JSON (`null` for 204). Panics unless it succeeds.
    async fn control<T: DeserializeOwned>(&self, method: Method, route: &str, body: Value) -> T {
        let mut request = self
            .http
            .request(method.clone(), format!("{}-/emulator/{route}", self.url));
        if !body.is_null() {
            request = request.json(&body);
        }
        let what = format!("emulator control {method} /-/emulator/{route}");
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => self.process.fail(&what, e),
        };
        let status = response.status();
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => self.process.fail(&what, e),
        };
        if !status.is_success() {
            self.process.fail(&what, format!("{status}: {text}"));
        }
        let json = if text.is_empty() { "null" } else { &text };
        serde_json::from_str(json)
            .unwrap_or_else(|e| self.process.fail(&what, format!("{e}: {text}")))
    }

    /// Adds users, packages and PyPI projects (one named again is replaced).
    pub async fn seed(&self, seed: Value) {
        self.control::<Value>(Method::POST, "seed", seed).await;
    }

    /// The configurations stored for a package (`None` if the package does not exist).
    pub async fn publishers(&self, package: &str) -> Option<Vec<Value>> {
        let route = format!("publishers/{}", escape(package));
        self.control(Method::GET, &route, Value::Null).await
    }

    /// The versions published of a package, oldest first (`None` if it does not exist).
    pub async fn versions(&self, package: &str) -> Option<Vec<String>> {
        let route = format!("versions/{}", escape(package));
        self.control(Method::GET, &route, Value::Null).await
    }

    /// Every request received so far, oldest first (control requests excepted).
    pub async fn requests(&self) -> Vec<RecordedRequest> {
        self.control(Method::GET, "requests", Value::Null).await
    }

    pub async fn clear_requests(&self) {
        self.control::<Value>(Method::DELETE, "requests", Value::Null)
            .await;
    }

    /// Makes the emulator misbehave for matching requests: a `FaultRule`, `{ kind, ...,
    /// after, times, method, path }`.
    pub async fn inject_fault(&self, rule: Value) {
        self.control::<Value>(Method::POST, "faults", rule).await;
    }

    pub async fn clear_faults(&self) {
        self.control::<Value>(Method::DELETE, "faults", Value::Null)
            .await;
    }

    /// A signed id_token: an `IdTokenSpec`, `{ provider, audience?, claims?, expiresIn? }`.
    pub async fn issue_id_token(&self, spec: Value) -> String {
        self.control(Method::POST, "id-token", spec).await
    }

    /// Registers a GitHub Actions job whose id_tokens carry `claims`; answers the variables
    /// GitHub sets for a job with `permissions: id-token: write`.
    pub async fn github_actions_job(&self, claims: Value) -> BTreeMap<String, String> {
        self.control(Method::POST, "github-actions-job", claims)
            .await
    }

    /// Sets the identity the Google metadata server hands out; answers `GCE_METADATA_HOST`.
    pub async fn google_cloud_identity(&self, claims: Value) -> BTreeMap<String, String> {
        self.control(Method::POST, "google-cloud-identity", claims)
            .await
    }

    /// Replaces a user's authenticator code: the old one is refused from now on.
    pub async fn set_otp(&self, user: &str, otp: &str) {
        let body = serde_json::json!({ "user": user, "otp": otp });
        self.control::<Value>(Method::POST, "otp", body).await;
    }
}

/// A package name as one path segment (`@scope%2fname`).
fn escape(package: &str) -> String {
    percent_encoding::utf8_percent_encode(package, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A running loopback forward proxy (`node testing/cli.js --proxy`).
pub struct Proxy {
    process: Process,
    url: String,
    http: reqwest::Client,
}

impl Proxy {
    pub async fn start() -> Proxy {
        let (process, info) = Process::spawn("--proxy", b"").await;
        let url = info
            .get("url")
            .and_then(Value::as_str)
            .expect("the proxy prints its url")
            .to_string();
        Proxy {
            process,
            url,
            http: client(None),
        }
    }

    /// `http://127.0.0.1:PORT`, for HTTPS_PROXY or npm's `proxy`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Request lines received, oldest first: `CONNECT 127.0.0.1:4873`,
    /// `GET http://127.0.0.1:4873/path`.
    pub async fn requests(&self) -> Vec<String> {
        let log = format!("{}/-/proxy/requests", self.url);
        let what = format!("proxy log {log}");
        let response = match self.http.get(&log).send().await {
            Ok(response) => response,
            Err(e) => self.process.fail(&what, e),
        };
        if !response.status().is_success() {
            self.process.fail(&what, response.status());
        }
        match response.json().await {
            Ok(lines) => lines,
            Err(e) => self.process.fail(&what, e),
        }
    }
}
