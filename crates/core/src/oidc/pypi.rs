//! PyPI's trusted publishing: ask the index for its audience, get an id_token for it, and mint a
//! short-lived upload token. PyPI's refusals (`errors: [{ code, description }]`) keep their codes.

use std::time::Duration;

use reqwest::Url;
use serde::Serialize;
use serde_json::{json, Value};

use super::{id_token_for, jwt};
use crate::config::EnvVars;
use crate::error::{Code, Error, OidcContext, RemoteError, Result, Secrets};
use crate::registry::innermost;
use crate::registry::wire::{capped_body, in_clear, BodyError, MAX_BODY};
use crate::registry::Context;

pub const DEFAULT_REPOSITORY: &str = "https://upload.pypi.org/legacy/";
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default)]
pub struct PypiOptions {
    /// The upload URL twine uses (`https://upload.pypi.org/legacy/`, `https://test.pypi.org/legacy/`).
    pub repository_url: Option<String>,
    pub id_token: Option<String>,
    /// The audience this index's id_tokens are for, when it uses its own (a private
    /// Warehouse's). Default: `pypi` for pypi.org, `testpypi` for test.pypi.org, the host name
    /// for any other index.
    pub audience: Option<String>,
    pub timeout: Option<Duration>,
    pub env: Option<EnvVars>,
    pub context: std::sync::Arc<Context>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PypiToken {
    /// The upload token (`pypi-…`), for twine's password with user `__token__`.
    pub token: String,
    /// Unix seconds, when PyPI says.
    pub expires: Option<i64>,
    pub audience: String,
    /// The index the token is for, e.g. `https://pypi.org/`.
    pub index: String,
}

/// The index that serves `/_/oidc/*` for an upload URL: `upload.pypi.org/legacy/` is
/// `pypi.org`, `test.pypi.org/legacy/` is `test.pypi.org`, anything else loses its `legacy/`.
pub fn index_url(repository_url: &str) -> Result<Url> {
    let mut url = Url::parse(repository_url).map_err(|e| {
        Error::invalid_input(
            "repositoryUrl",
            format!("Invalid repository URL {repository_url}: {e}"),
        )
    })?;
    if url.host_str() == Some("upload.pypi.org") {
        url.set_host(Some("pypi.org")).ok();
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/legacy").unwrap_or(path);
    url.set_path(&format!("{path}/"));
    url.set_query(None);
    Ok(url)
}

/// The audiences the public indexes use, by host.
const KNOWN_AUDIENCES: [(&str, &str); 2] = [("pypi.org", "pypi"), ("test.pypi.org", "testpypi")];
const PUBLIC: &str = "pypi.org uses \"pypi\", test.pypi.org \"testpypi\"";

/// The audience pypi.org or test.pypi.org uses, for their hosts.
fn known_audience(index: &Url) -> Option<&'static str> {
    KNOWN_AUDIENCES
        .iter()
        .find(|(host, _)| index.host_str() == Some(host))
        .map(|(_, audience)| *audience)
}

/// Whether `audience` is pypi.org's or test.pypi.org's, in any case.
fn reserved(audience: &str) -> bool {
    KNOWN_AUDIENCES
        .iter()
        .any(|(_, known)| audience.eq_ignore_ascii_case(known))
}

fn refused(message: String) -> Result<()> {
    Err(Error::new(Code::OidcAudience, message))
}

/// The `audience` option, before anything is asked: printable, and never the public indexes'
/// audience for another index, nor another audience for theirs.
fn check_named(index: &Url, named: Option<&str>) -> Result<()> {
    let Some(named) = named else {
        return Ok(());
    };
    if named.is_empty() || !named.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid_input(
            "audience",
            "The audience option must be the index's audience: printable characters, without \
             spaces.",
        ));
    }
    match known_audience(index) {
        Some(known) if named != known => refused(format!(
            "The `audience` option names \"{named}\" for {index}, whose audience is \
             \"{known}\" ({PUBLIC}). Leave the option out."
        )),
        None if reserved(named) => refused(format!(
            "The `audience` option names \"{named}\", which belongs to another index \
             ({PUBLIC}): a token for it would let {index} upload there as this job, so none was \
             sought or sent. Name this index's own audience."
        )),
        _ => Ok(()),
    }
}

