//! `# nimbus-lint: allow(code, ...)` comments and the entities they cover.
//!
//! A run of comment lines applies to the entity whose table header (or inline key) follows it;
//! above a bare `[kind]` header it covers every entity written in that table.

use crate::diagnostic::Diagnostic;
use crate::model::{Kind, Sp, Suppression};
use crate::rules::{Code, invalid_value};
use crate::source::{FileId, Span};

use super::ParsedFile;

/// What a comment run stands above.
#[derive(Clone)]
enum Target {
    Entity(Kind, String),
    /// Every entity of `kind` whose id lies in the byte range.
    Section(Kind, usize, usize),
    Nothing,
}

/// Finds the directives of a file and what each applies to.
pub(super) fn scan(
    file: FileId,
    src: &str,
    parsed: &ParsedFile,
) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut found: Vec<(Suppression, Target)> = Vec::new();
    let mut pending: Vec<Suppression> = Vec::new();
    let mut section: Vec<String> = Vec::new();
    let mut open_section: Option<usize> = None;
    let mut in_multiline: Option<&str> = None;
    let mut offset = 0;
    for raw in src.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some(delim) = in_multiline {
            if line.matches(delim).count() % 2 == 1 {
                in_multiline = None;
            }
            continue;
        }
        let indent = line.len() - line.trim_start_matches([' ', '\t', '\u{feff}']).len();
        let text = &line[indent..];
        if text.is_empty() {
            flush(&mut pending, &mut found, Target::Nothing);
            continue;
        }
        if let Some(comment) = text.strip_prefix('#') {
            if let Some(directive) = parse_directive(file, start + indent, comment, &mut diags) {
                pending.push(directive);
            }
            continue;
        }
        for delim in ["\"\"\"", "'''"] {
            if line.matches(delim).count() % 2 == 1 {
                in_multiline = Some(delim);
            }
        }
        if text.starts_with('[') {
            if let Some((kind, s)) = open_section
                .take()
                .and_then(|s| section_kind(&section).map(|k| (k, s)))
            {
                close_section(&mut found, kind, s, start);
            }
            let array = text.starts_with("[[");
            section = key_path(text.trim_start_matches('['));
            let target = if array {
                Target::Nothing
            } else {
                match (section_kind(&section), section.get(1)) {
                    (Some(kind), Some(id)) => Target::Entity(kind, id.clone()),
                    (Some(kind), None) => {
                        open_section = Some(start);
                        Target::Section(kind, usize::MAX, usize::MAX)
                    }
                    _ => Target::Nothing,
                }
            };
            flush(&mut pending, &mut found, target);
        } else {
            let path = key_path(text);
            let target = match section.len() {
                0 => match (section_kind(&path), path.get(1)) {
                    (Some(kind), Some(id)) => Target::Entity(kind, id.clone()),
                    _ => Target::Nothing,
                },
                1 => match (section_kind(&section), path.first()) {
                    (Some(kind), Some(id)) => Target::Entity(kind, id.clone()),
                    _ => Target::Nothing,
                },
                _ => Target::Nothing,
            };
            flush(&mut pending, &mut found, target);
        }
    }
    if let Some((kind, s)) = open_section.and_then(|s| section_kind(&section).map(|k| (k, s))) {
        close_section(&mut found, kind, s, src.len());
    }
    flush(&mut pending, &mut found, Target::Nothing);

    let suppressions = found
        .into_iter()
        .map(|(mut s, target)| {
            s.targets = match target {
                Target::Entity(kind, id) => vec![(kind, id)],
                Target::Section(kind, from, to) => ids_in(parsed, kind)
                    .filter(|(_, span)| (from..to).contains(&(span.start as usize)))
                    .map(|(id, _)| (kind, id.to_owned()))
                    .collect(),
                Target::Nothing => Vec::new(),
            };
            s
        })
        .collect();
    (suppressions, diags)
}

fn flush(pending: &mut Vec<Suppression>, found: &mut Vec<(Suppression, Target)>, target: Target) {
    for s in pending.drain(..) {
        found.push((s, target.clone()));
    }
}

