//! One attempt on the wire: the request, the redirects it meets, and the answer read within a
//! size cap. Credentials go only where they belong: never over plain http to another machine,
//! never to another origin after a redirect; a body that holds a secret neither, and an answer
//! that is one (a new token) comes from the origin asked only.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};

use super::retry::parse_retry_after;
use crate::config::transport::TransportConfig;
use crate::error::{Code, Error, Hint};

/// Largest answer read. Trust configurations are a few hundred bytes; this only stops a broken
/// or hostile server from filling memory.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
const MAX_REDIRECTS: usize = 10;
/// Header names whose values are credentials.
const CREDENTIALS: [&str; 2] = ["authorization", "npm-otp"];

pub struct Attempt<'a> {
    pub http: &'a reqwest::Client,
    /// The settings `http` was built with, to know which proxy a request goes through.
    pub transport: &'a TransportConfig,
    pub method: Method,
    pub url: Url,
    pub headers: &'a [(&'static str, String)],
    pub body: Option<&'a [u8]>,
    pub timeout: Duration,
    /// Follow same-origin redirects with credentials (not for an id_token: it goes to the exchange
    /// endpoint only).
    pub credentials_follow_redirects: bool,
    /// The body or the answer is a credential (a password; a new token): never in clear text,
    /// and a redirect to another origin, whatever its status, is refused (it would send the
    /// body there, or return that origin's token as this one's).
    pub credential: bool,
    pub allow_insecure: bool,
    /// Largest answer read ([`MAX_BODY`], or more for a download).
    pub max_body: usize,
}

pub struct Received {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
    /// Where the answer came from, after redirects.
    pub url: Url,
    /// Set when a redirect led to another origin, which got no credentials.
    pub credentials_withheld_from: Option<String>,
}

pub enum WireError {
    /// Refused before sending.
    Refused(Error),
    /// The request failed in transport; `sent` when the registry may have received it.
    Transport {
        error: reqwest::Error,
        url: Url,
        sent: bool,
    },
    TooLarge {
        url: Url,
    },
}

/// Whether a request to `url` would cross the network in clear text (plain http to a host
/// other than this machine): the one rule for every hop that carries a secret.
pub fn in_clear(url: &Url) -> bool {
    url.scheme() == "http" && !is_loopback(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// `EINSECURE` when credentials would cross the network in clear text: to an http URL of
/// another host, or to any http URL through a proxy on another host (the proxy gets the request
/// as it is; only https is tunnelled through it).
pub(super) fn check_secure(
    url: &Url,
    has_credentials: bool,
    allow_insecure: bool,
    transport: &TransportConfig,
) -> Result<(), Error> {
    if !has_credentials || url.scheme() != "http" || allow_insecure {
        return Ok(());
    }
    let origin = url.origin().ascii_serialization();
    if in_clear(url) {
        return Err(Error::new(
            Code::Insecure,
            format!(
                "Refusing to send credentials to {origin} over plain http: anyone on the network \
                 could read them."
            ),
        )
        .with_hint(Hint::Insecure));
    }
    let proxy = transport
        .proxy_for(url)
        .and_then(|proxy| Url::parse(&proxy).ok())
        .filter(|proxy| !is_loopback(proxy));
    if let Some(proxy) = proxy {
        return Err(Error::new(
            Code::Insecure,
            format!(
                "Refusing to send credentials for {origin} over plain http through the proxy \
                 {}: the proxy, and anyone between, could read them. A registry on this machine \
                 can bypass it: add the host to `noproxy` (NO_PROXY).",
                proxy.host_str().unwrap_or_default()
            ),
        )
        .with_hint(Hint::Insecure));
    }
    Ok(())
}

pub async fn perform(attempt: Attempt<'_>) -> Result<Received, WireError> {
    let origin = attempt.url.origin();
    let mut url = attempt.url.clone();
    let mut method = attempt.method.clone();
    let mut body = attempt.body;
    let mut with_credentials = true;
    let mut withheld = None;
    for _ in 0..=MAX_REDIRECTS {
        let headers = attempt
            .headers
            .iter()
            .filter(|(name, _)| with_credentials || !CREDENTIALS.contains(name));
        let has_credentials = (with_credentials
            && attempt.headers.iter().any(|(n, _)| CREDENTIALS.contains(n)))
            || attempt.credential;
        check_secure(
            &url,
            has_credentials,
            attempt.allow_insecure,
            attempt.transport,
        )
        .map_err(WireError::Refused)?;

        let mut request = attempt
            .http
            .request(method.clone(), url.clone())
            .timeout(attempt.timeout);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.body(body.to_vec());
        }
        let transport = |error: reqwest::Error, url: &Url| WireError::Transport {
            sent: !error.is_connect(),
            error,
            url: url.clone(),
        };
        let response = request.send().await.map_err(|e| transport(e, &url))?;
        let status = response.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            if let Some(next) = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
            {
                if attempt.credential && next.origin() != origin {
                    return Err(WireError::Refused(Error::new(
                        Code::Response,
                        format!(
                            "The registry answered {} {} with a redirect to {}, another origin: \
                             the request carries a secret or its answer is one (a password, a \
                             new token), which only {} may receive or give, so it was not \
                             followed. If the registry has moved, use its new URL.",
                            attempt.method,
                            attempt.url,
                            next.origin().ascii_serialization(),
                            origin.ascii_serialization()
                        ),
                    )));
                }
                if next.origin() != origin || !attempt.credentials_follow_redirects {
                    with_credentials = false;
                    if next.origin() != origin {
                        withheld = Some(next.origin().ascii_serialization());
                    }
                }
                // As browsers do: 303, and 301/302 after a POST, become a GET without body.
                if status == StatusCode::SEE_OTHER
                    || (method == Method::POST && matches!(status.as_u16(), 301 | 302))
                {
                    method = Method::GET;
                    body = None;
                }
                url = next;
                continue;
            }
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let www_authenticate = header("www-authenticate");
        let retry_after = header("retry-after").as_deref().and_then(parse_retry_after);
        let bytes = match capped_body_up_to(response, attempt.max_body).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => return Err(WireError::TooLarge { url }),
            Err(BodyError::Transport(e)) => return Err(transport(e, &url)),
        };
        return Ok(Received {
            status: status.as_u16(),
            www_authenticate,
            retry_after,
            body: bytes,
            url,
            credentials_withheld_from: withheld,
        });
    }
    Err(WireError::Refused(Error::new(
        Code::Response,
        format!("More than {MAX_REDIRECTS} redirects from {}", attempt.url),
    )))
}

