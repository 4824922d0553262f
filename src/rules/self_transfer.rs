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
    for s in &cx.ws.model.services {
        for t in s.transfers.iter().filter(|t| t.value == s.def.id) {
            out.push(
                Diagnostic::new(
                    Code::SelfTransfer,
                    t.span,
                    format!("service `{}` transfers to itself", s.def.id),
                )
                .label("this service")
                .help(format!("remove `{}` from its own `transfers`", s.def.id))
                .about(Kind::Service, &s.def.id),
            );
        }
    }
}
