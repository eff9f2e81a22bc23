//! The packages of a monorepo: package.json `workspaces` (npm and yarn, as an array or
//! `{ packages }`) and pnpm-workspace.yaml `packages`, glob patterns with `!` exclusions. Private
//! packages are skipped (they are never published); each package's repository comes from its own
//! package.json, else the root's.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::package::{project_root, workspace_patterns, Manifest};
use crate::repository::{self, RepoRef};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspacePackage {
    pub name: String,
    /// The package's folder.
    pub path: PathBuf,
    /// `github`, `gitlab`, `bitbucket`, from the package's or the root's `repository`.
    pub repository_host: Option<&'static str>,
    /// `owner/repo` or `group/.../project`.
    pub repository: Option<String>,
    /// Taken from the root package.json rather than the package's own.
    pub repository_from_root: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub root: PathBuf,
    pub packages: Vec<WorkspacePackage>,
    /// Folders skipped and why (private, no name, unreadable package.json).
    pub skipped: Vec<String>,
}

fn invalid(message: String) -> Error {
    Error::invalid_input("cwd", message)
}

fn repository_of(manifest: &Manifest) -> Option<RepoRef> {
    manifest.repository_spec().and_then(repository::parse)
}

/// Finds the workspace `cwd` belongs to (the nearest folder upwards that declares workspaces,
/// as npm does from inside a package) and its publishable packages, sorted by name.
pub fn discover(cwd: &Path) -> Result<Workspace> {
    crate::read::blocking(|| discover_here(cwd))
}

/// The workspace `cwd` belongs to (its root) and the folders of all its packages, private
/// ones included, as found: what `discover` reads and what resolving `workspace:` ranges needs.
pub(crate) fn package_folders(cwd: &Path) -> Result<(PathBuf, Vec<PathBuf>)> {
    let project = project_root(cwd)
        .ok_or_else(|| invalid(format!("No package.json in {} or above", cwd.display())))?;
    let mut found = None;
    for dir in project.ancestors() {
        let declared = workspace_patterns(dir)?;
        if !declared.is_empty() {
            found = Some((dir.to_path_buf(), declared));
            break;
        }
    }
    let Some((root, patterns)) = found else {
        return Err(invalid(format!(
            "{} is not in a workspace: no package.json `workspaces` or pnpm-workspace.yaml `packages` there or above",
            project.display()
        )));
    };
    let (excluded, included): (Vec<&String>, Vec<&String>) =
        patterns.iter().partition(|p| p.starts_with('!'));
    let exclusions: Vec<glob::Pattern> = excluded
        .iter()
        .filter_map(|p| glob::Pattern::new(p.trim_start_matches('!').trim_end_matches('/')).ok())
        .collect();
    let mut walk = Walk::default();
    for pattern in included {
        walk.pattern(&root, pattern)?;
    }
    let mut folders: Vec<PathBuf> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for folder in walk.found {
        let relative = folder.strip_prefix(&root).unwrap_or(&folder);
        let excluded = exclusions.iter().any(|e| e.matches_path(relative));
        // A package reached by two paths (through a link) is one package.
        let real = std::fs::canonicalize(&folder).unwrap_or_else(|_| folder.clone());
        if !excluded && folder != root && folder.join("package.json").is_file() && seen.insert(real)
        {
            folders.push(folder);
        }
    }
    Ok((root, folders))
}

