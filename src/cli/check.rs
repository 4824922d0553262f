//! The `check` command, and the rounds of `check --fix` that write the fixes to the files.

use std::collections::BTreeSet;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use clap::ArgMatches;

use super::args::{CheckArgs, overrides, style};
use super::targets::{naming_for, targets};
use super::workspaces::{Purpose, analyze_all, fails, report_problems};
use super::{
    EXIT_ERRORS, EXIT_FAILURE, EXIT_OK, Failure, Io, Outcome, clean_up_on_interrupt, io_err,
};
use crate::Analysis;
use crate::emit;
use crate::load::{self, Naming};
use crate::rules::Code;

/// `check`: checks the workspaces named (and, with `--fix`, applies their certain fixes in
/// rounds), then prints the diagnostics in the format asked for.
pub(super) fn check(args: CheckArgs, sub: &ArgMatches, io: &mut Io<'_>) -> Outcome {
    let overrides = overrides(sub)?;
    let naming = naming_for(args.paths.iter().chain(&args.stdin_filename))?;
    let t = targets(
        &args.paths,
        args.stdin_filename.as_ref(),
        (&naming, args.git_tracked),
        io.stdin,
    )?;
    let mut checked = analyze_all(&t, &naming, &overrides, Purpose::Check);
    let mut unwritten = false;
    if args.fix {
        clean_up_on_interrupt();
        // A fix can uncover another (a value given its quotes then names a misspelled id):
        // rounds go on, as ruff's do, until none is left or the bound is reached.
        // Paths named: only their files are fixed (the workspace is still checked whole).
        let scope = (!args.paths.is_empty()).then(|| t.named.iter().cloned().collect());
        let mut fixing = Fixing {
            list: !args.lint.quiet,
            scope,
            ..Fixing::default()
        };
        let mut converged = false;
        for _ in 0..fix_rounds() {
            if fix_files(&checked.results, &naming, &mut fixing, io.stderr)? == 0 {
                converged = true;
                break;
            }
            // What is left, as the files now read. The analysis before is freed first: only
            // the last one is left to the process's exit.
            drop(ManuallyDrop::into_inner(std::mem::take(
                &mut checked.results,
            )));
            checked = analyze_all(&t, &naming, &overrides, Purpose::Check);
        }
        // Asked only when every round fixed something: a round with nothing to fix says
        // there is none.
        let pending = !converged
            && checked.results.iter().any(|a| {
                crate::diagnostic::fixes_by_file(&a.diagnostics)
                    .into_iter()
                    .any(|(id, _)| !fixing.left.contains(&a.ws.sources.get(id).path))
            });
        fixing.report(pending, io.stderr).map_err(io_err)?;
        unwritten = fixing.failed;
    }
    // Workspaces in path order, whatever the order of the arguments: every format lists the
    // diagnostics of one run alike.
    checked.results.sort_by_key(|a| naming.display(&a.ws.root));
    let (results, errors) = (&checked.results, &checked.errors);
    let lint = &args.lint;
    emit::render(
        lint.format,
        results,
        errors,
        lint.quiet,
        style(lint, io.stdout_is_terminal, io.stdout_width),
        io.stdout,
    )
    .map_err(io_err)?;
    report_problems(&checked, args.lint.quiet, io.stderr).map_err(io_err)?;
    let failed = fails(results, lint);
    if failed && emit::Summary::of(results).errors == 0 && errors.is_empty() && !unwritten {
        // "0 errors" above a failed run would leave the reader guessing.
        writeln!(io.stderr, "error: warnings are denied (--deny-warnings)").map_err(io_err)?;
    }
    Ok(if !errors.is_empty() || unwritten {
        EXIT_FAILURE
    } else if failed {
        EXIT_ERRORS
    } else {
        EXIT_OK
    })
}

/// Rounds of `check --fix` at most: fixes that keep uncovering fixes are cut off there.
const FIX_ROUNDS: usize = 8;

