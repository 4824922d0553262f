//! `ou-cycle`: OU parents form a loop.

use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "ou-cycle",
    severity: Severity::Error,
    hard: true,
    summary: "OU parents form a loop; every OU on the loop named",
    explanation: r#"## What it checks

Following `parent` from any OU must end at the root. One diagnostic is reported per loop, at the
`parent` of its member with the smallest id, naming the members in parent order from there:
`a` → `b` → `c` → `a`. Loops of any length are found in one linear pass.

## Why it matters

An OU inside a loop has no path to the tenant: nothing in it can see the connectors and
messaging entries of the tenant OU, and Nimbus rejects the tree.

## Example

```toml
[ou.sales]
parent = "emea"

[ou.emea]
parent = "sales"
```

## Fix

```toml
[ou.emea]
parent = "contoso"    # the tenant: the loop is broken
```
"#,
    check: Some(check),
};

/// Members named in full in a message; longer loops are shortened in the middle.
const NAMED: usize = 12;
/// Secondary labels per loop.
const LABELS: usize = 12;

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.copies_placed_apart() {
        cx.hold(Code::OuCycle);
        return;
    }
    let ous = &cx.ws.model.ous;
    for cycle in &cx.ws.res.tree.cycles {
        let first = &ous[cycle[0] as usize];
        let Some(parent) = first.parent.get() else {
            continue;
        };
        let ids: Vec<&str> = cycle
            .iter()
            .map(|&i| ous[i as usize].def.id.as_str())
            .collect();
        let message = match ids.len() {
            1 => format!("OU `{}` is its own parent", ids[0]),
            _ => format!("OU parents form a loop: {}", path(&ids)),
        };
        // With a root in place, removing a `parent` would make a second root: name the tenant.
        // With none, this loop is also why `root-ou` is not reported: say it here.
        let help = match (cx.tenant(), ids.len()) {
            (Some(r), 1) => format!(
                "point `parent` at the OU above it, e.g. `parent = \"{}\"` (the tenant)",
                ous[r as usize].def.id
            ),
            (Some(r), _) => format!(
                "point one of these `parent` keys at an OU outside the loop, e.g. `parent = \"{}\"` (the tenant)",
                ous[r as usize].def.id
            ),
            (None, 1) => format!(
                "no OU is left without a parent, so the workspace has no root: if `{0}` is the tenant, remove its `parent = \"{0}\"`; else point it at the OU above it",
                ids[0]
            ),
            (None, _) => "no OU is left without a parent, so the workspace has no root: remove `parent` from the OU that is the tenant (one of the loop), or point one of these `parent` keys at a new root OU".to_owned(),
        };
        let mut d = Diagnostic::new(Code::OuCycle, parent.span, message)
            .label(format!("`{}` → `{}`", ids[0], parent.value))
            .help(help)
            .about(Kind::Ou, ids[0]);
        for &m in cycle.iter().skip(1).take(LABELS) {
            if let Some(p) = ous[m as usize].parent.get() {
                d = d.with(
                    p.span,
                    format!("`{}` → `{}`", ous[m as usize].def.id, p.value),
                );
            }
        }
        let left = cycle.len().saturating_sub(LABELS + 1);
        super::text::label_the_rest(&mut d, left, "OU on the loop", "OUs on the loop");
        out.push(d);
    }
}

/// `` `a` → `b` → `c` → `a` `` (as the labels write each step), shortened in the middle for
/// long loops.
fn path(ids: &[&str]) -> String {
    let quoted = |s: &&str| format!("`{s}`");
    let mut parts: Vec<String> = Vec::new();
    if ids.len() <= NAMED {
        parts.extend(ids.iter().map(quoted));
    } else {
        parts.extend(ids[..NAMED / 2].iter().map(quoted));
        parts.push(format!("… {} more …", ids.len() - NAMED));
        parts.extend(ids[ids.len() - NAMED / 2..].iter().map(quoted));
    }
    parts.push(quoted(&ids[0]));
    parts.join(" → ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_loops_are_shortened() {
        let ids: Vec<String> = (0..50).map(|i| format!("o{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let p = super::path(&ids);
        assert!(p.starts_with("`o0` → `o1` → `o2` → `o3` → `o4` → `o5` → … 38 more … → `o44`"));
        assert!(p.ends_with("`o49` → `o0`"));
        assert_eq!(super::path(&["a", "b"]), "`a` → `b` → `a`");
    }
}
