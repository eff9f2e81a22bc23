//! Handing a token to package managers: an `_authToken` line in an .npmrc (npm, pnpm, yarn 1
//! and bun read it) and the environment variables the others read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::Url;
use serde::Serialize;

use crate::error::{Code, Error, Result};

/// npm's key for a registry's credentials: `//host[:port]/path/` (the "nerf dart").
pub fn nerf_dart(registry: &Url) -> String {
    let host = registry.host_str().unwrap_or_default();
    let port = registry.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("//{host}{port}{}", registry.path())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenAuth {
    pub path: PathBuf,
    /// The key written, e.g. `//registry.npmjs.org/:_authToken`.
    pub key: String,
    /// Lines for the same registry that were replaced (a static `${NODE_AUTH_TOKEN}` line from
    /// actions/setup-node would otherwise shadow the new token).
    pub replaced: usize,
}

/// Writes `//host/path/:_authToken=<token>` into `path`, replacing any `_authToken` line for the
/// same registry and keeping everything else. The file is created readable by its owner only.
pub fn write_auth_token(path: &Path, registry: &Url, token: &str) -> Result<WrittenAuth> {
    let key = format!("{}:_authToken", nerf_dart(registry));
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io_error(path, e)),
    };
    let same_key = |line: &str| {
        line.split_once('=')
            .is_some_and(|(k, _)| k.trim().trim_matches('"') == key)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut replaced = 0;
    for line in existing.lines() {
        if same_key(line) {
            replaced += 1;
        } else {
            lines.push(line.to_string());
        }
    }
    lines.push(format!("{key}={token}"));
    let text = lines.join("\n") + "\n";
    write_private(path, &text).map_err(|e| io_error(path, e))?;
    Ok(WrittenAuth {
        path: path.to_path_buf(),
        key,
        replaced,
    })
}

fn io_error(path: &Path, error: std::io::Error) -> Error {
    Error::new(
        Code::InvalidInput,
        format!("Cannot write {}: {error}", path.display()),
    )
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Environment variables that carry the token to package managers that read the environment:
/// `NODE_AUTH_TOKEN` (actions/setup-node's .npmrc), `NPM_TOKEN`, yarn berry's
/// `YARN_NPM_AUTH_TOKEN`, and npm's own `npm_config_//host/path/:_authToken`.
pub fn auth_env(registry: &Url, token: &str) -> BTreeMap<String, String> {
    [
        "NODE_AUTH_TOKEN".to_string(),
        "NPM_TOKEN".to_string(),
        "YARN_NPM_AUTH_TOKEN".to_string(),
        format!("npm_config_{}:_authToken", nerf_dart(registry)),
    ]
    .into_iter()
    .map(|k| (k, token.to_string()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_registry_line_and_keeps_the_rest() {
        let dir = std::env::temp_dir().join(format!("tn-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".npmrc");
        std::fs::write(
            &path,
            "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}\n//other.example/:_authToken=keep\n",
        )
        .unwrap();
        let registry = Url::parse("https://registry.npmjs.org/").unwrap();
        let written = write_auth_token(&path, &registry, "fresh-token").unwrap();
        assert_eq!(written.replaced, 1);
        assert_eq!(written.key, "//registry.npmjs.org/:_authToken");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "registry=https://registry.npmjs.org/\n//other.example/:_authToken=keep\n//registry.npmjs.org/:_authToken=fresh-token\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let fresh = dir.join("new.npmrc");
            write_auth_token(&fresh, &registry, "t").unwrap();
            assert_eq!(
                std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nerf_darts_keep_port_and_path() {
        let r = Url::parse("http://127.0.0.1:4873/api/npm/").unwrap();
        assert_eq!(nerf_dart(&r), "//127.0.0.1:4873/api/npm/");
        assert!(auth_env(&r, "t").contains_key("npm_config_//127.0.0.1:4873/api/npm/:_authToken"));
    }
}
