//! Behaviour of the credentials read from the text of a file that does not parse
//! (`src/rules/syntax/broken.rs`, `bare_secrets`) that mutation testing (cargo-mutants) found
//! no test pinning down: each test here fails on at least one mutant that the rest of the suite
//! let through, or caught only by a property test of `tests/invariants.rs`, whose inputs are
//! random. (`src/rules/reference_not_visible.rs`, mutated in the same audit, left only
//! equivalent mutants: no test here is about it.)

mod common;

use common::workspace_diagnostics as check;

/// Each `secret-in-config` diagnostic: its message and where it points (line, column, end
/// line, end column). Every test compares whole spans, ends included: that alone kills, in
/// `bare_secrets`, `20:54: replace + with *`, under which each hit read from the text of a file
/// that does not parse ended at the file's start.
fn secrets(found: &[serde_json::Value]) -> Vec<(String, [u64; 4])> {
    (found.iter())
        .filter(|d| d["code"] == "secret-in-config")
        .map(|d| {
            let n = |k: &str| d[k].as_u64().expect("position");
            let message = d["message"].as_str().expect("message").to_owned();
            (
                message,
                [n("line"), n("column"), n("end_line"), n("end_column")],
            )
        })
        .collect()
}

/// The message `secret-in-config` gives a whole value shaped like an API key secret.
const API_KEY: &str = "string shaped like a Twilio API key secret: `q1W2…` (32 characters)";

/// The message `secret-in-config` gives a whole value shaped like an auth token.
const TOKEN: &str = "string shaped like a Twilio auth token: `abcd…` (32 characters)";

/// Guards the escapes of a multi-line basic string in a file that does not parse: `\"` does
/// not end it, even before two more quotes (`\"""`), so a quoted word of 32 hex digits further
/// inside stays a word of the string, which is no auth token (only a whole value is). Kills,
/// in `bare_secrets`, `75:36: replace match guard … with false`, `75:38: replace == with !=`,
/// `75:57: replace + with -` and `81:36: replace match guard … with true`: under each, the
/// string ended at `\"""` (or at the next quote), and `"abcd…"` after it was read as a string
/// of its own and reported.
#[test]
fn an_escaped_quote_does_not_end_a_multi_line_string_of_a_file_that_does_not_parse() {
    let text = "[ou.contoso\n\
                [connector.tw]\n\
                description = \"\"\"Said \\\"\"\", \"abcdef0123456789abcdef0123456789\" and left\"\"\"\n\
                note = \"abcdef0123456789abcdef0123456789\"\n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [(TOKEN.to_owned(), [4, 8, 4, 42])],
        "{found:#?}"
    );
}

/// Guards a multi-line literal string (`'''`) holding a backslash, in a file that does not
/// parse: the backslash escapes nothing, so the string ends at the first `'''` after it, and a
/// bare auth token in a value's place on the next line is reported. Kills, in `bare_secrets`,
/// `80:44: replace + with -` (the closing quotes taken for escaped), `80:63: replace += with
/// -=` and `with *=`, `80:68: replace + with -` and `with *` (the scan stalls on the
/// backslash, goes back, or jumps past the token): no test had a backslash in a `'''` string.
#[test]
fn a_backslash_does_not_escape_the_end_of_a_multi_line_literal_string() {
    let text = "[ou.contoso\n\
                path = '''C:\\x'''\n\
                token = abcdef0123456789abcdef0123456789\n\
                other = '''y'''\n\
                more = '''z'''\n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [(TOKEN.to_owned(), [3, 9, 3, 41])],
        "{found:#?}"
    );
}

/// Guards a multi-line basic string that ends in a quote (`"""…""""`, valid TOML), long and
/// at the start of a file that does not parse further down: it is read without a crash, and a
/// credential below the error is still reported. Kills, in the loop that gives the string up
/// to two more closing quotes, `84:77: replace + with -` and `84:86: replace + with -` and
/// `with *`, under which the reader's arithmetic overflowed and the run panicked (before,
/// only a property test of `tests/invariants.rs`, on random inputs, caught them).
#[test]
fn a_multi_line_string_ending_in_a_quote_is_read_without_a_crash() {
    let text = "note = \"\"\"Keys rotate every month, ask the team first\"\"\"\"\n\
                [connector.tw\n\
                key = \"q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6\"\n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [(API_KEY.to_owned(), [3, 7, 3, 41])],
        "{found:#?}"
    );
}

/// Guards a multi-line basic string closed by five quotes (`"""x"""""`: the string holds
/// `x""`), in a file that does not parse: no quote is left over to open a string of its own,
/// so the auth token written next on the line, a whole string, is reported. Kills, in the loop
/// that gives the string its extra closing quotes, `84:91: replace < with ==` and `with <=`,
/// under which the string took one of them and the other swallowed the token's opening quote.
#[test]
fn a_multi_line_string_closed_by_five_quotes_leaves_no_quote_behind() {
    let text = "[ou.contoso\n\
                items = [\"\"\"x\"\"\"\"\", \"abcdef0123456789abcdef0123456789\"]\n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [(TOKEN.to_owned(), [2, 21, 2, 55])],
        "{found:#?}"
    );
}

