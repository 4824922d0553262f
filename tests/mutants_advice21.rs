//! Mutation audit 21 (`notes/audit-mutants-21.md`): the messaging entry suggested to a service
//! (`advice.rs`), the entries offered for a connector's id (`unknown-reference`), and the ASCII
//! spelling of other letters (`model::ascii_spelling`). Its completion tests are in
//! `tests/lsp.rs`, beside the server they need.

mod common;

use common::{code_messages, workspace_diagnostics};

/// A Twilio connector `twilio-us` in `us1` at the root OU `contoso`.
const CONNECTOR: &str = "[connector.twilio-us]\nou = \"contoso\"\ntype = \"twilio\"\nregion = \"us1\"\napi_key_sid = \"SK0123456789abcdef0123456789abcdef\"\napi_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }\n\n";

/// A messaging entry `id` in OU `sales` through `twilio-us`, its service SID ending in `n`.
fn entry(id: &str, n: u32) -> String {
    entry_at(id, "sales", n)
}

/// A messaging entry `id` in OU `ou` through `twilio-us`, its service SID ending in `n`.
fn entry_at(id: &str, ou: &str, n: u32) -> String {
    format!(
        "[messaging_entry.{id}]\nou = \"{ou}\"\nconnector = \"twilio-us\"\nservice_sid = \"IS{n:032}\"\n\n"
    )
}

/// `count` messaging entries through `twilio-us`, `e1`, `e2`, ...
fn entries(count: u32) -> String {
    (1..=count).map(|n| entry(&format!("e{n}"), n)).collect()
}

/// A service `id` in OU `sales` applying `entry` for `channel`.
fn applying(id: &str, entry: &str, channel: &str) -> String {
    format!(
        "[service.{id}]\nou = \"sales\"\nlicense = \"contact_center\"\n[service.{id}.instant_messaging]\nmessaging_entry = \"{entry}\"\nchannels = [\"{channel}\"]\n\n"
    )
}

/// The diagnostics of a workspace of OUs `contoso`, `sales` and `support` (both below it),
/// `twilio` (the connectors and entries) and `services`.
fn diagnostics(twilio: &str, services: &str) -> Vec<serde_json::Value> {
    let org =
        "[ou.contoso]\n\n[ou.sales]\nparent = \"contoso\"\n\n[ou.support]\nparent = \"contoso\"\n";
    workspace_diagnostics(&[
        ("org.toml", org),
        ("twilio.toml", twilio),
        ("services.toml", services),
    ])
}

/// The help of the only diagnostic of `code` in `found` whose message holds `about`.
fn help<'a>(found: &'a [serde_json::Value], code: &str, about: &str) -> &'a str {
    let of: Vec<&serde_json::Value> = (found.iter())
        .filter(|d| d["code"] == code && d["message"].as_str().unwrap().contains(about))
        .collect();
    assert_eq!(of.len(), 1, "{code} about {about}: {found:#?}");
    of[0]["help"].as_str().unwrap()
}

/// The messaging entry the help of `missing-messaging-entry` suggests to a service `desk` in
/// OU `sales` offering `channels` and applying none, beside `twilio` and `services`.
fn suggested(channels: &str, twilio: &str, services: &str) -> Option<String> {
    let desk = format!(
        "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n[service.desk.instant_messaging]\nchannels = {channels}\n\n{services}"
    );
    let found = diagnostics(twilio, &desk);
    let help = help(&found, "missing-messaging-entry", "`desk`");
    let (_, after) = help.split_once("e.g. `messaging_entry = \"")?;
    Some(after.split_once('"').unwrap().0.to_owned())
}

#[test]
fn an_entry_mentioning_the_channel_is_offered_before_one_mentioning_none() {
    // `general` mentions no channel and no service applies it yet; the one mentioning the
    // desk's channel comes first all the same.
    for (channel, named) in [
        ("whatsapp", "whatsapp-sales"),
        ("whatsapp", "wa-sales"),
        ("sms", "sms-sales"),
    ] {
        let twilio = format!("{}{}{}", CONNECTOR, entry("general", 1), entry(named, 2));
        assert_eq!(
            suggested(
                &format!("[\"{channel}\"]"),
                &twilio,
                &applying("chat", named, channel)
            )
            .as_deref(),
            Some(named),
            "{channel}"
        );
    }
}

