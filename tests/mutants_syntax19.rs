//! Behaviour of the `syntax` rule's reading of an array or inline table left open
//! (`unclosed_bracket`), of the reparse that weighs the edits mending a line (`reach`) and of
//! the explanation of a parse error (`explained`), all in `src/rules/syntax.rs`, that mutation
//! testing (cargo-mutants, audit 19) found no test pinning down. Each test fails on at least one
//! mutant that the syntax tests let through; its doc comment names them. Each case's whole
//! report (human and short) is a reviewed snapshot in `tests/snapshots/mutants_syntax19`.

mod common;

/// Snapshots the rendered text of each `(name, text)` case.
fn snapshots(cases: &[(&str, &str)]) {
    common::syntax::snapshots("mutants_syntax19", cases);
}

/// Guards that a table header left open on the last line of a file is told as a header
/// without its `]`, not as an array opened by its `[`. Kills, in `unclosed_bracket`, `1613:9:
/// replace && with ||`: with nothing but blanks after the error, any message was read as "an
/// array left open up to the end of the file", and the header's `[` as that array.
#[test]
fn a_header_left_open_on_the_last_line_is_a_header_not_an_array() {
    snapshots(&[(
        "header-left-open-on-the-last-line",
        "[service.desk]\nou = \"support\"\n\n[service.other\n",
    )]);
}

/// Guards that an item of an array spread over lines, written without its opening quote, is
/// told as that (a quote missing), not as the array left open before it. Kills, in
/// `unclosed_bracket`, `1618:28: replace && with ||` (any line with no `=` read as a table
/// header met inside the array) and `1632:43: delete !` (every line read as the array's end
/// unless the parser said "missing comma").
#[test]
fn an_item_without_its_opening_quote_is_not_an_array_left_open() {
    snapshots(&[(
        "item-without-opening-quote-in-open-array",
        "[service.desk]\nou = \"support\"\ntransfers = [\n  sales-team\",\n  \"billing\",\n]\n",
    )]);
}

/// Guards that an array spread over lines and left open at the end of the file, its last line
/// an item, is told as the array left open, with where its `]` goes. Kills, in
/// `unclosed_bracket`, `1632:8: delete !`: the end of the file alone (the error's line neither
/// a header nor a `key = value`) then gave up, and the parser's own words were printed.
#[test]
fn an_array_spread_over_lines_left_open_at_the_end_of_the_file_is_named() {
    snapshots(&[(
        "array-over-lines-open-at-the-end",
        "[service.desk]\nou = \"support\"\ntransfers = [\n  \"sales-team\",\n  \"billing\"\n",
    )]);
}

/// Guards that an array left open inside an inline table spread over lines, met by the `}` on
/// a line of its own (the parser's "missing comma"), is told as the array left open. Kills,
/// in `unclosed_bracket`, `1632:43: delete !`: a "missing comma" on a line that is neither a
/// header nor a `key = value` then gave up.
#[test]
fn an_array_left_open_before_the_closing_brace_on_its_own_line_is_named() {
    snapshots(&[(
        "array-open-before-brace-on-its-own-line",
        "[service.desk]\nou = \"support\"\ninstant_messaging = {\n  channels = [\"interact\"\n}\n",
    )]);
}

/// Guards that an item of an array spread over lines, written with its comma missing in an
/// array left open to the end of the file, is told as the comma missing (the first edit the
/// file needs), not as the array ending after the item before it (which would leave the next
/// item outside any array). The two readings parse equally far: the tie goes to the line
/// read as an item. Kills, in `unclosed_bracket`, `1682:16: delete !`: ties then went to the
/// bracket closed.
#[test]
fn a_missing_comma_in_an_array_left_open_is_told_first() {
    snapshots(&[(
        "missing-comma-in-array-open-at-the-end",
        "[service.desk]\nou = \"support\"\ntransfers = [\n  \"sales-team\"\n  \"billing\"\n",
    )]);
}

