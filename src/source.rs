//! Source files of a workspace and the positions inside them.
//!
//! Every span in nimbus-lint is a byte range into one [`SourceFile`]; this module turns those
//! ranges into the 1-based line and character columns that people and tools read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Index of a file in a [`Sources`] list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span over `range` of `file`. Offsets past `u32::MAX` (a file of 4 GiB whose invalid
    /// bytes each became a three-byte U+FFFD) stop there rather than wrap around.
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Self {
        let at = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
        Span {
            file,
            start: at(range.start),
            end: at(range.end),
        }
    }

    /// The byte range, for slicing the file's text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based position: line, and column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in Unicode scalar values.
    pub column: u32,
}

/// One file of a workspace, read into memory once.
///
/// Kept small: a workspace may hold a hundred thousand of them.
#[derive(Debug)]
pub struct SourceFile {
    /// Where the file was read from.
    pub path: PathBuf,
    /// The displayed name, followed by the relative path unless the name ends with it.
    names: Box<str>,
    /// Length of the displayed name in `names`.
    display_len: u32,
    /// Where the relative path starts in `names`.
    rel_start: u32,
    /// The text (invalid UTF-8 replaced by U+FFFD when the file was not UTF-8).
    pub text: Arc<str>,
    /// Byte offset of the first invalid UTF-8 sequence, when the file was not UTF-8.
    pub utf8_error: Option<usize>,
    /// True when the text came from an editor's buffer (or stdin), not from the file: the
    /// language server then counts a byte order mark in it as a column, as the editor that
    /// holds it does.
    pub from_buffer: bool,
    /// The line index, computed when a position is first asked for (a clean check asks for
    /// none).
    lines: OnceLock<Lines>,
    /// Checkpoints along the lines longer than [`MARK_EVERY`], computed when a column far
    /// into one is first asked for: each column is then counted from the nearest one, not
    /// from the start of its line (a generated line may hold thousands of entities).
    marks: OnceLock<Box<[Mark]>>,
}

/// Where a file's lines start, as TOML and the command line count them (at `\n` only), and
/// the carriage returns that no `\n` follows, which end lines too for the language server
/// protocol (in a file that does not parse: TOML refuses them).
#[derive(Debug)]
struct Lines {
    /// Byte offset of each line's start (the first is 0).
    starts: Box<[u32]>,
    /// Byte offset of each lone `\r` (empty, and no allocation, in almost every file).
    lone_cr: Box<[u32]>,
}

/// Bytes between two checkpoints of a long line.
const MARK_EVERY: usize = 1024;

/// A place in a long line, with what lies before it on the line.
#[derive(Debug, Clone, Copy)]
struct Mark {
    /// Byte offset in the file (a character boundary).
    offset: u32,
    /// Characters from the start of its line.
    chars: u32,
    /// UTF-16 code units from the start of its line.
    utf16: u32,
}

impl SourceFile {
    /// A source file over `text`: `rel` is its path relative to the workspace root, with `/`
    /// separators; `display` is how diagnostics name it (relative to the current directory
    /// when below it).
    pub fn new(path: PathBuf, rel: &str, display: &str, text: Arc<str>) -> Self {
        // Usually the displayed name ends with the relative path: then it holds both.
        let (names, rel_start) = if display.ends_with(rel) {
            (display.into(), display.len() - rel.len())
        } else {
            ([display, rel].concat().into_boxed_str(), display.len())
        };
        SourceFile {
            path,
            names,
            display_len: display.len() as u32,
            rel_start: rel_start as u32,
            text,
            utf8_error: None,
            from_buffer: false,
            lines: OnceLock::new(),
            marks: OnceLock::new(),
        }
    }

