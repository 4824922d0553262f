//! Fixes of the sixteenth session, a section each: a multi-line string in a list read the
//! same in CRLF and LF checkouts; the feature-interaction audit's findings (F2: an unsaved
//! `nimbus.toml` given with `--stdin-filename` makes its folder the workspace; F6: no `--fix`
//! defines an entity twice or leaves two roots; F7: no note on the current folder checked by
//! default; F8: `--fix` writes only to the paths named; F9: `allow(unused-suppression)`
//! silences the entity's other unused comments; F10: a word in the comments right above a
//! header is that entity's; F11: no byte order mark in human snippets); the settings audit's
//! (S1: braces in ignore files and `exclude`, which git reads as plain characters; S2, S11:
//! settings keys in the wrong table; S3, S7: suppressions that silence nothing; S4: `explain`
//! of hard rules; S5: `output = "-"`; S9: `--quiet`; S10: a blank `name`; S11: `./` in
//! `exclude`); the README audit's (D1: a misspelled kind above its own IM table is renamed;
//! D5: a named file that is not `.toml` makes no folder a workspace; D6: `build`'s limit on
//! the OUs' paths); the sixteenth mutation audit's bugs (B1: an entry moved out of a loop
//! takes its connector along; B2: one credential of a broken file's multi-line string, one
//! diagnostic; B3: four or five closing quotes).

mod common;

use common::{
    code_messages, copy_dir, fixture, run, run_with_stdin, workspace, workspace_diagnostics,
};

/// A copy of the example workspace, without its `nimbus.toml` when `settings` is false.
fn example(settings: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("example"), dir.path());
    if !settings {
        std::fs::remove_file(dir.path().join("nimbus.toml")).unwrap();
    }
    dir
}

#[test]
fn a_multi_line_string_in_a_list_reads_the_same_in_crlf_and_lf_checkouts() {
    let lf = "[ou.c]\nname = \"C\"\n[service.a]\nname = \"A\"\nou = \"c\"\nlicense = \"contact_center\"\ntransfers = [\"\"\"x\ny\"\"\"]\n";
    let diagnostics = |text: &str| {
        code_messages(&workspace_diagnostics(&[
            ("nimbus.toml", ""),
            ("a.toml", text),
        ]))
    };
    let want = vec![(
        "unknown-reference".to_owned(),
        "`transfers` names an unknown service `x\\u{a}y`".to_owned(),
    )];
    assert_eq!(diagnostics(lf), want);
    assert_eq!(diagnostics(&lf.replace('\n', "\r\n")), want);
}

/// `check --format short` of `text` as the unsaved buffer of `file` (`--stdin-filename`).
fn buffer_check(dir: &std::path::Path, file: &str, text: &str) -> common::Run {
    let args = ["check", "--format", "short", "-", "--stdin-filename", file];
    run_with_stdin(dir, &args, text)
}

#[test]
fn an_unsaved_first_nimbus_toml_is_the_settings_of_its_folder() {
    // What an editor sends for a tenant's `nimbus.toml` being written, before it is saved:
    // checked as saved, not skipped as another tool's file.
    let text = "[workspace]\nexclude = 5\n[lints]\nbogus-rule = \"allow\"\n";
    let ws = example(false);
    let buffer = buffer_check(ws.path(), "nimbus.toml", text);
    assert_eq!(
        buffer.stdout,
        "nimbus.toml:2:11: error[invalid-value]: `exclude` must be a list of strings, found an integer\n\
         nimbus.toml:4:1: error[unknown-field]: unknown rule code `bogus-rule` in [lints]\n\
         2 errors, 0 warnings in 5 files\n"
    );
    assert_eq!((buffer.code, buffer.stderr.as_str()), (1, ""));
    std::fs::write(ws.path().join("nimbus.toml"), text).unwrap();
    let saved = run(ws.path(), &["check", "--format", "short", "nimbus.toml"]);
    assert_eq!((saved.code, saved.stdout), (1, buffer.stdout));
    // Its settings apply: the files it excludes are not read.
    let r = buffer_check(
        ws.path(),
        "nimbus.toml",
        "[workspace]\nexclude = [\"services/**\"]\n",
    );
    assert!(r.stdout.ends_with("in 3 files\n"), "{}", r.stdout);
}

