//! The messages, helps and fixes of common syntax mistakes and malformed suppression comments:
//! each case's rendered text (human and short) is a reviewed snapshot, and each fix is
//! checked by the file `check --fix` leaves.

mod common;

use common::syntax::{ORG, rendered};
use common::{run, workspace};

/// Snapshots the rendered text of each `(name, text)` case.
fn snapshots(cases: &[(&str, &str)]) {
    common::syntax::snapshots("syntax_help", cases);
}

/// What `check --fix` writes to `x.toml` holding `text`, and what it says on stderr.
fn fixed(text: &str) -> (String, String) {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("x.toml", text)]);
    // Quiet: stderr holds the count of fixes alone, not their list.
    let r = run(ws.path(), &["check", "--fix", "--quiet"]);
    let after = std::fs::read_to_string(ws.path().join("x.toml")).expect("x.toml");
    (after, r.stderr)
}

const DESK: &str = "[service.desk]\nou = \"support\"\nlicense = \"contact_center\"\n";

#[test]
fn an_array_or_inline_table_left_open_is_reported_at_its_opening_bracket() {
    let im = "\n[service.desk.instant_messaging]\nchannels = [\"interact\"]\n";
    snapshots(&[
        (
            "unclosed-array-before-header",
            &format!("{DESK}transfers = [\"sales-team\"\n{im}"),
        ),
        (
            "unclosed-array-trailing-comma",
            &format!("{DESK}transfers = [\n  \"sales-team\",\n  \"billing\",\n{im}"),
        ),
        (
            "unclosed-array-before-key",
            &format!("{DESK}transfers = [\"sales-team\"\nuser_assignment = \"none\"\n"),
        ),
        (
            "unclosed-array-at-end",
            &format!("{DESK}transfers = [\"sales-team\"\n"),
        ),
        (
            "unclosed-inline-table-before-header",
            &format!(
                "{DESK}instant_messaging = {{ channels = [\"interact\"]\n\n[service.other]\nou = \"sales\"\n"
            ),
        ),
    ]);
    // Following the help makes the file parse.
    let text = format!("{DESK}transfers = [\"sales-team\",\n{im}");
    let help = rendered(&text);
    assert!(
        help.contains("help: add `]` after `\"sales-team\",`"),
        "{help}"
    );
    let mended = text.replace("\"sales-team\",", "\"sales-team\",]");
    assert!(!rendered(&mended).contains("[syntax]"), "{mended}");
}

#[test]
fn a_line_in_brackets_inside_an_array_is_read_as_an_item_or_a_header_as_the_file_parses_best() {
    snapshots(&[
        // An item of an array of arrays with its comma missing, indented or not: no header.
        (
            "array-of-arrays-missing-comma",
            &format!("{DESK}hours = [\n  [8, 12]\n  [18, 20]\n]\n"),
        ),
        (
            "array-of-arrays-missing-comma-closing-on-the-item",
            &format!("{DESK}hours = [[8, 12]\n[18, 20]]\n"),
        ),
        // A header below an array left open, itself left open: both brackets named.
        (
            "unclosed-array-before-unclosed-header",
            &format!("{DESK}transfers = [\"sales-team\"\n[service.other\nou = \"sales\"\n"),
        ),
        // A multi-line string left open inside an array: the string, not the array.
        (
            "multi-line-string-open-in-array",
            &format!("{DESK}transfers = [\n  \"sales-team\",\n  \"\"\"billing\n]\n"),
        ),
    ]);
    // Following each help makes the file parse.
    for (text, mended) in [
        (
            "hours = [\n  [8, 12]\n  [18, 20]\n]\n",
            "hours = [\n  [8, 12],\n  [18, 20]\n]\n",
        ),
        (
            "transfers = [\"sales-team\"\n[service.other\nou = \"sales\"\n",
            "transfers = [\"sales-team\"]\n[service.other]\nou = \"sales\"\n",
        ),
    ] {
        assert!(rendered(&format!("{DESK}{text}")).contains("[syntax]"));
        let out = rendered(&format!("{DESK}{mended}"));
        assert!(!out.contains("[syntax]"), "{out}");
    }
}

