//! The CI and editor formats: SARIF (validated against the official schema) and GitHub
//! workflow commands, snapshotted for the example and the many-errors fixture; every rule has
//! an explanation, a fixture and a SARIF rule entry.

mod common;

use common::{fixture, repo, run};
use nimbus_lint::rules::Code;

/// SARIF names the current directory as a `file://` URI: make snapshots machine-independent.
fn portable(sarif: &str, cwd: &std::path::Path) -> String {
    sarif.replace(&format!("file://{}/", cwd.display()), "file:///CWD/")
}

fn snapshot(name: &str, dir: &std::path::Path) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/formats");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for format in ["human", "short", "json"] {
            let r = run(dir, &["check", "--format", format]);
            insta::assert_snapshot!(format!("{name}__{format}"), r.stdout);
        }
        let sarif = run(dir, &["check", "--format", "sarif"]);
        insta::assert_snapshot!(format!("{name}__sarif"), portable(&sarif.stdout, dir));
        let github = run(dir, &["check", "--format", "github"]);
        insta::assert_snapshot!(format!("{name}__github"), github.stdout);
    });
}

#[test]
fn format_snapshots() {
    snapshot("example", &fixture("example"));
    snapshot("many-errors", &fixture("many-errors"));
}

fn sarif_validator() -> Option<jsonschema::Validator> {
    let Some(path) = common::shared_data("NIMBUS_SARIF_SCHEMA", "vendor/sarif-schema-2.1.0.json")
    else {
        eprintln!(
            "NOT RUN: no ../shared/vendor/sarif-schema-2.1.0.json beside the repository: set \
             NIMBUS_SARIF_SCHEMA to the OASIS SARIF 2.1.0 schema to validate SARIF output"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("NIMBUS_SARIF_SCHEMA={}: {e}", path.to_string_lossy()));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    Some(jsonschema::validator_for(&schema).expect("the SARIF schema compiles"))
}

#[test]
fn sarif_output_is_valid_against_the_oasis_schema() {
    let Some(validator) = sarif_validator() else {
        return;
    };
    let mut dirs = vec![fixture("example"), fixture("many-errors")];
    for code in Code::ALL {
        dirs.push(fixture("rules").join(code.as_str()));
    }
    for dir in dirs {
        let r = run(&dir, &["check", "--format", "sarif"]);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
    }
    // A document that breaks the schema is caught: the validation can fail.
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]});
    assert!(!validator.is_valid(&broken));
}

#[test]
fn every_rule_has_an_explanation_a_fixture_and_a_sarif_entry() {
    let r = run(
        &repo(),
        &["check", "fixtures/many-errors", "--format", "sarif"],
    );
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), Code::ALL.len());
    for (code, rule) in Code::ALL.iter().zip(rules) {
        assert_eq!(rule["id"], code.as_str());
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Fix")
        );
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            code.rule().severity.as_str()
        );
        assert!(fixture("rules").join(code.as_str()).is_dir());
        let explain = run(&repo(), &["explain", code.as_str()]);
        assert_eq!(explain.code, 0);
        assert!(explain.stdout.contains(code.rule().explanation));
    }
    for result in doc["runs"][0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn github_commands_leave_out_columns_on_multi_line_spans_and_escape() {
    let ws = common::workspace(&[
        ("nimbus.toml", ""),
        (
            "a.toml",
            "[ou.contoso]\n[service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\n[service.a.instant_messaging]\nchannels = [\n  \"whatsapp\",\n]\n",
        ),
    ]);
    let r = run(ws.path(), &["check", "--format", "github"]);
    let line = r.stdout.lines().next().unwrap();
    assert!(
        line.starts_with(
            "::error file=a.toml,line=6,endLine=8,title=missing-messaging-entry::service `a` offers WhatsApp"
        ),
        "{line}"
    );
    assert!(line.contains("%0Ahelp: "), "{line}");
    assert!(!line.contains('\n'));
}

#[test]
fn sarif_fingerprints_are_unique_in_a_run_and_survive_edits_above() {
    let service = |id: &str| {
        format!(
            "[service.{id}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"ghost\"]\n"
        )
    };
    let text = format!("[ou.contoso]\n{}{}", service("a"), service("b"));
    let ws = common::workspace(&[("s.toml", &text)]);
    let fingerprints = || {
        let r = run(ws.path(), &["check", "--format", "sarif"]);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["nimbusLint/v2"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect::<Vec<_>>()
    };
    let first = fingerprints();
    assert_eq!(first.len(), 2, "{first:?}");
    assert_ne!(first[0], first[1]);
    assert!(
        first[0].ends_with(":1") && first[1].ends_with(":2"),
        "{first:?}"
    );
    assert_eq!(fingerprints(), first, "stable across runs");
    std::fs::write(ws.path().join("s.toml"), format!("# a comment\n\n{text}")).unwrap();
    assert_eq!(fingerprints(), first, "lines moved, same findings");
}

#[cfg(unix)]
#[test]
fn machine_formats_name_files_as_the_file_system_spells_them() {
    use std::os::unix::ffi::OsStrExt;
    let ws = common::workspace(&[("org.toml", "[ou.contoso]\n")]);
    let root = ws.path();
    for (i, name) in [
        &b"a\nb/x.toml"[..],
        b"caf\xe9.toml",
        b"e\x1b[31m\xe2\x80\xae/y.toml",
    ]
    .into_iter()
    .enumerate()
    {
        let path = root.join(std::ffi::OsStr::from_bytes(name));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("[ou.x{i}]\nparent = \"nope\"\n")).unwrap();
    }
    let r = run(root, &["check", "--format", "github"]);
    let files: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    // GitHub reads `%0A` back as a line feed; it has no escape for the others, which must not
    // reach a terminal raw.
    assert_eq!(
        files,
        [
            "::error file=a%0Ab/x.toml",
            "::error file=caf\u{fffd}.toml",
            "::error file=e\\u{1b}[31m\\u{202e}/y.toml",
        ]
    );
    let r = run(root, &["check", "--format", "json"]);
    assert!(
        !r.stdout.contains(['\u{1b}', '\u{202e}']),
        "raw on a terminal: {}",
        r.stdout
    );
    let doc = common::json(&r);
    let files: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "a\nb/x.toml",
            "caf\u{fffd}.toml",
            "e\u{1b}[31m\u{202e}/y.toml"
        ]
    );
    let r = run(root, &["check", "--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let uris: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        ["a%0Ab/x.toml", "caf%E9.toml", "e%1B%5B31m%E2%80%AE/y.toml"]
    );
}

