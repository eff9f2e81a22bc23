//! The engine behind `TrustClient` and the free functions: the options every call shares, the
//! environment snapshot, the per-operation time budget, `AbortSignal`s, and running core
//! futures on napi's tokio runtime.
//!
//! A `TrustClient` owns an [`Engine`] with its defaults, a snapshot of the environment taken on
//! the JS thread when it was created (or the `env` it was given), its own connections, OTPs and
//! prompt locks (a core `Context`), and the npm config it has read. The free functions use an
//! engine that snapshots `process.env` at each call and reads npm config anew, with connections
//! and OTPs shared by the free functions of this Node.js instance.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi::{JsValue, ValueType};

use crate::errors::js_error;
use crate::options::Options;
use crate::prompt;
use crate::settle::Settler;
use crate::to_js::Js;
use trust_core::activity;
use trust_core::config::EnvVars;
use trust_core::context::{Context, ProjectCache};
use trust_core::error::{Code, Error as CoreError, Hint, Result as CoreResult};
use trust_core::registry::otp::OtpPrompt;
use trust_core::registry::{HttpPool, Policy, DEFAULT_MAX_SOCKETS, DEFAULT_TIMEOUT};
use trust_core::session::CallOptions;

/// Time a call gets past its deadline before the engine stops waiting for it, so that the core's
/// own, more specific timeout errors win the race when they fire at the deadline.
const GRACE: Duration = Duration::from_millis(50);

/// Options a client sets for all its calls; a call's own options win.
#[derive(Clone, Default)]
pub struct Defaults {
    pub registry: Option<String>,
    pub token: Option<String>,
    pub otp: Option<String>,
    pub cwd: Option<PathBuf>,
    pub timeout_ms: Option<u32>,
    pub retries: Option<u32>,
    pub allow_insecure: Option<bool>,
    pub web_auth_timeout_ms: Option<u32>,
    pub on_otp: Option<Arc<dyn OtpPrompt>>,
}

impl Defaults {
    /// Reads the options a client and a call both accept.
    pub fn read(o: &mut Options) -> CoreResult<Self> {
        let on_otp = match o.function("onOtp")? {
            Some(callback) => Some(prompt::from_function(callback).map_err(|_| {
                CoreError::invalid_input("onOtp", "Option `onOtp` cannot be called.")
            })?),
            None => None,
        };
        Ok(Defaults {
            registry: o.string("registry")?,
            token: o.string("token")?,
            otp: o.string("otp")?,
            cwd: o.string("cwd")?.map(PathBuf::from),
            timeout_ms: o.count("timeoutMs")?,
            retries: o.count("retries")?,
            allow_insecure: o.boolean("allowInsecure")?,
            web_auth_timeout_ms: o.count("webAuthTimeoutMs")?,
            on_otp,
        })
    }

    /// `self` with `call`'s values where it has them.
    fn overridden_by(&self, call: Defaults) -> Defaults {
        Defaults {
            registry: call.registry.or_else(|| self.registry.clone()),
            token: call.token.or_else(|| self.token.clone()),
            otp: call.otp.or_else(|| self.otp.clone()),
            cwd: call.cwd.or_else(|| self.cwd.clone()),
            timeout_ms: call.timeout_ms.or(self.timeout_ms),
            retries: call.retries.or(self.retries),
            allow_insecure: call.allow_insecure.or(self.allow_insecure),
            web_auth_timeout_ms: call.web_auth_timeout_ms.or(self.web_auth_timeout_ms),
            on_otp: call.on_otp.or_else(|| self.on_otp.clone()),
        }
    }
}

/// How an operation's `timeoutMs` applies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Everything the call does ends by `timeoutMs`.
    Whole,
    /// A bulk run: `timeoutMs` bounds each package's work; `signal` bounds the run.
    PerPackage,
}

pub struct Engine {
    defaults: Defaults,
    /// The client's environment; `None` for the free functions, which read `process.env` at
    /// each call.
    env: Option<EnvVars>,
    context: Arc<Context>,
    /// npm config read by earlier calls; only with a fixed `env`.
    projects: Option<Arc<ProjectCache>>,
    node_version: Option<String>,
}

