//! The syntax fixes mended after the twenty-second session's audit of automatic fixes
//! (`/work/notes/audit-fix-22.md`, findings A, C, D, E and F; `src/rules/syntax.rs`,
//! `src/rules/syntax/lists.rs`, `parse::bare_value_fixes`):
//!
//! - A: a `;` after a value was mended into a comment's start whatever followed it, commenting
//!   out a second statement (`type = "twilio"; region = "ie1"`: the region lost) or a list's
//!   item. Now what follows decides: a statement is put on its own line, a second value is
//!   told (help only), a comment's text gets `#`, and a `;` ending the line is removed.
//! - C: a list's brackets (`( )`, `{ }`) and a missing `,` were mended for keys that take no
//!   list, and `True` made `true` for keys that take no boolean: each traded the error for an
//!   `invalid-value`. Now a key nimbus-lint reads keeps its form.
//! - D: `;` comment lines, and the commas of one list, were mended one per round (a ten-line
//!   comment needed two runs); now a statement's fixes follow each other in one round.
//! - E: guillemets, fullwidth and prime quotes, and backticks around a `\` or `"` ended up in
//!   the quoted value; now they are taken for the quotes they stand for.
//! - F: quoting a bare value took an INI comment after it (`name = Sales Desk ; shown to
//!   agents`) into the value; now the value ends before it, and the comment gets `#`.

mod common;

use common::syntax::fixed;

const HEAD: &str = "ou = \"support\"\nlicense = \"contact_center\"\n";

/// `[service.x]`'s file with `line` below its header, and the services it names.
fn desk(line: &str) -> String {
    common::syntax::desk(HEAD, line)
}

/// `check --fix` of `desk(line)`: the run's output and the line as it is after it.
fn fixed_line(line: &str) -> (String, String) {
    let (out, after) = fixed(&desk(line));
    let (head, rest) = (desk(""), desk("\n"));
    // The text the line stood in, before and after it.
    let cut = head.find("\n\n").unwrap() + 1;
    let tail = &rest[cut + 1..];
    assert!(
        after.starts_with(&head[..cut]) && after.ends_with(tail),
        "{after}"
    );
    (out, format!("{}\n", &after[cut..after.len() - tail.len()]))
}

#[test]
fn a_semicolon_before_a_second_statement_puts_it_on_its_own_line() {
    let (out, line) = fixed_line("name = \"Sales\"; user_assignment = \"none\"");
    assert_eq!(
        line, "name = \"Sales\"\nuser_assignment = \"none\"\n",
        "{out}"
    );
    assert!(
        out.contains("fixed[syntax]: Put each statement on a line of its own"),
        "{out}"
    );
    // A CRLF file keeps its line breaks, and an indented line its indent.
    let ws = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", common::syntax::ORG),
        (
            "x.toml",
            "[service.x]\r\nou = \"support\"\r\n  license = \"contact_center\"; name = \"x\"\r\n",
        ),
    ]);
    common::run(ws.path(), &["check", "--fix"]);
    let after = std::fs::read_to_string(ws.path().join("x.toml")).unwrap();
    assert_eq!(
        after,
        "[service.x]\r\nou = \"support\"\r\n  license = \"contact_center\"\r\n  name = \"x\"\r\n"
    );
}

#[test]
fn a_semicolon_before_a_second_value_is_told_and_not_fixed() {
    common::syntax::snapshots(
        "fix_audit22",
        &[
            (
                "semicolon-before-a-second-value",
                &desk("transfers = \"sales-team\"; \"billing\""),
            ),
            (
                "semicolon-before-a-second-list",
                &desk("transfers = [\"sales-team\"]; [\"billing\"]"),
            ),
            (
                "semicolon-before-a-second-statement",
                &desk("name = \"Sales\"; user_assignment = \"none\""),
            ),
            (
                "semicolon-ending-a-statement",
                &desk("name = \"Sales\";  # c"),
            ),
        ],
    );
    for line in [
        "transfers = \"sales-team\"; \"billing\"",
        "transfers = \"sales-team\";\"billing\";",
        "transfers = [\"sales-team\"]; [\"billing\"]",
        "channels = \"whatsapp\" ; \"sms\"",
        "name = \"x\"; [service.y]",
    ] {
        let (out, after) = fixed(&desk(line));
        assert_eq!(after, desk(line), "{line}: {out}");
    }
}

#[test]
fn a_semicolon_ending_a_statement_is_removed_and_one_before_a_note_made_a_comment() {
    assert_eq!(fixed_line("name = \"Sales\";").1, "name = \"Sales\"\n");
    assert_eq!(fixed_line("name = \"Sales\" ;").1, "name = \"Sales\"\n");
    assert_eq!(
        fixed_line("name = \"Sales\";  # the desk").1,
        "name = \"Sales\"  # the desk\n"
    );
    assert_eq!(
        fixed_line("name = \"Sales\" ; the desk").1,
        "name = \"Sales\" # the desk\n"
    );
}

