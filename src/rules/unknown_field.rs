//! `unknown-field`: a key the schema does not know.

use super::{Code, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;
use crate::source::Span;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "unknown-field",
    severity: Severity::Error,
    hard: true,
    summary: "a key the schema does not know; help suggests the nearest known key",
    explanation: r#"## What it checks

Every key of every table must be one the configuration language defines: `[ou.ID]` takes `name`
and `parent`; `[connector.ID]` takes `name`, `ou`, `type`, `region`, `api_key_sid` and
`api_key_secret`; `[messaging_entry.ID]` takes `name`, `ou`, `connector` and `service_sid`;
`[service.ID]` takes `name`, `ou`, `license`, `user_assignment`, `transfers` and
`instant_messaging`, whose table takes `messaging_entry` and `channels`. In `nimbus.toml`,
`[lints]` takes rule codes. Every unknown key of a file is reported, each with the nearest known
key, or with where the key belongs when it sits in the wrong table.

## Why it matters

A misspelled key is silently ignored by most tools: `licence = "contact_center"` would leave the
service without a licence, and a WhatsApp channel on it would never be allowed by Nimbus.

## Example

```toml
[service.sales-team]
ou = "sales"
licence = "contact_center"
channels = ["whatsapp"]
```

## Fix

```toml
[service.sales-team]
ou = "sales"
license = "contact_center"

[service.sales-team.instant_messaging]
messaging_entry = "whatsapp-sales"
channels = ["whatsapp"]
```
"#,
    check: None,
};

/// An unknown key of a table; renamed to `suggestion` by its fix when the reader is `certain`
/// of it (no other key of the table was taken for the same one).
pub(crate) fn diagnostic(
    span: Span,
    key: &str,
    what: &str,
    known: &[&str],
    suggestion: Option<&str>,
    elsewhere: Option<&str>,
    certain: bool,
) -> Diagnostic {
    let help = match (elsewhere, suggestion) {
        (Some(hint), _) => hint.to_owned(),
        (None, Some(s)) => format!("did you mean `{s}`?"),
        (None, None) => format!("{what} takes: {}", super::text::list(known)),
    };
    let d = Diagnostic::new(
        Code::UnknownField,
        span,
        format!("unknown key `{key}` in {what}"),
    )
    .label("unknown key")
    .help(help);
    match (elsewhere, suggestion) {
        (None, Some(s)) if certain => d.fix(span, s, format!("Rename to `{s}`")),
        _ => d,
    }
}

/// A key written above a file's first header, which belongs to no entity there; `header`: the
/// header of the entity it is read into, as meant.
pub(crate) fn above_headers(span: Span, key: &str, header: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownField,
        span,
        format!("`{key}` is written above the first table header, where it belongs to no entity"),
    )
    .label("above every header")
    .help(format!(
        "move it below `{header}`, the header it was meant for"
    ))
}

/// An unknown top-level key of an entity file, as [`diagnostic`] reported it: a table there
/// was meant as a kind of entity. Its rename to the kind suggested is kept only when `rename`
/// says it is safe; when the kind is written in several headers, the help names their lines,
/// each to be renamed by hand.
pub(crate) fn unknown_kind(
    mut d: Diagnostic,
    name: &str,
    table: bool,
    rename: KindRename,
) -> Diagnostic {
    if table {
        d.message = format!("unknown entity kind `{name}`");
        d.label = "not a kind of entity".to_owned();
    }
    match rename {
        KindRename::Safe => {}
        KindRename::Unsafe => d.fix = None,
        KindRename::Headers(lines) => {
            d.fix = None;
            d.help = format!(
                "{} It is written in {} headers ({}): rename it in each.",
                d.help,
                lines.len(),
                line_list(&lines)
            );
        }
    }
    d
}

/// A misspelled kind's rename (see [`unknown_kind`]) that another file makes unsafe: it
/// defines `[kind.id]` already, so the rename would define it twice.
pub(crate) fn defined_already(d: &mut Diagnostic, kind: Kind, id: &str) {
    d.fix = None;
    d.help = format!(
        "{} `[{}.{id}]` is defined elsewhere already: renamed, it would be defined twice; merge the two by hand.",
        d.help,
        kind.key()
    );
}

/// A misspelled kind's rename (see [`unknown_kind`]) onto an id that a file that does not
/// parse writes too, `at`: renamed, it would be defined twice once that file is mended.
pub(crate) fn written_in_unparsed(d: &mut Diagnostic, kind: Kind, id: &str, at: &str) {
    d.fix = None;
    d.help = format!(
        "{} `[{}.{id}]` is written in {at} too, a file that does not parse: renamed, it would be defined twice; merge the two by hand.",
        d.help,
        kind.key()
    );
}

/// A misspelled kind's rename (see [`unknown_kind`]) of a service whose IM table alone is
/// written in another file, `at`: renamed, the service would be written in two files.
pub(crate) fn im_table_elsewhere(d: &mut Diagnostic, id: &str, at: &str) {
    d.fix = None;
    d.help = format!(
        "{} Its IM table, `[service.{id}.instant_messaging]`, is in {at}: rename this header to `[service.{id}]` and move that table below it (an entity is written in one file).",
        d.help
    );
}

/// A misspelled kind's rename (see [`unknown_kind`]) that another misspelled table's rename
/// makes unsafe: both would become `[kind.id]`.
pub(crate) fn renamed_twice(d: &mut Diagnostic, kind: Kind, id: &str) {
    d.fix = None;
    d.help = format!(
        "{} Another table with a misspelled kind would be renamed to `[{}.{id}]` too: renamed, it would be defined twice; rename the one meant by hand.",
        d.help,
        kind.key()
    );
}

/// `lines 1, 4 and 9`, or the first five and how many more.
fn line_list(lines: &[u32]) -> String {
    const SHOWN: usize = 5;
    let shown: Vec<String> = lines.iter().take(SHOWN).map(u32::to_string).collect();
    let rest = lines.len().saturating_sub(SHOWN);
    match shown.split_last() {
        _ if rest > 0 => format!("lines {} and {rest} more", shown.join(", ")),
        Some((last, init)) if !init.is_empty() => format!("lines {} and {last}", init.join(", ")),
        _ => format!("line {}", shown.join("")),
    }
}

/// Whether a misspelled kind's rename to the kind suggested can be a fix.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KindRename {
    /// The kind is written in one header, and the name suggested in none that could clash.
    Safe,
    /// Renaming could define a table twice (`[service.x]` beside `[servce.x]`), or the kind is
    /// written as a key rather than in headers.
    Unsafe,
    /// The kind is written in several headers, at these lines: one edit cannot rename them.
    Headers(Vec<u32>),
}

/// A rule code in `[lints]` that does not exist; renamed to `suggestion` when that is
/// `certain` (no other key is taken for the same code).
pub(crate) fn unknown_lint(
    span: Span,
    key: &str,
    suggestion: Option<Code>,
    certain: bool,
) -> Diagnostic {
    let help = match suggestion {
        Some(c) => format!("did you mean `{c}`? `nimbus-lint explain --list` lists every code"),
        None => "`[lints]` takes rule codes; `nimbus-lint explain --list` lists them".to_owned(),
    };
    let d = Diagnostic::new(
        Code::UnknownField,
        span,
        format!("unknown rule code `{key}` in [lints]"),
    )
    .label("no rule has this code")
    .help(help);
    match suggestion {
        Some(c) if certain => d.fix(span, c.as_str(), format!("Rename to `{c}`")),
        _ => d,
    }
}
