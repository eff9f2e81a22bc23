//! How requests reach a registry: the proxy and the certificates to trust, resolved like npm.
//!
//! Proxy (npm-registry-fetch + @npmcli/agent): the `https-proxy` config, else `proxy`; without
//! either, the environment: `https_proxy` for https URLs, `https_proxy`, `http_proxy` or `proxy`
//! for http URLs (any case). `noproxy` config, else `no_proxy`, lists domains (suffix match by
//! labels) that go direct.
//!
//! Certificates: `ca` (inline PEM, or several with `ca[]`) or `cafile` replace the default roots,
//! as in npm; `NODE_EXTRA_CA_CERTS` adds to them; `strict-ssl=false` stops verifying.

use std::path::Path;
use std::sync::Arc;

use reqwest::Url;
use serde::Serialize;

use super::{NpmConfig, Source};
use crate::error::{Code, Error, Result};

/// A PEM bundle, shared: every client lookup of a run clones the transport settings. The
/// system bundle in `NODE_EXTRA_CA_CERTS` is hundreds of kilobytes, and the settings are a
/// connection-pool key looked up on every request: hashing samples the bundle (length and both
/// ends) instead of reading it all, and equality compares the bytes only when the two are not
/// the same allocation.
#[derive(Debug, Clone)]
pub struct Pem(Arc<[u8]>);

impl Pem {
    pub fn from(bytes: impl Into<Arc<[u8]>>) -> Pem {
        Pem(bytes.into())
    }
}

impl std::ops::Deref for Pem {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl PartialEq for Pem {
    fn eq(&self, other: &Pem) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for Pem {}

impl std::hash::Hash for Pem {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        const SAMPLE: usize = 64;
        let bytes = &self.0[..];
        state.write_usize(bytes.len());
        state.write(&bytes[..bytes.len().min(SAMPLE)]);
        state.write(&bytes[bytes.len().saturating_sub(SAMPLE)..]);
    }
}

/// Everything that decides which HTTP client a request needs. Equal settings share a client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TransportConfig {
    /// `https-proxy` or `proxy` from npm config: used for every request.
    pub proxy: Option<String>,
    /// From the environment, used when no proxy is configured.
    pub env_https_proxy: Option<String>,
    pub env_http_proxy: Option<String>,
    pub no_proxy: Vec<String>,
    /// PEM bundle that replaces the default roots (`ca`, `cafile`).
    pub ca_only: Option<Pem>,
    /// PEM bundle added to the default roots (`NODE_EXTRA_CA_CERTS`).
    pub ca_extra: Option<Pem>,
    pub strict_ssl: bool,
}

impl TransportConfig {
    /// The proxy for a URL, or `None` to go direct.
    pub fn proxy_for(&self, url: &Url) -> Option<String> {
        let proxy = self.proxy.clone().or_else(|| match url.scheme() {
            "https" => self.env_https_proxy.clone(),
            _ => self
                .env_https_proxy
                .clone()
                .or_else(|| self.env_http_proxy.clone()),
        })?;
        (!no_proxy_matches(url.host_str().unwrap_or_default(), &self.no_proxy)).then_some(proxy)
    }
}

/// @npmcli/agent's `isNoProxy`: the host's labels end with the entry's labels.
fn no_proxy_matches(host: &str, entries: &[String]) -> bool {
    let host: Vec<&str> = host.split('.').rev().collect();
    entries.iter().any(|entry| {
        let labels: Vec<&str> = entry.split('.').filter(|l| !l.is_empty()).rev().collect();
        !labels.is_empty()
            && labels
                .iter()
                .enumerate()
                .all(|(i, l)| host.get(i) == Some(l))
    })
}

/// Where each transport setting came from, for `resolveConfig()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportReport {
    pub proxy: Option<Sourced>,
    pub no_proxy: Option<Sourced>,
    pub ca: Option<Sourced>,
    pub extra_ca: Option<Sourced>,
    pub strict_ssl: bool,
    /// Settings of the checkout's files that were not applied, and why.
    pub ignored: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced {
    pub value: String,
    pub source: String,
}

/// A proxy URL as a report shows it: its password replaced by `***`.
fn without_password(proxy: &str) -> String {
    match Url::parse(proxy) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => proxy.to_string(),
    }
}

fn sourced(value: impl Into<String>, source: &Source) -> Sourced {
    Sourced {
        value: value.into(),
        source: source.to_string(),
    }
}

/// An environment variable in any case (`HTTPS_PROXY`, `https_proxy`), lowercase first.
fn env_any_case(config: &NpmConfig, name: &str) -> Option<(String, Source)> {
    [name.to_ascii_lowercase(), name.to_ascii_uppercase()]
        .into_iter()
        .find_map(|n| config.env.non_empty(&n).map(|v| (v, Source::Env(n))))
}

fn read_pem(path: &str, field: &str, source: &Source) -> Result<Pem> {
    crate::read::bytes(Path::new(path), crate::read::CONFIG_LIMIT)
        .map(Pem::from)
        .map_err(|e| {
            // Out of descriptors, the file is fine: say what ran out, not that the file is bad.
            if matches!(e.raw_os_error(), Some(23 | 24)) {
                return Error::new(
                    Code::Network,
                    format!(
                        "The process has no file descriptors left (too many open files), so it \
                         could not read {path}: raise the limit (`ulimit -n`), or make fewer calls \
                         at once (one TrustClient, whose maxSockets bounds its connections)."
                    ),
                );
            }
            Error::invalid_input(
                field,
                format!("Cannot read the certificate file {path} (from {source}): {e}"),
            )
        })
}

