//! `duplicate-id`: two entities of one kind share an id.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};

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
        let first_file = &cx.ws.sources.get(d.first.file).display();
        let mut help = format!(
            "ids are unique per kind across the workspace: rename this {} or merge it into the definition in {first_file}",
            d.kind.noun()
        );
        if d.kind == crate::model::Kind::Service && d.split {
            help.push_str(&format!(
                " (`[service.{}.instant_messaging]` belongs in the same file as `[service.{}]`)",
                d.id, d.id
            ));
        }
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
