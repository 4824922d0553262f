//! Emit: render diagnostics in the formats people and tools read.
//!
//! **Invariant:** emitters only render. Message, span, help and labels are decided once, in
//! the rules; every format here shows the same [`Diagnostic`](crate::diagnostic::Diagnostic).

pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod sarif;
pub mod short;
pub mod write;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::Analysis;
use crate::diagnostic::Severity;
use crate::load::LoadError;
use crate::source::SourceFile;
pub use crate::source::{path_bytes, path_text, uri_path};

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A graphical report: code, message, labelled snippet, help.
    Human,
    /// One line a diagnostic: `FILE:LINE:COL: SEVERITY[CODE]: MESSAGE`.
    Short,
    /// One JSON document (format_version 1).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
}

/// Totals over every checked workspace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Diagnostics of severity error.
    pub errors: usize,
    /// Diagnostics of severity warning.
    pub warnings: usize,
    /// Files read.
    pub files: usize,
    /// True when some file of a workspace could not be read (the errors are on stderr).
    pub incomplete: bool,
}

impl Summary {
    /// Counts the diagnostics and files of `results`.
    pub fn of(results: &[Analysis]) -> Self {
        let mut s = Summary::default();
        for r in results {
            s.files += r.ws.sources.len();
            s.incomplete |= !r.load_errors.is_empty();
            for d in &r.diagnostics {
                match d.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                }
            }
        }
        s
    }
}

/// `1 file`, `2 files`: a count with its noun in the right number.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, {} in {}",
            plural(self.errors, "error", "errors"),
            plural(self.warnings, "warning", "warnings"),
            plural(self.files, "file", "files")
        )?;
        if self.incomplete {
            write!(f, "; not every file could be read")?;
        }
        Ok(())
    }
}

/// How the machine formats (JSON, SARIF, GitHub) name `file`: as the file system spells it,
/// relative to `cwd` when below it, else absolute. Not escaped for a terminal, as
/// [`SourceFile::display`] is: each format escapes it its own way.
pub fn raw_name<'a>(file: &'a SourceFile, cwd: &Path) -> &'a Path {
    if file.path.as_os_str().is_empty() {
        // A file held in memory only, named by its display name.
        return Path::new(file.display());
    }
    raw_path(&file.path, cwd)
}

/// The folder that GitHub reads the paths of annotations and SARIF results relative to: its
/// checkout (`GITHUB_WORKSPACE`) when the current folder lies in it, as in a step with a
/// `working-directory`; else the current folder.
pub fn ci_root(cwd: &Path) -> PathBuf {
    let checkout = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|w| !w.is_empty())
        .map(PathBuf::from)
        .filter(|w| w.is_absolute())
        .map(|w| std::fs::canonicalize(&w).unwrap_or(w));
    match checkout {
        Some(root) if cwd.starts_with(&root) => root,
        _ => cwd.to_path_buf(),
    }
}

/// `shown`, a path named relative to `cwd` (or absolute: a file above `cwd`), named relative
/// to `root`, a folder at or above `cwd` (see [`ci_root`]), when below it.
pub fn rebased(shown: &str, cwd: &Path, root: &Path) -> String {
    let path = Path::new(shown);
    if cwd == root && !path.is_absolute() {
        return shown.to_owned();
    }
    let joined = crate::load::Naming::at(cwd).absolute(path);
    path_text(raw_path(&joined, root)).into_owned()
}

/// `path` relative to `cwd` when below it (`.` for `cwd` itself), else as it is.
pub fn raw_path<'a>(path: &'a Path, cwd: &Path) -> &'a Path {
    match path.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => Path::new("."),
        Ok(rel) => rel,
        Err(_) => path,
    }
}

/// How the human format looks.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Wrap width.
    pub width: usize,
}

/// Every diagnostic of the run with its analysis, in the order every format lists them: by
/// file (as displayed), line, column and code, across workspaces too (a root and the tenants
/// nested in it interleave by path, as in the JSON document).
pub fn in_order(results: &[Analysis]) -> Vec<(&Analysis, &crate::diagnostic::Diagnostic)> {
    let mut all: Vec<(&Analysis, &crate::diagnostic::Diagnostic)> = (results.iter())
        .flat_map(|a| a.diagnostics.iter().map(move |d| (a, d)))
        .collect();
    if results.len() > 1 {
        // Each analysis is in order already: the sort only interleaves them.
        all.sort_by_cached_key(|(a, d)| {
            let file = a.ws.sources.get(d.span.file);
            let at = file.position(d.span.start as usize);
            (
                file.display().to_owned(),
                at.line,
                at.column,
                d.code.as_str(),
            )
        });
    }
    all
}

/// Writes `results` in `format` (diagnostics and, unless `quiet`, the summary line).
/// `errors` are every path the run could not read (the analyses' load errors among them, once
/// each): SARIF and github name them too (the others leave them to stderr).
pub fn render(
    format: Format,
    results: &[Analysis],
    errors: &[LoadError],
    quiet: bool,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut summary = Summary::of(results);
    summary.incomplete |= !errors.is_empty();
    let cwd = std::env::current_dir().unwrap_or_default();
    // GitHub reads the paths of both relative to its checkout.
    let for_github = || {
        let root = ci_root(&cwd);
        let errors: Vec<LoadError> = (errors.iter())
            .map(|e| LoadError {
                path: rebased(&e.path, &cwd, &root),
                message: e.message.clone(),
            })
            .collect();
        (root, errors)
    };
    match format {
        Format::Json => return json::render(results, summary, &cwd, out),
        Format::Sarif => {
            let (root, errors) = for_github();
            return sarif::render(results, &errors, &root, out);
        }
        _ if quiet => {}
        Format::Human => human::render(results, style, out)?,
        Format::Short => short::render(results, out)?,
        Format::Github => {
            let (root, errors) = for_github();
            github::render(results, &summary, &errors, &root, out)?
        }
    }
    if results.is_empty() && !errors.is_empty() {
        // Nothing could be checked: the errors on stderr say why; a summary would mislead.
        return Ok(());
    }
    writeln!(out, "{summary}")
}
