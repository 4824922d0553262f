//! `unknown-reference`: a reference names no entity of that kind.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Field, Kind};
use crate::source::Span;
use rustc_hash::FxHashMap;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "unknown-reference",
    severity: Severity::Error,
    hard: true,
    summary: "a reference names no entity of that kind; help suggests the nearest id",
    explanation: r#"## What it checks

Every reference must name an entity of the right kind somewhere in the workspace: `parent` and
`ou` name OUs, an entry's `connector` names a connector, a service's `messaging_entry` names a
messaging entry, and each item of `transfers` names a service. The help suggests the nearest
existing id that the reference may name (never the entity itself, nor an OU below it for
`parent`; a connector or entry in sight of the referrer's OU first), names every one when
several are equally near (none for an empty value, which is no misspelling), and says so when
the id belongs to an entity of another kind. When a file the workspace leaves out (matched by
`exclude`, ignored by a `.gitignore`, hidden, or untracked with `--git-tracked`) defines the
entity, the help names that file and why it is left out, and no fix writes another id in its
place. When two references or more agree on an unknown id whose only near id is that of an
entity nothing names, the entity's id may be the misspelling: when its `name` reads as the
references' id (`[ou.salse]`, `name = "Sales"`, against `ou = "sales"`), one diagnostic at
the entity says so; when nothing tells which side is wrong, each reference is told and no fix
rewrites it. When some file of the workspace has a syntax error, this rule stays quiet: the
broken file may define what the reference names.

## Why it matters

Nimbus resolves these references when the tenant is provisioned; a dangling one fails the
deployment, or worse, a transfer silently goes nowhere.

## Example

```toml
[service.sales-ivr]
ou = "sales"
license = "contact_center"
transfers = ["sales-taem"]
```

## Fix

```toml
transfers = ["sales-team"]
```

or define the missing entity (`[service.sales-taem]`).
"#,
    check: Some(check),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.complete() {
        return;
    }
    let (model, res) = (&cx.ws.model, &cx.ws.res);
    // How many fixes write each id into a service's transfers, and the ids each lists: a fix
    // must not list one twice. Counted once, asked for each reference.
    let mut written: rustc_hash::FxHashMap<(&str, u32), usize> = Default::default();
    for u in res.unresolved.iter().filter(|u| u.field == "transfers") {
        if let Some(i) = u.suggestion() {
            *written.entry((u.from.1.as_str(), i)).or_default() += 1;
        }
    }
    let listed: rustc_hash::FxHashSet<(&str, &str)> = if written.is_empty() {
        Default::default()
    } else {
        (model.services.iter())
            .flat_map(|s| {
                s.transfers
                    .iter()
                    .map(|t| (s.def.id.as_str(), t.value.as_str()))
            })
            .collect()
    };
    // True when the fix of `u` would list `i` twice in the referrer's transfers.
    let twice = |u: &crate::resolve::Unresolved, i: u32| {
        let (from, id) = (u.from.1.as_str(), model.def(u.kind, i).id.as_str());
        u.field == "transfers"
            && (written.get(&(from, i)).is_some_and(|&n| n > 1) || listed.contains(&(from, id)))
    };
    // `parent = ""` on two OUs: removed on both, it would leave two roots.
    let empty_parents = (res.unresolved.iter())
        .filter(|u| u.field == "parent" && u.value.is_empty())
        .count();
    // The OUs whose `parent` fixes, made together, would close a loop.
    let looping = parent_fix_loops(cx);
    // Ids written as an entity's in a table the model does not read: asked only when some
    // fix would be written in.
    let none = FxHashMap::default();
    let unread = match res.unresolved.iter().any(|u| u.suggestion().is_some()) {
        true => cx.unread_ids(),
        false => &none,
    };
    let elsewhere = cx.left_out();
    let misspelled = misspelled_definitions(cx, elsewhere, unread);
    let far = far_ids(cx);
    // The entries of each connector, by id: made once, when a reference first asks.
    let by_connector = std::cell::OnceCell::new();
    for (&(kind, i), (group, certain)) in &misspelled {
        if *certain {
            out.push(misspelled_definition(cx, kind, i, group));
        }
    }
    // The group of `u`, when its entity's id may be the misspelling: `Some(true)` when it
    // surely is (then the entity's diagnostic tells it).
    let group_of = |u: &crate::resolve::Unresolved| {
        (u.suggestion()).and_then(|i| misspelled.get(&(u.kind, i)).map(|(g, c)| (g.len(), *c)))
    };
    let told = |u: &crate::resolve::Unresolved| group_of(u).is_some_and(|(_, certain)| certain);
    for u in (res.unresolved.iter()).filter(|u| !u.renamed && !told(u)) {
        let ids: Vec<&str> = (u.suggestions.iter())
            .map(|&i| model.def(u.kind, i).id.as_str())
            .collect();
        // The id of an entity of another kind: pasted from the wrong table.
        let other = (Kind::ALL.into_iter())
            .filter(|&k| k != u.kind)
            .find_map(|k| Some((k, res.lookup(model, k, &u.value)?)));
        let mut help = match other {
            Some((k, _)) => format!(
                "`{}` is {} {}, not {} {}; ",
                u.value,
                k.article(),
                k.noun(),
                u.kind.article(),
                u.kind.noun()
            ),
            None => String::new(),
        };
        help.push_str(&match (&ids[..], u.hidden) {
            ([], _) if other.is_some() => match other.and_then(|o| entries_of(cx, u, o, &by_connector)) {
                Some(entries) => format!("name a messaging entry that uses it: {entries}"),
                None => format!("name an existing {}", u.kind.noun()),
            },
            ([], _) if u.value.is_empty() => format!("name an existing {}", u.kind.noun()),
            ([], _) if crate::model::is_valid_id(&u.value) => {
                far_help(cx, u, far[u.kind as usize].get(u.value.as_str()))
            }
            ([], _) => format!(
                "name an existing {}: ids use lowercase letters, digits, `-` and `_`",
                u.kind.noun()
            ),
            ([one], false) => format!("did you mean `{one}`?"),
            (_, false) => format!("did you mean {}?", super::text::list_or(&ids)),
            (_, true) => format!(
                "did you mean {}? It sits where {} `{}` cannot see it: move it up to an OU above both, or name a {} in sight",
                super::text::list_or(&ids),
                u.from.0.noun(),
                u.from.1,
                u.kind.noun()
            ),
        });
        let defined = elsewhere.get(&(u.kind.key().to_owned(), u.value.to_string()));
        let (message, label) = if u.value.is_empty() {
            (
                format!(
                    "`{}` is empty: it must name {} {}",
                    u.field,
                    u.kind.article(),
                    u.kind.noun()
                ),
                "empty".to_owned(),
            )
        } else {
            (
                format!(
                    "`{}` names an unknown {} `{}`",
                    u.field,
                    u.kind.noun(),
                    u.value
                ),
                match defined {
                    Some(_) => "defined only in a file left out".to_owned(),
                    None => format!("no {} has this id", u.kind.noun()),
                },
            )
        };
        // `parent = ""` on the one OU that can be the tenant: naming any OU would make a loop.
        let tenant_to_be =
            (empty_parents == 1 && is_tenant_to_be(cx, u)).then(|| without_parent(cx, u));
        if empty_parents > 1 && is_tenant_to_be(cx, u) {
            help = format!(
                "{empty_parents} OUs have `parent = \"\"` and none is the tenant yet: remove the line on the one at the top, and name their parent on the others"
            );
        }
        if let Some(mending) = &tenant_to_be {
            let how = match mending {
                Some(m) if m.keeps.is_empty() => format!("remove `{}`", m.written),
                Some(m) => format!("write `{}` instead of `{}`", m.keeps, m.written),
                None => "remove its `parent`".to_owned(),
            };
            help = format!(
                "`{}` is the tenant, the OU at the top, which has no parent: {how}",
                u.from.1
            );
        }
        let mut d = Diagnostic::new(Code::UnknownReference, u.span, message)
            .label(label)
            .help(help)
            .about(u.from.0, &u.from.1);
        if let Some(Some(m)) = tenant_to_be {
            let title = if m.keeps.is_empty() {
                format!("Remove `{}`", m.written)
            } else {
                format!("Replace with `{}`", m.keeps)
            };
            d = d.fix(m.span, m.text, title);
        }
        if let Some((k, i)) = other {
            d = d.with(
                model.def(k, i).header,
                format!("`{}` is this {}", u.value, k.noun()),
            );
        }
        if let Some(e) = defined {
            let near = match &ids[..] {
                [] => String::new(),
                _ => format!(" Otherwise, did you mean {}?", super::text::list_or(&ids)),
            };
            let (why, remedy) = e.why.told();
            d.help = format!(
                "`[{}.{}]` is defined in {} (line {}), {why}: {remedy}, or define the {} in a checked file.{near}",
                u.kind.key(),
                u.value,
                e.file,
                e.line,
                u.kind.noun()
            );
        }
        let written = unread.get(u.value.as_str()).filter(|_| !ids.is_empty());
        if let Some(at) = written {
            d.help.push_str(&format!(
                " {}: if that is the one meant, correct its table instead",
                written_unread(cx, &u.value, at, u.kind)
            ));
        }
        if let Some(i) = u.suggestion().filter(|_| u.field == "transfers") {
            let id = model.def(u.kind, i).id.as_str();
            if listed.contains(&(u.from.1.as_str(), id)) {
                d.help.push_str(
                    " It is in these `transfers` already: if it is the one meant, remove this item",
                );
            }
        }
        let unsure = group_of(u).map(|(n, _)| n);
        if let (Some(n), Some(i)) = (unsure, u.suggestion()) {
            let def = model.def(u.kind, i);
            d.help.push_str(&format!(
                " Nothing names `[{}.{}]` while {n} references write `{}`: if its id is the misspelling, correct it there instead",
                u.kind.key(),
                def.id,
                u.value
            ));
        }
        let loops = u.field == "parent"
            && u.suggestion().is_some()
            && (res.lookup(model, Kind::Ou, &u.from.1)).is_some_and(|o| looping.contains(&o));
        if loops {
            d.help.push_str(
                " With the other `parent` fixes, it would make a loop: correct them by hand",
            );
        }
        if let Some(i) = u.suggestion().filter(|&i| {
            !twice(u, i) && written.is_none() && !loops && defined.is_none() && unsure.is_none()
        }) {
            d = d.fix_string(u.span, &model.def(u.kind, i).id);
        }
        out.push(d);
    }
}

