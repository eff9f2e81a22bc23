//! Every fault mode of the emulator against every trust operation. For each pair the outcome is
//! asserted (success, after retries where needed, or the documented error code), and so is the
//! registry's state afterwards: no configuration duplicated, none lost, none left half-done.

mod common;

use std::time::Duration;

use common::emulator::Emulator;
use serde_json::{json, Value};
use tokio::task::JoinSet;
use trust_core::error::Code;
use trust_core::provider::github::GITHUB;
use trust_core::session::CallOptions;
use trust_core::trust;

const TOKEN: &str = "matrix-token";
const OTP: &str = "424242";
const EXISTING: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
/// The budget of every other case: they end when they succeed or fail, so a budget far past
/// what they need costs nothing and keeps a loaded machine from turning a success into a timeout.
const BUDGET_MS: u64 = 60_000;
/// The budget of the cases whose first attempt must time out: an attempt gets half of it while
/// a retry is possible, so the retry has ten seconds, on a loaded machine too.
const SLOW_CASE_BUDGET_MS: u64 = 20_000;

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

/// One pair: a fault rule (`{ kind, ..., after, times }`, as the emulator takes it), the
/// operation it meets, the call's time budget, and the outcome the call must end with.
#[derive(Debug, Clone)]
struct Case {
    fault: Value,
    op: Op,
    timeout_ms: u64,
    expected: Outcome,
}

/// A case's emulators, started and armed: the registry with the fault injected, and for a
/// redirect the other origin it points at.
struct Armed {
    case: Case,
    emu: Emulator,
    elsewhere: Option<Emulator>,
}

impl Case {
    fn label(&self) -> String {
        format!("{} on {:?}", self.fault, self.op)
    }

    async fn arm(self) -> Armed {
        let emu = Emulator::start(json!({
            "users": [common::user("alice", TOKEN, OTP)],
            "packages": [{
                "name": "widgets",
                "maintainers": ["alice"],
                "publishers": if self.op == Op::Create { json!([]) } else { json!([existing_config()]) },
            }],
        }))
        .await;
        let mut rule = self.fault.clone();
        rule["method"] = json!(self.op.method());
        // The redirect goes to another origin that knows nobody: credentials must not follow.
        let elsewhere = if rule["kind"] == "redirect" {
            let elsewhere = Emulator::start(json!({})).await;
            rule["location"] = json!(elsewhere.url());
            Some(elsewhere)
        } else {
            None
        };
        emu.inject_fault(rule).await;
        Armed {
            case: self,
            emu,
            elsewhere,
        }
    }
}

impl Armed {
    async fn run(self) -> Result<(), String> {
        let Armed {
            case,
            emu,
            elsewhere,
        } = self;
        let label = case.label();
        let (op, expected) = (case.op, case.expected);
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
        call.policy.timeout = Some(Duration::from_millis(case.timeout_ms));

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
        let stored = emu.publishers("widgets").await.unwrap_or_default();
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
        if let Some(elsewhere) = &elsewhere {
            for request in elsewhere.requests().await {
                if request.headers.contains_key("authorization")
                    || request.headers.contains_key("npm-otp")
                {
                    return Err(format!(
                        "{label}: credentials followed the redirect to another origin"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_against_every_operation() {
    let status = |status: u16, retry_after: Option<u64>| match retry_after {
        Some(seconds) => json!({"kind": "status", "status": status, "retryAfter": seconds}),
        None => json!({"kind": "status", "status": status}),
    };
    // (fault, after, times, timeout ms, outcome for create, list, revoke)
    let table: Vec<(Value, bool, u32, u64, [Outcome; 3])> = vec![
        // Latency under the budget: nothing to see.
        (
            json!({"kind": "latency", "ms": 100}),
            false,
            1,
            BUDGET_MS,
            [Success, Success, Success],
        ),
        // Latency past an attempt's share of the budget: the attempt times out, then a retry
        // (or, for a create the registry may have done, a check) succeeds. The answer never
        // comes in time (a minute), and the retry has half the budget (ten seconds): no machine
        // is slow enough to miss that, or fast enough to get the late answer.
        (
            json!({"kind": "latency", "ms": 60_000}),
            false,
            1,
            SLOW_CASE_BUDGET_MS,
            [Success, Success, Success],
        ),
        (
            json!({"kind": "latency", "ms": 60_000}),
            true,
            1,
            SLOW_CASE_BUDGET_MS,
            [Success, Success, Success],
        ),
        // A burst of 5xx before acting, and a 5xx after acting.
        (
            status(503, None),
            false,
            2,
            BUDGET_MS,
            [Success, Success, Success],
        ),
        (
            status(500, None),
            true,
            1,
            BUDGET_MS,
            [Success, Success, Success],
        ),
        // Rate limited, with Retry-After.
        (
            status(429, Some(1)),
            false,
            1,
            BUDGET_MS,
            [Success, Success, Success],
        ),
        // Dropped connections, before and after acting.
        (
            json!({"kind": "drop"}),
            false,
            1,
            BUDGET_MS,
            [Success, Success, Success],
        ),
        (
            json!({"kind": "drop"}),
            true,
            1,
            BUDGET_MS,
            [Success, Success, Success],
        ),
        // Unreadable answers: a read fails; a change is checked by listing.
        (
            json!({"kind": "malformedJson"}),
            false,
            1,
            BUDGET_MS,
            [
                Fails(Code::Response),
                Fails(Code::Response),
                Fails(Code::Response),
            ],
        ),
        (
            json!({"kind": "malformedJson"}),
            true,
            1,
            BUDGET_MS,
            [Success, Fails(Code::Response), Success],
        ),
        (
            json!({"kind": "oversized"}),
            false,
            1,
            BUDGET_MS,
            [
                Fails(Code::Response),
                Fails(Code::Response),
                Fails(Code::Response),
            ],
        ),
        (
            json!({"kind": "oversized"}),
            true,
            1,
            BUDGET_MS,
            [Success, Fails(Code::Response), Success],
        ),
        // A redirect to another origin (set per case): followed without credentials, so
        // refused there.
        (
            json!({"kind": "redirect"}),
            false,
            1,
            BUDGET_MS,
            [Fails(Code::Http(401)); 3],
        ),
        // Slow bodies: fine within the budget; past it, like a timeout after acting.
        (
            json!({"kind": "slowBody", "ms": 500}),
            false,
            1,
            BUDGET_MS,
            [Success, Success, Success],
        ),
        (
            json!({"kind": "slowBody", "ms": 60_000}),
            false,
            1,
            SLOW_CASE_BUDGET_MS,
            [Success, Success, Success],
        ),
    ];
    let mut cases = Vec::new();
    for (mut fault, after, times, timeout_ms, outcomes) in table {
        fault["after"] = json!(after);
        fault["times"] = json!(times);
        for (op, expected) in [Op::Create, Op::List, Op::Revoke].into_iter().zip(outcomes) {
            cases.push(Case {
                fault: fault.clone(),
                op,
                timeout_ms,
                expected,
            });
        }
    }
    // Every emulator is started before any case runs, so that starting processes never eats
    // into a case's time budget.
    let mut arming = JoinSet::new();
    for case in cases {
        arming.spawn(case.arm());
    }
    let mut armed = Vec::new();
    while let Some(case) = arming.join_next().await {
        armed.push(case.expect("a case could not be set up"));
    }
    let mut running = JoinSet::new();
    for case in armed {
        running.spawn(case.run());
    }
    let mut failures = Vec::new();
    let mut count = 0;
    while let Some(result) = running.join_next().await {
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
