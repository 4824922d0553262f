//! Renaming an entity's id (`textDocument/rename`): its table headers and keys, and every
//! reference to it, across the workspace.
//!
//! A rename is made only when it is certain. It is refused, with the reason, when a file does
//! not parse or could not be read (the rename could miss what it names), when the new id
//! breaks the id pattern, and when an entity of that kind has the new id already. The edits
//! are then tried on a copy of the workspace: unless every place now names the entity by its
//! new id, with nothing else changed (an id written inside an inline table, or with escapes,
//! is out of reach), the rename is refused and nothing is edited.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::navigate::{self, Index, Occurrence, Role, Target};
use crate::Analysis;
use crate::model::{Kind, is_valid_id};
use crate::parse::lines;
use crate::rules::Code;
use crate::source::{FileId, Span};

/// One replacement in a file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// What is replaced.
    pub span: Span,
    /// By what.
    pub text: String,
}

/// Where the id named by `occ` is written at byte `offset` of its file, without quotes: a
/// reference, or the key of the header or dotted key under the cursor (else the nearest one
/// on its line). What `prepareRename` shows for editing.
pub fn id_at(a: &Analysis, occ: &Occurrence, offset: usize) -> Span {
    if occ.role == Role::Reference {
        return navigate::unquoted(a, occ.span);
    }
    let d = navigate::def(a, occ.target);
    let file = occ.span.file;
    let source = a.ws.sources.get(file);
    let line = source.line_start(offset);
    // No key of the line spells it (one written with escapes): the occurrence itself, or
    // the id's key when it is in this file; never a place of another file's text.
    let fallback = if d.id_span.file == file {
        d.id_span
    } else {
        occ.span
    };
    let at = (id_keys(&source.text, occ.target.kind.key(), &d.id).into_iter())
        .filter(|r| source.line_start(r.start) == line)
        .min_by_key(|r| r.start.abs_diff(offset).min(r.end.abs_diff(offset)))
        .unwrap_or_else(|| fallback.range());
    Span::new(file, unquoted_key(&source.text, at))
}

/// Why no rename can be made while a file of the workspace does not parse (its ids and
/// references are not known), if one does not.
pub fn broken(a: &Analysis) -> Option<String> {
    let d = a.diagnostics.iter().find(|d| d.code == Code::Syntax)?;
    Some(format!(
        "{} does not parse: fix its syntax error first, so that a rename finds every place that names an id",
        at_line(a, d.span)
    ))
}

/// Why no rename of `target` can be made now: a file with a syntax error, or a file not read
/// (the rename could miss what they name).
pub fn blocked(a: &Analysis, target: Target) -> Option<String> {
    let old = &navigate::def(a, target).id;
    if let Some(why) = broken(a) {
        return Some(why);
    }
    a.load_errors.first().map(|e| {
        format!(
            "{} was not read ({}): the rename could miss the places where it names `{old}`",
            e.path, e.message
        )
    })
}

/// Why the rename of `target` to `new` cannot be made, when that shows before any edit: it is
/// [`blocked`], or `new` breaks the id pattern or is taken.
pub fn refusal(a: &Analysis, target: Target, new: &str) -> Option<String> {
    if let Some(why) = blocked(a, target) {
        return Some(why);
    }
    if !is_valid_id(new) {
        return Some(format!(
            "`{}` is not a valid id: ids match `^[a-z0-9][a-z0-9_-]*$` (lowercase letters, digits, `_` and `-`)",
            crate::source::printable(new)
        ));
    }
    let kind = target.kind;
    // References that name `new` and nothing now would name the entity renamed; not those
    // written as the fix of an id that breaks the pattern would spell it (`sales-ivr` for
    // `Sales-IVR`): renaming it so is what they wait for.
    let dangling: Vec<Span> = (a.ws.res.unresolved.iter())
        .filter(|u| u.kind == kind && u.value.as_str() == new && !u.renamed)
        .map(|u| u.span)
        .collect();
    if let Some(&first) = dangling.first() {
        let n = dangling.len();
        let what = if n == 1 {
            "reference that names"
        } else {
            "references that name"
        };
        return Some(format!(
            "`{new}` is written in {n} {what} no {noun} now ({}): renamed, `{}` would be named there too; choose another id, or correct {them} first",
            at_line(a, first),
            navigate::def(a, target).id,
            noun = kind.noun(),
            them = if n == 1 { "it" } else { "them" },
        ));
    }
    match a.ws.res.lookup(&a.ws.model, kind, new) {
        Some(other) if other != target.index => Some(format!(
            "{} {} `{new}` exists already ({}): choose another id",
            kind.article(),
            kind.noun(),
            at_line(a, a.ws.model.def(kind, other).header)
        )),
        _ => None,
    }
}

