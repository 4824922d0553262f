//! Writing output files atomically: a temporary file in the target folder, then a rename.
//!
//! A crash or a failed write never leaves half a file: the old file stays as it was until the
//! rename, which replaces it in one step.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The temporary file being written, for [`remove_pending`] to clean up on interruption.
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Removes the temporary file of a write in progress, if any. Called from the signal handler
/// of `build` and `check --fix` (SIGINT, SIGTERM): the process ends without running
/// destructors.
pub fn remove_pending() {
    let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(path) = pending {
        let _ = std::fs::remove_file(path);
    }
}

/// Records the temporary file for the duration of a write.
struct Pending;

impl Pending {
    fn new(path: &Path) -> Self {
        *PENDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.to_path_buf());
        Pending
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        PENDING.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// Why a symbolic link is never written over (nor compared with, by `build --check`).
pub const LINK_REFUSED: &str =
    "it is a symbolic link; nimbus-lint replaces only regular files: give the path it points to";

/// True when `path` is a symbolic link (dangling or not).
pub fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Writes what `fill` writes to `path` atomically, creating missing parent folders. When
/// `fill` fails, the temporary file is removed and `path` is left as it was. A device or pipe
/// at `path` is written into directly.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`): write into it, never rename a
        // regular file over it.
        let mut target = std::fs::OpenOptions::new().write(true).open(path)?;
        fill(&mut target)?;
        return target.flush();
    }
    if is_link(path) {
        // Renaming over the link would replace the link, not what it points to; following it
        // could write outside the workspace. Neither: the link and its target stay as they are.
        return Err(std::io::Error::other(LINK_REFUSED));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // The folders this write makes, outermost first: taken away again if it fails.
    let made: Vec<&Path> = {
        let mut missing: Vec<&Path> = (parent.ancestors())
            .take_while(|dir| {
                !dir.as_os_str().is_empty() && std::fs::symlink_metadata(dir).is_err()
            })
            .collect();
        missing.reverse();
        missing
    };
    // Innermost first, each that was made (an empty folder only: one that failed to be made
    // is simply not there).
    let take_back = || {
        for dir in made.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    };
    if let Err(e) = std::fs::create_dir_all(parent) {
        take_back();
        return Err(match e.kind() {
            // A file where a folder of the path should be.
            std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory => {
                std::io::Error::from(std::io::ErrorKind::NotADirectory)
            }
            // Its own words: the system's ("no such file or directory") would name the target.
            _ => std::io::Error::other(format!(
                "cannot make its folder {}: {}",
                parent.display(),
                crate::load::io_message(&e)
            )),
        });
    }
    let written = write_beside(path, parent, fill);
    if written.is_err() {
        take_back();
    }
    written
}

/// [`write_atomic`] once the folder exists: a temporary file in `parent`, renamed over `path`.
fn write_beside(
    path: &Path,
    parent: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let old = std::fs::metadata(path).ok();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".nimbus-lint-").suffix(".tmp");
    if old.is_none() {
        // A new file is made as any other program makes one: `rw-rw-rw-` less the umask.
        new_file_permissions(&mut builder);
    }
    let mut tmp = builder.tempfile_in(parent).map_err(|e| {
        // Its own words: the system's ("no such file or directory") would name the target.
        std::io::Error::other(format!(
            "cannot make a temporary file beside it, in {}: {}",
            parent.display(),
            crate::load::io_message(&e)
        ))
    })?;
    let _pending = Pending::new(tmp.path());
    if let Some(ms) = std::env::var("NIMBUS_LINT_TEST_WRITE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        // Tests interrupt a build mid-write through this window.
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    if let Some(old) = &old {
        // A temporary file starts private: it gets the old file's permissions.
        std::fs::set_permissions(tmp.path(), old.permissions())?;
        // The old file's owner and group, when this user may give them (root may): a run as
        // root must not leave a user's file root's. Otherwise the file becomes the writer's,
        // as any editor's save would make it.
        let _ = keep_owner(tmp.path(), old);
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Gives the new file the old file's owner and group; an error when that cannot be done.
#[cfg(unix)]
fn keep_owner(tmp: &Path, old: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let new = std::fs::metadata(tmp)?;
    if (old.uid(), old.gid()) == (new.uid(), new.gid()) {
        return Ok(());
    }
    std::os::unix::fs::chown(tmp, Some(old.uid()), Some(old.gid()))
        .map_err(|e| std::io::Error::other(format!("cannot keep its owner and group ({e})")))
}

#[cfg(not(unix))]
fn keep_owner(_tmp: &Path, _old: &std::fs::Metadata) -> std::io::Result<()> {
    Ok(())
}

/// Asks for `rw-rw-rw-`, which the kernel narrows by the umask as the file is made.
#[cfg(unix)]
fn new_file_permissions(builder: &mut tempfile::Builder<'_, '_>) {
    use std::os::unix::fs::PermissionsExt;
    builder.permissions(std::fs::Permissions::from_mode(0o666));
}

#[cfg(not(unix))]
fn new_file_permissions(_builder: &mut tempfile::Builder<'_, '_>) {}

/// A writer that compares what is written with a file, without holding either in memory.
pub struct CompareWriter {
    old: std::io::BufReader<std::fs::File>,
    buf: Vec<u8>,
    equal: bool,
}

impl CompareWriter {
    /// Compares with the file at `path`.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        Ok(CompareWriter {
            old: std::io::BufReader::new(std::fs::File::open(path)?),
            buf: Vec::new(),
            equal: true,
        })
    }

    /// True when everything written equals the whole file.
    pub fn finish(mut self) -> std::io::Result<bool> {
        use std::io::Read;
        let mut rest = [0u8; 1];
        Ok(self.equal && self.old.read(&mut rest)? == 0)
    }
}

impl Write for CompareWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        use std::io::Read;
        if self.equal {
            self.buf.resize(data.len(), 0);
            match self.old.read_exact(&mut self.buf) {
                Ok(()) => self.equal = self.buf == data,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => self.equal = false,
                Err(e) => return Err(e),
            }
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_made_before_one_that_cannot_be_are_taken_back() {
        // `new` is made, then a name too long for the system cannot be.
        let dir = tempfile::tempdir().unwrap();
        let path = dir
            .path()
            .join("new")
            .join("x".repeat(300))
            .join("bundle.json");
        let err = write_atomic(&path, |w| w.write_all(b"new")).unwrap_err();
        assert!(err.to_string().contains("cannot make its folder"), "{err}");
        assert!(!dir.path().join("new").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failing_write_takes_away_the_folders_it_made_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dist")).unwrap();
        let path = dir.path().join("dist/new/deep/bundle.json");
        let err = write_atomic(&path, |_| Err(std::io::Error::other("disk full"))).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert!(dir.path().join("dist").is_dir());
        assert!(!dir.path().join("dist/new").exists());
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn a_failing_fill_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.json");
        std::fs::write(&path, "old").unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"half a bund")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_neither_replaced_nor_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_atomic(&link, |w| w.write_all(b"new")).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn compare_writer_sees_equal_prefix_longer_and_shorter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "abcdef").unwrap();
        for (written, equal) in [
            ("abcdef", true),
            ("abc", false),
            ("abcdefg", false),
            ("abcxef", false),
        ] {
            let mut w = CompareWriter::open(&path).unwrap();
            for chunk in written.as_bytes().chunks(2) {
                w.write_all(chunk).unwrap();
            }
            assert_eq!(w.finish().unwrap(), equal, "{written}");
        }
    }
}
