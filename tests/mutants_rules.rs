//! Behaviour that mutation testing (cargo-mutants, `src/rules/`) found no test pinning down:
//! each test here fails on at least one mutant that the rest of the suite let through.

mod common;

use common::{run, workspace, workspace_diagnostics as diagnostics};

/// The (code, help) of each diagnostic of `check --format json` over `files` (plus an empty
/// `nimbus.toml` unless `files` holds one).
fn helps(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all: Vec<(&str, &str)> = Vec::new();
    if !files.iter().any(|(p, _)| *p == "nimbus.toml") {
        all.push(("nimbus.toml", ""));
    }
    all.extend_from_slice(files);
    let ws = workspace(&all);
    common::json_diagnostics(ws.path())
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["help"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A file with the root OU `contoso`, `n` Twilio connectors in it (`tw0`..) and a messaging
/// entry `wa` that names no connector.
fn entry_without_connector(n: usize) -> String {
    let mut s = String::from("[ou.contoso]\n\n");
    for i in 0..n {
        s.push_str(&format!(
            "[connector.tw{i}]\nou = \"contoso\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcde{i}\"\n\n"
        ));
    }
    s.push_str(
        "[messaging_entry.wa]\nou = \"contoso\"\nservice_sid = \"IS12345678900000000000000000AbCdEf\"\n",
    );
    s
}

/// The help of the one `missing-field` diagnostic of `files`.
fn missing_field_help(files: &[(&str, &str)]) -> String {
    let found: Vec<String> = helps(files)
        .into_iter()
        .filter(|(c, _)| c == "missing-field")
        .map(|(_, h)| h)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}

// Kills `src/rules/missing_field.rs:152:41: replace > with >= in connector_example` (3
// connectors would be told "or another") and `… replace > with == …` (4 would not be).
#[test]
fn missing_connector_help_says_or_another_only_past_three_connectors() {
    let three = entry_without_connector(3);
    assert_eq!(
        missing_field_help(&[("org.toml", &three)]),
        "add `connector = …` naming `tw0`, `tw1` or `tw2`: the connectors of `contoso`, the \
         nearest OU at or above its own that holds any"
    );
    let four = entry_without_connector(4);
    assert_eq!(
        missing_field_help(&[("org.toml", &four)]),
        "add `connector = …` naming `tw0`, `tw1` or `tw2` or another: the connectors of \
         `contoso`, the nearest OU at or above its own that holds any"
    );
}

// Kills `src/rules/unknown_field.rs:113:20: replace match guard certain with true in
// unknown_lint`, which the deterministic tests let through (only a property test of
// tests/invariants.rs caught it, after minutes): two misspelled `[lints]` keys that both point
// at one code must not both be renamed to it (that would write the key twice, a TOML error).
#[test]
fn check_fix_renames_no_lint_code_that_two_keys_point_at() {
    // One misspelled key: renamed (the fix exists and reaches nimbus.toml).
    let ws = workspace(&[
        ("nimbus.toml", "[lints]\nunused-conector = \"allow\"\n"),
        ("org.toml", "[ou.contoso]\n"),
    ]);
    let r = run(ws.path(), &["check", "--fix", "-q"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("nimbus.toml")).unwrap(),
        "[lints]\nunused-connector = \"allow\"\n"
    );
    // Two keys meant for the same code: neither is renamed, both stay reported.
    let settings = "[lints]\nunused-conector = \"allow\"\nunused-connectr = \"allow\"\n";
    let ws = workspace(&[("nimbus.toml", settings), ("org.toml", "[ou.contoso]\n")]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr, "", "nothing was fixed");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("nimbus.toml")).unwrap(),
        settings
    );
    assert_eq!(
        r.stdout,
        "nimbus.toml:2:1: error[unknown-field]: unknown rule code `unused-conector` in [lints]\n\
         nimbus.toml:3:1: error[unknown-field]: unknown rule code `unused-connectr` in [lints]\n\
         2 errors, 0 warnings in 2 files\n"
    );
}

/// A root OU, the service `sales-team` and a front desk `desk` whose `transfers` are `list`.
fn desk_transferring_to(list: &str) -> String {
    format!(
        "[ou.contoso]\n\n[service.sales-team]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n\
         [service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [{list}]\n"
    )
}

