//! OIDC end to end against the emulator: id_tokens from each CI's mechanism, the npm exchange and
//! a publish with the exchanged token, refusals with their codes, and PyPI minting.

mod common;

use std::path::PathBuf;

use common::emulator::Emulator;
use serde_json::json;
use trust_core::config::EnvVars;
use trust_core::error::Code;
use trust_core::oidc::exchange::{exchange_token, ExchangeOptions, NpmrcTarget};
use trust_core::oidc::pypi::{mint_pypi_token, PypiOptions};
use trust_core::oidc::{get_id_token, IdTokenOptions};
use trust_core::session::CallOptions;

const GITHUB_CONFIG: &str = r#"{"type": "github", "claims": {"repository": "acme/widgets", "workflow_ref": {"file": "release.yml"}}, "permissions": ["createPackage"]}"#;

/// What the emulator's `GET /_/oidc/audience` answers (testing/lib/pypi.js): its host name, the
/// audience the client asks of an index other than pypi.org (`pypi`) by default.
const PYPI_AUDIENCE: &str = "127.0.0.1";

async fn emulator() -> Emulator {
    let github_config: serde_json::Value = serde_json::from_str(GITHUB_CONFIG).unwrap();
    Emulator::start(json!({
        "users": [common::user("alice", "alice-token", "123456")],
        "packages": [{
            "name": "@acme/widgets",
            "maintainers": ["alice"],
            "publishers": [github_config],
            "versions": ["1.0.0"],
        }],
        "pypiProjects": [{
            "name": "widgets",
            "publishers": [{"type": "github", "repository": "acme/widgets", "workflow": "release.yml", "environment": "pypi"}],
        }],
    }))
    .await
}

/// A sandbox: an empty home and project, the given variables, and a bin dir for fake CLIs.
struct Sandbox {
    dir: PathBuf,
    env: EnvVars,
}

