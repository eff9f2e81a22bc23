//! Files replaced whole: the new contents go to a temporary file next to the target, which is
//! then renamed over it. A reader sees the old file or the new one, never half of one, and a
//! failure leaves the old one as it was (and no temporary file behind).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The permissions of the new file.
pub enum Permissions {
    /// Readable by its owner only: the file holds a secret (whatever the file it replaces had).
    Private,
    /// What a new file gets by default (the umask's).
    Default,
}

/// Replaces `target` with `bytes`.
pub fn replace(target: &Path, bytes: &[u8], permissions: Permissions) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temp = target.with_file_name(format!(
        ".{name}.trust-native-{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = match &permissions {
            Permissions::Default => std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?,
            Permissions::Private => create_private(&temp)?,
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}
