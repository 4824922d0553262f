//! Helps that name the change the user means, where the plain reading of the mistake would
//! send them the wrong way (found by a usability audit: following the help literally must fix
//! the problem).

mod common;

use common::{run, workspace};

/// What `check` prints in `ws` in the human format.
fn human(ws: &std::path::Path) -> String {
    run(ws, &["check"]).stdout
}

/// Each diagnostic of `doc`, a `check --format json` report: code, line, message and help.
fn said(doc: &serde_json::Value) -> Vec<(&str, u64, &str, &str)> {
    fn text(v: &serde_json::Value) -> &str {
        v.as_str().unwrap_or_default()
    }
    let all = doc["diagnostics"].as_array().map_or(&[][..], Vec::as_slice);
    (all.iter())
        .map(|d| {
            let line = d["line"].as_u64().unwrap_or_default();
            (
                text(&d["code"]),
                line,
                text(&d["message"]),
                text(&d["help"]),
            )
        })
        .collect()
}

#[test]
fn an_empty_parent_on_the_only_ou_that_can_be_the_tenant_is_to_be_removed() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "org.toml",
            "[ou.acme]\nname = \"Acme\"\nparent = \"\"   # none\n\n[ou.sales]\nparent = \"acme\"\n",
        ),
    ]);
    insta::assert_snapshot!(human(ws.path()));
    let r = run(ws.path(), &["check", "--fix"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        "[ou.acme]\nname = \"Acme\"\n# none\n\n[ou.sales]\nparent = \"acme\"\n"
    );
}

#[test]
fn an_empty_parent_on_the_only_line_of_a_dotted_ou_leaves_its_table() {
    // Removing `ou.acme.parent = ""` would remove the tenant: its table stays, empty.
    for (text, fixed, help) in [
        (
            "ou.acme.parent = \"\"  # the top\r\n[ou.sales]\r\nparent = \"acme\"\r\n",
            "ou.acme = {}  # the top\r\n[ou.sales]\r\nparent = \"acme\"\r\n",
            "write `ou.acme = {}` instead of `ou.acme.parent = \"\"`",
        ),
        (
            "[ou]\nacme.parent = \"\"\nsales.parent = \"acme\"\n",
            "[ou]\nacme = {}\nsales.parent = \"acme\"\n",
            "write `acme = {}` instead of `acme.parent = \"\"`",
        ),
        // Another line defines it too: the line goes.
        (
            "ou.acme.name = \"Acme\"\nou.acme.parent = \"\"\n[ou.sales]\nparent = \"acme\"\n",
            "ou.acme.name = \"Acme\"\n[ou.sales]\nparent = \"acme\"\n",
            "remove `ou.acme.parent = \"\"`",
        ),
    ] {
        let ws = workspace(&[("nimbus.toml", ""), ("org.toml", text)]);
        let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
        assert_eq!(
            doc["diagnostics"][0]["help"],
            format!("`acme` is the tenant, the OU at the top, which has no parent: {help}"),
            "{text}"
        );
        let r = run(ws.path(), &["check", "--fix"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert_eq!(
            std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
            fixed
        );
    }
}

#[test]
fn an_empty_reference_gets_no_did_you_mean_and_no_fix() {
    // Any id one letter long is as near to "" as can be: no guess is offered or written; an
    // empty `parent` is removed, as its help says, and names no OU that makes a loop.
    let text = "[ou.acme]\nparent = \"\"\n[ou.x]\nparnt = \"acme\"\n\
                [service.s]\nou = \"\"\nlicense = \"contact_center\"\ntransfers = [\"\"]\n\
                [service.t]\nou = \"acme\"\nlicense = \"contact_center\"\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", text)]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let helps: Vec<(&str, &str)> = (doc["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "unknown-reference")
        .map(|d| (d["message"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        helps,
        [
            (
                "`parent` is empty: it must name an OU",
                "`acme` is the tenant, the OU at the top, which has no parent: remove `parent = \"\"`"
            ),
            ("`ou` is empty: it must name an OU", "name an existing OU"),
            (
                "`transfers` is empty: it must name a service",
                "name an existing service"
            ),
        ]
    );
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        text.replace("parent = \"\"\n", "")
            .replace("parnt", "parent")
    );
}

#[test]
fn an_empty_parent_in_an_inline_table_is_told_to_go_but_not_fixed() {
    let text = "ou = { acme = { parent = \"\" }, sales = { parent = \"acme\" } }\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", text)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "json"]);
    let doc = common::json(&r);
    assert_eq!(
        doc["diagnostics"][0]["help"],
        "`acme` is the tenant, the OU at the top, which has no parent: remove its `parent`"
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        text
    );
}

