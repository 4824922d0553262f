//! What a value written without quotes was meant to be, by its key: the examples and fixes of
//! `bare_value` follow the type the contract gives the key (a list, a table, a variable's
//! name for a secret), and the habits of other formats (`null`, a trailing `,` or `;`, a
//! value in backticks, a stray `:` or `=`) are told as such.

use crate::rules::secret_in_config::is_secret_shaped;

/// The form a key's value takes (`CONFIG.md`, `model.rs`): what an example of it writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Expect {
    /// A string (`name`, `ou`, `license`, …), or a key the contract does not know.
    Text,
    /// A list of strings: `transfers`, `channels`, `exclude`.
    List,
    /// A table: a service's `instant_messaging`, `nimbus.toml`'s sections.
    Table,
    /// `api_key_secret`: a table naming an environment variable, never a literal.
    Secret,
}

/// The form the value of `key` (a dotted key as written: its last part counts) takes.
pub(super) fn expected(key: &str) -> Expect {
    let last = key.rsplit('.').next().unwrap_or(key);
    match last.trim().trim_matches(['"', '\'']) {
        "transfers" | "channels" | "exclude" => Expect::List,
        "instant_messaging" | "workspace" | "build" | "lints" => Expect::Table,
        "api_key_secret" => Expect::Secret,
        _ => Expect::Text,
    }
}

/// The variable named where a secret goes when none is written: the contract's example.
const DEFAULT_ENV: &str = "TWILIO_API_KEY_SECRET";

