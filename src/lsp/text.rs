//! The text of a document open in the editor, and the changes `textDocument/didChange` makes
//! to it: a whole new text, or a range replaced.
//!
//! A range is in LSP positions: 0-based lines, where `\n`, `\r\n` and a lone `\r` each end a
//! line (the protocol's definition; [`crate::source::SourceFile`] counts `\n` only), and
//! columns in the negotiated [`Encoding`], turned into bytes by [`convert::line_offset`]. A
//! position past the end of its line or of the text, or inside a character (between the two
//! halves of a UTF-16 surrogate pair), is clamped, and a range that ends before it starts is
//! put in order; the edit then says so, for the log. No range makes it panic.
//!
//! The starts of the lines are found once, on the first ranged change, and then kept up to
//! date by each change: only the bytes it wrote are looked at, the later lines move by its
//! length. A keystroke in a large document scans none of it (moving the text after the edit
//! and the line starts after it is all it costs beyond the edit itself).

use lsp_types::{Position, Range};

use super::convert::{self, Encoding};

/// An open document's text, with the starts of its lines once a ranged change needed them.
#[derive(Debug, Default)]
pub struct Text {
    text: String,
    /// Byte offset of each line's start (the first is 0), as the protocol ends lines; `None`
    /// until a ranged change asks for it, and again after a whole new text.
    lines: Option<Vec<usize>>,
}

/// What was wrong with a change's range: it was applied clamped or put in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amended {
    /// A position lay past the end of its line, or its line past the end of the text: it
    /// was taken as that end.
    OutOfRange,
    /// A position lay inside a character (the middle of a surrogate pair): it was taken as
    /// the end of that character.
    InsideCharacter,
    /// The range ended before it started: its ends were swapped.
    Inverted,
}

impl Amended {
    /// What happened, for the log.
    pub fn describe(self) -> &'static str {
        match self {
            Amended::OutOfRange => "lies outside the text; it was clamped to the text",
            Amended::InsideCharacter => {
                "splits a character; it was moved to the end of that character"
            }
            Amended::Inverted => "ends before it starts; its ends were swapped",
        }
    }
}

impl Text {
    /// A document's text as the editor opened it.
    pub fn new(text: String) -> Self {
        Text { text, lines: None }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Replaces the whole text.
    pub fn replace(&mut self, text: String) {
        self.text = text;
        self.lines = None;
    }

    /// Replaces `range` (in `enc` columns) by `new`. Returns what had to be amended in the
    /// range to apply it, if anything.
    pub fn edit(&mut self, range: Range, new: &str, enc: Encoding) -> Option<Amended> {
        let text = &self.text;
        let lines = self.lines.get_or_insert_with(|| line_starts(text));
        let (mut start, start_exact) = offset(text, lines, range.start, enc);
        let (mut end, end_exact) = offset(text, lines, range.end, enc);
        let mut amended = [start_exact, end_exact]
            .into_iter()
            .find_map(|exact| exact.err());
        if end < start {
            (start, end) = (end, start);
            amended = amended.or(Some(Amended::Inverted));
        }
        self.text.replace_range(start..end, new);
        update_lines(self.text.as_bytes(), lines, start, end, new.len());
        amended
    }
}

impl Text {
    /// Applies ranged changes in order, each to the text the one before left, and says which
    /// had to be amended (by index). A run of changes each ending at or before the start of
    /// the one before (the order in which VS Code sends the edits of several cursors or of a
    /// replace-all: from the end of the text) is applied in one pass over the text, as all
    /// its ranges are in the text before it: 100,000 edits of a large document cost one copy
    /// of it, not one each.
    pub fn edit_all(&mut self, changes: &[(Range, &str)], enc: Encoding) -> Vec<(usize, Amended)> {
        let mut amended = Vec::new();
        let mut i = 0;
        while i < changes.len() {
            let run = self.descending_run(&changes[i..], enc);
            if run.len() < 2 {
                let (range, new) = changes[i];
                amended.extend(self.edit(range, new, enc).map(|a| (i, a)));
                i += 1;
                continue;
            }
            let mut out = String::with_capacity(self.text.len());
            let mut done = 0;
            for (k, &(start, end)) in run.iter().enumerate().rev() {
                out.push_str(&self.text[done..start]);
                out.push_str(changes[i + k].1);
                done = end;
            }
            out.push_str(&self.text[done..]);
            self.lines = Some(line_starts(&out));
            self.text = out;
            i += run.len();
        }
        amended
    }