#[test]
fn an_unsaved_nimbus_toml_in_a_folder_of_a_workspace_splits_that_folder_off() {
    let ws = example(true);
    let text = "[lints]\nunused-connector = \"allow\"\n";
    let buffer = buffer_check(ws.path(), "services/nimbus.toml", text);
    // The services alone: no OU, no entries (the workspace above holds them).
    assert_eq!(buffer.code, 1, "{}", buffer.stdout);
    assert!(
        buffer
            .stdout
            .starts_with("services/sales.toml:4:1: error[root-ou]: the workspace has no OU\n"),
        "{}",
        buffer.stdout
    );
    assert!(buffer.stdout.ends_with("4 errors, 0 warnings in 3 files\n"));
    std::fs::write(ws.path().join("services/nimbus.toml"), text).unwrap();
    let saved = run(
        ws.path(),
        &["check", "--format", "short", "services/nimbus.toml"],
    );
    assert_eq!(saved.stdout, buffer.stdout);
}

/// `check --fix` in a workspace of `files`: what it printed, and the files' texts after.
fn fixed(files: &[(&str, &str)]) -> (common::Run, Vec<String>) {
    let ws = workspace(files);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    let texts = (files.iter())
        .map(|(name, _)| std::fs::read_to_string(ws.path().join(name)).unwrap())
        .collect();
    (r, texts)
}

