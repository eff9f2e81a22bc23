//! JS exports for trust at scale: ensure, plan, apply, workspaces, trust.json, and the provider
//! tables the CLI builds its flags from.

use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::trust::{call_options, common_option_names, Publisher};
use super::{convert, decode, js_error, promise};
use crate::bulk::{self, apply::OnProgress, plan::Plan, spec, workspace};
use crate::error::{Code, Error as CoreError, Result as CoreResult};
use crate::trust::PROVIDERS;

/// One package's desired trusted publisher: `type`, `package`, and the options of the matching
/// `add*Publisher` (the same shape as an entry of trust.json).
#[napi(object)]
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustSpec {
    #[napi(ts_type = "'github' | 'gitlab' | 'circleci'")]
    pub r#type: String,
    pub package: String,
    /// GitHub: `owner/repo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// GitLab: `group/project`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// GitHub workflow or GitLab pipeline file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_definition_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcs_origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_publish: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_stage_publish: Option<bool>,
}

/// What `ensurePublisher` did.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsureResult {
    #[napi(ts_type = "'unchanged' | 'created' | 'replaced'")]
    pub action: String,
    /// The configuration the package has now.
    pub publisher: Publisher,
    /// The configuration a replace removed.
    pub previous: Option<Publisher>,
}

/// A failure inside a plan or a result.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustProblem {
    pub code: String,
    pub message: String,
}

/// One package in a plan.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanEntry {
    pub package: String,
    /// `create` (none yet), `replace` (a different one exists), `unchanged`, or `error` (the
    /// spec is invalid or the package could not be read).
    #[napi(ts_type = "'create' | 'replace' | 'unchanged' | 'error'")]
    pub action: String,
    /// The configuration wanted, `{ type, claims, permissions }`.
    #[napi(ts_type = "Record<string, unknown>")]
    pub desired: Option<Value>,
    /// The options of `desired` (`repository`, `file`, ...), as a spec writes them.
    #[napi(ts_type = "Omit<TrustSpec, 'type' | 'package' | 'allowPublish' | 'allowStagePublish'>")]
    pub desired_options: Map<String, Value>,
    /// The configurations the package has now.
    pub current: Vec<Publisher>,
    pub error: Option<TrustProblem>,
}

/// What `applyTrust` will do, package by package.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustPlan {
    pub entries: Vec<PlanEntry>,
}

/// One package's outcome.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyResult {
    pub package: String,
    #[napi(ts_type = "'create' | 'replace' | 'unchanged' | 'error'")]
    pub action: String,
    #[napi(ts_type = "'done' | 'failed'")]
    pub status: String,
    /// The configuration the package has now, when done.
    pub publisher: Option<Publisher>,
    /// What a replace removed.
    pub previous: Vec<Publisher>,
    pub error: Option<TrustProblem>,
}

/// Options of a run over many packages.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOptions {
    /// Requests in flight at once. Default 8; the run also slows down on its own when the
    /// registry answers 429.
    pub concurrency: Option<u32>,
    // Declared here for TypeScript; the function itself is read separately.
    #[serde(skip)]
    #[napi(ts_type = "(progress: { done: number, total: number, result: ApplyResult }) => void")]
    pub on_progress: Option<()>,
}

/// A workspace package.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspacePackage {
    pub name: String,
    pub path: String,
    /// `github`, `gitlab` or `bitbucket`, from the package's repository, else the root's.
    pub repository_host: Option<String>,
    /// `owner/repo` or `group/project`.
    pub repository: Option<String>,
    pub repository_from_root: bool,
}

/// A monorepo's publishable packages.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    pub root: String,
    pub packages: Vec<WorkspacePackage>,
    /// Folders skipped, and why (private, no name).
    pub skipped: Vec<String>,
}

/// A field of a provider's table.
#[napi(object)]
pub struct ProviderField {
    /// The option name (`orgId`).
    pub option: String,
    /// The npm CLI flag (`org-id`).
    pub flag: String,
    pub required: bool,
    pub list: bool,
    pub help: String,
}

/// A CI provider trust-native can configure.
#[napi(object)]
pub struct TrustProvider {
    pub r#type: String,
    pub name: String,
    /// The option inferred from package.json's `repository` (`repository`, `project`).
    pub entity: Option<String>,
    /// Who can publish once it is trusted: "GitHub repository", "GitLab project", "CircleCI
    /// pipeline" (npm's wording).
    pub entity_label: String,
    pub fields: Vec<ProviderField>,
}

fn spec_map(spec: &TrustSpec) -> CoreResult<Map<String, Value>> {
    match serde_json::to_value(spec) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(CoreError::invalid_input(
            "specs",
            "A spec must be an object",
        )),
    }
}

fn concurrency(options: &RunOptions) -> Option<usize> {
    options.concurrency.map(|c| c as usize)
}