    /// A source file from raw bytes: invalid UTF-8 is replaced and its first offset recorded.
    pub fn from_bytes(path: PathBuf, rel: &str, display: &str, bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => SourceFile::new(path, rel, display, text.into()),
            Err(e) => {
                let text = String::from_utf8_lossy(bytes);
                let mut file = SourceFile::new(path, rel, display, text.as_ref().into());
                file.utf8_error = Some(e.valid_up_to());
                file
            }
        }
    }

    /// The path relative to the workspace root, with `/` separators.
    pub fn rel(&self) -> &str {
        &self.names[self.rel_start as usize..]
    }

    /// How diagnostics name the file: relative to the current directory when below it.
    pub fn display(&self) -> &str {
        &self.names[..self.display_len as usize]
    }

    fn lines_index(&self) -> &Lines {
        self.lines.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut starts = vec![0];
            let mut lone_cr = Vec::new();
            for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
                if bytes[i] == b'\n' {
                    starts.push(i as u32 + 1);
                } else if bytes.get(i + 1) != Some(&b'\n') {
                    lone_cr.push(i as u32);
                }
            }
            Lines {
                starts: starts.into_boxed_slice(),
                lone_cr: lone_cr.into_boxed_slice(),
            }
        })
    }

    fn line_starts(&self) -> &[u32] {
        &self.lines_index().starts
    }

    /// The 0-based line of a byte offset (clamped) as the language server protocol counts
    /// lines, where a lone `\r` ends one as `\n` and `\r\n` do; the byte offset where that
    /// line starts, and the characters and UTF-16 code units from there to `offset`.
    fn protocol_position(&self, offset: usize) -> (u32, usize, (usize, usize)) {
        let offset = self.clamp(offset);
        let Lines { starts, lone_cr } = self.lines_index();
        let line = self.line_index(offset);
        let crs = lone_cr.partition_point(|&c| (c as usize) < offset);
        let file_start = starts[line] as usize;
        let after_cr = crs.checked_sub(1).map_or(0, |k| lone_cr[k] as usize + 1);
        let start = after_cr.max(file_start);
        let (chars, utf16) = self.counts(file_start, offset);
        // Counted from the start of the file's line: the checkpoints of a long line are.
        let (chars_before, utf16_before) = self.counts(file_start, start);
        let counts = (chars - chars_before, utf16 - utf16_before);
        ((line + crs) as u32, start, counts)
    }

    /// Where 0-based line `line` starts as the language server protocol counts lines (see
    /// [`SourceFile::protocol_position`]); `None` past the last line. Its lines are the file's
    /// and those after its lone `\r`s, in order: the lone `\r`s before the one asked for are
    /// found by bisection.
    fn protocol_line_start(&self, line: usize) -> Option<usize> {
        let Lines { starts, lone_cr } = self.lines_index();
        // The place among all lines of the line after the `k`-th lone `\r`.
        let rank = |k: usize| starts.partition_point(|&s| s <= lone_cr[k]) + k;
        let (mut before, mut hi) = (0, lone_cr.len());
        while before < hi {
            let mid = (before + hi) / 2;
            if rank(mid) < line {
                before = mid + 1;
            } else {
                hi = mid;
            }
        }
        if before < lone_cr.len() && rank(before) == line {
            return Some(lone_cr[before] as usize + 1);
        }
        starts.get(line - before).map(|&s| s as usize)
    }

    /// 0-based line index of a byte offset.
    fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The characters and UTF-16 code units from `start`, a line's start, to `offset` on that
    /// line; counted from the nearest checkpoint when the line is long.
    fn counts(&self, start: usize, offset: usize) -> (usize, usize) {
        let (mut from, mut chars, mut utf16) = (start, 0, 0);
        if offset - start > MARK_EVERY {
            let marks = self.marks.get_or_init(|| self.find_marks());
            let i = marks.partition_point(|m| m.offset as usize <= offset);
            if let Some(m) = i.checked_sub(1).map(|i| marks[i])
                && m.offset as usize >= start
            {
                (from, chars, utf16) = (m.offset as usize, m.chars as usize, m.utf16 as usize);
            }
        }
        for c in self.text[from..offset].chars() {
            chars += 1;
            utf16 += c.len_utf16();
        }
        (chars, utf16)
    }

    /// Checkpoints every [`MARK_EVERY`] bytes along each line longer than that.
    fn find_marks(&self) -> Box<[Mark]> {
        let starts = self.line_starts();
        let mut marks = Vec::new();
        for (i, &start) in starts.iter().enumerate() {
            let start = start as usize;
            let end = starts.get(i + 1).map_or(self.text.len(), |&e| e as usize);
            if end - start <= MARK_EVERY {
                continue;
            }
            let (mut chars, mut utf16, mut next) = (0u32, 0u32, start + MARK_EVERY);
            for (at, c) in self.text[start..end].char_indices() {
                if start + at >= next {
                    marks.push(Mark {
                        offset: (start + at) as u32,
                        chars,
                        utf16,
                    });
                    next = start + at + MARK_EVERY;
                }
                chars += 1;
                utf16 += c.len_utf16() as u32;
            }
        }
        marks.into_boxed_slice()
    }

    /// Characters between two offsets of one line (`from` ≤ `to`).
    pub fn chars_between(&self, from: usize, to: usize) -> usize {
        let start = self.line_start(from);
        self.counts(start, self.clamp(to)).0 - self.counts(start, self.clamp(from)).0
    }

    /// Byte offset clamped into the text and moved back onto a character boundary.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.text.len());
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// Byte offset where the line holding `offset` starts.
    pub fn line_start(&self, offset: usize) -> usize {
        self.line_starts()[self.line_index(self.clamp(offset))] as usize
    }

    /// The 1-based line and character column of a byte offset.
    ///
    /// A byte order mark at the start of the file is not counted as a column.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.clamp(offset);
        let line = self.line_index(offset);
        let start = self.line_starts()[line] as usize;
        let mut chars = self.counts(start, offset).0;
        if line == 0 && offset >= 3 && self.text.starts_with('\u{feff}') {
            // A byte order mark opening the file is not a column.
            chars -= 1;
        }
        let column = chars as u32 + 1;
        Position {
            line: line as u32 + 1,
            column,
        }
    }

    /// The 0-based line and UTF-16 code unit column of a byte offset (the LSP default). The
    /// lines of this and the next two are the protocol's: a lone `\r` ends one too.
    pub fn position_utf16(&self, offset: usize) -> (u32, u32) {
        let (line, _, (_, utf16)) = self.protocol_position(offset);
        (line, utf16 as u32)
    }

    /// The 0-based line and character column of a byte offset (LSP's UTF-32 encoding).
    pub fn position_chars(&self, offset: usize) -> (u32, u32) {
        let (line, _, (chars, _)) = self.protocol_position(offset);
        (line, chars as u32)
    }

    /// The 0-based line and byte column of a byte offset (LSP's UTF-8 encoding).
    pub fn position_utf8(&self, offset: usize) -> (u32, u32) {
        let (line, start, _) = self.protocol_position(offset);
        (line, (self.clamp(offset) - start) as u32)
    }

    /// Byte offset of a 0-based line (the protocol's: a lone `\r` ends one too) and column,
    /// where columns count with `unit` (columns per char); see [`column_offset`] for a column
    /// past the line's end or inside a character.
    pub fn offset_of(&self, line: u32, column: u32, unit: impl Fn(char) -> usize) -> usize {
        let Some(start) = self.protocol_line_start(line as usize) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        // The line without its `\n`, `\r\n` or `\r`.
        let line = &rest[..rest.find(['\r', '\n']).unwrap_or(rest.len())];
        start + column_offset(line, column, unit).0
    }

    /// Number of lines in the file.
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_index(self.clamp(offset))
    }

    /// The byte ranges of 0-based lines `first` to `last` (each with its line end), as far as
    /// the file goes.
    pub fn line_ranges(
        &self,
        first: usize,
        last: usize,
    ) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let starts = self.line_starts();
        let len = self.text.len();
        (first..=last).map_while(move |i| {
            let start = *starts.get(i)? as usize;
            let end = starts.get(i + 1).map_or(len, |&e| e as usize);
            Some(start..end)
        })
    }

    /// Bytes from the start of 0-based line `first` to the end of line `last` (with its line
    /// end), clamped to the file.
    pub fn lines(&self, first: usize, last: usize) -> std::ops::Range<usize> {
        let start = self
            .line_starts()
            .get(first)
            .map_or(self.text.len(), |&s| s as usize);
        let end = self
            .line_starts()
            .get(last + 1)
            .map_or(self.text.len(), |&s| s as usize);
        start..end.max(start)
    }
}

