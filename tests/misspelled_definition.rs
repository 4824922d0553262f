//! An entity whose own id is the misspelling: references agreeing on one unknown id whose
//! only near id is that entity's, which nothing names. Told once, at the entity, when its
//! `name` reads as the references' id; otherwise told at each reference with no fix, as which
//! side is wrong is not known; told as any other misspelling when the name reads as its id.

mod common;

use common::{run, workspace};

/// `check --fix --format short` of the OU `tenant` (with `name`, when given) and two services
/// in `ou = "tenat"`: the output, then whether the file was left as it was.
fn fixed(name: Option<&str>) -> (String, bool) {
    let name = name.map_or(String::new(), |n| format!("name = \"{n}\"\n"));
    let text = format!(
        "[ou.tenant]\n{name}\n[service.a]\nou = \"tenat\"\nlicense = \"contact_center\"\n\n[service.b]\nou = \"tenat\"\nlicense = \"contact_center\"\n"
    );
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &text)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    let after = std::fs::read_to_string(ws.path().join("org.toml")).unwrap();
    (r.stdout, after == text)
}

#[test]
fn a_definition_whose_name_reads_as_the_references_id_is_told_once_and_not_fixed() {
    let (out, kept) = fixed(Some("Tenat"));
    assert_eq!(
        out,
        "org.toml:1:5: error[unknown-reference]: 2 references name the unknown OU `tenat`, and nothing names the OU `tenant`\n\
         1 error, 0 warnings in 2 files\n"
    );
    assert!(kept);
}

#[test]
fn with_no_name_each_reference_is_told_and_none_is_fixed() {
    let (out, kept) = fixed(None);
    assert_eq!(
        out,
        "org.toml:4:6: error[unknown-reference]: `ou` names an unknown OU `tenat`\n\
         org.toml:8:6: error[unknown-reference]: `ou` names an unknown OU `tenat`\n\
         2 errors, 0 warnings in 2 files\n"
    );
    assert!(kept);
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "org.toml",
            "[ou.tenant]\n\n[ou.a]\nparent = \"tenat\"\n\n[ou.b]\nparent = \"tenat\"\n",
        ),
    ]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let doc = common::json(&r);
    for d in doc["diagnostics"].as_array().unwrap() {
        assert_eq!(
            d["help"],
            "did you mean `tenant`? Nothing names `[ou.tenant]` while 2 references write `tenat`: if its id is the misspelling, correct it there instead"
        );
    }
}

#[test]
fn a_definition_whose_name_reads_as_its_id_has_its_references_fixed() {
    let (out, kept) = fixed(Some("Tenant"));
    assert_eq!(out, "0 errors, 0 warnings in 2 files\n");
    assert!(!kept);
}
