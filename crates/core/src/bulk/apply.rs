//! Applying a plan: each package made to match, concurrently, at the registry's pace, without
//! stopping at one package's failure. Replacing is revoke-then-create (the registry keeps one
//! configuration per package); if the create fails after the revoke, the previous
//! configuration is put back and the error says so.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Notify;

use super::plan::{Action, Difference, Plan, PlanEntry, Problem};
use super::spec::Desired;
use super::tasks::{self, Finished, Tasks};
use crate::error::{Code, Error, Hint, Result};
use crate::package::PackageName;
use crate::session::{CallOptions, Session};
use crate::trust::{same_configuration, Publisher, TrustClient};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Done,
    Failed,
    /// Left as it is: the package has a different configuration and replacing it was not
    /// allowed (`replace`); `differences` says how they differ.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyResult {
    pub package: String,
    /// What the package needed (`create`, `replace`, `unchanged`, `error`): the plan's action,
    /// or in [`Mode::CreateFirst`] what the registry's answers showed.
    pub action: Action,
    pub status: Status,
    /// The configuration the package has now, when done.
    pub publisher: Option<Publisher>,
    /// What a replace removed.
    pub previous: Vec<Publisher>,
    pub error: Option<Problem>,
    /// For a package skipped (or replaced): how its configuration differed from the one wanted.
    pub differences: Vec<Difference>,
}

/// Reported after each package.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub result: ApplyResult,
}

pub type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

/// What a run knows of the packages' configurations before it changes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A plan the user has seen: what it says is done, and a package whose configuration
    /// changed since fails (plan again).
    Reviewed,
    /// Nothing was read: each package is created at once, and read only when the registry
    /// says it has a configuration (409); its entry is then planned from that read.
    CreateFirst,
}

/// How long packages in flight get to finish once a run is stopped.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// Applies every entry; one result per entry, in the plan's order. Each entry moves into its
/// task, so the plan is gone as the results come. When `call.stop` fires, no package starts
/// any more and those in flight get [`STOP_GRACE`] to finish: the others end `EABORTED`.
pub async fn apply_trust(
    plan: Plan,
    call: &CallOptions,
    run: super::Run,
    on_progress: Option<OnProgress>,
    mode: Mode,
) -> Result<Vec<ApplyResult>> {
    let session = Session::open(call);
    let total = plan.entries.len();
    let mut work = Tasks::new(run.concurrency());
    // A run that may claim names gives each task the call options a placeholder publish needs.
    let claim = run.claim.then(|| call.clone());
    let mut outcomes = Outcomes {
        done: 0,
        results: vec![None; total],
        on_progress,
    };
    let mut stop = Stop::new(call.stop.clone());
    let mut entries = plan.entries.into_iter().enumerate();
    while let Some((index, entry)) = entries.next() {
        // What the result says if the task panics, or the run stops before it ends.
        let label = (entry.package.clone(), entry.action);
        let secrets = call.secrets();
        let session = &session;
        let claim = claim.clone();
        let start = work.start(index, label.clone(), move || {
            let client = PackageName::parse(&entry.package)
                .and_then(|p| session.registry_for(&p).map(|r| (p, TrustClient::new(r))));
            async move {
                let result = match client {
                    Ok((package, client)) if mode == Mode::CreateFirst => {
                        create_first(&client, &package, entry, claim.as_ref()).await
                    }
                    Ok((package, client)) => {
                        apply_one(&client, &package, entry, claim.as_ref()).await
                    }
                    Err(error) => result_of(entry, Err(error), vec![]),
                };
                scrub(result, &secrets)
            }
        });
        let started = tokio::select! {
            () = start => true,
            () = stop.requested() => false,
        };
        if !started {
            let rest = entries.map(|(index, e)| (index, (e.package, e.action)));
            outcomes.stopped(std::iter::once((index, label)).chain(rest), "Not started");
            break;
        }
        while let Some(finished) = work.try_next() {
            outcomes.record(finished);
        }
    }
    loop {
        let finished = tokio::select! {
            finished = work.next() => finished,
            () = stop.grace_over() => break,
        };
        match finished {
            Some(finished) => outcomes.record(finished),
            None => break,
        }
    }
    // Past the grace, what is still in flight is dropped with `work`.
    outcomes.stopped(work.abandon(), "In flight");
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
    on_progress: Option<OnProgress>,
}

