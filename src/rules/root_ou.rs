//! `root-ou`: no root OU, or more than one.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "root-ou",
    severity: Severity::Error,
    hard: true,
    summary: "no root OU, or more than one",
    explanation: r#"## What it checks

Exactly one OU has no `parent`: the tenant, at the top of the Organization Unit tree. With
several roots, the tenant is the root whose connectors and entries the entities below the other
roots use (it must be above them), else the root holding the most (OUs and entities below it),
else the first by id; one diagnostic points at the first other root (in path, line order), the
one to change, labels the rest, and its help tells them to move below the tenant.
A workspace with entities but no root OU gets one diagnostic (not reported while a file has a
syntax error, since the root may be in it). An empty workspace is clean.

## Why it matters

A Nimbus tenant is one tree. Visibility runs up to the root: a connector or messaging entry in
the tenant OU is visible everywhere, and a second root would be a second tenant that none of the
first tenant's entities can see.

## Example

```toml
[ou.contoso]
name = "Contoso"

[ou.sales]
name = "Sales"        # forgot parent: a second root
```

## Fix

```toml
[ou.sales]
name = "Sales"
parent = "contoso"
```
"#,
    check: Some(check),
};

/// Other roots labelled at most in one diagnostic.
const LABELS: usize = 10;

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.copies_placed_apart() {
        cx.hold(Code::RootOu);
        return;
    }
    let ous = &cx.ws.model.ous;
    let tree = &cx.ws.res.tree;
    if let [first, _, ..] = tree.roots[..] {
        // The tenant is the root holding most (OUs and entities below it). The diagnostic is
        // at the second root, as the contract says: the first in path order that is not the
        // tenant, which needs the change; the help tells every such root to move below it.
        let tenant = cx.tenant().unwrap_or(first);
        let def = |o: u32| &ous[o as usize].def;
        let Some(at) = tree.roots.iter().copied().find(|&r| r != tenant) else {
            return;
        };
        // Named in id order, so that the message does not depend on where OUs are written.
        let mut all: Vec<&str> = tree
            .roots
            .iter()
            .map(|&r| ous[r as usize].def.id.as_str())
            .collect();
        all.sort_unstable();
        let message = if all.len() == 2 {
            format!(
                "more than one root OU: {} both have no parent",
                super::text::list(&all)
            )
        } else {
            format!(
                "{} root OUs: {} have no parent",
                all.len(),
                super::text::list(&all)
            )
        };
        let taken = format!("{}, so it is taken for the tenant", cx.why_tenant());
        // Every root but the tenant needs a parent: named in id order.
        let mut movers: Vec<&str> = (tree.roots.iter())
            .filter(|&&r| r != tenant)
            .map(|&r| def(r).id.as_str())
            .collect();
        movers.sort_unstable();
        let named = if movers.len() > 4 {
            format!(
                "{} and {} more root OUs",
                (movers[..3].iter())
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                movers.len() - 3
            )
        } else {
            super::text::list(&movers)
        };
        let mut d = Diagnostic::new(Code::RootOu, def(at).header, message)
            .label("a second root OU: give it a `parent`")
            .help(format!(
                "a workspace describes one tenant: give {named} a `parent` (e.g. `parent = \"{}\"`)",
                def(tenant).id
            ))
            .about(Kind::Ou, &def(at).id);
        // A label at each other root: the tenant, then by id; at most [`LABELS`].
        let mut others: Vec<u32> = (tree.roots.iter().copied())
            .filter(|&r| r != at && r != tenant)
            .collect();
        others.sort_unstable_by(|&a, &b| def(a).id.cmp(&def(b).id));
        others.insert(0, tenant);
        for &other in others.iter().take(LABELS) {
            let text = if other == tenant {
                format!("`{}` is a root OU too: {taken}", def(other).id)
            } else {
                format!("`{}` is a root OU too: give it a `parent`", def(other).id)
            };
            d = d.with(def(other).header, text);
        }
        let left = others.len().saturating_sub(LABELS);
        super::text::label_the_rest(&mut d, left, "root OU", "root OUs");
        out.push(d);
        return;
    }
    // With OUs, no loop and no broken parent, some OU has no parent: only a workspace without
    // any OU (none read, or one unreadable) lacks a root, besides the loops `ou-cycle` reports.
    if !ous.is_empty() || !cx.complete() || cx.ws.res.unreadable_defs.any(Kind::Ou) {
        return;
    }
    let m = &cx.ws.model;
    let first = Kind::ALL
        .iter()
        .flat_map(|&k| m.defs(k).map(move |d| (k, d)))
        .min_by_key(|(_, d)| (cx.ws.sources.get(d.header.file).rel(), d.header.start));
    let Some((kind, def)) = first else { return };
    let mut help = match named_ous(cx) {
        (named, _) if named.is_empty() => "add the tenant, an OU without `parent` (e.g. `[ou.contoso]`), and give every entity `ou = \"contoso\"` or an OU below it".to_owned(),
        (named, elsewhere) => {
            const SHOWN: usize = 4;
            let shown: Vec<&str> = named.iter().take(SHOWN).copied().collect();
            let list = match named.len() - shown.len() {
                0 => super::text::list(&shown),
                more => format!("{}, and {more} more", super::text::list(&shown).replacen(" and ", ", ", 1)),
            };
            let mut help = match named[..] {
                [one] => format!(
                    "the entities name the OU `{one}`, which no file checked defines: define it as the tenant, an OU with no `parent`: `[ou.{one}]`"
                ),
                _ => format!(
                    "the entities name the OUs {list}, which no file checked defines: define them, the tenant at the top with no `parent`, the others below it"
                ),
            };
            if let Some((id, e)) = elsewhere {
                let (why, remedy) = e.why.told();
                help.push_str(&format!(
                    "; `[ou.{id}]` is defined in {} (line {}), {why}: {remedy}",
                    e.file, e.line
                ));
            }
            help
        }
    };
    // Without a `nimbus.toml`, the folder checked may be a part of the workspace only: the
    // OUs may be in a folder above.
    if cx.ws.settings_file.is_none() {
        help.push_str("; if the OUs are in a folder above, put a `nimbus.toml` at the workspace's root, which is then checked whole");
    }
    out.push(
        Diagnostic::new(Code::RootOu, def.header, "the workspace has no OU")
            .label("no OU to hold it")
            .help(help)
            .about(kind, &def.id),
    );
}

/// The OUs the entities name (`ou`), in id order, and the first of them that a file the
/// workspace leaves out defines, with where.
fn named_ous<'a>(cx: &Context<'a>) -> (Vec<&'a str>, Option<(&'a str, crate::load::Elsewhere)>) {
    let m = &cx.ws.model;
    let mut named: Vec<&str> = (Kind::ALL.iter())
        .flat_map(|&k| m.defs(k))
        .filter_map(|d| d.ou.get().map(|o| o.value.as_str()))
        .filter(|id| crate::model::is_valid_id(id))
        .collect();
    named.sort_unstable();
    named.dedup();
    let wanted = named.iter().map(|&id| (Kind::Ou.key(), id)).collect();
    let mut found = cx.ws.defined_elsewhere(&wanted);
    let elsewhere = (named.iter()).find_map(|&id| {
        let e = found.remove(&(Kind::Ou.key().to_owned(), id.to_owned()))?;
        Some((id, e))
    });
    (named, elsewhere)
}
