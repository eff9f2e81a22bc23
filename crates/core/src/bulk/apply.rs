//! Applying a plan: each entry made so, concurrently, at the registry's pace, without stopping
//! at one package's failure. A replace creates the new configuration before it revokes the old
//! one, so the package is never without the publisher. A registry that keeps one configuration
//! per package refuses that create (409): then the old one is revoked first, and if the create
//! fails after that, it is put back and the error says so.

use std::collections::HashMap;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Notify;

use super::plan::{differences, Action, Difference, Plan, PlanEntry, Problem};
use super::spec::Desired;
use super::tasks::{self, Finished, Tasks};
use crate::error::{Code, Error, Hint, Result};
use crate::package::PackageName;
use crate::provider::Publisher;
use crate::session::{CallOptions, Session};
use crate::trust::{Refusal, TrustClient};

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
    /// What the entry needed (`create`, `replace`, `unchanged`, `revoke`, ...): the plan's
    /// action, or what the registry's answers showed since.
    pub action: Action,
    pub status: Status,
    /// The configuration the package has now, when done; when skipped, the one left as it is
    /// (so a package's several publishers are told apart).
    pub publisher: Option<Publisher>,
    /// What a replace or a revoke removed.
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
) -> Result<Vec<ApplyResult>> {
    let session = Session::open(call);
    let total = plan.entries.len();
    let specs = specs_per_package(&plan.entries);
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
        let alone = specs.get(entry.package.as_str()) == Some(&1);
        let start = work.start(index, label.clone(), move || {
            let client = PackageName::parse(&entry.package)
                .and_then(|p| session.registry_for(&p).map(|r| (p, TrustClient::new(r))));
            async move {
                let result = match client {
                    Ok((package, client)) => {
                        let package = Package {
                            client: &client,
                            name: &package,
                            alone,
                        };
                        apply_one(package, entry, claim.as_ref()).await
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

/// How many entries of the plan want a configuration, by package.
fn specs_per_package(entries: &[PlanEntry]) -> HashMap<String, usize> {
    let mut specs = HashMap::new();
    for entry in entries.iter().filter(|e| e.desired.is_some()) {
        *specs.entry(entry.package.clone()).or_insert(0) += 1;
    }
    specs
}

/// The package an entry is applied to.
#[derive(Clone, Copy)]
struct Package<'a> {
    client: &'a TrustClient,
    name: &'a PackageName,
    /// Whether this entry is the plan's only spec for the package: then, on a registry that
    /// keeps one configuration per package, it may take the place of the one there is.
    alone: bool,
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
    create_or_find(client, package, desired)
        .await
        .map_err(Refusal::into_error)
}

async fn apply_one(
    package: Package<'_>,
    entry: PlanEntry,
    claim: Option<&CallOptions>,
) -> ApplyResult {
    let Package { client, name, .. } = package;
    // The body is built for the one entry being applied, not held for every entry.
    let desired = entry.desired.as_ref().map(Desired::body);
    match (entry.action, desired) {
        (Action::Unchanged, _) => {
            let outcome = entry.existing.clone().ok_or_else(|| {
                Error::new(
                    Code::Response,
                    "The plan says unchanged but names no configuration",
                )
            });
            result_of(entry, outcome, vec![])
        }
        (Action::Revoke, _) => match entry.existing.clone() {
            Some(old) => {
                let outcome = retire(client, name, &old).await;
                let mut result = result_of(entry, outcome.map(|()| old.clone()), vec![old]);
                result.publisher = None;
                result
            }
            None => failure(
                entry,
                &Error::new(
                    Code::Response,
                    "The plan says revoke but names no configuration",
                ),
            ),
        },
        (Action::Error, _) | (_, None) => {
            let error = Error::new(Code::InvalidInput, "Nothing to apply");
            let problem = entry.error.clone().unwrap_or_else(|| Problem::from(&error));
            ApplyResult {
                error: Some(problem),
                ..failure(entry, &error)
            }
        }
        (Action::Replace, Some(_)) if !entry.replace => skipped(entry),
        (Action::Create, Some(desired)) => create(package, entry, &desired).await,
        (Action::Claim, Some(desired)) => {
            let outcome = claim_then_create(client, name, &desired, claim).await;
            result_of(entry, outcome, vec![])
        }
        (Action::Replace, Some(desired)) => {
            let Some(old) = entry.existing.clone() else {
                let error = Error::new(
                    Code::Response,
                    "The plan says replace but names no configuration",
                );
                return failure(entry, &error);
            };
            let outcome = replace(client, name, &old, &desired).await;
            result_of(entry, outcome, vec![old])
        }
    }
}

fn failure(entry: PlanEntry, error: &Error) -> ApplyResult {
    ApplyResult {
        package: entry.package,
        action: entry.action,
        status: Status::Failed,
        publisher: None,
        previous: vec![],
        error: Some(Problem::from(error)),
        differences: vec![],
    }
}

/// Left as it is: replacing was not allowed.
fn skipped(entry: PlanEntry) -> ApplyResult {
    ApplyResult {
        package: entry.package,
        action: entry.action,
        status: Status::Skipped,
        publisher: entry.existing,
        previous: vec![],
        error: None,
        differences: entry.differences,
    }
}

/// A create. When the registry refuses it (409), the package is read: the configuration may be
/// there already (made since the plan); or the registry keeps one per package, and the spec,
/// when it is the package's only one, takes the place of the one there is, as a replace.
async fn create(package: Package<'_>, mut entry: PlanEntry, desired: &Value) -> ApplyResult {
    let Package {
        client,
        name,
        alone,
    } = package;
    let (refused, current) = match client.create_checked(name, desired).await {
        Err(Refusal::Conflict { error, current }) => (error, current),
        // Made since the plan, by someone else: nothing was created.
        Err(Refusal::Exists { existing, .. }) => {
            entry.action = Action::Unchanged;
            return result_of(entry, Ok(existing), vec![]);
        }
        outcome => return result_of(entry, outcome.map_err(Refusal::into_error), vec![]),
    };
    match (alone, &entry.desired, current.as_slice()) {
        (true, Some(wanted), [only]) => {
            entry.action = Action::Replace;
            entry.differences = differences(wanted, only);
            if !entry.replace {
                return skipped(entry);
            }
            let outcome = revoke_then_create(client, name, only, desired).await;
            result_of(entry, outcome, vec![only.clone()])
        }
        // The refusal says how many the package has.
        _ => result_of(entry, Err(refused), vec![]),
    }
}

/// A create; if the registry already has a configuration (409), it is fine when it is the
/// desired one, and an error otherwise.
async fn create_or_find(
    client: &TrustClient,
    package: &PackageName,
    desired: &Value,
) -> std::result::Result<Publisher, Refusal> {
    match client.create_checked(package, desired).await {
        Err(Refusal::Exists { existing, .. }) => Ok(existing),
        other => other,
    }
}

/// Revokes `old`; one already gone (someone revoked it since the plan) is fine.
async fn retire(client: &TrustClient, package: &PackageName, old: &Publisher) -> Result<()> {
    match client.revoke(package, &old.id).await {
        Err(error) if error.code == Code::Http(404) => Ok(()),
        other => other,
    }
}

/// Replaces `old` with `desired`: the new configuration first, then the old one revoked, so the
/// package never lacks the publisher. A registry that refuses the create (409: it keeps one
/// per package, or has no room) gets the old one revoked first, and back if the create fails.
async fn replace(
    client: &TrustClient,
    package: &PackageName,
    old: &Publisher,
    desired: &Value,
) -> Result<Publisher> {
    let created = match create_or_find(client, package, desired).await {
        Ok(created) => created,
        // Refused, and the list shows it is not there: no room for it beside the old one.
        Err(Refusal::Conflict { .. }) => {
            return revoke_then_create(client, package, old, desired).await
        }
        Err(refusal) => return Err(refusal.into_error()),
    };
    retire(client, package, old).await.map_err(|mut error| {
        error.notes.push(format!(
            "The new configuration ({}) was created, but the old one ({}) could not be revoked: \
             {package} has both now.",
            created.id, old.id
        ));
        error.with_hint(Hint::ListPublishers)
    })?;
    Ok(created)
}

/// A replace on a registry that keeps one configuration per package: revoke, create, and if the
/// create fails, put the old one back, so a failed replace does not leave the package untrusted.
async fn revoke_then_create(
    client: &TrustClient,
    package: &PackageName,
    old: &Publisher,
    desired: &Value,
) -> Result<Publisher> {
    retire(client, package, old).await?;
    let mut error = match create_or_find(client, package, desired).await {
        Ok(created) => return Ok(created),
        Err(refusal) => refusal.into_error(),
    };
    let previous = old.to_body();
    error.notes.push(if client.create(package, &previous).await.is_ok() {
        "The replacement failed after the old configuration was revoked; the old configuration was restored.".into()
    } else {
        format!(
            "The replacement failed after the old configuration was revoked, and restoring it failed too: {package} has no trusted publisher now. The old one was {previous}."
        )
    });
    Err(error)
}
