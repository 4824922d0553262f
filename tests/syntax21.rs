//! The `syntax` rule's explanations mended in the twenty-first session
//! (`src/rules/syntax.rs`):
//!
//! - A list whose items lack both quotes and a `,` between them (`["sales-team" billing]`,
//!   `[sales-team billing]`) got the generic "unexpected text after an array item", or a
//!   "quote each item" help whose list did not parse: now both are told, with the list
//!   mended as a fix.
//! - A `,` missing between two quoted items (`["a" "b"]`) or two pairs of an inline table
//!   was told but not fixed: `--fix` now writes the `,` right after the item before, unless
//!   a comment follows that item on its line.
//! - Numbers parted by a separator of another language (`[8; 12]`, `[8;12]`) got "string
//!   values must be quoted" (the parser reads `8; 12` as one bare word): now the separator is
//!   told, as between strings (`["a"; "b"]`, `tests/syntax20.rs`), and a digit after it counts
//!   as the next item.
//! - A quote inside a string that ended it early (`name = "The "Best" Team"`,
//!   `name = 'It's me'`, `name = "Cont"oso"`) got the parser's "expected newline": now the
//!   quote is told, with the line mended (the value in the other quotes, or the one quote
//!   removed) and `\"` named; two statements on one line stay told as such. Strings joined
//!   with `+` (`name = "Sales" + " IVR"`, syntax audit 21, #42) are told as such, with the
//!   value as one string. A string opened with one quote and closed with the other
//!   (`name = 'Sales IVR"`, #11) is told so, its opening quote made the closing one as a fix.
//! - A bare value of a key of an inline table (`instant_messaging = { channels = whatsapp }`)
//!   got "text values are written in quotes: `\"…\"`", as if its key were out of sight: the
//!   key is now read, and its value shown in the form it takes (`channels = ["whatsapp"]`),
//!   up to the next pair; a secret's variable written `$NAME` there is named without `$`
//!   (with a fix); a credential's value stays unshown.
//!
//! Each case's whole report (human and short) is a reviewed snapshot in
//! `tests/snapshots/syntax21`.

mod common;

use common::syntax::fixed;

const HEAD: &str = "ou = \"support\"\nlicense = \"contact_center\"\n";

/// `[service.x]`'s file with `line` below its header, and the services it names.
fn desk(line: &str) -> String {
    common::syntax::desk(HEAD, line)
}

/// Asserts that `--fix` turns `line` into `mended` with the fix titled `title`, and leaves
/// a clean workspace.
fn fixes(line: &str, mended: &str, title: &str) {
    let out = common::syntax::fixes_desk(HEAD, line, mended, title);
    assert!(out.ends_with("0 errors, 0 warnings in 3 files\n"), "{out}");
}

#[test]
fn items_lacking_quotes_and_a_comma_are_told_both_and_fixed() {
    common::syntax::snapshots(
        "syntax21",
        &[
            (
                "quoted-then-bare-without-comma",
                &desk("transfers = [\"sales-team\" billing]"),
            ),
            (
                "bare-then-bare-without-comma",
                &desk("transfers = [sales-team billing]"),
            ),
            (
                "bare-then-quoted-without-comma",
                &desk("transfers = [sales-team \"billing\" ]"),
            ),
        ],
    );
    let mended = "transfers = [\"sales-team\", \"billing\"]";
    let title = "Quote the items and separate them";
    fixes("transfers = [\"sales-team\" billing]", mended, title);
    fixes("transfers = [sales-team billing]", mended, title);
    fixes(
        "transfers = [sales-team, billing,]",
        mended,
        "Quote the items",
    );
}

