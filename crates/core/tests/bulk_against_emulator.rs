//! Bulk runs against the registry emulator: every run ends with one result per package, whatever
//! one package met.

mod common;

use common::emulator::Emulator;
use serde_json::{json, Value};
use trust_core::bulk::{self, apply::Status, spec::TrustSpec};
use trust_core::session::CallOptions;

const TOKEN: &str = "bulk-token-0001";
const OTP: &str = "135790";

fn names(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}-{i:03}")).collect()
}

/// An emulator whose one user maintains `packages`, with `extra` seed fields (a rate limit).
async fn emulator(packages: &[String], extra: Value) -> Emulator {
    let mut seed = json!({
        "users": [common::user("maintainer", TOKEN, OTP)],
        "packages": packages.iter().map(|name| json!({"name": name, "maintainers": ["maintainer"]})).collect::<Vec<_>>(),
    });
    if let (Some(seed), Some(extra)) = (seed.as_object_mut(), extra.as_object()) {
        seed.extend(extra.clone());
    }
    Emulator::start(seed).await
}

fn call(emu: &Emulator) -> CallOptions {
    let home = std::env::temp_dir().join("tn-bulk-home");
    std::fs::create_dir_all(&home).unwrap();
    CallOptions {
        registry: Some(emu.url()),
        token: Some(TOKEN.into()),
        otp: Some(OTP.into()),
        env: Some(common::isolated_env(&home)),
        cwd: Some(home),
        ..CallOptions::default()
    }
}

fn specs(packages: &[String]) -> Vec<bulk::spec::Checked> {
    packages
        .iter()
        .map(|p| {
            let spec = json!({"type": "github", "package": p, "repository": "acme/mono", "file": "release.yml"});
            TrustSpec::check(spec.as_object().unwrap())
        })
        .collect()
}

/// A `Retry-After` no clock can add: the core once panicked on it, and the whole run rejected,
/// losing the results of the packages already configured.
#[tokio::test]
async fn an_absurd_retry_after_is_one_package_failure_not_the_runs() {
    let packages = names("absurd", 3);
    let emu = emulator(&packages, json!({})).await;
    let call = call(&emu);
    let plan = bulk::plan(specs(&packages), &call, None).await.unwrap();
    emu.inject_fault(
        json!({"kind": "status", "status": 429, "retryAfter": 1e20, "method": "POST", "times": 1}),
    )
    .await;
    let results = bulk::apply(plan, &call, Some(1), None).await.unwrap();
    let statuses: Vec<Status> = results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Failed, Status::Done, Status::Done]);
    let error = results[0].error.as_ref().unwrap();
    assert_eq!(error.code, "E429");
    assert!(error.message.contains("asks to wait"), "{}", error.message);
    for package in &packages[1..] {
        assert_eq!(emu.publishers(package).await.unwrap().len(), 1);
    }
}