/// The edits that rename `target` to `new` (see [`refusal`] first): every key that spells its
/// id in the files that define it, and every reference to it, in file and position order.
pub fn edits(a: &Analysis, index: &Index, target: Target, new: &str) -> Vec<Edit> {
    let old = &navigate::def(a, target).id;
    let mut out: Vec<Edit> = Vec::new();
    let mut files: Vec<FileId> = (index.definitions(target).iter()).map(|s| s.file).collect();
    files.sort_unstable_by_key(|f| f.0);
    files.dedup();
    for file in files {
        let text = &a.ws.sources.get(file).text;
        for r in id_keys(text, target.kind.key(), old) {
            out.push(Edit {
                span: Span::new(file, unquoted_key(text, r)),
                text: new.to_owned(),
            });
        }
    }
    for span in index.references(target) {
        out.push(Edit {
            span: navigate::unquoted(a, span),
            text: new.to_owned(),
        });
    }
    out.sort_by_key(|e| (e.span.file.0, e.span.start, e.span.end));
    out.dedup();
    out
}

/// The texts of the files `edits` change, by path: what the workspace would hold after them.
pub fn apply(a: &Analysis, edits: &[Edit]) -> BTreeMap<PathBuf, String> {
    let mut by_file: BTreeMap<u32, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_file.entry(e.span.file.0).or_default().push(e);
    }
    let mut out = BTreeMap::new();
    for (file, list) in by_file {
        let source = a.ws.sources.get(FileId(file));
        let text = &source.text;
        let mut new = String::with_capacity(text.len());
        let mut at = 0;
        for e in list {
            let r = e.span.range();
            if r.start < at {
                // Overlapping an edit made (none is expected): the try on a copy refuses it.
                continue;
            }
            new.push_str(&text[at..r.start]);
            new.push_str(&e.text);
            at = r.end;
        }
        new.push_str(&text[at..]);
        out.insert(source.path.clone(), new);
    }
    out
}

/// Whether `after`, the workspace checked with the edits made, is `before` (indexed by
/// `index`) with `target` renamed to `new` and nothing else changed: no syntax error, the same
/// entities, the old id gone, the new one defined as often and named by as many references
/// (none that named `new` before: see [`refusal`]). Else why not.
pub fn verify(
    (before, index): (&Analysis, &Index),
    target: Target,
    new: &str,
    after: &Analysis,
) -> Result<(), String> {
    let old = &navigate::def(before, target).id;
    let kind = target.kind;
    let same_entities = crate::model::Kind::ALL
        .iter()
        .all(|&k| before.ws.model.defs(k).count() == after.ws.model.defs(k).count());
    if let Some(d) = after.diagnostics.iter().find(|d| d.code == Code::Syntax) {
        return Err(format!(
            "renamed, {} would no longer parse ({}): choose another id",
            at_line(after, d.span),
            d.message
        ));
    }
    let unreached = || {
        format!(
            "`{old}` is written where a rename cannot reach it (inside an inline table, or with escapes): rename it by hand"
        )
    };
    if after.ws.res.lookup(&after.ws.model, kind, old).is_some() {
        return Err(unreached());
    }
    if !same_entities || after.ws.res.duplicates.len() != before.ws.res.duplicates.len() {
        return Err(format!(
            "renamed, the workspace would not hold the same entities (a table or key `{new}` is written already): choose another id"
        ));
    }
    let renamed = after.ws.res.lookup(&after.ws.model, kind, new);
    let (b, a) = (index, Index::new(after));
    // References written as the fix of an invalid id spells it now name the entity too.
    let waiting = (before.ws.res.unresolved.iter())
        .filter(|u| u.kind == kind && u.value.as_str() == new && u.renamed)
        .count();
    let whole = renamed.is_some_and(|i| {
        let t = Target { kind, index: i };
        a.definitions(t).len() == b.definitions(target).len()
            && a.references(t).len() == b.references(target).len() + waiting
    });
    if whole { Ok(()) } else { Err(unreached()) }
}