/// A call ready to run: the core's options, and how to bound and abort it.
pub struct Call<'env> {
    pub options: CallOptions,
    budget: Option<Duration>,
    signal: Option<Object<'env>>,
    /// An abort of `signal` goes to the operation (`options.stop`), which stops itself, rather
    /// than ending it at once.
    stops_itself: bool,
}

impl Call<'_> {
    /// The operation stops itself when `signal` aborts (see `CallOptions::stop`).
    pub fn stopping_itself(mut self) -> Self {
        self.stops_itself = true;
        self
    }

    /// A call with no registry options, budget or signal: local work such as reading files.
    pub fn detached() -> Call<'static> {
        Call {
            options: CallOptions::default(),
            budget: None,
            signal: None,
            stops_itself: false,
        }
    }
}

impl Engine {
    /// A client's engine: its defaults and environment are fixed from now on.
    pub fn client(
        env: &Env,
        defaults: Defaults,
        vars: Option<EnvVars>,
        max_sockets: Option<u32>,
    ) -> CoreResult<Engine> {
        let vars = match vars {
            Some(vars) => vars,
            None => process_env(env)?,
        };
        let max_sockets = max_sockets.map_or(DEFAULT_MAX_SOCKETS, |n| n as usize);
        Ok(Engine {
            defaults,
            env: Some(vars),
            context: Arc::new(Context::with_pool(HttpPool::new(max_sockets))),
            projects: Some(Arc::default()),
            node_version: node_version(env),
        })
    }

    /// The engine of the free functions of this Node.js instance.
    pub fn free(env: &Env) -> napi::Result<Engine> {
        Ok(Engine {
            defaults: Defaults::default(),
            env: None,
            context: instance(env)?.context.clone(),
            projects: None,
            node_version: node_version(env),
        })
    }

    /// The environment a call reads: the client's, or `process.env` now.
    pub fn env_vars(&self, env: &Env) -> CoreResult<EnvVars> {
        match &self.env {
            Some(vars) => Ok(vars.clone()),
            None => process_env(env),
        }
    }

    pub fn context(&self) -> Arc<Context> {
        self.context.clone()
    }

    /// Reads a registry call's options (the client's options, `package`, `dryRun` and
    /// `signal`) over the client's defaults.
    pub fn call<'env>(
        &self,
        env: &Env,
        o: &mut Options<'env>,
        budget: Budget,
    ) -> CoreResult<Call<'env>> {
        let given = Defaults::read(o)?;
        let package = o.string("package")?;
        let dry_run = o.boolean("dryRun")?.unwrap_or(false);
        let mut call = self.bare_call(env, o, given, budget)?;
        call.options.package = package;
        call.options.dry_run = dry_run;
        Ok(call)
    }

    /// A call with these options (already read) and `signal` (read here).
    pub fn bare_call<'env>(
        &self,
        env: &Env,
        o: &mut Options<'env>,
        given: Defaults,
        budget: Budget,
    ) -> CoreResult<Call<'env>> {
        let signal = o.object("signal")?;
        let d = self.defaults.overridden_by(given);
        let timeout = d
            .timeout_ms
            .map_or(DEFAULT_TIMEOUT, |ms| Duration::from_millis(ms.into()));
        let whole = budget == Budget::Whole;
        let options = CallOptions {
            package: None,
            registry: d.registry,
            publish_config_registry: None,
            token: d.token,
            otp: d.otp,
            cwd: d.cwd,
            dry_run: false,
            strict: false,
            node_version: self.node_version.clone(),
            env: Some(self.env_vars(env)?),
            // A free function has no client's cache: it gets one of its own, so that each step
            // of the call (an exchange, then a publish, ...) reads the project's files once.
            projects: Some(self.projects.clone().unwrap_or_default()),
            policy: Policy {
                timeout: Some(timeout),
                deadline: whole.then(|| Instant::now() + timeout),
                retries: d.retries,
                allow_insecure: d.allow_insecure.unwrap_or(false),
                otp_prompt: d.on_otp,
                web_auth_timeout: d
                    .web_auth_timeout_ms
                    .map(|ms| Duration::from_millis(ms.into())),
                context: self.context.clone(),
                ..Policy::default()
            },
            stop: None,
        };
        Ok(Call {
            options,
            budget: whole.then_some(timeout),
            signal,
            stops_itself: false,
        })
    }
}

