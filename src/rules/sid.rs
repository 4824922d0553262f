//! Twilio SIDs: shape checks and what a prefix says was pasted instead.

/// Twilio SID prefixes and what they identify.
const PREFIXES: &[(&str, &str)] = &[
    ("AC", "an account SID"),
    ("MG", "a Messaging Service SID"),
    ("CH", "a Conversation SID"),
    ("SK", "an API Key SID"),
    ("IS", "a Conversations Service SID"),
    ("PN", "a phone number SID"),
    ("MB", "a Participant SID"),
    ("IM", "a Message SID"),
    ("US", "a User SID"),
    ("HX", "a Content Template SID"),
    ("FW", "a Studio Flow SID"),
    ("SM", "an SMS message SID"),
    ("MM", "an MMS message SID"),
    ("CA", "a call SID"),
    ("VA", "a Verify Service SID"),
    ("RL", "a Role SID"),
    ("CR", "a Credential SID"),
];

/// Why a value is not a SID with the expected prefix.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The value has surrounding whitespace.
    Whitespace,
    /// Right characters, wrong prefix case (`sk…`).
    PrefixCase,
    /// Another kind of SID: its prefix and what it is.
    OtherSid(&'static str, &'static str),
    /// The right prefix, but not 32 hex digits after it: how many characters follow, and the
    /// first that is not a hex digit.
    Body { len: usize, bad: Option<char> },
    /// Not a SID at all.
    Shape,
}

/// Checks `value` is `prefix` + 32 hex digits (either case).
pub(crate) fn check(value: &str, prefix: &str) -> Result<(), Problem> {
    let trimmed = value.trim();
    if trimmed != value {
        // What was pasted matters more than the spaces around it (an account SID).
        return match check(trimmed, prefix) {
            Err(other @ Problem::OtherSid(..)) => Err(other),
            _ => Err(Problem::Whitespace),
        };
    }
    let hex = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(body) = value.strip_prefix(prefix) {
        return if hex(body) {
            Ok(())
        } else {
            Err(Problem::Body {
                len: body.chars().count(),
                bad: body.chars().find(|c| !c.is_ascii_hexdigit()),
            })
        };
    }
    let head: String = value.chars().take(2).collect();
    if head.eq_ignore_ascii_case(prefix) && value.is_char_boundary(2) && hex(&value[2..]) {
        return Err(Problem::PrefixCase);
    }
    // Another kind of SID, even cut short or pasted long, its prefix in either case: hex
    // digits after its prefix.
    let sid_like =
        |body: &str| (24..=40).contains(&body.len()) && body.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(&(p, what)) = PREFIXES.iter().find(|(p, _)| p.eq_ignore_ascii_case(&head))
        && sid_like(&value[2..])
    {
        return Err(Problem::OtherSid(p, what));
    }
    Err(Problem::Shape)
}

/// The SID `value` is but for blanks around it and the case of its prefix (`sk0123… `): what
/// the fix writes. `None` when it is right, or when more is wrong.
pub(crate) fn repaired(value: &str, prefix: &str) -> Option<String> {
    let trimmed = value.trim();
    let head = trimmed.get(..prefix.len())?;
    let sid = format!("{prefix}{}", &trimmed[prefix.len()..]);
    (head.eq_ignore_ascii_case(prefix) && sid != value && check(&sid, prefix).is_ok())
        .then_some(sid)
}

/// `d`, about the SID `v`, with the fix to [`repaired`] when there is one, which its help
/// names.
pub(crate) fn with_repair(
    d: crate::diagnostic::Diagnostic,
    v: &crate::model::Sp<crate::model::Text>,
    prefix: &str,
) -> crate::diagnostic::Diagnostic {
    match repaired(&v.value, prefix) {
        Some(sid) => {
            let help = format!("{} (the fix writes `{sid}`)", d.help);
            d.help(help).fix_string(v.span, &sid)
        }
        None => d,
    }
}

/// The label at the value: what it is, when it is another kind of SID.
pub(crate) fn label(problem: &Problem, prefix: &str) -> String {
    match problem {
        Problem::OtherSid(_, what) => format!("this is {what}"),
        _ => format!("not `{prefix}` + 32 hex digits"),
    }
}

