//! HTTP clients: one per registry origin and transport settings (proxy, certificates), owned by
//! a [`crate::registry::Context`] so a client's calls pool and keep alive their connections and a
//! bulk run pays for TLS once per host. Each origin gets at most `max_sockets` requests in
//! flight (npm's `maxsockets`, 15 by default); the others wait their turn. Redirects are not
//! followed here: `Registry` follows them itself, to decide which headers may go along.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Certificate, Url};
use tokio::sync::Semaphore;

use crate::config::transport::TransportConfig;
use crate::error::{Code, Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// npm's default `maxsockets`: connections per origin.
pub const DEFAULT_MAX_SOCKETS: usize = 15;
/// Distinct origin and settings pairs kept; past this many the pool starts over, so a process
/// that talks to ever new hosts does not grow without bound.
const MAX_CLIENTS: usize = 32;

type Key = (String, TransportConfig);

/// An HTTP client and the permits that bound its requests in flight.
#[derive(Debug, Clone)]
pub struct Pooled {
    pub client: reqwest::Client,
    pub sockets: Arc<Semaphore>,
    /// The settings the client was built with: where its requests really go (a proxy).
    pub transport: Arc<TransportConfig>,
}

pub struct HttpPool {
    clients: Mutex<HashMap<Key, Pooled>>,
    max_sockets: usize,
}

impl Default for HttpPool {
    fn default() -> Self {
        HttpPool::new(DEFAULT_MAX_SOCKETS)
    }
}

impl HttpPool {
    pub fn new(max_sockets: usize) -> Self {
        HttpPool {
            clients: Mutex::default(),
            max_sockets: max_sockets.max(1),
        }
    }

    /// The client for requests to `origin` with `config`, created on first use.
    pub fn client(&self, origin: &Url, config: &TransportConfig) -> Result<Pooled> {
        self.pooled((origin.origin().ascii_serialization(), config.clone()))
    }

    fn pooled(&self, key: Key) -> Result<Pooled> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pooled) = clients.get(&key) {
            return Ok(pooled.clone());
        }
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        let pooled = Pooled {
            client: build(&key.1, self.max_sockets)?,
            sockets: Arc::new(Semaphore::new(self.max_sockets)),
            transport: Arc::new(key.1.clone()),
        };
        clients.insert(key, pooled.clone());
        Ok(pooled)
    }

    /// The client for endpoints outside npm's configuration (CI providers' token endpoints,
    /// PyPI): system roots, no proxy.
    pub fn plain(&self) -> Result<reqwest::Client> {
        let settings = TransportConfig {
            strict_ssl: true,
            ..TransportConfig::default()
        };
        // Not an origin: one client serves every such endpoint.
        self.pooled(("plain".into(), settings))
            .map(|pooled| pooled.client)
    }
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

fn build(config: &TransportConfig, max_sockets: usize) -> Result<reqwest::Client> {
    // reqwest is built without a TLS provider of its own choosing; ring keeps the addon free of
    // OpenSSL and of aws-lc's C toolchain on every target. An error here only means another part
    // of the process installed a provider first, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .pool_max_idle_per_host(max_sockets)
        .tcp_keepalive(Duration::from_secs(30))
        .tcp_nodelay(true)
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
        // reqwest's own text is "builder error"; the cause (e.g. the system's certificate store
        // refusing the extra roots) is what tells the user what to fix.
        .map_err(|e| {
            Error::new(
                Code::Network,
                format!("Cannot set up HTTPS: {}", super::innermost(&e)),
            )
        })
}
