//! Trusted-publisher configurations: the provider tables, the publisher type the registry stores,
//! npm's inference from package.json, and the create / list / revoke operations.

pub mod checks;
pub mod circleci;
mod client;
pub mod github;
pub mod gitlab;
mod infer;
pub mod provider;

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{Error, Hint, Result};
use crate::registry::PlannedRequest;
use crate::session::{CallOptions, Session};
use crate::workflow::{Checker, WorkflowCheck};

pub use client::TrustClient;
pub use infer::{package_name as infer_package_name, prepare, Prepared, PublisherInput};
pub use provider::{OptionValue, Provider, Values};

/// Every provider, for lookups by registry `type` and for the CLI.
pub static PROVIDERS: [&Provider; 3] = [&github::GITHUB, &gitlab::GITLAB, &circleci::CIRCLECI];

pub fn provider(kind: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().copied().find(|p| p.kind == kind)
}

/// `npm publish` through OIDC.
pub const CREATE_PACKAGE: &str = "createPackage";
/// `npm stage publish` through OIDC.
pub const CREATE_STAGED_PACKAGE: &str = "createStagedPackage";

/// The permissions a new configuration grants. Unlike npm 11.19, which insists on a flag, the
/// default when neither is given is publishing (`createPackage`), what nearly everyone wants.
pub fn permissions(
    allow_publish: Option<bool>,
    allow_stage_publish: Option<bool>,
) -> Result<Vec<String>> {
    let publish = allow_publish.unwrap_or(allow_stage_publish != Some(true));
    let stage = allow_stage_publish.unwrap_or(false);
    let granted: Vec<String> = [(publish, CREATE_PACKAGE), (stage, CREATE_STAGED_PACKAGE)]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, p)| p.to_string())
        .collect();
    if granted.is_empty() {
        return Err(Error::invalid_input(
            "allowPublish",
            "At least one permission is required: set allowPublish or allowStagePublish to true",
        ));
    }
    Ok(granted)
}

/// A trusted-publisher configuration as the registry stores it, with the provider's options
/// decoded next to the raw claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Publisher {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub permissions: Vec<String>,
    #[serde(flatten)]
    pub options: Values,
    /// Exactly what the registry returned, so a provider we do not know is never lost.
    pub claims: Value,
}

impl Publisher {
    /// Reads one configuration of a registry answer.
    pub fn from_registry(item: &Value) -> Option<Publisher> {
        let kind = item.get("type")?.as_str()?.to_string();
        let claims = item.get("claims").cloned().unwrap_or(Value::Null);
        let options = options_of(item);
        Some(Publisher {
            id: item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            permissions: item
                .get("permissions")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            kind,
            options,
            claims,
        })
    }

    /// The configuration body the registry takes: `{ type, claims, permissions }`, keys in npm's
    /// order so the bytes on the wire are npm's.
    pub fn body(provider: &Provider, values: &Values, permissions: &[String]) -> Value {
        json!({
            "type": provider.kind,
            "claims": provider.claims(values),
            "permissions": permissions,
        })
    }

    /// The body that creates this stored configuration again.
    pub fn to_body(&self) -> Value {
        json!({ "type": self.kind, "claims": self.claims, "permissions": self.permissions })
    }
}

/// A configuration's options (`repository`, `file`, ...), read back from its
/// `{ type, claims }` by the provider's table; none for a provider we do not know.
pub fn options_of(configuration: &Value) -> Values {
    let kind = configuration
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (provider(kind), configuration.get("claims")) {
        (Some(provider), Some(claims)) => provider.values_from_claims(claims),
        _ => Values::default(),
    }
}

