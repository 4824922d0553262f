//! `syntax`: the file is not valid TOML, or not UTF-8.

use super::{Code, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

mod broken;
mod lists;
mod lookalike;
mod values;

pub(crate) use broken::{alphanumeric_runs, bare_secrets};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "syntax",
    severity: Severity::Error,
    hard: true,
    summary: "the file is not valid TOML (also: not UTF-8)",
    explanation: r#"## What it checks

Every `.toml` file of the workspace must be valid TOML text in UTF-8. The first syntax error
of a file is reported at the place where the parser stopped, with the first definition of a
duplicate key or table, and the quotes a bare text value needs. The parser reads TOML 1.1, so
its additions (a trailing comma or line breaks inside `{ … }`, `\e`, times without seconds)
are accepted here, though tools that read TOML 1.0 only reject them.

## Why it matters

A file that does not parse contributes nothing to the workspace. nimbus-lint still checks the
other files in full, but it cannot tell whether the broken file holds an OU, a connector or a
service that another file refers to, so rules that conclude that something is *missing*
(`unknown-reference`, "no root OU", `im-unreachable`, `unused-*`) stay quiet until it is fixed.

## Example

```toml
[service.sales-ivr]
ou = "sales"
transfers = ["sales-team" "billing"]   # missing comma
```

## Fix

```toml
[service.sales-ivr]
ou = "sales"
transfers = ["sales-team", "billing"]
```

Files must be saved as UTF-8 (most editors do so by default).
"#,
    check: None,
};

/// A TOML parse error, with the parser's message.
pub(crate) fn diagnostic(span: Span, parser_message: &str) -> Diagnostic {
    let message = parser_message.trim().trim_end_matches('.');
    // The parser's wording where it says nothing more to a reader of TOML.
    let message = message
        .strip_suffix(", expected literal string")
        .unwrap_or(message);
    if message.contains("recursion") {
        return Diagnostic::new(Code::Syntax, span, "invalid TOML: nested too deeply")
            .label("nesting goes past the parser's limit here")
            .help("flatten the structure: nimbus-lint's tables are at most a few levels deep");
    }
    let help = if message.contains("duplicate key") {
        "a key is set once in a table, and a table written once in a file"
    } else {
        "fix the TOML syntax here; nothing else in this file is checked until it parses"
    };
    Diagnostic::new(Code::Syntax, span, format!("invalid TOML: {message}"))
        .label(message.to_owned())
        .help(help)
}

/// `d`, a parse error in `text` (which starts at byte `base` of its file), with what the
/// text around it tells: the first definition of a duplicate key or table, the quotes a bare
/// string needs (offered as a fix), a second key on one line.
pub(crate) fn explained(mut d: Diagnostic, text: &str, base: usize) -> Diagnostic {
    let start = (d.span.start as usize).saturating_sub(base).min(text.len());
    let end = (d.span.end as usize)
        .saturating_sub(base)
        .clamp(start, text.len());
    let (Some(at), Some(rest)) = (text.get(start..end), text.get(start..)) else {
        return d;
    };
    let file = d.span.file;
    let span_of = |r: std::ops::Range<usize>| Span {
        file,
        start: (r.start + base) as u32,
        end: (r.end + base) as u32,
    };
    if let Some(l) = lookalike::explained(&d, text, start, &span_of) {
        return l;
    }
    // `transfers = ("a", "b")`, `{"a", "b"}`, `"a", "b"`: a list in brackets of another
    // language, or in none.
    let line_start = line_start_of(text, start);
    let line = text[line_start..].lines().next().unwrap_or_default();
    if let Some(u) = lists::unbracketed(line) {
        return u.told(d, line, line_start, span_of);
    }
    if d.message.contains("carriage return") && text[..start].ends_with('\r') {
        // The parser points past a carriage return with no line feed after it: at the return.
        d.span = span_of(start - 1..start);
        d.label = "a carriage return alone".to_owned();
        d.help = "save the file with LF or CRLF line endings: TOML does not allow a carriage return alone (old Mac line endings)".to_owned();
        return d;
    }
    if let Some(h) = commented_items(text, start) {
        let from = line_start_of(text, h);
        let line = text[from..].lines().next().unwrap_or_default();
        let fixed = format!("{}{}", &text[from..h], &line[h - from + 1..]);
        let n = text[..h].matches('\n').count() + 1;
        d.message = match base {
            0 => {
                format!("invalid TOML: a `#` inside brackets makes the rest of line {n} a comment")
            }
            _ => "invalid TOML: a `#` inside brackets makes the rest of its line a comment"
                .to_owned(),
        };
        d.span = span_of(h..h + 1);
        d.label = "the comment starts here".to_owned();
        d.help = match shown_safely(fixed.trim()) && !may_be_credential(line) {
            true => format!("remove the `#`: `{}`", fixed.trim()),
            false => "remove the `#`".to_owned(),
        };
        d.labels.clear();
        return d;
    }
    if let Some(u) = unclosed_bracket(&d.message, text, start) {
        if u.stray {
            let o = u.open.0;
            let from = line_start_of(text, o);
            let to = o + text[o..].find('\n').unwrap_or(text.len() - o);
            let line = text[from..to].trim_end_matches('\r');
            let fixed = format!("{}{}", &text[from..o], &line[o - from + 1..]);
            let fixed = fixed.trim();
            d.message = "invalid TOML: a stray `{` before a value".to_owned();
            d.span = span_of(o..o + 1);
            d.label = "this `{` opens an inline table of `key = value` pairs".to_owned();
            d.help = if shown_safely(fixed) && !u.secret && !may_be_credential(line) {
                format!("remove the `{{`: `{fixed}`")
            } else {
                "remove the `{`".to_owned()
            };
            d.labels.clear();
            return d;
        }
        let (noun, open, close) = if u.open.1 == b'[' {
            ("array", '[', ']')
        } else {
            ("inline table", '{', '}')
        };
        let closers: String = (u.closers.iter().rev())
            .map(|&b| if b == b'[' { ']' } else { '}' })
            .chain(u.then_comma.then_some(','))
            .collect();
        // Line numbers are the file's when `text` is the whole file.
        let line_of = |at: usize| (base == 0).then(|| text[..at].matches('\n').count() + 1);
        d.message = match line_of(u.open.0) {
            Some(n) => {
                format!("invalid TOML: unclosed {noun}: the `{open}` on line {n} has no `{close}`")
            }
            None => format!("invalid TOML: unclosed {noun}: a `{open}` has no `{close}`"),
        };
        d.span = span_of(u.open.0..u.open.0 + 1);
        d.label = format!("this `{open}` has no `{close}`");
        let at = u.after.as_ref().map_or(u.open.0 + 1, |a| a.end);
        d.help = match u.after.as_ref().map(|a| &text[a.clone()]) {
            Some(last) if shown_safely(last) && !u.secret => {
                format!("add `{closers}` after `{last}`")
            }
            Some(_) => match line_of(at) {
                Some(n) => {
                    format!("add `{closers}` at the end of the {noun}'s last item, on line {n}")
                }
                None => format!("add `{closers}` at the end of the {noun}'s last item"),
            },
            None => format!("add `{closers}` right after the `{open}`"),
        };
        // The header met below the array may be left open too (`[service.s2`).
        let from = line_start_of(text, start);
        let below = strip(text[from..].lines().next().unwrap_or_default()).trim_end();
        if below.starts_with('[') && !below.ends_with(']') {
            let n = line_of(from)
                .map(|n| format!(" on line {n}"))
                .unwrap_or_default();
            d.help += &if shown_safely(below) {
                format!(", and `]` at the end of the header{n}: `{below}]`")
            } else {
                format!(", and `]` at the end of the header{n}")
            };
        }
        d.labels.clear();
        return d.with(span_of(at..at), format!("`{closers}` goes here"));
    }
    if d.message.contains("unclosed") || rest.trim().is_empty() {
        // A one-line string left open inside the brackets (the parser finds them, not the
        // string, unclosed), in a table header, or on the last line of a file with no final
        // line break: the string is what is unclosed.
        if let Err(open) = open_brackets(text, statement_start(text, start), start)
            && let q @ (b'"' | b'\'') = text.as_bytes()[open]
            && !text[open..].starts_with(if q == b'"' { "\"\"\"" } else { "\'\'\'" })
        {
            let eol = open + text[open..].find('\n').unwrap_or(text.len() - open);
            let eol = if text[..eol].ends_with('\r') {
                eol - 1
            } else {
                eol
            };
            return string_not_closed(d, text, eol, q as char, span_of);
        }
    }
    if start == text.len() && end == start {
        // At the end of the file (a string left open to the end): past the last line break,
        // shown at the end of the last line, which editors and snippets have, with where the
        // string opens.
        if text.ends_with('\n') {
            let at = text.len() - if text.ends_with("\r\n") { 2 } else { 1 };
            d.span = span_of(at..at);
        }
        // A multi-line string left open runs to the end of the file; inside an array or an
        // inline table the parser finds the bracket, not the string, unclosed there.
        let bracket =
            d.message.contains("unclosed array") || d.message.contains("unclosed inline table");
        if d.message.contains("multi-line") || bracket {
            let open = crate::parse::lines::open_string(text)
                .and_then(|o| Some((o, text.get(o..o + 3)?)))
                .filter(|(_, q)| matches!(*q, "\"\"\"" | "'''"));
            if let Some((o, q)) = open {
                d.message = match base {
                    0 => {
                        let n = text[..o].matches('\n').count() + 1;
                        format!(
                            "invalid TOML: multi-line string not closed: the `{q}` on line {n} has no end"
                        )
                    }
                    _ => format!("invalid TOML: multi-line string not closed: a `{q}` has no end"),
                };
                d.label = "the file ends inside the string".to_owned();
                // Closed at the end of the file, it would hold every line after it.
                let lines = text[o..].trim_end().matches('\n').count();
                d.help = match (bracket, lines) {
                    (true, _) => format!(
                        "close the string with `{q}` where its text ends, then the brackets around it"
                    ),
                    (false, 0) => format!("close the string with `{q}`"),
                    (false, 1) => format!(
                        "close the string with `{q}` where its text ends: the line below it is read into it"
                    ),
                    (false, n) => format!(
                        "close the string with `{q}` where its text ends: the {n} lines below it are read into it"
                    ),
                };
                d = d.with(span_of(o..o + 3), "the string opens here");
            }
        }
        return d;
    }
    if d.message.contains("duplicate key") {
        let from = line_start_of(text, start);
        let line = text[from..].lines().next().unwrap_or_default();
        let indent = indent_of(line);
        let code = strip(line).trim_end();
        if code.starts_with('[')
            && let Some(e) = toml::de::DeTable::parse_recoverable(code)
                .1
                .iter()
                .min_by_key(|e| e.span().map(|s| s.start))
        {
            // `[service.a}.instant_messaging]` below `[service.a]`: no table written twice,
            // a header that does not parse: told where it stops parsing.
            let at = from + indent + e.span().map_or(0, |s| s.start).min(code.len());
            let d = diagnostic(span_of(at..at), e.message());
            return common_mistake(d, text, at, span_of);
        }
        let d = duplicate_key(d, text, start, at, &span_of);
        return swallowed_header(d, text, start, &span_of);
    }
    if d.message.contains("string values must be quoted")
        && let Some((m, line, at)) = separated_numbers(text, start)
    {
        return m.told(d, line, span_of(at));
    }
    if d.message.contains("string values must be quoted")
        || taken_for_literal(&d.message, rest)
        || curly_quoted(rest).is_some()
    {
        return bare_value(d, text, start, at, &span_of);
    }
    if d.message.contains("expected newline") && rest.starts_with(',') {
        let from = line_start_of(text, start);
        let line = text[from..].lines().next().unwrap_or_default();
        let after = strip(&rest[1..rest.find('\n').unwrap_or(rest.len())]).trim();
        let eq = line.find('=').map(|i| from + i + 1);
        let code = strip(line).trim_end();
        // Where the line's code ends (`code` starts after the line's blanks).
        let code_end = from + indent_of(line) + code.len();
        d.span = span_of(start..start + 1);
        let uncomma = format!("{}{}", &text[from..start], &line[start - from + 1..]);
        if !after.is_empty() && parses(&uncomma) {
            // `name =, "Contoso"`.
            d.message = "invalid TOML: a stray `,`".to_owned();
            d.label = "no `,` here".to_owned();
            d.help = match shown_safely(uncomma.trim()) && !may_be_credential(line) {
                true => format!("remove it: `{}`", uncomma.trim()),
                false => "remove it".to_owned(),
            };
        } else if after.is_empty() {
            // `name = "Contoso",`: a JSON habit.
            d.message = "invalid TOML: a `,` after the value".to_owned();
            d.label = "no `,` here".to_owned();
            d.help = "remove the `,`: a TOML line holds one `key = value`, with nothing after it"
                .to_owned();
        } else if let Some(eq) = eq.filter(|&eq| eq <= code_end && code.ends_with(']'))
            && parses(&format!("{}[{}", &text[from..eq], &text[eq..code_end]))
        {
            // `transfers = "a", "b"]`: an array without its `[` (of arrays too,
            // `hours = [8, 12], [18, 20]]`).
            let fixed = format!("{} [{}", text[from..eq].trim(), text[eq..code_end].trim());
            d.message = "invalid TOML: an array without its opening `[`".to_owned();
            d.span = span_of(eq..eq);
            d.label = "`[` goes here".to_owned();
            d.help = match shown_safely(&fixed) && !may_be_credential(line) {
                true => format!("add `[` before the first item: `{fixed}`"),
                false => "add `[` before the first item".to_owned(),
            };
        } else {
            d.help = "TOML takes one `key = value` a line: put the next key on a line of its own (commas separate keys inside `{ … }` only)".to_owned();
        }
        return d;
    }
    common_mistake(d, text, start, span_of)
}

