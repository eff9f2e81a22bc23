//! Trust at scale: making many packages' configurations match their specs, idempotently,
//! concurrently, at the registry's pace, with 2FA asked once for the run.

pub mod apply;
pub mod plan;
pub mod spec;
mod tasks;

/// Where the binding finds workspace discovery, a domain module of its own.
pub use crate::workspace;

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Code, Error, Result};
use crate::provider::Publisher;
use crate::registry::pacer::Pacer;
use crate::session::CallOptions;
use apply::{apply_trust, OnProgress, Status};
use plan::{plan_trust, Action, Plan, Problem};
use spec::{Checked, TrustSpec};

/// Requests in flight at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How a run over many packages goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Run {
    /// Packages worked on at once; [`DEFAULT_CONCURRENCY`] when `None`.
    pub concurrency: Option<usize>,
    /// Requests per second the run never exceeds (the registry's limit, when the user knows it).
    pub max_rps: Option<f64>,
    /// Replace a configuration that differs from its spec even when the spec does not say
    /// `replace`.
    pub replace: bool,
    /// Revoke the configurations no spec names (planned as `revoke` entries).
    pub prune: bool,
    /// Claim a package that does not exist yet (a placeholder version, see
    /// [`crate::publish::claim`]) before creating its configuration.
    pub claim: bool,
}

impl Run {
    pub fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1)
    }

    /// The plan with every entry allowed to replace when the run says so.
    fn allowing_replace(&self, mut plan: Plan) -> Plan {
        if self.replace {
            for entry in &mut plan.entries {
                entry.replace = true;
            }
        }
        plan
    }

    /// The call options of the run: one pace for every request (see [`Pacer`]).
    fn options(&self, call: &CallOptions) -> CallOptions {
        let mut call = call.clone();
        call.policy
            .pacer
            .get_or_insert_with(|| Arc::new(Pacer::new(self.concurrency(), self.max_rps)));
        call
    }
}

pub async fn plan(specs: Vec<Checked>, call: &CallOptions, run: Run) -> Result<Plan> {
    plan_trust(specs, &run.options(call), run.concurrency(), run.prune).await
}

/// Applies a plan the user has seen: a package whose configuration changed since fails.
pub async fn apply(
    plan: Plan,
    call: &CallOptions,
    run: Run,
    on_progress: Option<OnProgress>,
) -> Result<Vec<apply::ApplyResult>> {
    let call = run.options(call);
    let plan = run.allowing_replace(plan);
    apply_trust(plan, &call, run, on_progress).await
}

/// Makes packages match their specs with no plan shown first: planned (each package read once:
/// with several publishers per package, a create alone cannot tell a new publisher from a
/// changed one), then applied, at one pace for both.
pub async fn apply_specs(
    specs: Vec<Checked>,
    call: &CallOptions,
    run: Run,
    on_progress: Option<OnProgress>,
) -> Result<Vec<apply::ApplyResult>> {
    let call = run.options(call);
    let planned = plan_trust(specs, &call, run.concurrency(), run.prune).await?;
    apply_trust(run.allowing_replace(planned), &call, run, on_progress).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ensured {
    Unchanged,
    Created,
    Replaced,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnsureOutcome {
    pub action: Ensured,
    pub publisher: Publisher,
    /// What a replace removed.
    pub previous: Option<Publisher>,
    /// What the check of the CI file found, each with its fix.
    pub warnings: Vec<String>,
}

/// Makes sure the package has the publisher `spec`: unchanged when it has it, created when it
/// has no configuration of that publisher (others are left alone), replaced when it has one with
/// other fields (see [`apply`]; on a registry that keeps one configuration per package, the one
/// there is).
pub async fn ensure_publisher(
    spec: &Map<String, Value>,
    call: &CallOptions,
) -> Result<EnsureOutcome> {
    // An invalid spec fails as itself, with the field it names.
    let checked = TrustSpec::from_json(spec).map_err(|e| e.scrubbed(&call.secrets()))?;
    // Replacing a different configuration is what ensurePublisher is for.
    let one = Run {
        concurrency: Some(1),
        max_rps: None,
        replace: true,
        prune: false,
        claim: false,
    };
    let planned = plan(vec![Ok(checked)], call, one).await?;
    let entry = planned
        .entries
        .first()
        .ok_or_else(|| Error::new(Code::InvalidInput, "No spec to ensure"))?;
    if let (Action::Error, Some(problem)) = (entry.action, &entry.error) {
        return Err(problem_error(problem, spec));
    }
    let warnings = entry.warnings.clone();
    let result = apply(planned, call, one, None)
        .await?
        .pop()
        .ok_or_else(|| Error::new(Code::Response, "No result"))?;
    match (result.status, result.publisher) {
        (Status::Done, Some(publisher)) => Ok(EnsureOutcome {
            action: match result.action {
                Action::Create => Ensured::Created,
                Action::Replace => Ensured::Replaced,
                _ => Ensured::Unchanged,
            },
            publisher,
            previous: result.previous.into_iter().next(),
            warnings,
        }),
        _ => Err(result
            .error
            .map(|p| problem_error(&p, spec))
            .unwrap_or_else(|| Error::new(Code::Response, "The apply failed without a reason"))),
    }
}

/// An error again from a plan's or result's problem (codes, messages and hints survive; HTTP
/// details are already in the message).
fn problem_error(problem: &Problem, spec: &Map<String, Value>) -> Error {
    let code = Code::parse(&problem.code).unwrap_or(Code::Response);
    let mut error = match (problem.hint, &problem.summary) {
        (Some(hint), Some(summary)) => Error::new(code, summary.clone()).with_hint(hint),
        _ => Error::new(code, problem.message.clone()),
    };
    if code == Code::InvalidInput {
        error.field = spec
            .keys()
            .find(|k| problem.message.contains(k.as_str()))
            .cloned();
    }
    error
}
