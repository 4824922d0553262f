//! `im-unreachable`: an IM service without channels that no front desk reaches.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::UnreachableGroup;
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "im-unreachable",
    severity: Severity::Error,
    hard: false,
    summary: "a service offers IM, lists no channel, and no front desk reaches it through transfers between IM services",
    explanation: r#"## What it checks

A service with an `instant_messaging` table but no `channels` is a transfer target: customers
never write to it directly. Some front desk (a service that lists a channel) must reach it
through `transfers`, over any number of hops, passing only through services that offer IM.

Only the root of each problem is reported: when `b` is unreachable only because `a` is, the
diagnostic is at `a` and `b` appears as a label. A loop of IM services that no front desk enters
is reported once. Labels show the services that do transfer to it and why that does not count:
they offer no IM (a conversation cannot pass through them), or nothing reaches them either.
Not reported while a file has a syntax error, nor while a service conversations reach
transfers to an unknown service that no id is near (it may mean any service).

`# nimbus-lint: allow(im-unreachable)` above `a` silences `a` only: `b` is then reported in
its turn. Above any member of a loop, it silences the loop.

## Why it matters

A conversation arrives at a service either from a channel or by a transfer. A service with IM
that neither path reaches is dead configuration: agents wait on a queue that never fills, and
whoever set it up believes customers can reach them.

## Example

```toml
[service.sales-ivr]          # no instant_messaging: conversations cannot pass through it
transfers = ["sales-team"]

[service.sales-team]
license = "contact_center"
[service.sales-team.instant_messaging]
```

## Fix

Transfer to it from a front desk (or from an IM service a front desk reaches):

```toml
[service.whatsapp-desk]
transfers = ["sales-team"]
[service.whatsapp-desk.instant_messaging]
messaging_entry = "whatsapp-sales"
channels = ["whatsapp"]
```

or make it a front desk itself: `channels = ["interact"]` (plus an entry for WhatsApp or SMS).
"#,
    check: Some(check),
};

/// Downstream services labelled per diagnostic.
const LABELS: usize = 10;

