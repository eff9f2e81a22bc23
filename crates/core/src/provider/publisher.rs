//! A trusted-publisher configuration as the registry stores it, the permissions it grants, and
//! how two of them compare.

use serde::Serialize;
use serde_json::{json, Value};

use super::{by_kind, Provider, Values};
use crate::error::{Error, Result};

/// `npm publish` through OIDC.
pub const CREATE_PACKAGE: &str = "createPackage";
/// `npm stage publish` through OIDC.
pub const CREATE_STAGED_PACKAGE: &str = "createStagedPackage";

/// The permissions a new configuration grants. Unlike npm 11.19, which insists on a flag, the
/// default when neither is given is publishing (`createPackage`), what nearly everyone wants.
pub fn permissions(
    allow_publish: Option<bool>,
    allow_stage_publish: Option<bool>,
) -> Result<Vec<String>> {
    let publish = allow_publish.unwrap_or(allow_stage_publish != Some(true));
    let stage = allow_stage_publish.unwrap_or(false);
    let granted: Vec<String> = [(publish, CREATE_PACKAGE), (stage, CREATE_STAGED_PACKAGE)]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, p)| p.to_string())
        .collect();
    if granted.is_empty() {
        return Err(Error::invalid_input(
            "allowPublish",
            "At least one permission is required: set allowPublish or allowStagePublish to true",
        ));
    }
    Ok(granted)
}

/// A trusted-publisher configuration as the registry stores it, with the provider's options
/// decoded next to the raw claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Publisher {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub permissions: Vec<String>,
    #[serde(flatten)]
    pub options: Values,
    /// Exactly what the registry returned, so a provider we do not know is never lost.
    pub claims: Value,
}

impl Publisher {
    /// Reads one configuration of a registry answer.
    pub fn from_registry(item: &Value) -> Option<Publisher> {
        let kind = item.get("type")?.as_str()?.to_string();
        let claims = item.get("claims").cloned().unwrap_or(Value::Null);
        let options = options_of(item);
        Some(Publisher {
            id: item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            permissions: item
                .get("permissions")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            kind,
            options,
            claims,
        })
    }

    /// The configuration body the registry takes: `{ type, claims, permissions }`, keys in npm's
    /// order so the bytes on the wire are npm's.
    pub fn body(provider: &Provider, values: &Values, permissions: &[String]) -> Value {
        json!({
            "type": provider.kind,
            "claims": provider.claims(values),
            "permissions": permissions,
        })
    }

    /// The body that creates this stored configuration again.
    pub fn to_body(&self) -> Value {
        json!({ "type": self.kind, "claims": self.claims, "permissions": self.permissions })
    }
}

/// A configuration's options (`repository`, `file`, ...), read back from its
/// `{ type, claims }` by the provider's table; none for a provider we do not know.
pub fn options_of(configuration: &Value) -> Values {
    let kind = configuration
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (by_kind(kind), configuration.get("claims")) {
        (Some(provider), Some(claims)) => provider.values_from_claims(claims),
        _ => Values::default(),
    }
}

/// A stored configuration is the one described by `body` (`{ type, claims, permissions }`):
/// same provider, same claims, same permissions in any order.
pub fn same_configuration(body: &Value, publisher: &Publisher) -> bool {
    let mut wanted: Vec<&str> = body
        .get("permissions")
        .and_then(Value::as_array)
        .map(|ps| ps.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut have: Vec<&str> = publisher.permissions.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    have.sort_unstable();
    body.get("type").and_then(Value::as_str) == Some(publisher.kind.as_str())
        && body.get("claims") == Some(&publisher.claims)
        && wanted == have
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{circleci, github, OptionValue};

    #[test]
    fn permission_defaults() {
        let p = |a, b| permissions(a, b).map_err(|e| e.field.unwrap());
        assert_eq!(p(None, None), Ok(vec![CREATE_PACKAGE.to_string()]));
        assert_eq!(
            p(None, Some(true)),
            Ok(vec![CREATE_STAGED_PACKAGE.to_string()])
        );
        assert_eq!(p(None, Some(false)), Ok(vec![CREATE_PACKAGE.to_string()]));
        assert_eq!(
            p(Some(true), Some(true)),
            Ok(vec![
                CREATE_PACKAGE.to_string(),
                CREATE_STAGED_PACKAGE.to_string()
            ])
        );
        assert_eq!(p(Some(false), None), Err("allowPublish".to_string()));
    }

    #[test]
    fn body_matches_npm_bytes() {
        let mut values = Values::default();
        values.set("file", OptionValue::Text("pub.yml".into()));
        values.set("repository", OptionValue::Text("Own/Repo".into()));
        let body = Publisher::body(&github::GITHUB, &values, &[CREATE_PACKAGE.into()]);
        // Captured from `npm trust github --file pub.yml --allow-publish` (npm 11.19.1).
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"type":"github","claims":{"repository":"Own/Repo","workflow_ref":{"file":"pub.yml"}},"permissions":["createPackage"]}"#
        );
    }

    #[test]
    fn circleci_body_has_context_ids_only_when_given() {
        let id = "3e4b2f1a-1111-4222-8333-444455556666";
        let mut values = Values::default();
        for option in ["orgId", "projectId", "pipelineDefinitionId"] {
            values.set(option, OptionValue::Text(id.into()));
        }
        values.set("vcsOrigin", OptionValue::Text("github.com/a/b".into()));
        let claims = circleci::CIRCLECI.claims(&values);
        assert!(claims.get("oidc.circleci.com/context-ids").is_none());
        values.set("contextIds", OptionValue::List(vec![id.into()]));
        let body = Publisher::body(
            &circleci::CIRCLECI,
            &values,
            &[CREATE_STAGED_PACKAGE.into()],
        );
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            format!(
                r#"{{"type":"circleci","claims":{{"oidc.circleci.com/org-id":"{id}","oidc.circleci.com/project-id":"{id}","oidc.circleci.com/pipeline-definition-id":"{id}","oidc.circleci.com/vcs-origin":"github.com/a/b","oidc.circleci.com/context-ids":["{id}"]}},"permissions":["createStagedPackage"]}}"#
            )
        );
    }

    #[test]
    fn publishers_round_trip_and_unknown_types_keep_claims() {
        let gitlab = json!({
            "id": "3e4b2f1a-1111-4222-8333-444455556666",
            "type": "gitlab",
            "claims": {"project_path": "g/s/p", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}, "environment": "prod"},
            "permissions": ["createPackage"]
        });
        let p = Publisher::from_registry(&gitlab).unwrap();
        assert_eq!(p.options.text("project"), Some("g/s/p"));
        assert_eq!(p.options.text("file"), Some(".gitlab-ci.yml"));
        assert_eq!(p.options.text("environment"), Some("prod"));
        let out = serde_json::to_value(&p).unwrap();
        assert_eq!(out["project"], "g/s/p");
        assert_eq!(out["claims"], gitlab["claims"]);

        let future = json!({"id": "x", "type": "example-ci", "claims": {"pipeline_slug": "s"}, "permissions": []});
        let p = Publisher::from_registry(&future).unwrap();
        assert_eq!(p.kind, "example-ci");
        assert!(p.options.0.is_empty());
        assert_eq!(
            serde_json::to_value(&p).unwrap()["claims"]["pipeline_slug"],
            "s"
        );
    }
}