/// The index names the audience of the id_token it is sent, so a hostile one could ask for a
/// token that works elsewhere: `npm:registry.npmjs.org` (an npm publish token), `sigstore`
/// (signing as this job), `sts.amazonaws.com` (a cloud role), or the public indexes' own `pypi`
/// and `testpypi` (an upload to PyPI as this job's projects). So the audience is ours to choose
/// (`named` checked by [`check_named`]), and the index's answer must be it: pypi.org's `pypi`
/// and test.pypi.org's `testpypi` on their hosts only; for any other index, the one the caller
/// names, else the index's own host name, tied to it. It is checked before any id_token is
/// sought.
fn check_audience(index: &Url, named: Option<&str>, asked: &str) -> Result<()> {
    let known = known_audience(index);
    let expected = known
        .or(named)
        .unwrap_or(index.host_str().unwrap_or_default());
    if asked == expected {
        return Ok(());
    }
    // Shown only when it is short and printable: the answer is the index's, not ours.
    let shown = if asked.len() <= 64 && asked.chars().all(|c| c.is_ascii_graphic()) {
        format!(" \"{asked}\"")
    } else {
        String::new()
    };
    let why = if reserved(asked) {
        format!(
            "which belongs to another index ({PUBLIC}): a token for it would let this index \
             upload to that one as this job"
        )
    } else {
        "which is not tied to it: a token for it could be used elsewhere (an npm publish, a \
         signature, a cloud role)"
            .to_string()
    };
    let ask = match (known, named) {
        (Some(_), _) => "Check repositoryUrl.".to_string(),
        (None, Some(_)) => format!(
            "trust-native asks for the audience the `audience` option names, \"{expected}\": \
             check that option and repositoryUrl."
        ),
        (None, None) => format!(
            "trust-native asks an index for its own host name, \"{expected}\", unless the \
             `audience` option names another: if this index is yours and uses its own \
             audience, name it there."
        ),
    };
    refused(format!(
        "{index} asked for an id_token for audience{shown}, {why}, so none was sought or sent. \
         {ask}"
    ))
}

pub async fn mint_pypi_token(options: PypiOptions) -> Result<PypiToken> {
    let env = options.env.clone().unwrap_or_else(EnvVars::from_process);
    let timeout = options.timeout.unwrap_or(TIMEOUT);
    let index = index_url(
        options
            .repository_url
            .as_deref()
            .unwrap_or(DEFAULT_REPOSITORY),
    )?;
    check_named(&index, options.audience.as_deref())?;
    // The index receives an id_token: never in clear across the network.
    if in_clear(&index) {
        return Err(Error::new(
            Code::Insecure,
            format!(
                "Refusing to send an id_token to {} over plain http: anyone on the network could \
                 read it and mint upload tokens. Use the index's https URL as repositoryUrl.",
                index.origin().ascii_serialization()
            ),
        ));
    }
    let http = options.context.http.plain()?;
    let join = |path: &str| {
        index
            .join(path)
            .map_err(|e| Error::invalid_input("repositoryUrl", e.to_string()))
    };

    let audience_url = join("_/oidc/audience")?;
    let answer = send(
        http.get(audience_url.clone()).timeout(timeout),
        &audience_url,
        &Secrets::default(),
    )
    .await?;
    let audience = match answer {
        Answer::Ok(body) => body
            .get("audience")
            .and_then(Value::as_str)
            .map(str::to_string),
        Answer::Refused(status, _) => {
            return Err(Error::new(
                Code::OidcExchange,
                format!(
                    "{index} does not offer trusted publishing ({audience_url} answered {status})."
                ),
            ))
        }
    }
    .ok_or_else(|| {
        Error::new(
            Code::Response,
            format!("{audience_url} answered without an `audience`."),
        )
    })?;

    check_audience(&index, options.audience.as_deref(), &audience)?;
    let id_token = id_token_for(
        &audience,
        options.id_token.clone(),
        None,
        &env,
        &options.context,
    )
    .await?;
    let context = OidcContext {
        claims: Some(id_token.claims.clone()),
        ..OidcContext::default()
    };
    jwt::check(&id_token.jwt(), &audience, jwt::now()).map_err(|e| e.with_oidc(context.clone()))?;

    let mut secrets = Secrets::default();
    secrets.add(&id_token.token);
    let mint_url = join("_/oidc/mint-token")?;
    let request = http
        .post(mint_url.clone())
        .timeout(timeout)
        .json(&json!({ "token": id_token.token }));
    match send(request, &mint_url, &secrets).await? {
        Answer::Ok(body) => {
            let token = body
                .get("token")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::new(
                        Code::Response,
                        format!("{mint_url} answered without a `token`."),
                    )
                })?;
            Ok(PypiToken {
                token,
                expires: body.get("expires").and_then(Value::as_i64),
                audience,
                index: index.to_string(),
            })
        }
        Answer::Refused(status, body) => {
            Err(refusal(status, &body, &secrets).with_oidc(OidcContext {
                errors: remote_errors(&body, &secrets),
                ..context
            }))
        }
    }
}

