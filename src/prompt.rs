//! `onOtp`: a JS callback, sync or async, that the core calls from its own threads when the
//! registry asks for a one-time password.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;

use trust_core::error::{Code, Error as CoreError};
use trust_core::registry::otp::{Answer, Challenge, OtpPrompt};

/// What the registry asks for: `{ type: 'otp' }` (answer the code) or
/// `{ type: 'web', authUrl, doneUrl }` (show `authUrl`; trust-native polls `doneUrl` and
/// continues when the approval is done; answering a code instead also works).
#[napi(object)]
pub struct OtpChallenge {
    #[napi(ts_type = "'otp' | 'web'")]
    pub r#type: String,
    pub auth_url: Option<String>,
    pub done_url: Option<String>,
}

type Reply = Either<Promise<Option<String>>, Option<String>>;

/// Weak: a pending prompt must not keep Node alive once the call that owns it is gone.
struct JsPrompt(ThreadsafeFunction<OtpChallenge, Reply, OtpChallenge, Status, false, true>);

impl OtpPrompt for JsPrompt {
    fn ask(&self, challenge: Challenge) -> Answer<'_> {
        let js = match challenge {
            Challenge::Otp => OtpChallenge {
                r#type: "otp".into(),
                auth_url: None,
                done_url: None,
            },
            Challenge::Web { auth_url, done_url } => OtpChallenge {
                r#type: "web".into(),
                auth_url: Some(auth_url),
                done_url: Some(done_url),
            },
        };
        Box::pin(async move {
            let failed = |e: napi::Error| {
                // A conversion error means the callback answered something other than a code.
                let message = if e.reason.contains("none of these types") {
                    "onOtp must return the code as a string, or nothing to wait for the web \
                     approval."
                        .to_string()
                } else {
                    format!("onOtp failed: {}", e.reason)
                };
                CoreError::new(Code::Otp, message)
            };
            match self.0.call_async_catch(js).await.map_err(failed)? {
                Either::A(promise) => promise.await.map_err(failed),
                Either::B(value) => Ok(value),
            }
        })
    }
}

/// The `onOtp` callback as a prompt the core can call from its threads.
pub fn from_function(callback: Unknown) -> napi::Result<Arc<dyn OtpPrompt>> {
    // SAFETY: the options reader checked that it is a function.
    let callback = unsafe { callback.cast::<Function<OtpChallenge, Reply>>() }?;
    let tsfn = callback
        .build_threadsafe_function::<OtpChallenge>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    Ok(Arc::new(JsPrompt(tsfn)))
}
