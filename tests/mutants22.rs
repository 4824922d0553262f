//! Mutation audit 22 (`notes/audit-mutants-22.md`): what the mutants of the twenty-first
//! session's code showed untested. The syntax helps (the items of a one-line list, lists in
//! other brackets, strings joined with `+` or closed with the other quote), the columns
//! after a lone `\r`, and, through the language server, ranged changes applied in one pass
//! and the version of a file open under two URIs (a small framed client below: the server
//! harness of `tests/lsp.rs` is that file's own).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

const HEAD: &str = "ou = \"support\"\n";

/// The report (human, then short) of `[service.x]`'s file with `line` below its header.
fn told(line: &str) -> String {
    common::syntax::rendered(&common::syntax::desk(HEAD, line))
}

/// Asserts that the report of `line` holds each of `wanted`.
fn tells(line: &str, wanted: &[&str]) {
    let out = told(line);
    for w in wanted {
        assert!(out.contains(w), "{line}: no {w:?} in\n{out}");
    }
}

#[test]
fn a_quoted_item_holding_a_blank_is_one_item_of_a_list_mended() {
    // The item ends at its closing quote, not at its blank.
    tells(
        "transfers = [\"Sales Team\" billing]",
        &[
            "help: separate the items with `,` and quote each: `transfers = [\"Sales Team\", \"billing\"]`",
        ],
    );
}

#[test]
fn a_quoted_item_with_a_comma_right_after_it_is_an_item_of_a_list_mended() {
    tells(
        "transfers = [\"sales-team\",billing]",
        &["help: quote each item: `transfers = [\"sales-team\", \"billing\"]`"],
    );
}

#[test]
fn text_glued_to_a_closing_quote_is_not_taken_for_an_item() {
    // `"sales-team"x` is no item and no two: the list is not mended.
    let out = told("transfers = [billing, \"sales-team\"x]");
    assert!(
        out.contains("help: text values are written in quotes: `\"…\"`"),
        "{out}"
    );
    assert!(!out.contains("quote each item"), "{out}");
}

#[test]
fn strings_joined_with_plus_are_not_told_so_when_text_follows_the_last_one() {
    // Told as one string, the line would lose the text after it.
    for line in [
        "name = \"Sales\" + \" IVR\" x",
        "name = \"Sales\" + \" IVR\",",
    ] {
        let out = told(line);
        assert!(!out.contains("joined"), "{line}: {out}");
        assert!(!out.contains("`name = \"Sales IVR\"`"), "{line}: {out}");
    }
    // A comment after it is no text of the line.
    tells(
        "name = \"Sales\" + \" IVR\"  # shown",
        &["strings are not joined with `+`", "`name = \"Sales IVR\"`"],
    );
}

#[test]
fn a_string_holding_a_backslash_is_not_reopened_with_the_other_quote() {
    // In `"…"` the `\t` would become a tab: the value would change.
    let line = "name = 'Sales\\tIVR\"";
    let out = told(line);
    assert!(!out.contains("opens with"), "{out}");
    assert!(
        out.contains("string not closed: `'` missing at the end of the line"),
        "{out}"
    );
    let (report, after) = common::syntax::fixed(&common::syntax::desk(HEAD, line));
    assert!(!report.contains("fixed[syntax]"), "{report}");
    assert!(after.contains(line), "{after}");
    // Without it, the opening quote is the one to change.
    tells(
        "name = 'Sales IVR\"",
        &["the string opens with `'` and ends with `\"`"],
    );
}

#[test]
fn an_empty_inline_table_set_twice_is_a_key_set_twice_not_a_list() {
    // The second line parses alone: its `{}` is no list in the wrong brackets.
    for line in [
        "instant_messaging = {}\ninstant_messaging = {}",
        "transfers = []\ntransfers = {}",
    ] {
        let out = told(line);
        assert!(out.contains("is set twice in `[service.x]`"), "{out}");
        assert!(!out.contains("a list is written"), "{out}");
    }
}

/// A file of `text` for the position conversions.
fn source(text: &str) -> nimbus_lint::source::SourceFile {
    nimbus_lint::source::SourceFile::new("a.toml".into(), "a.toml", "a.toml", text.into())
}

#[test]
fn columns_after_a_lone_cr_count_from_it_in_every_encoding() {
    // `é` is two bytes and one UTF-16 unit, `😀` four bytes and two units; the lone `\r`
    // starts line 1, the `\n` line 2.
    let text = "aé😀\rbé😀c\nd";
    let f = source(text);
    let c = text.find('c').unwrap();
    assert_eq!(f.position_chars(c), (1, 3));
    assert_eq!(f.position_utf16(c), (1, 4));
    assert_eq!(f.position_utf8(c), (1, 7));
    let d = text.find('d').unwrap();
    assert_eq!(f.position_chars(d), (2, 0));
    assert_eq!(f.position_utf16(d), (2, 0));
}

