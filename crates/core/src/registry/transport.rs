//! HTTP clients: one per registry origin and transport settings (proxy, certificates), shared by
//! every call of the process, so connections are pooled and kept alive across calls and a bulk
//! run pays for TLS once per host. Redirects are not followed here: `Registry` follows them
//! itself, to decide which headers may go along.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::{Certificate, Url};

use crate::config::transport::TransportConfig;
use crate::error::{Code, Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

type Key = (String, TransportConfig);

/// The client for requests to `origin` with `config`, created on first use.
pub fn client(origin: &Url, config: &TransportConfig) -> Result<reqwest::Client> {
    static CLIENTS: OnceLock<Mutex<HashMap<Key, reqwest::Client>>> = OnceLock::new();
    let key = (origin.origin().ascii_serialization(), config.clone());
    let mut clients = CLIENTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(client) = clients.get(&key) {
        return Ok(client.clone());
    }
    let client = build(config)?;
    clients.insert(key, client.clone());
    Ok(client)
}

/// A client for endpoints outside npm's configuration (CI providers' token endpoints, PyPI):
/// system roots, no proxy.
pub fn shared() -> Result<reqwest::Client> {
    static DEFAULT: OnceLock<Url> = OnceLock::new();
    let origin =
        DEFAULT.get_or_init(|| Url::parse("https://default.invalid/").expect("a valid URL"));
    client(
        origin,
        &TransportConfig {
            strict_ssl: true,
            ..TransportConfig::default()
        },
    )
}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<Certificate>> {
    Certificate::from_pem_bundle(pem)
        .ok()
        .filter(|certs| !certs.is_empty())
        .ok_or_else(|| {
            Error::invalid_input(
                what,
                format!("The {what} certificates are not a PEM bundle"),
            )
        })
}

fn build(config: &TransportConfig) -> Result<reqwest::Client> {
    // reqwest is built without a TLS provider of its own choosing; ring keeps the addon free of
    // OpenSSL and of aws-lc's C toolchain on every target. An error here only means another part
    // of the process installed a provider first, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tcp_keepalive(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none());
    let proxied = config.proxy.is_some()
        || config.env_https_proxy.is_some()
        || config.env_http_proxy.is_some();
    builder = if proxied {
        let decide = config.clone();
        builder.proxy(reqwest::Proxy::custom(move |url| decide.proxy_for(url)))
    } else {
        builder.no_proxy()
    };
    if let Some(pem) = &config.ca_only {
        builder = builder.tls_certs_only(certificates(pem, "ca")?);
    }
    if let Some(pem) = &config.ca_extra {
        builder = builder.tls_certs_merge(certificates(pem, "NODE_EXTRA_CA_CERTS")?);
    }
    if !config.strict_ssl {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| Error::new(Code::Network, format!("Cannot set up HTTPS: {e}")))
}
