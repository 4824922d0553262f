//! The helps and fixes of values written wrong (audit 18): bare values quoted whole and in the
//! form their key takes, curly quotes paired, look-alike characters named, `null` and
//! backticks told as the habits they are. Each case's rendered text (human and short) is a
//! reviewed snapshot; each fix is checked by the file `check --fix` leaves and a re-check.

mod common;

use common::syntax::{ORG, rendered};
use common::{run, workspace};

/// Snapshots the rendered text of each `(name, text)` case.
fn snapshots(cases: &[(&str, &str)]) {
    common::syntax::snapshots("syntax_values", cases);
}

/// What `check --fix` writes to `x.toml` holding `text`, and the short report of a check
/// run again on the result.
fn fixed(text: &str) -> (String, String) {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("x.toml", text)]);
    run(ws.path(), &["check", "--fix", "--quiet"]);
    let after = std::fs::read_to_string(ws.path().join("x.toml")).expect("x.toml");
    let again = run(ws.path(), &["check", "--format", "short"]);
    (after, again.stdout)
}

/// The help line of the rendered text (the first, whole, its wrapped lines joined).
fn help(text: &str) -> String {
    let out = rendered(text);
    let mut lines = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("help:"));
    let mut help = lines.next().unwrap_or_default().trim().to_owned();
    for l in lines.take_while(|l| l.starts_with("        ") && !l.trim().is_empty()) {
        help.push(' ');
        help.push_str(l.trim());
    }
    help
}

const DESK: &str = "[service.desk]\nou = \"support\"\nlicense = \"contact_center\"\n";
const TIER1: &str = "\n[service.tier1]\nou = \"support\"\nlicense = \"contact_center\"\n";
const TWILIO: &str = "[connector.tw]\nou = \"sales\"\ntype = \"twilio\"\napi_key_sid = \"SK00000000000000000000000000000abc\"\n";

#[test]
fn f12_f27_a_bare_value_is_quoted_whole_and_stray_punctuation_is_named() {
    snapshots(&[
        (
            "stray-colon-before-array",
            &format!("{DESK}transfers = :[\"b\", \"c\"]\n"),
        ),
        ("stray-colon-after-equals", "[ou.x]\nparent =: \"sales\"\n"),
        (
            "stray-equals-in-key",
            &format!("{DESK}tran=sfers = [\"b\"]\n"),
        ),
        ("equals-inside-bare-value", "[ou.x]\nname = Sales = Team\n"),
        (
            "trailing-comma",
            "[service.a]\nou = \"sales\"\nlicense = contact_center,\n",
        ),
        ("trailing-semicolon", "[ou.x]\nname = Sales;\n"),
        (
            "url-with-query",
            "[ou.x]\nname = http://example.com/desk?id=42\n",
        ),
        (
            "inline-table-lost-brace",
            &format!("{TWILIO}api_key_secret =  env = \"TWILIO_API_KEY_SECRET\" }}\n"),
        ),
    ]);
    // Spread over lines, the mistake is found by the file parsing past the line: in words.
    snapshots(&[
        (
            "stray-equals-in-key-multi-line",
            &format!("{DESK}transfe=rs = [\n  \"tier1\",\n]\n{TIER1}"),
        ),
        (
            "inline-table-lost-brace-multi-line",
            &format!("{DESK}instant_messaging =  channels = [\n  \"interact\",\n] }}\n"),
        ),
    ]);
    // Each example shown parses and is what the line meant.
    assert_eq!(
        help("[ou.x]\nname = Fabrikam  ,\n"),
        "help: text values are written in quotes, and a line ends with no `,`: `name = \"Fabrikam\"`"
    );
    assert_eq!(
        help("[ou.x]\nname = Sales ou = \"x\"\n"),
        "help: text values are written in quotes: `name = \"Sales\"`"
    );
    // A multi-byte blank in the rest of the line is read by characters (it once cut one).
    assert!(rendered("[ou.x]\nname = Sales\u{a0}„=]\n").contains("error[syntax]"));
    // Not certain: no fix, the file as it was.
    let text = "[ou.x]\nname = Sales;\n";
    assert_eq!(fixed(text).0, text);
}

