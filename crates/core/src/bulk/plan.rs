//! Planning: for each package, the configuration it has, the one it should have, and what it
//! takes to get there. Reads only.

use std::sync::Arc;

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::spec::{Checked, Desired, Rejected, TrustSpec};
use crate::error::{Code, Error, Hint, Result};
use crate::session::{CallOptions, Session};
use crate::trust::{same_configuration, Publisher, TrustClient, Values};

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

/// A failure, as plans and results carry it: the error's code and message, and its hint with
/// the message without the hint's advice (see [`Error::summary`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Hint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl From<&Error> for Problem {
    fn from(error: &Error) -> Self {
        Problem {
            code: error.code.as_str(),
            message: error.full_message(),
            hint: error.hint,
            summary: error.hint.map(|_| error.summary()),
        }
    }
}

/// One package in a plan. In JS: `{ package, action, desired, desiredOptions, current, error }`,
/// where `desired` is the body `{ type, claims, permissions }` and `desiredOptions` its options.
#[derive(Debug, Clone)]
pub struct PlanEntry {
    pub package: String,
    pub action: Action,
    /// The configuration wanted (none when the entry is an error).
    pub desired: Option<Desired>,
    /// The configurations the package has now.
    pub current: Vec<Publisher>,
    pub error: Option<Problem>,
}

/// The options of no configuration, for an entry without one.
static NO_OPTIONS: Values = Values(Vec::new());

/// By hand, because `desiredOptions` is derived from `desired` rather than stored twice.
impl Serialize for PlanEntry {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut entry = s.serialize_struct("PlanEntry", 6)?;
        entry.serialize_field("package", &self.package)?;
        entry.serialize_field("action", &self.action)?;
        entry.serialize_field("desired", &self.desired)?;
        let options = self.desired.as_ref().map_or(&NO_OPTIONS, |d| &d.values);
        entry.serialize_field("desiredOptions", options)?;
        entry.serialize_field("current", &self.current)?;
        entry.serialize_field("error", &self.error)?;
        entry.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
}

/// What to do for one package, given what it has.
pub fn action_for(desired: &Desired, current: &[Publisher]) -> Action {
    match current {
        [] => Action::Create,
        [only] if same_configuration(&desired.body(), only) => Action::Unchanged,
        _ => Action::Replace,
    }
}

fn failed(package: String, error: &Error) -> PlanEntry {
    PlanEntry {
        package,
        action: Action::Error,
        desired: None,
        current: vec![],
        error: Some(error.into()),
    }
}

/// Plans every spec: each package's configurations are read, at most `concurrency` at a time.
/// Each spec becomes its entry at once (the read fills in what the package has), so the specs
/// are gone as the plan grows.
pub async fn plan_trust(
    specs: Vec<Checked>,
    call: &CallOptions,
    concurrency: usize,
) -> Result<Plan> {
    let session = Session::open(call);
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut reads = JoinSet::new();
    let mut entries = Vec::with_capacity(specs.len());
    for (index, spec) in specs.into_iter().enumerate() {
        let TrustSpec { package, desired } = match spec {
            Ok(spec) => spec,
            Err(Rejected { package, error }) => {
                entries.push(failed(package, &error.scrubbed(&call.secrets())));
                continue;
            }
        };
        entries.push(PlanEntry {
            package: package.to_string(),
            // Until the read says otherwise.
            action: Action::Create,
            desired: Some(desired),
            current: vec![],
            error: None,
        });
        // A task starts only when it may run: ten thousand waiting tasks, each with its client,
        // would hold memory for nothing.
        let turn = limit.clone().acquire_owned().await;
        while let Some(read) = reads.try_join_next() {
            record(read, &mut entries, call)?;
        }
        let client = TrustClient::new(session.registry_for(&package)?);
        reads.spawn(async move {
            let _turn = turn;
            (index, client.list(&package).await)
        });
    }
    while let Some(read) = reads.join_next().await {
        record(read, &mut entries, call)?;
    }
    Ok(Plan { entries })
}

type Read = (usize, Result<Vec<Publisher>>);

