//! One mistake, one diagnostic: small workspaces where a single slip could set off several
//! rules, checked for the one diagnostic that says what to fix.

mod common;

use common::{json, run, workspace};

const ORG: &str = "[ou.contoso]\n";

const TWILIO: &str = r#"[connector.tw]
ou = "contoso"
type = "twilio"
region = "us1"
api_key_sid = "SK0123456789abcdef0123456789abcdef"
api_key_secret = { env = "TWILIO_API_KEY_SECRET" }

[messaging_entry.wa]
ou = "contoso"
connector = "tw"
service_sid = "IS12345678900000000000000000AbCdEf"
"#;

/// `check --format FORMAT` of a workspace made of `files` (plus an empty `nimbus.toml`).
fn check(files: &[(&str, &str)], format: &str) -> common::Run {
    let mut all = vec![("nimbus.toml", "")];
    all.extend_from_slice(files);
    let ws = workspace(&all);
    let r = run(ws.path(), &["check", "--format", format]);
    assert_ne!(r.code, 2, "{}", r.stderr);
    r
}

/// `check --format short` of a workspace made of `files` (plus an empty `nimbus.toml`).
fn short(files: &[(&str, &str)]) -> String {
    check(files, "short").stdout
}

/// The code and help of each diagnostic of the same, in output order.
fn helps(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let doc = json(&check(files, "json"));
    let diags = doc["diagnostics"].as_array().expect("diagnostics");
    diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["help"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// [`helps`] of the shared OU and Twilio files with `desk` as `desk.toml`.
fn helps_of_desk(desk: &str) -> Vec<(String, String)> {
    helps(&[
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("desk.toml", desk),
    ])
}

#[test]
fn a_sub_table_in_another_file_is_one_duplicate_in_either_order() {
    let half = "[service.team.instant_messaging]\nchannels = [\"interact\"]\n";
    let rest = "[service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    // The half without `ou` and `license` sorts first, then last: never a `missing-field`.
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", half), ("b.toml", rest)]),
        "b.toml:1:1: error[duplicate-id]: service `team` is written in two files: its IM table in a.toml, `[service.team]` in b.toml\n\
         1 error, 0 warnings in 4 files\n"
    );
    assert_eq!(
        short(&[("org.toml", ORG), ("z.toml", half), ("b.toml", rest)]),
        "z.toml:1:1: error[duplicate-id]: service `team` is written in two files: its IM table in z.toml, `[service.team]` in b.toml\n\
         1 error, 0 warnings in 4 files\n"
    );
}

#[test]
fn the_entry_a_missing_entry_should_apply_is_not_also_unused() {
    let desk = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                instant_messaging = { channels = [\"whatsapp\"] }\n";
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("desk.toml", desk),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "desk.toml:4:34: error[missing-messaging-entry]: service `desk` offers WhatsApp but applies no messaging entry\n\
         1 error, 0 warnings in 4 files\n"
    );
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let help = doc["diagnostics"][0]["help"].as_str().expect("help");
    assert!(help.contains("e.g. `messaging_entry = \"wa\"`"), "{help}");
    // Without the desk, the entry is unused.
    assert_eq!(
        short(&[("org.toml", ORG), ("twilio.toml", TWILIO)]),
        "twilio.toml:8:1: warning[unused-messaging-entry]: no service applies messaging entry `wa`\n\
         0 errors, 1 warning in 3 files\n"
    );
    // With `missing-messaging-entry` silenced (a comment, or a level), nothing suggests it:
    // it is unused.
    let allowed = format!("# nimbus-lint: allow(missing-messaging-entry)\n{desk}");
    let quiet = |files: &[(&str, &str)], args: &[&str]| {
        let ws = workspace(files);
        let r = run(ws.path(), &[&["check", "--format", "json"], args].concat());
        let doc = json(&r);
        let d = &doc["diagnostics"];
        assert_eq!(d.as_array().map(Vec::len), Some(1), "{doc}");
        assert_eq!(d[0]["code"], "unused-messaging-entry");
        // Not "apply it in `desk`": silencing said that `desk` needs none.
        assert_eq!(
            d[0]["help"],
            "apply it in a front desk (`messaging_entry = \"wa\"` in \
             `[service.ID.instant_messaging]`), or delete it"
        );
    };
    let files = [
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
    ];
    quiet(
        &[&files[..], &[("desk.toml", allowed.as_str())]].concat(),
        &[],
    );
    quiet(
        &[&files[..], &[("desk.toml", desk)]].concat(),
        &["-A", "missing-messaging-entry"],
    );
}

#[test]
fn a_loop_of_every_ou_is_one_ou_cycle_that_says_there_is_no_root() {
    let org = "[ou.sales]\nparent = \"emea\"\n[ou.emea]\nparent = \"sales\"\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", org)]);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    assert_eq!(common::codes(&doc), ["ou-cycle"]);
    let help = doc["diagnostics"][0]["help"].as_str().expect("help");
    assert!(
        help.starts_with("no OU is left without a parent, so the workspace has no root"),
        "{help}"
    );
    // With a root beside the loop, the help is about the loop only.
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", &format!("[ou.contoso]\n{org}")),
    ]);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    assert_eq!(common::codes(&doc), ["ou-cycle"]);
    let help = doc["diagnostics"][0]["help"].as_str().expect("help");
    assert!(
        help.starts_with("point one of these `parent` keys"),
        "{help}"
    );
}

#[test]
fn an_id_of_32_hex_digits_is_an_id_not_a_secret() {
    // Valid by the id pattern and shaped like an auth token: it names an entity, so it is
    // neither reported nor masked, and the errors about it are not swallowed.
    let id = "0123456789abcdef0123456789abcdef";
    let org = "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n";
    let entry = TWILIO.replace(
        "[messaging_entry.wa]\nou = \"contoso\"",
        &format!("[messaging_entry.{id}]\nou = \"sales\""),
    );
    let desk = format!(
        "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
         instant_messaging = {{ channels = [\"sms\"], messaging_entry = \"{id}\" }}\n"
    );
    assert_eq!(
        short(&[
            ("org.toml", org),
            ("twilio.toml", &entry),
            ("desk.toml", &desk)
        ]),
        format!(
            "desk.toml:4:61: error[reference-not-visible]: messaging entry `{id}` is not visible from OU `contoso`\n\
             1 error, 0 warnings in 4 files\n"
        )
    );
}

#[test]
fn a_short_or_empty_literal_secret_is_one_diagnostic_that_shows_none_of_it_and_masks_nothing_else()
{
    let service = "[service.s]\nou = \"contoso\"\nlicense = \"premium\"\n";
    for (literal, message) in [
        ("\"e\"", "holds a literal secret `…` (1 character)"),
        ("\"\"", "is a literal, empty string"),
    ] {
        let twilio = TWILIO.replace("{ env = \"TWILIO_API_KEY_SECRET\" }", literal);
        assert_eq!(
            short(&[
                ("org.toml", ORG),
                ("twilio.toml", &twilio),
                ("s.toml", service)
            ]),
            format!(
                "s.toml:3:11: error[invalid-value]: unknown licence `premium`\n\
                 twilio.toml:6:18: error[secret-in-config]: `api_key_secret` {message}\n\
                 twilio.toml:8:1: warning[unused-messaging-entry]: no service applies messaging entry `wa`\n\
                 2 errors, 1 warning in 4 files\n"
            )
        );
    }
}

#[test]
fn a_secret_repeated_in_another_message_is_masked_there_too() {
    let secret = "q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6";
    let desk = format!(
        "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"{secret}\"]\n\
         [service.other]\nou = \"contoso\"\nlicense = \"contact_center\"\nnote = \"see {secret}\"\n"
    );
    let out = short(&[("org.toml", ORG), ("desk.toml", &desk)]);
    assert!(!out.contains(secret), "{out}");
    assert!(
        out.contains("error[secret-in-config]: string shaped like a Twilio API key secret: `q1W2…` (32 characters)"),
        "{out}"
    );
}

#[test]
fn an_entity_written_with_the_wrong_type_is_reported_once_not_at_each_reference() {
    let files = "[ou.contoso]\n[ou]\nsales = \"oops\"\n[connector]\ntw = 5\n\
                 [messaging_entry.wa]\nou = \"sales\"\nconnector = \"tw\"\n\
                 service_sid = \"IS12345678900000000000000000AbCdEf\"\n\
                 [service]\nteam = []\n\
                 [service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"team\"]\n\
                 instant_messaging = { channels = [\"interact\"] }\n";
    assert_eq!(
        short(&[("a.toml", files)]),
        "a.toml:3:9: error[invalid-value]: `ou.sales` must be a table, found a string\n\
         a.toml:5:6: error[invalid-value]: `connector.tw` must be a table, found an integer\n\
         a.toml:11:8: error[invalid-value]: `service.team` must be a table, found an array\n\
         3 errors, 0 warnings in 2 files\n"
    );
}

#[test]
fn the_only_ou_written_with_the_wrong_type_is_not_also_a_missing_root() {
    let files = "[ou]\nroot = \"x\"\n[service.s]\nou = \"root\"\nlicense = \"contact_center\"\n";
    assert_eq!(
        short(&[("a.toml", files)]),
        "a.toml:2:8: error[invalid-value]: `ou.root` must be a table, found a string\n\
         1 error, 0 warnings in 2 files\n"
    );
}

#[test]
fn transfers_that_cannot_be_followed_say_so_once_and_nothing_downstream_is_unreachable() {
    let team =
        "[service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\ninstant_messaging = {}\n";
    let desk = |transfers: &str| {
        format!(
            "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = {transfers}\n\
             instant_messaging = {{ channels = [\"interact\"] }}\n{team}"
        )
    };
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", &desk("\"team\""))]),
        "a.toml:4:13: error[invalid-value]: `transfers` must be a list of strings, found a string\n\
         1 error, 0 warnings in 3 files\n"
    );
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", &desk("[\"tema\"]"))]),
        "a.toml:4:14: error[unknown-reference]: `transfers` names an unknown service `tema`\n\
         1 error, 0 warnings in 3 files\n"
    );
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", &desk("[1]"))]),
        "a.toml:4:14: error[invalid-value]: an item of `transfers` must be a string, found an integer\n\
         1 error, 0 warnings in 3 files\n"
    );
    let no_agents = "[service.bot]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                     user_assignment = \"none\"\ntransfers = \"x\"\n\
                     instant_messaging = { channels = [\"interact\"] }\n";
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", no_agents)]),
        "a.toml:5:13: error[invalid-value]: `transfers` must be a list of strings, found a string\n\
         1 error, 0 warnings in 3 files\n"
    );
}

#[test]
fn the_duplicate_id_help_speaks_of_the_im_sub_table_only_when_one_half_is_one() {
    let whole = "[service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    let half = "[service.team.instant_messaging]\nchannels = [\"interact\"]\n";
    let help = |other: &str| {
        helps(&[("org.toml", ORG), ("a.toml", whole), ("b.toml", other)])
            .swap_remove(0)
            .1
    };
    let note = "a service is written in one file: move `[service.team.instant_messaging]` and \
                its keys from b.toml into a.toml (into its IM table there, if it has one)";
    assert_eq!(help(half), note);
    assert!(
        !help(whole).contains("instant_messaging"),
        "{}",
        help(whole)
    );
    // The service has an IM table of its own, which sets a key the half sets too: moved as
    // the help says, it would be set twice.
    let with_im = format!("{whole}[service.team.instant_messaging]\nchannels = [\"sms\"]\n");
    let half = helps(&[("org.toml", ORG), ("a.toml", &with_im), ("b.toml", half)])
        .swap_remove(0)
        .1;
    assert_eq!(
        half,
        format!("{note}, where `channels` is set already: keep one value")
    );
}

#[test]
fn suggestions_prefer_the_spelling_as_written_and_never_an_id_already_taken() {
    let twilio = "[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
                  api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
                  [connector.TW]\nou = \"contoso\"\ntype = \"twilio\"\n\
                  api_key_sid = \"SK0123456789abcdef0123456789abcdeF\"\n\
                  [messaging_entry.wa]\nou = \"contoso\"\nconnector = \" tw\"\n\
                  service_sid = \"IS12345678900000000000000000AbCdEf\"\n";
    let all = helps(&[("org.toml", ORG), ("twilio.toml", twilio)]);
    let help = |code: &str| -> Vec<&str> {
        all.iter()
            .filter(|(c, _)| c == code)
            .map(|(_, h)| h.as_str())
            .collect()
    };
    assert_eq!(help("unknown-reference"), ["did you mean `tw`?"]);
    assert_eq!(
        help("invalid-value"),
        [
            "ids use lowercase letters, digits, `-` and `_`, and start with a letter or digit (`tw` is another connector's: choose a new id)"
        ]
    );
}

#[test]
fn every_definition_of_an_invalid_id_is_reported_and_the_split_hint_needs_a_split() {
    let bad = "[ou.Sales]\nparent = \"contoso\"\n";
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", bad), ("b.toml", bad)]),
        "a.toml:1:5: error[invalid-value]: invalid OU id `Sales`\n\
         b.toml:1:1: error[duplicate-id]: duplicate OU id `Sales`\n\
         b.toml:1:5: error[invalid-value]: invalid OU id `Sales`\n\
         3 errors, 0 warnings in 4 files\n"
    );
    let whole = "[service.x]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    let dotted = "[service]\nx.instant_messaging = {}\n";
    let all = helps(&[("org.toml", ORG), ("a.toml", whole), ("b.toml", dotted)]);
    let help = &all[0].1;
    assert!(
        help.starts_with(
            "a service is written in one file: move `[service.x.instant_messaging]` and its keys from b.toml into a.toml"
        ),
        "{help}"
    );
}

const DESK: &str = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                    instant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }\n";

const FLOW_TARGET: &str = "# nimbus-lint: allow(im-unreachable) reached by a Studio flow\n\
                           [service.flow-target]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                           [service.flow-target.instant_messaging]\n";

#[test]
fn a_suppression_is_not_called_unused_while_a_file_cannot_be_parsed() {
    let files = [
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("desk.toml", DESK),
        ("flow.toml", FLOW_TARGET),
    ];
    assert_eq!(short(&files), "0 errors, 0 warnings in 5 files\n");
    let mut broken = files.to_vec();
    broken.push(("draft.toml", "[service.draft\n"));
    assert_eq!(
        short(&broken),
        "draft.toml:1:15: error[syntax]: invalid TOML: table header without its closing `]`\n\
         1 error, 0 warnings in 6 files\n"
    );
}

#[test]
fn a_suppression_is_not_called_unused_while_its_rule_holds_back() {
    // `transfers` of the wrong type: the desk may transfer anywhere, so `im-unreachable`
    // concludes nothing, and its suppression may still be needed.
    let desk = DESK.replace("license", "transfers = \"flow-targett\"\nlicense");
    let out = short(&[
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("desk.toml", &desk),
        ("flow.toml", FLOW_TARGET),
    ]);
    assert!(
        out.starts_with("desk.toml:3:13: error[invalid-value]"),
        "{out}"
    );
    assert!(out.ends_with("1 error, 0 warnings in 5 files\n"), "{out}");
    // An entry that no service can be seen to use, while a service's table is unreadable.
    let quiet = "# nimbus-lint: allow(unused-messaging-entry)\n\
                 [messaging_entry.spare]\nou = \"contoso\"\nconnector = \"tw\"\n\
                 service_sid = \"IS00000000000000000000000000AbCdEf\"\n";
    let out = short(&[
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("spare.toml", quiet),
        ("desk.toml", "[service]\ndesk = \"x\"\n"),
    ]);
    assert!(!out.contains("unused-suppression"), "{out}");
    assert!(out.ends_with("1 error, 0 warnings in 5 files\n"), "{out}");
}

#[test]
fn a_key_on_the_wrong_side_of_the_im_header_is_one_unknown_field_and_read_as_meant() {
    let base = [("org.toml", ORG), ("twilio.toml", TWILIO)];
    let with = |services: &str| {
        let mut files = base.to_vec();
        files.push(("services.toml", services));
        helps(&files)
    };
    // `transfers` after the IM header: the transfer still reaches `team`.
    let after = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                 [service.desk.instant_messaging]\nmessaging_entry = \"wa\"\n\
                 channels = [\"whatsapp\"]\ntransfers = [\"team\"]\n\n\
                 [service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                 [service.team.instant_messaging]\n";
    assert_eq!(
        with(after),
        [(
            "unknown-field".to_owned(),
            "`transfers` belongs to the service, not its IM table: write it in `[service.desk]`, \
             above any `[service.desk.instant_messaging]` header"
                .to_owned()
        )]
    );
    // `license` after the IM header: no `missing-field`.
    let license = "[service.desk]\nou = \"contoso\"\n[service.desk.instant_messaging]\n\
                   messaging_entry = \"wa\"\nchannels = [\"whatsapp\"]\nlicense = \"contact_center\"\n";
    let codes: Vec<String> = with(license).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["unknown-field"]);
    // `channels` before the header: the desk is still a front desk.
    let channels = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                    channels = [\"whatsapp\"]\n[service.desk.instant_messaging]\n\
                    messaging_entry = \"wa\"\n";
    let codes: Vec<String> = with(channels).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["unknown-field"]);
    // Both IM keys in the service table, no IM table: the entry is still applied, not unused.
    let flat = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                messaging_entry = \"wa\"\nchannels = [\"whatsapp\"]\n";
    let found = with(flat);
    let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["unknown-field", "unknown-field"]);
    assert_eq!(
        found[1].1,
        "`channels` belongs in the service's IM table: move it into an IM table (below a new \
         `[service.desk.instant_messaging]`, or into `instant_messaging = { … }`)"
    );
}