/// Guards that a `{` is told as a stray one only when removing it lets the file parse further
/// than closing it would: `[{ "sales-team"` left open needs its `]` as well, so "remove the
/// `{`: `transfers = [ "sales-team"`" would offer a line that still does not parse. Kills, in
/// `unclosed_bracket`, `1681:66: replace > with >=`: a removal that parsed no further than
/// the other readings was then taken for the mend.
#[test]
fn a_brace_is_not_told_stray_when_removing_it_mends_nothing_more() {
    let out = common::syntax::rendered(
        "[service.desk]\nou = \"support\"\ntransfers = [{ \"sales-team\"\n",
    );
    assert!(out.contains("error[syntax]"), "{out}");
    assert!(!out.contains("stray `{`"), "{out}");
    assert!(!out.contains("remove the `{`"), "{out}");
}

/// Guards that a key left without its comma in an inline table spread over lines (TOML 1.1),
/// closed below, is told as the comma missing even when the key's own line is broken too (a
/// string left open): closing the table there parses no further than the comma, and the tie
/// goes to the line read as the next key. Kills, in `unclosed_bracket`, `1682:16: delete !`,
/// `1682:38: replace && with ||` and `1682:53: replace == with !=` (the key line inside `{ … }`
/// no longer favoured): "unclosed inline table: add `}` after `["interact"]`", with the `}`
/// of line 6 then left over.
#[test]
fn a_missing_comma_between_keys_of_a_table_over_lines_is_told_on_a_tie() {
    snapshots(&[(
        "missing-comma-between-keys-over-lines-tie",
        "[service.desk]\nou = \"support\"\ninstant_messaging = {\n  channels = [\"interact\"]\n  messaging_entry = \"e\n}\n",
    )]);
}

/// Guards that a table header met below an array left open, itself mistyped right after its
/// `[` (`[.other]`, its kind left out), is still read as a header: the array is told as left
/// open, not the header as an item missing its comma. Closing the array and listing the header
/// as an item then parse equally far (both stop at its second character); the tie goes to the
/// bracket closed. Kills, in `unclosed_bracket`, `1682:25: replace || with &&` (a header line
/// favoured as an item) and `1683:26: replace > with >=` (every tie given to the item).
#[test]
fn a_mistyped_header_below_an_array_left_open_is_not_an_item() {
    snapshots(&[(
        "array-open-before-mistyped-header",
        "[service.desk]\nou = \"support\"\ntransfers = [\"sales-team\"\n\n[.other]\nou = \"sales\"\n",
    )]);
}

/// The first line of `check --format short` over the syntax tests' workspace with `x.toml`
/// holding `text` (a text too long for a snapshot).
fn first_short_line(text: &str) -> String {
    let ws = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", common::syntax::ORG),
        ("x.toml", text),
    ]);
    let r = common::run(ws.path(), &["check", "--format", "short"]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    r.stdout.lines().next().unwrap_or_default().to_owned()
}

/// `transfers = [` and items, exactly `len` bytes on one line, left open (no `]`).
fn one_line_array(len: usize) -> String {
    let mut s = String::from("transfers = [");
    while s.len() + 8 < len {
        s.push_str("\"a\", ");
    }
    let last = len - s.len() - 2;
    s.push('"');
    s.push_str(&"a".repeat(last));
    s.push('"');
    assert_eq!(s.len(), len);
    s
}

const DESK: &str = "[service.desk]\nou = \"support\"\n";

/// Guards the readings weighed over a window of the file that ends inside a character: an
/// array left open before 72 KB of comments in `é` is told as such (the window's end moves
/// back to a character boundary). Kills, in `reach`, `1780:13: replace -= with /=`: the end
/// never moved, and the check never ended (it fails here after the run helper's timeout).
#[test]
fn an_array_left_open_above_a_long_text_of_two_byte_characters_is_named() {
    let comments = format!("# {}\n", "é".repeat(3_000)).repeat(12);
    let text = format!("{DESK}transfers = [\"sales-team\"\n{comments}");
    assert_eq!(
        first_short_line(&text),
        "x.toml:3:13: error[syntax]: invalid TOML: unclosed array: the `[` on line 3 has no `]`"
    );
}

