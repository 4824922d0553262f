//! `missing-field`: a required key is absent.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Def, Field, Kind};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "missing-field",
    severity: Severity::Error,
    hard: true,
    summary: "a required key is absent",
    explanation: r#"## What it checks

Every entity but the root OU needs `ou`; connectors need `type` and `api_key_sid`; messaging
entries need `connector` and `service_sid`; services need `license`. Each missing key is reported
at the entity's table header. A key that is present but misspelled or of the wrong type is
reported by `unknown-field` or `invalid-value` instead, never twice.

## Why it matters

Nimbus cannot create the entity without these values: an entity without an OU has no place in
the tenant, a connector without an API key cannot authenticate with Twilio, and a service
without a licence cannot be provisioned.

## Example

```toml
[messaging_entry.whatsapp-sales]
ou = "sales"
connector = "twilio-us"
```

## Fix

```toml
[messaging_entry.whatsapp-sales]
ou = "sales"
connector = "twilio-us"
service_sid = "IS12345678900000000000000000AbCdEf"
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let m = &cx.ws.model;
    let root = cx.ws.res.tree.roots.first().map(|&r| m.ous[r as usize].def.id.as_str());
    let ou = match root {
        Some(root) => format!("ou = \"{root}\"` (or the id of the OU below it that it belongs to)"),
        None => "ou = \"<OU id>\"`".to_owned(),
    };
    let ou = ou.as_str();
    // The OU of what an entity uses (a service's entry, an entry's connector): there, or
    // below it, the entity sees it.
    let ou_of_use = |at: Option<u32>, what: &str, id: &str| -> Option<String> {
        let at = at?;
        let ou_id = &m.ous[at as usize].def.id;
        Some(format!(
            "ou = \"{ou_id}\"` (the OU of its {what} `{id}`, or an OU below it)"
        ))
    };
    let mut need = |kind: Kind, def: &Def, key: &str, present: bool, example: &str| {
        if !present {
            out.push(
                Diagnostic::new(
                    Code::MissingField,
                    def.header,
                    format!("{} `{}` has no `{key}`", kind.noun(), def.id),
                )
                .label(format!("`{key}` missing"))
                .help(format!("add `{example}"))
                .about(kind, &def.id),
            );
        }
    };
    for c in &m.connectors {
        need(Kind::Connector, &c.def, "ou", !c.def.ou.is_absent(), ou);
        need(Kind::Connector, &c.def, "type", !c.kind.is_absent(), "type = \"twilio\"`");
        need(
            Kind::Connector,
            &c.def,
            "api_key_sid",
            !c.api_key_sid.is_absent(),
            "api_key_sid = \"SK…\"`: the SID of a Twilio API key, SK + 32 hex digits",
        );
    }
    let meant = meant_connectors(cx);
    let res = &cx.ws.res;
    for (i, e) in m.entries.iter().enumerate() {
        let used = res.entry_connector[i].and_then(|c| {
            let c = c as usize;
            ou_of_use(res.connector_ou[c], "connector", &m.connectors[c].def.id)
        });
        let entry_ou = used.as_deref().unwrap_or(ou);
        need(Kind::MessagingEntry, &e.def, "ou", !e.def.ou.is_absent(), entry_ou);
        let connector = match meant.iter().find(|(entry, _)| *entry == i) {
            Some((_, Some(c))) => format!(
                "connector = \"{}\"` (the connector of its OU or the nearest above it)",
                m.connectors[*c as usize].def.id
            ),
            _ => "connector = \"<connector id>\"`".to_owned(),
        };
        need(
            Kind::MessagingEntry,
            &e.def,
            "connector",
            !e.connector.is_absent(),
            &connector,
        );
        need(
            Kind::MessagingEntry,
            &e.def,
            "service_sid",
            !e.service_sid.is_absent(),
            "service_sid = \"IS…\"`: the Conversations Service SID, IS + 32 hex digits",
        );
    }
    for (i, s) in m.services.iter().enumerate() {
        let used = res.service_entry[i].and_then(|e| {
            let e = e as usize;
            ou_of_use(res.entry_ou[e], "messaging entry", &m.entries[e].def.id)
        });
        let service_ou = used.as_deref().unwrap_or(ou);
        need(Kind::Service, &s.def, "ou", !s.def.ou.is_absent(), service_ou);
        need(
            Kind::Service,
            &s.def,
            "license",
            !matches!(s.license, Field::Absent),
            "license = \"contact_center\"` (or `advanced_routing`, `enterprise_routing`)",
        );
    }
}

/// For each messaging entry that names no connector, the one it most likely needs: the only
/// connector of the nearest OU at or above the entry's that holds any. `None` when that is not
/// clear (the entry's OU unknown, no connector visible, or several in that OU).
pub(crate) fn meant_connectors(cx: &Context<'_>) -> Vec<(usize, Option<u32>)> {
    let (m, res) = (&cx.ws.model, &cx.ws.res);
    let lacking: Vec<usize> = (0..m.entries.len())
        .filter(|&i| m.entries[i].connector.is_absent())
        .collect();
    if lacking.is_empty() {
        return Vec::new();
    }
    let mut by_ou: rustc_hash::FxHashMap<u32, Vec<u32>> = rustc_hash::FxHashMap::default();
    for (c, ou) in res.connector_ou.iter().enumerate() {
        if let Some(ou) = ou {
            by_ou.entry(*ou).or_default().push(c as u32);
        }
    }
    let meant = |entry: usize| {
        let path = res.tree.path(res.entry_ou[entry]?)?;
        let here = path.iter().rev().find_map(|ou| by_ou.get(ou))?;
        match here[..] {
            [only] => Some(only),
            _ => None,
        }
    };
    lacking.into_iter().map(|i| (i, meant(i))).collect()
}