#[test]
fn human_reports_come_in_the_order_of_the_short_format_however_many() {
    // Enough reports for several of the chunks the human format renders in parallel.
    let mut text = String::from("[ou.root]\n");
    for i in 0..700 {
        text.push_str(&format!(
            "[service.s{i}]\nou = \"nowhere{i}\"\nlicense = \"contact_center\"\n"
        ));
    }
    let ws = common::workspace(&[("nimbus.toml", ""), ("a.toml", &text)]);
    let short = run(ws.path(), &["check", "--format", "short"]);
    let human = run(
        ws.path(),
        &["check", "--format", "human", "--color", "never"],
    );
    let from_short: Vec<&str> = (short.stdout.lines())
        .filter_map(|l| l.split_once("]: ").map(|(_, m)| m))
        .collect();
    let from_human: Vec<&str> = (human.stdout.lines())
        .filter_map(|l| l.strip_prefix("  × ").or_else(|| l.strip_prefix("  ⚠ ")))
        .collect();
    assert!(from_short.len() >= 700, "{}", short.stdout);
    assert_eq!(from_human, from_short);
    let again = run(
        ws.path(),
        &["check", "--format", "human", "--color", "never"],
    );
    assert_eq!(again.stdout, human.stdout);
}

#[test]
fn a_long_line_shows_no_more_of_a_secret_wherever_the_window_cuts_it() {
    // The human format shows a long line in pieces around what it points at: the secret and
    // its repeats must be masked wherever a piece's edge falls, and never make it fail.
    let secret = "Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1";
    for pad in 0..90 {
        let filler = "N".repeat(pad);
        let line = format!(
            "c = {{ ou = \"root\", type = \"twilio\", bogus = 1, name = \"{filler}\", \
             api_key_secret = \"{secret}\", region = \"us1\", note = \"{filler}{secret}\", \
             api_key_sid = \"SK0123456789abcdef0123456789abcdef\" }}{}\n",
            " ".repeat(150)
        );
        let text = format!("[ou.root]\nname = \"R\"\n[connector]\n{line}");
        let ws = common::workspace(&[("nimbus.toml", ""), ("a.toml", &text)]);
        let r = run(ws.path(), &["check", "--color", "never"]);
        assert_eq!(r.code, 1, "pad {pad}: {}", r.stderr);
        assert!(r.stdout.contains("Ab3C*"), "pad {pad}: {}", r.stdout);
        for i in 0..=secret.len() - 5 {
            let piece = &secret[i..i + 5];
            assert!(
                !r.stdout.contains(piece),
                "pad {pad}: `{piece}` in\n{}",
                r.stdout
            );
        }
    }
}

