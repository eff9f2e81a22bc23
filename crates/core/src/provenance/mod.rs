//! Provenance as `npm publish` attaches it: the SLSA statement of the CI job (statement.rs),
//! signed with a Fulcio certificate and logged in Rekor (sign.rs), attached to the publish as
//! `<name>-<version>.sigstore`; and when npm attaches it: a trusted publish from a public
//! repository of a public package, `provenance: true`, or a prebuilt bundle (npm's
//! `--provenance-file`); `provenance: false` never.

pub mod sign;
pub mod statement;
pub mod verify;
pub mod x509;

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::{Method, Url};
use serde::Serialize;
use serde_json::{json, Value};

use crate::config::Resolved;
use crate::context::Context;
use crate::error::{Code, Error, Result, Secrets};
use crate::oidc::ci::{detect, Ci};
use crate::oidc::{jwt, sources};
use crate::package::PackageName;
use crate::registry::ApiRequest;
use crate::session::Session;
use statement::{Subject, INTOTO_PAYLOAD_TYPE};

/// Sigstore's public services, which npm signs with.
pub const PUBLIC_FULCIO: &str = "https://fulcio.sigstore.dev/";
pub const PUBLIC_REKOR: &str = "https://rekor.sigstore.dev/";
/// The audience of the id_token Fulcio certifies.
const SIGSTORE_AUDIENCE: &str = "sigstore";
/// Where npm tells users to look at a public Rekor entry.
const PUBLIC_SEARCH: &str = "https://search.sigstore.dev/";

/// Whether to attach provenance (npm's `provenance` and `provenance-file`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Choice {
    /// As npm after a trusted-publishing exchange: when the repository and package are public.
    #[default]
    Auto,
    /// Sign one in GitHub Actions or GitLab CI/CD, or fail saying why not.
    Always,
    Never,
    /// A bundle made elsewhere, checked against the tarball and attached.
    File(PathBuf),
}

/// The Fulcio and Rekor to sign with, and the TrustedRoot a given bundle is verified against.
#[derive(Debug, Clone, PartialEq)]
pub struct Services {
    pub fulcio: Url,
    pub rekor: Url,
    /// Sigstore's public root when `None`.
    pub trusted_root: Option<Value>,
}

impl Default for Services {
    fn default() -> Self {
        let url = |u: &str| Url::parse(u).expect("a valid URL");
        Services {
            fulcio: url(PUBLIC_FULCIO),
            rekor: url(PUBLIC_REKOR),
            trusted_root: None,
        }
    }
}

impl Services {
    /// The public services unless `fulcio`/`rekor` (named by their option, `field`) say.
    pub fn new(fulcio: Option<(&str, &str)>, rekor: Option<(&str, &str)>) -> Result<Services> {
        let parse = |(field, text): (&str, &str)| {
            // Joined as a base: the API paths go below it.
            let text = if text.ends_with('/') {
                text.to_string()
            } else {
                format!("{text}/")
            };
            Url::parse(&text)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    Error::invalid_input(field, format!("`{field}` must be an http(s) URL."))
                })
        };
        let defaults = Services::default();
        Ok(Services {
            fulcio: fulcio.map(parse).transpose()?.unwrap_or(defaults.fulcio),
            rekor: rekor.map(parse).transpose()?.unwrap_or(defaults.rekor),
            trusted_root: None,
        })
    }

    fn logged(&self, log_index: u64, uuid: &str) -> Logged {
        let url = match self.rekor.as_str() == PUBLIC_REKOR {
            true => format!("{PUBLIC_SEARCH}?logIndex={log_index}"),
            false => format!("{}api/v1/log/entries/{uuid}", self.rekor),
        };
        Logged {
            log_index,
            uuid: uuid.to_string(),
            url,
        }
    }
}

/// Where the signed statement is in the transparency log.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Logged {
    pub log_index: u64,
    pub uuid: String,
    /// Where to see it: Sigstore's search for the public log (as npm prints it), else the
    /// log's own entry URL.
    pub url: String,
}

/// The provenance attached to a publish.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attached {
    /// The attachment's name, `<name>-<version>.sigstore`.
    pub file: String,
    /// `signed` (in this job) or `file` (the bundle given).
    pub source: &'static str,
    /// Its entry in the transparency log (a bundle given: the entry it carries).
    pub transparency_log: Option<Logged>,
}

