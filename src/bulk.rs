//! JS exports for trust at scale: ensure, plan, apply, workspaces, trust.json, and the provider
//! tables the CLI builds its flags from.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::ValueType;
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::client::TrustClient;
use crate::engine::{rejected, spawn, Budget, Call, Engine};
use crate::operation::operation;
use crate::options::{clear_exception, string_argument, to_json, Options};
use crate::to_js::{to_js, Js};
use crate::trust::Publisher;
use trust_core::bulk::plan::{not_a_plan, Plan, PlanEntry as CorePlanEntry};
use trust_core::bulk::spec::{self, TrustSpec as CoreTrustSpec};
use trust_core::bulk::{self, apply::OnProgress, workspace, Run};
use trust_core::error::{Error as CoreError, Result as CoreResult};
use trust_core::trust::PROVIDERS;

/// One package's desired trusted publisher: `type`, `package`, and the options of the matching
/// `add*Publisher` (the same shape as an entry of trust.json). The provider options are declared
/// from the provider table (scripts/provider-types.mjs), in index.d.ts's head.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct TrustSpec {
    #[napi(ts_type = "ProviderType")]
    pub r#type: String,
    pub package: String,
    pub allow_publish: Option<bool>,
    pub allow_stage_publish: Option<bool>,
    /// `planTrust`/`applyTrust`: the package's configuration of this publisher (same provider
    /// and workflow) may be replaced when it differs. Default: false (it is left alone and
    /// reported; `ensurePublisher` always replaces).
    pub replace: Option<bool>,
}

/// What `ensurePublisher` did.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct EnsureResult {
    #[napi(ts_type = "'unchanged' | 'created' | 'replaced'")]
    pub action: String,
    /// The configuration the package has now.
    pub publisher: Publisher,
    /// The configuration a replace removed (the package's others are left alone).
    pub previous: Option<Publisher>,
    /// What the check of the CI file found, each with its fix (see `checkWorkflow`).
    pub warnings: Vec<String>,
}

/// A failure inside a plan or a result.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct TrustProblem {
    pub code: String,
    pub message: String,
    /// What the user can do about it (see `TrustError.hint`).
    #[napi(ts_type = "TrustHint")]
    pub hint: Option<String>,
    /// With `hint`: `message` without the advice (see `TrustError.summary`).
    pub summary: Option<String>,
}

/// One field in which a package's trusted publisher differs from the one wanted.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct TrustDifference {
    /// The spec option (`repository`, `environment`, ...), `permissions`, or `claims` for claims
    /// the provider's table has no option for.
    pub field: String,
    /// What the package has (`null` when it has no such field).
    #[napi(ts_type = "unknown")]
    pub current: Value,
    /// What the spec wants (`null` when it says nothing of it).
    #[napi(ts_type = "unknown")]
    pub desired: Value,
}

/// One spec in a plan, or (with `prune`) one configuration to revoke. A package may have
/// several trusted publishers: each spec is paired with the configuration of its package that is
/// the same publisher (same provider and workflow or pipeline), if there is one.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct PlanEntry {
    pub package: String,
    /// `create` (the package has no configuration of this publisher; any others stay),
    /// `replace` (it has one with other fields: the new one is created, then the old one
    /// revoked), `unchanged`, `claim` (the package does not exist yet: `applyTrust` with
    /// `claim: true` publishes a placeholder first), `revoke` (with `prune`: a configuration no
    /// spec names), or `error` (the spec is invalid or the package could not be read).
    #[napi(ts_type = "'create' | 'replace' | 'unchanged' | 'claim' | 'revoke' | 'error'")]
    pub action: String,
    /// The configuration wanted, `{ type, claims, permissions }` (none for `revoke`).
    #[napi(ts_type = "Record<string, unknown>")]
    pub desired: Option<Value>,
    /// The options of `desired` (`repository`, `file`, ...), as a spec writes them.
    #[napi(ts_type = "Omit<TrustSpec, 'type' | 'package' | 'allowPublish' | 'allowStagePublish'>")]
    pub desired_options: Map<String, Value>,
    /// The configurations the package has now.
    pub current: Vec<Publisher>,
    /// The one of them this entry is about: the one left `unchanged`, to `replace`, or to
    /// `revoke`.
    pub existing: Option<Publisher>,
    pub error: Option<TrustProblem>,
    /// What the check of the CI file found (GitHub, GitLab), each with its fix (see
    /// `checkWorkflow`); with `strict`, such an entry is an `error` (`EWORKFLOW`) instead.
    pub warnings: Vec<String>,
    /// Whether applying may replace `existing` (the spec's `replace`).
    pub replace: bool,
    /// For `replace`: field by field, how `existing` differs from `desired`.
    pub differences: Vec<TrustDifference>,
}

