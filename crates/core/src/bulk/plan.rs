//! Planning: for each package, the configuration it has, the one it should have, and what it
//! takes to get there. Reads only.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::spec::TrustSpec;
use crate::error::{Error, Result};
use crate::session::{CallOptions, Session};
use crate::trust::{options_of, same_configuration, Publisher, TrustClient, Values};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// No configuration yet: create it.
    Create,
    /// A different configuration exists: revoke it, then create (the registry keeps one).
    Replace,
    /// Already as desired.
    Unchanged,
    /// The spec is invalid or the package could not be read; nothing will be done.
    Error,
}

/// A failure, as plans and results carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: String,
    pub message: String,
}

impl From<&Error> for Problem {
    fn from(error: &Error) -> Self {
        Problem {
            code: error.code.as_str(),
            message: error.full_message(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntry {
    pub package: String,
    pub action: Action,
    /// The configuration wanted: `{ type, claims, permissions }`.
    pub desired: Option<Value>,
    /// The options of `desired` (`repository`, `file`, ...), to show it as the user wrote it.
    pub desired_options: Values,
    /// The configurations the package has now.
    pub current: Vec<Publisher>,
    pub error: Option<Problem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
}

/// What to do for one package, given what it has.
pub fn action_for(desired: &Value, current: &[Publisher]) -> Action {
    match current {
        [] => Action::Create,
        [only] if same_configuration(desired, only) => Action::Unchanged,
        _ => Action::Replace,
    }
}

fn failed(package: String, error: &Error) -> PlanEntry {
    PlanEntry {
        package,
        action: Action::Error,
        desired: None,
        desired_options: Values::default(),
        current: vec![],
        error: Some(error.into()),
    }
}

/// Plans every spec: validation first, then each package's configurations are read, at most
/// `concurrency` at a time.
pub async fn plan_trust(
    specs: &[Map<String, Value>],
    call: &CallOptions,
    concurrency: usize,
) -> Result<Plan> {
    let session = Session::open(call);
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut reads = JoinSet::new();
    let mut entries: Vec<Option<PlanEntry>> = vec![None; specs.len()];
    for (index, raw) in specs.iter().enumerate() {
        let shown = raw
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)")
            .to_string();
        let spec = match TrustSpec::from_json(raw) {
            Ok(spec) => spec,
            Err(error) => {
                entries[index] = Some(failed(shown, &error.scrubbed(&call.secrets())));
                continue;
            }
        };
        // A task starts only when it may run: ten thousand waiting tasks, each with its client,
        // would hold memory for nothing.
        let turn = limit.clone().acquire_owned().await;
        while let Some(read) = reads.try_join_next() {
            record(read, &mut entries, call)?;
        }
        let client = TrustClient::new(session.registry_for(&spec.prepared.package)?);
        reads.spawn(async move {
            let _turn = turn;
            let current = client.list(&spec.prepared.package).await;
            (index, spec, current)
        });
    }
    while let Some(read) = reads.join_next().await {
        record(read, &mut entries, call)?;
    }
    Ok(Plan {
        entries: entries.into_iter().flatten().collect(),
    })
}

type Read = (usize, TrustSpec, Result<Vec<Publisher>>);

/// Stores a finished read as its entry.
fn record(
    read: std::result::Result<Read, tokio::task::JoinError>,
    entries: &mut [Option<PlanEntry>],
    call: &CallOptions,
) -> Result<()> {
    let (index, spec, current) = read.map_err(|e| {
        Error::new(
            crate::error::Code::Network,
            format!("A planning task failed: {e}"),
        )
    })?;
    let package = spec.package().to_string();
    entries[index] = Some(match current {
        Ok(current) => PlanEntry {
            action: action_for(spec.body(), &current),
            desired: Some(spec.body().clone()),
            desired_options: options_of(spec.body()),
            current,
            error: None,
            package,
        },
        Err(error) => failed(package, &error.scrubbed(&call.secrets())),
    });
    Ok(())
}
