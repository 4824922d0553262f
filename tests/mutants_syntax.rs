//! Behaviour of the `syntax` rule's reading of a file that does not parse that mutation testing
//! (cargo-mutants, audit 17) found no test pinning down: the credentials read from the text of
//! such a file (`src/rules/syntax/broken.rs`: one-line strings, `nimbus-lint` comments, the
//! runs of letters and digits) and the way a syntax error is explained (`src/rules/syntax.rs`).
//! Each test here fails on at least one mutant that the whole rest of the suite let through; its
//! doc comment names them. Every test compares the whole human report of `check`, so the
//! message, the span, the labels and the help of each diagnostic are all pinned.

mod common;

/// The human report (stdout) of `check` over a workspace of an empty `nimbus.toml` and
/// `org.toml` holding `text`.
fn rendered(text: &str) -> String {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", text)]);
    let r = common::run(dir.path(), &["check"]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    r.stdout
}

/// Guards where the literal secret of a one-line `api_key_secret` string below a syntax error
/// points: over the whole string, both quotes included. Kills, in `bare_secrets`, `163:33:
/// replace + with -` and `with *`: the span ended before the closing quote (no test checked
/// the span of a literal one-line secret read from the text).
#[test]
fn a_one_line_literal_secret_below_a_syntax_error_is_labelled_quotes_included() {
    let out = rendered("[connector.tw\napi_key_secret = \"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6\"\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: table header without its closing `]`
   ╭─[org.toml:1:14]
 1 │ [connector.tw
   ·              ▲
   ·              ╰── `]` goes here
 2 │ api_key_secret = \"A1b2****************************\"
   ╰────
  help: add `]` at the end of the header: `[connector.tw]`

secret-in-config

  × `api_key_secret` holds a literal secret `A1b2…` (32 characters)
   ╭─[org.toml:2:18]
 1 │ [connector.tw
 2 │ api_key_secret = \"A1b2****************************\"
   ·                  ─────────────────┬────────────────
   ·                                   ╰── a secret in the repository
   ╰────
  help: write `api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }` and set the variable where Nimbus
        is deployed; rotate this key in Twilio, it has been exposed

2 errors, 0 warnings in 2 files
"
    );
}

/// Guards where reading resumes after a one-line string below a syntax error: right after its
/// closing quote, so a bare credential between two strings on one line is reported. Kills, in
/// `bare_secrets`, `169:23: replace + with *`: reading resumed at the closing quote, which then
/// opened a string of its own (` q1W2… `) that hid the credential.
#[test]
fn a_bare_credential_between_two_strings_below_a_syntax_error_is_reported() {
    let out = rendered("[ou.contoso\nnote = \"see\" q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6 \"below\"\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: table header without its closing `]`
   ╭─[org.toml:1:12]
 1 │ [ou.contoso
   ·            ▲
   ·            ╰── `]` goes here
 2 │ note = \"see\" q1W2**************************** \"below\"
   ╰────
  help: add `]` at the end of the header: `[ou.contoso]`

secret-in-config

  × string shaped like a Twilio API key secret: `q1W2…` (32 characters)
   ╭─[org.toml:2:14]
 1 │ [ou.contoso
 2 │ note = \"see\" q1W2**************************** \"below\"
   ·              ────────────────┬───────────────
   ·                              ╰── looks like a credential
   ╰────
  help: credentials never belong in these files: delete it, keep it in an environment variable that
        a connector names with `api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }`, and rotate the
        exposed credential in Twilio

2 errors, 0 warnings in 2 files
"
    );
}

/// Guards a credential-shaped code in a `nimbus-lint` comment below a syntax error (a
/// suppression comment, read as the suppressions of a file that parses are): it is reported
/// over the code alone, where it stands on its line. Kills, in `bare_secrets`, `195:34` and
/// `195:49: replace + with -` and `with *` (the span's start and end: an overflow panic or a
/// span elsewhere) and, in `alphanumeric_runs`, `231:18: replace < with >` (the runs after a
/// first character that is no letter or digit, the comment's `#`, were never found).
#[test]
fn a_credential_in_a_nimbus_lint_comment_below_a_syntax_error_is_labelled_where_it_stands() {
    let out = rendered("[ou.contoso\n# nimbus-lint: allow q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: table header without its closing `]`
   ╭─[org.toml:1:12]
 1 │ [ou.contoso
   ·            ▲
   ·            ╰── `]` goes here
 2 │ # nimbus-lint: allow q1W2****************************
   ╰────
  help: add `]` at the end of the header: `[ou.contoso]`

secret-in-config

  × string shaped like a Twilio API key secret: `q1W2…` (32 characters)
   ╭─[org.toml:2:22]
 1 │ [ou.contoso
 2 │ # nimbus-lint: allow q1W2****************************
   ·                      ────────────────┬───────────────
   ·                                      ╰── looks like a credential
   ╰────
  help: credentials never belong in these files: delete it, keep it in an environment variable that
        a connector names with `api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }`, and rotate the
        exposed credential in Twilio

2 errors, 0 warnings in 2 files
"
    );
}

/// Guards what counts as a table header ending an array left open: a line that starts with
/// `[` *and* ends with `]`. An inner array spread over lines that ends with a comma
/// (`[5, 6],`) is an item: a comma missing before it is reported as such, at it. Kills, in
/// `unclosed_bracket`, `664:28: replace && with ||`, under which any line starting with `[`
/// counted as a header, and the outer array, closed two lines below, was reported left open
/// (with the help to add `]` after `[3, 4]`).
#[test]
fn a_comma_missing_before_an_inner_array_on_its_own_line_is_no_array_left_open() {
    let out = rendered("[ou.contoso]\nitems = [\n  [1, 2],\n  [3, 4]\n  [5, 6],\n]\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: missing comma between array items
   ╭─[org.toml:5:3]
 4 │   [3, 4]
 5 │   [5, 6],
   ·   ▲
   ·   ╰── `,` goes before this item
 6 │ ]
   ╰────
  help: separate the items with `,`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards what counts as the `key = value` line that ends an array left open: a key must be
/// written before the `=`. A line `= 3` below `items = [1, 2` keeps the parser's words.
/// Kills, in `unclosed_bracket`, `670:17: replace && with ||`, under which a line with nothing
/// before its `=` counted as a key line (and the array was reported left open).
#[test]
fn a_line_with_no_key_before_its_equals_sign_is_no_key_line_ending_an_open_array() {
    let out = rendered("[ou.contoso]\nitems = [1, 2\n= 3\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unexpected `=` in array, expected value, `]`
   ╭─[org.toml:3:1]
 2 │ items = [1, 2
 3 │ = 3
   · ┬
   · ╰── unexpected `=` in array, expected value, `]`
   ╰────
  help: fix the TOML syntax here; nothing else in this file is checked until it parses

1 error, 0 warnings in 2 files
"
    );
}

/// Guards an inline table left open at the end of the file: reported at its `{`, with where
/// the `}` goes, after its last item. Kills, in `unclosed_bracket`, `689:8: delete !`, under
/// which an inline table left open to the end of the file was given up (and one spread over
/// lines, whose next key line is one of its items, taken for one left open: see the next
/// test).
#[test]
fn an_inline_table_left_open_at_the_end_of_the_file_is_reported_at_its_brace() {
    let out = rendered("[ou.contoso]\ndescription = \"x\"\nextra = { a = \"b\"\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed inline table: the `{` on line 3 has no `}`
   ╭─[org.toml:3:9]
 2 │ description = \"x\"
 3 │ extra = { a = \"b\"
   ·         ┬        ▲
   ·         │        ╰── `}` goes here
   ·         ╰── this `{` has no `}`
   ╰────
  help: add `}` after `\"b\"`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards an inline table spread over lines (TOML 1.1) with a comma missing between two of
/// its items: a missing comma at the second item, not an inline table left open (its key
/// lines are its items). Kills, in `unclosed_bracket`, `689:8: delete !` (see the test above).
#[test]
fn a_missing_comma_in_an_inline_table_spread_over_lines_is_told_at_its_second_item() {
    let out = rendered("[ou.contoso]\nextra = {\n  a = \"b\"\n  c = \"d\"\n}\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: missing comma between the keys of an inline table
   ╭─[org.toml:4:3]
 3 │   a = \"b\"
 4 │   c = \"d\"
   ·   ▲
   ·   ╰── `,` goes before this key
 5 │ }
   ╰────
  help: separate the `key = value` pairs of `{ … }` with `,`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards the help of an array left open whose last item is a bare value (a number): the `]`
/// goes right after that item, named in the help. Kills, in `open_brackets`, `761:18: replace
/// match guard b.is_ascii_whitespace() with true`, under which every character of a bare value
/// was skipped as a blank, so no item was seen and the help said to add `]` right after the
/// `[` (every test before had strings as items).
#[test]
fn an_array_of_numbers_left_open_is_closed_after_its_last_number() {
    let out = rendered("[ou.contoso]\nhours = [8, 12\n[ou.x]\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed array: the `[` on line 2 has no `]`
   ╭─[org.toml:2:9]
 1 │ [ou.contoso]
 2 │ hours = [8, 12
   ·         ┬     ▲
   ·         │     ╰── `]` goes here
   ·         ╰── this `[` has no `]`
 3 │ [ou.x]
   ╰────
  help: add `]` after `12`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards a comment inside an array left open: it is skipped to its line's end, and the items
/// after it still count, so the `]` goes after the last of them. Kills, in `open_brackets`,
/// `720:61: replace + with *`, under which reading jumped past the comment's line end (here
/// past the statement's end) and the help named `8,`, the item before the comment.
#[test]
fn a_comment_inside_an_array_left_open_does_not_hide_the_items_after_it() {
    let out = rendered("[ou.contoso]\nhours = [8, # morning\n  12\n[ou.x]\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed array: the `[` on line 2 has no `]`
   ╭─[org.toml:2:9]
 1 │ [ou.contoso]
 2 │ hours = [8, # morning
   ·         ┬
   ·         ╰── this `[` has no `]`
 3 │   12
   ·     ▲
   ·     ╰── `]` goes here
 4 │ [ou.x]
   ╰────
  help: add `]` after `12`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards a multi-line basic string (`"""…"""`) inside an array left open: it is read whole,
/// over its lines, and the `]` goes after the item that follows it. Kills, in `open_brackets`,
/// `724:35: replace == with !=` (`"""` looked for after a `'` and `'''` after a `"`: the
/// string was read as `""` and the help named `""`), `728:45: delete !` (a multi-line string
/// ended the reading at its first line end, as a one-line string left open does) and `733:37:
/// replace && with ||` (the string ended at its first character).
#[test]
fn a_multi_line_string_inside_an_array_left_open_is_read_over_its_lines() {
    let out = rendered("[ou.contoso]\nnotes = [\"\"\"first\nsecond\"\"\", \"third\"\n[ou.x]\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed array: the `[` on line 2 has no `]`
   ╭─[org.toml:2:9]
 1 │ [ou.contoso]
 2 │ notes = [\"\"\"first
   ·         ┬
   ·         ╰── this `[` has no `]`
 3 │ second\"\"\", \"third\"
   ·                   ▲
   ·                   ╰── `]` goes here
 4 │ [ou.x]
   ╰────
  help: add `]` after `\"third\"`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards escaped quotes in the last item of an array left open: `\"` does not end a basic
/// string, so the item named in the help is the whole string. Kills, in `open_brackets`,
/// `731:26: replace == with !=` (escapes read in `'…'` and not in `"…"`: the string ended at
/// `\"` and the help named `""`), `732:27: replace += with -=` (reading stepped back at the
/// backslash and never got past it: `check` hung) and `732:27: replace += with *=` (it jumped
/// past the string's end).
#[test]
fn an_escaped_quote_in_the_last_item_of_an_array_left_open_is_part_of_it() {
    let out = rendered("[ou.contoso]\nnotes = [\"say \\\"hi\\\"\"\n[ou.x]\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed array: the `[` on line 2 has no `]`
   ╭─[org.toml:2:9]
 1 │ [ou.contoso]
 2 │ notes = [\"say \\\"hi\\\"\"
   ·         ┬            ▲
   ·         │            ╰── `]` goes here
   ·         ╰── this `[` has no `]`
 3 │ [ou.x]
   ╰────
  help: add `]` after `\"say \\\"hi\\\"\"`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards a multi-line string as the last item of an array left open: the `]` goes right after
/// its closing quotes (the string, on two lines, is not repeated in the help, which names the
/// line). Kills, in `open_brackets`, `735:39: replace + with -` and `with *` (where the string
/// ends: reading went back into it, or past the statement) and `736:64: replace && with ||`
/// (two more characters after the closing quotes taken as the string's own quotes).
#[test]
fn a_multi_line_string_last_in_an_array_left_open_is_closed_after_its_quotes() {
    let out = rendered("[ou.contoso]\nnotes = [\"first\", \"\"\"second\nthird\"\"\"\n[ou.x]\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed array: the `[` on line 2 has no `]`
   ╭─[org.toml:2:9]
 1 │ [ou.contoso]
 2 │ notes = [\"first\", \"\"\"second
   ·         ┬
   ·         ╰── this `[` has no `]`
 3 │ third\"\"\"
   ·         ▲
   ·         ╰── `]` goes here
 4 │ [ou.x]
   ╰────
  help: add `]` at the end of the array's last item, on line 3

1 error, 0 warnings in 2 files
"
    );
}

/// Guards a multi-line basic string closed by four quotes (`"""say "hi""""`, valid TOML: the
/// string ends in a quote) as the last item of an array left open: the fourth quote is the
/// string's, so the help names the whole string and no quote is left over. Kills, in
/// `open_brackets`, `736:33: replace < with >` and `736:69: replace < with ==` and `with >`
/// (the extra quote never taken: it opened a string of its own, left open) and `736:59:
/// replace == with !=` (other characters taken instead of quotes).
#[test]
fn a_multi_line_string_closed_by_four_quotes_keeps_its_fourth_in_an_array_left_open() {
    let out = rendered("[ou.contoso]\nnotes = [\"\"\"say \"hi\"\"\"\"\n[ou.x]\n");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed array: the `[` on line 2 has no `]`
   ╭─[org.toml:2:9]
 1 │ [ou.contoso]
 2 │ notes = [\"\"\"say \"hi\"\"\"\"
   ·         ┬              ▲
   ·         │              ╰── `]` goes here
   ·         ╰── this `[` has no `]`
 3 │ [ou.x]
   ╰────
  help: add `]` after `\"\"\"say \"hi\"\"\"\"`

1 error, 0 warnings in 2 files
"
    );
}

/// Guards a multi-line string closed right at the end of a file (no line end after it), last
/// in an array left open: read without a crash, the help naming it. Kills, in `open_brackets`,
/// `736:33: replace < with ==` and `with <=`, under which the byte past the end of the text
/// was read: a panic.
#[test]
fn a_multi_line_string_closed_at_the_end_of_the_file_in_an_array_left_open_is_read() {
    let out = rendered("[ou.contoso]\nnotes = [\"a\", \"\"\"b\"\"\"");
    assert_eq!(
        out,
        "\
syntax

  × invalid TOML: unclosed array: the `[` on line 2 has no `]`
   ╭─[org.toml:2:9]
 1 │ [ou.contoso]
 2 │ notes = [\"a\", \"\"\"b\"\"\"
   ·         ┬            ▲
   ·         │            ╰── `]` goes here
   ·         ╰── this `[` has no `]`
   ╰────
  help: add `]` after `\"\"\"b\"\"\"`

1 error, 0 warnings in 2 files
"
    );
}
