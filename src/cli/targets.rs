//! From the paths on the command line to the workspace roots of the run: how paths are named,
//! the roots found, respelled through links, and merged into outer roots.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::workspaces::unread;
use crate::load::{self, LoadError, Naming, Overlays};

/// How paths are named from the current folder. When that folder cannot be found (deleted
/// under the shell), relative paths cannot be resolved: an error, rather than a check of
/// something else. Absolute paths still work. No path at all stands for `.`.
pub(super) fn naming_for<'p>(paths: impl Iterator<Item = &'p PathBuf>) -> Result<Naming, String> {
    if let Err(e) = std::env::current_dir() {
        let mut paths = paths.peekable();
        let relative =
            paths.peek().is_none() || paths.any(|p| p.as_os_str() != "-" && p.is_relative());
        if relative {
            return Err(format!(
                "the current folder cannot be read ({}; deleted?): run from an existing folder, or give absolute paths",
                load::io_message(&e)
            ));
        }
    }
    Ok(Naming::from_cwd())
}

/// Everything a command needs to know about the workspaces named on its command line.
pub(super) struct Targets {
    pub(super) roots: Vec<PathBuf>,
    /// Roots below another root of the run, checked with it unless it leaves them out.
    pub(super) merged: Vec<Merged>,
    pub(super) overlays: Overlays,
    pub(super) errors: Vec<LoadError>,
    /// Things to tell about how the roots were found.
    pub(super) notes: Vec<String>,
    /// The paths named on the command line that exist, absolute.
    pub(super) named: Vec<PathBuf>,
    /// Roots named through files only (as pre-commit names them): the workspace holding the
    /// files is checked, not the workspaces nested below it.
    pub(super) by_files: HashSet<PathBuf>,
    /// Roots named as folders: the tenants nested below them are checked, even when the walk
    /// that finds them is an outer root's named through files.
    pub(super) folders: Vec<PathBuf>,
    /// `--git-tracked`: files git does not track are left out, but for those named.
    pub(super) git_tracked: bool,
}

/// Each root of the run, with the file PATH whose folder it is for want of a `nimbus.toml`;
/// indexed, as a pre-commit hook may name thousands of files.
#[derive(Default)]
struct RootList<'p> {
    roots: Vec<(PathBuf, Option<&'p PathBuf>)>,
    index: HashMap<PathBuf, usize>,
}

impl<'p> RootList<'p> {
    /// Adds `root` unless it is known, and returns its place.
    fn push(&mut self, root: PathBuf, guessed_for: Option<&'p PathBuf>) -> usize {
        // The same folder reached by another spelling (through a symbolic link, or `$PWD`
        // beside a relative path in a linked folder) is the same root: looked up by its real
        // path too, the first spelling kept.
        let known = self.index.get(&root).copied().or_else(|| {
            let real = std::fs::canonicalize(&root).ok()?;
            let i = self.index.get(&real).copied();
            self.index.entry(real).or_insert(self.roots.len());
            i
        });
        match known {
            // Named as a folder (or by --stdin-filename) too: nothing to tell.
            Some(i) if guessed_for.is_none() => {
                self.roots[i].1 = None;
                i
            }
            Some(i) => i,
            None => {
                self.index.insert(root.clone(), self.roots.len());
                self.roots.push((root, guessed_for));
                self.roots.len() - 1
            }
        }
    }
}

