//! Every fault mode of the emulator against every trust operation. For each pair the outcome is
//! asserted (success, after retries where needed, or the documented error code), and so is the
//! registry's state afterwards: no configuration duplicated, none lost, none left half-done.

mod common;

use std::time::Duration;

use serde_json::{json, Value};
use tokio::task::JoinSet;
use trust_core::emulator::{Emulator, EmulatorConfig, Fault, FaultRule, PackageSeed};
use trust_core::error::Code;
use trust_core::session::CallOptions;
use trust_core::trust::{self, github::GITHUB};

const TOKEN: &str = "matrix-token";
const OTP: &str = "424242";
const EXISTING: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Create,
    List,
    Revoke,
}

impl Op {
    fn method(self) -> &'static str {
        match self {
            Op::Create => "POST",
            Op::List => "GET",
            Op::Revoke => "DELETE",
        }
    }
}

/// What a call must end with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Success,
    Fails(Code),
}

use Outcome::{Fails, Success};

fn existing_config() -> Value {
    json!({"id": EXISTING, "type": "gitlab", "claims": {"project_path": "acme/old", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}}, "permissions": ["createPackage"]})
}

async fn run_case(
    fault: Fault,
    after: bool,
    times: u32,
    op: Op,
    timeout_ms: u64,
    expected: Outcome,
) -> Result<(), String> {
    let label = format!("{fault:?} after={after} on {op:?}");
    let emu = Emulator::start(EmulatorConfig {
        users: vec![common::user("alice", TOKEN, OTP)],
        packages: vec![PackageSeed {
            name: "widgets".into(),
            maintainers: vec!["alice".into()],
            publishers: if op == Op::Create {
                vec![]
            } else {
                vec![existing_config()]
            },
            ..PackageSeed::default()
        }],
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    // The redirect goes to another origin that knows nobody: credentials must not follow.
    let elsewhere = Emulator::start(EmulatorConfig::default())
        .await
        .map_err(|e| e.to_string())?;
    let fault = match fault {
        Fault::Redirect { .. } => Fault::Redirect {
            location: elsewhere.url(),
        },
        other => other,
    };
    emu.inject_fault(FaultRule {
        fault,
        times: Some(times),
        method: Some(op.method().into()),
        path: None,
        after,
    });

    let home = std::env::temp_dir().join("tn-matrix-home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let env = common::isolated_env(&home);
    let mut call = CallOptions {
        package: Some("widgets".into()),
        registry: Some(emu.url()),
        token: Some(TOKEN.into()),
        otp: Some(OTP.into()),
        cwd: Some(home),
        env: Some(env),
        ..CallOptions::default()
    };
    call.policy.timeout = Some(Duration::from_millis(timeout_ms));

    let result = match op {
        Op::Create => trust::add_publisher(
            &GITHUB,
            common::github_input("acme/widgets", "release.yml"),
            &call,
        )
        .await
        .map(|_| ()),
        Op::List => trust::list_publishers(&call).await.map(|listed| {
            assert_eq!(
                listed.len(),
                1,
                "{label}: list must show the one configuration"
            );
        }),
        Op::Revoke => trust::revoke_publisher(EXISTING, &call).await.map(|_| ()),
    };
    let got = match &result {
        Ok(()) => Success,
        Err(e) => Fails(e.code),
    };
    if got != expected {
        return Err(format!(
            "{label}: expected {expected:?}, got {got:?} ({:?})",
            result.err().map(|e| e.full_message())
        ));
    }

    // The registry's state: exactly what the outcome says, never a duplicate.
    let stored = emu.publishers("widgets").unwrap_or_default();
    let expected_count = match (op, expected) {
        (Op::Create, Success) => 1,
        (Op::Create, Fails(_)) => 0,
        (Op::List, _) => 1,
        (Op::Revoke, Success) => 0,
        (Op::Revoke, Fails(_)) => 1,
    };
    if stored.len() != expected_count {
        return Err(format!(
            "{label}: {} configurations stored, expected {expected_count}",
            stored.len()
        ));
    }
    for request in elsewhere.requests() {
        if request.headers.contains_key("authorization") || request.headers.contains_key("npm-otp")
        {
            return Err(format!(
                "{label}: credentials followed the redirect to another origin"
            ));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_against_every_operation() {
    let status = |status, retry_after| Fault::Status {
        status,
        retry_after,
    };
    // (fault, after, times, timeout ms, outcome for create, list, revoke)
    let table: Vec<(Fault, bool, u32, u64, [Outcome; 3])> = vec![
        // Latency under the budget: nothing to see.
        (
            Fault::Latency { ms: 100 },
            false,
            1,
            5_000,
            [Success, Success, Success],
        ),
        // Latency past an attempt's share of the budget: the attempt times out, then a retry
        // (or, for a create the registry may have done, a check) succeeds.
        (
            Fault::Latency { ms: 3_000 },
            false,
            1,
            2_000,
            [Success, Success, Success],
        ),
        (
            Fault::Latency { ms: 3_000 },
            true,
            1,
            2_000,
            [Success, Success, Success],
        ),
        // A burst of 5xx before acting, and a 5xx after acting.
        (
            status(503, None),
            false,
            2,
            10_000,
            [Success, Success, Success],
        ),
        (
            status(500, None),
            true,
            1,
            10_000,
            [Success, Success, Success],
        ),
        // Rate limited, with Retry-After.
        (
            status(429, Some(1)),
            false,
            1,
            10_000,
            [Success, Success, Success],
        ),
        // Dropped connections, before and after acting.
        (Fault::Drop, false, 1, 10_000, [Success, Success, Success]),
        (Fault::Drop, true, 1, 10_000, [Success, Success, Success]),
        // Unreadable answers: a read fails; a change is checked by listing.
        (
            Fault::MalformedJson,
            false,
            1,
            10_000,
            [
                Fails(Code::Response),
                Fails(Code::Response),
                Fails(Code::Response),
            ],
        ),
        (
            Fault::MalformedJson,
            true,
            1,
            10_000,
            [Success, Fails(Code::Response), Success],
        ),
        (
            Fault::Oversized,
            false,
            1,
            10_000,
            [
                Fails(Code::Response),
                Fails(Code::Response),
                Fails(Code::Response),
            ],
        ),
        (
            Fault::Oversized,
            true,
            1,
            10_000,
            [Success, Fails(Code::Response), Success],
        ),
        // A redirect to another origin: followed without credentials, so refused there.
        (
            Fault::Redirect {
                location: String::new(),
            },
            false,
            1,
            10_000,
            [Fails(Code::Http(401)); 3],
        ),
        // Slow bodies: fine within the budget; past it, like a timeout after acting.
        (
            Fault::SlowBody { ms: 500 },
            false,
            1,
            10_000,
            [Success, Success, Success],
        ),
        (
            Fault::SlowBody { ms: 3_000 },
            false,
            1,
            2_000,
            [Success, Success, Success],
        ),
    ];
    let mut cases = JoinSet::new();
    for (fault, after, times, timeout, outcomes) in table {
        for (op, outcome) in [Op::Create, Op::List, Op::Revoke].into_iter().zip(outcomes) {
            cases.spawn(run_case(fault.clone(), after, times, op, timeout, outcome));
        }
    }
    let mut failures = Vec::new();
    let mut count = 0;
    while let Some(result) = cases.join_next().await {
        count += 1;
        if let Err(failure) = result.expect("a case panicked") {
            failures.push(failure);
        }
    }
    assert_eq!(count, 45);
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
