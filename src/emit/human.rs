//! `--format human`: miette's graphical report.
//!
//! miette gives a diagnostic one source file, so labels in other files are rendered as related
//! reports, one per file, each with its own snippet. Detected secrets are masked in every
//! snippet: only their first four characters are shown.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
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
    source: Window,
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

/// The lines of a file around the places one report shows, as miette reads them.
///
/// miette finds a span's lines by scanning its source from the start, which would make
/// thousands of reports on one large file quadratic; a window holds only the lines needed,
/// and answers with positions in the whole file. It also shows what may be shown: secrets are
/// masked and control or bidirectional characters defused, byte for byte.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    /// Byte offset of the window in its file.
    start: usize,
    /// 0-based line of the window's first line.
    first_line: usize,
    /// Stretches left out, in order: of long lines (see [`Window::plan`]), and a byte order
    /// mark opening the file (no column, and drawn as a blank or a box by some terminals).
    cuts: Vec<Cut>,
}

/// A stretch of the file left out of a window: shown as one `…`, or (a byte order mark) as
/// nothing.
#[derive(Debug)]
struct Cut {
    /// Where what stands for it is in the window's text.
    at: usize,
    /// Where the stretch began in the file's text, relative to the window's start.
    from: usize,
    /// Its length in bytes.
    len: usize,
    /// Its length in characters, for columns (a byte order mark counts none).
    chars: usize,
    /// True when shown as `…`, false when as nothing.
    shown: bool,
}

impl Cut {
    /// The bytes of what stands for the stretch in the window's text.
    fn shown_len(&self) -> usize {
        if self.shown { ELLIPSIS.len() } else { 0 }
    }
}

/// A stretch of a window's text: shown, or left out (as one `…`); byte offsets in the window.
enum Piece {
    Keep(usize, usize),
    Cut(usize, usize),
}