/// The references, by the entity they likely meant, when that entity's own id may be the
/// misspelling: two references or more write one unknown id whose only near id (the
/// suggestion of each) is the entity's, and nothing names the entity. With each group, true
/// when the entity's id surely is the misspelling: its `name` reads as the references' id
/// (`[ou.salse]`, `name = "Sales"`, against `ou = "sales"`): one diagnostic at its id, not one
/// per reference. When it reads as the entity's id, the references are told as others are;
/// otherwise no fix rewrites them: which side is wrong is not known.
fn misspelled_definitions<'a>(
    cx: &Context<'a>,
    elsewhere: &FxHashMap<(String, String), crate::load::Elsewhere>,
    unread: &FxHashMap<String, (Span, String)>,
) -> std::collections::BTreeMap<(Kind, u32), (Vec<&'a crate::resolve::Unresolved>, bool)> {
    let (model, res) = (&cx.ws.model, &cx.ws.res);
    let mut groups: std::collections::BTreeMap<(Kind, u32), Vec<&crate::resolve::Unresolved>> =
        Default::default();
    // Per entity, the one value its near references write (`None`: several values).
    let mut values: FxHashMap<(Kind, u32), Option<&str>> = FxHashMap::default();
    for u in res.unresolved.iter().filter(|u| !u.renamed) {
        let Some(i) = u.suggestion() else { continue };
        let value = values.entry((u.kind, i)).or_insert(Some(u.value.as_str()));
        if *value != Some(u.value.as_str()) {
            *value = None;
        }
        groups.entry((u.kind, i)).or_default().push(u);
    }
    groups.retain(|&(kind, i), group| {
        let Some(value) = values[&(kind, i)] else {
            return false;
        };
        let another_kind =
            (Kind::ALL.into_iter()).any(|k| k != kind && res.lookup(model, k, value).is_some());
        group.len() >= 2
            && crate::model::is_valid_id(value)
            && !another_kind
            && !unread.contains_key(value)
            && !elsewhere.contains_key(&(kind.key().to_owned(), value.to_owned()))
    });
    if groups.is_empty() {
        return Default::default();
    }
    let named = named_entities(cx);
    groups.retain(|&(kind, i), _| !named[kind as usize][i as usize]);
    // By its `name`, which side reads as meant: the references (the entity's id is the
    // misspelling), the entity (theirs is), or neither.
    (groups.into_iter())
        .filter_map(|((kind, i), group)| {
            let def = model.def(kind, i);
            let value = group[0].value.as_str();
            let (to_value, to_id) = def.name.get().map_or((0, 0), |name| {
                let name = slug(&name.value);
                (
                    strsim::levenshtein(&name, value),
                    strsim::levenshtein(&name, &def.id),
                )
            });
            (to_id >= to_value).then_some(((kind, i), (group, to_value < to_id)))
        })
        .collect()
}