#[test]
fn a_broken_nimbus_toml_still_excludes_and_sets_levels_and_is_its_only_diagnostic() {
    let draft = "[service.wip]\nou = \"emea\"\n";
    let unused = "[connector.spare]\nou = \"contoso\"\ntype = \"twilio\"\n\
                  api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n";
    let short_of = |settings: &str| {
        let ws = workspace(&[
            ("nimbus.toml", settings),
            ("org.toml", ORG),
            ("spare.toml", unused),
            ("drafts/wip.toml", draft),
        ]);
        run(ws.path(), &["check", "--format", "short"]).stdout
    };
    // A syntax error below the settings that matter.
    let out = short_of(
        "[workspace]\nexclude = [\"drafts/**\"]\n[lints]\nunused-connector = \"allow\"\n\
         [build]\noutput = dist/bundle.json\n",
    );
    assert_eq!(
        out,
        "nimbus.toml:6:10: error[syntax]: invalid TOML: string values must be quoted\n\
         1 error, 0 warnings in 3 files\n"
    );
    // One glob written as a string: reported, with the fix in its help, and applied.
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = \"drafts/**\"\n"),
        ("org.toml", ORG),
        ("drafts/wip.toml", draft),
    ]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let doc = json(&r);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{doc}");
    assert_eq!(diags[0]["code"], "invalid-value");
    assert_eq!(diags[0]["file"], "nimbus.toml");
    assert_eq!(
        diags[0]["help"],
        "write it like this: `exclude = [\"drafts/**\"]`"
    );
}

#[test]
fn an_entry_naming_no_connector_is_told_which_and_that_connector_is_not_unused() {
    let twilio = TWILIO.replace("connector = \"tw\"\n", "");
    assert_eq!(
        helps(&[
            ("org.toml", ORG),
            ("twilio.toml", &twilio),
            ("desk.toml", DESK)
        ]),
        [(
            "missing-field".to_owned(),
            "add `connector = \"tw\"` (the connector of its OU or the nearest above it)".to_owned()
        )]
    );
    // Two connectors in the entry's OU: no guess but both named, and neither called unused.
    let second = "[connector.tw2]\nou = \"contoso\"\ntype = \"twilio\"\n\
                  api_key_sid = \"SK0123456789abcdef0123456789abcdee\"\n";
    assert_eq!(
        helps(&[
            ("org.toml", ORG),
            ("twilio.toml", &twilio),
            ("second.toml", second),
            ("desk.toml", DESK),
        ]),
        [(
            "missing-field".to_owned(),
            "add `connector = …` naming `tw` or `tw2`: the connectors of `contoso`, the nearest \
             OU at or above its own that holds any"
                .to_owned()
        )]
    );
}

#[test]
fn what_a_dropped_duplicate_refers_to_is_neither_unreachable_nor_unused_in_either_order() {
    let old = DESK;
    let new = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"team\"]\n\
               instant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }\n\n\
               [service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\ninstant_messaging = {}\n";
    for (first, second) in [("a-old.toml", "b-new.toml"), ("c-old.toml", "b-new.toml")] {
        let out = short(&[
            ("org.toml", ORG),
            ("twilio.toml", TWILIO),
            (first, old),
            (second, new),
        ]);
        let codes: Vec<&str> = out.lines().filter_map(|l| l.split('[').nth(1)).collect();
        assert_eq!(
            codes,
            ["duplicate-id]: duplicate service id `desk`"],
            "{out}"
        );
    }
    // A duplicate entry: the connector only the dropped copy names is not unused.
    let other = "[connector.tw2]\nou = \"contoso\"\ntype = \"twilio\"\n\
                 api_key_sid = \"SK0123456789abcdef0123456789abcdee\"\n\n\
                 [messaging_entry.wa]\nou = \"contoso\"\nconnector = \"tw2\"\n\
                 service_sid = \"IS12345678900000000000000000AbCdEe\"\n";
    let out = short(&[
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("z.toml", other),
        ("desk.toml", DESK),
    ]);
    assert!(!out.contains("unused-connector"), "{out}");
}

#[test]
fn the_missing_entry_help_says_where_the_key_can_go_as_the_im_table_is_written() {
    let inline = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                  instant_messaging = { channels = [\"whatsapp\"] }\n";
    let header = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                  [service.desk.instant_messaging]\nchannels = [\"whatsapp\"]\n";
    let help = |desk: &str| {
        let found = helps_of_desk(desk);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].1.split(", e.g.").next().unwrap().to_owned()
    };
    // Below the header of an inline table is a duplicate key: the help says "the table".
    assert_eq!(
        help(inline),
        "add `messaging_entry = \"…\"` to the service's `instant_messaging` table"
    );
    assert_eq!(
        help(header),
        "add `messaging_entry = \"…\"` below `[service.desk.instant_messaging]`"
    );
    // `channels` in the service table itself (reported): there is no table to add to yet.
    let implied = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                   channels = [\"whatsapp\"]\n";
    let found = helps_of_desk(implied);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(
        found[1].1.split(", e.g.").next().unwrap(),
        "add a `[service.desk.instant_messaging]` table with `messaging_entry = \"…\"`, and \
         move `channels` into it"
    );
}

#[test]
fn a_secret_pasted_into_a_sid_field_is_told_what_belongs_there() {
    let twilio = TWILIO.replace(
        "api_key_sid = \"SK0123456789abcdef0123456789abcdef\"",
        "api_key_sid = \"q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6\"",
    );
    let found = helps(&[
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ]);
    assert_eq!(
        found,
        [(
            "secret-in-config".to_owned(),
            "this is a secret, not the key's SID: write the SID here (`SK` + 32 hex digits), \
             give the connector `api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }`, and \
             rotate the exposed credential in Twilio"
                .to_owned()
        )]
    );
}

#[test]
fn three_entries_on_one_twilio_service_get_two_distinct_messages() {
    let twilio = format!(
        "{TWILIO}\n[messaging_entry.wb]\nou = \"contoso\"\nconnector = \"tw\"\n\
         service_sid = \"IS12345678900000000000000000AbCdEf\"\n\n\
         [messaging_entry.wc]\nou = \"contoso\"\nconnector = \"tw\"\n\
         service_sid = \"IS12345678900000000000000000AbCdEf\"\n"
    );
    let out = short(&[
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ]);
    let messages: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("duplicate-service-sid"))
        .map(|l| l.split("]: ").nth(1).unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "messaging entry `wb` names the same Twilio service as `wa` and `wc`",
            "messaging entry `wc` names the same Twilio service as `wa` and `wb`",
        ],
        "{out}"
    );
}

#[test]
fn a_wrong_type_help_wraps_or_unwraps_the_value_as_written() {
    let desk = "[service.desk]\nou = \"contoso\"\nlicense = [\"contact_center\"]\ntransfers = \"team\"\n\
                instant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }\n\n\
                [service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    let found = helps_of_desk(desk);
    assert_eq!(
        found,
        [
            (
                "invalid-value".to_owned(),
                "write it like this: `license = \"contact_center\"`".to_owned()
            ),
            (
                "invalid-value".to_owned(),
                "write it like this: `transfers = [\"team\"]`".to_owned()
            ),
        ]
    );
}

#[test]
fn a_region_written_as_a_continent_or_country_is_not_matched_by_spelling_alone() {
    let region = |r: &str| {
        let twilio = TWILIO.replace("region = \"us1\"", &format!("region = \"{r}\""));
        let found = helps(&[
            ("org.toml", ORG),
            ("twilio.toml", &twilio),
            ("desk.toml", DESK),
        ]);
        // One mistake, one diagnostic: the region is not read, so no `channel-region`.
        let [(code, help)] = &found[..] else {
            panic!("{found:?}")
        };
        assert_eq!(code, "invalid-value");
        help.split(" `region` takes").next().unwrap().to_owned()
    };
    // `eu1` is one edit from `au1` (Australia), but Europe is two other regions.
    assert_eq!(
        region("eu1"),
        "Europe has two regions, `ie1` (Ireland) and `de1` (Germany):"
    );
    assert_eq!(region("Germany"), "did you mean `de1`?");
    // The United States have two: neither is picked (nor fixed) for the user.
    let us = "the United States have two regions, `us1` (the default, and the only one with SMS \
              and WhatsApp) and `us2`:";
    assert_eq!(region("us"), us);
    assert_eq!(region("us3"), us);
    // Otherwise, by spelling; equally near spellings are each named.
    assert_eq!(region("ie2"), "did you mean `ie1`?");
    assert_eq!(region("US1"), "did you mean `us1`?");
    assert_eq!(region("ue1"), "did you mean `de1`, `ie1` or `us1`?");
}

#[test]
fn fix_mends_a_value_only_when_one_spelling_alone_is_that_near() {
    let with = |region: &str, license: &str| {
        TWILIO.replace("region = \"us1\"", &format!("region = \"{region}\""))
            + &format!("\n[service.s]\nou = \"contoso\"\nlicense = \"{license}\"\n")
    };
    for (before, after) in [
        (with("ue1", "contact-center"), with("ue1", "contact_center")),
        (with("us", "contact_centr"), with("us", "contact_center")),
        (with("ie2", "x"), with("ie1", "x")),
    ] {
        let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("t.toml", &before)]);
        let r = run(ws.path(), &["check", "--fix", "-q"]);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        let fixed = std::fs::read_to_string(ws.path().join("t.toml")).unwrap();
        assert_eq!(fixed, after);
    }
}

#[test]
fn a_nimbus_lint_comment_that_is_not_read_says_so() {
    let desk = "# nimbus-lint allow(im-no-agents)\n[service.a]\nou = \"contoso\"\n\
                license = \"contact_center\"\n\n\
                [service.b] # nimbus-lint: allow(im-no-agents)\nou = \"contoso\"\n\
                license = \"contact_center\"\n\n\
                # nimbus-lint checks this file in CI (prose, not a directive)\n\
                [service.c] # nimbus-lint reads the name as display text\n\
                ou = \"contoso\" # not a directive: nimbus-lint\n\
                license = \"contact_center\"\nname = \"# nimbus-lint: allow(x)\"\n";
    let found = helps(&[("org.toml", ORG), ("desk.toml", desk)]);
    // Comments that suppress nothing: `unused-suppression`, a warning like the rest.
    let malformed: Vec<&str> = found
        .iter()
        .filter(|(c, _)| c == "unused-suppression")
        .map(|(_, h)| h.as_str())
        .collect();
    assert_eq!(
        malformed,
        [
            "add `:` after `nimbus-lint`: `# nimbus-lint: allow(im-no-agents)`",
            "put `# nimbus-lint: allow(CODE, ...)` on a line of its own, directly above the entity's header",
        ],
        "{found:?}"
    );
}

#[test]
fn a_required_key_with_a_qualifier_gets_a_did_you_mean_and_no_missing_field() {
    let desk = "[service.desk]\nou_id = \"contoso\"\nlicense-type = \"contact_center\"\n\
                instant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }\n\n\
                [service.other]\norg_unit = \"contoso\"\nservice_license = \"contact_center\"\n";
    let found = helps_of_desk(desk);
    assert_eq!(
        found,
        [
            ("unknown-field".to_owned(), "did you mean `ou`?".to_owned()),
            (
                "unknown-field".to_owned(),
                "did you mean `license`?".to_owned()
            ),
            ("unknown-field".to_owned(), "did you mean `ou`?".to_owned()),
            (
                "unknown-field".to_owned(),
                "did you mean `license`?".to_owned()
            ),
        ]
    );
}

#[test]
fn a_key_with_a_word_around_a_known_one_or_its_start_gets_a_did_you_mean_and_no_rename() {
    // `transfers_disabled` is another key: renamed, the service would transfer. `conn`, `pa`
    // and `entr` begin `connector`, `parent` and `messaging_entry`: no second diagnostic.
    let files = [
        ("org.toml", "[ou.contoso]\n\n[ou.q]\npa = \"contoso\"\n"),
        (
            "twilio.toml",
            &TWILIO.replace("connector = \"tw\"", "conn = \"tw\""),
        ),
        (
            "desk.toml",
            "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             transfers_disabled = [\"desk\"]\n\
             instant_messaging = { entr = \"wa\", channels = [\"whatsapp\"] }\n",
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, *t)).collect();
    let doc = json(&check(&files, "sarif"));
    let found: Vec<(String, bool)> = (doc["runs"][0]["results"].as_array().unwrap().iter())
        .map(|r| {
            let text = r["message"]["text"].as_str().unwrap().replace('\n', " / ");
            (text, r.get("fixes").is_some())
        })
        .collect();
    let unknown = |key: &str, what: &str, meant: &str| {
        (
            format!("unknown key `{key}` in {what} / help: did you mean `{meant}`?"),
            false,
        )
    };
    assert_eq!(
        found,
        [
            unknown("transfers_disabled", "service `desk`", "transfers"),
            unknown(
                "entr",
                "`instant_messaging` of service `desk`",
                "messaging_entry"
            ),
            unknown("pa", "OU `q`", "parent"),
            unknown("conn", "messaging entry `wa`", "connector"),
        ]
    );
}

const TREE: &str =
    "[ou.contoso]\n\n[ou.sales]\nparent = \"contoso\"\n\n[ou.support]\nparent = \"contoso\"\n";

const SUPPORT_TWILIO: &str = "[connector.twilio-support]\nou = \"support\"\ntype = \"twilio\"\n\
     api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\n\
     [messaging_entry.wa-support]\nou = \"support\"\nconnector = \"twilio-support\"\n\
     service_sid = \"IS12345678900000000000000000AbCdEf\"\n";

#[test]
fn help_that_moves_an_entity_keeps_what_it_uses_visible() {
    let desk = |ou: &str| {
        format!(
            "[service.sales-desk]\n{ou}license = \"contact_center\"\n\
             instant_messaging = {{ messaging_entry = \"wa-support\", channels = [\"whatsapp\"] }}\n"
        )
    };
    // Moving the entry up alone would hide its connector from it: both move.
    let found = helps(&[
        ("org.toml", TREE),
        ("twilio.toml", SUPPORT_TWILIO),
        ("desk.toml", &desk("ou = \"sales\"\n")),
    ]);
    assert_eq!(
        found,
        [(
            "reference-not-visible".to_owned(),
            "a service can use what sits in its own OU `sales` or above it; move messaging entry \
             `wa-support` and its connector `twilio-support` up to `contoso` (above both), or use \
             a messaging entry visible from `sales`"
                .to_owned()
        )]
    );
    // With an entry that the service can see, the help names it.
    let found = helps(&[
        ("org.toml", TREE),
        ("twilio.toml", SUPPORT_TWILIO),
        ("more.toml", TWILIO),
        ("desk.toml", &desk("ou = \"sales\"\n")),
    ]);
    assert!(
        found[0]
            .1
            .ends_with("or use a messaging entry visible from `sales`, such as `wa`"),
        "{found:?}"
    );
    // A service with no `ou` is offered the OU of its entry, not the root.
    let found = helps(&[
        ("org.toml", TREE),
        ("twilio.toml", SUPPORT_TWILIO),
        ("desk.toml", &desk("")),
    ]);
    assert_eq!(
        found,
        [(
            "missing-field".to_owned(),
            "add `ou = \"support\"` (the OU of its messaging entry `wa-support`, or an OU below it)"
                .to_owned()
        )]
    );
}

#[test]
fn entries_pasted_with_one_sid_name_at_most_ten_others_each() {
    let mut twilio = TWILIO.to_owned();
    for i in 0..12 {
        twilio.push_str(&format!(
            "\n[messaging_entry.w{i:02}]\nou = \"contoso\"\nconnector = \"tw\"\n\
             service_sid = \"IS12345678900000000000000000AbCdEf\"\n"
        ));
    }
    let out = short(&[
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ]);
    // `wa`, applied by the desk, keeps the service: each other entry is reported.
    let first = out
        .lines()
        .find(|l| l.contains("duplicate-service-sid"))
        .unwrap();
    assert!(
        first.ends_with(
            "messaging entry `w00` names the same Twilio service as `wa`, `w01`, `w02`, `w03`, \
             `w04`, `w05`, `w06`, `w07`, `w08`, `w09` and 2 more"
        ),
        "{out}"
    );
    assert_eq!(out.matches("duplicate-service-sid").count(), 12, "{out}");
}

