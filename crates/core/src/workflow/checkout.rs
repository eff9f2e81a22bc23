//! The repository checkout a call runs in: its root, and which repository it is a checkout of
//! (the `origin` remote, else the root package.json's `repository`), so that a check never
//! reads one repository's workflows for a publisher that trusts another.

use std::path::{Path, PathBuf};

use crate::package::Manifest;
use crate::repository::{self, RepoRef};

#[derive(Debug, Clone, PartialEq)]
pub struct Checkout {
    pub root: PathBuf,
    /// The repository it is a checkout of, when the remote or package.json says.
    pub identity: Option<RepoRef>,
}

/// The checkout `cwd` is in: the nearest folder upwards with `.git` (a folder, or a file in a
/// worktree), else with `marker` (`.github/workflows`, `.gitlab-ci.yml`: a copy without git).
pub fn find(cwd: &Path, marker: &str) -> Option<Checkout> {
    let root = cwd
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .or_else(|| cwd.ancestors().find(|dir| dir.join(marker).exists()))?;
    let identity = git_remote(root)
        .and_then(|url| repository::parse(&url))
        .or_else(|| {
            Manifest::read(&root.join("package.json"))
                .repository_spec()
                .and_then(repository::parse)
        });
    Some(Checkout {
        root: root.to_path_buf(),
        identity,
    })
}

/// The git directory holding the checkout's config: `.git`, or for a worktree the common
/// directory its `.git` file leads to.
fn git_config(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git.join("config"));
    }
    let pointer = crate::read::config(&dot_git).ok()?;
    let gitdir = root.join(pointer.strip_prefix("gitdir:")?.trim());
    let common = match crate::read::config(&gitdir.join("commondir")) {
        Ok(common) => gitdir.join(common.trim()),
        Err(_) => gitdir,
    };
    Some(common.join("config"))
}

/// The URL of the `origin` remote, else of the only remote.
fn git_remote(root: &Path) -> Option<String> {
    let config = crate::read::config(&git_config(root)?).ok()?;
    let mut remotes: Vec<(String, String)> = Vec::new();
    let mut section: Option<String> = None;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line
                .strip_prefix("[remote \"")
                .and_then(|rest| rest.strip_suffix("\"]"))
                .map(str::to_string);
        } else if let (Some(name), Some(("url", url))) = (
            &section,
            line.split_once('=').map(|(k, v)| (k.trim(), v.trim())),
        ) {
            remotes.push((name.clone(), url.to_string()));
        }
    }
    match remotes.iter().find(|(name, _)| name == "origin") {
        Some((_, url)) => Some(url.clone()),
        None if remotes.len() == 1 => remotes.pop().map(|(_, url)| url),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repository::Host;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tn-checkout-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn root_and_identity_from_the_remote_else_package_json() {
        let root = folder("remote");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("packages/a")).unwrap();
        std::fs::write(
            root.join(".git/config"),
            "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://github.com/up/x.git\n[remote \"origin\"]\n\turl = git@github.com:Acme/Mono.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
        )
        .unwrap();
        let found = find(&root.join("packages/a"), ".github/workflows").unwrap();
        assert_eq!(found.root, root);
        let identity = found.identity.unwrap();
        assert_eq!(
            (identity.host, identity.path.as_str()),
            (Host::GitHub, "Acme/Mono")
        );

        std::fs::write(root.join(".git/config"), "[core]\n").unwrap();
        std::fs::write(root.join("package.json"), r#"{"repository":"gitlab:g/p"}"#).unwrap();
        let identity = find(&root, ".gitlab-ci.yml").unwrap().identity.unwrap();
        assert_eq!(
            (identity.host, identity.path.as_str()),
            (Host::GitLab, "g/p")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn worktrees_and_copies_without_git() {
        let main = folder("main");
        std::fs::create_dir_all(main.join(".git/worktrees/wt")).unwrap();
        std::fs::write(main.join(".git/worktrees/wt/commondir"), "../..\n").unwrap();
        std::fs::write(
            main.join(".git/config"),
            "[remote \"origin\"]\n\turl = https://github.com/o/r\n",
        )
        .unwrap();
        let wt = folder("wt");
        std::fs::write(
            wt.join(".git"),
            format!("gitdir: {}\n", main.join(".git/worktrees/wt").display()),
        )
        .unwrap();
        assert_eq!(
            find(&wt, ".github/workflows")
                .unwrap()
                .identity
                .unwrap()
                .path,
            "o/r"
        );

        let copy = folder("copy");
        std::fs::create_dir_all(copy.join(".github/workflows")).unwrap();
        assert_eq!(find(&copy, ".github/workflows").unwrap().root, copy);
        for dir in [main, wt, copy] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}
