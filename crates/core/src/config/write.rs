//! Handing a token to package managers: an `_authToken` line in an .npmrc (npm, pnpm, yarn 1
//! and bun read it) and the environment variables the others read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::Serialize;

use crate::error::{Code, Error, Result};
use crate::files::{replace, Permissions};

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

/// How long a writer waits for another (thread or process) to finish with the same .npmrc.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// A token from a registry answer, before it goes into a file or the environment: one with a
/// line break or any other control character would add lines of its own to an .npmrc
/// (`npm_X\nscript-shell=...`), so it is refused.
pub fn check_token(token: &str) -> Result<()> {
    if token.is_empty() || token.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::new(
            Code::Response,
            "The registry answered a token that is empty or holds spaces or control characters; \
             it was neither written nor returned.",
        ));
    }
    Ok(())
}

/// The file a write to `path` changes, checked before anything is asked of the registry so a
/// minted token is never lost to an unwritable file. A symbolic link is followed to an existing
/// file (a dotfiles setup); a link to nothing is refused rather than creating its target,
/// which may be anywhere.
pub fn npmrc_target(path: &Path) -> Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path).map_err(|_| {
            Error::invalid_input(
                "writeNpmrc",
                format!(
                    "{} is a symbolic link to a file that does not exist: trust-native does not \
                     create files through links. Create the file it points to, or write to \
                     another path.",
                    path.display()
                ),
            )
        })?
    } else {
        path.to_path_buf()
    };
    // As the write will: the file opened for writing, or when it is not there, a new file
    // created next to it. What the folder's mode or attributes say is no answer: Windows
    // ignores a folder's read-only attribute (Documents and Desktop have it), root ignores
    // modes.
    let writable = match std::fs::OpenOptions::new().append(true).open(&target) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::files::can_create_beside(&target)
        }
        Err(e) => Err(e),
    };
    writable.map_err(|e| io_error(&target, e))?;
    Ok(target)
}

/// Writes `//host/path/:_authToken=<token>` into `path`, replacing any `_authToken` line for the
/// same registry and keeping every other byte: lines, their order, CRLF line ends, bytes that
/// are not UTF-8. The line goes before the first `[section]` (npm reads keys there as part of
/// the section). The file is replaced atomically (a temporary file in the same folder, renamed
/// over it), under a lock, so concurrent writers (threads or processes) each keep the others'
/// lines; it then holds a token, so it is readable by its owner only (`0600`), whatever its
/// mode was.
pub fn write_auth_token(path: &Path, registry: &Url, token: &str) -> Result<WrittenAuth> {
    check_token(token)?;
    let key = format!("{}:_authToken", nerf_dart(registry));
    let target = npmrc_target(path)?;
    let (locked, existing) = lock(&target).map_err(|e| io_error(&target, e))?;
    let (text, replaced) = with_token(&existing, &key, token);
    write_locked(&locked, &target, &text, replace).map_err(|e| io_error(&target, e))?;
    drop(locked);
    Ok(WrittenAuth {
        path: path.to_path_buf(),
        key,
        replaced,
    })
}

