//! `unused-messaging-entry`: no service applies the entry.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "unused-messaging-entry",
    severity: Severity::Warning,
    hard: false,
    summary: "no service applies the entry",
    explanation: r#"## What it checks

Every messaging entry is applied by at least one service (`messaging_entry` in its
`instant_messaging` table). Not reported while a file has a syntax error.

## Why it matters

An entry nobody applies still binds a Twilio Conversations service: messages sent to that
service's WhatsApp or SMS number go nowhere. Usually a front desk was renamed or forgot its
`messaging_entry`.

## Example

```toml
[messaging_entry.whatsapp-support]
ou = "support"
connector = "twilio-us"
service_sid = "IS12345678900000000000000000abcdef"
# ... and no service has messaging_entry = "whatsapp-support"
```

## Fix

```toml
[service.support-desk.instant_messaging]
messaging_entry = "whatsapp-support"
channels = ["whatsapp"]
```

or delete the entry.
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(unused) = cx.unused(Kind::MessagingEntry, Code::UnusedMessagingEntry) else {
        return;
    };
    // An entry a `missing-messaging-entry` help suggests applying: reported only when each
    // of those diagnostics is silenced.
    let mut suggested_to: rustc_hash::FxHashMap<usize, Vec<usize>> = Default::default();
    for (desk, entry) in crate::rules::missing_messaging_entry::suggested(cx) {
        suggested_to.entry(entry as usize).or_default().push(desk);
    }
    let offered = crate::rules::reference_not_visible::offered(cx, Kind::MessagingEntry);
    for e in unused {
        let def = &cx.ws.model.entries[e].def;
        for (kind, id) in offered.get(&(e as u32)).into_iter().flatten() {
            cx.yield_to_other(
                (Code::UnusedMessagingEntry, Kind::MessagingEntry, &def.id),
                (Code::ReferenceNotVisible, *kind, id),
            );
        }
        let desks = suggested_to.get(&e).map_or(&[][..], Vec::as_slice);
        for &desk in desks {
            cx.yield_to_other(
                (Code::UnusedMessagingEntry, Kind::MessagingEntry, &def.id),
                (
                    Code::MissingMessagingEntry,
                    Kind::Service,
                    &cx.service(desk).def.id,
                ),
            );
        }
        // (Not "apply it in the front desk that lacks one": this stands only when the user
        // said, by silencing `missing-messaging-entry`, that the desks need none.)
        let help = format!(
            "apply it in a front desk (`messaging_entry = \"{}\"` in `[service.ID.instant_messaging]`), or delete it",
            def.id
        );
        out.push(
            Diagnostic::new(
                Code::UnusedMessagingEntry,
                def.header,
                format!("no service applies messaging entry `{}`", def.id),
            )
            .label("unused")
            .help(help)
            .about(Kind::MessagingEntry, &def.id),
        );
    }
}
