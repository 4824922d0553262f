//! `graph --format dot|mermaid`: the transfer graph, with front desks, the entries they hold,
//! proxied services and unreachable services drawn apart, and a legend.
//!
//! Works on a workspace with errors too: it draws what resolves.

use std::fmt::Write;

use crate::Analysis;

/// Graph output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz.
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

/// How a node is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Desk,
    DeskNoEntry,
    Entry,
    Proxied,
    Reached,
    Stranded,
    NoIm,
}

impl Class {
    const ALL: [Class; 7] = [
        Class::Desk,
        Class::DeskNoEntry,
        Class::Entry,
        Class::Proxied,
        Class::Reached,
        Class::Stranded,
        Class::NoIm,
    ];

    fn name(self) -> &'static str {
        match self {
            Class::Desk => "desk",
            Class::DeskNoEntry => "deskNoEntry",
            Class::Entry => "entry",
            Class::Proxied => "proxied",
            Class::Reached => "reached",
            Class::Stranded => "stranded",
            Class::NoIm => "noIm",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Class::Desk => "front desk with a messaging entry (Twilio proxy)",
            Class::DeskNoEntry => "front desk without a messaging entry",
            Class::Entry => "messaging entry",
            Class::Proxied => "IM service proxied by a front desk",
            Class::Reached => "IM service reached, not proxied",
            Class::Stranded => "IM service no front desk reaches",
            Class::NoIm => "service without IM",
        }
    }

    /// (fill, stroke)
    fn colours(self) -> (&'static str, &'static str) {
        match self {
            Class::Desk => ("#c8e6c9", "#2e7d32"),
            Class::DeskNoEntry => ("#fff9c4", "#f9a825"),
            Class::Entry => ("#bbdefb", "#1565c0"),
            Class::Proxied => ("#dcedc8", "#558b2f"),
            Class::Reached => ("#f5f5f5", "#757575"),
            Class::Stranded => ("#ffcdd2", "#c62828"),
            Class::NoIm => ("#eeeeee", "#9e9e9e"),
        }
    }
}

struct Node {
    key: String,
    label: String,
    class: Class,
}

struct Picture {
    nodes: Vec<Node>,
    /// (from, to, dashed): transfers, and entry → front desk.
    edges: Vec<(usize, usize, bool)>,
}

/// The title of the group that sets apart the IM services no front desk reaches.
const UNREACHABLE: &str = "No front desk reaches these";

impl Picture {
    /// The keys of the IM services no front desk reaches, drawn apart in a group of their own.
    fn stranded(&self) -> Vec<&str> {
        (self.nodes.iter())
            .filter(|n| n.class == Class::Stranded)
            .map(|n| n.key.as_str())
            .collect()
    }
}

fn picture(a: &Analysis) -> Picture {
    let m = &a.ws.model;
    let res = &a.ws.res;
    let t = &a.transfers;
    let mut order: Vec<usize> = (0..m.services.len()).collect();
    order.sort_by(|&x, &y| m.services[x].def.id.cmp(&m.services[y].def.id));
    let mut node_of = vec![0usize; m.services.len()];
    let mut nodes = Vec::new();
    for &i in &order {
        let s = &m.services[i];
        let class = if s.is_front_desk() {
            if res.service_entry[i].is_some() {
                Class::Desk
            } else {
                Class::DeskNoEntry
            }
        } else if s.im.is_absent() {
            Class::NoIm
        } else if t.proxied[i] {
            Class::Proxied
        } else if t.reached[i] {
            Class::Reached
        } else {
            Class::Stranded
        };
        node_of[i] = nodes.len();
        nodes.push(Node {
            key: format!("s{}", nodes.len()),
            label: shown(a, &s.def.id),
            class,
        });
    }
    let mut edges = Vec::new();
    let mut entries: Vec<(u32, usize)> = order
        .iter()
        .filter(|&&i| m.services[i].is_front_desk())
        .filter_map(|&i| res.service_entry[i].map(|e| (e, i)))
        .collect();
    entries.sort_by(|a, b| {
        m.entries[a.0 as usize]
            .def
            .id
            .cmp(&m.entries[b.0 as usize].def.id)
    });
    let mut entry_node: Vec<Option<usize>> = vec![None; m.entries.len()];
    for (e, desk) in entries {
        let n = *entry_node[e as usize].get_or_insert_with(|| {
            nodes.push(Node {
                key: format!("e{}", nodes.len()),
                label: shown(a, &m.entries[e as usize].def.id),
                class: Class::Entry,
            });
            nodes.len() - 1
        });
        edges.push((n, node_of[desk], true));
    }
    for &i in &order {
        let mut targets: Vec<usize> = res.transfers[i]
            .iter()
            .map(|&(to, _)| to as usize)
            .collect();
        targets.sort_by(|&x, &y| m.services[x].def.id.cmp(&m.services[y].def.id));
        targets.dedup();
        for to in targets {
            edges.push((node_of[i], node_of[to], false));
        }
    }
    Picture { nodes, edges }
}

