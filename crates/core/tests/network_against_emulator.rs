//! The messy network: TLS with a private certificate authority, proxies, plain http to other
//! machines, redirects to other origins, and 2FA by code or by web approval.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::emulator::{Emulator, Proxy};
use serde_json::{json, Value};
use trust_core::error::{Code, Result};
use trust_core::provider::github::GITHUB;
use trust_core::registry::otp::{Answer, Challenge, OtpPrompt};
use trust_core::session::CallOptions;
use trust_core::trust;

const TOKEN: &str = "alice-network-token";
const OTP: &str = "135790";

fn config(tls: bool) -> Value {
    let packages: Vec<Value> = (1..=3)
        .map(|i| json!({"name": format!("pkg-{i}"), "maintainers": ["alice"]}))
        .collect();
    json!({
        "users": [common::user("alice", TOKEN, OTP)],
        "packages": packages,
        "tls": tls,
        "webAuthRetryAfter": 0.05,
    })
}

/// An isolated home and project, with `npmrc` as the project's .npmrc.
struct Sandbox(PathBuf);

impl Sandbox {
    fn new(name: &str, npmrc: &str) -> Sandbox {
        let dir = std::env::temp_dir().join(format!("tn-net-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("package.json"), "{}").unwrap();
        std::fs::write(dir.join(".npmrc"), npmrc).unwrap();
        Sandbox(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn call(&self, registry: &str, vars: &[(&str, &str)]) -> CallOptions {
        let mut env = common::isolated_env(&self.0);
        for (k, v) in vars {
            env.set(k, v);
        }
        CallOptions {
            package: Some("pkg-1".into()),
            registry: Some(registry.into()),
            token: Some(TOKEN.into()),
            otp: Some(OTP.into()),
            cwd: Some(self.0.clone()),
            env: Some(env),
            ..CallOptions::default()
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn tls_trusts_exactly_what_npm_config_says() {
    let emu = Emulator::start(config(true)).await;
    assert!(emu.url().starts_with("https://127.0.0.1:"));
    let sb = Sandbox::new("tls", "");
    let ca = sb.file("test-ca.pem", emu.ca_pem().unwrap());

    let untrusted = trust::list_publishers(&sb.call(&emu.url(), &[]))
        .await
        .unwrap_err();
    assert_eq!(untrusted.code, Code::Tls, "{untrusted}");
    assert!(untrusted.message.contains("cafile"));

    std::fs::write(sb.0.join(".npmrc"), format!("cafile={ca}\n")).unwrap();
    assert_eq!(
        trust::list_publishers(&sb.call(&emu.url(), &[]))
            .await
            .unwrap(),
        vec![]
    );

    std::fs::write(sb.0.join(".npmrc"), "strict-ssl=false\n").unwrap();
    assert!(trust::list_publishers(&sb.call(&emu.url(), &[]))
        .await
        .is_ok());

    let inline = emu.ca_pem().unwrap().replace('\n', "\\n");
    std::fs::write(sb.0.join(".npmrc"), format!("ca=\"{inline}\"\n")).unwrap();
    assert!(trust::list_publishers(&sb.call(&emu.url(), &[]))
        .await
        .is_ok());
}

/// Apart from the other TLS settings: NODE_EXTRA_CA_CERTS adds to the system's roots, which on
/// Windows is the system's chain engine with extra roots, and Wine's refuses that engine's
/// configuration (E_INVALIDARG), so `npm run test:targets` skips this test under Wine.
#[tokio::test]
async fn node_extra_ca_certs_adds_to_the_system_roots() {
    let emu = Emulator::start(config(true)).await;
    let sb = Sandbox::new("extra-ca", "");
    let ca = sb.file("test-ca.pem", emu.ca_pem().unwrap());
    assert_eq!(
        trust::list_publishers(&sb.call(&emu.url(), &[("NODE_EXTRA_CA_CERTS", &ca)]))
            .await
            .unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn proxies_from_npm_config_and_environment() {
    let plain = Emulator::start(config(false)).await;
    let secure = Emulator::start(config(true)).await;
    let proxy = Proxy::start().await;
    let sb = Sandbox::new("proxy", "");
    let ca = sb.file("ca.pem", secure.ca_pem().unwrap());

    // HTTPS through HTTPS_PROXY: a CONNECT tunnel, TLS end to end.
    std::fs::write(sb.0.join(".npmrc"), format!("cafile={ca}\n")).unwrap();
    let call = sb.call(&secure.url(), &[("HTTPS_PROXY", &proxy.url())]);
    trust::list_publishers(&call).await.unwrap();
    let host = secure.url()["https://".len()..]
        .trim_end_matches('/')
        .to_string();
    assert_eq!(proxy.requests().await, vec![format!("CONNECT {host}")]);

    // Plain http through npm's `proxy` config: absolute-form requests.
    std::fs::write(sb.0.join(".npmrc"), format!("proxy={}\n", proxy.url())).unwrap();
    trust::list_publishers(&sb.call(&plain.url(), &[]))
        .await
        .unwrap();
    assert_eq!(
        proxy.requests().await.last().unwrap(),
        &format!("GET {}-/package/pkg-1/trust", plain.url())
    );

    // noproxy wins.
    let before = proxy.requests().await.len();
    std::fs::write(
        sb.0.join(".npmrc"),
        format!("proxy={}\nnoproxy=127.0.0.1\n", proxy.url()),
    )
    .unwrap();
    trust::list_publishers(&sb.call(&plain.url(), &[]))
        .await
        .unwrap();
    assert_eq!(proxy.requests().await.len(), before);
    assert_eq!(plain.requests().await.len(), 2);
}

#[tokio::test]
async fn credentials_never_cross_in_clear_text_or_to_other_origins() {
    let sb = Sandbox::new("insecure", "");
    // A non-loopback http registry: refused before any connection is attempted.
    let e = trust::list_publishers(&sb.call("http://registry.invalid/", &[]))
        .await
        .unwrap_err();
    assert_eq!(e.code, Code::Insecure);
    let mut allowed = sb.call("http://registry.invalid/", &[]);
    allowed.policy.allow_insecure = true;
    allowed.policy.retries = Some(0);
    assert_ne!(
        trust::list_publishers(&allowed).await.unwrap_err().code,
        Code::Insecure
    );

    // A redirect to another origin: followed, but without the token or the OTP.
    let emu = Emulator::start(config(false)).await;
    let elsewhere = Emulator::start(config(false)).await;
    emu.inject_fault(json!({"kind": "redirect", "location": elsewhere.url(), "times": 1}))
        .await;
    let e = trust::list_publishers(&sb.call(&emu.url(), &[]))
        .await
        .unwrap_err();
    assert_eq!(e.code, Code::Http(401));
    assert!(
        e.full_message().contains("credentials are not sent there"),
        "{}",
        e.full_message()
    );
    let followed = &elsewhere.requests().await[0];
    assert_eq!(followed.path, "/-/package/pkg-1/trust");
    assert!(
        !followed.headers.contains_key("authorization")
            && !followed.headers.contains_key("npm-otp")
    );
}

#[tokio::test]
async fn a_password_is_never_sent_again_to_another_origin() {
    use trust_core::api::{execute, tokens::CREATE_TOKEN, Given};
    let sb = Sandbox::new("password-redirect", "");
    let emu = Emulator::start(config(false)).await;
    let elsewhere = Emulator::start(config(false)).await;
    emu.inject_fault(
        json!({"kind": "redirect", "method": "POST", "location": elsewhere.url(), "times": 1}),
    )
    .await;
    let given = [("password", Given::Text("hunter2-password".into()))].into();
    let e = execute(&CREATE_TOKEN, given, &sb.call(&emu.url(), &[]))
        .await
        .unwrap_err();
    assert_eq!(e.code, Code::Response);
    assert!(
        e.message.contains(elsewhere.url().trim_end_matches('/')),
        "{}",
        e.message
    );
    assert!(!e.full_message().contains("hunter2"));
    assert!(elsewhere.requests().await.is_empty());
}

/// A prompt that answers codes from a list, or approves web flows in "the browser".
struct TestPrompt {
    codes: Vec<String>,
    asked: AtomicUsize,
    skip_2fa: bool,
}

impl OtpPrompt for TestPrompt {
    fn ask(&self, challenge: Challenge) -> Answer<'_> {
        let n = self.asked.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            match challenge {
                Challenge::Otp => Ok(self.codes.get(n).cloned()),
                Challenge::Web { auth_url, .. } => {
                    let skip = if self.skip_2fa { "&skip2fa=true" } else { "" };
                    reqwest::get(format!("{auth_url}?approve=true{skip}"))
                        .await
                        .unwrap();
                    Ok(None)
                }
            }
        })
    }
}

async fn add(call: &CallOptions, package: &str) -> Result<trust::AddOutcome> {
    let call = CallOptions {
        package: Some(package.into()),
        ..call.clone()
    };
    trust::add_publisher(
        &GITHUB,
        common::github_input("acme/widgets", "release.yml"),
        &call,
    )
    .await
}

#[tokio::test]
async fn web_flow_asks_once_for_a_whole_run() {
    let emu = Emulator::start(config(false)).await;
    let sb = Sandbox::new("web", "");
    let prompt = Arc::new(TestPrompt {
        codes: vec![],
        asked: AtomicUsize::new(0),
        skip_2fa: true,
    });
    // A distinct token so the OTP remembered here is this test's alone.
    let mut call = sb.call(&emu.url(), &[]);
    call.otp = None;
    call.policy.otp_prompt = Some(prompt.clone());
    for package in ["pkg-1", "pkg-2", "pkg-3"] {
        add(&call, package).await.unwrap();
    }
    assert_eq!(prompt.asked.load(Ordering::SeqCst), 1);
    let requests = emu.requests().await;
    let polls = requests
        .iter()
        .filter(|r| r.path.starts_with("/-/v1/done"))
        .count();
    assert!(polls >= 1);
    // The approval's OTP went with every later request.
    let posts: Vec<_> = requests
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 4, "one refused, three created");
    assert!(posts[1..]
        .iter()
        .all(|r| r.headers.get("npm-otp").is_some_and(|o| o.len() == 16)));
}

#[tokio::test]
async fn a_remembered_code_is_replaced_when_the_registry_stops_accepting_it() {
    let mut seed = config(false);
    seed["users"] = json!([common::user("alice", "alice-rotating-token", "111111")]);
    let emu = Emulator::start(seed).await;
    let sb = Sandbox::new("rotate", "");
    let prompt = Arc::new(TestPrompt {
        codes: vec!["111111".into(), "222222".into()],
        asked: AtomicUsize::new(0),
        skip_2fa: false,
    });
    let mut call = sb.call(&emu.url(), &[]);
    call.token = Some("alice-rotating-token".into());
    call.otp = None;
    call.policy.otp_prompt = Some(prompt.clone());
    // First call: no OTP, so the registry offers the web flow; approved once, its OTP is reused.
    add(&call, "pkg-1").await.unwrap();
    add(&call, "pkg-2").await.unwrap();
    // The code expires: the remembered OTP is refused (a plain OTP challenge, since one was
    // sent), forgotten, and the prompt is asked for a code, which it answers from its list.
    emu.set_otp("alice", "222222").await;
    add(&call, "pkg-3").await.unwrap();
    assert_eq!(prompt.asked.load(Ordering::SeqCst), 2);
    let last = emu
        .requests()
        .await
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    assert_eq!(last.headers["npm-otp"], "222222");
}
