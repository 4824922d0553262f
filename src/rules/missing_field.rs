//! `missing-field`: a required key is absent.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Def, Field, Kind, Service};
use crate::rules::advice::MeantConnectors;
use rustc_hash::{FxHashMap, FxHashSet};

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
    let root = cx
        .ws
        .res
        .tree
        .roots
        .first()
        .map(|&r| m.ous[r as usize].def.id.as_str());
    let ou = match root {
        Some(root) => format!("ou = \"{root}\"` (or the id of the OU below it that it belongs to)"),
        None => "ou = \"<OU id>\"`".to_owned(),
    };
    let ou = ou.as_str();
    // The OU of what an entity uses (a service's entry, an entry's connector): there, or
    // below it, the entity sees it. Asked only when `ou` is missing: a clean workspace
    // formats nothing.
    let ou_of_use = |at: Option<u32>, what: &str, id: &str| -> Option<String> {
        let at = at?;
        let ou_id = &m.ous[at as usize].def.id;
        Some(format!(
            "ou = \"{ou_id}\"` (the OU of its {what} `{id}`, or an OU below it)"
        ))
    };
    let mut need = |kind: Kind, def: &Def, key: &str, present: bool, example: &str| {
        if !present && def.sub_tables_only {
            // Sub-tables alone: with some file unread, the entity's own table may be there;
            // with all read, they are an IM table alone (told below), or tables it does not
            // take (`[connector.a.b]`: `unknown-field` at `b` says an id holds no dot).
            if !cx.complete() {
                cx.hold_for(Code::MissingField, kind, &def.id);
            }
        } else if !present {
            out.push(
                Diagnostic::new(
                    Code::MissingField,
                    def.header,
                    format!("{} `{}` has no `{key}`", kind.noun(), def.id),
                )
                .label(format!("`{key}` missing"))
                .help(add_to(cx, def, example))
                .about(kind, &def.id),
            );
        }
    };
    for c in &m.connectors {
        need(Kind::Connector, &c.def, "ou", !c.def.ou.is_absent(), ou);
        need(
            Kind::Connector,
            &c.def,
            "type",
            !c.kind.is_absent(),
            "type = \"twilio\"`",
        );
        need(
            Kind::Connector,
            &c.def,
            "api_key_sid",
            !c.api_key_sid.is_absent(),
            "api_key_sid = \"SK…\"`: the SID of a Twilio API key, SK + 32 hex digits",
        );
    }
    let meant = cx.meant_connectors();
    let res = &cx.ws.res;
    for (i, e) in m.entries.iter().enumerate() {
        let used = res.entry_connector[i]
            .filter(|_| e.def.ou.is_absent())
            .and_then(|c| {
                let c = c as usize;
                ou_of_use(res.connector_ou[c], "connector", &m.connectors[c].def.id)
            });
        let entry_ou = used.as_deref().unwrap_or(ou);
        need(
            Kind::MessagingEntry,
            &e.def,
            "ou",
            !e.def.ou.is_absent(),
            entry_ou,
        );
        if e.connector.is_absent() {
            let connector = connector_example(cx, meant, i);
            need(Kind::MessagingEntry, &e.def, "connector", false, &connector);
        }
        need(
            Kind::MessagingEntry,
            &e.def,
            "service_sid",
            !e.service_sid.is_absent(),
            "service_sid = \"IS…\"`: the Conversations Service SID, IS + 32 hex digits",
        );
    }
    let mut lone = Vec::new();
    // How many IM tables alone likely meant each service: renamed all, it would be defined
    // twice.
    let mut meant_by: FxHashMap<u32, usize> = FxHashMap::default();
    for meant in cx.lone_im_tables().values().flatten() {
        *meant_by.entry(*meant).or_default() += 1;
    }
    // The ids each IM table alone is as near to as the one it likely meant, of the services
    // it may be renamed to and of the tables the model does not read (`[device.desk]`, which
    // may be its own service's): with more than one, which was meant is not sure.
    let mut near = (!cx.lone_im_tables().is_empty()).then(|| {
        let open = (m.services.iter())
            .filter(|s| may_take_im(s))
            .map(|s| s.def.id.as_str());
        let unread = cx.unread_ids().keys().map(String::as_str);
        crate::suggest::Suggester::new(open.chain(unread), cx.lone_im_tables().len())
    });
    for (i, s) in m.services.iter().enumerate() {
        let used = res.service_entry[i]
            .filter(|_| s.def.ou.is_absent())
            .and_then(|e| {
                let e = e as usize;
                // An entry without `ou` is told its connector's: the service is told the same.
                let at = res.entry_ou[e].or_else(|| {
                    let c = res.entry_connector[e].filter(|_| m.entries[e].def.ou.is_absent())?;
                    res.connector_ou[c as usize]
                });
                ou_of_use(at, "messaging entry", &m.entries[e].def.id)
            });
        if let Some(meant) = cx.lone_im_tables().get(&i) {
            let shared = meant.is_some_and(|j| meant_by.get(&j).is_some_and(|&n| n > 1));
            // Its `[service.x]` is written under a misspelled kind, whose `unknown-field` and
            // fix make this its IM table: one mistake, one diagnostic.
            if !(res.kind_renames).contains(&(Kind::Service, s.def.id.clone())) {
                let ties = near
                    .as_mut()
                    .map_or_else(Vec::new, |near| near.nearest_where(&s.def.id, |_| true));
                // Of those, the services; the first other one is written in a table not read.
                let (services, unread): (Vec<&str>, Vec<&str>) = ties.into_iter().partition(|t| {
                    (res.lookup(m, Kind::Service, t))
                        .is_some_and(|j| may_take_im(&m.services[j as usize]))
                });
                let unread = (unread.first()).and_then(|&t| Some((t, cx.unread_ids().get(t)?)));
                let guards = Guards {
                    shared,
                    ties: &services,
                    unread,
                    left_out: (cx.left_out())
                        .get(&(Kind::Service.key().to_owned(), s.def.id.to_string())),
                };
                lone.push(lone_im_table(cx, s, *meant, &guards));
            }
            continue;
        }
        let service_ou = used.as_deref().unwrap_or(ou);
        need(
            Kind::Service,
            &s.def,
            "ou",
            !s.def.ou.is_absent(),
            service_ou,
        );
        need(
            Kind::Service,
            &s.def,
            "license",
            !matches!(s.license, Field::Absent),
            "license = \"contact_center\"` (or `advanced_routing`, `enterprise_routing`)",
        );
    }
    out.append(&mut lone);
}