pub fn resolve(config: &NpmConfig) -> Result<(TransportConfig, TransportReport)> {
    let mut transport = TransportConfig {
        strict_ssl: true,
        ..TransportConfig::default()
    };
    let mut report = TransportReport {
        strict_ssl: true,
        ..TransportReport::default()
    };

    let configured = config
        .setting("https-proxy")
        .or_else(|| config.setting("proxy"))
        .filter(|(v, _)| !v.is_empty() && v != "null");
    if let Some((proxy, source)) = configured {
        report.proxy = Some(sourced(without_password(&proxy), &source));
        transport.proxy = Some(proxy);
    } else {
        let https = env_any_case(config, "https_proxy");
        let http = env_any_case(config, "http_proxy").or_else(|| env_any_case(config, "proxy"));
        report.proxy = https
            .as_ref()
            .or(http.as_ref())
            .map(|(v, s)| sourced(without_password(v), s));
        transport.env_https_proxy = https.map(|(v, _)| v);
        transport.env_http_proxy = http.map(|(v, _)| v);
    }
    let no_proxy = config
        .setting("noproxy")
        .or_else(|| env_any_case(config, "no_proxy"));
    if let Some((list, source)) = no_proxy {
        transport.no_proxy = list
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        report.no_proxy = Some(sourced(&list, &source));
    }

    // A checkout that could trust its own certificate, or none, could read what goes through a
    // proxy it names: these come from the user's files and the environment only.
    let mut users = |key: &str| {
        let (setting, passed_over) = config.users_setting_list(key);
        if let Some(source) = passed_over {
            report.ignored.push(format!(
                "`{key}` in {} is not applied: that file is the checkout's, and a setting that \
                 weakens TLS is taken only from your user .npmrc, the global one or the \
                 environment (npm_config_{}). Put it there if you mean it.",
                match &source {
                    Source::File { path, .. } => path.display().to_string(),
                    other => other.to_string(),
                },
                key.replace('-', "_")
            ));
        }
        setting
    };
    let ca = users("ca");
    let cafile = users("cafile").and_then(|(mut v, s)| Some((v.pop()?, s)));
    let strict_ssl = users("strict-ssl").and_then(|(mut v, s)| Some((v.pop()?, s)));
    if let Some((cas, source)) = ca.filter(|(cas, _)| !cas.is_empty()) {
        // Inline PEM, possibly several entries (`ca[]=`), newlines written as `\n`.
        let pem = cas.join("\n").replace("\\n", "\n");
        transport.ca_only = Some(Pem::from(pem.into_bytes()));
        report.ca = Some(sourced("inline certificate(s)", &source));
    } else if let Some((path, source)) = cafile {
        transport.ca_only = Some(read_pem(&path, "cafile", &source)?);
        report.ca = Some(sourced(&path, &source));
    }
    if let Some(path) = config.env.non_empty("NODE_EXTRA_CA_CERTS") {
        let source = Source::Env("NODE_EXTRA_CA_CERTS".into());
        transport.ca_extra = Some(read_pem(&path, "NODE_EXTRA_CA_CERTS", &source)?);
        report.extra_ca = Some(sourced(&path, &source));
    }
    if let Some((strict, _)) = strict_ssl {
        transport.strict_ssl = strict != "false";
        report.strict_ssl = transport.strict_ssl;
    }
    Ok((transport, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_proxies(
        proxy: Option<&str>,
        https: Option<&str>,
        http: Option<&str>,
        no_proxy: &[&str],
    ) -> TransportConfig {
        TransportConfig {
            proxy: proxy.map(str::to_string),
            env_https_proxy: https.map(str::to_string),
            env_http_proxy: http.map(str::to_string),
            no_proxy: no_proxy.iter().map(|s| s.to_string()).collect(),
            ..TransportConfig::default()
        }
    }

    #[test]
    fn proxy_choice_follows_npm() {
        let https_url = Url::parse("https://registry.npmjs.org/x").unwrap();
        let http_url = Url::parse("http://internal.example/x").unwrap();
        let t = with_proxies(
            None,
            Some("http://secure-proxy:1"),
            Some("http://plain-proxy:2"),
            &[],
        );
        assert_eq!(
            t.proxy_for(&https_url).as_deref(),
            Some("http://secure-proxy:1")
        );
        // npm prefers https_proxy even for http URLs.
        assert_eq!(
            t.proxy_for(&http_url).as_deref(),
            Some("http://secure-proxy:1")
        );
        let t = with_proxies(None, None, Some("http://plain-proxy:2"), &[]);
        assert_eq!(t.proxy_for(&https_url), None);
        assert_eq!(
            t.proxy_for(&http_url).as_deref(),
            Some("http://plain-proxy:2")
        );
        let t = with_proxies(
            Some("http://configured:3"),
            Some("http://env:1"),
            None,
            &["npmjs.org", "example"],
        );
        assert_eq!(t.proxy_for(&https_url), None);
        assert_eq!(t.proxy_for(&http_url), None);
        assert_eq!(
            t.proxy_for(&Url::parse("https://npmjs.com/").unwrap())
                .as_deref(),
            Some("http://configured:3")
        );
    }

    #[test]
    fn no_proxy_matches_whole_labels() {
        let entries = vec!["corp.example".to_string(), ".svc".to_string()];
        assert!(no_proxy_matches("npm.corp.example", &entries));
        assert!(no_proxy_matches("corp.example", &entries));
        assert!(!no_proxy_matches("notcorp.example", &entries));
        assert!(no_proxy_matches("registry.svc", &entries));
        assert!(!no_proxy_matches("anything", &[String::new()]));
    }
}