    /// The byte ranges of the longest run at the start of `changes` whose ranges all lie in
    /// the text now: each exact (no position clamped or inside a character), in order, and
    /// ending at or before the start of the one before it (at it only where no line end could
    /// change under it: a `\r` there would end its line differently once a `\n` follows).
    fn descending_run(&mut self, changes: &[(Range, &str)], enc: Encoding) -> Vec<(usize, usize)> {
        let text = &self.text;
        let lines = self.lines.get_or_insert_with(|| line_starts(text));
        let bytes = text.as_bytes();
        let mut run: Vec<(usize, usize)> = Vec::new();
        for (range, _) in changes {
            let (start, start_exact) = offset(text, lines, range.start, enc);
            let (end, end_exact) = offset(text, lines, range.end, enc);
            let follows = run.last().is_none_or(|&(before, _)| {
                end < before || (end == before && (before == 0 || bytes[before - 1] != b'\r'))
            });
            if start_exact.is_err() || end_exact.is_err() || end < start || !follows {
                break;
            }
            run.push((start, end));
        }
        run
    }
}

/// The byte offset of `pos`, and whether it was exact (else how it was amended).
fn offset(
    text: &str,
    lines: &[usize],
    pos: Position,
    enc: Encoding,
) -> (usize, Result<(), Amended>) {
    let line = pos.line as usize;
    let Some(&start) = lines.get(line) else {
        return (text.len(), Err(Amended::OutOfRange));
    };
    let end = content_end(text.as_bytes(), lines, line);
    let (at, found) = convert::line_offset(&text[start..end], pos.character, enc);
    let exact = match found.cmp(&(pos.character as usize)) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(Amended::OutOfRange),
        std::cmp::Ordering::Greater => Err(Amended::InsideCharacter),
    };
    (start + at, exact)
}

/// Where line `i` ends, before its `\n`, `\r\n` or `\r`.
fn content_end(bytes: &[u8], lines: &[usize], i: usize) -> usize {
    match lines.get(i + 1) {
        None => bytes.len(),
        Some(&next) if next >= 2 && bytes[next - 2..next] == *b"\r\n" => next - 2,
        Some(&next) => next - 1,
    }
}

/// True when a line starts at byte `p` (not 0) of `bytes`: after a `\n`, or after a `\r`
/// that no `\n` follows.
fn starts_line(bytes: &[u8], p: usize) -> bool {
    match bytes[p - 1] {
        b'\n' => true,
        b'\r' => bytes.get(p) != Some(&b'\n'),
        _ => false,
    }
}

/// The start of every line of `text`.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let ends = memchr::memchr2_iter(b'\n', b'\r', bytes).map(|i| i + 1);
    std::iter::once(0)
        .chain(ends.filter(|&p| starts_line(bytes, p)))
        .collect()
}