#[test]
fn an_empty_parent_beside_a_tenant_is_told_to_name_an_ou() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n\n[ou.sales]\nparent = \"\"\n"),
    ]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    assert_eq!(doc["diagnostics"][0]["help"], "name an existing OU");
}

/// The shared OUs, connector and entry of the tests below.
const BASE: &[(&str, &str)] = &[
    ("nimbus.toml", ""),
    (
        "org.toml",
        "[ou.acme]\n\n[ou.sales]\nparent = \"acme\"\n\n[ou.support]\nparent = \"acme\"\n",
    ),
    (
        "connectors.toml",
        "[connector.twilio-us]\nou = \"acme\"\ntype = \"twilio\"\n\
         api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
         api_key_secret = { env = \"TWILIO_SECRET\" }\n",
    ),
    (
        "entries.toml",
        "[messaging_entry.wa-sales]\nou = \"sales\"\nconnector = \"twilio-us\"\n\
         service_sid = \"IS0123456789abcdef0123456789abcdef\"\n",
    ),
];

/// `sales-team` as the base tenant defines it: reached through `sales-ivr`.
const TEAM: &str = "[service.sales-team]\nou = \"sales\"\nlicense = \"contact_center\"\n\n\
                    [service.sales-team.instant_messaging]\n";

/// Runs `check --fix` in the base tenant `ws`, which must come out clean, and returns the text
/// of `file` after it.
fn fixed_clean(ws: &std::path::Path, file: &str) -> String {
    let r = run(ws, &["check", "--fix", "--format", "short"]);
    assert_eq!(
        r.stdout, "0 errors, 0 warnings in 5 files\n",
        "{}",
        r.stderr
    );
    std::fs::read_to_string(ws.join(file)).unwrap()
}

/// A front desk that transfers to `sales-team`, and `services` after it.
fn services(services: &str) -> String {
    format!(
        "[service.sales-ivr]\nou = \"sales\"\nlicense = \"contact_center\"\n\
         user_assignment = \"none\"\ntransfers = [\"sales-team\"]\n\n\
         [service.sales-ivr.instant_messaging]\nmessaging_entry = \"wa-sales\"\n\
         channels = [\"whatsapp\"]\n\n{services}"
    )
}

/// The base workspace with `services.toml` and more files.
fn tenant(services_toml: &str, more: &[(&str, &str)]) -> tempfile::TempDir {
    tenant_with(BASE[3].1, &services(services_toml), more)
}

/// The base OUs and connector, with `entries.toml`, `services.toml` and more files.
fn tenant_with(entries: &str, services: &str, more: &[(&str, &str)]) -> tempfile::TempDir {
    let mut files: Vec<(&str, &str)> = BASE[..3].to_vec();
    files.extend([("entries.toml", entries), ("services.toml", services)]);
    files.extend_from_slice(more);
    workspace(&files)
}

#[test]
fn the_base_tenant_is_clean() {
    let ws = tenant(TEAM, &[]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 5 files\n");
}

#[test]
fn a_typo_in_the_id_of_an_im_table_is_one_diagnostic_that_names_the_service_and_is_fixed() {
    let ws = tenant(
        "[service.sales-team]\nou = \"sales\"\nlicense = \"contact_center\"\n\n\
         [service.sales-tema.instant_messaging]\n",
        &[],
    );
    insta::assert_snapshot!(human(ws.path()));
    let text = fixed_clean(ws.path(), "services.toml");
    assert!(
        text.ends_with("\n[service.sales-team.instant_messaging]\n"),
        "{text}"
    );
}

#[test]
fn an_im_table_alone_with_no_near_service_is_told_to_get_its_table() {
    let ws = tenant(
        "[service.sales-team]\nou = \"sales\"\nlicense = \"contact_center\"\n\n\
         [service.sales-team.instant_messaging]\n\n\
         [service.billing.instant_messaging]\nchannels = [\"interact\"]\n",
        &[],
    );
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let d = &doc["diagnostics"];
    assert_eq!(d.as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d[0]["code"], "missing-field");
    assert_eq!(
        d[0]["message"],
        "service `billing` has an IM table but no `[service.billing]`"
    );
    assert_eq!(
        d[0]["help"],
        "add `[service.billing]` with `ou` and `license` above it, or correct the id in this header"
    );
    assert!(d[0].get("fix").is_none_or(|f| f.is_null()), "{d}");
}

#[test]
fn an_id_in_capitals_renamed_in_one_header_of_two_is_told_to_rename_the_other() {
    let both = "[service.Sales-Team]\nou = \"sales\"\nlicense = \"contact_center\"\n\n\
                [service.Sales-Team.instant_messaging]\n";
    let ws = tenant(both, &[]);
    // Both headers named in the help, the second one labelled.
    insta::assert_snapshot!(human(ws.path()));
    // Renamed in the first only: the IM table is the one left to rename, and the fix does it.
    let half = both.replacen("[service.Sales-Team]", "[service.sales-team]", 1);
    let ws = tenant(&half, &[]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "services.toml:15:1: error[missing-field]: service `Sales-Team` has an IM table but no `[service.Sales-Team]`\n\
         1 error, 0 warnings in 5 files\n"
    );
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 5 files\n");
}

#[test]
fn an_id_with_a_dot_is_told_so_without_missing_fields() {
    let ws = tenant(
        TEAM,
        &[(
            "support.toml",
            "[service.support.bot]\nou = \"support\"\nlicense = \"contact_center\"\n",
        )],
    );
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let d = &doc["diagnostics"];
    assert_eq!(d.as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d[0]["code"], "unknown-field");
    assert_eq!(
        (d[0]["line"].clone(), d[0]["column"].clone()),
        (1.into(), 18.into())
    );
    assert_eq!(
        d[0]["help"],
        "ids cannot contain `.`: `[service.support.bot]` is a table `bot` inside service \
         `support`; write the id with `-`, e.g. `[service.support-bot]`"
    );
    // Of any kind: a connector's keys written under `[connector.twilio.eu]` are not missing,
    // and the connector is no unused one to delete.
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "o.toml",
            "[ou.a]\n[connector.twilio.eu]\nou = \"a\"\ntype = \"twilio\"\n",
        ),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "o.toml:2:19: error[unknown-field]: unknown key `eu` in connector `twilio`\n\
         1 error, 0 warnings in 2 files\n"
    );
    // An entry alike.
    std::fs::write(
        ws.path().join("e.toml"),
        "[messaging_entry.wa.us]\nou = \"a\"\n",
    )
    .unwrap();
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert!(!r.stdout.contains("unused-messaging-entry"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "e.toml:1:21: error[unknown-field]: unknown key `us` in messaging entry `wa`"
        ),
        "{}",
        r.stdout
    );
    // The rest of the id near a key's name is no misspelling of a key that takes no table
    // (`eu` is not `ou`); an OU so written is no second root.
    std::fs::write(
        ws.path().join("e.toml"),
        "[connector.c1.eu]\nou = \"a\"\ntype = \"twilio\"\n[ou.x.y]\nparent = \"a\"\n",
    )
    .unwrap();
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let got: Vec<(&str, &str)> = (doc["diagnostics"].as_array().unwrap().iter())
        .map(|d| (d["message"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "unknown key `eu` in connector `c1`",
                "ids cannot contain `.`: `[connector.c1.eu]` is a table `eu` inside connector \
                 `c1`; write the id with `-`, e.g. `[connector.c1-eu]`"
            ),
            (
                "unknown key `y` in OU `x`",
                "ids cannot contain `.`: `[ou.x.y]` is a table `y` inside OU `x`; write the id \
                 with `-`, e.g. `[ou.x-y]`"
            ),
            (
                "unknown key `eu` in connector `twilio`",
                "ids cannot contain `.`: `[connector.twilio.eu]` is a table `eu` inside \
                 connector `twilio`; write the id with `-`, e.g. `[connector.twilio-eu]`"
            ),
        ]
    );
    // No rename to `ou` either.
    let r = run(ws.path(), &["check", "--fix", "-q"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        std::fs::read_to_string(ws.path().join("e.toml"))
            .unwrap()
            .starts_with("[connector.c1.eu]\n")
    );
}

#[test]
fn keys_written_above_the_first_header_are_reported_there_and_read_into_its_entity() {
    let ws = tenant(
        "",
        &[(
            "team.toml",
            "ou = \"sales\"\nlicense = \"contact_center\"\n[service.sales-team]\n\
             name = \"Sales team\"\n\n[service.sales-team.instant_messaging]\n",
        )],
    );
    insta::assert_snapshot!(human(ws.path()));
    // Read as meant: the service is in `sales`, and nothing else is missing or wrong.
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "team.toml:1:1: error[unknown-field]: `ou` is written above the first table header, where it belongs to no entity\n\
         team.toml:2:1: error[unknown-field]: `license` is written above the first table header, where it belongs to no entity\n\
         2 errors, 0 warnings in 6 files\n"
    );
    // An IM key above an IM table's header goes into that table.
    let ws = tenant(
        TEAM,
        &[(
            "bot.toml",
            "channels = [\"interact\"]\n[service.bot]\nou = \"sales\"\nlicense = \"contact_center\"\n\
             transfers = [\"sales-team\"]\n[service.bot.instant_messaging]\n",
        )],
    );
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "bot.toml:1:1: error[unknown-field]: `channels` is written above the first table header, where it belongs to no entity\n\
         1 error, 0 warnings in 6 files\n"
    );
}