#[test]
fn a_rule_that_holds_back_for_one_service_still_judges_the_others_suppressions() {
    let services = "# nimbus-lint: allow(im-no-agents)\n[service.a]\nou = \"contoso\"\n\
                    license = \"contact_center\"\nuser_assignment = \"none\"\ntransfers = \"b\"\n\
                    instant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }\n\n\
                    # nimbus-lint: allow(im-no-agents)\n[service.b]\nou = \"contoso\"\n\
                    license = \"contact_center\"\n";
    let out = short(&[
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("s.toml", services),
    ]);
    let unused: Vec<&str> = (out.lines())
        .filter(|l| l.contains("unused-suppression"))
        .filter_map(|l| l.split(": ").next())
        .collect();
    // `a`'s transfers cannot be read: its comment may be needed. `b`'s silences nothing.
    assert_eq!(unused, ["s.toml:9:22"], "{out}");
}

#[test]
fn a_literal_secret_inside_a_table_or_array_is_one_secret_and_never_shown() {
    const UNUSED: &str = "twilio.toml:6:1: warning[unused-messaging-entry]: no service applies messaging entry `wa`\n";
    let connector = |secret: &str| {
        format!(
            "[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\napi_key_secret = {secret}\n\
             [messaging_entry.wa]\nou = \"contoso\"\nconnector = \"tw\"\n\
             service_sid = \"IS12345678900000000000000000AbCdEf\"\n"
        )
    };
    for (secret, column) in [
        ("{ env = \"X\", value = \"hunter3hunter3\" }", 39),
        ("[\"hunter4hunter4\"]", 19),
        ("{ value = \"hunter5hunter5\" }", 28),
        ("{ value = { v = \"hunter6hunter6\" } }", 34),
    ] {
        let files = [("org.toml", ORG), ("twilio.toml", &connector(secret))];
        assert_eq!(
            short(&files),
            format!(
                "twilio.toml:5:{column}: error[secret-in-config]: `api_key_secret` holds a literal \
                 secret `…` (14 characters)\n{UNUSED}1 error, 1 warning in 3 files\n"
            ),
            "{secret}"
        );
        let human = check(&files, "human").stdout;
        assert!(!human.contains("hunter"), "{human}");
    }
    // Beside a variable's name, a key not named for a secret is just unknown.
    let files = [
        ("org.toml", ORG),
        (
            "twilio.toml",
            &connector("{ env = \"X\", note = \"rotated monthly\" }"),
        ),
    ];
    let out = short(&files);
    assert!(
        out.starts_with("twilio.toml:5:31: error[unknown-field]: unknown key `note`"),
        "{out}"
    );
    assert!(!out.contains("secret-in-config"), "{out}");
    // So is one in a list: a value of the wrong type, not a secret.
    let files = [
        ("org.toml", ORG),
        ("twilio.toml", &connector("[\"TWILIO_KEY\"]")),
    ];
    let out = short(&files);
    assert!(
        out.starts_with(
            "twilio.toml:5:18: error[invalid-value]: `api_key_secret` must be a table naming a variable"
        ),
        "{out}"
    );
    // An upper-case name under the wrong key is the variable's name misplaced: one
    // `unknown-field`, no secret and no "names no environment variable" on top.
    let files = [
        ("org.toml", ORG),
        ("twilio.toml", &connector("{ value = \"TWILIO_KEY\" }")),
    ];
    assert_eq!(
        short(&files),
        format!(
            "twilio.toml:5:20: error[unknown-field]: unknown key `value` in `api_key_secret` of \
             connector `tw`\n{UNUSED}1 error, 1 warning in 3 files\n"
        )
    );
}

#[test]
fn a_comment_above_the_entity_allows_a_value_that_only_looks_like_a_secret() {
    let service = "# nimbus-lint: allow(secret-in-config) the name the vendor gave it\n\
                   [service.bot]\nname = \"aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gH\"\nou = \"contoso\"\n\
                   license = \"contact_center\"\n";
    assert_eq!(
        short(&[("org.toml", ORG), ("bot.toml", service)]),
        "0 errors, 0 warnings in 3 files\n"
    );
    // Above another entity it silences nothing, and the secret is still reported.
    let other = service.replace(
        "[service.bot]",
        "[service.other]\nou = \"contoso\"\nlicense = \"contact_center\"\n[service.bot]",
    );
    let out = short(&[("org.toml", ORG), ("bot.toml", &other)]);
    assert!(
        out.contains("bot.toml:6:8: error[secret-in-config]"),
        "{out}"
    );
    assert!(out.contains("warning[unused-suppression]"), "{out}");
}

#[test]
fn a_secret_allowed_or_lowered_is_a_value_whose_own_errors_are_reported() {
    let service = "[service.s]\nou = \"0123456789abcdef0123456789abcdef\"\n\
                   license = \"contact_center\"\n\
                   user_assignment = \"aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE\"\n\
                   transfers = [\"0123456789abcdef0123456789abcdee\"]\n";
    // The values' own errors, with the service's header on line `1 + below`.
    let own = |below: usize| {
        format!(
            "s.toml:{}:6: error[unknown-reference]: `ou` names an unknown OU `0123…` (32 characters)\n\
             s.toml:{}:19: error[invalid-value]: unknown user assignment `aB3d…` (32 characters)\n\
             s.toml:{}:14: error[unknown-reference]: `transfers` names an unknown service `0123…` \
             (32 characters)\n",
            2 + below,
            4 + below,
            5 + below
        )
    };
    // Reported as errors, the secrets are the one diagnostic of each value.
    let out = short(&[("org.toml", ORG), ("s.toml", service)]);
    assert_eq!(out.matches("error[secret-in-config]").count(), 3, "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    // Allowed for the entity: the values' own errors, masked still.
    let allowed = format!("# nimbus-lint: allow(secret-in-config)\n{service}");
    let out = short(&[("org.toml", ORG), ("s.toml", &allowed)]);
    assert_eq!(out, format!("{}3 errors, 0 warnings in 3 files\n", own(1)));
    // Lowered to a warning: both, and the run still fails; `build` writes nothing.
    let ws = workspace(&[
        ("nimbus.toml", "[lints]\nsecret-in-config = \"warning\"\n"),
        ("org.toml", ORG),
        ("s.toml", service),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout.matches("warning[secret-in-config]").count(),
        3,
        "{}",
        r.stdout
    );
    for line in own(0).lines() {
        assert!(r.stdout.contains(line), "{line}\n{}", r.stdout);
    }
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
}

/// A service with IM and no channel, transferring to `transfers` (ids, quoted), with
/// `extra` lines.
fn im_service(id: &str, transfers: &str, extra: &str) -> String {
    format!(
        "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\n\
         {extra}[service.{id}.instant_messaging]\n"
    )
}

#[test]
fn a_loop_member_that_also_transfers_to_itself_still_names_the_loop() {
    let text = im_service("a", "\"a\", \"b\"", "") + &im_service("b", "\"a\"", "");
    assert_eq!(
        short(&[("org.toml", ORG), ("s.toml", &text)]),
        "s.toml:4:14: warning[self-transfer]: service `a` transfers to itself\n\
         s.toml:5:1: error[im-unreachable]: no conversation can reach the transfer loop `a` → `b` → `a`\n\
         1 error, 1 warning in 3 files\n"
    );
}

#[test]
fn silencing_im_unreachable_for_a_service_silences_no_other() {
    const ALLOW: &str = "# nimbus-lint: allow(im-unreachable)\n";
    // a -> b -> c, stranded. Reported at the root `a` only, with `b` and `c` as labels.
    let chain = |allow_a: bool, allow_b: bool| {
        let mut text = String::new();
        if allow_a {
            text.push_str(ALLOW);
        }
        text += &im_service("a", "\"b\"", "");
        if allow_b {
            text.push_str(ALLOW);
        }
        text += &im_service("b", "\"c\"", "");
        text += &im_service("c", "", "user_assignment = \"none\"\n");
        short(&[("org.toml", ORG), ("s.toml", &text)])
    };
    assert_eq!(
        chain(false, false),
        "s.toml:5:1: error[im-unreachable]: service `a` offers IM but no conversation can reach it\n\
         1 error, 0 warnings in 3 files\n"
    );
    // Silenced at `a`: `b` is the root of what is left, and accounts for `c`.
    let mut text = format!("{ALLOW}{}", im_service("a", "\"b\"", ""));
    text += &im_service("b", "\"c\"", "");
    text += &im_service("c", "", "");
    let doc = json(&check(&[("org.toml", ORG), ("s.toml", &text)], "json"));
    let labels: Vec<&str> = (doc["diagnostics"][0]["labels"].as_array().unwrap().iter())
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "`a` transfers to `b`, but no front desk reaches `a` either",
            "`c` is reached through `b`: unreachable too"
        ]
    );
    assert_eq!(
        chain(true, false),
        "s.toml:11:1: error[im-unreachable]: service `b` offers IM but no conversation can reach it\n\
         1 error, 0 warnings in 3 files\n"
    );
    // Silenced at `a` and `b`: `c`, which has no agents either; that is said once it is
    // silenced too.
    assert_eq!(
        chain(true, true),
        "s.toml:18:1: error[im-unreachable]: service `c` offers IM but no conversation can reach it\n\
         1 error, 0 warnings in 3 files\n"
    );
    // A comment at `b` alone is used (it would speak once `a` is silenced), and `a` still
    // reports the chain.
    assert_eq!(
        chain(false, true),
        "s.toml:5:1: error[im-unreachable]: service `a` offers IM but no conversation can reach it\n\
         1 error, 0 warnings in 3 files\n"
    );

    // Below a silenced root, a loop is the next root; below a loop silenced at any member,
    // what it leads to.
    let text = format!(
        "{ALLOW}{}{}{}{}",
        im_service("a", "\"b\"", ""),
        im_service("b", "\"c\"", ""),
        im_service("c", "\"b\", \"d\"", ""),
        im_service("d", "", "")
    );
    assert_eq!(
        short(&[("org.toml", ORG), ("s.toml", &text)]),
        "s.toml:11:1: error[im-unreachable]: no conversation can reach the transfer loop `b` → `c` → `b`\n\
         1 error, 0 warnings in 3 files\n"
    );
    let text = text.replace("[service.c]", &format!("{ALLOW}[service.c]"));
    assert_eq!(
        short(&[("org.toml", ORG), ("s.toml", &text)]),
        "s.toml:22:1: error[im-unreachable]: service `d` offers IM but no conversation can reach it\n\
         1 error, 0 warnings in 3 files\n"
    );

    // A loop is one problem: a comment above any member silences it, and is not unused.
    for member in ["a", "b"] {
        let text = [("a", "\"b\""), ("b", "\"a\"")]
            .iter()
            .map(|(id, to)| {
                let allow = if *id == member { ALLOW } else { "" };
                format!("{allow}{}", im_service(id, to, ""))
            })
            .collect::<String>();
        assert_eq!(
            short(&[("org.toml", ORG), ("s.toml", &text)]),
            "0 errors, 0 warnings in 3 files\n",
            "comment above {member}"
        );
    }
}

#[test]
fn a_bad_variable_name_says_what_is_wrong_with_it() {
    for (env, message, help) in [
        (
            "",
            "`env` is empty: it must name an environment variable",
            "name the variable that holds the secret, e.g. `env = \"TWILIO_API_KEY_SECRET\"`",
        ),
        (
            "1ABC",
            "`1ABC` is not an environment variable name",
            "use letters, digits and `_`, not starting with a digit, e.g. `TWILIO_API_KEY_SECRET`",
        ),
        (
            "${TWILIO}",
            "`${TWILIO}` is not an environment variable name",
            "`env` takes the variable's name alone: `env = \"TWILIO\"`",
        ),
    ] {
        let twilio = TWILIO.replace("TWILIO_API_KEY_SECRET", env);
        let args = ["check", "--format", "json", "-A", "unused-messaging-entry"];
        let ws = workspace(&[
            ("nimbus.toml", ""),
            ("org.toml", ORG),
            ("twilio.toml", &twilio),
        ]);
        let doc = json(&run(ws.path(), &args));
        let d = &doc["diagnostics"][0];
        assert_eq!(
            doc["diagnostics"].as_array().map(Vec::len),
            Some(1),
            "{doc}"
        );
        assert_eq!(
            (
                &d["code"],
                &d["message"],
                &d["help"],
                &d["line"],
                &d["column"]
            ),
            (
                &"invalid-value".into(),
                &message.into(),
                &help.into(),
                &6.into(),
                &26.into()
            ),
            "{env:?}"
        );
    }
}

#[test]
fn a_secret_written_elsewhere_too_is_never_shown_in_full_in_any_output() {
    const SECRET: &str = "Ab3dEf7hIj9kLm1nOp3qRs5tUv7wXy9z";
    let twilio = format!(
        "[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
         api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\napi_key_secret = \"{SECRET}\"\n"
    );
    // The same value in an id, and under another key: in snippets and graph labels too.
    let services = format!(
        "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
         transfers = [\"{SECRET}-team\"]\ninstant_messaging = {{ channels = [\"interact\"] }}\n\
         [service.{SECRET}-team]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
         instant_messaging = {{}}\n"
    );
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("services.toml", &services),
    ]);
    for args in [
        &["check", "--format", "human"][..],
        &["check", "--format", "short"],
        &["check", "--format", "json"],
        &["check", "--format", "sarif"],
        &["check", "--format", "github"],
        &["graph"],
        &["graph", "--format", "dot"],
    ] {
        let r = run(ws.path(), args);
        assert_ne!(r.code, 2, "{args:?}: {}", r.stderr);
        let out = format!("{}{}", r.stdout, r.stderr);
        assert!(!out.contains(SECRET), "{args:?}:\n{out}");
        assert!(out.contains("Ab3d"), "{args:?}:\n{out}");
    }
}

#[test]
fn an_unknown_parent_on_the_meant_root_is_not_also_no_root() {
    let org = "[ou.contoso]\nparent = \"tenant\"\n[ou.sales]\nparent = \"contoso\"\n";
    assert_eq!(
        short(&[("org.toml", org)]),
        "org.toml:2:10: error[unknown-reference]: `parent` names an unknown OU `tenant`\n\
         1 error, 0 warnings in 2 files\n"
    );
}

