//! "Was this version built by the workflow we trust?": a version's provenance downloaded from
//! the registry's attestations endpoint, verified as sigstore-js verifies a bundle (the
//! certificate chains to a Fulcio CA of the trusted root and was valid when logged; the log's
//! signed entry timestamp, inclusion proof and checkpoint; the log entry is this envelope's;
//! the envelope's signature; the statement's subject is the published tarball), and its
//! signer (Fulcio's CI extensions) compared with the package's trusted publishers or with what
//! the caller expects.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::{Method, Url};
use ring::digest::{digest, SHA256};
use serde::Serialize;
use serde_json::Value;

use super::sign::{pae, to_hex};
use super::statement::Subject;
use super::x509::{self, Certificate, PublicKey};
use super::{Logged, Services};
use crate::error::{Code, Error, Result};
use crate::registry::ApiRequest;
use crate::session::{CallOptions, Session};
use crate::trust::{Publisher, TrustClient};

/// Sigstore's public trusted root (from sigstore-js's TUF seeds), what npm verifies with.
const PUBLIC_TRUSTED_ROOT: &str = include_str!("public_trusted_root.json");

/// What a reader expects of the signer, when not the package's trusted publishers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expectation {
    /// `owner/repo` (GitHub) or `group/project` (GitLab).
    pub repository: Option<String>,
    /// The CI file's name: `release.yml`, `.gitlab-ci.yml`.
    pub workflow: Option<String>,
    /// `refs/heads/main`, `refs/tags/v1.2.0`.
    pub git_ref: Option<String>,
}

impl Expectation {
    /// From the `expect` option: `{ repository?, workflow?, ref? }`, strictly.
    pub fn from_json(value: &Value) -> Result<Expectation> {
        let object = value.as_object().ok_or_else(|| {
            Error::invalid_input(
                "expect",
                "`expect` must be an object { repository, workflow, ref }.",
            )
        })?;
        let mut expectation = Expectation::default();
        for (key, value) in object {
            let text = value.as_str().map(String::from).ok_or_else(|| {
                Error::invalid_input("expect", format!("`expect.{key}` must be a string."))
            })?;
            match key.as_str() {
                "repository" => expectation.repository = Some(text),
                "workflow" => expectation.workflow = Some(text),
                "ref" => expectation.git_ref = Some(text),
                _ => {
                    return Err(Error::invalid_input(
                        "expect",
                        format!(
                            "`expect.{key}` is not known: give `repository`, `workflow` or `ref`."
                        ),
                    ))
                }
            }
        }
        Ok(expectation)
    }
}

pub struct VerifyOptions {
    pub call: CallOptions,
    pub version: String,
    pub expect: Option<Expectation>,
    /// A TrustedRoot JSON to verify with instead of Sigstore's public one.
    pub trusted_root: Option<Value>,
}

/// Who signed: the certificate's identity and Fulcio's CI extensions.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Signer {
    /// The id_token's issuer: `https://token.actions.githubusercontent.com`, `https://gitlab.com`.
    pub issuer: Option<String>,
    /// The certificate's identity: the workflow file at its ref.
    pub identity: Option<String>,
    /// `owner/repo` (`group/project` on GitLab), from the source repository's URI.
    pub repository: Option<String>,
    /// The CI file that ran, by name: `release.yml`.
    pub workflow: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    /// What started the run (`push`, `release`, `workflow_dispatch`...).
    pub trigger: Option<String>,
    /// `github-hosted` or `self-hosted`.
    pub runner_environment: Option<String>,
    /// The run's URL.
    pub run: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub package: String,
    pub version: String,
    /// The statement's type: `https://slsa.dev/provenance/v1` (GitHub), `.../v0.2` (GitLab).
    pub predicate_type: String,
    pub signer: Signer,
    pub transparency_log: Option<Logged>,
    /// What the signer was compared with: `publishers` (the package's trusted publishers) or
    /// `expect`.
    pub checked_against: &'static str,
    /// The signer is one of the package's trusted publishers (or what `expect` says).
    pub trusted: bool,
    /// The trusted publisher whose workflow signed it.
    pub publisher: Option<Publisher>,
    /// In words: who built it and whether that is trusted, or what differs.
    pub reason: String,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Code::Provenance, message)
}

