//! Why the walk leaves a path out: hidden names, `exclude` globs, links and ignore files
//! (`.gitignore`, `.git/info/exclude`), asked of paths that need not exist.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ignore::gitignore::Gitignore;

use super::SETTINGS_FILE;
use super::settings::settings_of;
use crate::parse::settings::Settings;

/// True when the walk of the workspace root `outer` enters the folder `dir`, were it on disk:
/// `dir` lies below `outer`, and no hidden folder, `.gitignore` or symbolic link on the way
/// keeps the walk out. For roots without `nimbus.toml`: no `exclude` globs are applied.
pub fn walk_enters(outer: &Path, dir: &Path) -> bool {
    Entering::default().walk_enters(outer, dir)
}

/// True when the walk of the workspace at `root` (with its `nimbus.toml`'s `exclude` globs)
/// enters the folder `dir` below it: where a nested workspace in `dir` is found.
pub fn workspace_enters(root: &Path, dir: &Path) -> bool {
    Entering::default().workspace_enters(root, dir)
}

/// [`walk_enters`] and [`workspace_enters`] asked of many folders: each workspace's ignore
/// files and settings are read once, not once a question (the language server asks about
/// every workspace it knows on a save).
#[derive(Default)]
pub struct Entering {
    walks: HashMap<PathBuf, IgnoreFiles>,
    workspaces: HashMap<PathBuf, (Gitignore, IgnoreFiles)>,
}

impl Entering {
    /// [`walk_enters`].
    pub fn walk_enters(&mut self, outer: &Path, dir: &Path) -> bool {
        if dir == outer {
            return false;
        }
        let ignores = (self.walks)
            .entry(outer.to_path_buf())
            .or_insert_with(|| IgnoreFiles::of(outer));
        skipped_with(outer, dir, true, &Gitignore::empty(), ignores).is_none()
    }

    /// [`workspace_enters`].
    pub fn workspace_enters(&mut self, root: &Path, dir: &Path) -> bool {
        if dir == root {
            return false;
        }
        let (excluded, ignores) = (self.workspaces)
            .entry(root.to_path_buf())
            .or_insert_with(|| (excludes(root, &settings_of(root)), IgnoreFiles::of(root)));
        skipped_with(root, dir, true, excluded, ignores).is_none()
    }
}

/// Ignore files larger than this are not read.
const MAX_IGNORE_FILE: u64 = 8 << 20;

/// Whether the ignore files the walk opens in folder `dir` (`.gitignore`, and
/// `.git/info/exclude` in a repository's top folder) may be read: each must be a regular file
/// (or a link to one) of reasonable size. A pipe would block the walk forever and a device
/// such as `/dev/zero` would never end; both can be committed as symbolic links. On refusal:
/// the file and why.
pub fn ignore_files_ok(dir: &Path) -> Result<(), (PathBuf, String)> {
    ignore_files_checked(dir, true)
}

/// [`ignore_files_ok`], the braces looked for only when `read`: when git and the walk read
/// the folder's ignore files (not above a repository's top).
fn ignore_files_checked(dir: &Path, read: bool) -> Result<(), (PathBuf, String)> {
    let gitignore = dir.join(".gitignore");
    // A worktree's is its repository's, which the walk opens all the same; a folder with no
    // `.git` costs one look, as it did.
    let exclude = git_dir(dir).map(|git| git.join("info").join("exclude"));
    for file in std::iter::once(gitignore).chain(exclude) {
        // Follows links: what the walk would open.
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if meta.is_dir() {
            continue;
        }
        if !meta.is_file() {
            let why = "not a regular file (a pipe, socket or device), not read";
            return Err((file, why.to_owned()));
        }
        if meta.len() > MAX_IGNORE_FILE {
            let why = format!(
                "{} bytes, more than ignore files may hold, not read",
                meta.len()
            );
            return Err((file, why));
        }
        if let Some(line) = (std::fs::read(&file).ok())
            .filter(|_| read)
            .and_then(|b| brace_line(&b))
        {
            let why = format!(
                "line {line} holds `{{` or `}}`, which git reads as plain characters and the walk as alternatives (`{{a,b}}`): the two would disagree on which files count; write them `\\{{` and `\\}}`, as git reads them"
            );
            return Err((file, why));
        }
    }
    Ok(())
}

/// The first line (1-based) of an ignore file's `bytes` that holds a brace no backslash
/// escapes, outside a comment: a pattern git and the `ignore` crate read apart.
fn brace_line(bytes: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(bytes);
    (text.lines().enumerate())
        .find(|(_, l)| !l.starts_with('#') && unescaped_brace(l))
        .map(|(i, _)| i + 1)
}

/// True when `pattern` holds a `{` or `}` that no backslash escapes.
pub fn unescaped_brace(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' | '}' => return true,
            _ => {}
        }
    }
    false
}

