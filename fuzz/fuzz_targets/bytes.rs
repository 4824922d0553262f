//! Arbitrary bytes as one entity file of a workspace (beside a minimal `nimbus.toml`), and the
//! same bytes as `nimbus.toml` itself, through check and build.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nimbus_lint_fuzz::check_workspace(&[("nimbus.toml", b""), ("input.toml", data)]);
    nimbus_lint_fuzz::check_workspace(&[("nimbus.toml", data), ("org.toml", b"[ou.root]\n")]);
});