/// The bytes `range` of `file` as a report may show them: control and bidirectional
/// characters defused and detected secrets masked, byte for byte.
///
/// A window shows a long line in pieces, each read here alone: a secret that crosses a piece's
/// edge is found in the range widened by the longest secret on each side, then clipped, so
/// that no piece shows more of it than the whole line would. Where a secret is longer than
/// [`REACH`], the whole file is read for them instead, once ([`Analysis::file_masks`]).
fn visible(a: &Analysis, file: FileId, range: std::ops::Range<usize>) -> String {
    let src = a.ws.sources.get(file);
    let mut bytes = crate::source::defuse(&src.text[range.clone()])
        .into_owned()
        .into_bytes();
    let mut apply = |masks: &[std::ops::Range<usize>]| {
        for m in masks {
            let (from, to) = (m.start.max(range.start), m.end.min(range.end));
            if from < to {
                mask_bytes(&mut bytes[from - range.start..to - range.start]);
            }
        }
    };
    let longest = a.secret_mask().longest();
    if longest > REACH {
        let masks = a.file_masks(file, || masks(a, file, 0..src.text.len()));
        // Sorted and apart: the ones that reach the range follow the first that ends past its start.
        let first = masks.partition_point(|m| m.end <= range.start);
        let reaching = masks[first..].partition_point(|m| m.start < range.end);
        apply(&masks[first..first + reaching]);
    } else {
        // Far enough for the longest secret, and for a word shaped like one (see `shaped`).
        let reach = longest.max(SHAPED);
        let wide = floor_char(&src.text, range.start.saturating_sub(reach))
            ..ceil_char(&src.text, range.end.saturating_add(reach));
        apply(&masks(a, file, wide));
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The bytes of `file` to mask that lie in, or reach into, its bytes `wide`: sorted, apart.
fn masks(a: &Analysis, file: FileId, wide: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
    let src = a.ws.sources.get(file);
    let secrets = &a.ws.model.secrets;
    let mut out = Vec::new();
    // Secrets are sorted by span and do not overlap: find the first that reaches the range.
    let first =
        secrets.partition_point(|s| (s.span.file, s.span.end as usize) <= (file, wide.start));
    for secret in secrets[first..]
        .iter()
        .take_while(|s| s.span.file == file && (s.span.start as usize) < wide.end)
    {
        // Keep the quotes (one, three, or none for a bare key) and the characters a redacted
        // secret shows; the rest becomes `*`.
        let r = secret.span.range();
        let raw = &src.text[r.clone()];
        let quote = ["\"\"\"", "'''", "\"", "'"]
            .into_iter()
            .find(|q| raw.len() >= 2 * q.len() && raw.starts_with(q) && raw.ends_with(q))
            .map_or(0, str::len);
        let inner = r.start + quote..r.end - quote;
        let shown = crate::model::shown_chars(secret.value.chars().count());
        let keep = src.text[inner.clone()]
            .char_indices()
            .nth(shown)
            .map_or(inner.len(), |(i, _)| i);
        out.push(inner.start + keep..inner.end);
    }
    let text = &src.text[wide.clone()];
    // The same values wherever else they are written (an id that holds one, the same value
    // under another key): shown no more than the messages show them.
    if !secrets.is_empty() {
        for (place, shown) in a.secret_mask().places(text) {
            let keep = (text[place.clone()].char_indices())
                .nth(shown)
                .map_or(place.len(), |(i, _)| i);
            out.push(wide.start + place.start + keep..wide.start + place.end);
        }
    }
    for value in secret_values(text).into_iter().chain(shaped(a, text)) {
        let keep = crate::model::shown_chars(value.len());
        out.push(wide.start + value.start + keep..wide.start + value.end);
    }
    out.retain(|m| !m.is_empty());
    out.sort_unstable_by_key(|m| m.start);
    let mut apart: Vec<std::ops::Range<usize>> = Vec::with_capacity(out.len());
    for m in out {
        match apart.last_mut() {
            Some(last) if m.start <= last.end => last.end = last.end.max(m.end),
            _ => apart.push(m),
        }
    }
    apart
}

/// The strings written after `api_key_secret =` in `text` (a multi-line one from its first
/// line with something on it), up to their closing quote or the line's end, whatever the
/// parse made of them (a closing quote forgotten, a multi-line
/// string left open, the key inside another string): a snippet never shows one. A variable's
/// name in capitals is shown, with or without a shell's `$`.
fn secret_values(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    for (at, key) in text.match_indices("api_key_secret") {
        let rest = &text[at + key.len()..];
        // The key may go on (`api_key_secret.value = …`).
        let after_eq = rest.trim_start_matches(|c: char| {
            c.is_ascii_alphanumeric() || matches!(c, ' ' | '\t' | '.' | '_' | '-' | '"' | '\'')
        });
        let Some(value) = after_eq.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start_matches([' ', '\t']);
        let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        let triple = quote.to_string().repeat(3);
        let inner = match value.strip_prefix(triple.as_str()) {
            // A multi-line string: from its first line with something on it.
            Some(rest) => rest.trim_start_matches([' ', '\t', '\r', '\n', '\\']),
            None => &value[1..],
        };
        let line = &inner[..inner.find(['\n', '\r']).unwrap_or(inner.len())];
        let content = &line[..line.find(quote).unwrap_or(line.len())];
        // A variable's name, bare or as a shell writes it (`$NAME`, `${NAME}`): the message
        // names it too.
        let name = crate::parse::after_dollar(content).unwrap_or(content);
        if !content.is_empty() && !crate::rules::secret_in_config::names_a_variable(name) {
            let start = text.len() - inner.len();
            out.push(start..start + content.len());
        }
    }
    out
}

/// The length of a word shaped like a credential.
const SHAPED: usize = 32;

/// The most a piece of a long line is widened by to find the secrets across its edges; past
/// it, the whole file is read for them.
const REACH: usize = 1024;

/// The words of `text` shaped like a credential that no check recorded (a word in a comment,
/// a value the parse never reached in a file that does not parse, a repeat with a prefix or a
/// blank around it), 32 hex digits included, but in an entity's id (`twilio-<md5>`): a
/// snippet shows them masked all the same.
fn shaped(a: &Analysis, text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let id_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-';
    let mut words = crate::rules::secret_in_config::shaped_words(text, true);
    words.retain(|w| {
        // The name the word is part of, as far as an id's characters go.
        let start = (0..w.start)
            .rev()
            .take_while(|&i| id_char(bytes[i]))
            .last()
            .unwrap_or(w.start);
        let end = (w.end..bytes.len())
            .take_while(|&i| id_char(bytes[i]))
            .last()
            .map_or(w.end, |i| i + 1);
        !a.ws.is_entity_id(&text[start..end])
    });
    words
}

/// Masks a secret's bytes with `*`, keeping its line breaks (a string continued on the next
/// line): the snippet keeps its lines, and its line numbers stay true.
fn mask_bytes(bytes: &mut [u8]) {
    for b in bytes.iter_mut().filter(|b| !matches!(b, b'\n' | b'\r')) {
        *b = b'*';
    }
}

/// Lines longer than this (in bytes) are shown around the places a report points at only.
const LONG_LINE: usize = 240;
/// Bytes kept on either side of each such place.
const CONTEXT: usize = 60;
/// What a left-out stretch is shown as.
const ELLIPSIS: &str = "…";

impl Window {
    /// A window of `file` covering `spans` and two lines around them.
    fn new(a: &Analysis, file: FileId, spans: &[Span]) -> Self {
        let src = a.ws.sources.get(file);
        let lo = spans.iter().map(|s| s.start as usize).min().unwrap_or(0);
        let hi = spans.iter().map(|s| s.end as usize).max().unwrap_or(0);
        let first_line = src.line_of(lo).saturating_sub(2);
        let last_line = src.line_of(hi) + 2;
        let range = src.lines(first_line, last_line);
        let raw = &src.text[range.clone()];
        let anchors: Vec<usize> = (spans.iter())
            .flat_map(|s| [s.start as usize, s.end as usize])
            .filter_map(|at| at.checked_sub(range.start))
            .collect();
        // What to show is decided on the file's text first: only that is then defused and
        // masked, so a report on a long line costs its window, not the line.
        let lines = src
            .line_ranges(first_line, last_line)
            .map(|l| l.start - range.start..l.end - range.start);
        let mut pieces = Window::plan(raw, lines, anchors);
        let mut text = String::with_capacity(raw.len().min(1 << 16));
        let mut cuts = Vec::new();
        const BOM: &str = "\u{feff}";
        if range.start == 0 && raw.starts_with(BOM) {
            cuts.push(Cut {
                at: 0,
                from: 0,
                len: BOM.len(),
                chars: 0,
                shown: false,
            });
            // The first piece (which starts at 0) starts after it; one that held the mark
            // alone goes.
            if let Some(Piece::Keep(from, _) | Piece::Cut(from, _)) = pieces.first_mut() {
                *from = BOM.len();
            }
            pieces.retain(|p| !matches!(p, Piece::Keep(f, t) | Piece::Cut(f, t) if f >= t));
        }
        for piece in pieces {
            match piece {
                Piece::Keep(from, to) => {
                    text.push_str(&visible(a, file, range.start + from..range.start + to));
                }
                Piece::Cut(from, to) => {
                    cuts.push(Cut {
                        at: text.len(),
                        from,
                        len: to - from,
                        chars: src.chars_between(range.start + from, range.start + to),
                        shown: true,
                    });
                    text.push_str(ELLIPSIS);
                }
            }
        }
        if range.end == src.text.len() && !text.ends_with('\n') {
            // miette draws no label at the very end of a text whose last line has no line
            // ending (an unclosed `[` at the end of a file): give it one.
            text.push('\n');
        }
        Window {
            name: crate::source::printable(src.display()).into_owned(),
            text,
            start: range.start,
            first_line,
            cuts,
        }
    }

    /// Which stretches of `text` to show: lines longer than [`LONG_LINE`] are cut down to the
    /// stretches around `anchors` (the ends of the spans shown), so that a minified or
    /// generated line neither floods the report nor pushes a column past what the renderer
    /// can pad to.
    /// `lines` are the ranges of the lines of `text`: known from the file's line index, so
    /// that planning costs the number of lines, not their length.
    fn plan(
        text: &str,
        lines: impl Iterator<Item = std::ops::Range<usize>>,
        mut anchors: Vec<usize>,
    ) -> Vec<Piece> {
        let lines: Vec<std::ops::Range<usize>> = lines.collect();
        let content =
            |l: &std::ops::Range<usize>| l.len() - usize::from(text[l.clone()].ends_with('\n'));
        if !lines.iter().any(|l| content(l) > LONG_LINE) {
            return vec![Piece::Keep(0, text.len())];
        }
        anchors.sort_unstable();
        let mut pieces = Vec::new();
        for l in lines {
            let (line_start, line_end) = (l.start, l.end);
            let line = &text[l];
            if line.len() <= LONG_LINE {
                pieces.push(Piece::Keep(line_start, line_end));
                continue;
            }
            let lo = anchors.partition_point(|&a| a < line_start);
            let hi = anchors.partition_point(|&a| a <= line_end);
            let mut keep: Vec<(usize, usize)> = anchors[lo..hi]
                .iter()
                .map(|&a| {
                    (
                        a.saturating_sub(CONTEXT).max(line_start),
                        (a + CONTEXT).min(line_end),
                    )
                })
                .collect();
            if keep.is_empty() {
                keep.push((line_start, line_start + 2 * CONTEXT));
            }
            // The line ending (`\r\n` whole) is always kept.
            let ending = if line.ends_with("\r\n") {
                2
            } else {
                usize::from(line.ends_with('\n'))
            };
            keep.push((line_end - ending, line_end));
            let mut at = line_start;
            for (from, to) in keep {
                let from = floor_char(text, from.max(at));
                let to = ceil_char(text, to);
                if from > at {
                    // A stretch no longer than the ellipsis itself is kept as written.
                    if from - at <= ELLIPSIS.len() {
                        pieces.push(Piece::Keep(at, from));
                    } else {
                        pieces.push(Piece::Cut(at, from));
                    }
                }
                if to > from.max(at) {
                    pieces.push(Piece::Keep(from.max(at), to));
                }
                at = at.max(to);
            }
        }
        pieces
    }

    /// Where a byte of the file stands in this window (as a file offset for miette): its own
    /// offset, less what was cut before it.
    fn place(&self, at: usize) -> usize {
        let local = at.saturating_sub(self.start);
        let mut shift = 0isize;
        for cut in &self.cuts {
            if cut.from >= local {
                break;
            }
            if local < cut.from + cut.len {
                return self.start + cut.at;
            }
            shift += cut.len as isize - cut.shown_len() as isize;
        }
        (local as isize - shift) as usize + self.start
    }

    /// A span of the file as miette is to read it from this window.
    fn span(&self, s: Span) -> SourceSpan {
        let start = self.place(s.start as usize);
        let end = self.place(s.end as usize).max(start);
        SourceSpan::from((start, end - start))
    }
}

/// `at`, or the start of the character it falls inside.
fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `at`, or the end of the character it falls inside.
fn ceil_char(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let offset = span
            .offset()
            .checked_sub(self.start)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::from((offset, span.len()));
        let c = self.text.as_str().read_span(&local, before, after)?;
        // miette counts columns in bytes; show characters, as every other format does.
        let column = if c.column() == 0 {
            0
        } else {
            let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let before = &self.text[line_start..offset];
            // Each `…` before the place on its line stands for the characters it replaced.
            let cut: usize = (self.cuts.iter())
                .filter(|c| c.shown && (line_start..offset).contains(&c.at))
                .map(|c| c.chars - 1)
                .sum();
            before.chars().count() + cut
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::from((c.span().offset() + self.start, c.span().len())),
            c.line() + self.first_line,
            column,
            c.line_count(),
        )))
    }
}