/// By kind (indexed like [`Kind::ALL`]), by entity: true when some resolved reference names
/// it. One pass over them all.
fn named_entities(cx: &Context<'_>) -> [Vec<bool>; 4] {
    let (model, res) = (&cx.ws.model, &cx.ws.res);
    let mut named: [Vec<bool>; 4] = Kind::ALL.map(|k| vec![false; model.defs(k).count()]);
    let mut mark = |kind: Kind, i: u32| named[kind as usize][i as usize] = true;
    let tree_parents = res.tree.parent.iter();
    let owners = [&res.connector_ou, &res.entry_ou, &res.service_ou];
    for i in tree_parents.chain(owners.into_iter().flatten()).flatten() {
        mark(Kind::Ou, *i);
    }
    for i in res.entry_connector.iter().flatten() {
        mark(Kind::Connector, *i);
    }
    for i in res.service_entry.iter().flatten() {
        mark(Kind::MessagingEntry, *i);
    }
    for &(to, _) in res.transfers.iter().flatten() {
        mark(Kind::Service, to);
    }
    named
}

/// The unknown ids no id is near, with how many references write each and the entities
/// nothing names whose `name` reads as it (`[messaging_entry.wa-sales]`, `name = "WhatsApp
/// Sales"`, against `messaging_entry = "whatsapp-sales"`: an entity renamed, its references
/// left behind), by kind (indexed like [`Kind::ALL`]). Linear: the names are read only when
/// some such id is wanted.
fn far_ids<'a>(cx: &Context<'a>) -> [FxHashMap<&'a str, (usize, Vec<u32>)>; 4] {
    let (model, res) = (&cx.ws.model, &cx.ws.res);
    let mut far: [FxHashMap<&str, (usize, Vec<u32>)>; 4] = Default::default();
    for u in (res.unresolved.iter()).filter(|u| !u.renamed && u.suggestions.is_empty()) {
        if crate::model::is_valid_id(&u.value) {
            far[u.kind as usize].entry(u.value.as_str()).or_default().0 += 1;
        }
    }
    if far.iter().all(FxHashMap::is_empty) {
        return far;
    }
    let named = named_entities(cx);
    for kind in Kind::ALL {
        for (i, def) in model.defs(kind).enumerate() {
            let Some(name) = def.name.get().filter(|_| !named[kind as usize][i]) else {
                continue;
            };
            if let Some((_, renamed)) = far[kind as usize].get_mut(slug(&name.value).as_str()) {
                renamed.push(i as u32);
            }
        }
    }
    far
}

