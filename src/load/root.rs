//! Finding the workspace root of a path: the nearest folder at or above it holding
//! `nimbus.toml`, and what a command-line path names.

use std::path::{Path, PathBuf};

use super::naming::Naming;
#[cfg(doc)]
use super::settings::settings_file;
use super::walk::InNested;
use super::{LoadError, SETTINGS_FILE, io_message};

/// The workspace root for `path`: the nearest folder at or above it holding `nimbus.toml`;
/// failing that, `path` itself (its folder, for a file).
pub fn find_root(path: &Path, naming: &Naming) -> Result<PathBuf, LoadError> {
    locate(path, naming).map(|found| found.root)
}

/// The workspace root found for a command-line PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The root folder.
    pub root: PathBuf,
    /// True when PATH is a file with no `nimbus.toml` at or above it: its folder was taken.
    pub guessed: bool,
    /// When PATH is a link to a file of a workspace nested below: that file, which `root`
    /// reads (or leaves out, and says why), spelled from the outer root.
    pub target: Option<PathBuf>,
}

/// Like [`find_root`], telling also whether a file's folder was taken for want of a
/// `nimbus.toml`.
pub fn locate(path: &Path, naming: &Naming) -> Result<Found, LoadError> {
    // `org.toml/` (or `org.toml/.`, `org.toml/..`) names a folder, as the system reads it;
    // the path's own spelling is lost once made absolute.
    if let Some((file, suffix)) = file_named_as_folder(path, naming) {
        return Err(LoadError {
            path: naming.display(&file),
            message: format!(
                "a file, named as a folder (`{suffix}` after it): drop the `{suffix}`"
            ),
        });
    }
    // The system takes `..` after what comes before it, which must be a folder: `org.toml/x/..`
    // and `missing/..` name nothing, however they read once made absolute.
    let mut before = PathBuf::new();
    for part in path.components() {
        if part == std::path::Component::ParentDir && !before.as_os_str().is_empty() {
            let found = std::fs::metadata(naming.absolute(&before));
            let message = match found {
                Ok(m) if m.is_dir() => None,
                Ok(_) => Some("a part of the path is a file, not a folder".to_owned()),
                Err(e) => Some(io_message(&e)),
            };
            if let Some(message) = message {
                // As typed: made absolute, the path would read as something else.
                let typed = crate::source::printable(&path.to_string_lossy()).into_owned();
                return Err(LoadError {
                    path: typed,
                    message,
                });
            }
        }
        before.push(part);
    }
    let abs = naming.absolute(path);
    let meta = std::fs::metadata(&abs).map_err(|e| LoadError {
        path: naming.display(path),
        message: io_message(&e),
    })?;
    if meta.is_dir() {
        return Ok(Found {
            root: root_above(abs),
            guessed: false,
            target: None,
        });
    }
    let root = root_of_file(&abs);
    // A link to a file of a workspace nested below: that workspace reads the file.
    let (root, target) = match linked_into_nested(&abs, &root) {
        Some((nested, target)) => (nested, Some(target)),
        None => (root, None),
    };
    Ok(Found {
        guessed: !has_settings(&root),
        root,
        target,
    })
}

/// When `link` is a symbolic link to a file that lies, inside `root`, in a workspace nested
/// below it: that workspace's root and the file, spelled from `root`.
fn linked_into_nested(link: &Path, root: &Path) -> Option<(PathBuf, PathBuf)> {
    if !std::fs::symlink_metadata(link)
        .ok()?
        .file_type()
        .is_symlink()
    {
        return None;
    }
    let target = std::fs::canonicalize(link).ok()?;
    let inside = target
        .strip_prefix(std::fs::canonicalize(root).ok()?)
        .ok()?;
    let target = root.join(inside);
    Some((InNested::default().root_of(root, &target)?, target))
}

/// When `path`, as written, ends with `/`, `/.` or `/..`: what comes before, and that end.
/// (Names that are not UTF-8 too: the end looked for is ASCII.)
pub fn folder_suffix(path: &Path) -> Option<(PathBuf, String)> {
    let text = path.as_os_str().to_string_lossy();
    let sep = std::path::MAIN_SEPARATOR;
    let mut stem: &str = &text;
    loop {
        let shorter = (stem.strip_suffix(sep))
            .or_else(|| stem.strip_suffix(&format!("{sep}..")))
            .or_else(|| stem.strip_suffix(&format!("{sep}.")));
        match shorter {
            Some(s) if !s.is_empty() => stem = s,
            _ => break,
        }
    }
    if stem.len() == text.len() {
        return None;
    }
    let suffix = text[stem.len()..].to_owned();
    // The same end taken off the path itself: components drop a trailing `/` and `.`.
    let mut parts: Vec<std::path::Component> = path.components().collect();
    while parts.len() > 1
        && matches!(
            parts.last(),
            Some(std::path::Component::CurDir | std::path::Component::ParentDir)
        )
    {
        parts.pop();
    }
    Some((parts.iter().collect(), suffix))
}

/// When `path` ends with `/`, `/.` or `/..` after the name of something that is not a
/// folder (which the system refuses: "not a directory"): that name, and what follows.
fn file_named_as_folder(path: &Path, naming: &Naming) -> Option<(PathBuf, String)> {
    let (file, suffix) = folder_suffix(path)?;
    let meta = std::fs::metadata(naming.absolute(&file)).ok()?;
    (!meta.is_dir()).then_some((file, suffix))
}

/// True when the folder `dir` holds `nimbus.toml`, in any form: a file, or a link, a folder or
/// a pipe of that name, which mark the workspace's root all the same and are refused there with
/// an error (see [`settings_file`]): a settings file that cannot be read is not "no settings".
pub fn has_settings(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(SETTINGS_FILE)).is_ok()
}

/// The workspace root of the file at `abs` (an absolute path), which need not exist (an
/// editor's new buffer): the nearest folder at or above the file's that holds `nimbus.toml`,
/// else the file's own folder.
pub fn root_of_file(abs: &Path) -> PathBuf {
    root_above(abs.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// The nearest folder at or above `start` that holds `nimbus.toml`, else `start`.
fn root_above(start: PathBuf) -> PathBuf {
    settings_root(&start).unwrap_or(start)
}

/// The nearest folder at or above `dir` that holds `nimbus.toml` on disk (see
/// [`has_settings`]).
pub fn settings_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| has_settings(d))
        .map(Path::to_path_buf)
}

/// True when `path` names a settings file (`nimbus.toml`).
pub fn is_settings(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == SETTINGS_FILE)
}
