//! Fixes of the fourteenth audit, a section each: CRLF in multi-line strings with backslashes
//! (F3), the github format's "not read" annotations (F4), suppression comments in prose and at
//! the end of a header line (F8, F9), `build --check` on a bundle with a byte order mark (F13).

mod common;

use common::{run, workspace};

/// A workspace whose one service is named by the TOML string `name` (written with LF line
/// ends, or CRLF ones as git's core.autocrlf writes them on Windows).
fn named(name: &str, crlf: bool) -> tempfile::TempDir {
    let text = format!(
        "[ou.contoso]\n\n[service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\nname = {name}\n"
    );
    let text = if crlf {
        text.replace('\n', "\r\n")
    } else {
        text
    };
    workspace(&[("nimbus.toml", ""), ("a.toml", &text)])
}

/// The bundle `build` writes to stdout for the workspace of [`named`].
fn bundle(name: &str, crlf: bool) -> String {
    let ws = named(name, crlf);
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn crlf_and_lf_checkouts_give_one_bundle_whatever_the_backslashes_of_a_multi_line_string() {
    // (TOML as written, the service's name as the bundle's JSON writes it.)
    let cases = [
        // A literal string has no escapes: `\r` there is a backslash and a letter.
        ("'''C:\\reports\nsecond'''", r#""C:\\reports\nsecond""#),
        // An escaped backslash, then `r`.
        (
            "\"\"\"path C:\\\\rep\nnext\"\"\"",
            r#""path C:\\rep\nnext""#,
        ),
        (
            "\"\"\"Share \\\\\\\\reports\nsecond line\"\"\"",
            r#""Share \\\\reports\nsecond line""#,
        ),
        // A `\r\n` escape says what it means: kept, the line break of the file is LF.
        (
            "\"\"\"esc\\r\\nhere\nand line\"\"\"",
            r#""esc\r\nhere\nand line""#,
        ),
        ("\"\"\"cr \\u000D\nthen\"\"\"", r#""cr \r\nthen""#),
        // A backslash at the end of a line trims the line break and the indentation after it,
        // CRLF or not.
        (
            "\"\"\"one \\\n    two\nthree \\r\\n \\\n\n  four\"\"\"",
            r#""one two\nthree \r\n four""#,
        ),
        // The line break after the opening quotes is not part of the value.
        ("'''\nfirst\nsecond'''", r#""first\nsecond""#),
    ];
    for (toml, json) in cases {
        let lf = bundle(toml, false);
        assert!(lf.contains(&format!("\"name\": {json},")), "{toml}: {lf}");
        assert_eq!(bundle(toml, true), lf, "{toml}");
    }
}

#[test]
fn build_check_of_a_crlf_checkout_against_the_bundle_of_an_lf_one_is_current() {
    // The finding's reproducer: the bundle committed from one checkout, checked in the other.
    let name = "\"\"\"Share \\\\\\\\reports\nsecond line\"\"\"";
    let lf = named(name, false);
    let cr = named(name, true);
    assert_eq!(run(lf.path(), &["build", "-o", "bundle.json"]).code, 0);
    std::fs::copy(lf.path().join("bundle.json"), cr.path().join("bundle.json")).unwrap();
    let r = run(cr.path(), &["build", "--check", "-o", "bundle.json"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (0, "bundle.json is up to date\n")
    );
}

/// A workspace of ten services with an unknown licence: ten `invalid-value` errors.
fn ten_errors() -> tempfile::TempDir {
    let mut text = String::from("[ou.contoso]\n");
    for i in 0..10 {
        text.push_str(&format!(
            "\n[service.s{i}]\nou = \"contoso\"\nlicense = \"bogus\"\n"
        ));
    }
    workspace(&[("nimbus.toml", ""), ("a.toml", &text)])
}

#[test]
fn github_annotations_of_paths_not_read_come_first_and_count_towards_the_notice() {
    let ws = ten_errors();
    let r = run(
        ws.path(),
        &["check", ".", "nope.toml", "--format", "github"],
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 13, "{}", r.stdout);
    // The annotation that explains exit 2 is among the ten GitHub shows: the first.
    assert_eq!(
        lines[0],
        "::error file=nope.toml,title=not read::no such file or directory"
    );
    assert!(
        lines[1..11]
            .iter()
            .all(|l| l.starts_with("::error file=a.toml,") && l.contains("title=invalid-value")),
        "{}",
        r.stdout
    );
    assert_eq!(
        lines[11],
        "::notice title=nimbus-lint::10 errors and 1 path not read, 0 warnings: GitHub \
         shows the first 10 errors and 10 warnings of a step as annotations; the step's log \
         lists them all"
    );
    assert_eq!(
        lines[12],
        "10 errors, 0 warnings in 2 files; not every file could be read"
    );
    // Two paths not read.
    let r = run(
        ws.path(),
        &["check", ".", "nope.toml", "gone.toml", "--format", "github"],
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "::error file=gone.toml,title=not read::no such file or directory",
            "::error file=nope.toml,title=not read::no such file or directory",
        ]
    );
    assert!(
        lines[12].starts_with(
            "::notice title=nimbus-lint::10 errors and 2 paths not read, 0 warnings: "
        ),
        "{}",
        r.stdout
    );
    // Ten annotations in all: GitHub shows every one, no notice.
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "a.toml",
            "[ou.contoso]\n\n[service.s]\nou = \"contoso\"\nlicense = \"bogus\"\n",
        ),
    ]);
    let r = run(
        ws.path(),
        &["check", ".", "nope.toml", "--format", "github"],
    );
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "::error file=nope.toml,title=not read::no such file or directory"
    );
    assert!(
        lines[1].starts_with("::error file=a.toml,line=5,"),
        "{}",
        r.stdout
    );
    assert_eq!(
        lines[2..],
        ["1 error, 0 warnings in 2 files; not every file could be read"]
    );
}