/// Gives the still-open `Section` targets of `kind` their byte range.
fn close_section(found: &mut [(Suppression, Target)], kind: Kind, from: usize, to: usize) {
    for (_, target) in found.iter_mut() {
        if let Target::Section(k, start, end) = target
            && *k == kind
            && *start == usize::MAX
        {
            *start = from;
            *end = to;
        }
    }
}

fn ids_in(parsed: &ParsedFile, kind: Kind) -> Box<dyn Iterator<Item = (&str, Span)> + '_> {
    match kind {
        Kind::Ou => Box::new(
            parsed
                .ous
                .iter()
                .map(|e| (e.def.id.as_str(), e.def.id_span)),
        ),
        Kind::Connector => Box::new(
            parsed
                .connectors
                .iter()
                .map(|e| (e.def.id.as_str(), e.def.id_span)),
        ),
        Kind::MessagingEntry => Box::new(
            parsed
                .entries
                .iter()
                .map(|e| (e.def.id.as_str(), e.def.id_span)),
        ),
        Kind::Service => Box::new(
            parsed
                .services
                .iter()
                .map(|e| (e.def.id.as_str(), e.def.id_span)),
        ),
    }
}

fn section_kind(path: &[String]) -> Option<Kind> {
    let first = path.first()?;
    Kind::ALL.into_iter().find(|k| k.key() == first)
}

/// The dotted key at the start of `text` (a header's inside, or a `key = value` line).
fn key_path(text: &str) -> Vec<String> {
    let mut path = Vec::new();
    let mut chars = text.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| *c == ' ' || *c == '\t').is_some() {}
        let Some(&(_, c)) = chars.peek() else { break };
        let mut key = String::new();
        match c {
            '"' | '\'' => {
                chars.next();
                let mut escaped = false;
                for (_, ch) in chars.by_ref() {
                    if escaped {
                        key.push(ch);
                        escaped = false;
                    } else if ch == '\\' && c == '"' {
                        escaped = true;
                    } else if ch == c {
                        break;
                    } else {
                        key.push(ch);
                    }
                }
            }
            _ => {
                while let Some((_, ch)) =
                    chars.next_if(|(_, ch)| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
                {
                    key.push(ch);
                }
                if key.is_empty() {
                    break;
                }
            }
        }
        path.push(key);
        while chars.next_if(|(_, c)| *c == ' ' || *c == '\t').is_some() {}
        if chars.next_if(|(_, c)| *c == '.').is_none() {
            break;
        }
    }
    path
}

/// Reads `nimbus-lint: allow(a, b)` out of a comment; other comments give `None`.
fn parse_directive(
    file: FileId,
    hash_at: usize,
    comment: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Suppression> {
    let body = comment.trim_start();
    let rest = body.strip_prefix("nimbus-lint:")?;
    let body_at = hash_at + 1 + (comment.len() - body.len());
    let comment_span = Span::new(file, hash_at..hash_at + 1 + comment.trim_end().len());
    let args_at = body_at + "nimbus-lint:".len() + (rest.len() - rest.trim_start().len());
    let rest = rest.trim_start();
    let inner = rest
        .strip_prefix("allow")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.find(')').map(|end| &r[..end]));
    let Some(inner) = inner else {
        diags.push(invalid_value::bad_directive(comment_span));
        return None;
    };
    let inner_at = args_at + rest.find('(').map_or(0, |i| i + 1);
    let mut codes = Vec::new();
    let mut at = inner_at;
    for part in inner.split(',') {
        let code = part.trim();
        let code_at = at + (part.len() - part.trim_start().len());
        at += part.len() + 1;
        if code.is_empty() {
            continue;
        }
        let span = Span::new(file, code_at..code_at + code.len());
        match Code::parse(code) {
            Some(value) => codes.push(Sp { value, span }),
            None => diags.push(invalid_value::unknown_code(span, code, Code::nearest(code))),
        }
    }
    if codes.is_empty() {
        return None;
    }
    Some(Suppression {
        span: comment_span,
        codes,
        targets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::key_path;

    #[test]
    fn key_paths_handle_quotes_and_spaces() {
        assert_eq!(key_path("service . \"a.b\" .im]"), ["service", "a.b", "im"]);
        assert_eq!(key_path("sales-ivr = { ou = 1 }"), ["sales-ivr"]);
        assert_eq!(key_path("'x'.ou = 1"), ["x", "ou"]);
    }
}