/// A key or table written twice: named, with its first definition labelled.
fn duplicate_key(
    mut d: Diagnostic,
    text: &str,
    start: usize,
    at: &str,
    span_of: &impl Fn(std::ops::Range<usize>) -> Span,
) -> Diagnostic {
    let line_start = line_start_of(text, start);
    let line = text[line_start..].lines().next().unwrap_or_default();
    let header = strip(line).trim_end();
    let first = first_definition(text, start, at);
    if let Some(first) = first.clone() {
        d = d.with(span_of(first), "first defined here");
        // A table defined twice: the second header is marked whole, as the first is.
        if header.starts_with('[') {
            let from = line_start + indent_of(line);
            d.span = span_of(from..from + header.len());
        }
    }
    if header.starts_with('[') {
        let shown = if shown_safely(header) {
            format!("`{header}`")
        } else {
            "this header".to_owned()
        };
        let second = match shown_safely(header) {
            true => format!("the second {shown}"),
            false => shown.clone(),
        };
        d.message = match shown_safely(header) {
            true => format!("invalid TOML: {shown} is written twice in this file"),
            false => "invalid TOML: a table is written twice in this file".to_owned(),
        };
        d.label = "written again here".to_owned();
        // First written as an inline table (`s1 = { … }` below `[service]`): nothing goes
        // under it, the keys go inside.
        let inline = first.as_ref().and_then(|r| {
            let value = text[r.end..].trim_start().strip_prefix('=')?;
            value
                .trim_start()
                .starts_with('{')
                .then(|| &text[r.clone()])
        });
        // First written with dotted keys (`s1.ou = …` below `[service]`): more of them.
        let dotted = first.as_ref().and_then(|r| {
            let key = text[r.clone()].trim_end();
            let (table, _) = key.rsplit_once('.').filter(|_| !key.starts_with('['))?;
            Some(table.trim_end())
        });
        d.help = match (inline, dotted) {
            (Some(key), _) if shown_safely(key) => format!(
                "merge the two: move the keys below {shown} into `{key} = {{ … }}` (a key set in both, once), and delete the header"
            ),
            // The dotted keys hold where the first is: above the next header, not here.
            (None, Some(table)) if shown_safely(table) => format!(
                "merge the two: move the keys below {shown} up beside the first definition (above the next header), as dotted keys like it, `{table}.KEY = …`, and delete {shown}"
            ),
            _ => format!(
                "merge the two: move the keys below {second} under the first, and delete the second header"
            ),
        };
    } else {
        let key = at.trim();
        // The table the key is in, when it starts its line (not inside an inline table).
        let table = first.is_some().then(|| {
            crate::parse::lines::top_level(&text[..line_start])
                .filter(|l| matches!(l.line, crate::parse::lines::Line::Header { .. }))
                .last()
                .map(|l| strip(text[l.text_start..].lines().next().unwrap_or_default()).trim_end())
        });
        let key = if !key.is_empty() && shown_safely(key) {
            format!("`{key}`")
        } else {
            "a key".to_owned()
        };
        d.message = match table {
            Some(Some(t)) if shown_safely(t) => {
                format!("invalid TOML: {key} is set twice in `{t}`")
            }
            Some(None) => format!("invalid TOML: {key} is set twice at the top of the file"),
            _ => format!("invalid TOML: {key} is set twice in one table"),
        };
        d.label = "set again here".to_owned();
        d.help = "a key is set once in a table: keep one of the two values and delete the other"
            .to_owned();
    }
    d
}

/// A list on one line mended: the key and its list, the list's place, the list alone, and
/// whether a `,` was missing between two of its items.
type MendedList = (String, std::ops::Range<usize>, String, bool);

/// `transfers = [billing, sales-team]`: a list on one line (a key's value, or one in an
/// inline table) whose items, some or all, are words without quotes, each quoted by the fix,
/// and a `,` put where only blanks part two items (`["sales-team" billing]`); `None` for any
/// other line, or one that may hold a credential.
fn bare_items(text: &str, start: usize) -> Option<MendedList> {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let col = start - line_start;
    if col > line.len() || may_be_credential(line) {
        return None;
    }
    let open = line[..col].rfind('[')?;
    let close = col + line[col..].find(']')?;
    let before = line[..open].trim_end().strip_suffix('=')?;
    let key = before
        .rsplit(['{', ','])
        .next()
        .map(str::trim)
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })?;
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !matches!(w, "true" | "false" | "nan" | "inf")
            && w.parse::<f64>().is_err()
    };
    let quoted = |w: &str| {
        w.len() >= 2
            && ((w.starts_with('"') && w.ends_with('"'))
                || (w.starts_with('\'') && w.ends_with('\'')))
            && !w[1..w.len() - 1].contains(['"', '\'', '\\'])
    };
    let (items, missing) = list_items(&line[open + 1..close])?;
    if !items.iter().any(|w| word(w)) || !items.iter().all(|w| word(w) || quoted(w)) {
        return None;
    }
    let mended: Vec<String> = (items.iter())
        .map(|w| {
            if word(w) {
                format!("\"{w}\"")
            } else {
                (*w).to_owned()
            }
        })
        .collect();
    let list = format!("[{}]", mended.join(", "));
    let whole_line = format!("{}{list}{}", &line[..open], &line[close + 1..]);
    if !parses(whole_line.trim_start_matches('\u{feff}').trim()) {
        return None;
    }
    let at = line_start + open..line_start + close + 1;
    Some((format!("{key} = {list}"), at, list, missing))
}

/// The items of a one-line list, parted by `,` or, where one is missing, by blanks (a quoted
/// item ends at its closing quote), with whether a `,` was missing; `None` for an empty item
/// (`[a,,b]`, `[,a]`) or text glued to a closing quote (`["a"b]`).
fn list_items(inside: &str) -> Option<(Vec<&str>, bool)> {
    let mut items = Vec::new();
    let mut missing = false;
    let mut after_item = false;
    let mut rest = inside.trim_start();
    while let Some(first) = rest.chars().next() {
        if first == ',' {
            if !after_item {
                return None;
            }
            after_item = false;
            rest = rest[1..].trim_start();
            continue;
        }
        missing |= after_item;
        let len = if first == '"' || first == '\'' {
            let len = 1 + rest[1..].find(first)? + 1;
            if !rest[len..].starts_with(|c: char| c.is_whitespace() || c == ',') && len < rest.len()
            {
                return None;
            }
            len
        } else {
            rest.find(|c: char| c.is_whitespace() || c == ',')
                .unwrap_or(rest.len())
        };
        items.push(&rest[..len]);
        after_item = true;
        rest = rest[len..].trim_start();
    }
    Some((items, missing))
}

