//! Behaviour that mutation testing (cargo-mutants, `src/graph.rs`, `src/check.rs` and the
//! rules that read the transfer graph) found no test pinning down: each test here fails on at
//! least one mutant that the rest of the suite let through.

mod common;

use common::workspace_diagnostics as check;

/// For each diagnostic of `code`: its message and the messages of its labels.
fn labelled(found: &[serde_json::Value], code: &str) -> Vec<(String, Vec<String>)> {
    (found.iter())
        .filter(|d| d["code"] == code)
        .map(|d| {
            let labels = (d["labels"].as_array().expect("labels").iter())
                .map(|l| l["message"].as_str().expect("label message").to_owned())
                .collect();
            (d["message"].as_str().expect("message").to_owned(), labels)
        })
        .collect()
}

/// A service of the OU `contoso` with these `transfers` (written as TOML items): a front desk
/// offering WhatsApp without a messaging entry when `desk`, else an IM service without
/// channels.
fn service(id: &str, desk: bool, transfers: &str) -> String {
    let channels = if desk {
        "channels = [\"whatsapp\"]\n"
    } else {
        ""
    };
    format!(
        "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\n\
         [service.{id}.instant_messaging]\n{channels}\n"
    )
}

/// `[ou.contoso]` and these services.
fn org(services: &[String]) -> String {
    String::from("[ou.contoso]\n\n") + &services.concat()
}

/// The message of `missing-messaging-entry` for desk `id`.
fn no_entry(id: &str) -> String {
    format!("service `{id}` offers WhatsApp but applies no messaging entry")
}

// Kills, in `Transfers::sole_dependents` (src/graph.rs): `166:26: replace match guard t ==
// mine with true` (a service two desks reach stays the first one's), `… with false` and
// `166:28: replace == with !=` (a service one desk reaches twice, around a loop, is taken for
// shared), `177:18: replace < with <=` (a shared service indexes past the desks: a panic), and
// `148:39: replace - with /` (SEVERAL equals NOBODY: a service two desks reach is freed again,
// and a later path from one desk takes it). `missing-messaging-entry` labels only the services
// that rely on one desk alone.
#[test]
fn missing_messaging_entry_labels_only_what_one_desk_alone_reaches() {
    let services = [
        // `x` is reached by `d1` and `d2`: it relies on neither alone.
        service("d1", true, "\"x\""),
        service("d2", true, "\"x\""),
        // `a` is reached by `d3` alone, twice (`d3` → `a` → `d3` → `a`).
        service("d3", true, "\"a\""),
        service("a", false, "\"d3\""),
        // `z` is reached by `d4` and `d5`; `d4` reaches it both directly and, after `d5`,
        // through `y`, which `d4` alone reaches.
        service("d4", true, "\"y\", \"z\""),
        service("d5", true, "\"z\""),
        service("x", false, ""),
        service("y", false, "\"z\""),
        service("z", false, ""),
    ];
    let found = check(&[("s.toml", &org(&services))]);
    let relies = |t: &str, d: &str| format!("`{t}` relies on `{d}` as its only Twilio proxy");
    assert_eq!(
        labelled(&found, "missing-messaging-entry"),
        [
            (no_entry("d1"), vec![]),
            (no_entry("d2"), vec![]),
            (no_entry("d3"), vec![relies("a", "d3")]),
            (no_entry("d4"), vec![relies("y", "d4")]),
            (no_entry("d5"), vec![]),
        ],
        "{found:#?}"
    );
}

// Kills, in `Transfers::below_two_roots` (src/graph.rs), `303:38: delete !` (only the services
// one root leads into from another's are marked shared, not those below them) and `303:35:
// replace && with ||` (a loop of shared services is walked for ever: the run hangs, and
// `common::run` gives up). `im-unreachable` says of each service below two roots that other
// unreached services lead there too, however deep it lies.
#[test]
fn im_unreachable_says_what_lies_below_two_roots_at_any_depth() {
    let services = [
        service("r1", false, "\"a\""),
        service("r2", false, "\"a\""),
        service("a", false, "\"b\""),
        service("b", false, "\"a\", \"c\""),
        service("c", false, ""),
    ];
    let found = check(&[("s.toml", &org(&services))]);
    let below = |s: &str| {
        format!(
            "`{s}` is reached only through `r1` and other services no conversation reaches: \
             unreachable too"
        )
    };
    let unreachable = |s: &str| format!("service `{s}` offers IM but no conversation can reach it");
    assert_eq!(
        labelled(&found, "im-unreachable"),
        [
            (unreachable("r1"), vec![below("a"), below("b"), below("c")]),
            (unreachable("r2"), vec![]),
        ],
        "{found:#?}"
    );
}

// Kills `src/graph.rs:339:41: replace && with || in Transfers::loop_through`: the shortest loop
// named in the message must run through the loop's own services, not through a service
// without IM (which no conversation passes) that happens to make it shorter.
#[test]
fn im_unreachable_names_a_loop_through_im_services_only() {
    let no_im =
        "[service.x]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"a\"]\n";
    let services = [
        service("a", false, "\"b\""),
        service("b", false, "\"c\", \"x\""),
        service("c", false, "\"d\""),
        service("d", false, "\"a\""),
        no_im.to_owned(),
    ];
    let found = check(&[("s.toml", &org(&services))]);
    let messages: Vec<String> = (labelled(&found, "im-unreachable").into_iter())
        .map(|(message, _)| message)
        .collect();
    assert_eq!(
        messages,
        ["no conversation can reach the transfer loop `a` → `b` → `c` → `d` → `a`"],
        "{found:#?}"
    );
}
