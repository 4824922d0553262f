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
    /// The key, as written, and the form its value takes.
    pub(super) key: String,
    expect: Expect,
    /// The text in the brackets, when the key takes a string and the line parses with it
    /// alone (`name = ("Front desk")`): the brackets are one pair too many.
    single: Option<String>,
}

/// The list of `line`, one `key = value` that does not parse, whose value parses once written
/// in `[ ]` instead of `( )` or `{ }`, or (for a key that takes a list) once put in `[ ]`.
pub(super) fn unbracketed(line: &str) -> Option<Unbracketed> {
    let indent = super::indent_of(line);
    let code = super::strip(line).trim_end();
    let eq = code.find('=')?;
    let key = code[..eq].trim();
    let plain = !key.is_empty()
        && (key.chars()).all(|c| c.is_ascii_alphanumeric() || "_-. \"'".contains(c));
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
    // A key nimbus-lint reads that takes no list keeps the help of its own form.
    let expect = match super::known_key(key) {
        true => expected(key),
        false => Expect::List,
    };
    let single = Some(inner.trim().to_owned())
        .filter(|i| expect == Expect::Text && super::parses(&format!("{key} = {i}")));
    super::parses(&format!("{key} = {list}")).then(|| Unbracketed {
        value: from..from + value.len(),
        list,
        written,
        key: key.to_owned(),
        expect,
        single,
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
        if self.expect != Expect::List {
            return self.not_a_list(d, line, line_start, span_of);
        }
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

    /// `d`, told for a key that takes no list (`name = ("Front desk")`,
    /// `instant_messaging = {"interact"}`): the brackets removed as a fix when one string is
    /// in them, the key's form told otherwise (no fix: a list there is wrong too).
    fn not_a_list(
        self,
        mut d: crate::diagnostic::Diagnostic,
        line: &str,
        line_start: usize,
        span_of: impl Fn(std::ops::Range<usize>) -> crate::source::Span,
    ) -> crate::diagnostic::Diagnostic {
        let brackets = self.written.unwrap_or("[ ]");
        let key = self.key.as_str();
        let at = line_start + self.value.start;
        d.labels.clear();
        d.span = span_of(at..at + 1);
        let secret = super::may_be_credential(line);
        if let Some(single) = self.single {
            let fixed = format!("{}{single}", &line[..self.value.start]);
            let fixed = super::strip(&fixed).trim_end();
            d.message = format!("invalid TOML: a value in `{brackets}`");
            d.label = "brackets around the value".to_owned();
            d.help = match super::shown_safely(fixed) && !secret {
                true => format!("`{key}` takes one string: remove the brackets: `{fixed}`"),
                false => format!("`{key}` takes one string: remove the brackets"),
            };
            if secret {
                return d;
            }
            let value = line_start + self.value.start..line_start + self.value.end;
            return d.fix(span_of(value), single, "Remove the brackets");
        }
        let form = match self.expect {
            Expect::Table => "a table",
            _ => "one string",
        };
        d.message = format!("invalid TOML: a list in `{brackets}` for `{key}`");
        d.label = format!("`{key}` takes no list");
        // IM's channels, listed in its table.
        let im = format!("{{ channels = {} }}", self.list);
        let shown = key == "instant_messaging"
            && super::parses(&format!("{key} = {im}"))
            && super::shown_safely(&im);
        d.help = match shown {
            true => format!("`{key}` takes a table: if these are its channels, `{im}`"),
            false => format!("`{key}` takes {form}, not a list"),
        };
        d
    }
}
