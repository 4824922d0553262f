//! `--format json`: one document, the interface scripts build on (format_version 1).

use std::io::{self, Write};

use serde::Serialize;

use super::Summary;
use crate::Analysis;
use crate::source::{Sources, Span};

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
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

fn place(sources: &Sources, span: Span) -> Place<'_> {
    let (start, end) = sources.range(span);
    Place {
        file: sources.get(span.file).display(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Writes the document, diagnostics sorted by file, line, column, code.
pub fn render(results: &[Analysis], summary: Summary, out: &mut dyn Write) -> io::Result<()> {
    let mut diagnostics = Vec::new();
    for r in results {
        for d in &r.diagnostics {
            diagnostics.push(JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
                help: &d.help,
                at: place(&r.ws.sources, d.span),
                labels: d
                    .labels
                    .iter()
                    .map(|l| JsonLabel {
                        at: place(&r.ws.sources, l.span),
                        message: &l.message,
                    })
                    .collect(),
            });
        }
    }
    diagnostics.sort_by(|a, b| {
        (a.at.file, a.at.line, a.at.column, a.code).cmp(&(
            b.at.file,
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
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)
}
