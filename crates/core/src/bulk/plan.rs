//! Planning: for each package, the configuration it has, the one it should have, and what it
//! takes to get there. Reads only.

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::spec::{Checked, Desired, Rejected, TrustSpec};
use super::tasks::{Finished, Tasks};
use crate::error::{Code, Error, Hint, Result, Secrets};
use crate::package::PackageName;
use crate::registry::package_exists;
use crate::session::{CallOptions, Session};
use crate::trust::{same_configuration, OptionValue, Publisher, TrustClient, Values};
use crate::workflow::{Checker, WorkflowCheck};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// No configuration yet: create it.
    Create,
    /// A different configuration exists: revoke it, then create (the registry keeps one).
    Replace,
    /// Already as desired.
    Unchanged,
    /// The package does not exist yet: claim the name (a placeholder version), then create.
    Claim,
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
    /// What the check of the CI file found (GitHub, GitLab), each with its fix.
    pub warnings: Vec<String>,
    /// Whether a different configuration may be replaced: without it, apply leaves a package
    /// that has one alone and reports the difference (replacing is a decision, not a default).
    pub replace: bool,
    /// For `replace`: how the configuration the package has differs from the one wanted.
    pub differences: Vec<Difference>,
}

/// One field in which a package's configuration differs from the one wanted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The spec's option (`repository`, `file`, `environment`, ...), `type`, `permissions`, or
    /// `publishers` when the package has several configurations.
    pub field: String,
    pub current: Value,
    pub desired: Value,
}

/// Field by field, how what a package has differs from what is wanted.
pub fn differences(desired: &Desired, current: &[Publisher]) -> Vec<Difference> {
    let [have] = current else {
        return vec![Difference {
            field: "publishers".into(),
            current: current.len().into(),
            desired: 1.into(),
        }];
    };
    let differ = |field: &str, current: Value, desired: Value| {
        (current != desired).then(|| Difference {
            field: field.into(),
            current,
            desired,
        })
    };
    let value = |v: Option<&OptionValue>| {
        v.map_or(Value::Null, |v| {
            serde_json::to_value(v).unwrap_or(Value::Null)
        })
    };
    let mut options: Vec<&str> = desired.values.0.iter().map(|(k, _)| *k).collect();
    for (k, _) in &have.options.0 {
        if !options.contains(k) {
            options.push(k);
        }
    }
    let sorted = |mut p: Vec<String>| {
        p.sort_unstable();
        Value::from(p)
    };
    let mut found: Vec<Difference> = std::iter::once(differ(
        "type",
        have.kind.as_str().into(),
        desired.provider.kind.into(),
    ))
    .chain(options.into_iter().map(|option| {
        differ(
            option,
            value(have.options.get(option)),
            value(desired.values.get(option)),
        )
    }))
    .chain(std::iter::once(differ(
        "permissions",
        sorted(have.permissions.clone()),
        sorted(desired.permissions.iter().map(|p| p.to_string()).collect()),
    )))
    .flatten()
    .collect();
    // Claims the provider table has no option for (a configuration made elsewhere).
    if found.is_empty() {
        found.push(Difference {
            field: "claims".into(),
            current: have.claims.clone(),
            desired: desired.body().get("claims").cloned().unwrap_or(Value::Null),
        });
    }
    found
}

/// The options of no configuration, for an entry without one.
static NO_OPTIONS: Values = Values(Vec::new());

/// By hand, because `desiredOptions` is derived from `desired` rather than stored twice.
impl Serialize for PlanEntry {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut entry = s.serialize_struct("PlanEntry", 9)?;
        entry.serialize_field("package", &self.package)?;
        entry.serialize_field("action", &self.action)?;
        entry.serialize_field("desired", &self.desired)?;
        let options = self.desired.as_ref().map_or(&NO_OPTIONS, |d| &d.values);
        entry.serialize_field("desiredOptions", options)?;
        entry.serialize_field("current", &self.current)?;
        entry.serialize_field("error", &self.error)?;
        entry.serialize_field("warnings", &self.warnings)?;
        entry.serialize_field("replace", &self.replace)?;
        entry.serialize_field("differences", &self.differences)?;
        entry.end()
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
}

/// A plan as a drift check reads it: `inSync` (nothing to do), `changes` (apply would change
/// something), or `errors` (some package could not be planned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PlanStatus {
    InSync,
    Changes,
    Errors,
}

impl Plan {
    pub fn status(&self) -> PlanStatus {
        let any = |action| self.entries.iter().any(|e| e.action == action);
        if any(Action::Error) {
            PlanStatus::Errors
        } else if any(Action::Create) || any(Action::Replace) || any(Action::Claim) {
            PlanStatus::Changes
        } else {
            PlanStatus::InSync
        }
    }
}

