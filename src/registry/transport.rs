//! The process-wide HTTP client: one connection pool (keep-alive, HTTP/2 where offered) shared
//! by every call, so a bulk run pays for TLS once per host, not once per package.

use std::sync::OnceLock;
use std::time::Duration;

use crate::error::{Code, Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

pub fn shared() -> Result<reqwest::Client> {
    static CLIENT: OnceLock<std::result::Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(build)
        .clone()
        .map_err(|why| Error::new(Code::Network, format!("Cannot set up HTTPS: {why}")))
}

fn build() -> std::result::Result<reqwest::Client, String> {
    // reqwest is built without a TLS provider of its own choosing; ring keeps the addon free of
    // OpenSSL and of aws-lc's C toolchain on every target. An error here only means another part
    // of the process installed a provider first, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tcp_keepalive(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())
}
