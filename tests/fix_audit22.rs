//! Fixes of the twenty-second fix audit (`check --fix`, the language server's quick fixes and
//! fix-all), a test each: I, an IM table alone is not renamed to a near service when its own
//! id is written in a table the model does not read or in a file the workspace leaves out;
//! B, a misspelled kind is not renamed onto an id that a file that does not parse defines;
//! G, the editor's fixes in other files wait while `nimbus.toml` has one, as `check --fix`'s
//! first round does.

mod common;

use common::{run, workspace};

/// `check --fix --format short` of a workspace of `files`: the run, then each file's text
/// after it, in the order given.
fn fixed(files: &[(&str, &str)]) -> (common::Run, Vec<String>) {
    let ws = workspace(files);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    let texts = (files.iter())
        .map(|(name, _)| std::fs::read_to_string(ws.path().join(name)).unwrap())
        .collect();
    (r, texts)
}

/// The help of the one diagnostic of `code` that `check` finds in a workspace of `files`.
fn help_of(files: &[(&str, &str)], code: &str) -> String {
    let found = common::workspace_diagnostics(files);
    let mut of_code = found.iter().filter(|d| d["code"] == code);
    let d = of_code
        .next()
        .unwrap_or_else(|| panic!("no {code}: {found:?}"));
    assert!(of_code.next().is_none(), "{found:?}");
    d["help"].as_str().unwrap().to_owned()
}

/// The OU `acme`, a service `desks`, and below it the IM table alone of a service `desk`.
const DESKS: &str = "[ou.acme]\n\n[service.desks]\nou = \"acme\"\nlicense = \"contact_center\"\n\n\
                     [service.desk.instant_messaging]\nchannels = [\"interact\"]\n";

#[test]
fn i_an_im_table_alone_whose_id_is_written_in_a_table_not_read_is_not_renamed() {
    for (unread, path, rest) in [
        ("[device.desk]", "device.desk", ""),
        ("[desk]", "desk", ""),
        // Two misspelled kinds in one file: neither is renamed.
        (
            "[servcie.desk]",
            "servcie.desk",
            "\n[serivce.bot]\nou = \"acme\"\n",
        ),
    ] {
        let org = format!("{unread}\nou = \"acme\"\nlicense = \"contact_center\"\n\n{DESKS}{rest}");
        let files = [("nimbus.toml", ""), ("org.toml", org.as_str())];
        let (r, texts) = fixed(&files);
        assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{unread}");
        assert_eq!(texts[1], org, "{unread}");
        assert!(
            r.stdout.contains(
                "org.toml:11:1: error[missing-field]: service `desk` has an IM table but no `[service.desk]`\n"
            ),
            "{}",
            r.stdout
        );
        assert_eq!(
            help_of(&files, "missing-field"),
            format!(
                "did you mean `[service.desks.instant_messaging]`? Service `desks` has no IM table. \
                 `desk` is also written at org.toml:1 (`{path}`), a table not read as a service: \
                 if that is the one meant, correct its table instead"
            ),
            "{unread}"
        );
    }
}

#[test]
fn i_an_im_table_alone_as_near_to_an_id_written_in_a_table_not_read_is_not_renamed() {
    let org = "[ou.acme]\n\n[service.team]\nou = \"acme\"\nlicense = \"contact_center\"\n\n\
               [device.term]\nou = \"acme\"\n\n[service.tem.instant_messaging]\nchannels = [\"interact\"]\n";
    let files = [("nimbus.toml", ""), ("org.toml", org)];
    let (r, texts) = fixed(&files);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!(texts[1], org);
    assert_eq!(
        r.stdout,
        "org.toml:7:2: error[unknown-field]: unknown entity kind `device`\n\
         org.toml:10:1: error[missing-field]: service `tem` has an IM table but no `[service.tem]`\n\
         2 errors, 0 warnings in 2 files\n"
    );
    assert_eq!(
        help_of(&files, "missing-field"),
        "did you mean `[service.team.instant_messaging]`? Service `team` has no IM table. \
         `term` is also written at org.toml:7 (`device.term`), a table not read as a service: \
         if that is the one meant, correct its table, and this header to `term`"
    );
    // With no such table, the one service that near is meant: renamed.
    let alone = org.replace("[device.term]\nou = \"acme\"\n\n", "");
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("org.toml", &alone)]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            0,
            "org.toml:7:10: fixed[missing-field]: Rename to `team`\nfixed 1 problem in 1 file\n"
        )
    );
    assert_eq!(texts[1], alone.replace("[service.tem.", "[service.team."));
}