#[test]
fn a_service_no_conversation_reaches_is_unreachable_not_also_without_agents() {
    let services = "[service.bot]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                    user_assignment = \"none\"\ninstant_messaging = {}\n";
    assert_eq!(
        short(&[("org.toml", ORG), ("s.toml", services)]),
        "s.toml:5:1: error[im-unreachable]: service `bot` offers IM but no conversation can reach it\n\
         1 error, 0 warnings in 3 files\n"
    );
    // With `im-unreachable` silenced, in `[lints]` or for the service, the service is still
    // one without agents, and says so.
    let lints = "[lints]\nim-unreachable = \"allow\"\n";
    let ws = workspace(&[
        ("nimbus.toml", lints),
        ("org.toml", ORG),
        ("s.toml", services),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "s.toml:5:1: warning[im-no-agents]: service `bot` takes IM conversations but has no agents and no transfers\n\
         0 errors, 1 warning in 3 files\n"
    );
    let commented = format!("# nimbus-lint: allow(im-unreachable)\n{services}");
    assert_eq!(
        short(&[("org.toml", ORG), ("s.toml", &commented)]),
        "s.toml:6:1: warning[im-no-agents]: service `bot` takes IM conversations but has no agents and no transfers\n\
         0 errors, 1 warning in 3 files\n"
    );
}

#[test]
fn a_service_split_across_files_is_not_judged_by_the_half_without_its_entry() {
    let half = "[service.desk.instant_messaging]\nchannels = [\"sms\"]\n";
    let rest = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                [service.desk.instant_messaging]\nmessaging_entry = \"wa\"\n";
    assert_eq!(
        short(&[
            ("org.toml", ORG),
            ("twilio.toml", TWILIO),
            ("a.toml", half),
            ("b.toml", rest)
        ]),
        "b.toml:1:1: error[duplicate-id]: service `desk` is written in two files: its IM table in a.toml, `[service.desk]` in b.toml\n\
         1 error, 0 warnings in 5 files\n"
    );
}

#[test]
fn two_channels_need_the_licence_one_needs_it() {
    let desk = |channels: &str| {
        format!(
            "[service.desk]\nou = \"contoso\"\nlicense = \"advanced_routing\"\n\
             [service.desk.instant_messaging]\nmessaging_entry = \"wa\"\nchannels = [{channels}]\n"
        )
    };
    for (channels, message) in [
        (
            "\"whatsapp\", \"sms\"",
            "WhatsApp and SMS on service `desk` need the Contact Center licence",
        ),
        (
            "\"sms\"",
            "SMS on service `desk` needs the Contact Center licence",
        ),
    ] {
        let files = [
            ("org.toml", ORG),
            ("twilio.toml", TWILIO),
            ("desk.toml", &desk(channels)),
        ];
        let out = short(&files);
        assert!(out.contains(message), "{out}");
    }
}

#[test]
fn a_comment_above_a_bare_kind_header_covers_the_tables_of_that_kind_that_follow() {
    let services = "# nimbus-lint: allow(im-no-agents)\n[service]\n\
                    inline = { ou = \"contoso\", license = \"contact_center\", user_assignment = \"none\", instant_messaging = { channels = [\"interact\"] } }\n\
                    [service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\nuser_assignment = \"none\"\n\
                    [service.a.instant_messaging]\nchannels = [\"interact\"]\n\
                    [ou.other]\nparent = \"contoso\"\n\
                    [service.b]\nou = \"contoso\"\nlicense = \"contact_center\"\nuser_assignment = \"none\"\n\
                    instant_messaging = { channels = [\"interact\"] }\n";
    // `inline` and `a` are covered; `b` follows a header of another table.
    assert_eq!(
        short(&[("org.toml", ORG), ("s.toml", services)]),
        "s.toml:16:1: warning[im-no-agents]: service `b` takes IM conversations but has no agents and no transfers\n\
         0 errors, 1 warning in 3 files\n"
    );
}

#[test]
fn a_required_key_named_too_far_off_is_known_by_its_value() {
    let desk = "[service.desk]\nou = \"contoso\"\nlic = \"contact_center\"\n\
                tier = \"contact_center\"\n";
    let conn = "[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
                key = \"SK0123456789abcdef0123456789abcdef\"\n\
                api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }\n\
                [messaging_entry.wa]\nou = \"contoso\"\nconnector = \"tw\"\n\
                sid = \"IS12345678900000000000000000AbCdEf\"\n";
    // One `unknown-field` each, saying which key was meant, and no `missing-field` on top.
    let found = helps(&[
        ("org.toml", ORG),
        ("desk.toml", desk),
        ("twilio.toml", conn),
    ]);
    let unknown: Vec<&str> = found
        .iter()
        .filter(|(c, _)| c != "unused-messaging-entry")
        .map(|(c, h)| {
            assert_eq!(c, "unknown-field", "{found:?}");
            h.as_str()
        })
        .collect();
    assert_eq!(
        unknown,
        [
            "did you mean `license`?",
            "service `desk` takes: `name`, `ou`, `license`, `user_assignment`, `transfers` and `instant_messaging`",
            "did you mean `api_key_sid`?",
            "did you mean `service_sid`?"
        ]
    );
}

#[test]
fn did_you_mean_offers_only_what_the_reference_may_name() {
    // Never the referrer itself: no self-transfer, no OU its own parent.
    let h = helps(&[
        (
            "org.toml",
            "[ou.contoso]\n\n[ou.sales-nordics]\nparent = \"sales-nordic\"\n",
        ),
        (
            "s.toml",
            "[service.team]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"tem\"]\n",
        ),
    ]);
    assert_eq!(
        h,
        [
            (
                "unknown-reference".to_owned(),
                "define it as `[ou.sales-nordic]`, or name an existing OU".to_owned()
            ),
            (
                "unknown-reference".to_owned(),
                "define it as `[service.tem]`, or name an existing service".to_owned()
            )
        ]
    );
    // Nor an OU below the referrer (a loop): `emea-north` sits below `emea`.
    let h = helps(&[(
        "org.toml",
        "[ou.contoso]\n\n[ou.emea]\nparent = \"emea-nort\"\n\n[ou.emea-north]\nparent = \"emea\"\n\n[ou.emea-norte]\nparent = \"contoso\"\n",
    )]);
    assert_eq!(h[0].1, "did you mean `emea-norte`?");
    // An entry in sight wins over a nearer one out of sight; with none in sight, the help
    // says where it sits, and there is no fix to apply.
    let org =
        "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n[ou.support]\nparent = \"contoso\"\n";
    let entries = |in_sight: &str| {
        TWILIO.replace(
            "[messaging_entry.wa]\nou = \"contoso\"",
            "[messaging_entry.wa-support]\nou = \"support\"",
        ) + &format!(
            "\n[messaging_entry.{in_sight}]\nou = \"contoso\"\nconnector = \"tw\"\nservice_sid = \"IS12345678900000000000000000AbCdE1\"\n"
        )
    };
    let desk = |entry: &str| {
        format!(
            "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\ninstant_messaging = {{ messaging_entry = \"{entry}\", channels = [\"whatsapp\"] }}\n"
        )
    };
    let doc = json(&check(
        &[
            ("org.toml", org),
            ("twilio.toml", &entries("wa-main")),
            ("desk.toml", &desk("wa-suport")),
        ],
        "sarif",
    ));
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "unknown-reference");
    assert!(
        result["message"]["text"].as_str().unwrap().ends_with(
            "help: did you mean `wa-support`? It sits where service `desk` cannot see it: move it up to an OU above both, or name a messaging entry in sight"
        ),
        "{result}"
    );
    assert!(result.get("fixes").is_none(), "{result}");
    let doc = json(&check(
        &[
            ("org.toml", org),
            ("twilio.toml", &entries("wa-sport")),
            ("desk.toml", &desk("wa-suport")),
        ],
        "sarif",
    ));
    let result = &doc["runs"][0]["results"][0];
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("help: did you mean `wa-sport`?"),
        "{result}"
    );
    // As near as the one out of sight: offered, not written in.
    assert!(result.get("fixes").is_none(), "{result}");
}

#[test]
fn a_fix_never_writes_in_a_farther_id_for_a_nearer_one_the_reference_may_not_name() {
    let fixes = |files: &[(&str, &str)]| -> Vec<(String, String, bool)> {
        let doc = json(&check(files, "sarif"));
        (doc["runs"][0]["results"].as_array().unwrap().iter())
            .filter(|r| r["ruleId"] == "unknown-reference")
            .map(|r| {
                let text = r["message"]["text"].as_str().unwrap();
                let help = text.split("help: ").nth(1).unwrap_or("").to_owned();
                (
                    text.lines().next().unwrap().to_owned(),
                    help,
                    r.get("fixes").is_some(),
                )
            })
            .collect()
    };
    // `TEAM-B` in `team-b`'s own transfers is the service itself, not a typo of `team-a`.
    let service = |id: &str, transfers: &str| {
        format!(
            "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\n"
        )
    };
    let s = service("team-a", "") + &service("team-b", "\"TEAM-B\"");
    assert_eq!(
        fixes(&[("org.toml", "[ou.contoso]\n"), ("s.toml", &s)]),
        [(
            "`transfers` names an unknown service `TEAM-B`".to_owned(),
            "name an existing service: ids use lowercase letters, digits, `-` and `_`".to_owned(),
            false
        )]
    );
    // An OU's own id, folded, is no typo of its neighbour's.
    let org = "[ou.contoso]\n[ou.emea1]\nparent = \"contoso\"\n[ou.emea]\nparent = \"EMEA\"\n";
    let found = fixes(&[("org.toml", org)]);
    assert_eq!(found.len(), 1);
    assert!(!found[0].2, "{found:?}");
    // The connector named, out of sight, is not swapped for another in sight.
    let org =
        "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n[ou.support]\nparent = \"contoso\"\n";
    let connector = |id: &str, ou: &str| {
        format!(
            "[connector.{id}]\nou = \"{ou}\"\ntype = \"twilio\"\napi_key_sid = \"SK12345678900000000000000000AbCdEf\"\n"
        )
    };
    let twilio = connector("twilio-us1", "contoso")
        + &connector("twilio-us2", "support")
        + "[messaging_entry.wa]\nou = \"sales\"\nconnector = \"TWILIO-US2\"\nservice_sid = \"IS12345678900000000000000000AbCdE1\"\n";
    assert_eq!(
        fixes(&[("org.toml", org), ("twilio.toml", &twilio)]),
        [(
            "`connector` names an unknown connector `TWILIO-US2`".to_owned(),
            "did you mean `twilio-us2`? It sits where messaging entry `wa` cannot see it: move it up to an OU above both, or name a connector in sight".to_owned(),
            false
        )]
    );
}

#[test]
fn equally_near_ids_are_all_offered_and_none_is_then_called_unreachable() {
    let services = r#"[service.desk]
ou = "contoso"
license = "contact_center"
transfers = ["sales-tea2"]
instant_messaging = { messaging_entry = "wa", channels = ["whatsapp"] }

[service.sales-team]
ou = "contoso"
license = "contact_center"
instant_messaging = {}

[service.sales-team2]
ou = "contoso"
license = "contact_center"
transfers = ["sales-team3"]
instant_messaging = {}

[service.sales-team3]
ou = "contoso"
license = "contact_center"
instant_messaging = {}
"#;
    assert_eq!(
        short(&[
            ("org.toml", ORG),
            ("twilio.toml", TWILIO),
            ("s.toml", services)
        ]),
        "s.toml:4:14: error[unknown-reference]: `transfers` names an unknown service `sales-tea2`\n\
         1 error, 0 warnings in 4 files\n"
    );
    let h = helps(&[
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("s.toml", services),
    ]);
    assert_eq!(h[0].1, "did you mean `sales-team` or `sales-team2`?");
}

