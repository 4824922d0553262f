//! Behaviour of the check pipeline (`src/check.rs`: suppressions, levels, yields, fixes) and
//! of the advice several rules share (`src/rules/advice.rs`) that mutation testing
//! (cargo-mutants) found no test pinning down: each test here fails on at least one mutant
//! that the rest of the suite let through.

mod common;

use common::{code_messages as messages, workspace, workspace_diagnostics as check};

/// An IM service without channels in the OU `contoso`, with these `transfers` (TOML items).
fn team(id: &str, transfers: &str) -> String {
    format!(
        "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\n\
         [service.{id}.instant_messaging]\n\n"
    )
}

const ALLOW_UNREACHABLE: &str = "# nimbus-lint: allow(im-unreachable)\n";

/// Kills, in `covered`, `80:37: delete !` (a cause is judged before the causes it yields to
/// are, and an unjudged cause counts as accounted for). A chain of unreachable services
/// `r` → `a` → `b` → `c` → `d` with `r`, `a` and `b` silenced by comments: `c` is reported,
/// because everything above it is silenced, and `d`, below the reported `c`, is not.
#[test]
fn below_a_chain_of_silenced_unreachable_services_the_first_unsilenced_one_is_reported() {
    let s = String::from("[ou.contoso]\n\n")
        + ALLOW_UNREACHABLE
        + &team("r", "\"a\"")
        + ALLOW_UNREACHABLE
        + &team("a", "\"b\"")
        + ALLOW_UNREACHABLE
        + &team("b", "\"c\"")
        + &team("c", "\"d\"")
        + &team("d", "");
    let found = check(&[("s.toml", &s)]);
    assert_eq!(
        messages(&found),
        [(
            "im-unreachable".to_owned(),
            "service `c` offers IM but no conversation can reach it".to_owned()
        )],
        "{found:#?}"
    );
}

/// An empty reference written `''` is no misspelling of `c`, one edit away though it is: no
/// fix is written into it. (This made `395:56: replace * with +` in `keep_quotes`, which
/// differs only for an empty literal string, equivalent: no fix replaces one any more.)
#[test]
fn an_empty_literal_string_reference_is_not_fixed() {
    let text = "[ou.contoso]\n[connector.c]\nou = 'contoso'\ntype = 'twilio'\n\
                api_key_sid = 'SK0123456789abcdef0123456789abcdef'\n\
                [messaging_entry.m]\nou = 'contoso'\nconnector = ''\n\
                service_sid = 'IS0123456789abcdef0123456789abcdef'\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", text)]);
    let r = common::run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "org.toml:6:1: warning[unused-messaging-entry]: no service applies messaging entry `m`\n\
         org.toml:8:13: error[unknown-reference]: `connector` is empty: it must name a connector\n\
         1 error, 1 warning in 2 files\n"
    );
    let fixed = std::fs::read_to_string(ws.path().join("org.toml")).unwrap();
    assert_eq!(fixed, text);
}

/// Kills `416:5: replace drop_missing_fields_of_duplicates with ()` (each half of an entity
/// written in two places also gets `missing-field` for what the other half holds). One
/// mistake, one diagnostic: an entity defined twice gets `duplicate-id` alone, whether the
/// later copy is an IM table or a second `[kind.id]` table.
#[test]
fn an_entity_written_twice_gets_duplicate_id_and_no_missing_field_for_either_half() {
    let found = check(&[
        ("a.toml", "[ou.contoso]\n[service.x]\nou = 'contoso'\n"),
        (
            "b.toml",
            "[service.x.instant_messaging]\nchannels = ['interact']\n",
        ),
        (
            "c.toml",
            "[connector.k]\nou = 'contoso'\n[messaging_entry.e]\nconnector = 'k'\n\
             [service.y]\nlicense = 'contact_center'\n",
        ),
        (
            "d.toml",
            "[connector.k]\ntype = 'twilio'\n[messaging_entry.e]\nou = 'contoso'\n\
             [service.y]\nou = 'contoso'\n",
        ),
    ]);
    let dup = |m: &str| ("duplicate-id".to_owned(), m.to_owned());
    assert_eq!(
        messages(&found),
        [
            dup(
                "service `x` is written in two files: its IM table in b.toml, \
                 `[service.x]` in a.toml"
            ),
            dup("duplicate connector id `k`"),
            dup("duplicate messaging entry id `e`"),
            dup("duplicate service id `y`"),
        ],
        "{found:#?}"
    );
}

/// The tenant is the root holding most, entities counted with OUs: root `a` holds itself and
/// two connectors (3), root `b` itself and one child OU (2), so `b` is told to move below `a`.
/// Kills, in `advice::weights`, `66:32: replace += with *=` (entities no longer weigh, and
/// `b`, with more OUs, is taken for the tenant).
#[test]
fn the_tenant_is_the_root_holding_most_entities_and_ous_together() {
    let connector = |id: &str, key: &str| {
        format!(
            "[connector.{id}]\nou = 'a'\ntype = 'twilio'\n\
             api_key_sid = 'SK0123456789abcdef0123456789abcde{key}'\n"
        )
    };
    let org = String::from("[ou.a]\n")
        + &connector("c1", "1")
        + &connector("c2", "2")
        + "[ou.b]\n[ou.b2]\nparent = 'b'\n";
    let found = check(&[("org.toml", &org)]);
    let root: Vec<(&str, &str)> = (found.iter())
        .filter(|d| d["code"] == "root-ou")
        .map(|d| (d["message"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        root,
        [(
            "more than one root OU: `a` and `b` both have no parent",
            "a workspace describes one tenant: give `b` a `parent` (e.g. `parent = \"a\"`)"
        )],
        "{found:#?}"
    );
}

/// The messaging entry `missing-messaging-entry` suggests is one no service applies yet, even
/// when one already applied is written first in the same OU. Kills, in `advice::suggestions`,
/// `86:13: delete !` (an applied entry is preferred), `92:46: replace > with ==` (the first
/// entry written wins) and `92:46: replace > with <` (the worse entry wins).
#[test]
fn missing_messaging_entry_suggests_an_entry_no_service_applies_yet() {
    let entry = |id: &str, n: &str| {
        format!(
            "[messaging_entry.{id}]\nou = 'contoso'\nconnector = 'tw'\n\
             service_sid = 'IS0123456789abcdef0123456789abcde{n}'\n"
        )
    };
    let service = |id: &str, entry: &str| {
        format!(
            "[service.{id}]\nou = 'contoso'\nlicense = 'contact_center'\n\
             [service.{id}.instant_messaging]\n{entry}channels = ['whatsapp']\n"
        )
    };
    let org = String::from(
        "[ou.contoso]\n[connector.tw]\nou = 'contoso'\ntype = 'twilio'\n\
         api_key_sid = 'SK0123456789abcdef0123456789abcdef'\n",
    ) + &entry("m1", "1")
        + &entry("m2", "2")
        + &service("s1", "messaging_entry = 'm1'\n")
        + &service("d", "");
    let found = check(&[("org.toml", &org)]);
    let helps: Vec<(&str, &str)> = (found.iter())
        .map(|d| (d["code"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        helps,
        [(
            "missing-messaging-entry",
            "add `messaging_entry = \"…\"` below `[service.d.instant_messaging]`, e.g. \
             `messaging_entry = \"m2\"`, or remove `whatsapp` from `channels` if customers \
             should not write to it directly"
        )],
        "{found:#?}"
    );
}
