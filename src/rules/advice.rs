//! Advice several rules give, each computed once for the whole workspace and kept by
//! [`crate::check::Context`]: the root taken for the tenant (`root-ou`, `ou-cycle`), the
//! messaging entry to suggest at each OU (`missing-messaging-entry`, `reference-not-visible`,
//! `channel-region`, and what counts as used), and the connector an entry that names none
//! most likely needs (`missing-field`, and what counts as used).

use std::collections::HashMap;

use crate::check::Context;
use crate::model::Channel;

/// The roots that may be the tenant.
pub(crate) struct Tenants {
    /// The root OU taken for the tenant: the one whose connectors and entries the entities
    /// below other roots use most (it must be above them), then the one holding most (OUs and
    /// entities below it), the smallest id among equals (not file order: same input, same
    /// words); `None` without a root.
    pub chosen: Option<u32>,
    /// Every root ranked as high: which of them is the tenant, file order alone decides, so
    /// no conclusion may hang on it.
    pub heaviest: Vec<u32>,
    /// Why the chosen root is the tenant, as `root-ou` says it.
    pub why: &'static str,
}

/// The roots that may be the tenant; read through [`Context::tenant`] and
/// [`Context::may_be_tenant`], which keep them.
pub(crate) fn tenants(cx: &Context<'_>) -> Tenants {
    let roots = &cx.ws.res.tree.roots;
    if roots.len() < 2 {
        return Tenants {
            chosen: roots.first().copied(),
            heaviest: roots.clone(),
            why: "it is the only root",
        };
    }
    let (root, weights) = weights(cx);
    // What the entities below other roots use from below this one (an entry's connector, a
    // service's entry): it must be above them, so it is the tenant before any weight.
    let res = &cx.ws.res;
    let mut used = vec![0usize; weights.len()];
    let uses = (res.entry_ou.iter().zip(&res.entry_connector))
        .map(|(&from, &to)| (from, to.and_then(|c| res.connector_ou[c as usize])))
        .chain(
            (res.service_ou.iter().zip(&res.service_entry))
                .map(|(&from, &to)| (from, to.and_then(|e| res.entry_ou[e as usize]))),
        );
    for (from, to) in uses {
        let root_of = |o: Option<u32>| o.and_then(|o| root[o as usize]);
        if let (Some(a), Some(b)) = (root_of(from), root_of(to))
            && a != b
        {
            used[b as usize] += 1;
        }
    }
    let rank = |r: u32| (used[r as usize], weights[r as usize]);
    let most = roots.iter().map(|&r| rank(r)).max().unwrap_or((0, 0));
    let heaviest: Vec<u32> = (roots.iter().copied())
        .filter(|&r| rank(r) == most)
        .collect();
    let id = |r: u32| cx.ws.model.ous[r as usize].def.id.as_str();
    let chosen = heaviest.iter().copied().min_by_key(|&r| id(r));
    let why = if most.0 > 0 {
        "entities below another root use what it holds (it must be above them)"
    } else if heaviest.len() == 1 {
        "it holds the most"
    } else {
        "it holds as much as any other, and comes first by id"
    };
    Tenants {
        chosen,
        heaviest,
        why,
    }
}

/// For each OU, its root; for each root OU, the OUs and entities below it (itself included),
/// 0 for the others.
fn weights(cx: &Context<'_>) -> (Vec<Option<u32>>, Vec<usize>) {
    let (tree, res) = (&cx.ws.res.tree, &cx.ws.res);
    let mut root = vec![None; cx.ws.model.ous.len()];
    let mut weight = vec![0; cx.ws.model.ous.len()];
    for o in tree.preorder() {
        let r = match tree.parent[o as usize] {
            Some(p) => root[p as usize],
            None => Some(o),
        };
        root[o as usize] = r;
        if let Some(r) = r {
            weight[r as usize] += 1;
        }
    }
    let entity_ous = (res.connector_ou.iter())
        .chain(&res.entry_ou)
        .chain(&res.service_ou);
    for ou in entity_ous.flatten() {
        if let Some(r) = root[*ou as usize] {
            weight[r as usize] += 1;
        }
    }
    (root, weight)
}