pub async fn verify(options: VerifyOptions) -> Result<Verification> {
    let session = Session::open(&options.call);
    let package = session.package(options.call.package.as_deref())?;
    let resolved = session.resolve(&package)?;
    let registry = session
        .registry(&resolved, "view")?
        .with_credentials(resolved.token.as_ref().map(|t| t.value.clone()), None);
    let version = &options.version;
    let get = |path: String| ApiRequest {
        method: Method::GET,
        path,
        body: None,
        credential: false,
    };
    let attestations = registry
        .send(&get(format!("-/npm/v1/attestations/{}@{version}", package.escaped())))
        .await
        .map_err(|e| match e.code {
            Code::Http(404) => invalid(format!(
                "{package}@{version} has no provenance: it was published without a signed statement of where it was built."
            )),
            _ => e,
        })?;
    let (predicate_type, bundle) = attestations
        .get("attestations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| Some((a.get("predicateType")?.as_str()?, a.get("bundle")?)))
        .find(|(t, _)| t.starts_with("https://slsa.dev/provenance/"))
        .ok_or_else(|| {
            invalid(format!(
                "{package}@{version} has no SLSA provenance attestation."
            ))
        })?;
    let packument = registry.send(&ApiRequest::packument(&package)).await?;
    let integrity = packument
        .pointer(&format!(
            "/versions/{}/dist/integrity",
            version.replace('~', "~0").replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid(format!(
                "{package}@{version} is not in the registry's document of {package}."
            ))
        })?;
    let sha512 = to_hex(
        &integrity
            .strip_prefix("sha512-")
            .and_then(|b| BASE64.decode(b).ok())
            .unwrap_or_default(),
    );
    let root = TrustedRoot::given_or_public(options.trusted_root.as_ref())?;
    let subject = Subject {
        name: package.as_str(),
        version,
        sha512: &sha512,
    };
    let checked = check_bundle(bundle, &root, &subject).map_err(|why| {
        invalid(format!(
            "The provenance of {package}@{version} does not verify: {why}."
        ))
    })?;
    let services = Services {
        rekor: checked.log.clone().unwrap_or(Services::default().rekor),
        ..Services::default()
    };
    let transparency_log = super::logged_in(bundle, &services);
    let signer = checked.signer;
    let built = format!(
        "{package}@{version} was built by {} of {} at {}",
        signer.workflow.as_deref().unwrap_or("an unnamed workflow"),
        signer
            .repository
            .as_deref()
            .unwrap_or("an unnamed repository"),
        signer.git_ref.as_deref().unwrap_or("an unnamed ref"),
    );
    let verification = |checked_against, trusted, publisher, reason: String| Verification {
        package: package.to_string(),
        version: version.clone(),
        predicate_type: predicate_type.to_string(),
        signer: signer.clone(),
        transparency_log: transparency_log.clone(),
        checked_against,
        trusted,
        publisher,
        reason,
    };
    if let Some(expect) = &options.expect {
        let differs = differences(&signer, expect);
        let trusted = differs.is_empty();
        let reason = match trusted {
            true => format!("{built}, as expected."),
            false => format!("{built}, not as expected: {}.", differs.join(", ")),
        };
        return Ok(verification("expect", trusted, None, reason));
    }
    let publishers = TrustClient::new(session.registry_for(&package)?)
        .list(&package)
        .await?;
    let publisher = publishers.into_iter().find(|p| signed_by(p, &signer));
    Ok(match publisher {
        Some(p) => {
            let reason = format!("{built}: its trusted publisher {} ({}).", p.kind, p.id);
            verification("publishers", true, Some(p), reason)
        }
        None => verification(
            "publishers",
            false,
            None,
            format!("{built}, which is none of its trusted publishers."),
        ),
    })
}

/// What differs between the signer and what is expected, in words.
fn differences(signer: &Signer, expect: &Expectation) -> Vec<String> {
    let mut out = vec![];
    let mut compare = |what: &str, expected: &Option<String>, actual: &Option<String>| {
        if let Some(expected) = expected {
            if actual.as_ref() != Some(expected) {
                out.push(format!(
                    "{what} {} instead of {expected}",
                    actual.as_deref().unwrap_or("unknown")
                ));
            }
        }
    };
    compare("repository", &expect.repository, &signer.repository);
    compare("workflow", &expect.workflow, &signer.workflow);
    compare("ref", &expect.git_ref, &signer.git_ref);
    out
}

/// Whether `publisher` names the signer's repository and CI file (the environment, which a
/// publisher may also name, is not in the certificate).
fn signed_by(publisher: &Publisher, signer: &Signer) -> bool {
    let claim = |path: &str| publisher.claims.pointer(path).and_then(Value::as_str);
    let (repository, file) = match publisher.kind.as_str() {
        "github" => (claim("/repository"), claim("/workflow_ref/file")),
        "gitlab" => (claim("/project_path"), claim("/ci_config_ref_uri/file")),
        _ => return false,
    };
    repository.is_some()
        && repository == signer.repository.as_deref()
        && file.is_some()
        && file == signer.workflow.as_deref()
}

/// The parts of a TrustedRoot a verification uses.
struct TrustedRoot {
    /// Each CA's chain (DER, the issuing certificate first) and its validity window.
    authorities: Vec<(Vec<Vec<u8>>, Window)>,
    logs: Vec<Log>,
}

struct Log {
    /// The log's URL, where its entries are.
    url: Option<Url>,
    id: Vec<u8>,
    key: PublicKey,
    window: Window,
}

#[derive(Clone, Copy)]
struct Window {
    start: i64,
    end: i64,
}

impl Window {
    fn of(valid_for: Option<&Value>) -> Window {
        let at = |key: &str| {
            valid_for
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .and_then(iso_time)
        };
        Window {
            start: at("start").unwrap_or(i64::MIN),
            end: at("end").unwrap_or(i64::MAX),
        }
    }

    fn contains(&self, t: i64) -> bool {
        self.start <= t && t <= self.end
    }
}

/// `2021-03-07T03:20:29.000Z` as Unix seconds.
fn iso_time(text: &str) -> Option<i64> {
    let field = |at: usize, len: usize| -> Option<i64> { text.get(at..at + len)?.parse().ok() };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !separators
        .iter()
        .all(|&(at, c)| text.as_bytes().get(at) == Some(&c))
    {
        return None;
    }
    let seconds = field(11, 2)? * 3600 + field(14, 2)? * 60 + field(17, 2)?;
    Some(x509::unix_seconds(
        field(0, 4)?,
        field(5, 2)?,
        field(8, 2)?,
        seconds,
    ))
}

impl TrustedRoot {
    /// `given`, else Sigstore's public root.
    fn given_or_public(given: Option<&Value>) -> Result<TrustedRoot> {
        match given {
            Some(root) => TrustedRoot::from_json(root),
            None => TrustedRoot::from_json(
                &serde_json::from_str(PUBLIC_TRUSTED_ROOT).map_err(|e| invalid(e.to_string()))?,
            ),
        }
    }

    fn from_json(root: &Value) -> Result<TrustedRoot> {
        let bad = |what: &str| {
            invalid(format!(
                "The trusted root is not a Sigstore TrustedRoot: {what}."
            ))
        };
        let b64 = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .and_then(|s| BASE64.decode(s).ok())
        };
        let list = |key: &str| {
            root.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let authorities = list("certificateAuthorities")
            .iter()
            .map(|ca| {
                let chain = ca
                    .pointer("/certChain/certificates")
                    .and_then(Value::as_array)
                    .map(|certs| {
                        certs
                            .iter()
                            .filter_map(|c| b64(c.get("rawBytes")))
                            .collect::<Vec<_>>()
                    })
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| bad("a certificate authority without certificates"))?;
                Ok((chain, Window::of(ca.get("validFor"))))
            })
            .collect::<Result<Vec<_>>>()?;
        // Logs with other keys (Rekor v2's Ed25519) sign no bundle npm makes: left out.
        let logs = list("tlogs")
            .iter()
            .filter_map(|log| {
                Some(Log {
                    url: log
                        .get("baseUrl")
                        .and_then(Value::as_str)
                        .and_then(|u| Url::parse(&format!("{}/", u.trim_end_matches('/'))).ok()),
                    key: PublicKey::from_spki(&b64(log.pointer("/publicKey/rawBytes"))?)?,
                    id: b64(log.pointer("/logId/keyId"))?,
                    window: Window::of(log.pointer("/publicKey/validFor")),
                })
            })
            .collect::<Vec<_>>();
        if logs.is_empty() {
            return Err(bad("no transparency log with an ECDSA key"));
        }
        Ok(TrustedRoot { authorities, logs })
    }
}