/// What the publish knows when it is about to send.
pub struct Publish<'a> {
    pub choice: &'a Choice,
    pub services: &'a Services,
    /// npm's rule after the exchange said it would attach.
    pub would_attach: bool,
    pub package: &'a PackageName,
    pub version: &'a str,
    /// `dist.integrity`: `sha512-<base64>`.
    pub integrity: &'a str,
    pub access: Option<&'a str>,
    /// The token the publish goes with (to read the package's visibility as npm does).
    pub token: Option<&'a str>,
    pub session: &'a Session<'a>,
    pub resolved: &'a Resolved,
    /// The call's HTTP clients (the CI's token endpoint is outside npm's configuration).
    pub context: &'a Context,
    pub cwd: &'a std::path::Path,
}

/// Adds the `.sigstore` attachment to the packument `body` when npm would, signing it here or
/// taking the given bundle. The id_token used is added to `secrets`.
pub async fn attach(
    body: &mut Value,
    publish: Publish<'_>,
    secrets: &mut Secrets,
) -> Result<Option<Attached>> {
    let subject = Subject {
        name: publish.package.as_str(),
        version: publish.version,
        sha512: &sha512_hex(publish.integrity),
    };
    // The log is the one signed with, or the one a given bundle verified in.
    let (bundle, source, log) = match publish.choice {
        Choice::Never => return Ok(None),
        Choice::Auto if !publish.would_attach => return Ok(None),
        Choice::File(path) => {
            let (bundle, log) = given_bundle(&publish.cwd.join(path), &subject, publish.services)?;
            (bundle, "file", log)
        }
        Choice::Auto | Choice::Always => (
            signed(&publish, &subject, secrets).await?,
            "signed",
            Some(publish.services.rekor.clone()),
        ),
    };
    let services = Services {
        rekor: log.unwrap_or_else(|| publish.services.rekor.clone()),
        ..publish.services.clone()
    };
    let file = format!("{}-{}.sigstore", publish.package, publish.version);
    let data = bundle.to_string();
    body["_attachments"][&file] = json!({
        "content_type": bundle.get("mediaType").cloned().unwrap_or(Value::Null),
        "length": data.len(),
        "data": data,
    });
    Ok(Some(Attached {
        file,
        source,
        transparency_log: logged_in(&bundle, &services),
    }))
}

/// The tarball's sha512, hex, from its SRI integrity.
fn sha512_hex(integrity: &str) -> String {
    let digest = integrity
        .strip_prefix("sha512-")
        .and_then(|b| BASE64.decode(b).ok())
        .unwrap_or_default();
    sign::to_hex(&digest)
}

/// The first log entry of a bundle.
pub(crate) fn logged_in(bundle: &Value, services: &Services) -> Option<Logged> {
    let entry = bundle.pointer("/verificationMaterial/tlogEntries/0")?;
    let log_index = entry.get("logIndex")?.as_str()?.parse().ok()?;
    let body = BASE64
        .decode(entry.get("canonicalizedBody")?.as_str()?)
        .ok()?;
    // Rekor's uuid of an entry is its leaf hash.
    let mut leaf = vec![0u8];
    leaf.extend_from_slice(&body);
    let uuid = sign::to_hex(ring::digest::digest(&ring::digest::SHA256, &leaf).as_ref());
    Some(services.logged(log_index, &uuid))
}

fn refused(message: impl Into<String>) -> Error {
    Error::new(Code::Provenance, message)
}