/// Lines between the primary place and a label that still share one snippet.
const NEAR: u32 = 4;

fn label(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// `text` broken into lines of at most `width` columns, at spaces only: an id or a header in
/// backticks (`[service.sales-team]`) is never split at its hyphens, a piece of code that fits
/// a line (`messaging_entry = "sms-sales"`) not at its spaces, and a word longer than the line
/// stays whole. miette's own wrapping is off: it would also break the source lines
/// of the snippets it nests.
fn fill(text: &str, width: usize) -> String {
    let width = width.max(20);
    // Lines break at spaces only: never after the `/` of a path or the `-` of an id, which
    // would cut a value the user copies (`"dist/` and `bundle.json"`).
    let options = textwrap::Options::new(width)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    // A short code span (`messaging_entry = "sms-sales"`) stays on one line: its spaces are
    // held by a private-use character while the text is wrapped.
    const HOLD: char = '\u{e000}';
    if text.contains(HOLD) || !text.contains('`') {
        return textwrap::fill(text, options);
    }
    let mut held = String::with_capacity(text.len());
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            held.push('`');
        }
        if i % 2 == 1 {
            held.extend(part.chars().map(|c| if c == ' ' { HOLD } else { c }));
        } else {
            held.push_str(part);
        }
    }
    // A held span, with the text glued to it (`(`, `),`), must fit a line: else its spaces
    // break again.
    let held: Vec<String> = (held.split(' '))
        .map(|word| {
            if word.contains(HOLD) && textwrap::core::display_width(word) > width {
                word.replace(HOLD, " ")
            } else {
                word.to_owned()
            }
        })
        .collect();
    textwrap::fill(&held.join(" "), options).replace(HOLD, " ")
}