/// The help that adds `example` (``key = value` and what follows it``) to the entity `def`,
/// in the form its table is written in: a line below its `[kind.id]` header, a dotted key
/// (`s1.license = …`), or a key inside its inline table.
fn add_to(cx: &Context<'_>, def: &Def, example: &str) -> String {
    let text = &cx.ws.sources.get(def.header.file).text;
    let (start, end) = (def.header.start as usize, def.header.end as usize);
    if text[start..].starts_with('[') {
        return format!("add `{example}");
    }
    match super::text::dotted_prefix(text, start..end) {
        Some(written) => format!("add `{written}.{example}"),
        None => {
            let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let written = text[line..end].trim_start();
            format!("inside `{written} = {{ … }}`, add `{example}")
        }
    }
}

/// See [`Context::lone_im_tables`]: the service each likely meant is the nearest by id of
/// those written with a table of their own and no IM table (renamed to it, the IM table
/// becomes its own).
pub(crate) fn lone_im_tables(cx: &Context<'_>) -> FxHashMap<usize, Option<u32>> {
    let (m, res) = (&cx.ws.model, &cx.ws.res);
    if !cx.complete() {
        return FxHashMap::default();
    }
    // The halves of one service split across files are `duplicate-id`'s.
    let split: FxHashSet<&str> = (res.duplicates.iter())
        .filter(|d| d.kind == Kind::Service)
        .map(|d| d.id.as_str())
        .collect();
    let lone: Vec<usize> = (m.services.iter().enumerate())
        .filter(|(_, s)| {
            s.def.sub_tables_only
                && matches!(s.im, Field::Set(_))
                && !split.contains(s.def.id.as_str())
        })
        .map(|(i, _)| i)
        .collect();
    if lone.is_empty() {
        return FxHashMap::default();
    }
    let open = (m.services.iter())
        .filter(|s| may_take_im(s))
        .map(|s| s.def.id.as_str());
    let mut near = crate::suggest::Suggester::new(open, lone.len());
    (lone.into_iter())
        .map(|i| {
            let meant = (near.nearest(&m.services[i].def.id))
                .and_then(|id| res.lookup(m, Kind::Service, id));
            (i, meant)
        })
        .collect()
}

/// True for a service an IM table alone may be renamed to: written with a table of its own,
/// and no IM table.
fn may_take_im(s: &Service) -> bool {
    !s.def.sub_tables_only && matches!(s.im, Field::Absent)
}

/// What keeps an IM table alone from being renamed to the service it likely meant.
struct Guards<'g> {
    /// Other IM tables alone likely meant that service too.
    shared: bool,
    /// The services as near as the one meant (with it).
    ties: &'g [&'g str],
    /// An id as near (its own, or another), written in a table the model does not read, with
    /// where (see [`Context::unread_ids`]).
    unread: Option<(&'g str, &'g (crate::source::Span, String))>,
    /// Where a file the workspace leaves out defines its own service.
    left_out: Option<&'g crate::load::Elsewhere>,
}

