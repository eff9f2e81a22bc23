//! `onOtp`: a JS callback, sync or async, that the core calls from its own threads when the
//! registry asks for a one-time password. Each challenge carries an `AbortSignal` that aborts
//! when the answer is no longer awaited (the web approval came through the browser, or the call
//! ended), so a prompt can stop waiting for a typed code.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use trust_core::error::{Code, Error as CoreError};
use trust_core::registry::otp::{Answer, Challenge, OtpPrompt};

/// What the registry asks for: `{ type: 'otp' }` (answer the code) or
/// `{ type: 'web', authUrl, doneUrl }` (show `authUrl`; trust-native polls `doneUrl` and
/// continues when the approval is done; answering a code instead also works).
#[napi(object)]
#[allow(dead_code)] // Declares the TypeScript type; the value is built by `Asked`.
pub struct OtpChallenge {
    #[napi(ts_type = "'otp' | 'web'")]
    pub r#type: String,
    pub auth_url: Option<String>,
    pub done_url: Option<String>,
    /// Aborts when the answer is no longer awaited: the web approval was completed in the
    /// browser, or the call ended (its time ran out, or its `signal` aborted). A prompt that
    /// waits for a typed code can stop waiting then. The abort event comes through its own
    /// queue, so it may follow the call's settlement by a moment.
    #[napi(ts_type = "AbortSignal")]
    pub signal: serde_json::Value,
}

type Reply = Either<Promise<Option<String>>, Option<String>>;

/// Weak: a pending prompt must not keep Node alive once the call that owns it is gone.
struct JsPrompt(ThreadsafeFunction<Asked, Reply, Asked, Status, false, true>);

/// The challenge's `AbortController.abort`, callable from any thread.
type AbortFn = ThreadsafeFunction<(), (), (), Status, false, true>;

/// Where a challenge's abort stands: JS has not made its controller yet, has made it, or the
/// answer stopped being awaited before it did (the controller then starts aborted).
#[derive(Default)]
enum Abort {
    #[default]
    Pending,
    Made(AbortFn),
    Aborted,
}

fn lock(abort: &Mutex<Abort>) -> std::sync::MutexGuard<'_, Abort> {
    abort.lock().unwrap_or_else(|e| e.into_inner())
}

/// A challenge on its way to `onOtp`, and the way back to abort its signal.
struct Asked {
    challenge: Challenge,
    abort: Arc<Mutex<Abort>>,
}

impl ToNapiValue for Asked {
    unsafe fn to_napi_value(raw: sys::napi_env, asked: Asked) -> napi::Result<sys::napi_value> {
        let env = Env::from_raw(raw);
        let mut object = Object::new(&env)?;
        match asked.challenge {
            Challenge::Otp => object.set("type", "otp")?,
            Challenge::Web { auth_url, done_url } => {
                object.set("type", "web")?;
                object.set("authUrl", auth_url)?;
                object.set("doneUrl", done_url)?;
            }
        }
        let class: Function<(), Unknown> =
            env.get_global()?.get_named_property("AbortController")?;
        let controller = class.new_instance(())?.coerce_to_object()?;
        object.set(
            "signal",
            controller.get_named_property::<Unknown>("signal")?,
        )?;
        let abort: Function<(), ()> = controller.get_named_property("abort")?;
        let abort = abort.bind(controller)?;
        let mut state = lock(&asked.abort);
        if matches!(*state, Abort::Aborted) {
            abort.call(())?;
        } else {
            *state = Abort::Made(
                abort
                    .build_threadsafe_function()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build()?,
            );
        }
        Object::to_napi_value(raw, object)
    }
}

/// Aborts the challenge's signal if the core stops awaiting the answer before JS gave it.
struct AbortUnlessAnswered {
    abort: Arc<Mutex<Abort>>,
    answered: bool,
}

impl Drop for AbortUnlessAnswered {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        if let Abort::Made(abort) = std::mem::replace(&mut *lock(&self.abort), Abort::Aborted) {
            abort.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

impl OtpPrompt for JsPrompt {
    fn ask(&self, challenge: Challenge) -> Answer<'_> {
        Box::pin(async move {
            let failed = |e: napi::Error| {
                // A conversion error means the callback answered something other than a code.
                let message = if e.reason.contains("none of these types") {
                    "onOtp must return the code as a string, or nothing to wait for the web \
                     approval."
                        .to_string()
                } else {
                    let reason = e.reason.trim_end_matches('.');
                    format!("Asking for a one-time password failed: {reason}.")
                };
                CoreError::new(Code::Otp, message)
            };
            let abort = Arc::new(Mutex::new(Abort::Pending));
            let mut guard = AbortUnlessAnswered {
                abort: abort.clone(),
                answered: false,
            };
            let answer = match self.0.call_async_catch(Asked { challenge, abort }).await {
                Ok(Either::A(promise)) => promise.await,
                Ok(Either::B(value)) => Ok(value),
                Err(e) => Err(e),
            };
            guard.answered = true;
            answer.map_err(failed)
        })
    }
}

/// The `onOtp` callback as a prompt the core can call from its threads.
pub fn from_function(callback: Unknown) -> napi::Result<Arc<dyn OtpPrompt>> {
    // SAFETY: the options reader checked that it is a function.
    let callback = unsafe { callback.cast::<Function<Asked, Reply>>() }?;
    let tsfn = callback
        .build_threadsafe_function::<Asked>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    Ok(Arc::new(JsPrompt(tsfn)))
}