/// Guards that a statement of 64 KiB to 256 KiB (an array on one line) is still read again for
/// each edit tried: a 70,000-byte array left open is told as such, with its `[`. Kills, in
/// `reach`, `1773:47: replace * with +` (statements over 64 KiB + 4 bytes were given up).
#[test]
fn a_long_array_left_open_on_one_line_is_named() {
    let text = format!("{DESK}{}\n", one_line_array(70_000));
    assert_eq!(
        first_short_line(&text),
        "x.toml:3:13: error[syntax]: invalid TOML: unclosed array: the `[` on line 3 has no `]`"
    );
}

/// Guards the limit past which a statement is not read again for each edit tried (`reach`:
/// 4 × 64 KiB from its start to the edit): at exactly 262,144 bytes the array left open is
/// still told as such; one byte more and the parser's own words are kept, at the place it
/// stopped. Kills, in `reach`, `1773:43: replace > with >=` (the first case given up),
/// `1773:43: replace > with ==` and `1773:24: replace || with &&` (the second case read again
/// all the same), and `1773:36: replace - with +` (see also the next test).
#[test]
fn a_statement_is_read_again_up_to_256_kib_and_not_past_it() {
    let at_limit = format!("{DESK}{}\n", one_line_array(262_144));
    assert_eq!(
        first_short_line(&at_limit),
        "x.toml:3:13: error[syntax]: invalid TOML: unclosed array: the `[` on line 3 has no `]`"
    );
    let past = format!("{DESK}{}\n", one_line_array(262_145));
    assert_eq!(
        first_short_line(&past),
        "x.toml:3:262146: error[syntax]: invalid TOML: unclosed array, expected `]`"
    );
}

/// Guards that the limit counts from the statement's start, not from the file's: a short array
/// left open below 340 KB of valid tables is told as such. Kills, in `reach`, `1773:36:
/// replace - with +`: every edit past 256 KiB into the file was given up.
#[test]
fn an_array_left_open_deep_in_a_long_file_is_named() {
    let tables: String = (0..12_000)
        .map(|i| format!("[service.s{i}]\nou = \"sales\"\n"))
        .collect();
    let text = format!("{tables}{DESK}transfers = [\"sales-team\"\n[service.x]\nou = \"sales\"\n");
    assert_eq!(
        first_short_line(&text),
        "x.toml:24003:13: error[syntax]: invalid TOML: unclosed array: the `[` on line 24003 has no `]`"
    );
}

/// Guards that a mistake is explained the same above 86 KB of valid tables as alone: the
/// readings weighed are reparsed over a window of the file, and the error the window's own
/// cut makes on its last line is not the reading's. A string left open before its `,` is told
/// with the quote to add, and a comma missing between two items as such. Kills, in `reach`,
/// `1790:20: match guard … with true` (the cut's error counted: "a stray `"` ends a string
/// early"), `1790:43: replace < with ==` and `replace < with >` (real errors dropped, cut ones
/// counted: "unclosed array" for both files).
#[test]
fn a_mistake_above_a_long_valid_file_is_explained_as_in_a_short_one() {
    let tables: String = (0..3_000)
        .map(|i| format!("[service.s{i}]\nou = \"sales\"\n"))
        .collect();
    for (line, expected) in [
        (
            "transfers = [\"sales-team, \"billing\"]\n",
            "x.toml:3:25: error[syntax]: invalid TOML: string not closed before the `,`: `\"` missing",
        ),
        (
            "transfers = [\"sales-team\" \"billing\"]\n",
            "x.toml:3:27: error[syntax]: invalid TOML: missing comma between array items",
        ),
    ] {
        assert_eq!(first_short_line(&format!("{DESK}{line}")), expected);
        assert_eq!(first_short_line(&format!("{DESK}{line}{tables}")), expected);
    }
}