/// One message to the language server, framed.
fn send(to: &mut impl Write, v: &Value) {
    let body = v.to_string();
    write!(to, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    to.flush().unwrap();
}

/// The next message from the language server.
fn receive(from: &mut impl BufRead) -> Value {
    let mut len = 0;
    loop {
        let mut line = String::new();
        assert!(from.read_line(&mut line).unwrap() > 0, "the server ended");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            len = n.parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    from.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// A language server over `root` (a client that takes versioned document changes), its
/// input and its output.
fn server(root: &std::path::Path) -> (std::process::Child, impl Write, impl BufRead) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut to = child.stdin.take().unwrap();
    let mut from = BufReader::new(child.stdout.take().unwrap());
    let root = format!("file://{}", root.to_str().unwrap());
    let capabilities = json!({"workspace": {"workspaceEdit": {"documentChanges": true}}});
    let init = json!({"processId": null, "rootUri": root, "capabilities": capabilities});
    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}),
    );
    while receive(&mut from).get("id") != Some(&json!(1)) {}
    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    (child, to, from)
}

/// Opens the document `uri` at `version` with `text`.
fn open(to: &mut impl Write, uri: &str, version: i32, text: &str) {
    let doc = json!({"uri": uri, "languageId": "toml", "version": version, "text": text});
    let open = json!({"textDocument": doc});
    send(
        to,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": open}),
    );
}

#[test]
fn changes_sent_from_the_start_stop_one_pass_where_a_cr_and_a_lf_join() {
    // The first change writes a `\r` at the end of `a`, the second a `\n` right after it:
    // one line end now, not two, so the third change's line 3 is `[ou.x]`, not the line
    // before it. (Applied in one pass past the second, it would land on `#cdefghij`.)
    let ws = common::workspace(&[("nimbus.toml", ""), ("x.toml", "")]);
    let path = ws.path().join("x.toml");
    let uri = format!("file://{}", path.to_str().unwrap());
    let (mut server, mut to, mut from) = server(ws.path());
    let text = "#ab\n#cdefghij\n[ou.x]\nname = \"X\"\n";
    open(&mut to, &uri, 1, text);
    let range = |a: (u32, u32), b: (u32, u32)| json!({"start": {"line": a.0, "character": a.1}, "end": {"line": b.0, "character": b.1}});
    let changes = json!([
        {"range": range((0, 1), (0, 2)), "text": "a\r"},
        {"range": range((1, 0), (1, 0)), "text": "\n#"},
        {"range": range((3, 0), (3, 1)), "text": "x"},
    ]);
    let change = json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": changes});
    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": change}),
    );
    // The text is now `#a\r\n#b\n#cdefghij\nxou.x]\n…`: its syntax error is on line 3.
    let lines = loop {
        let m = receive(&mut from);
        if m["method"] != "textDocument/publishDiagnostics" || m["params"]["uri"] != uri {
            continue;
        }
        let syntax: Vec<u64> = (m["params"]["diagnostics"].as_array().unwrap().iter())
            .filter(|d| d["code"] == "syntax")
            .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
            .collect();
        if !syntax.is_empty() {
            break syntax;
        }
    };
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(lines, [3]);
}

#[test]
fn a_quick_fix_is_for_the_version_of_the_document_it_was_asked_of() {
    // The file is open under two URIs, the other one last (the current document): the
    // quick fix asked of the first is for the first's version.
    let org = ("org.toml", "[ou.root]\n");
    let text = "[service.desk]\nou = \"root\"\nlicense = \"contact_centre\"\n";
    let ws = common::workspace(&[("nimbus.toml", ""), org, ("x.toml", text)]);
    let dir = ws.path().to_str().unwrap();
    let name = ws.path().file_name().unwrap().to_str().unwrap();
    let (first, second) = (
        format!("file://{dir}/x.toml"),
        format!("file://{dir}/../{name}/./x.toml"),
    );
    let (mut server, mut to, mut from) = server(ws.path());
    open(&mut to, &first, 3, text);
    open(&mut to, &second, 9, text);
    let at = json!({"start": {"line": 2, "character": 10}, "end": {"line": 2, "character": 26}});
    let context = json!({"diagnostics": [], "only": ["quickfix"]});
    let asked = json!({"textDocument": {"uri": first}, "range": at, "context": context});
    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": asked}),
    );
    let answer = loop {
        let m = receive(&mut from);
        if m.get("id") == Some(&json!(2)) {
            break m;
        }
    };
    server.kill().unwrap();
    server.wait().unwrap();
    let changed = &answer["result"][0]["edit"]["documentChanges"][0]["textDocument"];
    assert_eq!(*changed, json!({"uri": first, "version": 3}), "{answer}");
}