/// Whether `bundle` verifies against `trusted_root` (Sigstore's public one when `None`) and is
/// about `subject` (as libnpmpublish runs sigstore.verify on a provenance file): the URL of the
/// log that holds it, or why not.
pub(crate) fn check(
    bundle: &Value,
    trusted_root: Option<&Value>,
    subject: &Subject,
) -> Result<std::result::Result<Option<Url>, String>> {
    let root = TrustedRoot::given_or_public(trusted_root)?;
    Ok(check_bundle(bundle, &root, subject).map(|checked| checked.log))
}

struct Checked {
    signer: Signer,
    /// The URL of the log that holds the entry.
    log: Option<Url>,
}

/// sigstore-js's checks of a DSSE bundle, and libnpmpublish's of its subject. Answers why not.
fn check_bundle(
    bundle: &Value,
    root: &TrustedRoot,
    subject: &Subject,
) -> std::result::Result<Checked, String> {
    let b64 = |path: &str| -> std::result::Result<Vec<u8>, String> {
        bundle
            .pointer(path)
            .and_then(Value::as_str)
            .and_then(|s| BASE64.decode(s).ok())
            .ok_or_else(|| format!("the bundle has no {path}"))
    };
    let text = |path: &str| -> std::result::Result<String, String> {
        bundle
            .pointer(path)
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| format!("the bundle has no {path}"))
    };
    // v0.3 has the signing certificate alone; v0.1 and v0.2, a chain starting with it.
    let leaf_der = b64("/verificationMaterial/certificate/rawBytes")
        .or_else(|_| b64("/verificationMaterial/x509CertificateChain/certificates/0/rawBytes"))?;
    let leaf = Certificate::parse(&leaf_der).ok_or("its certificate cannot be read")?;
    let payload = b64("/dsseEnvelope/payload")?;
    let payload_type = text("/dsseEnvelope/payloadType")?;
    let signature = b64("/dsseEnvelope/signatures/0/sig")?;
    let entry = "/verificationMaterial/tlogEntries/0";
    let body = b64(&format!("{entry}/canonicalizedBody"))?;
    let integrated_time: i64 = text(&format!("{entry}/integratedTime"))?
        .parse()
        .map_err(|_| "its log time is not a number")?;
    let log_index: u64 = text(&format!("{entry}/logIndex"))?
        .parse()
        .map_err(|_| "its log index is not a number")?;
    let log_id = b64(&format!("{entry}/logId/keyId"))?;

    // The log: its signed entry timestamp, and the inclusion proof under a signed checkpoint.
    let log = root
        .logs
        .iter()
        .find(|l| l.id == log_id && l.window.contains(integrated_time))
        .ok_or("it was logged in a transparency log the trusted root does not name")?;
    let set = b64(&format!("{entry}/inclusionPromise/signedEntryTimestamp"))?;
    let promise = format!(
        r#"{{"body":"{}","integratedTime":{integrated_time},"logID":"{}","logIndex":{log_index}}}"#,
        BASE64.encode(&body),
        to_hex(&log_id)
    );
    if !log.key.verify("sha256", promise.as_bytes(), &set) {
        return Err("the log's signed entry timestamp does not verify".into());
    }
    if bundle.pointer(&format!("{entry}/inclusionProof")).is_some() {
        check_inclusion(bundle, entry, &body, log)?;
    }

    // The entry is this envelope's: same signature, same payload.
    let entry_body: Value =
        serde_json::from_slice(&body).map_err(|_| "its log entry is not JSON")?;
    let payload_hash = to_hex(digest(&SHA256, &payload).as_ref());
    let (logged_sig, logged_hash) = match entry_body.get("kind").and_then(Value::as_str) {
        Some("dsse") => (
            entry_body
                .pointer("/spec/signatures/0/signature")
                .and_then(Value::as_str)
                .and_then(|s| BASE64.decode(s).ok()),
            entry_body
                .pointer("/spec/payloadHash/value")
                .and_then(Value::as_str),
        ),
        // Older npm bundles: the signature base64 twice over.
        Some("intoto") => (
            entry_body
                .pointer("/spec/content/envelope/signatures/0/sig")
                .and_then(Value::as_str)
                .and_then(|s| BASE64.decode(s).ok())
                .and_then(|s| BASE64.decode(s).ok()),
            entry_body
                .pointer("/spec/content/payloadHash/value")
                .and_then(Value::as_str),
        ),
        _ => (None, None),
    };
    if logged_sig.as_deref() != Some(&signature[..]) || logged_hash != Some(payload_hash.as_str()) {
        return Err("its log entry is not the one of this signature and statement".into());
    }

    // The certificate: issued by a trusted Fulcio, valid when the signature was logged.
    let chained = root.authorities.iter().any(|(chain, window)| {
        let certs: Vec<Certificate> = chain.iter().filter_map(|c| Certificate::parse(c)).collect();
        window.contains(integrated_time)
            && certs.len() == chain.len()
            && leaf.signed_by(&certs[0])
            && certs.windows(2).all(|pair| pair[0].signed_by(&pair[1]))
            && std::iter::once(&leaf)
                .chain(certs.iter())
                .all(|c| c.valid_at(integrated_time))
    });
    if !chained {
        return Err("its certificate was not issued by a certificate authority of the trusted root, or had expired when it was logged".into());
    }
    if !leaf
        .public_key
        .verify("sha256", &pae(&payload_type, &payload), &signature)
    {
        return Err("the statement's signature does not verify with its certificate".into());
    }

    // The statement is about this tarball (libnpmpublish's check of a provenance file).
    let statement: Value =
        serde_json::from_slice(&payload).map_err(|_| "its statement is not JSON")?;
    let subjects = statement
        .get("subject")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let purl = subject.purl();
    let matches = subjects.len() == 1
        && subjects[0].get("name").and_then(Value::as_str) == Some(purl.as_str())
        && subjects[0]
            .pointer("/digest/sha512")
            .and_then(Value::as_str)
            == Some(subject.sha512);
    if !matches {
        return Err(format!(
            "its statement is not about {purl} with the published tarball's sha512"
        ));
    }
    Ok(Checked {
        signer: signer_of(&leaf),
        log: log.url.clone(),
    })
}