/// The help of a reference to an unknown, valid id that no id is near: define it, unless an
/// entity nothing names has a `name` that reads as it (then that one was likely renamed), with
/// how many references write it when more than this one do.
fn far_help(
    cx: &Context<'_>,
    u: &crate::resolve::Unresolved,
    far: Option<&(usize, Vec<u32>)>,
) -> String {
    let (kind, value) = (u.kind, u.value.as_str());
    let (count, renamed) = far.map_or((1, &[][..]), |(n, r)| (*n, &r[..]));
    let many = match count {
        1 => String::new(),
        n => format!(" ({n} references name `{value}`)"),
    };
    let model = &cx.ws.model;
    match renamed {
        [i] => {
            let def = model.def(kind, *i);
            let name = def.name.get().map_or("", |n| n.value.as_str());
            format!(
                "nothing names `[{}.{}]`, whose name \"{name}\" reads as `{value}`: if it is the {} meant, write `{}` here{many}, or give it back the id `{value}`",
                kind.key(),
                def.id,
                kind.noun(),
                def.id
            )
        }
        _ => format!(
            "define it as `[{}.{value}]`, or name an existing {}{many}",
            kind.key(),
            kind.noun()
        ),
    }
}

/// For a service's `messaging_entry` that names a connector (`other`), the entries that use
/// that connector in the service's sight, `a`, `b` or `c` (the first three by id, and whether
/// there are more). `by_connector` keeps each connector's entries, by id, made on first use.
fn entries_of(
    cx: &Context<'_>,
    u: &crate::resolve::Unresolved,
    other: (Kind, u32),
    by_connector: &std::cell::OnceCell<Vec<Vec<u32>>>,
) -> Option<String> {
    let (model, res) = (&cx.ws.model, &cx.ws.res);
    if u.kind != Kind::MessagingEntry || other.0 != Kind::Connector {
        return None;
    }
    let by_connector = by_connector.get_or_init(|| {
        let mut of = vec![Vec::new(); model.connectors.len()];
        for (e, c) in res.entry_connector.iter().enumerate() {
            if let Some(c) = c {
                of[*c as usize].push(e as u32);
            }
        }
        for entries in &mut of {
            entries.sort_unstable_by_key(|&e| model.entries[e as usize].def.id.as_str());
        }
        of
    });
    let from =
        (res.lookup(model, Kind::Service, &u.from.1)).and_then(|s| res.service_ou[s as usize]);
    let in_sight = |e: usize| match (from, res.entry_ou[e]) {
        (Some(from), Some(at)) => res.tree.is_at_or_above(at, from) == Some(true),
        _ => true,
    };
    const SHOWN: usize = 3;
    let mut ids: Vec<&str> = (by_connector[other.1 as usize].iter())
        .map(|&e| e as usize)
        .filter(|&e| in_sight(e))
        .map(|e| model.entries[e].def.id.as_str())
        .take(SHOWN + 1)
        .collect();
    let more = match ids.len() > SHOWN {
        true => " (and more)",
        false => "",
    };
    ids.truncate(SHOWN);
    (!ids.is_empty()).then(|| format!("{}{more}", super::text::list_or(&ids)))
}

