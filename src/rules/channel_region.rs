//! `channel-region`: WhatsApp or SMS through a connector outside `us1`.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Kind, Region};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "channel-region",
    severity: Severity::Warning,
    hard: false,
    summary: "a front desk's `whatsapp`/`sms` go through an entry whose connector's region is not `us1`",
    explanation: r#"## What it checks

A front desk that lists `whatsapp` or `sms` applies a messaging entry; that entry's connector
must be in Twilio region `us1`. The warning points at the service's `messaging_entry`, with a
label at the connector's `region`.

## Why it matters

Twilio offers the SMS and WhatsApp channels of Conversations only in `us1`, and API keys only
work in the region they were created in. A front desk wired to a `de1` or `ie1` connector can
serve the website widget, but its WhatsApp and SMS conversations never arrive.

## Example

```toml
[connector.twilio-eu]
region = "ie1"

[messaging_entry.whatsapp-emea]
connector = "twilio-eu"

[service.emea-desk.instant_messaging]
messaging_entry = "whatsapp-emea"
channels = ["whatsapp"]
```

## Fix

Create an API key in `us1`, and a connector for it:

```toml
[connector.twilio-us]
region = "us1"

[messaging_entry.whatsapp-emea]
connector = "twilio-us"
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let m = &cx.ws.model;
    let res = &cx.ws.res;
    for (i, s) in m.services.iter().enumerate() {
        let Some(im) = s.im.value() else { continue };
        if im.twilio_channel().is_none() {
            continue;
        }
        let (Some(entry), Some(reference)) = (res.service_entry[i], im.messaging_entry.get())
        else {
            continue;
        };
        let Some(conn) = res.entry_connector[entry as usize] else {
            continue;
        };
        let connector = &m.connectors[conn as usize];
        let Some(region) = connector.region.get() else {
            continue;
        };
        if region.value == Region::Us1 {
            continue;
        }
        // The us1 entry in sight that `missing-messaging-entry` would suggest here too.
        let in_sight = cx.entry_suggestion(i);
        let help = match in_sight {
            Some(e) => {
                let entry = &m.entries[e as usize];
                let conn = res.entry_connector[e as usize].map(|c| m.connectors[c as usize].def.id.as_str());
                format!(
                    "Twilio offers the WhatsApp and SMS channels of Conversations only in `us1`: apply `{}` (connector `{}`, region `us1`)",
                    entry.def.id,
                    conn.unwrap_or_default()
                )
            }
            None => "Twilio offers the WhatsApp and SMS channels of Conversations only in `us1`: apply an entry whose connector has `region = \"us1\"`".to_owned(),
        };
        let d = Diagnostic::new(
            Code::ChannelRegion,
            reference.span,
            format!(
                "{} on service `{}` {} through connector `{}` in region `{}`",
                im.twilio_names(),
                s.def.id,
                im.twilio_agree("goes", "go"),
                connector.def.id,
                region.value.as_str()
            ),
        )
        .label(format!("connector `{}` is not in `us1`", connector.def.id))
        .with(
            region.span,
            format!("`{}` is in `{}`", connector.def.id, region.value.as_str()),
        )
        .help(help)
        .about(Kind::Service, &s.def.id);
        out.push(d);
    }
}
