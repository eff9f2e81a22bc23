//! `workspace:` dependency ranges (pnpm, yarn berry, and changesets' monorepos), replaced in the
//! published package.json by the versions they stand for, as `pnpm publish` and `yarn npm
//! publish` replace them: `workspace:*` the exact version, `workspace:^` and `workspace:~` the
//! version with that prefix, `workspace:<range>` the range, `workspace:<alias>@*` an `npm:` alias.
//! Left as they are, the registry takes them and no one can install the package.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::bulk::workspace::package_folders;
use crate::error::{Error, Result};

/// The dependency fields a published manifest keeps (devDependencies too: npm shows them).
const FIELDS: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

const PROTOCOL: &str = "workspace:";

/// `manifest` with its `workspace:` ranges replaced, as the bytes of a package.json; `None` when
/// it has none (the package.json is packed as it is).
pub fn replace(folder: &Path, manifest: &Value) -> Result<Option<Vec<u8>>> {
    let uses = |v: &Value| v.as_str().is_some_and(|s| s.starts_with(PROTOCOL));
    let any = FIELDS.iter().any(|field| {
        manifest
            .get(*field)
            .and_then(Value::as_object)
            .is_some_and(|deps| deps.values().any(uses))
    });
    if !any {
        return Ok(None);
    }
    let versions = workspace_versions(folder)?;
    let mut out = manifest.clone();
    let name = manifest
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("this package");
    for field in FIELDS {
        let Some(deps) = out.get_mut(*field).and_then(Value::as_object_mut) else {
            continue;
        };
        for (dep, range) in deps.iter_mut() {
            let Some(spec) = range.as_str().and_then(|s| s.strip_prefix(PROTOCOL)) else {
                continue;
            };
            *range = Value::String(resolve(name, field, dep, spec, &versions)?);
        }
    }
    let mut text = serde_json::to_string_pretty(&out).unwrap_or_default();
    text.push('\n');
    Ok(Some(text.into_bytes()))
}

/// The version of every package of the workspace `folder` is in, private ones included (a
/// published package may name one in its devDependencies).
fn workspace_versions(folder: &Path) -> Result<HashMap<String, String>> {
    let (_, folders) = package_folders(folder)?;
    let mut versions = HashMap::new();
    for dir in folders {
        let Ok(text) = crate::read::config(&dir.join("package.json")) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<Map<String, Value>>(&text) else {
            continue;
        };
        if let (Some(Value::String(name)), Some(Value::String(version))) =
            (json.get("name"), json.get("version"))
        {
            versions.insert(name.clone(), version.clone());
        }
    }
    Ok(versions)
}

/// The range `workspace:<spec>` of `dep` stands for.
fn resolve(
    package: &str,
    field: &str,
    dep: &str,
    spec: &str,
    versions: &HashMap<String, String>,
) -> Result<String> {
    // `workspace:<alias>@<spec>`: the package named `alias` installed as `dep`.
    let (target, spec, alias) = match spec.rfind('@').filter(|&at| at > 0) {
        Some(at) => (&spec[..at], &spec[at + 1..], true),
        None => (dep, spec, false),
    };
    let unknown = || {
        Error::invalid_input(
            "folder",
            format!(
                "{package}'s package.json has `{field}` {dep}@{PROTOCOL}{spec}, but no package \
                 of its workspace is named {target}: name a workspace package, or give a \
                 version range."
            ),
        )
    };
    if spec.starts_with('.') || spec.starts_with('/') {
        return Err(Error::invalid_input(
            "folder",
            format!(
                "{package}'s package.json has `{field}` {dep}@{PROTOCOL}{spec}: a workspace \
                 path is not replaced here; use {PROTOCOL}* (or ^, ~, a range) with the \
                 package's name."
            ),
        ));
    }
    let version = || versions.get(target).ok_or_else(unknown);
    let range = match spec {
        "*" | "" => version()?.clone(),
        "^" | "~" => format!("{spec}{}", version()?),
        range => {
            version()?;
            range.to_string()
        }
    };
    Ok(if alias {
        format!("npm:{target}@{range}")
    } else {
        range
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions() -> HashMap<String, String> {
        [("@acme/core", "1.2.3"), ("utils", "0.4.0")]
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ranges_as_pnpm_replaces_them() {
        let v = versions();
        let r = |dep: &str, spec: &str| resolve("app", "dependencies", dep, spec, &v);
        assert_eq!(r("@acme/core", "*").unwrap(), "1.2.3");
        assert_eq!(r("@acme/core", "^").unwrap(), "^1.2.3");
        assert_eq!(r("@acme/core", "~").unwrap(), "~1.2.3");
        assert_eq!(r("@acme/core", "^1.0.0").unwrap(), "^1.0.0");
        assert_eq!(r("core", "@acme/core@^").unwrap(), "npm:@acme/core@^1.2.3");
        assert_eq!(r("u", "utils@*").unwrap(), "npm:utils@0.4.0");
    }

    #[test]
    fn an_unknown_package_or_a_path_says_what_to_write() {
        let v = versions();
        let unknown = resolve("app", "dependencies", "nope", "*", &v).unwrap_err();
        assert!(
            unknown
                .message
                .contains("no package of its workspace is named nope"),
            "{}",
            unknown.message
        );
        let path = resolve("app", "dependencies", "utils", "../utils", &v).unwrap_err();
        assert!(path.message.contains("workspace:*"), "{}", path.message);
    }
}
