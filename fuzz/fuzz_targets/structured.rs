//! A workspace of several files, built by `arbitrary` from the fuzzer's bytes (see
//! `src/model.rs`), through check and build.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nimbus_lint_fuzz::model::Workspace;

fuzz_target!(|ws: Workspace| {
    let files = ws.render();
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    nimbus_lint_fuzz::check_workspace(&files);
});