#[test]
fn f14_curly_quotes_pair_and_an_apostrophe_stays_inside() {
    snapshots(&[
        ("curly-apostrophe", "[ou.x]\nname = “Bob’s team”\n"),
        ("curly-nested", "[ou.x]\nname = “Sales “A” Team”\n"),
        ("curly-single-apostrophe", "[ou.x]\nname = ‘It’s here’\n"),
        ("straight-open-curly-close", "[ou.x]\nname = \"Sales”\n"),
        ("curly-never-closed", "[ou.x]\nname = “Fabrikam\n"),
    ]);
    // Fixed as the help says, and the re-check is clean.
    let (after, again) = fixed("[ou.x]\nparent = \"acme\"\nname = “Bob’s team”\n");
    assert_eq!(after, "[ou.x]\nparent = \"acme\"\nname = \"Bob’s team\"\n");
    assert!(again.contains("0 errors"), "{again}");
    let (after, again) = fixed("[ou.x]\nparent = \"acme\"\nname = “Fabrikam\n");
    assert_eq!(after, "[ou.x]\nparent = \"acme\"\nname = \"Fabrikam\"\n");
    assert!(again.contains("0 errors"), "{again}");
    let (after, again) = fixed("[ou.x]\nparent = \"acme\"\nname = \"Sales”\n");
    assert_eq!(after, "[ou.x]\nparent = \"acme\"\nname = \"Sales\"\n");
    assert!(again.contains("0 errors"), "{again}");
}

#[test]
fn f17_look_alike_characters_are_named_and_replaced() {
    snapshots(&[
        (
            "no-break-space-in-key-line",
            "[service.a]\nou\u{a0}= \"sales\"\n",
        ),
        (
            "no-break-space-after-value",
            "[service.a]\nou = \"sales\"\u{a0}\n",
        ),
        (
            "en-dash-in-header",
            "[service.sales\u{2013}ivr]\nou = \"sales\"\n",
        ),
        (
            "zero-width-space-in-key",
            "[service.a]\nou\u{200b} = \"sales\"\n",
        ),
    ]);
    // Inside a string the character is kept: only the one outside is replaced.
    assert_eq!(
        help("[ou.x]\nname = \"A\u{a0}B\"\u{a0}\n"),
        "help: replace it with a plain space: `name = \"A\u{a0}B\"`"
    );
}

#[test]
fn f22_a_value_missing_its_opening_quote_is_named() {
    snapshots(&[
        (
            "missing-open-quote-boolean-like",
            "[connector.tw]\nou = \"sales\"\ntype = twilio\"\n",
        ),
        (
            "missing-open-quote",
            "[service.a]\nou = \"sales\"\nlicense = contact_center\"\n",
        ),
    ]);
    // An item with its closing quote alone: the line with the opening one added.
    let item =
        format!("{DESK}\n[service.desk.instant_messaging]\nchannels = [\"sms\", interact\"]\n");
    snapshots(&[("missing-open-quote-item", &item)]);
    let (after, again) = fixed(&item);
    assert_eq!(after, item.replace(" interact\"", " \"interact\""));
    assert!(!again.contains("[syntax]"), "{again}");
    let (after, again) = fixed("[service.a]\nou = \"sales\"\nlicense = contact_center\"\n");
    assert_eq!(
        after,
        "[service.a]\nou = \"sales\"\nlicense = \"contact_center\"\n"
    );
    assert!(!again.contains("[syntax]"), "{again}");
}

