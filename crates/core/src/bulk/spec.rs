//! What a package's trust configuration should be: a spec per package, written in code, in a
//! trust.json file, or derived from the workspace.
//!
//! A spec is the options of `add*Publisher` plus `type` and `package`:
//! `{ "type": "github", "package": "@acme/a", "repository": "acme/mono", "file": "release.yml" }`.
//! A trust.json is either an array of specs (two specs for one package are two publishers), or
//! `{ "defaults": {...}, "workspaces": true, "packages": [ {...}, ... ] }`, where every workspace
//! package gets the defaults (and its repository or project from package.json), and `packages`
//! entries add packages or override a workspace package's values. `defaults` may be a list of
//! publishers: every package then gets each of them, and an entry of `packages` overrides the
//! values of each.

use std::path::Path;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Code, Error, Result};
use crate::package::{Manifest, PackageName};
use crate::provider::{self, prepare, Provider, Publisher, PublisherInput, Values};
use crate::workflow::Checker;
use crate::workspace::{self, Workspace};

/// A configuration to create, kept as what the provider table builds it from. The registry body
/// (`{ type, claims, permissions }`) and the options a spec writes are both derived from these
/// when needed: holding them as JSON objects costs a kilobyte or two per package, which a plan of
/// ten thousand packages feels (bench/plan-memory.mjs).
#[derive(Debug, Clone)]
pub struct Desired {
    pub provider: &'static Provider,
    /// The options the claims say, and only those: none empty, in the table's order.
    pub values: Values,
    /// Each one of [`PERMISSIONS`], so a plan holds no string of its own for them.
    pub permissions: Vec<&'static str>,
}

/// The permissions a configuration trust-native creates can grant.
pub const PERMISSIONS: [&str; 2] = [provider::CREATE_PACKAGE, provider::CREATE_STAGED_PACKAGE];

impl Desired {
    /// The body the registry stores: `{ type, claims, permissions }`.
    pub fn body(&self) -> Value {
        let permissions: Vec<String> = self.permissions.iter().map(|p| p.to_string()).collect();
        Publisher::body(self.provider, &self.values, &permissions)
    }

    /// The configuration a body stands for, if the body is exactly one a provider table builds:
    /// then keeping the options instead of the claims loses nothing. Anything else (a provider
    /// we do not know, a claim the table does not have) is refused, never narrowed to what the
    /// table reads: that would create a looser configuration than the body says. Likewise a
    /// permission trust-native does not grant.
    pub fn from_body(body: &Value) -> std::result::Result<Desired, &'static str> {
        let kind = body.get("type").and_then(Value::as_str).unwrap_or_default();
        let provider = provider::by_kind(kind).ok_or("an unknown publisher type")?;
        let claims = body.get("claims").ok_or("no claims")?;
        let mut values = provider.values_from_claims(claims);
        if provider.claims(&values) != *claims {
            return Err("claims the provider's table does not build");
        }
        let mut permissions: Vec<&'static str> = body
            .get("permissions")
            .and_then(Value::as_array)
            .ok_or("no list of permissions")?
            .iter()
            .map(|p| {
                PERMISSIONS
                    .into_iter()
                    .find(|&known| p.as_str() == Some(known))
            })
            .collect::<Option<_>>()
            .ok_or("a permission trust-native does not grant")?;
        // Kept for every package of a plan: no room to grow.
        values.0.shrink_to_fit();
        permissions.shrink_to_fit();
        Ok(Desired {
            provider,
            values,
            permissions,
        })
    }
}

/// Serializes as the body, built for the moment it is written.
impl Serialize for Desired {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.body().serialize(s)
    }
}

/// One package's desired configuration, validated.
#[derive(Debug, Clone)]
pub struct TrustSpec {
    pub package: PackageName,
    pub desired: Desired,
    /// Whether a different configuration the package has may be replaced (`replace: true`).
    pub replace: bool,
}

/// A spec that is not valid: the package it names (to show in the plan) and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub package: String,
    /// Boxed: a plan's specs are held together until planned, and most are valid.
    pub error: Box<Error>,
}

/// A spec as a plan takes it: one invalid spec is that package's error, not the run's.
pub type Checked = std::result::Result<TrustSpec, Rejected>;

