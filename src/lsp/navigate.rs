//! Where ids are defined and used: go to definition, find references, hover.
//!
//! The index lists, per file, every place that names an entity: its table header and id
//! (definitions; a later duplicate's header counts as a definition of the first; each line
//! of an entity written with dotted keys), a service's `instant_messaging` header, and every
//! resolved reference (`parent`, `ou`, `connector`, `messaging_entry`, `transfers` items).
//! It is built from the resolved model, lazily, once per check.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::Analysis;
use crate::model::{Def, Field, Kind, SecretMask, Sp};
use crate::source::{FileId, Span};

/// An entity: its kind and its index in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The entity's kind.
    pub kind: Kind,
    /// Its index among the entities of that kind.
    pub index: u32,
}

/// Whether a place defines the entity or uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A table header, an id key, a sub-table header of the entity.
    Definition,
    /// A reference to it.
    Reference,
}

/// A place naming an entity.
#[derive(Clone, Copy, Debug)]
pub struct Occurrence {
    /// Where (for a reference: the string, quotes included).
    pub span: Span,
    /// The entity named.
    pub target: Target,
    /// Definition or use.
    pub role: Role,
}

/// Every place naming an entity, by file.
#[derive(Debug, Default)]
pub struct Index {
    by_file: Vec<Vec<Occurrence>>,
    /// The files with a `syntax` error, whose references were read from the text.
    broken: Vec<FileId>,
}

impl Index {
    /// Indexes the resolved model of `a`.
    pub fn new(a: &Analysis) -> Self {
        let ws = &a.ws;
        let mut by_file: Vec<Vec<Occurrence>> = vec![Vec::new(); ws.sources.len()];
        let mut push = |span: Span, target: Target, role: Role| {
            if let Some(list) = by_file.get_mut(span.file.0 as usize) {
                list.push(Occurrence { span, target, role });
            }
        };
        let mut reference = |kind: Kind, value: &Sp<crate::model::Text>| {
            if let Some(index) = ws.res.lookup(&ws.model, kind, &value.value) {
                push(value.span, Target { kind, index }, Role::Reference);
            }
        };
        let m = &ws.model;
        let refs = (m.ous.iter().flat_map(|o| o.refs()))
            .chain(m.connectors.iter().flat_map(|c| c.def.refs()))
            .chain(m.entries.iter().flat_map(|e| e.refs()))
            .chain(m.services.iter().flat_map(|s| s.refs()));
        for (kind, value) in refs {
            reference(kind, value);
        }
        for kind in Kind::ALL {
            for (index, d) in m.defs(kind).enumerate() {
                let target = Target {
                    kind,
                    index: index as u32,
                };
                push(d.header, target, Role::Definition);
                push(d.id_span, target, Role::Definition);
            }
        }
        // An entity written with dotted keys (`service.x.ou = …`, `x.license = …` below
        // `[service]`) names its id on each line: the lines after the first define it too.
        let mut dotted: Vec<FileId> = (Kind::ALL.iter())
            .flat_map(|&k| m.defs(k))
            .filter(|d| {
                let text = &ws.sources.get(d.header.file).text;
                (text.get(d.header.start as usize..)).is_some_and(|t| !t.starts_with('['))
            })
            .map(|d| d.header.file)
            .collect();
        dotted.sort_unstable_by_key(|f| f.0);
        dotted.dedup();
        for file in dotted {
            let text = &ws.sources.get(file).text;
            for (key, id, at) in crate::parse::lines::id_key_spans(text) {
                let Some(kind) = Kind::ALL.into_iter().find(|k| k.key() == key) else {
                    continue;
                };
                if let Some(index) = ws.res.lookup(m, kind, &id) {
                    push(
                        Span::new(file, at),
                        Target { kind, index },
                        Role::Definition,
                    );
                }
            }
        }
        for (index, s) in m.services.iter().enumerate() {
            if let Some(im) = s.im.value() {
                let target = Target {
                    kind: Kind::Service,
                    index: index as u32,
                };
                push(im.header, target, Role::Definition);
            }
        }
        for dup in &ws.res.duplicates {
            if let Some(index) = ws.res.lookup(&ws.model, dup.kind, &dup.id) {
                let target = Target {
                    kind: dup.kind,
                    index,
                };
                push(dup.later, target, Role::Definition);
            }
        }
        // A file that does not parse holds no model: its references are read from the text.
        let broken = broken_files(a);
        for &file in &broken {
            for o in textual_references(a, file) {
                push(o.span, o.target, o.role);
            }
        }
        // The later definition of an entity defined twice is not in the model: the references
        // it writes are kept beside the duplicate.
        for dup in &ws.res.duplicates {
            for (kind, value) in &dup.refs {
                if let Some(index) = ws.res.lookup(m, *kind, &value.value)
                    && let Some(list) = by_file.get_mut(value.span.file.0 as usize)
                {
                    list.push(Occurrence {
                        span: value.span,
                        target: Target { kind: *kind, index },
                        role: Role::Reference,
                    });
                }
            }
        }
        for list in &mut by_file {
            list.sort_by_key(|o| (o.span.start, o.span.end));
        }
        Index { by_file, broken }
    }