/// `existing` with `key=token` instead of its lines for `key`, and how many there were. Every
/// other line keeps its bytes and its line end; the new line takes the replaced one's (else the
/// file's: CRLF when it has any); the file ends as it ended, with or without a newline (a last
/// line without one gets one only when a line goes after it).
fn with_token(existing: &[u8], key: &str, token: &str) -> (Vec<u8>, usize) {
    let usual: &[u8] = if existing.windows(2).any(|w| w == b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let same_key = |line: &[u8]| {
        let line = String::from_utf8_lossy(line);
        line.split_once('=')
            .is_some_and(|(k, _)| k.trim().trim_matches('"') == key)
    };
    let is_section = |line: &[u8]| line.trim_ascii_start().starts_with(b"[");
    // Each line with its own end: `\n`, `\r\n`, or nothing for text after the last newline.
    let mut lines: Vec<(&[u8], &[u8])> = existing
        .split_inclusive(|b| *b == b'\n')
        .map(|line| {
            let end = match line {
                [.., b'\r', b'\n'] => 2,
                [.., b'\n'] => 1,
                _ => 0,
            };
            line.split_at(line.len() - end)
        })
        .collect();
    let unterminated = lines.last().is_some_and(|(_, end)| end.is_empty());
    let mut replaced_end = None;
    let before = lines.len();
    lines.retain(|(line, end)| {
        let same = same_key(line);
        if same && !end.is_empty() {
            replaced_end.get_or_insert(*end);
        }
        !same
    });
    let replaced = before - lines.len();
    let new_line = format!("{key}={token}");
    let at = lines
        .iter()
        .position(|(l, _)| is_section(l))
        .unwrap_or(lines.len());
    lines.insert(at, (new_line.as_bytes(), replaced_end.unwrap_or(usual)));
    let last = lines.len() - 1;
    let mut text = Vec::with_capacity(existing.len() + new_line.len() + 2);
    for (i, (line, end)) in lines.into_iter().enumerate() {
        text.extend_from_slice(line);
        text.extend_from_slice(match (i == last, end.is_empty()) {
            (true, _) if unterminated => b"",
            (_, true) => usual,
            _ => end,
        });
    }
    (text, replaced)
}

/// An exclusive lock on the file at `target` (created when missing), and the file's bytes,
/// read through the locked handle: on Windows a lock is mandatory, so a second handle could not
/// read them. Another writer may have renamed a new file into place while this one waited: then
/// the lock is on a file no one reads any more, so it is taken again on the current one.
fn lock(target: &Path) -> std::io::Result<(std::fs::File, Vec<u8>)> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        let file = crate::files::private(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .open(target)?;
        let busy = match file.try_lock() {
            Ok(()) if same_file(&file, target) => {
                let bytes = crate::read::from_file(&file, crate::read::CONFIG_LIMIT)?;
                return Ok((file, bytes));
            }
            // Renamed away: the next try opens the file at the path now.
            Ok(()) => false,
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        };
        if Instant::now() >= deadline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "another process kept it locked for 10 s",
            ));
        }
        if busy {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// `text` into `target`, whose lock `file` holds: replaced atomically (a new file renamed over
/// it) where that can be done. A file system that cannot replace a file while it is open (on
/// Windows: FAT, network drives, Wine; `Access denied`), or a folder where no file can be
/// created, gets it written in place through the locked handle, as npm writes its .npmrc.
/// `replace` is [`crate::files::replace`], passed in so tests can refuse it.
fn write_locked(
    mut file: &std::fs::File,
    target: &Path,
    text: &[u8],
    replace: impl FnOnce(&Path, &[u8], Permissions) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    match replace(target, text, Permissions::Private) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            crate::files::make_private(file)?;
            file.seek(std::io::SeekFrom::Start(0))?;
            file.write_all(text)?;
            file.set_len(text.len() as u64)?;
            file.sync_all()
        }
        done => done,
    }
}

