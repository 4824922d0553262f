//! The README stays true: its graph is what the tool draws for the example, its sample report
//! what `check` prints, and its first commands are the ones a newcomer needs.

mod common;

use common::{repo, run};

#[test]
fn readme_graph_is_current() {
    let graph = run(
        &repo(),
        &["graph", "fixtures/example", "--format", "mermaid"],
    );
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    let block = format!("```mermaid\n{}```\n", graph.stdout);
    assert!(
        readme_block_is("graph", &block),
        "README.md's graph is stale: regenerate it with `NIMBUS_UPDATE_README=1 cargo test --test readme`"
    );
}

/// Replaces what README.md holds between `<!-- NAME:start -->` and `<!-- NAME:end -->` with
/// `block`; with `NIMBUS_UPDATE_README` set, writes it. True when it was current.
fn readme_block_is(name: &str, block: &str) -> bool {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let (head, rest) = readme.split_once(&start).expect("start marker");
    let (_, tail) = rest.split_once(&end).expect("end marker");
    let expected = format!("{head}{start}{block}{end}{tail}");
    if std::env::var_os("NIMBUS_UPDATE_README").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    readme == expected
}

#[test]
fn readme_sample_report_is_current() {
    let r = run(&repo(), &["check", "fixtures/many-errors"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The first report: its code's line, a blank line, the report, up to the next code's.
    let codes: Vec<&str> = nimbus_lint::rules::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let next = (r.stdout.match_indices("\n\n"))
        .map(|(i, _)| i + 2)
        .find(|&i| {
            let line = r.stdout[i..].lines().next().unwrap_or("");
            i > 0 && codes.contains(&line)
        })
        .expect("a second report");
    let block = format!("```text\n{}```\n", &r.stdout[..next - 1]);
    assert!(
        readme_block_is("sample", &block),
        "README.md's sample report is stale: regenerate it with `NIMBUS_UPDATE_README=1 cargo test --test readme`"
    );
}

#[test]
fn readme_opens_with_the_two_commands() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let first: Vec<&str> = readme.lines().take(6).collect();
    assert!(
        first
            .iter()
            .any(|l| l.starts_with("cargo run --release -- check fixtures/example"))
    );
    assert!(first.iter().any(|l| l.starts_with("cargo test --locked")));
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert!(ci.contains("cargo test --locked"));
}