#[test]
fn an_id_of_another_kind_is_named_as_such_and_nothing_is_called_unused_for_it() {
    let desk = r#"[service.desk]
ou = "contoso"
license = "contact_center"
transfers = ["wa"]
instant_messaging = { messaging_entry = "tw", channels = ["whatsapp"] }
"#;
    let doc = json(&check(
        &[
            ("org.toml", ORG),
            ("twilio.toml", TWILIO),
            ("desk.toml", desk),
        ],
        "json",
    ));
    let diags = doc["diagnostics"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["help"].as_str().unwrap(),
                d["labels"][0]["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // No `unused-messaging-entry` for `wa`: the unknown entry may have meant it.
    assert_eq!(
        got,
        [
            (
                "unknown-reference",
                "`wa` is a messaging entry, not a service; name an existing service",
                "`wa` is this messaging entry"
            ),
            (
                "unknown-reference",
                "`tw` is a connector, not a messaging entry; name a messaging entry that uses it: `wa`",
                "`tw` is this connector"
            ),
        ]
    );
    assert_eq!(diags[0]["labels"][0]["file"], "twilio.toml");
}

#[test]
fn a_reference_spelled_as_the_fix_of_an_invalid_id_is_left_to_that_fix() {
    let services = r#"[service.Sales-IVR]
ou = "contoso"
license = "contact_center"

[service.team]
ou = "contoso"
license = "contact_center"
transfers = ["sales-ivr", "Sales-IVR"]
"#;
    assert_eq!(
        short(&[("org.toml", ORG), ("s.toml", services)]),
        "s.toml:1:10: error[invalid-value]: invalid service id `Sales-IVR`\n\
         1 error, 0 warnings in 3 files\n"
    );
}

#[test]
fn a_variable_name_written_as_the_secret_is_no_secret_and_gets_its_table() {
    let connector = |secret: &str| {
        format!(
            "[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\nregion = \"us1\"\napi_key_sid = \"SK0123456789abcdef0123456789abcdef\"\napi_key_secret = {secret}\n\n[messaging_entry.wa]\nou = \"contoso\"\nconnector = \"tw\"\nservice_sid = \"IS12345678900000000000000000AbCdEf\"\n\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ninstant_messaging = {{ messaging_entry = \"wa\", channels = [\"whatsapp\"] }}\n"
        )
    };
    for (secret, help) in [
        (
            "\"$TWILIO_SECRET\"",
            "a variable is named in a table, without `$`: write `api_key_secret = { env = \"TWILIO_SECRET\" }`",
        ),
        (
            "\"${TWILIO_SECRET}\"",
            "a variable is named in a table, without `$`: write `api_key_secret = { env = \"TWILIO_SECRET\" }`",
        ),
        (
            "{ env = \"$TWILIO_SECRET\" }",
            "`env` takes the variable's name alone: `env = \"TWILIO_SECRET\"`",
        ),
        // Windows' and PowerShell's ways of naming a variable.
        (
            "\"%TWILIO_SECRET%\"",
            "a variable is named in a table, without `%`: write `api_key_secret = { env = \"TWILIO_SECRET\" }`",
        ),
        (
            "\"$env:TWILIO_SECRET\"",
            "a variable is named in a table, without `$`: write `api_key_secret = { env = \"TWILIO_SECRET\" }`",
        ),
        (
            "{ env = \"%TWILIO_SECRET%\" }",
            "`env` takes the variable's name alone: `env = \"TWILIO_SECRET\"`",
        ),
    ] {
        let doc = json(&check(
            &[("org.toml", ORG), ("tw.toml", &connector(secret))],
            "sarif",
        ));
        let results = doc["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{secret}: {results:?}");
        assert_eq!(results[0]["ruleId"], "invalid-value", "{secret}");
        let text = results[0]["message"]["text"].as_str().unwrap();
        assert!(text.ends_with(&format!("help: {help}")), "{secret}: {text}");
        let fixed = results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"]
            .as_str()
            .unwrap();
        let written = connector(secret);
        let mended = if let Some(inner) = secret.strip_prefix("{ env = ") {
            written.replace(inner.trim_end_matches(" }"), fixed)
        } else {
            written.replace(secret, fixed)
        };
        assert_eq!(
            short(&[("org.toml", ORG), ("tw.toml", &mended)]),
            "0 errors, 0 warnings in 3 files\n",
            "{secret} mended: {mended}"
        );
    }
    // Without a `$`, an upper-case word may be the secret itself (`CHANGEME`): it stays one,
    // masked; so does a mixed-case value.
    for value in [
        "\"CHANGEME_NOW\"",
        "\"S3CR3TP4SSW0RD99\"",
        "\"Tw1l1oS3cr3tV4lue\"",
    ] {
        let r = check(&[("org.toml", ORG), ("tw.toml", &connector(value))], "json");
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(doc["diagnostics"][0]["code"], "secret-in-config", "{value}");
        assert!(
            !r.stdout.contains(value.trim_matches('"')),
            "{value} shown: {}",
            r.stdout
        );
    }
}

#[test]
fn of_two_roots_the_one_that_holds_the_tenant_is_not_the_one_told_to_move() {
    // `emea.toml` sorts first, but `contoso` holds the tree: `emea` gets the parent, and the
    // diagnostic stands at it whether it comes first or second in path order.
    let org = "[ou.contoso]\n\n[ou.sales]\nparent = \"contoso\"\n\n[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n";
    let help =
        "a workspace describes one tenant: give `emea` a `parent` (e.g. `parent = \"contoso\"`)";
    for (name, at, label, other) in [
        (
            "emea.toml",
            "emea.toml",
            "a second root OU: give it a `parent`",
            "`contoso` is a root OU too: it holds the most, so it is taken for the tenant",
        ),
        (
            "z.toml",
            "z.toml",
            "a second root OU: give it a `parent`",
            "`contoso` is a root OU too: it holds the most, so it is taken for the tenant",
        ),
    ] {
        let doc = json(&check(
            &[(name, "[ou.emea]\nname = \"EMEA\"\n"), ("org.toml", org)],
            "json",
        ));
        let d = &doc["diagnostics"][0];
        assert_eq!(
            (d["code"].as_str(), d["help"].as_str()),
            (Some("root-ou"), Some(help)),
            "{name}"
        );
        assert_eq!(d["file"], at, "{name}");
        assert_eq!(d["labels"][0]["message"], other, "{name}");
        let human = check(
            &[(name, "[ou.emea]\nname = \"EMEA\"\n"), ("org.toml", org)],
            "human",
        );
        assert!(human.stdout.contains(label), "{name}: {}", human.stdout);
    }
    // `ou-cycle` names the same tenant.
    let looped = "[ou.loop]\nparent = \"loop\"\n";
    let h = helps(&[
        ("emea.toml", "[ou.emea]\nname = \"EMEA\"\n"),
        ("org.toml", &format!("{org}{looped}")),
    ]);
    let cycle = h.iter().find(|(c, _)| c == "ou-cycle").unwrap();
    assert_eq!(
        cycle.1,
        "point `parent` at the OU above it, e.g. `parent = \"contoso\"` (the tenant)"
    );
}

#[test]
fn a_misplaced_im_key_is_told_to_go_where_a_key_can_be_added() {
    let desk = |im: &str| {
        format!(
            "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\nchannels = [\"whatsapp\"]\n{im}"
        )
    };
    for (im, place) in [
        (
            "instant_messaging = { messaging_entry = \"wa\" }\n",
            "into `instant_messaging = { … }`".to_owned(),
        ),
        (
            "\n[service.desk.instant_messaging]\nmessaging_entry = \"wa\"\n",
            "below `[service.desk.instant_messaging]`".to_owned(),
        ),
        (
            "",
            "into an IM table (below a new `[service.desk.instant_messaging]`, or into `instant_messaging = { … }`)".to_owned(),
        ),
    ] {
        let h = helps_of_desk(&desk(im));
        let field: Vec<&(String, String)> = h.iter().filter(|(c, _)| c == "unknown-field").collect();
        assert_eq!(
            field[0].1,
            format!("`channels` belongs in the service's IM table: move it {place}"),
            "{im}"
        );
    }
    // A service written inline has no header to add.
    let h = helps_of_desk(
        "service.desk = { ou = \"contoso\", license = \"contact_center\", channels = [\"whatsapp\"] }\n",
    );
    assert_eq!(
        h[0].1,
        "`channels` belongs in the service's IM table: move it into an IM table (`instant_messaging = { … }` in the service's table)"
    );
}

#[test]
fn of_two_entries_on_one_twilio_service_the_one_applied_keeps_it() {
    let twilio = format!(
        "{TWILIO}\n[messaging_entry.a-old]\nou = \"contoso\"\nconnector = \"tw\"\nservice_sid = \"IS12345678900000000000000000ABCDEF\"\n"
    );
    let desk = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ninstant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }\n";
    let doc = json(&check(
        &[
            ("org.toml", ORG),
            ("twilio.toml", &twilio),
            ("desk.toml", desk),
        ],
        "json",
    ));
    let d: Vec<(&str, &str)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    // `a-old` sorts first, but `wa` is the one in use: `a-old` is reported (and unused).
    assert!(
        d.contains(&(
            "duplicate-service-sid",
            "messaging entry `a-old` names the same Twilio service as `wa`"
        )),
        "{d:?}"
    );
    assert_eq!(
        d.iter()
            .filter(|(c, _)| *c == "duplicate-service-sid")
            .count(),
        1
    );
}

#[test]
fn an_empty_string_is_called_empty() {
    let desk =
        "[service.desk]\nou = \"\"\nlicense = \"\"\ninstant_messaging = { channels = [\"\"] }\n";
    let got = short(&[("org.toml", ORG), ("desk.toml", desk)]);
    assert_eq!(
        got,
        "desk.toml:2:6: error[unknown-reference]: `ou` is empty: it must name an OU\n\
         desk.toml:3:11: error[invalid-value]: empty licence: the string names none\n\
         desk.toml:4:35: error[invalid-value]: empty channel: the string names none\n\
         3 errors, 0 warnings in 3 files\n"
    );
}

#[test]
fn both_twilio_channels_are_marked_and_the_region_help_names_an_entry_in_us1() {
    let eu = TWILIO
        .replace("region = \"us1\"", "region = \"ie1\"")
        .replace("[connector.tw]", "[connector.tw-eu]")
        .replace("connector = \"tw\"", "connector = \"tw-eu\"")
        .replace("[messaging_entry.wa]", "[messaging_entry.wa-eu]")
        + "\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\nregion = \"us1\"\napi_key_sid = \"SK0123456789abcdef0123456789abcde0\"\napi_key_secret = { env = \"TW\" }\n\n[messaging_entry.wa]\nou = \"contoso\"\nconnector = \"tw\"\nservice_sid = \"IS12345678900000000000000000AbCdE0\"\n";
    let desk = "[service.desk]\nou = \"contoso\"\nlicense = \"advanced_routing\"\ninstant_messaging = { messaging_entry = \"wa-eu\", channels = [\"whatsapp\", \"sms\"] }\n";
    let doc = json(&check(
        &[("org.toml", ORG), ("twilio.toml", &eu), ("desk.toml", desk)],
        "json",
    ));
    let diags = doc["diagnostics"].as_array().unwrap();
    let region = diags
        .iter()
        .find(|d| d["code"] == "channel-region")
        .unwrap();
    assert_eq!(
        region["message"],
        "WhatsApp and SMS on service `desk` go through connector `tw-eu` in region `ie1`"
    );
    assert_eq!(
        region["help"],
        "Twilio offers the WhatsApp and SMS channels of Conversations only in `us1`: apply `wa` (connector `tw`, region `us1`)"
    );
    let license = diags
        .iter()
        .find(|d| d["code"] == "channel-license")
        .unwrap();
    let marked: Vec<(u64, &str)> =
        std::iter::once((license["column"].as_u64().unwrap(), "primary"))
            .chain(license["labels"].as_array().unwrap().iter().map(|l| {
                (
                    l["column"].as_u64().unwrap(),
                    l["message"].as_str().unwrap(),
                )
            }))
            .collect();
    assert_eq!(
        marked,
        [
            (62, "primary"),
            (11, "licence is `advanced_routing`"),
            (74, "needs `contact_center` too")
        ]
    );
}

#[test]
fn wrong_type_examples_use_the_ids_written_or_a_placeholder_never_a_made_up_id() {
    let h = helps(&[
        ("org.toml", ORG),
        (
            "s.toml",
            "[service.l1]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"l2\", 2]\n\n[service.l2]\nou = 7\nlicense = \"contact_center\"\n",
        ),
    ]);
    let texts: Vec<&str> = h.iter().map(|(_, h)| h.as_str()).collect();
    assert_eq!(
        texts,
        [
            "write it like this: `transfers = [\"l2\"]`",
            "write it like this: `ou = \"<OU id>\"`"
        ]
    );
    let h = helps(&[
        ("org.toml", ORG),
        ("s.toml", "[[service]]\nid = \"desk\"\nou = \"contoso\"\n"),
    ]);
    assert_eq!(h[0].1, "write it like this: `[service.desk]`");
}

#[test]
fn syntax_errors_show_the_first_definition_and_the_quotes_a_bare_value_needs() {
    let doc = json(&check(
        &[("a.toml", "[ou.contoso]\nname = \"x\"\n\n[ou.contoso]\n")],
        "json",
    ));
    let d = &doc["diagnostics"][0];
    assert_eq!(
        d["message"],
        "invalid TOML: `[ou.contoso]` is written twice in this file"
    );
    assert_eq!(
        (d["line"].as_u64(), d["labels"][0]["line"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(d["labels"][0]["message"], "first defined here");
    let doc = json(&check(
        &[("a.toml", "[ou.contoso]\nname = Contoso Ltd\n")],
        "sarif",
    ));
    let r = &doc["runs"][0]["results"][0];
    assert!(
        r["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("help: text values are written in quotes: `name = \"Contoso Ltd\"`"),
        "{r}"
    );
    let replacement = &r["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "\"Contoso Ltd\"");
    assert_eq!(
        (
            replacement["deletedRegion"]["startColumn"].as_u64(),
            replacement["deletedRegion"]["endColumn"].as_u64()
        ),
        (Some(8), Some(19))
    );
    // A value that may be a credential is neither echoed nor rewritten.
    let secret = "Ab3dEfGh1jKlMn0pQrStUvWxYz012399";
    let r = check(
        &[(
            "a.toml",
            &format!("[connector.tw]\nou = \"x\"\napi_key_secret = {secret} 2\n"),
        )],
        "sarif",
    );
    assert!(!r.stdout.contains(secret), "{}", r.stdout);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(doc["runs"][0]["results"][0].get("fixes").is_none());
    let h = helps(&[("a.toml", "[ou.contoso]\nname = \"x\", parent = \"y\"\n")]);
    assert!(
        h[0].1.starts_with("TOML takes one `key = value` a line"),
        "{h:?}"
    );
}

#[test]
fn a_connector_type_in_the_wrong_case_is_told_its_spelling_and_mended() {
    let twilio = TWILIO.replace("type = \"twilio\"", "type = \"Twilio\"");
    let doc = json(&check(
        &[("org.toml", ORG), ("twilio.toml", &twilio)],
        "sarif",
    ));
    let r = &doc["runs"][0]["results"][0];
    assert!(
        r["message"]["text"].as_str().unwrap().starts_with(
            "connector type `Twilio` is written `twilio`\nhelp: did you mean `twilio`?"
        ),
        "{r}"
    );
    assert_eq!(
        r["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "\"twilio\""
    );
}

#[test]
fn a_key_rename_is_never_offered_twice_nor_onto_a_key_the_table_has() {
    // Two spellings of `license`: both are told it, neither is renamed (which one is meant is
    // not sure, and both renamed would be a duplicate key).
    let desk = "[service.desk]\nou = \"contoso\"\nlicence = \"contact_center\"\nlisence = \"contact_center\"\n";
    let doc = json(&check(&[("org.toml", ORG), ("desk.toml", desk)], "sarif"));
    let fixes: Vec<&serde_json::Value> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.get("fixes"))
        .collect();
    assert_eq!(fixes.len(), 0, "{doc}");
    // A [lints] code written twice, once misspelled: no rename onto the one set.
    let ws = workspace(&[
        (
            "nimbus.toml",
            "[lints]\nunused-connector = \"allow\"\nunused_connector = \"allow\"\n",
        ),
        ("org.toml", ORG),
    ]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(r.stderr, "", "nothing is fixed");
    assert!(
        r.stdout.contains("unknown rule code `unused_connector`"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_key_guessed_from_its_value_is_offered_never_renamed() {
    // `plan` holds a licence's spelling, `licence` is the misspelling: only `licence` is
    // renamed, and `plan` is left for the reader.
    let desk = "[service.desk]\nou = \"contoso\"\nplan = \"contact_center\"\nlicence = \"advanced_routing\"\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("desk.toml", desk)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(
        r.stderr,
        "desk.toml:4:1: fixed[unknown-field]: Rename to `license`\nfixed 1 problem in 1 file\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("desk.toml")).unwrap(),
        desk.replace("licence", "license")
    );
    assert!(r.stdout.contains("unknown key `plan`"), "{}", r.stdout);
}

#[test]
fn a_key_shaped_like_a_credential_is_a_secret_not_an_unknown_key_shown_in_full() {
    let secret = "Ab3dEfGh1jKlMn0pQrStUvWxYz012399";
    let org = format!("[ou.contoso]\n{secret} = \"x\"\n");
    for format in ["short", "json", "sarif", "human", "github"] {
        let r = check(&[("org.toml", &org)], format);
        assert!(!r.stdout.contains(secret), "{format}: {}", r.stdout);
        // The finding itself, not the list of rules a SARIF log carries in any case.
        let reported = match format {
            "short" => r
                .stdout
                .contains("org.toml:2:1: error[secret-in-config]"),
            "json" => json(&r)["diagnostics"][0]["code"] == "secret-in-config",
            "sarif" => json(&r)["runs"][0]["results"][0]["ruleId"] == "secret-in-config",
            "github" => r
                .stdout
                .contains("::error file=org.toml,line=2,col=1,endLine=2,endColumn=33,title=secret-in-config::"),
            _ => r.stdout.starts_with("secret-in-config\n"),
        };
        assert!(reported, "{format}: {}", r.stdout);
    }
    // An entity's id of that shape is an id, as the contract says.
    let hex = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        short(&[("org.toml", &format!("[ou.{hex}]\n"))]),
        "0 errors, 0 warnings in 2 files\n"
    );
}

#[test]
fn a_credential_as_a_top_level_key_a_header_or_a_rule_code_is_a_secret_in_every_output() {
    let secret = |n: u8| format!("Ab3dEfGh1jKlMn0pQrStUvWxYz01239{n}");
    let org = format!(
        "# nimbus-lint: allow({})\n[ou.a]\n{} = 1\n[{}]\n",
        secret(1),
        secret(2),
        secret(3)
    );
    let ws = workspace(&[
        ("nimbus.toml", &format!("{} = 1\n", secret(4))),
        ("org.toml", &org),
    ]);
    for format in ["short", "json", "sarif", "human", "github"] {
        for extra in [&[][..], &["-A", "secret-in-config"]] {
            let mut args = vec!["check", "--format", format];
            args.extend_from_slice(extra);
            let r = run(ws.path(), &args);
            for n in 1..=4 {
                assert!(
                    !r.stdout.contains(&secret(n)),
                    "{format} {extra:?}: {}",
                    r.stdout
                );
            }
        }
    }
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "nimbus.toml:1:1: error[secret-in-config]: string shaped like a Twilio API key secret: `Ab3d…` (32 characters)\n\
         org.toml:1:22: error[secret-in-config]: string shaped like a Twilio API key secret: `Ab3d…` (32 characters)\n\
         org.toml:3:1: error[secret-in-config]: string shaped like a Twilio API key secret: `Ab3d…` (32 characters)\n\
         org.toml:4:2: error[secret-in-config]: string shaped like a Twilio API key secret: `Ab3d…` (32 characters)\n\
         4 errors, 0 warnings in 2 files\n"
    );
}

#[test]
fn a_bare_value_of_a_secret_s_table_or_dotted_key_is_neither_echoed_nor_quoted_by_a_fix() {
    let connector = "[ou.a]\n[connector.c]\nou = \"a\"\ntype = \"twilio\"\n";
    for (tail, key) in [
        (
            "api_key_secret.value = hunter2-hunter2-xyz\n",
            "api_key_secret.value",
        ),
        (
            "[connector.c.api_key_secret]\nvalue = hunter2-hunter2-xyz\n",
            "value",
        ),
    ] {
        let text = format!("{connector}{tail}");
        let doc = json(&check(&[("a.toml", &text)], "sarif"));
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "syntax");
        assert!(
            result["message"]["text"]
                .as_str()
                .unwrap()
                .ends_with(&format!(
                    "help: text values are written in quotes: `{key} = \"…\"`"
                )),
            "{result}"
        );
        assert!(result.get("fixes").is_none(), "{result}");
        for format in ["json", "github", "short"] {
            let r = check(&[("a.toml", &text)], format);
            assert!(!r.stdout.contains("hunter2"), "{format}: {}", r.stdout);
        }
    }
}

#[test]
fn a_hash_right_after_a_bare_word_is_part_of_the_value_and_no_fix_cuts_it_into_a_comment() {
    let found = |text: &str| {
        let doc = json(&check(&[("a.toml", text)], "sarif"));
        let result = &doc["runs"][0]["results"][0];
        let help = result["message"]["text"]
            .as_str()
            .unwrap()
            .split("help: ")
            .nth(1);
        (
            help.unwrap_or_default().to_owned(),
            result.get("fixes").is_some(),
        )
    };
    assert_eq!(
        found("[ou.a]\nname = Team#1\n"),
        (
            "text values are written in quotes: `name = \"Team#1\"`".to_owned(),
            false
        )
    );
    assert_eq!(
        found("[ou.a]\nname = C# Team\n"),
        (
            "text values are written in quotes: `name = \"C# Team\"`".to_owned(),
            false
        )
    );
    // After a space, a `#` starts a comment, which the fix keeps.
    assert_eq!(
        found("[ou.a]\nname = Sales Team # main desk\n"),
        (
            "text values are written in quotes: `name = \"Sales Team\"`".to_owned(),
            true
        )
    );
    assert_eq!(
        found("[ou.a]\nname = Sales#1 # main desk\n"),
        (
            "text values are written in quotes: `name = \"Sales#1\"`".to_owned(),
            false
        )
    );
    // A credential after the `#` is never shown.
    let secret = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        found(&format!("[ou.a]\nname = x#{secret}\n")),
        (
            "text values are written in quotes: `name = \"…\"`".to_owned(),
            false
        )
    );
    for format in ["json", "github", "short"] {
        let r = check(
            &[("a.toml", &format!("[ou.a]\nname = x#{secret}\n"))],
            format,
        );
        assert!(!r.stdout.contains(secret), "{format}: {}", r.stdout);
    }
}

#[test]
fn a_misspelled_key_written_in_several_places_is_offered_not_renamed_in_one_of_them() {
    // Renamed in its first place only, the table would split: `channels` left behind.
    let service =
        |im: &str| format!("[ou.a]\n[service.x]\nou = \"a\"\nlicense = \"contact_center\"\n{im}");
    let fixed = |im: &str| {
        let doc = json(&check(&[("a.toml", &service(im))], "sarif"));
        let results = doc["runs"][0]["results"].as_array().unwrap().clone();
        assert_eq!(results.len(), 1, "{results:?}");
        assert!(
            results[0]["message"]["text"]
                .as_str()
                .unwrap()
                .ends_with("help: did you mean `instant_messaging`?")
        );
        results[0].get("fixes").is_some()
    };
    for twice in [
        "instant_mesaging.messaging_entry = \"e\"\ninstant_mesaging.channels = [\"interact\"]\n",
        "instant_mesaging . messaging_entry = \"e\"\n\"instant_mesaging\".channels = [\"interact\"]\n",
        "[service.x.instant_mesaging]\nchannels = [\"interact\"]\n[service.x.instant_mesaging.extra]\n",
        "[[service.x.instant_mesaging]]\n[[service.x.instant_mesaging]]\n",
    ] {
        assert!(!fixed(twice), "{twice}");
    }
    for once in [
        "instant_mesaging.channels = [\"interact\"]\n",
        "[service.x.instant_mesaging]\nchannels = [\"interact\"]\n",
        "instant_mesaging = { channels = [\"interact\"], x.y = 1 }\n",
    ] {
        assert!(fixed(once), "{once}");
    }
}

#[test]
fn a_fix_that_would_name_an_item_twice_in_its_list_is_offered_not_made() {
    let text = "[ou.r]\n# nimbus-lint: allow(self-transfer, self-transfr, im-no-agent)\n\
                [service.a]\nou = \"r\"\nlicense = \"contact_center\"\n\
                transfers = [\"a\", \"sälës-team\", \"sales-team\", \"othr\"]\n\
                instant_messaging = { channels = [\"interact\", \"Interact\", \"whatsap\"] }\n\
                [service.sales-team]\nou = \"r\"\nlicense = \"contact_center\"\n\
                [service.other]\nou = \"r\"\nlicense = \"contact_center\"\n";
    let doc = json(&check(&[("a.toml", text)], "sarif"));
    let found: Vec<(String, bool)> = (doc["runs"][0]["results"].as_array().unwrap().iter())
        .map(|r| {
            let text = r["message"]["text"].as_str().unwrap();
            (
                text.lines().next().unwrap().to_owned(),
                r.get("fixes").is_some(),
            )
        })
        .collect();
    let line = |s: &str, fixed: bool| (s.to_owned(), fixed);
    assert_eq!(
        found,
        [
            line("unknown rule code `self-transfr`", false),
            line("unknown rule code `im-no-agent`", true),
            line("`transfers` names an unknown service `sälës-team`", false),
            line("`transfers` names an unknown service `othr`", true),
            line("unknown channel `Interact`", false),
            line("unknown channel `whatsap`", true),
        ]
    );
}

#[test]
fn the_first_definition_is_read_outside_values_and_harmless_keys_get_their_quotes() {
    let label_line = |text: &str| {
        let doc = json(&check(&[("a.toml", text)], "json"));
        doc["diagnostics"][0]["labels"][0]["line"].as_u64()
    };
    // A key of the same name inside an inline table spread over lines is not the first.
    assert_eq!(
        label_line("[t]\na = 1\nx = {\n  a = 2\n}\na = 3\n"),
        Some(2)
    );
    // A `#` inside a quoted header is no comment.
    assert_eq!(label_line("[ou.\"a#c\"]\n[ou.\"a#c\"]\n"), Some(1));
    // A dotted key is not read as a plain one.
    assert_eq!(label_line("foo.bar = 1\nbar = 2\nfoo.bar = 3\n"), None);
    // `api_key_sid` is no secret's key: its bare value gets its quotes.
    let doc = json(&check(
        &[("a.toml", "[connector.tw]\napi_key_sid = SK12345\n")],
        "sarif",
    ));
    let fix = &doc["runs"][0]["results"][0]["fixes"][0];
    assert_eq!(
        fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "\"SK12345\""
    );
}

#[test]
fn a_service_reached_only_through_one_without_im_is_told_to_give_that_one_im() {
    let services = r#"[service.desk]
ou = "contoso"
license = "contact_center"
transfers = ["router"]
instant_messaging = { messaging_entry = "wa", channels = ["whatsapp"] }

[service.router]
ou = "contoso"
license = "contact_center"
transfers = ["team"]

[service.team]
ou = "contoso"
license = "contact_center"
instant_messaging = {}
"#;
    let h = helps(&[
        ("org.toml", ORG),
        ("twilio.toml", TWILIO),
        ("s.toml", services),
    ]);
    let unreachable = h.iter().find(|(c, _)| c == "im-unreachable").unwrap();
    assert!(
        unreachable.1.starts_with(
            "give `router` an IM table (`[service.router.instant_messaging]`) so that conversations pass through it, or transfer to `team`"
        ),
        "{h:?}"
    );
}

#[test]
fn a_misspelled_kind_is_called_an_unknown_kind_of_entity() {
    let h = check(
        &[("a.toml", "[services.desk]\nou = \"contoso\"\n")],
        "short",
    );
    assert_eq!(
        h.stdout,
        "a.toml:1:2: error[unknown-field]: unknown entity kind `services`\n\
         1 error, 0 warnings in 2 files\n"
    );
    assert_eq!(
        helps(&[("a.toml", "[services.desk]\nou = \"contoso\"\n")])[0].1,
        "did you mean `service`?"
    );
}

#[test]
fn every_missing_field_help_names_what_to_write() {
    let org = "[ou.contoso]\n[ou.emea]\nparent = \"contoso\"\n[ou.sales]\nparent = \"emea\"\n\
               [ou.apac]\nparent = \"contoso\"\n";
    let connectors = "[connector.tw-a]\nou = \"emea\"\ntype = \"twilio\"\n\
                      api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
                      [connector.tw-b]\nou = \"emea\"\ntype = \"twilio\"\n\
                      api_key_sid = \"SK0123456789abcdef0123456789abcdee\"\n\
                      [connector.tw-c]\ntype = \"twilio\"\n\
                      [connector.tw-d]\nou = \"apac\"\n\
                      api_key_sid = \"SK0123456789abcdef0123456789abcded\"\n";
    let entries = "[messaging_entry.torn]\nou = \"sales\"\n\
                   service_sid = \"IS12345678900000000000000000AbCdEf\"\n\
                   [messaging_entry.alone]\nou = \"contoso\"\n\
                   service_sid = \"IS12345678900000000000000000AbCdE1\"\n\
                   [messaging_entry.clear]\nou = \"apac\"\n\
                   [service.desk]\nou = \"sales\"\n\
                   instant_messaging = { messaging_entry = \"torn\", channels = [\"whatsapp\"] }\n\
                   [service.help]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                   instant_messaging = { messaging_entry = \"alone\", channels = [\"sms\"] }\n\
                   [service.far]\nou = \"apac\"\nlicense = \"contact_center\"\n\
                   instant_messaging = { messaging_entry = \"clear\", channels = [\"sms\"] }\n";
    let got: Vec<(String, String)> = helps(&[
        ("org.toml", org),
        ("connectors.toml", connectors),
        ("entries.toml", entries),
    ])
    .into_iter()
    .filter(|(code, _)| code == "missing-field")
    .collect();
    let want = [
        "add `ou = \"contoso\"` (or the id of the OU below it that it belongs to)",
        "add `api_key_sid = \"SK…\"`: the SID of a Twilio API key, SK + 32 hex digits",
        "add `type = \"twilio\"`",
        "add `connector = …` naming `tw-a` or `tw-b`: the connectors of `emea`, the nearest OU \
         at or above its own that holds any",
        "add `connector = \"…\"` naming a connector, after adding one: none is in `contoso` or \
         an OU above it, where it would see one",
        "add `connector = \"tw-d\"` (the connector of its OU or the nearest above it)",
        "add `service_sid = \"IS…\"`: the Conversations Service SID, IS + 32 hex digits",
        "add `license = \"contact_center\"` (or `advanced_routing`, `enterprise_routing`)",
    ];
    let mut got: Vec<&str> = got.iter().map(|(_, h)| h.as_str()).collect();
    got.sort_unstable();
    let mut want = want.to_vec();
    want.sort_unstable();
    assert_eq!(got, want);
}

#[test]
fn an_unseen_connector_is_moved_up_to_the_lowest_ou_above_both_however_deep() {
    // contoso → x → a1 … a9 and x → b1 … b4; y beside x.
    let mut org =
        String::from("[ou.contoso]\n[ou.x]\nparent = \"contoso\"\n[ou.y]\nparent = \"contoso\"\n");
    for i in 1..10 {
        let up = if i == 1 {
            "x".to_owned()
        } else {
            format!("a{}", i - 1)
        };
        org.push_str(&format!("[ou.a{i}]\nparent = \"{up}\"\n"));
    }
    for i in 1..5 {
        let up = if i == 1 {
            "x".to_owned()
        } else {
            format!("b{}", i - 1)
        };
        org.push_str(&format!("[ou.b{i}]\nparent = \"{up}\"\n"));
    }
    let twilio = |id: &str, ou: &str| {
        format!(
            "[connector.{id}]\nou = \"{ou}\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n"
        )
    };
    let entry = |id: &str, ou: &str, connector: &str| {
        format!(
            "[messaging_entry.{id}]\nou = \"{ou}\"\nconnector = \"{connector}\"\n\
             service_sid = \"IS0123456789abcdef0123456789abcde{}\"\n\
             [service.s-{id}]\nou = \"{ou}\"\nlicense = \"contact_center\"\n\
             instant_messaging = {{ messaging_entry = \"{id}\", channels = [\"sms\"] }}\n",
            id.len() % 10
        )
    };
    let files = [
        ("org.toml", org),
        ("tw.toml", twilio("deep-b", "b4") + &twilio("in-y", "y")),
        (
            "entries.toml",
            entry("from-a9", "a9", "deep-b") + &entry("from-b", "b2", "in-y"),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let moves: Vec<String> = helps(&files)
        .into_iter()
        .filter(|(code, _)| code == "reference-not-visible")
        .map(|(_, help)| help)
        .collect();
    assert_eq!(moves.len(), 2, "{moves:?}");
    assert!(
        moves[0].contains("move connector `deep-b` up to `x` (above both)"),
        "{moves:?}"
    );
    assert!(
        moves[1].contains("move connector `in-y` up to `contoso` (above both)"),
        "{moves:?}"
    );
}

#[test]
fn a_secret_as_a_bare_key_or_in_triple_quotes_shows_four_characters_and_its_quotes() {
    let org = "[ou.contoso]\n0123456789abcdef0123456789abcdef = \"x\"\n\
               note = \"\"\"0123456789abcdef0123456789abcdee\"\"\"\n";
    let out = check(&[("org.toml", org)], "human").stdout;
    let shown: std::collections::BTreeSet<&str> =
        out.lines().filter(|l| l.contains("**")).collect();
    assert_eq!(
        shown.into_iter().collect::<Vec<_>>(),
        [
            " 2 │ 0123**************************** = \"x\"",
            " 3 │ note = \"\"\"0123****************************\"\"\"",
        ],
        "{out}"
    );
}

#[test]
fn an_entry_and_its_service_both_without_ou_are_told_the_same_ou() {
    let files = [
        (
            "org.toml",
            "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n",
        ),
        (
            "twilio.toml",
            "[connector.tw]\nou = \"sales\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
             [messaging_entry.wa]\nconnector = \"tw\"\n\
             service_sid = \"IS0123456789abcdef0123456789abcdef\"\n",
        ),
        (
            "desk.toml",
            "[service.s]\nlicense = \"contact_center\"\n\
             instant_messaging = { messaging_entry = \"wa\", channels = [\"sms\"] }\n",
        ),
    ];
    let got: Vec<String> = helps(&files).into_iter().map(|(_, help)| help).collect();
    assert_eq!(
        got,
        [
            "add `ou = \"sales\"` (the OU of its messaging entry `wa`, or an OU below it)",
            "add `ou = \"sales\"` (the OU of its connector `tw`, or an OU below it)",
        ]
    );
}

#[test]
fn a_key_written_in_the_wrong_table_is_told_where_it_belongs() {
    let cases: [(&str, &str, &str); 10] = [
        (
            "[connector.tw]\nservice_sid = \"x\"\n",
            "unknown key `service_sid` in connector `tw`",
            "`service_sid` belongs to a messaging entry: `[messaging_entry.ID]`",
        ),
        (
            "[connector.tw]\naccount_sid = \"x\"\n",
            "unknown key `account_sid` in connector `tw`",
            "connectors authenticate with an API key, never the account SID",
        ),
        (
            "[connector.tw]\nauth_token = \"x\"\n",
            "unknown key `auth_token` in connector `tw`",
            "credentials never belong in these files: set `api_key_secret = { env = \"NAME\" }`",
        ),
        (
            "[messaging_entry.wa]\napi_key_sid = \"x\"\n",
            "unknown key `api_key_sid` in messaging entry `wa`",
            "`api_key_sid` belongs to the connector: `[connector.ID]`",
        ),
        (
            "[messaging_entry.wa]\nregion = \"us1\"\n",
            "unknown key `region` in messaging entry `wa`",
            "`region` belongs to the connector: `[connector.ID]`",
        ),
        (
            "[messaging_entry.wa]\nchannels = [\"sms\"]\n",
            "unknown key `channels` in messaging entry `wa`",
            "`channels` belong to the services that apply the entry",
        ),
        (
            "[service.s]\nmessaging_entry = \"wa\"\n",
            "unknown key `messaging_entry` in service `s`",
            "`messaging_entry` belongs in the service's IM table: move it into an IM table",
        ),
        (
            "[service.s]\n[service.s.instant_messaging]\nlicense = \"contact_center\"\n",
            "unknown key `license` in `instant_messaging` of service `s`",
            "`license` belongs to the service, not its IM table: write it in `[service.s]`",
        ),
        (
            "[lints]\nself-transfer = \"allow\"\n",
            "unknown entity kind `lints`",
            "`[lints]` belongs in nimbus.toml at the workspace root",
        ),
        (
            "[workspace]\nmax_files = 10\n",
            "unknown entity kind `workspace`",
            "`[workspace]` belongs in nimbus.toml at the workspace root",
        ),
    ];
    for (text, message, help) in cases {
        let doc = json(&check(&[("org.toml", ORG), ("x.toml", text)], "json"));
        let d = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "unknown-field")
            .unwrap_or_else(|| panic!("no unknown-field for {text:?}: {doc}"));
        assert_eq!(d["message"], message, "{text:?}");
        let got = d["help"].as_str().unwrap();
        assert!(got.contains(help), "{text:?}: {got}");
    }
}

#[test]
fn an_entry_in_an_ou_loop_is_not_told_that_no_connector_is_in_sight() {
    let org = "[ou.a]\nparent = \"b\"\n[ou.b]\nparent = \"a\"\n\
               [connector.c1]\nou = \"a\"\ntype = \"twilio\"\n\
               api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
               [messaging_entry.e]\nou = \"a\"\nservice_sid = \"IS0123456789abcdef0123456789abcdef\"\n";
    let got: Vec<String> = helps(&[("org.toml", org)])
        .into_iter()
        .filter(|(code, _)| code == "missing-field")
        .map(|(_, help)| help)
        .collect();
    assert_eq!(got, ["add `connector = \"<connector id>\"`"]);
}

#[test]
fn a_sid_cut_short_into_the_shape_of_a_secret_is_a_bad_sid() {
    // `SK`/`IS` + 30 hex digits: 32 letters and digits mixing cases, shaped like a secret, but
    // the prefix and hex digits alone: a SID mistyped, not a credential.
    let twilio = TWILIO
        .replace(
            "SK0123456789abcdef0123456789abcdef",
            "SKc84c196a88b23683113f31d3701bd2",
        )
        .replace(
            "IS12345678900000000000000000AbCdEf",
            "IS0123456789abcdef0123456789abcd",
        );
    let files = [
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ];
    let out = short(&files);
    assert!(!out.contains("secret-in-config"), "{out}");
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 1);
    for line in [
        "twilio.toml:5:15: error[invalid-api-key-sid]: `api_key_sid` is not an API Key SID",
        "twilio.toml:11:15: error[invalid-service-sid]: `service_sid` is not a Conversations Service SID",
    ] {
        assert!(r.stdout.contains(line), "{line}\n{}", r.stdout);
    }
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
}

#[test]
fn a_secret_written_as_a_shell_variable_is_a_secret_never_moved_into_env() {
    let secret = "Abcdefghijklmnop0123456789ABCDEF";
    for (value, column, message) in [
        (
            format!("\"${secret}\""),
            18,
            "`api_key_secret` holds a literal secret `$Abc…` (33 characters)",
        ),
        (
            format!("{{ env = \"${{{secret}}}\" }}"),
            26,
            "string shaped like a Twilio API key secret: `${Ab…` (35 characters)",
        ),
    ] {
        let twilio = TWILIO.replace("{ env = \"TWILIO_API_KEY_SECRET\" }", &value);
        let files = [
            ("org.toml", ORG),
            ("twilio.toml", &twilio),
            ("desk.toml", DESK),
        ];
        let out = short(&files);
        assert_eq!(
            out,
            format!(
                "twilio.toml:6:{column}: error[secret-in-config]: {message}\n\
                 1 error, 0 warnings in 4 files\n"
            )
        );
        let mut all = vec![("nimbus.toml", "")];
        all.extend_from_slice(&files);
        let ws = workspace(&all);
        for format in ["human", "json", "sarif", "github"] {
            let r = run(ws.path(), &["check", "--format", format]);
            assert!(!r.stdout.contains(&secret[4..]), "{format}: {}", r.stdout);
        }
        let r = run(ws.path(), &["check", "--fix"]);
        assert_eq!(r.code, 1);
        let after = std::fs::read_to_string(ws.path().join("twilio.toml")).unwrap();
        assert_eq!(after, twilio);
    }
}

#[test]
fn a_connector_off_a_broken_ou_chain_is_not_visible_from_an_entry_whose_chain_is_whole() {
    // However the loop (or the unknown parent) is mended, `loop` cannot end up above `r`.
    let twilio = |parent: &str| {
        format!(
            "[ou.loop]\nparent = \"{parent}\"\n\n{}",
            TWILIO.replacen("ou = \"contoso\"", "ou = \"loop\"", 1)
        )
    };
    for (parent, cause) in [("loop", "ou-cycle"), ("zz", "unknown-reference")] {
        let found = helps_of_desk_with(&twilio(parent));
        let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, [cause, "reference-not-visible"], "{found:?}");
        assert_eq!(
            found[1].1,
            "a messaging entry can use what sits in its own OU `contoso` or above it; move \
             connector `tw` to `contoso`, the messaging entry's own OU, or use a connector \
             visible from `contoso`"
        );
    }
    // An entry whose own chain is broken: what it sees waits for the tree to be fixed (the
    // desk, whose chain is whole, cannot see the entry).
    let entry_in_loop = TWILIO.replace("ou = \"contoso\"\nconnector", "ou = \"loop\"\nconnector");
    let found = helps_of_desk_with(&format!("[ou.loop]\nparent = \"loop\"\n\n{entry_in_loop}"));
    let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["reference-not-visible", "ou-cycle"], "{found:?}");
    assert!(found[0].1.starts_with("a service can use"), "{found:?}");
}

#[test]
fn a_connector_below_the_entry_is_moved_up_to_the_entrys_own_ou_not_above_both() {
    let org = "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n[ou.sales-de]\nparent = \"sales\"\n";
    let twilio = TWILIO
        .replacen("ou = \"contoso\"", "ou = \"sales-de\"", 1)
        .replacen("ou = \"contoso\"", "ou = \"sales\"", 1);
    let desk = DESK.replace("contoso", "sales");
    let found = helps(&[
        ("org.toml", org),
        ("twilio.toml", &twilio),
        ("desk.toml", &desk),
    ]);
    let help = (found.iter())
        .find(|(c, _)| c == "reference-not-visible")
        .map(|(_, h)| h.as_str());
    assert_eq!(
        help,
        Some(
            "a messaging entry can use what sits in its own OU `sales` or above it; move \
             connector `tw` up to `sales`, the messaging entry's own OU, or use a connector \
             visible from `sales`"
        )
    );
}

/// [`helps`] of the shared OU file, `twilio` as `twilio.toml` and the shared desk.
fn helps_of_desk_with(twilio: &str) -> Vec<(String, String)> {
    helps(&[
        ("org.toml", ORG),
        ("twilio.toml", twilio),
        ("desk.toml", DESK),
    ])
}

#[test]
fn a_bot_whose_only_transfer_is_to_itself_has_no_agents_in_the_same_round() {
    let desk = "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
                transfers = [\"bot\"]\n[service.desk.instant_messaging]\nchannels = [\"interact\"]\n";
    let bot = |transfers: &str| {
        format!(
            "[service.bot]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             user_assignment = \"none\"\ntransfers = [{transfers}]\n\
             [service.bot.instant_messaging]\n"
        )
    };
    let out = short(&[
        ("org.toml", ORG),
        ("desk.toml", desk),
        ("bot.toml", &bot("\"bot\"")),
    ]);
    assert_eq!(
        out,
        "bot.toml:5:14: warning[self-transfer]: service `bot` transfers to itself\n\
         bot.toml:6:1: warning[im-no-agents]: service `bot` takes IM conversations but has no \
         agents and transfers only to itself\n\
         0 errors, 2 warnings in 4 files\n"
    );
    // Another target besides itself: someone can take the conversation.
    let out = short(&[
        ("org.toml", ORG),
        ("desk.toml", desk),
        ("bot.toml", &bot("\"bot\", \"desk\"")),
    ]);
    assert!(!out.contains("im-no-agents"), "{out}");
}

#[test]
fn an_entity_seen_only_through_a_sub_table_lacks_nothing_while_another_file_cannot_be_parsed() {
    let im = "[service.x.instant_messaging]\nchannels = [\"interact\"]\n";
    let broken = "[service.x]\nou = \"contoso\"\nlicense = \"contact_center\"\nname = \"X\n";
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", im), ("b.toml", broken)]),
        "b.toml:4:10: error[syntax]: invalid TOML: string not closed: `\"` missing at the end of the line\n\
         1 error, 0 warnings in 4 files\n"
    );
    // With every file read, nothing holds the rest of `x`: it lacks what it lacks.
    // That one diagnostic only: the service it does not define is not `im-unreachable` too.
    let out = short(&[("org.toml", ORG), ("a.toml", im)]);
    assert_eq!(
        out,
        "a.toml:1:1: error[missing-field]: service `x` has an IM table but no `[service.x]`\n\
         1 error, 0 warnings in 3 files\n"
    );
    let no_channel = "[service.zzz.instant_messaging]\n";
    assert_eq!(
        short(&[("org.toml", ORG), ("a.toml", no_channel)]),
        "a.toml:1:1: error[missing-field]: service `zzz` has an IM table but no `[service.zzz]`\n\
         1 error, 0 warnings in 3 files\n"
    );
}

#[test]
fn a_secret_continued_on_the_next_line_is_masked_line_by_line_in_snippets() {
    let twilio = TWILIO.replace(
        "api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }",
        "api_key_secret = \"\"\"Abcdefghijklmnop\\\n    0123456789ABCDEF\"\"\"\nregon = \"us1\"",
    );
    let files = [
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ];
    let out = check(&files, "human").stdout;
    assert!(!out.contains("0123456789ABCDEF"), "{out}");
    // The snippets keep the file's lines: `regon` is on line 8 in every format.
    assert!(out.contains("[twilio.toml:8:1]"), "{out}");
    assert!(out.contains(" 7 │ ********************\"\"\"\n"), "{out}");
    assert!(out.contains(" 8 │ regon = \"us1\"\n"), "{out}");
    assert!(short(&files).contains("twilio.toml:8:1: error[unknown-field]"));
}

#[test]
fn a_key_with_no_value_is_told_so_not_that_its_value_needs_quotes() {
    for (line, column) in [("ou =", 5), ("ou = # later", 6)] {
        let text = format!("[service.a]\n{line}\nlicense = \"contact_center\"\n");
        let doc = json(&check(&[("org.toml", ORG), ("s.toml", &text)], "json"));
        let d = &doc["diagnostics"][0];
        assert_eq!(d["message"], "invalid TOML: `ou` has no value");
        assert_eq!(
            d["help"],
            "write the value after `=`, e.g. `ou = \"…\"`, or remove the key"
        );
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(2), Some(column))
        );
    }
}

