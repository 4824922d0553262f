//! Fixes of the eighteenth fix audit (`check --fix`, the language server's quick fixes), a
//! test each: F2, no did-you-mean rewrites a reference whose id is written in a table the
//! model does not read; F6, an IM table alone with two services as near is not renamed; F9, a
//! key is not renamed when its value would be wrong under the new key; F1, no rule code or
//! level is fixed into a setting that is an error itself; F8, a `nimbus.toml` fix that changes
//! which files are read is made before the fixes of the files it leaves out; F7, the fixes of
//! one round make no new error together.

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

/// The OU `contoso` and a service `desk` in it: `rest` is written into its table.
fn desk(rest: &str) -> String {
    format!(
        "[ou.contoso]\n\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n{rest}"
    )
}

#[test]
fn f2_a_reference_to_an_id_written_under_a_misspelled_kind_is_not_repointed() {
    let org =
        "[ou.contoso]\n\n[ou.sale]\nparent = \"contoso\"\n\n[uo.sales]\nparent = \"contoso\"\n";
    let services = "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n";
    let files = [
        ("nimbus.toml", "[workspace]\n"),
        ("org.toml", org),
        ("services.toml", services),
    ];
    // The fixes offered, as SARIF's `fixes` and the editor's quick fixes (the same `Fix`):
    // the kind's rename alone.
    let ws = workspace(&files);
    let sarif = common::json(&run(ws.path(), &["check", "--format", "sarif"]));
    let offered: Vec<(&str, bool)> = (sarif["runs"][0]["results"].as_array().unwrap().iter())
        .map(|r| (r["ruleId"].as_str().unwrap(), r.get("fixes").is_some()))
        .collect();
    assert_eq!(
        offered,
        [("unknown-field", true), ("unknown-reference", false)]
    );
    let (r, texts) = fixed(&files);
    assert_eq!(
        r.stderr,
        "org.toml:6:2: fixed[unknown-field]: Rename to `ou`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 3 files\n")
    );
    assert_eq!(texts[1], org.replace("[uo.sales]", "[ou.sales]"));
    assert_eq!(texts[2], services);
}

#[test]
fn f2_a_reference_to_an_id_written_in_a_table_not_read_is_left_with_a_help() {
    let tam = "\n[service.tam]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    for unread in [
        "\n[device.team]\nou = \"contoso\"\nlicense = \"contact_center\"\n",
        "\n[team]\nou = \"contoso\"\nlicense = \"contact_center\"\n",
        "\nservce.team.ou = \"contoso\"\nservce.team.license = \"contact_center\"\n",
    ] {
        // In a file of its own, where a dotted key is at the top level.
        let text = desk(&format!("transfers = [\"team\"]\n{tam}"));
        let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &text), ("t.toml", unread)]);
        let r = run(ws.path(), &["check", "--fix", "--format", "json"]);
        assert_eq!(r.code, 1, "{unread}: {}", r.stderr);
        assert!(
            !r.stderr.contains("unknown-reference"),
            "{unread}: {}",
            r.stderr
        );
        let after = std::fs::read_to_string(ws.path().join("org.toml")).unwrap();
        assert!(after.contains("transfers = [\"team\"]"), "{after}");
        let doc = common::json(&r);
        let d = (doc["diagnostics"].as_array().unwrap().iter())
            .find(|d| d["code"] == "unknown-reference")
            .unwrap_or_else(|| panic!("{unread}: {doc}"));
        let help = d["help"].as_str().unwrap();
        assert!(
            help.starts_with("did you mean `tam`? `team` is also written at t.toml:")
                && help.ends_with(
                    "a table not read as a service: if that is the one meant, correct its table instead"
                ),
            "{unread}: {help}"
        );
    }
    // A kind written in two headers is not renamed, and the reference is left alone too.
    let text = desk(&format!(
        "transfers = [\"team\"]\n{tam}\n[services.team]\nou = \"contoso\"\n\n[services.team2]\nou = \"contoso\"\n"
    ));
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("org.toml", &text)]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!(texts[1], text);
}