/// The help of the diagnostics of a workspace, in order.
fn helps(files: &[(&str, &str)]) -> Vec<String> {
    (workspace_diagnostics(files).iter())
        .map(|d| d["help"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_im_table_alone_is_not_renamed_to_a_service_of_another_file() {
    let files = [
        ("nimbus.toml", ""),
        (
            "o.toml",
            "[ou.o]\n[service.sales-team]\nou = \"o\"\nlicense = \"contact_center\"\n",
        ),
        ("a.toml", "[service.sales-tema.instant_messaging]\n"),
    ];
    let (r, texts) = fixed(&files);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(texts[2], files[2].1, "{}", r.stderr);
    assert_eq!(
        helps(&files),
        [
            "did you mean `[service.sales-team.instant_messaging]`? Service `sales-team` has no IM table; it is defined in o.toml: move this table there and rename it (a service's tables stay in one file)"
        ]
    );
    // In the service's own file, the rename is made.
    let one = [
        ("nimbus.toml", ""),
        (
            "o.toml",
            "[ou.o]\n[service.sales-team]\nou = \"o\"\nlicense = \"contact_center\"\n[service.sales-tema.instant_messaging]\n",
        ),
    ];
    let (r, texts) = fixed(&one);
    assert!(
        texts[1].ends_with("[service.sales-team.instant_messaging]\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn two_im_tables_alone_meaning_one_service_are_not_both_renamed_to_it() {
    let files = [
        ("nimbus.toml", ""),
        (
            "o.toml",
            "[ou.o]\n[service.sales-team]\nou = \"o\"\nlicense = \"contact_center\"\n\
             [service.sales-tema.instant_messaging]\n[service.sales-taem.instant_messaging]\n",
        ),
    ];
    let (r, texts) = fixed(&files);
    assert_eq!(texts[1], files[1].1, "{}", r.stderr);
    assert_eq!(
        helps(&files),
        ["did you mean `[service.sales-team.instant_messaging]`? Service `sales-team` has no IM table, but other IM tables alone may mean it too: rename the one that does";
            2]
    );
}

#[test]
fn two_misspelled_kinds_are_not_both_renamed_to_one_table() {
    let a = "[servce.x]\nou = \"o\"\nlicense = \"advanced_routing\"\n";
    let b = "[sevrice.x]\nou = \"o\"\nlicense = \"contact_center\"\n";
    let files = [
        ("nimbus.toml", ""),
        ("o.toml", "[ou.o]\n"),
        ("a.toml", a),
        ("b.toml", b),
    ];
    let (r, texts) = fixed(&files);
    assert_eq!(
        (texts[2].as_str(), texts[3].as_str()),
        (a, b),
        "{}",
        r.stderr
    );
    let help = "did you mean `service`? Another table with a misspelled kind would be renamed to `[service.x]` too: renamed, it would be defined twice; rename the one meant by hand.";
    assert_eq!(helps(&files), [help, help]);
    // In one file, neither spelling is the file's only one: neither is renamed either.
    let one = format!("{a}{b}");
    let files = [
        ("nimbus.toml", ""),
        ("o.toml", "[ou.o]\n"),
        ("a.toml", one.as_str()),
    ];
    let (r, texts) = fixed(&files);
    assert_eq!(texts[2], one, "{}", r.stderr);
}

#[test]
fn parent_left_empty_on_two_ous_is_not_removed_on_both() {
    let files = [
        ("nimbus.toml", ""),
        ("a.toml", "[ou.a]\nparent = \"\"\n"),
        ("b.toml", "[ou.b]\nparent = \"\"\n"),
    ];
    let (r, texts) = fixed(&files);
    assert_eq!(
        (texts[1].as_str(), texts[2].as_str()),
        (files[1].1, files[2].1),
        "{}",
        r.stderr
    );
    let help = "2 OUs have `parent = \"\"` and none is the tenant yet: remove the line on the one at the top, and name their parent on the others";
    assert_eq!(helps(&files), [help, help]);
    // On one OU, it is the tenant to be: the line goes.
    let files = [
        ("nimbus.toml", ""),
        ("a.toml", "[ou.a]\nparent = \"\"\n"),
        ("b.toml", "[ou.b]\nparent = \"a\"\n"),
    ];
    let (r, texts) = fixed(&files);
    assert_eq!(texts[1], "[ou.a]\n", "{}", r.stderr);
}

#[test]
fn check_from_a_folder_with_no_toml_file_checks_its_workspace_without_a_note() {
    let ws = example(true);
    let dist = ws.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let r = run(&dist, &["check", "--format", "short"]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 5 files\n");
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    // Named, the folder is said to hold nothing read.
    let r = run(&dist, &["check", "--format", "short", "."]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 5 files\n");
    assert!(
        r.stderr
            .starts_with("note: .: not checked: its workspace reads no file below it"),
        "{}",
        r.stderr
    );
}

#[test]
fn fix_writes_only_to_the_files_named() {
    let bad = "[service.s1]\nou = \"contoso\"\nlicense = \"contact_centr\"\n";
    let good = bad.replace("contact_centr", "contact_center");
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n"),
        ("s1.toml", bad),
        ("drafts/s2.toml", &bad.replace("s1", "s2")),
        ("drafts/s3.toml", &bad.replace("s1", "s3")),
    ]);
    let read = |name: &str| std::fs::read_to_string(ws.path().join(name)).unwrap();
    let r = run(
        ws.path(),
        &["check", "--fix", "--format", "short", "s1.toml"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "s1.toml:3:11: fixed[invalid-value]: Replace with `contact_center`\n\
         fixed 1 problem in 1 file\n\
         note: not fixed: 2 files (drafts/s2.toml, …) of the workspace not named on the command line; name them, or their folders, to fix them\n"
    );
    assert_eq!(read("s1.toml"), good);
    assert_eq!(read("drafts/s2.toml"), bad.replace("s1", "s2"));
    // A folder named: the files below it.
    let r = run(
        ws.path(),
        &["check", "--fix", "--format", "short", "drafts"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 5 files\n"),
        "{}",
        r.stderr
    );
    assert_eq!(read("drafts/s3.toml"), good.replace("s1", "s3"));
}

#[test]
fn allow_unused_suppression_silences_the_entitys_other_unused_comments() {
    let text = "[ou.contoso]\n\n\
                # nimbus-lint: allow(unused-suppression)\n\
                # nimbus-lint: allow(im-no-agents, channel-license)\n\
                [service.s1]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n\
                # nimbus-lint: allow(unused-suppression)\n\
                [service.s2]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n\
                # nimbus-lint: allow(im-no-agents)\n\
                [service.s3]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    let found = workspace_diagnostics(&[("nimbus.toml", ""), ("a.toml", text)]);
    let at: Vec<(u64, String)> = (found.iter())
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // s1's comments are silent; s2's allow silences nothing; s3's comment is unused.
    assert_eq!(
        at,
        [
            (9, "`allow(unused-suppression)` silences nothing".to_owned()),
            (14, "`allow(im-no-agents)` silences nothing".to_owned()),
        ]
    );
}

#[test]
fn a_credential_in_the_comments_above_a_header_is_that_entitys() {
    const WORD: &str = "Ab3dEf7hIj9kLm1nOp2qRs4tUv6wXy8z";
    let connector = "[connector.c1]\nou = \"contoso\"\ntype = \"twilio\"\napi_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n";
    let codes = |text: &str| {
        (workspace_diagnostics(&[("nimbus.toml", ""), ("a.toml", text)]).iter())
            .map(|d| {
                (
                    d["line"].as_u64().unwrap(),
                    d["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    // The word in the suppression comment's own reason, and on a line of the run above.
    for above in [
        format!("# nimbus-lint: allow(secret-in-config) rotated: {WORD}\n"),
        format!("# rotated: {WORD}\n# nimbus-lint: allow(secret-in-config)\n"),
    ] {
        let text = format!("[ou.contoso]\n\n{above}{connector}");
        assert_eq!(
            codes(&text),
            [(
                2 + above.lines().count() as u64 + 1,
                "unused-connector".to_owned()
            )]
        );
    }
    // Below the OU's lines, a blank line before the comment: the OU's, not covered.
    let text = format!(
        "[ou.contoso]\n# old: {WORD}\n\n# nimbus-lint: allow(secret-in-config)\n{connector}"
    );
    assert_eq!(
        codes(&text),
        [
            (2, "secret-in-config".to_owned()),
            (4, "unused-suppression".to_owned()),
            (5, "unused-connector".to_owned()),
        ]
    );
}

#[test]
fn human_snippets_leave_a_byte_order_mark_out() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("a.toml", "[ou.contoso]\n"),
        ("d.toml", "\u{feff}  [servce.s2]\nou = \"contoso\"\n"),
    ]);
    let r = run(ws.path(), &["check"]);
    assert!(!r.stdout.contains('\u{feff}'), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "   ╭─[d.toml:1:4]\n 1 │   [servce.s2]\n   ·    ───┬──\n   ·       ╰── not a kind of entity\n"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn braces_in_an_ignore_file_refuse_its_folder_and_in_exclude_are_invalid() {
    // `*.toml{}` hides nothing from git, and would hide every file from the walk.
    let ws = example(true);
    std::fs::write(ws.path().join(".gitignore"), "# {comment}\n*.toml{}\n").unwrap();
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "error: .gitignore: line 2 holds `{` or `}`, which git reads as plain characters and the walk as alternatives (`{a,b}`): the two would disagree on which files count; write them `\\{` and `\\}`, as git reads them: it decides which files are read, so the folder was not checked\n"
    );
    // Escaped, both read them as plain characters: the files count.
    std::fs::write(ws.path().join(".gitignore"), "*.toml\\{\\}\n").unwrap();
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 5 files\n"),
        "{}",
        r.stderr
    );
    // In `exclude`, reported and not applied.
    std::fs::write(
        ws.path().join("nimbus.toml"),
        "[workspace]\nexclude = [\"{services,x}/**\"]\n",
    )
    .unwrap();
    let found = common::json_diagnostics(ws.path());
    assert_eq!(
        code_messages(&found),
        [(
            "invalid-value".to_owned(),
            "`exclude` pattern `{services,x}/**` holds braces".to_owned()
        )]
    );
    assert_eq!(
        found[0]["help"],
        "list each pattern on its own, e.g. `exclude = [\"drafts/**\", \"keep/**\"]`; for a brace in a name, write `\\{` and `\\}`"
    );
}

/// The code, line and message of each diagnostic of a workspace whose `nimbus.toml` holds
/// `settings` (and an OU).
fn settings_diagnostics(settings: &str) -> Vec<(String, u64, String)> {
    (workspace_diagnostics(&[("nimbus.toml", settings), ("a.toml", "[ou.root]\n")]).iter())
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                format!(
                    "{} | {}",
                    d["message"].as_str().unwrap(),
                    d["help"].as_str().unwrap()
                ),
            )
        })
        .collect()
}

#[test]
fn settings_keys_in_the_wrong_table_say_where_they_belong_once() {
    let one = |settings: &str| {
        let found = settings_diagnostics(settings);
        assert_eq!(found.len(), 1, "{settings}: {found:?}");
        found[0].2.clone()
    };
    assert_eq!(
        one("[lints]\nexclude = [\"x\"]\n"),
        "unknown rule code `exclude` in [lints] | `exclude` belongs in `[workspace]`: move it below a `[workspace]` header"
    );
    assert_eq!(
        one("[lints]\nbogus = 5\n"),
        "unknown rule code `bogus` in [lints] | `[lints]` takes rule codes; `nimbus-lint explain --list` lists them"
    );
    assert_eq!(
        one("[build]\nmax_files = 3\n"),
        "unknown key `max_files` in [build] | `max_files` belongs in `[workspace]`: move it below a `[workspace]` header"
    );
    assert_eq!(
        one("[workspace]\noutput = \"b.json\"\n"),
        "unknown key `output` in [workspace] | `output` belongs in `[build]`: move it below a `[build]` header"
    );
    assert_eq!(
        one("unused-connector = \"allow\"\n"),
        "unknown key `unused-connector` in nimbus.toml | `unused-connector` is a rule code: levels go below a `[lints]` header, e.g. `unused-connector = \"allow\"`"
    );
    // A misspelled code with a misspelled level: two mistakes, each told of the code meant.
    let two = settings_diagnostics("[lints]\nim-no-agent = \"warn\"\n");
    assert_eq!(two.len(), 2, "{two:?}");
    assert_eq!(
        two[1].2,
        "unknown level `warn` | did you mean `warning`? `im-no-agents` takes one of `error`, `warning` and `allow`"
    );
}

#[test]
fn suppressions_that_cannot_silence_anything_are_reported() {
    let text = "[ou.root]\n# nimbus-lint: allow()\n[ou.a]\nparent = \"root\"\n# nimbus-lint: allow( , ) why\n[ou.b]\nparent = \"root\"\n";
    let found = workspace_diagnostics(&[("nimbus.toml", ""), ("a.toml", text)]);
    let lines: Vec<(u64, &str)> = (found.iter())
        .map(|d| (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            (2, "`allow()` names no rule code"),
            (5, "`allow()` names no rule code")
        ]
    );
    assert_eq!(
        settings_diagnostics("# nimbus-lint: allow(unused-connector)\n[lints]\n"),
        [(
            "unused-suppression".to_owned(),
            1,
            "a `# nimbus-lint:` comment in nimbus.toml silences nothing | set the rule's level for the whole workspace in `[lints]`, e.g. `unused-connector = \"allow\"`, or put the comment above the entity's header in its file".to_owned()
        )]
    );
}

#[test]
fn explain_of_a_hard_rule_says_it_cannot_be_lowered() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &["explain", "invalid-service-sid"]);
    assert!(
        r.stdout.starts_with(
            "# invalid-service-sid (always an error: cannot be lowered or silenced)\n"
        ),
        "{}",
        r.stdout
    );
    let r = run(dir.path(), &["explain", "unused-connector"]);
    assert!(
        r.stdout
            .starts_with("# unused-connector (warning by default)\n")
    );
    // Every hard code is named where `unused-suppression` says what cannot be silenced.
    let r = run(dir.path(), &["explain", "unused-suppression"]);
    let prose = r.stdout.replace('\n', " ");
    for code in [
        "syntax",
        "unknown-field",
        "missing-field",
        "invalid-value",
        "duplicate-id",
        "unknown-reference",
        "root-ou",
        "ou-cycle",
        "unsupported-connector",
        "invalid-api-key-sid",
        "invalid-service-sid",
    ] {
        assert!(prose.contains(&format!("`{code}`")), "{code}");
    }
}

#[test]
fn settings_values_that_would_surprise_are_invalid() {
    let found = settings_diagnostics("[build]\noutput = \"-\"\n");
    assert_eq!(
        found[0].2,
        "`output` is `-`, which only the command line reads as stdout | name the bundle's file, e.g. `output = \"dist/bundle.json\"`; to write to stdout, run `nimbus-lint build -o -`"
    );
    let found = settings_diagnostics("[workspace]\nexclude = [\"./drafts/**\"]\n");
    assert_eq!(
        found[0].2,
        "`exclude` pattern `./drafts/**` starts with `./` | gitignore patterns are relative to the root without `./`; to anchor one at the root, start it with `/`: `/drafts/**`"
    );
    let found =
        workspace_diagnostics(&[("nimbus.toml", ""), ("a.toml", "[ou.root]\nname = \" \"\n")]);
    assert_eq!(
        code_messages(&found),
        [(
            "invalid-value".to_owned(),
            "`name` is blank: it is the name Nimbus shows".to_owned()
        )]
    );
}

#[test]
fn quiet_prints_no_notes_and_build_check_says_nothing_was_compared() {
    let ws = example(true);
    std::fs::create_dir(ws.path().join("sub")).unwrap();
    std::fs::write(ws.path().join("sub/nimbus.toml"), "").unwrap();
    let r = run(ws.path(), &["check", "-q"]);
    // (The nested workspace's `nimbus.toml` is a file of the run.)
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("0 errors, 0 warnings in 6 files\n", "")
    );
    let r = run(ws.path(), &["check"]);
    assert!(
        r.stderr.starts_with("note: sub: holds its own nimbus.toml"),
        "{}",
        r.stderr
    );
    std::fs::write(ws.path().join("org.toml"), "[ou.x]\nparent = \"nobody\"\n").unwrap();
    let r = run(ws.path(), &["build", "--check", "--format", "short"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .ends_with("error: the configuration has errors: the bundle was not compared\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn build_refuses_a_bundle_whose_ou_paths_would_be_too_large() {
    // A chain of 5,000 OUs: its paths would list 12,502,500 ids (each OU's path lists every
    // OU above it), over the limit; `check` is fine with it.
    let mut chain = String::from("[ou.o0]\n");
    for i in 1..5000 {
        chain.push_str(&format!("[ou.o{i}]\nparent = \"o{}\"\n", i - 1));
    }
    let ws = workspace(&[("nimbus.toml", ""), ("chain.toml", &chain)]);
    assert_eq!(run(ws.path(), &["check", "-q"]).code, 0);
    let r = run(ws.path(), &["build", "-o", "bundle.json"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert_eq!(
        r.stderr,
        "error: the bundle's OU paths would list 12502500 ids, more than 10000000: OU `o4999` is 4999 levels below its root, and each OU's `path` lists every OU above it; a tenant's OU tree is a few levels deep\n"
    );
    assert!(!ws.path().join("bundle.json").exists());
}

#[test]
fn a_misspelled_kind_above_its_own_im_table_is_renamed_as_one_mistake() {
    let text = "[ou.contoso]\n[services.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                [service.desk.instant_messaging]\nchannels = [\"interact\"]\n";
    let files = [("nimbus.toml", ""), ("a.toml", text)];
    // One diagnostic: the IM table alone is the misspelled table's.
    assert_eq!(
        code_messages(&workspace_diagnostics(&files)),
        [(
            "unknown-field".to_owned(),
            "unknown entity kind `services`".to_owned()
        )]
    );
    let (r, texts) = fixed(&files);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(texts[1], text.replace("[services.desk]", "[service.desk]"));
    // With an `instant_messaging` of its own, the rename would define it twice: left.
    let both = text.replace(
        "license = \"contact_center\"\n[service",
        "license = \"contact_center\"\ninstant_messaging = {}\n[service",
    );
    let (_, texts) = fixed(&[("nimbus.toml", ""), ("a.toml", &both)]);
    assert_eq!(texts[1], both);
}

#[test]
fn a_named_file_that_is_not_toml_makes_no_folder_a_workspace() {
    // A README with a TOML example, beside a broken tenant file, with no nimbus.toml above.
    let ws = workspace(&[
        (
            "rd/README.md",
            "# Docs\n\n```toml\n[service.sales-ivr]\nou = \"sales\"\n```\n",
        ),
        ("rd/a.toml", "[service.y]\nou = \"nope\"\n"),
    ]);
    let r = run(ws.path(), &["check", "rd/README.md"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "0 errors, 0 warnings in 0 files\n",
            "note: rd/README.md: not checked: a workspace is made of .toml files only\n"
        )
    );
}

#[test]
fn prose_naming_the_tool_in_nimbus_toml_is_no_directive() {
    assert_eq!(
        settings_diagnostics(
            "# nimbus-lint settings for Contoso\n# nimbus-lint checks this in CI\n[workspace]\n"
        ),
        []
    );
    let found = settings_diagnostics("# nimbus_lint: allow(unused-connector)\n[workspace]\n");
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn braces_in_an_ignore_file_above_the_repository_are_none_of_its() {
    // Above the repository's top, neither git nor the walk reads it.
    let dir = workspace(&[
        (".gitignore", "*.{orig,rej}\n"),
        ("repo/nimbus.toml", ""),
        ("repo/a.toml", "[ou.root]\n"),
    ]);
    let repo = dir.path().join("repo");
    std::fs::create_dir(repo.join(".git")).unwrap();
    let r = run(&repo, &["check", "--format", "short"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    // Without a repository, every `.gitignore` above counts: refused.
    std::fs::remove_dir(repo.join(".git")).unwrap();
    let r = run(&repo, &["check", "--format", "short"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_misspelled_kind_is_not_renamed_onto_an_id_another_file_defines() {
    let a = "[ou.o]\n[services.desk]\nou = \"o\"\nlicense = \"contact_center\"\n[service.desk.instant_messaging]\nchannels = [\"interact\"]\n";
    let z = "[service.desk]\nou = \"o\"\nlicense = \"contact_center\"\n";
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("a.toml", a), ("z.toml", z)]);
    assert_eq!(texts[1], a, "{}", r.stderr);
}

/// The short format's lines of a workspace holding `org.toml`, the summary left out.
fn short_lines(org: &str) -> Vec<String> {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", org)]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    let mut lines: Vec<String> = r.stdout.lines().map(str::to_owned).collect();
    lines.pop();
    lines
}

#[test]
fn an_entry_moved_out_of_an_ou_loop_is_told_to_take_its_connector_along() {
    let lines = short_lines(B1);
    assert!(
        lines.iter().any(|l| l.contains("reference-not-visible")),
        "{lines:?}"
    );
    let found = workspace_diagnostics(&[("nimbus.toml", ""), ("org.toml", B1)]);
    let help = (found.iter())
        .find(|d| d["code"] == "reference-not-visible")
        .map(|d| d["help"].as_str().unwrap().to_owned())
        .unwrap();
    assert!(
        help.contains("move messaging entry `wx` and its connector `tw` to `sales`"),
        "{help}"
    );
}

#[test]
fn one_credential_in_a_multi_line_string_of_a_broken_file_is_one_diagnostic() {
    assert_eq!(
        short_lines(B2),
        [
            "org.toml:3:1: error[secret-in-config]: string shaped like a Twilio API key secret: `q1W2…` (32 characters)",
            "org.toml:4:6: error[syntax]: invalid TOML: table header without its closing `]`",
        ]
    );
}

#[test]
fn a_multi_line_string_closed_by_more_than_three_quotes_leaves_none_behind() {
    assert_eq!(
        short_lines(B3),
        [
            "org.toml:1:12: error[syntax]: invalid TOML: table header without its closing `]`",
            "org.toml:2:22: error[secret-in-config]: string shaped like a Twilio auth token: `abcd…` (32 characters)",
        ]
    );
}

const B1: &str = "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n[ou.x]\nparent = \"y\"\n[ou.y]\nparent = \"x\"\n\n[connector.tw]\nou = \"x\"\ntype = \"twilio\"\n\n[messaging_entry.wx]\nou = \"x\"\nconnector = \"tw\"\n\n[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n[service.desk.instant_messaging]\nmessaging_entry = \"wx\"\n";
const B2: &str =
    "[ou.contoso]\ndescription = \"\"\"\nq1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6\"\"\"\n[ou.x\n";
const B3: &str =
    "[ou.contoso\nitems = [\"\"\"a\"b\"\"\"\", \"abcdef0123456789abcdef0123456789\"]\n";
