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
    let temp = temporary(target);
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        if let Permissions::Private = permissions {
            private(&mut options);
        }
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Whether [`replace`] can create its temporary file next to `target`: tried, and removed.
pub fn can_create_beside(target: &Path) -> std::io::Result<()> {
    let temp = temporary(target);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    std::fs::remove_file(&temp)
}

/// A name next to `target` that no other file has, this process's other writes included.
fn temporary(target: &Path) -> std::path::PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    target.with_file_name(format!(
        ".{name}.trust-native-{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// `file` readable by its owner only (on Unix; elsewhere the folder's ACLs decide), when it is
/// written in place rather than replaced.
pub fn make_private(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// `options` with a new file readable by its owner only (on Unix; elsewhere the folder's ACLs
/// decide). The one place the files that hold secrets get their mode.
pub fn private(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}
