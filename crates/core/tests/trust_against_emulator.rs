//! The trust client against the registry emulator: every operation, and every error code a
//! registry answer can produce.

mod common;

use common::emulator::Emulator;
use serde_json::{json, Value};
use trust_core::error::{Code, Error, Hint};
use trust_core::provider::{github::GITHUB, gitlab::GITLAB};
use trust_core::session::CallOptions;
use trust_core::trust::{self, OptionValue, PublisherInput, Values};

const ALICE: &str = "alice-token-0001";
const OTP: &str = "246810";

fn user(name: &str, token: &str) -> Value {
    common::user(name, token, OTP)
}

async fn emulator() -> Emulator {
    let mut no2fa = user("no2fa", "no2fa-token");
    no2fa["tfa"] = json!(false);
    let mut bot = user("bot", "bypass-token");
    bot["bypass2fa"] = json!(true);
    Emulator::start(json!({
        "users": [user("alice", ALICE), user("mallory", "mallory-token"), no2fa, bot],
        "packages": [
            {"name": "widgets", "maintainers": ["alice", "no2fa", "bot"]},
            {"name": "@acme/tools", "maintainers": ["alice"]},
        ],
    }))
    .await
}

/// Call options isolated from the machine's npm config: empty HOME, no npm_config_* variables.
fn call(emu: &Emulator, package: &str, token: Option<&str>, otp: Option<&str>) -> CallOptions {
    let home = std::env::temp_dir().join("tn-empty-home");
    std::fs::create_dir_all(&home).unwrap();
    let env = common::isolated_env(&home);
    CallOptions {
        package: Some(package.into()),
        registry: Some(emu.url()),
        token: token.map(str::to_string),
        otp: otp.map(str::to_string),
        cwd: Some(home),
        env: Some(env),
        ..CallOptions::default()
    }
}

async fn add(call: &CallOptions) -> Result<trust::AddOutcome, Error> {
    trust::add_publisher(
        &GITHUB,
        common::github_input("acme/widgets", "release.yml"),
        call,
    )
    .await
}

#[tokio::test]
async fn add_list_revoke_round_trip() {
    let emu = emulator().await;
    let c = call(&emu, "@acme/tools", Some(ALICE), Some(OTP));
    let added = add(&c).await.unwrap();
    let publisher = added.publisher.unwrap();
    assert_eq!(publisher.kind, "github");
    assert_eq!(publisher.options.text("repository"), Some("acme/widgets"));
    assert_eq!(publisher.permissions, vec!["createPackage"]);

    let listed = trust::list_publishers(&c).await.unwrap();
    assert_eq!(listed, vec![publisher.clone()]);

    let revoked = trust::revoke_publisher(&publisher.id, &c).await.unwrap();
    assert!(!revoked.dry_run);
    assert!(trust::list_publishers(&c).await.unwrap().is_empty());

    // What reached the registry: npm's paths, escaping and headers.
    let requests = emu.requests().await;
    let seen: Vec<(String, String)> = requests
        .iter()
        .cloned()
        .map(|r| (r.method, r.path))
        .collect();
    let path = "/-/package/@acme%2ftools/trust";
    assert_eq!(
        seen,
        vec![
            ("POST".into(), path.into()),
            ("GET".into(), path.into()),
            ("DELETE".into(), format!("{path}/{}", publisher.id)),
            ("GET".into(), path.into()),
        ]
    );
    let first = &requests[0];
    assert_eq!(first.headers["authorization"], format!("Bearer {ALICE}"));
    assert_eq!(first.headers["npm-otp"], OTP);
    assert_eq!(first.headers["npm-command"], "trust");
    assert_eq!(first.headers["content-type"], "application/json");
}

