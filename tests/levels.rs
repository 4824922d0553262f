//! Lint levels from `[lints]` and suppression comments.

mod common;

use common::{codes, json, run, workspace};

const SERVICES: &str = r#"[ou.contoso]

[service.a]
ou = "contoso"
license = "contact_center"
transfers = ["a"]

[service.b]
ou = "contoso"
license = "contact_center"
transfers = ["b"]
"#;

fn check(files: &[(&str, &str)], extra: &[&str]) -> serde_json::Value {
    let ws = workspace(files);
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    json(&run(ws.path(), &args))
}

#[test]
fn lints_table_sets_severities() {
    let doc = check(
        &[
            ("nimbus.toml", "[lints]\nself-transfer = \"error\"\n"),
            ("a.toml", SERVICES),
        ],
        &[],
    );
    assert_eq!(codes(&doc), ["self-transfer", "self-transfer"]);
    assert_eq!(doc["diagnostics"][0]["severity"], "error");
    let doc = check(
        &[
            ("nimbus.toml", "[lints]\nself-transfer = \"allow\"\n"),
            ("a.toml", SERVICES),
        ],
        &[],
    );
    assert_eq!(codes(&doc), Vec::<String>::new());
    // The command line wins over [lints].
    let doc = check(
        &[
            ("nimbus.toml", "[lints]\nself-transfer = \"allow\"\n"),
            ("a.toml", SERVICES),
        ],
        &["--warn", "self-transfer"],
    );
    assert_eq!(doc["diagnostics"][0]["severity"], "warning");
}

#[test]
fn lints_table_rejects_unknown_codes_bad_levels_and_lowered_hard_errors() {
    let doc = check(
        &[
            (
                "nimbus.toml",
                "[lints]\nself-transfr = \"allow\"\nim-no-agents = \"off\"\nsyntax = \"warning\"\n",
            ),
            ("a.toml", "[ou.contoso]\n"),
        ],
        &[],
    );
    let d = doc["diagnostics"].as_array().unwrap();
    assert_eq!(
        codes(&doc),
        ["unknown-field", "invalid-value", "invalid-value"]
    );
    assert_eq!(
        d[0]["message"],
        "unknown rule code `self-transfr` in [lints]"
    );
    assert!(
        d[0]["help"]
            .as_str()
            .unwrap()
            .starts_with("did you mean `self-transfer`?")
    );
    assert_eq!(d[1]["message"], "unknown level `off`");
    assert_eq!(d[2]["message"], "`syntax` cannot be lowered");
    assert_eq!(
        (d[2]["line"].as_u64(), d[2]["column"].as_u64()),
        (Some(4), Some(10))
    );
}

#[test]
fn a_comment_above_a_header_silences_that_entity_only() {
    let text = SERVICES.replace(
        "[service.a]",
        "# nimbus-lint: allow(self-transfer) on purpose\n[service.a]",
    );
    let doc = check(&[("a.toml", &text)], &[]);
    assert_eq!(codes(&doc), ["self-transfer"]);
    assert_eq!(
        doc["diagnostics"][0]["message"],
        "service `b` transfers to itself"
    );
}

#[test]
fn a_comment_above_a_bare_kind_header_covers_every_entity_in_it() {
    let text = "[ou.contoso]\n\n# nimbus-lint: allow(self-transfer)\n[service]\na = { ou = \"contoso\", license = \"contact_center\", transfers = [\"a\"] }\nb = { ou = \"contoso\", license = \"contact_center\", transfers = [\"b\"] }\n";
    let doc = check(&[("a.toml", text)], &[]);
    assert_eq!(codes(&doc), Vec::<String>::new());
}

#[test]
fn detached_stale_and_hard_suppressions_are_reported() {
    let text = SERVICES
        .replace(
            "[service.a]",
            "# nimbus-lint: allow(self-transfer)\n\n[service.a]",
        )
        .replace(
            "[service.b]",
            "# nimbus-lint: allow(im-no-agents, unknown-reference)\n[service.b]",
        );
    let doc = check(&[("a.toml", &text)], &[]);
    let d = doc["diagnostics"].as_array().unwrap();
    let found: Vec<(String, String)> = d
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "unused-suppression".into(),
            "`allow(self-transfer)` applies to no entity".into()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "unused-suppression".into(),
            "`allow(im-no-agents)` silences nothing".into()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "unused-suppression".into(),
            "`unknown-reference` cannot be suppressed".into()
        )),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|(c, _)| c == "self-transfer").count(),
        2
    );
}