#[test]
fn a_credential_pasted_as_an_id_that_breaks_the_id_pattern_is_a_secret() {
    let secret = "Ybcdefghijklmnop0123456789ABCDEF";
    let desk = format!(
        "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"{secret}\"]\n\
         [service.{secret}]\nou = \"contoso\"\nlicense = \"contact_center\"\n"
    );
    let files = [("org.toml", ORG), ("desk.toml", &desk)];
    assert_eq!(
        short(&files),
        "desk.toml:4:14: error[secret-in-config]: string shaped like a Twilio API key secret: \
         `Ybcd…` (32 characters)\n\
         desk.toml:5:10: error[secret-in-config]: string shaped like a Twilio API key secret: \
         `Ybcd…` (32 characters)\n\
         2 errors, 0 warnings in 3 files\n"
    );
    for format in ["human", "json", "sarif", "github"] {
        let out = check(&files, format).stdout;
        assert!(!out.contains(&secret[4..]), "{format}: {out}");
    }
    // 32 lowercase hex digits match the id pattern: an id, as the contract says.
    let id = "0123456789abcdef0123456789abcdef";
    let desk = desk.replace(secret, id);
    assert!(!short(&[("org.toml", ORG), ("desk.toml", &desk)]).contains("secret-in-config"));
}