/// The first ignore file at or above `root` that the walk would open and that
/// [`ignore_files_ok`] refuses.
pub fn ignore_files_above(root: &Path) -> Result<(), (PathBuf, String)> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    // Above a repository's top, git and the walk read no ignore file: their braces are none
    // of theirs (the pipe and size checks still hold, the ignore crate opening them all).
    let mut read = true;
    root.ancestors().try_for_each(|dir| {
        let checked = ignore_files_checked(dir, read);
        read &= !is_repository_top(dir);
        checked
    })
}

/// The `exclude` globs of `nimbus.toml`, as a gitignore relative to the root.
pub(super) fn excludes(root: &Path, settings: &Settings) -> Gitignore {
    let mut excludes = ignore::gitignore::GitignoreBuilder::new(root);
    for glob in &settings.exclude {
        let _ = excludes.add_line(None, &glob.value);
    }
    excludes.build().unwrap_or_else(|_| Gitignore::empty())
}

/// Why the walk of a workspace leaves a path out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// Outside the root.
    Outside,
    /// Hidden: its name, or a folder's on the way, starts with `.`.
    Hidden,
    /// Matched by `[workspace] exclude`.
    Excluded,
    /// Ignored by the `.gitignore` file at this path.
    Ignored(PathBuf),
    /// A symbolic link, or below a linked folder: the walk follows none.
    Link,
}

/// True when the walk would read `path` (below `root`) if it were on disk.
pub(super) fn admitted(root: &Path, path: &Path, excludes: &Gitignore) -> bool {
    skipped(root, path, false, excludes).is_none()
}

/// Why the walk of `root` would leave out `path` (a folder when `is_dir`), were it on disk:
/// a hidden folder or file on the way, an `exclude` glob, a symbolic link on the way (the walk
/// follows none), an ignore file (see [`IgnoreFiles`]); `None` when it would enter or read it.
pub(super) fn skipped(
    root: &Path,
    path: &Path,
    is_dir: bool,
    excludes: &Gitignore,
) -> Option<Skipped> {
    skipped_with(root, path, is_dir, excludes, &mut IgnoreFiles::of(root))
}

/// [`skipped`], with the ignore files parsed so far (a walk asks about many links).
pub(super) fn skipped_with(
    root: &Path,
    path: &Path,
    is_dir: bool,
    excludes: &Gitignore,
    ignores: &mut IgnoreFiles,
) -> Option<Skipped> {
    let Ok(rel) = path.strip_prefix(root) else {
        return Some(Skipped::Outside);
    };
    if rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    {
        return Some(Skipped::Hidden);
    }
    if excludes
        .matched_path_or_any_parents(path, is_dir)
        .is_ignore()
    {
        return Some(Skipped::Excluded);
    }
    // Each folder on the way, then the path itself, as the walk meets them: a folder it
    // leaves out hides everything below it.
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        let last = at == path;
        if at
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Some(Skipped::Link);
        }
        let found = if last && !is_dir {
            ignores.ignoring(&at, false)
        } else {
            ignores.folder_ignoring(&at)
        };
        if let Some(file) = found {
            return Some(Skipped::Ignored(file));
        }
    }
    None
}

/// The ignore files the walk reads (the `ignore` crate's rules), each parsed once: the
/// `.gitignore` of every folder above a path, the deepest deciding (a `!x.toml` puts back what
/// one above left out), then a repository's `info/exclude` (found through `.git`, a folder, or
/// a worktree's file that names its repository). In a repository, only the folders up to the
/// nearest repository's top count, as for git.
#[derive(Default)]
pub(super) struct IgnoreFiles {
    /// True when the root lies in a repository ([`in_repository`]).
    pub(super) repository: bool,
    /// Per folder, whether it is a repository's top.
    tops: HashMap<PathBuf, bool>,
    gitignores: HashMap<PathBuf, Option<Gitignore>>,
    excludes: HashMap<PathBuf, Option<(PathBuf, Gitignore)>>,
    /// Per folder, the ignore file that leaves it out: each folder judged once a walk.
    folders: HashMap<PathBuf, Option<PathBuf>>,
}

impl IgnoreFiles {
    /// The ignore files of the workspace at `root`.
    pub(super) fn of(root: &Path) -> Self {
        IgnoreFiles {
            repository: in_repository(root),
            ..IgnoreFiles::default()
        }
    }