/// RFC 6962 inclusion of the entry in the tree its checkpoint, signed by the log, describes.
fn check_inclusion(
    bundle: &Value,
    entry: &str,
    body: &[u8],
    log: &Log,
) -> std::result::Result<(), String> {
    let proof = bundle
        .pointer(&format!("{entry}/inclusionProof"))
        .ok_or("no proof")?;
    let number = |key: &str| {
        proof
            .get(key)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
    };
    let index = number("logIndex").ok_or("its inclusion proof has no index")?;
    let hashes: Vec<Vec<u8>> = proof
        .get("hashes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|h| h.as_str().and_then(|s| BASE64.decode(s).ok()))
        .collect::<Option<_>>()
        .ok_or("its inclusion proof's hashes cannot be read")?;
    let envelope = proof
        .pointer("/checkpoint/envelope")
        .and_then(Value::as_str)
        .ok_or("its inclusion proof has no checkpoint")?;
    let split = envelope
        .find("\n\n")
        .ok_or("its checkpoint is not a signed note")?;
    let note = &envelope[..split + 1];
    let signed = envelope[split + 2..].lines().filter_map(|line| {
        let sig = BASE64
            .decode(line.strip_prefix('\u{2014}')?.trim().split(' ').nth(1)?)
            .ok()?;
        (sig.len() > 4 && sig[..4] == log.id[..4]).then(|| sig[4..].to_vec())
    });
    if !signed
        .into_iter()
        .any(|sig| log.key.verify("sha256", note.as_bytes(), &sig))
    {
        return Err("its checkpoint is not signed by the log".into());
    }
    let mut lines = note.lines().skip(1);
    let size: u64 = lines
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or("its checkpoint has no tree size")?;
    let root = lines
        .next()
        .and_then(|s| BASE64.decode(s).ok())
        .ok_or("its checkpoint has no root hash")?;
    if index >= size {
        return Err("its inclusion proof's index is outside the tree".into());
    }
    let node = |left: &[u8], right: &[u8]| {
        let mut data = vec![1u8];
        data.extend_from_slice(left);
        data.extend_from_slice(right);
        digest(&SHA256, &data).as_ref().to_vec()
    };
    let mut leaf = vec![0u8];
    leaf.extend_from_slice(body);
    let mut hash = digest(&SHA256, &leaf).as_ref().to_vec();
    // As sigstore-js (after Trillian): the inner hashes go by the index's bits, the border
    // ones are all left siblings.
    let inner = (64 - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    if hashes.len() != inner + border {
        return Err("its inclusion proof has the wrong number of hashes".into());
    }
    for (i, sibling) in hashes.iter().enumerate() {
        hash = match i < inner && (index >> i) & 1 == 0 {
            true => node(&hash, sibling),
            false => node(sibling, &hash),
        };
    }
    if hash != root {
        return Err("its inclusion proof does not lead to the checkpoint's root".into());
    }
    Ok(())
}

/// The signer, from the certificate's SAN and Fulcio's extensions.
fn signer_of(leaf: &Certificate) -> Signer {
    let config = leaf.fulcio(18).or_else(|| leaf.subject_alternative_name());
    // `https://github.com/o/r/.github/workflows/release.yml@refs/heads/main` -> `release.yml`.
    let workflow = config.as_deref().map(|uri| {
        let path = uri.split('@').next().unwrap_or(uri);
        path.rsplit('/').next().unwrap_or(path).to_string()
    });
    let repository = leaf.fulcio(12).map(|uri| {
        let without_scheme = uri.split_once("://").map_or(uri.as_str(), |(_, rest)| rest);
        without_scheme
            .split_once('/')
            .map_or(without_scheme, |(_, path)| path)
            .to_string()
    });
    Signer {
        issuer: leaf.fulcio(8).or_else(|| leaf.fulcio(1)),
        identity: leaf.subject_alternative_name(),
        repository,
        workflow,
        git_ref: leaf.fulcio(14),
        commit: leaf.fulcio(13),
        trigger: leaf.fulcio(20),
        runner_environment: leaf.fulcio(11),
        run: leaf.fulcio(21),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_and_the_public_root_read() {
        assert_eq!(iso_time("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(iso_time("2021-03-07T03:20:29.000Z"), Some(1615087229));
        let root =
            TrustedRoot::from_json(&serde_json::from_str(PUBLIC_TRUSTED_ROOT).unwrap()).unwrap();
        assert!(!root.authorities.is_empty() && !root.logs.is_empty());
        for (chain, _) in &root.authorities {
            assert!(chain.iter().all(|c| Certificate::parse(c).is_some()));
        }
    }

    #[test]
    fn expectations_are_read_strictly() {
        let e = Expectation::from_json(
            &serde_json::json!({ "repository": "acme/widgets", "ref": "refs/heads/main" }),
        )
        .unwrap();
        assert_eq!(e.git_ref.as_deref(), Some("refs/heads/main"));
        assert!(Expectation::from_json(&serde_json::json!({ "repo": "acme/widgets" })).is_err());
    }
}