impl TrustSpec {
    /// Reads and validates a spec object, by the provider tables and npm's rules.
    pub fn from_json(spec: &Map<String, Value>) -> Result<TrustSpec> {
        let kind = spec.get("type").and_then(Value::as_str).unwrap_or_default();
        let provider = provider::by_kind(kind).ok_or_else(|| {
            Error::invalid_input(
                "type",
                format!(
                    "Unknown publisher type \"{kind}\": expected {}",
                    provider::kinds(|_| true)
                ),
            )
        })?;
        let package = spec.get("package").and_then(Value::as_str);
        let flag = |name: &str| spec.get(name).and_then(Value::as_bool);
        let options: Map<String, Value> = spec
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "type" | "package" | "allowPublish" | "allowStagePublish" | "replace"
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
        // Read back from the body, so a spec's desired is exactly what a plan read back from JS
        // has (a table always reads back the body it built).
        let desired = Desired::from_body(&prepared.body).map_err(|why| {
            Error::new(
                Code::InvalidInput,
                format!(
                    "The {} configuration cannot be planned: it has {why}",
                    provider.name
                ),
            )
        })?;
        let replace = match spec.get("replace") {
            None | Some(Value::Bool(false)) => false,
            Some(Value::Bool(true)) => true,
            Some(_) => {
                return Err(Error::invalid_input(
                    "replace",
                    "`replace` must be true or false.",
                ))
            }
        };
        Ok(TrustSpec {
            package: prepared.package,
            desired,
            replace,
        })
    }

    /// [`TrustSpec::from_json`] for a plan: the package the spec names goes with its error.
    pub fn check(spec: &Map<String, Value>) -> Checked {
        TrustSpec::from_json(spec).map_err(|error| Rejected {
            package: spec
                .get("package")
                .and_then(Value::as_str)
                .unwrap_or("(unnamed)")
                .to_string(),
            error: Box::new(error),
        })
    }
}

fn object(value: &Value, what: &str) -> Result<Map<String, Value>> {
    value
        .as_object()
        .cloned()
        .ok_or_else(|| Error::invalid_input("specs", format!("{what} must be an object")))
}

/// The spec objects a trust.json stands for, resolved against the workspace at `cwd` when it
/// asks for workspaces. A GitHub or GitLab spec without a `file` gets the one CI file of the
/// checkout at `cwd` that publishes its package (and that job's environment, unless it says
/// one); when there is no such file, or several, the call fails naming the packages.
pub fn from_config(config: &Value, cwd: &Path) -> Result<Vec<Map<String, Value>>> {
    let mut specs = resolve(config, cwd)?;
    infer_files(&mut specs, cwd)?;
    Ok(specs)
}

fn resolve(config: &Value, cwd: &Path) -> Result<Vec<Map<String, Value>>> {
    if let Value::Array(items) = config {
        return items.iter().map(|i| object(i, "Each spec")).collect();
    }
    let config = object(config, "trust.json")?;
    // A misspelt key (`package`, `default`) would silently configure nothing, or the wrong thing.
    const KEYS: [&str; 3] = ["defaults", "workspaces", "packages"];
    if let Some(unknown) = config.keys().find(|k| !KEYS.contains(&k.as_str())) {
        let shown: String = unknown.chars().take(64).collect();
        return Err(Error::invalid_input(
            "specs",
            format!(
                "trust.json has an unknown key `{shown}`: it takes an array of specs, or an object \
                 with {}.",
                KEYS.join(", ")
            ),
        ));
    }
    // One publisher, or several: each package gets each.
    let defaults = match config.get("defaults") {
        None => vec![Map::new()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|d| object(d, "Each entry of defaults"))
            .collect::<Result<_>>()?,
        Some(Value::Array(_)) => {
            return Err(Error::invalid_input(
                "specs",
                "defaults in trust.json is an empty list: give one publisher, or several.",
            ))
        }
        Some(d) => vec![object(d, "defaults")?],
    };
    let mut specs = if config.get("workspaces") == Some(&Value::Bool(true)) {
        let workspace = workspace::discover(cwd)?;
        defaults
            .iter()
            .flat_map(|d| for_workspace(&workspace, d))
            .collect()
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
        let mut overridden = false;
        for spec in specs
            .iter_mut()
            .filter(|s| s.get("package").and_then(Value::as_str) == name)
        {
            spec.extend(entry.clone());
            overridden = true;
        }
        if !overridden {
            for d in &defaults {
                let mut spec = d.clone();
                spec.extend(entry.clone());
                specs.push(spec);
            }
        }
    }
    // Each package's publishers together, in the order its packages come.
    let order: Vec<String> = specs.iter().map(package_of).collect();
    let first = |name: &String| order.iter().position(|n| n == name);
    specs.sort_by_key(|s| first(&package_of(s)));
    Ok(specs)
}