/// A stored configuration is the one described by `body` (`{ type, claims, permissions }`):
/// same provider, same claims, same permissions in any order.
pub fn same_configuration(body: &Value, publisher: &Publisher) -> bool {
    let mut wanted: Vec<&str> = body
        .get("permissions")
        .and_then(Value::as_array)
        .map(|ps| ps.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut have: Vec<&str> = publisher.permissions.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    have.sort_unstable();
    body.get("type").and_then(Value::as_str) == Some(publisher.kind.as_str())
        && body.get("claims") == Some(&publisher.claims)
        && wanted == have
}

/// The outcome of creating a configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddOutcome {
    pub package: String,
    /// The provider options the configuration is built from, after inference.
    pub options: Values,
    /// The configuration the registry created (absent in a dry run).
    pub publisher: Option<Publisher>,
    pub dry_run: bool,
    /// The request that was (or, in a dry run, would be) sent.
    pub request: PlannedRequest,
    /// Things worth knowing that did not stop the call (npm prints these as warnings).
    pub warnings: Vec<String>,
    /// Options that were taken from package.json rather than given.
    pub from_package_json: Vec<String>,
    /// The check of the CI file in the repository's checkout (GitHub, GitLab); its findings
    /// are also in `warnings`.
    pub workflow: Option<WorkflowCheck>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeOutcome {
    pub package: String,
    pub id: String,
    pub dry_run: bool,
    pub request: PlannedRequest,
}

/// Creates a trusted-publisher configuration, inferring what npm infers from package.json.
pub async fn add_publisher(
    provider: &'static Provider,
    input: PublisherInput,
    call: &CallOptions,
) -> Result<AddOutcome> {
    add(provider, input, call)
        .await
        .map_err(|e| e.scrubbed(&call.secrets()))
}

async fn add(
    provider: &'static Provider,
    input: PublisherInput,
    call: &CallOptions,
) -> Result<AddOutcome> {
    let session = Session::open(call);
    let mut checker = Checker::new(&session.cwd);
    let (mut prepared, inferred) =
        prepare_inferring(provider, input, call, &session, &mut checker)?;
    let client = TrustClient::new(session.registry_for(&prepared.package)?);
    // npm's warning before it asks the registry; a registry that has just taken the
    // configuration supports it, so only a dry run (which asks nothing) says it.
    if call.dry_run {
        prepared
            .warnings
            .extend(crate::config::support_warning(client.registry().base()));
    }
    let permissions: Vec<&str> = prepared.body["permissions"]
        .as_array()
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut workflow = checker.check_configuration(
        provider,
        prepared.package.as_str(),
        &prepared.values,
        &permissions,
        client.registry().base(),
    );
    if let Some(check) = &mut workflow {
        check.inferred = inferred;
        if let Some(error) = check.strict_error().filter(|_| call.strict) {
            return Err(error);
        }
        prepared.warnings.extend(check.warnings());
    }
    let request = client.create_request(&prepared.package, &prepared.body);
    let planned = client.registry().plan(&request)?;
    let publisher = if call.dry_run {
        None
    } else {
        Some(client.create(&prepared.package, &prepared.body).await?)
    };
    Ok(AddOutcome {
        package: prepared.package.to_string(),
        options: prepared.values,
        publisher,
        dry_run: call.dry_run,
        request: planned,
        warnings: prepared.warnings,
        from_package_json: prepared.from_package_json,
        workflow,
    })
}

/// [`prepare`], and when no file was given, the one CI file of the checkout that publishes the
/// package (and its job's environment, unless one was given); `true` when it was inferred.
fn prepare_inferring(
    provider: &'static Provider,
    mut input: PublisherInput,
    call: &CallOptions,
    session: &Session,
    checker: &mut Checker,
) -> Result<(Prepared, bool)> {
    let package = call.package.as_deref();
    let first = prepare(provider, package, &input, session.manifest());
    let without_file = input.values.text("file").is_none() && Checker::applies(provider);
    match first {
        Err(error) if without_file && error.field.as_deref() == Some("file") => {
            let name = infer_package_name(package, session.manifest())?;
            let entity = provider
                .entity
                .as_ref()
                .and_then(|e| input.values.text(e.option));
            let Some(inferred) = checker.infer(provider, Some(name.as_str()), entity)? else {
                return Err(error);
            };
            input.values.set("file", OptionValue::Text(inferred.file));
            if let (Some(environment), None) =
                (inferred.environment, input.values.text("environment"))
            {
                input
                    .values
                    .set("environment", OptionValue::Text(environment));
            }
            Ok((
                prepare(provider, package, &input, session.manifest())?,
                true,
            ))
        }
        other => other.map(|prepared| (prepared, false)),
    }
}

/// The package's trusted-publisher configurations. Reads only, so `dryRun` changes nothing.
pub async fn list_publishers(call: &CallOptions) -> Result<Vec<Publisher>> {
    list(call).await.map_err(|e| e.scrubbed(&call.secrets()))
}

async fn list(call: &CallOptions) -> Result<Vec<Publisher>> {
    let session = Session::open(call);
    let package = session.package(call.package.as_deref())?;
    let client = TrustClient::new(session.registry_for(&package)?);
    client.list(&package).await
}

/// Deletes one configuration by id.
pub async fn revoke_publisher(id: &str, call: &CallOptions) -> Result<RevokeOutcome> {
    revoke(id, call)
        .await
        .map_err(|e| e.scrubbed(&call.secrets()))
}

async fn revoke(id: &str, call: &CallOptions) -> Result<RevokeOutcome> {
    let session = Session::open(call);
    let package = session.package(call.package.as_deref())?;
    if !checks::is_uuid(id) {
        return Err(Error::invalid_input(
            "id",
            "id must be a UUID such as 3e4b2f1a-1111-4222-8333-444455556666.",
        )
        .with_hint(Hint::ListPublishers));
    }
    let client = TrustClient::new(session.registry_for(&package)?);
    let planned = client
        .registry()
        .plan(&client.revoke_request(&package, id))?;
    if !call.dry_run {
        client.revoke(&package, id).await?;
    }
    Ok(RevokeOutcome {
        package: package.to_string(),
        id: id.to_string(),
        dry_run: call.dry_run,
        request: planned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_defaults() {
        let p = |a, b| permissions(a, b).map_err(|e| e.field.unwrap());
        assert_eq!(p(None, None), Ok(vec![CREATE_PACKAGE.to_string()]));
        assert_eq!(
            p(None, Some(true)),
            Ok(vec![CREATE_STAGED_PACKAGE.to_string()])
        );
        assert_eq!(p(None, Some(false)), Ok(vec![CREATE_PACKAGE.to_string()]));
        assert_eq!(
            p(Some(true), Some(true)),
            Ok(vec![
                CREATE_PACKAGE.to_string(),
                CREATE_STAGED_PACKAGE.to_string()
            ])
        );
        assert_eq!(p(Some(false), None), Err("allowPublish".to_string()));
    }

    #[test]
    fn body_matches_npm_bytes() {
        let mut values = Values::default();
        values.set("file", OptionValue::Text("pub.yml".into()));
        values.set("repository", OptionValue::Text("Own/Repo".into()));
        let body = Publisher::body(&github::GITHUB, &values, &[CREATE_PACKAGE.into()]);
        // Captured from `npm trust github --file pub.yml --allow-publish` (npm 11.19.1).
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"type":"github","claims":{"repository":"Own/Repo","workflow_ref":{"file":"pub.yml"}},"permissions":["createPackage"]}"#
        );
    }

    #[test]
    fn circleci_body_has_context_ids_only_when_given() {
        let id = "3e4b2f1a-1111-4222-8333-444455556666";
        let mut values = Values::default();
        for option in ["orgId", "projectId", "pipelineDefinitionId"] {
            values.set(option, OptionValue::Text(id.into()));
        }
        values.set("vcsOrigin", OptionValue::Text("github.com/a/b".into()));
        let claims = circleci::CIRCLECI.claims(&values);
        assert!(claims.get("oidc.circleci.com/context-ids").is_none());
        values.set("contextIds", OptionValue::List(vec![id.into()]));
        let body = Publisher::body(
            &circleci::CIRCLECI,
            &values,
            &[CREATE_STAGED_PACKAGE.into()],
        );
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            format!(
                r#"{{"type":"circleci","claims":{{"oidc.circleci.com/org-id":"{id}","oidc.circleci.com/project-id":"{id}","oidc.circleci.com/pipeline-definition-id":"{id}","oidc.circleci.com/vcs-origin":"github.com/a/b","oidc.circleci.com/context-ids":["{id}"]}},"permissions":["createStagedPackage"]}}"#
            )
        );
    }

    #[test]
    fn publishers_round_trip_and_unknown_types_keep_claims() {
        let gitlab = json!({
            "id": "3e4b2f1a-1111-4222-8333-444455556666",
            "type": "gitlab",
            "claims": {"project_path": "g/s/p", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}, "environment": "prod"},
            "permissions": ["createPackage"]
        });
        let p = Publisher::from_registry(&gitlab).unwrap();
        assert_eq!(p.options.text("project"), Some("g/s/p"));
        assert_eq!(p.options.text("file"), Some(".gitlab-ci.yml"));
        assert_eq!(p.options.text("environment"), Some("prod"));
        let out = serde_json::to_value(&p).unwrap();
        assert_eq!(out["project"], "g/s/p");
        assert_eq!(out["claims"], gitlab["claims"]);

        let future = json!({"id": "x", "type": "buildkite", "claims": {"pipeline_slug": "s"}, "permissions": []});
        let p = Publisher::from_registry(&future).unwrap();
        assert_eq!(p.kind, "buildkite");
        assert!(p.options.0.is_empty());
        assert_eq!(
            serde_json::to_value(&p).unwrap()["claims"]["pipeline_slug"],
            "s"
        );
    }
}