/// Sorts the respelled roots into those checked on their own and those merged into an outer
/// root of the run, with the notes on folders taken for want of a `nimbus.toml`.
fn place_roots(
    respelled: Vec<(PathBuf, Option<&PathBuf>, Option<PathBuf>)>,
    as_folder: &HashSet<usize>,
    t: &mut Targets,
    naming: &Naming,
) {
    // Only a root without `nimbus.toml` can lie below another root of the run (one with it
    // is a nested workspace, which the outer walk leaves out); the outer one has none either.
    // Its ancestors are looked up, not every other root.
    let all: HashSet<PathBuf> = respelled.iter().map(|(r, ..)| r.clone()).collect();
    for (i, (root, guessed_for, file)) in respelled.into_iter().enumerate() {
        if as_folder.contains(&i) {
            t.folders.push(root.clone());
        } else {
            t.by_files.insert(root.clone());
        }
        let note = guessed_for.map(|file| {
            format!(
                "{}: no nimbus.toml at or above it, so its folder ({}) is checked as the workspace; put a nimbus.toml at the workspace root to have file paths (as pre-commit passes them) check the whole workspace",
                naming.display(file),
                naming.display(&root)
            )
        });
        let outer = (!load::has_settings(&root))
            .then(|| {
                (root.ancestors().skip(1))
                    .find(|a| all.contains(*a) && load::walk_enters(a, &root))
                    .map(Path::to_path_buf)
            })
            .flatten();
        match outer {
            Some(_) => t.merged.push(Merged { file, root, note }),
            None => {
                t.notes.extend(note);
                t.roots.push(root);
            }
        }
    }
}

/// Finds the workspace of each path (deduplicated), reading stdin for `-`. A root below
/// another one that has no `nimbus.toml` of its own is part of the outer one, and checked
/// with it: a file is never checked twice.
pub(super) fn targets(
    paths: &[PathBuf],
    stdin_filename: Option<&PathBuf>,
    (naming, git_tracked): (&Naming, bool),
    stdin: &mut dyn Read,
) -> Result<Targets, String> {
    let mut t = Targets {
        roots: Vec::new(),
        merged: Vec::new(),
        overlays: Overlays::new(),
        errors: Vec::new(),
        notes: Vec::new(),
        named: Vec::new(),
        by_files: HashSet::new(),
        folders: Vec::new(),
        git_tracked,
    };
    let dash = paths.iter().any(|p| p.as_os_str() == "-");
    if dash != stdin_filename.is_some() {
        return Err(if dash {
            "`-` reads the file from stdin: name it with --stdin-filename PATH".to_owned()
        } else {
            "--stdin-filename goes with `-` as the path".to_owned()
        });
    }
    let mut roots = RootList::default();
    // The roots named as folders at least once (their nested workspaces are checked too).
    let mut as_folder: HashSet<usize> = HashSet::new();
    if let Some(name) = stdin_filename {
        let (root, abs, text) = stdin_target(name, naming, stdin)?;
        if !load::has_settings(&root) && !load::is_settings(name) && load::another_tools(&text) {
            t.notes.push(load::skipped_note(&naming.display(name)));
        } else {
            let _ = roots.push(root, None);
            t.overlays.insert(abs, text);
        }
    }
    let defaults = [PathBuf::from(".")];
    // No path: the current folder, checked through its workspace whatever it holds (run from
    // `dist/`, say): no note that nothing below it was read.
    let defaulted = paths.is_empty();
    let paths = if defaulted { &defaults[..] } else { paths };
    // Under `--git-tracked`, the root each root found stands for: asked of git once a root,
    // not once a file (pre-commit names every file of a commit).
    let mut tracked_roots: HashMap<PathBuf, PathBuf> = HashMap::new();
    for p in paths.iter().filter(|p| p.as_os_str() != "-") {
        let found = load::locate(p, naming).map(|found| match found.target {
            // Under `--git-tracked`, a `nimbus.toml` git does not track marks no root (unless
            // it is the file named): the workspace is the one a clone of the commit reads.
            None if git_tracked && !naming.absolute(p).ends_with(load::SETTINGS_FILE) => {
                let root = (tracked_roots.entry(found.root.clone()))
                    .or_insert_with(|| load::tracked_root(&found.root))
                    .clone();
                let guessed = found.guessed && root == found.root;
                load::Found {
                    root,
                    guessed,
                    target: None,
                }
            }
            _ => found,
        });
        match found {
            // With no `nimbus.toml` above it, a file that is not `.toml` (a README with a TOML
            // example in it) makes no folder a workspace.
            Ok(found)
                if found.guessed
                    && p.extension().is_none_or(|e| e != "toml")
                    && !naming.absolute(p).is_dir() =>
            {
                t.notes.push(format!(
                    "{}: not checked: a workspace is made of .toml files only",
                    naming.display(p)
                ));
            }
            Ok(found) if found.guessed && foreign(&naming.absolute(p), &found.root) => {
                t.notes.push(load::skipped_note(&naming.display(p)));
            }
            Ok(found) => {
                let i = roots.push(found.root, found.guessed.then_some(p));
                let abs = naming.absolute(p);
                if abs.is_dir() {
                    as_folder.insert(i);
                }
                // A link into a nested workspace stands for the file it leads to.
                if !defaulted {
                    t.named.push(found.target.unwrap_or(abs));
                }
            }
            Err(e) => t.errors.push(e),
        }
    }
    let respelled = respell_roots(roots.roots, &mut t, naming);
    place_roots(respelled, &as_folder, &mut t, naming);
    Ok(t)
}

