//! `reference-not-visible`: a connector or messaging entry used from an OU that cannot see it.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Def, Kind, Sp};

/// The rule record.
pub const RULE: Rule = Rule {
    code: "reference-not-visible",
    severity: Severity::Error,
    hard: false,
    summary: "an entry's connector, or a service's entry, sits in an OU that is neither the referrer's OU nor above it",
    explanation: r#"## What it checks

An entity can use what sits in its own OU or in any OU above it, up to the root; siblings and
children are invisible to it. A messaging entry's `connector` and a service's
`messaging_entry` must therefore sit in the referrer's OU or above it.

## Why it matters

Nimbus enforces this visibility when the entry or the service is saved: the reference resolves
in the file, but the deployment fails, or an administrator of a sibling OU ends up owning a
connector that other units depend on.

## Example

```toml
[ou.contoso]
[ou.sales]
parent = "contoso"
[ou.support]
parent = "contoso"

[connector.twilio-support]
ou = "support"
# ...

[messaging_entry.whatsapp-sales]
ou = "sales"
connector = "twilio-support"   # a sibling OU: invisible from sales
```

## Fix

Move the connector up to an OU above both, or use a connector that sits in `sales` or above it:

```toml
[connector.twilio-support]
ou = "contoso"
# ...
```
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.copies_placed_apart() {
        cx.hold(Code::ReferenceNotVisible);
        return;
    }
    let lifting = std::cell::OnceCell::new();
    for o in cx.out_of_sight() {
        report(cx, &lifting, out, o);
    }
}

/// The entities of `kind` that a help of this rule offers in the referrer's sight, each with
/// the referrers it is offered to: unused, such an entity is reported only once each of
/// those diagnostics is silenced (the help asks to use it).
pub(crate) fn offered<'a>(
    cx: &Context<'a>,
    kind: Kind,
) -> rustc_hash::FxHashMap<u32, Vec<(Kind, &'a str)>> {
    let mut offered: rustc_hash::FxHashMap<u32, Vec<(Kind, &str)>> = Default::default();
    for o in cx.out_of_sight() {
        if let Some(i) = o.in_sight.filter(|_| o.target.0 == kind) {
            offered
                .entry(i)
                .or_default()
                .push((o.from.0, o.from.1.id.as_str()));
        }
    }
    offered
}

/// A reference that the referrer's OU cannot see.
pub(crate) struct OutOfSight<'m> {
    /// The referrer: its kind, definition and OU.
    pub from: (Kind, &'m Def, u32),
    /// The reference, as written.
    pub reference: &'m Sp<crate::model::Text>,
    /// What it names: its kind, definition and OU.
    pub target: (Kind, &'m Def, u32),
    /// The entity of that kind in the referrer's sight that the help names instead, by index:
    /// `unused-*` stays quiet for it while this is reported.
    pub in_sight: Option<u32>,
}

/// Every reference out of its referrer's sight, entries' connectors first, then services'
/// entries, each in model order (kept by [`Context::out_of_sight`]).
pub(crate) fn out_of_sight<'a>(cx: &Context<'a>) -> Vec<OutOfSight<'a>> {
    let ws: &'a crate::resolve::Workspace = cx.ws;
    let (m, res) = (&ws.model, &ws.res);
    let mut out = Vec::new();
    let connectors = std::cell::OnceCell::new();
    for (i, e) in m.entries.iter().enumerate() {
        let (Some(from), Some(c)) = (res.entry_ou[i], res.entry_connector[i]) else {
            continue;
        };
        let conn = &m.connectors[c as usize];
        if let (Some(reference), Some(at)) = (e.connector.get(), res.connector_ou[c as usize])
            && unseen(cx, from, at)
        {
            let in_sight = connectors.get_or_init(|| connectors_in_sight(cx))[from as usize];
            out.push(OutOfSight {
                from: (Kind::MessagingEntry, &e.def, from),
                reference,
                target: (Kind::Connector, &conn.def, at),
                in_sight,
            });
        }
    }
    for (i, s) in m.services.iter().enumerate() {
        let (Some(from), Some(e)) = (res.service_ou[i], res.service_entry[i]) else {
            continue;
        };
        let entry = &m.entries[e as usize];
        let reference = s.im.value().and_then(|im| im.messaging_entry.get());
        if let (Some(reference), Some(at)) = (reference, res.entry_ou[e as usize])
            && unseen(cx, from, at)
        {
            out.push(OutOfSight {
                from: (Kind::Service, &s.def, from),
                reference,
                target: (Kind::MessagingEntry, &entry.def, at),
                in_sight: cx.entry_suggestion(i),
            });
        }
    }
    out
}

