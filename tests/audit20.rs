//! The last findings of the nineteenth user audit, fixed in the twentieth session: L9, an IM
//! service without agents whose transfers lead only to services without IM (L8, the messaging
//! entry suggested for a channel, is the `missing-messaging-entry-channel` rule fixture).

mod common;

use common::{code_messages, run, workspace, workspace_diagnostics};

/// An OU, a service `billing` without IM, `support` with IM and agents, and `extra`.
fn with_services(extra: &str) -> String {
    format!(
        "[ou.contoso]\n\n[service.billing]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n[service.support]\nou = \"contoso\"\nlicense = \"contact_center\"\n[service.support.instant_messaging]\nchannels = [\"interact\"]\n\n{extra}"
    )
}

/// A front desk with no agents and `transfers`.
fn desk(transfers: &str) -> String {
    format!(
        "[service.ivr]\nou = \"contoso\"\nlicense = \"contact_center\"\nuser_assignment = \"none\"\ntransfers = {transfers}\n[service.ivr.instant_messaging]\nchannels = [\"interact\"]\n"
    )
}

/// The `im-no-agents` diagnostics of a workspace of `org.toml` alone.
fn no_agents(org: &str) -> Vec<(String, String)> {
    let found = workspace_diagnostics(&[("org.toml", org)]);
    (code_messages(&found).into_iter())
        .filter(|(code, _)| code == "im-no-agents")
        .collect()
}

#[test]
fn l9_transfers_only_to_services_without_im_lead_nowhere() {
    let org = with_services(&desk("[\"billing\"]"));
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &org)]);
    let r = run(ws.path(), &["check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn l9_itself_and_services_without_im_are_told_apart() {
    let org = with_services(&desk("[\"ivr\", \"billing\"]"));
    assert_eq!(
        no_agents(&org),
        [(
            "im-no-agents".to_owned(),
            "service `ivr` takes IM conversations but has no agents and its transfers lead to no IM service".to_owned()
        )]
    );
    let org = with_services(&desk("[\"ivr\"]"));
    assert_eq!(
        no_agents(&org)[0].1,
        "service `ivr` takes IM conversations but has no agents and transfers only to itself"
    );
}

#[test]
fn l9_a_transfer_that_may_carry_the_conversation_counts() {
    // To a service with IM, beside one without.
    assert_eq!(
        no_agents(&with_services(&desk("[\"billing\", \"support\"]"))),
        []
    );
    // To a service nothing defines: it may have IM once defined (`unknown-reference` speaks).
    assert_eq!(
        no_agents(&with_services(&desk("[\"billing\", \"billling\"]"))),
        []
    );
    // To a service defined twice, the copy in another file with IM.
    let copy = "[service.billing.instant_messaging]\nchannels = [\"interact\"]\n";
    let org = with_services(&desk("[\"billing\"]"));
    // Whichever copy is kept (the file sorting first).
    for name in ["copy.toml", "z.toml"] {
        let found = workspace_diagnostics(&[("org.toml", &org), (name, copy)]);
        let codes: Vec<_> = code_messages(&found).into_iter().map(|(c, _)| c).collect();
        assert!(codes.contains(&"duplicate-id".to_owned()), "{codes:?}");
        assert!(
            !codes.contains(&"im-no-agents".to_owned()),
            "{name}: {codes:?}"
        );
    }
}

#[test]
fn l9_a_service_without_im_is_not_judged_while_its_table_may_be_unseen() {
    let org = with_services(&desk("[\"billing\"]"));
    // Another file does not parse: `billing`'s IM table may be in it.
    let broken = "[service.billing.instant_messaging\n";
    let found = workspace_diagnostics(&[("org.toml", &org), ("broken.toml", broken)]);
    let codes: Vec<_> = code_messages(&found).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["syntax"]);
    // An IM table written under a misspelled id that means `billing`.
    let typo = "[service.Billing.instant_messaging]\nchannels = [\"interact\"]\n";
    let found = workspace_diagnostics(&[("org.toml", &org), ("typo.toml", typo)]);
    let codes: Vec<_> = code_messages(&found).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["missing-field"]);
}

