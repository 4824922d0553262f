//! The `nimbus.toml` of a folder on disk (what it is, and its settings), and which paths are
//! inputs of a workspace, which `build` must not write over.

use std::path::{Path, PathBuf};

use super::SETTINGS_FILE;
use super::ignores::{excludes, skipped};
use super::naming::normalize;
use super::root::is_settings;
use super::walk::link_loops;
use crate::parse::settings::{Settings, parse_settings};
use crate::source::{FileId, SourceFile};

/// What the `nimbus.toml` of a folder is, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsFile {
    /// None there.
    Absent,
    /// A regular file, or a symbolic link to one inside the folder: it is read.
    Regular,
    /// Something that must not be read, and why: a pipe or device would block or never end,
    /// and a link out of the workspace would show another file's text in diagnostics.
    Refused(String),
}

/// What the `nimbus.toml` of `root` is (see [`SettingsFile`]).
pub fn settings_file(root: &Path) -> SettingsFile {
    let path = root.join(SETTINGS_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return SettingsFile::Absent;
    };
    let special = || {
        SettingsFile::Refused("not a regular file (a pipe, socket or device), not read".to_owned())
    };
    let folder = || {
        SettingsFile::Refused(
            "a folder, not the settings file: rename it, or make nimbus.toml a file".to_owned(),
        )
    };
    if meta.is_dir() {
        return folder();
    }
    if meta.is_file() {
        return SettingsFile::Regular;
    }
    if !meta.is_symlink() {
        return special();
    }
    let Ok(canonical_root) = std::fs::canonicalize(root) else {
        return SettingsFile::Absent;
    };
    let Ok(target) = std::fs::canonicalize(&path) else {
        let what = if link_loops(&path) {
            "symbolic link loop"
        } else {
            "broken symbolic link"
        };
        return SettingsFile::Refused(format!(
            "{what}, not read: the workspace's settings would be lost; make it a file (or remove it)"
        ));
    };
    if target.is_dir() {
        folder()
    } else if !target.is_file() {
        special()
    } else if !stays_inside(&canonical_root, &target) {
        SettingsFile::Refused(
            "symbolic link to a file outside the workspace or in a hidden folder, not read: make it a file of its own"
                .to_owned(),
        )
    } else {
        SettingsFile::Regular
    }
}

/// The settings of the workspace at `root`, as its `nimbus.toml` on disk says (defaults
/// without one, or with one that [`settings_file`] refuses).
pub fn settings_of(root: &Path) -> Settings {
    let settings_path = root.join(SETTINGS_FILE);
    if settings_file(root) != SettingsFile::Regular {
        return Settings::default();
    }
    let bytes = std::fs::File::open(&settings_path).and_then(|f| {
        use std::io::Read;
        let mut bytes = Vec::new();
        f.take(crate::parse::settings::DEFAULT_MAX_FILE_SIZE)
            .read_to_end(&mut bytes)
            .map(|_| bytes)
    });
    match bytes {
        Ok(bytes) => {
            let file = SourceFile::from_bytes(settings_path, SETTINGS_FILE, SETTINGS_FILE, &bytes);
            parse_settings(FileId(0), &file).settings
        }
        Err(_) => Settings::default(),
    }
}

/// Why the workspace at `root` with `settings` reads `path`, or would read it once written
/// there: the bundle must never be written over what it is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A `nimbus.toml`: the root's, or a nested workspace's.
    Settings,
    /// A `.toml` file the walk reads.
    Entity,
    /// A `.toml` file the walk would read, were it there.
    FutureEntity,
    /// A `.gitignore` that decides what the walk reads.
    Gitignore,
    /// The `.git/info/exclude` of the repository that holds the workspace, which the walk
    /// reads too.
    GitExclude,
}

/// Whether `path` is (or would be) an input of the workspace at `root`, seen through symbolic
/// links and `..`: both are resolved on disk as far as they exist.
pub fn input_at(root: &Path, settings: &Settings, path: &Path) -> Option<Input> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let path = resolved(path);
    let repository = (path.ancestors().nth(3)).filter(|_| path.ends_with(".git/info/exclude"));
    if repository.is_some_and(|top| root.starts_with(top)) {
        return Some(Input::GitExclude);
    }
    path.strip_prefix(&root).ok()?;
    let excludes = excludes(&root, settings);
    let dir = path.parent().unwrap_or(&root);
    let entered = || dir == root || skipped(&root, dir, true, &excludes).is_none();
    if is_settings(&path) && entered() {
        return Some(Input::Settings);
    }
    if path.file_name().is_some_and(|n| n == ".gitignore") {
        return entered().then_some(Input::Gitignore);
    }
    if path.extension().is_none_or(|e| e != "toml")
        || skipped(&root, &path, false, &excludes).is_some()
    {
        return None;
    }
    Some(if path.exists() {
        Input::Entity
    } else {
        Input::FutureEntity
    })
}

/// True when `path`, resolved on disk (symbolic links, `..`), lies below `root` and in no
/// hidden folder: where a repository's own settings may have `build` write. A committed
/// link (`hooks -> .git/hooks`) must not lead the bundle elsewhere.
pub fn stays_inside(root: &Path, path: &Path) -> bool {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    resolved(path).strip_prefix(&root).is_ok_and(|rel| {
        rel.components().all(|c| match c {
            std::path::Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
            _ => false,
        })
    })
}

/// `path` with its longest existing part resolved on disk (symbolic links, `..`), the rest
/// appended as it is.
fn resolved(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return normalize(path),
        }
    }
}