/// What `applyTrust` will do, package by package.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct TrustPlan {
    pub entries: Vec<PlanEntry>,
    /// For a drift check: `inSync` when nothing would change, `changes` when applying would
    /// create, replace or revoke something, `errors` when a package could not be planned.
    #[napi(ts_type = "'inSync' | 'changes' | 'errors'")]
    pub status: String,
}

/// One entry's outcome.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct ApplyResult {
    pub package: String,
    /// What the entry needed: the plan's action, or what the registry's answers showed since
    /// (a `create` refused by a registry that keeps one configuration per package, for the
    /// package's only spec, is a `replace` of the one there is).
    #[napi(ts_type = "'create' | 'replace' | 'unchanged' | 'claim' | 'revoke' | 'error'")]
    pub action: String,
    /// `skipped`: the package's configuration of this publisher differs and replacing it was
    /// not allowed (pass `replace: true`, or set it in the spec); `differences` says how.
    #[napi(ts_type = "'done' | 'failed' | 'skipped'")]
    pub status: String,
    /// The configuration the package has now, when done (none for a revoke); when skipped, the
    /// one left as it is.
    pub publisher: Option<Publisher>,
    /// What a replace or a revoke removed.
    pub previous: Vec<Publisher>,
    pub error: Option<TrustProblem>,
    /// For a replaced or skipped package: how its configuration differed from the one wanted.
    pub differences: Vec<TrustDifference>,
}

/// Options of a run over many packages.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; `Options` reads the object.
pub struct RunOptions {
    /// Packages worked on at once. Default 8; when the registry answers 429, the run also
    /// lowers the requests in flight and spaces them out on its own.
    pub concurrency: Option<u32>,
    /// Requests per second the run never exceeds, for a registry whose limit you know (`0.5`
    /// is one request every two seconds). Without it the run finds the pace from the
    /// registry's 429 answers and `Retry-After`.
    pub max_rps: Option<f64>,
    /// `applyTrust` only: replace every configuration that differs from its spec. Default:
    /// false; one is replaced only when its spec says `replace: true`, else it is `skipped` with
    /// its differences (replacing who may publish is a decision, never a default).
    pub replace: Option<bool>,
    /// `planTrust`, and `applyTrust` given specs: revoke the configurations of the specs'
    /// packages that no spec names (a `revoke` entry each). Default: false: they are left
    /// alone, and nothing but a replaced configuration is ever revoked.
    pub prune: Option<bool>,
    /// `applyTrust` only: claim every package that does not exist yet (see `claimPackage`)
    /// before configuring it. Default: false (such a package fails, with the `claim` hint).
    pub claim: Option<bool>,
    // Declared here for TypeScript; the function itself is read separately.
    #[napi(ts_type = "(progress: { done: number, total: number, result: ApplyResult }) => void")]
    pub on_progress: Option<()>,
}

/// A workspace package.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
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
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `to_js`.
pub struct Workspace {
    pub root: String,
    pub packages: Vec<WorkspacePackage>,
    /// Folders skipped, and why (private, no name).
    pub skipped: Vec<String>,
}

