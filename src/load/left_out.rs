//! The files a workspace leaves out, looked at on demand: where a reference that names no
//! entity of the files checked names one defined in an excluded, ignored, hidden or untracked
//! file, the help says so, and no fix writes another id in its place.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ignore::gitignore::Gitignore;
use rustc_hash::FxHashMap;

use super::ignores::{IgnoreFiles, Skipped, skipped_with};
use super::is_settings;
use super::naming::Naming;
use super::root::has_settings;

/// How many entries of the folder tree the look visits at most, and how many files it reads:
/// it runs on an error path, in editors on every keystroke, and must stay cheap.
const MAX_VISITED: usize = 20_000;
const MAX_READ: usize = 1_000;
/// A file larger than this is not read.
const MAX_SIZE: u64 = 1 << 20;

/// What the look at a workspace's left-out files needs: where the workspace is and what its
/// walk leaves out.
#[derive(Debug, Clone)]
pub struct LeftOut {
    root: PathBuf,
    excludes: Gitignore,
    naming: Naming,
    /// Loaded with `--git-tracked`: a file git does not track is left out too.
    git_tracked: bool,
}

/// An entity defined in a file the workspace leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// The file, as paths are shown.
    pub file: String,
    /// The 1-based line of its header or key.
    pub line: usize,
    /// Why the walk leaves the file out, with what would take it in.
    pub why: Why,
}

/// Why the walk of a workspace leaves a file out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Its name, or a folder's on the way, starts with `.`.
    Hidden,
    /// Matched by `[workspace] exclude`.
    Excluded,
    /// Ignored by this ignore file, as paths are shown.
    Ignored(String),
    /// Not tracked by git, with `--git-tracked`.
    Untracked,
}

impl Why {
    /// Why the file is left out ("which `exclude` in nimbus.toml leaves out"), and how to take
    /// it in ("take it out of `exclude`").
    pub fn told(&self) -> (String, String) {
        let (why, remedy) = match self {
            Why::Hidden => (
                "which is hidden (a name on its path starts with `.`)",
                "drop the leading `.` from the name that has it",
            ),
            Why::Excluded => (
                "which `exclude` in nimbus.toml leaves out",
                "take it out of `exclude`",
            ),
            Why::Ignored(file) => {
                return (
                    format!("which `{file}` ignores"),
                    format!("take it out of `{file}`"),
                );
            }
            Why::Untracked => (
                "which git does not track (`--git-tracked` reads tracked files only)",
                "`git add` it",
            ),
        };
        (why.to_owned(), remedy.to_owned())
    }
}

impl LeftOut {
    /// The look at the workspace at `root`, whose walk leaves out what `excludes` matches (and
    /// with `git_tracked`, what git does not track).
    pub(super) fn new(
        root: &Path,
        excludes: Gitignore,
        naming: &Naming,
        git_tracked: bool,
    ) -> Self {
        LeftOut {
            root: root.to_path_buf(),
            excludes,
            naming: naming.clone(),
            git_tracked,
        }
    }

    /// Where the files the workspace leaves out define the entities `wanted` asks for, as
    /// `(kind's key, id)` pairs (`("service", "sales-bot")`); the first definition in path
    /// order. `read` holds the paths the workspace read. Folders of nested workspaces and
    /// version control's are not entered, links not followed; past a bound of folder entries
    /// or files read, the look stops (the answer may then miss some).
    pub fn definitions(
        &self,
        wanted: &HashSet<(&str, &str)>,
        read: &HashSet<&Path>,
    ) -> FxHashMap<(String, String), Elsewhere> {
        let mut found: FxHashMap<(String, String), Elsewhere> = FxHashMap::default();
        if wanted.is_empty() {
            return found;
        }
        let walker = ignore::WalkBuilder::new(&self.root)
            .standard_filters(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                let vcs = matches!(
                    e.file_name().to_str(),
                    Some(".git" | ".jj" | ".hg" | ".svn")
                );
                !is_dir || e.depth() == 0 || !(vcs || has_settings(e.path()))
            })
            .build();
        let mut ignores = IgnoreFiles::of(&self.root);
        let mut files_read = 0;
        for entry in walker.take(MAX_VISITED).flatten() {
            let path = entry.path();
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if !is_file
                || path.extension().is_none_or(|e| e != "toml")
                || is_settings(path)
                || read.contains(path)
            {
                continue;
            }
            if files_read == MAX_READ {
                break;
            }
            if entry.metadata().map_or(true, |m| m.len() > MAX_SIZE) {
                continue;
            }
            files_read += 1;
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let mut why = None;
            for (kind, id, at) in crate::parse::lines::id_key_spans(&text) {
                if !wanted.contains(&(kind.as_str(), id.as_str()))
                    || found.contains_key(&(kind.clone(), id.clone()))
                {
                    continue;
                }
                let why = why.get_or_insert_with(|| {
                    match skipped_with(&self.root, path, false, &self.excludes, &mut ignores) {
                        Some(Skipped::Hidden) => Some(Why::Hidden),
                        Some(Skipped::Excluded) => Some(Why::Excluded),
                        Some(Skipped::Ignored(file)) => {
                            Some(Why::Ignored(self.naming.display(&file)))
                        }
                        None if self.git_tracked => Some(Why::Untracked),
                        // Read by the walk after all (a file made since), or never (a link).
                        Some(Skipped::Link | Skipped::Outside) | None => None,
                    }
                });
                let Some(why) = why.clone() else { break };
                let line = 1 + text[..at.start].matches('\n').count();
                let file = self.naming.display(path);
                found.insert((kind, id), Elsewhere { file, line, why });
            }
        }
        found
    }
}
