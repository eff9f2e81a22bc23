//! Applying a plan: each package made to match, concurrently, at the registry's pace, without
//! stopping at one package's failure. Replacing is revoke-then-create (the registry keeps one
//! configuration per package); if the create fails after the revoke, the previous
//! configuration is put back and the error says so.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use super::plan::{Action, Plan, PlanEntry, Problem};
use super::spec::Desired;
use crate::error::{Code, Error, Hint, Result};
use crate::package::PackageName;
use crate::session::{CallOptions, Session};
use crate::trust::{same_configuration, Publisher, TrustClient};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Done,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyResult {
    pub package: String,
    /// What was planned (`create`, `replace`, `unchanged`, `error`).
    pub action: Action,
    pub status: Status,
    /// The configuration the package has now, when done.
    pub publisher: Option<Publisher>,
    /// What a replace removed.
    pub previous: Vec<Publisher>,
    pub error: Option<Problem>,
}

/// Reported after each package.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub result: ApplyResult,
}

pub type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

/// How long packages in flight get to finish once a run is stopped.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// Applies every entry; one result per entry, in the plan's order. Each entry moves into its
/// task, so the plan is gone as the results come. When `call.stop` fires, no package starts
/// any more and those in flight get [`STOP_GRACE`] to finish: the others end `EABORTED`.
pub async fn apply_trust(
    plan: Plan,
    call: &CallOptions,
    concurrency: usize,
    on_progress: Option<OnProgress>,
) -> Result<Vec<ApplyResult>> {
    let session = Session::open(call);
    let total = plan.entries.len();
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut work = JoinSet::new();
    let mut outcomes = Outcomes {
        done: 0,
        results: vec![None; total],
        in_flight: HashMap::new(),
        on_progress,
    };
    let mut stop = Stop::new(call.stop.clone());
    let mut entries = plan.entries.into_iter().enumerate();
    while let Some((index, entry)) = entries.next() {
        // A task starts only when it may run, so a large plan does not hold a client per
        // package while it waits.
        let turn = tokio::select! {
            turn = limit.clone().acquire_owned() => turn,
            _ = stop.requested() => {
                outcomes.not_started(std::iter::once((index, entry)).chain(entries));
                break;
            }
        };
        while let Some(finished) = work.try_join_next() {
            outcomes.record(finished)?;
        }
        let client = PackageName::parse(&entry.package)
            .and_then(|p| session.registry_for(&p).map(|r| (p, TrustClient::new(r))));
        let secrets = call.secrets();
        outcomes.started(index, &entry);
        work.spawn(async move {
            let _turn = turn;
            let result = match client {
                Ok((package, client)) => apply_one(&client, &package, entry).await,
                Err(error) => result_of(entry, Err(error), vec![]),
            };
            (index, scrub(result, &secrets))
        });
    }
    loop {
        let finished = tokio::select! {
            finished = work.join_next() => finished,
            _ = stop.grace_over() => break,
        };
        match finished {
            Some(finished) => outcomes.record(finished)?,
            None => break,
        }
    }
    // Past the grace, what is still in flight is dropped with `work`.
    outcomes.abandon_in_flight();
    Ok(outcomes.results.into_iter().flatten().collect())
}

/// A run's stop, once requested: nothing starts after it, and packages in flight get
/// [`STOP_GRACE`] to finish.
struct Stop {
    signal: Option<Arc<Notify>>,
    grace_until: Option<tokio::time::Instant>,
}

impl Stop {
    fn new(signal: Option<Arc<Notify>>) -> Stop {
        Stop {
            signal,
            grace_until: None,
        }
    }

    /// Resolves when the stop is requested; never again after that, nor without a signal.
    async fn requested(&mut self) {
        match (&self.signal, self.grace_until) {
            (Some(signal), None) => {
                signal.notified().await;
                self.grace_until = Some(tokio::time::Instant::now() + STOP_GRACE);
            }
            _ => std::future::pending().await,
        }
    }