#[test]
fn a_reference_out_of_sight_names_the_one_in_sight_which_is_not_called_unused() {
    // An entry's connector in a sibling OU: `twilio-us`, in sight, is offered instead.
    let other = "[connector.twilio-support]\nou = \"support\"\ntype = \"twilio\"\n\
                 api_key_sid = \"SK00000000000000000000000000000000\"\n";
    let entries = BASE[3].1.replace("\"twilio-us\"", "\"twilio-support\"");
    let ws = tenant_with(&entries, &services(TEAM), &[("support.toml", other)]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let d = &doc["diagnostics"];
    assert_eq!(d.as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d[0]["code"], "reference-not-visible");
    assert!(
        d[0]["help"]
            .as_str()
            .unwrap()
            .ends_with("or use a connector visible from `sales`, such as `twilio-us`"),
        "{}",
        d[0]["help"]
    );
    // Once that diagnostic is allowed, the connector offered is unused again.
    let r = run(
        ws.path(),
        &[
            "check",
            "--format",
            "short",
            "--allow",
            "reference-not-visible",
        ],
    );
    assert_eq!(
        r.stdout,
        "connectors.toml:1:1: warning[unused-connector]: no messaging entry uses connector `twilio-us`\n\
         0 errors, 1 warning in 6 files\n"
    );
    // A service's entry in a sibling OU: `wa-sales`, in sight, was named already; it is no
    // longer called unused.
    let entries = format!(
        "{}\n[messaging_entry.wa-support]\nou = \"support\"\nconnector = \"twilio-us\"\n\
         service_sid = \"IS0123456789abcdef0123456789abcdee\"\n",
        BASE[3].1
    );
    let text = services(TEAM).replace(
        "messaging_entry = \"wa-sales\"",
        "messaging_entry = \"wa-support\"",
    );
    let ws = tenant_with(&entries, &text, &[]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "services.toml:8:19: error[reference-not-visible]: messaging entry `wa-support` is not visible from OU `sales`\n\
         1 error, 0 warnings in 5 files\n"
    );
}

#[test]
fn other_products_words_for_a_user_assignment_or_a_channel_are_understood_and_fixed() {
    let text = services(TEAM)
        .replace("user_assignment = \"none\"", "user_assignment = \"teams\"")
        .replace(
            "channels = [\"whatsapp\"]",
            "channels = [\"whatsapp\", \"web\"]",
        );
    let ws = tenant_with(BASE[3].1, &text, &[]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let helps: Vec<&str> = (doc["diagnostics"].as_array().unwrap().iter())
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    assert_eq!(
        helps,
        [
            "did you mean `ms_teams`? `user_assignment` takes one of `ms_teams`, `skill_based` and `none`",
            "the website's chat widget is the `interact` channel: did you mean `interact`? \
             `channels` takes one of `whatsapp`, `sms` and `interact`",
        ]
    );
    let fixed = fixed_clean(ws.path(), "services.toml");
    assert!(
        fixed.contains("user_assignment = \"ms_teams\"\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains("channels = [\"whatsapp\", \"interact\"]\n"),
        "{fixed}"
    );
}

#[test]
fn a_help_is_wrapped_at_spaces_only_never_inside_a_value_to_copy() {
    let ws = workspace(&[
        ("nimbus.toml", "[build]\noutput = \"dist/\"\n"),
        ("org.toml", "[ou.acme]\n"),
    ]);
    let out = human(ws.path());
    assert!(
        out.contains("        `output = \"dist/bundle.json\"`\n"),
        "{out}"
    );
}

#[test]
fn the_only_ou_as_its_own_parent_is_told_to_drop_it_if_it_is_the_tenant() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "org.toml",
            "[ou.acme]\nname = \"Acme\"\nparent = \"acme\"\n",
        ),
    ]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    assert_eq!(doc["diagnostics"][0]["code"], "ou-cycle");
    assert_eq!(
        doc["diagnostics"][0]["help"],
        "no OU is left without a parent, so the workspace has no root: if `acme` is the tenant, \
         remove its `parent = \"acme\"`; else point it at the OU above it"
    );
}