/// A value written without quotes (or in curly ones, or in backticks): the quotes it needs, in
/// the form its key takes (a list, a variable's table for a secret), offered as a fix when
/// certain; the habits of other formats (`null`, a trailing `,`, a stray `:` or `=`, a lost
/// `{` or opening quote) told as such.
fn bare_value(
    mut d: Diagnostic,
    text: &str,
    start: usize,
    at: &str,
    span_of: &impl Fn(std::ops::Range<usize>) -> Span,
) -> Diagnostic {
    use values::Expect;
    if let Some((whole, at, list, missing)) = bare_items(text, start) {
        d.message = "invalid TOML: string values must be quoted".to_owned();
        d.label = "string values must be quoted".to_owned();
        let (help, title) = if missing {
            (
                "quote each item and separate them with `,`",
                "Quote the items and separate them",
            )
        } else {
            ("quote each item", "Quote the items")
        };
        d.help = format!("{help}: `{whole}`");
        return d.fix(span_of(at), list, title.to_owned());
    }
    let rest = &text[start..];
    // The bare value: what the parser marked, else up to the end of the value (a word the
    // parser began to read as `nan`, `inf`, `true` or `false`: `none`, `ie1`, `twilio`).
    let literal = taken_for_literal(&d.message, rest);
    let word = rest
        .split(['\n', '#', ',', ']', '}'])
        .next()
        .unwrap_or_default();
    // A shell's variable (`$NAME`, `${NAME}`) runs to a blank, braces and all; a value in
    // backticks to its closing one.
    let variable = rest
        .split(|c: char| c.is_whitespace() || c == '#')
        .next()
        .filter(|v| v.starts_with('$'));
    let value = match variable {
        Some(v) => v,
        None if at.trim().is_empty() || literal || word.starts_with('`') => word,
        None => at,
    };
    if literal {
        d.message = "invalid TOML: string values must be quoted".to_owned();
        d.label = "string values must be quoted".to_owned();
        d.span = span_of(start..start + word.trim_end().len());
    }
    // A `#` right after the word (`Team#1`, `C# Team`) is more likely part of the value
    // than a comment's start: the value runs to the line's end, and no fix guesses.
    // Quotes pasted from a word processor (`“support”`): the value is what they enclose.
    let curly = curly_quoted(rest);
    let hash_inside = curly.is_none()
        && !word.is_empty()
        && !word.ends_with(char::is_whitespace)
        && rest[word.len()..].starts_with('#');
    let value = if hash_inside {
        // Up to a comment after a space, which is one.
        let line = rest.split('\n').next().unwrap_or_default();
        let comment = (line.match_indices('#'))
            .find(|&(i, _)| i > 0 && line[..i].ends_with([' ', '\t']))
            .map_or(line.len(), |(i, _)| i);
        &line[..comment]
    } else if let Some(c) = &curly {
        &rest[..c.len]
    } else {
        value
    };
    let value = value.trim_end();
    // An INI comment after it is no part of it (`name = Sales Desk ; shown to agents`).
    let value = match curly {
        None => values::before_ini_comment(value),
        Some(_) => value,
    };
    if hash_inside {
        // The whole value, `#` and all, as the help names it.
        d.span = span_of(start..start + value.len());
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let col = (start - line_start).min(line.len());
    // Mended only as the value of a plain `key =` on its own line (not an item of an array
    // or a table spread over lines, whose key is out of sight), and never what may be a
    // credential: the fix's text is the value, as written.
    let key = (text[line_start..start].trim_start_matches('\u{feff}'))
        .trim_end()
        .strip_suffix('=')
        .map(str::trim);
    let plain_key = |k: &str| !k.is_empty() && !k.contains(['[', ']', '{', '}', ',', '=']);
    // A key of an inline table on this line (`instant_messaging = { channels = whatsapp }`):
    // in sight too.
    let inline_key = key
        .filter(|k| k.contains('{'))
        .and_then(|k| k.rsplit(['{', ',']).next())
        .map(str::trim)
        .filter(|k| plain_key(k));
    // (The whole text before the `=` still names what the value is, for the credential
    // check below: `api_key_secret = { value = …`.)
    let written_key = key;
    let key = inline_key.or(key);
    let plain = key.is_some_and(plain_key);
    // The key's parts, word by word (`api_key_secret`, `auth_token`, `password`), and
    // those of the table it sits in past the entity's id (`[connector.x.api_key_secret]`
    // above `value = …`; `api_key_secret.value = …`).
    // The last table header above, as the line scanner reads it (a line inside a multi-line
    // string is no header; a comment may follow; a byte order mark aside).
    let header: Vec<String> = crate::parse::lines::top_level(&text[..line_start])
        .filter_map(|l| match l.line {
            crate::parse::lines::Line::Header { path, .. } => Some(path),
            _ => None,
        })
        .last()
        .unwrap_or_default();
    let parts = (written_key.unwrap_or_default().split('.'))
        .chain(header.iter().skip(2).map(String::as_str));
    let shown_key = key.filter(|_| plain);
    let expect = shown_key.map_or(Expect::Text, values::expected);
    if value.is_empty() {
        // `ou =` and the line ends (or a comment starts): no value at all, nothing to quote.
        d.message = match shown_key {
            Some(k) => format!("invalid TOML: `{k}` has no value"),
            None => "invalid TOML: a value is missing".to_owned(),
        };
        d.label = "a value goes here".to_owned();
        let example = values::no_value_example(shown_key.unwrap_or("name"), expect);
        // IM may be written as a table of its own below the service's.
        let im_header = (expect == Expect::Table && shown_key == Some("instant_messaging"))
            .then(|| match header.as_slice() {
                [kind, id] if kind == "service" => Some(format!(
                    "[service.{}.instant_messaging]",
                    crate::diagnostic::toml_key(id)
                )),
                _ => None,
            })
            .flatten()
            .filter(|h| shown_safely(h));
        d.help = match im_header {
            Some(h) => format!(
                "write the value after `=`, e.g. `{example}`, or remove the key and write the keys below a `{h}` header"
            ),
            None => format!("write the value after `=`, e.g. `{example}`, or remove the key"),
        };
        return d;
    }
    // A line shown in a help only when short, with nothing shaped like a credential and no
    // credential's key.
    let showable = |l: &str| shown_safely(l) && !may_be_credential(l);
    if curly.is_none() {
        // A character whose removal mends the line: the line without it when it parses
        // alone, else nothing to show, when the file then parses past the line.
        let stray = |at: usize| match values::without_char(line, at) {
            Some(mended) => Some(Some(mended).filter(|m| showable(m))),
            None => values::parses_past(text, line_start + at..line_start + at + 1, "", line_end)
                .then_some(None),
        };
        // A stray `:` or `=` after the `=` (`transfers = :["b"]`, `parent =: "x"`).
        if let Some(c) = rest.chars().next().filter(|c| matches!(c, ':' | '='))
            && let Some(mended) = stray(col)
        {
            d.message = format!("invalid TOML: a stray `{c}` after `=`");
            d.label = format!("stray `{c}`");
            d.span = span_of(start..start + 1);
            d.help = match mended {
                Some(m) => format!("remove the `{c}`: `{m}`"),
                None => format!("remove the `{c}`"),
            };
            return d;
        }
        // A stray `=` inside the key (`tran=sfers = ["b"]`): the line parses without it.
        let eq = text[line_start..start].rfind('=');
        if let Some(eq) = eq
            && line[eq + 1..].contains('=')
            && !line[eq + 1..].starts_with(char::is_whitespace)
            && let Some(mended) = stray(eq)
        {
            d.message = "invalid TOML: a stray `=` inside the key".to_owned();
            d.label = "stray `=`".to_owned();
            d.span = span_of(line_start + eq..line_start + eq + 1);
            d.help = match mended {
                Some(m) => format!("remove the `=`: `{m}`"),
                None => "remove the `=` inside the key".to_owned(),
            };
            return d;
        }
        // A table's keys spread over lines with the `{` lost (`instant_messaging =` then
        // `channels = [` …): the file parses past the line with it.
        let keys = line[col..].split_once('=').is_some_and(|(k, _)| {
            let k = k.trim();
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        });
        if keys
            && matches!(expect, Expect::Table | Expect::Secret)
            && !line[col..].contains(['{', '}'])
            && values::parses_past(text, start..start, "{ ", line_end)
        {
            d.message = "invalid TOML: `{` missing before the inline table".to_owned();
            d.label = "`{` goes here".to_owned();
            d.span = span_of(start..start);
            d.help = "add `{` before the table's keys".to_owned();
            return d;
        }
        // An inline table that lost its `{` (`api_key_secret = env = "X" }`).
        let body = line[col..].trim();
        if body.ends_with('}') && !body.contains('{') {
            let mended = format!("{} {{ {body}", line[..col].trim_end());
            if values::parses(&mended) {
                d.message = "invalid TOML: `{` missing before the inline table".to_owned();
                d.label = "`{` goes here".to_owned();
                d.span = span_of(start..start);
                // A variable's table for a secret may be shown: it holds a name only.
                let env_only = body.starts_with("env") && !body.contains(',');
                d.help = if shown_safely(body) && (env_only || !may_be_credential(line)) {
                    format!("add `{{` before the table's keys: `{mended}`")
                } else {
                    "add `{` before the table's keys".to_owned()
                };
                return d;
            }
        }
        // `null`, `None`: TOML has no value for "nothing".
        let tail = line[col + value.len().min(line.len() - col)..]
            .split('#')
            .next()
            .unwrap_or_default();
        // (`none` is a value of `user_assignment`, and a level of `[lints]`.)
        let takes_none = shown_key.is_some_and(|k| k.ends_with("user_assignment"))
            || header.first().is_some_and(|h| h == "lints");
        if values::is_null(value) && !takes_none && tail.trim().is_empty() {
            d.message = format!("invalid TOML: `{value}` is not a TOML value");
            d.label = "TOML has no null".to_owned();
            d.span = span_of(start..start + value.len());
            d.help = if shown_key.is_some() {
                "TOML has no null: remove the key to leave it unset".to_owned()
            } else {
                "TOML has no null: remove the value".to_owned()
            };
            return d;
        }
        // `True`, `FALSE`: Python's or another language's booleans, lower-case in TOML.
        let next = tail.trim_start();
        // (Not for a key nimbus-lint reads: none takes a boolean, and a string's is quoted.)
        if matches!(value, "True" | "False" | "TRUE" | "FALSE")
            && (next.is_empty() || next.starts_with([',', '}', ']']))
            && !shown_key.is_some_and(known_key)
        {
            let lower = value.to_ascii_lowercase();
            d.message = format!("invalid TOML: `{value}` is not a TOML value");
            d.label = "TOML's booleans are lower-case".to_owned();
            d.span = span_of(start..start + value.len());
            d.help = match shown_key {
                Some(k) => format!("write it in lower case: `{k} = {lower}`"),
                None => format!("write it in lower case: `{lower}`"),
            };
            d.labels.clear();
            return d.fix(
                span_of(start..start + value.len()),
                lower.clone(),
                format!("Write `{lower}`"),
            );
        }
    }
    // A value in Markdown backticks (`` `Fabrikam` ``), or with its closing quote alone
    // (`twilio"`): what the quotes go around.
    let ticked = curly
        .is_none()
        .then(|| values::in_backticks(value))
        .flatten();
    let unopened = (curly.is_none() && ticked.is_none() && value.ends_with('"'))
        .then(|| &value[..value.len() - 1])
        .filter(|v| !v.is_empty() && !v.contains(['"', '\'']));
    if ticked.is_some() || unopened.is_some() {
        d.span = span_of(start..start + value.len());
    }
    // Certain only when the quotes make the whole line parse: not when more follows on it
    // (`Sales "A" Team`, `x = y`, `sales,`), where the parser marked a first word only.
    // (Without the `\r` of a CRLF line end, which alone is no TOML.)
    let after = text[(start + value.len()).min(line_end)..line_end].trim_end_matches('\r');
    // What the quotes enclose: the value, or the text between curly quotes. Where the parser
    // read a first word only (`Sales, Inc. [EU]`, `http://x/?id=42`, `Sales = Team`), the
    // example quotes the line's rest up to a comment, unless another key starts there.
    let inner: &str = match (&curly, ticked, unopened) {
        (Some(c), _, _) => &c.inner,
        (_, Some(t), _) => t,
        (_, _, Some(u)) => u,
        _ => value,
    };
    // (In an inline table, up to the next pair or the table's end.)
    let more = match inline_key {
        Some(_) => after.split([',', '}']).next(),
        None => Some(values::before_ini_comment(
            after.split('#').next().unwrap_or_default(),
        )),
    };
    let more = more.unwrap_or_default().trim_end();
    let whole;
    let shown = if curly.is_none() && ticked.is_none() && unopened.is_none() && !more.is_empty() {
        let joined = format!("{value}{more}");
        // Another key after it: the value ends before it (and the `,` between them).
        whole = match values::another_key_at(&joined) {
            Some(k) => joined[..k].trim_end().trim_end_matches(',').to_owned(),
            None => joined,
        };
        whole.as_str()
    } else {
        inner
    };
    // A `,` or `;` ending the line is a JSON or JavaScript habit: not part of the value.
    let unpunctuated = values::without_end_punctuation(shown);
    let shown = unpunctuated.unwrap_or(shown);
    // A credential's key, or its shape anywhere in what the example would show.
    let secret = parts
        .flat_map(|p| p.trim().trim_matches(['"', '\'']).split(['_', '-', ' ']))
        .any(crate::rules::secret_in_config::names_a_credential)
        || (shown.split(|c: char| !c.is_ascii_alphanumeric()))
            .any(crate::rules::secret_in_config::is_secret_shaped)
        || value.contains('\n');
    // `env = $NAME` in a secret's table: the variable's name, without `$`.
    let secret_table = header.last().is_some_and(|h| h == "api_key_secret")
        || written_key.is_some_and(|k| k.replace(' ', "").ends_with("api_key_secret={env"));
    if let Some(k) = shown_key.filter(|k| {
        (*k == "env" && secret_table) || k.replace(' ', "").ends_with("api_key_secret.env")
    }) && let Some(name) = values::env_name(value)
    {
        let written = values::basic(name);
        d.help = format!("a variable is named without `$`: `{k} = {written}`");
        let span = span_of(start..start + value.len());
        return d.fix(span, written, "Name the variable without `$`");
    }
    // An item, or a value inside `{ … }`, with its closing quote alone: its line with the
    // opening quote added, when that parses.
    let line_example = (unopened.is_some() && shown_key.is_none())
        .then(|| format!("{}\"{}", &line[..col], &line[col..]))
        .filter(|l| values::parses(l) && shown_safely(l.trim()) && !may_be_credential(line))
        .map(|l| l.trim().to_owned());
    // The user's own key and value, quoted in the form of the key, unless it may be a
    // credential or is long; a secret's example names a variable only.
    let example = match shown_key {
        Some(k) if matches!(expect, Expect::Secret | Expect::Table) => {
            let v = match expect {
                Expect::Table => "{}".to_owned(),
                _ => values::value_for(expect, shown),
            };
            format!("{k} = {v}")
        }
        Some(k) if !secret && shown.chars().count() <= 40 => {
            format!("{k} = {}", values::value_for(expect, shown))
        }
        Some(k) if expect == Expect::List => format!("{k} = [\"…\"]"),
        Some(k) => format!("{k} = \"…\""),
        None if (curly.is_some() || ticked.is_some()) && !secret && shown_safely(inner) => {
            values::basic(inner)
        }
        None if unopened.is_some() => line_example.clone().unwrap_or_default(),
        None => "\"…\"".to_owned(),
    };
    // Shown only when it parses: else the same in words.
    let example = (shown_key.is_none() || values::parses(&example))
        .then_some(example)
        .filter(|e| !e.is_empty());
    let quote = |words: &str| match &example {
        Some(e) => format!("{words}: `{e}`"),
        None => words.to_owned(),
    };
    d.help = match (expect, shown_key) {
        (Expect::Secret, Some(k)) => match values::env_name(shown) {
            Some(_) => quote(&format!("`{k}` names its variable in a table, without `$`")),
            None => quote(&format!(
                "`{k}` is never written in the file: name the environment variable that holds it"
            )),
        },
        (Expect::List, Some(k)) => quote(&format!("`{k}` takes a list of strings")),
        (Expect::Table, Some(k)) => quote(&format!("`{k}` takes a table")),
        _ if unpunctuated.is_some() => {
            let p = if format!("{value}{more}").trim_end().ends_with(';') {
                ';'
            } else {
                ','
            };
            quote(&format!(
                "text values are written in quotes, and a line ends with no `{p}`"
            ))
        }
        _ => quote("text values are written in quotes"),
    };
    if ticked.is_some() {
        d.message = "invalid TOML: backticks are not TOML quotes".to_owned();
        d.label = "backticks".to_owned();
        if expect == Expect::Text {
            d.help = quote("use straight quotes");
        }
    }
    if unopened.is_some() {
        d.message = "invalid TOML: `\"` missing at the start of the value".to_owned();
        d.label = "the value ends with `\"` but does not start with one".to_owned();
        d.help = match &example {
            Some(_) => quote("a string opens with `\"` as it closes"),
            None => "a string opens with `\"` as it closes: add `\"` before the value".to_owned(),
        };
        if line_example.is_some() {
            d = d.fix(span_of(start..start), "\"", "Add the opening quote");
        }
        if expect == Expect::List {
            d.help = quote(&format!(
                "a string opens with `\"` as it closes, and `{}` takes a list",
                shown_key.unwrap_or_default()
            ));
        }
    }
    if let Some(c) = &curly {
        let kind = match c.open {
            '«' | '»' | '‹' | '›' => "guillemets",
            '＂' | '″' => "quotes",
            _ => "curly quotes",
        };
        d.message = match c.close {
            Some(close) if close == c.open => {
                format!("invalid TOML: {kind} {close} are not TOML quotes")
            }
            Some(close) if !matches!(close, '"' | '\'') => format!(
                "invalid TOML: {kind} {} {close} are not TOML quotes",
                c.open
            ),
            _ => format!(
                "invalid TOML: the curly quote {} is not a TOML quote",
                c.open
            ),
        };
        d.label = kind.to_owned();
        d.span = span_of(start..start + value.len());
        // A key of another form keeps the help that tells it.
        if expect == Expect::Text {
            d.help = quote("use straight quotes");
        }
    }
    let written = values::value_for(expect, inner);
    // (An INI comment after the value is mended next, as its own fix.)
    let mended = |key: &str| {
        let after = values::ini_comment_as_toml(after);
        values::parses(&format!("{key} = {written}{after}"))
    };
    // A secret's fix writes a variable's name only, from `$NAME`.
    let sure = !secret || (expect == Expect::Secret && values::env_name(inner).is_some());
    if curly.is_some() {
        // Every value of the line in curly quotes straightened at once: certain when the
        // line then parses.
        if let Some((end, straight)) = straighten(line, col)
            && !secret
            && values::parses(&format!("{}{straight}{}", &line[..col], &line[end..]))
        {
            d = d.fix(
                span_of(start..line_start + end),
                straight,
                "Use straight quotes",
            );
        }
    } else if plain
        && sure
        && !hash_inside
        && unpunctuated.is_none()
        && expect != Expect::Table
        && key.is_some_and(mended)
    {
        let title = match expect {
            Expect::List => "Put the value in a list".to_owned(),
            Expect::Secret => format!("Write `{written}`"),
            _ if ticked.is_some() => "Use straight quotes".to_owned(),
            _ => "Put the value in quotes".to_owned(),
        };
        d = d.fix(span_of(start..start + value.len()), written, title);
    }
    d
}

/// The common mistakes the parser names in its own terms, told in the user's: a string not
/// closed on its line, `key: value`, a `//` comment, `==`, an extra `]` after a header, a
/// backslash that is no escape, a space in a header's id, a header left open, a missing comma
/// between items, a JSON or YAML file. Anything else keeps the parser's words.
fn common_mistake(
    mut d: Diagnostic,
    text: &str,
    start: usize,
    span_of: impl Fn(std::ops::Range<usize>) -> Span,
) -> Diagnostic {
    let rest = &text[start..];
    let line_start = line_start_of(text, start);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let code = strip(line).trim_end();
    let message = d.message.clone();
    let mut set = |m: String, label: &str, help: String| {
        d.message = format!("invalid TOML: {m}");
        d.label = label.to_owned();
        d.help = help;
    };
    if let Some((format, first)) = foreign_format(text) {
        d.span = span_of(first);
        d.message = format!("this file looks like {format}, not TOML");
        d.label = format!("{format} starts here");
        d.help = "nimbus-lint reads TOML: write each entity as a table header with `key = value` lines below it, e.g. `[service.sales-ivr]` then `ou = \"sales\"`".to_owned();
        return d;
    }
    if let Some(m) =
        header_mistake(start, line_start, line).or_else(|| stray_quote(line_start, line))
    {
        let at = span_of(m.at.clone());
        return m.told(d, line, at);
    }
    let string =
        message.contains("invalid basic string") || message.contains("invalid literal string");
    if string && (rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n")) {
        let q = if message.contains("basic") { '"' } else { '\'' };
        return string_not_closed(d, text, start, q, span_of);
    } else if (message.contains("invalid unquoted key") || message.contains("key with no value"))
        && rest.starts_with(':')
    {
        let key = text[line_start..start].trim();
        let value = &line[start - line_start + 1..];
        let unquoted = strip(value).trim_end();
        if unquoted.contains('=') || key.is_empty() {
            // `pare:nt = "x"`, `name: = "x"`: a stray `:`, the line has its `=`.
            let fixed = format!("{}{value}", &text[line_start..start]);
            let shown = !fixed.trim().is_empty() && shown_safely(fixed.trim());
            let help = match parses(&fixed) && shown && !may_be_credential(line) {
                true => format!("remove it: `{}`", fixed.trim()),
                false => "remove it".to_owned(),
            };
            set("a stray `:`".to_owned(), "stray `:`", help);
        } else if let Some((end, list)) = unquoted
            .is_empty()
            .then(|| yaml_items(text, line_end))
            .flatten()
        {
            // `transfers:` then `  - billing` lines: a YAML list.
            let fixed = format!("{key} = {list}");
            let help = match shown_safely(&fixed) && !may_be_credential(line) {
                true => format!("TOML writes `key = value`, a list in `[ ]`: `{fixed}`"),
                false => "TOML writes `key = value`, a list in `[ ]`".to_owned(),
            };
            set(
                "a list written as in YAML".to_owned(),
                "`=` goes here",
                help,
            );
            d.span = span_of(start..start + 1);
            if !may_be_credential(line) {
                d = d.fix(
                    span_of(start..end),
                    format!(" = {list}"),
                    "Write the list in `[ ]`",
                );
            }
            return d;
        } else {
            // `ou: "x"` and JSON's `"ou": "x",` (a comma after it is no TOML either).
            let value = value.trim_end();
            let value = value
                .strip_suffix(',')
                .filter(|v| parses(&format!("{key} ={v}")))
                .unwrap_or(value);
            let shown = format!("{key} ={value}");
            let help = if shown_safely(&shown) && !may_be_credential(line) && parses(&shown) {
                format!("TOML writes `key = value`: `{shown}`")
            } else {
                "TOML writes `key = value`: replace `:` with ` =`".to_owned()
            };
            set("`:` after a key".to_owned(), "`=` goes here", help);
        }
        d.span = span_of(start..start + 1);
    } else if rest.starts_with("//") {
        set(
            "`//` does not start a comment".to_owned(),
            "not a comment",
            "comments start with `#`: replace `//` with `#`".to_owned(),
        );
        d.span = span_of(start..start + 2);
    } else if rest.starts_with(';')
        && let Some(m) = semicolon(line, start - line_start, eol_of(text, line_end))
    {
        set(m.message, &m.label, m.help);
        d.span = span_of(start..start + 1);
        if let Some((r, with, title)) = m.fix {
            d = d.fix(
                span_of(line_start + r.start..line_start + r.end),
                with,
                title,
            );
        }
    } else if message.contains("extra `=`") {
        set(
            "extra `=`".to_owned(),
            "extra `=`",
            "remove the extra `=`: TOML writes `key = value`".to_owned(),
        );
        d.span = span_of(start..start + 1);
    } else if rest.starts_with(']') && code.starts_with('[') && !code.starts_with("[[") {
        let header = code.trim_end_matches(']').to_owned() + "]";
        let help = if shown_safely(&header) {
            format!("remove the extra `]`: `{header}`")
        } else {
            "remove the extra `]`".to_owned()
        };
        set(
            "extra `]` after the table header".to_owned(),
            "extra `]`",
            help,
        );
        d.span = span_of(start..start + rest.len() - rest.trim_start_matches(']').len());
    } else if (message.contains("missing escaped value") || message.contains("invalid escape"))
        && text[..start].ends_with('\\')
        && rest.starts_with('"')
        && open_quote(&line[start - line_start + 1..], '"').is_none()
        && !line[start - line_start + 1..].contains('"')
    {
        // `"contoso\"`: a valid escape, and no quote after it closes the string.
        return string_not_closed(d, text, line_start + line.len(), '"', span_of);
    } else if let Some(bs) = (text[..start].ends_with('\\')
        && (message.contains("missing escaped value") || message.contains("invalid escape")))
    .then(|| start - 1)
    .or_else(|| {
        // `"C:\Users"`: a Windows path read as `\U` and eight hex digits.
        let before = &text[line_start..start];
        (message.contains("unicode"))
            .then(|| {
                before
                    .rfind(['\\'])
                    .filter(|&i| before[i..].starts_with(['\\']))
            })
            .flatten()
            .filter(|&i| matches!(before.as_bytes().get(i + 1), Some(b'u' | b'U')))
            .map(|i| line_start + i)
    }) {
        let escape: String = text[bs..].chars().take(2).collect();
        let unicode = bs + 1 != start;
        let help = match string_at(line, bs + 1 - line_start) {
            Some(content) if shown_safely(content) && !may_be_credential(line) && !content.contains(['\'', '"']) => format!(
                "write `\\\\` for a backslash: `\"{}\"`, or use a literal string: `'{content}'`",
                content.replace('\\', "\\\\")
            ),
            _ => "write `\\\\` for a backslash, or put the text in a literal string: `'…'` (no escapes there)".to_owned(),
        };
        let what = match unicode {
            true => format!("`{escape}` starts a unicode escape, with no hex digits after it"),
            false => format!("`{escape}` is not an escape"),
        };
        set(what, "not an escape", help);
        d.span = span_of(bs..bs + escape.len());
    } else if message.contains("unclosed table") && code.starts_with('[') {
        let after = &line[start - line_start..];
        let inside = code.trim_start_matches('[');
        if let Some(close) = inside.find(']').filter(|_| after.starts_with([' ', '\t'])) {
            // `[service.sales bot]`: a space inside an id.
            let ids = &inside[..close];
            let dashed: String = ids
                .split('.')
                .map(|p| p.split_whitespace().collect::<Vec<_>>().join("-"))
                .collect::<Vec<_>>()
                .join(".");
            let seg_start = text[line_start..start]
                .rfind(['.', '['])
                .map_or(start, |i| line_start + i + 1);
            let seg_end = line[start - line_start..]
                .find(['.', ']'])
                .map_or(line_end, |i| start + i);
            // `[service sales-ivr]`: the space stands for the `.` after an entity's kind.
            let first = ids.split('.').next().unwrap_or_default();
            let kind = first.split_whitespace().next().filter(|k| {
                first.trim() != *k && crate::model::Kind::ALL.iter().any(|c| c.key() == *k)
            });
            if let Some(k) = kind {
                let id = &ids[ids.find(k).map_or(0, |i| i + k.len())..];
                let id: String = (id.split('.'))
                    .map(|p| p.split_whitespace().collect::<Vec<_>>().join("-"))
                    .collect::<Vec<_>>()
                    .join(".");
                let header = format!("[{k}.{id}]");
                let help = match shown_safely(&header) {
                    true => format!("write `{header}`"),
                    false => format!("write `.` after `{k}`"),
                };
                set(
                    format!("a space where `.` goes after `{k}`"),
                    "`.` goes here",
                    help,
                );
                let at = code
                    .find(k)
                    .map_or(start, |i| line_start + indent_of(line) + i + k.len());
                let blanks = text[at..].len() - text[at..].trim_start().len();
                d.span = span_of(at..at + blanks);
                return d;
            }
            let help = if shown_safely(&dashed) {
                format!("write `[{dashed}]`")
            } else {
                "join its words with `-`".to_owned()
            };
            set(
                "ids cannot contain spaces".to_owned(),
                "a space in this id",
                help,
            );
            d.span = span_of(
                seg_start
                    + (text[seg_start..seg_end].len() - text[seg_start..seg_end].trim_start().len())
                    ..seg_start + text[seg_start..seg_end].trim_end().len(),
            );
        } else if !inside.contains(']') {
            let help = if shown_safely(code) {
                format!("add `]` at the end of the header: `{code}]`")
            } else {
                "add `]` at the end of the header".to_owned()
            };
            set(
                "table header without its closing `]`".to_owned(),
                "`]` goes here",
                help,
            );
        }
    } else if message.contains("unclosed array table") && code.starts_with("[[") {
        // `[[service.y]`, `[[service.y`: no entity is an array of tables.
        let inside = code.trim_start_matches('[').trim_end_matches(']');
        let entity = (inside.split_once('.')).is_some_and(|(kind, _)| {
            crate::model::Kind::ALL
                .iter()
                .any(|k| k.key() == kind.trim())
        });
        let (header, words) = match entity {
            true => (format!("[{inside}]"), "an entity is one table: write"),
            false => (format!("[[{inside}]]"), "close it with `]]`:"),
        };
        let help = match shown_safely(&header) {
            true => format!("{words} `{header}`"),
            false if entity => "an entity is one table: write its header in `[ ]`".to_owned(),
            false => "close it with `]]`".to_owned(),
        };
        set(
            "array-of-tables header without its closing `]]`".to_owned(),
            "`]]` expected here",
            help,
        );
    } else if message.contains("missing comma between") {
        let from = statement_start(text, start);
        let array = message.contains("array elements");
        let listed = reach(text, from, start..start, ",");
        let quoted = quote_repair(text, from, line_start, line_end, start)
            .filter(|&(r, ..)| r > listed.max(start));
        let q = text[..start]
            .chars()
            .next_back()
            .filter(|c| matches!(c, '"' | '\''));
        let cut = q.filter(|_| array).and_then(|q| {
            let (moved, split) = cut_word(text, line_start, line_end, start - 1..start)?;
            // The mended lines shown when safe to show: each in its own words otherwise.
            let shown = |l: Option<String>, words: &str| {
                l.map(|l| match shown_safely(&l) && !may_be_credential(line) {
                    true => format!("{words}: `{l}`"),
                    false => words.to_owned(),
                })
            };
            let moved = shown(moved, &format!("move the `{q}` after the word"));
            let split = shown(split, "separate them with `,` and quote each");
            Some((q, moved, split))
        });
        if let Some((q, moved, split)) = cut {
            // `["sales-te"am]`, `["sales-team"billing]`: a word runs on after the quote.
            let (message, help) = match (moved, split) {
                (Some(moved), Some(split)) => (
                    format!("a word runs on after the string's closing `{q}`"),
                    format!("if these are two items, {split}; if one, {moved}"),
                ),
                (Some(moved), None) => (
                    format!("a `{q}` inside a word ends the string early"),
                    match q {
                        '"' => format!("{moved}, or write `\\\"` for a quote inside the string"),
                        _ => moved,
                    },
                ),
                (None, split) => (
                    "missing comma between array items".to_owned(),
                    split.unwrap_or_default(),
                ),
            };
            set(message, &format!("this `{q}` ends the string"), help);
            d.span = span_of(start - 1..start);
            return d;
        }
        if let Some(m) = wrong_separator(text, from, start, line_start, line_end, array)
            .filter(|&(r, _)| r > listed.max(start) && quoted.as_ref().is_none_or(|q| r >= q.0))
            .map(|(_, m)| m)
        {
            // `["a"; "b"]`: a separator of another language; a quote removed would only move
            // the error to the next item.
            let at = span_of(line_start + m.at.start..line_start + m.at.end);
            return m.told(d, line, at);
        }
        // The key of the statement, and whether it takes one string (`name = ["Sales" "IVR"]`):
        // a list is wrong there too.
        let key = (text[from..].split_once('=')).map_or("", |(k, _)| k.trim());
        let string_key = known_key(key) && values::expected(key) == values::Expect::Text;
        if quoted.is_none() && listed > start {
            if array && string_key {
                set(
                    "missing comma between array items".to_owned(),
                    "`,` goes before this item",
                    format!(
                        "`{key}` takes one string, not a list: write the value in quotes alone"
                    ),
                );
            } else if array {
                set(
                    "missing comma between array items".to_owned(),
                    "`,` goes before this item",
                    "separate the items with `,`".to_owned(),
                );
            } else {
                set(
                    "missing comma between the keys of an inline table".to_owned(),
                    "`,` goes before this key",
                    "separate the `key = value` pairs of `{ … }` with `,`".to_owned(),
                );
            }
            // Right after the item before, as it would have been written, unless a comment
            // follows it there.
            let after = text[..start].trim_end().len();
            let before = &text[line_start_of(text, after)..after];
            // (Not for a key that takes one string.)
            if strip(before).trim_end().len() == before.trim_start_matches('\u{feff}').trim().len()
                && !(array && string_key)
            {
                d = d.fix(
                    span_of(after..after),
                    ",".to_owned(),
                    "Add the missing `,`".to_owned(),
                );
            }
        } else if let Some((_, at, with)) = quoted {
            // No comma mends it: a quote missing or one too many does (`["a, "b"]`).
            let fixed = format!(
                "{}{with}{}",
                &text[line_start..at.start],
                &text[at.end..line_end]
            );
            let fixed = fixed.trim();
            let safe = shown_safely(fixed) && !may_be_credential(line);
            let q = if with.is_empty() {
                &text[at.clone()]
            } else {
                with
            };
            if with.is_empty() {
                set(
                    format!("a stray `{q}` ends a string early"),
                    &format!("this `{q}` ends the string"),
                    if safe {
                        format!(
                            "remove it: `{fixed}`, or write `\\{q}` for a quote inside the string"
                        )
                    } else {
                        format!("remove it, or write `\\{q}` for a quote inside the string")
                    },
                );
                d.span = span_of(at);
            } else {
                set(
                    format!("string not closed before the `,`: `{q}` missing"),
                    &format!("`{q}` goes here"),
                    if safe {
                        format!("close the string with `{q}`: `{fixed}`")
                    } else {
                        format!("close the string with `{q}` before the `,`")
                    },
                );
                d.span = span_of(at);
            }
        } else if let Some((whole, at, list, true)) = bare_items(text, start).filter(|_| array) {
            // `["sales-team" billing]`: a `,` missing and quotes too.
            set(
                "missing comma between array items".to_owned(),
                "`,` goes before this item",
                format!("separate the items with `,` and quote each: `{whole}`"),
            );
            d = d.fix(
                span_of(at),
                list,
                "Quote the items and separate them".to_owned(),
            );
        } else {
            let (what, close) = if array {
                ("an array item", ']')
            } else {
                ("a key of an inline table", '}')
            };
            set(
                format!("unexpected text after {what}"),
                &format!("`,` or `{close}` expected here"),
                format!(
                    "separate the items with `,` and close the brackets with `{close}`; check the quotes and brackets written before it"
                ),
            );
        }
    } else if let Some(what) = ["array", "inline table"]
        .into_iter()
        .find(|w| message.contains(&format!("extra comma in {w}")))
    {
        set(
            format!("extra comma in an {what}"),
            "one `,` too many",
            "remove the extra `,`".to_owned(),
        );
        if rest.starts_with(',') {
            d.span = span_of(start..start + 1);
        }
    } else if let Some((m, key)) =
        spaced_key(line, start - line_start).filter(|_| message.contains("key with no value"))
    {
        let at = span_of(line_start + m.at.start..line_start + m.at.end);
        d = m.told(d, line, at);
        if let Some(key) = key {
            let title = format!("Join the key's words: `{key}`");
            d = d.fix(at, key, title);
        }
        return d;
    } else if message.contains("unquoted keys cannot be empty") && code.starts_with('=') {
        // `= "x"`: the key left out.
        set(
            "a key is missing before `=`".to_owned(),
            "key missing here",
            "write the key's name before `=`, as in `name = \"Sales IVR\"`, or delete the line"
                .to_owned(),
        );
    } else if let Some(m) = (message.contains("expected newline")
        || message.contains("key with no value"))
    .then(|| {
        let newline = message.contains("newline");
        line_mended(line, start - line_start, newline)
            .or_else(|| joined_strings(line, start - line_start).filter(|_| newline))
            .or_else(|| quote_inside(line, start - line_start).filter(|_| newline))
    })
    .flatten()
    {
        let at = span_of(line_start + m.at.start..line_start + m.at.end);
        return m.told(d, line, at);
    }
    d
}

/// A `key words = value` line the parser stopped in at byte `e` of `line`, inside its key: a
/// space inside a key (`user assignment = "none"`), told with the line mended (the words joined
/// by `-` where that makes a rule code, by `_` otherwise), and the key joined when it is one
/// nimbus-lint reads (a fix: any other may be a word too many). The place (the key) is
/// relative to the line.
fn spaced_key(line: &str, e: usize) -> Option<(HeaderMistake, Option<String>)> {
    let (key, value) = line.split_once('=')?;
    let indent = indent_of(line);
    let words: Vec<&str> = key.split_whitespace().collect();
    let bare = |w: &&str| {
        w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
    };
    if words.len() < 2 || !(indent..key.len()).contains(&e) || !words.iter().all(bare) {
        return None;
    }
    let known = [words.join("_"), words.join("-")]
        .into_iter()
        .find(|k| crate::parse::is_known_key(k));
    let joined = known.clone().unwrap_or_else(|| words.join("_"));
    let fixed = format!("{joined} = {}", value.trim());
    let help = match known.is_some() {
        true => "join its words".to_owned(),
        false => "join its words with `_`".to_owned(),
    };
    parses(&fixed).then(|| {
        let mistake = HeaderMistake {
            message: "keys cannot contain spaces".to_owned(),
            label: "a space in this key".to_owned(),
            help,
            fixed,
            at: indent..key.trim_end().len(),
        };
        (mistake, known)
    })
}

/// A `key = "a" + "b"` line the parser stopped in at byte `e` of `line`, at a `+`: strings
/// joined as in another language, told with the line holding them as one string. The place
/// (of the first `+`) is relative to the line.
fn joined_strings(line: &str, e: usize) -> Option<HeaderMistake> {
    if !line.get(e..)?.starts_with('+') {
        return None;
    }
    let (key, value) = line.split_once('=')?;
    let mut rest = value.trim_start();
    let mut joined = String::new();
    loop {
        let q = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let len = rest[1..].find(q)?;
        let piece = &rest[1..1 + len];
        if piece.contains(['\\', '"']) {
            return None;
        }
        joined.push_str(piece);
        rest = rest[len + 2..].trim_start();
        match rest.strip_prefix('+') {
            Some(r) => rest = r.trim_start(),
            None if rest.is_empty() || rest.starts_with('#') => break,
            None => return None,
        }
    }
    let fixed = format!(
        "{}= \"{joined}\"",
        key.trim_start_matches('\u{feff}').trim_start()
    );
    parses(&fixed).then(|| HeaderMistake {
        message: "strings are not joined with `+`".to_owned(),
        label: "`+` joins nothing in TOML".to_owned(),
        help: "write the value as one string".to_owned(),
        fixed,
        at: e..e + 1,
    })
}

/// A `key = "value"` line the parser stopped in at byte `e` of `line`, just after a quote
/// inside the string that ended it early (`name = "The "Best" Team"`, `name = 'It's'`): the
/// quotes inside told, with the line mended (the quote removed when there is one, each
/// escaped, or the value in the other quotes). The place (of the first quote inside) is
/// relative to the line.
fn quote_inside(line: &str, e: usize) -> Option<HeaderMistake> {
    let (key, value) = line.split_once('=')?;
    let open = key.len() + 1 + (value.len() - value.trim_start().len());
    let q = line[open..]
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\''))?;
    if !line.get(..e)?.trim_end().ends_with(q) || line[open..].starts_with(&format!("{q}{q}{q}")) {
        return None;
    }
    // The value's closing quote: the first after the error with only blanks or a comment
    // after it (a comment may hold quotes).
    let close = (line.match_indices(q).map(|(i, _)| i)).find(|&i| {
        i > open && i >= e && {
            let after = line[i + 1..].trim_start();
            after.is_empty() || after.starts_with('#')
        }
    })?;
    let inner = &line[open + 1..close];
    let first = open + 1 + inner.find(q)?;
    let other = if q == '"' { '\'' } else { '"' };
    // Shown without the comment after it, if any.
    let mended = |value: String| {
        let l = format!(
            "{}= {value}",
            key.trim_start_matches('\u{feff}').trim_start()
        );
        parses(&format!("{l}{}", &line[close + 1..])).then_some(l)
    };
    let in_other = || {
        (!inner.contains([other, '\\']))
            .then(|| mended(format!("{other}{inner}{other}")))
            .flatten()
    };
    let (help, fixed) = if q == '\'' {
        let help = "a `'…'` string cannot hold a `'`: put the value in double quotes";
        (help, in_other()?)
    } else if inner.matches(q).count() == 1 {
        let help = "write `\\\"` for a quote inside the string, or remove it";
        (help, mended(format!("\"{}\"", inner.replacen(q, "", 1)))?)
    } else {
        let help =
            "write each quote inside the string as `\\\"`, or put the value in single quotes";
        (help, in_other()?)
    };
    Some(HeaderMistake {
        message: format!("a `{q}` inside the string ends it early"),
        label: format!("this `{q}` ends the string"),
        help: help.to_owned(),
        fixed,
        at: first..first + 1,
    })
}

