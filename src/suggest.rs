//! "Did you mean" suggestions for misspelled keys, ids, enum values and rule codes.

/// Folds case and treats `-` like `_`, so that `API-Key-SID` finds `api_key_sid`.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The largest edit distance still worth suggesting for a word of `len` characters.
fn budget(len: usize) -> usize {
    (len / 3).clamp(1, 3)
}

/// The candidate nearest to `input`, if one is close enough to be a likely typo.
///
/// Ties go to the alphabetically first candidate, so the answer never depends on the order
/// candidates come in.
pub fn nearest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let folded = fold(input);
    let len = folded.chars().count();
    let max = budget(len);
    let mut best: Option<(usize, &'a str)> = None;
    for cand in candidates {
        let c = fold(cand);
        let clen = c.chars().count();
        if clen.abs_diff(len) > max {
            continue;
        }
        let d = if c == folded {
            0
        } else if folded.len() >= 3 && (c.starts_with(&folded) || folded.starts_with(&c)) {
            clen.abs_diff(len).min(max)
        } else {
            strsim::damerau_levenshtein(&folded, &c)
        };
        if d <= max && best.is_none_or(|(bd, bc)| (d, cand) < (bd, bc)) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` for a suggestion, or an empty string.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("did you mean `{s}`? "))
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn finds_typos_case_and_dashes() {
        let keys = ["name", "ou", "license", "user_assignment", "transfers"];
        assert_eq!(nearest("licence", keys), Some("license"));
        assert_eq!(nearest("User-Assignment", keys), Some("user_assignment"));
        assert_eq!(nearest("transfer", keys), Some("transfers"));
        assert_eq!(nearest("oo", keys), Some("ou"));
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        let keys = ["name", "ou", "license"];
        assert_eq!(nearest("colour", keys), None);
        assert_eq!(nearest("x", ["abc"]), None);
    }
}