/// Every file of a check, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Path to id, made on the first [`Sources::find`] (the command line never needs it).
    by_path: OnceLock<Arc<HashMap<PathBuf, FileId>>>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.by_path = OnceLock::new();
        FileId(self.files.len() as u32 - 1)
    }

    /// The id of the file at `path` (absolute, as loaded).
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let index = self
            .by_path
            .get_or_init(|| Arc::new((self.iter()).map(|(id, f)| (f.path.clone(), id)).collect()));
        index.get(path).copied()
    }

    /// Takes the path index of `prev`, when made, for files that are `prev`'s, path for
    /// path and in the same order (the language server's files rebuilt with new texts), so
    /// that it is not made again.
    pub fn share_index(&mut self, prev: &Sources) {
        debug_assert!(
            self.files.len() == prev.files.len()
                && (self.files.iter().zip(&prev.files)).all(|(a, b)| a.path == b.path)
        );
        if let Some(index) = prev.by_path.get() {
            self.by_path = OnceLock::from(index.clone());
        }
    }

    /// The file with the given id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// All files in id order.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when there is no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Start and end positions of a span.
    pub fn range(&self, span: Span) -> (Position, Position) {
        let f = self.get(span.file);
        (
            f.position(span.start as usize),
            f.position(span.end as usize),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("a.toml".into(), "a.toml", "a.toml", text.into())
    }

    /// Files are found by path; a rebuilt set of the same files shares the index already made,
    /// and adding a file makes it anew.
    #[test]
    fn files_are_found_by_path_and_a_rebuild_shares_the_index() {
        let named = |p: &str| SourceFile::new(p.into(), p, p, "".into());
        let mut first = Sources::default();
        first.add(named("/w/a.toml"));
        first.add(named("/w/b.toml"));
        assert_eq!(first.find(Path::new("/w/b.toml")), Some(FileId(1)));
        assert_eq!(first.find(Path::new("/w/c.toml")), None);
        let mut second = Sources::default();
        second.add(named("/w/a.toml"));
        second.add(named("/w/b.toml"));
        second.share_index(&first);
        let shared = |s: &Sources| s.by_path.get().cloned();
        assert!(Arc::ptr_eq(
            &shared(&second).unwrap(),
            &shared(&first).unwrap()
        ));
        assert_eq!(second.find(Path::new("/w/a.toml")), Some(FileId(0)));
        second.add(named("/w/c.toml"));
        assert!(second.by_path.get().is_none());
        assert_eq!(second.find(Path::new("/w/c.toml")), Some(FileId(2)));
    }

    /// Columns far into a long line are counted from checkpoints, and agree with counting
    /// from the line's start, in characters and in UTF-16 units, with a byte order mark too.
    #[test]
    fn columns_on_long_lines_come_from_checkpoints_and_are_exact() {
        let mut text = String::from("\u{feff}");
        for i in 0..3000 {
            text.push_str(["a", "é", "日", "𝄞", " "][i % 5]);
        }
        text.push('\n');
        text.push_str(&"x".repeat(5000));
        text.push_str("\r\nshort\n");
        let f = file(&text);
        for offset in (0..text.len())
            .step_by(7)
            .filter(|&o| text.is_char_boundary(o))
        {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let before = &text[line_start..offset];
            let bom = usize::from(line_start == 0 && offset >= 3);
            let column = before.chars().count() - bom + 1;
            let at = f.position(offset);
            assert_eq!(at.column as usize, column, "offset {offset}");
            let utf16: usize = before.chars().map(char::len_utf16).sum();
            assert_eq!(
                f.position_utf16(offset).1 as usize,
                utf16,
                "offset {offset}"
            );
        }
        // The two long lines have checkpoints; the short one needs none.
        let marks = f.marks.get().expect("checkpoints built");
        assert!(marks.len() >= 10, "{}", marks.len());
    }

    #[test]
    fn names_are_kept_whether_or_not_the_displayed_name_ends_with_the_relative_path() {
        let cases = [
            ("a.toml", "a.toml"),
            ("ous/a.toml", "ws/ous/a.toml"),
            ("ous/a.toml", "/abs/ws/ous/a.toml"),
            ("a\u{1b}.toml", "a\\u{1b}.toml"),
            ("ous/a.toml", "../elsewhere.toml"),
            ("", ""),
            ("", "shown.toml"),
        ];
        for (rel, display) in cases {
            let f = SourceFile::new("p".into(), rel, display, "".into());
            assert_eq!((f.rel(), f.display()), (rel, display));
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let f = file("a = 1\r\nné = \"été\" x\n");
        let x = f.text.find('x').unwrap();
        assert_eq!(
            f.position(x),
            Position {
                line: 2,
                column: 12
            }
        );
        assert_eq!(f.position_utf16(x), (1, 11));
        assert_eq!(f.position_utf8(x), (1, 14));
        assert_eq!(f.offset_of(1, 11, char::len_utf16), x);
    }

    #[test]
    fn crlf_line_ends_do_not_shift_columns() {
        let f = file("a = 1\r\nb = 2\r\n");
        assert_eq!(f.position(7), Position { line: 2, column: 1 });
        assert_eq!(f.position(5), Position { line: 1, column: 6 });
        // A column past the end of the line is its end, before `\r\n` as before `\n`.
        assert_eq!(f.offset_of(0, 50, char::len_utf16), 5);
        assert_eq!(file("a = 1\nb").offset_of(0, 50, char::len_utf16), 5);
        assert_eq!(f.offset_of(9, 0, char::len_utf16), f.text.len());
    }

    /// The protocol's positions (and `offset_of`, back) end a line at a lone `\r` too, on
    /// long lines as well (counted from their checkpoints); the command line's do not.
    #[test]
    fn a_lone_carriage_return_ends_a_line_for_the_protocol_only() {
        let long = format!("{}\r{}", "x".repeat(3000), "é😀".repeat(700));
        let text = format!("a\rbé\r\nc\r\rd\n\r{long}\ne\r");
        let f = file(&text);
        let bytes = text.as_bytes();
        let ends =
            |i: usize| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            let line = (0..offset).filter(|&i| ends(i)).count();
            let start = (0..offset).rev().find(|&i| ends(i)).map_or(0, |i| i + 1);
            let column = text[start..offset].encode_utf16().count();
            assert_eq!(
                f.position_utf16(offset),
                (line as u32, column as u32),
                "{offset}"
            );
            assert_eq!(
                f.position_utf8(offset),
                (line as u32, (offset - start) as u32)
            );
            let cli_line = text[..offset].matches('\n').count() + 1;
            assert_eq!(f.position(offset).line as usize, cli_line, "{offset}");
            if !(offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n')) {
                let back = f.offset_of(line as u32, column as u32, char::len_utf16);
                assert_eq!(back, offset, "{line}:{column}");
            }
        }
        // Past a line's end: its end, before the `\r`; past the last line: the end.
        assert_eq!(f.offset_of(0, 9, char::len_utf16), 1);
        assert_eq!(f.offset_of(99, 0, char::len_utf16), text.len());
    }

    #[test]
    fn byte_order_mark_is_not_a_column() {
        let f = file("\u{feff}[ou.a]\n");
        assert_eq!(f.position(3), Position { line: 1, column: 1 });
        assert_eq!(f.position(4), Position { line: 1, column: 2 });
    }

    #[test]
    fn offsets_past_the_end_and_inside_characters_are_clamped() {
        let f = file("é");
        assert_eq!(f.clamp(1), 0);
        assert_eq!(f.position(99), Position { line: 1, column: 2 });
    }
}

