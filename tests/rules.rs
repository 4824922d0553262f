//! Every rule fires on its own fixture (`fixtures/rules/<code>/`), and its rendered output in
//! every format is a reviewed snapshot.

mod common;

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