/// A field of a provider's table.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is the core's serialization.
pub struct ProviderField {
    /// The option name (`orgId`).
    pub option: String,
    /// The npm CLI flag (`org-id`).
    pub flag: String,
    /// Other names of the flag (`repo` for `repository`).
    pub aliases: Vec<String>,
    /// Whether the registry needs it; see `default` for whether a caller must give it.
    pub required: bool,
    pub list: bool,
    pub help: String,
    /// A valid value (one element of a list).
    pub example: String,
    /// Where a value left out comes from (package.json, the checkout), or null: then a required
    /// field must be given.
    pub default: Option<String>,
    /// Where the registry keeps it in a configuration's `claims`: a key, or a key and the key
    /// inside it (`['workflow_ref', 'file']`, a partial-match object).
    pub claim: Vec<String>,
}

/// A CI provider trust-native can configure.
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is the core's serialization.
pub struct TrustProvider {
    pub r#type: String,
    pub name: String,
    /// The option inferred from package.json's `repository` (`repository`, `project`).
    pub entity: Option<String>,
    /// Who can publish once it is trusted: "GitHub repository", "GitLab project", "CircleCI
    /// pipeline" (npm's wording).
    pub entity_label: String,
    /// The option that names the source repository: `repository`, `project`, `vcsOrigin`.
    pub repository: String,
    /// The CI file the provider keeps in the repository, which `checkWorkflow` reads and
    /// `strict` checks: a GitHub Actions workflow, a GitLab pipeline, or none (CircleCI).
    #[napi(ts_type = "'github-workflow' | 'gitlab-pipeline' | null")]
    pub ci_file: Option<String>,
    pub fields: Vec<ProviderField>,
}

/// The spec keys of an `ensurePublisher` object: `type`, every provider's fields, the
/// permissions. The core checks them against the type's own table.
fn spec_keys() -> Vec<&'static str> {
    let mut keys = vec!["type", "allowPublish", "allowStagePublish"];
    for provider in PROVIDERS {
        for field in provider.fields {
            if !keys.contains(&field.option) {
                keys.push(field.option);
            }
        }
    }
    keys
}

/// `ensurePublisher` on `engine`.
fn ensure<'env>(
    engine: &Engine,
    env: &'env Env,
    spec: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut map = Map::new();
    let call = Options::new(spec, "spec").and_then(|mut o| {
        for key in spec_keys() {
            if let Some(value) = o.json(key)? {
                map.insert(key.to_string(), value);
            }
        }
        let strict = o.boolean("strict")?.unwrap_or(false);
        let mut call = engine.call(env, &mut o, Budget::Whole)?;
        o.finish()?;
        call.options.strict = strict;
        no_dry_run(&call, "ensurePublisher")?;
        if let Some(package) = &call.options.package {
            map.insert("package".into(), Value::String(package.clone()));
        }
        Ok(call)
    });
    spawn(
        env,
        call,
        |call| async move { bulk::ensure_publisher(&map, &call).await },
        |env, result| to_js(env, &result),
    )
}

/// A run's options: the common ones, `concurrency`, `maxRps`, (for apply) `onProgress`, and
/// (when the run checks CI files: a plan, or an apply of specs) `strict`.
fn run_call<'env>(
    engine: &Engine,
    env: &Env,
    options: Option<Unknown<'env>>,
    with_progress: bool,
    checks_workflows: bool,
) -> CoreResult<(Call<'env>, Run, Option<Progress>)> {
    let mut o = Options::new(options, "options")?;
    let run = Run {
        concurrency: o.count("concurrency")?.map(|c| c.max(1) as usize),
        max_rps: o.positive("maxRps")?,
        // Only applying changes anything to replace.
        replace: with_progress && o.boolean("replace")?.unwrap_or(false),
        // What a plan revokes was decided when it was planned.
        prune: checks_workflows && o.boolean("prune")?.unwrap_or(false),
        claim: with_progress && o.boolean("claim")?.unwrap_or(false),
    };
    let progress = if with_progress {
        o.function("onProgress")?
            .map(|callback| progress_callback(env, callback))
            .transpose()
            .map_err(|_| {
                CoreError::invalid_input("onProgress", "Option `onProgress` cannot be called.")
            })?
    } else {
        None
    };
    // Applying a reviewed plan does not read the CI files again: they were checked when planned.
    let strict = if checks_workflows {
        o.boolean("strict")?.unwrap_or(false)
    } else {
        false
    };
    let mut call = engine.call(env, &mut o, Budget::PerPackage)?;
    o.finish()?;
    call.options.strict = strict;
    if with_progress {
        no_dry_run(&call, "applyTrust")?;
        // An abort stops the run: nothing starts after it, and what is in flight finishes.
        call = call.stopping_itself();
    }
    Ok((call, run, progress))
}