#[test]
fn an_entry_named_by_its_connectors_id_is_offered_three_entries_in_sight_and_told_of_more() {
    let named = "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n[service.desk.instant_messaging]\nmessaging_entry = \"twilio-us\"\nchannels = [\"sms\"]\n";
    let offered = |count: u32| {
        let twilio = CONNECTOR.to_owned() + &entries(count);
        help(
            &diagnostics(&twilio, named),
            "unknown-reference",
            "`twilio-us`",
        )
        .to_owned()
    };
    let start =
        "`twilio-us` is a connector, not a messaging entry; name a messaging entry that uses it:";
    assert_eq!(offered(3), format!("{start} `e1`, `e2` or `e3`"));
    assert_eq!(offered(4), format!("{start} `e1`, `e2` or `e3` (and more)"));
    // An entry the service cannot see is not offered.
    let twilio =
        CONNECTOR.to_owned() + &entry("e1", 1) + &entry_at("e2", "support", 2) + &entry("e3", 3);
    assert_eq!(
        help(
            &diagnostics(&twilio, named),
            "unknown-reference",
            "`twilio-us`"
        ),
        format!("{start} `e1` or `e3`")
    );
}

#[test]
fn a_connectors_id_where_no_messaging_entry_is_meant_is_offered_no_entries() {
    let twilio = CONNECTOR.to_owned() + &entries(2);
    // A transfer naming the connector.
    let transfer = "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\ntransfers = [\"twilio-us\"]\n";
    assert_eq!(
        help(
            &diagnostics(&twilio, transfer),
            "unknown-reference",
            "`twilio-us`"
        ),
        "`twilio-us` is a connector, not a service; name an existing service"
    );
    // A messaging entry naming a service.
    let entry_is_service = format!(
        "{}[service.billing]\nou = \"sales\"\nlicense = \"contact_center\"\n",
        applying("desk", "billing", "sms")
    );
    assert_eq!(
        help(
            &diagnostics(&twilio, &entry_is_service),
            "unknown-reference",
            "`billing`"
        ),
        "`billing` is a service, not a messaging entry; name an existing messaging entry"
    );
}

#[test]
fn an_id_holding_a_symbol_is_offered_without_the_symbol_spelled_out() {
    let found = workspace_diagnostics(&[("org.toml", "[ou.\"Contoso™\"]\n")]);
    assert_eq!(
        code_messages(&found),
        [(
            "invalid-value".to_owned(),
            "invalid OU id `Contoso™`".to_owned()
        )]
    );
    assert_eq!(
        help(&found, "invalid-value", "Contoso"),
        "ids use lowercase letters, digits, `-` and `_`, and start with a letter or digit: try `contoso`"
    );
}

#[test]
fn a_letter_whose_ascii_spelling_is_not_letters_alone_is_removed_from_a_bare_id() {
    // `東` reads as `Dong ` (with a space): no ASCII spelling to write instead.
    let found = workspace_diagnostics(&[("org.toml", "[ou.x東]\n")]);
    assert_eq!(
        code_messages(&found),
        [(
            "syntax".to_owned(),
            "invalid TOML: `東` cannot be in an id".to_owned()
        )]
    );
    assert_eq!(
        help(&found, "syntax", "東"),
        "ids are letters, digits, `-` and `_`: remove it: `[ou.x]`"
    );
}

/// Audit W1: a digit outside ASCII is spelled in ASCII like a letter (`²` → `2`), not dropped
/// from the id offered (`floor` was offered for `Floor²`).
#[test]
fn a_digit_outside_ascii_is_offered_in_ascii() {
    let found = workspace_diagnostics(&[("org.toml", "[ou.\"Floor²\"]\n")]);
    assert_eq!(
        help(&found, "invalid-value", "Floor"),
        "ids use lowercase letters, digits, `-` and `_`, and start with a letter or digit: try `floor2`"
    );
    let found = workspace_diagnostics(&[("org.toml", "[ou.floor²]\n")]);
    assert_eq!(
        code_messages(&found),
        [(
            "syntax".to_owned(),
            "invalid TOML: `²` cannot be in an id".to_owned()
        )]
    );
    assert_eq!(
        help(&found, "syntax", "²"),
        "ids are ASCII letters, digits, `-` and `_`: write `²` as `2`: `[ou.floor2]`"
    );
}