/// The help of each diagnostic of a workspace of `org.toml` alone.
fn helps(org: &str) -> Vec<String> {
    let found = workspace_diagnostics(&[("org.toml", org)]);
    (found.iter())
        .map(|d| d["help"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn l2_an_id_with_accents_is_offered_without_them() {
    let org = "[ou.\"zürich\"]\n\n[service.\"Café-Desk\"]\nou = \"zürich\"\nlicense = \"contact_center\"\n";
    assert_eq!(
        helps(org),
        [
            "ids use lowercase letters, digits, `-` and `_`, and start with a letter or digit: try `zurich`, and write it in the reference that names it",
            "ids use lowercase letters, digits, `-` and `_`, and start with a letter or digit: try `cafe-desk`",
        ]
    );
}

#[test]
fn l2_a_name_with_accents_reads_as_the_id_without_them() {
    // Two references agree on `zurich`; the OU written `zurch` is named "Zürich": its id is
    // the misspelling, told once at the definition.
    let org = "[ou.zurch]\nname = \"Zürich\"\n\n[service.a]\nou = \"zurich\"\nlicense = \"contact_center\"\n\n[service.b]\nou = \"zurich\"\nlicense = \"contact_center\"\n";
    let found = workspace_diagnostics(&[("org.toml", org)]);
    assert_eq!(
        code_messages(&found),
        [(
            "unknown-reference".to_owned(),
            "2 references name the unknown OU `zurich`, and nothing names the OU `zurch`"
                .to_owned()
        )]
    );
}

#[test]
fn every_im_switch_is_read_the_way_its_name_says() {
    let table = |switch: &str| {
        format!(
            "[ou.contoso]\n\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n[service.desk.instant_messaging]\n{switch}\n"
        )
    };
    let codes = |switch: &str| -> Vec<String> {
        let found = workspace_diagnostics(&[("org.toml", &table(switch))]);
        code_messages(&found).into_iter().map(|(c, _)| c).collect()
    };
    // Meant off: the switch is told, and no `im-unreachable` for a service meant without IM.
    for off in [
        "enabled = false",
        "enable = false",
        "active = false",
        "disabled = true",
    ] {
        assert_eq!(codes(off), ["unknown-field"], "{off}");
    }
    // Meant on: the IM table without channels that nothing reaches is told too.
    for on in ["enabled = true", "active = true", "disabled = false"] {
        assert_eq!(codes(on), ["im-unreachable", "unknown-field"], "{on}");
    }
}

#[test]
fn l2_a_bare_id_with_accents_is_shown_without_them() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.zürich-köln]\nname = \"Zürich\"\n"),
    ]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let doc = common::json(&r);
    let d = &doc["diagnostics"][0];
    assert_eq!(
        (
            d["code"].as_str(),
            d["message"].as_str(),
            d["column"].as_u64()
        ),
        (
            Some("syntax"),
            Some("invalid TOML: `ü` cannot be in an id"),
            Some(6)
        )
    );
    assert_eq!(
        d["help"],
        "ids are ASCII letters, digits, `-` and `_`: write `ü` as `u`: `[ou.zurich-koln]`"
    );
}

/// The codes of `check` on the example workspace with `edit` made to `file`.
fn codes_after(file: &str, edit: impl Fn(&str) -> String) -> Vec<String> {
    helps_after(file, edit)
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

#[test]
fn m1_a_transfer_to_no_near_id_leaves_no_service_unreachable_behind_it() {
    // The OU's id where the service meant was `support-tier2`: it may mean any service.
    let codes = codes_after("services/support.toml", |t| {
        t.replace(
            "transfers = [\"support-tier2\"]",
            "transfers = [\"support\"]",
        )
    });
    assert_eq!(codes, ["unknown-reference", "unknown-reference"]);
}

/// Each diagnostic's code and help, of `check` on the example with `edit` made to `file`.
fn helps_after(file: &str, edit: impl Fn(&str) -> String) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("example"), dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changes nothing");
    std::fs::write(&path, edited).unwrap();
    (common::json_diagnostics(dir.path()).iter())
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (s("code"), s("help"))
        })
        .collect()
}

#[test]
fn m2_an_entity_renamed_with_its_references_left_behind_is_named_in_their_help() {
    let found = helps_after("twilio.toml", |t| {
        t.replace(
            "[messaging_entry.whatsapp-sales]",
            "[messaging_entry.wa-sales]",
        )
    });
    assert_eq!(
        found,
        [(
            "unknown-reference".to_owned(),
            "nothing names `[messaging_entry.wa-sales]`, whose name \"WhatsApp Sales\" reads as `whatsapp-sales`: if it is the messaging entry meant, write `wa-sales` here, or give it back the id `whatsapp-sales`".to_owned()
        )]
    );
}

#[test]
fn l1_each_reference_to_an_entity_deleted_says_how_many_name_it() {
    let found = helps_after("org.toml", |t| {
        t.replace("[ou.sales]\nname = \"Sales\"\nparent = \"contoso\"\n", "")
    });
    assert_eq!(found.len(), 7, "{found:?}");
    for (code, help) in found {
        assert_eq!(code, "unknown-reference");
        assert_eq!(
            help,
            "define it as `[ou.sales]`, or name an existing OU (7 references name `sales`)"
        );
    }
}

