//! A folder packed as `npm pack` packs it (npm-packlist's rules): with a `files` list, what it
//! names plus the files npm always ships; without one, everything but what `.npmignore` (or,
//! without it, `.gitignore`) excludes, in every folder. Either way npm's own exclusions hold
//! (VCS folders, `node_modules`, `.npmrc`, lock files, editor leftovers).
//!
//! Not done: bundled dependencies (their `node_modules` are left out, so a package that bundles
//! some must be packed by npm).

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde_json::Value;

use super::tarball::{Tarball, MAX_UNPACKED};
use crate::error::{Error, Result};

/// What npm never packs, anywhere (npm-packlist's defaults).
const DEFAULT_IGNORES: &[&str] = &[
    ".npmignore",
    ".gitignore",
    "**/.git",
    "**/.svn",
    "**/.hg",
    "**/CVS",
    "/.lock-wscript",
    "/.wafpickle-*",
    "/build/config.gypi",
    "npm-debug.log",
    "**/.npmrc",
    ".*.swp",
    ".DS_Store",
    "._*",
    "*.orig",
    "/archived-packages/",
];

/// What npm never packs at the package root, even when `files` names it.
const ROOT_EXCLUDED: &[&str] = &[
    ".git",
    "node_modules",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
];

const MAX_FILES: usize = 100_000;

/// Packs `folder` (it must hold a package.json).
pub fn pack(folder: &Path) -> Result<Tarball> {
    let invalid = |why: String| Error::invalid_input("folder", why);
    let manifest_text = crate::read::config(&folder.join("package.json")).map_err(|e| {
        invalid(format!(
            "`folder` must be a package folder with a package.json ({}: {e}).",
            folder.display()
        ))
    })?;
    let manifest: Value = serde_json::from_str(&manifest_text)
        .map_err(|e| invalid(format!("package.json in `folder` is not valid JSON ({e}).")))?;
    // What the tarball's package.json holds: `workspace:` ranges replaced, as pnpm packs it.
    let packed_manifest = super::workspace_protocol::replace(folder, &manifest)?;
    let mut paths = Vec::new();
    let files = manifest
        .get("files")
        .and_then(Value::as_array)
        .map(|files| {
            files
                .iter()
                .filter_map(Value::as_str)
                .map(|f| f.trim_start_matches("./").to_string())
                .map(|f| {
                    if f.ends_with("/*") {
                        format!("{f}*")
                    } else {
                        f
                    }
                })
                .collect::<Vec<_>>()
        });
    let listed = match &files {
        Some(files) => Some(matcher(folder, files.iter().map(String::as_str))?),
        None => None,
    };
    walk(folder, folder, listed.as_ref(), &[], &mut paths)?;
    for required in required_files(&manifest) {
        if is_plain_file(folder, &required) && !paths.iter().any(|p| p == &required) {
            paths.push(required);
        }
    }
    paths.sort_by(|a, b| npm_order(a, b));
    let mut entries = Vec::with_capacity(paths.len());
    let mut size = 0u64;
    for path in paths {
        let full = folder.join(&path);
        size += std::fs::symlink_metadata(&full).map_or(0, |m| m.len());
        if size > MAX_UNPACKED {
            return Err(invalid("`folder` holds more than 512 MiB to pack.".into()));
        }
        let contents = match &packed_manifest {
            Some(replaced) if path == "package.json" => replaced.clone(),
            _ => crate::read::bytes(&full, MAX_UNPACKED)
                .map_err(|e| invalid(format!("Could not read {}: {e}", full.display())))?,
        };
        entries.push((path, contents, executable(&full)));
    }
    Tarball::pack(entries)
}