enum Answer {
    Ok(Value),
    Refused(u16, Value),
}

async fn send(request: reqwest::RequestBuilder, url: &Url, secrets: &Secrets) -> Result<Answer> {
    let failed = |e: reqwest::Error| {
        let code = if e.is_timeout() {
            Code::Timeout
        } else {
            Code::Network
        };
        Error::new(
            code,
            format!("Could not reach {url}: {}", secrets.scrub(&innermost(&e))),
        )
    };
    crate::activity::set(format!("an answer from {url}"));
    let response = request.send().await.map_err(failed)?;
    let status = response.status().as_u16();
    // No redirect is followed: the id_token goes to the index asked, and the upload token it
    // mints comes from there only.
    if response.status().is_redirection() {
        let next = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .map_or_else(
                || "elsewhere".into(),
                |next| next.origin().ascii_serialization(),
            );
        return Err(Error::new(
            Code::Response,
            format!(
                "{url} answered {status} with a redirect to {next}: an index's trusted \
                 publishing is done with {} only (the id_token goes there, the upload token \
                 comes from there), so it was not followed. If the index has moved, use its new \
                 upload URL as repositoryUrl.",
                url.origin().ascii_serialization()
            ),
        ));
    }
    let bytes = capped_body(response).await.map_err(|e| match e {
        BodyError::Transport(e) => failed(e),
        BodyError::TooLarge => Error::new(
            Code::Response,
            format!(
                "{url} answered more than {} MiB; trust-native reads no more.",
                MAX_BODY >> 20
            ),
        ),
    })?;
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        if body.is_null() {
            return Err(Error::new(
                Code::Response,
                format!("{url} answered with something that is not JSON."),
            ));
        }
        Ok(Answer::Ok(body))
    } else {
        Ok(Answer::Refused(status, body))
    }
}

