//! A line-level view of TOML text: which lines are table headers, keys or comments at the top
//! level (outside strings, arrays and inline tables).
//!
//! Used to find `# nimbus-lint:` comments and the headers they stand above, and to split large
//! files into independently parsed batches. It never decides validity: where it misreads
//! broken text, the parser that runs afterwards reports the problem.

/// What a top-level line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// `[a.b]` (or `[[a.b]]` when `array`), with its key path.
    Header { path: Vec<String>, array: bool },
    /// `a.b = …`: the line from its key on (see [`key_path`]).
    Key(&'a str),
    /// A whole-line comment (the text after `#`).
    Comment(&'a str),
    /// Nothing but whitespace.
    Blank,
    /// Anything else (continuation of a value, garbage).
    Other,
}

/// One top-level line and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopLine<'a> {
    /// Byte offset of the line's first character.
    pub start: usize,
    /// Byte offset of the first non-blank character.
    pub text_start: usize,
    /// What it holds.
    pub line: Line<'a>,
}

/// Lexer state carried from line to line.
#[derive(Default)]
struct State {
    /// Inside `"""` or `'''`: the delimiter.
    multiline: Option<&'static str>,
    /// Open `[` and `{` of values.
    depth: usize,
    /// Where in its line the last multi-line string opened, and how many have opened.
    opened_at: usize,
    opens: usize,
}

/// What may stand before a line's first character: blanks and a byte order mark.
const INDENT: [char; 3] = [' ', '\t', '\u{feff}'];

impl State {
    /// Moves over one line (without its line break); true when the line starts at the top
    /// level, where a `[` opens a header rather than an array.
    fn step(&mut self, line: &str) -> bool {
        let at_top = self.multiline.is_none() && self.depth == 0;
        advance(
            self,
            line,
            at_top && line.trim_start_matches(INDENT).starts_with('['),
        );
        at_top
    }
}

/// Every line that starts at the top level (not inside a multi-line string or value), in order.
pub(crate) fn top_level(text: &str) -> impl Iterator<Item = TopLine<'_>> {
    let mut st = State::default();
    let mut offset = 0;
    text.split_inclusive('\n').filter_map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let at_top = st.step(line);
        let indent = line.len() - line.trim_start_matches(INDENT).len();
        let body = &line[indent..];
        if !at_top {
            return None;
        }
        let kind = if body.is_empty() {
            Line::Blank
        } else if let Some(comment) = body.strip_prefix('#') {
            Line::Comment(comment)
        } else if let Some(rest) = body.strip_prefix("[[") {
            Line::Header {
                path: key_path(rest),
                array: true,
            }
        } else if let Some(rest) = body.strip_prefix('[') {
            Line::Header {
                path: key_path(rest),
                array: false,
            }
        } else if body.starts_with(|c: char| {
            c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '"' || c == '\''
        }) {
            Line::Key(body)
        } else {
            Line::Other
        };
        Some(TopLine {
            start,
            text_start: start + indent,
            line: kind,
        })
    })
}

/// Where the multi-line string left open at the end of `text` opens (its first quote), if
/// one is.
pub(crate) fn open_string(text: &str) -> Option<usize> {
    let mut st = State::default();
    let mut offset = 0;
    let mut opened = None;
    for raw in text.split_inclusive('\n') {
        let opens = st.opens;
        st.step(raw.trim_end_matches(['\n', '\r']));
        if st.opens != opens {
            opened = Some(offset + st.opened_at);
        }
        offset += raw.len();
    }
    st.multiline.and(opened)
}

