//! `unsupported-connector`: a connector `type` other than `twilio`.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "unsupported-connector",
    severity: Severity::Error,
    hard: true,
    summary: "connector `type` other than `twilio`",
    explanation: r#"## What it checks

A provider connector's `type` is locked to `twilio`: it is the only provider Nimbus messaging
supports.

## Why it matters

Nimbus reaches WhatsApp and SMS through Twilio Conversations only. A connector of any other type
cannot be created, and the messaging entries that use it would never receive a message.

## Example

```toml
[connector.meta-direct]
ou = "contoso"
type = "whatsapp-cloud"
api_key_sid = "SK12345678900000000000000000abcdef"
```

## Fix

```toml
type = "twilio"
```

and connect WhatsApp to Twilio (a WhatsApp sender in the Twilio console) instead.
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in &cx.ws.model.connectors {
        let Some(kind) = c.kind.get() else { continue };
        if kind.value == "twilio" {
            continue;
        }
        let typo = crate::suggest::nearest(&kind.value, ["twilio"]);
        let mut help = crate::suggest::did_you_mean(typo);
        help.push_str("Nimbus provider connectors support only Twilio: set `type = \"twilio\"`");
        // `Twilio`: the right type, spelled in the wrong case.
        let (message, label) = if kind.value.trim().eq_ignore_ascii_case("twilio") {
            (
                format!("connector type `{}` is written `twilio`", kind.value),
                "lower case, no spaces",
            )
        } else if kind.value.trim().is_empty() {
            (
                format!("connector `{}` has an empty `type`", c.def.id),
                "no provider named",
            )
        } else {
            (
                format!("connector type `{}` is not supported", kind.value),
                "only `twilio` is supported",
            )
        };
        let d = Diagnostic::new(Code::UnsupportedConnector, kind.span, message)
            .label(label)
            .help(help)
            .about(Kind::Connector, &c.def.id);
        // Only a misspelling is mended: another provider is a decision to take, not a typo.
        out.push(match typo {
            Some(t) => d.fix_string(kind.span, t),
            None => d,
        });
    }
}
