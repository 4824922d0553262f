//! Helps that name the change the user means, where the plain reading of the mistake would
//! send them the wrong way (found by a usability audit: following the help literally must fix
//! the problem).

mod common;

use common::{run, workspace};

/// What `check` prints in `ws` in the human format.
fn human(ws: &std::path::Path) -> String {
    run(ws, &["check"]).stdout
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
        "[ou.acme]\nname = \"Acme\"\n\n[ou.sales]\nparent = \"acme\"\n"
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