/// A service that `im-no-agents` warns about, below the comment line `comment`.
fn bot_below(comment: &str) -> tempfile::TempDir {
    let text = format!(
        "{comment}\n[service.bot]\nou = \"acme\"\nlicense = \"contact_center\"\n\
         user_assignment = \"none\"\n\n[service.bot.instant_messaging]\nchannels = [\"interact\"]\n"
    );
    workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        ("x.toml", &text),
    ])
}

/// What `check --fix` leaves on the first line of `x.toml` below `comment`, and the short
/// report of the `check` after it.
fn fixed(comment: &str) -> (String, String) {
    let ws = bot_below(comment);
    run(ws.path(), &["check", "--fix", "--quiet"]);
    let after = std::fs::read_to_string(ws.path().join("x.toml")).unwrap();
    let first = after.lines().next().unwrap_or_default().to_owned();
    (
        first,
        run(ws.path(), &["check", "--format", "short"]).stdout,
    )
}

#[test]
fn prose_with_an_english_form_of_a_directive_word_is_reported_but_never_mended() {
    for (comment, verb, with_allow) in [
        (
            "# nimbus-lint: skips im-no-agents here because a bot answers",
            "skips",
            "# nimbus-lint: allow(im-no-agents) here because a bot answers",
        ),
        (
            "# nimbus-lint: allows (im-no-agents) here, see the runbook",
            "allows",
            "# nimbus-lint: allow(im-no-agents) here, see the runbook",
        ),
        (
            "# nimbus-lint: ignored im-no-agents as the bot answers",
            "ignored",
            "# nimbus-lint: allow(im-no-agents) as the bot answers",
        ),
        (
            "# nimbus-lint: suppresses im-no-agents",
            "suppresses",
            "# nimbus-lint: allow(im-no-agents)",
        ),
    ] {
        let (first, after) = fixed(comment);
        // Not rewritten into a suppression: the warning is still shown.
        assert_eq!(first, comment);
        let at = comment.find(verb).unwrap() + 1;
        assert_eq!(
            after,
            format!(
                "x.toml:1:{at}: warning[unused-suppression]: the directive is `allow`, not `{verb}`\n\
                 x.toml:7:1: warning[im-no-agents]: service `bot` takes IM conversations but has no agents and no transfers\n\
                 0 errors, 2 warnings in 3 files\n"
            ),
            "{comment}"
        );
        let ws = bot_below(comment);
        let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
        assert_eq!(
            doc["diagnostics"][0]["help"],
            format!(
                "write `allow`: `{with_allow}`; or, for a remark rather than a directive, drop \
                 the `:` after `nimbus-lint`"
            ),
            "{comment}"
        );
        // As the help says: without the `:`, a remark is no directive and is not reported.
        let remark = comment.replacen("nimbus-lint:", "nimbus-lint", 1);
        let (first, after) = fixed(&remark);
        assert_eq!(first, remark);
        assert!(!after.contains("unused-suppression"), "{after}");
    }
}

#[test]
fn a_directive_word_in_capitals_misspelled_or_followed_by_its_parenthesis_is_still_mended() {
    for comment in [
        "# nimbus-lint: alow(im-no-agents)",
        "# nimbus-lint: Alow (im-no-agents)",
        "# nimbus-lint: ALLOW(im-no-agents)",
        "# nimbus-lint: Skip(im-no-agents)",
        "# nimbus-lint: ignroe im-no-agents",
        "# nimbus-lint: allows(im-no-agents)",
        "# nimbus-lint: ignores(im-no-agents)",
    ] {
        let (first, after) = fixed(comment);
        assert_eq!(first, "# nimbus-lint: allow(im-no-agents)", "{comment}");
        assert_eq!(after, "0 errors, 0 warnings in 3 files\n", "{comment}");
    }
}