/// A display name written as an id: `Sales Team` → `sales-team`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    let letters = name.trim().chars().flat_map(crate::model::ascii_spelling);
    for c in letters.flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if (c.is_whitespace() || c == '-') && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The diagnostic of an entity whose id is likely misspelled: `group` are the references that
/// name its likely id.
fn misspelled_definition(
    cx: &Context<'_>,
    kind: Kind,
    i: u32,
    group: &[&crate::resolve::Unresolved],
) -> Diagnostic {
    let def = cx.ws.model.def(kind, i);
    let value = group[0].value.as_str();
    // Where the references are: per file (in path order), its lines.
    let mut places: std::collections::BTreeMap<crate::source::FileId, Vec<u32>> =
        Default::default();
    for u in group {
        let line = (cx.ws.sources.get(u.span.file))
            .position(u.span.start as usize)
            .line;
        places.entry(u.span.file).or_default().push(line);
    }
    const SHOWN: usize = 3;
    let mut told: Vec<String> = (places.iter().take(SHOWN))
        .map(|(&file, lines)| {
            let file = cx.ws.sources.get(file).display();
            let mut lines = lines.clone();
            lines.sort_unstable();
            let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
            match &lines[..] {
                [one] => format!("{file} line {one}"),
                _ => format!("{file} lines {}", lines.join(", ")),
            }
        })
        .collect();
    if places.len() > SHOWN {
        told.push(format!("{} more files", places.len() - SHOWN));
    }
    Diagnostic::new(
        Code::UnknownReference,
        def.id_span,
        format!(
            "{} references name the unknown {} `{value}`, and nothing names the {} `{}`",
            group.len(),
            kind.noun(),
            kind.noun(),
            def.id
        ),
    )
    .label(format!("named by nothing: is this `{value}` misspelled?"))
    .help(format!(
        "if this id is misspelled, write `{value}` here, as the references do ({}); if `{}` is the id meant, write it in each of them",
        told.join("; "),
        def.id
    ))
    .about(kind, &def.id)
}

