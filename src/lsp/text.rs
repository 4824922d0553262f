//! The text of a document open in the editor, and the changes `textDocument/didChange` makes
//! to it: a whole new text, or a range replaced.
//!
//! A range is in LSP positions: 0-based lines, where `\n`, `\r\n` and a lone `\r` each end a
//! line (the protocol's definition, which [`crate::source::SourceFile`]'s LSP positions
//! follow too; its line numbers for the command line count `\n` only), and columns in the
//! negotiated [`Encoding`], turned into bytes by [`convert::line_offset`]. A position past
//! the end of its line or of the text, or inside a character (between the two halves of a
//! UTF-16 surrogate pair), is clamped, and a range that ends before it starts is put in
//! order; the edit then says so, for the log. No range makes it panic.
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
    /// had to be amended (by index). A run of changes that all lie in order in the text before
    /// it is applied in one pass over the text, so that 100,000 edits of a large document cost
    /// one copy of it, not one each: a run from the end of the text to its start (each change
    /// ending at or before the start of the one before, as VS Code sends the edits of several
    /// cursors or of a replace-all), or from its start to its end (each change starting at or
    /// after the end of the text the one before wrote, as other clients send them), each
    /// position then mapped back past the changes before it. Any other change is applied
    /// alone.
    pub fn edit_all(&mut self, changes: &[(Range, &str)], enc: Encoding) -> Vec<(usize, Amended)> {
        let mut amended = Vec::new();
        let mut i = 0;
        while i < changes.len() {
            let run = self.run(&changes[i..], enc);
            if run.len() < 2 {
                let (range, new) = changes[i];
                amended.extend(self.edit(range, new, enc).map(|a| (i, a)));
                i += 1;
                continue;
            }
            let mut out = String::with_capacity(self.text.len());
            let mut done = 0;
            for &(start, end, k) in &run {
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

    /// The byte ranges in the text now of the longest run at the start of `changes` that can
    /// be applied in one pass (from the end of the text or from its start), from the first
    /// byte to the last, each with the index of its change.
    fn run(&mut self, changes: &[(Range, &str)], enc: Encoding) -> Vec<(usize, usize, usize)> {
        let text = &self.text;
        let lines = self.lines.get_or_insert_with(|| line_starts(text));
        let mut run = descending_run(text, lines, changes, enc);
        run.reverse();
        if run.len() < 2 {
            run = ascending_run(text, lines, changes, enc);
        }
        run
    }
}

/// The byte ranges in `text` (its line starts `lines`) of the longest run at the start of
/// `changes` whose ranges all lie in it, with the index of each change: each exact (no
/// position clamped or inside a character), in order, and ending at or before the start of
/// the one before it (at it only where no line end could change under it: a `\r` there
/// would end its line differently once a `\n` follows).
fn descending_run(
    text: &str,
    lines: &[usize],
    changes: &[(Range, &str)],
    enc: Encoding,
) -> Vec<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let mut run: Vec<(usize, usize, usize)> = Vec::new();
    for (k, (range, _)) in changes.iter().enumerate() {
        let (start, start_exact) = offset(text, lines, range.start, enc);
        let (end, end_exact) = offset(text, lines, range.end, enc);
        let follows = run.last().is_none_or(|&(before, ..)| {
            end < before || (end == before && (before == 0 || bytes[before - 1] != b'\r'))
        });
        if start_exact.is_err() || end_exact.is_err() || end < start || !follows {
            break;
        }
        run.push((start, end, k));
    }
    run
}

/// The byte ranges in `text` (its line starts `lines`) of the longest run at the start of
/// `changes` that go from the start of the text to its end, with the index of each change:
/// each range, given in the text the changes before it left, starts at or after the end of
/// what the one before wrote, and is exact there. Its positions are mapped back past the
/// changes before it: a line after the last one's end is a line of `text`, moved by the
/// lines they added; on the line where it ended, the columns after it are those after its
/// range. A change that makes a `\r` and a `\n` one line end (writing one next to the
/// other, or deleting what lay between them) ends the run: after it, lines are no longer
/// those of `text`, moved.
fn ascending_run(
    text: &str,
    lines: &[usize],
    changes: &[(Range, &str)],
    enc: Encoding,
) -> Vec<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let mut run = Vec::new();
    // Where the text after the last change starts: at the start of the text, before any.
    let mut after = After::default();
    for (k, &(range, new)) in changes.iter().enumerate() {
        let (Some(start), Some(end)) = (
            after.offset(text, lines, range.start, enc),
            after.offset(text, lines, range.end, enc),
        ) else {
            break;
        };
        if end < start {
            break;
        }
        run.push((start, end, k));
        let left = if start == after.at {
            after.last
        } else {
            start.checked_sub(1).map(|i| bytes[i])
        };
        let next = bytes.get(end).copied();
        let first = new.bytes().next().or(next);
        let last = new.bytes().next_back().or(left);
        if (left == Some(b'\r') && first == Some(b'\n'))
            || (last == Some(b'\r') && next == Some(b'\n'))
        {
            break;
        }
        let (ends, tail) = line_ends(new);
        let columns = convert::line_offset(&new[tail..], u32::MAX, enc).1;
        after = After {
            line: range.start.line as usize + ends,
            column: columns
                + if ends == 0 {
                    range.start.character as usize
                } else {
                    0
                },
            at: end,
            line_now: lines.partition_point(|&s| s <= end) - 1,
            last,
        };
    }
    run
}