fn discover_here(cwd: &Path) -> Result<Workspace> {
    let (root, folders) = package_folders(cwd)?;
    let root_repository = repository_of(&Manifest::read(&root.join("package.json")));
    let mut packages = Vec::new();
    let mut skipped = Vec::new();
    for folder in folders {
        let manifest = Manifest::read(&folder.join("package.json"));
        let shown = slashed(folder.strip_prefix(&root).unwrap_or(&folder));
        if let Some(problem) = &manifest.problem {
            skipped.push(format!("{shown}: {problem}"));
            continue;
        }
        let Some(name) = manifest.name.clone() else {
            skipped.push(format!("{shown}: no name"));
            continue;
        };
        if manifest.private {
            skipped.push(format!("{shown}: {name} is private"));
            continue;
        }
        let own = repository_of(&manifest);
        let from_root = own.is_none() && root_repository.is_some();
        let repository = own.or_else(|| root_repository.clone());
        packages.push(WorkspacePackage {
            name,
            path: folder,
            repository_host: repository.as_ref().map(|r| r.host.type_name()),
            repository: repository.map(|r| r.path),
            repository_from_root: from_root,
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Workspace {
        root,
        packages,
        skipped,
    })
}

/// The folders that workspace patterns name, found as npm's glob finds them (npm's
/// map-workspaces: `follow: false`, `dot: false`, `**/node_modules/**` ignored): a `*` or a
/// named segment goes through a link, `**` never enters one. So a walk ends however the links
/// loop; it is bounded in folders read and depth all the same.
#[derive(Default)]
struct Walk {
    found: Vec<PathBuf>,
    listed: usize,
}

enum Segment {
    /// `**`: this folder and every folder below, links not entered.
    Any,
    Name(glob::Pattern),
}

/// A workspace has nowhere near this many folders; a checkout that makes us read more is
/// refused rather than walked.
const MAX_LISTED: usize = 100_000;
const MAX_DEPTH: usize = 64;

impl Walk {
    fn pattern(&mut self, root: &Path, pattern: &str) -> Result<()> {
        let invalid_pattern = || invalid(format!("Invalid workspace pattern \"{pattern}\""));
        let segments = pattern
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(|s| match s {
                "**" => Ok(Segment::Any),
                s => glob::Pattern::new(s)
                    .map(Segment::Name)
                    .map_err(|_| invalid_pattern()),
            })
            .collect::<Result<Vec<_>>>()?;
        self.walk(root, &segments, 0)
    }

    fn walk(&mut self, dir: &Path, segments: &[Segment], depth: usize) -> Result<()> {
        let Some((first, rest)) = segments.split_first() else {
            self.found.push(dir.to_path_buf());
            return Ok(());
        };
        if depth > MAX_DEPTH {
            return Ok(());
        }
        match first {
            Segment::Any => {
                self.walk(dir, rest, depth + 1)?;
                for child in self.children(dir)? {
                    let hidden = child
                        .file_name()
                        .is_some_and(|n| n.as_encoded_bytes()[0] == b'.');
                    let real_dir = std::fs::symlink_metadata(&child).is_ok_and(|m| m.is_dir());
                    if real_dir && !hidden {
                        self.walk(&child, segments, depth + 1)?;
                    }
                }
            }
            Segment::Name(pattern) => {
                let options = glob::MatchOptions {
                    require_literal_leading_dot: true,
                    ..glob::MatchOptions::new()
                };
                for child in self.children(dir)? {
                    let name = child.file_name().unwrap_or_default().to_string_lossy();
                    if pattern.matches_with(&name, options) && child.is_dir() {
                        self.walk(&child, rest, depth + 1)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The entries of `dir` but node_modules, within the bound.
    fn children(&mut self, dir: &Path) -> Result<Vec<PathBuf>> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Vec::new());
        };
        let mut children = Vec::new();
        for entry in entries.flatten() {
            self.listed += 1;
            if self.listed > MAX_LISTED {
                return Err(invalid(format!(
                    "The workspace patterns reach more than {MAX_LISTED} entries: narrow them, \
                     or exclude folders with `!` patterns."
                )));
            }
            if entry.file_name() != "node_modules" {
                children.push(entry.path());
            }
        }
        children.sort();
        Ok(children)
    }
}

/// A folder inside the workspace as the user wrote it in `workspaces` (`packages/a`), on
/// Windows too (where `Path::display` shows `packages\\a`).
pub fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_shown_with_slashes() {
        let folder = Path::new("packages").join("a").join("b");
        assert_eq!(slashed(&folder), "packages/a/b");
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn fixture(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("tn-ws-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    #[test]
    fn npm_workspaces_with_exclusions_private_and_root_repository() {
        let root = fixture("npm");
        write(
            &root,
            "package.json",
            r#"{"name":"mono","private":true,"workspaces":["packages/*","tools/**","!packages/skip"],"repository":"github:acme/mono"}"#,
        );
        write(&root, "packages/a/package.json", r#"{"name":"@acme/a"}"#);
        write(
            &root,
            "packages/b/package.json",
            r#"{"name":"@acme/b","repository":{"type":"git","url":"https://gitlab.com/acme/b.git"}}"#,
        );
        write(
            &root,
            "packages/skip/package.json",
            r#"{"name":"@acme/skip"}"#,
        );
        write(
            &root,
            "packages/internal/package.json",
            r#"{"name":"@acme/internal","private":true}"#,
        );
        write(&root, "tools/deep/x/package.json", r#"{"name":"deep-x"}"#);
        write(
            &root,
            "tools/deep/x/node_modules/dep/package.json",
            r#"{"name":"dep"}"#,
        );
        let ws = discover(&root.join("packages/a")).unwrap();
        let names: Vec<&str> = ws.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["@acme/a", "@acme/b", "deep-x"]);
        assert_eq!(ws.packages[0].repository.as_deref(), Some("acme/mono"));
        assert!(ws.packages[0].repository_from_root);
        assert_eq!(
            (
                ws.packages[1].repository_host,
                ws.packages[1].repository.as_deref()
            ),
            (Some("gitlab"), Some("acme/b"))
        );
        assert_eq!(
            ws.skipped,
            vec!["packages/internal: @acme/internal is private"]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_as_npm_follows_them_and_loops_end() {
        crate::read::in_bounded_child(
            "workspace::tests::links_are_followed_as_npm_follows_them_and_loops_end",
            || {
                let root = fixture("loops");
                write(
                    &root,
                    "package.json",
                    r#"{"name":"mono","private":true,"workspaces":["packages/**","linked/*"]}"#,
                );
                write(&root, "packages/a/package.json", r#"{"name":"a"}"#);
                write(&root, "packages/b/package.json", r#"{"name":"b"}"#);
                write(
                    &root,
                    "packages/.hidden/package.json",
                    r#"{"name":"hidden"}"#,
                );
                write(&root, "elsewhere/c/package.json", r#"{"name":"c"}"#);
                // Two links up the tree: a walk that follows them never ends.
                std::os::unix::fs::symlink("..", root.join("packages/a/x")).unwrap();
                std::os::unix::fs::symlink("..", root.join("packages/b/x")).unwrap();
                // `**` does not enter a linked folder (npm's glob does not follow links)...
                std::os::unix::fs::symlink("../elsewhere", root.join("packages/out")).unwrap();
                // ...but a named or `*` segment goes through one.
                std::fs::create_dir_all(root.join("linked")).unwrap();
                std::os::unix::fs::symlink("../elsewhere/c", root.join("linked/c")).unwrap();
                let ws = discover(&root).unwrap();
                let names: Vec<&str> = ws.packages.iter().map(|p| p.name.as_str()).collect();
                assert_eq!(names, vec!["a", "b", "c"]);
                std::fs::remove_dir_all(&root).unwrap();
            },
        );
    }

    #[test]
    fn pnpm_and_yarn_object_forms() {
        let root = fixture("pnpm");
        write(&root, "package.json", r#"{"name":"mono","private":true}"#);
        write(
            &root,
            "pnpm-workspace.yaml",
            "# comment\npackages:\n  - 'libs/*'\n  - \"!libs/old\"\ncatalog:\n  react: ^19\n",
        );
        write(&root, "libs/one/package.json", r#"{"name":"one"}"#);
        write(&root, "libs/old/package.json", r#"{"name":"old"}"#);
        let ws = discover(&root).unwrap();
        assert_eq!(
            ws.packages
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            vec!["one"]
        );

        write(
            &root,
            "package.json",
            r#"{"name":"mono","private":true,"workspaces":{"packages":["libs/old"]}}"#,
        );
        std::fs::remove_file(root.join("pnpm-workspace.yaml")).unwrap();
        assert_eq!(discover(&root).unwrap().packages[0].name, "old");

        write(&root, "package.json", r#"{"name":"solo"}"#);
        assert_eq!(discover(&root).unwrap_err().field.as_deref(), Some("cwd"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
