//! Planning: for each spec, the configuration of its package it is about, and what it takes to
//! make that configuration the spec's. A package may have several trusted publishers: its
//! desired publishers are all the specs that name it, and its configurations are paired with
//! them (see [`pair`]). Reads only.

use std::collections::HashMap;

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::spec::{Checked, Desired, Rejected, TrustSpec};
use super::tasks::{Finished, Tasks};
use crate::error::{Code, Error, Hint, Result, Secrets};
use crate::package::PackageName;
use crate::provider::{same_configuration, OptionValue, Publisher, Values};
use crate::registry::package_exists;
use crate::session::{CallOptions, Session};
use crate::trust::TrustClient;
use crate::workflow::{Checker, WorkflowCheck};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// No configuration of the package is this publisher: create it, beside any others.
    Create,
    /// The package has this publisher (same provider and workflow) with other fields: create
    /// the desired configuration, then revoke that one (a configuration cannot be edited). On
    /// a registry that keeps one per package: revoke, create, and restore on failure.
    Replace,
    /// Already as desired.
    Unchanged,
    /// The package does not exist yet: claim the name (a placeholder version), then create.
    Claim,
    /// A configuration no spec names, planned only with `prune`: revoke it.
    Revoke,
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

/// One spec (or, to revoke, one configuration) in a plan. In JS: `{ package, action, desired,
/// desiredOptions, current, existing, error, ... }`, where `desired` is the body `{ type,
/// claims, permissions }` and `desiredOptions` its options.
#[derive(Debug, Clone)]
pub struct PlanEntry {
    pub package: String,
    pub action: Action,
    /// The configuration wanted (none when the entry is an error or a revoke).
    pub desired: Option<Desired>,
    /// The configurations the package has now.
    pub current: Vec<Publisher>,
    /// The one of them this entry is about: the one left unchanged, replaced, or revoked.
    pub existing: Option<Publisher>,
    pub error: Option<Problem>,
    /// What the check of the CI file found (GitHub, GitLab), each with its fix.
    pub warnings: Vec<String>,
    /// Whether `existing` may be replaced when it differs: without it, apply leaves it alone
    /// and reports the difference (replacing is a decision, not a default).
    pub replace: bool,
    /// For `replace`: how `existing` differs from the one wanted.
    pub differences: Vec<Difference>,
}

/// One field in which a package's configuration differs from the one wanted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The spec's option (`repository`, `environment`, ...), `permissions`, or `claims` for
    /// claims the provider's table has no option for.
    pub field: String,
    pub current: Value,
    pub desired: Value,
}

/// Field by field, how a configuration differs from the one wanted.
pub fn differences(desired: &Desired, have: &Publisher) -> Vec<Difference> {
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
        let mut entry = s.serialize_struct("PlanEntry", 10)?;
        entry.serialize_field("package", &self.package)?;
        entry.serialize_field("action", &self.action)?;
        entry.serialize_field("desired", &self.desired)?;
        let options = self.desired.as_ref().map_or(&NO_OPTIONS, |d| &d.values);
        entry.serialize_field("desiredOptions", options)?;
        entry.serialize_field("current", &self.current)?;
        entry.serialize_field("existing", &self.existing)?;
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
        } else if [
            Action::Create,
            Action::Replace,
            Action::Claim,
            Action::Revoke,
        ]
        .into_iter()
        .any(any)
        {
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

/// What a spec is to one of its package's configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// Configuration `n` is the one wanted.
    Same(usize),
    /// Configuration `n` is this publisher with other fields.
    Changed(usize),
    /// No configuration is this publisher.
    New,
}

/// The same publisher: same provider, same workflow or pipeline ([`crate::provider::Provider::identity`]).
fn same_publisher(desired: &Desired, have: &Publisher) -> bool {
    have.kind == desired.provider.kind
        && desired
            .provider
            .identity
            .iter()
            .all(|option| have.options.get(option) == desired.values.get(option))
}

/// Pairs each desired configuration of a package with at most one it has, and each of those with
/// at most one desired: first the equal ones, then the same publisher with the fewest
/// differences. Answers a pairing per desired configuration, in order, and the configurations
/// no desired one names.
pub fn pair(desired: &[&Desired], current: &[Publisher]) -> (Vec<Pairing>, Vec<usize>) {
    let mut taken = vec![false; current.len()];
    let mut pairings = vec![Pairing::New; desired.len()];
    for (pairing, wanted) in pairings.iter_mut().zip(desired) {
        let body = wanted.body();
        if let Some(n) =
            (0..current.len()).find(|&n| !taken[n] && same_configuration(&body, &current[n]))
        {
            taken[n] = true;
            *pairing = Pairing::Same(n);
        }
    }
    for (pairing, wanted) in pairings.iter_mut().zip(desired) {
        if *pairing != Pairing::New {
            continue;
        }
        let closest = (0..current.len())
            .filter(|&n| !taken[n] && same_publisher(wanted, &current[n]))
            .min_by_key(|&n| differences(wanted, &current[n]).len());
        if let Some(n) = closest {
            taken[n] = true;
            *pairing = Pairing::Changed(n);
        }
    }
    let unnamed = (0..current.len()).filter(|&n| !taken[n]).collect();
    (pairings, unnamed)
}