/// `ensurePublisher` and `applyTrust` change things by design; their dry run is `planTrust`.
/// Accepting `dryRun` and then changing the registry would be the worst of both.
fn no_dry_run(call: &Call, function: &str) -> CoreResult<()> {
    if call.options.dry_run {
        return Err(CoreError::invalid_input(
            "dryRun",
            format!(
                "{function} has no dry run: planTrust shows what it would change, without \
                 changing anything."
            ),
        ));
    }
    Ok(())
}

/// The elements of `value`, when it is an array.
fn elements<'env>(value: Option<Unknown<'env>>) -> Option<(Object<'env>, u32)> {
    let value = value.filter(|v| v.is_array().unwrap_or(false))?;
    // SAFETY: checked to be an array just above.
    let array = unsafe { value.cast::<Object>() }.ok()?;
    let length = array.get_array_length().ok()?;
    Some((array, length))
}

/// The specs, each read from JS and checked on its own: one bad spec becomes that entry's error,
/// and only the compact checked form is kept (as JSON objects, ten thousand specs would hold
/// about 15 MiB until the plan is done).
fn checked_specs(specs: Option<Unknown>) -> CoreResult<Vec<spec::Checked>> {
    let invalid = || CoreError::invalid_input("specs", "`specs` must be an array of specs.");
    let (array, length) = elements(specs).ok_or_else(invalid)?;
    (0..length)
        .map(|i| {
            let item = array.get_element::<Unknown>(i).map_err(|_| invalid())?;
            Ok(match to_json(item).map_err(|_| invalid())? {
                Value::Object(map) => CoreTrustSpec::check(&map),
                // The core reports a spec that is not an object as that entry's error.
                _ => CoreTrustSpec::check(&Map::new()),
            })
        })
        .collect()
}

/// A plan from JS, read entry by entry (never as one JSON tree of the whole plan).
fn read_plan(plan: Option<Unknown>) -> CoreResult<Plan> {
    let unreadable = || CoreError::invalid_input("plan", "`plan` must be a plan object.");
    let no_entries = || not_a_plan("no entries");
    let mut o = Options::new(plan, "plan").map_err(|_| no_entries())?;
    let entries = o.raw("entries").map_err(|_| unreadable())?;
    let (array, length) = elements(entries).ok_or_else(no_entries)?;
    let entries = (0..length)
        .map(|i| {
            let item = array.get_element::<Unknown>(i).map_err(|_| unreadable())?;
            CorePlanEntry::from_json(&to_json(item).map_err(|_| unreadable())?)
        })
        .collect::<CoreResult<_>>()?;
    Ok(Plan { entries })
}

fn plan<'env>(
    engine: &Engine,
    env: &'env Env,
    specs: Option<Unknown<'env>>,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut input = None;
    let call = checked_specs(specs).and_then(|specs| {
        let (call, run, _) = run_call(engine, env, options, false, true)?;
        input = Some((specs, run));
        Ok(call)
    });
    spawn(
        env,
        call,
        |call| async move {
            let (specs, run) = input.expect("read with the call");
            bulk::plan(specs, &call, run).await
        },
        |env, plan| to_js(env, &plan),
    )
}

