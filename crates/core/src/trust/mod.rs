//! The trusted-publisher operations: create, list and revoke a package's configurations, and
//! the registry client they use. What a configuration is (the provider tables, the registry's
//! publisher type, npm's inference) is the domain module [`crate::provider`], re-exported here
//! under the paths the binding uses.

mod client;
mod workflow;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Hint, Result};
use crate::provider::checks;
use crate::registry::PlannedRequest;
use crate::session::{CallOptions, Session};
use crate::workflow::{Checker, WorkflowCheck};

pub use crate::provider::{
    self, OptionValue, Provider, Publisher, PublisherInput, Values, CREATE_PACKAGE, PROVIDERS,
};
use crate::provider::{infer_package_name, prepare, Prepared};
pub use client::{Refusal, TrustClient};
pub use workflow::check_workflow;

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