/// A `key = value` line the parser stopped in at byte `e` of `line`, mended by one edit there:
/// a line break lost between two statements (`newline`: the parser expected the line to end),
/// a stray character, an `=` left out. The place is relative to the line.
fn line_mended(line: &str, e: usize, newline: bool) -> Option<HeaderMistake> {
    let c = line.get(e..)?.chars().next()?;
    let (before, after) = (line[..e].trim_end(), line[e..].trim());
    let removed = format!("{}{}", &line[..e], &line[e + c.len_utf8()..]);
    let keyed = format!("{} = {after}", line[..e].trim_end());
    let mistake = |message: String, label: &str, help: String, fixed: String, at| {
        Some(HeaderMistake {
            message,
            label: label.to_owned(),
            help,
            fixed,
            at,
        })
    };
    if newline && !before.is_empty() && parses(before) && parses(after) {
        // `ou = "x"connector = "c1"`, `[service.a]ou = "x"`.
        return mistake(
            "two statements on one line".to_owned(),
            "a line break goes here",
            "start what follows on a line of its own".to_owned(),
            after.to_owned(),
            e..e,
        );
    }
    if !c.is_alphanumeric() && !c.is_whitespace() && parses(&removed) {
        // `ou = "x";`, `t]ype = "twilio"`.
        return mistake(
            format!("a stray `{c}`"),
            "stray",
            "remove it".to_owned(),
            removed.trim().to_owned(),
            e..e + c.len_utf8(),
        );
    }
    if !newline && !after.is_empty() && parses(&keyed) {
        // `parent "acme"`.
        return mistake(
            format!("`=` missing after `{}`", before.trim()),
            "`=` goes here",
            "add it".to_owned(),
            keyed.trim().to_owned(),
            e..e,
        );
    }
    None
}