#[test]
fn a_quote_or_bracket_missing_or_stray_near_an_item_is_named_with_an_edit_that_parses() {
    let cases: &[(&str, &str, &str)] = &[
        // The closing quote of an array's last item goes before the `]`, not after it.
        (
            "string-open-before-closing-bracket",
            "transfers = [\"sales-team]\n",
            "transfers = [\"sales-team\"]\n",
        ),
        // … and before the `,` and the comment of an item of an array spread over lines.
        (
            "string-open-before-comma-and-comment",
            "transfers = [\n  \"sales-team,   # first\n  \"billing\",\n]\n",
            "transfers = [\n  \"sales-team\",   # first\n  \"billing\",\n]\n",
        ),
        // A quote escaped by a backslash closes nothing, in LF and CRLF files alike.
        (
            "escaped-closing-quote",
            "user_assignment = \"none\\\"\n",
            "user_assignment = \"none\"\n",
        ),
        (
            "escaped-closing-quote-crlf",
            "user_assignment = \"none\\\"\r\n",
            "user_assignment = \"none\"\r\n",
        ),
        // A string that swallowed the comma after it, a stray quote inside a string.
        (
            "string-swallowed-comma",
            "transfers = [\"sales-team, \"billing\"]\n",
            "transfers = [\"sales-team\", \"billing\"]\n",
        ),
        (
            "stray-quote-in-string",
            "transfers = [\"sales-te\"am\"]\n",
            "transfers = [\"sales-team\"]\n",
        ),
        // An array closed by the `}` of the inline table around it.
        (
            "array-closed-by-brace",
            "instant_messaging = { channels = [\"interact\" }\n",
            "instant_messaging = { channels = [\"interact\"] }\n",
        ),
        // A `#` before an array's items: they are a comment.
        (
            "hash-before-array-items",
            "transfers = [#\"sales-team\", \"billing\"]\n",
            "transfers = [\"sales-team\", \"billing\"]\n",
        ),
        // A `{` before a value: no inline table.
        (
            "stray-brace-before-value",
            "user_assignment = {\"none\"\n",
            "user_assignment = \"none\"\n",
        ),
        // Inline tables spread over lines (TOML 1.1): the bracket left open, and only it.
        (
            "multi-line-inline-table-unclosed",
            "instant_messaging = {\n  channels = [\"interact\"],\n  messaging_entry = \"e\"\nuser_assignment = \"none\"\n",
            "instant_messaging = {\n  channels = [\"interact\"],\n  messaging_entry = \"e\"}\nuser_assignment = \"none\"\n",
        ),
        (
            "multi-line-inline-table-array-unclosed",
            "instant_messaging = {\n  channels = [\"interact\",\n  messaging_entry = \"e\"\n}\n",
            "instant_messaging = {\n  channels = [\"interact\"],\n  messaging_entry = \"e\"\n}\n",
        ),
    ];
    snapshots(
        &(cases.iter())
            .map(|&(name, text, _)| (name, &*Box::leak(format!("{DESK}{text}").into_boxed_str())))
            .collect::<Vec<_>>(),
    );
    // Each help, followed, makes the file parse.
    for &(name, text, mended) in cases {
        assert!(
            rendered(&format!("{DESK}{text}")).contains("[syntax]"),
            "{name}"
        );
        let out = rendered(&format!("{DESK}{mended}"));
        assert!(!out.contains("[syntax]"), "{name}: {out}");
    }
}