#[test]
fn a_variable_written_as_a_shell_would_is_shown_in_the_snippet_as_the_message_names_it() {
    let connector = BASE[2]
        .1
        .replace("{ env = \"TWILIO_SECRET\" }", "\"$TWILIO_SECRET\"");
    let text = services(TEAM);
    let ws = workspace(&[
        BASE[0],
        BASE[1],
        ("connectors.toml", &connector),
        BASE[3],
        ("services.toml", &text),
    ]);
    let out = human(ws.path());
    assert!(
        out.contains(" 5 │ api_key_secret = \"$TWILIO_SECRET\"\n"),
        "{out}"
    );
}

#[test]
fn a_sid_with_blanks_around_it_and_its_prefix_in_lower_case_is_fixed_in_one_go() {
    let connector = BASE[2].1.replace(
        "\"SK0123456789abcdef0123456789abcdef\"",
        "\"sk0123456789abcdef0123456789abcdef \"",
    );
    let text = services(TEAM);
    let ws = workspace(&[
        BASE[0],
        BASE[1],
        ("connectors.toml", &connector),
        BASE[3],
        ("services.toml", &text),
    ]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    assert!(
        doc["diagnostics"][0]["help"]
            .as_str()
            .unwrap()
            .ends_with("(the fix writes `SK0123456789abcdef0123456789abcdef`)"),
        "{doc}"
    );
    let fixed = fixed_clean(ws.path(), "connectors.toml");
    assert!(
        fixed.contains("api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n"),
        "{fixed}"
    );
}

#[test]
fn an_im_table_renamed_to_an_id_that_needs_quotes_gets_them() {
    let ws = tenant(
        "[service.\"sales team\"]\nou = \"sales\"\nlicense = \"contact_center\"\n\n\
         [service.\"sales tema\".instant_messaging]\n",
        &[],
    );
    run(ws.path(), &["check", "--fix"]);
    let text = std::fs::read_to_string(ws.path().join("services.toml")).unwrap();
    assert!(
        text.ends_with("\n[service.\"sales team\".instant_messaging]\n"),
        "{text}"
    );
}

#[test]
fn a_workspace_with_no_ou_and_no_settings_is_told_the_ous_may_be_above() {
    let ws = workspace(&[(
        "services/desk.toml",
        "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n",
    )]);
    let r = run(
        &ws.path().join("services"),
        &["check", "--format", "json", "."],
    );
    let doc = common::json(&r);
    let help = doc["diagnostics"][0]["help"].as_str().unwrap();
    assert!(
        help.ends_with(
            "if the OUs are in a folder above, put a `nimbus.toml` at the workspace's root, \
             which is then checked whole"
        ),
        "{help}"
    );
}

#[test]
fn a_credential_in_a_comment_or_inside_a_longer_string_is_reported_and_never_shown() {
    let secret = "Xk9dP2mQ7rT4vW8yZ1aB3cD5eF6gH0jL";
    let org =
        format!("# old key: {secret}\n[ou.acme]\nname = \"Acme {secret} here\" # again {secret}\n");
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &org)]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "org.toml:1:12: error[secret-in-config]: word shaped like a Twilio API key secret: `Xk9d…` (32 characters)\n\
         org.toml:3:14: error[secret-in-config]: word shaped like a Twilio API key secret: `Xk9d…` (32 characters)\n\
         org.toml:3:61: error[secret-in-config]: word shaped like a Twilio API key secret: `Xk9d…` (32 characters)\n\
         3 errors, 0 warnings in 2 files\n"
    );
    for format in ["human", "json", "sarif", "github"] {
        let r = run(ws.path(), &["check", "--format", format]);
        assert!(!r.stdout.contains(&secret[4..]), "{format}: {}", r.stdout);
    }
    // 32 hex digits in a comment are as often a checksum: not reported.
    let org = "# sha: 0123456789abcdef0123456789abcdef\n[ou.acme]\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", org)]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 2 files\n");
}