    /// Resolves when a stop was requested and its grace is over.
    async fn grace_over(&mut self) {
        if self.grace_until.is_none() {
            self.requested().await;
        }
        if let Some(until) = self.grace_until {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// The results so far, reported as they come.
struct Outcomes {
    done: usize,
    results: Vec<Option<ApplyResult>>,
    /// What to report of the packages in flight if the run stops before they finish.
    in_flight: HashMap<usize, (String, Action)>,
    on_progress: Option<OnProgress>,
}

impl Outcomes {
    fn started(&mut self, index: usize, entry: &PlanEntry) {
        self.in_flight
            .insert(index, (entry.package.clone(), entry.action));
    }

    fn record(
        &mut self,
        finished: std::result::Result<(usize, ApplyResult), tokio::task::JoinError>,
    ) -> Result<()> {
        let (index, result) = finished
            .map_err(|e| Error::new(Code::Network, format!("An apply task failed: {e}")))?;
        self.in_flight.remove(&index);
        self.done += 1;
        if let Some(report) = &self.on_progress {
            report(Progress {
                done: self.done,
                total: self.results.len(),
                result: result.clone(),
            });
        }
        self.results[index] = Some(result);
        Ok(())
    }

    /// The run stopped before these entries started.
    fn not_started(&mut self, entries: impl Iterator<Item = (usize, PlanEntry)>) {
        let why = || Error::new(Code::Aborted, "Not started: the run was stopped.");
        for (index, entry) in entries {
            self.results[index] = Some(result_of(entry, Err(why()), vec![]));
        }
    }

    /// The run stopped, and its grace ended before these packages finished.
    fn abandon_in_flight(&mut self) {
        for (index, (package, action)) in self.in_flight.drain() {
            let why = Error::new(
                Code::Aborted,
                "The run was stopped while this package was in flight: its change may or may \
                 not have reached the registry.",
            )
            .with_hint(Hint::ListPublishers);
            self.results[index] = Some(ApplyResult {
                package,
                action,
                status: Status::Failed,
                publisher: None,
                previous: vec![],
                error: Some(Problem::from(&why)),
            });
        }
    }
}

fn scrub(mut result: ApplyResult, secrets: &crate::error::Secrets) -> ApplyResult {
    if let Some(problem) = &mut result.error {
        problem.message = secrets.scrub(&problem.message);
        problem.summary = problem.summary.as_deref().map(|s| secrets.scrub(s));
    }
    result
}

fn result_of(
    entry: PlanEntry,
    outcome: Result<Publisher>,
    previous: Vec<Publisher>,
) -> ApplyResult {
    let (status, publisher, error) = match outcome {
        Ok(publisher) => (Status::Done, Some(publisher), None),
        Err(error) => (Status::Failed, None, Some(Problem::from(&error))),
    };
    ApplyResult {
        package: entry.package,
        action: entry.action,
        status,
        publisher,
        previous,
        error,
    }
}

async fn apply_one(client: &TrustClient, package: &PackageName, entry: PlanEntry) -> ApplyResult {
    // The body is built for the one package being applied, not held for every entry.
    let desired = entry.desired.as_ref().map(Desired::body);
    match (entry.action, desired) {
        (Action::Unchanged, _) => {
            let current = entry.current.first().cloned();
            let outcome = current.ok_or_else(|| {
                Error::new(
                    Code::Response,
                    "The plan says unchanged but lists no configuration",
                )
            });
            result_of(entry, outcome, vec![])
        }
        (Action::Error, _) | (_, None) => {
            let problem = entry.error.clone().unwrap_or_else(|| {
                Problem::from(&Error::new(Code::InvalidInput, "Nothing to apply"))
            });
            ApplyResult {
                package: entry.package,
                action: entry.action,
                status: Status::Failed,
                publisher: None,
                previous: vec![],
                error: Some(problem),
            }
        }
        (Action::Create, Some(desired)) => {
            let outcome = create_or_find(client, package, &desired).await;
            result_of(entry, outcome, vec![])
        }
        (Action::Replace, Some(desired)) => {
            let previous = entry.current.clone();
            let outcome = replace(client, package, &previous, &desired).await;
            result_of(entry, outcome, previous)
        }
    }
}

/// A create; if the registry already has a configuration (the plan is stale), it is fine when it
/// is the desired one, and an error otherwise.
async fn create_or_find(
    client: &TrustClient,
    package: &PackageName,
    desired: &Value,
) -> Result<Publisher> {
    match client.create(package, desired).await {
        Err(error) if error.code == Code::Http(409) => {
            let current = client.list(package).await?;
            current
                .into_iter()
                .find(|p| same_configuration(desired, p))
                .ok_or_else(|| {
                    let mut error = error;
                    error.notes.push(
                        "The package's configuration changed since the plan was made: plan again."
                            .into(),
                    );
                    error
                })
        }
        other => other,
    }
}

async fn replace(
    client: &TrustClient,
    package: &PackageName,
    previous: &[Publisher],
    desired: &Value,
) -> Result<Publisher> {
    for old in previous {
        match client.revoke(package, &old.id).await {
            // Already gone: someone else revoked it since the plan.
            Err(error) if error.code == Code::Http(404) => {}
            other => other?,
        }
    }
    let failure = match create_or_find(client, package, desired).await {
        Ok(created) => return Ok(created),
        Err(failure) => failure,
    };
    // Put back what was there, so a failed replace does not leave the package untrusted.
    let previous: Vec<Value> = previous.iter().map(Publisher::to_body).collect();
    let mut restored = true;
    for body in &previous {
        restored &= client.create(package, body).await.is_ok();
    }
    let mut error = failure;
    error.notes.push(if restored {
        "The replacement failed after the old configuration was revoked; the old configuration was restored.".into()
    } else {
        format!(
            "The replacement failed after the old configuration was revoked, and restoring it failed too: {package} has no trusted publisher now. The old one was {}.",
            Value::Array(previous)
        )
    });
    Err(error)
}