#[test]
fn a_misspelled_directive_at_the_end_of_a_header_line_is_reported_as_a_spelled_one_is() {
    let trailing = |comment: &str| {
        let text =
            format!("[service.bot] {comment}\nou = \"acme\"\nlicense = \"contact_center\"\n");
        let ws = workspace(&[
            ("nimbus.toml", ""),
            ("org.toml", "[ou.acme]\n"),
            ("x.toml", &text),
        ]);
        run(ws.path(), &["check", "--format", "short"]).stdout
    };
    let spelled = trailing("# nimbus-lint: allow(im-no-agents)");
    let expected = "x.toml:1:15: warning[unused-suppression]: a nimbus-lint comment at the end of a line is not read\n\
                    0 errors, 1 warning in 3 files\n";
    assert_eq!(spelled, expected);
    for comment in [
        "# nimbus-lint: alow(im-no-agents)",
        "# nimbus-lint allow(im-no-agents)",
        "# NIMBUS_LINT: ignore(im-no-agents)",
        "# nimbus-lint: disable=im-no-agents",
    ] {
        assert_eq!(trailing(comment), expected, "{comment}");
    }
    // The whole comment is the span, in the human format too.
    let text = "[service.bot] # nimbus-lint: alow(im-no-agents)\nou = \"acme\"\nlicense = \"contact_center\"\n";
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        ("x.toml", text),
    ]);
    let human = run(ws.path(), &["check"]).stdout;
    assert!(
        human.contains(
            " 1 │ [service.bot] # nimbus-lint: alow(im-no-agents)\n   \
             ·               ────────────────┬────────────────\n"
        ),
        "{human}"
    );
    // A remark that names the tool is no directive, at the end of a line too.
    assert_eq!(
        trailing("# nimbus-lint checks this file in CI"),
        "0 errors, 0 warnings in 3 files\n"
    );
}

/// A built workspace and its bundle's bytes, as `build` writes them.
fn built() -> (tempfile::TempDir, Vec<u8>) {
    let ws = named("\"Bot\"", false);
    assert_eq!(run(ws.path(), &["build", "-o", "bundle.json"]).code, 0);
    let bytes = std::fs::read(ws.path().join("bundle.json")).unwrap();
    (ws, bytes)
}

#[test]
fn build_check_names_the_byte_order_mark_of_a_bundle_an_editor_saved() {
    let (ws, lf) = built();
    let bundle = ws.path().join("bundle.json");
    let check = || run(ws.path(), &["build", "--check", "-o", "bundle.json"]);
    let stale = |why: &str| {
        format!(
            "error: bundle is stale: bundle.json: {why}\n  help: run `nimbus-lint build -o \
             bundle.json` and commit the result\n"
        )
    };
    let bom_why = "it starts with a UTF-8 byte order mark, which nimbus-lint never writes and \
                   JSON readers may refuse";
    let with_bom = |body: &[u8]| [b"\xEF\xBB\xBF", body].concat();
    // The BOM alone, and with CRLF line ends besides: stale, the BOM named.
    let crlf = String::from_utf8(lf.clone()).unwrap().replace('\n', "\r\n");
    for body in [&lf[..], crlf.as_bytes()] {
        std::fs::write(&bundle, with_bom(body)).unwrap();
        let r = check();
        assert_eq!((r.code, r.stderr), (1, stale(bom_why)));
    }
    // CRLF alone is still current.
    std::fs::write(&bundle, &crlf).unwrap();
    assert_eq!(check().code, 0);
    // A BOM and a change: the change is named, then the BOM; the bundle is read, not
    // "not a bundle this version reads".
    let changed = String::from_utf8(lf.clone())
        .unwrap()
        .replace("\"Bot\"", "\"Robot\"");
    std::fs::write(&bundle, with_bom(changed.as_bytes())).unwrap();
    let r = check();
    assert_eq!(
        (r.code, r.stderr),
        (1, stale(&format!("service `a` changed; also, {bom_why}")))
    );
    // `build` writes the bundle without one: then it is current.
    assert_eq!(run(ws.path(), &["build", "-o", "bundle.json"]).code, 0);
    assert_eq!(std::fs::read(&bundle).unwrap(), lf);
    assert_eq!(check().code, 0);
}

#[test]
fn a_mended_directive_keeps_its_reason_as_written() {
    for (comment, mended) in [
        (
            "# nimbus-lint: alow(im-no-agents), the bot answers",
            "# nimbus-lint: allow(im-no-agents), the bot answers",
        ),
        (
            "# nimbus-lint: alow(im-no-agents) the bot answers",
            "# nimbus-lint: allow(im-no-agents) the bot answers",
        ),
        (
            "# nimbus-lint: alow(im-no-agents); see the runbook",
            "# nimbus-lint: allow(im-no-agents); see the runbook",
        ),
    ] {
        let ws = bot_below(comment);
        let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
        assert_eq!(
            doc["diagnostics"][0]["help"],
            format!("write `allow`: `{mended}`"),
            "{comment}"
        );
        assert_eq!(fixed(comment).0, mended);
    }
}
