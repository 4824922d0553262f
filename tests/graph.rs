//! `graph`: the transfer graph of real workspaces, in both formats, as reviewed snapshots:
//! front desks with their entries, proxied services, services reached but not proxied, and
//! unreachable ones drawn apart.

mod common;

use common::{fixture, run};

fn snapshot_graphs(name: &str, dir: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/graph");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for format in ["mermaid", "dot"] {
            let r = run(&fixture(dir), &["graph", ".", "--format", format]);
            assert_eq!(r.code, 0, "{name} {format}: {}", r.stderr);
            insta::assert_snapshot!(format!("{name}__{format}"), r.stdout);
        }
    });
}

#[test]
fn unreachable_services_are_drawn_apart() {
    snapshot_graphs("im-unreachable", "rules/im-unreachable");
    let r = run(&fixture("rules/im-unreachable"), &["graph", "."]);
    // billing-team and billing-experts: IM that no desk reaches; billing-ivr: no IM.
    for (node, class) in [
        ("billing-team", "stranded"),
        ("billing-experts", "stranded"),
        ("billing-ivr", "noIm"),
        ("sales-ivr", "desk"),
        ("sales-team", "proxied"),
    ] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains(&format!("\"{node}")) && l.ends_with(&format!(":::{class}"))),
            "{node} is not {class}:\n{}",
            r.stdout
        );
    }
    let dot = run(
        &fixture("rules/im-unreachable"),
        &["graph", ".", "--format", "dot"],
    );
    assert!(
        dot.stdout
            .lines()
            .any(|l| l.contains("billing-team") && l.contains("#ffcdd2")),
        "{}",
        dot.stdout
    );
}

#[test]
fn chains_loops_and_shared_services() {
    for name in [
        "broken-chain",
        "transfer-cycle",
        "shared-service",
        "multi-hop",
    ] {
        snapshot_graphs(name, &format!("valid/{name}"));
    }
}

#[test]
fn a_desk_without_an_entry_reaches_services_it_cannot_proxy() {
    snapshot_graphs("missing-messaging-entry", "rules/missing-messaging-entry");
    let r = run(&fixture("rules/missing-messaging-entry"), &["graph", "."]);
    for class in ["deskNoEntry", "reached"] {
        assert!(
            r.stdout
                .lines()
                .any(|l| !l.trim_start().starts_with("legend")
                    && l.ends_with(&format!(":::{class}"))),
            "no node is {class}:\n{}",
            r.stdout
        );
    }
    // Drawn with errors in the workspace: a note says so.
    assert!(r.stderr.contains("error"), "{}", r.stderr);
}