#[test]
fn a_misspelled_kind_in_one_header_is_renamed_by_fix() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        (
            "a.toml",
            "[services.desk]\nou = \"acme\"\nlicense = \"contact_center\"\n\n\
             [\"messaging-entry\".wa]\nou = \"acme\"\n",
        ),
    ]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert!(!r.stdout.contains("unknown-field"), "{}", r.stdout);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("a.toml")).unwrap(),
        "[service.desk]\nou = \"acme\"\nlicense = \"contact_center\"\n\n\
         [messaging_entry.wa]\nou = \"acme\"\n"
    );
}

#[test]
fn a_misspelled_kind_that_a_rename_would_define_twice_is_not_renamed() {
    let texts = [
        // The id is defined under the right kind too.
        "[service.desk]\nou = \"acme\"\n[srvice.desk]\nou = \"acme\"\n",
        // The right kind is a bare table, or written as a key above the headers.
        "[service]\n[srvice.desk]\nou = \"acme\"\n",
        "service.x.ou = \"acme\"\n[srvice.desk]\nou = \"acme\"\n",
        // The right kind spelled with an escape, which a rename could clash with.
        "[\"ser\\u0076ice\".desk]\nou = \"acme\"\n[srvice.desk]\nou = \"acme\"\n",
        // The misspelled kind is also a key above the headers.
        "srvice.x.ou = \"acme\"\n[srvice.desk]\nou = \"acme\"\n",
    ];
    for text in texts {
        let ws = workspace(&[
            ("nimbus.toml", ""),
            ("org.toml", "[ou.acme]\n"),
            ("a.toml", text),
        ]);
        let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
        assert!(
            r.stdout.contains("unknown entity kind `srvice`"),
            "{text}\n{}",
            r.stdout
        );
        assert_eq!(
            std::fs::read_to_string(ws.path().join("a.toml")).unwrap(),
            text
        );
    }
}

