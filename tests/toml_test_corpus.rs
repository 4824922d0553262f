//! Every document of the toml-test suite's *invalid* corpus gives exactly one `syntax`
//! diagnostic, at a place inside the file and on a character boundary, and never a panic:
//! once as an entity file and once as `nimbus.toml`.
//!
//! The corpus lives beside the repository, in `../shared/corpus/toml-test-invalid`, or where
//! `NIMBUS_TOML_TEST_INVALID` says. Without either the test says `NOT RUN` and passes.
//! It runs in-process (`load_memory` + `analyze`): about 500 documents, twice, in well under a
//! second.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nimbus_lint::load::load_memory;
use nimbus_lint::rules::Code;

/// Documents of the corpus that are valid TOML 1.1, which the `toml` crate reads: toml-test
/// files them as invalid because they break TOML 1.0. nimbus-lint reports what their
/// *content* deserves (`unknown-field`: the keys are not ours), never a panic, and every span
/// stays in bounds. Each entry is checked to be still accepted, so the list cannot go stale.
///
/// Not listed, on purpose: `integer/incomplete-{bin,hex,oct}` (`0x`) and `integer/arabic-zero-02`
/// (`1_0` + U+0660) are invalid in every TOML version. `toml::de::DeTable` leaves integer digits
/// unchecked (it keeps them as text with a radix; `toml::from_str` would fail later with
/// "integer number overflowed"), so nimbus-lint must check them itself and report `syntax`.
const ACCEPTED: &[(&str, &str)] = &[
    (
        "datetime/no-secs.toml",
        "TOML 1.1: seconds of a time are optional",
    ),
    (
        "local-datetime/no-secs.toml",
        "TOML 1.1: seconds of a time are optional",
    ),
    (
        "local-time/no-secs.toml",
        "TOML 1.1: seconds of a time are optional",
    ),
    (
        "inline-table/linebreak-01.toml",
        "TOML 1.1: inline tables may span lines",
    ),
    (
        "inline-table/linebreak-02.toml",
        "TOML 1.1: inline tables may span lines",
    ),
    (
        "inline-table/linebreak-03.toml",
        "TOML 1.1: inline tables may span lines",
    ),
    (
        "inline-table/linebreak-04.toml",
        "TOML 1.1: inline tables may span lines",
    ),
    (
        "inline-table/trailing-comma.toml",
        "TOML 1.1: inline tables may end with a comma",
    ),
    (
        "string/basic-byte-escapes.toml",
        "TOML 1.1: `\\xHH` escapes in basic strings",
    ),
];

fn corpus() -> Option<PathBuf> {
    common::shared_data("NIMBUS_TOML_TEST_INVALID", "corpus/toml-test-invalid")
}

fn documents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                let rel = p
                    .strip_prefix(root)
                    .expect("under the root")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&p).expect("readable")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// What one document gives, as a file named `name` of an otherwise empty workspace.
struct Outcome {
    syntax: usize,
    codes: Vec<&'static str>,
    problems: Vec<String>,
}

fn run(name: &str, bytes: &[u8]) -> Outcome {
    let files: Vec<(&str, &[u8])> = if name == "nimbus.toml" {
        // A settings file alone is not a workspace with entities; give it a root OU.
        vec![(name, bytes), ("org.toml", b"[ou.root]\n")]
    } else {
        vec![(name, bytes)]
    };
    let analysis = nimbus_lint::analyze(load_memory(&files), &[]);
    let mut problems = Vec::new();
    let mut check = |what: &str, span: nimbus_lint::source::Span| {
        let file = analysis.ws.sources.get(span.file);
        let text: &str = &file.text;
        if span.start > span.end || span.end as usize > text.len() {
            problems.push(format!(
                "{what}: span {}..{} outside the file ({} bytes)",
                span.start,
                span.end,
                text.len()
            ));
        } else if !text.is_char_boundary(span.start as usize)
            || !text.is_char_boundary(span.end as usize)
        {
            problems.push(format!(
                "{what}: span {}..{} not on a char boundary",
                span.start, span.end
            ));
        }
    };
    for d in &analysis.diagnostics {
        check(&format!("{} `{}`", d.code, d.message), d.span);
        for l in &d.labels {
            check(&format!("{} label `{}`", d.code, l.message), l.span);
        }
    }
    Outcome {
        syntax: analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::Syntax)
            .count(),
        codes: analysis
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect(),
        problems,
    }
}

#[test]
fn every_invalid_document_gives_one_syntax_diagnostic() {
    let Some(dir) = corpus() else {
        println!(
            "NOT RUN: no ../shared/corpus/toml-test-invalid beside the repository: set \
             NIMBUS_TOML_TEST_INVALID to the toml-test invalid corpus to run every document \
             through the parser"
        );
        return;
    };
    let docs = documents(&dir);
    assert!(
        docs.len() > 100,
        "{}: only {} documents; is this the toml-test invalid corpus?",
        dir.display(),
        docs.len()
    );
    let accepted: BTreeMap<&str, &str> = ACCEPTED.iter().copied().collect();
    let mut failures = Vec::new();
    let mut still_accepted = Vec::new();
    for (rel, bytes) in &docs {
        for as_file in ["doc.toml", "nimbus.toml"] {
            let outcome = std::panic::catch_unwind(|| run(as_file, bytes));
            let Ok(o) = outcome else {
                failures.push(format!("{rel} (as {as_file}): PANIC"));
                continue;
            };
            for p in &o.problems {
                failures.push(format!("{rel} (as {as_file}): {p}"));
            }
            match (o.syntax, accepted.contains_key(rel.as_str())) {
                (1, false) => {
                    if o.codes.len() != 1 {
                        failures.push(format!(
                            "{rel} (as {as_file}): a syntax error and more: {:?}",
                            o.codes
                        ));
                    }
                }
                (0, true) => still_accepted.push(rel.as_str()),
                (0, false) => failures.push(format!(
                    "{rel} (as {as_file}): no `syntax` diagnostic (accepted as valid TOML); \
                     diagnostics {:?}",
                    o.codes
                )),
                (1, true) => failures.push(format!(
                    "{rel} (as {as_file}): now rejected; remove it from ACCEPTED"
                )),
                (n, _) => failures.push(format!(
                    "{rel} (as {as_file}): {n} syntax diagnostics, want one: {:?}",
                    o.codes
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} documents failed:\n{}",
        failures.len(),
        docs.len(),
        failures.join("\n")
    );
    still_accepted.dedup();
    println!(
        "{} documents checked; {} are valid TOML 1.1, as listed:",
        docs.len(),
        still_accepted.len()
    );
    for rel in still_accepted {
        println!("  {rel}: {}", accepted[rel]);
    }
}