/// [`FIX_ROUNDS`], or fewer for tests that compare one round with the editor's fix-all
/// (`NIMBUS_LINT_TEST_FIX_ROUNDS`).
fn fix_rounds() -> usize {
    std::env::var("NIMBUS_LINT_TEST_FIX_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(FIX_ROUNDS, |n: usize| n.clamp(1, FIX_ROUNDS))
}

/// What the rounds of `check --fix` did, summed for the one report at the end.
#[derive(Default)]
struct Fixing {
    /// Fixes applied.
    applied: usize,
    /// Files written.
    files: BTreeSet<PathBuf>,
    /// Files left alone (with a note, said once) or that could not be written.
    left: BTreeSet<PathBuf>,
    /// Some file could not be written: the run exits 2.
    failed: bool,
    /// Each fix written is listed (not under `--quiet`).
    list: bool,
    /// The paths named, when some were: files outside them are not fixed.
    scope: Option<std::collections::HashSet<PathBuf>>,
    /// Files with fixes that lie outside `scope`.
    outside: BTreeSet<String>,
}

impl Fixing {
    /// True when `path` was named, or lies in a folder named (or nothing was named).
    fn in_scope(&self, path: &Path) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|named| path.ancestors().any(|p| named.contains(p)))
    }
}

impl Fixing {
    /// Says what was fixed, and whether fixes are still pending after the last round.
    fn report(&self, pending: bool, stderr: &mut dyn Write) -> std::io::Result<()> {
        if self.applied > 0 {
            let plural = emit::plural;
            writeln!(
                stderr,
                "fixed {} in {}",
                plural(self.applied, "problem", "problems"),
                plural(self.files.len(), "file", "files")
            )?;
        }
        if pending {
            writeln!(
                stderr,
                "note: fixes are still pending after {} rounds; run `check --fix` again",
                fix_rounds()
            )?;
        }
        if let Some(first) = self.outside.first() {
            let n = self.outside.len();
            let (which, them) = match n {
                1 => (format!("{first}, a file"), "it, or its folder,"),
                _ => (format!("{n} files ({first}, …)"), "them, or their folders,"),
            };
            writeln!(
                stderr,
                "note: not fixed: {which} of the workspace not named on the command line; name {them} to fix {}",
                if n == 1 { "it" } else { "them" }
            )?;
        }
        Ok(())
    }
}

/// One round of `check --fix`: applies the compatible fixes of each file's diagnostics to the
/// file on disk, atomically. A file is left as it is, with a note, when it changed since it
/// was read, is a link, read-only, another's or hard-linked, or would no longer parse; a file
/// that cannot be written is an error on stderr, and the other files are still fixed. Files
/// left in an earlier round are passed over. A workspace's `nimbus.toml` written, its other
/// files wait for the next round. Returns how many fixes this round applied.
fn fix_files(
    results: &[Analysis],
    naming: &Naming,
    fixing: &mut Fixing,
    stderr: &mut dyn Write,
) -> Result<usize, Failure> {
    let mut applied = 0;
    for a in results {
        // The files with a syntax fix: those that do not parse, whose bare values are quoted.
        let broken: std::collections::HashSet<crate::source::FileId> = (a.diagnostics.iter())
            .filter(|d| d.code == Code::Syntax)
            .filter_map(|d| Some(d.fix.as_ref()?.span.file))
            .collect();
        // `nimbus.toml` first, and alone when it is written: its fixes may change which files
        // are read (`exclud`) and what is reported, so the other files wait for the next
        // round, which reads them as the fixed settings say.
        let mut by_file = crate::diagnostic::fixes_by_file(&a.diagnostics);
        let settings = (a.ws.settings_file).and_then(|s| Some((s, by_file.remove(&s)?)));
        let mut settings_written = false;
        for (id, fixes) in settings.into_iter().chain(by_file) {
            if settings_written {
                break;
            }
            let source = a.ws.sources.get(id);
            if fixing.left.contains(&source.path) {
                continue;
            }
            if !fixing.in_scope(&source.path) {
                fixing.outside.insert(naming.display(&source.path));
                fixing.left.insert(source.path.clone());
                continue;
            }
            if source.utf8_error.is_some() {
                // Its text is not the file's bytes: nothing is written over them.
                fixing.left.insert(source.path.clone());
                continue;
            }
            let shown = naming.display(&source.path);
            let together =
                crate::parse::fixes_together(id, &source.text, &fixes, broken.contains(&id));
            let fixes = match together {
                Ok(fixes) => fixes,
                Err(why) => {
                    writeln!(stderr, "note: {shown}: {why}; not fixed").map_err(io_err)?;
                    fixing.left.insert(source.path.clone());
                    continue;
                }
            };
            let count = fixes.len();
            let text = crate::diagnostic::apply(&source.text, &fixes.iter().collect::<Vec<_>>());
            match leave_alone(source) {
                Some(why) => {
                    writeln!(stderr, "note: {shown}: {why}; not fixed").map_err(io_err)?;
                }
                None => {
                    match emit::write::write_atomic(&source.path, |w| w.write_all(text.as_bytes()))
                    {
                        Ok(()) => {
                            applied += count;
                            settings_written |= a.ws.settings_file == Some(id);
                            fixing.files.insert(source.path.clone());
                            if fixing.list {
                                list_fixes(source, &shown, &fixes, stderr)?;
                            }
                            continue;
                        }
                        Err(e) => {
                            writeln!(
                                stderr,
                                "error: {shown}: cannot write the fixes: {}",
                                load::io_message(&e)
                            )
                            .map_err(io_err)?;
                            fixing.failed = true;
                        }
                    }
                }
            }
            fixing.left.insert(source.path.clone());
        }
    }
    fixing.applied += applied;
    Ok(applied)
}