/// Columns taken before a report's text: `  × ` before the message, `  help: ` before the
/// help, and for a note nested under a report, `  ╰─▶   ☞ ` more.
const MESSAGE_INDENT: usize = 4;
const HELP_INDENT: usize = 8;
const NOTE_INDENT: usize = 10;

fn report(d: &Diagnostic, a: &Analysis, width: usize) -> Report {
    let mut related = Vec::new();
    let sources = &a.ws.sources;
    let mut near = vec![(d.span, &d.label)];
    let line = |s: Span| sources.get(s.file).position(s.start as usize).line;
    let primary_line = line(d.span);
    for l in &d.labels {
        // Labels near the problem share its snippet. Others (far away, or in another file)
        // follow it, each as a note with a snippet of its own, so the report opens at the
        // problem and never shows a long stretch of unrelated lines.
        if l.span.file == d.span.file && line(l.span).abs_diff(primary_line) <= NEAR {
            near.push((l.span, &l.message));
        } else {
            let source = Window::new(a, l.span.file, &[l.span]);
            let labels = vec![LabeledSpan::new_primary_with_span(
                None,
                source.span(l.span),
            )];
            related.push(Report {
                message: fill(&l.message, width.saturating_sub(NOTE_INDENT)),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source,
                labels,
                related: Vec::new(),
            });
        }
    }
    let spans: Vec<Span> = near.iter().map(|(s, _)| *s).collect();
    let source = Window::new(a, d.span.file, &spans);
    let labels = (near.iter().enumerate())
        .map(|(i, (s, text))| {
            let at = source.span(*s);
            if i == 0 {
                LabeledSpan::new_primary_with_span(label(text), at)
            } else {
                LabeledSpan::new_with_span(label(text), at)
            }
        })
        .collect();
    Report {
        message: fill(&d.message, width.saturating_sub(MESSAGE_INDENT)),
        code: Some(d.code.as_str()),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        help: label(&fill(&d.help, width.saturating_sub(HELP_INDENT))),
        source,
        labels,
        related,
    }
}