/// A mistake in a table header that the parser reports in its own words, told with the one
/// edit of the line that makes it parse: the message, the label, the help (the edited line
/// follows it), the place.
struct HeaderMistake {
    message: String,
    label: String,
    help: String,
    fixed: String,
    at: std::ops::Range<usize>,
}

impl HeaderMistake {
    /// `d` told this mistake at `span`, its mended line shown after the help when it may be
    /// (not empty, short, no credential on `line`).
    fn told(self, mut d: Diagnostic, line: &str, span: Span) -> Diagnostic {
        let shown = !self.fixed.is_empty() && shown_safely(&self.fixed) && !may_be_credential(line);
        d.message = format!("invalid TOML: {}", self.message);
        d.label = self.label;
        d.help = match shown {
            true => format!("{}: `{}`", self.help, self.fixed),
            false => self.help,
        };
        d.span = span;
        d
    }
}

/// A quote at the start of `line` (at `line_start` of the file) that no quote closes, before
/// a line that parses without it (`'ou = "x"`, `"[ou.a]`): a stray one.
fn stray_quote(line_start: usize, line: &str) -> Option<HeaderMistake> {
    let indent = indent_of(line);
    let q = line[indent..]
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\''))?;
    let rest = line[indent + 1..].trim_end();
    let stray = open_quote(line, q) == Some(indent) && parses(rest) && !parses(line);
    stray.then(|| HeaderMistake {
        message: format!("a stray `{q}` at the start of the line"),
        label: "stray quote".to_owned(),
        help: "remove it".to_owned(),
        fixed: rest.to_owned(),
        at: line_start + indent..line_start + indent + 1,
    })
}

/// The YAML list items (`  - billing`) on the lines after the one ending at `line_end` of
/// `text`: the end of the last one and the items as a TOML array, when every item is a plain
/// word or a quoted string and the array parses.
fn yaml_items(text: &str, line_end: usize) -> Option<(usize, String)> {
    let mut items = Vec::new();
    let mut end = line_end;
    for l in text[line_end..]
        .split_inclusive('\n')
        .skip(usize::from(text[line_end..].starts_with('\n')))
    {
        let Some(item) = l
            .trim()
            .strip_prefix("- ")
            .or(Some(l.trim()).filter(|t| *t == "-"))
        else {
            break;
        };
        let item = item.trim();
        let plain = !item.is_empty()
            && item
                .chars()
                .all(|c| c.is_alphanumeric() || "-_./@+".contains(c));
        let quoted = item.len() >= 2
            && (item.starts_with('"') && item.ends_with('"')
                || item.starts_with('\'') && item.ends_with('\''));
        match (plain, quoted) {
            (true, _) => items.push(values::basic(item)),
            (_, true) => items.push(item.to_owned()),
            _ => return None,
        }
        end += l.len();
    }
    let list = format!("[{}]", items.join(", "));
    let end = end.min(text.len());
    // Up to the last item's end, its line break kept.
    let end = text[..end].trim_end_matches(['\n', '\r']).len();
    (!items.is_empty() && parses(&format!("x = {list}"))).then_some((end, list))
}

/// What a `;` written as another language writes it means, and how it is mended.
struct Semicolon {
    message: String,
    label: String,
    help: String,
    /// The place in the line, its new text, the fix's title: only where certain.
    fix: Option<(std::ops::Range<usize>, String, String)>,
}

/// The `;` at byte `col` of `line` (whose line break is `eol`), read as what follows it says:
/// an INI comment (`; note`, `name = "x" ; note`), a C statement's end (`ou = "x";`), two
/// statements on one line (`type = "twilio"; region = "ie1"`), or a second value
/// (`transfers = "a"; "b"`, help only: which of a list or a comment is meant is the user's to
/// say). `None` when the text before it is not a whole statement.
fn semicolon(line: &str, col: usize, eol: &str) -> Option<Semicolon> {
    let (before, after) = (&line[..col], &line[col + 1..]);
    let rest = after.trim();
    let told = |message: &str, label: &str, help: String, fix| Semicolon {
        message: message.to_owned(),
        label: label.to_owned(),
        help,
        fix,
    };
    let comment = || {
        let fix = (
            col..col + 1,
            "#".to_owned(),
            "Start the comment with `#`".to_owned(),
        );
        let help = "comments start with `#`: replace `;` with `#`".to_owned();
        told(
            "`;` does not start a comment",
            "not a comment",
            help,
            Some(fix),
        )
    };
    if before.trim_start_matches('\u{feff}').trim().is_empty() {
        // `; note`, `;`: an INI file's comment line.
        return Some(comment());
    }
    if !parses(before) {
        return None;
    }
    let end = before.trim_end().len();
    if rest.is_empty() || rest.starts_with('#') {
        // `ou = "x";`: a statement ended as in C (the blanks before the `;` go with it when
        // nothing follows).
        let removed = if rest.is_empty() {
            end..line.len()
        } else {
            col..col + 1
        };
        let fix = (removed, String::new(), "Remove the `;`".to_owned());
        let help = "a line break ends a statement: remove the `;`".to_owned();
        return Some(told(
            "`;` does not end a statement in TOML",
            "not needed",
            help,
            Some(fix),
        ));
    }
    if parses(rest) && !rest.starts_with('[') {
        // `type = "twilio"; region = "ie1"`: two statements on one line. (Not a header: a
        // list after a list, `["b"]`, reads as one too.)
        let indent = &line[..indent_of(line)].trim_start_matches('\u{feff}');
        let blanks = after.len() - after.trim_start().len();
        let fix = (
            end..col + 1 + blanks,
            format!("{eol}{indent}"),
            "Put each statement on a line of its own".to_owned(),
        );
        let help = match shown_safely(rest) && !may_be_credential(line) {
            true => {
                format!("TOML writes one statement per line: put `{rest}` on a line of its own")
            }
            false => {
                "TOML writes one statement per line: put what follows the `;` on a line of its own"
                    .to_owned()
            }
        };
        return Some(told(
            "`;` does not part two statements",
            "a line break goes here",
            help,
            Some(fix),
        ));
    }
    if parses(&format!("x = {rest}"))
        || rest.starts_with(['"', '\'', '[', '{'])
        || rest.contains('=')
    {
        // `transfers = "a"; "b"`: a second value, or more code: a list, or a comment?
        let (key, value) = before.split_once('=')?;
        let key = key.trim_start_matches('\u{feff}').trim();
        let item = rest.trim_end_matches(';').trim_end();
        let list = format!("{key} = [{}, {item}]", value.trim());
        let help = match parses(&list)
            && !value.trim().starts_with(['[', '{'])
            && shown_safely(&list)
            && !may_be_credential(line)
        {
            true => format!(
                "a key takes one value: for a list, write `{list}`; for a comment, start it with `#`"
            ),
            false => {
                "a key takes one value: put a second one in a list, or start a comment with `#`"
                    .to_owned()
            }
        };
        return Some(told("`;` after a value", "more after this `;`", help, None));
    }
    // `name = "x" ; the desk`: an INI comment after a value.
    Some(comment())
}

/// The line break of the line that ends at `line_end` of `text`: `\r\n` or `\n` (for the
/// last line, with none, the file's first).
fn eol_of(text: &str, line_end: usize) -> &'static str {
    let end = match line_end < text.len() {
        true => line_end,
        false => text.find('\n').unwrap_or(0),
    };
    match text[..end].ends_with('\r') {
        true => "\r\n",
        false => "\n",
    }
}

/// True when `key` (dotted as written: its last part counts) is one nimbus-lint reads.
fn known_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    crate::parse::is_known_key(last.trim().trim_matches(['"', '\'']))
}

/// True when `line` alone is TOML that parses.
fn parses(line: &str) -> bool {
    toml::de::DeTable::parse_recoverable(line).1.is_empty()
}