#[test]
fn a_header_or_key_line_mistyped_is_named_with_the_line_that_parses() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "colon-in-header-id",
            "[service.de:sk]\nou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "comma-in-header-id",
            "[ser,vice.desk]\nou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "header-closed-with-brace",
            "[service.desk}\nou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "empty-id-after-dot",
            "[service.desk.]\nou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "bracket-inside-header",
            "[service.]desk]\nou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "hash-in-header-id",
            "[service.desk#2]\nou = \"support\"\n",
            "[service.desk2]\nou = \"support\"\n",
        ),
        (
            "header-without-opening-bracket",
            "service.desk]\nou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "header-with-no-name",
            "[]\nou = \"support\"\n",
            "[service.sales-ivr]\nou = \"support\"\n",
        ),
        (
            "stray-bracket-before-key",
            "[service.desk]\n[ou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        // A typo in the header of a table written before: no table written twice.
        (
            "brace-in-header-below-its-table",
            "[service.desk]\nou = \"support\"\n[service.desk}.instant_messaging]\n",
            "[service.desk]\nou = \"support\"\n[service.desk.instant_messaging]\n",
        ),
        // A line break lost between two statements, a stray character, an `=` left out.
        (
            "two-statements-on-one-line",
            "[service.desk]\nou = \"support\"license = \"contact_center\"\n",
            "[service.desk]\nou = \"support\"\nlicense = \"contact_center\"\n",
        ),
        (
            "stray-semicolon-after-value",
            "[service.desk]\nou = \"support\";\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "stray-character-in-key",
            "[service.desk]\no]u = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "equals-left-out",
            "[service.desk]\nou  \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        // A stray quote before a line, in LF and CRLF files alike.
        (
            "stray-quote-before-key",
            "[service.desk]\n'ou = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "stray-quote-before-key-crlf",
            "[service.desk]\r\n'ou = \"support\"\r\n",
            "[service.desk]\r\nou = \"support\"\r\n",
        ),
        (
            "stray-colon-in-key",
            "[service.desk]\no:u = \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "json-quoted-key",
            "[service.desk]\n\"ou\": \"support\",\n",
            "[service.desk]\n\"ou\" = \"support\"\n",
        ),
        (
            "trailing-comma-after-value",
            "[service.desk]\nou = \"support\",\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        (
            "stray-comma-after-equals",
            "[service.desk]\nou =, \"support\"\n",
            "[service.desk]\nou = \"support\"\n",
        ),
        // Indented deeper than its value is long (once a slice out of order: a panic).
        (
            "array-without-opening-bracket-indented",
            "[service.desk]\nou = \"support\"\n                         x = \"a\", \"b\"]\n",
            "[service.desk]\nou = \"support\"\n                         x = [\"a\", \"b\"]\n",
        ),
        (
            "array-without-opening-bracket",
            "[service.desk]\nou = \"support\"\ntransfers = \"sales\", \"billing\"]\n",
            "[service.desk]\nou = \"support\"\ntransfers = [\"sales\", \"billing\"]\n",
        ),
        (
            "windows-path-in-string",
            "[ou.desk]\nname = \"C:\\Users\\x\"\n",
            "[ou.desk]\nname = 'C:\\Users\\x'\n",
        ),
    ];
    snapshots(
        &cases
            .iter()
            .map(|&(name, text, _)| (name, text))
            .collect::<Vec<_>>(),
    );
    // Each help, followed, makes the file parse.
    for &(name, text, mended) in cases {
        assert!(rendered(text).contains("[syntax]"), "{name}");
        let out = rendered(mended);
        assert!(!out.contains("[syntax]"), "{name}: {out}");
    }
}

