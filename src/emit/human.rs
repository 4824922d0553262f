//! `--format human`: miette's graphical report.
//!
//! miette gives a diagnostic one source file, so labels in other files are rendered as related
//! reports, one per file, each with its own snippet. Detected secrets are masked in every
//! snippet: only their first four characters are shown.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode, SourceSpan,
};

use super::Style;
use crate::Analysis;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, Span};

/// One miette report: a message, one file's snippet and its labels, related reports.
#[derive(Debug)]
struct Report {
    message: String,
    code: Option<&'static str>,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// File texts as shown, secrets masked, built once per file.
struct Texts<'a> {
    analysis: &'a Analysis,
    cache: HashMap<FileId, Arc<str>>,
}

impl Texts<'_> {
    fn get(&mut self, file: FileId) -> NamedSource<Arc<str>> {
        let a = self.analysis;
        let text = self
            .cache
            .entry(file)
            .or_insert_with(|| {
                let src = a.ws.sources.get(file);
                let secrets: Vec<_> =
                    a.ws.model
                        .secrets
                        .iter()
                        .filter(|s| s.span.file == file)
                        .collect();
                // Control and bidirectional characters never reach the terminal raw: they are
                // replaced byte for byte, so every offset stays valid.
                let defused = crate::source::defuse(&src.text);
                if secrets.is_empty() {
                    return match defused {
                        std::borrow::Cow::Borrowed(_) => src.text.clone(),
                        std::borrow::Cow::Owned(t) => t.into(),
                    };
                }
                let mut bytes = defused.as_bytes().to_vec();
                for s in secrets {
                    // Keep the quote and four characters; the rest becomes `*`, byte for byte.
                    let r = s.span.range();
                    let keep = src.text[r.clone()]
                        .char_indices()
                        .nth(5)
                        .map_or(r.len(), |(i, _)| i);
                    let end = r.end.saturating_sub(1).max(r.start + keep);
                    for b in &mut bytes[r.start + keep..end] {
                        *b = b'*';
                    }
                }
                String::from_utf8_lossy(&bytes).into()
            })
            .clone();
        NamedSource::new(
            crate::source::printable(&a.ws.sources.get(file).display),
            text,
        )
    }
}

/// Lines between the primary place and a label that still share one snippet.
const NEAR: u32 = 4;

fn span(s: Span) -> SourceSpan {
    SourceSpan::from((s.start as usize, (s.end - s.start) as usize))
}

fn label(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn report(d: &Diagnostic, texts: &mut Texts<'_>) -> Report {
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        label(&d.label),
        span(d.span),
    )];
    let mut related = Vec::new();
    let sources = &texts.analysis.ws.sources;
    let line = |s: Span| sources.get(s.file).position(s.start as usize).line;
    let primary_line = line(d.span);
    for l in &d.labels {
        // Labels near the problem share its snippet. Others (far away, or in another file)
        // follow it, each as a note with a snippet of its own, so the report opens at the
        // problem and never shows a long stretch of unrelated lines.
        if l.span.file == d.span.file && line(l.span).abs_diff(primary_line) <= NEAR {
            labels.push(LabeledSpan::new_with_span(label(&l.message), span(l.span)));
        } else {
            related.push(Report {
                message: l.message.clone(),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: texts.get(l.span.file),
                labels: vec![LabeledSpan::new_primary_with_span(None, span(l.span))],
                related: Vec::new(),
            });
        }
    }
    Report {
        message: d.message.clone(),
        code: Some(d.code.as_str()),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        help: label(&d.help),
        source: texts.get(d.span.file),
        labels,
        related,
    }
}

/// Writes every diagnostic as a graphical report.
pub fn render(results: &[Analysis], style: Style, out: &mut dyn Write) -> io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_show_related_as_nested(true)
        .without_syntax_highlighting();
    for analysis in results {
        let mut texts = Texts {
            analysis,
            cache: HashMap::new(),
        };
        for d in &analysis.diagnostics {
            let r = report(d, &mut texts);
            let mut s = String::new();
            handler
                .render_report(&mut s, &r)
                .map_err(|_| io::Error::other("could not render a diagnostic"))?;
            writeln!(out, "{}", s.trim_end())?;
            writeln!(out)?;
        }
    }
    Ok(())
}