/// Moves the lexer over one line. On a header line the brackets are the header's own.
fn advance(st: &mut State, line: &str, header: bool) {
    if header {
        return;
    }
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(delim) = st.multiline {
            // In a basic string (`"""`), a backslash escapes the next character: `\"""` is
            // a quote and two more, no end.
            let escapes = delim.starts_with('"');
            let mut end = None;
            let mut j = i;
            while j < bytes.len() {
                if escapes && bytes[j] == b'\\' {
                    j += 2;
                } else if bytes[j..].starts_with(delim.as_bytes()) {
                    end = Some(j);
                    break;
                } else {
                    j += 1;
                }
            }
            match end {
                Some(at) => {
                    i = at + 3;
                    // A closing run may be 4 or 5 quotes long: the extra ones are content.
                    while i < bytes.len() && bytes[i] == delim.as_bytes()[0] {
                        i += 1;
                    }
                    st.multiline = None;
                }
                None => return,
            }
            continue;
        }
        match bytes[i] {
            b'#' => return,
            b'"' if line[i..].starts_with("\"\"\"") => {
                st.multiline = Some("\"\"\"");
                (st.opened_at, st.opens) = (i, st.opens + 1);
                i += 3;
            }
            b'\'' if line[i..].starts_with("'''") => {
                st.multiline = Some("'''");
                (st.opened_at, st.opens) = (i, st.opens + 1);
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' => {
                st.depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                st.depth = st.depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// Where the comment of a one-line header or key line starts (its `#`, outside quoted keys and
/// strings); `None` without one, or when a multi-line string opens on the line.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => return Some(i),
            b'"' | b'\'' if line[i..].starts_with("\"\"\"") || line[i..].starts_with("'''") => {
                return None;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += if q == b'"' && bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The dotted key at the start of `text` (a header's inside, or a `key = value` line).
pub(crate) fn key_path(text: &str) -> Vec<String> {
    let mut path = Vec::new();
    key_parts(text, |key, _| path.push(key));
    path
}

/// The dotted key at the start of `text`, each part with its byte range in `text` (quotes
/// included): what [`key_path`] reads, and where.
pub(crate) fn key_segments(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut path = Vec::new();
    key_parts(text, |key, at| path.push((key, at)));
    path
}

/// Reads the dotted key at the start of `text`, giving each part to `part` with its range.
fn key_parts(text: &str, mut part: impl FnMut(String, std::ops::Range<usize>)) {
    let mut chars = text.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| *c == ' ' || *c == '\t').is_some() {}
        let Some(&(start, c)) = chars.peek() else {
            break;
        };
        let mut key = String::new();
        let mut end = start;
        match c {
            '"' | '\'' => {
                chars.next();
                end = text.len();
                let mut escaped = false;
                for (i, ch) in chars.by_ref() {
                    if escaped {
                        key.push(ch);
                        escaped = false;
                    } else if ch == '\\' && c == '"' {
                        escaped = true;
                    } else if ch == c {
                        end = i + 1;
                        break;
                    } else {
                        key.push(ch);
                    }
                }
            }
            _ => {
                while let Some((i, ch)) =
                    chars.next_if(|(_, ch)| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
                {
                    key.push(ch);
                    end = i + 1;
                }
                if key.is_empty() {
                    break;
                }
            }
        }
        part(key, start..end);
        while chars.next_if(|(_, c)| *c == ' ' || *c == '\t').is_some() {}
        if chars.next_if(|(_, c)| *c == '.').is_none() {
            break;
        }
    }
}

/// Every key of `text` in an entity id's place, with the kind's key, the id and the key's
/// byte range (quotes included): in table headers (`[service.x]`,
/// `[service.x.instant_messaging]`) and in dotted keys (`service.x.name = …`, or `x = {…}`
/// and `x.name = …` below `[service]`).
pub(crate) fn id_key_spans(text: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut table: Vec<String> = Vec::new();
    for l in top_level(text) {
        let (skip, header) = match &l.line {
            Line::Header { array, .. } => (if *array { 2 } else { 1 }, true),
            Line::Key(_) => (0, false),
            _ => continue,
        };
        let from = l.text_start + skip;
        let parts = key_segments(&text[from..]);
        if header {
            table = parts.iter().map(|(k, _)| k.clone()).collect();
        }
        // The id's part of the key: the second of the whole path.
        let found = match (header, table.as_slice(), parts.as_slice()) {
            (true, _, [(k, _), (i, at), ..]) | (false, [], [(k, _), (i, at), ..]) => {
                Some((k, i, at))
            }
            (false, [k], [(i, at), ..]) => Some((k, i, at)),
            _ => None,
        };
        if let Some((k, i, at)) = found {
            out.push((k.clone(), i.clone(), from + at.start..from + at.end));
        }
    }
    out
}

/// True when the key of line `l` of `text` (a header's, or a key line's up to its first `=`
/// outside quotes) holds a backslash: spelled with an escape (`"\u0073ervice"`), it may be
/// another key spelled plainly. A value or a comment with one (`path = "C:\\x"`) is no sign.
pub(crate) fn escaped_key(text: &str, l: &TopLine<'_>) -> bool {
    let (body, end) = match l.line {
        Line::Key(body) => (body, '='),
        Line::Header { .. } => (&text[l.text_start..], ']'),
        _ => return false,
    };
    let mut quote = None;
    for c in body.chars() {
        match (quote, c) {
            (_, '\\') => return true,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '\n') => return false,
            (None, c) if c == end => return false,
            _ => {}
        }
    }
    false
}

/// The first line of a merge-conflict block (`<<<<<<< `, `=======`, `>>>>>>> ` at the start
/// of a line), as a byte range, when the text has a `<<<<<<<` marker.
pub(crate) fn conflict_marker(text: &str) -> Option<std::ops::Range<usize>> {
    // Every file is scanned for it: a searcher built once (SIMD), not one per file.
    static MARKER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("<<<<<<<"));
    MARKER.find(text.as_bytes())?;
    // Only lines at the top level: inside a multi-line string the markers are text.
    top_level(text).find_map(|l| {
        let line = &text[l.text_start..];
        let line = &line[..line.find(['\n', '\r']).unwrap_or(line.len())];
        let marker = l.text_start == l.start
            && (line.starts_with("<<<<<<<") || line == "=======" || line.starts_with(">>>>>>>"));
        marker.then(|| l.text_start..l.text_start + line.len())
    })
}

/// One batch of a large file: its byte range, and the bare `[kind]` header (its range) whose
/// table the batch begins inside, which is parsed before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Batch {
    /// The batch's bytes.
    pub range: std::ops::Range<usize>,
    /// The `[kind]` header line, when the batch starts among the inline entities of its table.
    pub within: Option<std::ops::Range<usize>>,
}

/// Splits `text` into batches of about `target` bytes, such that every entity's lines stay in
/// one batch: cut at a table header, between the inline entities of a bare `[kind]` table
/// (`sales = { … }` lines, each batch after the first parsed below that header), or between
/// entities written as dotted keys above any header (`service.sales = { … }`). `None` when
/// the file does not have the plain shape that makes this safe (then it is parsed whole).
pub(crate) fn batches(text: &str, target: usize) -> Option<Vec<Batch>> {
    use std::hash::{BuildHasher, Hash, Hasher};
    if text.len() <= target {
        return None;
    }
    // Groups are keyed by a hash of (kind, id): a collision can only make this give up and
    // parse the file whole, never cut wrongly.
    let hasher = rustc_hash::FxBuildHasher;
    let group_of = |kind: &str, id: Option<&String>| {
        let mut h = hasher.build_hasher();
        kind.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    };
    let mut seen_groups = rustc_hash::FxHashSet::default();
    // Kinds written as dotted entities above the first header: a bare `[kind]` header of one
    // would define its table twice, which the whole file's parse reports.
    let mut dotted_kinds: Vec<String> = Vec::new();
    // A key spelled with an escape (`"\u0062ad"`) may be another key spelled plainly: keys
    // are compared as written here, so such a file is parsed whole.
    let escaped = |l: &TopLine<'_>| escaped_key(text, l);
    let mut cuts = vec![Batch {
        range: 0..0,
        within: None,
    }];
    let mut last_group: Option<u64> = None;
    let mut before_first_header = true;
    // The bare `[kind]` table the lines are in: its kind and header line.
    let mut section: Option<(String, std::ops::Range<usize>)> = None;
    // Comments directly above a header belong with it (they may be suppressions).
    let mut comments_from: Option<usize> = None;
    for l in top_level(text) {
        // The entity the line begins, and the header its batch needs, when it may begin one.
        let is_escaped = escaped(&l);
        let (group, within) = match l.line {
            Line::Header { path, array } => {
                if array || path.is_empty() || is_escaped {
                    return None;
                }
                if path.len() == 1 && dotted_kinds.contains(&path[0]) {
                    return None;
                }
                // A table of no kind (a mistake the parse reports) may have keys that a
                // later header of it redefines: such a file is parsed whole.
                if !super::KINDS.contains(&path[0].as_str()) {
                    return None;
                }
                before_first_header = false;
                section = (path.len() == 1).then(|| {
                    let end = text[l.start..]
                        .find('\n')
                        .map_or(text.len(), |e| l.start + e);
                    (path[0].clone(), l.text_start..end)
                });
                (group_of(&path[0], path.get(1)), None)
            }
            Line::Comment(_) => {
                comments_from.get_or_insert(l.start);
                continue;
            }
            Line::Key(body) if before_first_header => {
                let path = key_path(body);
                if path.len() < 2 || !super::KINDS.contains(&path[0].as_str()) || is_escaped {
                    return None;
                }
                if !dotted_kinds.contains(&path[0]) {
                    dotted_kinds.push(path[0].clone());
                }
                (group_of(&path[0], path.get(1)), None)
            }
            Line::Key(body) => match &section {
                Some((kind, header)) => {
                    let path = key_path(body);
                    if is_escaped {
                        return None;
                    }
                    let id = path.first()?;
                    (group_of(kind, Some(id)), Some(header.clone()))
                }
                None => {
                    comments_from = None;
                    continue;
                }
            },
            Line::Other if before_first_header => return None,
            _ => {
                comments_from = None;
                continue;
            }
        };
        if last_group != Some(group) {
            if !seen_groups.insert(group) {
                return None;
            }
            let from = cuts[cuts.len() - 1].range.start;
            if l.start - from >= target {
                cuts.push(Batch {
                    range: comments_from.unwrap_or(l.start)..0,
                    within,
                });
            }
            last_group = Some(group);
        }
        comments_from = None;
    }
    if cuts.len() < 2 {
        return None;
    }
    let ends: Vec<usize> = (cuts.iter().skip(1).map(|b| b.range.start))
        .chain([text.len()])
        .collect();
    for (b, end) in cuts.iter_mut().zip(ends) {
        b.range.end = end;
    }
    cuts.retain(|b| !b.range.is_empty());
    (cuts.len() >= 2).then_some(cuts)
}

#[cfg(test)]
mod tests {
    #[test]
    fn comment_start_skips_quoted_hashes_and_gives_up_on_multiline_strings() {
        use super::comment_start;
        assert_eq!(comment_start("[service.a] # x"), Some(12));
        assert_eq!(comment_start("[service.\"c#d\"] # x"), Some(16));
        assert_eq!(comment_start("name = 'a#b' # x"), Some(13));
        assert_eq!(comment_start("name = \"a\\\"#b\" # x"), Some(15));
        assert_eq!(comment_start("name = \"\"\"a # b"), None);
        assert_eq!(comment_start("name = \"a\""), None);
    }

    use super::*;

    #[test]
    fn key_paths_handle_quotes_and_spaces() {
        assert_eq!(key_path("service . \"a.b\" .im]"), ["service", "a.b", "im"]);
        assert_eq!(key_path("sales-ivr = { ou = 1 }"), ["sales-ivr"]);
        assert_eq!(key_path("'x'.ou = 1"), ["x", "ou"]);
    }

    #[test]
    fn key_segments_say_where_each_part_is_written() {
        let text = "service . \"a.b\".'im' = 1";
        let parts: Vec<(String, &str)> = (key_segments(text).into_iter())
            .map(|(key, at)| (key, &text[at]))
            .collect();
        assert_eq!(
            parts,
            [
                ("service".to_owned(), "service"),
                ("a.b".to_owned(), "\"a.b\""),
                ("im".to_owned(), "'im'"),
            ]
        );
        assert_eq!(key_segments("\"open"), [("open".to_owned(), 0..5)]);
        assert_eq!(key_segments("= 1"), []);
    }

    #[test]
    fn lines_inside_values_and_strings_are_not_top_level() {
        let text = "a = [\n  [1, 2],\n]\nb = \"\"\"\n[not.a.header]\n\"\"\"\n[real]\n";
        let headers: Vec<_> = top_level(text)
            .filter(|l| matches!(l.line, Line::Header { .. }))
            .collect();
        assert_eq!(headers.len(), 1);
        assert_eq!(&text[headers[0].start..], "[real]\n");
        // An escaped quote before two more ends no basic string; in a literal one it would.
        let text =
            "b = \"\"\"x \\\"\"\"\n[not.a.header]\n\"\"\"\n[real]\nc = '''x \\'''\n[also.real]\n";
        let headers: Vec<_> = top_level(text)
            .filter(|l| matches!(l.line, Line::Header { .. }))
            .map(|l| &text[l.start..l.start + text[l.start..].find('\n').unwrap()])
            .collect();
        assert_eq!(headers, ["[real]", "[also.real]"]);
    }

    #[test]
    fn batches_keep_entities_whole_and_refuse_unusual_shapes() {
        let text = "[service.a]\nou = \"x\"\n[service.a.instant_messaging]\n# c\n[service.b]\nou = \"y\"\n";
        let b = batches(text, 10).unwrap();
        assert_eq!(b.len(), 2);
        assert!(text[b[1].range.clone()].starts_with("# c\n[service.b]"));
        assert_eq!(b[1].within, None);
        assert!(batches("[service.a]\n[service.b]\n[service.a.im]\n", 5).is_none());
        assert!(batches("x = 1\n[service.a]\n[service.b]\n", 5).is_none());
        assert!(batches("[[service.a]]\n[service.b]\n", 5).is_none());
        // Inline entities of a bare `[kind]` table: each batch after the first below it.
        let text = "[ou]\nr = {}\n# nimbus-lint: allow(x)\na = { parent = \"r\" }\n[service.s]\n";
        let b = batches(text, 8).unwrap();
        let shown: Vec<(&str, Option<&str>)> = (b.iter())
            .map(|b| (&text[b.range.clone()], b.within.clone().map(|w| &text[w])))
            .collect();
        assert_eq!(
            shown,
            [
                ("[ou]\nr = {}\n", None),
                (
                    "# nimbus-lint: allow(x)\na = { parent = \"r\" }\n",
                    Some("[ou]")
                ),
                ("[service.s]\n", None),
            ]
        );
        // Dotted entities above any header; the same entity twice is not cut.
        let b = batches("ou.r = {}\nou.a.parent = \"r\"\n[ou.b]\n", 5).unwrap();
        assert_eq!(b.len(), 3);
        assert!(batches("ou.r.name = \"x\"\nou.a = {}\nou.r.parent = \"a\"\n", 5).is_none());
        assert!(batches("[ou]\nr = {}\na = {}\nr.name = \"x\"\n", 5).is_none());
        // A bare header of a kind written in dotted keys above defines its table twice.
        assert!(batches("ou.r = {}\nou.a = {}\n[ou]\nb = {}\n", 5).is_none());
        // A key with an escape may be a plain key written otherwise, even after an `=`.
        assert!(batches("[ou]\nr = {}\nbad = 3\n\"\\u0062ad\" = 4\n", 5).is_none());
        assert!(batches("[ou]\nr = {}\n\"x=a\" = 3\n\"x=\\u0061\" = 4\n", 5).is_none());
        // A table of no kind may be redefined by a later header.
        assert!(batches("[foo]\nx = 1\n[ou.a]\n[foo.x]\n", 5).is_none());
    }
}
