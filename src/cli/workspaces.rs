//! Loading and checking the workspaces of a run (nested ones too), and telling which paths
//! named were not read, and why.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use super::args::LintArgs;
use super::targets::{Merged, Targets, targets};
use crate::Analysis;
use crate::emit;
use crate::load::{self, LoadError, MAX_NESTED, Naming};
use crate::rules::{Code, Level};

/// The roots of `merged` that the workspaces checked did not read after all: a walk may leave
/// a folder out where the run could not tell beforehand (a `.gitignore` above the root,
/// `.git/info/exclude`). A root is read when the file it stands for was, or (for a folder)
/// some file below it.
fn not_read(merged: Vec<Merged>, results: &[Analysis]) -> Vec<Merged> {
    if merged.is_empty() {
        return merged;
    }
    let (files, dirs) = read_paths(results);
    merged
        .into_iter()
        .filter(|m| match &m.file {
            Some(file) => !files.contains(file.as_path()),
            None => !dirs.contains(m.root.as_path()),
        })
        .collect()
}

/// The files the workspaces read, and the folders holding them up to each workspace's root.
fn read_paths(results: &[Analysis]) -> (HashSet<&Path>, HashSet<&Path>) {
    let mut files: HashSet<&Path> = HashSet::new();
    let mut dirs: HashSet<&Path> = HashSet::new();
    for a in results {
        for (_, f) in a.ws.sources.iter() {
            files.insert(&f.path);
            for dir in f.path.ancestors().skip(1) {
                if dir.as_os_str().len() < a.ws.root.as_os_str().len() || !dirs.insert(dir) {
                    break;
                }
            }
        }
    }
    (files, dirs)
}

/// A note for each path named on the command line that its workspace's walk left out (an
/// excluded or hidden file, a linked folder): the user asked for it, and a clean result must
/// not suggest that it was checked.
fn unchecked(named: &[PathBuf], results: &[Analysis], naming: &Naming) -> Vec<String> {
    let (read, read_dirs) = read_paths(results);
    let roots: HashSet<&Path> = results.iter().map(|a| a.ws.root.as_path()).collect();
    // Telling why takes reading the workspace's ignore files: for a few paths only.
    const TOLD: usize = 20;
    let mut untold = 0usize;
    let mut notes = Vec::new();
    for path in named {
        if notes.len() >= TOLD {
            let read_or_dir = read.contains(path.as_path()) || path.is_dir();
            untold += usize::from(!read_or_dir && !load::is_settings(path));
            continue;
        }
        // A file read, or a folder checked as a root of its own (one the outer walk leaves
        // out), was checked.
        if read.contains(path.as_path()) || roots.contains(path.as_path()) {
            continue;
        }
        // The innermost workspace above it: looked up folder by folder, not searched for
        // among all of them (pre-commit names thousands of files of many workspaces).
        let Some(root) = path.ancestors().skip(1).find(|a| roots.contains(a)) else {
            continue;
        };
        let linked = path.symlink_metadata().is_ok_and(|m| m.is_symlink());
        let shown = naming.display(path);
        if path.is_dir() {
            if linked || !load::workspace_enters(root, path) {
                notes.push(format!(
                    "{shown}: not checked: the walk of its workspace leaves this folder out (a symbolic link, hidden, ignored or excluded)"
                ));
            } else if !read_dirs.contains(path.as_path()) {
                notes.push(format!(
                    "{shown}: not checked: its workspace reads no file below it (none there, or all hidden, ignored, excluded or another tool's)"
                ));
            }
            continue;
        }
        // The walk notes every link it meets itself.
        if linked || read.contains(path.as_path()) || load::is_settings(path) {
            continue;
        }
        let note = match load::skipped_file(root, path) {
            Some(skipped) => {
                let (why, fix) = unread(&skipped, root, naming);
                format!("{shown}: not checked: {why}; {fix}")
            }
            None if path.extension().is_none_or(|e| e != "toml") => {
                format!("{shown}: not checked: a workspace is made of .toml files only")
            }
            None => continue,
        };
        notes.push(note);
    }
    if untold > 0 {
        notes.push(format!(
            "{untold} more of the paths named were not read either (those in other folders, or left out by the walk)"
        ));
    }
    notes
}