impl Outcomes {
    fn record(&mut self, (index, result): Finished<ApplyResult, (String, Action)>) {
        let result = result.unwrap_or_else(|(package, action)| ApplyResult {
            error: Some(Problem::from(&tasks::panicked(&package))),
            package,
            action,
            status: Status::Failed,
            publisher: None,
            previous: vec![],
            differences: vec![],
        });
        self.done += 1;
        if let Some(report) = &self.on_progress {
            report(Progress {
                done: self.done,
                total: self.results.len(),
                result: result.clone(),
            });
        }
        self.results[index] = Some(result);
    }

    /// The run stopped before these packages (index, package, action) ended: `Not started`, or
    /// `In flight` when the grace ended first.
    fn stopped(&mut self, packages: impl Iterator<Item = (usize, (String, Action))>, how: &str) {
        for (index, (package, action)) in packages {
            let mut why = Error::new(Code::Aborted, format!("{how}: the run was stopped."));
            if how != "Not started" {
                why.message
                    .push_str(" Its change may or may not have reached the registry.");
                why = why.with_hint(Hint::ListPublishers);
            }
            self.results[index] = Some(ApplyResult {
                package,
                action,
                status: Status::Failed,
                publisher: None,
                previous: vec![],
                error: Some(Problem::from(&why)),
                differences: vec![],
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
        differences: entry.differences,
    }
}

/// Claims the name of a package that does not exist yet, when the run may (`claim`: its call
/// options), then creates its configuration.
async fn claim_then_create(
    client: &TrustClient,
    package: &PackageName,
    desired: &Value,
    claim: Option<&CallOptions>,
) -> Result<Publisher> {
    let Some(call) = claim else {
        return Err(Error::new(
            Code::Http(404),
            format!(
                "{package} does not exist on the registry yet, and trusted publishing can only \
                 be configured for a package that exists: claim the name first, with a \
                 placeholder version published with your token."
            ),
        )
        .with_hint(Hint::Claim));
    };
    crate::publish::claim::claim(call, package, None).await?;
    create_or_find(client, package, desired).await
}

async fn apply_one(
    client: &TrustClient,
    package: &PackageName,
    entry: PlanEntry,
    claim: Option<&CallOptions>,
) -> ApplyResult {
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
                differences: vec![],
            }
        }
        (Action::Replace, Some(_)) if !entry.replace => ApplyResult {
            package: entry.package,
            action: entry.action,
            status: Status::Skipped,
            publisher: None,
            previous: vec![],
            error: None,
            differences: entry.differences,
        },
        (Action::Create, Some(desired)) => {
            let outcome = create_or_find(client, package, &desired).await;
            result_of(entry, outcome, vec![])
        }
        (Action::Claim, Some(desired)) => {
            let outcome = claim_then_create(client, package, &desired, claim).await;
            result_of(entry, outcome, vec![])
        }
        (Action::Replace, Some(desired)) => {
            let previous = entry.current.clone();
            let outcome = replace(client, package, &previous, &desired).await;
            result_of(entry, outcome, previous)
        }
    }
}

/// An entry nobody has read: created at once; on a 409, planned from what the package has and
/// applied as planned. A create whose outcome is unclear is checked by the trust client, never
/// repeated blindly.
async fn create_first(
    client: &TrustClient,
    package: &PackageName,
    entry: PlanEntry,
    claim: Option<&CallOptions>,
) -> ApplyResult {
    let desired = match (entry.action, &entry.desired) {
        (Action::Create, Some(desired)) => desired,
        _ => return apply_one(client, package, entry, claim).await,
    };
    match client.create(package, &desired.body()).await {
        Err(error) if error.code == Code::Http(409) || error.code == Code::Http(404) => {}
        outcome => return result_of(entry, outcome, vec![]),
    }
    let mut planned = entry;
    match super::plan::read_current(client, package).await {
        Ok(Some(current)) => planned.read(current),
        Ok(None) => planned.action = Action::Claim,
        Err(error) => return result_of(planned, Err(error), vec![]),
    }
    apply_one(client, package, planned, claim).await
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
