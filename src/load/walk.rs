//! The walk of a workspace: which files it meets (hidden, ignored, excluded and nested
//! folders left out, links not followed), read while it goes on.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ignore::gitignore::Gitignore;

use super::ignores::{
    IgnoreFiles, ignore_files_above, ignore_files_ok, in_repository, skipped_with,
};
use super::naming::{Naming, normalize};
use super::read::{Read, Reader};
use super::root::has_settings;
use super::{LoadError, SETTINGS_FILE, io_message, is_settings};

/// What the walk of a workspace found and read.
pub(super) struct Walked {
    /// The files read (up to the limit of files).
    pub(super) read: Vec<Read>,
    /// The files met past the limit, not read.
    pub(super) found: Vec<PathBuf>,
    /// Folders below the root with a `nimbus.toml` of their own.
    pub(super) nested: Vec<PathBuf>,
    /// The files met that the caller's list of files to keep leaves out, not read.
    pub(super) left_out: Vec<PathBuf>,
    pub(super) notes: Vec<String>,
    pub(super) errors: Vec<LoadError>,
}

/// Walks the workspace and reads its files while the walk goes on, in batches on the thread
/// pool, up to `limit` files; which files a workspace over the limit keeps is decided after
/// the walk. With `kept`, a file it does not hold is left out unread.
pub(super) fn walk_and_read(
    root: &Path,
    excludes: &Gitignore,
    naming: &Naming,
    (limit, kept): (u64, Option<&HashSet<PathBuf>>),
    reader: &Reader,
) -> Walked {
    const BATCH: usize = 64;
    let done = std::sync::Mutex::new(Vec::new());
    let mut found: Vec<PathBuf> = Vec::new();
    let mut left_out: Vec<PathBuf> = Vec::new();
    let mut walked = 0u64;
    let (nested, notes, errors) = rayon::scope(|scope| {
        let mut batch = Vec::with_capacity(BATCH);
        let spawn = |batch: Vec<PathBuf>| {
            let done = &done;
            scope.spawn(move |_| {
                let read: Vec<_> = batch.into_iter().map(|p| reader.read(p)).collect();
                done.lock().unwrap_or_else(|e| e.into_inner()).extend(read);
            });
        };
        // With `kept`, a `nimbus.toml` it does not hold splits no workspace off: a clone of
        // the commit has no such file.
        let splits: Option<HashSet<PathBuf>> =
            kept.map(|k| k.iter().filter(|p| is_settings(p)).cloned().collect());
        let walked_out = walk(root, excludes, naming, splits, |path| {
            if kept.is_some_and(|k| !k.contains(&path)) {
                left_out.push(path);
                return;
            }
            walked += 1;
            if walked > limit {
                found.push(path);
                return;
            }
            batch.push(path);
            if batch.len() == BATCH {
                spawn(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        if !batch.is_empty() {
            spawn(batch);
        }
        walked_out
    });
    Walked {
        read: done.into_inner().unwrap_or_else(|e| e.into_inner()),
        found,
        nested,
        left_out,
        notes,
        errors,
    }
}

/// A walk of `root` with the loader's rules: hidden files and folders skipped, `.gitignore`
/// files honoured (even outside a git repository; inside one, not those above its top, which
/// git does not read; not the user's global one), symbolic links not followed. The loader
/// adds `exclude` and nested workspaces on top.
///
/// It never enters a folder whose ignore files [`ignore_files_ok`] refuses (the walk would
/// open them whatever they are); the caller checks `root` and its parents first.
pub fn walker(root: &Path) -> ignore::WalkBuilder {
    walker_in(root, in_repository(root))
}

/// [`walker`], told whether `root` lies in a repository ([`in_repository`]).
///
/// `WalkBuilder::filter_entry` replaces the filter set here: a caller that sets its own must
/// repeat the [`ignore_files_ok`] check in it (as `walk` does).
fn walker_in(root: &Path, repository: bool) -> ignore::WalkBuilder {
    let mut walker = ignore::WalkBuilder::new(root);
    walker
        .hidden(true)
        .ignore(false)
        .git_global(false)
        .git_ignore(true)
        .git_exclude(true)
        // Outside a repository every `.gitignore` counts; inside one, as git reads them: none
        // above the repository's top.
        .require_git(repository)
        .parents(true)
        .follow_links(false)
        .filter_entry(|e| !is_dir_entry(e) || e.depth() == 0 || ignore_files_ok(e.path()).is_ok());
    walker
}

fn is_dir_entry(e: &ignore::DirEntry) -> bool {
    e.file_type().is_some_and(|t| t.is_dir())
}

/// Every entity file under `root`: `*.toml`, not hidden, not ignored by `.gitignore` or
/// `exclude`, not the root's `nimbus.toml`, not inside a folder that holds a `nimbus.toml` of
/// its own (those folders come second; with `splits`, only a `nimbus.toml` it holds counts);
/// symbolic links to folders are not followed.
fn walk(
    root: &Path,
    excludes: &Gitignore,
    naming: &Naming,
    splits: Option<HashSet<PathBuf>>,
    mut on_file: impl FnMut(PathBuf),
) -> (Vec<PathBuf>, Vec<String>, Vec<LoadError>) {
    let (mut notes, mut errors) = (Vec::new(), Vec::new());
    let walk_excludes = excludes.clone();
    let settings_path = root.join(SETTINGS_FILE);
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut in_nested = InNested::default();
    let mut ignores = IgnoreFiles::of(root);
    let nested: std::sync::Arc<std::sync::Mutex<Vec<PathBuf>>> = std::sync::Arc::default();
    let refused: std::sync::Arc<std::sync::Mutex<Vec<(PathBuf, String)>>> =
        std::sync::Arc::default();
    let unreadable = |(file, why): (PathBuf, String)| LoadError {
        path: naming.display(&file),
        message: format!("{why}: it decides which files are read, so the folder was not checked"),
    };
    if let Err(bad) = ignore_files_above(root) {
        return (Vec::new(), notes, vec![unreadable(bad)]);
    }
    let walker = walker_in(root, ignores.repository)
        .filter_entry({
            let nested = std::sync::Arc::clone(&nested);
            let refused = std::sync::Arc::clone(&refused);
            move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if walk_excludes.matched(e.path(), is_dir).is_ignore() {
                    return false;
                }
                // A nested workspace first: this walk never opens its ignore files.
                let splits_off = |dir: &Path| {
                    (splits.as_ref()).is_none_or(|s| s.contains(&dir.join(SETTINGS_FILE)))
                };
                if is_dir && e.depth() > 0 && has_settings(e.path()) && splits_off(e.path()) {
                    if let Ok(mut nested) = nested.lock() {
                        nested.push(e.path().to_path_buf());
                    }
                    return false;
                }
                if is_dir
                    && e.depth() > 0
                    && let Err(bad) = ignore_files_ok(e.path())
                {
                    if let Ok(mut refused) = refused.lock() {
                        refused.push(bad);
                    }
                    return false;
                }
                true
            }
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                match walk_failure(root, &e) {
                    WalkFailure::Unread(path, e) => errors.push(LoadError {
                        path: naming.display(&path),
                        message: format!(
                            "{}: the folder could not be read, none of its files were checked",
                            io_message(e)
                        ),
                    }),
                    WalkFailure::Note(note) => notes.push(note),
                    WalkFailure::Gone => {}
                }
                continue;
            }
        };
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") || path == settings_path {
            continue;
        }
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            continue;
        }
        let special = || LoadError {
            path: naming.display(path),
            message: "not a regular file (a pipe, socket or device), not read".to_owned(),
        };
        if !ft.is_file() && !ft.is_symlink() {
            // Opening a pipe would wait for a writer forever.
            errors.push(special());
            continue;
        }
        if ft.is_symlink() {
            let lookups = (&mut in_nested, &mut ignores);
            match linked_file(root, &canonical_root, path, excludes, lookups) {
                Link::Folder => {}
                Link::Special => errors.push(special()),
                Link::Note(what) => notes.push(format!("{}: {what}", naming.display(path))),
            }
            continue;
        }
        on_file(path.to_path_buf());
    }
    let nested = std::mem::take(&mut *nested.lock().unwrap_or_else(|e| e.into_inner()));
    let mut refused = std::mem::take(&mut *refused.lock().unwrap_or_else(|e| e.into_inner()));
    refused.sort();
    errors.extend(refused.into_iter().map(unreadable));
    (nested, notes, errors)
}

