//! The README stays true: its graph is what the tool draws for the example, and its first
//! commands are the ones a newcomer needs.

mod common;

use common::{repo, run};

#[test]
fn readme_graph_is_current() {
    let graph = run(
        &repo(),
        &["graph", "fixtures/example", "--format", "mermaid"],
    );
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = readme
        .split_once("<!-- graph:start -->\n")
        .expect("start marker");
    let (_, tail) = rest.split_once("<!-- graph:end -->").expect("end marker");
    let expected = format!(
        "{head}<!-- graph:start -->\n```mermaid\n{}```\n<!-- graph:end -->{tail}",
        graph.stdout
    );
    if std::env::var_os("NIMBUS_UPDATE_README").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert!(
        readme == expected,
        "README.md's graph is stale: regenerate it with `NIMBUS_UPDATE_README=1 cargo test --test readme`"
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