    /// The innermost place at byte `offset` of `file`: one that contains it, else one that
    /// ends right there (the cursor just after a string).
    pub fn at(&self, file: FileId, offset: usize) -> Option<Occurrence> {
        let list = self.by_file.get(file.0 as usize)?;
        let offset = offset as u32;
        let inside = |o: &&Occurrence| o.span.start <= offset && offset < o.span.end;
        let touching = |o: &&Occurrence| o.span.end == offset;
        let narrowest = |it: &mut dyn Iterator<Item = &Occurrence>| {
            it.min_by_key(|o| o.span.end - o.span.start).copied()
        };
        narrowest(&mut list.iter().filter(inside))
            .or_else(|| narrowest(&mut list.iter().filter(touching)))
    }

    /// True when `file` has a syntax error: the index holds what its text shows, not a model.
    pub fn is_broken(&self, file: FileId) -> bool {
        self.broken.contains(&file)
    }

    /// Every place that defines `target` (headers, id keys), in file and position order.
    pub fn definitions(&self, target: Target) -> Vec<Span> {
        self.of(target, Role::Definition)
    }

    /// Every reference to `target`, in file and position order.
    pub fn references(&self, target: Target) -> Vec<Span> {
        self.of(target, Role::Reference)
    }

    fn of(&self, target: Target, role: Role) -> Vec<Span> {
        self.by_file
            .iter()
            .flatten()
            .filter(|o| o.role == role && o.target == target)
            .map(|o| o.span)
            .collect()
    }
}

/// The reference at byte `offset` of `file`, read from the text: a string in a reference
/// position (`ou`, `parent`, `connector`, `messaging_entry`, an item of `transfers`) that names
/// an entity. What navigation falls back on when the index has nothing there, as in a file
/// with a syntax error, which contributes nothing to the model.
pub fn textual(a: &Analysis, file: FileId, offset: usize) -> Option<Occurrence> {
    let text = &a.ws.sources.get(file).text;
    let slot = super::complete::scan(text, offset).slot?;
    slot.quote?;
    let (kind, _, _) = super::complete::wanted(&slot)?;
    let index =
        a.ws.res
            .lookup(&a.ws.model, kind, text.get(slot.replace.clone())?)?;
    let start = slot.replace.start.checked_sub(1)?;
    let end = slot.replace.end + usize::from(slot.closed);
    Some(Occurrence {
        span: Span {
            file,
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
        },
        target: Target { kind, index },
        role: Role::Reference,
    })
}