#[test]
fn a_comma_missing_between_quoted_items_or_pairs_is_fixed() {
    common::syntax::snapshots(
        "syntax21",
        &[
            (
                "comma-missing-after-an-item-with-a-comment",
                &desk("transfers = [\n  \"sales-team\" # first\n  \"billing\"\n]"),
            ),
            (
                "comma-missing-between-pairs",
                &desk("instant_messaging = { channels = [\"sms\"] messaging_entry = \"e\" }"),
            ),
        ],
    );
    fixes(
        "transfers = [\"sales-team\" \"billing\"]",
        "transfers = [\"sales-team\", \"billing\"]",
        "Add the missing `,`",
    );
    fixes(
        "transfers = [\n  \"sales-team\"\n  \"billing\"\n]",
        "transfers = [\n  \"sales-team\",\n  \"billing\"\n]",
        "Add the missing `,`",
    );
    let pairs = "instant_messaging = { channels = [\"sms\"] messaging_entry = \"e\" }";
    let (out, after) = fixed(&desk(pairs));
    assert_eq!(after, desk(&pairs.replace("] m", "], m")), "{out}");
    // After a comment no `,` can go on the item's line: no fix.
    let commented = desk("transfers = [\n  \"sales-team\" # first\n  \"billing\"\n]");
    assert_eq!(fixed(&commented).1, commented);
}

#[test]
fn numbers_parted_by_a_separator_of_another_language_are_told_the_separator() {
    common::syntax::snapshots(
        "syntax21",
        &[
            ("semicolon-between-numbers", &desk("hours = [8; 12]")),
            ("semicolon-glued-between-numbers", &desk("hours = [8;12]")),
            (
                "semicolon-glued-before-a-number",
                &desk("hours = [\"a\";1]"),
            ),
            ("slash-between-numbers", &desk("hours = [8, 9 / 12]")),
        ],
    );
}

#[test]
fn a_quote_inside_a_string_that_ends_it_early_is_told() {
    common::syntax::snapshots(
        "syntax21",
        &[
            (
                "quotes-inside-a-double-quoted-string",
                "[ou.contoso]\nname = \"The \"Best\" Team\"  # the \"A\" team\n",
            ),
            (
                "quote-inside-a-single-quoted-string",
                "[ou.contoso]\nname = 'It's me'\n",
            ),
            (
                "one-quote-inside-a-double-quoted-string",
                "[ou.contoso]\nname = \"Cont\"oso\"\n",
            ),
            (
                "strings-joined-with-a-plus",
                "[ou.contoso]\nname = \"Sales\" + ' IVR' # joined\n",
            ),
            (
                "string-opened-and-closed-with-different-quotes",
                "[ou.contoso]\nname = 'Sales IVR\"  # the desk\n",
            ),
            (
                "two-statements-after-a-string",
                "[ou.contoso]\nname = \"Contoso\"parent = \"acme\"\n",
            ),
        ],
    );
}

#[test]
fn a_bare_value_in_an_inline_table_is_told_in_the_form_of_its_key() {
    const CONNECTOR: &str = "[connector.c]\nou = \"acme\"\ntype = \"twilio\"\n";
    common::syntax::snapshots(
        "syntax21",
        &[
            (
                "bare-channel-in-an-inline-table",
                &desk("instant_messaging = { channels = whatsapp }"),
            ),
            (
                "bare-entry-before-the-end-of-an-inline-table",
                &desk("instant_messaging = { channels = [\"sms\"], messaging_entry = sms-sales }"),
            ),
            (
                "variable-with-a-dollar-in-an-inline-secret-table",
                &format!("{CONNECTOR}api_key_secret = {{ env = $TWILIO_SECRET }}\n"),
            ),
            (
                "bare-credential-in-an-inline-secret-table",
                &format!("{CONNECTOR}api_key_secret = {{ value = Xy7Qw3Er9Ty2Ui8Op5As }}\n"),
            ),
        ],
    );
    let (out, after) = fixed(&format!(
        "{CONNECTOR}api_key_secret = {{ env = $TWILIO_SECRET }}\n"
    ));
    assert_eq!(
        after,
        format!("{CONNECTOR}api_key_secret = {{ env = \"TWILIO_SECRET\" }}\n"),
        "{out}"
    );
}

#[test]
fn a_string_closed_with_the_other_quote_is_opened_with_it_by_fix() {
    let (out, after) = fixed("[ou.contoso]\nname = 'Sales IVR\"\n");
    assert_eq!(after, "[ou.contoso]\nname = \"Sales IVR\"\n", "{out}");
    assert!(
        out.contains(" fixed[syntax]: Open the string with `\"`\n"),
        "{out}"
    );
}