/// Where the text after the last change of an ascending run starts (see
/// [`Text::ascending_run`]), in the text the changes left and in the text before them.
#[derive(Debug, Default)]
struct After {
    /// Its line in the text the changes left.
    line: usize,
    /// Its column there.
    column: usize,
    /// Its byte offset in the text before the changes.
    at: usize,
    /// Its line in the text before the changes.
    line_now: usize,
    /// The byte before it in the text the changes left.
    last: Option<u8>,
}

impl After {
    /// The byte offset in the text before the changes (`text`, its line starts `lines`) of
    /// `pos`, a position in the text the changes left: `None` when it lies before this place
    /// or is not exact.
    fn offset(&self, text: &str, lines: &[usize], pos: Position, enc: Encoding) -> Option<usize> {
        let (line, column) = (pos.line as usize, pos.character as usize);
        if (line, column) < (self.line, self.column) {
            return None;
        }
        if line > self.line {
            let moved = Position {
                line: u32::try_from(self.line_now + line - self.line).ok()?,
                character: pos.character,
            };
            let (at, exact) = offset(text, lines, moved, enc);
            return exact.is_ok().then_some(at);
        }
        let end = content_end(text.as_bytes(), lines, self.line_now);
        let wanted = column - self.column;
        let (at, found) =
            convert::line_offset(&text[self.at..end], u32::try_from(wanted).ok()?, enc);
        (found == wanted).then_some(self.at + at)
    }
}

/// The line ends in `s` as the protocol counts them (`\r\n` once, a lone `\r` too, one at the
/// end included), and the byte offset where its last line starts.
fn line_ends(s: &str) -> (usize, usize) {
    let bytes = s.as_bytes();
    let ends = memchr::memchr2_iter(b'\n', b'\r', bytes)
        .map(|i| i + 1)
        .filter(|&p| starts_line(bytes, p));
    ends.fold((0, 0), |(n, _), p| (n + 1, p))
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

    #[test]
    fn changes_from_the_start_are_one_run_up_to_one_that_joins_a_cr_and_a_lf() {
        // Each range in the text the one before left: line 1 is `b` only once `x\ny` is in.
        let mut t = Text::new("a\nb\rc\nd".to_owned());
        let changes = [
            (range((0, 0), (0, 1)), "x\ny"),
            (range((2, 0), (2, 1)), "B"),
            (range((3, 0), (3, 1)), "C"),
            (range((3, 1), (3, 1)), "\r"),
            (range((4, 0), (4, 0)), "!"),
        ];
        // The fourth writes a `\r` before a `\n`: the run ends with it.
        assert_eq!(
            ascending_run(&t.text, &line_starts(&t.text), &changes, Encoding::Utf16).len(),
            4
        );
        assert!(t.edit_all(&changes, Encoding::Utf16).is_empty());
        assert_eq!(t.as_str(), "x\ny\nB\rC\r\n!d");
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
        fn changes_in_order_applied_in_one_pass_give_the_text_of_one_at_a_time(
            start in piece(),
            edits in prop::collection::vec((any::<usize>(), any::<usize>(), piece()), 1..12),
            order in 0..3u8,
        ) {
            // Ranges from the end of the text to its start (`order` 0), from its start to its
            // end (1: each at or after the end of what the one before wrote, adjacent ones
            // included), or in any order (2), each taken in the text the ones before left.
            let mut plain = start.clone();
            let mut changes: Vec<(Range, String)> = Vec::new();
            let (mut limit, mut floor) = (usize::MAX, 0);
            for (a, b, new) in edits {
                let (a, b) = (boundary(&plain, a), boundary(&plain, b));
                let (a, b) = (a.min(b).clamp(floor, limit), a.max(b).clamp(floor, limit));
                // Between a `\r` and the `\n` after it: no position.
                let splits = |p: usize| p > 0 && plain[..p].ends_with('\r') && plain[p..].starts_with('\n');
                if splits(a) || splits(b) {
                    continue;
                }
                match order {
                    0 => limit = a,
                    1 => floor = a + new.len(),
                    _ => {}
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