/// `` `x` is also written at org.toml:3 (`device.x`), a table not read as a service ``: where
/// `id`, named as `kind`'s, is written in a table the model does not read (`at`, from
/// [`Context::unread_ids`]).
pub(crate) fn written_unread(
    cx: &Context<'_>,
    id: &str,
    (at, path): &(Span, String),
    kind: Kind,
) -> String {
    let source = cx.ws.sources.get(at.file);
    format!(
        "`{id}` is also written at {}:{} (`{path}`), a table not read as {} {}",
        source.display(),
        source.position(at.start as usize).line,
        kind.article(),
        kind.noun(),
    )
}

/// Where the files the workspace leaves out (excluded, ignored, hidden, untracked) define the
/// entities that references and IM tables alone name and the files checked do not: a
/// reference naming one means that entity, and an IM table alone that service, not a near
/// id of the files checked. Looked at only when one of them names an unknown id (the look
/// reads files). See [`Context::left_out`].
pub(crate) fn left_out_definitions(
    cx: &Context<'_>,
) -> FxHashMap<(String, String), crate::load::Elsewhere> {
    let (model, res) = (&cx.ws.model, &cx.ws.res);
    let references = (res.unresolved.iter())
        .filter(|u| !u.renamed && crate::model::is_valid_id(&u.value))
        .map(|u| (u.kind.key(), u.value.as_str()));
    let lone = (cx.lone_im_tables().keys())
        .map(|&i| (Kind::Service.key(), model.services[i].def.id.as_str()));
    let wanted: std::collections::HashSet<(&str, &str)> = references.chain(lone).collect();
    cx.ws.defined_elsewhere(&wanted)
}

/// The OUs whose `parent` would be fixed and, with every such fix made, would be in a loop of
/// parents: each fix alone names no OU below its own, but two can close a loop together
/// (`north` → `soth`, `south` → `nrth`). Linear: each OU is walked once.
fn parent_fix_loops(cx: &Context<'_>) -> rustc_hash::FxHashSet<u32> {
    let (model, res) = (&cx.ws.model, &cx.ws.res);
    let mut looping = rustc_hash::FxHashSet::default();
    let mut parent = res.tree.parent.clone();
    let mut fixed = rustc_hash::FxHashSet::default();
    for u in res.unresolved.iter().filter(|u| u.field == "parent") {
        if let (Some(to), Some(from)) = (u.suggestion(), res.lookup(model, Kind::Ou, &u.from.1)) {
            parent[from as usize] = Some(to);
            fixed.insert(from);
        }
    }
    if fixed.len() < 2 {
        return looping;
    }
    // 0: not walked yet, 1: on the walk now, 2: walked.
    let mut state = vec![0u8; parent.len()];
    let mut path = Vec::new();
    for start in 0..parent.len() {
        // Up to a top, a walked OU, or one on this walk: a loop.
        let mut at = Some(start);
        while let Some(o) = at.filter(|&o| state[o] == 0) {
            state[o] = 1;
            path.push(o);
            at = parent[o].map(|p| p as usize);
        }
        if let Some(o) = at.filter(|&o| state[o] == 1)
            && let Some(first) = path.iter().position(|&p| p == o)
        {
            looping.extend(
                (path[first..].iter())
                    .map(|&o| o as u32)
                    .filter(|o| fixed.contains(o)),
            );
        }
        for o in path.drain(..) {
            state[o] = 2;
        }
    }
    looping
}