#[test]
fn explanations_hold_below_line_one_without_a_final_line_break_and_for_long_or_secret_lines() {
    snapshots(&[
        // The extra `]`s of an indented header on line 3, underlined whole.
        (
            "extra-brackets-after-indented-header",
            "[ou.z]\nparent = \"acme\"\n  [service.x]]]\nou = \"z\"\n",
        ),
        // A space in an id on line 3, the help written for it.
        (
            "space-in-id-below-line-one",
            "[ou.z]\nparent = \"acme\"\n[service.sales bot]\nou = \"z\"\n",
        ),
        // A multi-line string left open in a file without a final line break.
        (
            "multi-line-string-open-no-final-line-break",
            "[ou.z]\nparent = \"acme\"\nname = \"\"\"abc",
        ),
        // A header too long to repeat, written twice: not quoted as if it were its text.
        (
            "long-header-written-twice",
            "[service.a-rather-long-service-name-for-sales.instant_messaging]\nchannels = []\n[service.a-rather-long-service-name-for-sales.instant_messaging]\n",
        ),
        // A header written at the end of a comment (a line break lost): the cause of a key set
        // twice.
        (
            "header-swallowed-by-a-comment",
            "[ou.z]\nparent = \"acme\"\n  # the next one.[ou.y]\nparent = \"acme\"\n",
        ),
        // A string left open under a key naming a credential: its text is never repeated.
        (
            "open-string-under-a-credential-key",
            "[ou.z]\nparent = \"acme\"\npassword = \"hunter2\n",
        ),
    ]);
}

#[test]
fn an_unclosed_array_under_a_secret_s_key_does_not_repeat_its_last_item() {
    let secret = "Ab3dEfGh1jKlMn0pQrStUvWxYz012399";
    let text = format!(
        "[connector.c]\nou = \"acme\"\ntype = \"twilio\"\napi_key_secret = [\"{secret}\"\n\n[ou.x]\n"
    );
    let out = rendered(&text);
    assert!(!out.contains(secret), "{out}");
    assert!(
        out.contains(
            "x.toml:4:18: error[syntax]: invalid TOML: unclosed array: the `[` on line 4 has no `]`"
        ),
        "{out}"
    );
    assert!(
        out.contains("help: add `]` at the end of the array's last item, on line 4"),
        "{out}"
    );
}

#[test]
fn curly_quotes_are_named_and_straightened_in_one_round() {
    snapshots(&[
        (
            "curly-double",
            "[service.desk]\nou = “support”\nlicense = \"contact_center\"\n",
        ),
        (
            "curly-single",
            "[service.desk]\nou = ‘support’\nlicense = \"contact_center\"\n",
        ),
        (
            "curly-then-straight",
            "[service.desk]\nou = “support\"\nlicense = \"contact_center\"\n",
        ),
        (
            "curly-in-array",
            "[service.desk]\nou = \"support\"\nlicense = \"contact_center\"\ntransfers = [\n  “sales-team”,\n]\n",
        ),
    ]);
    // The help, followed literally, and the fix agree: one round, one fix a line.
    let text = "[service.desk]\nou = “support”\nlicense = \"contact_center\"\nuser_assignment = „none“ # a “note”\n\n\
                [service.desk.instant_messaging]\nchannels = [“interact”, 'sms', ‘whatsapp’]\n";
    let (after, stderr) = fixed(text);
    assert_eq!(
        after,
        "[service.desk]\nou = \"support\"\nlicense = \"contact_center\"\nuser_assignment = \"none\" # a “note”\n\n\
         [service.desk.instant_messaging]\nchannels = [\"interact\", 'sms', \"whatsapp\"]\n"
    );
    assert_eq!(stderr, "fixed 3 problems in 1 file\n");
    // CRLF line ends are kept.
    let (after, stderr) =
        fixed("[service.desk]\r\nou = “support”\r\nlicense = \"contact_center\"\r\n");
    assert_eq!(
        after,
        "[service.desk]\r\nou = \"support\"\r\nlicense = \"contact_center\"\r\n"
    );
    assert_eq!(stderr, "fixed 1 problem in 1 file\n");
    // A credential in curly quotes is neither shown nor rewritten: the help names a variable.
    let secret = "Ab3dEfGh1jKlMn0pQrStUvWxYz012399";
    let text = format!("[connector.c]\nou = \"acme\"\napi_key_secret = “{secret}”\n");
    let out = rendered(&text);
    assert!(!out.contains(secret), "{out}");
    assert!(
        out.contains("`api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }`"),
        "{out}"
    );
    assert_eq!(fixed(&text).0, text);
}

