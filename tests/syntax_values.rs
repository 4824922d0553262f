//! The helps and fixes of values written wrong (audit 18): bare values quoted whole and in the
//! form their key takes, curly quotes paired, look-alike characters named, `null` and
//! backticks told as the habits they are. Each case's rendered text (human and short) is a
//! reviewed snapshot; each fix is checked by the file `check --fix` leaves and a re-check.

mod common;

use common::{run, workspace};

/// A clean workspace the case's file `x.toml` is added to.
const ORG: &str = "[ou.acme]\nname = \"Acme\"\n\n[ou.sales]\nparent = \"acme\"\n\n[ou.support]\nparent = \"acme\"\n";

/// `check` of the workspace with `x.toml` holding `text`, in the human and short formats.
fn rendered(text: &str) -> String {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("x.toml", text)]);
    let human = run(ws.path(), &["check"]);
    let short = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!((human.stderr.as_str(), short.stderr.as_str()), ("", ""));
    format!("{}\n---- short ----\n{}", human.stdout, short.stdout)
}

/// Snapshots the rendered text of each `(name, text)` case.
fn snapshots(cases: &[(&str, &str)]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/syntax_values");
    settings.set_prepend_module_to_snapshot(false);
    for (name, text) in cases {
        settings.set_description(*text);
        settings.bind(|| insta::assert_snapshot!(*name, rendered(text)));
    }
}

#[test]
fn f31_a_table_first_written_with_dotted_keys_is_merged_above_the_next_header() {
    snapshots(&[(
        "merge-dotted-above-header",
        "service.a.ou = \"sales\"\n[ou.b]\nparent = \"acme\"\n[service.a]\nlicense = \"contact_center\"\n",
    )]);
}