#[test]
fn f6_an_im_table_alone_with_two_services_as_near_is_not_renamed() {
    let text = "[ou.contoso]\n\n[service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n\
                [service.term]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n\
                [service.tem.instant_messaging]\nchannels = [\"interact\"]\n";
    let (r, texts) = fixed(&[("nimbus.toml", "[workspace]\n"), ("org.toml", text)]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!(
        r.stdout,
        "org.toml:11:1: error[missing-field]: service `tem` has an IM table but no `[service.tem]`\n\
         1 error, 0 warnings in 2 files\n"
    );
    assert_eq!(texts[1], text);
    let found = common::workspace_diagnostics(&[("nimbus.toml", ""), ("org.toml", text)]);
    assert_eq!(
        found[0]["help"],
        "did you mean `[service.team.instant_messaging]` or `[service.term.instant_messaging]`? They are as near: rename it to the one meant"
    );
    // One service alone that near: renamed, as before.
    let one = text.replace("[service.term]", "[service.other]");
    let (r, texts) = fixed(&[("nimbus.toml", "[workspace]\n"), ("org.toml", &one)]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(texts[1], one.replace("[service.tem.", "[service.team."));
}

#[test]
fn f9_a_key_is_not_renamed_when_its_value_would_be_wrong_under_the_new_key() {
    // An OU named its own parent, or one below it: no rename to `parent`.
    let org = "[ou.contoso]\nou = \"contoso\"\n[ou.sales]\nparent = \"contoso\"\n\
               [ou.north]\nou = \"north2\"\n[ou.north2]\nparent = \"north\"\n[ou.x]\nou = \"sales\"\n";
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("org.toml", org)]);
    assert_eq!(
        r.stderr,
        "org.toml:10:1: fixed[unknown-field]: Rename to `parent`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(texts[1], org.replace("[ou.x]\nou =", "[ou.x]\nparent ="));
    assert_eq!(
        r.stdout,
        "org.toml:2:1: error[unknown-field]: unknown key `ou` in OU `contoso`\n\
         org.toml:6:1: error[unknown-field]: unknown key `ou` in OU `north`\n\
         2 errors, 0 warnings in 2 files\n"
    );
    let found = common::workspace_diagnostics(&[("nimbus.toml", ""), ("org.toml", &texts[1])]);
    let helps: Vec<&str> = found.iter().map(|d| d["help"].as_str().unwrap()).collect();
    assert_eq!(
        helps,
        [
            "did you mean `parent`? Its value names this OU itself, which cannot be its own parent: if it is the tenant, remove the line",
            "did you mean `parent`? Its value names `north2`, an OU below this one: as its parent, it would make a loop",
        ]
    );
    // A SID's key given what is no SID: offered, not made; given a SID, made.
    let sid = "IS0123456789abcdef0123456789abcdef";
    let entries = format!(
        "[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\nregion = \"us1\"\n\
         api_key = \"Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z\"\napi_key_secret = {{ env = \"X\" }}\n\
         [messaging_entry.wa]\nou = \"contoso\"\nconnector = \"tw\"\nservice_id = \"desk\"\n\
         [messaging_entry.wb]\nou = \"contoso\"\nconnector = \"tw\"\nservice_id = \"{sid}\"\n"
    );
    let (r, texts) = fixed(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n"),
        ("e.toml", &entries),
    ]);
    assert_eq!(
        r.stderr,
        "e.toml:14:1: fixed[unknown-field]: Rename to `service_sid`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(
        texts[2],
        entries.replace(
            &format!("service_id = \"{sid}\""),
            &format!("service_sid = \"{sid}\"")
        )
    );
    let found = common::workspace_diagnostics(&[("nimbus.toml", ""), ("e.toml", &texts[2])]);
    let helps: Vec<&str> = (found.iter())
        .filter(|d| d["code"] == "unknown-field")
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    assert_eq!(
        helps,
        [
            "did you mean `api_key_sid`? Its value is no API key SID (SK and 32 hex digits): correct the value too, or, if it is the key's secret, write it as `api_key_secret`",
            "did you mean `service_sid`? Its value is no Conversations Service SID (IS and 32 hex digits): correct the value too",
        ]
    );
}

