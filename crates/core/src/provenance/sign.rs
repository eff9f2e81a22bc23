//! Signing a statement as sigstore-js does for npm: an ephemeral P-256 key, a ten-minute
//! certificate for it from Fulcio (for the job's `sigstore` id_token, with the token's subject
//! signed as proof of possession), the statement signed in a DSSE envelope, the envelope
//! logged in Rekor as a `dsse` entry, and all of it as a Sigstore bundle (v0.3 JSON).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::Method;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde_json::{json, Value};

use super::{Logged, Services};
use crate::error::{Code, Error, Result};
use crate::registry::{ApiRequest, Registry};

pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// The DER prefix of a P-256 public key's SubjectPublicKeyInfo (id-ecPublicKey, prime256v1),
/// before its 65-byte uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// DSSE's pre-authentication encoding: what an envelope's signature signs.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// PEM of `der` under `label`, in 64-column lines.
fn pem(label: &str, der: &[u8]) -> String {
    let body = BASE64.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The DER inside the first PEM block of `text`.
pub fn pem_der(text: &str) -> Option<Vec<u8>> {
    let start = text.find("-----BEGIN")?;
    let body_start = start + text[start..].find('\n')? + 1;
    let end = body_start + text[body_start..].find("-----END")?;
    let body: String = text[body_start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    BASE64.decode(body).ok()
}

fn failed(service: &str, what: impl std::fmt::Display) -> Error {
    Error::new(
        Code::Provenance,
        format!("Could not sign the provenance statement: {service} {what}"),
    )
}

/// Signs `payload` (the statement, as sent) and logs it. `subject` is the id_token's `sub`.
pub async fn sign(
    payload_type: &str,
    payload: &[u8],
    id_token: &str,
    subject: &str,
    fulcio: &Registry,
    rekor: &Registry,
    services: &Services,
) -> Result<(Value, Logged)> {
    let rng = SystemRandom::new();
    let key = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
        .and_then(|pkcs8| {
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
                .map_err(|_| ring::error::Unspecified)
        })
        .map_err(|_| failed("the ephemeral key", "could not be made"))?;
    let sign = |data: &[u8]| {
        key.sign(&rng, data)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| failed("the ephemeral key", "could not sign"))
    };
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(key.public_key().as_ref());

    let certificate = fulcio
        .send(&ApiRequest {
            method: Method::POST,
            path: "api/v2/signingCert".into(),
            body: Some(json!({
                "credentials": { "oidcIdentityToken": id_token },
                "publicKeyRequest": {
                    "publicKey": { "algorithm": "ECDSA", "content": pem("PUBLIC KEY", &spki) },
                    "proofOfPossession": BASE64.encode(sign(subject.as_bytes())?),
                },
            })),
            credential: true,
        })
        .await?;
    let chain = certificate
        .get("signedCertificateEmbeddedSct")
        .or_else(|| certificate.get("signedCertificateDetachedSct"))
        .and_then(|c| c.pointer("/chain/certificates/0"))
        .and_then(Value::as_str)
        .and_then(pem_der)
        .ok_or_else(|| {
            failed(
                &format!("Fulcio ({})", services.fulcio),
                "answered without a certificate chain",
            )
        })?;

    let signature = sign(&pae(payload_type, payload))?;
    // sigstore-js's envelope JSON: an empty keyid is left out.
    let envelope = json!({
        "payload": BASE64.encode(payload),
        "payloadType": payload_type,
        "signatures": [{ "sig": BASE64.encode(&signature) }],
    });
    let logged = rekor
        .send(&ApiRequest {
            method: Method::POST,
            path: "api/v1/log/entries".into(),
            body: Some(json!({
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": { "proposedContent": {
                    "envelope": envelope.to_string(),
                    "verifiers": [BASE64.encode(pem("CERTIFICATE", &chain))],
                }},
            })),
            credential: false,
        })
        .await?;
    let rekor_failed = |what: &str| failed(&format!("Rekor ({})", services.rekor), what);
    let (uuid, entry) = logged
        .as_object()
        .and_then(|o| o.iter().next())
        .ok_or_else(|| rekor_failed("answered without the log entry"))?;
    let tlog_entry = tlog_entry(entry).ok_or_else(|| {
        rekor_failed("answered an entry without its body, index, time or signed timestamp")
    })?;
    let log_index = entry
        .get("logIndex")
        .and_then(Value::as_u64)
        .unwrap_or_default();
    let bundle = json!({
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {
            "certificate": { "rawBytes": BASE64.encode(&chain) },
            "tlogEntries": [tlog_entry],
            "timestampVerificationData": {},
        },
        "dsseEnvelope": envelope,
    });
    Ok((bundle, services.logged(log_index, uuid)))
}

/// Rekor's answer as a bundle's `TransparencyLogEntry` (hex turned to base64, numbers to
/// strings, as protobuf JSON writes 64-bit integers).
fn tlog_entry(entry: &Value) -> Option<Value> {
    let hex_to_base64 = |v: &Value| -> Option<String> { Some(BASE64.encode(hex(v.as_str()?)?)) };
    let number = |v: &Value| v.as_u64().map(|n| n.to_string());
    let body = entry.get("body")?.as_str()?;
    let kind: Value = serde_json::from_slice(&BASE64.decode(body).ok()?).ok()?;
    let verification = entry.get("verification")?;
    let mut out = json!({
        "logIndex": number(entry.get("logIndex")?)?,
        "logId": { "keyId": hex_to_base64(entry.get("logID")?)? },
        "kindVersion": { "kind": kind.get("kind")?, "version": kind.get("apiVersion")? },
        "integratedTime": number(entry.get("integratedTime")?)?,
        "inclusionPromise": { "signedEntryTimestamp": verification.get("signedEntryTimestamp")?.as_str()? },
    });
    if let Some(proof) = verification.get("inclusionProof") {
        out["inclusionProof"] = json!({
            "logIndex": number(proof.get("logIndex")?)?,
            "rootHash": hex_to_base64(proof.get("rootHash")?)?,
            "treeSize": number(proof.get("treeSize")?)?,
            "hashes": proof.get("hashes")?.as_array()?.iter().map(hex_to_base64).collect::<Option<Vec<_>>>()?,
            "checkpoint": { "envelope": proof.get("checkpoint")?.as_str()? },
        });
    }
    out["canonicalizedBody"] = body.into();
    Some(out)
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lowercase or uppercase hex.
pub fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_dsse_v1() {
        assert_eq!(
            pae("application/vnd.in-toto+json", b"{}"),
            b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec()
        );
    }

    #[test]
    fn pem_round_trips() {
        let der: Vec<u8> = (0..=200).collect();
        let text = pem("CERTIFICATE", &der);
        assert!(text.lines().all(|l| l.len() <= 64));
        assert_eq!(pem_der(&text), Some(der));
    }
}