/// One sentence on what is wrong, for the help.
pub(crate) fn explain(problem: &Problem, prefix: &str) -> String {
    match problem {
        Problem::Whitespace => "remove the spaces or line break around the SID".to_owned(),
        Problem::PrefixCase => format!("the prefix must be upper case: `{prefix}…`"),
        Problem::OtherSid(p, what) => {
            format!("`{p}…` is {what}, not the one needed here")
        }
        Problem::Body { len, bad: Some(c) } if *len == 32 => {
            format!("`{c}` is not a hex digit: after `{prefix}` come 32 of 0-9 and a-f")
        }
        Problem::Body { len, bad } => {
            let follow = if *len == 1 {
                "1 character follows".to_owned()
            } else {
                format!("{len} characters follow")
            };
            let mut s = format!("after `{prefix}` come exactly 32 hex digits, here {follow}");
            if let Some(c) = bad {
                s.push_str(&format!(" and `{c}` is not a hex digit"));
            }
            s.push_str(if *len < 32 {
                " (was the SID cut short?)"
            } else {
                " (was something pasted with it?)"
            });
            s
        }
        Problem::Shape => "this is no Twilio SID".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_shapes_and_prefixes() {
        assert_eq!(check("IS12345678900000000000000000AbCdEf", "IS"), Ok(()));
        assert_eq!(
            check("MG12345678900000000000000000abcdef", "IS"),
            Err(Problem::OtherSid("MG", "a Messaging Service SID"))
        );
        assert_eq!(
            check("is12345678900000000000000000abcdef", "IS"),
            Err(Problem::PrefixCase)
        );
        // The account SID, whatever the case of its prefix.
        assert_eq!(
            check("ac0123456789abcdef0123456789abcdef", "SK"),
            Err(Problem::OtherSid("AC", "an account SID"))
        );
        assert_eq!(
            check("IS1234", "IS"),
            Err(Problem::Body { len: 4, bad: None })
        );
        assert_eq!(
            check("IS1234567890000000000000000000abcz", "IS"),
            Err(Problem::Body {
                len: 32,
                bad: Some('z')
            })
        );
        assert_eq!(check(" IS1234", "IS"), Err(Problem::Whitespace));
        // What was pasted is named even with spaces around it or a digit short.
        assert_eq!(
            check("AC12345678900000000000000000abcdef ", "SK"),
            Err(Problem::OtherSid("AC", "an account SID"))
        );
        assert_eq!(
            check("CH12345678900000000000000000abcde", "IS"),
            Err(Problem::OtherSid("CH", "a Conversation SID"))
        );
        assert_eq!(check("US1", "IS"), Err(Problem::Shape));
        assert_eq!(check("hello", "IS"), Err(Problem::Shape));
        assert_eq!(check("é", "IS"), Err(Problem::Shape));
    }

    #[test]
    fn blanks_and_the_prefix_case_are_repaired_and_nothing_else() {
        let sid = "SK0123456789abcdef0123456789abcdef";
        assert_eq!(
            repaired(" sk0123456789abcdef0123456789abcdef\n", "SK").as_deref(),
            Some(sid)
        );
        assert_eq!(
            repaired("Sk0123456789abcdef0123456789abcdef", "SK").as_deref(),
            Some(sid)
        );
        assert_eq!(repaired(sid, "SK"), None);
        assert_eq!(repaired("sk0123456789abcdef0123456789abcde", "SK"), None);
        assert_eq!(repaired("ac0123456789abcdef0123456789abcdef", "SK"), None);
        assert_eq!(repaired("é", "SK"), None);
    }

    #[test]
    fn counts_what_follows_the_prefix_in_words() {
        let one = explain(&check("SK…", "SK").unwrap_err(), "SK");
        assert_eq!(
            one,
            "after `SK` come exactly 32 hex digits, here 1 character follows and `…` is not a \
             hex digit (was the SID cut short?)"
        );
        let four = explain(&check("SK1234", "SK").unwrap_err(), "SK");
        assert!(four.contains("here 4 characters follow"), "{four}");
    }
}