fn remote_errors(body: &Value, secrets: &Secrets) -> Vec<RemoteError> {
    body.get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|e| RemoteError {
                    code: e
                        .get("code")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown")
                        .to_string(),
                    description: secrets.scrub(
                        e.get("description")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    ),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What to do about each of PyPI's error codes.
fn advice(code: &str) -> &'static str {
    match code {
        "invalid-publisher" => "No trusted publisher of the project matches this token: compare with diagnoseTrust.",
        "invalid-pending-publisher" => "A pending publisher matches, but the project name is taken or it cannot be created: check the pending publisher.",
        "invalid-reuse-token" => "This id_token was already used (PyPI accepts each once): request a fresh one.",
        "invalid-token" => "PyPI could not verify the id_token: it may be expired, for another audience, or from an untrusted issuer.",
        "not-enabled" => "Trusted publishing is disabled on this index.",
        "invalid-payload" => "The request was malformed.",
        _ => "",
    }
}

fn refusal(status: u16, body: &Value, secrets: &Secrets) -> Error {
    let errors = remote_errors(body, secrets);
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("Token request failed");
    let details: Vec<String> = errors
        .iter()
        .map(|e| {
            format!("{}: {} {}", e.code, e.description, advice(&e.code))
                .trim_end()
                .to_string()
        })
        .collect();
    Error::new(
        Code::OidcExchange,
        format!(
            "PyPI refused to mint a token ({status} {}). {}",
            secrets.scrub(message),
            details.join(" ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An allowlist: pypi.org gets `pypi`, test.pypi.org `testpypi`; any other index only the
    /// audience the caller names, else its own host name. Whatever else an index asks for (an
    /// npm publish, a signature, a cloud role) is refused.
    /// What `mint_pypi_token` checks: the option, then the index's answer.
    fn check_audience(index: &Url, named: Option<&str>, asked: &str) -> Result<()> {
        check_named(index, named).and_then(|_| super::check_audience(index, named, asked))
    }

    #[test]
    fn an_index_gets_only_an_audience_tied_to_it() {
        let pypi = index_url("https://upload.pypi.org/legacy/").unwrap();
        let private = index_url("https://pypi.example.com/legacy/").unwrap();
        assert!(check_audience(&pypi, None, "pypi").is_ok());
        assert!(check_audience(&private, None, "pypi.example.com").is_ok());
        assert!(check_audience(&private, Some("warehouse-internal"), "warehouse-internal").is_ok());
        for (index, named, audience) in [
            (&pypi, None, "testpypi"),
            (&pypi, None, "npm:registry.npmjs.org"),
            (&pypi, Some("warehouse-internal"), "warehouse-internal"),
            (&private, None, "npm:registry.npmjs.org"),
            (&private, None, "sigstore"),
            (&private, None, "sts.amazonaws.com"),
            (&private, None, "vault"),
            (&private, None, "warehouse-internal"),
            (&private, None, "https://pypi.example.com/"),
            (&private, None, "PYPI.EXAMPLE.COM."),
            (&private, None, ""),
            (&private, Some("warehouse-internal"), "pypi.example.com"),
            (&private, Some("warehouse-internal"), "vault"),
        ] {
            let error = check_audience(index, named, audience).unwrap_err();
            assert_eq!(error.code, Code::OidcAudience, "{audience}");
        }
        let error = check_audience(&private, None, "vault").unwrap_err();
        assert!(
            error.message.contains("\"pypi.example.com\"")
                && error.message.contains("`audience` option"),
            "{}",
            error.message
        );
    }

    /// The public indexes' audiences are real PyPI credentials: another index asking for one
    /// (a loopback one too), or a caller naming one for it, is refused, whatever their case.
    #[test]
    fn the_public_indexes_audiences_are_theirs_alone() {
        for url in [
            "https://pypi.example.com/legacy/",
            "https://pypi.org.evil.example/legacy/",
            "http://127.0.0.1:9/legacy/",
        ] {
            let index = index_url(url).unwrap();
            for audience in ["pypi", "testpypi", "PyPI", "TESTPYPI"] {
                for named in [None, Some(audience)] {
                    let error = check_audience(&index, named, audience).unwrap_err();
                    assert_eq!(error.code, Code::OidcAudience, "{url} {audience}");
                    assert!(error.message.contains("pypi.org"), "{}", error.message);
                }
            }
        }
        let test = index_url("https://test.pypi.org/legacy/").unwrap();
        assert!(check_audience(&test, None, "testpypi").is_ok());
        assert!(check_audience(&test, Some("testpypi"), "testpypi").is_ok());
        assert!(check_audience(&test, None, "pypi").is_err());
    }

    #[test]
    fn upload_urls_map_to_their_index() {
        let idx = |u: &str| index_url(u).unwrap().to_string();
        assert_eq!(idx("https://upload.pypi.org/legacy/"), "https://pypi.org/");
        assert_eq!(
            idx("https://test.pypi.org/legacy/"),
            "https://test.pypi.org/"
        );
        assert_eq!(idx("http://127.0.0.1:9/legacy"), "http://127.0.0.1:9/");
        assert_eq!(
            idx("https://pypi.corp.example/pypi/legacy/"),
            "https://pypi.corp.example/pypi/"
        );
        assert_eq!(
            index_url("not a url").unwrap_err().field.as_deref(),
            Some("repositoryUrl")
        );
    }

    #[test]
    fn refusals_keep_pypis_codes() {
        let body = json!({"message": "Token request failed", "errors": [{"code": "invalid-reuse-token", "description": "invalid token: already used"}]});
        let e = refusal(422, &body, &Secrets::default());
        assert_eq!(e.code, Code::OidcExchange);
        assert!(
            e.message.contains("invalid-reuse-token") && e.message.contains("request a fresh one")
        );
        assert_eq!(
            remote_errors(&body, &Secrets::default())[0].code,
            "invalid-reuse-token"
        );
    }
}