/// The mistake in the table header `line` (at `line_start` of `text`) where the parser stopped
/// at `start`: a closing `}` for `]`, a character no id takes (`:`, `,`, `#`, `}` …), an
/// empty id after a `.`, a stray `[` before a `key = value` line, a header without its `[`.
/// `None` when the line is no header, parses, or is mended by what the other branches say
/// (a space in an id, a missing `]` at the end).
fn header_mistake(start: usize, line_start: usize, line: &str) -> Option<HeaderMistake> {
    let indent = indent_of(line);
    let code = line[indent..].trim_end();
    let e = start.checked_sub(line_start + indent)?;
    let bracketed = code.starts_with('[');
    if parses(code) || e > code.len() || !code.is_char_boundary(e) {
        return None;
    }
    let bare_key = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mistake =
        |message: String, label: &str, help: &str, fixed: String, at: std::ops::Range<usize>| {
            Some(HeaderMistake {
                message,
                label: label.to_owned(),
                help: help.to_owned(),
                fixed,
                at: line_start + indent + at.start..line_start + indent + at.end,
            })
        };
    if !bracketed {
        // `service.a]`: a header without its `[`.
        let fixed = format!("[{code}");
        let header = code.ends_with(']') && !code.contains(['=', '"', '\'']) && parses(&fixed);
        return header.then(|| {
            mistake(
                "table header without its opening `[`".to_owned(),
                "`[` goes here",
                "add `[` at the start of the header",
                fixed,
                0..0,
            )
        })?;
    }
    // What the other branches say, when it mends the line: a space in an id, a `]` added.
    let c = code[e..].chars().next();
    let inside = code.trim_start_matches('[');
    if c.is_some_and(char::is_whitespace) && !code.contains(['=', '"', '\'']) {
        let ids = &inside[..inside.find(']').unwrap_or(inside.len())];
        let dashed: Vec<String> = (ids.split('.'))
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join("-"))
            .collect();
        if parses(&format!("[{}]", dashed.join("."))) {
            return None;
        }
    }
    if !line.contains(['#', ']', '=']) && parses(&format!("{code}]")) {
        return None;
    }
    let edited = |at: std::ops::Range<usize>, with: &str| {
        format!("{}{with}{}", &code[..at.start], &code[at.end..])
            .trim_end()
            .to_owned()
    };
    if inside.trim_end_matches(']').trim().is_empty() {
        return mistake(
            "a table header with no name".to_owned(),
            "no table named",
            "write the table's kind and id between the brackets, for example",
            "[service.sales-ivr]".to_owned(),
            0..code.len(),
        );
    }
    if let Some(c) = c {
        let here = e..e + c.len_utf8();
        if matches!(c, '}' | ')' | '>') && parses(&edited(here.clone(), "]")) {
            return mistake(
                format!("table header closed with `{c}`"),
                "`]` goes here",
                "write `]`",
                edited(here.clone(), "]"),
                here,
            );
        }
        let removed = edited(here.clone(), "");
        if c == '.' || (e > 0 && code[..e].ends_with('.') && c == ']') {
            // `[build.]`: an empty id after a `.`.
            let dot = if c == '.' { here.clone() } else { e - 1..e };
            let fixed = edited(dot.clone(), "");
            if parses(&fixed) {
                return mistake(
                    "an empty id in a table header".to_owned(),
                    "nothing follows this `.`",
                    "remove the `.`",
                    fixed,
                    dot,
                );
            }
        }
        // `[ou.zürich]`, `[ou.floor²]`: letters and digits an id cannot hold, written in
        // ASCII (every one on the line).
        if c.is_alphanumeric() && !c.is_ascii() {
            let folded: String = (code.chars())
                .flat_map(|c| {
                    let lower = !c.is_ascii();
                    (crate::model::ascii_spelling(c)).map(move |a| match lower {
                        true => a.to_ascii_lowercase(),
                        false => a,
                    })
                })
                .collect();
            let ascii: String = crate::model::ascii_spelling(c).collect();
            if parses(&folded) && ascii.is_ascii() {
                let ascii = ascii.to_ascii_lowercase();
                return mistake(
                    format!("`{c}` cannot be in an id"),
                    "not an ASCII letter or digit",
                    &format!(
                        "ids are ASCII letters, digits, `-` and `_`: write `{c}` as `{ascii}`"
                    ),
                    folded,
                    here,
                );
            }
        }
        // `[service.x]]`: the branch for an extra `]` after the header tells it.
        let after_header =
            c == ']' && code[..e].ends_with(']') && code[e..].trim_end_matches(']').is_empty();
        if !bare_key(c)
            && !c.is_whitespace()
            && !matches!(c, '"' | '\'')
            && !after_header
            && parses(&removed)
        {
            return match c {
                '#' => mistake(
                    "`#` in a table header starts a comment".to_owned(),
                    "the header ends here, without its `]`",
                    "ids are letters, digits, `-` and `_`: remove the `#`",
                    removed,
                    here,
                ),
                ']' => mistake(
                    "an extra `]` inside a table header".to_owned(),
                    "extra `]`",
                    "remove it",
                    removed,
                    here,
                ),
                _ => mistake(
                    format!("`{c}` cannot be in an id"),
                    "not allowed in an id",
                    "ids are letters, digits, `-` and `_`: remove it",
                    removed,
                    here,
                ),
            };
        }
    }
    // `[name = "Contoso"`: a stray `[` before a `key = value` line.
    let unbracketed = &code[1..];
    if code.contains('=') && !code.starts_with("[[") && parses(unbracketed) {
        return mistake(
            "a stray `[` before a `key = value` line".to_owned(),
            "stray `[`",
            "remove the `[`",
            unbracketed.trim_start().to_owned(),
            0..1,
        );
    }
    None
}

/// `d`, a key set twice, told the likely cause when a table header above it was written at
/// the end of a comment (a line break lost: `# old connector.[connector.c2]`): the keys below
/// it were read into the table above.
fn swallowed_header(
    mut d: Diagnostic,
    text: &str,
    start: usize,
    span_of: &impl Fn(std::ops::Range<usize>) -> Span,
) -> Diagnostic {
    let mut end = line_start_of(text, start);
    for _ in 0..200 {
        if end == 0 {
            break;
        }
        let from = line_start_of(text, end - 1);
        let line = text[from..end].trim_end_matches(['\n', '\r']);
        let code = strip(line);
        if code.trim_start().starts_with('[') {
            break;
        }
        // `code` is `line` from its first non-blank, up to its comment.
        let code_end = indent_of(line) + code.len();
        let comment = &line[code_end..];
        let trimmed = comment.trim_end();
        if let Some(open) = trimmed.rfind('[').filter(|_| trimmed.ends_with(']')) {
            let header = &trimmed[open..];
            if header.contains('.') && parses(header) {
                let at = from + code_end + open;
                d.help = match shown_safely(header) {
                    true => format!("start `{header}` on a line of its own: a comment runs to the end of its line, so the keys below it were read into the table above"),
                    false => "start the header written in the comment on a line of its own: a comment runs to the end of its line, so the keys below it were read into the table above".to_owned(),
                };
                return d.with(
                    span_of(at..at + header.len()),
                    "this header is part of the comment",
                );
            }
        }
        end = from;
    }
    d
}

/// A one-line string not closed on its line (`end`, the line's end, a CRLF file's before its
/// carriage return): where the closing quote goes, with where the string opens. Inside an
/// array or inline table the quote goes before the `]`, `}` or `,` that end the line (and a
/// comment after them) when the file so parses further; a `\` before the line's end or the
/// last quote is named, as it keeps the string open.
fn string_not_closed(
    mut d: Diagnostic,
    text: &str,
    end: usize,
    q: char,
    span_of: impl Fn(std::ops::Range<usize>) -> Span,
) -> Diagnostic {
    let line_start = line_start_of(text, end);
    let line = &text[line_start..end];
    if let Some(m) = stray_quote(line_start, line) {
        let at = span_of(m.at.clone());
        return m.told(d, line, at);
    }
    let open = open_quote(line, q).map(|o| line_start + o);
    let secret = may_be_credential(line);
    let shown = |at: usize, with: &str| {
        let s = format!("{}{with}{}", &text[line_start..at], &text[at..end]);
        let s = s.trim_start().to_owned();
        (shown_safely(&s) && !secret).then_some(s)
    };
    let mut set = |m: String, label: &str, help: String, at: std::ops::Range<usize>| {
        d.message = format!("invalid TOML: {m}");
        d.label = label.to_owned();
        d.help = help;
        d.span = span_of(at);
    };
    let body = open.map_or("", |o| &text[o + 1..end]);
    let escapes = |s: &str| s.len() - s.trim_end_matches('\\').len();
    if q == '"' && escapes(body) % 2 == 1 {
        // `name = "abc \` and the line goes on below: no continuation in a one-line string.
        set(
            "string not closed: a `\\` at the end of a line joins lines only in a multi-line string".to_owned(),
            "this `\\` escapes the line break",
            "write the string on one line, or open and close it with `\"\"\"` to spread it over lines".to_owned(),
            end - 1..end,
        );
    } else if q == '"'
        && let Some(quote) = body.strip_suffix('"').filter(|b| escapes(b) % 2 == 1)
    {
        // `parent = "contoso\"`: the last quote is escaped, so it closes nothing.
        let backslash = open.map_or(end, |o| o + 1) + quote.len() - 1;
        let help = match shown(backslash + 1, "") {
            Some(_) => format!(
                "remove the `\\`: `{}{}`, or write `\\\\` for a backslash at the end",
                &text[line_start..backslash],
                &text[backslash + 1..end]
            ),
            None => {
                "remove the `\\` before the last `\"`, or write `\\\\` for a backslash at the end"
                    .to_owned()
            }
        };
        set(
            "string not closed: the `\\` before the last `\"` escapes it".to_owned(),
            "this `\\` makes the quote part of the string",
            help,
            backslash..backslash + 2,
        );
    } else if let Some((o, last)) = open.and_then(|o| mismatched_quotes(text, o, end, q)) {
        // `name = 'Sales IVR"`: closed with the other quote.
        let other = &text[last..last + 1];
        let help = match shown(o + 1, "")
            .map(|_| format!("{}{other}{}", &text[line_start..o], &text[o + 1..end]))
        {
            Some(l) => format!(
                "open and close it with the same quote: `{}`",
                l.trim_start()
            ),
            None => format!("open and close it with the same quote: `{other}`"),
        };
        set(
            format!("the string opens with `{q}` and ends with `{other}`"),
            &format!("`{other}` does not close a `{q}` string"),
            help,
            last..last + 1,
        );
        d = d.with(span_of(o..o + 1), "the string opens here");
        return d.fix(
            span_of(o..o + 1),
            other.to_owned(),
            format!("Open the string with `{other}`"),
        );
    } else {
        let close = open.map_or(end, |o| closing_place(text, o, end, q));
        let at_end = close == end;
        let content = open.map(|o| &text[o + 1..close]).filter(|c| {
            !c.trim().is_empty() && shown_safely(c) && !secret && !c.contains(['`', q])
        });
        let help = match (shown(close, &q.to_string()), content) {
            (Some(s), _) if at_end => format!("close the string with `{q}` on this line: `{s}`"),
            (Some(s), _) => format!("close the string with `{q}`: `{s}`"),
            (None, Some(c)) => format!("close the string with `{q}` after `{c}`"),
            (None, None) if at_end => format!("close the string with `{q}` on this line"),
            (None, None) => format!("close the string with `{q}` where the label shows"),
        };
        if at_end {
            set(
                format!("string not closed: `{q}` missing at the end of the line"),
                "the line ends here",
                help,
                end..end,
            );
        } else {
            set(
                format!("string not closed: `{q}` missing"),
                &format!("`{q}` goes here"),
                help,
                close..close,
            );
        }
    }
    if let Some(o) = open {
        d = d.with(span_of(o..o + 1), "the string opens here");
    }
    d
}

/// A string opened with `q` at byte `open` whose line (up to `end`) ends with the other
/// quote (`'Sales IVR"`, a comment aside), when the line parses with its opening quote made that one: the
/// places of the two quotes.
fn mismatched_quotes(text: &str, open: usize, end: usize, q: char) -> Option<(usize, usize)> {
    let other = if q == '"' { '\'' } else { '"' };
    let body = &text[open + 1..end];
    // The first `other` with only blanks or a comment after it.
    let last = body.find(other)?;
    let after = body[last + 1..].trim_start();
    let inner = &body[..last];
    if !(after.is_empty() || after.starts_with('#')) || inner.contains([q, '\\']) {
        return None;
    }
    let line_start = line_start_of(text, open);
    let mended = format!("{}{other}{}", &text[line_start..open], &text[open + 1..end]);
    parses(mended.trim()).then_some((open, open + 1 + inner.len()))
}

/// Where the quote `q` closing the string opened at byte `open` and left open to `end` goes:
/// the line's end, or before the `]`, `}` and `,` that end the line or come before a comment,
/// as the file parses furthest (ties to the line's end).
fn closing_place(text: &str, open: usize, end: usize, q: char) -> usize {
    let from = statement_start(text, open);
    let tail = &text[open + 1..end];
    let cuts = std::iter::once(tail.len()).chain(
        (tail.match_indices('#'))
            .filter(|&(i, _)| tail[..i].ends_with([' ', '\t']))
            .map(|(i, _)| i)
            .take(4),
    );
    let mut places: Vec<usize> = Vec::new();
    for cut in cuts {
        for p in [
            cut,
            tail[..cut]
                .trim_end_matches([' ', '\t', ']', '}', ','])
                .len(),
        ] {
            if !places.contains(&(open + 1 + p)) {
                places.push(open + 1 + p);
            }
        }
    }
    let quote = q.to_string();
    (places.iter().enumerate())
        .max_by_key(|&(i, &p)| (reach(text, from, p..p, &quote), std::cmp::Reverse(i)))
        .map_or(end, |(_, &p)| p)
}

/// When `text` reads as JSON or YAML (a configuration pasted in another format): which, and
/// its first line.
fn foreign_format(text: &str) -> Option<(&'static str, std::ops::Range<usize>)> {
    let body = text.trim_start_matches('\u{feff}');
    let from = text.len() - body.len();
    let mut offset = from;
    let (at, first) = body.split_inclusive('\n').find_map(|l| {
        let here = offset;
        offset += l.len();
        let t = l.trim();
        (!t.is_empty() && !t.starts_with('#')).then(|| (here + (l.len() - l.trim_start().len()), t))
    })?;
    let range = at..at + first.len();
    if first.starts_with('{')
        || (first.starts_with('[')
            && !first.contains(']')
            && first[1..]
                .trim_start()
                .chars()
                .next()
                .is_none_or(|c| c == '{' || c == '"'))
    {
        return Some(("JSON", range));
    }
    let yaml_key = |l: &str| {
        let l = l.trim_start().trim_start_matches("- ");
        l.split_once(':').is_some_and(|(k, v)| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && (v.is_empty() || v.starts_with([' ', '\r']))
        })
    };
    let mapping = first
        .strip_suffix(':')
        .is_some_and(|k| !k.contains([' ', '=', '[']));
    (first == "---" || mapping && yaml_key(first)).then_some(("YAML", range))
}

/// Where, in `line`, the string in `q` quotes left open at the line's end opens.
fn open_quote(line: &str, q: char) -> Option<usize> {
    let mut open: Option<(usize, char)> = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match open {
            Some((_, o)) if c == '\\' && o == '"' => {
                chars.next();
            }
            Some((_, o)) if c == o => open = None,
            Some(_) => {}
            None if c == '#' => break,
            None if c == '"' || c == '\'' => open = Some((i, c)),
            None => {}
        }
    }
    open.filter(|&(_, o)| o == q).map(|(i, _)| i)
}

/// The content of the basic string that holds byte `at` of `line`, when it closes on the line.
fn string_at(line: &str, at: usize) -> Option<&str> {
    let open = line[..at].rfind('"')?;
    let bytes = line.as_bytes();
    let mut j = open + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return line.get(open + 1..j),
            _ => j += 1,
        }
    }
    None
}

/// True when a key on `line` names a credential: its value is never repeated in a help.
fn may_be_credential(line: &str) -> bool {
    let key = line.split(['=', ':']).next().unwrap_or_default();
    crate::parse::lines::key_path(key)
        .iter()
        .flat_map(|p| p.split(['_', '-', ' ']))
        .any(crate::rules::secret_in_config::names_a_credential)
}

/// A value's bracket left open: where, the brackets to close there (outermost first), the
/// last item written inside it (and a comma after it), and whether the statement's key names
/// a credential.
struct Unclosed {
    open: (usize, u8),
    closers: Vec<u8>,
    /// A comma goes after the closers: the brackets around them stay open.
    then_comma: bool,
    /// The `{` opens no table: a stray one before a value, to remove.
    stray: bool,
    after: Option<std::ops::Range<usize>>,
    secret: bool,
}

