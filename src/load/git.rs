//! `--git-tracked`: the files git tracks in a workspace. A pre-commit hook judges the tree
//! being committed, and files git does not track (a draft, a scratch copy) are not part of
//! it: pre-commit stashes unstaged changes, but leaves untracked files on disk.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::ignores::{IgnoreFiles, Skipped, excludes, skipped_with};
use super::naming::Naming;
use super::{LoadError, Loaded, SETTINGS_FILE, io_message, is_settings};

/// How many of the files left out the note names.
const NAMED: usize = 5;

/// The files git tracks below `root` (each as `root` joined with its path).
pub(super) struct Tracked {
    /// Every one, from git's index: the files the next commit holds (during a commit, git
    /// points `GIT_INDEX_FILE` at the index being committed), those of checked-out submodules
    /// included (each from its own index).
    pub files: HashSet<PathBuf>,
    /// Those a sparse checkout may leave off the disk (the skip-worktree bit), with their path
    /// as git wrote it, relative to `root`.
    pub sparse: Vec<(PathBuf, Vec<u8>)>,
}

/// The files git tracks below `root`; an error says why git could not list them.
pub(super) fn tracked(root: &Path) -> Result<Tracked, String> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "-t",
            "--cached",
            "--recurse-submodules",
            "--",
            ".",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| {
            format!(
                "`--git-tracked` needs git, which could not be run: {}",
                io_message(&e)
            )
        })?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let said = said.lines().next().unwrap_or("").trim();
        let said = said.strip_prefix("fatal: ").unwrap_or(said);
        return Err(format!(
            "`--git-tracked`: git could not list the files it tracks here ({said}); leave the flag out outside a git repository"
        ));
    }
    // Run in `root`, git names the files relative to it, each after its status tag and a
    // space (`H`, cached; `S`, skip-worktree).
    let mut tracked = Tracked {
        files: HashSet::new(),
        sparse: Vec::new(),
    };
    for entry in out.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        let (tag, rel) = match entry {
            [tag, b' ', rel @ ..] => (*tag, rel),
            rel => (b'H', rel),
        };
        let path = root.join(path_of(rel));
        if tag == b'S' {
            tracked.sparse.push((path.clone(), rel.to_vec()));
        }
        tracked.files.insert(path);
    }
    Ok(tracked)
}

/// Under `--git-tracked`, the workspace root of a path whose nearest `nimbus.toml` is in
/// `root`: the nearest folder at or above it whose `nimbus.toml` git tracks, as a clone of the
/// commit reads it (an untracked nested one splits nothing off, as in the walk from the top).
/// `root` itself when git tracks none above it (the load then says its own is untracked) or
/// cannot tell.
pub fn tracked_root(root: &Path) -> PathBuf {
    let mut dir = root.to_path_buf();
    while settings_tracked(&dir) == Some(false) {
        match dir.parent().and_then(super::settings_root) {
            Some(up) => dir = up,
            None => return root.to_path_buf(),
        }
    }
    dir
}

/// Whether git tracks the `nimbus.toml` of `dir`; `None` when git cannot tell (no
/// repository there, or no git).
fn settings_tracked(dir: &Path) -> Option<bool> {
    let out = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--", SETTINGS_FILE])
        .current_dir(dir)
        .output()
        .ok()?;
    out.status.success().then_some(!out.stdout.is_empty())
}

/// The tracked entity files below `root` that a sparse checkout leaves off the disk (git's
/// skip-worktree bit, in `tracked`), with their text in git's index: what the commit holds,
/// read in their stead. Empty when none is missing, or git cannot tell.
pub(super) fn sparse_texts(root: &Path, tracked: &Tracked) -> Vec<(PathBuf, Vec<u8>)> {
    // A name with a line break cannot be asked for below.
    let sparse: Vec<(PathBuf, &[u8])> = (tracked.sparse.iter())
        .filter(|(path, rel)| {
            path.extension().is_some_and(|e| e == "toml")
                && !is_settings(path)
                && !rel.contains(&b'\n')
                && path.symlink_metadata().is_err()
        })
        .map(|(path, rel)| (path.clone(), rel.as_slice()))
        .collect();
    if sparse.is_empty() {
        return Vec::new();
    }
    let mut asked = Vec::new();
    for (_, rel) in &sparse {
        asked.extend_from_slice(b":./");
        asked.extend_from_slice(rel);
        asked.push(b'\n');
    }
    let Some(blobs) = cat_file(root, &asked) else {
        return Vec::new();
    };
    let mut texts = Vec::new();
    let mut rest = blobs.as_slice();
    for (path, _) in sparse {
        // `<oid> blob <size>\n<bytes>\n`, or `<name> missing\n`.
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&rest[..end]).into_owned();
        rest = &rest[end + 1..];
        let Some(size) = (header.split(' ').nth(2)).and_then(|s| s.parse::<usize>().ok()) else {
            continue;
        };
        let Some(text) = rest.get(..size) else { break };
        texts.push((path, text.to_vec()));
        rest = rest.get(size + 1..).unwrap_or_default();
    }
    texts
}

/// What `git cat-file --batch` answers to `asked` in `dir`.
fn cat_file(dir: &Path, asked: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    // Written from a thread: git answers while it reads, and a full pipe would stall both.
    let mut stdin = child.stdin.take()?;
    let asked = asked.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&asked));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    out.status.success().then_some(out.stdout)
}

