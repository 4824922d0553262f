//! `self-transfer`: a service lists itself in `transfers`.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "self-transfer",
    severity: Severity::Warning,
    hard: false,
    summary: "a service lists itself in `transfers`",
    explanation: r#"## What it checks

No service lists its own id in `transfers`. The warning points at the offending item.

## Why it matters

A transfer to the same service puts the conversation back in the queue it came from: the
customer waits again, and reports count a transfer that went nowhere. It is usually a copy-paste
slip for a neighbouring service.

## Example

```toml
[service.sales-team]
transfers = ["sales-team", "billing"]
```

## Fix

```toml
[service.sales-team]
transfers = ["billing"]
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let kept =
        (cx.ws.model.services.iter()).flat_map(|s| s.transfers.iter().map(|t| (&s.def.id, t)));
    // And the copies dropped as duplicates: which copy is kept depends on file names alone.
    let dropped = (cx.ws.res.duplicates.iter())
        .filter(|d| d.kind == Kind::Service)
        .flat_map(|d| {
            (d.refs.iter())
                .filter(|(k, _)| *k == Kind::Service)
                .map(move |(_, t)| (&d.id, t))
        });
    for (id, t) in kept.chain(dropped).filter(|(id, t)| t.value == **id) {
        out.push(
            Diagnostic::new(
                Code::SelfTransfer,
                t.span,
                format!("service `{id}` transfers to itself"),
            )
            .label("this service")
            .help(format!("remove `{id}` from its own `transfers`"))
            .about(Kind::Service, id),
        );
    }
}