    /// [`IgnoreFiles::ignoring`] for the folder `dir`, remembered.
    fn folder_ignoring(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.folders.get(dir) {
            return known.clone();
        }
        let found = self.ignoring(dir, true);
        self.folders.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The ignore file that leaves `path` out, if one does.
    fn ignoring(&mut self, path: &Path, is_dir: bool) -> Option<PathBuf> {
        let mut above: Vec<&Path> = path.ancestors().skip(1).collect();
        if self.repository
            && let Some(top) = above.iter().position(|dir| self.is_top(dir))
        {
            above.truncate(top + 1);
        }
        for dir in &above {
            if let Some(g) = self.gitignore(dir) {
                match g.matched(path, is_dir) {
                    ignore::Match::Ignore(_) => return Some(dir.join(".gitignore")),
                    ignore::Match::Whitelist(_) => return None,
                    ignore::Match::None => {}
                }
            }
        }
        for dir in &above {
            if let Some((file, g)) = self.exclude(dir) {
                match g.matched(path, is_dir) {
                    ignore::Match::Ignore(_) => return Some(file.clone()),
                    ignore::Match::Whitelist(_) => return None,
                    ignore::Match::None => {}
                }
            }
        }
        None
    }

    fn is_top(&mut self, dir: &Path) -> bool {
        *(self.tops)
            .entry(dir.to_path_buf())
            .or_insert_with(|| is_repository_top(dir))
    }

    fn gitignore(&mut self, dir: &Path) -> Option<&Gitignore> {
        self.gitignores
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let file = dir.join(".gitignore");
                (file.is_file() && ignore_files_ok(dir).is_ok()).then(|| parsed(dir, &file))
            })
            .as_ref()
    }

    fn exclude(&mut self, dir: &Path) -> Option<&(PathBuf, Gitignore)> {
        self.excludes
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let file = git_dir(dir)?.join("info/exclude");
                (file.is_file() && ignore_files_ok(dir).is_ok()).then(|| {
                    let g = parsed(dir, &file);
                    (file, g)
                })
            })
            .as_ref()
    }
}

/// True when `dir` is the top of a repository, as the walk's `ignore` crate tells one: it holds
/// `.git` (a folder, or a worktree's file) or `.jj`, links followed.
fn is_repository_top(dir: &Path) -> bool {
    dir.join(".git").metadata().is_ok() || dir.join(".jj").metadata().is_ok()
}

/// True when `root` (made absolute, links resolved, as the walk does) or a folder above it is
/// a repository's top.
pub(super) fn in_repository(root: &Path) -> bool {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    root.ancestors().any(is_repository_top)
}

/// The ignore file `file`, its patterns relative to `dir`.
fn parsed(dir: &Path, file: &Path) -> Gitignore {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
    let _ = builder.add(file);
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

/// The git folder whose `info/exclude` applies to the repository at `dir`: `.git` itself, or
/// for a worktree (`.git` a file, `gitdir: …`), its repository's common folder.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    let meta = std::fs::metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    if !meta.is_file() || meta.len() > 4096 {
        return None;
    }
    // As the walk's `ignore` crate reads it: a worktree's `gitdir:` with its `commondir`; a
    // `.git` file without one (a submodule, `--separate-git-dir`) gets no `info/exclude`.
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let gitdir = dir.join(text.lines().next()?.strip_prefix("gitdir: ")?.trim());
    let common = std::fs::read_to_string(gitdir.join("commondir")).ok()?;
    Some(gitdir.join(common.trim()))
}

/// Why the workspace at `root` would not read the file at `path` (below it, on disk or not),
/// by the `exclude` globs of its `nimbus.toml` on disk; `None` when it would.
pub fn skipped_file(root: &Path, path: &Path) -> Option<Skipped> {
    let settings_path = root.join(SETTINGS_FILE);
    if path == settings_path {
        return None;
    }
    skipped(root, path, false, &excludes(root, &settings_of(root)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entering_answers_as_each_question_asked_alone() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().canonicalize().unwrap();
        for (path, text) in [
            ("nimbus.toml", "[workspace]\nexclude = [\"drafts\"]\n"),
            (".gitignore", "old/\n"),
            ("a/b/nimbus.toml", ""),
            ("drafts/c/nimbus.toml", ""),
            ("old/d/nimbus.toml", ""),
            (".hidden/e/nimbus.toml", ""),
            ("f/.gitignore", "g\n"),
            ("f/g/nimbus.toml", ""),
            ("f/h/nimbus.toml", ""),
        ] {
            let p = top.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let dirs = [
            "a/b",
            "drafts/c",
            "old/d",
            ".hidden/e",
            "f/g",
            "f/h",
            "f",
            "a",
        ];
        let mut entering = Entering::default();
        for d in dirs.iter().chain(dirs.iter().rev()) {
            let d = top.join(d);
            assert_eq!(
                entering.walk_enters(&top, &d),
                walk_enters(&top, &d),
                "{d:?}"
            );
            assert_eq!(
                entering.workspace_enters(&top, &d),
                workspace_enters(&top, &d),
                "{d:?}"
            );
        }
        let entered: Vec<&str> = (dirs.iter().copied())
            .filter(|d| entering.workspace_enters(&top, &top.join(d)))
            .collect();
        assert_eq!(entered, ["a/b", "f/h", "f", "a"]);
    }
}