/// Services that conversations would reach if each unknown `transfers` item (reported by
/// `unknown-reference`) named the service its did-you-mean suggests (each, when several are equally near): a typo in a transfer is
/// one mistake, not also every service behind the service meant. Empty when no unknown
/// transfer has a suggestion; otherwise linear in what the guesses reach.
fn reached_by_what_was_meant(cx: &Context<'_>) -> Vec<bool> {
    let (t, res, model) = (cx.transfers, &cx.ws.res, &cx.ws.model);
    let mut guessed: rustc_hash::FxHashMap<usize, Vec<usize>> = Default::default();
    for u in (res.unresolved.iter()).filter(|u| u.field == "transfers" && !u.suggestions.is_empty())
    {
        if let Some(from) = res.lookup(model, Kind::Service, &u.from.1) {
            let to = u.suggestions.iter().map(|&to| to as usize);
            guessed.entry(from as usize).or_default().extend(to);
        }
    }
    if guessed.is_empty() {
        return Vec::new();
    }
    let mut meant = vec![false; model.services.len()];
    // Services already reached lead nowhere new but through their guesses.
    let mut queue: Vec<usize> = guessed
        .keys()
        .copied()
        .filter(|&i| t.reached[i] && t.carries_im[i])
        .collect();
    while let Some(at) = queue.pop() {
        let guesses = guessed.get(&at).into_iter().flatten().copied();
        for j in t.outgoing(at).chain(guesses) {
            if t.carries_im[j] && !t.reached[j] && !meant[j] {
                meant[j] = true;
                queue.push(j);
            }
        }
    }
    meant
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.complete() {
        return cx.hold(Code::ImUnreachable);
    }
    let services = &cx.ws.model.services;
    let t = cx.transfers;
    // A service that conversations reach and whose `transfers` could not be read, a service
    // whose whole table could not be read, or one dropped as a duplicate (all reported), may
    // lead anywhere: no conclusion from them.
    let unreadable = |i: usize| t.reached[i] && t.carries_im[i] && services[i].transfers_unreadable;
    // So may an unknown transfer of such a service with no did-you-mean (`transfers =
    // ["support"]`, an OU's id): it may mean any service; `unknown-reference` tells it.
    let res = &cx.ws.res;
    let lost = (res.unresolved.iter())
        .filter(|u| u.field == "transfers" && u.suggestions.is_empty())
        .filter_map(|u| res.lookup(&cx.ws.model, Kind::Service, &u.from.1))
        .any(|from| t.reached[from as usize] && t.carries_im[from as usize]);
    if res.unreadable_defs.any(Kind::Service)
        || cx.dropped(Kind::Service)
        || (0..services.len()).any(unreadable)
        || lost
    {
        return cx.hold(Code::ImUnreachable);
    }
    let meant = reached_by_what_was_meant(cx);
    let groups = t.unreachable_groups(services);
    let mut group_of = vec![usize::MAX; services.len()];
    for (g, group) in groups.iter().enumerate() {
        for &m in &group.members {
            group_of[m] = g;
        }
    }
    let speaks = may_speak(cx, &groups, &group_of);
    let behind = behind_lone_im_tables(cx);
    // Services without IM that a reached IM service transfers to: found once, when a first
    // group asks (each group looks at the services that transfer into it).
    let fed = std::cell::OnceCell::new();
    let stranded_next = std::cell::OnceCell::new();
    for (group, speaks) in groups.iter().zip(speaks) {
        let root = group.members[0];
        if meant.get(root).copied().unwrap_or(false)
            || !speaks
            || group.members.iter().any(|m| behind.contains(m))
        {
            continue;
        }
        let Some(im) = services[root].im.value() else {
            continue;
        };
        if im.switched_off {
            // IM meant off: the `unknown-field` of its switch says it all, unless silenced.
            let id = &services[root].def.id;
            cx.yield_to(Code::ImUnreachable, Code::UnknownField, Kind::Service, id);
        }
        let fed = || {
            fed.get_or_init(|| {
                (0..services.len())
                    .map(|i| {
                        !t.carries_im[i]
                            && t.incoming(i).any(|(g, _)| t.reached[g] && t.carries_im[g])
                    })
                    .collect::<Vec<bool>>()
            })
        };
        let mut d = Diagnostic::new(Code::ImUnreachable, im.header, message(cx, group))
            .label("IM without channels: only transfers lead here")
            .help(help(cx, group, fed))
            .about(Kind::Service, id(cx, root));
        for &m in &group.members[1..] {
            d = d.also_about(Kind::Service, id(cx, m));
        }
        d = incoming_labels(cx, group, d);
        d = if group.feeders.is_empty() {
            downstream_labels(cx, group, d)
        } else {
            // The transfers between stranded services, listed once for all such groups: a
            // walk from each must not look again at every transfer of a service they share.
            let next = stranded_next.get_or_init(|| {
                (0..services.len())
                    .map(|i| match group_of[i] {
                        usize::MAX => Vec::new(),
                        _ => t
                            .outgoing(i)
                            .filter(|&j| group_of[j] != usize::MAX)
                            .collect(),
                    })
                    .collect::<Vec<Vec<usize>>>()
            });
            below_labels(cx, group, next, d)
        };
        // Not a root: its own diagnostic, which stands only when those of every stranded
        // service that leads here were silenced (by a comment, or a level).
        // (The other members of a loop go with its first, for what lies below them.)
        let this = |m: usize| (Code::ImUnreachable, Kind::Service, id(cx, m));
        if !group.feeders.is_empty() {
            for &f in &group.feeders {
                cx.yield_to_other(this(root), this(f));
            }
            for &m in &group.members[1..] {
                cx.yield_to_other(this(m), this(root));
            }
        }
        out.push(d);
    }
}

