//! `secret-in-config`: a credential written into the configuration.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::SecretHit;
use crate::resolve::Workspace;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "secret-in-config",
    severity: Severity::Error,
    hard: false,
    summary: "`api_key_secret` given as a literal, or any string value shaped like a Twilio auth token or API key secret",
    explanation: r#"## What it checks

`api_key_secret` must be a reference to an environment variable, `{ env = "NAME" }`, never a
literal string. Every other string of every file (unknown keys, arrays and inline tables too),
and every key, is scanned for the shape of a Twilio credential: exactly 32 hex digits (an auth
token), or 32 ASCII letters and digits mixing upper case, lower case and digits (an API key
secret). A word of that last shape inside a longer string or in a comment is reported too, as
"word shaped like". An id of an existing entity that matches the id pattern (32 hex digits
make one) is exempt, where it is defined and where it is named; one that breaks it (upper case:
every API key secret has some) is no id a tenant can have, and is reported like any other
value. No output ever prints a detected secret in full: at
most its first 4 characters (none of a value shorter than 16) and its length. (A literal
`api_key_secret` under 8 characters is a placeholder: reported, never shown, but not looked
for in other messages, where it cannot be told from their words.) A string anywhere inside a
table or array written for `api_key_secret` (`{ value = "..." }`) is a literal too. A shell
reference written as the value (`"$NAME"`, `"${NAME}"`) is no secret: `invalid-value` tells
the table form.

A value that only looks like a credential (a name a vendor gave) is accepted for one entity by
`# nimbus-lint: allow(secret-in-config)` above its header; lowering the rule in `[lints]` accepts
every such value. Either way the bundle then carries the value as written: it is the
configuration's data, and the rule's diagnostics are what stop it. A literal `api_key_secret`
that is allowed is left out of the bundle (`"api_key_secret": null`): the connector then has
no credential until it names a variable.

## Why it matters

These files live in a repository. A credential committed once stays in its history, is copied
to every clone and CI log, and must be considered leaked: rotate it in the Twilio console.

## Example

```toml
[connector.twilio-us]
ou = "contoso"
type = "twilio"
api_key_sid = "SK12345678900000000000000000abcdef"
api_key_secret = "q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6"
```

## Fix

```toml
api_key_secret = { env = "TWILIO_API_KEY_SECRET" }
```

and rotate the key that was committed.
"#,
    check: Some(check),
};

/// True for 32 hex digits, or 32 ASCII letters and digits mixing upper, lower case and digits.
pub fn is_secret_shaped(s: &str) -> bool {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let hex = s.bytes().all(|b| b.is_ascii_hexdigit());
    let mixed = s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().any(|b| b.is_ascii_digit());
    hex || mixed
}

/// True when a word of a key (`auth`, `pass`) or a part of one (`authToken`, `db_password2`)
/// says that its value may be a credential: `check --fix` never quotes a bare value under
/// such a key into place, nor a help repeats it.
pub fn names_a_credential(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    ["auth", "pass"].contains(&w.as_str())
        || ["secret", "token", "password", "passwd", "credential"]
            .iter()
            .any(|s| w.contains(s))
}

/// True when a key of the table written for `api_key_secret`, beside `env`, names the secret's
/// value (`value`, `secret`, `key`): its string is the secret itself. Wider than
/// [`names_a_credential`] (a table that is a secret's already, `value` and `key` are telling),
/// narrower where no table says so.
pub fn names_the_secret_value(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["value", "secret", "key", "token", "pass", "literal"]
        .iter()
        .any(|w| key.contains(w))
}

/// True when `s`, written where a secret goes, is a variable's name in capitals
/// (`TWILIO_SECRET`): the name misplaced, no secret.
pub fn names_a_variable(s: &str) -> bool {
    crate::parse::is_env_name(s) && !s.bytes().any(|b| b.is_ascii_lowercase())
}