/// True when `file`, named with no `nimbus.toml` at or above it (`root` is its folder), is
/// another tool's TOML (a `Cargo.toml`, a `pyproject.toml`, as a pre-commit hook with the
/// shipped `files: \.toml$` passes them): no table of it names a kind of entity. A file that
/// is not a regular one, cannot be read, is not UTF-8 or is over the size limit is not
/// judged: the check says why.
fn foreign(file: &Path, root: &Path) -> bool {
    // A pipe or a device is never opened here: reading could block, or never end.
    if !std::fs::metadata(file).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let limit = load::settings_of(root).max_file_size;
    let Ok(f) = std::fs::File::open(file) else {
        return false;
    };
    let mut bytes = Vec::new();
    if f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .is_err()
        || bytes.len() as u64 > limit
    {
        return false;
    }
    load::another_tools(&bytes)
}

/// The root of the file `--stdin-filename` names, its absolute path, and the text read from
/// stdin for it; an error when no workspace would read that file.
fn stdin_target(
    name: &Path,
    naming: &Naming,
    stdin: &mut dyn Read,
) -> Result<(PathBuf, PathBuf, Vec<u8>), String> {
    // Text that no workspace file stands for would be read and then silently ignored.
    let named = || format!("--stdin-filename {}", naming.display(name));
    if naming.absolute(name).is_dir() {
        return Err(format!(
            "{}: is a folder: name the file the text on stdin stands for",
            named()
        ));
    }
    if let Some((_, suffix)) = load::folder_suffix(name) {
        return Err(format!(
            "{}: names a folder (`{suffix}` at its end): name the file the text on stdin stands for",
            named()
        ));
    }
    if name.extension().is_none_or(|e| e != "toml") {
        return Err(format!(
            "{}: not a .toml file: a workspace is made of .toml files only",
            named()
        ));
    }
    // A file where a folder of the path goes (`org.toml/x.toml`, `org.toml/../org.toml`): no
    // such file can exist, as the system would say of the same path on the command line.
    let mut before = PathBuf::new();
    for part in name.components() {
        if !before.as_os_str().is_empty() && naming.absolute(&before).is_file() {
            // As typed: made absolute, the path would read as something else.
            return Err(format!(
                "--stdin-filename {}: a part of the path is a file, not a folder: name the file the text on stdin stands for",
                crate::source::printable(&name.to_string_lossy())
            ));
        }
        before.push(part);
    }
    // Bytes, not text: a buffer that is not UTF-8 gets `syntax` at its first bad byte, as
    // the same file on disk would.
    // The file need not exist yet (a new buffer in a new folder): its root is found
    // from its name alone, never from some folder above that holds no `nimbus.toml`.
    let abs = naming.absolute(name);
    // A `nimbus.toml` makes its folder a root, saved or not (a tenant being begun, or split
    // off from the workspace above).
    let root = match abs.parent() {
        Some(folder) if load::is_settings(&abs) => folder.to_path_buf(),
        _ => load::root_of_file(&abs),
    };
    // Read one byte past the workspace's limit at most: the loader reports the size, and
    // an endless stdin (`< /dev/zero`) ends there.
    let limit = load::settings_of(&root).max_file_size.saturating_add(1);
    let mut text = Vec::new();
    stdin
        .take(limit)
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read stdin: {}", load::io_message(&e)))?;
    if let Some(skipped) = load::skipped_file(&root, &abs) {
        let (why, fix) = unread(&skipped, &root, naming);
        return Err(format!(
            "{}: {why}, so its workspace does not read it; {fix}",
            named()
        ));
    }
    Ok((root, abs, text))
}