/// In a file that does not parse, the table header that defines the entity a reference at byte
/// `offset` names, when the model does not know it (its definition is in this very file): read
/// from the text, `[kind.id]` on a line of its own.
pub fn textual_definition(a: &Analysis, file: FileId, offset: usize) -> Option<Span> {
    let text = &a.ws.sources.get(file).text;
    let slot = super::complete::scan(text, offset).slot?;
    slot.quote?;
    let (kind, _, _) = super::complete::wanted(&slot)?;
    let id = text.get(slot.replace.clone())?;
    if a.ws.res.lookup(&a.ws.model, kind, id).is_some() {
        return None;
    }
    let header = format!("[{}.{id}]", kind.key());
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let code = line.trim_start();
        let start = at + (line.len() - code.len());
        at += line.len();
        let code = code.split('#').next().unwrap_or_default().trim_end();
        let bare: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if bare == header {
            return Some(Span {
                file,
                start: u32::try_from(start).ok()?,
                end: u32::try_from(start + code.len()).ok()?,
            });
        }
    }
    None
}

/// The files of `a` with a `syntax` error, each once, in file order.
fn broken_files(a: &Analysis) -> Vec<FileId> {
    let mut files: Vec<FileId> = (a.diagnostics.iter())
        .filter(|d| d.code == crate::rules::Code::Syntax)
        .map(|d| d.span.file)
        .collect();
    files.sort_unstable_by_key(|f| f.0);
    files.dedup_by_key(|f| f.0);
    files
}

/// The references of `file` read from its text: each string in a reference position that
/// names an entity.
fn textual_references(a: &Analysis, file: FileId) -> Vec<Occurrence> {
    let text = &a.ws.sources.get(file).text;
    let mut out = Vec::new();
    for slot in super::complete::values(text) {
        let Some((kind, _, _)) = super::complete::wanted(&slot) else {
            continue;
        };
        let Some(id) = text.get(slot.replace.clone()) else {
            continue;
        };
        let Some(index) = a.ws.res.lookup(&a.ws.model, kind, id) else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            u32::try_from(slot.replace.start - 1),
            u32::try_from(slot.replace.end + usize::from(slot.closed)),
        ) else {
            continue;
        };
        out.push(Occurrence {
            span: Span { file, start, end },
            target: Target { kind, index },
            role: Role::Reference,
        });
    }
    out
}

/// The definition of `target`.
pub fn def(a: &Analysis, target: Target) -> &Def {
    a.ws.model.def(target.kind, target.index)
}

/// The text of a reference without its quotes.
pub fn unquoted(a: &Analysis, span: Span) -> Span {
    let text = &a.ws.sources.get(span.file).text;
    let s = text.get(span.range()).unwrap_or_default();
    // `"""sales"""` and `'''sales'''` (one line break after the opening quotes is no part of
    // the string either), then `"sales"` and `'sales'`.
    for q in ["\"\"\"", "\'\'\'", "\"", "\'"] {
        if s.len() >= 2 * q.len() && s.starts_with(q) && s.ends_with(q) {
            let inner = &s[q.len()..s.len() - q.len()];
            let skip = match inner {
                _ if q.len() == 1 => 0,
                _ if inner.starts_with("\r\n") => 2,
                _ if inner.starts_with('\n') => 1,
                _ => 0,
            };
            return Span {
                file: span.file,
                start: span.start + (q.len() + skip) as u32,
                end: span.end - q.len() as u32,
            };
        }
    }
    span
}

/// The OU an entity belongs to (an OU: itself).
pub fn ou_of(a: &Analysis, t: Target) -> Option<u32> {
    let res = &a.ws.res;
    let i = t.index as usize;
    match t.kind {
        Kind::Ou => Some(t.index),
        Kind::Connector => res.connector_ou.get(i).copied().flatten(),
        Kind::MessagingEntry => res.entry_ou.get(i).copied().flatten(),
        Kind::Service => res.service_ou.get(i).copied().flatten(),
    }
}

