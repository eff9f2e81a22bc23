//! JS exports for checking the CI file a trusted publisher names.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::TrustClient;
use crate::engine::{spawn, Budget, Defaults, Engine};
use crate::operation::operation;
use crate::options::Options;
use crate::to_js::{to_js, Js};
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::trust::{self, OptionValue, Provider, Values};

/// Makes the CI file check's findings errors: the call rejects with `EWORKFLOW` (naming the
/// first finding and its fix) when the file would not publish, or could not be checked (run
/// from the repository's checkout).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct StrictOption {
    /// Default: false (findings are `warnings`).
    pub strict: Option<bool>,
}

/// What `checkWorkflow` checks: a GitHub or GitLab publisher, as its options.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct CheckWorkflowOptions {
    #[napi(ts_type = "'github' | 'gitlab'")]
    pub r#type: String,
    /// The package. Default: `name` from the package.json of `cwd`'s project.
    pub package: Option<String>,
    /// GitHub `owner/repo`. Default: package.json `repository`.
    pub repository: Option<String>,
    /// GitLab `group/project`. Default: package.json `repository`.
    pub project: Option<String>,
    /// The workflow or pipeline file. Default: the one that publishes the package, when
    /// exactly one does.
    pub file: Option<String>,
    /// The environment the publisher requires.
    pub environment: Option<String>,
    /// A folder of the repository's checkout. Default: `process.cwd()`.
    pub cwd: Option<String>,
    /// Registry URL, for the id_token audience GitLab must ask for. Default: npm's
    /// configuration, else `https://registry.npmjs.org/`.
    pub registry: Option<String>,
    /// Aborts the call: it rejects with `EABORTED`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<()>,
}

/// One problem with a CI file, and how to fix it.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct WorkflowFinding {
    #[napi(
        ts_type = "'missing' | 'unreadable' | 'no-publish' | 'ambiguous' | 'permission' | 'id-token' | 'environment' | 'reusable' | 'runner'"
    )]
    pub kind: String,
    pub message: String,
    /// What to change, and where.
    pub fix: String,
    /// The file the fix is in, relative to the checkout.
    pub path: Option<String>,
    /// The line the fix is at (1-based).
    pub line: Option<u32>,
    /// The job it is about.
    pub job: Option<String>,
}

/// A job that publishes the package.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct WorkflowJob {
    /// `publish`, or `release → publish` for a job of a reusable workflow `release` calls.
    pub name: String,
    /// The file that defines it, relative to the checkout.
    pub path: String,
    pub line: u32,
    pub environment: Option<String>,
}

/// What the check of a CI file found.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct WorkflowCheck {
    #[napi(ts_type = "'github' | 'gitlab'")]
    pub r#type: String,
    pub package: Option<String>,
    /// The file checked: the one given, else the one inferred.
    pub file: Option<String>,
    /// `file` was inferred: the only CI file that publishes the package.
    pub inferred: bool,
    /// The environment given, else (with an inferred file) the publishing job's.
    pub environment: Option<String>,
    /// The checkout's folder, when one was found.
    pub root: Option<String>,
    /// Why nothing was checked: no checkout here, or a checkout of another repository.
    pub unchecked: Option<String>,
    /// The jobs that publish the package.
    pub jobs: Vec<WorkflowJob>,
    pub findings: Vec<WorkflowFinding>,
    /// Checked, and nothing found.
    pub ok: bool,
}

/// The providers whose CI files live in the repository: the ones `checkWorkflow` checks, and
/// the ones `strict` applies to when adding a publisher.
pub fn keeps_ci_file(provider: &Provider) -> bool {
    provider.ci_file.is_some()
}

/// The provider `type` names, when its CI files live in the repository.
fn provider(kind: Option<String>) -> CoreResult<&'static Provider> {
    kind.as_deref()
        .and_then(trust::provider::by_kind)
        .filter(|p| keeps_ci_file(p))
        .ok_or_else(|| {
            let kinds: Vec<String> = trust::PROVIDERS
                .iter()
                .filter(|p| keeps_ci_file(p))
                .map(|p| format!("'{}'", p.kind))
                .collect();
            CoreError::invalid_input(
                "type",
                format!(
                    "Option `type` must be {}: their CI files live in the repository.",
                    kinds.join(" or ")
                ),
            )
        })
}

/// `checkWorkflow` on `engine`.
fn check<'env>(
    engine: &Engine,
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut input = None;
    let call = (|| {
        let mut o = Options::new(options, "options")?;
        let provider = provider(o.string("type")?)?;
        let mut values = Values::default();
        for field in provider.fields {
            if let Some(value) = o.string(field.option)? {
                values.set(field.option, OptionValue::Text(value));
            }
        }
        let given = Defaults {
            registry: o.string("registry")?,
            cwd: o.string("cwd")?.map(PathBuf::from),
            ..Defaults::default()
        };
        let package = o.string("package")?;
        let mut call = engine.bare_call(env, &mut o, given, Budget::Whole)?;
        o.finish()?;
        call.options.package = package;
        input = Some((provider, values));
        Ok(call)
    })();
    spawn(
        env,
        call,
        |call| async move {
            let (provider, values) = input.expect("read with the call");
            trust::check_workflow(provider, &values, &call)
        },
        |env, check| to_js(env, &check),
    )
}

operation! {
    #[doc = " Checks, in the repository's checkout, the CI file a GitHub or GitLab trusted publisher names"]
    #[doc = " (or, without `file`, finds the one that publishes the package): it exists; a job publishes"]
    #[doc = " the package (`npm publish`, `pnpm publish`, `yarn npm publish`, semantic-release, `changeset"]
    #[doc = " publish`, a publish action, through npm scripts and local reusable workflows; in a monorepo,"]
    #[doc = " a publish reaches the package in the folder it runs in, or every package below with a"]
    #[doc = " workspace-wide flag or tool, or those its filters name); that job can get an id_token"]
    #[doc = " (GitHub `permissions: id-token: write`; GitLab an `id_tokens` entry `NPM_ID_TOKEN` for the"]
    #[doc = " registry's audience); its environment is the publisher's; the workflow is not only called by"]
    #[doc = " another (the registry matches the caller). Each finding comes with its fix and line."]
    #[doc = " `add*Publisher`, `planTrust` and `ensurePublisher` run the same check (findings are their"]
    #[doc = " `warnings`, or with `strict` an `EWORKFLOW` rejection)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { checkWorkflow } from 'trust-native'"]
    #[doc = " const check = await checkWorkflow({ type: 'github', package: '@acme/widgets', environment: 'npm' })"]
    #[doc = " if (!check.ok) for (const f of check.findings) console.log(`${f.path}:${f.line} ${f.message} ${f.fix}`)"]
    #[doc = " console.log(check.file, check.inferred) // 'release.yml' true"]
    #[doc = " ```"]
    fn check_workflow(options): "options: CheckWorkflowOptions" -> "Promise<WorkflowCheck>" = |engine, env| check(engine, env, options)
}
