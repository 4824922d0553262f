//! `--format github`: GitHub Actions workflow commands, shown as annotations on pull requests.

use std::io::{self, Write};
use std::path::Path;

use crate::Analysis;
use crate::diagnostic::Severity;
use crate::load::LoadError;
use crate::source::printable;

/// Escapes a command's message: `%`, CR and LF.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: the message escapes, plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A file's name as a property: as the file system spells it (relative to `cwd` when below
/// it), escaped as GitHub reads it back (`%0A` for a line feed); what GitHub has no escape for
/// and a terminal must not receive (other controls, bidirectional formatting) is shown as in
/// messages, `\u{1b}`.
fn file_property(file: &crate::source::SourceFile, cwd: &Path) -> String {
    let name = super::path_text(super::raw_name(file, cwd));
    printable(&escape_property(&name)).into_owned()
}

/// Annotations of each kind that GitHub shows for a step.
const SHOWN: usize = 10;

/// Writes one `::error`/`::warning` command per diagnostic; files are named relative to `cwd`.
/// `errors` (paths the run could not read) are annotations too: in a workflow, stderr is not.
/// They come first, since they are what makes the run incomplete (exit 2) and GitHub shows only
/// the first ten errors of a step. Past that, a notice says so, from `summary` (the counts
/// of the run) and the paths not read, which are error annotations like the others.
pub fn render(
    results: &[Analysis],
    summary: &super::Summary,
    errors: &[LoadError],
    cwd: &Path,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Paths that could not be read: the annotation says why the check is incomplete.
    for e in errors {
        writeln!(
            out,
            "::error file={},title=not read::{}",
            escape_property(&e.path),
            escape_data(&e.message)
        )?;
    }
    for (a, d) in super::in_order(results) {
        let (start, end) = a.ws.sources.range(d.span);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let file = file_property(a.ws.sources.get(d.span.file), cwd);
        let mut props = format!("file={file},line={}", start.line);
        if start.line == end.line {
            props.push_str(&format!(",col={}", start.column));
        }
        props.push_str(&format!(",endLine={}", end.line));
        if start.line == end.line {
            props.push_str(&format!(",endColumn={}", end.column));
        }
        props.push_str(&format!(",title={}", escape_property(d.code.as_str())));
        let mut message = d.message.clone();
        if !d.help.is_empty() {
            message.push_str("\nhelp: ");
            message.push_str(&d.help);
        }
        writeln!(out, "::{kind} {props}::{}", escape_data(&message))?;
    }
    // GitHub shows 10 annotations of each kind a step: a notice says the rest are in the log.
    let error_annotations = summary.errors + errors.len();
    if error_annotations > SHOWN || summary.warnings > SHOWN {
        // The errors as the summary line counts them, then the paths not read.
        let mut counts = super::plural(summary.errors, "error", "errors");
        match errors.len() {
            0 => {}
            1 => counts.push_str(" and 1 path not read"),
            n => counts.push_str(&format!(" and {n} paths not read")),
        }
        writeln!(
            out,
            "::notice title=nimbus-lint::{}: GitHub shows the first {SHOWN} errors and {SHOWN} warnings of a step as annotations; the step's log lists them all",
            escape_data(&format!(
                "{counts}, {}",
                super::plural(summary.warnings, "warning", "warnings")
            ))
        )?;
    }
    Ok(())
}

/// One `::error` annotation on `file` (as displayed) under `title`: for what is not a
/// diagnostic, such as a stale bundle.
pub fn error_annotation(file: &str, title: &str, message: &str) -> String {
    format!(
        "::error file={},title={}::{}",
        printable(&escape_property(file)),
        escape_property(title),
        printable(&escape_data(message))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