/// A gitignore-style matcher of `patterns`, rooted at `root`.
fn matcher<'a>(root: &Path, patterns: impl Iterator<Item = &'a str>) -> Result<Gitignore> {
    let mut builder = GitignoreBuilder::new(root);
    for pattern in patterns {
        builder.add_line(None, pattern).map_err(|e| {
            Error::invalid_input(
                "folder",
                format!("A pattern of the package is not valid: {e}"),
            )
        })?;
    }
    builder.build().map_err(|e| {
        Error::invalid_input("folder", format!("Could not read the ignore rules: {e}"))
    })
}

/// The ignore file that rules `dir`: `.npmignore`, else `.gitignore`.
fn ignore_file(dir: &Path) -> Option<Gitignore> {
    [".npmignore", ".gitignore"]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .map(|path| {
            // Read here rather than by the ignore crate, which reads any file whole.
            let text = crate::read::config(&path).unwrap_or_default();
            let text = text.trim_start_matches('\u{feff}');
            let mut builder = GitignoreBuilder::new(dir);
            for line in text.lines() {
                let _ = builder.add_line(Some(path.clone()), line);
            }
            builder.build().unwrap_or_else(|_| Gitignore::empty())
        })
}

fn walk(
    root: &Path,
    dir: &Path,
    listed: Option<&Gitignore>,
    ignores: &[Gitignore],
    paths: &mut Vec<String>,
) -> Result<()> {
    let mut ignores = ignores.to_vec();
    // npm applies its defaults in every folder, the anchored ones (`/build/config.gypi`) too.
    ignores.push(matcher(dir, DEFAULT_IGNORES.iter().copied())?);
    // With `files`, ignore files still apply inside the folders it names, not at the root.
    if listed.is_none() || dir != root {
        ignores.extend(ignore_file(dir));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            Error::invalid_input("folder", format!("Could not read {}: {e}", dir.display()))
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        // npm packs neither links nor devices.
        let is_dir = meta.is_dir();
        if !is_dir && !meta.is_file() {
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if dir == root && ROOT_EXCLUDED.contains(&relative.as_str()) || !packable(&relative) {
            continue;
        }
        // README, LICENSE and the like ship whatever the ignore files say.
        if dir == root && !is_dir && always_packed(&relative) {
            paths.push(relative);
            continue;
        }
        if ignores.iter().any(|i| i.matched(&path, is_dir).is_ignore()) {
            continue;
        }
        if is_dir {
            walk(root, &path, listed, &ignores, paths)?;
        } else if listed.is_none_or(|l| l.matched_path_or_any_parents(&path, false).is_ignore())
            || always_packed(&relative)
        {
            if paths.len() >= MAX_FILES {
                return Err(Error::invalid_input(
                    "folder",
                    "`folder` holds more than 100,000 files to pack.",
                ));
            }
            paths.push(relative);
        }
    }
    Ok(())
}

/// Whether npm could pack `relative` at all: never an `.npmrc` (it may hold a token; in any
/// case, so that a case-insensitive disk is covered), nor a name with `*` (npm-packlist skips
/// those as bad for Windows).
fn packable(relative: &str) -> bool {
    relative
        .split('/')
        .all(|part| !part.eq_ignore_ascii_case(".npmrc") && !part.contains('*'))
}

/// Whether `relative` is a file inside `root`, reached through no link (npm follows none).
fn is_plain_file(root: &Path, relative: &str) -> bool {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = relative.split('/').collect();
    parts.iter().enumerate().all(|(i, part)| {
        path.push(part);
        std::fs::symlink_metadata(&path).is_ok_and(|m| match i + 1 == parts.len() {
            true => m.is_file(),
            false => m.is_dir(),
        })
    })
}

/// package.json, and README, COPYING, LICENSE or LICENCE (any case, any extension) at the root.
fn always_packed(relative: &str) -> bool {
    if relative.contains('/') {
        return false;
    }
    let lower = relative.to_ascii_lowercase();
    lower == "package.json"
        || ["readme", "copying", "license", "licence"]
            .iter()
            .any(|name| {
                lower == *name
                    || lower
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('.') && !rest.ends_with(['~', '$']))
            })
}