/// The words of `text` shaped like an API key secret: runs of 32 ASCII letters and digits
/// mixing upper case, lower case and digits ([`is_secret_shaped`]), as byte ranges. What
/// outputs mask even where no check recorded a secret (a comment, a value of a file that does
/// not parse, a word among others). No id can be one (ids are lower case).
///
/// With `hex`, runs of 32 hex digits too: an auth token in a comment or a URL. Messages leave
/// those alone, as they name ids and files; 32 hex digits are so many things that only a
/// whole value is taken for a token there.
///
/// A UTF-16 file read as UTF-8 has a NUL byte after each letter: a run of letters with NULs
/// between them is read as the letters alone, and, when that is no such word, as the words
/// the NULs separate.
pub fn shaped_words(text: &str, hex: bool) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // A word is part of a run of letters, digits (and NULs) at least 32 bytes long: such a run
    // holds the 32nd byte of any window it starts in. So only every 32nd byte is looked at
    // until one is in a run, which is then read whole. `at` always follows a byte of no run.
    let part = |b: u8| b.is_ascii_alphanumeric() || b == 0;
    let mut at = 0;
    while at + 32 <= bytes.len() {
        if !part(bytes[at + 31]) {
            at += 32;
            continue;
        }
        let mut start = at + 31;
        while start > at && part(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 32;
        while end < bytes.len() && part(bytes[end]) {
            end += 1;
        }
        at = end + 1;
        // A run begins at a letter or digit, not at a NUL.
        while start < end && bytes[start] == 0 {
            start += 1;
        }
        if end - start < 32 {
            continue;
        }
        push_shaped(text, start..end, hex, &mut out);
    }
    out
}

/// Pushes the words shaped like an API key secret of the run `run` of `text` (letters, digits
/// and NULs, beginning with a letter or digit): the run itself, or, with NULs in it, its
/// letters alone when they make one word (UTF-16 read as UTF-8), else each word they separate.
fn push_shaped(
    text: &str,
    run: std::ops::Range<usize>,
    hex: bool,
    out: &mut Vec<std::ops::Range<usize>>,
) {
    let shaped =
        |w: &str| is_secret_shaped(w) && (hex || !w.bytes().all(|b| b.is_ascii_hexdigit()));
    let word = &text[run.clone()];
    if !word.contains('\0') {
        if shaped(word) {
            out.push(run);
        }
    } else if word.len() <= 2 * 32 && is_secret_shaped(&word.replace('\0', "")) {
        out.push(run);
    } else {
        let mut from = run.start;
        for part in word.split('\0') {
            if is_secret_shaped(part) {
                out.push(from..from + part.len());
            }
            from += part.len() + 1;
        }
    }
}

/// `text` with each word shaped like an API key secret ([`shaped_words`]) masked to its first
/// characters, or `None` when it holds none.
pub fn mask_shaped(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut done = 0;
    for w in shaped_words(text, false) {
        let keep = crate::model::shown_chars(32);
        out.push_str(&text[done..w.start + keep.min(w.len())]);
        out.push('…');
        done = w.end;
    }
    if done == 0 {
        return None;
    }
    out.push_str(&text[done..]);
    Some(out)
}