/// Guards that a stray `{` before a value is told, with the line mended, when the file holds
/// a second mistake below: removing the `{` parses up to that mistake, further than closing
/// the `{`, whose reading stops inside the `}` it adds. Kills, in `reach`,
/// `1793:22: replace + with *`: an error inside an edit was placed at `from * …`, far down the
/// file, so closing the `{` seemed to parse furthest and the parser's words were printed;
/// `1793:39: replace - with /` (a division by the statement's start, 0 for the file's first
/// line: a panic); and, in `explained`, `129:68: replace - with +` and `with /` (the end of a
/// last line with no line break misplaced: a panic or a cut line).
#[test]
fn a_stray_brace_is_told_with_another_mistake_below() {
    snapshots(&[
        (
            "stray-brace-with-a-mistake-below",
            "[service.desk]\nou = {\"support\"\nlicense = contact_center\n",
        ),
        (
            "stray-brace-on-the-first-line-with-a-mistake-below",
            "ou = {\"support\"\nlicense = contact_center\n",
        ),
        // On the last line, with no line break after it.
        (
            "stray-brace-on-the-last-line-no-line-break",
            "[service.desk]\nlicense = \"contact_center\"\nou = {\"support\"",
        ),
    ]);
}

/// Guards that a `#` written before the items of an array (`[#"sales-team", …]`) is told as
/// such when the file holds another mistake further down: without the `#` the statement parses
/// past the line the parser stopped on, which is what tells it. The check asked that the
/// whole rest of the file (its window) parse, so a second mistake within 64 KB below turned
/// the report into "unclosed array … add `]` right after the `[`", an edit that empties the
/// array. Found while auditing `reach` (`1778:27: replace + with *` made every file "short").
#[test]
fn a_hash_before_the_items_is_told_with_another_mistake_below() {
    snapshots(&[(
        "hash-before-items-with-a-mistake-below",
        "[service.desk]\nou = \"support\"\ntransfers = [#\"sales-team\", \"billing\"]\n\n[service.other]\nou = \"sales\"\nlicense = contact_center\n",
    )]);
}

/// Guards that a one-line string left open is told as such (with the quote to add) where the
/// parser names something else: in a table header (`[service."x]`: "unclosed table, expected
/// `]`"), on the last line of a file with no final line break ("invalid basic string, expected
/// `"`"), and before a backslash at the end of a CRLF line ("`\u{d}` is not an escape", the
/// carriage return written as Rust escapes it). The reading of a string left open ran only for
/// an "unclosed" message at the end of the file. Found while auditing `explained` (`192:39:
/// replace && with ||` read better than the code, on all 22 corpus files it changed).
#[test]
fn a_one_line_string_left_open_is_told_where_the_parser_names_something_else() {
    snapshots(&[
        (
            "quote-left-open-in-a-header",
            "[service.x]\nou = \"sales\"\n\n[service.\"x]\nlicense = \"contact_center\"\n",
        ),
        (
            "string-left-open-on-the-last-line-no-line-break",
            "[service.desk]\nou = \"support\"\nlicense = \"contact_center",
        ),
        (
            "backslash-before-crlf",
            "[service.desk]\r\nou = \"support\"\r\nuser_assignment = \"none\\\r\n",
        ),
    ]);
}

/// Guards that the help for a `#` before the items of an array does not repeat a line holding
/// a credential: "remove the `#`" alone. Kills, in `explained`, `118:51: replace && with ||`:
/// a line short and plain enough to show was repeated whatever its key
/// (`passwords = ["hunter2", "swordfish"]`).
#[test]
fn the_help_for_a_hash_before_items_does_not_repeat_a_credential() {
    snapshots(&[(
        "hash-before-items-of-a-credential",
        "[service.desk]\nou = \"support\"\npasswords = [#\"hunter2\", \"swordfish\"]\n",
    )]);
}

/// Guards that the help for a stray `{` repeats the mended line only when it is safe to show:
/// not a line holding a credential, not a line over 40 characters. Kills, in `explained`,
/// `136:58: replace && with ||`: the line was repeated when short and plain whatever its key
/// (`password = "hunter2"`), or when long if no credential was in it.
#[test]
fn the_help_for_a_stray_brace_repeats_only_a_line_safe_to_show() {
    snapshots(&[
        (
            "stray-brace-before-a-credential",
            "[service.desk]\nou = \"support\"\npassword = {\"hunter2\"\nlicense = \"contact_center\"\n",
        ),
        (
            "stray-brace-on-a-long-line",
            "[service.desk]\nou = \"support\"\ndescription = {\"a rather long description that runs on and on\"\nlicense = \"contact_center\"\n",
        ),
    ]);
}