/// The note on the files read from git's index, outside a sparse checkout.
pub(super) fn sparse_note(files: &[(PathBuf, Vec<u8>)], root: &Path, naming: &Naming) -> String {
    let mut paths: Vec<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    paths.sort();
    let (n, what, names) = listed(&paths, naming);
    format!(
        "{}: read {n} {what} outside the sparse checkout from git's index (--git-tracked): {names}",
        naming.display(root)
    )
}

/// A path as git writes it with `-z`: its bytes as they are.
fn path_of(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// The note on the files of `root` left out because git does not track them: the first few
/// named, in path order.
pub(super) fn left_out_note(files: &[PathBuf], root: &Path, naming: &Naming) -> String {
    let mut sorted: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    sorted.sort_by_cached_key(|f| naming.display(f));
    let (n, what, names) = listed(&sorted, naming);
    format!(
        "{}: left out {n} {what} git does not track (--git-tracked): {names}",
        naming.display(root)
    )
}

/// The files git does not track that would still decide what `loaded`, the workspace read
/// with `--git-tracked`, holds, each an error: a clone of the commit would be read otherwise.
/// The root's `nimbus.toml`, and a `.gitignore` (or git's `info/exclude`) that hides tracked
/// files. (A nested
/// `nimbus.toml` git does not track splits nothing off: see `walk`.) `tracked` holds the
/// files git tracks, and those named and the editor's texts, which count as tracked.
///
/// Also a note on the tracked files missing on disk (deleted, or moved without `git mv`): the
/// commit holds them unless the deletion is staged, and they are not read.
pub(super) fn untracked_rules(
    loaded: &Loaded,
    tracked: &HashSet<PathBuf>,
    naming: &Naming,
) -> (Vec<LoadError>, Option<String>) {
    let root = loaded.root.as_path();
    let mut errors = Vec::new();
    let mut missing: Vec<&Path> = Vec::new();
    let settings = root.join(SETTINGS_FILE);
    if !tracked.contains(&settings) && settings.is_file() {
        errors.push(LoadError {
            path: naming.display(&settings),
            message: "git does not track it, yet it holds the workspace's settings and marks its root: a clone of the commit has no such file (--git-tracked); `git add` it".to_owned(),
        });
    }
    // Tracked files the walk left out, by the `.gitignore` that hides them.
    let nested: HashSet<&Path> = loaded.nested.iter().map(PathBuf::as_path).collect();
    let mut hidden: BTreeMap<PathBuf, Vec<&Path>> = BTreeMap::new();
    let excludes = excludes(root, &loaded.settings.settings);
    let mut ignores = IgnoreFiles::of(root);
    for path in tracked {
        let entity_file = path.extension().is_some_and(|e| e == "toml") && !is_settings(path);
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let in_nested = || {
            (path.ancestors().skip(1))
                .take(rel.components().count().saturating_sub(1))
                .any(|dir| nested.contains(dir))
        };
        if !entity_file || loaded.sources.find(path).is_some() || in_nested() {
            continue;
        }
        match skipped_with(root, path, false, &excludes, &mut ignores) {
            // The walk would read it, were it on disk.
            None if path.symlink_metadata().is_err() => missing.push(path),
            // A `.gitignore` (git's `info/exclude` is in no commit either).
            Some(Skipped::Ignored(file)) => hidden.entry(file).or_default().push(path),
            _ => {}
        }
    }
    for (file, mut paths) in hidden {
        let gitignore = file.file_name().is_some_and(|n| n == ".gitignore");
        if gitignore && is_tracked(&file, tracked, root) {
            continue;
        }
        paths.sort();
        let (n, what, names) = listed(&paths, naming);
        let (whose, fix) = if gitignore {
            ("git does not track it, yet it", "`git add` it")
        } else if n == 1 {
            (
                "git's own list of ignored files",
                "drop the line that lists it",
            )
        } else {
            (
                "git's own list of ignored files",
                "drop the lines that list them",
            )
        };
        errors.push(LoadError {
            path: naming.display(&file),
            message: format!(
                "{whose} hides {n} {what} git tracks, which a clone of the commit reads: {names} (--git-tracked); {fix}, or list them in `exclude` in nimbus.toml"
            ),
        });
    }
    missing.sort();
    let note = (!missing.is_empty()).then(|| {
        let (n, what, names) = listed(&missing, naming);
        format!(
            "{}: {n} {what} git tracks not on disk, not read (--git-tracked): {names}; the commit holds them until their deletion is staged (`git rm`, or `git mv` for a move)",
            naming.display(root)
        )
    });
    (errors, note)
}

/// How many `paths` there are, "file" or "files", and the first few named, in order.
fn listed(paths: &[&Path], naming: &Naming) -> (usize, &'static str, String) {
    let n = paths.len();
    let names: Vec<String> = paths
        .iter()
        .take(NAMED)
        .map(|p| naming.display(p))
        .collect();
    let more = match n.saturating_sub(NAMED) {
        0 => String::new(),
        k => format!(" and {k} more"),
    };
    let what = if n == 1 { "file" } else { "files" };
    (n, what, format!("{}{more}", names.join(", ")))
}

/// True when git tracks `file`: in `tracked` below `root`, else (a folder above the root) as
/// git's index says.
fn is_tracked(file: &Path, tracked: &HashSet<PathBuf>, root: &Path) -> bool {
    if file.starts_with(root) {
        return tracked.contains(file);
    }
    Command::new("git")
        .args(["ls-files", "-z", "--cached", "--"])
        .arg(file)
        .current_dir(root)
        .output()
        // Unknown: not judged untracked.
        .map_or(true, |out| !out.status.success() || !out.stdout.is_empty())
}