/// For each group, whether its diagnostic may be shown: a root's may; that of a group below
/// roots only once a comment above a service of it, or of a group above it, silences it (the
/// rule's level is the same for all): most workspaces have none, and build no diagnostic for
/// the groups below their roots.
fn may_speak(cx: &Context<'_>, groups: &[UnreachableGroup], group_of: &[usize]) -> Vec<bool> {
    let commented = cx.commented(Code::ImUnreachable, Kind::Service);
    let mut speaks: Vec<bool> = groups.iter().map(|g| g.feeders.is_empty()).collect();
    if commented.is_empty() {
        return speaks;
    }
    let t = cx.transfers;
    // A commented group (its comment is used, and would count once what is above it is
    // silenced too), and every group below one, walked once.
    let mut stack: Vec<usize> = (groups.iter().enumerate())
        .filter(|(_, g)| g.members.iter().any(|&m| commented.contains(id(cx, m))))
        .map(|(g, _)| g)
        .collect();
    let mut seen = vec![false; groups.len()];
    for &g in &stack {
        seen[g] = true;
        speaks[g] = true;
    }
    while let Some(g) = stack.pop() {
        for &m in &groups[g].members {
            for next in t.outgoing(m) {
                let h = group_of[next];
                if h != usize::MAX && !seen[h] {
                    seen[h] = true;
                    speaks[h] = true;
                    stack.push(h);
                }
            }
        }
    }
    speaks
}

/// What the services below a group are reached through: below a loop, the loop, not its
/// first member.
fn through(cx: &Context<'_>, group: &UnreachableGroup) -> String {
    if group.members.len() > 1 {
        "the loop".to_owned()
    } else {
        format!("`{}`", id(cx, group.members[0]))
    }
}

/// The id of service `i`.
fn id<'a>(cx: &'a Context<'_>, i: usize) -> &'a str {
    cx.service(i).def.id.as_str()
}

/// The service, or the loop, that no conversation can reach.
fn message(cx: &Context<'_>, group: &UnreachableGroup) -> String {
    let root = group.members[0];
    if group.members.len() == 1 {
        return format!(
            "service `{}` offers IM but no conversation can reach it",
            id(cx, root)
        );
    }
    let id = |i: usize| id(cx, i);
    let path: Vec<&str> = (cx
        .transfers
        .loop_through(root, &group.members, id)
        .into_iter())
    .map(id)
    .collect();
    let ids: Vec<String> = (path.iter().chain(&path[..1]))
        .map(|id| format!("`{id}`"))
        .collect();
    let mut text = format!(
        "no conversation can reach the transfer loop {}",
        ids.join(" → ")
    );
    if path.len() < group.members.len() {
        // A knot of loops: every member named when few (the loop's first, then the others).
        if group.members.len() <= 5 {
            let mut others: Vec<&str> = (group.members.iter())
                .map(|&m| id(m))
                .filter(|m| !path.contains(m))
                .collect();
            others.sort_unstable();
            let all: Vec<&str> = path.iter().copied().chain(others).collect();
            return format!(
                "no conversation can reach the transfer loops among {}",
                super::text::list(&all)
            );
        }
        text.push_str(&format!(" ({} services in all)", group.members.len()));
    }
    text
}

/// Transfer to it from a front desk, or make it one; first, when a service without IM that
/// transfers here is one a reached IM service transfers to (`fed`), to give that one IM: it is
/// all that is missing. Of several, the smallest id.
fn help<'f>(cx: &Context<'_>, group: &UnreachableGroup, fed: impl Fn() -> &'f Vec<bool>) -> String {
    let root = id(cx, group.members[0]);
    let through = (group.members.iter())
        .flat_map(|&m| cx.transfers.incoming(m))
        .map(|(from, _)| from)
        .filter(|&from| fed()[from])
        .min_by_key(|&from| id(cx, from));
    let help = format!(
        "transfer to `{root}` from a front desk (a service that lists `channels`) or from an IM service one reaches, or make `{root}` a front desk by giving it `channels`"
    );
    match through {
        Some(from) => format!(
            "give `{0}` an IM table (`[service.{0}.instant_messaging]`) so that conversations pass through it, or {help}",
            id(cx, from)
        ),
        None => help,
    }
}

