//! `duplicate-id`: two entities of one kind share an id.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;
use crate::resolve::Duplicate;
use crate::source::Span;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "duplicate-id",
    severity: Severity::Error,
    hard: true,
    summary: "two entities of one kind share an id (across files); both places labelled",
    explanation: r#"## What it checks

Ids are unique per kind across the whole workspace. The same `[kind.id]` in two files is a
duplicate, even when one of them holds only a sub-table such as
`[service.x.instant_messaging]`. It is reported once per extra definition, at the later one in
(path, line) order, with a label at the first. (Twice in one file is already a TOML error.)

## Why it matters

References use ids: with two definitions, `transfers = ["billing"]` could mean either, and the
bundle would silently keep one of them.

## Example

```toml
# services/sales.toml
[service.billing]
ou = "sales"
license = "contact_center"

# services/finance.toml
[service.billing]
ou = "finance"
license = "enterprise_routing"
```

## Fix

Rename one of them and update the references to it, or merge the two definitions into one
file:

```toml
# services/finance.toml
[service.finance-billing]
ou = "finance"
license = "enterprise_routing"
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for d in &cx.ws.res.duplicates {
        if d.kind == Kind::Service
            && let [first, later] = d.sub_tables_only
            && first != later
        {
            out.push(split_service(cx, d, first));
            continue;
        }
        let first_file = &cx.ws.sources.get(d.first.file).display();
        let help = format!(
            "ids are unique per kind across the workspace: rename this {} or merge it into the definition in {first_file}",
            d.kind.noun()
        );
        out.push(
            Diagnostic::new(
                Code::DuplicateId,
                d.later,
                format!("duplicate {} id `{}`", d.kind.noun(), d.id),
            )
            .label("defined again here")
            .with(d.first, "first defined here")
            .help(help),
        );
    }
}

/// A service whose IM table (`[service.x.instant_messaging]`, alone in its file) is apart
/// from `[service.x]`: one service in two files, not two services. `im_first` tells which
/// of the two places the IM table is.
fn split_service(cx: &Context<'_>, d: &Duplicate, im_first: bool) -> Diagnostic {
    let (im, main) = if im_first {
        (d.first, d.later)
    } else {
        (d.later, d.first)
    };
    let file = |s: Span| cx.ws.sources.get(s.file).display();
    let id = &d.id;
    let (label, other) = if im_first {
        ("the service", "its IM table, in another file")
    } else {
        ("the IM table, apart from its service", "the service")
    };
    Diagnostic::new(
        Code::DuplicateId,
        d.later,
        format!(
            "service `{id}` is written in two files: its IM table in {}, `[service.{id}]` in {}",
            file(im),
            file(main)
        ),
    )
    .label(label)
    .with(d.first, other)
    .help(format!(
        "a service is written in one file: move `[service.{id}.instant_messaging]` and its keys from {} into {} (into its IM table there, if it has one){}",
        file(im),
        file(main),
        set_in_both(cx, d, im_first),
    ))
}

/// When the service (first in path order) has an IM table, the keys that it and the IM table
/// written apart (`d.later`) both set: `, where `channels` is set already: keep one value`.
fn set_in_both(cx: &Context<'_>, d: &Duplicate, im_first: bool) -> String {
    let service = (!im_first)
        .then(|| cx.ws.res.lookup(&cx.ws.model, Kind::Service, &d.id))
        .flatten()
        .and_then(|i| cx.ws.model.services[i as usize].im.value());
    let Some(im) = service else {
        return String::new();
    };
    let text = &cx.ws.sources.get(d.later.file).text;
    let below = text[d.later.end as usize..].lines().skip(1);
    let apart: Vec<&str> = below
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| Some(l.split_once('=')?.0.trim()))
        .collect();
    let both: Vec<&str> = [
        ("messaging_entry", !im.messaging_entry.is_absent()),
        ("channels", im.channels_span.is_some()),
    ]
    .into_iter()
    .filter(|&(key, set)| set && apart.contains(&key))
    .map(|(key, _)| key)
    .collect();
    match both[..] {
        [] => String::new(),
        [key] => format!(", where `{key}` is set already: keep one value"),
        _ => ", where `messaging_entry` and `channels` are set already: keep one value of each"
            .to_owned(),
    }
}