/// Whether `file` is the file at `path` now, by identity (device and inode on Unix, volume
/// serial number and file index on Windows), not by name.
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    let open = file.try_clone().and_then(same_file::Handle::from_file);
    match (open, same_file::Handle::from_path(path)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn io_error(path: &Path, error: std::io::Error) -> Error {
    Error::new(
        Code::InvalidInput,
        format!("Cannot write {}: {error}", path.display()),
    )
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

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tn-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn npmjs() -> Url {
        Url::parse("https://registry.npmjs.org/").unwrap()
    }

    /// A file that holds a token is readable by its owner only, whatever it was before (a
    /// project .npmrc is usually 0644), through a link too.
    #[cfg(unix)]
    #[test]
    fn a_file_with_a_token_ends_up_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("private");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let path = dir.join(".npmrc");
        std::fs::write(&path, "mine=1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_auth_token(&path, &npmjs(), "t").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "mine=1\n//registry.npmjs.org/:_authToken=t\n"
        );
        let real = dir.join("dotfiles-npmrc");
        std::fs::write(&real, "").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o664)).unwrap();
        let link = dir.join("linked");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_auth_token(&link, &npmjs(), "t").unwrap();
        assert_eq!(mode(&real), 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_line_goes_before_the_first_section_and_line_ends_are_kept() {
        let (text, replaced) = with_token(
            b"registry=https://registry.npmjs.org/\r\n[profile]\r\nkey=value\r\n",
            "//registry.npmjs.org/:_authToken",
            "t",
        );
        assert_eq!(replaced, 0);
        assert_eq!(
            text,
            b"registry=https://registry.npmjs.org/\r\n//registry.npmjs.org/:_authToken=t\r\n[profile]\r\nkey=value\r\n"
        );
        // Bytes that are not UTF-8 stay as they were.
        let (text, _) = with_token(b"name=caf\xe9\nlast=1\n", "k", "t");
        assert_eq!(text, b"name=caf\xe9\nlast=1\nk=t\n");
    }

    /// Every other line keeps its bytes and its own line end; the replaced line keeps its own;
    /// the file ends as it ended (a last line without a newline gets one only when a line is
    /// appended after it).
    #[test]
    fn every_byte_of_the_other_lines_is_kept() {
        let key = "//r.example/:_authToken";
        let case = |before: &[u8], after: &[u8]| {
            let (text, _) = with_token(before, key, "t");
            assert_eq!(
                String::from_utf8_lossy(&text),
                String::from_utf8_lossy(after),
                "{}",
                String::from_utf8_lossy(before)
            );
        };
        // A mixed file: the replaced `\n` line stays `\n`, the `\r\n` ones stay `\r\n`.
        case(
            b"; c\r\n//r.example/:_authToken=old\nx=1\r\n",
            b"; c\r\nx=1\r\n//r.example/:_authToken=t\n",
        );
        case(
            b"a=1\r\n//r.example/:_authToken=old\r\nb=2\n",
            b"a=1\r\nb=2\n//r.example/:_authToken=t\r\n",
        );
        // No newline at the end: none added; the line before the appended one gets one.
        case(b"last=1", b"last=1\n//r.example/:_authToken=t");
        case(
            b"a=1\r\nlast=1",
            b"a=1\r\nlast=1\r\n//r.example/:_authToken=t",
        );
        case(
            b"a=1\n//r.example/:_authToken=old",
            b"a=1\n//r.example/:_authToken=t",
        );
        case(
            b"//r.example/:_authToken=old\n[s]\nfoo=bar\nlast=1",
            b"//r.example/:_authToken=t\n[s]\nfoo=bar\nlast=1",
        );
        case(b"", b"//r.example/:_authToken=t\n");
        case(b"a=1\n", b"a=1\n//r.example/:_authToken=t\n");
    }

    #[test]
    fn a_token_with_control_characters_is_never_written() {
        let dir = temp_dir("control");
        let path = dir.join(".npmrc");
        std::fs::write(&path, "mine=1\n").unwrap();
        for token in [
            "npm_X\nscript-shell=/tmp/evil",
            "npm_X\r",
            "a b",
            "",
            "npm_\u{1b}[2J",
        ] {
            let error = write_auth_token(&path, &npmjs(), token).unwrap_err();
            assert_eq!(error.code, Code::Response, "{token:?}");
            assert!(!error.message.contains("evil"));
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine=1\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_to_a_file_never_to_nothing() {
        let dir = temp_dir("links");
        let real = dir.join("dotfiles-npmrc");
        std::fs::write(&real, "mine=1\n").unwrap();
        let link = dir.join(".npmrc");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_auth_token(&link, &npmjs(), "t").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(&real).unwrap(),
            "mine=1\n//registry.npmjs.org/:_authToken=t\n"
        );
        let dangling = dir.join("dangling");
        std::os::unix::fs::symlink(dir.join("elsewhere/.npmrc"), &dangling).unwrap();
        let error = write_auth_token(&dangling, &npmjs(), "t").unwrap_err();
        assert_eq!(error.code, Code::InvalidInput);
        assert!(!dir.join("elsewhere").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Finding 10 (issue 23): a folder's read-only attribute (Windows gives it to Documents
    /// and Desktop, and ignores it) or mode (root ignores it) is no reason to refuse: the
    /// .npmrc is refused exactly when it cannot be written.
    #[test]
    fn a_new_file_is_refused_only_when_it_cannot_be_created() {
        let dir = temp_dir("readonly");
        let mut permissions = std::fs::metadata(&dir).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&dir, permissions.clone()).unwrap();
        let creatable = std::fs::write(dir.join("probe"), "").is_ok();
        let _ = std::fs::remove_file(dir.join("probe"));
        let written = write_auth_token(&dir.join(".npmrc"), &npmjs(), "t");
        assert_eq!(written.is_ok(), creatable, "{written:?}");
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&dir, permissions).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Finding 1 (issue 23): the file is read through the handle that holds the lock (on
    /// Windows a lock is mandatory: a second handle's read fails), and the lock's file is told
    /// from another by identity, off Unix too (it was always "the same" there), so a lock on a
    /// file renamed away is never taken for one on the file at the path.
    #[test]
    fn the_lock_reads_through_its_own_handle_and_knows_its_file() {
        let dir = temp_dir("lock");
        let path = dir.join(".npmrc");
        std::fs::write(&path, "mine=1\n").unwrap();
        let other = dir.join("other");
        std::fs::write(&other, "mine=1\n").unwrap();
        let (file, bytes) = lock(&path).unwrap();
        assert_eq!(bytes, b"mine=1\n");
        assert!(same_file(&file, &path));
        assert!(!same_file(&file, &other));
        drop(file);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_writers_keep_every_line() {
        let dir = temp_dir("concurrent");
        let path = dir.join(".npmrc");
        std::fs::write(&path, "//own.example/:_authToken=users-own\n").unwrap();
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let registry = Url::parse(&format!("https://r{i}.example/")).unwrap();
                    write_auth_token(&path, &registry, &format!("t{i}")).unwrap();
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("//own.example/:_authToken=users-own"),
            "{text}"
        );
        for i in 0..8 {
            assert!(
                text.contains(&format!("//r{i}.example/:_authToken=t{i}")),
                "{text}"
            );
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nerf_darts_keep_port_and_path() {
        let r = Url::parse("http://127.0.0.1:4873/api/npm/").unwrap();
        assert_eq!(nerf_dart(&r), "//127.0.0.1:4873/api/npm/");
        assert!(auth_env(&r, "t").contains_key("npm_config_//127.0.0.1:4873/api/npm/:_authToken"));
    }
}
