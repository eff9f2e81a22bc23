//! Promises settled from the tokio thread through one threadsafe function per Node.js instance.
//!
//! napi-rs's own future-to-Promise bridge creates a threadsafe function for every Promise: a libuv
//! async handle, an async resource and two environment cleanup hooks made and torn down on the
//! JS thread for each call, most of a call's main-thread time (measured with perf on
//! bench/per-call.mjs). Here every call's settlement goes through the same threadsafe function,
//! which is referenced only while calls are in flight, so an idle addon keeps nothing alive and a
//! pending call keeps Node running until it settles.

use std::cell::Cell;
use std::ffi::c_void;
use std::future::Future;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;

/// What runs on the JS thread to settle one Promise.
type Settlement = Box<dyn FnOnce(&Env, &Settler) + Send>;

/// A raw pointer that only the JS thread dereferences, carried through the tokio thread.
struct JsThreadOnly<T>(T);
// SAFETY: the wrapped napi handles are only used on the JS thread, in `call_js`.
unsafe impl<T> Send for JsThreadOnly<T> {}

pub struct Settler {
    tsfn: sys::napi_threadsafe_function,
    /// Calls in flight; the threadsafe function keeps the event loop alive while this is not 0.
    /// Only the JS thread reads or writes it.
    in_flight: Cell<usize>,
}

impl Settler {
    /// Creates the settler of `env`; it lives as long as the environment.
    pub fn new(env: &Env) -> Result<Box<Settler>> {
        let mut settler = Box::new(Settler {
            tsfn: ptr::null_mut(),
            in_flight: Cell::new(0),
        });
        let mut name = ptr::null_mut();
        let text = "trust-native settle";
        check(unsafe {
            sys::napi_create_string_utf8(
                env.raw(),
                text.as_ptr().cast(),
                text.len() as isize,
                &mut name,
            )
        })?;
        let context: *mut Settler = &mut *settler;
        check(unsafe {
            sys::napi_create_threadsafe_function(
                env.raw(),
                ptr::null_mut(),
                ptr::null_mut(),
                name,
                0,
                1,
                ptr::null_mut(),
                None,
                context.cast(),
                Some(call_js),
                &mut settler.tsfn,
            )
        })?;
        // Idle until a call is in flight.
        check(unsafe { sys::napi_unref_threadsafe_function(env.raw(), settler.tsfn) })?;
        Ok(settler)
    }

    /// Runs `future` on the tokio runtime and settles the returned Promise on the JS thread with
    /// `settle(env, output)`: `Ok` resolves it with the value, `Err` rejects it with the error.
    pub fn spawn<'env, T, F, S>(
        &self,
        env: &'env Env,
        future: F,
        settle: S,
    ) -> Result<PromiseRaw<'env, crate::to_js::Js>>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        S: FnOnce(&Env, T) -> Result<sys::napi_value> + Send + 'static,
    {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        check(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
        if self.in_flight.get() == 0 {
            check(unsafe { sys::napi_ref_threadsafe_function(env.raw(), self.tsfn) })?;
        }
        self.in_flight.set(self.in_flight.get() + 1);
        let tsfn = JsThreadOnly(self.tsfn);
        let deferred = JsThreadOnly(deferred);
        napi::bindgen_prelude::spawn(async move {
            let output = future.await;
            let settlement: Settlement = Box::new(move |env, settler| {
                let deferred = deferred;
                let settled = settle(env, output);
                let status = match settled {
                    Ok(value) => unsafe {
                        sys::napi_resolve_deferred(env.raw(), deferred.0, value)
                    },
                    Err(error) => unsafe {
                        let reason = JsError::from(error).into_value(env.raw());
                        sys::napi_reject_deferred(env.raw(), deferred.0, reason)
                    },
                };
                debug_assert_eq!(status, sys::Status::napi_ok);
                settler.finished(env);
            });
            let data = Box::into_raw(Box::new(settlement));
            let tsfn = tsfn;
            let status = unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn.0,
                    data.cast(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
            if status != sys::Status::napi_ok {
                // The environment is shutting down: nobody waits for this Promise any more.
                drop(unsafe { Box::from_raw(data) });
            }
        });
        Ok(PromiseRaw::new(env.raw(), promise))
    }

    /// A Promise already rejected with `error`, for calls refused before they start: nothing
    /// goes through the runtime.
    pub fn rejected(env: &Env, error: Error) -> Result<PromiseRaw<'_, crate::to_js::Js>> {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        check(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
        let reason = unsafe { JsError::from(error).into_value(env.raw()) };
        check(unsafe { sys::napi_reject_deferred(env.raw(), deferred, reason) })?;
        Ok(PromiseRaw::new(env.raw(), promise))
    }

    fn finished(&self, env: &Env) {
        let left = self.in_flight.get().saturating_sub(1);
        self.in_flight.set(left);
        if left == 0 {
            unsafe { sys::napi_unref_threadsafe_function(env.raw(), self.tsfn) };
        }
    }
}

/// Runs a settlement on the JS thread. `env` is null when the environment is tearing down and
/// the queue is being drained: the settlement is then dropped unrun.
unsafe extern "C" fn call_js(
    env: sys::napi_env,
    _callback: sys::napi_value,
    context: *mut c_void,
    data: *mut c_void,
) {
    let settlement = unsafe { Box::from_raw(data.cast::<Settlement>()) };
    if env.is_null() || context.is_null() {
        return;
    }
    let settler = unsafe { &*context.cast::<Settler>() };
    let env = Env::from_raw(env);
    settlement(&env, settler);
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            "Cannot set up the Promise bridge",
        ))
    }
}
