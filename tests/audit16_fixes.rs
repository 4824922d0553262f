//! Fixes of the sixteenth session, a section each: a multi-line string in a list read the
//! same in CRLF and LF checkouts.

mod common;

use common::{code_messages, workspace_diagnostics};

#[test]
fn a_multi_line_string_in_a_list_reads_the_same_in_crlf_and_lf_checkouts() {
    let lf = "[ou.c]\nname = \"C\"\n[service.a]\nname = \"A\"\nou = \"c\"\nlicense = \"contact_center\"\ntransfers = [\"\"\"x\ny\"\"\"]\n";
    let diagnostics = |text: &str| {
        code_messages(&workspace_diagnostics(&[
            ("nimbus.toml", ""),
            ("a.toml", text),
        ]))
    };
    let want = vec![(
        "unknown-reference".to_owned(),
        "`transfers` names an unknown service `x\\u{a}y`".to_owned(),
    )];
    assert_eq!(diagnostics(lf), want);
    assert_eq!(diagnostics(&lf.replace('\n', "\r\n")), want);
}