/// `main`, `browser` and `bin` files: npm packs them whatever `files` says.
fn required_files(manifest: &Value) -> Vec<String> {
    let mut files = Vec::new();
    for key in ["main", "browser"] {
        if let Some(file) = manifest.get(key).and_then(Value::as_str) {
            files.push(file.to_string());
        }
    }
    match manifest.get("bin") {
        Some(Value::String(file)) => files.push(file.clone()),
        Some(Value::Object(bins)) => {
            files.extend(bins.values().filter_map(Value::as_str).map(String::from))
        }
        _ => {}
    }
    // npm reads each as a pattern anchored at the package folder (`!/${main}`): an absolute
    // path is one inside the folder, and nothing leaves it.
    files
        .into_iter()
        .filter(|f| !f.split('/').any(|part| part == ".."))
        .map(|f| {
            f.split('/')
                .filter(|part| !part.is_empty() && *part != ".")
                .collect::<Vec<_>>()
                .join("/")
        })
        .filter(|f| !f.is_empty())
        .filter(|f| packable(f))
        .collect()
}

/// npm-packlist's order, for compressibility: by extension, then base name, then path.
fn npm_order(a: &str, b: &str) -> std::cmp::Ordering {
    let ext = |p: &str| {
        let base = p.rsplit('/').next().unwrap_or(p);
        match base.rfind('.') {
            Some(0) | None => String::new(),
            Some(dot) => base[dot..].to_lowercase(),
        }
    };
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_lowercase();
    ext(a)
        .cmp(&ext(b))
        .then_with(|| base(a).cmp(&base(b)))
        .then_with(|| a.to_lowercase().cmp(&b.to_lowercase()))
        .then_with(|| a.cmp(b))
}

#[cfg(unix)]
fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tn-pack-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        for (path, text) in files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        dir
    }

    #[cfg(unix)]
    #[test]
    fn a_special_package_json_is_refused_not_read() {
        crate::read::in_bounded_child(
            "publish::pack::tests::a_special_package_json_is_refused_not_read",
            || {
                let dir = folder(&[("index.js", "")]);
                let made = std::process::Command::new("mkfifo")
                    .arg(dir.join("package.json"))
                    .status();
                assert!(made.unwrap().success());
                let err = pack(&dir).unwrap_err();
                assert!(err.message.contains("a FIFO"), "{}", err.message);
                std::fs::remove_dir_all(&dir).unwrap();
            },
        );
    }

    #[test]
    fn files_list_and_what_npm_always_packs() {
        let dir = folder(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","files":["lib/"],"bin":{"a":"cli.js"}}"#,
            ),
            ("lib/index.js", ""),
            ("lib/.npmrc", "secret"),
            ("cli.js", ""),
            ("test/a.test.js", ""),
            ("README.md", ""),
            ("LICENSE", ""),
            (".npmrc", "//r/:_authToken=secret"),
            ("node_modules/x/index.js", ""),
        ]);
        let tarball = pack(&dir).unwrap();
        let mut files = tarball.files.clone();
        files.sort();
        assert_eq!(
            files,
            [
                "LICENSE",
                "README.md",
                "cli.js",
                "lib/index.js",
                "package.json"
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn ignore_files_without_a_files_list() {
        let dir = folder(&[
            ("package.json", r#"{"name":"a","version":"1.0.0"}"#),
            (".npmignore", "test/\n*.log\n"),
            (".gitignore", "dist/\n"),
            ("dist/a.js", ""),
            ("test/a.js", ""),
            ("debug.log", ""),
            ("src/.gitignore", "gen.js\n"),
            ("src/gen.js", ""),
            ("src/main.js", ""),
            ("package-lock.json", "{}"),
        ]);
        let tarball = pack(&dir).unwrap();
        let mut files = tarball.files.clone();
        files.sort();
        // .npmignore wins over .gitignore at the root; a nested .gitignore still applies.
        assert_eq!(files, ["dist/a.js", "package.json", "src/main.js"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
