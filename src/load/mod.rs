//! Load: find the workspace root, walk it, and read every file once.
//!
//! **Invariant:** the pipeline reads the workspace here only; what else touches the file system
//! is the commands' business (and the look at the files the walk leaves out, [`LeftOut`], made
//! on demand by the rules that need it) (`build`'s writer and `--check` reader, `check --fix`, the
//! language server's watching). A file that cannot be read is a [`LoadError`] (the tool could
//! not do its job, exit 2), never a panic.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ignore::gitignore::Gitignore;
use rayon::prelude::*;

use crate::parse::settings::{ParsedSettings, parse_settings};
use crate::source::{FileId, SourceFile, Sources};

mod git;
mod ignores;
mod left_out;
mod naming;
mod read;
mod root;
mod settings;
mod walk;

pub use self::git::tracked_root;
pub use self::ignores::{
    Entering, Skipped, ignore_files_above, ignore_files_ok, skipped_file, unescaped_brace,
    walk_enters, workspace_enters,
};
use self::ignores::{admitted, excludes};
pub use self::left_out::{Elsewhere, LeftOut, Why};
pub use self::naming::{Naming, normalize};
use self::read::{Read, Reader, read, rel};
pub use self::root::{
    Found, find_root, folder_suffix, has_settings, is_settings, locate, root_of_file, settings_root,
};
pub use self::settings::{Input, SettingsFile, input_at, settings_file, settings_of, stays_inside};
pub use self::walk::walker;
use self::walk::{Walked, walk_and_read};

/// The settings file at a workspace root.
pub const SETTINGS_FILE: &str = "nimbus.toml";

/// How deep `check` and the language server's folder search follow workspaces nested in each
/// other: each level's walk looks at every folder above it, so a chain of nested workspaces
/// costs the cube of its depth.
pub const MAX_NESTED: usize = 32;

/// A problem that stops the tool from doing its job on some path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The path, as the user sees it.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Bytes that replace a file's content on disk (an editor's unsaved buffer, or stdin), read
/// as the file would be: not UTF-8 is a `syntax` error at the first bad byte.
pub type Overlays = HashMap<PathBuf, Vec<u8>>;

/// A workspace's files, read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The root folder.
    pub root: PathBuf,
    /// Every file read.
    pub sources: Sources,
    /// `nimbus.toml`, when present.
    pub settings_file: Option<FileId>,
    /// Its parsed settings.
    pub settings: ParsedSettings,
    /// The entity files, in path order.
    pub entity_files: Vec<FileId>,
    /// Paths that could not be read.
    pub errors: Vec<LoadError>,
    /// Things the user should know that are not problems of the configuration.
    pub notes: Vec<String>,
    /// Folders below the root that hold a `nimbus.toml` of their own: separate workspaces,
    /// not read as part of this one.
    pub nested: Vec<PathBuf>,
    /// The look at the files the walk left out (none for a workspace held in memory).
    pub left_out: Option<LeftOut>,
}