/// The path of display names from the root OU down to `ou`, e.g. `Contoso › Sales`.
pub fn ou_path(a: &Analysis, ou: u32) -> String {
    /// OUs shown at the end of a long path, after its root and `…`.
    const TAIL: usize = 4;
    let tree = &a.ws.res.tree;
    let name = |o: u32| a.ws.model.ous[o as usize].def.display_name();
    if !tree.is_rooted(ou) {
        return format!("{} (not under the root OU)", name(ou));
    }
    // Up from `ou`, a few levels at most: a path thousands deep costs no more than a short one.
    let mut tail = vec![ou];
    let mut at = ou;
    let mut cut = false;
    while let Some(p) = tree.parent[at as usize] {
        // Cut where `…` would stand for two levels at least.
        if tail.len() > TAIL + 1 {
            cut = true;
            break;
        }
        tail.push(p);
        at = p;
    }
    let mut parts: Vec<&str> = Vec::with_capacity(TAIL + 3);
    if cut {
        if let Some(&root) =
            (tree.roots.iter()).find(|&&r| tree.is_at_or_above(r, ou) == Some(true))
        {
            parts.push(name(root));
        }
        parts.push("…");
        tail.truncate(TAIL);
    }
    parts.extend(tail.iter().rev().map(|&o| name(o)));
    parts.join(" › ")
}

/// The OU line of an entity, for hovers and completion details (plain text).
pub fn ou_line(a: &Analysis, t: Target) -> String {
    match ou_of(a, t) {
        Some(ou) => ou_path(a, ou),
        None => match def(a, t).ou.value() {
            Some(id) if t.kind != Kind::Ou => format!("{id} (no such OU)"),
            _ => "none".to_owned(),
        },
    }
}

/// Up to `max` ids in backticks, and how many more.
fn ids(show: &Shown, mut names: impl Iterator<Item = String>, total: usize, max: usize) -> String {
    let mut out: Vec<String> = names.by_ref().take(max).map(|n| show.code(&n)).collect();
    if total > max {
        out.push(format!("and {} more", total - max));
    }
    out.join(", ")
}

/// Text from the files, as a hover shows it: every detected secret masked first, then
/// escaped (masking after escaping would miss a secret the escapes changed, `a_b` as `a\_b`).
struct Shown<'m>(&'m SecretMask);

impl Shown<'_> {
    fn masked<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.0.mask(text).map_or(Cow::Borrowed(text), Cow::Owned)
    }

    /// As a code span ([`code`]).
    fn code(&self, text: &str) -> String {
        code(&self.masked(text))
    }

    /// As prose ([`md`]).
    fn md(&self, text: &str) -> String {
        md(&self.masked(text))
    }
}

/// What a hover on a place naming `t` shows, in Markdown, every secret of `mask` masked
/// (names and ids could hold one).
pub fn hover(a: &Analysis, t: Target, mask: &SecretMask) -> String {
    let m = &a.ws.model;
    let d = def(a, t);
    let show = Shown(mask);
    // Names, ids and paths come from files anyone may change: shown as text, never as
    // Markdown (a link in a name would be live), control and bidirectional characters escaped.
    let mut out = format!("**{}** {}", t.kind.noun(), show.code(&d.id));
    if let Some(name) = d.name.value() {
        let _ = write!(out, " — {}", show.md(name));
    }
    let label = if t.kind == Kind::Ou { "Path" } else { "OU" };
    let _ = write!(out, "\n\n{label}: {}", show.md(&ou_line(a, t)));
    let i = t.index as usize;
    match t.kind {
        Kind::Ou => {}
        Kind::Connector => {
            let c = &m.connectors[i];
            let _ = write!(out, "\n\nRegion: `{}`", c.region().as_str());
        }
        Kind::MessagingEntry => {
            if let Some(c) = m.entries[i].connector.value() {
                let _ = write!(out, "\n\nConnector: {}", show.code(c));
            }
        }
        Kind::Service => {
            let _ = write!(out, "\n\n{}", service_role(a, i, &show));
        }
    }
    let file = &a.ws.sources.get(d.header.file).rel();
    let _ = write!(out, "\n\nDefined in {}", show.code(file));
    out
}