/// `s` as a TOML basic string, with the characters a terminal must not receive raw (controls,
/// bidirectional formatting) written as TOML escapes (`\u202E`), never as Rust's `\u{…}`.
pub(super) fn basic(s: &str) -> String {
    let mut out = String::new();
    for c in crate::diagnostic::toml_string(s).chars() {
        if crate::source::is_hazard(c) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The value of `key` for `text` the user wrote bare, as TOML of the key's form: a string, a
/// list of the comma-separated words, or the table naming the variable of `$NAME` (the
/// contract's example variable when `text` names none: a literal secret is never repeated).
pub(super) fn value_for(expect: Expect, text: &str) -> String {
    match expect {
        Expect::Text | Expect::Table => basic(text),
        Expect::List => {
            let items: Vec<&str> = text.split(',').map(str::trim).collect();
            if items.iter().any(|i| i.is_empty()) {
                format!("[{}]", basic(text))
            } else {
                let items: Vec<String> = items.iter().map(|i| basic(i)).collect();
                format!("[{}]", items.join(", "))
            }
        }
        Expect::Secret => format!("{{ env = \"{}\" }}", env_name(text).unwrap_or(DEFAULT_ENV)),
    }
}

/// The variable a bare `$NAME` or `${NAME}` names, when its name is one and not shaped like a
/// credential (a secret with a `$` before it stays a secret).
pub(super) fn env_name(text: &str) -> Option<&str> {
    crate::parse::after_dollar(text.trim())
        .filter(|n| crate::parse::is_env_name(n) && !is_secret_shaped(n))
}

/// The example of a `key =` with no value: one of the key's form.
pub(super) fn no_value_example(key: &str, expect: Expect) -> String {
    match expect {
        Expect::Text => format!("{key} = \"…\""),
        Expect::List => format!("{key} = []"),
        Expect::Table => format!("{key} = {{}}"),
        Expect::Secret => format!("{key} = {{ env = \"{DEFAULT_ENV}\" }}"),
    }
}

/// True for the words other languages write for "no value" (`null`, `None`, `nil`,
/// `undefined`): TOML has none.
pub(super) fn is_null(word: &str) -> bool {
    ["null", "none", "nil", "undefined"]
        .iter()
        .any(|n| word.eq_ignore_ascii_case(n))
}

/// The text between the backticks of a value written as Markdown code (`` `Fabrikam` ``).
pub(super) fn in_backticks(value: &str) -> Option<&str> {
    value
        .strip_prefix('`')
        .and_then(|v| v.strip_suffix('`'))
        .filter(|v| !v.is_empty() && !v.contains('`'))
}

/// `value` without the `,` or `;` a JSON or JavaScript line ends with (and the blanks before
/// it); `None` when it ends with neither, or is nothing else.
pub(super) fn without_end_punctuation(value: &str) -> Option<&str> {
    let v = value.trim_end().strip_suffix([',', ';'])?.trim_end();
    (!v.is_empty()).then_some(v)
}

/// True when `line` (one line of TOML, a `key = value` or a header) parses on its own.
pub(super) fn parses(line: &str) -> bool {
    toml::de::DeTable::parse_recoverable(line).1.is_empty()
}

/// `line` with the character at byte `at` (a stray `:` or `=`) removed, and one blank of two
/// it leaves side by side: when that line parses.
pub(super) fn without_char(line: &str, at: usize) -> Option<String> {
    let c = line[at..].chars().next()?;
    let (before, after) = (&line[..at], &line[at + c.len_utf8()..]);
    let after = if before.ends_with(' ') {
        after.trim_start_matches(' ')
    } else {
        after
    };
    let mended = format!("{before}{after}");
    parses(&mended).then_some(mended)
}

/// True when `text` with the bytes `range` replaced by `with` parses, or fails only past byte
/// `past` of `text` (a later line): the edit mends what spans lines (a multi-line string, an
/// array or inline table spread over lines), which the line alone cannot show.
pub(super) fn parses_past(
    text: &str,
    range: std::ops::Range<usize>,
    with: &str,
    past: usize,
) -> bool {
    let edited = format!("{}{with}{}", &text[..range.start], &text[range.end..]);
    let (_, errors) = toml::de::DeTable::parse_recoverable(&edited);
    let first = errors
        .iter()
        .filter_map(|e| e.span())
        .map(|s| s.start)
        .min();
    // Back in `text`'s bytes: past the edit, shifted by what it changed.
    first.is_none_or(|e| e + range.len() > past + with.len())
}

/// Where in `s` (a bare value and the rest of its line) another `key = value` starts, two
/// lines joined into one: after a blank, a bare key whose `key = value` parses on its own.
pub(super) fn another_key_at(s: &str) -> Option<usize> {
    let eq = s.find('=')?;
    let (blank, c) = (s[..eq].trim_end().char_indices())
        .rev()
        .find(|(_, c)| c.is_whitespace())?;
    let key_start = blank + c.len_utf8();
    let key = s[key_start..eq].trim();
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    (bare && parses(&s[key_start..])).then_some(key_start)
}

/// `value` without an INI comment after it (`Sales Desk ; shown to agents`): up to the first
/// `;` written after a blank, blanks before it aside.
pub(super) fn before_ini_comment(value: &str) -> &str {
    (value.match_indices(';'))
        .find(|&(i, _)| value[..i].ends_with([' ', '\t']))
        .map_or(value, |(i, _)| value[..i].trim_end())
}

/// `after`, the text after a value on its line, with an INI comment at its start (blanks
/// aside: ` ; note`) written as TOML's: `;` made `#`.
pub(super) fn ini_comment_as_toml(after: &str) -> std::borrow::Cow<'_, str> {
    let blanks = after.len() - after.trim_start().len();
    match after[blanks..].starts_with(';') {
        true => format!("{}#{}", &after[..blanks], &after[blanks + 1..]).into(),
        false => after.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_the_form_of_the_contract() {
        assert_eq!(expected("transfers"), Expect::List);
        assert_eq!(expected("instant_messaging.channels"), Expect::List);
        assert_eq!(expected("exclude"), Expect::List);
        assert_eq!(expected("instant_messaging"), Expect::Table);
        assert_eq!(expected("api_key_secret"), Expect::Secret);
        assert_eq!(expected("name"), Expect::Text);
    }

    #[test]
    fn values_are_written_in_the_form_of_their_key() {
        assert_eq!(value_for(Expect::List, "tier1"), "[\"tier1\"]");
        assert_eq!(
            value_for(Expect::List, "whatsapp, sms"),
            "[\"whatsapp\", \"sms\"]"
        );
        assert_eq!(
            value_for(Expect::Secret, "$TWILIO_SECRET"),
            "{ env = \"TWILIO_SECRET\" }"
        );
        assert_eq!(
            value_for(Expect::Secret, "hunter2"),
            "{ env = \"TWILIO_API_KEY_SECRET\" }"
        );
        assert_eq!(basic("Sa\u{202e}les"), "\"Sa\\u202Eles\"");
        assert!(parses(&format!("name = {}", basic("Sa\u{202e}les\u{7f}"))));
    }

    #[test]
    fn a_stray_character_is_removed_with_one_blank() {
        assert_eq!(
            without_char("parent =: \"contoso\"", 8).as_deref(),
            Some("parent = \"contoso\"")
        );
        assert_eq!(
            without_char("transfers = :[\"b\"]", 12).as_deref(),
            Some("transfers = [\"b\"]")
        );
        assert_eq!(
            without_char("tran=sfers = [\"b\"]", 4).as_deref(),
            Some("transfers = [\"b\"]")
        );
        assert_eq!(another_key_at("Sales ou = \"sales\""), Some(6));
        assert_eq!(another_key_at("Sales = Team"), None);
        assert_eq!(another_key_at("http://x/?id=42"), None);
        assert_eq!(another_key_at("Sales\u{a0}x = 1"), Some(7));
    }
}
