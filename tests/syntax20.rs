//! The `syntax` rule's explanations fixed in the twentieth session (`src/rules/syntax.rs`):
//!
//! - B2 (audit 19): the readings of a mistake on a line longer than the reparse window
//!   (`reach`, 64 KiB after the edit) were judged with the errors of the window's last line
//!   ignored, so an edit near the start of the line "parsed to the end": a comma missing at
//!   the end of a 70 KB array got a quote added at its start. The edit's own line is now read
//!   whole (up to 4 windows more), and a longer one up to a cut it cannot pass.
//!
//! Each case's whole report (human and short) is a reviewed snapshot in
//! `tests/snapshots/syntax20`; each test fails on the code before its fix.

mod common;

/// Snapshots the rendered text of a case too long to repeat in the snapshot's description,
/// which `description` states instead.
fn snapshot_long(name: &str, description: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/syntax20");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(description);
    settings.bind(|| insta::assert_snapshot!(name, common::syntax::rendered(text)));
}

/// `count` items `"a"`, separated by `, `.
fn items(count: usize) -> String {
    vec!["\"a\""; count].join(", ")
}

const DESK: &str = "[service.x]\nou = \"support\"\n";

/// Guards B2 as audit 19 found it: a comma missing near the end of a 70 KB array on one line
/// is told there (3:70013), not as a quote missing before the line's first `,` (3:17: the
/// window of that reading was cut inside the line, and the error it makes at the array's end
/// was ignored as the cut's own).
#[test]
fn a_comma_missing_at_the_end_of_a_line_longer_than_the_window_is_told_there() {
    snapshot_long(
        "comma-missing-at-the-end-of-a-70-kb-line",
        "[service.x], then `transfers = [` with 14,000 items \"a\", then ` \"b\"` (no comma, no `]`)",
        &format!("{DESK}transfers = [{} \"b\"\n", items(14_000)),
    );
    snapshot_long(
        "comma-missing-at-the-end-of-a-70-kb-line-with-a-table-below",
        "as comma-missing-at-the-end-of-a-70-kb-line, then [service.y] with its ou",
        &format!(
            "{DESK}transfers = [{} \"b\"\n[service.y]\nou = \"support\"\n",
            items(14_000)
        ),
    );
}

/// Guards B2 the other way round: a mistake near the start of a 70 KB array on one line is
/// told where it is. Before the fix every reading that closed the array at the line's end
/// parsed "to the end" (the rest of the line, cut by the window, was not judged), so the
/// report was "unclosed array: the `[` on line 3 has no `]`" for a comma missing, a quote
/// missing between the first two items, and also for an array going on over lines.
#[test]
fn a_mistake_at_the_start_of_a_line_longer_than_the_window_is_told_there() {
    for (name, description, text) in [
        (
            "comma-missing-at-the-start-of-a-70-kb-line",
            "[service.x], then `transfers = [\"a\" \"b\", ` and 14,000 items \"a\", then `]`",
            format!("{DESK}transfers = [\"a\" \"b\", {}]\n", items(14_000)),
        ),
        (
            "quote-missing-at-the-start-of-a-70-kb-line",
            "[service.x], then `transfers = [\"a, ` and 14,000 items \"a\", then `]`",
            format!("{DESK}transfers = [\"a, {}]\n", items(14_000)),
        ),
        (
            "comma-missing-at-the-start-of-a-70-kb-line-going-on-below",
            "[service.x], then `transfers = [\"a\" \"b\", ` and 14,000 items \"a\", then `,` and the lines `  \"c\",` and `]`",
            format!(
                "{DESK}transfers = [\"a\" \"b\", {},\n  \"c\",\n]\n",
                items(14_000)
            ),
        ),
    ] {
        snapshot_long(name, description, &text);
    }
}

/// Guards the bound of B2's fix: a line longer than the window and 4 more (400 KB here) is
/// read up to that far for each reading, not to its end. A comma missing near its start is
/// still told there (the readings that meet no error before the cut parse up to the cut, and
/// the comma's goes furthest); one missing near its end, past the statement's limit of
/// 256 KiB, keeps the generic words, at its place (before the fix, both were told wrong: the
/// array unclosed, a quote missing at 3:17).
#[test]
fn a_line_longer_than_five_windows_is_weighed_up_to_a_cut() {
    snapshot_long(
        "comma-missing-at-the-start-of-a-400-kb-line",
        "[service.x], then `transfers = [\"a\" \"b\", ` and 80,000 items \"a\", then `]`",
        &format!("{DESK}transfers = [\"a\" \"b\", {}]\n", items(80_000)),
    );
    snapshot_long(
        "comma-missing-at-the-end-of-a-400-kb-line",
        "[service.x], then `transfers = [` with 80,000 items \"a\", then ` \"b\"` (no comma, no `]`)",
        &format!("{DESK}transfers = [{} \"b\"\n", items(80_000)),
    );
}