/// Each root with the file PATH whose folder it is for want of a `nimbus.toml`, and that
/// file's absolute path. Roots reached through symbolic links are spelled as the outermost
/// root of the run that holds them spells its own path: a root below another is then found
/// below it, and its files (and the stdin buffer, and the paths named) are named as the
/// outer walk names them, and read once.
#[allow(clippy::type_complexity)]
fn respell_roots<'p>(
    roots: Vec<(PathBuf, Option<&'p PathBuf>)>,
    t: &mut Targets,
    naming: &Naming,
) -> Vec<(PathBuf, Option<&'p PathBuf>, Option<PathBuf>)> {
    let real: HashMap<PathBuf, PathBuf> = if roots.len() > 1 {
        (roots.iter())
            .filter_map(|(r, _)| Some((std::fs::canonicalize(r).ok()?, r.clone())))
            .collect()
    } else {
        HashMap::new()
    };
    // `path` as the outermost root holding it spells it (the real path tells which holds it;
    // a path that does not exist yet, a new buffer's folder, by its nearest existing folder).
    let respell = |path: &Path| -> Option<PathBuf> {
        let path_real = real_path(path)?;
        let (outer_real, spelled) = (path_real.ancestors())
            .filter_map(|a| Some((a, real.get(a)?)))
            .last()?;
        let respelled = spelled.join(path_real.strip_prefix(outer_real).ok()?);
        (respelled != path).then_some(respelled)
    };
    let mut respelled: Vec<(PathBuf, Option<&PathBuf>, Option<PathBuf>)> = Vec::new();
    for (spelled, guessed_for) in roots {
        match respell(&spelled).filter(|_| !real.is_empty()) {
            Some(root) => {
                // What lies below the old spelling, named as the new one names it.
                let moved = |p: &Path| p.strip_prefix(&spelled).ok().map(|rest| root.join(rest));
                let keys: Vec<PathBuf> = t.overlays.keys().cloned().collect();
                for key in keys {
                    if let Some(new) = moved(&key)
                        && let Some(text) = t.overlays.remove(&key)
                    {
                        t.overlays.insert(new, text);
                    }
                }
                for named in &mut t.named {
                    if let Some(new) = moved(named) {
                        *named = new;
                    }
                }
                let file = guessed_for.and_then(|f| moved(&naming.absolute(f)));
                respelled.push((root, guessed_for, file));
            }
            None => {
                let file = guessed_for.map(|f| naming.absolute(f));
                respelled.push((spelled, guessed_for, file));
            }
        }
    }
    respelled
}

/// `path` with its links resolved: the real path of its nearest existing ancestor (itself when
/// it exists), followed by the rest of it as written.
fn real_path(path: &Path) -> Option<PathBuf> {
    let (existing, real) =
        (path.ancestors()).find_map(|a| Some((a, std::fs::canonicalize(a).ok()?)))?;
    Some(real.join(path.strip_prefix(existing).ok()?))
}

/// A root of the run taken as part of an outer root of the run, whose walk should read it.
#[derive(Debug, Clone)]
pub(super) struct Merged {
    /// The root.
    pub(super) root: PathBuf,
    /// The file PATH it stands for, when it was found from one.
    pub(super) file: Option<PathBuf>,
    /// What to tell if it is checked on its own after all.
    pub(super) note: Option<String>,
}
