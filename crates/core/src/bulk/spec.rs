//! What a package's trust configuration should be: a spec per package, written in code, in a
//! trust.json file, or derived from the workspace.
//!
//! A spec is the options of `add*Publisher` plus `type` and `package`:
//! `{ "type": "github", "package": "@acme/a", "repository": "acme/mono", "file": "release.yml" }`.
//! A trust.json is either an array of specs, or
//! `{ "defaults": {...}, "workspaces": true, "packages": [ {...}, ... ] }`, where every workspace
//! package gets the defaults (and its repository or project from package.json), and `packages`
//! entries add packages or override a workspace package's values.

use std::path::Path;

use serde_json::{Map, Value};

use super::workspace::{self, Workspace};
use crate::error::{Error, Result};
use crate::package::Manifest;
use crate::trust::{self, prepare, Prepared, Provider, PublisherInput};

/// One package's desired configuration, validated.
#[derive(Debug, Clone)]
pub struct TrustSpec {
    pub provider: &'static Provider,
    pub prepared: Prepared,
}

impl TrustSpec {
    pub fn package(&self) -> &str {
        self.prepared.package.as_str()
    }

    /// The body the registry stores: `{ type, claims, permissions }`.
    pub fn body(&self) -> &Value {
        &self.prepared.body
    }

    /// Reads and validates a spec object, by the provider tables and npm's rules.
    pub fn from_json(spec: &Map<String, Value>) -> Result<TrustSpec> {
        let kind = spec.get("type").and_then(Value::as_str).unwrap_or_default();
        let provider = trust::provider(kind).ok_or_else(|| {
            Error::invalid_input(
                "type",
                format!("Unknown publisher type \"{kind}\": expected github, gitlab or circleci"),
            )
        })?;
        let package = spec.get("package").and_then(Value::as_str);
        let flag = |name: &str| spec.get(name).and_then(Value::as_bool);
        let options: Map<String, Value> = spec
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "type" | "package" | "allowPublish" | "allowStagePublish"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let input = PublisherInput {
            values: provider.values_from_json(&options)?,
            allow_publish: flag("allowPublish"),
            allow_stage_publish: flag("allowStagePublish"),
        };
        // No package.json inference here: a spec says everything it means.
        let prepared = prepare(provider, package, &input, &Manifest::default())?;
        Ok(TrustSpec { provider, prepared })
    }
}

fn object(value: &Value, what: &str) -> Result<Map<String, Value>> {
    value
        .as_object()
        .cloned()
        .ok_or_else(|| Error::invalid_input("specs", format!("{what} must be an object")))
}

/// The spec objects a trust.json stands for, resolved against the workspace at `cwd` when it
/// asks for workspaces.
pub fn from_config(config: &Value, cwd: &Path) -> Result<Vec<Map<String, Value>>> {
    if let Value::Array(items) = config {
        return items.iter().map(|i| object(i, "Each spec")).collect();
    }
    let config = object(config, "trust.json")?;
    let defaults = config
        .get("defaults")
        .map(|d| object(d, "defaults"))
        .transpose()?
        .unwrap_or_default();
    let mut specs = if config.get("workspaces") == Some(&Value::Bool(true)) {
        for_workspace(&workspace::discover(cwd)?, &defaults)
    } else {
        Vec::new()
    };
    for entry in config
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let entry = object(entry, "Each entry of packages")?;
        let name = entry.get("package").and_then(Value::as_str);
        match specs
            .iter_mut()
            .find(|s| s.get("package").and_then(Value::as_str) == name)
        {
            Some(existing) => existing.extend(entry),
            None => {
                let mut spec = defaults.clone();
                spec.extend(entry);
                specs.push(spec);
            }
        }
    }
    Ok(specs)
}

/// A spec per workspace package: the defaults, the package's name, and for GitHub and GitLab its
/// repository or project when package.json points at that host and the defaults do not say.
pub fn for_workspace(
    workspace: &Workspace,
    defaults: &Map<String, Value>,
) -> Vec<Map<String, Value>> {
    let provider = defaults
        .get("type")
        .and_then(Value::as_str)
        .and_then(trust::provider);
    workspace
        .packages
        .iter()
        .map(|package| {
            let mut spec = defaults.clone();
            spec.insert("package".into(), Value::String(package.name.clone()));
            let entity = provider.and_then(|p| p.entity.as_ref());
            if let (Some(entity), Some(repository)) = (entity, &package.repository) {
                if package.repository_host == Some(entity.host.type_name())
                    && !spec.contains_key(entity.option)
                {
                    spec.insert(entity.option.into(), Value::String(repository.clone()));
                }
            }
            spec
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn specs_validate_like_add_publisher() {
        let spec = TrustSpec::from_json(json!({"type": "github", "package": "@a/b", "repository": "acme/mono", "file": "release.yml"}).as_object().unwrap()).unwrap();
        assert_eq!(spec.package(), "@a/b");
        assert_eq!(spec.body()["claims"]["workflow_ref"]["file"], "release.yml");
        assert_eq!(spec.body()["permissions"], json!(["createPackage"]));

        let bad = |v: Value| TrustSpec::from_json(v.as_object().unwrap()).unwrap_err();
        assert_eq!(
            bad(json!({"type": "svn", "package": "x"})).field.as_deref(),
            Some("type")
        );
        assert_eq!(
            bad(json!({"type": "github", "package": "x", "repository": "a/b", "file": "x.json"}))
                .field
                .as_deref(),
            Some("file")
        );
        assert_eq!(
            bad(json!({"type": "github", "repository": "a/b", "file": "a.yml"}))
                .field
                .as_deref(),
            Some("package")
        );
        assert_eq!(
            bad(json!({"type": "github", "package": "x", "file": "a.yml", "typo": 1}))
                .field
                .as_deref(),
            Some("typo")
        );
    }

    #[test]
    fn config_with_defaults_workspaces_and_overrides() {
        let root = std::env::temp_dir().join(format!("tn-spec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (rel, text) in [
            (
                "package.json",
                r#"{"private":true,"workspaces":["p/*"],"repository":"github:acme/mono"}"#,
            ),
            ("p/a/package.json", r#"{"name":"a"}"#),
            (
                "p/b/package.json",
                r#"{"name":"b","repository":"gitlab:acme/b"}"#,
            ),
        ] {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::write(root.join(rel), text).unwrap();
        }
        let config = json!({
            "defaults": {"type": "github", "file": "release.yml"},
            "workspaces": true,
            "packages": [{"package": "b", "repository": "acme/b-mirror"}, {"package": "extra", "repository": "acme/x"}],
        });
        let specs = from_config(&config, &root).unwrap();
        let names: Vec<&str> = specs
            .iter()
            .map(|s| s["package"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["a", "b", "extra"]);
        assert_eq!(specs[0]["repository"], "acme/mono");
        // b's package.json points at GitLab, so the GitHub spec has only the override.
        assert_eq!(specs[1]["repository"], "acme/b-mirror");
        assert_eq!(specs[2]["file"], "release.yml");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