/// A label at each transfer into the group from outside it, saying why it does not count:
/// the first [`LABELS`] by the id of the service it is from.
fn incoming_labels(cx: &Context<'_>, group: &UnreachableGroup, mut d: Diagnostic) -> Diagnostic {
    let t = cx.transfers;
    let mut found: Vec<(&str, crate::source::Span, String)> = Vec::new();
    for &m in &group.members {
        for (from, item) in t.incoming(m) {
            let Some(reference) = cx.service(from).transfers.get(item as usize) else {
                continue;
            };
            let why = if !t.carries_im[from] {
                format!(
                    "`{}` transfers to `{}`, but offers no IM: a conversation cannot pass through it",
                    id(cx, from),
                    id(cx, m)
                )
            } else if from == m {
                continue;
            } else {
                format!(
                    "`{0}` transfers to `{1}`, but no front desk reaches `{0}` either",
                    id(cx, from),
                    id(cx, m)
                )
            };
            found.push((id(cx, from), reference.span, why));
        }
    }
    found.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let more = found.len().saturating_sub(LABELS);
    for (_, span, why) in found.into_iter().take(LABELS) {
        d = d.with(span, why);
    }
    super::text::label_the_rest(&mut d, more, "transfer", "transfers");
    d
}

/// For a group below roots (reported once the diagnostics above it are silenced): a label
/// at the first [`LABELS`] services below it (by id, of those a walk meets first), which it
/// accounts for. Not "only through": some may be reached from elsewhere too; and not how
/// many in all, which would cost a walk of everything below each such group. `next` lists
/// each stranded service's transfers to stranded services: a walk looks at no other, and
/// stops after LABELS + 1 services.
fn below_labels(
    cx: &Context<'_>,
    group: &UnreachableGroup,
    next: &[Vec<usize>],
    mut d: Diagnostic,
) -> Diagnostic {
    let members: rustc_hash::FxHashSet<usize> = group.members.iter().copied().collect();
    let mut seen = members.clone();
    let mut found: Vec<usize> = Vec::new();
    let mut stack: Vec<usize> = group.members.clone();
    'walk: while let Some(at) = stack.pop() {
        for &next in &next[at] {
            if seen.insert(next) {
                found.push(next);
                if found.len() > LABELS {
                    break 'walk;
                }
                stack.push(next);
            }
        }
    }
    let more = found.len() > LABELS;
    found.truncate(LABELS);
    found.sort_unstable_by_key(|&i| id(cx, i));
    let through = through(cx, group);
    for down in found {
        if let Some(dim) = cx.service(down).im.value() {
            d = d.with(
                dim.header,
                format!(
                    "`{}` is reached through {through}: unreachable too",
                    id(cx, down)
                ),
            );
        }
    }
    if more && let Some(last) = d.labels.last_mut() {
        last.message.push_str(" (and more services)");
    }
    d
}

/// A label at each service reached only through the group (a root), the first [`LABELS`].
fn downstream_labels(cx: &Context<'_>, group: &UnreachableGroup, mut d: Diagnostic) -> Diagnostic {
    let through = through(cx, group);
    for (&down, &shared) in group.downstream.iter().zip(&group.shared).take(LABELS) {
        if let Some(dim) = cx.service(down).im.value() {
            let and = if shared {
                " and other services no conversation reaches"
            } else {
                ""
            };
            d = d.with(
                dim.header,
                format!(
                    "`{}` is reached only through {through}{and}: unreachable too",
                    id(cx, down)
                ),
            );
        }
    }
    let left = group.downstream.len().saturating_sub(LABELS);
    super::text::label_the_rest(&mut d, left, "service", "services");
    d
}

/// The services written as an IM table alone, and the others their ids are likely typos of
/// (reported by `missing-field`, whose fix renames the table): one typo in a header, or one
/// service table missing, one diagnostic.
fn behind_lone_im_tables(cx: &Context<'_>) -> rustc_hash::FxHashSet<usize> {
    (cx.lone_im_tables().iter())
        .flat_map(|(&lone, &meant)| std::iter::once(lone).chain(meant.map(|m| m as usize)))
        .collect()
}
