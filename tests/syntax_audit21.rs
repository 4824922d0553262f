//! The `syntax` rule's explanations mended after the twenty-first session's audit of common
//! TOML mistakes (`src/rules/syntax.rs`, `src/rules/syntax/lists.rs`):
//!
//! - A capitalised boolean (`True`, `FALSE`, a Python or YAML habit) got "text values are
//!   written in quotes: `license = \"True\"`": now TOML's lower-case booleans are told, with
//!   the value written in lower case as a fix (for a key nimbus-lint does not read: none of
//!   its keys takes a boolean, and the value of one is quoted, as `tests/fix_audit22_syntax.rs`
//!   shows).
//! - A list in parentheses (`("a", "b")`) got the parser's "missing opening quote", one in
//!   braces (`{"a", "b"}`) "extra comma in an inline table", and items with no brackets at all
//!   (`transfers = "a", "b"`) "unexpected key or value": each is now told as a list written
//!   in `[ ]`, mended as a fix (no line shown and no fix for a credential's key).
//! - An INI file's comment (`; note`, `name = "x" ; note`) got the parser's "invalid unquoted
//!   key" or "expected newline": now `;` is told no comment's start, replaced by `#` as a fix.
//! - A space for the `.` after an entity's kind (`[service sales-team]`) was told as a space
//!   inside an id, mended to `[service-sales-team]`, a table of another name: now the `.`.
//!
//! Each case's whole report (human and short) is a reviewed snapshot in
//! `tests/snapshots/syntax_audit21`.

mod common;

use common::syntax::fixed;

const HEAD: &str = "ou = \"support\"\n";

/// `[service.x]`'s file with `line` below its header, and the services it names.
fn desk(line: &str) -> String {
    common::syntax::desk(HEAD, line)
}

/// Asserts that `--fix` turns `line` into `mended` with the fix titled `title`.
fn fixes(line: &str, mended: &str, title: &str) {
    common::syntax::fixes_desk(HEAD, line, mended, title);
}

#[test]
fn capitalised_booleans_are_told_lower_case_and_fixed() {
    common::syntax::snapshots(
        "syntax_audit21",
        &[
            ("capitalised-true", &desk("enabled = True")),
            (
                "capitalised-true-in-an-inline-table",
                &desk("instant_messaging = { enabled = True }"),
            ),
            ("upper-case-false", &desk("enabled = FALSE  # off")),
        ],
    );
    fixes("enabled = True", "enabled = true", "Write `true`");
    fixes(
        "instant_messaging = { enabled = False }",
        "instant_messaging = { enabled = false }",
        "Write `false`",
    );
}

#[test]
fn a_list_in_other_brackets_or_none_is_told_and_fixed() {
    common::syntax::snapshots(
        "syntax_audit21",
        &[
            (
                "list-in-parentheses",
                &desk("transfers = (\"sales-team\", \"billing\")"),
            ),
            (
                "list-in-braces",
                &desk("transfers = {\"sales-team\", \"billing\"}"),
            ),
            (
                "list-without-brackets",
                &desk("transfers = \"sales-team\", \"billing\"  # both desks"),
            ),
            (
                "list-in-parentheses-of-a-credential",
                &desk("auth_token = (\"AC0123456789abcdef\", \"x\")"),
            ),
        ],
    );
    let title = "Write the list in `[ ]`";
    let mended = "transfers = [\"sales-team\", \"billing\"]";
    fixes("transfers = (\"sales-team\", \"billing\")", mended, title);
    fixes("transfers = {\"sales-team\", \"billing\"}", mended, title);
    fixes("transfers = \"sales-team\", \"billing\"", mended, title);
    // A text's key takes no list: two strings after it are not mended into one.
    let (out, after) = fixed(&desk("name = \"Sales\", \"IVR\""));
    assert_eq!(after, desk("name = \"Sales\", \"IVR\""), "{out}");
    // A credential's list is neither shown nor mended.
    let secret = "auth_token = (\"AC0123456789abcdef\", \"x\")";
    let (out, after) = fixed(&desk(secret));
    assert_eq!(after, desk(secret), "{out}");
    assert!(!out.contains("AC0123456789abcdef"), "{out}");
}

#[test]
fn a_space_for_the_dot_after_a_kind_is_told_the_dot() {
    common::syntax::snapshots(
        "syntax_audit21",
        &[
            (
                "space-for-the-dot-after-service",
                "[service sales-team]\nou = \"support\"\n",
            ),
            (
                "space-for-the-dot-after-ou-and-in-the-id",
                "[ou north america]\nparent = \"acme\"\n",
            ),
        ],
    );
}

#[test]
fn a_semicolon_comment_is_told_and_fixed() {
    common::syntax::snapshots(
        "syntax_audit21",
        &[
            ("semicolon-comment-line", &desk("; the desk's license")),
            (
                "semicolon-comment-after-a-value",
                &desk("license = \"contact_center\" ; per seat"),
            ),
        ],
    );
    fixes(
        "; the desk's license",
        "# the desk's license",
        "Start the comment with `#`",
    );
    fixes(
        "license = \"contact_center\" ; per seat",
        "license = \"contact_center\" # per seat",
        "Start the comment with `#`",
    );
}
