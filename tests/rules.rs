//! Every rule fires on its own fixture (`fixtures/rules/<code>/`), and its rendered output in
//! every format is a reviewed snapshot.

mod common;

use common::explain::section_files;
use common::{codes, fixture, json, run};
use nimbus_lint::rules::Code;

fn snapshot_all(name: &str, dir: &std::path::Path) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/fixtures");
    settings.set_prepend_module_to_snapshot(false);
    let errors = json(&run(dir, &["check", ".", "--format", "json"]))["summary"]["errors"]
        .as_u64()
        .unwrap();
    let expected = if errors > 0 { 1 } else { 0 };
    settings.bind(|| {
        for format in ["human", "short", "json"] {
            let r = run(dir, &["check", ".", "--format", format]);
            assert_eq!(
                r.code, expected,
                "{name} --format {format}: exit code\n{}{}",
                r.stdout, r.stderr
            );
            assert_eq!(r.stderr, "", "{name}: stderr");
            insta::assert_snapshot!(format!("{name}__{format}"), r.stdout);
        }
    });
}

/// The default severities of CONFIG.md's rule table (and `unused-suppression`, a warning),
/// written out here: the registry is checked against the contract, not against itself.
const CONTRACT_SEVERITIES: &[(&str, &str)] = &[
    ("syntax", "error"),
    ("unknown-field", "error"),
    ("missing-field", "error"),
    ("invalid-value", "error"),
    ("duplicate-id", "error"),
    ("unknown-reference", "error"),
    ("root-ou", "error"),
    ("ou-cycle", "error"),
    ("reference-not-visible", "error"),
    ("unsupported-connector", "error"),
    ("invalid-api-key-sid", "error"),
    ("invalid-service-sid", "error"),
    ("duplicate-service-sid", "error"),
    ("secret-in-config", "error"),
    ("missing-messaging-entry", "error"),
    ("im-unreachable", "error"),
    ("channel-license", "warning"),
    ("channel-region", "warning"),
    ("im-no-agents", "warning"),
    ("self-transfer", "warning"),
    ("unused-messaging-entry", "warning"),
    ("unused-connector", "warning"),
    ("unused-suppression", "warning"),
];

#[test]
fn every_code_has_the_contracts_default_severity() {
    assert_eq!(Code::ALL.len(), CONTRACT_SEVERITIES.len());
    for (code, severity) in CONTRACT_SEVERITIES {
        let rule = Code::parse(code)
            .unwrap_or_else(|| panic!("no rule {code}"))
            .rule();
        assert_eq!(rule.severity.as_str(), *severity, "{code}");
    }
    // And as the command line reports them, in each rule's fixture.
    for (code, severity) in CONTRACT_SEVERITIES {
        let dir = fixture("rules").join(code);
        let doc = json(&run(&dir, &["check", ".", "--format", "json"]));
        for d in doc["diagnostics"].as_array().unwrap() {
            if d["code"] == *code {
                assert_eq!(d["severity"], *severity, "{code}");
            }
        }
    }
}

#[test]
fn every_rule_has_a_fixture_that_fires_it() {
    for code in Code::ALL {
        let dir = fixture("rules").join(code.as_str());
        assert!(dir.is_dir(), "missing fixture {}", dir.display());
        let doc = json(&run(&dir, &["check", ".", "--format", "json"]));
        assert!(
            codes(&doc).iter().any(|c| c == code.as_str()),
            "fixtures/rules/{code} does not fire {code}: {:?}",
            codes(&doc)
        );
    }
}

#[test]
fn rule_fixture_snapshots() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixture("rules"))
        .expect("fixtures/rules")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        snapshot_all(&format!("rules-{name}"), &dir);
    }
}

#[test]
fn many_errors_snapshots() {
    snapshot_all("many-errors", &fixture("many-errors"));
}

#[test]
fn every_explanation_shows_a_failing_and_a_fixed_example() {
    for code in nimbus_lint::rules::Code::ALL {
        let text = code.rule().explanation;
        let section = |title: &str| {
            let start = text
                .find(title)
                .unwrap_or_else(|| panic!("{code}: no `{title}`"));
            let rest = &text[start + title.len()..];
            rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
        };
        for title in ["## Example", "## Fix"] {
            assert!(
                section(title).contains("```toml\n"),
                "{code}: `{title}` shows no TOML"
            );
        }
    }
}

#[test]
fn every_explanation_example_fires_its_rule_and_its_fix_does_not() {
    for code in Code::ALL {
        let text = code.rule().explanation;
        let example = section_files(text, "## Example");
        // The fix replaces the files it shows; the others stay as in the example.
        let mut fixed = example.clone();
        let shown = section_files(text, "## Fix");
        let single = example.len() == 1 && shown.len() == 1;
        for (name, body) in shown {
            let name = if single { example[0].0.clone() } else { name };
            match fixed.iter_mut().find(|(n, _)| *n == name) {
                Some(f) => f.1 = body,
                None => fixed.push((name, body)),
            }
        }
        let fires = |files: &[(String, String)]| {
            let mut all: Vec<(&str, &str)> = files
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            if !all.iter().any(|(n, _)| *n == "nimbus.toml") {
                all.push(("nimbus.toml", ""));
            }
            let ws = common::workspace(&all);
            codes(&json(&run(ws.path(), &["check", "--format", "json"])))
                .contains(&code.as_str().to_owned())
        };
        assert!(
            fires(&example),
            "{code}: its example does not fire it: {example:?}"
        );
        assert!(!fires(&fixed), "{code}: its fix still fires it: {fixed:?}");
    }
}

#[test]
fn explanations_are_prose_of_100_columns_at_most() {
    for code in Code::ALL {
        let r = run(&common::repo(), &["explain", code.as_str()]);
        assert_eq!(r.code, 0);
        let mut in_code = false;
        for line in r.stdout.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            assert!(
                in_code || line.chars().count() <= 100,
                "{code}: {} columns: {line}",
                line.chars().count()
            );
        }
    }
}