fn package_of(spec: &Map<String, Value>) -> String {
    spec.get("package")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Fills in `file` (and `environment`) of the specs that lack it, from the checkout's CI files.
fn infer_files(specs: &mut [Map<String, Value>], cwd: &Path) -> Result<()> {
    let mut checker = Checker::new(cwd);
    let mut failed: Vec<(String, Error)> = Vec::new();
    for spec in specs.iter_mut().filter(|s| !s.contains_key("file")) {
        let text = |key: &str| spec.get(key).and_then(Value::as_str);
        let Some(provider) = text("type")
            .and_then(provider::by_kind)
            .filter(|p| Checker::applies(p))
        else {
            continue;
        };
        let entity = provider.entity.as_ref().and_then(|e| text(e.option));
        let package = text("package").map(str::to_string);
        match checker.infer(provider, package.as_deref(), entity) {
            Ok(Some(inferred)) => {
                spec.insert("file".into(), Value::String(inferred.file));
                if let (Some(environment), false) =
                    (inferred.environment, spec.contains_key("environment"))
                {
                    spec.insert("environment".into(), Value::String(environment));
                }
            }
            // No checkout to look in: the plan says the file is missing, as without inference.
            Ok(None) => {}
            Err(error) => failed.push((package.unwrap_or_default(), error)),
        }
    }
    let Some((_, first)) = failed.first() else {
        return Ok(());
    };
    let packages: Vec<&str> = failed.iter().map(|(p, _)| p.as_str()).collect();
    let error = Error::invalid_input(
        "file",
        format!(
            "For {} package{} ({}): {}",
            packages.len(),
            if packages.len() == 1 { "" } else { "s" },
            shorten(&packages),
            first.message
        ),
    );
    Err(match first.hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    })
}