/// Runs `op` on the tokio runtime within the call's budget and signal, and settles a Promise
/// with `finish` of its result, or rejects it with the core error as a JS `Error`.
///
/// Only the first lines are generic: `op`'s future is boxed with `finish` as a [`Work`] at once,
/// so the rest (its task, time budget, abort and settlement) is compiled once for all the
/// operations rather than once for each: 284 kB less in the linux-x64-gnu release addon.
pub fn spawn<'env, T, J, Op, Fut, Finish>(
    env: &'env Env,
    call: CoreResult<Call<'env>>,
    op: Op,
    finish: Finish,
) -> napi::Result<PromiseRaw<'env, Js>>
where
    T: Send + 'static,
    J: ToNapiValue + 'static,
    Op: FnOnce(CallOptions) -> Fut,
    Fut: std::future::Future<Output = CoreResult<T>> + Send + 'static,
    Finish: FnOnce(&Env, T) -> napi::Result<J> + Send + 'static,
{
    let settler = &instance(env)?.settler;
    let (options, started) = match start(env, call) {
        Ok(started) => started,
        Err(error) => return rejected(env, error),
    };
    let work = op(options);
    let work: Work = Box::pin(async move {
        let value = work.await?;
        let finish: ToJs =
            Box::new(move |env| unsafe { J::to_napi_value(env.raw(), finish(env, value)?) });
        Ok(finish)
    });
    run(env, settler, started, work)
}

/// An operation's future, its value made ready to become a JS value.
type Work = Pin<Box<dyn Future<Output = CoreResult<ToJs>> + Send>>;

/// Makes an operation's value its JS value, on the JS thread.
type ToJs = Box<dyn FnOnce(&Env) -> napi::Result<napi::sys::napi_value> + Send>;

/// A call's time budget and abort, once its signal is listened to.
struct Started {
    budget: Option<Duration>,
    aborted: Option<Arc<tokio::sync::Notify>>,
    listener: Option<Listener>,
}

/// The options of `call` for its operation, and how it is bounded.
fn start(env: &Env, call: CoreResult<Call>) -> CoreResult<(CallOptions, Started)> {
    let call = call?;
    let abort = call.signal.map(|s| Abort::listen(env, &s)).transpose()?;
    let mut options = call.options;
    let (mut aborted, listener) = abort.map(|a| (a.notify, a.listener)).unzip();
    if call.stops_itself {
        options.stop = aborted.take();
    }
    let started = Started {
        budget: call.budget,
        aborted,
        listener,
    };
    Ok((options, started))
}

/// The rest of [`spawn`], the same for every operation: `work` as a task of its own within the
/// call's budget and signal, its result settling the returned Promise.
fn run<'env>(
    env: &'env Env,
    settler: &Settler,
    started: Started,
    work: Work,
) -> napi::Result<PromiseRaw<'env, Js>> {
    let Started {
        budget,
        aborted,
        listener,
    } = started;
    let activity = Arc::new(Mutex::new(String::new()));
    let work = activity::track(activity.clone(), work);
    let future = async move {
        // The work runs as a task of its own: where it blocks (reading a checkout's files,
        // walking a workspace), it holds up its own worker, not the timer and the abort that
        // end the call. A call that ends early ends the task too.
        let task = tokio::spawn(work);
        let stop_task = task.abort_handle();
        let work = joined(task);
        let bounded = async {
            match budget {
                Some(budget) => {
                    let deadline = tokio::time::Instant::now() + budget + GRACE;
                    match tokio::time::timeout_at(deadline, work).await {
                        Ok(result) => result,
                        Err(_) => Err(timed_out(budget, &activity)),
                    }
                }
                None => work.await,
            }
        };
        let result = match aborted {
            Some(notify) => tokio::select! {
                result = bounded => result,
                _ = notify.notified() => Err(aborted_error()),
            },
            None => bounded.await,
        };
        stop_task.abort();
        result
    };
    settler.spawn(env, future, move |env, result| {
        if let Some(listener) = listener {
            listener.remove(env);
        }
        match result {
            Ok(to_js) => to_js(env),
            Err(error) => Err(js_error(env, error)),
        }
    })
}