#[test]
fn f1_no_rule_code_or_level_is_fixed_into_a_setting_that_is_an_error_itself() {
    let why = "it stays an error (the workspace cannot be read as written), so no level but `\"error\"` is accepted; fix the problem instead, or remove this line";
    for (settings, helps) in [
        (
            "[lints]\nunknown-refrence = \"allow\"\n",
            vec![format!(
                "did you mean `unknown-reference`? It cannot be lowered: {why}"
            )],
        ),
        (
            "[lints]\nsyntax = false\nunknown-field = \"warn\"\n",
            vec![
                format!("`syntax` cannot be lowered: {why}"),
                format!("`unknown-field` cannot be lowered: {why}"),
            ],
        ),
    ] {
        let files = [("nimbus.toml", settings), ("org.toml", "[ou.contoso]\n")];
        let (r, texts) = fixed(&files);
        assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{settings}");
        assert_eq!(texts[0], settings);
        let found = common::workspace_diagnostics(&files);
        let found: Vec<&str> = found.iter().map(|d| d["help"].as_str().unwrap()).collect();
        assert_eq!(found, helps);
    }
    // Raised to `"error"`, the misspelled code is renamed; a rule that can be lowered, too.
    let settings = "[lints]\nunknown-refrence = \"error\"\nim-no-agent = false\n";
    let (r, texts) = fixed(&[("nimbus.toml", settings), ("org.toml", "[ou.contoso]\n")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        texts[0],
        "[lints]\nunknown-reference = \"error\"\nim-no-agents = \"allow\"\n"
    );
    // In a suppression comment, a code that cannot be suppressed is not written in.
    let org = "[ou.contoso]\n# nimbus-lint: allow(unknown-refrence)\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    let files = [("nimbus.toml", ""), ("org.toml", org)];
    let (r, texts) = fixed(&files);
    assert_eq!((r.stderr.as_str(), texts[1].as_str()), ("", org));
    assert_eq!(
        r.stdout,
        "org.toml:2:22: warning[unused-suppression]: unknown rule code `unknown-refrence`\n\
         0 errors, 1 warning in 2 files\n"
    );
    assert_eq!(
        common::workspace_diagnostics(&files)[0]["help"],
        "did you mean `unknown-reference`? `unknown-reference` cannot be suppressed (the workspace cannot be read as written): fix the problem instead, or remove the code"
    );
}

#[test]
fn f8_a_settings_fix_is_made_before_the_fixes_of_the_files_it_leaves_out() {
    let wip = "# WIP, do not touch\n[service.wip]\nou = \"sale\"\nlicence = \"contact_centre\"\n";
    let org = "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n";
    let (r, texts) = fixed(&[
        ("nimbus.toml", "[workspace]\nexclud = [\"drafts/**\"]\n"),
        ("org.toml", org),
        ("drafts/wip.toml", wip),
    ]);
    assert_eq!(
        r.stderr,
        "nimbus.toml:2:1: fixed[unknown-field]: Rename to `exclude`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 2 files\n")
    );
    assert_eq!(
        texts,
        ["[workspace]\nexclude = [\"drafts/**\"]\n", org, wip]
    );
    // The other files are fixed in the next round, as the fixed settings read them.
    let (r, texts) = fixed(&[
        ("nimbus.toml", "[workspace]\nexclud = [\"drafts/**\"]\n"),
        (
            "org.toml",
            "[ou.contoso]\n[ou.sales]\nparnet = \"contoso\"\n",
        ),
    ]);
    assert_eq!(
        r.stderr,
        "nimbus.toml:2:1: fixed[unknown-field]: Rename to `exclude`\n\
         org.toml:3:1: fixed[unknown-field]: Rename to `parent`\nfixed 2 problems in 2 files\n"
    );
    assert_eq!((r.code, texts[1].as_str()), (0, org));
}

/// OUs `contoso`, `sales` and `support`, a connector and an entry `wa-sales` in `sales`, and
/// a service `desk` in OU `ou` applying the entry `entry`.
fn sight(ou: &str, entry: &str) -> String {
    format!(
        "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n[ou.support]\nparent = \"contoso\"\n\n\
         [connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\napi_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\n\
         [messaging_entry.wa-sales]\nou = \"sales\"\nconnector = \"tw\"\nservice_sid = \"IS12345678900000000000000000AbCdEf\"\n\n\
         [service.desk]\nou = \"{ou}\"\nlicense = \"contact_center\"\n\
         instant_messaging = {{ messaging_entry = \"{entry}\", channels = [\"whatsapp\"] }}\n"
    )
}

