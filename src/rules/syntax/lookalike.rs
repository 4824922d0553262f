//! Characters that look like others on screen (a no-break space, an en dash, a zero-width
//! space, a curly closing quote) where TOML takes the plain ones: a parse error at one of them
//! names it, and shows its line with the plain character when that line then parses.

use super::{may_be_credential, shown_safely, values::parses};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// What a look-alike character is, and what stands in its place.
struct Lookalike {
    /// Its name, with an article (`a no-break space`).
    name: &'static str,
    /// What it is taken for (`a space`), as the message says it is not.
    taken_for: &'static str,
    /// The plain text that replaces it (nothing for an invisible character).
    plain: &'static str,
}

/// The look-alike `c` is, if any: Unicode spaces, invisible characters, dashes.
fn lookalike(c: char) -> Option<Lookalike> {
    let (name, taken_for, plain) = match c {
        '\u{00a0}' => ("a no-break space", "a space", " "),
        '\u{202f}' => ("a narrow no-break space", "a space", " "),
        '\u{2000}'..='\u{200a}' | '\u{205f}' | '\u{3000}' | '\u{1680}' => {
            ("a Unicode space", "a plain space", " ")
        }
        '\u{200b}' => ("a zero-width space", "allowed here (it is invisible)", ""),
        '\u{200c}' | '\u{200d}' => ("a zero-width joiner", "allowed here (it is invisible)", ""),
        '\u{2060}' => ("a word joiner", "allowed here (it is invisible)", ""),
        '\u{feff}' => (
            "a zero-width no-break space",
            "allowed here (it is invisible)",
            "",
        ),
        '\u{2013}' => ("an en dash", "a hyphen `-`", "-"),
        '\u{2014}' => ("an em dash", "a hyphen `-`", "-"),
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2015}' => {
            ("a Unicode dash", "a hyphen `-`", "-")
        }
        '\u{2212}' => ("a minus sign", "a hyphen `-`", "-"),
        _ => return None,
    };
    Some(Lookalike {
        name,
        taken_for,
        plain,
    })
}

/// `d`, the parse error at byte `start` of `text`, told anew when a look-alike character is
/// its cause: one at the error's place (outside strings, where the parser stopped at it), or
/// a curly quote closing a string a straight quote opens (`"Sales”`), the string then left
/// open to the line's end. `None` for any other error.
pub(super) fn explained(
    d: &Diagnostic,
    text: &str,
    start: usize,
    span_of: &impl Fn(std::ops::Range<usize>) -> Span,
) -> Option<Diagnostic> {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let mut d = d.clone();
    let c = text[start..].chars().next()?;
    if let Some(l) = lookalike(c) {
        let code = format!("U+{:04X}", c as u32);
        d.message = format!("invalid TOML: {} ({code}) is not {}", l.name, l.taken_for);
        d.label = format!(
            "{} ({code})",
            l.name.split_once(' ').map_or(l.name, |(_, n)| n)
        );
        d.span = span_of(start..start + c.len_utf8());
        let mended = plain_outside_strings(line);
        let mended = mended.trim();
        let words = match l.plain {
            "" => "remove it".to_owned(),
            " " => "replace it with a plain space".to_owned(),
            p => format!("write `{p}`"),
        };
        d.help = if parses(mended) && shown_safely(mended) && !may_be_credential(line) {
            format!("{words}: `{mended}`")
        } else {
            words
        };
        return Some(d);
    }
    // `"Sales”`: the string's curly closing quote, at the end of its line.
    let (q, curly) = if d.message.contains("invalid basic string") {
        ('"', ['”', '“'])
    } else if d.message.contains("invalid literal string") {
        ('\'', ['’', '‘'])
    } else {
        return None;
    };
    if start != line_start + line.len() {
        return None;
    }
    let (at, close) = line.char_indices().rfind(|(_, c)| curly.contains(c))?;
    let mended = format!("{}{q}{}", &line[..at], &line[at + close.len_utf8()..]);
    if !line[..at].contains(q) || !parses(&mended) {
        return None;
    }
    d.message = format!("invalid TOML: the curly quote {close} does not close a string");
    d.label = format!("curly quote, not `{q}`");
    d.span = span_of(line_start + at..line_start + at + close.len_utf8());
    d.labels.clear();
    let credential = may_be_credential(line);
    d.help = if shown_safely(mended.trim_end()) && !credential {
        format!(
            "close the string with a straight `{q}`: `{}`",
            mended.trim_end()
        )
    } else {
        format!("close the string with a straight `{q}`")
    };
    // Certain when it is the line's one curly quote of its kind.
    let one = line.chars().filter(|c| curly.contains(c)).count() == 1;
    if !credential && one {
        d = d.fix(
            span_of(line_start + at..line_start + at + close.len_utf8()),
            q.to_string(),
            "Use a straight quote",
        );
    }
    Some(d)
}

/// `line` with each look-alike character outside its strings made plain.
fn plain_outside_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if q == '"' && c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                match lookalike(c) {
                    Some(l) => out.push_str(l.plain),
                    None => out.push(c),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_outside_strings_are_made_plain() {
        assert_eq!(
            plain_outside_strings("ou\u{a0}= \"a\u{a0}b\"\u{a0}"),
            "ou = \"a\u{a0}b\" "
        );
        assert_eq!(
            plain_outside_strings("[service.sales\u{2013}ivr]"),
            "[service.sales-ivr]"
        );
        assert_eq!(plain_outside_strings("a\u{200b}b = 1"), "ab = 1");
    }
}
