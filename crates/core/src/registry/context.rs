//! What one client owns and its calls share: HTTP connection pools, and the one-time passwords it
//! obtained with the lock that keeps 2FA prompts one at a time. Nothing here is process-wide: two
//! contexts never see each other's OTPs or connections, and dropping a context frees everything
//! it held.

use std::sync::Arc;

use super::otp::OtpStore;
use super::HttpPool;

#[derive(Default)]
pub struct Context {
    pub(crate) http: HttpPool,
    pub(crate) otp: Arc<OtpStore>,
}

impl Context {
    pub fn with_pool(http: HttpPool) -> Context {
        Context {
            http,
            otp: Arc::default(),
        }
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Context")
    }
}
