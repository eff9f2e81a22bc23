//! Where npm's own config files are, as @npmcli/config finds them: the builtin `npmrc` in npm's
//! install folder (Node's Windows installer puts `prefix=${APPDATA}\npm` there, Homebrew its
//! prefix), and the global `<prefix>/etc/npmrc`, the prefix defaulting to Node's folder on
//! Windows and to its parent elsewhere. Paths in config values take `~/` as the home folder.

use std::path::{Component, Path, PathBuf};

use super::EnvVars;

/// npm's install folder (`npmPath`), whose `npmrc` is the builtin config: the npm that runs
/// scripts (`npm_execpath`, under `npm run` and `npx`), else the first `npm` on PATH, else the
/// one installed with `node`.
pub fn npm_dir(env: &EnvVars, node: &Path) -> Option<PathBuf> {
    let cli = |path: &Path| {
        let bin = path.parent()?;
        let is_cli = matches!(path.file_name()?.to_str()?, "npm-cli.js" | "npx-cli.js");
        if !is_cli || bin.file_name()? != "bin" {
            return None;
        }
        bin.parent().map(Path::to_path_buf)
    };
    if let Some(found) = env
        .non_empty("npm_execpath")
        .and_then(|p| cli(Path::new(&p)))
    {
        return Some(found);
    }
    if let Some(npm) = env.which("npm") {
        // Windows: `npm.cmd` next to `node_modules\npm`; elsewhere a link to `bin/npm-cli.js`.
        let found = match env.is_windows() {
            true => npm.parent().map(|dir| dir.join("node_modules").join("npm")),
            false => std::fs::canonicalize(&npm).ok().and_then(|p| cli(&p)),
        };
        if found.as_deref().is_some_and(Path::is_dir) {
            return found;
        }
    }
    let dir = node.parent()?;
    Some(match env.is_windows() {
        true => dir.join("node_modules").join("npm"),
        false => dir.parent()?.join("lib").join("node_modules").join("npm"),
    })
}

/// npm's default global prefix, before any config sets `prefix`: `PREFIX`, else Node's folder
/// on Windows (`C:\node\node.exe`: `C:\node`), its parent elsewhere (`/usr/local/bin/node`:
/// `/usr/local`, under `DESTDIR` when that is set).
pub fn default_prefix(env: &EnvVars, node: &Path) -> Option<PathBuf> {
    if let Some(prefix) = env.non_empty("PREFIX") {
        return Some(PathBuf::from(prefix));
    }
    let dir = node.parent()?;
    if env.is_windows() {
        return Some(dir.to_path_buf());
    }
    let prefix = dir.parent()?;
    Some(match env.non_empty("DESTDIR") {
        Some(destdir) => Path::new(&destdir).join(
            prefix
                .components()
                .filter(|c| !matches!(c, Component::RootDir | Component::Prefix(_)))
                .collect::<PathBuf>(),
        ),
        None => prefix.to_path_buf(),
    })
}

/// A path-valued setting (`userconfig`, `globalconfig`, `prefix`) as npm reads it: `~/` (also
/// `~\` on Windows) is the home folder, a relative path is relative to `cwd`.
pub fn path_value(value: &str, home: Option<&Path>, cwd: &Path, windows: bool) -> PathBuf {
    let rest = value
        .strip_prefix("~/")
        .or_else(|| value.strip_prefix("~\\").filter(|_| windows));
    match (rest, home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => cwd.join(value),
    }
}
