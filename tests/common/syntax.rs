//! The set-up of the syntax-help tests: a clean workspace a case's file `x.toml` joins, its
//! rendered report, and reviewed snapshots of it.

use super::{run, workspace};

/// A clean workspace the case's file `x.toml` is added to.
pub const ORG: &str = "[ou.acme]\nname = \"Acme\"\n\n[ou.sales]\nparent = \"acme\"\n\n[ou.support]\nparent = \"acme\"\n";

/// `check` of the workspace with `x.toml` holding `text`, in the human and short formats.
pub fn rendered(text: &str) -> String {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("x.toml", text)]);
    let human = run(ws.path(), &["check"]);
    let short = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!((human.stderr.as_str(), short.stderr.as_str()), ("", ""));
    format!("{}\n---- short ----\n{}", human.stdout, short.stdout)
}

/// Snapshots the rendered text of each `(name, text)` case in `tests/snapshots/DIR`.
pub fn snapshots(dir: &str, cases: &[(&str, &str)]) {
    let mut settings = insta::Settings::clone_current();
    // Relative to this file's folder, `tests/common`.
    settings.set_snapshot_path(format!("../snapshots/{dir}"));
    settings.set_prepend_module_to_snapshot(false);
    for (name, text) in cases {
        settings.set_description(*text);
        settings.bind(|| insta::assert_snapshot!(*name, rendered(text)));
    }
}

/// `check --fix --format short` of the workspace with `x.toml` holding `text`: the run's
/// output (the fixes made, on stderr, then the report), then the file's text after it.
pub fn fixed(text: &str) -> (String, String) {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("x.toml", text)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    let after = std::fs::read_to_string(ws.path().join("x.toml")).unwrap();
    (format!("{}{}", r.stderr, r.stdout), after)
}

/// A file of `[service.x]` with `head` (its first keys) then `line` below its header, and the
/// services `billing` and `sales-team` its transfers may name.
pub fn desk(head: &str, line: &str) -> String {
    format!(
        "[service.x]\n{head}{line}\n\n[service.billing]\nou = \"support\"\nlicense = \"contact_center\"\n\n[service.sales-team]\nou = \"support\"\nlicense = \"contact_center\"\n"
    )
}

/// Asserts that `--fix` turns `desk(head, line)` into `desk(head, mended)` with the fix titled
/// `title`; the run's output, for more checks.
pub fn fixes_desk(head: &str, line: &str, mended: &str, title: &str) -> String {
    let (out, after) = fixed(&desk(head, line));
    assert_eq!(after, desk(head, mended), "{out}");
    assert!(out.contains(&format!(" fixed[syntax]: {title}\n")), "{out}");
    out
}
