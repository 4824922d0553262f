//! Wording shared by the rules' messages.

use crate::diagnostic::Diagnostic;

/// `a, b and c` in backticks.
pub(crate) fn list(items: &[&str]) -> String {
    joined(items, "and")
}

/// `a, b or c` in backticks.
pub(crate) fn list_or(items: &[&str]) -> String {
    joined(items, "or")
}

fn joined(items: &[&str], last_word: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {last_word} {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// `(and N more NOUN)`, the noun as `one` or `many` wants it.
fn more(n: usize, one: &str, many: &str) -> String {
    format!("(and {n} more {})", if n == 1 { one } else { many })
}

/// When `left` places were not labelled, says so at the end of the last label of `d`:
/// `(and N more NOUN)`.
pub(crate) fn label_the_rest(d: &mut Diagnostic, left: usize, one: &str, many: &str) {
    if left > 0
        && let Some(last) = d.labels.last_mut()
    {
        last.message
            .push_str(&format!(" {}", more(left, one, many)));
    }
}

/// `s` with its first letter in upper case: a clause made a sentence.
pub(crate) fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// When the key at `key` (a byte range of `text`) is the start of dotted keys
/// (`s1.instant_messaging.channels = …`): the dotted key up to its end, `s1.instant_messaging`
/// (from the line's start, or inside an inline table from the `{` or `,` before it), which a
/// key added to the same table follows with `.key`.
pub(crate) fn dotted_prefix(text: &str, key: std::ops::Range<usize>) -> Option<&str> {
    let after = text.get(key.end..)?.trim_start_matches([' ', '\t']);
    if !after.starts_with('.') {
        return None;
    }
    let line = text.get(..key.start)?.rfind('\n').map_or(0, |i| i + 1);
    let head = text.get(line..key.end)?;
    let from = head[..key.start - line]
        .rfind(['{', ','])
        .map_or(0, |i| i + 1);
    Some(head[from..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::dotted_prefix;

    fn prefix(text: &str, key: &str) -> Option<String> {
        let at = text.find(key).expect("key");
        dotted_prefix(text, at..at + key.len()).map(str::to_owned)
    }

    #[test]
    fn the_dotted_key_before_a_key_is_read_from_its_line_or_its_inline_table() {
        assert_eq!(
            prefix(
                "[service]\ns1.instant_messaging.channels = []\n",
                "instant_messaging"
            )
            .as_deref(),
            Some("s1.instant_messaging")
        );
        assert_eq!(
            prefix(
                "s1 = { ou = \"c\", instant_messaging.channels = [] }\n",
                "instant_messaging"
            )
            .as_deref(),
            Some("instant_messaging")
        );
        assert_eq!(
            prefix(
                "instant_messaging = { channels = [] }\n",
                "instant_messaging"
            ),
            None
        );
    }
}