/// Brings `lines` up to date after bytes `start..end` were replaced by `written` bytes:
/// `bytes` is the new text. Whether a line starts at a byte depends on that byte and the one
/// before, so only the starts from `start` to the end of what was written can change (a `\r`
/// before the edit and a `\n` it wrote make one line end of two, say); the later ones move.
fn update_lines(bytes: &[u8], lines: &mut Vec<usize>, start: usize, end: usize, written: usize) {
    let from = start.max(1);
    let first = lines.partition_point(|&q| q < from);
    let after = lines.partition_point(|&q| q <= end);
    let fresh: Vec<usize> = (from..=start + written)
        .filter(|&p| p <= bytes.len() && starts_line(bytes, p))
        .collect();
    let moved = first + fresh.len();
    lines.splice(first..after, fresh);
    for q in &mut lines[moved..] {
        *q = *q - end + start + written;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    fn range(a: (u32, u32), b: (u32, u32)) -> Range {
        Range {
            start: pos(a.0, a.1),
            end: pos(b.0, b.1),
        }
    }

    fn edited(text: &str, edits: &[(Range, &str)], enc: Encoding) -> (String, Vec<Amended>) {
        let mut t = Text::new(text.to_owned());
        let amended = (edits.iter())
            .filter_map(|(r, new)| t.edit(*r, new, enc))
            .collect();
        assert_eq!(t.lines.as_deref(), Some(&line_starts(&t.text)[..]));
        (t.text, amended)
    }

    #[test]
    fn columns_count_utf16_units_and_astral_characters_take_two() {
        let text = "a = \"é😀x\"\n";
        // After `😀` (columns 6 and 7), before `x`.
        let (out, amended) = edited(text, &[(range((0, 8), (0, 9)), "y")], Encoding::Utf16);
        assert_eq!(out, "a = \"é😀y\"\n");
        assert!(amended.is_empty());
        // The same in bytes and in characters.
        let (out, _) = edited(text, &[(range((0, 11), (0, 12)), "y")], Encoding::Utf8);
        assert_eq!(out, "a = \"é😀y\"\n");
        let (out, _) = edited(text, &[(range((0, 7), (0, 8)), "y")], Encoding::Utf32);
        assert_eq!(out, "a = \"é😀y\"\n");
    }

    #[test]
    fn a_position_inside_a_surrogate_pair_or_past_the_line_is_clamped() {
        let text = "😀b\nc\n";
        let (out, amended) = edited(text, &[(range((0, 1), (0, 1)), "x")], Encoding::Utf16);
        assert_eq!(out, "😀xb\nc\n");
        assert_eq!(amended, [Amended::InsideCharacter]);
        let (out, amended) = edited(text, &[(range((0, 9), (1, 0)), "")], Encoding::Utf16);
        assert_eq!(out, "😀bc\n");
        assert_eq!(amended, [Amended::OutOfRange]);
        let (out, amended) = edited(text, &[(range((7, 0), (9, 4)), "d")], Encoding::Utf16);
        assert_eq!(out, "😀b\nc\nd");
        assert_eq!(amended, [Amended::OutOfRange]);
        let (out, amended) = edited(text, &[(range((1, 1), (0, 3)), "-")], Encoding::Utf16);
        assert_eq!(out, "😀b-\n");
        assert_eq!(amended, [Amended::Inverted]);
    }

    #[test]
    fn crlf_and_a_lone_cr_end_lines() {
        let text = "a\r\nb\rc\nd";
        // Line 1 is `b` (ended by a lone `\r`), line 2 `c`, line 3 `d`.
        let (out, _) = edited(text, &[(range((2, 0), (2, 1)), "C")], Encoding::Utf16);
        assert_eq!(out, "a\r\nb\rC\nd");
        // The end of line 0 is before `\r\n`: no position splits it.
        let (out, amended) = edited(text, &[(range((0, 5), (0, 5)), "!")], Encoding::Utf16);
        assert_eq!(out, "a!\r\nb\rc\nd");
        assert_eq!(amended, [Amended::OutOfRange]);
        // Joining a `\r` with a `\n` makes one line end of two.
        let (out, _) = edited(
            text,
            &[(range((2, 0), (2, 1)), ""), (range((1, 1), (1, 1)), "x")],
            Encoding::Utf16,
        );
        assert_eq!(out, "a\r\nbx\r\nd");
    }

    #[test]
    fn several_changes_apply_in_order_each_to_the_text_the_last_one_left() {
        let edits = [
            (range((0, 0), (0, 0)), "[ou.x]\n"),
            (range((1, 0), (1, 1)), "#"),
            (range((2, 0), (3, 0)), ""),
        ];
        let (out, _) = edited("a\nb\nc\n", &edits, Encoding::Utf16);
        assert_eq!(out, "[ou.x]\n#\nc\n");
    }

    #[test]
    fn a_whole_new_text_drops_the_line_starts() {
        let mut t = Text::new("a\nb\n".to_owned());
        t.edit(range((1, 0), (1, 1)), "c", Encoding::Utf16);
        t.replace("x\ny\nz".to_owned());
        t.edit(range((2, 0), (2, 1)), "Z", Encoding::Utf16);
        assert_eq!(t.as_str(), "x\ny\nZ");
    }

    /// A piece of text for the property test: line ends of every kind, multi-byte and astral
    /// characters.
    fn piece() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec!["a", "=", " ", "\n", "\r", "\r\n", "é", "😀", "中"]),
            0..8,
        )
        .prop_map(|parts| parts.concat())
    }

    /// The LSP position of byte `at` of `text`, counted independently of the code under
    /// test: the protocol's lines, UTF-16 columns.
    fn position_of(text: &str, at: usize) -> Position {
        let before = &text[..at];
        let mut line = 0;
        let mut start = 0;
        let bytes = before.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let crlf_half = b == b'\r' && text.as_bytes().get(i + 1) == Some(&b'\n');
            if b == b'\n' || (b == b'\r' && !crlf_half) {
                line += 1;
                start = i + 1;
            }
        }
        let character = before[start..].encode_utf16().count() as u32;
        pos(line, character)
    }

    /// A character boundary of `text` picked by `k`, never between `\r` and `\n`.
    fn boundary(text: &str, k: usize) -> usize {
        let cuts: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .filter(|&i| !(i > 0 && text[..i].ends_with('\r') && text[i..].starts_with('\n')))
            .collect();
        cuts[k % cuts.len()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn ranged_edits_give_the_text_that_plain_string_edits_give(
            start in piece(),
            edits in prop::collection::vec((any::<usize>(), any::<usize>(), piece()), 1..12),
        ) {
            let mut plain = start.clone();
            let mut text = Text::new(start);
            for (a, b, new) in edits {
                let (a, b) = (boundary(&plain, a), boundary(&plain, b));
                let (a, b) = (a.min(b), a.max(b));
                let r = Range { start: position_of(&plain, a), end: position_of(&plain, b) };
                let amended = text.edit(r, &new, Encoding::Utf16);
                plain.replace_range(a..b, &new);
                prop_assert_eq!(amended, None);
                prop_assert_eq!(text.as_str(), plain.as_str());
                prop_assert_eq!(text.lines.as_deref(), Some(&line_starts(&plain)[..]));
            }
        }

        #[test]
        fn changes_from_the_end_applied_in_one_pass_give_the_text_of_one_at_a_time(
            start in piece(),
            edits in prop::collection::vec((any::<usize>(), any::<usize>(), piece()), 1..12),
            forward in any::<bool>(),
        ) {
            // Ranges from the end of the text to its start (or in any order, `forward`), each
            // taken in the text the ones before left.
            let mut plain = start.clone();
            let mut changes: Vec<(Range, String)> = Vec::new();
            let mut limit = usize::MAX;
            for (a, b, new) in edits {
                let (a, b) = (boundary(&plain, a), boundary(&plain, b));
                let (a, b) = (a.min(b).min(limit), a.max(b).min(limit));
                // The end of the one before, between a `\r` and the `\n` it wrote: no position.
                let splits = |p: usize| p > 0 && plain[..p].ends_with('\r') && plain[p..].starts_with('\n');
                if splits(a) || splits(b) {
                    continue;
                }
                if !forward {
                    limit = a;
                }
                let r = Range { start: position_of(&plain, a), end: position_of(&plain, b) };
                plain.replace_range(a..b, &new);
                changes.push((r, new));
            }
            let mut one = Text::new(start.clone());
            let mut amended = Vec::new();
            for (i, (r, new)) in changes.iter().enumerate() {
                amended.extend(one.edit(*r, new, Encoding::Utf16).map(|a| (i, a)));
            }
            let mut all = Text::new(start);
            let borrowed: Vec<(Range, &str)> = changes.iter().map(|(r, n)| (*r, n.as_str())).collect();
            prop_assert_eq!(all.edit_all(&borrowed, Encoding::Utf16), amended);
            prop_assert_eq!(all.as_str(), one.as_str());
            prop_assert_eq!(all.as_str(), plain.as_str());
            prop_assert_eq!(all.lines.as_deref(), Some(&line_starts(&plain)[..]));
        }

        #[test]
        fn any_range_is_applied_without_a_panic(
            start in piece(),
            edits in prop::collection::vec((0u32..6, 0u32..12, 0u32..6, 0u32..12, piece()), 1..8),
        ) {
            let mut text = Text::new(start);
            for (l1, c1, l2, c2, new) in edits {
                text.edit(range((l1, c1), (l2, c2)), &new, Encoding::Utf16);
                prop_assert_eq!(text.lines.as_deref(), Some(&line_starts(text.as_str())[..]));
            }
        }
    }
}