/// The byte ranges of `text` where a key spells `id` as the id of an entity whose kind's key
/// is `kind` (quotes included): see [`lines::id_key_spans`].
pub fn id_keys(text: &str, kind: &str, id: &str) -> Vec<std::ops::Range<usize>> {
    (lines::id_key_spans(text).into_iter())
        .filter(|(k, i, _)| k == kind && i == id)
        .map(|(_, _, at)| at)
        .collect()
}

/// The keys whose string values name an entity of `kind`, in any table: its reference keys,
/// and the spellings of `ou` a fix renames.
fn reference_keys(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Ou => (["ou", "parent"].into_iter())
            .chain(crate::parse::OU_ALIASES.iter().map(|&(alias, _)| alias))
            .collect(),
        Kind::Connector => vec!["connector"],
        Kind::MessagingEntry => vec!["messaging_entry"],
        Kind::Service => vec!["transfers"],
    }
}

/// Why `edits` do not rename `target` whole, when a reference key names its id where the
/// model does not read it (a table under a misspelled kind, an array of IM tables, an unknown
/// key): the rename would leave the old id written there, naming nothing.
pub fn unreached(a: &Analysis, target: Target, edits: &[Edit]) -> Option<String> {
    let old = navigate::def(a, target).id.as_str();
    let keys = reference_keys(target.kind);
    for (file, source) in a.ws.sources.iter() {
        let text = &source.text;
        for slot in super::complete::values(text) {
            let key = slot.path.last().map(String::as_str);
            if !key.is_some_and(|k| keys.contains(&k))
                || text.get(slot.replace.clone()) != Some(old)
            {
                continue;
            }
            let edited = |e: &Edit| {
                e.span.file == file
                    && e.span.start as usize <= slot.replace.start
                    && slot.replace.end <= e.span.end as usize
            };
            if !edits.iter().any(edited) {
                let at = Span::new(file, slot.replace.clone());
                return Some(format!(
                    "`{old}` is also written at {} (`{}`), which is not read as a reference: its table or key has an error; correct that first, so that the rename reaches it",
                    at_line(a, at),
                    slot.path.join("."),
                ));
            }
        }
    }
    None
}

/// `file.toml:LINE`, where `span` starts.
fn at_line(a: &Analysis, span: Span) -> String {
    let file = a.ws.sources.get(span.file);
    format!(
        "{}:{}",
        file.display(),
        file.position(span.start as usize).line
    )
}

/// The range of a key's name without its quotes (`"x"` and `'x'`).
fn unquoted_key(text: &str, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let s = &text[r.clone()];
    let quoted = s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')));
    if quoted { r.start + 1..r.end - 1 } else { r }
}

#[cfg(test)]
mod tests {
    use super::id_keys;

    fn shown<'t>(text: &'t str, kind: &str, id: &str) -> Vec<&'t str> {
        (id_keys(text, kind, id).into_iter())
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn id_keys_are_found_in_headers_and_dotted_keys_only() {
        let text = "[service.desk]\nname = \"desk\"\n[service.\"desk\".instant_messaging]\n\
                    [service]\ndesk.ou = \"x\"\n'desk' = {}\nother.desk = 1\n[ou.desk]\n\
                    [connector]\n[service.deskx]\n";
        assert_eq!(
            shown(text, "service", "desk"),
            ["desk", "\"desk\"", "desk", "'desk'"]
        );
        assert_eq!(shown(text, "ou", "desk"), ["desk"]);
        let text = "service.desk.name = \"D\"\nservice . desk . ou = \"x\"\n# [service.desk]\n";
        assert_eq!(shown(text, "service", "desk"), ["desk", "desk"]);
        // Inside a multi-line string, nothing is a key.
        assert!(shown("x = \"\"\"\n[service.desk]\n\"\"\"\n", "service", "desk").is_empty());
    }
}
