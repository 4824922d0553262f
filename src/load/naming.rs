//! How files are named in messages: relative to the current folder ([`Naming`]), with paths
//! normalized lexically.

use std::path::{Path, PathBuf};

/// How the current directory is used to name files.
#[derive(Debug, Clone)]
pub struct Naming {
    cwd: PathBuf,
    /// The current directory as the shell spells it (`$PWD`), when a symbolic link leads to
    /// it: `"$PWD/tenant"` names the files `tenant` names.
    logical: Option<PathBuf>,
}

impl Naming {
    /// Names relative to the process's current directory.
    pub fn from_cwd() -> Self {
        let cwd = std::env::current_dir().unwrap_or_default();
        let logical = std::env::var_os("PWD")
            .map(PathBuf::from)
            // Kept as spelled: made lexically normal, `lnk/../real` could name another folder.
            .filter(|pwd| pwd.is_absolute() && *pwd != cwd)
            .filter(|pwd| {
                let real = |p: &Path| std::fs::canonicalize(p).ok();
                real(pwd).is_some_and(|r| Some(r) == real(&cwd))
            });
        Naming { cwd, logical }
    }

    /// Names relative to `dir` (an absolute path).
    pub fn at(dir: &Path) -> Self {
        Naming {
            cwd: dir.to_path_buf(),
            logical: None,
        }
    }

    /// The absolute form of `path`, without resolving symbolic links but for the current
    /// directory's (`"$PWD/tenant"` is `tenant`) and those a `..` follows, as the system
    /// resolves them (`lnk/..` is the folder above the link's target, not the link's own).
    pub fn absolute(&self, path: &Path) -> PathBuf {
        let below_logical = || {
            Some(
                self.cwd
                    .join(path.strip_prefix(self.logical.as_ref()?).ok()?),
            )
        };
        let joined = if path.is_absolute() {
            below_logical().unwrap_or_else(|| path.to_path_buf())
        } else {
            self.cwd.join(path)
        };
        resolve(&joined)
    }

    /// `path` relative to the current directory when below it, else absolute.
    pub fn display(&self, path: &Path) -> String {
        let abs = self.absolute(path);
        let shown = abs.strip_prefix(&self.cwd).unwrap_or(&abs);
        let s = crate::source::path_text(shown);
        if s.is_empty() {
            ".".to_owned()
        } else {
            crate::source::printable(&s).into_owned()
        }
    }
}

/// [`normalize`], but a `..` after a symbolic link is taken from the link's target, as the
/// system takes it. A path with no `..` is not looked at on disk.
fn resolve(path: &Path) -> PathBuf {
    use std::path::Component;
    if !path.components().any(|c| c == Component::ParentDir) {
        return normalize(path);
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let link =
                    std::fs::symlink_metadata(&out).is_ok_and(|m| m.file_type().is_symlink());
                if link && let Ok(target) = std::fs::canonicalize(&out) {
                    out = target;
                }
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Removes `.` and resolves `..` lexically (without touching the file system).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
