//! Behaviour that mutation testing (cargo-mutants, `src/resolve.rs`, `src/compile.rs`, ...)
//! found no test pinning down: each test here fails on at least one mutant that the rest of the
//! suite let through (or caught only by chance, in a property test, after minutes).

mod common;

use common::{run, workspace};

/// `files` plus an empty `nimbus.toml`, as a workspace.
fn ws(files: &[(&str, &str)]) -> tempfile::TempDir {
    let mut all = vec![("nimbus.toml", "")];
    all.extend_from_slice(files);
    workspace(&all)
}

/// The (code, message, help) of each diagnostic of `check --format json` in `dir`.
fn diagnostics(dir: &std::path::Path) -> Vec<(String, String, String)> {
    common::json_diagnostics(dir)
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (s("code"), s("message"), s("help"))
        })
        .collect()
}

/// A service of the OU `contoso` with these `transfers` (written as TOML items).
fn service(id: &str, transfers: &str) -> String {
    format!(
        "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\n"
    )
}

// Kills `src/resolve.rs:454:52: replace || with && in suggest` and `454:36: replace < with >`:
// when a spelling as near as the one offered is one the reference may not name (the referrer
// itself, an OU below it), the offer is not sure, and `--fix` must not write it in.
#[test]
fn check_fix_leaves_a_reference_as_near_to_its_own_entity_as_to_another() {
    // `team-x` in `team-a`'s own transfers is one letter from `team-a` and from `team-b`.
    let services =
        service("team-a", "\"team-x\"") + &service("team-b", "") + &service("other", "\"team-b0\"");
    // `eu3` is one letter from `eu1` itself, from `eu2` below it, and from `eu4`.
    let org = "[ou.contoso]\n[ou.eu1]\nparent = \"eu3\"\n[ou.eu2]\nparent = \"eu1\"\n\
               [ou.eu4]\nparent = \"contoso\"\n";
    let dir = ws(&[("org.toml", org), ("services.toml", &services)]);
    let helps: Vec<(String, String)> = diagnostics(dir.path())
        .into_iter()
        .filter(|(code, ..)| code == "unknown-reference")
        .map(|(_, message, help)| (message, help))
        .collect();
    let pair = |m: &str, h: &str| (m.to_owned(), h.to_owned());
    assert_eq!(
        helps,
        [
            pair("`parent` names an unknown OU `eu3`", "did you mean `eu4`?"),
            pair(
                "`transfers` names an unknown service `team-x`",
                "did you mean `team-b`?"
            ),
            pair(
                "`transfers` names an unknown service `team-b0`",
                "did you mean `team-b`?"
            ),
        ]
    );
    // Only the sure one (`team-b0`: `team-b` and nothing else is that near) is fixed.
    let r = run(dir.path(), &["check", "--fix", "-q"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("services.toml")).unwrap(),
        service("team-a", "\"team-x\"") + &service("team-b", "") + &service("other", "\"team-b\"")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("org.toml")).unwrap(),
        org
    );
}

// Kills `src/resolve.rs:518:35: replace - with / in tops` (the walk marker equals "unknown", so
// the walk up from an OU in a loop never ends and its path grows without bound), which only
// tests/invariants.rs noticed, after minutes, when its process was killed (SIGKILL): a loop of
// OUs and a misspelled OU reference in one workspace.
#[test]
fn a_misspelled_ou_reference_beside_an_ou_loop_gets_its_suggestion() {
    let org = "[ou.contoso]\n[ou.sales]\nparent = \"support\"\n[ou.support]\nparent = \"sales\"\n\
               [ou.emea]\nparent = \"contosso\"\n";
    let dir = ws(&[("org.toml", org)]);
    let found = diagnostics(dir.path());
    assert!(
        found.contains(&(
            "unknown-reference".to_owned(),
            "`parent` names an unknown OU `contosso`".to_owned(),
            "did you mean `contoso`?".to_owned()
        )),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(code, ..)| code == "ou-cycle"),
        "{found:?}"
    );
}

// Kills `src/resolve.rs:701:15: replace += with *= in build_tree` (a root and its first child
// enter the Euler tour at the same time, so `preorder` may list the child before its parent),
// and `709:27: replace += with *=` (the same for an OU and its first child below the root),
// which only a property test of tests/invariants.rs caught, after minutes: OUs written before
// their parents must still see what sits above them.
#[test]
fn ous_written_before_their_parents_are_offered_the_connector_above() {
    let connector = |id: &str, ou: &str, n: u32| {
        format!(
            "[connector.{id}]\nou = \"{ou}\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcde{n}\"\n"
        )
    };
    let org = String::from(
        "[ou.sales]\nparent = \"emea\"\n[ou.emea]\nparent = \"contoso\"\n[ou.contoso]\n\
         [ou.support]\nparent = \"contoso\"\n",
    ) + &connector("tw-root", "contoso", 0)
        + &connector("tw-support", "support", 1)
        + "[messaging_entry.wa]\nou = \"sales\"\nconnector = \"tw-support\"\n\
           service_sid = \"IS12345678900000000000000000AbCdEf\"\n";
    let dir = ws(&[("org.toml", &org)]);
    let found = diagnostics(dir.path());
    let codes: Vec<&str> = found.iter().map(|(code, ..)| code.as_str()).collect();
    // `tw-root` is offered, so not reported unused.
    assert_eq!(
        codes,
        ["unused-messaging-entry", "reference-not-visible"],
        "{found:?}"
    );
    assert_eq!(
        found[1].2,
        "a messaging entry can use what sits in its own OU `sales` or above it; move connector \
         `tw-support` up to `contoso` (above both), or use a connector visible from `sales`, \
         such as `tw-root`"
    );
}

/// The first line of `build --check -o b.json` in `dir`, which must find the bundle stale.
fn stale(dir: &std::path::Path) -> String {
    let r = run(dir, &["build", "--check", "-o", "b.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    r.stderr.lines().next().unwrap_or_default().to_owned()
}

// Kills `src/compile.rs:388:39: replace match guard id(a) == id(b) with true`, `397:39: replace
// match guard id(a) < id(b) with true` / `with false` and `397:45: replace < with ==` / `with
// >` in `first_difference::diff`: `build --check` says that an entity added or removed between
// two others is new or was removed (no test had either message, only "changed").
#[test]
fn build_check_names_a_service_added_or_removed_between_two_others() {
    let service =
        |id: &str| format!("[service.{id}]\nou = \"contoso\"\nlicense = \"advanced_routing\"\n");
    let (a, b, c) = (service("a-desk"), service("b-desk"), service("c-desk"));
    let dir = ws(&[
        ("org.toml", "[ou.contoso]\n"),
        ("a.toml", &a),
        ("c.toml", &c),
    ]);
    let build = |dir: &std::path::Path| {
        let r = run(dir, &["build", "-o", "b.json", "-q"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    build(dir.path());
    std::fs::write(dir.path().join("b.toml"), &b).unwrap();
    assert_eq!(
        stale(dir.path()),
        "error: bundle is stale: b.json: service `b-desk` is new"
    );
    build(dir.path());
    std::fs::remove_file(dir.path().join("b.toml")).unwrap();
    assert_eq!(
        stale(dir.path()),
        "error: bundle is stale: b.json: service `b-desk` was removed"
    );
}