/// For each OU, the messaging entries to suggest to a service there: visible from the OU, with
/// a connector in us1 that it sees; one that no service applies yet first, then the nearest
/// OU, then the smallest id. Kept apart by the channel their id or name mentions, so that a
/// WhatsApp desk is offered `whatsapp-sales` before `sms-sales`. Computed for every OU at
/// once, parents before children, in linear time; read through
/// [`Context::entry_suggestion`], which keeps it.
pub(crate) struct EntrySuggestions {
    /// By OU: the best entry mentioning WhatsApp, SMS, and neither.
    best: Vec<[Option<u32>; 3]>,
    /// By entry: true when some service applies it.
    applied: Vec<bool>,
}

/// The slots of [`EntrySuggestions::best`].
const WHATSAPP: usize = 0;
const SMS: usize = 1;
const NEITHER: usize = 2;

impl EntrySuggestions {
    /// The entry to suggest to a service in `ou` offering `channels`: one that mentions one
    /// of them, else one that mentions no channel, else the best there is.
    pub(crate) fn for_service(
        &self,
        cx: &Context<'_>,
        ou: u32,
        channels: &[Channel],
    ) -> Option<u32> {
        let best = self.best.get(ou as usize)?;
        let slot = |c: &Channel| match c {
            Channel::Whatsapp => Some(best[WHATSAPP]),
            Channel::Sms => Some(best[SMS]),
            Channel::Interact => None,
        };
        let named = (channels.iter().filter_map(slot)).fold(None, |a, b| self.better(cx, a, b));
        named
            .or(best[NEITHER])
            .or_else(|| self.better(cx, best[WHATSAPP], best[SMS]))
    }

    /// The order of preference: not applied yet, then the deepest OU, then the smallest id.
    fn better(&self, cx: &Context<'_>, a: Option<u32>, b: Option<u32>) -> Option<u32> {
        let key = |e: u32| {
            let e = e as usize;
            (
                !self.applied[e],
                (cx.ws.res.entry_ou[e]).map_or(0, |o| cx.ws.res.tree.depth[o as usize]),
                std::cmp::Reverse(cx.ws.model.entries[e].def.id.as_str()),
            )
        };
        match (a, b) {
            (Some(x), Some(y)) => Some(if key(y) > key(x) { y } else { x }),
            (x, y) => x.or(y),
        }
    }
}

/// Which Twilio channels an entry's id or name mentions: a word beginning `whatsapp` (or the
/// word `wa`), one beginning `sms`.
fn mentions(def: &crate::model::Def) -> [bool; 2] {
    let mut found = [false; 2];
    let name = def.name.get().map(|n| n.value.as_str());
    for text in std::iter::once(def.id.as_str()).chain(name) {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let word = word.to_ascii_lowercase();
            found[WHATSAPP] |= word.starts_with("whatsapp") || word == "wa";
            found[SMS] |= word.starts_with("sms");
        }
    }
    found
}

/// Builds the [`EntrySuggestions`] of a workspace.
pub(crate) fn suggestions(cx: &Context<'_>) -> EntrySuggestions {
    let res = &cx.ws.res;
    let m = &cx.ws.model;
    let mut applied = vec![false; m.entries.len()];
    for e in res.service_entry.iter().flatten() {
        applied[*e as usize] = true;
    }
    let mut out = EntrySuggestions {
        best: vec![[None; 3]; m.ous.len()],
        applied,
    };
    // The best entries defined at each OU itself...
    for (e, entry_ou) in res.entry_ou.iter().enumerate() {
        let Some(at) = *entry_ou else { continue };
        // Its SID valid, its connector resolved, a Twilio one with a valid key SID, in us1,
        // and in its sight: an entry that is wrong itself is no advice.
        let sid_ok = |sid: &crate::model::Field<crate::model::Text>, prefix: &str| {
            sid.get()
                .is_some_and(|v| super::sid::check(&v.value, prefix).is_ok())
        };
        let sound = sid_ok(&m.entries[e].service_sid, "IS")
            && res.entry_connector[e].is_some_and(|c| {
                let connector = &m.connectors[c as usize];
                connector.kind.get().is_some_and(|k| k.value == "twilio")
                    && sid_ok(&connector.api_key_sid, "SK")
                    && connector.region() == crate::model::Region::Us1
                    && (res.connector_ou[c as usize])
                        .is_some_and(|o| res.tree.is_at_or_above(o, at) == Some(true))
            });
        if !(sound && res.tree.is_rooted(at)) {
            continue;
        }
        let said = mentions(&m.entries[e].def);
        let slots = [said[WHATSAPP], said[SMS], said == [false, false]];
        for (slot, _) in slots.iter().enumerate().filter(|(_, on)| **on) {
            let here = out.best[at as usize][slot];
            out.best[at as usize][slot] = out.better(cx, here, Some(e as u32));
        }
    }
    // ...then the best of them and everything above them.
    for ou in res.tree.preorder() {
        if let Some(parent) = res.tree.parent[ou as usize] {
            for slot in 0..3 {
                let (own, above) = (out.best[ou as usize][slot], out.best[parent as usize][slot]);
                out.best[ou as usize][slot] = out.better(cx, own, above);
            }
        }
    }
    out
}

