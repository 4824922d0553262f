//! `im-no-agents`: IM on a service with no users and nowhere to transfer.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Kind, UserAssignment};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "im-no-agents",
    severity: Severity::Warning,
    hard: false,
    summary: "IM on a service with `user_assignment = \"none\"` and no transfers: conversations arrive and nobody can take them",
    explanation: r#"## What it checks

A service with an `instant_messaging` table, an explicit `user_assignment = "none"` and no
`transfers`. The warning points at the `instant_messaging` header, with a label at the
assignment. On a service that no conversation reaches, `im-unreachable` speaks instead, unless
it is silenced for that service.

## Why it matters

`none` is for IVRs and first-level redirection services, which hand conversations on. With no
users and no transfer target, every conversation that arrives waits until the customer gives up.

## Example

```toml
[service.sales-ivr]
user_assignment = "none"
[service.sales-ivr.instant_messaging]
messaging_entry = "whatsapp-sales"
channels = ["whatsapp"]
```

## Fix

```toml
[service.sales-ivr]
user_assignment = "none"
transfers = ["sales-team"]
```

or assign users (`user_assignment = "ms_teams"` or `"skill_based"`). When the service is meant
to be like this (a bot answers, say), silence it with `# nimbus-lint: allow(im-no-agents)` on
the line above its header.
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, s) in cx.ws.model.services.iter().enumerate() {
        let (Some(im), Some(assign)) = (s.im.value(), s.user_assignment.get()) else {
            continue;
        };
        if s.transfers_unreadable {
            // It may transfer somewhere: no conclusion.
            cx.hold_for(Code::ImNoAgents, Kind::Service, &s.def.id);
            continue;
        }
        // A transfer to itself leads nowhere (`self-transfer` says so too).
        let itself = |t: &&crate::model::Sp<crate::model::Text>| t.value == s.def.id;
        if assign.value != UserAssignment::None || !s.transfers.iter().all(|t| itself(&t)) {
            continue;
        }
        if !cx.transfers.reached[i] {
            // No conversation arrives: `im-unreachable` says so, and this is said only when
            // that is silenced (allowed, or suppressed for the service); when it holds back,
            // neither speaks.
            cx.yield_to(
                Code::ImNoAgents,
                Code::ImUnreachable,
                Kind::Service,
                &s.def.id,
            );
        }
        let (transfers, to_itself) = match s.transfers.first() {
            Some(t) => ("transfers only to itself", Some(t.span)),
            None => ("no transfers", None),
        };
        let mut d = Diagnostic::new(
            Code::ImNoAgents,
            im.header,
            format!(
                "service `{}` takes IM conversations but has no agents and {transfers}",
                s.def.id
            ),
        )
        .label("conversations arrive here")
        .with(assign.span, "no users are assigned");
        if let Some(span) = to_itself {
            d = d.with(span, "a transfer to itself leads nowhere");
        }
        out.push(
            d.help("add `transfers` to services with agents, or assign users (`user_assignment = \"ms_teams\"` or `\"skill_based\"`)")
                .about(Kind::Service, &s.def.id),
        );
    }
}
