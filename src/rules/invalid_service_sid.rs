//! `invalid-service-sid`: a messaging entry's `service_sid` is not `IS` + 32 hex digits.

use super::sid;
use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "invalid-service-sid",
    severity: Severity::Error,
    hard: true,
    summary: "not `IS` + 32 hex digits; help names what was pasted instead where the prefix tells",
    explanation: r#"## What it checks

A messaging entry's `service_sid` is the SID of a Twilio Conversations service: `IS` followed by
32 hex digits (either case), 34 characters, e.g. `IS12345678900000000000000000AbCdEf`. When the
value starts with another known prefix, the help names what was pasted instead: `AC` account,
`MG` Messaging Service, `CH` conversation, `SK` API key, `PN` phone number, `MB` participant,
`IM` message, `US` user, `HX` content template, `FW` Studio flow, and more.

## Why it matters

The Twilio console shows many SIDs side by side, and the Messaging Service SID (`MG…`) is the
usual mistake. Nimbus needs the Conversations service (Conversations → Manage → Services); with
any other SID the entry never receives a message.

## Example

```toml
[messaging_entry.whatsapp-sales]
ou = "sales"
connector = "twilio-us"
service_sid = "MG12345678900000000000000000abcdef"
```

## Fix

```toml
service_sid = "IS12345678900000000000000000abcdef"
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for e in &cx.ws.model.entries {
        let Some(v) = e.service_sid.get() else {
            continue;
        };
        let Err(problem) = sid::check(&v.value, "IS") else {
            continue;
        };
        let label = sid::label(&problem, "IS");
        let d = Diagnostic::new(
            Code::InvalidServiceSid,
            v.span,
            "`service_sid` is not a Conversations Service SID",
        )
        .label(label)
        .help(format!(
            "{}; use the SID of the Conversations service (Twilio console: Conversations → Manage → Services), `IS` + 32 hex digits",
            sid::explain(&problem, "IS")
        ));
        out.push(sid::with_repair(d, v, "IS").about(Kind::MessagingEntry, &e.def.id));
    }
}
