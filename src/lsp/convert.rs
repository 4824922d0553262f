//! Conversions between nimbus-lint's byte spans and LSP's positions, paths and URIs, and
//! diagnostics.
//!
//! LSP positions are 0-based lines and columns counted in the negotiated encoding: UTF-16 code
//! units by default, bytes when the client offers UTF-8, characters when it offers UTF-32.
//! Lines are the protocol's: a lone `\r` ends one as `\n` and `\r\n` do (TOML and the
//! command line count `\n` only; a lone `\r` is a `syntax` error, so only a file that does
//! not parse is counted differently), see [`SourceFile::position_utf16`]. Two details: the
//! carriage return of a CRLF line end belongs to the line end (a position never points
//! between `\r` and `\n`), and a byte order mark at the start of a file read from disk is
//! not a column, as editors drop it from the text (in an open document's text that kept it,
//! it is one).

use crate::load::normalize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    ClientCapabilities, CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity,
    DiagnosticTag, Location, NumberOrString, PositionEncodingKind, Range, Uri,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::resolve::Workspace;
use crate::rules::Code;
use crate::source::{SourceFile, Span};

/// How position columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// In bytes (`utf-8`), when the client offers it.
    Utf8,
    /// In UTF-16 code units (`utf-16`), the protocol's default.
    Utf16,
    /// In characters (`utf-32`), as the command line's columns count, when the client offers
    /// it and not UTF-8.
    Utf32,
}

impl Encoding {
    /// UTF-8 when the client lists it among `general.positionEncodings`, else UTF-32 when it
    /// lists that, else UTF-16.
    pub fn negotiate(caps: &ClientCapabilities) -> Self {
        let offered = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        let offers =
            |kind: &PositionEncodingKind| offered.is_some_and(|kinds| kinds.contains(kind));
        if offers(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offers(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    /// The encoding's name in `ServerCapabilities.positionEncoding`.
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    /// Columns one character takes.
    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// True when the file starts with a byte order mark that is no column: one read from disk,
/// which editors drop from the text they show. In an editor's buffer that kept it, it is the
/// first character of the text the client counts in.
fn has_bom(file: &SourceFile) -> bool {
    file.text.starts_with('\u{feff}') && !file.from_buffer
}

/// The LSP position of a byte offset.
pub fn position(file: &SourceFile, offset: usize, enc: Encoding) -> lsp_types::Position {
    let mut offset = file.clamp(offset);
    let bytes = file.text.as_bytes();
    if offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n') {
        offset -= 1;
    }
    let (line, mut character) = match enc {
        Encoding::Utf8 => file.position_utf8(offset),
        Encoding::Utf16 => file.position_utf16(offset),
        Encoding::Utf32 => file.position_chars(offset),
    };
    if line == 0 && has_bom(file) && offset >= 3 {
        character -= enc.width('\u{feff}') as u32;
    }
    lsp_types::Position { line, character }
}

/// The LSP range of a byte range of `file`.
pub fn range(file: &SourceFile, start: usize, end: usize, enc: Encoding) -> Range {
    let from = position(file, start, enc);
    let mut to = position(file, end.max(start), enc);
    // A span of the `\r` of a CRLF line end (an error at the end of a line) would collapse
    // to nothing: it covers the line break instead. (One of a lone `\r` ends at the start of
    // the next line already.)
    if to == from && end > start {
        to = lsp_types::Position {
            line: from.line + 1,
            character: 0,
        };
    }
    Range {
        start: from,
        end: to,
    }
}

/// The LSP range of a span, in its own file of `ws`.
pub fn span_range(ws: &Workspace, span: Span, enc: Encoding) -> Range {
    range(
        ws.sources.get(span.file),
        span.start as usize,
        span.end as usize,
        enc,
    )
}

/// The byte offset of an LSP position (clamped into the line and the file).
pub fn offset(file: &SourceFile, pos: lsp_types::Position, enc: Encoding) -> usize {
    let mut column = pos.character as usize;
    if pos.line == 0 && has_bom(file) {
        column += enc.width('\u{feff}');
    }
    let column = u32::try_from(column).unwrap_or(u32::MAX);
    file.offset_of(pos.line, column, |c| enc.width(c))
}

/// The byte offset in `line` (one line's text, without its line end) of an LSP column, and the
/// column found there: different from `character` when that lies past the end of the line
/// (the end is taken) or inside a character (its end is taken); see
/// [`crate::source::column_offset`].
pub fn line_offset(line: &str, character: u32, enc: Encoding) -> (usize, usize) {
    crate::source::column_offset(line, character, |c| enc.width(c))
}

/// The file a `file:` URI names (absolute, `.` and `..` removed); `None` for other schemes.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let (scheme, rest) = s.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let slash = after.find('/').unwrap_or(after.len());
            let host = &after[..slash];
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return None;
            }
            &after[slash..]
        }
        None => rest,
    };
    let bytes = percent_decode(path);
    let path = os_path(bytes)?;
    path.is_absolute().then(|| normalize(&path))
}