/// What `applyTrust` was given.
enum Work {
    /// A plan from `planTrust`, which the user may have reviewed.
    Plan(Plan),
    Specs(Vec<spec::Checked>),
}

fn apply<'env>(
    engine: &Engine,
    env: &'env Env,
    plan: Option<Unknown<'env>>,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let mut input = None;
    let call = (|| {
        // Specs rather than a plan: nothing was shown first, so nothing is read first.
        let work = if plan.is_some_and(|v| v.is_array().unwrap_or(false)) {
            Work::Specs(checked_specs(plan)?)
        } else {
            Work::Plan(read_plan(plan)?)
        };
        let specs = matches!(work, Work::Specs(_));
        let (call, run, progress) = run_call(engine, env, options, true, specs)?;
        input = Some((work, run, progress));
        Ok(call)
    })();
    spawn(
        env,
        call,
        |call| async move {
            let (work, run, progress) = input.expect("read with the call");
            let report = progress.as_ref().map(|p| p.report.clone());
            let results = match work {
                Work::Plan(plan) => bulk::apply(plan, &call, run, report).await,
                Work::Specs(specs) => bulk::apply_specs(specs, &call, run, report).await,
            };
            if let Some(progress) = progress {
                progress.delivered().await;
            }
            results
        },
        |env, results| to_js(env, &results),
    )
}

operation! {
    #[doc = " Makes sure a package has the trusted publisher `spec`: nothing when it has it, a create when"]
    #[doc = " it has no configuration of that publisher (same provider and workflow or pipeline; its other"]
    #[doc = " publishers are left alone), a replace when it has one with other fields (the new one is"]
    #[doc = " created, then the old one revoked). On a registry that keeps one configuration per package"]
    #[doc = " (it refuses the create with 409), the one there is is revoked first, and restored if the"]
    #[doc = " create fails; the error says so."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { ensurePublisher } from 'trust-native'"]
    #[doc = " const { action } = await ensurePublisher({"]
    #[doc = "   type: 'github', package: '@acme/widgets', repository: 'acme/widgets', file: 'release.yml', otp: '123456',"]
    #[doc = " })"]
    #[doc = " console.log(action) // 'unchanged' | 'created' | 'replaced'"]
    #[doc = " ```"]
    fn ensure_publisher(spec): "spec: Omit<TrustSpec, 'replace'> & StrictOption & CommonOptions" -> "Promise<EnsureResult>" = |engine, env| ensure(engine, env, spec)
}

operation! {
    #[doc = " Plans many packages: for each spec, the configuration of its package that is the same"]
    #[doc = " publisher, and the action (`create`, `replace`, `unchanged`, `claim`, or `error` for an"]
    #[doc = " invalid spec or unreadable package). Two specs for one package are two publishers. With"]
    #[doc = " `prune`, each configuration no spec names gets a `revoke` entry. Reads only; nothing"]
    #[doc = " changes."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { planTrust, readTrustConfig } from 'trust-native'"]
    #[doc = " const plan = await planTrust(await readTrustConfig('trust.json'), { otp: '123456' })"]
    #[doc = " for (const e of plan.entries) console.log(e.package, e.action)"]
    #[doc = " ```"]
    fn plan_trust(specs, options): "specs: Array<TrustSpec>, options?: Omit<RunOptions, 'replace' | 'claim' | 'onProgress'> & StrictOption & CommonOptions" -> "Promise<TrustPlan>" = |engine, env| plan(engine, env, specs, options)
}

