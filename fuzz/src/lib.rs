//! What the fuzz targets share: the invariants asserted on every input, and the `Arbitrary`
//! workspace model of the `structured` target.
//!
//! The same invariants run in `cargo test` as property tests (`tests/invariants.rs`), on a few
//! thousand generated inputs; here libFuzzer drives them for as long as you like.

pub mod model;

use nimbus_lint::Analysis;
use nimbus_lint::compile;
use nimbus_lint::emit::{self, Format, Style};
use nimbus_lint::load::load_memory;
use nimbus_lint::source::Span;

/// Runs a workspace held in memory through check and build, and asserts every invariant:
///
/// - nothing panics (load, parse, resolve, check, every output format, the graph, the bundle);
/// - every diagnostic's span and every label's span lies inside its file, on char boundaries;
/// - the fixes `check --fix` would apply land on char boundaries and never break the syntax
///   of a file that parsed;
/// - build succeeds exactly when check reports no error: without errors the bundle compiles,
///   streams to the same bytes as `compile` + `to_bytes`, and reads back as the same bundle.
///   (With errors, `build` refuses before compiling; `tests/invariants.rs` checks that on the
///   real command line.)
pub fn check_workspace(files: &[(&str, &[u8])]) -> Analysis {
    let analysis = nimbus_lint::analyze(load_memory(files), &[]);
    spans_in_bounds(&analysis);
    fixes_keep_files_parsing(files, &analysis);
    // The human and SARIF renderers cost several times the whole analysis: every input gets
    // the cheap formats, one in eight (chosen by its content, so that a crash reproduces) all.
    render_everything(&analysis, fnv(files).is_multiple_of(8));
    if !analysis.has_errors() {
        build(&analysis);
    }
    analysis
}

/// Every span of every diagnostic lies inside its file and on character boundaries.
pub fn spans_in_bounds(a: &Analysis) {
    let check = |what: &str, span: Span| {
        assert!(
            (span.file.0 as usize) < a.ws.sources.len(),
            "{what}: span in file #{} of {}",
            span.file.0,
            a.ws.sources.len()
        );
        let text: &str = &a.ws.sources.get(span.file).text;
        assert!(
            span.start <= span.end && span.end as usize <= text.len(),
            "{what}: span {}..{} outside the file ({} bytes)",
            span.start,
            span.end,
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
            "{what}: span {}..{} not on char boundaries",
            span.start,
            span.end
        );
    };
    for d in &a.diagnostics {
        check(&format!("{} `{}`", d.code, d.message), d.span);
        for l in &d.labels {
            check(&format!("{} label `{}`", d.code, l.message), l.span);
        }
        if let Some(f) = &d.fix {
            check(&format!("{} fix `{}`", d.code, f.title), f.span);
        }
    }
}

/// The fixes `check --fix` would apply never break the syntax of a file that parsed.
pub fn fixes_keep_files_parsing(files: &[(&str, &[u8])], a: &Analysis) {
    if a.diagnostics.iter().all(|d| d.fix.is_none()) {
        return;
    }
    let syntax = |a: &Analysis, name: &str| {
        (a.diagnostics.iter()).any(|d| {
            d.code == nimbus_lint::rules::Code::Syntax
                && a.ws.sources.get(d.span.file).rel() == name
        })
    };
    let mut fixed: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (n.to_string(), b.to_vec()))
        .collect();
    let mut changed = Vec::new();
    for (id, fixes) in nimbus_lint::diagnostic::fixes_by_file(&a.diagnostics) {
        let source = a.ws.sources.get(id);
        let text = nimbus_lint::diagnostic::apply(&source.text, &fixes);
        if let Some(slot) = fixed.iter_mut().find(|(n, _)| n == source.rel()) {
            slot.1 = text.into_bytes();
            changed.push(source.rel().to_owned());
        }
    }
    let refs: Vec<(&str, &[u8])> = fixed
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let after = nimbus_lint::analyze(load_memory(&refs), &[]);
    for name in changed {
        let text = |files: &[(String, Vec<u8>)]| {
            (files.iter().find(|(n, _)| *n == name))
                .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        };
        let before: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        assert!(
            syntax(a, &name) || !syntax(&after, &name),
            "the fixes broke the syntax of {name}: {:?} became {:?}",
            text(&before),
            text(&fixed)
        );
    }
}

/// FNV-1a over the files' names and bytes.
fn fnv(files: &[(&str, &[u8])]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in files {
        for &b in name.as_bytes().iter().chain(bytes.iter()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The output formats and the graph render without panicking, into memory: short, JSON,
/// GitHub and both graphs always, human and SARIF too when `all`.
pub fn render_everything(a: &Analysis, all: bool) {
    let results = std::slice::from_ref(a);
    let style = Style {
        color: false,
        width: 80,
    };
    let formats: &[Format] = if all {
        &[
            Format::Human,
            Format::Short,
            Format::Json,
            Format::Sarif,
            Format::Github,
        ]
    } else {
        &[Format::Short, Format::Json, Format::Github]
    };
    for &format in formats {
        let mut out = Vec::new();
        emit::render(format, results, &[], false, style, &mut out).expect("rendering into memory");
        assert!(
            std::str::from_utf8(&out).is_ok(),
            "{format:?} output is not UTF-8"
        );
    }
    for format in [
        emit::graph::GraphFormat::Mermaid,
        emit::graph::GraphFormat::Dot,
    ] {
        let _ = emit::graph::render(a, format);
    }
}

/// The bundle of a workspace without errors: compiled, streamed, read back.
pub fn build(a: &Analysis) -> Vec<u8> {
    let bundle = compile::compile(&a.ws, &a.transfers);
    let whole = compile::to_bytes(&bundle);
    let mut streamed = Vec::new();
    compile::write_workspace(&a.ws, &a.transfers, &mut streamed).expect("writing into memory");
    assert!(
        whole == streamed,
        "write_workspace and compile + to_bytes give different bytes"
    );
    let back: compile::Bundle<'_> =
        serde_json::from_slice(&whole).expect("the bundle reads back as a bundle");
    assert_eq!(back, bundle, "the bundle does not read back the same");
    whole
}
