//! Wording shared by the rules' messages.

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
pub(crate) fn more(n: usize, one: &str, many: &str) -> String {
    format!("(and {n} more {})", if n == 1 { one } else { many })
}
