//! `unused-suppression`: a `# nimbus-lint: allow(..)` comment that silences nothing.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Code, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Kind, Sp, Suppression, Text};
use crate::resolve::Workspace;
use crate::source::Span;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "unused-suppression",
    severity: Severity::Warning,
    hard: false,
    summary: "a `# nimbus-lint: allow(code)` comment that silences nothing",
    explanation: r#"## What it checks

Every code named in a `# nimbus-lint: allow(..)` comment must silence at least one diagnostic of
the entity below it. The comment applies to the entity whose table header (or inline key)
directly follows the comment lines; above a bare `[kind]` header it covers every entity in that
table. Errors of parsing and resolution (`syntax`, `unknown-field`, `missing-field`,
`invalid-value`, `duplicate-id`, `unknown-reference`, `root-ou`, `ou-cycle`) and what must never
reach Nimbus (`unsupported-connector`, `invalid-api-key-sid`, `invalid-service-sid`) cannot be
silenced: `nimbus-lint explain --list` marks them. `allow(unused-suppression)` above an entity
silences this warning for the entity's other comments, and is reported itself when it silences
nothing.

A comment is judged only where its rule could judge: while a file of the workspace cannot be
parsed, or while a rule holds back because something it reads could not be (a `transfers` of the
wrong type, an entity table that is not a table, an entity defined twice), its codes are not
called unused.

A comment that cannot silence anything is reported here too: one naming an unknown code, one
that names the tool but is not read (no colon, `nimbus_lint`, or written at the end of a header
or key line), and one that is malformed.

## Why it matters

A stale suppression hides the next real problem of that entity, and a misplaced one (a blank line
between it and the header) silently does nothing.

## Example

```toml
# nimbus-lint: allow(im-no-agents)

[service.sales-team]
user_assignment = "ms_teams"
```

## Fix

Remove the comment, or move it directly above the header of the entity it is meant for:

```toml
[service.sales-team]
user_assignment = "ms_teams"
```
"#,
    check: None,
};

/// The codes of the comments that silenced nothing (`used[i][j]`: code `j` of comment `i`
/// did), reported where the rule could judge: always for a hard rule; otherwise only when the
/// workspace was read whole and the rule did not hold back (in general, `held`, or for an
/// entity the comment covers, `held_for`), for once the rule speaks the comment may silence
/// something, and deleting it, as the help says, would be wrong. Each with its comment's index.
pub(crate) fn unused(
    ws: &Workspace,
    used: &[Vec<bool>],
    held: &FxHashSet<Code>,
    held_for: &FxHashSet<(Code, Kind, Text)>,
) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    // Whether a rule held back for some entity of a run's list, asked once a list and code.
    let mut held_in: FxHashMap<(*const (Kind, String), Code), bool> = FxHashMap::default();
    for (i, s) in ws.model.suppressions.iter().enumerate() {
        for (j, code) in s.codes.iter().enumerate() {
            let mut held_here = || {
                *held_in
                    .entry((s.targets.as_ptr(), code.value))
                    .or_insert_with(|| {
                        (s.targets.iter()).any(|(kind, id)| {
                            held_for.contains(&(code.value, *kind, id.as_str().into()))
                        })
                    })
            };
            let judged = code.value.rule().hard
                || (ws.complete && !held.contains(&code.value) && !held_here());
            if !used[i][j] && judged {
                out.push((i, diagnostic(s, code)));
            }
        }
    }
    out
}

