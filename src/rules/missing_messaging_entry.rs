//! `missing-messaging-entry`: a front desk with WhatsApp or SMS applies no messaging entry.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Field, ImForm, Kind};

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
    let desks = desks_without_entry(cx);
    if desks.is_empty() {
        return;
    }
    let dependents = cx.transfers.sole_dependents(&desks, services);
    // A service defined twice (`duplicate-id`) is judged once its halves are one: the copy
    // kept may be the half without the entry.
    let split: rustc_hash::FxHashSet<&str> = (cx.ws.res.duplicates.iter())
        .filter(|d| d.kind == Kind::Service)
        .map(|d| d.id.as_str())
        .collect();
    for (k, &i) in desks.iter().enumerate() {
        let s = &services[i];
        if split.contains(s.def.id.as_str()) {
            cx.hold_for(Code::MissingMessagingEntry, Kind::Service, &s.def.id);
            continue;
        }
        let Some(im) = s.im.value() else { continue };
        let span = im.channels_span.unwrap_or(im.header);
        let twilio = im.twilio_channels();
        let names_raw: Vec<String> = twilio.iter().map(|c| format!("`{}`", c.as_str())).collect();
        let channels = im.twilio_names();
        let verb = im.twilio_verb();
        // `instant_messaging.channels = […]`: the key is added as one more dotted key.
        let text = &cx.ws.sources.get(im.header.file).text;
        let dotted = super::text::dotted_prefix(text, im.header.range());
        let key = dotted.map_or_else(
            || "messaging_entry".to_owned(),
            |p| format!("{p}.messaging_entry"),
        );
        let mut help = match im.form {
            ImForm::Inline if dotted.is_some() => format!("add `{key} = \"…\"`"),
            ImForm::Header => format!(
                "add `messaging_entry = \"…\"` below `[service.{}.instant_messaging]`",
                s.def.id
            ),
            ImForm::Inline => {
                "add `messaging_entry = \"…\"` to the service's `instant_messaging` table"
                    .to_owned()
            }
            ImForm::Implied => format!(
                "add a `[service.{}.instant_messaging]` table with `messaging_entry = \"…\"`, and move `channels` into it",
                s.def.id
            ),
        };
        if let Some(entry) = cx.entry_suggestion(i) {
            let entry = &cx.ws.model.entries[entry as usize].def.id;
            help.push_str(&format!(", e.g. `{key} = \"{entry}\"`"));
        }
        help.push_str(&format!(
            ", or remove {} from `channels` if customers should not write to it directly",
            names_raw.join(" and ")
        ));
        let mut d = Diagnostic::new(
            Code::MissingMessagingEntry,
            span,
            format!(
                "service `{}` offers {channels} but applies no messaging entry",
                s.def.id
            ),
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
                    format!(
                        "`{}` relies on `{}` as its only Twilio proxy",
                        target.def.id, s.def.id
                    ),
                );
            }
        }
        let left = deps.len().saturating_sub(LABELS);
        super::text::label_the_rest(&mut d, left, "service", "services");
        out.push(d);
    }
}

/// Front desks that offer a Twilio channel and name no messaging entry.
fn desks_without_entry(cx: &Context<'_>) -> Vec<usize> {
    cx.ws
        .model
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.im.value().is_some_and(|im| {
                im.twilio_channel().is_some() && matches!(im.messaging_entry, Field::Absent)
            })
        })
        .map(|(i, _)| i)
        .collect()
}

/// The front desks this rule reports with the messaging entry its help suggests to each:
/// such an entry is reported unused only when no reported fix is to apply it.
pub(crate) fn suggested(cx: &Context<'_>) -> Vec<(usize, u32)> {
    let desks = desks_without_entry(cx);
    if desks.is_empty() {
        return Vec::new();
    }
    desks
        .into_iter()
        .filter_map(|i| Some((i, cx.entry_suggestion(i)?)))
        .collect()
}