/// Whether a path below the root lies in a workspace nested in it, each folder looked at once
/// in a walk (many links into one deep folder cost its depth once, not once each).
#[derive(Default)]
pub(super) struct InNested {
    /// Per folder below the root: the innermost folder at or above it, below the root, that
    /// holds a `nimbus.toml`.
    memo: HashMap<PathBuf, Option<PathBuf>>,
}

impl InNested {
    /// The root of the workspace nested below `root` that holds `path` (the innermost), if
    /// one does.
    pub(super) fn root_of(&mut self, root: &Path, path: &Path) -> Option<PathBuf> {
        let mut unknown = Vec::new();
        let mut answer = None;
        for dir in path.ancestors().skip(1) {
            if dir == root || !dir.starts_with(root) {
                break;
            }
            if let Some(known) = self.memo.get(dir) {
                answer = known.clone();
                break;
            }
            unknown.push(dir);
            if has_settings(dir) {
                answer = Some(dir.to_path_buf());
                break;
            }
        }
        for dir in unknown {
            self.memo.insert(dir.to_path_buf(), answer.clone());
        }
        answer
    }
}

/// What a symbolic link met by the walk comes to: never read itself.
enum Link {
    /// It leads to a folder: the walk does not follow it, silently.
    Folder,
    /// It leads to a pipe, socket or device.
    Special,
    /// A note on why it is skipped (outside the workspace, read at its target, broken).
    Note(&'static str),
}

/// What the walk makes of the symbolic link `path`, found among the files of `root`.
fn linked_file(
    root: &Path,
    canonical_root: &Path,
    path: &Path,
    excludes: &Gitignore,
    (in_nested, ignores): (&mut InNested, &mut IgnoreFiles),
) -> Link {
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(_) if link_loops(path) => return Link::Note("symbolic link loop, skipped"),
        Err(_) => return Link::Note("broken symbolic link, skipped"),
    };
    if target.is_dir() {
        return Link::Folder;
    }
    // Not followed, whatever it leads to (a file, `/dev/zero`).
    let Ok(rel) = target.strip_prefix(canonical_root) else {
        return Link::Note("symbolic link to a file outside the workspace, not followed");
    };
    if !target.is_file() {
        return Link::Special;
    }
    // Its target is a file of the workspace, read where it is (reading it twice would define
    // every entity in it twice), if the walk reads it.
    let inside = root.join(rel);
    if in_nested.root_of(root, &inside).is_some() {
        return Link::Note(
            "symbolic link to a file of a workspace nested in this one, not read: that workspace reads it, checked on its own",
        );
    }
    let read = target.extension().is_some_and(|e| e == "toml")
        && skipped_with(root, &inside, false, excludes, ignores).is_none();
    Link::Note(if read {
        "symbolic link to another file of the workspace, read at its target"
    } else {
        "symbolic link to another file of the workspace, not read: the workspace does not read its target either"
    })
}