/// Makes one package's trusted publisher equal to `spec`: nothing when it already is, a create
/// when there is none, a replace (revoke, then create) when it differs. If the create of a
/// replace fails, the previous configuration is restored and the error says so.
///
/// @example
/// ```js
/// const { ensurePublisher } = require('trust-native')
/// const { action } = await ensurePublisher({
///   type: 'github', package: '@acme/widgets', repository: 'acme/widgets', file: 'release.yml', otp,
/// })
/// console.log(action) // 'unchanged' | 'created' | 'replaced'
/// ```
#[napi(
    ts_args_type = "spec: TrustSpec & CommonOptions",
    ts_return_type = "Promise<EnsureResult>"
)]
pub fn ensure_publisher<'env>(
    env: &'env Env,
    spec: Object<'env>,
) -> napi::Result<PromiseRaw<'env, EnsureResult>> {
    let input = decode::<Map<String, Value>>(env, Some(&spec))
        .and_then(|mut map| {
            let common = common_option_names();
            map.retain(|key, _| !common.contains(key) || key == "package");
            let spec: TrustSpec = serde_json::from_value(Value::Object(map))
                .map_err(|e| CoreError::new(Code::InvalidInput, format!("Invalid spec: {e}")))?;
            spec_map(&spec)
        })
        .and_then(|map| Ok((map, call_options(env, Some(&spec))?)));
    promise(env, async move {
        let (map, call) = input?;
        bulk::ensure_publisher(&map, &call).await
    })
}

/// Plans many packages: for each, the configuration it has, the one it should have, and the
/// action (`create`, `replace`, `unchanged`, or `error` for an invalid spec or unreadable
/// package). Reads only; nothing changes.
///
/// @example
/// ```js
/// const { planTrust, readTrustConfig } = require('trust-native')
/// const plan = await planTrust(readTrustConfig('trust.json'), { otp })
/// for (const e of plan.entries) console.log(e.package, e.action)
/// ```
#[napi(
    ts_args_type = "specs: Array<TrustSpec>, options?: RunOptions & CommonOptions",
    ts_return_type = "Promise<TrustPlan>"
)]
pub fn plan_trust<'env>(
    env: &'env Env,
    specs: Vec<Object<'env>>,
    options: Option<Object<'env>>,
) -> napi::Result<PromiseRaw<'env, TrustPlan>> {
    let input = (|| {
        // Each spec is decoded on its own so one bad spec becomes that entry's error.
        let maps: Vec<Map<String, Value>> = specs
            .iter()
            .map(|s| decode::<Map<String, Value>>(env, Some(s)))
            .collect::<CoreResult<_>>()?;
        let run: RunOptions = decode(env, options.as_ref())?;
        Ok((
            maps,
            call_options(env, options.as_ref())?,
            concurrency(&run),
        ))
    })();
    promise(env, async move {
        let (maps, call, concurrency) = input?;
        bulk::plan(&maps, &call, concurrency).await
    })
}

/// Applies a plan: every package made to match, `concurrency` at a time, slowing down when the
/// registry rate-limits (429, `Retry-After`), asking for 2FA once for the whole run (through
/// `onOtp`), and going on past one package's failure. One result per package; a second apply of
/// a fresh plan finds everything `unchanged`.
///
/// @example
/// ```js
/// const results = await applyTrust(plan, {
///   concurrency: 8,
///   onOtp: async () => prompt('OTP: '),
///   onProgress: ({ done, total, result }) => console.log(`${done}/${total} ${result.package} ${result.status}`),
/// })
/// ```
#[napi(
    ts_args_type = "plan: TrustPlan, options?: RunOptions & CommonOptions",
    ts_return_type = "Promise<Array<ApplyResult>>"
)]
pub fn apply_trust<'env>(
    env: &'env Env,
    plan: Object<'env>,
    options: Option<Object<'env>>,
) -> napi::Result<PromiseRaw<'env, Vec<ApplyResult>>> {
    let input = (|| {
        let plan_json: Value = decode(env, Some(&plan))?;
        let plan = Plan::from_json(&plan_json)?;
        let run: RunOptions = decode(env, options.as_ref())?;
        let progress = match &options {
            Some(object) => progress_callback(object).map_err(|e| {
                CoreError::invalid_input(
                    "onProgress",
                    format!("onProgress must be a function: {}", e.reason),
                )
            })?,
            None => None,
        };
        Ok((
            plan,
            call_options(env, options.as_ref())?,
            concurrency(&run),
            progress,
        ))
    })();
    promise(env, async move {
        let (plan, call, concurrency, progress) = input?;
        bulk::apply(&plan, &call, concurrency, progress).await
    })
}