#[test]
fn common_syntax_mistakes_get_a_concrete_help() {
    snapshots(&[
        (
            "unclosed-basic-string",
            "[service.x]\nou = \"sales\nlicense = \"contact_center\"\n",
        ),
        (
            "unclosed-literal-string",
            "[service.x]\nou = 'sales\nlicense = \"contact_center\"\n",
        ),
        ("colon-for-equals", "[service.x]\nou: \"sales\"\n"),
        ("slash-comment", "[service.x]\nou = \"sales\" // team\n"),
        ("double-equals", "[service.x]\nou == \"sales\"\n"),
        (
            "extra-bracket-after-header",
            "[service.x]]\nou = \"sales\"\n",
        ),
        ("invalid-escape", "[service.x]\nname = \"Sales\\EMEA\"\n"),
        (
            "space-in-header-id",
            "[service.sales bot]\nou = \"sales\"\n",
        ),
        ("header-left-open", "[service.x\nou = \"sales\"\n"),
        (
            "missing-comma",
            "[service.x]\ntransfers = [\n  \"a\"\n  \"b\",\n]\n",
        ),
        (
            "json-file",
            "{\n  \"service\": {\"x\": {\"ou\": \"sales\"}}\n}\n",
        ),
        ("yaml-file", "service:\n  x:\n    ou: sales\n"),
        (
            "extra-comma-in-array",
            "[service.x]\ntransfers = [\"a\",, \"b\"]\n",
        ),
        (
            "extra-comma-in-inline-table",
            "[service.x]\ninstant_messaging = { channels = [\"sms\"],, messaging_entry = \"e\" }\n",
        ),
        (
            "inline-entity-then-its-header",
            "[service]\ns1 = { ou = \"sales\", license = \"contact_center\" }\n\n[service.s1]\nou = \"sales\"\n",
        ),
        (
            "dotted-entity-then-its-header",
            "[service]\ns1.ou = \"sales\"\n\n[service.s1]\nlicense = \"contact_center\"\n",
        ),
        (
            "missing-comma-in-inline-table",
            "[service.x]\ninstant_messaging = { channels = [\"sms\"] messaging_entry = \"e\" }\n",
        ),
    ]);
}

#[test]
fn an_unclosed_string_reads_the_same_in_a_crlf_file() {
    let lf = "[service.x]\nou = \"sales\nlicense = \"contact_center\"\n";
    let crlf = lf.replace('\n', "\r\n");
    assert_eq!(rendered(&crlf), rendered(lf));
    assert!(
        rendered(&crlf).contains(
            "x.toml:2:12: error[syntax]: invalid TOML: string not closed: `\"` missing at the end of the line\n"
        )
    );
}

#[test]
fn a_key_set_twice_names_the_key_and_its_table_and_a_table_written_twice_says_so() {
    snapshots(&[
        (
            "duplicate-key",
            "[service.x]\nou = \"sales\"\nou = \"support\"\n",
        ),
        (
            "duplicate-table",
            "[service.x]\nou = \"sales\"\n\n[service.x]\nlicense = \"contact_center\"\n",
        ),
        (
            "duplicate-key-inline",
            "[service.x]\nou = \"sales\"\ninstant_messaging = { channels = [], channels = [] }\n",
        ),
    ]);
}

#[test]
fn helps_never_repeat_a_credential() {
    let secret = "Ab3dEfGh1jKlMn0pQrStUvWxYz012399";
    for text in [
        format!("[connector.c]\nou = \"acme\"\napi_key_secret = \"{secret}\n"),
        format!("[connector.c]\nou = \"acme\"\napi_key_secret: \"{secret}\"\n"),
        format!("[connector.c]\nou = \"acme\"\napi_key_secret = \"{secret}\\q\"\n"),
        "[connector.c]\nou = \"acme\"\nauth_token = \"hunter2\\q\"\n".to_owned(),
    ] {
        let out = rendered(&text);
        assert!(!out.contains(secret), "{out}");
        // (The snippet shows the line; the help does not repeat its value.)
        let help = out.split("help: ").nth(1).unwrap_or_default();
        assert!(!help.contains("hunter2"), "{out}");
        assert!(out.contains("error[syntax]"), "{out}");
    }
}