/// The statement of this job, signed and logged (libnpmpublish's `ensureProvenanceGeneration`
/// and `generateProvenance`).
async fn signed(
    publish: &Publish<'_>,
    subject: &Subject<'_>,
    secrets: &mut Secrets,
) -> Result<Value> {
    let env = &publish.session.config().env;
    let ci = detect(env);
    match ci {
        Some(Ci::GithubActions) if env.non_empty("ACTIONS_ID_TOKEN_REQUEST_URL").is_none() => {
            return Err(refused("Provenance generation in GitHub Actions requires \"write\" access to the \"id-token\" permission: add `permissions: id-token: write` to the job."));
        }
        Some(Ci::Gitlab) if env.non_empty("SIGSTORE_ID_TOKEN").is_none() => {
            return Err(refused("Provenance generation in GitLab CI requires \"SIGSTORE_ID_TOKEN\" with \"sigstore\" audience to be present in \"id_tokens\": add to the job\n  id_tokens:\n    SIGSTORE_ID_TOKEN:\n      aud: sigstore"));
        }
        Some(Ci::GithubActions | Ci::Gitlab) => {}
        _ => {
            return Err(refused(format!(
                "Provenance can be signed only in GitHub Actions or GitLab CI/CD{}: leave `provenance` out, or give a bundle made there with `provenanceFile`.",
                ci.map(|c| format!(", not {}", c.name())).unwrap_or_default()
            )))
        }
    }
    if *publish.choice == Choice::Always && publish.access != Some("public") {
        check_public(publish).await?;
    }
    let statement = ci
        .and_then(|ci| statement::statement(subject, ci, env))
        .expect("a CI checked above");
    let http = publish.context.http.plain()?;
    let (id_token, _) = sources::fetch(SIGSTORE_AUDIENCE, None, env, &http).await?;
    secrets.add(&id_token);
    let claims = jwt::decode(&id_token)?.claims;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let at = |url: &Url| {
        let resolved = Resolved {
            registry: url.clone(),
            ..publish.resolved.clone()
        };
        publish.session.registry(&resolved, "publish")
    };
    let payload = serde_json::to_vec(&statement).map_err(|e| refused(e.to_string()))?;
    let (bundle, _) = sign::sign(
        INTOTO_PAYLOAD_TYPE,
        &payload,
        &id_token,
        &sub,
        &at(&publish.services.fulcio)?,
        &at(&publish.services.rekor)?,
        publish.services,
    )
    .await?;
    Ok(bundle)
}

/// npm signs for a public package only: it asks the registry unless `access` is `public`.
async fn check_public(publish: &Publish<'_>) -> Result<()> {
    let registry = publish
        .session
        .registry(publish.resolved, "publish")?
        .with_credentials(publish.token.map(String::from), None);
    let visibility = registry
        .send(&ApiRequest {
            method: Method::GET,
            path: format!("-/package/{}/visibility", publish.package.escaped()),
            body: None,
            credential: false,
        })
        .await;
    match visibility {
        Ok(v) if v.get("public") == Some(&json!(true)) => Ok(()),
        Ok(_) => Err(refused(
            "Can't generate provenance for new or private package, you must set `access` to public.",
        )),
        Err(e) if e.code == Code::Http(404) => Err(refused(
            "Can't generate provenance for new or private package, you must set `access` to public.",
        )),
        Err(e) => Err(e),
    }
}

/// A bundle given as a file, checked as libnpmpublish checks it: about this tarball, and
/// verified (against the trusted root of `services`).
fn given_bundle(
    path: &std::path::Path,
    subject: &Subject,
    services: &Services,
) -> Result<(Value, Option<Url>)> {
    let invalid = |why: String| {
        Error::invalid_input(
            "provenanceFile",
            format!("Invalid provenance provided in {}: {why}", path.display()),
        )
    };
    let text = crate::read::bytes(path, 16 * 1024 * 1024).map_err(|e| invalid(e.to_string()))?;
    let bundle: Value = serde_json::from_slice(&text).map_err(|e| invalid(e.to_string()))?;
    let statement = bundle
        .pointer("/dsseEnvelope/payload")
        .and_then(Value::as_str)
        .and_then(|p| BASE64.decode(p).ok())
        .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
        .ok_or_else(|| invalid("no dsseEnvelope with a JSON payload".into()))?;
    let subjects = statement
        .get("subject")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let [only] = subjects.as_slice() else {
        return Err(invalid(format!(
            "the statement must have one subject, it has {}",
            subjects.len()
        )));
    };
    let purl = subject.purl();
    if only.get("name").and_then(Value::as_str) != Some(purl.as_str()) {
        return Err(invalid(format!("its subject is not {purl}")));
    }
    if only.pointer("/digest/sha512").and_then(Value::as_str) != Some(subject.sha512) {
        return Err(invalid("its subject's digest is not the tarball's".into()));
    }
    let log = verify::check(&bundle, services.trusted_root.as_ref(), subject)?
        .map_err(|why| invalid(format!("it does not verify: {why}")))?;
    Ok((bundle, log))
}