fn progress_callback(options: &Object) -> napi::Result<Option<OnProgress>> {
    let Some(callback) = options.get::<Function<Value, Unknown>>("onProgress")? else {
        return Ok(None);
    };
    let tsfn: ThreadsafeFunction<Value, Unknown, Value, Status, false, true> = callback
        .build_threadsafe_function::<Value>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    Ok(Some(Arc::new(move |progress| {
        if let Ok(value) = serde_json::to_value(&progress) {
            tsfn.call(value, ThreadsafeFunctionCallMode::NonBlocking);
        }
    })))
}

/// The publishable packages of the monorepo `cwd` belongs to: package.json `workspaces` (npm,
/// yarn) and pnpm-workspace.yaml, `!` exclusions honoured, private packages skipped, each with
/// its repository (its own, else the root's).
///
/// @example
/// ```js
/// const { discoverWorkspacePackages } = require('trust-native')
/// const { packages } = discoverWorkspacePackages(process.cwd())
/// console.log(packages.map((p) => `${p.name} ${p.repository}`))
/// ```
#[napi]
pub fn discover_workspace_packages(env: &Env, cwd: Option<String>) -> napi::Result<Workspace> {
    let cwd = cwd
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    convert(&workspace::discover(&cwd).map_err(|e| js_error(env, e))?)
}

/// The specs a trust.json stands for (a path, or the parsed object): an array of specs, or
/// `{ defaults, workspaces: true, packages: [...] }` where every workspace package gets the
/// defaults (and its repository from package.json) and `packages` entries add or override.
///
/// @example
/// ```js
/// // trust.json: { "defaults": { "type": "github", "file": "release.yml" }, "workspaces": true }
/// const specs = readTrustConfig('trust.json')
/// ```
#[napi(ts_args_type = "config: string | Record<string, unknown> | Array<TrustSpec>, cwd?: string")]
pub fn read_trust_config(
    env: &Env,
    config: Value,
    cwd: Option<String>,
) -> napi::Result<Vec<TrustSpec>> {
    let run = || -> CoreResult<Vec<Map<String, Value>>> {
        let (json, base) = match &config {
            Value::String(path) => {
                let path = PathBuf::from(path);
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    CoreError::invalid_input(
                        "config",
                        format!("Cannot read {}: {e}", path.display()),
                    )
                })?;
                let json = serde_json::from_str(&text).map_err(|e| {
                    CoreError::invalid_input(
                        "config",
                        format!("{} is not JSON: {e}", path.display()),
                    )
                })?;
                (json, path.parent().map(PathBuf::from))
            }
            other => (other.clone(), None),
        };
        let cwd = cwd
            .map(PathBuf::from)
            .or(base)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        spec::from_config(&json, &cwd)
    };
    let maps = run().map_err(|e| js_error(env, e))?;
    maps.iter()
        .map(|m| {
            serde_json::from_value(Value::Object(m.clone())).map_err(|e| {
                js_error(
                    env,
                    CoreError::new(Code::InvalidInput, format!("Invalid spec: {e}")),
                )
            })
        })
        .collect()
}

/// The CI providers and their fields, as the CLI builds its flags from them.
///
/// @example
/// ```js
/// const { trustProviders } = require('trust-native')
/// for (const p of trustProviders()) console.log(p.type, p.fields.map((f) => `--${f.flag}`).join(' '))
/// // github --repository --file --environment ...
/// ```
#[napi]
pub fn trust_providers() -> Vec<TrustProvider> {
    PROVIDERS
        .iter()
        .map(|p| TrustProvider {
            r#type: p.kind.into(),
            name: p.name.into(),
            entity: p.entity.as_ref().map(|e| e.option.to_string()),
            entity_label: p
                .entity
                .as_ref()
                .map_or(p.file_label, |e| e.label)
                .to_string(),
            fields: p
                .fields
                .iter()
                .map(|f| ProviderField {
                    option: f.option.into(),
                    flag: f.flag.into(),
                    required: f.required,
                    list: f.list,
                    help: f.help.into(),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TrustSpec declares exactly `type`, `package`, the permissions and every provider option.
    #[test]
    fn trust_spec_declares_every_provider_option() {
        let full = TrustSpec {
            repository: Some(String::new()),
            project: Some(String::new()),
            file: Some(String::new()),
            environment: Some(String::new()),
            org_id: Some(String::new()),
            project_id: Some(String::new()),
            pipeline_definition_id: Some(String::new()),
            vcs_origin: Some(String::new()),
            context_ids: Some(vec![]),
            allow_publish: Some(true),
            allow_stage_publish: Some(true),
            ..TrustSpec::default()
        };
        let mut declared: Vec<String> = spec_map(&full).unwrap().keys().cloned().collect();
        declared.sort();
        let mut expected: Vec<String> = ["type", "package", "allowPublish", "allowStagePublish"]
            .map(String::from)
            .to_vec();
        for provider in PROVIDERS {
            for field in provider.fields {
                if !expected.iter().any(|e| e == field.option) {
                    expected.push(field.option.to_string());
                }
            }
        }
        expected.sort();
        assert_eq!(declared, expected);
    }
}