/// A short, stable description of an I/O error.
pub fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or directory".to_owned(),
        PermissionDenied => "permission denied".to_owned(),
        IsADirectory => "is a directory".to_owned(),
        NotADirectory => "a part of the path is a file, not a folder".to_owned(),
        StorageFull => "no space left on the device".to_owned(),
        ReadOnlyFilesystem => "the file system is read-only".to_owned(),
        InvalidFilename => "the path, or a name in it, is too long for the system".to_owned(),
        // The system's own words, in the same lower case and without `(os error N)`, nor the
        // path that the walk's errors repeat ("IO error for operation on PATH: …").
        _ => {
            let text = e.to_string();
            let text = match text.strip_prefix("IO error for operation on ") {
                Some(rest) => rest.rsplit(": ").next().unwrap_or(rest).to_owned(),
                None => text,
            };
            let text = match text.rfind(" (os error ") {
                Some(at) if text.ends_with(')') => &text[..at],
                _ => &text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

/// Reads the workspace at `root`; `overlays` replace files' text.
pub fn load(root: &Path, naming: &Naming, overlays: &Overlays) -> Loaded {
    load_kept(root, naming, overlays, None)
}

/// Reads the workspace at `root` as [`load`] does, but for the files git does not track
/// (save those named in `kept`, and the texts of `overlays`): what a commit holds, for a
/// pre-commit hook (`check --git-tracked`). A note names the files left out; when git cannot
/// list the files, the error is the only thing loaded.
pub fn load_git_tracked(
    root: &Path,
    naming: &Naming,
    overlays: &Overlays,
    kept: &[PathBuf],
) -> Loaded {
    match git::tracked(root) {
        Ok(listed) => {
            // Files a sparse checkout leaves off the disk are read from git's index.
            let sparse = git::sparse_texts(root, &listed);
            let mut tracked = listed.files;
            let with_sparse;
            let overlays = if sparse.is_empty() {
                overlays
            } else {
                let mut all = overlays.clone();
                for (path, text) in &sparse {
                    all.entry(path.clone()).or_insert_with(|| text.clone());
                }
                with_sparse = all;
                &with_sparse
            };
            tracked.extend(kept.iter().chain(overlays.keys()).cloned());
            let mut loaded = load_kept(root, naming, overlays, Some(&tracked));
            if !sparse.is_empty() {
                loaded.notes.push(git::sparse_note(&sparse, root, naming));
            }
            let (errors, missing) = git::untracked_rules(&loaded, &tracked, naming);
            loaded.errors.extend(errors);
            loaded.notes.extend(missing);
            loaded.errors.sort_by(|a, b| a.path.cmp(&b.path));
            loaded
        }
        Err(message) => Loaded {
            root: root.to_path_buf(),
            errors: vec![LoadError {
                path: naming.display(root),
                message,
            }],
            ..Loaded::default()
        },
    }
}

/// [`load`], the walk leaving out the files `kept` does not hold, when given.
fn load_kept(
    root: &Path,
    naming: &Naming,
    overlays: &Overlays,
    kept: Option<&HashSet<PathBuf>>,
) -> Loaded {
    let mut loaded = Loaded {
        root: root.to_path_buf(),
        ..Loaded::default()
    };
    load_settings(root, naming, overlays, &mut loaded);
    let settings = &loaded.settings.settings;
    let excludes = excludes(root, settings);
    loaded.left_out = Some(LeftOut::new(root, excludes.clone(), naming, kept.is_some()));
    let limit = settings.max_files;
    let reader = Reader {
        root,
        naming,
        overlays,
        max_size: settings.max_file_size,
        shown_root: naming.display(root),
    };
    let walked = walk_and_read(root, &excludes, naming, (limit, kept), &reader);
    loaded.notes.extend(walked.notes);
    if !walked.left_out.is_empty() {
        loaded
            .notes
            .push(git::left_out_note(&walked.left_out, root, naming));
    }
    loaded.errors.extend(walked.errors);
    let Walked {
        mut read,
        mut found,
        mut nested,
        ..
    } = walked;
    split_unsaved_nested(root, overlays, &mut nested, &mut read, &mut found);
    nested.sort();
    for dir in &nested {
        loaded.notes.push(nested_note(dir, naming));
    }
    loaded.errors.sort_by(|a, b| a.path.cmp(&b.path));
    let fresh = unwalked_buffers(root, overlays, &nested, &read, &found, &excludes);
    loaded.nested = nested;
    let total = read.len() + found.len() + fresh.len();
    if total as u64 > limit {
        // Over the limit: the first files in path order are kept, whichever the walk met first.
        loaded.errors.push(LoadError {
            path: naming.display(root),
            message: format!(
                "the workspace has {total} TOML files, more than the limit of {limit} (`[workspace] max_files` in nimbus.toml)"
            ),
        });
        let mut paths: Vec<(String, PathBuf)> = read
            .drain(..)
            .map(|read| match read {
                Read::Source(file) => file.path,
                Read::Failed { path, .. } => path,
            })
            .chain(found)
            .chain(fresh)
            .map(|p| (rel(root, &p), p))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        paths.truncate(limit as usize);
        read = paths
            .into_par_iter()
            .map(|(_, path)| reader.read(path))
            .collect();
    } else {
        // Files the walk met past the limit, when a nested `nimbus.toml` in an editor took
        // others away, and new editor buffers.
        let rest: Vec<PathBuf> = found.into_iter().chain(fresh).collect();
        read.extend(
            rest.into_par_iter()
                .map(|p| reader.read(p))
                .collect::<Vec<_>>(),
        );
    }
    // By the relative path, then by the path itself: two files may have the same relative
    // path once it is made printable (`a\b.toml` and `a/b.toml`, or invalid UTF-8).
    read.sort_unstable_by(|a, b| (a.rel(), a.path()).cmp(&(b.rel(), b.path())));
    read.dedup_by(|a, b| a.path() == b.path());
    // With no `nimbus.toml`, the folder was taken as the workspace for want of one: another
    // tool's TOML in it (a `Cargo.toml`, a `pyproject.toml`) is not a tenant's.
    let guessed = loaded.settings_file.is_none();
    for r in read {
        match r {
            Read::Source(file)
                if guessed
                    && file.utf8_error.is_none()
                    && crate::parse::another_tools_toml(&file.text) =>
            {
                loaded.notes.push(skipped_note(file.display()));
            }
            Read::Source(file) => {
                let id = loaded.sources.add(file);
                loaded.entity_files.push(id);
            }
            Read::Failed { error, .. } => loaded.errors.push(error),
        }
    }
    // Folders are read in the file system's order: report in a stable one.
    loaded.notes.sort();
    loaded
}

/// True when `bytes`, the text of a file with no `nimbus.toml` at or above it, is another
/// tool's TOML: UTF-8, with a table or key and none of a kind of entity
/// ([`crate::parse::another_tools_toml`]).
pub fn another_tools(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(crate::parse::another_tools_toml)
}

/// The note on a file skipped as another tool's, named `shown`.
pub fn skipped_note(shown: &str) -> String {
    format!(
        "{shown}: skipped: not a nimbus-lint file (no nimbus.toml at or above it, and no `[ou.…]`, `[connector.…]`, `[messaging_entry.…]` or `[service.…]` table)"
    )
}

/// Reads `nimbus.toml` (the editor's text of it, else the file when it is a regular one) into
/// `loaded`: its source, its settings and their diagnostics.
fn load_settings(root: &Path, naming: &Naming, overlays: &Overlays, loaded: &mut Loaded) {
    let settings_path = root.join(SETTINGS_FILE);
    let readable = overlays.contains_key(&settings_path)
        || match settings_file(root) {
            SettingsFile::Regular => true,
            SettingsFile::Absent => false,
            SettingsFile::Refused(message) => {
                loaded.errors.push(LoadError {
                    path: naming.display(&settings_path),
                    message,
                });
                false
            }
        };
    if readable && let Some(file) = read(root, &settings_path, naming, overlays, &mut loaded.errors)
    {
        let id = loaded.sources.add(file);
        loaded.settings = parse_settings(id, loaded.sources.get(id));
        loaded.settings_file = Some(id);
    }
}

/// An editor's unsaved `nimbus.toml` below the root makes a workspace of its own too: its
/// folder joins `nested`, and its files leave `read` and `found`.
fn split_unsaved_nested(
    root: &Path,
    overlays: &Overlays,
    nested: &mut Vec<PathBuf>,
    read: &mut Vec<Read>,
    found: &mut Vec<PathBuf>,
) {
    for p in overlays.keys() {
        if let Some(dir) = p.parent()
            && is_settings(p)
            && dir != root
            && dir.starts_with(root)
            && !nested.iter().any(|n| dir.starts_with(n))
        {
            nested.retain(|n| !n.starts_with(dir));
            nested.push(dir.to_path_buf());
            read.retain(|r| !r.path().starts_with(dir));
            found.retain(|f| !f.starts_with(dir));
        }
    }
}

/// Editor buffers the walk did not meet (new files), where the walk would look.
fn unwalked_buffers(
    root: &Path,
    overlays: &Overlays,
    nested: &[PathBuf],
    read: &[Read],
    found: &[PathBuf],
    excludes: &Gitignore,
) -> Vec<PathBuf> {
    if overlays.is_empty() {
        return Vec::new();
    }
    let settings_path = root.join(SETTINGS_FILE);
    let walked: std::collections::HashSet<&Path> = (read.iter().map(Read::path))
        .chain(found.iter().map(PathBuf::as_path))
        .collect();
    (overlays.keys())
        .filter(|p| {
            p.starts_with(root)
                && !nested.iter().any(|n| p.starts_with(n))
                && p.extension().is_some_and(|e| e == "toml")
                && **p != settings_path
                && !walked.contains(p.as_path())
                && admitted(root, p, excludes)
        })
        .cloned()
        .collect()
}

/// The note that says a folder below the root is a workspace of its own.
pub fn nested_note(dir: &Path, naming: &Naming) -> String {
    format!(
        "{}: holds its own nimbus.toml: a workspace of its own, not part of this one",
        naming.display(dir)
    )
}

/// A workspace held in memory: `(path relative to the root, bytes)` pairs, as if read from a
/// folder. `nimbus.toml` at the top is the settings file; other `.toml` paths are entity
/// files, but for those of a folder that holds a `nimbus.toml` of its own, a nested workspace
/// that [`load`] leaves out too; the rest is ignored. For fuzzing, property tests and tools
/// that have no folder.
pub fn load_memory(files: &[(&str, &[u8])]) -> Loaded {
    let mut loaded = Loaded {
        root: PathBuf::from("."),
        ..Loaded::default()
    };
    let nested: Vec<&str> = (files.iter())
        .filter_map(|f| f.0.strip_suffix(SETTINGS_FILE))
        .filter(|folder| folder.ends_with('/'))
        .collect();
    let mut entity: Vec<&(&str, &[u8])> = Vec::new();
    for f in files
        .iter()
        .filter(|f| !nested.iter().any(|n| f.0.starts_with(n)))
    {
        if f.0 == SETTINGS_FILE && loaded.settings_file.is_none() {
            let file = SourceFile::from_bytes(f.0.into(), f.0, f.0, f.1);
            let id = loaded.sources.add(file);
            loaded.settings = parse_settings(id, loaded.sources.get(id));
            loaded.settings_file = Some(id);
        } else if f.0.ends_with(".toml") && f.0 != SETTINGS_FILE {
            entity.push(f);
        }
    }
    entity.sort_by_key(|f| f.0);
    entity.dedup_by_key(|f| f.0);
    for (rel, bytes) in entity {
        let file = SourceFile::from_bytes(PathBuf::from(rel), rel, rel, bytes);
        let id = loaded.sources.add(file);
        loaded.entity_files.push(id);
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_a_folder_with_its_own_settings_is_left_out_as_on_disk() {
        let files: [(&str, &[u8]); 4] = [
            ("nimbus.toml", b""),
            ("a.toml", b"[ou.a]\n"),
            ("sub/nimbus.toml", b""),
            ("sub/b.toml", b"[ou.b]\n"),
        ];
        let loaded = load_memory(&files);
        let names: Vec<&str> = (loaded.entity_files.iter())
            .map(|&id| loaded.sources.get(id).rel())
            .collect();
        assert_eq!(names, ["a.toml"]);
    }

    #[test]
    fn io_messages_are_short_lower_case_and_name_no_path_twice() {
        let long = std::io::Error::from(std::io::ErrorKind::InvalidFilename);
        assert_eq!(
            io_message(&long),
            "the path, or a name in it, is too long for the system"
        );
        let walked = std::io::Error::other("IO error for operation on /a/b: Too many links");
        assert_eq!(io_message(&walked), "too many links");
        let plain = std::io::Error::other("Resource busy (os error 16)");
        assert_eq!(io_message(&plain), "resource busy");
    }

    /// A workspace folder holding `files` (relative path, text).
    fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn rels(loaded: &Loaded) -> Vec<&str> {
        loaded
            .entity_files
            .iter()
            .map(|&id| loaded.sources.get(id).rel())
            .collect()
    }

    #[test]
    fn files_past_the_limit_are_read_when_an_unsaved_nested_settings_file_takes_others_away() {
        let dir = workspace(&[
            ("nimbus.toml", "[workspace]\nmax_files = 3\n"),
            ("a/1.toml", ""),
            ("a/2.toml", ""),
            ("a/3.toml", ""),
            ("b.toml", ""),
            ("c.toml", ""),
        ]);
        let root = dir.path();
        let overlays = Overlays::from([(root.join("a/nimbus.toml"), Vec::new())]);
        let loaded = load(root, &Naming::at(root), &overlays);
        assert_eq!(rels(&loaded), ["b.toml", "c.toml"]);
        assert_eq!(loaded.errors, []);
    }

    #[cfg(unix)]
    #[test]
    fn a_backslash_in_a_name_is_no_separator_and_both_files_are_read() {
        let dir = workspace(&[("a\\b.toml", "[ou.x]\n"), ("a/b.toml", "[ou.y]\n")]);
        let loaded = load(dir.path(), &Naming::at(dir.path()), &Overlays::new());
        assert_eq!(rels(&loaded), ["a/b.toml", "a\\b.toml"]);
        let texts: Vec<&str> = loaded
            .entity_files
            .iter()
            .map(|&id| &*loaded.sources.get(id).text)
            .collect();
        assert_eq!(texts.len(), 2);
        assert_ne!(texts[0], texts[1]);
    }

    #[test]
    fn a_file_over_the_size_limit_is_named_with_its_exact_size_even_past_the_first_read() {
        let big = "# x\n".repeat(25_000);
        let dir = workspace(&[
            ("nimbus.toml", "[workspace]\nmax_file_size = 1000\n"),
            ("big.toml", &big),
            ("small.toml", "# 1234567890\n"),
        ]);
        let loaded = load(dir.path(), &Naming::at(dir.path()), &Overlays::new());
        assert_eq!(rels(&loaded), ["small.toml"]);
        let messages: Vec<&str> = loaded.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the file has 100000 bytes, more than the limit of 1000 (`[workspace] max_file_size` in nimbus.toml)"
            ]
        );
    }

    #[test]
    fn an_editor_buffer_over_the_size_limit_is_refused_like_the_file() {
        let ws = workspace(&[
            ("nimbus.toml", "[workspace]\nmax_file_size = 20\n"),
            ("a.toml", "[ou.a]\n"),
        ]);
        let root = ws.path();
        let big = b"[ou.a]\nname = \"a long enough name\"\n".to_vec();
        let overlays = Overlays::from([(root.join("a.toml"), big)]);
        let loaded = load(root, &Naming::at(root), &overlays);
        assert!(rels(&loaded).is_empty(), "{:?}", rels(&loaded));
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0]
                .message
                .starts_with("the file has 35 bytes, more than the limit of 20")
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_editor_buffer_of_a_linked_file_or_below_a_linked_folder_is_not_read() {
        let outside = workspace(&[
            ("ext.toml", "[ou.ext]\n"),
            ("dir/inner.toml", "[ou.inner]\n"),
        ]);
        let ws = workspace(&[("nimbus.toml", ""), ("a.toml", "[ou.a]\n")]);
        let root = ws.path();
        std::os::unix::fs::symlink(outside.path().join("ext.toml"), root.join("link.toml"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path().join("dir"), root.join("linkdir")).unwrap();
        let overlays = Overlays::from([
            (root.join("link.toml"), b"[ou.ext]\n".to_vec()),
            (root.join("linkdir/inner.toml"), b"[ou.inner]\n".to_vec()),
            (root.join("new.toml"), b"[ou.new]\n".to_vec()),
        ]);
        let loaded = load(root, &Naming::at(root), &overlays);
        assert_eq!(rels(&loaded), ["a.toml", "new.toml"]);
    }
}
