//! How each version of a package was published, from its public package document (what `npm
//! view` reads, no 2FA): trusted publishing (the registry records the configuration in the
//! version's `_npmUser.trustedPublisher`), or a user's token; provenance (`dist.attestations`);
//! a staged version's approver. Whether a version's trusted publisher is still configured is
//! known only from the package's trust configurations, a read that needs 2FA: with
//! `checkTrust` it is made, else it is unknown.

use serde_json::{json, Map, Value};

use super::decode::Decoder;
use super::rules::date_option;
use super::{Args, Auth, BoxFuture, Caller, Endpoint, Input, Kind};
use crate::error::{Error, Result};
use crate::publish::placeholder;
use crate::trust::TrustClient;

/// `publishHistory`: one read of the package document; with `checkTrust`, one of its trust
/// configurations.
pub const PUBLISH_HISTORY: Endpoint = Endpoint {
    name: "publishHistory",
    // No npm command makes this report; `npm view` reads the same document.
    command: "view",
    path: "{package}",
    inputs: &[
        Input::optional("package", Kind::Package),
        Input::optional("since", Kind::Text),
        Input::optional("checkTrust", Kind::Flag),
    ],
    decode: Some(VERSIONS),
    // The trust configurations' read asks for an OTP.
    otp: true,
    auth: Auth::IfConfigured,
    action: "read {package}",
    subject: "package {package}",
    custom: Some(history),
    ..Endpoint::ROW
};

/// The versions of a package document, oldest first, each as it was published.
const VERSIONS: Decoder = Decoder {
    what: "a package document",
    read: |answer, _| {
        let versions = answer.get("versions")?.as_object()?;
        let time = answer.get("time").and_then(Value::as_object);
        let mut out: Vec<Value> = versions
            .iter()
            .filter_map(|(version, manifest)| {
                let published = time.and_then(|t| t.get(version)).and_then(Value::as_str);
                Some(published_how(version, published, manifest.as_object()?))
            })
            .collect();
        // By publish time; versions without one keep the document's order, first.
        out.sort_by(|a, b| a["time"].as_str().cmp(&b["time"].as_str()));
        // The placeholder a claim publishes: the package's first version, with its version. A
        // token publishes it (no publisher can be configured before), so an audit of versions
        // published without trusted publishing leaves it out; any other version counts.
        if let Some(first) = out.first_mut() {
            first["placeholder"] = json!(first["version"] == placeholder::VERSION);
        }
        Some(Value::Array(out))
    },
};

/// One version: who published it and how.
fn published_how(version: &str, time: Option<&str>, manifest: &Map<String, Value>) -> Value {
    let user = manifest.get("_npmUser").and_then(Value::as_object);
    let name = user.and_then(|u| u.get("name")).and_then(Value::as_str);
    let trusted = user
        .and_then(|u| u.get("trustedPublisher"))
        .and_then(Value::as_object);
    let approver = manifest
        .get("_npmUser")
        .and_then(|u| u.get("approver"))
        .or_else(|| manifest.get("approver"))
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str);
    let provenance = manifest
        .get("dist")
        .and_then(|d| d.get("attestations"))
        .and_then(|a| a.get("provenance"))
        .is_some_and(Value::is_object);
    let how = match (trusted, name) {
        (Some(_), _) => "trustedPublishing",
        (None, Some(_)) => "token",
        (None, None) => "unknown",
    };
    json!({
        "version": version,
        "time": time,
        "how": how,
        "user": name,
        "trustedPublisher": trusted.map(|t| json!({
            "provider": t.get("id").and_then(Value::as_str),
            "configId": t.get("oidcConfigId").and_then(Value::as_str),
        })),
        "stillConfigured": Value::Null,
        "publisher": Value::Null,
        "provenance": provenance,
        "approver": approver,
        "placeholder": false,
    })
}

/// `oidc:<id>` (the version's record) names the configuration whose `id` is `<id>`.
fn same_config(config_id: &str, id: &str) -> bool {
    config_id
        .strip_prefix("oidc:")
        .unwrap_or(config_id)
        .eq_ignore_ascii_case(id)
}

fn history<'a>(caller: &'a Caller<'a>, args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let since = date_option(&args, "since")?.map(str::to_string);
        let registry = caller.registry(&PUBLISH_HISTORY, &args)?;
        let request = caller.request(&PUBLISH_HISTORY, &args)?;
        let versions = caller
            .send(&PUBLISH_HISTORY, &args, &registry, &request)
            .await?;
        let mut versions: Vec<Value> = versions.as_array().cloned().unwrap_or_default();
        if let Some(since) = &since {
            // A version with no time cannot be placed: it is kept, to be looked at.
            versions.retain(|v| v["time"].as_str().is_none_or(|t| t >= since.as_str()));
        }
        let check = args.flag("checkTrust") == Some(true);
        if check {
            let package = args
                .package
                .clone()
                .ok_or_else(|| Error::invalid_input("package", "Option `package` is required."))?;
            let configured = TrustClient::new(registry).list(&package).await?;
            for version in &mut versions {
                if let Some(config) = version["trustedPublisher"]["configId"].as_str() {
                    let still = configured.iter().find(|c| same_config(config, &c.id));
                    version["stillConfigured"] = json!(still.is_some());
                    version["publisher"] = json!(still);
                }
            }
        }
        let without: Vec<&Value> = versions
            .iter()
            .filter(|v| v["how"] != "trustedPublishing" && v["placeholder"] != true)
            .map(|v| &v["version"])
            .collect();
        Ok(json!({
            "package": args.package.as_ref().map(|p| p.to_string()),
            "since": since,
            "trustChecked": check,
            "withoutTrustedPublishing": without,
            "versions": versions,
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_how_each_version_was_published() {
        let document = json!({
            "versions": {
                "1.0.0": { "_npmUser": { "name": "alice", "email": "a@example.com" } },
                "1.1.0": {
                    "_npmUser": {
                        "name": "GitHub Actions",
                        "email": "npm-oidc-no-reply@github.com",
                        "trustedPublisher": { "id": "github", "oidcConfigId": "oidc:9b3d9fed-0a97-49bd-9a15-5d0b718e645a" },
                    },
                    "dist": { "attestations": { "url": "https://x", "provenance": { "predicateType": "https://slsa.dev/provenance/v1" } } },
                },
                "0.9.0": {},
            },
            "time": { "1.0.0": "2026-01-01T00:00:00.000Z", "1.1.0": "2026-10-01T00:00:00.000Z" },
        });
        let versions = (VERSIONS.read)(&document, &Args::default()).unwrap();
        let versions = versions.as_array().unwrap();
        assert_eq!(versions[0]["version"], "0.9.0");
        assert_eq!(versions[0]["how"], "unknown");
        assert_eq!(versions[1]["how"], "token");
        assert_eq!(versions[1]["user"], "alice");
        assert_eq!(versions[1]["provenance"], false);
        assert_eq!(versions[2]["how"], "trustedPublishing");
        assert_eq!(versions[2]["trustedPublisher"]["provider"], "github");
        assert_eq!(versions[2]["provenance"], true);
        assert_eq!(versions[2]["stillConfigured"], Value::Null);
        assert!(same_config(
            "oidc:9B3D9FED-0a97-49bd-9a15-5d0b718e645a",
            "9b3d9fed-0a97-49bd-9a15-5d0b718e645a"
        ));
        assert!(!same_config("oidc:x", "y"));
    }
}