/// Why a body was not read.
pub enum BodyError {
    /// More than the cap ([`MAX_BODY`]): an endpoint, hostile or broken, must not fill the memory.
    TooLarge,
    Transport(reqwest::Error),
}

/// A response's body, read up to [`MAX_BODY`] and refused beyond it: every answer trust-native
/// reads (registries, PyPI indexes, CI id-token endpoints) goes through here.
pub async fn capped_body(response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    capped_body_up_to(response, MAX_BODY).await
}

/// [`capped_body`] with another cap: a download's.
pub async fn capped_body_up_to(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if bytes.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for u in [
            "http://127.0.0.1:1/",
            "http://localhost/",
            "http://[::1]:8/",
            "http://127.8.9.10/",
        ] {
            assert!(is_loopback(&Url::parse(u).unwrap()), "{u}");
        }
        for u in [
            "http://10.0.0.1/",
            "http://registry.example/",
            "http://localhost.example/",
        ] {
            assert!(!is_loopback(&Url::parse(u).unwrap()), "{u}");
        }
    }

    #[test]
    fn credentials_over_plain_http_need_consent() {
        let direct = TransportConfig::default();
        let check = |url: &str, credentials, allow, transport| {
            check_secure(&Url::parse(url).unwrap(), credentials, allow, transport)
        };
        let remote = "http://registry.example/";
        assert_eq!(
            check(remote, true, false, &direct).unwrap_err().code,
            Code::Insecure
        );
        assert!(check(remote, true, true, &direct).is_ok());
        assert!(check(remote, false, false, &direct).is_ok());
        assert!(check("https://registry.example/", true, false, &direct).is_ok());
        assert!(check("http://127.0.0.1:4873/", true, false, &direct).is_ok());
        // A loopback registry is only loopback when nothing in between leaves the machine.
        let proxied = |proxy: &str| TransportConfig {
            env_http_proxy: Some(proxy.into()),
            ..TransportConfig::default()
        };
        let through = proxied("http://user:secret@proxy.example:3128");
        let error = check("http://127.0.0.1:4873/", true, false, &through).unwrap_err();
        assert_eq!(error.code, Code::Insecure);
        assert!(error.message.contains("proxy.example") && !error.message.contains("secret"));
        assert!(check("http://127.0.0.1:4873/", false, false, &through).is_ok());
        assert!(check("http://127.0.0.1:4873/", true, true, &through).is_ok());
        let local_proxy = proxied("http://127.0.0.1:3128");
        assert!(check("http://127.0.0.1:4873/", true, false, &local_proxy).is_ok());
    }
}