/// What the work's task ended with; a panic in it is the call's error. (Unwound further, it
/// would end the task that settles the Promise, which would stay pending for ever and keep
/// Node.js from exiting.) The panic's own message went to stderr, through the panic hook.
async fn joined<T>(task: tokio::task::JoinHandle<CoreResult<T>>) -> CoreResult<T> {
    match task.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(panicked()),
        // Cancelled: only the runtime shutting down does that while the call waits.
        Err(_) => Err(aborted_error()),
    }
}

/// `body`'s result, or `on_panic` of the call's error if it panics. A panic cannot unwind out
/// of a napi callback: one in the synchronous part of a call (reading its options, decoding a
/// token) would abort the Node.js process that loaded the addon.
pub fn guarded<T>(body: impl FnOnce() -> T, on_panic: impl FnOnce(CoreError) -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or_else(|_| on_panic(panicked()))
}

/// A call that panicked: nothing is known of how far it got.
fn panicked() -> CoreError {
    CoreError::new(
        Code::Response,
        "trust-native failed unexpectedly, most likely on an input or an answer it did not \
         expect. If the call was changing something, it may or may not have changed: look before \
         trying again. Please report this.",
    )
}

/// A Promise rejected with `error`, for calls refused before they start.
pub fn rejected<'env>(env: &'env Env, error: CoreError) -> napi::Result<PromiseRaw<'env, Js>> {
    Settler::rejected(env, js_error(env, error))
}

fn timed_out(budget: Duration, activity: &Mutex<String>) -> CoreError {
    let waiting = activity.lock().map(|a| a.clone()).unwrap_or_default();
    let waiting = if waiting.is_empty() {
        String::new()
    } else {
        format!(" while waiting for {waiting}")
    };
    CoreError::new(
        Code::Timeout,
        format!(
            "The call did not finish within {} ms{waiting}.",
            budget.as_millis()
        ),
    )
    .with_hint(Hint::Timeout)
}

fn aborted_error() -> CoreError {
    CoreError::new(
        Code::Aborted,
        "The call was aborted (its `signal`). If it was creating or revoking a configuration, \
         the change may or may not have reached the registry: list the publishers to see where \
         things stand.",
    )
}

/// An `abort` listener on a caller's `AbortSignal`, removed when the call settles so a signal
/// shared by many calls does not collect listeners.
struct Abort {
    notify: Arc<tokio::sync::Notify>,
    listener: Listener,
}

struct Listener {
    signal: ObjectRef<false>,
    function: ObjectRef<false>,
}

impl Abort {
    fn listen(env: &Env, signal: &Object) -> CoreResult<Abort> {
        let not_a_signal = || {
            crate::options::clear_exception(env.raw());
            CoreError::invalid_input("signal", "Option `signal` must be an AbortSignal.")
        };
        let aborted: Unknown = signal
            .get_named_property("aborted")
            .map_err(|_| not_a_signal())?;
        if !matches!(aborted.get_type(), Ok(ValueType::Boolean)) {
            return Err(not_a_signal());
        }
        // SAFETY: the type was checked just above.
        if unsafe { aborted.cast::<bool>() }.unwrap_or(false) {
            return Err(aborted_error());
        }
        let notify = Arc::new(tokio::sync::Notify::new());
        let wake = notify.clone();
        let build = || -> napi::Result<Listener> {
            let function = env.create_function_from_closure::<(), (), _>("onAbort", move |_| {
                // `notify_one` keeps a permit: an abort before the call awaits still counts.
                wake.notify_one();
                Ok(())
            })?;
            let add: Function<FnArgs<(&str, Unknown)>, Unknown> =
                signal.get_named_property("addEventListener")?;
            add.apply(signal, ("abort", function.to_unknown()).into())?;
            Ok(Listener {
                signal: signal.create_ref()?,
                function: function.to_unknown().coerce_to_object()?.create_ref()?,
            })
        };
        let listener = build().map_err(|_| not_a_signal())?;
        Ok(Abort { notify, listener })
    }
}