#[cfg(unix)]
fn os_path(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn os_path(bytes: Vec<u8>) -> Option<PathBuf> {
    let s = String::from_utf8(bytes).ok()?;
    let b = s.as_bytes();
    // `/C:/x` is `C:/x`.
    let s = if b.len() >= 3 && b[0] == b'/' && b[1].is_ascii_alphabetic() && b[2] == b':' {
        &s[1..]
    } else {
        &s[..]
    };
    Some(PathBuf::from(s.replace('/', "\\")))
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The `file:` URI of an absolute path.
pub fn uri_of(path: &Path) -> Option<Uri> {
    let bytes = crate::source::path_bytes(path);
    let mut s = String::from("file://");
    if bytes.first() != Some(&b'/') {
        s.push('/');
    }
    s.push_str(&crate::source::uri_path(&bytes));
    Uri::from_str(&s).ok()
}

/// A diagnostic as LSP shows it: the message with the help text below it, the rule's code and
/// its documentation link ([`crate::rule_url`], the link SARIF's `helpUri` uses too), and the
/// secondary labels as related information. Secrets are
/// already masked in every text by the check stage.
pub fn diagnostic(
    d: &Diagnostic,
    ws: &Workspace,
    enc: Encoding,
    uri: &dyn Fn(&Path) -> Option<Uri>,
) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if !d.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&d.help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri(&ws.sources.get(l.span.file).path)?,
                    range: span_range(ws, l.span, enc),
                },
                message: l.message.clone(),
            })
        })
        .collect();
    let unused = matches!(
        d.code,
        Code::UnusedConnector | Code::UnusedMessagingEntry | Code::UnusedSuppression
    );
    lsp_types::Diagnostic {
        range: span_range(ws, d.span, enc),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        code_description: Uri::from_str(&crate::rule_url(d.code))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("nimbus-lint".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: unused.then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("/w/a.toml".into(), "a.toml", "a.toml", text.into())
    }

    fn pos(line: u32, character: u32) -> lsp_types::Position {
        lsp_types::Position { line, character }
    }

    #[test]
    fn columns_in_both_encodings_and_back() {
        let f = file("a = 1\r\nn = \"é😀\" x\n");
        let x = f.text.find('x').unwrap();
        assert_eq!(position(&f, x, Encoding::Utf16), pos(1, 10));
        assert_eq!(position(&f, x, Encoding::Utf8), pos(1, 13));
        assert_eq!(offset(&f, pos(1, 10), Encoding::Utf16), x);
        assert_eq!(offset(&f, pos(1, 13), Encoding::Utf8), x);
    }

    #[test]
    fn carriage_return_belongs_to_the_line_end() {
        let f = file("ab\r\ncd\r\n");
        assert_eq!(position(&f, 3, Encoding::Utf16), pos(0, 2));
        assert_eq!(position(&f, 4, Encoding::Utf16), pos(1, 0));
    }

    #[test]
    fn a_span_of_a_carriage_return_covers_the_line_break() {
        let f = file("ab\r\ncd\r\n");
        let r = range(&f, 2, 3, Encoding::Utf16);
        assert_eq!((r.start, r.end), (pos(0, 2), pos(1, 0)));
        // An empty span stays empty.
        let r = range(&f, 2, 2, Encoding::Utf16);
        assert_eq!((r.start, r.end), (pos(0, 2), pos(0, 2)));
    }

    #[test]
    fn byte_order_mark_is_not_a_column() {
        let f = file("\u{feff}[ou.a]\n");
        assert_eq!(position(&f, 3, Encoding::Utf16), pos(0, 0));
        assert_eq!(position(&f, 4, Encoding::Utf8), pos(0, 1));
        assert_eq!(offset(&f, pos(0, 1), Encoding::Utf16), 4);
    }

    #[cfg(unix)]
    #[test]
    fn file_uris_round_trip() {
        let p = PathBuf::from("/tmp/a b/ü#1.toml");
        let uri = uri_of(&p).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%BC%231.toml");
        assert_eq!(path_of(&uri).unwrap(), p);
        let vscode = Uri::from_str("file:///tmp/x/../a%20b/c.toml").unwrap();
        assert_eq!(path_of(&vscode).unwrap(), PathBuf::from("/tmp/a b/c.toml"));
        assert_eq!(
            path_of(&Uri::from_str("untitled:Untitled-1").unwrap()),
            None
        );
    }
}