#[test]
fn f7_the_fixes_of_one_round_make_no_new_error_together() {
    // The referrer's OU misspelled: the entry is not fixed until the OU is, and then only in
    // sight.
    let (r, texts) = fixed(&[
        ("nimbus.toml", ""),
        ("org.toml", &sight("suport", "wa-sale")),
    ]);
    assert_eq!(
        r.stderr,
        "org.toml:18:6: fixed[unknown-reference]: Replace with `support`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(texts[1], sight("support", "wa-sale"));
    assert_eq!(
        r.stdout,
        "org.toml:20:41: error[unknown-reference]: `messaging_entry` names an unknown messaging entry `wa-sale`\n\
         1 error, 0 warnings in 2 files\n"
    );
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("org.toml", &sight("sals", "wa-sale"))]);
    assert_eq!(
        r.stderr,
        "org.toml:18:6: fixed[unknown-reference]: Replace with `sales`\n\
         org.toml:20:41: fixed[unknown-reference]: Replace with `wa-sales`\nfixed 2 problems in 1 file\n"
    );
    assert_eq!(
        (r.code, texts[1].as_str()),
        (0, sight("sales", "wa-sales").as_str())
    );
    // Two `parent` fixes that would close a loop together: neither is made.
    let org = "[ou.contoso]\n[ou.north]\nparent = \"soth\"\n[ou.south]\nparent = \"nrth\"\n";
    let files = [("nimbus.toml", ""), ("org.toml", org)];
    let (r, texts) = fixed(&files);
    assert_eq!((r.code, r.stderr.as_str(), texts[1].as_str()), (1, "", org));
    let helps: Vec<String> = (common::workspace_diagnostics(&files).iter())
        .map(|d| d["help"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        helps,
        [
            "did you mean `south`? With the other `parent` fixes, it would make a loop: correct them by hand",
            "did you mean `north`? With the other `parent` fixes, it would make a loop: correct them by hand",
        ]
    );
    // Two that close none: both made.
    let org = "[ou.contoso]\n[ou.north]\nparent = \"contso\"\n[ou.south]\nparent = \"nrth\"\n";
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("org.toml", org)]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        texts[1],
        org.replace("contso", "contoso").replace("nrth", "north")
    );
}

#[test]
fn f5_a_dotted_parent_removed_keeps_the_blanks_before_its_comment() {
    let org = "ou.contoso.parent = \"\"  # root\r\n[ou.sales]\r\nparent = \"contoso\"\r\n";
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("org.toml", org)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        texts[1],
        "ou.contoso = {}  # root\r\n[ou.sales]\r\nparent = \"contoso\"\r\n"
    );
}

#[test]
fn f4_two_suppression_comments_are_not_fixed_into_the_same_code() {
    let above = |comments: &str| {
        format!(
            "[ou.contoso]\n\n{comments}[service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             user_assignment = \"none\"\ninstant_messaging = {{}}\n"
        )
    };
    let help = "did you mean `im-no-agents`? The comments above this entity name it already (or another code mends into it): fixed, it would be named twice: write it once";
    for comments in [
        "# nimbus-lint: allow(im-no-agent)\n# nimbus-lint: allow(im-no-agnts)\n",
        "# nimbus-lint: allow(im-no-agent)\n# nimbus-lint: allow(im-no-agents)\n",
    ] {
        let text = above(comments);
        let files = [("nimbus.toml", ""), ("org.toml", text.as_str())];
        let (r, texts) = fixed(&files);
        assert_eq!((r.stderr.as_str(), texts[1].as_str()), ("", text.as_str()));
        let helps: Vec<String> = (common::workspace_diagnostics(&files).iter())
            .filter(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("unknown rule code")
            })
            .map(|d| d["help"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            !helps.is_empty() && helps.iter().all(|h| h == help),
            "{helps:?}"
        );
    }
    // One comment alone: fixed.
    let text = above("# nimbus-lint: allow(im-no-agent)\n");
    let (r, texts) = fixed(&[("nimbus.toml", ""), ("org.toml", &text)]);
    assert_eq!(
        (r.stderr.as_str(), texts[1].as_str()),
        (
            "org.toml:3:22: fixed[unused-suppression]: Replace with `im-no-agents`\nfixed 1 problem in 1 file\n",
            above("# nimbus-lint: allow(im-no-agents)\n").as_str()
        )
    );
}
