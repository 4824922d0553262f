//! `channel-license`: WhatsApp or SMS on a service without the Contact Center licence.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Kind, License};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "channel-license",
    severity: Severity::Warning,
    hard: false,
    summary: "`whatsapp` or `sms` on a service whose licence is not `contact_center`",
    explanation: r#"## What it checks

A service that lists `whatsapp` or `sms` in `channels` must have `license = "contact_center"`.
The warning points at the channel, with a label at the licence.

## Why it matters

In Nimbus the external IM channels (WhatsApp and SMS through Twilio) are a Contact Center
feature. On an Advanced or Enterprise Routing service the channel cannot be switched on, so the
front desk would stay silent.

## Example

```toml
[service.sales-ivr]
license = "enterprise_routing"
[service.sales-ivr.instant_messaging]
messaging_entry = "whatsapp-sales"
channels = ["whatsapp"]
```

## Fix

```toml
license = "contact_center"
```

or remove the channel (`interact`, the website widget, works with every licence).
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for s in &cx.ws.model.services {
        let (Some(im), Some(license)) = (s.im.value(), s.license.get()) else {
            continue;
        };
        if license.value == License::ContactCenter {
            continue;
        }
        let Some(channel) = im.twilio_channel() else {
            continue;
        };
        let mut d = Diagnostic::new(
            Code::ChannelLicense,
            channel.span,
            format!(
                "{} on service `{}` {} the Contact Center licence",
                im.twilio_names(),
                s.def.id,
                im.twilio_verb()
            ),
        )
        .label("needs `contact_center`")
        .with(
            license.span,
            format!("licence is `{}`", license.value.as_str()),
        )
        .help(format!(
            "set `license = \"contact_center\"` on `{}`, or remove {} from `channels`",
            s.def.id,
            im.twilio_names()
        ))
        .about(Kind::Service, &s.def.id);
        // Each other Twilio channel listed needs it too.
        for c in (im.channels.iter()).filter(|c| c.value.is_twilio() && c.span != channel.span) {
            d = d.with(c.span, "needs `contact_center` too");
        }
        out.push(d);
    }
}