/// Why the walk of the workspace at `root` leaves a file out, and how to have it read.
pub(super) fn unread(
    skipped: &load::Skipped,
    root: &std::path::Path,
    naming: &Naming,
) -> (String, String) {
    let (why, fix) = match skipped {
        load::Skipped::Outside => (
            "it lies outside the workspace".to_owned(),
            "name a file in it",
        ),
        load::Skipped::Hidden => (
            "it is hidden (its name or a folder's starts with `.`)".to_owned(),
            "rename it to have it checked",
        ),
        load::Skipped::Excluded => (
            format!(
                "it is excluded by `[workspace] exclude` in {}",
                naming.display(&root.join(load::SETTINGS_FILE))
            ),
            "take it out of the globs to have it checked",
        ),
        load::Skipped::Ignored(gitignore) => (
            format!("it is ignored by {}", naming.display(gitignore)),
            "take it out of that file to have it checked",
        ),
        load::Skipped::Link => (
            "it is a symbolic link, or lies below a linked folder, which the walk does not follow"
                .to_owned(),
            "name the file it leads to",
        ),
    };
    (why, fix.to_owned())
}

/// What a command does with the workspaces it loads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// `check`: also the workspaces nested below (folders holding a `nimbus.toml` of their
    /// own), each on its own; a workspace named through files it leaves out is checked empty,
    /// with a note on each.
    Check,
    /// `build`, `graph`: the workspace named, which must hold something to compile.
    Compile,
}

/// Loads and checks every target workspace, as `purpose` asks.
///
/// The analyses are never freed: the process ends after the command, and the system takes
/// the memory back at once, where freeing a large workspace piece by piece takes a tenth of
/// the check (90 ms for 100,000 files).
pub(super) fn analyze_all(
    t: &Targets,
    naming: &Naming,
    overrides: &[(Code, Level)],
    purpose: Purpose,
) -> Checked {
    let nested = purpose == Purpose::Check;
    let mut errors = t.errors.clone();
    let mut notes = t.notes.clone();
    let mut results = Vec::new();
    let mut roots = t.roots.clone();
    // How many workspaces each root is nested in, below a root named.
    let mut levels: Vec<usize> = vec![0; roots.len()];
    let mut listed: HashSet<PathBuf> = roots.iter().cloned().collect();
    let mut merged = t.merged.clone();
    let mut next = 0;
    loop {
        let Some(root) = roots.get(next).cloned() else {
            // Roots taken as part of an outer one that did not read them after all: checked
            // on their own.
            let apart = not_read(std::mem::take(&mut merged), &results);
            if apart.is_empty() {
                break;
            }
            for m in apart {
                notes.extend(m.note);
                if listed.insert(m.root.clone()) {
                    roots.push(m.root);
                    levels.push(0);
                }
            }
            continue;
        };
        let level = levels[next];
        next += 1;
        let loaded = if t.git_tracked {
            load::load_git_tracked(&root, naming, &t.overlays, &t.named)
        } else {
            load::load(&root, naming, &t.overlays)
        };
        // A workspace named through its files alone is checked without the tenants nested in
        // it, but for those below a folder named.
        let by_files = t.by_files.contains(&root);
        if nested {
            for dir in &loaded.nested {
                let wanted = !by_files || t.folders.iter().any(|f| dir.starts_with(f));
                if !wanted || !listed.insert(dir.clone()) {
                    continue;
                }
                if level >= MAX_NESTED {
                    errors.push(LoadError {
                        path: naming.display(dir),
                        message: format!(
                            "workspaces nested more than {MAX_NESTED} deep below the path named: this one is not checked; name it to check it"
                        ),
                    });
                    continue;
                }
                roots.push(dir.clone());
                levels.push(level + 1);
            }
        }
        // Named through files the walk leaves out (excluded, ignored, links), a workspace is
        // checked all the same, empty: each file left out gets its note, and a pre-commit hook
        // that passes one does not fail. Never compiled so: an empty bundle is no result.
        if loaded.sources.is_empty() && loaded.errors.is_empty() && !(by_files && nested) {
            // No analysis to carry them: what was skipped may be why nothing was found.
            // Nested workspaces are named below, or checked on their own.
            let nested_notes: Vec<String> = (loaded.nested.iter())
                .map(|dir| load::nested_note(dir, naming))
                .collect();
            notes.extend(
                (loaded.notes.iter())
                    .filter(|n| !nested_notes.contains(n))
                    .cloned(),
            );
            if nested && !loaded.nested.is_empty() {
                // Only nested workspaces here: they speak for themselves.
                continue;
            }
            let message = if loaded.nested.is_empty() {
                "no TOML files found (none there, or all hidden, ignored, excluded or another tool's): a workspace is a folder of .toml files (with an optional nimbus.toml at its root)".to_owned()
            } else {
                let n = loaded.nested.len();
                let which = if n == 1 {
                    "the folder below it holds a nimbus.toml: a workspace of its own".to_owned()
                } else {
                    format!("{n} folders below it hold a nimbus.toml, each a workspace of its own")
                };
                format!(
                    "no TOML files of its own: {which}; name one, e.g. `{}`",
                    naming.display(&loaded.nested[0])
                )
            };
            errors.push(LoadError {
                path: naming.display(&root),
                message,
            });
            continue;
        }
        let analysis = crate::analyze(loaded, overrides);
        errors.extend(analysis.load_errors.iter().cloned());
        results.push(analysis);
    }
    notes.extend(unchecked(&t.named, &results, naming));
    // In path order, whatever the order of the arguments, as the workspaces are.
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    errors.dedup_by(|a, b| (&a.path, &a.message) == (&b.path, &b.message));
    Checked {
        results: ManuallyDrop::new(results),
        notes,
        errors,
    }
}

