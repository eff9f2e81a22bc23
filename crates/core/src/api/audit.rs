//! Security advisories for a set of packages and versions: the bulk endpoint `npm audit` posts
//! to.

use reqwest::Method;
use serde_json::{Map, Value};

use super::decode::{pick, Decoder, Type};
use super::{Args, Auth, Endpoint, Input, Kind};
use crate::error::{Error, Result};

/// `POST /-/npm/v1/security/advisories/bulk` with `{ name: [version, ...] }`, as Arborist's
/// audit report sends it; answers `{ name: [advisory, ...] }`.
pub const AUDIT: Endpoint = Endpoint {
    name: "audit",
    command: "audit",
    method: Method::POST,
    path: "-/npm/v1/security/advisories/bulk",
    inputs: &[Input::new("packages", Kind::Json)],
    body: Some(body),
    decode: Some(Decoder {
        what: "a map of packages to advisories",
        read: |answer, _| {
            let packages = answer.as_object()?;
            let advisories = packages
                .iter()
                .filter_map(|(name, list)| {
                    let list = list.as_array()?;
                    Some((
                        name.clone(),
                        Value::Array(list.iter().filter_map(advisory).collect()),
                    ))
                })
                .collect();
            Some(Value::Object(advisories))
        },
    }),
    auth: Auth::IfConfigured,
    action: "read advisories",
    subject: "the advisories endpoint",
    // Arborist posts the audit with `gzip: true`.
    gzip: true,
    ..Endpoint::ROW
};

/// The caller's `{ name: [versions] }`, checked: the registry would refuse anything else.
fn body(args: &Args) -> Result<Value> {
    let invalid = || {
        Error::invalid_input(
            "packages",
            "Option `packages` must map package names to arrays of versions, e.g. \
             `{ lodash: ['4.17.20'] }`.",
        )
    };
    let packages = args
        .json("packages")
        .and_then(Value::as_object)
        .ok_or_else(invalid)?;
    let mut body = Map::new();
    for (name, versions) in packages {
        let versions = versions.as_array().ok_or_else(invalid)?;
        if name.is_empty()
            || !versions
                .iter()
                .all(|v| v.as_str().is_some_and(|v| !v.is_empty()))
        {
            return Err(invalid());
        }
        body.insert(name.clone(), Value::Array(versions.clone()));
    }
    Ok(Value::Object(body))
}

/// `{ id, url, title, severity, vulnerableVersions, cwe, cvss }`; none without an id.
fn advisory(object: &Value) -> Option<Value> {
    let mut advisory = pick(
        object,
        &[
            ("id", "id", Type::Number),
            ("url", "url", Type::Text),
            ("title", "title", Type::Text),
            ("severity", "severity", Type::Text),
            ("vulnerable_versions", "vulnerableVersions", Type::Text),
            ("cwe", "cwe", Type::Texts),
        ],
    );
    advisory.get("id")?;
    if let Some(cvss) = object.get("cvss") {
        let cvss = pick(
            cvss,
            &[
                ("score", "score", Type::Number),
                ("vectorString", "vectorString", Type::Text),
            ],
        );
        advisory.insert("cvss".into(), Value::Object(cvss));
    }
    Some(Value::Object(advisory))
}