// Kills `src/rules/unknown_reference.rs:60:65: replace += with *= in check`: two misspellings
// in one service's `transfers` that both mean `sales-team` are not both renamed to it (the
// list would name it twice); one alone is.
#[test]
fn check_fix_does_not_list_a_transfer_target_twice() {
    let one = desk_transferring_to("\"sales-taem\"");
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &one)]);
    let r = run(ws.path(), &["check", "--fix", "-q"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        desk_transferring_to("\"sales-team\"")
    );

    let two = desk_transferring_to("\"sales-taem\", \"sales-tem\"");
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &two)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr, "", "nothing was fixed");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        two
    );
    assert_eq!(
        r.stdout,
        "org.toml:10:14: error[unknown-reference]: `transfers` names an unknown service `sales-taem`\n\
         org.toml:10:28: error[unknown-reference]: `transfers` names an unknown service `sales-tem`\n\
         2 errors, 0 warnings in 2 files\n"
    );
}

// Kills `src/rules/unknown_reference.rs:97:24: replace match guard u.value.is_empty() with
// false in check`: an empty reference is told to name an existing entity, not lectured on the
// characters of ids (it has none).
#[test]
fn an_empty_reference_is_told_to_name_an_existing_entity() {
    let org = "[ou.contoso]\n\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
               transfers = [\"\"]\n";
    assert_eq!(
        helps(&[("org.toml", org)]),
        [(
            "unknown-reference".to_owned(),
            "name an existing service".to_owned()
        )]
    );
}

/// `n` root OUs: `a` (which holds the OU `a1`, so it is taken for the tenant), then `b`, `c`..
fn roots(n: usize) -> String {
    let mut s = String::from("[ou.a]\n\n[ou.a1]\nparent = \"a\"\n\n");
    for id in ["b", "c", "d", "e", "f", "g"].iter().take(n - 1) {
        s.push_str(&format!("[ou.{id}]\n\n"));
    }
    s
}

// Kills `src/rules/root_ou.rs:98:37: replace > with >= in check` (four roots to move would be
// cut short) and `… replace > with == …` (five would all be listed).
#[test]
fn root_ou_help_names_up_to_four_roots_to_move_then_counts_the_rest() {
    assert_eq!(
        helps(&[("org.toml", &roots(5))]),
        [(
            "root-ou".to_owned(),
            "a workspace describes one tenant: give `b`, `c`, `d` and `e` a `parent` (e.g. \
             `parent = \"a\"`)"
                .to_owned()
        )]
    );
    assert_eq!(
        helps(&[("org.toml", &roots(6))]),
        [(
            "root-ou".to_owned(),
            "a workspace describes one tenant: give `b`, `c`, `d` and 2 more root OUs a \
             `parent` (e.g. `parent = \"a\"`)"
                .to_owned()
        )]
    );
}

/// A root OU and a loop of `n` OUs `o00` → `o01` → … → `o00`.
fn ou_loop(n: usize) -> String {
    let mut s = String::from("[ou.root]\n\n");
    for i in 0..n {
        s.push_str(&format!(
            "[ou.o{i:02}]\nparent = \"o{:02}\"\n\n",
            (i + 1) % n
        ));
    }
    s
}

// Kills `src/rules/ou_cycle.rs:84:54: replace + with - in check` and `… replace + with * …`:
// a loop of 14 OUs has its first step at the diagnostic, the next 12 labelled, and the last
// label counts the one step left (a loop of 13 leaves none).
#[test]
fn a_long_ou_loop_counts_the_steps_it_does_not_label() {
    let d = diagnostics(&[("org.toml", &ou_loop(14))]);
    assert_eq!(d.len(), 1, "{d:?}");
    let labels = d[0]["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 12);
    assert_eq!(labels[0]["message"], "`o01` → `o02`");
    assert_eq!(
        labels[11]["message"],
        "`o12` → `o13` (and 1 more OU on the loop)"
    );

    let d = diagnostics(&[("org.toml", &ou_loop(13))]);
    assert_eq!(d.len(), 1, "{d:?}");
    let labels = d[0]["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 12);
    assert_eq!(labels[11]["message"], "`o12` → `o00`");
}