/// True when what sits in OU `at` is out of the sight of OU `from`, as far as the OU tree
/// tells now.
fn unseen(cx: &Context<'_>, from: u32, at: u32) -> bool {
    let tree = &cx.ws.res.tree;
    // A target hanging off a loop or a broken parent is not above a referrer whose chain
    // reaches the root, however that loop or parent is mended; with the referrer's own chain
    // broken, the answer waits for the tree to be fixed.
    let unseen = tree
        .is_at_or_above(at, from)
        .map_or(tree.is_rooted(from), |seen| !seen);
    // With several roots, `root-ou` asks every root but the tenant to hang below it: a
    // target at the tenant itself then comes into sight of every referrer, so that waits for
    // the tree too. Any root holding as much as the one taken for the tenant may be it: file
    // order must not decide.
    let at_tenant =
        tree.roots.len() > 1 && tree.parent[at as usize].is_none() && cx.may_be_tenant(at);
    unseen && !at_tenant
}

/// By OU: the connector in its sight that a help names, the only one of the nearest OU at or
/// above it that holds any (none when that OU holds several).
fn connectors_in_sight(cx: &Context<'_>) -> Vec<Option<u32>> {
    let res = &cx.ws.res;
    let n = cx.ws.model.ous.len();
    let mut held: Vec<(u32, u32)> = vec![(0, 0); n];
    for (c, ou) in res.connector_ou.iter().enumerate() {
        if let Some(ou) = *ou {
            let h = &mut held[ou as usize];
            *h = (h.0 + 1, c as u32);
        }
    }
    // The nearest OU at or above each that holds any, parents first.
    let mut nearest: Vec<Option<u32>> = vec![None; n];
    for o in res.tree.preorder() {
        let o = o as usize;
        nearest[o] = if held[o].0 > 0 {
            Some(o as u32)
        } else {
            res.tree.parent[o].and_then(|p| nearest[p as usize])
        };
    }
    (nearest.into_iter())
        .map(|at| {
            at.filter(|&o| held[o as usize].0 == 1)
                .map(|o| held[o as usize].1)
        })
        .collect()
}