/// Guards where the `]` of an empty array left open goes: right after its `[`, which the
/// help says. Kills, in `explained`, `163:51: replace + with *`: the "`]` goes here" label
/// sat on the `[` itself (at 3:13, not 3:14: the human report draws both alike, so the
/// label's place is read from the JSON report).
#[test]
fn the_bracket_of_an_empty_array_left_open_goes_right_after_it() {
    let text =
        "[service.desk]\nou = \"support\"\ntransfers = [\n\n[service.other]\nou = \"sales\"\n";
    snapshots(&[("empty-array-left-open-before-a-header", text)]);
    let found =
        common::workspace_diagnostics(&[("org.toml", common::syntax::ORG), ("x.toml", text)]);
    assert_eq!(found.len(), 1, "{found:?}");
    let label = &found[0]["labels"][0];
    assert_eq!(
        (
            &label["message"],
            &label["line"],
            &label["column"],
            &label["end_column"]
        ),
        (&"`]` goes here".into(), &3.into(), &14.into(), &14.into()),
        "{found:?}"
    );
}

/// Guards the wording of text left after a `key = value` of an inline table: "unexpected text
/// after a key of an inline table" (was "after an key"). Found while auditing `reach`
/// (`1792:18: replace < with <=` led a corpus file there).
#[test]
fn text_after_a_key_of_an_inline_table_is_worded_with_its_article() {
    snapshots(&[(
        "text-after-a-key-of-an-inline-table",
        "[service.desk]\nou = \"support\"\nhours = { start = 8 . end = 12 }\n",
    )]);
}

/// Guards where an indented header that does not parse, below the table it seems to repeat,
/// is told: at its `}` (the parser first reads it as that table written twice). Kills, in
/// `explained`, `266:27: replace + with -`: the place was measured back from the line's start
/// by its indent, and the parser's "unclosed table" was printed at the wrong column.
#[test]
fn an_indented_header_that_does_not_parse_is_told_at_its_mistake() {
    snapshots(&[(
        "indented-header-with-a-brace-below-its-table",
        "[service.desk]\nou = \"support\"\n\n  [service.desk}.instant_messaging]\n",
    )]);
}

/// Guards that the help for a stray `,` after `=` does not repeat a line holding a credential:
/// "remove it" alone. Kills, in `explained`, `294:57: replace && with ||`: a line short and
/// plain enough to show was repeated whatever its key (`password = "hunter2"`).
#[test]
fn the_help_for_a_stray_comma_does_not_repeat_a_credential() {
    snapshots(&[(
        "stray-comma-before-a-credential",
        "[service.desk]\nou = \"support\"\npassword =, \"hunter2\"\n",
    )]);
}

/// Guards that an array of arrays written without its opening `[` is told so, with the line
/// mended: the reading "an array without its `[`" ran only for a line holding no `[` at all,
/// so `hours = [8, 12], [18, 20]]` got "TOML takes one `key = value` a line". Found in
/// `explained` (`305:67: replace && with ||` read it right, and passed every test).
#[test]
fn an_array_of_arrays_without_its_opening_bracket_is_told_so() {
    snapshots(&[(
        "array-of-arrays-without-its-opening-bracket",
        "[service.desk]\nou = \"support\"\nhours = [8, 12], [18, 20]]\n",
    )]);
}

/// Guards that the help for an array without its opening `[` does not repeat a line holding a
/// credential: "add `[` before the first item" alone. Kills, in `explained`, `313:49: replace
/// && with ||`: a line short and plain enough to show was repeated whatever its key.
#[test]
fn the_help_for_an_array_without_its_bracket_does_not_repeat_a_credential() {
    snapshots(&[(
        "array-without-its-bracket-of-a-credential",
        "[service.desk]\nou = \"support\"\npasswords = \"hunter2\", \"swordfish\"]\n",
    )]);
}
