//! `duplicate-service-sid`: two messaging entries name the same Twilio service.

use rustc_hash::FxHashMap;

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "duplicate-service-sid",
    severity: Severity::Error,
    hard: false,
    summary: "two messaging entries name the same Twilio service",
    explanation: r#"## What it checks

No two messaging entries may name the same Conversations Service SID (compared without regard
to case). The entry that keeps the service is one that some service applies (the first by id
among them, or among all when none is applied); each other entry is reported, with a label at
the one that keeps it. Which is reported never depends on where the entries are written.

## Why it matters

Twilio delivers each conversation of a Conversations service to one webhook. Two entries on one
service compete for the same conversations: messages land in whichever entry Nimbus set up
last, and the other front desk goes silent.

## Example

```toml
[messaging_entry.whatsapp-sales]
service_sid = "IS12345678900000000000000000abcdef"

[messaging_entry.whatsapp-support]
service_sid = "IS12345678900000000000000000abcdef"
```

## Fix

Create a second Conversations service in Twilio for the second entry, or let both front desks
apply the same entry:

```toml
[messaging_entry.whatsapp-sales]
service_sid = "IS12345678900000000000000000abcdef"

[messaging_entry.whatsapp-support]
service_sid = "IS00000000000000000000000000fedcba"
```
"#,
    check: Some(check),
};

/// Other entries named in one message, at most.
const NAMES: usize = 10;

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let entries = &cx.ws.model.entries;
    let mut groups: FxHashMap<crate::model::Text, Vec<usize>> = FxHashMap::default();
    for (i, e) in entries.iter().enumerate() {
        let Some(v) = e.service_sid.get() else {
            continue;
        };
        if super::sid::check(&v.value, "IS").is_ok() {
            groups
                .entry(v.value.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
    }
    let mut applied = vec![false; entries.len()];
    for e in cx.ws.res.service_entry.iter().flatten() {
        applied[*e as usize] = true;
    }
    for members in groups.values_mut().filter(|m| m.len() > 1) {
        // An entry a service applies keeps the service (the one in use is the one meant), then
        // id order, so that which entries are reported, and how, does not depend on where
        // they are written.
        let unapplied = |i: usize| !applied[i];
        members.sort_unstable_by(|&a, &b| {
            (unapplied(a), &entries[a].def.id).cmp(&(unapplied(b), &entries[b].def.id))
        });
        let ids: Vec<&str> = members
            .iter()
            .map(|&i| entries[i].def.id.as_str())
            .collect();
        let first = &entries[members[0]];
        for &later in &members[1..] {
            let e = &entries[later];
            let Some(v) = e.service_sid.get() else {
                continue;
            };
            // Up to `NAMES` others by name: thousands of entries pasted with one SID must not
            // make each message list every other one.
            let others: Vec<&str> = (ids.iter().copied())
                .filter(|&id| id != e.def.id)
                .take(NAMES)
                .collect();
            let more = ids.len() - 1 - others.len();
            let names = if more == 0 {
                super::text::list(&others)
            } else {
                let quoted: Vec<String> = others.iter().map(|id| format!("`{id}`")).collect();
                format!("{} and {more} more", quoted.join(", "))
            };
            let mut d = Diagnostic::new(
                Code::DuplicateServiceSid,
                v.span,
                format!(
                    "messaging entry `{}` names the same Twilio service as {names}",
                    e.def.id
                ),
            )
            .label("same Conversations service")
            .help("each messaging entry needs its own Conversations service: create another in Twilio, or let the services apply one entry")
            .about(Kind::MessagingEntry, &e.def.id);
            if let Some(o) = first.service_sid.get() {
                // The one kept: applied by a service, or first by id.
                let why = if applied[members[0]] {
                    "a service applies it"
                } else {
                    "the first by id"
                };
                d = d.with(
                    o.span,
                    format!("`{}` names it too, and keeps it ({why})", first.def.id),
                );
            }
            out.push(d);
        }
    }
}
