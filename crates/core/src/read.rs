//! Files read from a checkout (package.json, .npmrc, pnpm-workspace.yaml, CI files, ignore
//! files, git metadata, files to pack), as hostile input: a checkout can hold a FIFO that never
//! ends a read, a device or a link to `/dev/zero` that never stops giving bytes, or a file of any
//! size. Every such read goes through here: only a regular file is read (checked on the opened
//! handle, so the file cannot be swapped between a check and the read), and never more than a
//! limit.

use std::io::{Error, ErrorKind, Read, Result};
use std::path::Path;

/// Config files (package.json, .npmrc, workspace files) and git metadata: far larger than any
/// written by hand or by a tool.
pub const CONFIG_LIMIT: u64 = 16 * 1024 * 1024;

/// The bytes of the regular file `path`, at most `limit` of them; a larger file is an error
/// (`InvalidData`), as is anything but a regular file. A missing file is `NotFound`.
pub fn bytes(path: &Path, limit: u64) -> Result<Vec<u8>> {
    from_file(&open(path)?, limit)
}

/// [`bytes`] of a file already open, from where its handle is (the start, for a new handle).
pub fn from_file(file: &std::fs::File, limit: u64) -> Result<Vec<u8>> {
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("{}, not a regular file", describe(kind)),
        ));
    }
    let mut out = Vec::new();
    file.take(limit + 1).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {}", size(limit)),
        ));
    }
    Ok(out)
}

/// [`bytes`] as UTF-8 text.
pub fn text(path: &Path, limit: u64) -> Result<String> {
    String::from_utf8(bytes(path, limit)?)
        .map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

/// [`text`] within [`CONFIG_LIMIT`].
pub fn config(path: &Path) -> Result<String> {
    text(path, CONFIG_LIMIT)
}

/// Runs `work` that blocks on the file system (loading a project's config, walking a
/// workspace) so that the runtime's other tasks, a call's time budget and abort among them, go
/// on meanwhile: on a multi-threaded runtime the worker hands its other tasks over first.
pub fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// Opens without blocking: opening a FIFO for reading waits for a writer, forever if none
/// comes; with `O_NONBLOCK` it returns at once and the type check refuses it.
#[cfg(unix)]
fn open(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path)
}

fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Runs a test's dangerous part in a child process (this test binary, this one test) bounded in
/// memory (where the system bounds address space) and time, so that a defect that blows up or
/// hangs fails the test instead of taking the test runner (or the machine) down with it. `test`
/// is the test's path as the harness names it (`package::tests::name`).
#[cfg(all(test, unix))]
pub fn in_bounded_child(test: &str, body: impl FnOnce()) {
    const CHILD: &str = "TRUST_NATIVE_BOUNDED_CHILD";
    /// Two generous minutes: the fixed code needs a tiny part of them.
    const TIME: std::time::Duration = std::time::Duration::from_secs(120);
    if std::env::var_os(CHILD).is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    // 2 GiB of address space; `exec` keeps the child's pid the test binary's.
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 2097152 2>/dev/null; exec "$0" --exact "$1" --test-threads=1"#)
        .arg(exe)
        .arg(test)
        .env(CHILD, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(output) = ended.recv_timeout(TIME) else {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid])
            .status();
        panic!(
            "{test} did not end within {} s in its bounded child",
            TIME.as_secs()
        );
    };
    let output = output.unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && said.contains("1 passed"),
        "{test} failed in its bounded child ({}):\n{said}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tn-read-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn only_regular_files_within_the_limit() {
        in_bounded_child("read::tests::only_regular_files_within_the_limit", || {
            let dir = dir("kinds");
            let fifo = dir.join("fifo");
            assert!(std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success());
            let err = config(&fifo).unwrap_err();
            assert!(err.to_string().contains("a FIFO"), "{err}");
            let zero = dir.join("zero");
            std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
            assert!(config(&zero).unwrap_err().to_string().contains("a device"));
            assert!(config(&dir).unwrap_err().to_string().contains("directory"));
            let big = dir.join("big");
            std::fs::write(&big, vec![b'x'; 2048]).unwrap();
            assert!(text(&big, 1024)
                .unwrap_err()
                .to_string()
                .contains("larger than 1 KiB"));
            assert_eq!(text(&big, 2048).unwrap().len(), 2048);
            assert_eq!(
                config(&dir.join("none")).unwrap_err().kind(),
                ErrorKind::NotFound
            );
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }
}