#[test]
fn f24_a_secret_written_bare_gets_the_variable_table() {
    snapshots(&[
        (
            "secret-bare-variable",
            &format!("{TWILIO}api_key_secret = $TWILIO_API_KEY_SECRET\n"),
        ),
        (
            "secret-bare-literal",
            &format!("{TWILIO}api_key_secret = hunter2\n"),
        ),
    ]);
    // The variable's table is certain; a literal is never rewritten nor repeated.
    let (after, again) = fixed(&format!("{TWILIO}api_key_secret = ${{MY_SECRET}}\n"));
    assert_eq!(
        after,
        format!("{TWILIO}api_key_secret = {{ env = \"MY_SECRET\" }}\n")
    );
    assert!(again.contains("0 errors"), "{again}");
    // In the secret's own table, `env` names the variable without `$`.
    let table = format!("{TWILIO}\n[connector.tw.api_key_secret]\nenv = $MY_SECRET\n");
    snapshots(&[("secret-table-env-variable", &table)]);
    let (after, again) = fixed(&table);
    assert_eq!(after, table.replace("$MY_SECRET", "\"MY_SECRET\""));
    assert!(again.contains("0 errors"), "{again}");
    let text = format!("{TWILIO}api_key_secret = hunter2\n");
    assert!(!help(&text).contains("hunter2"));
    assert_eq!(fixed(&text).0, text);
}

#[test]
fn f25_a_key_with_no_value_gets_an_example_of_its_form() {
    snapshots(&[
        ("no-value-list", &format!("{DESK}transfers =\n")),
        ("no-value-table", &format!("{DESK}instant_messaging =\n")),
        ("no-value-secret", &format!("{TWILIO}api_key_secret =\n")),
    ]);
}

#[test]
fn f26_a_bare_value_of_a_list_key_is_put_in_a_list() {
    snapshots(&[
        (
            "bare-list-item",
            &format!("{DESK}transfers = tier1\n{TIER1}"),
        ),
        (
            "bare-list-items",
            "[service.a.instant_messaging]\nchannels = whatsapp, sms\n",
        ),
    ]);
    let (after, again) = fixed(&format!("{DESK}transfers = tier1\n{TIER1}"));
    assert_eq!(after, format!("{DESK}transfers = [\"tier1\"]\n{TIER1}"));
    assert!(again.contains("0 errors, 0 warnings"), "{again}");
}

#[test]
fn f28_null_is_no_value_and_backticks_are_no_quotes() {
    snapshots(&[
        ("null-parent", "[ou.x]\nparent = null\n"),
        ("none-parent", "[ou.x]\nparent = None # the root\n"),
        (
            "backticks",
            "[ou.x]\nparent = \"acme\"\nname = `Fabrikam`\n",
        ),
    ]);
    for null in ["null", "None", "undefined", "nil"] {
        let text = format!("[ou.x]\nparent = {null}\n");
        let (after, again) = fixed(&text);
        assert_eq!(after, text);
        assert!(again.contains("is not a TOML value"), "{again}");
    }
    // `none` is a value of `user_assignment`: quoted, not taken for a null.
    let (after, again) = fixed(&format!("{DESK}user_assignment = none\n"));
    assert_eq!(after, format!("{DESK}user_assignment = \"none\"\n"));
    assert!(again.contains("0 errors"), "{again}");
    let (after, again) = fixed("[ou.x]\nparent = \"acme\"\nname = `Fabrikam`\n");
    assert_eq!(after, "[ou.x]\nparent = \"acme\"\nname = \"Fabrikam\"\n");
    assert!(again.contains("0 errors"), "{again}");
}

#[test]
fn f31_a_table_first_written_with_dotted_keys_is_merged_above_the_next_header() {
    snapshots(&[(
        "merge-dotted-above-header",
        "service.a.ou = \"sales\"\n[ou.b]\nparent = \"acme\"\n[service.a]\nlicense = \"contact_center\"\n",
    )]);
}

#[test]
fn l3_odd_characters_are_shown_as_toml_escapes_or_not_at_all() {
    snapshots(&[("bidi-in-curly-quotes", "[ou.x]\nname = “Sa\u{202e}les”\n")]);
    let out = rendered("[ou.x]\nname = “Sa\u{202e}les”\n");
    assert!(out.contains("`name = \"Sa\\u202Eles\"`"), "{out}");
    assert!(!out.contains("\\u{"), "{out}");
    // A help that would show the character raw leaves the example out.
    let out = rendered("[service.a b\u{202e}]\nou = \"sales\"\n");
    assert!(!out.contains("\\u{"), "{out}");
}
