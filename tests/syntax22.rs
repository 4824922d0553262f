//! The `syntax` rule's explanations mended in the twenty-second session
//! (`src/rules/syntax.rs`), from the syntax-help audit's leftovers:
//!
//! - A word running on after a string's closing quote inside a list
//!   (`["sales-team"billing]`) was told "remove the stray quote" with a list that did not
//!   parse: now both readings are offered (two items, or one word with the quote moved after
//!   it), and a quote inside a word (`["sales-te"am]`) is told to move after it.
//! - A space inside a key (`user assignment = "none"`) got the parser's "key with no value":
//!   now told, the words joined (`_`, or `-` for a rule code), and fixed when that makes a key
//!   nimbus-lint reads.
//! - A key left out (`= "x"`) and an array-of-tables header with one `]` (`[[service.y]`) got
//!   the generic help: now each is told, an entity's header written in `[ ]`.
//! - A YAML list (`transfers:` then `  - billing` lines) was told "`:` after a key" alone: now
//!   the list is written in `[ ]` as a fix.
//!
//! Each case's whole report (human and short) is a reviewed snapshot in
//! `tests/snapshots/syntax22`.

mod common;

use common::syntax::fixed;

const HEAD: &str = "ou = \"support\"\nlicense = \"contact_center\"\n";

/// `[service.x]`'s file with `line` below its header, and the services it names.
fn desk(line: &str) -> String {
    common::syntax::desk(HEAD, line)
}

#[test]
fn a_word_running_on_after_a_quote_offers_both_readings() {
    common::syntax::snapshots(
        "syntax22",
        &[
            (
                "word-after-closing-quote",
                &desk("transfers = [\"sales-team\"billing]"),
            ),
            (
                "word-after-closing-quote-in-a-long-list",
                &desk("transfers = [\"billing\", \"sales-team\"billing, \"x\"]"),
            ),
            (
                "quote-inside-a-short-word",
                &desk("transfers = ['sales-team'bi]"),
            ),
        ],
    );
    // Help only: which reading is meant is the user's to say.
    let (out, after) = fixed(&desk("transfers = [\"sales-team\"billing]"));
    assert_eq!(after, desk("transfers = [\"sales-team\"billing]"), "{out}");
    assert!(!out.contains("fixed["), "{out}");
}

#[test]
fn a_space_inside_a_key_is_told_and_fixed_when_the_joined_key_is_known() {
    common::syntax::snapshots(
        "syntax22",
        &[
            (
                "space-inside-a-known-key",
                &desk("user assignment = \"none\""),
            ),
            ("space-inside-an-unknown-key", &desk("display name = \"x\"")),
        ],
    );
    let out = common::syntax::fixes_desk(
        HEAD,
        "user  assignment = \"none\" # an IVR",
        "user_assignment = \"none\" # an IVR",
        "Join the key's words: `user_assignment`",
    );
    assert!(out.ends_with("0 errors, 0 warnings in 3 files\n"), "{out}");
    // A key no table reads is told, not joined: a word may be one too many.
    let (out, after) = fixed(&desk("display name = \"x\""));
    assert_eq!(after, desk("display name = \"x\""), "{out}");
}

#[test]
fn a_space_inside_a_rule_code_is_joined_with_a_dash() {
    let ws = common::workspace(&[
        ("nimbus.toml", "[lints]\nunused connector = \"allow\"\n"),
        ("org.toml", common::syntax::ORG),
    ]);
    let r = common::run(ws.path(), &["check", "--fix", "--format", "short"]);
    let after = std::fs::read_to_string(ws.path().join("nimbus.toml")).unwrap();
    assert_eq!(
        after, "[lints]\nunused-connector = \"allow\"\n",
        "{}",
        r.stderr
    );
}

#[test]
fn a_key_left_out_and_an_array_table_header_with_one_bracket_are_told() {
    common::syntax::snapshots(
        "syntax22",
        &[
            ("key-left-out", &desk("= \"x\"")),
            (
                "array-table-header-of-an-entity-with-one-bracket",
                "[[service.y]\nou = \"support\"\n",
            ),
            (
                "array-table-header-of-another-table-with-one-bracket",
                "[[foo.y]\n",
            ),
        ],
    );
}

#[test]
fn a_yaml_list_is_written_in_brackets() {
    let yaml = "transfers:\n  - billing\n  - \"sales-team\"";
    common::syntax::snapshots("syntax22", &[("yaml-list", &desk(yaml))]);
    let out = common::syntax::fixes_desk(
        HEAD,
        yaml,
        "transfers = [\"billing\", \"sales-team\"]",
        "Write the list in `[ ]`",
    );
    assert!(out.ends_with("0 errors, 0 warnings in 3 files\n"), "{out}");
    // An item that is no plain word keeps the help that names the `:` alone.
    let (out, after) = fixed(&desk("transfers:\n  - billing # the desk"));
    assert_eq!(after, desk("transfers:\n  - billing # the desk"), "{out}");
}
