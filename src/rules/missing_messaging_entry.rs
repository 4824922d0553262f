//! `missing-messaging-entry`: a front desk with WhatsApp or SMS applies no messaging entry.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Field, Kind};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "missing-messaging-entry",
    severity: Severity::Error,
    hard: false,
    summary: "a service lists `whatsapp` or `sms` but applies no messaging entry; labels list the transfer targets that depend on it as their only proxy",
    explanation: r#"## What it checks

A front desk that lists `whatsapp` or `sms` in `channels` must apply a messaging entry in its
`instant_messaging` table. The diagnostic points at `channels`; its labels list the IM services
behind it (over any number of transfers) that no other front desk reaches and that no front desk
with an entry proxies: they depend on this service alone.

## Why it matters

WhatsApp and SMS reach Nimbus through Twilio Conversations, and the messaging entry is what ties
a service to its Conversations service. Without it the channel is dead, and so is every
transfer target that relies on this front desk as its Twilio proxy.

## Example

```toml
[service.sales-ivr]
ou = "sales"
license = "contact_center"
user_assignment = "none"
transfers = ["sales-team"]

[service.sales-ivr.instant_messaging]
channels = ["whatsapp"]
```

## Fix

```toml
[service.sales-ivr.instant_messaging]
messaging_entry = "whatsapp-sales"
channels = ["whatsapp"]
```
"#,
    check: Some(check),
};

/// Dependent services labelled per diagnostic.
const LABELS: usize = 10;

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let services = &cx.ws.model.services;
    let desks: Vec<usize> = services
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.im.value().is_some_and(|im| {
                im.twilio_channel().is_some() && matches!(im.messaging_entry, Field::Absent)
            })
        })
        .map(|(i, _)| i)
        .collect();
    if desks.is_empty() {
        return;
    }
    let dependents = cx.transfers.sole_dependents(&desks, services);
    for (k, &i) in desks.iter().enumerate() {
        let s = &services[i];
        let Some(im) = s.im.value() else { continue };
        let span = im.channels_span.unwrap_or(im.header);
        let twilio = im.twilio_channels();
        let names_raw: Vec<String> = twilio.iter().map(|c| format!("`{}`", c.as_str())).collect();
        let channels = im.twilio_names();
        let verb = if twilio.len() == 1 { "needs" } else { "need" };
        let mut help = format!(
            "add `messaging_entry = \"…\"` to `[service.{}.instant_messaging]`",
            s.def.id
        );
        if let Some(entry) = visible_entry(cx, i) {
            help.push_str(&format!(", e.g. `messaging_entry = \"{entry}\"`"));
        }
        help.push_str(&format!(
            ", or remove {} from `channels` if customers should not write to it directly",
            names_raw.join(" and ")
        ));
        let mut d = Diagnostic::new(
            Code::MissingMessagingEntry,
            span,
            format!("service `{}` offers {channels} but applies no messaging entry", s.def.id),
        )
        .label(format!("{channels} {verb} a messaging entry"))
        .help(help)
        .about(Kind::Service, &s.def.id);
        let deps = &dependents[k];
        for &t in deps.iter().take(LABELS) {
            let target = &services[t];
            if let Some(tim) = target.im.value() {
                d = d.with(
                    tim.header,
                    format!("`{}` relies on `{}` as its only Twilio proxy", target.def.id, s.def.id),
                );
            }
        }
        if deps.len() > LABELS
            && let Some(last) = d.labels.last_mut()
        {
            last.message
                .push_str(&format!(" (and {} more services)", deps.len() - LABELS));
        }
        out.push(d);
    }
}

/// A messaging entry to suggest for service `i`: visible from its OU, with a connector in us1;
/// one that no service applies yet first, then the nearest OU, then the smallest id.
fn visible_entry<'a>(cx: &Context<'a>, i: usize) -> Option<&'a str> {
    let res = &cx.ws.res;
    let m = &cx.ws.model;
    let from = res.service_ou[i]?;
    let mut applied = vec![false; m.entries.len()];
    for e in res.service_entry.iter().flatten() {
        applied[*e as usize] = true;
    }
    m.entries
        .iter()
        .enumerate()
        .filter(|(e, _)| {
            res.entry_ou[*e].is_some_and(|at| res.tree.is_at_or_above(at, from) == Some(true))
                && res.entry_connector[*e]
                    .is_none_or(|c| m.connectors[c as usize].region() == crate::model::Region::Us1)
        })
        .max_by_key(|(e, _)| {
            (
                !applied[*e],
                res.entry_ou[*e].map_or(0, |o| res.tree.depth[o as usize]),
                std::cmp::Reverse(m.entries[*e].def.id.as_str()),
            )
        })
        .map(|(_, e)| e.def.id.as_str())
}