/// Completes an entry with what its package has.
fn record(
    read: std::result::Result<Read, tokio::task::JoinError>,
    entries: &mut [PlanEntry],
    call: &CallOptions,
) -> Result<()> {
    let (index, current) =
        read.map_err(|e| Error::new(Code::Network, format!("A planning task failed: {e}")))?;
    let entry = &mut entries[index];
    match (current, &entry.desired) {
        (Ok(current), Some(desired)) => {
            entry.action = action_for(desired, &current);
            entry.current = current;
        }
        (Err(error), _) => {
            *entry = failed(
                std::mem::take(&mut entry.package),
                &error.scrubbed(&call.secrets()),
            )
        }
        // Only entries with a desired configuration are read.
        (Ok(_), None) => {}
    }
    Ok(())
}

/// Why a value is not a plan `planTrust` made.
pub fn not_a_plan(why: &str) -> Error {
    Error::invalid_input("plan", format!("Not a plan from planTrust: {why}"))
}

impl PlanEntry {
    /// An entry of a plan as `planTrust` returned it to JS (publishers in their JS shape), read
    /// back. A caller reads a large plan entry by entry, never as one JSON tree.
    pub fn from_json(entry: &Value) -> Result<PlanEntry> {
        let text = |key: &str| entry.get(key).and_then(Value::as_str);
        let action = match text("action") {
            Some("create") => Action::Create,
            Some("replace") => Action::Replace,
            Some("unchanged") => Action::Unchanged,
            Some("error") => Action::Error,
            _ => return Err(not_a_plan("an entry has no valid action")),
        };
        let package = text("package")
            .ok_or_else(|| not_a_plan("an entry has no package"))?
            .to_string();
        let desired = match entry.get("desired").filter(|d| !d.is_null()) {
            None => None,
            Some(body) => Some(Desired::from_body(body).map_err(|why| {
                not_a_plan(&format!("the desired configuration of {package} has {why}"))
            })?),
        };
        Ok(PlanEntry {
            package,
            action,
            desired,
            current: entry
                .get("current")
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Publisher::from_registry).collect())
                .unwrap_or_default(),
            error: entry.get("error").filter(|e| !e.is_null()).map(|e| {
                let text = |key: &str| e.get(key).and_then(Value::as_str);
                let hint = text("hint").and_then(Hint::parse);
                Problem {
                    code: text("code").unwrap_or("ERESPONSE").into(),
                    message: text("message").unwrap_or_default().into(),
                    hint,
                    summary: hint.and(text("summary")).map(String::from),
                }
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(spec: Value) -> PlanEntry {
        let spec = TrustSpec::from_json(spec.as_object().unwrap()).unwrap();
        PlanEntry {
            package: spec.package.to_string(),
            action: Action::Create,
            desired: Some(spec.desired),
            current: vec![],
            error: None,
        }
    }

    #[test]
    fn entries_have_the_js_shape_and_read_back() {
        let planned = entry(
            json!({"type": "github", "package": "a", "repository": "acme/a", "file": "r.yml"}),
        );
        let shown = serde_json::to_string(&planned).unwrap();
        assert_eq!(
            shown,
            r#"{"package":"a","action":"create","desired":{"type":"github","claims":{"repository":"acme/a","workflow_ref":{"file":"r.yml"}},"permissions":["createPackage"]},"desiredOptions":{"repository":"acme/a","file":"r.yml"},"current":[],"error":null}"#
        );
        let read = PlanEntry::from_json(&serde_json::from_str(&shown).unwrap()).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), shown);

        let error = failed("b".into(), &Error::new(Code::Http(404), "Not found"));
        let shown = serde_json::to_string(&error).unwrap();
        assert_eq!(
            shown,
            r#"{"package":"b","action":"error","desired":null,"desiredOptions":{},"current":[],"error":{"code":"E404","message":"Not found"}}"#
        );
        let read = PlanEntry::from_json(&serde_json::from_str(&shown).unwrap()).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), shown);
    }

    #[test]
    fn a_desired_configuration_that_would_lose_claims_is_not_a_plan() {
        let mut shown = serde_json::to_value(entry(
            json!({"type": "github", "package": "a", "repository": "acme/a", "file": "r.yml"}),
        ))
        .unwrap();
        shown["desired"]["claims"]["job_workflow_ref"] = json!("x");
        let error = PlanEntry::from_json(&shown).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("plan"));
        assert!(
            error.message.contains("desired configuration of a"),
            "{}",
            error.message
        );
    }
}