/// What an error of the walk means for the workspace.
#[derive(Debug)]
enum WalkFailure<'e> {
    /// A folder (or file) the walk could not read: the workspace is incomplete.
    Unread(PathBuf, &'e std::io::Error),
    /// Something to tell that does not lose files (a `.gitignore` line that is not a glob).
    Note(String),
    /// A path that no longer exists: nothing to read, nothing to tell.
    Gone,
}

/// Sorts out an error of the walk: the walk wraps the failure with its path and depth.
fn walk_failure<'e>(root: &Path, e: &'e ignore::Error) -> WalkFailure<'e> {
    let mut path = None;
    let mut cur = e;
    loop {
        match cur {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert(p);
                cur = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                cur = err;
            }
            _ => break,
        }
    }
    match cur {
        // Gone since the listing, or a root that is an editor's new folder: nothing lost.
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => WalkFailure::Gone,
        ignore::Error::Io(io) => {
            WalkFailure::Unread(path.cloned().unwrap_or_else(|| root.to_path_buf()), io)
        }
        _ => WalkFailure::Note(e.to_string()),
    }
}

/// True when following the symbolic link at `path` comes back to a link already seen.
pub(super) fn link_loops(path: &Path) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut at = path.to_path_buf();
    for _ in 0..64 {
        let Ok(target) = std::fs::read_link(&at) else {
            return false;
        };
        let next = normalize(&at.parent().unwrap_or(Path::new("")).join(target));
        if !seen.insert(next.clone()) {
            return true;
        }
        at = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_the_walk_cannot_read_is_an_error_that_names_it() {
        // As the walk reports it (`ignore`'s `read_dir` failure): depth and path around the cause.
        let root = Path::new("/ws");
        let denied = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = ignore::Error::WithPath {
            path: PathBuf::from("/ws/locked"),
            err: Box::new(ignore::Error::WithDepth {
                depth: 1,
                err: Box::new(ignore::Error::Io(denied())),
            }),
        };
        match walk_failure(root, &e) {
            WalkFailure::Unread(path, io) => {
                assert_eq!(path, Path::new("/ws/locked"));
                assert_eq!(io_message(io), "permission denied");
            }
            other => panic!("{other:?}"),
        }
        let bare = ignore::Error::Io(denied());
        assert!(matches!(walk_failure(root, &bare), WalkFailure::Unread(p, _) if p == root));
        let glob = ignore::Error::Glob {
            glob: Some("a[".to_owned()),
            err: "unclosed character class".to_owned(),
        };
        assert!(matches!(walk_failure(root, &glob), WalkFailure::Note(_)));
        let gone = ignore::Error::Io(std::io::ErrorKind::NotFound.into());
        assert!(matches!(walk_failure(root, &gone), WalkFailure::Gone));
    }
}