/// Reports rendered together, in parallel, before they are written: enough to keep both cores
/// busy, few enough that a run with a hundred thousand diagnostics never holds them all.
const CHUNK: usize = 256;

/// Writes every diagnostic as a graphical report.
///
/// Rendering is most of the time a large report takes (miette lays out every snippet), so the
/// reports of each chunk are rendered on the thread pool and written in order.
pub fn render(results: &[Analysis], style: Style, out: &mut dyn Write) -> io::Result<()> {
    use rayon::prelude::*;
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_show_related_as_nested(true)
        .with_wrap_lines(false)
        .without_syntax_highlighting();
    let one = |(analysis, d): &(&Analysis, &Diagnostic)| -> io::Result<String> {
        let r = report(d, analysis, style.width);
        let mut s = String::new();
        handler
            .render_report(&mut s, &r)
            .map_err(|_| io::Error::other("could not render a diagnostic"))?;
        // Without miette's wrapping, the gutter of an empty source line keeps a space.
        let mut text = String::with_capacity(s.len() + 1);
        for line in s.trim_end().lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text.push('\n');
        Ok(text)
    };
    for chunk in super::in_order(results).chunks(CHUNK) {
        let texts: Vec<String> = chunk.par_iter().map(one).collect::<io::Result<_>>()?;
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}
