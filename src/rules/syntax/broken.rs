//! The words shaped like a credential in a file that does not parse, read from its text as it
//! looks (the recovered tree may not hold them): recorded to be reported and masked.

use crate::model::SecretHit;
use crate::source::Span;

/// In a file that does not parse, every word shaped like a credential outside comments that
/// the recovered tree may not hold (a value after the error, a key, a header left open, a
/// string of a key written twice): recorded here, to be reported and masked like any other.
/// Words of 32 hex digits, which may be ids, count in a value's place alone (after `=`, `[`,
/// `,`, `$` or `{`); a string counts when it is the word whole, and a multi-line string's words count
/// as bare ones. The first value of an `api_key_secret` key, when it is a string, is a
/// literal secret whatever its shape (a variable's name aside: in capitals, or after `$`).
/// The text is read as it looks.
pub(crate) fn bare_secrets(file: crate::source::FileId, text: &str, base: usize) -> Vec<SecretHit> {
    use crate::rules::secret_in_config::is_secret_shaped;
    let mut out = Vec::new();
    let mut record = |start: usize, end: usize, value: &str, literal: bool| {
        out.push(SecretHit {
            span: Span::new(file, base + start..base + end),
            value: value.to_owned(),
            literal_secret: literal,
            key: literal.then(|| "api_key_secret".into()),
            entity: None,
            loose: false,
        });
    };
    // The string given to an `api_key_secret` key is a literal secret, unless it names a
    // variable: `"TWILIO_SECRET"`, `"$TWILIO_SECRET"`.
    let literal = |s: &str| {
        let name = crate::parse::after_dollar(s);
        let capitals = crate::rules::secret_in_config::names_a_variable(s);
        !capitals && name.is_none_or(is_secret_shaped)
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    // At a line's start: the key of the line; the state of its first value.
    let mut line_start = true;
    let mut literal_key = false;
    let mut before: Option<u8> = None;
    // Up to where a `"` (0) or `'` (1) opens a string not closed on its line: a quote there
    // is not looked at again (a line of escaped quotes would make it quadratic).
    let mut unclosed = [0usize; 2];
    // Whether a `"""` (0) or `'''` (1) was found never closed: none after it is either.
    let mut never_closed = [false; 2];
    while i < bytes.len() {
        if line_start {
            line_start = false;
            // `api_key_secret = …`, or a key below it (`api_key_secret.value = …`) but `env`.
            let key = crate::parse::lines::key_path(
                text[i..].trim_start_matches(['\u{feff}', ' ', '\t']),
            );
            literal_key =
                key.iter().any(|k| k == "api_key_secret") && key.last().is_some_and(|k| k != "env");
            before = None;
        }
        let b = bytes[i];
        if b == b'\n' {
            line_start = true;
            i += 1;
            continue;
        }
        // The first value after the key's `=`: a string is read below, anything else ends it.
        let first_value = literal_key && before == Some(b'=');
        if b == b'"' || b == b'\'' {
            let triple = if b == b'"' { "\"\"\"" } else { "'''" };
            if text[i..].starts_with(triple) {
                // A multi-line string: up to its closing quotes, over lines.
                let from = i + 3;
                let kind = usize::from(b == b'\'');
                let mut j = if never_closed[kind] { text.len() } else { from };
                let end = loop {
                    match text[j..].find([b as char, '\\']) {
                        None => break None,
                        Some(k) if b == b'"' && bytes[j + k] == b'\\' => {
                            // The escaped character, whole (it may be any character).
                            let next = text[j + k + 1..].chars().next().map_or(0, char::len_utf8);
                            j += k + 1 + next;
                        }
                        Some(k) if bytes[j + k] == b'\\' => j += k + 1,
                        Some(k) if text[j + k..].starts_with(triple) => {
                            // Up to two more quotes belong to the string.
                            let mut close = j + k;
                            while bytes.get(close + 3) == Some(&b) && close - (j + k) < 2 {
                                close += 1;
                            }
                            break Some(close);
                        }
                        Some(k) => j += k + 1,
                    }
                };
                let Some(close) = end else {
                    never_closed[kind] = true;
                    // Never closed: the parse stops there, and what follows is read as lines
                    // (a forgotten `"""` must not hide the keys below it). A secret's value is
                    // its first line that holds one.
                    if first_value {
                        // The first line with something on it but a line-ending backslash,
                        // without the quotes or blanks around it.
                        let mut at = from;
                        let found = loop {
                            if at >= text.len() {
                                break None;
                            }
                            let end = text[at..].find('\n').map_or(text.len(), |k| at + k);
                            let line = &text[at..end];
                            let value = line
                                .trim()
                                .trim_end_matches('\\')
                                .trim_end()
                                .trim_matches(['"', '\''])
                                .trim();
                            if !value.is_empty() {
                                let start = at + line.find(value).unwrap_or(0);
                                break Some((start, value, end));
                            }
                            at = end + 1;
                        };
                        if let Some((start, value, end)) = found.filter(|(_, v, _)| literal(v)) {
                            record(start, start + value.len(), value, true);
                            literal_key = false;
                            before = Some(b);
                            i = end;
                            continue;
                        }
                    }
                    literal_key = false;
                    before = Some(b);
                    i = from;
                    continue;
                };
                let inner = &text[from..close];
                let value = inner
                    .strip_prefix("\r\n")
                    .or_else(|| inner.strip_prefix('\n'))
                    .unwrap_or(inner);
                if first_value && literal(value) {
                    record(i, close + 3, value, true);
                } else {
                    for w in crate::rules::secret_in_config::shaped_words(inner, false) {
                        record(from + w.start, from + w.end, &inner[w.clone()], false);
                    }
                }
                // What follows its closing quotes is no line's start.
                literal_key = false;
                before = Some(b);
                i = close + 3;
                continue;
            }
            // A string on this line: up to its closing quote (escapes in `"…"`, but not of
            // the line's end: a path ending in `\` ends at the line's end).
            let kind = usize::from(b == b'\'');
            let mut j = i + 1;
            while i >= unclosed[kind] && j < bytes.len() && bytes[j] != b && bytes[j] != b'\n' {
                let escaped = b == b'"'
                    && bytes[j] == b'\\'
                    && !matches!(bytes.get(j + 1), None | Some(b'\n' | b'\r'));
                j += if escaped { 2 } else { 1 };
            }
            if i >= unclosed[kind] && j < bytes.len() && bytes[j] == b {
                let inner = &text[i + 1..j];
                if first_value && literal(inner) {
                    record(i, j + 1, inner, true);
                } else if is_secret_shaped(inner) {
                    record(i, j + 1, inner, false);
                }
                literal_key = false;
                before = Some(b);
                i = j + 1;
                continue;
            }
            // Not closed on its line: its words are read as bare ones, and a secret's value
            // is the rest of the line (a closing quote forgotten).
            let value = text[i + 1..j].trim_end();
            if first_value && i >= unclosed[kind] && !value.is_empty() && literal(value) {
                record(i + 1, i + 1 + value.len(), value, true);
                literal_key = false;
                before = Some(b);
                i = j;
                continue;
            }
            unclosed[kind] = unclosed[kind].max(j);
        }
        if b == b'#' {
            // A comment, to the line's end. A `nimbus-lint` comment's codes are read as the
            // suppressions of a file that parses are: each credential-shaped run among them.
            let end = text[i..].find('\n').map_or(text.len(), |k| i + k);
            let comment = &text[i..end];
            if comment
                .trim_start_matches(['#', ' ', '\t'])
                .starts_with("nimbus-lint")
            {
                for run in alphanumeric_runs(comment) {
                    if is_secret_shaped(&comment[run.clone()]) {
                        record(i + run.start, i + run.end, &comment[run.clone()], false);
                    }
                }
            }
            i = end;
            continue;
        }
        if b.is_ascii_alphanumeric() {
            let end = (i..bytes.len())
                .find(|&j| !bytes[j].is_ascii_alphanumeric())
                .unwrap_or(bytes.len());
            let word = &text[i..end];
            let hex = word.bytes().all(|c| c.is_ascii_hexdigit());
            let value_place = matches!(before, Some(b'=' | b'[' | b',' | b'$' | b'{'));
            if is_secret_shaped(word) && (!hex || value_place) {
                record(i, end, word, false);
            }
            literal_key &= !first_value;
            before = Some(b'a');
            i = end;
            continue;
        }
        if !b.is_ascii_whitespace() {
            literal_key &= !first_value;
            before = Some(b);
        }
        i += 1;
    }
    out
}

/// The runs of ASCII letters and digits of `text`, as byte ranges.
pub(crate) fn alphanumeric_runs(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() && !bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        (at > start).then_some(start..at)
    })
}