#[test]
fn malformed_comments_and_unknown_codes_are_unused_suppressions() {
    let text = SERVICES
        .replace(
            "[service.a]",
            "# nimbus-lint: allow[self-transfer]\n[service.a]",
        )
        .replace(
            "[service.b]",
            "# nimbus-lint: allow(self-transfr)\n[service.b]",
        );
    let doc = check(&[("a.toml", &text)], &[]);
    let d = doc["diagnostics"].as_array().unwrap();
    assert_eq!(d[0]["message"], "malformed nimbus-lint comment");
    // Both are warnings of `unused-suppression`, at the comment; neither silences anything,
    // so the two self-transfers stay.
    let found: Vec<(&str, &str, u64, u64)> = d
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .filter(|(code, ..)| *code == "unused-suppression")
        .collect();
    assert_eq!(
        found,
        [
            ("unused-suppression", "warning", 3, 1),
            ("unused-suppression", "warning", 9, 22)
        ]
    );
    assert_eq!(
        codes(&doc).iter().filter(|c| *c == "self-transfer").count(),
        2
    );
    let unknown = d
        .iter()
        .find(|d| d["message"] == "unknown rule code `self-transfr`")
        .unwrap();
    assert!(
        unknown["help"]
            .as_str()
            .unwrap()
            .starts_with("did you mean `self-transfer`?")
    );
}

#[test]
fn levels_spelled_as_other_linters_spell_them_get_ours_and_a_bad_code_hides_no_bad_level() {
    let doc = check(
        &[
            (
                "nimbus.toml",
                "[lints]\nunused-connector = \"warn\"\nself-transfer = \"off\"\nim_no_agents = \"deny\"\n",
            ),
            ("org.toml", "[ou.contoso]\n"),
        ],
        &[],
    );
    let got: Vec<(&str, &str)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["message"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "unknown level `warn`",
                "did you mean `warning`? `unused-connector` takes one of `error`, `warning` and `allow`"
            ),
            (
                "unknown level `off`",
                "did you mean `allow`? `self-transfer` takes one of `error`, `warning` and `allow`"
            ),
            (
                "unknown rule code `im_no_agents` in [lints]",
                "did you mean `im-no-agents`? `nimbus-lint explain --list` lists every code"
            ),
            (
                "unknown level `deny`",
                "did you mean `error`? `im-no-agents` takes one of `error`, `warning` and `allow`"
            ),
        ]
    );
}