#[tokio::test]
async fn dry_run_sends_nothing_and_masks_secrets() {
    let emu = emulator().await;
    let c = CallOptions {
        dry_run: true,
        ..call(&emu, "widgets", Some(ALICE), Some(OTP))
    };
    let out = add(&c).await.unwrap();
    assert!(out.publisher.is_none());
    assert_eq!(out.request.method, "POST");
    assert_eq!(
        out.request.url,
        format!("{}-/package/widgets/trust", emu.url())
    );
    assert_eq!(out.request.headers["authorization"], "Bearer ***");
    assert_eq!(
        out.request.body,
        Some(
            json!([{"type": "github", "claims": {"repository": "acme/widgets", "workflow_ref": {"file": "release.yml"}}, "permissions": ["createPackage"]}])
        )
    );
    assert!(emu.requests().await.is_empty());
    let text = serde_json::to_string(&out).unwrap();
    assert!(!text.contains(ALICE) && !text.contains(OTP));
}

async fn error_of(result: Result<impl std::fmt::Debug, Error>) -> Error {
    result.unwrap_err()
}

#[tokio::test]
async fn every_registry_error_has_its_code_and_says_what_to_do() {
    let emu = emulator().await;
    let secret_free = |e: &Error| {
        let text = format!("{e:?}");
        assert!(
            !text.contains(ALICE) && !text.contains(OTP) && !text.contains("bypass-token"),
            "{text}"
        );
    };

    // No token anywhere: ENEEDAUTH before any request.
    let e = error_of(add(&call(&emu, "widgets", None, Some(OTP))).await).await;
    assert_eq!(e.code, Code::NeedAuth);
    assert!(emu.requests().await.is_empty());

    // Unknown token.
    let e = error_of(add(&call(&emu, "widgets", Some("wrong-token"), Some(OTP))).await).await;
    assert_eq!((e.code, e.status()), (Code::Http(401), Some(401)));
    assert!(e.message.contains("bypass 2FA"), "{}", e.message);

    // A bypass-2FA token: 401 with the registry's words kept.
    let e = error_of(add(&call(&emu, "widgets", Some("bypass-token"), Some(OTP))).await).await;
    assert_eq!(e.code, Code::Http(401));
    assert!(e
        .http
        .as_ref()
        .unwrap()
        .registry_message
        .as_ref()
        .unwrap()
        .contains("bypass"));
    secret_free(&e);

    // No 2FA on the account, or no write access: 403.
    let e = error_of(add(&call(&emu, "widgets", Some("no2fa-token"), Some(OTP))).await).await;
    assert_eq!(e.code, Code::Http(403));
    assert!(e.message.contains("two-factor"), "{}", e.message);
    let e = error_of(add(&call(&emu, "widgets", Some("mallory-token"), Some(OTP))).await).await;
    assert_eq!(e.code, Code::Http(403));

    // Unknown package: 404 that explains the first-publish rule.
    let e = error_of(add(&call(&emu, "not-published", Some(ALICE), Some(OTP))).await).await;
    assert_eq!(e.code, Code::Http(404));
    assert!(e.message.contains("already exists"), "{}", e.message);

    // Missing OTP: EOTP with the web flow's URLs; wrong OTP: EOTP that says so.
    let e = error_of(add(&call(&emu, "widgets", Some(ALICE), None)).await).await;
    assert_eq!(e.code, Code::Otp);
    let web = e.web_auth.expect("web flow offered");
    assert!(web.done_url.starts_with(&emu.url()) && web.done_url.contains("/-/v1/done?authId="));
    let e = error_of(add(&call(&emu, "widgets", Some(ALICE), Some("000000"))).await).await;
    assert_eq!(e.code, Code::Otp);
    assert!(e.message.contains("rejected"));
    secret_free(&e);

    // The same configuration again: E409 that names the one the package has; revoking is no
    // answer to it.
    let created = add(&call(&emu, "widgets", Some(ALICE), Some(OTP)))
        .await
        .unwrap();
    let e = error_of(add(&call(&emu, "widgets", Some(ALICE), Some(OTP))).await).await;
    assert_eq!(e.code, Code::Http(409));
    assert_eq!(e.hint, Some(Hint::ListPublishers));
    let id = created.publisher.expect("created").id;
    assert!(
        e.message.contains(&format!(
            "widgets already has this trusted publisher (id {id})"
        )),
        "{}",
        e.message
    );
    assert!(
        !e.full_message().contains("Revoke one first"),
        "{}",
        e.message
    );
    assert_eq!(emu.publishers("widgets").await.unwrap().len(), 1);

    // Revoking an id that does not exist: E404 that points at listPublishers.
    let e = error_of(
        trust::revoke_publisher(
            "3e4b2f1a-1111-4222-8333-444455556666",
            &call(&emu, "widgets", Some(ALICE), Some(OTP)),
        )
        .await,
    )
    .await;
    assert_eq!(e.code, Code::Http(404));
    assert_eq!(e.hint, Some(Hint::ListPublishers));
    assert!(e.full_message().contains("listPublishers"));
}