/// `{ entries, status }`: the status is derived, never stored.
impl Serialize for Plan {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut plan = s.serialize_struct("Plan", 2)?;
        plan.serialize_field("entries", &self.entries)?;
        plan.serialize_field("status", &self.status())?;
        plan.end()
    }
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
        warnings: vec![],
        replace: false,
        differences: vec![],
    }
}

/// Turns specs into entries before anything is read: each spec's CI file is checked (a finding
/// fails the entry under `strict`, else it is a warning of the entry).
pub(super) struct Checking<'a> {
    call: &'a CallOptions,
    session: Session<'a>,
    workflows: Checker,
    secrets: Secrets,
}

impl<'a> Checking<'a> {
    pub fn new(call: &'a CallOptions) -> Self {
        let session = Session::open(call);
        Checking {
            call,
            workflows: Checker::new(&session.cwd),
            session,
            secrets: call.secrets(),
        }
    }

    /// A spec's entry, and for a valid one the client and package to read its configurations.
    pub fn entry(
        &mut self,
        spec: Checked,
    ) -> Result<(PlanEntry, Option<(TrustClient, PackageName)>)> {
        let package = spec.as_ref().ok().map(|spec| spec.package.clone());
        let mut entry = PlanEntry::unread(spec, &self.secrets);
        let (Some(package), Some(desired)) = (package, &entry.desired) else {
            return Ok((entry, None));
        };
        let client = TrustClient::new(self.session.registry_for(&package)?);
        let check = self.workflows.check_configuration(
            desired.provider,
            package.as_str(),
            &desired.values,
            &desired.permissions,
            client.registry().base(),
        );
        if let Some(error) = check
            .as_ref()
            .and_then(WorkflowCheck::strict_error)
            .filter(|_| self.call.strict)
        {
            return Ok((failed(package.to_string(), &error), None));
        }
        entry.warnings = check.map(|c| c.warnings()).unwrap_or_default();
        Ok((entry, Some((client, package))))
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
    let mut checking = Checking::new(call);
    let mut reads = Tasks::new(concurrency);
    let mut entries = Vec::with_capacity(specs.len());
    for (index, spec) in specs.into_iter().enumerate() {
        let (entry, read) = checking.entry(spec)?;
        entries.push(entry);
        if let Some((client, package)) = read {
            reads
                .start(index, (), || async move {
                    read_current(&client, &package).await
                })
                .await;
        }
        while let Some(read) = reads.try_next() {
            record(read, &mut entries, call);
        }
    }
    while let Some(read) = reads.next().await {
        record(read, &mut entries, call);
    }
    Ok(Plan { entries })
}

/// What a package has: its configurations, or `None` when the package does not exist yet (the
/// trust endpoint answers 404 and so does the package itself).
pub async fn read_current(
    client: &TrustClient,
    package: &PackageName,
) -> Result<Option<Vec<Publisher>>> {
    match client.list(package).await {
        Ok(current) => Ok(Some(current)),
        Err(error) if error.code == Code::Http(404) => {
            match package_exists(client.registry(), package).await {
                Ok(false) => Ok(None),
                _ => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}

/// Completes an entry with what its package has.
fn record(
    (index, current): Finished<Result<Option<Vec<Publisher>>>, ()>,
    entries: &mut [PlanEntry],
    call: &CallOptions,
) {
    let entry = &mut entries[index];
    let current = current.unwrap_or_else(|()| Err(super::tasks::panicked(&entry.package)));
    match (current, &entry.desired) {
        (Ok(Some(current)), Some(_)) => entry.read(current),
        (Ok(None), Some(_)) => entry.action = Action::Claim,
        (Err(error), _) => {
            *entry = failed(
                std::mem::take(&mut entry.package),
                &error.scrubbed(&call.secrets()),
            )
        }
        // Only entries with a desired configuration are read.
        (Ok(_), None) => {}
    }
}

/// Why a value is not a plan `planTrust` made.
pub fn not_a_plan(why: &str) -> Error {
    Error::invalid_input("plan", format!("Not a plan from planTrust: {why}"))
}

impl PlanEntry {
    /// The entry of a spec before its package is read: `create` (until a read says otherwise),
    /// or `error` for an invalid spec.
    pub fn unread(spec: Checked, secrets: &Secrets) -> PlanEntry {
        match spec {
            Ok(TrustSpec {
                package,
                desired,
                replace,
            }) => PlanEntry {
                package: package.to_string(),
                action: Action::Create,
                desired: Some(desired),
                current: vec![],
                error: None,
                warnings: vec![],
                replace,
                differences: vec![],
            },
            Err(Rejected { package, error }) => failed(package, &error.scrubbed(secrets)),
        }
    }

    /// An entry of a plan as `planTrust` returned it to JS (publishers in their JS shape), read
    /// back. A caller reads a large plan entry by entry, never as one JSON tree.
    pub fn from_json(entry: &Value) -> Result<PlanEntry> {
        let text = |key: &str| entry.get(key).and_then(Value::as_str);
        let action = match text("action") {
            Some("create") => Action::Create,
            Some("replace") => Action::Replace,
            Some("unchanged") => Action::Unchanged,
            Some("claim") => Action::Claim,
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
            warnings: entry
                .get("warnings")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|w| w.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            replace: entry.get("replace") == Some(&Value::Bool(true)),
            // Shown again in results; never acted on.
            differences: entry
                .get("differences")
                .and_then(|d| serde_json::from_value(d.clone()).ok())
                .unwrap_or_default(),
        })
    }

    /// Completes the entry with what its package has: the action, and for a replace how the
    /// two differ.
    pub fn read(&mut self, current: Vec<Publisher>) {
        if let Some(desired) = &self.desired {
            self.action = action_for(desired, &current);
            if self.action == Action::Replace {
                self.differences = differences(desired, &current);
            }
        }
        self.current = current;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use serde_json::json;

    fn entry(spec: Value) -> PlanEntry {
        let spec = TrustSpec::from_json(spec.as_object().unwrap()).unwrap();
        PlanEntry {
            package: spec.package.to_string(),
            action: Action::Create,
            desired: Some(spec.desired),
            current: vec![],
            error: None,
            warnings: vec![],
            replace: false,
            differences: vec![],
        }
    }

    #[test]
    fn differences_name_each_field_that_differs() {
        let wanted = entry(
            json!({"type": "github", "package": "a", "repository": "acme/a",
            "file": "r.yml", "environment": "npm"}),
        );
        let desired = wanted.desired.as_ref().unwrap();
        let have = |claims: Value, permissions: Value| {
            Publisher::from_registry(&json!({"id": "1", "type": "github", "claims": claims,
                "permissions": permissions}))
            .unwrap()
        };
        let other = have(
            json!({"repository": "acme/b", "workflow_ref": {"file": "r.yml"}}),
            json!(["createPackage", "createStagedPackage"]),
        );
        let fields: Vec<(String, Value, Value)> =
            differences(desired, std::slice::from_ref(&other))
                .into_iter()
                .map(|d| (d.field, d.current, d.desired))
                .collect();
        assert_eq!(
            fields,
            vec![
                ("repository".into(), json!("acme/b"), json!("acme/a")),
                ("environment".into(), Value::Null, json!("npm")),
                (
                    "permissions".into(),
                    json!(["createPackage", "createStagedPackage"]),
                    json!(["createPackage"])
                ),
            ]
        );
        let two = differences(desired, &[other.clone(), other]);
        assert_eq!(two[0].field, "publishers");
        assert_eq!(
            (two[0].current.clone(), two[0].desired.clone()),
            (json!(2), json!(1))
        );
    }

    #[test]
    fn entries_have_the_js_shape_and_read_back() {
        let planned = entry(
            json!({"type": "github", "package": "a", "repository": "acme/a", "file": "r.yml"}),
        );
        let shown = serde_json::to_string(&planned).unwrap();
        assert_eq!(
            shown,
            r#"{"package":"a","action":"create","desired":{"type":"github","claims":{"repository":"acme/a","workflow_ref":{"file":"r.yml"}},"permissions":["createPackage"]},"desiredOptions":{"repository":"acme/a","file":"r.yml"},"current":[],"error":null,"warnings":[],"replace":false,"differences":[]}"#
        );
        let read = PlanEntry::from_json(&serde_json::from_str(&shown).unwrap()).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), shown);
        let warned = PlanEntry {
            warnings: vec!["Job `publish` runs without an environment.".into()],
            ..read
        };
        let shown = serde_json::to_value(&warned).unwrap();
        assert_eq!(
            PlanEntry::from_json(&shown).unwrap().warnings,
            warned.warnings
        );

        let error = failed("b".into(), &Error::new(Code::Http(404), "Not found"));
        let shown = serde_json::to_string(&error).unwrap();
        assert_eq!(
            shown,
            r#"{"package":"b","action":"error","desired":null,"desiredOptions":{},"current":[],"error":{"code":"E404","message":"Not found"},"warnings":[],"replace":false,"differences":[]}"#
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
