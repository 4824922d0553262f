//! `invalid-api-key-sid`: a connector's `api_key_sid` is not `SK` + 32 hex digits.

use super::sid::{self, Problem};
use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "invalid-api-key-sid",
    severity: Severity::Error,
    hard: true,
    summary: "not `SK` + 32 hex digits; an `AC…` value gets its own message: that is the account SID, which grants access to the whole account",
    explanation: r#"## What it checks

A connector's `api_key_sid` is the SID of a Twilio API key: `SK` followed by 32 hex digits,
34 characters. When the value starts with another known prefix, the help says what was pasted
instead; an account SID (`AC…`) gets a message of its own.

## Why it matters

Nimbus authenticates with Twilio through an API key, which can be scoped and revoked on its own.
The account SID and its auth token open the whole Twilio account: every phone number, every
sub-account, billing. They must never be handed to an integration.

## Example

```toml
[connector.twilio-us]
ou = "contoso"
type = "twilio"
api_key_sid = "AC12345678900000000000000000abcdef"
```

## Fix

Create an API key in the Twilio console (Account → API keys & tokens), in the region the
connector uses, and use its SID:

```toml
api_key_sid = "SK12345678900000000000000000abcdef"
api_key_secret = { env = "TWILIO_API_KEY_SECRET" }
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in &cx.ws.model.connectors {
        let Some(v) = c.api_key_sid.get() else {
            continue;
        };
        let Err(problem) = sid::check(&v.value, "SK") else {
            continue;
        };
        let d = if matches!(problem, Problem::OtherSid("AC", _)) {
            Diagnostic::new(
                Code::InvalidApiKeySid,
                v.span,
                "`api_key_sid` holds the account SID, which grants access to the whole Twilio account",
            )
            .label("an account SID (AC…), not an API key")
            .help("create an API key in the Twilio console and use its SID (`SK` + 32 hex digits); never hand the account SID and auth token to an integration")
        } else {
            Diagnostic::new(
                Code::InvalidApiKeySid,
                v.span,
                "`api_key_sid` is not an API Key SID",
            )
            .label(sid::label(&problem, "SK"))
            .help(format!(
                "{}; an API Key SID is `SK` + 32 hex digits, from the Twilio console: Account → API keys & tokens",
                sid::explain(&problem, "SK")
            ))
        };
        out.push(sid::with_repair(d, v, "SK").about(Kind::Connector, &c.def.id));
    }
}