/// The diagnostic for one unused code of a comment.
pub(crate) fn diagnostic(s: &Suppression, code: &Sp<Code>) -> Diagnostic {
    let (message, help) = if code.value.rule().hard {
        (
            format!("`{}` cannot be suppressed", code.value),
            format!("{}: fix the problem instead", code.value.why_hard()),
        )
    } else if s.targets.is_empty() {
        (
            format!("`allow({})` applies to no entity", code.value),
            "put the comment directly above the entity's table header (no blank line between), or remove it".to_owned(),
        )
    } else {
        // A rule about one kind of entity, above entities of others only: it never applied.
        let other_kind = (code.value.about_kind())
            .filter(|&k| s.targets.iter().all(|(t, _)| *t != k))
            .zip(s.targets.first().map(|(t, _)| *t));
        let help = match other_kind {
            Some((about, above)) => format!(
                "`{}` is about {}, and this comment is above {}: remove it from the comment",
                code.value,
                about.nouns(),
                if s.targets.len() == 1 {
                    format!("{} {}", above.article(), above.noun())
                } else {
                    "other entities".to_owned()
                }
            ),
            None => format!(
                "no `{}` diagnostic is raised here any more: remove it from the comment",
                code.value
            ),
        };
        (format!("`allow({})` silences nothing", code.value), help)
    };
    Diagnostic::new(Code::UnusedSuppression, code.span, message)
        .label("unused")
        .help(help)
}

/// The help for code `code` of a comment above no entity, by the entity whose header comes
/// next below it in its file (if any) and whether that entity raises `code`: moved up to it,
/// the comment would silence something, or nothing.
pub(crate) fn detached_help(
    code: Code,
    (inside, below): (Option<Entity<'_>>, Option<Entity<'_>>),
    raises: impl Fn((Kind, &str)) -> bool,
) -> String {
    if let Some((kind, id, _)) = inside.filter(|&(k, id, _)| raises((k, id))) {
        return format!(
            "a suppression goes on the line above the table header: move it above `[{}.{id}]`, whose table holds it",
            kind.key()
        );
    }
    match below {
        Some((kind, id, _)) if raises((kind, id)) => format!(
            "put the comment directly above the table header of {} `{id}` (no blank line between), or remove it",
            kind.noun()
        ),
        Some((kind, id, _)) => format!(
            "remove it: {} `{id}` below it raises no `{code}` to silence",
            kind.noun()
        ),
        None => "remove it: no entity is defined below it".to_owned(),
    }
}

/// An entity, by its kind, id and header.
pub(crate) type Entity<'w> = (Kind, &'w str, Span);

/// For a comment at `span`, the entity whose table holds it (its `[kind.id]` header is above
/// it, with no other table's header between them but its own sub-tables'), and the entity
/// whose header comes next below it in its file: the headers of `ws`, sorted once.
pub(crate) fn entities_around<'w>(
    ws: &'w Workspace,
) -> impl Fn(Span) -> (Option<Entity<'w>>, Option<Entity<'w>>) {
    let m = &ws.model;
    let mut headers: Vec<Entity<'w>> = (Kind::ALL.iter())
        .flat_map(|&k| m.defs(k).map(move |d| (k, d.id.as_str(), d.header)))
        .collect();
    headers.sort_unstable_by_key(|h| (h.2.file.0, h.2.start));
    move |at: Span| {
        let i = headers.partition_point(|h| (h.2.file.0, h.2.start) <= (at.file.0, at.end));
        let below = headers.get(i).copied().filter(|h| h.2.file == at.file);
        let inside = (i.checked_sub(1).and_then(|i| headers.get(i).copied())).filter(|h| {
            let text = &ws.sources.get(at.file).text;
            let own = format!("[{}.{}.", h.0.key(), h.1);
            h.2.file == at.file
                && text
                    .get(h.2.start as usize..)
                    .is_some_and(|t| t.starts_with('['))
                && (text.get(h.2.end as usize..at.start as usize)).is_some_and(|between| {
                    (between.lines().skip(1)).all(|l| {
                        let l = l.trim_start();
                        !l.starts_with('[') || l.starts_with(&own)
                    })
                })
        });
        (inside, below)
    }
}

/// A `# nimbus-lint:` comment that is not `allow(..)`.
pub(crate) fn bad_directive(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedSuppression,
        span,
        "malformed nimbus-lint comment",
    )
    .label("not understood")
    .help("write `# nimbus-lint: allow(CODE, ...)` on the line above the entity's header")
}

