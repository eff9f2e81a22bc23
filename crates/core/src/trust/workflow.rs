//! `checkWorkflow`, the operation: the CI file check of [`crate::workflow`] for the publisher a
//! caller describes, in the checkout and with the npm configuration of the call.

use crate::config;
use crate::error::{Error, Result};
use crate::provider::{self, Provider, Values};
use crate::repository;
use crate::session::{CallOptions, Session};
use crate::workflow::{audience, Checker, Request, WorkflowCheck};

/// `checkWorkflow`: the CI file of the publisher `values` describe (the one that publishes the
/// package, when `file` is absent), checked in the checkout `call`'s directory is in. The
/// repository or project defaults to package.json's, the registry (for GitLab's audience) to
/// npm's configuration.
pub fn check_workflow(
    provider: &Provider,
    values: &Values,
    call: &CallOptions,
) -> Result<WorkflowCheck> {
    if !Checker::applies(provider) {
        return Err(Error::invalid_input(
            "type",
            format!(
                "{} keeps no CI file in the repository: type must be {}",
                provider.name,
                provider::kinds(|p| p.ci_file.is_some())
            ),
        ));
    }
    for field in provider
        .fields
        .iter()
        .filter(|f| values.get(f.option).is_some())
    {
        provider.validate_field(field, values)?;
    }
    let session = Session::open(call);
    let manifest = session.manifest();
    let package = session.package(call.package.as_deref()).ok();
    let registry = config::resolve(session.config(), &call.overrides(), package.as_ref())?.registry;
    let about_manifest = package.as_ref().map(|p| p.as_str()) == manifest.name.as_deref();
    let entity = provider.entity.as_ref().and_then(|e| {
        values.text(e.option).map(str::to_string).or_else(|| {
            let spec = manifest.repository_spec().filter(|_| about_manifest)?;
            repository::parse(spec)
                .filter(|r| r.host == e.host)
                .map(|r| r.path)
        })
    });
    let request = Request {
        package: package.as_ref().map(|p| p.as_str()),
        entity: entity.as_deref(),
        file: values.text("file"),
        environment: values.text("environment"),
        audience: &audience(&registry),
        permissions: None,
    };
    Ok(Checker::new(&session.cwd).check(provider, &request))
}