#[test]
fn an_empty_connector_type_is_called_empty() {
    let twilio = TWILIO.replace("type = \"twilio\"", "type = \"\"");
    let out = short(&[
        ("org.toml", ORG),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ]);
    assert_eq!(
        out,
        "twilio.toml:3:8: error[unsupported-connector]: connector `tw` has an empty `type`\n\
         1 error, 0 warnings in 4 files\n"
    );
}

#[test]
fn a_reference_of_the_wrong_type_is_shown_with_a_placeholder_not_an_id_that_may_not_exist() {
    let twilio = TWILIO.replace("connector = \"tw\"", "connector = 5");
    let found = helps_of_desk_with(&twilio);
    assert_eq!(
        found,
        [(
            "invalid-value".to_owned(),
            "write it like this: `connector = \"<connector id>\"`".to_owned()
        )]
    );
}

#[test]
fn a_table_header_after_a_dotted_key_that_made_it_points_at_that_key() {
    let doc = json(&check(
        &[(
            "a.toml",
            "ou.contoso.name = \"x\"\n\n[ou.contoso]\nparent = \"y\"\n",
        )],
        "json",
    ));
    let d = &doc["diagnostics"][0];
    assert_eq!(
        d["message"],
        "invalid TOML: `[ou.contoso]` is written twice in this file"
    );
    let label = &d["labels"][0];
    assert_eq!(label["message"], "first defined here");
    assert_eq!(
        (
            label["line"].as_u64(),
            label["column"].as_u64(),
            label["end_column"].as_u64()
        ),
        (Some(1), Some(1), Some(16))
    );
}

#[test]
fn a_bare_word_the_parser_takes_for_a_float_or_a_boolean_is_told_to_be_quoted_and_fixed() {
    // `none` starts like `nan`, `ie1` like `inf`, `twilio` like `true`.
    for (line, fixed) in [
        ("user_assignment = none", "user_assignment = \"none\""),
        ("type = twilio", "type = \"twilio\""),
        ("region = ie1", "region = \"ie1\""),
    ] {
        let text = format!("[ou.contoso]\n[connector.c]\n{line}\n");
        let doc = json(&check(&[("a.toml", &text)], "json"));
        let d = &doc["diagnostics"][0];
        assert_eq!(
            d["message"], "invalid TOML: string values must be quoted",
            "{line}"
        );
        assert_eq!(
            d["help"],
            format!("text values are written in quotes: `{fixed}`")
        );
        let (column, end) = (
            d["column"].as_u64().unwrap(),
            d["end_column"].as_u64().unwrap(),
        );
        assert_eq!(
            &line[column as usize - 1..end as usize - 1],
            line.rsplit(' ').next().unwrap()
        );
        let ws = workspace(&[("nimbus.toml", ""), ("a.toml", &text)]);
        run(ws.path(), &["check", "--fix", "-q"]);
        let after = std::fs::read_to_string(ws.path().join("a.toml")).unwrap();
        assert_eq!(after, text.replace(line, fixed));
    }
}

#[test]
fn an_entry_below_a_second_root_sees_nothing_wrong_until_that_root_is_placed() {
    // `root-ou` asks `emea` to hang below the tenant `contoso`: the entry in `emea` then sees
    // `tw`. One mistake, one diagnostic.
    let org = "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n[ou.emea]\n";
    let twilio = TWILIO.replacen("ou = \"contoso\"\nconnector", "ou = \"emea\"\nconnector", 1);
    let found = helps(&[
        ("org.toml", org),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ]);
    let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["reference-not-visible", "root-ou"], "{found:?}");
    // The desk (below the tenant) cannot see the entry in `emea` however `emea` is placed.
    assert!(found[0].1.starts_with("a service can use"), "{found:?}");
    // A connector below the tenant stays out of sight of `emea` once it hangs below the
    // tenant too: reported at once.
    let twilio = twilio.replacen("ou = \"contoso\"", "ou = \"sales\"", 1);
    let found = helps(&[
        ("org.toml", org),
        ("twilio.toml", &twilio),
        ("desk.toml", DESK),
    ]);
    let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        codes,
        ["reference-not-visible", "root-ou", "reference-not-visible"],
        "{found:?}"
    );
}

#[test]
fn many_roots_and_many_transfers_in_are_labelled_ten_at_most_with_a_count() {
    let roots: String = (0..30).map(|i| format!("[ou.r{i:02}]\n")).collect();
    let doc = json(&check(&[("org.toml", &roots)], "json"));
    let labels = doc["diagnostics"][0]["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 10, "{labels:?}");
    assert!(
        labels[9]["message"]
            .as_str()
            .unwrap()
            .ends_with("(and 19 more root OUs)"),
        "{labels:?}"
    );
    let mut services = String::from(
        "[service.t]\nou = \"contoso\"\nlicense = \"contact_center\"\n[service.t.instant_messaging]\n",
    );
    for i in (0..30).rev() {
        services.push_str(&format!(
            "[service.s{i:02}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"t\"]\n"
        ));
    }
    let doc = json(&check(&[("org.toml", ORG), ("s.toml", &services)], "json"));
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "im-unreachable");
    let labels = d["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 10, "{labels:?}");
    // The first ten by id, whatever order the file lists them in.
    assert!(
        labels[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`s00` transfers to `t`")
    );
    assert!(
        labels[9]["message"]
            .as_str()
            .unwrap()
            .ends_with("(and 20 more transfers)"),
        "{labels:?}"
    );
}

#[test]
fn an_entry_that_is_wrong_itself_is_never_the_advice() {
    // `wa` is in ie1; `other` is in us1 but its connector is no Twilio one, or its SID is bad:
    // `channel-region` names no entry rather than that one.
    let twilio = TWILIO.replace("region = \"us1\"", "region = \"ie1\"");
    for (connector_type, sid) in [
        ("vonage", "IS12345678900000000000000000AbCdEe"),
        ("twilio", "IS1234"),
    ] {
        let other = format!(
            "[connector.other]\nou = \"contoso\"\ntype = \"{connector_type}\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcdee\"\n\
             [messaging_entry.other]\nou = \"contoso\"\nconnector = \"other\"\nservice_sid = \"{sid}\"\n"
        );
        let found = helps(&[
            ("org.toml", ORG),
            ("twilio.toml", &twilio),
            ("other.toml", &other),
            ("desk.toml", DESK),
        ]);
        let help = (found.iter())
            .find(|(c, _)| c == "channel-region")
            .map(|(_, h)| h.as_str());
        assert_eq!(
            help,
            Some(
                "Twilio offers the WhatsApp and SMS channels of Conversations only in `us1`: \
                 apply an entry whose connector has `region = \"us1\"`"
            ),
            "{connector_type}: {found:?}"
        );
    }
}

#[test]
fn a_bare_credential_the_parser_takes_for_a_boolean_is_a_secret_never_shown() {
    for secret in [
        "f123456789abcdef0123456789abcdef",
        "nAbcdefghijklmnop0123456789ABCDE",
    ] {
        let text = format!("[ou.contoso]\nname = {secret}\n");
        let out = check(&[("a.toml", &text)], "human").stdout;
        assert!(!out.contains(&secret[4..]), "{out}");
        let out = short(&[("a.toml", &text)]);
        assert!(
            out.starts_with("a.toml:2:8: error[secret-in-config]: string shaped like a Twilio"),
            "{out}"
        );
    }
}

#[test]
fn the_diagnostic_stands_at_the_first_root_to_move_and_the_help_names_them_in_id_order() {
    // Second in file order, `t` holds the most: the diagnostic stands at `z`, first in file
    // order, which is to move; the help and the labels name the others in id order, whatever
    // their order in the file.
    let mut org =
        String::from("[ou.z]\n[ou.t]\n[ou.t1]\nparent = \"t\"\n[ou.t2]\nparent = \"t\"\n");
    for i in (0..12).rev() {
        org.push_str(&format!("[ou.r{i:02}]\n"));
    }
    let doc = json(&check(&[("org.toml", &org)], "json"));
    let d = &doc["diagnostics"][0];
    assert_eq!(d["line"].as_u64(), Some(1));
    assert_eq!(
        d["help"].as_str().unwrap(),
        "a workspace describes one tenant: give `r00`, `r01`, `r02` and 10 more root OUs a `parent` (e.g. `parent = \"t\"`)"
    );
    let labels: Vec<&str> = (d["labels"].as_array().unwrap().iter())
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels[0],
        "`t` is a root OU too: it holds the most, so it is taken for the tenant"
    );
    assert!(
        labels[1].starts_with("`r00` is a root OU too"),
        "{labels:?}"
    );
    assert!(
        labels[9].starts_with("`r08` is a root OU too"),
        "{labels:?}"
    );
    assert_eq!(labels.len(), 10, "{labels:?}");
}

#[test]
fn of_two_roots_that_hold_as_much_the_tenant_named_does_not_follow_file_order() {
    let a = "[ou.alpha]\n[ou.a1]\nparent = \"alpha\"\n";
    let b = "[ou.beta]\n[ou.b1]\nparent = \"beta\"\n";
    let help = |files: &[(&str, &str)]| {
        let found = helps(files);
        found
            .into_iter()
            .find(|(c, _)| c == "root-ou")
            .map(|(_, h)| h)
    };
    let one = help(&[("1.toml", a), ("2.toml", b)]);
    let other = help(&[("1.toml", b), ("2.toml", a)]);
    assert_eq!(one, other);
    assert_eq!(
        one.as_deref(),
        Some(
            "a workspace describes one tenant: give `beta` a `parent` (e.g. `parent = \"alpha\"`)"
        )
    );
}

#[test]
fn every_bare_credential_of_a_broken_file_is_a_secret_whatever_it_starts_with() {
    for text in [
        "[ou.contoso]\nname = 0123456789abcdef0123456789abcdef\n",
        "[ou.contoso]\nname = 7Abcdefghijklmnop0123456789ABCDE\n",
        "[ou.contoso]\nname = \"x\nsid = f123456789abcdef0123456789abcdef\n",
        "[ou.contoso]\nname = f123456789abcdef0123456789abcdee\nsid = 9Abcdefghijklmnop0123456789ABCDE\n",
        "[ou.contoso]\nx = [1, 0123456789abcdef0123456789abcded]\ny = \"\n",
    ] {
        let out = check(&[("a.toml", text)], "human").stdout;
        for word in text
            .split([' ', '\n', '[', ']', ','])
            .filter(|w| w.len() == 32)
        {
            assert!(!out.contains(&word[4..]), "{text}\n{out}");
        }
        let found = short(&[("a.toml", text)]);
        let words = text
            .split([' ', '\n', '[', ']', ','])
            .filter(|w| w.len() == 32)
            .count();
        assert_eq!(
            found.matches("error[secret-in-config]").count(),
            words,
            "{found}"
        );
    }
}

#[test]
fn fix_keeps_single_and_triple_quotes_when_the_new_text_needs_no_escape() {
    for (before, after) in [
        ("ou = 'contso'", "ou = 'contoso'"),
        ("ou = '''contso'''", "ou = '''contoso'''"),
        ("ou = \"\"\"contso\"\"\"", "ou = \"\"\"contoso\"\"\""),
    ] {
        let text = format!("[service.s]\n{before}\nlicense = \"contact_center\"\n");
        let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("s.toml", &text)]);
        run(ws.path(), &["check", "--fix", "-q"]);
        let fixed = std::fs::read_to_string(ws.path().join("s.toml")).unwrap();
        assert_eq!(fixed, text.replace(before, after));
    }
}

