//! npm package names (validation and URL escaping) and the bits of package.json we infer from.

use std::path::{Path, PathBuf};

use crate::error::{Code, Error, Result};
use crate::yaml;

/// A package name that passed npm's rules for new packages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageName(String);

impl PackageName {
    /// Validates like `validate-npm-package-name` does for new packages, minus the core-module
    /// warning (`events`, `buffer` and friends are real packages on the registry) and the rule
    /// against capital letters: npm-package-arg, which `npm trust` uses, accepts the names of
    /// packages published before that rule (`JSONStream`), and so does trust-native.
    pub fn parse(name: &str) -> Result<Self> {
        match name_problem(name) {
            None => Ok(PackageName(name.to_string())),
            Some(problem) => Err(Error::new(
                Code::InvalidPackageName,
                format!("Invalid package name \"{name}\": {problem}"),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as it goes in a registry path: `@scope/name` becomes `@scope%2fname`, exactly as
    /// npm-package-arg's `escapedName` (lowercase `%2f`), since requests must match npm's.
    pub fn escaped(&self) -> String {
        self.0.replacen('/', "%2f", 1)
    }

    pub fn scope(&self) -> Option<&str> {
        self.0
            .starts_with('@')
            .then(|| self.0.split('/').next())
            .flatten()
    }
}

impl std::fmt::Display for PackageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// encodeURIComponent leaves exactly these unescaped.
fn url_safe(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c))
}

fn name_problem(name: &str) -> Option<String> {
    name_rule_broken(name).map(|problem| problem.replace("{name}", &name.to_lowercase()))
}

fn name_rule_broken(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("name length must be greater than zero");
    }
    if name.starts_with('.') {
        return Some("name cannot start with a period");
    }
    if name.starts_with('-') {
        return Some("name cannot start with a hyphen");
    }
    if name.starts_with('_') {
        return Some("name cannot start with an underscore");
    }
    if name.trim() != name {
        return Some("name cannot contain leading or trailing spaces");
    }
    if ["node_modules", "favicon.ico"].contains(&name.to_lowercase().as_str()) {
        return Some("{name} is not a valid package name");
    }
    if name.len() > 214 {
        return Some("name can no longer contain more than 214 characters");
    }
    if url_safe(name) {
        return None;
    }
    // Not URL-safe as a whole: only `@scope/name` with both parts URL-safe is allowed.
    let scoped = name
        .strip_prefix('@')
        .and_then(|rest| rest.split_once('/'))
        .filter(|(scope, pkg)| !scope.is_empty() && !pkg.is_empty() && !pkg.contains('/'));
    match scoped {
        Some((_, pkg)) if pkg.starts_with('.') => Some("name cannot start with a period"),
        Some((scope, pkg)) if url_safe(scope) && url_safe(pkg) => None,
        _ => Some("name can only contain URL-friendly characters"),
    }
}

/// What we read from the project's package.json: the name and the raw `repository` field.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub path: Option<PathBuf>,
    pub name: Option<String>,
    pub repository: Option<serde_json::Value>,
    pub private: bool,
    /// Set when a package.json exists but could not be read; inference then behaves as npm's
    /// (as if there were none) and the caller gets this as a warning.
    pub problem: Option<String>,
}

impl Manifest {
    /// The package.json of the project `cwd` belongs to: like npm's local prefix, the nearest
    /// directory upwards that holds a package.json or a node_modules folder.
    pub fn for_project(cwd: &Path) -> Manifest {
        match project_root(cwd) {
            Some(root) => Manifest::read(&root.join("package.json")),
            None => Manifest::default(),
        }
    }

    pub fn read(path: &Path) -> Manifest {
        let text = match crate::read::config(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Manifest::default(),
            Err(e) => return Manifest::unreadable(path, e.to_string()),
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(json)) => Manifest {
                path: Some(path.to_path_buf()),
                name: json
                    .get("name")
                    .and_then(|n| n.as_str())
                    .map(str::to_string),
                repository: json.get("repository").cloned(),
                private: json.get("private").and_then(|p| p.as_bool()) == Some(true),
                problem: None,
            },
            Ok(_) => Manifest::unreadable(path, "not a JSON object".into()),
            Err(e) => Manifest::unreadable(path, e.to_string()),
        }
    }

    fn unreadable(path: &Path, why: String) -> Manifest {
        Manifest {
            path: Some(path.to_path_buf()),
            problem: Some(format!("{} could not be read ({why})", path.display())),
            ..Manifest::default()
        }
    }

    /// The repository field as a string npm would parse: `"owner/repo"` or `{ url }`.
    pub fn repository_spec(&self) -> Option<&str> {
        match self.repository.as_ref()? {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Object(o) => o.get("url").and_then(|u| u.as_str()),
            _ => None,
        }
    }
}

