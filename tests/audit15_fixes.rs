//! Fixes of the fifteenth audit (determinism and output stability), a section each: words
//! shaped like credentials in strings written with escapes (F1, F3), `..` after a symbolic
//! link (F2).

mod common;

use common::{run, workspace};

/// A credential of the shape of a Twilio API key secret (32 letters and digits).
const SECRET: &str = "Xk9dLmQ2pR7sT4vW1yZ3aB6cD8eF0gH5";

/// `check --format short` and `build` of a workspace whose OU is named by the TOML string
/// `name`.
fn named(name: &str) -> (common::Run, common::Run) {
    let org = format!("[ou.r]\nname = {name}\n");
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &org)]);
    (
        run(ws.path(), &["check", "--format", "short"]),
        run(ws.path(), &["build", "-o", "-"]),
    )
}

#[test]
fn a_credential_beside_or_inside_an_escape_is_found_in_the_strings_value() {
    // (The string, and the columns where the credential is written in it.)
    for (name, from, to) in [
        // `\n` would glue an `n` to the word in the text; `\t` likewise.
        (format!("\"Intro\\n{SECRET}\""), 16, 48),
        (format!("\"Intro\\t{SECRET} and more\""), 16, 48),
        // An escape as its first letter, or in its middle, would split it.
        (format!("\"Intro: \\u0058{}\"", &SECRET[1..]), 16, 53),
        (
            format!("\"Intro {}\\u0070{}\"", &SECRET[..8], &SECRET[9..]),
            15,
            52,
        ),
        (format!("\"\"\"Intro\\n{SECRET}\"\"\""), 18, 50),
    ] {
        let (check, build) = named(&name);
        assert_eq!(
            check.stdout,
            format!(
                "org.toml:2:{from}: error[secret-in-config]: word shaped like a Twilio API key secret: `Xk9d…` (32 characters)\n\
                 1 error, 0 warnings in 2 files\n"
            ),
            "{name}"
        );
        assert_eq!(check.code, 1, "{name}");
        let org = format!("[ou.r]\nname = {name}\n");
        let d = &common::workspace_diagnostics(&[("org.toml", &org)])[0];
        assert_eq!(d["end_column"], to, "{name}");
        // No bundle, and the credential in no output.
        assert_eq!(build.code, 1, "{name}");
        assert_eq!(build.stdout, "", "{name}");
        for out in [&check.stdout, &check.stderr, &build.stderr] {
            assert!(!out.contains(&SECRET[4..]), "{name}: {out}");
        }
    }
    // The same value written without escapes, as the word's neighbour: the same report.
    let (check, _) = named(&format!("\"\"\"Intro\n{SECRET}\"\"\""));
    assert_eq!(check.code, 1, "{}", check.stdout);
    // A backslash that ends a line joins the word to the one before it: no credential's shape.
    let (check, _) = named(&format!("\"\"\"Intro\\\n   {SECRET}\"\"\""));
    assert_eq!(check.stdout, "0 errors, 0 warnings in 2 files\n");
}

#[test]
fn an_escape_does_not_make_a_word_of_a_harmless_value() {
    // In the text, `\nAbc…345` is a run of 32 letters and digits; in the value, `Abc…345` has
    // 31. A SID written with escapes is the SID.
    for name in [
        "\"Intro\\nAbcdefghijklmnopqrstuvwxyz12345\"",
        "\"IS12345678900000000000000000\\u0041\\u0062C\\u0064Ef\"",
    ] {
        let (check, build) = named(name);
        assert_eq!(check.stdout, "0 errors, 0 warnings in 2 files\n", "{name}");
        assert_eq!(build.code, 0, "{name}: {}", build.stderr);
    }
}