#[test]
fn a_misspelled_kind_in_several_headers_names_their_lines() {
    let text = "[servce.x]\nou = \"acme\"\n\n[servce.x.instant_messaging]\nchannels = []\n";
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        ("a.toml", text),
    ]);
    insta::assert_snapshot!(human(ws.path()));
    run(ws.path(), &["check", "--fix"]);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("a.toml")).unwrap(),
        text
    );
}

#[test]
fn a_credential_in_a_comment_belongs_to_the_entity_above_it_whose_suppression_covers_it() {
    // A test key in a comment, accepted by a suppression on its entity (the credential
    // rule's comment-level escape); one above every header (a blank line between), or in
    // another entity, is not.
    let secret = "Xk9dP2mQ7rT4vW8yZ1aB3cD5eF6gH0jL";
    let org = format!(
        "# first: {secret}\n\n\
         # nimbus-lint: allow(secret-in-config) a documented test key\n[ou.acme]\n\
         name = \"Acme\" # test key {secret}\n\n[ou.sales]\nparent = \"acme\" # {secret}\n"
    );
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &org)]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "org.toml:1:10: error[secret-in-config]: word shaped like a Twilio API key secret: `Xk9d…` (32 characters)\n\
         org.toml:8:19: error[secret-in-config]: word shaped like a Twilio API key secret: `Xk9d…` (32 characters)\n\
         2 errors, 0 warnings in 2 files\n"
    );
}

#[test]
fn a_kind_renamed_only_when_one_spelling_of_it_is_near_and_alone_in_the_file() {
    let cases = [
        // Two misspellings of one kind: renamed both, they could be one table defined twice.
        // The rest of the file is still fixed.
        (
            "[servics.x]\nou = \"acme\"\n[services.x]\nlicense = \"contact_center\"\n\
             [service.y]\nou = \"acme\"\nlicence = \"contact_center\"\n",
            "[servics.x]\nou = \"acme\"\n[services.x]\nlicense = \"contact_center\"\n\
             [service.y]\nou = \"acme\"\nlicense = \"contact_center\"\n",
            "did you mean `service`?",
        ),
        // Another word, two letters off: the help asks, no fix decides.
        (
            "[device.x]\nou = \"acme\"\nlicense = \"contact_center\"\n",
            "[device.x]\nou = \"acme\"\nlicense = \"contact_center\"\n",
            "did you mean `service`?",
        ),
        (
            "[collector.tw]\nou = \"acme\"\n",
            "[collector.tw]\nou = \"acme\"\n",
            "did you mean `connector`?",
        ),
        // Two letters swapped, and a path in the header's comment: renamed.
        (
            "[sevrice.x] # see C:\\docs\nou = \"acme\"\nlicense = \"contact_center\"\n",
            "[service.x] # see C:\\docs\nou = \"acme\"\nlicense = \"contact_center\"\n",
            "did you mean `service`?",
        ),
        // The kind spelled right beside it is no rival spelling: renamed.
        (
            "[service.a]\nou = \"acme\"\nlicense = \"contact_center\"\n\
             [servce.b]\nou = \"acme\"\nlicense = \"contact_center\"\n",
            "[service.a]\nou = \"acme\"\nlicense = \"contact_center\"\n\
             [service.b]\nou = \"acme\"\nlicense = \"contact_center\"\n",
            "did you mean `service`?",
        ),
    ];
    for (text, fixed, help) in cases {
        let ws = workspace(&[
            ("nimbus.toml", ""),
            ("org.toml", "[ou.acme]\n"),
            ("a.toml", text),
        ]);
        let r = run(ws.path(), &["check", "--format", "json"]);
        assert!(r.stdout.contains(help), "{text}\n{}", r.stdout);
        run(ws.path(), &["check", "--fix"]);
        assert_eq!(
            std::fs::read_to_string(ws.path().join("a.toml")).unwrap(),
            fixed,
            "{text}"
        );
    }
}