impl Listener {
    fn remove(self, env: &Env) {
        let remove = || -> napi::Result<()> {
            let signal = self.signal.get_value(env)?;
            let function = self.function.get_value(env)?;
            let remove: Function<FnArgs<(&str, Object)>, Unknown> =
                signal.get_named_property("removeEventListener")?;
            remove.apply(signal, ("abort", function).into())?;
            Ok(())
        };
        let _ = remove();
        let _ = self.signal.unref(env);
        let _ = self.function.unref(env);
    }
}

/// `process.env`, read on the JS thread: the core never reads the process environment itself,
/// which would race with JS code setting variables.
pub fn process_env(env: &Env) -> CoreResult<EnvVars> {
    let read = || -> napi::Result<EnvVars> {
        let process: Object = env.get_global()?.get_named_property("process")?;
        let vars: Object = process.get_named_property("env")?;
        let names = Object::keys(&vars)?;
        let mut snapshot = EnvVars::default();
        for name in names {
            let value: Unknown = vars.get_named_property(&name)?;
            if let Ok(ValueType::String) = value.get_type() {
                // SAFETY: the type was checked just above.
                snapshot.set(&name, &unsafe { value.cast::<String>() }?);
            }
        }
        Ok(snapshot)
    };
    read().map_err(|_| CoreError::new(Code::InvalidInput, "process.env cannot be read."))
}

/// What a Node.js instance (the main thread, or a worker thread) keeps for the addon: the
/// context its free functions share, and the bridge that settles its Promises.
struct Instance {
    context: Arc<Context>,
    settler: Box<Settler>,
}

fn instance(env: &Env) -> napi::Result<&'static Instance> {
    if let Ok(Some(instance)) = env.get_instance_data::<Instance>() {
        return Ok(instance);
    }
    let instance = Instance {
        context: Arc::new(Context::default()),
        settler: Settler::new(env)?,
    };
    env.set_instance_data(instance, (), |_| {})?;
    env.get_instance_data::<Instance>()?
        .map(|instance| &*instance)
        .ok_or_else(|| napi::Error::from_reason("The addon's instance data is missing"))
}

/// `vX.Y.Z` of the running Node.js, for the user agent.
fn node_version(env: &Env) -> Option<String> {
    env.get_node_version()
        .ok()
        .map(|v| format!("v{}.{}.{}", v.major, v.minor, v.patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic in an operation rejects its Promise: let through, it would end the task that
    /// settles the Promise, which would then stay pending, and keep Node.js from exiting.
    #[tokio::test]
    async fn a_panic_in_the_work_is_the_call_s_error() {
        let task = tokio::spawn(async {
            let answer: CoreResult<u8> = Ok(1);
            assert!(answer.is_err(), "an answer it did not expect");
            answer
        });
        let error = joined(task).await.unwrap_err();
        assert_eq!(error.code, Code::Response);
        assert!(
            error.message.contains("failed unexpectedly"),
            "{}",
            error.message
        );
    }

    /// A panic in the synchronous part of a call is its error: it cannot unwind out of the
    /// napi callback, which would abort the process.
    #[test]
    fn a_panic_in_a_synchronous_part_is_its_error() {
        let body = || -> CoreResult<u8> {
            let answer: CoreResult<u8> = Ok(1);
            assert!(answer.is_err(), "an input it did not expect");
            answer
        };
        let error = guarded(body, Err).unwrap_err();
        assert_eq!(error.code, Code::Response);
        assert!(
            error.message.contains("failed unexpectedly"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("Please report this"),
            "{}",
            error.message
        );
    }
}