/// The one diagnostic of a service written as an IM table alone: its id is likely a typo of
/// `meant`'s, else its own table is missing. The fix renames it when `meant` is defined in the
/// same file, and none of the `guards` holds: no other IM table alone likely meant it too
/// (else the service would be defined twice, in two files, or by two IM tables), no other
/// service is as near (which was meant is not sure), no id as near is written in a table the
/// model does not read, and no file left out defines its own service (either may be the one
/// meant: the help names that table or file instead).
fn lone_im_table(
    cx: &Context<'_>,
    s: &Service,
    meant: Option<u32>,
    guards: &Guards<'_>,
) -> Diagnostic {
    let id = &s.def.id;
    let label = match guards.left_out {
        Some(_) => format!("an IM table alone: `[service.{id}]` is in a file left out"),
        None => format!("an IM table alone: no `[service.{id}]` with `ou` and `license`"),
    };
    let d = Diagnostic::new(
        Code::MissingField,
        s.def.header,
        format!("service `{id}` has an IM table but no `[service.{id}]`"),
    )
    .label(label)
    .about(Kind::Service, id);
    let sources = &cx.ws.sources;
    let ties = guards.ties;
    let guarded = guards.unread.is_some() || guards.left_out.is_some();
    let mut d = match meant.map(|i| &cx.ws.model.services[i as usize].def) {
        Some(_) if ties.len() > 1 => {
            let tables: Vec<String> = (ties.iter())
                .map(|t| format!("[service.{t}.instant_messaging]"))
                .collect();
            let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
            d.help(format!(
                "did you mean {}? They are as near: rename it to the one meant",
                super::text::list_or(&tables)
            ))
        }
        Some(def) if guards.shared => d.help(format!(
            "did you mean `[service.{}.instant_messaging]`? Service `{}` has no IM table, but other IM tables alone may mean it too: rename the one that does",
            def.id, def.id
        )),
        Some(def) if def.header.file != s.def.header.file => d.help(format!(
            "did you mean `[service.{}.instant_messaging]`? Service `{}` has no IM table; it is defined in {}: move this table there and rename it (a service's tables stay in one file)",
            def.id,
            def.id,
            sources.get(def.header.file).display()
        )),
        Some(def) => {
            let d = d.help(format!(
                "did you mean `[service.{}.instant_messaging]`? Service `{}` has no IM table",
                def.id, def.id
            ));
            match guarded {
                true => d,
                false => d.fix(
                    s.def.id_span,
                    crate::diagnostic::toml_key(&def.id),
                    format!("Rename to `{}`", def.id),
                ),
            }
        }
        None => d.help(format!(
            "add `[service.{id}]` with `ou` and `license` above it, or correct the id in this header"
        )),
    };
    if let Some(e) = guards.left_out {
        let near = match (meant, ties) {
            (None, _) => String::new(),
            (Some(i), []) => format!(
                " Otherwise, did you mean `[service.{}.instant_messaging]`?",
                cx.ws.model.services[i as usize].def.id
            ),
            (Some(_), ties) => {
                let tables: Vec<String> = (ties.iter())
                    .map(|t| format!("[service.{t}.instant_messaging]"))
                    .collect();
                let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
                format!(
                    " Otherwise, did you mean {}?",
                    super::text::list_or(&tables)
                )
            }
        };
        let (why, remedy) = e.why.told();
        d.help = format!(
            "`[service.{id}]` is defined in {} (line {}), {why}: {remedy} and move this table there (a service's tables stay in one file), or define the service in a checked file.{near}",
            e.file, e.line
        );
    }
    if let Some((t, at)) = guards.unread {
        let remedy = match t == id.as_str() {
            true => "correct its table instead".to_owned(),
            false => format!("correct its table, and this header to `{t}`"),
        };
        d.help = format!(
            "{}{} {}: if that is the one meant, {remedy}",
            d.help,
            if d.help.ends_with(['?', '.']) {
                ""
            } else {
                "."
            },
            super::unknown_reference::written_unread(cx, t, at, Kind::Service)
        );
    }
    d
}

/// The `connector = …` a messaging entry without one is told to add (the text after "add `").
fn connector_example(cx: &Context<'_>, meant: &MeantConnectors, i: usize) -> String {
    let (m, res) = (&cx.ws.model, &cx.ws.res);
    match (meant.of(i), meant.choices(i)) {
        (Some(c), _) => format!(
            "connector = \"{}\"` (the connector of its OU or the nearest above it)",
            m.connectors[c as usize].def.id
        ),
        (None, Some((ou, choices))) => {
            let ids: Vec<&str> = choices
                .iter()
                .take(SHOWN)
                .map(|&c| m.connectors[c as usize].def.id.as_str())
                .collect();
            let more = if choices.len() > SHOWN {
                " or another"
            } else {
                ""
            };
            format!(
                "connector = …` naming {}{more}: the connectors of `{}`, the nearest OU at or above its own that holds any",
                super::text::list_or(&ids),
                m.ous[ou as usize].def.id
            )
        }
        (None, None) if let Some(o) = res.entry_ou[i].filter(|&o| res.tree.is_rooted(o)) => {
            format!(
                "connector = \"…\"` naming a connector, after adding one: none is in \
                 `{}` or an OU above it, where it would see one",
                m.ous[o as usize].def.id
            )
        }
        (None, None) => "connector = \"<connector id>\"`".to_owned(),
    }
}

/// Connectors named at most in one `missing-field` help.
const SHOWN: usize = 3;