/// A service whose IM has nobody to answer: `im-no-agents`, which the comments above mean to
/// silence.
const BOT: &str = "[service.bot]\nou = \"acme\"\nlicense = \"contact_center\"\nuser_assignment = \"none\"\n\n\
                   [service.bot.instant_messaging]\nchannels = [\"interact\"]\n";

#[test]
fn a_suppression_comment_written_almost_right_is_told_what_is_wrong_and_mended() {
    let cases = [
        (
            "directive-no-colon",
            "# nimbus-lint allow(im-no-agents) the bot answers",
            "# nimbus-lint: allow(im-no-agents) the bot answers",
        ),
        (
            "directive-ignore",
            "# nimbus-lint: ignore(im-no-agents)",
            "# nimbus-lint: allow(im-no-agents)",
        ),
        (
            "directive-no-parentheses",
            "# nimbus-lint: allow im-no-agents",
            "# nimbus-lint: allow(im-no-agents)",
        ),
        (
            "directive-disable",
            "# nimbus-lint: disable=im-no-agents",
            "# nimbus-lint: allow(im-no-agents)",
        ),
        (
            "directive-capitals",
            "# NIMBUS-LINT: allow(im-no-agents)",
            "# nimbus-lint: allow(im-no-agents)",
        ),
        (
            "directive-misspelled",
            "# nimbus-lint: alow(im-no-agents)",
            "# nimbus-lint: allow(im-no-agents)",
        ),
        (
            "directive-unclosed",
            "# nimbus-lint: allow(im-no-agents",
            "# nimbus-lint: allow(im-no-agents)",
        ),
        (
            "directive-no-commas",
            "# nimbus-lint: allow(im-no-agents unused-connector)",
            "# nimbus-lint: allow(im-no-agents, unused-connector)",
        ),
    ];
    let texts: Vec<(&str, String)> = cases
        .iter()
        .map(|(name, line, _)| (*name, format!("{line}\n{BOT}")))
        .collect();
    snapshots(
        &texts
            .iter()
            .map(|(n, t)| (*n, t.as_str()))
            .collect::<Vec<_>>(),
    );
    for (_, line, mended) in cases {
        let (after, stderr) = fixed(&format!("{line}\n{BOT}"));
        assert_eq!(after, format!("{mended}\n{BOT}"), "{line}");
        assert_eq!(stderr, "fixed 1 problem in 1 file\n", "{line}");
    }
    // A code that is not known: the help shows the line, the fix waits for the code's own.
    let text = format!("# nimbus-lint: ignore(im-no-agent)\n{BOT}");
    assert_eq!(fixed(&text).0, text);
    // A list left open with more words after its codes: where it ends is not known.
    let text = format!("# nimbus-lint: allow(im-no-agents unused-conector\n{BOT}");
    assert_eq!(fixed(&text).0, text);
    // Prose that names the tool is no directive, even with a word near `allow` and a
    // parenthesis, as long as no `:` follows the tool's name.
    for prose in [
        "# nimbus-lint checks this file in CI",
        "# nimbus-lint skips (im-no-agents) services without agents",
    ] {
        let out = rendered(&format!("{prose}\n{BOT}"));
        assert!(!out.contains("unused-suppression"), "{out}");
        let text = format!("{prose}\n{BOT}");
        assert_eq!(fixed(&text).0, text);
    }
    // A credential pasted into one is not repeated.
    let secret = "Ab3dEfGh1jKlMn0pQrStUvWxYz012399";
    let out = rendered(&format!("# nimbus-lint allow({secret})\n{BOT}"));
    assert!(!out.contains(secret), "{out}");
}
