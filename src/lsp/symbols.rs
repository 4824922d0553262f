//! The entities as symbols: a file's outline (`textDocument/documentSymbol`) and the search
//! of every checked workspace by id or name (`workspace/symbol`).

use lsp_types::SymbolKind;

use super::navigate::{self, Target};
use crate::Analysis;
use crate::model::{Def, Kind};
use crate::parse::lines::{self, Line};
use crate::source::{FileId, Span};

/// One entity as a symbol: where its table is, where its id is, and what it is.
pub struct Symbol {
    /// Its kind.
    pub kind: Kind,
    /// Its id.
    pub name: String,
    /// Its kind and display name (`service · Sales IVR`).
    pub detail: String,
    /// Its table: the header to the next header that is not its own sub-table's (the key's
    /// line, for an entity written inline or with dotted keys).
    pub range: Span,
    /// Its id where the table defines it.
    pub selection: Span,
}

/// The symbol kind of an entity of `kind` (an OU holds the others, as a namespace does).
pub fn kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Ou => SymbolKind::NAMESPACE,
        Kind::Connector => SymbolKind::INTERFACE,
        Kind::MessagingEntry => SymbolKind::EVENT,
        Kind::Service => SymbolKind::CLASS,
    }
}

/// The entities `file` defines (the first definition of each), in the order of the file;
/// of a file that does not parse, which the model holds nothing of, the tables its text
/// shows (`[kind.id]` headers).
pub fn outline(a: &Analysis, file: FileId, broken: bool) -> Vec<Symbol> {
    let text = &a.ws.sources.get(file).text;
    // Where each top-level header starts, and its path: a table ends where the next one
    // starts, unless that one is its own sub-table.
    let headers: Vec<(usize, Vec<String>)> = (lines::top_level(text))
        .filter_map(|l| match l.line {
            Line::Header { path, .. } => Some((l.text_start, path)),
            _ => None,
        })
        .collect();
    let mut out: Vec<Symbol> = Vec::new();
    if broken {
        let mut seen = std::collections::HashSet::new();
        for (key, id, at) in lines::id_key_spans(text) {
            let Some(kind) = Kind::ALL.into_iter().find(|k| k.key() == key) else {
                continue;
            };
            // A header of the table itself (its first), not of a sub-table.
            let line = text[..at.start].rfind('\n').map_or(0, |i| i + 1);
            let start = line + (text[line..].len() - text[line..].trim_start().len());
            let own = (headers.iter()).any(|(h, p)| *h == start && p.len() == 2);
            if own && seen.insert((kind, id.clone())) {
                let header_end = text[start..].find(']').map_or(at.end, |i| start + i + 1);
                out.push(Symbol {
                    kind,
                    name: id,
                    detail: kind.noun().to_owned(),
                    range: extent(text, &headers, Span::new(file, start..header_end)),
                    selection: Span::new(file, at),
                });
            }
        }
        return out;
    }
    for k in Kind::ALL {
        for d in a.ws.model.defs(k).filter(|d| d.header.file == file) {
            out.push(Symbol {
                kind: k,
                name: d.id.to_string(),
                detail: detail(a, k, d),
                range: extent(text, &headers, d.header),
                selection: d.id_span,
            });
        }
    }
    out.sort_by_key(|s| (s.range.start, s.range.end));
    out
}

/// `service · Sales IVR`: the kind, and the name when it is not the id (a detected secret in
/// it masked, as in hovers).
fn detail(a: &Analysis, kind: Kind, d: &Def) -> String {
    match d.name.value() {
        Some(name) if name.as_str() != d.id.as_str() => {
            let shown = a
                .secret_mask()
                .mask(name)
                .unwrap_or_else(|| name.to_string());
            format!("{} · {}", kind.noun(), crate::source::printable(&shown))
        }
        _ => kind.noun().to_owned(),
    }
}

/// The extent in `text` of the table whose header (or key) is `header` (see
/// [`Symbol::range`]).
fn extent(text: &str, headers: &[(usize, Vec<String>)], header: Span) -> Span {
    let start = header.start as usize;
    let at = headers.partition_point(|(h, _)| *h < start);
    let end = match headers.get(at) {
        Some((h, path)) if *h == start => {
            // The next header that is not below this table's path.
            let own = |p: &Vec<String>| p.len() > path.len() && p.starts_with(path);
            (headers[at + 1..].iter())
                .find(|(_, p)| !own(p))
                // The comments right above the next table are its own.
                .map_or(text.len(), |(h, _)| crate::parse::comments_above(text, *h))
        }
        // Written inline or with a dotted key: its line.
        _ => text[start..].find('\n').map_or(text.len(), |i| start + i),
    };
    // Without the blank lines before the next table.
    let body = text[start..end].trim_end();
    let end = start + body.len();
    Span::new(header.file, start..end.max(header.end as usize))
}

/// An entity found by [`search`].
pub struct Found {
    /// Its id does not start with the query (sorted after those that do).
    pub inside: bool,
    /// The entity.
    pub target: Target,
    /// Its OU path, as hovers show names.
    pub container: String,
}

/// The entities of `a` whose id or name holds `query` (ignoring case), ids starting with it
/// first, then by id and kind; at most `max`.
pub fn search(a: &Analysis, query: &str, max: usize) -> Vec<Found> {
    let q = query.to_lowercase();
    let mut found: Vec<(bool, &str, Target)> = Vec::new();
    for k in Kind::ALL {
        for (index, d) in a.ws.model.defs(k).enumerate() {
            let id = d.id.as_str();
            let lower = id.to_lowercase();
            if lower.contains(&q) || d.display_name().to_lowercase().contains(&q) {
                let target = Target {
                    kind: k,
                    index: index as u32,
                };
                found.push((!lower.starts_with(&q), id, target));
            }
        }
    }
    found.sort_by(|a, b| (a.0, a.1, a.2.kind).cmp(&(b.0, b.1, b.2.kind)));
    found.truncate(max);
    (found.into_iter())
        .map(|(inside, _, target)| {
            // The OU path, shown as hovers show names: secrets masked, controls escaped.
            let path = navigate::ou_line(a, target);
            let path = a.secret_mask().mask(&path).unwrap_or(path);
            Found {
                inside,
                target,
                container: crate::source::printable(&path).into_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_extends_over_its_own_sub_tables_and_stops_before_comments() {
        let text = "[service.a]\nou = \"x\"\n[service.a.instant_messaging]\nchannels = []\n\n# b\n[service.b]\n";
        let headers: Vec<(usize, Vec<String>)> = (lines::top_level(text))
            .filter_map(|l| match l.line {
                Line::Header { path, .. } => Some((l.text_start, path)),
                _ => None,
            })
            .collect();
        let r = extent(text, &headers, Span::new(FileId(0), 0..11));
        assert_eq!(
            &text[r.range()],
            "[service.a]\nou = \"x\"\n[service.a.instant_messaging]\nchannels = []"
        );
    }
}