operation! {
    #[doc = " Applies a plan: every package made to match, `concurrency` at a time, at a pace the"]
    #[doc = " registry's 429 answers and `Retry-After` set for the whole run (or `maxRps`), asking for 2FA"]
    #[doc = " once for the whole run (through `onOtp`), and going on past one package's failure. One"]
    #[doc = " result per package, always; a second apply of a fresh plan finds everything `unchanged`."]
    #[doc = " `timeoutMs` bounds each package's own work (waiting for the run's pace is not counted)."]
    #[doc = " `signal` stops the run: no package starts after it, those in flight get 5 s to finish, and"]
    #[doc = " every package still gets its result (`EABORTED` for those not done)."]
    #[doc = ""]
    #[doc = " Given specs instead of a plan (when no plan has to be shown first), it plans them as"]
    #[doc = " `planTrust` does (`prune` included) and applies that. Each spec's CI file is checked as"]
    #[doc = " `planTrust` checks it (`strict` makes a finding that package's `EWORKFLOW` failure)."]
    #[doc = ""]
    #[doc = " @example"]
    #[doc = " ```js"]
    #[doc = " import { applyTrust } from 'trust-native'"]
    #[doc = " const results = await applyTrust(plan, {"]
    #[doc = "   concurrency: 8,"]
    #[doc = "   onOtp: async () => '123456',"]
    #[doc = "   onProgress: ({ done, total, result }) => console.log(`${done}/${total} ${result.package} ${result.status}`),"]
    #[doc = " })"]
    #[doc = " ```"]
    fn apply_trust(plan, options): "plan: TrustPlan | Array<TrustSpec>, options?: RunOptions & StrictOption & CommonOptions" -> "Promise<Array<ApplyResult>>" = |engine, env| apply(engine, env, plan, options)
}

/// `onProgress` as the core calls it from its thread, and a count of the reports JS has run.
struct Progress {
    report: OnProgress,
    queued: Arc<AtomicUsize>,
    ran: tokio::sync::watch::Receiver<usize>,
}

impl Progress {
    /// Resolves once JS has run every report queued so far: a run's Promise settles through
    /// another queue, and must not settle before its last report.
    async fn delivered(mut self) {
        let queued = self.queued.load(Ordering::SeqCst);
        let _ = self.ran.wait_for(|ran| *ran >= queued).await;
    }
}