fn failed(package: String, error: &Error) -> PlanEntry {
    PlanEntry {
        package,
        action: Action::Error,
        desired: None,
        current: vec![],
        existing: None,
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

/// Plans every spec: each package's configurations are read once, at most `concurrency`
/// packages at a time, and paired with the specs that name it. With `prune`, a configuration no
/// spec names gets an entry to revoke it, after the package's last spec.
pub async fn plan_trust(
    specs: Vec<Checked>,
    call: &CallOptions,
    concurrency: usize,
    prune: bool,
) -> Result<Plan> {
    let mut checking = Checking::new(call);
    let mut entries = Vec::with_capacity(specs.len());
    // Each package to read once: its client, and the entries of the specs that name it.
    let mut packages: Vec<(TrustClient, PackageName, Vec<usize>)> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for spec in specs {
        let (entry, read) = checking.entry(spec)?;
        if let Some((client, package)) = read {
            match by_name.get(package.as_str()) {
                Some(&n) => packages[n].2.push(entries.len()),
                None => {
                    by_name.insert(package.to_string(), packages.len());
                    packages.push((client, package, vec![entries.len()]));
                }
            }
        }
        entries.push(entry);
    }
    let mut reads = Tasks::new(concurrency);
    let mut named = Vec::with_capacity(packages.len());
    let mut revokes = HashMap::new();
    for (n, (client, package, indices)) in packages.into_iter().enumerate() {
        named.push(indices);
        reads
            .start(
                n,
                (),
                || async move { read_current(&client, &package).await },
            )
            .await;
        while let Some(read) = reads.try_next() {
            record(read, &named, &mut entries, &mut revokes, prune, call);
        }
    }
    while let Some(read) = reads.next().await {
        record(read, &named, &mut entries, &mut revokes, prune, call);
    }
    let mut planned = Vec::with_capacity(entries.len() + revokes.len());
    for (index, entry) in entries.into_iter().enumerate() {
        planned.push(entry);
        planned.extend(revokes.remove(&index).into_iter().flatten());
    }
    Ok(Plan { entries: planned })
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

/// Completes the entries of a package (`named[n]`) with what it has; with `prune`, its
/// configurations no spec names become entries to revoke, kept by the index of its last entry.
fn record(
    (n, current): Finished<Result<Option<Vec<Publisher>>>, ()>,
    named: &[Vec<usize>],
    entries: &mut [PlanEntry],
    revokes: &mut HashMap<usize, Vec<PlanEntry>>,
    prune: bool,
    call: &CallOptions,
) {
    let indices = &named[n];
    let package = entries[indices[0]].package.clone();
    let current = current.unwrap_or_else(|()| Err(super::tasks::panicked(&package)));
    match current {
        Ok(Some(current)) => {
            let unnamed = read_package(entries, indices, &current);
            if prune && !unnamed.is_empty() {
                let last = *indices.last().expect("a package is read for an entry");
                let entries = unnamed
                    .into_iter()
                    .map(|n| PlanEntry::revoke(package.clone(), current[n].clone(), &current))
                    .collect();
                revokes.insert(last, entries);
            }
        }
        Ok(None) => {
            for &index in indices {
                entries[index].action = Action::Claim;
            }
        }
        Err(error) => {
            let error = error.scrubbed(&call.secrets());
            for &index in indices {
                entries[index] = failed(package.clone(), &error);
            }
        }
    }
}

/// Pairs the entries of one package (`indices`, each with a desired configuration) with what it
/// has; answers the configurations none of them names.
pub fn read_package(
    entries: &mut [PlanEntry],
    indices: &[usize],
    current: &[Publisher],
) -> Vec<usize> {
    let desired: Vec<&Desired> = indices
        .iter()
        .filter_map(|&index| entries[index].desired.as_ref())
        .collect();
    let (pairings, unnamed) = pair(&desired, current);
    for (&index, pairing) in indices.iter().zip(pairings) {
        entries[index].paired(pairing, current);
    }
    unnamed
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
                existing: None,
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
            Some("revoke") => Action::Revoke,
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
            existing: entry
                .get("existing")
                .filter(|e| !e.is_null())
                .and_then(Publisher::from_registry),
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

    /// Completes the entry with what its package has and how its spec pairs with it: the
    /// action, the configuration it is about, and for a replace how the two differ.
    pub fn paired(&mut self, pairing: Pairing, current: &[Publisher]) {
        let Some(desired) = &self.desired else {
            return;
        };
        (self.action, self.existing) = match pairing {
            Pairing::Same(n) => (Action::Unchanged, Some(current[n].clone())),
            Pairing::Changed(n) => {
                self.differences = differences(desired, &current[n]);
                (Action::Replace, Some(current[n].clone()))
            }
            Pairing::New => (Action::Create, None),
        };
        self.current = current.to_vec();
    }

    /// The entry that revokes `existing`, a configuration of `package` no spec names.
    pub fn revoke(package: String, existing: Publisher, current: &[Publisher]) -> PlanEntry {
        PlanEntry {
            package,
            action: Action::Revoke,
            desired: None,
            current: current.to_vec(),
            existing: Some(existing),
            error: None,
            warnings: vec![],
            replace: false,
            differences: vec![],
        }
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
            existing: None,
            error: None,
            warnings: vec![],
            replace: false,
            differences: vec![],
        }
    }

    fn stored(kind: &str, claims: Value, permissions: Value) -> Publisher {
        Publisher::from_registry(&json!({"id": "1", "type": kind, "claims": claims,
            "permissions": permissions}))
        .unwrap()
    }

    #[test]
    fn specs_pair_with_the_same_publisher_and_leave_the_others_unnamed() {
        let spec = |file: &str, environment: Option<&str>| {
            let mut spec =
                json!({"type": "github", "package": "a", "repository": "acme/a", "file": file});
            if let Some(environment) = environment {
                spec["environment"] = json!(environment);
            }
            entry(spec).desired.unwrap()
        };
        let github = |file: &str, environment: Option<&str>| {
            let mut claims = json!({"repository": "acme/a", "workflow_ref": {"file": file}});
            if let Some(environment) = environment {
                claims["environment"] = json!(environment);
            }
            stored("github", claims, json!(["createPackage"]))
        };
        let gitlab = stored(
            "gitlab",
            json!({"project_path": "acme/a", "ci_config_ref_uri": {"file": "release.yml"}}),
            json!(["createPackage"]),
        );
        let (release, nightly) = (spec("release.yml", Some("npm")), spec("nightly.yml", None));
        let current = [
            github("nightly.yml", None),
            github("release.yml", Some("staging")),
            gitlab,
        ];
        // The equal one is unchanged, the same workflow changed; the GitLab one no spec names.
        assert_eq!(
            pair(&[&release, &nightly], &current),
            (vec![Pairing::Changed(1), Pairing::Same(0)], vec![2])
        );
        // Another workflow is another publisher, never a change of this one.
        assert_eq!(
            pair(&[&spec("publish.yml", None)], &current[..2]),
            (vec![Pairing::New], vec![0, 1])
        );
        // Two publishers of one workflow (environments): each pairs with its closest.
        let both = [
            github("release.yml", Some("prod")),
            github("release.yml", None),
        ];
        let wanted = [
            spec("release.yml", None),
            spec("release.yml", Some("production")),
        ];
        assert_eq!(
            pair(&[&wanted[0], &wanted[1]], &both),
            (vec![Pairing::Same(1), Pairing::Changed(0)], vec![])
        );
    }

    #[test]
    fn differences_name_each_field_that_differs() {
        let wanted = entry(
            json!({"type": "github", "package": "a", "repository": "acme/a",
            "file": "r.yml", "environment": "npm"}),
        );
        let desired = wanted.desired.as_ref().unwrap();
        let have = |claims: Value, permissions: Value| stored("github", claims, permissions);
        let other = have(
            json!({"repository": "acme/b", "workflow_ref": {"file": "r.yml"}}),
            json!(["createPackage", "createStagedPackage"]),
        );
        let fields: Vec<(String, Value, Value)> = differences(desired, &other)
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
    }

    #[test]
    fn entries_have_the_js_shape_and_read_back() {
        let planned = entry(
            json!({"type": "github", "package": "a", "repository": "acme/a", "file": "r.yml"}),
        );
        let shown = serde_json::to_string(&planned).unwrap();
        assert_eq!(
            shown,
            r#"{"package":"a","action":"create","desired":{"type":"github","claims":{"repository":"acme/a","workflow_ref":{"file":"r.yml"}},"permissions":["createPackage"]},"desiredOptions":{"repository":"acme/a","file":"r.yml"},"current":[],"existing":null,"error":null,"warnings":[],"replace":false,"differences":[]}"#
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
            r#"{"package":"b","action":"error","desired":null,"desiredOptions":{},"current":[],"existing":null,"error":{"code":"E404","message":"Not found"},"warnings":[],"replace":false,"differences":[]}"#
        );
        let read = PlanEntry::from_json(&serde_json::from_str(&shown).unwrap()).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), shown);

        // A revoke: no desired configuration, the one to revoke.
        let gitlab = stored(
            "gitlab",
            json!({"project_path": "g/p", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}}),
            json!(["createPackage"]),
        );
        let revoke = PlanEntry::revoke("c".into(), gitlab.clone(), std::slice::from_ref(&gitlab));
        let shown = serde_json::to_value(&revoke).unwrap();
        assert_eq!(shown["action"], "revoke");
        assert_eq!(shown["existing"]["project"], "g/p");
        let read = PlanEntry::from_json(&shown).unwrap();
        assert_eq!(read.existing, Some(gitlab));
        assert_eq!(serde_json::to_value(&read).unwrap(), shown);
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