/// A `# nimbus-lint:` comment in `nimbus.toml`, where there is no entity to silence.
pub(crate) fn in_settings(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedSuppression,
        span,
        "a `# nimbus-lint:` comment in nimbus.toml silences nothing",
    )
    .label("no entity here")
    .help("set the rule's level for the whole workspace in `[lints]`, e.g. `unused-connector = \"allow\"`, or put the comment above the entity's header in its file")
}

/// `allow()`, `allow( )` or `allow(,)`: a comment that names no code silences nothing.
pub(crate) fn no_codes(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedSuppression,
        span,
        "`allow()` names no rule code",
    )
    .label("silences nothing")
    .help("name the codes to silence, e.g. `# nimbus-lint: allow(im-no-agents)`, or remove the comment")
}

/// A directive written almost right: `part` is at fault, `help` says what to change and
/// shows the comment as it should read, `fix` the mend when it is certain.
pub(crate) fn misspelled_directive(
    part: Span,
    message: String,
    help: &str,
    fix: Option<(Span, String)>,
) -> Diagnostic {
    let d = Diagnostic::new(Code::UnusedSuppression, part, message)
        .label("not read as a directive")
        .help(help);
    match fix {
        Some((span, text)) => d.fix(span, text, "Write the directive as nimbus-lint reads it"),
        None => d,
    }
}

/// Codes of a directive separated by spaces, not commas: read as one unknown code.
pub(crate) fn codes_without_commas(span: Span, listed: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedSuppression,
        span,
        "codes separated without commas",
    )
    .label("read as one code")
    .help(format!("separate codes with commas: `allow({listed})`"))
    .fix(span, listed, "Separate the codes with commas")
}

/// A second `allow(..)` in one comment (`allow(a) allow(b)`), which is not read: `merged` is
/// the first with every code (`allow(a, b)`), and `fix`, when only blanks or a comma stand
/// between the two, the edit that makes it so.
pub(crate) fn second_allow(span: Span, merged: &str, fix: Option<(Span, String)>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnusedSuppression,
        span,
        "a second `allow(..)` in one comment is not read",
    )
    .label("read as the reason, not as codes")
    .help(format!("name every code in the first: `{merged}`"));
    match fix {
        Some((at, text)) => d.fix(at, text, format!("Write `{merged}`")),
        None => d,
    }
}

/// A `nimbus-lint` comment at the end of a line, which is not read.
pub(crate) fn trailing_directive(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedSuppression,
        span,
        "a nimbus-lint comment at the end of a line is not read",
    )
    .label("ignored here")
    .help("put `# nimbus-lint: allow(CODE, ...)` on a line of its own, directly above the entity's header")
}

/// A rule code that does not exist; renamed to `suggestion` when that is `certain` (no other
/// code of the comment is, or is taken for, the same).
pub(crate) fn unknown_code(
    span: Span,
    code: &str,
    suggestion: Option<Code>,
    certain: bool,
) -> Diagnostic {
    let mut help = crate::suggest::did_you_mean(suggestion.map(Code::as_str));
    // A rule that cannot be suppressed: the comment fixed would suppress nothing.
    let hard = suggestion.filter(|c| c.rule().hard);
    match hard {
        Some(c) => help.push_str(&format!(
            "`{c}` cannot be suppressed ({}): fix the problem instead, or remove the code",
            c.why_hard()
        )),
        None => help.push_str("`nimbus-lint explain --list` lists every code"),
    }
    let d = Diagnostic::new(
        Code::UnusedSuppression,
        span,
        format!("unknown rule code `{code}`"),
    )
    .label("no rule has this code")
    .help(help);
    match suggestion {
        Some(c) if certain && hard.is_none() => {
            d.fix(span, c.as_str(), format!("Replace with `{c}`"))
        }
        _ => d,
    }
}