/// Every id written as an entity's in a table the model does not read, with where and the
/// table's key path: the key below a misspelled or unknown kind (`[uo.sales]`,
/// `[device.team]`, `servce.team.ou = …`), and a table written with no kind (`[team]`). A
/// reference naming one of them may mean that table: no fix writes another id in its place
/// (as a rename refuses to leave the id written there). See [`Context::unread_ids`].
pub(crate) fn unread_ids(cx: &Context<'_>) -> rustc_hash::FxHashMap<String, (Span, String)> {
    use crate::parse::lines::{self, Line};
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.key()).collect();
    let mut out: rustc_hash::FxHashMap<String, (Span, String)> = Default::default();
    for (file, source) in cx.ws.sources.iter() {
        if Some(file) == cx.ws.settings_file {
            continue;
        }
        let text = &source.text;
        let mut table: Vec<String> = Vec::new();
        for l in lines::top_level(text) {
            let (skip, header) = match &l.line {
                Line::Header { array, .. } => (if *array { 2 } else { 1 }, true),
                Line::Key(_) => (0, false),
                _ => continue,
            };
            let from = l.text_start + skip;
            let parts = lines::key_segments(&text[from..]);
            let mut path: Vec<String> = parts.iter().map(|(k, _)| k.clone()).collect();
            if header {
                table.clone_from(&path);
            } else if table.len() <= 1 {
                path.splice(0..0, table.iter().cloned());
            } else {
                continue;
            }
            if path.first().is_none_or(|k| kinds.contains(&k.as_str())) {
                continue;
            }
            let at = Span::new(file, l.text_start..l.text_start);
            let shown = path.iter().take(2).cloned().collect::<Vec<_>>().join(".");
            for id in path.into_iter().take(2) {
                out.entry(id).or_insert_with(|| (at, shown.clone()));
            }
        }
    }
    out
}

/// True for `parent = ""` where every other OU has a parent: the OU is the tenant to be (when
/// no other OU has `parent = ""`: see `empty_parents`).
fn is_tenant_to_be(cx: &Context<'_>, u: &crate::resolve::Unresolved) -> bool {
    u.field == "parent"
        && u.value.is_empty()
        && !(cx.ws.model.ous.iter()).any(|o| matches!(o.parent, Field::Absent))
}

/// How the line `parent = ""` of the tenant to be is mended.
struct Mending {
    /// The line, with its line break.
    span: Span,
    /// What replaces it: nothing, or its comment, or `keeps` (each with the line break).
    text: String,
    /// The key and the value, as written.
    written: String,
    /// What stays of the line: empty, or (a dotted key, the only line that defines the OU)
    /// the OU's table, empty (`ou.contoso = {}`), which removing the line would delete.
    keeps: String,
}

/// The mending of `u`'s `parent = ""` when its line holds nothing else than the key, the
/// value and a comment (which stays).
fn without_parent(cx: &Context<'_>, u: &crate::resolve::Unresolved) -> Option<Mending> {
    let span = u.span;
    let text = &cx.ws.sources.get(span.file).text;
    let (from, to) = (span.start as usize, span.end as usize);
    let start = text[..from].rfind('\n').map_or(0, |i| i + 1);
    let end = to + text[to..].find('\n').map_or(text.len() - to, |i| i + 1);
    let line = text[start..end].trim_end_matches(['\n', '\r']);
    let line_break = &text[start + line.len()..end];
    let after = line[to - start..].trim();
    // The blanks written between the value and its comment, kept before the comment.
    let rest = line[to - start..].trim_end();
    let gap = match &rest[..rest.len() - rest.trim_start().len()] {
        "" => " ",
        gap => gap,
    };
    let key = line[..from - start].trim();
    if !key.ends_with('=') || key.contains(['{', '[', ',']) {
        return None;
    }
    let comment = match after {
        "" => "",
        _ if after.starts_with('#') => after,
        _ => return None,
    };
    let indent = &line[..line.len() - line.trim_start().len()];
    let written = line[line.len() - line.trim_start().len()..to - start].to_owned();
    // `ou.contoso.parent = ""` alone in its file defines the OU: its table stays, empty.
    let defines = crate::parse::lines::id_key_spans(text)
        .into_iter()
        .filter(|(k, id, _)| k == Kind::Ou.key() && *id == u.from.1)
        .count();
    let keeps = match key.trim_end_matches('=').trim_end().rsplit_once('.') {
        Some((table, _)) if defines <= 1 => format!("{} = {{}}", table.trim_end()),
        _ => String::new(),
    };
    let kept = match (keeps.as_str(), comment) {
        ("", "") => String::new(),
        ("", c) => format!("{indent}{c}{line_break}"),
        (k, "") => format!("{indent}{k}{line_break}"),
        (k, c) => format!("{indent}{k}{gap}{c}{line_break}"),
    };
    Some(Mending {
        span: Span::new(span.file, start..end),
        text: kept,
        written,
        keeps,
    })
}