#[test]
fn an_array_of_tables_under_a_misspelled_kind_is_shown_the_table_it_meant() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        ("a.toml", "[[services]]\nid = \"desk\"\nou = \"acme\"\n"),
    ]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(d["message"], "unknown entity kind `services`");
    assert_eq!(
        d["help"],
        "did you mean `[service.desk]`? entities are tables keyed by their id, not an array of tables"
    );
    // Renamed, it would be `[[service]]`, an array still: not renamed.
    run(ws.path(), &["check", "--fix"]);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("a.toml")).unwrap(),
        "[[services]]\nid = \"desk\"\nou = \"acme\"\n"
    );
}

#[test]
fn a_misspelled_kind_whose_id_another_file_defines_is_not_renamed() {
    // Renamed, `[service.desk]` would be defined twice: one error traded for another.
    let text = "[services.desk]\nou = \"acme\"\nlicense = \"contact_center\"\n";
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        (
            "b.toml",
            "[service.desk]\nou = \"acme\"\nlicense = \"contact_center\"\n",
        ),
        ("a.toml", text),
    ]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["diagnostics"][0]["help"],
        "did you mean `service`? `[service.desk]` is defined elsewhere already: renamed, it would be defined twice; merge the two by hand."
    );
    run(ws.path(), &["check", "--fix"]);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("a.toml")).unwrap(),
        text
    );
    // Another id: renamed.
    std::fs::write(
        ws.path().join("b.toml"),
        "[service.front]\nou = \"acme\"\nlicense = \"contact_center\"\n",
    )
    .unwrap();
    run(ws.path(), &["check", "--fix"]);
    assert!(
        std::fs::read_to_string(ws.path().join("a.toml"))
            .unwrap()
            .starts_with("[service.desk]\n")
    );
}

#[test]
fn helps_that_add_a_key_write_it_in_the_form_of_the_entitys_table() {
    // An inline table takes the key inside its braces; dotted keys take one more dotted key.
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "org.toml",
            "[ou.contoso]\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK12345678900000000000000000abcde1\"\n\
             [messaging_entry.wa]\nou = \"contoso\"\nconnector = \"tw\"\n\
             service_sid = \"IS12345678900000000000000000abcde1\"\n",
        ),
        (
            "x.toml",
            "[connector]\nc1 = { ou = \"contoso\", type = \"twilio\" }\n\n\
             [service]\ns1.ou = \"contoso\"\ns1.instant_messaging.channels = [\"whatsapp\"]\n",
        ),
        (
            "y.toml",
            "[service.s2]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             instant_messaging.channels = [\"sms\"]\nmessaging_entry = \"wa\"\n",
        ),
    ]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let got: Vec<(&str, &str)> = (doc["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] != "unused-connector")
        .map(|d| (d["code"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "missing-field",
                "inside `c1 = { … }`, add `api_key_sid = \"SK…\"`: the SID of a Twilio API key, \
                 SK + 32 hex digits"
            ),
            (
                "missing-field",
                "add `s1.license = \"contact_center\"` (or `advanced_routing`, `enterprise_routing`)"
            ),
            (
                "missing-messaging-entry",
                "add `s1.instant_messaging.messaging_entry = \"…\"`, e.g. \
                 `s1.instant_messaging.messaging_entry = \"wa\"`, or remove `whatsapp` from \
                 `channels` if customers should not write to it directly"
            ),
            (
                "unknown-field",
                "`messaging_entry` belongs in the service's IM table: move it to \
                 `instant_messaging.messaging_entry = …`"
            ),
        ]
    );
}

#[test]
fn an_invalid_id_is_told_to_be_renamed_in_the_references_that_name_it_too() {
    // Renamed in its header alone, the id would leave every reference naming nothing.
    let mut services = String::new();
    for i in 0..7 {
        services.push_str(&format!(
            "[service.s{i}]\nou = \"Sales_EU\"\nlicense = \"contact_center\"\n"
        ));
    }
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "org.toml",
            "[ou.contoso]\n[ou.Sales_EU]\nparent = \"contoso\"\n",
        ),
        ("s.toml", &services),
    ]);
    insta::assert_snapshot!(human(ws.path()));
}