/// A list for a message: the first few names, and how many more.
fn shorten(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    match names.len().checked_sub(SHOWN) {
        Some(more) if more > 0 => format!("{}, and {more} more", names[..SHOWN].join(", ")),
        _ => names.join(", "),
    }
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
        .and_then(provider::by_kind);
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
        assert_eq!(spec.package.as_str(), "@a/b");
        let body = spec.desired.body();
        assert_eq!(body["claims"]["workflow_ref"]["file"], "release.yml");
        assert_eq!(body["permissions"], json!(["createPackage"]));
        // Serialized, the desired configuration is the body, byte for byte.
        assert_eq!(
            serde_json::to_string(&spec.desired).unwrap(),
            serde_json::to_string(&body).unwrap()
        );

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
    fn desired_options_are_the_options_its_body_says() {
        let id = "3e4b2f1a-1111-4222-8333-444455556666";
        for spec in [
            // An empty environment is no restriction: not in the claims, so not an option.
            json!({"type": "github", "package": "a", "file": "release.yml", "repository": "acme/a", "environment": ""}),
            json!({"type": "gitlab", "package": "b", "project": "g/p", "file": ".gitlab-ci.yml", "environment": "prod", "allowStagePublish": true}),
            // One context id is a list of one.
            json!({"type": "circleci", "package": "c", "orgId": id, "projectId": id, "pipelineDefinitionId": id, "vcsOrigin": "github.com/a/b", "contextIds": id}),
        ] {
            let desired = TrustSpec::from_json(spec.as_object().unwrap())
                .unwrap()
                .desired;
            // What plans showed when they kept the body: its options read back by the table.
            assert_eq!(
                serde_json::to_string(&desired.values).unwrap(),
                serde_json::to_string(&provider::options_of(&desired.body())).unwrap()
            );
        }
    }

    #[test]
    fn a_body_is_kept_only_when_nothing_of_it_is_lost() {
        let body = json!({"type": "github", "claims": {"repository": "a/b", "workflow_ref": {"file": "r.yml"}}, "permissions": ["createStagedPackage", "createPackage"]});
        let desired = Desired::from_body(&body).unwrap();
        assert_eq!(desired.values.text("repository"), Some("a/b"));
        assert_eq!(serde_json::to_value(&desired).unwrap(), body);

        let changed = |pointer: &str, value: Value| {
            let mut body = body.clone();
            *body.pointer_mut(pointer).unwrap() = value;
            Desired::from_body(&body).unwrap_err()
        };
        assert_eq!(
            changed("/type", json!("example-ci")),
            "an unknown publisher type"
        );
        assert_eq!(
            changed(
                "/claims/workflow_ref",
                json!({"file": "r.yml", "ref": "main"})
            ),
            "claims the provider's table does not build"
        );
        assert_eq!(
            changed("/claims/repository", json!(["a/b"])),
            "claims the provider's table does not build"
        );
        assert_eq!(
            changed("/permissions", json!(["deletePackage"])),
            "a permission trust-native does not grant"
        );
    }

    #[test]
    fn a_rejected_spec_keeps_the_package_it_names() {
        let check = |v: Value| TrustSpec::check(v.as_object().unwrap()).unwrap_err();
        let rejected = check(json!({"type": "github", "package": "x", "file": "a.yml"}));
        assert_eq!(rejected.package, "x");
        assert_eq!(rejected.error.field.as_deref(), Some("repository"));
        assert_eq!(check(json!({})).package, "(unnamed)");
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

        // Several publishers for every package: a release and a nightly one; an override
        // changes each of its package's, and a package added gets both.
        let config = json!({
            "defaults": [
                {"type": "github", "file": "release.yml", "environment": "npm"},
                {"type": "github", "file": "nightly.yml", "allowPublish": false, "allowStagePublish": true},
            ],
            "workspaces": true,
            "packages": [{"package": "b", "repository": "acme/b-mirror"}, {"package": "extra", "repository": "acme/x"}],
        });
        let specs = from_config(&config, &root).unwrap();
        let shown: Vec<(&str, &str, &str)> = specs
            .iter()
            .map(|s| {
                let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
                (text("package"), text("file"), text("repository"))
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("a", "release.yml", "acme/mono"),
                ("a", "nightly.yml", "acme/mono"),
                ("b", "release.yml", "acme/b-mirror"),
                ("b", "nightly.yml", "acme/b-mirror"),
                ("extra", "release.yml", "acme/x"),
                ("extra", "nightly.yml", "acme/x"),
            ]
        );
        let empty = from_config(&json!({"defaults": [], "workspaces": true}), &root).unwrap_err();
        assert_eq!(empty.field.as_deref(), Some("specs"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn files_are_inferred_from_the_checkout_or_the_call_fails_naming_the_packages() {
        let root = std::env::temp_dir().join(format!("tn-spec-infer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let workflow = "on: push\njobs:\n  release:\n    environment: npm\n    permissions:\n      id-token: write\n    steps:\n      - run: npx changeset publish\n";
        for (rel, text) in [
            (".git/HEAD", "ref: refs/heads/main\n"),
            (
                "package.json",
                r#"{"private":true,"workspaces":["p/*"],"repository":"github:acme/mono"}"#,
            ),
            ("p/a/package.json", r#"{"name":"a"}"#),
            ("p/b/package.json", r#"{"name":"b"}"#),
            (".github/workflows/release.yml", workflow),
        ] {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::write(root.join(rel), text).unwrap();
        }
        let config = json!({"defaults": {"type": "github"}, "workspaces": true, "packages": [{"package": "b", "environment": "prod"}]});
        let specs = from_config(&config, &root).unwrap();
        assert_eq!(specs[0]["file"], "release.yml");
        assert_eq!(specs[0]["environment"], "npm");
        // An environment the spec says is kept.
        assert_eq!(specs[1]["environment"], "prod");

        std::fs::write(
            root.join(".github/workflows/release.yml"),
            workflow.replace("changeset publish", "changeset version"),
        )
        .unwrap();
        let error = from_config(&config, &root).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("file"));
        assert!(
            error.message.starts_with(
                "For 2 packages (a, b): No workflow in .github/workflows publishes a (p/a)"
            ),
            "{}",
            error.message
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
