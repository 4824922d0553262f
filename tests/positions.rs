//! Positions are 1-based lines and character columns: right on CRLF files, on lines with
//! multi-byte characters, and after a byte order mark.

mod common;

use common::{json, run, workspace};

/// The text a JSON place (line, column .. end_line, end_column) covers in `text`.
fn covered(text: &str, d: &serde_json::Value) -> String {
    let offset = |line: u64, column: u64| -> usize {
        let start: usize = text
            .split_inclusive('\n')
            .take(line as usize - 1)
            .map(str::len)
            .sum();
        let mut at = start;
        for ch in text[start..].chars().take(column as usize - 1) {
            at += ch.len_utf8();
        }
        at
    };
    let from = offset(d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
    let to = offset(
        d["end_line"].as_u64().unwrap(),
        d["end_column"].as_u64().unwrap(),
    );
    text[from..to].to_owned()
}

const CRLF: &str = "\u{feff}[ou.contoso]\r\nname = \"Contoso Ä Ö\"\r\n\r\n[service.\"café\"]\r\nname = \"Café 日本\"\r\nou = \"contoso\"\r\nlicense = \"contact-center\" # 日本語\r\n";

#[test]
fn crlf_multibyte_and_bom() {
    let ws = workspace(&[("nimbus.toml", ""), ("a.toml", CRLF)]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let doc = json(&r);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2, "{}", r.stdout);
    assert_eq!(
        (
            &diags[0]["code"],
            &diags[0]["line"],
            &diags[0]["column"],
            &diags[0]["end_column"]
        ),
        (&"invalid-value".into(), &4.into(), &10.into(), &16.into())
    );
    assert_eq!(covered(CRLF, &diags[0]), "\"café\"");
    assert_eq!(
        (
            &diags[1]["line"],
            &diags[1]["column"],
            &diags[1]["end_column"]
        ),
        (&7.into(), &11.into(), &27.into())
    );
    assert_eq!(covered(CRLF, &diags[1]), "\"contact-center\"");
}

#[test]
fn short_format_uses_the_same_positions() {
    let ws = workspace(&[("nimbus.toml", ""), ("a.toml", CRLF)]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert!(
        r.stdout
            .starts_with("a.toml:4:10: error[invalid-value]: invalid service id `café`\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("a.toml:7:11: error[invalid-value]: unknown licence `contact-center`\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn every_position_of_the_many_errors_fixture_lies_in_its_file() {
    let dir = common::fixture("many-errors");
    let doc = json(&run(&dir, &["check", "--format", "json"]));
    let diags = doc["diagnostics"].as_array().unwrap();
    assert!(diags.len() >= 8);
    for d in diags
        .iter()
        .chain(diags.iter().flat_map(|d| d["labels"].as_array().unwrap()))
    {
        let text = std::fs::read_to_string(dir.join(d["file"].as_str().unwrap())).unwrap();
        let covered = covered(&text, d);
        assert!(
            !covered.is_empty() || d["code"] == "syntax",
            "empty span: {d}"
        );
        assert!(
            !covered.contains('\n') || covered.starts_with('['),
            "span runs over lines: {d}"
        );
    }
}

#[test]
fn a_syntax_error_at_the_very_end_of_a_file_without_a_final_line_ending_is_drawn() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("s.toml", "[ou.contoso]\n[service.x]\nlicense = ["),
    ]);
    let r = run(ws.path(), &["check"]);
    assert!(
        r.stdout
            .contains(" 3 │ license = [\n   ·           ┬▲\n   ·           │╰── `]` goes here\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_string_left_open_to_the_end_is_shown_at_the_last_line_with_where_it_opens() {
    let text = "[ou.a]\nname = \"\"\"abc\ndef\n";
    let ws = workspace(&[("nimbus.toml", ""), ("s.toml", text)]);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let d = &doc["diagnostics"][0];
    // The file has three lines: not a fourth.
    assert_eq!((&d["line"], &d["column"]), (&3.into(), &4.into()), "{d}");
    assert_eq!(covered(text, &d["labels"][0]), "\"\"\"");
    let human = run(ws.path(), &["check", "--color", "never"]);
    assert!(
        human.stdout.contains(
            " 2 │ name = \"\"\"abc\n   ·        ─┬─\n   ·         ╰── the string opens here\n \
             3 │ def\n   ·    ▲\n   ·    ╰── the file ends inside the string\n"
        ) && human
            .stdout
            .contains("help: close the string with `\"\"\"` where its text ends: the line below it is read into it\n"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_bare_value_with_a_hash_and_a_table_defined_twice_are_marked_whole() {
    for (text, marked) in [
        ("[ou.a]\r\nname = Team#1\r\n", "Team#1"),
        ("[ou.a]\r\nname = C# Team\t# comment\r\n", "C# Team"),
        ("[ou.a]\nname = \"é\"\n  [ou.a] # again\n", "[ou.a]"),
    ] {
        let ws = workspace(&[("nimbus.toml", ""), ("s.toml", text)]);
        let doc = json(&run(ws.path(), &["check", "--format", "json"]));
        assert_eq!(covered(text, &doc["diagnostics"][0]), marked, "{doc}");
    }
}

#[test]
fn a_carriage_return_alone_is_marked_itself() {
    let text = "[ou.a]\rparent = \"root\"\r";
    let ws = workspace(&[("nimbus.toml", ""), ("s.toml", text)]);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let d = &doc["diagnostics"][0];
    assert_eq!((&d["line"], &d["column"]), (&1.into(), &7.into()), "{d}");
    assert_eq!(
        d["help"].as_str().unwrap().split(':').next(),
        Some("save the file with LF or CRLF line endings")
    );
}

#[test]
fn a_fix_in_a_multi_line_string_keeps_its_line_break() {
    for eol in ["\n", "\r\n"] {
        let text = format!("[ou.a]{eol}parent = \"\"\"{eol}sale\"\"\"{eol}");
        let ws = workspace(&[
            ("nimbus.toml", ""),
            ("org.toml", "[ou.root]\n[ou.sales]\nparent = \"root\"\n"),
            ("x.toml", &text),
        ]);
        let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert_eq!(
            std::fs::read_to_string(ws.path().join("x.toml")).unwrap(),
            text.replace("sale", "sales")
        );
    }
}

#[test]
fn the_open_string_is_found_past_escaped_quotes() {
    let text = "[ou.x]\nname = \"\"\"\nhas \\\"\"\" inside\nnever closed\n";
    let ws = workspace(&[("nimbus.toml", ""), ("s.toml", text)]);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let label = &doc["diagnostics"][0]["labels"][0];
    assert_eq!(
        (&label["line"], &label["column"]),
        (&2.into(), &8.into()),
        "{doc}"
    );
}