#[test]
fn a_mistyped_sid_is_no_credential_and_a_name_in_capitals_is_not_told_it_was_exposed() {
    let connector = |id: &str, sid: &str, secret: &str| {
        format!(
            "[connector.{id}]\nou = \"contoso\"\ntype = \"twilio\"\napi_key_sid = \"{sid}\"\n\
             api_key_secret = {secret}\n"
        )
    };
    let text = [
        connector(
            "c1",
            "SK12345678900000000000000000abcde1",
            "\"TWILIO_API_KEY_SECRET\"",
        ),
        connector(
            "c2",
            "SK12345678900000000000000000abcd",
            "{ env = \"TWILIO_API_KEY_SECRET\" }",
        ),
    ]
    .concat();
    let ws = workspace(&[
        ("nimbus.toml", "[lints]\nunused-connector = \"allow\"\n"),
        ("org.toml", &format!("[ou.contoso]\n{text}")),
    ]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    assert_eq!(
        said(&doc),
        [
            (
                "secret-in-config",
                6,
                "`api_key_secret` holds a literal secret `TWIL…` (21 characters)",
                "if this is the name of the variable that holds the secret, write it as \
                 `api_key_secret = { env = \"<that name>\" }`; if it is the secret itself, \
                 delete it and rotate the key in Twilio"
            ),
            (
                "invalid-api-key-sid",
                10,
                "`api_key_sid` is not an API Key SID",
                "after `SK` come exactly 32 hex digits, here 30 characters follow (was the SID \
                 cut short?); an API Key SID is `SK` + 32 hex digits, from the Twilio console: \
                 Account → API keys & tokens"
            ),
        ]
    );
}

#[test]
fn a_comment_above_no_entity_is_told_to_move_only_where_it_would_silence_something() {
    let none = "[service.team3]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                user_assignment = \"none\"\ninstant_messaging = { channels = [\"interact\"] }\n";
    let teams = none
        .replace("\"none\"", "\"ms_teams\"")
        .replace("team3", "team4");
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n"),
        (
            "a.toml",
            &format!("# nimbus-lint: allow(im-no-agents)\n\n{none}"),
        ),
        (
            "b.toml",
            &format!("# nimbus-lint: allow(im-no-agents)\n\n{teams}"),
        ),
        (
            "c.toml",
            &format!("{teams}\n# nimbus-lint: allow(im-no-agents)\n").replace("team4", "team5"),
        ),
    ]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let got: Vec<(&str, &str)> = (doc["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "unused-suppression")
        .map(|d| (d["file"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "a.toml",
                "put the comment directly above the table header of service `team3` (no blank \
                 line between), or remove it"
            ),
            (
                "b.toml",
                "remove it: service `team4` below it raises no `im-no-agents` to silence"
            ),
            ("c.toml", "remove it: no entity is defined below it"),
        ]
    );
}

#[test]
fn a_key_of_an_entity_written_below_the_kinds_table_is_read_into_the_one_entity_there() {
    let ws = workspace(&[
        ("nimbus.toml", "[lints]\nunused-connector = \"allow\"\n"),
        ("org.toml", "[ou.contoso]\n"),
        (
            "x.toml",
            "[connector]\nc1 = { ou = \"contoso\", type = \"twilio\" }\n\
             api_key_sid = \"SK12345678900000000000000000abcde1\"\n\n\
             [service]\ns1.ou = \"contoso\"\nlicense = \"contact_center\"\n",
        ),
        (
            "y.toml",
            "[service]\na.ou = \"contoso\"\nb.ou = \"contoso\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    // No `missing-field` for what is written beside the entity; with two entities there, no
    // telling which it belongs to.
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    assert_eq!(
        said(&doc),
        [
            (
                "invalid-value",
                3,
                "`api_key_sid` is a key of a connector, written where an id goes",
                "below `[connector]`, each key is the id of a connector: write `api_key_sid` \
                 inside `c1 = { … }`"
            ),
            (
                "invalid-value",
                7,
                "`license` is a key of a service, written where an id goes",
                "below `[service]`, each key is the id of a service: write it `s1.license = …`"
            ),
            (
                "missing-field",
                2,
                "service `a` has no `license`",
                "add `a.license = \"contact_center\"` (or `advanced_routing`, `enterprise_routing`)"
            ),
            (
                "missing-field",
                3,
                "service `b` has no `license`",
                "add `b.license = \"contact_center\"` (or `advanced_routing`, `enterprise_routing`)"
            ),
            (
                "invalid-value",
                4,
                "`license` is a key of a service, written where an id goes",
                "below `[service]`, each key is the id of a service: move it into the table of \
                 the service it belongs to (`[service.<id>]`)"
            ),
        ]
    );
}

#[test]
fn channels_written_as_the_im_table_are_kept_in_the_help() {
    let service = |id: &str, im: &str| {
        format!(
            "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ninstant_messaging = {im}\n"
        )
    };
    let text = [
        service("s1", "\"interact\""),
        service("s2", "[\"interact\", \"sms\"]"),
        service("s3", "3"),
    ]
    .concat();
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", &format!("[ou.contoso]\n{text}")),
    ]);
    let doc = common::json(&run(ws.path(), &["check", "--format", "json"]));
    let helps: Vec<&str> = (doc["diagnostics"].as_array().unwrap().iter())
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    assert_eq!(
        helps,
        [
            "write it like this: `instant_messaging = { channels = [\"interact\"] }`",
            "write it like this: `instant_messaging = { channels = [\"interact\", \"sms\"] }`",
            "write it like this: `[service.s3.instant_messaging]`",
        ]
    );
}