#[test]
fn i_an_im_table_alone_whose_service_a_file_left_out_defines_is_not_renamed() {
    let desk = "[service.desk]\nou = \"acme\"\nlicense = \"contact_center\"\n";
    for (settings, ignore, why) in [
        (
            "[workspace]\nexclude = [\"drafts/**\"]\n",
            "",
            "which `exclude` in nimbus.toml leaves out: take it out of `exclude`",
        ),
        (
            "",
            "drafts/\n",
            "which `.gitignore` ignores: take it out of `.gitignore`",
        ),
    ] {
        let files = [
            ("nimbus.toml", settings),
            (".gitignore", ignore),
            ("org.toml", DESKS),
            ("drafts/desk.toml", desk),
        ];
        let (r, texts) = fixed(&files);
        assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{why}");
        assert_eq!(texts[2], DESKS);
        assert_eq!(texts[3], desk);
        assert_eq!(
            r.stdout,
            "org.toml:7:1: error[missing-field]: service `desk` has an IM table but no `[service.desk]`\n\
             1 error, 0 warnings in 2 files\n"
        );
        let ws = workspace(&files);
        let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
        let d = &doc["diagnostics"][0];
        assert_eq!(
            d["help"],
            format!(
                "`[service.desk]` is defined in drafts/desk.toml (line 1), {why} and move this \
                 table there (a service's tables stay in one file), or define the service in a \
                 checked file. Otherwise, did you mean `[service.desks.instant_messaging]`?"
            )
        );
        let human = run(ws.path(), &["check"]).stdout;
        assert!(
            human.contains("╰── an IM table alone: `[service.desk]` is in a file left out\n"),
            "{human}"
        );
    }
}