#[test]
fn l2_a_misspelled_kind_whose_im_table_is_in_another_file_is_one_diagnostic_in_true_words() {
    let org = "[ou.contoso]\n\n[servce.vip]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    let im = "[service.vip.instant_messaging]\nchannels = [\"interact\"]\n";
    let found = workspace_diagnostics(&[("org.toml", org), ("vip-im.toml", im)]);
    let helps: Vec<_> = (found.iter())
        .map(|d| (d["code"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        helps,
        [(
            "unknown-field",
            "did you mean `service`? Its IM table, `[service.vip.instant_messaging]`, is in vip-im.toml (line 1): rename this header to `[service.vip]` and move that table below it (an entity is written in one file)."
        )]
    );
}

#[test]
fn l4_a_damaged_bundle_is_told_what_is_wrong_with_it() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("example"), dir.path());
    assert_eq!(run(dir.path(), &["build", "-q"]).code, 0);
    let bundle = dir.path().join("dist/bundle.json");
    let text = std::fs::read_to_string(&bundle).unwrap();
    let told = |damaged: &str| {
        std::fs::write(&bundle, damaged).unwrap();
        let r = run(dir.path(), &["build", "--check"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        first
            .trim_start_matches("error: bundle is stale: dist/bundle.json: ")
            .to_owned()
    };
    assert_eq!(told(" \n"), "it is empty");
    let conflict = format!("{{\n<<<<<<< HEAD\n{text}=======\n{text}>>>>>>> theirs\n");
    assert_eq!(told(&conflict), "it holds merge-conflict markers (line 2)");
    assert_eq!(
        told(&text[..40]),
        "it is not valid JSON (line 4, column 4: EOF while parsing a list)"
    );
    let renamed = text.replacen("\"services\"", "\"service\"", 1);
    assert_eq!(
        told(&renamed),
        "it is not a bundle this version of nimbus-lint reads (line 78, column 11: unknown field `service`, expected one of `schema_version`, `ous`, `connectors`, `messaging_entries`, `services`)"
    );
    // A value of the file is not repeated (a bundle edited by hand may hold a secret).
    let secret = text.replacen(
        "\"schema_version\": 1",
        "\"schema_version\": \"hunter2hunter2\"",
        1,
    );
    assert_ne!(secret, text);
    let said = told(&secret);
    assert!(!said.contains("hunter2"), "{said}");
}

#[test]
fn l5_the_bundle_is_never_written_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("example"), dir.path());
    for name in ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"] {
        let r = run(dir.path(), &["build", "-o", name]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (
                2,
                "",
                "error: the bundle cannot go to stderr, which carries the diagnostics: write it to stdout with `-o -`, or to a file\n"
            ),
            "{name}"
        );
    }
}

#[test]
fn l5_an_entry_named_by_its_connectors_id_is_offered_the_entries_using_it() {
    let found = helps_after("services/sales.toml", |t| {
        t.replace(
            "messaging_entry = \"sms-sales\"",
            "messaging_entry = \"twilio-us\"",
        )
    });
    assert_eq!(
        found,
        [(
            "unknown-reference".to_owned(),
            "`twilio-us` is a connector, not a messaging entry; name a messaging entry that uses it: `sms-sales` or `whatsapp-sales`".to_owned()
        )]
    );
}

#[test]
fn a_services_own_header_with_an_inline_im_table_alone_is_no_lone_im_table() {
    // Found by the `structured` fuzz target: taken for an IM table with no `[service.desks]`,
    // and "fixed" by renaming its header to `[service.desk]`, defined already.
    let org = "[ou.c]\n\n[service.desk]\nou = \"c\"\nlicense = \"contact_center\"\n\n[service.desks]\ninstant_messaging = { channels = [\"interact\"] }\n";
    let found = workspace_diagnostics(&[("org.toml", org)]);
    assert_eq!(
        code_messages(&found),
        [
            (
                "missing-field".to_owned(),
                "service `desks` has no `license`".to_owned()
            ),
            (
                "missing-field".to_owned(),
                "service `desks` has no `ou`".to_owned()
            ),
        ]
    );
    // Nor is an entity written inline, its IM table inline in it.
    let inline =
        "[ou.c]\n\n[service]\ndesks = { instant_messaging = { channels = [\"interact\"] } }\n";
    let found = workspace_diagnostics(&[("org.toml", inline)]);
    let codes: Vec<_> = code_messages(&found)
        .into_iter()
        .map(|(c, m)| format!("{c}: {m}"))
        .collect();
    assert_eq!(
        codes,
        [
            "missing-field: service `desks` has no `license`",
            "missing-field: service `desks` has no `ou`"
        ]
    );
    // The IM table alone, its service's header not written, still is one.
    let lone = org.replace(
        "[service.desks]\ninstant_messaging = { channels = [\"interact\"] }",
        "[service.desks.instant_messaging]\nchannels = [\"interact\"]",
    );
    let found = workspace_diagnostics(&[("org.toml", &lone)]);
    assert_eq!(
        code_messages(&found),
        [(
            "missing-field".to_owned(),
            "service `desks` has an IM table but no `[service.desks]`".to_owned()
        )]
    );
}