/// The array or inline table left open that a parse error at `start` of `text` comes from: the
/// parser meets the next table header (or, inside an array, the next `key = value` line) as an
/// item, and reports a missing comma or a bare value there; or it reaches the end of the file.
fn unclosed_bracket(message: &str, text: &str, start: usize) -> Option<Unclosed> {
    let line_start = line_start_of(text, start);
    let line = text[line_start..].split('\n').next().unwrap_or_default();
    let at_end = (message.contains("unclosed array") || message.contains("unclosed inline table"))
        && text[start..]
            .lines()
            .all(|l| matches!(l.trim().chars().next(), None | Some('#')));
    let header = {
        let l = strip(line).trim_end();
        l.starts_with('[') && !l.contains('=')
    };
    let key_line = {
        let l = strip(line);
        l.split_once('=').is_some_and(|(k, _)| {
            !k.trim().is_empty()
                && k.trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.\"' ".contains(c))
        })
    };
    // The parser's "missing comma" may be a bracket left open before a closing one of the other
    // kind (`["x" }`, or a `}` on a line of its own).
    let comma = message.contains("missing comma");
    if !at_end && !header && !key_line && !comma {
        return None;
    }
    // The statement the error is in: the last `key = …` line at the top level before it, or
    // the error's own line, for a "missing comma" on it.
    let statement = |to: usize| {
        let stmt = crate::parse::lines::top_level(&text[..to])
            .filter_map(|l| match l.line {
                crate::parse::lines::Line::Key(body) => Some((l.text_start, body)),
                _ => None,
            })
            .last()?;
        let (stack, after) = open_brackets(text, stmt.0, to).ok()?;
        (!stack.is_empty()).then_some((stmt, stack, after))
    };
    let (stmt, stack, after) = if at_end {
        statement(start)?
    } else {
        statement(line_start).or_else(|| statement(start).filter(|_| comma))?
    };
    let at = after.as_ref().map_or(stack.last()?.0 + 1, |a| a.end);
    // The brackets closed: the innermost one, or it and those around it, and a comma after
    // them when others stay open, as the file parses further (`],` when the `}` of a table
    // spread over lines is there below).
    let closers = |k: usize, comma: bool| -> String {
        (stack[stack.len() - k..].iter().rev())
            .map(|&(_, b)| if b == b'[' { ']' } else { '}' })
            .chain(comma.then_some(','))
            .collect()
    };
    let ((k, then_comma), closed) = (1..=stack.len())
        .flat_map(|k| [(k, false), (k, true)])
        .filter(|&(k, comma)| !comma || k < stack.len())
        .map(|(k, comma)| ((k, comma), reach(text, stmt.0, at..at, &closers(k, comma))))
        .max_by_key(|&((k, comma), r)| (r, k, !comma))?;
    // The other readings: the line is the next item, with its comma missing (`[18, 20]` in an
    // array of arrays, a key of an inline table spread over lines); the `{` is a stray one
    // before a value (`ou = {"sales"`). Ties go to the reading the line's shape suggests.
    let listed = match at_end {
        true => 0,
        false => reach(
            text,
            stmt.0,
            at..at,
            if text[..at].ends_with(',') { "" } else { "," },
        ),
    };
    let innermost = *stack.last()?;
    let stray = innermost.1 == b'{'
        && reach(text, stmt.0, innermost.0..innermost.0 + 1, "") > closed.max(listed).max(start);
    let item = !(header || (key_line && innermost.1 == b'['));
    if !stray && (listed > closed || (listed == closed && item) || closed <= start) {
        return None;
    }
    let secret = (crate::parse::lines::key_path(stmt.1).iter())
        .flat_map(|p| p.split(['_', '-', ' ']))
        .any(crate::rules::secret_in_config::names_a_credential);
    // `"sms"],` rather than `"sms",],`: the same reading.
    let (after, then_comma) = match after {
        Some(a) if then_comma && text[..a.end].ends_with(',') => (Some(a.start..a.end - 1), false),
        a => (a, then_comma),
    };
    Some(Unclosed {
        open: if stray {
            innermost
        } else {
            stack[stack.len() - k]
        },
        closers: stack[stack.len() - k..].iter().map(|&(_, b)| b).collect(),
        stray,
        then_comma,
        after,
        secret,
    })
}

/// The one quote edit on the line `line_start..line_end` that lets the statement starting at
/// `from` parse furthest, with how far: a quote removed, or one added before a `,` written
/// before the error at `start` (a string that swallowed the comma after it). A removal that
/// only moves the error into the next string as written (`["a"; "b"]` read `["a; "b"]`, which
/// stops at `b`), or to the end of the line for a quote not inside a word, mends nothing: it
/// counts as parsing no further than the error.
fn quote_repair(
    text: &str,
    from: usize,
    line_start: usize,
    line_end: usize,
    start: usize,
) -> Option<(usize, std::ops::Range<usize>, &'static str)> {
    let line = &text[line_start..line_end];
    let removals = (line.match_indices(['"', '\'']))
        .map(|(i, _)| (line_start + i..line_start + i + 1, ""))
        .take(16);
    let closings = (line[..start - line_start].match_indices(','))
        .map(|(i, _)| (line_start + i..line_start + i, "\""))
        .take(8);
    // The content of the string as written that a quote removed at `at` makes the next one
    // read as code: between the next two quotes of its kind on the line.
    let next_string = |at: usize| {
        let q = text.as_bytes()[at];
        let mut quotes = (text.as_bytes()[at + 1..line_end].iter().enumerate())
            .filter(|&(_, &b)| b == q)
            .map(|(i, _)| at + 1 + i);
        Some(quotes.next()? + 1..quotes.next()?)
    };
    // A quote removed that leaves its string open to the end of the line mends a word cut by
    // it (`["sales-te"am]`), not a string ended before a blank or a sign (`{ a = "1" ) b = 2 }`).
    let code_end = line_start + line.trim_end().len();
    let in_word = |at: usize| {
        (text.as_bytes().get(at + 1))
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"-_".contains(b))
    };
    (closings.chain(removals).enumerate())
        .map(|(i, (at, with))| {
            let r = reach(text, from, at.clone(), with);
            let moved = with.is_empty()
                && (next_string(at.start).is_some_and(|s| s.contains(&r))
                    || ((code_end..=line_end).contains(&r) && !in_word(at.start)));
            (if moved { start } else { r }, i, at, with)
        })
        .max_by_key(|&(r, i, ..)| (r, std::cmp::Reverse(i)))
        .map(|(r, _, at, with)| (r, at, with))
}

/// A quote at `at` that cuts a word of an array's item short (`["sales-te"am]`,
/// `["sales-team"billing]`, the word ending at a `]` or `,`): the line with the quote moved
/// after the word, and, when both parts are words of three characters or more, the line with
/// them as two items; each only when it parses, `None` when neither does.
fn cut_word(
    text: &str,
    line_start: usize,
    line_end: usize,
    at: std::ops::Range<usize>,
) -> Option<(Option<String>, Option<String>)> {
    let q = &text[at.clone()];
    let (head, after) = (&text[line_start..at.start], &text[at.end..line_end]);
    let wordy = |c: char| c.is_ascii_alphanumeric() || "-_".contains(c);
    let word = after.find(|c: char| !wordy(c)).unwrap_or(after.len());
    if word == 0 || !after[word..].trim_start().starts_with([']', ',']) {
        return None;
    }
    let first = &head[head.rfind(q)? + 1..];
    let (word, rest) = after.split_at(word);
    let mended = |l: String| Some(l.trim().to_owned()).filter(|l| parses(l));
    let moved = mended(format!("{head}{word}{q}{rest}"));
    let split = (first.len() >= 3 && first.chars().all(wordy) && word.len() >= 3)
        .then(|| mended(format!("{head}{q}, {q}{word}{q}{rest}")))
        .flatten();
    (moved.is_some() || split.is_some()).then_some((moved, split))
}

/// `hours = [8; 12]`: a number read as the start of a bare string at `start`, an array's item
/// parted from the next by a separator of another language; the mistake told (as
/// [`wrong_separator`] tells it), the line it is on, and the separator's place.
fn separated_numbers(
    text: &str,
    start: usize,
) -> Option<(HeaderMistake, &str, std::ops::Range<usize>)> {
    let line_start = line_start_of(text, start);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let rest = &text[start..line_end];
    let number = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "+-._".contains(c)))
        .filter(|&n| {
            n > 0 && rest[..n].starts_with(|c: char| c.is_ascii_digit() || "+-".contains(c))
        })?;
    let sep = start + number + (rest[number..].len() - rest[number..].trim_start().len());
    if !strip(&text[line_start..start]).contains('[') {
        return None;
    }
    let from = statement_start(text, start);
    let (r, m) = wrong_separator(text, from, sep, line_start, line_end, true)?;
    (r > sep).then(|| {
        let at = line_start + m.at.start..line_start + m.at.end;
        (m, line, at)
    })
}

/// A separator other than `,` written at the error `start` between the items of an array
/// (`array`) or the pairs of an inline table (`["a"; "b"]`, `{ a = 1 & b = 2 }`: `;`, `&`,
/// `|`, `/`, `&&` …), with how far the statement starting at `from` parses with a `,` in its
/// place (and the blanks before it removed), and the mistake told, its place relative to the
/// line `line_start..line_end`. The line shown mended has each such separator after the error
/// replaced, when it then parses.
fn wrong_separator(
    text: &str,
    from: usize,
    start: usize,
    line_start: usize,
    line_end: usize,
    array: bool,
) -> Option<(usize, HeaderMistake)> {
    const SEPARATORS: &[u8] = b";&|/\\:.+*!?~^%$@<>-";
    let rest = &text.as_bytes()[start..line_end];
    let run = rest.iter().take_while(|b| SEPARATORS.contains(b)).count();
    // A sign or a dot before a digit or a word starts a value (`-2`, `.5`), or a key.
    let value_start = rest[..run].iter().any(|b| b"-+.".contains(b));
    let separated = match rest.get(run) {
        Some(b) => {
            b.is_ascii_whitespace()
                || b"\"'[{".contains(b)
                || (b.is_ascii_alphabetic() && !value_start && !array)
                || (b.is_ascii_digit() && !value_start)
        }
        // The end of a line of an array or inline table spread over lines.
        None => true,
    };
    if !(1..=2).contains(&run) || !separated {
        return None;
    }
    let sep = &text[start..start + run];
    let blank = text[..start].len() - text[line_start..start].trim_end().len() - line_start;
    let r = reach(text, from, start - blank..start + run, ",");
    // The line with each `sep` outside strings from the error on, and the blanks before it,
    // replaced by `,` (and a blank after it).
    let line = text[line_start..line_end].trim_end_matches('\r');
    let mut fixed = text[line_start..start].trim_end().to_owned();
    let mut quote: Option<char> = None;
    let mut chars = line[start - line_start..].char_indices();
    while let Some((i, c)) = chars.next() {
        let here = &line[start - line_start + i..];
        match (quote, c) {
            (None, _) if here.starts_with(sep) => {
                fixed.truncate(fixed.trim_end().len());
                fixed.push(',');
                if !here[sep.len()..].starts_with(char::is_whitespace) {
                    fixed.push(' ');
                }
                for _ in 1..sep.len() {
                    chars.next();
                }
                continue;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                fixed.push(c);
                if let Some((_, e)) = chars.next() {
                    fixed.push(e);
                }
                continue;
            }
            (None, '"' | '\'') => quote = Some(c),
            _ => {}
        }
        fixed.push(c);
    }
    let fixed = match parses(&fixed) {
        true => fixed.trim().to_owned(),
        false => String::new(),
    };
    let (message, help) = match array {
        true => (
            format!("`{sep}` does not separate array items"),
            format!("separate the items with `,`, not `{sep}`"),
        ),
        false => (
            format!("`{sep}` does not separate the keys of an inline table"),
            format!("separate the `key = value` pairs of `{{ … }}` with `,`, not `{sep}`"),
        ),
    };
    let at = start - line_start..start - line_start + run;
    let label = "not a separator".to_owned();
    Some((
        r,
        HeaderMistake {
            message,
            label,
            help,
            fixed,
            at,
        },
    ))
}

/// Where the statement holding byte `at` of `text` starts: its top-level `key = …` line, or
/// the line of `at`.
fn statement_start(text: &str, at: usize) -> usize {
    let line = line_start_of(text, at);
    crate::parse::lines::top_level(&text[..at])
        .filter(|l| matches!(l.line, crate::parse::lines::Line::Key(_)))
        .last()
        .map_or(line, |l| l.text_start)
}

/// The `#` written inside the brackets of the statement an error at `start` is in, before
/// items (`[#"b", "c"]`): the comment it starts hides them, and without it the file parses
/// past the error's line (a mistake further down, not this one, may stop it there).
fn commented_items(text: &str, start: usize) -> Option<usize> {
    let from = statement_start(text, start);
    let (stack, _) = open_brackets(text, from, start).ok()?;
    if stack.is_empty() {
        return None;
    }
    let to = start + text[start..].find('\n').unwrap_or(text.len() - start);
    let mut at = from;
    for line in text[from..to].split_inclusive('\n').take(64) {
        let blank = indent_of(line);
        let hash = at + blank + strip(line).len();
        let comment = text[hash..at + line.len()].trim_end();
        if comment.starts_with('#')
            && comment.contains(['"', '\'', ']', '}'])
            && reach(text, from, hash..hash + 1, "") > to
        {
            return Some(hash);
        }
        at += line.len();
    }
    None
}

/// How far the statement starting at byte `from` of `text`, and what follows it, parses with
/// `at` replaced by `with`: the byte of the first error (in `text` as written), `usize::MAX`
/// when none is met (0 for a statement too long to read again). Read over a window of the file
/// after the statement (an edit mends a line or two: the parse of a huge file is not repeated
/// whole for each one tried), which holds the edit's own line whole when it is not too long.
fn reach(text: &str, from: usize, at: std::ops::Range<usize>, with: &str) -> usize {
    const WINDOW: usize = 1 << 16;
    // The end of a line cut inside, where the cut may make an error of its own (a word or a
    // value cut short).
    const MARGIN: usize = 1 << 10;
    if at.start < from || at.start - from > 4 * WINDOW {
        // An edit before the statement, or a statement this long (not read again for each
        // edit tried): no reading wins.
        return 0;
    }
    let mut end = (at.end + WINDOW).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // A window cut inside the edit's own line (a line longer than the window) is read on to
    // that line's end, up to 4 windows more: the errors on the edit's line are the reading's
    // own. A line longer still is read that far: a reading that meets no error before the
    // cut's margin parses up to there, not to the end.
    let own_line = end < text.len() && !text[at.end..end].contains('\n');
    let mut cut = false;
    if own_line {
        let bound = (end + 4 * WINDOW).min(text.len());
        match text.as_bytes()[end..bound].iter().position(|&b| b == b'\n') {
            Some(i) => end += i,
            None if bound == text.len() => end = text.len(),
            None => {
                (end, cut) = (bound, true);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
            }
        }
    }
    let window = format!("{}{with}{}", &text[from..at.start], &text[at.end..end]);
    let (_, errors) = toml::de::DeTable::parse_recoverable(&window);
    // An error on the window's last line may be the window's own (a line or a value cut).
    // The edit's line read whole is cut at its end only: there, a bracket or a multi-line
    // string left open may go on below, and the rest is the line's own.
    let last_line = window.trim_end_matches('\n').rfind('\n').unwrap_or(0);
    let cut_open = |m: &str| m.contains("unclosed") || m.contains("multi-line");
    let counted = |e: usize, m: &str| match (own_line, cut) {
        _ if end == text.len() || e < last_line => true,
        (true, false) => !cut_open(m),
        (true, true) => e + MARGIN < window.len(),
        (false, _) => false,
    };
    let first = (errors.iter())
        .map(|e| (e.span().map_or(0, |s| s.start), e.message()))
        .filter(|&(e, m)| counted(e, m))
        .map(|(e, _)| e)
        .min()
        .or(cut.then(|| window.len() - MARGIN));
    match first {
        Some(e) => {
            let edited = at.start - from + with.len();
            if e < edited {
                from + e.min(at.start - from)
            } else {
                e - edited + at.end
            }
        }
        _ => usize::MAX,
    }
}

