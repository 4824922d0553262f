//! `--format json`: one document, the interface scripts build on (format_version 1).

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::Summary;
use crate::Analysis;
use crate::source::{Sources, Span, is_hazard};

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    files: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    help: &'a str,
    #[serde(flatten)]
    at: Place<'a>,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    #[serde(flatten)]
    at: Place<'a>,
    message: &'a str,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Place<'a> {
    file: Cow<'a, str>,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

fn place<'a>(sources: &'a Sources, span: Span, cwd: &Path) -> Place<'a> {
    let (start, end) = sources.range(span);
    Place {
        file: super::path_text(super::raw_name(sources.get(span.file), cwd)),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Writes the document, diagnostics sorted by file, line, column, code. Files are named
/// relative to `cwd` as the file system spells them (a name that is not UTF-8 has U+FFFD in
/// place of its bad bytes: JSON strings are Unicode).
pub fn render(
    results: &[Analysis],
    summary: Summary,
    cwd: &Path,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut diagnostics = Vec::new();
    for r in results {
        for d in &r.diagnostics {
            diagnostics.push(JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
                help: &d.help,
                at: place(&r.ws.sources, d.span, cwd),
                labels: d
                    .labels
                    .iter()
                    .map(|l| JsonLabel {
                        at: place(&r.ws.sources, l.span, cwd),
                        message: &l.message,
                    })
                    .collect(),
            });
        }
    }
    diagnostics.sort_by(|a, b| {
        (&a.at.file, a.at.line, a.at.column, a.code).cmp(&(
            &b.at.file,
            b.at.line,
            b.at.column,
            b.code,
        ))
    });
    let doc = Document {
        format_version: 1,
        diagnostics,
        summary: JsonSummary {
            errors: summary.errors,
            warnings: summary.warnings,
            files: summary.files,
        },
    };
    let mut json = serde_json::Serializer::with_formatter(&mut *out, Safe::default());
    doc.serialize(&mut json).map_err(io::Error::from)?;
    writeln!(out)
}

/// serde_json's pretty printer, writing also the characters that must not reach a terminal
/// raw ([`is_hazard`]: DEL, C1 controls, bidirectional formatting; JSON escapes the others)
/// as `\uXXXX`: the document holds the same strings, and a file name cannot act on a terminal.
#[derive(Default)]
struct Safe(PrettyFormatter<'static>);

impl Formatter for Safe {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in s.char_indices().filter(|&(_, c)| is_hazard(c)) {
            w.write_all(&s.as_bytes()[start..i])?;
            // Every hazard lies in the Basic Multilingual Plane: one escape each.
            write!(w, "\\u{:04x}", u32::from(c))?;
            start = i + c.len_utf8();
        }
        w.write_all(&s.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_a_terminal_must_not_receive_are_escaped_and_read_back_the_same() {
        let value = "a\u{1b}[31m b\u{9b} c\u{202e} d\u{7f} e\n\tü";
        let mut out = Vec::new();
        let mut json = serde_json::Serializer::with_formatter(&mut out, Safe::default());
        [value].serialize(&mut json).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "[\n  \"a\\u001b[31m b\\u009b c\\u202e d\\u007f e\\n\\tü\"\n]"
        );
        let back: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, [value]);
    }
}
