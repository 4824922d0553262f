//! Writing output files atomically: a temporary file in the target folder, then a rename.
//!
//! A crash or a failed write never leaves half a file: the old file stays as it was until the
//! rename, which replaces it in one step.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically, creating missing parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".nimbus-lint-")
        .suffix(".tmp")
        .tempfile_in(parent)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    keep_permissions(tmp.path(), path)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Gives the new file the old file's permissions, or `rw-r--r--` (a temporary file starts
/// private).
#[cfg(unix)]
fn keep_permissions(tmp: &Path, path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let permissions = match std::fs::metadata(path) {
        Ok(old) => old.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    };
    std::fs::set_permissions(tmp, permissions)
}

#[cfg(not(unix))]
fn keep_permissions(_tmp: &Path, _path: &Path) -> std::io::Result<()> {
    Ok(())
}