/// `onProgress` as the core calls it, from its thread. The caller's function runs behind a guard:
/// an exception it throws, or a Promise it returns that rejects, is the caller's progress
/// display failing, not the run; it must neither stop the run nor reach Node as an uncaught
/// error (which ends the process).
fn progress_callback(env: &Env, callback: Unknown) -> napi::Result<Progress> {
    // SAFETY: the options reader checked that it is a function.
    let user = unsafe { callback.cast::<Function<Unknown, Unknown>>() }?.create_ref()?;
    let (ran, ran_reader) = tokio::sync::watch::channel(0);
    let guarded = env.create_function_from_closure::<Value, (), _>("onProgress", move |ctx| {
        let env = &*ctx.env;
        ran.send_modify(|ran| *ran += 1);
        let progress: Unknown = ctx.first_arg()?;
        match user.borrow_back(env)?.call(progress) {
            Ok(returned) => ignore_rejection(env, returned),
            Err(_) => clear_exception(env.raw()),
        }
        Ok(())
    })?;
    let tsfn: ThreadsafeFunction<Value, (), Value, Status, false, true> = guarded
        .build_threadsafe_function::<Value>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    let queued = Arc::new(AtomicUsize::new(0));
    let counted = queued.clone();
    let report: OnProgress = Arc::new(move |progress| {
        if let Ok(value) = serde_json::to_value(&progress) {
            if tsfn.call(value, ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    Ok(Progress {
        report,
        queued,
        ran: ran_reader,
    })
}

/// A returned thenable gets a rejection handler that does nothing.
fn ignore_rejection(env: &Env, returned: Unknown) {
    let attach = || -> napi::Result<()> {
        if !matches!(returned.get_type()?, ValueType::Object) {
            return Ok(());
        }
        // SAFETY: the type was checked just above.
        let object = unsafe { returned.cast::<Object>() }?;
        let then: Unknown = object.get_named_property("then")?;
        if !matches!(then.get_type()?, ValueType::Function) {
            return Ok(());
        }
        let then =
            unsafe { then.cast::<Function<FnArgs<((), Function<Unknown, ()>)>, Unknown>>() }?;
        let ignore = env.create_function_from_closure::<Unknown, (), _>("ignore", |_| Ok(()))?;
        then.apply(object, ((), ignore).into())?;
        Ok(())
    };
    if attach().is_err() {
        clear_exception(env.raw());
    }
}

/// `cwd`, else the process's working directory (read on the JS thread, where `process.chdir`
/// changes it).
fn cwd_or_current(cwd: Option<String>) -> PathBuf {
    cwd.map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default()
}

/// The publishable packages of the monorepo `cwd` belongs to: package.json `workspaces` (npm,
/// yarn) and pnpm-workspace.yaml, `!` exclusions honoured, private packages skipped, each with
/// its repository (its own, else the root's). Reads the files off the main thread.
///
/// @example
/// ```js
/// import { discoverWorkspacePackages } from 'trust-native'
/// const { packages } = await discoverWorkspacePackages(process.cwd())
/// console.log(packages.map((p) => `${p.name} ${p.repository}`))
/// ```
#[napi(ts_args_type = "cwd?: string", ts_return_type = "Promise<Workspace>")]
pub fn discover_workspace_packages<'env>(
    env: &'env Env,
    cwd: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let cwd = match string_argument(cwd, "cwd") {
        Ok(cwd) => cwd_or_current(cwd),
        Err(error) => return rejected(env, error),
    };
    spawn(
        env,
        Ok(Call::detached()),
        |_| async move { workspace::discover(&cwd) },
        |env, workspace| to_js(env, &workspace),
    )
}

/// The specs a trust.json stands for (a path, or the parsed object): an array of specs (two
/// specs for one package are two publishers), or `{ defaults, workspaces: true, packages: [...] }`
/// where every workspace package gets the defaults (and its repository from package.json) and
/// `packages` entries add or override. `defaults` may be a list of publishers (a release and a
/// nightly one): every package gets each, and an override changes each. Reads the files off the
/// main thread.
///
/// @example
/// ```js
/// import { readTrustConfig } from 'trust-native'
/// // trust.json: { "defaults": { "type": "github", "file": "release.yml" }, "workspaces": true }
/// const specs = await readTrustConfig('trust.json')
/// ```
#[napi(
    ts_args_type = "config: string | Record<string, unknown> | Array<TrustSpec>, cwd?: string",
    ts_return_type = "Promise<Array<TrustSpec>>"
)]
pub fn read_trust_config<'env>(
    env: &'env Env,
    config: Unknown<'env>,
    cwd: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let cwd = match string_argument(cwd, "cwd") {
        Ok(cwd) => cwd,
        Err(error) => return rejected(env, error),
    };
    let Ok(config) = to_json(config) else {
        let error =
            CoreError::invalid_input("config", "`config` must be a path, an object or an array.");
        return rejected(env, error);
    };
    let given_cwd = cwd.map(PathBuf::from);
    let current = std::env::current_dir().ok();
    spawn(
        env,
        Ok(Call::detached()),
        |_| async move {
            let (json, base) = match config {
                Value::String(path) => {
                    let path = PathBuf::from(path);
                    let text = trust_core::read::config(&path).map_err(|e| {
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
                    // `trust.json` alone has the parent "", which is no folder: then the
                    // working directory is where it is.
                    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
                    (json, folder.map(PathBuf::from))
                }
                other => (other, None),
            };
            let cwd = given_cwd.or(base).or(current).unwrap_or_default();
            spec::from_config(&json, &cwd)
        },
        |env, maps| to_js(env, &maps),
    )
}

/// The CI providers and their fields, as the CLI builds its flags from them.
///
/// @example
/// ```js
/// import { trustProviders } from 'trust-native'
/// for (const p of trustProviders()) console.log(p.type, p.fields.map((f) => `--${f.flag}`).join(' '))
/// // github --repository --file --environment ...
/// ```
#[napi(ts_return_type = "Array<TrustProvider>")]
pub fn trust_providers(env: &Env) -> napi::Result<Js> {
    // The core's serialization of its table: one description of a provider, not two.
    to_js(env, &PROVIDERS)
}
