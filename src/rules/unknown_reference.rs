//! `unknown-reference`: a reference names no entity of that kind.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "unknown-reference",
    severity: Severity::Error,
    hard: true,
    summary: "a reference names no entity of that kind; help suggests the nearest id",
    explanation: r#"## What it checks

Every reference must name an entity of the right kind somewhere in the workspace: `parent` and
`ou` name OUs, an entry's `connector` names a connector, a service's `messaging_entry` names a
messaging entry, and each item of `transfers` names a service. The help suggests the nearest
existing id. When some file of the workspace has a syntax error, this rule stays quiet: the
broken file may define what the reference names.

## Why it matters

Nimbus resolves these references when the tenant is provisioned; a dangling one fails the
deployment, or worse, a transfer silently goes nowhere.

## Example

```toml
[service.sales-ivr]
ou = "sales"
license = "contact_center"
transfers = ["sales-taem"]
```

## Fix

```toml
transfers = ["sales-team"]
```

or define the missing entity (`[service.sales-taem]`).
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.complete() {
        return;
    }
    for u in &cx.ws.res.unresolved {
        let suggestion = u
            .suggestion
            .map(|i| cx.ws.model.def(u.kind, i).id.as_str());
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None if crate::resolve::is_valid_id(&u.value) => format!(
                "define it as `[{}.{}]`, or name an existing {}",
                u.kind.key(),
                u.value,
                u.kind.noun()
            ),
            None => format!(
                "name an existing {}: ids use lowercase letters, digits, `-` and `_`",
                u.kind.noun()
            ),
        };
        let label = format!("no {} has this id", u.kind.noun());
        let d = Diagnostic::new(
            Code::UnknownReference,
            u.span,
            format!("`{}` names an unknown {} `{}`", u.field, u.kind.noun(), u.value),
        )
        .label(label)
        .help(help)
        .about(u.from.0, &u.from.1);
        out.push(match suggestion {
            Some(s) => d.fix_string(u.span, s),
            None => d,
        });
    }
}