#[test]
fn semicolon_comment_lines_and_a_lists_commas_are_mended_in_one_round() {
    let comments: String = (1..=12).map(|i| format!("; note {i}\n")).collect();
    let text = format!("{comments};\n{}", desk(""));
    let (out, after) = fixed(&text);
    assert_eq!(after, text.replace(';', "#"), "{out}");
    assert!(out.contains("fixed 13 problems in 1 file"), "{out}");
    assert!(!out.contains("still pending"), "{out}");
    let items: String = (0..10).map(|_| "  \"billing\"\n").collect();
    let (out, after) = fixed(&desk(&format!("transfers = [\n{items}]")));
    let mended: String = (0..10)
        .map(|i| format!("  \"billing\"{}\n", if i < 9 { "," } else { "" }))
        .collect();
    assert_eq!(after, desk(&format!("transfers = [\n{mended}]")), "{out}");
    assert!(out.contains("fixed 9 problems in 1 file"), "{out}");
    assert_eq!(
        fixed_line("transfers = [\"billing\" \"sales-team\" \"billing\"]").1,
        "transfers = [\"billing\", \"sales-team\", \"billing\"]\n"
    );
}

#[test]
fn keys_that_take_no_list_or_boolean_keep_their_form() {
    common::syntax::snapshots(
        "fix_audit22",
        &[
            ("string-in-parentheses", &desk("name = (\"Front desk\")")),
            (
                "list-in-braces-for-im",
                &desk("instant_messaging = {\"interact\"}"),
            ),
            ("list-for-a-string-key", &desk("name = (\"a\", \"b\")")),
            ("capitalised-true-for-a-string-key", &desk("name = True")),
            (
                "missing-comma-for-a-string-key",
                &desk("name = [\"Sales\" \"IVR\"]"),
            ),
        ],
    );
    assert_eq!(
        fixed_line("name = (\"Front desk\")").1,
        "name = \"Front desk\"\n"
    );
    assert_eq!(fixed_line("name = True").1, "name = \"True\"\n");
    for line in [
        "instant_messaging = {\"interact\"}",
        "name = (\"a\", \"b\")",
        "name = [\"Sales\" \"IVR\"]",
    ] {
        let (out, after) = fixed(&desk(line));
        assert_eq!(after, desk(line), "{line}: {out}");
    }
    // A key that takes a list, and one nimbus-lint does not read, are still mended.
    assert_eq!(
        fixed_line("transfers = (\"billing\")").1,
        "transfers = [\"billing\"]\n"
    );
    assert_eq!(fixed_line("enabled = True").1, "enabled = true\n");
    // A quoted key is read as the bare one (mutation audit 22).
    assert_eq!(
        fixed_line("\"transfers\" = (\"billing\")").1,
        "\"transfers\" = [\"billing\"]\n"
    );
    assert_eq!(fixed_line("'name' = (\"x\")").1, "'name' = \"x\"\n");
}

#[test]
fn guillemets_fullwidth_quotes_and_backticks_around_any_text_are_straightened() {
    common::syntax::snapshots(
        "fix_audit22",
        &[("guillemets", &desk("name = «Acme Schweiz»"))],
    );
    for (line, mended) in [
        ("name = «Acme Schweiz»", "name = \"Acme Schweiz\""),
        ("name = »Vertrieb«", "name = \"Vertrieb\""),
        ("name = ‹Acme›", "name = \"Acme\""),
        ("name = ＂Support＂", "name = \"Support\""),
        ("name = ″Support″", "name = \"Support\""),
        ("name = `C:\\sales`", "name = \"C:\\\\sales\""),
        ("name = `say \"hi\"`", "name = \"say \\\"hi\\\"\""),
    ] {
        assert_eq!(fixed_line(line).1, format!("{mended}\n"), "{line}");
    }
}

#[test]
fn an_ini_comment_after_a_bare_value_stays_a_comment() {
    for (line, mended) in [
        (
            "name = Sales Desk ; shown to agents",
            "name = \"Sales Desk\" # shown to agents",
        ),
        (
            "user_assignment = none ; an IVR",
            "user_assignment = \"none\" # an IVR",
        ),
        ("name = Acme\" ; x", "name = \"Acme\" # x"),
        ("name = `Acme` ; x", "name = \"Acme\" # x"),
    ] {
        let (out, line_after) = fixed_line(line);
        assert_eq!(line_after, format!("{mended}\n"), "{line}: {out}");
        assert!(out.ends_with("0 errors, 0 warnings in 3 files\n"), "{out}");
    }
}
