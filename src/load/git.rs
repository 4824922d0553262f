//! `--git-tracked`: the files git tracks in a workspace. A pre-commit hook judges the tree
//! being committed, and files git does not track (a draft, a scratch copy) are not part of
//! it: pre-commit stashes unstaged changes, but leaves untracked files on disk.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::io_message;
use super::naming::Naming;

/// How many of the files left out the note names.
const NAMED: usize = 5;

/// Every file git tracks below `root` (as `root` joined with its path), from its index: the
/// files the next commit holds (during a commit, git points `GIT_INDEX_FILE` at the index
/// being committed), those of checked-out submodules included (each from its own index). An
/// error says why git could not list them.
pub(super) fn tracked(root: &Path) -> Result<HashSet<PathBuf>, String> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
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
    // Run in `root`, git names the files relative to it.
    Ok(out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root.join(path_of(p)))
        .collect())
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
    let mut names: Vec<String> = files.iter().map(|f| naming.display(f)).collect();
    names.sort();
    let n = names.len();
    let shown = names[..n.min(NAMED)].join(", ");
    let more = match n.saturating_sub(NAMED) {
        0 => String::new(),
        k => format!(" and {k} more"),
    };
    let what = if n == 1 { "file" } else { "files" };
    format!(
        "{}: left out {n} {what} git does not track (--git-tracked): {shown}{more}",
        naming.display(root)
    )
}
