//! Findings of the nineteenth black-box audit (a demanding user's), a test each: H2, a copy
//! of an entity gets the same diagnostics whatever its file is named; M1, `parent` (or
//! `ou_id`) on an entity is its `ou`; M3, IM switched off with `instant_messaging = false` or
//! `enabled = false`; M4, a suppression comment inside the table it is meant for; M2, with no
//! OU, the help names those the entities name; L1, L3, L4, L7, L10, L11. (H1, a
//! misspelled definition, is `misspelled_definition.rs`.)

mod common;

use common::{json, run, workspace};

/// Each diagnostic of `check --format json` of `files` (with an empty `nimbus.toml`): its
/// code, line and help.
fn diagnostics(files: &[(&str, &str)]) -> Vec<(String, u64, String)> {
    let mut all = vec![("nimbus.toml", "")];
    all.extend_from_slice(files);
    let ws = workspace(&all);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    (doc["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["help"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `check --fix --format short` of `text` as `org.toml` (with an empty `nimbus.toml`): the
/// run, then the file's text after it.
fn fixed(text: &str) -> (common::Run, String) {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", text)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    let after = std::fs::read_to_string(ws.path().join("org.toml")).unwrap();
    (r, after)
}

#[test]
fn m3_instant_messaging_false_is_told_to_go_and_silences_no_im_rule_for_nothing() {
    let services = "[ou.contoso]\n\n# nimbus-lint: allow(im-no-agents)\n[service.bot]\nou = \"contoso\"\nlicense = \"contact_center\"\nuser_assignment = \"none\"\ninstant_messaging = false\n";
    assert_eq!(
        diagnostics(&[("org.toml", services)]),
        [(
            "invalid-value".to_owned(),
            8,
            "a service without IM has no `instant_messaging`: remove this line (an `instant_messaging` table, even empty, turns IM on for `bot`)".to_owned()
        )]
    );
    // `true` still gets the table that turns it on.
    let on = services.replace("= false", "= true");
    let found = diagnostics(&[("org.toml", &on)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].2,
        "write it like this: `[service.bot.instant_messaging]`"
    );
}

#[test]
fn m3_a_switch_in_the_im_table_is_told_that_the_table_is_the_switch() {
    let services = "[ou.contoso]\n\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n[service.desk.instant_messaging]\nenabled = false\n";
    // One diagnostic: no `im-unreachable` for the service meant to have no IM.
    let found = diagnostics(&[("org.toml", services)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "unknown-field", "{found:?}");
    assert_eq!(
        found[0].2,
        "IM is on whenever service `desk` has an `instant_messaging` table: to turn it off, remove the table and its keys; to keep it on, remove this line"
    );
}

#[test]
fn m4_a_suppression_inside_the_table_it_is_meant_for_is_told_to_move_above_its_header() {
    let services = "[ou.contoso]\n\n[service.bot]\nou = \"contoso\"\n# nimbus-lint: allow(im-no-agents)\nlicense = \"contact_center\"\nuser_assignment = \"none\"\n[service.bot.instant_messaging]\nchannels = [\"interact\"]\n";
    let found = diagnostics(&[("org.toml", services)]);
    let unused: Vec<_> = (found.iter())
        .filter(|d| d.0 == "unused-suppression")
        .collect();
    assert_eq!(
        unused,
        [&(
            "unused-suppression".to_owned(),
            5,
            "a suppression goes on the line above the table header: move it above `[service.bot]`, whose table holds it".to_owned()
        )]
    );
    // Inside the table of an entity that raises nothing it silences: removed, as before.
    let calm = services.replace("user_assignment = \"none\"\n", "");
    let found = diagnostics(&[("org.toml", &calm)]);
    assert_eq!(
        found,
        [(
            "unused-suppression".to_owned(),
            5,
            "remove it: no entity is defined below it".to_owned()
        )]
    );
    // Below another table's header, the comment is no longer in the entity's table.
    let other = services.replace(
        "# nimbus-lint: allow(im-no-agents)\n",
        "[lints]\n# nimbus-lint: allow(im-no-agents)\n",
    );
    let found = diagnostics(&[("org.toml", &other)]);
    assert!(
        !found.iter().any(|d| d.2.contains("whose table holds it")),
        "{found:?}"
    );
}

/// The example workspace with `extra` added as `name`: each diagnostic's code and message
/// but `duplicate-id`'s (told at the later copy in path order, as the contract has it), and
/// the place of those in `extra`.
fn beside_example(name: &str, extra: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("example"), dir.path());
    std::fs::write(dir.path().join(name), extra).unwrap();
    let doc = json(&run(dir.path(), &["check", "--format", "json"]));
    let mut out: Vec<(String, String)> = (doc["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] != "duplicate-id")
        .map(|d| {
            let place = match d["file"].as_str() == Some(name) {
                true => format!(" at {}:{}", d["line"], d["column"]),
                false => String::new(),
            };
            (
                d["code"].as_str().unwrap().to_owned(),
                format!("{}{place}", d["message"].as_str().unwrap()),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn h2_a_copy_of_an_entity_gets_the_same_diagnostics_whatever_its_file_is_named() {
    let stale_service = "[service.billing]\nou = \"sales\"\nlicense = \"contact_center\"\ntransfers = [\"nope\", \"billing\"]\n[service.billing.instant_messaging]\nmessaging_entry = \"nope-entry\"\nchannels = [\"sms\"]\n";
    let found = beside_example("zz-old.toml", stale_service);
    assert_eq!(found, beside_example("aa-old.toml", stale_service));
    assert_eq!(
        found,
        [
            (
                "self-transfer".to_owned(),
                "service `billing` transfers to itself at 4:22".to_owned()
            ),
            (
                "unknown-reference".to_owned(),
                "`messaging_entry` names an unknown messaging entry `nope-entry` at 6:19"
                    .to_owned()
            ),
            (
                "unknown-reference".to_owned(),
                "`transfers` names an unknown service `nope` at 4:14".to_owned()
            ),
        ]
    );
    // Copies placing their entity elsewhere: no tree, loop or sight concluded from the one
    // that happens to be kept.
    for extra in [
        "[ou.sales]\nname = \"Sales (old)\"\n",
        "[ou.sales]\nparent = \"sales\"\n",
        "[messaging_entry.whatsapp-sales]\nou = \"support\"\nconnector = \"twilio-support\"\nservice_sid = \"IS0123456789abcdef0123456789abcd71\"\n",
    ] {
        let found = beside_example("zz-copy.toml", extra);
        assert_eq!(found, beside_example("aa-copy.toml", extra), "{extra}");
        assert_eq!(found, [], "{extra}");
    }
}

#[test]
fn m1_parent_on_a_service_is_its_ou_misspelled_and_fixed_as_one() {
    let services = "[ou.contoso]\n\n[ou.sales]\nparent = \"contoso\"\n\n[service.desk]\nparent = \"sales\"\nlicense = \"contact_center\"\n\n[messaging_entry.wa]\nou_id = \"sales\"\nconnector = \"tw\"\nservice_sid = \"IS12345678900000000000000000AbCdEf\"\n\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\nregion = \"us1\"\napi_key_sid = \"SK0123456789abcdef0123456789abcdef\"\napi_key_secret = { env = \"S\" }\n\n[service.wa-desk]\nou = \"sales\"\nlicense = \"contact_center\"\ninstant_messaging = { messaging_entry = \"wa\", channels = [\"sms\"] }\n";
    let found = diagnostics(&[("org.toml", services)]);
    assert_eq!(
        found,
        [
            (
                "unknown-field".to_owned(),
                7,
                "did you mean `ou`?".to_owned()
            ),
            (
                "unknown-field".to_owned(),
                11,
                "did you mean `ou`?".to_owned()
            ),
        ]
    );
    let (r, text) = fixed(services);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(text.matches("ou = \"sales\"").count(), 3, "{text}");
}

#[test]
fn m2_with_no_ou_the_help_names_the_ous_the_entities_name_and_where_one_is_left_out() {
    let services = "[service.a]\nou = \"acme-sales\"\nlicense = \"contact_center\"\n\n[service.b]\nou = \"acme\"\nlicense = \"contact_center\"\n";
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = [\"drafts\"]\n"),
        ("services.toml", services),
        ("drafts/org.toml", "# moved\n[ou.acme]\n"),
    ]);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let found = doc["diagnostics"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["code"], "root-ou");
    assert_eq!(
        found[0]["help"],
        "the entities name the OUs `acme` and `acme-sales`, which no file checked defines: define them, the tenant at the top with no `parent`, the others below it; `[ou.acme]` is defined in drafts/org.toml (line 2), which `exclude` in nimbus.toml leaves out: take it out of `exclude`"
    );
}

#[test]
fn l7_a_string_where_a_list_goes_is_put_in_a_list_by_fix() {
    let text = "[ou.contoso]\n\n[service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = \"b\"\ninstant_messaging = { channels = 'interact' }\n\n[service.b]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = \"a, c\"\n\n[service.c]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = \"\"\n";
    let helps: Vec<String> = diagnostics(&[("org.toml", text)])
        .into_iter()
        .map(|d| d.2)
        .collect();
    assert_eq!(
        helps,
        [
            "write it like this: `transfers = [\"b\"]`",
            "write it like this: `channels = ['interact']`",
            "write it like this: `transfers = [\"a\", \"c\"]`",
            "write it like this: `transfers = [\"<service id>\"]`",
        ]
    );
    let (r, fixed) = fixed(text);
    assert_eq!(
        r.stdout,
        "org.toml:17:13: error[invalid-value]: `transfers` must be a list of strings, found a string\n\
         1 error, 0 warnings in 2 files\n"
    );
    assert_eq!(
        fixed,
        text.replace("\"b\"\n", "[\"b\"]\n")
            .replace("'interact'", "['interact']")
            .replace("\"a, c\"", "[\"a\", \"c\"]")
    );
}

#[test]
fn l4_a_did_you_mean_already_listed_says_so() {
    let text = "[ou.contoso]\n\n[service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"sales-team\", \"sales-tem\"]\n\n[service.sales-team]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    assert_eq!(
        diagnostics(&[("org.toml", text)]),
        [(
            "unknown-reference".to_owned(),
            6,
            "did you mean `sales-team`? It is in these `transfers` already: if it is the one meant, remove this item".to_owned()
        )]
    );
}

#[test]
fn l1_a_suppression_of_a_rule_about_another_kind_says_it_never_applied() {
    let text =
        "[ou.contoso]\n\n# nimbus-lint: allow(im-no-agents)\n[ou.sales]\nparent = \"contoso\"\n";
    assert_eq!(
        diagnostics(&[("org.toml", text)]),
        [(
            "unused-suppression".to_owned(),
            3,
            "`im-no-agents` is about services, and this comment is above an OU: remove it from the comment".to_owned()
        )]
    );
}

#[test]
fn l11_a_misspelling_of_a_key_the_table_has_says_it_is_set_already() {
    let text = |licence: &str| {
        format!(
            "[ou.contoso]\n\n[service.q1]\nou = \"contoso\"\nlicense = \"contact_center\"\nlicence = \"{licence}\"\n"
        )
    };
    let help = |licence: &str| {
        let found = diagnostics(&[("org.toml", &text(licence))]);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].2.clone()
    };
    assert_eq!(
        help("advanced_routing"),
        "`license` is set already, to another value: keep the one meant in `license`, and remove this line"
    );
    assert_eq!(
        help("contact_center"),
        "`license` is set already, to the same value: remove this line"
    );
}

#[test]
fn l3_a_second_allow_in_one_comment_is_told_and_merged_by_fix() {
    let text = "[ou.contoso]\n\n# nimbus-lint: allow(im-no-agents) allow(self-transfer)\n[service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\nuser_assignment = \"none\"\ntransfers = [\"a\"]\ninstant_messaging = { channels = [\"interact\"] }\n";
    let found = diagnostics(&[("org.toml", text)]);
    assert_eq!(
        found,
        [
            (
                "unused-suppression".to_owned(),
                3,
                "name every code in the first: `allow(im-no-agents, self-transfer)`".to_owned()
            ),
            (
                "self-transfer".to_owned(),
                8,
                "remove `a` from its own `transfers`".to_owned()
            ),
        ]
    );
    let (r, fixed) = fixed(text);
    assert_eq!(
        r.stdout, "0 errors, 0 warnings in 2 files\n",
        "{}",
        r.stderr
    );
    assert_eq!(
        fixed,
        text.replace(
            "allow(im-no-agents) allow(self-transfer)",
            "allow(im-no-agents, self-transfer)"
        )
    );
}

#[test]
fn l10_bare_words_in_a_list_are_quoted_by_fix() {
    let text = "[ou.contoso]\n\n[service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [b, \"c\"]\ninstant_messaging = { channels = [interact] }\n\n[service.b]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n[service.c]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    assert_eq!(
        diagnostics(&[("org.toml", text)]),
        [(
            "syntax".to_owned(),
            6,
            "quote each item: `transfers = [\"b\", \"c\"]`".to_owned()
        )]
    );
    let (r, fixed) = fixed(text);
    assert_eq!(
        r.stdout, "0 errors, 0 warnings in 2 files\n",
        "{}",
        r.stderr
    );
    assert_eq!(
        fixed,
        text.replace("[b, \"c\"]", "[\"b\", \"c\"]")
            .replace("[interact]", "[\"interact\"]")
    );
}