/// Guards where the literal secret of an `api_key_secret = """` never closed points: at the
/// first line below that holds something, over the secret alone, without the blanks around it.
/// Kills, in `bare_secrets`, `105:87: replace + with -` and `with *` (the line's end taken
/// wrong), `114:48: replace + with -` and `with *` (the secret's start) and `120:49: replace +
/// with -` (its end): the existing tests only checked that the secret is masked.
#[test]
fn the_literal_secret_of_a_multi_line_string_never_closed_is_labelled_over_the_secret_alone() {
    let text = "[connector.tw]\nou = \"contoso\"\n\
                api_key_secret = \"\"\"\n  q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6  \n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [(
            "`api_key_secret` holds a literal secret `q1W2…` (32 characters)".to_owned(),
            [4, 3, 4, 35]
        )],
        "{found:#?}"
    );
}

/// Guards where the literal secret of a closed multi-line `api_key_secret`, below a syntax
/// error, points: over the whole string, its quotes included. Kills, in `bare_secrets`,
/// `138:37: replace + with -` (the span ended before the closing quotes).
#[test]
fn a_closed_multi_line_literal_secret_below_a_syntax_error_is_labelled_quotes_included() {
    let text = "[connector.tw\n\
                api_key_secret = \"\"\"\nq1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6\"\"\"\n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [(
            "`api_key_secret` holds a literal secret `q1W2…` (32 characters)".to_owned(),
            [2, 18, 3, 36]
        )],
        "{found:#?}"
    );
}

/// Guards a closed multi-line string below a syntax error: a credential among its words is
/// reported where it stands, and reading goes on right after the closing quotes, so a bare
/// auth token on the next line is reported too. Kills, in `bare_secrets`, `141:37` and
/// `141:53: replace + with -` and `with *` (the word's span) and `147:27: replace + with -`
/// and `with *` (reading resumed inside the string, whose closing quotes then opened another
/// one that swallowed the token, or past the token).
#[test]
fn a_word_in_a_closed_multi_line_string_and_the_line_after_it_are_both_read() {
    let text = "[ou.contoso\n\
                description = \"\"\"\nSee q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6 for details\"\"\"\n\
                token = abcdef0123456789abcdef0123456789\n\
                notes = \"\"\"more\"\"\"\n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [
            (API_KEY.to_owned(), [3, 5, 3, 37]),
            (TOKEN.to_owned(), [4, 9, 4, 41])
        ],
        "{found:#?}"
    );
}

/// Guards a string left open on its line below a syntax error: a credential in it is read as
/// a bare word (its quote left out), and the value of an `api_key_secret` left open on the
/// file's last line, with no line end after it, is its literal secret. Kills, in
/// `bare_secrets`, `154:44: replace < with <=`, `160:41: replace < with <=` and `160:55:
/// replace && with ||` (the byte past the file's end read: a panic) and `160:36: replace &&
/// with ||` (a string left open taken for closed, its quote and line end in the span).
#[test]
fn a_string_left_open_on_its_line_is_read_as_bare_words_up_to_the_end_of_the_file() {
    let text = "[connector.tw\n\
                note = \"q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6\n\
                api_key_secret = \"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [
            (API_KEY.to_owned(), [2, 9, 2, 41]),
            (
                "`api_key_secret` holds a literal secret `A1b2…` (32 characters)".to_owned(),
                [3, 19, 3, 51]
            )
        ],
        "{found:#?}"
    );
}

/// Guards the escapes of one-line strings below a syntax error: a backslash escapes the
/// quote after it in `"…"` but not in `'…'`, so each string ends where TOML ends it and the
/// auth token written next on its line, a whole string, is reported. Kills, in
/// `bare_secrets`, `155:33: replace == with !=` (escapes read in `'…'` and not in `"…"`) and
/// `157:24: delete !` (a backslash escaping only a line's end).
#[test]
fn one_line_strings_end_where_toml_ends_them_in_a_file_that_does_not_parse() {
    let text = "[ou.contoso\n\
                a = ['C:\\', 'abcdef0123456789abcdef0123456789']\n\
                b = [\"say \\\"\", \"abcdef0123456789abcdef0123456789\"]\n";
    let found = check(&[("org.toml", text)]);
    assert_eq!(
        secrets(&found),
        [
            (TOKEN.to_owned(), [2, 13, 2, 47]),
            (TOKEN.to_owned(), [3, 16, 3, 50])
        ],
        "{found:#?}"
    );
}