#[tokio::test]
async fn gitlab_publisher_with_environment_and_stage_permission() {
    let emu = emulator().await;
    let mut values = Values::default();
    values.set("project", OptionValue::Text("acme/sub/widgets".into()));
    values.set("file", OptionValue::Text(".gitlab-ci.yml".into()));
    values.set("environment", OptionValue::Text("npm".into()));
    let input = PublisherInput {
        values,
        allow_stage_publish: Some(true),
        ..PublisherInput::default()
    };
    let out = trust::add_publisher(
        &GITLAB,
        input,
        &call(&emu, "widgets", Some(ALICE), Some(OTP)),
    )
    .await
    .unwrap();
    let p = out.publisher.unwrap();
    assert_eq!(p.permissions, vec!["createStagedPackage"]);
    assert_eq!(
        emu.publishers("widgets").await.unwrap()[0]["claims"],
        json!({"project_path": "acme/sub/widgets", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}, "environment": "npm"})
    );
}

#[tokio::test]
async fn network_and_timeout_errors() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let emu = emulator().await;
    let mut c = call(&emu, "widgets", Some(ALICE), Some(OTP));
    c.registry = Some(format!("http://127.0.0.1:{port}/"));
    let e = error_of(trust::list_publishers(&c).await).await;
    assert_eq!(e.code, Code::Network);
    assert!(e.message.contains(&format!("127.0.0.1:{port}")));

    // A server that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    c.registry = Some(format!("http://{}/", silent.local_addr().unwrap()));
    c.policy.timeout = Some(std::time::Duration::from_millis(200));
    let hold = tokio::spawn(async move {
        let _conn = silent.accept().await;
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    });
    let e = error_of(trust::list_publishers(&c).await).await;
    assert_eq!(e.code, Code::Timeout);
    assert_eq!(e.hint, Some(Hint::Timeout));
    assert!(e.full_message().contains("timeoutMs"));
    hold.abort();
}

/// A registry that answers 429 with `Retry-After: 0` forever: every retry still waits, so however
/// many retries are allowed, the call makes a bounded number of requests before its time is up.
#[tokio::test]
async fn retry_after_zero_still_backs_off_and_retries_are_bounded() {
    let emu = emulator().await;
    emu.inject_fault(json!({"kind": "status", "status": 429, "retryAfter": 0}))
        .await;
    let mut c = call(&emu, "widgets", Some(ALICE), Some(OTP));
    c.policy.timeout = Some(std::time::Duration::from_secs(2));
    c.policy.retries = Some(u32::MAX);
    let e = error_of(trust::list_publishers(&c).await).await;
    assert!(matches!(e.code, Code::Http(429) | Code::Timeout), "{e:?}");
    // At least 100 ms between tries: at most 20 retries in 2 s, on any machine.
    let sent = emu.requests().await.len();
    assert!((2..=21).contains(&sent), "{sent} requests");
}