#[test]
fn b_a_misspelled_kind_is_not_renamed_onto_an_id_a_file_that_does_not_parse_defines() {
    let x = "[servce.billing]\nou = \"acme\"\nlicense = \"contact_center\"\n";
    let y = "[service.billing]\nou = \"acme\"\nlicense = \"contact_center\"\nname = Billing team\n";
    let files = [
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        ("x.toml", x),
        ("y.toml", y),
    ];
    let ws = workspace(&files);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "x.toml:1:2: error[unknown-field]: unknown entity kind `servce`\n\
         y.toml:4:8: error[syntax]: invalid TOML: string values must be quoted\n\
         2 errors, 0 warnings in 4 files\n"
    );
    let help = "did you mean `service`? `[service.billing]` is written in y.toml (line 1) too, a \
                file that does not parse: renamed, it would be defined twice; merge the two by hand.";
    let found = common::json_diagnostics(ws.path());
    assert_eq!(found[0]["help"], help);
    // `y.toml` is mended, `x.toml` left as written: no `duplicate-id`.
    let (r, texts) = fixed(&files);
    assert_eq!(
        r.stderr,
        "y.toml:4:8: fixed[syntax]: Put the value in quotes\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            1,
            "x.toml:1:2: error[unknown-field]: unknown entity kind `servce`\n\
             1 error, 0 warnings in 4 files\n"
        )
    );
    assert_eq!(texts[2], x);
    assert_eq!(texts[3], y.replace("= Billing team", "= \"Billing team\""));
    // Broken by a mistake with no fix, the file keeps the rename from being made too.
    let joined = y.replace("Billing team", "\"Billing\" + \" team\"");
    let files = [files[0], files[1], files[2], ("y.toml", joined.as_str())];
    let (r, texts) = fixed(&files);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!((texts[2].as_str(), texts[3].as_str()), (x, joined.as_str()));
    assert_eq!(common::workspace_diagnostics(&files)[0]["help"], help);
    // A file that does not parse and defines another id: renamed.
    let other = joined.replace("[service.billing]", "[service.sales]");
    let (r, texts) = fixed(&[files[0], files[1], files[2], ("y.toml", &other)]);
    assert_eq!(
        r.stderr,
        "x.toml:1:2: fixed[unknown-field]: Rename to `service`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(texts[2], x.replace("[servce.", "[service."));
}

/// The messages of published diagnostics.
fn messages(published: &[serde_json::Value]) -> Vec<&str> {
    (published.iter())
        .map(|d| d["message"].as_str().unwrap())
        .collect()
}

#[test]
fn g_the_editors_fixes_wait_in_other_files_while_nimbus_toml_has_a_fix() {
    use common::fix22::{Lsp, uri};
    let settings = "[workspace]\nexclud = [\"drafts/**\"]\n";
    let org = "[ou.acme]\n[ou.sales]\nparent = \"acme\"\n";
    let wip = "# WIP\n[service.wip]\nou = \"sale\"\nlicense = contact_center\nlicence = \"contact_centre\"\n";
    let files = [
        ("nimbus.toml", settings),
        ("org.toml", org),
        ("drafts/wip.toml", wip),
    ];
    // `check --fix` fixes `nimbus.toml` alone, which then leaves the draft out.
    let (r, texts) = fixed(&files);
    assert_eq!(
        r.stderr,
        "nimbus.toml:2:1: fixed[unknown-field]: Rename to `exclude`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(texts[2], wip);
    // The editor shows the draft's diagnostics, and offers no fix in it while `nimbus.toml`
    // has one; in `nimbus.toml`, the fix.
    let ws = workspace(&files);
    let (draft, toml) = (
        ws.path().join("drafts/wip.toml"),
        ws.path().join("nimbus.toml"),
    );
    let mut lsp = Lsp::start(ws.path());
    let shown = lsp.open(&draft, wip);
    assert_eq!(
        messages(&shown),
        [
            "invalid TOML: string values must be quoted\nhelp: text values are written in quotes: `license = \"contact_center\"`"
        ]
    );
    for only in ["quickfix", "source.fixAll"] {
        assert_eq!(
            lsp.actions(&draft, wip, only),
            Vec::<serde_json::Value>::new()
        );
    }
    let shown = lsp.open(&toml, settings);
    assert_eq!(
        messages(&shown),
        ["unknown key `exclud` in [workspace]\nhelp: did you mean `exclude`?"]
    );
    let fix_all = lsp.actions(&toml, settings, "source.fixAll");
    assert_eq!(
        fix_all[0]["edit"]["changes"][uri(&toml)],
        serde_json::json!([{"range": {"start": {"line": 1, "character": 0},
                                      "end": {"line": 1, "character": 6}},
                            "newText": "exclude"}])
    );
    assert_eq!(lsp.stop(), 0);
    // With no fix in `nimbus.toml`, the draft's fixes are offered, as `check --fix` makes them.
    let files = [("nimbus.toml", ""), files[1], files[2]];
    let ws = workspace(&files);
    let draft = ws.path().join("drafts/wip.toml");
    let mut lsp = Lsp::start(ws.path());
    lsp.open(&draft, wip);
    let fix_all = lsp.actions(&draft, wip, "source.fixAll");
    assert_eq!(
        fix_all[0]["edit"]["changes"][uri(&draft)][0]["newText"],
        "\"contact_center\""
    );
    assert_eq!(lsp.actions(&draft, wip, "quickfix").len(), 1);
    assert_eq!(lsp.stop(), 0);
    // One round of `check --fix`, which makes the same fix.
    let rounds = [("NIMBUS_LINT_TEST_FIX_ROUNDS", std::ffi::OsStr::new("1"))];
    let r = common::run_with(ws.path(), &["check", "--fix", "-q"], "", &rounds);
    assert_eq!(
        r.stderr,
        "fixed 1 problem in 1 file\nnote: fixes are still pending after 1 rounds; run `check --fix` again\n"
    );
    assert_eq!(
        std::fs::read_to_string(&draft).unwrap(),
        wip.replace("= contact_center", "= \"contact_center\"")
    );
}