/// Front desk, or who proxies it.
fn service_role(a: &Analysis, i: usize, show: &Shown) -> String {
    let s = &a.ws.model.services[i];
    let Some(im) = s.im.value() else {
        return if matches!(s.im, Field::Invalid) {
            "Instant messaging: the `instant_messaging` table could not be read.".to_owned()
        } else {
            "No instant messaging: conversations cannot be transferred here.".to_owned()
        };
    };
    if s.is_front_desk() {
        let channels: Vec<&str> = im.channels.iter().map(|c| c.value.display()).collect();
        let channels = if channels.is_empty() {
            String::new()
        } else {
            format!(" ({})", channels.join(", "))
        };
        return match im.messaging_entry.value() {
            Some(entry) => format!(
                "Front desk{channels}: customers write to it directly; messaging entry {}, \
                 the Twilio proxy for the services it transfers to.",
                show.code(entry)
            ),
            None => {
                format!("Front desk{channels}: customers write to it directly; no messaging entry.")
            }
        };
    }
    let desks = &a.transfers.proxies_of(i);
    if !desks.is_empty() {
        let names = desks
            .iter()
            .map(|&d| a.ws.model.services[d as usize].def.id.to_string());
        let noun = if desks.len() == 1 {
            "front desk"
        } else {
            "front desks"
        };
        return format!(
            "Transfer target, proxied by {noun} {}.",
            ids(show, names, desks.len(), 10)
        );
    }
    if a.transfers.reached[i] {
        "Transfer target, reached from a front desk without a messaging entry: no Twilio proxy."
            .to_owned()
    } else {
        "Transfer target that no front desk reaches.".to_owned()
    }
}

/// What [`md`] escapes: markup, and `:`, `.` and `@`, with which GFM makes `https://…`,
/// `www.…` and `a@b.c` live links.
const ESCAPED: &str = "\\`*_[]<>#!|~&:.@";

/// `text` as Markdown prose: what Markdown would read as markup escaped, control and
/// bidirectional characters shown as `\u{..}`.
fn md(text: &str) -> String {
    let text = crate::source::printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if ESCAPED.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A hover written by [`hover`] as plain text, for clients that show no Markdown: without
/// its emphasis, code fences and escapes.
pub fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            // A code span: its fence, then the text up to the same fence, as written.
            let n = rest.len() - rest.trim_start_matches('`').len();
            let fence = &rest[..n];
            let body = &rest[n..];
            if let Some(end) = body.find(fence) {
                let inner = &body[..end];
                let inner = match inner.strip_prefix(' ').and_then(|i| i.strip_suffix(' ')) {
                    Some(i) if !i.is_empty() => i,
                    _ => inner,
                };
                out.push_str(inner);
                rest = &body[end + n..];
                continue;
            }
            rest = body;
            continue;
        }
        let next = rest[c.len_utf8()..].chars().next();
        match (c, next) {
            ('\\', Some(n)) if ESCAPED.contains(n) => {
                out.push(n);
                rest = &rest[1 + n.len_utf8()..];
            }
            ('*', Some('*')) => rest = &rest[2..],
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// `text` as a Markdown code span, whatever backquotes it holds.
fn code(text: &str) -> String {
    let text = crate::source::printable(text);
    let mut run = 0;
    let mut longest = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::{code, md};

    #[test]
    fn plain_hovers_lose_the_markdown_and_keep_the_text() {
        let text = format!(
            "**service** {} — {}\n\nOU: {}",
            code("a`b"),
            md("Sales *EU* [1] at www.x.com"),
            md("x_y")
        );
        assert_eq!(
            super::plain(&text),
            "service a`b — Sales *EU* [1] at www.x.com\n\nOU: x_y"
        );
    }

    #[test]
    fn names_are_text_in_hovers_not_markdown() {
        assert_eq!(
            md("Sales **[reset](https://evil.example/)** \u{202e}gnp.exe"),
            "Sales \\*\\*\\[reset\\](https\\://evil\\.example/)\\*\\* \\\\u{202e}gnp\\.exe"
        );
        // No autolink: a URL, a `www.` host or an address is text.
        assert_eq!(md("www.x.com a@b.co"), "www\\.x\\.com a\\@b\\.co");
        assert_eq!(code("sales-team"), "`sales-team`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }
}