/// The byte offset in `line` (one line's text, without its line end) of a column counted
/// with `unit` (columns per character), and the column found there. A column past the end of
/// the line is its end; one inside a character (the second half of a UTF-16 surrogate pair) is
/// the end of that character. The column found differs from `column` exactly then.
pub fn column_offset(line: &str, column: u32, unit: impl Fn(char) -> usize) -> (usize, usize) {
    let column = column as usize;
    let mut col = 0usize;
    for (at, ch) in line.char_indices() {
        if col >= column {
            return (at, col);
        }
        col += unit(ch);
    }
    (line.len(), col)
}

/// True for characters that must not reach a terminal raw: controls (other than tab) and the
/// bidirectional formatting characters that can reorder what a reader sees ("Trojan Source").
pub fn is_hazard(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Quoted values (between backticks) longer than this many characters are shortened in
/// messages.
const LONG_QUOTE: usize = 64;

/// `path` as text with `/` separators; bytes of a name that are not UTF-8 become U+FFFD.
pub fn path_text(path: &std::path::Path) -> std::borrow::Cow<'_, str> {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        std::borrow::Cow::Owned(text.replace('\\', "/"))
    } else {
        text
    }
}

/// `path` (bytes, `/`-separated) as the path of a URI: unreserved characters and `/` as they
/// are, every other byte percent-encoded.
pub fn uri_path(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path`'s bytes as the file system holds them, with `/` separators (on Windows, its text).
pub fn path_bytes(path: &std::path::Path) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        match path_text(path) {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
        }
    }
}

/// FNV-1a of a byte stream: a small, stable hash (the same in every run and on every machine).
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `text` with every backtick-quoted value of more than `LONG_QUOTE` characters cut to its
/// first 40 and last 12 around a `…`: a value pasted by mistake (a line of a minified file, a
/// whole document) must not fill the report, and stays recognisable.
pub fn clip_quoted(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let mut parts = text.split('`');
    let long = |q: &str| q.chars().count() > LONG_QUOTE;
    // A value holding a backtick breaks the pairs: any stretch this long is a value.
    let huge = |q: &str| q.chars().count() > 4 * LONG_QUOTE;
    if !text.split('`').skip(1).step_by(2).any(long) && !text.split('`').any(huge) {
        return Cow::Borrowed(text);
    }
    let cut = |out: &mut String, part: &str| {
        let n = part.chars().count();
        out.extend(part.chars().take(40));
        out.push('…');
        out.extend(part.chars().skip(n - 12));
    };
    let mut out = String::with_capacity(text.len().min(4096));
    match parts.next() {
        Some(first) if huge(first) => cut(&mut out, first),
        Some(first) => out.push_str(first),
        None => {}
    }
    for (i, part) in parts.enumerate() {
        out.push('`');
        if (i % 2 == 0 && long(part)) || huge(part) {
            cut(&mut out, part);
        } else {
            out.push_str(part);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod clip_tests {
    #[test]
    fn long_values_are_cut_even_when_one_holds_a_backtick() {
        let long = "q".repeat(100);
        assert_eq!(
            super::clip_quoted(&format!("id `{long}` here")),
            format!("id `{}…{}` here", "q".repeat(40), "q".repeat(12))
        );
        let odd = format!("id `a`b{}` here", "q".repeat(1000));
        let clipped = super::clip_quoted(&odd);
        assert!(clipped.chars().count() < 100, "{clipped}");
        assert_eq!(super::clip_quoted("plain `x` text"), "plain `x` text");
    }
}

/// `s` with every hazardous character (see [`is_hazard`]) written as `\u{…}`, for messages.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_hazard) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hazard(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` with each hazardous character, other than line ends, replaced by a visible one of
/// the same length in bytes, so that byte offsets into it stay valid (for source snippets). A
/// carriage return counts as a line end only before a line feed: alone, it would move a
/// terminal's cursor, and lines are counted at line feeds.
pub fn defuse(text: &str) -> std::borrow::Cow<'_, str> {
    let keep = |c: char, next: Option<char>| c == '\n' || (c == '\r' && next == Some('\n'));
    let mut chars = text.chars().peekable();
    let mut clean = true;
    while let Some(c) = chars.next() {
        if is_hazard(c) && !keep(c, chars.peek().copied()) {
            clean = false;
            break;
        }
    }
    if clean {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_hazard(c) || keep(c, chars.peek().copied()) {
            out.push(c);
            continue;
        }
        out.push(match c.len_utf8() {
            1 => '?',
            2 => '\u{bf}',
            _ => '\u{fffd}',
        });
        for _ in 3..c.len_utf8() {
            out.push('?');
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod hazard_tests {
    use super::*;

    #[test]
    fn hazards_are_escaped_or_defused_byte_for_byte() {
        assert_eq!(
            printable("a\u{1b}[31mb\u{202e}c"),
            "a\\u{1b}[31mb\\u{202e}c"
        );
        assert_eq!(printable("plain\ttab"), "plain\ttab");
        let text = "x\u{1b}y\u{202e}z\u{85}w\r\nbare\rcr";
        let d = defuse(text);
        assert_eq!(d.len(), text.len());
        assert_eq!(d, "x?y\u{fffd}z\u{bf}w\r\nbare?cr");
    }
}