#[test]
fn in_a_github_step_below_the_checkout_github_and_sarif_name_files_from_the_checkout() {
    // A step with `working-directory: tenant`: GitHub reads annotation and SARIF paths
    // relative to its checkout, GITHUB_WORKSPACE.
    let repo_dir = tempfile::tempdir().unwrap();
    let checkout = std::fs::canonicalize(repo_dir.path()).unwrap();
    let tenant = checkout.join("tenant");
    std::fs::create_dir(&tenant).unwrap();
    std::fs::write(tenant.join("nimbus.toml"), "").unwrap();
    std::fs::write(
        tenant.join("org.toml"),
        "[ou.acme]\n[ou.sales]\nparent = \"acm\"\n",
    )
    .unwrap();
    std::fs::create_dir(tenant.join("locked")).unwrap();
    std::fs::write(tenant.join("locked/x.toml"), "").unwrap();
    let env = [("GITHUB_WORKSPACE", checkout.as_os_str())];
    let r = common::run_with(&tenant, &["check", "--format", "github"], "", &env);
    assert!(
        r.stdout.starts_with("::error file=tenant/org.toml,line=3,"),
        "{}",
        r.stdout
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &common::run_with(&tenant, &["check", "--format", "sarif"], "", &env).stdout,
    )
    .unwrap();
    let log = &sarif["runs"][0];
    assert_eq!(
        log["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", checkout.display())
    );
    assert_eq!(
        log["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tenant/org.toml"
    );
    // Outside the checkout, or without it, paths stay relative to the current folder.
    let elsewhere = tempfile::tempdir().unwrap();
    let env = [("GITHUB_WORKSPACE", elsewhere.path().as_os_str())];
    let r = common::run_with(&tenant, &["check", "--format", "github"], "", &env);
    assert!(
        r.stdout.starts_with("::error file=org.toml,"),
        "{}",
        r.stdout
    );
    let r = run(&tenant, &["check", "--format", "github"]);
    assert!(
        r.stdout.starts_with("::error file=org.toml,"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_stale_bundle_and_an_unreadable_file_are_annotated_from_the_checkout() {
    use std::os::unix::fs::PermissionsExt;
    let repo_dir = tempfile::tempdir().unwrap();
    let checkout = std::fs::canonicalize(repo_dir.path()).unwrap();
    let tenant = checkout.join("tenant");
    common::copy_dir(&fixture("example"), &tenant);
    let env = [("GITHUB_WORKSPACE", checkout.as_os_str())];
    let r = common::run_with(
        &tenant,
        &["build", "--check", "--format", "github"],
        "",
        &env,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("::error file=tenant/dist/bundle.json,title=stale bundle::"),
        "{}",
        r.stderr
    );
    let locked = tenant.join("services/locked.toml");
    std::fs::write(&locked, "").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        return; // Run as root: every file can be read.
    }
    let r = common::run_with(&tenant, &["check", "--format", "github"], "", &env);
    assert!(
        r.stdout
            .contains("::error file=tenant/services/locked.toml,title=not read::"),
        "{}",
        r.stdout
    );
}

#[test]
fn sarif_keeps_errors_first_within_github_s_limit_and_says_how_many_are_left_out() {
    // GitHub refuses a run of more than 25,000 results; the test lowers the limit to 4.
    let ws = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.acme]\n"),
        (
            "s.toml",
            "[service.a]\nou = \"acme\"\nlicense = \"contact_center\"\ntransfers = [\"a\", \"x\"]\n\
             [service.b]\nou = \"acme\"\nlicense = \"contact_center\"\ntransfers = [\"b\", \"y\"]\n\
             [service.c]\nou = \"acme\"\nlicense = \"contact_center\"\ntransfers = [\"c\", \"z\"]\n",
        ),
    ]);
    let env = [("NIMBUS_LINT_TEST_SARIF_MAX", std::ffi::OsStr::new("4"))];
    let r = common::run_with(ws.path(), &["check", "--format", "sarif"], "", &env);
    assert_eq!(r.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    // In file order: `a`'s self-transfer, then the three unknown references.
    assert_eq!(levels, ["warning", "error", "error", "error"]);
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["message"]["text"],
        "2 results left out (0 errors, 2 warnings): GitHub code scanning refuses a run of more than 25000 results; errors come first; `--format json` or `short` lists them all"
    );
    if let Some(validator) = sarif_validator() {
        assert!(validator.is_valid(&doc));
    }
    // Within the limit: every result, and no notification.
    let r = run(ws.path(), &["check", "--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 6);
    assert!(
        doc["runs"][0]["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none()
    );
}

#[test]
fn files_above_the_current_folder_are_annotated_from_the_checkout_too() {
    // A step whose `working-directory` is a folder of the workspace: the bundle and a path
    // named with `..` lie above it, and are shown absolute on the terminal.
    let repo_dir = tempfile::tempdir().unwrap();
    let checkout = std::fs::canonicalize(repo_dir.path()).unwrap();
    common::copy_dir(&fixture("example"), &checkout);
    let services = checkout.join("services");
    let env = [("GITHUB_WORKSPACE", checkout.as_os_str())];
    let r = common::run_with(
        &services,
        &["build", "--check", "--format", "github"],
        "",
        &env,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("::error file=dist/bundle.json,title=stale bundle::"),
        "{}",
        r.stderr
    );
    let r = common::run_with(
        &services,
        &["check", "--format", "github", "../nope", "."],
        "",
        &env,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("::error file=nope,title=not read::no such file or directory\n"),
        "{}",
        r.stdout
    );
    let r = common::run_with(
        &services,
        &["check", "--format", "sarif", "../nope", "."],
        "",
        &env,
    );
    assert!(r.stdout.contains("\"uri\": \"nope\""), "{}", r.stdout);
    assert!(!r.stdout.contains(&format!("{}/nope", checkout.display())));
}