/// An id as a label: a detected secret in it masked, as every output masks it.
fn shown(a: &Analysis, id: &str) -> String {
    a.secret_mask().mask(id).unwrap_or_else(|| id.to_owned())
}

/// The graph of `a` in `format`.
pub fn render(a: &Analysis, format: GraphFormat) -> String {
    let p = picture(a);
    match format {
        GraphFormat::Mermaid => mermaid(&p),
        GraphFormat::Dot => dot(&p),
    }
}

/// A label as Mermaid shows it literally: `#` starts an entity code and `<`, `>` would be HTML,
/// so these (and `"`) are written as entity codes.
fn mermaid_text(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in crate::source::printable(label).chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c => out.push(c),
        }
    }
    out
}

fn mermaid_node(out: &mut String, key: &str, label: &str, class: Class) {
    let label = mermaid_text(label);
    let _ = match class {
        Class::Entry => writeln!(out, "  {key}{{{{\"{label}\"}}}}:::{}", class.name()),
        Class::Desk | Class::DeskNoEntry => {
            writeln!(out, "  {key}([\"{label}\"]):::{}", class.name())
        }
        _ => writeln!(out, "  {key}[\"{label}\"]:::{}", class.name()),
    };
}

fn mermaid(p: &Picture) -> String {
    let mut out = String::from("flowchart LR\n");
    for n in &p.nodes {
        mermaid_node(&mut out, &n.key, &n.label, n.class);
    }
    for &(a, b, dashed) in &p.edges {
        let arrow = if dashed { "-.->" } else { "-->" };
        let _ = writeln!(out, "  {} {arrow} {}", p.nodes[a].key, p.nodes[b].key);
    }
    let stranded = p.stranded();
    if !stranded.is_empty() {
        let _ = writeln!(out, "  subgraph unreachable [{UNREACHABLE}]");
        for key in stranded {
            let _ = writeln!(out, "    {key}");
        }
        out.push_str("  end\n");
    }
    out.push_str("  subgraph legend [Legend]\n    direction TB\n");
    for (i, c) in Class::ALL.iter().enumerate() {
        out.push_str("  ");
        mermaid_node(&mut out, &format!("legend{i}"), c.legend(), *c);
    }
    out.push_str("  end\n");
    for c in Class::ALL {
        let (fill, stroke) = c.colours();
        let dash = if c == Class::Stranded {
            ",stroke-dasharray:4 2"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  classDef {} fill:{fill},stroke:{stroke},color:#000{dash}",
            c.name()
        );
    }
    out
}

fn dot_quote(s: &str) -> String {
    let s = crate::source::printable(s);
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn dot_attrs(label: &str, class: Class) -> String {
    let (fill, stroke) = class.colours();
    let shape = match class {
        Class::Entry => "hexagon",
        Class::Desk | Class::DeskNoEntry => "box",
        _ => "ellipse",
    };
    let style = match class {
        Class::Desk | Class::DeskNoEntry => "\"rounded,filled\"",
        Class::Stranded => "\"dashed,filled\"",
        _ => "filled",
    };
    format!(
        "label={}, shape={shape}, style={style}, fillcolor=\"{fill}\", color=\"{stroke}\"",
        dot_quote(label)
    )
}

fn dot(p: &Picture) -> String {
    let mut out = String::from(
        "digraph transfers {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n",
    );
    for n in &p.nodes {
        let _ = writeln!(out, "  {} [{}];", n.key, dot_attrs(&n.label, n.class));
    }
    for &(a, b, dashed) in &p.edges {
        let style = if dashed {
            " [style=dashed, arrowhead=none]"
        } else {
            ""
        };
        let _ = writeln!(out, "  {} -> {}{style};", p.nodes[a].key, p.nodes[b].key);
    }
    let stranded = p.stranded();
    if !stranded.is_empty() {
        let (_, stroke) = Class::Stranded.colours();
        let _ = writeln!(
            out,
            "  subgraph cluster_unreachable {{\n    label=\"{UNREACHABLE}\";\n    style=dashed;\n    color=\"{stroke}\";"
        );
        for key in stranded {
            let _ = writeln!(out, "    {key};");
        }
        out.push_str("  }\n");
    }
    out.push_str("  subgraph cluster_legend {\n    label=\"Legend\";\n");
    for (i, c) in Class::ALL.iter().enumerate() {
        let _ = writeln!(out, "    legend{i} [{}];", dot_attrs(c.legend(), *c));
    }
    out.push_str("  }\n}\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn mermaid_labels_are_shown_literally() {
        assert_eq!(
            super::mermaid_text("e#f;g \"x<y>\""),
            "e#35;f;g #quot;x#lt;y#gt;#quot;"
        );
        assert_eq!(super::mermaid_text("Sales IVR"), "Sales IVR");
    }
}