impl Sandbox {
    fn new(name: &str, vars: &[(&str, &str)]) -> Sandbox {
        let dir = std::env::temp_dir().join(format!("tn-oidc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::write(
            dir.join("package.json"),
            r#"{"name": "@acme/widgets", "version": "1.0.1"}"#,
        )
        .unwrap();
        let mut env = common::isolated_env(&dir);
        env.set("PATH", dir.join("bin").to_str().unwrap());
        for (k, v) in vars {
            env.set(k, v);
        }
        Sandbox { dir, env }
    }

    /// A fake CLI that prints `output` and records its arguments.
    #[cfg(unix)]
    fn fake_cli(&self, name: &str, output: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join("bin").join(name);
        let args = self.dir.join(format!("{name}.args"));
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"$@\" > '{}'\necho '{output}'\n",
                args.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn call(&self, emu: &Emulator) -> CallOptions {
        CallOptions {
            registry: Some(emu.url()),
            cwd: Some(self.dir.clone()),
            env: Some(self.env.clone()),
            ..CallOptions::default()
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn publish(emu: &Emulator, token: &str, version: &str) -> reqwest::StatusCode {
    let body = json!({
        "_id": "@acme/widgets", "name": "@acme/widgets",
        "dist-tags": {"latest": version},
        "versions": {version: {"name": "@acme/widgets", "version": version}},
        "_attachments": {format!("widgets-{version}.tgz"): {"content_type": "application/octet-stream", "data": "AA==", "length": 1}},
    });
    reqwest::Client::new()
        .put(format!("{}@acme%2fwidgets", emu.url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn github_request_url_exchange_and_publish() {
    let emu = emulator().await;
    let job = emu
        .github_actions_job(json!({"repository": "acme/widgets"}))
        .await;
    let vars: Vec<(&str, &str)> = job.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sb = Sandbox::new("github", &vars);
    let out = exchange_token(ExchangeOptions {
        call: sb.call(&emu),
        // The user config: HOME is the sandbox, so `~/.npmrc` is its .npmrc.
        write_npmrc: Some(NpmrcTarget::User),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(out.package, "@acme/widgets");
    assert_eq!(out.id_token_source, "ACTIONS_ID_TOKEN_REQUEST_URL");
    assert_eq!(out.token_type.as_deref(), Some("oidc"));
    let npmrc = std::fs::read_to_string(sb.dir.join(".npmrc")).unwrap();
    assert!(
        npmrc.contains(&format!("{}:_authToken={}", &emu.url()[5..], out.token)),
        "{npmrc}"
    );

    assert_eq!(publish(&emu, &out.token, "1.0.1").await, 200);
    assert_eq!(
        emu.versions("@acme/widgets").await.unwrap(),
        vec!["1.0.0", "1.0.1"]
    );
    // The id_token was requested with npm's audience, as a query parameter after GitHub's own.
    let token_request = emu
        .requests()
        .await
        .into_iter()
        .find(|r| r.path.starts_with("/-/oidc/github/token"))
        .unwrap();
    assert_eq!(
        token_request.path,
        "/-/oidc/github/token?api-version=2.0&audience=npm%3A127.0.0.1"
    );
    assert!(token_request.headers["authorization"].starts_with("Bearer gha-request-"));
}

#[tokio::test]
async fn exchange_refusals_carry_codes_and_claims() {
    let emu = emulator().await;
    // Wrong workflow file: the registry's 404, explained with what the token says.
    let wrong = emu.issue_id_token(json!({"provider": "github", "audience": emu.npm_audience(), "claims": {"repository": "acme/widgets", "workflow_ref": "acme/widgets/.github/workflows/publish.yml@refs/heads/main"}, "expiresIn": 300})).await;
    let sb = Sandbox::new(
        "refusals",
        &[("NPM_ID_TOKEN", &wrong), ("GITLAB_CI", "true")],
    );
    let e = exchange_token(ExchangeOptions {
        call: sb.call(&emu),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!((e.code, e.status()), (Code::OidcExchange, Some(404)));
    assert!(e.message.contains("file publish.yml"), "{}", e.message);
    assert_eq!(
        e.oidc.as_ref().unwrap().claims.as_ref().unwrap()["repository"],
        "acme/widgets"
    );
    assert!(!format!("{e:?}").contains(&wrong));

    // Expired and wrong-audience tokens are caught before anything is sent.
    emu.clear_requests().await;
    let expired = emu
        .issue_id_token(json!({"provider": "github", "audience": emu.npm_audience(), "claims": {}, "expiresIn": -30}))
        .await;
    let e = exchange_token(ExchangeOptions {
        call: sb.call(&emu),
        id_token: Some(expired),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(e.code, Code::OidcExpired);
    let pypi_token = emu
        .issue_id_token(
            json!({"provider": "github", "audience": "pypi", "claims": {}, "expiresIn": 300}),
        )
        .await;
    let e = exchange_token(ExchangeOptions {
        call: sb.call(&emu),
        id_token: Some(pypi_token),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(e.code, Code::OidcAudience);
    assert!(emu.requests().await.is_empty());
}

#[tokio::test]
async fn google_metadata_and_agent_clis_as_sources() {
    let emu = emulator().await;
    let google = emu
        .google_cloud_identity(json!({"email": "release@acme.iam.gserviceaccount.com"}))
        .await;
    let sb = Sandbox::new(
        "google",
        &[("GCE_METADATA_HOST", &google["GCE_METADATA_HOST"])],
    );
    let token = get_id_token(IdTokenOptions {
        audience: Some("pypi".into()),
        env: Some(sb.env.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(token.provider.as_deref(), Some("google"));
    assert_eq!(
        token.claims["email"],
        "release@acme.iam.gserviceaccount.com"
    );
    let metadata = emu
        .requests()
        .await
        .into_iter()
        .find(|r| r.path.starts_with("/computeMetadata"))
        .unwrap();
    assert_eq!(metadata.headers["metadata-flavor"], "Google");

    #[cfg(unix)]
    for (cli, ci, expected_args) in [
        (
            "buildkite-agent",
            "BUILDKITE",
            "oidc request-token --audience pypi",
        ),
        (
            "circleci",
            "CIRCLECI",
            r#"run oidc get --claims {"aud":"pypi"}"#,
        ),
    ] {
        let printed = emu
            .issue_id_token(
                json!({"provider": "gitlab", "audience": "pypi", "claims": {}, "expiresIn": 300}),
            )
            .await;
        let sb = Sandbox::new(cli, &[(ci, "true")]);
        sb.fake_cli(cli, &printed);
        let token = get_id_token(IdTokenOptions {
            audience: Some("pypi".into()),
            env: Some(sb.env.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(token.token, printed);
        let args = std::fs::read_to_string(sb.dir.join(format!("{cli}.args"))).unwrap();
        assert_eq!(args.trim(), expected_args);
    }
}

#[tokio::test]
async fn pypi_mint_and_refusals() {
    let emu = emulator().await;
    let index = format!("{}legacy/", emu.url());
    let claims = json!({"repository": "Acme/Widgets", "environment": "PyPI"});
    let id_token = emu
        .issue_id_token(json!({"provider": "github", "audience": PYPI_AUDIENCE, "claims": claims, "expiresIn": 300}))
        .await;
    // The `id` package's variable for the audience: `_27_0_0_1_ID_TOKEN`.
    let variable = trust_core::oidc::sources::audience_variable(PYPI_AUDIENCE);
    let sb = Sandbox::new("pypi", &[(&variable, &id_token), ("GITLAB_CI", "true")]);
    let options = || PypiOptions {
        repository_url: Some(index.clone()),
        env: Some(sb.env.clone()),
        ..Default::default()
    };
    let minted = mint_pypi_token(options()).await.unwrap();
    assert!(minted.token.starts_with("pypi-"));
    assert_eq!(minted.audience, PYPI_AUDIENCE);
    assert_eq!(minted.index, emu.url());

    // PyPI tokens are single-use.
    let e = mint_pypi_token(options()).await.unwrap_err();
    assert_eq!(e.code, Code::OidcExchange);
    assert_eq!(e.oidc.unwrap().errors[0].code, "invalid-reuse-token");

    // A token from another workflow matches no publisher.
    let other = emu.issue_id_token(json!({"provider": "github", "audience": PYPI_AUDIENCE, "claims": {"repository": "acme/widgets", "environment": "pypi", "workflow_ref": "acme/widgets/.github/workflows/ci.yml@refs/heads/main"}, "expiresIn": 300})).await;
    let e = mint_pypi_token(PypiOptions {
        id_token: Some(other),
        ..options()
    })
    .await
    .unwrap_err();
    let codes: Vec<String> = e.oidc.unwrap().errors.into_iter().map(|e| e.code).collect();
    assert_eq!(codes, vec!["invalid-publisher"]);
    assert!(e.message.contains("invalid-publisher"));
}
