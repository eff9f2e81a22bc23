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

/// `options` with a new file readable by its owner only (on Unix; elsewhere the folder's ACLs
/// decide). The one place the files that hold secrets get their mode.
pub fn private(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}