/// True when `hit` is the id of an entity (32 hex digits make a valid id) and not an
/// `api_key_secret` literal: not a secret at all, neither reported nor masked. The workspace
/// drops such hits once resolved. An id that breaks the id pattern (upper case: every API key
/// secret has some) is no id a tenant can have: a credential pasted as one is reported.
pub fn is_exempt(ws: &Workspace, hit: &SecretHit) -> bool {
    !hit.literal_secret && ws.is_entity_id(&hit.value)
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for hit in &cx.ws.model.secrets {
        let shown = hit.redacted();
        let d = if hit.literal_secret {
            let mut help = "write `api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }` and set the variable where Nimbus is deployed".to_owned();
            let key = hit.key.as_deref().unwrap_or("api_key_secret");
            let message = if hit.value.is_empty() {
                format!("`{key}` is a literal, empty string")
            } else {
                // `"TWILIO_API_KEY_SECRET"` may be a variable's name, or a password in capitals.
                if names_a_variable(&hit.value) {
                    help = "if this is the name of the variable that holds the secret, write it as `api_key_secret = { env = \"<that name>\" }`; if it is the secret itself, delete it and rotate the key in Twilio".to_owned();
                } else {
                    help.push_str("; rotate this key in Twilio, it has been exposed");
                }
                format!("`{key}` holds a literal secret {shown}")
            };
            Diagnostic::new(Code::SecretInConfig, hit.span, message)
                .label("a secret in the repository")
                .help(help)
        } else {
            let what = if hit.value.bytes().all(|b| b.is_ascii_hexdigit()) {
                "a Twilio auth token"
            } else {
                "a Twilio API key secret"
            };
            // A word in a comment or inside a longer string, or a whole value.
            let thing = if hit.loose { "word" } else { "string" };
            Diagnostic::new(
                Code::SecretInConfig,
                hit.span,
                format!("{thing} shaped like {what}: {shown}"),
            )
            .label("looks like a credential")
            .help(shaped_help(hit.key.as_deref()))
        };
        out.push(match &hit.entity {
            Some((kind, id)) => d.about(*kind, id),
            None => d,
        });
    }
}

/// What to do with a credential-shaped string, by the key it was found under.
fn shaped_help(key: Option<&str>) -> String {
    const ENV: &str = "`api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }`";
    const ROTATE: &str = "rotate the exposed credential in Twilio";
    match key {
        Some("api_key_sid") => format!(
            "this is a secret, not the key's SID: write the SID here (`SK` + 32 hex digits), give the connector {ENV}, and {ROTATE}"
        ),
        Some(sid @ "service_sid") => format!(
            "`{sid}` takes the Conversations Service SID (`IS` + 32 hex digits), not a credential: write the SID here, and {ROTATE}"
        ),
        _ => format!(
            "credentials never belong in these files: delete it, keep it in an environment variable that a connector names with {ENV}, and {ROTATE}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret_shaped;

    #[test]
    fn shapes() {
        assert!(is_secret_shaped("0123456789abcdef0123456789abcdef"));
        assert!(is_secret_shaped("q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6"));
        assert!(!is_secret_shaped("abcdefghijabcdefghijabcdefghijab"));
        assert!(!is_secret_shaped("0123456789abcdef0123456789abcde"));
        assert!(!is_secret_shaped("IS12345678900000000000000000AbCdEf"));
    }

    /// `shaped_words` as it read every byte, before it looked at every 32nd only (each run
    /// read into words as the fast scan reads it: the two differ in how they find runs).
    fn every_byte(text: &str, hex: bool) -> Vec<std::ops::Range<usize>> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if !bytes[at].is_ascii_alphanumeric() {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == 0) {
                at += 1;
            }
            super::push_shaped(text, start..at, hex, &mut out);
        }
        out
    }

    #[test]
    fn words_found_looking_at_every_32nd_byte_are_those_found_reading_every_byte() {
        // Runs of every length around 32, of letters, digits, NULs, between other characters.
        let pieces = ["a", "Z", "7", "f", "\0", " ", "-", "é", "\n", "=\""];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..next(6) {
                let run = 24 + next(20);
                for _ in 0..run {
                    // Mostly letters and digits, so that runs reach 32.
                    let p = if next(10) < 8 {
                        next(4)
                    } else {
                        next(pieces.len())
                    };
                    text.push_str(pieces[p]);
                }
                text.push_str(pieces[5 + next(5)]);
            }
            for hex in [false, true] {
                assert_eq!(
                    super::shaped_words(&text, hex),
                    every_byte(&text, hex),
                    "{text:?}"
                );
            }
        }
    }
}