#[test]
fn a_word_shaped_like_a_credential_is_never_printed_whole_wherever_it_stands() {
    // Places no check records a secret in: a value the parse never reaches, a comment, a word
    // among others, a file that is not UTF-8; and a secret's id spelled in lower case.
    let secret = "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe";
    let connector = "[ou.contoso]\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
                     api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n";
    let cases: Vec<(String, String)> = vec![
        (
            "".into(),
            format!("{connector}api_key_secret = ${secret}\n"),
        ),
        (
            "".into(),
            format!(
                "{connector}api_key_secret = {{ env = \"X\" }}\napi_key_secret = \"{secret}\"\n"
            ),
        ),
        (
            "".into(),
            format!("{connector}region = \"us1\", api_key_secret = \"{secret}\"\n"),
        ),
        ("".into(), format!("{connector}token: {secret}\n")),
        (
            "".into(),
            format!("[ou.contoso]\n[service.{secret}\nou = \"contoso\"\n"),
        ),
        (
            "".into(),
            format!(
                "{connector}api_key_secret = {{ env = \"X\" }}\n# old: {secret}\nou2 = \"x\"\n"
            ),
        ),
        (
            "".into(),
            format!(
                "[ou.contoso]\n# nimbus-lint: allow(im-no-agents {secret})\n[ou.b]\nparent = \"contoso\"\n"
            ),
        ),
        (
            "[build]\n".to_owned() + &format!("output = \"../{secret}.json\"\n"),
            "[ou.contoso]\n".into(),
        ),
        (
            "[lints]\nsecret-in-config = \"warning\"\n".into(),
            format!(
                "[ou.contoso]\n[service.{secret}]\nou = \"contoso\"\nlicense = \"contact_center\"\n"
            ),
        ),
        (
            "".into(),
            format!(
                "{connector}api_key_secret = {{ env = \"X\" }}\nnote = \"Bearer {secret} \"\nou2 = 1\n"
            ),
        ),
    ];
    let tail = secret[4..].to_ascii_lowercase();
    for (settings, text) in &cases {
        let ws = workspace(&[("nimbus.toml", settings), ("a.toml", text)]);
        for format in ["human", "short", "json", "sarif", "github"] {
            let r = run(
                ws.path(),
                &["check", "--format", format, "--color", "never"],
            );
            assert_ne!(r.code, 2, "{}", r.stderr);
            assert!(
                !r.stdout.to_ascii_lowercase().contains(&tail),
                "{format} of\n{text}\n{}",
                r.stdout
            );
        }
    }
    // A file saved as Latin-1: its lines are shown around the first byte that is not UTF-8.
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", "[ou.contoso]\n")]);
    let mut bytes = b"[connector.tw]\nname = \"Z\xfcrich\"\n".to_vec();
    bytes.extend(format!("api_key_secret = \"{secret}\"\n").bytes());
    std::fs::write(ws.path().join("a.toml"), bytes).unwrap();
    let r = run(ws.path(), &["check", "--color", "never"]);
    assert!(
        r.stdout.contains("Zx9Y…") || r.stdout.contains("Zx9Y*"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains(&secret[4..]), "{}", r.stdout);
    // A file saved as UTF-16: a NUL after each letter, shown as `?`.
    let mut bytes = vec![0xff, 0xfe];
    for unit in format!("bar = \"{secret}\"\n").encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(ws.path().join("a.toml"), bytes).unwrap();
    let r = run(ws.path(), &["check", "--color", "never"]);
    assert!(r.stdout.contains("UTF-16"), "{}", r.stdout);
    let letters: String = (r.stdout.chars())
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    assert!(!letters.contains(&secret[4..]), "{}", r.stdout);
}

#[test]
fn a_literal_secret_is_reported_under_a_misspelled_key_and_in_a_file_that_does_not_parse() {
    let connector = "[ou.contoso]\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
                     api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n";
    for (tail, line) in [
        // Under a key meant for it, or on an entity that takes none.
        (
            "secret = \"p4ssw0rd-Tw1l10!\"\n",
            "a.toml:6:10: error[secret-in-config]: `secret` holds a literal secret `p4ss…` (16 characters)",
        ),
        (
            "api_key_secrett = \"p4ssw0rd-Tw1l10!\"\n",
            "a.toml:6:19: error[secret-in-config]: `api_key_secrett` holds a literal secret `p4ss…` (16 characters)",
        ),
        // In a file that does not parse: any shape, and a credential after any character.
        (
            "api_key_secret = \"p4ssw0rd-Tw1l10!\"\nregion = us1\n",
            "a.toml:6:18: error[secret-in-config]: `api_key_secret` holds a literal secret `p4ss…` (16 characters)",
        ),
        (
            "api_key_secret = $Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe\n",
            "a.toml:6:19: error[secret-in-config]: string shaped like a Twilio API key secret: `Zx9Y…` (32 characters)",
        ),
        (
            "[service.Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe\n",
            "a.toml:6:10: error[secret-in-config]: string shaped like a Twilio API key secret: `Zx9Y…` (32 characters)",
        ),
    ] {
        let out = short(&[("a.toml", &format!("{connector}{tail}"))]);
        assert!(out.lines().any(|l| l == line), "{tail}{out}");
        assert!(!out.contains("p4ssw0rd") && !out.contains("Zx9Yw"), "{out}");
    }
    // A variable's name under such a key is no secret.
    let out = short(&[(
        "a.toml",
        &format!("{connector}secret = \"TWILIO_SECRET\"\n"),
    )]);
    assert!(!out.contains("secret-in-config"), "{out}");
    // In a file that does not parse: a multi-line literal is one, whole; a variable's name,
    // the table form, and the lines inside a multi-line string are none.
    let broken = "region = us1\n";
    let text = format!("{connector}api_key_secret = \"\"\"\np4ssw0rd-Tw1l10!\"\"\"\n{broken}");
    let r = check(&[("a.toml", &text)], "human");
    assert!(
        r.stdout
            .contains("`api_key_secret` holds a literal secret `p4ss…` (16 characters)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("w0rd"), "{}", r.stdout);
    for tail in [
        "api_key_secret = { env = \"lower_case\" }\n",
        "api_key_secret = { env = \"\" }\n",
        "api_key_secret = \"$TWILIO_SECRET\"\n",
        "api_key_secret = \"TWILIO_SECRET\"\n",
        "name = \"\"\"\napi_key_secret = \"not one\"\n\"\"\"\n",
    ] {
        let out = short(&[("a.toml", &format!("{connector}{tail}{broken}"))]);
        assert!(!out.contains("secret-in-config"), "{tail}{out}");
    }
}

#[test]
fn words_that_only_contain_a_hash_and_ids_spelled_like_a_variable_are_not_masked() {
    // A 32-hex run inside an id or a name is a checksum or a build, not a token; an id that a
    // variable's name written as the secret spells in lower case is an id.
    let text = "[ou.contoso]\n\
                [connector.twilio-0123456789abcdef0123456789abcdef]\n\
                name = \"Twilio d41d8cd98f00b204e9800998ecf8427e\"\nou = \"contoso\"\ntype = \"twilio\"\n\
                api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
                api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }\n\
                [connector.twilio_prod]\nou = \"contoso\"\ntype = \"twilio\"\n\
                api_key_sid = \"SK0123456789abcdef0123456789abcdee\"\n\
                api_key_secret = \"TWILIO_PROD\"\n\
                [messaging_entry.wa]\nou = \"contoso\"\nconnector = \"twilio_prodd\"\n\
                service_sid = \"IS0123456789abcdef0123456789abcdef\"\n";
    let r = check(&[("a.toml", text)], "short");
    assert!(
        r.stdout
            .contains("connector `twilio-0123456789abcdef0123456789abcdef`"),
        "{}",
        r.stdout
    );
    let doc = json(&check(&[("a.toml", text)], "json"));
    let helps: Vec<&str> = (doc["diagnostics"].as_array().unwrap().iter())
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    assert!(helps.contains(&"did you mean `twilio_prod`?"), "{helps:?}");
}

#[test]
fn broken_files_with_escapes_and_strings_left_open_are_read_to_the_end() {
    let connector = "[ou.contoso]\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
                     api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n";
    let secret = "api_key_secret = \"my-prod-secret-value-123\"\n";
    for (before, broken) in [
        // An escape before a character of several bytes, a file that ends in one.
        (
            "note = \"\"\"path C:\\\u{dc}bersicht\"\"\"\n",
            "x = [1 2]\n",
        ),
        ("", "note = \"\"\"abc\\"),
        // A path ending in a backslash: its string ends with its line.
        ("note = \"see C:\\\n", ""),
        // A multi-line string never closed: the lines after it are read all the same.
        ("note = \"\"\"forgot to close\n", ""),
    ] {
        let text = format!("{connector}{before}{secret}{broken}");
        for format in ["human", "json"] {
            let r = check(&[("a.toml", &text)], format);
            assert_eq!(r.code, 1, "{text}\n{}{}", r.stdout, r.stderr);
            assert!(
                !r.stdout.contains("prod-secret"),
                "{format} of {text}\n{}",
                r.stdout
            );
        }
    }
    // A secret in capitals is masked in any case where it is no id: an invalid id's suggested
    // spelling in lower case is masked, an id in lower case that a variable's name spells is
    // shown.
    let text = "[ou.contoso]\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
                api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
                api_key_secret = \"HUNTER2-PROD-KEY-77\"\n\
                [connector.HUNTER2-PROD-KEY-77]\nou = \"contoso\"\ntype = \"twilio\"\n\
                api_key_sid = \"SK0123456789abcdef0123456789abcdee\"\n";
    let r = check(&[("a.toml", text)], "json");
    assert!(
        !r.stdout.to_ascii_lowercase().contains("hunter2-prod"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_literal_secret_is_masked_whatever_is_left_open_around_it() {
    let connector = "[ou.contoso]\n[connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
                     api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n";
    let pw = "pw(|my_)H>}|l2QlU0G4";
    for tail in [
        // A multi-line string never closed: a blank line, a line-ending backslash, a stray quote.
        format!("api_key_secret = \"\"\"\n\n{pw}\n"),
        format!("api_key_secret = \"\"\"\\\n{pw}\n"),
        format!("api_key_secret = \"\"\"{pw}\"\nx = [1 2]\n# was {pw}\n"),
        // The closing quote forgotten on the secret's line.
        format!("api_key_secret = \"{pw}\n"),
        format!("api_key_secret = '{pw}\n"),
        // A multi-line string above never closed, the key inside it as TOML reads it.
        format!(
            "description = \"\"\"Sales line\napi_key_secret = \"{pw}\"\nnotes = \"\"\"other\"\"\"\n"
        ),
        // A stray quote before the key.
        format!("'api_key_secret = \"{pw}\"\n"),
        // After a carriage return alone, which ends no line for the parser; a dotted key.
        format!("x = 1\rapi_key_secret = \"\"\"\n{pw}\"\"\"\n"),
        format!("x = 1\rapi_key_secret.value = '{pw}\n"),
    ] {
        let text = format!("{connector}{tail}");
        let r = check(&[("a.toml", &text)], "human");
        assert!(!r.stdout.contains("l2QlU0G4"), "{text}\n{}", r.stdout);
    }
}

#[test]
fn a_suppression_comment_with_letters_of_several_bytes_is_read_whether_the_file_parses_or_not() {
    for text in [
        "# nimbus-lint: allow(éx)\nx = [1 2]\n",
        "[ou.contoso]\n# nimbus-lint: allow(im-no-agents é)\n[ou.a]\nparent = \"contoso\"\n",
    ] {
        let r = check(&[("a.toml", text)], "short");
        assert!(
            r.code == 0 || r.code == 1,
            "{text}\n{}{}",
            r.stdout,
            r.stderr
        );
    }
}

#[test]
fn a_required_reference_written_as_a_synonym_gets_one_diagnostic_that_names_the_key() {
    let cases = [
        // The product's own word for the connector.
        (
            "[messaging_entry.m]\nou = \"contoso\"\nprovider = \"tw\"\n\
             service_sid = \"IS12345678900000000000000000AbCd01\"\n",
            "did you mean `connector`?",
        ),
        (
            "[service.s]\ntenant = \"contoso\"\nlicense = \"contact_center\"\n",
            "did you mean `ou`?",
        ),
        (
            "[service.s]\norganisation_unit = \"contoso\"\nlicense = \"contact_center\"\n",
            "did you mean `ou`?",
        ),
        (
            "[messaging_entry.m]\nowner = \"contoso\"\nconnector = \"tw\"\n\
             service_sid = \"IS12345678900000000000000000AbCd01\"\n",
            "did you mean `ou`?",
        ),
        (
            "[service.s]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             [service.s.instant_messaging]\nchannels = [\"sms\"]\nim_entry = \"wa\"\n",
            "did you mean `messaging_entry`?",
        ),
    ];
    for (text, help) in cases {
        let got = helps(&[("org.toml", ORG), ("tw.toml", TWILIO), ("x.toml", text)]);
        let got: Vec<_> = got
            .into_iter()
            .filter(|(code, _)| !code.starts_with("unused"))
            .collect();
        assert_eq!(
            got,
            [("unknown-field".to_owned(), help.to_owned())],
            "{text}"
        );
    }
}

#[test]
fn a_synonym_that_may_mean_something_else_is_offered_never_renamed() {
    let service = |key: &str, value: &str| {
        format!("[service.s]\n{key} = \"{value}\"\nlicense = \"contact_center\"\n")
    };
    for (key, value, renamed) in [
        // An e-mail address, not an OU: a rename would trade one error for another.
        ("owner", "jane.doe@contoso.com", false),
        ("tenant", "contoso", false),
        ("org", "contoso", false),
        // Spellings of the key itself: renamed.
        ("org_unit", "contoso", true),
        ("organisation_unit", "contoso", true),
    ] {
        let text = service(key, value);
        let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("x.toml", &text)]);
        let r = run(ws.path(), &["check", "--format", "json"]);
        let help = &json(&r)["diagnostics"][0]["help"];
        assert_eq!(help, "did you mean `ou`?", "{key}");
        run(ws.path(), &["check", "--fix"]);
        let after = std::fs::read_to_string(ws.path().join("x.toml")).unwrap();
        let expected = if renamed { service("ou", value) } else { text };
        assert_eq!(after, expected, "{key}");
    }
    // At the top level of a file, `ou` is a kind, not a key: no synonym of it there.
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("x.toml", "tenant = \"contoso\"\n"),
    ]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let help = json(&r)["diagnostics"][0]["help"].to_string();
    assert!(!help.contains("did you mean"), "{help}");
}

#[test]
fn an_ous_parent_written_as_a_synonym_gets_one_diagnostic_that_names_parent() {
    let got = helps(&[
        ("org.toml", ORG),
        ("x.toml", "[ou.sales]\ntenant = \"contoso\"\n"),
    ]);
    assert_eq!(
        got,
        [(
            "unknown-field".to_owned(),
            "did you mean `parent`?".to_owned()
        )]
    );
}

#[test]
fn of_two_roots_the_one_whose_connector_the_other_uses_is_the_tenant() {
    // `sales` forgot its `parent`: it holds more, but its entry uses `contoso`'s connector,
    // which is in sight once `sales` hangs below `contoso`. One mistake, one diagnostic, whose
    // help mends both.
    let org = "[ou.contoso]\nname = \"Contoso\"\n\n[ou.sales]\nname = \"Sales\"\n";
    let twilio = TWILIO.replace("ou = \"contoso\"\nconnector", "ou = \"sales\"\nconnector");
    let desk = "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n\
                instant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }\n";
    let files = [
        ("org.toml", org),
        ("twilio.toml", &twilio),
        ("desk.toml", desk),
    ];
    let doc = json(&check(&files, "json"));
    let d = doc["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        d[0]["help"],
        "a workspace describes one tenant: give `sales` a `parent` (e.g. `parent = \"contoso\"`)"
    );
    assert_eq!(
        d[0]["labels"][0]["message"],
        "`contoso` is a root OU too: entities below another root use what it holds (it must be \
         above them), so it is taken for the tenant"
    );
    // Two roots holding as much: the first by id, and said so.
    let doc = json(&check(
        &[("a.toml", "[ou.zeta]\n"), ("b.toml", "[ou.alpha]\n")],
        "json",
    ));
    assert_eq!(
        doc["diagnostics"][0]["labels"][0]["message"],
        "`alpha` is a root OU too: it holds as much as any other, and comes first by id, so it \
         is taken for the tenant"
    );
}
