//! Trust at scale: making many packages' configurations match their specs, idempotently,
//! concurrently, at the registry's pace, with 2FA asked once for the run.

pub mod apply;
pub mod plan;
pub mod spec;
pub mod workspace;

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Code, Error, Result};
use crate::registry::pacer::Pacer;
use crate::session::CallOptions;
use crate::trust::Publisher;
use apply::{apply_trust, OnProgress, Status};
use plan::{plan_trust, Action, Plan, Problem};
use spec::{Checked, TrustSpec};

/// Requests in flight at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Retries per request in a run: a rate-limited registry answers many 429s.
const RUN_RETRIES: u32 = 8;

/// The call options of a run: one pace for every request, more patience with 429s.
pub fn run_options(call: &CallOptions) -> CallOptions {
    let mut call = call.clone();
    call.policy
        .pacer
        .get_or_insert_with(|| Arc::new(Pacer::default()));
    call.policy.retries.get_or_insert(RUN_RETRIES);
    call
}

pub async fn plan(
    specs: Vec<Checked>,
    call: &CallOptions,
    concurrency: Option<usize>,
) -> Result<Plan> {
    plan_trust(
        specs,
        &run_options(call),
        concurrency.unwrap_or(DEFAULT_CONCURRENCY),
    )
    .await
}

pub async fn apply(
    plan: Plan,
    call: &CallOptions,
    concurrency: Option<usize>,
    on_progress: Option<OnProgress>,
) -> Result<Vec<apply::ApplyResult>> {
    apply_trust(
        plan,
        &run_options(call),
        concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        on_progress,
    )
    .await
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
}

/// Makes one package's configuration equal to `spec`.
pub async fn ensure_publisher(
    spec: &Map<String, Value>,
    call: &CallOptions,
) -> Result<EnsureOutcome> {
    // An invalid spec fails as itself, with the field it names.
    let checked = TrustSpec::from_json(spec).map_err(|e| e.scrubbed(&call.secrets()))?;
    let planned = plan(vec![Ok(checked)], call, Some(1)).await?;
    let entry = planned
        .entries
        .first()
        .ok_or_else(|| Error::new(Code::InvalidInput, "No spec to ensure"))?;
    if let (Action::Error, Some(problem)) = (entry.action, &entry.error) {
        return Err(problem_error(problem, spec));
    }
    let result = apply(planned, call, Some(1), None)
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
