//! Behaviour of `im-unreachable` (`src/rules/im_unreachable.rs`) that mutation testing
//! (cargo-mutants) found no test pinning down: each test here fails on at least one mutant that
//! the rest of the suite let through.

mod common;

use common::{code_messages as messages, workspace};

/// The diagnostics of `check --format json` over `[ou.contoso]` and these services (plus an
/// empty `nimbus.toml`).
fn check(services: &[String]) -> Vec<serde_json::Value> {
    let org = String::from("[ou.contoso]\n\n") + &services.concat();
    let dir = workspace(&[("nimbus.toml", ""), ("s.toml", &org)]);
    common::json_diagnostics(dir.path())
}

/// For each `im-unreachable` diagnostic: its message and its help.
fn helps(found: &[serde_json::Value]) -> Vec<(String, String)> {
    (found.iter())
        .filter(|d| d["code"] == "im-unreachable")
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (s("message"), s("help"))
        })
        .collect()
}

/// A service of the OU `contoso` with these `transfers` (written as TOML items) and this IM
/// table (`None`: no IM).
fn service(id: &str, transfers: &str, im: Option<&str>) -> String {
    let im = im.map_or(String::new(), |im| {
        format!("[service.{id}.instant_messaging]\n{im}")
    });
    format!(
        "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\n{im}\n"
    )
}

/// A front desk: IM with the `interact` channel (which needs no messaging entry).
fn desk(id: &str, transfers: &str) -> String {
    service(id, transfers, Some("channels = [\"interact\"]\n"))
}

/// An IM service without channels.
fn team(id: &str, transfers: &str) -> String {
    service(id, transfers, Some(""))
}

/// A service without IM.
fn plain(id: &str, transfers: &str) -> String {
    service(id, transfers, None)
}

fn unknown(id: &str) -> (String, String) {
    (
        "unknown-reference".to_owned(),
        format!("`transfers` names an unknown service `{id}`"),
    )
}

fn unreachable(id: &str) -> (String, String) {
    (
        "im-unreachable".to_owned(),
        format!("service `{id}` offers IM but no conversation can reach it"),
    )
}

// Kills, in `reached_by_what_was_meant`, `87:35: replace && with ||` (a typo in the transfers
// of a service that no conversation reaches, or that offers no IM, is followed as if
// conversations came through it) and `92:49: replace && with ||` (the guess is followed
// through a service without IM, which no conversation passes). A typo in a transfer stands in
// for what the service meant only when conversations do reach the service that wrote it, and
// only through services with IM: what lies beyond is still reported.
#[test]
fn a_typo_in_a_transfer_covers_only_what_conversations_would_really_reach() {
    // `u` is reached by nothing, so `sales-team`, which it meant, is not reached either.
    let found = check(&[team("u", "\"sales-tem\""), team("sales-team", "")]);
    assert_eq!(
        messages(&found),
        [
            unknown("sales-tem"),
            unreachable("u"),
            unreachable("sales-team")
        ],
        "{found:#?}"
    );
    // `desk` meant `ivr`, which offers no IM: a conversation would stop there, and `team`
    // behind it is unreachable whatever the typo was.
    let found = check(&[
        desk("desk", "\"ivrr\""),
        plain("ivr", "\"team\""),
        team("team", ""),
    ]);
    assert_eq!(
        messages(&found),
        [unknown("ivrr"), unreachable("team")],
        "{found:#?}"
    );
}

// Kills `147:72: replace && with || in check`: the help offers to give IM to a service
// without IM that transfers into the group only when an IM service that conversations reach
// transfers to it (then that IM table is all that is missing); not when the IM service before
// it is itself unreachable.
#[test]
fn the_help_offers_im_only_to_a_service_that_conversations_reach() {
    let found = check(&[
        desk("desk", "\"x\""),
        plain("x", "\"a\""),
        team("a", ""),
        team("u", "\"y\""),
        plain("y", "\"b\""),
        team("b", ""),
    ]);
    let plain_help = |id: &str| {
        format!(
            "transfer to `{id}` from a front desk (a service that lists `channels`) or from an IM \
             service one reaches, or make `{id}` a front desk by giving it `channels`"
        )
    };
    assert_eq!(
        helps(&found),
        [
            (
                unreachable("a").1,
                format!(
                    "give `x` an IM table (`[service.x.instant_messaging]`) so that conversations \
                     pass through it, or {}",
                    plain_help("a")
                )
            ),
            (unreachable("u").1, plain_help("u")),
            (unreachable("b").1, plain_help("b")),
        ],
        "{found:#?}"
    );
}