/// The brackets of values still open at byte `to` of `text`, read from `from` (a statement's
/// start), each with its place, and the last item written (with a comma after it); when a
/// string is left open on the way, which is another error, where it opens.
#[allow(clippy::type_complexity)]
fn open_brackets(
    text: &str,
    from: usize,
    to: usize,
) -> Result<(Vec<(usize, u8)>, Option<std::ops::Range<usize>>), usize> {
    let bytes = &text.as_bytes()[..to];
    let mut stack: Vec<(usize, u8)> = Vec::new();
    let mut after: Option<std::ops::Range<usize>> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                i = text[i..to].find('\n').map_or(to, |k| i + k);
                continue;
            }
            b'"' | b'\'' => {
                let triple = if b == b'"' { "\"\"\"" } else { "'''" };
                let multi = bytes[i..].starts_with(triple.as_bytes());
                let mut j = i + if multi { 3 } else { 1 };
                let end = loop {
                    let eol = |j: usize| !multi && matches!(bytes.get(j), Some(b'\n' | b'\r'));
                    if j >= bytes.len() || eol(j) || (b == b'"' && bytes[j] == b'\\' && eol(j + 1))
                    {
                        return Err(i);
                    }
                    if b == b'"' && bytes[j] == b'\\' {
                        j += 2;
                    } else if multi && bytes[j..].starts_with(triple.as_bytes()) {
                        // Up to two more quotes belong to the string.
                        let mut e = j + 3;
                        while e < bytes.len() && bytes[e] == b && e < j + 5 {
                            e += 1;
                        }
                        break e;
                    } else if !multi && bytes[j] == b {
                        break j + 1;
                    } else {
                        j += 1;
                    }
                };
                after = Some(i..end);
                i = end;
                continue;
            }
            b'[' | b'{' => {
                stack.push((i, b));
                after = None;
            }
            b']' | b'}' => {
                if let Some((o, _)) = stack.pop() {
                    after = Some(o..i + 1);
                }
            }
            b',' => after = after.map(|a| a.start..i + 1),
            b'=' => after = None,
            _ if b.is_ascii_whitespace() => {}
            _ => {
                let end = (i..bytes.len())
                    .find(|&j| bytes[j].is_ascii_whitespace() || b"[]{},=#\"'".contains(&bytes[j]))
                    .unwrap_or(bytes.len());
                after = Some(i..end);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Ok((stack, after))
}

/// True when `value`, some text of the file, may be repeated in a help: short, on one line,
/// with no word shaped like a credential, and no character a terminal must not receive raw
/// (a help never shows it escaped as Rust would, `\u{202e}`).
fn shown_safely(value: &str) -> bool {
    value.chars().count() <= 40
        && !value.contains(['\n', '\r'])
        && !value.chars().any(crate::source::is_hazard)
        && !alphanumeric_runs(value)
            .any(|r| crate::rules::secret_in_config::is_secret_shaped(&value[r]))
}

/// A value written between curly quotes, as a word processor or chat client types them.
struct Curly<'a> {
    /// Its length in bytes, quotes included.
    len: usize,
    /// The text between the quotes, curly double quotes inside a double-quoted value made
    /// straight (`“Sales “A” Team”` is `Sales "A" Team`).
    inner: std::borrow::Cow<'a, str>,
    open: char,
    /// The quote closing it; none when the value runs to the line's end unclosed.
    close: Option<char>,
}

/// The value between curly quotes at the start of `rest` (`“support”`, `‘support’`,
/// `„support“`), closed on its line by its curly quote or a straight one: `“` by `”` (quotes
/// nested inside counted), `‘` by a `’` that no letter follows (an apostrophe, `Bob’s`, stays
/// inside). An opening quote never closed is read to the line's end (or a comment), when no
/// bracket, `=` or other quote follows it there.
fn curly_quoted(rest: &str) -> Option<Curly<'_>> {
    // Guillemets (`«Acme»`, `»Acme«`, `‹x›`), fullwidth and prime quotes (`＂x＂`, `″x″`): a
    // pair closed by its other half (or the same mark) on the line.
    const PAIRS: [(char, char); 6] = [
        ('«', '»'),
        ('»', '«'),
        ('‹', '›'),
        ('›', '‹'),
        ('＂', '＂'),
        ('″', '″'),
    ];
    if let Some(&(open, close)) = PAIRS.iter().find(|(o, _)| rest.starts_with(*o)) {
        let body = &rest[open.len_utf8()..];
        let line = body.split(['\n', '\r']).next().unwrap_or_default();
        let at = line.find(close).filter(|&at| at > 0)?;
        return Some(Curly {
            len: open.len_utf8() + at + close.len_utf8(),
            inner: std::borrow::Cow::Borrowed(&body[..at]),
            open,
            close: Some(close),
        });
    }
    const OPEN: [char; 6] = ['“', '”', '„', '‘', '’', '‚'];
    let open = rest.chars().next().filter(|c| OPEN.contains(c))?;
    let double = matches!(open, '“' | '”' | '„');
    let body = &rest[open.len_utf8()..];
    let line = body.split(['\n', '\r']).next().unwrap_or_default();
    let mut depth = 0usize;
    let mut close = None;
    for (i, c) in line.char_indices() {
        let letter_after = line[i + c.len_utf8()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        match c {
            '“' if double && open == '“' => depth += 1,
            '”' | '“' if double && depth > 0 => depth -= 1,
            '”' | '“' | '"' if double => {
                close = Some((i, c));
                break;
            }
            '‘' | '’' | '\'' if !double && !letter_after => {
                close = Some((i, c));
                break;
            }
            _ => {}
        }
    }
    fn straight(inner: &str, double: bool) -> std::borrow::Cow<'_, str> {
        if double && inner.contains(['“', '”']) {
            std::borrow::Cow::Owned(inner.replace(['“', '”'], "\""))
        } else {
            std::borrow::Cow::Borrowed(inner)
        }
    }
    match close {
        Some((at, c)) => Some(Curly {
            len: open.len_utf8() + at + c.len_utf8(),
            inner: straight(&body[..at], double),
            open,
            close: Some(c),
        }),
        None => {
            let end = (line.match_indices('#'))
                .find(|&(i, _)| line[..i].ends_with([' ', '\t']))
                .map_or(line.len(), |(i, _)| i);
            let inner = line[..end].trim_end();
            let plain = !inner.is_empty()
                && !inner.contains([
                    '[', ']', '{', '}', '=', '"', '\'', '“', '”', '‘', '’', '„', '‚',
                ]);
            plain.then(|| Curly {
                len: open.len_utf8() + inner.len(),
                inner: std::borrow::Cow::Borrowed(inner),
                open,
                close: None,
            })
        }
    }
}

/// `line` from byte `from` up to the end of its last value in curly quotes, with each such
/// value written in straight quotes (strings in straight quotes kept as they are, a comment
/// left alone): that end, and the text.
fn straighten(line: &str, from: usize) -> Option<(usize, String)> {
    let mut out = String::new();
    let mut kept = String::new();
    let mut end = None;
    let mut j = from;
    while let Some(c) = line[j..].chars().next() {
        if let Some(q) = curly_quoted(&line[j..]) {
            out.push_str(&kept);
            kept.clear();
            out.push_str(&values::basic(&q.inner));
            j += q.len;
            end = Some(j);
            continue;
        }
        let len = match c {
            '#' => break,
            '"' | '\'' => {
                // A string in straight quotes, to its closing quote.
                let mut k = j + 1;
                while k < line.len() && line.as_bytes()[k] != c as u8 {
                    k += if c == '"' && line.as_bytes()[k] == b'\\' {
                        2
                    } else {
                        1
                    };
                }
                (k + 1).min(line.len()) - j
            }
            _ => c.len_utf8(),
        };
        kept.push_str(line.get(j..j + len)?);
        j += len;
    }
    end.map(|e| (e, out))
}

/// True when the parser took the bare word at the start of `rest` for the start of a float or
/// a boolean (`nan`, `inf`, `true`, `false`) and failed, or found a string's closing quote with
/// no opening one (`twilio"`): a text value written without quotes (a `;` or the closing `"`
/// may end it; words may be several when the closing quote is there).
fn taken_for_literal(message: &str, rest: &str) -> bool {
    let literal = [
        "invalid float, expected `nan`",
        "invalid float, expected `inf`",
        "invalid boolean, expected `",
    ];
    let unopened = message.contains("missing opening quote");
    let word = rest
        .split(['\n', '#', ',', ']', '}'])
        .next()
        .unwrap_or_default()
        .trim_end();
    let closed = word.strip_suffix('"');
    let word = closed.or_else(|| word.strip_suffix(';')).unwrap_or(word);
    (literal.iter().any(|l| message.contains(l)) || (unopened && closed.is_some()))
        && word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (unopened && c == ' '))
}

/// Where the key or table header at `at` (`text[start..]`) was first defined in `text`: the
/// same header line earlier, or the same key earlier in the same table. Lines are read as
/// they look, outside values: a line inside brackets left open (an array or inline table
/// spread over lines) is never taken for a definition, a multi-line string above gives up,
/// and the duplicate must be a header or a `key =` at the start of its line.
fn first_definition(text: &str, start: usize, at: &str) -> Option<std::ops::Range<usize>> {
    let line_start = line_start_of(text, start);
    let line = text[line_start..].lines().next().unwrap_or_default();
    let is_header = strip(line).starts_with('[');
    let key = at.trim();
    let assigns = |l: &str| {
        strip(l)
            .strip_prefix(key)
            .is_some_and(|after| after.trim_start().starts_with('='))
    };
    let indent = line.len() - line.trim_start().len();
    if !is_header && (key.is_empty() || !assigns(line) || start != line_start + indent) {
        return None;
    }
    // A header's table made first by a dotted key at the top of the file (`service.a.ou = …`
    // above `[service]`): the key's bare path, spaces left out, begins with the header's.
    let path = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let header_path = (strip(line).trim_end())
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .filter(|h| !h.starts_with('[') && !h.contains(['"', '\'']))
        .map(|h| path(h) + ".");
    // A key of the table `table` (its bare path, `""` at the top) that defines the header's
    // table, or a key in it: `s1 = { … }` or `s1.ou = …` below `[service]`.
    let dotted = |code: &str, table: &str| {
        let (key, _) = code.split_once('=')?;
        let bare = !key.contains(['"', '\'', '[', '{']);
        let full = format!("{table}{}.", path(key));
        let inside = header_path
            .as_ref()
            .is_some_and(|h| full.starts_with(h.as_str()));
        (bare && inside).then(|| key.trim_end().len())
    };
    let mut table: Option<String> = Some(String::new());
    let mut depth: usize = 0;
    let mut first = None;
    let mut offset = 0;
    for l in text[..line_start].split_inclusive('\n') {
        let here = offset;
        offset += l.len();
        let code = strip(l);
        if code.contains("\"\"\"") || code.contains("'''") {
            // A multi-line string: its lines cannot be told from keys here.
            return None;
        }
        if depth == 0 {
            if code.starts_with('[') {
                // The bare path of a plain header, with a dot; none for others.
                table = (code.trim_end().strip_prefix('['))
                    .and_then(|h| h.strip_suffix(']'))
                    .filter(|h| !h.starts_with('[') && !h.contains(['"', '\'']))
                    .map(|h| path(h) + ".");
            }
            if is_header {
                if code.trim_end() == strip(line).trim_end() {
                    return Some(here..here + l.trim_end().len());
                }
                if let Some(len) = (table.as_deref()).and_then(|t| dotted(code, t)) {
                    let at = here + indent_of(l);
                    return Some(at..at + len);
                }
            } else if code.starts_with('[') {
                // A new table: only definitions after it count.
                first = None;
            } else if first.is_none() && assigns(l) {
                let at = here + (l.len() - l.trim_start().len());
                first = Some(at..at + key.len());
            }
        }
        if !(depth == 0 && code.starts_with('[')) {
            depth = (depth + opened(code)).saturating_sub(closed(code));
        }
    }
    if is_header { None } else { first }
}

/// A line without its comment and leading blanks (and a byte order mark).
fn strip(l: &str) -> &str {
    let l = l.trim_start_matches('\u{feff}').trim_start();
    let mut quote: Option<char> = None;
    for (i, c) in l.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return &l[..i],
            _ => {}
        }
    }
    l
}

/// The length of `line`'s blanks (and byte order mark) before its first character.
fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches('\u{feff}').trim_start().len()
}

/// Brackets a line opens, outside its strings.
fn opened(code: &str) -> usize {
    outside_strings(code)
        .filter(|c| matches!(c, '[' | '{'))
        .count()
}

/// Brackets a line closes, outside its strings.
fn closed(code: &str) -> usize {
    outside_strings(code)
        .filter(|c| matches!(c, ']' | '}'))
        .count()
}

/// The characters of `code` outside quoted strings.
fn outside_strings(code: &str) -> impl Iterator<Item = char> + '_ {
    let mut quote: Option<char> = None;
    code.chars().filter(move |&c| match (quote, c) {
        (Some(q), c) if c == q => {
            quote = None;
            false
        }
        (Some(_), _) => false,
        (None, '"' | '\'') => {
            quote = Some(c);
            false
        }
        (None, _) => true,
    })
}

/// The start of the line holding byte `at` of `text`.
fn line_start_of(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// A file that is not UTF-8.
pub(crate) fn not_utf8(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "file is not valid UTF-8")
        .label("first invalid byte")
        .help("save the file as UTF-8; TOML files must be UTF-8 text")
}

/// A file in UTF-16 (a byte order mark, or a NUL byte beside each ASCII character).
pub(crate) fn utf16(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "file is UTF-16 text, not UTF-8")
        .label("UTF-16")
        .help("save the file as UTF-8 (editors offer the encoding on save; `iconv -f UTF-16 -t UTF-8` converts it); TOML files must be UTF-8 text")
}

/// A merge-conflict marker left in the file.
pub(crate) fn conflict_marker(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "unresolved merge conflict")
        .label("conflict marker")
        .help("resolve the conflict: keep the right lines between `<<<<<<<` and `>>>>>>>` and remove the marker lines")
}