#[test]
fn an_error_rule_lowered_to_a_warning_passes_and_lets_build_write() {
    let ws = workspace(&[
        ("nimbus.toml", "[lints]\nim-unreachable = \"warning\"\n"),
        (
            "a.toml",
            "[ou.contoso]\n[service.lonely]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             instant_messaging = {}\n",
        ),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("a.toml:5:1: warning[im-unreachable]"),
        "{}",
        r.stdout
    );
    let r = run(ws.path(), &["build", "-o", "bundle.json"]);
    assert_eq!(
        (r.code, r.stderr.lines().last()),
        (0, Some("wrote bundle.json"))
    );
    // And back to an error from the command line: no bundle.
    let r = run(
        ws.path(),
        &["build", "-o", "other.json", "-D", "im-unreachable"],
    );
    assert_eq!(r.code, 1);
    assert!(!ws.path().join("other.json").exists());
}

#[test]
fn a_connector_type_other_than_twilio_cannot_be_lowered_nor_silenced_so_no_bundle_holds_one() {
    // The bundle's schema allows `twilio` alone: allowed, `vonage` would be written there.
    let connector = "[ou.contoso]\n\n# nimbus-lint: allow(unsupported-connector)\n\
                     [connector.c]\nou = \"contoso\"\ntype = \"vonage\"\n\
                     api_key_sid = \"SK12345678900000000000000000AbCdEf\"\n";
    let files = [
        (
            "nimbus.toml",
            "[lints]\nunsupported-connector = \"allow\"\n",
        ),
        ("a.toml", connector),
    ];
    let doc = check(&files, &[]);
    let shown: Vec<(String, String, String)> = (doc["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            let text = |k: &str| d[k].as_str().unwrap().to_owned();
            (text("code"), text("message"), text("help"))
        })
        .collect();
    let why =
        "Nimbus has no connector of another type than `twilio`, and the bundle cannot hold one";
    assert_eq!(
        shown,
        [
            (
                "unused-suppression".to_owned(),
                "`unsupported-connector` cannot be suppressed".to_owned(),
                format!("{why}: fix the problem instead"),
            ),
            (
                "unused-connector".to_owned(),
                "no messaging entry uses connector `c`".to_owned(),
                "point a messaging entry at it (`connector = \"c\"`), or delete it".to_owned(),
            ),
            (
                "unsupported-connector".to_owned(),
                "connector type `vonage` is not supported".to_owned(),
                "Nimbus provider connectors support only Twilio: set `type = \"twilio\"`"
                    .to_owned(),
            ),
            (
                "invalid-value".to_owned(),
                "`unsupported-connector` cannot be lowered".to_owned(),
                format!(
                    "`unsupported-connector` stays an error: {why}; fix the problem instead, or remove this line"
                ),
            ),
        ]
    );
    let ws = workspace(&[("a.toml", connector)]);
    let r = run(
        ws.path(),
        &["build", "-o", "-", "-A", "unsupported-connector"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.trim_end()),
        (
            2,
            "",
            format!("error: `unsupported-connector` cannot be lowered: {why}").as_str()
        )
    );
}

#[test]
fn a_sid_rule_cannot_be_lowered_nor_silenced_so_no_bundle_holds_an_account_sid() {
    let why = "the bundle holds SIDs alone, and anything else (an account SID above all) must \
               never reach Nimbus";
    let text = "[ou.contoso]\n\n# nimbus-lint: allow(invalid-api-key-sid)\n\
                [connector.c]\nou = \"contoso\"\ntype = \"twilio\"\n\
                api_key_sid = \"AC12345678900000000000000000abcdef\"\n\n\
                # nimbus-lint: allow(invalid-service-sid)\n[messaging_entry.e]\nou = \"contoso\"\n\
                connector = \"c\"\nservice_sid = \"IS123\"\n";
    for code in ["invalid-api-key-sid", "invalid-service-sid"] {
        let files = [
            ("nimbus.toml", format!("[lints]\n{code} = \"allow\"\n")),
            ("a.toml", text.to_owned()),
        ];
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let doc = check(&files, &[]);
        let said = |c: &str, m: &str| {
            (doc["diagnostics"].as_array().unwrap().iter())
                .any(|d| d["code"] == c && d["message"].as_str().unwrap().contains(m))
        };
        assert!(said(code, ""), "{doc}");
        assert!(
            said("invalid-value", &format!("`{code}` cannot be lowered")),
            "{doc}"
        );
        assert!(
            said(
                "unused-suppression",
                &format!("`{code}` cannot be suppressed")
            ),
            "{doc}"
        );
        let ws = workspace(&[("a.toml", text)]);
        let r = run(ws.path(), &["build", "-o", "-", "-A", code]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.trim_end()),
            (
                2,
                "",
                format!("error: `{code}` cannot be lowered: {why}").as_str()
            )
        );
        let r = run(ws.path(), &["build", "-o", "-"]);
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(!r.stdout.contains("AC1234"));
    }
}

#[test]
fn a_level_written_as_false_or_zero_is_told_and_fixed_to_allow_and_true_is_shown_the_levels() {
    let ws = workspace(&[
        (
            "nimbus.toml",
            "[lints]\nunused-connector = false\nim-no-agents = true\nself-transfer = 0\n",
        ),
        ("a.toml", SERVICES),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        // A level in error is not applied (as a misspelled one is not): the rule keeps its own.
        "a.toml:6:14: warning[self-transfer]: service `a` transfers to itself\n\
         a.toml:11:14: warning[self-transfer]: service `b` transfers to itself\n\
         nimbus.toml:2:20: error[invalid-value]: `unused-connector` must be a string, found a boolean\n\
         nimbus.toml:3:16: error[invalid-value]: `im-no-agents` must be a string, found a boolean\n\
         nimbus.toml:4:17: error[invalid-value]: `self-transfer` must be a string, found an integer\n\
         3 errors, 2 warnings in 2 files\n"
    );
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let helps: Vec<&str> = (doc["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "invalid-value")
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    assert_eq!(
        helps,
        [
            "a rule is turned off with the level `\"allow\"`: write `unused-connector = \"allow\"`",
            "a level is a string, `\"allow\"`, `\"warning\"` or `\"error\"`: e.g. `im-no-agents = \"error\"`",
            "a rule is turned off with the level `\"allow\"`: write `self-transfer = \"allow\"`",
        ]
    );
    // `--fix` writes what the help says where it is certain; `true` is left to the user.
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("nimbus.toml")).unwrap(),
        "[lints]\nunused-connector = \"allow\"\nim-no-agents = true\nself-transfer = \"allow\"\n"
    );
}