fn report(
    cx: &Context<'_>,
    lifting: &std::cell::OnceCell<Lifting>,
    out: &mut Vec<Diagnostic>,
    o: &OutOfSight<'_>,
) {
    let ((kind, def, from), (target_kind, target, at)) = (o.from, o.target);
    let tree = &cx.ws.res.tree;
    let ous = &cx.ws.model.ous;
    let ou_id = |o: u32| ous[o as usize].def.id.as_str();
    let mut help = format!(
        "a {} can use what sits in its own OU `{}` or above it; ",
        kind.noun(),
        ou_id(from)
    );
    let lifting = lifting.get_or_init(|| Lifting::new(tree));
    // Where the target would be seen: the lowest OU above both, or the referrer's own when
    // the target hangs off a loop or a broken parent.
    let top =
        (lifting.common_ancestor(tree, from, at)).or_else(|| (!tree.is_rooted(at)).then_some(from));
    if let Some(top) = top {
        // Moved up, an entry must still see its own connector: move that too when it sits
        // below the new place.
        let m = &cx.ws.model;
        let res = &cx.ws.res;
        let stranded = match target_kind {
            Kind::MessagingEntry => res
                .lookup(m, Kind::MessagingEntry, &target.id)
                .and_then(|e| res.entry_connector[e as usize])
                .and_then(|c| res.connector_ou[c as usize].map(|o| (c, o)))
                // A connector hanging off a loop or a broken parent is above no rooted OU,
                // however that is mended (see `unseen`).
                .filter(|&(_, o)| match tree.is_at_or_above(o, top) {
                    Some(above) => !above,
                    None => tree.is_rooted(top),
                }),
            _ => None,
        };
        let what = match stranded {
            Some((c, _)) => format!(
                "{} `{}` and its connector `{}`",
                target_kind.noun(),
                target.id,
                m.connectors[c as usize].def.id
            ),
            None => format!("{} `{}`", target_kind.noun(), target.id),
        };
        let place = match (top == from, tree.is_rooted(at)) {
            (false, _) => format!("up to `{}` (above both)", ou_id(top)),
            (true, true) => format!("up to `{}`, the {}'s own OU", ou_id(top), kind.noun()),
            (true, false) => format!("to `{}`, the {}'s own OU", ou_id(top), kind.noun()),
        };
        help.push_str(&format!("move {what} {place}, or "));
    }
    let visible = o.in_sight.map(|i| &cx.ws.model.def(target_kind, i).id);
    match visible {
        Some(other) => help.push_str(&format!(
            "use a {} visible from `{}`, such as `{other}`",
            target_kind.noun(),
            ou_id(from)
        )),
        None => help.push_str(&format!(
            "use a {} visible from `{}`",
            target_kind.noun(),
            ou_id(from)
        )),
    }
    let mut d = Diagnostic::new(
        Code::ReferenceNotVisible,
        o.reference.span,
        format!(
            "{} `{}` is not visible from OU `{}`",
            target_kind.noun(),
            target.id,
            ou_id(from)
        ),
    )
    .label(format!(
        "sits in OU `{}`, outside `{}` and the OUs above it",
        ou_id(at),
        ou_id(from)
    ))
    .help(help)
    .about(kind, &def.id);
    if let Some(ou) = target.ou.get() {
        d = d.with(
            ou.span,
            format!("`{}` sits in OU `{}`", target.id, ou_id(at)),
        );
    }
    out.push(d);
}

/// Ancestors of each OU 2^k levels up, for lowest-common-ancestor queries in O(log depth):
/// a chain thousands deep with an unseen reference at each level stays linear. Built when a
/// first diagnostic needs it.
struct Lifting {
    /// `up[k][o]`: the ancestor of `o` 2^k levels up, or the root above it.
    up: Vec<Vec<u32>>,
}

impl Lifting {
    fn new(tree: &crate::resolve::OuTree) -> Self {
        let n = tree.parent.len();
        let first: Vec<u32> = (0..n)
            .map(|o| {
                tree.parent[o]
                    .filter(|_| tree.is_rooted(o as u32))
                    .unwrap_or(o as u32)
            })
            .collect();
        let deepest = (0..n)
            .filter(|&o| tree.is_rooted(o as u32))
            .map(|o| tree.depth[o])
            .max()
            .unwrap_or(0);
        let mut up = vec![first];
        while (1u64 << up.len()) <= u64::from(deepest) {
            let last = &up[up.len() - 1];
            let next = last.iter().map(|&a| last[a as usize]).collect();
            up.push(next);
        }
        Lifting { up }
    }

    /// The ancestor of `o` `levels` up.
    fn climb(&self, mut o: u32, levels: u32) -> u32 {
        for (k, up) in self.up.iter().enumerate() {
            if levels >> k & 1 == 1 {
                o = up[o as usize];
            }
        }
        o
    }

    /// The lowest OU above both, when both hang under one root.
    fn common_ancestor(&self, tree: &crate::resolve::OuTree, a: u32, b: u32) -> Option<u32> {
        if !tree.is_rooted(a) || !tree.is_rooted(b) {
            return None;
        }
        let (da, db) = (tree.depth[a as usize], tree.depth[b as usize]);
        let (mut a, mut b) = (
            self.climb(a, da.saturating_sub(db)),
            self.climb(b, db.saturating_sub(da)),
        );
        if a == b {
            return Some(a);
        }
        for up in self.up.iter().rev() {
            if up[a as usize] != up[b as usize] {
                a = up[a as usize];
                b = up[b as usize];
            }
        }
        let (pa, pb) = (self.up[0][a as usize], self.up[0][b as usize]);
        (pa == pb && pa != a).then_some(pa)
    }
}