/// Lists the fixes just written to `source` (shown as `shown`), one a line, where each was
/// made in the text as it was read: `FILE:LINE:COL: fixed[CODE]: TITLE`, the short format's
/// shape, which editors' problem matchers read.
fn list_fixes(
    source: &crate::source::SourceFile,
    shown: &str,
    fixes: &[crate::diagnostic::Fix],
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    for f in fixes {
        let at = source.position(f.span.start as usize);
        writeln!(
            stderr,
            "{shown}:{}:{}: fixed[{}]: {}",
            at.line, at.column, f.code, f.title
        )
        .map_err(io_err)?;
    }
    Ok(())
}

/// Why the fixes of `source` must not be written to its file, if they must not.
fn leave_alone(source: &crate::source::SourceFile) -> Option<&'static str> {
    let Ok(meta) = std::fs::symlink_metadata(&source.path) else {
        return Some("no longer there");
    };
    if meta.file_type().is_symlink() {
        return Some("a symbolic link");
    }
    // Replacing the file would split its other names from it.
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
        return Some("it has other hard links");
    }
    // Another user's file (or one of a group this user is not in) would become this user's:
    // editors ask first; here it is left alone.
    #[cfg(unix)]
    if !owner_kept(&source.path, &meta) {
        return Some("owned by another user or group");
    }
    if meta.permissions().readonly()
        || std::fs::OpenOptions::new()
            .write(true)
            .open(&source.path)
            .is_err()
    {
        return Some("not writable");
    }
    // Changed since it was read (an editor saved it): left to the next run.
    if std::fs::read(&source.path).ok().as_deref() != Some(source.text.as_bytes()) {
        return Some("changed while it was checked");
    }
    None
}

/// True when a file written beside `path` by this process gets `path`'s owner and group, or
/// can be given them: found by making one, as the kernel decides (setgid folders, root).
#[cfg(unix)]
fn owner_kept(path: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(probe) = tempfile::Builder::new()
        .prefix(".nimbus-lint-")
        .tempfile_in(dir)
    else {
        return true;
    };
    let Ok(mine) = probe.as_file().metadata() else {
        return true;
    };
    (mine.uid(), mine.gid()) == (meta.uid(), meta.gid())
        || std::os::unix::fs::chown(probe.path(), Some(meta.uid()), Some(meta.gid())).is_ok()
}