// Kills `269:19: replace < with > in message`: when the shortest loop through the first
// service is shorter than the loop of services no conversation reaches, the message names
// them all (five at most), else says how many services the loop holds in all.
#[test]
fn a_loop_named_by_a_shorter_path_says_how_many_services_it_holds() {
    let found = check(&[
        team("a", "\"b\""),
        team("b", "\"a\", \"c\""),
        team("c", "\"b\""),
    ]);
    assert_eq!(
        messages(&found),
        [(
            "im-unreachable".to_owned(),
            "no conversation can reach the transfer loops among `a`, `b` and `c`".to_owned()
        )],
        "{found:#?}"
    );
    let found = check(&[
        team("a", "\"b\""),
        team("b", "\"a\", \"c\""),
        team("c", "\"d\""),
        team("d", "\"e\""),
        team("e", "\"f\""),
        team("f", "\"a\""),
    ]);
    assert_eq!(
        messages(&found),
        [(
            "im-unreachable".to_owned(),
            "no conversation can reach the transfer loop `a` → `b` → `a` (6 services in all)"
                .to_owned()
        )],
        "{found:#?}"
    );
}

/// The label messages of the `im-unreachable` diagnostic about service `id`.
fn labels_of(found: &[serde_json::Value], id: &str) -> Vec<String> {
    let d = (found.iter())
        .find(|d| d["code"] == "im-unreachable" && d["message"] == unreachable(id).1)
        .unwrap_or_else(|| panic!("no im-unreachable for `{id}`: {found:#?}"));
    (d["labels"].as_array().expect("labels").iter())
        .map(|l| l["message"].as_str().expect("label message").to_owned())
        .collect()
}

// Kills, in `below_labels`, `354:32: replace > with ==`, `… with <`, `… with >=` (the walk
// stops before it knows there are more than LABELS services below), `361:28: replace > with ==`
// and `… with >=` (ten services below are taken for more). A group below a silenced root
// labels at most ten services below it (which ten depends on the walk: not asserted), by id,
// and adds "and more services" to the last only when there are more than ten.
#[test]
fn a_group_below_a_silenced_root_labels_ten_services_and_says_when_there_are_more() {
    const ALLOW: &str = "# nimbus-lint: allow(im-unreachable)\n";
    for below in [10, 11] {
        let ids: Vec<String> = (1..=below).map(|i| format!("s{i:02}")).collect();
        let transfers: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
        let mut services = vec![
            ALLOW.to_owned() + &team("r", "\"a\""),
            team("a", &transfers.join(", ")),
        ];
        services.extend(ids.iter().map(|id| team(id, "")));
        let found = check(&services);
        let mut labels = labels_of(&found, "a");
        assert_eq!(
            labels.remove(0),
            "`r` transfers to `a`, but no front desk reaches `r` either"
        );
        if below > 10 {
            let last = labels.last_mut().expect("labels below");
            *last = (last.strip_suffix(" (and more services)"))
                .unwrap_or_else(|| panic!("{below} below, no \"and more\": {found:#?}"))
                .to_owned();
        }
        let labelled: Vec<&str> = (labels.iter())
            .map(|l| {
                (l.strip_prefix('`'))
                    .and_then(|l| l.strip_suffix("` is reached through `a`: unreachable too"))
                    .unwrap_or_else(|| panic!("{below} below, label {l:?}: {found:#?}"))
            })
            .collect();
        assert_eq!(labelled.len(), 10, "{below} below: {found:#?}");
        assert!(
            labelled.windows(2).all(|w| w[0] < w[1]),
            "{below} below: {labelled:?}"
        );
        assert!(
            labelled.iter().all(|id| ids.iter().any(|i| i == id)),
            "{below} below: {labelled:?}"
        );
    }
}
