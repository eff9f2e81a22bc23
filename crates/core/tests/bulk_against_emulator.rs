//! Bulk runs against the registry emulator: every run ends with one result per package, whatever
//! one package met.

mod common;

use common::emulator::Emulator;
use serde_json::{json, Value};
use trust_core::bulk::{self, apply::Status, plan::Action, spec::TrustSpec, Run};
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

fn spec(package: &str, file: &str) -> bulk::spec::Checked {
    let spec =
        json!({"type": "github", "package": package, "repository": "acme/mono", "file": file});
    TrustSpec::check(spec.as_object().unwrap())
}

fn specs(packages: &[String]) -> Vec<bulk::spec::Checked> {
    packages.iter().map(|p| spec(p, "release.yml")).collect()
}

/// The configuration `spec(package, file)` creates, as the emulator is seeded with it.
fn stored(file: &str) -> Value {
    json!({"type": "github", "claims": {"repository": "acme/mono", "workflow_ref": {"file": file}}, "permissions": ["createPackage"]})
}

/// `METHOD path` of every request the emulator received, oldest first.
async fn sent(emu: &Emulator) -> Vec<String> {
    emu.requests()
        .await
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// A `Retry-After` no clock can add: the core once panicked on it, and the whole run rejected,
/// losing the results of the packages already configured.
#[tokio::test]
async fn an_absurd_retry_after_is_one_package_failure_not_the_runs() {
    let packages = names("absurd", 3);
    let emu = emulator(&packages, json!({})).await;
    let call = call(&emu);
    let plan = bulk::plan(specs(&packages), &call, Run::default())
        .await
        .unwrap();
    emu.inject_fault(
        json!({"kind": "status", "status": 429, "retryAfter": 1e20, "method": "POST", "times": 1}),
    )
    .await;
    let one = Run {
        concurrency: Some(1),
        ..Run::default()
    };
    let results = bulk::apply(plan, &call, one, None).await.unwrap();
    let statuses: Vec<Status> = results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Failed, Status::Done, Status::Done]);
    let error = results[0].error.as_ref().unwrap();
    assert_eq!(error.code, "E429");
    assert!(error.message.contains("asks to wait"), "{}", error.message);
    for package in &packages[1..] {
        assert_eq!(emu.publishers(package).await.unwrap().len(), 1);
    }
}

/// Given specs rather than a reviewed plan, a run plans them (each package read once) and
/// applies that. On the seed's registry (one configuration per package), a package's only spec
/// for another workflow is refused (409) and takes the place of the one there is.
#[tokio::test]
async fn specs_are_planned_then_applied_and_on_the_seed_registry_replace_the_one_there_is() {
    let packages = names("first", 3);
    let emu = emulator(&packages, json!({"trustModel": "single"})).await;
    emu.seed(json!({"packages": [
        {"name": "first-002", "maintainers": ["maintainer"], "publishers": [stored("release.yml")]},
        {"name": "first-003", "maintainers": ["maintainer"], "publishers": [stored("old.yml")]},
    ]}))
    .await;
    // first-003 differs: replacing it is the run's decision.
    let one = Run {
        concurrency: Some(1),
        replace: true,
        ..Run::default()
    };
    let results = bulk::apply_specs(specs(&packages), &call(&emu), one, None)
        .await
        .unwrap();
    let outcomes: Vec<(Action, Status)> = results.iter().map(|r| (r.action, r.status)).collect();
    assert_eq!(
        outcomes,
        [
            (Action::Create, Status::Done),
            (Action::Unchanged, Status::Done),
            (Action::Replace, Status::Done),
        ]
    );
    assert_eq!(results[2].previous.len(), 1);
    let requests = sent(&emu).await;
    let trust = |p: &str| format!("/-/package/{p}/trust");
    let old_id = results[2].previous[0].id.clone();
    assert_eq!(
        requests,
        [
            format!("GET {}", trust("first-001")),
            format!("GET {}", trust("first-002")),
            format!("GET {}", trust("first-003")),
            format!("POST {}", trust("first-001")),
            format!("POST {}", trust("first-003")),
            format!("GET {}", trust("first-003")),
            format!("DELETE {}/{old_id}", trust("first-003")),
            format!("POST {}", trust("first-003")),
        ]
    );
    for package in &packages {
        let now = emu.publishers(package).await.unwrap();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0]["claims"], stored("release.yml")["claims"]);
    }
}

/// A create whose answer is lost may have been made: it is checked, not sent again.
#[tokio::test]
async fn an_ambiguous_create_is_checked_not_repeated() {
    let packages = names("lost", 1);
    let emu = emulator(&packages, json!({})).await;
    emu.inject_fault(json!({"kind": "drop", "after": true, "method": "POST", "times": 1}))
        .await;
    let results = bulk::apply_specs(specs(&packages), &call(&emu), Run::default(), None)
        .await
        .unwrap();
    assert_eq!(results[0].status, Status::Done);
    assert_eq!(
        sent(&emu).await,
        [
            "GET /-/package/lost-001/trust",
            "POST /-/package/lost-001/trust",
            "GET /-/package/lost-001/trust"
        ]
    );
    assert_eq!(emu.publishers("lost-001").await.unwrap().len(), 1);
}

/// A registry slower than the run: its 429s and `Retry-After` set the pace, and with default
/// settings every package is configured, once. (Counts only: how fast is for the benchmark.)
#[tokio::test]
async fn a_rate_limited_registry_sets_the_pace_and_no_package_is_dropped() {
    let packages = names("paced", 24);
    let emu = emulator(
        &packages,
        json!({"rateLimit": {"perSecond": 2, "burst": 2}}),
    )
    .await;
    let results = bulk::apply_specs(specs(&packages), &call(&emu), Run::default(), None)
        .await
        .unwrap();
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.status != Status::Done)
        .map(|r| (&r.package, &r.error))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    for package in &packages {
        assert_eq!(emu.publishers(package).await.unwrap().len(), 1, "{package}");
    }
    let requests = sent(&emu).await;
    assert!(
        requests.len() > packages.len(),
        "the registry never pushed back"
    );
}