/// For the messaging entries that name no connector, the one each most likely needs: the only
/// connector of the nearest OU at or above the entry's that holds any.
#[derive(Debug, Default)]
pub(crate) struct MeantConnectors {
    /// By entry: the connector its `missing-field` help suggests (empty when every entry
    /// names one; `None` for an entry that names one, or when the choice is not clear).
    by_entry: Vec<Option<u32>>,
    /// By entry that names no connector and has several to choose from: the nearest OU at or
    /// above its own that holds connectors.
    torn: Vec<(usize, u32)>,
    /// By OU: its connectors, for the OUs in `torn` only, by id.
    held: HashMap<u32, Vec<u32>>,
    /// True when some entry that names no connector has no clear choice (its OU unknown, no
    /// connector visible, or several in the nearest OU that holds any).
    pub unclear: bool,
}

impl MeantConnectors {
    /// The connector suggested to entry `i`.
    pub fn of(&self, i: usize) -> Option<u32> {
        self.by_entry.get(i).copied().flatten()
    }

    /// When entry `i` names no connector and has several to choose from: the nearest OU at or
    /// above its own that holds connectors, and those connectors.
    pub fn choices(&self, i: usize) -> Option<(u32, &[u32])> {
        let at = self.torn.binary_search_by_key(&i, |&(e, _)| e).ok()?;
        let ou = self.torn[at].1;
        Some((ou, self.held.get(&ou)?.as_slice()))
    }

    /// Every connector suggested.
    pub fn suggested(&self) -> impl Iterator<Item = u32> + '_ {
        self.by_entry.iter().flatten().copied()
    }

    /// Computes them in one pass over the OU tree, parents first.
    pub(crate) fn new(cx: &Context<'_>) -> Self {
        let (m, res) = (&cx.ws.model, &cx.ws.res);
        if m.entries.iter().all(|e| !e.connector.is_absent()) {
            return Self::default();
        }
        let n = m.ous.len();
        let (mut count, mut only) = (vec![0u32; n], vec![0u32; n]);
        for (c, ou) in res.connector_ou.iter().enumerate() {
            if let Some(ou) = ou {
                count[*ou as usize] += 1;
                only[*ou as usize] = c as u32;
            }
        }
        // The nearest OU at or above each OU that holds a connector.
        let mut nearest: Vec<Option<u32>> = vec![None; n];
        for o in res.tree.preorder() {
            let o = o as usize;
            nearest[o] = if count[o] > 0 {
                Some(o as u32)
            } else {
                res.tree.parent[o].and_then(|p| nearest[p as usize])
            };
        }
        let mut out = Self::default();
        out.by_entry = (0..m.entries.len())
            .map(|i| {
                if !m.entries[i].connector.is_absent() {
                    return None;
                }
                let at = res.entry_ou[i].and_then(|ou| nearest[ou as usize]);
                let meant = at
                    .filter(|&o| count[o as usize] == 1)
                    .map(|o| only[o as usize]);
                out.unclear |= meant.is_none();
                if let Some(o) = at.filter(|&o| count[o as usize] > 1) {
                    out.torn.push((i, o));
                    out.held.insert(o, Vec::new());
                }
                meant
            })
            .collect();
        if !out.held.is_empty() {
            for (c, ou) in res.connector_ou.iter().enumerate() {
                if let Some(list) = ou.and_then(|ou| out.held.get_mut(&ou)) {
                    list.push(c as u32);
                }
            }
            for list in out.held.values_mut() {
                list.sort_by(|&a, &b| {
                    m.connectors[a as usize]
                        .def
                        .id
                        .cmp(&m.connectors[b as usize].def.id)
                });
            }
        }
        out
    }
}