/// `B/lnk/..`, where `B/lnk` links to `A/sub`, names `A` (as `cat` and `ls` read it), not `B`.
#[cfg(unix)]
#[test]
fn a_dot_dot_after_a_symbolic_link_is_taken_from_the_links_target() {
    let dir = workspace(&[
        ("A/sub/keep", ""),
        ("A/ws/nimbus.toml", ""),
        ("A/ws/org.toml", "[ou.tenant-a]\n"),
        ("B/ws/nimbus.toml", ""),
        ("B/ws/org.toml", "[ou.tenant-b]\n"),
    ]);
    std::os::unix::fs::symlink(dir.path().join("A/sub"), dir.path().join("B/lnk")).unwrap();
    let r = run(dir.path(), &["build", "B/lnk/../ws", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"tenant-a\""), "{}", r.stdout);
    assert!(!r.stdout.contains("tenant-b"), "{}", r.stdout);

    // The bundle goes where the system puts `B/lnk/../out.json`: in `A`.
    let r = run(dir.path(), &["build", "A/ws", "-o", "B/lnk/../out.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "wrote A/out.json\n");
    assert!(dir.path().join("A/out.json").is_file());
    assert!(!dir.path().join("B/out.json").exists());

    // A file named through the link: the workspace of `A`.
    let r = run(
        dir.path(),
        &["check", "--format", "short", "B/lnk/../ws/org.toml"],
    );
    assert_eq!(
        r.stdout, "0 errors, 0 warnings in 2 files\n",
        "{}",
        r.stderr
    );
}

/// `build --check` takes a bundle for current when only its line ends differ, and only when
/// every line ends with CRLF, as git writes them: a CRLF here and there is an edit.
#[test]
fn a_bundle_with_some_crlf_line_ends_is_stale() {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", "[ou.r]\n")]);
    let built = run(ws.path(), &["build", "-o", "b.json"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let lf = std::fs::read_to_string(ws.path().join("b.json")).unwrap();
    std::fs::write(ws.path().join("crlf.json"), lf.replace('\n', "\r\n")).unwrap();
    std::fs::write(ws.path().join("mixed.json"), lf.replacen('\n', "\r\n", 1)).unwrap();
    let r = run(ws.path(), &["build", "--check", "-o", "crlf.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "crlf.json is up to date (its line ends are CRLF, as git's core.autocrlf writes them)\n"
    );
    let r = run(ws.path(), &["build", "--check", "-o", "mixed.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("error: bundle is stale: mixed.json: "),
        "{}",
        r.stderr
    );
}

/// The repository's `.git/info/exclude` decides what the walk reads, as a `.gitignore` does:
/// the bundle is never written over it, from the workspace or from a folder below.
#[test]
fn the_bundle_is_never_written_over_gits_exclude_file() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.r]\n"),
        (".git/info/exclude", "drafts/\n"),
        ("services/keep", ""),
    ]);
    let services = ws.path().join("services");
    for (cwd, args) in [
        (ws.path(), ["build", ".", "-o", ".git/info/exclude"]),
        (
            services.as_path(),
            ["build", "..", "-o", "../.git/info/exclude"],
        ),
    ] {
        let r = run(cwd, &args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(
                "/info/exclude: it is git's list of ignored files, which decides what the workspace reads; write the bundle elsewhere"
            ),
            "{}",
            r.stderr
        );
    }
    let kept = std::fs::read_to_string(ws.path().join(".git/info/exclude")).unwrap();
    assert_eq!(kept, "drafts/\n");
}

/// The example of the `syntax` help for an unquoted value quotes what the line holds up to
/// a comment, not the parser's first word (`name = "Sales"` for `Sales, Inc. [EU]`).
#[test]
fn the_help_for_an_unquoted_value_quotes_all_of_it() {
    for (line, example) in [
        ("name = Sales, Inc. [EU]", "`name = \"Sales, Inc. [EU]\"`"),
        ("name = Sales Team # the team", "`name = \"Sales Team\"`"),
        ("name = Sales", "`name = \"Sales\"`"),
        // More keys on the line: the first word only.
        ("name = sales, license = \"x\"", "`name = \"sales\"`"),
        // A credential in the rest: no example of the value.
        (
            "name = Intro, Xk9dLmQ2pR7sT4vW1yZ3aB6cD8eF0gH5",
            "`name = \"…\"`",
        ),
    ] {
        let org = format!("[ou.r]\n{line}\n");
        let found = common::workspace_diagnostics(&[("org.toml", &org)]);
        assert_eq!(
            found[0]["help"].as_str(),
            Some(format!("text values are written in quotes: {example}").as_str()),
            "{line}"
        );
    }
}
