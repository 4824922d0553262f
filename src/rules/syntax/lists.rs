//! A list written in another language's brackets: `( … )` (a Python tuple), `{ … }` (a set,
//! which TOML reads as an inline table), or with no brackets around its comma-separated items
//! (`transfers = "a", "b"`).

use super::values::{Expect, expected};

/// A `key = value` line whose value is a list in brackets other than `[ ]`.
pub(super) struct Unbracketed {
    /// The value as written, in bytes of its line.
    pub(super) value: std::ops::Range<usize>,
    /// The value as a TOML array.
    pub(super) list: String,
    /// The brackets it was written in (`( )`, `{ }`), none when it has none.
    pub(super) written: Option<&'static str>,
}

/// The list of `line`, one `key = value` that does not parse, whose value parses once written
/// in `[ ]` instead of `( )` or `{ }`, or (for a key that takes a list) once put in `[ ]`.
pub(super) fn unbracketed(line: &str) -> Option<Unbracketed> {
    let indent = super::indent_of(line);
    let code = super::strip(line).trim_end();
    let eq = code.find('=')?;
    let key = code[..eq].trim();
    let plain =
        !key.is_empty() && (key.chars()).all(|c| c.is_ascii_alphanumeric() || "_-. ".contains(c));
    if !plain || super::parses(code) {
        return None;
    }
    let value = code[eq + 1..].trim();
    let from = indent + eq + 1 + (code[eq + 1..].len() - code[eq + 1..].trim_start().len());
    let inner = |open: char, close: char| value.strip_prefix(open)?.strip_suffix(close);
    let (inner, written) = match (inner('(', ')'), inner('{', '}')) {
        (Some(i), _) => (i, Some("( )")),
        (_, Some(i)) => (i, Some("{ }")),
        _ if expected(key) == Expect::List
            && value.contains(',')
            && !value.starts_with(['[', '{'])
            && !value.ends_with(',') =>
        {
            (value, None)
        }
        _ => return None,
    };
    let list = format!("[{inner}]");
    super::parses(&format!("{key} = {list}")).then(|| Unbracketed {
        value: from..from + value.len(),
        list,
        written,
    })
}

impl Unbracketed {
    /// `d`, told: the list's brackets, its line mended when it may be shown (`line` starts at
    /// the file's byte `line_start`), with the mending as a fix unless a credential's key may
    /// be on the line.
    pub(super) fn told(
        self,
        mut d: crate::diagnostic::Diagnostic,
        line: &str,
        line_start: usize,
        span_of: impl Fn(std::ops::Range<usize>) -> crate::source::Span,
    ) -> crate::diagnostic::Diagnostic {
        let (message, label, help) = match self.written {
            Some("{ }") => (
                "a list is written in `[ ]`, not `{ }`",
                "`{` opens a table of `key = value` pairs",
                "`{ }` holds `key = value` pairs: write the list in square brackets",
            ),
            Some(_) => (
                "a list is written in `[ ]`, not `( )`",
                "`(` opens no list in TOML",
                "write the list in square brackets",
            ),
            None => (
                "a list without its `[ ]`",
                "`[` goes here",
                "write the items in square brackets",
            ),
        };
        let fixed = format!("{}{}", &line[..self.value.start], self.list);
        let fixed = super::strip(&fixed).trim_end();
        let secret = super::may_be_credential(line);
        d.message = format!("invalid TOML: {message}");
        d.label = label.to_owned();
        d.help = match super::shown_safely(fixed) && !secret {
            true => format!("{help}: `{fixed}`"),
            false => help.to_owned(),
        };
        let at = line_start + self.value.start;
        d.span = match self.written {
            Some(_) => span_of(at..at + 1),
            None => span_of(at..at),
        };
        d.labels.clear();
        if secret {
            return d;
        }
        let value = line_start + self.value.start..line_start + self.value.end;
        d.fix(span_of(value), self.list, "Write the list in `[ ]`")
    }
}
