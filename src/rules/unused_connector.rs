//! `unused-connector`: no messaging entry uses the connector.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "unused-connector",
    severity: Severity::Warning,
    hard: false,
    summary: "no entry uses the connector",
    explanation: r#"## What it checks

Every provider connector is used by at least one messaging entry (`connector`). Not reported
while a file has a syntax error.

## Why it matters

A connector holds a live Twilio API key. One that nothing uses is a credential kept around for
no purpose: delete it, and revoke its key in Twilio.

## Example

```toml
[connector.twilio-old]
ou = "contoso"
type = "twilio"
api_key_sid = "SK12345678900000000000000000abcdef"
# ... and no messaging entry has connector = "twilio-old"
```

## Fix

Delete the connector and revoke the key, or point an entry at it:

```toml
[messaging_entry.whatsapp-sales]
connector = "twilio-old"
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(unused) = cx.unused(Kind::Connector, Code::UnusedConnector) else {
        return;
    };
    let offered = crate::rules::reference_not_visible::offered(cx, Kind::Connector);
    for c in unused {
        let connector = &cx.ws.model.connectors[c];
        let def = &connector.def;
        for (kind, id) in offered.get(&(c as u32)).into_iter().flatten() {
            cx.yield_to_other(
                (Code::UnusedConnector, Kind::Connector, &def.id),
                (Code::ReferenceNotVisible, *kind, id),
            );
        }
        // Its API key is a Twilio one only when it is a Twilio connector.
        let revoke = match connector.kind.value() {
            Some(kind) if kind.as_str() != "twilio" => "",
            _ => " and revoke its API key in Twilio",
        };
        out.push(
            Diagnostic::new(
                Code::UnusedConnector,
                def.header,
                format!("no messaging entry uses connector `{}`", def.id),
            )
            .label("unused")
            .help(format!(
                "point a messaging entry at it (`connector = \"{}\"`), or delete it{revoke}",
                def.id
            ))
            .about(Kind::Connector, &def.id),
        );
    }
}