/// The nearest directory from `cwd` upwards with a package.json or node_modules.
pub fn project_root(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .find(|dir| dir.join("package.json").is_file() || dir.join("node_modules").is_dir())
        .map(Path::to_path_buf)
}

/// The workspace patterns `dir` declares: package.json `workspaces` (npm and yarn, an array or
/// `{ packages }`) and pnpm-workspace.yaml `packages`. `!` marks an exclusion.
pub fn workspace_patterns(dir: &Path) -> Result<Vec<String>> {
    let mut patterns = Vec::new();
    let path = dir.join("package.json");
    if let Some(text) = workspace_file(&path)? {
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid_file(&path, e))?;
        let list = match json.get("workspaces") {
            Some(serde_json::Value::Object(o)) => o.get("packages"),
            list => list,
        };
        if let Some(items) = list.and_then(|l| l.as_array()) {
            patterns.extend(items.iter().filter_map(|p| p.as_str()).map(str::to_string));
        }
    }
    let path = dir.join("pnpm-workspace.yaml");
    if let Some(text) = workspace_file(&path)? {
        // The bounded loader, as for CI files: this file is the checkout's as much as they are.
        let docs = yaml::documents(&text).map_err(|e| match e.line {
            Some(line) => invalid_file(&path, format_args!("line {line}: {}", e.message)),
            None => invalid_file(&path, e.message),
        })?;
        if let Some(list) = docs.first().and_then(|doc| doc.get("packages")) {
            patterns.extend(
                list.items()
                    .iter()
                    .filter_map(|p| p.text())
                    .map(str::to_string),
            );
        }
    }
    Ok(patterns)
}

/// A file that declares workspaces, if there is one.
fn workspace_file(path: &Path) -> Result<Option<String>> {
    match crate::read::config(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(invalid_file(path, e)),
    }
}

fn invalid_file(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::invalid_input("cwd", format!("{}: {why}", path.display()))
}

/// Whether `relative` (a folder below a workspace root) is one of the workspace's packages.
pub fn workspace_includes(patterns: &[String], relative: &Path) -> bool {
    let matches = |pattern: &str| {
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        glob::Pattern::new(pattern).is_ok_and(|p| p.matches_path(relative))
    };
    patterns
        .iter()
        .filter(|p| !p.starts_with('!'))
        .any(|p| matches(p))
        && !patterns
            .iter()
            .filter_map(|p| p.strip_prefix('!'))
            .any(matches)
}

