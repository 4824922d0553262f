//! `im-no-agents`: IM on a service with no users and nowhere to transfer.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Field, Kind, UserAssignment};
use rustc_hash::FxHashSet;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "im-no-agents",
    severity: Severity::Warning,
    hard: false,
    summary: "IM on a service with `user_assignment = \"none\"` and no transfers: conversations arrive and nobody can take them",
    explanation: r#"## What it checks

A service with an `instant_messaging` table, an explicit `user_assignment = "none"` and no
`transfers`, or transfers only to itself or to services without IM (an IM conversation cannot
go to them). The warning points at the `instant_messaging` header, with a label at the
assignment and at each such transfer. On a service that no conversation reaches,
`im-unreachable` speaks instead, unless it is silenced for that service.

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
    let unsure = may_have_im_elsewhere(cx);
    for (i, s) in cx.ws.model.services.iter().enumerate() {
        let (Some(im), Some(assign)) = (s.im.value(), s.user_assignment.get()) else {
            continue;
        };
        if s.transfers_unreadable {
            // It may transfer somewhere: no conclusion.
            cx.hold_for(Code::ImNoAgents, Kind::Service, &s.def.id);
            continue;
        }
        if assign.value != UserAssignment::None {
            continue;
        }
        let dead_ends = match dead_ends(cx, i, &unsure) {
            Ends::Dead(ends) => ends,
            Ends::Carried => continue,
            Ends::Unsure => {
                cx.hold_for(Code::ImNoAgents, Kind::Service, &s.def.id);
                continue;
            }
        };
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
        let transfers = if s.transfers.is_empty() {
            "no transfers"
        } else if dead_ends.iter().all(|d| d.target.is_none()) {
            "transfers only to itself"
        } else {
            "its transfers lead to no IM service"
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
        let mut without_im = Vec::new();
        for end in &dead_ends {
            d = match end.target {
                None => d.with(end.span, "a transfer to itself leads nowhere"),
                Some(t) => {
                    let id = cx.ws.model.services[t].def.id.as_str();
                    if !without_im.contains(&id) {
                        without_im.push(id);
                    }
                    d.with(
                        end.span,
                        format!("`{id}` offers no IM: a conversation cannot go there"),
                    )
                }
            };
        }
        let mut help = "add `transfers` to services with agents".to_owned();
        if !without_im.is_empty() {
            help = format!(
                "{help} and IM, give {} an `instant_messaging` table",
                super::text::list(&without_im)
            );
        }
        out.push(
            d.help(format!(
                "{help}, or assign users (`user_assignment = \"ms_teams\"` or `\"skill_based\"`)"
            ))
            .about(Kind::Service, &s.def.id),
        );
    }
}

/// A transfer of a service that no IM conversation can take: to the service itself, or to a
/// service without IM.
struct DeadEnd {
    /// The transfer's item in `transfers`.
    span: crate::source::Span,
    /// The service it names, `None` for the service itself.
    target: Option<usize>,
}

/// Where the transfers of a service lead IM conversations.
enum Ends {
    /// Nowhere: these are its transfers (none at all included).
    Dead(Vec<DeadEnd>),
    /// To a service with IM, or maybe to one named by a reference unknown yet (which
    /// `unknown-reference` reports).
    Carried,
    /// Maybe nowhere: a service without IM may have it elsewhere (see
    /// [`may_have_im_elsewhere`]).
    Unsure,
}

/// The ids of the services whose IM table may be where this model does not see it: defined
/// twice (the copy dropped may have one), named by an IM table written alone under another
/// id (`[service.Sales-Team.instant_messaging]`), or any while some file cannot be read or
/// parsed (`None`).
fn may_have_im_elsewhere<'a>(cx: &Context<'a>) -> Option<FxHashSet<&'a str>> {
    if !cx.complete() {
        return None;
    }
    let m = &cx.ws.model;
    let twice = (cx.ws.res.duplicates.iter())
        .filter(|d| d.kind == Kind::Service)
        .map(|d| d.id.as_str());
    let meant =
        (cx.lone_im_tables().values().flatten()).map(|&t| m.services[t as usize].def.id.as_str());
    Some(twice.chain(meant).collect())
}

/// Where the transfers of service `i` lead its IM conversations.
fn dead_ends(cx: &Context<'_>, i: usize, unsure: &Option<FxHashSet<&str>>) -> Ends {
    let ws = cx.ws;
    let s = &ws.model.services[i];
    let resolved = &ws.res.transfers[i];
    if resolved.len() != s.transfers.len() {
        return Ends::Carried;
    }
    let mut ends = Vec::with_capacity(resolved.len());
    for &(t, item) in resolved {
        let (t, span) = (t as usize, s.transfers[item as usize].span);
        if t == i {
            ends.push(DeadEnd { span, target: None });
            continue;
        }
        let target = &ws.model.services[t];
        if !matches!(target.im, Field::Absent) {
            return Ends::Carried;
        }
        if unsure
            .as_ref()
            .is_none_or(|ids| ids.contains(target.def.id.as_str()))
        {
            return Ends::Unsure;
        }
        ends.push(DeadEnd {
            span,
            target: Some(t),
        });
    }
    Ends::Dead(ends)
}