/// The workspaces of a command, checked.
pub(super) struct Checked {
    /// One analysis a workspace.
    pub(super) results: ManuallyDrop<Vec<Analysis>>,
    /// Notes that belong to no analysis.
    notes: Vec<String>,
    /// What stopped the tool from doing its job.
    pub(super) errors: Vec<LoadError>,
}

/// Prints the notes (not under `--quiet`: the summary line alone), then the errors, on stderr.
pub(super) fn report_problems(
    checked: &Checked,
    quiet: bool,
    stderr: &mut dyn Write,
) -> std::io::Result<()> {
    let notes = checked.results.iter().flat_map(|r| &r.notes);
    // Once each: a file named and skipped as another tool's is skipped by its folder's walk too.
    let mut told = HashSet::new();
    for note in checked.notes.iter().chain(notes).filter(|_| !quiet) {
        if told.insert(note) {
            writeln!(stderr, "note: {note}")?;
        }
    }
    for e in &checked.errors {
        writeln!(stderr, "error: {e}")?;
    }
    Ok(())
}

/// True when the diagnostics fail the check: errors, or warnings under `--deny-warnings`.
pub(super) fn fails(results: &[Analysis], lint: &LintArgs) -> bool {
    let summary = emit::Summary::of(results);
    summary.errors > 0 || (lint.deny_warnings && summary.warnings > 0)
}

/// Loads and checks the one workspace holding `path` (with `git_tracked`, the files git
/// tracks only).
pub(super) fn one_workspace(
    path: Option<&PathBuf>,
    naming: &Naming,
    (overrides, git_tracked): (&[(Code, Level)], bool),
    stdin: &mut dyn Read,
) -> Result<Checked, String> {
    if path.is_some_and(|p| p.as_os_str() == "-") {
        return Err(
            "`-` (the file on stdin) is for `check --stdin-filename PATH -`; this command reads files on disk only"
                .to_owned(),
        );
    }
    let paths: Vec<PathBuf> = path.into_iter().cloned().collect();
    let t = targets(&paths, None, (naming, git_tracked), stdin)?;
    Ok(analyze_all(&t, naming, overrides, Purpose::Compile))
}