/// npm's local prefix: the project root, or, when the project is a package of a workspace, the
/// workspace's root (where npm reads the project .npmrc from).
pub fn npm_prefix(cwd: &Path) -> Option<PathBuf> {
    let project = project_root(cwd)?;
    let root = project.ancestors().skip(1).find(|dir| {
        let relative = project.strip_prefix(dir).unwrap_or(&project);
        workspace_patterns(dir).is_ok_and(|patterns| workspace_includes(&patterns, relative))
    });
    Some(root.map(Path::to_path_buf).unwrap_or(project))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use crate::read::in_bounded_child;

    #[test]
    fn valid_names() {
        for name in [
            "a",
            "trust-native",
            "@scope/pkg",
            "@my-org/some.pkg_name",
            "events",
            "x".repeat(214).as_str(),
            "with~tilde",
            // Published before names had to be lowercase; npm trust accepts them.
            "JSONStream",
            "@Scope/Pkg",
        ] {
            assert!(PackageName::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn invalid_names_say_why() {
        let cases = [
            ("", "greater than zero"),
            (".hidden", "start with a period"),
            ("_under", "start with an underscore"),
            ("-dash", "start with a hyphen"),
            (" space", "leading or trailing spaces"),
            ("node_modules", "node_modules is not a valid package name"),
            ("a b", "URL-friendly"),
            ("@scope/", "URL-friendly"),
            ("@/pkg", "URL-friendly"),
            ("@scope", "URL-friendly"),
            ("@scope/a/b", "URL-friendly"),
            ("@scope/.dot", "start with a period"),
            ("é", "URL-friendly"),
        ];
        for (name, why) in cases {
            let err = PackageName::parse(name).unwrap_err();
            assert_eq!(err.code, Code::InvalidPackageName, "{name}");
            assert!(err.message.contains(why), "{name}: {}", err.message);
        }
        let long = "x".repeat(215);
        assert!(PackageName::parse(&long)
            .unwrap_err()
            .message
            .contains("214"));
    }

    #[test]
    fn escaping_matches_npm_package_arg() {
        assert_eq!(
            PackageName::parse("@sc/pkg").unwrap().escaped(),
            "@sc%2fpkg"
        );
        assert_eq!(PackageName::parse("plain").unwrap().escaped(), "plain");
        assert_eq!(PackageName::parse("@sc/pkg").unwrap().scope(), Some("@sc"));
        assert_eq!(PackageName::parse("plain").unwrap().scope(), None);
    }

    #[test]
    fn npm_prefix_is_the_workspace_root_for_its_packages() {
        let root = std::env::temp_dir().join(format!("tn-prefix-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (rel, text) in [
            (
                "package.json",
                r#"{"workspaces":["packages/*","!packages/own"]}"#,
            ),
            ("packages/a/package.json", "{}"),
            ("packages/own/package.json", "{}"),
            ("elsewhere/package.json", "{}"),
        ] {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::write(root.join(rel), text).unwrap();
        }
        std::fs::create_dir_all(root.join("packages/a/src")).unwrap();
        assert_eq!(npm_prefix(&root.join("packages/a/src")), Some(root.clone()));
        assert_eq!(
            npm_prefix(&root.join("packages/own")),
            Some(root.join("packages/own"))
        );
        assert_eq!(
            npm_prefix(&root.join("elsewhere")),
            Some(root.join("elsewhere"))
        );
        assert_eq!(npm_prefix(&root), Some(root.clone()));
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// The billion laughs in 380 bytes: each level refers nine times to the one before.
    #[cfg(unix)]
    fn alias_bomb() -> String {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for level in b'b'..=b'k' {
            let (this, before) = (level as char, (level - 1) as char);
            let refs = vec![format!("*{before}"); 9].join(",");
            bomb.push_str(&format!("{this}: &{this} [{refs}]\n"));
        }
        bomb + "packages: [*k]\n"
    }

    #[cfg(unix)]
    #[test]
    fn pnpm_workspace_yaml_is_read_within_bounds() {
        in_bounded_child(
            "package::tests::pnpm_workspace_yaml_is_read_within_bounds",
            || {
                let root =
                    std::env::temp_dir().join(format!("tn-pnpm-bounds-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&root);
                std::fs::create_dir_all(&root).unwrap();
                let file = root.join("pnpm-workspace.yaml");
                let deep = format!("{}x\n", "- ".repeat(200_000));
                for hostile in [alias_bomb(), deep] {
                    std::fs::write(&file, hostile).unwrap();
                    let err = workspace_patterns(&root).unwrap_err();
                    assert_eq!(err.code, Code::InvalidInput);
                    assert!(
                        err.message.contains(&file.display().to_string()),
                        "{}",
                        err.message
                    );
                }
                std::fs::remove_dir_all(&root).unwrap();
            },
        );
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_not_read() {
        in_bounded_child("package::tests::special_files_are_not_read", || {
            let root = std::env::temp_dir().join(format!("tn-special-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(&root).unwrap();
            let manifest = root.join("package.json");
            std::os::unix::fs::symlink("/dev/zero", &manifest).unwrap();
            let read = Manifest::read(&manifest);
            assert!(read.problem.unwrap().contains("a device"));
            assert!(workspace_patterns(&root)
                .unwrap_err()
                .message
                .contains("a device"));
            std::fs::remove_file(&manifest).unwrap();
            let made = std::process::Command::new("mkfifo").arg(&manifest).status();
            assert!(made.unwrap().success());
            assert!(Manifest::read(&manifest)
                .problem
                .unwrap()
                .contains("a FIFO"));
            let err = workspace_patterns(&root).unwrap_err();
            assert!(
                err.message
                    .contains("package.json: a FIFO, not a regular file"),
                "{}",
                err.message
            );
            std::fs::remove_dir_all(&root).unwrap();
        });
    }

    #[test]
    fn manifest_reads_name_and_repository_forms() {
        let dir = std::env::temp_dir().join(format!("tn-manifest-{}", std::process::id()));
        let nested = dir.join("src/deep");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(
            dir.join("package.json"),
            r#"{"name":"@a/b","repository":{"type":"git","url":"git+https://github.com/o/r.git"}}"#,
        )
        .unwrap();
        let m = Manifest::for_project(&nested);
        assert_eq!(m.name.as_deref(), Some("@a/b"));
        assert_eq!(m.repository_spec(), Some("git+https://github.com/o/r.git"));

        std::fs::write(dir.join("package.json"), "{ not json").unwrap();
        let m = Manifest::for_project(&dir);
        assert!(m.name.is_none());
        assert!(m.problem.unwrap().contains("could not be read"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
